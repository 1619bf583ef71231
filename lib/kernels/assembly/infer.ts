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
 * Dense float32: w is (k, d) row-major, x rows have stride d. Two rows at a time against blocks
 * of up to five outputs (ten accumulator chains for five outputs: the two FMA ports stay busy
 * while x and w are loaded once per step); one output (k = 1) takes four rows at a time.
 * Features past the last multiple of 4 are added one by one (no read past a row, so a NaN stays
 * in its own row).
 */
export function dense(x: usize, n: i32, d: i32, w: usize, k: i32, b: usize, out: usize): void {
  const xb = <usize>d << 2;
  if (k == 1) {
    dense1(x, n, xb, w, load<f32>(b), out);
    return;
  }
  denseRows(x, n, xb, xb, w, k, b, out);
}

/** Rows of stride xs (bytes), wb bytes of features each, against all k outputs. */
// @ts-ignore: decorator
@inline function denseRows(x: usize, n: i32, xs: usize, wb: usize, w: usize, k: i32, b: usize, out: usize): void {
  const kb = <usize>k << 2;
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = x + <usize>i * xs;
    const x1 = two ? x0 + xs : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    denseOutputs(x0, x1, wb, w, k, b, o0, o1);
  }
}

/** Two rows (x1 may alias x0; then o1 aliases o0 and row 0's value is stored last). */
// @ts-ignore: decorator
@inline function denseOutputs(x0: usize, x1: usize, wb: usize, w: usize, k: i32, b: usize, o0: usize, o1: usize): void {
  let c = 0;
  while (c < k) {
    const r = k - c;
    const cb = <usize>c << 2;
    const wc = w + <usize>c * wb;
    if (r >= 8 || r == 5) {
      dense2x5(x0, x1, wc, wb, b + cb, o0 + cb, o1 + cb);
      c += 5;
    } else if (r >= 4) {
      dense2x4(x0, x1, wc, wb, b + cb, o0 + cb, o1 + cb);
      c += 4;
    } else if (r == 3) {
      dense2x3(x0, x1, wc, wb, b + cb, o0 + cb, o1 + cb);
      c += 3;
    } else if (r == 2) {
      dense2x2(x0, x1, wc, wb, b + cb, o0 + cb, o1 + cb);
      c += 2;
    } else {
      dense2x1(x0, x1, wc, wb, b + cb, o0 + cb, o1 + cb);
      c += 1;
    }
  }
}

/** Two rows, five outputs: ten chains. */
// @ts-ignore: decorator
@inline function dense2x5(x0: usize, x1: usize, w: usize, wb: usize, b: usize, o0: usize, o1: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0), b4 = f32x4.splat(0);
  const w1 = w + wb, w2 = w1 + wb, w3 = w2 + wb, w4 = w3 + wb;
  const full = wb & ~15;
  for (let j: usize = 0; j < full; j += 16) {
    const u = v128.load(x0 + j), v = v128.load(x1 + j);
    let t = v128.load(w + j);
    a0 = madd(u, t, a0);
    b0 = madd(v, t, b0);
    t = v128.load(w1 + j);
    a1 = madd(u, t, a1);
    b1 = madd(v, t, b1);
    t = v128.load(w2 + j);
    a2 = madd(u, t, a2);
    b2 = madd(v, t, b2);
    t = v128.load(w3 + j);
    a3 = madd(u, t, a3);
    b3 = madd(v, t, b3);
    t = v128.load(w4 + j);
    a4 = madd(u, t, a4);
    b4 = madd(v, t, b4);
  }
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0);
  let s0 = load<f32>(b, 16), s1 = s0;
  for (let j = full; j < wb; j += 4) {
    const u = load<f32>(x0 + j), v = load<f32>(x1 + j);
    let t = f32x4.splat(0);
    t = v128.load32_lane(w + j, t, 0);
    t = v128.load32_lane(w1 + j, t, 1);
    t = v128.load32_lane(w2 + j, t, 2);
    t = v128.load32_lane(w3 + j, t, 3);
    t0 = madd(f32x4.splat(u), t, t0);
    t1 = madd(f32x4.splat(v), t, t1);
    const t4 = load<f32>(w4 + j);
    s0 += u * t4;
    s1 += v * t4;
  }
  const bb = v128.load(b);
  v128.store(o1, f32x4.add(f32x4.add(bb, t1), hsum4(b0, b1, b2, b3)));
  store<f32>(o1, s1 + hsum32(b4), 16);
  v128.store(o0, f32x4.add(f32x4.add(bb, t0), hsum4(a0, a1, a2, a3)));
  store<f32>(o0, s0 + hsum32(a4), 16);
}

