/**
 * Inference on quantized models with the kernel that fits their codes, without expanding them
 * back to dense float weights where a kernel runs on the codes themselves:
 *
 * - **integer**: a model calibrated with `calibrateInput` (uniform or log2 weights, int32 bias)
 *   runs integer-only inference: 8-bit input codes, int8 or int16 integer weights
 *   (`code - zeroPoint`, or `±2^(E - e)` for log2: a multiply by a power of two, which is the
 *   shift), int32 sums, one float64 rescale per output; the same scores bit for bit as
 *   `integerDecisionFunction`'s TypeScript reference.
 * - **lookup**: codebook weights of at most 16 levels, and uniform or log2 weights of at most 4
 *   bits that are not calibrated, per tensor or per class: 4-bit codes packed two per byte,
 *   looked up 16 at a time in a float32 table per output, float inputs; within float32 rounding
 *   of the dequantized model.
 * - **dense**: everything else runs the float kernels on the dequantized weights (float16
 *   weights are exact in float32; per-feature groups and codebooks above 16 levels are rounded
 *   to float32), so within float32 rounding of the dequantized model.
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import type { Matrix } from "../core/matrix.ts";
import { type CsrMatrix, isCsr } from "../core/sparse.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  assertWidth,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  type OptionKeys,
  refuseSparse,
  typeWithArticle,
} from "../core/validate.ts";
import { oneShotScorers, prepareInteger, preparePacked4Float } from "../kernels/scorers.ts";
import type { IntegerScorer, Scorer } from "../kernels/scorers.ts";
import type { Packed4Form } from "../kernels/forms.ts";
import {
  type PredictBackend,
  referenceRow,
  scoreRows,
  useKernels,
} from "../model/kernel_scores.ts";
import {
  checkScores,
  classesFromScores,
  decisionFunction,
  foldPreprocessing,
  probabilitiesFromScores,
  referenceDecisionFunction,
} from "../model/predict.ts";
import { type Predictor, preparePredictor, prepareReferencePredictor } from "../model/predictor.ts";
import type { LogisticModel } from "../model/types.ts";
import { log2Value } from "./dequantize.ts";
import { codeRange } from "./grid.ts";
import {
  integerDecisionFunction,
  type IntegerModel,
  integerReferenceDecisionFunction,
  integerScoresKernel,
  prepareIntegerModel,
  prepareIntegerModelForCall,
} from "./integer.ts";
import { biasValues, dequantizeModel } from "./model.ts";
import type { QuantizedModel } from "./types.ts";
import { validateQuantizedModel } from "./validate.ts";

/** Options of the quantized prediction functions. */
export interface QuantizedPredictOptions {
  /**
   * `"auto"`: the kernels for float32 inputs (any inputs for integer-only inference, which is
   * exact either way) when a one-shot call does at least 2^13 multiply-adds, always for a
   * prepared predictor; `"wasm"`: the kernels for any input; `"ts"`: the references
   * (`integerDecisionFunction` in TypeScript, or the dequantized model in float64).
   * @default {"auto"}
   */
  backend?: PredictBackend;
  /**
   * Threads that share a batch (workers live until `close()` of a prepared predictor, or until
   * the end of a one-shot call).
   * @default {1}
   */
  threads?: number;
}

