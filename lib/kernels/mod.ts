/**
 * Kernels: WebAssembly SIMD training loss over workers, and inference on dense, sparse,
 * feature-subset, int8 and packed 4-bit model forms, with TypeScript references.
 *
 * @module
 */
export * from "./forms.ts";
export * from "./reference.ts";
export * from "./scorers.ts";
export * from "./loss_engine.ts";
export { relaxedSimdSupported } from "./runtime.ts";
