import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictProba } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { exportOnnx, float32Cutoff, int32Cutoff } from "../../lib/onnx/export.ts";
import { importOnnxModel } from "../../lib/onnx/import.ts";
import { decodeOnnx, encodeOnnx, type OnnxModel } from "../../lib/onnx/protobuf.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import {
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
} from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { throwsWith } from "../_helpers/errors.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (skipped: ${problem})` : "";

/** The float32 after `f` (toward +Infinity), by its bits. */
function nextUp32(f: number): number {
  const bits = new Int32Array(new Float32Array([f]).buffer)[0];
  const up = f > 0 ? bits + 1 : f < 0 ? bits - 1 : 1;
  return new Float32Array(new Int32Array([up]).buffer)[0];
}

Deno.test("float32Cutoff is the largest float32 at or below logit(t)", () => {
  let roundedUp = 0;
  for (let i = 1; i < 2000; i++) {
    const t = i / 2000 + (i % 7) * 1e-9;
    const logit = Math.log(t / (1 - t));
    const c = float32Cutoff(t);
    assert.equal(Math.fround(c), c, `t = ${t}`);
    assert.ok(c <= logit, `t = ${t}: ${c} > ${logit}`);
    assert.ok(nextUp32(c) > logit, `t = ${t}: a float32 lies between ${c} and ${logit}`);
    if (Math.fround(logit) > logit) roundedUp++;
  }
  assert.ok(roundedUp > 100, "round-to-nearest would have gone above logit(t) often");
  assert.equal(float32Cutoff(0.5), 0);
  for (const t of [1e-300, 1 - 2 ** -53, 0.5 + 2 ** -53, 0.5 - 2 ** -54]) {
    const c = float32Cutoff(t), logit = Math.log(t / (1 - t));
    assert.ok(c <= logit && nextUp32(c) > logit, `t = ${t}`);
  }
});

const cancer = await loadEmbedded("breast-cancer");
const split = trainTestSplit(cancer.x, cancer.y, { seed: 3 });
const model = fit(split.xTrain, split.yTrain, {
  classes: cancer.classes,
  featureNames: cancer.featureNames,
  optimizer: { kind: "lbfgs", maxIterations: 80 },
  // A strong penalty spreads the probabilities: many rows between 0.2 and 0.9.
  penalty: { kind: "l2", lambda: 0.3 },
}).model;

/** Asserts onnxruntime's labels follow p > t (away from ties) and its own float32 scores. */
async function checkLabels(
  m: LogisticModel | QuantizedModel,
  p: Matrix<Float64Array>,
  x: Matrix,
  t: number,
  options: Parameters<typeof exportOnnx>[1] = {},
): Promise<number> {
  const out = await runOnnx(exportOnnx(withThreshold(m, t), options), x);
  const labels = out.label.data as string[];
  const scores = out.scores.data as Float32Array;
  const logit = Math.log(t / (1 - t));
  let moved = 0;
  for (let i = 0; i < x.rows; i++) {
    // The graph's rule on its own float32 scores: logit(t) itself, in float64.
    assert.equal(labels[i], m.classes[scores[i] > logit ? 1 : 0], `row ${i}`);
    const pi = p.data[2 * i + 1];
    if (Math.abs(pi - t) > 1e-4) assert.equal(labels[i], m.classes[pi > t ? 1 : 0], `row ${i}`);
    if ((pi > t) !== (pi > 0.5)) moved++;
  }
  return moved;
}

