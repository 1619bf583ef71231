/**
 * Weighted metrics of the compression session. Test data with `sampleWeight`: every report adds
 * `testWeighted`, the test metrics weighted by them; oracle: integer weights give the metrics of
 * the test rows repeated (a session whose test data are those rows), and the unweighted `test`
 * metrics and every decision are those of the session without test weights.
 *
 * @module
 */

import assert from "node:assert/strict";
import { matrix, takeRows } from "../../lib/core/matrix.ts";
import { createRefitSession } from "../../lib/compress/refit.ts";
import { compressModel, createCompressionSession } from "../../lib/compress/session.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { predict } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import type { BudgetMetric, CompressionMetrics, ModelReport } from "../../lib/compress/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { integerWeights, repeatRows } from "../_helpers/weights.ts";
import { problem } from "../prune/_problems.ts";

const { x, y } = problem(21, 150, 6, 3);
const held = problem(22, 60, 6, 3);
const test = problem(23, 80, 6, 3);
const binary = { train: problem(24, 150, 5, 2), test: problem(25, 90, 5, 2) };

const FAST = {
  denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 100 } },
  fineTune: { kind: "lbfgs", maxIterations: 30 },
} as const;

/** Equal metrics; the log loss to rounding (a weighted sum against a sum of repeated terms). */
function assertSameMetrics(got: CompressionMetrics, want: CompressionMetrics, message: string) {
  const { logLoss: a, samples: _a, ...rest } = got;
  const { logLoss: b, samples: _b, ...wanted } = want;
  assert.deepEqual(rest, wanted, message);
  assertClose(a, b, { rtol: 1e-12, message });
}

Deno.test("test sampleWeight: every report's testWeighted is the metrics of the test rows repeated", () => {
  for (
    const [name, train, tst] of [["3 classes", { x, y }, test], [
      "2 classes",
      binary.train,
      binary.test,
    ]] as const
  ) {
    const w = integerWeights(tst.x.rows, 5);
    const repeated = repeatRows(tst.x, tst.y, w);
    // A given validation set, and one split off.
    const common = name === "3 classes"
      ? { ...FAST, validation: held }
      : { ...FAST, validationFraction: 0.25 };
    const weighted = createCompressionSession(train, {
      ...common,
      test: { ...tst, sampleWeight: w },
    });
    const plain = createCompressionSession(train, { ...common, test: tst });
    const oracle = createCompressionSession(train, { ...common, test: repeated });
    const step = { prune: { strategy: "magnitude", fraction: 0.5 } } as const;
    const runs = [weighted.compress(step), plain.compress(step), oracle.compress(step)];
    const sweeps = [weighted, plain, oracle].map((s) =>
      s.sweep({ sparsities: [0, 0.5], bits: [4, 2], training: ["ptq"] })
    );
    const reports = (i: number): ModelReport[] => [...runs[i].stages, ...sweeps[i].rows];
    const [a, b, c] = [0, 1, 2].map(reports);
    assert.equal(a.length, 4 + sweeps[0].rows.length);
    for (let k = 0; k < a.length; k++) {
      // Test metrics decide nothing: the same models, the same unweighted metrics.
      const { testWeighted, ...rest } = a[k];
      assert.deepEqual(rest, { ...b[k], seconds: rest.seconds }, `${name} ${a[k].name}`);
      assert.ok(!("testWeighted" in b[k]));
      assert.equal(testWeighted!.samples, tst.x.rows);
      assertSameMetrics(testWeighted!, c[k].test!, `${name} ${a[k].name}`);
      assert.notEqual(testWeighted!.accuracy, a[k].test!.accuracy, `${name} ${a[k].name} weighted`);
      if (name === "2 classes") assert.ok(testWeighted!.rocAuc !== null);
    }
  }
});

