/**
 * Import of linear classifiers from ONNX: scikit-learn's `LogisticRegression` as skl2onnx writes
 * it (`LinearClassifier` of the `ai.onnx.ml` domain, optionally after a `Scaler`), and plain
 * graphs `MatMul`/`Gemm` + `Add` + `Softmax`/`Sigmoid` with optional element-wise `Sub`, `Add`,
 * `Mul`, `Div` by constants before or after (preprocessing, rescaling), including the float and
 * QDQ files {@linkcode exportOnnx} writes (their `DequantizeLinear`/`Gather` weight subgraphs are
 * evaluated). Its integer graphs (`QuantizeLinear` to `MatMulInteger`) are refused by name.
 *
 * The graph from the input to the scores must be affine; it is composed into one weight matrix
 * and bias (preprocessing folded). Anything else on that path (e.g. `Relu`, a second layer, an
 * input-dependent operation) is refused with a `SyntaxError` naming the node.
 *
 * @module
 */

import { FLOAT32_MAX } from "../core/matrix.ts";
import {
  checkOptionKeys,
  counted,
  describe,
  errorReason,
  type OptionKeys,
  quotedList,
  quotedText,
} from "../core/validate.ts";
import { MODEL_VERSION } from "../model/types.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import type { QuantizedModel } from "../quant/types.ts";
import { float32Cutoff } from "./export.ts";
import { quantizedFromGraph } from "./import_quantized.ts";
import { checkOpsets, CONTRIB, nodeText, typeName } from "./opset.ts";
import { attr, decodeOnnx, ONNX_TYPE, type OnnxNode, type OnnxTensor } from "./protobuf.ts";

/** Options for {@linkcode importOnnxModel}. */
export interface OnnxImportOptions {
  /**
   * Name of the file, for messages.
   * @default {"(bytes)"}
   */
  name?: string;
  /**
   * Class labels, when the file does not name them.
   * @default {labels from the file, else "0", "1", ...}
   */
  classes?: readonly string[];
  /**
   * Feature names, when the file does not name them.
   * @default {names from the file's metadata, else "x0", "x1", ...}
   */
  featureNames?: readonly string[];
}

/** An imported model and what the import could not keep exactly. */
export interface ImportedModel {
  /** The model (preprocessing folded into the weights). */
  readonly model: LogisticModel;
  /**
   * The model as the file stores it, when its weights are integer codes (`DequantizeLinear`)
   * or float16 values before the one `Gemm`/`MatMul`: codes, scales, zero points, bias and
   * standardisation as in the graph (see `quantizedFromGraph`); `model` is its dequantized,
   * folded form. Absent for float graphs, and for codebook and power-of-two graphs (read as
   * float, with a warning when codes were seen but not kept).
   */
  readonly quantized?: QuantizedModel;
  /** E.g. one-vs-rest probabilities that softmax replaces. */
  readonly warnings: string[];
  /** How the graph was read: `"LinearClassifier"` or `"affine graph"`. */
  readonly source: string;
}

interface Constant {
  dims: number[];
  values: Float64Array | string[];
}

const AFFINE_OPS = new Set([
  "Identity",
  "Flatten",
  "Reshape",
  "Cast",
  "Sub",
  "Add",
  "Mul",
  "Div",
  "MatMul",
  "Gemm",
  "Scaler",
]);
/** Ops that copy, reshape or summarise a classifier's outputs without changing them. */
const PASS_OPS = new Set([
  "Identity",
  "Cast",
  "ZipMap",
  "Normalizer",
  "Reshape",
  "Squeeze",
  "Unsqueeze",
  "Flatten",
  "ReduceMax",
  "TopK",
]);
const POST_OPS = new Set([
  "Softmax",
  "Sigmoid",
  "ArgMax",
  "Identity",
  "Greater",
  "Cast",
  "Squeeze",
  "Unsqueeze",
  "Concat",
  "Sub",
  "Neg",
  "Exp",
  "Gather",
  "ZipMap",
  "Normalizer",
  "Reshape",
  "Flatten",
]);

/**
 * The norm of a `Normalizer` node: `"MAX"` when unset, as ONNX defines it. Only `"L1"` (what
 * skl2onnx writes) leaves probabilities that sum to 1 as they are; `"L2"` and `"MAX"` rescale
 * them.
 */
function normalizerNorm(n: OnnxNode): string {
  const s = attr(n, "norm")?.s;
  return s ? new TextDecoder().decode(s) : "MAX";
}

/**
 * Reads a linear classifier from ONNX bytes.
 *
 * @param bytes The `.onnx` file's bytes.
 * @param options File name, class labels, feature names.
 * @returns The model, warnings, and the kind of graph read.
 * @throws {SyntaxError} If the bytes are not ONNX or the graph is not a linear classifier.
 * @throws {TypeError} If `bytes` is not a `Uint8Array` (an `ArrayBuffer` included: wrap it in
 *   `new Uint8Array(buffer)`), or the classes or feature names given are not arrays or do not fit
 *   the model.
 *
 * @example Export and import back
 * ```ts
 * import { exportOnnx } from "./export.ts";
 * import { importOnnxModel } from "./import.ts";
 * import { fit } from "../model/fit.ts";
 * import { predict } from "../model/predict.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]);
 * const { model } = fit(x, Int32Array.from([0, 0, 1, 1]));
 * const back = importOnnxModel(exportOnnx(model)).model;
 * assert.deepEqual(predict(back, x), predict(model, x));
 * ```
 */
