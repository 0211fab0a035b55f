// AssemblyScript source of Engram's WASM SIMD scan kernel (built by
// scripts/build-wasm.mjs into src/search/wasm/build/). Plain arithmetic over
// an imported memory that the JS side lays out: rows are padded to a stride
// that is a multiple of 4 floats (the padding is zero), so every row is whole
// f32x4 lanes. Scores are f32 sums; the JS side bounds their error and
// rescores the best candidates exactly (see ../wasm-index.ts).

/** Horizontal sum of the four lanes, pairwise. */
function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/**
 * One query against `n` rows: `out[j] = rows[j] · q`, four rows per pass so
 * each query load serves four rows.
 * @param rows - byte offset of row 0
 * @param n - rows to score
 * @param stride - floats per row (multiple of 4)
 * @param q - byte offset of the query (stride floats)
 * @param out - byte offset of n f32 scores
 */
export function dot1(rows: usize, n: i32, stride: i32, q: usize, out: usize): void {
  const rb = (<usize>stride) << 2;
  const end = (<usize>stride) << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = rows + <usize>j * rb;
    const r1 = r0 + rb;
    const r2 = r1 + rb;
    const r3 = r2 + rb;
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    let c = f32x4.splat(0);
    let d = f32x4.splat(0);
    for (let i: usize = 0; i < end; i += 16) {
      const w = v128.load(q + i);
      a = f32x4.add(a, f32x4.mul(v128.load(r0 + i), w));
      b = f32x4.add(b, f32x4.mul(v128.load(r1 + i), w));
      c = f32x4.add(c, f32x4.mul(v128.load(r2 + i), w));
      d = f32x4.add(d, f32x4.mul(v128.load(r3 + i), w));
    }
    const o = out + ((<usize>j) << 2);
    store<f32>(o, hsum(a));
    store<f32>(o, hsum(b), 4);
    store<f32>(o, hsum(c), 8);
    store<f32>(o, hsum(d), 12);
  }
  for (; j < n; j++) {
    const r0 = rows + <usize>j * rb;
    let a = f32x4.splat(0);
    for (let i: usize = 0; i < end; i += 16) {
      a = f32x4.add(a, f32x4.mul(v128.load(r0 + i), v128.load(q + i)));
    }
    store<f32>(out + ((<usize>j) << 2), hsum(a));
  }
}

/**
 * Four queries against `n` rows, two rows per pass: each row load serves four
 * queries. `out[qi * outStride + j] = rows[j] · q[qi]`.
 * @param rows - byte offset of row 0
 * @param n - rows to score
 * @param stride - floats per row and per query (multiple of 4)
 * @param q - byte offset of four consecutive queries
 * @param out - byte offset of the first query's scores
 * @param outStride - floats between two queries' scores
 */
export function dot4(rows: usize, n: i32, stride: i32, q: usize, out: usize, outStride: i32): void {
  const rb = (<usize>stride) << 2;
  const q0 = q;
  const q1 = q0 + rb;
  const q2 = q1 + rb;
  const q3 = q2 + rb;
  const ob = (<usize>outStride) << 2;
  let j = 0;
  for (; j < n; j += 2) {
    const ra = rows + <usize>j * rb;
    // An odd last row is scored twice (as "b" too), written once.
    const rbb = j + 1 < n ? ra + rb : ra;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let b2 = f32x4.splat(0);
    let b3 = f32x4.splat(0);
    for (let i: usize = 0; i < rb; i += 16) {
      const va = v128.load(ra + i);
      const vb = v128.load(rbb + i);
      const w0 = v128.load(q0 + i);
      const w1 = v128.load(q1 + i);
      const w2 = v128.load(q2 + i);
      const w3 = v128.load(q3 + i);
      a0 = f32x4.add(a0, f32x4.mul(va, w0));
      a1 = f32x4.add(a1, f32x4.mul(va, w1));
      a2 = f32x4.add(a2, f32x4.mul(va, w2));
      a3 = f32x4.add(a3, f32x4.mul(va, w3));
      b0 = f32x4.add(b0, f32x4.mul(vb, w0));
      b1 = f32x4.add(b1, f32x4.mul(vb, w1));
      b2 = f32x4.add(b2, f32x4.mul(vb, w2));
      b3 = f32x4.add(b3, f32x4.mul(vb, w3));
    }
    const o = out + ((<usize>j) << 2);
    store<f32>(o, hsum(a0));
    store<f32>(o + ob, hsum(a1));
    store<f32>(o + 2 * ob, hsum(a2));
    store<f32>(o + 3 * ob, hsum(a3));
    if (j + 1 < n) {
      store<f32>(o, hsum(b0), 4);
      store<f32>(o + ob, hsum(b1), 4);
      store<f32>(o + 2 * ob, hsum(b2), 4);
      store<f32>(o + 3 * ob, hsum(b3), 4);
    }
  }
}

/**
 * Hamming distances of 1-bit sign codes: `out[j] = popcount(codes[j] ^ q)`.
 * @param codes - byte offset of row 0's code
 * @param n - rows
 * @param words - u64 words per code
 * @param q - byte offset of the query's code
 * @param out - byte offset of n i32 distances
 */
export function hamming(codes: usize, n: i32, words: i32, q: usize, out: usize): void {
  const wb = (<usize>words) << 3;
  for (let j = 0; j < n; j++) {
    const c = codes + <usize>j * wb;
    let d: i64 = 0;
    for (let i: usize = 0; i < wb; i += 8) d += popcnt<i64>(load<i64>(c + i) ^ load<i64>(q + i));
    store<i32>(out + ((<usize>j) << 2), <i32>d);
  }
}

