import assert from "node:assert/strict";
import { predictProba } from "../../lib/model/predict.ts";
import { importOnnxModel } from "../../lib/onnx/import.ts";
import { type ElementType, GraphBuilder, valueInfo } from "../../lib/onnx/graph.ts";
import { encodeOnnx, type OnnxNode } from "../../lib/onnx/protobuf.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { B, D, inputRows, K, W } from "./_graph_data.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (skipped: ${problem})` : "";

const X = inputRows(12);

/** The file of a graph from `input` `(N, D)` to `probabilities` `(N, K)`, with its opsets. */
function graphFile(
  g: GraphBuilder,
  opsets: [string, number][],
  outputs: [string, ElementType][] = [["probabilities", "FLOAT"]],
): Uint8Array {
  const opset = opsets.find(([domain]) => domain === "")?.[1] ?? 13;
  return encodeOnnx({
    ir_version: opset >= 21 ? 10 : 7,
    opset_import: opsets.map(([domain, version]) => ({ domain, version })),
    graph: {
      name: "g",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", "FLOAT", ["N", D])],
      output: outputs.map(([name, type]) =>
        valueInfo(name, type, type === "INT64" ? ["N"] : ["N", K])
      ),
    },
  });
}

/** `Softmax(Gemm(input, weights(g), B))`, the Gemm's node given to `edit`. */
function gemmGraph(
  weights: (g: GraphBuilder) => string,
  edit: (gemm: OnnxNode) => void = () => {},
): GraphBuilder {
  const g = new GraphBuilder();
  const w = weights(g);
  const s = g.op("Gemm", ["input", w, g.constant("b", "FLOAT", [K], B)], { transB: { int: 1 } });
  edit(g.nodes[g.nodes.length - 1]);
  g.op("Softmax", [s], { axis: { int: 1 } }, "probabilities");
  return g;
}

const floatWeights = (g: GraphBuilder) => g.constant("w", "FLOAT", [K, D], W);

/** skl2onnx's `LinearClassifier` in the given domain. */
function linearClassifier(domain: string): GraphBuilder {
  const g = new GraphBuilder();
  g.nodes.push({
    name: "lc",
    op_type: "LinearClassifier",
    domain,
    input: ["input"],
    output: ["label", "probabilities"],
    attribute: [
      { name: "coefficients", type: 6, floats: [...W] },
      { name: "intercepts", type: 6, floats: [...B] },
      { name: "classlabels_ints", type: 7, ints: [0, 1, 2] },
      { name: "post_transform", type: 3, s: new TextEncoder().encode("SOFTMAX") },
    ],
  });
  return g;
}

const LABELS: [string, ElementType][] = [["label", "INT64"], ["probabilities", "FLOAT"]];

const refused = (pattern: RegExp) => (e: Error) =>
  e instanceof SyntaxError && /^Cannot import ONNX model 'm.onnx': /.test(e.message) &&
  pattern.test(e.message);

/** onnxruntime refuses to load the file, and so does the importer, with the given reason. */
async function bothRefuse(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(
    runOnnx(bytes, X, "input", "disabled"),
    /onnxruntime cannot load it/,
  );
  assert.throws(() => importOnnxModel(bytes, { name: "m.onnx" }), refused(pattern));
}

/** onnxruntime runs the file, and the imported model computes its probabilities. */
async function bothRead(bytes: Uint8Array): Promise<void> {
  const ort = (await runOnnx(bytes, X, "input", "disabled")).probabilities.data as Float32Array;
  const ours = predictProba(importOnnxModel(bytes).model, X).data;
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ort[i]));
  assert.ok(worst < 1e-6, `max difference ${worst}`);
}

Deno.test({
  name: `opsets onnxruntime does not run are refused, as it refuses them${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // After the latest it knows.
    await bothRefuse(
      graphFile(gemmGraph(floatWeights), [["", 27]]),
      /imports opset 27 of the default domain; only opsets up to 26/,
    );
    await bothRefuse(
      graphFile(linearClassifier("ai.onnx.ml"), [["", 13], ["ai.onnx.ml", 6]], LABELS),
      /imports opset 6 of ai\.onnx\.ml; only opsets up to 5/,
    );
    await bothRefuse(graphFile(gemmGraph(floatWeights), []), /imports no opset/);
    // The bounds are read; 'ai.onnx' is the default domain, and a file without it is read at
    // the latest opset.
    for (const opset of [7, 26]) await bothRead(graphFile(gemmGraph(floatWeights), [["", opset]]));
    await bothRead(graphFile(gemmGraph(floatWeights), [["ai.onnx", 13]]));
    // 'ai.onnx' is the default domain for the nodes' opsets too: Gemm at its opset 6 (which
    // onnxruntime does not implement) is refused as for the empty domain, not read at the latest.
    await bothRefuse(
      graphFile(gemmGraph(floatWeights), [["ai.onnx", 6]]),
      /Gemm node .* needs opset 7 or later; the file imports opset 6/,
    );
    // An ai.onnx.ml node needs ai.onnx.ml 1 or later.
    await bothRefuse(
      graphFile(linearClassifier("ai.onnx.ml"), [["", 13], ["ai.onnx.ml", 0]], LABELS),
      /LinearClassifier node "lc" needs opset 1 of ai\.onnx\.ml or later; the file imports 0/,
    );
    await bothRead(graphFile(gemmGraph(floatWeights), [["ai.onnx.ml", 1]]));
    await bothRead(
      graphFile(linearClassifier("ai.onnx.ml"), [["", 13], ["ai.onnx.ml", 5]], LABELS),
    );
  },
});

