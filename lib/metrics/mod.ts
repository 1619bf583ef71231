/**
 * Classification metrics: accuracy, balanced accuracy, log loss, confusion matrix, macro F1, ROC
 * AUC; the Pareto front of size against accuracy; the paired accuracy, balanced-accuracy and
 * ROC AUC (DeLong) differences of two classifiers; the operating points of a two-class classifier
 * and the decision threshold that best meets a target.
 *
 * @module
 */
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./pareto.ts";
export * from "./evaluate_stream.ts";
export * from "./paired.ts";
export * from "./threshold.ts";
