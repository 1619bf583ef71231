/**
 * Row weights for the weighted-training tests, whose oracle is repetition: integer weights must
 * train and score as the data with each row repeated that many times.
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";

/**
 * Integer weights 0..3 (some rows 0, row 0 weighs 2), from a linear congruential generator
 * independent of the library's.
 *
 * @param n Rows.
 * @param seed The generator's seed.
 * @returns The weights.
 */
export function integerWeights(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i === 0 ? 2 : Math.floor((s / 2 ** 32) * 4);
  });
}

/**
 * Each row repeated `s[i]` times (float64).
 *
 * @param x Features.
 * @param y Class indices.
 * @param s Integer weights, one per row.
 * @returns The repeated rows and their labels.
 */
export function repeatRows(
  x: Matrix,
  y: Int32Array,
  s: ArrayLike<number>,
): { x: Matrix<Float64Array>; y: Int32Array } {
  const d = x.cols, rows: number[] = [];
  for (let i = 0; i < x.rows; i++) for (let t = 0; t < s[i]; t++) rows.push(i);
  const data = new Float64Array(rows.length * d);
  rows.forEach((i, p) => data.set(x.data.subarray(i * d, (i + 1) * d), p * d));
  return { x: { data, rows: rows.length, cols: d }, y: Int32Array.from(rows, (i) => y[i]) };
}
