// Training on sparse (CSR) features. Oracles: the dense TypeScript kernel on csrToDense(x) (the
// same sums bit for bit without preprocessing, so the same models bit for bit wherever training
// reads nothing but the loss), central finite differences of the loss (the folded
// standardisation's gradient), the dense fit's optimum (with standardisation), and scikit-learn's
// LogisticRegression fitted on a scipy CSR matrix.
import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { csrFromDense, type CsrMatrix, csrToDense } from "../../lib/core/sparse.ts";
import { fitStandardizer, type Preprocessing } from "../../lib/data/preprocess.ts";
import { bindLoss } from "../../lib/model/engine.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";
import { fit, type FitOptions } from "../../lib/model/fit.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import type { Link } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";
import { randomSparseDense } from "../_helpers/sparse.ts";

/** Sparse data whose labels come from a noisy linear rule: not separable. */
function problem(
  n: number,
  d: number,
  nClasses: number,
  seed: number,
  options: { offset?: number; dtype?: "float32" | "float64" } = {},
): { dense: Matrix; csr: CsrMatrix; y: Int32Array } {
  const dense = randomSparseDense(n, d, { density: 0.12, seed, ...options });
  const prng = createPrng(seed + 100);
  const w = Float64Array.from({ length: nClasses * d }, () => randomNormal(prng));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, top = -Infinity;
    for (let c = 0; c < nClasses; c++) {
      let s = 1.5 * randomNormal(prng);
      for (let j = 0; j < d; j++) s += w[c * d + j] * dense.data[i * d + j];
      if (s > top) [top, best] = [s, c];
    }
    y[i] = best;
  }
  return { dense, csr: csrFromDense(dense), y };
}

/** The bits of each element, so that -0 and 0 and every last bit count. */
const bits = (a: Float64Array) => Array.from(new BigUint64Array(a.slice().buffer), String);

Deno.test("without preprocessing the sparse kernel's loss and gradient sums are the dense ts kernel's bit for bit", () => {
  for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as [Link, number][]) {
    for (const weighted of [false, true]) {
      for (const dtype of ["float64", "float32"] as const) {
        const { dense, csr, y } = problem(90, 17, k, 3 + k, { dtype });
        const nOut = link === "sigmoid" ? 1 : k;
        const prng = createPrng(9);
        const sampleWeight = weighted
          ? Float64Array.from({ length: 90 }, () => 2 * prng())
          : undefined;
        const options = {
          preprocessing: { kind: "none" } as Preprocessing,
          link,
          nOutputs: nOut,
          backend: "ts" as const,
          ...(sampleWeight ? { sampleWeight } : {}),
        };
        const a = bindLoss(dense, y, options), b = bindLoss(csr, y, options);
        const w = Float64Array.from({ length: nOut * 17 }, () => randomNormal(prng));
        const bias = Float64Array.from({ length: nOut }, () => randomNormal(prng));
        // A shuffled mini-batch and the full pass.
        const order = Int32Array.from({ length: 90 }, (_, i) => (i * 37) % 90);
        for (const [rows, start, end] of [[order, 10, 74], [null, 0, 90]] as const) {
          const ga = new Float64Array(w.length), gb = new Float64Array(w.length);
          const ba = new Float64Array(nOut), bb = new Float64Array(nOut);
          const ra = a.accumulate(rows, start, end, w, bias, ga, ba);
          const rb = b.accumulate(rows, start, end, w, bias, gb, bb);
          const what = `${link} ${dtype}${weighted ? " weighted" : ""}`;
          assert.ok(Object.is(ra.loss, rb.loss), `${what}: loss ${ra.loss} vs ${rb.loss}`);
          assert.equal(ra.correct, rb.correct, what);
          assert.deepEqual(bits(gb), bits(ga), `${what}: weight gradient`);
          assert.deepEqual(bits(bb), bits(ba), `${what}: bias gradient`);
          assert.ok(ga.some((v) => v !== 0), "the gradient is not trivially zero");
        }
      }
    }
  }
});