Deno.test({
  name: `exported float and quantized graphs label at the threshold in onnxruntime${skip}`,
  ignore: problem !== null,
  async fn() {
    const x = split.xTest;
    const p = predictProba(model, x);
    const q = calibrateInput(
      quantizeModel(model, { method: { kind: "uniform", bits: 8 } }),
      split.xTrain,
    );
    // The QDQ graph scores with the dequantized weights, the integer graph as integer-only
    // inference does (quantizedPredictProba of a calibrated model).
    const pq = predictProba(dequantizeModel(q), x);
    // The integer graph quantizes the inputs the model sees: a model without standardisation.
    const raw = fit(split.xTrain, split.yTrain, {
      classes: cancer.classes,
      featureNames: cancer.featureNames,
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 80 },
      penalty: { kind: "l2", lambda: 0.3 },
    }).model;
    const qInt = calibrateInput(
      quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }),
      split.xTrain,
    );
    const pInt = quantizedPredictProba(qInt, x);
    for (const t of [0.2, 0.9, 0.999]) {
      const moved = await checkLabels(model, p, x, t);
      assert.ok(moved >= 10, `t = ${t}: only ${moved} labels differ from 0.5's`);
      await checkLabels(model, p, x, t, { preprocessing: "nodes" });
      await checkLabels(q, pq, x, t);
      await checkLabels(qInt, pInt, x, t, { quantized: "integer" });
    }
  },
});

Deno.test({
  name: `a float32 score at the cutoff's float32 neighbours is labelled as by logit(t)${skip}`,
  ignore: problem !== null,
  async fn() {
    // score = x exactly (weight 1, bias 0): inputs straddle logit(t) at float32 spacing.
    const one: LogisticModel = {
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
      bias: Float64Array.from([0]),
      classes: ["no", "yes"],
      featureNames: ["s"],
      preprocessing: { kind: "none" },
    };
    let t = 0;
    for (let i = 1; i < 100 && t === 0; i++) {
      const c = Math.log((i / 100) / (1 - i / 100));
      if (Math.fround(c) > c) t = i / 100;
    }
    assert.ok(t > 0);
    const logit = Math.log(t / (1 - t));
    const above = Math.fround(logit), below = float32Cutoff(t);
    assert.ok(below < logit && logit < above);
    const x = { data: Float32Array.from([below, above]), rows: 2, cols: 1 };
    const out = await runOnnx(exportOnnx(withThreshold(one, t)), x);
    assert.deepEqual(out.label.data, ["no", "yes"]);
  },
});

