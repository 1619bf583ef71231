/**
 * The paired comparisons with `sampleWeight`. Oracles: integer weights give the accuracies, AUCs
 * and differences of the samples repeated; equal weights of any value the unweighted comparison;
 * weights of 0 the samples left out; the standard error the spread of the weighted difference over
 * bootstrap resamples of the samples with their weights (accuracy), the classes' errors combined
 * (balanced accuracy), and a brute-force numpy computation over every pair (ROC AUC).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createPrng, randomInt, randomNormal } from "../../lib/core/random.ts";
import {
  pairedAccuracyDifference,
  pairedBalancedAccuracyDifference,
  type PairedDifference,
  pairedRocAucDifference,
} from "../../lib/metrics/paired.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { hasNumpy, runPython } from "../_helpers/python.ts";
import { integerWeights } from "../_helpers/weights.ts";

/** Labels of `k` classes, two models' predictions and scores that mostly agree, and weights. */
function randomCase(seed: number, n: number, k: number) {
  const prng = createPrng(seed);
  const y: number[] = [], pb: number[] = [], pc: number[] = [], b: number[] = [], c: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(i < k ? i : randomInt(prng, k));
    pb.push(prng() < 0.8 ? y[i] : randomInt(prng, k));
    pc.push(prng() < 0.85 ? pb[i] : randomInt(prng, k));
    const signal = (y[i] === 1 ? 1 : 0) + randomNormal(prng);
    // Few distinct values: ties.
    b.push(Math.round(signal * 4) / 4);
    c.push(Math.round((signal + 0.5 * randomNormal(prng)) * 4) / 4);
  }
  return { y, pb, pc, b, c, w: integerWeights(n, seed + 7) };
}

/** Each sample repeated its weight's times. */
function repeated<T>(values: readonly T[], w: ArrayLike<number>): T[] {
  return values.flatMap((v, i) => Array.from({ length: w[i] }, () => v));
}

const COMPARE = {
  accuracy: (y: number[], p: { pb: number[]; pc: number[] }, o = {}) =>
    pairedAccuracyDifference(y, { baseline: p.pb, candidate: p.pc }, o),
  balanced: (y: number[], p: { pb: number[]; pc: number[] }, o = {}) =>
    pairedBalancedAccuracyDifference(y, { baseline: p.pb, candidate: p.pc }, o),
  rocAuc: (y: number[], p: { b: number[]; c: number[] }, o = {}) =>
    pairedRocAucDifference(y, { baseline: p.b, candidate: p.c }, o),
};

Deno.test("paired comparisons with integer weights: the accuracies, AUCs and difference of the samples repeated", () => {
  for (const [seed, k] of [[1, 2], [2, 3], [3, 5]]) {
    const p = randomCase(seed, 120, k);
    const r = {
      pb: repeated(p.pb, p.w),
      pc: repeated(p.pc, p.w),
      b: repeated(p.b, p.w),
      c: repeated(p.c, p.w),
    };
    const ry = repeated(p.y, p.w);
    for (const [name, compare] of Object.entries(COMPARE)) {
      if (name === "rocAuc" && k !== 2) continue;
      const got = compare(p.y, p, { sampleWeight: p.w });
      const want = compare(ry, r);
      const message = `${name} seed ${seed}`;
      for (const key of ["baselineAccuracy", "candidateAccuracy", "difference"] as const) {
        if (name === "rocAuc") assertClose(got[key], want[key], { atol: 1e-12, message });
        else assert.equal(got[key], want[key], message);
      }
      // A sample weighing 3 counts as 3 samples there.
      assert.equal(got.onlyBaseline, want.onlyBaseline, message);
      assert.equal(got.onlyCandidate, want.onlyCandidate, message);
      assert.equal(got.samples, 120);
      // Its error reads a weight of 3 as one sample of that weight: larger than the repeated
      // samples' (which count it three times over).
      assert.ok(got.standardError > want.standardError, message);
    }
  }
});

