/**
 * Importance scores for every weight of a model, shape `(nOutputs, nFeatures)` like the weights:
 * the lower the score, the sooner a mask removes the weight.
 *
 * - {@linkcode magnitudeScores}: `|w|` (the L2 / magnitude criterion; also the L1 criterion).
 * - {@linkcode taylorScores}: first-order Taylor saliency `|w * dL/dw|` over a data set.
 * - {@linkcode obdScores}: Optimal Brain Damage, `1/2 * H_ii * w^2` with the exact Hessian
 *   diagonal of the log loss ({@linkcode lossDerivatives}, one pass over the data).
 * - {@linkcode randomScores}: seeded uniform scores, the control of every pruning study.
 *
 * Scores live in the model's own input space: for a model with standardisation, `w` multiplies a
 * standardised feature, and the data-based scores standardise `x` as the model does.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { type Prng, prngOption } from "../core/random.ts";
import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import { validateModel } from "../model/validate_model.ts";
import type { LogisticModel } from "../model/types.ts";
import { effectiveWeights, type FitOptions } from "../model/fit.ts";
import { sigmoid, softplus } from "../model/loss.ts";

/** Labelled data in the model's raw input space. */
export interface Samples {
  /** Raw features, shape `(nSamples, nFeatures)`. */
  readonly x: Matrix;
  /** Class index per sample, shape `(nSamples)`. */
  readonly y: Int32Array;
}

/**
 * Magnitude scores `|w|`: the classic (L2 / magnitude) pruning criterion. Ranking by `|w|` is
 * also the L1 criterion; the L1 soft threshold is `softThresholdModel`.
 *
 * @param model The model.
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {TypeError} If `model` is not a well-formed model.
 *
 * @example Scores are absolute weights
 * ```ts
 * import { magnitudeScores } from "./scores.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
 * const s = magnitudeScores(model);
 * assert.deepEqual([...s.data], [...model.weights.data].map(Math.abs));
 * ```
 */
export function magnitudeScores(model: LogisticModel): Matrix<Float64Array> {
  validateModel(model, "score weights");
  const { data, rows, cols } = model.weights;
  return { data: data.map(Math.abs), rows, cols };
}

/** Options for {@linkcode randomScores}. */
export interface RandomScoresOptions {
  /**
   * Seed of the generator (ignored when `prng` is given).
   * @default {0}
   */
  seed?: number;
  /**
   * The generator to draw from, advanced in place.
   * @default {createPrng(seed)}
   */
  prng?: Prng;
}

/**
 * Random scores, uniform in `[0, 1)`: pruning by them removes a uniformly random subset. The
 * control every pruning study needs. Same seed, same scores.
 *
 * @param model The model (for its shape).
 * @param options Seed or generator.
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {TypeError} If `model` is not a well-formed model, the seed is not finite or `prng` is
 *   not a function.
 * @throws {RangeError} If `prng` returns a value outside `[0, 1)`.
 *
 * @example Same seed, same scores
 * ```ts
 * import { randomScores } from "./scores.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
 * assert.deepEqual(randomScores(model, { seed: 7 }), randomScores(model, { seed: 7 }));
 * ```
 */
export function randomScores(
  model: LogisticModel,
  options: RandomScoresOptions = {},
): Matrix<Float64Array> {
  validateModel(model, "score weights");
  checkOptionKeys(
    "score weights",
    options,
    { seed: true, prng: true } satisfies OptionKeys<RandomScoresOptions>,
  );
  const prng = prngOption("score weights", options.prng, options.seed);
  const { rows, cols } = model.weights;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = prng();
  return { data, rows, cols };
}

/**
 * Row weights of the data-based scores, as `fit`'s options of the same names: the loss they
 * differentiate is the weighted mean `sum_i s_i loss_i / sum_i s_i` that `fit` minimises with
 * them, so a model trained with weights is scored under its own objective.
 */
