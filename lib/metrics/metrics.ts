/**
 * Classification metrics.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { assertInRange, assertLabels, assertMatrix, counted, describe } from "../core/validate.ts";

function checkPair(
  action: string,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses?: number,
): void {
  assertLabels(action, yTrue, yTrue?.length ?? 0, nClasses, { name: "yTrue", against: "yTrue" });
  assertLabels(action, yPred, yTrue.length, nClasses, { name: "yPred", against: "yTrue" });
  if (yTrue.length === 0) throw new RangeError(`Cannot ${action}: there are no samples`);
}

/**
 * Fraction of samples whose predicted class is the true class.
 *
 * @param yTrue True class indices.
 * @param yPred Predicted class indices, same length.
 * @returns Accuracy in [0, 1].
 * @throws {TypeError} If an argument is not an array of labels or the lengths differ.
 * @throws {RangeError} If there are no samples or a label is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { accuracy } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(accuracy([0, 1, 1, 0], [0, 1, 0, 0]), 0.75);
 * ```
 */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair("compute accuracy", yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * Balanced accuracy: the mean over the classes present in `yTrue` of each class's recall (the
 * share of its samples predicted as it), as scikit-learn's `balanced_accuracy_score`. Each class
 * counts alike whatever its share of the samples: a classifier that never predicts a class
 * present in `yTrue` loses that class's recall over the number of classes, however rare it is.
 *
 * @param yTrue True class indices.
 * @param yPred Predicted class indices, same length.
 * @returns Balanced accuracy in [0, 1].
 * @throws {TypeError} If an argument is not an array of labels or the lengths differ.
 * @throws {RangeError} If there are no samples or a label is not a non-negative integer.
 *
 * @example Three samples of class 0, one of class 1 that is missed
 * ```ts
 * import { balancedAccuracy } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * // Recalls 3/3 and 0/1: accuracy 0.75, balanced accuracy 0.5.
 * assert.equal(balancedAccuracy([0, 0, 0, 1], [0, 0, 0, 0]), 0.5);
 * ```
 */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair("compute balanced accuracy", yTrue, yPred);
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) k = Math.max(k, yTrue[i] + 1);
  const rows = new Float64Array(k), hits = new Float64Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    rows[yTrue[i]]++;
    if (yTrue[i] === yPred[i]) hits[yTrue[i]]++;
  }
  let present = 0, sum = 0;
  for (let c = 0; c < k; c++) {
    if (rows[c] === 0) continue;
    present++;
    sum += hits[c] / rows[c];
  }
  return sum / present;
}

/**
 * The negative log of a probability as the log loss counts it: clipped to `[eps, 1 - eps]`, eps
 * the float64 machine epsilon (scikit-learn 1.2's `eps="auto"`), so that a confident mistake costs
 * about 36, not infinity.
 *
 * @param p The probability of the true class.
 * @returns `-log(clip(p))`.
 */
export function logLossTerm(p: number): number {
  return -Math.log(Math.min(Math.max(p, Number.EPSILON), 1 - Number.EPSILON));
}

/** How far a row of probabilities may sum from 1 (float32 probabilities of many classes). */
const ROW_SUM_TOLERANCE = 1e-5;

/**
 * Mean negative log-likelihood of the true classes, with probabilities clipped to
 * `[eps, 1 - eps]`, eps the float64 machine epsilon, as scikit-learn's `log_loss` does. (After
 * clipping, scikit-learn 1.2 also divides each row by its sum; this does not, which changes a
 * sample's term by at most about `(nClasses - 1) eps` for rows that sum to 1, the only rows it
 * takes: a certain, right prediction costs `-log(1 - eps)` here, the same for two classes there
 * and about `nClasses - 1` times that for more.)
 *
 * @param yTrue True class indices, shape `(nSamples)`.
 * @param proba Class probabilities, shape `(nSamples, nClasses)`.
 * @returns The mean log loss (natural logarithm).
 * @throws {TypeError} If `proba` is not a matrix or the shapes disagree.
 * @throws {RangeError} If there are no samples, `proba` has no columns, a label is not a column of
 *   `proba`, any probability is NaN or outside [0, 1], or a row does not sum to 1 (within 1e-5:
 *   scores or unnormalised rows are not probabilities).
 */
