import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import {
  featureIndices,
  featureScores,
  pruneFeatures,
  selectFeatures,
} from "../../lib/prune/structured.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { sparsityReport } from "../../lib/prune/report.ts";
import { obdScores } from "../../lib/prune/scores.ts";
import { createPrng } from "../../lib/core/random.ts";
import { modelOf } from "./_problems.ts";
import { assertClose } from "../_helpers/assert_close.ts";

const digits = await loadEmbedded("digits");
const dense = fit(digits.x, digits.y, {
  classes: digits.classes,
  featureNames: digits.featureNames,
  optimizer: { kind: "lbfgs", maxIterations: 60 },
}).model;

/** The full model with the weights of the given columns set to zero, built by hand. */
function zeroColumns(removed: ArrayLike<number>) {
  const data = dense.weights.data.slice();
  const { rows, cols } = dense.weights;
  for (let c = 0; c < rows; c++) for (const j of Array.from(removed)) data[c * cols + j] = 0;
  return { ...dense, weights: { data, rows, cols } };
}

Deno.test("a reduced model on the kept columns predicts as the full model with the others zeroed", () => {
  const r = pruneFeatures(dense, { fraction: 0.5 });
  assert.equal(r.features.length, 32);
  assert.equal(r.removed.length, 32);
  const reference = zeroColumns(r.removed);
  const full = decisionFunction(reference, digits.x);
  const reduced = decisionFunction(r.model, selectFeatures(digits.x, r.features));
  assertClose(reduced.data, full.data, { rtol: 1e-12, atol: 1e-12 });
  assert.deepEqual(
    predict(r.model, selectFeatures(digits.x, r.features)),
    predict(reference, digits.x),
  );
});

Deno.test("the masked representation ignores the removed columns and reports them", () => {
  const r = pruneFeatures(dense, { count: 40, representation: "masked" });
  assert.equal(r.model.weights.cols, 64);
  const reference = zeroColumns(r.removed);
  assertClose(
    decisionFunction(r.model, digits.x).data,
    decisionFunction(reference, digits.x).data,
    { rtol: 1e-12, atol: 1e-12 },
  );
  // Changing a removed column of the input changes nothing.
  const shuffled = { ...digits.x, data: digits.x.data.slice() };
  for (let i = 0; i < shuffled.rows; i++) {
    for (const j of r.removed) shuffled.data[i * 64 + j] = (i * 31 + j) % 17;
  }
  assert.deepEqual(
    decisionFunction(r.model, shuffled).data,
    decisionFunction(r.model, digits.x).data,
  );
  // Unused: the removed columns plus those the dense model never used (constant pixels).
  const before = [...sparsityReport(dense).unusedFeatures];
  const expected = [...new Set([...before, ...r.removed])].sort((a, b) => a - b);
  assert.deepEqual([...sparsityReport(r.model).unusedFeatures], expected);
});

Deno.test("removes the features with the smallest column norms, exactly the requested count", () => {
  const r = pruneFeatures(dense, { count: 10 });
  const norms = featureScores({ ...dense.weights, data: dense.weights.data.map(Math.abs) }).data;
  const order = [...norms.keys()].sort((a, b) => norms[a] - norms[b] || a - b);
  assert.deepEqual([...r.removed], order.slice(0, 10).sort((a, b) => a - b));
  const byThreshold = pruneFeatures(dense, { threshold: norms[order[9]] });
  assert.deepEqual([...byThreshold.removed], [...r.removed]);
});

Deno.test("the kept features are named in the model and found again from the names", () => {
  const r = pruneFeatures(dense, { fraction: 0.75 });
  assert.deepEqual(r.model.featureNames, [...r.features].map((j) => digits.featureNames[j]));
  const restored = modelFromJson(modelToJson(r.model));
  assert.deepEqual(featureIndices(restored, digits.featureNames), r.features);
  assert.throws(() => featureIndices(restored, ["nope"]), TypeError);
});

