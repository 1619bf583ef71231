import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { dequantizeModel, quantizedSize, quantizeModel } from "../../lib/quant/model.ts";
import { quantizationAwareTraining } from "../../lib/quant/qat.ts";
import {
  quantizationSweep,
  type QuantizationSweepEntry,
  type QuantizationSweepOptions,
} from "../../lib/quant/sweep.ts";

const digits = await loadEmbedded("digits");
const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.25, seed: 5 });
const train = { x: split.xTrain, y: split.yTrain };
const test = { x: split.xTest, y: split.yTest };
const model = fit(train.x, train.y, {
  classes: digits.classes,
  penalty: { kind: "l2", lambda: 1e-3 },
  optimizer: { kind: "lbfgs", maxIterations: 40 },
}).model;
const qat = { optimizer: { kind: "adam", epochs: 2, learningRate: 0.01 } } as const;

Deno.test("every row is the model quantizeModel or quantizationAwareTraining gives", () => {
  const done: number[] = [];
  const rows = quantizationSweep(model, { train, test }, {
    entries: [
      {
        name: "affine per feature",
        method: { kind: "uniform", scheme: "affine", granularity: "feature" },
      },
      { name: "k-means", method: { kind: "kmeans" } },
      { name: "symmetric QAT", method: { kind: "uniform" }, training: "qat", bits: [2] },
      { name: "half", method: { kind: "float16" } },
    ],
    bits: [8, 3],
    qat,
    onProgress: (_, d, total) => done.push(d / total),
  });
  assert.deepEqual(
    rows.map((r) => [r.method, r.bits, r.training]),
    [
      ["affine per feature", 8, "ptq"],
      ["affine per feature", 3, "ptq"],
      ["k-means", 8, "ptq"],
      ["k-means", 3, "ptq"],
      ["symmetric QAT", 2, "qat"],
      ["half", 16, "ptq"],
    ],
  );
  assert.deepEqual(done, rows.map((_, i) => (i + 1) / rows.length));
  const expected = [
    quantizeModel(model, {
      method: { kind: "uniform", scheme: "affine", granularity: "feature", bits: 8 },
    }),
    quantizeModel(model, {
      method: { kind: "uniform", scheme: "affine", granularity: "feature", bits: 3 },
    }),
    quantizeModel(model, { method: { kind: "kmeans", bits: 8 } }),
    quantizeModel(model, { method: { kind: "kmeans", bits: 3 } }),
    quantizationAwareTraining(model, train, { ...qat, method: { kind: "uniform", bits: 2 } }).model,
    quantizeModel(model, { method: { kind: "float16" } }),
  ];
  rows.forEach((row, i) => {
    assert.deepEqual(row.model.weights, expected[i].weights, row.method);
    const size = quantizedSize(expected[i]);
    assert.equal(row.weightBytes, size.weightBytes);
    assert.equal(row.compression, size.compression);
    assert.equal(row.accuracy, accuracy(test.y, predict(dequantizeModel(expected[i]), test.x)));
  });
  // 3-bit affine per feature: 640 codes of 3 bits, then a float32 scale and a 1-byte zero point
  // per feature.
  assert.equal(rows[1].weightBytes, 640 * 3 / 8 + 64 * 5);
});

Deno.test("the default sweep has four post-training lines at six bit widths", () => {
  const rows = quantizationSweep(model, { test });
  assert.equal(rows.length, 24);
  assert.deepEqual([...new Set(rows.map((r) => r.bits))], [8, 6, 4, 3, 2, 1]);
  assert.ok(rows.every((r) => r.training === "ptq"));
  // The documented lines, in order: uniform symmetric, uniform affine and log2, each per class
  // with MSE calibration, and k-means per tensor (an affine line turned symmetric passed the
  // checks of counts and order alone).
  const lines = [
    ["uniform symmetric per class", "uniform", "symmetric", "class", "mse"],
    ["uniform affine per class", "uniform", "affine", "class", "mse"],
    ["log2 per class", "log2", undefined, "class", "mse"],
    ["k-means per tensor", "codebook", undefined, "tensor", undefined],
  ];
  const bitWidths = [8, 6, 4, 3, 2, 1];
  rows.forEach((r, i) => {
    const [name, kind, scheme, granularity, calibration] = lines[Math.floor(i / 6)];
    const b = bitWidths[i % 6];
    assert.equal(r.method, name);
    assert.equal(r.bits, b);
    const t = r.model.weights;
    assert.equal(t.kind, kind, name);
    assert.equal(t.kind === "uniform" ? t.scheme : undefined, scheme, name);
    assert.equal(t.granularity, granularity, name);
    assert.equal(t.bits, b, name);
    if (calibration) assert.equal(r.model.recipe?.calibration, calibration, name);
    // Bytes by hand: 640 codes of b bits, then per class a float32 scale (and a 1-byte zero
    // point for affine), or one float32 codebook of 2^b entries.
    const params = kind === "codebook" ? 4 * 2 ** b : 10 * (scheme === "affine" ? 5 : 4);
    assert.equal(r.weightBytes, (640 * b) / 8 + params, `${name} at ${b} bits`);
    assert.equal(r.compression, (4 * 640) / r.weightBytes, `${name} at ${b} bits`);
  });
  // More bits never cost fewer bytes within a line.
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].method === rows[i - 1].method) {
      assert.ok(rows[i].weightBytes < rows[i - 1].weightBytes);
    }
  }
});

