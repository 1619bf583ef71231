/**
 * Runs ONNX models in onnxruntime-node (npm), the independent runtime every export is checked
 * against. The only module that imports `onnxruntime-node`; it is loaded lazily so that tests can
 * skip with a reason when it cannot load (e.g. without `--allow-ffi`).
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";

type Ort = typeof import("onnxruntime-node");
let ort: Ort | undefined;
let problem: string | null | undefined;

/** `null` when onnxruntime-node loads here, else why not (for skip messages). */
export async function onnxRuntimeProblem(): Promise<string | null> {
  if (problem !== undefined) return problem;
  try {
    ort = await import("onnxruntime-node");
    problem = null;
  } catch (error) {
    problem = `onnxruntime-node does not load: ${(error as Error).message.split("\n")[0]}`;
  }
  return problem;
}

/** Outputs of a run, by name: numbers (int64 as numbers) or strings, with their shape. */
export type OnnxOutputs = Record<
  string,
  { data: ArrayLike<number> | string[]; dims: readonly number[] }
>;

/**
 * Runs a model on a float32 batch.
 *
 * @param bytes The `.onnx` bytes.
 * @param x The inputs, shape `(N, nFeatures)`, converted to float32.
 * @param inputName Name of the graph input.
 * @returns Every output.
 */
export async function runOnnx(
  bytes: Uint8Array,
  x: Matrix,
  inputName = "input",
): Promise<OnnxOutputs> {
  if (await onnxRuntimeProblem()) throw new Error(problem!);
  const session = await ort!.InferenceSession.create(bytes);
  try {
    const feed = new ort!.Tensor("float32", Float32Array.from(x.data), [x.rows, x.cols]);
    const result = await session.run({ [inputName]: feed });
    const out: OnnxOutputs = {};
    for (const [name, t] of Object.entries(result)) {
      const data = t.data as ArrayLike<number> | string[] | BigInt64Array;
      out[name] = {
        data: data instanceof BigInt64Array
          ? Array.from(data, Number)
          : data as ArrayLike<number> | string[],
        dims: t.dims,
      };
    }
    return out;
  } finally {
    await session.release();
  }
}
