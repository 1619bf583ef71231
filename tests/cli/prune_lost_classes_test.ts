import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { rarePositives } from "./_rare.ts";

Deno.test("lrc prune says when the pruned or fine-tuned model never gets a class right that the dense model finds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-prune-lost-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rarePositives());
    const common = ["--data", file, "--quiet", "--seed", "3"];
    // The dense model's test confusion, from lrc train on the same split.
    const train = await runCli(["train", ...common, "--json"]);
    assert.equal(train.code, 0, train.stderr);
    const confusion: number[][] = JSON.parse(train.stdout).test.confusion;
    const yesRows = confusion[1][0] + confusion[1][1];
    assert.ok(confusion[1][1] > 0, "the dense model finds some positives");
    const denseRecall = confusion[1][1] / yesRows;

    // Every weight removed: the model is its bias alone, one class for every row.
    const out = `${dir}/empty.lrc`;
    const run = await runCli([
      "prune",
      ...common,
      "--sparsity",
      "1",
      "--fine-tune",
      "lbfgs",
      "--save",
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const model = asFloatModel(decodeModel(await Deno.readFile(out)));
    assert.ok(model.weights.data.every((w) => w === 0));
    // A sigmoid model with a negative bias and no weights predicts "no" for every row: it
    // never gets a "yes" right.
    assert.ok(model.bias[0] < 0, String(model.bias[0]));
    const recall = `"yes" ${(denseRecall * 100).toFixed(2)} % -> 0.00 % of ${yesRows} rows`;
    for (const stage of ["pruned", "fine-tuned"]) {
      assert.ok(
        run.stdout.includes(
          `note      the ${stage} model gets no test row of class ["yes"] right, which the ` +
            `dense model does (test recall dense -> ${stage}: ${recall}): accuracy counts a ` +
            "class by its share of the rows",
        ),
        run.stdout,
      );
    }
    assert.match(run.stdout, /; pruning less or --class-weight balanced may keep it$/m);
    const json = await runCli([
      "prune",
      ...common,
      "--sparsity",
      "1",
      "--fine-tune",
      "lbfgs",
      "--json",
    ]);
    const lost = { class: "yes", samples: yesRows, denseRecall, chosenRecall: 0 };
    assert.deepEqual(JSON.parse(json.stdout).lostClasses, { pruned: [lost], fineTuned: [lost] });

    // Nothing removed: the pruned model is the dense one, and loses nothing.
    const none = await runCli(["prune", ...common, "--sparsity", "0"]);
    assert.equal(none.code, 0, none.stderr);
    assert.doesNotMatch(none.stdout, /^note/m);
    const noneJson = await runCli(["prune", ...common, "--sparsity", "0", "--json"]);
    assert.deepEqual(JSON.parse(noneJson.stdout).lostClasses, { pruned: [], fineTuned: null });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
