import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, foldPreprocessing } from "../../lib/model/predict.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import {
  calibrateInput,
  integerDecisionFunction,
  integerPredict,
  integerScoresFromCodes,
  prepareIntegerModel,
  quantizeInputs,
} from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import {
  prepareQuantizedPredictor,
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
  quantizedReferenceDecisionFunction,
} from "../../lib/quant/predictor.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { assertWithinFloat32, magnitudes } from "../_helpers/float32_bound.ts";

const digits = await loadEmbedded("digits");
const x32: Matrix<Float32Array> = { ...digits.x, data: Float32Array.from(digits.x.data) };
const lbfgs = { kind: "lbfgs", maxIterations: 60 } as const;
const standardised = fit(digits.x, digits.y, { optimizer: lbfgs }).model;
const raw = fit(digits.x, digits.y, { preprocessing: "none", optimizer: lbfgs }).model;

const integerCases: [string, QuantizationMethod, boolean][] = [
  ["8-bit symmetric per class", { kind: "uniform", bits: 8, granularity: "class" }, false],
  ["8-bit symmetric per tensor", { kind: "uniform", bits: 8, granularity: "tensor" }, true],
  ["4-bit symmetric per class", { kind: "uniform", bits: 4, granularity: "class" }, false],
  ["8-bit affine per feature (int16 weights)", {
    kind: "uniform",
    scheme: "affine",
    bits: 8,
    granularity: "feature",
  }, false],
  ["4-bit log2 per class (powers of two)", { kind: "log2", bits: 4, granularity: "class" }, true],
  ["5-bit log2 per class (int16 weights)", { kind: "log2", bits: 5, granularity: "class" }, false],
];

for (const [name, method, standardise] of integerCases) {
  Deno.test(`a calibrated model runs integer-only on the integer kernel, bit for bit (${name})`, () => {
    const model = standardise ? standardised : raw;
    // Inputs are calibrated raw (before any standardisation), so digits' pixel counts get uint8
    // codes either way; int8 inputs are checked on their own below.
    const q = calibrateInput(quantizeModel(model, { method }), digits.x);
    const m = prepareIntegerModel(q);
    using p = prepareQuantizedPredictor(q);
    assert.equal(p.kernel, "integer");
    for (const x of [digits.x, x32]) {
      const want = integerDecisionFunction(m, x, { backend: "ts" });
      assert.deepEqual(p.decisionFunction(x), want, `${x.data.constructor.name} inputs`);
      assert.deepEqual(quantizedDecisionFunction(q, x), want, "one shot");
      assert.deepEqual(integerDecisionFunction(m, x, { backend: "wasm", threads: 2 }), want);
    }
    const codes = quantizeInputs(m, digits.x);
    const fromCodes = integerScoresFromCodes(m, codes, digits.x.rows, { backend: "ts" });
    assert.deepEqual(p.decisionFunctionFromCodes(codes, digits.x.rows), fromCodes);
    assert.deepEqual(integerScoresFromCodes(m, codes, digits.x.rows), fromCodes);
    // Codes written into kernel memory are scored where they are.
    const buffer = p.inputBuffer(digits.x.rows) as Uint8Array;
    buffer.set(new Uint8Array(codes.buffer, codes.byteOffset, codes.length));
    assert.deepEqual(p.decisionFunctionFromCodes(buffer, digits.x.rows), fromCodes);
    // A fractional count of samples is refused, as integerScoresFromCodes refuses it (0.5
    // samples of 128 codes passed the length check and gave a malformed matrix).
    const d = digits.x.cols;
    for (const n of [0.5, -1]) {
      assert.throws(
        () => p.decisionFunctionFromCodes(codes.subarray(0, n * d), n),
        /nSamples must be a non-negative integer/,
      );
    }
  });
}

/** Scores of the lookup or dense kernels against the dequantized model in float64. */
function assertAgreesWithDequantized(q: QuantizedModel, label: string) {
  const deq = dequantizeModel(q);
  const { weights, bias } = foldPreprocessing(deq);
  const want = decisionFunction(deq, x32, { backend: "ts" }).data;
  const got = quantizedDecisionFunction(q, x32, { backend: "wasm" }).data;
  // One more rounding for the per-feature input scale of standardised lookup models.
  assertWithinFloat32(got, want, magnitudes(weights, bias, x32), 64, label, 10);
}

