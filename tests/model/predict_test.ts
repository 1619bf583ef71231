import assert from "node:assert/strict";
import { classesFromScores, probabilitiesFromScores } from "../../lib/model/predict.ts";

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

Deno.test("probabilities refuse scores that are not finite instead of returning NaN", () => {
  const softmax = { link: "softmax" as const, classes: ["a", "b", "c"] };
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => probabilitiesFromScores(softmax, matrix([0, 1, 2, 3, bad, 5], 3)),
      (e) =>
        e instanceof RangeError &&
        e.message === `Cannot compute probabilities: scores holds ${bad} at row 1, column 1`,
    );
    const sigmoid = { link: "sigmoid" as const, classes: ["no", "yes"] };
    assert.throws(() => probabilitiesFromScores(sigmoid, matrix([bad], 1)), RangeError);
  }
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

Deno.test("classes refuse scores that are not finite, and scores without columns", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => classesFromScores(matrix([0, 1, bad, 2], 2)),
      (e) =>
        e instanceof RangeError &&
        e.message === `Cannot pick classes: scores holds ${bad} at row 1, column 0`,
    );
    assert.throws(() => classesFromScores(matrix([bad], 1)), RangeError);
  }
  assert.throws(
    () => classesFromScores({ data: new Float64Array(0), rows: 2, cols: 0 }),
    (e) => e instanceof TypeError && /scores have no columns/.test(e.message),
  );
});
