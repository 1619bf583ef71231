import assert from "node:assert/strict";
import { fromRows, matrix } from "../../lib/core/matrix.ts";
import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertMatrix,
  assertNumbers,
  describe,
  rangeText,
} from "../../lib/core/validate.ts";
import { modelFromCoefficients } from "../../lib/io/coefficients.ts";
import { encodeLabels } from "../../lib/data/dataset.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictLabels } from "../../lib/model/predict.ts";
import { pruneMask } from "../../lib/prune/mask.ts";

Deno.test("a range check names a value that is not a number by its type", () => {
  // A string "0.5" read "got 0.5", as if the number were out of range.
  assert.throws(
    () => assertInRange("prune", "fraction", "0.5" as unknown as number, 0, 1),
    {
      name: "TypeError",
      message: 'Cannot prune: fraction must be a number in [0, 1], got string "0.5"',
    },
  );
  assert.throws(
    () => assertInRange("prune", "count", 2.5, 0, 4, true),
    { message: "Cannot prune: count must be an integer in [0, 4], got 2.5" },
  );
  const scores = matrix(Float64Array.of(3, 1, 2, 4), 1, 4);
  assert.throws(
    () => pruneMask(scores, null, { fraction: "0.5" as unknown as number }),
    /fraction must be a number in \[0, 1\], got string "0\.5"$/,
  );
});

Deno.test("describe names an object by its prototype and a function by its name, whatever they hold", () => {
  // A JSON object's own "constructor" key named it: featureNames {"constructor": {"name":
  // "Array(2)"}} was refused as 'got Array(2)', as if an array of the wrong type; a function
  // was printed with its whole source.
  const json = (name: unknown) => JSON.parse(JSON.stringify({ constructor: { name } }));
  assert.equal(describe(json("Array(2)")), "Object");
  assert.equal(describe(json({ a: 1 })), "Object");
  assert.equal(describe(json("x".repeat(1000))), "Object");
  assert.equal(describe(Object.create(null)), "object");
  assert.equal(describe(new Map()), "Map");
  assert.equal(describe({}), "Object");
  function scorer() {
    return "a long body ".repeat(10);
  }
  assert.equal(describe(scorer), "function scorer");
  assert.equal(describe([() => 1][0]), "function (anonymous)");
  assert.equal(describe(class Model {}), "function Model");
  // A static name() method is not the class's name: its source, line breaks included, was printed.
  class Labels {
    static name() {
      return "a long body ".repeat(10);
    }
  }
  assert.equal(describe(Labels), "function (anonymous)");
  assert.throws(
    () => modelFromCoefficients({ coef: [[1, 2]], intercept: [0], featureNames: json("Array(2)") }),
    { message: /featureNames must be an array of strings, got Object$/ },
  );
});

Deno.test("a range check accepts both ends and refuses NaN and the numbers just outside", () => {
  // [0.25, 4] is closed: its ends pass, the adjacent float64s outside it (one ulp away) do not.
  const check = (v: number, integer = false) => () =>
    assertInRange("scale", "factor", v, 0.25, 4, integer);
  for (const v of [0.25, 1, 4]) assert.doesNotThrow(check(v));
  for (const v of [0.25 * (1 - Number.EPSILON / 2), 4 * (1 + Number.EPSILON), NaN, -Infinity]) {
    assert.throws(check(v), {
      name: "RangeError",
      message: `Cannot scale: factor must be a number in [0.25, 4], got ${v}`,
    });
  }
  assert.doesNotThrow(check(4, true));
  assert.throws(check(NaN, true), /must be an integer in \[0\.25, 4\], got NaN$/);
  // An open upper end takes Infinity itself.
  assert.doesNotThrow(() => assertInRange("scale", "factor", Infinity, 0, Infinity));
});

