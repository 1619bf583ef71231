/**
 * Random sparse data for the CSR tests: dense matrices with a given share of zeros, made from a
 * seeded generator so that every run sees the same data.
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";

/**
 * A dense matrix of which about `density` of the elements are drawn from `N(offset, scale²)`
 * (rounded to float32 for `"float32"`) and the rest are exactly 0.
 *
 * @param rows Rows.
 * @param cols Columns.
 * @param options Density, seed, storage, and the mean and spread of the non-zeros.
 * @returns The matrix.
 */
export function randomSparseDense(
  rows: number,
  cols: number,
  options: {
    density?: number;
    seed?: number;
    dtype?: "float32" | "float64";
    offset?: number;
    scale?: number;
  } = {},
): Matrix {
  const { density = 0.2, seed = 1, dtype = "float64", offset = 0, scale = 1 } = options;
  const prng = createPrng(seed);
  const data = dtype === "float32" ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    if (prng() < density) {
      const v = offset + scale * randomNormal(prng);
      data[i] = v === 0 ? 1 : v;
    }
  }
  return { data, rows, cols };
}