export function logLoss(yTrue: ArrayLike<number>, proba: Matrix): number {
  const action = "compute log loss";
  assertMatrix(action, "proba", proba);
  if (proba.cols === 0 && proba.rows > 0) {
    throw new RangeError(`Cannot ${action}: proba has no columns, one per class expected`);
  }
  assertLabels(action, yTrue, proba.rows, proba.cols, { name: "yTrue", against: "proba" });
  if (proba.rows === 0) throw new RangeError("Cannot compute log loss: there are no samples");
  const k = proba.cols, p = proba.data;
  let s = 0;
  for (let i = 0; i < proba.rows; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c];
      if (!(v >= 0 && v <= 1)) {
        throw new RangeError(
          `Cannot ${action}: proba[${i}][${c}] is ${v}, not a probability in [0, 1]`,
        );
      }
      sum += v;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new RangeError(
        `Cannot ${action}: row ${i} of proba sums to ${sum}, not 1 (give probabilities, e.g. ` +
          "predictProba's)",
      );
    }
    s += logLossTerm(p[i * k + yTrue[i]]);
  }
  return s / proba.rows;
}

/**
 * Counts of (true, predicted) class pairs.
 *
 * @param yTrue True class indices.
 * @param yPred Predicted class indices.
 * @param nClasses The number of classes.
 * @returns `counts[t][p]`: how many samples of true class `t` were predicted as `p` (all 0 for
 *   no samples).
 * @throws {TypeError} If an argument is not an array of labels, the lengths differ or `nClasses`
 *   is not a number.
 * @throws {RangeError} If `nClasses` is not an integer in [1, 2^24] or a label is not in
 *   `0..nClasses - 1`.
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number[][] {
  const action = "compute confusion matrix";
  assertInRange(action, "nClasses", nClasses, 1, 2 ** 24, true);
  assertLabels(action, yTrue, yTrue?.length ?? 0, nClasses, { name: "yTrue", against: "yTrue" });
  assertLabels(action, yPred, yTrue.length, nClasses, { name: "yPred", against: "yTrue" });
  const counts = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) counts[yTrue[i]][yPred[i]]++;
  return counts;
}

/**
 * Unweighted mean of the F1 score over the classes that are present or predicted (as
 * scikit-learn's `f1_score(average="macro")`; a class neither present nor predicted has no F1
 * and is left out, one predicted but never present counts 0).
 *
 * @param yTrue True class indices.
 * @param yPred Predicted class indices.
 * @param nClasses The number of classes.
 * @returns Macro-averaged F1 in [0, 1].
 * @throws {TypeError} If an argument is not an array of labels, the lengths differ or `nClasses`
 *   is not a number.
 * @throws {RangeError} If there are no samples, `nClasses` is not an integer in [1, 2^24] or a
 *   label is not in `0..nClasses - 1`.
 */
export function macroF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number {
  assertInRange("compute macro F1", "nClasses", nClasses, 1, 2 ** 24, true);
  checkPair("compute macro F1", yTrue, yPred, nClasses);
  return macroF1FromConfusion(confusionMatrix(yTrue, yPred, nClasses));
}

/**
 * Checks a confusion matrix: a square array of rows of finite, non-negative numbers.
 *
 * @returns The number of classes (rows).
 */
function checkConfusion(action: string, confusion: readonly (readonly number[])[]): number {
  // Index loops, not some/forEach: those skip the holes of a sparse array, which then read as
  // undefined (a missing row crashed, a missing entry made the score NaN).
  if (!Array.isArray(confusion)) {
    throw new TypeError(`Cannot ${action}: confusion must be an array of rows`);
  }
  const k = confusion.length;
  for (let t = 0; t < k; t++) {
    const row = confusion[t];
    if (!Array.isArray(row)) {
      throw new TypeError(`Cannot ${action}: confusion must be an array of rows`);
    }
    if (row.length !== k) {
      throw new TypeError(
        `Cannot ${action}: the confusion matrix must be square; row ${t} has ${
          counted(row.length, "entry", { plural: "entries" })
        } for ${counted(k, "class", { plural: "classes" })}`,
      );
    }
    for (let p = 0; p < k; p++) {
      const v = row[p];
      if (typeof v !== "number") {
        throw new TypeError(
          `Cannot ${action}: confusion[${t}][${p}] is ${describe(v)}, not a number`,
        );
      }
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(
          `Cannot ${action}: confusion[${t}][${p}] is ${v}, not a count (finite and >= 0)`,
        );
      }
    }
  }
  return k;
}

/**
 * {@linkcode macroF1} from a confusion matrix (as {@linkcode confusionMatrix} counts it), e.g. one
 * summed over batches.
 *
 * @param confusion `confusion[t][p]`: samples of true class `t` predicted as `p`, square.
 * @returns Macro-averaged F1 in [0, 1].
 * @throws {TypeError} If it is not a square array of rows of numbers.
 * @throws {RangeError} If an entry is negative, NaN or infinite, or every entry is 0 (no samples).
 */
