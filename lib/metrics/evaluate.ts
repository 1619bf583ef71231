/**
 * All metrics of a model on one data set, in one call.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { classesFromScores, decisionFunction, probabilitiesFromScores } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { assertLabels } from "../core/validate.ts";
import { accuracy, confusionMatrix, logLoss, macroF1FromConfusion, rocAuc } from "./metrics.ts";

/** Metrics of a model on a data set. */
export interface Evaluation {
  /** Number of samples. */
  readonly samples: number;
  /** Fraction classified right. */
  readonly accuracy: number;
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
 * @returns Accuracy, log loss, macro F1, ROC AUC (binary), confusion matrix.
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
  let auc: number | null = null;
  if (nc === 2 && new Set(y).size === 2) {
    // Ranked by the log-odds of classes[1], not its probability: a probability rounds to 1 from
    // a score of about 37, which would tie every sample the model is that sure of.
    const s = new Float64Array(x.rows);
    const k = scores.cols, z = scores.data;
    for (let i = 0; i < x.rows; i++) s[i] = k === 1 ? z[i] : z[2 * i + 1] - z[2 * i];
    auc = rocAuc(y, s);
  }
  const confusion = confusionMatrix(y, predicted, nc);
  return {
    samples: x.rows,
    accuracy: accuracy(y, predicted),
    logLoss: logLoss(y, proba),
    macroF1: macroF1FromConfusion(confusion),
    rocAuc: auc,
    confusion,
  };
}
