/**
 * lrcompress: train, prune, quantize and deploy small, fast logistic-regression models.
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./data/mod.ts";
export * from "./model/mod.ts";
export * from "./metrics/mod.ts";
export * from "./kernels/mod.ts";