Deno.test("feature pruning never revives a feature the mask removed, and keeps partial masks", () => {
  const weightPruned = pruneModel(dense, { fraction: 0.3 });
  // 30 % by magnitude already empties some columns (digits has constant pixels, weight 0).
  const emptied = sparsityReport(weightPruned).unusedFeatures.length;
  assert.ok(emptied > 0 && emptied < 10);
  assert.throws(() => pruneFeatures(weightPruned, { count: emptied - 1 }), /never revives/);
  const first = pruneFeatures(weightPruned, { count: 10, representation: "masked" });
  // Scores that favour the removed features: they must stay removed.
  const scores = new Float64Array(64).fill(1);
  for (const j of first.removed) scores[j] = 100;
  const second = pruneFeatures(first.model, { count: 14, scores });
  for (const j of first.removed) assert.ok(second.removed.includes(j));
  assert.equal(second.removed.length, 14);
  // The reduced model keeps the partial mask of the surviving columns.
  const m = second.model;
  for (let c = 0; c < m.weights.rows; c++) {
    for (let q = 0; q < m.weights.cols; q++) {
      const j = second.features[q];
      assert.equal(m.mask![c * m.weights.cols + q], weightPruned.mask![c * 64 + j]);
    }
  }
});

Deno.test("saliency scores can rank features (sum of OBD saliencies per column)", () => {
  const s = featureScores(obdScores(dense, digits, { l2: 1 / digits.x.rows }), { reduce: "sum" });
  const r = pruneFeatures(dense, { fraction: 0.5, scores: s });
  const kept = new Set(r.features);
  for (const j of r.removed) for (const q of kept) assert.ok(s.data[j] <= s.data[q]);
});

Deno.test("featureScores reduces each column by its Euclidean norm, its sum or its maximum", () => {
  // The other tests rank features with featureScores itself, and only with l2 and sum of
  // non-negative saliencies: a sum of squares or a minimum passed them. The oracle here is the
  // columns of nested arrays, reduced with Math.hypot, a sum and Math.max.
  const prng = createPrng(5);
  const k = 3, d = 7;
  const data = Float64Array.from({ length: k * d }, () => prng() * 4 - 2); // signs mixed
  const scores = { data, rows: k, cols: d };
  const columns = Array.from(
    { length: d },
    (_, j) => Array.from({ length: k }, (_, c) => data[c * d + j]),
  );
  const cases: ["l2" | "sum" | "max", (col: number[]) => number][] = [
    ["l2", (col) => Math.hypot(...col)],
    ["sum", (col) => col.reduce((a, b) => a + b, 0)],
    ["max", (col) => Math.max(...col)],
  ];
  for (const [reduce, oracle] of cases) {
    const s = featureScores(scores, { reduce });
    assert.equal(s.rows, 1);
    assert.equal(s.cols, d);
    assertClose(s.data, columns.map(oracle), { rtol: 1e-14, atol: 1e-15, message: reduce });
  }
  // A column of negative scores has a negative maximum (the start is -Infinity, not 0).
  const negative = featureScores({ data: Float64Array.of(-3, -1, -2, -5), rows: 2, cols: 2 }, {
    reduce: "max",
  });
  assert.deepEqual([...negative.data], [-2, -1]);
});

Deno.test("feature pruning validates its input", () => {
  assert.throws(() => pruneFeatures(dense, { fraction: 1 }), RangeError);
  assert.throws(() => pruneFeatures(dense, { count: 2, scores: [1, 2] }), TypeError);
  // Per-weight scores of a (2, d / 2) shape have d entries but are not one per feature.
  const d = dense.weights.cols;
  const square = { data: new Float64Array(d), rows: 2, cols: d / 2 };
  assert.throws(
    () => pruneFeatures(dense, { count: 2, scores: square }),
    /^TypeError: Cannot prune features: scores must hold one value per feature /,
  );
  assert.throws(() => featureScores(dense.weights, { reduce: "mean" as "sum" }), RangeError);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => featureIndices(dense, "mean radius" as any),
    /^TypeError: Cannot find feature columns: names must be an array of strings, got string /,
  );
});

Deno.test("pruneFeatures with compensate keeps the mean scores over the data, in both representations", () => {
  const raw = fit(digits.x, digits.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  }).model;
  const meanScores = (m: typeof raw, x = digits.x) => {
    const s = decisionFunction(m, x, { backend: "ts" });
    const mean = new Float64Array(s.cols);
    for (let i = 0; i < s.data.length; i++) mean[i % s.cols] += s.data[i] / s.rows;
    return mean;
  };
  const before = meanScores(raw);
  for (const representation of ["masked", "reduced"] as const) {
    const plain = pruneFeatures(raw, { fraction: 0.5, representation });
    const r = pruneFeatures(raw, { fraction: 0.5, representation, compensate: digits.x });
    assert.deepEqual(r.features, plain.features);
    assert.deepEqual(r.model.weights, plain.model.weights);
    const x = representation === "reduced" ? selectFeatures(digits.x, r.features) : digits.x;
    const after = meanScores(r.model, x), uncompensated = meanScores(plain.model, x);
    assertClose(after, before, { atol: 1e-9, message: representation });
    assert.ok(uncompensated.some((v, c) => Math.abs(v - before[c]) > 1e-3), representation);
  }
});