Deno.test("a pruned model's zeros stay zero in every row", () => {
  const pruned = pruneModel(model, { fraction: 0.7 });
  for (const row of quantizationSweep(pruned, { test }, { bits: [4, 2] })) {
    const w = dequantizeModel(row.model).weights.data;
    for (let i = 0; i < w.length; i++) if (pruned.mask![i] === 0) assert.equal(w[i], 0);
  }
});

Deno.test("missing training data, bad bit widths and bad data are refused before any work", async () => {
  const entries = [{ name: "qat", method: { kind: "uniform" }, training: "qat" }] as const;
  assert.throws(() => quantizationSweep(model, { test }, { entries }), {
    name: "RangeError",
    message: /entry 'qat' trains, but data.train is missing/,
  });
  // Refused by the sweep's plan, before the 8-bit rows are measured (a bare RangeError was also
  // quantizeModel's, reached after them).
  let measured = 0;
  assert.throws(
    () => quantizationSweep(model, { test }, { bits: [8, 17], onProgress: () => measured++ }),
    /^RangeError: Cannot run quantization sweep: bits must be an integer in \[1, 16\], got 17$/,
  );
  assert.throws(
    () =>
      quantizationSweep(model, { test }, {
        entries: [{ name: "log", method: { kind: "log2" } }],
        bits: [8, 9],
        onProgress: () => measured++,
      }),
    /^RangeError: Cannot run quantization sweep: bits must be an integer in \[1, 8\], got 9$/,
  );
  // An optimiser QAT cannot use: two PTQ rows were measured before the qat entry refused it.
  assert.throws(
    () =>
      quantizationSweep(model, { train, test }, {
        entries: [
          { name: "ptq", method: { kind: "uniform" } },
          { name: "qat", method: { kind: "uniform" }, training: "qat" },
        ],
        bits: [8, 4],
        qat: { optimizer: { kind: "lbfgs" } as never },
        onProgress: () => measured++,
      }),
    /^RangeError: Cannot run quantization sweep: optimizer must be sgd or adam \(mini-batch steps\), got 'lbfgs'$/,
  );
  assert.equal(measured, 0);
  // k-means at 8 bits needs 256 distinct weights; a 1 x 30 model has 30. A sweep naming the
  // k-means line used to compute 18 rows before it failed on it (the default entries now leave
  // such rows out: see below).
  const cancer = await loadEmbedded("breast-cancer");
  const small = fit(cancer.x, cancer.y, {
    classes: cancer.classes,
    optimizer: { kind: "lbfgs", maxIterations: 10 },
  }).model;
  let done = 0;
  const named: QuantizationSweepEntry[] = [
    { name: "uniform symmetric per class", method: { kind: "uniform", scheme: "symmetric" } },
    { name: "uniform affine per class", method: { kind: "uniform", scheme: "affine" } },
    { name: "log2 per class", method: { kind: "log2" } },
    { name: "k-means per tensor", method: { kind: "kmeans" } },
  ];
  assert.throws(
    () => quantizationSweep(small, { test: cancer }, { entries: named, onProgress: () => done++ }),
    {
      name: "RangeError",
      message:
        "Cannot run quantization sweep: entry 'k-means per tensor' at 8 bits needs 256 distinct " +
        "weights per tensor for k-means, the model has 30; give the entry fewer bits",
    },
  );
  assert.equal(done, 0);
  const wrong = { x: { data: new Float64Array(3), rows: 1, cols: 3 }, y: Int32Array.of(0) };
  // The sweep names the data at fault before quantizing (a bare TypeError was also the
  // predictor's, reached after the first model was quantized).
  assert.throws(
    () => quantizationSweep(model, { test: wrong }, { onProgress: () => measured++ }),
    /^TypeError: Cannot run quantization sweep: data\.test\.x has 3 columns, the model 64$/,
  );
  assert.equal(measured, 0);
  const badLabels = { x: test.x, y: new Int32Array(test.x.rows).fill(12) };
  assert.throws(() => quantizationSweep(model, { test: badLabels }), RangeError);
});

