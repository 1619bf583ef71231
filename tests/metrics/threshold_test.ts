import assert from "node:assert/strict";
import { createPrng } from "../../lib/core/random.ts";
import { chooseThreshold, type ThresholdTarget } from "../../lib/metrics/threshold.ts";
import { thresholdCurve } from "../../lib/mod.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { throwsWith } from "../_helpers/errors.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";

/** The labels `s > logit(t)` gives, counted, with logit written as the model would. */
function countsAt(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  positive: (s: number) => boolean,
  w?: ArrayLike<number>,
): { tp: number; fp: number; tn: number; fn: number } {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const wi = w ? w[i] : 1, p = positive(scores[i]);
    if (y[i] === 1) p ? (tp += wi) : (fn += wi);
    else p ? (fp += wi) : (tn += wi);
  }
  return { tp, fp, tn, fn };
}

/** A data set with many tied scores (rounded to a tenth) and both classes. */
function tiedData(n: number, seed: number): { scores: number[]; y: number[]; w: number[] } {
  const rng = createPrng(seed);
  const scores: number[] = [], y: number[] = [], w: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng() < 0.35 ? 1 : 0;
    y.push(label);
    scores.push(Math.round((rng() * 4 - 2 + label * 1.2) * 10) / 10);
    w.push(i % 7 === 0 ? 0 : Math.floor(rng() * 4) + 0.5);
  }
  return { scores, y, w };
}

Deno.test("thresholdCurve counts every split of four distinct scores by hand", () => {
  const curve = thresholdCurve([-2, 1, -1, 3], [0, 0, 1, 1]);
  assert.deepEqual(curve.map((p) => p.cutoff), [-Infinity, -1.5, 0, 2, Infinity]);
  assert.deepEqual(
    curve.map((p) => [p.tp, p.fp, p.tn, p.fn]),
    [[2, 2, 0, 0], [2, 1, 1, 0], [1, 1, 1, 1], [1, 0, 2, 1], [0, 0, 2, 2]],
  );
  // Precision tp / (tp + fp), 1 where nothing is labelled positive; F1 2tp / (2tp + fp + fn).
  assert.deepEqual(curve.map((p) => p.precision), [1 / 2, 2 / 3, 1 / 2, 1, 1]);
  assert.deepEqual(curve.map((p) => p.recall), [1, 1, 1 / 2, 1 / 2, 0]);
  assert.deepEqual(curve.map((p) => p.fpr), [1, 1 / 2, 1 / 2, 0, 0]);
  assert.deepEqual(curve.map((p) => p.f1), [4 / 6, 4 / 5, 2 / 4, 2 / 3, 0]);
  assert.deepEqual(curve.map((p) => p.accuracy), [1 / 2, 3 / 4, 1 / 2, 3 / 4, 1 / 2]);
  assert.deepEqual(curve.map((p) => p.balancedAccuracy), [1 / 2, 3 / 4, 1 / 2, 3 / 4, 1 / 2]);
  // Thresholds: the logistic function of the middle cutoffs, the extreme float64s at the ends.
  assert.equal(curve[0].threshold, Number.MIN_VALUE);
  assert.equal(curve[4].threshold, 1 - 2 ** -53);
  assert.equal(curve[2].threshold, 0.5);
  assertClose(curve[1].threshold!, 1 / (1 + Math.exp(1.5)), { rtol: 1e-15 });
  assertClose(curve[3].threshold!, 1 / (1 + Math.exp(-2)), { rtol: 1e-15 });
});

