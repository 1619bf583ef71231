/**
 * All metrics of a model on one data set, in one call.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { classesFromScores, decisionFunction, probabilitiesFromScores } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { assertLabels, assertMatrix } from "../core/validate.ts";
import {
  accuracy,
  balancedAccuracyFromConfusion,
  confusionMatrix,
  logLoss,
  macroF1FromConfusion,
  rocAuc,
} from "./metrics.ts";

/** Metrics of a model on a data set. */
export interface Evaluation {
  /** Number of samples. */
  readonly samples: number;
  /** Fraction classified right. */
  readonly accuracy: number;
  /**
   * The mean over the classes that label some samples of each class's recall (the share of its
   * samples predicted as it), from `confusion`: as scikit-learn's `balanced_accuracy_score`, what
   * a budget of metric `"balanced-accuracy"` holds to. A rare class counts as much as a common
   * one: a model that never predicts the positives of 3 % of the samples has accuracy 97 % and
   * balanced accuracy 50 %.
   */
  readonly balancedAccuracy: number;
  /** Mean log loss. */
  readonly logLoss: number;
  /** Macro-averaged F1. */
  readonly macroF1: number;
  /**
   * ROC AUC of `classes[1]`, ranked by its score (log-odds), which orders the samples as its
   * probability does without rounding to ties (binary models with both classes present; `null`
   * otherwise).
   */
  readonly rocAuc: number | null;
  /** `confusion[true][predicted]` counts. */
  readonly confusion: number[][];
}

/**
 * Evaluates a model on raw data.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param y True class indices, shape `(nSamples)`.
 * @returns Accuracy, balanced accuracy, log loss, macro F1, ROC AUC (binary), confusion matrix.
 * @throws {TypeError} If the shapes disagree with each other or with the model.
 * @throws {RangeError} If there are no samples, a label is out of range, or the model or `x`
 *   holds NaN or Infinity.
 */
export function evaluate(model: LogisticModel, x: Matrix, y: Int32Array): Evaluation {
  const scores = decisionFunction(model, x);
  if (x.rows === 0) throw new RangeError("Cannot evaluate model: there are no samples");
  assertLabels("evaluate model", y, x.rows, model.classes.length);
  const proba = probabilitiesFromScores(model, scores);
  const predicted = classesFromScores(scores);
  const nc = model.classes.length;
  const auc = nc === 2 ? binaryRocAuc(scores, y) : null;
  const confusion = confusionMatrix(y, predicted, nc);
  return {
    samples: x.rows,
    accuracy: accuracy(y, predicted),
    balancedAccuracy: balancedAccuracyFromConfusion(confusion),
    logLoss: logLoss(y, proba),
    macroF1: macroF1FromConfusion(confusion),
    rocAuc: auc,
    confusion,
  };
}

/**
 * ROC AUC of `classes[1]` of a binary model from its decision scores, ranked by that class's
 * log-odds (the one column of a sigmoid model; the second column less the first of a two-class
 * softmax), which orders the samples as its probability does without rounding to ties: a
 * probability rounds to 1 from a score of about 37, which would tie every sample the model is
 * that sure of. Commands that score with another kernel (a quantized or integer-only model) pass
 * that kernel's scores.
 *
 * @param scores Decision scores, shape `(nSamples, 1)` or `(nSamples, 2)`.
 * @param y True class indices, 0 or 1, shape `(nSamples)`.
 * @returns The AUC, or `null` when the scores have more than two columns (more than two classes)
 *   or `y` holds one class only.
 * @throws {TypeError} If `scores` is not a matrix (float storage of `rows * cols` elements), has
 *   no column, or `y`'s length differs from its rows.
 * @throws {RangeError} If a label is not 0 or 1, or a score is NaN.
 *
 * @example A sigmoid model's scores
 * ```ts
 * import { binaryRocAuc } from "./evaluate.ts";
 * import assert from "node:assert/strict";
 *
 * const scores = { data: Float64Array.of(-2, 0.5, 0.1, 3), rows: 4, cols: 1 };
 * assert.equal(binaryRocAuc(scores, Int32Array.of(0, 0, 1, 1)), 0.75);
 * assert.equal(binaryRocAuc(scores, Int32Array.of(1, 1, 1, 1)), null);
 * ```
 */
export function binaryRocAuc(scores: Matrix, y: ArrayLike<number>): number | null {
  // A short or misshapen matrix would read as NaN scores (undefined elements) and be refused as
  // such: say what is wrong with it instead.
  assertMatrix("compute ROC AUC", "scores", scores);
  if (scores.cols === 0) {
    throw new TypeError(
      `Cannot compute ROC AUC: scores has no column (${scores.rows} x 0); a binary model's ` +
        "decision scores have 1 or 2",
    );
  }
  const k = scores.cols, n = scores.rows, z = scores.data;
  if (k > 2) return null;
  assertLabels("compute ROC AUC", y, n, 2, { name: "y", against: "scores" });
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  if (positives === 0 || positives === n) return null;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = k === 1 ? z[i] : z[2 * i + 1] - z[2 * i];
  return rocAuc(y, s);
}