/** Two rows, three outputs: six chains. */
// @ts-ignore: decorator
@inline function dense2x3(x0: usize, x1: usize, w: usize, wb: usize, b: usize, o0: usize, o1: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0);
  const w1 = w + wb, w2 = w1 + wb;
  const full = wb & ~15;
  for (let j: usize = 0; j < full; j += 16) {
    const u = v128.load(x0 + j), v = v128.load(x1 + j);
    let t = v128.load(w + j);
    a0 = madd(u, t, a0);
    b0 = madd(v, t, b0);
    t = v128.load(w1 + j);
    a1 = madd(u, t, a1);
    b1 = madd(v, t, b1);
    t = v128.load(w2 + j);
    a2 = madd(u, t, a2);
    b2 = madd(v, t, b2);
  }
  let s00 = load<f32>(b), s01 = load<f32>(b, 4), s02 = load<f32>(b, 8);
  let s10 = s00, s11 = s01, s12 = s02;
  for (let j = full; j < wb; j += 4) {
    const u = load<f32>(x0 + j), v = load<f32>(x1 + j);
    const t0 = load<f32>(w + j), t1 = load<f32>(w1 + j), t2 = load<f32>(w2 + j);
    s00 += u * t0;
    s10 += v * t0;
    s01 += u * t1;
    s11 += v * t1;
    s02 += u * t2;
    s12 += v * t2;
  }
  store<f32>(o1, s10 + hsum32(b0));
  store<f32>(o1, s11 + hsum32(b1), 4);
  store<f32>(o1, s12 + hsum32(b2), 8);
  store<f32>(o0, s00 + hsum32(a0));
  store<f32>(o0, s01 + hsum32(a1), 4);
  store<f32>(o0, s02 + hsum32(a2), 8);
}

