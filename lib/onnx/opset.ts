/**
 * The opsets an ONNX file imports, and the rules of the ops the importer reads that depend on
 * them: an op is the one of its domain at the version the file imports, which may not exist yet,
 * take other attributes or other element types. onnxruntime (1.30) refuses to load a file that
 * breaks them; the importer refuses it too rather than read what no runtime computes.
 *
 * @module
 */

import { attr, ONNX_TYPE, type OnnxModel, type OnnxNode } from "./protobuf.ts";
import { quotedText } from "../core/validate.ts";

/**
 * The latest default-domain opset onnxruntime knows. Below 7 (the oldest it guarantees) it still
 * loads a file, and refuses only the nodes it has no implementation for there ({@linkcode SINCE}):
 * a graph of MatMul and Softmax, or of `ai.onnx.ml` ops only, runs at opset 1.
 */
const LATEST_OPSET = 26;
/** The `ai.onnx.ml` opsets onnxruntime runs (an `ai.onnx.ml` node needs 1 or later). */
const ML_OPSETS = [1, 5] as const;

/**
 * A node as a refusal names it: its op type, `node` and its name by {@linkcode quotedText}. An op
 * type that is an identifier of at most 60 characters (every ONNX op) prints as it is; any other
 * comes from a broken or hostile file (10,000 characters, a line break) and is quoted and cut by
 * {@linkcode quotedText} like the name, so that the message stays short.
 *
 * @param n The node.
 * @returns E.g. `Relu node "relu_1"`.
 *
 * @example
 * ```ts
 * import { nodeText } from "./opset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nodeText({ op_type: "Relu", name: "r", input: [], output: [] }), 'Relu node "r"');
 * assert.equal(
 *   nodeText({ op_type: "x".repeat(100), name: "r", input: [], output: [] }),
 *   `"${"x".repeat(60)}"... (100 characters) node "r"`,
 * );
 * ```
 */
export function nodeText(n: OnnxNode): string {
  // A file may leave op_type out (decoded as undefined): printed as "", like a missing name.
  return `${identifierText(n.op_type ?? "")} node ${quotedText(n.name ?? "")}`;
}

/**
 * An op type or attribute name read from a file, as a message prints it: as it is when it is an
 * identifier of at most 60 characters (every ONNX op and attribute), else by
 * {@linkcode quotedText} (a quote or a line break would otherwise print ambiguously).
 */
function identifierText(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,59}$/.test(s) ? s : quotedText(s);
}

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
  "Exp",
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
  "Neg",
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
 * The first default-domain opset at which onnxruntime runs the ops above, where it is not 1: the
 * op's own first opset, or for the older ops the first that onnxruntime implements (Add(6),
 * Gemm(6), Sigmoid(5), Neg(1), Exp(1), Concat(3) and the others before these have no
 * implementation).
 */
const SINCE: Readonly<Record<string, number>> = {
  Add: 7,
  Sub: 7,
  Mul: 7,
  Div: 7,
  Neg: 6,
  Exp: 6,
  Gemm: 7,
  Greater: 7,
  Sigmoid: 6,
  Cast: 6,
  Concat: 4,
  DequantizeLinear: 10,
  MatMulInteger: 10,
  GatherElements: 11,
  Round: 11,
  GreaterOrEqual: 12,
};

/** Attributes that appeared after their op: the first opset that has them. */
const ATTRIBUTE_SINCE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  DequantizeLinear: { axis: 13, block_size: 21, output_dtype: 23 },
  Reshape: { allowzero: 14 },
};

/** Names of element types, for messages. */
const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ONNX_TYPE).map(([name, type]) => [type, name]),
);

/** A type's name, or its number when it has none here. */
export const typeName = (type: number) => TYPE_NAMES[type] ?? `${type}`;

/**
 * Element types `DequantizeLinear` takes at an opset, among those the importer reads: its codes
 * (16-bit integers from opset 21) and its scale (float16 from opset 19).
 */
function dequantizeTypes(opset: number): { codes: number[]; scale: number[] } {
  const codes: number[] = [ONNX_TYPE.INT8, ONNX_TYPE.UINT8, ONNX_TYPE.INT32];
  if (opset >= 21) codes.push(ONNX_TYPE.INT16, ONNX_TYPE.UINT16);
  const scale: number[] = [ONNX_TYPE.FLOAT];
  if (opset >= 19) scale.push(ONNX_TYPE.FLOAT16);
  return { codes, scale };
}

/**
 * Refuses a file whose opsets onnxruntime does not run, or whose nodes (of the ops the importer
 * reads) are in another domain than their op's, or do not exist, take their attributes, inputs
 * or element types at those opsets.
 *
 * @param onnx The decoded file.
 * @param types The element types known of the graph's tensors (initializers, constants).
 * @param fail Throws the importer's error with the reason.
 */
