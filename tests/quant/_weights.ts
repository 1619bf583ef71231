/**
 * Seeded weight matrices for quantization tests: rows of different spread, a few outliers,
 * some exact zeros (as after L2 training on always-zero pixels).
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";

/**
 * A `(rows, cols)` weight matrix: row `i` is normal with spread `0.05 * 2^(i % 4)`, about 1 % of
 * entries are 6-sigma outliers and about 2 % exact zeros.
 *
 * @param seed Seed.
 * @param rows Rows.
 * @param cols Columns.
 * @returns The matrix.
 */
export function randomWeights(seed: number, rows = 6, cols = 200): Matrix<Float64Array> {
  const prng = createPrng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const spread = 0.05 * 2 ** (i % 4);
    for (let j = 0; j < cols; j++) {
      const u = prng();
      let v = randomNormal(prng) * spread;
      if (u < 0.01) v = (prng() < 0.5 ? -6 : 6) * spread;
      else if (u < 0.03) v = 0;
      data[i * cols + j] = v;
    }
  }
  return { data, rows, cols };
}

/** Sum of squared differences. */
export function sse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}