/** A quantized model laid out for scoring. Call `close()` (or use `using`) when done with it. */
export interface QuantizedPredictor {
  /** Features per input row. */
  readonly nFeatures: number;
  /** Scores per row. */
  readonly nOutputs: number;
  /**
   * `"integer"` (integer-only, int8/int16 kernels), `"lookup"` (packed 4-bit codes into float32
   * tables), `"dense"` (float32 weights of the dequantized model), or `"ts"` (references only).
   */
  readonly kernel: "integer" | "lookup" | "dense" | "ts";
  /** `"wasm-relaxed"` when the integer kernel uses the relaxed dot product, else `"wasm"`/`"ts"`. */
  readonly path: string;
  /** Threads that share a batch. */
  readonly threads: number;
  /**
   * Decision scores of raw float inputs, shape `(nSamples, nOutputs)`. Sparse (CSR) inputs are
   * scored as `quantizedDecisionFunction` scores them (the dequantized model's float64
   * reference), and refused by an integer-only predictor.
   */
  decisionFunction(x: Matrix | CsrMatrix): Matrix<Float64Array>;
  /** Class probabilities, shape `(nSamples, nClasses)`. */
  predictProba(x: Matrix | CsrMatrix): Matrix<Float64Array>;
  /** Predicted class indices. */
  predict(x: Matrix | CsrMatrix): Int32Array;
  /**
   * Integer-only scores of 8-bit input codes (the model's input dtype), `nSamples * nFeatures`
   * row-major (e.g. raw pixel bytes when the input scale is 1/255).
   *
   * @throws {TypeError} If the predictor is not integer-only or the codes do not fit.
   */
  decisionFunctionFromCodes(xq: Uint8Array | Int8Array, nSamples: number): Matrix<Float64Array>;
  /**
   * A buffer in kernel memory for `rows` rows: float32 inputs for the float kernels, 8-bit codes
   * as bytes for an integer-only predictor, on the integer kernel or the reference (view it as
   * `Int8Array` for int8 inputs; the buffer itself is scored as such). Inputs written there are
   * scored without a copy. Valid until a call asks for more rows. Every call returns the same
   * memory (a predictor has one input buffer): tasks that share a predictor must fill and score
   * it with no `await` in between, or one task's rows are scored as another's.
   */
  inputBuffer(rows: number): Float32Array | Uint8Array;
  /** Stops the workers and frees the kernel memory. */
  close(): void;
  /** Same as `close()`. */
  [Symbol.dispose](): void;
}

/** What `inputBuffer` refuses calls as. */
const BUFFER_ACTION = "make an input buffer";

const ACTION = "prepare quantized predictor";

/**
 * The packed 4-bit lookup form of a model's weights, or `null` if its codes do not fit: codebook
 * weights with at most 16 levels, uniform or log2 weights of at most 16 codes, per tensor or per
 * class, with an exact 0 entry for masked weights. Standardisation becomes a per-feature input
 * scale and a bias shift (a shared table cannot absorb a per-feature factor), computed from
 * `dense`, the dequantized weights of `q`.
 */
function lookupForm(
  q: QuantizedModel,
  dense: Float64Array,
): (Packed4Form & { readonly inputScale?: Float64Array }) | null {
  const t = q.weights;
  if (t.kind === "float16" || t.granularity === "feature") return null;
  const { rows: k, cols: d } = t;
  let min: number, count: number;
  let value: (g: number, code: number) => number;
  if (t.kind === "codebook") {
    min = 0;
    count = t.levels;
    value = (g, code) => t.codebook[g * t.levels + code];
  } else {
    const r = codeRange(t.kind, t.kind === "uniform" ? t.scheme : "symmetric", t.bits);
    min = r.min;
    count = r.max - r.min + 1;
    value = t.kind === "uniform"
      ? (g, code) => t.scale[g] * (code - t.zeroPoint[g])
      : (g, code) => log2Value(code, t.scale[g]);
  }
  if (count > 16) return null;
  const groups = t.granularity === "tensor" ? 1 : k;
  const table = new Float64Array(16 * groups);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < count; i++) table[16 * g + i] = value(g, min + i);
  }
  // Masked weights are exactly 0 whatever their code: point them at a 0 entry.
  let zero = -1;
  if (q.mask) {
    for (let i = 0; i < count && zero < 0; i++) {
      let all = true;
      for (let g = 0; g < groups; g++) if (table[16 * g + i] !== 0) all = false;
      if (all) zero = i;
    }
    if (zero < 0) {
      if (count === 16) return null;
      zero = count; // the padding entries are 0
    }
  }
  const rb = Math.ceil(d / 2);
  const packed = new Uint8Array(k * rb);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const i = c * d + j;
      const idx = q.mask && q.mask[i] === 0 ? zero : t.codes[i] - min;
      packed[c * rb + (j >> 1)] |= j & 1 ? idx << 4 : idx;
    }
  }
  const bias = biasValues(q.bias);
  const p = q.preprocessing;
  if (p.kind === "none") {
    return { packed, codebook: Float32Array.from(table), bias, nFeatures: d };
  }
  // W (x - mean) / scale + b = W (x * s) + (b - W (mean * s)), s = 1 / scale.
  const s = Float64Array.from(p.scale, (v) => 1 / v);
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) shift += dense[c * d + j] * p.mean[j] * s[j];
    bias[c] -= shift;
  }
  return { packed, codebook: Float32Array.from(table), bias, nFeatures: d, inputScale: s };
}

