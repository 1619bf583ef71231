import assert from "node:assert/strict";
import { relative } from "node:path";
import { runCli } from "../_helpers/assert_close.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import {
  checkOutput,
  modelFormatOf,
  readModelFile,
  saveFormatOf,
} from "../../lib/cli/model_files.ts";
import { dataForModel, type LoadedData } from "../../lib/cli/data_options.ts";
import { predictLabels } from "../../lib/model/predict.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { osProblem } from "../_helpers/os.ts";

const ortProblem = await onnxRuntimeProblem();

Deno.test("lrc train --save writes the binary format for .lrc and JSON for .json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const common = ["--quiet", "--dataset", "breast-cancer", "--max-iterations", "30"];
    const bin = await runCli(["train", ...common, "--save", `${dir}/m.lrc`]);
    assert.equal(bin.code, 0, bin.stderr);
    const bytes = await Deno.readFile(`${dir}/m.lrc`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x4c, 0x52, 0x43]);
    const json = await runCli(["train", ...common, "--save", `${dir}/m.json`]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((await Deno.readTextFile(`${dir}/m.json`))[0], "{");
    // Same seed, same training: both files hold the same model.
    assert.deepEqual(await loadModel(`${dir}/m.lrc`), await loadModel(`${dir}/m.json`));
    const bad = await runCli(["train", ...common, "--save", `${dir}/m.txt`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /extension must be \.lrc \(binary\) or \.json$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect prints a size report whose parts add up to the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runCli(["train", "--quiet", "--max-iterations", "20", "--save", `${dir}/m.lrc`]);
    const size = (await Deno.stat(`${dir}/m.lrc`)).size;
    const { code, stdout } = await runCli(["inspect", `${dir}/m.lrc`, "--json"]);
    assert.equal(code, 0);
    const r = JSON.parse(stdout);
    assert.equal(r.fileBytes, size);
    assert.equal(r.sourceBytes, size);
    assert.equal(Object.values(r.parts as Record<string, number>).reduce((a, b) => a + b, 0), size);
    assert.equal(r.denseFloat32Bytes, 4 * (64 * 10 + 10));
    assert.equal(r.masked, false);
    const text = await runCli(["inspect", `${dir}/m.lrc`]);
    assert.match(text.stdout, new RegExp(`total +${size.toLocaleString("en-US")} +100\\.0 %`));
    // The table, cell by cell: each part's bytes and its share of the file (one decimal), the
    // numbers right-aligned in columns as wide as the rule under the header says.
    const lines = text.stdout.trimEnd().split("\n");
    const top = lines.findIndex((l) => /^part +bytes +share$/.test(l));
    assert.ok(top > 0, text.stdout);
    const spans: [number, number][] = [];
    for (const m of lines[top + 1].matchAll(/-+/g)) spans.push([m.index, m.index + m[0].length]);
    assert.equal(spans.length, 3, lines[top + 1]);
    const rows = [...Object.entries(r.parts as Record<string, number>), ["total", size] as const];
    assert.equal(lines.length, top + 2 + rows.length);
    rows.forEach(([part, bytes], i) => {
      const line = lines[top + 2 + i].padEnd(spans[2][1]);
      const cell = ([a, b]: [number, number]) => line.slice(a, b);
      assert.equal(cell(spans[0]).trimEnd(), part);
      const width = (c: number) => spans[c][1] - spans[c][0];
      assert.equal(cell(spans[1]), bytes.toLocaleString("en-US").padStart(width(1)), line);
      const share = `${((100 * bytes) / size).toFixed(1)} %`;
      assert.equal(cell(spans[2]), share.padStart(width(2)), line);
    });
    await Deno.writeTextFile(`${dir}/bad.lrc`, "garbage");
    const bad = await runCli(["inspect", `${dir}/bad.lrc`]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^lrc inspect: Cannot read model file '.*bad.lrc': not an lrcompress model file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect reads a JSON model saved under a .lrc name, as predict does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = "notebooks/data/breast_cancer.csv";
    const train = ["train", "--quiet", "--max-iterations", "20", "--data", data];
    assert.equal((await runCli([...train, "--save", `${dir}/m.json`])).code, 0);
    await Deno.copyFile(`${dir}/m.json`, `${dir}/json.lrc`);
    const named = await runCli(["inspect", `${dir}/json.lrc`, "--json"]);
    assert.equal(named.code, 0, named.stderr);
    const json = await runCli(["inspect", `${dir}/m.json`, "--json"]);
    const { file: _a, ...fromLrcName } = JSON.parse(named.stdout);
    const { file: _b, ...fromJsonName } = JSON.parse(json.stdout);
    assert.deepEqual(fromLrcName, fromJsonName);
    assert.equal(fromLrcName.format, "json");
    // The report is of the .lrc encoding; the JSON also gives the size of the file itself, as the
    // text does ("JSON file of N bytes"); it gave only the encoding's, as if it were the file's.
    const size = (await Deno.stat(`${dir}/m.json`)).size;
    assert.equal(fromJsonName.sourceBytes, size);
    assert.notEqual(fromJsonName.fileBytes, size);
    const text = await runCli(["inspect", `${dir}/json.lrc`]);
    assert.match(
      text.stdout,
      /\(JSON file of [\d,]+ bytes; the report is for its \.lrc encoding\)/,
    );
    const predict = await runCli(["predict", "--model", `${dir}/json.lrc`, "--data", data]);
    assert.equal(predict.code, 0, predict.stderr);
    assert.match(predict.stderr + predict.stdout, /accuracy/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect reports a .lrc file saved under a .json name as the file it is", async () => {
  // It was labelled a JSON file and the report was of a re-encoding: an entropy-coded file was
  // reported with another size, as format version 1.
  const dir = await Deno.makeTempDir();
  try {
    const train = ["train", "--quiet", "--max-iterations", "20", "--dataset", "digits"];
    assert.equal((await runCli([...train, "--entropy", "--save", `${dir}/m.lrc`])).code, 0);
    await Deno.copyFile(`${dir}/m.lrc`, `${dir}/lrc.json`);
    const named = await runCli(["inspect", `${dir}/lrc.json`, "--json"]);
    assert.equal(named.code, 0, named.stderr);
    const lrc = await runCli(["inspect", `${dir}/m.lrc`, "--json"]);
    const { file: _a, ...fromJsonName } = JSON.parse(named.stdout);
    const { file: _b, ...fromLrcName } = JSON.parse(lrc.stdout);
    assert.deepEqual(fromJsonName, fromLrcName);
    const size = (await Deno.stat(`${dir}/m.lrc`)).size;
    assert.equal(fromJsonName.format, "lrc");
    assert.equal(fromJsonName.fileBytes, size);
    assert.equal(fromJsonName.formatVersion, 2);
    const text = await runCli(["inspect", `${dir}/lrc.json`]);
    assert.doesNotMatch(text.stdout, /JSON file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "lrc export writes ONNX from a saved model and from a fresh training" +
    (ortProblem ? ` (skipped: ${ortProblem})` : ""),
  ignore: ortProblem !== null,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await runCli(["train", "--quiet", "--max-iterations", "30", "--save", `${dir}/m.lrc`]);
      const a = await runCli(["export", "--model", `${dir}/m.lrc`, "--out", `${dir}/a.onnx`]);
      assert.equal(a.code, 0, a.stderr);
      const b = await runCli([
        "export",
        "--quiet",
        "--max-iterations",
        "30",
        "--out",
        `${dir}/b.onnx`,
      ]);
      assert.equal(b.code, 0, b.stderr);
      const digits = await loadEmbedded("digits");
      const model = asFloatModel(await loadModel(`${dir}/m.lrc`));
      const expected = predictLabels(model, digits.x);
      for (const file of ["a.onnx", "b.onnx"]) {
        const out = await runOnnx(await Deno.readFile(`${dir}/${file}`), digits.x);
        const labels = out.label.data as string[];
        const same = expected.filter((l, i) => l === labels[i]).length;
        assert.ok(same / expected.length >= 0.999, `${file}: ${same} of ${expected.length}`);
      }
      const missing = await runCli(["export", "--model", `${dir}/m.lrc`]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--out FILE.onnx is required/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a QDQ .onnx reads back as the quantized model it stores, in every command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const quick = ["--quiet", "--dataset", "breast-cancer", "--max-iterations", "30"];
    const q = await runCli(["quantize", ...quick, "--bits", "4", "--save", `${dir}/q.lrc`]);
    assert.equal(q.code, 0, q.stderr);
    const e = await runCli(["export", "--model", `${dir}/q.lrc`, "--out", `${dir}/q.onnx`]);
    assert.equal(e.code, 0, e.stderr);
    const inspect = await runCli(["inspect", `${dir}/q.onnx`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /model +quantized sigmoid/);
    assert.match(inspect.stdout, /weights +uniform-symmetric 4-bit per class/);
    // Its codes score it, or its dequantized weights (refused for a float model before).
    const data = await loadEmbedded("breast-cancer");
    const csv = `${dir}/x.csv`;
    await Deno.writeTextFile(
      csv,
      [data.featureNames.map((n) => `"${n}"`).join(",")].concat(
        Array.from(
          { length: data.x.rows },
          (_, i) => Array.from(data.x.data.subarray(i * 30, i * 30 + 30)).join(","),
        ),
      ).join("\n") + "\n",
    );
    const expected = predictLabels(asFloatModel(await loadModel(`${dir}/q.lrc`)), data.x);
    for (const extra of [[], ["--dequantized"]]) {
      const p = await runCli([
        "predict",
        "--quiet",
        "--model",
        `${dir}/q.onnx`,
        "--data",
        csv,
        "--out",
        `${dir}/p.csv`,
        ...extra,
      ]);
      assert.equal(p.code, 0, p.stderr);
      const labels = (await Deno.readTextFile(`${dir}/p.csv`)).trim().split("\n").slice(1)
        .map((l) => l.split(",")[0]);
      const same = labels.filter((l, i) => l === expected[i]).length;
      assert.ok(same / expected.length >= 0.999, `${extra}: ${same} of ${expected.length}`);
    }
    // A k-means export is a table lookup: inspect reads it as float and prints why.
    const km = await runCli([
      ...["quantize", "--quiet", "--dataset", "breast-cancer", "--max-iterations", "30"],
      ...["--method", "kmeans", "--bits", "2", "--save", `${dir}/k.lrc`],
    ]);
    assert.equal(km.code, 0, km.stderr);
    const ke = await runCli(["export", "--model", `${dir}/k.lrc`, "--out", `${dir}/k.onnx`]);
    assert.equal(ke.code, 0, ke.stderr);
    const ki = await runCli(["inspect", `${dir}/k.onnx`]);
    assert.equal(ki.code, 0, ki.stderr);
    assert.match(ki.stdout, /model +float sigmoid/);
    assert.match(
      ki.stderr,
      /^warning: read as a float model: its weights are looked up in a table \(a codebook or power-of-two levels\)$/m,
    );
    // A quantized model is not pruned or compressed again, as from a .lrc.
    const c = await runCli(["compress", "--quiet", "--model", `${dir}/q.onnx`]);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /it is already quantized/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON of coefficients is read wherever a model is (inspect, predict, quantize), also under a .lrc name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A binary model on two features, as scikit-learn's coef_ and intercept_ would be dumped.
    const coef = { coef: [[1.5, -2]], intercept: [0.25], classes: ["no", "yes"] };
    await Deno.writeTextFile(`${dir}/x.csv`, "x0,x1,y\n1,0,yes\n0,1,no\n2,0,yes\n0,2,no\n");
    // Also under a .lrc name, as a JSON model is read (it was read as an lrcompress JSON model:
    // "it is not a logistic-regression model (kind)").
    for (const name of ["coef.json", "coef.lrc"]) {
      await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(coef));
      const inspect = await runCli(["inspect", `${dir}/${name}`]);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.match(inspect.stdout, /model +float sigmoid, 2 classes, 2 features/);
      const p = await runCli([
        ...["predict", "--quiet", "--model", `${dir}/${name}`, "--data", `${dir}/x.csv`],
        ...["--out", `${dir}/p.csv`],
      ]);
      assert.equal(p.code, 0, p.stderr);
      // Scores 1.75, -1.75, 3.25, -3.75: yes, no, yes, no.
      const labels = (await Deno.readTextFile(`${dir}/p.csv`)).trim().split("\n").slice(1);
      assert.deepEqual(labels.map((l) => l.split(",")[0]), ["yes", "no", "yes", "no"], name);
    }
    const q = await runCli([
      ...["quantize", "--quiet", "--model", `${dir}/coef.json`, "--save", `${dir}/q.lrc`],
      ...["--data", `${dir}/x.csv`],
    ]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal((await loadModel(`${dir}/q.lrc`)).kind, "quantized-logistic-regression");
    // A binary model written as two softmax rows keeps them: a 4-level codebook of its 4
    // weights per tensor fits (compress counted the data's classes as one row and refused).
    await Deno.writeTextFile(
      `${dir}/soft.json`,
      JSON.stringify({
        coef: [[1, -0.5], [-1, 0.5]],
        intercept: [0.1, -0.1],
        classes: ["no", "yes"],
      }),
    );
    const rows = Array.from({ length: 40 }, (_, i) => {
      const [a, b] = [(i % 5) - 2, ((i * 3) % 7) - 3];
      return `${a},${b},${2 * (a - 0.5 * b) + 0.2 > 0 ? "yes" : "no"}`;
    });
    await Deno.writeTextFile(`${dir}/many.csv`, ["x0,x1,y", ...rows].join("\n") + "\n");
    const k = await runCli([
      ...["compress", "--quiet", "--model", `${dir}/soft.json`, "--data", `${dir}/many.csv`],
      ...["--method", "kmeans", "--bits", "2", "--sparsity", "0", "--json"],
    ]);
    assert.equal(k.code, 0, k.stderr);
    assert.match(JSON.parse(k.stdout).stages.at(-1).name, /k-means 4 levels per tensor/);
    // A misspelt field of a coefficients JSON is refused with the importer's words.
    await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify({ ...coef, intercepts: [0] }));
    const bad = await runCli(["inspect", `${dir}/bad.json`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /intercepts/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model that names a feature twice is not matched to columns by name", async () => {
  // Both of its features read the one column so named: predict --label and quantize --model took
  // column 'a' twice and never read 'b', without a word.
  // A model file (written before fit refused repeated names; a JSON of coefficients, a new
  // model, refuses them too): the readers still take it, to be used by position.
  const dir = await Deno.makeTempDir();
  try {
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: MODEL_VERSION,
      link: "sigmoid",
      weights: { data: Float64Array.of(1, -1), rows: 1, cols: 2 },
      bias: Float64Array.of(0),
      classes: ["no", "yes"],
      featureNames: ["a", "a"],
      preprocessing: { kind: "none" },
    };
    await Deno.writeTextFile(`${dir}/dup.json`, modelToJson(model));
    const rows = [
      "1,0,yes",
      "0,1,no",
      "2,0,yes",
      "0,2,no",
      "3,1,yes",
      "1,3,no",
      "4,1,yes",
      "1,4,no",
    ];
    await Deno.writeTextFile(`${dir}/ab.csv`, ["a,b,y", ...rows].join("\n") + "\n");
    const args = ["--model", `${dir}/dup.json`, "--data", `${dir}/ab.csv`];
    const p = await runCli(["predict", "--quiet", ...args, "--label", "y"]);
    assert.equal(p.code, 1, p.stdout);
    assert.match(p.stderr, /the model names feature "a" twice, so it cannot be matched to columns/);
    const q = await runCli(["quantize", "--quiet", ...args]);
    assert.equal(q.code, 1, q.stdout);
    assert.match(q.stderr, /the model names feature "a" twice, so it cannot be matched to columns/);
    // Columns the model does not name are taken by position: score a - b, so 'yes' when a > b.
    await Deno.writeTextFile(`${dir}/pq.csv`, ["p,q,y", ...rows].join("\n") + "\n");
    const out = await runCli([
      ...["predict", "--quiet", "--model", `${dir}/dup.json`, "--data", `${dir}/pq.csv`],
      ...["--out", `${dir}/out.csv`],
    ]);
    assert.equal(out.code, 0, out.stderr);
    const labels = (await Deno.readTextFile(`${dir}/out.csv`)).trim().split("\n").slice(1);
    assert.deepEqual(labels, rows.map((r) => r.split(",")[2]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a feature a model names twice is quoted cut short when long, by predict and quantize", async () => {
  // The name was printed whole: a 10,000-character name made a 10,000-character line. Oracle:
  // JSON quotes of its first 60 characters and its length, written out here.
  const dir = await Deno.makeTempDir();
  try {
    const long = "n".repeat(10000);
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: MODEL_VERSION,
      link: "sigmoid",
      weights: { data: Float64Array.of(1, -1), rows: 1, cols: 2 },
      bias: Float64Array.of(0),
      classes: ["no", "yes"],
      featureNames: [long, long],
      preprocessing: { kind: "none" },
    };
    await Deno.writeTextFile(`${dir}/dup.json`, modelToJson(model));
    // A header that names it, so the columns are matched by name.
    await Deno.writeTextFile(`${dir}/ab.csv`, `${long},b,y\n1,0,yes\n0,1,no\n2,0,yes\n0,2,no\n`);
    const args = ["--model", `${dir}/dup.json`, "--data", `${dir}/ab.csv`];
    const quote = `"${"n".repeat(60)}"... (10000 characters)`;
    for (const command of [["predict", "--label", "y"], ["quantize"]]) {
      const r = await runCli([command[0], "--quiet", ...args, ...command.slice(1)]);
      assert.equal(r.code, 1, r.stdout);
      assert.ok(r.stderr.includes(`the model names feature ${quote} twice`), r.stderr);
      assert.ok(!r.stderr.includes("n".repeat(61)), r.stderr.slice(0, 300));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON of coefficients that starts with a UTF-8 byte order mark is read as one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/c.json`;
    await Deno.writeTextFile(path, '\ufeff{"coef": [[1.5, -2]], "intercept": [0.5]}');
    const { model } = await readModelFile(path);
    assert.equal(model.link, "sigmoid");
    assert.deepEqual([...asFloatModel(model).weights.data], [1.5, -2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON of coefficients with a misspelt coef or intercept is refused by the importer, naming it", async () => {
  // Without a "coef" the file went to the model reader, which said only that it is not a
  // logistic-regression model (kind): the misspelling the importer names was never reached.
  const dir = await Deno.makeTempDir();
  try {
    const cases = [
      [{ coef_: [[1, -1]], intercept_: [0] }, /unknown field "coef_": is it "coef"\?/],
      [{ coefs: [[1, -1]], intercept: [0] }, /unknown field "coefs": is it "coef"\?/],
      [{ Coef: [[1, -1]], intercept: [0] }, /unknown field "Coef": is it "coef"\?/],
      [{ intercept: [0] }, /coef must be a non-empty array of rows/],
    ] as const;
    for (const [json, message] of cases) {
      const path = `${dir}/c.json`;
      await Deno.writeTextFile(path, JSON.stringify(json));
      await assert.rejects(() => readModelFile(path), {
        name: "SyntaxError",
        message: new RegExp(`^Cannot import '${dir}/c.json': ${message.source}`),
      });
    }
    // A JSON with neither, nor a kind, is still the model reader's to refuse.
    await Deno.writeTextFile(`${dir}/n.json`, JSON.stringify({ weights: [1] }));
    await assert.rejects(() => readModelFile(`${dir}/n.json`), /not a logistic-regression model/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prune, quantize and compress --model match CSV columns by name, in any order", async () => {
  // A file with the model's features in another order used to be applied by position.
  const data = await loadEmbedded("breast-cancer");
  const d = data.featureNames.length;
  const csv = (order: number[], names: readonly string[]) => {
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const lines = [[...order.map((j) => q(names[j])), "label"].join(",")];
    for (let i = 0; i < data.x.rows; i++) {
      const row = order.map((j) => String(data.x.data[i * d + j]));
      lines.push([...row, q(data.classes[data.y[i]])].join(","));
    }
    return lines.join("\n") + "\n";
  };
  const inOrder = Array.from({ length: d }, (_, j) => j);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, csv(inOrder, data.featureNames));
    await Deno.writeTextFile(`${dir}/r.csv`, csv(inOrder.toReversed(), data.featureNames));
    const renamed = data.featureNames.map((n, j) => (j === 3 ? `${n} (renamed)` : n));
    await Deno.writeTextFile(`${dir}/n.csv`, csv(inOrder, renamed));
    const train = await runCli([
      "train",
      "--quiet",
      "--data",
      `${dir}/a.csv`,
      "--max-iterations",
      "30",
      "--save",
      `${dir}/m.lrc`,
    ]);
    assert.equal(train.code, 0, train.stderr);
    const commands = [
      ["quantize"],
      ["prune", "--sparsity", "0.5"],
      ["compress", "--fine-tune", "none", "--training", "ptq"],
    ];
    for (const command of commands) {
      const run = async (file: string) => {
        const r = await runCli([...command, "--model", `${dir}/m.lrc`, "--data", file, "--json"]);
        assert.equal(r.code, 0, `${command[0]} on ${file}: ${r.stderr}`);
        return JSON.parse(r.stdout);
      };
      const a = await run(`${dir}/a.csv`), r = await run(`${dir}/r.csv`);
      // Everything but where the data came from is the same, metrics included.
      assert.match(JSON.stringify(r), /in the model's order|in its order, by name/);
      const strip = (o: unknown) =>
        JSON.stringify(o, (k, v) => (/seconds|elapsed|^source$|^model$/i.test(k) ? 0 : v));
      assert.equal(strip(r), strip(a), command[0]);
      const n = await runCli([...command, "--model", `${dir}/m.lrc`, "--data", `${dir}/n.csv`]);
      assert.equal(n.code, 1, n.stdout);
      assert.match(
        n.stderr,
        /the data name 29 of the model's features but not \["mean area"\]; name the columns as the model does/,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataForModel says a model's names holding U+FFFD match no header, and to train it again", () => {
  // A model trained on a Latin-1 file before such header names were refused names 'th\ufffd':
  // the file converted to UTF-8 names 'th\u00e9', and the file as it was is refused, so "name
  // the columns as the model does" alone could not be done (it can only for U+FFFD written in
  // UTF-8, which the readers of files now take). Oracle: the message written out.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: new Float64Array(2), rows: 1, cols: 2 },
    bias: Float64Array.of(0),
    classes: ["no", "yes"],
    featureNames: ["prix", "th\ufffd"],
    preprocessing: { kind: "none" },
  };
  const x = { rows: 0, cols: 2, data: new Float64Array() };
  const data: LoadedData = {
    source: "d.csv",
    train: { x, y: new Int32Array(), classes: ["no", "yes"], featureNames: ["prix", "th\u00e9"] },
    test: { x, y: new Int32Array() },
  };
  assert.throws(() => dataForModel(model, data, "m.lrc"), {
    name: "TypeError",
    message: "Cannot apply 'm.lrc' to d.csv: the data name 1 of the model's features but not " +
      '["th\ufffd"]; the model\'s names holding U+FFFD were probably read from a file that is ' +
      "not UTF-8, a header no reader takes now: train the model again on the file converted to " +
      "UTF-8 (iconv -f windows-1252 -t utf-8); if they hold U+FFFD written in UTF-8, name the " +
      "columns as the model does",
  });
});

Deno.test("dataForModel quotes the features the data do not name as a quotedList, long names cut short", () => {
  // The names were printed whole, in single quotes (cut at 6 names, not in length): a
  // 10,000-character name made a 10,000-character line. Oracle: JSON quotes of the first 60
  // characters and the length, at most 8 names and their count, written out here.
  const model = (featureNames: string[]): LogisticModel => ({
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: new Float64Array(featureNames.length), rows: 1, cols: featureNames.length },
    bias: Float64Array.of(0),
    classes: ["no", "yes"],
    featureNames,
    preprocessing: { kind: "none" },
  });
  const data = (featureNames: string[]): LoadedData => ({
    source: "d.csv",
    train: {
      x: { rows: 0, cols: featureNames.length, data: new Float64Array() },
      y: new Int32Array(),
      classes: ["no", "yes"],
      featureNames,
    },
    test: {
      x: { rows: 0, cols: featureNames.length, data: new Float64Array() },
      y: new Int32Array(),
    },
  });
  const long = "n".repeat(10000);
  assert.throws(
    () => dataForModel(model(["a", long]), data(["a", "b"]), "m.lrc"),
    (e: Error) => {
      assert.equal(
        e.message,
        "Cannot apply 'm.lrc' to d.csv: the data name 1 of the model's features but not " +
          `["${"n".repeat(60)}"... (10000 characters)]; name the columns as the model does`,
      );
      return e instanceof TypeError;
    },
  );
  const many = Array.from({ length: 100 }, (_, i) => `f${i}`);
  assert.throws(
    () => dataForModel(model(["a", ...many]), data(["a", "b"]), "m.lrc"),
    (e: Error) => {
      assert.equal(
        e.message,
        "Cannot apply 'm.lrc' to d.csv: the data name 1 of the model's features but not " +
          '["f0","f1","f2","f3","f4","f5","f6","f7", ...] (100 names); name the columns as the ' +
          "model does",
      );
      return e instanceof TypeError;
    },
  );
});

Deno.test("--model says it took the columns by position when the header names none of the features", async () => {
  // Predict says "features taken by position"; prune, quantize and compress said nothing, so a
  // file whose columns were all named otherwise (here: in another order) was read by position
  // without a word.
  const dir = await Deno.makeTempDir();
  try {
    const rows = [
      "1,0,yes",
      "0,1,no",
      "2,0,yes",
      "0,2,no",
      "3,1,yes",
      "1,3,no",
      "4,1,yes",
      "1,4,no",
    ];
    await Deno.writeTextFile(`${dir}/ab.csv`, ["a,b,y", ...rows].join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/pq.csv`, ["q,p,y", ...rows].join("\n") + "\n");
    const model = {
      coef: [[1, -1]],
      intercept: [0],
      classes: ["no", "yes"],
      featureNames: ["a", "b"],
    };
    await Deno.writeTextFile(`${dir}/m.json`, JSON.stringify(model));
    const run = (command: string[], file: string) =>
      runCli([...command, "--quiet", "--model", `${dir}/m.json`, "--data", `${dir}/${file}`]);
    for (const command of [["quantize"], ["prune", "--sparsity", "0"]]) {
      const named = await run(command, "ab.csv");
      assert.equal(named.code, 0, named.stderr);
      assert.doesNotMatch(named.stdout, /by position/);
      const other = await run(command, "pq.csv");
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stdout, /by position.*header names none of (the model's|its) features/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--model takes a headerless file's columns by position, wherever its label column is", async () => {
  // Without a header the columns are named by position (column_1, ...), which moves with the
  // label column: matching those names refused a file with the label first, and compress
  // refused positional data for not having the model's feature names.
  const data = await loadEmbedded("breast-cancer");
  const d = data.featureNames.length;
  const rows = (labelFirst: boolean) =>
    Array.from({ length: data.x.rows }, (_, i) => {
      const values = Array.from(data.x.data.subarray(i * d, (i + 1) * d), String);
      const label = data.classes[data.y[i]];
      return (labelFirst ? [label, ...values] : [...values, label]).join(",");
    }).join("\n") + "\n";
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/last.csv`, rows(false));
    await Deno.writeTextFile(`${dir}/first.csv`, rows(true));
    const headerless = ["--no-header", "--quiet"];
    const trained = await runCli([
      ...["train", "--data", `${dir}/last.csv`, ...headerless, "--max-iterations", "30"],
      ...["--save", `${dir}/m.json`],
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const run = async (command: string[], file: string, label: string[]) => {
      const r = await runCli([
        ...command,
        ...["--model", `${dir}/m.json`, "--data", `${dir}/${file}`, ...headerless, ...label],
        "--json",
      ]);
      assert.equal(r.code, 0, `${command[0]} ${file}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    for (const command of [["quantize"], ["compress", "--training", "ptq"]]) {
      const last = await run(command, "last.csv", []);
      const first = await run(command, "first.csv", ["--label", "0"]);
      const strip = (o: unknown) =>
        JSON.stringify(o, (k, v) => (/seconds|elapsed|^source$|^model$/i.test(k) ? 0 : v));
      assert.equal(strip(first), strip(last), command[0]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("refusals and notes name the command the user ran and advice that applies to it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const e = await runCli([
      "export",
      "--dataset",
      "breast-cancer",
      "--out",
      `${dir}/x.onnx`,
      "--epochs",
      "5",
    ]);
    assert.equal(e.code, 2);
    assert.match(
      e.stderr,
      /Cannot parse arguments of 'export': --epochs does not apply to --optimizer lbfgs/,
    );
    // A loaded model cannot be retrained with --no-standardize: the note says how to get one.
    const saved = await runCli([
      ...["train", "--dataset", "breast-cancer", "--max-iterations", "30", "--quiet"],
      ...["--save", `${dir}/bc.json`],
    ]);
    assert.equal(saved.code, 0, saved.stderr);
    const q = await runCli(["quantize", "--dataset", "breast-cancer", "--model", `${dir}/bc.json`]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(
      q.stdout,
      /a model trained with lrc train --no-standardize with inputs of similar ranges/,
    );
    const fresh = await runCli([
      "quantize",
      "--dataset",
      "breast-cancer",
      "--max-iterations",
      "30",
    ]);
    assert.match(
      fresh.stdout,
      /predicts dequantized \(--no-standardize with inputs of similar ranges/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("model file extensions are told whatever their case: .LRC, .Json, .ONNX, and --entropy on M.LRC", async () => {
  // Every path in the tests was lower case, so matching case (mutation audit: modelFormatOf,
  // saveFormatOf or entropyFlag without their toLowerCase or /i) passed while refusing 'M.LRC'
  // as a model file, a --save target or an --entropy output.
  assert.equal(modelFormatOf("M.LRC"), "lrc");
  assert.equal(modelFormatOf("m.Json"), "json");
  assert.equal(modelFormatOf("dir.v2/m.ONNX"), "onnx");
  assert.equal(saveFormatOf("M.LRC"), "lrc");
  assert.equal(saveFormatOf("m.JSON"), "json");
  assert.throws(() => saveFormatOf("M.ONNX"), /ONNX is written by 'lrc export --out FILE\.onnx'/);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/M.LRC`;
    const r = await runCli([
      ...["train", "--quiet", "--dataset", "breast-cancer", "--max-iterations", "10"],
      ...["--save", path, "--entropy"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The binary format's magic number, \x89 L R C.
    assert.deepEqual([...(await Deno.readFile(path)).subarray(0, 4)], [0x89, 0x4c, 0x52, 0x43]);
    const inspect = await runCli(["inspect", path, "--json"]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).format, "lrc");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkOutput takes a new file at the root of the file system: its folder is '/'", async () => {
  // The folder of '/m.lrc' is '/', not the empty text before its slash (mutation audit: taking
  // path.slice(0, 0) refused it as "the folder '' does not exist" and passed every test).
  const path = `/lrc-check-output-${crypto.randomUUID()}.lrc`;
  await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  await checkOutput("--out", path); // checks only: nothing is written
  await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  await assert.rejects(
    () => checkOutput("--out", `/lrc-no-such-folder-${crypto.randomUUID()}/m.lrc`),
    /^UsageError: Cannot write '\/lrc-no-such-folder-[^/]+\/m\.lrc': the folder '\/lrc-no-such-folder-[^']+' does not exist$/,
  );
});

Deno.test("checkOutput names a file in the path as a file, not as a missing folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/notes.txt`;
    await Deno.writeTextFile(file, "x");
    await assert.rejects(
      () => checkOutput("--out", `${file}/m.lrc`),
      (e: Error) => {
        assert.equal(e.message, `Cannot write '${file}/m.lrc': '${file}' is a file, not a folder`);
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(file), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const noDev = osProblem("posix", "/dev/null is POSIX-only");

Deno.test({
  name: "lrc refuses an output in /dev as a device under deno task's permissions, not with " +
    "Deno's advice to run again with --allow-all" + (noDev ? ` (skipped: ${noDev})` : ""),
  ignore: noDev !== null,
  fn: async () => {
    // The lrc task's own flags (deno.json): Deno lets only --allow-all look into /dev, so the
    // check of `--out /dev/null` got "Requires all access to "/dev", run again with the
    // --allow-all flag", which `deno task lrc` cannot be given.
    const config = new URL("../../deno.json", import.meta.url);
    const task: string = JSON.parse(await Deno.readTextFile(config)).tasks.lrc;
    const flags = task.split(" ").filter((a) => a.startsWith("--allow-"));
    assert.ok(!flags.includes("--allow-all"), task);
    const main = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
    const dir = await Deno.makeTempDir();
    try {
      const data = await loadEmbedded("iris");
      const rows = data.x.rows, cols = data.x.cols;
      const lines = [[...data.featureNames!, "species"].join(",")];
      for (let i = 0; i < rows; i++) {
        const row = Array.from(data.x.data.subarray(i * cols, (i + 1) * cols));
        lines.push([...row, data.classes[data.y[i]]].join(","));
      }
      await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
      const trained = await runCli([
        "train",
        "--dataset",
        "iris",
        "--quiet",
        "--save",
        `${dir}/m.lrc`,
      ]);
      assert.equal(trained.code, 0, trained.stderr);
      // The working folder's way up to /dev, written relative to it.
      const up = relative(dir, "/dev/null");
      assert.match(up, /^(\.\.\/)+dev\/null$/);
      // Links made here: a folder that is /dev, and (where /dev/shm is) a file there, which a
      // save would replace beside it, in /dev/shm.
      await Deno.symlink("/dev", `${dir}/devices`);
      let shm: string | null = null;
      try {
        shm = await Deno.makeTempFile({ dir: "/dev/shm", prefix: "lrc_test_", suffix: ".lrc" });
        await Deno.symlink(shm, `${dir}/shared.lrc`);
      } catch { /* no /dev/shm: that case is left out */ }
      const inDev = (out: string, link = "") =>
        `Cannot write '${out}': it is in /dev${link}, whose devices (/dev/null, /dev/stdout) ` +
        "are not regular files: a save would replace one with a file; write to a regular file";
      const inSystem = (out: string, system: string) =>
        `Cannot write '${out}': it is in ${system}, whose process and kernel files are not ` +
        "regular files, and which Deno lets only --allow-all use (deno task lrc does not give " +
        "it); write to a regular file";
      const cases: [string, string, string][] = [
        ["predict", "/dev/null", inDev("/dev/null")],
        ["predict", "/dev/stdout", inDev("/dev/stdout")],
        ["export", "/dev/m.onnx", inDev("/dev/m.onnx")],
        ["compress", "/dev/m.lrc", inDev("/dev/m.lrc")],
        // /dev written otherwise, or reached through a link.
        ["predict", up, inDev(up)],
        ["predict", "/dev/../dev/null", inDev("/dev/../dev/null")],
        ["train", "devices/m.lrc", inDev("devices/m.lrc", " (its folder 'devices' is '/dev')")],
        ...(shm === null
          ? []
          : [["train", "shared.lrc", inDev("shared.lrc", ` (a link to '${shm}')`)]] as [
            string,
            string,
            string,
          ][]),
        // The other folders Deno keeps for --allow-all: standard output by its /proc name, /sys.
        ["predict", "/proc/self/fd/1", inSystem("/proc/self/fd/1", "/proc")],
        ["export", "/sys/m.onnx", inSystem("/sys/m.onnx", "/sys")],
      ];
      try {
        for (const [command, out, message] of cases) {
          const args = command === "predict"
            ? ["predict", "--model", `${dir}/m.lrc`, "--data", `${dir}/d.csv`, "--out", out]
            : command === "train"
            ? ["train", "--dataset", "iris", "--save", out]
            : [command, "--model", `${dir}/m.lrc`, "--out", out];
          const r = await new Deno.Command(Deno.execPath(), {
            args: ["run", "--config", config.pathname, ...flags, main, ...args],
            cwd: dir,
            stdout: "piped",
            stderr: "piped",
          }).output();
          const stderr = new TextDecoder().decode(r.stderr);
          assert.equal(r.code, 2, stderr);
          assert.equal(r.stdout.length, 0);
          assert.equal(stderr, `lrc ${command}: ${message}\n`);
        }
      } finally {
        if (shm !== null) await Deno.remove(shm);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "checkOutput refuses /dev and links into it only where Deno refuses to look: with " +
    "--allow-all, /dev is a folder like another" + (noDev ? ` (skipped: ${noDev})` : ""),
  ignore: noDev !== null,
  fn: async () => {
    // This test runs with --allow-all (deno test -A): Deno answers for /dev as for any folder.
    const missing = `/dev/lrc-no-such-folder-${crypto.randomUUID()}`;
    await assert.rejects(
      () => checkOutput("--out", `${missing}/m.lrc`),
      (e: Error) =>
        e.message === `Cannot write '${missing}/m.lrc': the folder '${missing}' does not exist`,
    );
    const dir = await Deno.makeTempDir();
    let shm: string | null = null;
    try {
      shm = await Deno.makeTempFile({ dir: "/dev/shm", prefix: "lrc_test_", suffix: ".lrc" });
    } catch { /* no /dev/shm */ }
    try {
      await Deno.symlink("/dev", `${dir}/devices`);
      await checkOutput("--out", `${dir}/devices/lrc-no-such-file-${crypto.randomUUID()}.lrc`);
      if (shm !== null) {
        await Deno.symlink(shm, `${dir}/shared.lrc`);
        await checkOutput("--out", `${dir}/shared.lrc`);
      }
    } finally {
      if (shm !== null) await Deno.remove(shm);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const noProc = osProblem("linux", "/proc is Linux-only");

Deno.test({
  name: "checkOutput says why it cannot look at a folder instead of calling it missing" +
    (noProc ? ` (skipped: ${noProc})` : ""),
  ignore: noProc !== null,
  fn: async () => {
    // Without --allow-all, Deno refuses to look at /proc (lrc's task gives --allow-read and
    // --allow-write only): that was reported as "the folder '/proc' does not exist", then in
    // Deno's words, which advise --allow-all.
    const script = `
      import { checkOutput } from ${
      JSON.stringify(new URL("../../lib/cli/model_files.ts", import.meta.url).href)
    };
      try { await checkOutput("--save", Deno.args[0]); console.log("accepted"); }
      catch (e) { console.log(String(e)); }
    `;
    const dir = await Deno.makeTempDir();
    const check = async (path: string, permissions: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--config",
          new URL("../../deno.json", import.meta.url).pathname,
          ...permissions,
          `${dir}/check.ts`,
          path,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout).trim();
    };
    try {
      await Deno.writeTextFile(`${dir}/check.ts`, script);
      const stdout = await check("/proc/r.lrc", ["--allow-read", "--allow-write"]);
      // Deno said "Requires all access to "/proc", run again with the --allow-all flag".
      assert.match(
        stdout,
        /^UsageError: Cannot write '\/proc\/r\.lrc': it is in \/proc, whose process and kernel files are not regular files, and which Deno lets only --allow-all use/,
      );
      assert.doesNotMatch(stdout, /does not exist|run again/);
      // A folder refused for the permissions given, not as a system folder, is said in Deno's
      // words, whatever its name begins with.
      for (const path of ["/devices/r.lrc", "/system/r.lrc", "/procs/r.lrc"]) {
        const limited = await check(path, [`--allow-read=${dir}`, `--allow-write=${dir}`]);
        assert.match(
          limited,
          new RegExp(
            `^UsageError: Cannot write '${path}': Requires read access to "${
              path.slice(0, path.lastIndexOf("/"))
            }"`,
          ),
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
