import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readModelFile } from "../../lib/cli/model_files.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { integerPredict, prepareIntegerModel } from "../../lib/quant/integer.ts";

/** Plain and balanced accuracy by hand: the share right, and the mean of per-class recalls. */
function byHand(truth: ArrayLike<number>, predicted: ArrayLike<number>) {
  const rows = new Map<number, number>(), right = new Map<number, number>();
  let hits = 0;
  for (let i = 0; i < truth.length; i++) {
    rows.set(truth[i], (rows.get(truth[i]) ?? 0) + 1);
    if (predicted[i] === truth[i]) {
      right.set(truth[i], (right.get(truth[i]) ?? 0) + 1);
      hits++;
    }
  }
  let recalls = 0;
  for (const [c, n] of rows) recalls += (right.get(c) ?? 0) / n;
  return { accuracy: hits / truth.length, balanced: recalls / rows.size };
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

Deno.test("compress --integer under --metric balanced-accuracy gives the integer model's balanced accuracy beside its accuracy", async () => {
  // The integer line said "validation 97.03 %, test 97.12 %", plain accuracy only, under a
  // budget held to balanced accuracy.
  const dir = await Deno.makeTempDir({ prefix: "lrc-integer-metric-" });
  try {
    const common = [
      "compress",
      ...["--max-iterations", "100", "--budget", "1", "--method", "uniform", "--bits", "4,8"],
      "--integer",
    ];
    const out = `${dir}/m.lrc`;
    const r = await runCli([...common, "--metric", "balanced-accuracy", "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    // The integer-only model written, on the command's test split (--test-fraction 0.25, seed 0).
    const { model } = await readModelFile(out);
    if (model.kind !== "quantized-logistic-regression") throw new Error(model.kind);
    assert.ok(model.input !== undefined, "no calibration stored");
    const digits = await loadEmbedded("digits");
    const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.25, seed: 0 });
    const prepared = prepareIntegerModel(model);
    const test = byHand(split.yTest, integerPredict(prepared, split.xTest));
    // The session's validation rows: its split (0.2, seed 0, stratified) of the training part.
    const inner = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 });
    const validation = byHand(inner.yTest, integerPredict(prepared, inner.xTest));
    // The two differ on this model, so a line giving accuracy twice would fail.
    assert.notEqual(pct(test.accuracy), pct(test.balanced));
    const line = r.stdout.split("\n").find((l) => l.startsWith("integer   "));
    assert.ok(line, r.stdout);
    const found =
      /validation (\d+\.\d\d %) \(balanced accuracy (\d+\.\d\d %)\), test (\d+\.\d\d %) \(balanced accuracy (\d+\.\d\d %)\);/
        .exec(line);
    assert.ok(found, line);
    assert.notEqual(pct(validation.accuracy), pct(validation.balanced));
    assert.equal(found[1], pct(validation.accuracy));
    assert.equal(found[2], pct(validation.balanced));
    assert.equal(found[3], pct(test.accuracy));
    assert.equal(found[4], pct(test.balanced));
    // --json has both, whatever the metric; the line's validation figures are its.
    for (const metric of [["--metric", "balanced-accuracy"], []]) {
      const j = JSON.parse((await runCli([...common, ...metric, "--json"])).stdout).integer;
      assert.ok(Math.abs(j.testAccuracy - test.accuracy) < 1e-12);
      assert.ok(Math.abs(j.testBalancedAccuracy - test.balanced) < 1e-12);
      assert.ok(j.validationBalancedAccuracy > 0 && j.validationBalancedAccuracy <= 1);
      if (metric.length > 0) {
        assert.equal(found[1], pct(j.validationAccuracy));
        assert.equal(found[2], pct(j.validationBalancedAccuracy));
      }
    }
    // Under plain accuracy (the default) the line is as it was: accuracy only.
    const plain = await runCli([...common, "--quiet"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /^integer {3}input uint8 \(scale [0-9.]+, zero point 0\), int32 bias: validation \d+\.\d\d %, test \d+\.\d\d %; predicts as/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
