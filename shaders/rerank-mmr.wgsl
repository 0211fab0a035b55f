// Fused rerank, pass 3 of 3 (one workgroup): greedy MMR over the pool. Each
// step picks the unpicked pool member a maximising
// v = λ·adj·sgn(top) − (1−λ)·|top|·maxSim[a] (ties → lower pool rank), then
// raises maxSim by the picked member's similarities. λ ≥ 1 keeps pool order.
// Shares rerank-common.wgsl.

var<workgroup> maxSim: array<f32, MAX_P>;
var<workgroup> taken: array<u32, MAX_P>;
var<workgroup> redV: array<f32, WG>;
var<workgroup> redA: array<u32, WG>;

const NEG_INF: f32 = -0x1.fffffep+127f;

@compute @workgroup_size(WG)
fn mmrPass(@builtin(local_invocation_index) t: u32) {
  let P = rp.pool;
  for (var a = t; a < P; a += WG) {
    maxSim[a] = 0.0;
    taken[a] = 0u;
  }
  if (rp.lambda >= 1.0) {
    for (var s = t; s < rp.limit; s += WG) { picked[s] = poolIdx[s]; }
    return;
  }
  var top = adj[poolIdx[0]];
  if (top == 0.0) { top = 1.0; }
  let sgn = select(1.0, -1.0, top < 0.0);
  let c1 = (1.0 - rp.lambda) * abs(top);
  for (var step = 0u; step < rp.limit; step++) {
    workgroupBarrier();
    var bv = NEG_INF;
    var ba = 0xffffffffu;
    for (var a = t; a < P; a += WG) {
      if (taken[a] == 0u) {
        let rel = rp.lambda * adj[poolIdx[a]] * sgn;
        let pen = c1 * maxSim[a];
        let v = rel - pen;
        if (ba == 0xffffffffu || v > bv) {
          bv = v;
          ba = a;
        }
      }
    }
    redV[t] = bv;
    redA[t] = ba;
    for (var h = WG / 2u; h > 0u; h = h >> 1u) {
      workgroupBarrier();
      if (t < h) {
        let v2 = redV[t + h];
        let a2 = redA[t + h];
        let a1 = redA[t];
        if (a2 != 0xffffffffu && (a1 == 0xffffffffu || v2 > redV[t] || (v2 == redV[t] && a2 < a1))) {
          redV[t] = v2;
          redA[t] = a2;
        }
      }
    }
    workgroupBarrier();
    let best = redA[0];
    if (t == 0u) {
      picked[step] = poolIdx[best];
      taken[best] = 1u;
    }
    for (var a = t; a < P; a += WG) {
      maxSim[a] = max(maxSim[a], sims[best * P + a]);
    }
  }
}
