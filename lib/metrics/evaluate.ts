/**
 * All metrics of a model on one data set, in one call.
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import type { Matrix } from "../core/matrix.ts";
import type { CsrMatrix } from "../core/sparse.ts";
import { classesFromScores, decisionFunction, probabilitiesFromScores } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { assertLabels, assertMatrix, checkOptionKeys, exactKeys } from "../core/validate.ts";
import {
  accuracy,
  balancedAccuracyFromConfusion,
  confusionMatrix,
  logLoss,
  macroF1FromConfusion,
  rocAuc,
} from "./metrics.ts";
import { binaryLogOdds, checkSampleWeight, weightedRocAuc, WeightedSums } from "./weighted.ts";

/** Metrics of a model on a data set. */
export interface Evaluation {
  /** Number of samples (rows, whatever their weights). */
  readonly samples: number;
  /** Fraction classified right (with `sampleWeight`: the share of the weight). */
  readonly accuracy: number;
  /**
   * The mean over the classes that label some samples of each class's recall (the share of its
   * samples predicted as it), from `confusion`: as scikit-learn's `balanced_accuracy_score`, what
   * a budget of metric `"balanced-accuracy"` holds to. A rare class counts as much as a common
   * one: a model that never predicts the positives of 3 % of the samples has accuracy 97 % and
   * balanced accuracy 50 %.
   */
  readonly balancedAccuracy: number;
  /** Mean log loss (with `sampleWeight`: the weighted mean). */
  readonly logLoss: number;
  /** Macro-averaged F1. */
  readonly macroF1: number;
  /**
   * ROC AUC of `classes[1]`, ranked by its score (log-odds), which orders the samples as its
   * probability does without rounding to ties (binary models with both classes present; `null`
   * otherwise).
   */
  readonly rocAuc: number | null;
  /** `confusion[true][predicted]` counts (with `sampleWeight`: the sums of the rows' weights). */
  readonly confusion: number[][];
}

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /**
   * One weight per sample, finite and >= 0, not all 0 (e.g. survey or importance weights, or
   * what `fit` was given): every metric weighs each sample by it, as scikit-learn's metrics with
   * `sample_weight` do. The confusion matrix holds the weights' sums (accuracy, balanced
   * accuracy and macro F1 are read from it), the log loss is the weighted mean, and the ROC AUC
   * the weighted Mann-Whitney statistic (the weight products of the (positive, negative) pairs
   * the positive ranks above, ties one half, over all pairs'). An integer weight counts as that
   * many copies of the sample; a weight of 0 as no sample (so a class that labels only samples
   * of weight 0 is left out of balanced accuracy, macro F1 and ROC AUC, where scikit-learn still
   * averages its macro F1 of 0). `samples` stays the number of samples.
   * @default {every sample weighs 1 (unweighted)}
   */
  readonly sampleWeight?: ArrayLike<number>;
}

const EVALUATE_KEYS = exactKeys<EvaluateOptions>()({ sampleWeight: true });

/**
 * Evaluates a model on raw data.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`, dense or CSR (scored as
 *   `decisionFunction` scores them).
 * @param y True class indices, shape `(nSamples)`.
 * @param options `sampleWeight`: one weight per sample, to weigh every metric by.
 * @returns Accuracy, balanced accuracy, log loss, macro F1, ROC AUC (binary), confusion matrix.
 * @throws {TypeError} If the shapes disagree with each other or with the model, an option is
 *   unknown, or `sampleWeight` does not hold one number per sample.
 * @throws {RangeError} If there are no samples, a label is out of range, the model or `x`
 *   holds NaN or Infinity, or a weight is negative or not finite (named by its row) or every
 *   weight is 0.
 *
 * @example Weighted as scikit-learn's metrics with `sample_weight`
 * ```ts
 * import { evaluate } from "./evaluate.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * // One feature, predicted class 1 when it is above 0.
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid", classes: ["no", "yes"],
 *   featureNames: ["f"], weights: { data: Float64Array.of(1), rows: 1, cols: 1 },
 *   bias: Float64Array.of(0), preprocessing: { kind: "none" },
 * };
 * const x = { data: Float64Array.of(-2, -1, 1, 3), rows: 4, cols: 1 };
 * const y = Int32Array.of(0, 1, 0, 1); // rows 1 and 2 are misclassified
 * assert.equal(evaluate(model, x, y).accuracy, 0.5);
 * const weighted = evaluate(model, x, y, { sampleWeight: [3, 1, 1, 3] });
 * assert.equal(weighted.accuracy, 6 / 8);
 * assert.deepEqual(weighted.confusion, [[3, 1], [1, 3]]);
 * assert.equal(weighted.rocAuc, (3 * 3 + 3 * 1 + 1 * 3) / (4 * 4));
 * ```
 */
export function evaluate(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  y: Int32Array,
  options: EvaluateOptions = {},
): Evaluation {
  checkOptionKeys("evaluate model", options, EVALUATE_KEYS);
  const scores = decisionFunction(model, x);
  if (x.rows === 0) throw new RangeError("Cannot evaluate model: there are no samples");
  assertLabels("evaluate model", y, x.rows, model.classes.length);
  const proba = probabilitiesFromScores(model, scores);
  const predicted = classesFromScores(scores, scoreCutoff(model));
  const nc = model.classes.length;
  if (options.sampleWeight !== undefined) {
    const w = checkSampleWeight("evaluate model", options.sampleWeight, x.rows);
    const sums = new WeightedSums(nc);
    for (let i = 0; i < x.rows; i++) {
      sums.add(y[i], predicted[i], proba.data[i * nc + y[i]], w[i]);
    }
    return {
      samples: x.rows,
      ...sums.metrics(nc === 2 ? weightedRocAuc(y, binaryLogOdds(scores), w) : null),
    };
  }
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
