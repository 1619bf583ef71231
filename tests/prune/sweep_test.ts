import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { fineTune } from "../../lib/prune/retrain.ts";
import { PRUNE_STRATEGIES, pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { pruneSweep, type PruneSweepOptions, type PruneSweepRow } from "../../lib/prune/sweep.ts";

const digits = await loadEmbedded("digits");
const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.25, seed: 2 });
const train = { x: split.xTrain, y: split.yTrain };
const test = { x: split.xTest, y: split.yTest };
const dense = fit(train.x, train.y, {
  classes: digits.classes,
  penalty: { kind: "l2", lambda: 1e-3 },
  optimizer: { kind: "lbfgs", maxIterations: 40 },
}).model;
const tune = { optimizer: { kind: "lbfgs", maxIterations: 10 } } as const;

Deno.test("every row is the model pruneWithStrategy and fineTune give, measured on the test data", () => {
  const progress: number[] = [];
  const rows = pruneSweep(dense, { train, test }, {
    sparsities: [0.5, 0.9],
    l2: 1e-3,
    seed: 7,
    fineTune: tune,
    onProgress: (_, done, total) => progress.push(done / total),
  });
  assert.equal(rows.length, PRUNE_STRATEGIES.length * 2 * 2);
  assert.deepEqual(progress, rows.map((_, i) => (i + 1) / rows.length));
  let i = 0;
  for (const strategy of PRUNE_STRATEGIES) {
    for (const fraction of [0.5, 0.9]) {
      const pruned = pruneWithStrategy(dense, strategy, {
        fraction,
        data: train,
        l2: 1e-3,
        seed: 7,
      });
      const tuned = fineTune(pruned, train, tune).model;
      const [a, b] = [rows[i++], rows[i++]];
      for (const [row, expected, fineTuned] of [[a, pruned, false], [b, tuned, true]] as const) {
        assert.equal(row.strategy, strategy);
        assert.equal(row.sparsity, fraction);
        assert.equal(row.fineTuned, fineTuned);
        assert.deepEqual(row.model.mask, pruned.mask, `${strategy} ${fraction}`);
        assert.deepEqual(row.model.weights.data, expected.weights.data, `${strategy} ${fraction}`);
        assert.equal(row.accuracy, accuracy(test.y, predict(expected, test.x)));
        // Exact counts: round(f * 640) globally, round(f * 64) in each of the 10 rows per class.
        const removed = row.scope === "global"
          ? Math.round(fraction * 640)
          : 10 * Math.round(fraction * 64);
        assert.equal(row.achievedSparsity, removed / 640);
      }
    }
  }
});

Deno.test("a sweep without fine-tuning has one row per strategy and sparsity, in order", () => {
  const rows = pruneSweep(dense, { train, test }, {
    strategies: ["random", "magnitude"],
    sparsities: [0.2, 0.6, 0.95],
  });
  assert.deepEqual(
    rows.map((r: PruneSweepRow) => [r.strategy, r.sparsity, r.fineTuned, r.scope]),
    [
      ["random", 0.2, false, "global"],
      ["random", 0.6, false, "global"],
      ["random", 0.95, false, "global"],
      ["magnitude", 0.2, false, "global"],
      ["magnitude", 0.6, false, "global"],
      ["magnitude", 0.95, false, "global"],
    ],
  );
  // Magnitude beats the random control at high sparsity on this problem.
  assert.ok(rows[5].accuracy > rows[2].accuracy, `${rows[5].accuracy} vs ${rows[2].accuracy}`);
});

