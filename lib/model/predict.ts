/**
 * Inference on raw inputs: decision scores, class probabilities, predicted classes.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { assertCsr, type CsrMatrix, isCsr } from "../core/sparse.ts";
import {
  assertFinite,
  assertMatrix,
  assertWidth,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import {
  kernelScorer,
  planKernel,
  type PredictBackend,
  referenceRow,
  scoreRows,
  useKernels,
} from "./kernel_scores.ts";
import { scoreCutoff } from "./decision_threshold.ts";
import { sigmoid } from "./loss.ts";
import type { LogisticModel } from "./types.ts";
import { validateModel } from "./validate_model.ts";

/** Options of {@linkcode decisionFunction}, {@linkcode predictProba} and {@linkcode predict}. */
export interface PredictOptions {
  /**
   * `"auto"`: the WebAssembly SIMD kernels for float32 inputs when the call does at least
   * `PREDICT_WASM_MIN_WORK` (2^13) multiply-adds, the float64 TypeScript reference otherwise
   * (and always for float64 inputs, whose precision float32 kernels would not keep); `"wasm"`:
   * the kernels for any input (float64 inputs rounded to float32); `"ts"`: the reference. The
   * kernel follows the model's form: dense, sparse (pruned weights: only stored weights are
   * visited) or feature subset (whole features unused, or `columns` given). Kernel scores
   * differ from the reference by float32 rounding only: at most
   * `(ceil(d / 4) + 8) * 2^-24 * (sum_j |w_j x_j| + |b|)` per score for `d` features, plus
   * `|w_j x_j|` for each weight below 2^-126 in magnitude, which the kernels store as 0 (it
   * matters only for inputs near float32's largest values; `"ts"` keeps them), and below
   * float32's normal range an absolute part: a product `w_j x_j` under 2^-126 in magnitude, or a
   * float64 input that float32 rounds to 0 or a subnormal, can be lost whole, so add
   * `sum_j |w_j| * 2^-126 + d * 2^-126` (a score of 1e-60 from 1e-30 * 1e-30 reads as 0).
   * Sparse (CSR) inputs score on the float64 reference under `"auto"` and `"ts"`; `"wasm"` is
   * refused for them.
   * @default {"auto"}
   */
  backend?: PredictBackend;
  /**
   * The column of `x` that feeds each model feature, shape `(nFeatures)` (e.g. the kept features
   * of a structurally pruned model, `FeaturePruneResult.features`, or
   * `featureIndices(model, names)`): `x` is then wider data and only these columns are read,
   * without cutting them out first.
   * @default {none: x has the model's features in order}
   */
  columns?: ArrayLike<number>;
  /**
   * Threads that share a call of the kernels (workers started and stopped within the call;
   * results do not depend on it). One-shot calls gain from it only on large batches.
   * @default {1}
   */
  threads?: number;
}

/** The keys of {@linkcode PredictOptions}. */
export const PREDICT_OPTION_KEYS: OptionKeys<PredictOptions> = {
  backend: true,
  columns: true,
  threads: true,
};

/**
 * The model with its preprocessing folded into the weights: scores on raw `x` are
 * `W' x + b'` with `W'[k][j] = W[k][j] / scale[j]` and `b'[k] = b[k] - sum_j W'[k][j] mean[j]`.
 *
 * @param model The model.
 * @returns Effective weights `(nOutputs, nFeatures)` and bias `(nOutputs)` for raw inputs.
 */
export function foldPreprocessing(
  model: LogisticModel,
): { weights: Float64Array; bias: Float64Array } {
  const { rows: k, cols: d, data } = model.weights;
  const p = model.preprocessing;
  if (p.kind === "none") return { weights: data, bias: model.bias };
  const weights = new Float64Array(k * d);
  const bias = model.bias.slice();
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      const v = data[c * d + j] / p.scale[j];
      weights[c * d + j] = v;
      shift += v * p.mean[j];
    }
    bias[c] -= shift;
  }
  return { weights, bias };
}

