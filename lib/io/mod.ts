/**
 * Files: atomic writes (and, with the model-file issue, the binary model format).
 *
 * @module
 */
export * from "./atomic.ts";