Deno.test("rows without stored entries, scored exactly 0 or tied, count as correct as in the dense kernel", () => {
  // Rows 1 and 3 are empty: with a zero bias their sigmoid score is 0 (class 0) and their softmax
  // scores all tie (the first class).
  const dense = { data: Float64Array.of(1, 0, 0, 0, 0, 0, 0, 2, -1, 0, 0, 0), rows: 4, cols: 3 };
  const csr = csrFromDense(dense);
  for (
    const [link, k, labels] of [["sigmoid", 1, [1, 0, 0, 0]], ["softmax", 3, [2, 0, 1, 0]]] as [
      Link,
      number,
      number[],
    ][]
  ) {
    const y = Int32Array.from(labels);
    const w = Float64Array.from({ length: k * 3 }, (_, i) => 0.5 - i * 0.3);
    const b = new Float64Array(k);
    const run = (m: Matrix | CsrMatrix) => {
      const gw = new Float64Array(k * 3), gb = new Float64Array(k);
      const r = accumulateLoss(m, y, null, 0, 4, w, b, link, gw, gb, new Float64Array(k));
      return [r.loss, r.correct, ...gw, ...gb];
    };
    const a = run(csr), d = run(dense);
    assert.deepEqual(a, d, link);
    assert.ok(d[1] >= 1 && d[1] <= 3, `${link}: some rows right, some wrong`);
  }
});

Deno.test("with standardisation folded in, the sparse gradient is the loss's (central differences) and the dense kernel's", () => {
  for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as [Link, number][]) {
    // Uncentred features (offset 2): the fold moves a large mean into the bias.
    const { dense, csr, y } = problem(60, 8, k, 11 + k, { offset: 2 });
    const nOut = link === "sigmoid" ? 1 : k;
    const preprocessing = fitStandardizer(dense);
    const prng = createPrng(4);
    const sampleWeight = Float64Array.from({ length: 60 }, () => 0.5 + prng());
    const options = { preprocessing, link, nOutputs: nOut, backend: "ts" as const, sampleWeight };
    const sparse = bindLoss(csr, y, options), reference = bindLoss(dense, y, options);
    const w = Float64Array.from({ length: nOut * 8 }, () => 0.5 * randomNormal(prng));
    const b = Float64Array.from({ length: nOut }, () => randomNormal(prng));
    const gw = new Float64Array(w.length), gb = new Float64Array(nOut);
    const r = sparse.accumulate(null, 0, 60, w, b, gw, gb);
    const dw = new Float64Array(w.length), db = new Float64Array(nOut);
    const rd = reference.accumulate(null, 0, 60, w, b, dw, db);
    assertClose(r.loss, rd.loss, { rtol: 1e-13, message: `${link} loss` });
    assertClose(gw, dw, { atol: 1e-12, rtol: 1e-11, message: `${link} weight gradient` });
    assertClose(gb, db, { atol: 1e-12, rtol: 1e-11, message: `${link} bias gradient` });
    const loss = (ww: Float64Array, bb: Float64Array) =>
      sparse.accumulate(null, 0, 60, ww, bb, null, null).loss;
    const h = 1e-6;
    for (let i = 0; i < w.length; i++) {
      const up = w.slice(), down = w.slice();
      up[i] += h;
      down[i] -= h;
      assertClose(gw[i], (loss(up, b) - loss(down, b)) / (2 * h), {
        atol: 1e-6,
        rtol: 1e-6,
        message: `${link} d/dw[${i}]`,
      });
    }
    for (let c = 0; c < nOut; c++) {
      const up = b.slice(), down = b.slice();
      up[c] += h;
      down[c] -= h;
      assertClose(gb[c], (loss(w, up) - loss(w, down)) / (2 * h), {
        atol: 1e-6,
        rtol: 1e-6,
        message: `${link} d/db[${c}]`,
      });
    }
  }
});