Deno.test("int32Cutoff is the largest accumulator whose float64 score is at or below logit(t)", () => {
  const logitOf = (t: number) => Math.log(t / (1 - t));
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let interior = 0;
  for (let i = 0; i < 3000; i++) {
    const t = 0.001 + 0.998 * next();
    const rescale = 10 ** (-9 + 9 * next());
    const k = int32Cutoff(t, rescale), c = logitOf(t);
    const where = `t = ${t}, rescale = ${rescale}`;
    assert.ok(Number.isInteger(k) && k >= -(2 ** 31) && k <= 2 ** 31 - 1, where);
    // The definition, on the float64 products lrcompress's integer inference computes; -2^31
    // stands for "every accumulator above", 2^31 - 1 can be "every accumulator at or below".
    if (k > -(2 ** 31)) assert.ok(k * rescale <= c, `${where}: ${k} x rescale > logit`);
    if (k < 2 ** 31 - 1) assert.ok((k + 1) * rescale > c, `${where}: ${k + 1} x rescale <= logit`);
    if (Math.abs(k) < 2 ** 31 - 1) interior++;
  }
  assert.ok(interior > 2000, `only ${interior} cutoffs inside the int32 range`);
  // Thresholds taken from a row's own probability, sigmoid(a * rescale) for an accumulator a:
  // logit(t) lands within rounding of a * rescale, where c / rescale rounded down is off by one
  // for a few percent of them.
  for (let i = 0; i < 3000; i++) {
    const rescale = 10 ** (-8 + 8 * next());
    const a = Math.floor((next() - 0.5) * 2 * Math.min(2 ** 31 - 2, 7 / rescale));
    const t = 1 / (1 + Math.exp(-a * rescale)), c = logitOf(t);
    const k = int32Cutoff(t, rescale);
    const where = `a = ${a}, rescale = ${rescale}`;
    assert.ok(Math.abs(k - a) <= 2, `${where}: ${k}`);
    assert.ok(k * rescale <= c && (k + 1) * rescale > c, `${where}: ${k}`);
  }
  assert.equal(int32Cutoff(0.5, 0.01), 0);
  // Beyond the accumulator's range: every accumulator labels classes[0], or every one classes[1].
  assert.equal(int32Cutoff(0.999, 1e-12), 2 ** 31 - 1);
  assert.equal(int32Cutoff(0.001, 1e-12), -(2 ** 31));
  assert.ok((-(2 ** 31) + 1) * 1e-12 > logitOf(0.001));
  for (const t of [0, 1, -0.5, NaN]) {
    throwsWith(() => int32Cutoff(t, 0.1), RangeError, `strictly between 0 and 1, got ${t}`);
  }
  // At the ends of the range a threshold can take and of the positive float64 scales.
  assert.equal(int32Cutoff(Number.MIN_VALUE, 1), Math.floor(logitOf(Number.MIN_VALUE)));
  assert.equal(int32Cutoff(1 - 2 ** -53, 1), Math.floor(logitOf(1 - 2 ** -53)));
  assert.equal(int32Cutoff(0.9, Number.MIN_VALUE), 2 ** 31 - 1);
  assert.equal(int32Cutoff(0.1, Number.MIN_VALUE), -(2 ** 31));
  // 2 x 1e308 overflows to Infinity, still above logit(0.9); 1 x 1e308 is too.
  assert.equal(int32Cutoff(0.9, 1e308), 0);
  assert.equal(int32Cutoff(0.1, 1e308), -1);
  for (const r of [0, -0.01, NaN]) {
    throwsWith(() => int32Cutoff(0.3, r), RangeError, `rescale must be finite > 0, got ${r}`);
  }
  throwsWith(
    () => int32Cutoff(0.3, "0.1" as never),
    TypeError,
    'rescale must be a number, got string "0.1"',
  );
  throwsWith(() => int32Cutoff(0.3, Infinity), RangeError, "finite > 0, got Infinity");
  throwsWith(() => int32Cutoff("0.3" as never, 1), TypeError, 'got string "0.3"');
});

/** The calibrated raw 8-bit model with an integer weight of exactly 1 on feature `j0`. */
function unitWeightModel(j0: number): QuantizedModel {
  const raw = fit(split.xTrain, split.yTrain, {
    classes: cancer.classes,
    featureNames: cancer.featureNames,
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 80 },
    penalty: { kind: "l2", lambda: 0.3 },
  }).model;
  const q = quantizeModel(raw, { method: { kind: "uniform", bits: 8 } });
  if (q.weights.kind !== "uniform") throw new Error("expected uniform weights");
  const codes = q.weights.codes.slice();
  codes[j0] = q.weights.zeroPoint[0] + 1;
  return calibrateInput({ ...q, weights: { ...q.weights, codes } }, split.xTrain);
}

