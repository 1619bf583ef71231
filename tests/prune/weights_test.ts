/**
 * Row weights (sampleWeight, classWeight) through the pruning library: the scorers differentiate
 * fit's weighted objective, and every training forwards the weights. Oracles: integer weights
 * equal row repetition, finite differences of the weighted mean loss written out here, and
 * fit's own (separately tested) weighted training.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { l1LambdaMax, l1Path } from "../../lib/prune/l1.ts";
import { fineTune, gradualPrune, iterativePrune } from "../../lib/prune/retrain.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { lossDerivatives, obdScores, taylorScores } from "../../lib/prune/scores.ts";
import { pruneWithStrategy, strategyScores } from "../../lib/prune/strategy.ts";
import { pruneSweep } from "../../lib/prune/sweep.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { modelOf, problem } from "./_problems.ts";
import { integerWeights, repeatRows } from "../_helpers/weights.ts";

/** Weighted mean log loss written out from the definitions (model input space = raw here). */
function weightedLoss(m: LogisticModel, x: Matrix, y: Int32Array, s: ArrayLike<number>): number {
  const { rows: k, cols: d, data: w } = m.weights;
  let sum = 0, total = 0;
  for (let i = 0; i < x.rows; i++) {
    const z = Array.from({ length: k }, (_, c) => {
      let v = m.bias[c];
      for (let j = 0; j < d; j++) v += w[c * d + j] * x.data[i * d + j];
      return v;
    });
    let li: number;
    if (k === 1) li = Math.log1p(Math.exp(-(y[i] === 1 ? z[0] : -z[0])));
    else {
      const mx = Math.max(...z);
      li = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0)) - z[y[i]];
    }
    sum += s[i] * li;
    total += s[i];
  }
  return sum / total;
}

function withWeight(m: LogisticModel, i: number, v: number): LogisticModel {
  const data = m.weights.data.slice();
  data[i] = v;
  return { ...m, weights: { ...m.weights, data } };
}

for (const link of ["sigmoid", "softmax"] as const) {
  const k = link === "sigmoid" ? 1 : 3;
  const { x, y } = problem(11, 60, 4, link === "sigmoid" ? 2 : 3);
  const model = modelOf(
    link,
    Float64Array.from({ length: k * 4 }, (_, i) => 0.3 * Math.sin(i + 1)),
    Float64Array.from({ length: k }, (_, c) => 0.1 * c - 0.05),
    4,
  );
  const s = integerWeights(x.rows, 5);
  const rep = repeatRows(x, y, s);

  Deno.test(`lossDerivatives (${link}): integer sampleWeight equals repeated rows`, () => {
    const a = lossDerivatives(model, { x, y }, { sampleWeight: s, l2: 0.1 });
    const b = lossDerivatives(model, rep, { l2: 0.1 });
    assertClose(a.loss, b.loss, { rtol: 1e-12 });
    assertClose(a.gradient.data, b.gradient.data, { rtol: 1e-10, atol: 1e-14 });
    assertClose(a.hessianDiagonal.data, b.hessianDiagonal.data, { rtol: 1e-10, atol: 1e-14 });
    assertClose(a.meanAbsSampleGradient.data, b.meanAbsSampleGradient.data, {
      rtol: 1e-10,
      atol: 1e-14,
    });
    // And they are not the unweighted ones.
    const plain = lossDerivatives(model, { x, y }, { l2: 0.1 });
    assert.ok(Math.abs(plain.loss - a.loss) > 1e-6);
  });

  Deno.test(`lossDerivatives (${link}): weighted gradient and Hessian diagonal by finite differences`, () => {
    const sw = Float64Array.from({ length: x.rows }, (_, i) => 0.25 + (i % 7) / 3);
    const classWeight: Record<string, number> = link === "sigmoid" ? { c1: 3 } : { c0: 0.5, c2: 4 };
    const der = lossDerivatives(model, { x, y }, { sampleWeight: sw, classWeight });
    const eff = Float64Array.from(sw, (v, i) => v * (classWeight[model.classes[y[i]]] ?? 1));
    assertClose(der.loss, weightedLoss(model, x, y, eff), { rtol: 1e-12 });
    const h = 1e-4;
    for (let i = 0; i < model.weights.data.length; i++) {
      const w0 = model.weights.data[i];
      const lp = weightedLoss(withWeight(model, i, w0 + h), x, y, eff);
      const l0 = weightedLoss(model, x, y, eff);
      const lm = weightedLoss(withWeight(model, i, w0 - h), x, y, eff);
      assertClose(der.gradient.data[i], (lp - lm) / (2 * h), { atol: 1e-8 });
      assertClose(der.hessianDiagonal.data[i], (lp - 2 * l0 + lm) / (h * h), { atol: 1e-5 });
    }
  });

  Deno.test(`taylorScores and obdScores (${link}): integer weights equal repeated rows`, () => {
    for (const aggregate of ["sample", "batch"] as const) {
      assertClose(
        taylorScores(model, { x, y }, { aggregate, sampleWeight: s }).data,
        taylorScores(model, rep, { aggregate }).data,
        { rtol: 1e-10, atol: 1e-14 },
      );
    }
    for (const firstOrder of [false, true]) {
      assertClose(
        obdScores(model, { x, y }, { l2: 0.2, firstOrder, sampleWeight: s }).data,
        obdScores(model, rep, { l2: 0.2, firstOrder }).data,
        { rtol: 1e-10, atol: 1e-14 },
      );
    }
  });
}