export function importOnnxModel(bytes: Uint8Array, options: OnnxImportOptions = {}): ImportedModel {
  // The file's name in every message, these included (read before the options are checked).
  const given = (options as OnnxImportOptions | null)?.name;
  checkOptionKeys(
    `import ONNX model '${typeof given === "string" ? given : "(bytes)"}'`,
    options,
    {
      name: true,
      classes: true,
      featureNames: true,
    } satisfies OptionKeys<OnnxImportOptions>,
  );
  const name = options.name ?? "(bytes)";
  // Anything else would be spread into the model: a string into its characters as labels.
  for (const key of ["classes", "featureNames"] as const) {
    if (options[key] !== undefined && !Array.isArray(options[key])) {
      throw new TypeError(
        `Cannot import ONNX model '${name}': options.${key} must be an array of strings, got ` +
          describe(options[key]),
      );
    }
  }
  // protobufjs reads anything else as "illegal buffer", which would call an ONNX file in an
  // ArrayBuffer (what fetch's arrayBuffer() gives) not ONNX.
  const received: unknown = bytes;
  if (!(received instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot import ONNX model '${name}': bytes must be a Uint8Array, got ${describe(received)}${
        received instanceof ArrayBuffer ? "; new Uint8Array(buffer) wraps an ArrayBuffer" : ""
      }`,
    );
  }
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot import ONNX model '${name}': ${reason}`);
  };
  const onnx = decodeOnnx(bytes, name);
  const graph = onnx.graph;
  const nodes = graph.node ?? [];
  // ONNX lists nodes in topological order. A node that reads a tensor no earlier node, input or
  // initializer makes is a cycle or a forward reference, which the walks below would follow
  // forever; so is one that writes a tensor already made (ONNX names each tensor once): a node
  // writing its own input is a loop of one node.
  const available = new Set<string>([
    ...(graph.input ?? []).map((i) => i.name),
    ...(graph.initializer ?? []).map((t) => t.name ?? ""),
  ]);
  for (const n of nodes) {
    for (const i of n.input) {
      if (i !== "" && !available.has(i)) {
        fail(
          `${nodeText(n)} reads ${quotedText(i)}, which no earlier node, input or ` +
            "initializer makes: the graph is not in topological order (or has a cycle)",
        );
      }
    }
    for (const o of n.output) {
      if (o !== "" && available.has(o)) {
        fail(
          `${nodeText(n)} writes ${quotedText(o)}, which an earlier node, input or ` +
            "initializer already makes: ONNX names each tensor once",
        );
      }
      available.add(o);
    }
  }
  const constants = new Map<string, Constant>();
  const types = new Map<string, number>();
  // Initializers of one name: the last is read, as onnxruntime does (with a warning of its own).
  const repeated = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (constants.has(t.name ?? "")) repeated.add(t.name ?? "");
    constants.set(t.name ?? "", tensorValue(t, fail));
    types.set(t.name ?? "", t.data_type ?? 0);
  }
  for (const n of nodes) {
    if (n.op_type === "Constant" && n.output.length === 1) {
      const t = attr(n, "value")?.t;
      if (t) {
        constants.set(n.output[0], tensorValue(t, fail));
        types.set(n.output[0], t.data_type ?? 0);
      }
    }
  }
  // The ops are the ones of the opsets the file imports: refused where they differ from what
  // this reader computes (or do not exist), as onnxruntime refuses to load them.
  checkOpsets(onnx, types, fail);
  const unfolded = foldConstants(nodes, constants, types, fail);
  const inputs = (graph.input ?? []).filter((i) => !constants.has(i.name));
  if (inputs.length !== 1) fail(`expected one input, found ${inputs.length}`);
  const input = inputs[0];
  const rank = input.type?.tensor_type?.shape?.dim?.length;
  if (rank !== undefined && rank !== 2) {
    fail(`input ${quotedText(input.name)} has rank ${rank}, not 2 (samples x features)`);
  }
  const elem = input.type?.tensor_type?.elem_type;
  if (elem !== undefined && elem !== ONNX_TYPE.FLOAT && elem !== ONNX_TYPE.DOUBLE) {
    fail(`input ${quotedText(input.name)} is not a float tensor`);
  }
  // Who reads and who writes each tensor, and the tensor each Identity chain copies, found once:
  // searched again at every step, the import of a long Identity chain grew as its square.
  const readers = new Map<string, OnnxNode[]>();
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) {
    for (const i of new Set(n.input)) {
      const list = readers.get(i);
      if (list === undefined) readers.set(i, [n]);
      else list.push(n);
    }
    for (const o of n.output) producer.set(o, n);
  }
  const consumers = (tensor: string): OnnxNode[] => [...(readers.get(tensor) ?? [])];
  const origins = new Map<string, string>();
  /** The tensor an Identity chain copies. */
  const origin = (tensor: string): string => {
    let t = origins.get(tensor);
    if (t !== undefined) return t;
    t = tensor;
    for (let n = producer.get(t); n?.op_type === "Identity"; n = producer.get(t)) t = n.input[0];
    origins.set(tensor, t);
    return t;
  };
  const scalarIs = (t: string, v: number) => {
    const c = constants.get(t);
    return c !== undefined && c.values instanceof Float64Array && c.values.length === 1 &&
      c.values[0] === v;
  };
  /** Whether `u` is the scores (through Identity copies). */
  const isScores = (u: string) => origin(u) === origin(current);
  /** Whether `u` is the negated scores. */
  const negatedScores = (u: string) => {
    const p = producer.get(origin(u));
    return p?.op_type === "Neg" && isScores(p.input[0]);
  };
  /** The operand of `Add(1, Exp(t))` (either order) that `u` is, or `undefined`. */
  const onePlusExp = (u: string): string | undefined => {
    const add = producer.get(origin(u));
    if (add?.op_type !== "Add" || add.input.length !== 2) return undefined;
    const e = add.input.findIndex((i) => producer.get(origin(i))?.op_type === "Exp");
    if (e < 0 || !scalarIs(add.input[1 - e], 1)) return undefined;
    return producer.get(origin(add.input[e]))!.input[0];
  };
  /**
   * The `t` of `u = Div(1, Add(1, Exp(t)))`, the logistic function of `-t` (lrcompress's binary
   * head: exact in float32 where onnxruntime's Sigmoid is not), or `undefined`.
   */
  const logisticOfNegated = (u: string): string | undefined => {
    const div = producer.get(origin(u));
    if (div?.op_type !== "Div" || !scalarIs(div.input[0], 1)) return undefined;
    return onePlusExp(div.input[1]);
  };
  /** Whether `u` is the sigmoid of the scores: `Sigmoid(s)` or `1 / (1 + Exp(Neg(s)))`. */
  const sigmoidOfScores = (u: string) => {
    const p = producer.get(origin(u));
    if (p?.op_type === "Sigmoid") return isScores(p.input[0]);
    const t = logisticOfNegated(u);
    return t !== undefined && negatedScores(t);
  };
  /**
   * Whether `u` is 1 minus the sigmoid of the scores: `Sub(1, p)` (lrcompress's earlier
   * exports), `Sigmoid(Neg(s))` or `1 / (1 + Exp(s))` (its exports now).
   */
  const complementOfSigmoid = (u: string) => {
    const p = producer.get(origin(u));
    if (p?.op_type === "Sigmoid") return negatedScores(p.input[0]);
    const t = logisticOfNegated(u);
    if (t !== undefined) return isScores(t);
    return p?.op_type === "Sub" && scalarIs(p.input[0], 1) && sigmoidOfScores(p.input[1]);
  };
  /** Whether `u` is a sigmoid of one score or its complement. */
  const binaryProbability = (u: string) => sigmoidOfScores(u) || complementOfSigmoid(u);
  /**
   * Whether tensor `u` is an intermediate of a binary probability: not a graph output, and read
   * only by nodes that pass `test` (the next step of the probability).
   */
  const onlyFeedsProbability = (u: string, test: (m: OnnxNode) => boolean) => {
    const readers = consumers(u);
    return !outputs.has(u) && readers.length > 0 && readers.every(test);
  };
  /** Whether an `Add` node is the `1 + Exp(-+s)` of a binary probability, and only that. */
  const onePlusAdd = (n: OnnxNode) =>
    onePlusExp(n.output[0]) !== undefined &&
    onlyFeedsProbability(n.output[0], (d) => binaryProbability(d.output[0]));
  /** Whether a Concat node stacks `[1 - p, p]` along the classes, `p` the scores' sigmoid. */
  const isBinaryHead = (n: OnnxNode) => {
    const axis = Number(attr(n, "axis")?.i ?? 0);
    return n.input.length === 2 && (axis === 1 || axis === -1) &&
      complementOfSigmoid(n.input[0]) && sigmoidOfScores(n.input[1]);
  };
  /** Whether a node selects columns by constants (skl2onnx's heads): it computes nothing. */
  const selectsByConstants = (n: OnnxNode) =>
    (n.op_type === "Slice" || n.op_type === "ArrayFeatureExtractor") &&
    n.input.slice(1).every((i) => i === "" || constants.has(i));
  /** Whether `t` is the class index of the scores: their (probabilities') arg max over classes. */
  const scoreIndex = (t: string, nOut: number): boolean => {
    const n = producer.get(t);
    if (!n) return false;
    switch (n.op_type) {
      case "Identity":
      case "Cast":
      case "Squeeze":
      case "Unsqueeze":
      case "Reshape":
      case "Flatten":
        return scoreIndex(n.input[0], nOut);
      case "Round": // one score: the sigmoid rounded (ties at exactly 1/2 aside)
        return nOut === 1 && sigmoidOfScores(n.input[0]);
      case "Greater":
      case "GreaterOrEqual": // one score: class 1 where it is positive, or its sigmoid above 1/2
        if (nOut !== 1) return false;
        if (isScores(n.input[0])) {
          // lrcompress's export of a decision threshold: Greater than its float32 cutoff (0 for
          // a threshold of 0.5, so this comes before the plain `scores > 0`).
          if (
            n.op_type === "Greater" && threshold !== undefined &&
            scalarIs(n.input[1], float32Cutoff(threshold))
          ) {
            thresholdUsed = true;
            return true;
          }
          return scalarIs(n.input[1], 0);
        }
        return sigmoidOfScores(n.input[0]) && scalarIs(n.input[1], 0.5);
      case "ArgMax": {
        const axis = Number(attr(n, "axis")?.i ?? 0);
        if (axis !== 1 && axis !== -1) return false;
        const src = n.input[0];
        if (isScores(src)) return nOut > 1;
        const head = producer.get(origin(src));
        if (head?.op_type === "Softmax") return nOut > 1 && isScores(head.input[0]);
        return head?.op_type === "Concat" && nOut === 1 && isBinaryHead(head);
      }
      default:
        return false;
    }
  };
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const metadata = new Map((onnx.metadata_props ?? []).map((p) => [p.key, p.value]));
  // The decision threshold of an lrcompress export: its label compares the scores with
  // float32Cutoff(threshold), which the graph must hold for the model to keep it.
  const thresholdText = metadata.get("lrcompress.threshold");
  const threshold = thresholdText === undefined ? undefined : Number(thresholdText);
  if (threshold !== undefined && !(threshold > 0 && threshold < 1)) {
    fail(
      `its metadata lrcompress.threshold is ${
        quotedText(thresholdText!)
      }, not a probability strictly between 0 and 1`,
    );
  }
  let thresholdUsed = false;

  // Walk the affine chain from the input.
  const declared = input.type?.tensor_type?.shape?.dim?.[1]?.dim_value;
  const state = new Affine();
  let current = input.name;
  const warnings = [...repeated].map((t) =>
    `the graph holds several initializers named ${
      quotedText(t)
    }: the last one is read, as onnxruntime does`
  );
  let classifier: OnnxNode | undefined;
  const chain: OnnxNode[] = [];
  /** The node the walk could not read as affine, if it stopped at one. */
  let stop: OnnxNode | undefined;
  for (;;) {
    const next = consumers(current).filter((n) => n.op_type !== "Constant");
    const linear = next.find((n) => n.op_type === "LinearClassifier");
    if (linear) {
      classifier = linear;
      break;
    }
    if (next.length !== 1 || !AFFINE_OPS.has(next[0].op_type)) break;
    const n = next[0];
    if (!state.apply(n, current, constants, fail)) {
      // A weight the graph computes from constants in a way this importer cannot: say why.
      const reason = n.input.map((i) => unfolded.get(i)).find((r) => r !== undefined);
      if (reason !== undefined) fail(reason);
      stop = n;
      break;
    }
    chain.push(n);
    current = n.output[0];
  }

  let weights: Float64Array, bias: Float64Array, nOut: number, link: "sigmoid" | "softmax";
  let labels: string[] | undefined;
  let source: string;
  if (classifier) {
    source = "LinearClassifier";
    // Its outputs are read as they are: any computation on them would make the file's outputs
    // differ from the imported model's.
    const seen = new Set<string>();
    const queue = [...classifier.output];
    // The probabilities (its second output) and their copies: a Cast of them must stay float.
    const probabilities = new Set(classifier.output.slice(1, 2));
    while (queue.length > 0) {
      const t = queue.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      for (const m of consumers(t)) {
        if (probabilities.has(t)) {
          const to = m.op_type === "Cast" ? attr(m, "to")?.i : ONNX_TYPE.FLOAT;
          if (to === ONNX_TYPE.FLOAT16) warnings.push(halfCastWarning(m, "probabilities"));
          if (to !== ONNX_TYPE.FLOAT && to !== ONNX_TYPE.DOUBLE && to !== ONNX_TYPE.FLOAT16) {
            fail(
              `not a linear classifier: the LinearClassifier's probabilities ${
                quotedText(t)
              } feed Cast ` +
                `node ${quotedText(m.name ?? "")} to type ${to ?? "(none)"}, which truncates them`,
            );
          }
          for (const o of m.output) probabilities.add(o);
        }
        // Copies, reshapes, ZipMap, skl2onnx's normaliser and column selections by constants
        // (its RidgeClassifier head, zipmap="columns") read the outputs as they are.
        if (m.op_type === "Normalizer" && normalizerNorm(m) !== "L1") {
          fail(
            `not a linear classifier: the LinearClassifier's output ${
              quotedText(t)
            } feeds Normalizer ` +
              `node ${quotedText(m.name ?? "")} (norm ${
                normalizerNorm(m)
              }), which rescales it; only an L1 ` +
              "norm of its probabilities can be read",
          );
        }
        if (!PASS_OPS.has(m.op_type) && !selectsByConstants(m)) {
          fail(
            `not a linear classifier: the LinearClassifier's output ${quotedText(t)} feeds ${
              nodeText(m)
            }; only its own outputs can be read`,
          );
        }
        queue.push(...m.output);
      }
    }
    const coef = attr(classifier, "coefficients")?.floats ??
      fail("LinearClassifier has no coefficients");
    const intercepts = attr(classifier, "intercepts")?.floats ?? [];
    const strings = attr(classifier, "classlabels_strings")?.strings;
    const ints = attr(classifier, "classlabels_ints")?.ints;
    labels = strings
      ? strings.map((s) => new TextDecoder().decode(s))
      : ints
      ? integerLabels(ints, "LinearClassifier's classlabels_ints", !options.classes, fail)
      : fail("LinearClassifier has no class labels");
    // Intercepts are optional in ONNX (onnxruntime refuses a file without them). Then the rows
    // follow from the width the classifier reads; for two classes they cannot be guessed: the
    // 2 d coefficients of skl2onnx's [-w, w] rows read as one row made a model of 2 d features.
    const width = state.hasMatmul ? state.k : declared;
    const rows = intercepts.length ||
      (width ? coef.length / width : labels.length !== 2 ? labels.length : fail(
        `LinearClassifier has no intercepts and its input does not declare its width: its ${coef.length} ` +
          "coefficients can be one row (one score) or two (one per class)",
      ));
    if (!Number.isInteger(rows) || coef.length % rows !== 0) {
      fail("LinearClassifier coefficients do not split into rows");
    }
    const d = coef.length / rows;
    const transform = new TextDecoder().decode(
      attr(classifier, "post_transform")?.s ?? new Uint8Array(),
    );
    state.matmul(
      Float64Array.from(
        { length: d * rows },
        (_, i) => coef[(i % rows) * d + Math.floor(i / rows)],
      ),
      d,
      rows,
      fail,
    );
    state.add(Float64Array.from({ length: rows }, (_, c) => intercepts[c] ?? 0), fail);
    ({ weights, bias } = state.result());
    const K = labels.length;
    if (K === 2 && rows === 2) {
      // Two rows: the sigmoid of their difference (exact for SOFTMAX and for the [-w, w] rows
      // skl2onnx writes with LOGISTIC).
      const dd = weights.length / 2;
      const w = Float64Array.from({ length: dd }, (_, j) => weights[dd + j] - weights[j]);
      let antisymmetric = Math.abs(bias[0] + bias[1]) <= 1e-12 * (1 + Math.abs(bias[1]));
      for (let j = 0; j < dd && antisymmetric; j++) {
        if (Math.abs(weights[j] + weights[dd + j]) > 1e-12 * (1 + Math.abs(weights[dd + j]))) {
          antisymmetric = false;
        }
      }
      if (transform === "LOGISTIC" && antisymmetric) {
        weights = weights.slice(dd);
        bias = bias.slice(1);
      } else {
        if (transform !== "SOFTMAX") {
          warnings.push(
            `post_transform ${
              transform || "NONE"
            } on two rows read as the sigmoid of their difference: same predictions, other probabilities`,
          );
        }
        weights = w;
        bias = Float64Array.of(bias[1] - bias[0]);
      }
      nOut = 1;
      link = "sigmoid";
    } else if (K === 2 && rows === 1) {
      nOut = 1;
      link = "sigmoid";
      if (transform !== "LOGISTIC") {
        warnings.push(`post_transform ${transform || "NONE"} read as LOGISTIC`);
      }
    } else {
      if (rows !== K) fail(`LinearClassifier has ${rows} rows for ${K} classes`);
      nOut = K;
      link = "softmax";
      if (transform === "LOGISTIC") {
        warnings.push(
          "one-vs-rest (LOGISTIC) probabilities replaced by softmax: same predicted classes, other probabilities",
        );
      } else if (transform !== "SOFTMAX") {
        warnings.push(`post_transform ${transform || "NONE"} read as SOFTMAX`);
      }
    }
  } else {
    source = "affine graph";
    if (!state.hasMatmul && nodes.some((n) => n.op_type === "MatMulInteger")) {
      fail(
        "it is an integer graph (QuantizeLinear, MatMulInteger), which this reader does not " +
          "import: import the model's .lrc file, or its QDQ export (lrc export --quantized qdq)",
      );
    }
    if (!state.hasMatmul) {
      const to = stop?.op_type === "Cast" ? attr(stop, "to")?.i : undefined;
      const detail = stop?.op_type !== "Cast"
        ? ""
        : to === undefined
        ? " (without a type)"
        : ` (to ${typeName(Number(to))})`;
      fail(
        "no MatMul or Gemm with constant weights follows the input" +
          (stop
            ? `: the walk from the input stops at ${nodeText(stop)}` +
              `${detail}, which is not read as an affine step`
            : ""),
      );
    }
    const after = consumers(current);
    const bad = after.find((n) => !POST_OPS.has(n.op_type));
    if (bad) {
      fail(
        `not a linear classifier: ${quotedText(current)} feeds ${nodeText(bad)}, ` +
          "which is neither affine with constant operands nor a softmax/sigmoid head",
      );
    }
    ({ weights, bias } = state.result());
    nOut = bias.length;
    const softmax = after.some((n) => n.op_type === "Softmax");
    // A Sigmoid of the scores, lrcompress's 1 / (1 + Exp(-s)) and 1 / (1 + Exp(s)), or the
    // complement Sigmoid(Neg(s)) of one score, which the head walk below reads (alone, it was
    // refused as a Sigmoid reached "only through other operations", while Sub(1, Sigmoid(s)) and
    // 1 / (1 + Exp(s)) alone were read).
    const sigmoid = after.some((n) => n.op_type === "Sigmoid") ||
      nodes.some((n) =>
        (n.op_type === "Div" || (nOut === 1 && n.op_type === "Sigmoid")) &&
        binaryProbability(n.output[0])
      );
    for (const n of after) {
      // Opset 13 and later default to the last axis, earlier opsets to 1 (the same for the
      // 2-D scores); any other axis normalises across samples, not classes.
      const axis = n.op_type === "Softmax" ? Number(attr(n, "axis")?.i ?? -1) : -1;
      if (axis !== 1 && axis !== -1) {
        fail(
          `Softmax node ${
            quotedText(n.name ?? "")
          } normalises the scores over axis ${axis}, not classes`,
        );
      }
    }
    if (!softmax && !sigmoid) {
      // A head reached through other operations (a Concat, a Gather...) changes what the scores
      // mean in ways this reader does not follow: refuse rather than guess the classes' order.
      const seen = new Set<string>();
      const queue = after.flatMap((n) => n.output);
      while (queue.length > 0) {
        const t = queue.pop()!;
        if (seen.has(t)) continue;
        seen.add(t);
        for (const m of consumers(t)) {
          if (m.op_type === "Softmax" || m.op_type === "Sigmoid") {
            fail(
              `the scores ${quotedText(current)} reach ${nodeText(m)} only through ` +
                `other operations (${
                  opList(after)
                }); only a head applied to the scores themselves can be read`,
            );
          }
          queue.push(...m.output);
        }
      }
    }
    if (!softmax && !sigmoid && !outputs.has(current) && after.length === 0) {
      fail(
        `not a linear classifier: ${
          quotedText(current)
        } is neither an output nor followed by a head`,
      );
    }
    if (softmax) link = nOut === 1 ? fail("a softmax over one score") : "softmax";
    else if (sigmoid && nOut === 1) link = "sigmoid";
    else if (sigmoid) {
      link = "softmax";
      warnings.push(`a sigmoid per class (one-vs-rest) read as softmax over ${nOut} scores`);
    } else {
      link = nOut === 1 ? "sigmoid" : "softmax";
      warnings.push(`no softmax or sigmoid after the scores: read as ${link}`);
    }
    const meta = metadata.get("lrcompress.classes");
    const named = meta ? metadataStrings(meta, "lrcompress.classes", fail) : undefined;
    for (const n of nodes) {
      const lookup = n.op_type === "Gather" || n.op_type === "ArrayFeatureExtractor";
      const c = lookup ? constants.get(n.input[0]) : undefined;
      if (!c) continue;
      if (!Array.isArray(c.values)) {
        // A numeric table names classes (int64 labels) only on the scores' arg max; elsewhere
        // it is part of the weights (a k-means codebook's Gather).
        if (!options.classes && scoreIndex(n.input[1], nOut)) {
          labels = integerLabels(c.values, `the label table ${quotedText(n.input[0])}`, true, fail);
        }
        continue;
      }
      // The table names classes in score order only if its index is the arg max of the
      // scores (or of their probabilities); a graph that permutes the index, or orders a
      // binary model's probabilities [p, 1 - p], would be read with the wrong classes.
      if (!options.classes && !scoreIndex(n.input[1], nOut)) {
        if (named) continue; // refused with the other nodes after the scores, below
        fail(
          `the class labels come from Gather node ${
            quotedText(n.name ?? "")
          }, whose index is not the ` +
            "arg max of the scores or of their probabilities (for one score: the sigmoid's " +
            "[1 - p, p], scores > 0 or sigmoid > 0.5): which class each score belongs to " +
            "cannot be read; " +
            "give the classes in score order (options.classes) if you know it",
        );
      }
      labels = c.values;
    }
    // lrcompress's metadata names the classes of its own exports, whose label table holds the
    // same names; a table edited since is what onnxruntime outputs, so it is the one read.
    if (named && labels && !options.classes && !sameStrings(named, labels)) {
      warnings.push(
        `its metadata names the classes ${quotedList(named)}, its label table ` +
          `${quotedList(labels)}: the table's, which onnxruntime outputs, are read`,
      );
    } else if (named) labels = named;
    // Every node after the scores must belong to a head this reader follows: a second softmax,
    // arithmetic on the probabilities or a label lookup that does not follow the arg max would
    // make the file's outputs differ from the imported model's (class names from lrcompress's
    // metadata included). A caller who gives the classes answers for the label path.
    const given = options.classes !== undefined;
    const seen = new Set<OnnxNode>();
    const queue = [...consumers(current)];
    while (queue.length > 0) {
      const n = queue.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      let follows: boolean;
      switch (n.op_type) {
        case "Softmax":
          follows = isScores(n.input[0]);
          break;
        case "Sigmoid": // of the scores, or of one score negated: the binary complement 1 - p
          follows = isScores(n.input[0]) || (nOut === 1 && negatedScores(n.input[0]));
          break;
        case "Neg": // one score negated, for a sigmoid or the exponential of the logistic form
          follows = nOut === 1 && isScores(n.input[0]) &&
            onlyFeedsProbability(
              n.output[0],
              (m) => m.op_type === "Sigmoid" || m.op_type === "Exp",
            );
          break;
        case "Exp": // of the logistic form 1 / (1 + Exp(-+s)): read only by its Add
          follows = nOut === 1 && (isScores(n.input[0]) || negatedScores(n.input[0])) &&
            onlyFeedsProbability(n.output[0], (m) => m.op_type === "Add" && onePlusAdd(m));
          break;
        case "Add": // 1 + Exp(-+s), read only by its Div
          follows = nOut === 1 && onePlusAdd(n);
          break;
        case "Div": // 1 / (1 + Exp(-+s)): the sigmoid of one score, or its complement
          follows = nOut === 1 && binaryProbability(n.output[0]);
          break;
        case "Sub": // the binary complement 1 - p
          follows = nOut === 1 && complementOfSigmoid(n.output[0]);
          break;
        case "Concat": // [1 - p, p]; given the classes, [p, 1 - p] too (the caller's order)
          // Not [p, p] or [1 - p, 1 - p], whose arg max is always 0, nor a stack of the samples.
          follows = nOut === 1 &&
            (isBinaryHead(n) || (given && isBinaryHead({ ...n, input: n.input.toReversed() })));
          break;
        case "ArgMax":
        case "Greater":
        case "GreaterOrEqual":
        case "Round":
          follows = scoreIndex(n.output[0], nOut) || (given && n.op_type === "ArgMax");
          break;
        case "Normalizer": { // an L1 norm of probabilities that sum to 1 (skl2onnx's): a copy
          const norm = normalizerNorm(n);
          if (norm !== "L1") {
            fail(
              `not a linear classifier: Normalizer node ${
                quotedText(n.name ?? "")
              } (norm ${norm}) after ` +
                "the scores rescales the probabilities; only an L1 norm of them can be read",
            );
          }
          const head = producer.get(origin(n.input[0]))?.op_type;
          follows = head === "Softmax" || head === "Concat";
          break;
        }
        case "Cast": { // a float copy, or a conversion of the class index (a Greater's bool)
          const to = attr(n, "to")?.i;
          const index = scoreIndex(n.output[0], nOut);
          follows = to === ONNX_TYPE.FLOAT || to === ONNX_TYPE.DOUBLE || to === ONNX_TYPE.FLOAT16 ||
            index;
          // A class index is no score: float16 holds every integer up to 2048, so up to 2049
          // classes; of more, an index above 2048 that float16 cannot hold (every odd one, and
          // more above 4096) becomes the nearest float16 (2049 -> 2048; 2050 stays 2050).
          if (to === ONNX_TYPE.FLOAT16 && !index) {
            warnings.push(halfCastWarning(n, "scores or probabilities"));
          } else if (to === ONNX_TYPE.FLOAT16 && nOut > 2049) {
            warnings.push(
              `Cast node ${
                quotedText(n.name ?? "")
              } rounds the class index to float16, which holds ` +
                `integers exactly only up to 2048: of the ${nOut} classes, the file labels ` +
                "those above 2048 that float16 cannot hold by a neighbour (2049 as 2048), the " +
                "imported model by their own",
            );
          }
          break;
        }
        case "Gather": // a class lookup
          follows = constants.has(n.input[0]) && (given || scoreIndex(n.input[1], nOut));
          break;
        case "ArrayFeatureExtractor": // a class lookup, or columns selected by constants
          follows = constants.has(n.input[0])
            ? given || scoreIndex(n.input[1], nOut)
            : selectsByConstants(n);
          break;
        default:
          // Copies, reshapes, summaries (ReduceMax, TopK) and selections by constants.
          follows = PASS_OPS.has(n.op_type) || selectsByConstants(n);
      }
      if (!follows) {
        fail(
          `not a linear classifier: ${nodeText(n)} after the scores is not ` +
            "part of a softmax or sigmoid head, or of a class lookup by their arg max, that this " +
            "reader can follow",
        );
      }
      for (const o of n.output) queue.push(...consumers(o));
    }
  }

  const nClasses = link === "sigmoid" ? 2 : nOut;
  const d = weights.length / nOut;
  if (declared && declared !== d) {
    fail(`the input declares ${declared} features, the weights have ${d}`);
  }
  // A reshape to rows of d values is a copy of an (N, d) input only: of a wider one it would
  // make more rows. So the input must declare its width.
  const width = state.widths.find((w) => w !== d || !declared);
  if (width !== undefined) {
    fail(
      `the input is reshaped to rows of ${width} values before the weights, which take ${d} ` +
        (declared ? "features" : "features, and the input does not declare its width"),
    );
  }
  const classes = options.classes ?? labels ??
    Array.from({ length: nClasses }, (_, c) => String(c));
  let featureNames = options.featureNames;
  if (!featureNames) {
    const meta = metadata.get("lrcompress.featureNames");
    const parsed = meta ? metadataStrings(meta, "lrcompress.featureNames", fail) : undefined;
    // Names of another count (an edited file) cannot be matched to the weights: said, as for the
    // classes, rather than dropped without a word.
    if (parsed && parsed.length !== d) {
      warnings.push(
        `its metadata names ${counted(parsed.length, "feature")} ${
          quotedList(parsed)
        }, its weights ` +
          `take ${d}: named x0, x1, ... instead`,
      );
    }
    featureNames = parsed?.length === d ? parsed : Array.from({ length: d }, (_, j) => `x${j}`);
  }
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link,
    weights: { data: weights, rows: nOut, cols: d },
    bias,
    classes: [...classes],
    featureNames: [...featureNames!],
    preprocessing: { kind: "none" },
    ...(thresholdUsed ? { threshold } : {}),
  };
  try {
    validateModel(model, `import ONNX model '${name}'`);
  } catch (error) {
    if (options.classes || options.featureNames) throw error;
    fail(errorReason(error));
  }
  // onnxruntime computes in float32: weights combined beyond its range (steps each within it, say
  // a MatMul and a Mul) overflow there for all but tiny inputs, where this float64 model does not.
  let big = 0, bigBias = 0;
  for (const v of weights) big = Math.max(big, Math.abs(v));
  for (const v of bias) bigBias = Math.max(bigBias, Math.abs(v));
  if (bigBias > FLOAT32_MAX) {
    warnings.push(
      `its steps combine into a bias of magnitude ${bigBias.toExponential(1)}, beyond ` +
        "float32: onnxruntime, which computes in float32, gives infinite scores (NaN " +
        "probabilities) for every input, where the imported model does not",
    );
  } else if (big > FLOAT32_MAX) {
    warnings.push(
      `its steps combine into weights of magnitude ${big.toExponential(1)}, beyond float32: ` +
        "onnxruntime, which computes in float32, gives infinite scores (NaN probabilities) " +
        `for inputs beyond about ${(FLOAT32_MAX / big).toExponential(1)} in magnitude, where ` +
        "the imported model does not",
    );
  }
  if (threshold !== undefined && !thresholdUsed) {
    warnings.push(
      `its metadata names a decision threshold of ${threshold}, but its label does not compare ` +
        "the scores with that threshold's cutoff: read without a threshold",
    );
  }
  const stored = classifier ? null : quantizedFromGraph({
    chain,
    constants,
    types,
    producer,
    storage: metadata.get("lrcompress.weights"),
  }, model);
  if (stored && "reason" in stored) warnings.push(`read as a float model: ${stored.reason}`);
  return {
    model,
    ...(stored && "model" in stored ? { quantized: stored.model } : {}),
    warnings,
    source,
  };
}

