/**
 * Shared plain-data types and helpers: dense and sparse (CSR) matrices, seeded random numbers,
 * boundary checks, histograms.
 *
 * @module
 */
export * from "./matrix.ts";
export * from "./sparse.ts";
export * from "./random.ts";
export * from "./validate.ts";
export * from "./histogram.ts";
