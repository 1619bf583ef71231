/**
 * ONNX: export of float and quantized models (verified in onnxruntime), import of linear
 * classifiers trained elsewhere, and a check of exports in onnxruntime-node. `protobufjs` is used
 * only in `protobuf.ts`, `onnxruntime-node` only in `runtime.ts` (loaded lazily).
 *
 * @module
 */
export {
  exportOnnx,
  float32Cutoff,
  int32Cutoff,
  MATMUL_INTEGER_SAFE_WEIGHT,
  type OnnxExportOptions,
  splitWeights,
} from "./export.ts";
export { type ImportedModel, importOnnxModel, type OnnxImportOptions } from "./import.ts";
export {
  checkOnnxExport,
  type OnnxCheck,
  type OnnxOutputs,
  onnxRuntimeProblem,
  runOnnx,
  type RunOnnxOptions,
} from "./runtime.ts";