Deno.test("a matrix check refuses negative dimensions even when their product is the data's length", () => {
  // -2 x -3 = 6 elements, as many as the data holds: only the sign check refuses it.
  const six = new Float64Array(6);
  assert.throws(() => assertMatrix("fit model", "x", { data: six, rows: -2, cols: -3 }), {
    name: "TypeError",
    message: "Cannot fit model: x must have integer rows and cols, got -2 x -3",
  });
  assert.throws(() => assertMatrix("fit model", "x", { data: six, rows: 4, cols: 1.5 }), {
    name: "TypeError",
    message: "Cannot fit model: x must have integer rows and cols, got 4 x 1.5",
  });
  assertMatrix("fit model", "x", { data: six, rows: 2, cols: 3 });
  assertMatrix("fit model", "x", { data: new Float32Array(0), rows: 0, cols: 3 });
});

Deno.test("a label check refuses negative and fractional labels, with or without a class count", () => {
  // The contract: integers in 0..nClasses-1 (non-negative integers when the count is unknown).
  for (const nClasses of [undefined, 3]) {
    const range = nClasses === undefined ? "a non-negative integer" : "in 0..2";
    for (const bad of [-1, 0.5, NaN, -0.5]) {
      assert.throws(() => assertLabels("fit model", [0, bad, 1], 3, nClasses), {
        name: "RangeError",
        message: `Cannot fit model: label at row 1 is ${bad}, expected ${range}`,
      }, `${bad} of ${nClasses}`);
    }
    assertLabels("fit model", Int32Array.of(0, 2, 1), 3, nClasses);
  }
  assert.throws(
    () => assertLabels("score", Int32Array.of(0, -1), 2, 2, { name: "yPred", against: "yTrue" }),
    { name: "RangeError", message: "Cannot score: yPred[1] is -1, expected in 0..1" },
  );
  // Through fit, where the labels' count is not given (no classes option).
  const x = fromRows([[0, 1], [1, 0], [2, 3], [3, 2]]);
  assert.throws(() => fit(x, Int32Array.of(0, 1, -1, 1)), {
    name: "RangeError",
    message: "Cannot fit model: label at row 2 is -1, expected a non-negative integer",
  });
});

Deno.test("a label check takes nClasses - 1 and refuses nClasses itself, for every class count", () => {
  // The contract: labels in 0..nClasses-1. The largest valid label passes, the next is refused.
  for (const nClasses of [1, 2, 3, 10]) {
    assertLabels("fit model", Int32Array.of(0, nClasses - 1), 2, nClasses);
    assert.throws(() => assertLabels("fit model", Int32Array.of(0, nClasses), 2, nClasses), {
      name: "RangeError",
      message: `Cannot fit model: label at row 1 is ${nClasses}, expected in 0..${nClasses - 1}`,
    });
  }
});

Deno.test("a label check refuses more labels than rows as well as fewer", () => {
  for (const [n, entries] of [[1, "1 entry"], [3, "3 entries"]] as const) {
    assert.throws(() => assertLabels("fit model", new Int32Array(n), 2, 2), {
      name: "TypeError",
      message: `Cannot fit model: data has 2 rows but labels have ${entries}`,
    });
  }
  assertLabels("fit model", new Int32Array(2), 2, 2);
});

Deno.test("a matrix check refuses data one element longer or shorter than rows x cols", () => {
  for (const n of [5, 7]) {
    assert.throws(
      () => assertMatrix("fit model", "x", { data: new Float64Array(n), rows: 2, cols: 3 }),
      { name: "TypeError", message: `Cannot fit model: x is 2 x 3 but holds ${n} elements` },
    );
  }
});

Deno.test("a number-array check reads every slot, the last included", () => {
  for (const n of [1, 2, 5]) {
    const good: unknown = Array.from({ length: n }, (_, i) => i);
    assertNumbers("plot", "weights", good);
    const bad: unknown[] = Array.from({ length: n }, (_, i) => i);
    bad[n - 1] = "1";
    assert.throws(() => assertNumbers("plot", "weights", bad), {
      name: "TypeError",
      message: `Cannot plot: weights must be an array of numbers, got Array(${n})`,
    });
  }
});

