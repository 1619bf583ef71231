import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { rarePositives } from "./_rare.ts";

Deno.test("lrc compress (the pipeline) says when the compressed model never gets a class right that the dense model finds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-pipeline-lost-" });
  try {
    const file = `${dir}/rare.csv`;
    await Deno.writeTextFile(file, rarePositives());
    const out = `${dir}/m.lrc`;
    // 0.999 of 2 weights: both removed; the written model is its bias alone, one class for every row.
    const common = ["compress", "--data", file, "--quiet", "--sparsity", "0.999", "--bits", "8"];
    const json = await runCli([...common, "--json", "--out", out]);
    assert.equal(json.code, 0, json.stderr);
    const model = asFloatModel(decodeModel(await Deno.readFile(out)));
    assert.ok(model.weights.data.every((w) => w === 0));
    assert.ok(model.bias[0] < 0, 'it predicts "no" for every row');
    const report = JSON.parse(json.stdout);
    assert.equal(report.lostClasses.length, 1, json.stdout);
    const [lost] = report.lostClasses;
    assert.equal(lost.class, "yes");
    assert.equal(lost.chosenRecall, 0);
    // The dense model's "yes" recall, solved from its validation accuracy and balanced accuracy
    // (two classes: right = rightNo + rightYes, 2 balanced = rightNo / nNo + rightYes / nYes).
    const n = report.data.validationSamples, nYes = lost.samples, nNo = n - nYes;
    const { accuracy, balancedAccuracy } = report.dense.validation;
    const rightYes = (2 * balancedAccuracy - accuracy * n / nNo) / (1 / nYes - 1 / nNo);
    assert.ok(Math.abs(rightYes - Math.round(rightYes)) < 1e-9, String(rightYes));
    assert.ok(rightYes >= 1, "the dense model finds a validation positive");
    assert.equal(lost.denseRecall, Math.round(rightYes) / nYes);
    const text = await runCli(common);
    assert.ok(
      text.stdout.includes(
        'note      the compressed model gets no validation row of class ["yes"] right, which ' +
          'the dense model does (validation recall dense -> compressed: "yes" ' +
          `${(lost.denseRecall * 100).toFixed(2)} % -> 0.00 % of ${nYes} rows): accuracy ` +
          "counts a class by its share of the rows; pruning less, fine-tuning, more --bits or " +
          "--class-weight balanced may keep it",
      ),
      text.stdout,
    );
    // No pruning: nothing lost, nothing said.
    const kept = await runCli(["compress", "--data", file, "--quiet", "--sparsity", "0", "--json"]);
    assert.deepEqual(JSON.parse(kept.stdout).lostClasses, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
