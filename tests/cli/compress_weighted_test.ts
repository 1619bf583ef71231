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
import { binaryRocAuc, evaluate } from "../../lib/metrics/evaluate.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { classesFromScores } from "../../lib/model/predict.ts";
import { integerDecisionFunction, prepareIntegerModel } from "../../lib/quant/integer.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { lostClasses, majorityBudgetNote, majorityNote } from "../../lib/cli/compress.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_compress_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

/**
 * 300 rows of 5 features and an integer weight 0..3 in column 1, from a generator independent
 * of the library's; `zeroTest` writes weight 0 on every row the CLI holds out for testing, `ones`
 * weight 1 on every row, `zeroTestPositives` and `zeroValidationPositives` weight 0 on the test or
 * validation rows of class "pos".
 */
async function writeData(
  path: string,
  weights: "column" | "zeroTest" | "ones" | "zeroTestPositives" | "zeroValidationPositives",
): Promise<void> {
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
  if (weights === "ones") { for (const row of rows) row[1] = "1"; }
  if (weights === "zeroTest") {
    // The CLI's test rows: a stratified 25 % (seed 0), which depends on the labels only.
    const y = Int32Array.from(rows, (r) => (r[6] === "neg" ? 0 : 1));
    const { testIndex } = trainTestSplit({ data: new Float64Array(300), rows: 300, cols: 1 }, y, {
      testFraction: 0.25,
      seed: 0,
    });
    for (const i of testIndex) rows[i][1] = "0";
  }
  if (weights === "zeroTestPositives" || weights === "zeroValidationPositives") {
    // The CLI's test rows as above; its validation rows a stratified 20 % of the rest (seed 0).
    const y = Int32Array.from(rows, (r) => (r[6] === "neg" ? 0 : 1));
    const split = (index: ArrayLike<number>, fraction: number) =>
      trainTestSplit(
        { data: new Float64Array(index.length), rows: index.length, cols: 1 },
        Int32Array.from(index, (i) => y[i]),
        { testFraction: fraction, seed: 0 },
      );
    const all = Int32Array.from(rows.keys());
    const outer = split(all, 0.25);
    const part = weights === "zeroTestPositives"
      ? Array.from(outer.testIndex)
      : Array.from(split(outer.trainIndex, 0.2).testIndex, (k) => outer.trainIndex[k]);
    for (const i of part) if (y[i] === 1) rows[i][1] = "0";
  }
  const text = ["f0,w,f1,f2,f3,f4,label", ...rows.map((r) => r.join(","))].join("\n") + "\n";
  await Deno.writeTextFile(path, text);
}

const file = `${dir}/data.csv`;
await writeData(file, "column");

/**
 * The CLI's test rows (a stratified 25 %, seed 0), or its validation rows (a stratified 20 % of
 * the rest, seed 0), without the weight column, once and each repeated its weight's times.
 */
async function testRows(part: "test" | "validation" = "test") {
  const ds = await readCsv(file);
  let split = trainTestSplit(ds.x, ds.y, { testFraction: 0.25, seed: 0 });
  if (part === "validation") {
    split = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 });
  }
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
    weights: Float64Array.from({ length: n }, (_, i) => split.xTest.data[i * d + 1]),
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
  await writeData(zero, "zeroTest");
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
  const html = `${dir}/zero_report.html`;
  const text = await runCli([...argv, "--report", html]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes(
      'weighted  test rows by "w" (total weight 0): not measured, every test row weighs 0',
    ),
    text.stdout,
  );
  // The HTML report says so too, and has no weighted table.
  const page = await Deno.readTextFile(html);
  assert.ok(
    page.includes("every test row weighs 0, so no weighted test metric is measured"),
    "zero weights said",
  );
  assert.ok(!page.includes("Test metrics weighted by"));
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