Deno.test("scores: classWeight balanced is sampleWeight n / (classes * count_c); labels are the model's", () => {
  const { x, y } = problem(3, 50, 3, 2);
  const model = modelOf("sigmoid", Float64Array.from([0.5, -1, 0.25]), Float64Array.of(0.2), 3);
  const count = [0, 0];
  for (const v of y) count[v]++;
  const balanced = Float64Array.from(y, (v) => 50 / (2 * count[v]));
  assert.deepEqual(
    obdScores(model, { x, y }, { classWeight: "balanced" }).data,
    obdScores(model, { x, y }, { sampleWeight: balanced }).data,
  );
  assert.throws(
    () => taylorScores(model, { x, y }, { classWeight: { yes: 2 } }),
    {
      name: "RangeError",
      message: 'Cannot compute loss derivatives: classWeight names class "yes", which is not ' +
        'one of the classes ["c0","c1"]',
    },
  );
  assert.throws(
    () => lossDerivatives(model, { x, y }, { sampleWeight: [1, 2] }),
    {
      name: "TypeError",
      message:
        /^Cannot compute loss derivatives: sampleWeight must hold one weight per row of x \(50\)/,
    },
  );
});

Deno.test("strategyScores and pruneWithStrategy: weights reach taylor and obd; the others refuse them", () => {
  const { x, y } = problem(7, 80, 6, 3);
  const model = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 30 } }).model;
  const s = integerWeights(x.rows, 9);
  const rep = repeatRows(x, y, s);
  for (const strategy of ["taylor", "obd"] as const) {
    assertClose(
      strategyScores(model, strategy, { data: { x, y }, l2: 0.01, sampleWeight: s }).data,
      strategyScores(model, strategy, { data: rep, l2: 0.01 }).data,
      { rtol: 1e-10, atol: 1e-14 },
    );
    // Two steps re-score with the weights too.
    const a = pruneWithStrategy(model, strategy, {
      fraction: 0.5,
      data: { x, y },
      sampleWeight: s,
      steps: 2,
    });
    const b = pruneWithStrategy(model, strategy, { fraction: 0.5, data: rep, steps: 2 });
    assert.deepEqual(a.mask, b.mask);
  }
  for (const strategy of ["magnitude", "random", "l1"] as const) {
    assert.throws(
      () => pruneWithStrategy(model, strategy, { fraction: 0.5, classWeight: "balanced" }),
      {
        name: "RangeError",
        message: `Cannot ${strategy === "l1" ? "prune model" : "score weights"}: the ${strategy} ` +
          "strategy reads no data, so classWeight would weigh nothing; use taylor or obd, or " +
          "weigh the training (fit, fineTune) instead",
      },
    );
  }
});