Deno.test("every threshold of the curve gives its point's labels, at extreme scores too", () => {
  const next = (x: number) => {
    const f = new Float64Array([x]), u = new BigInt64Array(f.buffer);
    u[0] += 1n;
    return f[0];
  };
  const scores = [
    -800,
    -744,
    -700,
    -30,
    -1e-300,
    0,
    5e-324,
    1,
    next(1),
    2,
    30,
    36,
    36.5,
    36.7,
    36.74,
    37,
    40,
  ];
  const y = scores.map((_, i) => i % 2);
  for (const subset of [scores, scores.slice(1, 14), scores.slice(2, 12)]) {
    const labels = y.slice(0, subset.length);
    const curve = thresholdCurve(subset, labels);
    assert.equal(curve.length, subset.length + 1);
    for (const p of curve) {
      const byCutoff = countsAt(subset, labels, (s) => s > p.cutoff);
      assert.deepEqual([p.tp, p.fp, p.tn, p.fn], [
        byCutoff.tp,
        byCutoff.fp,
        byCutoff.tn,
        byCutoff.fn,
      ]);
      if (p.threshold === null) continue;
      const t = p.threshold;
      assert.ok(t > 0 && t < 1, `threshold ${t}`);
      // Two ways of writing logit agree on the labels.
      for (const logit of [Math.log(t) - Math.log1p(-t), Math.log(t / (1 - t))]) {
        const got = countsAt(subset, labels, (s) => s > logit);
        assert.deepEqual(got, byCutoff, `cutoff ${p.cutoff}, threshold ${t}, logit ${logit}`);
      }
    }
  }
  const curve = thresholdCurve(scores, y);
  const at = (c: number) => curve.find((p) => p.cutoff === c)!;
  // Below logit(5e-324) = -744.44 nothing labels -800 positive; above logit(1 - 2^-53) = 36.74
  // no threshold in (0, 1) separates 37 from 40, nor labels 40 negative.
  assert.equal(curve[0].threshold, null);
  // Between -800 and -744 only the smallest threshold fits (logit -744.44).
  assert.equal(at(-772).threshold, Number.MIN_VALUE);
  assert.ok(at(-722).threshold! > Number.MIN_VALUE);
  assert.equal(at(38.5).threshold, null);
  assert.equal(at(Infinity).threshold, null);
  assert.equal(at((36.74 + 37) / 2).threshold, null);
  assert.equal(at((36.7 + 36.74) / 2).threshold, 1 - 2 ** -53);
  // Adjacent float64s: the cutoff is the lower one.
  assert.equal(at(1).cutoff, 1);
  assert.equal(thresholdCurve([36.74, 37], [0, 1])[2].threshold, null);
});

const sklearnPython = await pythonWithSklearn();