/** `problem`'s data with column 0 replaced by the constant `v`, stored in every row. */
function withConstantColumn(data: ReturnType<typeof problem>, v: number) {
  const dense = { ...data.dense, data: data.dense.data.slice() };
  for (let i = 0; i < dense.rows; i++) dense.data[i * dense.cols] = v;
  return { dense, csr: csrFromDense(dense), y: data.y };
}

Deno.test("a constant column stored in every row standardises to 0: its gradient is exactly 0 and the loss the dense kernel's", () => {
  // The dense kernel sees the column as (v - v) / 1 = 0: nothing the loss depends on.
  for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as [Link, number][]) {
    for (const v of [1, 3.7, 1e12, 1e100]) {
      const { dense, csr, y } = withConstantColumn(problem(50, 6, k, 71 + k), v);
      const nOut = link === "sigmoid" ? 1 : k;
      const preprocessing = fitStandardizer(csr);
      assert.equal(preprocessing.scale[0], 1);
      const options = { preprocessing, link, nOutputs: nOut, backend: "ts" as const };
      const sparse = bindLoss(csr, y, options), reference = bindLoss(dense, y, options);
      const prng = createPrng(8);
      const w = Float64Array.from({ length: nOut * 6 }, () => randomNormal(prng));
      const b = Float64Array.from({ length: nOut }, () => randomNormal(prng));
      const gw = new Float64Array(w.length), gb = new Float64Array(nOut);
      const dw = new Float64Array(w.length), db = new Float64Array(nOut);
      const r = sparse.accumulate(null, 0, 50, w, b, gw, gb);
      const rd = reference.accumulate(null, 0, 50, w, b, dw, db);
      const what = `${link}, constant ${v}`;
      for (let c = 0; c < nOut; c++) assert.equal(gw[c * 6], 0, `${what}: output ${c}`);
      assertClose(r.loss, rd.loss, { rtol: 1e-13, message: `${what}: loss` });
      assertClose(gw, dw, { atol: 1e-12, rtol: 1e-11, message: `${what}: weight gradient` });
      assertClose(gb, db, { atol: 1e-12, rtol: 1e-11, message: `${what}: bias gradient` });
    }
  }
});

Deno.test("fit on CSR leaves a constant column's weight at exactly 0, as the dense fit does, so inputs without it score alike", () => {
  for (const v of [1e6, 1e12, 1e100]) {
    for (
      const optimizer of [
        { kind: "lbfgs", tolerance: 1e-10 },
        { kind: "sgd", epochs: 3, batchSize: 16 },
      ] as const
    ) {
      const data = withConstantColumn(problem(120, 8, 2, 81), v);
      const { sparse, dense } = both(data.csr, data.y, { optimizer });
      const what = `constant ${v}, ${optimizer.kind}`;
      assert.equal(dense.model.weights.data[0], 0, `${what}: dense`);
      assert.equal(sparse.model.weights.data[0], 0, `${what}: sparse`);
      assertClose(sparse.model.weights.data, dense.model.weights.data, {
        atol: 1e-7,
        rtol: 1e-6,
        message: `${what}: weights`,
      });
      // A row whose constant feature is absent (0 in a test file) scores as in the dense model.
      const absent = { data: new Float64Array(8).fill(0.5), rows: 1, cols: 8 };
      absent.data[0] = 0;
      assertClose(
        decisionFunction(sparse.model, absent).data,
        decisionFunction(dense.model, absent).data,
        { atol: 1e-6, rtol: 1e-6, message: `${what}: score` },
      );
    }
  }
});

