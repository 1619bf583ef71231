/**
 * Documented rules of the compression session's context, each checked against a hand-worked
 * oracle (found missing by a mutation audit of lib/compress/context.ts and session.ts).
 */

import assert from "node:assert/strict";
import { compressModel, createCompressionSession } from "../../lib/compress/mod.ts";
import { matrix } from "../../lib/core/matrix.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { FAST, splitSet } from "./_data.ts";

const cancer = await splitSet("breast-cancer");
const digits = await splitSet("digits");

/** Without fine-tuning the pruned stage is the pruned model itself. */
const UNTUNED = {
  fineTune: false,
  denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 50 } },
} as const;

Deno.test("a prune step without fraction or count removes half (PruneSpec.fraction's default)", () => {
  // Oracle: PruneSpec.fraction's @default of 0.5 worked by hand: half of breast cancer's 30
  // weights is 15, so 15 stay non-zero (magnitude pruning without fine-tuning zeroes only them).
  const s = createCompressionSession(cancer.train, UNTUNED);
  assert.equal(s.denseReport.nonZeros, 30);
  for (const prune of [{}, { strategy: "magnitude" }, { scope: "global" }] as const) {
    const pruned = s.compress({ prune, quantize: false }).stages[1];
    assert.equal(pruned.stage, "pruned");
    assert.equal(pruned.nonZeros, 15, JSON.stringify(prune));
  }
});

Deno.test("a prune step compensates by default: the removed weights' mean contribution goes to the bias", () => {
  // Oracle: PruneSpec.compensate's @default (true) worked by hand on a model without
  // standardisation: bias + sum over removed j of w_j * mean of x_j over the training data;
  // compensate: false leaves the bias as it was. Tolerance: the float32 bias of the file.
  const s = createCompressionSession(cancer.train, {
    ...UNTUNED,
    denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 50 }, preprocessing: "none" },
  });
  const { x } = s.trainData;
  const dense = s.dense;
  const bias = (compensate?: boolean) => {
    const prune = compensate === undefined ? { fraction: 0.5 } : { fraction: 0.5, compensate };
    const m = asFloatModel(s.compress({ prune, quantize: false }).model);
    return { bias: m.bias[0], mask: m.mask! };
  };
  const byDefault = bias();
  let shift = 0;
  for (let j = 0; j < x.cols; j++) {
    if (byDefault.mask[j] !== 0) continue;
    let sum = 0;
    for (let i = 0; i < x.rows; i++) sum += x.data[i * x.cols + j];
    shift += dense.weights.data[j] * sum / x.rows;
  }
  const expected = dense.bias[0] + shift;
  // The shift must be large enough for the comparison to tell the two apart.
  assert.ok(Math.abs(shift) > 0.1, `shift ${shift}`);
  assert.ok(Math.abs(byDefault.bias - expected) <= 1e-6 * Math.abs(expected));
  assert.equal(bias(false).bias, Math.fround(dense.bias[0]));
});

Deno.test("a prune count may remove every weight there is, and no more: of the matrix, or of a class row", () => {
  // Oracle: checkPruneCount's documented rule, "at most the weights of a class row (per class),
  // of the matrix (global)", worked by hand: breast cancer has 1 x 30 weights, digits 10 x 64.
  const s = createCompressionSession(cancer.train, UNTUNED);
  const all = s.compress({ prune: { count: 30 }, quantize: false });
  assert.equal(all.stages[1].nonZeros, 0);
  const row = s.compress({ prune: { count: 30, scope: "per-class" }, quantize: false });
  assert.equal(row.stages[1].nonZeros, 0);
  // Per class, a digits row has 64 weights: 65 is refused (before training), though the matrix
  // has 640.
  assert.throws(
    () => compressModel(digits.train, { prune: { count: 65, scope: "per-class" } }),
    (e) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot compress model: prune count 65 exceeds the 64 weights of each class row of the model",
  );
  assert.throws(
    () => compressModel(digits.train, { prune: { count: 641 } }),
    /^RangeError: Cannot compress model: prune count 641 exceeds the 640 weights of the model$/,
  );
});

