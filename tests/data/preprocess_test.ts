import assert from "node:assert/strict";
import { fromRows, type Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal, shuffleInPlace } from "../../lib/core/random.ts";
import {
  applyPreprocessing,
  featureScale,
  fitStandardizer,
  oneHot,
  trainingSize,
  trainTestSplit,
} from "../../lib/data/preprocess.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";
import { scanCsv } from "../../lib/data/csv_stream.ts";
import { predict } from "../../lib/model/predict.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

function randomMatrix(rows: number, cols: number, seed: number): Matrix<Float64Array> {
  const prng = createPrng(seed);
  return {
    data: Float64Array.from(
      { length: rows * cols },
      (_, i) => randomNormal(prng) * (i % cols + 1) + 3,
    ),
    rows,
    cols,
  };
}

Deno.test("standardised training columns have mean 0 and population variance 1", () => {
  const x = randomMatrix(500, 4, 1);
  const z = applyPreprocessing(fitStandardizer(x), x);
  for (let j = 0; j < 4; j++) {
    let s = 0, sq = 0;
    for (let i = 0; i < 500; i++) {
      s += z.data[i * 4 + j];
      sq += z.data[i * 4 + j] ** 2;
    }
    assertClose(s / 500, 0, { atol: 1e-12 });
    assertClose(sq / 500, 1, { rtol: 1e-12 });
  }
});

Deno.test("constant columns, even at 1e30, map to 0 instead of NaN", () => {
  const x = fromRows([[1e30, 5, 1], [1e30, 5, 2], [1e30, 5, 3]]);
  const z = applyPreprocessing(fitStandardizer(x), x);
  for (const v of z.data) assert.ok(Number.isFinite(v));
  assert.deepEqual([z.data[0], z.data[1], z.data[3], z.data[4]], [0, 0, 0, 0]);
});

Deno.test("features of 1e30 are standardised without overflow", () => {
  const x = fromRows([[1e30], [3e30], [5e30]]);
  const z = applyPreprocessing(fitStandardizer(x), x);
  assertClose(z.data, [-Math.sqrt(1.5), 0, Math.sqrt(1.5)], { rtol: 1e-12 });
});

Deno.test("features of 1e-200 are standardised though their squares underflow", () => {
  // Scaling a column does not change its standardisation: 1e-200 times 1, 3, 5 is -1.22, 0, 1.22.
  // (The variance, 4e-400 / 3, was 0, so the column kept scale 1 and stayed at about 1e-200.)
  const x = fromRows([[1e-200, 1], [3e-200, 1], [5e-200, 1]]);
  const z = applyPreprocessing(fitStandardizer(x), x);
  assertClose([z.data[0], z.data[2], z.data[4]], [-Math.sqrt(1.5), 0, Math.sqrt(1.5)], {
    rtol: 1e-12,
  });
  // A tiny column constant up to rounding still maps to about 0, as at ordinary magnitudes.
  const c = 1e-200;
  const near = fromRows([[c], [c * (1 + Number.EPSILON)], [c]]);
  const zn = applyPreprocessing(fitStandardizer(near), near);
  for (const v of zn.data) assert.ok(Math.abs(v) < 1e-100, `${v}`);
  // Subnormal values keep scale 1: the reciprocal of a subnormal scale overflows.
  const sub = fromRows([[5e-324], [1e-323], [1.5e-323]]);
  for (const v of applyPreprocessing(fitStandardizer(sub), sub).data) assert.ok(Number.isFinite(v));
});

Deno.test("the standardiser fitted on train is applied unchanged to test", () => {
  const train = fromRows([[0], [2]]);
  const prep = fitStandardizer(train);
  const z = applyPreprocessing(prep, fromRows([[4]]));
  assert.deepEqual([...z.data], [3]);
  assert.throws(() => applyPreprocessing(prep, fromRows([[1, 2]])), TypeError);
  assert.throws(() => fitStandardizer(fromRows([[NaN]])), RangeError);
});

Deno.test("applyPreprocessing returns a copy and leaves its input as it was, either kind", () => {
  // Documented: "a copy; x is not changed". Standardising in place returned the right values
  // and overwrote the caller's data with them.
  for (const data of [Float64Array.of(0, 4, 2, 8), Float32Array.of(0, 4, 2, 8)]) {
    const x = { data, rows: 2, cols: 2 };
    const prep = fitStandardizer(x);
    const before = [...x.data];
    for (const p of [prep, { kind: "none" } as const]) {
      const z = applyPreprocessing(p, x);
      assert.notEqual(z.data, x.data);
      assert.equal(z.data.constructor, x.data.constructor);
      assert.deepEqual([...x.data], before);
      // (x - mean) / scale by hand: means 1 and 6, scales 1 and 2.
      assert.deepEqual([...z.data], p.kind === "none" ? before : [-1, -1, 1, 1]);
    }
  }
});

