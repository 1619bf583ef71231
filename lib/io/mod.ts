/**
 * Files: atomic writes, the binary model file format (`.lrc`) and its size report, bit packing,
 * and import of coefficients trained elsewhere.
 *
 * @module
 */
export {
  type AtomicWriter,
  openAtomicWriter,
  TEMPORARY_PREFIX,
  writeFileAtomic,
  type WriteFileAtomicOptions,
} from "./atomic.ts";
export * from "./bitpack.ts";
export * from "./crc32.ts";
export * from "./model_file.ts";
export { asFloatModel, type StoredModel } from "./quantized.ts";
export type { FloatDtype, SizeCategory } from "./bytes.ts";
export { SIZE_CATEGORIES } from "./bytes.ts";
export type { SupportEncoding } from "./support.ts";
export * from "./size_report.ts";
export * from "./coefficients.ts";
