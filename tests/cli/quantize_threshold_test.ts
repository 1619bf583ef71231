import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadModel, saveModel } from "../../lib/io/model_file.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

Deno.test("lrc quantize measures a thresholded model's accuracy at its threshold: float, dequantized and integer-only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // P(yes) = 1 / (1 + exp(-x)) with threshold 0.9 (logit 2.197): the "no" rows at x in
    // [0.5, 2.06] (P 0.62 to 0.89) and the "yes" rows at x >= 3 (P > 0.95) are all right at
    // 0.9, while at 0.5 every "no" row would be labelled "yes".
    const model: LogisticModel = {
      kind: "logistic-regression",
      version: 1,
      link: "sigmoid",
      weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
      bias: Float64Array.from([0]),
      classes: ["no", "yes"],
      featureNames: ["x"],
      preprocessing: { kind: "none" },
      threshold: 0.9,
    };
    const lines = ["x,y"];
    for (let i = 0; i < 40; i++) {
      const no = 0.5 + i * 0.04, yes = 3 + i * 0.05;
      const p = (x: number) => 1 / (1 + Math.exp(-x));
      assert.ok(p(no) > 0.5 && p(no) < 0.89 && p(yes) > 0.95);
      lines.push(`${no},no`, `${yes},yes`);
    }
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
    await saveModel(`${dir}/m.lrc`, model);
    const r = await runCli([
      "quantize",
      "--model",
      `${dir}/m.lrc`,
      "--data",
      `${dir}/d.csv`,
      "--bits",
      "8",
      "--save",
      `${dir}/q.lrc`,
      "--json",
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.data.testSamples >= 10, `${report.data.testSamples} test rows`);
    for (const key of ["float", "quantized", "savedDequantized", "integer"]) {
      assert.equal(report.test[`${key}Accuracy`], 1, key);
      assert.equal(report.test[`${key}BalancedAccuracy`], 1, key);
    }
    assert.equal(report.integer.calibrationSaved, true);
    assert.equal((await loadModel(`${dir}/q.lrc`)).threshold, 0.9);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
