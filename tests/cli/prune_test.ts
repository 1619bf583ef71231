import assert from "node:assert/strict";
import { takeRows } from "../../lib/core/matrix.ts";
import { createPrng, shuffleInPlace } from "../../lib/core/random.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { fit, type Optimizer } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { decisionFunction, predict, predictProba } from "../../lib/model/predict.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { fineTune, iterativePrune } from "../../lib/prune/retrain.ts";
import { featureScores, pruneFeatures, selectFeatures } from "../../lib/prune/structured.ts";
import { pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { checkAboveMask } from "../../lib/cli/prune.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { directModel } from "./_direct_model.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc-prune-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const quick = ["--max-iterations", "40", "--quiet"];

/**
 * Balanced accuracy counted here: each class's share of its rows predicted right, averaged over
 * the classes that label rows.
 */
function meanRecall(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const rows = new Map<number, [number, number]>();
  for (let i = 0; i < y.length; i++) {
    const [n, right] = rows.get(y[i]) ?? [0, 0];
    rows.set(y[i], [n + 1, right + (p[i] === y[i] ? 1 : 0)]);
  }
  let sum = 0;
  for (const [n, right] of rows.values()) sum += right / n;
  return sum / rows.size;
}

Deno.test("lrc prune prunes exactly the requested sparsity and reports it as JSON", async () => {
  const r = await runCli(["prune", "--sparsity", "0.8", "--json", ...quick]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.sparsity.masked, 512);
  assert.equal(report.sparsity.weights, 640);
  assert.equal(report.sparseKernel.agreesWithDense, true);
  assert.equal(report.sparseKernel.storedWeights, 640 - report.sparsity.zeros);
  assert.ok(report.accuracy.dense > 0.9 && report.accuracy.pruned < report.accuracy.dense);
  assert.equal(report.accuracy.fineTuned, null);
  assert.equal(report.sparsity.perClass.length, 10);
});

Deno.test("lrc prune names a count of one in the singular", async () => {
  // "removing 1 features" and "removing 1 weights per class".
  for (
    const [args, text] of [
      [["--structure", "features", "--count", "1"], "whole features, removing 1 feature ("],
      [["--count", "1"], "global, removing 1 weight ("],
      [["--count", "1", "--scope", "per-class"], "per-class, removing 1 weight per class ("],
      [["--count", "2", "--structure", "features"], "whole features, removing 2 features ("],
    ] as const
  ) {
    const r = await runCli(["prune", "--dataset", "iris", ...args, "--max-iterations", "20"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(text), r.stdout);
  }
});

Deno.test("lrc prune fine-tunes, saves, and a saved pruned model prunes further without revival", async () => {
  const first = `${dir}/first.json`;
  const r = await runCli([
    "prune",
    "--strategy",
    "obd",
    "--scope",
    "global",
    "--count",
    "500",
    "--fine-tune",
    "lbfgs",
    "--fine-tune-iterations",
    "20",
    "--save",
    first,
    "--json",
    ...quick,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.accuracy.fineTuned > report.accuracy.pruned);
  const saved = modelFromJson(await Deno.readTextFile(first));
  assert.equal(saved.mask!.filter((m) => m === 0).length, 500);

  const second = `${dir}/second.json`;
  const r2 = await runCli([
    "prune",
    "--model",
    first,
    "--strategy",
    "random",
    "--sparsity",
    "0.85",
    "--save",
    second,
    "--quiet",
  ]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /loaded from/);
  const again = modelFromJson(await Deno.readTextFile(second));
  for (let i = 0; i < 640; i++) if (saved.mask![i] === 0) assert.equal(again.mask![i], 0);
  assert.equal(again.mask!.filter((m) => m === 0).length, 544);
  // Asking for fewer removals than the saved mask has is a bad option for that model, refused
  // (as lrc compress refuses it) with how sparse the model is: 544 of 640 weights is 85 %.
  const r3 = await runCli(["prune", "--model", second, "--count", "500", "--quiet"]);
  assert.equal(r3.code, 2, r3.stderr);
  assert.equal(
    r3.stderr,
    `lrc prune: Cannot parse arguments of 'prune': --count 500 removes 500 weights, but the ` +
      `model in '${second}' is already 85 % sparse (its mask removes 544 of the 640 weights); ` +
      "a mask never revives a weight: give --count of 544 or more\n",
  );
});

Deno.test("lrc prune removes whole features, and the saved reduced model is reloaded by name", async () => {
  const path = `${dir}/reduced.json`;
  const r = await runCli([
    "prune",
    "--dataset",
    "breast-cancer",
    "--structure",
    "features",
    "--count",
    "20",
    "--save",
    path,
    "--json",
    ...quick,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.sparsity.keptFeatures.length, 10);
  assert.equal(report.sparsity.unusedFeatures.length, 20);
  const reduced = modelFromJson(await Deno.readTextFile(path));
  assert.equal(reduced.weights.cols, 10);
  const r2 = await runCli([
    "prune",
    "--dataset",
    "breast-cancer",
    "--model",
    path,
    "--sparsity",
    "0.5",
    "--quiet",
  ]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /takes 10 of the 30 features, by name/);
});

Deno.test("lrc prune rejects bad targets and options with a one-line message", async () => {
  const cases: [string[], number, RegExp][] = [
    [["prune"], 2, /exactly one of --sparsity, --count, --threshold/],
    [["prune", "--sparsity", "0.5", "--count", "3"], 2, /--sparsity and --count/],
    [["prune", "--sparsity", "1.5"], 2, /--sparsity must be a number in \[0, 1\]/],
    // Refused as not finite, not by a bound of -Infinity that 1e400 (Infinity) does not break.
    [["prune", "--threshold", "NaN"], 2, /--threshold must be a finite number, got 'NaN'\n$/],
    [["prune", "--threshold", "1e400"], 2, /--threshold must be a finite number, got '1e400'\n$/],
    // With a lower bound only, 1e400 (Infinity) breaks no bound either: finiteness is asked for.
    [["prune", "--count", "1e400"], 2, /--count must be a finite integer >= 0, got '1e400'\n$/],
    [["prune", "--count=-1"], 2, /--count must be a finite integer >= 0, got '-1'\n$/],
    [["prune", "--sparsity", "0.5", "--strategy", "best"], 2, /--strategy must be one of/],
    [["prune", "--sparsity", "0.5", "--model", `${dir}/missing.json`], 1, /Cannot read model/],
    // Refused before training: the model's width is known once the data are.
    [
      ["prune", "--count", "65", "--structure", "features"],
      2,
      /--count 65 exceeds the 64 features/,
    ],
    // Per class (taylor's default scope) the count is a row's, and the message says so.
    [
      ["prune", "--count", "65", "--strategy", "taylor"],
      2,
      /--count 65 exceeds the 64 weights of each class row of the model/,
    ],
    // Removing every feature leaves no model: refused before training, not after it.
    [
      ["prune", "--count", "64", "--structure", "features"],
      2,
      /--count 64 removes all 64 features of the model; a model needs one/,
    ],
    [
      ["prune", "--sparsity", "0.995", "--structure", "features"],
      2,
      /--sparsity 0.995 removes all 64 features of the model; a model needs one/,
    ],
    [["prune", "--sparsity", "0.5", "--steps", "3"], 2, /--steps applies to --strategy taylor/],
    [
      [
        "prune",
        "--sparsity",
        "0.5",
        "--strategy",
        "obd",
        "--structure",
        "features",
        "--steps",
        "2",
      ],
      2,
      /--steps applies to/,
    ],
    [["prune", "--threshold", "0", "--strategy", "taylor", "--steps", "2"], 2, /--steps needs/],
    [["prune", "--sparsity", "0.5", "--strategy", "taylor", "--steps", "0"], 2, /--steps/],
  ];
  for (const [argv, code, message] of cases) {
    // Training options do not apply to a loaded model (and are refused with one).
    const r = await runCli([...argv, ...(argv.includes("--model") ? ["--quiet"] : quick)]);
    assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  }
});

Deno.test("lrc prune --steps prunes a global Taylor ranking in steps, to the exact target", async () => {
  const run = async (steps: string) => {
    const r = await runCli([
      "prune",
      "--strategy",
      "taylor",
      "--scope",
      "global",
      "--sparsity",
      "0.9",
      "--steps",
      steps,
      "--json",
      ...quick,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const [one, ten] = [await run("1"), await run("10")];
  assert.equal(ten.pruning.steps, 10);
  assert.equal(ten.sparsity.masked, 576);
  // One-shot empties class rows on this data; ten steps keep a share of every row.
  const kept = (report: { sparsity: { perClass: { zeros: number; weights: number }[] } }) =>
    report.sparsity.perClass.map((c) => c.weights - c.zeros);
  assert.ok(kept(one).includes(0), `one step keeps ${kept(one)}`);
  assert.ok(kept(ten).every((n) => n > 0), `ten steps keep ${kept(ten)}`);
});

/**
 * Each feature's mean over the training rows of `--model`'s split, in the model's input space
 * (after its standardisation): what compensation folds a removed weight against, by hand.
 */
async function trainMeans(seed: number): Promise<Float64Array> {
  const { split, model } = await directModel(seed);
  const { rows, cols, data } = split.xTrain;
  const means = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) means[j] += data[i * cols + j];
  const p = model.preprocessing;
  for (let j = 0; j < cols; j++) {
    means[j] /= rows;
    if (p.kind === "standardize") means[j] = (means[j] - p.mean[j]) / p.scale[j];
  }
  return means;
}

Deno.test("lrc prune --compensate also folds removed features into the bias", async () => {
  const run = async (extra: string[]) => {
    const r = await runCli([
      ...["prune", "--no-standardize", "--structure", "features", "--sparsity", "0.5"],
      ...["--json", ...extra, ...quick],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const [plain, compensated] = [await run([]), await run(["--compensate"])];
  assert.equal(compensated.pruning.compensate, true);
  assert.deepEqual(compensated.sparsity.keptFeatures, plain.sparsity.keptFeatures);
  // Raw pixels are not centred: without compensation every score shifts.
  assert.ok(compensated.accuracy.pruned > plain.accuracy.pruned + 0.05);
  // By hand: each class's bias gains sum over removed features j of w_cj * mean_j, the means
  // taken over the training rows (not the test rows, not the sample scored on).
  const { model } = await directModel(5);
  await Deno.writeTextFile(`${dir}/compensate-dense.json`, modelToJson(model));
  const r = await runCli([
    ...["prune", "--model", `${dir}/compensate-dense.json`, "--structure", "features"],
    ...["--sparsity", "0.5", "--compensate", "--seed", "5", "--test-fraction", "0.3"],
    ...["--save", `${dir}/compensated.json`, "--json", "--quiet"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const kept: number[] = JSON.parse(r.stdout).sparsity.keptFeatures;
  const saved = modelFromJson(await Deno.readTextFile(`${dir}/compensated.json`));
  const means = await trainMeans(5);
  const { rows, cols, data } = model.weights;
  assert.equal(saved.weights.cols, kept.length);
  for (let c = 0; c < rows; c++) {
    let expected = model.bias[c];
    for (let j = 0; j < cols; j++) if (!kept.includes(j)) expected += data[c * cols + j] * means[j];
    assert.ok(Math.abs(saved.bias[c] - expected) <= 1e-9 * (1 + Math.abs(expected)), `class ${c}`);
  }
});

Deno.test("lrc prune --compensate applies to the l1 soft threshold too", async () => {
  const run = async (extra: string[]) => {
    const r = await runCli([
      ...["prune", "--no-standardize", "--strategy", "l1", "--sparsity", "0.8"],
      ...["--json", ...extra, ...quick],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const [plain, compensated] = [await run([]), await run(["--compensate"])];
  assert.equal(compensated.sparsity.masked, plain.sparsity.masked);
  // The reviewer's case: the flag was reported but the model was the same (15.7 % either way).
  assert.ok(compensated.accuracy.pruned > plain.accuracy.pruned + 0.05);
  // By hand: each class's bias gains sum over j of (w_cj - shrunk w_cj) * mean_j, the means over
  // the training rows; the shrunk weights are those of the uncompensated threshold.
  const { model } = await directModel(5);
  await Deno.writeTextFile(`${dir}/l1-dense.json`, modelToJson(model));
  const save = async (extra: string[], path: string) => {
    const r = await runCli([
      ...["prune", "--model", `${dir}/l1-dense.json`, "--strategy", "l1", "--sparsity", "0.8"],
      ...["--seed", "5", "--test-fraction", "0.3", "--save", path, "--quiet", ...extra],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return modelFromJson(await Deno.readTextFile(path));
  };
  const shrunk = await save([], `${dir}/l1-plain.json`);
  const folded = await save(["--compensate"], `${dir}/l1-compensated.json`);
  assert.deepEqual(folded.weights, shrunk.weights);
  assert.deepEqual(shrunk.bias, model.bias);
  const means = await trainMeans(5);
  const { rows, cols, data } = model.weights;
  for (let c = 0; c < rows; c++) {
    let expected = model.bias[c];
    for (let j = 0; j < cols; j++) {
      expected += (data[c * cols + j] - shrunk.weights.data[c * cols + j]) * means[j];
    }
    assert.ok(Math.abs(folded.bias[c] - expected) <= 1e-9 * (1 + Math.abs(expected)), `class ${c}`);
  }
});

Deno.test("lrc prune says whether a target applies to each class row or to all weights", async () => {
  const run = async (extra: string[]) => {
    const r = await runCli(["prune", "--count", "10", "--json", ...extra, ...quick]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const obd = await run(["--strategy", "obd"]);
  assert.equal(obd.pruning.targetApplies, "each class row");
  assert.equal(obd.sparsity.masked, 10 * 10);
  const magnitude = await run([]);
  assert.equal(magnitude.pruning.targetApplies, "all weights");
  assert.equal(magnitude.sparsity.masked, 10);
});

Deno.test("lrc prune --json reports accuracies that match a direct evaluation of its models", async () => {
  const { split, model } = await directModel(5);
  await Deno.writeTextFile(`${dir}/direct.json`, modelToJson(model));
  const run = async (extra: string[], save: string) => {
    const r = await runCli([
      ...["prune", "--model", `${dir}/direct.json`, "--sparsity", "0.9", "--seed", "5"],
      ...["--test-fraction", "0.3", "--save", save, "--json", "--quiet", ...extra],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const share = (y: Int32Array, p: Int32Array) => accuracy(y, p);
  const x = split.xTest, y = split.yTest;
  const pruned = await run([], `${dir}/pruned.json`);
  assert.equal(pruned.data.testSamples, y.length);
  const prunedModel = modelFromJson(await Deno.readTextFile(`${dir}/pruned.json`));
  assert.equal(pruned.accuracy.dense, share(y, predict(model, x)));
  assert.equal(pruned.accuracy.pruned, share(y, predict(prunedModel, x)));
  assertClose(pruned.balancedAccuracy.dense, meanRecall(y, predict(model, x)), { rtol: 1e-12 });
  assertClose(pruned.balancedAccuracy.pruned, meanRecall(y, predict(prunedModel, x)), {
    rtol: 1e-12,
  });
  assert.notEqual(pruned.balancedAccuracy.pruned, pruned.accuracy.pruned);
  assert.equal(pruned.balancedAccuracy.fineTuned, null);
  // The saved model is the library's own pruning of the same model.
  assert.deepEqual(
    prunedModel.weights,
    pruneWithStrategy(model, "magnitude", { fraction: 0.9 }).weights,
  );
  const tuned = await run(["--fine-tune", "sgd"], `${dir}/tuned.json`);
  const tunedModel = modelFromJson(await Deno.readTextFile(`${dir}/tuned.json`));
  assert.equal(tuned.accuracy.pruned, pruned.accuracy.pruned);
  assert.equal(tuned.accuracy.fineTuned, share(y, predict(tunedModel, x)));
  assertClose(tuned.balancedAccuracy.fineTuned, meanRecall(y, predict(tunedModel, x)), {
    rtol: 1e-12,
  });
  assert.notEqual(tuned.accuracy.fineTuned, tuned.accuracy.pruned);
  // Fine-tuned as the help says and as lrc compress does: sgd at 0.03, halved every epoch, for 5
  // epochs, with the training penalty (the default lambda, 1 / the training samples). The step
  // stayed at 0.03 here, where compress and the benchmarks halve it.
  const trainX = split.xTrain, trainY = split.yTrain;
  const library = fineTune(prunedModel, { x: trainX, y: trainY }, {
    optimizer: { kind: "sgd", epochs: 5, learningRate: 0.03, learningRateDecay: 0.5 },
    penalty: { kind: "l2", lambda: 1 / trainY.length },
    seed: 5,
  });
  assert.deepEqual(tunedModel.weights, library.model.weights);
});

Deno.test("lrc prune --strategy, --scope and the fine-tuning options give the library's models", async () => {
  // The options and the defaults --help documents spelled out for pruneWithStrategy and
  // fineTune (scope auto is global for random, l1 and magnitude; sgd fine-tunes at 0.03 halved
  // every epoch, adam at 0.001, for 5 epochs, in batches of --batch-size, default 64; the
  // training penalty, here the default l2 of 1 / training samples). The random and l1 strategies
  // run as magnitude, --fine-tune-epochs, --fine-tune-learning-rate or --batch-size read and
  // ignored, and adam fine-tuning run as sgd all passed prune_test (found by the test-quality
  // review's mutations of lib/cli/prune.ts).
  const { split, model } = await directModel(5);
  const dense = `${dir}/options-dense.json`, out = `${dir}/options.json`;
  await Deno.writeTextFile(dense, modelToJson(model));
  const train = { x: split.xTrain, y: split.yTrain };
  const penalty = { kind: "l2", lambda: 1 / split.yTrain.length } as const;
  const tuned = (
    m: typeof model,
    optimizer: Optimizer,
  ) => fineTune(m, train, { optimizer, penalty, seed: 5 }).model;
  const magnitude90 = pruneWithStrategy(model, "magnitude", { fraction: 0.9, scope: "global" });
  const cases: [string[], typeof model][] = [
    [
      ["--strategy", "random", "--sparsity", "0.6"],
      pruneWithStrategy(model, "random", { fraction: 0.6, scope: "global", seed: 5 }),
    ],
    [
      ["--strategy", "l1", "--sparsity", "0.7"],
      pruneWithStrategy(model, "l1", { fraction: 0.7, scope: "global" }),
    ],
    [
      ["--scope", "per-class", "--count", "20"],
      pruneWithStrategy(model, "magnitude", { count: 20, scope: "per-class" }),
    ],
    [
      [
        ...["--sparsity", "0.9", "--fine-tune", "adam", "--fine-tune-epochs", "2"],
        ...["--fine-tune-learning-rate", "0.01", "--batch-size", "32"],
      ],
      tuned(magnitude90, { kind: "adam", epochs: 2, batchSize: 32, learningRate: 0.01 }),
    ],
    [
      ["--sparsity", "0.9", "--fine-tune", "adam", "--fine-tune-epochs", "1"],
      tuned(magnitude90, { kind: "adam", epochs: 1, batchSize: 64, learningRate: 0.001 }),
    ],
    [
      [
        ...["--sparsity", "0.9", "--fine-tune", "sgd", "--fine-tune-epochs", "3"],
        ...["--fine-tune-learning-rate", "0.05", "--batch-size", "16"],
      ],
      tuned(magnitude90, {
        kind: "sgd",
        epochs: 3,
        batchSize: 16,
        learningRate: 0.05,
        learningRateDecay: 0.5,
      }),
    ],
  ];
  for (const [argv, expected] of cases) {
    const r = await runCli([
      ...["prune", "--model", dense, "--seed", "5", "--test-fraction", "0.3"],
      ...["--save", out, "--quiet", ...argv],
    ]);
    assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    const saved = modelFromJson(await Deno.readTextFile(out));
    assert.deepEqual(saved.weights, expected.weights, argv.join(" "));
    assert.deepEqual(saved.bias, expected.bias, argv.join(" "));
    assert.deepEqual(saved.mask, expected.mask, argv.join(" "));
  }
});

Deno.test("lrc prune --quiet draws no fine-tuning progress line, which it draws without", async () => {
  const { model } = await directModel(5);
  const dense = `${dir}/quiet-dense.json`;
  await Deno.writeTextFile(dense, modelToJson(model));
  const argv = ["prune", "--model", dense, "--sparsity", "0.5", "--fine-tune", "sgd"];
  const quiet = await runCli([...argv, "--quiet"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, "");
  const loud = await runCli(argv);
  assert.equal(loud.code, 0, loud.stderr);
  // A loaded model is not trained: the first line is the fine-tuning's (not interactive: printed).
  assert.match(loud.stderr, /^fine-tuning: epoch 1\/5 {2}loss /);
});

Deno.test("lrc prune's report cuts long names of removed features short, 8 of them at most", async () => {
  // The names were joined whole: a 10,000-character column name made a 10,000-character line.
  // Oracle: each name quoted by its first 60 characters and its length, written out here.
  const prng = createPrng(3);
  const names = Array.from({ length: 10 }, (_, j) => "p".repeat(10000) + j);
  const lines = Array.from({ length: 60 }, () => {
    const cells = names.map(() => (prng() * 2 - 1).toFixed(3));
    return [...cells, Number(cells[0]) > 0 ? "yes" : "no"].join(",");
  });
  const csv = `${dir}/long-names.csv`;
  await Deno.writeTextFile(csv, [[...names, "y"].join(","), ...lines].join("\n") + "\n");
  const r = await runCli([
    ...["prune", "--data", csv, "--label", "y", "--structure", "features", "--count", "9"],
    ...quick,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith("features  "));
  assert.ok(line !== undefined, r.stdout.slice(0, 500));
  const quote = `"${"p".repeat(60)}"... (10001 characters)`;
  assert.equal(line, `features  9 removed: ${Array(8).fill(quote).join(", ")}, ...`);
});

Deno.test("lrc prune --score-samples scores on a random sample, not the first rows", async () => {
  // Digits sorted by label: the first 300 training rows hold two or three classes.
  const digits = await loadEmbedded("digits");
  const order = Array.from(digits.y.keys()).sort((a, b) => digits.y[a] - digits.y[b] || a - b);
  const header = [...digits.featureNames, "label"].join(",");
  const lines = order.map((i) =>
    [...digits.x.data.subarray(i * 64, i * 64 + 64), digits.classes[digits.y[i]]].join(",")
  );
  const csv = `${dir}/sorted.csv`;
  await Deno.writeTextFile(csv, [header, ...lines].join("\n") + "\n");
  const r = await runCli([
    ...["prune", "--data", csv, "--label", "label", "--strategy", "taylor", "--sparsity", "0.8"],
    ...["--score-samples", "300", "--json", ...quick],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { scoring } = JSON.parse(r.stdout).pruning;
  assert.equal(scoring.samples, 300);
  assert.equal(scoring.classes, 10);
  // The counts above are the sample's; the pruning must be scored on it too. On the split the
  // command makes, the saved model is Taylor pruning scored on the seeded sample of the training
  // rows, and not the pruning scored on all of them (the two masks differ on this data).
  const { split, model } = await directModel(5);
  await Deno.writeTextFile(`${dir}/sample-dense.json`, modelToJson(model));
  const s = await runCli([
    ...["prune", "--model", `${dir}/sample-dense.json`, "--strategy", "taylor", "--sparsity"],
    ...["0.8", "--score-samples", "300", "--seed", "5", "--test-fraction", "0.3"],
    ...["--save", `${dir}/sampled.json`, "--quiet"],
  ]);
  assert.equal(s.code, 0, s.stderr);
  const saved = modelFromJson(await Deno.readTextFile(`${dir}/sampled.json`));
  const indices = Int32Array.from({ length: split.yTrain.length }, (_, i) => i);
  const rows = shuffleInPlace(indices, createPrng(5)).subarray(0, 300).sort();
  const sample = {
    x: takeRows(split.xTrain, rows),
    y: Int32Array.from(rows, (i) => split.yTrain[i]),
  };
  const taylor = (data: { x: typeof split.xTrain; y: Int32Array }) =>
    pruneWithStrategy(model, "taylor", { fraction: 0.8, scope: "per-class", data, seed: 5 });
  assert.deepEqual(saved.mask, taylor(sample).mask);
  assert.notDeepEqual(saved.mask, taylor({ x: split.xTrain, y: split.yTrain }).mask);
});

Deno.test("lrc prune --rounds prunes iteratively: the library's iterativePrune on the same split", async () => {
  const { split, model } = await directModel(5);
  await Deno.writeTextFile(`${dir}/rounds-dense.json`, modelToJson(model));
  const r = await runCli([
    ...["prune", "--model", `${dir}/rounds-dense.json`, "--sparsity", "0.9", "--rounds", "3"],
    ...["--fine-tune", "lbfgs", "--fine-tune-iterations", "15", "--penalty", "l2"],
    ...["--lambda", "0.001", "--seed", "5", "--test-fraction", "0.3"],
    ...["--save", `${dir}/rounds.json`, "--json", "--quiet"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  // 0.9 * (1 - (2/3)^3) = 0.633 and 0.9 * (1 - (1/3)^3) = 0.867.
  assert.deepEqual(report.pruning.rounds, [0.633, 0.867, 0.9]);
  // Every round's fine-tuning is counted: three of at most 15 iterations.
  assert.equal(report.fineTuning.rounds, 3);
  assert.ok(report.fineTuning.steps > 15 && report.fineTuning.steps <= 45, r.stdout);
  const saved = modelFromJson(await Deno.readTextFile(`${dir}/rounds.json`));
  const expected = iterativePrune(model, { x: split.xTrain, y: split.yTrain }, {
    sparsities: [0.633, 0.867, 0.9],
    fineTune: {
      optimizer: { kind: "lbfgs", maxIterations: 15 },
      penalty: { kind: "l2", lambda: 0.001 },
      seed: 5,
    },
  }).model;
  assert.deepEqual(saved.weights, expected.weights);
  assert.deepEqual(saved.bias, expected.bias);
  assert.equal(report.accuracy.fineTuned, accuracy(split.yTest, predict(expected, split.xTest)));
  // Whole features: masked in the earlier rounds, removed from the model in the last.
  const f = await runCli([
    ...["prune", "--model", `${dir}/rounds-dense.json`, "--sparsity", "0.7", "--rounds", "3"],
    ...["--structure", "features", "--fine-tune", "lbfgs", "--fine-tune-iterations", "15"],
    ...["--penalty", "l2", "--lambda", "0.001", "--seed", "5", "--test-fraction", "0.3"],
    ...["--save", `${dir}/rounds-features.json`, "--json", "--quiet"],
  ]);
  assert.equal(f.code, 0, f.stderr);
  const fReport = JSON.parse(f.stdout);
  assert.deepEqual(fReport.pruning.rounds, [0.493, 0.674, 0.7]);
  const tune = (m: typeof model, x: typeof split.xTrain) =>
    fineTune(m, { x, y: split.yTrain }, {
      optimizer: { kind: "lbfgs", maxIterations: 15 },
      penalty: { kind: "l2", lambda: 0.001 },
      seed: 5,
    }).model;
  const byNorm = (m: typeof model) =>
    featureScores({ ...m.weights, data: m.weights.data.map(Math.abs) }, { reduce: "l2" });
  let masked = model;
  for (const fraction of [0.493, 0.674]) {
    masked = tune(
      pruneFeatures(masked, { fraction, scores: byNorm(masked), representation: "masked" }).model,
      split.xTrain,
    );
  }
  const last = pruneFeatures(masked, { fraction: 0.7, scores: byNorm(masked) });
  const reduced = tune(last.model, selectFeatures(split.xTrain, last.features));
  assert.deepEqual(fReport.sparsity.keptFeatures, [...last.features]);
  const savedReduced = modelFromJson(await Deno.readTextFile(`${dir}/rounds-features.json`));
  assert.deepEqual(savedReduced.weights, reduced.weights);
  // One round is plain pruning: the same model as without --rounds.
  const once = await runCli([
    ...["prune", "--model", `${dir}/rounds-dense.json`, "--sparsity", "0.9", "--rounds", "1"],
    ...["--seed", "5", "--test-fraction", "0.3", "--json", "--quiet"],
  ]);
  assert.equal(once.code, 0, once.stderr);
  assert.deepEqual(JSON.parse(once.stdout).pruning.rounds, [0.9]);
});

Deno.test("lrc prune --rounds is refused without fine-tuning or with a threshold", async () => {
  const cases: [string[], RegExp][] = [
    [["--sparsity", "0.8", "--rounds", "3"], /--rounds needs fine-tuning between the rounds/],
    [
      ["--threshold", "0.1", "--rounds", "2", "--fine-tune", "lbfgs"],
      /--rounds needs --sparsity or --count/,
    ],
    [["--sparsity", "0.8", "--rounds", "0"], /--rounds must be an integer/],
    [
      ["--strategy", "random", "--sparsity", "0.8", "--rounds", "3", "--fine-tune", "lbfgs"],
      /--rounds does not apply to --strategy random \(it ranks the weights the same in every/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(["prune", ...args, ...quick]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
  }
  // Rounds that remove no more weights are one: 1.8 % and 2 % of breast cancer's 30 weights are
  // both one weight.
  const same = await runCli([
    ...["prune", "--dataset", "breast-cancer", "--sparsity", "0.02", "--rounds", "2", "--json"],
    ...quick,
  ]);
  assert.equal(same.code, 0, same.stderr);
  assert.deepEqual(JSON.parse(same.stdout).pruning.rounds, [0.02]);
  // One weight in four rounds is one round: no fine-tuning needed.
  const one = await runCli(["prune", "--count", "1", "--rounds", "4", "--json", ...quick]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout).pruning.rounds, [1]);
});

Deno.test("lrc prune --rounds from a loaded pruned model leaves out the rounds its mask has passed", async () => {
  // One-shot pruning of a model already 70 % sparse to 90 % works; in three rounds (63.3, 86.7,
  // 90 %) the first would have to revive weights: it is left out, not an error.
  const { split, model } = await directModel(5);
  const sparse70 = pruneWithStrategy(model, "magnitude", { fraction: 0.7 });
  await Deno.writeTextFile(`${dir}/rounds-70.json`, modelToJson(sparse70));
  const r = await runCli([
    ...["prune", "--model", `${dir}/rounds-70.json`, "--sparsity", "0.9", "--rounds", "3"],
    ...["--fine-tune", "lbfgs", "--fine-tune-iterations", "10", "--penalty", "l2"],
    ...["--lambda", "0.001", "--seed", "5", "--test-fraction", "0.3"],
    ...["--save", `${dir}/rounds-from-70.json`, "--json", "--quiet"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.pruning.rounds, [0.867, 0.9]);
  const expected = iterativePrune(sparse70, { x: split.xTrain, y: split.yTrain }, {
    sparsities: [0.867, 0.9],
    fineTune: {
      optimizer: { kind: "lbfgs", maxIterations: 10 },
      penalty: { kind: "l2", lambda: 0.001 },
      seed: 5,
    },
  }).model;
  const saved = modelFromJson(await Deno.readTextFile(`${dir}/rounds-from-70.json`));
  assert.deepEqual(saved.weights, expected.weights);
  assert.deepEqual(saved.bias, expected.bias);
  // Per class (taylor's default scope): a row the global mask emptied further than a round asks.
  const t = await runCli([
    ...["prune", "--model", `${dir}/rounds-70.json`, "--strategy", "taylor", "--sparsity", "0.9"],
    ...["--rounds", "4", "--fine-tune", "lbfgs", "--fine-tune-iterations", "5", "--seed", "5"],
    ...["--test-fraction", "0.3", "--json", "--quiet"],
  ]);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).pruning.rounds.at(-1), 0.9);
});

Deno.test("lrc prune --count is checked against a loaded model before any round", async () => {
  // A reduced model of 5 features: 28 features in four rounds failed in the first round, named
  // by its share (16), and 6 in three rounds after the first round's fine-tuning.
  const r5 = await runCli([
    ...["prune", "--dataset", "breast-cancer", "--structure", "features", "--count", "25"],
    ...["--save", `${dir}/reduced-5.json`, ...quick],
  ]);
  assert.equal(r5.code, 0, r5.stderr);
  for (const [count, rounds] of [["28", "4"], ["6", "3"], ["6", "1"]]) {
    const r = await runCli([
      ...["prune", "--dataset", "breast-cancer", "--model", `${dir}/reduced-5.json`],
      ...["--structure", "features", "--count", count, "--rounds", rounds],
      ...["--fine-tune", "lbfgs", "--quiet"],
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--count ${count} exceeds the 5 features of the model`));
  }
  // Weights: 6 per class row of a 5-weight binary model.
  const w = await runCli([
    ...["prune", "--dataset", "breast-cancer", "--model", `${dir}/reduced-5.json`],
    ...["--count", "6", "--rounds", "3", "--fine-tune", "lbfgs", "--quiet"],
  ]);
  assert.equal(w.code, 2, w.stderr);
  assert.match(w.stderr, /--count 6 exceeds the 5 weights of the model/);
});

Deno.test("lrc prune --sparsity 1, in the documented [0, 1], removes every weight as --count does", async () => {
  // Without --rounds: the one round is the target itself, whatever the schedule allows.
  const all = await runCli(["prune", "--sparsity", "1", "--json", ...quick]);
  assert.equal(all.code, 0, all.stderr);
  const report = JSON.parse(all.stdout);
  assert.equal(report.sparsity.masked, 640);
  assert.deepEqual(report.pruning.rounds, [1]);
  const counted = JSON.parse(
    (await runCli(["prune", "--count", "640", "--json", ...quick])).stdout,
  );
  assert.equal(report.sparsity.zeros, counted.sparsity.zeros);
  // With rounds, on the cubic schedule to 100 %.
  const rounds = await runCli([
    "prune",
    "--sparsity",
    "1",
    "--rounds",
    "3",
    "--fine-tune",
    "lbfgs",
    "--fine-tune-iterations",
    "5",
    "--json",
    ...quick,
  ]);
  assert.equal(rounds.code, 0, rounds.stderr);
  const r3 = JSON.parse(rounds.stdout);
  assert.deepEqual(r3.pruning.rounds, [0.704, 0.963, 1]);
  assert.equal(r3.sparsity.masked, 640);
});

Deno.test("the --sparsity a mask refusal suggests is accepted, for a model of millions of weights too", () => {
  // Six significant digits fell short past a million weights: 776,249 of 2,000,000 removed was
  // "give --sparsity of 0.388124 or more", which removes round(0.388124 * 2e6) = 776,248 and was
  // refused in turn. The oracle is the rounding the mask applies, written out here.
  // A mask removing all but one of ten million weights was told "1 or more", all of them: the
  // share below 1 that is enough is suggested instead.
  const cases = [[2_000_000, 776_249], [10_000_000, 9_999_999], [640, 512], [64, 59], [3, 1]];
  for (const [size, removed] of cases) {
    const mask = new Uint8Array(size).fill(1).fill(0, 0, removed);
    const where = {
      kind: "fraction",
      structure: "weights",
      scope: "global",
      rows: 1,
      cols: size,
      mask,
    } as const;
    let message = "";
    assert.throws(() => checkAboveMask("prune", "m.lrc", 0, where), (e: Error) => {
      message = e.message;
      return true;
    });
    const least = Number(/give --sparsity of ([0-9.e-]+) or more$/.exec(message)?.[1]);
    assert.ok(Math.round(least * size) >= removed, `${message}: ${least} * ${size}`);
    assert.ok(least < 1, message);
    checkAboveMask("prune", "m.lrc", least, where);
  }
});

Deno.test("lrc prune's text report gives the saved model's test metrics, zeros and file size", async () => {
  // Mutations of lib/cli/prune.ts that passed every test (mutation audit): the table's pruned
  // log loss taken from the dense model, the saved line's byte count off by one, --json's zeros
  // as the masked count, and its inputFeatures as the dense model's. Oracles: the split and dense
  // model made here, the saved file (its size on disk, its weights and mask, its predictions on
  // the test rows), and the log loss written out by hand.
  const { split, model } = await directModel(7);
  // Five weights that are zero without being masked: zeros and masked then differ.
  const data = Float64Array.from(model.weights.data);
  for (const i of [3, 50, 200, 333, 600]) data[i] = 0;
  const dense: LogisticModel = { ...model, weights: { ...model.weights, data } };
  const densePath = `${dir}/report-dense.json`;
  await Deno.writeTextFile(densePath, modelToJson(dense));
  const metrics = (m: LogisticModel) => {
    const p = predictProba(m, split.xTest);
    const k = p.cols;
    let loss = 0;
    for (let i = 0; i < p.rows; i++) {
      loss -= Math.log(Math.min(Math.max(p.data[i * k + split.yTest[i]], Number.EPSILON), 1));
    }
    const predicted = predict(m, split.xTest);
    return [
      `${(100 * accuracy(split.yTest, predicted)).toFixed(2)} %`,
      `${(100 * meanRecall(split.yTest, predicted)).toFixed(2)} %`,
      (loss / p.rows).toFixed(4),
      "-", // ROC AUC: digits has ten classes
    ];
  };
  const path = `${dir}/report-pruned.json`;
  const common = ["--model", densePath, "--strategy", "random", "--count", "100"];
  const r = await runCli([
    ...["prune", ...common, "--seed", "7", "--test-fraction", "0.3", "--save", path, "--quiet"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const saved = modelFromJson(await Deno.readTextFile(path));
  const row = (name: string) => {
    const found = r.stdout.split("\n").find((l) => l.startsWith(`${name} `));
    assert.ok(found !== undefined, `no '${name}' row in\n${r.stdout}`);
    return found.slice(name.length).trim().split(/ {2,}/);
  };
  assert.deepEqual(row("dense"), metrics(dense));
  assert.deepEqual(row("pruned"), metrics(saved));
  const zeros = saved.weights.data.filter((w) => w === 0).length;
  const masked = saved.mask!.filter((m) => m === 0).length;
  assert.equal(masked, 100);
  assert.ok(zeros > masked, `${zeros} zeros, ${masked} masked`);
  assert.match(
    r.stdout,
    new RegExp(`^sparsity .*: ${zeros} of 640 weights zero \\(${masked} masked\\)`, "m"),
  );
  const size = (await Deno.stat(path)).size;
  assert.match(
    r.stdout,
    new RegExp(`^saved to ${path} \\(${size.toLocaleString("en-US")} bytes\\)$`, "m"),
  );

  const json = await runCli([
    ...["prune", ...common, "--seed", "7", "--test-fraction", "0.3", "--json", "--quiet"],
  ]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.sparsity.zeros, zeros);
  assert.equal(report.sparsity.masked, masked);
  assert.equal(report.sparsity.inputFeatures, 64);
  assert.deepEqual(report.rocAuc, { dense: null, pruned: null, fineTuned: null });
  // Whole features removed: the model then takes the kept ones only.
  const features = await runCli([
    ...["prune", "--model", densePath, "--structure", "features", "--count", "10"],
    ...["--seed", "7", "--test-fraction", "0.3", "--json", "--quiet"],
  ]);
  assert.equal(features.code, 0, features.stderr);
  const f = JSON.parse(features.stdout);
  assert.equal(f.sparsity.keptFeatures.length, 54);
  assert.equal(f.sparsity.inputFeatures, 54);
});

Deno.test("lrc prune reports the ROC AUC of the dense, pruned and fine-tuned binary models", async () => {
  // Oracle: every (positive, negative) pair of the test rows counted by hand on the scores of
  // the models written here and saved by the command (ties as halves), on the split that
  // --test-fraction 0.3 --seed 7 makes of breast-cancer.
  const cancer = await loadEmbedded("breast-cancer");
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.3, seed: 7 });
  const { model: dense } = fit(split.xTrain, split.yTrain, {
    classes: cancer.classes,
    featureNames: cancer.featureNames,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  const densePath = `${dir}/auc-dense.json`;
  await Deno.writeTextFile(densePath, modelToJson(dense));
  const pairwise = (m: LogisticModel) => {
    const s = decisionFunction(m, split.xTest).data;
    let wins = 0, pairs = 0;
    for (let i = 0; i < s.length; i++) {
      for (let j = 0; j < s.length; j++) {
        if (split.yTest[i] !== 1 || split.yTest[j] !== 0) continue;
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
    return wins / pairs;
  };
  const common = ["prune", "--dataset", "breast-cancer", "--model", densePath, "--seed", "7"];
  const pruneTo = async (path: string, more: string[]) => {
    const args = [...common, "--strategy", "random", "--sparsity", "0.7", ...more];
    const json = await runCli([...args, "--test-fraction", "0.3", "--json", "--quiet"]);
    assert.equal(json.code, 0, json.stderr);
    const text = await runCli([...args, "--test-fraction", "0.3", "--save", path, "--quiet"]);
    assert.equal(text.code, 0, text.stderr);
    return {
      json: JSON.parse(json.stdout),
      text: text.stdout,
      saved: modelFromJson(await Deno.readTextFile(path)),
    };
  };
  const row = (text: string, name: string) =>
    text.split("\n").find((l) => l.startsWith(name))?.trim().split(/ {2,}/).at(-1);
  const pruned = await pruneTo(`${dir}/auc-pruned.json`, []);
  assert.match(pruned.text, /^test +accuracy +balanced accuracy +log loss +ROC AUC$/m);
  const denseAuc = pairwise(dense), prunedAuc = pairwise(pruned.saved);
  assert.notEqual(denseAuc.toFixed(4), prunedAuc.toFixed(4), "pruning changes the ranking");
  assertClose(pruned.json.rocAuc.dense, denseAuc, { rtol: 1e-12, message: "dense" });
  assertClose(pruned.json.rocAuc.pruned, prunedAuc, { rtol: 1e-12, message: "pruned" });
  assert.equal(pruned.json.rocAuc.fineTuned, null);
  assert.equal(row(pruned.text, "dense "), denseAuc.toFixed(4));
  assert.equal(row(pruned.text, "pruned "), prunedAuc.toFixed(4));
  // The balanced accuracy beside the accuracy, as --json gives it.
  for (const [name, stage] of [["dense ", "dense"], ["pruned ", "pruned"]] as const) {
    const cells = pruned.text.split("\n").find((l) => l.startsWith(name))!.trim().split(/ {2,}/);
    assert.equal(cells[2], `${(pruned.json.balancedAccuracy[stage] * 100).toFixed(2)} %`, name);
  }
  const tuned = await pruneTo(`${dir}/auc-tuned.json`, ["--fine-tune", "lbfgs"]);
  const tunedAuc = pairwise(tuned.saved);
  assertClose(tuned.json.rocAuc.fineTuned, tunedAuc, { rtol: 1e-12, message: "fine-tuned" });
  assert.equal(row(tuned.text, "fine-tuned "), tunedAuc.toFixed(4));
});