Deno.test({
  name: `thresholdCurve is scikit-learn's precision_recall_curve and roc_curve, weighted too${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const { scores, y, w } = tiedData(300, 11);
    type Curves = {
      thr: number[];
      p: number[];
      r: number[];
      rocThr: number[];
      fpr: number[];
      tpr: number[];
    };
    const expected = await runPython<Curves[]>(
      "import json, sys\nimport numpy as np\n" +
        "from sklearn.metrics import precision_recall_curve, roc_curve\n" +
        "d = json.load(sys.stdin)\nout = []\n" +
        "for w in [None, d['w']]:\n" +
        "    p, r, thr = precision_recall_curve(d['y'], d['s'], sample_weight=w)\n" +
        "    fpr, tpr, rt = roc_curve(d['y'], d['s'], sample_weight=w, drop_intermediate=False)\n" +
        "    out.append(dict(thr=thr.tolist(), p=p.tolist(), r=r.tolist(),\n" +
        "        rocThr=rt[1:].tolist(), fpr=fpr.tolist(), tpr=tpr.tolist()))\n" +
        "print(json.dumps(out))\n",
      { s: scores, y, w },
    );
    for (const [k, weights] of [undefined, w].entries()) {
      const e = expected[k];
      const curve = thresholdCurve(scores, y, weights ? { sampleWeight: weights } : {});
      // scikit-learn labels s >= thr for each distinct score: our point whose cutoff is just
      // below it. Both list every distinct score of the rows that weigh more than 0.
      assert.equal(curve.length, e.thr.length + 1);
      const below = (s: number) => curve.filter((p) => p.cutoff < s).at(-1)!;
      e.thr.forEach((s, i) => {
        const p = below(s);
        assertClose(p.precision, e.p[i], { atol: 1e-12 });
        assertClose(p.recall, e.r[i], { atol: 1e-12 });
      });
      assert.equal(e.p.at(-1), curve.at(-1)!.precision);
      // roc_curve: its first point (threshold inf) labels nothing positive.
      assert.equal(curve.at(-1)!.fpr, e.fpr[0]);
      e.rocThr.forEach((s, i) => {
        const p = below(s);
        assertClose(p.fpr, e.fpr[i + 1], { atol: 1e-12 });
        assertClose(p.recall, e.tpr[i + 1], { atol: 1e-12 });
      });
    }
  },
});

/** An independent brute force: every cutoff, every count by a direct loop, the rule as written. */
function bruteForce(
  scores: number[],
  y: number[],
  target: ThresholdTarget,
  w?: number[],
): number {
  const kept = scores.filter((_, i) => !w || w[i] > 0);
  const distinct = [...new Set(kept)].sort((a, b) => a - b);
  const cutoffs = [-Infinity, ...distinct.slice(1).map((b, i) => (distinct[i] + b) / 2), Infinity];
  let best: { c: number; key: number[] } | null = null;
  for (const c of cutoffs) {
    const { tp, fp, tn, fn } = countsAt(scores, y, (s) => s > c, w);
    const P = tp + fn, N = fp + tn;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 1, recall = tp / P, fpr = fp / N;
    let key: number[];
    if ("metric" in target) {
      const m = target.metric === "f1"
        ? 2 * tp / (2 * tp + fp + fn)
        : target.metric === "accuracy"
        ? (tp + tn) / (P + N)
        : (tp * N + tn * P) / (2 * P * N);
      key = [m, 0];
    } else if ("precision" in target) {
      if (!(tp + fp > 0 && precision >= target.precision)) continue;
      key = [recall, precision];
    } else if ("recall" in target) {
      if (!(tp + fp > 0 && recall >= target.recall)) continue;
      key = [precision, recall];
    } else {
      if (!(fpr <= target.fpr)) continue;
      key = [recall, -fpr];
    }
    key.push(-Math.abs(c), -c);
    const first = best === null ? -1 : key.findIndex((v, i) => v !== best!.key[i]);
    if (best === null || (first >= 0 && key[first] > best.key[first])) best = { c, key };
  }
  return best!.c;
}

const targets: ThresholdTarget[] = [
  { metric: "f1" },
  { metric: "accuracy" },
  { metric: "balanced-accuracy" },
  { precision: 0.6 },
  { precision: 0 },
  { recall: 0.9 },
  { recall: 0 },
  { recall: 1 },
  { fpr: 0.1 },
  { fpr: 0 },
  { fpr: 1 },
];

Deno.test("chooseThreshold takes the point a brute force over every cutoff takes", () => {
  for (const seed of [1, 2, 3]) {
    const { scores, y, w } = tiedData(120, seed);
    for (const target of targets) {
      for (const weights of [undefined, w]) {
        const chosen = chooseThreshold(scores, y, target, weights && { sampleWeight: weights });
        assert.equal(chosen.cutoff, bruteForce(scores, y, target, weights), JSON.stringify(target));
        assert.ok(chosen.threshold > 0 && chosen.threshold < 1);
      }
    }
  }
});

Deno.test("ties between operating points go to the threshold nearest 0.5, then the lower", () => {
  // Cutoffs -inf, -1, 1, inf: accuracy 2/3, 1/3, 2/3, 1/3; of -inf and 1, 1 is nearer 0.
  assert.equal(chooseThreshold([-2, 0, 2], [1, 0, 1], { metric: "accuracy" }).cutoff, 1);
  // Cutoffs -inf, -2, 0, 2, inf: accuracy 1/2, 3/4, 1/2, 3/4, 1/2 and balanced accuracy 1/2,
  // 3/4, 1/2, 3/4, 1/2; -2 and 2 are as near 0, the lower wins.
  const scores = [-3, -1, 1, 3], y = [0, 1, 0, 1];
  assert.equal(chooseThreshold(scores, y, { metric: "accuracy" }).cutoff, -2);
  assert.equal(chooseThreshold(scores, y, { metric: "balanced-accuracy" }).cutoff, -2);
  // FPR <= 1 and recall 1 at -inf and -2: the lower rate, fpr 1/2 at -2.
  assert.equal(chooseThreshold(scores, y, { fpr: 1 }).cutoff, -2);
  // Recall 1 at -inf, 2 and 4 (fpr 1, 1/2, 0): the lowest rate, though 2 is nearer 0.
  assert.equal(chooseThreshold([1, 3, 5, 7], [0, 0, 1, 1], { fpr: 1 }).cutoff, 4);
  // Precision 1 at -3.5, -2.5 and -1.5 (recall 1, 2/3, 1/3): the highest recall, though -1.5
  // is nearer 0.
  assert.equal(chooseThreshold([-4, -3, -2, -1], [0, 1, 1, 1], { recall: 0.2 }).cutoff, -3.5);
});

Deno.test("the precision and recall targets pass over the point that labels nothing positive", () => {
  // Its precision counts 1, but it answers no floor on recall: the points that label a row
  // positive have precision 2/3 (cutoff -inf), 1/2 and 0.
  const chosen = chooseThreshold([1, 2, 3], [1, 1, 0], { recall: 0 });
  assert.deepEqual([chosen.cutoff, chosen.precision], [-Infinity, 2 / 3]);
});

Deno.test("rows weighing 0 make no operating point", () => {
  const curve = thresholdCurve([1, 2, 3], [0, 1, 1], { sampleWeight: [1, 0, 1] });
  assert.deepEqual(curve.map((p) => p.cutoff), [-Infinity, 2, Infinity]);
  assert.deepEqual(curve.map((p) => p.tp), [1, 1, 0]);
});

Deno.test({
  name: `the chosen F1 is scikit-learn's f1_score of the labels at the chosen cutoff${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const { scores, y, w } = tiedData(400, 5);
    const plain = chooseThreshold(scores, y, { metric: "f1" });
    const weighted = chooseThreshold(scores, y, { metric: "f1" }, { sampleWeight: w });
    const cutoffs = [plain.cutoff, weighted.cutoff];
    const [f1, f1w, all] = await runPython<[number, number, number[]]>(
      "import json, sys\nimport numpy as np\nfrom sklearn.metrics import f1_score\n" +
        "d = json.load(sys.stdin)\ns = np.array(d['s'])\nc = d['c']\n" +
        "f = lambda cut, w=None: float(f1_score(d['y'], (s > cut).astype(int), sample_weight=w))\n" +
        "cuts = sorted(set(s.tolist()))\n" +
        "grid = [(a + b) / 2 for a, b in zip(cuts, cuts[1:])] + [cuts[0] - 1]\n" +
        "print(json.dumps([f(c[0]), f(c[1], d['w']), [f(g) for g in grid]]))\n",
      { s: scores, y, w, c: cutoffs },
    );
    assertClose(plain.f1, f1, { atol: 1e-12 });
    assertClose(weighted.f1, f1w, { atol: 1e-12 });
    // No cutoff scikit-learn scores does better.
    assert.ok(all.every((v) => v <= f1 + 1e-12), `${Math.max(...all)} > ${f1}`);
  },
});