Deno.test("featureScores refuses a NaN score whatever the reduction, as pruneMask does", () => {
  // "max" skipped it: [[NaN, 1], [NaN, 2]] scored column 0 -Infinity (removed first) and
  // [[NaN, 1], [3, 2]] scored it 3, while "l2" and "sum" gave NaN.
  for (const values of [[NaN, 1, NaN, 2], [1, 4, 3, NaN]]) {
    const at = values.findIndex(Number.isNaN);
    for (const reduce of ["l2", "sum", "max"] as const) {
      assert.throws(
        () => featureScores({ data: Float64Array.from(values), rows: 2, cols: 2 }, { reduce }),
        {
          name: "RangeError",
          message: `Cannot compute feature scores: scores hold NaN at row ${
            Math.floor(at / 2)
          }, column ${at % 2}`,
        },
      );
    }
  }
  // Not square: 2 rows of 3 columns, NaN at flat index 4 is row 1, column 1 (rows counted in
  // columns, not in rows: floor(4 / 2) named a row 2 that does not exist).
  assert.throws(
    () => featureScores({ data: Float64Array.of(0, 1, 2, 3, NaN, 5), rows: 2, cols: 3 }),
    {
      name: "RangeError",
      message: "Cannot compute feature scores: scores hold NaN at row 1, column 1",
    },
  );
  // Infinities are scores like any other: the largest wins "max", and -Infinity ranks lowest.
  const s = featureScores({ data: Float64Array.of(-Infinity, 1, 3, Infinity), rows: 2, cols: 2 }, {
    reduce: "max",
  });
  assert.deepEqual([...s.data], [3, Infinity]);
});

Deno.test("featureIndices refuses a feature named twice among the names", () => {
  // Only a missing name was checked: without the repeat check the last of the two columns was
  // taken silently (found by the test-quality review's mutations).
  const model = modelOf("sigmoid", Float64Array.of(1, 2), new Float64Array(1), 2);
  assert.deepEqual([...featureIndices(model, ["f1", "x", "f0"])], [2, 0]);
  assert.throws(() => featureIndices(model, ["f0", "f1", "f0"]), {
    name: "TypeError",
    message: 'Cannot find feature columns: feature "f0" appears more than once in names',
  });
  // A repeated name the model does not take is no concern of it.
  assert.deepEqual([...featureIndices(model, ["f1", "x", "x", "f0"])], [3, 0]);
});

Deno.test("featureIndices quotes the feature names it refuses, as JSON, whatever they hold", () => {
  // They were printed raw in single quotes: a name holding a newline broke the one-line message,
  // and one holding a quote could not be told from the quoting.
  const name = "it's\nhere";
  const model = {
    ...modelOf("sigmoid", Float64Array.of(1, 2), new Float64Array(1), 2),
    featureNames: [name, "f1"],
  };
  assert.throws(() => featureIndices(model, ["f1", "x"]), {
    name: "TypeError",
    message: `Cannot find feature columns: the model's feature ${
      JSON.stringify(name)
    } is not among names`,
  });
  assert.throws(() => featureIndices(model, [name, "f1", name]), {
    name: "TypeError",
    message: `Cannot find feature columns: feature ${
      JSON.stringify(name)
    } appears more than once in names`,
  });
});

Deno.test("featureIndices refuses a model that names a feature twice, which both would read", () => {
  // validateModel accepts repeated names (an imported ONNX file's metadata, a model file): both
  // features were matched to the one column of that name, without a word.
  const model = {
    ...modelOf("sigmoid", Float64Array.of(1, 2), new Float64Array(1), 2),
    featureNames: ["f0", "f0"],
  };
  assert.throws(() => featureIndices(model, ["f0", "f1"]), {
    name: "TypeError",
    message:
      'Cannot find feature columns: the model names feature "f0" twice (features 0 and 1), so ' +
      "it cannot be matched to names",
  });
});

