// AssemblyScript (not Deno TypeScript): the two matrix products of the training loss.
//
// Layout (all byte addresses into the imported memory):
//   rows  u32[count]        address of each row of X in the block (row-major, float32,
//                           `dp` values, dp a multiple of 8, zero padded)
//   w     f32[k * dp]       weights, class-major, zero padded like the rows
//   z     f64[count * k]    scores out (without the bias)
//   r     f32[count * k]    residuals in (softmax probability minus one-hot, or sigmoid minus label)
//   g     f64[k * dp]       gradient accumulator (added to)
//
// Accumulation: each dot product runs in four float32 lanes and is summed in float64; the
// gradient of a block is summed in float32 over the block's rows, then added in float64.

import { addToF64, hsum, madd } from "./common";

/**
 * Writes the address of each row of the block (`x + row * dp * 4`, row from `idx` or
 * `start + i`) and its label (from `y`) into `labels`.
 */
export function rowAddresses(x: usize, idx: usize, start: i32, count: i32, dp: i32, rows: usize, y: usize, labels: usize): void {
  const rb = <usize>dp << 2;
  for (let i = 0; i < count; i++) {
    const row = idx != 0 ? load<i32>(idx + (<usize>(start + i) << 2)) : start + i;
    store<u32>(rows + (<usize>i << 2), <u32>(x + <usize>row * rb));
    store<i32>(labels + (<usize>i << 2), load<i32>(y + (<usize>row << 2)));
  }
}

/**
 * Gathers the sample weight of each row of the block (float64, from `weights`, row from `idx` or
 * `start + i`) into `out`.
 */
export function rowWeights(weights: usize, idx: usize, start: i32, count: i32, out: usize): void {
  for (let i = 0; i < count; i++) {
    const row = idx != 0 ? load<i32>(idx + (<usize>(start + i) << 2)) : start + i;
    store<f64>(out + (<usize>i << 3), load<f64>(weights + (<usize>row << 3)));
  }
}

/**
 * The softmax link of a block, in float64 (the same formulas as the TypeScript reference):
 * scores z (count, k) get the bias; the log loss (log-sum-exp minus the label's score) and the
 * number of rows whose first highest score is their label's are added to acc[0] and acc[1]; if
 * `grad`, the residuals p - onehot go to r (float32) and are added to gb (float64, per class).
 * With `sw` (the block's sample weights, float64, or 0 for none) each row's loss and residuals
 * are multiplied by its weight; the count of correct rows is not weighted.
 */
export function linkSoftmax(z: usize, count: i32, k: i32, b: usize, labels: usize, grad: i32, r: usize, gb: usize, e: usize, acc: usize, sw: usize): void {
  let loss = 0.0, correct = 0.0;
  const kb = <usize>k << 3;
  for (let i = 0; i < count; i++) {
    const zi = z + <usize>i * kb;
    const t = load<i32>(labels + (<usize>i << 2));
    let best = 0;
    let m = -Infinity;
    for (let c = 0; c < k; c++) {
      const v = load<f64>(zi + (<usize>c << 3)) + load<f64>(b + (<usize>c << 3));
      store<f64>(zi + (<usize>c << 3), v);
      if (c == 0 || v > m) {
        m = v;
        best = c;
      }
    }
    // exp(v - m) two classes at a time (every argument <= 0).
    const mm = f64x2.splat(m);
    let s2 = f64x2.splat(0);
    let c = 0;
    for (; c + 2 <= k; c += 2) {
      const ec = expNonPositive(f64x2.sub(v128.load(zi + (<usize>c << 3)), mm));
      v128.store(e + (<usize>c << 3), ec);
      s2 = f64x2.add(s2, ec);
    }
    let sum = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
    for (; c < k; c++) {
      const ec = f64x2.extract_lane(expNonPositive(f64x2.splat(load<f64>(zi + (<usize>c << 3)) - m)), 0);
      store<f64>(e + (<usize>c << 3), ec);
      sum += ec;
    }
    // A weight of 1 multiplies exactly: unweighted sums are those of the plain formulas.
    const s = sw != 0 ? load<f64>(sw + (<usize>i << 3)) : 1.0;
    loss += s * (m + Math.log(sum) - load<f64>(zi + (<usize>t << 3)));
    if (best == t) correct += 1;
    if (grad) {
      const inv = 1 / sum;
      const ri = r + (<usize>(i * k) << 2);
      for (let c = 0; c < k; c++) {
        let rc = s * (load<f64>(e + (<usize>c << 3)) * inv - (c == t ? 1.0 : 0.0));
        // Below the float32 normal range: zero (denormal operands are slow on x86).
        if (Math.abs(rc) < 1.1754943508222875e-38) rc = 0;
        store<f32>(ri + (<usize>c << 2), <f32>rc);
        store<f64>(gb + (<usize>c << 3), load<f64>(gb + (<usize>c << 3)) + rc);
      }
    }
  }
  store<f64>(acc, load<f64>(acc) + loss);
  store<f64>(acc, load<f64>(acc, 8) + correct, 8);
}

