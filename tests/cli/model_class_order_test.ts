import assert from "node:assert/strict";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { dataForModel, type LoadedData, validationParts } from "../../lib/cli/data_options.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

// A model file whose classes are listed in another order than the data's (an imported model):
// prune, quantize and compress --model take the data's classes in the model's order. Oracles:
// the same runs on the model in the data's order (the same model, its outputs listed otherwise),
// and `evaluate` on the models saved, on the test rows the CLI holds out (its stratified split
// with the default seed and fraction), labelled in each model's order.

type Json = Record<string, unknown> & {
  classes: string[];
  bias: number[];
  weights: { rows: number; cols: number; data: number[] };
  link: string;
};

/**
 * The same model with its classes in another order: class k of the result is class `perm[k]` of
 * `model` (its row of weights and its bias). A sigmoid model has one row, the score of classes[1]:
 * swapping its two classes negates the score (weights and bias).
 */
function reordered(model: Json, perm: readonly number[]): Json {
  const { rows, cols, data } = model.weights;
  if (model.link === "sigmoid") {
    assert.deepEqual(perm, [1, 0]);
    return {
      ...model,
      classes: [model.classes[1], model.classes[0]],
      weights: { rows, cols, data: data.map((w) => -w) },
      bias: model.bias.map((b) => -b),
    };
  }
  return {
    ...model,
    classes: perm.map((c) => model.classes[c]),
    weights: { rows, cols, data: perm.flatMap((c) => data.slice(c * cols, (c + 1) * cols)) },
    bias: perm.map((c) => model.bias[c]),
  };
}

/** The test rows of the CLI's split of an embedded data set, their labels, and every row. */
async function testRows(name: "wine" | "breast-cancer") {
  const data = await loadEmbedded(name);
  const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
  return { x: split.xTest, labels: Array.from(split.yTest, (c) => data.classes[c]), all: data.x };
}

/** `evaluate` on a saved model, the labels given by name (indexed in the model's order). */
function measured(model: LogisticModel, x: Matrix, labels: readonly string[]): number[] {
  const e = evaluate(model, x, Int32Array.from(labels, (l) => model.classes.indexOf(l)));
  return [e.accuracy, e.balancedAccuracy, e.logLoss];
}

/** The labels a model predicts, by name. */
function labelsOf(model: LogisticModel, x: Matrix): string[] {
  return Array.from(predict(model, x), (c) => model.classes[c]);
}

// deno-lint-ignore no-explicit-any
type Report = any;

/**
 * Each command's options, and the metrics it reports: first those of its runs compared with each
 * other, then (the last three) the saved model's test accuracy, balanced accuracy and log loss.
 */
const COMMANDS: [string, string[], (r: Report) => number[]][] = [
  ["quantize", ["--bits", "3", "--save"], (r) => [
    r.test.floatAccuracy,
    r.test.floatBalancedAccuracy,
    r.test.savedDequantizedAccuracy,
    r.test.savedDequantizedBalancedAccuracy,
  ]],
  [
    "prune",
    ["--sparsity", "0.8", "--fine-tune", "lbfgs", "--fine-tune-iterations", "20", "--save"],
    (r) => [
      r.accuracy.dense,
      r.logLoss.dense,
      r.accuracy.fineTuned,
      r.balancedAccuracy.fineTuned,
      r.logLoss.fineTuned,
    ],
  ],
  ["compress", ["--sparsity", "0.8", "--bits", "2", "--qat-epochs", "2", "--out"], (r) => [
    // The validation rows' measure: the same rows whatever the model's class order.
    r.dense.validation.logLoss,
    r.dense.test.logLoss,
    r.stages.at(-1).test.accuracy,
    r.stages.at(-1).test.balancedAccuracy,
    r.stages.at(-1).test.logLoss,
  ]],
];

