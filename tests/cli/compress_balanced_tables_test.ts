import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { paretoOfTried } from "../../lib/cli/compress.ts";
import type { CandidateReport } from "../../lib/compress/types.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { predict } from "../../lib/model/predict.ts";

/** 600 rows: "x" and "y" about 48 % each (told apart by a), "rare" 19 rows (about 3 %, by b). */
function threeClassesCsv(): string {
  const lines = ["a,b,n,y"];
  for (let i = 0; i < 600; i++) {
    const c = i % 33 === 5 ? "rare" : i % 2 === 0 ? "x" : "y";
    const a = (c === "y" ? 1 : -1) + ((i * 7919) % 13) / 10 - 0.6;
    const b = c === "rare" ? 3 + (i % 7) / 10 : (i % 11) / 10;
    const n = (i * 104729) % 97;
    lines.push(`${a},${b},${n},${c}`);
  }
  return lines.join("\n") + "\n";
}

/** Plain and balanced accuracy by hand: the share right, and the mean of per-class recalls. */
function byHand(truth: readonly string[], predicted: readonly string[]) {
  const rows = new Map<string, number>(), right = new Map<string, number>();
  let hits = 0;
  truth.forEach((t, i) => {
    rows.set(t, (rows.get(t) ?? 0) + 1);
    if (predicted[i] === t) {
      right.set(t, (right.get(t) ?? 0) + 1);
      hits++;
    }
  });
  let recalls = 0;
  for (const [c, n] of rows) recalls += (right.get(c) ?? 0) / n;
  return { accuracy: hits / truth.length, balanced: recalls / rows.size };
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/** The cells of the table row that ends with `name` (split on two or more spaces). */
function rowCells(table: string, name: string): string[] {
  const line = table.split("\n").find((l) => l.trimEnd().endsWith(name));
  assert.ok(line, `no row ${name} in\n${table}`);
  return line.trim().split(/ {2,}/);
}

/** The text of the stage table that follows `after` (up to the next blank line). */
function tableAfter(text: string, after: RegExp): string {
  const start = text.search(after);
  assert.ok(start >= 0, `${after} not in\n${text}`);
  const rest = text.slice(start);
  const head = rest.indexOf("\nstage ");
  return rest.slice(head + 1, rest.indexOf("\n\n", head + 1) >>> 0);
}

Deno.test("lrc compress --metric balanced-accuracy shows balanced accuracy in the tables, the front, --json and the report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-balanced-tables-" });
  try {
    const file = `${dir}/three.csv`;
    await Deno.writeTextFile(file, threeClassesCsv());
    // The command's test split (--test-fraction 0.25, --seed 0, stratified).
    const data = await readCsv(file);
    const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const truth = Array.from(split.yTest, (c) => data.classes[c]);
    const onTest = async (path: string) => {
      const model = asFloatModel(decodeModel(await Deno.readFile(path)));
      const p = Array.from(predict(model, split.xTest), (c) => model.classes[c]);
      return byHand(truth, p);
    };
    // A 40-point budget keeps a model that never predicts "rare": 2 classes of 3 found.
    const common = ["--data", file, "--quiet", "--method", "uniform", "--bits", "8"];
    const balanced = [...common, "--budget", "40", "--metric", "balanced-accuracy"];
    const r = await runCli([
      "compress",
      ...balanced,
      "--out",
      `${dir}/a.lrc`,
      "--report",
      `${dir}/r.html`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const saved = await onTest(`${dir}/a.lrc`);
    assert.ok(saved.balanced < saved.accuracy - 0.2, JSON.stringify(saved));
    // The stage table: accuracy columns as before, then balanced accuracy's.
    const stages = tableAfter(r.stdout, /^chosen /m);
    assert.match(
      stages.split("\n")[0],
      /^stage +validation +test +balanced val\. +balanced test +test log loss +non-zeros /,
    );
    const json = JSON.parse((await runCli(["compress", ...balanced, "--json"])).stdout);
    const last = json.stages.at(-1);
    const cells = rowCells(stages, `${last.name} [preprocessing ${last.preprocessing}]`);
    assert.equal(cells[2], pct(saved.accuracy));
    assert.equal(cells[4], pct(saved.balanced));
    assert.ok(Math.abs(last.test.balancedAccuracy - saved.balanced) < 1e-12);
    assert.ok(Math.abs(last.test.accuracy - saved.accuracy) < 1e-12);
    // The chosen model's validation balanced accuracy is the one the budget held to.
    const chosen = json.budget.chosen;
    assert.ok(
      Math.abs(
        chosen.validation.balancedAccuracy - json.budget.validationDifference.candidateAccuracy,
      ) < 1e-12,
    );
    assert.ok(chosen.validation.balancedAccuracy >= json.budget.target);
    // The front: of validation balanced accuracy, each model of it undominated in that metric.
    assert.match(
      r.stdout,
      /^tried, Pareto front \(validation balanced accuracy against file bytes\):\nvalidation +test +balanced val\. +balanced test +test log loss +bytes /m,
    );
    const tried: CandidateReport[] = json.budget.tried;
    const dominated = (t: CandidateReport) =>
      tried.some((o) =>
        o.bytes <= t.bytes && o.validation.balancedAccuracy >= t.validation.balancedAccuracy &&
        (o.bytes < t.bytes || o.validation.balancedAccuracy > t.validation.balancedAccuracy)
      );
    const frontText = r.stdout.slice(r.stdout.indexOf("tried, Pareto front"));
    const front = frontText.slice(0, frontText.indexOf("\n\n")).split("\n").slice(3);
    const expected = tried.filter((t) => !dominated(t)).sort((a, b) => a.bytes - b.bytes);
    assert.deepEqual(front.map((l) => l.trim().split(/ {2,}/).at(-1)), expected.map((t) => t.name));
    front.forEach((l, i) =>
      assert.equal(l.trim().split(/ {2,}/)[2], pct(expected[i].validation.balancedAccuracy))
    );
    // The dense line gives both.
    assert.match(
      r.stdout,
      /^dense {5}trained: validation \d+\.\d\d % \(balanced accuracy \d+\.\d\d %\)/m,
    );
    // The report: charts and stage table in balanced accuracy.
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.match(html, /smallest model within the balanced-accuracy budget/);
    assert.match(html, /Balanced accuracy against file size, stage by stage/);
    assert.match(html, /test balanced accuracy \(%\)/);
    assert.match(html, /validation balanced accuracy/);
    assert.match(html, /Pareto front of test balanced accuracy, the balanced accuracy plotted/);
    assert.match(html, /balanced accuracy %\{y/);
    assert.ok(
      html.includes(
        '"test accuracy","validation balanced accuracy","test balanced accuracy","non-zero weights"',
      ),
    );
    const balancedColumn = json.stages.map((s: CandidateReport) => pct(s.test!.balancedAccuracy));
    assert.ok(html.includes(JSON.stringify(balancedColumn)), html);
    // Every value plotted (not the confusion matrix's class names) is a test balanced accuracy of
    // a stage or of a model tried.
    const plotted = [...html.matchAll(/"y":\[([0-9][^\]]*)\]/g)].flatMap((m) =>
      m[1].split(",").map(Number)
    );
    const allowed = new Set(
      [...json.stages, ...json.budget.tried].map((t: CandidateReport) => t.test!.balancedAccuracy),
    );
    assert.ok(plotted.length > 0);
    for (const y of plotted) assert.ok(allowed.has(y), `${y} plotted`);
    assert.doesNotMatch(html, /[^d] accuracy %\{y/);
    // The dense baseline's dotted line too (it said "accuracy" on hover).
    assert.match(html, /%\{fullData.name\}: balanced accuracy \d+\.\d\d %/);
    assert.doesNotMatch(html, /%\{fullData.name\}: accuracy /);

    // --refit: its test line and stage table in balanced accuracy too, of the model written.
    const refit = [...balanced, "--refit", "--out", `${dir}/b.lrc`];
    const rr = await runCli(["compress", ...refit]);
    assert.equal(rr.code, 0, rr.stderr);
    const refitted = await onTest(`${dir}/b.lrc`);
    assert.match(rr.stdout, /^ {10}test {7}balanced accuracy [+-]\d+\.\d\d ± /m);
    const refitTable = tableAfter(rr.stdout, /^refit /m);
    const rj = JSON.parse((await runCli(["compress", ...balanced, "--refit", "--json"])).stdout);
    const rLast = rj.refit.stages.at(-1);
    const rCells = rowCells(refitTable, `${rLast.name} [preprocessing ${rLast.preprocessing}]`);
    assert.equal(rCells[4], pct(refitted.balanced));
    assert.ok(Math.abs(rj.refit.testDifference.candidateAccuracy - refitted.balanced) < 1e-12);

    // Plain accuracy (the default): no balanced column, the front of accuracy.
    const plain = await runCli(["compress", ...common, "--budget", "40"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^stage +validation +test +test log loss +non-zeros /m);
    assert.match(
      plain.stdout,
      /^tried, Pareto front \(validation accuracy against file bytes\):\nvalidation +test +test log loss +bytes /m,
    );
    assert.match(plain.stdout, /^dense {5}trained: validation \d+\.\d\d %, float32 baseline/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A tried model reduced to what the front reads. */
function tried(name: string, bytes: number, accuracy: number, balanced: number): CandidateReport {
  return {
    name,
    bytes,
    validation: { samples: 10, accuracy, balancedAccuracy: balanced, logLoss: 1 },
  } as unknown as CandidateReport;
}

Deno.test("paretoOfTried: the front of validation accuracy, or of balanced accuracy, against bytes", () => {
  // "b" is more accurate than the smaller "a" but finds fewer classes; "c" is larger than both.
  const models = [
    tried("a", 100, 0.90, 0.80),
    tried("b", 120, 0.95, 0.60),
    tried("c", 150, 0.93, 0.85),
  ];
  // By accuracy: a < b, and c (less accurate than the smaller b) is dominated.
  assert.deepEqual(paretoOfTried(models, false).map((t) => t.name), ["a", "b"]);
  // By balanced accuracy: b (below the smaller a) is dominated, c is the best.
  assert.deepEqual(paretoOfTried(models, true).map((t) => t.name), ["a", "c"]);
});
