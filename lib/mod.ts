/**
 * lrcompress: train, prune, quantize and deploy small, fast logistic-regression models.
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./data/mod.ts";
export * from "./model/mod.ts";
export * from "./metrics/mod.ts";
export * from "./select/mod.ts";
export * from "./io/mod.ts";
export * from "./onnx/mod.ts";
export * from "./quant/mod.ts";
export * from "./plot/mod.ts";
export * from "./prune/mod.ts";
export * from "./article/mod.ts";
export * from "./kernels/mod.ts";
export * from "./compress/mod.ts";