// The trainings: fine-tuning keeps the model's preprocessing, so integer weights must give the
// model trained on repeated rows (up to L-BFGS's rounding).
Deno.test("fineTune and iterativePrune forward sampleWeight and classWeight (repeated rows)", () => {
  const { x, y } = problem(21, 90, 5, 3);
  const dense = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 40 } }).model;
  const pruned = pruneModel(dense, { fraction: 0.4 });
  const s = integerWeights(x.rows, 4);
  const rep = repeatRows(x, y, s);
  // An L2 penalty keeps the optimum finite and well conditioned (the fits must converge).
  const optimizer = { kind: "lbfgs", maxIterations: 300, tolerance: 1e-12 } as const;
  const penalty = { kind: "l2", lambda: 0.02 } as const;
  const a = fineTune(pruned, { x, y }, { optimizer, penalty, sampleWeight: s }).model;
  const b = fineTune(pruned, rep, { optimizer, penalty }).model;
  const plain = fineTune(pruned, { x, y }, { optimizer, penalty }).model;
  assertClose(a.weights.data, b.weights.data, { atol: 1e-6, message: "fineTune sampleWeight" });
  // Softmax biases are defined up to a common shift (not penalised): compare them centred.
  const centred = (v: Float64Array) => v.map((t) => t - v.reduce((p, q) => p + q, 0) / v.length);
  assertClose(centred(a.bias), centred(b.bias), { atol: 1e-6, message: "fineTune bias" });
  assert.ok(a.weights.data.some((v, i) => Math.abs(v - plain.weights.data[i]) > 1e-3));
  // classWeight {"0": 2} is rows of class 0 repeated twice.
  const twice = repeatRows(x, y, Int32Array.from(y, (v) => (v === 0 ? 2 : 1)));
  assertClose(
    fineTune(pruned, { x, y }, { optimizer, penalty, classWeight: { "0": 2 } }).model.weights.data,
    fineTune(pruned, twice, { optimizer, penalty }).model.weights.data,
    { atol: 1e-6, message: "fineTune classWeight" },
  );
  const it = (data: { x: Matrix; y: Int32Array }, extra: { sampleWeight?: Float64Array }) =>
    iterativePrune(dense, data, {
      sparsities: [0.3, 0.6],
      fineTune: { optimizer, penalty, ...extra },
    }).model;
  const ia = it({ x, y }, { sampleWeight: s }), ib = it(rep, {});
  assert.deepEqual(ia.mask, ib.mask);
  assertClose(ia.weights.data, ib.weights.data, { atol: 1e-6, message: "iterativePrune" });
});

Deno.test("gradualPrune forwards the weights to fit (no pruning: the weighted fit itself)", () => {
  const { x, y } = problem(8, 70, 4, 2);
  const sampleWeight = integerWeights(x.rows, 2);
  const optimizer = { kind: "adam", epochs: 4, learningRate: 0.05, batchSize: 16 } as const;
  const g = gradualPrune(x, y, {
    optimizer,
    sampleWeight,
    classWeight: { "1": 3 },
    schedule: { finalSparsity: 0, endStep: 2 },
  });
  const f = fit(x, y, { optimizer, sampleWeight, classWeight: { "1": 3 } });
  assert.deepEqual(g.model.weights.data, f.model.weights.data);
  const unweighted = fit(x, y, { optimizer });
  assert.notDeepEqual(g.model.weights.data, unweighted.model.weights.data);
});