Deno.test("lrc compress --weighted-metrics: validation and test metrics, and the search's choice, weighted by the column", async () => {
  const valid = await testRows("validation"), tst = await testRows("test");
  const out = `${dir}/weighted_choice.lrc`;
  const argv = [
    ...["compress", "--data", file, "--weight-column", "w", "--weighted-metrics", "--budget", "2"],
    ...["--sparsity", "0,0.5", "--bits", "2,4", "--training", "ptq", "--standard-errors", "1"],
    ...["--fine-tune-steps", "30"],
  ];
  const r = await runCli([...argv, "--quiet", "--out", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const chosen = asFloatModel(await loadModel(out));
  // The chosen model's validation and test metrics: those of the rows repeated.
  for (
    const [got, rows] of [
      [report.budget.chosen.validation, valid.repeated],
      [report.budget.chosen.test, tst.repeated],
    ] as const
  ) {
    const want = evaluate(chosen, rows.x, rows.y);
    for (const metric of ["accuracy", "balancedAccuracy", "rocAuc"] as const) {
      assert.equal(got[metric], want[metric], metric);
    }
    assertClose(got.logLoss, want.logLoss, { rtol: 1e-12 });
  }
  // Every candidate is within budget by its weighted validation accuracy (a margin of one
  // standard error of the weighted difference): the target is the dense model's, weighted.
  const dense = report.dense.validation.accuracy;
  assert.equal(report.budget.target, dense - 0.02);
  assert.ok(report.budget.tried.some((t: { feasible: boolean }) => !t.feasible));
  for (const t of report.budget.tried) {
    assert.equal(t.feasible, t.lowerBound >= -0.02 - 1e-12, t.name);
    assert.ok(!("testWeighted" in t), t.name);
  }
  assert.deepEqual(report.sampleWeight, {
    column: "w",
    trainRows: 300 - tst.once.y.length,
    sum: report.sampleWeight.sum,
    testMetrics: "weighted",
    fitRows: 300 - tst.once.y.length - valid.once.y.length,
    fitSum: report.sampleWeight.fitSum,
    validationMetrics: "weighted",
    validationSum: valid.sum,
  });
  // The stages' test metrics are the weighted ones, by stage too.
  assert.equal(report.testWeighted.accuracy.dense, report.stages[0].test.accuracy);
  // The text says so, and has no second table.
  const text = await runCli([...argv, "--quiet"]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes(
      `the validation metrics are weighted by the ${valid.once.y.length} validation rows' (sum ` +
        `${valid.sum}), and ` +
        `so is every choice made on them, and the test metrics by the test rows' (sum ${tst.sum}) ` +
        "(--weighted-metrics)",
    ),
    text.stdout,
  );
  assert.ok(text.stdout.includes(`validation samples of total weight ${valid.sum})`));
  assert.ok(!text.stdout.includes("test, weighted by"), text.stdout);
  // The paired difference's disagreements are weights' sums, and said so.
  const vd = report.budget.validationDifference;
  assert.ok(
    text.stdout.includes(
      `against dense (weighted paired standard error; weight ${vd.onlyBaseline} only dense gets ` +
        `right, ${vd.onlyCandidate} only this model)`,
    ),
    text.stdout,
  );
  // A budget of 2 points is less than one of the 45 validation rows (2.22 points), but a row is
  // worth its weight here: the note that counts rows is not given.
  assert.ok(!text.stdout.includes("the budget is less than one validation sample"), text.stdout);
  // And the HTML report.
  const html = `${dir}/weighted_report.html`;
  const withReport = await runCli([...argv, "--quiet", "--report", html]);
  assert.equal(withReport.code, 0, withReport.stderr);
  const page = await Deno.readTextFile(html);
  assert.ok(
    page.includes(
      "and every validation and test metric shown, and every choice made on them, is weighted " +
        `by the rows&#39; weights (the test rows&#39; sum ${tst.sum}).`,
    ),
  );
  assert.ok(page.includes(`measures on the other ${valid.once.y.length} (sum ${valid.sum})`));
  assert.ok(!page.includes("Test metrics weighted by"));
});

Deno.test("lrc compress --weighted-metrics with every weight 1 makes the unweighted choices", async () => {
  const ones = `${dir}/ones.csv`;
  await writeData(ones, "ones");
  const argv = [
    ...["compress", "--data", ones, "--weight-column", "w", "--budget", "2", "--sparsity"],
    ...["0,0.5", "--bits", "2,4", "--training", "ptq", "--standard-errors", "1"],
    ...["--fine-tune-steps", "30"],
    ...["--quiet", "--json"],
  ];
  const [a, b] = await Promise.all([runCli([...argv, "--weighted-metrics"]), runCli(argv)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const [wa, wb] = [JSON.parse(a.stdout).budget, JSON.parse(b.stdout).budget];
  assert.equal(wa.chosen.name, wb.chosen.name);
  assert.deepEqual(
    wa.tried.map((t: { name: string; feasible: boolean }) => [t.name, t.feasible]),
    wb.tried.map((t: { name: string; feasible: boolean }) => [t.name, t.feasible]),
  );
  wa.tried.forEach((t: { validation: { accuracy: number }; lowerBound: number }, i: number) => {
    assertClose(t.validation.accuracy, wb.tried[i].validation.accuracy, { rtol: 1e-12 });
    assertClose(t.lowerBound, wb.tried[i].lowerBound, { rtol: 1e-12, atol: 1e-15 });
  });
});

Deno.test("lrc compress --weighted-metrics is refused without --weight-column, and on test rows that all weigh 0", async () => {
  const r = await runCli(["compress", "--data", file, "--weighted-metrics", "--quiet"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--weighted-metrics weighs the metrics by --weight-column; give it/);
  const zero = `${dir}/zero_test.csv`;
  await writeData(zero, "zeroTest");
  const z = await runCli([
    ...["compress", "--data", zero, "--weight-column", "w", "--weighted-metrics", "--quiet"],
  ]);
  assert.equal(z.code, 1, z.stderr);
  assert.match(
    z.stderr,
    /Cannot compress: --weighted-metrics weighs the test metrics by --weight-column, and every one of the 76 test rows weighs 0/,
  );
});

Deno.test("lrc compress --weighted-metrics --integer: the integer-only model's metrics weighted too", async () => {
  const valid = await testRows("validation"), tst = await testRows("test");
  const out = `${dir}/integer.lrc`;
  const r = await runCli([
    ...["compress", "--data", file, "--weight-column", "w", "--weighted-metrics", "--integer"],
    ...["--sparsity", "0.4", "--bits", "8", ...FAST, "--quiet", "--out", out, "--json"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const integer = JSON.parse(r.stdout).integer;
  assert.equal(integer.kept, true);
  const prepared = prepareIntegerModel((await loadModel(out)) as QuantizedModel);
  for (
    const [rows, accuracyKey, aucKey] of [
      [valid.repeated, "validationAccuracy", "validationRocAuc"],
      [tst.repeated, "testAccuracy", "testRocAuc"],
    ] as const
  ) {
    const scores = integerDecisionFunction(prepared, rows.x);
    const predicted = classesFromScores(scores, 0);
    assert.equal(integer[accuracyKey], accuracy(rows.y, predicted), accuracyKey);
    assert.equal(integer[aucKey], binaryRocAuc(scores, rows.y), aucKey);
  }
});

Deno.test("lrc compress --weight-column --integer: the integer-only model's test metrics also weighted", async () => {
  const tst = await testRows("test");
  const out = `${dir}/integer_plain.lrc`;
  const argv = [
    ...["compress", "--data", file, "--weight-column", "w", "--integer", "--sparsity", "0.4"],
    ...["--bits", "8", ...FAST, "--quiet"],
  ];
  const r = await runCli([...argv, "--out", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const integer = JSON.parse(r.stdout).integer;
  const prepared = prepareIntegerModel((await loadModel(out)) as QuantizedModel);
  const scores = integerDecisionFunction(prepared, tst.repeated.x);
  const predicted = classesFromScores(scores, 0);
  assert.equal(integer.testWeighted.accuracy, accuracy(tst.repeated.y, predicted));
  assert.equal(integer.testWeighted.rocAuc, binaryRocAuc(scores, tst.repeated.y));
  // The unweighted ones stay: those of the test rows once.
  const once = classesFromScores(integerDecisionFunction(prepared, tst.once.x), 0);
  assert.equal(integer.testAccuracy, accuracy(tst.once.y, once));
  assert.notEqual(integer.testAccuracy, integer.testWeighted.accuracy);
  const text = await runCli(argv);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(
    text.stdout.includes(
      `          test, weighted by "w" (total weight ${tst.sum}): accuracy ${
        (100 * integer.testWeighted.accuracy).toFixed(2)
      } %, balanced accuracy`,
    ),
    text.stdout,
  );
});

Deno.test("lrc compress --weighted-metrics: the lost classes, the majority note and the balanced budget count the validation rows of weight above 0", async () => {
  const valid = await testRows("validation");
  const positive = (i: number) => valid.once.y[i] === 1;
  const rowsOf = (keep: (i: number) => boolean) => valid.once.y.filter((_, i) => keep(i)).length;
  // Every weight pruned: a model that predicts one class, and loses the other.
  const r = await runCli([
    ...["compress", "--data", file, "--weight-column", "w", "--weighted-metrics", "--sparsity"],
    ...["0.999999", "--method", "none", "--fine-tune", "none", "--quiet", "--json"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lost = JSON.parse(r.stdout).lostClasses;
  assert.equal(lost.length, 1, r.stdout);
  const c = lost[0].class === "pos" ? 1 : 0;
  const ofClass = (i: number) => valid.once.y[i] === c;
  // Its rows of weight above 0, fewer than its rows.
  assert.equal(lost[0].samples, rowsOf((i) => ofClass(i) && valid.weights[i] > 0));
  assert.ok(lost[0].samples < rowsOf(ofClass));

  // Validation rows of class "pos" that all weigh 0: "neg" is all of the validation weight.
  const noPositives = `${dir}/no_validation_positives.csv`;
  await writeData(noPositives, "zeroValidationPositives");
  assert.ok(rowsOf(positive) > 0);
  const pipeline = await runCli([
    ...["compress", "--data", noPositives, "--weight-column", "w", "--weighted-metrics"],
    ...["--sparsity", "0.4", ...FAST, "--quiet"],
  ]);
  assert.equal(pipeline.code, 0, pipeline.stderr);
  assert.ok(
    pipeline.stdout.includes(
      'note      class "neg" is 100.00 % of the validation rows\' weight: always predicting it ' +
        "scores 100.00 %, no less than the dense model",
    ),
    pipeline.stdout,
  );
  // A balanced-accuracy budget: the one class of weight, and no note that counts rows (1 point is
  // less than one row of 2 classes among 45 validation rows: 1 / (2 x 45) is 1.11 points).
  const budget = await runCli([
    ...["compress", "--data", noPositives, "--weight-column", "w", "--weighted-metrics"],
    ...["--budget", "1", "--metric", "balanced-accuracy", "--sparsity", "0,0.5", "--bits", "2,4"],
    ...["--training", "ptq", "--fine-tune-steps", "30", "--quiet"],
  ]);
  assert.equal(budget.code, 0, budget.stderr);
  assert.ok(
    budget.stdout.includes(
      '(weighted by "w": the mean of the weighted recalls of the 1 classes of the ' +
        `${valid.once.y.length} validation samples of total weight ` +
        `${valid.weights.reduce((a, w, i) => a + (positive(i) ? 0 : w), 0)})`,
    ),
    budget.stdout,
  );
  assert.ok(!budget.stdout.includes("less than one validation sample of any class"));
});

Deno.test("lrc compress --weighted-metrics --refit: the refit's test difference weighted as the search's", async () => {
  const argv = [
    ...["compress", "--weight-column", "w", "--weighted-metrics", "--budget", "2", "--refit"],
    ...["--sparsity", "0,0.5", "--bits", "2,4", "--training", "ptq", "--fine-tune-steps", "30"],
    ...["--quiet", "--json"],
  ];
  const r = await runCli([...argv, "--data", file]);
  assert.equal(r.code, 0, r.stderr);
  const refit = JSON.parse(r.stdout).refit;
  // The refit model's side of it is its weighted test accuracy, as its last stage reports it.
  assert.equal(refit.testDifference.candidateAccuracy, refit.stages.at(-1).test.accuracy);
  // In ROC AUC, test rows whose positives all weigh 0 give no test difference (as the search's).
  const noPositives = `${dir}/no_test_positives.csv`;
  await writeData(noPositives, "zeroTestPositives");
  const auc = await runCli([...argv, "--data", noPositives, "--metric", "roc-auc"]);
  assert.equal(auc.code, 0, auc.stderr);
  const report = JSON.parse(auc.stdout);
  assert.equal(report.budget.testDifference, null);
  assert.equal(report.refit.testDifference, null);
  assert.equal(report.refit.stages.at(-1).test.rocAuc, null);
});

Deno.test("lrc compress --weighted-metrics --model: the weight column weighs the validation rows when nothing trains", async () => {
  const valid = await testRows("validation");
  const model = `${dir}/given.lrc`;
  const t = await runCli([
    ...["train", "--data", file, "--weight-column", "w", "--save", model, "--quiet"],
  ]);
  assert.equal(t.code, 0, t.stderr);
  const r = await runCli([
    ...["compress", "--model", model, "--data", file, "--weight-column", "w"],
    ...["--weighted-metrics", "--sparsity", "0.4", "--method", "none", "--fine-tune", "none"],
    ...["--quiet", "--json"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const stages = JSON.parse(r.stdout).stages;
  const want = evaluate(asFloatModel(await loadModel(model)), valid.repeated.x, valid.repeated.y);
  assert.equal(stages[0].validation.accuracy, want.accuracy);
});

Deno.test("lost classes and the majority notes with integer weights are those of the rows repeated", () => {
  const y = Int32Array.of(0, 0, 0, 1, 1, 2, 2, 2), w = [1, 3, 0, 2, 1, 0, 0, 4];
  const dense = [0, 0, 1, 1, 0, 2, 2, 2], chosen = [0, 0, 0, 0, 0, 0, 0, 0];
  const classes = ["a", "b", "c"];
  const rep = (v: ArrayLike<number>) => Int32Array.from(repeatedOf(v, w));
  const got = lostClasses(y, classes, dense, chosen, w);
  const want = lostClasses(rep(y), classes, rep(dense), rep(chosen));
  assert.deepEqual(got.map((l) => [l.class, l.denseRecall]), [["b", 2 / 3], ["c", 1]]);
  assert.deepEqual(
    got.map((l) => [l.class, l.denseRecall]),
    want.map((l) => [l.class, l.denseRecall]),
  );
  // Rows of weight above 0.
  assert.deepEqual(got.map((l) => l.samples), [2, 1]);
  const words = (lines: string[]) => lines.map((l) => l.replace("rows' weight", "rows"));
  assert.deepEqual(
    words(majorityNote(y, classes, 0.3, false, w)),
    majorityNote(rep(y), classes, 0.3),
  );
  assert.ok(
    majorityNote(y, classes, 0.3, false, w)[0].includes(
      `"a" is 36.36 % of the validation rows' weight`,
    ),
  );
  assert.deepEqual(
    words(majorityBudgetNote(y, classes, 0.45, 0.1, undefined, w)),
    majorityBudgetNote(rep(y), classes, 0.45, 0.1),
  );
});

Deno.test("the majority budget note's margin under weights: the weighted paired difference less K weighted standard errors", () => {
  const y = Int32Array.of(0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0);
  const dense = [0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
  const w = [1, 0.5, 2, 1, 3, 0.25, 1, 1.5, 0, 2, 0.75, 1];
  // Closed form: per-row differences d (always "0" against dense), their weighted mean D and
  // sqrt(sum w^2 (d - D)^2) / W.
  const total = w.reduce((a, v) => a + v, 0);
  const d = Array.from(y, (c, i) => (c === 0 ? 1 : 0) - (dense[i] === c ? 1 : 0));
  const mean = d.reduce((a, v, i) => a + w[i] * v, 0) / total;
  const se = Math.sqrt(d.reduce((a, v, i) => a + (w[i] * (v - mean)) ** 2, 0)) / total;
  const accuracy = y.reduce((a, c, i) => a + (dense[i] === c ? w[i] : 0), 0) / total;
  const share = y.reduce((a, c, i) => a + (c === 0 ? w[i] : 0), 0) / total;
  assert.ok(accuracy > share);
  const below = 2 * se - mean;
  const note = majorityBudgetNote(
    y,
    ["a", "b"],
    accuracy,
    below + 0.01,
    { standardErrors: 2, densePredicted: dense },
    w,
  );
  assert.equal(note.length, 1);
  assert.ok(
    note[0].includes(
      `"a" is ${(100 * share).toFixed(2)} % of the validation rows' weight: always predicting it ` +
        `scores ${(100 * share).toFixed(2)} %, ${((accuracy - share) * 100).toFixed(2)} points`,
    ),
    note[0],
  );
  assert.ok(
    note[0].includes(
      `(a --budget below ${(Math.floor(below * 1e4 + 1e-6) / 100).toFixed(2)} rules that out ` +
        "with this margin)",
    ),
    note[0],
  );
  // A budget below that: no note.
  const tight = { standardErrors: 2, densePredicted: dense };
  assert.deepEqual(majorityBudgetNote(y, ["a", "b"], accuracy, below - 0.01, tight, w), []);
});

/** Each value repeated its weight's times. */
function repeatedOf(v: ArrayLike<number>, w: ArrayLike<number>): number[] {
  return Array.from(v).flatMap((x, i) => Array.from({ length: w[i] }, () => x));
}