Deno.test("features of magnitudes near the float64 limits train on CSR to the dense fit's model", () => {
  // Squares and sums of such values overflow or underflow; their standardised values do not.
  for (const magnitude of [1e300, 1.5e308, 1e-300]) {
    for (
      const optimizer of [
        { kind: "lbfgs", tolerance: 1e-10 },
        { kind: "sgd", epochs: 3, batchSize: 16 },
      ] as const
    ) {
      const data = problem(120, 6, 2, 91);
      const dense = { ...data.dense, data: data.dense.data.slice() };
      for (let i = 0; i < dense.rows; i++) {
        // Column 0 scaled; all of its values of one sign, so that sums of them overflow.
        dense.data[i * 6] = Math.min(Math.abs(dense.data[i * 6]), 1) * magnitude;
      }
      const { sparse, dense: reference } = both(csrFromDense(dense), data.y, { optimizer });
      const what = `magnitude ${magnitude}, ${optimizer.kind}`;
      assert.ok(reference.model.weights.data.some((w) => Math.abs(w) > 0.1), what);
      assertClose(sparse.model.weights.data, reference.model.weights.data, {
        atol: 1e-7,
        rtol: 1e-6,
        message: `${what}: weights`,
      });
      assertClose(sparse.model.bias, reference.model.bias, {
        atol: 1e-7,
        rtol: 1e-6,
        message: what,
      });
    }
  }
});

Deno.test("the sparse loss's moments for L-BFGS are the dense kernel's moments of the standardised rows it samples", () => {
  const cases = [[1000, 0, 1], [40, 2, 1], [7, -1, 1], [40, 0, 1e300], [40, 0, 1e-300]] as const;
  for (const [maxRows, offset, scale] of cases) {
    const { dense, y } = problem(90, 9, 2, 95, { offset });
    for (let i = 0; i < dense.data.length; i++) dense.data[i] *= scale;
    const preprocessing = fitStandardizer(dense);
    const options = {
      preprocessing,
      link: "sigmoid" as const,
      nOutputs: 1,
      backend: "ts" as const,
    };
    const s = bindLoss(csrFromDense(dense), y, options).sampleMoments(maxRows, false);
    const d = bindLoss(dense, y, options).sampleMoments(maxRows, true);
    assert.equal(s.covariance, null);
    const what = `maxRows ${maxRows}, offset ${offset}, scale ${scale}`;
    assertClose(s.mean, d.mean, { atol: 1e-13, rtol: 1e-12, message: `${what}: means` });
    assertClose(s.variance, d.variance, {
      atol: 1e-13,
      rtol: 1e-12,
      message: `${what}: variances`,
    });
    if (maxRows < 90) {
      assert.ok(d.variance.some((v) => Math.abs(v - 1) > 0.05), `${what}: a sample of the rows`);
    }
  }
});

/** fit on the CSR matrix and on its dense form, with the same options. */
function both(csr: CsrMatrix, y: Int32Array, options: FitOptions) {
  return {
    sparse: fit(csr, y, options),
    dense: fit(csrToDense(csr), y, { ...options, backend: "ts" }),
  };
}

Deno.test("without preprocessing, fit on CSR gives the dense fit's model bit for bit wherever training reads only the loss", () => {
  const binary = problem(150, 20, 2, 21), multi = problem(150, 20, 3, 22);
  const prng = createPrng(5);
  const sampleWeight = Float64Array.from({ length: 150 }, () => 3 * prng());
  const cases: [string, typeof binary, FitOptions][] = [
    ["lbfgs l2, no preconditioner", binary, {
      optimizer: { kind: "lbfgs", precondition: false },
    }],
    ["lbfgs l1 (OWL-QN)", multi, { penalty: { kind: "l1", lambda: 0.01 } }],
    ["lbfgs elasticnet, weighted", multi, {
      penalty: { kind: "elasticnet", lambda: 0.02, l1Ratio: 0.5 },
      sampleWeight,
    }],
    ["sgd l2, class weights", binary, {
      optimizer: { kind: "sgd", epochs: 4, batchSize: 16 },
      classWeight: "balanced",
    }],
    ["adam elasticnet, sample weights", multi, {
      optimizer: { kind: "adam", epochs: 3, batchSize: 10, learningRate: 0.01 },
      penalty: { kind: "elasticnet", lambda: 0.01, l1Ratio: 0.3 },
      sampleWeight,
    }],
  ];
  for (const [what, data, options] of cases) {
    const { sparse, dense } = both(data.csr, data.y, { ...options, preprocessing: "none" });
    assert.deepEqual(bits(sparse.model.weights.data), bits(dense.model.weights.data), what);
    assert.deepEqual(bits(sparse.model.bias), bits(dense.model.bias), what);
    assert.deepEqual(
      sparse.history.map((h) => [h.trainLoss, h.objective]),
      dense.history.map((h) => [h.trainLoss, h.objective]),
      what,
    );
    assert.deepEqual(sparse.model.preprocessing, { kind: "none" });
  }
});

