import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import {
  decisionFunction,
  foldPreprocessing,
  predict,
  predictProba,
} from "../../lib/model/predict.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { pruneFeatures, selectFeatures } from "../../lib/prune/structured.ts";
import { sparseDecisionFunction, toSparseModel } from "../../lib/prune/sparse.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor } from "../../lib/quant/predictor.ts";
import { assertWithinFloat32, magnitudes } from "../_helpers/float32_bound.ts";

const digits = await loadEmbedded("digits");
/** Digits as float32, the kind of data the kernels are for. */
const x32: Matrix<Float32Array> = { ...digits.x, data: Float32Array.from(digits.x.data) };
const dense = fit(digits.x, digits.y, {
  penalty: { kind: "l2", lambda: 1e-3 },
  optimizer: { kind: "lbfgs", maxIterations: 60 },
}).model;

/**
 * Kernel scores against the float64 reference, within the float32 bound: ceil(d / 4) terms per
 * accumulator for the dense kernel, at most d for the others.
 */
function assertKernelAgrees(model: LogisticModel, x: Matrix, label: string, columns?: number[]) {
  const { weights, bias } = foldPreprocessing(model);
  const want = decisionFunction(model, x, { backend: "ts", columns });
  const got = decisionFunction(model, x, { backend: "wasm", columns });
  using p = preparePredictor(model, { columns, inputWidth: x.cols });
  const d = model.weights.cols;
  assertWithinFloat32(
    got.data,
    want.data,
    magnitudes(weights, bias, x, columns),
    p.kernel === "dense" ? Math.ceil(d / 4) : d,
    `${label} (${p.kernel})`,
  );
  // Predictions differ only where two classes tie within that bound.
  const a = predict(model, x, { backend: "wasm", columns }),
    b = predict(model, x, { backend: "ts", columns });
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  assert.ok(same >= a.length - 2, `${label}: ${a.length - same} predictions differ`);
}

Deno.test("the dense kernel agrees with the float64 reference within float32 rounding", () => {
  assertKernelAgrees(dense, x32, "standardised model, float32 data");
  assertKernelAgrees(dense, digits.x, "float64 data rounded to float32");
  const raw = fit(digits.x, digits.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  }).model;
  assertKernelAgrees(raw, x32, "unstandardised");
  using p = preparePredictor(dense);
  assert.equal(p.kernel, "dense");
});

Deno.test("a pruned model runs on the sparse kernel and agrees with the reference", () => {
  for (const fraction of [0.7, 0.9, 0.98]) {
    const pruned = pruneModel(dense, { fraction });
    using p = preparePredictor(pruned);
    if (fraction >= 0.9) assert.equal(p.kernel, "sparse", `${fraction}`);
    assertKernelAgrees(pruned, x32, `${fraction * 100} % pruned`);
    const { weights, bias } = foldPreprocessing(pruned);
    assertWithinFloat32(
      p.decisionFunction(x32).data,
      decisionFunction(pruned, x32, { backend: "ts" }).data,
      magnitudes(weights, bias, x32),
      64,
      "prepared",
    );
  }
});

Deno.test("whole features removed are skipped, masked or reduced (the feature-subset kernel)", () => {
  const masked = pruneFeatures(dense, { fraction: 0.75, representation: "masked" });
  using p = preparePredictor(masked.model);
  // Either skips the removed columns: the sparse kernel stores no block for them.
  assert.ok(p.kernel === "subset" || p.kernel === "sparse", p.kernel);
  assertKernelAgrees(masked.model, x32, "masked columns");
  const reduced = pruneFeatures(dense, { fraction: 0.75 });
  const columns = [...reduced.features];
  assertKernelAgrees(reduced.model, x32, "reduced model on full-width data", columns);
  // The reduced model on cut-down data (the dense kernel) and on full-width data (the subset
  // kernel) reads the same values.
  const cut = selectFeatures(x32, reduced.features);
  const { weights, bias } = foldPreprocessing(reduced.model);
  assertWithinFloat32(
    decisionFunction(reduced.model, x32, { columns }).data,
    decisionFunction(reduced.model, cut, { backend: "ts" }).data,
    magnitudes(weights, bias, cut),
    reduced.model.weights.cols,
    "columns vs cut",
  );
  using q = preparePredictor(reduced.model, { columns, inputWidth: 64 });
  assert.equal(q.kernel, "subset");
  assert.equal(q.nFeatures, 64);
  assert.deepEqual(q.predict(x32), predict(reduced.model, x32, { columns }));
});