/**
 * The integer model of a calibrated uniform/log2 model, or `null`: `prepareIntegerModel`, or with
 * `call`, `prepareIntegerModelForCall` for a one-shot call of a model validated in that call.
 */
function integerModelOf(
  q: QuantizedModel,
  call?: { readonly backend: PredictBackend; readonly rows: number },
): IntegerModel | null {
  if (!integerOnly(q)) return null;
  return call === undefined
    ? prepareIntegerModel(q)
    : prepareIntegerModelForCall(q, call.backend, call.rows);
}

/** Whether a quantized model scores integer-only: a calibrated uniform/log2 model. */
function integerOnly(q: QuantizedModel): boolean {
  return !!q.input && q.bias.kind === "int32" &&
    (q.weights.kind === "uniform" || q.weights.kind === "log2");
}

const QUANTIZED_PREDICT_OPTION_KEYS: OptionKeys<QuantizedPredictOptions> = {
  backend: true,
  threads: true,
};

/**
 * Lays a quantized model out for repeated scoring on the kernel that fits its codes (see the
 * module documentation): integer-only for calibrated uniform and log2 models, the packed 4-bit
 * lookup for codebooks (and uncalibrated low-bit grids), float32 weights otherwise.
 *
 * @param q The quantized model.
 * @param options Backend, threads (workers live until `close()`).
 * @returns The predictor.
 * @throws {TypeError} If `q` is malformed.
 * @throws {RangeError} If a calibrated model could overflow int32, the standardisation folded into
 *   the weights of a model scored on float inputs overflows float64, or an option is out of range.
 *
 * @example An 8-bit model, integer-only on the int8 kernel
 * ```ts
 * import { prepareQuantizedPredictor } from "./predictor.ts";
 * import { calibrateInput, integerDecisionFunction, prepareIntegerModel } from "./integer.ts";
 * import { quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const { x, y } = await loadEmbedded("digits");
 * const { model } = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
 * const q = calibrateInput(quantizeModel(model), x);
 * using predictor = prepareQuantizedPredictor(q);
 * assert.equal(predictor.kernel, "integer");
 * const reference = integerDecisionFunction(prepareIntegerModel(q), x, { backend: "ts" });
 * assert.deepEqual(predictor.decisionFunction(x).data, reference.data); // bit for bit
 * ```
 */