export interface SampleWeightOptions {
  /**
   * One weight per row of `data.x`, finite and >= 0 (as `fit`'s `sampleWeight`): integer
   * weights score as the data with each row repeated that many times.
   * @default {none (every row counts once)}
   */
  sampleWeight?: FitOptions["sampleWeight"];
  /**
   * A weight per class label of the model, or `"balanced"` (`nSamples / (nClasses * count_c)`
   * over the rows of `data`), multiplying `sampleWeight` (as `fit`'s `classWeight`).
   * @default {none (every class weighs 1)}
   */
  classWeight?: FitOptions["classWeight"];
}

const WEIGHT_KEYS: OptionKeys<SampleWeightOptions> = { sampleWeight: true, classWeight: true };

/** Options for {@linkcode lossDerivatives}. */
export interface LossDerivativesOptions extends SampleWeightOptions {
  /**
   * L2 strength added to the objective, `l2 / 2 * ||W||²` (as `fit`'s penalty): adds `l2 * w`
   * to the gradient and `l2` to the Hessian diagonal.
   * @default {0}
   */
  l2?: number;
}

/**
 * First and second derivatives of the mean log loss (weighted, with `sampleWeight` or
 * `classWeight`) with respect to each weight.
 */
export interface LossDerivatives {
  /** Mean log loss over the samples, weighted if asked (plus the L2 term if asked). */
  readonly loss: number;
  /** Gradient `dL/dw`, shape `(nOutputs, nFeatures)`. */
  readonly gradient: Matrix<Float64Array>;
  /** Exact Hessian diagonal `d²L/dw²`, shape `(nOutputs, nFeatures)`. */
  readonly hessianDiagonal: Matrix<Float64Array>;
  /**
   * Mean over samples of `|dL_i/dw|` (the per-sample gradient magnitudes; with weights, the
   * weighted mean), shape `(nOutputs, nFeatures)`, without the L2 term. Taylor saliency
   * multiplies it by `|w|`.
   */
  readonly meanAbsSampleGradient: Matrix<Float64Array>;
  /** Number of samples. */
  readonly samples: number;
}

/**
 * Gradient, exact Hessian diagonal and mean per-sample gradient magnitude of the mean log loss,
 * in one pass over the data. With scores `z = W x + b`, the residual `r_c = p_c - [y = c]` and
 * `p` the softmax (or sigmoid) probabilities, each sample adds `r_c x_j` to the gradient and
 * `p_c (1 - p_c) x_j²` to the Hessian diagonal (for softmax, `d²L/dz_c² = p_c (1 - p_c)`; for
 * sigmoid, `σ (1 - σ)`), so the diagonal costs no more than the gradient. With `sampleWeight`
 * or `classWeight` each sample's terms are multiplied by its weight `s_i` and the means divide
 * by `sum_i s_i`: the derivatives of `fit`'s weighted objective.
 *
 * @param model The model; `x` is preprocessed as the model does.
 * @param data Labelled data, `x` of shape `(nSamples, nFeatures)`.
 * @param options An L2 term to include, and row weights.
 * @returns Mean loss, gradient, Hessian diagonal, mean absolute per-sample gradient.
 * @throws {TypeError} If shapes disagree with the model, or a weight option has the wrong type
 *   or length (as `fit` refuses it).
 * @throws {RangeError} If `x` holds NaN or Infinity, a label is out of range, `l2` is negative
 *   or not finite, a weight is negative or not finite or every row weighs 0, `classWeight`
 *   names an unknown class, or the inputs are too large for the model's weights (a score, the
 *   loss or a derivative overflows).
 *
 * @example The Hessian diagonal of one sample
 * ```ts
 * import { lossDerivatives } from "./scores.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([0, 0]), rows: 1, cols: 2 }, bias: new Float64Array(1),
 *   classes: ["no", "yes"], featureNames: ["a", "b"], preprocessing: { kind: "none" },
 * };
 * const d = lossDerivatives(model, { x: fromRows([[2, 3]]), y: Int32Array.from([1]) });
 * // z = 0: p = 1/2, p (1 - p) = 1/4, so H = x² / 4; gradient (p - 1) x = -x / 2.
 * assert.deepEqual([...d.hessianDiagonal.data], [1, 2.25]);
 * assert.deepEqual([...d.gradient.data], [-1, -1.5]);
 * ```
 */
