import assert from "node:assert/strict";
import { type CsvBatch, scanCsv } from "../../lib/data/csv_stream.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { createPrng } from "../../lib/core/random.ts";
import { rejectsWith } from "../_helpers/errors.ts";
import { assertClose } from "../_helpers/assert_close.ts";

async function withCsv(text: string, body: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    await body(file);
  } finally {
    await Deno.remove(file);
  }
}

// Rows whose features are multiples of 1/8 (exact in float32), two classes "0"/"1".
const ROWS: readonly [number, number, number][] = [
  [0.5, -1.25, 0],
  [1.5, 0.75, 1],
  [-0.875, 2, 0],
  [2.25, -0.5, 1],
  [0.125, 1.5, 1],
  [-1.5, -0.25, 0],
  [3, 0.375, 1],
];
const WEIGHTS = [3, 1, 2, 1, 4, 1, 2]; // integers: weight k is the row written k times

Deno.test("a weighted streamed step is the closed-form step of the rows repeated as often as their weights say", async () => {
  // One SGD step from w = 0 over one batch holding every row, without penalty, momentum or
  // preprocessing: p = 1/2 for every row, so the step is exactly
  // -lr * sum_i s_i (1/2 - y_i) x_i / sum_i s_i (fit's sum_B s_i g_i / (|B| mean(s))), whatever
  // power of two the weights are scaled by.
  const lr = 0.5;
  const sum = WEIGHTS.reduce((a, b) => a + b, 0);
  const expected = [0, 0, 0]; // w0, w1, bias
  ROWS.forEach(([a, b, y], i) => {
    const r = WEIGHTS[i] * (0.5 - y);
    expected[0] -= lr * r * a / sum;
    expected[1] -= lr * r * b / sum;
    expected[2] -= lr * r / sum;
  });
  const common = {
    label: "y",
    optimizer: { kind: "sgd", epochs: 1, learningRate: lr, momentum: 0, batchSize: 64 },
    penalty: { kind: "none" },
    preprocessing: "none",
  } as const;
  const step = (m: { weights: { data: Float64Array }; bias: Float64Array }) => [
    ...m.weights.data,
    m.bias[0],
  ];
  // Repeated rows, unweighted.
  const repeated = ["a,b,y"];
  ROWS.forEach((r, i) => {
    for (let k = 0; k < WEIGHTS[i]; k++) repeated.push(r.join(","));
  });
  await withCsv(repeated.join("\n") + "\n", async (file) => {
    const { model } = await fitStream(file, common);
    assertClose(step(model), expected, { rtol: 1e-12, atol: 1e-15, message: "repeated" });
  });
  await withCsv(["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n", async (file) => {
    // The weights from a function of the batch: by line (the header is line 1).
    const byLine = (batch: CsvBatch) => Array.from(batch.lines, (line) => WEIGHTS[line - 2]);
    const { model } = await fitStream(file, { ...common, sampleWeight: byLine });
    assertClose(step(model), expected, { rtol: 1e-12, atol: 1e-15, message: "sampleWeight" });
    // Half weights: only the ratios matter.
    const half = (batch: CsvBatch) => byLine(batch).map((v) => v / 2 ** 40);
    const scaled = await fitStream(file, { ...common, sampleWeight: half });
    assertClose(step(scaled.model), expected, { rtol: 1e-12, atol: 1e-15, message: "scaled" });
  });
  // The weights as a column of the file (by name, then by index): not a feature, the same step.
  const withColumn = ["a,w,b,y", ...ROWS.map(([a, b, y], i) => [a, WEIGHTS[i], b, y].join(","))];
  await withCsv(withColumn.join("\n") + "\n", async (file) => {
    for (const weightColumn of ["w", 1]) {
      const { model } = await fitStream(file, { ...common, weightColumn });
      assert.deepEqual(model.featureNames, ["a", "b"]);
      assertClose(step(model), expected, { rtol: 1e-12, atol: 1e-15, message: "weightColumn" });
    }
  });
  // Class weights: class "1" weighs 3, as each of its rows written three times.
  const byClass = ROWS.map(([, , y]) => (y === 1 ? 3 : 1));
  const classSum = byClass.reduce((a, b) => a + b, 0);
  const classExpected = [0, 0, 0];
  ROWS.forEach(([a, b, y], i) => {
    const r = byClass[i] * (0.5 - y);
    classExpected[0] -= lr * r * a / classSum;
    classExpected[1] -= lr * r * b / classSum;
    classExpected[2] -= lr * r / classSum;
  });
  await withCsv(["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n", async (file) => {
    const { model, history } = await fitStream(file, { ...common, classWeight: { "1": 3 } });
    assertClose(step(model), classExpected, { rtol: 1e-12, atol: 1e-15, message: "classWeight" });
    // The loss recorded is the weighted mean at w = 0: log 2.
    assertClose(history[0].trainLoss, Math.LN2, { rtol: 1e-6 });
  });
});

Deno.test("a streamed step keeps its closed form for weights below 2^-500 and for a largest weight 2^141 times the last row's, and sampleWeight overrides weightColumn", async () => {
  // As the test above: one SGD step from w = 0 is -lr * sum_i s_i (1/2 - y_i) x_i / sum_i s_i.
  const lr = 0.5;
  const closedForm = (s: readonly number[]) => {
    const sum = s.reduce((a, b) => a + b, 0);
    const out = [0, 0, 0];
    ROWS.forEach(([a, b, y], i) => {
      const r = s[i] * (0.5 - y) / sum;
      out[0] -= lr * r * a;
      out[1] -= lr * r * b;
      out[2] -= lr * r;
    });
    return out;
  };
  const common = {
    label: "y",
    optimizer: { kind: "sgd", epochs: 1, learningRate: lr, momentum: 0, batchSize: 64 },
    penalty: { kind: "none" },
    preprocessing: "none",
  } as const;
  const step = (m: { weights: { data: Float64Array }; bias: Float64Array }) => [
    ...m.weights.data,
    m.bias[0],
  ];
  const cases: [string, number[]][] = [
    // Too small for one power of two to bring into [1, 2) without overflowing it.
    ["tiny", WEIGHTS.map((v) => v * 2 ** -800)],
    // The largest weight (row 5) is not the last row's; scaled by the last one's, the others
    // would be beyond float32 (2^128).
    ["spread", WEIGHTS.map((v, i) => (i === ROWS.length - 1 ? 2 ** -20 : v * 2 ** 120))],
  ];
  await withCsv(["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n", async (file) => {
    for (const [name, s] of cases) {
      const sampleWeight = (batch: CsvBatch) => Array.from(batch.lines, (line) => s[line - 2]);
      const { model } = await fitStream(file, { ...common, sampleWeight });
      assertClose(step(model), closedForm(s), { rtol: 1e-12, atol: 1e-15, message: name });
    }
  });
  // Both given: sampleWeight (here every row 1) weighs the rows, the column is read apart.
  const withColumn = ["a,w,b,y", ...ROWS.map(([a, b, y], i) => [a, WEIGHTS[i], b, y].join(","))];
  await withCsv(withColumn.join("\n") + "\n", async (file) => {
    const ones = (batch: CsvBatch) => new Array(batch.x.rows).fill(1);
    const { model } = await fitStream(file, { ...common, weightColumn: "w", sampleWeight: ones });
    assert.deepEqual(model.featureNames, ["a", "b"]);
    const expected = closedForm(ROWS.map(() => 1));
    assertClose(step(model), expected, { rtol: 1e-12, atol: 1e-15, message: "both" });
  });
});

Deno.test("a loss engine's reloaded rows carry their own weights: the gradient at w = 0 in closed form", () => {
  const d = 2, n = ROWS.length;
  const x = { data: Float32Array.from(ROWS.flatMap(([a, b]) => [a, b])), rows: n, cols: d };
  const y = Int32Array.from(ROWS, (r) => r[2]);
  const engine = createLossEngine(x, y, "sigmoid", 1, {
    threads: 1,
    sampleWeight: new Float64Array(n).fill(1),
  });
  try {
    // Other rows and weights replace the first ones: the gradient is theirs alone.
    const x2 = { data: x.data.subarray(2 * d), rows: n - 2, cols: d };
    const y2 = y.subarray(2), s2 = WEIGHTS.slice(2);
    engine.load(x2, y2, s2);
    const gw = new Float64Array(d), gb = new Float64Array(1);
    const r = engine.accumulate(null, 0, n - 2, new Float64Array(d), new Float64Array(1), gw, gb);
    const expected = [0, 0, 0];
    for (let i = 0; i < n - 2; i++) {
      const g = s2[i] * (0.5 - y2[i]);
      expected[0] += g * x2.data[i * d];
      expected[1] += g * x2.data[i * d + 1];
      expected[2] += g;
    }
    assert.deepEqual([...gw, gb[0]], expected);
    assertClose(r.loss, s2.reduce((a, b) => a + b, 0) * Math.LN2, { rtol: 1e-6 });
  } finally {
    engine.close();
  }
});

Deno.test("a streamed fit with balanced class weights reaches fit's weighted optimum, away from the unweighted one", async () => {
  // Two overlapping Gaussian classes, 1 in 8 rows positive.
  const prng = createPrng(7);
  const gauss = () => {
    const u = Math.max(prng(), 1e-12), v = prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const n = 2000, d = 2;
  const x = new Float32Array(n * d), y = new Int32Array(n);
  const lines = ["a,b,y"];
  for (let i = 0; i < n; i++) {
    y[i] = i % 8 === 0 ? 1 : 0;
    x[i * d] = gauss() + (y[i] ? 1.5 : 0);
    x[i * d + 1] = gauss() - (y[i] ? 1 : 0);
    lines.push(`${x[i * d]},${x[i * d + 1]},${y[i]}`);
  }
  const penalty = { kind: "l2", lambda: 1e-2 } as const;
  const matrix = { data: x, rows: n, cols: d };
  const optimum = (classWeight?: "balanced") =>
    fit(matrix, y, {
      classes: ["0", "1"],
      optimizer: { kind: "lbfgs", maxIterations: 500, tolerance: 1e-12 },
      penalty,
      ...(classWeight ? { classWeight } : {}),
    }).model;
  const weighted = optimum("balanced"), plain = optimum();
  // The models compared by their probability of class "1" on the training rows.
  const p1 = (m: Parameters<typeof predictProba>[0]) => {
    const p = predictProba(m, matrix);
    return Float64Array.from({ length: n }, (_, i) => p.data[i * 2 + 1]);
  };
  const maxDiff = (a: Float64Array, b: Float64Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const target = p1(weighted), unweighted = p1(plain);
  // Balancing moves the probabilities far (the rare class's mean probability rises to about 1/2).
  const gap = maxDiff(target, unweighted);
  assert.ok(gap > 0.3, `weighted and unweighted optima differ by only ${gap}`);
  await withCsv(lines.join("\n") + "\n", async (file) => {
    const optimizer = {
      kind: "sgd",
      epochs: 40,
      learningRate: 0.05,
      learningRateDecay: 0.9,
      batchSize: 32,
    } as const;
    const streamed = await fitStream(file, {
      optimizer,
      penalty,
      classWeight: "balanced",
      blockRows: 512,
      seed: 1,
    });
    const unstreamed = await fitStream(file, { optimizer, penalty, blockRows: 512, seed: 1 });
    // SGD with a decaying rate ends within its noise of the optimum. Measured over seeds 0-4:
    // the unweighted streamed fit ends 0.0004-0.0031 from its own optimum, the balanced one
    // 0.0011-0.0030 from fit's balanced optimum, while the two optima are 0.45 apart; 0.02 is
    // some six times the noise seen and a twentieth of that gap.
    const noise = maxDiff(p1(unstreamed.model), unweighted);
    assert.ok(noise < 0.01, `unweighted streamed fit is ${noise} from its optimum`);
    const err = maxDiff(p1(streamed.model), target);
    assert.ok(err < 0.02, `balanced streamed fit is ${err} from fit's balanced optimum`);
  });
});

Deno.test("fitStream checks its weights, naming the line, and refuses a sampleWeight that changes between passes", async () => {
  const text = ["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n";
  await withCsv(text, async (file) => {
    const run = (options: Parameters<typeof fitStream>[1]) =>
      fitStream(file, { label: "y", optimizer: { kind: "sgd", epochs: 2 }, ...options });
    await rejectsWith(
      () => run({ sampleWeight: [1, 2] as never }),
      TypeError,
      "Cannot fit model from stream: sampleWeight must be a function from a batch of rows to " +
        "their weights, got Array(2)",
    );
    await rejectsWith(
      () => run({ sampleWeight: () => [1, 2] }),
      TypeError,
      "Cannot fit model from stream: sampleWeight must return one weight per row of the batch " +
        "(7, lines 2-8), got Array(2)",
    );
    await rejectsWith(
      () => run({ sampleWeight: (b) => Array.from(b.lines, (l) => (l === 5 ? -1 : 1)) }),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave line 5 the weight -1; weights must be " +
        "finite numbers >= 0",
    );
    await rejectsWith(
      () => run({ sampleWeight: (b) => Array.from(b.lines, (l) => (l === 3 ? NaN : 1)) }),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave line 3 the weight NaN",
    );
    await rejectsWith(
      () => run({ sampleWeight: (b) => new Float64Array(b.x.rows) }),
      RangeError,
      "Cannot fit model from stream: every training row weighs 0 (sampleWeight); at least one " +
        "row must weigh more than 0",
    );
    await rejectsWith(
      () => run({ classWeight: { "0": 0, "1": 0 } }),
      RangeError,
      "Cannot fit model from stream: every training row weighs 0 (classWeight)",
    );
    await rejectsWith(
      () =>
        run({
          sampleWeight: (b) => Array.from(b.labels, (l) => (l === "1" ? 1 : 0)),
          classWeight: { "1": 0 },
        }),
      RangeError,
      "every training row weighs 0 (sampleWeight times classWeight)",
    );
    await rejectsWith(
      () => run({ sampleWeight: (b) => new Float64Array(b.x.rows).fill(1e308) }),
      RangeError,
      "Cannot fit model from stream: the row weights sum to Infinity, beyond float64",
    );
    await rejectsWith(
      () => run({ classWeight: "even" as never }),
      TypeError,
      'Cannot fit model from stream: classWeight must be "balanced" or an object from class ' +
        'labels to weights, got string "even"',
    );
    let calls = 0;
    await rejectsWith(
      () => run({ sampleWeight: (b) => new Float64Array(b.x.rows).fill(++calls) }),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave the rows of epoch 1 weights summing to 14, " +
        "but 7 in the pass before training; it must give each row the same weight every time " +
        "it is called",
    );
  });
});

Deno.test("fitStream checks sampleWeight's weights in every epoch as in the pass before training, naming line and epoch", async () => {
  const text = ["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n";
  await withCsv(text, async (file) => {
    // Call 1 is the pass before training, call k + 1 epoch k (one batch: 7 rows).
    const run = (weights: (batch: CsvBatch, call: number) => unknown) => {
      let calls = 0;
      return fitStream(file, {
        label: "y",
        optimizer: { kind: "sgd", epochs: 4 },
        sampleWeight: (b) => weights(b, ++calls) as number[],
      });
    };
    const ones = (b: CsvBatch) => Array.from(b.lines, () => 1);
    // A NaN or a negative weight in a later epoch: named by its line, not by its place in the
    // engine's block.
    await rejectsWith(
      () => run((b, call) => Array.from(b.lines, (l) => (call === 4 && l === 6 ? NaN : 1))),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave line 6 the weight NaN in epoch 3; " +
        "weights must be finite numbers >= 0",
    );
    await rejectsWith(
      () => run((b, call) => Array.from(b.lines, (l) => (call === 3 && l === 4 ? -2 : 1))),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave line 4 the weight -2 in epoch 2; " +
        "weights must be finite numbers >= 0",
    );
    // null read as every row weighing 1, and an array longer than the batch was taken: with
    // weights of 1, neither changed the sum the epochs are checked by.
    await rejectsWith(
      () => run((b, call) => (call === 3 ? null : ones(b))),
      TypeError,
      "Cannot fit model from stream: sampleWeight must return one weight per row of the batch " +
        "(7, lines 2-8) in epoch 2, got null",
    );
    await rejectsWith(
      () => run((b, call) => (call === 2 ? [...ones(b), 1] : ones(b))),
      TypeError,
      "Cannot fit model from stream: sampleWeight must return one weight per row of the batch " +
        "(7, lines 2-8) in epoch 1, got Array(8)",
    );
    await rejectsWith(
      () => run((b, call) => (call === 5 ? ones(b).slice(1) : ones(b))),
      TypeError,
      "(7, lines 2-8) in epoch 4, got Array(6)",
    );
  });
});

Deno.test("fitStream refuses a classWeight of the wrong form or with a bad number before its first pass over the file", async () => {
  const text = ["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n";
  await withCsv(text, async (file) => {
    const cases: [unknown, ErrorConstructor, string][] = [
      [
        "Balanced",
        TypeError,
        'Cannot fit model from stream: classWeight must be "balanced" or an object from class ' +
        'labels to weights, got string "Balanced"',
      ],
      [[1, 2], TypeError, "object from class labels to weights, got Array(2)"],
      [
        { "1": -1 },
        RangeError,
        'Cannot fit model from stream: classWeight of class "1" is -1; weights must be finite ' +
        "numbers >= 0",
      ],
      [{ "0": 1, "1": Infinity }, RangeError, 'classWeight of class "1" is Infinity'],
    ];
    for (const [classWeight, type, message] of cases) {
      // The scan would have read the whole file first: onScan is called after it.
      let scans = 0;
      await rejectsWith(
        () =>
          fitStream(file, { label: "y", classWeight: classWeight as never, onScan: () => scans++ }),
        type,
        message,
      );
      assert.equal(scans, 0, String(classWeight));
    }
    // A class name is checked against the classes the pass finds, so it waits for that pass.
    let scans = 0;
    await rejectsWith(
      () => fitStream(file, { label: "y", classWeight: { "2": 1 }, onScan: () => scans++ }),
      RangeError,
      'classWeight names class "2", which is not one of the classes ["0","1"]',
    );
    assert.equal(scans, 1);
  });
});

Deno.test("fitStream's pass for sampleWeight names a label the first pass did not see (the file changed), not a NaN sum", async () => {
  // 400000 rows (about 2.4 MB, far beyond what the reader holds ahead): the file is rewritten,
  // its "1" labels made "9" at the same length, when the pass reads its first batch, so that
  // pass's later batches hold a label the first pass never saw.
  const rows = Array.from({ length: 400000 }, (_, i) => `${(i % 7) / 4},${i % 2}`);
  const text = (label: string) =>
    ["a,y", ...rows.map((r) => r.replace(/1$/, label))].join("\n") + "\n";
  await withCsv(text("1"), async (file) => {
    let calls = 0;
    await rejectsWith(
      () =>
        fitStream(file, {
          label: "y",
          chunkBytes: 1024,
          optimizer: { kind: "sgd", epochs: 1 },
          sampleWeight: (b) => {
            if (++calls === 1) Deno.writeTextFileSync(file, text("9"));
            return new Float64Array(b.x.rows).fill(1);
          },
        }),
      RangeError,
      'Cannot fit model from stream: label "9" on line ',
    );
    // Refused in that pass (98 batches of 4096 rows), not in an epoch's.
    assert.ok(calls < 98, `${calls} calls`);
  });
  // The message in full, as the epochs give it.
  await withCsv(text("1"), async (file) => {
    const error = await fitStream(file, {
      label: "y",
      chunkBytes: 1024,
      sampleWeight: (b) => {
        Deno.writeTextFileSync(file, text("9"));
        return new Float64Array(b.x.rows).fill(1);
      },
    }).then(() => null, (e: Error) => e);
    assert.match(
      error?.message ?? "",
      /^Cannot fit model from stream: label "9" on line \d+ was not in the first pass \(the file changed\?\)$/,
    );
  });
});

Deno.test("fitStream resolves balanced class weights from its first pass's counts, and a classWeight function from that pass", async () => {
  const text = ["a,b,y", ...ROWS.map((r) => r.join(","))].join("\n") + "\n";
  await withCsv(text, async (file) => {
    const seen: { classes: readonly string[]; counts: number[] }[] = [];
    // 3 rows of "0", 4 of "1": balanced is 7 / (2 * 3) and 7 / (2 * 4); the same step as the
    // object with those numbers, and as the function that returns it.
    const common = {
      label: "y",
      optimizer: { kind: "sgd", epochs: 1, momentum: 0 },
      penalty: { kind: "none" },
    } as const;
    const balanced = await fitStream(file, { ...common, classWeight: "balanced" });
    const given = await fitStream(file, {
      ...common,
      classWeight: { "0": 7 / 6, "1": 7 / 8 },
    });
    const made = await fitStream(file, {
      ...common,
      classWeight: (scan) => {
        seen.push({ classes: scan.classes, counts: [...scan.classCounts] });
        return "balanced";
      },
    });
    assert.deepEqual(seen, [{ classes: ["0", "1"], counts: [3, 4] }]);
    assert.deepEqual(balanced.model.weights.data, given.model.weights.data);
    assert.deepEqual(made.model.weights.data, given.model.weights.data);
    const plain = await fitStream(file, common);
    assert.notDeepEqual(plain.model.weights.data, given.model.weights.data);
  });
});

Deno.test("scanCsv counts the rows of each class, label cells that read as one class together", async () => {
  await withCsv("a,y\n1,2\n2,2.0\n3,1\n4,2\n5,1e0\n6,3\n", async (file) => {
    const scan = await scanCsv(file, { rowFilter: (r) => r !== 3 });
    assert.deepEqual(scan.classes, ["1", "2", "3"]);
    // Row 3 (0-based: "4,2") is filtered out; "1" and "1e0" are class "1", "2" and "2.0" "2".
    assert.deepEqual([...scan.classCounts], [2, 2, 1]);
  });
});

Deno.test("fitStream's refusals of weightColumn's values name the column, not sampleWeight", async () => {
  // Column w after the features; a list of weights per line (line 2 is the first row).
  const csv = (w: readonly number[]) =>
    ["a,b,w,y", ...ROWS.map((r, i) => `${r[0]},${r[1]},${w[i]},${r[2]}`)].join("\n") + "\n";
  const run = (file: string, options: Parameters<typeof fitStream>[1]) =>
    fitStream(file, { label: "y", optimizer: { kind: "sgd", epochs: 2 }, ...options });
  await withCsv(csv([1, 1, 1, -1, 1, 1, 1]), async (file) => {
    await rejectsWith(
      () => run(file, { weightColumn: "w" }),
      RangeError,
      `Cannot fit model from stream: weightColumn "w" gave line 5 the weight -1; weights must be ` +
        "finite numbers >= 0",
    );
    await rejectsWith(
      () => run(file, { weightColumn: 2 }),
      RangeError,
      "Cannot fit model from stream: weightColumn 2 gave line 5 the weight -1",
    );
    // sampleWeight, given, is what gave the weights.
    await rejectsWith(
      () => run(file, { weightColumn: "w", sampleWeight: (b) => b.weights! }),
      RangeError,
      "Cannot fit model from stream: sampleWeight gave line 5 the weight -1",
    );
  });
  await withCsv(csv([0, 0, 0, 0, 0, 0, 0]), async (file) => {
    await rejectsWith(
      () => run(file, { weightColumn: "w" }),
      RangeError,
      `Cannot fit model from stream: every training row weighs 0 (weightColumn "w"); at least ` +
        "one row must weigh more than 0",
    );
  });
  // Rows of class 1 weigh 0 by the column, class 0 by classWeight.
  await withCsv(csv(ROWS.map((r) => r[2])), async (file) => {
    await rejectsWith(
      () => run(file, { weightColumn: "w", classWeight: { "0": 1, "1": 0 } }),
      RangeError,
      `Cannot fit model from stream: every training row weighs 0 (weightColumn "w" times ` +
        "classWeight)",
    );
  });
});