export function prepareQuantizedPredictor(
  q: QuantizedModel,
  options: QuantizedPredictOptions = {},
): QuantizedPredictor {
  const layout = layOutQuantized(q, options);
  const { backend, model, integer } = layout;
  if (integer !== null) {
    const fits = !(integer.weights instanceof Int32Array) && backend !== "ts";
    const scorer: IntegerScorer | null = fits
      ? prepareInteger(
        {
          weights: integer.weights as Int8Array | Int16Array,
          bias: integer.bias,
          rescale: integer.rescale,
        },
        {
          threads: options.threads,
          input: {
            multiplier: integer.inputMultiplier,
            offset: integer.inputOffset,
            zeroPoint: integer.input.zeroPoint,
            dtype: integer.input.dtype,
          },
        },
      )
      : null;
    return integerPredictor(layout, integer, scorer);
  }

  const lookup = backend === "ts" ? null : lookupForm(q, model.weights.data);
  if (lookup !== null) {
    const scorer: Scorer<Matrix> = preparePacked4Float(lookup, { threads: options.threads });
    const folded = foldPreprocessing(model);
    // Float64 inputs with "auto": the reference on a copy laid out now (the one-shot call read
    // `model`, whose preprocessing is `q`'s own, so later changes to `q` reached the predictor).
    const reference = prepareReferencePredictor(model);
    return quantizedPredictorOf(
      layout,
      "lookup",
      scorer.path,
      scorer.threads,
      (x) => {
        check(x, layout.d);
        if (backend === "auto" && !(x.data instanceof Float32Array)) {
          return reference.decisionFunction(x);
        }
        return lookupScores(scorer, folded, x);
      },
      codesOnly,
      (rows) => scorer.inputBuffer(rows),
      () => scorer.close(),
    );
  }
  return densePredictor(
    layout,
    preparePredictor(model, { backend, threads: options.threads }),
  );
}

/**
 * {@linkcode prepareQuantizedPredictor} on the TypeScript references whatever `options.backend`
 * says (the predictor of `backend: "ts"`, kernel `"ts"`: integer-only inference in TypeScript
 * for calibrated models, else the dequantized model in float64): it never refers to the
 * WebAssembly kernels, so a bundle that imports it without `prepareQuantizedPredictor` leaves
 * them out (`lib/browser_lite.ts`).
 *
 * @param q The quantized model.
 * @param options Backend and threads, checked, then unused.
 * @returns The predictor.
 * @throws {TypeError} As {@linkcode prepareQuantizedPredictor}.
 * @throws {RangeError} As {@linkcode prepareQuantizedPredictor}.
 */
export function prepareQuantizedReferencePredictor(
  q: QuantizedModel,
  options: QuantizedPredictOptions = {},
): QuantizedPredictor {
  const layout = layOutQuantized(q, options);
  if (layout.integer !== null) return integerPredictor(layout, layout.integer, null);
  return densePredictor(layout, prepareReferencePredictor(layout.model));
}

/** What the quantized predictors read of a model, laid out by {@linkcode layOutQuantized}. */
interface QuantizedLayout {
  readonly backend: PredictBackend;
  /** Outputs. */
  readonly k: number;
  /** Features. */
  readonly d: number;
  /** The dequantized model (a copy). */
  readonly model: LogisticModel;
  /** The integer model of a calibrated uniform or log2 model, else `null`. */
  readonly integer: IntegerModel | null;
}

/** The checks of {@linkcode prepareQuantizedPredictor}, then the dequantized and integer models. */
function layOutQuantized(q: QuantizedModel, options: QuantizedPredictOptions): QuantizedLayout {
  validateQuantizedModel(q, ACTION);
  checkOptionKeys(ACTION, options, QUANTIZED_PREDICT_OPTION_KEYS);
  const backend = checkBackendOptions(ACTION, options);
  const { rows: k, cols: d } = q.weights;
  return { backend, k, d, model: dequantizeModel(q), integer: integerModelOf(q) };
}

const SCORE_ACTION = "compute scores";

/** The check of `x` before scoring. */
function check(x: Matrix, d: number): void {
  assertMatrix(SCORE_ACTION, "x", x);
  assertWidth(SCORE_ACTION, "x", x, d);
}

/** `decisionFunctionFromCodes` of a predictor that is not integer-only. */
function codesOnly(): never {
  throw new TypeError(
    `Cannot ${SCORE_ACTION}: only an integer-only predictor (a calibrated uniform or log2 model) ` +
      "scores input codes",
  );
}

