import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predict, predictProba } from "../../lib/model/predict.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import {
  sparseDecisionFunction,
  sparsePredict,
  sparsePredictProba,
  toSparseModel,
} from "../../lib/prune/sparse.ts";
import { assertClose } from "../_helpers/assert_close.ts";

const cases = [
  ["digits", "standardize"],
  ["digits", "none"],
  ["breast-cancer", "standardize"],
  ["breast-cancer", "none"],
] as const;

for (const [name, preprocessing] of cases) {
  const data = await loadEmbedded(name);
  const dense = fit(data.x, data.y, {
    preprocessing,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  }).model;
  for (const fraction of [0, 0.5, 0.9, 1]) {
    Deno.test(
      `sparse kernels agree with dense predictions (${name}, ${preprocessing}, ${
        fraction * 100
      } % pruned)`,
      () => {
        const model = pruneModel(dense, { fraction });
        const sparse = toSparseModel(model);
        let nonZeros = 0;
        for (const w of model.weights.data) if (w !== 0) nonZeros++;
        assert.equal(sparse.values.length, nonZeros);
        // Skipping a zero term never changes a floating-point sum taken in the same order, so
        // the scores are equal, not merely close.
        assertClose(
          sparseDecisionFunction(sparse, data.x).data,
          decisionFunction(model, data.x).data,
          { rtol: 0, atol: 0 },
        );
        assert.deepEqual(sparsePredict(sparse, data.x), predict(model, data.x));
        assertClose(sparsePredictProba(sparse, data.x).data, predictProba(model, data.x).data, {
          rtol: 0,
          atol: 0,
        });
      },
    );
  }
}

Deno.test("sparse kernels accept Float32 data and check shapes", async () => {
  const data = await loadEmbedded("digits");
  const model = pruneModel(
    fit(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 5 } }).model,
    {
      fraction: 0.7,
    },
  );
  const sparse = toSparseModel(model);
  const x32 = { data: Float32Array.from(data.x.data), rows: data.x.rows, cols: data.x.cols };
  assert.deepEqual(sparsePredict(sparse, x32), predict(model, x32));
  assert.throws(
    () => sparsePredict(sparse, { data: new Float64Array(3), rows: 1, cols: 3 }),
    TypeError,
  );
  // Named as NaN in x, not as a score too large for the weights (what a NaN sum would read as).
  assert.throws(
    () => sparsePredict(sparse, { data: new Float64Array(64).fill(NaN), rows: 1, cols: 64 }),
    { name: "RangeError", message: "Cannot compute sparse scores: x holds NaN at row 0, column 0" },
  );
  assert.throws(() => sparsePredict({ ...sparse, kind: "x" } as never, x32), TypeError);
});

