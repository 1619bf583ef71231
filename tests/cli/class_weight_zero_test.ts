/**
 * A class whose training rows all weigh 0 under `--class-weight` or `--weight-column` is accepted,
 * and every command that trains or scores with the weights says so, naming the class and the
 * training rows it leaves out, through `fit`'s warnings (report and `--json`): train, quantize,
 * export, prune and compress (each once, though their fine-tuning says it again). The row counts
 * are counted here from the file and the library's splits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_class_weight_zero_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const file = `${dir}/three.csv`, weighted = `${dir}/weighted.csv`;
{
  // 300 rows, classes a, b, c in turn around (0, 0), (3, 0), (0, 3); w is 0 on every "b" row.
  let s = 99;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const centres = [[0, 0], [3, 0], [0, 3]];
  const lines = ["u,v,label"], withW = ["u,v,w,label"];
  for (let i = 0; i < 300; i++) {
    const c = i % 3;
    const uv = `${(centres[c][0] + r()).toFixed(4)},${(centres[c][1] + r()).toFixed(4)}`;
    lines.push(`${uv},${"abc"[c]}`);
    withW.push(`${uv},${c === 1 ? 0 : 1},${"abc"[c]}`);
  }
  await Deno.writeTextFile(weighted, withW.join("\n") + "\n");
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}

/**
 * The training rows of each class in the CLI's split (25 % stratified, seed 0), or with
 * `compress` in its session's split of those (20 % stratified for validation, seed 0).
 */
async function trainCounts(compress = false): Promise<Record<string, number>> {
  const ds = await readCsv(file);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const y = compress
    ? trainTestSplit(s.xTrain, s.yTrain, { testFraction: 0.2, seed: 0 }).yTrain
    : s.yTrain;
  const counts: Record<string, number> = {};
  for (const v of y) counts[ds.classes[v]] = (counts[ds.classes[v]] ?? 0) + 1;
  return counts;
}

const warning = (label: string, rows: number) =>
  `class "${label}" weighs 0 on all its ${rows} training rows: training leaves them out, so ` +
  "the model learns never to predict it";

const PLAIN = ["--data", file, "--quiet"];

