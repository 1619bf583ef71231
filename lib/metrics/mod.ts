/**
 * Classification metrics: accuracy, log loss, confusion matrix, macro F1, ROC AUC; the Pareto
 * front of size against accuracy.
 *
 * @module
 */
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./pareto.ts";
export * from "./evaluate_stream.ts";
