/**
 * Prepared inference: a float model laid out once in kernel memory for many calls (batch after
 * batch, or row by row), on the WebAssembly kernel that fits its form.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { assertCsr, type CsrMatrix, isCsr } from "../core/sparse.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  describe,
  emptyBatchHint,
} from "../core/validate.ts";
import type { Scorer } from "../kernels/scorers.ts";
import {
  kernelScorer,
  planKernel,
  type PredictBackend,
  referenceRow,
  scoreRows,
} from "./kernel_scores.ts";
import {
  assertFoldFinite,
  checkScores,
  classesFromScores,
  csrScores,
  foldPreprocessing,
  PREDICT_OPTION_KEYS,
  type PredictOptions,
  probabilitiesFromScores,
} from "./predict.ts";
import type { LogisticModel } from "./types.ts";
import { scoreCutoff } from "./decision_threshold.ts";
import { validateModel } from "./validate_model.ts";

/** Options of {@linkcode preparePredictor}. */
export interface PredictorOptions extends PredictOptions {
  /**
   * Width of the inputs when `columns` maps the model's features into wider data. Without
   * `columns` the inputs hold the model's features alone, so the width, if given, must be their
   * number.
   * @default {max(columns) + 1, or the model's number of features without columns}
   */
  inputWidth?: number;
}

/** A model laid out for scoring. Call `close()` (or use `using`) when done with it. */
export interface Predictor {
  /** Columns per input row. */
  readonly nFeatures: number;
  /** Scores per row. */
  readonly nOutputs: number;
  /**
   * The kernel that scores float32 inputs: `"dense"`, `"sparse"` (pruned weights, compressed
   * rows), `"subset"` (unused features skipped), or `"ts"` (the float64 reference only).
   */
  readonly kernel: "dense" | "sparse" | "subset" | "ts";
  /** Threads that share a batch. */
  readonly threads: number;
  /**
   * Decision scores, shape `(nSamples, nOutputs)`: the kernel's for float32 inputs (within
   * float32 rounding of the reference, see `PredictOptions.backend`), the float64 reference's for
   * float64 inputs unless the backend is `"wasm"`, and for sparse (CSR) inputs always (the
   * scores `decisionFunction` gives them).
   */
  decisionFunction(x: Matrix | CsrMatrix): Matrix<Float64Array>;
  /** Class probabilities, shape `(nSamples, nClasses)`. */
  predictProba(x: Matrix | CsrMatrix): Matrix<Float64Array>;
  /** Predicted class indices. */
  predict(x: Matrix | CsrMatrix): Int32Array;
  /**
   * A float32 buffer in kernel memory for `rows` rows of `nFeatures` values: inputs written
   * there are scored without a copy (pass `{ data: buffer, rows, cols: nFeatures }`). Valid until
   * a call asks for more rows. Every call returns the same memory (a predictor has one input
   * buffer): tasks that share a predictor must fill and score it with no `await` in between, or
   * one task's rows are scored as another's.
   */
  inputBuffer(rows: number): Float32Array;
  /** Stops the workers and frees the kernel memory. */
  close(): void;
  /** Same as `close()`. */
  [Symbol.dispose](): void;
}

/** What `inputBuffer` refuses calls as. */
const BUFFER_ACTION = "make an input buffer";

const ACTION = "prepare predictor";

/**
 * Lays a float model out for repeated scoring: the preprocessing is folded into the weights,
 * and the weights go to the kernel that fits their zero pattern (dense; sparse rows for pruned
 * weights; a feature subset when whole features are unused or `columns` maps the model into
 * wider data). Later changes to `model` do not reach the predictor.
 *
 * @param model The model.
 * @param options Backend, input columns and width, threads (workers live until `close()`).
 * @returns The predictor.
 * @throws {TypeError} If the model is malformed or `columns` does not fit it.
 * @throws {RangeError} If an option is out of range (`inputWidth` below `max(columns) + 1`, or
 *   other than the model's number of features without `columns`), or the standardisation folded
 *   into the weights overflows float64.
 *
 * @example Score batches, then free the kernel memory
 * ```ts
 * import { preparePredictor } from "./predictor.ts";
 * import { fit } from "./fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const { x, y } = await loadEmbedded("digits");
 * const { model } = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
 * using predictor = preparePredictor(model);
 * const rows = 100, buffer = predictor.inputBuffer(rows);
 * buffer.set(x.data.subarray(0, rows * x.cols)); // float64 digits rounded to float32
 * const classes = predictor.predict({ data: buffer, rows, cols: x.cols });
 * assert.equal(classes.length, rows);
 * assert.equal(predictor.kernel, "dense");
 * ```
 */