const lookupCases: [string, QuantizationMethod, boolean][] = [
  ["4-bit k-means per tensor", { kind: "kmeans", bits: 4 }, false],
  ["4-bit k-means per class", { kind: "kmeans", bits: 4, granularity: "class" }, false],
  ["3-bit k-means, standardised inputs", { kind: "kmeans", bits: 3 }, true],
  ["4-bit symmetric per class, not calibrated", {
    kind: "uniform",
    bits: 4,
    granularity: "class",
  }, false],
  ["2-bit log2, standardised inputs", { kind: "log2", bits: 2 }, true],
  // Affine codes, whose zero points are not 0: the symmetric cases above cannot tell a zero point
  // subtracted from one added.
  ["4-bit affine per class, not calibrated", {
    kind: "uniform",
    scheme: "affine",
    bits: 4,
    granularity: "class",
  }, false],
  ["3-bit affine per tensor, standardised inputs", {
    kind: "uniform",
    scheme: "affine",
    bits: 3,
    granularity: "tensor",
  }, true],
];

for (const [name, method, standardise] of lookupCases) {
  Deno.test(`low-bit codes run on the packed 4-bit lookup kernel (${name})`, () => {
    const q = quantizeModel(standardise ? standardised : raw, { method });
    const t = q.weights;
    if (t.kind === "uniform" && t.scheme === "affine") assert.ok(t.zeroPoint.some((z) => z !== 0));
    using p = prepareQuantizedPredictor(q);
    assert.equal(p.kernel, "lookup");
    assertAgreesWithDequantized(q, name);
    const deq = dequantizeModel(q);
    assert.deepEqual(
      p.decisionFunction(digits.x),
      decisionFunction(deq, digits.x, { backend: "ts" }),
      "float64 inputs take the float64 reference",
    );
  });
}

Deno.test("masked weights of a codebook model read 0 on the lookup kernel", () => {
  const pruned = pruneModel(raw, { fraction: 0.8 });
  const q = quantizeModel(pruned, { method: { kind: "kmeans", bits: 3 } });
  using p = prepareQuantizedPredictor(q);
  assert.equal(p.kernel, "lookup");
  assertAgreesWithDequantized(q, "masked k-means");
});

Deno.test("masked weights read 0 on the lookup kernel when only some classes have a 0 level", () => {
  // 3-bit affine per class: the code of 0 is each class's zero point, which differs between
  // classes, so masked weights must point at a 0 entry of every class's table (the padding
  // entry 8). One that was 0 for the first class only passed every test of this file.
  const pruned = pruneModel(raw, { fraction: 0.6 });
  const q = quantizeModel(pruned, {
    method: { kind: "uniform", scheme: "affine", bits: 3, granularity: "class" },
  });
  assert.ok(q.weights.kind === "uniform");
  assert.ok(new Set(q.weights.zeroPoint).size > 1, "zero points that differ between classes");
  using p = prepareQuantizedPredictor(q);
  assert.equal(p.kernel, "lookup");
  assertAgreesWithDequantized(q, "masked affine per class");
  // At 4 bits the 16 entries are all levels, none is 0 for every class and no padding is left:
  // no 4-bit index can stand for the masked weights, so the float kernels run.
  const q4 = quantizeModel(pruned, {
    method: { kind: "uniform", scheme: "affine", bits: 4, granularity: "class" },
  });
  assert.ok(q4.weights.kind === "uniform" && new Set(q4.weights.zeroPoint).size > 1);
  using p4 = prepareQuantizedPredictor(q4);
  assert.equal(p4.kernel, "dense");
  assertAgreesWithDequantized(q4, "masked 4-bit affine per class");
});

