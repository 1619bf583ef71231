/**
 * Choosing the decision threshold of a two-class model from labelled (validation) data: every
 * operating point the scores allow, with its confusion counts and metrics, and the point that
 * best meets a target (a metric to maximise, or a floor on precision or recall, a ceiling on the
 * false-positive rate).
 *
 * Everything here works from scores, the log-odds of `classes[1]` (a model's decision function),
 * and labels 0/1. A threshold `t` labels a row `classes[1]` iff its score `s > logit(t)`, ties to
 * `classes[0]`, `t` strictly in (0, 1).
 *
 * @module
 */

import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertNumbers,
  assertOptions,
  checkOptionKeys,
  describe,
  quoted,
} from "../core/validate.ts";
import { logit } from "../model/decision_threshold.ts";

/** Options of {@linkcode thresholdCurve} and {@linkcode chooseThreshold}. */
export interface ThresholdCurveOptions {
  /**
   * One weight per row, finite and >= 0: the counts become sums of weights. Rows weighing 0 are
   * left out (their scores make no operating point), as scikit-learn's curves do.
   *
   * @default every row weighs 1
   */
  readonly sampleWeight?: ArrayLike<number>;
}

/**
 * One operating point: the labels that one cutoff gives, and their confusion counts and metrics.
 * With `sampleWeight`, the counts are sums of weights.
 */
export interface ThresholdPoint {
  /**
   * The cutoff in score space: a row is labelled positive iff its score is above it. The
   * midpoint of the two adjacent distinct scores it separates; `-Infinity` for the point that
   * labels every row positive, `Infinity` for the one that labels none.
   */
  readonly cutoff: number;
  /**
   * The probability threshold that gives the same labels: `sigmoid(cutoff)` when
   * `logit(t) = Math.log(t / (1 - t))` of it (the models' own cutoff) lies in `[lower score, upper score)` (it does unless
   * the scores are within a few ulps of each other or beyond about 36.7); otherwise the middle
   * (in float64 order) of the thresholds that do; `null` when no float64 in (0, 1) does (two
   * scores both above about 36.7, where every threshold rounds to 1 or to the largest float64
   * below 1). The end that labels every row positive takes the smallest positive float64,
   * `5e-324` (logit about -744.4), the end that labels none the largest below 1,
   * `1 - 2^-53` (logit about 36.74), each `null` when a score lies beyond it.
   */
  readonly threshold: number | null;
  /** Positive rows labelled positive. */
  readonly tp: number;
  /** Negative rows labelled positive. */
  readonly fp: number;
  /** Negative rows labelled negative. */
  readonly tn: number;
  /** Positive rows labelled negative. */
  readonly fn: number;
  /** `tp / (tp + fp)`; 1 where no row is labelled positive (scikit-learn's curve end). */
  readonly precision: number;
  /** Recall (true-positive rate) `tp / (tp + fn)`. */
  readonly recall: number;
  /** False-positive rate `fp / (fp + tn)`. */
  readonly fpr: number;
  /** `2 tp / (2 tp + fp + fn)` (0 where no positive row is labelled positive). */
  readonly f1: number;
  /** `(tp + tn) / total`. */
  readonly accuracy: number;
  /** Mean of recall and specificity, `(recall + 1 - fpr) / 2` (Youden's J is `2 b - 1`). */
  readonly balancedAccuracy: number;
}

/** A chosen operating point: one whose labels a probability threshold gives. */
export interface ChosenThreshold extends ThresholdPoint {
  /** The probability threshold, strictly in (0, 1). */
  readonly threshold: number;
}

/**
 * What {@linkcode chooseThreshold} looks for: a metric to maximise, or the best point under a
 * constraint.
 */
export type ThresholdTarget =
  | { readonly metric: "f1" | "balanced-accuracy" | "accuracy" }
  /** The highest recall with precision at least this. */
  | { readonly precision: number }
  /** The highest precision with recall at least this. */
  | { readonly recall: number }
  /** The highest recall with false-positive rate at most this. */
  | { readonly fpr: number };

/** The largest float64 below 1. */
const BELOW_ONE = 1 - Number.EPSILON / 2;

