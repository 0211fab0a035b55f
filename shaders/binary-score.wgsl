// 1-bit codes: 128 sign bits per vec4<u32>; the score of a row is
// -hamming(row, query) = -Σ countOneBits(row ^ query).

fn ham(a: vec4<u32>, b: vec4<u32>) -> u32 {
  let c = countOneBits(a ^ b);
  return (c.x + c.y) + (c.z + c.w);
}

fn score4(ro: u32, qo: u32, s4: u32) -> vec4<f32> {
  var h = vec4<u32>(0u);
  for (var i = 0u; i < s4; i++) {
    let v = codes[ro + i];
    h += vec4<u32>(ham(v, queries[qo + i]), ham(v, queries[qo + s4 + i]),
                   ham(v, queries[qo + 2u * s4 + i]), ham(v, queries[qo + 3u * s4 + i]));
  }
  return vec4<f32>(0.0) - vec4<f32>(h);
}
