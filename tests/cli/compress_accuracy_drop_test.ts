import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { predict } from "../../lib/model/predict.ts";

const PRIMES = [
  7919,
  104729,
  15485863,
  32452843,
  49979687,
  67867967,
  86028121,
  104395301,
  122949823,
  141650939,
  160481183,
  179424673,
];

/**
 * 2,000 rows of 12 features, "yes" 61 of them (3 %): each feature is shifted by `shift` for
 * "yes", over a spread of 2 for both classes, so every feature helps and none suffices.
 */
function rarePositives(shift: number): string {
  const lines = [PRIMES.map((_, j) => `f${j}`).join(",") + ",label"];
  for (let i = 0; i < 2000; i++) {
    const yes = i % 33 === 7;
    const row = PRIMES.map((p, j) =>
      ((yes ? shift : 0) + ((i * p) % (13 + 2 * j)) / (13 + 2 * j) * 2 - 1).toFixed(4)
    );
    lines.push(`${row.join(",")},${yes ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/**
 * The validation accuracy of a saved model, on the rows the command validates on: its test split
 * (--test-fraction 0.25, --seed 0, stratified), then the session's validation split of the rest
 * (--validation-fraction 0.2, --seed 0).
 */
async function validationAccuracy(file: string): Promise<(path: string) => Promise<number>> {
  const data = await readCsv(file);
  const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
  const validation = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 });
  return async (path: string) => {
    const model = asFloatModel(decodeModel(await Deno.readFile(path)));
    const p = predict(model, validation.xTest);
    let right = 0;
    for (let i = 0; i < p.length; i++) right += p[i] === validation.yTest[i] ? 1 : 0;
    return right / p.length;
  };
}

Deno.test("lrc compress --metric balanced-accuracy notes a chosen model whose plain validation accuracy falls below dense's by more than the budget", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-accuracy-drop-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rarePositives(0.55));
    const accuracyOf = await validationAccuracy(file);
    const common = ["--data", file, "--quiet", "--class-weight", "balanced"];
    // The dense model: the pipeline with nothing pruned or quantized writes it.
    const dense = await runCli([
      "compress",
      ...common,
      ...["--sparsity", "0", "--method", "none", "--out", `${dir}/dense.lrc`],
    ]);
    assert.equal(dense.code, 0, dense.stderr);
    const denseAccuracy = await accuracyOf(`${dir}/dense.lrc`);
    const search = ["compress", ...common, "--budget", "2", "--metric", "balanced-accuracy"];
    const r = await runCli([...search, "--out", `${dir}/chosen.lrc`]);
    assert.equal(r.code, 0, r.stderr);
    const chosenAccuracy = await accuracyOf(`${dir}/chosen.lrc`);
    assert.ok(denseAccuracy - chosenAccuracy > 0.02, `${denseAccuracy} ${chosenAccuracy}`);
    assert.ok(
      r.stdout.includes(
        `note      the chosen model's validation accuracy is ${pct(chosenAccuracy)}, ${
          ((denseAccuracy - chosenAccuracy) * 100).toFixed(2)
        } points below the dense model's ${pct(denseAccuracy)}, more than the budget: the ` +
          "budget holds balanced accuracy, which allows this (a class's errors count by its " +
          "recall, not by its share of the rows); --metric accuracy holds plain accuracy\n",
      ),
      r.stdout,
    );
    const j = await runCli([...search, "--json"]);
    const drop = JSON.parse(j.stdout).budget.accuracyDrop;
    assert.ok(Math.abs(drop.dense - denseAccuracy) < 1e-12);
    assert.ok(Math.abs(drop.chosen - chosenAccuracy) < 1e-12);

    // The same search under plain accuracy: the budget holds it, nothing to say.
    const plain = await runCli(["compress", ...common, "--budget", "2", "--json"]);
    assert.equal(JSON.parse(plain.stdout).budget.accuracyDrop, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --metric balanced-accuracy says nothing when the chosen model's plain accuracy is within the budget", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-accuracy-kept-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rarePositives(0.6));
    const accuracyOf = await validationAccuracy(file);
    const common = ["--data", file, "--quiet", "--class-weight", "balanced"];
    await runCli([
      "compress",
      ...common,
      ...["--sparsity", "0", "--method", "none", "--out", `${dir}/dense.lrc`],
    ]);
    const search = ["compress", ...common, "--budget", "2", "--metric", "balanced-accuracy"];
    const r = await runCli([...search, "--out", `${dir}/chosen.lrc`]);
    assert.equal(r.code, 0, r.stderr);
    const lost = (await accuracyOf(`${dir}/dense.lrc`)) - (await accuracyOf(`${dir}/chosen.lrc`));
    assert.ok(lost <= 0.02, String(lost));
    assert.doesNotMatch(r.stdout, /the chosen model's validation accuracy is/);
    const j = await runCli([...search, "--json"]);
    assert.equal(JSON.parse(j.stdout).budget.accuracyDrop, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
