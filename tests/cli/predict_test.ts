import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor } from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";

/** Writes `columns` (name and cell of row i) as a CSV file; returns its path. */
async function writeCsv(
  dir: string,
  name: string,
  rows: number,
  columns: { name: string; cell: (i: number) => string }[],
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

async function cancerModel(): Promise<{
  data: Awaited<ReturnType<typeof loadEmbedded>>;
  model: LogisticModel;
}> {
  const data = await loadEmbedded("breast-cancer");
  const { model } = fit(data.x, data.y, {
    classes: data.classes,
    featureNames: data.featureNames,
    optimizer: { kind: "lbfgs", maxIterations: 60 },
  });
  return { data, model };
}

Deno.test("lrc predict: a float model's labels and probabilities are the library's, and the metrics are measured on the file's labels", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { data, model } = await cancerModel();
    const modelPath = `${dir}/m.lrc`;
    await saveModel(modelPath, model);
    const n = data.x.rows;
    const csv = await writeCsv(dir, "d.csv", n, [
      ...featureColumns(data.x, data.featureNames),
      { name: "diagnosis", cell: (i) => data.classes[data.y[i]] },
    ]);
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
    assert.equal(summary.features, "by name");

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
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
    assert.match(byName.stdout, /features matched by name, label column 'digit'/);

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
  const dir = await Deno.makeTempDir();
  try {
    const { data, model } = await cancerModel();
    const modelPath = `${dir}/m.json`;
    await saveModel(modelPath, model);
    const n = 40;
    const features = featureColumns(data.x, data.featureNames);
    const label = { name: "y", cell: (i: number) => data.classes[data.y[i]] };
    const good = await writeCsv(dir, "good.csv", n, [...features, label]);
    const cases: [string[], number, RegExp][] = [
      [["--data", good], 2, /--model FILE is required/],
      [["--model", modelPath, "--data", good, "--label", "y", "--no-label"], 2, /not both/],
      [["--model", modelPath, "--data", good, "--no-label"], 2, /nothing to do/],
      [["--model", modelPath, "--data", good, "--label", "nope"], 1, /no column named 'nope'/],
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
        /the file has 29 feature columns, and its header does not name all of the model's/,
      ],
      [
        [
          "--model",
          modelPath,
          "--data",
          await writeCsv(dir, "two.csv", n, [...features, label, { name: "id", cell: String }]),
        ],
        1,
        /2 columns are not model features \(y, id\): name the label column with --label/,
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
        /label 'maybe' on line 27 of '.*unknown\.csv' is not one of the model's classes/,
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(["predict", ...argv]);
      assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }

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
    const left = [];
    for await (const e of Deno.readDir(dir)) if (e.name.includes(".tmp-")) left.push(e.name);
    assert.deepEqual(left, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
