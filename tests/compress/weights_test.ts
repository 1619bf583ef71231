/**
 * Row weights (sampleWeight, classWeight) through the compression session, its search and the
 * refit: the dense training, fine-tuning, taylor/obd scores and QAT all weigh the rows trained
 * on. Oracles: integer weights equal row repetition (preprocessing "none", full-batch QAT), and
 * `fit` (separately tested) on the rows the session trains on.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRefitSession } from "../../lib/compress/refit.ts";
import {
  compressModel,
  createCompressionSession,
  searchCompression,
  sweepCompression,
} from "../../lib/compress/session.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { fit } from "../../lib/model/fit.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { problem } from "../prune/_problems.ts";
import { integerWeights, repeatRows } from "../_helpers/weights.ts";

const { x, y } = problem(17, 160, 6, 3);
const held = problem(18, 60, 6, 3);
const s = integerWeights(x.rows, 8);
const rep = repeatRows(x, y, s);

// Everything the weights reach, made comparable with repeated rows: no standardisation (its
// statistics count rows), a fixed penalty, converged L-BFGS, full-batch SGD for QAT.
const settings = {
  validation: held,
  denseTraining: {
    optimizer: { kind: "lbfgs", maxIterations: 500, tolerance: 1e-12 },
    preprocessing: "none",
  },
  penalty: { kind: "l2", lambda: 0.01 },
  fineTune: { kind: "lbfgs", maxIterations: 300, tolerance: 1e-12 },
  qat: { optimizer: { kind: "sgd", epochs: 4, learningRate: 0.3, batchSize: 1 << 20 } },
} as const;

Deno.test("compression session: integer sampleWeight equals repeated rows (dense, obd pruning, fine-tuning, QAT)", () => {
  const a = createCompressionSession({ x, y }, { ...settings, sampleWeight: s });
  const b = createCompressionSession(rep, settings);
  assertClose(a.dense.weights.data, b.dense.weights.data, { atol: 1e-6, message: "dense" });
  for (const strategy of ["obd", "taylor"] as const) {
    const step = {
      prune: { strategy, fraction: 0.5 },
      quantize: { method: { kind: "uniform", bits: 4 }, training: "qat" },
    } as const;
    const ra = a.compress(step), rb = b.compress(step);
    assert.deepEqual(ra.unquantized!.mask, rb.unquantized!.mask, strategy);
    assertClose(ra.unquantized!.weights.data, rb.unquantized!.weights.data, {
      atol: 1e-6,
      message: `${strategy} fine-tuned`,
    });
    assertClose(asFloatModel(ra.model).weights.data, asFloatModel(rb.model).weights.data, {
      atol: 1e-5,
      message: `${strategy} QAT`,
    });
  }
  // And the weights change the result.
  const plain = createCompressionSession({ x, y }, settings);
  assert.ok(a.dense.weights.data.some((v, i) => Math.abs(v - plain.dense.weights.data[i]) > 1e-3));
});

Deno.test("compression session: with a validation split, the training part's weights; classWeight counted there", () => {
  const options = { validationFraction: 0.25, seed: 3 } as const;
  const split = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
  const session = createCompressionSession({ x, y }, {
    ...options,
    sampleWeight: s,
    classWeight: "balanced",
  });
  const ref = fit(split.xTrain, split.yTrain, {
    classes: ["0", "1", "2"],
    featureNames: session.dense.featureNames,
    optimizer: { kind: "lbfgs" },
    sampleWeight: Float64Array.from(split.trainIndex, (i) => s[i]),
    classWeight: "balanced",
  }).model;
  assert.deepEqual(session.dense.weights.data, ref.weights.data);
  assert.deepEqual(session.dense.bias, ref.bias);
  // The refit trains on all the rows, with all the weights.
  const refit = createRefitSession({ x, y }, { classWeight: { "2": 5 } });
  const all = fit(x, y, {
    classes: ["0", "1", "2"],
    featureNames: refit.dense.featureNames,
    optimizer: { kind: "lbfgs" },
    classWeight: { "2": 5 },
  }).model;
  assert.deepEqual(refit.dense.weights.data, all.weights.data);
});

Deno.test("compression session with a given model: its fine-tuning is weighted (repeated rows)", () => {
  const model = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 50 } }).model;
  const common = {
    model,
    validation: held,
    fineTune: { kind: "lbfgs", maxIterations: 300, tolerance: 1e-12 },
    penalty: { kind: "l2", lambda: 0.01 },
  } as const;
  const step = { prune: { strategy: "magnitude", fraction: 0.5 }, quantize: false } as const;
  const weighted = createCompressionSession({ x, y }, { ...common, classWeight: { "0": 6 } })
    .compress(step);
  const six = repeatRows(x, y, Int32Array.from(y, (v) => (v === 0 ? 6 : 1)));
  const repeated = createCompressionSession(six, common).compress(step);
  const plain = createCompressionSession({ x, y }, common).compress(step);
  const w = (r: typeof plain) => asFloatModel(r.model).weights.data;
  assertClose(w(weighted), w(repeated), { atol: 1e-5 });
  assert.ok(w(weighted).some((v, i) => Math.abs(v - w(plain)[i]) > 1e-3));
});

Deno.test("compression session refuses bad weights before training, in its own words", () => {
  assert.throws(
    () => createCompressionSession({ x, y }, { sampleWeight: [1, 2] }),
    {
      name: "TypeError",
      message: /^Cannot compress model: sampleWeight must hold one weight per row/,
    },
  );
  assert.throws(
    () => createCompressionSession({ x, y }, { classWeight: { cat: 1 } }),
    {
      name: "RangeError",
      message: 'Cannot compress model: classWeight names class "cat", which is not one of the ' +
        'classes ["0","1","2"]',
    },
  );
});

Deno.test("compressModel with a given model refuses weights that nothing would use, and takes them otherwise", () => {
  const model = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 50 } }).model;
  const unused = {
    model,
    validation: held,
    fineTune: false,
    prune: { strategy: "magnitude", fraction: 0.5 },
    quantize: { method: { kind: "uniform", bits: 4 }, training: "ptq" },
  } as const;
  for (
    const [weights, named] of [
      [{ classWeight: "balanced" }, "classWeight"],
      [{ sampleWeight: s, classWeight: { "0": 2 } }, "sampleWeight and classWeight"],
    ] as const
  ) {
    assert.throws(() => compressModel({ x, y }, { ...unused, ...weights }), {
      name: "RangeError",
      message: `Cannot compress model: ${named} would weigh nothing: the model is given (no ` +
        "dense training) and the step neither fine-tunes, scores by taylor or obd, nor trains " +
        'with training "qat"',
    });
  }
  // Each of the steps that reads the rows takes them, and they change its result.
  const differs = (options: Parameters<typeof compressModel>[1]) => {
    const a = asFloatModel(compressModel({ x, y }, { ...options, classWeight: { "0": 6 } }).model);
    const b = asFloatModel(compressModel({ x, y }, options).model);
    return a.weights.data.some((v, i) => v !== b.weights.data[i]) ||
      a.bias.some((v, i) => v !== b.bias[i]);
  };
  assert.ok(differs({ ...unused, fineTune: { kind: "lbfgs", maxIterations: 30 } }), "fine-tuning");
  assert.ok(
    differs({ ...unused, prune: { strategy: "obd", fraction: 0.5, scope: "global" } }),
    "obd",
  );
  assert.ok(
    differs({
      ...unused,
      quantize: {
        method: { kind: "uniform", bits: 4 },
        training: "qat",
      },
    }),
    "QAT",
  );
  // Without a model the dense training weighs them.
  const { model: _model, ...trained } = unused;
  assert.ok(differs(trained), "dense training");
});

Deno.test("sweepCompression and searchCompression with a given model refuse weights no candidate would use", () => {
  const model = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 50 } }).model;
  const unused = {
    model,
    validation: held,
    fineTune: false,
    strategies: ["magnitude", "random"],
    sparsities: [0, 0.5],
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
    classWeight: "balanced",
  } as const;
  for (
    const [action, run] of [
      ["sweep compression", () => sweepCompression({ x, y }, unused)],
      ["search compression", () => searchCompression({ x, y }, { ...unused, maxDrop: 0.05 })],
    ] as const
  ) {
    assert.throws(run, {
      name: "RangeError",
      message: `Cannot ${action}: classWeight would weigh nothing: the model is given (no dense ` +
        "training) and no candidate is fine-tuned, scored by taylor or obd, or trained with " +
        'training "qat"',
    });
  }
  // One candidate that reads the rows is enough: an obd strategy, QAT, or fine-tuning.
  const ok = (extra: object) => sweepCompression({ x, y }, { ...unused, ...extra }).rows.length;
  assert.ok(ok({ strategies: ["magnitude", "obd"] }) > 0);
  assert.ok(ok({ training: ["ptq", "qat"] }) > 0);
  assert.ok(ok({ fineTune: { kind: "lbfgs", maxIterations: 5 } }) > 0);
});