/** `Softmax(MatMul(input, W^T) [+ B])`: a graph whose ops onnxruntime implements from opset 1. */
function matMulGraph(bias: boolean): GraphBuilder {
  const g = new GraphBuilder();
  const wt = Float32Array.from({ length: D * K }, (_, i) => W[(i % K) * D + Math.floor(i / K)]);
  let s = g.op("MatMul", ["input", g.constant("wt", "FLOAT", [D, K], wt)]);
  if (bias) s = g.op("Add", [s, g.constant("b", "FLOAT", [K], B)]);
  g.op("Softmax", [s], { axis: { int: 1 } }, "probabilities");
  return g;
}

Deno.test({
  name: `below opset 7 the nodes onnxruntime cannot run are refused, not the file${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // onnxruntime guarantees opsets from 7 only, but loads older files: it refuses the nodes it
    // has no implementation for there (Gemm(6), Add(6)), and runs MatMul(1), Softmax(1) and the
    // ai.onnx.ml ops whatever the default domain's opset.
    for (const opset of [1, 6]) {
      await bothRefuse(
        graphFile(gemmGraph(floatWeights), [["", opset]]),
        new RegExp(`Gemm node .* needs opset 7 or later; the file imports opset ${opset}`),
      );
      await bothRefuse(
        graphFile(matMulGraph(true), [["", opset]]),
        new RegExp(`Add node .* needs opset 7 or later; the file imports opset ${opset}`),
      );
      await bothRead(graphFile(matMulGraph(false), [["", opset]]));
      await bothRead(
        graphFile(linearClassifier("ai.onnx.ml"), [["", opset], ["ai.onnx.ml", 1]], LABELS),
      );
    }
  },
});

Deno.test({
  name: `an op in another domain than its own is refused, as onnxruntime refuses it${skip}`,
  ignore: problem !== null,
  fn: async () => {
    for (const domain of ["ai.onnx.ml", "com.example"]) {
      const g = gemmGraph(floatWeights, (gemm) => (gemm.domain = domain));
      await bothRefuse(
        graphFile(g, [["", 13], [domain, 1]]),
        new RegExp(`Gemm node .* is in domain "${domain.replace(".", "\\.")}", not the default`),
      );
    }
    // The domain comes from the file: a 10,000-character one was printed whole.
    const long = "x".repeat(10000);
    const g = gemmGraph(floatWeights, (gemm) => (gemm.domain = long));
    await bothRefuse(
      graphFile(g, [["", 13], [long, 1]]),
      /is in domain "x{60}"\.\.\. \(10000 characters\), not the default domain \(where/,
    );
    await bothRefuse(
      graphFile(linearClassifier(""), [["", 13], ["ai.onnx.ml", 1]], LABELS),
      /LinearClassifier node "lc" is in domain "", not ai\.onnx\.ml/,
    );
    await bothRead(
      graphFile(gemmGraph(floatWeights, (gemm) => (gemm.domain = "ai.onnx")), [["", 13]]),
    );
  },
});

/**
 * `Softmax(MatMul(input, W^T))` (ops onnxruntime runs from opset 1) with a side node `op` on
 * constants, its result an extra output: a file onnxruntime loads only where it implements `op`.
 */
function sideNodeFile(op: string, opset: number): Uint8Array {
  const g = matMulGraph(false);
  const f = (values: number[], dims = [values.length]) => g.constant("f", "FLOAT", dims, values);
  const [inputs, attributes, type, dims]: [
    string[],
    Record<string, { int: number }>,
    ElementType,
    number[],
  ] = op === "Gemm"
    ? [[f([1, 2], [1, 2]), f([3, 4], [2, 1]), f([0.5])], {}, "FLOAT", [1, 1]]
    : op === "Sigmoid" || op === "Round" || op === "Neg" || op === "Exp"
    ? [[f([0.25, -1.5])], {}, "FLOAT", [2]]
    : op === "Cast"
    ? [[f([0.25, -1.5])], { to: { int: 11 } }, "DOUBLE", [2]]
    : op === "Concat"
    ? [[f([1, 2]), f([3])], { axis: { int: 0 } }, "FLOAT", [3]]
    : op === "GatherElements"
    ? [[f([1, 2, 3, 4], [2, 2]), g.constant("i", "INT64", [2, 2], [1, 0, 0, 1])], {}, "FLOAT", [
      2,
      2,
    ]]
    : op === "Greater" || op === "GreaterOrEqual"
    ? [[f([1, 2]), f([2, 1])], {}, "BOOL", [2]]
    : [[f([1, 2]), f([2, 4])], {}, "FLOAT", [2]]; // Add, Sub, Mul, Div
  g.op(op, inputs, attributes, "side");
  return encodeOnnx({
    ir_version: 7,
    opset_import: [{ domain: "", version: opset }],
    graph: {
      name: "g",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", "FLOAT", ["N", D])],
      output: [valueInfo("probabilities", "FLOAT", ["N", K]), valueInfo("side", type, dims)],
    },
  });
}

Deno.test({
  name: `each op is refused below the first opset onnxruntime runs it at, and read from it${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // The first opsets measured by loading single-op graphs in onnxruntime-node 1.30 ('Could not
    // find an implementation' below them): the op's own first version, or the first that
    // onnxruntime implements (Add(6), Gemm(6), Sigmoid(5), Cast(5), Concat(1)... have none).
    const first: [string, number][] = [
      ["Add", 7],
      ["Sub", 7],
      ["Mul", 7],
      ["Div", 7],
      ["Neg", 6],
      ["Exp", 6],
      ["Gemm", 7],
      ["Greater", 7],
      ["Sigmoid", 6],
      ["Cast", 6],
      ["Concat", 4],
      ["GatherElements", 11],
      ["Round", 11],
      ["GreaterOrEqual", 12],
    ];
    for (const [op, since] of first) {
      await bothRefuse(
        sideNodeFile(op, since - 1),
        new RegExp(
          `${op} node .* needs opset ${since} or later; the file imports opset ${since - 1}`,
        ),
      );
      await bothRead(sideNodeFile(op, since));
    }
  },
});

