import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

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

Deno.test("lrc compress has no ROC AUC column for more than two classes, and null in --json", async () => {
  const r = await runCli(["compress", "--quiet", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.data.classes > 2);
  for (const s of report.stages) {
    assert.equal(s.validation.rocAuc, null);
    assert.equal(s.test.rocAuc, null);
  }
  const text = await runCli(["compress", "--quiet"]);
  assert.match(text.stdout, /^stage +validation +test +test log loss +non-zeros /m);
  assert.doesNotMatch(text.stdout, /ROC AUC/);
});
