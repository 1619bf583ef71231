// AssemblyScript (not Deno TypeScript): inference kernels that score rows of X against a model
// held in a compressed form, without expanding it to dense floats.
//
// All pointers are byte addresses into the imported memory. Every kernel writes float32 scores
// out[i * k + c] = bias[c] + <row i of X, weights of output c>. Input buffers must be followed by
// at least 16 readable bytes of finite values (the JS side allocates them so): SIMD loads of a
// row's last chunk read past its end, and the padded weights there are zero.

import { madd } from "./common";

// ---------------------------------------------------------------- dense float32

/**
 * Dense float32: w is (k, d) row-major, x rows have stride d. Features past the last multiple
 * of 4 are added one by one (no read past a row, so a NaN stays in its own row).
 */
export function dense(x: usize, n: i32, d: i32, w: usize, k: i32, b: usize, out: usize): void {
  const xb = <usize>d << 2;
  const wb = xb;
  const kb = <usize>k << 2;
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = x + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    for (; c + 4 <= k; c += 4) dense2x4(x0, x1, w + <usize>c * wb, wb, b + (<usize>c << 2), o0 + (<usize>c << 2), o1 + (<usize>c << 2));
    for (; c + 2 <= k; c += 2) dense2x2(x0, x1, w + <usize>c * wb, wb, b + (<usize>c << 2), o0 + (<usize>c << 2), o1 + (<usize>c << 2));
    for (; c < k; c++) dense2x1(x0, x1, w + <usize>c * wb, wb, b + (<usize>c << 2), o0 + (<usize>c << 2), o1 + (<usize>c << 2));
  }
}

/** Two rows, two outputs, 32 bytes per step in two halves: 8 chains. */
// @ts-ignore: decorator
@inline function dense2x2(x0: usize, x1: usize, w: usize, wb: usize, b: usize, o0: usize, o1: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let b00 = f32x4.splat(0), b01 = f32x4.splat(0), b10 = f32x4.splat(0), b11 = f32x4.splat(0);
  const w1 = w + wb;
  const full = wb & ~31;
  for (let j: usize = 0; j < full; j += 32) {
    const u = v128.load(x0 + j), v = v128.load(x1 + j);
    const uu = v128.load(x0 + j, 16), vv = v128.load(x1 + j, 16);
    let t = v128.load(w + j), tt = v128.load(w + j, 16);
    a00 = madd(u, t, a00);
    a10 = madd(v, t, a10);
    b00 = madd(uu, tt, b00);
    b10 = madd(vv, tt, b10);
    t = v128.load(w1 + j);
    tt = v128.load(w1 + j, 16);
    a01 = madd(u, t, a01);
    a11 = madd(v, t, a11);
    b01 = madd(uu, tt, b01);
    b11 = madd(vv, tt, b11);
  }
  let s00 = load<f32>(b), s01 = load<f32>(b, 4);
  let s10 = s00, s11 = s01;
  for (let j = full; j < wb; j += 4) {
    const u = load<f32>(x0 + j), v = load<f32>(x1 + j);
    const t = load<f32>(w + j), tt = load<f32>(w1 + j);
    s00 += u * t;
    s10 += v * t;
    s01 += u * tt;
    s11 += v * tt;
  }
  store<f32>(o1, s10 + hsum32(f32x4.add(a10, b10)));
  store<f32>(o1, s11 + hsum32(f32x4.add(a11, b11)), 4);
  store<f32>(o0, s00 + hsum32(f32x4.add(a00, b00)));
  store<f32>(o0, s01 + hsum32(f32x4.add(a01, b01)), 4);
}