/** `DequantizeLinear(codes (K, D) of `type`, scale of `scaleType`)` weights, with attributes. */
function dequantized(
  type: ElementType,
  scaleType: ElementType = "FLOAT",
  attributes: Record<string, { int: number }> = {},
): (g: GraphBuilder) => string {
  return (g) => {
    const codes = Array.from(W, (v) => Math.round(v * 40) + (type.startsWith("U") ? 100 : 0));
    const zero = type.startsWith("U") ? [100] : [0];
    // 1/40 as float16 bits (0x2666) or as a float.
    const scale = scaleType === "FLOAT16" ? [0x2666] : [0.025];
    const w = g.op("DequantizeLinear", [
      g.constant("q", type, [K, D], codes),
      g.constant("s", scaleType, [], scale),
      g.constant("z", type, [], zero),
    ], attributes);
    return scaleType === "FLOAT16" ? g.op("Cast", [w], { to: { int: 1 } }) : w;
  };
}

Deno.test({
  name: `DequantizeLinear's opset rules are applied, as onnxruntime applies them${skip}`,
  ignore: problem !== null,
  fn: async () => {
    const at = (weights: (g: GraphBuilder) => string, opset: number) =>
      graphFile(gemmGraph(weights), [["", opset]]);
    // 16-bit codes from opset 21.
    for (const type of ["INT16", "UINT16"] as const) {
      for (const opset of [13, 19]) {
        await bothRefuse(
          at(dequantized(type), opset),
          new RegExp(`codes of type ${type}; DequantizeLinear at opset ${opset} takes INT8`),
        );
      }
      await bothRead(at(dequantized(type), 21));
    }
    // A float16 scale from opset 19.
    await bothRefuse(
      at(dequantized("INT8", "FLOAT16"), 13),
      /scale of type FLOAT16; DequantizeLinear at opset 13 takes FLOAT \(FLOAT16 from opset 19\)/,
    );
    await bothRead(at(dequantized("INT8", "FLOAT16"), 19));
    // axis (per-axis scales) from 13, block_size from 21, output_dtype from 23.
    const attributes: [string, number][] = [["axis", 13], ["block_size", 21], ["output_dtype", 23]];
    for (const [name, since] of attributes) {
      const value = name === "axis" ? 1 : name === "block_size" ? 0 : 1;
      const weights = dequantized("INT8", "FLOAT", { [name]: { int: value } });
      await bothRefuse(
        at(weights, since - 1),
        new RegExp(`attribute ${name}, which DequantizeLinear takes from opset ${since}`),
      );
      await bothRead(at(weights, since));
    }
    // The op itself from opset 10.
    await bothRefuse(at(dequantized("INT8"), 9), /DequantizeLinear node .* needs opset 10/);
    await bothRead(at(dequantized("INT8"), 10));
  },
});

