/**
 * Export to ONNX. One input, `input` (float32, shape `(N, nFeatures)`, raw features as the model
 * takes them); three outputs:
 *
 * - `label`: string, shape `(N)`, the predicted class label (`classes[argmax]`; for a sigmoid
 *   model `classes[1]` when the score is > 0, or with a decision threshold `t` when it is above
 *   the float32 cutoff {@linkcode float32Cutoff}`(t)`, i.e. above `logit(t)`: the model's own rule
 *   applied to the graph's float32 scores; in the integer graph of a calibrated model (an int32
 *   bias, its own input quantization, no standardisation) when the int32 accumulator is above
 *   {@linkcode int32Cutoff}`(t, bias.scale[0])`: lrcompress's integer-only rule
 *   `acc * bias.scale[0] > logit(t)` on the graph's exact accumulator, so that the graph labels
 *   its rows as lrcompress does at the cutoff too; the threshold is also in the metadata
 *   `lrcompress.threshold`);
 * - `probabilities`: float32, shape `(N, nClasses)`, in the order of the model's classes;
 * - `scores`: float32, shape `(N, nOutputs)`, the decision scores (logits).
 *
 * Float models: `Gemm` (weights `(nOutputs, nFeatures)`, `transB = 1`) then `Softmax`, or
 * for binary models the two columns `1 / (1 + Exp(scores))` and `1 / (1 + Exp(Neg(scores)))`
 * (`Div`, `Add`, `Exp`, `Neg`): within 2 float32 ulps of the float64 sigmoid down to the smallest
 * normal float32, where `1 - Sigmoid(scores)` is 0 from a score of about 17 and onnxruntime's
 * `Sigmoid` is not accurate in relative terms in its tail. Standardisation is folded into the weights (`preprocessing: "fold"`,
 * the default) or kept as `Sub` and `Div` nodes (`"nodes"`).
 *
 * Quantized models keep their codes in the file:
 * - `"qdq"` (default): `DequantizeLinear` of the integer codes (int8/uint8, int16/uint16 above
 *   8 bits at opset 21) with per-tensor or per-axis scales and zero points; codebooks and
 *   power-of-two levels through `Gather` / `GatherElements` from a table; float16 through
 *   `Cast`; an int32 bias through `DequantizeLinear`; then `Gemm` in float.
 * - `"integer"`: `QuantizeLinear` of the (preprocessed) input to 8 bits, `MatMulInteger` with
 *   int8 weights `code - zeroPoint`, int32 bias added in int32, `Cast` and one `Mul` per output
 *   by `inputScale * weightScale`. Exact on CPUs without VNNI: their u8 x s8 kernel
 *   (`vpmaddubsw`) adds two products in a saturating int16, which overflows for weights beyond
 *   ±64 (2 * 255 * 64 = 32,640 <= 32,767); weights outside [-64, 64] are therefore split into
 *   `ceil(max |w| / 64)` int8 parts, each within [-64, 64], whose `MatMulInteger` results are
 *   added in int32 (exact, since integer addition is associative). Per-tensor and per-class
 *   weights only: per-feature weight scales cannot be applied once per output (refused; use
 *   `"qdq"`).
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys, quoted } from "../core/validate.ts";
import { logit } from "../model/decision_threshold.ts";
import { assertFoldFinite, foldPreprocessing } from "../model/predict.ts";
import { outputCount } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import {
  codeToField,
  codeValue,
  elementGroup,
  fieldToCode,
  type StoredModel,
  tensorCodeRange,
  tensorGroups,
  zeroCode,
} from "../io/quantized.ts";
import { biasValues } from "../quant/model.ts";
import type { InputQuantization, QuantizedModel, QuantizedTensor } from "../quant/types.ts";
import { checkInputQuantization, validateQuantizedModel } from "../quant/validate.ts";
import { type ElementType, GraphBuilder, valueInfo } from "./graph.ts";
import { encodeOnnx, type OnnxModel } from "./protobuf.ts";

/** The largest weight magnitude that a u8 x s8 `MatMulInteger` part may hold (see module). */
export const MATMUL_INTEGER_SAFE_WEIGHT = 64;