/** Scores by the model's definition, standardising each input: sum_j w_cj (x_col(j) - m_j) / s_j + b_c. */
function scoresByHand(model: LogisticModel, x: Matrix, columns?: readonly number[]): Float64Array {
  const { rows: k, cols: d } = model.weights;
  const p = model.preprocessing;
  const out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = model.bias[c];
      for (let j = 0; j < d; j++) {
        const v = x.data[i * x.cols + (columns ? columns[j] : j)];
        const z = p.kind === "standardize" ? (v - p.mean[j]) / p.scale[j] : v;
        s += model.weights.data[c * d + j] * z;
      }
      out[i * k + c] = s;
    }
  }
  return out;
}

Deno.test("a prepared predictor scores float64 inputs in float64, through its columns too", () => {
  // Float64 inputs take the predictor's own reference path, which no other test read: one that
  // ignored the columns there (reading the first 16 columns of 64-wide data) passed this file.
  const reduced = pruneFeatures(dense, { fraction: 0.75 });
  const columns = [...reduced.features];
  assert.ok(columns.some((c, j) => c !== j));
  for (
    const [model, cols] of [[dense, undefined], [reduced.model, columns]] as const
  ) {
    using p = preparePredictor(model, { columns: cols, inputWidth: 64 });
    const got = p.decisionFunction(digits.x).data;
    const want = scoresByHand(model, digits.x, cols);
    const { weights, bias } = foldPreprocessing(model);
    const mag = magnitudes(weights, bias, digits.x, cols);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + mag[i]), `element ${i}`);
    }
  }
  // The input width must reach the largest column: max + 1 is taken, max refused.
  const max = Math.max(...columns);
  using edge = preparePredictor(reduced.model, { columns, inputWidth: max + 1 });
  assert.equal(edge.nFeatures, max + 1);
  assert.throws(
    () => preparePredictor(reduced.model, { columns, inputWidth: max }),
    new RangeError(
      `Cannot prepare predictor: inputWidth must be an integer >= ${max + 1}, got ${max}`,
    ),
  );
});

Deno.test("auto uses the kernels for large float32 calls and the reference otherwise", () => {
  const small: Matrix = { data: x32.data.subarray(0, 640), rows: 10, cols: 64 };
  // 10 rows x 64 x 10 = 6,400 multiply-adds: below the threshold, the float64 reference runs.
  assert.deepEqual(
    decisionFunction(dense, small),
    decisionFunction(dense, small, { backend: "ts" }),
  );
  // float64 inputs keep the float64 reference whatever their size.
  assert.deepEqual(
    decisionFunction(dense, digits.x),
    decisionFunction(dense, digits.x, { backend: "ts" }),
  );
  // Large float32 inputs: the kernel, whose float32 sums differ from the reference somewhere.
  const auto = decisionFunction(dense, x32),
    wasm = decisionFunction(dense, x32, { backend: "wasm" });
  assert.deepEqual(auto, wasm);
  assert.notDeepEqual(auto.data, decisionFunction(dense, x32, { backend: "ts" }).data);
});

Deno.test("kernel scores do not depend on threads, copies or batch splits", () => {
  const pruned = pruneModel(dense, { fraction: 0.9 });
  for (const model of [dense, pruned]) {
    const one = decisionFunction(model, x32, { backend: "wasm" });
    assert.deepEqual(decisionFunction(model, x32, { backend: "wasm", threads: 2 }), one);
    using p = preparePredictor(model, { threads: 2 });
    assert.deepEqual(p.decisionFunction(x32), one);
    const buffer = p.inputBuffer(x32.rows);
    buffer.set(x32.data);
    assert.deepEqual(p.decisionFunction({ data: buffer, rows: x32.rows, cols: 64 }), one);
    const half = 900;
    const first = p.decisionFunction({
      data: x32.data.subarray(0, half * 64),
      rows: half,
      cols: 64,
    });
    assert.deepEqual(first.data, one.data.subarray(0, half * 10));
  }
});

Deno.test("kernel paths refuse NaN and infinity, naming where they are", () => {
  const bad = { ...x32, data: x32.data.slice() };
  bad.data[1500 * 64 + 33] = NaN;
  const masked = pruneFeatures(dense, { fraction: 0.75, representation: "masked" }).model;
  for (const model of [dense, pruneModel(dense, { fraction: 0.9 }), masked]) {
    assert.throws(
      () => predict(model, bad, { backend: "wasm" }),
      /x holds NaN at row 1500, column 33/,
    );
    using p = preparePredictor(model);
    assert.throws(() => p.predict(bad), /x holds NaN at row 1500, column 33/);
  }
  // The float64 path of a predictor names it too (mutation audit: without its finiteness check
  // the NaN score was refused as 'the inputs are too large for the model's weights').
  const bad64 = { ...digits.x, data: digits.x.data.slice() };
  bad64.data[7 * 64 + 5] = NaN;
  using p = preparePredictor(dense);
  assert.throws(() => p.predict(bad64), {
    name: "RangeError",
    message: "Cannot compute scores: x holds NaN at row 7, column 5",
  });
});