Deno.test("paired comparisons with equal weights, whatever their value, are the unweighted ones", () => {
  for (const [seed, k] of [[4, 2], [5, 4]]) {
    const p = randomCase(seed, 150, k);
    for (const [name, compare] of Object.entries(COMPARE)) {
      if (name === "rocAuc" && k !== 2) continue;
      const plain = compare(p.y, p);
      for (const c of [1, 0.37, 7]) {
        const got = compare(p.y, p, { sampleWeight: p.y.map(() => c) });
        const message = `${name} seed ${seed} weight ${c}`;
        for (const key of Object.keys(plain) as (keyof PairedDifference)[]) {
          // The disagreements are the weights' sums: c times the counts.
          const scale = key === "onlyBaseline" || key === "onlyCandidate" ? c : 1;
          assertClose(got[key], plain[key] * scale, { rtol: 1e-12, atol: 1e-15, message: key });
        }
        assert.ok(got.standardError > 0, message);
      }
    }
  }
});

Deno.test("paired comparisons with weights scaled by 2^-700 or 2^650 are those of the weights unscaled, standard errors included", () => {
  // A power of two scales every weight exactly, so every figure is the same to the bit (the
  // disagreements, weights' sums, scaled by it). The squares of such weights underflow to 0 or
  // overflow to Infinity: standard errors of 0, NaN and Infinity, where they depend only on the
  // weights' ratios.
  for (const [seed, k] of [[14, 2], [15, 3]]) {
    const p = randomCase(seed, 80, k);
    const w = Array.from(p.w, (v, i) => v + (i % 3) / 4);
    for (const [name, compare] of Object.entries(COMPARE)) {
      if (name === "rocAuc" && k !== 2) continue;
      const want = compare(p.y, p, { sampleWeight: w });
      assert.ok(want.standardError > 0);
      for (const scale of [2 ** -700, 2 ** 650]) {
        const got = compare(p.y, p, { sampleWeight: w.map((v) => v * scale) });
        assert.deepEqual(got, {
          ...want,
          onlyBaseline: want.onlyBaseline * scale,
          onlyCandidate: want.onlyCandidate * scale,
        }, `${name} seed ${seed} scale ${scale}`);
      }
    }
  }
});

Deno.test("paired comparisons: samples of weight 0 are left out", () => {
  const p = randomCase(6, 90, 2);
  const keep = p.y.map((_, i) => (i % 3 === 0 && i > 1 ? 0 : 1));
  const kept = (v: number[]) => v.filter((_, i) => keep[i] === 1);
  const q = { pb: kept(p.pb), pc: kept(p.pc), b: kept(p.b), c: kept(p.c) };
  for (const [name, compare] of Object.entries(COMPARE)) {
    const got = compare(p.y, p, { sampleWeight: keep });
    const want = compare(kept(p.y), q);
    for (const key of Object.keys(want) as (keyof PairedDifference)[]) {
      if (key !== "samples") assertClose(got[key], want[key], { atol: 1e-14, message: name });
    }
  }
  // A class whose samples all weigh 0 is not present in the balanced accuracy.
  const y = [0, 0, 1, 1, 2], pb = [0, 1, 1, 1, 2], pc = [0, 0, 1, 0, 0];
  const got = COMPARE.balanced(y, { pb, pc }, { sampleWeight: [1, 1, 1, 1, 0] });
  const want = COMPARE.balanced(y.slice(0, 4), { pb: pb.slice(0, 4), pc: pc.slice(0, 4) });
  assert.equal(got.baselineAccuracy, want.baselineAccuracy);
  assert.equal(got.standardError, want.standardError);
});