/** Options for {@linkcode exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * Standardisation of a float model: folded into the weights, or as `Sub`/`Div` nodes.
   * Quantized models always use nodes (their codes are in the standardised space).
   * @default {"fold"}
   */
  preprocessing?: "fold" | "nodes";
  /**
   * Graph of a quantized model: dequantize then float `Gemm`, or integer `MatMulInteger`.
   * @default {"qdq"}
   */
  quantized?: "qdq" | "integer";
  /**
   * Input quantization of the integer graph when the model carries none.
   * @default {model.input}
   */
  input?: InputQuantization;
  /**
   * Adds the integer graph's intermediate tensors as outputs: `input_codes` (the quantized
   * input) and `accumulator` (int32 scores before rescaling), for verification.
   * @default {false}
   */
  debugOutputs?: boolean;
  /**
   * Name of the graph.
   * @default {"lrcompress"}
   */
  graphName?: string;
}

/**
 * Exports a float or quantized model to ONNX.
 *
 * @param model The model.
 * @param options Preprocessing, quantized graph form, input quantization.
 * @returns The bytes of the `.onnx` file: a plain `Uint8Array` that shares its memory with nothing.
 * @throws {TypeError} If the model is malformed, `graphName` is not a string, or
 *   `debugOutputs` is not a boolean.
 * @throws {RangeError} If `graphName` holds a lone UTF-16 surrogate, or `quantized` or
 *   `preprocessing` is none of its values.
 * @throws {RangeError} If a value is beyond the float32 range of the graph's tensors, or a
 *   standardisation scale of a graph with `Sub`/`Div` nodes rounds to 0 there.
 * @throws {RangeError} If the integer graph is asked for a model it cannot express (a float
 *   model, not uniform, more than 8 bits, per-feature scales, no input quantization, or int32
 *   overflow), or `input` or `debugOutputs` are given for another graph.
 *
 * @example Export a small model
 * ```ts
 * import { exportOnnx } from "./export.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1]));
 * const bytes = exportOnnx(model);
 * assert.ok(bytes.length > 100);
 * ```
 */
