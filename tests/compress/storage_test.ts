import assert from "node:assert/strict";
import {
  compactScale,
  compressModel,
  createCompressionSession,
  foldMeanIntoBias,
  prepareStorage,
  storeFloatModel,
} from "../../lib/compress/mod.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { splitSet } from "./_data.ts";

const cancer = await splitSet("breast-cancer");
const { model } = fit(cancer.train.x, cancer.train.y, {
  classes: cancer.train.classes,
  optimizer: { kind: "lbfgs", maxIterations: 100 },
});

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
  return m;
}

Deno.test("folding the mean into the bias keeps a quantized model's scores", () => {
  for (const bias of ["float32", "float64"] as const) {
    const q = quantizeModel(model, { method: { kind: "uniform", bits: 3 }, bias });
    const folded = foldMeanIntoBias(q);
    assert.ok(folded.preprocessing.kind === "standardize");
    assert.ok(folded.preprocessing.mean.every((m) => m === 0));
    assert.deepEqual(folded.weights, q.weights);
    const before = decisionFunction(asFloatModel(q), cancer.test.x).data;
    const after = decisionFunction(asFloatModel(folded), cancer.test.x).data;
    // The folded bias b' differs from the exact b - sum_j w_j mean_j / scale_j by one rounding
    // of b' (2^-24 relative in float32) plus float64 rounding of the sums.
    const p = q.preprocessing;
    assert.ok(p.kind === "standardize");
    const w = asFloatModel(q).weights.data;
    const b2 = asFloatModel(folded).bias[0];
    let terms = 0;
    for (let j = 0; j < w.length; j++) terms += Math.abs((w[j] * p.mean[j]) / p.scale[j]);
    const bound = (bias === "float32" ? 2 ** -24 * Math.abs(b2) : 0) + 1e-12 * (1 + terms);
    before.forEach((v, i) => assert.ok(Math.abs(v - after[i]) <= bound, `${bias} ${i}`));
    // A model without a mean to fold is returned as it is.
    assert.equal(foldMeanIntoBias(folded), folded);
  }
});

Deno.test("folding the mean is refused where the integer inputs depend on it", () => {
  const q = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 8 } }),
    cancer.train.x,
  );
  assert.throws(() => foldMeanIntoBias(q), /input quantization and int32 bias depend on centred/);
});

Deno.test("compact scales are float16 within 2^-11, float32 outside float16's normal range", () => {
  const scale = Float64Array.from([0.001, 0.37, 1, 3.3, 812.5, 60000]);
  const c = compactScale(scale);
  c.forEach((s, i) => {
    assert.equal(Math.f16round(s), s);
    assert.ok(Math.abs(s - scale[i]) <= scale[i] * 2 ** -11);
  });
  for (const v of [1e-6, 1e5]) {
    const s = compactScale(Float64Array.from([1, v]));
    assert.equal(s[1], Math.fround(v));
    assert.notEqual(Math.f16round(v), s[1]);
  }
});

Deno.test("compact scales outside float32's normal range are kept, not rounded to 0 or infinity", () => {
  for (const v of [1e-46, 2 ** -130, 1e40]) {
    const s = compactScale(Float64Array.from([1, v]));
    assert.deepEqual([...s], [1, v]);
  }
  // A feature whose spread is subnormal in float32: compact storage scores as the model does.
  const rows: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push([i % 7, ((i * 13) % 5) * 1e-46]);
    labels.push(i % 7 + (i * 13) % 5 > 5 ? 1 : 0);
  }
  const x = fromRows(rows), y = Int32Array.from(labels);
  const tiny = fit(x, y).model;
  const stored = storeFloatModel(tiny, "compact");
  const a = decisionFunction(tiny, x).data, b = decisionFunction(stored, x).data;
  assert.ok(maxRelativeDifference(a, b) < 1e-5);
  const run = compressModel({ x, y }, {
    model: tiny,
    validation: { x, y },
    prune: false,
    quantize: { method: { kind: "uniform", bits: 8 } },
  });
  assert.deepEqual(predict(asFloatModel(run.model), x), predict(tiny, x));
});