/**
 * Refuses a fold ({@linkcode foldPreprocessing}) that overflowed float64: dividing by a tiny
 * scale, or moving a huge mean into the bias, can make a weight or the bias infinite (or NaN).
 *
 * @param action What the caller was doing, for messages.
 * @param folded The folded weights and bias.
 * @param remedy What to do instead, appended to the message (from ", " or ": "); by default that
 *   the fold is beyond float64.
 * @throws {RangeError} If a folded weight or bias is not finite.
 */
export function assertFoldFinite(
  action: string,
  folded: { weights: Float64Array; bias: Float64Array },
  remedy = ", beyond float64 (a scale too small for its weight, or a mean too large)",
): void {
  for (const [what, values] of [["weights", folded.weights], ["bias", folded.bias]] as const) {
    // A plain loop: decisionFunction checks every call, and findIndex's callback cost as much
    // as scoring a row of 784 features.
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new RangeError(
          `Cannot ${action}: the standardisation folded into the ${what} makes ${what}[${i}] ` +
            `${values[i]}${remedy}`,
        );
      }
    }
  }
}

/** The checks of both score functions, then the model with its preprocessing folded in. */
function foldedInput(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  action: string,
  options: PredictOptions,
) {
  const columns = checkInput(model, x, action, options);
  const { weights, bias } = foldPreprocessing(model);
  // Without preprocessing these are the model's own, which validateModel found finite.
  if (model.preprocessing.kind !== "none") assertFoldFinite(action, { weights, bias });
  return { columns, weights, bias };
}

/**
 * Decision scores (logits) for raw inputs. Large float32 batches run on the WebAssembly kernel
 * that fits the model's form (see {@linkcode PredictOptions.backend}); for many calls on one
 * model, `preparePredictor` lays it out once.
 *
 * Sparse (CSR) inputs are scored on the float64 reference, each row visiting its stored entries
 * in column order (every feature, in the model's order, with `columns`): the sums of the reference
 * on `csrToDense(x)` less terms `w_j * 0`, which add nothing, so the scores are the dense
 * `backend: "ts"` scores bit for bit. The `"wasm"` backend is refused for them.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`), dense or CSR.
 * @param options Backend, input columns, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`: one column for sigmoid models.
 * @throws {TypeError} If the model is malformed, `x` does not have the model's number of
 *   features, or `columns` is not one column index of `x` per model feature.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, the standardisation folded
 *   into the weights overflows float64 (see {@linkcode assertFoldFinite}), a score overflows
 *   (inputs near the float64 limit), an option is out of range, or `backend` is `"wasm"` for CSR
 *   inputs.
 *
 * @example The kernels and the float64 reference agree within float32 rounding
 * ```ts
 * import { decisionFunction } from "./predict.ts";
 * import type { LogisticModel } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([0.5, -0.25, 2]), rows: 1, cols: 3 },
 *   bias: Float64Array.from([0.1]), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" },
 * };
 * const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
 * const fast = decisionFunction(model, x, { backend: "wasm" });
 * const exact = decisionFunction(model, x, { backend: "ts" });
 * assert.ok(fast.data.every((v, i) => Math.abs(v - exact.data[i]) < 1e-5));
 * // Structurally pruned: the model reads columns 2 and 0 of wider data.
 * const two: LogisticModel = {
 *   ...model,
 *   weights: { data: Float64Array.from([1, 3]), rows: 1, cols: 2 },
 *   featureNames: ["z", "x"],
 * };
 * assert.deepEqual([...decisionFunction(two, x, { columns: [2, 0] }).data], [6.1, 18.1]);
 * ```
 *
 * @example Sparse inputs give the dense reference's scores
 * ```ts
 * import { decisionFunction } from "./predict.ts";
 * import { csrFromDense } from "../core/sparse.ts";
 * import type { LogisticModel } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([0.5, -0.25, 2]), rows: 1, cols: 3 },
 *   bias: Float64Array.from([0.1]), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" },
 * };
 * const x = { data: Float64Array.from([0, 2, 0, 4, 0, 0]), rows: 2, cols: 3 };
 * assert.deepEqual(
 *   decisionFunction(model, csrFromDense(x)),
 *   decisionFunction(model, x, { backend: "ts" }),
 * );
 * ```
 */