Deno.test("compensation and scope reach the pruned models", () => {
  // On raw pixels (not centred) compensation moves the bias.
  const raw = fit(train.x, train.y, {
    classes: digits.classes,
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  }).model;
  const [plain] = pruneSweep(raw, { train, test }, {
    strategies: ["magnitude"],
    sparsities: [0.8],
  });
  const [compensated] = pruneSweep(raw, { train, test }, {
    strategies: ["magnitude"],
    sparsities: [0.8],
    compensate: true,
    scope: "per-class",
  });
  const expected = pruneWithStrategy(raw, "magnitude", {
    fraction: 0.8,
    compensate: train.x,
    scope: "per-class",
  });
  assert.equal(compensated.scope, "per-class");
  assert.deepEqual(compensated.model.bias, expected.bias);
  assert.notDeepEqual(compensated.model.bias, plain.model.bias);
  // L1's soft threshold too (it was left uncompensated): the row is pruneWithStrategy's model.
  const [l1Plain, l1Compensated] = [false, true].map((compensate) =>
    pruneSweep(raw, { train, test }, { strategies: ["l1"], sparsities: [0.8], compensate })[0]
  );
  const l1Expected = pruneWithStrategy(raw, "l1", { fraction: 0.8, compensate: train.x });
  assert.deepEqual(l1Compensated.model.bias, l1Expected.bias);
  assert.deepEqual(l1Compensated.model.weights.data, l1Expected.weights.data);
  assert.notDeepEqual(l1Compensated.model.bias, l1Plain.model.bias);
});

Deno.test("bad strategies, sparsities, scopes and data are refused", () => {
  const data = { train, test };
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pruneSweep(dense, data, { strategies: ["size" as any] }),
    { name: "RangeError", message: /unknown strategy 'size'/ },
  );
  // Refused by the sweep before any model is pruned (a bare RangeError was also pruneMask's
  // refusal of fraction 1.5, reached after the rows before it were measured).
  assert.throws(
    () => pruneSweep(dense, data, { sparsities: [0.5, 1.5] }),
    /^RangeError: Cannot run pruning sweep: sparsity must be a number in \[0, 1\], got 1\.5$/,
  );
  // Refused whatever the strategies (it passed when obd was not among them).
  assert.throws(
    () => pruneSweep(dense, data, { strategies: ["magnitude"], sparsities: [0.5], l2: -1 }),
    {
      name: "RangeError",
      message:
        /^Cannot run pruning sweep: l2 must be a number in \[0, 1\.7976931348623157e\+308\], got -1$/,
    },
  );
  // An infinite l2 too, in the sweep's words, as lossDerivatives and fit refuse it: it was taken,
  // then refused by lossDerivatives ("Cannot compute loss derivatives") for obd, and not at all
  // without obd.
  for (const strategies of [["obd"], ["magnitude"]] as const) {
    assert.throws(
      () =>
        pruneSweep(dense, data, { strategies: [...strategies], sparsities: [0.5], l2: Infinity }),
      {
        name: "RangeError",
        message:
          /^Cannot run pruning sweep: l2 must be a number in \[0, 1\.7976931348623157e\+308\], got Infinity$/,
      },
    );
  }
  // Refused whatever the strategies, before any row (random's generator refused NaN after the
  // magnitude rows before it, as "Cannot create random generator", and a magnitude-only sweep
  // took it).
  for (const strategies of [["magnitude", "random"], ["magnitude"]] as const) {
    let done = 0;
    assert.throws(
      () =>
        pruneSweep(dense, data, {
          strategies,
          sparsities: [0.5],
          seed: NaN,
          onProgress: () => done++,
        }),
      /^TypeError: Cannot run pruning sweep: seed must be a finite number, got number NaN$/,
    );
    assert.equal(done, 0);
  }
  // Not arrays: "sparsities is not iterable", and a string's characters as strategies.
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pruneSweep(dense, data, { sparsities: 0.5 as any }),
    /^TypeError: Cannot run pruning sweep: sparsities must be an array, got /,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pruneSweep(dense, data, { strategies: "magnitude" as any }),
    /^TypeError: Cannot run pruning sweep: strategies must be an array, got /,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => pruneSweep(dense, data, { scope: "row" as any }),
    /^RangeError: Cannot run pruning sweep: scope must be global or per-class, got 'row'$/,
  );
  const narrow = { x: { data: new Float64Array(4), rows: 2, cols: 2 }, y: Int32Array.of(0, 1) };
  // The sweep checks the test data before pruning (a bare TypeError was also the predictor's,
  // reached after the first model was pruned).
  assert.throws(
    () => pruneSweep(dense, { train, test: narrow }),
    /^TypeError: Cannot run pruning sweep: the model takes 64 features, data\.test\.x has 2$/,
  );
  // Each set by its name (both read "data.x has 2").
  assert.throws(
    () => pruneSweep(dense, { train: narrow, test }),
    /^TypeError: Cannot run pruning sweep: the model takes 64 features, data\.train\.x has 2$/,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => pruneSweep(dense, null as any), /^TypeError: Cannot run pruning sweep: /);
});

