/**
 * `browser.ts` without the WebAssembly kernels: the same names, reading `.lrc` bytes and predicting
 * on the float64 TypeScript reference only (what `backend: "ts"` computes in Deno), so that
 * `deno task build:browser-lite` bundles it into an ES module a quarter the size of `lrcompress.js`
 * (no base64 kernels). `backend: "auto"` and `"ts"` run the reference; `backend: "wasm"` is
 * refused. The prepared predictors (`preparePredictor`, `prepareQuantizedPredictor`) lay the
 * model out once on the reference too: kernel `"ts"`, one thread. Integer-only models score the
 * same bit for bit as on the kernels; other models on large float32 batches differ from
 * `lrcompress.js` by the kernels' float32 rounding.
 *
 * @example In a page, with the bundle served beside it
 * ```ts ignore
 * import { decodeModel, fromRows, predictLabels, asFloatModel } from "./lrcompress-lite.js";
 *
 * const bytes = new Uint8Array(await (await fetch("model.lrc")).arrayBuffer());
 * const labels = predictLabels(asFloatModel(decodeModel(bytes)), fromRows([[0, 3, 15, 12]]));
 * ```
 *
 * @module
 */

import { scoreCutoff } from "./model/decision_threshold.ts";
import type { Matrix } from "./core/matrix.ts";
import type { CsrMatrix } from "./core/sparse.ts";
import {
  classesFromScores,
  type PredictOptions,
  probabilitiesFromScores,
  referenceDecisionFunction,
} from "./model/predict.ts";
import {
  type Predictor,
  type PredictorOptions,
  prepareReferencePredictor,
} from "./model/predictor.ts";
import type { LogisticModel } from "./model/types.ts";
import {
  prepareQuantizedReferencePredictor,
  type QuantizedPredictOptions,
  type QuantizedPredictor,
  quantizedReferenceDecisionFunction,
} from "./quant/predictor.ts";
import type { QuantizedModel } from "./quant/types.ts";

export { fromRows, matrix } from "./core/matrix.ts";
export type { Matrix } from "./core/matrix.ts";
export { csrFromDense, csrMatrix, isCsr } from "./core/sparse.ts";
export type { CsrMatrix, CsrParts } from "./core/sparse.ts";
export { decodeModel, inspectModelFile } from "./io/model_file.ts";
export { asFloatModel, type StoredModel } from "./io/quantized.ts";
export type { Predictor, PredictorOptions } from "./model/predictor.ts";
export type { LogisticModel } from "./model/types.ts";
export type { QuantizedPredictor } from "./quant/predictor.ts";
export type { QuantizedModel } from "./quant/types.ts";
// Types that the exported ones refer to, so that `deno doc` documents this entry whole.
export type * from "./browser_types.ts";

/**
 * Refuses `backend: "wasm"`, which this entry cannot honour, rather than ignoring it. Called once
 * the reference has scored the call (a refused call pays for its scores): an input that the full
 * entry refuses (a malformed model, an unknown option key, NaN in `x`, a score that overflows)
 * then gets the full entry's error, not this one.
 */
function refuseWasm(action: string, options: { readonly backend?: string } | undefined): void {
  if (options?.backend === "wasm") {
    throw new RangeError(
      `Cannot ${action}: backend wasm needs the wasm kernels, which the lite bundle ` +
        "leaves out (use auto or ts, or the full bundle of lib/browser.ts)",
    );
  }
}

/**
 * Decision scores (logits) for raw inputs, on the float64 reference.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)` (wider with `columns`).
 * @param options Input columns; backend `"auto"` or `"ts"`; threads (unused).
 * @returns Scores, shape `(nSamples, nOutputs)`: one column for sigmoid models.
 * @throws {TypeError} If the model is malformed, or `x` or `columns` do not fit it.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, a score overflows, or else
 *   `backend` is `"wasm"` (checked last, so that an input the full entry refuses gets its error).
 */
