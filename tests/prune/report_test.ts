import assert from "node:assert/strict";
import { createPrng } from "../../lib/core/random.ts";
import { sparsityReport } from "../../lib/prune/report.ts";
import { modelOf } from "./_problems.ts";

Deno.test("the sparsity report counts zeros overall, per class and per feature", () => {
  const prng = createPrng(3);
  const k = 4, d = 9;
  const w = Float64Array.from({ length: k * d }, () => (prng() < 0.6 ? 0 : prng() - 0.5));
  const mask = Uint8Array.from(w, (v, i) => (v === 0 && i % 3 !== 0 ? 0 : 1));
  const model = { ...modelOf("softmax", w, new Float64Array(k), d), mask };
  const r = sparsityReport(model);
  // Brute-force reference from nested arrays.
  const rows = Array.from({ length: k }, (_, c) => [...w.slice(c * d, (c + 1) * d)]);
  const zeros = rows.flat().filter((v) => v === 0).length;
  assert.equal(r.weights, k * d);
  assert.equal(r.zeros, zeros);
  assert.equal(r.sparsity, zeros / (k * d));
  assert.equal(r.masked, [...mask].filter((m) => m === 0).length);
  assert.equal(r.unmaskedZeros, zeros - r.masked);
  assert.deepEqual(
    r.perClass.map((p) => [p.label, p.weights, p.zeros, p.sparsity]),
    rows.map((
      row,
      c,
    ) => [
      `c${c}`,
      row.length,
      row.filter((v) => v === 0).length,
      row.filter((v) => v === 0).length / d,
    ]),
  );
  const use = Array.from({ length: d }, (_, j) => rows.filter((row) => row[j] !== 0).length);
  assert.deepEqual([...r.featureUse], use);
  assert.deepEqual([...r.unusedFeatures], use.flatMap((u, j) => (u === 0 ? [j] : [])));
});

Deno.test("a sigmoid model reports one row, labelled by the positive class", () => {
  const model = modelOf("sigmoid", Float64Array.from([0, 1, 0]), new Float64Array(1), 3);
  const r = sparsityReport(model);
  assert.deepEqual(r.perClass.map((p) => p.label), ["c1"]);
  // A row's weights are the features (3), not the output rows (1): a per-class count of k
  // passed before (found by the test-quality review's mutations).
  assert.deepEqual(r.perClass.map((p) => [p.weights, p.zeros, p.sparsity]), [[3, 2, 2 / 3]]);
  assert.equal(r.weights, 3);
  assert.equal(r.masked, 0);
  assert.equal(r.zeros, 2);
});

Deno.test("the report counts masked weights and unused features in the first and last columns", () => {
  // Edge columns on purpose: the random model above never masks column 0 (i % 3 === 0 is kept)
  // and rarely zeroes a whole last column, so a loop skipping either passed it.
  const k = 3, d = 5;
  const w = Float64Array.from([[0, 1, 0, -2, 0], [0, 0, 3, 0.5, 0], [0, -1, 0, 0, 0]].flat());
  const mask = Uint8Array.from([[0, 1, 0, 1, 0], [0, 1, 1, 1, 1], [0, 1, 1, 0, 0]].flat());
  const r = sparsityReport({ ...modelOf("softmax", w, new Float64Array(k), d), mask });
  // Brute force over (row, column) pairs.
  let masked = 0;
  const use = new Array(d).fill(0);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      if (mask[c * d + j] === 0) masked++;
      if (w[c * d + j] !== 0) use[j]++;
    }
  }
  assert.equal(masked, 7);
  assert.equal(r.masked, masked);
  assert.equal(r.unmaskedZeros, 10 - masked);
  assert.deepEqual([...r.featureUse], use);
  assert.deepEqual([...r.unusedFeatures], [0, 4]);
});

Deno.test("the report counts -0 as zero and a subnormal weight as used, and a class row of zeros as wholly sparse", () => {
  // "Exactly zero" by the hand counts below: -0 is what masking a negative weight by
  // multiplication gives (-0.5 * 0), and 5e-324 and -1e-300 are not zero (a sparse format keeps
  // them). A count by Object.is missed the -0; one by |w| < 1e-12 took the tiny weights as zeros.
  const k = 2, d = 4;
  const w = Float64Array.from([-0.5 * 0, 5e-324, 0, -1e-300, 0, 0, -0, 0]);
  const mask = Uint8Array.from([0, 1, 1, 1, 0, 0, 1, 1]);
  const r = sparsityReport({ ...modelOf("softmax", w, new Float64Array(k), d), mask });
  assert.ok(Object.is(w[0], -0) && Object.is(w[6], -0));
  assert.equal(r.zeros, 6);
  assert.equal(r.sparsity, 6 / 8);
  assert.equal(r.masked, 3);
  assert.equal(r.unmaskedZeros, 3);
  assert.deepEqual(r.perClass.map((p) => [p.label, p.zeros, p.sparsity]), [["c0", 2, 0.5], [
    "c1",
    4,
    1,
  ]]);
  assert.deepEqual([...r.featureUse], [0, 1, 0, 1]);
  assert.deepEqual([...r.unusedFeatures], [0, 2]);
});

Deno.test("the report refuses a model whose mask removes a weight that is not zero", () => {
  // Its counts assume masked weights are zero: without the model check this one reported
  // 2 zeros, 3 masked and -1 unmasked zeros.
  const w = Float64Array.from([0, 0.25, 0, 1]);
  const mask = Uint8Array.from([0, 0, 0, 1]);
  assert.throws(() => sparsityReport({ ...modelOf("softmax", w, new Float64Array(2), 2), mask }), {
    name: "RangeError",
    message: "Cannot report sparsity: weight 1 is masked but not zero",
  });
  assert.throws(
    () => sparsityReport({ ...modelOf("softmax", w, new Float64Array(2), 2), mask: mask.slice(1) }),
    {
      name: "TypeError",
      message: /^Cannot report sparsity: mask must be a Uint8Array of 4 entries/,
    },
  );
});
