/**
 * Numerical corner cases of issue 8: constant features, features near the float64 limit,
 * perfectly separable data, all-zero weights, very imbalanced classes. Oracles: closed forms
 * (class frequencies, scale invariance) and invariants (finite, probabilities sum to 1).
 */
import assert from "node:assert/strict";
import { fromRows, type Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { fitStandardizer, trainTestSplit } from "../../lib/data/preprocess.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { fit, type Optimizer } from "../../lib/model/fit.ts";
import { predict, predictProba } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { calibrateInput, integerPredict, prepareIntegerModel } from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { binary, cancer, digits, multi, withZeroWeights } from "./_cases.ts";

const OPTIMIZERS: Optimizer[] = [
  { kind: "lbfgs" },
  { kind: "sgd" },
  { kind: "adam" },
  { kind: "sgd", learningRate: 1e4, epochs: 100 },
  { kind: "adam", learningRate: 10, epochs: 200 },
];
const name = (o: Optimizer) => JSON.stringify(o);

/** Asserts every probability is finite, in [0, 1], and each row sums to 1. */
function assertProbabilities(p: Matrix, context: string): void {
  for (let i = 0; i < p.rows; i++) {
    let sum = 0;
    for (let c = 0; c < p.cols; c++) {
      const v = p.data[i * p.cols + c];
      assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `${context}: p[${i}][${c}] = ${v}`);
      sum += v;
    }
    assert.ok(Math.abs(sum - 1) < 1e-12, `${context}: row ${i} sums to ${sum}`);
  }
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

// ---- constant features ------------------------------------------------------------------------

Deno.test("a constant feature gets weight exactly 0 when standardised, with every optimiser", () => {
  const x = fromRows([[3, 1], [3, 2], [3, 3], [3, 4], [3, 1.5], [3, 3.5]]);
  const y = Int32Array.from([0, 0, 1, 1, 0, 1]);
  for (const optimizer of OPTIMIZERS.slice(0, 3)) {
    const { model } = fit(x, y, { optimizer });
    assert.equal(model.weights.data[0], 0, name(optimizer));
    assert.ok(allFinite(model.weights.data) && allFinite(model.bias), name(optimizer));
    assertProbabilities(predictProba(model, x), name(optimizer));
    const raw = fit(x, y, { optimizer, preprocessing: "none" }).model;
    assert.ok(allFinite(raw.weights.data) && allFinite(raw.bias), name(optimizer));
  }
});

Deno.test("with every feature constant the model predicts the class frequencies (closed form)", () => {
  const x = fromRows([[3, -1], [3, -1], [3, -1], [3, -1], [3, -1], [3, -1], [3, -1], [3, -1]]);
  const y = Int32Array.from([1, 0, 1, 1, 2, 1, 0, 1]); // frequencies 2/8, 5/8, 1/8
  const { model } = fit(x, y, { optimizer: { kind: "lbfgs", tolerance: 1e-10 } });
  assert.deepEqual([...model.weights.data], new Array(6).fill(0));
  const p = predictProba(model, x);
  for (const [c, f] of [[0, 2 / 8], [1, 5 / 8], [2, 1 / 8]]) {
    assert.ok(Math.abs(p.data[c] - f) < 1e-8, `class ${c}: ${p.data[c]} vs ${f}`);
  }
  assert.deepEqual([...predict(model, x)], new Array(8).fill(1));
  const b = fit(x, Int32Array.from([0, 1, 1, 1, 0, 1, 1, 1]), {
    optimizer: { kind: "lbfgs", tolerance: 1e-10 },
  }).model;
  assert.ok(Math.abs(b.bias[0] - Math.log(6 / 2)) < 1e-8, `${b.bias[0]} vs log 3`); // log-odds
});

// ---- magnitudes ---------------------------------------------------------------------------------

Deno.test("standardisation of features near the float64 limit stays finite and exact in form", () => {
  const x = fromRows([[1.5e308, 1], [-1.5e308, 2], [1.5e308, 3], [-1.5e308, 4]]);
  const p = fitStandardizer(x);
  assert.equal(p.mean[0], 0);
  assert.equal(p.scale[0], 1.5e308); // population standard deviation of +-s is s
  assert.equal(p.mean[1], 2.5);
  assert.ok(Math.abs(p.scale[1] - Math.sqrt(1.25)) < 1e-15);
});

Deno.test("training is invariant to scaling features up to 1e300 (standardised)", () => {
  const prng = createPrng(4);
  const base = Float64Array.from({ length: 200 }, () => randomNormal(prng));
  const y = Int32Array.from(
    { length: 100 },
    (_, i) => (base[2 * i] + 0.5 * base[2 * i + 1] > 0 ? 1 : 0),
  );
  for (let k = 0; k < 100; k += 7) y[k] = 1 - y[k]; // not separable
  const small = fit({ data: base, rows: 100, cols: 2 }, y).model;
  for (const s of [1e30, 1e300]) {
    const scaled = { data: base.map((v) => v * s), rows: 100, cols: 2 };
    const big = fit(scaled, y).model;
    assert.deepEqual([...predict(big, scaled)], [
      ...predict(small, { data: base, rows: 100, cols: 2 }),
    ]);
    for (let j = 0; j < 2; j++) {
      assert.ok(Math.abs(big.weights.data[j] - small.weights.data[j]) < 1e-6, `scale ${s}`);
    }
    assertProbabilities(predictProba(big, scaled), `scale ${s}`);
  }
});

// ---- separable data -----------------------------------------------------------------------------

Deno.test("perfectly separable data: every optimiser stops with finite weights and warns", () => {
  const x = fromRows([[-2, 5], [-1, 5], [-0.5, 4], [1, 5], [2, 6], [0.5, 5]]);
  const y = Int32Array.from([0, 0, 0, 1, 1, 1]);
  for (const optimizer of OPTIMIZERS) {
    for (const preprocessing of ["standardize", "none"] as const) {
      const r = fit(x, y, { optimizer, preprocessing, penalty: { kind: "none" } });
      const context = `${name(optimizer)} ${preprocessing}`;
      assert.ok(allFinite(r.model.weights.data) && allFinite(r.model.bias), context);
      // Once the model separates the training data (all but Adam's 20 small steps on raw
      // features do), fit says the weights would keep growing.
      const separates = predict(r.model, x).every((c, i) => c === y[i]);
      assert.equal(
        r.warnings.some((w) => /perfectly separable and there is no penalty/.test(w)),
        separates,
        context,
      );
      if (!(optimizer.kind === "adam" && preprocessing === "none")) assert.ok(separates, context);
      assertProbabilities(predictProba(r.model, x), context);
      if (optimizer.kind === "lbfgs") assert.ok(r.history.length < 1000, context); // it stops
    }
  }
  // digits are separable too (64 features, 1797 samples): L-BFGS stops and warns.
  const r = fit(digits.x, digits.y, { penalty: { kind: "none" }, classes: digits.classes });
  assert.ok(r.history.length < 1000 && allFinite(r.model.weights.data));
  assert.ok(r.warnings.some((w) => /perfectly separable/.test(w)));
});

// ---- all-zero weights ---------------------------------------------------------------------------

const ZERO_METHODS: QuantizationMethod[] = [
  { kind: "uniform", bits: 8 },
  { kind: "uniform", bits: 1 },
  { kind: "uniform", bits: 2 },
  { kind: "uniform", bits: 4, scheme: "affine" },
  { kind: "uniform", bits: 4, granularity: "feature", calibration: { kind: "minmax" } },
  { kind: "uniform", bits: 3, calibration: { kind: "percentile", percentile: 99 } },
  { kind: "log2", bits: 4 },
  { kind: "log2", bits: 1 },
  { kind: "kmeans", levels: 2 }, // needs 2 distinct weights: refused (see errors_test)
  { kind: "float16" },
];

function zeroModels(): [string, LogisticModel][] {
  const masked = { ...withZeroWeights(binary), mask: new Uint8Array(30) };
  return [
    ["binary, all weights zero", withZeroWeights(binary)],
    ["binary, everything pruned (mask of zeros)", masked],
    ["10 classes, all weights zero", withZeroWeights(multi)],
  ];
}

Deno.test("all-zero weights: predictions are the bias alone, never NaN", () => {
  for (const [what, model] of zeroModels()) {
    const x = model.weights.cols === 30 ? cancer.x : digits.x;
    const p = predictProba(model, x);
    assertProbabilities(p, what);
    // closed form: softmax or sigmoid of the bias, the same for every row
    const z = model.bias;
    const expected = model.link === "sigmoid"
      ? [1 / (1 + Math.exp(z[0])), 1 / (1 + Math.exp(-z[0]))]
      : Array.from(z, (v) => Math.exp(v) / z.reduce((s, u) => s + Math.exp(u), 0));
    for (let i = 0; i < x.rows; i += 97) {
      for (let c = 0; c < expected.length; c++) {
        assert.ok(Math.abs(p.data[i * p.cols + c] - expected[c]) < 1e-12, what);
      }
    }
  }
});

Deno.test("all-zero weights: every quantization keeps them exactly 0 with a finite scale", () => {
  for (const [what, model] of zeroModels()) {
    const x = model.weights.cols === 30 ? cancer.x : digits.x;
    for (const method of ZERO_METHODS) {
      const context = `${what}, ${JSON.stringify(method)}`;
      if (method.kind === "kmeans") {
        assert.throws(() => quantizeModel(model, { method }), RangeError, context);
        continue;
      }
      const q = quantizeModel(model, { method });
      const w = q.weights;
      if (w.kind === "uniform" || w.kind === "log2") {
        assert.ok(w.scale.every((s) => s > 0 && Number.isFinite(s)), `${context}: scales`);
      }
      const back = dequantizeModel(q);
      if (!(w.kind === "uniform" && w.scheme === "symmetric" && w.bits === 1) && w.bits !== 1) {
        assert.ok(back.weights.data.every((v) => v === 0), `${context}: ${back.weights.data}`);
      } else {
        // 1-bit grids have no zero level: +-scale with the smallest float32 scale
        assert.ok(back.weights.data.every((v) => Math.abs(v) <= 1.5e-45), context);
      }
      assertProbabilities(predictProba(back, x), context);
      assert.deepEqual(decodeModel(encodeModel(q)), q, `${context}: model file`);
      if ((w.kind === "uniform" || w.kind === "log2") && w.bits === 1) {
        // +-1.4e-45 weights put the int32 bias on a grid finer than int32 reaches: refused,
        // unless they underflow to exact zeros on the way (a standardised model divides them by
        // the feature scales), and then the integer model predicts like the float one.
        let integer: ReturnType<typeof prepareIntegerModel> | null = null;
        try {
          integer = prepareIntegerModel(calibrateInput(q, x));
        } catch (e) {
          assert.match(
            String(e),
            /RangeError: .*beyond int32 \(the weight scale .* is tiny: are the weights all zero\?\)/,
          );
        }
        if (integer) assert.deepEqual(integerPredict(integer, x), predict(back, x), context);
      } else if (w.kind === "uniform" || w.kind === "log2") {
        const integer = prepareIntegerModel(calibrateInput(q, x));
        assert.deepEqual(integerPredict(integer, x), predict(back, x), `${context}: integer`);
      }
    }
    assert.deepEqual(decodeModel(encodeModel(model)), model, `${what}: model file`);
  }
});

const ortProblem = await onnxRuntimeProblem();
Deno.test({
  name: `all-zero weights: ONNX exports run in onnxruntime and give the bias's probabilities${
    ortProblem ? ` (skipped: ${ortProblem})` : ""
  }`,
  ignore: ortProblem !== null,
  async fn() {
    for (const [what, model] of zeroModels()) {
      const x = model.weights.cols === 30 ? cancer.x : digits.x;
      const q = quantizeModel(model);
      // with the input calibration the bias becomes int32 at the product scale: compare the
      // exports with the quantized model they stand for
      const calibrated = calibrateInput(q, x);
      const exports: [string, Uint8Array, LogisticModel][] = [
        ["float", exportOnnx(model), model],
        ["qdq (float32 bias)", exportOnnx(q), model],
        ["qdq (int32 bias)", exportOnnx(calibrated), dequantizeModel(calibrated)],
      ];
      if (model.preprocessing.kind === "none") {
        exports.push([
          "integer",
          exportOnnx(calibrated, { quantized: "integer" }),
          dequantizeModel(calibrated),
        ]);
      } else {
        // the graph quantizes standardised inputs, whose scale the model does not carry
        assert.throws(
          () => exportOnnx(calibrated, { quantized: "integer" }),
          /give options.input for the standardised inputs/,
        );
      }
      for (const [form, bytes, reference] of exports) {
        const expected = predictProba(reference, x);
        const out = await runOnnx(bytes, x);
        const p = out.probabilities.data as ArrayLike<number>;
        for (let i = 0; i < p.length; i++) {
          assert.ok(Math.abs(p[i] - expected.data[i]) < 1e-6, `${what} ${form} at ${i}`);
        }
      }
    }
  },
});

// ---- imbalanced classes -------------------------------------------------------------------------

Deno.test("very imbalanced classes: training works, predictions are finite, a warning names the class", () => {
  const prng = createPrng(11);
  const n = 2000;
  const data = new Float64Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i < 3 ? 1 : i < 1000 ? 2 : 0; // class 1: 3 of 2000 samples
    for (let j = 0; j < 3; j++) data[i * 3 + j] = randomNormal(prng) + (y[i] === 1 ? 4 : 0);
  }
  const x = { data, rows: n, cols: 3 };
  const split = trainTestSplit(x, y, { testFraction: 0.5, seed: 1 });
  // round(3 * 0.5) = 2 rare samples go to the test part, 1 stays in training
  assert.equal(split.yTrain.filter((c) => c === 1).length, 1, "the rare class stays in training");
  for (const optimizer of OPTIMIZERS.slice(0, 3)) {
    const r = fit(split.xTrain, split.yTrain, { optimizer, classes: ["a", "rare", "c"] });
    assert.ok(
      r.warnings.some((w) => /class "rare" has only 1 of 999 training samples \(0.10 %\)/.test(w)),
      `${name(optimizer)}: ${r.warnings}`,
    );
    assertProbabilities(predictProba(r.model, split.xTest), name(optimizer));
  }
  const absent = fit(x, y, { classes: ["a", "rare", "c", "never"] });
  assert.ok(absent.warnings.some((w) => /class "never" has no training samples/.test(w)));
  assert.ok(allFinite(absent.model.bias));
  assert.ok(!predict(absent.model, x).includes(3));
});

Deno.test("the stratified split keeps at least one sample of every class in training", () => {
  const counts = [1, 2, 3, 5, 40];
  const y = Int32Array.from(counts.flatMap((n, c) => new Array(n).fill(c)));
  const x = { data: new Float64Array(y.length), rows: y.length, cols: 1 };
  for (const testFraction of [0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
    const s = trainTestSplit(x, y, { testFraction, seed: 3 });
    counts.forEach((n, c) => {
      const train = s.yTrain.filter((v) => v === c).length;
      const test = s.yTest.filter((v) => v === c).length;
      assert.equal(test, Math.min(Math.round(n * testFraction), n - 1), `${testFraction} ${c}`);
      assert.equal(train + test, n);
      assert.ok(train >= 1);
    });
  }
});
