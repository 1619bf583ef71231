import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import {
  calibrateInput,
  createFakeQuantizer,
  dequantizeModel,
  dequantizeTensor,
  quantizationAwareTraining,
  type QuantizationMethod,
  quantizedModelFromJson,
  quantizedModelToJson,
  quantizedSize,
  quantizeModel,
  quantizeTensor,
} from "../../lib/quant/mod.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";

const digits = await loadEmbedded("digits");
const { model } = fit(digits.x, digits.y, {
  classes: digits.classes,
  optimizer: { kind: "lbfgs", maxIterations: 40 },
});

const METHODS: QuantizationMethod[] = [
  { kind: "uniform", bits: 8 },
  { kind: "uniform", scheme: "affine", bits: 3, granularity: "feature" },
  { kind: "uniform", bits: 1, granularity: "tensor" },
  { kind: "uniform", bits: 12, calibration: { kind: "minmax" } },
  { kind: "log2", bits: 4 },
  { kind: "kmeans", bits: 4 },
  { kind: "kmeans", levels: 5, granularity: "class", init: "linear" },
  { kind: "float16" },
];

Deno.test("a quantized model keeps the float model's metadata and its dequantized weights", () => {
  for (const method of METHODS) {
    const q = quantizeModel(model, { method });
    assert.equal(q.kind, "quantized-logistic-regression");
    assert.deepEqual(q.classes, model.classes);
    assert.deepEqual(q.featureNames, model.featureNames);
    assert.equal(q.preprocessing, model.preprocessing);
    const back = dequantizeModel(q);
    assert.deepEqual(back.weights, dequantizeTensor(quantizeTensor(model.weights, { method })));
    assert.deepEqual(back.bias, Float64Array.from(Float32Array.from(model.bias)));
  }
});

type Float16View = DataView & { getFloat16(offset: number, littleEndian: boolean): number };

/**
 * The value of element (i, j) of a quantized tensor by the table of `types.ts`, written out here
 * (float16 through DataView's getFloat16): an oracle that shares no code with dequantizeInto.
 */
function valueByTable(t: QuantizedModel["weights"], i: number, j: number): number {
  const q = t.codes[i * t.cols + j];
  const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
  switch (t.kind) {
    case "uniform":
      return t.scale[g] * (q - t.zeroPoint[g]);
    case "log2":
      return q === 0 ? 0 : Math.sign(q) * t.scale[g] * 2 ** -(Math.abs(q) - 1);
    case "codebook":
      return t.codebook[g * t.levels + q];
    case "float16": {
      const view = new DataView(new ArrayBuffer(2)) as Float16View;
      view.setUint16(0, q, true);
      return view.getFloat16(0, true);
    }
  }
}

Deno.test("dequantized weights and biases are the values the codes stand for, worked element by element", () => {
  // The test above compares dequantizeModel with dequantizeTensor, which share dequantizeInto: a
  // zero point added instead of subtracted there passed it (and every test of this file).
  const more: QuantizationMethod[] = [
    { kind: "uniform", scheme: "affine", bits: 4, granularity: "class" },
    { kind: "uniform", scheme: "affine", bits: 10, granularity: "tensor" },
    { kind: "log2", bits: 3, granularity: "feature" },
    { kind: "uniform", bits: 5, granularity: "feature" },
  ];
  for (const method of [...METHODS, ...more]) {
    const q = quantizeModel(model, { method });
    const t = q.weights;
    if (t.kind === "uniform" && t.scheme === "affine") {
      assert.ok(t.zeroPoint.some((z) => z !== 0), "an affine zero point that is not 0");
    }
    const w = dequantizeModel(q).weights;
    assert.equal(w.rows, 10);
    assert.equal(w.cols, 64);
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 64; j++) {
        const want = valueByTable(t, i, j) + 0;
        assert.ok(Object.is(w.data[i * 64 + j], want), `${JSON.stringify(method)} (${i}, ${j})`);
      }
    }
  }
  // An int32 bias stands for value x scale, each output at its own scale.
  const calibrated = calibrateInput(quantizeModel(model), digits.x);
  const b = calibrated.bias;
  assert.ok(b.kind === "int32");
  assert.ok(new Set(b.scale).size > 1, "per-output bias scales that differ");
  assert.deepEqual(
    dequantizeModel(calibrated).bias,
    Float64Array.from({ length: 10 }, (_, c) => b.values[c] * b.scale[c]),
  );
  const f64 = quantizeModel(model, { bias: "float64" });
  assert.deepEqual(dequantizeModel(f64).bias, model.bias);
});