// @ts-ignore: decorator
@inline function hsum32(v: v128): f32 {
  const s = f32x4.add(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline function dense2x4(x0: usize, x1: usize, w: usize, wb: usize, b: usize, o0: usize, o1: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  const w1 = w + wb, w2 = w1 + wb, w3 = w2 + wb;
  const full = wb & ~15;
  for (let j: usize = 0; j < full; j += 16) {
    const u = v128.load(x0 + j), v = v128.load(x1 + j);
    let t = v128.load(w + j);
    a00 = madd(u, t, a00);
    a10 = madd(v, t, a10);
    t = v128.load(w1 + j);
    a01 = madd(u, t, a01);
    a11 = madd(v, t, a11);
    t = v128.load(w2 + j);
    a02 = madd(u, t, a02);
    a12 = madd(v, t, a12);
    t = v128.load(w3 + j);
    a03 = madd(u, t, a03);
    a13 = madd(v, t, a13);
  }
  let bb = v128.load(b);
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0);
  for (let j = full; j < wb; j += 4) {
    const u = f32x4.splat(load<f32>(x0 + j)), v = f32x4.splat(load<f32>(x1 + j));
    let t = f32x4.splat(0);
    t = v128.load32_lane(w + j, t, 0);
    t = v128.load32_lane(w1 + j, t, 1);
    t = v128.load32_lane(w2 + j, t, 2);
    t = v128.load32_lane(w3 + j, t, 3);
    t0 = madd(u, t, t0);
    t1 = madd(v, t, t1);
  }
  // Transpose-free horizontal sums: 4 scores of a row at once.
  v128.store(o1, f32x4.add(f32x4.add(bb, t1), hsum4(a10, a11, a12, a13)));
  v128.store(o0, f32x4.add(f32x4.add(bb, t0), hsum4(a00, a01, a02, a03)));
}

/** Lanes: (sum a, sum b, sum c, sum d). */
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7)); // a0+a2 b0+b2 a1+a3 b1+b3
  const cd = f32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function dense2x1(x0: usize, x1: usize, w: usize, wb: usize, b: usize, o0: usize, o1: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  const full = wb & ~15;
  for (let j: usize = 0; j < full; j += 16) {
    const t = v128.load(w + j);
    a0 = madd(v128.load(x0 + j), t, a0);
    a1 = madd(v128.load(x1 + j), t, a1);
  }
  let s0 = load<f32>(b), s1 = s0;
  for (let j = full; j < wb; j += 4) {
    const t = load<f32>(w + j);
    s0 += t * load<f32>(x0 + j);
    s1 += t * load<f32>(x1 + j);
  }
  store<f32>(o1, s1 + hsum32(a1));
  store<f32>(o0, s0 + hsum32(a0));
}

// ---------------------------------------------------------------- sparse (CSR per output)

/**
 * Sparse float32, compressed rows per output: weights of output c are values[p] at feature
 * offsets off[p] (bytes, = 16 * feature) for p in indptr[c]..indptr[c+1]-1. Four rows of X at a
 * time are transposed into the scratch (d * 16 bytes, feature-major: the four rows' values of
 * a feature side by side), so that each stored weight costs one vector load and one
 * multiply-add for four rows, with no lane inserts in the inner loop.
 */