export function exportOnnx(model: StoredModel, options: OnnxExportOptions = {}): Uint8Array {
  const action = "export ONNX";
  checkOptionKeys(
    action,
    options,
    {
      preprocessing: true,
      quantized: true,
      input: true,
      debugOutputs: true,
      graphName: true,
    } satisfies OptionKeys<OnnxExportOptions>,
  );
  if (typeof model !== "object" || model === null) {
    throw new TypeError(`Cannot ${action}: the model is not an object`);
  }
  const quantized = model.kind === "quantized-logistic-regression";
  if (quantized) validateQuantizedModel(model, action);
  else validateModel(model, action);
  const form = options.quantized ?? "qdq";
  if (form !== "qdq" && form !== "integer") {
    throw new RangeError(
      `Cannot ${action}: quantized must be 'qdq' or 'integer', got ${quoted(form)}`,
    );
  }
  const prepMode = options.preprocessing ?? "fold";
  if (prepMode !== "fold" && prepMode !== "nodes") {
    throw new RangeError(
      `Cannot ${action}: preprocessing must be 'fold' or 'nodes', got ${quoted(prepMode)}`,
    );
  }
  // Options of the integer graph would do nothing in another: a float model has no codes to
  // put in one, and only the integer graph quantizes its input.
  const integer = quantized && form === "integer";
  if (!quantized && form === "integer") {
    throw new RangeError(
      `Cannot ${action}: quantized: 'integer' is a graph of quantized models; this model is float`,
    );
  }
  if (options.debugOutputs !== undefined && typeof options.debugOutputs !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: debugOutputs must be a boolean, got ${describe(options.debugOutputs)}`,
    );
  }
  const unused = (["input", "debugOutputs"] as const).find((k) =>
    k === "input" ? options.input !== undefined : options.debugOutputs === true
  );
  if (!integer && unused !== undefined) {
    throw new RangeError(
      `Cannot ${action}: ${unused} applies to the integer graph only (quantized: 'integer')`,
    );
  }
  const graphName = options.graphName ?? "lrcompress";
  if (typeof graphName !== "string") {
    throw new TypeError(`Cannot ${action}: graphName must be a string, got ${describe(graphName)}`);
  }
  if (!graphName.isWellFormed()) {
    throw new RangeError(
      `Cannot ${action}: graphName holds a lone UTF-16 surrogate, which UTF-8 cannot store`,
    );
  }
  const g = new GraphBuilder();
  const d = model.featureNames.length;
  const nClasses = model.classes.length;
  const nOut = outputCount(model.link, nClasses);
  let opset = 13;
  const extraOutputs: ReturnType<typeof valueInfo>[] = [];

  let x = "input";
  const p = model.preprocessing;
  const foldHere = !quantized && prepMode === "fold";
  if (p.kind === "standardize" && !foldHere) {
    // The graph divides by the float32 scales: one that rounds to 0 would make every score
    // infinite or NaN.
    const j = p.scale.findIndex((s) => Math.fround(s) === 0);
    if (j >= 0) {
      throw new RangeError(
        `Cannot ${action}: preprocessing.scale[${j}] is ${p.scale[j]}, which the graph's ` +
          "float32 tensors round to 0 (its Div node would divide by zero)",
      );
    }
    x = g.op("Sub", [x, g.constant("mean", "FLOAT", [d], p.mean)]);
    x = g.op("Div", [x, g.constant("scale", "FLOAT", [d], p.scale)]);
  }

  let scores: string;
  let storage: string;
  /** The integer graph's int32 accumulator (binary: its label may compare it, see below). */
  let accumulator: string | null = null;
  if (!quantized) {
    const folded = foldHere
      ? foldPreprocessing(model)
      : { weights: model.weights.data, bias: model.bias };
    // Folding divides by the scales and moves the means into the bias, which can overflow
    // float64 itself; the float32 check of the graph's tensors passes an Infinity or NaN as it
    // is, and onnxruntime's scores were then NaN or infinite.
    assertFoldFinite(action, folded, ", beyond the float range of the graph's tensors");
    const w = g.constant("weights", "FLOAT", [nOut, d], folded.weights);
    const b = g.constant("bias", "FLOAT", [nOut], folded.bias);
    scores = g.op("Gemm", [x, w, b], { transB: { int: 1 } });
    storage = "float32";
  } else if (form === "qdq") {
    const { name, opset: needed } = dequantizedWeights(g, model);
    opset = Math.max(opset, needed);
    scores = g.op("Gemm", [x, name, dequantizedBias(g, model)], { transB: { int: 1 } });
    storage = `${model.weights.kind} ${model.weights.bits}-bit, dequantized in the graph`;
  } else {
    const r = integerScores(g, model, x, options, action);
    scores = r.scores;
    accumulator = r.accumulator;
    if (options.debugOutputs) {
      g.op("Identity", [r.inputCodes], {}, "input_codes");
      g.op("Identity", [r.accumulator], {}, "accumulator");
      extraOutputs.push(valueInfo("input_codes", r.inputType, ["N", d]));
      extraOutputs.push(valueInfo("accumulator", "INT32", ["N", nOut]));
    }
    storage = `${model.weights.kind} ${model.weights.bits}-bit, integer MatMulInteger x${r.parts}`;
  }
  g.op("Identity", [scores], {}, "scores");

  const classes = g.strings("classes", model.classes);
  let index: string;
  if (model.link === "softmax") {
    g.op("Softmax", ["scores"], { axis: { int: 1 } }, "probabilities");
    index = g.op("ArgMax", ["scores"], { axis: { int: 1 }, keepdims: { int: 0 } });
  } else {
    // 1 / (1 + exp(-+s)), not Sigmoid: onnxruntime's Sigmoid is not accurate in relative terms
    // in its tail, and 1 - Sigmoid(s) is 0 in float32 from s ~ 17, so a log loss of the file's
    // probabilities was -Infinity. Exp, Add and Div keep both columns within 2 ulps of the
    // float64 sigmoid while it is a normal float32 (|s| < 87; export_test checks it); beyond
    // ~88.7 exp overflows and the small one is 0 instead of a subnormal.
    const one = g.constant("one", "FLOAT", [], [1]);
    const logistic = (t: string) => g.op("Div", [one, g.op("Add", [one, g.op("Exp", [t])])]);
    const p0 = logistic("scores");
    const p1 = logistic(g.op("Neg", ["scores"]));
    g.op("Concat", [p0, p1], { axis: { int: 1 } }, "probabilities");
    // The integer graph of a calibrated model holds lrcompress's own int32 accumulator, which
    // its integer-only prediction labels by `acc * rescale > logit(t)` in float64: the same
    // label as `acc > int32Cutoff(t, rescale)`, row for row, at the cutoff too.
    const k = accumulator === null
      ? null
      : accumulatorCutoff(model as QuantizedModel, options.input);
    let positive: string;
    if (model.threshold === undefined) {
      positive = g.op("Greater", ["scores", g.constant("zero", "FLOAT", [], [0])]);
    } else if (k !== null) {
      const cutoff = g.constant("accumulator_cutoff", "INT32", [], [k]);
      positive = g.op("Greater", [accumulator!, cutoff]);
    } else {
      // A float32 constant at or below logit(t) with no float32 between them: the graph's
      // float32 scores then go to classes[1] exactly when they exceed logit(t).
      const cutoff = g.constant("cutoff", "FLOAT", [], [float32Cutoff(model.threshold)]);
      positive = g.op("Greater", ["scores", cutoff]);
    }
    const asInt = g.op("Cast", [positive], { to: { int: 7 } });
    index = g.op("Squeeze", [asInt, g.constant("axis", "INT64", [1], [1])]);
  }
  g.op("Gather", [classes, index], { axis: { int: 0 } }, "label");

  const onnx: OnnxModel = {
    ir_version: opset >= 21 ? 10 : 8,
    opset_import: [{ domain: "", version: opset }],
    producer_name: "lrcompress",
    producer_version: "0.1.0",
    doc_string: "Logistic regression exported by lrcompress. Input 'input' (float32, N x " +
      `${d} raw features); outputs 'label' (string, N), 'probabilities' (float32, N x ` +
      `${nClasses}, in class order), 'scores' (float32, N x ${nOut}).`,
    graph: {
      name: graphName,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", "FLOAT", ["N", d])],
      output: [
        valueInfo("label", "STRING", ["N"]),
        valueInfo("probabilities", "FLOAT", ["N", nClasses]),
        valueInfo("scores", "FLOAT", ["N", nOut]),
        ...extraOutputs,
      ],
    },
    metadata_props: [
      { key: "lrcompress.link", value: model.link },
      { key: "lrcompress.classes", value: JSON.stringify(model.classes) },
      { key: "lrcompress.featureNames", value: JSON.stringify(model.featureNames) },
      { key: "lrcompress.weights", value: storage },
      {
        key: "lrcompress.preprocessing",
        value: p.kind === "none" ? "none" : foldHere ? "folded" : "nodes",
      },
      ...(model.threshold === undefined
        ? []
        : [{ key: "lrcompress.threshold", value: String(model.threshold) }]),
    ],
  };
  return encodeOnnx(onnx);
}

