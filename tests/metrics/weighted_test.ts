/**
 * The weighted ROC AUC against a brute force over every (positive, negative) pair, at any scale
 * of the weights.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createPrng, randomInt } from "../../lib/core/random.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { weightedPredictionMetrics, weightedRocAuc } from "../../lib/metrics/weighted.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";

/** The weighted Mann-Whitney statistic by its definition: every pair, ties one half. */
function bruteForceAuc(y: ArrayLike<number>, s: ArrayLike<number>, w: ArrayLike<number>) {
  let won = 0, wPos = 0, wNeg = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) wPos += w[i];
    else wNeg += w[i];
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] === 1) continue;
      won += w[i] * w[j] * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return won / (wPos * wNeg);
}

/** 40 rows, scores from 8 values (ties within and across the classes), weights in [0.5, 2.5). */
function data(seed: number) {
  const prng = createPrng(seed);
  const n = 40;
  const y = Int32Array.from({ length: n }, () => randomInt(prng, 2));
  const s = Float64Array.from({ length: n }, () => randomInt(prng, 8) / 4 - 1);
  const w = Float64Array.from({ length: n }, () => 0.5 + 2 * prng());
  return { y, s, w };
}

Deno.test("weightedRocAuc does not depend on the weights' scale, however small or large", () => {
  const { y, s, w } = data(5);
  const want = bruteForceAuc(y, s, w);
  assertClose(weightedRocAuc(y, s, w)!, want, { rtol: 1e-12 });
  // Each class's weights sum to about 1e-300 (or 1e300 over the rows), so the product of the
  // classes' totals underflows to 0 (overflows to Infinity) although every weight and every sum
  // is a finite float64 > 0; scikit-learn's roc_auc_score normalises each class by its total and
  // gives the AUC of the unscaled weights. A power of two scales exactly: the very same number.
  for (const scale of [1e-170, 1e-300 / 40, 1e155, 1e300 / 40, 2 ** -1000, 2 ** 1000]) {
    const scaled = w.map((v) => v * scale);
    const got = weightedRocAuc(y, s, scaled);
    const exact = Number.isInteger(Math.log2(scale));
    if (exact) assert.equal(got, weightedRocAuc(y, s, w), `scale ${scale}`);
    else assertClose(got!, want, { rtol: 1e-12, message: `scale ${scale}` });
  }
  // The positives' and negatives' totals far apart: 1e-200 against 1e200.
  const apart = w.map((v, i) => v * (y[i] === 1 ? 1e-200 : 1e200));
  assertClose(weightedRocAuc(y, s, apart)!, want, { rtol: 1e-12, message: "classes apart" });
});

Deno.test("weightedRocAuc: the brute force's value with ties, either class rarer, and rows of weight 0", () => {
  for (const seed of [1, 3, 4, 5]) {
    const { y, s, w } = data(seed);
    for (let i = 0; i < y.length; i += 7) w[i] = 0;
    const ones = y.filter((v, i) => v === 1 && w[i] > 0).length;
    assert.notEqual(2 * ones, w.filter((v) => v > 0).length, `seed ${seed}: a class is rarer`);
    for (const labels of [y, y.map((v) => 1 - v)]) {
      assertClose(weightedRocAuc(labels, s, w)!, bruteForceAuc(labels, s, w), {
        rtol: 1e-12,
        message: `seed ${seed}`,
      });
    }
  }
});

Deno.test("weightedRocAuc is null when either class has no weight (no row, or rows of weight 0)", () => {
  const y = [0, 1, 0, 1], s = [0.1, 0.4, 0.35, 0.8];
  assert.equal(weightedRocAuc(y, s, [0, 1, 0, 2]), null, "negatives weigh 0");
  assert.equal(weightedRocAuc(y, s, [1, 0, 2, 0]), null, "positives weigh 0");
  assert.equal(weightedRocAuc([1, 1], [0.2, 0.3], [1, 1]), null, "no negative");
  assert.equal(weightedRocAuc([0, 0], [0.2, 0.3], [1, 1]), null, "no positive");
});

Deno.test("a two-class softmax model's weighted ROC AUC ranks by the difference of its two scores", () => {
  // Class 1's score alone ranks these rows otherwise than its log-odds z1 - z0 does.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    classes: ["a", "b"],
    featureNames: ["f", "g"],
    weights: { data: Float64Array.of(2, -1, 1, 1), rows: 2, cols: 2 },
    bias: Float64Array.of(0.5, -0.25),
    preprocessing: { kind: "none" },
  };
  const { y, s: f, w } = data(9);
  const g = f.map((_v, i) => ((i * 7) % 11) / 5 - 1);
  const x = {
    data: Float64Array.from([...f].flatMap((v, i) => [v, g[i]])),
    rows: f.length,
    cols: 2,
  };
  const z0 = f.map((v, i) => 2 * v - g[i] + 0.5), z1 = f.map((v, i) => v + g[i] - 0.25);
  const want = bruteForceAuc(y, z1.map((v, i) => v - z0[i]), w);
  assert.notEqual(bruteForceAuc(y, z1, w).toFixed(6), want.toFixed(6), "z1 alone ranks otherwise");
  assertClose(evaluate(model, x, y, { sampleWeight: w }).rocAuc!, want, { rtol: 1e-12 });
  // The quantized commands' helper, from the (n, 2) scores.
  const scores = {
    data: Float64Array.from([...z0].flatMap((v, i) => [v, z1[i]])),
    rows: x.rows,
    cols: 2,
  };
  const predicted = Int32Array.from(z0, (v, i) => (z1[i] > v ? 1 : 0));
  assertClose(weightedPredictionMetrics(y, predicted, scores, w, 2).rocAuc!, want, {
    rtol: 1e-12,
  });
});
