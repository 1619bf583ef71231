/**
 * Logistic regression: the model as plain data, training, inference, JSON serialisation.
 *
 * @module
 */
export * from "./types.ts";
export * from "./loss.ts";
export * from "./lbfgs.ts";
export * from "./fit.ts";
export * from "./fit_stream.ts";
export * from "./updates.ts";
export * from "./predict.ts";
export * from "./predictor.ts";
export { PREDICT_WASM_MIN_WORK, type PredictBackend } from "./kernel_scores.ts";
export type { Backend } from "./engine.ts";
export { modelFromJson, modelToJson } from "./serialize.ts";
export * from "./validate_model.ts";
export { checkThreshold, scoreCutoff } from "./decision_threshold.ts";
