import assert from "node:assert/strict";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { createPrng, randomInt } from "../../lib/core/random.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import {
  calibrateInput,
  integerDecisionFunction,
  prepareIntegerModel,
} from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor } from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { TEMPORARY_PREFIX } from "../../lib/io/atomic.ts";
import { float32RoundingWarning, planColumns, unpredictedNote } from "../../lib/cli/predict.ts";
import { onnxRoundingWarning } from "../../lib/cli/export.ts";
import { ScoresByClass } from "../../lib/metrics/auc_stream.ts";
import type { PlanColumnsOptions } from "../../lib/cli/predict.ts";
import { halfStepByBits, timestampModel } from "./_timestamps.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

/** Writes `columns` (name and cell of row i) as a CSV file; returns its path. */
async function writeCsv(
  dir: string,
  name: string,
  rows: number,
  columns: Column[],
  header = true,
): Promise<string> {
  const lines = header ? [columns.map((c) => c.name).join(",")] : [];
  for (let i = 0; i < rows; i++) lines.push(columns.map((c) => c.cell(i)).join(","));
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** The data's features as CSV columns (shortest round-trip text of each float64 value). */
function featureColumns(x: Matrix, names: readonly string[]) {
  return names.map((name, j) => ({ name, cell: (i: number) => String(x.data[i * x.cols + j]) }));
}

/** The inputs as the command reads them: float32. */
function asFloat32(x: Matrix): Matrix {
  return { data: Float32Array.from(x.data), rows: x.rows, cols: x.cols };
}

/** Reads the command's output file: predicted labels and probability rows. */
async function readPredictions(path: string): Promise<{ head: string[]; rows: string[][] }> {
  const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
  return { head: lines[0].split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

/** A CSV column: its header name and the cell of row `i`. */
interface Column {
  name: string;
  cell: (i: number) => string;
}

/** What the breast-cancer tests start from: a temporary folder and a model saved in it. */
interface CancerSetup {
  readonly dir: string;
  readonly data: Awaited<ReturnType<typeof loadEmbedded>>;
  readonly model: LogisticModel;
  readonly modelPath: string;
  /** The features as CSV columns, in the model's order. */
  readonly features: Column[];
  /** The label column, named `name`. */
  readonly label: (name?: string) => Column;
}

/**
 * Trains a breast-cancer model, saves it as `file` (binary, or JSON for `.json`) in a temporary
 * folder, runs `body`.
 */
async function withCancerModel(
  file: string,
  body: (setup: CancerSetup) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const data = await loadEmbedded("breast-cancer");
    const { model } = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 60 },
    });
    const modelPath = `${dir}/${file}`;
    // The format the name says (a .json file held the binary format before saveModel refused it).
    if (file.endsWith(".json")) await Deno.writeTextFile(modelPath, modelToJson(model));
    else await saveModel(modelPath, model);
    await body({
      dir,
      data,
      model,
      modelPath,
      features: featureColumns(data.x, data.featureNames),
      label: (name = "y") => ({ name, cell: (i) => data.classes[data.y[i]] }),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a temporary output file is left in `dir`. */
async function temporaryLeft(dir: string): Promise<boolean> {
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith(TEMPORARY_PREFIX)) return true;
  return false;
}

Deno.test("lrc predict: a float model's labels and probabilities are the library's, and the metrics are measured on the file's labels", async () => {
  await withCancerModel("m.lrc", async ({ dir, data, model, modelPath, features, label }) => {
    const n = data.x.rows;
    const csv = await writeCsv(dir, "d.csv", n, [...features, label("diagnosis")]);
    const r = await runCli([
      "predict",
      "--model",
      modelPath,
      "--data",
      csv,
      "--out",
      `${dir}/p.csv`,
      "--proba",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.rows, n);
    assert.equal(summary.labelColumn, "diagnosis");
    assert.equal(summary.columns, "by name");
    assert.equal(summary.features, 30);

    const x32 = asFloat32(data.x);
    const labels = predictLabels(model, x32);
    const proba = predictProba(model, x32);
    const { head, rows } = await readPredictions(`${dir}/p.csv`);
    assert.deepEqual(head, ["predicted", ...model.classes.map((c) => `p_${c}`)]);
    assert.equal(rows.length, n);
    let right = 0, loss = 0;
    for (let i = 0; i < n; i++) {
      assert.equal(rows[i][0], labels[i], `row ${i}`);
      for (let c = 0; c < 2; c++) {
        const p = proba.data[i * 2 + c];
        assert.ok(Math.abs(Number(rows[i][1 + c]) - p) <= 1e-7 * Math.max(p, 1e-3), `row ${i}`);
      }
      if (labels[i] === data.classes[data.y[i]]) right++;
      loss -= Math.log(Math.max(proba.data[i * 2 + data.y[i]], 1e-15));
    }
    assert.ok(Math.abs(summary.metrics.accuracy - right / n) < 1e-12);
    assert.ok(Math.abs(summary.metrics.logLoss - loss / n) < 1e-6);
    const confusionTotal = summary.metrics.confusion.flat().reduce((a: number, b: number) => a + b);
    assert.equal(confusionTotal, n);
    // The confusion matrix counted by hand, rows the file's labels and columns the predictions
    // (a transposed matrix has the same total and accuracy), and macro F1 from its definition.
    const counted = [[0, 0], [0, 0]];
    for (let i = 0; i < n; i++) counted[data.y[i]][model.classes.indexOf(labels[i])]++;
    assert.deepEqual(summary.metrics.confusion, counted);
    assert.notEqual(counted[0][1], counted[1][0], "a transposed matrix would differ");
    const f1 = (c: number) => {
      const tp = counted[c][c], fp = counted[1 - c][c], fn = counted[c][1 - c];
      return (2 * tp) / (2 * tp + fp + fn);
    };
    assert.ok(Math.abs(summary.metrics.macroF1 - (f1(0) + f1(1)) / 2) < 1e-12);

    // The same model as JSON and as ONNX (imported) predicts the same labels.
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    await Deno.writeFile(`${dir}/m.onnx`, exportOnnx(model));
    const labelsOnly = async (path: string) => {
      const out = `${dir}/${path.split(".").at(-1)}.csv`;
      const r = await runCli(["predict", "--model", path, "--data", csv, "--out", out]);
      assert.equal(r.code, 0, r.stderr);
      return (await Deno.readTextFile(out)).trimEnd().split("\n").slice(1);
    };
    const expected = rows.map((r) => r[0]);
    assert.deepEqual(await labelsOnly(`${dir}/m.json`), expected);
    assert.deepEqual(await labelsOnly(`${dir}/m.onnx`), expected);
  });
});

Deno.test("lrc predict: a calibrated quantized model predicts as its integer-only reference; columns in another order, small batches and no header give the same file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await loadEmbedded("digits");
    const { model } = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
      preprocessing: "none",
    });
    const q: QuantizedModel = calibrateInput(quantizeModel(model), data.x);
    const modelPath = `${dir}/q.lrc`;
    await saveModel(modelPath, q);
    const n = data.x.rows;
    const features = featureColumns(data.x, data.featureNames);
    const label = { name: "digit", cell: (i: number) => data.classes[data.y[i]] };
    const run = async (csv: string, ...extra: string[]) => {
      const out = `${dir}/p${Math.random().toString(36).slice(2)}.csv`;
      const r = await runCli([
        "predict",
        "--model",
        modelPath,
        "--data",
        csv,
        "--out",
        out,
        ...extra,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return { text: await Deno.readTextFile(out), stdout: r.stdout };
    };
    const plain = await run(await writeCsv(dir, "a.csv", n, [...features, label]));
    assert.match(plain.stdout, /quantized softmax, 10 classes, 64 features \(kernel integer\)/);

    // The reference: the integer-only TypeScript path on the same float32 inputs.
    using reference = prepareQuantizedPredictor(q, { backend: "ts" });
    const expected = Array.from(reference.predict(asFloat32(data.x)), (c) => q.classes[c]);
    assert.equal(plain.text, ["predicted", ...expected].join("\n") + "\n");

    // Reversed columns with the label in the middle, matched by name.
    const reversed = [...features].reverse();
    const mixed = [...reversed.slice(0, 30), label, ...reversed.slice(30)];
    const byName = await run(await writeCsv(dir, "b.csv", n, mixed), "--label", "digit");
    assert.equal(byName.text, plain.text);
    assert.match(byName.stdout, /features matched by name, label column "digit"/);

    // Batches of 7 rows.
    const small = await run(`${dir}/a.csv`, "--batch-rows", "7");
    assert.equal(small.text, plain.text);

    // No header and no label: columns by position.
    const bare = await run(await writeCsv(dir, "c.csv", n, features, false), "--no-header");
    assert.equal(bare.text, plain.text);
    assert.match(bare.stdout, /features taken by position, no label column/);
    assert.doesNotMatch(bare.stdout, /^metrics/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict refuses what it cannot do with one-line errors, and never leaves a partial output", async () => {
  await withCancerModel("m.json", async ({ dir, data, modelPath, features, label: labelNamed }) => {
    const n = 40;
    const label = labelNamed();
    const good = await writeCsv(dir, "good.csv", n, [...features, label]);
    const headless = await writeCsv(dir, "headless.csv", n, features, false);
    // Without a header, with its (text) label column last: still not a header.
    const headlessLabelled = await writeCsv(dir, "headless2.csv", n, [...features, label], false);
    const noHeader =
      /its first line holds numbers where the features are and names none of the model's features: if the file has no header, give --no-header/;
    const cases: [string[], number, RegExp][] = [
      [["--model", modelPath, "--data", headless, "--out", `${dir}/o.csv`], 1, noHeader],
      [["--model", modelPath, "--data", headlessLabelled, "--out", `${dir}/o.csv`], 1, noHeader],
      [["--data", good], 2, /--model FILE is required/],
      [["--model", modelPath, "--data", good, "--label", "y", "--no-label"], 2, /not both/],
      [["--model", modelPath, "--data", good, "--no-label"], 2, /nothing to do/],
      [["--model", modelPath, "--data", good, "--label", "nope"], 1, /no column named "nope"/],
      [
        ["--model", modelPath, "--data", good, "--label", data.featureNames[0]],
        1,
        /is one of the model's features/,
      ],
      [
        [
          "--model",
          modelPath,
          "--data",
          await writeCsv(dir, "short.csv", n, features.slice(1)),
          "--out",
          `${dir}/o.csv`,
        ],
        1,
        /its header names 29 of the model's features but not \["mean radius"\]; name the columns as the model does, or remove the header/,
      ],
      [
        [
          "--model",
          modelPath,
          "--data",
          await writeCsv(dir, "two.csv", n, [...features, label, { name: "id", cell: String }]),
        ],
        1,
        /2 columns are not model features \["y","id"\]: name the label column with --label/,
      ],
      [
        [
          "--model",
          modelPath,
          "--data",
          await writeCsv(dir, "unknown.csv", n, [...features, {
            name: "y",
            cell: (i) => (i === 25 ? "maybe" : data.classes[data.y[i]]),
          }]),
        ],
        1,
        /label "maybe" on line 27 of '.*unknown\.csv' is not one of the model's classes \["benign","malignant"\]; column "y" was taken as the label: give --no-label/,
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(["predict", ...argv]);
      assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }

    // Options that cannot work are refused before any row is read (exit code 2).
    const usage: [string[], RegExp][] = [
      [["--data", good, "--proba"], /--proba adds columns to --out FILE\.csv; give --out/],
      [["--data", good, "--out", good], /--out '.*good\.csv' is the data file/],
      [
        ["--data", `${dir}/./good.csv`, "--out", `${dir}/../${dir.split("/").at(-1)}/good.csv`],
        /is the data file/,
      ],
      [["--data", good, "--out", modelPath], /--out '.*m\.json' is the model file/],
      [["--data", good, "--out", dir], /it is a folder/],
      [["--data", good, "--out", `${dir}/missing/p.csv`], /the folder '.*missing' does not exist/],
      [["--data", good, "--out", ""], /--out needs a file name/],
      [
        ["--data", good, "--delimiter", "."],
        /--delimiter must be one ASCII character that cannot be part of a number/,
      ],
      [["--data", good, "--batch-rows", "0x10"], /--batch-rows must be an integer/],
    ];
    await Deno.symlink(good, `${dir}/link.csv`);
    usage.push([["--data", good, "--out", `${dir}/link.csv`], /is the data file/]);
    const before = await Deno.readTextFile(good);
    for (const [argv, message] of usage) {
      const r = await runCli(["predict", "--model", modelPath, ...argv]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(await Deno.readTextFile(good), before);

    // The line of an unknown label counts the blank lines before it.
    const blank = `${dir}/blank.csv`;
    const text = (await Deno.readTextFile(good)).split("\n");
    text[5] = text[5].replace(/,[^,]*$/, ",maybe");
    await Deno.writeTextFile(blank, [text[0], "", text[1], "", "", ...text.slice(2)].join("\n"));
    const u = await runCli(["predict", "--model", modelPath, "--data", blank]);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /label "maybe" on line 9 of/);

    // A bad cell on line 32, after the first batches were written: the previous output stays.
    const out = `${dir}/kept.csv`;
    await Deno.writeTextFile(out, "previous\n");
    const bad = await writeCsv(dir, "bad.csv", n, [
      ...features.slice(0, -1),
      { name: features.at(-1)!.name, cell: (i) => (i === 30 ? "n/a" : features.at(-1)!.cell(i)) },
      label,
    ]);
    const r = await runCli([
      "predict",
      "--model",
      modelPath,
      "--data",
      bad,
      "--out",
      out,
      "--batch-rows",
      "8",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 32, column 30/);
    assert.equal(await Deno.readTextFile(out), "previous\n");
    assert.equal(await temporaryLeft(dir), false);
  });
});

Deno.test("lrc predict reads only the columns it needs, matches numeric labels by number, and can score a quantized model dequantized", async () => {
  await withCancerModel("m.lrc", async ({ dir, data, model, modelPath, features, label }) => {
    const n = 60;
    const note = { name: "note", cell: (i: number) => (i % 2 ? "free text" : "") };
    const csv = await writeCsv(dir, "notes.csv", n, [note, ...features, label()]);
    const run = async (...argv: string[]) => {
      const r = await runCli(["predict", "--model", modelPath, "--data", csv, ...argv, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const labelled = await run("--label", "y", "--out", `${dir}/a.csv`);
    assert.deepEqual(labelled.unusedColumns, ["note"]);
    assert.equal(labelled.labelColumn, "y");
    assert.deepEqual(labelled.classes, model.classes);
    assert.equal(labelled.features, 30);
    const unlabelled = await run("--no-label", "--out", `${dir}/b.csv`);
    assert.deepEqual(unlabelled.unusedColumns, ["note", "y"]);
    assert.equal(unlabelled.metrics, null);
    assert.equal(unlabelled.labelColumn, null);
    assert.equal(await Deno.readTextFile(`${dir}/a.csv`), await Deno.readTextFile(`${dir}/b.csv`));
    const x32 = asFloat32({ data: data.x.data.subarray(0, n * 30), rows: n, cols: 30 });
    assert.equal(
      await Deno.readTextFile(`${dir}/a.csv`),
      ["predicted", ...predictLabels(model, x32)].join("\n") + "\n",
    );

    // Classes named "1.0" and "2.0" take labels written 1 and 2.0.
    const numeric = { ...model, classes: ["1.0", "2.0"] };
    await saveModel(`${dir}/numeric.lrc`, numeric);
    const digits = await writeCsv(dir, "numeric.csv", n, [...features, {
      name: "y",
      cell: (i) => (data.y[i] === 0 ? "1" : "2.0"),
    }]);
    const r = await runCli([
      "predict",
      "--model",
      `${dir}/numeric.lrc`,
      "--data",
      digits,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).metrics.accuracy, labelled.metrics.accuracy);

    // A calibrated 2-bit model: integer-only by default, its dequantized weights on request.
    const q = calibrateInput(
      quantizeModel(model, { method: { kind: "uniform", bits: 2 } }),
      data.x,
    );
    await saveModel(`${dir}/q.lrc`, q);
    const both = [];
    for (const extra of [[], ["--dequantized"]]) {
      const out = `${dir}/q${extra.length}.csv`;
      const rq = await runCli([
        "predict",
        "--model",
        `${dir}/q.lrc`,
        "--data",
        csv,
        "--label",
        "y",
        "--out",
        out,
        ...extra,
      ]);
      assert.equal(rq.code, 0, rq.stderr);
      assert.match(rq.stdout, extra.length ? /\(kernel \w+, dequantized\)/ : /\(kernel integer\)/);
      both.push(await Deno.readTextFile(out));
    }
    using integer = prepareQuantizedPredictor(q, { backend: "ts" });
    const x = asFloat32({ data: data.x.data.subarray(0, n * 30), rows: n, cols: 30 });
    assert.equal(
      both[0],
      ["predicted", ...Array.from(integer.predict(x), (c) => q.classes[c])].join("\n") + "\n",
    );
    assert.equal(both[1], ["predicted", ...predictLabels(dequantizeModel(q), x)].join("\n") + "\n");
  });
});

Deno.test("lrc predict interrupted by SIGINT removes its temporary file and keeps the previous output", async () => {
  await withCancerModel("m.lrc", async ({ dir, data, modelPath, features }) => {
    const n = 20_000;
    const cyclic = features.map((c) => ({
      name: c.name,
      cell: (i: number) => c.cell(i % data.x.rows),
    }));
    const csv = await writeCsv(dir, "big.csv", n, cyclic);
    const out = `${dir}/p.csv`;
    await Deno.writeTextFile(out, "previous\n");
    const main = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        main,
        "predict",
        "--model",
        modelPath,
        "--data",
        csv,
        "--out",
        out,
        "--batch-rows",
        "1",
        "--quiet",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let seen = false;
    for (let t = 0; t < 600 && !seen; t++) {
      seen = await temporaryLeft(dir);
      if (!seen) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(seen, "the run never started writing");
    await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    const status = await child.status;
    assert.equal(status.code, 130);
    assert.equal(await temporaryLeft(dir), false);
    assert.equal(await Deno.readTextFile(out), "previous\n");
  });
});

Deno.test("lrc predict refuses a pipe as its data, which it would read twice and lose rows from", async () => {
  await withCancerModel("m.json", async ({ dir, modelPath, features }) => {
    // Lines of 64 bytes: the header read takes 65,536 bytes, whole lines, so the second read of
    // the pipe started at a line and went on without a word, 1,024 rows short.
    const rows = 4_000;
    const line = (i: number) =>
      features.map((_, j) => `${(i + j) % 10}${j < 2 ? ".0" : ""}`).join(",") + "\n";
    assert.equal(line(0).length, 64);
    const text = Array.from({ length: rows }, (_, i) => line(i)).join("");
    const out = `${dir}/p.csv`;
    const main = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "predict", "--model", modelPath, "--data", "/dev/stdin"]
        .concat(["--no-header", "--no-label", "--out", out, "--quiet"]),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text)).catch(() => {}); // the child may stop reading
    await writer.close().catch(() => {});
    const result = await child.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 1, stderr);
    assert.match(stderr, /'\/dev\/stdin' is not a regular file \(a pipe\?\)/);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  });
});

/** A one-feature model standardised by the given mean and scale (the rounding warning's cases). */
function withStats(mean: number, scale: number): LogisticModel {
  const x = { data: new Float64Array([0, 1, 2, 3]), rows: 4, cols: 1 };
  return {
    ...fit(x, new Int32Array([0, 0, 1, 1])).model,
    preprocessing: {
      kind: "standardize",
      mean: new Float64Array([mean]),
      scale: new Float64Array([scale]),
    },
  };
}

Deno.test("the float32 rounding warning counts half the float32 step at the mean, not |mean| * 2^-24", () => {
  // 1.7e9 lies in [2^30, 2^31), where float32 values are 128 apart: values near it round by at
  // most 64. The warning took |mean| * 2^-24 = 101 instead, so it said "1.9 standard deviations"
  // for a spread of 52.8 (64 / 52.8 = 1.2), and warned at half the hundredth of a standard
  // deviation it names as its threshold (found by following README's predict example).
  const mean = 1.7e9;
  assert.equal(halfStepByBits(mean), 64);
  const warning = float32RoundingWarning(withStats(mean, 52.8));
  assert.ok(warning !== null);
  assert.match(warning, new RegExp(`by up to ${(64 / 52.8).toPrecision(2)} standard deviations`));
  // 64 / 8000 = 0.008 standard deviations, below the hundredth (|mean| * 2^-24 / 8000 = 0.0127).
  assert.equal(float32RoundingWarning(withStats(mean, 8000)), null);
  assert.ok(float32RoundingWarning(withStats(mean, 6000)) !== null); // 64 / 6000 = 0.0107
  // Just below a power of two the step is the lower one: 2^31 - 256 rounds by at most 64.
  assert.equal(halfStepByBits(2 ** 31 - 256), 64);
  assert.match(
    float32RoundingWarning(withStats(-(2 ** 31 - 256), 64))!,
    /by up to 1\.0 standard deviations/,
  );
  assert.match(float32RoundingWarning(withStats(2 ** 31, 128))!, /by up to 1\.0 standard/);
});

Deno.test("the float32 rounding warnings quote the feature's name as JSON does, a quote and a line break escaped", () => {
  // The name was printed raw in single quotes: a name holding a quote or a line break printed
  // ambiguously or split the warning over lines (found by the README walk-through). Oracle: the
  // JSON escapes written out by hand; 64 / 52.8 = 1.21 standard deviations (half the float32
  // step near 1.7e9 over the spread).
  const model = { ...withStats(1.7e9, 52.8), featureNames: ['it\'s "t"\nnext'] };
  const feature =
    String.raw`feature "it's \"t\"\nnext" (mean 1.70000e+9, standard deviation 52.8) ` +
    "by up to 1.2 standard deviations";
  assert.equal(
    float32RoundingWarning(model),
    `the data are read as float32, which rounds ${feature}: the model was trained on float64 ` +
      "values, so its predictions here can differ; centre or rescale such a column in the file, " +
      "or score float64 data with the library's predict",
  );
  assert.equal(
    onnxRoundingWarning(model),
    `the ONNX graph takes float32 inputs, which round ${feature}: the model was trained on ` +
      "float64 values, so the graph's predictions can differ from lrcompress's; centre or " +
      "rescale such a column before training (checkOnnxExport measures the difference)",
  );
});

Deno.test("lrc predict warns when reading float32 rounds a feature by a share of its spread", async () => {
  // Timestamps near 1.7e9 are 128 apart in float32; the model was trained on float64 values
  // whose spread is about 29. Predict read them as float32 and scored 85.85 % where the model
  // scores 99.80 %, without a word (found by the streaming review).
  const dir = await Deno.makeTempDir({ prefix: "lrc-predict-" });
  try {
    // What the warning states: half a float32 step at the mean, in standard deviations.
    const { model, ratio } = await timestampModel(dir);
    const p = model.preprocessing as { mean: Float64Array; scale: Float64Array };
    assert.ok(ratio > 1, `${ratio}`);
    const r = await runCli(["predict", "--model", `${dir}/ts.json`, "--data", `${dir}/ts.csv`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^warning: the data are read as float32, which rounds feature "t" \\(mean .*\\) by up ` +
          `to ${ratio.toPrecision(2)} standard deviations`,
        "m",
      ),
    );
    // Centred, the same model rounds nothing worth a word.
    const scaled = {
      ...model,
      preprocessing: { kind: "standardize" as const, mean: p.mean.map(() => 0), scale: p.scale },
    };
    assert.equal(float32RoundingWarning(scaled), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Splits one CSV line into its cells (RFC 4180: quoted cells, doubled quotes inside them). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') [cell, i] = [cell + '"', i + 1];
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") [cells[cells.length], cell] = [cell, ""];
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

Deno.test("lrc predict quotes class names that hold commas or quotes, takes --label by index, and counts the confusion matrix with the labels as rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-predict-" });
  try {
    // A binary model on two features: score 1.5 x0 - 2 x1 + 0.25, the second class when > 0.
    const classes = ['say "no"', "yes, sure"];
    const coef = { coef: [[1.5, -2]], intercept: [0.25], classes };
    await Deno.writeTextFile(`${dir}/m.json`, JSON.stringify(coef));
    // The label is the first column, named by its index. Scores by hand: 1.75, -1.75, 3.25,
    // -3.75; the last row's label is the second class, which its score does not predict.
    const rows: [number, number, number][] = [[1, 0, 1], [0, 1, 0], [2, 0, 1], [0, 2, 1]];
    const scores = [1.75, -1.75, 3.25, -3.75];
    const quoted = ['"say ""no"""', '"yes, sure"'];
    await Deno.writeTextFile(
      `${dir}/d.csv`,
      ["class,x0,x1", ...rows.map(([a, b, y]) => `${quoted[y]},${a},${b}`)].join("\n") + "\n",
    );
    const r = await runCli([
      ...["predict", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`, "--label", "0"],
      ...["--out", `${dir}/p.csv`, "--proba", "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.labelColumn, "class");
    const lines = (await Deno.readTextFile(`${dir}/p.csv`)).trimEnd().split("\n");
    assert.equal(lines.length, 1 + rows.length);
    assert.deepEqual(csvCells(lines[0]), ["predicted", ...classes.map((c) => `p_${c}`)]);
    assert.equal(lines[0], `predicted,"p_say ""no""","p_yes, sure"`);
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    for (let i = 0; i < rows.length; i++) {
      const cells = csvCells(lines[1 + i]);
      assert.equal(cells.length, 3, lines[1 + i]);
      assert.equal(cells[0], classes[scores[i] > 0 ? 1 : 0], `row ${i}`);
      const p1 = sigmoid(scores[i]);
      assert.ok(Math.abs(Number(cells[1]) - (1 - p1)) <= 1e-7 * Math.max(1 - p1, 1e-3), `row ${i}`);
      assert.ok(Math.abs(Number(cells[2]) - p1) <= 1e-7 * Math.max(p1, 1e-3), `row ${i}`);
    }
    // Rows are the labels, columns the predictions: the last row is a 'yes, sure' predicted
    // 'say "no"'.
    assert.deepEqual(summary.metrics.confusion, [[1, 0], [1, 2]]);
    assert.equal(summary.metrics.accuracy, 3 / 4);
    // Class 0: precision 1/2, recall 1, F1 2/3; class 1: precision 1, recall 2/3, F1 4/5.
    assert.ok(Math.abs(summary.metrics.macroF1 - (2 / 3 + 4 / 5) / 2) < 1e-12);
    // Log loss: the mean of log(1 + e^(-s)) for the second class's rows and log(1 + e^s) else.
    const loss = (Math.log1p(Math.exp(-1.75)) * 2 + Math.log1p(Math.exp(-3.25)) +
      Math.log1p(Math.exp(3.75))) / 4;
    assert.ok(Math.abs(summary.metrics.logLoss - loss) < 1e-6, `${summary.metrics.logLoss}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planColumns: a file of the wrong width without --label is counted as columns, not features", () => {
  const model = ["a", "b", "c"];
  const plan = (columns: string[], options: Partial<PlanColumnsOptions>) => () =>
    planColumns(columns, model, { file: "f.csv", ...options });
  // Headerless, 5 columns, no --label: the label cannot be picked out, so the message counts the
  // file's columns (it said "5 feature columns", as if the label were one) and the widths that fit.
  const five = ["1", "2", "3", "4", "5"];
  assert.throws(
    plan(five, { header: false }),
    /^RangeError: Cannot predict with a model of 3 features on 'f\.csv': the file has 5 columns \(without a header, columns are taken by position\): a model of 3 features reads 3 columns, or 4 with a label column \(the last, or the one --label names\)$/,
  );
  assert.throws(
    plan(["p", "q"], {}),
    /the file has 2 columns, and its header names none of the model's \["a","b","c"\]: a model of 3 features reads 3 columns, or 4 with a label column/,
  );
  // With the label fixed either way, the count is of feature columns.
  assert.throws(plan(five, { header: false, noLabel: true }), /the file has 5 feature columns \(/);
  assert.throws(
    plan(five, { header: false, label: "0" }),
    /the file has 4 feature columns besides the label column "1" \(/,
  );
  // Four headerless columns: the last is the label, the rest are features by position.
  assert.deepEqual(planColumns(five.slice(0, 4), model, { file: "f.csv", header: false }), {
    labelCol: 3,
    features: [0, 1, 2],
    byName: false,
    unused: [],
  });
});

Deno.test("lrc predict: a 'y' column gets no label warning when the last column is named like a label", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-label-" });
  try {
    // A model of features a and b; the file names its columns x, y, class (by position).
    const model = fit(
      { rows: 4, cols: 2, data: new Float64Array([0, 0, 1, 0, 0, 1, 1, 1]) },
      Int32Array.from([0, 0, 1, 1]),
      {
        featureNames: ["a", "b"],
        classes: ["blue", "red"],
      },
    ).model;
    const modelPath = `${dir}/m.lrc`;
    await saveModel(modelPath, model);
    const data = `${dir}/xy.csv`;
    await Deno.writeTextFile(data, "x,y,class\n0,0,blue\n0,1,red\n1,1,red\n");
    const r = await runCli(["predict", "--model", modelPath, "--data", data, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
    // A last column not named like a label, after a 'class' column: the warning stays.
    const moved = `${dir}/moved.csv`;
    await Deno.writeTextFile(moved, "class,x,z\nblue,0,0\nred,0,1\nred,1,1\n");
    const m = await runCli(["predict", "--model", modelPath, "--data", moved, "--json"]);
    assert.match(m.stderr, /column "class" is named like one: give --label class/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict: a label column moved from the last place is named in the warning or the error", async () => {
  await withCancerModel("m.lrc", async ({ dir, data, modelPath, features, label }) => {
    const n = 20;
    // Positional columns (named 'f0'..., none of the model's) with the label first: d + 1
    // columns, so the last feature column is taken as the label.
    const renamed = features.map((c, j) => ({ name: `f${j}`, cell: c.cell }));
    const text = await writeCsv(dir, "text.csv", n, [label("label"), ...renamed]);
    const r = await runCli(["predict", "--model", modelPath, "--data", text]);
    assert.equal(r.code, 1);
    const last = `f${features.length - 1}`;
    assert.match(r.stderr, /is named like one: give --label label if it is the label$/m);
    assert.ok(
      r.stderr.trimEnd().endsWith(
        `holds '${data.classes[data.y[0]]}', which is not a finite decimal number; no label ` +
          `column was named, so the last ("${last}") was taken as the label; column "label" ` +
          `is the only column of text in this row: if it is the label, name it (label: "label"; ` +
          `lrc: --label label)`,
      ),
      r.stderr,
    );
    // With --label the file reads as it is.
    const named = await runCli([
      "predict",
      "--model",
      modelPath,
      "--data",
      text,
      "--label",
      "label",
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.doesNotMatch(named.stderr, /warning/);
    // The model's own names match by name: no guess, no warning.
    const byName = await writeCsv(dir, "named.csv", n, [label("label"), ...features]);
    const ok = await runCli(["predict", "--model", modelPath, "--data", byName, "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /warning/);
  });
});

Deno.test("lrc predict says '1 feature' of a one-feature model, in its report and its refusals", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-predict-" });
  try {
    const rows = ["a,y"];
    for (let i = 0; i < 16; i++) rows.push(`${i},${i % 2 ? "yes" : "no"}`);
    await Deno.writeTextFile(`${dir}/one.csv`, rows.join("\n") + "\n");
    const save = ["--save", `${dir}/m.lrc`, "--quiet"];
    const train = await runCli(["train", "--data", `${dir}/one.csv`, ...save]);
    assert.equal(train.code, 0, train.stderr);
    const model = ["predict", "--model", `${dir}/m.lrc`, "--data"];
    const r = await runCli([...model, `${dir}/one.csv`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /, 2 classes, 1 feature \(kernel /);
    // Three columns, none named 'a': neither 1 nor 2 wide.
    await Deno.writeTextFile(`${dir}/wide.csv`, "p,q,r\n1,2,3\n");
    const wide = await runCli([...model, `${dir}/wide.csv`]);
    assert.equal(wide.code, 1);
    assert.match(
      wide.stderr,
      /Cannot predict with a model of 1 feature on '.*wide\.csv': the file has 3 columns, .*: a model of 1 feature reads 1 column, or 2 with a label column/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planColumns refuses a --label index past the last column, a --label that is neither a name nor an index, and a header naming one feature of two", () => {
  const model = ["a", "b"];
  const plan = (columns: string[], options: Partial<PlanColumnsOptions>) => () =>
    planColumns(columns, model, { file: "f.csv", ...options });
  const prefix = "^RangeError: Cannot predict with a model of 2 features on 'f\\.csv': ";
  // Three columns: indices 0..2, so 3 is one past the end (an off-by-one would read no column).
  assert.throws(
    plan(["a", "b", "y"], { label: "3" }),
    new RegExp(prefix + "label column index 3 is outside 0\\.\\.2$"),
  );
  assert.equal(planColumns(["a", "b", "y"], model, { file: "f.csv", label: "2" }).labelCol, 2);
  // Digits inside a name do not make an index: '1a' names no column.
  assert.throws(
    plan(["a", "b", "y"], { label: "1a" }),
    new RegExp(prefix + 'no column named "1a" \\(columns: \\["a","b","y"\\]\\)$'),
  );
  // A header naming one of the two features is refused, not taken by position (column 'b' would
  // feed feature a).
  assert.throws(
    plan(["b", "zz", "y"], {}),
    new RegExp(
      prefix + `its header names 1 of the model's features but not \\["a"\\]; name the columns`,
    ),
  );
  // Four columns of which the first three read as numbers, no --label: no column is taken as the
  // label (the file is not d + 1 wide), so the width is refused, not the "numbers" header.
  assert.throws(
    plan(["1", "2", "3", "label"], {}),
    new RegExp(prefix + "the file has 4 columns, and its header names none of the model's"),
  );
});

Deno.test("lrc predict refuses a file with a header and no rows, and keeps the previous output", async () => {
  await withCancerModel("m.json", async ({ dir, modelPath, features, label }) => {
    const empty = await writeCsv(dir, "empty.csv", 0, [...features, label()]);
    const out = `${dir}/kept.csv`;
    await Deno.writeTextFile(out, "previous\n");
    const r = await runCli(["predict", "--model", modelPath, "--data", empty, "--out", out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^lrc predict: Cannot predict: '.*empty\.csv' has a header but no data rows\n$/,
    );
    assert.equal(r.stdout, "");
    assert.equal(await Deno.readTextFile(out), "previous\n");
    assert.equal(await temporaryLeft(dir), false);
  });
});

Deno.test("lrc predict quotes a class name holding a line break, so each output row stays one CSV record", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-predict-" });
  try {
    // Score 2 x - 1: the second class from x = 1, the first at x = 0.
    const classes = ["first\nline", "carriage\rreturn"];
    await Deno.writeTextFile(
      `${dir}/m.json`,
      JSON.stringify({ coef: [[2]], intercept: [-1], classes }),
    );
    await Deno.writeTextFile(`${dir}/d.csv`, "x\n1\n0\n");
    const r = await runCli([
      ...["predict", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`, "--no-label"],
      ...["--out", `${dir}/p.csv`, "--proba"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await Deno.readTextFile(`${dir}/p.csv`),
      'predicted,"p_first\nline","p_carriage\rreturn"\n' +
        `"carriage\rreturn",${Number((1 / (1 + Math.exp(1))).toPrecision(8))},${
          Number((1 / (1 + Math.exp(-1))).toPrecision(8))
        }\n` +
        `"first\nline",${Number((1 / (1 + Math.exp(-1))).toPrecision(8))},${
          Number((1 / (1 + Math.exp(1))).toPrecision(8))
        }\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the float32 rounding warning takes the lower step just below a power of two, and 2^-150 below float32's normal range", () => {
  // 2^30 - 2^-23 is the double just below 2^30, where Math.log2 rounds up to 30. It lies in
  // [2^29, 2^30), where float32 values are 64 apart: half a step is 2^(29 - 24) = 32, as the
  // documented rule says (the step above 2^30 is 128, which a log2 taken as it is would give).
  const below = 2 ** 30 - 2 ** -23;
  assert.equal(Math.log2(below), 30);
  assert.ok(below < 2 ** 30 && below >= 2 ** 29);
  assert.equal(halfStepByBits(2 ** 30 - 64), 32);
  assert.match(float32RoundingWarning(withStats(below, 32))!, /by up to 1\.0 standard/);
  // Below the normal range float32 values are 2^-149 apart (subnormals): half of that is 2^-150.
  assert.equal(halfStepByBits(2 ** -140), 2 ** -150);
  assert.match(float32RoundingWarning(withStats(2 ** -140, 2 ** -150))!, /by up to 1\.0 standard/);
});

Deno.test("lrc predict writes an imported model's warnings to stderr, and its probabilities are the softmax of its scores", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // scikit-learn's one-vs-rest coefficients, read as softmax with a warning.
    const coef = [[1, -2], [-0.5, 1.5], [0.25, 0.5]], intercept = [0.1, -0.2, 0.3];
    const classes = ["a", "b", "c"];
    await Deno.writeTextFile(
      `${dir}/m.json`,
      JSON.stringify({ coef, intercept, classes, multiClass: "ovr", featureNames: ["u", "v"] }),
    );
    const rows = [[0.5, -1], [-2, 0.75], [1.5, 1.5], [0, 0]];
    // The columns in the other order: matched by name.
    await Deno.writeTextFile(
      `${dir}/d.csv`,
      ["v,u", ...rows.map(([u, v]) => `${v},${u}`)].join("\n") + "\n",
    );
    const r = await runCli([
      ...["predict", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`, "--no-label"],
      ...["--out", `${dir}/p.csv`, "--proba", "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: one-vs-rest read as softmax/m);
    const summary = JSON.parse(r.stdout);
    assert.deepEqual(summary.warnings, [
      "one-vs-rest read as softmax: same predicted classes, other probabilities",
    ]);
    assert.equal(summary.labelColumn, null);
    assert.equal(summary.probabilities, true);
    const lines = (await Deno.readTextFile(`${dir}/p.csv`)).trimEnd().split("\n");
    assert.equal(lines[0], "predicted,p_a,p_b,p_c");
    for (const [i, [u, v]] of rows.entries()) {
      // A plain softmax of the scores, in float64 (the inputs are exact in float32).
      const z = coef.map(([wu, wv], c) => wu * u + wv * v + intercept[c]);
      const top = Math.max(...z);
      const e = z.map((s) => Math.exp(s - top));
      const sum = e.reduce((a, b) => a + b, 0);
      const cells = lines[i + 1].split(",");
      assert.equal(cells[0], classes[z.indexOf(top)]);
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(Number(cells[c + 1]) - e[c] / sum) < 1e-6, lines[i + 1]);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planColumns cuts a long name and a long list of names short in its messages", () => {
  // A 10,000-character name and lists of 100 names printed whole made messages of pages. By
  // hand: a name shows its first 60 characters and its length, a list its first 8 names and
  // its count.
  const long = "n".repeat(10_000);
  const cut = `"${"n".repeat(60)}"... (10000 characters)`;
  const run = (columns: string[], model: string[], options: Partial<PlanColumnsOptions>) => {
    try {
      planColumns(columns, model, { file: "f.csv", ...options });
    } catch (e) {
      assert.ok(e instanceof RangeError);
      assert.ok(e.message.length < 1000, `${e.message.length} characters`);
      return e.message;
    }
    assert.fail("not refused");
  };
  const names = (prefix: string, from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
  const quoted = (list: string[]) => list.map((s) => `"${s}"`).join(",");
  // --label naming no column of 100.
  assert.match(
    run([long, ...names("c", 1, 100)], ["a", "b"], { label: "z" }),
    new RegExp(
      `no column named "z" \\(columns: \\[${cut.replace(/[.()]/g, "\\$&")},${
        quoted(names("c", 1, 8))
      }, \\.\\.\\.\\] \\(100 names\\)\\)$`,
    ),
  );
  // A header naming 1 of 100 features: 99 are missing.
  const model = [long, ...names("f", 1, 100)];
  assert.ok(
    run(["f1", "y"], model, {}).includes(
      `but not [${cut},${quoted(names("f", 2, 9))}, ...] (99 names); name the columns`,
    ),
  );
  // 99 columns that are not features, one of them the long name, and no --label.
  assert.ok(
    run(["a", long, ...names("x", 1, 99)], ["a"], {}).endsWith(
      `99 columns are not model features [${cut},${
        quoted(names("x", 1, 8))
      }, ...] (99 names): name the label column with --label, or give --no-label`,
    ),
  );
  // The label column as a feature, by a long name.
  assert.ok(
    run([long, "b"], [long, "b"], { label: long }).endsWith(
      `the label column ${cut} is one of the model's features`,
    ),
  );
});

Deno.test("lrc predict cuts a long class name and a long class list short when a label is unknown", async () => {
  // 100 classes, the first named by 10,000 characters: the message listed them all, whole. By
  // hand: the first 8 classes, the long one cut to 60 characters and its length, and the count.
  const long = "k".repeat(10_000);
  const classes = [long, ...Array.from({ length: 99 }, (_, i) => `k${i + 1}`)];
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: new Float64Array(100), rows: 100, cols: 1 },
    bias: new Float64Array(100),
    classes,
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    await Deno.writeTextFile(`${dir}/d.csv`, "x,y\n1,maybe\n");
    const r = await runCli(["predict", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`]);
    assert.equal(r.code, 1, r.stderr);
    const list = `["${"k".repeat(60)}"... (10000 characters),` +
      `"k1","k2","k3","k4","k5","k6","k7", ...] (100 names)`;
    assert.ok(
      r.stderr.includes(
        `label "maybe" on line 2 of '${dir}/d.csv' is not one of the model's classes ${list}; ` +
          `column "y" was taken as the label`,
      ),
      r.stderr,
    );
    assert.ok(r.stderr.length < 1000, `${r.stderr.length} characters`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict with a model whose names hold U+FFFD says to train it again, not to name the columns so", async () => {
  // A model trained on a Latin-1 file before header names holding U+FFFD were refused names
  // 'th\ufffd': the file converted to UTF-8 names 'th\u00e9', the file as it was is refused, so
  // "name the columns as the model does" could not be done. Oracle: the refusal written out.
  const dir = await Deno.makeTempDir();
  try {
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: new Float64Array([1, -1]), rows: 1, cols: 2 },
      bias: new Float64Array([0]),
      classes: ["0", "1"],
      featureNames: ["prix", "th\ufffd"],
      preprocessing: { kind: "none" },
    };
    await saveModel(`${dir}/m.lrc`, model);
    const file = `${dir}/utf8.csv`;
    await Deno.writeTextFile(file, "prix,th\u00e9,y\n1,2,0\n3,4,1\n");
    const r = await runCli(["predict", "--model", `${dir}/m.lrc`, "--data", file]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `lrc predict: Cannot predict with a model of 2 features on '${file}': its header names 1 ` +
        `of the model's features but not ["th\ufffd"]; the model's names holding U+FFFD were ` +
        "probably read from a file that is not UTF-8, a header no reader takes now: train the " +
        "model again on the file converted to UTF-8 (iconv -f windows-1252 -t utf-8); if they " +
        "hold U+FFFD written in UTF-8, name the columns as the model does, or remove the header " +
        "(--no-header) to take them by position\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict --no-header on a Latin-1 file read as one column names the delimiter, not a header name", async () => {
  // The delimiter's hint read the first line as a header name; once header names holding U+FFFD
  // were refused, this row of data (caf\u00e9 in Latin-1) was refused as 'column 1 is named
  // "1;2;caf\ufffd"', though --no-header says the file has no names. Oracle: the refusal written
  // out, the same for the file in UTF-8.
  const dir = await Deno.makeTempDir();
  try {
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: new Float64Array([1, -1]), rows: 1, cols: 2 },
      bias: new Float64Array([0]),
      classes: ["caf\u00e9", "th\u00e9"],
      featureNames: ["a", "b"],
      preprocessing: { kind: "none" },
    };
    await saveModel(`${dir}/m.lrc`, model);
    const text = "1;2;caf\u00e9\n3;4;th\u00e9\n";
    await Deno.writeFile(`${dir}/latin1.csv`, Uint8Array.from(text, (c) => c.charCodeAt(0)));
    await Deno.writeTextFile(`${dir}/utf8.csv`, text);
    for (const name of ["latin1.csv", "utf8.csv"]) {
      const file = `${dir}/${name}`;
      const r = await runCli(["predict", "--model", `${dir}/m.lrc`, "--data", file, "--no-header"]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `lrc predict: Cannot predict with a model of 2 features on '${file}': the file has 1 ` +
          "column (without a header, columns are taken by position): a model of 2 features " +
          "reads 2 columns, or 3 with a label column (the last, or the one --label names); its " +
          "first line holds ';': if it separates the columns, give the delimiter ';' " +
          "(--delimiter ';')\n",
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict on a file read as one column names the delimiter its first line holds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: new Float64Array([1, -1, 0.5]), rows: 1, cols: 3 },
      bias: new Float64Array([0]),
      classes: ["no", "yes"],
      featureNames: ["a", "b", "c"],
      preprocessing: { kind: "none" },
    };
    await saveModel(`${dir}/m.lrc`, model);
    const lines = (sep: string) => [`c${sep}a${sep}y${sep}b`, `1${sep}2${sep}no${sep}3`].join("\n");
    await Deno.writeTextFile(`${dir}/semi.csv`, lines(";") + "\n");
    await Deno.writeTextFile(`${dir}/tabs.csv`, lines("\t") + "\n");
    const cases: [string, string[], RegExp][] = [
      ["semi.csv", [], /; its first line holds ';': .*\(--delimiter ';'\)\n$/],
      ["tabs.csv", ["--delimiter", ";"], /; its first line holds tabs: .*\(--delimiter tab\)\n$/],
    ];
    for (const [file, delimiter, hint] of cases) {
      for (const extra of [[], ["--no-label"], ["--no-header"], ["--no-header", "--no-label"]]) {
        const r = await runCli([
          "predict",
          "--model",
          `${dir}/m.lrc`,
          "--data",
          `${dir}/${file}`,
          ...delimiter,
          ...extra,
          "--out",
          `${dir}/p.csv`,
        ]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^lrc predict: Cannot predict with a model of 3 features on /);
        assert.match(r.stderr, hint, `${file} ${extra}`);
      }
      // Read with the delimiter it names, the same file is predicted.
      const fixed = await runCli([
        "predict",
        "--model",
        `${dir}/m.lrc`,
        "--data",
        `${dir}/${file}`,
        "--delimiter",
        file === "semi.csv" ? ";" : "tab",
        "--out",
        `${dir}/p.csv`,
      ]);
      assert.equal(fixed.code, 0, fixed.stderr);
      // 1*2 - 3 + 0.5*1 = -0.5: "no".
      assert.equal(await Deno.readTextFile(`${dir}/p.csv`), "predicted\nno\n");
    }
    // A one-column file for a one-feature model is no error: 1 * 1 + 0 > 0 is "yes".
    await Deno.writeTextFile(`${dir}/one.csv`, "a\n1\n");
    await saveModel(`${dir}/m1.lrc`, {
      ...model,
      weights: { data: new Float64Array([1]), rows: 1, cols: 1 },
      featureNames: ["a"],
    });
    const one = await runCli(
      ["predict", "--model", `${dir}/m1.lrc`, "--data", `${dir}/one.csv`, "--out", `${dir}/p.csv`],
    );
    assert.equal(one.code, 0, one.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/p.csv`), "predicted\nyes\n");
    // A first line of one name without a delimiter, read as one column for a wider model, is
    // refused for its width (as semi.csv is above), with no hint. Each refusal is checked for its
    // reason: an exit code of 1 alone passes for any error.
    await Deno.writeTextFile(`${dir}/x.csv`, "x\n1\n");
    const r = await runCli(
      ["predict", "--model", `${dir}/m.lrc`, "--data", `${dir}/x.csv`, "--out", `${dir}/p.csv`],
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^lrc predict: Cannot predict with a model of 3 features on .*1 column/);
    assert.doesNotMatch(r.stderr, /delimiter/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict's summary gives the progress line's rate, and says which time includes writing the output", async () => {
  await withCancerModel("m.lrc", async ({ dir, data, modelPath, features, label }) => {
    // 569 rows in one batch (4,096 by default): one progress line, after the last batch.
    const csv = await writeCsv(dir, "d.csv", data.x.rows, [...features, label()]);
    const out = `${dir}/p.csv`;
    const r = await runCli(["predict", "--model", modelPath, "--data", csv, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const progress = r.stderr.match(/^predicted 569 rows, ([\d,]+ rows\/s)$/m);
    assert.ok(progress, r.stderr);
    const time = r.stdout.match(
      /^time {6}(\d+\.\d\d) s to read and predict \(([\d,]+ rows\/s)\), (\d+\.\d\d) s including writing (.*)$/m,
    );
    assert.ok(time, r.stdout);
    assert.equal(time[2], progress[1], "the summary's rate is the progress line's");
    assert.ok(Number(time[3]) >= Number(time[1]), "the total includes the prediction");
    assert.equal(time[4], out);

    // Without an output file there is nothing more to time.
    const bare = await runCli(["predict", "--model", modelPath, "--data", csv]);
    assert.equal(bare.code, 0, bare.stderr);
    const rate = bare.stderr.match(/^predicted 569 rows, ([\d,]+ rows\/s)$/m);
    assert.ok(rate, bare.stderr);
    assert.match(
      bare.stdout,
      new RegExp(`^time {6}\\d+\\.\\d\\d s to read and predict \\(${rate[1]}\\)$`, "m"),
    );

    const json = await runCli([
      "predict",
      "--model",
      modelPath,
      "--data",
      csv,
      "--out",
      out,
      "--json",
    ]);
    assert.equal(json.code, 0, json.stderr);
    const summary = JSON.parse(json.stdout);
    assert.ok(
      summary.readAndPredictSeconds > 0 && summary.readAndPredictSeconds <= summary.seconds,
    );
  });
});

Deno.test("unpredictedNote names the classes that label rows but are never predicted", () => {
  // Counted by hand from the confusion matrices (rows: true class, columns: predicted).
  assert.deepEqual(unpredictedNote([[97, 0], [3, 0]], ["ok", "fraud"]), [
    `note      no row was predicted as class "fraud", which labels 3 rows: the model never ` +
    `finds it, whatever the accuracy (--json gives the confusion matrix)`,
  ]);
  assert.deepEqual(unpredictedNote([[5, 0, 0], [1, 0, 0], [1, 0, 0]], ["a", "b", "c"]), [
    `note      no row was predicted as classes ["b","c"], which label 2 rows: the model never ` +
    `finds them, whatever the accuracy (--json gives the confusion matrix)`,
  ]);
  // Predicted at least once, or labelling no row: nothing to say.
  assert.deepEqual(unpredictedNote([[97, 0], [2, 1]], ["ok", "fraud"]), []);
  assert.deepEqual(unpredictedNote([[97, 0], [0, 0]], ["ok", "fraud"]), []);
});

Deno.test("lrc predict says when a class of the labels is never predicted, and not when each is", async () => {
  // A model of score 10 x - 25: "pos" needs x > 2.5. Rows x = 0..3 with "pos" at x = 3 are all
  // found; with "pos" at x = 1 (score -15) it is never predicted, at 75 % accuracy, and the
  // text output said only accuracy, log loss and macro F1.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(10), rows: 1, cols: 1 },
    bias: Float64Array.of(-25),
    classes: ["neg", "pos"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    await Deno.writeTextFile(`${dir}/found.csv`, "x,y\n0,neg\n1,neg\n2,neg\n3,pos\n");
    await Deno.writeTextFile(`${dir}/missed.csv`, "x,y\n0,neg\n1,pos\n2,neg\n0,neg\n");
    const run = (data: string) =>
      runCli(["predict", "--model", `${dir}/m.json`, "--data", `${dir}/${data}`, "--quiet"]);
    const found = await run("found.csv");
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^metrics {3}accuracy 100\.00 %/m);
    assert.doesNotMatch(found.stdout, /^note/m);
    const missed = await run("missed.csv");
    assert.equal(missed.code, 0, missed.stderr);
    assert.match(missed.stdout, /^metrics {3}accuracy 75\.00 %/m);
    assert.match(
      missed.stdout,
      /^note {6}no row was predicted as class "pos", which labels 1 row: the model never finds it/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict reports the ROC AUC of the scores its kernel gives, over every batch", async () => {
  // Oracle: every (positive, negative) pair counted by hand, ties as halves. Features are small
  // whole numbers, so the float models' scores u - 2 v + 1/2 are exact (many tie), in float32 as
  // in float64; the quantized model's are the integer-only kernel's, by the library's call on the
  // same rows. Batches of 7 rows: the scores of every batch count.
  const prng = createPrng(3);
  const n = 53;
  const u = Array.from({ length: n }, () => randomInt(prng, 5));
  const v = Array.from({ length: n }, () => randomInt(prng, 5));
  const y = Array.from({ length: n }, () => randomInt(prng, 2));
  const pairwise = (s: ArrayLike<number>) => pairwiseAuc(y, s);
  const base = {
    kind: "logistic-regression",
    version: 1,
    classes: ["neg", "pos"],
    featureNames: ["u", "v"],
    preprocessing: { kind: "none" },
  } as const;
  const sigmoid: LogisticModel = {
    ...base,
    link: "sigmoid",
    weights: { data: Float64Array.of(1, -2), rows: 1, cols: 2 },
    bias: Float64Array.of(0.5),
  };
  // Two rows whose difference is the sigmoid model's: the AUC of classes[1] is the same.
  const softmax: LogisticModel = {
    ...base,
    link: "softmax",
    weights: { data: Float64Array.of(0.5, 1, 1.5, -1), rows: 2, cols: 2 },
    bias: Float64Array.of(0.25, 0.75),
  };
  const x = { data: Float64Array.from(u.flatMap((ui, i) => [ui, v[i]])), rows: n, cols: 2 };
  const q = calibrateInput(quantizeModel(sigmoid, { method: { kind: "uniform", bits: 2 } }), x);
  const exact = pairwise(u.map((ui, i) => ui - 2 * v[i] + 0.5));
  const integer = pairwise(integerDecisionFunction(prepareIntegerModel(q), x).data);
  // 2-bit weights rank the rows otherwise: an AUC of the float scores would fail.
  assert.notEqual(integer.toFixed(4), exact.toFixed(4));
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/sigmoid.json`, modelToJson(sigmoid));
    await Deno.writeTextFile(`${dir}/softmax.json`, modelToJson(softmax));
    await saveModel(`${dir}/q.lrc`, q);
    const labels = ["neg", "pos"];
    const csv = await writeCsv(dir, "d.csv", n, [
      { name: "u", cell: (i) => String(u[i]) },
      { name: "v", cell: (i) => String(v[i]) },
      { name: "y", cell: (i) => labels[y[i]] },
    ]);
    const run = (model: string, json: boolean) =>
      runCli([
        ...["predict", "--model", `${dir}/${model}`, "--data", csv, "--batch-rows", "7"],
        ...(json ? ["--json"] : ["--quiet"]),
      ]);
    for (
      const [model, want] of [["sigmoid.json", exact], ["softmax.json", exact], [
        "q.lrc",
        integer,
      ]] as const
    ) {
      const json = await run(model, true);
      assert.equal(json.code, 0, json.stderr);
      const summary = JSON.parse(json.stdout);
      assertClose(summary.metrics.rocAuc, want, { rtol: 1e-12, message: model });
      if (model === "q.lrc") assert.equal(summary.kernel, "integer");
      const text = await run(model, false);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^metrics .*, ROC AUC ${want.toFixed(4)}$`, "m"));
    }
    // One class in the labels: no AUC.
    const one = await writeCsv(dir, "one.csv", 5, [
      { name: "u", cell: (i) => String(u[i]) },
      { name: "v", cell: (i) => String(v[i]) },
      { name: "y", cell: () => "pos" },
    ]);
    const r = await runCli(["predict", "--model", `${dir}/sigmoid.json`, "--data", one, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).metrics.rocAuc, null);
    // Three classes: none either, printed "-" as lrc train prints it.
    const three: LogisticModel = {
      ...softmax,
      classes: ["a", "b", "c"],
      weights: { data: Float64Array.of(0.5, 1, 1.5, -1, 0, 1), rows: 3, cols: 2 },
      bias: Float64Array.of(0.25, 0.75, 0),
    };
    await Deno.writeTextFile(`${dir}/three.json`, modelToJson(three));
    const abc = await writeCsv(dir, "abc.csv", n, [
      { name: "u", cell: (i) => String(u[i]) },
      { name: "v", cell: (i) => String(v[i]) },
      { name: "y", cell: (i) => "abc"[(i + y[i]) % 3] },
    ]);
    const multi = ["predict", "--model", `${dir}/three.json`, "--data", abc];
    const j3 = await runCli([...multi, "--json"]);
    assert.equal(j3.code, 0, j3.stderr);
    assert.equal(JSON.parse(j3.stdout).metrics.rocAuc, null);
    const t3 = await runCli([...multi, "--quiet"]);
    assert.equal(t3.code, 0, t3.stderr);
    assert.match(t3.stdout, /^metrics .*, macro F1 \d\.\d{4}, ROC AUC -$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict --no-roc-auc keeps no score: ROC AUC - with a note, JSON null, other metrics unchanged", async () => {
  // Positives at x = 1, 2, 2, negatives at x = 0, 2, 3 under a sigmoid scoring x: of the 9 pairs,
  // 3 won and 2 tied: 4 / 9 with the AUC on. x > 0 predicts pos: rows 1, 2, 3, 6 right.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    classes: ["neg", "pos"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
    link: "sigmoid",
    weights: { data: Float64Array.of(1), rows: 1, cols: 1 },
    bias: Float64Array.of(0),
  };
  const three: LogisticModel = {
    ...model,
    classes: ["neg", "pos", "other"],
    link: "softmax",
    weights: { data: Float64Array.of(-1, 1, 0), rows: 3, cols: 1 },
    bias: Float64Array.of(0, 0, -9),
  };
  const dir = await Deno.makeTempDir();
  const add = ScoresByClass.prototype.add;
  let added = 0;
  ScoresByClass.prototype.add = function (this: ScoresByClass, ...a: Parameters<typeof add>) {
    added++;
    return add.apply(this, a);
  };
  try {
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    await Deno.writeTextFile(`${dir}/m3.json`, modelToJson(three));
    const csv = `${dir}/d.csv`;
    await Deno.writeTextFile(csv, "x,y\n1,pos\n0,neg\n2,pos\n2,neg\n3,neg\n2,pos\n");
    const run = (m: string, ...more: string[]) =>
      runCli(["predict", "--model", `${dir}/${m}`, "--data", csv, "--batch-rows", "2", ...more]);
    const on = await run("m.json", "--json");
    assert.equal(on.code, 0, on.stderr);
    assert.equal(JSON.parse(on.stdout).metrics.rocAuc, 4 / 9);
    assert.equal(added, 3, "three batches kept");
    added = 0;
    const off = await run("m.json", "--json", "--no-roc-auc");
    assert.equal(off.code, 0, off.stderr);
    const metrics = JSON.parse(off.stdout).metrics;
    assert.equal(metrics.rocAuc, null);
    assert.equal(metrics.accuracy, 4 / 6);
    assert.deepEqual(metrics, { ...JSON.parse(on.stdout).metrics, rocAuc: null });
    const text = await run("m.json", "--no-roc-auc");
    assert.equal(text.code, 0, text.stderr);
    assert.equal(added, 0, "no score kept");
    assert.match(
      text.stdout,
      /^metrics .*, ROC AUC -\nnote {6}ROC AUC not computed \(--no-roc-auc\)$/m,
    );
    // Three classes have no ROC AUC to skip: no note.
    const t3 = await run("m3.json", "--no-roc-auc");
    assert.equal(t3.code, 0, t3.stderr);
    assert.match(t3.stdout, /^metrics .*, ROC AUC -$/m);
    assert.doesNotMatch(t3.stdout, /not computed/);
    // Nor has a file without labels.
    const unlabelled = await run("m.json", "--no-label", "--out", `${dir}/p.csv`, "--no-roc-auc");
    assert.equal(unlabelled.code, 0, unlabelled.stderr);
    assert.doesNotMatch(unlabelled.stdout, /ROC AUC/);
  } finally {
    ScoresByClass.prototype.add = add;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict's ROC AUC counts every pair whichever class is the rarer", async () => {
  // Oracle: every (positive, negative) pair counted by hand, ties as halves, on scores u - 2 v
  // (exact, many tied) of files where positives are 1 row in 6, then 5 rows in 6.
  const prng = createPrng(11);
  const n = 61;
  const u = Array.from({ length: n }, () => randomInt(prng, 4));
  const v = Array.from({ length: n }, () => randomInt(prng, 3));
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    classes: ["neg", "pos"],
    featureNames: ["u", "v"],
    preprocessing: { kind: "none" },
    link: "sigmoid",
    weights: { data: Float64Array.of(1, -2), rows: 1, cols: 2 },
    bias: Float64Array.of(0),
  };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    for (const rare of [1, 0]) {
      const y = Array.from({ length: n }, () => randomInt(prng, 6) === 0 ? rare : 1 - rare);
      const auc = pairwiseAuc(y, u.map((ui, i) => ui - 2 * v[i]));
      const positives = y.filter((c) => c === 1).length;
      assert.ok(rare === 1 ? 2 * positives < n : 2 * positives > n, `class ${rare} is the rarer`);
      const csv = await writeCsv(dir, `rare${rare}.csv`, n, [
        { name: "u", cell: (i) => String(u[i]) },
        { name: "v", cell: (i) => String(v[i]) },
        { name: "y", cell: (i) => model.classes[y[i]] },
      ]);
      const r = await runCli([
        ...["predict", "--model", `${dir}/m.json`, "--data", csv, "--batch-rows", "4", "--json"],
      ]);
      assert.equal(r.code, 0, r.stderr);
      assertClose(JSON.parse(r.stdout).metrics.rocAuc, auc, {
        rtol: 1e-12,
        message: `class ${rare} rarer`,
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
