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

/** Writes the address of each row of the block: `x + row * dp * 4`, row from `idx` or `start + i`. */
export function rowAddresses(x: usize, idx: usize, start: i32, count: i32, dp: i32, rows: usize): void {
  const rb = <usize>dp << 2;
  for (let i = 0; i < count; i++) {
    const row = idx != 0 ? load<i32>(idx + (<usize>(start + i) << 2)) : start + i;
    store<u32>(rows + (<usize>i << 2), <u32>(x + <usize>row * rb));
  }
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
    for (; c + 4 <= k; c += 4) scores2x4(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
    for (; c < k; c++) scores2x1(x0, x1, w + <usize>c * rb, rb, z0 + (<usize>c << 3), z1 + (<usize>c << 3));
  }
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
    for (; c + 4 <= k; c += 4) {
      gradient8x4(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3), gb);
    }
    for (; c < k; c++) {
      gradient8x1(rows, count, j << 2, r + (<usize>c << 2), <usize>k << 2, g + <usize>c * gb + (j << 3));
    }
  }
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
