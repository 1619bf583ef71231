import assert from "node:assert/strict";
import { createPrng, randomInt, randomNormal } from "../../lib/core/random.ts";
import { rocAuc } from "../../lib/metrics/metrics.ts";
import { pairedRocAucDifference } from "../../lib/metrics/paired.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";
import { delongByNumpy } from "../_helpers/delong.ts";
import { hasNumpy } from "../_helpers/python.ts";

/** Correlated scores of two models on rows of random classes, tied often (few distinct values). */
function randomCase(seed: number, n: number, positiveShare: number, levels: number) {
  const prng = createPrng(seed);
  const y: number[] = [], b: number[] = [], c: number[] = [];
  for (let i = 0; i < n; i++) y.push(prng() < positiveShare ? 1 : 0);
  // Both classes, whatever the draw.
  y[0] = 1;
  y[1] = 0;
  for (let i = 0; i < n; i++) {
    const signal = y[i] + randomNormal(prng);
    b.push(Math.round(signal * levels) / levels);
    c.push(Math.round((signal + 0.7 * randomNormal(prng)) * levels) / levels + randomInt(prng, 2));
  }
  return { y, b, c };
}

Deno.test({
  name:
    "pairedRocAucDifference: AUCs and DeLong's paired standard error as a brute-force numpy implementation computes them, ties counted 1/2",
  ignore: !hasNumpy(),
  fn: async () => {
    const cases = [
      randomCase(1, 40, 0.5, 2),
      randomCase(2, 300, 0.1, 3),
      randomCase(3, 157, 0.3, 1),
      randomCase(4, 500, 0.05, 8),
      // Every score tied in the baseline: AUC 1/2, its components constant.
      { y: [0, 1, 1, 0, 1, 0, 0], b: [3, 3, 3, 3, 3, 3, 3], c: [0.1, 0.5, 0.5, 0.5, 0.9, 0.2, 0] },
    ];
    const expected = await delongByNumpy(cases);
    for (const [k, { y, b, c }] of cases.entries()) {
      const d = pairedRocAucDifference(y, { baseline: b, candidate: c });
      const e = expected[k];
      assert.ok(Math.abs(d.baselineAccuracy - e.base) < 1e-12, `${k}: ${d.baselineAccuracy}`);
      assert.ok(Math.abs(d.candidateAccuracy - e.cand) < 1e-12, `${k}: ${d.candidateAccuracy}`);
      assert.ok(Math.abs(d.difference - (e.cand - e.base)) < 1e-12, `${k}`);
      assert.ok(e.se > 0);
      assert.ok(
        Math.abs(d.standardError - e.se) < 1e-12 * Math.max(1, e.se),
        `${k}: ${d.standardError} ${e.se}`,
      );
      assert.equal(d.samples, y.length);
      // The pair count of the definition, independently of numpy.
      assert.ok(Math.abs(d.baselineAccuracy - pairwiseAuc(y, b)) < 1e-12);
      assert.ok(Math.abs(d.candidateAccuracy - pairwiseAuc(y, c)) < 1e-12);
    }
  },
});

