/**
 * The accuracy difference of two classifiers on the same samples, with its paired standard
 * error: how much of "model B is 0.3 points below model A" a test set of this size can tell; the
 * same for balanced accuracy and for two binary classifiers' ROC AUCs (DeLong's paired error).
 *
 * @module
 */

import { assertLabels, checkOptionKeys, describe, exactKeys } from "../core/validate.ts";
import { checkSampleWeight, unitScale } from "./weighted.ts";

/** Predictions of two classifiers on the same samples. */
export interface PredictionPair {
  /** Predicted class indices of the reference model, shape `(nSamples)`. */
  readonly baseline: ArrayLike<number>;
  /** Predicted class indices of the model compared with it, shape `(nSamples)`. */
  readonly candidate: ArrayLike<number>;
}

/** Options of the paired comparisons. */
export interface PairedOptions {
  /**
   * One weight per sample, finite and >= 0, not all 0 (survey, importance or duplicate-count
   * weights), as `evaluate`'s `sampleWeight`: the accuracies (or AUCs) and their difference are
   * weighted means, so an integer weight counts as that many copies of the sample and a weight of
   * 0 as no sample. The standard error treats each sample as one draw that carries its weight
   * (the linearised variance of a weighted mean, `sqrt(sum_i w_i^2 (d_i - D)^2) / sum_i w_i` for
   * per-sample differences `d_i` of weighted mean `D`): it depends only on the weights' ratios, so
   * equal weights give the unweighted error whatever their value, and a duplicate-count weight is
   * read as one sample of that weight, not as that many samples (its error is the larger).
   * `onlyBaseline` and `onlyCandidate` are then the weights' sums.
   * @default {every sample weighs 1}
   */
  readonly sampleWeight?: ArrayLike<number>;
}

const PAIRED_KEYS = exactKeys<PairedOptions>()({ sampleWeight: true });

/** The checked weights of `options`, or `null` without. */
function pairedWeights(action: string, options: PairedOptions, n: number): Float64Array | null {
  checkOptionKeys(action, options, PAIRED_KEYS);
  return options.sampleWeight === undefined
    ? null
    : checkSampleWeight(action, options.sampleWeight, n);
}

