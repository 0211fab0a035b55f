// int8 codes: 16 signed bytes per vec4<u32>; the score of a row is the exact
// integer Σ qᵢ·cᵢ (as f32, exact below 2^24). `dot4(a, b)` is prepended:
// dot4I8Packed where the packed_4x8_integer_dot_product feature exists.

fn dot16(a: vec4<u32>, b: vec4<u32>) -> i32 {
  return dot4(a.x, b.x) + dot4(a.y, b.y) + dot4(a.z, b.z) + dot4(a.w, b.w);
}

fn score4(ro: u32, qo: u32, s4: u32) -> vec4<f32> {
  var acc = vec4<i32>(0);
  for (var i = 0u; i < s4; i++) {
    let v = codes[ro + i];
    acc += vec4<i32>(dot16(v, queries[qo + i]), dot16(v, queries[qo + s4 + i]),
                     dot16(v, queries[qo + 2u * s4 + i]), dot16(v, queries[qo + 3u * s4 + i]));
  }
  return vec4<f32>(acc);
}