Deno.test("a reduced model whose kept columns have no removed weight carries no mask", () => {
  // The mask removes only weights of column 1, which feature pruning then removes: the reduced
  // model is dense and, as the module docs say, has no new fields. Keeping an all-ones mask passed
  // every test (found by the test-quality review's mutations).
  const model = {
    ...modelOf("softmax", Float64Array.of(3, 0, -2, 1, 0, 4), new Float64Array(2), 3),
    mask: Uint8Array.of(1, 0, 1, 1, 0, 1),
  };
  const r = pruneFeatures(model, { count: 1 });
  assert.deepEqual([...r.removed], [1]);
  assert.equal("mask" in r.model, false);
  assert.deepEqual([...r.model.weights.data], [3, -2, 1, 4]);
  // With a partial mask left in a kept column it keeps the kept columns' mask.
  const partial = {
    ...model,
    mask: Uint8Array.of(1, 0, 1, 0, 0, 1),
    weights: { ...model.weights },
  };
  partial.weights.data = Float64Array.of(3, 0, -2, 0, 0, 4);
  assert.deepEqual([...pruneFeatures(partial, { count: 1 }).model.mask!], [1, 1, 0, 1]);
});

Deno.test("feature ties go to the lower column index, exactly the requested count", () => {
  // The doc's rule, by hand: columns 0, 1 and 3 all have norm 5 (3-4, 0-5, 4-3), column 2 has 13.
  const model = modelOf(
    "softmax",
    Float64Array.of(3, 0, 5, 4, 4, 5, 12, 3),
    new Float64Array(2),
    4,
  );
  for (const [count, removed] of [[1, [0]], [2, [0, 1]], [3, [0, 1, 3]]] as const) {
    const r = pruneFeatures(model, { count, representation: "masked" });
    assert.deepEqual([...r.removed], removed, `count ${count}`);
  }
  // A threshold at the tied norm removes all three.
  assert.deepEqual([...pruneFeatures(model, { threshold: 5 }).removed], [0, 1, 3]);
});

Deno.test("summed feature scores refuse a column of +Infinity and -Infinity instead of NaN", () => {
  const scores = { data: Float64Array.from([Infinity, 1, -Infinity, 2]), rows: 2, cols: 2 };
  assert.throws(() => featureScores(scores, { reduce: "sum" }), {
    name: "RangeError",
    message: "Cannot compute feature scores: column 0 sums +Infinity and -Infinity; use reduce " +
      '"max" or "l2"',
  });
  // One sign of infinity is a score like any other.
  assert.deepEqual([...featureScores(scores, { reduce: "max" }).data], [Infinity, 2]);
  assert.deepEqual([...featureScores(scores).data], [Infinity, Math.sqrt(5)]);
});

Deno.test("feature pruning at the edges: none, all, too many, and a fraction between counts", () => {
  // By hand: column norms 5, 5, 13, 5 and sqrt(5) (columns 3-4, 0-5, 5-12, 4-3 and 1-2).
  const model = modelOf(
    "softmax",
    Float64Array.of(3, 0, 5, 4, 1, 4, 5, 12, 3, 2),
    Float64Array.of(0.5, -1),
    5,
  );
  // Nothing removed: the reduced model is the model.
  const none = pruneFeatures(model, { count: 0 });
  assert.deepEqual([...none.features], [0, 1, 2, 3, 4]);
  assert.deepEqual([...none.removed], []);
  assert.deepEqual(none.model.weights, model.weights);
  // A fraction removes round(fraction * 5) features, half up: 0.3 -> 1.5 -> 2, 0.5 -> 2.5 -> 3,
  // 0.1 -> 0.5 -> 1; the lowest norms first, ties to the lower index.
  for (const [fraction, removed] of [[0.3, [0, 4]], [0.5, [0, 1, 4]], [0.1, [4]]] as const) {
    const r = pruneFeatures(model, { fraction });
    assert.deepEqual([...r.removed], removed, `fraction ${fraction}`);
    assert.equal(r.model.weights.cols, 5 - removed.length);
  }
  // Every feature: refused for a reduced model, a model of biases alone when masked.
  for (const target of [{ count: 5 }, { fraction: 1 }, { threshold: 13 }]) {
    assert.throws(() => pruneFeatures(model, target), {
      name: "RangeError",
      message:
        "Cannot prune features: the target removes all 5 features; a reduced model needs one",
    });
    const all = pruneFeatures(model, { ...target, representation: "masked" });
    assert.deepEqual([...all.removed], [0, 1, 2, 3, 4]);
    assert.deepEqual([...all.features], []);
    const x = { data: Float64Array.of(1, 2, 3, 4, 5), rows: 1, cols: 5 };
    assert.deepEqual([...decisionFunction(all.model, x).data], [0.5, -1]);
  }
  // More features than there are is refused, not capped.
  assert.throws(() => pruneFeatures(model, { count: 6 }), RangeError);
  assert.throws(() => pruneFeatures(model, { count: 6, representation: "masked" }), RangeError);
});
