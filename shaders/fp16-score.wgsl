// fp16 codes: 8 halves per vec4<u32>, queries rounded to halves too; f32
// accumulation. `half2(u32) -> vec2<f32>` is prepended: unpack2x16float
// (core WGSL), or a bitcast to vec2<f16> where the device has shader-f16.

fn lo4(a: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(half2(a.x), half2(a.y));
}

fn hi4(a: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(half2(a.z), half2(a.w));
}

fn score4(ro: u32, qo: u32, s4: u32) -> vec4<f32> {
  var a = vec4<f32>(0.0);
  var b = vec4<f32>(0.0);
  var c = vec4<f32>(0.0);
  var d = vec4<f32>(0.0);
  for (var i = 0u; i < s4; i++) {
    let v = codes[ro + i];
    let vl = lo4(v);
    let vh = hi4(v);
    let qa = queries[qo + i];
    let qb = queries[qo + s4 + i];
    let qc = queries[qo + 2u * s4 + i];
    let qd = queries[qo + 3u * s4 + i];
    a += vl * lo4(qa) + vh * hi4(qa);
    b += vl * lo4(qb) + vh * hi4(qb);
    c += vl * lo4(qc) + vh * hi4(qc);
    d += vl * lo4(qd) + vh * hi4(qd);
  }
  return vec4<f32>((a.x + a.y) + (a.z + a.w), (b.x + b.y) + (b.z + b.w),
                   (c.x + c.y) + (c.z + c.w), (d.x + d.y) + (d.z + d.w));
}
