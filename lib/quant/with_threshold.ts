/**
 * Setting or removing the decision threshold of a binary model, float or quantized.
 *
 * @module
 */

import { describe } from "../core/validate.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import type { QuantizedModel } from "./types.ts";
import { validateQuantizedModel } from "./validate.ts";

const ACTION = "set the decision threshold";

/**
 * A copy of a binary model that labels a row `classes[1]` when the probability of `classes[1]`
 * is above `threshold` (its score `s > logit(threshold)`; a tie at the cutoff goes to
 * `classes[0]`), instead of above 0.5. The threshold travels with the model: JSON, the `.lrc`
 * file, ONNX export, pruning, quantization and every predictor use it. Probabilities do not
 * change. The input is not modified; the arrays are shared with it.
 *
 * @param model A binary (`"sigmoid"`) float or quantized model.
 * @param threshold A probability strictly between 0 and 1, or `null` to remove the threshold
 *   (labels then follow 0.5, exactly as a model that never had one).
 * @returns The model with the threshold set (or without one).
 * @throws {TypeError} If the model is malformed, is not binary (softmax), or `threshold` is not a
 *   number or `null`.
 * @throws {RangeError} If `threshold` is NaN or not strictly between 0 and 1.
 *
 * @example Labels move, probabilities do not
 * ```ts
 * import { withThreshold } from "./with_threshold.ts";
 * import { predict, predictProba } from "../model/predict.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
 *   bias: Float64Array.from([0]), classes: ["ham", "spam"], featureNames: ["x"],
 *   preprocessing: { kind: "none" },
 * };
 * const x = { data: Float64Array.from([-1, 0.5, 1.5, 3]), rows: 4, cols: 1 };
 * const strict = withThreshold(model, 0.9); // spam only when P(spam) > 0.9
 * assert.deepEqual([...predict(model, x)], [0, 1, 1, 1]);
 * assert.deepEqual([...predict(strict, x)], [0, 0, 0, 1]);
 * assert.deepEqual(predictProba(strict, x), predictProba(model, x));
 * assert.equal("threshold" in withThreshold(strict, null), false);
 * ```
 */
export function withThreshold<M extends LogisticModel | QuantizedModel>(
  model: M,
  threshold: number | null,
): M {
  if (
    model !== null && typeof model === "object" && model.kind === "quantized-logistic-regression"
  ) {
    validateQuantizedModel(model as QuantizedModel, ACTION);
  } else {
    validateModel(model as LogisticModel, ACTION);
  }
  if (threshold !== null && typeof threshold !== "number") {
    throw new TypeError(
      `Cannot ${ACTION}: threshold must be a number or null, got ${describe(threshold)}`,
    );
  }
  const { threshold: _old, ...rest } = model;
  if (threshold === null) return rest as M;
  const out = { ...rest, threshold } as M;
  if (out.kind === "quantized-logistic-regression") {
    validateQuantizedModel(out as QuantizedModel, ACTION);
  } else {
    validateModel(out as LogisticModel, ACTION);
  }
  return out;
}