Deno.test("test sampleWeight is checked and named as the test data's", () => {
  const bad: [unknown, string, string][] = [
    [
      [1, 2],
      "TypeError",
      /test\.sampleWeight must hold one weight per row of test\.x \(80\)/.source,
    ],
    [
      Float64Array.from({ length: 80 }, (_, i) => (i === 7 ? -1 : 1)),
      "RangeError",
      /test\.sampleWeight\[7\] is -1/.source,
    ],
    [new Float64Array(80), "RangeError", /every test row weighs 0 \(test\.sampleWeight\)/.source],
    [new Float64Array(80).fill(1e308), "RangeError", /the test\.sampleWeight sum overflows/.source],
  ];
  for (const [sampleWeight, errorName, message] of bad) {
    assert.throws(
      () =>
        createCompressionSession({ x, y }, {
          ...FAST,
          validation: held,
          test: { ...test, sampleWeight: sampleWeight as number[] },
        }),
      (error: Error) => {
        assert.equal(error.name, errorName);
        assert.match(error.message, new RegExp(`^Cannot compress model: .*${message}`));
        return true;
      },
    );
  }
});

// ---- weightedMetrics -------------------------------------------------------------------------

const space = { sparsities: [0, 0.5, 0.8], bits: [2, 4], training: ["ptq"] } as const;

/** Every report of a pipeline run, a sweep and the searches of a session. */
function decisions(session: ReturnType<typeof createCompressionSession>, binaryModel: boolean) {
  const step = { prune: { strategy: "magnitude", fraction: 0.5 } } as const;
  const metrics: BudgetMetric[] = binaryModel
    ? ["accuracy", "balanced-accuracy", "roc-auc"]
    : ["accuracy", "balanced-accuracy"];
  return {
    stages: session.compress(step).stages,
    sweep: session.sweep(space),
    searches: metrics.map((metric) => session.search({ ...space, maxDrop: 0.03, metric })),
    margin: session.search({ ...space, maxDrop: 0.03, standardErrors: 1 }),
    size: session.searchWithinBytes({ ...space, maxBytes: 150 }),
  };
}

Deno.test("weightedMetrics with integer weights: every validation and test metric and decision is that of the rows repeated", () => {
  for (
    const [name, train, valid, tst] of [
      ["3 classes", { x, y }, held, test],
      ["2 classes", binary.train, problem(26, 70, 5, 2), binary.test],
    ] as const
  ) {
    const sw = integerWeights(train.x.rows, 2);
    const vw = integerWeights(valid.x.rows, 3), tw = integerWeights(tst.x.rows, 4);
    // The same training (sampleWeight) in both; the rows repeated only where metrics are taken.
    const weighted = createCompressionSession(train, {
      ...FAST,
      sampleWeight: sw,
      weightedMetrics: true,
      validation: { ...valid, sampleWeight: vw },
      test: { ...tst, sampleWeight: tw },
    });
    const repeated = createCompressionSession(train, {
      ...FAST,
      sampleWeight: sw,
      validation: repeatRows(valid.x, valid.y, vw),
      test: repeatRows(tst.x, tst.y, tw),
    });
    assert.deepEqual(weighted.validationSampleWeight, vw);
    assert.equal(weighted.weightedMetrics, true);
    assert.equal(repeated.validationSampleWeight, null);
    const a = decisions(weighted, name === "2 classes");
    const b = decisions(repeated, name === "2 classes");
    const reports = (d: typeof a): ModelReport[] => [
      ...d.stages,
      ...d.sweep.rows,
      ...d.searches.flatMap((s) => s.tried),
      ...d.size.tried,
    ];
    const [ra, rb] = [reports(a), reports(b)];
    assert.equal(ra.length, rb.length, name);
    for (let k = 0; k < ra.length; k++) {
      const message = `${name} ${ra[k].name}`;
      assert.equal(ra[k].name, rb[k].name, message);
      assert.equal(ra[k].bytes, rb[k].bytes, message);
      assertSameMetrics(ra[k].validation, rb[k].validation, message);
      assertSameMetrics(ra[k].test!, rb[k].test!, message);
      assert.ok(!("testWeighted" in ra[k]), message);
    }
    // Hence the same choices: the sweep's front, each search's target, feasibility and choice
    // (the margin's standard errors read a weight as one row of that weight, not as copies).
    assert.deepEqual(a.sweep.front, b.sweep.front, name);
    a.searches.forEach((s, i) => {
      const t = b.searches[i];
      assert.equal(s.target, t.target, `${name} ${s.metric}`);
      assert.deepEqual(s.tried.map((c) => c.feasible), t.tried.map((c) => c.feasible));
      assert.equal(s.chosen.name, t.chosen.name, `${name} ${s.metric}`);
      for (const key of ["difference", "baselineAccuracy", "candidateAccuracy"] as const) {
        assertClose(s.validationDifference[key], t.validationDifference[key], { atol: 1e-12 });
        assertClose(s.testDifference![key], t.testDifference![key], { atol: 1e-12 });
      }
    });
    assert.equal(a.size.chosen.name, b.size.chosen.name, name);
    // The weights matter: the unweighted session measures otherwise.
    const plain = createCompressionSession(train, {
      ...FAST,
      sampleWeight: sw,
      validation: valid,
      test: tst,
    });
    assert.notEqual(
      plain.denseReport.validation.accuracy,
      weighted.denseReport.validation.accuracy,
    );
  }
});

