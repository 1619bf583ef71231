import assert from "node:assert/strict";
import { createCompressionSession, searchCompression } from "../../lib/compress/mod.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { predict } from "../../lib/model/predict.ts";
import type { Dataset } from "../../lib/data/dataset.ts";

/** 600 rows: "x" and "y" about 48 % each (told apart by a), "rare" 19 rows (about 3 %, by b). */
function threeClasses(): Dataset {
  const x = new Float64Array(600 * 3), y = new Int32Array(600);
  for (let i = 0; i < 600; i++) {
    const c = i % 33 === 5 ? 0 : i % 2 === 0 ? 1 : 2;
    x.set([
      (c === 2 ? 1 : -1) + ((i * 7919) % 13) / 10 - 0.6,
      c === 0 ? 3 + (i % 7) / 10 : (i % 11) / 10,
      (i * 104729) % 97,
    ], i * 3);
    y[i] = c;
  }
  return {
    x: { data: x, rows: 600, cols: 3 },
    y,
    classes: ["rare", "x", "y"],
    featureNames: ["a", "b", "n"],
  };
}

const data = threeClasses();
const SPACE = {
  sparsities: [0, 0.5, 0.7, 0.9],
  methods: [{ kind: "uniform" as const }],
  bits: [8],
};
const session = createCompressionSession(data, { seed: 0 });
const v = session.validation;

/** Balanced accuracy counted here: the mean over the classes of y of the share right. */
function balancedAccuracy(y: Int32Array, p: ArrayLike<number>): number {
  const classes = [...new Set(y)];
  const recall = (c: number) => {
    let n = 0, right = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== c) continue;
      n++;
      if (p[i] === c) right++;
    }
    return right / n;
  };
  return classes.reduce((s, c) => s + recall(c), 0) / classes.length;
}

const predicted = (model: StoredModel) => predict(asFloatModel(model), v.x);

Deno.test("on 48/48/3 % data a 5-point balanced-accuracy budget keeps the rare class that a 5-point accuracy budget loses", () => {
  const rareRows = v.y.filter((c) => c === 0).length;
  assert.ok(rareRows > 0);
  const byAccuracy = session.search({ ...SPACE, maxDrop: 0.05 });
  assert.equal(byAccuracy.metric, "accuracy");
  const lost = predicted(byAccuracy.model);
  assert.equal(lost.filter((c, i) => c === 0 && v.y[i] === 0).length, 0, "rare found");
  const byBalanced = session.search({ ...SPACE, maxDrop: 0.05, metric: "balanced-accuracy" });
  assert.equal(byBalanced.metric, "balanced-accuracy");
  const kept = predicted(byBalanced.model);
  assert.ok(kept.some((c, i) => c === 0 && v.y[i] === 0), "rare lost");
  // The budget in balanced accuracy, counted here from the predictions.
  const dense = predicted(session.dense);
  const denseBalanced = balancedAccuracy(v.y, dense);
  assert.ok(Math.abs(byBalanced.target - (denseBalanced - 0.05)) < 1e-12);
  const d = byBalanced.validationDifference;
  assert.ok(Math.abs(d.baselineAccuracy - denseBalanced) < 1e-12);
  assert.ok(Math.abs(d.candidateAccuracy - balancedAccuracy(v.y, kept)) < 1e-12);
  assert.ok(d.candidateAccuracy >= byBalanced.target - 1e-12);
  // The accuracy budget's choice fails the balanced one: it loses the rare class's recall over
  // the 3 classes.
  assert.ok(balancedAccuracy(v.y, lost) < denseBalanced - 0.05);
  // Every feasible candidate of the balanced search is within the balanced budget, and none is
  // smaller than the one chosen.
  for (const t of byBalanced.tried) {
    if (t.feasible) assert.ok(t.bytes >= byBalanced.chosen.bytes);
  }
});

Deno.test("search refuses a metric it does not know, before any training", () => {
  assert.throws(
    () => session.search({ ...SPACE, metric: "f1" as "accuracy" }),
    /^RangeError: Cannot search compression: metric must be "accuracy", "balanced-accuracy" or "roc-auc", got "f1"$/,
  );
  assert.throws(
    () => searchCompression(data, { metric: "recall" as "accuracy" }),
    /^RangeError: Cannot search compression: metric must be "accuracy", "balanced-accuracy" or "roc-auc", got "recall"$/,
  );
});

Deno.test("the search's progress names balanced accuracy and shows it under that metric, plain accuracy otherwise", () => {
  // The progress line said "validation 97.40 %" (the plain accuracy) under a balanced-accuracy
  // budget, a figure the budget does not hold to.
  const messages: string[] = [];
  const watched = createCompressionSession(data, {
    seed: 0,
    onProgress: (p) => messages.push(p.message),
  });
  const last = (from: number) =>
    messages.slice(from).filter((m) => m.includes("; last: ")).map((m) => {
      const found = /validation (balanced accuracy )?(\d+\.\d\d) %\)$/.exec(m);
      assert.ok(found, m);
      return { balanced: found[1] !== undefined, percent: Number(found[2]) };
    });
  const byBalanced = watched.search({ ...SPACE, maxDrop: 0.05, metric: "balanced-accuracy" });
  const balancedLines = last(0);
  assert.equal(balancedLines.length, byBalanced.tried.length);
  assert.ok(balancedLines.every((l) => l.balanced));
  // The first model recorded is the dense one: its balanced accuracy counted here.
  const denseBalanced = balancedAccuracy(
    watched.validation.y,
    predict(watched.dense, watched.validation.x),
  );
  assert.equal(balancedLines[0].percent, Number((denseBalanced * 100).toFixed(2)));
  // On this data the two metrics differ for some models, so lines showing plain accuracy fail.
  const shown = (p: number) => (p * 100).toFixed(2);
  assert.ok(
    byBalanced.tried.some((t) =>
      shown(t.validation.balancedAccuracy) !== shown(t.validation.accuracy)
    ),
  );
  byBalanced.tried.forEach((t, i) =>
    assert.equal(balancedLines[i].percent, Number((t.validation.balancedAccuracy * 100).toFixed(2)))
  );
  const from = messages.length;
  const byAccuracy = watched.search({ ...SPACE, maxDrop: 0.05 });
  const plainLines = last(from);
  assert.equal(plainLines.length, byAccuracy.tried.length);
  byAccuracy.tried.forEach((t, i) => {
    assert.equal(plainLines[i].balanced, false);
    assert.equal(plainLines[i].percent, Number((t.validation.accuracy * 100).toFixed(2)));
  });
});