export function decisionFunction(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Matrix<Float64Array> {
  const action = "compute scores";
  const { columns, weights, bias } = foldedInput(model, x, action, options);
  if (isCsr(x)) {
    if (options.backend === "wasm") {
      throw new RangeError(
        `Cannot ${action}: the wasm kernels do not take sparse (CSR) input; use backend "ts" or ` +
          '"auto" (which score CSR inputs on the float64 reference), or csrToDense',
      );
    }
    return checkScores(csrScores(weights, bias, x, columns), action);
  }
  const k = bias.length, d = model.weights.cols, n = x.rows;
  const reference = (i: number, out: Float64Array) =>
    referenceRow(weights, bias, x, columns, i, out);
  if (useKernels(options.backend ?? "auto", x, k * d)) {
    const scorer = kernelScorer(planKernel(weights, bias, columns, x.cols), weights, bias, n, {
      threads: options.threads,
    });
    try {
      return checkScores(scoreRows(scorer, x, reference), action);
    } finally {
      scorer.close();
    }
  }
  return referenceScores(weights, bias, x, columns, action);
}

/**
 * {@linkcode decisionFunction} on the float64 TypeScript reference whatever `options.backend`
 * says (the same scores as `backend: "ts"`): it never refers to the WebAssembly kernels, so a
 * bundle that imports it without `decisionFunction` leaves them out (`lib/browser_lite.ts`).
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`), dense or CSR.
 * @param options Input columns; backend and threads are checked, then unused.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} As {@linkcode decisionFunction}.
 * @throws {RangeError} As {@linkcode decisionFunction}.
 */
export function referenceDecisionFunction(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Matrix<Float64Array> {
  const action = "compute scores";
  const { columns, weights, bias } = foldedInput(model, x, action, options);
  if (isCsr(x)) return checkScores(csrScores(weights, bias, x, columns), action);
  return referenceScores(weights, bias, x, columns, action);
}

/**
 * Float64 scores of folded weights on CSR inputs (checked), in the summation order of the dense
 * reference (`referenceRow`): each row's stored entries in column order, or, with `columns`,
 * every model feature in order, read from the row scattered into a buffer of the input width.
 *
 * @param weights Effective weights `(k, d)`.
 * @param bias Effective bias `(k)`.
 * @param x Inputs, CSR.
 * @param columns Input column of each feature, or `null`.
 * @returns Scores `(nSamples, k)`, not yet checked for overflow.
 */
export function csrScores(
  weights: Float64Array,
  bias: Float64Array,
  x: CsrMatrix,
  columns: ArrayLike<number> | null,
): Matrix<Float64Array> {
  const k = bias.length, d = weights.length / k, n = x.rows;
  const { indptr, indices, values } = x;
  const out = new Float64Array(n * k);
  const row = columns === null ? null : new Float64Array(x.cols);
  for (let i = 0; i < n; i++) {
    const s0 = indptr[i], s1 = indptr[i + 1];
    if (row === null) {
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        let s = bias[c];
        for (let q = s0; q < s1; q++) s += weights[wo + indices[q]] * values[q];
        out[i * k + c] = s;
      }
      continue;
    }
    for (let q = s0; q < s1; q++) row[indices[q]] = values[q];
    for (let c = 0; c < k; c++) {
      const wo = c * d;
      let s = bias[c];
      for (let j = 0; j < d; j++) s += weights[wo + j] * row[columns![j]];
      out[i * k + c] = s;
    }
    for (let q = s0; q < s1; q++) row[indices[q]] = 0;
  }
  return { data: out, rows: n, cols: k };
}

/** The float64 reference scores of folded weights, after the checks of `decisionFunction`. */
function referenceScores(
  weights: Float64Array,
  bias: Float64Array,
  x: Matrix,
  columns: ArrayLike<number> | null,
  action: string,
): Matrix<Float64Array> {
  assertFinite(action, "x", x.data, x.cols);
  const k = bias.length, n = x.rows;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) referenceRow(weights, bias, x, columns, i, out);
  return checkScores({ data: out, rows: n, cols: k }, action);
}

