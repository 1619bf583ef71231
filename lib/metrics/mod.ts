/**
 * Classification metrics: accuracy, log loss, confusion matrix, macro F1, ROC AUC.
 *
 * @module
 */
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./evaluate_stream.ts";