Deno.test("l1LambdaMax of the weighted loss: repeated rows, and the weighted L1 fit's threshold", () => {
  for (const k of [2, 3]) {
    const { x, y } = problem(30 + k, 80, 5, k);
    const s = integerWeights(x.rows, k);
    const rep = repeatRows(x, y, s);
    const a = l1LambdaMax(x, y, { preprocessing: "none", sampleWeight: s });
    assertClose(a, l1LambdaMax(rep.x, rep.y, { preprocessing: "none" }), { rtol: 1e-12 });
    assert.ok(Math.abs(a - l1LambdaMax(x, y, { preprocessing: "none" })) > 1e-6 * a);
    // classWeight by label, with the labels named.
    const classes = Array.from({ length: k }, (_, c) => `L${c}`);
    const cw = l1LambdaMax(x, y, { preprocessing: "none", classes, classWeight: { L1: 3 } });
    const thrice = repeatRows(x, y, Int32Array.from(y, (v) => (v === 1 ? 3 : 1)));
    assertClose(cw, l1LambdaMax(thrice.x, thrice.y, { preprocessing: "none" }), { rtol: 1e-12 });
    // Just above it the weighted L1 fit is empty, just below it is not.
    const opts = {
      preprocessing: "none",
      sampleWeight: s,
      optimizer: { kind: "lbfgs", maxIterations: 300 },
    } as const;
    const above = fit(x, y, { ...opts, penalty: { kind: "l1", lambda: a * 1.01 } }).model;
    assert.ok(above.weights.data.every((w) => w === 0));
    const below = fit(x, y, { ...opts, penalty: { kind: "l1", lambda: a * 0.9 } }).model;
    assert.ok(below.weights.data.some((w) => w !== 0));
  }
});

Deno.test("l1Path: weighted points and default strengths equal those of repeated rows", () => {
  const { x, y } = problem(40, 70, 4, 2);
  const s = integerWeights(x.rows, 6);
  const rep = repeatRows(x, y, s);
  const optimizer = { kind: "lbfgs", maxIterations: 300, tolerance: 1e-12 } as const;
  const a = l1Path(x, y, { preprocessing: "none", optimizer, sampleWeight: s });
  const b = l1Path(rep.x, rep.y, { preprocessing: "none", optimizer });
  assertClose(a.map((p) => p.lambda), b.map((p) => p.lambda), { rtol: 1e-12 });
  assertClose(a[0].lambda, l1LambdaMax(x, y, { preprocessing: "none", sampleWeight: s }), {
    rtol: 0,
  });
  for (let i = 0; i < a.length; i++) {
    assertClose(a[i].model.weights.data, b[i].model.weights.data, { atol: 1e-5 });
  }
  // The classWeight's labels come from the path's classes.
  const named = l1Path(x, y, {
    preprocessing: "none",
    optimizer,
    classes: ["neg", "pos"],
    classWeight: { pos: 3 },
    lambdas: undefined,
  });
  const thrice = repeatRows(x, y, Int32Array.from(y, (v) => (v === 1 ? 3 : 1)));
  assertClose(named[0].lambda, l1LambdaMax(thrice.x, thrice.y, { preprocessing: "none" }), {
    rtol: 1e-12,
  });
});

