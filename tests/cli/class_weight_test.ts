/**
 * `--class-weight` of lrc train, prune and quantize, through the CLI entry: the saved models equal
 * the library calls with the same weights on the same split (the library's weighted training is
 * tested against repeated rows and scikit-learn elsewhere), balanced weights raise the minority
 * recall on 95/5 data, and every refusal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { fineTune } from "../../lib/prune/retrain.ts";
import { pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { dequantizeModel } from "../../lib/quant/model.ts";
import { quantizationAwareTraining } from "../../lib/quant/qat.ts";
import { quantizedModelFromJson } from "../../lib/quant/serialize.ts";
import { runCli } from "../_helpers/assert_close.ts";
import { createCompressionSession } from "../../lib/compress/session.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_class_weight_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const file = `${dir}/imbalanced.csv`;
{
  // 2,000 rows, 5 % "pos", shifted a little in a and b; an independent generator.
  let s = 12345;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines = ["a,b,c,label"];
  for (let i = 0; i < 2000; i++) {
    const pos = i % 20 === 7;
    const v = [r() + r() + (pos ? 0.9 : 0), r() + r() + (pos ? 0.6 : 0), r() + r()];
    lines.push(`${v.map((t) => t.toFixed(4)).join(",")},${pos ? "pos" : "neg"}`);
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}

/** The CLI's split of the file (25 % stratified, seed 0), read by the library. */
async function split() {
  const ds = await readCsv(file);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  return { ds, s, n: s.xTrain.rows };
}

/**
 * The file with one more "pos" row (row 8): its stratified splits do not keep the class shares,
 * so weights counted on all rows, the training part or the session's part differ.
 */
async function oddFile(): Promise<string> {
  const odd = `${dir}/odd.csv`;
  const rows = (await Deno.readTextFile(file)).trimEnd().split("\n");
  rows[9] = rows[9].replace(/neg$/, "pos");
  await Deno.writeTextFile(odd, rows.join("\n") + "\n");
  return odd;
}

function recall(confusion: number[][]): number {
  return confusion[1][1] / (confusion[1][0] + confusion[1][1]);
}