Deno.test("weightedMetrics with equal weights makes the unweighted session's decisions", () => {
  const sw = integerWeights(x.rows, 2);
  for (const c of [1, 3, 0.5]) {
    const equal = (n: number) => new Float64Array(n).fill(c);
    const weighted = createCompressionSession({ x, y }, {
      ...FAST,
      sampleWeight: sw,
      weightedMetrics: true,
      validation: { ...held, sampleWeight: equal(held.x.rows) },
      test: { ...test, sampleWeight: equal(test.x.rows) },
    });
    const plain = createCompressionSession({ x, y }, {
      ...FAST,
      sampleWeight: sw,
      validation: held,
      test,
    });
    // Every report, choice, target and paired difference alike (standard errors included): the
    // same strings, booleans and models, numbers to the rounding of the weighted sums.
    // (The disagreements of a paired difference are weights' sums: c times the counts.)
    assertNear(decisions(weighted, false), decisions(plain, false), `weights ${c}`, c);
  }
});

Deno.test("weightedMetrics: weights on the rows a compressed model gets wrong change the search's choice", () => {
  const sw = new Float64Array(x.rows).fill(1);
  const plain = createCompressionSession({ x, y }, {
    ...FAST,
    sampleWeight: sw,
    validation: held,
  });
  const budget = { ...space, maxDrop: 0.03 };
  const chosen = plain.search(budget);
  assert.ok(chosen.chosen.name !== "dense, float32", chosen.chosen.name);
  // The validation rows the dense model gets right and the chosen one wrong weigh 10.
  const dense = plain.dense, picked = asFloatModel(chosen.model);
  const pd = predict(dense, held.x), pc = predict(picked, held.x);
  const vw = Float64Array.from(held.y, (c, i) => (pd[i] === c && pc[i] !== c ? 10 : 1));
  assert.ok(vw.some((v) => v === 10));
  const weighted = createCompressionSession({ x, y }, {
    ...FAST,
    sampleWeight: sw,
    weightedMetrics: true,
    validation: { ...held, sampleWeight: vw },
  }).search(budget);
  assert.notEqual(weighted.chosen.name, chosen.chosen.name);
  // The unweighted choice is tried and out of budget under the weights; the weighted choice meets
  // the budget by evaluate's weighted accuracy of its file's model (the oracle).
  const before = weighted.tried.find((t) => t.name === chosen.chosen.name);
  assert.equal(before?.feasible, false);
  const accuracyOf = (model: LogisticModel) =>
    evaluate(model, held.x, held.y, { sampleWeight: vw }).accuracy;
  assert.ok(accuracyOf(asFloatModel(weighted.model)) >= accuracyOf(dense) - 0.03 - 1e-12);
  assert.ok(accuracyOf(picked) < accuracyOf(dense) - 0.03);
  assert.ok(weighted.chosen.bytes > chosen.chosen.bytes);
});