Deno.test("other quantized weights run the float kernels on their dequantized values", () => {
  const cases: [string, QuantizationMethod][] = [
    ["float16", { kind: "float16" }],
    ["8-bit per feature, not calibrated", { kind: "uniform", bits: 8, granularity: "feature" }],
    // Per class, but above 4 bits: more codes than the lookup kernel's 16-entry tables hold.
    ["8-bit per class, not calibrated", { kind: "uniform", bits: 8 }],
    ["5-bit log2 per class, not calibrated", { kind: "log2", bits: 5 }],
    // Few enough codes for the lookup kernel, but its tables are per tensor or per class: a
    // per-feature scale cannot live in a class's table.
    ["4-bit per feature, not calibrated", { kind: "uniform", bits: 4, granularity: "feature" }],
    ["3-bit affine per feature", {
      kind: "uniform",
      scheme: "affine",
      bits: 3,
      granularity: "feature",
    }],
    ["2-bit log2 per feature", { kind: "log2", bits: 2, granularity: "feature" }],
    ["6-bit k-means", { kind: "kmeans", bits: 6 }],
  ];
  for (const [name, method] of cases) {
    const q = quantizeModel(raw, { method });
    using p = prepareQuantizedPredictor(q);
    assert.equal(p.kernel, "dense", name);
    assertAgreesWithDequantized(q, name);
    assert.throws(() => p.decisionFunctionFromCodes(new Uint8Array(64), 1), /only an integer-only/);
  }
});

Deno.test("quantized probabilities sum to one and predictions follow the scores", () => {
  for (
    const q of [
      calibrateInput(quantizeModel(raw), digits.x),
      quantizeModel(raw, { method: { kind: "kmeans", bits: 4 } }),
    ]
  ) {
    const proba = quantizedPredictProba(q, x32);
    const classes = quantizedPredict(q, x32);
    for (let i = 0; i < x32.rows; i++) {
      let s = 0, best = 0;
      for (let c = 0; c < 10; c++) {
        s += proba.data[i * 10 + c];
        if (proba.data[i * 10 + c] > proba.data[i * 10 + best]) best = c;
      }
      assert.ok(Math.abs(s - 1) < 1e-12);
      assert.equal(classes[i], best);
    }
  }
  const p = prepareQuantizedPredictor(quantizeModel(raw));
  p.close();
  assert.throws(() => p.predict(x32), /closed/);
});

Deno.test("a quantized predictor's input buffer is refused in its own words, closed or not", () => {
  // A closed predictor refused an input buffer as "Cannot compute scores", though nothing was
  // being scored; 2^31 rows passed its check, then the kernel scorer's refused them as "Cannot
  // make an input buffer" (the TypeScript path tried to allocate them).
  const closedMessage = "Cannot make an input buffer: the predictor is closed";
  for (
    const q of [
      calibrateInput(quantizeModel(raw), digits.x),
      quantizeModel(raw, { method: { kind: "kmeans", bits: 4 } }),
      quantizeModel(raw, { method: { kind: "float16" } }),
    ]
  ) {
    for (const backend of ["wasm", "ts"] as const) {
      const p = prepareQuantizedPredictor(q, { backend });
      const what = `${p.kernel} ${backend}`;
      for (const rows of [2.5, -1, 2 ** 31]) {
        assert.throws(() => p.inputBuffer(rows), {
          name: "RangeError",
          message:
            `Cannot make an input buffer: rows must be an integer in [0, 2147483647], got ${rows}`,
        }, what);
      }
      p.close();
      assert.throws(() => p.inputBuffer(4), { name: "RangeError", message: closedMessage }, what);
      assert.throws(() => p.decisionFunction(x32), {
        name: "RangeError",
        message: "Cannot compute scores: the predictor is closed",
      }, what);
    }
  }
});