Deno.test("pairedRocAucDifference: the standard errors of one AUC and of a difference match a stratified bootstrap's within Monte-Carlo error", () => {
  // 150 positives ~ N(1, 1) and 350 negatives ~ N(0, 1) (seed 11); the candidate adds N(0, 0.8)
  // noise. Against a baseline whose scores are all tied (AUC 1/2, components constant), the
  // difference's standard error is that of the candidate's AUC alone. 4,000 bootstrap resamples
  // (seed 12) of the positives and of the negatives, each with replacement: the standard
  // deviation of a bootstrap of B draws has a relative Monte-Carlo error near 1 / sqrt(2 B),
  // about 1.1 %, and DeLong's estimator differs from the bootstrap's by O(1 / m) (about 0.7 %).
  const prng = createPrng(11);
  const m = 150, n = 350;
  const y: number[] = [], b: number[] = [], c: number[] = [];
  for (let i = 0; i < m + n; i++) {
    const cls = i < m ? 1 : 0;
    const s = cls + randomNormal(prng);
    y.push(cls);
    b.push(s);
    c.push(s + 0.8 * randomNormal(prng));
  }
  const flat = new Array(m + n).fill(0);
  const single = pairedRocAucDifference(y, { baseline: flat, candidate: c });
  assert.equal(single.baselineAccuracy, 0.5);
  const paired = pairedRocAucDifference(y, { baseline: b, candidate: c });
  const boot = createPrng(12), draws = 4000;
  const aucs: number[] = [], diffs: number[] = [];
  const yy = new Int32Array(m + n), bb = new Float64Array(m + n), cc = new Float64Array(m + n);
  for (let r = 0; r < draws; r++) {
    for (let i = 0; i < m + n; i++) {
      const j = i < m ? randomInt(boot, m) : m + randomInt(boot, n);
      yy[i] = y[j];
      bb[i] = b[j];
      cc[i] = c[j];
    }
    const ac = rocAuc(yy, cc);
    aucs.push(ac);
    diffs.push(ac - rocAuc(yy, bb));
  }
  const sd = (v: number[]) => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
  };
  for (
    const [name, d, bootSe] of [["one AUC", single, sd(aucs)], [
      "difference",
      paired,
      sd(diffs),
    ]] as const
  ) {
    const rel = Math.abs(d.standardError / bootSe - 1);
    assert.ok(rel < 0.05, `${name}: DeLong ${d.standardError}, bootstrap ${bootSe}`);
  }
  // The paired error is well below what two independent AUCs would give.
  assert.ok(paired.standardError < 0.7 * Math.hypot(single.standardError, single.standardError));
});

Deno.test("pairedRocAucDifference: one positive adds no positives' term; the samples each model ranks better are counted", () => {
  // One positive (score 2 under both) and three negatives; the candidate moves negative 3 from
  // below the positive to above it. V10 (one positive) has no spread term; the negatives'
  // differences are (0, 0, -1): sample variance 1/3, over 3 negatives.
  const d = pairedRocAucDifference([1, 0, 0, 0], {
    baseline: [2, 0, 1, 1.5],
    candidate: [2, 0, 1, 3],
  });
  assert.equal(d.baselineAccuracy, 1);
  assert.ok(Math.abs(d.candidateAccuracy - 2 / 3) < 1e-15);
  assert.ok(Math.abs(d.standardError - Math.sqrt(1 / 3 / 3)) < 1e-15);
  // The positive (V10 1 -> 2/3) and negative 3 (V01 1 -> 0) are ranked better by the baseline.
  assert.equal(d.onlyBaseline, 2);
  assert.equal(d.onlyCandidate, 0);
});

Deno.test("pairedRocAucDifference: refuses one class, labels beyond 0 and 1, NaN and misshapen scores", () => {
  const ok = { baseline: [0.1, 0.2], candidate: [0.3, 0.4] };
  assert.throws(() => pairedRocAucDifference([1, 1], ok), {
    name: "RangeError",
    message:
      "Cannot compare ROC AUCs: yTrue holds no negative (class 0) sample; an AUC needs both classes",
  });
  assert.throws(() => pairedRocAucDifference([0, 0], ok), /holds no positive \(class 1\) sample/);
  assert.throws(() => pairedRocAucDifference([0, 2], ok), {
    name: "RangeError",
    message: /^Cannot compare ROC AUCs: /,
  });
  assert.throws(
    () => pairedRocAucDifference([0, 1], { baseline: [0.1, NaN], candidate: [0.3, 0.4] }),
    { name: "RangeError", message: "Cannot compare ROC AUCs: scores.baseline[1] is NaN" },
  );
  assert.throws(
    () => pairedRocAucDifference([0, 1], { baseline: [0.1, 0.2], candidate: [0.3] }),
    {
      name: "TypeError",
      message: "Cannot compare ROC AUCs: scores.candidate has 1 scores for yTrue's 2 labels",
    },
  );
});