export function lossDerivatives(
  model: LogisticModel,
  data: Samples,
  options: LossDerivativesOptions = {},
): LossDerivatives {
  const action = "compute loss derivatives";
  checkSamples(model, data, action);
  checkOptionKeys(
    action,
    options,
    { l2: true, ...WEIGHT_KEYS } satisfies OptionKeys<LossDerivativesOptions>,
  );
  const l2 = options.l2 ?? 0;
  // Finite, as fit's penalty.lambda: an infinite l2 made the gradient overflow, and the refusal
  // then blamed the inputs ("too large for the model's weights").
  assertInRange(action, "l2", l2, 0, Number.MAX_VALUE);
  const { rows: k, cols: d, data: w } = model.weights;
  const g = new Float64Array(k * d), h = new Float64Array(k * d), a = new Float64Array(k * d);
  const { weights, weightSum } = effectiveWeights(data.y, model.classes, options, action);
  const loss = derivativePass(model, data, weights, g, h, a);
  const n = data.x.rows;
  // Without weights, the mean over the rows.
  const inv = 1 / (weights === null ? n : weightSum);
  let reg = 0;
  for (let i = 0; i < g.length; i++) {
    g[i] = g[i] * inv + l2 * w[i];
    h[i] = h[i] * inv + l2;
    a[i] *= inv;
    reg += w[i] * w[i];
  }
  // As predict refuses scores that overflow: the derivatives came back NaN or Infinity (and the
  // Taylor and OBD scores with them), or a NaN loss beside finite ones, without a word.
  const overflow = (what: string, v: number) =>
    new RangeError(
      `Cannot ${action}: the ${what} is ${v}: the inputs are too large for the model's weights`,
    );
  if (!Number.isFinite(loss)) throw overflow("loss", loss);
  for (
    const [what, v] of [["gradient", g], ["Hessian diagonal", h], ["sample gradient", a]] as const
  ) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw overflow(`${what} of weight ${i}`, v[i]);
    }
  }
  return {
    loss: loss * inv + 0.5 * l2 * reg,
    gradient: { data: g, rows: k, cols: d },
    hessianDiagonal: { data: h, rows: k, cols: d },
    meanAbsSampleGradient: { data: a, rows: k, cols: d },
    samples: n,
  };
}

/** Options for {@linkcode taylorScores}. */
export interface TaylorScoresOptions extends SampleWeightOptions {
  /**
   * How the saliency is accumulated over the samples:
   * `"sample"`: the mean of `|w * dL_i/dw|` over samples (the magnitude of each sample's
   * first-order loss change; informative even at a minimum, where the mean gradient vanishes);
   * `"batch"`: `|w * dL/dw|` with the gradient of the mean loss (the first-order change of the
   * mean loss; at a minimum of loss + L2 it is `lambda * w²`, so it ranks like magnitude).
   * @default {"sample"}
   */
  aggregate?: "sample" | "batch";
}

/**
 * First-order Taylor saliency of each weight: the loss change `|w * dL/dw|` predicted when the
 * weight is set to zero, accumulated over a data set (see `aggregate`).
 *
 * @param model The model.
 * @param data Labelled data, `x` of shape `(nSamples, nFeatures)`.
 * @param options How to accumulate, and row weights (the weighted mean over samples).
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {TypeError} If shapes disagree with the model.
 * @throws {RangeError} If `x` holds NaN or Infinity or a label is out of range, or a weight
 *   option is refused (as {@linkcode lossDerivatives} refuses it).
 *
 * @example A zero weight has zero saliency
 * ```ts
 * import { taylorScores } from "./scores.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([0, 1]), rows: 1, cols: 2 }, bias: new Float64Array(1),
 *   classes: ["no", "yes"], featureNames: ["a", "b"], preprocessing: { kind: "none" },
 * };
 * const s = taylorScores(model, { x: fromRows([[1, 1], [2, -1]]), y: Int32Array.from([1, 0]) });
 * assert.equal(s.data[0], 0);
 * assert.ok(s.data[1] > 0);
 * ```
 */