Deno.test("a score that overflows float32 is recomputed in float64, in the first and last rows too", () => {
  // Rows 0, 5 and 599 (the last): 1e40 in float64, infinity in float32. A recomputation loop that
  // stopped one row short (i < n - 1) passed with only row 5 overflowing, and then refused the
  // call ("the inputs are too large") for a score float64 holds.
  const model: LogisticModel = {
    ...dense,
    preprocessing: { kind: "none" },
    weights: { data: new Float64Array(640).fill(1e30), rows: 10, cols: 64 },
  };
  const rows = 600, big = [0, 5, rows - 1];
  const x = { data: new Float32Array(64 * rows).fill(1), rows, cols: 64 };
  for (const i of big) x.data[i * 64] = 1e10;
  // Closed form: 1e30 (1e10 + 63) + b_c for those rows, within the float64 rounding of 64 sums.
  const expected = (i: number, c: number) => 1e30 * (x.data[i * 64] + 63) + model.bias[c];
  using p = preparePredictor(model);
  for (const got of [decisionFunction(model, x, { backend: "wasm" }), p.decisionFunction(x)]) {
    for (const i of big) {
      for (let c = 0; c < 10; c++) {
        const error = Math.abs(got.data[i * 10 + c] / expected(i, c) - 1);
        assert.ok(error <= 64 * Number.EPSILON, `row ${i}, output ${c}: ${error}`);
      }
    }
  }
});

Deno.test("probabilities from the kernels sum to one and predictors refuse use after close", () => {
  const prng = createPrng(4);
  const x = {
    data: Float32Array.from({ length: 64 * 300 }, () => Math.abs(randomNormal(prng)) * 5),
    rows: 300,
    cols: 64,
  };
  const p = predictProba(dense, x, { backend: "wasm" });
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let c = 0; c < 10; c++) s += p.data[i * 10 + c];
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
  const predictor = preparePredictor(dense);
  predictor.close();
  assert.throws(() => predictor.predict(x), /closed/);
  assert.throws(
    () => decisionFunction(dense, x, { columns: [1, 2] }),
    /one column of x per model feature/,
  );
  assert.throws(() => decisionFunction(dense, x, { backend: "gpu" as "ts" }), /backend must be/);
});

Deno.test("prepared, sparse and quantized predictors refuse overflowing scores as decisionFunction does", () => {
  // Finite inputs whose products with the weights exceed float64: decisionFunction refused them,
  // the other paths returned [Infinity, -Infinity], NaN probabilities and a class.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: Float64Array.from([1, 1, -1, -1]), rows: 2, cols: 2 },
    bias: new Float64Array(2),
    classes: ["a", "b"],
    featureNames: ["f0", "f1"],
    preprocessing: { kind: "none" },
  };
  const x = { data: Float64Array.from([1e308, 1e308]), rows: 1, cols: 2 };
  const overflow = /score of row 0 \(output 0\) is Infinity/;
  assert.throws(() => decisionFunction(model, x), overflow);
  for (const backend of ["ts", "wasm"] as const) {
    using p = preparePredictor(model, { backend });
    assert.throws(() => p.decisionFunction(x), overflow, backend);
    assert.throws(() => p.predictProba(x), overflow, backend);
    assert.throws(() => p.predict(x), overflow, backend);
    const sparse = toSparseModel(model);
    assert.throws(() => sparseDecisionFunction(sparse, x, { backend }), overflow, backend);
  }
  // The dense kernel on float32 inputs, when the float64 recomputation overflows too.
  const huge = {
    ...model,
    weights: { data: Float64Array.from([1e300, 1, -1e300, -1]), rows: 2, cols: 2 },
  };
  using dense = preparePredictor(huge);
  assert.equal(dense.kernel, "dense");
  assert.throws(
    () => dense.predictProba({ data: Float32Array.from([3e38, 3e38]), rows: 1, cols: 2 }),
    overflow,
  );
  // The 4-bit lookup kernel of a quantized model.
  const q = quantizeModel(model, { method: { kind: "kmeans", bits: 1 } });
  using lookup = prepareQuantizedPredictor(q, { backend: "wasm" });
  assert.equal(lookup.kernel, "lookup");
  assert.throws(() => lookup.predictProba(x), overflow);
});