/** The predictor of a dequantized model's float predictor (dense kernel, or the reference). */
function densePredictor(layout: QuantizedLayout, predictor: Predictor): QuantizedPredictor {
  return quantizedPredictorOf(
    layout,
    predictor.kernel === "ts" ? "ts" : "dense",
    predictor.kernel === "ts" ? "ts" : "wasm",
    predictor.threads,
    (x) => predictor.decisionFunction(x),
    codesOnly,
    (rows) => predictor.inputBuffer(rows),
    () => predictor.close(),
  );
}

/** The predictor of an integer model, on the integer kernel's `scorer` or the reference. */
function integerPredictor(
  layout: QuantizedLayout,
  integer: IntegerModel,
  scorer: IntegerScorer | null,
): QuantizedPredictor {
  const { k, d } = layout;
  const action = SCORE_ACTION;
  const want = integer.input.dtype === "uint8" ? Uint8Array : Int8Array;
  // The input buffer without the kernel: bytes, as the kernel's (an Int8Array for int8 inputs was
  // returned as the Uint8Array the interface promises).
  let codes = new Uint8Array(0);
  return quantizedPredictorOf(
    layout,
    scorer === null ? "ts" : "integer",
    scorer?.path ?? "ts",
    scorer?.threads ?? 1,
    (x) => {
      check(x, d);
      if (scorer === null) {
        // Refused here in the predictor's words (the kernels' scorer says "compute scores"
        // too), not in integerDecisionFunction's.
        assertFinite(action, "x", x.data, d);
        return integerReferenceDecisionFunction(integer, x);
      }
      return { data: scorer.scoresFromFloat(x), rows: x.rows, cols: k };
    },
    (xq, n) => {
      if (!Number.isInteger(n) || n < 0) {
        throw new TypeError(
          `Cannot ${action}: nSamples must be a non-negative integer, got ${n}`,
        );
      }
      const own = scorer === null
        ? xq?.buffer === codes.buffer
        : xq.buffer === scorer.inputBuffer(0).buffer;
      if (
        !(xq instanceof want || (own && xq instanceof Uint8Array)) || xq.length !== n * d
      ) {
        throw new TypeError(
          `Cannot ${action}: codes must be ${typeWithArticle(want.name)} of ${
            counted(n * d, "entry", { plural: "entries" })
          } (${n} x ${d})`,
        );
      }
      const data = want === Int8Array && xq instanceof Uint8Array
        ? new Int8Array(xq.buffer, xq.byteOffset, xq.length)
        : xq;
      if (scorer === null) {
        const out = new Float64Array(n * k);
        integerScoresKernel(data, n, d, integer.packedWeights, integer.bias, integer.rescale, out);
        return { data: out, rows: n, cols: k };
      }
      return { data: scorer.scores({ data, rows: n, cols: d }), rows: n, cols: k };
    },
    (rows) => {
      if (scorer !== null) return scorer.inputBuffer(rows);
      // One buffer, as the kernel's (it was a new one per call; see preparePredictor's).
      if (rows * d > codes.length) codes = new Uint8Array(rows * d);
      return codes.subarray(0, rows * d);
    },
    () => scorer?.close(),
  );
}

