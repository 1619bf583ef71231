// A count of one reads in the singular in refusals: "the model takes 1 features", "1 samples"
// and "1 feature names for 2 columns" were printed.
import assert from "node:assert/strict";
import {
  assertLabels,
  counted,
  decodeModel,
  fit,
  fromRows,
  histogram,
  macroF1FromConfusion,
  modelToJson,
  predict,
  pruneFeatures,
  pruneMask,
  quantizeModel,
  trainTestSplit,
  validateModel,
  validateQuantizedModel,
} from "../../lib/mod.ts";
import { MODEL_FILE_MAGIC } from "../../lib/io/model_file.ts";
import { runCli } from "../_helpers/assert_close.ts";

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

// A model of one feature and one output row (two classes): every per-output and per-weight array
// of it has one entry.
const one = fit(fromRows([[0], [1], [2], [3]]), Int32Array.of(0, 0, 1, 1)).model;

Deno.test("a one-weight model's mask of another length is said to need 1 entry", () => {
  assert.throws(() => validateModel({ ...one, mask: Uint8Array.of(1, 1) }, "check model"), {
    name: "TypeError",
    message: "Cannot check model: mask must be a Uint8Array of 1 entry",
  });
});

Deno.test("a one-output quantized model's bias, scale and mask of the wrong type need 1 entry", () => {
  const q = quantizeModel(one, { method: { kind: "uniform", bits: 8 } });
  const refused = (m: unknown, message: string) =>
    assert.throws(() => validateQuantizedModel(m as typeof q, "check"), {
      name: "TypeError",
      message: `Cannot check: ${message}`,
    });
  refused(
    { ...q, bias: { kind: "float32", values: Float64Array.of(0.5) } },
    "bias values must be a Float32Array of 1 entry, got Float64Array(1)",
  );
  refused(
    { ...q, weights: { ...q.weights, scale: Float64Array.of(1) } },
    "weights.scale must be a Float32Array of 1 entry, got Float64Array(1)",
  );
  refused({ ...q, mask: Int8Array.of(1) }, "mask must be a Uint8Array of 1 entry");
});

Deno.test("pruning one entry counts it in the singular", () => {
  const scores = { data: Float64Array.of(3), rows: 1, cols: 1 };
  assert.throws(() => pruneMask(scores, Uint8Array.of(1, 1), { count: 0 }), {
    name: "TypeError",
    message:
      "Cannot compute pruning mask: the previous mask must be a Uint8Array of 1 entry, got Uint8Array(2)",
  });
  assert.throws(() => pruneMask(scores, null, { count: 2 }), {
    name: "RangeError",
    message: "Cannot compute pruning mask: count 2 exceeds the 1 entry",
  });
  assert.throws(() => pruneMask(scores, Uint8Array.of(0), { count: 0 }), {
    name: "RangeError",
    message: "Cannot compute pruning mask: the previous mask already removes 1 entry, more " +
      "than the 0 requested; a mask never revives removed weights",
  });
});

Deno.test("removing the only feature of a one-feature model says so", async () => {
  assert.throws(() => pruneFeatures(one, { count: 1 }), {
    name: "RangeError",
    message:
      "Cannot prune features: the target removes the only feature; a reduced model needs one",
  });
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, modelToJson(one));
    for (
      const [argv, message] of [
        [["--count", "1"], "--count 1 removes the only feature of the model; a model needs one"],
        [["--count", "2"], "--count 2 exceeds the 1 feature of the model"],
      ]
    ) {
      const r = await runCli(["prune", "--model", file, "--structure", "features", ...argv]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`Cannot parse arguments of '[^']*': ${message}\\n$`));
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a histogram of one value and a confusion row of one entry count in the singular", () => {
  assert.throws(() => histogram([1], { mask: [1, 0] }), {
    name: "TypeError",
    message: "Cannot compute histogram: mask has 2 entries but there is 1 value",
  });
  assert.throws(() => histogram([1, 2], { mask: [1] }), {
    name: "TypeError",
    message: "Cannot compute histogram: mask has 1 entry but there are 2 values",
  });
  assert.throws(() => macroF1FromConfusion([[1], [0, 1]]), {
    name: "TypeError",
    message:
      "Cannot compute macro F1: the confusion matrix must be square; row 0 has 1 entry for 2 classes",
  });
});