/** One output (sigmoid models): four rows at a time, 32 bytes per step in two halves. */
// @ts-ignore: decorator
@inline function dense1(x: usize, n: i32, xb: usize, w: usize, bias: f32, out: usize): void {
  const full = xb & ~31;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x0 = x + <usize>i * xb, x1 = x0 + xb, x2 = x1 + xb, x3 = x2 + xb;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    for (let j: usize = 0; j < full; j += 32) {
      const t = v128.load(w + j), tt = v128.load(w + j, 16);
      a0 = madd(v128.load(x0 + j), t, a0);
      c0 = madd(v128.load(x0 + j, 16), tt, c0);
      a1 = madd(v128.load(x1 + j), t, a1);
      c1 = madd(v128.load(x1 + j, 16), tt, c1);
      a2 = madd(v128.load(x2 + j), t, a2);
      c2 = madd(v128.load(x2 + j, 16), tt, c2);
      a3 = madd(v128.load(x3 + j), t, a3);
      c3 = madd(v128.load(x3 + j, 16), tt, c3);
    }
    let s0 = bias, s1 = bias, s2 = bias, s3 = bias;
    for (let j = full; j < xb; j += 4) {
      const t = load<f32>(w + j);
      s0 += t * load<f32>(x0 + j);
      s1 += t * load<f32>(x1 + j);
      s2 += t * load<f32>(x2 + j);
      s3 += t * load<f32>(x3 + j);
    }
    const o = out + (<usize>i << 2);
    store<f32>(o, s0 + hsum32(f32x4.add(a0, c0)));
    store<f32>(o, s1 + hsum32(f32x4.add(a1, c1)), 4);
    store<f32>(o, s2 + hsum32(f32x4.add(a2, c2)), 8);
    store<f32>(o, s3 + hsum32(f32x4.add(a3, c3)), 12);
  }
  for (; i < n; i++) {
    const x0 = x + <usize>i * xb;
    let a0 = f32x4.splat(0), c0 = f32x4.splat(0);
    for (let j: usize = 0; j < full; j += 32) {
      a0 = madd(v128.load(x0 + j), v128.load(w + j), a0);
      c0 = madd(v128.load(x0 + j, 16), v128.load(w + j, 16), c0);
    }
    let s0 = bias;
    for (let j = full; j < xb; j += 4) s0 += load<f32>(w + j) * load<f32>(x0 + j);
    store<f32>(out + (<usize>i << 2), s0 + hsum32(f32x4.add(a0, c0)));
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

// ---------------------------------------------------------------- sparse (blocks of 4 outputs)

/**
 * Sparse float32 weights in blocks of one feature by four outputs: for the group of outputs
 * 4g..4g+3, blocks p in gptr[g]..gptr[g+1]-1 hold the feature's byte offset boff[p] (4 *
 * feature) and the four outputs' weights bval[4p..4p+3] (zero where an output has none; a block
 * exists only where one of them is not zero). Eight rows at a time: each block costs one weight
 * load, eight broadcast loads of x and eight multiply-adds, with no transposition of x; each
 * row's scores of the group sit in one accumulator (the lanes are the outputs). Output groups
 * past k are padding (`b` holds 4 * groups entries).
 */
export function sparse(x: usize, n: i32, d: i32, groups: i32, gptr: usize, boff: usize, bval: usize, k: i32, b: usize, out: usize): void {
  const xb = <usize>d << 2;
  const kb = <usize>k << 2;
  for (let i = 0; i < n; i += 8) {
    // Rows past n alias row i; their scores are stored first so that row i's stay.
    const x0 = x + <usize>i * xb;
    const x1 = i + 1 < n ? x0 + xb : x0;
    const x2 = i + 2 < n ? x0 + 2 * xb : x0;
    const x3 = i + 3 < n ? x0 + 3 * xb : x0;
    const x4 = i + 4 < n ? x0 + 4 * xb : x0;
    const x5 = i + 5 < n ? x0 + 5 * xb : x0;
    const x6 = i + 6 < n ? x0 + 6 * xb : x0;
    const x7 = i + 7 < n ? x0 + 7 * xb : x0;
    for (let g = 0; g < groups; g++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
      const p1 = <usize>load<i32>(gptr + (<usize>(g + 1) << 2));
      for (let p = <usize>load<i32>(gptr + (<usize>g << 2)); p < p1; p++) {
        const j = <usize>load<u32>(boff + (p << 2));
        const w = v128.load(bval + (p << 4));
        a0 = madd(v128.load32_splat(x0 + j), w, a0);
        a1 = madd(v128.load32_splat(x1 + j), w, a1);
        a2 = madd(v128.load32_splat(x2 + j), w, a2);
        a3 = madd(v128.load32_splat(x3 + j), w, a3);
        a4 = madd(v128.load32_splat(x4 + j), w, a4);
        a5 = madd(v128.load32_splat(x5 + j), w, a5);
        a6 = madd(v128.load32_splat(x6 + j), w, a6);
        a7 = madd(v128.load32_splat(x7 + j), w, a7);
      }
      const bb = v128.load(b + (<usize>g << 4));
      const o = out + <usize>i * kb + (<usize>g << 4);
      const lanes = k - 4 * g;
      if (i + 7 < n) storeLanes(o + 7 * kb, f32x4.add(a7, bb), lanes);
      if (i + 6 < n) storeLanes(o + 6 * kb, f32x4.add(a6, bb), lanes);
      if (i + 5 < n) storeLanes(o + 5 * kb, f32x4.add(a5, bb), lanes);
      if (i + 4 < n) storeLanes(o + 4 * kb, f32x4.add(a4, bb), lanes);
      if (i + 3 < n) storeLanes(o + 3 * kb, f32x4.add(a3, bb), lanes);
      if (i + 2 < n) storeLanes(o + 2 * kb, f32x4.add(a2, bb), lanes);
      if (i + 1 < n) storeLanes(o + kb, f32x4.add(a1, bb), lanes);
      storeLanes(o, f32x4.add(a0, bb), lanes);
    }
  }
}

/** Stores the first min(lanes, 4) lanes of v. */
// @ts-ignore: decorator
@inline function storeLanes(o: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(o, v);
    return;
  }
  store<f32>(o, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(o, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(o, f32x4.extract_lane(v, 2), 8);
}

// ---------------------------------------------------------------- structured: feature subset

/**
 * Structured pruning: only m kept features (byte offsets foff[t] = 4 * feature), weights (k, m)
 * over the kept features. Two rows are gathered into the scratch (2 * m floats) and scored
 * densely with the dense kernel's output blocks.
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
    denseOutputs(scratch, s1, mb, w, k, b, o0, o1);
  }
}

// ---------------------------------------------------------------- non-finite inputs

/** Number of NaN or infinite values among `count` float32 values at x (`x - x` is not 0). */
export function nonFinite(x: usize, count: i32): i32 {
  let bad = i32x4.splat(0);
  const full = <usize>(count & ~15) << 2;
  for (let p: usize = 0; p < full; p += 64) {
    const a = v128.load(x + p), b = v128.load(x + p, 16), c = v128.load(x + p, 32), e = v128.load(x + p, 48);
    const z = f32x4.splat(0);
    const m = v128.or(
      v128.or(f32x4.ne(f32x4.sub(a, a), z), f32x4.ne(f32x4.sub(b, b), z)),
      v128.or(f32x4.ne(f32x4.sub(c, c), z), f32x4.ne(f32x4.sub(e, e), z)),
    );
    bad = i32x4.sub(bad, m);
  }
  let s = i32x4.extract_lane(bad, 0) + i32x4.extract_lane(bad, 1) + i32x4.extract_lane(bad, 2) + i32x4.extract_lane(bad, 3);
  for (let i = count & ~15; i < count; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) s++;
  }
  return s;
}

// ---------------------------------------------------------------- input quantization

/**
 * 8-bit input codes from float inputs, exactly as the TypeScript reference
 * (`quantizeInputsKernel` of lib/quant): `t = x * mul[j] + off[j]` in float64 (a product, then a
 * sum: no fused multiply-add), rounded half to even (`f64x2.nearest`), plus zp, clamped to
 * lo..hi. x is float32 (`wide` = 0) or float64 (1), rows of d values; codes go to `out` as bytes
 * (uint8 or int8 by the range). Returns a count that is positive exactly when a NaN or infinite
 * input was met (not their number: see the end of `quantizeBody`), and stores it at `bad` unless
 * that is 0.
 */
export function quantize(x: usize, wide: i32, n: i32, d: i32, mul: usize, off: usize, zp: i32, lo: i32, hi: i32, out: usize, bad: usize): i32 {
  const count = wide
    ? quantizeBody(x, true, n, d, mul, off, zp, lo, hi, out)
    : quantizeBody(x, false, n, d, mul, off, zp, lo, hi, out);
  if (bad != 0) store<i32>(bad, count);
  return count;
}

// @ts-ignore: decorator
@inline function quantizeBody(x: usize, wide: bool, n: i32, d: i32, mul: usize, off: usize, zp: i32, lo: i32, hi: i32, out: usize): i32 {
  // t is clamped to [lo - zp, hi - zp] (integers: clamping before or after rounding is the same,
  // rounding being monotone), then rounded half to even by adding 1.5 * 2^52, whose low 32 bits
  // are then the integer: no float-to-int conversion.
  const fl = f64x2.splat(<f64>(lo - zp)), fh = f64x2.splat(<f64>(hi - zp));
  const magic = f64x2.splat(6755399441055744.0);
  const z = i32x4.splat(zp);
  let bad = i32x4.splat(0);
  const full = <usize>(d & ~7);
  const es: usize = wide ? 8 : 4;
  for (let i = 0; i < n; i++) {
    const xr = x + <usize>i * <usize>d * es;
    const orow = out + <usize>i * <usize>d;
    for (let j: usize = 0; j < full; j += 8) {
      let v0: v128, v1: v128, v2: v128, v3: v128;
      if (wide) {
        v0 = v128.load(xr + (j << 3));
        v1 = v128.load(xr + (j << 3), 16);
        v2 = v128.load(xr + (j << 3), 32);
        v3 = v128.load(xr + (j << 3), 48);
        bad = i32x4.sub(bad, v128.or(
          v128.or(f64x2.ne(f64x2.sub(v0, v0), f64x2.splat(0)), f64x2.ne(f64x2.sub(v1, v1), f64x2.splat(0))),
          v128.or(f64x2.ne(f64x2.sub(v2, v2), f64x2.splat(0)), f64x2.ne(f64x2.sub(v3, v3), f64x2.splat(0))),
        ));
      } else {
        const f = v128.load(xr + (j << 2)), g = v128.load(xr + (j << 2), 16);
        bad = i32x4.sub(bad, v128.or(f32x4.ne(f32x4.sub(f, f), f32x4.splat(0)), f32x4.ne(f32x4.sub(g, g), f32x4.splat(0))));
        v0 = f64x2.promote_low_f32x4(f);
        v1 = f64x2.promote_low_f32x4(i8x16.shuffle(f, f, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
        v2 = f64x2.promote_low_f32x4(g);
        v3 = f64x2.promote_low_f32x4(i8x16.shuffle(g, g, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
      }
      const mj = mul + (j << 3), oj = off + (j << 3);
      const r0 = f64x2.add(clampCode(f64x2.add(f64x2.mul(v0, v128.load(mj)), v128.load(oj)), fl, fh), magic);
      const r1 = f64x2.add(clampCode(f64x2.add(f64x2.mul(v1, v128.load(mj, 16)), v128.load(oj, 16)), fl, fh), magic);
      const r2 = f64x2.add(clampCode(f64x2.add(f64x2.mul(v2, v128.load(mj, 32)), v128.load(oj, 32)), fl, fh), magic);
      const r3 = f64x2.add(clampCode(f64x2.add(f64x2.mul(v3, v128.load(mj, 48)), v128.load(oj, 48)), fl, fh), magic);
      const q01 = i32x4.add(i32x4.shuffle(r0, r1, 0, 2, 4, 6), z);
      const q23 = i32x4.add(i32x4.shuffle(r2, r3, 0, 2, 4, 6), z);
      const h = i16x8.narrow_i32x4_s(q01, q23);
      // Values are in lo..hi (a byte range): take the low byte of each 16-bit lane.
      v128.store64_lane(orow + j, i8x16.shuffle(h, h, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14), 0);
    }
    for (let j = <i32>full; j < d; j++) {
      const v: f64 = wide ? load<f64>(xr + (<usize>j << 3)) : <f64>load<f32>(xr + (<usize>j << 2));
      if (v - v != 0) {
        bad = i32x4.sub(bad, i32x4.splat(-1));
        store<u8>(orow + <usize>j, 0);
        continue;
      }
      const t = v * load<f64>(mul + (<usize>j << 3)) + load<f64>(off + (<usize>j << 3));
      let r = nearest<f64>(t) + <f64>zp;
      r = r < <f64>lo ? <f64>lo : r > <f64>hi ? <f64>hi : r;
      store<u8>(orow + <usize>j, <u8>(<i32>r));
    }
  }
  // Lanes count NaN/infinity: 1 per float32 value and 2 per float64 value of the SIMD loop (one
  // per 32-bit half of the mask), 4 per value of the scalar tail (all lanes). Only > 0 is meant.
  const total = i32x4.extract_lane(bad, 0) + i32x4.extract_lane(bad, 1) + i32x4.extract_lane(bad, 2) + i32x4.extract_lane(bad, 3);
  return total;
}

/** Clamp to [lo, hi] as `r < lo ? lo : r > hi ? hi : r` (pmax is `r < lo ? lo : r`, pmin
 * `hi < t ? hi : t`; a NaN stays NaN and its code is garbage, the input being refused). */
// @ts-ignore: decorator
@inline function clampCode(r: v128, lo: v128, hi: v128): v128 {
  return f64x2.pmin(f64x2.pmax(r, lo), hi);
}

// ---------------------------------------------------------------- int8 weights

/**
 * int8 weights, widened once to int16 (w16: (k, dp) int16, dp = ceil(d / 8) * 8, zero padded),
 * uint8 or int8 inputs (stride d), int32 sums. Scores:
 * out = bias[c] + scale[c] * (sum_j xq_j w_j - zx * wsum[c]), with scale[c] = xScale * wScale[c].
 */
export function int8(xq: usize, n: i32, d: i32, signed: i32, w16: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize): void {
  if (signed) int8Body(xq, n, d, true, w16, dp, k, wsum, zx, scale, b, out, false);
  else int8Body(xq, n, d, false, w16, dp, k, wsum, zx, scale, b, out, false);
}

/**
 * Integer-exact variant of `int8` (int16 weights, any codes up to int16): float64 scores
 * out[i * k + c] = f64(int32(bias[c] + sum_j xq_j w_j)) * rescale[c], with int32 `bias` (the
 * input zero point already folded in) and float64 `rescale`: bit for bit the TypeScript integer
 * kernels of lib/quant.
 */
export function int8Exact(xq: usize, n: i32, d: i32, signed: i32, w16: usize, dp: i32, k: i32, bias: usize, rescale: usize, out: usize): void {
  if (signed) int8Body(xq, n, d, true, w16, dp, k, bias, 0, rescale, 0, out, true);
  else int8Body(xq, n, d, false, w16, dp, k, bias, 0, rescale, 0, out, true);
}

// @ts-ignore: decorator
@inline function load8(p: usize, signed: bool): v128 {
  return signed ? v128.load8x8_s(p) : v128.load8x8_u(p);
}

// @ts-ignore: decorator
@inline function int8Body(xq: usize, n: i32, d: i32, signed: bool, w16: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize, intOut: bool): void {
  const xb = <usize>d;
  const wb = <usize>dp << 1;
  const kb = <usize>k << (intOut ? 3 : 2);
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = xq + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    // Blocks of five outputs (ten accumulators) while that leaves no single output over.
    for (; k - c >= 8 || k - c == 5; c += 5) {
      const w0 = w16 + <usize>c * wb, w1 = w0 + wb, w2 = w1 + wb, w3 = w2 + wb, w4 = w3 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0), a04 = i32x4.splat(0);
      let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0), a14 = i32x4.splat(0);
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
        t = v128.load(w4 + jb);
        a04 = i32x4.add(a04, i32x4.dot_i16x8_s(u, t));
        a14 = i32x4.add(a14, i32x4.dot_i16x8_s(v, t));
      }
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1, intOut);
      finishInt1(a14, c + 4, wsum, zx, scale, b, o1, intOut);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0, intOut);
      finishInt1(a04, c + 4, wsum, zx, scale, b, o0, intOut);
    }
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
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1, intOut);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0, intOut);
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
      finishInt1(a10, c, wsum, zx, scale, b, o1, intOut);
      finishInt1(a11, c + 1, wsum, zx, scale, b, o1, intOut);
      finishInt1(a00, c, wsum, zx, scale, b, o0, intOut);
      finishInt1(a01, c + 1, wsum, zx, scale, b, o0, intOut);
    }
    for (; c < k; c++) {
      const w0 = w16 + <usize>c * wb;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let j: usize = 0; j < <usize>dp; j += 8) {
        const t = v128.load(w0 + (j << 1));
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(load8(x0 + j, signed), t));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(load8(x1 + j, signed), t));
      }
      finishInt1(a1, c, wsum, zx, scale, b, o1, intOut);
      finishInt1(a0, c, wsum, zx, scale, b, o0, intOut);
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
@inline function finishInt4(s: v128, c: i32, wsum: usize, zx: i32, scale: usize, b: usize, o: usize, intOut: bool): void {
  const cb = <usize>c << 2;
  if (intOut) {
    // wsum: int32 bias; scale: float64 rescale; o: float64 scores.
    const t = i32x4.add(s, v128.load(wsum + cb));
    const c8 = <usize>c << 3;
    v128.store(o + c8, f64x2.mul(f64x2.convert_low_i32x4_s(t), v128.load(scale + c8)));
    const h = i8x16.shuffle(t, t, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v128.store(o + c8, f64x2.mul(f64x2.convert_low_i32x4_s(h), v128.load(scale + c8, 16)), 16);
    return;
  }
  const corrected = i32x4.sub(s, i32x4.mul(i32x4.splat(zx), v128.load(wsum + cb)));
  const f = f32x4.add(v128.load(b + cb), f32x4.mul(f32x4.convert_i32x4_s(corrected), v128.load(scale + cb)));
  v128.store(o + cb, f);
}

// @ts-ignore: decorator
@inline function finishInt1(a: v128, c: i32, wsum: usize, zx: i32, scale: usize, b: usize, o: usize, intOut: bool): void {
  const cb = <usize>c << 2;
  const s = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
  if (intOut) {
    const c8 = <usize>c << 3;
    store<f64>(o + c8, <f64>(s + load<i32>(wsum + cb)) * load<f64>(scale + c8));
    return;
  }
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
  int8RelaxedBody(xq, n, d, w8, dp, k, wsum, zx, scale, b, out, false);
}

/** Integer-exact variant of `int8Relaxed` (see `int8Exact`). */
export function int8RelaxedExact(xq: usize, n: i32, d: i32, w8: usize, dp: i32, k: i32, bias: usize, rescale: usize, out: usize): void {
  int8RelaxedBody(xq, n, d, w8, dp, k, bias, 0, rescale, 0, out, true);
}

// @ts-ignore: decorator
@inline function int8RelaxedBody(xq: usize, n: i32, d: i32, w8: usize, dp: i32, k: i32, wsum: usize, zx: i32, scale: usize, b: usize, out: usize, intOut: bool): void {
  const xb = <usize>d;
  const wb = <usize>dp;
  const kb = <usize>k << (intOut ? 3 : 2);
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const x0 = xq + <usize>i * xb;
    const x1 = two ? x0 + xb : x0;
    const o0 = out + <usize>i * kb;
    const o1 = two ? o0 + kb : o0;
    let c = 0;
    // Blocks of five outputs (ten accumulators) while that leaves no single output over.
    for (; k - c >= 8 || k - c == 5; c += 5) {
      const w0 = w8 + <usize>c * wb, w1 = w0 + wb, w2 = w1 + wb, w3 = w2 + wb, w4 = w3 + wb;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0), a04 = i32x4.splat(0);
      let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0), a14 = i32x4.splat(0);
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
        t = v128.load(w4 + j);
        a04 = dot8(t, u, a04);
        a14 = dot8(t, v, a14);
      }
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1, intOut);
      finishInt1(a14, c + 4, wsum, zx, scale, b, o1, intOut);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0, intOut);
      finishInt1(a04, c + 4, wsum, zx, scale, b, o0, intOut);
    }
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
      finishInt4(hsumI4(a10, a11, a12, a13), c, wsum, zx, scale, b, o1, intOut);
      finishInt4(hsumI4(a00, a01, a02, a03), c, wsum, zx, scale, b, o0, intOut);
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
      finishInt1(i32x4.add(a10, b10), c, wsum, zx, scale, b, o1, intOut);
      finishInt1(i32x4.add(a11, b11), c + 1, wsum, zx, scale, b, o1, intOut);
      finishInt1(i32x4.add(a00, b00), c, wsum, zx, scale, b, o0, intOut);
      finishInt1(i32x4.add(a01, b01), c + 1, wsum, zx, scale, b, o0, intOut);
    }
    for (; c < k; c++) {
      const w0 = w8 + <usize>c * wb;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let j: usize = 0; j < wb; j += 16) {
        const t = v128.load(w0 + j);
        a0 = dot8(t, v128.load(x0 + j), a0);
        a1 = dot8(t, v128.load(x1 + j), a1);
      }
      finishInt1(a1, c, wsum, zx, scale, b, o1, intOut);
      finishInt1(a0, c, wsum, zx, scale, b, o0, intOut);
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

