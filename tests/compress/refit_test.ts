import assert from "node:assert/strict";
import {
  candidateRecipe,
  createCompressionSession,
  createRefitSession,
  refitCompression,
  type SweepResult,
} from "../../lib/compress/mod.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { FAST, splitSet } from "./_data.ts";

// Standardised (the default), so quantized models are stored folded or compact as validation
// decides, which a recipe must carry; both structures, iterative levels, PTQ and QAT, k-means.
// Features first: with one output row pruning weights makes the same models, listed once under
// the first structure's name.
const cancer = await splitSet("breast-cancer");
const SPACE = {
  sparsities: [0, 0.5, 0.8],
  iterative: true,
  structures: ["features", "weights"] as const,
  methods: [{ kind: "uniform" }, { kind: "uniform", scheme: "affine" }, {
    kind: "kmeans",
  }] as const,
  bits: [2, 4],
};
const session = createCompressionSession(cancer.train, { ...FAST, seed: 3 });
const sweep: SweepResult = session.sweep(SPACE);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test("the sweep covers what recipes must carry: rounds, features, QAT, both stored forms", () => {
  const rows = sweep.rows;
  assert.ok(rows.some((r) => (r.prune?.rounds.length ?? 0) > 1));
  assert.ok(rows.some((r) => r.prune?.structure === "features"));
  assert.ok(rows.some((r) => r.quantization?.training === "qat"));
  assert.ok(rows.some((r) => r.preprocessing === "folded"));
  assert.ok(rows.some((r) => r.preprocessing === "compact"));
});

Deno.test("a recipe makes its model again, byte for byte, in a fresh session with the same settings", () => {
  const fresh = createCompressionSession(cancer.train, { ...FAST, seed: 3 });
  for (let i = 0; i < sweep.rows.length; i++) {
    const recipe = candidateRecipe(sweep.rows[i]);
    // The session decided the storage ("auto"); the recipe records its decision.
    const stored = sweep.rows[i].preprocessing;
    const expected = { none: "auto", folded: "fold", compact: "compact", kept: "keep" }[stored];
    assert.equal(recipe.preprocessingStorage, expected);
    // Through JSON: a recipe is plain data.
    const { prune, quantize } = JSON.parse(JSON.stringify(recipe));
    const again = fresh.compress({ prune, quantize });
    assert.ok(sameBytes(again.file, fileOf(i)), sweep.rows[i].name);
  }
});

/** The file of a sweep row: its stored model, encoded. */
function fileOf(i: number): Uint8Array {
  return encodeModel(sweep.models[i]);
}

Deno.test("a refit on the session's own training data, from its dense model, makes every sweep model again", () => {
  // The refit session holds nothing out and decides no storage: with the recipe's storage the
  // models depend on the training data and the dense model only.
  const { denseTraining: _training, ...tuning } = FAST;
  const refit = createRefitSession(session.trainData, { ...tuning, model: session.dense, seed: 3 });
  let folded = 0, compact = 0;
  for (let i = 0; i < sweep.rows.length; i++) {
    const made = refit.refit(sweep.rows[i]);
    assert.ok(sameBytes(made.file, fileOf(i)), sweep.rows[i].name);
    assert.equal(made.stages.at(-1)!.bytes, sweep.rows[i].bytes);
    if (sweep.rows[i].preprocessing === "folded") folded++;
    if (sweep.rows[i].preprocessing === "compact") compact++;
  }
  assert.ok(folded > 0 && compact > 0);
});

Deno.test("a refit on all the data trains the dense model on all of it and makes the recipe's steps", async () => {
  const all = await loadEmbedded("breast-cancer");
  const r = session.search({ ...SPACE, maxDrop: 0.02 });
  const refit = createRefitSession(all, { ...FAST, seed: 3 });
  // The dense model a session trains on all the data when validation data are given.
  const reference = createCompressionSession(all, {
    ...FAST,
    seed: 3,
    validation: { x: cancer.test.x, y: cancer.test.y },
  });
  assert.deepEqual(refit.dense, reference.dense);
  const made = refit.refit(r.chosen);
  // The dense row's time is what trained the dense model, whichever storage the recipe took.
  assert.ok(made.stages[0].seconds > 0);
  const last = made.stages.at(-1)!;
  assert.equal(last.validation.samples, all.x.rows);
  assert.equal(last.bits, r.chosen.bits);
  assert.equal(last.storage, r.chosen.storage);
  const weights = r.chosen.weights;
  if (r.chosen.prune !== null) {
    const pruned = made.stages.find((s) => s.stage === "pruned")!;
    // The same level on the same shape removes as many weights (or features).
    assert.equal(pruned.nonZeros, Math.round((1 - r.chosen.prune.sparsity) * weights));
  }
  // One call does the same as a session.
  assert.ok(sameBytes(refitCompression(all, r.chosen, { ...FAST, seed: 3 }).file, made.file));
});