Deno.test("weighted paired accuracy: its standard error is the spread of the difference over bootstrap resamples", () => {
  // 3,000 samples with weights from 0.1 to 10 that favour the samples the models disagree on,
  // resampled with their weights.
  const prng = createPrng(8);
  const n = 3000;
  const y = new Int32Array(n), pb = new Int32Array(n), pc = new Int32Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = randomInt(prng, 4);
    pb[i] = prng() < 0.85 ? y[i] : (y[i] + 1) % 4;
    pc[i] = prng() < 0.06 ? (prng() < 0.5 ? (y[i] + 2) % 4 : y[i]) : pb[i];
    w[i] = (pb[i] !== pc[i] ? 3 : 1) * Math.exp(2.3 * (2 * prng() - 1));
  }
  const d = pairedAccuracyDifference(y, { baseline: pb, candidate: pc }, { sampleWeight: w });
  const plain = pairedAccuracyDifference(y, { baseline: pb, candidate: pc });
  assert.ok(Math.abs(d.standardError / plain.standardError - 1) > 0.2, "the weights matter");
  const rounds = 1500;
  const values: number[] = [];
  const yb = new Int32Array(n), bb = new Int32Array(n), cb = new Int32Array(n);
  const wb = new Float64Array(n);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const k = randomInt(prng, n);
      [yb[i], bb[i], cb[i], wb[i]] = [y[k], pb[k], pc[k], w[k]];
    }
    values.push(
      pairedAccuracyDifference(yb, { baseline: bb, candidate: cb }, { sampleWeight: wb })
        .difference,
    );
  }
  const mean = values.reduce((a, v) => a + v, 0) / rounds;
  const spread = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (rounds - 1));
  // 1,500 resamples estimate a standard deviation to about 1.8 % (1 / sqrt(2 * 1500)).
  assert.ok(Math.abs(spread / d.standardError - 1) < 0.08, `${spread} vs ${d.standardError}`);
  // The same samples counted by their weights as repeated ones would claim a smaller error.
  const total = w.reduce((a, v) => a + v, 0);
  const frequency = Math.sqrt(
    d.onlyBaseline + d.onlyCandidate - (d.onlyCandidate - d.onlyBaseline) ** 2 / total,
  ) / total;
  assert.ok(Math.abs(frequency / d.standardError - 1) > 0.2, `${frequency}`);
});

Deno.test("weighted paired balanced accuracy: the mean of the classes' weighted recall differences, their errors combined", () => {
  const p = randomCase(9, 200, 3);
  const w = p.w.map((v, i) => v + (i % 5) / 4);
  const got = COMPARE.balanced(p.y, p, { sampleWeight: w });
  assert.notEqual(got.difference, COMPARE.balanced(p.y, p).difference, "the weights matter");
  // Each class alone is a weighted accuracy comparison; the balanced one is their mean, its
  // variance the sum of theirs over K^2.
  const classes = [0, 1, 2].map((c) => {
    const at = p.y.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
    const pick = (v: ArrayLike<number>) => at.map((i) => v[i]);
    return COMPARE.accuracy(pick(p.y), { pb: pick(p.pb), pc: pick(p.pc) }, {
      sampleWeight: pick(w),
    });
  });
  const mean = (f: (d: PairedDifference) => number) => classes.reduce((a, d) => a + f(d), 0) / 3;
  assertClose(got.baselineAccuracy, mean((d) => d.baselineAccuracy), { rtol: 1e-14 });
  assertClose(got.difference, mean((d) => d.difference), { rtol: 1e-12 });
  assertClose(
    got.standardError,
    Math.sqrt(classes.reduce((a, d) => a + d.standardError ** 2, 0)) / 3,
    { rtol: 1e-12 },
  );
});

// Weighted DeLong by brute force: psi over every (positive, negative) pair (ties 1/2), each
// model's components as weighted means over the other class, the AUC as the positives' weighted
// mean, and per class sum w^2 (d - D)^2 / (W^2 - sum w^2) of the components' differences d.
const WEIGHTED_DELONG = `
import json, sys
import numpy as np
out = []
for case in json.load(sys.stdin):
    y = np.array(case["y"]); w = np.array(case["w"], float); pos = y == 1; neg = y == 0
    wp, wn = w[pos], w[neg]
    aucs, v10, v01 = [], [], []
    for s in (np.array(case["b"], float), np.array(case["c"], float)):
        psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        v10.append(psi @ wn / wn.sum()); v01.append(wp @ psi / wp.sum())
        aucs.append(wp @ v10[-1] / wp.sum())
    var = 0.0
    for d, ww in ((v10[1] - v10[0], wp), (v01[1] - v01[0], wn)):
        mean = ww @ d / ww.sum()
        var += (ww ** 2) @ (d - mean) ** 2 / (ww.sum() ** 2 - (ww ** 2).sum())
    out.append({"base": aucs[0], "cand": aucs[1], "se": float(np.sqrt(var))})
print(json.dumps(out))
`;