Deno.test("stored float models hold float32 values and files store them as float32", () => {
  for (const mode of ["fold", "compact", "keep"] as const) {
    const stored = storeFloatModel(model, mode);
    for (const w of stored.weights.data) assert.equal(Math.fround(w), w);
    for (const b of stored.bias) assert.equal(Math.fround(b), b);
    const { info } = inspectModelFile(encodeModel(stored));
    assert.equal(info.storage, "float32");
    assert.equal(info.bytes.weights, 4 * info.stored);
    const scores = decisionFunction(model, cancer.test.x).data;
    const prepared = prepareStorage(model, mode);
    const same = decisionFunction(prepared, cancer.test.x).data;
    // fold and keep are exact changes of form; compact rounds the scale (2^-11 relative)
    const tolerance = mode === "compact" ? 1e-2 : 1e-9;
    assert.ok(maxRelativeDifference(scores, same) <= tolerance, mode);
  }
});

Deno.test("auto storage keeps a float stage's preprocessing when folding it would change a prediction", async () => {
  // One feature with a large offset (10^6 + N(0, 1)): the folded float32 bias cancels large terms.
  const prng = createPrng(1);
  const n = 2000, d = 3;
  const x = new Float64Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = randomNormal(prng), b = randomNormal(prng), c = randomNormal(prng);
    x[i * d] = 1e6 + a;
    x[i * d + 1] = b;
    x[i * d + 2] = 50 + 10 * c;
    y[i] = a + 0.5 * b + 0.3 * randomNormal(prng) > 0 ? 1 : 0;
  }
  const part = (a: number, b: number) => ({
    x: { data: x.slice(a * d, b * d), rows: b - a, cols: d },
    y: y.slice(a, b),
  });
  const train = { ...part(0, 1500), classes: ["0", "1"], featureNames: ["f0", "f1", "f2"] };
  const model = fit(train.x, train.y, { classes: train.classes, featureNames: train.featureNames })
    .model;
  const v = part(1500, n).x;
  // The premise: folding this model does change validation predictions.
  const folded = asFloatModel(storeFloatModel(model, "fold"));
  const changed = (m: typeof model) => {
    const a = decisionFunction(model, v).data, b = decisionFunction(m, v).data;
    let k = 0;
    for (let i = 0; i < v.rows; i++) if ((a[i] > 0) !== (b[i] > 0)) k++;
    return k;
  };
  assert.ok(changed(folded) > 0);
  const r = compressModel(train, {
    model,
    validation: part(1500, n),
    prune: false,
    quantize: false,
  });
  assert.equal(r.stages[0].preprocessing, "kept");
  assert.equal(changed(asFloatModel(decodeModel(r.file))), 0);
  // Ordinary data still fold.
  const digits = await splitSet("digits");
  const ordinary = compressModel(digits.train, { prune: false, quantize: false });
  assert.equal(ordinary.stages[0].preprocessing, "folded");
});

Deno.test("auto storage keeps or compacts the preprocessing when folding overflows float32", async () => {
  // A feature in tiny units (breast cancer's radius times 1e-40): its folded weight w / scale is
  // beyond float32, so only the kept or compact standardisation can store the model.
  const cancer = await loadEmbedded("breast-cancer");
  const n = cancer.x.rows, d = cancer.x.cols;
  const x = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    x.set(cancer.x.data.subarray(i * d, (i + 1) * d), i * (d + 1));
    x[i * (d + 1) + d] = cancer.x.data[i * d] * 1e-40;
  }
  const data = { x: { data: x, rows: n, cols: d + 1 }, y: cancer.y };
  const session = createCompressionSession(data, { fineTune: false });
  assert.throws(() => storeFloatModel(session.dense, "fold"), /beyond the float32 range/);
  const r = session.compress({
    prune: false,
    quantize: { method: { kind: "uniform", bits: 8 }, training: "ptq" },
  });
  assert.deepEqual(r.stages.map((s) => s.preprocessing), ["kept", "compact"]);
  // Each stage is its file, read back.
  const q = asFloatModel(decodeModel(r.file));
  const v = session.validation;
  assert.equal(r.stages[1].validation.accuracy, accuracy(v.y, predict(q, v.x)));
});

Deno.test("an unknown storage mode is refused whether or not the model is standardised", () => {
  const x = fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]);
  const y = Int32Array.from([0, 0, 1, 1]);
  for (const preprocessing of ["none", "standardize"] as const) {
    const { model: m } = fit(x, y, { preprocessing });
    assert.throws(() => prepareStorage(m, "squash" as never), RangeError);
    assert.throws(() => storeFloatModel(m, "squash" as never), RangeError);
  }
});