Deno.test("rounds listed as amounts give the rounds of the cubic schedule they list", () => {
  const byNumber = session.compress({
    prune: { fraction: 0.9, rounds: 3 },
    quantize: false,
  });
  const rounds = byNumber.stages.find((s) => s.stage === "pruned")!.name;
  // "magnitude 63.3/86.7/90 % of weights": the cubic schedule's amounts.
  assert.match(rounds, /63\.3\/86\.7\/90 %/);
  const listed = session.compress({
    prune: { rounds: [0.633, 0.867, 0.9] },
    quantize: false,
  });
  assert.ok(sameBytes(listed.file, byNumber.file));
  const counted = session.compress({ prune: { count: 12, rounds: [5, 9, 12] }, quantize: false });
  assert.match(counted.stages.find((s) => s.stage === "pruned")!.name, /5\/9\/12 weights/);
});

Deno.test("bad lists of rounds and bad refit input are refused with the reason", () => {
  const bad: [unknown, RegExp][] = [
    [{ rounds: [] }, /takes 1 to 100 amounts, got 0/],
    [{ rounds: [0.5, 0.5] }, /strictly ascending, got 0.5 then 0.5/],
    [{ rounds: [0.5, "0.8"] }, /rounds\[1\] must be a number/],
    [{ rounds: [0.5, 1] }, /rounds\[1\] must be a number in/],
    [
      { fraction: 0.9, rounds: [0.5, 0.8] },
      /last of prune rounds \(0.8\) must be the step's fraction \(0.9\)/,
    ],
    [{ count: 10, rounds: [2.5, 10] }, /rounds\[0\] must be an integer/],
    [{ strategy: "random", rounds: [0.5, 0.8] }, /do not apply to random pruning/],
  ];
  for (const [prune, message] of bad) {
    assert.throws(
      () => session.compress({ prune: prune as never, quantize: false }),
      message,
      JSON.stringify(prune),
    );
  }
  assert.throws(() => candidateRecipe({} as never), /expected a sweep's or search's model report/);
  assert.throws(
    () => createRefitSession(cancer.train, { validationFraction: 0.2 } as never),
    /validationFraction/,
  );
  assert.throws(
    () => createRefitSession(cancer.train, { preprocessingStorage: "keep" } as never),
    /preprocessingStorage/,
  );
});

Deno.test("a recipe with a step or its storage left out is refused, not made with the defaults", () => {
  const { denseTraining: _training, ...tuning } = FAST;
  const refit = createRefitSession(session.trainData, { ...tuning, model: session.dense, seed: 3 });
  const bad: [unknown, RegExp][] = [
    // Without the check, a missing prune made the pipeline's default: magnitude 50 %.
    [{ quantize: false, preprocessingStorage: "auto" }, /prune is missing/],
    // ... and a missing quantize its default 4-bit QAT.
    [{ prune: false, quantize: undefined, preprocessingStorage: "auto" }, /quantize is missing/],
    // ... and a missing storage "auto".
    [
      { prune: false, quantize: false, preprocessingStorage: undefined },
      /preprocessingStorage is missing/,
    ],
    [
      { prune: false, quantize: false, preprocessingStorage: "none" },
      /recipe preprocessingStorage must be auto, fold, compact, keep, got string "none"/,
    ],
    [
      { prunes: { fraction: 0.9 }, prune: false, quantize: false, preprocessingStorage: "auto" },
      /unknown option 'prunes' in recipe/,
    ],
  ];
  for (const [recipe, message] of bad) {
    assert.throws(() => refit.refit(recipe as never), message, JSON.stringify(recipe));
  }
});

Deno.test("a report that does not say how its model was made is refused by candidateRecipe", () => {
  const row = sweep.rows.find((r) => r.prune !== null && r.quantization !== null)!;
  const bad: [unknown, RegExp][] = [
    // A report written before quantization.settings was reported gave { method: {} }.
    [
      { ...row, quantization: { ...row.quantization, settings: undefined } },
      /quantization\.settings/,
    ],
    [{ ...row, prune: { ...row.prune, rounds: undefined } }, /prune\.rounds/],
    [{ ...row, prune: { ...row.prune, compensate: undefined } }, /prune\.compensate/],
    // Each of these left out was the pipeline's default: an obd, feature or per-class row, or a
    // QAT one, was made again as another model without a word.
    [{ ...row, prune: { ...row.prune, strategy: undefined } }, /prune\.strategy must be given/],
    [{ ...row, prune: { ...row.prune, structure: undefined } }, /prune\.structure must be given/],
    [{ ...row, prune: { ...row.prune, scope: undefined } }, /prune\.scope must be given/],
    [
      { ...row, quantization: { ...row.quantization, training: undefined } },
      /quantization\.training must be given/,
    ],
    // A name every object has is not a stored form.
    [{ ...row, preprocessing: "toString" }, /expected a sweep's or search's model report/],
  ];
  for (const [report, message] of bad) {
    assert.throws(() => candidateRecipe(report as never), message);
  }
});

