// A count of one reads in the singular in refusals: "the model takes 1 features", "1 samples"
// and "1 feature names for 2 columns" were printed.
import assert from "node:assert/strict";
import {
  assertLabels,
  counted,
  decodeModel,
  fit,
  fromRows,
  predict,
  trainTestSplit,
} from "../../lib/mod.ts";
import { MODEL_FILE_MAGIC } from "../../lib/io/model_file.ts";

Deno.test("counted writes the singular for 1 only, and the plural given for any other count", () => {
  assert.equal(counted(1, "feature"), "1 feature");
  assert.equal(counted(0, "feature"), "0 features");
  assert.equal(counted(2, "feature"), "2 features");
  assert.equal(counted(1, "entry", { plural: "entries" }), "1 entry");
  assert.equal(counted(3, "entry", { plural: "entries" }), "3 entries");
  assert.equal(counted(1234, "row", { format: (n) => `<${n}>` }), "<1234> rows");
});

Deno.test("a model of one feature given two columns says it takes 1 feature", () => {
  const x = fromRows([[0], [1], [2], [3]]);
  const { model } = fit(x, Int32Array.of(0, 0, 1, 1));
  assert.throws(() => predict(model, fromRows([[1, 2]])), {
    name: "TypeError",
    message: "Cannot compute scores: the model takes 1 feature, x has 2",
  });
});

Deno.test("a split of one sample says 1 sample", () => {
  assert.throws(() => trainTestSplit(fromRows([[1, 2]]), Int32Array.of(0), { testFraction: 0.5 }), {
    name: "RangeError",
    message: /^Cannot split data: 1 sample with testFraction 0\.5 leave/,
  });
});

Deno.test("fit counts one feature name and one column in the singular", () => {
  const y = Int32Array.of(0, 1);
  assert.throws(() => fit(fromRows([[0, 1], [1, 0]]), y, { featureNames: ["a"] }), {
    name: "TypeError",
    message: "Cannot fit model: 1 feature name for 2 columns of x",
  });
  assert.throws(() => fit(fromRows([[0], [1]]), y, { featureNames: ["a", "b"] }), {
    name: "TypeError",
    message: "Cannot fit model: 2 feature names for 1 column of x",
  });
});

Deno.test("labels of another length count one row and one entry in the singular", () => {
  assert.throws(() => assertLabels("fit model", Int32Array.of(0, 1), 1), {
    message: "Cannot fit model: data has 1 row but labels have 2 entries",
  });
  assert.throws(() => assertLabels("fit model", Int32Array.of(0), 2), {
    message: "Cannot fit model: data has 2 rows but labels have 1 entry",
  });
});

Deno.test("a model file of one byte is said to be 1 byte", () => {
  assert.throws(() => decodeModel(MODEL_FILE_MAGIC.slice(0, 1)), {
    name: "SyntaxError",
    message:
      /^Cannot read model file '\(bytes\)': truncated: 1 byte, a model file has at least \d+$/,
  });
});