export function macroF1FromConfusion(confusion: readonly (readonly number[])[]): number {
  const action = "compute macro F1";
  const k = checkConfusion(action, confusion);
  let sum = 0, classes = 0;
  for (let c = 0; c < k; c++) {
    let predicted = 0, actual = 0;
    for (let o = 0; o < k; o++) {
      predicted += confusion[o][c];
      actual += confusion[c][o];
    }
    if (predicted + actual === 0) continue;
    sum += (2 * confusion[c][c]) / (predicted + actual);
    classes++;
  }
  // No class present or predicted: every count is 0, and the F1 of no samples is undefined
  // (macroF1 refuses them too; it returned 0, the worst score, as if every sample were wrong).
  if (classes === 0) {
    throw new RangeError(`Cannot ${action}: the confusion matrix counts no samples`);
  }
  return sum / classes;
}

/**
 * {@linkcode balancedAccuracy} from a confusion matrix (as {@linkcode confusionMatrix} counts it),
 * e.g. one summed over batches: the mean over the classes that label some samples (the rows with
 * a count) of each class's recall, `confusion[c][c]` over its row's sum.
 *
 * @param confusion `confusion[t][p]`: samples of true class `t` predicted as `p`, square.
 * @returns Balanced accuracy in [0, 1].
 * @throws {TypeError} If it is not a square array of rows of numbers.
 * @throws {RangeError} If an entry is negative, NaN or infinite, or every entry is 0 (no samples).
 *
 * @example Recalls 3/3 and 1/3
 * ```ts
 * import { balancedAccuracyFromConfusion } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(balancedAccuracyFromConfusion([[3, 0], [2, 1]]), (1 + 1 / 3) / 2);
 * ```
 */
export function balancedAccuracyFromConfusion(confusion: readonly (readonly number[])[]): number {
  const action = "compute balanced accuracy";
  const k = checkConfusion(action, confusion);
  let present = 0, sum = 0;
  for (let c = 0; c < k; c++) {
    let rows = 0;
    for (let p = 0; p < k; p++) rows += confusion[c][p];
    if (rows === 0) continue;
    present++;
    sum += confusion[c][c] / rows;
  }
  if (present === 0) {
    throw new RangeError(`Cannot ${action}: the confusion matrix counts no samples`);
  }
  return sum / present;
}

/**
 * Area under the ROC curve for a binary problem: the probability that a random positive scores
 * above a random negative, ties counting one half (Mann-Whitney U).
 *
 * @param yTrue True classes, 0 or 1.
 * @param scores Higher means more likely class 1.
 * @returns AUC in [0, 1].
 * @throws {TypeError} If `scores` is not an array of numbers or the lengths differ.
 * @throws {RangeError} If there are no samples, a label is not 0 or 1, a score is NaN, or only one
 *   class is present.
 *
 * @example
 * ```ts
 * import { rocAuc } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
 * ```
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (typeof scores !== "object" || scores === null || typeof scores.length !== "number") {
    throw new TypeError(
      `Cannot compute ROC AUC: scores must be an array of numbers, got ${describe(scores)}`,
    );
  }
  assertLabels("compute ROC AUC", yTrue, scores.length, 2, { name: "yTrue", against: "scores" });
  const n = yTrue.length;
  if (n === 0) throw new RangeError("Cannot compute ROC AUC: there are no samples");
  for (let i = 0; i < n; i++) {
    if (typeof scores[i] !== "number") {
      throw new TypeError(
        `Cannot compute ROC AUC: score ${i} is ${describe(scores[i])}, not a number`,
      );
    }
    if (Number.isNaN(scores[i])) {
      throw new RangeError(`Cannot compute ROC AUC: score ${i} is NaN`);
    }
  }
  // Each class's scores sorted on their own (typed-array sorts: an index array sorted with a
  // comparator took about 50 ms for 100,000 scores), then for each positive, in ascending order,
  // the negatives below it and tied with it: U = below + ties / 2, the Mann-Whitney count, exact
  // in float64 (the rank-sum form gave the same U).
  let positives = 0;
  for (let i = 0; i < n; i++) positives += yTrue[i];
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError("Cannot compute ROC AUC: only one class is present");
  }
  const pos = new Float64Array(positives), neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (yTrue[i] === 1) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  pos.sort();
  neg.sort();
  let below = 0, ties = 0;
  for (let i = 0, lo = 0, hi = 0; i < positives; i++) {
    const p = pos[i];
    while (lo < negatives && neg[lo] < p) lo++;
    if (hi < lo) hi = lo;
    while (hi < negatives && neg[hi] <= p) hi++;
    below += lo;
    ties += hi - lo;
  }
  return (below + ties / 2) / (positives * negatives);
}
