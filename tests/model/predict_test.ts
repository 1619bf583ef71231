import assert from "node:assert/strict";
import {
  classesFromScores,
  decisionFunction,
  probabilitiesFromScores,
} from "../../lib/model/predict.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

const matrix = (values: number[], cols: number) => ({
  data: Float64Array.from(values),
  rows: values.length / cols,
  cols,
});

Deno.test("probabilities from extreme finite scores are finite and sum to one", () => {
  const softmax = { link: "softmax" as const, classes: ["a", "b", "c"] };
  const p = probabilitiesFromScores(softmax, matrix([1e308, -1e308, 0, -800, -800, -801], 3));
  assert.deepEqual([...p.data.subarray(0, 3)], [1, 0, 0]);
  // Closed form for a row shifted by its maximum: 1 / (1 + 1 + e^-1) for the two tied classes.
  const tied = 1 / (2 + Math.exp(-1));
  assert.ok(Math.abs(p.data[3] - tied) < 1e-15 && Math.abs(p.data[5] - tied / Math.E) < 1e-15);
  const sigmoid = { link: "sigmoid" as const, classes: ["no", "yes"] };
  const q = probabilitiesFromScores(sigmoid, matrix([-1000, 1000, -0], 1));
  assert.deepEqual([...q.data], [1, 0, 0, 1, 0.5, 0.5]);
});

Deno.test("probabilities refuse scores that would give NaN instead of returning it", () => {
  const softmax = { link: "softmax" as const, classes: ["a", "b", "c"] };
  const sigmoid = { link: "sigmoid" as const, classes: ["no", "yes"] };
  for (const bad of [NaN, Infinity]) {
    assert.throws(
      () => probabilitiesFromScores(softmax, matrix([0, 1, 2, 3, bad, 5], 3)),
      (e) =>
        e instanceof RangeError &&
        e.message === `Cannot compute probabilities: scores holds ${bad} at row 1, column 1`,
    );
  }
  // A row of -Infinity has no largest score to shift by (every term NaN).
  assert.throws(
    () => probabilitiesFromScores(softmax, matrix([0, 1, 2, -Infinity, -Infinity, -Infinity], 3)),
    (e) =>
      e instanceof RangeError &&
      e.message === "Cannot compute probabilities: scores holds -Infinity at row 1, column 0",
  );
  assert.throws(
    () => probabilitiesFromScores(sigmoid, matrix([NaN], 1)),
    (e) =>
      e instanceof RangeError &&
      e.message === "Cannot compute probabilities: scores holds NaN at row 0, column 0",
  );
});

Deno.test("probabilities of infinite scores where they have a limit: 0 or 1", () => {
  // sigmoid(+-Infinity) is 1 or 0; exp(-Infinity - max) is 0 beside a finite largest score.
  const sigmoid = { link: "sigmoid" as const, classes: ["no", "yes"] };
  const q = probabilitiesFromScores(sigmoid, matrix([Infinity, -Infinity], 1));
  assert.deepEqual([...q.data], [0, 1, 1, 0]);
  const softmax = { link: "softmax" as const, classes: ["a", "b", "c"] };
  const p = probabilitiesFromScores(softmax, matrix([0, -Infinity, 0, -Infinity, 7, -Infinity], 3));
  assert.deepEqual([...p.data], [0.5, 0, 0.5, 0, 1, 0]);
});

Deno.test("probabilities refuse a sigmoid link with other than two classes", () => {
  const three = { link: "sigmoid" as const, classes: ["a", "b", "c"] };
  assert.throws(
    () => probabilitiesFromScores(three, matrix([1, 2], 1)),
    (e) => e instanceof TypeError && /a sigmoid model has 2 classes, got 3/.test(e.message),
  );
});

Deno.test("classes are the arg-max with ties to the lower index, or the sign of one score", () => {
  const k3 = classesFromScores(matrix([1, 3, 3, -1e308, -1e308, -1e308, 0, -0, 5e-324], 3));
  assert.deepEqual([...k3], [1, 0, 2]);
  assert.deepEqual([...classesFromScores(matrix([0, -0, 5e-324, -5e-324], 1))], [0, 0, 1, 0]);
});

Deno.test("classes refuse NaN scores, and scores without columns", () => {
  assert.throws(
    () => classesFromScores(matrix([0, 1, NaN, 2], 2)),
    (e) =>
      e instanceof RangeError &&
      e.message === "Cannot pick classes: scores holds NaN at row 1, column 0",
  );
  assert.throws(() => classesFromScores(matrix([NaN], 1)), RangeError);
  assert.throws(
    () => classesFromScores({ data: new Float64Array(0), rows: 2, cols: 0 }),
    (e) => e instanceof TypeError && /scores have no columns/.test(e.message),
  );
});