// @ts-ignore: decorator
@inline function madd64x2(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/**
 * exp(x) for x <= 0 in both float64 lanes, within about 2 ulp: x = n ln 2 + r with
 * |r| <= ln 2 / 2 (Cody and Waite's two-part ln 2), exp(r) by its Taylor series to degree 12
 * (remainder below 2.5e-16 relative), times 2^n built in the exponent bits. Below -700 the
 * result is 0 (a probability under 1e-304 next to one of at least 1).
 */
// @ts-ignore: decorator
@inline function expNonPositive(x: v128): v128 {
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(0.6931471803691238)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(1.9082149292705877e-10)));
  let p = f64x2.splat(1.0 / 479001600.0);
  p = madd64x2(p, r, f64x2.splat(1.0 / 39916800.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 3628800.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 362880.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 40320.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 5040.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 720.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 120.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 24.0));
  p = madd64x2(p, r, f64x2.splat(1.0 / 6.0));
  p = madd64x2(p, r, f64x2.splat(0.5));
  p = madd64x2(p, r, f64x2.splat(1.0));
  p = madd64x2(p, r, f64x2.splat(1.0));
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const scale = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), f64x2.lt(x, f64x2.splat(-700.0)));
}

/**
 * The sigmoid link of a block (one output): like `linkSoftmax` with softplus and the logistic,
 * sample weights `sw` included.
 */