export function preparePredictor(model: LogisticModel, options: PredictorOptions = {}): Predictor {
  const layout = layOut(model, options);
  const { weights: w, bias: b, columns, width } = layout;
  const plan = layout.backend === "ts" ? null : planKernel(w, b, columns, width);
  const scorer: Scorer<Matrix> | null = plan === null
    ? null
    : kernelScorer(plan, w, b, null, { threads: options.threads });
  return predictorOf(layout, plan === null ? "ts" : plan.kind, scorer);
}

/**
 * {@linkcode preparePredictor} on the float64 TypeScript reference whatever `options.backend`
 * says (the predictor of `backend: "ts"`, kernel `"ts"`): it never refers to the WebAssembly
 * kernels, so a bundle that imports it without `preparePredictor` leaves them out
 * (`lib/browser_lite.ts`).
 *
 * @param model The model.
 * @param options Input columns and width; backend and threads are checked, then unused.
 * @returns The predictor.
 * @throws {TypeError} As {@linkcode preparePredictor}.
 * @throws {RangeError} As {@linkcode preparePredictor}.
 */
export function prepareReferencePredictor(
  model: LogisticModel,
  options: PredictorOptions = {},
): Predictor {
  return predictorOf(layOut(model, options), "ts", null);
}

/** A model laid out by {@linkcode layOut}: the predictor's own copy of what it reads. */
interface Layout {
  readonly backend: PredictBackend;
  readonly columns: Int32Array | null;
  readonly width: number;
  /** Folded weights `(k, d)`. */
  readonly weights: Float64Array;
  /** Folded bias `(k)`. */
  readonly bias: Float64Array;
  /** What probabilities read of the model. */
  readonly shape: Pick<LogisticModel, "link" | "classes">;
  /** The score above which a binary row is class 1 (`scoreCutoff(model)`). */
  readonly cutoff: number;
}

/** The checks of {@linkcode preparePredictor}, then the folded model, copied. */
function layOut(model: LogisticModel, options: PredictorOptions): Layout {
  validateModel(model, ACTION);
  checkOptionKeys(ACTION, options, { ...PREDICT_OPTION_KEYS, inputWidth: true });
  const backend = checkBackendOptions(ACTION, options);
  const d = model.weights.cols;
  let columns: Int32Array | null = null;
  let width = d;
  if (options.columns !== undefined) {
    const cs = options.columns;
    if (cs === null || typeof cs !== "object" || cs.length !== d) {
      throw new TypeError(
        `Cannot ${ACTION}: columns must hold one input column per model feature (${d}), got ${
          describe(cs)
        }`,
      );
    }
    let max = -1;
    for (let j = 0; j < d; j++) {
      if (!Number.isInteger(cs[j]) || cs[j] < 0) {
        const c = typeof cs[j] === "number" ? cs[j] : describe(cs[j]);
        throw new TypeError(`Cannot ${ACTION}: columns[${j}] is ${c}, not a column index`);
      }
      max = Math.max(max, cs[j]);
    }
    columns = Int32Array.from(cs); // after the checks: a symbol or bigint cannot convert
    width = options.inputWidth ?? max + 1;
    assertInRange(ACTION, "inputWidth", width, max + 1, Infinity, true);
  } else if (options.inputWidth !== undefined && options.inputWidth !== d) {
    // Without columns the inputs are the model's features: another width was ignored without a
    // word, and every call then refused the inputs it had been promised to take.
    const w = options.inputWidth;
    throw new (typeof w === "number" ? RangeError : TypeError)(
      `Cannot ${ACTION}: inputWidth is ${
        typeof w === "number" ? w : describe(w)
      }, but without columns the inputs hold the model's ${
        counted(d, "feature")
      } (give columns to read them from wider data)`,
    );
  }
  const { weights, bias } = foldPreprocessing(model);
  assertFoldFinite(ACTION, { weights, bias });
  const w = weights.slice(), b = bias.slice(); // the predictor's own copy
  // What probabilities read of the model: its own copy too.
  const shape = { link: model.link, classes: [...model.classes] };
  return { backend, columns, width, weights: w, bias: b, shape, cutoff: scoreCutoff(model) };
}