export function taylorScores(
  model: LogisticModel,
  data: Samples,
  options: TaylorScoresOptions = {},
): Matrix<Float64Array> {
  checkOptionKeys(
    "compute Taylor scores",
    options,
    { aggregate: true, ...WEIGHT_KEYS } satisfies OptionKeys<TaylorScoresOptions>,
  );
  const aggregate = options.aggregate ?? "sample";
  if (aggregate !== "sample" && aggregate !== "batch") {
    throw new RangeError(
      `Cannot compute Taylor scores: unknown aggregate '${aggregate}'; use sample or batch`,
    );
  }
  const der = lossDerivatives(model, data, weightOptions(options));
  const w = model.weights.data;
  const src = aggregate === "sample" ? der.meanAbsSampleGradient.data : der.gradient.data;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.abs(w[i] * src[i]);
  return { data: out, rows: model.weights.rows, cols: model.weights.cols };
}

/** Options for {@linkcode obdScores}. */
export interface ObdScoresOptions extends SampleWeightOptions {
  /**
   * L2 strength of the training objective (`fit`'s `lambda` with an L2 penalty). At a minimum of
   * loss + L2 the saliency with this `l2` predicts the objective's increase.
   * @default {0}
   */
  l2?: number;
  /**
   * Add the first-order term: the score becomes `-g_i w_i + 1/2 H_ii w_i²`, the second-order
   * prediction of the objective's change when `w_i` is zeroed, valid away from a minimum too
   * (it may be negative: removing such a weight lowers the loss). Classic OBD assumes a minimum
   * and drops it.
   * @default {false}
   */
  firstOrder?: boolean;
}

/**
 * Optimal Brain Damage saliency (LeCun, Denker and Solla 1990): `1/2 * H_ii * w_i²`, the
 * second-order increase of the loss when weight `i` is set to zero at a minimum, with the exact
 * Hessian diagonal of the log loss ({@linkcode lossDerivatives}).
 *
 * @param model The model.
 * @param data Labelled data, `x` of shape `(nSamples, nFeatures)`.
 * @param options The L2 strength of the objective, whether to add the first-order term, and row
 *   weights (the Hessian diagonal of the weighted mean loss).
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {TypeError} If shapes disagree with the model, or `firstOrder` is not a boolean.
 * @throws {RangeError} If `x` holds NaN or Infinity, a label is out of range, `l2` is negative
 *   or not finite, or a weight option is refused (as {@linkcode lossDerivatives} refuses it).
 *
 * @example Saliency of a single weight
 * ```ts
 * import { obdScores } from "./scores.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([2]), rows: 1, cols: 1 }, bias: Float64Array.from([-2]),
 *   classes: ["no", "yes"], featureNames: ["a"], preprocessing: { kind: "none" },
 * };
 * // One sample x = 1: z = 0, H = 1/4, saliency = 1/2 * 1/4 * 2² = 0.5.
 * const s = obdScores(model, { x: fromRows([[1]]), y: Int32Array.from([1]) });
 * assert.equal(s.data[0], 0.5);
 * ```
 */
export function obdScores(
  model: LogisticModel,
  data: Samples,
  options: ObdScoresOptions = {},
): Matrix<Float64Array> {
  checkOptionKeys(
    "compute OBD scores",
    options,
    { l2: true, firstOrder: true, ...WEIGHT_KEYS } satisfies OptionKeys<ObdScoresOptions>,
  );
  const firstOrder = options.firstOrder ?? false;
  if (typeof firstOrder !== "boolean") {
    // Any truthy value ("no", 0.5) added the first-order term.
    throw new TypeError(
      `Cannot compute OBD scores: firstOrder must be a boolean, got ${describe(firstOrder)}`,
    );
  }
  const der = lossDerivatives(model, data, { l2: options.l2 ?? 0, ...weightOptions(options) });
  const w = model.weights.data;
  const h = der.hessianDiagonal.data, g = der.gradient.data;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    out[i] = 0.5 * h[i] * w[i] * w[i];
    if (firstOrder) out[i] -= g[i] * w[i];
  }
  return { data: out, rows: model.weights.rows, cols: model.weights.cols };
}

/**
 * The weight options given (undefined ones left out, so that a caller's explicit `undefined`
 * means none, as in `fit`).
 *
 * @param options Options that may hold `sampleWeight` and `classWeight`.
 * @returns Only those two, when defined.
 */