function sigmoid(c: number): number {
  if (c >= 0) return 1 / (1 + Math.exp(-c));
  const e = Math.exp(c);
  return e / (1 + e);
}

const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
function bitsOf(x: number): bigint {
  f64[0] = x;
  return u64[0];
}
function fromBits(b: bigint): number {
  u64[0] = b;
  return f64[0];
}

/** The bits of the smallest float64 t in (0, 1) with `logit(t) >= v`, or those of 1 if none. */
function firstAtLeast(v: number): bigint {
  let lo = 1n, hi = bitsOf(1);
  while (lo < hi) {
    const mid = (lo + hi) >> 1n;
    if (logit(fromBits(mid)) >= v) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/**
 * A threshold t in (0, 1) with `a <= logit(t) < b`: `sigmoid(c)` when it is one, else the middle
 * of those that are, else `null`.
 */
function thresholdBetween(a: number, b: number, c: number): number | null {
  const t = sigmoid(c);
  if (t > 0 && t < 1) {
    const l = logit(t);
    if (l >= a && l < b) return t;
  }
  const lo = firstAtLeast(a), hi = firstAtLeast(b);
  if (lo >= hi) return null;
  return fromBits((lo + hi - 1n) >> 1n);
}

function checkInputs(
  action: string,
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  options: ThresholdCurveOptions | undefined,
): ArrayLike<number> | null {
  assertNumbers(action, "scores", scores);
  assertLabels(action, y, scores.length, 2, { name: "y", against: "scores" });
  checkOptionKeys(action, options, { sampleWeight: true });
  const n = scores.length;
  if (n === 0) throw new RangeError(`Cannot ${action}: there are no samples`);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`Cannot ${action}: score ${i} is NaN`);
  }
  assertFinite(action, "scores", scores);
  const w = options?.sampleWeight;
  if (w !== undefined) {
    assertNumbers(action, "sampleWeight", w);
    if (w.length !== n) {
      throw new TypeError(
        `Cannot ${action}: sampleWeight has ${w.length} entries, scores has ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!(w[i] >= 0 && w[i] < Infinity)) {
        throw new RangeError(
          `Cannot ${action}: sampleWeight[${i}] is ${w[i]}, not a weight (finite and >= 0)`,
        );
      }
    }
  }
  return w ?? null;
}

/**
 * Every operating point of a two-class classifier on labelled data: for each way of splitting its
 * sorted distinct scores into negatives (below) and positives (above), the cutoff, a probability
 * threshold that gives the same labels, the confusion counts, precision, recall, false-positive
 * rate, F1, accuracy and balanced accuracy. Each cutoff is the midpoint, in score space, of the
 * two adjacent distinct scores it separates, so that it generalises to scores between them; the
 * two ends label every row positive (`cutoff: -Infinity`) and none (`Infinity`). `d` distinct
 * scores give `d + 1` points, ordered by rising cutoff (falling recall). Its recall and precision
 * are scikit-learn's `precision_recall_curve`, its recall and false-positive rate its `roc_curve`
 * without `drop_intermediate` (whose thresholds are the scores themselves, labelling `s >= t`).
 *
 * @param scores The scores, log-odds of the positive class (`decisionFunction`), shape
 *   `(nSamples)`.
 * @param y The labels, 0 or 1 (1 for `classes[1]`), shape `(nSamples)`.
 * @param options `sampleWeight`.
 * @returns The operating points.
 * @throws {TypeError} If `scores`, `y` or `sampleWeight` is not an array of numbers, or the
 *   lengths differ.
 * @throws {RangeError} If there are no rows, a score is NaN or infinite, a label is not 0 or 1, a
 *   weight is not finite and >= 0, or one class is absent (or weighs 0).
 *
 * @example Four rows, scores -2, -1, 1, 3
 * ```ts
 * import { thresholdCurve } from "./threshold.ts";
 * import assert from "node:assert/strict";
 *
 * const curve = thresholdCurve([-2, 1, -1, 3], [0, 0, 1, 1]);
 * assert.deepEqual(curve.map((p) => p.cutoff), [-Infinity, -1.5, 0, 2, Infinity]);
 * // The cutoff 0 (threshold 0.5) labels the rows of scores 1 and 3 positive.
 * assert.equal(curve[2].threshold, 0.5);
 * assert.deepEqual([curve[2].tp, curve[2].fp, curve[2].tn, curve[2].fn], [1, 1, 1, 1]);
 * assert.equal(curve[3].precision, 1);
 * assert.equal(curve[3].recall, 0.5);
 * ```
 */
export function thresholdCurve(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  options?: ThresholdCurveOptions,
): ThresholdPoint[] {
  return curveOf("compute threshold curve", scores, y, options);
}

interface Distinct {
  /** The distinct scores, ascending. */
  readonly value: number[];
  /** The positive rows' weight at each. */
  readonly pos: number[];
  /** The negative rows' weight at each. */
  readonly neg: number[];
}

/** Distinct scores with their counts: each class's scores sorted as a typed array, merged. */
function distinctCounts(scores: ArrayLike<number>, y: ArrayLike<number>): Distinct {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const p = new Float64Array(positives), q = new Float64Array(y.length - positives);
  for (let i = 0, a = 0, b = 0; i < y.length; i++) {
    if (y[i] === 1) p[a++] = scores[i];
    else q[b++] = scores[i];
  }
  p.sort();
  q.sort();
  const value: number[] = [], pos: number[] = [], neg: number[] = [];
  for (let a = 0, b = 0; a < p.length || b < q.length;) {
    const s = b >= q.length || (a < p.length && p[a] <= q[b]) ? p[a] : q[b];
    if (value.length === 0 || value[value.length - 1] !== s) {
      value.push(s);
      pos.push(0);
      neg.push(0);
    }
    if (s === p[a] && a < p.length) {
      pos[pos.length - 1]++;
      a++;
    } else {
      neg[neg.length - 1]++;
      b++;
    }
  }
  return { value, pos, neg };
}

/** Distinct scores of the rows weighing more than 0, with each class's weight at each. */
function distinctWeights(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  weights: ArrayLike<number>,
): Distinct {
  const kept: number[] = [];
  for (let i = 0; i < y.length; i++) if (weights[i] > 0) kept.push(i);
  kept.sort((i, j) => scores[i] - scores[j]);
  const value: number[] = [], pos: number[] = [], neg: number[] = [];
  for (const i of kept) {
    const s = +scores[i], w = weights[i];
    if (value.length === 0 || value[value.length - 1] !== s) {
      value.push(s);
      pos.push(0);
      neg.push(0);
    }
    if (y[i] === 1) pos[pos.length - 1] += w;
    else neg[neg.length - 1] += w;
  }
  return { value, pos, neg };
}

function curveOf(
  action: string,
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  options: ThresholdCurveOptions | undefined,
): ThresholdPoint[] {
  const weights = checkInputs(action, scores, y, options);
  const { value, pos, neg } = weights === null
    ? distinctCounts(scores, y)
    : distinctWeights(scores, y, weights);
  const d = value.length;
  // Point k labels the distinct scores k.. positive. tp and fp as sums from the top, fn and tn
  // from the bottom, so that both ends are exact.
  const tp = new Float64Array(d + 1), fp = new Float64Array(d + 1);
  const fn = new Float64Array(d + 1), tn = new Float64Array(d + 1);
  for (let k = d - 1; k >= 0; k--) {
    tp[k] = tp[k + 1] + pos[k];
    fp[k] = fp[k + 1] + neg[k];
  }
  for (let k = 1; k <= d; k++) {
    fn[k] = fn[k - 1] + pos[k - 1];
    tn[k] = tn[k - 1] + neg[k - 1];
  }
  const positives = tp[0], negatives = fp[0];
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `Cannot ${action}: y holds only class ${positives === 0 ? 0 : 1}${
        weights === null ? "" : " among the rows weighing more than 0"
      }; both classes are needed`,
    );
  }
  // Balanced accuracy's one division below multiplies two class totals: weights near 1e-170 or
  // 1e155 (finite sums) would underflow or overflow it (0/0, Infinity/Infinity). Scaling every
  // total by one power of two is exact, so counts and ordinary weights give the same bits.
  const unit = 2 ** -Math.floor(Math.log2(Math.max(positives, negatives)));
  const posU = positives * unit, negU = negatives * unit;
  const points: ThresholdPoint[] = [];
  for (let k = 0; k <= d; k++) {
    let cutoff: number, threshold: number | null;
    if (k === 0) {
      cutoff = -Infinity;
      threshold = logit(Number.MIN_VALUE) < value[0] ? Number.MIN_VALUE : null;
    } else if (k === d) {
      cutoff = Infinity;
      threshold = logit(BELOW_ONE) >= value[d - 1] ? BELOW_ONE : null;
    } else {
      const a = value[k - 1], b = value[k];
      cutoff = a / 2 + b / 2;
      if (!(cutoff >= a && cutoff < b)) cutoff = a;
      threshold = thresholdBetween(a, b, cutoff);
    }
    const TP = tp[k], FP = fp[k], TN = tn[k], FN = fn[k];
    points.push({
      cutoff,
      threshold,
      tp: TP,
      fp: FP,
      tn: TN,
      fn: FN,
      precision: TP + FP > 0 ? TP / (TP + FP) : 1,
      recall: TP / positives,
      fpr: FP / negatives,
      f1: (2 * TP) / (2 * TP + FP + FN),
      accuracy: (TP + TN) / (positives + negatives),
      // One division, so that equal rationals compare equal (ties are exact for counts).
      balancedAccuracy: (TP * unit * negU + TN * unit * posU) / (2 * posU * negU),
    });
  }
  return points;
}

/**
 * Chooses the probability threshold of a two-class classifier on labelled (validation) data:
 * the operating point of {@linkcode thresholdCurve} that best meets `target`, among the points a
 * threshold in (0, 1) represents (see {@linkcode ThresholdPoint.threshold}; the others are never
 * chosen).
 *
 * - `{ metric: "f1" }`, `{ metric: "accuracy" }`, `{ metric: "balanced-accuracy" }` (the
 *   maximum of Youden's J, recall - fpr): the point where the metric is largest.
 * - `{ precision: p }`: the highest recall among the points with precision >= p that label at
 *   least one row positive (of equal recalls, the higher precision).
 * - `{ recall: r }`: the highest precision among the points with recall >= r that label at
 *   least one row positive (of equal precisions, the higher recall).
 * - `{ fpr: f }`: the highest recall among the points with false-positive rate <= f (of equal
 *   recalls, the lower rate). The point labelling no row positive always qualifies.
 *
 * Points equal on both criteria are decided by the threshold closest to 0.5 (the smallest
 * `|cutoff|`), and of two equally close, the lower. Metrics are compared as computed: each is one
 * division of counts, so equal values of integer counts compare equal; weighted sums may differ
 * in the last bit.
 *
 * @param scores The scores, log-odds of the positive class, shape `(nSamples)`.
 * @param y The labels, 0 or 1, shape `(nSamples)`.
 * @param target What to maximise, or the constraint (its value in [0, 1]).
 * @param options `sampleWeight`.
 * @returns The chosen point, its threshold a number in (0, 1): label a row positive iff its
 *   score > `logit(threshold)`.
 * @throws {TypeError} As {@linkcode thresholdCurve}, or if `target` is not one of the forms.
 * @throws {RangeError} As {@linkcode thresholdCurve}; if the target's value is not in [0, 1] or
 *   its metric is unknown; if no point meets the constraint (the message gives the best value
 *   reached).
 *
 * @example The threshold of the highest F1, and of a floor on precision
 * ```ts
 * import { chooseThreshold } from "./threshold.ts";
 * import assert from "node:assert/strict";
 *
 * const scores = [-3, -2, -1, 0.5, 1, 2, 4], y = [0, 0, 1, 0, 1, 1, 1];
 * const best = chooseThreshold(scores, y, { metric: "f1" });
 * // Cutoff -1.5 (between -2 and -1): tp 4, fp 1, fn 0, F1 8/9.
 * assert.equal(best.cutoff, -1.5);
 * assert.equal(best.f1, 8 / 9);
 * assert.ok(Math.abs(best.threshold - 1 / (1 + Math.exp(1.5))) < 1e-16);
 * // Precision 1 leaves out the row of score -1: recall 3/4.
 * const sure = chooseThreshold(scores, y, { precision: 1 });
 * assert.deepEqual([sure.cutoff, sure.recall], [0.75, 0.75]);
 * assert.throws(
 *   () => chooseThreshold([1, 2, 3], [1, 1, 0], { precision: 0.9 }),
 *   /no threshold reaches precision >= 0\.9; the highest is 0\.6666666666666666/,
 * );
 * ```
 */
export function chooseThreshold(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  target: ThresholdTarget,
  options?: ThresholdCurveOptions,
): ChosenThreshold {
  const action = "choose threshold";
  const goal = checkTarget(action, target);
  // Never empty: the split between the scores <= 0 and those above is threshold 0.5's, and with
  // scores all on one side, the end that labels every row positive (all above -744.4) or none
  // (all below 36.74) has one.
  const points = curveOf(action, scores, y, options).filter((p) => p.threshold !== null);
  let best: ThresholdPoint | null = null;
  for (const p of points) {
    if (!goal.meets(p)) continue;
    if (best === null || better(goal, p, best)) best = p;
  }
  if (best === null) {
    // Only a floor on precision can go unmet: recall 1 and fpr 0 are always reached.
    let top: ThresholdPoint = points[0];
    for (const p of points) {
      if (p.tp + p.fp > 0 && (top.tp + top.fp === 0 || p.precision > top.precision)) top = p;
    }
    throw new RangeError(
      `Cannot ${action}: no threshold reaches ${goal.name} >= ${goal.value}; the highest is ${top.precision} (recall ${top.recall}, threshold ${top.threshold})`,
    );
  }
  return best as ChosenThreshold;
}

interface Goal {
  readonly name: string;
  readonly value: number;
  meets(p: ThresholdPoint): boolean;
  /** The criteria, compared in order, larger is better. */
  keys(p: ThresholdPoint): [number, number];
}

function checkTarget(action: string, target: unknown): Goal {
  assertOptions(action, target, "target");
  const forms = "{ metric }, { precision }, { recall } or { fpr }";
  if (target === undefined) {
    throw new TypeError(`Cannot ${action}: target must be one of ${forms}, got undefined`);
  }
  const keys = Object.keys(target as object).filter((k) =>
    (target as Record<string, unknown>)[k] !== undefined
  );
  if (keys.length !== 1 || !["metric", "precision", "recall", "fpr"].includes(keys[0])) {
    throw new TypeError(
      `Cannot ${action}: target must be one of ${forms}, got keys ${
        keys.length === 0 ? "none" : keys.map((k) => quoted(k)).join(", ")
      }`,
    );
  }
  const key = keys[0], value = (target as Record<string, unknown>)[key];
  if (key === "metric") {
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot ${action}: target.metric must be a string, got ${describe(value)}`,
      );
    }
    const metric = value === "f1"
      ? "f1"
      : value === "accuracy"
      ? "accuracy"
      : value === "balanced-accuracy"
      ? "balancedAccuracy"
      : null;
    if (metric === null) {
      throw new RangeError(
        `Cannot ${action}: target.metric is ${
          quoted(value)
        }, expected 'f1', 'balanced-accuracy' or 'accuracy'`,
      );
    }
    return {
      name: value,
      value: NaN,
      meets: () => true,
      keys: (p) => [p[metric], 0],
    };
  }
  assertInRange(action, `target.${key}`, value as number, 0, 1);
  const v = value as number;
  if (key === "precision") {
    return {
      name: key,
      value: v,
      meets: (p) => p.tp + p.fp > 0 && p.precision >= v,
      keys: (p) => [p.recall, p.precision],
    };
  }
  if (key === "recall") {
    return {
      name: key,
      value: v,
      meets: (p) => p.tp + p.fp > 0 && p.recall >= v,
      keys: (p) => [p.precision, p.recall],
    };
  }
  return {
    name: key,
    value: v,
    meets: (p) => p.fpr <= v,
    keys: (p) => [p.recall, -p.fpr],
  };
}

/** Whether `p` beats `q`: by the goal's criteria, then the cutoff nearer 0, then the lower. */
function better(goal: Goal, p: ThresholdPoint, q: ThresholdPoint): boolean {
  const a = goal.keys(p), b = goal.keys(q);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  const dp = Math.abs(p.cutoff), dq = Math.abs(q.cutoff);
  if (dp !== dq) return dp < dq;
  return p.cutoff < q.cutoff;
}