export function sparse(x: usize, n: i32, d: i32, indptr: usize, off: usize, values: usize, k: i32, b: usize, xt: usize, out: usize): void {
  const xb = <usize>d << 2;
  const kb = <usize>k << 2;
  const full = xb & ~15;
  for (let i = 0; i < n; i += 4) {
    const x0 = x + <usize>i * xb;
    const x1 = i + 1 < n ? x0 + xb : x0;
    const x2 = i + 2 < n ? x0 + 2 * xb : x0;
    const x3 = i + 3 < n ? x0 + 3 * xb : x0;
    for (let j: usize = 0; j < full; j += 16) {
      const a = v128.load(x0 + j), bb = v128.load(x1 + j), c = v128.load(x2 + j), e = v128.load(x3 + j);
      const t0 = i32x4.shuffle(a, bb, 0, 4, 1, 5), t1 = i32x4.shuffle(a, bb, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(c, e, 0, 4, 1, 5), t3 = i32x4.shuffle(c, e, 2, 6, 3, 7);
      const o = xt + (j << 2);
      v128.store(o, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(o, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
      v128.store(o, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
      v128.store(o, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
    }
    for (let j = full; j < xb; j += 4) {
      const o = xt + (j << 2);
      store<f32>(o, load<f32>(x0 + j));
      store<f32>(o, load<f32>(x1 + j), 4);
      store<f32>(o, load<f32>(x2 + j), 8);
      store<f32>(o, load<f32>(x3 + j), 12);
    }
    const o = out + <usize>i * kb;
    for (let c = 0; c < k; c++) {
      const p0 = <usize>load<i32>(indptr + (<usize>c << 2));
      const p1 = <usize>load<i32>(indptr + (<usize>(c + 1) << 2));
      let acc = f32x4.splat(0), acc2 = f32x4.splat(0);
      let p = p0;
      for (; p + 2 <= p1; p += 2) {
        const q = <usize>load<u32>(off + (p << 2));
        const r = <usize>load<u32>(off + (p << 2), 4);
        acc = madd(v128.load32_splat(values + (p << 2)), v128.load(xt + q), acc);
        acc2 = madd(v128.load32_splat(values + (p << 2), 4), v128.load(xt + r), acc2);
      }
      if (p < p1) {
        const q = <usize>load<u32>(off + (p << 2));
        acc = madd(v128.load32_splat(values + (p << 2)), v128.load(xt + q), acc);
      }
      acc = f32x4.add(f32x4.add(acc, acc2), f32x4.splat(load<f32>(b + (<usize>c << 2))));
      const oc = o + (<usize>c << 2);
      // Rows past n alias row i; store them first so row i's value is the one that stays.
      if (i + 3 < n) store<f32>(oc + 3 * kb, f32x4.extract_lane(acc, 3));
      if (i + 2 < n) store<f32>(oc + 2 * kb, f32x4.extract_lane(acc, 2));
      if (i + 1 < n) store<f32>(oc + kb, f32x4.extract_lane(acc, 1));
      store<f32>(oc, f32x4.extract_lane(acc, 0));
    }
  }
}

// ---------------------------------------------------------------- structured: feature subset

/**
 * Structured pruning: only m kept features (byte offsets foff[t] = 4 * feature), weights (k, m)
 * over the kept features. Two rows are gathered into the scratch (2 * m floats) and scored
 * densely.
 */
export function subset(x: usize, n: i32, d: i32, foff: usize, m: i32, w: usize, k: i32, b: usize, scratch: usize, out: usize): void {
  const xb = <usize>d << 2;
  const mb = <usize>m << 2;
  const kb = <usize>k << 2;
  const s1 = scratch + mb;
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = x + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    for (let t = 0; t < m; t++) {
      const q = <usize>load<u32>(foff + (<usize>t << 2));
      store<f32>(scratch + (<usize>t << 2), load<f32>(x0 + q));
      store<f32>(s1 + (<usize>t << 2), load<f32>(x1 + q));
    }
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    for (; c + 4 <= k; c += 4) dense2x4(scratch, s1, w + <usize>c * mb, mb, b + (<usize>c << 2), o0 + (<usize>c << 2), o1 + (<usize>c << 2));
    for (; c < k; c++) dense2x1(scratch, s1, w + <usize>c * mb, mb, b + (<usize>c << 2), o0 + (<usize>c << 2), o1 + (<usize>c << 2));
  }
}

// ---------------------------------------------------------------- int8 weights

/**
 * int8 weights, widened once to int16 (w16: (k, dp) int16, dp = ceil(d / 8) * 8, zero padded),
 * uint8 or int8 inputs (stride d), int32 sums. Scores:
 * out = bias[c] + scale[c] * (sum_j xq_j w_j - zx * wsum[c]), with scale[c] = xScale * wScale[c].
 */
export function int8(xq: usize, n: i32, d: i32, signed: i32, w16: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  if (signed) int8Body(xq, n, d, true, w16, dp, k, wsum, zx, scale, b, out);
  else int8Body(xq, n, d, false, w16, dp, k, wsum, zx, scale, b, out);
}

// @ts-ignore: decorator
@inline function load8(p: usize, signed: bool): v128 {
  return signed ? v128.load8x8_s(p) : v128.load8x8_u(p);
}

// @ts-ignore: decorator
@inline function int8Body(xq: usize, n: i32, d: i32, signed: bool, w16: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  const xb = <usize>d;
  const wb = <usize>dp << 1;
  const kb = <usize>k << 2;
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = xq + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    for (; c + 4 <= k; c += 4) {
      const w0 = w16 + <usize>c * wb, w1 = w0 + wb, w2 = w1 + wb, w3 = w2 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0);
      let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0);
      for (let j: usize = 0; j < <usize>dp; j += 8) {
        const u = load8(x0 + j, signed), v = load8(x1 + j, signed);
        const jb = j << 1;
        let t = v128.load(w0 + jb);
        a00 = i32x4.add(a00, i32x4.dot_i16x8_s(u, t));
        a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v, t));
        t = v128.load(w1 + jb);
        a01 = i32x4.add(a01, i32x4.dot_i16x8_s(u, t));
        a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v, t));
        t = v128.load(w2 + jb);
        a02 = i32x4.add(a02, i32x4.dot_i16x8_s(u, t));
        a12 = i32x4.add(a12, i32x4.dot_i16x8_s(v, t));
        t = v128.load(w3 + jb);
        a03 = i32x4.add(a03, i32x4.dot_i16x8_s(u, t));
        a13 = i32x4.add(a13, i32x4.dot_i16x8_s(v, t));
      }
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0);
    }
    for (; c + 2 <= k; c += 2) {
      const w0 = w16 + <usize>c * wb, w1 = w0 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a10 = i32x4.splat(0), a11 = i32x4.splat(0);
      for (let j: usize = 0; j < <usize>dp; j += 8) {
        const u = load8(x0 + j, signed), v = load8(x1 + j, signed);
        const jb = j << 1;
        let t = v128.load(w0 + jb);
        a00 = i32x4.add(a00, i32x4.dot_i16x8_s(u, t));
        a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v, t));
        t = v128.load(w1 + jb);
        a01 = i32x4.add(a01, i32x4.dot_i16x8_s(u, t));
        a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v, t));
      }
      finishInt1(a10, c, wsum, zx, scale, b, o1);
      finishInt1(a11, c + 1, wsum, zx, scale, b, o1);
      finishInt1(a00, c, wsum, zx, scale, b, o0);
      finishInt1(a01, c + 1, wsum, zx, scale, b, o0);
    }
    for (; c < k; c++) {
      const w0 = w16 + <usize>c * wb;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let j: usize = 0; j < <usize>dp; j += 8) {
        const t = v128.load(w0 + (j << 1));
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(load8(x0 + j, signed), t));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(load8(x1 + j, signed), t));
      }
      finishInt1(a1, c, wsum, zx, scale, b, o1);
      finishInt1(a0, c, wsum, zx, scale, b, o0);
    }
  }
}