/**
 * Class probabilities for raw inputs.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`), dense or CSR.
 * @param options Backend, input columns, threads (see {@linkcode decisionFunction}).
 * @returns Probabilities, shape `(nSamples, nClasses)`; each row sums to 1.
 * @throws {TypeError} If the model is malformed or `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or a score overflows.
 */
export function predictProba(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Matrix<Float64Array> {
  return probabilitiesFromScores(model, decisionFunction(model, x, options));
}

/**
 * Turns decision scores into class probabilities (stable softmax or sigmoid).
 *
 * @param model The model (for its link and classes).
 * @param scores Scores, shape `(nSamples, nOutputs)`.
 * @returns Probabilities, shape `(nSamples, nClasses)`; each row sums to 1.
 * @throws {TypeError} If `scores` is not a matrix of the model's number of outputs, or a sigmoid
 *   model does not have 2 classes.
 * @throws {RangeError} If a score is NaN, or a softmax row's largest score is infinite (+Infinity,
 *   or -Infinity throughout). An infinite sigmoid score is probability 0 or 1, and -Infinity in a
 *   softmax row with a finite largest score is probability 0.
 */
export function probabilitiesFromScores(
  model: Pick<LogisticModel, "link" | "classes">,
  scores: Matrix,
): Matrix<Float64Array> {
  const action = "compute probabilities";
  assertMatrix(action, "scores", scores);
  const nc = model.classes.length;
  if (model.link === "sigmoid" && nc !== 2) {
    throw new TypeError(`Cannot ${action}: a sigmoid model has 2 classes, got ${nc}`);
  }
  const want = model.link === "sigmoid" ? 1 : nc;
  if (scores.cols !== want) {
    throw new TypeError(
      `Cannot ${action}: scores have ${counted(scores.cols, "column")}, a ${model.link} model ` +
        `of ${nc} classes gives ${want}`,
    );
  }
  refuseNaN(action, scores);
  const n = scores.rows;
  const out = new Float64Array(n * nc);
  if (model.link === "sigmoid") {
    for (let i = 0; i < n; i++) {
      const z = scores.data[i];
      out[2 * i + 1] = sigmoid(z);
      out[2 * i] = sigmoid(-z);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * nc;
      let m = -Infinity;
      for (let c = 0; c < nc; c++) m = Math.max(m, scores.data[o + c]);
      if (m - m !== 0) {
        // Shifted by an infinite maximum, every term is NaN or 0: no probabilities.
        const c = m > 0 ? scores.data.subarray(o, o + nc).indexOf(m) : 0;
        throw new RangeError(`Cannot ${action}: scores holds ${m} at row ${i}, column ${c}`);
      }
      let sum = 0;
      for (let c = 0; c < nc; c++) sum += out[o + c] = Math.exp(scores.data[o + c] - m);
      for (let c = 0; c < nc; c++) out[o + c] /= sum;
    }
  }
  return { data: out, rows: n, cols: nc };
}

/**
 * Predicted class indices for raw inputs (ties go to the lower class index). A binary model with
 * a `threshold` labels a row 1 iff its score is above `logit(threshold)`.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`), dense or CSR.
 * @param options Backend, input columns, threads (see {@linkcode decisionFunction}).
 * @returns Class index per sample; `model.classes[i]` is the label.
 * @throws {TypeError} If the model is malformed or `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or a score overflows.
 */
export function predict(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Int32Array {
  return classesFromScores(decisionFunction(model, x, options), scoreCutoff(model));
}

/**
 * Predicted labels (the model's class names) for raw inputs.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`), dense or CSR.
 * @param options Backend, input columns, threads (see {@linkcode decisionFunction}).
 * @returns One label per sample.
 */
export function predictLabels(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): string[] {
  return Array.from(predict(model, x, options), (c) => model.classes[c]);
}

/**
 * Class indices from scores: the arg-max per row (ties go to the lower index), or
 * `score > cutoff` for one column (a binary model's `scoreCutoff(model)`: 0, or the logit of its
 * threshold).
 *
 * @param scores Scores, shape `(nSamples, nOutputs)`.
 * @param cutoff For one column, the score above which a row is class 1 (a tie is class 0);
 *   unused for more columns.
 * @returns Class index per row.
 * @throws {TypeError} If `scores` is not a matrix with at least one column.
 * @throws {RangeError} If a score is NaN (an infinite one is compared as it is).
 */
export function classesFromScores(scores: Matrix, cutoff = 0): Int32Array {
  const action = "pick classes";
  assertMatrix(action, "scores", scores);
  const { rows: n, cols: k, data } = scores;
  if (k === 0) throw new TypeError(`Cannot ${action}: scores have no columns`);
  refuseNaN(action, scores);
  const out = new Int32Array(n);
  if (k === 1) {
    for (let i = 0; i < n; i++) out[i] = data[i] > cutoff ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (data[o + c] > data[o + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Throws naming the first NaN score: it never wins a comparison, so it would pass unseen. */
function refuseNaN(action: string, scores: Matrix): void {
  const { data, cols } = scores;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== data[i]) {
      throw new RangeError(
        `Cannot ${action}: scores holds NaN at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
    }
  }
}

/**
 * Refuses scores that overflowed (finite inputs and weights whose products exceed float64), so
 * that no caller turns them into NaN probabilities or a class picked from Infinity.
 *
 * @param scores The scores.
 * @param action What the caller was doing, for messages.
 * @returns `scores`.
 * @throws {RangeError} Naming the first score that is not finite.
 */
export function checkScores(
  scores: Matrix<Float64Array>,
  action: string,
): Matrix<Float64Array> {
  const out = scores.data, k = scores.cols;
  for (let i = 0; i < out.length; i++) {
    if (out[i] - out[i] !== 0) {
      throw new RangeError(
        `Cannot ${action}: the score of row ${Math.floor(i / k)} (output ${i % k}) is ` +
          `${out[i]}: the inputs are too large for the model's weights`,
      );
    }
  }
  return scores;
}

/**
 * Checks `x` and the options against the model; returns the validated columns (or `null`).
 * Finiteness is checked by the caller (the kernels check it as they go).
 */
function checkInput(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  action: string,
  options: PredictOptions,
): ArrayLike<number> | null {
  validateModel(model, action);
  // A CSR matrix is checked whole, its values finite included.
  if (isCsr(x)) assertCsr(action, "x", x);
  else assertMatrix(`${action}`, "x", x);
  checkOptionKeys(action, options, PREDICT_OPTION_KEYS);
  checkBackendOptions(action, options);
  const d = model.weights.cols;
  const columns = options.columns;
  if (columns === undefined) {
    assertWidth(action, "x", x, d);
    return null;
  }
  if (columns === null || typeof columns !== "object" || columns.length !== d) {
    throw new TypeError(
      `Cannot ${action}: columns must hold one column of x per model feature (${d}), got ${
        describe(columns)
      }`,
    );
  }
  for (let j = 0; j < d; j++) {
    const c = columns[j];
    if (!Number.isInteger(c) || c < 0 || c >= x.cols) {
      throw new TypeError(
        `Cannot ${action}: columns[${j}] is ${typeof c === "number" ? c : describe(c)}, ` +
          `not a column of x (0..${x.cols - 1})`,
      );
    }
  }
  return columns;
}