Deno.test("weightedMetrics: auto storage folds a float model whose folding changes only rows of weight 0", () => {
  // Feature 0 is 10^9 + {0, 1} and carries the label: folding its mean into a float32 bias
  // changes predictions, so the unweighted session keeps the standardisation. The validation rows
  // whose prediction folding changes weigh 0 under the weights: the weighted session folds.
  const n = 40;
  const make = (phase: number) => ({
    x: matrix(
      Float64Array.from(
        { length: n * 2 },
        (_, k) => k % 2 === 0 ? 1e9 + ((k / 2) % 2) : Math.sin(k + phase),
      ),
      n,
      2,
    ),
    y: Int32Array.from({ length: n }, (_, i) => i % 2),
  });
  const data = make(0), valid = make(1);
  const common = { ...FAST, sampleWeight: new Float64Array(n).fill(1) } as const;
  const step = { prune: false, quantize: false } as const;
  const keep = createCompressionSession(data, { ...common, validation: valid });
  assert.equal(keep.compress(step).stages[0].preprocessing, "kept");
  const fold = createCompressionSession(data, {
    ...common,
    validation: valid,
    preprocessingStorage: "fold",
  }).compress(step);
  const changed = predict(asFloatModel(fold.model), valid.x).map((p, i) =>
    p !== predict(keep.dense, valid.x)[i] ? 1 : 0
  );
  assert.ok(changed.some((v) => v === 1) && changed.some((v) => v === 0));
  const weighted = createCompressionSession(data, {
    ...common,
    weightedMetrics: true,
    validation: { ...valid, sampleWeight: Float64Array.from(changed, (v) => 1 - v) },
  }).compress(step);
  assert.equal(weighted.stages[0].preprocessing, "folded");
  assert.deepEqual(weighted.file, fold.file);
});

Deno.test("weightedMetrics: the validation rows split off weigh their sampleWeight; the refit weighs its training rows", () => {
  const sw = integerWeights(x.rows, 6);
  const session = createCompressionSession({ x, y }, {
    ...FAST,
    sampleWeight: sw,
    weightedMetrics: true,
    validationFraction: 0.3,
    seed: 4,
  });
  const split = trainTestSplit(x, y, { testFraction: 0.3, seed: 4 });
  const vw = Float64Array.from(split.testIndex, (i) => sw[i]);
  assert.deepEqual(session.validationSampleWeight, vw);
  const want = evaluate(session.dense, split.xTest, split.yTest, { sampleWeight: vw });
  // The dense report is the dense model stored (float32, folded): its accuracy within a row's.
  assert.ok(Math.abs(session.denseReport.validation.accuracy - want.accuracy) < 0.02);
  const repeated = repeatRows(split.xTest, split.yTest, vw);
  const stored = asFloatModel(session.compress({ prune: false, quantize: false }).model);
  assertSameMetrics(
    session.denseReport.validation,
    { samples: 0, ...pick(evaluate(stored, repeated.x, repeated.y)) },
    "split",
  );
  // The refit measures its stages on its training rows, weighted by them.
  const refit = createRefitSession({ x, y }, { ...FAST, sampleWeight: sw, weightedMetrics: true })
    .refit({ prune: false, quantize: false, preprocessingStorage: "auto" });
  const all = repeatRows(x, y, sw);
  assertSameMetrics(
    refit.stages[0].validation,
    { samples: 0, ...pick(evaluate(asFloatModel(refit.model), all.x, all.y)) },
    "refit",
  );
});

/**
 * Deep equality, numbers within 1e-12 (relative), times left out (`seconds` and the like), typed
 * arrays (the models) to the bit; a paired difference's `onlyBaseline` and `onlyCandidate` of `a`
 * are `scale` times those of `b`.
 */
function assertNear(a: unknown, b: unknown, path: string, scale = 1): void {
  if (typeof a === "number" && typeof b === "number") {
    const times = /\.only(Baseline|Candidate)$/.test(path) ? scale : 1;
    assertClose(a, b * times, { rtol: 1e-12, atol: 1e-15, message: path });
  } else if (ArrayBuffer.isView(a) || typeof a !== "object" || a === null) {
    assert.deepEqual(a, b, path);
  } else {
    const keys = Object.keys(a).filter((k) => !/seconds$/i.test(k));
    assert.deepEqual(keys, Object.keys(b as object).filter((k) => !/seconds$/i.test(k)), path);
    for (const k of keys) {
      assertNear(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
        scale,
      );
    }
  }
}

/** The fields of a report's metrics from an evaluation. */
function pick(
  e: { accuracy: number; balancedAccuracy: number; logLoss: number; rocAuc: number | null },
) {
  return {
    accuracy: e.accuracy,
    balancedAccuracy: e.balancedAccuracy,
    logLoss: e.logLoss,
    rocAuc: e.rocAuc,
  };
}