// @ts-ignore: decorator
@inline function hsumI4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/** Four int32 sums of classes c..c+3 to float scores. */
// @ts-ignore: decorator
@inline function finishInt4(s: v128, c: i32, wsum: usize, zx: i32, scale: usize, b: usize, o: usize): void {
  const cb = <usize>c << 2;
  const corrected = i32x4.sub(s, i32x4.mul(i32x4.splat(zx), v128.load(wsum + cb)));
  const f = f32x4.add(v128.load(b + cb), f32x4.mul(f32x4.convert_i32x4_s(corrected), v128.load(scale + cb)));
  v128.store(o + cb, f);
}

// @ts-ignore: decorator
@inline function finishInt1(a: v128, c: i32, wsum: usize, zx: i32, scale: usize, b: usize, o: usize): void {
  const cb = <usize>c << 2;
  const s = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
  const corrected = s - zx * load<i32>(wsum + cb);
  store<f32>(o + cb, load<f32>(b + cb) + <f32>corrected * load<f32>(scale + cb));
}

/**
 * int8 weights in [-64, 63] as bytes (w8: (k, dp) int8, dp = ceil(d / 16) * 16, zero padded) and
 * uint8 inputs, with the relaxed dot product (one instruction per 16 products on VNNI; two
 * without, exact for weights in that range). Same scores as `int8`. In the plain-SIMD build it
 * widens like `int8`.
 */