/** The paired comparison of two classifiers' accuracies. */
export interface PairedDifference {
  /** Number of samples (rows, whatever their weights). */
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
  /** Samples only the baseline classifies right (`b`; with `sampleWeight`, their weights' sum). */
  readonly onlyBaseline: number;
  /** Samples only the candidate classifies right (`c`; with `sampleWeight`, their weights' sum). */
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
 * @param options Sample weights (see {@linkcode PairedOptions}).
 * @returns Accuracies, difference, standard error and the two disagreement counts.
 * @throws {TypeError} If the lengths differ, an argument is not an array of labels, an option is
 *   unknown, or `sampleWeight` is not one weight per sample.
 * @throws {RangeError} If a label is not a non-negative integer, there are no samples, or a
 *   weight is negative or not finite, or all are 0.
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
  options: PairedOptions = {},
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
  const w = pairedWeights(action, options, yTrue.length);
  if (w !== null) return weightedAccuracyDifference(yTrue, predictions, w);
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

/** A sample's difference: +1 where only the candidate is right, -1 where only the baseline is. */
function rightDifference(y: number, baseline: number, candidate: number): number {
  return (candidate === y ? 1 : 0) - (baseline === y ? 1 : 0);
}

/** {@linkcode pairedAccuracyDifference} with sample weights (checked). */
function weightedAccuracyDifference(
  yTrue: ArrayLike<number>,
  { baseline, candidate }: PredictionPair,
  w: Float64Array,
): PairedDifference {
  const n = yTrue.length;
  let total = 0, both = 0, b = 0, c = 0;
  for (let i = 0; i < n; i++) {
    total += w[i];
    const baseRight = baseline[i] === yTrue[i], candRight = candidate[i] === yTrue[i];
    if (baseRight && candRight) both += w[i];
    else if (baseRight) b += w[i];
    else if (candRight) c += w[i];
  }
  const difference = (c - b) / total;
  // The squares of weights scaled to a total near 1 (exactly, by a power of two): those of
  // weights near 1e-200 or 1e200 underflowed to 0 or overflowed to Infinity.
  const scale = unitScale(total);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = rightDifference(yTrue[i], baseline[i], candidate[i]) - difference;
    ss += (w[i] * scale * d) ** 2;
  }
  return {
    samples: n,
    baselineAccuracy: (both + b) / total,
    candidateAccuracy: (both + c) / total,
    difference,
    standardError: Math.sqrt(ss) / (total * scale),
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
 * With `sampleWeight`, each recall is the share of its class's weight classified right (a class
 * whose samples all weigh 0 is not present) and `v_c / n_c` is the linearised variance of that
 * weighted mean, `sum over the class's samples of w_i^2 (d_i - D_c)^2 / W_c^2` (see
 * {@linkcode PairedOptions}).
 *
 * @param yTrue True class indices, shape `(nSamples)`.
 * @param predictions The baseline's and the candidate's predicted class indices, each of shape
 *   `(nSamples)`.
 * @param options Sample weights (see {@linkcode PairedOptions}).
 * @returns As {@linkcode pairedAccuracyDifference}, with `baselineAccuracy` and
 *   `candidateAccuracy` the balanced accuracies and `difference` and `standardError` theirs;
 *   `onlyBaseline` and `onlyCandidate` count samples (or sum their weights), over all classes.
 * @throws {TypeError} As {@linkcode pairedAccuracyDifference}.
 * @throws {RangeError} As {@linkcode pairedAccuracyDifference}.
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
  options: PairedOptions = {},
): PairedDifference {
  // Validates as the accuracy version does, with its messages.
  const overall = pairedAccuracyDifference(yTrue, predictions, options);
  const { baseline, candidate } = predictions;
  const n = yTrue.length;
  if (options.sampleWeight !== undefined) {
    // Checked by the accuracy version.
    return weightedBalancedDifference(
      yTrue,
      predictions,
      Float64Array.from(options.sampleWeight),
      overall,
    );
  }
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

/** {@linkcode pairedBalancedAccuracyDifference} with sample weights (checked). */
function weightedBalancedDifference(
  yTrue: ArrayLike<number>,
  { baseline, candidate }: PredictionPair,
  w: Float64Array,
  overall: PairedDifference,
): PairedDifference {
  const n = yTrue.length;
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, yTrue[i] + 1);
  const rows = new Float64Array(k), both = new Float64Array(k);
  const b = new Float64Array(k), c = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const y = yTrue[i], baseRight = baseline[i] === y, candRight = candidate[i] === y;
    rows[y] += w[i];
    if (baseRight && candRight) both[y] += w[i];
    else if (baseRight) b[y] += w[i];
    else if (candRight) c[y] += w[i];
  }
  // Each class's weighted mean difference, then the weighted squares about it, of the class's
  // weights scaled to a total near 1 (as the accuracy version's).
  const ss = new Float64Array(k),
    scale = Float64Array.from(rows, (r) => (r > 0 ? unitScale(r) : 0));
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (rows[y] === 0) continue;
    const mean = (c[y] - b[y]) / rows[y];
    ss[y] += (w[i] * scale[y] * (rightDifference(y, baseline[i], candidate[i]) - mean)) ** 2;
  }
  let present = 0, base = 0, cand = 0, variance = 0;
  for (let y = 0; y < k; y++) {
    if (rows[y] === 0) continue;
    present++;
    base += (both[y] + b[y]) / rows[y];
    cand += (both[y] + c[y]) / rows[y];
    variance += ss[y] / (rows[y] * scale[y]) ** 2;
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

/** Decision scores of two binary classifiers on the same samples, higher meaning class 1. */
export interface ScorePair {
  /** Scores of the reference model, shape `(nSamples)`. */
  readonly baseline: ArrayLike<number>;
  /** Scores of the model compared with it, shape `(nSamples)`. */
  readonly candidate: ArrayLike<number>;
}

/**
 * Compares two binary classifiers' ROC AUCs on the same samples: each AUC (the share of
 * (positive, negative) pairs whose positive scores higher, ties counting one half), the
 * difference, and its paired standard error by DeLong, DeLong and Clarke-Pearson (1988).
 *
 * With `m` positives `X_i` and `n` negatives `Y_j`, each model's structural components are
 * `V10(X_i)`, the share of negatives ranked below positive `i` (ties one half), and `V01(Y_j)`,
 * the share of positives ranked above negative `j`; each AUC is the mean of either. The variance
 * of the difference is `S10 / m + S01 / n`, where `S10` is the sample variance (denominator
 * `m - 1`) of the positives' differences `V10_candidate(X_i) - V10_baseline(X_i)` and `S01` that
 * of the negatives' (denominator `n - 1`): DeLong's `var(A1) + var(A2) - 2 cov(A1, A2)`, which is
 * small when the models rank alike. A class with one sample adds no term (its spread is unknown).
 *
 * With `sampleWeight`, a component is the share of the other class's weight ranked below (above)
 * the sample, each AUC the weighted mean of either, and each class's term the linearised variance
 * of its weighted mean difference with DeLong's small-sample factor, `sum_i w_i^2 (d_i - D)^2 /
 * (W^2 - sum_i w_i^2)` over the class's samples of total weight `W` (with equal weights,
 * `S10 / m` and `S01 / n` above); a class with one sample of weight above 0 adds no term, and
 * samples of weight 0 count as none (see {@linkcode PairedOptions}).
 *
 * @param yTrue True classes, 0 or 1, both present (with `sampleWeight`, both of some weight).
 * @param scores The baseline's and the candidate's scores, each of shape `(nSamples)`.
 * @param options Sample weights (see {@linkcode PairedOptions}).
 * @returns As {@linkcode pairedAccuracyDifference}, with `baselineAccuracy` and
 *   `candidateAccuracy` the ROC AUCs and `difference` and `standardError` theirs; `onlyBaseline`
 *   and `onlyCandidate` count the samples whose structural component is higher under the baseline
 *   or under the candidate (the samples each model ranks better; with `sampleWeight`, their
 *   weights' sums).
 * @throws {TypeError} If the lengths differ, an argument is not an array of labels or numbers,
 *   an option is unknown, or `sampleWeight` is not one weight per sample.
 * @throws {RangeError} If a label is not 0 or 1, a score is NaN, a class is missing (or weighs
 *   0), or a weight is negative or not finite, or all are 0.
 *
 * @example A candidate that swaps one positive below one negative
 * ```ts
 * import { pairedRocAucDifference } from "./paired.ts";
 * import assert from "node:assert/strict";
 *
 * const d = pairedRocAucDifference([0, 0, 1, 1], {
 *   baseline: [0.1, 0.2, 0.3, 0.4],
 *   candidate: [0.1, 0.3, 0.2, 0.4],
 * });
 * assert.equal(d.baselineAccuracy, 1);
 * assert.equal(d.candidateAccuracy, 0.75);
 * assert.equal(d.difference, -0.25);
 * // Positives' differences (-1/2, 0) and negatives' (0, -1/2): each of variance 1/8.
 * assert.equal(d.standardError, Math.sqrt(1 / 8 / 2 + 1 / 8 / 2));
 * ```
 */
export function pairedRocAucDifference(
  yTrue: ArrayLike<number>,
  scores: ScorePair,
  options: PairedOptions = {},
): PairedDifference {
  const action = "compare ROC AUCs";
  if (typeof scores !== "object" || scores === null) {
    throw new TypeError(`Cannot ${action}: scores must be { baseline, candidate }`);
  }
  assertLabels(action, yTrue, yTrue?.length ?? 0, 2, { name: "yTrue", against: "yTrue" });
  const n = yTrue.length;
  const { baseline, candidate } = scores;
  for (const [name, s] of [["baseline", baseline], ["candidate", candidate]] as const) {
    if (typeof s !== "object" || s === null || typeof s.length !== "number") {
      throw new TypeError(
        `Cannot ${action}: scores.${name} must be an array of numbers, got ${describe(s)}`,
      );
    }
    if (s.length !== n) {
      throw new TypeError(
        `Cannot ${action}: scores.${name} has ${s.length} scores for yTrue's ${n} labels`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (typeof s[i] !== "number") {
        throw new TypeError(
          `Cannot ${action}: scores.${name}[${i}] is ${describe(s[i])}, not a number`,
        );
      }
      if (Number.isNaN(s[i])) throw new RangeError(`Cannot ${action}: scores.${name}[${i}] is NaN`);
    }
  }
  const w = pairedWeights(action, options, n);
  if (w !== null) return weightedRocAucDifference(yTrue, baseline, candidate, w);
  let m = 0;
  for (let i = 0; i < n; i++) m += yTrue[i];
  if (m === 0 || m === n) {
    throw new RangeError(
      `Cannot ${action}: yTrue holds ${
        m === 0 ? "no positive (class 1)" : "no negative (class 0)"
      } sample; an AUC needs both classes`,
    );
  }
  const base = components(yTrue, baseline, m), cand = components(yTrue, candidate, m);
  let baseSum = 0, candSum = 0, onlyBaseline = 0, onlyCandidate = 0;
  // The differences of the components, positives first (m of them), then negatives.
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = cand[i] - base[i];
    if (d[i] < 0) onlyBaseline++;
    else if (d[i] > 0) onlyCandidate++;
    if (i < m) {
      baseSum += base[i];
      candSum += cand[i];
    }
  }
  const variance = (from: number, to: number): number => {
    const count = to - from;
    if (count < 2) return 0;
    let mean = 0;
    for (let i = from; i < to; i++) mean += d[i];
    mean /= count;
    let ss = 0;
    for (let i = from; i < to; i++) ss += (d[i] - mean) ** 2;
    return ss / (count - 1);
  };
  const baseAuc = baseSum / m, candAuc = candSum / m;
  return {
    samples: n,
    baselineAccuracy: baseAuc,
    candidateAccuracy: candAuc,
    difference: candAuc - baseAuc,
    standardError: Math.sqrt(variance(0, m) / m + variance(m, n) / (n - m)),
    onlyBaseline,
    onlyCandidate,
  };
}

/** {@linkcode pairedRocAucDifference} with sample weights (checked). */
function weightedRocAucDifference(
  yTrue: ArrayLike<number>,
  baseline: ArrayLike<number>,
  candidate: ArrayLike<number>,
  w: Float64Array,
): PairedDifference {
  const n = yTrue.length;
  let wPos = 0, wNeg = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === 1) wPos += w[i];
    else wNeg += w[i];
  }
  if (wPos === 0 || wNeg === 0) {
    throw new RangeError(
      `Cannot compare ROC AUCs: yTrue holds ${
        wPos === 0 ? "no positive (class 1)" : "no negative (class 0)"
      } sample of weight above 0; an AUC needs both classes`,
    );
  }
  const base = weightedComponents(yTrue, baseline, w);
  const cand = weightedComponents(yTrue, candidate, w);
  let baseSum = 0, candSum = 0, onlyBaseline = 0, onlyCandidate = 0;
  // Each class's weighted mean difference of the components.
  let meanPos = 0, meanNeg = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] === 0) continue;
    const d = cand[i] - base[i];
    if (d < 0) onlyBaseline += w[i];
    else if (d > 0) onlyCandidate += w[i];
    if (yTrue[i] === 1) {
      baseSum += w[i] * base[i];
      candSum += w[i] * cand[i];
      meanPos += w[i] * d;
    } else meanNeg += w[i] * d;
  }
  meanPos /= wPos;
  meanNeg /= wNeg;
  // The squares of each class's weights scaled to a total near 1 (as the accuracy version's).
  const sPos = unitScale(wPos), sNeg = unitScale(wNeg);
  let ssPos = 0, ssNeg = 0, sqPos = 0, sqNeg = 0;
  for (let i = 0; i < n; i++) {
    const d = cand[i] - base[i];
    if (yTrue[i] === 1) {
      ssPos += (w[i] * sPos * (d - meanPos)) ** 2;
      sqPos += (w[i] * sPos) ** 2;
    } else {
      ssNeg += (w[i] * sNeg * (d - meanNeg)) ** 2;
      sqNeg += (w[i] * sNeg) ** 2;
    }
  }
  // W^2 - sum w^2 is 0 for a class of one sample of weight above 0: no term.
  const term = (ss: number, total: number, sq: number) =>
    total * total - sq > 0 ? ss / (total * total - sq) : 0;
  const baseAuc = baseSum / wPos, candAuc = candSum / wPos;
  return {
    samples: n,
    baselineAccuracy: baseAuc,
    candidateAccuracy: candAuc,
    difference: candAuc - baseAuc,
    standardError: Math.sqrt(term(ssPos, wPos * sPos, sqPos) + term(ssNeg, wNeg * sNeg, sqNeg)),
    onlyBaseline,
    onlyCandidate,
  };
}