/**
 * The float32 cutoff of a binary graph's label for a decision threshold `t`: the largest float32
 * at or below `logit(t) = Math.log(t / (1 - t))`. For every float32 score `s`, `s > cutoff` iff
 * `s > logit(t)` (no float32 lies strictly between them), so the graph labels its float32 scores
 * as the model's rule does; rounding `logit(t)` to nearest instead could put a float32 score
 * just above the cutoff on the other side of `logit(t)`.
 *
 * @param t The threshold, strictly between 0 and 1.
 * @returns The float32 value of the graph's `Greater` constant.
 *
 * @example
 * ```ts
 * import { float32Cutoff } from "./export.ts";
 * import assert from "node:assert/strict";
 *
 * const c = float32Cutoff(0.9), logit = Math.log(0.9 / 0.1);
 * assert.equal(Math.fround(c), c);
 * assert.ok(c <= logit);
 * assert.equal(float32Cutoff(0.5), 0);
 * ```
 */
export function float32Cutoff(t: number): number {
  const c = logit(t);
  const f = Math.fround(c);
  if (f <= c) return f;
  // f is the float32 above c: step one float32 down (toward -Infinity).
  const bits = new Int32Array(new Float32Array([f]).buffer)[0];
  const down = f > 0 ? bits - 1 : f < 0 ? bits + 1 : (0x80000001 | 0);
  return new Float32Array(new Int32Array([down]).buffer)[0];
}