Deno.test("a mask (pruned fine-tuning) and a weight transform (QAT) train on CSR as on the dense data", () => {
  const data = problem(140, 10, 3, 101);
  const mask = Uint8Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? 0 : 1));
  // A fake quantizer: forward rounds to a grid of 1/8, backward passes the gradient straight
  // through but zeroes it where the latent weight is beyond 1 (clipped).
  const weightTransform = {
    forward(latent: Float64Array, out: Float64Array) {
      for (let i = 0; i < latent.length; i++) out[i] = Math.round(latent[i] * 8) / 8;
    },
    backward(latent: Float64Array, grad: Float64Array) {
      for (let i = 0; i < latent.length; i++) if (Math.abs(latent[i]) > 1) grad[i] = 0;
    },
  };
  const sgd = { kind: "sgd", epochs: 4, batchSize: 12, learningRate: 0.2 } as const;
  // Without preprocessing: the dense run bit for bit.
  for (
    const [what, options] of [
      ["mask, sgd", { mask, optimizer: sgd }],
      ["mask, lbfgs", { mask, optimizer: { kind: "lbfgs", precondition: false } }],
      ["weightTransform", { weightTransform, optimizer: sgd }],
      ["both", { mask, weightTransform, optimizer: sgd }],
    ] as [string, FitOptions][]
  ) {
    const { sparse, dense } = both(data.csr, data.y, { ...options, preprocessing: "none" });
    assert.deepEqual(bits(sparse.model.weights.data), bits(dense.model.weights.data), what);
    assert.deepEqual(bits(sparse.model.bias), bits(dense.model.bias), what);
  }
  // Standardised: the masked weights stay exactly 0 and the rest reach the dense optimum.
  const opts: FitOptions = { mask, optimizer: { kind: "lbfgs", tolerance: 1e-10 } };
  const { sparse, dense } = both(data.csr, data.y, opts);
  for (let i = 0; i < 30; i++) if (mask[i] === 0) assert.equal(sparse.model.weights.data[i], 0);
  assert.ok(sparse.model.weights.data.some((w) => Math.abs(w) > 0.1));
  assertClose(sparse.model.weights.data, dense.model.weights.data, { atol: 1e-7, rtol: 1e-6 });
  assertClose(sparse.model.bias, dense.model.bias, { atol: 1e-7, rtol: 1e-6 });
  // QAT's forward pass on standardised CSR data: the dense run's model up to rounding.
  const qat = both(data.csr, data.y, { weightTransform, optimizer: sgd });
  assertClose(qat.sparse.model.weights.data, qat.dense.model.weights.data, {
    atol: 1e-9,
    rtol: 1e-9,
  });
});

Deno.test("unstandardised features of large magnitude warn on CSR as on the dense data", () => {
  const data = problem(60, 5, 2, 111);
  const dense = { ...data.dense, data: data.dense.data.map((v) => v * 1e7) };
  const options: FitOptions = { preprocessing: "none", optimizer: { kind: "sgd", epochs: 1 } };
  const sparse = fit(csrFromDense(dense), data.y, options).warnings;
  assert.ok(sparse.some((w) => w.includes("not standardised")), sparse.join("; "));
  assert.deepEqual(sparse, fit(dense, data.y, options).warnings);
});