Deno.test("compact scales take float16 on its whole normal range, ends included, then float32 on its", () => {
  // Oracle: IEEE 754's normal ranges, binary16 [2^-14, 65504] and binary32
  // [2^-126, (2 - 2^-23) 2^127]; one scale decides the format of all, so 0.1 shows which.
  const other = 0.1;
  const compact = (end: number) => [...compactScale(Float64Array.from([other, end]))];
  for (const end of [2 ** -14, 65504]) assert.deepEqual(compact(end), [Math.f16round(other), end]);
  for (const end of [2 ** -14 * (1 - 2 ** -20), 65505, 2 ** -126, (2 - 2 ** -23) * 2 ** 127]) {
    assert.deepEqual(compact(end), [Math.fround(other), Math.fround(end)], `${end}`);
  }
  for (const end of [2 ** -126 * (1 - 2 ** -20), 2 ** 128]) {
    assert.deepEqual(compact(end), [other, end], `${end}`);
  }
});

Deno.test("keepRecipe keeps the quantization recipe in the file, and without it the file has none", () => {
  // Oracle: quantizeModel on the folded dense model, whose recipe the file keeps or drops.
  const method = { kind: "uniform", bits: 4 } as const;
  for (const keepRecipe of [false, true]) {
    const s = createCompressionSession(cancer.train, {
      fineTune: false,
      keepRecipe,
      preprocessingStorage: "fold",
    });
    const r = s.compress({ prune: false, quantize: { method, training: "ptq" } });
    const q = quantizeModel(prepareStorage(s.dense, "fold"), { method });
    assert.ok(q.recipe !== undefined);
    const { recipe: _recipe, ...withoutRecipe } = q;
    assert.deepEqual(r.file, encodeModel(keepRecipe ? q : withoutRecipe), `${keepRecipe}`);
    const back = decodeModel(r.file);
    assert.ok(back.kind === "quantized-logistic-regression");
    assert.equal(back.recipe === undefined, !keepRecipe);
  }
});

Deno.test("folding the mean checks the model first, also when its mean is already zero", () => {
  const zeroMean = (scale: number) => ({
    kind: "standardize",
    mean: new Float64Array(model.weights.cols),
    scale: new Float64Array(model.weights.cols).fill(1).fill(scale, 0, 1),
  } as const);
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 3 } });
  // validatePreprocessing's rule: scales must be finite and > 0.
  for (
    const m of [{ ...model, preprocessing: zeroMean(-1) }, { ...q, preprocessing: zeroMean(-1) }]
  ) {
    assert.throws(
      () => foldMeanIntoBias(m),
      /^RangeError: Cannot fold mean into bias: .*scale\[0\] is -1/,
    );
  }
  const malformed = [
    null,
    { ...model, preprocessing: undefined },
    { ...model, preprocessing: { kind: "standardize" } },
    { ...q, preprocessing: { kind: "standardize" } },
  ];
  for (const m of malformed) {
    assert.throws(
      () => foldMeanIntoBias(m as unknown as typeof model),
      /^TypeError: Cannot fold mean into bias: /,
    );
  }
});

/** A one-feature standardised model: weight `w`, bias 0, the given mean and scale. */
const oneFeature = (w: number, mean: number, scale: number) => ({
  ...model,
  weights: { data: Float64Array.of(w), rows: 1, cols: 1 },
  bias: Float64Array.of(0),
  featureNames: ["f"],
  preprocessing: {
    kind: "standardize",
    mean: Float64Array.of(mean),
    scale: Float64Array.of(scale),
  },
} as typeof model);