export function linkSigmoid(z: usize, count: i32, b: usize, labels: usize, grad: i32, r: usize, gb: usize, acc: usize, sw: usize): void {
  let loss = 0.0, correct = 0.0;
  const b0 = load<f64>(b);
  for (let i = 0; i < count; i++) {
    const t = <f64>load<i32>(labels + (<usize>i << 2));
    const zi = load<f64>(z + (<usize>i << 3)) + b0;
    const s = sw != 0 ? load<f64>(sw + (<usize>i << 3)) : 1.0;
    loss += s * ((zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - t * zi);
    if ((zi > 0 ? 1.0 : 0.0) == t) correct += 1;
    if (grad) {
      let p: f64;
      if (zi >= 0) p = 1 / (1 + Math.exp(-zi));
      else {
        const ez = Math.exp(zi);
        p = ez / (1 + ez);
      }
      let ri = s * (p - t);
      if (Math.abs(ri) < 1.1754943508222875e-38) ri = 0;
      store<f32>(r + (<usize>i << 2), <f32>ri);
      store<f64>(gb, load<f64>(gb) + ri);
    }
  }
  store<f64>(acc, load<f64>(acc) + loss);
  store<f64>(acc, load<f64>(acc, 8) + correct, 8);
}

/** z[i, c] = sum_j w[c, j] * x[row_i, j] for every row of the block and every class. */
export function scores(rows: usize, count: i32, dp: i32, w: usize, k: i32, z: usize): void {
  const rb = <usize>dp << 2;
  const kb = <usize>k << 3;
  for (let i = 0; i < count; i += 2) {
    const x0 = <usize>load<u32>(rows + (<usize>i << 2));
    const two = i + 1 < count;
    const x1 = two ? <usize>load<u32>(rows + (<usize>(i + 1) << 2)) : x0;
    const z0 = z + <usize>i * kb;
    const z1 = two ? z0 + kb : z0; // an odd last row is computed twice and stored once
    let c = 0;
    // Blocks of five classes (ten chains) while that leaves no single class over.
    for (; k - c >= 8 || k - c == 5; c += 5) scores2x5(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
    for (; c + 4 <= k; c += 4) scores2x4(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
    for (; c + 2 <= k; c += 2) scores2x2(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
    for (; c < k; c++) scores2x1(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
  }
}

// @ts-ignore: decorator
@inline function scores2x5(x0: usize, x1: usize, w: usize, rb: usize, z0: usize, z1: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0), a04 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0), a14 = f32x4.splat(0);
  const w1 = w + rb, w2 = w1 + rb, w3 = w2 + rb, w4 = w3 + rb;
  for (let j: usize = 0; j < rb; j += 16) {
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
    t = v128.load(w4 + j);
    a04 = madd(u, t, a04);
    a14 = madd(v, t, a14);
  }
  store<f64>(z1, hsum(a10));
  store<f64>(z1, hsum(a11), 8);
  store<f64>(z1, hsum(a12), 16);
  store<f64>(z1, hsum(a13), 24);
  store<f64>(z1, hsum(a14), 32);
  store<f64>(z0, hsum(a00));
  store<f64>(z0, hsum(a01), 8);
  store<f64>(z0, hsum(a02), 16);
  store<f64>(z0, hsum(a03), 24);
  store<f64>(z0, hsum(a04), 32);
}

// @ts-ignore: decorator
@inline function scores2x4(x0: usize, x1: usize, w: usize, rb: usize, z0: usize, z1: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  const w1 = w + rb, w2 = w1 + rb, w3 = w2 + rb;
  for (let j: usize = 0; j < rb; j += 16) {
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
  store<f64>(z1, hsum(a10));
  store<f64>(z1, hsum(a11), 8);
  store<f64>(z1, hsum(a12), 16);
  store<f64>(z1, hsum(a13), 24);
  store<f64>(z0, hsum(a00));
  store<f64>(z0, hsum(a01), 8);
  store<f64>(z0, hsum(a02), 16);
  store<f64>(z0, hsum(a03), 24);
}

/** Two rows, two classes, the features split in two halves of each 32-byte step: 8 chains. */
// @ts-ignore: decorator
@inline function scores2x2(x0: usize, x1: usize, w: usize, rb: usize, z0: usize, z1: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let b00 = f32x4.splat(0), b01 = f32x4.splat(0), b10 = f32x4.splat(0), b11 = f32x4.splat(0);
  const w1 = w + rb;
  for (let j: usize = 0; j < rb; j += 32) {
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
  store<f64>(z1, hsum(a10) + hsum(b10));
  store<f64>(z1, hsum(a11) + hsum(b11), 8);
  store<f64>(z0, hsum(a00) + hsum(b00));
  store<f64>(z0, hsum(a01) + hsum(b01), 8);
}

// @ts-ignore: decorator
@inline function scores2x1(x0: usize, x1: usize, w: usize, rb: usize, z0: usize, z1: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let j: usize = 0;
  for (; j + 32 <= rb; j += 32) {
    const t = v128.load(w + j), s = v128.load(w + j + 16);
    a0 = madd(v128.load(x0 + j), t, a0);
    b0 = madd(v128.load(x0 + j + 16), s, b0);
    a1 = madd(v128.load(x1 + j), t, a1);
    b1 = madd(v128.load(x1 + j + 16), s, b1);
  }
  store<f64>(z1, hsum(a1) + hsum(b1));
  store<f64>(z0, hsum(a0) + hsum(b0));
}

/** g[c, j] += sum_i r[i, c] * x[row_i, j] over the block's rows. */
export function gradient(rows: usize, count: i32, dp: i32, r: usize, k: i32, g: usize): void {
  const gb = <usize>dp << 3;
  for (let j: usize = 0; j < <usize>dp; j += 8) {
    let c = 0;
    // Blocks of five classes (ten chains) while that leaves no single class over.
    for (; k - c >= 8 || k - c == 5; c += 5) {
      gradient8x5(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c + 4 <= k; c += 4) {
      gradient8x4(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c + 2 <= k; c += 2) {
      gradient8x2(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c < k; c++) {
      gradient8x1(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3));
    }
  }
}

/** Eight features, five classes, rows two per step (the same sums in the same order). */
// @ts-ignore: decorator
@inline function gradient8x5(rows: usize, count: i32, jb: usize, r: usize, rs: usize, g: usize, gb: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0), b4 = f32x4.splat(0);
  const end = rows + (<usize>count << 2);
  const pairs = rows + (<usize>(count & ~1) << 2);
  let p = rows;
  for (; p < pairs; p += 8) {
    const xr = <usize>load<u32>(p) + jb, xs = <usize>load<u32>(p, 4) + jb;
    const r2 = r + rs;
    let u = v128.load(xr), v = v128.load(xr, 16);
    let s = v128.load32_splat(r);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    s = v128.load32_splat(r, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
    s = v128.load32_splat(r, 8);
    a2 = madd(s, u, a2);
    b2 = madd(s, v, b2);
    s = v128.load32_splat(r, 12);
    a3 = madd(s, u, a3);
    b3 = madd(s, v, b3);
    s = v128.load32_splat(r, 16);
    a4 = madd(s, u, a4);
    b4 = madd(s, v, b4);
    u = v128.load(xs);
    v = v128.load(xs, 16);
    s = v128.load32_splat(r2);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    s = v128.load32_splat(r2, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
    s = v128.load32_splat(r2, 8);
    a2 = madd(s, u, a2);
    b2 = madd(s, v, b2);
    s = v128.load32_splat(r2, 12);
    a3 = madd(s, u, a3);
    b3 = madd(s, v, b3);
    s = v128.load32_splat(r2, 16);
    a4 = madd(s, u, a4);
    b4 = madd(s, v, b4);
    r += rs << 1;
  }
  for (; p < end; p += 4) {
    const xr = <usize>load<u32>(p) + jb;
    const u = v128.load(xr), v = v128.load(xr, 16);
    let s = v128.load32_splat(r);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    s = v128.load32_splat(r, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
    s = v128.load32_splat(r, 8);
    a2 = madd(s, u, a2);
    b2 = madd(s, v, b2);
    s = v128.load32_splat(r, 12);
    a3 = madd(s, u, a3);
    b3 = madd(s, v, b3);
    s = v128.load32_splat(r, 16);
    a4 = madd(s, u, a4);
    b4 = madd(s, v, b4);
    r += rs;
  }
  addToF64(g, a0);
  addToF64(g + 32, b0);
  addToF64(g + gb, a1);
  addToF64(g + gb + 32, b1);
  addToF64(g + 2 * gb, a2);
  addToF64(g + 2 * gb + 32, b2);
  addToF64(g + 3 * gb, a3);
  addToF64(g + 3 * gb + 32, b3);
  addToF64(g + 4 * gb, a4);
  addToF64(g + 4 * gb + 32, b4);
}

// @ts-ignore: decorator
@inline function gradient8x4(rows: usize, count: i32, jb: usize, r: usize, rs: usize, g: usize, gb: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  const end = rows + (<usize>count << 2);
  for (let p = rows; p < end; p += 4) {
    const xr = <usize>load<u32>(p) + jb;
    const u = v128.load(xr), v = v128.load(xr, 16);
    let s = v128.load32_splat(r);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    s = v128.load32_splat(r, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
    s = v128.load32_splat(r, 8);
    a2 = madd(s, u, a2);
    b2 = madd(s, v, b2);
    s = v128.load32_splat(r, 12);
    a3 = madd(s, u, a3);
    b3 = madd(s, v, b3);
    r += rs;
  }
  addToF64(g, a0);
  addToF64(g + 32, b0);
  addToF64(g + gb, a1);
  addToF64(g + gb + 32, b1);
  addToF64(g + 2 * gb, a2);
  addToF64(g + 2 * gb + 32, b2);
  addToF64(g + 3 * gb, a3);
  addToF64(g + 3 * gb + 32, b3);
}

/** Eight features, two classes, rows taken in pairs: 8 chains. */
// @ts-ignore: decorator
@inline function gradient8x2(rows: usize, count: i32, jb: usize, r: usize, rs: usize, g: usize, gb: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
  const pairs = rows + (<usize>(count & ~1) << 2);
  let p = rows;
  for (; p < pairs; p += 8) {
    const xr = <usize>load<u32>(p) + jb, xs = <usize>load<u32>(p, 4) + jb;
    const u = v128.load(xr), v = v128.load(xr, 16);
    const uu = v128.load(xs), vv = v128.load(xs, 16);
    let s = v128.load32_splat(r), t = v128.load32_splat(r + rs);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    c0 = madd(t, uu, c0);
    d0 = madd(t, vv, d0);
    s = v128.load32_splat(r, 4);
    t = v128.load32_splat(r + rs, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
    c1 = madd(t, uu, c1);
    d1 = madd(t, vv, d1);
    r += rs << 1;
  }
  if (count & 1) {
    const xr = <usize>load<u32>(p) + jb;
    const u = v128.load(xr), v = v128.load(xr, 16);
    let s = v128.load32_splat(r);
    a0 = madd(s, u, a0);
    b0 = madd(s, v, b0);
    s = v128.load32_splat(r, 4);
    a1 = madd(s, u, a1);
    b1 = madd(s, v, b1);
  }
  addToF64(g, f32x4.add(a0, c0));
  addToF64(g + 32, f32x4.add(b0, d0));
  addToF64(g + gb, f32x4.add(a1, c1));
  addToF64(g + gb + 32, f32x4.add(b1, d1));
}

// @ts-ignore: decorator
@inline function gradient8x1(rows: usize, count: i32, jb: usize, r: usize, rs: usize, g: usize): void {
  let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
  const end = rows + (<usize>count << 2);
  for (let p = rows; p < end; p += 4) {
    const xr = <usize>load<u32>(p) + jb;
    const s = v128.load32_splat(r);
    a0 = madd(s, v128.load(xr), a0);
    b0 = madd(s, v128.load(xr, 16), b0);
    r += rs;
  }
  addToF64(g, a0);
  addToF64(g + 32, b0);
}

// @ts-ignore: decorator
@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/**
 * Matrix times vectors in float64: out[q, i] = sum_j a[i, j] * x[q, j] for q < r, i < m, over
 * j in 0..n-1 (part 0), 0..i (part 1, lower triangle) or i..n-1 (part 2, upper triangle).
 * `a` is (m, n) row-major, `x` is (r, n), `out` is (r, m). Used to apply the preconditioner.
 */
export function matvecs(a: usize, x: usize, r: i32, m: i32, n: i32, part: i32, out: usize): void {
  const nb = <usize>n << 3;
  const mb = <usize>m << 3;
  for (let i = 0; i < m; i++) {
    const j0 = part == 2 ? i : 0;
    const j1 = part == 1 ? i + 1 : n;
    const ai = a + <usize>i * nb;
    let q = 0;
    for (; q + 4 <= r; q += 4) {
      const x0 = x + <usize>q * nb, x1 = x0 + nb, x2 = x1 + nb, x3 = x2 + nb;
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      let j = j0;
      let t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0;
      if (j & 1) {
        const v = load<f64>(ai + (<usize>j << 3));
        const o = <usize>j << 3;
        t0 = v * load<f64>(x0 + o); t1 = v * load<f64>(x1 + o);
        t2 = v * load<f64>(x2 + o); t3 = v * load<f64>(x3 + o);
        j++;
      }
      for (; j + 2 <= j1; j += 2) {
        const o = <usize>j << 3;
        const v = v128.load(ai + o);
        s0 = madd64(v, v128.load(x0 + o), s0);
        s1 = madd64(v, v128.load(x1 + o), s1);
        s2 = madd64(v, v128.load(x2 + o), s2);
        s3 = madd64(v, v128.load(x3 + o), s3);
      }
      if (j < j1) {
        const v = load<f64>(ai + (<usize>j << 3));
        const o = <usize>j << 3;
        t0 += v * load<f64>(x0 + o); t1 += v * load<f64>(x1 + o);
        t2 += v * load<f64>(x2 + o); t3 += v * load<f64>(x3 + o);
      }
      const oi = out + (<usize>i << 3) + <usize>q * mb;
      store<f64>(oi, t0 + f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
      store<f64>(oi + mb, t1 + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1));
      store<f64>(oi + 2 * mb, t2 + f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1));
      store<f64>(oi + 3 * mb, t3 + f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1));
    }
    for (; q < r; q++) {
      const x0 = x + <usize>q * nb;
      let s = 0.0;
      for (let j = j0; j < j1; j++) s += load<f64>(ai + (<usize>j << 3)) * load<f64>(x0 + (<usize>j << 3));
      store<f64>(out + (<usize>i << 3) + <usize>q * mb, s);
    }
  }
}

// ---------------------------------------------------------------- preconditioner algebra

/** s = sum_{t < len} a[t] * b[t] (float64, two lanes). */
// @ts-ignore: decorator
@inline function dot64(a: usize, b: usize, len: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const n = <usize>len << 3;
  let t: usize = 0;
  for (; t + 32 <= n; t += 32) {
    s0 = madd64(v128.load(a + t), v128.load(b + t), s0);
    s1 = madd64(v128.load(a + t, 16), v128.load(b + t, 16), s1);
  }
  for (; t + 16 <= n; t += 16) s0 = madd64(v128.load(a + t), v128.load(b + t), s0);
  const s = f64x2.add(s0, s1);
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (t < n) r += load<f64>(a + t) * load<f64>(b + t);
  return r;
}

/** y[t] += f * x[t] for t < len (float64). */
// @ts-ignore: decorator
@inline function axpy64(f: f64, x: usize, y: usize, len: i32): void {
  const n = <usize>len << 3;
  const fv = f64x2.splat(f);
  let t: usize = 0;
  for (; t + 16 <= n; t += 16) v128.store(y + t, madd64(fv, v128.load(x + t), v128.load(y + t)));
  if (t < n) store<f64>(y + t, load<f64>(y + t) + f * load<f64>(x + t));
}

// The three steps below work one row per call: V8 first runs a wasm function in its baseline
// tier and moves hot functions to the optimising tier between calls, so a single long call
// would run entirely in the slow tier.

/**
 * Row i of the in-place Cholesky factorisation of the symmetric positive definite (d, d)
 * row-major float64 matrix at `a` (rows 0..i-1 already factored; lower triangle read): row i of
 * L with a = L L^T. Returns 0, or 1 if the matrix is not numerically positive definite there.
 */
export function choleskyRow(a: usize, d: i32, i: i32): i32 {
  const rb = <usize>d << 3;
  const ai = a + <usize>i * rb;
  for (let j = 0; j <= i; j++) {
    const aj = a + <usize>j * rb;
    const s = load<f64>(ai + (<usize>j << 3)) - dot64(ai, aj, j);
    if (i == j) {
      if (!(s > 0)) return 1;
      store<f64>(ai + (<usize>i << 3), Math.sqrt(s));
    } else {
      store<f64>(ai + (<usize>j << 3), s / load<f64>(aj + (<usize>j << 3)));
    }
  }
  return 0;
}

/**
 * Row i of inv = L^-1 (lower triangular, (d, d) row-major, zeroed by the caller, rows 0..i-1
 * done) for L in the lower triangle of `l`: (e_i - sum_{t < i} L[i, t] inv[t, :]) / L[i, i].
 */
export function invertLowerRow(l: usize, d: i32, inv: usize, i: i32): void {
  const rb = <usize>d << 3;
  const li = l + <usize>i * rb, ri = inv + <usize>i * rb;
  for (let t = 0; t < i; t++) {
    const f = load<f64>(li + (<usize>t << 3));
    if (f != 0) axpy64(-f, inv + <usize>t * rb, ri, t + 1);
  }
  store<f64>(ri + (<usize>i << 3), load<f64>(ri + (<usize>i << 3)) + 1);
  const s = 1 / load<f64>(li + (<usize>i << 3));
  const fv = f64x2.splat(s);
  const n = <usize>(i + 1) << 3;
  let t: usize = 0;
  for (; t + 16 <= n; t += 16) v128.store(ri + t, f64x2.mul(v128.load(ri + t), fv));
  if (t < n) store<f64>(ri + t, load<f64>(ri + t) * s);
}

/**
 * Term t of m = inv^T inv for lower-triangular inv (d, d): m[i, 0..i] += inv[t, i] * inv[t, 0..i]
 * for i <= t (the lower triangle of the inverse of L L^T, accumulated into `m`, zeroed by the
 * caller, over t = 0..d-1).
 */
export function lowerGramRow(inv: usize, d: i32, m: usize, t: i32): void {
  const rb = <usize>d << 3;
  const rt = inv + <usize>t * rb;
  for (let i = 0; i <= t; i++) {
    const f = load<f64>(rt + (<usize>i << 3));
    if (f != 0) axpy64(f, rt, m + <usize>i * rb, i + 1);
  }
}

/**
 * g[c, j] += sum_i x[row_i, c] * x[row_i, j] for c >= j rounded down to a multiple of 8 (the
 * lower triangle of the Gram matrix of the block, in blocks of 8 features by 5): half the work
 * of `gradient` with r = x.
 */
export function gramLower(rows: usize, count: i32, dp: i32, xr: usize, g: usize): void {
  const gb = <usize>dp << 3;
  for (let j: usize = 0; j < <usize>dp; j += 8) {
    let c = <i32>j;
    for (; c + 5 <= dp; c += 5) {
      gradient8x5(rows, count, j << 2, xr + (<usize>c << 2), <usize>dp << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c + 4 <= dp; c += 4) {
      gradient8x4(rows, count, j << 2, xr + (<usize>c << 2), <usize>dp << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c < dp; c++) {
      gradient8x1(rows, count, j << 2, xr + (<usize>c << 2), <usize>dp << 2, g + <usize>c * gb + (j << 3));
    }
  }
}

/**
 * Loads one float of every 64-byte line of the block's rows (dp floats each): the lines of the
 * whole block are fetched with many misses in flight, before the block's passes read them.
 * The result is meaningless (returned so the loads are kept).
 */
export function touchRows(rows: usize, count: i32, dp: i32): f32 {
  let a = f32x4.splat(0), b = f32x4.splat(0);
  const rb = <usize>dp << 2;
  for (let i = 0; i < count; i++) {
    const x = <usize>load<u32>(rows + (<usize>i << 2));
    let p: usize = 0;
    for (; p + 128 <= rb; p += 128) {
      a = f32x4.add(a, v128.load32_zero(x + p));
      b = f32x4.add(b, v128.load32_zero(x + p, 64));
    }
    for (; p < rb; p += 64) a = f32x4.add(a, v128.load32_zero(x + p));
  }
  return f32x4.extract_lane(f32x4.add(a, b), 0);
}
