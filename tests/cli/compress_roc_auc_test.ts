import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { integerReferenceDecisionFunction, prepareIntegerModel } from "../../lib/quant/integer.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

/** The cells of the table row whose model is `name` (split on two or more spaces). */
function rowCells(lines: readonly string[], name: string): string[] {
  const line = lines.find((l) => l.trimEnd().endsWith(`  ${name}`));
  assert.ok(line, `no row ${name} in\n${lines.join("\n")}`);
  return line.trim().split(/ {2,}/);
}

/** The lines of the table under the line `title` (its header first, up to a blank line). */
function tableUnder(text: string, title: string): string[] {
  const lines = text.split("\n");
  const at = lines.indexOf(title);
  assert.ok(at >= 0, `no ${title} in\n${text}`);
  const end = lines.indexOf("", at);
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

/** 400 rows of two overlapping classes: "yes" about 30 %, told apart by a and b. */
function twoClassesCsv(): string {
  const lines = ["a,b,n,label"];
  for (let i = 0; i < 400; i++) {
    const yes = i % 10 < 3;
    const a = (yes ? 0.8 : 0) + ((i * 7919) % 17) / 10 - 0.8;
    const b = (yes ? 0.5 : 0) + ((i * 104729) % 23) / 10;
    const n = ((i * 15485863) % 19) / 10;
    lines.push(`${a},${b},${n},${yes ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("lrc compress gives a two-class model's ROC AUC in --json and the stage table, of the model as stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-auc-" });
  try {
    const file = `${dir}/two.csv`;
    await Deno.writeTextFile(file, twoClassesCsv());
    // The command's test split (--test-fraction 0.25, --seed 0, stratified) and the session's
    // validation split of the rest (--validation-fraction 0.2, --seed 0).
    const data = await readCsv(file);
    const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 });
    const scoresOf = async (path: string, x: typeof split.xTest) => {
      const model = asFloatModel(decodeModel(await Deno.readFile(path)));
      assert.equal(model.weights.rows, 1);
      return Array.from(decisionFunction(model, x).data);
    };
    // 2-bit weights: a coarse grid whose scores differ from the float model's.
    const common = ["compress", "--data", file, "--quiet", "--bits", "2", "--sparsity", "0.3"];
    const json = await runCli([...common, "--json", "--out", `${dir}/m.lrc`]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    const last = report.stages.at(-1);
    const testAuc = pairwiseAuc(split.yTest, await scoresOf(`${dir}/m.lrc`, split.xTest));
    assert.ok(Math.abs(last.test.rocAuc - testAuc) < 1e-12, `${last.test.rocAuc} ${testAuc}`);
    const valAuc = pairwiseAuc(inner.yTest, await scoresOf(`${dir}/m.lrc`, inner.xTest));
    assert.ok(Math.abs(last.validation.rocAuc - valAuc) < 1e-12);
    for (const s of report.stages) assert.equal(typeof s.test.rocAuc, "number");
    // The table: the test ROC AUC after the log loss, four decimals.
    const text = await runCli(common);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^stage +validation +test +test log loss +test ROC AUC +non-zeros /m);
    const row = text.stdout.split("\n").find((l) => l.startsWith("quantized "));
    assert.ok(row, text.stdout);
    assert.equal(row.trim().split(/ {2,}/)[4], testAuc.toFixed(4));
    // A search's candidates and its choice carry theirs; the chosen model's is the saved one's.
    const search = await runCli([
      "compress",
      ...["--data", file, "--quiet", "--budget", "3", "--method", "uniform", "--bits", "2,4"],
      ...["--json", "--out", `${dir}/s.lrc`],
    ]);
    assert.equal(search.code, 0, search.stderr);
    const budget = JSON.parse(search.stdout).budget;
    for (const t of budget.tried) assert.equal(typeof t.validation.rocAuc, "number");
    const chosenAuc = pairwiseAuc(inner.yTest, await scoresOf(`${dir}/s.lrc`, inner.xTest));
    assert.ok(Math.abs(budget.chosen.validation.rocAuc - chosenAuc) < 1e-12);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress gives a two-class model's ROC AUC in the fronts, the --integer line and the HTML stage table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-auc-tables-" });
  try {
    const file = `${dir}/two.csv`;
    await Deno.writeTextFile(file, twoClassesCsv());
    // The command's test split (--test-fraction 0.25, --seed 0, stratified) and the session's
    // validation split of the rest (--validation-fraction 0.2, --seed 0).
    const data = await readCsv(file);
    const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 });
    const testScores = async (path: string) => {
      const model = asFloatModel(decodeModel(await Deno.readFile(path)));
      return Array.from(decisionFunction(model, split.xTest).data);
    };

    // The tried front of a search: a test ROC AUC column after the log loss; the chosen model's
    // cell is the saved model's, each row's its --json record's.
    const searchArgs = [
      ...["compress", "--data", file, "--quiet", "--budget", "3", "--method", "uniform"],
      ...["--bits", "2,4"],
    ];
    const search = await runCli([...searchArgs, "--out", `${dir}/s.lrc`]);
    assert.equal(search.code, 0, search.stderr);
    const front = tableUnder(
      search.stdout,
      "tried, Pareto front (validation accuracy against file bytes):",
    );
    assert.match(
      front[0],
      /^validation +test +test log loss +test ROC AUC +bytes +vs float32 +model$/,
    );
    const budget = JSON.parse((await runCli([...searchArgs, "--json"])).stdout).budget;
    const chosenAuc = pairwiseAuc(split.yTest, await testScores(`${dir}/s.lrc`));
    assert.equal(rowCells(front, budget.chosen.name)[3], chosenAuc.toFixed(4));
    const rows = front.slice(2);
    assert.ok(rows.length >= 2, front.join("\n"));
    for (const line of rows) {
      const cells = line.trim().split(/ {2,}/);
      const t = budget.tried.find((t: { name: string }) => t.name === cells.at(-1));
      assert.equal(cells[3], t.test.rocAuc.toFixed(4));
    }

    // The sweep's front: the same column, each row's its --json record's.
    const sweepArgs = ["compress", "--data", file, "--quiet", "--sweep", "--bits", "2,4"];
    const sweep = await runCli(sweepArgs);
    assert.equal(sweep.code, 0, sweep.stderr);
    const sweepFront = tableUnder(
      sweep.stdout,
      "Pareto front (validation accuracy against file bytes):",
    );
    assert.match(sweepFront[0], /^validation +test +test log loss +test ROC AUC +bytes /);
    const sweepRows = JSON.parse((await runCli([...sweepArgs, "--json"])).stdout).sweep.rows;
    for (const line of sweepFront.slice(2)) {
      const cells = line.trim().split(/ {2,}/);
      const r = sweepRows.find((r: { name: string }) => r.name === cells.at(-1));
      assert.equal(cells[3], r.test.rocAuc.toFixed(4));
    }

    // --integer: the ROC AUC of the integer kernel's scores beside each accuracy, and in --json.
    const pipeline = ["compress", "--data", file, "--quiet", "--bits", "4", "--sparsity", "0.3"];
    const int = await runCli([...pipeline, "--integer", "--out", `${dir}/i.lrc`]);
    assert.equal(int.code, 0, int.stderr);
    const stored = decodeModel(await Deno.readFile(`${dir}/i.lrc`));
    if (stored.kind !== "quantized-logistic-regression") throw new Error(stored.kind);
    assert.ok(stored.input !== undefined, "no calibration stored");
    const prepared = prepareIntegerModel(stored);
    const intAuc = (x: typeof split.xTest, y: Int32Array) =>
      pairwiseAuc(y, Array.from(integerReferenceDecisionFunction(prepared, x).data));
    const intValidation = intAuc(inner.xTest, inner.yTest);
    const intTest = intAuc(split.xTest, split.yTest);
    const line = int.stdout.split("\n").find((l) => l.startsWith("integer   "));
    assert.ok(line, int.stdout);
    const found =
      /validation \d+\.\d\d % \(ROC AUC (\d\.\d{4})\), test \d+\.\d\d % \(ROC AUC (\d\.\d{4})\);/
        .exec(line);
    assert.ok(found, line);
    assert.equal(found[1], intValidation.toFixed(4));
    assert.equal(found[2], intTest.toFixed(4));
    // The integer scores rank the rows otherwise than the dequantized model's (so a line that
    // gave the stage table's figure would fail).
    const dequantizedAuc = pairwiseAuc(split.yTest, await testScores(`${dir}/i.lrc`));
    assert.notEqual(intTest, dequantizedAuc);
    const integer = JSON.parse((await runCli([...pipeline, "--integer", "--json"])).stdout).integer;
    assert.ok(Math.abs(integer.validationRocAuc - intValidation) < 1e-12);
    assert.ok(Math.abs(integer.testRocAuc - intTest) < 1e-12);

    // The HTML report's stage table: validation and test ROC AUC after the accuracies.
    const report = await runCli([
      ...pipeline,
      "--out",
      `${dir}/p.lrc`,
      "--report",
      `${dir}/r.html`,
    ]);
    assert.equal(report.code, 0, report.stderr);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(
      html.includes(
        '"validation accuracy","test accuracy","validation ROC AUC","test ROC AUC","non-zero weights"',
      ),
    );
    const stages = JSON.parse((await runCli([...pipeline, "--json"])).stdout).stages;
    const testColumn = stages.map((s: { test: { rocAuc: number } }) => s.test.rocAuc.toFixed(4));
    const validationColumn = stages.map((s: { validation: { rocAuc: number } }) =>
      s.validation.rocAuc.toFixed(4)
    );
    assert.equal(
      testColumn.at(-1),
      pairwiseAuc(split.yTest, await testScores(`${dir}/p.lrc`)).toFixed(4),
    );
    const lastValidation = asFloatModel(decodeModel(await Deno.readFile(`${dir}/p.lrc`)));
    assert.equal(
      validationColumn.at(-1),
      pairwiseAuc(inner.yTest, Array.from(decisionFunction(lastValidation, inner.xTest).data))
        .toFixed(4),
    );
    assert.ok(html.includes(JSON.stringify(validationColumn) + "," + JSON.stringify(testColumn)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress has no ROC AUC column for more than two classes, and null in --json", async () => {
  const r = await runCli(["compress", "--quiet", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.data.classes > 2);
  for (const s of report.stages) {
    assert.equal(s.validation.rocAuc, null);
    assert.equal(s.test.rocAuc, null);
  }
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-auc-multi-" });
  try {
    // The stage table, the --integer line and the HTML report's stage table.
    const text = await runCli(["compress", "--quiet", "--integer", "--report", `${dir}/r.html`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^stage +validation +test +test log loss +non-zeros /m);
    assert.match(text.stdout, /^integer {3}input .*: validation \d+\.\d\d %, test \d+\.\d\d %; /m);
    assert.doesNotMatch(text.stdout, /ROC AUC/);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(html.includes('"test accuracy","non-zero weights"'));
    assert.doesNotMatch(html, /ROC AUC/);
    // A search's front.
    const search = await runCli([
      "compress",
      ...["--quiet", "--max-iterations", "50", "--budget", "5", "--method", "uniform"],
      ...["--bits", "4", "--sparsity", "0.5"],
    ]);
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^validation +test +test log loss +bytes /m);
    assert.doesNotMatch(search.stdout, /ROC AUC/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