/**
 * Weighted structural components of one model, per sample in its place: a positive's share of the
 * negatives' weight scored below it (ties one half), a negative's share of the positives' weight
 * scored above it; 0 for a sample of weight 0.
 */
function weightedComponents(
  y: ArrayLike<number>,
  s: ArrayLike<number>,
  w: Float64Array,
): Float64Array {
  const n = y.length;
  // Each class's scores of weight above 0 sorted, with the weights summed from the left: cum[k]
  // is the weight of the scores before sorted[k].
  const sorted = (cls: number) => {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if ((y[i] === 1 ? 1 : 0) === cls && w[i] > 0) idx.push(i);
    idx.sort((a, b) => s[a] - s[b]);
    const scores = Float64Array.from(idx, (i) => s[i]);
    const cum = new Float64Array(idx.length + 1);
    idx.forEach((i, k) => (cum[k + 1] = cum[k] + w[i]));
    return { scores, cum, total: cum[idx.length] };
  };
  const pos = sorted(1), neg = sorted(0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (w[i] === 0) continue;
    const v = s[i];
    if (y[i] === 1) {
      const lo = lowerBound(neg.scores, v), hi = lowerBound(neg.scores, v, true);
      out[i] = (neg.cum[lo] + (neg.cum[hi] - neg.cum[lo]) / 2) / neg.total;
    } else {
      const lo = lowerBound(pos.scores, v), hi = lowerBound(pos.scores, v, true);
      out[i] = (pos.total - pos.cum[hi] + (pos.cum[hi] - pos.cum[lo]) / 2) / pos.total;
    }
  }
  return out;
}

/**
 * DeLong's structural components of one model: the positives' `V10` (in their order in `y`),
 * then the negatives' `V01`, from each class's sorted scores (ties one half).
 */
function components(y: ArrayLike<number>, s: ArrayLike<number>, m: number): Float64Array {
  const n = y.length;
  const pos = new Float64Array(m), neg = new Float64Array(n - m);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (y[i] === 1) pos[a++] = s[i];
    else neg[b++] = s[i];
  }
  pos.sort();
  neg.sort();
  const out = new Float64Array(n);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    const v = s[i];
    if (y[i] === 1) {
      // Negatives below v, and tied with it.
      const below = lowerBound(neg, v), tied = lowerBound(neg, v, true) - below;
      out[a++] = (below + tied / 2) / neg.length;
    } else {
      // Positives above v, and tied with it.
      const upTo = lowerBound(pos, v, true), tied = upTo - lowerBound(pos, v);
      out[m + b++] = (pos.length - upTo + tied / 2) / pos.length;
    }
  }
  return out;
}

/** The first index of sorted `a` whose value is at least `v` (with `after`, above `v`). */
function lowerBound(a: Float64Array, v: number, after = false): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after ? a[mid] <= v : a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