Deno.test("chooseThreshold meets each constraint in closed form on seven rows", () => {
  const scores = [-3, -2, -1, 0.5, 1, 2, 4], y = [0, 0, 1, 0, 1, 1, 1];
  const best = chooseThreshold(scores, y, { metric: "f1" });
  assert.deepEqual([best.cutoff, best.tp, best.fp, best.fn, best.f1], [-1.5, 4, 1, 0, 8 / 9]);
  // Recall 1 at the highest precision: cutoff -1.5, precision 4/5.
  const full = chooseThreshold(scores, y, { recall: 1 });
  assert.deepEqual([full.cutoff, full.precision], [-1.5, 4 / 5]);
  // FPR <= 0: the highest recall with no negative above the cutoff, 3/4 above 0.5.
  const clean = chooseThreshold(scores, y, { fpr: 0 });
  assert.deepEqual([clean.cutoff, clean.recall, clean.fpr], [0.75, 3 / 4, 0]);
  // Precision >= 0.8 reaches recall 1 at cutoff -1.5.
  assert.equal(chooseThreshold(scores, y, { precision: 0.8 }).cutoff, -1.5);
  // Balanced accuracy (1 + 2/3) / 2 at -1.5 against (3/4 + 1) / 2 at 0.75: the latter.
  const j = chooseThreshold(scores, y, { metric: "balanced-accuracy" });
  assert.deepEqual([j.cutoff, j.balancedAccuracy], [0.75, 7 / 8]);
});