Deno.test("auto storage folds a quantized model when folding ties with compact on validation accuracy", () => {
  // Oracle: PreprocessingStorage's documented rule, "folds unless folding has the lower
  // validation accuracy", applied to the fold and compact sessions' own reports: float16 weights
  // of breast cancer classify the validation data alike both ways, so auto must fold.
  const [auto, fold, compact] = (["auto", "fold", "compact"] as const).map((storage) =>
    createCompressionSession(cancer.train, { ...FAST, preprocessingStorage: storage }).compress({
      prune: false,
      quantize: { method: { kind: "float16" }, training: "ptq" },
    })
  );
  assert.equal(fold.stages[1].validation.accuracy, compact.stages[1].validation.accuracy);
  assert.notDeepEqual(fold.file, compact.file);
  assert.equal(auto.stages[1].preprocessing, "folded");
  assert.deepEqual(auto.file, fold.file);
});

Deno.test("a feature-pruned level reports one global ranking, whatever the strategy's scope for weights", () => {
  // Oracle: PruneSpec.scope is for weights only (a feature is a column across every class row,
  // ranked once): taylor and obd default to per-class for weights, but whole features are
  // reported as ranked globally, and the weights of those levels as per-class. Digits: with one
  // output row (breast cancer) a features level makes its weights level's model, listed once.
  const s = createCompressionSession(digits.train, { fineTune: false });
  const r = s.sweep({
    strategies: ["taylor", "obd", "magnitude"],
    structures: ["features", "weights"],
    sparsities: [0.5],
    methods: [{ kind: "float16" }],
    training: ["ptq"],
  });
  const pruned = r.rows.filter((row) => row.prune !== null);
  assert.equal(pruned.length, 3 * 2 * 2);
  for (const row of pruned) {
    const want = row.prune!.structure === "features" || row.prune!.strategy === "magnitude"
      ? "global"
      : "per-class";
    assert.equal(row.prune!.scope, want, row.name);
  }
});

Deno.test("validation or test data without samples are refused by name", () => {
  // Oracle: an accuracy over no samples is 0 / 0; the session says which data are empty.
  const empty = { x: matrix(new Float64Array(0), 0, 30), y: new Int32Array(0) };
  for (const name of ["validation", "test"] as const) {
    assert.throws(
      () => createCompressionSession(cancer.train, { ...UNTUNED, [name]: empty }),
      (e) =>
        e instanceof RangeError && e.message === `Cannot compress model: ${name} has no samples`,
    );
  }
  assert.throws(
    () => createCompressionSession({ ...cancer.train, ...empty }, UNTUNED),
    /^RangeError: Cannot compress model: data has no samples$/,
  );
});

Deno.test("a test label outside the classes is refused by its data and row, like a training or validation one", () => {
  // Oracle: breast cancer has the two classes 0 and 1; a 2 at row 3 indexes none of them.
  const y = cancer.test.y.slice();
  y[3] = 2;
  assert.throws(
    () => createCompressionSession(cancer.train, { ...UNTUNED, test: { x: cancer.test.x, y } }),
    /^RangeError: Cannot compress model: test\.y\[3\] is 2, expected in 0\.\.1$/,
  );
});

Deno.test("a binary model's prune count is checked against its one row of weights before training", () => {
  // Oracle: a two-class model has one weight row (30 weights for breast cancer), so a count of
  // 31 is refused before the dense model is trained: no training progress is reported.
  const phases: string[] = [];
  assert.throws(
    () =>
      compressModel(cancer.train, {
        ...UNTUNED,
        prune: { count: 31 },
        onProgress: (p) => phases.push(p.phase),
      }),
    /^RangeError: Cannot compress model: prune count 31 exceeds the 30 weights of the model$/,
  );
  assert.deepEqual(phases, []);
});

Deno.test("a validation label outside the named classes is refused by row before training", () => {
  // Oracle: breast cancer names two classes, so a 2 at row 3 of the validation labels indexes
  // none of them; it is refused at once (no training progress), not by the log loss of the
  // first model measured after the dense model was trained.
  const y = cancer.test.y.slice();
  y[3] = 2;
  const phases: string[] = [];
  assert.throws(
    () =>
      createCompressionSession(cancer.train, {
        ...UNTUNED,
        validation: { x: cancer.test.x, y },
        onProgress: (p) => phases.push(p.phase),
      }),
    /^RangeError: Cannot compress model: validation\.y\[3\] is 2, expected in 0\.\.1$/,
  );
  assert.deepEqual(phases, []);
});

