// Exact inner-product scan of one shard with per-workgroup top-k.
// Workgroup (x, y) scores rows x*CHUNK .. x*CHUNK+CHUNK-1 of the shard against
// queries y*QT .. y*QT+QT-1 (each row is loaded once for all of them), skips
// removed slots and (when useAllow) slots the allow bits exclude, then for
// each query sorts the chunk and writes its best k as (score bits, slot) pairs
// to out[(q * chunks + chunk0 + x) * k ..]. Needs topk-keys.wgsl and a sort
// (topk-sort.wgsl or topk-sort-subgroups.wgsl) prepended.

const QT: u32 = 4u;              // queries per workgroup
const PER: u32 = CHUNK / WG;     // rows per invocation

struct ScanParams {
  base: u32,        // global slot of the shard's row 0
  rows: u32,        // rows of this shard to scan
  k: u32,
  chunk0: u32,      // global index of this shard's first chunk
  chunks: u32,      // chunks over all shards (per-query stride in out, in units of k)
  stride4: u32,     // row length in vec4 (dim rounded up to 4, zero padded)
  useAllow: u32,
  allowWords: u32,
  nq: u32,          // queries in the batch (the buffer holds a multiple of QT rows)
  pad0: u32,
  pad1: u32,
  pad2: u32,
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
      let ro = row * s4;
      let qo = q0 * s4;
      if (nqHere == 1u) {
        var a = vec4<f32>(0.0);
        for (var i = 0u; i < s4; i++) {
          a += vectors[ro + i] * queries[qo + i];
        }
        score[r].x = (a.x + a.y) + (a.z + a.w);
      } else {
        var a = vec4<f32>(0.0);
        var b = vec4<f32>(0.0);
        var c = vec4<f32>(0.0);
        var d = vec4<f32>(0.0);
        for (var i = 0u; i < s4; i++) {
          let v = vectors[ro + i];
          a += v * queries[qo + i];
          b += v * queries[qo + s4 + i];
          c += v * queries[qo + 2u * s4 + i];
          d += v * queries[qo + 3u * s4 + i];
        }
        score[r] = vec4<f32>((a.x + a.y) + (a.z + a.w), (b.x + b.y) + (b.z + b.w),
                             (c.x + c.y) + (c.z + c.w), (d.x + d.y) + (d.z + d.w));
      }
    }
  }
  for (var qi = 0u; qi < nqHere; qi++) {
    workgroupBarrier();  // the previous query's results are written out
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