Deno.test("a prepared predictor keeps its own link and classes: later changes to the model do not reach it", () => {
  // Its weights were copied, but predictProba read the live model's link and classes: a class
  // pushed after preparing made it throw, a link changed made it mix two rows per row.
  const model = structuredClone(dense) as {
    -readonly [K in keyof LogisticModel]: LogisticModel[K];
  };
  const x = { data: Float32Array.from(digits.x.data.subarray(0, 64 * 20)), rows: 20, cols: 64 };
  using predictor = preparePredictor(model);
  const before = predictor.predictProba(x);
  (model.classes as string[]).push("extra");
  model.link = "sigmoid";
  assert.deepEqual(predictor.predictProba(x), before);
  assert.deepEqual(before, predictProba(dense, x));
});

Deno.test("a prepared predictor keeps its own weights, runs the threads asked for, sends float64 inputs to the kernel under 'wasm', and refuses narrow inputs and every call after close", () => {
  // Untested, and passing before: a predictor that used a 'none'-preprocessed model's own weight
  // and bias arrays (later changes reached its float64 path), one that dropped the threads
  // option (1 thread whatever was asked), closed predictors still scoring through
  // decisionFunction, predictProba and inputBuffer (only predict was tried), inputs with fewer
  // columns than the predictor taken, a buffer of 2.5 rows, and backend 'wasm' giving float64
  // inputs the float64 reference. Oracles: scores worked by hand (scoresByHand) before the
  // model changes; the documented threads (default 1); the documented refusals; 'wasm' rounds
  // float64 inputs to float32 and scores them on the kernel, so its scores are those of the
  // float32 copy, which differ from the reference.
  const raw: LogisticModel = {
    ...dense,
    preprocessing: { kind: "none" },
    weights: { ...dense.weights, data: dense.weights.data.slice() },
    bias: dense.bias.slice(),
  };
  const rows = { data: digits.x.data.subarray(0, 64 * 30), rows: 30, cols: 64 };
  const want = scoresByHand(raw, rows);
  using p = preparePredictor(raw, { backend: "ts" });
  (raw.weights.data as Float64Array).fill(0);
  (raw.bias as Float64Array).fill(1);
  const got = p.decisionFunction(rows).data;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `score ${i}`);
  }

  for (const threads of [undefined, 2]) {
    using q = preparePredictor(dense, { threads });
    assert.equal(q.threads, threads ?? 1);
  }

  using wasm = preparePredictor(dense, { backend: "wasm" });
  const kernel = wasm.decisionFunction(x32);
  assert.deepEqual(wasm.decisionFunction(digits.x), kernel);
  assert.notDeepEqual(kernel.data, decisionFunction(dense, digits.x, { backend: "ts" }).data);

  const narrow = { data: new Float32Array(63 * 2), rows: 2, cols: 63 };
  assert.throws(() => wasm.decisionFunction(narrow), {
    name: "TypeError",
    message: "Cannot compute scores: the predictor takes 64 columns, x has 63",
  });
  // The kernel scorers' words and bound, on both backends (2^31 rows passed the predictor's
  // check, then the scorer refused them in its own words).
  for (const p of [wasm, preparePredictor(dense, { backend: "ts" })]) {
    for (const rows of [2.5, -1, 2 ** 31]) {
      assert.throws(() => p.inputBuffer(rows), {
        name: "RangeError",
        message:
          `Cannot make an input buffer: rows must be an integer in [0, 2147483647], got ${rows}`,
      });
    }
  }

  // A closed predictor names what was asked of it: an input buffer was refused as "Cannot compute
  // scores", though nothing was being scored.
  for (const backend of ["wasm", "ts"] as const) {
    const closed = preparePredictor(dense, { backend });
    closed.close();
    const message = "Cannot compute scores: the predictor is closed";
    for (
      const call of [
        () => closed.decisionFunction(x32),
        () => closed.predictProba(x32),
        () => closed.predict(x32),
      ]
    ) assert.throws(call, { name: "RangeError", message }, backend);
    assert.throws(() => closed.inputBuffer(10), {
      name: "RangeError",
      message: "Cannot make an input buffer: the predictor is closed",
    }, backend);
  }
});