Deno.test("int8 codes score exactly from kernel memory and on the TypeScript predictor", () => {
  // Mutation audit: every calibrated case above has raw pixel counts, so uint8 codes and int8 or
  // int16 weights; scoring codes on a `backend: "ts"` predictor with the unpacked weights, a
  // `"ts"` predictor built on the WebAssembly kernel, and int8 codes in kernel memory read as
  // bytes all passed. Oracle: the definition, bias + sum_j xq[j] * weight code (symmetric grids
  // and int8 inputs have zero points 0), summed exactly with BigInt.
  const shifted = { ...digits.x, data: digits.x.data.map((v) => v - 8) };
  const model = fit(shifted, digits.y, { preprocessing: "none", optimizer: lbfgs }).model;
  const q = calibrateInput(quantizeModel(model), shifted);
  assert.ok(q.input?.dtype === "int8" && q.input.zeroPoint === 0 && q.bias.kind === "int32");
  const t = q.weights;
  assert.ok(t.kind === "uniform" && t.scheme === "symmetric");
  const m = prepareIntegerModel(q);
  const codes = quantizeInputs(m, shifted) as Int8Array;
  assert.ok(codes.some((v) => v < 0), "negative input codes");
  const { rows: n, cols: d } = shifted, k = m.nOutputs;
  const want = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let acc = BigInt(q.bias.values[c]);
      for (let j = 0; j < d; j++) acc += BigInt(codes[i * d + j]) * BigInt(t.codes[c * d + j]);
      want[i * k + c] = Number(acc) * q.bias.scale[c];
    }
  }
  {
    using p = prepareQuantizedPredictor(q);
    assert.equal(p.kernel, "integer");
    const buffer = p.inputBuffer(n) as Uint8Array;
    new Int8Array(buffer.buffer, buffer.byteOffset, n * d).set(codes);
    assert.deepEqual(p.decisionFunctionFromCodes(buffer, n).data, want, "kernel memory");
    assert.deepEqual(p.decisionFunctionFromCodes(codes, n).data, want, "copied codes");
  }
  using ts = prepareQuantizedPredictor(q, { backend: "ts" });
  assert.deepEqual([ts.kernel, ts.path], ["ts", "ts"]);
  assert.deepEqual(ts.decisionFunctionFromCodes(codes, n).data, want, "TypeScript predictor");
  assert.deepEqual(ts.decisionFunction(shifted).data, want, "TypeScript predictor, floats");
  // Its input buffer is bytes, as the kernel's (it was an Int8Array, typed as the Uint8Array the
  // interface promises), filled the same way and scored where it is.
  const bytes = ts.inputBuffer(n);
  assert.ok(bytes instanceof Uint8Array, bytes.constructor.name);
  new Int8Array(bytes.buffer, bytes.byteOffset, n * d).set(codes);
  assert.deepEqual(
    ts.decisionFunctionFromCodes(bytes, n).data,
    want,
    "TypeScript predictor memory",
  );
  // Other bytes are refused for int8 inputs, as the kernel refuses them.
  assert.throws(
    () => ts.decisionFunctionFromCodes(Uint8Array.from(bytes), n),
    { name: "TypeError", message: /codes must be an Int8Array/ },
  );
});

Deno.test("a calibrated model whose integer weights need int32 runs on the TypeScript reference", () => {
  // 16-bit affine codes minus their zero points span up to 65535: no int8 or int16 kernel.
  const q = calibrateInput(
    quantizeModel(raw, { method: { kind: "uniform", scheme: "affine", bits: 16 } }),
    digits.x,
  );
  const m = prepareIntegerModel(q);
  assert.ok(m.weights instanceof Int32Array);
  using p = prepareQuantizedPredictor(q);
  assert.equal(p.kernel, "ts");
  assert.equal(p.path, "ts");
  const want = integerDecisionFunction(m, digits.x, { backend: "ts" });
  assert.deepEqual(p.decisionFunction(digits.x), want);
  assert.deepEqual(p.decisionFunction(x32), integerDecisionFunction(m, x32, { backend: "ts" }));
  const codes = quantizeInputs(m, digits.x);
  assert.deepEqual(
    p.decisionFunctionFromCodes(codes, digits.x.rows),
    integerScoresFromCodes(m, codes, digits.x.rows, { backend: "ts" }),
  );
});

