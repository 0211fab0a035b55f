// The WebGPU kernels and backend (SwiftShader here: correctness only), as one file on one page
// (gpuPage() in ./page.ts): the page's one device keeps the pipelines each suite compiles, so a
// pipeline set is compiled once for the file, not once per suite. The fp32 top-k sets (with and
// without subgroups) were compiled in gpu-index, again in quant (its code scans pair with the
// top-k merge), and twice more in backend ('webgpu' forced, then device loss's first device).
// Suites run in this order: gpu-index first (it compiles both top-k sets), backend last (its
// device-loss test destroys the page's device, as it did its own page's).
import './adapter.suite';
import './gpu-index.suite';
import './quant.suite';
import './sort.suite';
import './rerank.suite';
import './backend.suite';