Deno.test("chooseThreshold refuses what it cannot answer, naming the cause", () => {
  throwsWith(
    () => chooseThreshold([1, 2, 3], [1, 1, 0], { precision: 0.9 }),
    RangeError,
    "Cannot choose threshold: no threshold reaches precision >= 0.9; the highest is " +
      "0.6666666666666666 (recall 1, threshold 5e-324)",
  );
  throwsWith(
    () => chooseThreshold([1, 2], [1, 1], { metric: "f1" }),
    RangeError,
    "Cannot choose threshold: y holds only class 1; both classes are needed",
  );
  throwsWith(
    () => thresholdCurve([1, 2], [1, 0], { sampleWeight: [1, 0] }),
    RangeError,
    "Cannot compute threshold curve: y holds only class 1 among the rows weighing more than 0",
  );
  throwsWith(
    () => thresholdCurve([1, NaN], [1, 0]),
    RangeError,
    "Cannot compute threshold curve: score 1 is NaN",
  );
  throwsWith(
    () => thresholdCurve([1, Infinity], [1, 0]),
    RangeError,
    "Cannot compute threshold curve: scores holds Infinity at index 1",
  );
  throwsWith(() => thresholdCurve([1, 2], [1, 2]), RangeError, "y[1] is 2, expected in 0..1");
  throwsWith(() => thresholdCurve([1, 2, 3], [1, 0]), TypeError, "y has 2 entries, scores has 3");
  throwsWith(() => thresholdCurve([], []), RangeError, "there are no samples");
  throwsWith(
    () => thresholdCurve([1, 2], [1, 0], { sampleWeight: [1, -1] }),
    RangeError,
    "sampleWeight[1] is -1, not a weight (finite and >= 0)",
  );
  throwsWith(
    () => thresholdCurve([1, 2], [1, 0], { sampleWeight: [1] }),
    TypeError,
    "sampleWeight has 1 entries, scores has 2",
  );
  for (
    const [target, text] of [
      [{ precision: 1.5 }, "target.precision must be a number in [0, 1], got 1.5"],
      [{ recall: -0.1 }, "target.recall must be a number in [0, 1], got -0.1"],
      [{ fpr: NaN }, "target.fpr must be a number in [0, 1], got NaN"],
      [
        { metric: "auc" },
        `target.metric is 'auc', expected 'f1', 'balanced-accuracy' or 'accuracy'`,
      ],
    ] as const
  ) {
    throwsWith(() => chooseThreshold([1, 2], [1, 0], target as ThresholdTarget), RangeError, text);
  }
  throwsWith(
    () => chooseThreshold([1, 2], [1, 0], { recall: 0.5, fpr: 0.1 } as unknown as ThresholdTarget),
    TypeError,
    "target must be one of { metric }, { precision }, { recall } or { fpr }",
  );
});

Deno.test("chooseThreshold skips the points no threshold represents", () => {
  // F1 is 1 at the cutoff 40.5, which no float64 threshold gives; the best representable is
  // everything positive (F1 2/3) at threshold 5e-324.
  const chosen = chooseThreshold([40, 41], [0, 1], { metric: "f1" });
  assert.equal(chosen.threshold, Number.MIN_VALUE);
});

Deno.test("balanced accuracy stays finite at weight scales whose class totals' product under- or overflows", () => {
  const { scores, y, w } = tiedData(60, 11);
  const plain = thresholdCurve(scores, y, { sampleWeight: w });
  for (const scale of [2 ** -560, 2 ** 515]) {
    const scaled = thresholdCurve(scores, y, { sampleWeight: w.map((v) => v * scale) });
    assert.equal(scaled.length, plain.length);
    for (const [i, point] of scaled.entries()) {
      // Scaling every weight by a power of two changes no rate: the same value, bit for bit.
      assert.equal(point.balancedAccuracy, plain[i].balancedAccuracy, `${scale} point ${i}`);
      const { tp, fp, tn, fn } = plain[i];
      assertClose(point.balancedAccuracy, (tp / (tp + fn) + tn / (tn + fp)) / 2, {
        atol: 1e-12,
      });
    }
  }
});
