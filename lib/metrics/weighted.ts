/**
 * Sample-weighted metrics, as scikit-learn's with `sample_weight`: each row counts its weight
 * instead of 1 (an integer weight as that many copies of the row, a weight of 0 as no row). Used
 * by `evaluate`, `evaluateStream` and `lrc predict`; not re-exported (the public entry is
 * `evaluate`'s `sampleWeight`).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { sampleWeightValues } from "../model/weights.ts";
import type { Evaluation } from "./evaluate.ts";
import { balancedAccuracyFromConfusion, logLossTerm, macroF1FromConfusion } from "./metrics.ts";

/**
 * Checks a `sampleWeight` option: an array of one finite weight >= 0 per row, not all 0.
 *
 * @param action What the caller was doing, for messages ("evaluate model").
 * @param sampleWeight The option's value.
 * @param n The number of rows.
 * @returns The weights as float64 (a copy).
 * @throws {TypeError} If it is not an array (or typed array) of `n` entries.
 * @throws {RangeError} If a weight is not a finite number >= 0 (naming its row), every weight is
 *   0, or their sum overflows.
 */
export function checkSampleWeight(
  action: string,
  sampleWeight: unknown,
  n: number,
): Float64Array {
  const w = sampleWeightValues(action, sampleWeight, n, true);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i];
  if (sum === 0) {
    throw new RangeError(
      `Cannot ${action}: every sampleWeight is 0; at least one row must weigh more`,
    );
  }
  if (!(sum < Infinity)) {
    throw new RangeError(
      `Cannot ${action}: the sampleWeight sum overflows (Infinity); scale the weights down`,
    );
  }
  return w;
}

/**
 * The weighted sums a streamed evaluation adds batch by batch: the confusion matrix of weights
 * and the weighted log loss.
 */
export class WeightedSums {
  /** `confusion[true][predicted]`: the weights' sums. */
  readonly confusion: number[][];
  /** The sum of weight times log loss term. */
  lossSum = 0;

  /** Sums for `k` classes. */
  constructor(k: number) {
    this.confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  }

  /**
   * Adds one row.
   *
   * @param y Its true class.
   * @param predicted Its predicted class.
   * @param p Its probability of the true class.
   * @param w Its weight.
   */
  add(y: number, predicted: number, p: number, w: number): void {
    if (w === 0) return; // a weight of 0 is no row (and 0 * a clipped term stays 0 anyway)
    this.confusion[y][predicted] += w;
    this.lossSum += w * logLossTerm(p);
  }

  /** The weights' sum. */
  weightSum(): number {
    let s = 0;
    for (const row of this.confusion) for (const v of row) s += v;
    return s;
  }

  /** Weighted accuracy: the confusion's diagonal over its sum. */
  accuracy(): number {
    let right = 0;
    for (let c = 0; c < this.confusion.length; c++) right += this.confusion[c][c];
    return right / this.weightSum();
  }

  /** Weighted mean log loss. */
  logLoss(): number {
    return this.lossSum / this.weightSum();
  }

  /**
   * Every weighted metric of an `Evaluation` but `samples`, read from these sums.
   *
   * @param rocAuc The weighted ROC AUC, computed apart (`null`: none).
   * @returns Accuracy, balanced accuracy, log loss, macro F1, `rocAuc` and the confusion.
   */
  metrics(rocAuc: number | null): Omit<Evaluation, "samples"> {
    return {
      accuracy: this.accuracy(),
      balancedAccuracy: balancedAccuracyFromConfusion(this.confusion),
      logLoss: this.logLoss(),
      macroF1: macroF1FromConfusion(this.confusion),
      rocAuc,
      confusion: this.confusion,
    };
  }
}

/**
 * Weighted ROC AUC (the weighted Mann-Whitney statistic, ties one half, as scikit-learn's
 * `roc_auc_score` with `sample_weight`): the sum over (positive, negative) pairs of the product
 * of their weights where the positive scores above the negative (half of it on a tie), over the
 * product of the classes' total weights.
 *
 * @param y Classes, 0 or 1 (checked by the caller).
 * @param s Scores, higher for class 1 (not NaN: checked by the caller).
 * @param w Weights, finite and >= 0.
 * @returns The AUC, or `null` when a class has no weight (labels no row, or only rows of weight
 *   0).
 */