Deno.test("fine-tuning options that are not an object or have an unknown key are refused before any row", () => {
  // fineTune refused them only when the first pruned row was done and reported.
  const cases: [unknown, string][] = [
    [true, "fineTune must be an object, got boolean true"],
    [{ epochs: 3 }, "unknown option 'epochs' in fineTune"],
  ];
  for (const [fineTune, message] of cases) {
    let done = 0;
    assert.throws(
      () =>
        pruneSweep(dense, { train, test }, {
          strategies: ["magnitude"],
          sparsities: [0.5],
          fineTune: fineTune as PruneSweepOptions["fineTune"],
          onProgress: () => done++,
        }),
      { name: "TypeError", message: new RegExp(`^Cannot run pruning sweep: ${message}`) },
    );
    assert.equal(done, 0);
  }
});

Deno.test("a pre-masked model's rows report the sparsity of their own masks, which extend it", () => {
  const premasked = pruneWithStrategy(dense, "magnitude", { fraction: 0.3 });
  const rows = pruneSweep(premasked, { train, test }, {
    strategies: ["magnitude", "random"],
    sparsities: [0.5, 0.9],
  });
  assert.equal(rows.length, 4);
  for (const row of rows) {
    const mask = row.model.mask!;
    let zeros = 0;
    for (let i = 0; i < mask.length; i++) {
      if (premasked.mask![i] === 0) assert.equal(mask[i], 0, "a removed weight stays removed");
      if (mask[i] === 0) zeros++;
    }
    assert.equal(row.achievedSparsity, zeros / mask.length, `${row.strategy} ${row.sparsity}`);
    assert.equal(zeros, Math.round(row.sparsity * 640));
  }
});

Deno.test("without sparsities the sweep removes the documented 50, 70, 80, 90, 95 and 98 %", () => {
  const rows = pruneSweep(dense, { train, test }, { strategies: ["magnitude"] });
  assert.deepEqual(rows.map((r) => r.sparsity), [0.5, 0.7, 0.8, 0.9, 0.95, 0.98]);
  // Global magnitude pruning of the 640 weights: round(f * 640) removed, as the fraction says.
  const n = dense.weights.data.length;
  assert.deepEqual(
    rows.map((r) => r.achievedSparsity),
    [0.5, 0.7, 0.8, 0.9, 0.95, 0.98].map((f) => Math.round(f * n) / n),
  );
});

Deno.test("a strategy or sparsity given twice is refused before any row", () => {
  // The rows of the repeat were computed twice, and then refused by sparsityFigure and
  // pivotRows as two accuracies at one point.
  let done = 0;
  const onProgress = () => done++;
  assert.throws(
    () =>
      pruneSweep(dense, { train, test }, {
        strategies: ["magnitude", "random", "magnitude"],
        sparsities: [0.5],
        onProgress,
      }),
    {
      name: "RangeError",
      message:
        'Cannot run pruning sweep: strategies[0] and strategies[2] are both "magnitude"; give ' +
        "each once",
    },
  );
  assert.throws(
    () =>
      pruneSweep(dense, { train, test }, {
        strategies: ["magnitude"],
        sparsities: [0.5, 0.9, 0.5],
        onProgress,
      }),
    {
      name: "RangeError",
      message:
        "Cannot run pruning sweep: sparsities[0] and sparsities[2] are both 0.5; give each once",
    },
  );
  // Next to each other too.
  assert.throws(
    () =>
      pruneSweep(dense, { train, test }, {
        strategies: ["random", "random"],
        sparsities: [0.9, 0.9],
        onProgress,
      }),
    {
      name: "RangeError",
      message:
        'Cannot run pruning sweep: strategies[0] and strategies[1] are both "random"; give each ' +
        "once",
    },
  );
  assert.equal(done, 0);
  // Close but different sparsities are different rows.
  const rows = pruneSweep(dense, { train, test }, {
    strategies: ["magnitude"],
    sparsities: [0.5, 0.5000001],
  });
  assert.deepEqual(rows.map((r) => r.sparsity), [0.5, 0.5000001]);
});
