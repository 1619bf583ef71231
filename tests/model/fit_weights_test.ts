import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { effectiveWeights, fit, type FitOptions } from "../../lib/model/fit.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";
import type { Link, LogisticModel } from "../../lib/model/types.ts";
import { rejectsWith, throwsWith } from "../_helpers/errors.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn } from "../_helpers/python.ts";

/** A small seeded generator (independent of the library's). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Float32 features around a class-dependent centre: class c has `shares[c]` of the rows.
 */
function makeData(n: number, d: number, shares: readonly number[], seed: number) {
  const r = lcg(seed);
  const x = new Float32Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = r(), c = 0;
    while (c < shares.length - 1 && u >= shares[c]) u -= shares[c++];
    y[i] = c;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = 1.2 * (r() + r() - 1) + (j % shares.length === c ? 0.8 : 0) - 0.2 * j;
    }
  }
  // Every class present at least twice.
  for (let c = 0; c < shares.length; c++) y[2 * c] = y[2 * c + 1] = c;
  return { x: { data: x, rows: n, cols: d } as Matrix, y };
}

/** Integer weights in 0..3, some rows 0. */
function integerWeights(n: number, seed: number): Float64Array {
  const r = lcg(seed);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.floor(r() * 4);
  s[0] = 2;
  return s;
}

/** Each row repeated `s[i]` times. */
function repeatRows(x: Matrix, y: Int32Array, s: ArrayLike<number>) {
  const d = x.cols, rows: number[] = [];
  for (let i = 0; i < x.rows; i++) for (let t = 0; t < s[i]; t++) rows.push(i);
  const data = new Float32Array(rows.length * d);
  rows.forEach((i, p) => data.set(x.data.subarray(i * d, (i + 1) * d), p * d));
  return {
    x: { data, rows: rows.length, cols: d } as Matrix,
    y: Int32Array.from(rows, (i) => y[i]),
  };
}

/**
 * The weighted summed log loss `sum_i s_i (-log p(y_i | x_i))`, written out directly (float64,
 * no shared code with the kernels).
 */
function weightedLoss(
  x: Matrix,
  y: Int32Array,
  s: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  link: Link,
): number {
  const d = x.cols;
  let total = 0;
  for (let i = 0; i < x.rows; i++) {
    const z: number[] = [];
    for (let c = 0; c < b.length; c++) {
      let v = b[c];
      for (let j = 0; j < d; j++) v += w[c * d + j] * x.data[i * d + j];
      z.push(v);
    }
    let nll: number;
    if (link === "sigmoid") {
      const p = 1 / (1 + Math.exp(-z[0]));
      nll = -Math.log(y[i] === 1 ? p : 1 - p);
    } else {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      nll = lse - z[y[i]];
    }
    total += s[i] * nll;
  }
  return total;
}

/** The weighted objective: weighted mean loss plus the L2 penalty. */
function weightedObjective(
  model: LogisticModel,
  x: Matrix,
  y: Int32Array,
  s: ArrayLike<number>,
  lambda: number,
): number {
  let sum = 0, sq = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  for (const v of model.weights.data) sq += v * v;
  return weightedLoss(x, y, s, model.weights.data, model.bias, model.link) / sum +
    0.5 * lambda * sq;
}

function randomPoint(k: number, d: number, seed: number) {
  const r = lcg(seed);
  return {
    w: Float64Array.from({ length: k * d }, () => r() - 0.5),
    b: Float64Array.from({ length: k }, () => r() - 0.5),
  };
}

const CASES = [
  { link: "sigmoid" as const, shares: [0.8, 0.2], k: 1 },
  { link: "softmax" as const, shares: [0.5, 0.4, 0.1], k: 3 },
];

