/**
 * Quantization: uniform (symmetric, affine), log2 and k-means (codebook) grids of 1..16 bits,
 * float16; per tensor, class or feature; post-training and quantization-aware; integer-only
 * inference. Tensors and models are plain data (`types.ts`).
 *
 * @module
 */
export * from "./types.ts";
export * from "./float16.ts";
export * from "./grid.ts";
export * from "./kmeans.ts";
export * from "./quantize.ts";
export * from "./dequantize.ts";
export * from "./validate.ts";
export * from "./model.ts";
// Explicit: prepareIntegerModelForCall is internal to the one-shot quantized calls.
export {
  calibrateInput,
  type CalibrateInputOptions,
  integerDecisionFunction,
  type IntegerModel,
  integerPredict,
  type IntegerPredictOptions,
  integerReferenceDecisionFunction,
  integerScoresFromCodes,
  integerScoresFromFloatKernel,
  integerScoresKernel,
  prepareIntegerModel,
  productScales,
  quantizeInputs,
  quantizeInputsKernel,
} from "./integer.ts";
export * from "./predictor.ts";
export * from "./qat.ts";
export * from "./serialize.ts";
export * from "./levels.ts";
export * from "./sweep.ts";
export * from "./with_threshold.ts";
