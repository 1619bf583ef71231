/**
 * Data: CSV, svmlight and Fashion-MNIST loading, the embedded data sets, preprocessing and splits.
 *
 * @module
 */
export * from "./dataset.ts";
export * from "./csv.ts";
export * from "./csv_stream.ts";
export * from "./svmlight.ts";
export * from "./fashion_mnist.ts";
export * from "./embedded.ts";
export * from "./preprocess.ts";
