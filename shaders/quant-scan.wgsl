// Scan of compact code rows with per-workgroup top-k: the same workgroup
// layout, bindings and output as scan-topk.wgsl, but rows are u32 code words
// and the score comes from `score4(ro, qo, s4)` (one of int8-score.wgsl,
// binary-score.wgsl, fp16-score.wgsl), which scores one row against the QT
// queries of the workgroup. Needs topk-keys.wgsl, a sort (topk-sort.wgsl or
// topk-sort-subgroups.wgsl) and a score file prepended.

const QT: u32 = 4u;              // queries per workgroup
const PER: u32 = CHUNK / WG;     // rows per invocation

struct ScanParams {
  base: u32,        // global slot of the shard's row 0
  rows: u32,        // rows of this shard to scan
  k: u32,
  chunk0: u32,      // global index of this shard's first chunk
  chunks: u32,      // chunks over all shards
  stride4: u32,     // code row length in vec4<u32>
  useAllow: u32,
  allowWords: u32,
  nq: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read> codes: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> queries: array<vec4<u32>>;
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
fn scan(@builtin(workgroup_id) wid: vec3<u32>, ids: Invocation) {
  let t = ids.t;
  let q0 = wid.y * QT;
  let nqHere = min(QT, p.nq - q0);
  let s4 = p.stride4;
  var score: array<vec4<f32>, PER>;  // [row][query]
  var slot: array<u32, PER>;
  for (var r = 0u; r < PER; r++) {
    let row = wid.x * CHUNK + r * WG + t;
    slot[r] = NONE;
    score[r] = vec4<f32>(NEG_INF);
    if (row < p.rows && eligible(p.base + row)) {
      slot[r] = p.base + row;
      score[r] = score4(row * s4, q0 * s4, s4);
    }
  }
  for (var qi = 0u; qi < nqHere; qi++) {
    workgroupBarrier();
    for (var r = 0u; r < PER; r++) {
      let j = r * WG + t;
      keyScore[j] = score[r][qi];
      keySlot[j] = slot[r];
    }
    sortChunk(ids);
    if (t < p.k) {
      out[((q0 + qi) * p.chunks + p.chunk0 + wid.x) * p.k + t] =
          vec2<u32>(bitcast<u32>(keyScore[t]), keySlot[t]);
    }
  }
}