Deno.test("pruneSweep: sampleWeight weighs the taylor/obd scores and the fine-tuning (repeated rows)", () => {
  const { x, y } = problem(50, 90, 6, 3);
  const test = problem(51, 40, 6, 3);
  const dense = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 40 } }).model;
  const s = integerWeights(x.rows, 12);
  const rep = repeatRows(x, y, s);
  const common = {
    strategies: ["taylor", "obd", "magnitude"],
    sparsities: [0.5],
    l2: 0.02,
    fineTune: {
      optimizer: { kind: "lbfgs", maxIterations: 300, tolerance: 1e-12 },
      penalty: { kind: "l2", lambda: 0.02 },
    },
  } as const;
  const a = pruneSweep(dense, { train: { x, y }, test }, { ...common, sampleWeight: s });
  const b = pruneSweep(dense, { train: rep, test }, common);
  assert.equal(a.length, b.length);
  a.forEach((row, i) => {
    assert.deepEqual(row.model.mask, b[i].model.mask, `${row.strategy} ${row.fineTuned}`);
    assertClose(row.model.weights.data, b[i].model.weights.data, {
      atol: 1e-6,
      message: `${row.strategy} ${row.fineTuned}`,
    });
  });
  assert.throws(
    () =>
      pruneSweep(dense, { train: { x, y }, test }, {
        strategies: ["magnitude", "random"],
        classWeight: "balanced",
      }),
    {
      name: "RangeError",
      message: "Cannot run pruning sweep: classWeight would weigh nothing: no strategy reads " +
        "data (taylor, obd) and nothing is fine-tuned",
    },
  );
  assert.throws(
    () =>
      pruneSweep(dense, { train: { x, y }, test }, {
        sampleWeight: s,
        fineTune: { sampleWeight: s },
      }),
    {
      name: "RangeError",
      message: "Cannot run pruning sweep: sampleWeight given both at the top level and in " +
        "fineTune; give them once, at the top level (they weigh the scores and the fine-tuning)",
    },
  );
  // Given in fineTune alone, the weights weigh the fine-tuning only (magnitude reads no data):
  // as fine-tuning on the repeated rows. Refusing them as "given both" took them for top-level.
  const tuneOnly = {
    strategies: ["magnitude"],
    sparsities: [0.5],
    fineTune: common.fineTune,
  } as const;
  const c = pruneSweep(dense, { train: { x, y }, test }, {
    ...tuneOnly,
    fineTune: { ...common.fineTune, sampleWeight: s },
  });
  const d = pruneSweep(dense, { train: rep, test }, tuneOnly);
  assert.equal(c.length, 2);
  c.forEach((row, i) => {
    assert.deepEqual(row.model.mask, d[i].model.mask, `fineTune only ${row.fineTuned}`);
    assertClose(row.model.weights.data, d[i].model.weights.data, {
      atol: 1e-6,
      message: `fineTune only ${row.fineTuned}`,
    });
  });
});

Deno.test("pruneSweep: the obd rows rank by the weighted scores (a mask the unweighted scores do not give)", () => {
  // Features whose spread differs by class, so weighing the 5 % class reorders OBD's saliencies.
  let seed = 777;
  const r = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const scale = [[1, 0.2], [0.2, 1], [1, 1], [0.3, 2], [2, 0.3], [1, 0.5], [0.5, 1], [1, 1]];
  const shift = [0.5, 0.3, 0.8, 0.2, -0.4, 0.1, 0.6, 0];
  const n = 1500, d = 8;
  const x = { data: new Float64Array(n * d), rows: n, cols: d }, y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 20 === 3 ? 1 : 0;
    for (let j = 0; j < d; j++) {
      x.data[i * d + j] = (r() + r() - 1) * scale[j][y[i]] + y[i] * shift[j];
    }
  }
  const classWeight = { "1": 12 };
  const dense = fit(x, y, { classWeight }).model;
  const rows = pruneSweep(dense, { train: { x, y }, test: { x, y } }, {
    strategies: ["obd"],
    sparsities: [0.5],
    classWeight,
  });
  const weighted = pruneWithStrategy(dense, "obd", { fraction: 0.5, data: { x, y }, classWeight });
  const unweighted = pruneWithStrategy(dense, "obd", { fraction: 0.5, data: { x, y } });
  assert.notDeepEqual(weighted.mask, unweighted.mask);
  assert.deepEqual(rows[0].model.mask, weighted.mask);
  // pruneWithStrategy in 3 steps scores every step with the weights: the repeated rows' masks
  // (on these data, scoring the first steps unweighted gives other masks).
  const rep = repeatRows(x, y, Int32Array.from(y, (v) => (v === 1 ? 12 : 1)));
  for (const strategy of ["obd", "taylor"] as const) {
    const stepped = { fraction: 0.5, steps: 3 };
    assert.deepEqual(
      pruneWithStrategy(dense, strategy, { ...stepped, data: { x, y }, classWeight }).mask,
      pruneWithStrategy(dense, strategy, { ...stepped, data: rep }).mask,
      strategy,
    );
  }
});
