/**
 * Model selection: stratified k-fold assignment, and the penalty strength chosen by
 * cross-validation.
 *
 * @module
 */
export * from "./folds.ts";
export * from "./cross_validate.ts";
