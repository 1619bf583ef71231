/**
 * `lrc compress --weight-column`: every stage's test metrics also weighted by the test rows'
 * weights, each equal to the unweighted metrics of the test rows repeated (integer weights) for
 * the model written (`--out`), the unweighted ones those of the test rows once; and none measured
 * when every test row weighs 0.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Matrix, takeRows } from "../../lib/core/matrix.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_compress_weighted_" });

/**
 * 300 rows of 5 features and an integer weight 0..3 in column 1, from a generator independent
 * of the library's; `zeroTest` writes weight 0 on every row the CLI holds out for testing.
 */
async function writeData(path: string, zeroTest: boolean): Promise<void> {
  let s = 31;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const rows: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const f = Array.from({ length: 5 }, () => 2 * r() - 1);
    const z = f[0] + 0.7 * f[1] - 0.4 * f[2] + 0.8 * (r() - 0.5);
    const w = Math.abs(f[0]) < 0.3 ? 3 : Math.floor(3 * r());
    const cells = f.map((v) => v.toFixed(4));
    cells.splice(1, 0, String(w));
    rows.push([...cells, z > 0 ? "pos" : "neg"]);
  }
  if (zeroTest) {
    // The CLI's test rows: a stratified 25 % (seed 0), which depends on the labels only.
    const y = Int32Array.from(rows, (r) => (r[6] === "neg" ? 0 : 1));
    const { testIndex } = trainTestSplit({ data: new Float64Array(300), rows: 300, cols: 1 }, y, {
      testFraction: 0.25,
      seed: 0,
    });
    for (const i of testIndex) rows[i][1] = "0";
  }
  const text = ["f0,w,f1,f2,f3,f4,label", ...rows.map((r) => r.join(","))].join("\n") + "\n";
  await Deno.writeTextFile(path, text);
}

const file = `${dir}/data.csv`;
await writeData(file, false);

/** The CLI's test rows without the weight column, once and each repeated its weight's times. */
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

const FAST = ["--fine-tune-steps", "30", "--qat-epochs", "2"];

Deno.test("lrc compress --weight-column: each stage's weighted test metrics are those of the test rows repeated", async () => {
  const { once, repeated, sum } = await testRows();
  const run = async (name: string, steps: string[]) => {
    const out = `${dir}/${name}.lrc`;
    const argv = ["compress", "--data", file, "--weight-column", "w", ...steps, "--quiet"];
    const r = await runCli([...argv, "--out", out, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    return { argv, report: JSON.parse(r.stdout), model: asFloatModel(await loadModel(out)) };
  };
  // The dense model alone (nothing pruned, float32), then pruned and quantized: each run writes
  // the model of its last stage, whose metrics the oracle computes.
  const dense = await run("dense", ["--sparsity", "0", "--method", "none"]);
  const compressed = await run("compressed", ["--sparsity", "0.4", "--bits", "4", ...FAST]);
  assert.deepEqual(dense.report.stages.map((s: { stage: string }) => s.stage), ["dense"]);
  assert.deepEqual(
    compressed.report.stages.map((s: { stage: string }) => s.stage),
    ["dense", "pruned", "fine-tuned", "quantized"],
  );
  // Both runs train the same dense model (same data, seed and settings).
  for (
    const [report, model, stage, key] of [
      [dense.report, dense.model, 0, "dense"],
      [compressed.report, dense.model, 0, "dense"],
      [compressed.report, compressed.model, 3, "quantized"],
    ] as const
  ) {
    const want = evaluate(model, repeated.x, repeated.y);
    const plain = evaluate(model, once.x, once.y);
    const got = report.stages[stage];
    for (const metric of ["accuracy", "balancedAccuracy", "rocAuc"] as const) {
      assert.equal(got.testWeighted[metric], want[metric], `${key} ${metric}`);
      assert.equal(report.testWeighted[metric][key], want[metric], `${key} ${metric} by stage`);
      assert.equal(got.test[metric], plain[metric], `${key} ${metric} unweighted`);
    }
    assertClose(got.testWeighted.logLoss, want.logLoss, { rtol: 1e-12, message: key });
    assertClose(report.testWeighted.logLoss[key], want.logLoss, { rtol: 1e-12, message: key });
    assert.equal(got.test.logLoss, plain.logLoss, `${key} log loss unweighted`);
    assert.equal(got.testWeighted.samples, once.y.length);
    assert.notEqual(got.testWeighted.accuracy, plain.accuracy, `${key} is weighted`);
  }
  assert.equal(dense.report.testWeighted.column, "w");
  assert.equal(dense.report.testWeighted.weightSum, sum);
  // Stages not run are null, as lrc prune gives a fine-tuning it did not do.
  assert.equal(dense.report.testWeighted.accuracy.quantized, null);
  assert.equal(
    compressed.report.testWeighted.accuracy.fineTuned,
    compressed.report.stages[2]
      .testWeighted.accuracy,
  );

  // The text: a table of its own under the stage table, and the weights line says so.
  const text = await runCli(compressed.argv);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`test, weighted by "w" (total weight ${sum})`));
  assert.ok(at > 0, text.stdout);
  const want = evaluate(compressed.model, repeated.x, repeated.y);
  assert.match(
    lines[at + 5],
    new RegExp(
      `^quantized +${(100 * want.accuracy).toFixed(2)} % +${
        (100 * want.balancedAccuracy).toFixed(2)
      } % +${want.logLoss.toFixed(4)} +${want.rocAuc!.toFixed(4)}$`,
    ),
  );
  assert.ok(
    text.stdout.includes(
      "; the validation metrics are not weighted, the test metrics are given unweighted, then " +
        "weighted by the column",
    ),
    text.stdout,
  );

  // The HTML report: a table of its own, and the sentence on the weights says where it is.
  const html = `${dir}/report.html`;
  const r = await runCli([...compressed.argv, "--report", html]);
  assert.equal(r.code, 0, r.stderr);
  const page = await Deno.readTextFile(html);
  assert.ok(page.includes("Test metrics weighted by &quot;w&quot;"), "weighted section");
  assert.ok(page.includes(`${(100 * want.accuracy).toFixed(2)} %`), "weighted accuracy shown");
  assert.ok(page.includes("then weighted by the test rows&#39; weights in a table below."));
});

Deno.test("lrc compress --weight-column: test rows that all weigh 0 give no weighted metric, and say so", async () => {
  const zero = `${dir}/zero.csv`;
  await writeData(zero, true);
  const argv = [
    "compress",
    "--data",
    zero,
    "--weight-column",
    "w",
    "--sparsity",
    "0.4",
    ...FAST,
    "--quiet",
  ];
  const r = await runCli([...argv, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.testWeighted, null);
  for (const s of report.stages) assert.ok(!("testWeighted" in s), s.stage);
  const text = await runCli(argv);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes(
      'weighted  test rows by "w" (total weight 0): not measured, every test row weighs 0',
    ),
    text.stdout,
  );
  // Without the column, no weighted metric at all.
  const plain = await runCli([
    "compress",
    "--data",
    file,
    "--sparsity",
    "0.4",
    ...FAST,
    "--quiet",
    "--json",
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  const p = JSON.parse(plain.stdout);
  assert.equal(p.testWeighted, null);
  for (const s of p.stages) assert.ok(!("testWeighted" in s), s.stage);
});