for (
  const [dataset, perm] of [["wine", [1, 2, 0]], ["breast-cancer", [1, 0]]] as const
) {
  Deno.test(`prune, quantize and compress --model on ${dataset} read a model whose classes are in another order as the same model`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const common = ["--dataset", dataset, "--quiet"];
      const trained = await runCli([
        "train",
        ...common,
        "--max-iterations",
        "3",
        "--save",
        `${dir}/m.json`,
      ]);
      assert.equal(trained.code, 0, trained.stderr);
      const model = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as Json;
      const other = reordered(model, perm);
      assert.notDeepEqual(other.classes, model.classes);
      await Deno.writeTextFile(`${dir}/r.json`, JSON.stringify(other));
      const { x, labels, all } = await testRows(dataset);
      for (const [command, options, metrics] of COMMANDS) {
        const reports: Report[] = [], saved: LogisticModel[] = [];
        for (const name of ["m", "r"]) {
          const path = `${dir}/${command}_${name}.json`;
          const r = await runCli([
            command,
            ...common,
            "--model",
            `${dir}/${name}.json`,
            ...options,
            path,
            "--json",
          ]);
          assert.equal(r.code, 0, r.stderr);
          reports.push(JSON.parse(r.stdout));
          saved.push(asFloatModel(await loadModel(path)));
        }
        const [a, b] = [metrics(reports[0]), metrics(reports[1])];
        assertClose(b, a, { atol: 1e-9, message: `${command}: the reordered model's metrics` });
        assert.deepEqual(saved[1].classes, other.classes, command);
        // The saved model's own measures of the test rows, labelled by name.
        const own = command === "quantize"
          ? measured(saved[1], x, labels).slice(0, 2)
          : measured(saved[1], x, labels);
        assertClose(b.slice(-own.length), own, {
          atol: 1e-9,
          message: `${command}: the reported test metrics against evaluate`,
        });
        // Both saved models label every row alike.
        assert.deepEqual(labelsOf(saved[1], all), labelsOf(saved[0], all), command);
        // Each says so.
        assert.match(
          command === "prune" ? reports[1].model : reports[1].data.source,
          /classes (taken )?in (the model's|its) order/,
          command,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/**
 * Writes the wine data as a CSV file with a header, the label (renamed by `label`, given the
 * label and the row's index; rows it maps to `null` are left out) last, and a weight column `w` before it when `weight` is given.
 */
async function writeWine(
  path: string,
  label: (label: string, row: number) => string | null,
  weight?: (i: number) => number,
): Promise<void> {
  const wine = await loadEmbedded("wine");
  const { rows, cols, data } = wine.x;
  const lines = [[...wine.featureNames, ...(weight ? ["w"] : []), "label"].join(",")];
  for (let i = 0; i < rows; i++) {
    const named = label(wine.classes[wine.y[i]], i);
    if (named === null) continue;
    const row = Array.from(data.subarray(i * cols, (i + 1) * cols));
    lines.push([...row, ...(weight ? [weight(i)] : []), named].join(","));
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

/** The numbers of a report's part, by path (sorted: the classes' order of a part is not compared). */
function numbers(value: unknown, path = ""): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (value === null || typeof value !== "object") return [];
  return Object.keys(value).sort().flatMap((k) =>
    numbers((value as Record<string, unknown>)[k], `${path}.${k}`)
  );
}

Deno.test("with class and row weights, a model whose classes are in another order is weighed and measured as the same model (compress: its validation rows too)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeWine(`${dir}/d.csv`, (label) => label, (i) => 1 + (i % 4));
    const common = [
      "--data",
      `${dir}/d.csv`,
      "--weight-column",
      "w",
      "--class-weight",
      "class_1=3",
      "--quiet",
    ];
    const trained = await runCli([
      "train",
      ...common,
      "--max-iterations",
      "3",
      "--save",
      `${dir}/m.json`,
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const model = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as Json;
    await Deno.writeTextFile(`${dir}/r.json`, JSON.stringify(reordered(model, [2, 0, 1])));
    const commands: [string, string[], (r: Report) => unknown][] = [
      ["quantize", ["--bits", "3", "--qat", "--qat-epochs", "2"], (r) => r.test],
      ["prune", ["--sparsity", "0.8", "--fine-tune", "lbfgs"], (r) => [r.accuracy, r.logLoss]],
      [
        "compress",
        ["--sparsity", "0.8", "--bits", "2", "--qat-epochs", "2", "--weighted-metrics"],
        (r) => r.stages.map((s: Report) => [s.validation, s.test]),
      ],
    ];
    for (const [command, options, measures] of commands) {
      const reports: Report[] = [];
      for (const name of ["m", "r"]) {
        const r = await runCli([
          command,
          ...common,
          "--model",
          `${dir}/${name}.json`,
          ...options,
          "--json",
        ]);
        assert.equal(r.code, 0, r.stderr);
        reports.push(JSON.parse(r.stdout));
      }
      const part = (r: Report) => [measures(r), r.testWeighted, r.sampleWeight];
      const [ours, theirs] = reports.map((r) => numbers(part(r)));
      assert.deepEqual(theirs.map(([p]) => p), ours.map(([p]) => p), command);
      theirs.forEach(([path, v], k) =>
        assertClose(v, ours[k][1], { atol: 1e-9, message: `${command} ${path}` })
      );
      // The class weights by label.
      assert.deepEqual(reports[1].classWeight.perClass, { class_0: 1, class_1: 3, class_2: 1 });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prune, quantize and compress --model name the classes the data hold that the model lacks, and those of the model they lack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trained = await runCli([
      "train",
      "--dataset",
      "wine",
      "--max-iterations",
      "3",
      "--quiet",
      "--save",
      `${dir}/m.json`,
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    await writeWine(`${dir}/two.csv`, (l) => l === "class_1" ? null : l);
    await writeWine(`${dir}/other.csv`, (l) => l === "class_1" ? "class_9" : l);
    await writeWine(`${dir}/more.csv`, (l, i) => l === "class_1" && i % 2 === 0 ? "class_3" : l);
    const cases: [string, string][] = [
      ["two.csv", 'the data lack the model\'s class "class_1"'],
      ["more.csv", 'the data hold class "class_3", which the model lacks'],
      [
        "other.csv",
        'the data hold class "class_9", which the model lacks, and they lack the model\'s class ' +
        '"class_1"',
      ],
    ];
    for (const command of [["prune", "--sparsity", "0.5"], ["quantize"], ["compress"]]) {
      for (const [file, why] of cases) {
        const model = `${dir}/m.json`;
        const r = await runCli([...command, "--model", model, "--data", `${dir}/${file}`]);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stderr,
          `lrc ${command[0]}: Cannot apply '${model}' to ${dir}/${file}: ${why}; the data must ` +
            "hold the model's classes, all of them and no other (in any order)\n",
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataForModel renumbers the data's classes in a model's order, and leaves data in its order as they are", () => {
  const model = fit(
    { rows: 6, cols: 1, data: Float64Array.of(0, 1, 2, 3, 4, 5) },
    Int32Array.of(0, 0, 1, 1, 2, 2),
    { classes: ["b", "c", "a"] },
  ).model;
  const x = (rows: number): Matrix => ({ rows, cols: 1, data: new Float64Array(rows) });
  const data = (classes: string[]): LoadedData => ({
    source: "d.csv",
    train: { x: x(4), y: Int32Array.of(0, 1, 2, 1), classes, featureNames: model.featureNames },
    test: { x: x(2), y: Int32Array.of(2, 0) },
    rowWeights: {
      column: "w",
      train: Float64Array.of(1, 2, 3, 4),
      test: Float64Array.of(5, 6),
    },
  });
  const same = data(["b", "c", "a"]);
  const kept = dataForModel(model, same, "m.lrc");
  assert.equal(kept.train.y, same.train.y);
  assert.equal(kept.test.y, same.test.y);
  assert.equal(kept.source, "d.csv");
  assert.equal(kept.dataClasses, undefined);
  assert.deepEqual(validationParts(kept, { fraction: 0.5, seed: 0, weightedMetrics: true }), {
    data: kept.train,
    options: { validationFraction: 0.5 },
  });
  const given = data(["a", "b", "c"]);
  const taken = dataForModel(model, given, "m.lrc");
  // "a" is the model's class 2, "b" its 0, "c" its 1: each row keeps its label.
  assert.deepEqual(taken.train.y, Int32Array.of(2, 0, 1, 0));
  assert.deepEqual(taken.test.y, Int32Array.of(1, 2));
  assert.deepEqual(taken.train.classes, ["b", "c", "a"]);
  assert.deepEqual(taken.dataClasses, ["a", "b", "c"]);
  assert.equal(taken.rowWeights, given.rowWeights);
  assert.equal(taken.source, `d.csv, its classes in the model's order (["b","c","a"])`);
  // The data as given are not changed.
  assert.deepEqual(given.train.y, Int32Array.of(0, 1, 2, 1));
});

Deno.test("lrc compress --weighted-metrics refuses validation rows that all weigh 0 in the same words, whatever the order of the model's classes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The validation rows: the CLI's test split (seed 0, fraction 0.25), then the session's
    // validation split of the training part (seed 0, fraction 0.2), both in the data's order.
    const wine = await loadEmbedded("wine");
    const outer = trainTestSplit(wine.x, wine.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: 0.2, seed: 0 });
    const held = new Set(Array.from(inner.testIndex, (k) => outer.trainIndex[k]));
    await writeWine(`${dir}/d.csv`, (label) => label, (i) => held.has(i) ? 0 : 1);
    const data = ["--data", `${dir}/d.csv`, "--weight-column", "w", "--quiet"];
    const trained = await runCli([
      "train",
      ...data,
      "--max-iterations",
      "3",
      "--save",
      `${dir}/m.json`,
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const model = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as Json;
    await Deno.writeTextFile(`${dir}/r.json`, JSON.stringify(reordered(model, [2, 1, 0])));
    const run = (name: string) =>
      runCli(["compress", ...data, "--model", `${dir}/${name}.json`, "--weighted-metrics"]);
    const ours = await run("m"), theirs = await run("r");
    assert.equal(ours.code, 1, ours.stderr);
    assert.match(ours.stderr, /every validation row weighs 0/);
    assert.equal(theirs.code, 1, theirs.stderr);
    assert.equal(theirs.stderr, ours.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
