/**
 * Runs ONNX models in onnxruntime-node (npm), the independent runtime every export is checked
 * against. The tests' entry point to `lib/onnx/runtime.ts`, the one module that imports
 * `onnxruntime-node` (lazily, so that tests can skip with a reason when it cannot load, e.g.
 * without `--allow-ffi`).
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";
import { type OnnxOutputs, runOnnx as run, type RunOnnxOptions } from "../../lib/onnx/runtime.ts";

export { type OnnxOutputs, onnxRuntimeProblem } from "../../lib/onnx/runtime.ts";

/**
 * Runs a model on a float32 batch.
 *
 * @param bytes The `.onnx` bytes.
 * @param x The inputs, shape `(N, nFeatures)`, converted to float32.
 * @param inputName Name of the graph input.
 * @param level onnxruntime's graph optimisations.
 * @returns Every output.
 */
export function runOnnx(
  bytes: Uint8Array,
  x: Matrix,
  inputName = "input",
  level: RunOnnxOptions["graphOptimizationLevel"] = "all",
): Promise<OnnxOutputs> {
  return run(bytes, x, { inputName, graphOptimizationLevel: level });
}