export function int8Relaxed(xq: usize, n: i32, d: i32, w8: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  const xb = <usize>d;
  const wb = <usize>dp;
  const kb = <usize>k << 2;
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = xq + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    for (; c + 4 <= k; c += 4) {
      const w0 = w8 + <usize>c * wb, w1 = w0 + wb, w2 = w1 + wb, w3 = w2 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0);
      let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0);
      for (let j: usize = 0; j < wb; j += 16) {
        const u = v128.load(x0 + j), v = v128.load(x1 + j);
        let t = v128.load(w0 + j);
        a00 = dot8(t, u, a00);
        a10 = dot8(t, v, a10);
        t = v128.load(w1 + j);
        a01 = dot8(t, u, a01);
        a11 = dot8(t, v, a11);
        t = v128.load(w2 + j);
        a02 = dot8(t, u, a02);
        a12 = dot8(t, v, a12);
        t = v128.load(w3 + j);
        a03 = dot8(t, u, a03);
        a13 = dot8(t, v, a13);
      }
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0);
    }
    for (; c + 2 <= k; c += 2) {
      // Two outputs, two rows, 32 bytes per step in two halves: 8 chains.
      const w0 = w8 + <usize>c * wb, w1 = w0 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a10 = i32x4.splat(0), a11 = i32x4.splat(0);
      let b00 = i32x4.splat(0), b01 = i32x4.splat(0), b10 = i32x4.splat(0), b11 = i32x4.splat(0);
      let j: usize = 0;
      for (; j + 32 <= wb; j += 32) {
        const u = v128.load(x0 + j), v = v128.load(x1 + j);
        const uu = v128.load(x0 + j, 16), vv = v128.load(x1 + j, 16);
        let t = v128.load(w0 + j), tt = v128.load(w0 + j, 16);
        a00 = dot8(t, u, a00);
        a10 = dot8(t, v, a10);
        b00 = dot8(tt, uu, b00);
        b10 = dot8(tt, vv, b10);
        t = v128.load(w1 + j);
        tt = v128.load(w1 + j, 16);
        a01 = dot8(t, u, a01);
        a11 = dot8(t, v, a11);
        b01 = dot8(tt, uu, b01);
        b11 = dot8(tt, vv, b11);
      }
      if (j < wb) {
        const u = v128.load(x0 + j), v = v128.load(x1 + j);
        let t = v128.load(w0 + j);
        a00 = dot8(t, u, a00);
        a10 = dot8(t, v, a10);
        t = v128.load(w1 + j);
        a01 = dot8(t, u, a01);
        a11 = dot8(t, v, a11);
      }
      finishInt1(i32x4.add(a10, b10), c, wsum, zx, scale, b, o1);
      finishInt1(i32x4.add(a11, b11), c + 1, wsum, zx, scale, b, o1);
      finishInt1(i32x4.add(a00, b00), c, wsum, zx, scale, b, o0);
      finishInt1(i32x4.add(a01, b01), c + 1, wsum, zx, scale, b, o0);
    }
    for (; c < k; c++) {
      const w0 = w8 + <usize>c * wb;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let j: usize = 0; j < wb; j += 16) {
        const t = v128.load(w0 + j);
        a0 = dot8(t, v128.load(x0 + j), a0);
        a1 = dot8(t, v128.load(x1 + j), a1);
      }
      finishInt1(a1, c, wsum, zx, scale, b, o1);
      finishInt1(a0, c, wsum, zx, scale, b, o0);
    }
  }
}

/** acc + dot(w as int8, x as uint8) in groups of four bytes. */
// @ts-ignore: decorator
@inline function dot8(w: v128, x: v128, acc: v128): v128 {
  if (RELAXED) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x, acc);
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), i16x8.extend_low_i8x16_u(x));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), i16x8.extend_high_i8x16_u(x));
  // Same grouping as the relaxed form is not needed: only the lane sum is used.
  return i32x4.add(acc, i32x4.add(lo, hi));
}