Deno.test("fitStandardizer refuses a matrix without rows", () => {
  // The mean of no rows is 0 / 0: without the check it returned a NaN mean and scale 1.
  assert.throws(() => fitStandardizer({ data: new Float64Array(0), rows: 0, cols: 3 }), {
    name: "TypeError",
    message: "Cannot fit standardizer: x has no rows",
  });
});

Deno.test("the stratified split is seeded, disjoint, complete and keeps class proportions", () => {
  const n = 1000;
  const y = Int32Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2));
  const x = randomMatrix(n, 2, 2);
  const a = trainTestSplit(x, y, { testFraction: 0.2, seed: 5 });
  const b = trainTestSplit(x, y, { testFraction: 0.2, seed: 5 });
  const c = trainTestSplit(x, y, { testFraction: 0.2, seed: 6 });
  assert.deepEqual(a.testIndex, b.testIndex);
  assert.notDeepEqual(a.testIndex, c.testIndex);
  const all = [...a.trainIndex, ...a.testIndex].sort((p, q) => p - q);
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  const count = (labels: Int32Array, k: number) => labels.filter((v) => v === k).length;
  assert.deepEqual([0, 1, 2].map((k) => count(a.yTest, k)), [140, 40, 20]);
  // Both indices ascending, as documented (rows keep their relative order): the groups are
  // shuffled and taken class by class, so an unsorted index would not be.
  for (const index of [a.trainIndex, a.testIndex]) {
    for (let r = 1; r < index.length; r++) assert.ok(index[r - 1] < index[r], `index ${r}`);
  }
  // Every row of either part is the row its index names, each column and its label.
  for (
    const [part, xs, ys, index] of [
      ["test", a.xTest, a.yTest, a.testIndex],
      ["train", a.xTrain, a.yTrain, a.trainIndex],
    ] as const
  ) {
    assert.equal(xs.rows, index.length, part);
    assert.equal(ys.length, index.length, part);
    for (let r = 0; r < xs.rows; r++) {
      assert.deepEqual(
        [xs.data[r * 2], xs.data[r * 2 + 1], ys[r]],
        [x.data[index[r] * 2], x.data[index[r] * 2 + 1], y[index[r]]],
        `${part} row ${r}`,
      );
    }
  }
});

Deno.test("the split shuffles classes in ascending index order with one generator, as documented", () => {
  // The rows' classes first appear in the order 2, 0, 1, so a split taking the classes in that
  // order (or shuffling each with its own generator) draws other rows for the same seed. Oracle:
  // the documented procedure spelt out with the documented Fisher-Yates shuffle and generator.
  const y = Int32Array.from([2, 2, 0, 1, 2, 0, 1, 0, 2, 1, 0, 1, 2, 0, 1, 2]);
  const x = randomMatrix(y.length, 1, 4);
  for (const seed of [0, 3, 8]) {
    const prng = createPrng(seed);
    const expected: number[] = [];
    for (const k of [0, 1, 2]) {
      const rows = [...y.keys()].filter((i) => y[i] === k);
      const nTest = Math.round(rows.length * 0.4); // 5 x 0.4 = 2, 6 x 0.4 = 2.4
      expected.push(...shuffleInPlace(rows, prng).slice(0, nTest));
    }
    const s = trainTestSplit(x, y, { testFraction: 0.4, seed });
    assert.deepEqual([...s.testIndex], expected.sort((a, b) => a - b), `seed ${seed}`);
  }
  // Unstratified: all the rows shuffled as one class, round(16 x 0.4) = 6 of them.
  const prng = createPrng(3);
  const all = shuffleInPlace([...y.keys()], prng).slice(0, 6).sort((a, b) => a - b);
  const u = trainTestSplit(x, y, { testFraction: 0.4, seed: 3, stratify: false });
  assert.deepEqual([...u.testIndex], all);
});