/**
 * The int32 cutoff of an integer graph's label for a decision threshold `t`: the largest int32
 * accumulator `a` whose score `a * rescale` (float64, as lrcompress's integer-only inference
 * computes it) is at or below `logit(t) = Math.log(t / (1 - t))`, or -2^31 when none of
 * -2^31 + 1 ... 2^31 - 1 is (no accumulator of the graph, at most 2^31 - 1 in magnitude, is then
 * at or below it). The score is non-decreasing in `a` (an int32 is exact in float64 and
 * rounding is monotone), so for every int32 accumulator `a` of at most 2^31 - 1 in magnitude,
 * `a > cutoff` iff `a * rescale > logit(t)`: the integer graph labels as lrcompress does,
 * including rows whose score is within rounding of `logit(t)`.
 *
 * @param t The threshold, strictly between 0 and 1.
 * @param rescale The output's product scale (its int32 bias scale), finite and > 0.
 * @returns The integer value of the graph's `Greater` constant.
 * @throws {TypeError} If `t` or `rescale` is not a number.
 * @throws {RangeError} If `t` is not strictly between 0 and 1 or `rescale` not finite > 0.
 *
 * @example
 * ```ts
 * import { int32Cutoff } from "./export.ts";
 * import assert from "node:assert/strict";
 *
 * const rescale = 0.01, k = int32Cutoff(0.9, rescale), logit = Math.log(0.9 / 0.1);
 * assert.ok(k * rescale <= logit && (k + 1) * rescale > logit);
 * assert.equal(int32Cutoff(0.5, rescale), 0);
 * ```
 */
