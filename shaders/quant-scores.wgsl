// Every row's code score, for coarse passes that keep more candidates than
// one workgroup sorts (m > 256): the same bindings and score4 as
// quant-scan.wgsl, but each (query, slot) score is written to
// out[query · total + slot], NEG_INF for removed and disallowed slots; the
// host selects the top m. Needs topk-keys.wgsl (constants), a sort and a score file.

const QT: u32 = 4u;              // queries per workgroup
const PER: u32 = CHUNK / WG;     // rows per invocation

struct ScoreParams {
  base: u32,        // global slot of the shard's row 0
  rows: u32,        // rows of this shard to score
  total: u32,       // slots per query in `out`
  stride4: u32,     // code row length in vec4<u32>
  useAllow: u32,
  allowWords: u32,
  nq: u32,
  pad0: u32,
}

@group(0) @binding(0) var<storage, read> codes: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> queries: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> removed: array<u32>;
@group(0) @binding(3) var<storage, read> allow: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> p: ScoreParams;

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
fn scores(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let q0 = wid.y * QT;
  let nqHere = min(QT, p.nq - q0);
  let s4 = p.stride4;
  for (var r = 0u; r < PER; r++) {
    let row = wid.x * CHUNK + r * WG + t;
    if (row < p.rows) {
      let slot = p.base + row;
      var s = vec4<f32>(NEG_INF);
      if (eligible(slot)) {
        s = score4(row * s4, q0 * s4, s4);
      }
      for (var qi = 0u; qi < nqHere; qi++) {
        out[(q0 + qi) * p.total + slot] = s[qi];
      }
    }
  }
}
