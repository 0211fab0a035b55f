// Bindings and parameters shared by the three fused-rerank passes.

const WG: u32 = 256u;
const MAX_C: u32 = 2048u;   // candidates per call
const MAX_P: u32 = 1024u;   // pool size

struct RerankParams {
  c: u32,          // candidates
  pool: u32,       // P
  limit: u32,      // picks
  stride4: u32,    // vector row length in vec4 (zero padded)
  lambda: f32,
  wRecency: f32,
  wRetention: f32,
  wTrust: f32,
}

@group(0) @binding(0) var<storage, read> vectors: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read> features: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> adj: array<f32>;
@group(0) @binding(4) var<storage, read_write> poolIdx: array<u32>;
@group(0) @binding(5) var<storage, read_write> sims: array<f32>;
@group(0) @binding(6) var<storage, read_write> picked: array<u32>;
@group(0) @binding(7) var<uniform> rp: RerankParams;
