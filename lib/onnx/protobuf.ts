/**
 * ONNX protobuf encoding and decoding: the one module that uses `protobufjs` (npm), with the
 * schema `onnx_schema.json`, the protobuf.js descriptor of `onnx.proto` as vendored from ONNX 1.12
 * (onnx/onnx, Apache-2.0; copied from Debian's `libonnx-dev` 1.12.0,
 * `/usr/include/onnx/onnx.proto`). `tests/fixtures/make_onnx_schema.ts` regenerates the JSON.
 *
 * The interfaces below describe the subset of ONNX messages lrcompress writes and reads, with
 * field names as in `onnx.proto`.
 *
 * @module
 */

import protobuf from "protobufjs";
import schema from "./onnx_schema.json" with { type: "json" };

/** ONNX tensor element types used here (`TensorProto.DataType`). */
export const ONNX_TYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** A tensor (initializer or attribute value). */
export interface OnnxTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  string_data?: Uint8Array[];
}

/** A node attribute. */
export interface OnnxAttribute {
  name: string;
  /** `AttributeProto.AttributeType`: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS, 8 STRINGS. */
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A graph node. */
export interface OnnxNode {
  name?: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}

/**
 * A node's attribute by name. A scalar attribute whose value field is absent holds that field's
 * default, as onnxruntime reads it: `i` and `f` 0, `s` empty (writers of `onnx.proto3` omit
 * zero values, so `axis = 0` or `beta = 0.0` arrive as a name and a type only).
 *
 * @param n The node.
 * @param name The attribute's name.
 * @returns The attribute, or `undefined` when the node does not set it.
 */
export function attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
  const a = n.attribute?.find((a) => a.name === name);
  if (a?.type === 1 && a.f === undefined) return { ...a, f: 0 };
  if (a?.type === 2 && a.i === undefined) return { ...a, i: 0 };
  if (a?.type === 3 && a.s === undefined) return { ...a, s: new Uint8Array() };
  return a;
}

/** A graph input or output with its type. */
export interface OnnxValueInfo {
  name: string;
  type?: {
    tensor_type?: {
      elem_type?: number;
      shape?: { dim?: { dim_value?: number; dim_param?: string }[] };
    };
  };
}

/** A graph. */
export interface OnnxGraph {
  name?: string;
  node: OnnxNode[];
  initializer?: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  doc_string?: string;
}

/** A model. */
export interface OnnxModel {
  ir_version: number;
  opset_import: { domain?: string; version: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph: OnnxGraph;
  metadata_props?: { key: string; value: string }[];
}

const root = protobuf.Root.fromJSON(schema as protobuf.INamespace);
const ModelProto = root.lookupType("onnx.ModelProto");

/**
 * Serialises an ONNX model.
 *
 * @param model The model as plain data.
 * @returns The protobuf bytes of a `ModelProto`: a plain `Uint8Array` alone on its `ArrayBuffer`.
 * @throws {TypeError} If the message is malformed.
 */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  const invalid = ModelProto.verify(model);
  if (invalid) throw new TypeError(`Cannot write ONNX model: ${invalid}`);
  const bytes = ModelProto.encode(ModelProto.fromObject(model)).finish();
  // protobufjs's writer gives a Node Buffer (whose slice() is a view, not a copy), and a message
  // under 4 KiB is carved out of an 8 KiB pool it shares with other Buffers (so `bytes.buffer`
  // holds other data, and transferring it would detach them): give back a plain Uint8Array that
  // owns its memory, copying only the pooled case.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? new Uint8Array(bytes.buffer, 0, bytes.byteLength)
    : new Uint8Array(bytes);
}

/**
 * Parses ONNX bytes.
 *
 * @param bytes The protobuf bytes of a `ModelProto`.
 * @param name The file's name, for messages.
 * @returns The model as plain data (64-bit integers as numbers, bytes as `Uint8Array`).
 * @throws {SyntaxError} If the bytes are not a protobuf `ModelProto` with a graph.
 */
export function decodeOnnx(bytes: Uint8Array, name: string): OnnxModel {
  let message: protobuf.Message;
  try {
    message = ModelProto.decode(bytes);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read ONNX model '${name}': not an ONNX protobuf (${(error as Error).message})`,
    );
  }
  const o = ModelProto.toObject(message, {
    longs: Number,
    bytes: Uint8Array,
    arrays: true,
    defaults: false,
  }) as OnnxModel;
  if (!o.graph) throw new SyntaxError(`Cannot read ONNX model '${name}': it has no graph`);
  return o;
}