Deno.test("weightedMetrics is refused without the weights it needs, and validation weights without it", () => {
  const sw = integerWeights(x.rows, 2);
  const cases: [object, string, RegExp][] = [
    [
      { weightedMetrics: true },
      "RangeError",
      /weightedMetrics weighs the metrics by the rows' sampleWeight, which is not given/,
    ],
    [
      { weightedMetrics: "yes", sampleWeight: sw },
      "TypeError",
      /weightedMetrics must be a boolean, got/,
    ],
    [
      { weightedMetrics: true, sampleWeight: sw, validation: held },
      "RangeError",
      /the validation data have no sampleWeight; give validation\.sampleWeight/,
    ],
    [
      { weightedMetrics: true, sampleWeight: sw, test },
      "RangeError",
      /the test data have no sampleWeight; give test\.sampleWeight/,
    ],
    [
      { sampleWeight: sw, validation: { ...held, sampleWeight: new Float64Array(60).fill(1) } },
      "RangeError",
      /validation\.sampleWeight would weigh nothing/,
    ],
    [
      { weightedMetrics: true, sampleWeight: sw, validation: { ...held, sampleWeight: [1] } },
      "TypeError",
      /validation\.sampleWeight must hold one weight per row of validation\.x \(60\)/,
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(() => createCompressionSession({ x, y }, { ...FAST, ...options }), (e: Error) => {
      assert.equal(e.name, name, e.message);
      assert.match(e.message, new RegExp(`^Cannot compress model: .*${message.source}`));
      return true;
    });
  }
  // A ROC AUC budget needs both classes among the validation rows of weight above 0.
  const valid = problem(27, 40, 5, 2);
  const session = createCompressionSession(binary.train, {
    ...FAST,
    sampleWeight: new Float64Array(binary.train.x.rows).fill(1),
    weightedMetrics: true,
    validation: { ...valid, sampleWeight: Float64Array.from(valid.y, (c) => 1 - c) },
  });
  assert.equal(session.denseReport.validation.rocAuc, null);
  assert.throws(() => session.search({ ...space, metric: "roc-auc" }), {
    name: "RangeError",
    message: 'Cannot search compression: metric "roc-auc" needs both classes in the validation ' +
      "rows, which hold one class only of weight above 0",
  });
  // Weights only on the rows the split keeps for training: nothing left to measure.
  const split = trainTestSplit(x, y, { testFraction: 0.2, seed: 0 });
  const onlyTrain = new Float64Array(x.rows);
  for (const i of split.trainIndex) onlyTrain[i] = 1;
  assert.throws(
    () =>
      createCompressionSession({ x, y }, {
        ...FAST,
        sampleWeight: onlyTrain,
        weightedMetrics: true,
        validationFraction: 0.2,
      }),
    {
      name: "RangeError",
      message: "Cannot compress model: every validation row weighs 0 (the sampleWeight of the 30 " +
        "rows validationFraction 0.2 splits off), so weightedMetrics has nothing to measure; " +
        "give another seed or validationFraction, or validation data",
    },
  );
});

Deno.test("weightedMetrics: test rows whose positives all weigh 0 give a ROC AUC search no test difference, as test rows of one class", () => {
  const tst = binary.test;
  const noPositives = Float64Array.from(tst.y, (c) => 1 - c);
  const rocAucSearch = (t: object) =>
    createCompressionSession(binary.train, {
      ...FAST,
      sampleWeight: new Float64Array(binary.train.x.rows).fill(1),
      weightedMetrics: true,
      validation: { ...binary.test, sampleWeight: new Float64Array(tst.x.rows).fill(1) },
      test: t as typeof tst,
    }).search({ ...space, maxDrop: 0.03, metric: "roc-auc" });
  const noAuc = rocAucSearch({ ...tst, sampleWeight: noPositives });
  assert.equal(noAuc.testDifference, null);
  assert.equal(noAuc.chosen.test!.rocAuc, null);
  const negatives = Int32Array.from(tst.y.keys()).filter((i) => tst.y[i] === 0);
  const rows = takeRows(tst.x, negatives);
  const onlyNegatives = rocAucSearch({
    x: rows,
    y: new Int32Array(rows.rows),
    sampleWeight: new Float64Array(rows.rows).fill(1),
  });
  assert.equal(noAuc.chosen.name, onlyNegatives.chosen.name);
  assert.equal(noAuc.chosen.test!.accuracy, onlyNegatives.chosen.test!.accuracy);
});

Deno.test("compressModel with a given model: sampleWeight that only weighs the validation rows it splits off (weightedMetrics) is taken, one that weighs nothing is refused", () => {
  const model = createCompressionSession({ x, y }, { ...FAST, validation: held }).dense;
  const sw = integerWeights(x.rows, 2), vw = integerWeights(held.x.rows, 3);
  const unused = {
    model,
    fineTune: false,
    prune: { strategy: "magnitude", fraction: 0.5 },
    quantize: { method: { kind: "uniform", bits: 4 }, training: "ptq" },
  } as const;
  // Without weightedMetrics nothing weighs them; with it, the validation rows split off weigh
  // theirs.
  assert.throws(
    () => compressModel({ x, y }, { ...unused, validation: held, sampleWeight: sw }),
    { name: "RangeError", message: /^Cannot compress model: sampleWeight would weigh nothing/ },
  );
  const split = compressModel({ x, y }, { ...unused, sampleWeight: sw, weightedMetrics: true });
  const parts = trainTestSplit(x, y, { testFraction: 0.2, seed: 0 });
  const splitRows = repeatRows(
    parts.xTest,
    parts.yTest,
    Float64Array.from(parts.testIndex, (i) => sw[i]),
  );
  assert.equal(
    split.stages.at(-1)!.validation.accuracy,
    evaluate(asFloatModel(split.model), splitRows.x, splitRows.y).accuracy,
  );
  // Given validation data weigh their own weights: sampleWeight is not needed, and with it
  // refused (nothing would weigh it).
  const weightedValidation = { ...held, sampleWeight: vw };
  const r = compressModel({ x, y }, {
    ...unused,
    weightedMetrics: true,
    validation: weightedValidation,
  });
  const repeated = repeatRows(held.x, held.y, vw);
  assert.equal(
    r.stages.at(-1)!.validation.accuracy,
    evaluate(asFloatModel(r.model), repeated.x, repeated.y).accuracy,
  );
  for (const weights of [{ sampleWeight: sw }, { classWeight: "balanced" }] as const) {
    assert.throws(
      () =>
        compressModel({ x, y }, {
          ...unused,
          ...weights,
          weightedMetrics: true,
          validation: weightedValidation,
        }),
      {
        name: "RangeError",
        message: new RegExp(
          `^Cannot compress model: ${Object.keys(weights)[0]} would weigh nothing: the model is ` +
            "given",
        ),
      },
    );
  }
  // Fine-tuning weighs sampleWeight: taken.
  const tuned = compressModel({ x, y }, {
    ...unused,
    fineTune: FAST.fineTune,
    sampleWeight: sw,
    weightedMetrics: true,
    validation: weightedValidation,
  });
  assert.equal(tuned.stages.length, 4);
});

Deno.test("weightedMetrics with given validation data needs no sampleWeight: the training is unweighted, the metrics weighted by the data's own", () => {
  const vw = integerWeights(held.x.rows, 3), tw = integerWeights(test.x.rows, 4);
  const weighted = createCompressionSession({ x, y }, {
    ...FAST,
    weightedMetrics: true,
    validation: { ...held, sampleWeight: vw },
    test: { ...test, sampleWeight: tw },
  });
  const repeated = createCompressionSession({ x, y }, {
    ...FAST,
    validation: repeatRows(held.x, held.y, vw),
    test: repeatRows(test.x, test.y, tw),
  });
  assert.equal(weighted.trainSampleWeight, null);
  assert.deepEqual(weighted.dense, repeated.dense);
  assertSameMetrics(weighted.denseReport.validation, repeated.denseReport.validation, "validation");
  assertSameMetrics(weighted.denseReport.test!, repeated.denseReport.test!, "test");
  // Without sampleWeight, validation data without theirs are refused as such; a refit (which
  // measures on its training rows) needs sampleWeight.
  assert.throws(
    () => createCompressionSession({ x, y }, { ...FAST, weightedMetrics: true, validation: held }),
    {
      name: "RangeError",
      message: "Cannot compress model: weightedMetrics weighs the validation metrics, and the " +
        "validation data have no sampleWeight; give validation.sampleWeight",
    },
  );
  assert.throws(() => createRefitSession({ x, y }, { ...FAST, weightedMetrics: true }), {
    name: "RangeError",
    message: "Cannot refit compression: weightedMetrics weighs the metrics by the rows' " +
      "sampleWeight, which is not given (classWeight weighs the training only)",
  });
});
