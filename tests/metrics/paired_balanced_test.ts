import assert from "node:assert/strict";
import { pairedBalancedAccuracyDifference } from "../../lib/metrics/paired.ts";

// Computed with numpy and scikit-learn (balanced_accuracy_score; the standard error as
// sqrt(sum over classes c of var(d_c) / (n_c K^2)), var the population variance of the
// per-sample differences d = candidate right - baseline right within class c, K the classes of
// y). The second case has no row of class 2, the third a baseline that gets every row right.
const CASES = [
  {
    y: [2, 1, 2, 2, 1, 2, 2, 0, 0, 0, 0, 2],
    b: [2, 1, 1, 2, 1, 2, 2, 0, 0, 0, 0, 0],
    c: [2, 1, 2, 0, 1, 2, 2, 0, 0, 0, 2, 2],
    base: 0.8888888888888888,
    cand: 0.8611111111111112,
    se: 0.11812361872382476,
  },
  {
    y: [0, 0, 3, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 3],
    b: [0, 1, 3, 3, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 2, 0, 0, 1, 3, 1, 0, 3, 1, 3],
    c: [0, 0, 0, 3, 0, 3, 0, 0, 0, 3, 0, 2, 0, 2, 3, 3, 0, 2, 0, 2, 3, 0, 3, 1, 0, 1, 0, 0, 0, 3],
    base: 0.8373015873015873,
    cand: 0.5896825396825397,
    se: 0.14622522428962423,
  },
  {
    y: [0, 0, 0, 1, 1, 1, 1, 0, 1],
    b: [0, 0, 0, 1, 1, 1, 1, 0, 1],
    c: [0, 0, 1, 1, 0, 1, 1, 1, 1],
    base: 1.0,
    cand: 0.65,
    se: 0.15370426148939398,
  },
];

Deno.test("pairedBalancedAccuracyDifference: balanced accuracies and their paired standard error as numpy and scikit-learn compute them", () => {
  for (const { y, b, c, base, cand, se } of CASES) {
    const d = pairedBalancedAccuracyDifference(y, { baseline: b, candidate: c });
    assert.ok(Math.abs(d.baselineAccuracy - base) < 1e-12, `${d.baselineAccuracy} ${base}`);
    assert.ok(Math.abs(d.candidateAccuracy - cand) < 1e-12, `${d.candidateAccuracy} ${cand}`);
    assert.ok(Math.abs(d.difference - (cand - base)) < 1e-12);
    assert.ok(Math.abs(d.standardError - se) < 1e-12, `${d.standardError} ${se}`);
    assert.equal(d.samples, y.length);
    // Counted over all samples, as the accuracy version counts them.
    assert.equal(d.onlyBaseline, y.filter((t, i) => b[i] === t && c[i] !== t).length);
    assert.equal(d.onlyCandidate, y.filter((t, i) => c[i] === t && b[i] !== t).length);
  }
});

Deno.test("pairedBalancedAccuracyDifference: losing the one row of a class of 100 costs half the score of two classes", () => {
  // Closed form: class 0 (99 rows) unchanged, class 1 (1 row) from recall 1 to 0: -1/2, and no
  // spread within either class, so no standard error.
  const y = new Array(100).fill(0);
  y[40] = 1;
  const d = pairedBalancedAccuracyDifference(y, { baseline: y, candidate: new Array(100).fill(0) });
  assert.equal(d.difference, -0.5);
  assert.equal(d.standardError, 0);
  assert.throws(
    () => pairedBalancedAccuracyDifference([], { baseline: [], candidate: [] }),
    /^RangeError: Cannot compare accuracies: there are no samples/,
  );
});
