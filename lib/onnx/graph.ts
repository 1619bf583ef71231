/**
 * A small builder of ONNX graphs: initializers from typed arrays (little-endian raw data), nodes
 * with typed attributes, unique names.
 *
 * @module
 */

import { ONNX_TYPE, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "./protobuf.ts";

/** An attribute value: a number (`INT` when `int` is set), numbers, a string, strings. */
export type AttributeValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string }
  | { strings: string[] };

/** ONNX element types this builder writes. */
export type ElementType = keyof typeof ONNX_TYPE;

const BYTES: Partial<Record<ElementType, number>> = {
  FLOAT: 4,
  DOUBLE: 8,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FLOAT16: 2,
  BOOL: 1,
};

/** Raw little-endian bytes of numbers in an ONNX element type. */
export function rawData(type: ElementType, values: ArrayLike<number>): Uint8Array {
  const size = BYTES[type];
  if (size === undefined) throw new TypeError(`Cannot encode ONNX tensor: no raw form for ${type}`);
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i], o = i * size;
    switch (type) {
      case "FLOAT":
        v.setFloat32(o, x, true);
        break;
      case "DOUBLE":
        v.setFloat64(o, x, true);
        break;
      case "UINT8":
      case "BOOL":
        v.setUint8(o, x);
        break;
      case "INT8":
        v.setInt8(o, x);
        break;
      case "UINT16":
      case "FLOAT16":
        v.setUint16(o, x, true);
        break;
      case "INT16":
        v.setInt16(o, x, true);
        break;
      case "INT32":
        v.setInt32(o, x, true);
        break;
      case "INT64":
        v.setBigInt64(o, BigInt(x), true);
        break;
    }
  }
  return out;
}

/** Collects the nodes and initializers of a graph. */
export class GraphBuilder {
  /** Nodes in topological order (the order they were added). */
  readonly nodes: OnnxNode[] = [];
  /** Initializers. */
  readonly initializers: OnnxTensor[] = [];
  #count = 0;

  /** A fresh name with the given stem. */
  name(stem: string): string {
    return `${stem}_${this.#count++}`;
  }

  /**
   * Adds an initializer.
   *
   * @param stem Name stem (a suffix makes it unique), or the exact name when `exact` is set.
   * @param type Element type.
   * @param dims Shape (`[]` for a scalar).
   * @param values The elements, row-major.
   * @returns The initializer's name.
   */
  constant(stem: string, type: ElementType, dims: number[], values: ArrayLike<number>): string {
    if (type === "FLOAT" || type === "FLOAT16") {
      const round = type === "FLOAT" ? Math.fround : Math.f16round;
      for (let i = 0; i < values.length; i++) {
        if (Number.isFinite(values[i]) && !Number.isFinite(round(values[i]))) {
          throw new RangeError(
            `Cannot export ONNX: ${stem}[${i}] is ${values[i]}, beyond the ${type.toLowerCase()} ` +
              "range of the graph's tensors",
          );
        }
      }
    }
    const name = this.name(stem);
    this.initializers.push({
      name,
      data_type: ONNX_TYPE[type],
      dims,
      raw_data: rawData(type, values),
    });
    return name;
  }

  /** Adds a string initializer. */
  strings(stem: string, values: readonly string[]): string {
    const name = this.name(stem);
    const enc = new TextEncoder();
    this.initializers.push({
      name,
      data_type: ONNX_TYPE.STRING,
      dims: [values.length],
      string_data: values.map((s) => enc.encode(s)),
    });
    return name;
  }

  /**
   * Adds a node with one output.
   *
   * @param op Operator type.
   * @param inputs Input names (`""` for an omitted optional input).
   * @param attributes Attributes by name.
   * @param output The output's name (a fresh one when omitted).
   * @param domain Operator domain (`""` is the default ONNX domain).
   * @returns The output's name.
   */
  op(
    op: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
    domain = "",
  ): string {
    const out = output ?? this.name(op.toLowerCase());
    const attribute: OnnxAttribute[] = Object.entries(attributes).map(([name, a]) => {
      if ("int" in a) return { name, type: 2, i: a.int };
      if ("float" in a) return { name, type: 1, f: a.float };
      if ("ints" in a) return { name, type: 7, ints: a.ints };
      if ("floats" in a) return { name, type: 6, floats: a.floats };
      if ("string" in a) return { name, type: 3, s: new TextEncoder().encode(a.string) };
      return { name, type: 8, strings: a.strings.map((s) => new TextEncoder().encode(s)) };
    });
    this.nodes.push({
      name: this.name(op),
      op_type: op,
      input: inputs,
      output: [out],
      ...(attribute.length ? { attribute } : {}),
      ...(domain ? { domain } : {}),
    });
    return out;
  }
}

/** A graph input or output of a tensor type, with `"N"` for a symbolic batch dimension. */
export function valueInfo(name: string, type: ElementType, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_TYPE[type],
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}