Deno.test("the unstratified split is seeded and draws its test rows from the whole data", () => {
  // Sending the first rows to the test part still gives a complete partition of the right sizes.
  // With 1000 rows and 200 of them drawn at random, the number drawn from the first half is
  // hypergeometric: mean 100, standard deviation about 6.3; 40 away is over 6 of them.
  const n = 1000;
  const y = Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
  const x = randomMatrix(n, 2, 3);
  const a = trainTestSplit(x, y, { testFraction: 0.2, stratify: false, seed: 5 });
  const b = trainTestSplit(x, y, { testFraction: 0.2, stratify: false, seed: 5 });
  const c = trainTestSplit(x, y, { testFraction: 0.2, stratify: false, seed: 6 });
  assert.deepEqual(a.testIndex, b.testIndex);
  assert.notDeepEqual(a.testIndex, c.testIndex);
  for (const s of [a, c]) {
    assert.equal(s.testIndex.length, 200);
    const firstHalf = s.testIndex.filter((i) => i < n / 2).length;
    assert.ok(Math.abs(firstHalf - 100) < 40, `${firstHalf} of 200 test rows in the first half`);
    assert.deepEqual([...s.yTest], [...s.testIndex].map((i) => y[i]));
    for (const index of [s.trainIndex, s.testIndex]) {
      for (let r = 1; r < index.length; r++) assert.ok(index[r - 1] < index[r], `index ${r}`);
    }
    assert.deepEqual([...s.yTrain], [...s.trainIndex].map((i) => y[i]));
  }
});

Deno.test("a split that would leave a part empty is refused", () => {
  const x = fromRows([[0], [1]]);
  // Each refusal by its own message: a bare RangeError for testFraction 1.5 was also the
  // empty-part refusal, so the test passed with the range check removed.
  assert.throws(
    () => trainTestSplit(x, Int32Array.from([0, 1]), { testFraction: 0.1 }),
    /^RangeError: Cannot split data: 2 samples with testFraction 0\.1 leave the test part empty: each of the 2 classes has one sample, and a class of one sample stays in training \(a column of measurements read as labels makes one class per sample\)$/,
  );
  // Not every class a singleton (or unstratified): the plain message. 3 samples of 2 classes at
  // 0.1 send round(0.2) = round(0.1) = 0 to the test part; unstratified round(0.3) = 0.
  for (const stratify of [true, false]) {
    assert.throws(
      () =>
        trainTestSplit(fromRows([[0], [1], [2]]), Int32Array.from([0, 0, 1]), {
          testFraction: 0.1,
          stratify,
        }),
      /^RangeError: Cannot split data: 3 samples with testFraction 0\.1 leave the test part empty$/,
    );
  }
  assert.throws(
    () => trainTestSplit(x, Int32Array.from([0, 1]), { testFraction: 1.5 }),
    /^RangeError: Cannot split data: testFraction must be a number in \(0, 1\), got 1\.5$/,
  );
  assert.throws(() => trainTestSplit(x, Int32Array.from([0]), {}), TypeError);
});

Deno.test('a stratify that is not a boolean is refused ("false" stratified)', () => {
  const x = fromRows([[0], [1], [2], [3]]);
  assert.throws(
    () => trainTestSplit(x, Int32Array.from([0, 0, 1, 1]), { stratify: "false" as never }),
    { name: "TypeError", message: /^Cannot split data: stratify must be a boolean, got string/ },
  );
});

Deno.test("one-hot rows hold a single 1 at the label", () => {
  const m = oneHot([2, 0], 3);
  assert.deepEqual([...m.data], [0, 0, 1, 1, 0, 0]);
  assert.throws(() => oneHot([3], 3), RangeError);
});

const sklearnPython = await pythonWithSklearn();

/**
 * Columns: constant up to one ulp of 1, tiny (about 1e-13) but varying, ordinary, constant, and 1
 * and 1 + 4 eps alternating (variance 4 eps^2: below StandardScaler's bound (n mean eps)^2 =
 * 1600 eps^2 for 40 rows, so constant; above (mean eps)^2 = eps^2).
 */
function awkwardColumns(): number[][] {
  return Array.from({ length: 40 }, (_, i) => [
    i === 7 ? 1 + Number.EPSILON : 1,
    (i % 2 === 0 ? 1 : 3) * 1e-13,
    Math.sin(i),
    5,
    i % 2 === 0 ? 1 : 1 + 4 * Number.EPSILON,
  ]);
}

