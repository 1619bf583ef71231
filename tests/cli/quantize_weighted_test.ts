/**
 * `lrc quantize --weight-column`: the float, quantized, saved-file and integer-only test metrics
 * also weighted by the test rows' weights, each as the metrics of the test rows repeated (integer
 * weights), the unweighted ones unchanged.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Matrix, takeRows } from "../../lib/core/matrix.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { binaryRocAuc, evaluate } from "../../lib/metrics/evaluate.ts";
import { accuracy, balancedAccuracy } from "../../lib/metrics/metrics.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import {
  integerDecisionFunction,
  integerPredict,
  prepareIntegerModel,
} from "../../lib/quant/integer.ts";
import { dequantizeModel } from "../../lib/quant/model.ts";
import { quantizedModelFromJson } from "../../lib/quant/serialize.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_quantize_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const file = `${dir}/data.csv`;
{
  // 400 rows of 4 features and an integer weight 0..3 in column 1, from an independent generator.
  let s = 77;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines = ["f0,w,f1,f2,f3,label"];
  for (let i = 0; i < 400; i++) {
    const f = Array.from({ length: 4 }, () => 2 * r() - 1);
    const z = f[0] + 0.7 * f[1] - 0.4 * f[2] + 0.1 * f[3] + 0.8 * (r() - 0.5);
    const w = Math.abs(z) < 0.3 ? 3 : Math.floor(3 * r());
    const cells = f.map((v) => v.toFixed(4));
    cells.splice(1, 0, String(w));
    lines.push(`${cells.join(",")},${z > 0 ? "pos" : "neg"}`);
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}

/** The CLI's test rows (25 % stratified, seed 0) each repeated its weight's times, and once. */
async function testRows() {
  const ds = await readCsv(file);
  const split = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  const d = ds.x.cols, n = split.yTest.length;
  const x: Matrix = {
    data: Float64Array.from(
      { length: n * (d - 1) },
      (_, k) => split.xTest.data[Math.floor(k / (d - 1)) * d + [0, 2, 3, 4][k % (d - 1)]],
    ),
    rows: n,
    cols: d - 1,
  };
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < split.xTest.data[i * d + 1]; k++) picked.push(i);
  }
  return {
    once: { x, y: split.yTest },
    repeated: {
      x: takeRows(x, Int32Array.from(picked)),
      y: Int32Array.from(picked, (i) => split.yTest[i]),
    },
    sum: picked.length,
  };
}

Deno.test("lrc quantize --weight-column: each kernel's weighted test metrics are those of the test rows repeated", async () => {
  const dense = `${dir}/dense.json`;
  const t = await runCli(["train", "--data", file, "--weight-column", "w", "--save", dense]);
  assert.equal(t.code, 0, t.stderr);
  const { once, repeated, sum } = await testRows();
  const save = `${dir}/q.json`;
  const argv = [
    ...["quantize", "--data", file, "--weight-column", "w", "--model", dense, "--qat"],
    ...["--bits", "3", "--quiet", "--save", save],
  ];
  const r = await runCli([...argv, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const got = report.testWeighted;
  assert.equal(got.column, "w");
  assert.equal(got.weightSum, sum);
  const float = modelFromJson(await Deno.readTextFile(dense));
  const saved = quantizedModelFromJson(await Deno.readTextFile(save));
  const floatWant = evaluate(float, repeated.x, repeated.y);
  assert.equal(got.floatAccuracy, floatWant.accuracy);
  assert.equal(got.floatBalancedAccuracy, floatWant.balancedAccuracy);
  assert.equal(got.floatRocAuc, floatWant.rocAuc);
  assert.notEqual(got.floatAccuracy, report.test.floatAccuracy, "weighted");
  assert.equal(report.test.floatAccuracy, evaluate(float, once.x, once.y).accuracy);
  // The saved file's dequantized model, and its integer-only kernel (calibration kept here).
  assert.equal(report.integer.calibrationSaved, true);
  const fileWant = evaluate(dequantizeModel(saved), repeated.x, repeated.y);
  assert.equal(got.savedDequantizedAccuracy, fileWant.accuracy);
  assert.equal(got.savedDequantizedBalancedAccuracy, fileWant.balancedAccuracy);
  assert.equal(got.savedDequantizedRocAuc, fileWant.rocAuc);
  const integer = prepareIntegerModel(saved);
  const intPred = integerPredict(integer, repeated.x);
  assert.equal(got.integerAccuracy, accuracy(repeated.y, intPred));
  assert.equal(got.integerBalancedAccuracy, balancedAccuracy(repeated.y, intPred));
  assert.equal(
    got.integerRocAuc,
    binaryRocAuc(integerDecisionFunction(integer, repeated.x), repeated.y),
  );
  // The text: a table of its own.
  const text = await runCli(argv);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`test, weighted by "w" (total weight ${sum})`));
  assert.ok(at > 0, text.stdout);
  assert.match(
    lines[at + 2],
    new RegExp(
      `^float +${(100 * floatWant.accuracy).toFixed(2)} % +${
        (100 * floatWant.balancedAccuracy).toFixed(2)
      } % +${floatWant.rocAuc!.toFixed(4)}$`,
    ),
  );
  assert.ok(lines.slice(at + 3).some((l) => l.startsWith("integer-only (")), text.stdout);
  assert.ok(
    text.stdout.includes("; the test metrics are given unweighted, then weighted by the column"),
  );
});