Deno.test("a list of counts without count, and a list with a hole, are refused with the reason", () => {
  // The amounts are read as fractions unless count is given: the message says so.
  assert.throws(
    () => session.compress({ prune: { rounds: [5, 9, 12] }, quantize: false }),
    /prune rounds\[0\] must be a number in \[0, 1\), got 5 \(a list of counts needs count, its last amount\)/,
  );
  // forEach skipped the hole, and the pipeline failed reading 'fraction' of undefined.
  // deno-lint-ignore no-sparse-arrays
  const holed = [, 0.5] as unknown as number[];
  assert.throws(
    () => session.compress({ prune: { rounds: holed }, quantize: false }),
    /TypeError: Cannot compress model: prune rounds\[0\] must be a number, got undefined/,
  );
});

Deno.test("refitCompression refuses a bad step before it trains the dense model", () => {
  const bad = [
    { prune: { fraction: 2 }, quantize: false, preprocessingStorage: "auto" },
    {
      prune: false,
      quantize: { method: { kind: "uniform", bits: 99 } },
      preprocessingStorage: "auto",
    },
    { prune: false, quantize: { training: "later" }, preprocessingStorage: "auto" },
  ];
  for (const recipe of bad) {
    let progress = 0;
    assert.throws(
      () =>
        refitCompression(cancer.train, recipe as never, {
          ...FAST,
          onProgress: () => progress++,
        }),
      /Cannot refit compression: /,
      JSON.stringify(recipe),
    );
    assert.equal(progress, 0, JSON.stringify(recipe));
  }
});

Deno.test("refitCompression refuses what the model's shape or the settings rule out before it trains", () => {
  // compressModel refuses these before training; the refit trained the dense model on all the
  // data first, and only then refused them.
  const cases: [unknown, Record<string, unknown>, RegExp][] = [
    [
      { prune: { count: 100000 }, quantize: false, preprocessingStorage: "auto" },
      {},
      /Cannot refit compression: prune count 100000 exceeds the 30 weights of the model/,
    ],
    [
      { prune: { rounds: [0.3, 0.5] }, quantize: false, preprocessingStorage: "auto" },
      { fineTune: false },
      /Cannot refit compression: pruning in rounds .* needs fine-tuning between them/,
    ],
  ];
  for (const [recipe, options, message] of cases) {
    let progress = 0;
    assert.throws(
      () =>
        refitCompression(cancer.train, recipe as never, {
          ...FAST,
          ...options,
          onProgress: () => progress++,
        }),
      message,
      JSON.stringify(recipe),
    );
    assert.equal(progress, 0, JSON.stringify(recipe));
  }
});

Deno.test("a refit session's errors name the refit, not the compression session it runs", () => {
  assert.throws(
    () => createRefitSession(cancer.train, { ...FAST, model: session.dense }),
    /^RangeError: Cannot refit compression: denseTraining trains the dense model, and model gives it/,
  );
  assert.throws(
    () =>
      createRefitSession(cancer.train, {
        ...FAST,
        test: { x: cancer.train.x, y: new Int32Array(3) },
      }),
    /^TypeError: Cannot refit compression: /,
  );
  const { denseTraining: _training, ...tuning } = FAST;
  const refit = createRefitSession(cancer.train, {
    ...tuning,
    model: session.dense,
    fineTune: false,
  });
  // Rounds need fine-tuning between them: the pipeline refuses them, named as the refit.
  assert.throws(
    () =>
      refit.refit({ prune: { rounds: [0.3, 0.5] }, quantize: false, preprocessingStorage: "auto" }),
    /^RangeError: Cannot refit compression: /,
  );
});