// ---------------------------------------------------------------- packed 4-bit codes, float inputs

/**
 * 4-bit codes into a float32 codebook of 16 entries per output, float32 inputs: the lookup
 * kernel of codebook (weight-sharing) models, whose scores are the dequantized model's within
 * float32 rounding. Codes as in `packed4` (rows of `rb` bytes); `planes` holds per output the
 * four byte planes of its 16 float32 entries (64 bytes: byte b of entry q at 16 * b + q), and
 * `table` the entries themselves ((k, 16) float32) for the features past the last multiple of
 * 16. Per 16 features: 16 codes from 8 bytes, four byte swizzles, two interleaving rounds give
 * four float32 weight vectors, used for four rows of x at once.
 */
export function packed4f(x: usize, n: i32, d: i32, packed: usize, rb: i32, k: i32, planes: usize, table: usize, b: usize, out: usize): void {
  const xb = <usize>d << 2;
  const kb = <usize>k << 2;
  const full = <usize>(d & ~15);
  const low = i8x16.splat(15);
  for (let i = 0; i < n; i += 4) {
    const x0 = x + <usize>i * xb;
    const x1 = i + 1 < n ? x0 + xb : x0;
    const x2 = i + 2 < n ? x0 + 2 * xb : x0;
    const x3 = i + 3 < n ? x0 + 3 * xb : x0;
    const o = out + <usize>i * kb;
    for (let c = 0; c < k; c++) {
      const pl = planes + (<usize>c << 6);
      const p0 = v128.load(pl), p1 = v128.load(pl, 16), p2 = v128.load(pl, 32), p3 = v128.load(pl, 48);
      const pc = packed + <usize>c * <usize>rb;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
      for (let j: usize = 0; j < full; j += 16) {
        const bytes = v128.load64_zero(pc + (j >> 1));
        const codes = i8x16.shuffle(v128.and(bytes, low), i8x16.shr_u(bytes, 4), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const b0 = i8x16.swizzle(p0, codes), b1 = i8x16.swizzle(p1, codes);
        const b2 = i8x16.swizzle(p2, codes), b3 = i8x16.swizzle(p3, codes);
        const l01 = i8x16.shuffle(b0, b1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h01 = i8x16.shuffle(b0, b1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const l23 = i8x16.shuffle(b2, b3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h23 = i8x16.shuffle(b2, b3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const w0 = i16x8.shuffle(l01, l23, 0, 8, 1, 9, 2, 10, 3, 11);
        const w1 = i16x8.shuffle(l01, l23, 4, 12, 5, 13, 6, 14, 7, 15);
        const w2 = i16x8.shuffle(h01, h23, 0, 8, 1, 9, 2, 10, 3, 11);
        const w3 = i16x8.shuffle(h01, h23, 4, 12, 5, 13, 6, 14, 7, 15);
        const jb = j << 2;
        a0 = madd(v128.load(x0 + jb), w0, a0);
        e0 = madd(v128.load(x0 + jb, 16), w1, e0);
        a1 = madd(v128.load(x1 + jb), w0, a1);
        e1 = madd(v128.load(x1 + jb, 16), w1, e1);
        a2 = madd(v128.load(x2 + jb), w0, a2);
        e2 = madd(v128.load(x2 + jb, 16), w1, e2);
        a3 = madd(v128.load(x3 + jb), w0, a3);
        e3 = madd(v128.load(x3 + jb, 16), w1, e3);
        a0 = madd(v128.load(x0 + jb, 32), w2, a0);
        e0 = madd(v128.load(x0 + jb, 48), w3, e0);
        a1 = madd(v128.load(x1 + jb, 32), w2, a1);
        e1 = madd(v128.load(x1 + jb, 48), w3, e1);
        a2 = madd(v128.load(x2 + jb, 32), w2, a2);
        e2 = madd(v128.load(x2 + jb, 48), w3, e2);
        a3 = madd(v128.load(x3 + jb, 32), w2, a3);
        e3 = madd(v128.load(x3 + jb, 48), w3, e3);
      }
      const bc = load<f32>(b + (<usize>c << 2));
      let s0 = bc, s1 = bc, s2 = bc, s3 = bc;
      const tc = table + (<usize>c << 6);
      for (let j = full; j < <usize>d; j++) {
        const byte = <i32>load<u8>(pc + (j >> 1));
        const code = (j & 1) ? byte >> 4 : byte & 15;
        const wv = load<f32>(tc + (<usize>code << 2));
        const jb = j << 2;
        s0 += wv * load<f32>(x0 + jb);
        s1 += wv * load<f32>(x1 + jb);
        s2 += wv * load<f32>(x2 + jb);
        s3 += wv * load<f32>(x3 + jb);
      }
      const oc = o + (<usize>c << 2);
      // Rows past n alias row i; store them first so row i's value is the one that stays.
      if (i + 3 < n) store<f32>(oc + 3 * kb, s3 + hsum32(f32x4.add(a3, e3)));
      if (i + 2 < n) store<f32>(oc + 2 * kb, s2 + hsum32(f32x4.add(a2, e2)));
      if (i + 1 < n) store<f32>(oc + kb, s1 + hsum32(f32x4.add(a1, e1)));
      store<f32>(oc, s0 + hsum32(f32x4.add(a0, e0)));
    }
  }
}

// ---------------------------------------------------------------- column scaling

/** out[i * d + j] = x[i * d + j] * s[j] (float32): standardisation of the inputs of a kernel
 * whose weights cannot absorb it (a shared codebook). x and out may be the same. */
export function scaleRows(x: usize, n: i32, d: i32, s: usize, out: usize): void {
  const xb = <usize>d << 2;
  const full = xb & ~15;
  for (let i = 0; i < n; i++) {
    const xi = x + <usize>i * xb, oi = out + <usize>i * xb;
    for (let j: usize = 0; j < full; j += 16) v128.store(oi + j, f32x4.mul(v128.load(xi + j), v128.load(s + j)));
    for (let j = full; j < xb; j += 4) store<f32>(oi + j, load<f32>(xi + j) * load<f32>(s + j));
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

// ---------------------------------------------------------------- cache warming

/**
 * Loads one float of every 64-byte line of `bytes` bytes at x: many cache misses in flight at
 * once, so that a kernel then reads the range from cache instead of waiting on each line. The
 * result is meaningless (returned so the loads are kept).
 */
export function touch(x: usize, bytes: usize): f32 {
  let a = f32x4.splat(0), b = f32x4.splat(0);
  const end = x + bytes;
  let p = x;
  for (; p + 256 <= end; p += 256) {
    a = f32x4.add(a, v128.load32_zero(p));
    b = f32x4.add(b, v128.load32_zero(p, 64));
    a = f32x4.add(a, v128.load32_zero(p, 128));
    b = f32x4.add(b, v128.load32_zero(p, 192));
  }
  for (; p < end; p += 64) a = f32x4.add(a, v128.load32_zero(p));
  return f32x4.extract_lane(f32x4.add(a, b), 0);
}