Deno.test({
  name:
    `the integer graph labels every row as integer-only predict, at the cutoff's accumulator and its neighbours${skip}`,
  ignore: problem !== null,
  async fn() {
    // Feature 0's integer weight is 1: stepping its code by one steps the accumulator by one,
    // so a sweep of its 256 codes puts rows on consecutive accumulators.
    const j0 = 0;
    const q = unitWeightModel(j0);
    const sx = q.input!.scale;
    const d = split.xTest.cols;
    let straddled = 0;
    for (let i = 0; i < 40; i++) {
      // Row i of the test set with feature 0 at code 128, then its 256 codes: the threshold is
      // the middle row's own probability, so the cutoff lies next to its accumulator.
      const base = Float32Array.from(split.xTest.data.subarray(i * d, (i + 1) * d));
      const x = { data: new Float32Array(257 * d), rows: 257, cols: d };
      x.data.set(base);
      x.data[j0] = Math.fround(128 * sx);
      for (let c = 0; c < 256; c++) {
        x.data.set(base, (c + 1) * d);
        x.data[(c + 1) * d + j0] = Math.fround(c * sx);
      }
      const t = quantizedPredictProba(q, { data: x.data.subarray(0, d), rows: 1, cols: d })
        .data[1];
      if (!(t > 0 && t < 1)) continue;
      const m = withThreshold(q, t);
      const out = await runOnnx(exportOnnx(m, { quantized: "integer", debugOutputs: true }), x);
      const acc = out.accumulator.data as Int32Array;
      // lrcompress's integer accumulator of every row: its score over its rescale.
      const scores = quantizedDecisionFunction(m, x).data;
      const rescale = m.bias.kind === "int32" ? m.bias.scale[0] : NaN;
      for (let r = 0; r < x.rows; r++) {
        assert.equal(acc[r], Math.round(scores[r] / rescale), `row ${r}`);
        if (r > 1) assert.equal(acc[r] - acc[r - 1], 1, `row ${r}`);
      }
      const want = Array.from(quantizedPredict(m, x), (c) => m.classes[c]);
      assert.deepEqual(out.label.data, want, `threshold ${t} of row ${i}`);
      // The sweep crosses the cutoff: the last row of classes[0] and the next of classes[1].
      const flip = want.indexOf(m.classes[1], 1);
      if (flip > 1 && want.lastIndexOf(m.classes[0]) === flip - 1) {
        straddled++;
        assert.equal(acc[flip - 1], int32Cutoff(t, rescale));
      }
    }
    assert.ok(straddled >= 30, `only ${straddled} sweeps crossed the cutoff`);
  },
});

/** The inputs of the node whose output is the label's class index (`Greater`'s operands). */
function labelComparison(
  bytes: Uint8Array,
): { inputs: string[]; constant: number[]; type: number } {
  const onnx: OnnxModel = decodeOnnx(bytes, "m.onnx");
  const greater = onnx.graph.node!.filter((n) => n.op_type === "Greater");
  assert.equal(greater.length, 1);
  const init = onnx.graph.initializer!.find((t) => t.name === greater[0].input[1])!;
  const raw = init.raw_data!.slice().buffer;
  const values = init.data_type === 6 ? new Int32Array(raw) : new Float32Array(raw);
  return { inputs: greater[0].input, constant: Array.from(values), type: init.data_type ?? 0 };
}

Deno.test("only the integer graph of a calibrated model compares its accumulator; the others compare the scores", () => {
  const q = unitWeightModel(0);
  const t = 0.3;
  const rescale = q.bias.kind === "int32" ? q.bias.scale[0] : NaN;
  const integer = labelComparison(exportOnnx(withThreshold(q, t), { quantized: "integer" }));
  assert.equal(integer.type, 6, "an INT32 constant");
  assert.deepEqual(integer.constant, [int32Cutoff(t, rescale)]);
  assert.notEqual(integer.inputs[0], "scores");
  // The QDQ and float graphs keep the float32 cutoff on their scores, as does the integer graph
  // of a model whose accumulator is not lrcompress's: an uncalibrated one (a float bias, given
  // an input quantization), whose integer-only inference lrcompress does not run.
  const { input: _, bias: __, ...rest } = q;
  const uncalibrated: QuantizedModel = {
    ...rest,
    bias: { kind: "float64", values: Float64Array.from([0.1]) },
  };
  for (
    const bytes of [
      exportOnnx(withThreshold(q, t)),
      exportOnnx(withThreshold(model, t)),
      exportOnnx(withThreshold(uncalibrated, t), { quantized: "integer", input: q.input }),
    ]
  ) {
    const c = labelComparison(bytes);
    assert.equal(c.inputs[0], "scores");
    assert.deepEqual(c.constant, [float32Cutoff(t)]);
  }
  // Without a threshold, every graph compares its scores with 0.
  for (const bytes of [exportOnnx(q), exportOnnx(q, { quantized: "integer" }), exportOnnx(model)]) {
    const c = labelComparison(bytes);
    assert.equal(c.inputs[0], "scores");
    assert.deepEqual(c.constant, [0]);
  }
});