/** The predictor object: the open/closed state and checks around the scoring functions. */
function quantizedPredictorOf(
  layout: QuantizedLayout,
  kernel: QuantizedPredictor["kernel"],
  path: string,
  threads: number,
  scores: (x: Matrix) => Matrix<Float64Array>,
  fromCodes: (xq: Uint8Array | Int8Array, n: number) => Matrix<Float64Array>,
  inputBuffer: (rows: number) => Float32Array | Uint8Array,
  close: () => void,
): QuantizedPredictor {
  const { k, d, model } = layout;
  const cutoff = scoreCutoff(model);
  // CSR inputs on the dequantized model's float64 reference, as quantizedDecisionFunction scores
  // them; an integer-only predictor quantizes every input value, and refuses them.
  const scoresOf = (x: Matrix | CsrMatrix): Matrix<Float64Array> => {
    if (!isCsr(x)) return scores(x);
    if (layout.integer !== null) refuseSparse(SCORE_ACTION, "x", x);
    return referenceDecisionFunction(model, x);
  };
  let closed = false;
  // `what` is the call's action: a closed predictor's input buffer was refused as "Cannot compute
  // scores", though nothing was being scored.
  const ensureOpen = (what = SCORE_ACTION) => {
    if (closed) throw new RangeError(`Cannot ${what}: the predictor is closed`);
  };
  return {
    nFeatures: d,
    nOutputs: k,
    kernel,
    path,
    threads,
    decisionFunction(x) {
      ensureOpen();
      return scoresOf(x);
    },
    predictProba(x) {
      ensureOpen();
      return probabilitiesFromScores(model, scoresOf(x));
    },
    predict(x) {
      ensureOpen();
      return classesFromScores(scoresOf(x), cutoff);
    },
    decisionFunctionFromCodes(xq, n) {
      ensureOpen();
      return fromCodes(xq, n);
    },
    inputBuffer(rows) {
      // The kernel scorers' action and bound (2^31 rows passed here, then their check refused
      // it in other words).
      ensureOpen(BUFFER_ACTION);
      assertInRange(BUFFER_ACTION, "rows", rows, 0, 2 ** 31 - 1, true);
      return inputBuffer(rows);
    },
    close() {
      if (closed) return;
      closed = true;
      close();
    },
    [Symbol.dispose]() {
      this.close();
    },
  };
}

/**
 * Scores on the packed 4-bit lookup kernel, of a prepared or one-shot scorer: rows the kernel
 * leaves out are scored on the folded model's float64 reference, and non-finite scores refused.
 */
function lookupScores(
  scorer: Scorer<Matrix>,
  folded: ReturnType<typeof foldPreprocessing>,
  x: Matrix,
): Matrix<Float64Array> {
  return checkScores(
    scoreRows(scorer, x, (i, out) => referenceRow(folded.weights, folded.bias, x, null, i, out)),
    "compute scores",
  );
}

/** The checks of both quantized score functions; returns the backend asked for. */
function checkQuantizedCall(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions,
) {
  validateQuantizedModel(q, "compute quantized scores");
  // A CSR matrix is checked by the float model's scores it goes to (see sparseQuantizedScores).
  if (!isCsr(x)) assertMatrix("compute quantized scores", "x", x);
  checkOptionKeys("compute quantized scores", options, QUANTIZED_PREDICT_OPTION_KEYS);
  return checkBackendOptions("compute quantized scores", options);
}

/**
 * Decision scores of a quantized model for raw inputs, on the kernel that fits its codes (one
 * call; see {@linkcode prepareQuantizedPredictor}). Small calls run the references.
 *
 * Sparse (CSR) inputs are scored by the dequantized model on the float64 reference: the scores
 * of `backend: "ts"` on `csrToDense(x)`, bit for bit. A calibrated uniform or log2 model (scored
 * integer-only, every input value quantized) refuses them, as does the `"wasm"` backend.
 *
 * @param q The quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`, dense or CSR.
 * @param options Backend, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `x` does not have the model's number of features, or is CSR for a
 *   calibrated model.
 * @throws {RangeError} If `x` holds NaN or infinity, or is CSR with backend `"wasm"`.
 *
 * @example A 4-bit k-means model scores on the lookup kernel, close to its dequantized model
 * ```ts
 * import { quantizedDecisionFunction } from "./predictor.ts";
 * import { dequantizeModel, quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { decisionFunction } from "../model/predict.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const { x, y } = await loadEmbedded("digits");
 * const { model } = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
 * const q = quantizeModel(model, { method: { kind: "kmeans", bits: 4 } });
 * const fast = quantizedDecisionFunction(q, x, { backend: "wasm" });
 * const exact = decisionFunction(dequantizeModel(q), x, { backend: "ts" });
 * assert.ok(fast.data.every((v, i) => Math.abs(v - exact.data[i]) < 1e-4 * (1 + Math.abs(v))));
 * ```
 */