export function decisionFunction(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Matrix<Float64Array> {
  const scores = referenceDecisionFunction(model, x, options);
  refuseWasm("compute scores", options);
  return scores;
}

/**
 * Class probabilities for raw inputs (see {@linkcode decisionFunction}).
 *
 * @param model The model.
 * @param x Raw features.
 * @param options As {@linkcode decisionFunction}.
 * @returns Probabilities, shape `(nSamples, nClasses)`.
 */
export function predictProba(
  model: LogisticModel,
  x: Matrix | CsrMatrix,
  options: PredictOptions = {},
): Matrix<Float64Array> {
  return probabilitiesFromScores(model, decisionFunction(model, x, options));
}

/**
 * Predicted class indices for raw inputs (ties go to the lower class index).
 *
 * @param model The model.
 * @param x Raw features.
 * @param options As {@linkcode decisionFunction}.
 * @returns Class index per sample.
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
 * @param x Raw features.
 * @param options As {@linkcode decisionFunction}.
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
 * Decision scores of a quantized model for raw inputs, on the TypeScript references
 * (integer-only inference for calibrated models, else the dequantized model in float64).
 *
 * @param q The quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend `"auto"` or `"ts"`; threads (unused).
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity, or else `backend` is `"wasm"` (checked last,
 *   so that an input the full entry refuses gets its error).
 */
export function quantizedDecisionFunction(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Matrix<Float64Array> {
  const scores = quantizedReferenceDecisionFunction(q, x, options);
  refuseWasm("compute quantized scores", options);
  return scores;
}

/**
 * Class probabilities of a quantized model (see {@linkcode quantizedDecisionFunction}).
 *
 * @param q The quantized model.
 * @param x Raw inputs.
 * @param options As {@linkcode quantizedDecisionFunction}.
 * @returns Probabilities, shape `(nSamples, nClasses)`.
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
 * @param x Raw inputs.
 * @param options As {@linkcode quantizedDecisionFunction}.
 * @returns Class index per sample.
 */
export function quantizedPredict(
  q: QuantizedModel,
  x: Matrix | CsrMatrix,
  options: QuantizedPredictOptions = {},
): Int32Array {
  return classesFromScores(quantizedDecisionFunction(q, x, options), scoreCutoff(q));
}

/**
 * Lays a float model out once for repeated scoring on the float64 reference (the predictor of
 * `preparePredictor` with `backend: "ts"` in the library: kernel `"ts"`, one thread): the
 * preprocessing folded into a copy of the weights, so later changes to `model` do not reach it.
 * Its scores are those of {@linkcode decisionFunction}, bit for bit; `inputBuffer` gives a plain
 * `Float32Array`.
 *
 * @param model The model.
 * @param options Input columns and width; backend `"auto"` or `"ts"`; threads (unused).
 * @returns The predictor (`close()` only marks it closed: it holds no kernel memory).
 * @throws {TypeError} If the model is malformed or `columns` does not fit it.
 * @throws {RangeError} If an option is out of range, the standardisation folded into the
 *   weights overflows float64, or else `backend` is `"wasm"` (checked last, so that a call the
 *   full entry refuses gets its error).
 */
export function preparePredictor(
  model: LogisticModel,
  options: PredictorOptions = {},
): Predictor {
  const predictor = prepareReferencePredictor(model, options);
  refuseWasm("prepare predictor", options);
  return predictor;
}

/**
 * Lays a quantized model out once for repeated scoring on the TypeScript references (the
 * predictor of `prepareQuantizedPredictor` with `backend: "ts"` in the library: kernel `"ts"`):
 * the integer model of a calibrated uniform or log2 model (integer-only inference, also from
 * 8-bit codes with `decisionFunctionFromCodes`), else the dequantized model in float64. Its
 * scores are those of {@linkcode quantizedDecisionFunction}, bit for bit; `inputBuffer` gives a
 * plain array (8-bit codes for an integer-only model, float32 otherwise).
 *
 * @param q The quantized model.
 * @param options Backend `"auto"` or `"ts"`; threads (unused).
 * @returns The predictor.
 * @throws {TypeError} If `q` is malformed.
 * @throws {RangeError} If a calibrated model could overflow int32, an option is out of range, or
 *   else `backend` is `"wasm"` (checked last, so that a call the full entry refuses gets its
 *   error).
 */
export function prepareQuantizedPredictor(
  q: QuantizedModel,
  options: QuantizedPredictOptions = {},
): QuantizedPredictor {
  const predictor = prepareQuantizedReferencePredictor(q, options);
  refuseWasm("prepare quantized predictor", options);
  return predictor;
}
