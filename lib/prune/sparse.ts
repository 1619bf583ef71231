/**
 * Sparse inference: a pruned model stored as compressed sparse rows (one row per output, so per
 * class for softmax) with its preprocessing folded in, and prediction that visits only the
 * non-zero weights: the WebAssembly sparse kernel for large float32 batches, the TypeScript
 * reference otherwise (see `PredictOptions.backend`).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertFinite,
  assertMatrix,
  assertWidth,
  checkBackendOptions,
  checkOptionKeys,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import { oneShotScorers } from "../kernels/scorers.ts";
import { scoreRows, useKernels } from "../model/kernel_scores.ts";
import { checkThreshold, scoreCutoff, thresholdOf } from "../model/decision_threshold.ts";
import { sigmoid } from "../model/loss.ts";
import {
  assertFoldFinite,
  checkScores,
  foldPreprocessing,
  type PredictOptions,
} from "../model/predict.ts";
import { type Link, type LogisticModel, outputCount } from "../model/types.ts";
import { checkClasses, validateModel } from "../model/validate_model.ts";

/**
 * A model in compressed sparse row form, for raw inputs (preprocessing folded in). Row `c`'s
 * non-zero weights are `values[rowStart[c] .. rowStart[c + 1])` at feature columns
 * `columns[...]`, ascending.
 */
export interface SparseModel {
  /** Tag of the layout. */
  readonly kind: "sparse-logistic-regression";
  /** The link, as in the dense model. */
  readonly link: Link;
  /** Class labels. */
  readonly classes: readonly string[];
  /** Names of the raw input features. */
  readonly featureNames: readonly string[];
  /** Number of raw input features. */
  readonly nFeatures: number;
  /** Row offsets, shape `(nOutputs + 1)`. */
  readonly rowStart: Int32Array;
  /** Feature column of each stored weight, shape `(nNonZero)`. */
  readonly columns: Int32Array;
  /** The stored (non-zero) weights, shape `(nNonZero)`, for raw inputs. */
  readonly values: Float64Array;
  /** Bias for raw inputs, shape `(nOutputs)`. */
  readonly bias: Float64Array;
  /** The dense model's decision threshold (binary models; absent: 0.5). */
  readonly threshold?: number;
}

/**
 * Converts a (pruned) model to compressed sparse rows, folding its preprocessing into weights
 * and bias so the kernels take raw inputs. Zero weights are not stored (standardisation divides
 * weights by the scale, so zeros stay zeros).
 *
 * @param model The model.
 * @returns The sparse model.
 * @throws {TypeError} If the model is malformed.
 * @throws {RangeError} If the standardisation folded into the weights overflows float64 (a
 *   folded weight or bias would be infinite or NaN; see {@linkcode assertFoldFinite}).
 *
 * @example Only non-zeros are stored
 * ```ts
 * import { toSparseModel } from "./sparse.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "softmax",
 *   weights: { data: Float64Array.from([0, 2, 0, 0, 0, -1]), rows: 2, cols: 3 },
 *   bias: Float64Array.from([0.5, 0]), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" },
 * };
 * const s = toSparseModel(model);
 * assert.deepEqual([...s.rowStart], [0, 1, 2]);
 * assert.deepEqual([...s.columns], [1, 2]);
 * assert.deepEqual([...s.values], [2, -1]);
 * ```
 */
export function toSparseModel(model: LogisticModel): SparseModel {
  const action = "convert model to sparse form";
  validateModel(model, action);
  const { weights, bias } = foldPreprocessing(model);
  // As decisionFunction: an overflowed fold stored Infinity (and a NaN bias) without a word.
  assertFoldFinite(action, { weights, bias });
  const { rows: k, cols: d } = model.weights;
  const rowStart = new Int32Array(k + 1);
  let nnz = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) nnz++;
  const columns = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let c = 0; c < k; c++) {
    rowStart[c] = p;
    for (let j = 0; j < d; j++) {
      const v = weights[c * d + j];
      if (v !== 0) {
        columns[p] = j;
        values[p++] = v;
      }
    }
  }
  rowStart[k] = p;
  return {
    kind: "sparse-logistic-regression",
    link: model.link,
    classes: model.classes,
    featureNames: model.featureNames,
    nFeatures: d,
    rowStart,
    columns,
    values,
    bias: bias.slice(),
    ...thresholdOf(model),
  };
}