Deno.test({
  name:
    `Gemm's C before opset 11 and Reshape's allowzero before 14 are refused, as onnxruntime refuses them${skip}`,
  ignore: problem !== null,
  fn: async () => {
    const noC = gemmGraph(floatWeights, (gemm) => gemm.input.pop());
    for (const opset of [9, 10]) {
      await bothRefuse(
        graphFile(noC, [["", opset]]),
        new RegExp(`Gemm node .* has no C input, which Gemm requires before opset 11`),
      );
    }
    await bothRead(graphFile(noC, [["", 11]]));
    const reshaped = gemmGraph(floatWeights, (gemm) => {
      gemm.input[0] = "rows";
    });
    reshaped.nodes.unshift({
      name: "reshape",
      op_type: "Reshape",
      input: ["input", reshaped.constant("shape", "INT64", [2], [-1, D])],
      output: ["rows"],
      attribute: [{ name: "allowzero", type: 2, i: 0 }],
    });
    await bothRefuse(
      graphFile(reshaped, [["", 13]]),
      /Reshape node "reshape" has the attribute allowzero, which Reshape takes from opset 14/,
    );
    await bothRead(graphFile(reshaped, [["", 14]]));
  },
});

Deno.test({
  name: `Flatten at axis -1 is the copy onnxruntime makes from opset 11, and refused before${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // Flatten(input, axis) of an (N, D) input is (N, D) at axis 1 and at -1 (the last); negative
    // axes exist from opset 11 (onnxruntime refuses them at 9 and 10).
    const flattened = (axis: number) => {
      const g = gemmGraph(floatWeights, (gemm) => {
        gemm.input[0] = "flat";
      });
      g.nodes.unshift({
        name: "flatten",
        op_type: "Flatten",
        input: ["input"],
        output: ["flat"],
        attribute: [{ name: "axis", type: 2, i: axis }],
      });
      return g;
    };
    for (const opset of [9, 10]) {
      await bothRefuse(
        graphFile(flattened(-1), [["", opset]]),
        /Flatten node "flatten" has axis -1; Flatten takes negative axes from opset 11/,
      );
      await bothRead(graphFile(flattened(1), [["", opset]]));
    }
    for (const opset of [11, 13]) {
      await bothRead(graphFile(flattened(-1), [["", opset]]));
      await bothRead(graphFile(flattened(1), [["", opset]]));
    }
    // At axis 0 it makes one row of N x D values: no copy of the input's rows.
    assert.throws(
      () => importOnnxModel(graphFile(flattened(0), [["", 13]]), { name: "m.onnx" }),
      refused(/no MatMul or Gemm with constant weights follows the input/),
    );
  },
});

Deno.test({
  name:
    `onnxruntime's own DequantizeLinear (com.microsoft) is read at any default opset, as it runs it${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // Its quantization tool writes this contrib op, with or without importing com.microsoft; the
    // standard op's rules by opset do not apply to it (found by the regression review: the
    // domain check refused every such file, which the importer read before).
    const contrib = (
      type: ElementType,
      scaleType: ElementType = "FLOAT",
      attributes: Record<string, { int: number }> = {},
    ) =>
    (g: GraphBuilder) => {
      const w = dequantized(type, scaleType, attributes)(g);
      g.nodes.find((n) => n.op_type === "DequantizeLinear")!.domain = "com.microsoft";
      return w;
    };
    const at = (weights: (g: GraphBuilder) => string, opsets: [string, number][]) =>
      graphFile(gemmGraph(weights), opsets);
    for (const type of ["INT8", "UINT8", "INT16", "UINT16", "INT32"] as const) {
      await bothRead(at(contrib(type), [["", 13]]));
    }
    await bothRead(at(contrib("INT8", "FLOAT16"), [["", 13]]));
    await bothRead(at(contrib("INT8", "FLOAT", { axis: { int: 0 } }), [["", 13]]));
    for (const opset of [7, 10]) await bothRead(at(contrib("UINT16"), [["", opset]]));
    await bothRead(at(contrib("INT8"), [["", 13], ["com.microsoft", 1]]));
    // What onnxruntime refuses of it: an unknown opset of its domain (below its only one as
    // well as above it), an attribute it lacks.
    for (const version of [0, 2]) {
      await bothRefuse(
        at(contrib("INT8"), [["", 13], ["com.microsoft", version]]),
        new RegExp(
          `DequantizeLinear node .* is in com\\.microsoft, whose opset ${version} onnxruntime ` +
            "does not know",
        ),
      );
    }
    await bothRefuse(
      at(contrib("INT8", "FLOAT", { block_size: { int: 0 } }), [["", 13]]),
      /DequantizeLinear node .* \(com\.microsoft\) has the attribute block_size/,
    );
  },
});

Deno.test("an attribute name read from a file is quoted in the refusal when it is not an identifier", () => {
  // It was printed raw: a name holding a quote and a line break split the message over two
  // lines. Oracle: the JSON escapes written out by hand; the node's name as the file gives it.
  const g = gemmGraph(dequantized("INT8", "FLOAT", { ['it\'s "a"\nb']: { int: 0 } }));
  const node = g.nodes.find((n) => n.op_type === "DequantizeLinear")!;
  node.domain = "com.microsoft";
  const bytes = graphFile(g, [["", 13]]);
  assert.throws(() => importOnnxModel(bytes, { name: "m.onnx" }), {
    name: "SyntaxError",
    message: "Cannot import ONNX model 'm.onnx': DequantizeLinear node " +
      `${JSON.stringify(node.name)} (com.microsoft) has the attribute ` +
      String.raw`"it's \"a\"\nb", which it does not take`,
  });
  // An identifier prints as it is, as the op types do.
  node.attribute = [{ name: "block_size", type: 2, i: 0 }];
  assert.throws(() => importOnnxModel(graphFile(g, [["", 13]]), { name: "m.onnx" }), {
    message: /\(com\.microsoft\) has the attribute block_size, which it does not take$/,
  });
});
