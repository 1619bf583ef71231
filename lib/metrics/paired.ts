/**
 * The accuracy difference of two classifiers on the same samples, with its paired standard
 * error: how much of "model B is 0.3 points below model A" a test set of this size can tell.
 *
 * @module
 */

import { assertLabels } from "../core/validate.ts";

/** Predictions of two classifiers on the same samples. */
export interface PredictionPair {
  /** Predicted class indices of the reference model, shape `(nSamples)`. */
  readonly baseline: ArrayLike<number>;
  /** Predicted class indices of the model compared with it, shape `(nSamples)`. */
  readonly candidate: ArrayLike<number>;
}

/** The paired comparison of two classifiers' accuracies. */
export interface PairedDifference {
  /** Number of samples. */
  readonly samples: number;
  /** Accuracy of the baseline, in [0, 1]. */
  readonly baselineAccuracy: number;
  /** Accuracy of the candidate, in [0, 1]. */
  readonly candidateAccuracy: number;
  /** `candidateAccuracy - baselineAccuracy` (negative: the candidate is worse). */
  readonly difference: number;
  /**
   * Standard error of `difference`: the standard deviation of the per-sample difference
   * (`+1` where only the candidate is right, `-1` where only the baseline is, else 0; population
   * variance) over `sqrt(samples)`, i.e. `sqrt(b + c - (c - b)^2 / n) / n`.
   */
  readonly standardError: number;
  /** Samples only the baseline classifies right (`b`). */
  readonly onlyBaseline: number;
  /** Samples only the candidate classifies right (`c`). */
  readonly onlyCandidate: number;
}

/**
 * Compares two classifiers on the same samples: their accuracies, the difference, and its
 * paired standard error. Samples both get right or both get wrong do not move the difference,
 * so the paired error is far smaller than that of two independent accuracies when the models
 * mostly agree (as a compressed model and its dense original do).
 *
 * @param yTrue True class indices, shape `(nSamples)`.
 * @param predictions The baseline's and the candidate's predicted class indices, each of shape
 *   `(nSamples)`.
 * @returns Accuracies, difference, standard error and the two disagreement counts.
 * @throws {TypeError} If the lengths differ or an argument is not an array of labels.
 * @throws {RangeError} If a label is not a non-negative integer or there are no samples.
 *
 * @example A candidate that loses one sample and gains none
 * ```ts
 * import { pairedAccuracyDifference } from "./paired.ts";
 * import assert from "node:assert/strict";
 *
 * const d = pairedAccuracyDifference([0, 1, 1, 0], {
 *   baseline: [0, 1, 1, 1],
 *   candidate: [0, 1, 0, 1],
 * });
 * assert.equal(d.difference, -0.25);
 * assert.equal(d.onlyBaseline, 1);
 * assert.equal(d.onlyCandidate, 0);
 * assert.equal(d.standardError, Math.sqrt(1 - 1 / 4) / 4);
 * ```
 */
export function pairedAccuracyDifference(
  yTrue: ArrayLike<number>,
  predictions: PredictionPair,
): PairedDifference {
  const action = "compare accuracies";
  if (typeof predictions !== "object" || predictions === null) {
    throw new TypeError(`Cannot ${action}: predictions must be { baseline, candidate }`);
  }
  assertLabels(action, yTrue, yTrue?.length ?? 0, undefined, { name: "yTrue", against: "yTrue" });
  if (yTrue.length === 0) throw new RangeError(`Cannot ${action}: there are no samples`);
  const { baseline, candidate } = predictions;
  assertLabels(action, baseline, yTrue.length, undefined, {
    name: "predictions.baseline",
    against: "yTrue",
  });
  assertLabels(action, candidate, yTrue.length, undefined, {
    name: "predictions.candidate",
    against: "yTrue",
  });
  const n = yTrue.length;
  let both = 0, b = 0, c = 0;
  for (let i = 0; i < n; i++) {
    const baseRight = baseline[i] === yTrue[i], candRight = candidate[i] === yTrue[i];
    if (baseRight && candRight) both++;
    else if (baseRight) b++;
    else if (candRight) c++;
  }
  return {
    samples: n,
    baselineAccuracy: (both + b) / n,
    candidateAccuracy: (both + c) / n,
    difference: (c - b) / n,
    standardError: Math.sqrt(Math.max(0, b + c - (c - b) ** 2 / n)) / n,
    onlyBaseline: b,
    onlyCandidate: c,
  };
}