Deno.test("folding the mean refuses a bias beyond its precision's range instead of storing infinity", () => {
  // b' = 0 - 10 * 1e35 / 1e-3 = -1e39: finite in float64, beyond float32's 3.4e38.
  const big = oneFeature(10, 1e35, 1e-3);
  const q32 = quantizeModel(big, { method: { kind: "uniform", bits: 8 }, bias: "float32" });
  assert.throws(
    () => foldMeanIntoBias(q32),
    /^RangeError: Cannot fold mean into bias: .*float32 range/,
  );
  const q64 = quantizeModel(big, { method: { kind: "uniform", bits: 8 }, bias: "float64" });
  const w = asFloatModel(q64).weights.data[0];
  const folded = foldMeanIntoBias(q64);
  assert.ok(folded.bias.kind === "float64");
  assert.ok(Math.abs(folded.bias.values[0] - -w * 1e38) <= 1e-12 * w * 1e38);
  assert.ok(Math.abs(foldMeanIntoBias(big).bias[0] - -1e39) <= 1e-12 * 1e39);
  // 1 * 1e300 / 1e-10 = 1e310 overflows float64.
  assert.throws(
    () => foldMeanIntoBias(oneFeature(1, 1e300, 1e-10)),
    /^RangeError: Cannot fold mean into bias: .*float64 range/,
  );
});

Deno.test("preparing fold storage refuses a fold that overflows float64 instead of an infinite model", () => {
  // prepareStorage(m, "fold") returned a model with an infinite bias (or weight), refused only by
  // the next step. By hand: bias 0 - 1 * 1e300 / 1e-10 = -1e310, beyond float64; weight
  // 1e300 / 1e-10 likewise with mean 0.
  assert.throws(() => prepareStorage(oneFeature(1, 1e300, 1e-10), "fold"), {
    name: "RangeError",
    message: "Cannot prepare model storage: the standardisation folded into the bias makes " +
      "bias[0] -Infinity: store it with mode 'keep'",
  });
  assert.throws(() => prepareStorage(oneFeature(1e300, 0, 1e-10), "fold"), {
    name: "RangeError",
    message: "Cannot prepare model storage: the standardisation folded into the weights makes " +
      "weights[0] Infinity: store it with mode 'keep'",
  });
  // The same models keep their preprocessing; a fold within range is the closed form.
  const kept = oneFeature(1, 1e300, 1e-10);
  assert.equal(prepareStorage(kept, "keep"), kept);
  const folded = prepareStorage(oneFeature(2, 3, 0.5), "fold");
  assert.deepEqual([folded.weights.data[0], folded.bias[0]], [4, -12]);
});

Deno.test("a weight or bias of -0 is stored as +0: the files are those of the same model with +0", () => {
  // -0 comes out of arithmetic (a negative weight times 0); kept, a float32 or float16 file
  // stores it as a value of its own, a byte more (mutations removing the -0 -> +0 steps).
  // Oracle: the model with +0.
  const signed: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(-0, 1.5, -2), rows: 1, cols: 3 },
    bias: Float64Array.of(-0),
    classes: ["a", "b"],
    featureNames: ["p", "q", "r"],
    preprocessing: {
      kind: "standardize",
      mean: Float64Array.of(1, 2, 3),
      scale: Float64Array.of(1, 2, 4),
    },
  };
  const unsigned: LogisticModel = {
    ...signed,
    weights: { ...signed.weights, data: Float64Array.of(0, 1.5, -2) },
    bias: Float64Array.of(0),
  };
  const same = (a: Uint8Array, b: Uint8Array) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  for (const mode of ["fold", "compact", "keep"] as const) {
    const stored = storeFloatModel(signed, mode);
    assert.ok(Object.is(stored.weights.data[0], 0), mode);
    assert.ok(same(encodeModel(stored), encodeModel(storeFloatModel(unsigned, mode))), mode);
  }
  const folded = prepareStorage(signed, "fold");
  assert.ok(Object.is(folded.weights.data[0], 0));
  const f16 = (m: LogisticModel) =>
    encodeModel(quantizeModel(prepareStorage(m, "fold"), { method: { kind: "float16" } }));
  assert.ok(same(f16(signed), f16(unsigned)));
});

Deno.test("compact scales are a new array whether rounded to float16, to float32 or kept", () => {
  // Documented "(a new array)": scales kept as they are (outside float32's normal range) were
  // the caller's own array, so that changing the compact model's scale changed the model's.
  for (const scales of [[0.1, 4.5], [1e-6, 1], [1e-46, 1]]) {
    const scale = Float64Array.from(scales);
    const compact = compactScale(scale);
    assert.notEqual(compact, scale);
    compact.fill(7);
    assert.deepEqual([...scale], scales);
  }
});