export function quantizedDecisionFunction(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Matrix<Float64Array> {
  // Checked here too: the TypeScript path below returns before the predictor would check them.
  const backend = checkQuantizedCall(q, x, options);
  if (isCsr(x)) return sparseQuantizedScores(q, x, backend);
  const perRow = q.weights.rows * q.weights.cols;
  const integer = integerModelOf(q, { backend, rows: x.rows });
  if (integer !== null) return integerDecisionFunction(integer, x, options);
  if (backend === "ts" || (backend === "auto" && !useKernels(backend, x, perRow))) {
    return decisionFunction(dequantizeModel(q), x, { backend: "ts" });
  }
  // On the shared one-shot workspace, as float models' one-shot calls: a prepared predictor took a
  // memory of its own per call, which a service scoring request after request left to the
  // garbage collector (resident memory grew to three times that of float one-shot calls).
  const model = dequantizeModel(q);
  const lookup = lookupForm(q, model.weights.data);
  if (lookup === null) {
    return decisionFunction(model, x, {
      backend,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
  }
  assertWidth("compute scores", "x", x, q.weights.cols);
  // try/finally rather than `using`: `deno bundle --minify` dropped the disposal.
  const scorer = oneShotScorers.packed4Float(x.rows, lookup, { threads: options.threads });
  try {
    return lookupScores(scorer, foldPreprocessing(model), x);
  } finally {
    scorer.close();
  }
}

/**
 * {@linkcode quantizedDecisionFunction} on the TypeScript references whatever `options.backend`
 * says (the same scores as `backend: "ts"`): it never refers to the WebAssembly kernels, so a
 * bundle that imports it without `quantizedDecisionFunction` leaves them out
 * (`lib/browser_lite.ts`).
 *
 * @param q The quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend and threads, checked, then unused.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function quantizedReferenceDecisionFunction(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Matrix<Float64Array> {
  checkQuantizedCall(q, x, options);
  if (isCsr(x)) return sparseQuantizedScores(q, x, "ts");
  const integer = integerModelOf(q, { backend: "ts", rows: x.rows });
  if (integer !== null) return integerReferenceDecisionFunction(integer, x);
  return referenceDecisionFunction(dequantizeModel(q), x);
}

/**
 * Scores of a quantized model on CSR inputs: its dequantized model's float64 reference (the
 * scores of `backend: "ts"` on `csrToDense(x)`, bit for bit). A calibrated model, whose
 * integer-only inference quantizes every input value, refuses them, as does the `"wasm"` backend.
 */
function sparseQuantizedScores(
  q: QuantizedModel,
  x: CsrMatrix,
  backend: string,
): Matrix<Float64Array> {
  const action = "compute quantized scores";
  if (integerOnly(q)) refuseSparse(action, "x", x);
  if (backend === "wasm") {
    throw new RangeError(
      `Cannot ${action}: the wasm kernels do not take sparse (CSR) input; use backend "ts" or ` +
        '"auto", or csrToDense',
    );
  }
  // The reference entry, not decisionFunction: the lite bundle leaves the kernels out.
  return referenceDecisionFunction(dequantizeModel(q), x);
}

/**
 * Class probabilities of a quantized model (see {@linkcode quantizedDecisionFunction}).
 *
 * @param q The quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads.
 * @returns Probabilities, shape `(nSamples, nClasses)`.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function quantizedPredictProba(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Matrix<Float64Array> {
  return probabilitiesFromScores(q, quantizedDecisionFunction(q, x, options));
}

/**
 * Predicted class indices of a quantized model (see {@linkcode quantizedDecisionFunction}).
 *
 * @param q The quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads.
 * @returns Class index per sample.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function quantizedPredict(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Int32Array {
  return classesFromScores(quantizedDecisionFunction(q, x, options), scoreCutoff(q));
}