Deno.test("SGD with validation data and early stopping on CSR repeats the dense run", () => {
  const train = problem(160, 12, 3, 31), valid = problem(60, 12, 3, 32);
  const options: FitOptions = {
    preprocessing: "none",
    optimizer: { kind: "sgd", epochs: 30, batchSize: 8, learningRate: 0.5 },
    earlyStopping: { patience: 2 },
  };
  const sparse = fit(train.csr, train.y, { ...options, validation: { x: valid.csr, y: valid.y } });
  const dense = fit(train.dense, train.y, {
    ...options,
    validation: { x: valid.dense, y: valid.y },
  });
  // Mixed: dense training data, CSR validation data.
  const mixed = fit(train.dense, train.y, {
    ...options,
    validation: { x: valid.csr, y: valid.y },
  });
  assert.deepEqual(
    sparse.history.map((h) => h.validationLoss),
    dense.history.map((h) => h.validationLoss),
  );
  assert.deepEqual(
    mixed.history.map((h) => h.validationLoss),
    dense.history.map((h) => h.validationLoss),
  );
  assert.deepEqual(sparse.model, dense.model);
  assert.equal(sparse.stopReason, dense.stopReason);
});

Deno.test("with standardisation, fit on CSR reaches the dense fit's optimum and stores the same kind of preprocessing", () => {
  const cases: [string, ReturnType<typeof problem>, FitOptions][] = [
    ["binary l2", problem(200, 25, 2, 41, { offset: 1 }), {}],
    ["multinomial l2, weighted", problem(200, 25, 3, 42, { offset: 1 }), {
      classWeight: "balanced",
    }],
    ["binary l1", problem(200, 25, 2, 43), { penalty: { kind: "l1", lambda: 0.01 } }],
    ["multinomial elasticnet", problem(200, 25, 3, 44, { dtype: "float32" }), {
      penalty: { kind: "elasticnet", lambda: 0.01, l1Ratio: 0.5 },
    }],
  ];
  for (const [what, data, options] of cases) {
    const opts: FitOptions = {
      ...options,
      optimizer: { kind: "lbfgs", tolerance: 1e-11, maxIterations: 5000 },
    };
    const { sparse, dense } = both(data.csr, data.y, opts);
    assert.ok(sparse.converged && dense.converged, `${what}: ${sparse.stopReason}`);
    const ps = sparse.model.preprocessing, pd = dense.model.preprocessing;
    assert.equal(ps.kind, "standardize");
    assert.equal(pd.kind, "standardize");
    if (ps.kind !== "standardize" || pd.kind !== "standardize") continue;
    // Means bit for bit; scales within the rounding of the variance sums.
    assert.deepEqual(bits(ps.mean), bits(pd.mean), `${what}: means`);
    assertClose(ps.scale, pd.scale, { rtol: 1e-14, message: `${what}: scales` });
    // Both converged to the one optimum of a strictly convex objective (to the tolerance).
    assertClose(sparse.model.weights.data, dense.model.weights.data, {
      atol: 1e-7,
      rtol: 1e-6,
      message: `${what}: weights`,
    });
    assertClose(sparse.model.bias, dense.model.bias, { atol: 1e-7, rtol: 1e-6, message: what });
    assert.deepEqual(predict(sparse.model, data.dense), predict(dense.model, data.dense), what);
    assertClose(
      decisionFunction(sparse.model, data.dense).data,
      decisionFunction(dense.model, data.dense).data,
      { atol: 1e-6, rtol: 1e-6, message: `${what}: scores` },
    );
  }
});