Deno.test("an integer-only model refuses NaN and infinity in x in one wording on every backend", () => {
  // The kernels said "Cannot compute scores" where the reference said "compute integer scores".
  const q = calibrateInput(quantizeModel(raw), digits.x);
  const im = prepareIntegerModel(q);
  assert.ok(!(im.weights instanceof Int32Array)); // the integer kernel takes it
  for (const bad of [NaN, Infinity, -Infinity]) {
    const x = { ...x32, data: x32.data.slice(0, 3 * 64), rows: 3 };
    x.data[64 + 5] = bad;
    const where = `x holds ${bad} at row 1, column 5`;
    for (const backend of ["wasm", "ts", "auto"] as const) {
      const calls: [string, () => unknown][] = [
        ["quantizedDecisionFunction", () => quantizedDecisionFunction(q, x, { backend })],
        ["quantizedPredictProba", () => quantizedPredictProba(q, x, { backend })],
        ["quantizedPredict", () => quantizedPredict(q, x, { backend })],
        ["integerDecisionFunction", () => integerDecisionFunction(im, x, { backend })],
        ["integerPredict", () => integerPredict(im, x, { backend })],
        ["quantizedReference", () => quantizedReferenceDecisionFunction(q, x, { backend })],
      ];
      for (const [name, call] of calls) {
        assert.throws(call, {
          name: "RangeError",
          message: `Cannot compute integer scores: ${where}`,
        }, `${name}, ${backend}, ${bad}`);
      }
      using p = prepareQuantizedPredictor(q, { backend });
      assert.equal(p.kernel, backend === "ts" ? "ts" : "integer");
      for (const call of [() => p.decisionFunction(x), () => p.predict(x)]) {
        assert.throws(call, {
          name: "RangeError",
          message: `Cannot compute scores: ${where}`,
        }, `predictor, ${backend}, ${bad}`);
      }
    }
  }
});

Deno.test("changes to a quantized model's preprocessing or input grid do not reach its predictor", () => {
  const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
  const x = { data: digits.x.data.slice(0, 20 * 64), rows: 20, cols: 64 };
  // Standardised k-means: the lookup kernel, float64 rows scored on the reference.
  const kmeans = quantizeModel(model, { method: { kind: "kmeans", bits: 4 } });
  assert.equal(kmeans.preprocessing.kind, "standardize");
  using lookup = prepareQuantizedPredictor(kmeans);
  assert.equal(lookup.kernel, "lookup");
  const expected = decisionFunction(dequantizeModel(kmeans), x, { backend: "ts" }).data;
  assert.deepEqual(lookup.decisionFunction(x).data, expected);
  if (kmeans.preprocessing.kind === "standardize") kmeans.preprocessing.mean.fill(100);
  assert.deepEqual(lookup.decisionFunction(x).data, expected);
  // Integer-only on the reference: the input zero point read on every call.
  const raw = fit(digits.x, digits.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 20 },
  }).model;
  const integer = calibrateInput(quantizeModel(raw), digits.x);
  using reference = prepareQuantizedPredictor(integer, { backend: "ts" });
  const scores = integerDecisionFunction(prepareIntegerModel(integer), x, { backend: "ts" }).data;
  assert.deepEqual(reference.decisionFunction(x).data, scores);
  (integer.input as { zeroPoint: number }).zeroPoint += 7;
  assert.deepEqual(reference.decisionFunction(x).data, scores);
});

Deno.test("prepareQuantizedPredictor refuses at prepare a standardisation whose fold overflows float64, on every backend", () => {
  // The fold divides feature 10's weights, and its share of the bias, by a scale of 1e-308: past
  // float64's 1.8e308 wherever they exceed 1.8. The lookup kernels folded per call, so scoring was
  // the first to refuse it, after a prepare that succeeded.
  const p = standardised.preprocessing;
  assert.equal(p.kind, "standardize");
  const scale = Float64Array.from(p.scale, (v, j) => j === 10 ? 1e-308 : v);
  const model = { ...standardised, preprocessing: { ...p, scale } };
  const methods: QuantizationMethod[] = [
    { kind: "kmeans", levels: 16 },
    { kind: "uniform", bits: 4, granularity: "class" },
  ];
  for (const method of methods) {
    const q = quantizeModel(model, { method });
    for (const backend of ["auto", "wasm", "ts"] as const) {
      assert.throws(
        () => prepareQuantizedPredictor(q, { backend }),
        (e: unknown) =>
          e instanceof RangeError &&
          /^Cannot prepare predictor: the standardisation folded into the (bias|weights) makes/
            .test(e.message),
        `${method.kind} ${backend}`,
      );
    }
  }
});