Deno.test("the size report counts bit-packed codes, parameters and bias", () => {
  const n = 640, groupsClass = 10, groupsFeature = 64;
  const cases: [QuantizationMethod, number, number][] = [
    [{ kind: "uniform", bits: 8, granularity: "class" }, n, 4 * groupsClass],
    [{ kind: "uniform", bits: 3, granularity: "tensor" }, Math.ceil(n * 3 / 8), 4],
    [
      { kind: "uniform", scheme: "affine", bits: 4, granularity: "feature" },
      n / 2,
      5 * groupsFeature,
    ],
    [
      { kind: "uniform", scheme: "affine", bits: 10, granularity: "class" },
      n * 10 / 8,
      6 * groupsClass,
    ],
    // The zero point takes 1 byte up to 8 bits, 2 from 9 (a bound off by one passed the 4 and
    // 10-bit cases alone).
    [
      { kind: "uniform", scheme: "affine", bits: 8, granularity: "class" },
      n,
      5 * groupsClass,
    ],
    [
      { kind: "uniform", scheme: "affine", bits: 9, granularity: "class" },
      n * 9 / 8,
      6 * groupsClass,
    ],
    [{ kind: "log2", bits: 3, granularity: "class" }, Math.ceil(n * 3 / 8), 4 * groupsClass],
    [{ kind: "kmeans", levels: 5 }, Math.ceil(n * 3 / 8), 4 * 5],
    // One codebook of 5 float32 entries per class.
    [
      { kind: "kmeans", levels: 5, granularity: "class" },
      Math.ceil(n * 3 / 8),
      4 * 5 * groupsClass,
    ],
    [{ kind: "float16" }, 2 * n, 0],
  ];
  for (const [method, codeBytes, parameterBytes] of cases) {
    const s = quantizedSize(quantizeModel(model, { method }));
    assert.equal(s.codeBytes, codeBytes, JSON.stringify(method));
    assert.equal(s.parameterBytes, parameterBytes, JSON.stringify(method));
    assert.equal(s.weightBytes, codeBytes + parameterBytes);
    assert.equal(s.biasBytes, 40);
    assert.equal(s.bias, "float32");
    assert.equal(s.float32WeightBytes, 4 * n);
    assert.equal(s.maskBytes, 0);
    assert.equal(s.inputBytes, 0);
    assert.equal(s.totalBytes, s.weightBytes + 40);
  }
  // A pruned model carries its mask as a bitmap: ceil(640 / 8) = 80 bytes, in the total too.
  const mask = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const pruned: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v, i) => (mask[i] ? v : 0)) },
    mask,
  };
  const masked = quantizedSize(quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } }));
  assert.equal(masked.maskBytes, 80);
  assert.equal(masked.weightBytes, n / 2 + 4 * groupsClass);
  assert.equal(masked.totalBytes, n / 2 + 4 * groupsClass + 40 + 80);
  // 13 weights, 4 of them pruned: ceil(13 / 8) = 2 mask bytes, ceil(13 x 4 / 8) = 7 code bytes,
  // one float32 scale, one float32 bias.
  const w13 = Float64Array.from({ length: 13 }, (_, j) => (j % 3 === 0 ? 0 : (j - 6) / 4));
  const small: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: w13, rows: 1, cols: 13 },
    bias: Float64Array.of(0.5),
    classes: ["no", "yes"],
    featureNames: Array.from({ length: 13 }, (_, j) => `f${j}`),
    preprocessing: { kind: "none" },
    mask: Uint8Array.from(w13, (_, j) => (j % 3 === 0 ? 0 : 1)),
  };
  const odd = quantizedSize(quantizeModel(small, { method: { kind: "uniform", bits: 4 } }));
  assert.deepEqual(
    [odd.codeBytes, odd.parameterBytes, odd.biasBytes, odd.maskBytes, odd.totalBytes],
    [7, 4, 4, 2, 7 + 4 + 4 + 2],
  );
  const f64 = quantizedSize(quantizeModel(model, { bias: "float64" }));
  assert.equal(f64.biasBytes, 80);
  const int = quantizedSize(calibrateInput(quantizeModel(model), digits.x));
  assert.equal(int.bias, "int32");
  assert.equal(int.biasBytes, 40);
  assert.equal(int.inputBytes, 5);
});