Deno.test("fitStandardizer of a CSR matrix treats constant columns as the dense one does", () => {
  // Columns: all zero; 2 everywhere (stored); explicit zeros only; 2 in row 0 and zero below.
  const x: CsrMatrix = {
    kind: "csr",
    rows: 3,
    cols: 4,
    indptr: Int32Array.of(0, 3, 5, 7),
    indices: Int32Array.of(1, 2, 3, 1, 2, 1, 2),
    values: Float64Array.of(2, 0, 2, 2, 0, 2, 0),
  };
  const s = fitStandardizer(x), d = fitStandardizer(csrToDense(x));
  assert.deepEqual(s, d);
  assert.deepEqual([...s.scale.subarray(0, 3)], [1, 1, 1]);
  // Values of all magnitudes: near the float64 limit and tiny ones, redone rescaled.
  const big: CsrMatrix = {
    kind: "csr",
    rows: 3,
    cols: 2,
    indptr: Int32Array.of(0, 2, 3, 4),
    indices: Int32Array.of(0, 1, 0, 1),
    values: Float64Array.of(1.7e308, 3e-170, -1.6e308, 1e-170),
  };
  // A column constant up to rounding (1 and 1 + 2^-52 in every row) keeps scale 1, as dense.
  const rounding: CsrMatrix = {
    kind: "csr",
    rows: 3,
    cols: 1,
    indptr: Int32Array.of(0, 1, 2, 3),
    indices: Int32Array.of(0, 0, 0),
    values: Float64Array.of(1, 1 + 2 ** -52, 1),
  };
  assert.deepEqual(fitStandardizer(rounding), fitStandardizer(csrToDense(rounding)));
  assert.equal(fitStandardizer(rounding).scale[0], 1);
  const noRows = csrFromDense({ data: new Float64Array(0), rows: 0, cols: 2 });
  assert.throws(() => fitStandardizer(noRows), {
    name: "TypeError",
    message: "Cannot fit standardizer: x has no rows",
  });
  // An explicit -0 stored in row 0 of an otherwise empty column centres on +0, as dense data do.
  const negativeZero: CsrMatrix = {
    kind: "csr",
    rows: 2,
    cols: 1,
    indptr: Int32Array.of(0, 1, 1),
    indices: Int32Array.of(0),
    values: Float64Array.of(-0),
  };
  const nz = fitStandardizer(negativeZero);
  assert.ok(Object.is(nz.mean[0], 0));
  assert.deepEqual(bits(nz.mean), bits(fitStandardizer(csrToDense(negativeZero)).mean));
  const sb = fitStandardizer(big), db = fitStandardizer(csrToDense(big));
  assert.deepEqual(sb, db);
  assert.ok(sb.scale.every((v) => Number.isFinite(v) && v !== 1));
});

Deno.test("fit refuses the wasm backend for CSR data, and malformed CSR data, by name", () => {
  const { csr, dense, y } = problem(40, 5, 2, 51);
  assert.throws(() => fit(csr, y, { backend: "wasm" }), {
    name: "RangeError",
    message:
      'Cannot fit model: the wasm backend does not take sparse (CSR) input; use backend "ts" ' +
      'or "auto" (which train CSR data on the TypeScript sparse kernel), or csrToDense',
  });
  assert.throws(() => fit(dense, y, { backend: "wasm", validation: { x: csr, y } }), RangeError);
  const bad = { ...csr, values: csr.values.map((v, i) => (i === 3 ? NaN : v)) };
  assert.throws(() => fit(bad, y), {
    name: "RangeError",
    message: /^Cannot fit model: x holds NaN at row \d+, column \d+ \(entry 3\)$/,
  });
  assert.throws(() => fit(dense, y, { validation: { x: { ...csr, cols: 6 }, y } }), {
    name: "TypeError",
    message: "Cannot fit model: validation.x has 6 columns, x has 5",
  });
  const empty = csrFromDense({ data: new Float64Array(0), rows: 0, cols: 5 });
  assert.throws(() => fit(csr, y, { validation: { x: empty, y: new Int32Array(0) } }), {
    name: "RangeError",
    message: "Cannot fit model: validation.x has no rows",
  });
  assert.throws(() => fit(csr, y, { validation: { x: csr, y: y.subarray(0, 3) } }), {
    name: "TypeError",
    message: "Cannot fit model: data has 40 rows but labels have 3 entries",
  });
  // A given standardisation whose scale is tiny for the data: refused as for dense data.
  const p: Preprocessing = {
    kind: "standardize",
    mean: new Float64Array(5),
    scale: new Float64Array(5).fill(1e-308),
  };
  assert.throws(() => fit(csr, y, { preprocessing: p }), {
    name: "RangeError",
    message: /^Cannot fit model: x holds .* at row \d+, column \d+, .* once preprocessed, beyond/,
  });
});