Deno.test("entries and bit widths that are not arrays, and entries that are not objects, are named", () => {
  // They crashed with bare JavaScript errors ("number 4 is not iterable", "Cannot read
  // properties of null (reading 'name')").
  const cases: [QuantizationSweepOptions, string][] = [
    [{ bits: 4 as unknown as number[] }, "bits must be an array, got number 4"],
    [
      { entries: [{ name: "u", method: { kind: "uniform" }, bits: 4 as unknown as number[] }] },
      "bits of entry 'u' must be an array, got number 4",
    ],
    [
      { entries: {} as unknown as QuantizationSweepEntry[] },
      "entries must be an array, got Object",
    ],
    [
      { entries: [null as unknown as QuantizationSweepEntry] },
      "an entry must be an object, got null",
    ],
    // A method that is not an object was spread into { ...method, bits } and refused as
    // "unknown method 'undefined'" (a RangeError), whatever it was.
    [
      { entries: [{ name: "u", method: null } as unknown as QuantizationSweepEntry] },
      "method of entry 'u' is null: give a value, or leave it out for its default",
    ],
    ...[["uniform", 'string "uniform"'], [undefined, "undefined"]].map((
      [method, got],
    ): [QuantizationSweepOptions, string] => [
      { entries: [{ name: "u", method } as unknown as QuantizationSweepEntry] },
      `the method of entry 'u' must be an object, got ${got}`,
    ]),
  ];
  for (const [options, message] of cases) {
    assert.throws(() => quantizationSweep(model, { test }, options), {
      name: "TypeError",
      message: `Cannot run quantization sweep: ${message}`,
    });
  }
});

Deno.test("a float16 entry's settings are refused before any row is computed", () => {
  // They were checked by quantizeModel when the entry's row came, after the rows before it.
  let done = 0;
  assert.throws(
    () =>
      quantizationSweep(model, { test }, {
        entries: [
          { name: "u", method: { kind: "uniform" } },
          {
            name: "half",
            method: { kind: "float16", bits: 8 } as QuantizationSweepEntry["method"],
          },
        ],
        bits: [8],
        onProgress: () => done++,
      }),
    /^TypeError: Cannot run quantization sweep: unknown option 'bits' in method/,
  );
  assert.equal(done, 0);
});

Deno.test("a qat entry that rounds stochastically is refused before any row is computed", () => {
  // QAT refused it when the entry's first row came, after the rows before it were measured.
  let done = 0;
  assert.throws(
    () =>
      quantizationSweep(model, { train, test }, {
        entries: [
          { name: "ptq", method: { kind: "uniform" } },
          {
            name: "qat",
            method: { kind: "uniform", rounding: { kind: "stochastic", seed: 1 } },
            training: "qat",
          },
        ],
        bits: [8, 4],
        qat,
        onProgress: () => done++,
      }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: quantization-aware training rounds to nearest " +
        "(its forward pass); stochastic rounding is for post-training quantization",
    },
  );
  assert.equal(done, 0);
  // Post-training, the same method is a row like any other.
  const rows = quantizationSweep(model, { test }, {
    entries: [{
      name: "s",
      method: { kind: "uniform", rounding: { kind: "stochastic", seed: 1 } },
    }],
    bits: [4],
  });
  assert.equal(rows.length, 1);
});