Deno.test("lrc train --class-weight a=0 is accepted and warns, naming the class and its training rows (report and --json)", async () => {
  const n = (await trainCounts()).a;
  const text = await runCli(["train", ...PLAIN, "--class-weight", "a=0"]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(text.stdout.includes(`\nwarning   ${warning("a", n)}\n`), text.stdout);
  const json = await runCli(["train", ...PLAIN, "--class-weight", "a=0", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(report.training.warnings, [warning("a", n)]);
  // The model never predicts the class: the test confusion matrix's "a" column is 0.
  assert.deepEqual(report.test.confusion.map((row: number[]) => row[0]), [0, 0, 0]);
  // Weighed on, no such warning.
  const on = await runCli(["train", ...PLAIN, "--class-weight", "a=0.5", "--json"]);
  assert.deepEqual(JSON.parse(on.stdout).training.warnings, []);
});

Deno.test("lrc train --weight-column that is 0 on every row of a class gives the same warning", async () => {
  const n = (await trainCounts()).b;
  const r = await runCli([
    "train",
    "--data",
    weighted,
    "--weight-column",
    "w",
    "--json",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).training.warnings, [warning("b", n)]);
});

Deno.test("lrc train --class-weight with every class but one at 0 says the model learns that class alone", async () => {
  const counts = await trainCounts();
  const r = await runCli(["train", ...PLAIN, "--class-weight", "a=0,c=0", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).training.warnings, [
    `classes "a" (${counts.a} rows), "c" (${counts.c} rows) weigh 0 on all their training rows: ` +
    'training leaves them out, so the model learns never to predict them; only class "b" weighs ' +
    "more than 0, so the model learns that class alone",
  ]);
});

/** How many times `part` occurs in `text`. */
const occurrences = (text: string, part: string) => text.split(part).length - 1;

Deno.test("lrc prune and compress warn of a class weighted 0 once, in the report and --json, though fine-tuning says it again", async () => {
  const n = (await trainCounts()).a;
  const args = ["--class-weight", "a=0", "--sparsity", "0.5", "--fine-tune", "lbfgs"];
  const prune = await runCli(["prune", ...PLAIN, ...args, "--json"]);
  assert.equal(prune.code, 0, prune.stderr);
  assert.equal(prune.stderr, "");
  assert.deepEqual(JSON.parse(prune.stdout).warnings, [warning("a", n)]);
  const pruneText = await runCli(["prune", ...PLAIN, ...args]);
  assert.equal(pruneText.stderr, "");
  assert.equal(occurrences(pruneText.stdout, warning("a", n)), 1, pruneText.stdout);
  assert.ok(pruneText.stdout.includes(`\nwarning   ${warning("a", n)}\n`), pruneText.stdout);
  // compress trains on its session's split of the training rows.
  const nc = (await trainCounts(true)).a;
  const compress = await runCli(["compress", ...PLAIN, ...args.slice(0, 4), "--bits", "8"]);
  assert.equal(compress.code, 0, compress.stderr);
  assert.equal(compress.stderr, "");
  assert.equal(occurrences(compress.stdout, warning("a", nc)), 1, compress.stdout);
  assert.ok(compress.stdout.includes(`\nwarning   ${warning("a", nc)}\n`), compress.stdout);
  const compressJson = await runCli(
    ["compress", ...PLAIN, ...args.slice(0, 4), "--bits", "8", "--json"],
  );
  assert.deepEqual(JSON.parse(compressJson.stdout).warnings, [warning("a", nc)]);
  // Through the weight column too.
  const nb = (await trainCounts()).b;
  const column = await runCli(
    ["prune", "--data", weighted, "--weight-column", "w", "--sparsity", "0.5", "--quiet", "--json"],
  );
  assert.equal(column.code, 0, column.stderr);
  assert.equal(column.stderr, "");
  assert.deepEqual(JSON.parse(column.stdout).warnings, [warning("b", nb)]);
});

Deno.test("lrc prune and compress of a --model, which train no dense model, warn of a class weighted 0 once", async () => {
  const ds = await readCsv(file);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const dense = fit(s.xTrain, s.yTrain, { classes: ds.classes, featureNames: ds.featureNames });
  const modelFile = `${dir}/dense_for_prune.json`;
  await Deno.writeTextFile(modelFile, modelToJson(dense.model));
  const given = ["--model", modelFile, ...PLAIN, "--class-weight", "a=0", "--sparsity", "0.5"];
  const prune = await runCli(["prune", ...given, "--fine-tune", "lbfgs", "--json"]);
  assert.equal(prune.code, 0, prune.stderr);
  assert.equal(prune.stderr, "");
  assert.deepEqual(JSON.parse(prune.stdout).warnings, [warning("a", (await trainCounts()).a)]);
  const compress = await runCli(["compress", ...given, "--bits", "8", "--json"]);
  assert.equal(compress.code, 0, compress.stderr);
  assert.equal(compress.stderr, "");
  assert.deepEqual(JSON.parse(compress.stdout).warnings, [
    warning("a", (await trainCounts(true)).a),
  ]);
});

Deno.test("lrc quantize --model --qat and lrc export warn of a class weighted 0", async () => {
  const n = (await trainCounts()).a;
  const ds = await readCsv(file);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const dense = fit(s.xTrain, s.yTrain, { classes: ds.classes, featureNames: ds.featureNames });
  const modelFile = `${dir}/dense.json`;
  await Deno.writeTextFile(modelFile, modelToJson(dense.model));
  const q = await runCli([
    "quantize",
    "--model",
    modelFile,
    ...PLAIN,
    "--qat",
    "--method",
    "float16",
    "--class-weight",
    "a=0",
    "--json",
  ]);
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout).warnings, [warning("a", n)]);
  const e = await runCli(
    ["export", ...PLAIN, "--class-weight", "a=0", "--out", `${dir}/m.onnx`, "--json"],
  );
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual(JSON.parse(e.stdout).warnings, [warning("a", n)]);
});

Deno.test("lrc train --stream --class-weight a=0 warns as the in-memory training does", async () => {
  // Every 4th row (index 3, 7, ...) held out; class "a" is on the rows i % 3 === 0.
  let n = 0;
  for (let i = 0; i < 300; i++) if (i % 3 === 0 && i % 4 !== 3) n++;
  const r = await runCli([
    "train",
    ...PLAIN,
    "--stream",
    "--optimizer",
    "sgd",
    "--class-weight",
    "a=0",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).training.warnings.includes(warning("a", n)), r.stdout);
});

Deno.test("lrc prune and compress of a --model, with no fine-tuning, warn of a class the weight column leaves out, and of that class only", async () => {
  // No training runs here: the warning can only come from the weights read with the data.
  const ds = await readCsv(file);
  const s = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const dense = fit(s.xTrain, s.yTrain, { classes: ds.classes, featureNames: ds.featureNames });
  const modelFile = `${dir}/dense_for_column.json`;
  await Deno.writeTextFile(modelFile, modelToJson(dense.model));
  const given = ["--model", modelFile, "--data", weighted, "--weight-column", "w", "--quiet"];
  const prune = await runCli(
    ["prune", ...given, "--strategy", "taylor", "--sparsity", "0.5", "--json"],
  );
  assert.equal(prune.code, 0, prune.stderr);
  assert.deepEqual(JSON.parse(prune.stdout).warnings, [warning("b", (await trainCounts()).b)]);
  const compress = await runCli(["compress", ...given, "--bits", "8", "--json"]);
  assert.equal(compress.code, 0, compress.stderr);
  assert.deepEqual(JSON.parse(compress.stdout).warnings, [
    warning("b", (await trainCounts(true)).b),
  ]);
  // --class-weight a=0 on top: both classes, each of its own training rows.
  const both = await runCli(
    [
      "prune",
      ...given,
      "--class-weight",
      "a=0",
      "--strategy",
      "obd",
      "--sparsity",
      "0.5",
      "--json",
    ],
  );
  assert.equal(both.code, 0, both.stderr);
  const n = await trainCounts();
  assert.deepEqual(JSON.parse(both.stdout).warnings, [
    `classes "a" (${n.a} rows), "b" (${n.b} rows) weigh 0 on all their training rows: training ` +
    'leaves them out, so the model learns never to predict them; only class "c" weighs more ' +
    "than 0, so the model learns that class alone",
  ]);
});
