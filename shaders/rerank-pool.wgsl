// Fused rerank, pass 1 of 3 (one workgroup): feature-adjusted scores
// adj = s · max(0, 1 + Σ wᵢ (fᵢ − 1)) over known features (fᵢ ≥ 0), then each
// candidate's rank by (adj desc, index asc); the best P go to poolIdx[rank].
// Shares rerank-common.wgsl (prepended).

var<workgroup> adjW: array<f32, MAX_C>;

@compute @workgroup_size(WG)
fn poolPass(@builtin(local_invocation_index) t: u32) {
  for (var i = t; i < rp.c; i += WG) {
    let fe = features[i];
    var m = 1.0;
    if (fe.x >= 0.0) { m = m + rp.wRecency * (fe.x - 1.0); }
    if (fe.y >= 0.0) { m = m + rp.wRetention * (fe.y - 1.0); }
    if (fe.z >= 0.0) { m = m + rp.wTrust * (fe.z - 1.0); }
    let a = scores[i] * max(0.0, m);
    adjW[i] = a;
    adj[i] = a;
  }
  workgroupBarrier();
  for (var i = t; i < rp.c; i += WG) {
    let a = adjW[i];
    var rank = 0u;
    for (var j = 0u; j < rp.c; j++) {
      let b = adjW[j];
      if (b > a || (b == a && j < i)) { rank++; }
    }
    if (rank < rp.pool) { poolIdx[rank] = i; }
  }
}
