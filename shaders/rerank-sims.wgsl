// Fused rerank, pass 2 of 3: pairwise similarities of the pool,
// sims[a * P + b] = dot(vectors[poolIdx[a]], vectors[poolIdx[b]]), one
// invocation per pair in 16 × 16 tiles. Shares rerank-common.wgsl.

@compute @workgroup_size(16, 16)
fn pairSims(@builtin(global_invocation_id) id: vec3<u32>) {
  let a = id.x;
  let b = id.y;
  if (a >= rp.pool || b >= rp.pool) { return; }
  let ra = poolIdx[a] * rp.stride4;
  let rb = poolIdx[b] * rp.stride4;
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < rp.stride4; i++) {
    s += vectors[ra + i] * vectors[rb + i];
  }
  sims[a * rp.pool + b] = (s.x + s.y) + (s.z + s.w);
}