Deno.test("training or test data holding NaN or infinity are refused before any row is computed", () => {
  // Training data were read first by the first qat entry's fit, after the rows before it.
  const holding = (x: typeof train.x, i: number, v: number) => {
    const data = x.data.slice();
    data[i] = v;
    return { ...x, data };
  };
  const entries = [
    { name: "ptq", method: { kind: "uniform" } },
    { name: "qat", method: { kind: "uniform" }, training: "qat" },
  ] as const;
  let done = 0;
  const onProgress = () => done++;
  // Row 3, column 5 of 64 columns is entry 3 x 64 + 5.
  const bad = { x: holding(train.x, 3 * 64 + 5, NaN), y: train.y };
  assert.throws(
    () =>
      quantizationSweep(model, { train: bad, test }, { entries, bits: [8, 4], qat, onProgress }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: data.train.x holds NaN at row 3, column 5",
    },
  );
  const inf = { x: holding(test.x, 64 + 2, -Infinity), y: test.y };
  assert.throws(
    () =>
      quantizationSweep(model, { train, test: inf }, { entries, bits: [8, 4], qat, onProgress }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: data.test.x holds -Infinity at row 1, column 2",
    },
  );
  assert.equal(done, 0);
});

Deno.test("empty training or test data are refused before any row is computed", () => {
  // An empty test set was refused by accuracy ("Cannot compute accuracy: there are no samples")
  // after the first row was quantized; an empty training set by the first qat entry's fit.
  const empty = { x: { data: new Float64Array(0), rows: 0, cols: 64 }, y: new Int32Array(0) };
  const entries = [
    { name: "ptq", method: { kind: "uniform" } },
    { name: "qat", method: { kind: "uniform" }, training: "qat" },
  ] as const;
  let done = 0;
  const onProgress = () => done++;
  assert.throws(
    () => quantizationSweep(model, { test: empty }, { bits: [4], onProgress }),
    /^RangeError: Cannot run quantization sweep: data\.test\.x has no rows$/,
  );
  assert.throws(
    () => quantizationSweep(model, { train: empty, test }, { entries, bits: [4], qat, onProgress }),
    /^RangeError: Cannot run quantization sweep: data\.train\.x has no rows$/,
  );
  assert.equal(done, 0);
});

Deno.test("k-means bit widths are refused exactly when a group has fewer distinct weights than levels", () => {
  // A 10 x 64 model whose weights take 16 or 15 distinct values: 4 bits (16 levels) fit the
  // first and are refused for the second before any row, by the sweep rather than k-means.
  const withDistinct = (n: number) => ({
    ...model,
    weights: {
      ...model.weights,
      data: Float64Array.from(model.weights.data, (_, i) => ((i % n) - n / 2) / 16),
    },
  });
  const entries = [{ name: "k", method: { kind: "kmeans" } }] as const;
  const rows = quantizationSweep(withDistinct(16), { test }, { entries, bits: [4] });
  assert.equal(rows.length, 1);
  let done = 0;
  assert.throws(
    () =>
      quantizationSweep(withDistinct(15), { test }, {
        entries,
        bits: [3, 4],
        onProgress: () => done++,
      }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: entry 'k' at 4 bits needs 16 distinct weights " +
        "per tensor for k-means, the model has 15; give the entry fewer bits",
    },
  );
  assert.equal(done, 0);
});

