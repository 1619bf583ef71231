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

import { assertInRange, assertNumbers } from "../core/validate.ts";
// NumPy's `np.round` rounds half to even, as the quantization module does.
import { roundHalfEven } from "../quant/float16.ts";

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
 * @param weights The weights, any shape, flattened (a plain array of numbers or another typed
 *   array is read as well, in float64 as NumPy computes a float64 array; NumPy computes a
 *   float32 array in float32, which can differ: 0.3 x 255 is 76.5 there, 76.500003 here).
 * @param numBits The "number of bits", an integer in 1..30 (the range `articleGridReport`
 *   measures). NumPy would take any: 0 bits divides 0 by 0 and gives NaN everywhere, a negative or
 *   fractional count a grid that no bit count names.
 * @returns A new array of floats on the grid `k / (2^numBits - 1)`, `k` any integer.
 * @throws {TypeError} If `weights` is not an array of numbers.
 * @throws {RangeError} If `numBits` is not an integer in 1..30.
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
  const action = "quantize with the article's grid";
  assertNumbers(action, "weights", weights);
  assertInRange(action, "numBits", numBits, 1, 30, true);
  const quantizationRange = 2 ** numBits - 1;
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    out[i] = roundHalfEven(weights[i] * quantizationRange) / quantizationRange;
  }
  return out;
}