Deno.test("lrc train --class-weight balanced saves fit's balanced model and raises the minority recall", async () => {
  const save = `${dir}/train.json`;
  const r = await runCli([
    "train",
    "--data",
    file,
    "--class-weight",
    "balanced",
    "--save",
    save,
    "--json",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const { ds, s, n } = await split();
  assert.deepEqual(ds.classes, ["neg", "pos"]);
  const counts = [0, 0];
  for (const v of s.yTrain) counts[v]++;
  assert.deepEqual(report.classWeight, {
    given: "balanced",
    perClass: { neg: n / (2 * counts[0]), pos: n / (2 * counts[1]) },
  });
  const ref = fit(s.xTrain, s.yTrain, {
    classes: ds.classes,
    featureNames: ds.featureNames,
    classWeight: "balanced",
    penalty: { kind: "l2", lambda: 1 / n },
    optimizer: { kind: "lbfgs", maxIterations: 1000 },
  }).model;
  const saved = modelFromJson(await Deno.readTextFile(save));
  assert.deepEqual(saved.weights.data, ref.weights.data);
  assert.deepEqual(saved.bias, ref.bias);
  // Without the option: the plain model, a lower recall of "pos" on the test rows.
  const plain = JSON.parse((await runCli(["train", "--data", file, "--json", "--quiet"])).stdout);
  assert.equal(plain.classWeight, null);
  assert.ok(
    recall(report.test.confusion) > recall(plain.test.confusion) + 0.2,
    `${recall(report.test.confusion)} vs ${recall(plain.test.confusion)}`,
  );
  // Counted on the training part: on the file above the stratified split keeps the shares
  // exactly (5 %), so counting every row gave the same weights; here one more "pos" row does not.
  const odd = await oddFile();
  const oddRun = await runCli([
    "train",
    "--data",
    odd,
    "--class-weight",
    "balanced",
    "--json",
    "--quiet",
  ]);
  assert.equal(oddRun.code, 0, oddRun.stderr);
  const oddData = await readCsv(odd);
  const oddSplit = trainTestSplit(oddData.x, oddData.y, { testFraction: 0.25, seed: 0 });
  const trainCounts = [0, 0], allCounts = [0, 0];
  for (const v of oddSplit.yTrain) trainCounts[v]++;
  for (const v of oddData.y) allCounts[v]++;
  const m = oddSplit.yTrain.length;
  const balancedOn = (c: number[], rows: number) => ({
    neg: rows / (2 * c[0]),
    pos: rows / (2 * c[1]),
  });
  assert.deepEqual(JSON.parse(oddRun.stdout).classWeight.perClass, balancedOn(trainCounts, m));
  assert.notDeepEqual(balancedOn(trainCounts, m), balancedOn(allCounts, oddData.y.length));
  // The text report says the weights in one line.
  const text = await runCli(["train", "--data", file, "--class-weight", "pos=19", "--quiet"]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout.split("\n").filter((l) => l.startsWith("weights   ")).join("\n"),
    'weights   class weights given: "neg" 1, "pos" 19',
  );
});

Deno.test("lrc prune --class-weight: dense training, OBD scores and fine-tuning all weighted (the library pipeline)", async () => {
  const save = `${dir}/pruned.json`;
  const r = await runCli([
    "prune",
    "--data",
    file,
    "--class-weight",
    "neg=1,pos=12",
    "--strategy",
    "obd",
    "--sparsity",
    "0.5",
    "--fine-tune",
    "lbfgs",
    "--save",
    save,
    "--json",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.classWeight, { given: "neg=1,pos=12", perClass: { neg: 1, pos: 12 } });
  const { ds, s, n } = await split();
  const classWeight = { pos: 12 };
  const dense = fit(s.xTrain, s.yTrain, {
    classes: ds.classes,
    featureNames: ds.featureNames,
    classWeight,
    penalty: { kind: "l2", lambda: 1 / n },
    optimizer: { kind: "lbfgs", maxIterations: 1000 },
  }).model;
  const train = { x: s.xTrain, y: s.yTrain };
  const pruned = pruneWithStrategy(dense, "obd", {
    fraction: 0.5,
    data: train,
    l2: 1 / n,
    classWeight,
  });
  const tuned = fineTune(pruned, train, {
    optimizer: { kind: "lbfgs", maxIterations: 100 },
    penalty: { kind: "l2", lambda: 1 / n },
    seed: 0,
    classWeight,
  }).model;
  const saved = modelFromJson(await Deno.readTextFile(save));
  assert.deepEqual(saved.mask, tuned.mask);
  assert.deepEqual(saved.weights.data, tuned.weights.data);
  assert.deepEqual(saved.bias, tuned.bias);
});

Deno.test("lrc prune --class-weight --strategy obd scores the weighted loss (a mask the unweighted scores do not give)", async () => {
  // Features whose spread differs by class, so weighing the 5 % class reorders OBD's saliencies.
  const wide = `${dir}/wide.csv`;
  let seed = 777;
  const r = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const scale = [[1, 0.2], [0.2, 1], [1, 1], [0.3, 2], [2, 0.3], [1, 0.5], [0.5, 1], [1, 1]];
  const shift = [0.5, 0.3, 0.8, 0.2, -0.4, 0.1, 0.6, 0];
  const lines = ["f0,f1,f2,f3,f4,f5,f6,f7,label"];
  for (let i = 0; i < 2000; i++) {
    const c = i % 20 === 3 ? 1 : 0;
    const v = scale.map((sc, j) => ((r() + r() - 1) * sc[c] + c * shift[j]).toFixed(4));
    lines.push(`${v.join(",")},${c === 1 ? "pos" : "neg"}`);
  }
  await Deno.writeTextFile(wide, lines.join("\n") + "\n");
  const save = `${dir}/wide_pruned.json`;
  const argv = ["prune", "--data", wide, "--strategy", "obd", "--sparsity", "0.5", "--quiet"];
  const run = await runCli([...argv, "--class-weight", "pos=12", "--save", save, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const ds = await readCsv(wide);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const n = s.xTrain.rows;
  const dense = fit(s.xTrain, s.yTrain, {
    classes: ds.classes,
    featureNames: ds.featureNames,
    classWeight: { pos: 12 },
    penalty: { kind: "l2", lambda: 1 / n },
    optimizer: { kind: "lbfgs", maxIterations: 1000 },
  }).model;
  const scoring = { fraction: 0.5, data: { x: s.xTrain, y: s.yTrain }, l2: 1 / n };
  const weighted = pruneWithStrategy(dense, "obd", { ...scoring, classWeight: { pos: 12 } });
  const unweighted = pruneWithStrategy(dense, "obd", scoring);
  // The test can fail: the two rankings differ on these data.
  assert.notDeepEqual(weighted.mask, unweighted.mask);
  const saved = modelFromJson(await Deno.readTextFile(save));
  assert.deepEqual(saved.mask, weighted.mask);
  assert.deepEqual(saved.weights.data, weighted.weights.data);
});

Deno.test("lrc quantize --model --qat --class-weight: QAT weighted as the library's", async () => {
  const { ds, s, n } = await split();
  const dense = fit(s.xTrain, s.yTrain, {
    classes: ds.classes,
    featureNames: ds.featureNames,
  }).model;
  const modelFile = `${dir}/dense.json`;
  await Deno.writeTextFile(modelFile, modelToJson(dense));
  const save = `${dir}/q.json`;
  const r = await runCli([
    "quantize",
    "--model",
    modelFile,
    "--data",
    file,
    "--qat",
    "--method",
    "float16",
    "--class-weight",
    "pos=3",
    "--save",
    save,
    "--json",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).classWeight, {
    given: "pos=3",
    perClass: { neg: 1, pos: 3 },
  });
  const options = {
    method: { kind: "float16" },
    bias: "float32",
    penalty: { kind: "l2", lambda: 1 / n },
    optimizer: { kind: "adam", epochs: 6, learningRate: 0.001, learningRateDecay: 0.5 },
    seed: 0,
  } as const;
  const ref = quantizationAwareTraining(dense, { x: s.xTrain, y: s.yTrain }, {
    ...options,
    classWeight: { pos: 3 },
  }).model;
  const saved = quantizedModelFromJson(await Deno.readTextFile(save));
  assert.deepEqual(dequantizeModel(saved).weights.data, dequantizeModel(ref).weights.data);
  const unweighted = quantizationAwareTraining(dense, { x: s.xTrain, y: s.yTrain }, options).model;
  assert.notDeepEqual(
    dequantizeModel(saved).weights.data,
    dequantizeModel(unweighted).weights.data,
  );
});

Deno.test("lrc compress --class-weight: the session trains as the library's with the same weights; balanced accuracy rises", async () => {
  const argv = ["compress", "--data", file, "--sparsity", "0.5", "--bits", "4", "--quiet"];
  const r = await runCli([...argv, "--class-weight", "balanced", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const { ds, s } = await split();
  const counts = [0, 0];
  for (const v of s.yTrain) counts[v]++;
  const n = s.yTrain.length;
  const perClass = { neg: n / (2 * counts[0]), pos: n / (2 * counts[1]) };
  assert.deepEqual(report.classWeight, { given: "balanced", perClass });
  // The CLI's session settings (20 % validation split of the training part, seed 0, L-BFGS,
  // standardisation, lambda 1 / rows trained on), given to the library with the same weights.
  const session = createCompressionSession(
    { x: s.xTrain, y: s.yTrain, classes: ds.classes, featureNames: ds.featureNames },
    {
      validationFraction: 0.2,
      test: { x: s.xTest, y: s.yTest },
      denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 1000 } },
      classWeight: perClass,
    },
  );
  assert.deepEqual(report.dense.validation, session.denseReport.validation);
  assert.deepEqual(report.dense.test, session.denseReport.test);
  const plain = JSON.parse((await runCli([...argv, "--json"])).stdout);
  assert.equal(plain.classWeight, null);
  const last = (j: { stages: { test: { balancedAccuracy: number } }[] }) =>
    j.stages.at(-1)!.test.balancedAccuracy;
  assert.ok(last(report) > last(plain) + 0.1, `${last(report)} vs ${last(plain)}`);
  // Counted on the training part before the validation split: on the file above every split
  // keeps the shares exactly, so the part counted did not show; on this one it does.
  const odd = await oddFile();
  const oddRun = await runCli([
    ...argv.slice(0, 2),
    odd,
    ...argv.slice(3),
    "--class-weight",
    "balanced",
    "--json",
  ]);
  assert.equal(oddRun.code, 0, oddRun.stderr);
  const oddData = await readCsv(odd);
  const oddTrain = trainTestSplit(oddData.x, oddData.y, { testFraction: 0.25, seed: 0 }).yTrain;
  const balancedOn = (labels: Int32Array) => {
    const c = [0, 0];
    for (const v of labels) c[v]++;
    return { neg: labels.length / (2 * c[0]), pos: labels.length / (2 * c[1]) };
  };
  const oddReport = JSON.parse(oddRun.stdout);
  assert.deepEqual(oddReport.classWeight.perClass, balancedOn(oddTrain));
  assert.notDeepEqual(balancedOn(oddTrain), balancedOn(oddData.y));
  // And the session trains with those weights, not "balanced" counted again on its own part.
  const oddSplit = trainTestSplit(oddData.x, oddData.y, { testFraction: 0.25, seed: 0 });
  const oddSession = createCompressionSession(
    {
      x: oddSplit.xTrain,
      y: oddSplit.yTrain,
      classes: oddData.classes,
      featureNames: oddData.featureNames,
    },
    {
      validationFraction: 0.2,
      test: { x: oddSplit.xTest, y: oddSplit.yTest },
      denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 1000 } },
      classWeight: balancedOn(oddTrain),
    },
  );
  assert.deepEqual(oddReport.dense.validation, oddSession.denseReport.validation);
  const text = await runCli([...argv, "--class-weight", "pos=19"]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes('\nweights   class weights given: "neg" 1, "pos" 19\n'),
    text.stdout,
  );
});

Deno.test("lrc prune, quantize and export --class-weight balanced count the training part's rows", async () => {
  // On the file whose stratified split changes the class shares (counting every row differs).
  const odd = await oddFile();
  const ds = await readCsv(odd);
  const train = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 }).yTrain;
  const balancedOn = (labels: Int32Array) => {
    const c = [0, 0];
    for (const v of labels) c[v]++;
    return { neg: labels.length / (2 * c[0]), pos: labels.length / (2 * c[1]) };
  };
  assert.notDeepEqual(balancedOn(train), balancedOn(ds.y));
  const runs = [
    ["prune", "--data", odd, "--sparsity", "0.5"],
    ["quantize", "--data", odd],
    ["export", "--data", odd, "--out", `${dir}/odd.onnx`],
  ];
  for (const argv of runs) {
    const r = await runCli([...argv, "--class-weight", "balanced", "--json", "--quiet"]);
    assert.equal(r.code, 0, `${argv[0]}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).classWeight.perClass, balancedOn(train), argv[0]);
  }
});

Deno.test("lrc compress --refit --class-weight: the refit's dense model is trained with the weights", async () => {
  // Its dense model is fit's on the whole training part with the same weights: the test accuracy
  // of its predictions is the baseline of the refit's test difference.
  const { ds, s, n } = await split();
  const r = await runCli([
    ...["compress", "--data", file, "--method", "uniform", "--bits", "8", "--budget", "5"],
    ...["--refit", "--class-weight", "pos=19", "--json", "--quiet"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { refit } = JSON.parse(r.stdout);
  const testAccuracy = (weights: { classWeight?: Record<string, number> }) => {
    const model = fit(s.xTrain, s.yTrain, {
      classes: ds.classes,
      featureNames: ds.featureNames,
      ...weights,
      penalty: { kind: "l2", lambda: 1 / n },
      optimizer: { kind: "lbfgs", maxIterations: 1000 },
    }).model;
    return accuracy(s.yTest, predict(model, s.xTest));
  };
  const weighted = testAccuracy({ classWeight: { pos: 19 } });
  assert.notEqual(weighted, testAccuracy({}), "the weights change the test accuracy");
  assert.ok(
    Math.abs(refit.testDifference.baselineAccuracy - weighted) < 1e-12,
    `${refit.testDifference.baselineAccuracy} vs ${weighted}`,
  );
});

Deno.test("lrc train --stream --class-weight balanced weighs the streamed training rows' classes, reports the weights and raises the minority recall", async () => {
  // Every 3rd row (index 2, 5, ...) held out; "pos" rows are i % 20 === 7.
  const streamed = ["train", "--data", file, "--stream", "--optimizer", "sgd"];
  const options = ["--test-fraction", "0.3333", "--json", "--quiet"];
  const save = `${dir}/streamed.json`, again = `${dir}/streamed_given.json`;
  const r = await runCli([...streamed, ...options, "--class-weight", "balanced", "--save", save]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const counts = [0, 0];
  for (let i = 0; i < 2000; i++) if (i % 3 !== 2) counts[i % 20 === 7 ? 1 : 0]++;
  const m = counts[0] + counts[1];
  const perClass = { neg: m / (2 * counts[0]), pos: m / (2 * counts[1]) };
  assert.deepEqual(report.classWeight, { given: "balanced", perClass });
  // The same numbers given by label train the same model bit for bit.
  const given = `neg=${perClass.neg},pos=${perClass.pos}`;
  const g = await runCli([...streamed, ...options, "--class-weight", given, "--save", again]);
  assert.equal(g.code, 0, g.stderr);
  assert.deepEqual(JSON.parse(g.stdout).classWeight, { given, perClass });
  const a = modelFromJson(await Deno.readTextFile(save));
  const b = modelFromJson(await Deno.readTextFile(again));
  assert.deepEqual([...a.weights.data, ...a.bias], [...b.weights.data, ...b.bias]);
  // Without the option: the plain model, a lower recall of "pos" on the held-out rows.
  const plain = JSON.parse((await runCli([...streamed, ...options])).stdout);
  assert.equal(plain.classWeight, null);
  assert.ok(
    recall(report.test.confusion) > recall(plain.test.confusion) + 0.2,
    `${recall(report.test.confusion)} vs ${recall(plain.test.confusion)}`,
  );
  // The text report prints the weights as in-memory training does.
  const text = await runCli([
    ...streamed,
    "--test-fraction",
    "0.3333",
    "--quiet",
    "--class-weight",
    "balanced",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes(
      `weights   class weights balanced: "neg" ${Number(perClass.neg.toPrecision(4))}, "pos" ${
        Number(perClass.pos.toPrecision(4))
      }\n`,
    ),
    text.stdout,
  );
});

Deno.test("--class-weight refusals", async () => {
  const modelFile = `${dir}/refusal.json`;
  const { ds, s } = await split();
  await Deno.writeTextFile(
    modelFile,
    modelToJson(
      fit(s.xTrain, s.yTrain, { classes: ds.classes, featureNames: ds.featureNames }).model,
    ),
  );
  const cases: [string[], string][] = [
    [
      ["train", "--data", file, "--class-weight", "yes=2"],
      `Cannot parse arguments of 'train': --class-weight names class "yes", which is not one of ` +
      `the classes ["neg","pos"]`,
    ],
    [
      ["prune", "--data", file, "--class-weight", "pos=2,pos=3", "--sparsity", "0.5"],
      `Cannot parse arguments of 'prune': --class-weight names class "pos" twice`,
    ],
    [
      ["quantize", "--data", file, "--class-weight", "pos=-1"],
      `Cannot parse arguments of 'quantize': --class-weight gives class "pos" the weight "-1"; ` +
      "weights must be numbers >= 0",
    ],
    [
      ["train", "--data", file, "--class-weight", "heavy"],
      `Cannot parse arguments of 'train': --class-weight must be balanced or LABEL=W,LABEL=W, ` +
      `got "heavy" (no LABEL=W) in "heavy"`,
    ],
    [
      ["train", "--data", file, "--class-weight", "neg=0,pos=0"],
      "Cannot parse arguments of 'train': --class-weight weighs every class of the training rows " +
      "0; at least one must weigh more",
    ],
    [
      [
        "train",
        "--data",
        file,
        "--stream",
        "--optimizer",
        "sgd",
        "--test-fraction",
        "0.3333",
        "--class-weight",
        "yes=2",
      ],
      `Cannot parse arguments of 'train': --class-weight names class "yes", which is not one of ` +
      `the classes ["neg","pos"]`,
    ],
    [
      [
        "train",
        "--data",
        file,
        "--max-data-bytes",
        "100",
        "--optimizer",
        "sgd",
        "--test-fraction",
        "0.3333",
        "--class-weight",
        "neg=0,pos=0",
      ],
      "Cannot parse arguments of 'train': --class-weight weighs every class of the training rows " +
      "0; at least one must weigh more",
    ],
    [
      ["quantize", "--model", modelFile, "--data", file, "--class-weight", "balanced"],
      "Cannot parse arguments of 'quantize': --class-weight does not apply with --model without " +
      "--qat (it weighs the dense training, which --model loads, or QAT)",
    ],
    [
      [
        "prune",
        "--model",
        modelFile,
        "--data",
        file,
        "--sparsity",
        "0.5",
        "--class-weight",
        "balanced",
      ],
      "Cannot parse arguments of 'prune': --class-weight does not apply with --model, --fine-tune " +
      "none and --strategy magnitude (it weighs the dense training, which --model loads, the " +
      "fine-tuning and taylor/obd's scores)",
    ],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${argv.join(" ")}:\n${r.stderr}\nwanted\n${message}`);
  }
  const c = await runCli([
    "compress",
    "--model",
    modelFile,
    "--data",
    file,
    "--sparsity",
    "0.5",
    "--fine-tune",
    "none",
    "--training",
    "ptq",
    "--class-weight",
    "balanced",
  ]);
  assert.equal(c.code, 2, c.stdout);
  assert.ok(
    c.stderr.includes(
      "Cannot parse arguments of 'compress': --class-weight does not apply with --model when " +
        "nothing is fine-tuned, quantization-aware trained or scored by taylor or obd",
    ),
    c.stderr,
  );
});

Deno.test("lrc export --class-weight trains the weighted model it exports: the bytes of exporting train's weighted model", async () => {
  // lrc train --class-weight is checked against fit above; export trains the same way, so its
  // graph must be the one exported from train's saved model, and differ from the plain one.
  const weighted = `${dir}/weighted.json`;
  const saved = await runCli([
    ...["train", "--data", file, "--class-weight", "pos=19", "--save", weighted, "--quiet"],
  ]);
  assert.equal(saved.code, 0, saved.stderr);
  const fromModel = `${dir}/from_model.onnx`, trained = `${dir}/trained.onnx`;
  const plain = `${dir}/plain.onnx`;
  const a = await runCli(["export", "--model", weighted, "--out", fromModel, "--quiet"]);
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli([
    ...["export", "--data", file, "--class-weight", "pos=19", "--out", trained, "--json"],
  ]);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(JSON.parse(b.stdout).classWeight, {
    given: "pos=19",
    perClass: { neg: 1, pos: 19 },
  });
  assert.deepEqual(await Deno.readFile(trained), await Deno.readFile(fromModel));
  const c = await runCli(["export", "--data", file, "--out", plain, "--json"]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).classWeight, null);
  assert.notDeepEqual(await Deno.readFile(plain), await Deno.readFile(trained));
  // The text output names the weights; with --model the option is refused (nothing trains).
  const text = await runCli([
    ...["export", "--data", file, "--class-weight", "balanced", "--out", plain, "--quiet"],
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^weights {3}class weights balanced: "neg" [0-9.]+, "pos" [0-9.]+$/m);
  const refused = await runCli([
    ...["export", "--model", weighted, "--class-weight", "balanced", "--out", plain],
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--class-weight applies only to a model trained here/);
});

Deno.test("lrc train --stream checks --class-weight's syntax before reading the file; its labels after the first pass", async () => {
  // The file with a short last row, which any pass over the whole file refuses: a value refused
  // before the passes is reported instead of it.
  const broken = `${dir}/broken_last_row.csv`;
  await Deno.writeTextFile(broken, (await Deno.readTextFile(file)) + "1,2,3\n");
  const streamed = ["train", "--data", broken, "--optimizer", "sgd", "--test-fraction", "0.3333"];
  const syntax: [string, string][] = [
    ["pos=abc", `gives class "pos" the weight "abc"; weights must be numbers >= 0`],
    [
      "balanced,x",
      `must be balanced or LABEL=W,LABEL=W, got "balanced" (no LABEL=W) in "balanced,x"`,
    ],
    ["pos=1,pos=2", `names class "pos" twice`],
    ["pos=-1", `gives class "pos" the weight "-1"; weights must be numbers >= 0`],
  ];
  for (const how of [["--stream"], ["--max-data-bytes", "100"]]) {
    for (const [value, why] of syntax) {
      const r = await runCli([...streamed, ...how, "--class-weight", value]);
      assert.equal(r.code, 2, `${value}: ${r.stdout}${r.stderr}`);
      assert.ok(
        r.stderr.includes(`Cannot parse arguments of 'train': --class-weight ${why}`),
        `${value}:\n${r.stderr}`,
      );
    }
    // A label that is no class, and "balanced", need the classes: the file is read first.
    for (const value of ["yes=2", "balanced"]) {
      const r = await runCli([...streamed, ...how, "--class-weight", value]);
      assert.equal(r.code, 1, `${value}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes("line 2002 has 3 fields, the header has 4"), r.stderr);
    }
  }
});
