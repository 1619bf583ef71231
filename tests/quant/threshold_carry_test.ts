import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { compressModel, searchCompression } from "../../lib/compress/session.ts";
import { storeFloatModel, storeQuantizedModel } from "../../lib/compress/storage.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { pruneModel, softThresholdModel, withMask } from "../../lib/prune/prune_model.ts";
import { fineTune, gradualPrune, iterativePrune } from "../../lib/prune/retrain.ts";
import { toSparseModel } from "../../lib/prune/sparse.ts";
import { pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { pruneFeatures } from "../../lib/prune/structured.ts";
import { calibrateInput, prepareIntegerModel } from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { fineTuneCodebook, quantizationAwareTraining } from "../../lib/quant/qat.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

function overlapping(n: number, d: number, seed: number): { x: Matrix; y: Int32Array } {
  const prng = createPrng(seed);
  const data = new Float64Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < d; j++) data[i * d + j] = randomNormal(prng) + (y[i] ? 0.5 : 0) + 3 * j;
  }
  return { x: { data, rows: n, cols: d }, y };
}

const data = overlapping(300, 6, 7);
const T = 0.3;
const dense = fit(data.x, data.y, {
  preprocessing: "standardize",
  penalty: { kind: "l2", lambda: 1e-2 },
  optimizer: { kind: "lbfgs", maxIterations: 40 },
}).model;
const model = withThreshold(dense, T);
const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
const sgd = { kind: "sgd", epochs: 2, learningRate: 0.05 } as const;

/** Every transformation that derives a model from `model` (or from `q`). */
const derived: [string, () => { threshold?: number }][] = [
  ["pruneModel", () => pruneModel(model, { fraction: 0.5 })],
  ["withMask", () => withMask(model, new Uint8Array(6).fill(1))],
  ["softThresholdModel", () => softThresholdModel(model, { fraction: 0.5 })],
  ["pruneWithStrategy", () => pruneWithStrategy(model, "magnitude", { fraction: 0.5 })],
  ["pruneFeatures reduced", () => pruneFeatures(model, { count: 2 }).model],
  [
    "pruneFeatures masked",
    () => pruneFeatures(model, { count: 2, representation: "masked" }).model,
  ],
  ["fineTune", () => fineTune(pruneModel(model, { fraction: 0.5 }), data).model],
  ["iterativePrune", () => iterativePrune(model, data, { sparsities: [0.5] }).model],
  [
    "gradualPrune from the model",
    () => gradualPrune(data.x, data.y, { initial: model, optimizer: sgd }).model,
  ],
  ["fit from the model", () => fit(data.x, data.y, { initial: model, optimizer: sgd }).model],
  ["modelFromJson", () => modelFromJson(modelToJson(model))],
  ["storeFloatModel fold", () => storeFloatModel(model, "fold")],
  ["storeFloatModel compact", () => storeFloatModel(model, "compact")],
  ["storeFloatModel keep", () => storeFloatModel(model, "keep")],
  ["toSparseModel", () => toSparseModel(model)],
  ["quantizeModel", () => q],
  ["quantizedModelFromJson", () => quantizedModelFromJson(quantizedModelToJson(q))],
  ["dequantizeModel", () => dequantizeModel(q)],
  ["asFloatModel", () => asFloatModel(q)],
  ["calibrateInput", () => calibrateInput(q, data.x)],
  ["prepareIntegerModel", () => prepareIntegerModel(calibrateInput(q, data.x))],
  ["storeQuantizedModel compact", () => storeQuantizedModel(q, "compact", false)],
  [
    "quantizationAwareTraining",
    () => quantizationAwareTraining(model, data, { optimizer: sgd }).model,
  ],
  [
    "quantizationAwareTraining latent",
    () => quantizationAwareTraining(model, data, { optimizer: sgd }).latent,
  ],
  [
    "fineTuneCodebook",
    () =>
      fineTuneCodebook(quantizeModel(model, { method: { kind: "kmeans", bits: 2 } }), data, {
        optimizer: sgd,
      }).model,
  ],
  ["compressModel", () => compressModel(data, { model, quantize: false }).model],
  [
    "compressModel quantized",
    () =>
      compressModel(data, {
        model,
        quantize: { method: { kind: "uniform", bits: 8 }, training: "ptq" },
      }).model,
  ],
  ["searchCompression", () => searchCompression(data, { model, maxDrop: 0.05 }).model],
];

for (const [name, make] of derived) {
  Deno.test(`${name} keeps the decision threshold`, () => {
    assert.equal(make().threshold, T);
  });
}

Deno.test("a model without a threshold derives models without the key", () => {
  for (
    const m of [
      pruneModel(dense, { fraction: 0.5 }),
      quantizeModel(dense),
      dequantizeModel(quantizeModel(dense)),
      toSparseModel(dense),
      fit(data.x, data.y, { initial: dense, optimizer: sgd }).model,
    ]
  ) {
    assert.equal(Object.hasOwn(m, "threshold"), false);
  }
});

Deno.test("the compress pipeline measures accuracy at the threshold", () => {
  const validation = overlapping(200, 6, 8);
  const p = predictProba(model, validation.x);
  let correct = 0;
  for (let i = 0; i < validation.y.length; i++) {
    if ((p.data[2 * i + 1] > T ? 1 : 0) === validation.y[i]) correct++;
  }
  let plain = 0;
  for (let i = 0; i < validation.y.length; i++) {
    if ((p.data[2 * i + 1] > 0.5 ? 1 : 0) === validation.y[i]) plain++;
  }
  assert.notEqual(correct, plain, "the threshold moves the accuracy of these data");
  const result = compressModel(data, { model, validation, prune: false, quantize: false });
  assert.equal(result.stages[0].validation.accuracy, correct / validation.y.length);
});