Deno.test("the default sweep leaves out the k-means rows a 3-feature model cannot take, and says why", () => {
  // 1 x 3 weights: k-means at b bits needs 2^b distinct ones, so only 1 bit (2 levels) applies.
  let s = 3;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const n = 200, x = { data: new Float64Array(3 * n), rows: n, cols: 3 }, y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 3; j++) x.data[3 * i + j] = r() + (y[i] ? 0.3 * (j + 1) : 0);
  }
  const tiny = fit(x, y, { classes: ["no", "yes"] }).model;
  const distinct = new Set(tiny.weights.data).size;
  assert.equal(distinct, 3);
  const totals: number[] = [];
  const rows = quantizationSweep(tiny, { test: { x, y } }, {
    onProgress: (_, __, total) => totals.push(total),
  });
  const bitWidths = [8, 6, 4, 3, 2, 1];
  // Three lines at six widths, then k-means at 1 bit: the rows that apply, in their order.
  assert.deepEqual(rows.map((row) => [row.method, row.bits]), [
    ...["uniform symmetric per class", "uniform affine per class", "log2 per class"].flatMap((m) =>
      bitWidths.map((b) => [m, b])
    ),
    ["k-means per tensor", 1],
  ]);
  assert.deepEqual(totals, new Array(19).fill(19));
  assert.deepEqual(
    rows.at(-1)!.model,
    quantizeModel(tiny, { method: { kind: "kmeans", bits: 1 } }),
  );
  // The rest, each named with its reason.
  assert.deepEqual(
    rows.skipped,
    bitWidths.filter((b) => 2 ** b > distinct).map((b) => ({
      method: "k-means per tensor",
      bits: b,
      training: "ptq",
      reason: `needs ${2 ** b} distinct weights per tensor for k-means, the model has 3`,
    })),
  );
  // Given bit widths with the default entries: skipped too (the caller chose no k-means entry).
  const two = quantizationSweep(tiny, { test: { x, y } }, { bits: [2, 1] });
  assert.deepEqual(two.map((row) => `${row.method} ${row.bits}`).slice(-2), [
    "log2 per class 1",
    "k-means per tensor 1",
  ]);
  assert.deepEqual(two.skipped.map((k) => [k.method, k.bits]), [["k-means per tensor", 2]]);
  // A model that takes every row skips none.
  assert.deepEqual(quantizationSweep(model, { test }, { bits: [8] }).skipped, []);
  // The same k-means entry, named by the caller, is refused as before any row.
  let done = 0;
  assert.throws(
    () =>
      quantizationSweep(tiny, { test: { x, y } }, {
        entries: [{ name: "k-means per tensor", method: { kind: "kmeans" } }],
        bits: [1, 2],
        onProgress: () => done++,
      }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: entry 'k-means per tensor' at 2 bits needs 4 " +
        "distinct weights per tensor for k-means, the model has 3; give the entry fewer bits",
    },
  );
  assert.equal(done, 0);
});

Deno.test("two entries of one name are refused before any row: the rows carry only the name", () => {
  // A post-training and a QAT entry both named "uniform" gave rows of method "uniform" at each
  // width twice, which pivotRows and bitWidthFigure read as one line.
  let rows = 0;
  assert.throws(
    () =>
      quantizationSweep(model, { train, test }, {
        bits: [4],
        qat,
        entries: [
          { name: "uniform", method: { kind: "uniform" } },
          { name: "log2", method: { kind: "log2" } },
          { name: "uniform", method: { kind: "uniform" }, training: "qat" },
        ],
        onProgress: () => rows++,
      }),
    {
      name: "RangeError",
      message:
        'Cannot run quantization sweep: entries[0] and entries[2] are both named "uniform"; ' +
        "give each entry its own name",
    },
  );
  assert.equal(rows, 0);
  // Distinct names: one row per entry.
  const ok = quantizationSweep(model, { test }, {
    bits: [4],
    entries: [
      { name: "uniform", method: { kind: "uniform" } },
      { name: "uniform ", method: { kind: "uniform" } },
    ],
  });
  assert.deepEqual(ok.map((r) => r.method), ["uniform", "uniform "]);
});

Deno.test("a bit width given twice, in the sweep's bits or an entry's, is refused before any row", () => {
  // The repeat was quantized twice, into two rows at one point that pivotRows and
  // bitWidthFigure then refused, after the whole sweep's work.
  let done = 0;
  const onProgress = () => done++;
  assert.throws(
    () =>
      quantizationSweep(model, { test }, {
        bits: [8, 4, 8],
        entries: [{ name: "uniform", method: { kind: "uniform" } }],
        onProgress,
      }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: bits[0] and bits[2] are both 8; give each once",
    },
  );
  assert.throws(
    () =>
      quantizationSweep(model, { train, test }, {
        qat,
        entries: [
          { name: "log2", method: { kind: "log2" }, bits: [4] },
          { name: "uniform QAT", method: { kind: "uniform" }, training: "qat", bits: [2, 3, 3] },
        ],
        onProgress,
      }),
    {
      name: "RangeError",
      message: "Cannot run quantization sweep: entry 'uniform QAT' bits[1] and bits[2] are both " +
        "3; give each once",
    },
  );
  assert.equal(done, 0);
  // One width per list, however often it recurs across entries: one row per entry and width.
  const rows = quantizationSweep(model, { test }, {
    bits: [4, 2],
    entries: [
      { name: "uniform", method: { kind: "uniform" } },
      { name: "log2", method: { kind: "log2" }, bits: [2, 4] },
    ],
  });
  assert.deepEqual(rows.map((r) => [r.method, r.bits]), [
    ["uniform", 4],
    ["uniform", 2],
    ["log2", 2],
    ["log2", 4],
  ]);
});