/** Horizontal sum of the four i32 lanes. */
function hsumI(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3))
  );
}

/**
 * One query against `n` int8 codes, four codes per pass:
 * `out[j] = f32(codes[j] · q) * scales[j]`. The sums are exact i32 (the caller keeps
 * `codeStride · 127 · max|q|` under 2³¹), so only the codes' rounding is approximate.
 * @param codes - byte offset of code 0 (`codeStride` bytes each, zero padded)
 * @param n - codes to score
 * @param codeStride - bytes per code (multiple of 16)
 * @param scales - byte offset of n f32 scales (one per code)
 * @param q - byte offset of the query as `codeStride` i16
 * @param out - byte offset of n f32 scores
 */
export function dot8(
  codes: usize,
  n: i32,
  codeStride: i32,
  scales: usize,
  q: usize,
  out: usize,
): void {
  const cb = <usize>codeStride;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = codes + <usize>j * cb;
    const r1 = r0 + cb;
    const r2 = r1 + cb;
    const r3 = r2 + cb;
    let a = i32x4.splat(0);
    let b = i32x4.splat(0);
    let c = i32x4.splat(0);
    let d = i32x4.splat(0);
    for (let i: usize = 0; i < cb; i += 16) {
      const qo = q + (i << 1);
      const ql = v128.load(qo);
      const qh = v128.load(qo, 16);
      const v0 = v128.load(r0 + i);
      const v1 = v128.load(r1 + i);
      const v2 = v128.load(r2 + i);
      const v3 = v128.load(r3 + i);
      a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), ql));
      b = i32x4.add(b, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v1), ql));
      c = i32x4.add(c, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v2), ql));
      d = i32x4.add(d, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v3), ql));
      a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), qh));
      b = i32x4.add(b, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v1), qh));
      c = i32x4.add(c, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v2), qh));
      d = i32x4.add(d, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v3), qh));
    }
    const o = out + ((<usize>j) << 2);
    const s = scales + ((<usize>j) << 2);
    store<f32>(o, <f32>hsumI(a) * load<f32>(s));
    store<f32>(o, <f32>hsumI(b) * load<f32>(s, 4), 4);
    store<f32>(o, <f32>hsumI(c) * load<f32>(s, 8), 8);
    store<f32>(o, <f32>hsumI(d) * load<f32>(s, 12), 12);
  }
  for (; j < n; j++) {
    const r0 = codes + <usize>j * cb;
    let a = i32x4.splat(0);
    for (let i: usize = 0; i < cb; i += 16) {
      const qo = q + (i << 1);
      const v0 = v128.load(r0 + i);
      a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), v128.load(qo)));
      a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), v128.load(qo, 16)));
    }
    store<f32>(out + ((<usize>j) << 2), <f32>hsumI(a) * load<f32>(scales + ((<usize>j) << 2)));
  }
}

/** JS `Math.round` of two f64 lanes: floor, plus one where the fraction is ≥ 0.5. */
function rounded(x: v128): v128 {
  const q = f64x2.floor(x);
  const up = f64x2.ge(f64x2.sub(x, q), f64x2.splat(0.5));
  return f64x2.add(q, v128.and(up, f64x2.splat(1.0)));
}

/**
 * Int8 codes of `n` f32 rows (symmetric, a scale per row): `scale = max|row| / 127`,
 * `code[i] = round(row[i] · 127 / max|row|)` with JS `Math.round`'s rounding (half up, in f64),
 * so codes made here equal those made in JS. A row of zeros keeps a zero code and scale (the
 * caller's memory is zero there).
 * @param rows - byte offset of row 0 (`stride` floats each, zero padded)
 * @param n - rows to encode
 * @param stride - floats per row (multiple of 4)
 * @param dim - floats of each row that are data (≤ stride)
 * @param codes - byte offset of code 0 (`codeStride` bytes each)
 * @param codeStride - bytes per code
 * @param scales - byte offset of n f32 scales
 */
export function encode8(
  rows: usize,
  n: i32,
  stride: i32,
  dim: i32,
  codes: usize,
  codeStride: i32,
  scales: usize,
): void {
  const rb = (<usize>stride) << 2;
  for (let j = 0; j < n; j++) {
    const r = rows + <usize>j * rb;
    let mv = f32x4.splat(0);
    for (let i: usize = 0; i < rb; i += 16) mv = f32x4.max(mv, f32x4.abs(v128.load(r + i)));
    const m = max(
      max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
    );
    if (m == 0) continue;
    const inv = f64x2.splat(127.0 / <f64>m);
    const c = codes + <usize>j * <usize>codeStride;
    // Four values a pass, in f64 (as JS multiplies): q = floor(x), +1 where x - q ≥ 0.5, then
    // narrowed to i8. The padding past `dim` is zero, so its codes are 0.
    for (let i: usize = 0; i < rb; i += 16) {
      const v = v128.load(r + i);
      const lo = rounded(f64x2.mul(f64x2.promote_low_f32x4(v), inv));
      const hi = rounded(
        f64x2.mul(
          f64x2.promote_low_f32x4(
            i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
          ),
          inv,
        ),
      );
      const q = i8x16.shuffle(
        i32x4.trunc_sat_f64x2_s_zero(lo),
        i32x4.trunc_sat_f64x2_s_zero(hi),
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        16,
        17,
        18,
        19,
        20,
        21,
        22,
        23,
      );
      const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q, q), i16x8.narrow_i32x4_s(q, q));
      store<i32>(c + (i >> 2), i32x4.extract_lane(b, 0));
    }
    store<f32>(scales + ((<usize>j) << 2), <f32>(<f64>m / 127.0));
  }
}