Deno.test("pruned weights stay exactly zero and do not steer calibration", () => {
  const mask = new Uint8Array(640).fill(1);
  for (let i = 0; i < 640; i += 2) mask[i] = 0;
  const pruned: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v, i) => (mask[i] ? v : 0)) },
    mask,
  };
  for (const method of METHODS) {
    const q = quantizeModel(pruned, { method });
    const back = dequantizeModel(q);
    assert.deepEqual(back.mask, mask);
    for (let i = 0; i < 640; i++) if (!mask[i]) assert.ok(Object.is(back.weights.data[i], 0));
  }
  // k-means with the zeros excluded: every centroid serves kept weights
  const q = quantizeModel(pruned, { method: { kind: "kmeans", bits: 2 } });
  assert.ok(q.weights.kind === "codebook");
  const used = new Set<number>();
  for (let i = 0; i < 640; i++) if (mask[i]) used.add(q.weights.codes[i]);
  assert.equal(used.size, 4);
});

Deno.test("the JSON form round-trips exactly and rebuilds the prescribed typed arrays", () => {
  for (const method of METHODS) {
    const q = quantizeModel(model, { method });
    const back = quantizedModelFromJson(quantizedModelToJson(q));
    assert.deepEqual(back, q, JSON.stringify(method));
  }
  const calibrated = calibrateInput(quantizeModel(model), digits.x);
  assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(calibrated)), calibrated);
});

Deno.test("fields another kind of tensor has are left out when reading, so the model writes back", () => {
  // They were kept: a float16 tensor read with a scale held a Float32Array, written back as an
  // object ({"0": 1}) that the reader refused ("weights.scale must be an array of numbers").
  const stray = { scale: [1], zeroPoint: [0], codebook: [0.5, 1], levels: 2, scheme: "affine" };
  for (const method of METHODS) {
    const q = quantizeModel(model, { method });
    const o = JSON.parse(quantizedModelToJson(q));
    for (const [key, value] of Object.entries(stray)) o.weights[key] ??= value;
    const read = quantizedModelFromJson(JSON.stringify(o));
    assert.deepEqual(read, q, JSON.stringify(method));
    assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(read)), q, JSON.stringify(method));
  }
});

Deno.test("a -0 weight left as a k-means centroid does not make the JSON round trip inexact", () => {
  // k-means++ starts from weights; a centroid still at a -0 weight (no iterations, or a cluster
  // that never got a member) was stored as -0, which JSON writes as 0.
  const signed: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((w, i) => (i < 40 ? -0 : w)) },
  };
  for (const init of ["kmeans++", "linear"] as const) {
    const q = quantizeModel(signed, {
      method: { kind: "kmeans", levels: 64, init, maxIterations: 0, seed: 3 },
    });
    assert.ok(q.weights.kind === "codebook");
    assert.ok(!q.weights.codebook.some((c) => Object.is(c, -0)), init);
    assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(q)), q, init);
  }
});

Deno.test("dequantizeModel gives 0, not -0, for a float16 -0 pattern and a codebook entry -0", () => {
  // 0x8000 is binary16's -0 and a codebook may hold -0 (strictly ascending: -1 < -0 < 1); JSON
  // writes -0 as 0, so a dequantized -0 made the float model's JSON round trip inexact.
  const base = quantizeModel(model, { method: { kind: "float16" } });
  const n = base.weights.rows * base.weights.cols;
  const tensors: QuantizedModel["weights"][] = [
    {
      kind: "float16",
      bits: 16,
      granularity: "tensor",
      rows: base.weights.rows,
      cols: base.weights.cols,
      codes: new Uint16Array(n).fill(0x8000),
    },
    {
      kind: "codebook",
      bits: 2,
      levels: 3,
      granularity: "tensor",
      rows: base.weights.rows,
      cols: base.weights.cols,
      codes: new Uint8Array(n).fill(1),
      codebook: Float32Array.of(-1, -0, 1),
    },
  ];
  for (const weights of tensors) {
    const w = dequantizeModel({ ...base, weights }).weights.data;
    assert.ok(w.every((v) => Object.is(v, 0)), weights.kind);
  }
});

