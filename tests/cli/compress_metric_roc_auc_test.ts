import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";
import { readModelFile } from "../../lib/cli/model_files.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import type { Matrix } from "../../lib/core/matrix.ts";

/**
 * 1,200 rows of about 5 % "yes" (seed 5): a shifted by 1.5 and b by 1 in them, c and e noise.
 * Pruning 90 % of the 4 weights prunes them all: the model scores every row alike, predicts "no"
 * (the dense model's accuracy within a point) and ranks nothing (ROC AUC 1/2).
 */
function rareCsv(): string {
  const prng = createPrng(5);
  const lines = ["a,b,c,e,y"];
  for (let i = 0; i < 1200; i++) {
    const c = prng() < 0.05 ? 1 : 0;
    const x = [1.5 * c + randomNormal(prng), c + randomNormal(prng)];
    x.push(randomNormal(prng), randomNormal(prng));
    lines.push(`${x.map((v) => v.toFixed(4)).join(",")},${c ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

const SPACE = ["--quiet", "--method", "uniform", "--bits", "8"];
const SPARSITIES = ["--sparsity", "0,0.25,0.5,0.75,0.9"];

Deno.test("lrc compress --metric roc-auc: the chosen model's validation AUC (counted pair by pair) is within the budget of dense's, and the accuracy budget's choice is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rareCsv());
    // The dense model, trained apart (on the command's training part) and given with --model.
    const dense = `${dir}/dense.lrc`;
    const t = await runCli(["train", "--data", file, "--save", dense, "--quiet"]);
    assert.equal(t.code, 0, t.stderr);
    // The session's validation rows: the command's test split (0.25, seed 0), then the
    // session's (0.2, seed 0) of the training part.
    const data = await readCsv(file);
    const outer = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: 0.2, seed: 0 });
    const aucOn = async (path: string, x: Matrix, y: Int32Array) =>
      pairwiseAuc(y, decisionFunction(asFloatModel((await readModelFile(path)).model), x).data);
    const denseAuc = await aucOn(dense, inner.xTest, inner.yTest);
    const common = ["compress", "--data", file, "--model", dense, ...SPACE, ...SPARSITIES];

    const byAccuracy = `${dir}/accuracy.lrc`;
    const a = await runCli([...common, "--budget", "5", "--json", "--out", byAccuracy]);
    assert.equal(a.code, 0, a.stderr);
    const aj = JSON.parse(a.stdout);
    assert.equal(aj.budget.metric, "accuracy");
    assert.equal(aj.budget.chosen.name, "magnitude 90 % of weights, float32");
    // Within the accuracy budget, ranking nothing.
    assert.equal(await aucOn(byAccuracy, inner.xTest, inner.yTest), 0.5);
    assert.ok(denseAuc - 0.05 > 0.5, String(denseAuc));

    const byAuc = `${dir}/auc.lrc`;
    const r = await runCli([
      ...common,
      ...["--budget", "5", "--metric", "roc-auc", "--json", "--out", byAuc],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.budget.metric, "roc-auc");
    assert.equal(j.budget.maxDrop, 0.05);
    assert.equal(j.dense.validation.samples, inner.yTest.length);
    assert.ok(Math.abs(j.budget.target - (denseAuc - 0.05)) < 1e-12);
    const chosenAuc = await aucOn(byAuc, inner.xTest, inner.yTest);
    assert.ok(chosenAuc >= denseAuc - 0.05 - 1e-12, `${chosenAuc} ${denseAuc}`);
    const v = j.budget.validationDifference;
    assert.ok(Math.abs(v.baselineAccuracy - denseAuc) < 1e-12);
    assert.ok(Math.abs(v.candidateAccuracy - chosenAuc) < 1e-12);
    // The test difference is in ROC AUC too, on the command's test rows.
    const td = j.budget.testDifference;
    assert.ok(
      Math.abs(td.baselineAccuracy - (await aucOn(dense, outer.xTest, outer.yTest))) < 1e-12,
    );
    assert.ok(
      Math.abs(td.candidateAccuracy - (await aucOn(byAuc, outer.xTest, outer.yTest))) < 1e-12,
    );
    // The accuracy budget's choice is tried and refused.
    const refused = j.budget.tried.find((c: { name: string }) => c.name === aj.budget.chosen.name);
    assert.equal(refused?.feasible, false);
    assert.ok(j.budget.chosen.bytes > aj.budget.chosen.bytes);
    // A 10-point budget passes a model that ranks the rows worse and predicts no "yes": the
    // lost-class note explains it by ROC AUC, with the budget that rules it out in AUC points.
    const lostOut = `${dir}/lost.lrc`;
    const l = await runCli([...common, "--budget", "10", "--metric", "roc-auc", "--out", lostOut]);
    assert.equal(l.code, 0, l.stderr);
    const lostAuc = await aucOn(lostOut, inner.xTest, inner.yTest);
    const below = (Math.floor((denseAuc - lostAuc) * 1e4 + 1e-6) / 100).toFixed(2);
    assert.match(
      l.stdout,
      new RegExp(
        `^note {6}the chosen model gets no validation row of class \\["yes"\\] right, .*\\): ` +
          `ROC AUC ranks the rows by score and does not look at the class predicted, and a ` +
          `--budget below ${below} points \\(this model's drop\\) rules this model out$`,
        "m",
      ),
    );
    // --refit's test difference is in ROC AUC: from the given dense model to the refit written.
    const refit = `${dir}/refit.lrc`;
    const f = await runCli([
      ...common,
      ...["--budget", "5", "--metric", "roc-auc", "--refit", "--json", "--out", refit],
    ]);
    assert.equal(f.code, 0, f.stderr);
    const rd = JSON.parse(f.stdout).refit.testDifference;
    assert.ok(
      Math.abs(rd.baselineAccuracy - (await aucOn(dense, outer.xTest, outer.yTest))) < 1e-12,
    );
    assert.ok(
      Math.abs(rd.candidateAccuracy - (await aucOn(refit, outer.xTest, outer.yTest))) < 1e-12,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --metric roc-auc names the ROC AUC in the budget, chosen, table, front and report lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rareCsv());
    const report = `${dir}/r.html`;
    const r = await runCli([
      ...["compress", "--data", file, ...SPACE, ...SPARSITIES, "--budget", "5"],
      ...["--metric", "roc-auc", "--standard-errors", "1", "--report", report],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    // The validation rows: the command's test split (0.25, seed 0), then the session's (0.2,
    // seed 0) of the training part; their (positive, negative) pairs, "yes" being class 1.
    const data = await readCsv(file);
    const outer = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
    const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: 0.2, seed: 0 });
    assert.deepEqual(data.classes, ["no", "yes"]);
    const n = inner.yTest.length, positives = inner.yTest.reduce((a, c) => a + c, 0);
    assert.ok(positives > 0 && positives < n);
    assert.ok(
      out.includes(
        `(a point is 0.01 AUC; the share of the ${
          (positives * (n - positives)).toLocaleString("en-US")
        } (positive, negative) pairs of the ${n.toLocaleString("en-US")} validation samples ` +
          "ranked right, ties one half)",
      ),
      out,
    );
    assert.match(out, /^dense {5}trained: validation \d+\.\d\d % \(ROC AUC 0\.\d{4}\),/m);
    assert.match(
      out,
      /^budget {4}within 5\.00 points of the dense validation ROC AUC, with a margin: each candidate's ROC AUC difference from dense less 1 paired standard error\(s\) \(DeLong\) of it must be at least -5\.00 points \(a point is 0\.01 AUC; /m,
    );
    assert.match(
      out,
      /^ {10}validation ROC AUC [+-]\d+\.\d\d ± \d+\.\d\d points against dense \(DeLong paired standard error; \d+ samples? dense ranks better, \d+ this model\)$/m,
    );
    assert.match(
      out,
      /^ {10}test {7}ROC AUC [+-]\d+\.\d\d ± \d+\.\d\d points against dense \(DeLong paired standard error; \d+ samples? dense ranks better, \d+ this model\)$/m,
    );
    assert.match(out, /^tried, Pareto front \(validation ROC AUC against file bytes\):$/m);
    // Both ROC AUC columns, validation (the budget's) and test, in the stage table and front.
    assert.equal(out.match(/ val\. ROC AUC {2}test ROC AUC /g)?.length, 2, out);
    // Not the accuracy budget's words, nor its note on the majority class.
    assert.doesNotMatch(out, /validation accuracy: at least|always predicting it/);
    const html = await Deno.readTextFile(report);
    assert.match(html, /<title>lrcompress: smallest model within the ROC AUC budget<\/title>/);
    assert.match(html, /test ROC AUC \(%: 0\.01 AUC is 1 %\)/);
    assert.match(html, /ROC AUC %\{y:\.2%\}/);
    assert.match(html, /in ROC AUC: validation/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --metric roc-auc refuses more than two classes before training", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const file = `${dir}/three.csv`;
    const lines = ["a,y"];
    for (let i = 0; i < 60; i++) lines.push(`${i % 3 + (i % 7) / 10},${"pqr"[i % 3]}`);
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    const r = await runCli(["compress", "--data", file, "--budget", "1", "--metric", "roc-auc"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--metric roc-auc ranks two classes, and the data have 3; use --metric balanced-accuracy or accuracy/,
    );
    assert.equal(r.stdout, "");
    // A model given with --model: its classes are counted, and named as the model's.
    const model = `${dir}/three.lrc`;
    const t = await runCli(["train", "--data", file, "--save", model, "--quiet"]);
    assert.equal(t.code, 0, t.stderr);
    const m = await runCli([
      ...["compress", "--data", file, "--model", model, "--budget", "1", "--metric", "roc-auc"],
    ]);
    assert.equal(m.code, 2, m.stderr);
    assert.match(
      m.stderr,
      /--metric roc-auc ranks two classes, and the model has 3; use --metric balanced-accuracy or accuracy/,
    );
    assert.equal(m.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --metric roc-auc with a budget above the dense AUC says at least 0.0000, not a negative AUC", async () => {
  // --budget 99.99 said "at least -0.0022" (dense 0.9977 less 0.9999), an AUC no model can have.
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const r = await runCli([
      ...["compress", "--dataset", "breast-cancer", "--budget", "99.99", "--metric", "roc-auc"],
      ...["--sparsity", "0", "--method", "uniform", "--bits", "2", "--training", "ptq"],
      ...["--quiet", "--report", `${dir}/r.html`],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const dense = Number(/^dense .*\(ROC AUC (0\.\d{4})\)/m.exec(r.stdout)![1]);
    assert.ok(dense < 0.9999, `${dense}`);
    assert.match(
      r.stdout,
      /^budget {4}within 99\.99 points of the dense validation ROC AUC: at least 0\.0000 \(/m,
    );
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(
      html.includes(
        `Target: validation ROC AUC (a point is 0.01 AUC) at least 0.0000 (dense ${
          dense.toFixed(4)
        } minus 99.99 points)`,
      ),
      html.match(/Target: [^<]*/)?.[0],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * 1,000 rows of about 4 % "yes" (seed 1), a shifted by 1 in them, b noise: the dense model
 * predicts "no" nearly always (no more accurate than that), yet ranks the rows (ROC AUC near 0.7).
 */
function weakCsv(): string {
  const prng = createPrng(1);
  const lines = ["a,b,y"];
  for (let i = 0; i < 1000; i++) {
    const c = prng() < 0.04 ? 1 : 0;
    const x = [c + randomNormal(prng), randomNormal(prng)];
    lines.push(`${x.map((v) => v.toFixed(4)).join(",")},${c ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("lrc compress --metric roc-auc: the note on a dense model no better than always saying no says the ROC AUC budget tells the models that rank from those that do not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const file = `${dir}/weak.csv`;
    await Deno.writeTextFile(file, weakCsv());
    const args = ["compress", "--data", file, ...SPACE, "--sparsity", "0,0.5,0.9", "--budget", "2"];
    const plain = await runCli(args);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /of the validation rows: .*accuracies below \(and the budget\) do not/,
    );
    const r = await runCli([...args, "--metric", "roc-auc"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^note {6}class "no" is (\d+\.\d\d) % of the validation rows: always predicting it scores \1 %, no less than the dense model, so the accuracies below do not tell whether a model finds the other classes \(the ROC AUC budget tells whether it ranks them: a model that scores every row alike has 0\.5\); check /m,
    );
    // What the note says: the model with no weight left (90 % of 2) scores every row alike, has
    // validation ROC AUC 1/2 (every pair tied) and is refused, while the accuracy budget passes
    // it.
    const none = "magnitude 90 % of weights, float32";
    const tried = async (extra: string[]) => {
      const j = await runCli([...args, ...extra, "--json"]);
      assert.equal(j.code, 0, j.stderr);
      return JSON.parse(j.stdout).budget.tried.find((t: { name: string }) => t.name === none);
    };
    const byAuc = await tried(["--metric", "roc-auc"]);
    assert.equal(byAuc.feasible, false);
    assert.equal(byAuc.nonZeros, 0);
    assert.equal(byAuc.validation.rocAuc, 0.5);
    assert.equal((await tried([])).feasible, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --metric roc-auc refuses, before training, a split that keeps no validation row of a class", async () => {
  // It was refused only after the dense training, in the search's words ("which hold one class
  // only"), naming neither the class nor --validation-fraction.
  const dir = await Deno.makeTempDir({ prefix: "lrc-metric-roc-auc-" });
  try {
    const write = async (every: number) => {
      const file = `${dir}/rare_${every}.csv`;
      const lines = ["a,b,label"];
      for (let i = 0; i < 400; i++) {
        const yes = i % every === 5;
        lines.push(`${(yes ? 1 : 0) + (i % 13) / 13},${(i % 7) / 7},${yes ? "yes" : "no"}`);
      }
      await Deno.writeTextFile(file, lines.join("\n") + "\n");
      // The command's test split (25 %, stratified, seed 0): the training rows of "yes".
      const d = await readCsv(file);
      const yTrain = trainTestSplit(d.x, d.y, { testFraction: 0.25, seed: 0 }).yTrain;
      return { file, rows: yTrain.filter((c) => c === d.classes.indexOf("yes")).length };
    };
    const run = (file: string, extra: string[]) =>
      runCli([
        ...["compress", "--data", file, "--budget", "1", "--metric", "roc-auc", "--quiet"],
        ...extra,
      ]);
    // One training row of "yes": no fraction gives it to validation.
    const one = await write(200);
    assert.equal(one.rows, 1);
    const r1 = await run(one.file, []);
    assert.equal(r1.code, 1, r1.stderr);
    assert.equal(r1.stdout, "");
    assert.equal(
      r1.stderr,
      "lrc compress: Cannot compress: --metric roc-auc needs both classes in the validation " +
        'rows, but --validation-fraction 0.2 of the 1 training row of class "yes" rounds to ' +
        "none (the split is stratified, and a class keeps at least one row for training); give " +
        "more rows of that class\n",
    );
    // Six: a twentieth rounds to none, a fifth keeps one.
    const six = await write(50);
    assert.equal(six.rows, 6);
    const r6 = await run(six.file, ["--validation-fraction", "0.05"]);
    assert.equal(r6.code, 1, r6.stderr);
    assert.equal(r6.stdout, "");
    assert.match(
      r6.stderr,
      /--validation-fraction 0\.05 of the 6 training rows of class "yes" rounds to none \(the split is stratified\); give a larger --validation-fraction or more rows of that class\n$/,
    );
    const ok = await run(six.file, ["--validation-fraction", "0.2"]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
