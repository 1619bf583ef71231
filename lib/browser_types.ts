/**
 * The types that the browser entries' exports refer to (`lib/browser.ts` and
 * `lib/browser_lite.ts` re-export them all), so that `deno doc` documents each entry whole. Types
 * only: nothing here reaches a bundle.
 *
 * @module
 */

export type { FloatArray } from "./core/matrix.ts";
export type { Preprocessing } from "./data/preprocess.ts";
export type { SizeCategory } from "./io/bytes.ts";
export type { DecodeOptions, ModelFileInfo } from "./io/model_file.ts";
export type { SupportEncoding } from "./io/support.ts";
export type { PredictBackend } from "./model/kernel_scores.ts";
export type { PredictOptions } from "./model/predict.ts";
export type { Link, MODEL_VERSION } from "./model/types.ts";
export type { QuantizedPredictOptions } from "./quant/predictor.ts";
export type {
  CodeArray,
  CodebookQuantizedTensor,
  Float16Tensor,
  Granularity,
  InputQuantization,
  Log2QuantizedTensor,
  QuantizationRecipe,
  QUANTIZED_MODEL_VERSION,
  QuantizedBias,
  QuantizedTensor,
  QuantizedTensorShape,
  UniformQuantizedTensor,
  UniformScheme,
} from "./quant/types.ts";