Deno.test("classes of infinite scores are the arg-max and the sign, as for finite ones", () => {
  // An infinite score compares as it is: +Infinity wins (ties to the lower index), -Infinity loses.
  const k2 = classesFromScores(matrix([Infinity, 0, -Infinity, 0, Infinity, Infinity], 2));
  assert.deepEqual([...k2], [0, 1, 0]);
  assert.deepEqual([...classesFromScores(matrix([Infinity, -Infinity], 1))], [1, 0]);
});

Deno.test("columns reach the last column of x and refuse the one past it", () => {
  // columns[j] = x.cols read past the row (the next row's first value, or beyond the data at the
  // last row) and passed: only negative and fractional columns were tried.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(2, -3), rows: 1, cols: 2 },
    bias: Float64Array.of(0.5),
    classes: ["no", "yes"],
    featureNames: ["u", "v"],
    preprocessing: { kind: "none" },
  };
  const x = matrix([1, 10, 100, 1000, 2, 20, 200, 2000], 4);
  for (const backend of ["ts", "wasm"] as const) {
    // 2 x[3] - 3 x[0] + 0.5 by hand.
    const s = decisionFunction(model, x, { backend, columns: [3, 0] });
    assert.deepEqual([...s.data], [2 * 1000 - 3 + 0.5, 2 * 2000 - 6 + 0.5]);
    assert.throws(
      () => decisionFunction(model, x, { backend, columns: [4, 0] }),
      (e) =>
        e instanceof TypeError &&
        e.message === "Cannot compute scores: columns[0] is 4, not a column of x (0..3)",
    );
  }
});

Deno.test("a standardisation that overflows once folded is refused by name, not blamed on the inputs", () => {
  // Scores go through the folded weights w / scale and bias b - sum_j w_j mean_j / scale_j. With
  // w = 2 and scale 1e-308 the folded weight is 2e308 > Number.MAX_VALUE, Infinity, so every
  // score was NaN and x = 0 (standardised 0, score 0 by hand) was refused as 'the inputs are too
  // large for the model's weights'. With w = 1e10 and mean 1e300 the folded bias is -1e310,
  // -Infinity. Oracle: those float64 closed forms.
  const base: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(2, 1), rows: 1, cols: 2 },
    bias: Float64Array.of(0),
    classes: ["no", "yes"],
    featureNames: ["u", "v"],
    preprocessing: {
      kind: "standardize",
      mean: Float64Array.of(0, 0),
      scale: Float64Array.of(1e-308, 1),
    },
  };
  assert.equal(2 / 1e-308, Infinity);
  const zero = matrix([0, 0], 2);
  const remedy = ", beyond float64 (a scale too small for its weight, or a mean too large)";
  for (const backend of ["ts", "wasm"] as const) {
    assert.throws(() => decisionFunction(base, zero, { backend }), {
      name: "RangeError",
      message: "Cannot compute scores: the standardisation folded into the weights makes " +
        `weights[0] Infinity${remedy}`,
    });
  }
  const mean: LogisticModel = {
    ...base,
    weights: { data: Float64Array.of(1e10, 1), rows: 1, cols: 2 },
    preprocessing: {
      kind: "standardize",
      mean: Float64Array.of(1e300, 0),
      scale: Float64Array.of(1, 1),
    },
  };
  assert.equal(-1e10 * 1e300, -Infinity);
  assert.throws(() => decisionFunction(mean, zero), {
    name: "RangeError",
    message: "Cannot compute scores: the standardisation folded into the bias makes " +
      `bias[0] -Infinity${remedy}`,
  });
  assert.throws(() => preparePredictor(base), {
    name: "RangeError",
    message: "Cannot prepare predictor: the standardisation folded into the weights makes " +
      `weights[0] Infinity${remedy}`,
  });
  // Just inside the range the model scores: w = 1 and scale 1e-308 fold to 1e308, and x = 0 and
  // x = (1e-308, 3) standardise to (0, 0) and (1, 3): scores 0 and 1 + 3 = 4 by hand.
  const edge: LogisticModel = {
    ...base,
    weights: { data: Float64Array.of(1, 1), rows: 1, cols: 2 },
  };
  assert.deepEqual([...decisionFunction(edge, matrix([0, 0, 1e-308, 3], 2)).data], [0, 4]);
  using p = preparePredictor(edge);
  assert.deepEqual([...p.decisionFunction(matrix([0, 0, 1e-308, 3], 2)).data], [0, 4]);
});
