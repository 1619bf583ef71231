/**
 * `lrc train --weight-column` (in memory): the test metrics weighted by the test rows' weights,
 * beside the unweighted ones; integer weights give the metrics of the test rows repeated.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Matrix, takeRows } from "../../lib/core/matrix.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_train_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

// 300 rows of 3 features and a noisy label, from an independent generator; the weight (column
// 1) is an integer 0..3, larger where the model errs more often (a near 0), so weighing moves
// the test metrics.
let s = 2024;
const r = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 2 ** 32;
};
const rows: { a: number; b: number; c: number; label: string }[] = [];
for (let i = 0; i < 300; i++) {
  const a = 2 * r() - 1, b = 2 * r() - 1, c = 2 * r() - 1;
  const label = a + 0.5 * b + 0.6 * (r() - 0.5) > 0 ? "pos" : "neg";
  rows.push({ a, b, c, label });
}
const intWeights = rows.map(({ a }) => Math.abs(a) < 0.3 ? 3 : Math.floor(3 * r()));

async function write(name: string, weights: readonly number[]): Promise<string> {
  const path = `${dir}/${name}.csv`;
  const lines = ["a,w,b,c,label"];
  rows.forEach((row, i) => {
    lines.push(
      `${row.a.toFixed(4)},${weights[i]},${row.b.toFixed(4)},${row.c.toFixed(4)},${row.label}`,
    );
  });
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** The CLI's split (25 % stratified, seed 0): the test rows without the weight, and theirs. */
async function testPart(path: string) {
  const ds = await readCsv(path);
  const split = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const d = ds.x.cols;
  const x: Matrix = takeRows(ds.x, split.testIndex);
  const kept = [0, 2, 3];
  const features = {
    data: Float64Array.from(
      { length: x.rows * 3 },
      (_, k) => x.data[Math.floor(k / 3) * d + kept[k % 3]],
    ),
    rows: x.rows,
    cols: 3,
  };
  const w = Float64Array.from({ length: x.rows }, (_, i) => x.data[i * d + 1]);
  return { x: features, y: split.yTest, w, testIndex: split.testIndex, labels: ds.y };
}

Deno.test("lrc train --weight-column: the test metrics weighted by the test rows' weights are those of the test rows repeated", async () => {
  const data = await write("ints", intWeights);
  const save = `${dir}/ints.json`;
  const argv = ["train", "--data", data, "--weight-column", "w", "--quiet", "--save", save];
  const json = await runCli([...argv, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  const model = modelFromJson(await Deno.readTextFile(save));
  const t = await testPart(data);
  // The oracle: the unweighted evaluation of each test row repeated w times.
  const picked: number[] = [];
  t.w.forEach((w, i) => {
    for (let k = 0; k < w; k++) picked.push(i);
  });
  const rx = takeRows(t.x, Int32Array.from(picked));
  const want = evaluate(model, rx, Int32Array.from(picked, (i) => t.y[i]));
  const got = report.testWeighted;
  assert.equal(got.weightSum, picked.length);
  assert.equal(got.samples, t.y.length, "samples counts the test rows, not their weight");
  for (const key of ["accuracy", "balancedAccuracy", "macroF1", "rocAuc", "confusion"] as const) {
    assert.deepEqual(got[key], want[key], key);
  }
  assertClose(got.logLoss, want.logLoss, { rtol: 1e-13 });
  // The unweighted test metrics are unchanged, and differ from the weighted.
  const plain = evaluate(model, t.x, t.y);
  assert.equal(report.test.accuracy, plain.accuracy);
  assert.deepEqual(report.test.confusion, plain.confusion);
  assert.notEqual(got.accuracy, plain.accuracy);
  assert.notEqual(got.logLoss, plain.logLoss);
  assert.equal(report.sampleWeight.testMetrics, "unweighted");
  // The text: the line under the table.
  const text = await runCli(argv.filter((a) => a !== "--save" && a !== save));
  assert.equal(text.code, 0, text.stderr);
  const line = text.stdout.split("\n").find((l) => l.startsWith("weighted  "));
  assert.equal(
    line,
    `weighted  test rows by "w" (total weight ${picked.length}): accuracy ${
      (100 * want.accuracy).toFixed(2)
    } %, balanced accuracy ${(100 * want.balancedAccuracy).toFixed(2)} %, log loss ${
      want.logLoss.toFixed(4)
    }, macro F1 ${want.macroF1.toFixed(4)}, ROC AUC ${want.rocAuc!.toFixed(4)}`,
  );
  // Without the option there is no weighted figure.
  const none = await runCli(["train", "--data", data, "--quiet", "--json"]);
  assert.equal(JSON.parse(none.stdout).testWeighted, null);
});

Deno.test("lrc train --weight-column: every test row weighing 0 gives no weighted test metric, and says so", async () => {
  // The split depends on the labels only: the test rows are known before the weights are set.
  const t = await testPart(await write("probe", intWeights));
  const test = new Set(t.testIndex);
  const data = await write("zero_test", rows.map((_, i) => test.has(i) ? 0 : 1 + (i % 2)));
  const json = await runCli(["train", "--data", data, "--weight-column", "w", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).testWeighted, null);
  const text = await runCli(["train", "--data", data, "--weight-column", "w", "--quiet"]);
  assert.ok(
    text.stdout.includes(
      'weighted  test rows by "w" (total weight 0): not measured, every test row weighs 0',
    ),
    text.stdout,
  );
});

Deno.test("lrc train --stream --weight-column: the held-out rows' metrics weighted are those of the held-out rows repeated", async () => {
  const data = await write("stream", intWeights);
  const save = `${dir}/stream.json`;
  const argv = [
    ...["train", "--data", data, "--weight-column", "w", "--stream", "--optimizer", "adam"],
    ...["--epochs", "3", "--quiet", "--save", save],
  ];
  const json = await runCli([...argv, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  const model = modelFromJson(await Deno.readTextFile(save));
  // Streaming holds out every 4th row (--test-fraction 0.25).
  const ds = await readCsv(data);
  const held = Array.from({ length: rows.length }, (_, i) => i).filter((i) => i % 4 === 3);
  const picked = held.flatMap((i) => Array.from({ length: intWeights[i] }, () => i));
  const features = (ids: number[]) => ({
    data: Float64Array.from(ids.flatMap((i) => [0, 2, 3].map((j) => ds.x.data[i * 4 + j]))),
    rows: ids.length,
    cols: 3,
  });
  const want = evaluate(model, features(picked), Int32Array.from(picked, (i) => ds.y[i]));
  const plain = evaluate(model, features(held), Int32Array.from(held, (i) => ds.y[i]));
  const got = report.testWeighted;
  assert.equal(got.weightSum, picked.length);
  assert.equal(got.samples, held.length);
  for (const key of ["accuracy", "balancedAccuracy", "macroF1", "rocAuc", "confusion"] as const) {
    assert.deepEqual(got[key], want[key], key);
  }
  assertClose(got.logLoss, want.logLoss, { rtol: 1e-13 });
  // The unweighted held-out metrics stay unweighted.
  assert.deepEqual(report.test.confusion, plain.confusion);
  assert.notEqual(got.accuracy, plain.accuracy);
  const text = await runCli(argv);
  assert.ok(
    text.stdout.includes(
      "; the test metrics are given unweighted, then weighted by the column\n",
    ),
    text.stdout,
  );
  assert.ok(text.stdout.includes(`weighted  test rows by "w" (total weight ${picked.length}): `));
});
