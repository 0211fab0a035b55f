// Exact inner-product scan of one shard with per-workgroup top-k.
// Workgroup (x, y) scores rows x*CHUNK .. x*CHUNK+CHUNK-1 of the shard against
// query y, skips removed slots and (when useAllow) slots the allow bits
// exclude, sorts, and writes its best k as (score bits, slot) pairs to
// out[(y * chunks + chunk0 + x) * k ..]. Needs topk-sort.wgsl prepended.

struct ScanParams {
  base: u32,     // global slot of the shard's row 0
  rows: u32,     // rows of this shard to scan
  k: u32,
  chunk0: u32,   // global index of this shard's first chunk
  chunks: u32,   // chunks over all shards (per-query stride in out, in units of k)
  stride4: u32,  // row length in vec4 (dim rounded up to 4, zero padded)
  useAllow: u32,
  allowWords: u32,
}

@group(0) @binding(0) var<storage, read> vectors: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> queries: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> removed: array<u32>;
@group(0) @binding(3) var<storage, read> allow: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec2<u32>>;
@group(0) @binding(5) var<uniform> p: ScanParams;

fn eligible(slot: u32) -> bool {
  let w = slot >> 5u;
  let bit = 1u << (slot & 31u);
  if ((removed[w] & bit) != 0u) {
    return false;
  }
  if (p.useAllow != 0u) {
    return w < p.allowWords && (allow[w] & bit) != 0u;
  }
  return true;
}

@compute @workgroup_size(WG)
fn scan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let q = wid.y;
  let qo = q * p.stride4;
  for (var j = t; j < CHUNK; j += WG) {
    let row = wid.x * CHUNK + j;
    var score = NEG_INF;
    var slot = NONE;
    if (row < p.rows && eligible(p.base + row)) {
      let ro = row * p.stride4;
      var acc = vec4<f32>(0.0);
      for (var i = 0u; i < p.stride4; i++) {
        acc += vectors[ro + i] * queries[qo + i];
      }
      score = (acc.x + acc.y) + (acc.z + acc.w);
      slot = p.base + row;
    }
    keyScore[j] = score;
    keySlot[j] = slot;
  }
  sortChunk(t);
  if (t < p.k) {
    out[(q * p.chunks + p.chunk0 + wid.x) * p.k + t] = vec2<u32>(bitcast<u32>(keyScore[t]), keySlot[t]);
  }
}