/**
 * Compares two classifiers' balanced accuracies on the same samples: the mean over the classes
 * present in `yTrue` of each class's recall, the difference, and its paired standard error. Each
 * class counts alike whatever its share of the samples, so a candidate that never predicts a rare
 * class loses that class's whole recall over the number of classes.
 *
 * The standard error follows {@linkcode pairedAccuracyDifference} within each class: with `K`
 * classes present, `n_c` samples of class `c`, and `b_c`, `c_c` its samples only the baseline or
 * only the candidate classifies right, the class's recall difference has the population variance
 * of its per-sample differences, `v_c = (b_c + c_c) / n_c - ((c_c - b_c) / n_c)^2`, and the
 * difference of the means over classes has `sqrt(sum over c of v_c / (n_c K^2))`.
 *
 * @param yTrue True class indices, shape `(nSamples)`.
 * @param predictions The baseline's and the candidate's predicted class indices, each of shape
 *   `(nSamples)`.
 * @returns As {@linkcode pairedAccuracyDifference}, with `baselineAccuracy` and
 *   `candidateAccuracy` the balanced accuracies and `difference` and `standardError` theirs;
 *   `onlyBaseline` and `onlyCandidate` count samples, over all classes.
 * @throws {TypeError} If the lengths differ or an argument is not an array of labels.
 * @throws {RangeError} If a label is not a non-negative integer or there are no samples.
 *
 * @example A candidate that loses the one sample of a rare class
 * ```ts
 * import { pairedBalancedAccuracyDifference } from "./paired.ts";
 * import assert from "node:assert/strict";
 *
 * // Class 0: 3 samples both get right; class 1: 1 sample only the baseline gets right.
 * const d = pairedBalancedAccuracyDifference([0, 0, 0, 1], {
 *   baseline: [0, 0, 0, 1],
 *   candidate: [0, 0, 0, 0],
 * });
 * assert.equal(d.baselineAccuracy, 1);
 * assert.equal(d.candidateAccuracy, 0.5);
 * assert.equal(d.difference, -0.5);
 * assert.equal(d.standardError, 0); // one sample of class 1: no spread within it
 * ```
 */
export function pairedBalancedAccuracyDifference(
  yTrue: ArrayLike<number>,
  predictions: PredictionPair,
): PairedDifference {
  // Validates as the accuracy version does, with its messages.
  const overall = pairedAccuracyDifference(yTrue, predictions);
  const { baseline, candidate } = predictions;
  const n = yTrue.length;
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, yTrue[i] + 1);
  const rows = new Float64Array(k), both = new Float64Array(k);
  const b = new Float64Array(k), c = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const y = yTrue[i], baseRight = baseline[i] === y, candRight = candidate[i] === y;
    rows[y]++;
    if (baseRight && candRight) both[y]++;
    else if (baseRight) b[y]++;
    else if (candRight) c[y]++;
  }
  let present = 0, base = 0, cand = 0, variance = 0;
  for (let y = 0; y < k; y++) {
    if (rows[y] === 0) continue;
    present++;
    base += (both[y] + b[y]) / rows[y];
    cand += (both[y] + c[y]) / rows[y];
    const mean = (c[y] - b[y]) / rows[y];
    variance += Math.max(0, (b[y] + c[y]) / rows[y] - mean * mean) / rows[y];
  }
  return {
    samples: n,
    baselineAccuracy: base / present,
    candidateAccuracy: cand / present,
    difference: (cand - base) / present,
    standardError: Math.sqrt(variance) / present,
    onlyBaseline: overall.onlyBaseline,
    onlyCandidate: overall.onlyCandidate,
  };
}