/** Whether two lists of strings are equal. */
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * Numeric class labels as strings. An integer beyond 2^53 - 1 is refused (when the labels are
 * used): int64 labels there were read into float64 numbers that drop their last digits, so
 * 9007199254740993 would name its class 9007199254740992.
 */
function integerLabels(
  values: ArrayLike<number>,
  where: string,
  used: boolean,
  fail: (r: string) => never,
): string[] {
  const unsafe = Array.from(values).find((v) => Number.isInteger(v) && !Number.isSafeInteger(v));
  if (used && unsafe !== undefined) {
    fail(
      `${where} holds class labels beyond 2^53 - 1 (${unsafe} as read), which cannot be read ` +
        "exactly; give the classes in score order (options.classes)",
    );
  }
  return Array.from(values, String);
}

/**
 * A metadata value that holds a JSON array of strings (lrcompress's class labels and feature
 * names), refused with the file's name when it does not: a JSON string would otherwise be spread
 * into its characters as labels, and a damaged value end in JSON's bare error.
 */
function metadataStrings(value: string, key: string, fail: (r: string) => never): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return fail(`its metadata '${key}' is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) {
    fail(`its metadata '${key}' is not a JSON array of strings`);
  }
  return parsed as string[];
}

/**
 * The affine map `x -> x * diag + shift` (before any matrix product) or `x -> x A + c` after:
 * composed op by op.
 */
class Affine {
  diag: Float64Array | null = null;
  shift: Float64Array | null = null;
  a: Float64Array | null = null; // (d, k) row-major
  d = 0;
  k = 0;
  c: Float64Array | null = null;
  /** Widths that reshapes before the matrix product require of the input. */
  widths: number[] = [];

  get hasMatmul(): boolean {
    return this.a !== null;
  }

  /** Applies one node whose input is the current tensor; `false` if it is not affine. */
  apply(
    n: OnnxNode,
    current: string,
    constants: Map<string, Constant>,
    fail: (r: string) => never,
  ): boolean {
    const other = n.input.find((i, idx) => i !== current && i !== "" && idx < 2);
    const value = other !== undefined ? constants.get(other) : undefined;
    const numbers = (v: Constant | undefined) =>
      v && !Array.isArray(v.values) ? v.values as Float64Array : undefined;
    switch (n.op_type) {
      case "Identity":
        return true;
      case "Flatten": { // of the (N, d) input at axis 1 (PyTorch's nn.Flatten) or -1: a copy
        const axis = Number(attr(n, "axis")?.i ?? 1);
        return axis === 1 || axis === -1;
      }
      case "Reshape": { // to (-1, d) or (0, d) by a constant shape (PyTorch's x.view(-1, d)): a copy
        const shape = numbers(constants.get(n.input[1]));
        if (n.input[0] !== current || !shape || shape.length !== 2) return false;
        const keepsZero = Number(attr(n, "allowzero")?.i ?? 0) !== 0;
        const [rows, width] = shape;
        if (!(rows === -1 || (rows === 0 && !keepsZero))) return false;
        if (width === -1 || (width === 0 && !keepsZero)) return rows === 0;
        if (!(width > 0)) return false;
        // The width must be the current one: known after a matrix product, checked against the
        // weights' rows at the end before it.
        if (this.a !== null) return width === this.k;
        this.widths.push(width);
        return true;
      }
      case "Cast": {
        const to = attr(n, "to")?.i;
        return to === ONNX_TYPE.FLOAT || to === ONNX_TYPE.DOUBLE;
      }
      case "Scaler": {
        const offset = attr(n, "offset")?.floats ?? [0];
        const scale = attr(n, "scale")?.floats ?? [1];
        this.add(Float64Array.from(offset, (o) => -o), fail);
        this.mul(Float64Array.from(scale), fail);
        return true;
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Div": {
        const v = numbers(value);
        if (!v || n.input.length !== 2) return false;
        checkVectorShape(n, value!.dims, fail);
        const first = n.input[0] === current;
        if (n.op_type === "Add") this.add(v, fail);
        else if (n.op_type === "Mul") this.mul(v, fail);
        else if (n.op_type === "Sub") {
          if (first) this.add(v.map((e) => -e), fail);
          else {
            this.mul(Float64Array.of(-1), fail);
            this.add(v, fail);
          }
        } else {
          if (!first) return false; // v / x is not affine
          this.mul(v.map((e) => 1 / e), fail);
        }
        return true;
      }
      case "MatMul": {
        const v = numbers(value);
        if (!v || n.input[0] !== current || value!.dims.length !== 2) return false;
        this.matmul(v, value!.dims[0], value!.dims[1], fail);
        return true;
      }
      case "Gemm": {
        const b = numbers(constants.get(n.input[1]));
        // Any non-zero flag transposes, as in onnxruntime and the ONNX reference.
        if (!b || n.input[0] !== current || Number(attr(n, "transA")?.i ?? 0) !== 0) return false;
        const dims = constants.get(n.input[1])!.dims;
        if (dims.length !== 2) return false;
        const transB = Number(attr(n, "transB")?.i ?? 0) !== 0;
        const alpha = attr(n, "alpha")?.f ?? 1;
        const beta = attr(n, "beta")?.f ?? 1;
        const [r, c] = transB ? [dims[1], dims[0]] : [dims[0], dims[1]];
        const m = new Float64Array(r * c);
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < c; j++) m[i * c + j] = alpha * (transB ? b[j * r + i] : b[i * c + j]);
        }
        this.matmul(m, r, c, fail);
        if (n.input[2]) {
          const cv = numbers(constants.get(n.input[2]));
          if (!cv) return false;
          checkVectorShape(n, constants.get(n.input[2])!.dims, fail);
          this.add(cv.map((e) => beta * e), fail);
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** Adds a vector (or scalar) to the current output. */
  add(v: Float64Array, fail: (r: string) => never): void {
    if (this.a) {
      const k = this.k;
      if (v.length !== 1 && v.length !== k) {
        fail(`a constant of ${v.length} values added to ${k} scores`);
      }
      for (let j = 0; j < k; j++) this.c![j] += v.length === 1 ? v[0] : v[j];
      return;
    }
    if (v.length === 1) {
      if (this.shift) { for (let j = 0; j < this.d; j++) this.shift[j] += v[0]; }
      else this.shiftScalar += v[0];
      return;
    }
    this.materialize(v.length, fail);
    for (let j = 0; j < this.d; j++) this.shift![j] += v[j];
  }

  /** Multiplies the current output element-wise by a vector (or scalar). */
  mul(v: Float64Array, fail: (r: string) => never): void {
    if (this.a) {
      const { d, k } = this;
      if (v.length !== 1 && v.length !== k) {
        fail(`a constant of ${v.length} values times ${k} scores`);
      }
      for (let j = 0; j < k; j++) {
        const s = v.length === 1 ? v[0] : v[j];
        for (let i = 0; i < d; i++) this.a[i * k + j] *= s;
        this.c![j] *= s;
      }
      return;
    }
    if (v.length === 1) {
      if (this.diag) { for (let j = 0; j < this.d; j++) this.diag[j] *= v[0]; }
      else this.diagScalar *= v[0];
      if (this.shift) { for (let j = 0; j < this.d; j++) this.shift[j] *= v[0]; }
      else this.shiftScalar *= v[0];
      return;
    }
    this.materialize(v.length, fail);
    for (let j = 0; j < this.d; j++) {
      this.diag![j] *= v[j];
      this.shift![j] *= v[j];
    }
  }

  diagScalar = 1;
  shiftScalar = 0;

  /** Turns the scalar pre-product map into per-feature vectors of length `n`. */
  materialize(n: number, fail: (r: string) => never): void {
    if (this.d && this.d !== n) fail(`constants of ${this.d} and ${n} features`);
    this.d = n;
    this.diag ??= new Float64Array(n).fill(this.diagScalar);
    this.shift ??= new Float64Array(n).fill(this.shiftScalar);
  }

  /** Multiplies by a constant matrix `(r, c)`. */
  matmul(m: Float64Array, r: number, c: number, fail: (x: string) => never): void {
    if (this.a) {
      if (r !== this.k) fail(`a product of ${this.k} scores with a ${r} x ${c} matrix`);
      const d = this.d;
      const a = new Float64Array(d * c);
      const cc = new Float64Array(c);
      for (let i = 0; i < d; i++) {
        for (let t = 0; t < r; t++) {
          const v = this.a[i * r + t];
          if (v !== 0) { for (let j = 0; j < c; j++) a[i * c + j] += v * m[t * c + j]; }
        }
      }
      for (let t = 0; t < r; t++) for (let j = 0; j < c; j++) cc[j] += this.c![t] * m[t * c + j];
      this.a = a;
      this.c = cc;
      this.k = c;
      return;
    }
    if (this.d && this.d !== r) fail(`${this.d} features meet a ${r} x ${c} matrix`);
    this.d = r;
    const a = new Float64Array(r * c);
    const cc = new Float64Array(c);
    for (let i = 0; i < r; i++) {
      const s = this.diag ? this.diag[i] : this.diagScalar;
      const sh = this.shift ? this.shift[i] : this.shiftScalar;
      for (let j = 0; j < c; j++) {
        a[i * c + j] = s * m[i * c + j];
        cc[j] += sh * m[i * c + j];
      }
    }
    this.a = a;
    this.c = cc;
    this.k = c;
  }

  /** Weights `(k, d)` and bias `(k)` of the composed map. */
  result(): { weights: Float64Array; bias: Float64Array } {
    const { d, k } = this;
    const w = new Float64Array(k * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) w[j * d + i] = this.a![i * k + j];
    return { weights: w, bias: this.c!.slice() };
  }
}

/**
 * The op types of `nodes` as a message lists them: the first 8 (the scores' consumers, each a
 * known op), then how many nodes there are, as `quotedList` cuts a list; a file can
 * give the scores thousands of consumers.
 */
function opList(nodes: readonly OnnxNode[], max = 8): string {
  const shown = nodes.slice(0, max).map((n) => n.op_type).join(", ");
  return nodes.length <= max ? shown : `${shown}, ... (${nodes.length} nodes)`;
}

/**
 * Refuses a constant operand that is not a scalar, a vector or a `[1, n]` row: any other shape
 * broadcasts over the samples (a `[n, 1]` column adds a different value to each row) or adds a
 * dimension, which an affine map of each sample cannot represent.
 */
function checkVectorShape(n: OnnxNode, dims: number[], fail: (r: string) => never): void {
  if (dims.length <= 1 || (dims.length === 2 && dims[0] === 1)) return;
  fail(
    `${nodeText(n)} has a constant of shape [${dims}], which broadcasts ` +
      "over the samples or adds a dimension; only scalars, vectors and [1, n] rows are read",
  );
}

/**
 * The types whose values a tensor lists in `int32_data` (FLOAT16 as its bits), with the least and
 * the greatest value each holds: onnxruntime wraps a value beyond them into the type (300 as
 * UINT8 is 44, 200 as INT8 is -56), or refuses the tensor (FLOAT16 bits).
 */
const INT32_DATA_RANGE: Readonly<Record<number, readonly [number, number]>> = {
  [ONNX_TYPE.UINT8]: [0, 2 ** 8 - 1],
  [ONNX_TYPE.INT8]: [-(2 ** 7), 2 ** 7 - 1],
  [ONNX_TYPE.UINT16]: [0, 2 ** 16 - 1],
  [ONNX_TYPE.INT16]: [-(2 ** 15), 2 ** 15 - 1],
  [ONNX_TYPE.INT32]: [-(2 ** 31), 2 ** 31 - 1],
  [ONNX_TYPE.BOOL]: [0, 1],
  [ONNX_TYPE.FLOAT16]: [0, 2 ** 16 - 1],
};

/** The values of a tensor as float64 numbers (or strings), with its shape. */
function tensorValue(t: OnnxTensor, fail: (r: string) => never): Constant {
  const dims = (t.dims ?? []).map(Number);
  // The shape is checked against the data present before anything is allocated: a few bytes
  // may declare any number of elements.
  let count = 1;
  for (const n of dims) {
    if (!Number.isSafeInteger(n) || n < 0) {
      fail(`tensor ${quotedText(t.name ?? "")} has dims [${dims}], not non-negative integers`);
    }
    count *= n;
  }
  if (!Number.isSafeInteger(count)) {
    fail(`tensor ${quotedText(t.name ?? "")} has dims [${dims}], too many values`);
  }
  const type = t.data_type ?? 0;
  if (type === ONNX_TYPE.STRING) {
    const strings = t.string_data ?? [];
    if (strings.length !== count) {
      fail(`tensor ${quotedText(t.name ?? "")} has ${strings.length} strings for shape [${dims}]`);
    }
    return { dims, values: strings.map((b) => new TextDecoder().decode(b)) };
  }
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size: Record<number, number> = {
      1: 4,
      2: 1,
      3: 1,
      4: 2,
      5: 2,
      6: 4,
      7: 8,
      9: 1,
      10: 2,
      11: 8,
    };
    if (!size[type]) fail(`tensor ${quotedText(t.name ?? "")} has unsupported type ${type}`);
    if (raw.length !== count * size[type]) {
      fail(`tensor ${quotedText(t.name ?? "")} has ${raw.length} bytes for shape [${dims}]`);
    }
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const o = i * size[type];
      out[i] = type === 1
        ? view.getFloat32(o, true)
        : type === 11
        ? view.getFloat64(o, true)
        : type === 2 || type === 9
        ? view.getUint8(o)
        : type === 3
        ? view.getInt8(o)
        : type === 4
        ? view.getUint16(o, true)
        : type === 5
        ? view.getInt16(o, true)
        : type === 6
        ? view.getInt32(o, true)
        : type === 10
        ? view.getFloat16(o, true)
        : Number(view.getBigInt64(o, true));
    }
    return { dims, values: out };
  }
  // Each type has its field (onnx.proto): FLOAT, DOUBLE and INT64 their own, the narrower
  // integers, BOOL and FLOAT16 (as bits) int32_data. Other types there (bfloat16 and float8 bits,
  // say) are not values: refused as in raw data.
  const field = type === ONNX_TYPE.FLOAT
    ? t.float_data
    : type === ONNX_TYPE.DOUBLE
    ? t.double_data
    : type === ONNX_TYPE.INT64
    ? t.int64_data
    : INT32_DATA_RANGE[type]
    ? t.int32_data
    : fail(`tensor ${quotedText(t.name ?? "")} has unsupported type ${type}`);
  const list = field ?? [];
  if (list.length !== count) {
    fail(`tensor ${quotedText(t.name ?? "")} has ${list.length} values for shape [${dims}]`);
  }
  const range = INT32_DATA_RANGE[type];
  if (range) {
    const [min, max] = range;
    const bad = list.findIndex((x) => !(Number(x) >= min && Number(x) <= max));
    if (bad >= 0) {
      fail(
        `tensor ${quotedText(t.name ?? "")} holds ${
          list[bad]
        } at ${bad} in int32_data, outside the range ` +
          `${min}..${max} of its type ${type}`,
      );
    }
  }
  const out = new Float64Array(count);
  if (type === ONNX_TYPE.FLOAT16) {
    const v = new DataView(new ArrayBuffer(2));
    for (let i = 0; i < count; i++) {
      v.setUint16(0, Number(list[i]), true);
      out[i] = v.getFloat16(0, true);
    }
  } else for (let i = 0; i < count; i++) out[i] = Number(list[i]);
  return { dims, values: out };
}

/**
 * The warning for a Cast to float16 after the weights: read as a copy, but the file's outputs
 * are rounded to float16 (a relative error up to 2^-11 above 2^-14, the smallest normal) where the
 * imported model computes in float64.
 */
function halfCastWarning(n: OnnxNode, what: string): string {
  return `Cast node ${
    quotedText(n.name ?? "")
  } rounds the ${what} to float16: read as a copy, so the ` +
    "file's probabilities are float16 values (11 significant bits), the imported model's float64";
}

/** Integer types a `Cast` may convert to: name, minimum, first value above the maximum. */
const INTEGER_RANGE: Record<number, [string, number, number]> = {
  [ONNX_TYPE.UINT8]: ["UINT8", 0, 2 ** 8],
  [ONNX_TYPE.INT8]: ["INT8", -(2 ** 7), 2 ** 7],
  [ONNX_TYPE.UINT16]: ["UINT16", 0, 2 ** 16],
  [ONNX_TYPE.INT16]: ["INT16", -(2 ** 15), 2 ** 15],
  [ONNX_TYPE.INT32]: ["INT32", -(2 ** 31), 2 ** 31],
  [ONNX_TYPE.INT64]: ["INT64", -(2 ** 63), 2 ** 63],
  12: ["UINT32", 0, 2 ** 32],
  13: ["UINT64", 0, 2 ** 64],
};

/**
 * The values a constant `Cast` produces, as onnxruntime computes them: rounded to float32 or
 * float16, or truncated towards zero for an integer type. A value outside the integer type's
 * range (where the result depends on the runtime), and any other target type, are refused.
 * `from` is the input's element type.
 */
function castValues(n: OnnxNode, v: Float64Array, from: number | undefined): Float64Array | string {
  const node = `Cast node ${quotedText(n.name ?? "")}`;
  const to = attr(n, "to")?.i;
  if (to === ONNX_TYPE.DOUBLE) return v;
  if (to === ONNX_TYPE.FLOAT) return v.map(Math.fround);
  if (to === ONNX_TYPE.FLOAT16) return v.map(Math.f16round);
  const range = to === undefined ? undefined : INTEGER_RANGE[to];
  if (!range) return `${node} converts its input to type ${to ?? "(none)"}, which is not supported`;
  const [type, min, limit] = range;
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const q = Math.trunc(v[i]);
    // The limit is out of range, also 2^63 and 2^64 as floats (onnxruntime casts them to -2^63
    // and 0); but INT64 values up to 2^63 - 1 are read as the float64 2^63, which is in range.
    const inRange = q >= min &&
      (q < limit || (from === ONNX_TYPE.INT64 && q === 2 ** 63 && limit >= q));
    if (!inRange) return `${node} converts ${v[i]} to ${type}, outside its range`;
    out[i] = q === 0 ? 0 : q;
  }
  return out;
}

/** The inputs each op that {@linkcode foldConstants} evaluates requires (ONNX's, all ahead). */
const FOLDED_INPUTS: Readonly<Record<string, number>> = {
  Identity: 1,
  Cast: 1,
  DequantizeLinear: 2,
  Gather: 2,
  GatherElements: 2,
  Mul: 2,
};

/** Float element types: name, and the rounding of a float64 number to them. */
const FLOAT_ROUNDING: Readonly<Record<number, readonly [string, (x: number) => number]>> = {
  [ONNX_TYPE.FLOAT]: ["float32", Math.fround],
  [ONNX_TYPE.FLOAT16]: ["float16", Math.f16round],
};

/**
 * Evaluates weight subgraphs (dequantization, lookups) whose inputs are all constants. A node it
 * cannot evaluate (a Cast it does not support) is left alone with its reason, which is reported
 * only if the classifier needs its output: side nodes of a graph do not make it unreadable.
 *
 * Each value it computes is refused unless finite in its element type (recorded in `types`): a
 * float32 product beyond 3.4e38 is infinite in onnxruntime, whatever float64 makes of it.
 *
 * @returns The reasons, by output name, of constant outputs left unevaluated (and of the nodes
 * that depend on them).
 */
function foldConstants(
  nodes: OnnxNode[],
  constants: Map<string, Constant>,
  types: Map<string, number>,
  fail: (r: string) => never,
): Map<string, string> {
  const unfolded = new Map<string, string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const n of nodes) {
      if (constants.has(n.output[0]) || unfolded.has(n.output[0])) continue;
      if (n.op_type === "Constant") continue;
      const blocked = n.input.map((i) => unfolded.get(i)).find((r) => r !== undefined);
      if (blocked !== undefined) {
        unfolded.set(n.output[0], blocked);
        progress = true;
        continue;
      }
      const ins = n.input.filter((i) => i !== "").map((i) => constants.get(i));
      if (ins.length === 0 || ins.some((c) => c === undefined || Array.isArray(c.values))) continue;
      // The inputs are read by position: one that is missing (or "", absent) would shift the next
      // into its place (a zero point read as the scale) or leave nothing to read.
      const required = FOLDED_INPUTS[n.op_type] ?? 0;
      const missing = Array.from({ length: required }, (_, k) => n.input[k] ?? "").indexOf("");
      if (missing >= 0) {
        fail(
          `${nodeText(n)} lacks its input ${missing + 1} (${n.op_type} ` +
            `requires ${required})`,
        );
      }
      const v = ins.map((c) => c!.values as Float64Array);
      const dims = ins.map((c) => c!.dims);
      // A constant, or the reason it cannot be evaluated here; and its element type.
      let out: Constant | string | undefined;
      let type = types.get(n.input[0]);
      switch (n.op_type) {
        case "Identity":
          out = { dims: dims[0], values: v[0] };
          break;
        case "Cast": {
          const values = castValues(n, v[0], type);
          out = typeof values === "string" ? values : { dims: dims[0], values };
          type = attr(n, "to")?.i;
          break;
        }
        case "DequantizeLinear": {
          const node = `DequantizeLinear node ${quotedText(n.name ?? "")}`;
          const blockSize = attr(n, "block_size")?.i ?? 0;
          if (blockSize !== 0) {
            fail(`${node} has block_size ${blockSize}: blocked quantization is not supported`);
          }
          const axis = attr(n, "axis")?.i ?? 1;
          const [x, s, z] = v;
          const shape = dims[0];
          const ax = axis < 0 ? axis + shape.length : axis;
          const perTensor = s.length === 1 && dims[1].length <= 1;
          if (!perTensor) {
            if (!Number.isInteger(ax) || ax < 0 || ax >= shape.length) {
              fail(`${node} has axis ${axis} for an input of shape [${shape}]`);
            }
            if (dims[1].length !== 1 || s.length !== shape[ax]) {
              fail(
                `${node} has a scale of shape [${dims[1]}], neither one value nor ` +
                  `${shape[ax]} (the size of axis ${axis} of [${shape}])`,
              );
            }
          }
          const zeroType = n.input[2] ? types.get(n.input[2]) : undefined;
          if (z && zeroType !== types.get(n.input[0])) {
            fail(
              `${node} has a zero point of type ${zeroType} for codes of type ` +
                `${types.get(n.input[0])}; ONNX requires the same type`,
            );
          }
          if (z && z.length !== s.length) {
            fail(
              `${node} has a zero point of shape [${dims[2]}] for a scale of shape [${dims[1]}]`,
            );
          }
          // The output has the scale's type (or output_dtype's, which onnxruntime cannot
          // make another): float16 values are rounded to float16, as onnxruntime computes them.
          // Its own op (com.microsoft) gives a float16 scale's products in float32 (measured:
          // -104 x 0.02499 is -2.599365234375, no float16).
          type = n.domain === CONTRIB && types.get(n.input[1]) === ONNX_TYPE.FLOAT16
            ? ONNX_TYPE.FLOAT
            : types.get(n.input[1]);
          const outputType = attr(n, "output_dtype")?.i ?? 0;
          if (outputType !== 0 && outputType !== type) {
            out = `${node} outputs type ${outputType} from a scale of type ${type}, which this ` +
              "reader does not evaluate";
            break;
          }
          const round = type === ONNX_TYPE.FLOAT16
            ? (v: number) => Math.f16round(Math.fround(v))
            : (v: number) => v;
          const inner = perTensor ? 1 : shape.slice(ax + 1).reduce((a, b) => a * b, 1);
          const values = new Float64Array(x.length);
          for (let i = 0; i < x.length; i++) {
            const g = perTensor ? 0 : Math.floor(i / inner) % shape[ax];
            values[i] = round((x[i] - (z ? z[g] : 0)) * s[g]);
          }
          out = { dims: shape, values };
          break;
        }
        case "Gather": {
          const [table, idx] = v;
          const axis = attr(n, "axis")?.i ?? 0;
          if ((axis !== 0 && axis !== -1) || dims[0].length !== 1) break;
          const size = table.length;
          // Negative indices count from the end, as ONNX defines them.
          const at = (i: number) => (i < 0 ? i + size : i);
          out = idx.some((i) => !Number.isInteger(i) || at(i) < 0 || at(i) >= size)
            ? `Gather node ${quotedText(n.name ?? "")} has an index out of range`
            : { dims: dims[1], values: Float64Array.from(idx, (i) => table[at(i)]) };
          break;
        }
        case "GatherElements": {
          const [table, idx] = v;
          const node = `GatherElements node ${quotedText(n.name ?? "")}`;
          if (dims[0].length !== 2 || dims[1].length !== 2) {
            out = `${node} is not two-dimensional`;
            break;
          }
          const raw = attr(n, "axis")?.i ?? 0;
          const axis = raw < 0 ? raw + 2 : raw;
          const [r, c] = dims[1];
          const [tr, tc] = dims[0];
          const size = axis === 1 ? tc : tr;
          const other = axis === 1 ? r <= tr : c <= tc;
          if ((axis !== 0 && axis !== 1) || !other) {
            out = `${node} has axis ${raw} for shapes [${dims[0]}], [${dims[1]}]`;
            break;
          }
          // Negative indices count from the end.
          const at = (q: number) => (q < 0 ? q + size : q);
          if (idx.some((q) => !Number.isInteger(q) || at(q) < 0 || at(q) >= size)) {
            out = `${node} has an index out of range`;
            break;
          }
          const values = new Float64Array(idx.length);
          for (let i = 0; i < r; i++) {
            for (let j = 0; j < c; j++) {
              const q = at(idx[i * c + j]);
              values[i * c + j] = axis === 1 ? table[i * tc + q] : table[q * tc + j];
            }
          }
          out = { dims: dims[1], values };
          break;
        }
        case "Mul": {
          // Element by element for equal shapes only: [3, 1] times [1, 3] broadcasts to [3, 3].
          if (dims[0].length !== dims[1].length || dims[0].some((n, i) => n !== dims[1][i])) {
            out =
              `Mul node ${quotedText(n.name ?? "")} broadcasts constants of shapes [${
                dims[0]
              }] and ` +
              `[${dims[1]}], which this reader does not evaluate`;
            break;
          }
          out = { dims: dims[0], values: v[0].map((a, i) => a * v[1][i]) };
          break;
        }
      }
      if (typeof out === "string") {
        unfolded.set(n.output[0], out);
        progress = true;
      } else if (out) {
        const [typeName, round] = FLOAT_ROUNDING[type ?? -1] ?? ["", (x: number) => x];
        for (const x of out.values as Float64Array) {
          if (!Number.isFinite(round(x))) {
            fail(
              `constant ${quotedText(n.output[0])} is not finite${
                typeName && ` as ${typeName} (${x})`
              }`,
            );
          }
        }
        constants.set(n.output[0], out);
        if (type !== undefined) types.set(n.output[0], type);
        progress = true;
      }
    }
  }
  return unfolded;
}
