/**
 * Data: CSV and Fashion-MNIST loading, the embedded data sets, preprocessing and splits.
 *
 * @module
 */
export * from "./dataset.ts";
export * from "./csv.ts";
export * from "./csv_stream.ts";
export * from "./fashion_mnist.ts";
export * from "./embedded.ts";
export * from "./preprocess.ts";