// ---------------------------------------------------------------- packed 4-bit codes

/**
 * 4-bit codes, two per byte (feature 2t in the low nibble of byte t, 2t + 1 in the high one),
 * rows of `rb` bytes; a 16-entry int8 table per output (tables: (k, 16)). 16 features at a
 * time: the codes are split, looked up with a byte swizzle, widened and multiplied with the
 * uint8/int8 inputs in int32. Features past the last multiple of 16 are done one by one.
 * out = bias[c] + scale[c] * (sum_j xq_j table_c[code_j] - zx * tsum[c]) where
 * tsum[c] = sum_j table_c[code_j] and scale[c] = xScale * tableScale[c].
 */
export function packed4(xq: usize, n: i32, d: i32, signed: i32, packed: usize, rb: i32, k: i32, tables: usize, tsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  if (signed) packed4Body(xq, n, d, true, packed, rb, k, tables, tsum, zx, scale, b, out);
  else packed4Body(xq, n, d, false, packed, rb, k, tables, tsum, zx, scale, b, out);
}

// @ts-ignore: decorator
@inline function packed4Body(xq: usize, n: i32, d: i32, signed: bool, packed: usize, rb: i32, k: i32, tables: usize, tsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  const xb = <usize>d;
  const kb = <usize>k << 2;
  const full = <usize>(d & ~15);
  const low = i8x16.splat(15);
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = xq + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    for (let c = 0; c < k; c++) {
      const table = v128.load(tables + (<usize>c << 4));
      const pc = packed + <usize>c * <usize>rb;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let j: usize = 0; j < full; j += 16) {
        const bytes = v128.load64_zero(pc + (j >> 1));
        const lo = v128.and(bytes, low);
        const hi = i8x16.shr_u(bytes, 4);
        const codes = i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const w = i8x16.swizzle(table, codes);
        const wl = i16x8.extend_low_i8x16_s(w), wh = i16x8.extend_high_i8x16_s(w);
        a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(load8(x0 + j, signed), wl), i32x4.dot_i16x8_s(load8(x0 + j + 8, signed), wh)));
        a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(load8(x1 + j, signed), wl), i32x4.dot_i16x8_s(load8(x1 + j + 8, signed), wh)));
      }
      let s0 = i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3);
      let s1 = i32x4.extract_lane(a1, 0) + i32x4.extract_lane(a1, 1) + i32x4.extract_lane(a1, 2) + i32x4.extract_lane(a1, 3);
      for (let j = full; j < <usize>d; j++) {
        const byte = <i32>load<u8>(pc + (j >> 1));
        const code = (j & 1) ? byte >> 4 : byte & 15;
        const wv = <i32>load<i8>(tables + (<usize>c << 4) + <usize>code);
        s0 += wv * (signed ? <i32>load<i8>(x0 + j) : <i32>load<u8>(x0 + j));
        s1 += wv * (signed ? <i32>load<i8>(x1 + j) : <i32>load<u8>(x1 + j));
      }
      const cb = <usize>c << 2;
      const sc = load<f32>(scale + cb), bc = load<f32>(b + cb), zt = zx * load<i32>(tsum + cb);
      store<f32>(o1 + cb, bc + <f32>(s1 - zt) * sc);
      store<f32>(o0 + cb, bc + <f32>(s0 - zt) * sc);
    }
  }
}

// ---------------------------------------------------------------- bandwidth probe

/** Sums `bytes` bytes as float32 lanes (bytes a multiple of 64): the cost of only reading X. */
export function readProbe(x: usize, bytes: usize): f32 {
  let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
  for (let p: usize = 0; p < bytes; p += 64) {
    a = f32x4.add(a, v128.load(x + p));
    b = f32x4.add(b, v128.load(x + p, 16));
    c = f32x4.add(c, v128.load(x + p, 32));
    d = f32x4.add(d, v128.load(x + p, 48));
  }
  const s = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