/** Options of the sparse prediction functions: backend and threads, as for `predict`. */
export type SparsePredictOptions = Pick<PredictOptions, "backend" | "threads">;

/**
 * Decision scores of a sparse model for raw inputs: for each sample and output, the bias plus
 * the stored weights times their features, skipping every zero. On the float64 reference
 * (`backend: "ts"`, and `"auto"` for float64 or small inputs) the sum runs over ascending
 * columns like the dense reference's, so the scores equal `decisionFunction` of the dense model
 * with `backend: "ts"` (adding a zero term never changes a floating-point sum); the WebAssembly
 * sparse kernel (float32 inputs) agrees with them within float32 rounding (the bound in
 * `PredictOptions.backend`, with `d` the stored weights of the output).
 *
 * @param model The sparse model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If the sparse model is malformed (a field missing or of the wrong type,
 *   outputs that do not match its link and classes, row offsets or columns out of order), or
 *   `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or an option is out of range.
 *
 * @example Scores skip zeros
 * ```ts
 * import { sparseDecisionFunction, toSparseModel } from "./sparse.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([0, 2, 0]), rows: 1, cols: 3 },
 *   bias: Float64Array.from([1]), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" },
 * };
 * const z = sparseDecisionFunction(toSparseModel(model), fromRows([[5, 3, 7]]));
 * assert.deepEqual([...z.data], [7]);
 * ```
 */
export function sparseDecisionFunction(
  model: SparseModel,
  x: Matrix,
  options: SparsePredictOptions = {},
): Matrix<Float64Array> {
  const action = "compute sparse scores";
  checkSparse(model, action);
  checkOptionKeys(
    action,
    options,
    {
      backend: true,
      threads: true,
    } satisfies OptionKeys<SparsePredictOptions>,
  );
  assertMatrix(action, "x", x);
  assertWidth(action, "x", x, model.nFeatures);
  const backend = checkBackendOptions(action, options);
  const { rowStart, columns, values, bias } = model;
  const k = bias.length, d = x.cols, n = x.rows;
  const xd = x.data;
  const row = (i: number, out: Float64Array) => {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      let s = bias[c];
      const end = rowStart[c + 1];
      for (let p = rowStart[c]; p < end; p++) s += values[p] * xd[o + columns[p]];
      out[i * k + c] = s;
    }
  };
  // The dense kernel's work per row decides, as for predict: the sparse kernel does less.
  if (useKernels(backend, x, k * d)) {
    const scorer = oneShotScorers.sparse(n, {
      indptr: rowStart,
      indices: columns,
      values,
      bias,
      nFeatures: d,
    }, { threads: options.threads });
    try {
      return checkScores(scoreRows(scorer, x, row), action);
    } finally {
      scorer.close();
    }
  }
  assertFinite(action, "x", x.data, x.cols);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) row(i, out);
  return checkScores({ data: out, rows: n, cols: k }, action);
}

/**
 * Predicted class indices of a sparse model (ties go to the lower class index).
 *
 * @param model The sparse model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads (see {@linkcode sparseDecisionFunction}).
 * @returns Class index per sample.
 * @throws {TypeError} If the sparse model is malformed (a field missing or of the wrong type,
 *   outputs that do not match its link and classes, row offsets or columns out of order), or
 *   `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity.
 */