export function weightedRocAuc(
  y: ArrayLike<number>,
  s: ArrayLike<number>,
  w: ArrayLike<number>,
): number | null {
  const n = y.length;
  let wPos = 0, wNeg = 0, nPos = 0, nNeg = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] === 0) continue;
    if (y[i] === 1) {
      wPos += w[i];
      nPos++;
    } else {
      wNeg += w[i];
      nNeg++;
    }
  }
  if (wPos === 0 || wNeg === 0) return null;
  // Each class's weights scaled by a power of two that brings its total near 1: the pairs'
  // products neither underflow (weights near 1e-300) nor overflow (near 1e200), as the
  // unscaled ones did (0 / 0 and Infinity / Infinity, NaN). Powers of two scale exactly, so
  // the AUC is the unscaled weights' to the last bit.
  const sPos = unitScale(wPos), sNeg = unitScale(wNeg);
  // The rarer class's scores sorted on their own (a typed-array sort: row indices sorted by a
  // comparator took 0.69 s for 10^6 rows, this 0.39 s), each one's weight added at the first
  // index of its score's run of ties, then summed from the left: cum[k] is the weight below
  // sorted[k]'s run. Each row of the other class then finds the weight below its score and tied
  // with it.
  const rare = nNeg <= nPos ? 0 : 1;
  const sRare = rare === 0 ? sNeg : sPos, sOther = rare === 0 ? sPos : sNeg;
  const sorted = new Float64Array(rare === 0 ? nNeg : nPos);
  for (let i = 0, k = 0; i < n; i++) if (w[i] !== 0 && y[i] === rare) sorted[k++] = s[i];
  sorted.sort();
  const cum = new Float64Array(sorted.length + 1);
  for (let i = 0; i < n; i++) {
    if (w[i] !== 0 && y[i] === rare) cum[firstNotBelow(sorted, s[i]) + 1] += w[i] * sRare;
  }
  for (let k = 0; k < sorted.length; k++) cum[k + 1] += cum[k];
  // u: the weight of the pairs the other class's row ranks above, ties one half.
  let u = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] === 0 || y[i] === rare) continue;
    const lo = firstNotBelow(sorted, s[i]);
    const below = cum[lo];
    u += w[i] * sOther * (below + (cum[firstAbove(sorted, s[i], lo)] - below) / 2);
  }
  const pairs = wPos * sPos * (wNeg * sNeg);
  // Negatives sorted: u is the pairs the positives win. Positives sorted: those they lose.
  return (rare === 0 ? u : pairs - u) / pairs;
}

/**
 * The power of two that scales a total > 0 to about 1 (within float64's range of powers): weights
 * scaled by it neither underflow nor overflow when multiplied or squared, and scale exactly.
 */
export function unitScale(total: number): number {
  return 2 ** Math.min(1023, Math.max(-1023, -Math.floor(Math.log2(total))));
}

/** The first index of an ascending array whose value is not below `v` (its length if none). */
function firstNotBelow(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index from `from` of an ascending array whose value is above `v`. */
function firstAbove(sorted: Float64Array, v: number, from: number): number {
  let lo = from, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The binary log-odds of `classes[1]` per row from decision scores of shape `(n, 1)` or
 * `(n, 2)`, as `binaryRocAuc` ranks them.
 */
export function binaryLogOdds(scores: Matrix): Float64Array {
  const n = scores.rows, k = scores.cols, z = scores.data;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = k === 1 ? z[i] : z[2 * i + 1] - z[2 * i];
  return s;
}

/**
 * The scores, classes and weights of a two-class model's labelled rows, batch by batch, for the
 * weighted ROC AUC of `classes[1]` (17 bytes a row; at the end, up to 25 while the batches are
 * joined and the rarer class's scores sorted; `ScoresByClass` is the unweighted one).
 */
export class WeightedScores {
  readonly #scores: Float64Array[] = [];
  readonly #weights: Float64Array[] = [];
  readonly #labels: Uint8Array[] = [];

  /** Adds a batch: decision scores `(rows, 1)` or `(rows, 2)`, classes 0 or 1, weights. */
  add(scores: Matrix, y: ArrayLike<number>, w: ArrayLike<number>): void {
    this.#scores.push(binaryLogOdds(scores));
    this.#labels.push(Uint8Array.from(y));
    this.#weights.push(Float64Array.from(w));
  }

  /** The weighted AUC, or `null` when a class has no weight. Once: it releases the rows. */
  rocAuc(): number | null {
    const join = <T extends Float64Array | Uint8Array>(parts: T[], make: (n: number) => T): T => {
      const out = make(parts.reduce((sum, p) => sum + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      parts.length = 0;
      return out;
    };
    const s = join(this.#scores, (n) => new Float64Array(n));
    const y = join(this.#labels, (n) => new Uint8Array(n));
    const w = join(this.#weights, (n) => new Float64Array(n));
    return weightedRocAuc(y, s, w);
  }
}

/**
 * Weighted accuracy, balanced accuracy and (two classes) ROC AUC of a classifier's predictions
 * and decision scores, as `evaluate`'s `sampleWeight` weighs them, for kernels `evaluate` does not
 * run (a quantized or integer-only model's).
 *
 * @param y True class indices (checked by the caller).
 * @param predicted Predicted class indices.
 * @param scores Decision scores, shape `(nSamples, 1)` or `(nSamples, nClasses)`.
 * @param w Weights, finite and >= 0, not all 0 (checked by the caller).
 * @param nClasses The number of classes.
 * @returns The metrics; `rocAuc` is `null` for more than two classes or a class without weight.
 */
export function weightedPredictionMetrics(
  y: ArrayLike<number>,
  predicted: ArrayLike<number>,
  scores: Matrix,
  w: ArrayLike<number>,
  nClasses: number,
): { accuracy: number; balancedAccuracy: number; rocAuc: number | null } {
  const confusion = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  let total = 0, right = 0;
  for (let i = 0; i < y.length; i++) {
    if (w[i] === 0) continue;
    confusion[y[i]][predicted[i]] += w[i];
    total += w[i];
    if (y[i] === predicted[i]) right += w[i];
  }
  return {
    accuracy: right / total,
    balancedAccuracy: balancedAccuracyFromConfusion(confusion),
    rocAuc: nClasses === 2 && scores.cols <= 2 ? weightedRocAuc(y, binaryLogOdds(scores), w) : null,
  };
}