Deno.test({
  name:
    `fitStandardizer's scales are scikit-learn StandardScaler's on near-constant and tiny columns${
      sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
    }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const rows = awkwardColumns();
    const ours = fitStandardizer(fromRows(rows));
    const theirs = await runPython<number[]>(
      "import json, sys, numpy as np\nfrom sklearn.preprocessing import StandardScaler\n" +
        "x = np.array(json.load(sys.stdin))\n" +
        "print(json.dumps(StandardScaler().fit(x).scale_.tolist()))",
      rows,
    );
    assertClose(ours.scale, theirs, { rtol: 1e-12 });
    assert.equal(ours.scale[0], 1); // constant up to rounding
    assert.ok(ours.scale[1] < 1e-12); // tiny but real
    assert.equal(ours.scale[4], 1); // variance 4 eps^2 <= (40 x 1 x eps)^2: constant
  },
});

Deno.test("scanCsv scales columns as fitStandardizer does (a tiny but varying feature is not constant)", async () => {
  const rows = awkwardColumns();
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(
      file,
      ["a,b,c,d,e,y", ...rows.map((r, i) => [...r.map(String), i % 2].join(","))].join("\n") + "\n",
    );
    const scan = await scanCsv(file);
    const reference = fitStandardizer(fromRows(rows));
    assertClose(scan.scale, reference.scale, { rtol: 1e-9 });
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("each class sends round(count x testFraction) samples to the test part", () => {
  // 10 samples per class at 0.25: round(2.5) = 3 per class (floor would give 2); 7 samples:
  // round(1.75) = 2; and at least one sample of each class stays for training.
  const y = Int32Array.from([...Array(10).fill(0), ...Array(10).fill(1), ...Array(7).fill(2)]);
  const x = { data: new Float64Array(y.length), rows: y.length, cols: 1 };
  const count = (labels: Int32Array, c: number) => labels.filter((v) => v === c).length;
  const quarter = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
  assert.deepEqual([0, 1, 2].map((c) => count(quarter.yTest, c)), [3, 3, 2]);
  const most = trainTestSplit(x, y, { testFraction: 0.99, seed: 3 });
  assert.deepEqual([0, 1, 2].map((c) => count(most.yTrain, c)), [1, 1, 1]);
});

Deno.test("trainingSize is the size of trainTestSplit's training part, for any seed", () => {
  const prng = createPrng(11);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + Math.floor(prng() * 60), k = 1 + Math.floor(prng() * 5);
    const y = Int32Array.from({ length: n }, () => Math.floor(prng() * k));
    const x = { data: new Float64Array(n), rows: n, cols: 1 };
    const testFraction = 0.02 + prng() * 0.9;
    for (const stratify of [true, false]) {
      let split;
      try {
        split = trainTestSplit(x, y, { testFraction, stratify, seed: trial });
      } catch {
        continue; // A part would be empty; the size is still the one counted below.
      }
      const size = trainingSize(y, { testFraction, stratify });
      assert.equal(size, split.yTrain.length, `${n} samples, ${testFraction}, ${stratify}`);
    }
  }
  assert.throws(
    () => trainingSize(Int32Array.from([0, 1]), { testFraction: 1 }),
    (e) => e instanceof RangeError && /testFraction/.test(e.message),
  );
  assert.throws(
    () => trainingSize(Int32Array.from([0, 1]), { stratify: "no" as unknown as boolean }),
    (e) => e instanceof TypeError && /stratify must be a boolean/.test(e.message),
  );
});

Deno.test("a split of two million rows works and is a partition (spread arguments overflowed the stack)", () => {
  // test.push(...rows) threw 'RangeError: Maximum call stack size exceeded' from about 500,000
  // rows per class.
  const n = 2_000_000;
  const x = { data: new Float32Array(n), rows: n, cols: 1 };
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (const stratify of [true, false]) {
    const s = trainTestSplit(x, y, { seed: 1, stratify });
    assert.equal(s.testIndex.length, n / 4);
    assert.equal(s.trainIndex.length, (3 * n) / 4);
    const seen = new Uint8Array(n);
    for (const i of [...s.trainIndex, ...s.testIndex]) seen[i]++;
    assert.ok(seen.every((c) => c === 1), "every row in exactly one part");
  }
});

Deno.test("features near the float64 limit, whose sums overflow, are standardised by their closed form", () => {
  // 1.5e308 + 1.7e308 is Infinity, and so are the squared deviations; the moments are those of
  // v = 1.5, 1.7, -1, times 1e308, and the standardised values those of v.
  const v = [1.5, 1.7, -1];
  const m = (v[0] + v[1] + v[2]) / 3;
  const sd = Math.sqrt(v.reduce((s, t) => s + (t - m) ** 2, 0) / 3);
  const x = fromRows(v.map((t) => [t * 1e308, t]));
  const prep = fitStandardizer(x);
  assertClose(prep.mean, [m * 1e308, m], { rtol: 1e-12 });
  assertClose(prep.scale, [sd * 1e308, sd], { rtol: 1e-12 });
  const z = applyPreprocessing(prep, x);
  for (let i = 0; i < 3; i++) {
    assertClose([z.data[2 * i], z.data[2 * i + 1]], [(v[i] - m) / sd, (v[i] - m) / sd], {
      rtol: 1e-12,
    });
  }
});

Deno.test("a preprocessing with an infinite scale, a non-finite mean or unequal lengths is refused", () => {
  const x = fromRows([[1, 2], [3, 4]]);
  const standardize = (mean: number[], scale: number[]) => ({
    kind: "standardize" as const,
    mean: Float64Array.from(mean),
    scale: Float64Array.from(scale),
  });
  // An infinite scale would map every value to 0, a NaN mean every value to NaN.
  assert.throws(() => applyPreprocessing(standardize([0, 0], [1, Infinity]), x), {
    name: "RangeError",
    message:
      "Cannot apply preprocessing: preprocessing.scale[1] is Infinity; scales must be finite and > 0",
  });
  for (const bad of [NaN, Infinity]) {
    assert.throws(() => applyPreprocessing(standardize([0, bad], [1, 1]), x), {
      name: "RangeError",
      message: `Cannot apply preprocessing: preprocessing.mean holds ${bad} at index 1`,
    });
  }
  assert.throws(() => applyPreprocessing(standardize([0, 0], [1]), x), {
    name: "TypeError",
    message: "Cannot apply preprocessing: preprocessing has 2 means but 1 scales",
  });
  // The same values, valid: (x - mean) / scale by hand.
  assert.deepEqual([...applyPreprocessing(standardize([1, 2], [2, 4]), x).data], [0, 0, 1, 0.5]);
});

Deno.test("a scale whose reciprocal overflows is refused, the next one up is applied", () => {
  // The preprocessing multiplies by 1 / scale (and predict folds w / scale): 1 / 2^-1024 is
  // Infinity, so (x - mean) / scale was NaN at the mean and infinite elsewhere.
  const at = 2 ** -1024, above = 2 ** -1024 + 2 ** -1074;
  assert.equal(1 / at, Infinity);
  assert.ok(Number.isFinite(1 / above));
  const prep = (s: number) => ({
    kind: "standardize" as const,
    mean: Float64Array.of(0, 1),
    scale: Float64Array.of(s, 1),
  });
  const x = { data: Float64Array.of(0, 1, above, 3), rows: 2, cols: 2 };
  const message = `preprocessing.scale[0] is ${at}, whose reciprocal overflows; scales must be ` +
    "above 2^-1024 (about 5.6e-309)";
  assert.throws(() => applyPreprocessing(prep(at), x), {
    name: "RangeError",
    message: `Cannot apply preprocessing: ${message}`,
  });
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(1, 1), rows: 1, cols: 2 },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames: ["p", "q"],
    preprocessing: prep(at),
  };
  assert.throws(() => predict(model, x), {
    name: "RangeError",
    message: `Cannot compute scores: ${message}`,
  });
  const json = JSON.stringify({
    ...model,
    weights: { rows: 1, cols: 2, data: [1, 1] },
    bias: [0],
    preprocessing: { kind: "standardize", mean: [0, 1], scale: [at, 1] },
  });
  assert.throws(() => modelFromJson(json), {
    name: "SyntaxError",
    message: `Cannot read model: ${message}`,
  });
  // The next scale up: (x - mean) / scale by hand, 0 at the mean and 1 at x = scale.
  const z = applyPreprocessing(prep(above), x);
  assertClose(z.data, [0, 0, 1, 2], { rtol: 1e-15 });
});

Deno.test("a constant column of -0 is centred on +0, which JSON writes and reads back as itself", () => {
  // JSON.stringify(-0) is "0": a mean of -0 would not round-trip through a saved model.
  const prep = fitStandardizer({ data: Float64Array.of(-0, 1, -0, 3), rows: 2, cols: 2 });
  assert.ok(Object.is(prep.mean[0], 0), `mean[0] ${Object.is(prep.mean[0], -0) ? "-0" : "0"}`);
  assert.deepEqual([prep.scale[0], prep.mean[1], prep.scale[1]], [1, 2, 1]);
  assert.ok(Object.is(JSON.parse(JSON.stringify(prep.mean[0])), prep.mean[0]));
});

Deno.test("stratify: false rounds the whole data's test share, not each class's", () => {
  // 3 samples of each class at 0.5: stratified, each class sends round(1.5) = 2 to the test
  // part (4); unstratified, the data sends round(6 x 0.5) = 3. Both for any seed.
  const y = Int32Array.from([0, 0, 0, 1, 1, 1]);
  const x = { data: new Float64Array(6), rows: 6, cols: 1 };
  for (const seed of [0, 1, 2]) {
    const plain = trainTestSplit(x, y, { testFraction: 0.5, stratify: false, seed });
    const strat = trainTestSplit(x, y, { testFraction: 0.5, stratify: true, seed });
    assert.deepEqual([plain.testIndex.length, strat.testIndex.length], [3, 4], `seed ${seed}`);
  }
  assert.equal(trainingSize(y, { testFraction: 0.5, stratify: false }), 3);
  assert.equal(trainingSize(y, { testFraction: 0.5 }), 2);
});

Deno.test("a preprocessing scale that is NaN, 0 or negative, or of another kind or array type, is refused", () => {
  const x = fromRows([[1, 2]]);
  const prep = (scale: number) => ({
    kind: "standardize" as const,
    mean: Float64Array.of(0, 0),
    scale: Float64Array.of(1, scale),
  });
  // A NaN scale makes every value of its column NaN, 0 infinite, a negative one flips its sign.
  for (const bad of [NaN, 0, -2]) {
    assert.throws(() => applyPreprocessing(prep(bad), x), {
      name: "RangeError",
      message:
        `Cannot apply preprocessing: preprocessing.scale[1] is ${bad}; scales must be finite and > 0`,
    });
  }
  // Float32 means lose digits a model's JSON keeps; the documented type is Float64Array.
  assert.throws(
    () =>
      applyPreprocessing(
        { kind: "standardize", mean: Float32Array.of(0, 0), scale: Float64Array.of(1, 1) } as never,
        x,
      ),
    {
      name: "TypeError",
      message: "Cannot apply preprocessing: preprocessing mean and scale must be Float64Arrays",
    },
  );
  // A kind it does not know is named, even when it carries a mean and scale.
  assert.throws(() => applyPreprocessing({ ...prep(1), kind: "minmax" } as never, x), {
    name: "TypeError",
    message: "Cannot apply preprocessing: unknown preprocessing kind 'minmax'",
  });
});

Deno.test("a split without a seed is the split of seed 0, as documented", () => {
  const x = randomMatrix(40, 2, 3);
  const y = Int32Array.from({ length: 40 }, (_, i) => i % 3);
  const byDefault = trainTestSplit(x, y);
  assert.deepEqual(byDefault.testIndex, trainTestSplit(x, y, { seed: 0 }).testIndex);
  // The comparison can fail: another seed draws other rows.
  assert.notDeepEqual(byDefault.testIndex, trainTestSplit(x, y, { seed: 1 }).testIndex);
});

Deno.test("featureScale calls a variance equal to scikit-learn's rounding bound constant", () => {
  // The bound n eps var + (n mean eps)^2, worked in powers of two so that it is exact: a variance
  // at the bound is constant (scale 1, as StandardScaler's var <= bound), just above it is not.
  const eps = Number.EPSILON; // 2^-52
  assert.equal(featureScale(4, 0, 2 ** 52), 1); // bound = 4
  assert.equal(featureScale(4, 0, 2 ** 51), 2); // bound = 2
  assert.equal(featureScale(4, 2 / eps, 1), 1); // bound = 4 eps + 4
  assert.equal(featureScale(4, 1 / eps, 1), 2); // bound = 4 eps + 1
  assert.equal(featureScale(0, 0, 10), 1);
});

Deno.test("trainTestSplit refuses a seed that is not a finite number in its own words", () => {
  // The random generator refused it first, naming itself ("Cannot create random generator").
  const x = fromRows([[0], [1], [2], [3]]);
  const y = Int32Array.from([0, 1, 0, 1]);
  assert.throws(
    () => trainTestSplit(x, y, { seed: NaN }),
    /^TypeError: Cannot split data: seed must be a finite number, got number NaN$/,
  );
});
