// The WebGPU kernels and backend (SwiftShader here: correctness only), and the engine tests
// that run them, as one file on one page (gpuPage() in ./page.ts): the page's one device keeps
// the pipelines each suite compiles, so a pipeline set is compiled once for the file, not once
// per suite. The fp32 top-k sets (with and without subgroups) were compiled in gpu-index, again
// in quant (its code scans pair with the top-k merge), in each engine suite and twice more in
// backend ('webgpu' forced, then device loss's first device); the code scans in quant and again
// in index-modes. (test/retrieval/fused-rerank.browser.test.ts stays a file of its own: on this
// page its engine did not call the GPU reranker it checks.)
// Suites run in this order: gpu-index first (it compiles both top-k sets), backend last (its
// device-loss test destroys the page's device, as it did its own page's).
import './adapter.suite';
import './gpu-index.suite';
import './quant.suite';
import './sort.suite';
import './rerank.suite';
import '../engine/index-modes.suite';
import '../engine/ivf-mode.suite';
import './backend.suite';
