/**
 * The fitted model as plain data, and the options that describe its training objective.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { Preprocessing } from "../data/preprocess.ts";

/** Version of the {@linkcode LogisticModel} data layout; bumped on incompatible changes. */
export const MODEL_VERSION = 1;

/** `"sigmoid"`: binary, one output row; `"softmax"`: multinomial, one row per class. */
export type Link = "sigmoid" | "softmax";

/**
 * A fitted logistic-regression model. Plain data: it serialises to JSON and back identically
 * (see `modelToJson`) and compares with `assert.deepEqual`.
 *
 * Scores are `z = W · preprocess(x) + b`; with `link: "sigmoid"` there is one output row, the
 * score of `classes[1]` against `classes[0]` (as in scikit-learn); with `"softmax"` one row per
 * class.
 */
export interface LogisticModel {
  /** Tag of the data layout. */
  readonly kind: "logistic-regression";
  /** {@linkcode MODEL_VERSION} at the time the model was made. */
  readonly version: typeof MODEL_VERSION;
  /** The link function. */
  readonly link: Link;
  /** Weights, shape `(nOutputs, nFeatures)`: `nOutputs` is 1 for sigmoid, `nClasses` else. */
  readonly weights: Matrix<Float64Array>;
  /** Bias (intercept), shape `(nOutputs)`. */
  readonly bias: Float64Array;
  /** Class labels: class index `c` means `classes[c]`. */
  readonly classes: readonly string[];
  /** Names of the input features, one per column of the raw data. */
  readonly featureNames: readonly string[];
  /** What is done to raw inputs before the linear map. */
  readonly preprocessing: Preprocessing;
  /**
   * Pruning mask, shape `(nOutputs * nFeatures)` row-major like the weights: 1 keeps a weight,
   * 0 removes it (its weight is then exactly 0). Absent for a dense model.
   */
  readonly mask?: Uint8Array;
  /**
   * Decision threshold of a binary (`"sigmoid"`) model: the probability of `classes[1]` above
   * which a row is labelled `classes[1]`, finite and strictly between 0 and 1. A row is labelled
   * `classes[1]` iff its score `s > logit(threshold)` (a tie at the cutoff goes to `classes[0]`);
   * probabilities do not depend on it. Absent: 0.5, i.e. `s > 0`. Set it with `withThreshold`.
   */
  readonly threshold?: number;
}

/**
 * The penalty added to the mean log loss:
 * `lambda * ((1 - l1Ratio) / 2 * ||W||² + l1Ratio * ||W||₁)`, bias not penalised.
 * scikit-learn's `C` corresponds to `lambda = 1 / (C * nSamples)`.
 */
export type Penalty =
  | { readonly kind: "none" }
  | { readonly kind: "l2"; readonly lambda: number }
  | { readonly kind: "l1"; readonly lambda: number }
  | { readonly kind: "elasticnet"; readonly lambda: number; readonly l1Ratio: number };

/**
 * The L2 and L1 strengths of a penalty.
 *
 * @param penalty The penalty.
 * @returns `l2` multiplies `||W||² / 2`, `l1` multiplies `||W||₁`.
 */
export function penaltyStrengths(penalty: Penalty): { l2: number; l1: number } {
  switch (penalty.kind) {
    case "none":
      return { l2: 0, l1: 0 };
    case "l2":
      return { l2: penalty.lambda, l1: 0 };
    case "l1":
      return { l2: 0, l1: penalty.lambda };
    case "elasticnet":
      return { l2: penalty.lambda * (1 - penalty.l1Ratio), l1: penalty.lambda * penalty.l1Ratio };
  }
}

/**
 * Number of output rows of a model with `nClasses` classes and the given link.
 *
 * @param link The link.
 * @param nClasses Number of classes.
 * @returns 1 for sigmoid, `nClasses` for softmax.
 */
export function outputCount(link: Link, nClasses: number): number {
  return link === "sigmoid" ? 1 : nClasses;
}