for (const { link, shares, k } of CASES) {
  Deno.test(`ts kernel: integer weights give the loss and gradient of repeated rows (${link})`, () => {
    const { x, y } = makeData(80, 5, shares, 11);
    const s = integerWeights(80, 12);
    const rep = repeatRows(x, y, s);
    const { w, b } = randomPoint(k, 5, 13);
    const run = (m: Matrix, labels: Int32Array, sw: Float64Array | null) => {
      const gw = new Float64Array(k * 5), gb = new Float64Array(k);
      const r = accumulateLoss(
        m,
        labels,
        null,
        0,
        m.rows,
        w,
        b,
        link,
        gw,
        gb,
        new Float64Array(k),
        sw,
      );
      return { ...r, gw, gb };
    };
    const weighted = run(x, y, s), repeated = run(rep.x, rep.y, null), plain = run(x, y, null);
    assertClose(weighted.loss, repeated.loss, { rtol: 1e-12, message: "loss" });
    assertClose(weighted.gw, repeated.gw, { atol: 1e-12, rtol: 1e-12, message: "gradW" });
    assertClose(weighted.gb, repeated.gb, { atol: 1e-12, rtol: 1e-12, message: "gradB" });
    // The loss is the weighted sum written out directly; the correct count stays unweighted.
    assertClose(weighted.loss, weightedLoss(x, y, s, w, b, link), { rtol: 1e-12 });
    assert.equal(weighted.correct, plain.correct);
    assert.notEqual(weighted.correct, repeated.correct);
    // Indexed positions (a mini-batch) take row order[p]'s weight, not position p's.
    const order = Int32Array.from({ length: 80 }, (_, i) => (i * 13) % 80);
    const sBatch = new Float64Array(80);
    for (let p = 10; p < 50; p++) sBatch[order[p]] = s[order[p]];
    const batch = accumulateLoss(
      x,
      y,
      order,
      10,
      50,
      w,
      b,
      link,
      null,
      null,
      new Float64Array(k),
      s,
    );
    assertClose(batch.loss, weightedLoss(x, y, sBatch, w, b, link), { rtol: 1e-12 });
  });

  Deno.test(`wasm engine: integer weights give the loss and gradient of repeated rows, in any shard and order (${link})`, () => {
    const { x, y } = makeData(300, 9, shares, 21);
    const s = integerWeights(300, 22);
    const rep = repeatRows(x, y, s);
    const { w, b } = randomPoint(k, 9, 23);
    // Small shards over two threads: the weights reach the workers.
    const opts = { threads: 2, shardRows: 16, blockRows: 8 };
    const weighted = createLossEngine(x, y, link, k, { ...opts, sampleWeight: s });
    const repeated = createLossEngine(rep.x, rep.y, link, k, opts);
    const plain = createLossEngine(x, y, link, k, opts);
    try {
      const call = (
        e: ReturnType<typeof createLossEngine>,
        rows: Int32Array | null,
        start: number,
        end: number,
      ) => {
        const gw = new Float64Array(k * 9), gb = new Float64Array(k);
        const r = e.accumulate(rows, start, end, w, b, gw, gb);
        return { ...r, gw, gb };
      };
      const a = call(weighted, null, 0, 300), r = call(repeated, null, 0, rep.x.rows);
      assertClose(a.loss, r.loss, { rtol: 1e-9, message: "loss" });
      assertClose(a.gw, r.gw, { atol: 1e-4, rtol: 1e-5, message: "gradW" });
      assertClose(a.gb, r.gb, { atol: 1e-9, rtol: 1e-9, message: "gradB" });
      assert.equal(a.correct, call(plain, null, 0, 300).correct);
      // Indexed positions (a mini-batch): row order[p]'s weight, not position p's.
      const order = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 300);
      const batch = call(weighted, order, 40, 200);
      const sBatch = new Float64Array(300);
      for (let p = 40; p < 200; p++) sBatch[order[p]] = s[order[p]];
      assertClose(batch.loss, weightedLoss(x, y, sBatch, w, b, link), { rtol: 1e-6 });
      const ts = new Float64Array(k * 9), tsb = new Float64Array(k);
      const xs = { data: Float64Array.from(x.data), rows: x.rows, cols: x.cols };
      accumulateLoss(xs, y, order, 40, 200, w, b, link, ts, tsb, new Float64Array(k), s);
      assertClose(batch.gw, ts, { atol: 1e-4, rtol: 1e-5, message: "batch gradW" });
      assertClose(batch.gb, tsb, { atol: 1e-9, rtol: 1e-5, message: "batch gradB" });
    } finally {
      weighted.close();
      repeated.close();
      plain.close();
    }
  });

  Deno.test(`the weighted loss's gradient matches finite differences (${link})`, () => {
    const { x, y } = makeData(40, 4, shares, 31);
    const r = lcg(32);
    const s = Float64Array.from({ length: 40 }, () => 3 * r());
    const xs = { data: Float64Array.from(x.data), rows: x.rows, cols: x.cols };
    const { w, b } = randomPoint(k, 4, 33);
    const gw = new Float64Array(k * 4), gb = new Float64Array(k);
    accumulateLoss(xs, y, null, 0, 40, w, b, link, gw, gb, new Float64Array(k), s);
    const h = 1e-6;
    const fd = (v: Float64Array, i: number) => {
      const keep = v[i];
      v[i] = keep + h;
      const up = weightedLoss(xs, y, s, w, b, link);
      v[i] = keep - h;
      const down = weightedLoss(xs, y, s, w, b, link);
      v[i] = keep;
      return (up - down) / (2 * h);
    };
    assertClose(gw, Array.from(gw, (_, i) => fd(w, i)), { atol: 1e-6, rtol: 1e-6 });
    assertClose(gb, Array.from(gb, (_, i) => fd(b, i)), { atol: 1e-6, rtol: 1e-6 });
  });

  for (const backend of ["ts", "wasm"] as const) {
    const settings: { name: string; options: FitOptions; atol: number }[] = [
      {
        name: "L2, preconditioned",
        options: { penalty: { kind: "l2", lambda: 0.05 } },
        atol: backend === "ts" ? 1e-6 : 1e-4,
      },
      {
        name: "L2, not preconditioned",
        options: {
          penalty: { kind: "l2", lambda: 0.05 },
          optimizer: { kind: "lbfgs", precondition: false, tolerance: 1e-9 },
        },
        atol: backend === "ts" ? 1e-6 : 1e-4,
      },
      {
        name: "elastic net (OWL-QN)",
        options: { penalty: { kind: "elasticnet", lambda: 0.04, l1Ratio: 0.5 } },
        atol: backend === "ts" ? 1e-5 : 1e-4,
      },
    ];
    for (const { name, options, atol } of settings) {
      Deno.test(`L-BFGS (${name}) with integer weights fits the repeated rows' model (${link}, ${backend})`, () => {
        const { x, y } = makeData(120, 4, shares, 41);
        const s = integerWeights(120, 42);
        const rep = repeatRows(x, y, s);
        const common: FitOptions = {
          backend,
          preprocessing: "none",
          classes: shares.map((_, c) => String(c)),
          optimizer: { kind: "lbfgs", tolerance: 1e-9 },
          ...options,
        };
        const weighted = fit(x, y, { ...common, sampleWeight: s });
        const repeated = fit(rep.x, rep.y, common);
        assertClose(weighted.model.weights.data, repeated.model.weights.data, { atol, rtol: 0 });
        assertClose(weighted.model.bias, repeated.model.bias, { atol, rtol: 0 });
        // The history's loss is the weighted mean; its accuracy is plain accuracy on x.
        const last = weighted.history.at(-1)!;
        const m = weighted.model;
        let total = 0;
        for (const v of s) total += v;
        assertClose(
          last.trainLoss,
          weightedLoss(x, y, s, m.weights.data, m.bias, m.link) / total,
          { rtol: 1e-5 },
        );
        assert.equal(last.trainAccuracy, accuracy(m, x, y));
      });
    }
  }

  Deno.test(`a mask and weights: fine-tuning fits the repeated rows' masked model (${link})`, () => {
    const { x, y } = makeData(100, 4, shares, 51);
    const s = integerWeights(100, 52);
    const rep = repeatRows(x, y, s);
    const mask = Uint8Array.from({ length: k * 4 }, (_, i) => (i % 3 === 1 ? 0 : 1));
    const common: FitOptions = {
      backend: "ts",
      preprocessing: "none",
      mask,
      penalty: { kind: "l2", lambda: 0.05 },
      optimizer: { kind: "lbfgs", tolerance: 1e-10 },
    };
    const weighted = fit(x, y, { ...common, sampleWeight: s }).model;
    const repeated = fit(rep.x, rep.y, common).model;
    assertClose(weighted.weights.data, repeated.weights.data, { atol: 1e-6, rtol: 0 });
    assert.ok(weighted.weights.data.every((v, i) => mask[i] === 1 || v === 0));
  });
}

