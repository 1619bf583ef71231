import assert from "node:assert/strict";
import { fromRows } from "../../lib/core/matrix.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { importOnnxModel } from "../../lib/onnx/import.ts";
import { type ElementType, GraphBuilder, valueInfo } from "../../lib/onnx/graph.ts";
import { encodeOnnx, type OnnxNode } from "../../lib/onnx/protobuf.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (skipped: ${problem})` : "";

const D = 4;
const K = 3;
const W = Float32Array.from({ length: K * D }, (_, i) => ((i * 7) % 11) * 0.55 - 2.6);
const B = Float32Array.from([0.25, -0.5, 0.125]);
const X = fromRows(
  Array.from(
    { length: 12 },
    (_, r) => Array.from({ length: D }, (_, j) => ((r * 5 + j * 3) % 13) / 4 - 1.5),
  ),
);

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
    // Before opset 7 (Gemm(6), Add(6) have no implementation), after the latest it knows.
    for (const opset of [1, 6, 27]) {
      await bothRefuse(
        graphFile(gemmGraph(floatWeights), [["", opset]]),
        new RegExp(`imports opset ${opset} of the default domain; only opsets 7 to 26`),
      );
    }
    await bothRefuse(
      graphFile(linearClassifier("ai.onnx.ml"), [["", 13], ["ai.onnx.ml", 6]], LABELS),
      /imports opset 6 of ai\.onnx\.ml; only opsets 1 to 5/,
    );
    await bothRefuse(graphFile(gemmGraph(floatWeights), []), /imports no opset/);
    // The bounds are read; 'ai.onnx' is the default domain, and a file without it is read at
    // the latest opset.
    for (const opset of [7, 26]) await bothRead(graphFile(gemmGraph(floatWeights), [["", opset]]));
    await bothRead(graphFile(gemmGraph(floatWeights), [["ai.onnx", 13]]));
    await bothRead(graphFile(gemmGraph(floatWeights), [["ai.onnx.ml", 1]]));
    await bothRead(
      graphFile(linearClassifier("ai.onnx.ml"), [["", 13], ["ai.onnx.ml", 5]], LABELS),
    );
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
        new RegExp(`Gemm node .* is in domain '${domain.replace(".", "\\.")}', not the default`),
      );
    }
    await bothRefuse(
      graphFile(linearClassifier(""), [["", 13], ["ai.onnx.ml", 1]], LABELS),
      /LinearClassifier node 'lc' is in domain '', not ai\.onnx\.ml/,
    );
    await bothRead(
      graphFile(gemmGraph(floatWeights, (gemm) => (gemm.domain = "ai.onnx")), [["", 13]]),
    );
  },
});
