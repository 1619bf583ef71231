/**
 * The decision threshold a binary model may carry: the probability of `classes[1]` above which
 * a row is labelled `classes[1]`, stored with the model so that every runtime labels rows alike.
 *
 * @module
 */

import { describe } from "../core/validate.ts";
import type { Link } from "./types.ts";

/**
 * Checks a decision threshold: a number strictly between 0 and 1, held by a sigmoid (binary)
 * model only.
 *
 * @param action What the caller was doing, for messages ("Cannot <action>: ...").
 * @param link The model's link.
 * @param threshold The threshold (`undefined`: none, which passes).
 * @throws {TypeError} If the threshold is not a number, or the model is not binary.
 * @throws {RangeError} If it is NaN or not strictly between 0 and 1.
 */
export function checkThreshold(action: string, link: Link, threshold: unknown): void {
  if (threshold === undefined) return;
  if (typeof threshold !== "number") {
    throw new TypeError(`Cannot ${action}: threshold must be a number, got ${describe(threshold)}`);
  }
  if (link !== "sigmoid") {
    throw new TypeError(
      `Cannot ${action}: a decision threshold needs a binary (sigmoid) model, this one is ` +
        `${link} (it labels a row by its largest score)`,
    );
  }
  if (threshold !== threshold) {
    throw new RangeError(`Cannot ${action}: threshold is NaN`);
  }
  if (!(threshold > 0 && threshold < 1)) {
    throw new RangeError(
      `Cannot ${action}: threshold must be a probability strictly between 0 and 1, got ${threshold}`,
    );
  }
}

/**
 * The score above which a binary model labels a row `classes[1]`: 0 without a threshold (no
 * logarithm is taken, so such a model labels exactly as `score > 0`), else
 * `logit(threshold) = Math.log(t / (1 - t))`. A score equal to the cutoff goes to `classes[0]`.
 *
 * @param model A (checked) model, float, quantized, sparse or integer.
 * @returns The score cutoff.
 *
 * @example
 * ```ts
 * import { scoreCutoff } from "./decision_threshold.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(scoreCutoff({}), 0);
 * assert.equal(scoreCutoff({ threshold: 0.5 }), 0);
 * assert.ok(Math.abs(scoreCutoff({ threshold: 0.9 }) - Math.log(9)) < 1e-15);
 * ```
 */
export function scoreCutoff(model: { readonly threshold?: number }): number {
  const t = model.threshold;
  return t === undefined ? 0 : logit(t);
}

/**
 * The score cutoff of a threshold `t` in (0, 1), `Math.log(t / (1 - t))`: the one formula the
 * predictors, the ONNX export and `chooseThreshold` share, so that they label alike to the bit
 * (`1 - t` is exact above 1/2 and `t / (1 - t)` is `t` to within rounding below it, so it is
 * accurate near both ends).
 *
 * @param t The threshold.
 * @returns `logit(t)`.
 */
export function logit(t: number): number {
  return Math.log(t / (1 - t));
}

/**
 * The threshold field of a model derived from `model`: `{ threshold }` when it has one, `{}`
 * otherwise (so that a model without one keeps no `threshold` key). Spread it into a new model.
 *
 * @param model The model the new one is derived from.
 * @returns `{ threshold }` or `{}`.
 */
export function thresholdOf(
  model: { readonly threshold?: number },
): { readonly threshold?: number } {
  return model.threshold === undefined ? {} : { threshold: model.threshold };
}