/** The predictor of a layout, on `scorer` (for float32 inputs, or all with backend wasm) or not. */
function predictorOf(
  layout: Layout,
  kernel: Predictor["kernel"],
  scorer: Scorer<Matrix> | null,
): Predictor {
  const { backend, columns, width, weights: w, bias: b, shape, cutoff } = layout;
  const k = b.length;
  const reference = (x: Matrix) => (i: number, out: Float64Array) =>
    referenceRow(w, b, x, columns, i, out);
  const action = "compute scores";
  const check = (x: Matrix | CsrMatrix) => {
    if (isCsr(x)) assertCsr(action, "x", x);
    else assertMatrix(action, "x", x);
    if (x.cols !== width) {
      throw new TypeError(
        `Cannot ${action}: the predictor takes ${counted(width, "column")}, x has ${x.cols}` +
          emptyBatchHint(x, width),
      );
    }
  };
  const scores = (x: Matrix | CsrMatrix): Matrix<Float64Array> => {
    check(x);
    // Sparse rows on the float64 reference, whatever the backend (they have no kernel).
    if (isCsr(x)) return checkScores(csrScores(w, b, x, columns), action);
    if (scorer !== null && (backend === "wasm" || x.data instanceof Float32Array)) {
      return checkScores(scoreRows(scorer, x, reference(x)), action);
    }
    assertFinite(action, "x", x.data, width);
    const out = new Float64Array(x.rows * k);
    const row = reference(x);
    for (let i = 0; i < x.rows; i++) row(i, out);
    return checkScores({ data: out, rows: x.rows, cols: k }, action);
  };
  let closed = false;
  /** The input buffer without kernels: grown when a call asks for more rows. */
  let buffer = new Float32Array(0);
  // `what` is the call's action: a closed predictor's input buffer was refused as "Cannot compute
  // scores", though nothing was being scored.
  const ensureOpen = (what = action) => {
    if (closed) throw new RangeError(`Cannot ${what}: the predictor is closed`);
  };
  return {
    nFeatures: width,
    nOutputs: k,
    kernel,
    threads: scorer?.threads ?? 1,
    decisionFunction(x) {
      ensureOpen();
      return scores(x);
    },
    predictProba(x) {
      ensureOpen();
      return probabilitiesFromScores(shape, scores(x));
    },
    predict(x) {
      ensureOpen();
      return classesFromScores(scores(x), cutoff);
    },
    inputBuffer(rows) {
      // The kernel scorers' action and bound (2^31 rows passed here, then their check refused
      // it in other words).
      ensureOpen(BUFFER_ACTION);
      assertInRange(BUFFER_ACTION, "rows", rows, 0, 2 ** 31 - 1, true);
      if (scorer !== null) return scorer.inputBuffer(rows);
      // One buffer, as the kernels' (it was a new one per call: rows written into one call's
      // buffer were not in the next call's, which the contract promised to be the same memory).
      if (rows * width > buffer.length) buffer = new Float32Array(rows * width);
      return buffer.subarray(0, rows * width);
    },
    close() {
      closed = true;
      scorer?.close();
    },
    [Symbol.dispose]() {
      this.close();
    },
  };
}