Deno.test("a given standardisation that maps an absent entry beyond float64 is refused at its first row, and accepted for a column stored in every row", () => {
  // Column 0: 1e300 where stored; (0 - 1e300) / 1e-10 overflows, (1e300 - 1e300) / 1e-10 does not.
  const p: Preprocessing = {
    kind: "standardize",
    mean: Float64Array.of(1e300, 2.5),
    scale: Float64Array.of(1e-10, 1),
  };
  const y = Int32Array.of(0, 1, 0, 1, 1);
  const rows = (column0: number[]) => {
    const dense = { data: new Float64Array(10), rows: 5, cols: 2 };
    for (let i = 0; i < 5; i++) dense.data[i * 2 + 1] = i % 3 + 1;
    for (const i of column0) dense.data[i * 2] = 1e300;
    return dense;
  };
  assert.throws(() => fit(csrFromDense(rows([0, 1, 3, 4])), y, { preprocessing: p }), {
    name: "RangeError",
    message: "Cannot fit model: x holds 0 at row 2, column 0, -Infinity once preprocessed, " +
      "beyond the float64 range training computes in",
  });
  // Stored in every row, the column has no absent entry: the dense fit's model (column 0 is 0).
  const full = rows([0, 1, 2, 3, 4]);
  const optimizers: FitOptions["optimizer"][] = [{ kind: "lbfgs" }, { kind: "sgd", epochs: 2 }];
  for (const optimizer of optimizers) {
    const options: FitOptions = { preprocessing: p, optimizer };
    const sparse: Float64Array = fit(csrFromDense(full), y, options).model.weights.data;
    const dense: Float64Array = fit(full, y, options).model.weights.data;
    assert.equal(sparse[0], 0, optimizer!.kind);
    assertClose(sparse, dense, { atol: 1e-9, rtol: 1e-9 });
  }
});

const python = await pythonWithSklearn();

Deno.test({
  name:
    "fit on CSR without preprocessing matches scikit-learn's LogisticRegression on a scipy CSR " +
    "matrix" + (python ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"),
  ignore: !python,
  async fn() {
    for (const [k, seed, weighted] of [[2, 61, false], [3, 62, false], [2, 63, true]] as const) {
      const { csr, y } = problem(300, 30, k, seed);
      const lambda = 0.01;
      const prng = createPrng(seed);
      const s = weighted ? Float64Array.from({ length: 300 }, () => 0.2 + 2 * prng()) : null;
      const { model } = fit(csr, y, {
        preprocessing: "none",
        penalty: { kind: "l2", lambda },
        optimizer: { kind: "lbfgs", tolerance: 1e-10, maxIterations: 5000 },
        ...(s ? { sampleWeight: s } : {}),
      });
      const ref = await runPython<{ coef: number[]; intercept: number[]; scipy: boolean }>(
        `import json, sys, numpy as np, scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
d = json.load(sys.stdin)
X = sp.csr_matrix((np.array(d["values"]), np.array(d["indices"]), np.array(d["indptr"])),
                  shape=(d["rows"], d["cols"]))
y = np.array(d["y"]); sw = None if d["s"] is None else np.array(d["s"])
total = len(y) if sw is None else sw.sum()
m = LogisticRegression(C=1.0 / (d["lambda"] * total), tol=1e-12, max_iter=100000)
m.fit(X, y, sample_weight=sw)
print(json.dumps({"coef": m.coef_.ravel().tolist(), "intercept": m.intercept_.tolist(),
                  "scipy": sp.issparse(X)}))`,
        {
          values: [...csr.values],
          indices: [...csr.indices],
          indptr: [...csr.indptr],
          rows: csr.rows,
          cols: csr.cols,
          y: [...y],
          s: s ? [...s] : null,
          lambda,
        },
      );
      assert.ok(ref.scipy);
      const what = `${k} classes${weighted ? ", weighted" : ""}`;
      assertClose(model.weights.data, ref.coef, { atol: 2e-4, rtol: 0, message: what });
      assertClose(model.bias, ref.intercept, { atol: 2e-4, rtol: 0, message: what });
    }
  },
});
