// Exact inner-product scan of one shard with per-workgroup top-k,
// register-blocked: workgroup (x, y) scores rows x*CHUNK .. x*CHUNK+CHUNK-1
// of the shard against queries y*QT .. y*QT+QT-1. The queries are staged in
// workgroup memory TILE4 vec4 at a time; each invocation keeps RB rows × QT
// queries of vec4 partial sums in registers, so every row is read from the
// storage buffer once per QT queries and every staged query value serves RB
// rows. A batch of one query takes a one-row-at-a-time path instead (no
// wasted lanes). Each (row, query) sum is accumulated in the same order as
// before (vec4 lanes over the row, then (x + y) + (z + w)), so scores match
// the CPU twin as the old kernel did. Removed slots and (when useAllow) slots
// the allow bits exclude are skipped; for each query the chunk is sorted and
// its best k written as (score bits, slot) pairs to
// out[(q * chunks + chunk0 + x) * k ..]. Needs topk-keys.wgsl and a sort
// (topk-sort.wgsl or topk-sort-subgroups.wgsl) prepended.

const QT: u32 = 8u;              // queries per workgroup (the batch tile)
const RB: u32 = 2u;              // rows per register block (a and b below)
const PER: u32 = CHUNK / WG;     // rows per invocation
const TILE4: u32 = 32u;          // vec4 of each query staged per step

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

var<workgroup> qtile: array<vec4<f32>, QT * TILE4>;  // [query][vec4 of the tile]

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

fn hsum(a: vec4<f32>) -> f32 {
  return (a.x + a.y) + (a.z + a.w);
}

// The 8 scores of one row from its partial sums (column j: query j).
fn sums8(lo: mat4x4<f32>, hi: mat4x4<f32>) -> array<f32, QT> {
  return array<f32, QT>(hsum(lo[0]), hsum(lo[1]), hsum(lo[2]), hsum(lo[3]),
                        hsum(hi[0]), hsum(hi[1]), hsum(hi[2]), hsum(hi[3]));
}

@compute @workgroup_size(WG)
fn scan(@builtin(workgroup_id) wid: vec3<u32>, ids: Invocation) {
  let t = ids.t;
  let q0 = wid.y * QT;
  let nqHere = min(QT, p.nq - q0);
  let s4 = p.stride4;
  var score: array<array<f32, QT>, PER>;  // [row][query]
  var slot: array<u32, PER>;
  for (var r = 0u; r < PER; r++) {
    let row = wid.x * CHUNK + r * WG + t;
    slot[r] = NONE;
    if (row < p.rows && eligible(p.base + row)) {
      slot[r] = p.base + row;
    }
    for (var q = 0u; q < QT; q++) {
      score[r][q] = NEG_INF;
    }
  }
  if (p.nq == 1u) {
    // One query: read it straight from storage (uniform across the workgroup).
    for (var r = 0u; r < PER; r++) {
      if (slot[r] != NONE) {
        let ro = (wid.x * CHUNK + r * WG + t) * s4;
        var a = vec4<f32>(0.0);
        for (var i = 0u; i < s4; i++) {
          a += vectors[ro + i] * queries[i];
        }
        score[r][0] = hsum(a);
      }
    }
  } else {
    for (var r0 = 0u; r0 < PER; r0 += RB) {
      // Partial sums of the block in named matrices (column j: query j of a
      // group of 4), so they stay in registers; a dynamically indexed array
      // would not on every compiler. aN: row r0, bN: row r0 + 1.
      var a0 = mat4x4<f32>();  // queries 0..3
      var a1 = mat4x4<f32>();  // queries 4..7
      var b0 = mat4x4<f32>();
      var b1 = mat4x4<f32>();
      // Both rows are read whatever they hold (a removed or past-the-end row
      // is clamped to the last row and its sums are discarded): no divergence.
      let ra = min(wid.x * CHUNK + r0 * WG + t, p.rows - 1u) * s4;
      let rb = min(wid.x * CHUNK + (r0 + 1u) * WG + t, p.rows - 1u) * s4;
      for (var i0 = 0u; i0 < s4; i0 += TILE4) {
        let n4 = min(TILE4, s4 - i0);
        workgroupBarrier();  // the previous tile is no longer read
        for (var j = t; j < QT * TILE4; j += WG) {
          let q = j / TILE4;
          let i = j % TILE4;
          var v = vec4<f32>(0.0);
          if (i < n4) {
            v = queries[(q0 + q) * s4 + i0 + i];
          }
          qtile[j] = v;
        }
        workgroupBarrier();
        for (var i = 0u; i < n4; i++) {
          let va = vectors[ra + i0 + i];
          let vb = vectors[rb + i0 + i];
          let q0v = mat4x4<f32>(qtile[i], qtile[TILE4 + i], qtile[2u * TILE4 + i],
                                qtile[3u * TILE4 + i]);
          let q1v = mat4x4<f32>(qtile[4u * TILE4 + i], qtile[5u * TILE4 + i],
                                qtile[6u * TILE4 + i], qtile[7u * TILE4 + i]);
          a0 += mat4x4<f32>(va * q0v[0], va * q0v[1], va * q0v[2], va * q0v[3]);
          a1 += mat4x4<f32>(va * q1v[0], va * q1v[1], va * q1v[2], va * q1v[3]);
          b0 += mat4x4<f32>(vb * q0v[0], vb * q0v[1], vb * q0v[2], vb * q0v[3]);
          b1 += mat4x4<f32>(vb * q1v[0], vb * q1v[1], vb * q1v[2], vb * q1v[3]);
        }
      }
      if (slot[r0] != NONE) {
        score[r0] = sums8(a0, a1);
      }
      if (slot[r0 + 1u] != NONE) {
        score[r0 + 1u] = sums8(b0, b1);
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
