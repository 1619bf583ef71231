/**
 * How sparse a model is: overall, per class (output row) and per feature (column).
 *
 * @module
 */

import { validateModel } from "../model/validate_model.ts";
import type { LogisticModel } from "../model/types.ts";

/** Zeros in one output row of the weights. */
export interface RowSparsity {
  /** The class this row scores (for sigmoid: `classes[1]`, scored against `classes[0]`). */
  readonly label: string;
  /** Weights in the row (= number of features). */
  readonly weights: number;
  /** Weights exactly zero. */
  readonly zeros: number;
  /** `zeros / weights`. */
  readonly sparsity: number;
}

/** The sparsity of a model. */
export interface SparsityReport {
  /** Number of weights, `nOutputs * nFeatures` (the bias is not counted). */
  readonly weights: number;
  /** Weights exactly zero (whether masked or not). */
  readonly zeros: number;
  /** `zeros / weights`. */
  readonly sparsity: number;
  /** Weights the mask removes (0 without a mask). */
  readonly masked: number;
  /** Zero weights the mask keeps (trainable zeros, e.g. from an L1 penalty or a tie). */
  readonly unmaskedZeros: number;
  /** One entry per output row. */
  readonly perClass: readonly RowSparsity[];
  /** Per feature: how many output rows use it (non-zero weights in its column). */
  readonly featureUse: Int32Array;
  /** Indices of the features no output uses (all-zero columns), ascending. */
  readonly unusedFeatures: Int32Array;
}

/**
 * Counts a model's zero weights overall, per class and per feature.
 *
 * @param model The model.
 * @returns The report.
 * @throws {TypeError} If the model is malformed.
 *
 * @example A pruned model
 * ```ts
 * import { sparsityReport } from "./report.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "softmax",
 *   weights: { data: Float64Array.from([0, 2, 0, 0, 1, 0]), rows: 2, cols: 3 },
 *   bias: new Float64Array(2), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" }, mask: Uint8Array.from([0, 1, 0, 0, 1, 1]),
 * };
 * const r = sparsityReport(model);
 * assert.equal(r.sparsity, 4 / 6);
 * assert.equal(r.masked, 3);
 * assert.equal(r.unmaskedZeros, 1);
 * assert.deepEqual([...r.featureUse], [0, 2, 0]);
 * assert.deepEqual([...r.unusedFeatures], [0, 2]);
 * ```
 */
export function sparsityReport(model: LogisticModel): SparsityReport {
  validateModel(model, "report sparsity");
  const { rows: k, cols: d, data: w } = model.weights;
  const mask = model.mask;
  const featureUse = new Int32Array(d);
  const perClass: RowSparsity[] = [];
  let zeros = 0, masked = 0;
  for (let c = 0; c < k; c++) {
    let rowZeros = 0;
    for (let j = 0; j < d; j++) {
      const i = c * d + j;
      if (w[i] === 0) rowZeros++;
      else featureUse[j]++;
      if (mask && mask[i] === 0) masked++;
    }
    zeros += rowZeros;
    perClass.push({
      label: model.link === "sigmoid" ? model.classes[1] : model.classes[c],
      weights: d,
      zeros: rowZeros,
      sparsity: rowZeros / d,
    });
  }
  const unused: number[] = [];
  for (let j = 0; j < d; j++) if (featureUse[j] === 0) unused.push(j);
  return {
    weights: w.length,
    zeros,
    sparsity: zeros / w.length,
    masked,
    unmaskedZeros: zeros - masked,
    perClass,
    featureUse,
    unusedFeatures: Int32Array.from(unused),
  };
}