export function checkOpsets(
  onnx: OnnxModel,
  types: ReadonlyMap<string, number>,
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
  const opset = versions.get("") ?? LATEST_OPSET;
  const ml = versions.get("ai.onnx.ml") ?? ML_OPSETS[1];
  if (!(opset <= LATEST_OPSET)) {
    fail(
      `it imports opset ${opset} of the default domain; only opsets up to ${LATEST_OPSET} are read`,
    );
  }
  if (!(ml <= ML_OPSETS[1])) {
    fail(`it imports opset ${ml} of ai.onnx.ml; only opsets up to ${ML_OPSETS[1]} are read`);
  }
  const contrib = versions.get(CONTRIB) ?? 1;
  for (const n of onnx.graph.node ?? []) {
    const node = nodeText(n);
    const domain = n.domain === "ai.onnx" || !n.domain ? "" : n.domain;
    if (domain === CONTRIB && n.op_type === "DequantizeLinear") {
      checkContribDequantize(n, node, contrib, types, fail);
      continue;
    }
    const expected = ML_OPS.has(n.op_type) ? "ai.onnx.ml" : DEFAULT_OPS.has(n.op_type) ? "" : null;
    if (expected !== null && domain !== expected) {
      fail(
        `${node} is in domain ${quotedText(domain)}, not ${expected || "the default domain"} ` +
          `(where ${n.op_type} is defined)`,
      );
    }
    if (expected === "ai.onnx.ml" && !(ml >= ML_OPSETS[0])) {
      fail(`${node} needs opset ${ML_OPSETS[0]} of ai.onnx.ml or later; the file imports ${ml}`);
    }
    if (expected !== "") continue;
    const since = SINCE[n.op_type] ?? 1;
    if (!(opset >= since)) {
      fail(`${node} needs opset ${since} or later; the file imports opset ${opset}`);
    }
    for (const [name, first] of Object.entries(ATTRIBUTE_SINCE[n.op_type] ?? {})) {
      if (attr(n, name) !== undefined && opset < first) {
        fail(
          `${node} has the attribute ${name}, which ${n.op_type} takes from opset ${first}; ` +
            `the file imports opset ${opset}`,
        );
      }
    }
    checkNode(n, node, opset, types, fail);
  }
}

/** The domain of onnxruntime's own ops. */
export const CONTRIB = "com.microsoft";

/**
 * onnxruntime's own `DequantizeLinear` (domain `com.microsoft`, opset 1), which its quantization
 * tool writes: the standard op's arithmetic with an optional `axis`, at any default opset, on the
 * element types the latest standard op takes (8- and 16-bit or int32 codes, a float or float16
 * scale).
 */
function checkContribDequantize(
  n: OnnxNode,
  node: string,
  version: number,
  types: ReadonlyMap<string, number>,
  fail: (reason: string) => never,
): void {
  if (version !== 1) {
    fail(`${node} is in ${CONTRIB}, whose opset ${version} onnxruntime does not know (only 1)`);
  }
  for (const a of n.attribute ?? []) {
    if (a.name !== "axis") {
      fail(
        `${node} (${CONTRIB}) has the attribute ${
          identifierText(a.name ?? "")
        }, which it does not take`,
      );
    }
  }
  const allowed = dequantizeTypes(LATEST_OPSET);
  const codes = types.get(n.input[0]);
  if (codes !== undefined && !allowed.codes.includes(codes)) {
    fail(`${node} (${CONTRIB}) reads codes of type ${typeName(codes)}`);
  }
  const scale = types.get(n.input[1]);
  if (scale !== undefined && !allowed.scale.includes(scale)) {
    fail(`${node} (${CONTRIB}) has a scale of type ${typeName(scale)}`);
  }
}

/** The opset rules of single ops: their inputs and element types. */
function checkNode(
  n: OnnxNode,
  node: string,
  opset: number,
  types: ReadonlyMap<string, number>,
  fail: (reason: string) => never,
): void {
  if (n.op_type === "Gemm" && opset < 11 && (n.input.length < 3 || n.input[2] === "")) {
    fail(`${node} has no C input, which Gemm requires before opset 11; the file imports ${opset}`);
  }
  const axis = attr(n, "axis")?.i;
  if (n.op_type === "Flatten" && axis !== undefined && Number(axis) < 0 && opset < 11) {
    fail(
      `${node} has axis ${axis}; Flatten takes negative axes from opset 11, the file imports ${opset}`,
    );
  }
  if (n.op_type === "DequantizeLinear") {
    const allowed = dequantizeTypes(opset);
    const names = (list: number[]) => list.map(typeName).join(", ");
    const codes = types.get(n.input[0]);
    if (codes !== undefined && !allowed.codes.includes(codes)) {
      fail(
        `${node} reads codes of type ${typeName(codes)}; DequantizeLinear at opset ${opset} ` +
          `takes ${names(allowed.codes)}${opset < 21 ? " (INT16 and UINT16 from opset 21)" : ""}`,
      );
    }
    const scale = types.get(n.input[1]);
    if (scale !== undefined && !allowed.scale.includes(scale)) {
      fail(
        `${node} has a scale of type ${typeName(scale)}; DequantizeLinear at opset ${opset} ` +
          `takes ${names(allowed.scale)}${opset < 19 ? " (FLOAT16 from opset 19)" : ""}`,
      );
    }
  }
}