Deno.test("a -0 in the float model's standardisation mean does not make the JSON round trip inexact", () => {
  // The mean was passed on as it was, and JSON writes -0 as 0 (the bias was already cleared).
  const mean = Float64Array.from({ length: model.weights.cols }, (_, j) => (j % 2 ? 0.5 : -0));
  const signed: LogisticModel = {
    ...model,
    preprocessing: { kind: "standardize", mean, scale: new Float64Array(mean.length).fill(2) },
  };
  const q = quantizeModel(signed, { method: { kind: "uniform", bits: 4 } });
  assert.ok(q.preprocessing.kind === "standardize");
  assert.ok(!q.preprocessing.mean.some((m) => Object.is(m, -0)));
  assert.deepEqual([...q.preprocessing.mean], [...mean].map((m) => m + 0));
  assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(q)), q);
  assert.ok(Object.is(mean[0], -0), "the float model is left as it was");
});

Deno.test("reading a damaged quantized model fails with a SyntaxError naming the problem", () => {
  const text = quantizedModelToJson(quantizeModel(model, { method: { kind: "uniform", bits: 4 } }));
  const o = JSON.parse(text);
  type Json = {
    kind: string;
    weights: { codes: number[]; scale: number[]; scheme: string };
    bias: { values: number[] };
  };
  const bad = (mutate: (o: Json) => void, pattern: RegExp) => {
    const copy = JSON.parse(text);
    mutate(copy);
    assert.throws(
      () => quantizedModelFromJson(JSON.stringify(copy)),
      (e: Error) => e instanceof SyntaxError && pattern.test(e.message),
    );
  };
  assert.throws(() => quantizedModelFromJson("{"), SyntaxError);
  bad((o) => (o.kind = "logistic-regression"), /not a quantized-logistic-regression/);
  bad((o) => (o.weights.codes[3] = 300), /weights.codes\[3\] is 300, not representable/);
  bad((o) => (o.weights.codes[3] = 9), /code 9 at index 3 is outside -7..7/);
  bad((o) => (o.weights.scale[0] = 0), /scale\[0\] is 0/);
  bad(
    (o) => (o.weights.scheme = "affine"),
    /weights.codes\[[0-9]+\] is -[0-9]+, not representable/,
  );
  bad((o) => (o.bias.values = [1]), /bias values must be a Float32Array of 10 entries/);
  assert.throws(
    () => quantizedModelFromJson(JSON.stringify({ ...o, version: 99 })),
    /version 99/,
  );
});

Deno.test("bad models and options get clear errors", () => {
  const nan = { ...model, weights: { ...model.weights, data: model.weights.data.slice() } };
  nan.weights.data[70] = NaN;
  assert.throws(
    () => quantizeModel(nan),
    /^RangeError: Cannot quantize model: weights holds NaN at row 1, column 6$/,
  );
  assert.throws(
    () => quantizeModel(model, { method: { kind: "uniform", bits: 0 } }),
    /bits must be an integer in \[1, 16\], got 0/,
  );
  assert.throws(
    () => quantizeModel(model, { method: { kind: "kmeans", levels: 700 } }),
    /k-means with 700 levels needs at least 700 distinct weights/,
  );
  assert.throws(
    () => quantizeModel(model, { bias: "int8" as "float32" }),
    /bias must be float32 or float64/,
  );
  // The recipe's training must be a string, or the model would fail its own validation later.
  assert.throws(() => quantizeModel(model, { training: 5 as unknown as string }), {
    name: "TypeError",
    message: "Cannot quantize model: training must be a string, got number 5",
  });
  assert.throws(() => dequantizeModel({} as never), TypeError);
});

Deno.test("a bias beyond the float32 range is refused for a float32 bias, not stored as infinity", () => {
  // It was stored as Infinity: a model its own validation refused at every later use.
  const big = (bias: number[]): LogisticModel => ({ ...model, bias: Float64Array.from(bias) });
  const bias = new Array(model.bias.length).fill(0);
  // float32's largest value is (2 - 2^-23) x 2^127; 1e39 and 1e300 are past it, 3.4e38 is not.
  const max = (2 - 2 ** -23) * 2 ** 127;
  bias[3] = -1e39;
  assert.throws(() => quantizeModel(big(bias)), {
    name: "RangeError",
    message:
      'Cannot quantize model: bias[3] is -1e+39, beyond the float32 range; use bias: "float64"',
  });
  bias[3] = 0;
  bias[7] = 1e300;
  assert.throws(() => quantizeModel(big(bias)), /^RangeError: Cannot quantize model: bias\[7\]/);
  // float64 keeps it, and the model passes its own checks.
  const wide = quantizeModel(big(bias), { bias: "float64" });
  assert.equal(dequantizeModel(wide).bias[7], 1e300);
  bias[7] = max;
  const edge = quantizeModel(big(bias));
  assert.equal(edge.bias.values[7], max);
  assert.equal(dequantizeModel(edge).bias[7], max);
});

