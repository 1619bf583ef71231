// ONNX protobuf encoding and decoding (lib/onnx/protobuf.ts). Oracle: the protobuf wire format
// of onnx.proto's field numbers, encoded by hand (tag = field << 3 | wire type; varints 7 bits
// a byte, least significant first), and the proto2 defaults of AttributeProto's value fields.

import assert from "node:assert/strict";
import { attr, decodeOnnx, encodeOnnx, type OnnxModel } from "../../lib/onnx/protobuf.ts";

const utf8 = (s: string) => [...new TextEncoder().encode(s)];
/** A length-delimited field (wire type 2). */
const field = (n: number, bytes: number[]) => [(n << 3) | 2, bytes.length, ...bytes];

// TensorProto: dims (1) = 2^33 (varint 80 80 80 80 20), data_type (2) = 1, name (8) = "w",
// raw_data (9) = [1, 2].
const tensor = [
  0x08,
  0x80,
  0x80,
  0x80,
  0x80,
  0x20,
  0x10,
  0x01,
  ...field(8, utf8("w")),
  ...field(9, [1, 2]),
];
// AttributeProto: name (1) = "axis", type (20) = 2 (INT; tag 160 as varint a0 01), no value.
const attribute = [...field(1, utf8("axis")), 0xa0, 0x01, 0x02];
// NodeProto: op_type (4) = "Softmax", attribute (5).
const node = [...field(4, utf8("Softmax")), ...field(5, attribute)];
// GraphProto: node (1), name (2) = "g", initializer (5).
const graph = [...field(1, node), ...field(2, utf8("g")), ...field(5, tensor)];
// ModelProto: ir_version (1) = 8, graph (7), opset_import (8) = { version (2) = 13 }.
const BYTES = Uint8Array.from([0x08, 0x08, ...field(7, graph), ...field(8, [0x10, 13])]);

const MODEL: OnnxModel = {
  ir_version: 8,
  opset_import: [{ version: 13 }],
  graph: {
    name: "g",
    node: [{ op_type: "Softmax", input: [], output: [], attribute: [{ name: "axis", type: 2 }] }],
    initializer: [{ name: "w", dims: [2 ** 33], data_type: 1, raw_data: Uint8Array.of(1, 2) }],
    input: [],
    output: [],
  },
};

Deno.test("encodeOnnx writes onnx.proto's wire format, field by field as encoded by hand", () => {
  assert.deepEqual(Array.from(encodeOnnx(MODEL)), Array.from(BYTES));
});

Deno.test("decodeOnnx reads the hand-encoded bytes as plain data: 64-bit integers as numbers, bytes as Uint8Array, unset fields absent", () => {
  const m = decodeOnnx(BYTES, "m.onnx");
  assert.equal(m.ir_version, 8);
  assert.deepEqual(m.opset_import, [{ version: 13 }]);
  assert.equal(m.graph.name, "g");
  const t = m.graph.initializer![0];
  assert.deepEqual(t.dims, [2 ** 33]); // a number beyond 2^32, not a Long or a string
  assert.equal(t.data_type, 1);
  assert.ok(t.raw_data instanceof Uint8Array);
  assert.deepEqual(Array.from(t.raw_data), [1, 2]);
  // Unset scalar fields stay absent (a default would hide a valueless attribute).
  assert.equal("doc_string" in m, false);
  assert.equal("float_data" in t && t.float_data!.length > 0, false);
  const a = m.graph.node[0].attribute![0];
  assert.deepEqual([a.name, a.type, "i" in a, "f" in a], ["axis", 2, false, false]);
});

Deno.test("attr reads a valueless FLOAT, INT or STRING attribute as proto2's default (0, 0, empty) and leaves others as written", () => {
  const node = {
    op_type: "X",
    input: [],
    output: [],
    attribute: [
      { name: "beta", type: 1 },
      { name: "axis", type: 2 },
      { name: "mode", type: 3 },
      { name: "alpha", type: 1, f: 0.5 },
      { name: "keep", type: 2, i: 3 },
      { name: "label", type: 3, s: Uint8Array.from(utf8("ab")) },
      { name: "ints", type: 7 },
    ],
  };
  assert.equal(attr(node, "beta")?.f, 0);
  assert.equal(attr(node, "axis")?.i, 0);
  assert.deepEqual(attr(node, "mode")?.s, new Uint8Array());
  assert.equal(attr(node, "alpha")?.f, 0.5);
  assert.equal(attr(node, "keep")?.i, 3);
  assert.deepEqual(attr(node, "label")?.s, Uint8Array.from(utf8("ab")));
  assert.deepEqual(attr(node, "ints"), { name: "ints", type: 7 });
  assert.equal(attr(node, "missing"), undefined);
});

Deno.test("decodeOnnx refuses bytes that are no ModelProto or have no graph, and encodeOnnx a malformed message", () => {
  // An empty file and a ModelProto of ir_version 8 alone are valid protobuf without a graph.
  for (const bytes of [new Uint8Array(), Uint8Array.of(0x08, 0x08)]) {
    assert.throws(() => decodeOnnx(bytes, "e.onnx"), {
      name: "SyntaxError",
      message: "Cannot read ONNX model 'e.onnx': it has no graph",
    });
  }
  // Field 7 (the graph) declared 100 bytes long with 1 left: not a protobuf.
  assert.throws(() => decodeOnnx(Uint8Array.of(0x3a, 100, 0), "t.onnx"), {
    name: "SyntaxError",
    message: /^Cannot read ONNX model 't\.onnx': not an ONNX protobuf \(/,
  });
  assert.throws(() => encodeOnnx({ ...MODEL, ir_version: "8" as unknown as number }), {
    name: "TypeError",
    message: "Cannot write ONNX model: ir_version: integer|Long expected",
  });
});