Deno.test("the integer graph compares its accumulator only with the model's own input quantization, and not for a standardised model", () => {
  const q = unitWeightModel(0);
  const t = 0.3, own = q.input!;
  const rescale = q.bias.kind === "int32" ? q.bias.scale[0] : NaN;
  assert.equal(own.dtype, "uint8");
  // The model's own quantization given in the options (its calibration text aside): the same
  // codes, the same accumulator.
  for (const input of [own, { ...own, calibration: "given" }]) {
    const c = labelComparison(exportOnnx(withThreshold(q, t), { quantized: "integer", input }));
    assert.deepEqual([c.type, c.constant], [6, [int32Cutoff(t, rescale)]]);
  }
  // Another scale (the next float32 up, within the bias's tolerance), zero point or dtype
  // quantizes other codes: the accumulator is not lrcompress's, and the label compares the scores.
  const up = new Float32Array([own.scale]);
  new Int32Array(up.buffer)[0]++;
  for (
    const input of [
      { ...own, scale: up[0] },
      { ...own, zeroPoint: own.zeroPoint + 1 },
      { ...own, dtype: "int8" as const, zeroPoint: 0 },
    ]
  ) {
    assert.notDeepEqual(input, own);
    const c = labelComparison(exportOnnx(withThreshold(q, t), { quantized: "integer", input }));
    assert.equal(c.inputs[0], "scores", JSON.stringify(input));
    assert.deepEqual(c.constant, [float32Cutoff(t)]);
  }
  // A standardised model's integer graph quantizes the standardised inputs and requantizes its
  // bias, unlike lrcompress's integer inference: its scores are compared, even given the model's
  // own input quantization.
  assert.equal(model.preprocessing.kind, "standardize");
  const standardised = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 8 } }),
    split.xTrain,
  );
  for (const input of [standardised.input!, { ...standardised.input!, scale: 0.05 }]) {
    const c = labelComparison(
      exportOnnx(withThreshold(standardised, t), { quantized: "integer", input }),
    );
    assert.equal(c.inputs[0], "scores");
    assert.deepEqual(c.constant, [float32Cutoff(t)]);
  }
});

Deno.test("the integer graph of a thresholded model is still refused by import, by name", () => {
  const bytes = exportOnnx(withThreshold(unitWeightModel(0), 0.3), { quantized: "integer" });
  throwsWith(
    () => importOnnxModel(bytes, { name: "i.onnx" }),
    SyntaxError,
    "Cannot import ONNX model 'i.onnx': it is an integer graph (QuantizeLinear, MatMulInteger)",
  );
});

Deno.test("the threshold is in the metadata, and a model without one exports as before", () => {
  const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
  const plain = exportOnnx(model);
  assert.equal(text(plain).includes("lrcompress.threshold"), false);
  assert.equal(text(plain).includes("cutoff"), false);
  const withT = text(exportOnnx(withThreshold(model, 0.123456789)));
  assert.ok(withT.includes("lrcompress.threshold"));
  assert.ok(withT.includes("0.123456789"));
});

/** `bytes` with every occurrence of the ASCII `from` replaced by `to` (of the same length). */
function patched(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const out = bytes.slice(), a = new TextEncoder().encode(from);
  const b = new TextEncoder().encode(to);
  let n = 0;
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((v, k) => out[i + k] === v)) {
      out.set(b, i);
      n++;
    }
  }
  assert.ok(n > 0, `no ${from} in the bytes`);
  return out;
}