export function int32Cutoff(t: number, rescale: number): number {
  const action = "compute the int32 cutoff";
  for (const [name, v] of [["threshold", t], ["rescale", rescale]] as const) {
    if (typeof v !== "number") {
      throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${describe(v)}`);
    }
  }
  if (!(t > 0 && t < 1)) {
    throw new RangeError(
      `Cannot ${action}: threshold must be a probability strictly between 0 and 1, got ${t}`,
    );
  }
  if (!(rescale > 0 && rescale < Infinity)) {
    throw new RangeError(`Cannot ${action}: rescale must be finite > 0, got ${rescale}`);
  }
  const c = logit(t);
  // Binary search for the largest a with a * rescale <= c; lo = -2^31 stands for "none" and is
  // never tested (mid > lo throughout).
  let lo = -(2 ** 31), hi = 2 ** 31 - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (mid * rescale <= c) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Codes with masked positions set to the group's zero code. */
function canonicalCodes(t: QuantizedTensor, mask?: Uint8Array): ArrayLike<number> {
  if (!mask) return t.codes;
  const out = Array.from(t.codes);
  for (let i = 0; i < out.length; i++) {
    if (mask[i] === 0) out[i] = zeroCode(t, elementGroup(t.granularity, i, t.cols));
  }
  return out;
}

/** Adds nodes computing the float weights `(nOut, d)` of a quantized model. */
function dequantizedWeights(
  g: GraphBuilder,
  model: QuantizedModel,
): { name: string; opset: number } {
  const t = model.weights;
  const { rows, cols } = t;
  const codes = canonicalCodes(t, model.mask);
  // The graph dequantizes in float32: a uniform grid's scale fits it, but a code times the scale
  // can overflow there, and onnxruntime's weights were then infinite and its scores NaN.
  for (let i = 0; i < codes.length; i++) {
    const v = codeValue(t, codes[i], elementGroup(t.granularity, i, cols));
    if (!Number.isFinite(Math.fround(v))) {
      throw new RangeError(
        `Cannot export ONNX: weights[${i}] dequantizes to ${v}, beyond the float range of the ` +
          "graph's tensors",
      );
    }
  }
  let name: string;
  let opset = 13;
  if (t.kind === "uniform") {
    const signed = t.scheme === "symmetric";
    const type: ElementType = t.bits <= 8
      ? (signed ? "INT8" : "UINT8")
      : (signed ? "INT16" : "UINT16");
    if (t.bits > 8) opset = 21;
    const groups = tensorGroups(t);
    const dims = t.granularity === "tensor" ? [] : [groups];
    const q = g.constant("weight_codes", type, [rows, cols], codes);
    const s = g.constant("weight_scale", "FLOAT", dims, t.scale);
    const z = g.constant("weight_zero_point", type, dims, t.zeroPoint);
    const axis = t.granularity === "feature" ? 1 : 0;
    name = g.op(
      "DequantizeLinear",
      [q, s, z],
      t.granularity === "tensor" ? {} : { axis: { int: axis } },
    );
  } else if (t.kind === "float16") {
    const h = g.constant("weights_f16", "FLOAT16", [rows, cols], codes);
    name = g.op("Cast", [h], { to: { int: 1 } });
  } else {
    // Table lookup: indices are the stored bit fields, the table holds every field's value.
    const fieldCount = t.kind === "codebook" ? t.levels : 2 ** t.bits;
    const groups = tensorGroups(t);
    const table = new Float32Array(groups * fieldCount);
    const [lo, hi] = tensorCodeRange(t);
    for (let gi = 0; gi < groups; gi++) {
      for (let f = 0; f < fieldCount; f++) {
        const q = fieldToCode(t, f);
        table[gi * fieldCount + f] = q < lo || q > hi ? 0 : codeValue(t, q, gi);
      }
    }
    const fields = Array.from(codes, (q) => codeToField(t, q));
    const idxType: ElementType = fieldCount <= 256 ? "UINT8" : "UINT16";
    const idx = g.op("Cast", [g.constant("weight_codes", idxType, [rows, cols], fields)], {
      to: { int: 7 },
    });
    if (t.granularity === "tensor") {
      const tab = g.constant("weight_table", "FLOAT", [fieldCount], table);
      name = g.op("Gather", [tab, idx], { axis: { int: 0 } });
    } else if (t.granularity === "class") {
      const tab = g.constant("weight_table", "FLOAT", [rows, fieldCount], table);
      name = g.op("GatherElements", [tab, idx], { axis: { int: 1 } });
    } else {
      const transposed = new Float32Array(fieldCount * cols);
      for (let j = 0; j < cols; j++) {
        for (let f = 0; f < fieldCount; f++) transposed[f * cols + j] = table[j * fieldCount + f];
      }
      const tab = g.constant("weight_table", "FLOAT", [fieldCount, cols], transposed);
      name = g.op("GatherElements", [tab, idx], { axis: { int: 0 } });
    }
  }
  if (model.mask && maskNeeded(t, model.mask)) {
    name = g.op("Mul", [name, g.constant("mask", "FLOAT", [rows, cols], model.mask)]);
  }
  return { name, opset };
}

/** Whether a masked weight's zero code stands for a value other than 0. */
function maskNeeded(t: QuantizedTensor, mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) {
      const gi = elementGroup(t.granularity, i, t.cols);
      if (codeValue(t, zeroCode(t, gi), gi) !== 0) return true;
    }
  }
  return false;
}

/** Adds the float bias `(nOut)` of a quantized model. */
function dequantizedBias(g: GraphBuilder, model: QuantizedModel): string {
  const b = model.bias;
  const n = b.values.length;
  if (b.kind !== "int32") return g.constant("bias", "FLOAT", [n], b.values);
  // An int32 bias times its scale can overflow float32 as the weights can.
  const values = biasValues(b);
  const c = values.findIndex((v) => !Number.isFinite(Math.fround(v)));
  if (c >= 0) {
    throw new RangeError(
      `Cannot export ONNX: bias[${c}] dequantizes to ${values[c]}, beyond the float range of the ` +
        "graph's tensors",
    );
  }
  const v = g.constant("bias_int32", "INT32", [n], b.values);
  const s = g.constant("bias_scale", "FLOAT", [n], b.scale);
  const z = g.constant("bias_zero_point", "INT32", [n], new Int32Array(n));
  return g.op("DequantizeLinear", [v, s, z], { axis: { int: 0 } });
}

/** Adds the integer-only scores of a quantized model. */
function integerScores(
  g: GraphBuilder,
  model: QuantizedModel,
  x: string,
  options: OnnxExportOptions,
  action: string,
): {
  scores: string;
  inputCodes: string;
  accumulator: string;
  inputType: ElementType;
  parts: number;
} {
  const t = model.weights;
  if (t.kind !== "uniform" || t.bits > 8) {
    throw new RangeError(
      `Cannot ${action}: the integer graph needs uniform codes of at most 8 bits, ` +
        `got ${t.kind} ${t.bits}-bit (use quantized: 'qdq')`,
    );
  }
  if (t.granularity === "feature") {
    throw new RangeError(
      `Cannot ${action}: the integer graph cannot apply per-feature weight scales (MatMulInteger ` +
        "takes 8-bit weights and the graph one rescale per output; lrcompress's own integer " +
        "inference requantizes them to int16 or int32 weights, which MatMulInteger cannot hold): use " +
        "quantized: 'qdq'",
    );
  }
  if (options.input !== undefined) checkInputQuantization(action, options.input, "options.input");
  const input = options.input ?? model.input;
  if (!input) {
    throw new RangeError(
      `Cannot ${action}: the integer graph needs an input quantization (the model has none; ` +
        "give options.input)",
    );
  }
  // A standardised model's own calibration (`model.input`) is of the raw inputs: lrcompress's
  // integer inference folds standardisation into requantized weights, which MatMulInteger
  // cannot hold. The graph quantizes the standardised inputs instead, so it needs their scale.
  const standardised = model.preprocessing.kind === "standardize";
  if (standardised && !options.input) {
    throw new RangeError(
      `Cannot ${action}: the integer graph quantizes the standardised inputs, and the model's ` +
        "input calibration is of the raw inputs (lrcompress folds standardisation into " +
        "requantized integer weights, which MatMulInteger cannot hold): give options.input for " +
        "the standardised inputs, or use quantized: 'qdq'",
    );
  }
  const { rows: nOut, cols: d } = t;
  const codes = canonicalCodes(t, model.mask);
  // Integer weights v = code - zeroPoint, transposed to (d, nOut) for MatMulInteger.
  const v = new Int32Array(d * nOut);
  let maxAbs = 0;
  for (let c = 0; c < nOut; c++) {
    for (let j = 0; j < d; j++) {
      const i = c * d + j;
      const w = model.mask && model.mask[i] === 0
        ? 0
        : codes[i] - t.zeroPoint[elementGroup(t.granularity, i, d)];
      v[j * nOut + c] = w;
      maxAbs = Math.max(maxAbs, Math.abs(w));
    }
  }
  const inputRange = 255;
  if (d * inputRange * maxAbs > 2 ** 31 - 1) {
    throw new RangeError(
      `Cannot ${action}: ${d} features x 255 x ${maxAbs} may overflow the int32 accumulator`,
    );
  }
  // The int32 bias is added to the same accumulator: products and bias together must fit.
  const checkAccumulator = (bias: Int32Array) => {
    const c = bias.findIndex((u) => d * inputRange * maxAbs + Math.abs(u) > 2 ** 31 - 1);
    if (c >= 0) {
      throw new RangeError(
        `Cannot ${action}: ${d} features x 255 x ${maxAbs} plus the int32 bias of output ${c} ` +
          `(${bias[c]}) may overflow the int32 accumulator`,
      );
    }
  };
  const inputType: ElementType = input.dtype === "uint8" ? "UINT8" : "INT8";
  const xs = g.constant("input_scale", "FLOAT", [], [input.scale]);
  const xz = g.constant("input_zero_point", inputType, [], [input.zeroPoint]);
  const xq = g.op("QuantizeLinear", [x, xs, xz]);
  const parts = Math.max(1, Math.ceil(maxAbs / MATMUL_INTEGER_SAFE_WEIGHT));
  let acc = "";
  for (const part of splitWeights(v, parts)) {
    const w = g.constant("weight_part", "INT8", [d, nOut], part);
    const y = g.op("MatMulInteger", [xq, w, xz]);
    acc = acc === "" ? y : g.op("Add", [acc, y]);
  }
  const b = model.bias;
  const weightScale = (c: number) => (t.granularity === "class" ? t.scale[c] : t.scale[0]);
  const rescale = Float64Array.from(
    { length: nOut },
    (_, c) => Math.fround(input.scale) * weightScale(c),
  );
  if (b.kind === "int32" && standardised) {
    // The stored int32 bias is at the raw-input product scale: requantize it at the graph's.
    const units = Array.from(biasValues(b), (v, c) => Math.round(v / rescale[c]));
    const c = units.findIndex((u) => Math.abs(u) > 2 ** 30);
    if (c >= 0) {
      throw new RangeError(
        `Cannot ${action}: the bias of output ${c} is ${units[c]} units of the product scale, ` +
          "beyond the int32 accumulator's room",
      );
    }
    const values = Int32Array.from(units);
    checkAccumulator(values);
    acc = g.op("Add", [acc, g.constant("bias_int32", "INT32", [nOut], values)]);
  } else if (b.kind === "int32") {
    for (let c = 0; c < nOut; c++) {
      if (Math.abs(b.scale[c] - rescale[c]) > 1e-6 * rescale[c]) {
        throw new RangeError(
          `Cannot ${action}: the int32 bias of output ${c} has scale ${b.scale[c]}, not the ` +
            `product scale ${rescale[c]}`,
        );
      }
    }
    checkAccumulator(b.values);
    acc = g.op("Add", [acc, g.constant("bias_int32", "INT32", [nOut], b.values)]);
  }
  const accumulator = acc;
  const asFloat = g.op("Cast", [acc], { to: { int: 1 } });
  let scores = g.op("Mul", [asFloat, g.constant("rescale", "FLOAT", [nOut], rescale)]);
  if (b.kind !== "int32") {
    scores = g.op("Add", [scores, g.constant("bias", "FLOAT", [nOut], b.values)]);
  }
  return { scores, inputCodes: xq, accumulator, inputType, parts };
}

/**
 * The int32 constant with which the label of a binary quantized model's integer graph compares
 * its accumulator, {@linkcode int32Cutoff}`(threshold, bias.scale[0])`, when the model has a
 * decision threshold and the graph's accumulator is lrcompress's integer-only one; `null` when
 * its label compares the float32 `scores` instead. The graph's
 * `sum_j (xq[j] - zx) * w[j] + bias` is what `prepareIntegerModel` computes from the same codes
 * (`bias - zx * rowSum` folded) when the model carries that inference: an int32 bias at the
 * product scale of the raw inputs (no standardisation, which that inference requantizes) and the
 * input quantization it was calibrated with. `lib/onnx/mod.ts` does not re-export it (`lrc export`
 * prints it).
 *
 * @param model A quantized model that the integer graph can hold.
 * @param input The graph's input quantization, when given in the export's options.
 * @returns The cutoff, or `null`.
 */
export function accumulatorCutoff(
  model: QuantizedModel,
  input?: InputQuantization,
): number | null {
  const b = model.bias;
  const own = model.threshold !== undefined && model.link === "sigmoid" &&
    model.input !== undefined && b.kind === "int32" &&
    model.preprocessing.kind !== "standardize" &&
    (input === undefined || sameInput(input, model.input));
  return own ? int32Cutoff(model.threshold!, b.scale[0]) : null;
}

/** Whether two input quantizations give the same codes (their calibration text aside). */
function sameInput(a: InputQuantization, b: InputQuantization): boolean {
  return a.dtype === b.dtype && a.scale === b.scale && a.zeroPoint === b.zeroPoint;
}

/**
 * Splits integer weights into `parts` arrays that add up to them, each entry within
 * `[-ceil(|w| / parts), ceil(|w| / parts)]`.
 *
 * @param v The integer weights.
 * @param parts Number of parts, at least `ceil(max |v| / 64)` for the u8 x s8 bound.
 * @returns The parts.
 */
export function splitWeights(v: Int32Array, parts: number): Int8Array[] {
  const out = Array.from({ length: parts }, () => new Int8Array(v.length));
  for (let i = 0; i < v.length; i++) {
    const w = v[i];
    const base = Math.trunc(w / parts);
    let rest = w - base * parts;
    for (let k = 0; k < parts; k++) {
      const extra = rest > 0 ? 1 : rest < 0 ? -1 : 0;
      out[k][i] = base + extra;
      rest -= extra;
    }
  }
  return out;
}