export function weightOptions(options: SampleWeightOptions): SampleWeightOptions {
  return {
    ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }),
    ...(options.classWeight === undefined ? {} : { classWeight: options.classWeight }),
  };
}

/**
 * Checks a model and labelled data against each other (for functions that take both).
 *
 * @param model The model.
 * @param data Labelled data, `x` of shape `(nSamples, nFeatures)`.
 * @param action What the caller was doing, for messages.
 * @param name The data's name in messages (`"data.test"` for a function that takes two sets).
 * @throws {TypeError} If the model is malformed or `x` does not have its number of features.
 * @throws {RangeError} If `x` is empty or holds NaN or Infinity, or a label is out of range.
 */
export function checkSamples(
  model: LogisticModel,
  data: Samples,
  action: string,
  name = "data",
): void {
  validateModel(model, action);
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`Cannot ${action}: ${name} must be an object { x, y }`);
  }
  assertMatrix(action, `${name}.x`, data.x);
  if (data.x.cols !== model.weights.cols) {
    throw new TypeError(
      `Cannot ${action}: the model takes ${
        counted(model.weights.cols, "feature")
      }, ${name}.x has ` +
        `${data.x.cols}`,
    );
  }
  if (data.x.rows === 0) throw new RangeError(`Cannot ${action}: ${name}.x has no rows`);
  assertFinite(action, `${name}.x`, data.x.data, data.x.cols);
  assertLabels(action, data.y, data.x.rows, model.classes.length);
}

/**
 * The one pass: sums (not means) of the gradient, the Hessian diagonal and the per-sample
 * absolute gradient into `g`, `h`, `a`, each row's terms times its weight (1 without weights);
 * returns the summed (weighted) loss. Rows are preprocessed into a scratch row as they are read,
 * so the data are never copied.
 */
function derivativePass(
  model: LogisticModel,
  data: Samples,
  weights: Float64Array | null,
  g: Float64Array,
  h: Float64Array,
  a: Float64Array,
): number {
  const { rows: k, cols: d, data: w } = model.weights;
  const b = model.bias;
  const x = data.x.data, y = data.y, n = data.x.rows;
  const p = model.preprocessing;
  const mean = p.kind === "standardize" ? p.mean : null;
  const inv = p.kind === "standardize" ? p.scale.map((s) => 1 / s) : null;
  const row = new Float64Array(d);
  const z = new Float64Array(k);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    if (mean !== null) {
      for (let j = 0; j < d; j++) row[j] = (x[o + j] - mean[j]) * inv![j];
    } else {
      for (let j = 0; j < d; j++) row[j] = x[o + j];
    }
    const t = y[i];
    // 1 without weights: every product below is then exact, the unweighted sums bit for bit.
    const sw = weights === null ? 1 : weights[i];
    if (model.link === "sigmoid") {
      let s = b[0];
      for (let j = 0; j < d; j++) s += w[j] * row[j];
      loss += sw * (softplus(s) - t * s);
      const q = sigmoid(s);
      accumulateRow(g, h, a, 0, row, q - t, q * (1 - q), sw);
      continue;
    }
    let best = 0;
    for (let c = 0; c < k; c++) {
      const wo = c * d;
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[wo + j] * row[j];
      z[c] = s;
      if (s > z[best]) best = c;
    }
    const m = z[best];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[c] - m);
    const lse = m + Math.log(sum);
    loss += sw * (lse - z[t]);
    for (let c = 0; c < k; c++) {
      const q = Math.exp(z[c] - lse);
      accumulateRow(g, h, a, c * d, row, q - (c === t ? 1 : 0), q * (1 - q), sw);
    }
  }
  return loss;
}

function accumulateRow(
  g: Float64Array,
  h: Float64Array,
  a: Float64Array,
  wo: number,
  row: Float64Array,
  r: number,
  curvature: number,
  sw: number,
): void {
  const d = row.length;
  const ar = Math.abs(r);
  for (let j = 0; j < d; j++) {
    const v = row[j];
    g[wo + j] += sw * (r * v);
    h[wo + j] += sw * (curvature * v * v);
    a[wo + j] += sw * (ar * Math.abs(v));
  }
}
