import assert from "node:assert/strict";
import fc from "fast-check";
import { createPrng, randomInt } from "../../lib/core/random.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { pairedAccuracyDifference } from "../../lib/metrics/paired.ts";

/** Labels and two predictions of the same length, with few classes so that hits are common. */
const triple = fc.integer({ min: 1, max: 200 }).chain((n) => {
  const labels = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n });
  return fc.tuple(labels, labels, labels);
});

Deno.test("paired difference is the mean per-sample difference, its error the spread over sqrt(n)", () => {
  fc.assert(
    fc.property(triple, ([y, baseline, candidate]) => {
      const d = pairedAccuracyDifference(y, { baseline, candidate });
      // Oracle: the per-sample differences written out, mean and population variance.
      const n = y.length;
      const diffs = y.map((t, i) => Number(candidate[i] === t) - Number(baseline[i] === t));
      const mean = diffs.reduce((a, v) => a + v, 0) / n;
      const variance = diffs.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
      assert.ok(Math.abs(d.difference - mean) < 1e-12);
      assert.ok(Math.abs(d.standardError - Math.sqrt(variance / n)) < 1e-12);
      assert.equal(d.baselineAccuracy, accuracy(y, baseline));
      assert.equal(d.candidateAccuracy, accuracy(y, candidate));
      assert.ok(Math.abs(d.difference - (d.candidateAccuracy - d.baselineAccuracy)) < 1e-12);
      assert.equal(d.onlyBaseline, diffs.filter((v) => v === -1).length);
      assert.equal(d.onlyCandidate, diffs.filter((v) => v === 1).length);
      assert.equal(d.samples, n);
    }),
    { seed: 11, numRuns: 300 },
  );
});

Deno.test("paired standard error matches the spread of the difference over bootstrap resamples", () => {
  // A baseline right on 85 % of 4,000 samples and a candidate that disagrees with it on about
  // 4 % of them; the bootstrap (resampling the samples with replacement) is the oracle.
  const prng = createPrng(3);
  const n = 4000;
  const y = new Int32Array(n), baseline = new Int32Array(n), candidate = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = randomInt(prng, 10);
    baseline[i] = prng() < 0.85 ? y[i] : (y[i] + 1) % 10;
    candidate[i] = prng() < 0.04 ? (prng() < 0.5 ? (y[i] + 2) % 10 : y[i]) : baseline[i];
  }
  const d = pairedAccuracyDifference(y, { baseline, candidate });
  assert.ok(d.onlyBaseline > 50 && d.onlyCandidate > 10, JSON.stringify(d));
  const rounds = 2000;
  const values: number[] = [];
  const yb = new Int32Array(n), bb = new Int32Array(n), cb = new Int32Array(n);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const k = randomInt(prng, n);
      yb[i] = y[k];
      bb[i] = baseline[k];
      cb[i] = candidate[k];
    }
    values.push(pairedAccuracyDifference(yb, { baseline: bb, candidate: cb }).difference);
  }
  const mean = values.reduce((a, v) => a + v, 0) / rounds;
  const spread = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (rounds - 1));
  // 2,000 resamples estimate a standard deviation to about 1.6 % (1 / sqrt(2 * 2000)).
  assert.ok(Math.abs(spread / d.standardError - 1) < 0.08, `${spread} vs ${d.standardError}`);
  // Unpaired errors of two accuracies would be several times larger here.
  const unpaired = Math.sqrt(
    (d.baselineAccuracy * (1 - d.baselineAccuracy) +
      d.candidateAccuracy * (1 - d.candidateAccuracy)) / n,
  );
  assert.ok(unpaired > 3 * d.standardError);
});

Deno.test("identical predictions differ by nothing, with no error", () => {
  const d = pairedAccuracyDifference([0, 1, 2, 1], {
    baseline: [0, 2, 2, 1],
    candidate: Int32Array.from([0, 2, 2, 1]),
  });
  assert.equal(d.difference, 0);
  assert.equal(d.standardError, 0);
  assert.equal(d.baselineAccuracy, 0.75);
  assert.equal(d.candidateAccuracy, 0.75);
});

Deno.test("paired difference refuses mismatched lengths, bad labels and empty data", () => {
  assert.throws(
    () => pairedAccuracyDifference([0, 1], { baseline: [0], candidate: [0, 1] }),
    (e) => e instanceof TypeError && /^Cannot compare accuracies: /.test(e.message),
  );
  assert.throws(
    () => pairedAccuracyDifference([0, 1], { baseline: [0, 1], candidate: [0, 1.5] }),
    RangeError,
  );
  assert.throws(
    () => pairedAccuracyDifference([0, -1], { baseline: [0, 1], candidate: [0, 1] }),
    RangeError,
  );
  assert.throws(() => pairedAccuracyDifference([], { baseline: [], candidate: [] }), RangeError);
  assert.throws(
    () => pairedAccuracyDifference([0], null as unknown as { baseline: number[]; candidate: [] }),
    TypeError,
  );
});

Deno.test("paired difference's refusals name the argument at fault, baseline and candidate apart", () => {
  // Each refusal by its whole message: without its own check a null predictions failed on the
  // destructuring with a TypeError of the engine's ("Cannot destructure property 'baseline' of
  // 'predictions' as it is null"), and the baseline's label check could name the candidate.
  const cases: [() => unknown, string, string][] = [
    [
      () => pairedAccuracyDifference([0], null as never),
      "TypeError",
      "predictions must be { baseline, candidate }",
    ],
    [
      () => pairedAccuracyDifference([0, 1], { baseline: [0], candidate: [0, 1] }),
      "TypeError",
      "predictions.baseline has 1 entry, yTrue has 2",
    ],
    [
      () => pairedAccuracyDifference([0, 1], { baseline: [0, 1.5], candidate: [0, 1] }),
      "RangeError",
      "predictions.baseline[1] is 1.5, expected a non-negative integer",
    ],
    [
      () => pairedAccuracyDifference([0, 1], { baseline: [0, 1], candidate: [0, -1] }),
      "RangeError",
      "predictions.candidate[1] is -1, expected a non-negative integer",
    ],
    [
      () => pairedAccuracyDifference([0, -1], { baseline: [0, 1], candidate: [0, 1] }),
      "RangeError",
      "yTrue[1] is -1, expected a non-negative integer",
    ],
    [
      () => pairedAccuracyDifference([0], { baseline: [0] } as never),
      "TypeError",
      "predictions.candidate must be an array of class indices",
    ],
    [
      () => pairedAccuracyDifference([], { baseline: [], candidate: [] }),
      "RangeError",
      "there are no samples",
    ],
  ];
  for (const [call, name, message] of cases) {
    assert.throws(call, { name, message: `Cannot compare accuracies: ${message}` });
  }
});

Deno.test("paired difference refuses predictions that are not an object, and a short candidate against yTrue", () => {
  // Without the object check a number or a string was destructured into undefined arrays and
  // refused as "predictions.baseline must be an array of class indices", which blames the wrong
  // thing. The candidate's length is measured against yTrue, as the baseline's is.
  for (const bad of [5, "01", undefined]) {
    assert.throws(() => pairedAccuracyDifference([0, 1], bad as never), {
      name: "TypeError",
      message: "Cannot compare accuracies: predictions must be { baseline, candidate }",
    });
  }
  assert.throws(() => pairedAccuracyDifference([0, 1], { baseline: [0, 1], candidate: [0] }), {
    name: "TypeError",
    message: "Cannot compare accuracies: predictions.candidate has 1 entry, yTrue has 2",
  });
});
