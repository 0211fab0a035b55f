// 1-bit codes, asymmetric score: 128 sign bits per vec4<u32>; the query is
// QBITS bit planes of signed integers q'ᵢ (two's complement, prepended as
// `const QBITS`), each plane as long as a row, QBITS·s4 vec4 per query. The
// score of a row is the exact integer Σ_{bit i set} q'ᵢ =
// Σ_p ±2^p · countOneBits(row & plane_p) (the top plane is negative).

fn planes(v: vec4<u32>, qb: u32, s4: u32, i: u32) -> i32 {
  var acc = 0;
  for (var p = 0u; p < QBITS; p++) {
    let c = countOneBits(v & queries[qb + p * s4 + i]);
    let n = i32((c.x + c.y) + (c.z + c.w)) << p;
    acc += select(n, -n, p == QBITS - 1u);
  }
  return acc;
}

fn score4(ro: u32, qo: u32, s4: u32) -> vec4<f32> {
  let qb = qo * QBITS; // qo = q0·s4 counts row-width queries; ours are QBITS times wider
  let qs = QBITS * s4;
  var acc = vec4<i32>(0);
  for (var i = 0u; i < s4; i++) {
    let v = codes[ro + i];
    acc += vec4<i32>(planes(v, qb, s4, i), planes(v, qb + qs, s4, i),
                     planes(v, qb + 2u * qs, s4, i), planes(v, qb + 3u * qs, s4, i));
  }
  return vec4<f32>(acc);
}
