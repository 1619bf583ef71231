/**
 * Pruning: scores for every weight (magnitude, first-order Taylor, Optimal Brain Damage with the
 * exact Hessian diagonal, random), masks as pure functions that never revive a weight, pruned
 * models (hard and L1 soft thresholds, whole features), fine-tuning, iterative and gradual
 * pruning, L1 paths, sparsity reports and sparse prediction kernels.
 *
 * @module
 */
export * from "./scores.ts";
export * from "./mask.ts";
export * from "./prune_model.ts";
export * from "./structured.ts";
export * from "./schedule.ts";
export * from "./retrain.ts";
export * from "./l1.ts";
export * from "./report.ts";
export * from "./sparse.ts";
export * from "./strategy.ts";
export * from "./sweep.ts";
