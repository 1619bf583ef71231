import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

/**
 * A float model, written by hand, that finds "yes" only through x1, whose weight (1) a ternary
 * grid of scale 10 (minmax: the largest |weight|) rounds to 0; and 200 rows, 8 of them "yes".
 * Float: score = 10 x0 + x1 - 5, with |x0| <= 0.1 and x1 = 10 for "yes", 0 otherwise, so
 * "yes" rows score 5 +- 1 and the others -5 +- 1: every row right. Ternary: 10 x0 - 5 < 0 for
 * every row, so no "yes" is ever predicted.
 */
function modelAndData(): { model: string; csv: string } {
  const model = JSON.stringify({
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { rows: 1, cols: 2, data: [10, 1] },
    bias: [-5],
    classes: ["no", "yes"],
    featureNames: ["x0", "x1"],
    preprocessing: { kind: "none" },
  });
  const lines = ["x0,x1,label"];
  for (let i = 0; i < 200; i++) {
    const yes = i % 25 === 3;
    lines.push(`${((i * 37) % 21 - 10) / 100},${yes ? 10 : 0},${yes ? "yes" : "no"}`);
  }
  return { model, csv: lines.join("\n") + "\n" };
}

Deno.test("lrc quantize says when the quantized model never gets a class right that the float model finds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-quantize-lost-" });
  try {
    const { model, csv } = modelAndData();
    await Deno.writeTextFile(`${dir}/m.json`, model);
    await Deno.writeTextFile(`${dir}/d.csv`, csv);
    const common = ["quantize", "--model", `${dir}/m.json`, "--data", `${dir}/d.csv`, "--quiet"];
    const ternary = [...common, "--bits", "2", "--calibration", "minmax"];
    const json = await runCli([...ternary, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    // 8 "yes" rows of 200; the stratified test quarter holds 2 of them.
    const yesRows = Math.round(8 * report.data.testSamples / 200);
    assert.equal(report.test.floatAccuracy, 1);
    assert.equal(report.test.quantizedAccuracy, 1 - yesRows / report.data.testSamples);
    assert.deepEqual(report.test.lostClasses, [
      { class: "yes", samples: yesRows, floatRecall: 1, quantizedRecall: 0 },
    ]);
    const text = await runCli(ternary);
    assert.match(
      text.stdout,
      new RegExp(
        String
          .raw`^note {6}the quantized(?: \(integer-only\))? model gets no test row of class \["yes"\] right, which the float model does \(test recall float -> quantized(?: \(integer-only\))?: "yes" 100\.00 % -> 0\.00 % of ${yesRows} rows\): accuracy counts a class by its share of the rows; more --bits, --qat or --class-weight balanced \(with --qat\) may keep it$`,
        "m",
      ),
    );
    // 8 bits keep x1's weight: nothing is lost, and nothing is said.
    const fine = await runCli([...common, "--bits", "8", "--json"]);
    assert.deepEqual(JSON.parse(fine.stdout).test.lostClasses, []);
    assert.doesNotMatch(
      (await runCli([...common, "--bits", "8"])).stdout,
      /^note {6}the quantized/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