export function sparsePredict(
  model: SparseModel,
  x: Matrix,
  options: SparsePredictOptions = {},
): Int32Array {
  const z = sparseDecisionFunction(model, x, options);
  const k = z.cols, n = z.rows, out = new Int32Array(n);
  const cutoff = scoreCutoff(model);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      out[i] = z.data[i] > cutoff ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (z.data[i * k + c] > z.data[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * Class probabilities of a sparse model (stable softmax, or sigmoid for one output).
 *
 * @param model The sparse model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads (see {@linkcode sparseDecisionFunction}).
 * @returns Probabilities, shape `(nSamples, nClasses)`.
 * @throws {TypeError} If the sparse model is malformed (a field missing or of the wrong type,
 *   outputs that do not match its link and classes, row offsets or columns out of order), or
 *   `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity.
 */
export function sparsePredictProba(
  model: SparseModel,
  x: Matrix,
  options: SparsePredictOptions = {},
): Matrix<Float64Array> {
  const z = sparseDecisionFunction(model, x, options);
  const n = z.rows, nc = model.classes.length;
  const out = new Float64Array(n * nc);
  for (let i = 0; i < n; i++) {
    if (model.link === "sigmoid") {
      out[2 * i + 1] = sigmoid(z.data[i]);
      out[2 * i] = sigmoid(-z.data[i]);
      continue;
    }
    const o = i * nc;
    let m = -Infinity;
    for (let c = 0; c < nc; c++) m = Math.max(m, z.data[o + c]);
    let sum = 0;
    for (let c = 0; c < nc; c++) sum += out[o + c] = Math.exp(z.data[o + c] - m);
    for (let c = 0; c < nc; c++) out[o + c] /= sum;
  }
  return { data: out, rows: n, cols: nc };
}

function checkSparse(model: SparseModel, action: string): void {
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  if (typeof model !== "object" || model === null || model.kind !== "sparse-logistic-regression") {
    fail("not a sparse model (use toSparseModel)");
  }
  // Every field, as validateModel checks a dense model's: a missing one ended in 'Cannot read
  // properties of undefined', and a class count that disagreed with the outputs gave NaN
  // probabilities (or a sigmoid read of softmax scores) without a word.
  const { link, classes, bias, rowStart, columns, values, nFeatures } = model;
  if (link !== "sigmoid" && link !== "softmax") fail(`unknown link '${link}'`);
  checkClasses(action, classes);
  checkThreshold(action, link, model.threshold);
  const k = outputCount(link, classes.length);
  if (!(bias instanceof Float64Array) || bias.length !== k) {
    fail(
      `bias must be a Float64Array of ${k} values (a ${link} model of ${classes.length} classes)`,
    );
  }
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    fail(`nFeatures must be a positive integer, got ${describe(nFeatures)}`);
  }
  // Prediction does not read the names: their count only, as checking every name (distinct
  // strings) doubled the cost of a one-row call.
  const names = model.featureNames;
  if (!Array.isArray(names) || names.length !== nFeatures) {
    fail(`featureNames must be an array of ${nFeatures} names, got ${describe(names)}`);
  }
  if (
    !(rowStart instanceof Int32Array) || !(columns instanceof Int32Array) ||
    !(values instanceof Float64Array)
  ) {
    fail("rowStart and columns must be Int32Arrays, values a Float64Array");
  }
  const nnz = values.length;
  if (
    rowStart.length !== k + 1 || rowStart[0] !== 0 || rowStart[k] !== nnz ||
    columns.length !== nnz
  ) {
    fail("the sparse model's row offsets do not match its values");
  }
  for (let c = 0; c < k; c++) {
    if (rowStart[c + 1] < rowStart[c]) {
      fail(`the row offsets decrease at output ${c} (${rowStart[c]}, then ${rowStart[c + 1]})`);
    }
  }
  for (let c = 0; c < k; c++) {
    for (let p = rowStart[c]; p < rowStart[c + 1]; p++) {
      const j = columns[p];
      if (!(j >= 0 && j < nFeatures) || (p > rowStart[c] && j <= columns[p - 1])) {
        fail(`stored weight ${p} has column ${j} (columns ascend in [0, ${nFeatures}) per row)`);
      }
    }
  }
  assertFinite(action, "values", values);
  assertFinite(action, "bias", bias);
}