Deno.test({
  name: "weighted paired ROC AUC: AUCs and standard error as a brute-force numpy computation",
  ignore: !hasNumpy(),
  fn: async () => {
    const cases = [10, 11, 12].map((seed) => {
      const p = randomCase(seed, 90, 2);
      return { ...p, w: p.w.map((v, i) => v + (i % 4) / 3) };
    });
    const oracle = await runPython<{ base: number; cand: number; se: number }[]>(
      WEIGHTED_DELONG,
      cases.map(({ y, b, c, w }) => ({ y, b, c, w: Array.from(w) })),
    );
    cases.forEach((p, i) => {
      const got = COMPARE.rocAuc(p.y, p, { sampleWeight: p.w });
      const message = `case ${i}`;
      assertClose(got.baselineAccuracy, oracle[i].base, { atol: 1e-12, message });
      assertClose(got.candidateAccuracy, oracle[i].cand, { atol: 1e-12, message });
      assertClose(got.standardError, oracle[i].se, { rtol: 1e-10, message });
      assert.ok(got.standardError > 0, message);
    });
  },
});

Deno.test("weighted paired ROC AUC: a class of one sample of weight above 0 adds no term, as one sample unweighted", () => {
  const p = randomCase(13, 60, 2);
  for (const one of [1, 0]) {
    // Every sample of class `one` but its first weighs 0; the others weigh alike.
    const at = p.y.indexOf(one);
    const w = p.y.map((c, i) => (c !== one ? 1.7 : i === at ? 2.5 : 0));
    const kept = (v: number[]) => v.filter((_, i) => w[i] > 0);
    const got = COMPARE.rocAuc(p.y, p, { sampleWeight: w });
    const want = COMPARE.rocAuc(kept(p.y), { b: kept(p.b), c: kept(p.c) });
    const message = `one sample of class ${one}`;
    assert.equal(kept(p.y).filter((c) => c === one).length, 1, message);
    assertClose(got.difference, want.difference, { atol: 1e-14, message });
    assert.ok(Number.isFinite(got.standardError) && got.standardError > 0, message);
    assertClose(got.standardError, want.standardError, { rtol: 1e-12, message });
  }
});

Deno.test("paired comparisons refuse bad weights, and a class of no weight for ROC AUC", () => {
  const y = [0, 1, 1, 0], p = { baseline: [0, 1, 1, 1], candidate: [0, 1, 0, 1] };
  assert.throws(() => pairedAccuracyDifference(y, p, { sampleWeight: [1, 2] }), {
    name: "TypeError",
    message: /^Cannot compare accuracies: sampleWeight must hold one weight per row/,
  });
  assert.throws(() => pairedBalancedAccuracyDifference(y, p, { sampleWeight: [1, -1, 1, 1] }), {
    name: "RangeError",
    message: /^Cannot compare accuracies: sampleWeight\[1\] /,
  });
  assert.throws(() => pairedAccuracyDifference(y, p, { sampleWeight: [0, 0, 0, 0] }), {
    name: "RangeError",
    message: /every sampleWeight is 0/,
  });
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pairedAccuracyDifference(y, p, { weights: [1, 1, 1, 1] } as any),
    { name: "TypeError", message: /^Cannot compare accuracies: .*weights/ },
  );
  const s = { baseline: [0.1, 0.4, 0.35, 0.8], candidate: [0.2, 0.3, 0.5, 0.6] };
  assert.throws(() => pairedRocAucDifference(y, s, { sampleWeight: [1, 0, 0, 1] }), {
    name: "RangeError",
    message: "Cannot compare ROC AUCs: yTrue holds no positive (class 1) sample of weight above " +
      "0; an AUC needs both classes",
  });
});