Deno.test("a prune fraction of exactly 1 is refused before training: fractions lie in [0, 1)", () => {
  // Oracle: PruneSpec.fraction is documented in [0, 1); 1 would remove every weight. Checked by
  // compressModel before the dense model is trained, and by a session's compress.
  for (const compress of [true, false]) {
    const phases: string[] = [];
    const run = () =>
      compress
        ? compressModel(cancer.train, {
          ...UNTUNED,
          prune: { fraction: 1 },
          onProgress: (p) => phases.push(p.phase),
        })
        : createCompressionSession(cancer.train, UNTUNED).compress({ prune: { fraction: 1 } });
    assert.throws(
      run,
      /^RangeError: Cannot compress model: prune fraction must be a number in \[0, 1\), got 1$/,
    );
    assert.deepEqual(phases, []);
  }
});

Deno.test("a training label outside the named classes is refused at the caller's row, not the split's", () => {
  // Oracle: breast cancer names two classes; a 2 put at row 10 of the data indexes none of them.
  // The check ran after the validation split had shuffled the rows and named row 4 of the
  // training part ("label at row 4"), which is no row of the data the caller holds. Every row
  // from 0 to 29 is tried, so a split that happens to keep one row in place does not pass.
  for (let row = 0; row < 30; row++) {
    const y = cancer.train.y.slice();
    y[row] = 2;
    assert.throws(
      () => createCompressionSession({ ...cancer.train, y }, UNTUNED),
      new RegExp(
        `^RangeError: Cannot compress model: data\\.y\\[${row}\\] is 2, expected in 0\\.\\.1$`,
      ),
    );
  }
  // Negative labels are named by their data too.
  const y = cancer.test.y.slice();
  y[5] = -1;
  assert.throws(
    () =>
      createCompressionSession(cancer.train, { ...UNTUNED, validation: { x: cancer.test.x, y } }),
    /^RangeError: Cannot compress model: validation\.y\[5\] is -1, expected a non-negative integer$/,
  );
});

Deno.test("feature names that do not fit the data are refused by their option, before training", () => {
  // Oracle: breast cancer has 30 columns; 29 names, or a name given twice, describe no model of
  // them. The dense model's training refused them as "Cannot fit model: 29 feature names for 30
  // columns of x", naming neither the call nor the option.
  const names = cancer.train.featureNames!;
  const cases: [string[], RegExp][] = [
    [
      names.slice(1),
      /^TypeError: Cannot compress model: data\.featureNames has 29 names for data\.x's 30 columns$/,
    ],
    [
      [...names.slice(0, 29), names[3]],
      /^TypeError: Cannot compress model: data\.featureNames repeat a name: columns 3 and 29 are both named "mean area"$/,
    ],
  ];
  for (const [featureNames, message] of cases) {
    const phases: string[] = [];
    assert.throws(
      () =>
        createCompressionSession({ ...cancer.train, featureNames }, {
          ...UNTUNED,
          onProgress: (p) => phases.push(p.phase),
        }),
      message,
    );
    assert.deepEqual(phases, []);
  }
});

Deno.test("a session's entropy that is not a boolean is refused with the value given", () => {
  // Oracle: the value passed, as every other boolean option of the session shows it.
  assert.throws(
    () => createCompressionSession(cancer.train, { ...UNTUNED, entropy: "yes" as never }),
    /^TypeError: Cannot compress model: entropy must be a boolean, got string "yes"$/,
  );
});

Deno.test("an option given as a field of the data is refused, not ignored", () => {
  // { ...data, test } read as the data: its test set was never scored (test metrics null), and
  // a seed, sample weights or a pruning step there were dropped the same way.
  const test = { x: cancer.test.x, y: cancer.test.y };
  for (
    const [key, value] of [
      ["test", test],
      ["seed", 3],
      ["validationFraction", 0.3],
      ["prune", false],
    ] as const
  ) {
    const data = { ...cancer.train, [key]: value };
    const message = `Cannot compress model: data.${key} is an option, not part of the data, and ` +
      `would be ignored there; give it in the options (the second argument: { ${key} })`;
    assert.throws(() => createCompressionSession(data, UNTUNED), { name: "TypeError", message });
    assert.throws(() => compressModel(data, UNTUNED), { name: "TypeError", message });
  }
  // Fields that are no option (a data set's own name, say) are still not read, and an option
  // key holding undefined (a spread of { test: undefined }) gives nothing to ignore.
  const session = createCompressionSession(
    { ...cancer.train, name: "breast cancer", test: undefined } as never,
    { ...UNTUNED, test },
  );
  assert.equal(session.denseReport.test?.samples, test.y.length);
});
