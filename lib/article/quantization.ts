/**
 * The article's `uniform_quantization`, ported literally (see `./mod.ts` for the article and its
 * lost operators).
 *
 * ```python
 * def uniform_quantization(weights, num_bits):
 *     quantization_range = 2 ** num_bits - 1
 *     quantized_weights = np.round(weights * quantization_range) / quantization_range
 *     return quantized_weights
 * ```
 *
 * @module
 */

/**
 * NumPy's `np.round` for 0 decimals: round half to even (`0.5 -> 0`, `1.5 -> 2`, `-2.5 -> -2`),
 * unlike `Math.round` (half up).
 *
 * @param v Any number.
 * @returns The nearest integer, ties to the even one.
 *
 * @example Ties go to even
 * ```ts
 * import { roundHalfEven } from "./quantization.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -0.3].map(roundHalfEven), [0, 2, 2, -0, -2, 2, -0]);
 * ```
 */
export function roundHalfEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v);
  const diff = v - f; // exact: the fraction bits of v
  const r = diff < 0.5 ? f : diff > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (v < 0 || Object.is(v, -0)) ? -0 : r; // NumPy keeps the sign of zero
}

/**
 * The article's "uniform quantization": `round(w * (2^numBits - 1)) / (2^numBits - 1)`, rounding
 * half to even as NumPy does. It returns floats again (no integer codes are stored, so nothing
 * gets smaller).
 *
 * Defects (measured by `tests/article/`):
 * - The values are not confined to a `numBits` grid: there is no clipping and no scale taken
 *   from the weights, so the code `round(w * 255)` of an 8-bit call is any integer (|w| = 3 gives
 *   765). Even for weights in [-1, 1] the codes span -255..255, 511 levels, which needs 9 bits.
 * - The step `1 / (2^numBits - 1)` is fixed, whatever the weights' range: weights much smaller
 *   than 1/510 all become zero, large ones keep their size.
 *
 * @param weights The weights, any shape, flattened.
 * @param numBits The "number of bits".
 * @returns A new array of floats on the grid `k / (2^numBits - 1)`, `k` any integer.
 *
 * @example An 8-bit call returns codes beyond 8 bits
 * ```ts
 * import { uniformQuantization } from "./quantization.ts";
 * import assert from "node:assert/strict";
 *
 * const q = uniformQuantization(Float64Array.from([3, -1, 0.001]), 8);
 * assert.deepEqual([...q].map((v) => Math.round(v * 255)), [765, -255, 0]);
 * ```
 */
export function uniformQuantization(weights: Float64Array, numBits: number): Float64Array {
  const quantizationRange = 2 ** numBits - 1;
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    out[i] = roundHalfEven(weights[i] * quantizationRange) / quantizationRange;
  }
  return out;
}
