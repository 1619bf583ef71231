/**
 * The article's `l1_regularization_pruning`, ported literally (see `./mod.ts` for the article
 * and its lost operators).
 *
 * ```python
 * def l1_regularization_pruning(weights, alpha):
 *     l1_norm = np.sum(np.abs(weights))
 *     pruned_weights = weights - alpha * np.sign(weights)
 *     return pruned_weights
 * ```
 *
 * @module
 */

import { assertInRange, assertNumbers } from "../core/validate.ts";

/**
 * The article's "L1 regularisation pruning": `weights - alpha * sign(weights)`, element-wise.
 *
 * Defects (measured by `tests/article/`):
 * - It produces no exact zeros: every non-zero weight moves by exactly `alpha`, and one smaller
 *   than `alpha` in magnitude crosses zero and changes sign (`0.004 -> -0.006` for `alpha =
 *   0.01`) instead of stopping at zero. Only a weight of magnitude exactly `alpha` (or already
 *   zero) ends at zero, so the "pruned" array has as many non-zeros and bytes as before. The
 *   proximal L1 step that does prune is `sign(w) * max(|w| - alpha, 0)` (`softThresholdModel`).
 * - `l1_norm` is computed and never used (kept here, as in the article).
 *
 * `sign` is NumPy's: `np.sign(-0.0)` is `0.0`, so a weight of `-0` stays `-0`, as in NumPy.
 *
 * @param weights The weights, any shape, flattened (a plain array of numbers or another typed
 *   array is read as well, in float64 as NumPy computes a float64 array; NumPy computes a
 *   float32 array in float32, which can differ: 0.3 - 0.01 is 0.29000002 there, 0.29000001
 *   here).
 * @param alpha The "pruning strength", a finite number (NaN made every weight NaN, and an
 *   infinite one turned the zeros into NaN, `0 * Infinity`).
 * @returns A new array; `weights` is not changed.
 * @throws {TypeError} If `weights` is not an array of numbers.
 * @throws {RangeError} If `alpha` is not a finite number.
 *
 * @example Small weights flip sign instead of becoming zero
 * ```ts
 * import { l1RegularizationPruning } from "./pruning.ts";
 * import assert from "node:assert/strict";
 *
 * const out = l1RegularizationPruning(Float64Array.from([0.5, 0.004, -0.004, 0]), 0.01);
 * assert.deepEqual([...out], [0.5 - 0.01, 0.004 - 0.01, -0.004 + 0.01, 0]);
 * ```
 */
export function l1RegularizationPruning(weights: Float64Array, alpha: number): Float64Array {
  const action = "prune as the article does";
  assertNumbers(action, "weights", weights);
  assertInRange(action, "alpha", alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  let l1Norm = 0; // l1_norm = np.sum(np.abs(weights)): computed, unused
  for (let i = 0; i < weights.length; i++) l1Norm += Math.abs(weights[i]);
  void l1Norm;
  const pruned = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) pruned[i] = weights[i] - alpha * npSign(weights[i]);
  return pruned;
}

/** `np.sign`: 1, -1, NaN for NaN, and `0` for both zeros (`Math.sign(-0)` is `-0`). */
function npSign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
}
