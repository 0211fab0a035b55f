// Merge pass: each query holds m candidates (score bits, slot) in `cands`;
// workgroup (x, y) sorts candidates x*CHUNK .. of query y and keeps its best
// k at out[(y * outChunks + x) * k ..]. Repeated until one chunk per query
// remains. Needs topk-keys.wgsl and a sort (topk-sort.wgsl or
// topk-sort-subgroups.wgsl) prepended.

struct MergeParams {
  m: u32,          // candidates per query in `cands`
  k: u32,
  outChunks: u32,  // ceil(m / CHUNK)
  pad: u32,
}

@group(0) @binding(0) var<storage, read> cands: array<vec2<u32>>;
@group(0) @binding(1) var<storage, read_write> merged: array<vec2<u32>>;
@group(0) @binding(2) var<uniform> mp: MergeParams;

@compute @workgroup_size(WG)
fn merge(@builtin(workgroup_id) wid: vec3<u32>, ids: Invocation) {
  let t = ids.t;
  let q = wid.y;
  for (var j = t; j < CHUNK; j += WG) {
    let idx = wid.x * CHUNK + j;
    var score = NEG_INF;
    var slot = NONE;
    if (idx < mp.m) {
      let c = cands[q * mp.m + idx];
      score = bitcast<f32>(c.x);
      slot = c.y;
    }
    keyScore[j] = score;
    keySlot[j] = slot;
  }
  sortChunk(ids);
  if (t < mp.k) {
    merged[(q * mp.outChunks + wid.x) * mp.k + t] = vec2<u32>(bitcast<u32>(keyScore[t]), keySlot[t]);
  }
}
