import assert from "node:assert/strict";
import { createCompressionSession, searchCompression } from "../../lib/compress/mod.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import type { LabelledData } from "../../lib/compress/types.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";
import { delongByNumpy } from "../_helpers/delong.ts";
import { hasNumpy } from "../_helpers/python.ts";

/**
 * Rows of about 5 % positives (seed 5): feature a shifted by 1.5 and b by 1 in the positives, c
 * and e noise. A model whose every weight is pruned scores every row alike: it predicts the
 * majority class, as the dense model does on nearly every row (within any accuracy budget of a
 * few points), but ranks no positive above a negative (ROC AUC 1/2).
 */
function rarePositives(rows: number, seed: number): Dataset {
  const d = 4, prng = createPrng(seed);
  const x = new Float64Array(rows * d), y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = prng() < 0.05 ? 1 : 0;
    y[i] = c;
    x.set(
      [
        1.5 * c + randomNormal(prng),
        c + randomNormal(prng),
        randomNormal(prng),
        randomNormal(prng),
      ],
      i * d,
    );
  }
  return {
    x: { data: x, rows, cols: d },
    y,
    classes: ["no", "yes"],
    featureNames: ["a", "b", "c", "e"],
  };
}

const data = rarePositives(800, 5);
const test = rarePositives(600, 6);
// 90 % of 4 weights prunes all of them.
const SPACE = {
  sparsities: [0, 0.25, 0.5, 0.75, 0.9],
  methods: [{ kind: "uniform" as const }],
  bits: [8],
};
const session = createCompressionSession(data, { seed: 0, test });
const v = session.validation;
const scores = (model: StoredModel, set: LabelledData = v) =>
  decisionFunction(asFloatModel(model), set.x).data;
const aucOf = (model: StoredModel, set: LabelledData = v) => pairwiseAuc(set.y, scores(model, set));

Deno.test("a 5-point ROC AUC budget refuses the constant model that a 5-point accuracy budget chooses on 5 % positives", () => {
  const dense = aucOf(session.dense);
  const byAccuracy = session.search({ ...SPACE, maxDrop: 0.05 });
  // The accuracy budget's choice: within 5 points of accuracy, ranking nothing (AUC 1/2).
  assert.ok(byAccuracy.chosen.validation.accuracy >= byAccuracy.target - 1e-12);
  assert.equal(aucOf(byAccuracy.model), 0.5);
  assert.ok(dense - 0.05 > 0.5, `dense AUC ${dense}`);
  const byAuc = session.search({ ...SPACE, maxDrop: 0.05, metric: "roc-auc" });
  assert.equal(byAuc.metric, "roc-auc");
  // The target is the dense model's validation AUC (counted pair by pair here) less 0.05.
  assert.ok(Math.abs(byAuc.target - (dense - 0.05)) < 1e-12);
  const chosen = aucOf(byAuc.model);
  assert.ok(chosen >= dense - 0.05 - 1e-12, `${chosen} < ${dense} - 0.05`);
  assert.ok(Math.abs(byAuc.chosen.validation.rocAuc! - chosen) < 1e-12);
  // The accuracy budget's choice was tried and refused.
  const refused = byAuc.tried.find((t) => t.name === byAccuracy.chosen.name);
  assert.ok(refused !== undefined && !refused.feasible, byAccuracy.chosen.name);
  assert.ok(byAuc.chosen.bytes > byAccuracy.chosen.bytes);
  // Feasible exactly when the validation AUC reaches the target; none smaller than the choice.
  for (const t of byAuc.tried) {
    assert.equal(t.feasible, t.validation.rocAuc! >= byAuc.target - 1e-12, t.name);
    if (t.feasible) assert.ok(t.bytes >= byAuc.chosen.bytes, t.name);
  }
  // The differences are in ROC AUC, on validation and on test.
  const d = byAuc.validationDifference;
  assert.ok(Math.abs(d.baselineAccuracy - dense) < 1e-12);
  assert.ok(Math.abs(d.candidateAccuracy - chosen) < 1e-12);
  const t = byAuc.testDifference!;
  assert.ok(Math.abs(t.baselineAccuracy - aucOf(session.dense, test)) < 1e-12);
  assert.ok(Math.abs(t.candidateAccuracy - aucOf(byAuc.model, test)) < 1e-12);
});

