/**
 * Row weights (sampleWeight, classWeight) in quantization-aware training and k-means centroid
 * fine-tuning. Oracle: with one full batch per epoch, SGD on integer weights takes the steps of
 * SGD on the data with each row repeated that many times (the batch gradient is the weighted
 * mean in both), so the quantized models must agree.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fit } from "../../lib/model/fit.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { fineTuneCodebook, quantizationAwareTraining } from "../../lib/quant/qat.ts";
import { quantizationSweep } from "../../lib/quant/sweep.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { problem } from "../prune/_problems.ts";
import { integerWeights, repeatRows } from "../_helpers/weights.ts";

// One batch per epoch; the penalty fixed (its default, 1 / nSamples, counts rows).
const training = {
  optimizer: { kind: "sgd", epochs: 5, learningRate: 0.5, batchSize: 1 << 20 },
  penalty: { kind: "l2", lambda: 0.01 },
} as const;

const { x, y } = problem(12, 120, 5, 3);
const dense = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 30 } }).model;
const s = integerWeights(x.rows, 3);
const rep = repeatRows(x, y, s);

Deno.test("quantizationAwareTraining: integer sampleWeight equals repeated rows (uniform, float16)", () => {
  for (const method of [{ kind: "uniform", bits: 3 }, { kind: "float16" }] as const) {
    const a = quantizationAwareTraining(dense, { x, y }, { ...training, method, sampleWeight: s });
    const b = quantizationAwareTraining(dense, rep, { ...training, method });
    assertClose(a.latent.weights.data, b.latent.weights.data, { atol: 1e-9, message: method.kind });
    assertClose(dequantizeModel(a.model).weights.data, dequantizeModel(b.model).weights.data, {
      atol: 1e-6,
      message: method.kind,
    });
    const plain = quantizationAwareTraining(dense, { x, y }, { ...training, method });
    assert.ok(
      a.latent.weights.data.some((v, i) => Math.abs(v - plain.latent.weights.data[i]) > 1e-4),
    );
  }
});

Deno.test("quantizationAwareTraining and fineTuneCodebook: classWeight by label equals repeated rows (k-means)", () => {
  const method = { kind: "kmeans", bits: 2 } as const;
  const twice = repeatRows(x, y, Int32Array.from(y, (v) => (v === 2 ? 3 : 1)));
  const a = quantizationAwareTraining(dense, { x, y }, {
    ...training,
    method,
    classWeight: { "2": 3 },
  });
  const b = quantizationAwareTraining(dense, twice, { ...training, method });
  assertClose(a.latent.weights.data, b.latent.weights.data, { atol: 1e-9 });
  const q = quantizeModel(dense, { method });
  const c = fineTuneCodebook(q, { x, y }, { ...training, sampleWeight: s });
  const d = fineTuneCodebook(q, rep, training);
  assertClose(c.latent.weights.data, d.latent.weights.data, { atol: 1e-9 });
  assertClose(c.latent.bias, d.latent.bias, { atol: 1e-9 });
  const plain = fineTuneCodebook(q, { x, y }, training);
  assert.ok(c.latent.bias.some((v, i) => Math.abs(v - plain.latent.bias[i]) > 1e-4));
});

Deno.test("quantizationAwareTraining refuses bad weights in its own words, before training", () => {
  assert.throws(
    () => quantizationAwareTraining(dense, { x, y }, { classWeight: { cat: 2 } }),
    {
      name: "RangeError",
      message: 'Cannot train quantized model: classWeight names class "cat", which is not one ' +
        'of the classes ["0","1","2"]',
    },
  );
  const q = quantizeModel(dense, { method: { kind: "kmeans", bits: 2 } });
  assert.throws(
    () => fineTuneCodebook(q, { x, y }, { sampleWeight: [1, 2, 3] }),
    {
      name: "TypeError",
      message: /^Cannot fine-tune codebook: sampleWeight must hold one weight per row of x \(120\)/,
    },
  );
});

Deno.test("quantizationSweep refuses bad qat weights in its own words, before any row", () => {
  const test = { x, y };
  const entries = [
    { name: "ptq", method: { kind: "uniform" } },
    { name: "qat", method: { kind: "uniform" }, training: "qat" },
  ] as const;
  const cases = [
    {
      qat: { sampleWeight: [1, 2] },
      error: {
        name: "TypeError",
        message: `Cannot run quantization sweep: sampleWeight must hold one weight per row of x ` +
          `(${x.rows}), got Array(2)`,
      },
    },
    {
      qat: { classWeight: { cat: 1 } },
      error: {
        name: "RangeError",
        message: 'Cannot run quantization sweep: classWeight names class "cat", which is not ' +
          'one of the classes ["0","1","2"]',
      },
    },
  ];
  for (const { qat, error } of cases) {
    let rows = 0;
    assert.throws(
      () =>
        quantizationSweep(dense, { train: { x, y }, test }, {
          entries,
          bits: [8, 4],
          qat: { ...training, ...qat },
          onProgress: () => rows++,
        }),
      error,
    );
    assert.equal(rows, 0, "no row was measured first");
  }
});

Deno.test("quantizationSweep refuses qat weights when no entry trains (they would weigh nothing)", () => {
  const ptq = [{ name: "ptq", method: { kind: "uniform" } }] as const;
  for (
    const [qat, named] of [
      [{ classWeight: "balanced" }, "qat.classWeight"],
      [{ sampleWeight: s, classWeight: { "0": 2 } }, "qat.sampleWeight and qat.classWeight"],
    ] as const
  ) {
    assert.throws(
      () => quantizationSweep(dense, { train: { x, y }, test: { x, y } }, { entries: ptq, qat }),
      {
        name: "RangeError",
        message: `Cannot run quantization sweep: ${named} would weigh nothing: no entry has ` +
          'training "qat" (post-training quantization reads no data)',
      },
    );
  }
  // With a qat entry they are taken, and weigh its training (the sweep's row is QAT's model).
  const entries = [{ name: "qat", method: { kind: "uniform" }, training: "qat" }] as const;
  const [row] = quantizationSweep(dense, { train: { x, y }, test: { x, y } }, {
    entries,
    bits: [3],
    qat: { ...training, sampleWeight: s },
  });
  const direct = quantizationAwareTraining(dense, rep, {
    ...training,
    method: { kind: "uniform", bits: 3 },
  });
  const got = dequantizeModel(row.model), want = dequantizeModel(direct.model);
  assertClose(got.weights.data, want.weights.data, { atol: 1e-6 });
  // At 3 bits the weighted and unweighted codes coincide here; the float biases tell them apart.
  assertClose(got.bias, want.bias, { atol: 1e-6 });
  const unweighted = quantizationAwareTraining(dense, { x, y }, {
    ...training,
    method: { kind: "uniform", bits: 3 },
  });
  const plainBias = dequantizeModel(unweighted.model).bias;
  assert.ok(want.bias.some((v, i) => Math.abs(v - plainBias[i]) > 1e-3));
});