Deno.test("a recipe carries a kept, compact or folded storage, and a refit makes it from the refit's dense model", async () => {
  // Oracle: the documented refit spelled out: a compression session on all the data, validated
  // on them, given the refit's dense model and the storage the sweep was run with, making the
  // sweep's steps as its defaults resolve them (magnitude 50 % of weights, global, compensated;
  // uniform 4-bit PTQ).
  // The dense model is trained short of convergence (5 iterations), so that a session of another
  // storage that trained its own with the default settings would start from another model.
  const all = await loadEmbedded("breast-cancer");
  const refit = createRefitSession(all, {
    ...FAST,
    denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 5 } },
    seed: 3,
  });
  const { denseTraining: _training, ...tuning } = FAST;
  const names = { keep: "kept", compact: "compact", fold: "folded" } as const;
  for (const storage of ["keep", "compact", "fold"] as const) {
    const s = createCompressionSession(cancer.train, {
      ...FAST,
      seed: 3,
      preprocessingStorage: storage,
    });
    const swept = s.sweep({
      sparsities: [0, 0.5],
      methods: [{ kind: "uniform" }],
      bits: [4],
      training: ["ptq"],
    });
    for (const row of swept.rows) {
      assert.equal(row.preprocessing, names[storage]);
      assert.equal(candidateRecipe(row).preprocessingStorage, storage, row.name);
    }
    const row = swept.rows.find((r) => r.prune !== null && r.quantization !== null)!;
    const made = refit.refit(row);
    const expected = createCompressionSession(all, {
      ...tuning,
      seed: 3,
      model: refit.dense,
      validation: { x: all.x, y: all.y },
      preprocessingStorage: storage,
    }).compress({
      prune: {
        strategy: "magnitude",
        structure: "weights",
        scope: "global",
        compensate: true,
        fraction: 0.5,
      },
      quantize: { method: { kind: "uniform", bits: 4 }, training: "ptq" },
    });
    assert.ok(sameBytes(made.file, expected.file), storage);
    assert.equal(made.stages.at(-1)!.preprocessing, names[storage]);
  }
});

Deno.test("a report's scope, compensation and count are carried, not replaced by the defaults", () => {
  // A sweep prunes fractions with each strategy's default scope and compensation, so its rows
  // cannot tell a recipe that copies them from one that leaves them to the defaults: a report
  // edited to the other scope, no compensation and a count of weights can. Oracle: the steps
  // written out by hand, made by the session that made the sweep. (The sweep's one-output levels
  // are named by features, the first structure: the report is edited to weights too.)
  const row = sweep.rows.find((r) =>
    r.prune !== null && r.prune.rounds.length === 1 && r.quantization !== null
  )!;
  const scope = row.prune!.scope === "global" ? "per-class" : "global";
  const report = {
    ...row,
    prune: {
      ...row.prune!,
      structure: "weights",
      scope,
      compensate: false,
      fraction: null,
      count: 12,
      rounds: [12],
    },
  } as const;
  const recipe = candidateRecipe(report);
  const prune = {
    strategy: row.prune!.strategy,
    structure: "weights",
    scope,
    compensate: false,
    count: 12,
    rounds: [12],
  } as const;
  assert.deepEqual(recipe.prune, prune);
  const { denseTraining: _training, ...tuning } = FAST;
  const refit = createRefitSession(session.trainData, { ...tuning, model: session.dense, seed: 3 });
  const expected = createCompressionSession(session.trainData, {
    ...tuning,
    model: session.dense,
    validation: { x: session.trainData.x, y: session.trainData.y },
    preprocessingStorage: recipe.preprocessingStorage,
    seed: 3,
  }).compress({ prune, quantize: recipe.quantize });
  const made = refit.refit(report);
  assert.ok(sameBytes(made.file, expected.file));
  assert.equal(made.stages.find((s) => s.stage === "pruned")!.nonZeros, row.weights - 12);
});

Deno.test("a refit entropy-codes the file whichever stored form the recipe takes", async () => {
  // Oracle: the file is the returned model encoded with the option, and its length the reported
  // bytes; the model's plain encoding differs (else entropy coding would go unseen).
  // Digits: 640 weights, enough for entropy coding to shorten the file.
  const digits = await splitSet("digits");
  const refit = createRefitSession(digits.train, { ...FAST, seed: 3, entropy: true });
  for (const preprocessingStorage of ["auto", "keep", "compact", "fold"] as const) {
    const made = refit.refit({
      prune: { fraction: 0.5 },
      quantize: { method: { kind: "uniform", bits: 2 }, training: "ptq" },
      preprocessingStorage,
    });
    const coded = encodeModel(made.model, { entropy: true });
    assert.ok(!sameBytes(coded, encodeModel(made.model)), preprocessingStorage);
    assert.ok(sameBytes(made.file, coded), preprocessingStorage);
    assert.equal(made.stages.at(-1)!.bytes, coded.length, preprocessingStorage);
  }
});
