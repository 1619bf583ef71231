import assert from "node:assert/strict";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { directModel } from "./_direct_model.ts";
import { quantizedModelFromJson } from "../../lib/quant/serialize.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import {
  integerDecisionFunction,
  integerPredict,
  prepareIntegerModel,
} from "../../lib/quant/integer.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { MODEL_VERSION } from "../../lib/model/types.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { sizeReport } from "../../lib/io/size_report.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";

Deno.test("lrc quantize trains, quantizes and reports accuracy and bytes as JSON", async () => {
  const r = await runCli([
    "quantize",
    "--bits",
    "4",
    "--granularity",
    "class",
    "--max-iterations",
    "60",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.command, "quantize");
  assert.equal(report.method.bits, 4);
  // 4-bit codes of the 10 x 64 weights the file stores (not those of blank pixels, which are 0),
  // packed; the rest of the file is checked below.
  assert.ok(report.size.storedWeights <= 640 && report.size.storedWeights > 100);
  assert.equal(report.size.codeBytes, Math.ceil(report.size.storedWeights * 4 / 8));
  assert.ok(report.test.quantizedAccuracy > 0.85);
  assert.ok(report.test.integerAgreement >= 0.999, `${report.test.integerAgreement}`);
  assert.equal(report.size.bias, "int32");
});

/** The share of positions where two label arrays agree. */
function share(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Balanced accuracy counted here: each class's share of its rows (in `y`) predicted right (in
 * `p`), averaged over the classes that label rows.
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

Deno.test("lrc quantize --json reports accuracies that match a direct evaluation of its models", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    // The CLI's split: the same library function with the seed and fraction given to it.
    const { split, model } = await directModel(7);
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    const r = await runCli([
      ...["quantize", "--model", `${dir}/m.json`, "--bits", "2", "--granularity", "class"],
      ...["--seed", "7", "--test-fraction", "0.3", "--save", `${dir}/q.json`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.data.testSamples, split.yTest.length);
    const y = split.yTest, x = split.xTest;

    const float = modelFromJson(await Deno.readTextFile(`${dir}/m.json`));
    const floatAccuracy = share(y, predict(float, x));
    // The post-training quantized model (float32 bias, before input calibration) whose codes
    // the saved file holds.
    const ptq = quantizeModel(float, {
      method: {
        kind: "uniform",
        scheme: "symmetric",
        bits: 2,
        granularity: "class",
        calibration: { kind: "mse" },
        rounding: { kind: "nearest" },
      },
    });
    const saved = quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`));
    assert.deepEqual(saved.weights, ptq.weights);
    const dequantizedPred = predict(dequantizeModel(ptq), x);
    const quantizedAccuracy = share(y, dequantizedPred);
    // 2-bit weights lose accuracy here: a report repeating one number for the other fails.
    assert.notEqual(quantizedAccuracy, floatAccuracy);
    // Digits keep the input calibration; integer-only inference runs on the saved model.
    assert.ok(saved.input !== undefined, "digits keep the input calibration");
    // Calibrated on the training part of the split, not on the test data it is scored on.
    assert.deepEqual(saved.input, calibrateInput(ptq, split.xTrain).input);
    const integerPred = integerPredict(prepareIntegerModel(saved), x);
    const integerAccuracy = share(y, integerPred);
    const integerAgreement = share(integerPred, dequantizedPred);

    assert.equal(report.test.floatAccuracy, floatAccuracy);
    assert.equal(report.test.quantizedAccuracy, quantizedAccuracy);
    // The saved file's own dequantized model: its bias rounded to the int32 grid.
    assert.equal(
      report.test.savedDequantizedAccuracy,
      share(y, predict(dequantizeModel(saved), x)),
    );
    assert.equal(report.test.integerAccuracy, integerAccuracy);
    assert.equal(report.test.integerAgreement, integerAgreement);
    assert.equal(report.integer.testAccuracy, integerAccuracy);
    assert.equal(report.integer.agreement, integerAgreement);
    // Balanced accuracy from each model's own predictions, integer-only from the integer kernel's.
    const balanced = {
      float: meanRecall(y, predict(float, x)),
      quantized: meanRecall(y, dequantizedPred),
      savedDequantized: meanRecall(y, predict(dequantizeModel(saved), x)),
      integer: meanRecall(y, integerPred),
    };
    assert.notEqual(balanced.quantized, balanced.float);
    for (const [key, value] of Object.entries(balanced)) {
      assertClose(report.test[`${key}BalancedAccuracy`], value, { rtol: 1e-12, message: key });
    }
    assert.equal(report.integer.testBalancedAccuracy, report.test.integerBalancedAccuracy);
    // Ten classes: no ROC AUC.
    for (const key of ["float", "quantized", "savedDequantized", "integer"]) {
      assert.equal(report.test[`${key}RocAuc`], null, key);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize loads a model, runs QAT and saves a readable quantized model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const digits = await loadEmbedded("digits");
    const { model } = fit(digits.x, digits.y, {
      classes: digits.classes,
      featureNames: digits.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    });
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    const r = await runCli([
      "quantize",
      "--model",
      `${dir}/m.json`,
      "--method",
      "kmeans",
      "--bits",
      "2",
      "--qat",
      "--qat-epochs",
      "2",
      "--save",
      `${dir}/q.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /k-means 4 levels per tensor \(kmeans\+\+\), quantization-aware training 2 epochs/,
    );
    assert.match(
      r.stdout,
      /integer-only inference unavailable: codebook weights have no integer grid/,
    );
    const q = quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`));
    assert.equal(q.weights.kind, "codebook");
    assert.equal(dequantizeModel(q).classes.length, 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize --qat quantizes a model whose weights an L1 penalty zeroed", async () => {
  // Every weight is 0, so the fixed grid QAT would calibrate on them is a placeholder: the
  // library refuses it ("pass recalibrate: true", an option lrc does not have), and the command
  // failed where it had quantized the model.
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "quantize",
      "--dataset",
      "breast-cancer",
      "--penalty",
      "l1",
      "--lambda",
      "10",
      "--qat",
      "--qat-epochs",
      "2",
      "--save",
      `${dir}/q.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const q = quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`));
    assert.equal(q.weights.kind, "uniform");
    // The premise: the trained model's weights are all 0, and stay 0 under the penalty.
    assert.ok(q.weights.codes.every((c) => c === 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize rejects bad settings with a one-line usage error", async () => {
  const cases: [string[], RegExp][] = [
    [["--bits", "17"], /--bits must be an integer in \[1, 16\], got '17'/],
    [["--bits", "0"], /--bits must be an integer in \[1, 16\]/],
    [["--method", "log2", "--bits", "9"], /bits must be an integer in \[1, 8\], got 9/],
    [["--method", "int4"], /--method must be one of uniform, affine, log2, kmeans, float16/],
    // refused before the data are read (the file does not exist) and a model is trained
    [
      ["--qat", "--rounding", "stochastic", "--data", "/nonexistent/lrc-quantize.csv"],
      /--rounding does not apply as stochastic with --qat \(training rounds to nearest/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(["quantize", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  }
  const r = await runCli([
    "quantize",
    "--method",
    "kmeans",
    "--levels",
    "5000",
    "--max-iterations",
    "5",
  ]);
  // More levels than the model will have weights: refused before training.
  assert.equal(r.code, 2);
  assert.match(r.stderr, /k-means with 5000 levels needs at least 5000 weights per group/);
  // And of a loaded model, as an option its shape rules out (exit 2, before quantizing): it was
  // exit 1, from the quantizer's own refusal after loading. A binary model of 3 features
  // has 3 weights per tensor, 1 per feature.
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    const model = `${dir}/m.json`;
    await Deno.writeTextFile(
      model,
      modelToJson({
        kind: "logistic-regression",
        version: MODEL_VERSION,
        link: "sigmoid",
        weights: { data: Float64Array.of(0.5, -1, 2), rows: 1, cols: 3 },
        bias: Float64Array.of(0.25),
        classes: ["a", "b"],
        featureNames: ["f", "g", "h"],
        preprocessing: { kind: "none" },
      }),
    );
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(
      data,
      "f,g,h,y\n0,1,2,a\n1,0,2,b\n2,1,0,a\n0,2,1,b\n1,1,1,a\n2,2,0,b\n",
    );
    for (const [levels, granularity, size] of [["4", "tensor", 3], ["2", "feature", 1]] as const) {
      const loaded = await runCli([
        ...["quantize", "--model", model, "--data", data],
        ...["--method", "kmeans", "--levels", levels, "--granularity", granularity],
      ]);
      assert.equal(loaded.code, 2, loaded.stderr);
      assert.match(
        loaded.stderr,
        new RegExp(
          `k-means with ${levels} levels needs at least ${levels} weights per group, and the ` +
            `model will have ${size} per ${granularity}; use fewer --bits or --levels\n$`,
        ),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize keeps the input calibration only where integer-only inference agrees", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    // Breast cancer: standardised, raw feature ranges from about 0.1 to 4000: one input scale
    // loses the small ones. Digits: pixels 0 to 16, one scale serves them all.
    for (const [dataset, saved] of [["breast-cancer", false], ["digits", true]] as const) {
      const path = `${dir}/${dataset}.json`;
      const r = await runCli(["quantize", "--dataset", dataset, "--save", path, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.integer.calibrationSaved, saved, dataset);
      assert.equal(report.integer.trainAgreement >= 0.99, saved, dataset);
      const model = quantizedModelFromJson(await Deno.readTextFile(path));
      assert.equal(model.input !== undefined, saved, dataset);
      const text = await runCli(["quantize", "--dataset", dataset]);
      assert.equal(/integer-only inference agrees on only/.test(text.stdout), !saved, dataset);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantize --method affine is the uniform affine grid, as compress names it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const common = ["quantize", "--quiet", "--dataset", "breast-cancer", "--bits", "4"];
    const a = await runCli([...common, "--method", "affine", "--save", `${dir}/a.lrc`]);
    assert.equal(a.code, 0, a.stderr);
    const u = await runCli([
      ...common,
      ...["--method", "uniform", "--scheme", "affine", "--save", `${dir}/u.lrc`],
    ]);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/a.lrc`), await Deno.readFile(`${dir}/u.lrc`));
    const q = await loadModel(`${dir}/a.lrc`);
    assert.ok(q.kind === "quantized-logistic-regression" && q.weights.kind === "uniform");
    assert.equal(q.weights.scheme, "affine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantize --preprocessing folds or compacts the standardisation as compress stores it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    const digits = await loadEmbedded("digits");
    const { model } = fit(digits.x, digits.y, {
      classes: digits.classes,
      featureNames: digits.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    });
    assert.equal(model.preprocessing.kind, "standardize");
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    const floatPred = predict(model, digits.x);
    const sizes: Record<string, number> = {};
    for (const [mode, stored] of [["keep", "kept"], ["fold", "folded"], ["compact", "compact"]]) {
      const file = `${dir}/q-${mode}.lrc`;
      const r = await runCli([
        ...["quantize", "--model", `${dir}/m.json`, "--bits", "16", "--preprocessing", mode],
        ...["--save", file, "--json"],
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).preprocessing, stored);
      sizes[mode] = (await Deno.stat(file)).size;
      const q = await loadModel(file);
      if (q.kind !== "quantized-logistic-regression") throw new Error(q.kind);
      const p = q.preprocessing;
      if (mode === "fold") assert.equal(p.kind, "none");
      else if (p.kind !== "standardize") throw new Error(`${mode}: ${p.kind}`);
      else if (mode === "compact") assert.ok(p.mean.every((m) => m === 0), "mean folded");
      else assert.deepEqual(p.mean, model.preprocessing.mean);
      // 16-bit weights: each storage computes (nearly) the float model's scores.
      const agreement = share(predict(dequantizeModel(q), digits.x), floatPred);
      assert.ok(agreement >= 0.999, `${mode}: ${agreement}`);
    }
    assert.ok(sizes.fold < sizes.compact && sizes.compact < sizes.keep, JSON.stringify(sizes));
    const refused = await runCli(["quantize", "--no-standardize", "--preprocessing", "fold"]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^lrc quantize: [^\n]*--preprocessing does not apply with --no-standardize[^\n]*\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantize refuses a --bits that --levels contradicts, and takes one that fits", async () => {
  // --bits 2 --levels 8 wrote 3-bit codes without a word (found by the CLI review).
  const refused = await runCli([
    ...["quantize", "--method", "kmeans", "--bits", "2", "--levels", "8"],
    ...["--data", "/nonexistent/lrc-quantize.csv"],
  ]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /--bits 2 does not fit --levels 8, whose codes take 3 bits/);
  assert.equal(refused.stderr.trim().split("\n").length, 1);
  const dir = await Deno.makeTempDir();
  try {
    // Codes of K levels take ceil(log2 K) bits: --bits that says so, or none, is accepted.
    for (const [levels, bits] of [[8, 3], [10, 4], [5, null]] as const) {
      const path = `${dir}/k${levels}.json`;
      const r = await runCli([
        ...["quantize", "--dataset", "breast-cancer", "--method", "kmeans"],
        ...["--levels", String(levels), ...(bits === null ? [] : ["--bits", String(bits)])],
        ...["--max-iterations", "20", "--quiet", "--save", path],
      ]);
      assert.equal(r.code, 0, r.stderr);
      const q = quantizedModelFromJson(await Deno.readTextFile(path));
      assert.ok(q.weights.kind === "codebook");
      assert.equal(q.weights.levels, levels);
      assert.equal(q.weights.bits, Math.ceil(Math.log2(levels)));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize reports the saved file's dequantized accuracy where the int32 bias changes it", async () => {
  // 3-bit codes of a folded model (seed 0, digits): rounding the bias to each class's product
  // scale moves test predictions, so "quantized (dequantized)" (before calibration) was not
  // what lrc predict --dequantized reads from the file.
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    const r = await runCli([
      ...["quantize", "--bits", "3", "--preprocessing", "fold", "--seed", "0"],
      ...["--save", `${dir}/q.json`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.integer.calibrationSaved);
    const saved = quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`));
    assert.ok(saved.input !== undefined);
    assert.equal(saved.bias.kind, "int32");
    assert.notEqual(report.test.savedDequantizedAccuracy, report.test.quantizedAccuracy);
    // Its balanced accuracy too, from the saved file's dequantized predictions on the command
    // line's split (digits, --test-fraction 0.25, --seed 0).
    const digits = await loadEmbedded("digits");
    const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.25, seed: 0 });
    const savedPred = predict(dequantizeModel(saved), split.xTest);
    assert.equal(report.test.savedDequantizedAccuracy, share(split.yTest, savedPred));
    assertClose(
      report.test.savedDequantizedBalancedAccuracy,
      meanRecall(split.yTest, savedPred),
      { rtol: 1e-12 },
    );
    assert.notEqual(
      report.test.savedDequantizedBalancedAccuracy,
      report.test.quantizedBalancedAccuracy,
    );
    const text = await runCli([
      "quantize",
      "--bits",
      "3",
      "--preprocessing",
      "fold",
      "--seed",
      "0",
    ]);
    assert.match(text.stdout, /file, dequantized \(int32 bias\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize --init, --input-dtype and --qat-learning-rate reach the model it saves", async () => {
  // Each was parsed and could be ignored without any quantize test failing (found by the
  // test-quality review by mutation of lib/cli/quantize.ts).
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    const { split, model } = await directModel(7);
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    const base = ["quantize", "--model", `${dir}/m.json`, "--seed", "7", "--test-fraction", "0.3"];
    const run = async (...extra: string[]) => {
      const r = await runCli([...base, ...extra, "--json"]);
      assert.equal(r.code, 0, `${extra.join(" ")}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };

    // --init linear: the codebook the library's k-means gives from evenly spaced levels, which
    // here is not the one k-means++ finds.
    await run("--method", "kmeans", "--bits", "2", "--init", "linear", "--save", `${dir}/k.json`);
    const saved = quantizedModelFromJson(await Deno.readTextFile(`${dir}/k.json`));
    const kmeans = (init: "linear" | "kmeans++") =>
      quantizeModel(model, {
        method: { kind: "kmeans", bits: 2, granularity: "tensor", init, seed: 7 },
      }).weights;
    assert.deepEqual(saved.weights, kmeans("linear"));
    assert.notDeepEqual(kmeans("linear"), kmeans("kmeans++"));

    // --input-dtype: the raw inputs' grid, symmetric int8 (max / 127) or uint8 (max / 255) from
    // the largest input of the training part (digits' pixels are 0..16).
    let max = 0;
    for (const v of split.xTrain.data) max = Math.max(max, Math.abs(v));
    for (const [dtype, levels] of [["int8", 127], ["uint8", 255]] as const) {
      const report = await run("--bits", "8", "--input-dtype", dtype);
      assert.equal(report.integer.inputDtype, dtype);
      assert.equal(report.integer.inputZeroPoint, 0);
      assert.ok(Math.abs(report.integer.inputScale - max / levels) < 1e-9 * max, dtype);
    }

    // --qat-learning-rate: a rate of 1e-12 leaves the latent weights where they start, so QAT
    // saves the codes post-training quantization gives the loaded model; at the default rate
    // the codes move.
    const qat = async (...rate: string[]) => {
      await run("--bits", "2", "--qat", "--qat-epochs", "1", ...rate, "--save", `${dir}/q.json`);
      return quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`)).weights;
    };
    const ptq = quantizeModel(model, {
      method: { kind: "uniform", scheme: "symmetric", bits: 2, granularity: "class" },
    }).weights;
    assert.deepEqual((await qat("--qat-learning-rate", "1e-12")).codes, ptq.codes);
    assert.notDeepEqual((await qat()).codes, ptq.codes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize stores a bias beyond float32 in float64 instead of refusing it with a library option", async () => {
  // A model imported from elsewhere may carry such a bias; the library refuses it in float32
  // naming its option bias: "float64", which the command line does not have.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/d.csv`, "a,b,y\n1,2,1\n3,1,0\n0,5,1\n4,4,0\n");
    for (const intercept of [1e39, -2.5]) {
      const coef = { coef: [[1, 2]], intercept: [intercept], classes: ["0", "1"] };
      await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify(coef));
      for (const qat of [[], ["--qat"]]) {
        const r = await runCli([
          ...["quantize", "--model", `${dir}/c.json`, "--data", `${dir}/d.csv`],
          ...["--save", `${dir}/q.lrc`, "--quiet", ...qat],
        ]);
        assert.equal(r.code, 0, r.stderr);
        const q = await loadModel(`${dir}/q.lrc`);
        assert.equal(q.kind, "quantized-logistic-regression");
        if (q.kind !== "quantized-logistic-regression") continue;
        // An ordinary bias is stored as before (int32 codes for integer inference here).
        if (intercept !== 1e39) {
          assert.notEqual(q.bias.kind, "float64", `${qat}`);
          continue;
        }
        assert.equal(q.bias.kind, "float64", `${qat}`);
        // Post-training quantization keeps the bias as it is.
        if (qat.length === 0) assert.equal(q.bias.values[0], intercept);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize --model takes the CSV's columns by name in any order, and refuses --preprocessing for a model without standardisation", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await loadEmbedded("breast-cancer");
    const { model } = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 50 },
    });
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    // The label first, then the features in reverse order.
    const d = data.x.cols;
    const lines = [["label", ...[...data.featureNames].reverse()].join(",")];
    for (let i = 0; i < data.x.rows; i++) {
      const row = [data.classes[data.y[i]]];
      for (let j = d - 1; j >= 0; j--) row.push(String(data.x.data[i * d + j]));
      lines.push(row.join(","));
    }
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
    const r = await runCli([
      ...["quantize", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`, "--label", "label"],
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.match(report.data.source, /its columns in the model's order/);
    // The default split of the same rows, and the model applied to it in its own column order.
    const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    assert.equal(report.test.floatAccuracy, share(split.yTest, predict(model, split.xTest)));
    assert.ok(report.test.floatAccuracy > 0.9, `${report.test.floatAccuracy}`);

    const raw = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 5 },
    }).model;
    await Deno.writeTextFile(`${dir}/raw.json`, modelToJson(raw));
    const refused = await runCli([
      ...["quantize", "--model", `${dir}/raw.json`, "--dataset", "breast-cancer"],
      ...["--preprocessing", "fold", "--quiet"],
    ]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /--preprocessing does not apply to a model without standardisation/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize reports the bytes of the file it writes, part by part, and the input file's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-size-test-" });
  try {
    const data = ["--dataset", "breast-cancer", "--quiet"];
    const dense = `${dir}/bc.lrc`, pruned = `${dir}/bc_p.lrc`;
    let r = await runCli(["train", ...data, "--save", dense]);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(["prune", ...data, "--model", dense, "--sparsity", "0.75", "--save", pruned]);
    assert.equal(r.code, 0, r.stderr);
    const kept = (await loadModel(pruned) as { mask?: Uint8Array }).mask!.reduce((a, b) => a + b);
    assert.ok(kept < 30, `${kept} weights kept`);
    let grown = 0;
    for (const [input, stored] of [[dense, 30], [pruned, kept]] as const) {
      const out = `${dir}/q.lrc`;
      const run = async (extra: string[]) => {
        const q = await runCli([
          ...["quantize", ...data, "--model", input, "--bits", "4", "--save", out, ...extra],
        ]);
        assert.equal(q.code, 0, q.stderr);
        return {
          stdout: q.stdout,
          bytes: (await Deno.stat(out)).size,
          report: await sizeReport(await Deno.readFile(out)),
        };
      };
      const inputBytes = (await Deno.stat(input)).size;
      const text = await run([]);
      const file = text.report;
      assert.equal(file.fileBytes, text.bytes);
      const line = (head: string) => text.stdout.split("\n").find((l) => l.startsWith(head))!;
      const weights = line("weights   ").match(
        /^weights {3}(?:(\d+) of )?30(?: stored)? x 4 bits: (\d+) bytes? of codes \+ (\d+) bytes? of scales[^+]* \+ (\d+) bytes? of indices \(\w+\) = (\d+) bytes/,
      );
      assert.ok(weights, line("weights   "));
      const [, storedText, codes, scales, indices, sum] = weights.map(Number);
      // The codes the file stores: the kept weights only, packed at 4 bits.
      assert.equal(storedText ? storedText : 30, stored, line("weights   "));
      assert.equal(file.storedWeights, stored);
      assert.equal(codes, Math.ceil((stored * 4) / 8));
      assert.deepEqual([codes, scales, indices], [
        file.parts.codes,
        file.parts.scales,
        file.parts.indices,
      ]);
      assert.equal(sum, codes + scales + indices);
      const bias = Number(line("bias      ").match(/, (\d+) bytes?/)![1]);
      assert.equal(bias, file.parts.bias);
      const rest = line("rest      ").match(/\d{1,3}(?:,\d{3})*/g)!.map((t) =>
        Number(t.replaceAll(",", ""))
      );
      assert.equal(rest.length, 5, line("rest      "));
      // Every printed part together is the length of the written file.
      assert.equal(sum + bias + rest.reduce((a, b) => a + b), text.bytes);
      assert.equal(
        line("saved     "),
        `saved     ${out} (${text.bytes.toLocaleString("en-US")} bytes; the input file: ` +
          `${inputBytes.toLocaleString("en-US")} bytes)`,
      );
      const grew = line("note      the saved file is");
      assert.equal(grew !== undefined, text.bytes > inputBytes, text.stdout);
      if (grew !== undefined) {
        grown++;
        const [growth, ...changes] = grew.match(/[+-]?\d+/g)!.map(Number);
        assert.equal(growth, text.bytes - inputBytes);
        // Part by part against the input file's own size report.
        assert.equal(changes.reduce((a, b) => a + b), growth, grew);
        const before = await sizeReport(await Deno.readFile(input));
        assert.match(grew, new RegExp(`header \\+${file.parts.header - before.parts.header} `));
        assert.match(grew, /quantization recipe/);
      }
      // The same numbers in --json.
      const json = await run(["--json"]);
      const report = JSON.parse(json.stdout);
      assert.equal(json.bytes, text.bytes);
      assert.equal(report.savedBytes, json.bytes);
      assert.deepEqual(report.size.parts, json.report.parts);
      assert.deepEqual(
        [report.size.storedWeights, report.size.codeBytes, report.size.parameterBytes],
        [stored, codes, scales],
      );
      assert.deepEqual([report.size.indexBytes, report.size.biasBytes], [indices, bias]);
      assert.equal(report.size.fileBytes, json.bytes);
      assert.deepEqual([report.input.file, report.input.bytes], [input, inputBytes]);
    }
    // The part-by-part note ran: the pruned file's few weights leave the recipe's header the
    // larger change, so its quantized file is the larger (else the note's checks never run).
    assert.ok(grown >= 1, "no quantized file was larger than its input: the note went unchecked");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize --model reads the model file once and reports the length of what it read", async () => {
  // The size report read the file again, and readModelFile read it twice: reads are counted by
  // wrapping Deno.readFile for the length of the command.
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-reads-test-" });
  const readFile = Deno.readFile;
  try {
    const data = ["--dataset", "breast-cancer", "--quiet"];
    for (const file of [`${dir}/m.lrc`, `${dir}/m.json`, `${dir}/m.onnx`]) {
      const source = file.endsWith(".onnx") ? `${dir}/m.lrc` : file;
      const saved = await runCli(["train", ...data, "--save", source]);
      assert.equal(saved.code, 0, saved.stderr);
      if (file !== source) {
        const exported = await runCli(["export", "--model", source, "--out", file, "--quiet"]);
        assert.equal(exported.code, 0, exported.stderr);
      }
      const size = (await Deno.stat(file)).size;
      const reads: string[] = [];
      // deno-lint-ignore no-explicit-any
      (Deno as any).readFile = (path: string | URL, options?: Deno.ReadFileOptions) => {
        reads.push(String(path));
        return readFile(path, options);
      };
      let r;
      try {
        r = await runCli(["quantize", ...data, "--model", file, "--bits", "4", "--json"]);
      } finally {
        // deno-lint-ignore no-explicit-any
        (Deno as any).readFile = readFile;
      }
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(reads.filter((p) => p === file), [file], file);
      const report = JSON.parse(r.stdout);
      assert.deepEqual([report.input.file, report.input.bytes], [file, size], file);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc quantize reports the ROC AUC of the float, dequantized and integer-only scores", async () => {
  // Oracle: every (positive, negative) pair of breast-cancer's test rows (the split of
  // --test-fraction 0.3 --seed 7) counted by hand, ties as halves, on the scores of the float
  // model written here, of its 2-bit quantization made here, and of the integer-only kernel
  // on the saved file's codes and input calibration.
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-test-" });
  try {
    const cancer = await loadEmbedded("breast-cancer");
    const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.3, seed: 7 });
    const { model: float } = fit(split.xTrain, split.yTrain, {
      classes: cancer.classes,
      featureNames: cancer.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    });
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(float));
    const args = [
      ...["quantize", "--dataset", "breast-cancer", "--model", `${dir}/m.json`, "--bits", "2"],
      ...["--seed", "7", "--test-fraction", "0.3", "--quiet"],
    ];
    const r = await runCli([...args, "--save", `${dir}/q.json`, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const x = split.xTest, y = split.yTest;
    const pairwise = (s: Float64Array) => {
      let wins = 0, pairs = 0;
      for (let i = 0; i < s.length; i++) {
        for (let j = 0; j < s.length; j++) {
          if (y[i] !== 1 || y[j] !== 0) continue;
          pairs++;
          wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
      return wins / pairs;
    };
    const ptq = quantizeModel(float, {
      method: {
        kind: "uniform",
        scheme: "symmetric",
        bits: 2,
        granularity: "class",
        calibration: { kind: "mse" },
        rounding: { kind: "nearest" },
      },
    });
    const saved = quantizedModelFromJson(await Deno.readTextFile(`${dir}/q.json`));
    assert.deepEqual(saved.weights, ptq.weights);
    const integerModel = calibrateInput(ptq, split.xTrain);
    const want = {
      float: pairwise(decisionFunction(float, x).data),
      quantized: pairwise(decisionFunction(dequantizeModel(ptq), x).data),
      savedDequantized: pairwise(decisionFunction(dequantizeModel(saved), x).data),
      integer: pairwise(integerDecisionFunction(prepareIntegerModel(integerModel), x).data),
    };
    // 2-bit weights and 8-bit inputs change the ranking: a report repeating one AUC fails.
    assert.notEqual(want.quantized.toFixed(4), want.float.toFixed(4));
    assert.notEqual(want.integer.toFixed(4), want.quantized.toFixed(4));
    for (const [key, auc] of Object.entries(want)) {
      assertClose(report.test[`${key}RocAuc`], auc, { rtol: 1e-12, message: key });
    }
    // Balanced accuracy from the same models' predictions (the arg-max of those scores): the
    // integer-only kernel's one input scale loses the features of small range here.
    const balanced = {
      float: meanRecall(y, predict(float, x)),
      quantized: meanRecall(y, predict(dequantizeModel(ptq), x)),
      savedDequantized: meanRecall(y, predict(dequantizeModel(saved), x)),
      integer: meanRecall(y, integerPredict(prepareIntegerModel(integerModel), x)),
    };
    assert.notEqual(balanced.integer.toFixed(4), balanced.quantized.toFixed(4));
    for (const [key, value] of Object.entries(balanced)) {
      assertClose(report.test[`${key}BalancedAccuracy`], value, { rtol: 1e-12, message: key });
    }
    const text = await runCli(args);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^test +accuracy +vs float +balanced accuracy +ROC AUC$/m);
    const last = (name: string) =>
      text.stdout.split("\n").find((l) => l.startsWith(name))?.trim().split(/ {2,}/).at(-1);
    assert.equal(last("float "), want.float.toFixed(4));
    assert.equal(last("quantized (dequantized) "), want.quantized.toFixed(4));
    assert.equal(last("integer-only ("), want.integer.toFixed(4));
    // The balanced accuracy is the cell before the ROC AUC.
    const cell = (name: string) =>
      text.stdout.split("\n").find((l) => l.startsWith(name))?.trim().split(/ {2,}/).at(-2);
    const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
    assert.equal(cell("float "), pct(balanced.float));
    assert.equal(cell("quantized (dequantized) "), pct(balanced.quantized));
    assert.equal(cell("integer-only ("), pct(balanced.integer));
    if (report.integer.calibrationSaved) {
      assert.equal(last("file, dequantized "), want.savedDequantized.toFixed(4));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