Deno.test({
  name:
    "a ROC AUC budget with a margin holds each candidate's AUC difference less k DeLong standard errors (numpy) to -maxDrop",
  ignore: !hasNumpy(),
  fn: async () => {
    const k = 1.5;
    const r = session.search({ ...SPACE, maxDrop: 0.05, standardErrors: k, metric: "roc-auc" });
    const denseScores = scores(session.dense);
    const [e] = await delongByNumpy([{ y: v.y, b: denseScores, c: scores(r.model) }]);
    const d = r.validationDifference;
    assert.ok(Math.abs(d.standardError - e.se) < 1e-12, `${d.standardError} ${e.se}`);
    assert.ok(Math.abs(d.difference - (e.cand - e.base)) < 1e-12);
    assert.ok(d.difference - k * e.se >= -0.05 - 1e-12);
    // Each tried candidate's lower bound is its difference less k standard errors, in AUC.
    for (const t of r.tried) {
      assert.ok(t.lowerBound !== null);
      assert.equal(t.feasible, t.lowerBound >= -0.05 - 1e-12, t.name);
      const diff = t.validation.rocAuc! - session.denseReport.validation.rocAuc!;
      assert.ok(t.lowerBound <= diff + 1e-12, t.name);
    }
  },
});

Deno.test("search under metric roc-auc names the ROC AUC in its progress line", () => {
  const messages: string[] = [];
  const watched = createCompressionSession(data, {
    seed: 0,
    onProgress: (p) => messages.push(p.message),
  });
  watched.search({ ...SPACE, maxDrop: 0.05, metric: "roc-auc" });
  const lines = messages.filter((m) => m.includes("; last: "));
  assert.ok(lines.length > 0);
  for (const m of lines) assert.match(m, /validation ROC AUC (0|1)\.\d{4}\)$/, m);
  assert.ok(lines.some((m) => m.endsWith("validation ROC AUC 0.5000)")), "the constant model");
});

Deno.test("search refuses metric roc-auc for more than two classes, and validation rows of one class", () => {
  const three: Dataset = {
    ...data,
    y: data.y.map((c, i) => (c === 1 ? 1 : i % 2 === 0 ? 0 : 2)),
    classes: ["no", "yes", "other"],
  };
  const message =
    'Cannot search compression: metric "roc-auc" ranks two classes, got a model of 3 classes; use "balanced-accuracy" or "accuracy" for more';
  assert.throws(
    () => createCompressionSession(three, { seed: 0 }).search({ ...SPACE, metric: "roc-auc" }),
    { name: "RangeError", message },
  );
  // searchCompression refuses before training the dense model: no progress at all.
  const messages: string[] = [];
  assert.throws(
    () =>
      searchCompression(three, {
        ...SPACE,
        metric: "roc-auc",
        onProgress: (p) => messages.push(p.message),
      }),
    { name: "RangeError", message },
  );
  assert.deepEqual(messages, []);
  const negatives = Int32Array.from({ length: 50 }, () => 0);
  const oneClass = createCompressionSession(data, {
    seed: 0,
    validation: { x: { data: data.x.data.slice(0, 200), rows: 50, cols: 4 }, y: negatives },
  });
  assert.throws(() => oneClass.search({ ...SPACE, metric: "roc-auc" }), {
    name: "RangeError",
    message:
      'Cannot search compression: metric "roc-auc" needs both classes in the validation rows, which hold one class only',
  });
});

Deno.test("under a ROC AUC budget, test rows of one class give no test difference (one positive, last, gives one), and the same choice", () => {
  // No (positive, negative) pair among the test rows: no AUC there to compare. The choice is made
  // on validation, so it is the one made with a test set of both classes.
  const keep: number[] = [];
  for (let i = 0; i < test.y.length; i++) if (test.y[i] === 0) keep.push(i);
  const negatives: LabelledData = {
    x: {
      data: Float64Array.from(keep.flatMap((i) => [...test.x.data.subarray(4 * i, 4 * i + 4)])),
      rows: keep.length,
      cols: 4,
    },
    y: new Int32Array(keep.length),
  };
  const s = createCompressionSession(data, { seed: 0, test: negatives });
  const r = s.search({ ...SPACE, maxDrop: 0.05, metric: "roc-auc" });
  assert.equal(r.testDifference, null);
  assert.equal(
    r.chosen.name,
    session.search({ ...SPACE, maxDrop: 0.05, metric: "roc-auc" }).chosen.name,
  );
  // The accuracy budget compares on those rows all the same.
  assert.notEqual(s.search({ ...SPACE, maxDrop: 0.05 }).testDifference, null);
  // One positive, in the last row, makes pairs: the difference is the pairwise AUCs'.
  const p = test.y.indexOf(1);
  const onePositive: LabelledData = {
    x: {
      data: Float64Array.of(...negatives.x.data, ...test.x.data.subarray(4 * p, 4 * p + 4)),
      rows: keep.length + 1,
      cols: 4,
    },
    y: Int32Array.from({ length: keep.length + 1 }, (_, i) => (i === keep.length ? 1 : 0)),
  };
  const last = createCompressionSession(data, { seed: 0, test: onePositive })
    .search({ ...SPACE, maxDrop: 0.05, metric: "roc-auc" });
  const t = last.testDifference!;
  assert.ok(t !== null);
  assert.ok(Math.abs(t.baselineAccuracy - aucOf(session.dense, onePositive)) < 1e-12);
  assert.ok(Math.abs(t.candidateAccuracy - aucOf(last.model, onePositive)) < 1e-12);
});
