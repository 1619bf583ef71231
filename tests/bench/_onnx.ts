/**
 * A minimal ONNX (protobuf) writer for the two graphs that bench:infer runs in onnxruntime:
 * `X @ W + B` (MatMul + Add) and `float(MatMulInteger(Xq, Wq)) * S + B`. Private to the
 * benchmark; the project's ONNX exporter lives elsewhere.
 *
 * @module
 */

const enc = new TextEncoder();

/** Protobuf wire writer: varints and length-delimited fields. */
class Pb {
  private parts: number[] = [];
  varint(field: number, v: number): this {
    this.tag(field, 0);
    this.raw(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.raw(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }
  message(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
  private tag(field: number, wire: number) {
    this.raw(field * 8 + wire);
  }
  private raw(v: number) {
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }
}

/** ONNX element types used here. */
export const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6;

function tensor(name: string, type: number, dims: number[], data: ArrayBufferView): Pb {
  const t = new Pb();
  for (const d of dims) t.varint(1, d);
  t.varint(2, type).string(8, name);
  return t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name: string, type: number, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) {
    shape.message(1, typeof d === "number" ? new Pb().varint(1, d) : new Pb().string(2, d));
  }
  const tt = new Pb().varint(1, type).message(2, shape);
  return new Pb().string(1, name).message(2, new Pb().message(1, tt));
}

function node(op: string, inputs: string[], outputs: string[], attrs: Pb[] = []): Pb {
  const n = new Pb();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

function model(graph: Pb): Uint8Array {
  return new Pb()
    .varint(1, 8) // ir_version
    .string(2, "lrcompress-bench")
    .message(7, graph)
    .message(8, new Pb().string(1, "").varint(2, 13))
    .finish();
}

/**
 * `Y = X @ Wt + B` with X `(N, d)` float.
 *
 * @param wt Weights transposed, `(d, k)` row-major.
 * @param bias `(k)`.
 * @param d Features.
 * @param k Outputs.
 * @returns The serialised model.
 */
export function floatModel(wt: Float32Array, bias: Float32Array, d: number, k: number): Uint8Array {
  const g = new Pb()
    .message(1, node("MatMul", ["X", "W"], ["XW"]))
    .message(1, node("Add", ["XW", "B"], ["Y"]))
    .string(2, "linear")
    .message(5, tensor("W", FLOAT, [d, k], wt))
    .message(5, tensor("B", FLOAT, [k], bias))
    .message(11, valueInfo("X", FLOAT, ["N", d]))
    .message(12, valueInfo("Y", FLOAT, ["N", k]));
  return model(g);
}

/**
 * `Y = float(MatMulInteger(X, Wt, 0, 0)) * S + B` with X `(N, d)` uint8, Wt `(d, k)` int8.
 *
 * @param wt int8 weights transposed, `(d, k)`.
 * @param scale Per-output scale `(k)` (input scale times weight scale).
 * @param bias `(k)`.
 * @param d Features.
 * @param k Outputs.
 * @returns The serialised model.
 */
export function int8Model(
  wt: Int8Array,
  scale: Float32Array,
  bias: Float32Array,
  d: number,
  k: number,
): Uint8Array {
  const to = new Pb().string(1, "to").varint(3, FLOAT).varint(20, 2); // AttributeProto INT
  const g = new Pb()
    .message(1, node("MatMulInteger", ["X", "W", "XZ", "WZ"], ["XW"]))
    .message(1, node("Cast", ["XW"], ["XWf"], [to]))
    .message(1, node("Mul", ["XWf", "S"], ["XWs"]))
    .message(1, node("Add", ["XWs", "B"], ["Y"]))
    .string(2, "linear_int8")
    .message(5, tensor("W", INT8, [d, k], wt))
    .message(5, tensor("XZ", UINT8, [], new Uint8Array([0])))
    .message(5, tensor("WZ", INT8, [], new Int8Array([0])))
    .message(5, tensor("S", FLOAT, [k], scale))
    .message(5, tensor("B", FLOAT, [k], bias))
    .message(11, valueInfo("X", UINT8, ["N", d]))
    .message(12, valueInfo("Y", FLOAT, ["N", k]));
  return model(g);
}
