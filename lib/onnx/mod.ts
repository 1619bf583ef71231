/**
 * ONNX: export of float and quantized models (verified in onnxruntime), import of linear
 * classifiers trained elsewhere. `protobufjs` is used only in `protobuf.ts`.
 *
 * @module
 */
export {
  exportOnnx,
  MATMUL_INTEGER_SAFE_WEIGHT,
  type OnnxExportOptions,
  splitWeights,
} from "./export.ts";
export { type ImportedModel, importOnnxModel, type OnnxImportOptions } from "./import.ts";