Deno.test("importing an exported model keeps its threshold, float and quantized", () => {
  for (const t of [0.3, 0.123456789, 1e-9]) {
    const imported = importOnnxModel(exportOnnx(withThreshold(model, t)));
    assert.equal(imported.model.threshold, t);
    assert.deepEqual(imported.warnings, []);
    const q = withThreshold(quantizeModel(model, { method: { kind: "uniform", bits: 4 } }), t);
    const back = importOnnxModel(exportOnnx(q));
    assert.equal(back.quantized?.threshold, t);
    assert.equal(back.model.threshold, t);
  }
  assert.equal(Object.hasOwn(importOnnxModel(exportOnnx(model)).model, "threshold"), false);
});

Deno.test("an import refuses a threshold in the metadata that is no probability, or not the graph's", () => {
  const bytes = exportOnnx(withThreshold(model, 0.3));
  throwsWith(
    () => importOnnxModel(patched(bytes, "threshold\u0012\u00030.3", "threshold\u0012\u00031.5")),
    SyntaxError,
    'its metadata lrcompress.threshold is "1.5", not a probability strictly between 0 and 1',
  );
  // Metadata of another threshold than the graph's cutoff: the label cannot be read.
  throwsWith(
    () => importOnnxModel(patched(bytes, "threshold\u0012\u00030.3", "threshold\u0012\u00030.4")),
    SyntaxError,
    "Greater node",
  );
});

Deno.test("a threshold of exactly 0.5 (cutoff 0) is read back, without a warning", () => {
  // logit(0.5) = 0, so the graph's Greater holds 0, as a model without a threshold's does: the
  // metadata, not the constant, tells them apart.
  assert.equal(float32Cutoff(0.5), 0);
  const q = withThreshold(quantizeModel(model, { method: { kind: "uniform", bits: 4 } }), 0.5);
  for (const m of [withThreshold(model, 0.5), q]) {
    const imported = importOnnxModel(exportOnnx(m));
    assert.deepEqual(imported.warnings, [], m.kind);
    assert.equal(imported.model.threshold, 0.5, m.kind);
    if (m === q) assert.equal(imported.quantized?.threshold, 0.5);
  }
});

/** The export of `m` with its metadata lrcompress.threshold set to `value`. */
function withThresholdMetadata(m: LogisticModel | QuantizedModel, value: string): Uint8Array {
  const onnx = decodeOnnx(exportOnnx(m), "m.onnx");
  let n = 0;
  onnx.metadata_props = onnx.metadata_props!.map((p) =>
    p.key === "lrcompress.threshold" ? (n++, { ...p, value }) : p
  );
  assert.equal(n, 1, "the export names one threshold");
  return encodeOnnx(onnx);
}

Deno.test("an import refuses metadata thresholds of 0 and 1, which are no probability strictly between them", () => {
  for (const value of ["0", "1", "-0.25", "NaN"]) {
    throwsWith(
      () => importOnnxModel(withThresholdMetadata(withThreshold(model, 0.3), value)),
      SyntaxError,
      `its metadata lrcompress.threshold is "${value}", not a probability strictly between 0 and 1`,
    );
  }
});

Deno.test("metadata naming another threshold than a graph that compares with 0 is read without one, with a warning", () => {
  // A threshold of 0.5 exports Greater(scores, 0); metadata of 0.6 then names a cutoff the graph
  // does not hold (float32Cutoff(0.6) is about 0.405): its labels are those of 0.5, not 0.6.
  assert.ok(float32Cutoff(0.6) > 0.4);
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
  for (const m of [model, q]) {
    const imported = importOnnxModel(withThresholdMetadata(withThreshold(m, 0.5), "0.6"));
    assert.deepEqual(imported.warnings, [
      "its metadata names a decision threshold of 0.6, but its label does not compare the " +
      "scores with that threshold's cutoff: read without a threshold",
    ], m.kind);
    assert.equal(Object.hasOwn(imported.model, "threshold"), false, m.kind);
    if (m === q) assert.equal(Object.hasOwn(imported.quantized!, "threshold"), false);
  }
});