Deno.test("sparse prediction refuses a malformed sparse model", () => {
  // A missing field ended in 'Cannot read properties of undefined'; three classes on two outputs
  // gave NaN probabilities, a sigmoid link on two outputs read softmax scores as one per sample,
  // and columns out of order or decreasing row offsets scored silently (found by a probe script).
  const sparse = toSparseModel({
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: Float64Array.from([0, 2, 0, 0, 0, -1]), rows: 2, cols: 3 },
    bias: Float64Array.from([0.5, 0]),
    classes: ["a", "b"],
    featureNames: ["x", "y", "z"],
    preprocessing: { kind: "none" },
  });
  const x = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
  // The well-formed model: 0.5 + 2 * y and -z.
  assert.deepEqual([...sparseDecisionFunction(sparse, x).data], [4.5, -3, 10.5, -6]);
  const { values: _values, ...noValues } = sparse;
  const broken: [string, unknown, RegExp][] = [
    ["no values", noValues, /values a Float64Array$/],
    ["three classes", { ...sparse, classes: ["a", "b", "c"] }, /bias must be a Float64Array of 3/],
    ["sigmoid", { ...sparse, link: "sigmoid" }, /bias must be a Float64Array of 1 values/],
    ["link", { ...sparse, link: "relu" }, /unknown link 'relu'$/],
    [
      "columns out of order",
      { ...sparse, rowStart: Int32Array.from([0, 2, 2]), columns: Int32Array.from([2, 1]) },
      /stored weight 1 has column 1/,
    ],
    [
      "decreasing offsets",
      { ...sparse, rowStart: Int32Array.from([0, 5, 2]) },
      /the row offsets decrease at output 1 \(5, then 2\)$/,
    ],
    [
      // The boundaries of the two checks: offsets that fall by one, a column stored twice.
      "offsets decreasing by one",
      { ...sparse, rowStart: Int32Array.from([0, 3, 2]) },
      /the row offsets decrease at output 1 \(3, then 2\)$/,
    ],
    [
      "a column stored twice",
      { ...sparse, rowStart: Int32Array.from([0, 2, 2]), columns: Int32Array.from([1, 1]) },
      /stored weight 1 has column 1 \(columns ascend in \[0, 3\) per row\)$/,
    ],
    ["nFeatures", { ...sparse, nFeatures: "3" }, /nFeatures must be a positive integer/],
    // Not refused as featureNames of the wrong length: no model takes no features.
    [
      "no features",
      { ...sparse, nFeatures: 0, featureNames: [] },
      /nFeatures must be a positive integer, got/,
    ],
    [
      "offsets not starting at 0",
      // Row 0 read nothing and the first stored weight was never used.
      { ...sparse, rowStart: Int32Array.from([1, 1, 2]) },
      /the sparse model's row offsets do not match its values$/,
    ],
    [
      "column past the last feature",
      // Column 3 of a 3-feature model read the next sample's first feature.
      { ...sparse, columns: Int32Array.from([1, 3]) },
      /stored weight 1 has column 3 \(columns ascend in \[0, 3\) per row\)$/,
    ],
    [
      "feature names",
      { ...sparse, featureNames: ["x", "y"] },
      /featureNames must be an array of 3 names, got/,
    ],
  ];
  for (const [name, model, message] of broken) {
    for (
      const run of [sparseDecisionFunction, sparsePredict, sparsePredictProba] as ((
        m: never,
        x: unknown,
      ) => unknown)[]
    ) {
      assert.throws(
        () => run(model as never, x),
        (e: Error) =>
          e instanceof TypeError && e.message.startsWith("Cannot compute sparse scores: ") &&
          message.test(e.message),
        `${name}, ${run.name}`,
      );
    }
  }
  // Data with more columns than the model takes is refused too, not read as its first columns.
  for (const cols of [2, 4]) {
    assert.throws(
      () => sparseDecisionFunction(sparse, { data: new Float64Array(2 * cols), rows: 2, cols }),
      {
        name: "TypeError",
        message: `Cannot compute sparse scores: the model takes 3 features, x has ${cols}`,
      },
    );
  }
  assert.throws(
    () => sparsePredictProba({ ...sparse, values: Float64Array.from([NaN, -1]) }, x),
    { name: "RangeError", message: "Cannot compute sparse scores: values holds NaN at index 0" },
  );
  // A NaN bias is named as such, not as the NaN scores it would make.
  assert.throws(
    () => sparsePredictProba({ ...sparse, bias: Float64Array.from([0.5, NaN]) }, x),
    { name: "RangeError", message: "Cannot compute sparse scores: bias holds NaN at index 1" },
  );
});

Deno.test("sparse prediction sends ties to the lower class, and a binary score of 0 to class 0", () => {
  // The fitted models' scores never tie, so '>=' in place of '>' (ties to the higher class, or a
  // binary score of 0 to class 1) passed every test here (found by the test-quality review's
  // mutations). Scores by hand: rows [1, 0], [0, 1], [0, 1] and no bias.
  const softmax = toSparseModel({
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: Float64Array.from([1, 0, 0, 1, 0, 1]), rows: 3, cols: 2 },
    bias: new Float64Array(3),
    classes: ["a", "b", "c"],
    featureNames: ["x", "y"],
    preprocessing: { kind: "none" },
  });
  // [0, 1, 1] -> 1 (tie of 1 and 2); [1, 1, 1] -> 0; [2, 1, 1] -> 0; [0, 2, 2] -> 1; [0, 0, 0] -> 0.
  const x = { data: Float64Array.from([0, 1, 1, 1, 2, 1, 0, 2, 0, 0]), rows: 5, cols: 2 };
  assert.deepEqual([...sparsePredict(softmax, x)], [1, 0, 0, 1, 0]);
  const sigmoid = toSparseModel({
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.from([1, -1]), rows: 1, cols: 2 },
    bias: new Float64Array(1),
    classes: ["a", "b"],
    featureNames: ["x", "y"],
    preprocessing: { kind: "none" },
  });
  // Scores x - y: 0, 0, 1e-300 (just above 0), -1.
  const xb = { data: Float64Array.from([0, 0, 3, 3, 1e-300, 0, 0, 1]), rows: 4, cols: 2 };
  assert.deepEqual([...sparsePredict(sigmoid, xb)], [0, 0, 1, 0]);
});

