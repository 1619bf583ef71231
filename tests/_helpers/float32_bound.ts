/**
 * The error bound that float32 inference kernels are held to against a float64 reference.
 *
 * A kernel rounds each weight and input to float32 (relative error u = 2^-24 each), multiplies
 * and adds in float32 accumulators of at most `t` terms each (one rounding per fused
 * multiply-add), then adds the accumulators' lanes, the remainder terms and the bias (a few
 * roundings more). Each rounding moves a partial sum by at most u times its magnitude, which is
 * at most `sum_j |w_j x_j| + |b|`, so
 * `|kernel - reference| <= (t + extra) * u * (sum_j |w_j x_j| + |b|)`
 * with `extra` = 8 covering the input and weight roundings, the lane and remainder sums and the
 * bias (more where a kernel rounds once more, e.g. a per-feature input scale). `t` is
 * `ceil(d / 4)` for the dense kernel (four lanes per score), and at most `d` for any kernel.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/**
 * `sum_j |w[c][j] x[i][col(j)]| + |b[c]|` for every row and output.
 *
 * @param weights Effective weights `(k, d)` (preprocessing folded).
 * @param bias Effective bias `(k)`.
 * @param x Inputs.
 * @param columns Input column of each feature (identity if absent).
 * @returns Magnitudes `(n, k)`.
 */
export function magnitudes(
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  x: Matrix,
  columns?: ArrayLike<number>,
): Float64Array {
  const k = bias.length, d = weights.length / k, n = x.rows;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let m = Math.abs(bias[c]);
      for (let j = 0; j < d; j++) {
        m += Math.abs(weights[c * d + j] * x.data[i * x.cols + (columns ? columns[j] : j)]);
      }
      out[i * k + c] = m;
    }
  }
  return out;
}

/**
 * Asserts `|got - want| <= (terms + extra) u mag` element-wise.
 *
 * @param got Kernel scores.
 * @param want Reference scores.
 * @param mag Magnitudes from {@linkcode magnitudes}.
 * @param terms Terms one float32 accumulator adds (`t` above).
 * @param label Message prefix.
 * @param extra Extra roundings.
 */
export function assertWithinFloat32(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  mag: ArrayLike<number>,
  terms: number,
  label: string,
  extra = 8,
): void {
  assert.equal(got.length, want.length, `${label}: lengths`);
  const factor = (terms + extra) * U32;
  for (let i = 0; i < got.length; i++) {
    const allowed = factor * mag[i];
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= allowed)) {
      assert.fail(`${label} element ${i}: ${got[i]} vs ${want[i]} (off by ${diff} > ${allowed})`);
    }
  }
}