/** Plain accuracy of a model on data (scores argmax, float64). */
function accuracy(model: LogisticModel, x: Matrix, y: Int32Array): number {
  const d = x.cols, k = model.bias.length;
  let right = 0;
  for (let i = 0; i < x.rows; i++) {
    let best = 0, bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      let v = model.bias[c];
      for (let j = 0; j < d; j++) v += model.weights.data[c * d + j] * x.data[i * d + j];
      if (v > bestScore) [best, bestScore] = [c, v];
    }
    const predicted = k === 1 ? (bestScore > 0 ? 1 : 0) : best;
    if (predicted === y[i]) right++;
  }
  return right / x.rows;
}

const python = await pythonWithSklearn();

Deno.test({
  name: "class and sample weights match scikit-learn's LogisticRegression" +
    (python ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"),
  ignore: !python,
  async fn() {
    const problems: {
      shares: number[];
      n: number;
      classWeight: "balanced" | Record<string, number>;
      sample: boolean;
    }[] = [
      { shares: [0.98, 0.02], n: 400, classWeight: "balanced", sample: false },
      { shares: [0.48, 0.48, 0.04], n: 300, classWeight: "balanced", sample: false },
      { shares: [0.7, 0.3], n: 200, classWeight: { "1": 3, "0": 0.5 }, sample: true },
      { shares: [0.48, 0.48, 0.04], n: 300, classWeight: { "2": 5 }, sample: true },
      // "balanced" counts rows without their sample weights, as scikit-learn does.
      { shares: [0.9, 0.1], n: 300, classWeight: "balanced", sample: true },
    ];
    const lambda = 0.02;
    for (const [p, problem] of problems.entries()) {
      const { x, y } = makeData(problem.n, 3, problem.shares, 61 + p);
      const r = lcg(70 + p);
      const s = problem.sample
        ? Float64Array.from({ length: problem.n }, () => 0.2 + 2 * r())
        : null;
      const classes = problem.shares.map((_, c) => String(c));
      const ours = fit(x, y, {
        backend: "ts",
        preprocessing: "none",
        classes,
        classWeight: problem.classWeight,
        ...(s ? { sampleWeight: s } : {}),
        penalty: { kind: "l2", lambda },
        optimizer: { kind: "lbfgs", tolerance: 1e-10, maxIterations: 5000 },
      }).model;
      // scikit-learn minimises C sum_i s_i loss_i + |W|^2 / 2, ours sum_i s_i loss_i / sum_i s_i
      // + lambda |W|^2 / 2: the same minimiser for C = 1 / (lambda sum_i s_i), where s_i is
      // sample_weight times class_weight (scikit-learn computes "balanced" itself).
      const script = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight
d = json.load(sys.stdin)
x = np.array(d["x"]).reshape(-1, d["cols"]); y = np.array(d["y"])
sw = np.ones(len(y)) if d["s"] is None else np.array(d["s"])
cw = d["cw"] if d["cw"] == "balanced" else {int(k): v for k, v in d["cw"].items()}
per = compute_class_weight(cw, classes=np.unique(y), y=y)
eff = sw * per[y]
C = 1.0 / (d["lambda"] * eff.sum())
m = LogisticRegression(C=C, class_weight=cw, tol=1e-12, max_iter=100000)
m.fit(x, y, sample_weight=None if d["s"] is None else sw)
json.dump({"coef": m.coef_.ravel().tolist(), "intercept": m.intercept_.tolist()}, sys.stdout)
`;
      const child = new Deno.Command(python!, {
        args: ["-c", script],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify({
        x: Array.from(x.data),
        cols: x.cols,
        y: Array.from(y),
        s: s ? Array.from(s) : null,
        cw: problem.classWeight,
        lambda,
      })));
      await writer.close();
      const out = await child.output();
      assert.ok(out.success, "scikit-learn failed");
      const ref = JSON.parse(new TextDecoder().decode(out.stdout));
      const msg = `problem ${p}`;
      if (ours.link === "sigmoid") {
        assertClose(ours.weights.data, ref.coef, { atol: 2e-4, rtol: 0, message: msg });
        assertClose(ours.bias, ref.intercept, { atol: 2e-4, rtol: 0, message: msg });
      } else {
        // The softmax is determined up to a shift per feature; both penalise |W|^2, whose
        // minimiser has class-summed weights of zero: compare as they are.
        assertClose(ours.weights.data, ref.coef, { atol: 2e-4, rtol: 0, message: msg });
        // scikit-learn's intercepts are unpenalised and centred differently: compare centred.
        const centre = (v: ArrayLike<number>) => {
          const m = Array.from(v).reduce((a, b) => a + b, 0) / v.length;
          return Array.from(v, (t) => t - m);
        };
        assertClose(centre(ours.bias), centre(ref.intercept), {
          atol: 2e-4,
          rtol: 0,
          message: msg,
        });
      }
    }
  },
});

Deno.test("equal weights give the unweighted model: bit for bit for ones, closely for others", () => {
  const { x, y } = makeData(150, 4, [0.5, 0.3, 0.2], 81);
  const optimizers = [
    { kind: "lbfgs" as const, tolerance: 1e-10 },
    { kind: "sgd" as const, epochs: 3 },
  ];
  for (const optimizer of optimizers) {
    for (const backend of ["ts", "wasm"] as const) {
      const plainFit = fit(x, y, { backend, optimizer });
      const plain = plainFit.model;
      const ones = fit(x, y, { backend, optimizer, sampleWeight: new Float64Array(150).fill(1) });
      assert.deepEqual(ones.model.weights.data, plain.weights.data);
      assert.deepEqual(ones.model.bias, plain.bias);
      const sameFit = fit(x, y, {
        backend,
        optimizer,
        sampleWeight: new Array(150).fill(2.5),
        classWeight: { "0": 4, "1": 4, "2": 4 },
      });
      const same = sameFit.model;
      // The history reports the weighted mean loss, here the plain mean.
      assertClose(sameFit.history[0].trainLoss, plainFit.history[0].trainLoss, { rtol: 1e-6 });
      // Other weights round differently: L-BFGS stops near the same optimum, on wasm where its
      // float32 gradients let it decrease no further.
      const message = `${optimizer.kind} ${backend}`;
      const atol = optimizer.kind === "lbfgs" && backend === "wasm" ? 1e-4 : 1e-6;
      assertClose(same.weights.data, plain.weights.data, { atol, rtol: 0, message });
      assertClose(same.bias, plain.bias, { atol, rtol: 0, message });
    }
  }
});

Deno.test("SGD and Adam with weights move to the weighted optimum", () => {
  const { x, y } = makeData(600, 4, [0.9, 0.1], 91);
  const lambda = 0.01;
  // Balanced weights: the rare class weighs 9 times as much per row.
  const counts = [0, 0];
  for (const v of y) counts[v]++;
  const s = Float64Array.from(y, (v) => 600 / (2 * counts[v]));
  const objective = (m: LogisticModel) => weightedObjective(m, x, y, s, lambda);
  const base: FitOptions = {
    backend: "ts",
    preprocessing: "none",
    penalty: { kind: "l2", lambda },
  };
  const best = objective(
    fit(x, y, { ...base, classWeight: "balanced", optimizer: { kind: "lbfgs", tolerance: 1e-10 } })
      .model,
  );
  for (
    const optimizer of [
      { kind: "sgd" as const, epochs: 30, learningRate: 0.05, batchSize: 32 },
      { kind: "adam" as const, epochs: 30, learningRate: 0.02, batchSize: 32 },
    ]
  ) {
    const unweighted = objective(fit(x, y, { ...base, optimizer }).model);
    const result = fit(x, y, { ...base, optimizer, classWeight: "balanced" });
    const weighted = objective(result.model);
    // Within a small gap of the weighted optimum, well below the unweighted model's value.
    assert.ok(
      weighted - best < 0.1 * (unweighted - best),
      `${optimizer.kind}: ${weighted} vs ${unweighted}, optimum ${best}`,
    );
    // The history's objective is the weighted one (at the epoch's end).
    assertClose(result.history.at(-1)!.objective, weighted, { rtol: 0.05 });
  }
});

Deno.test("only the weights' ratios matter: any scale fits the model of weights near 1", () => {
  // The weighted mean sum s_i loss_i / sum s_i does not change when every s_i is multiplied by
  // one constant, so neither does its minimiser. Scaled by a power of two the arithmetic is
  // exact, so the fit must repeat bit for bit; other factors agree closely. Before the weights
  // were rescaled, wasm's float32 residuals s * (p - y) overflowed from s = 1e39 (NaN, or
  // L-BFGS's zero model "not finite at the start") and flushed to zero below 1e-38 (Adam left
  // the zero model), and on either backend a subnormal sum of weights made 1 / sum Infinity.
  const { x, y } = makeData(300, 5, [0.6, 0.4], 707);
  const r = lcg(708);
  const base = Float64Array.from(y, () => 0.5 + r()); // largest in [1, 2)
  const optimizers = [{ kind: "lbfgs", tolerance: 1e-9 }, {
    kind: "adam",
    epochs: 4,
    batchSize: 32,
  }] as const;
  for (const backend of ["ts", "wasm"] as const) {
    for (const optimizer of optimizers) {
      const fitWith = (sampleWeight: Float64Array, classWeight?: Record<string, number>) =>
        fit(x, y, { backend, optimizer, sampleWeight, classWeight });
      const plain = fitWith(base);
      // Another factor rounds the weights differently (1e-16): on wasm's float32 gradients that
      // moves the L-BFGS optimum by up to its noise floor (1.2e-4 seen at 1e-40).
      const atol = backend === "wasm" ? 5e-4 : 1e-6;
      for (const k of [-1000, -150, -140, 130, 150, 1000]) {
        const scaled = fitWith(base.map((v) => v * 2 ** k));
        const message = `${backend} ${optimizer.kind} 2^${k}`;
        assert.deepEqual(scaled.model.weights.data, plain.model.weights.data, message);
        assert.deepEqual(scaled.model.bias, plain.model.bias, message);
        assert.deepEqual(
          scaled.history,
          plain.history.map((h, i) => ({
            ...h,
            seconds: scaled.history[i].seconds,
          })),
          message,
        );
      }
      for (const f of [1e-310, 1e-40, 1e39, 1e300, 1e305]) {
        const scaled = fitWith(base.map((v) => v * f));
        const message = `${backend} ${optimizer.kind} ${f}`;
        assertClose(scaled.model.weights.data, plain.model.weights.data, {
          atol,
          rtol: 0,
          message,
        });
        assertClose(scaled.model.bias, plain.model.bias, { atol, rtol: 0, message });
      }
      // Class weights of 1e-40 and 2e-40: the model of 1 and 2.
      const tiny = fitWith(base, { "0": 1e-40, "1": 2e-40 }), unit = fitWith(base, { "1": 2 });
      assertClose(tiny.model.weights.data, unit.model.weights.data, { atol, rtol: 0 });
      assertClose(tiny.model.bias, unit.model.bias, { atol, rtol: 0 });
    }
  }
});

Deno.test("without a penalty, rows weighing more than 0 that are separable get the separability warning", () => {
  // Negatives at x in [-2, -1], positives at [1, 2], and row 0 a negative among the positives
  // (x = 1.5). Weighing 1 it makes the data non-separable (a finite optimum, row 0 misclassified);
  // weighing 0 it leaves the objective, which then keeps falling as the weight grows, as on
  // separable data: the warning must say so, though row 0 is still misclassified.
  const n = 40;
  const x = { data: new Float64Array(n), rows: n, cols: 1 } as Matrix, y = new Int32Array(n);
  for (let i = 1; i < n; i++) {
    y[i] = i % 2;
    x.data[i] = (y[i] === 1 ? 1 : -1) * (1 + (i % 7) / 7);
  }
  x.data[0] = 1.5;
  const warning = (prefix: string) =>
    `${prefix} are perfectly separable and there is no penalty: the loss keeps falling as the ` +
    "weights grow, so they depend on when training stopped; add an L2 penalty for a " +
    "well-defined model";
  for (const backend of ["ts", "wasm"] as const) {
    const options: FitOptions = { backend, penalty: { kind: "none" } };
    const ones = new Float64Array(n).fill(1);
    assert.deepEqual(fit(x, y, { ...options, sampleWeight: ones }).warnings, [], backend);
    const zero = ones.slice();
    zero[0] = 0;
    const result = fit(x, y, { ...options, sampleWeight: zero });
    assert.ok(result.history.at(-1)!.trainAccuracy < 1, backend); // row 0 still counts there
    assert.deepEqual(
      result.warnings,
      [warning("the training data (their rows weighing more than 0)")],
      backend,
    );
    // The separable rows alone, without weights: the warning keeps its words.
    const rest = { data: x.data.subarray(1), rows: n - 1, cols: 1 } as Matrix;
    assert.deepEqual(
      fit(rest, y.subarray(1), options).warnings,
      [warning("the training data")],
      backend,
    );
  }
});

Deno.test("the weights are refused naming the row, class or value at fault", async () => {
  const { x, y } = makeData(10, 2, [0.5, 0.5], 101);
  const refuse = (options: FitOptions, error: ErrorConstructor, message: string) =>
    assert.throws(() => fit(x, y, options), (e: unknown) => {
      assert.ok(e instanceof error, `${e}`);
      assert.equal((e as Error).message, message);
      return true;
    });
  const s = (edit: (a: number[]) => void) => {
    const a = new Array(10).fill(1);
    edit(a);
    return a;
  };
  refuse(
    { sampleWeight: new Float64Array(9) },
    TypeError,
    "Cannot fit model: sampleWeight must hold one weight per row of x (10), got Float64Array(9)",
  );
  refuse(
    { sampleWeight: "1111111111" as never },
    TypeError,
    'Cannot fit model: sampleWeight must hold one weight per row of x (10), got string "1111111111"',
  );
  refuse(
    { sampleWeight: s((a) => a[3] = -1) },
    RangeError,
    "Cannot fit model: sampleWeight[3] is -1; weights must be finite numbers >= 0",
  );
  refuse(
    { sampleWeight: s((a) => a[4] = NaN) },
    RangeError,
    "Cannot fit model: sampleWeight[4] is NaN; weights must be finite numbers >= 0",
  );
  refuse(
    { sampleWeight: s((a) => a[5] = Infinity) },
    RangeError,
    "Cannot fit model: sampleWeight[5] is Infinity; weights must be finite numbers >= 0",
  );
  refuse(
    { sampleWeight: s((a) => a[6] = "2" as never) },
    RangeError,
    'Cannot fit model: sampleWeight[6] is string "2"; weights must be finite numbers >= 0',
  );
  refuse(
    { sampleWeight: new Float64Array(10) },
    RangeError,
    "Cannot fit model: every training row weighs 0 (sampleWeight); at least one row must weigh " +
      "more than 0",
  );
  refuse(
    { classWeight: { "0": 0, "1": 0 } },
    RangeError,
    "Cannot fit model: every training row weighs 0 (classWeight); at least one row must weigh " +
      "more than 0",
  );
  refuse(
    { sampleWeight: Float64Array.from(y, (v) => v), classWeight: { "1": 0 } },
    RangeError,
    "Cannot fit model: every training row weighs 0 (sampleWeight times classWeight); at least " +
      "one row must weigh more than 0",
  );
  refuse(
    { sampleWeight: new Float64Array(10).fill(1e308) },
    RangeError,
    "Cannot fit model: the row weights sum to Infinity, beyond float64; scale them down (only " +
      "their ratios matter)",
  );
  refuse(
    { classes: ["cat", "dog"], classWeight: { cat: 1, Dog: 2 } },
    RangeError,
    'Cannot fit model: classWeight names class "Dog", which is not one of the classes ' +
      '["cat","dog"]',
  );
  refuse(
    { classes: ["cat", "dog"], classWeight: { dog: -2 } },
    RangeError,
    'Cannot fit model: classWeight of class "dog" is -2; weights must be finite numbers >= 0',
  );
  refuse(
    { classWeight: { "1": "3" as never } },
    RangeError,
    'Cannot fit model: classWeight of class "1" is string "3"; weights must be finite numbers >= 0',
  );
  refuse(
    { classWeight: "balance" as never },
    TypeError,
    'Cannot fit model: classWeight must be "balanced" or an object from class labels to ' +
      'weights, got string "balance"',
  );
  refuse(
    { classWeight: [1, 2] as never },
    TypeError,
    'Cannot fit model: classWeight must be "balanced" or an object from class labels to ' +
      "weights, got Array(2)",
  );
  // Streaming training checks its class weights as fit does.
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,label\n1,0\n2,1\n");
    await rejectsWith(
      () => fitStream(file, { label: "label", classWeight: { "2": 1 } }),
      RangeError,
      'Cannot fit model from stream: classWeight names class "2", which is not one of the ' +
        'classes ["0","1"]',
    );
  } finally {
    await Deno.remove(file);
  }
  // The engine checks its own weights, and keeps them to its rows.
  throwsWith(
    () => createLossEngine(x, y, "sigmoid", 1, { sampleWeight: [1, 2] }),
    TypeError,
    "Cannot create loss engine: sampleWeight must hold one weight per row of x (10), got Array(2)",
  );
  throwsWith(
    () => createLossEngine(x, y, "sigmoid", 1, { sampleWeight: s((a) => a[2] = -0.5) }),
    RangeError,
    "Cannot create loss engine: sampleWeight[2] is -0.5; weights must be finite and >= 0",
  );
  const engine = createLossEngine(x, y, "sigmoid", 1, { sampleWeight: s(() => {}) });
  try {
    throwsWith(
      () => engine.load(x, y),
      TypeError,
      "Cannot load rows: the engine has sample weights; give one per loaded row",
    );
    throwsWith(
      () => engine.load(x, y, [1, 2]),
      TypeError,
      "Cannot load rows: sampleWeight must hold one weight per row of x (10), got Array(2)",
    );
    throwsWith(
      () => engine.load(x, y, s((a) => a[4] = NaN)),
      RangeError,
      "Cannot load rows: sampleWeight[4] is NaN; weights must be finite and >= 0",
    );
  } finally {
    engine.close();
  }
  const plain = createLossEngine(x, y, "sigmoid", 1);
  try {
    throwsWith(
      () => plain.load(x, y, s(() => {})),
      TypeError,
      "Cannot load rows: the engine was created without sample weights; it takes none",
    );
  } finally {
    plain.close();
  }
});

Deno.test("balanced class weights count only the classes with rows: each weighs n / nPresent in total, a class without rows 1", () => {
  // Classes a, b, c; c has no row. scikit-learn's n / (n_classes * count) over the two present:
  // a (2 rows) 5 / (2 * 2), b (3 rows) 5 / (2 * 3), so each present class totals 5 / 2 and the
  // weights sum to the 5 rows; c's weight would be 1 (nothing to multiply here).
  const y = Int32Array.from([0, 1, 0, 1, 1]);
  const { weights, weightSum } = effectiveWeights(y, ["a", "b", "c"], { classWeight: "balanced" });
  assertClose([...weights!], [1.25, 5 / 6, 1.25, 5 / 6, 5 / 6], { rtol: 1e-15 });
  assertClose(weightSum, 5, { rtol: 1e-15 });
  // Times sampleWeight: the counts stay unweighted (as scikit-learn's), the product per row.
  const both = effectiveWeights(y, ["a", "b", "c"], {
    classWeight: "balanced",
    sampleWeight: [2, 0, 1, 3, 1],
  });
  assertClose([...both.weights!], [2.5, 0, 1.25, 2.5, 5 / 6], { rtol: 1e-15 });
});