Deno.test("toSparseModel stores the non-zeros row by row as a plain loop over the dense weights does", () => {
  // The other tests compare scores only, which the row offsets and columns could get wrong in
  // ways that cancel; here the layout itself is checked, with empty first and last rows, against
  // compressed sparse rows built by hand from the folded weights (w / scale, b - sum w * mean /
  // scale).
  const k = 4, d = 5;
  const w = Float64Array.from([
    [0, 0, 0, 0, 0],
    [1.5, 0, -2, 0, 4],
    [0, 3, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ].flat());
  const mean = Float64Array.of(1, -1, 2, 0, 0.5), scale = Float64Array.of(2, 4, 0.5, 1, 8);
  const b = Float64Array.of(0.1, -0.2, 0.3, 0.4);
  const sparse = toSparseModel({
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: w, rows: k, cols: d },
    bias: b,
    classes: ["a", "b", "c", "d"],
    featureNames: ["v", "w", "x", "y", "z"],
    preprocessing: { kind: "standardize", mean, scale },
  });
  const rowStart = [0], columns: number[] = [], values: number[] = [], bias: number[] = [];
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      const v = w[c * d + j];
      shift += (v * mean[j]) / scale[j];
      if (v !== 0) {
        columns.push(j);
        values.push(v / scale[j]);
      }
    }
    rowStart.push(columns.length);
    bias.push(b[c] - shift);
  }
  assert.deepEqual(rowStart, [0, 0, 3, 4, 4]); // the by-hand layout
  assert.deepEqual([...sparse.rowStart], rowStart);
  assert.deepEqual([...sparse.columns], columns);
  assertClose(sparse.values, values, { rtol: 1e-15, atol: 0 });
  assertClose(sparse.bias, bias, { rtol: 1e-14, atol: 1e-15 });
  assert.equal(sparse.nFeatures, d);
  // An empty row scores its bias alone.
  const x = { data: Float64Array.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 3), rows: 2, cols: d };
  const z = sparseDecisionFunction(sparse, x);
  for (let i = 0; i < 2; i++) {
    for (let c = 0; c < k; c++) {
      let s = bias[c];
      for (let p = rowStart[c]; p < rowStart[c + 1]; p++) {
        s += values[p] * x.data[i * d + columns[p]];
      }
      assertClose(z.data[i * k + c], s, { rtol: 1e-14, atol: 1e-14 });
    }
    assertClose(z.data[i * k], bias[0], { rtol: 0, atol: 0 });
  }
});

Deno.test("toSparseModel refuses a standardisation whose fold overflows float64", () => {
  // Closed forms in float64: weight 2 over scale 1e-308 is Infinity; weight 1e10 times mean
  // 1e300 moves -1e310 = -Infinity into the bias. Both were stored without a word.
  assert.equal(2 / 1e-308, Infinity);
  assert.equal(-1e10 * 1e300, -Infinity);
  const model = (w0: number, mean0: number, scale0: number) =>
    toSparseModel({
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: Float64Array.of(w0, 1), rows: 1, cols: 2 },
      bias: Float64Array.of(0),
      classes: ["no", "yes"],
      featureNames: ["u", "v"],
      preprocessing: {
        kind: "standardize",
        mean: Float64Array.of(mean0, 0),
        scale: Float64Array.of(scale0, 1),
      },
    });
  const remedy = ", beyond float64 (a scale too small for its weight, or a mean too large)";
  assert.throws(() => model(2, 0, 1e-308), {
    name: "RangeError",
    message: "Cannot convert model to sparse form: the standardisation folded into the weights " +
      `makes weights[0] Infinity${remedy}`,
  });
  assert.throws(() => model(1e10, 1e300, 1), {
    name: "RangeError",
    message: "Cannot convert model to sparse form: the standardisation folded into the bias " +
      `makes bias[0] -Infinity${remedy}`,
  });
  // Just inside the range it converts: 1 / 1e-308 = 1e308, finite.
  assert.deepEqual([...model(1, 0, 1e-308).values], [1 / 1e-308, 1]);
});

Deno.test("a sparse model's bias is its own, not the dense model's", () => {
  // Without preprocessing the fold hands back the model's own bias array.
  const dense = fit(
    { data: Float64Array.from([0, 1, 2, 3]), rows: 4, cols: 1 },
    Int32Array.from([0, 0, 1, 1]),
    { preprocessing: "none", optimizer: { kind: "lbfgs", maxIterations: 20 } },
  ).model;
  const before = dense.bias[0];
  const sparse = toSparseModel(dense);
  assert.equal(sparse.bias[0], before);
  sparse.bias[0] += 1;
  assert.equal(dense.bias[0], before);
});
