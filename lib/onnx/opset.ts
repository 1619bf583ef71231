/**
 * The opsets an ONNX file imports, and the rules of the ops the importer reads that depend on
 * them: an op is the one of its domain at the version the file imports. onnxruntime (1.30) refuses
 * to load a file that breaks them; the importer refuses it too rather than read what no runtime
 * computes.
 *
 * @module
 */

import type { OnnxModel } from "./protobuf.ts";

/** The default domain's opsets onnxruntime runs: from 7 (its oldest) to the latest it knows. */
const DEFAULT_OPSETS = [7, 26] as const;
/** The `ai.onnx.ml` opsets onnxruntime runs. */
const ML_OPSETS = [1, 5] as const;

/** Ops of the `ai.onnx.ml` domain the importer reads. */
const ML_OPS = new Set([
  "LinearClassifier",
  "Scaler",
  "ZipMap",
  "Normalizer",
  "ArrayFeatureExtractor",
]);

/** Ops of the default domain the importer reads or names. */
const DEFAULT_OPS = new Set([
  "Add",
  "ArgMax",
  "Cast",
  "Concat",
  "Constant",
  "DequantizeLinear",
  "Div",
  "Flatten",
  "Gather",
  "GatherElements",
  "Gemm",
  "Greater",
  "GreaterOrEqual",
  "Identity",
  "MatMul",
  "MatMulInteger",
  "Mul",
  "ReduceMax",
  "Reshape",
  "Round",
  "Sigmoid",
  "Slice",
  "Softmax",
  "Squeeze",
  "Sub",
  "TopK",
  "Unsqueeze",
]);

/**
 * Refuses a file whose opsets onnxruntime does not run, or whose nodes (of the ops the importer
 * reads) are in another domain than their op's.
 *
 * @param onnx The decoded file.
 * @param fail Throws the importer's error with the reason.
 */
export function checkOpsets(
  onnx: OnnxModel,
  fail: (reason: string) => never,
): void {
  const imports = onnx.opset_import ?? [];
  if (imports.length === 0) fail("it imports no opset (opset_import is empty)");
  const versions = new Map<string, number>();
  for (const { domain, version } of imports) {
    versions.set(domain === "ai.onnx" || !domain ? "" : domain, Number(version ?? 0));
  }
  // onnxruntime reads a file that does not import the default domain (or ai.onnx.ml) at the
  // latest opset it knows.
  const opset = versions.get("") ?? DEFAULT_OPSETS[1];
  const ml = versions.get("ai.onnx.ml") ?? ML_OPSETS[1];
  const [low, high] = DEFAULT_OPSETS;
  if (!(opset >= low && opset <= high)) {
    fail(`it imports opset ${opset} of the default domain; only opsets ${low} to ${high} are read`);
  }
  if (!(ml >= ML_OPSETS[0] && ml <= ML_OPSETS[1])) {
    fail(
      `it imports opset ${ml} of ai.onnx.ml; only opsets ${ML_OPSETS[0]} to ${ML_OPSETS[1]} ` +
        "are read",
    );
  }
  for (const n of onnx.graph.node ?? []) {
    const node = `${n.op_type} node '${n.name ?? ""}'`;
    const domain = n.domain === "ai.onnx" || !n.domain ? "" : n.domain;
    const expected = ML_OPS.has(n.op_type) ? "ai.onnx.ml" : DEFAULT_OPS.has(n.op_type) ? "" : null;
    if (expected !== null && domain !== expected) {
      fail(
        `${node} is in domain '${domain}', not ${expected || "the default domain"} ` +
          `(where ${n.op_type} is defined)`,
      );
    }
  }
}
