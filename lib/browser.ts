/**
 * What a web page needs to run a model file: read `.lrc` bytes and predict, with no Deno API and
 * no npm package in its imports, so that `deno task build:browser` bundles it into one ES module
 * for browsers (the WebAssembly kernels travel inside it). Training, pruning, quantization, CSV,
 * ONNX and plots stay in `mod.ts`.
 *
 * @example In a page, with the bundle served beside it
 * ```ts ignore
 * import { decodeModel, fromRows, predictLabels, asFloatModel } from "./lrcompress.js";
 *
 * const bytes = new Uint8Array(await (await fetch("model.lrc")).arrayBuffer());
 * const model = decodeModel(bytes);
 * const labels = predictLabels(asFloatModel(model), fromRows([[0, 3, 15, 12]]));
 * ```
 *
 * @example Scoring one row per interaction: lay the model out once
 * ```ts ignore
 * import { asFloatModel, decodeModel, preparePredictor } from "./lrcompress.js";
 *
 * const bytes = new Uint8Array(await (await fetch("model.lrc")).arrayBuffer());
 * const predictor = preparePredictor(asFloatModel(decodeModel(bytes)));
 * const row = predictor.inputBuffer(1); // float32, filled in place for each row
 * row.set([0, 3, 15, 12]);
 * const [c] = predictor.predict({ data: row, rows: 1, cols: predictor.nFeatures });
 * ```
 *
 * @module
 */

export { fromRows, matrix } from "./core/matrix.ts";
export type { Matrix } from "./core/matrix.ts";
export { csrFromDense, csrMatrix, isCsr } from "./core/sparse.ts";
export type { CsrMatrix, CsrParts } from "./core/sparse.ts";
export { decodeModel, inspectModelFile } from "./io/model_file.ts";
export { asFloatModel, type StoredModel } from "./io/quantized.ts";
export { decisionFunction, predict, predictLabels, predictProba } from "./model/predict.ts";
export { preparePredictor } from "./model/predictor.ts";
export type { Predictor, PredictorOptions } from "./model/predictor.ts";
export type { LogisticModel } from "./model/types.ts";
export {
  prepareQuantizedPredictor,
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
} from "./quant/predictor.ts";
export type { QuantizedPredictor } from "./quant/predictor.ts";
export type { QuantizedModel } from "./quant/types.ts";
// Types that the exported ones refer to, so that `deno doc` documents this entry whole.
export type * from "./browser_types.ts";