Deno.test("a finiteness check names the first non-finite element in float64, float32 and plain arrays", () => {
  const make: ((v: number[]) => ArrayLike<number>)[] = [
    (v) => Float64Array.from(v),
    (v) => Float32Array.from(v),
    (v) => v,
  ];
  for (const from of make) {
    for (const [i, j] of [[0, 5], [2, 3], [6, 6]]) {
      const v = [0.5, -1, 2, 3e38, -0, 7, 1];
      v[j] = -Infinity;
      v[i] = NaN;
      const values = from(v);
      const first = Array.from(values).findIndex((t) => !Number.isFinite(t));
      assert.equal(first, i);
      assert.throws(() => assertFinite("score", "x", values), {
        name: "RangeError",
        message: `Cannot score: x holds NaN at index ${i}`,
      });
    }
    assertFinite("score", "x", from([0.5, -1, 2, 3e38, -0, 7, 1]));
  }
  assertFinite("score", "x", Int32Array.from([1, -2, 3]));
});

Deno.test("a finiteness check reaches the last element and names its row and column", () => {
  // In a rows x cols matrix, element i is at row floor(i / cols), column i % cols.
  const rows = 3;
  const cols = 4;
  for (const i of [0, cols - 1, cols, rows * cols - 1]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const data = new Float64Array(rows * cols).fill(1.5);
      assertFinite("fit model", "x", data, cols);
      data[i] = bad;
      const r = Math.floor(i / cols);
      const c = i - r * cols;
      assert.throws(() => assertFinite("fit model", "x", data, cols), {
        name: "RangeError",
        message: `Cannot fit model: x holds ${bad} at row ${r}, column ${c}`,
      });
      assert.throws(() => assertFinite("fit model", "x", data), {
        name: "RangeError",
        message: `Cannot fit model: x holds ${bad} at index ${i}`,
      });
    }
  }
});

Deno.test("a range is written with open ends for 'above 0' and 'below 1', closed otherwise", () => {
  // Found by the validators' mutation audit: writing "> 0" as ">= 0" passed every test (only the
  // doc example checked it).
  assert.equal(rangeText(Number.MIN_VALUE, Infinity), "> 0");
  assert.equal(rangeText(0, Infinity), ">= 0");
  assert.equal(rangeText(2, Infinity), ">= 2");
  assert.equal(rangeText(Number.MIN_VALUE, 1 - Number.EPSILON / 2), "in (0, 1)");
  assert.equal(rangeText(0, 1 - Number.EPSILON / 2), "in [0, 1)");
  assert.equal(rangeText(0, 1), "in [0, 1]");
});

Deno.test("assertLabels names a label of the wrong type as what it is", () => {
  // A string label "0" was reported as "is 0, expected a non-negative integer": a value that
  // looks right (metrics audit).
  for (
    const [label, shown] of [
      ["0", "'0'"],
      [null, "null"],
      [true, "boolean true"],
      [1.5, "1.5"],
    ] as const
  ) {
    const hint = typeof label === "string"
      ? " (a class index: encodeLabels(labels) maps labels to indices and gives the classes)"
      : "";
    assert.throws(() => assertLabels("compute accuracy", [label as unknown as number], 1), {
      name: "RangeError",
      message:
        `Cannot compute accuracy: label at row 0 is ${shown}, expected a non-negative integer${hint}`,
    });
  }
});

Deno.test("fit given the labels themselves (strings) points to encodeLabels, whose output it takes", () => {
  const x = fromRows([[0], [1], [2], [3]]);
  const labels = ["setosa", "setosa", "virginica", "virginica"];
  assert.throws(() => fit(x, labels as never), {
    name: "RangeError",
    message: "Cannot fit model: label at row 0 is 'setosa', expected a non-negative integer " +
      "(a class index: encodeLabels(labels) maps labels to indices and gives the classes)",
  });
  // The advice works: the encoded labels train a model with the labels as its classes.
  const { y, classes } = encodeLabels(labels);
  const { model } = fit(x, y, { classes });
  assert.deepEqual(predictLabels(model, fromRows([[0], [3]])), ["setosa", "virginica"]);
});