Deno.test("the quantized-model reader refuses the next version as newer, and zero points and int32 biases that are not integers", () => {
  // Found by mutation: reading only versions beyond 2 as newer passed (version 2 was still
  // refused, but as a malformed model), and so did reading zero points with Int32Array.from,
  // which truncates 1.5 to 1 without a word (and int32 bias values likewise). The messages are written out from the reader.
  const text = quantizedModelToJson(
    quantizeModel(model, {
      method: { kind: "uniform", scheme: "affine", bits: 3, granularity: "feature" },
    }),
  );
  const o = JSON.parse(text);
  assert.throws(
    () => quantizedModelFromJson(JSON.stringify({ ...o, version: 2 })),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot read quantized model: it has version 2, this lrcompress reads up to 1",
  );
  for (const bad of [1.5, 2 ** 31]) {
    const copy = JSON.parse(text);
    copy.weights.zeroPoint[2] = bad;
    assert.throws(
      () => quantizedModelFromJson(JSON.stringify(copy)),
      (e: Error) =>
        e instanceof SyntaxError &&
        e.message ===
          `Cannot read quantized model: weights.zeroPoint[2] is ${bad}, not representable in its type`,
    );
  }
  // The same for an int32 bias (calibrated input): 0.5 was truncated to 0.
  const calibrated = JSON.parse(
    quantizedModelToJson(calibrateInput(quantizeModel(model), digits.x)),
  );
  assert.equal(calibrated.bias.kind, "int32");
  calibrated.bias.values[4] = 0.5;
  assert.throws(
    () => quantizedModelFromJson(JSON.stringify(calibrated)),
    (e: Error) =>
      e instanceof SyntaxError &&
      e.message ===
        "Cannot read quantized model: bias.values[4] is 0.5, not representable in its type",
  );
});

Deno.test("a method setting given at the top level says it goes in the method, not 'did you mean bias'", () => {
  const data = { x: digits.x, y: digits.y };
  const w = fromRows([[0.5, -0.25], [1, 0]]);
  const cases: [string, () => unknown][] = [
    ["quantize model", () => quantizeModel(model, { bits: 4 } as never)],
    ["quantize weights", () => quantizeTensor(w, { bits: 4 } as never)],
    ["create fake quantizer", () => createFakeQuantizer(w, { bits: 4 } as never)],
    ["train quantized model", () => quantizationAwareTraining(model, data, { bits: 4 } as never)],
  ];
  for (const [action, call] of cases) {
    assert.throws(call, {
      name: "TypeError",
      message: `Cannot ${action}: unknown option 'bits'; 'bits' is an option of the method: ` +
        `{ method: { kind: "uniform", bits: 4 } }`,
    });
  }
  // Under the kind given when it reads the key; a value that is no scalar is shown as "...".
  assert.throws(
    () => quantizeModel(model, { method: { kind: "kmeans" }, levels: [1, 2] } as never),
    {
      message: `Cannot quantize model: unknown option 'levels'; 'levels' is an option of the ` +
        `method: { method: { kind: "kmeans", levels: ... } }`,
    },
  );
  assert.throws(
    () => quantizeModel(model, { method: { kind: "log2" }, granularity: "class" } as never),
    {
      message: `Cannot quantize model: unknown option 'granularity'; 'granularity' is an option ` +
        `of the method: { method: { kind: "log2", granularity: "class" } }`,
    },
  );
  // QAT: an optimizer setting at the top level is placed under its default optimizer, Adam.
  assert.throws(() => quantizationAwareTraining(model, data, { epochs: 3 } as never), {
    message: `Cannot train quantized model: unknown option 'epochs'; 'epochs' is an option of ` +
      `the optimizer: { optimizer: { kind: "adam", epochs: 3 } }`,
  });
  // A key that no method reads still gets the nearest name.
  assert.throws(() => quantizeModel(model, { bas: "float64" } as never), {
    message: "Cannot quantize model: unknown option 'bas' (did you mean 'bias'?)",
  });
});