/** A sigmoid model of two features, scores 2 u - 3 v + 0.5 (worked by hand in the tests). */
const twoFeatures: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  weights: { data: Float64Array.of(2, -3), rows: 1, cols: 2 },
  bias: Float64Array.of(0.5),
  classes: ["no", "yes"],
  featureNames: ["u", "v"],
  preprocessing: { kind: "none" },
};

Deno.test("a predictor with columns takes inputs max(columns) + 1 wide by default, refuses wider ones too, and negative columns", () => {
  // Mutation audit: a default inputWidth of nFeatures instead of max(columns) + 1, a width check
  // that let wider inputs through (only narrower ones were tried), and dropping 'c < 0' from the
  // column checks of decisionFunction and preparePredictor (column -1 read the previous row's
  // last value) passed every test. Oracle: the documented default, refusals and scores worked by
  // hand.
  const model = twoFeatures;
  for (const backend of ["ts", "wasm"] as const) {
    using p = preparePredictor(model, { backend, columns: [3, 0] });
    assert.equal(p.nFeatures, 4);
    const x = { data: Float64Array.of(1, 10, 100, 1000, 2, 20, 200, 2000), rows: 2, cols: 4 };
    // 2 x[3] - 3 x[0] + 0.5 by hand.
    assert.deepEqual([...p.decisionFunction(x).data], [2 * 1000 - 3 + 0.5, 2 * 2000 - 6 + 0.5]);
    const wide = { data: new Float64Array(5), rows: 1, cols: 5 };
    assert.throws(() => p.decisionFunction(wide), {
      name: "TypeError",
      message: "Cannot compute scores: the predictor takes 4 columns, x has 5",
    });
    assert.throws(() => preparePredictor(model, { backend, columns: [-1, 0], inputWidth: 4 }), {
      name: "TypeError",
      message: "Cannot prepare predictor: columns[0] is -1, not a column index",
    });
    assert.throws(() => decisionFunction(model, x, { backend, columns: [0, -1] }), {
      name: "TypeError",
      message: "Cannot compute scores: columns[1] is -1, not a column of x (0..3)",
    });
  }
});

Deno.test("a predictor without columns takes inputWidth only as the model's number of features", () => {
  // inputWidth without columns was ignored: inputWidth 5 on a model of 2 features gave a
  // predictor of 2 columns that then refused every 5-wide input. Oracle: the documented rule (the
  // inputs hold the model's features alone) and scores worked by hand.
  const model = twoFeatures;
  const why = "but without columns the inputs hold the model's 2 features (give columns to read " +
    "them from wider data)";
  for (const backend of ["ts", "wasm"] as const) {
    for (const inputWidth of [5, 1, 1.5]) {
      assert.throws(() => preparePredictor(model, { backend, inputWidth }), {
        name: "RangeError",
        message: `Cannot prepare predictor: inputWidth is ${inputWidth}, ${why}`,
      });
    }
    assert.throws(
      () => preparePredictor(model, { backend, inputWidth: "2" as unknown as number }),
      {
        name: "TypeError",
        message: `Cannot prepare predictor: inputWidth is string "2", ${why}`,
      },
    );
    using p = preparePredictor(model, { backend, inputWidth: 2 });
    assert.equal(p.nFeatures, 2);
    // 2 * 1 - 3 * 10 + 0.5 by hand.
    const x = { data: Float64Array.of(1, 10), rows: 1, cols: 2 };
    assert.deepEqual([...p.decisionFunction(x).data], [2 - 30 + 0.5]);
  }
});

Deno.test("a column that is not a number is refused with its type, by both scorers", () => {
  // The string "1" was refused as 'columns[0] is 1, not a column of x (0..3)', a column in the
  // range it names; a symbol or bigint failed in preparePredictor with a bare 'Cannot convert a
  // Symbol value to a number' from Int32Array.from, before the column check.
  const model = twoFeatures;
  const x = { data: new Float64Array(8), rows: 2, cols: 4 };
  const cases: [unknown, string][] = [
    ["1", 'string "1"'],
    [Symbol("s"), "symbol Symbol(s)"],
    [1n, "bigint 1"],
  ];
  for (const [bad, said] of cases) {
    const columns = [0, bad] as number[];
    assert.throws(() => decisionFunction(model, x, { columns }), {
      name: "TypeError",
      message: `Cannot compute scores: columns[1] is ${said}, not a column of x (0..3)`,
    });
    assert.throws(() => preparePredictor(model, { columns, inputWidth: 4 }), {
      name: "TypeError",
      message: `Cannot prepare predictor: columns[1] is ${said}, not a column index`,
    });
  }
});
