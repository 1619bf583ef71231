/**
 * `lrc prune --weight-column`: the dense, pruned and fine-tuned models' test metrics also
 * weighted by the test rows' weights, each as the metrics of the test rows repeated (integer
 * weights), the unweighted ones unchanged.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Matrix, takeRows } from "../../lib/core/matrix.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_prune_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const file = `${dir}/data.csv`;
{
  // 300 rows of 5 features (two of them noise) and an integer weight 0..3 in column 1, from an
  // independent generator.
  let s = 31;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines = ["f0,w,f1,f2,f3,f4,label"];
  for (let i = 0; i < 300; i++) {
    const f = Array.from({ length: 5 }, () => 2 * r() - 1);
    const z = f[0] + 0.7 * f[1] - 0.4 * f[2] + 0.8 * (r() - 0.5);
    const w = Math.abs(f[0]) < 0.3 ? 3 : Math.floor(3 * r());
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
      (_, k) => split.xTest.data[Math.floor(k / (d - 1)) * d + [0, 2, 3, 4, 5][k % (d - 1)]],
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

/** A pruned model's predictions on all 5 features (a structured one keeps some columns). */
function columnsOf(model: LogisticModel, x: Matrix): Matrix {
  const all = ["f0", "f1", "f2", "f3", "f4"];
  const keep = model.featureNames.map((n) => all.indexOf(n));
  return {
    data: Float64Array.from(
      { length: x.rows * keep.length },
      (_, k) => x.data[Math.floor(k / keep.length) * x.cols + keep[k % keep.length]],
    ),
    rows: x.rows,
    cols: keep.length,
  };
}

Deno.test("lrc prune --weight-column: each model's weighted test metrics are those of the test rows repeated", async () => {
  const dense = `${dir}/dense.json`;
  const t = await runCli(["train", "--data", file, "--weight-column", "w", "--save", dense]);
  assert.equal(t.code, 0, t.stderr);
  const { once, repeated, sum } = await testRows();
  const denseModel = modelFromJson(await Deno.readTextFile(dense));
  for (const fineTune of [false, true]) {
    const save = `${dir}/pruned_${fineTune}.json`;
    const argv = [
      ...["prune", "--data", file, "--weight-column", "w", "--model", dense, "--sparsity", "0.4"],
      // (--weight-column needs something to weigh besides the metrics: taylor's scores, or the
      // fine-tuning.)
      ...(fineTune ? ["--fine-tune", "adam"] : ["--strategy", "taylor"]),
      ...["--quiet", "--save", save],
    ];
    const r = await runCli([...argv, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const saved = modelFromJson(await Deno.readTextFile(save));
    const got = report.testWeighted;
    assert.equal(got.column, "w");
    assert.equal(got.weightSum, sum);
    const models: [string, LogisticModel][] = [["dense", denseModel]];
    models.push([fineTune ? "fineTuned" : "pruned", saved]);
    for (const [which, model] of models) {
      const want = evaluate(model, columnsOf(model, repeated.x), repeated.y);
      const plain = evaluate(model, columnsOf(model, once.x), once.y);
      for (const key of ["accuracy", "balancedAccuracy", "rocAuc"] as const) {
        assert.equal(got[key][which], want[key], `${which} ${key}`);
        assert.equal(report[key][which], plain[key], `${which} ${key} unweighted`);
      }
      assertClose(got.logLoss[which], want.logLoss, { rtol: 1e-12, message: which });
      assert.notEqual(got.accuracy[which], plain.accuracy, `${which} is weighted`);
    }
    if (!fineTune) assert.equal(got.accuracy.fineTuned, null);
    // The text: a table of its own under the unweighted one.
    const text = await runCli(argv);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith(`test, weighted by "w" (total weight ${sum})`));
    assert.ok(at > 0, text.stdout);
    const want = evaluate(denseModel, repeated.x, repeated.y);
    assert.match(
      lines[at + 2],
      new RegExp(
        `^dense +${(100 * want.accuracy).toFixed(2)} % +${
          (100 * want.balancedAccuracy).toFixed(2)
        } % +${want.logLoss.toFixed(4)} +${want.rocAuc!.toFixed(4)}$`,
      ),
    );
    assert.ok(
      text.stdout.includes("; the test metrics are given unweighted, then weighted by the column"),
    );
  }
});
