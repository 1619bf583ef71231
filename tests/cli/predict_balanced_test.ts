import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

/**
 * A float model written by hand: score = 10 x0 + x1 - 5, so with |x0| <= 0.1 a row is
 * predicted "yes" exactly when x1 = 10.
 */
const MODEL = JSON.stringify({
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  weights: { rows: 1, cols: 2, data: [10, 1] },
  bias: [-5],
  classes: ["no", "yes"],
  featureNames: ["x0", "x1"],
  preprocessing: { kind: "none" },
});

/** CSV rows: `no` rows with x1 = 0 (all right), `found` "yes" rows with x1 = 10, `missed` with 0. */
function csv(no: number, found: number, missed: number): string {
  const lines = ["x0,x1,label"];
  const x0 = (i: number) => ((i * 37) % 21 - 10) / 100;
  let i = 0;
  for (let r = 0; r < no; r++) lines.push(`${x0(i++)},0,no`);
  for (let r = 0; r < found; r++) lines.push(`${x0(i++)},10,yes`);
  for (let r = 0; r < missed; r++) lines.push(`${x0(i++)},0,yes`);
  return lines.join("\n") + "\n";
}

Deno.test("lrc predict reports the balanced accuracy of a labelled file: the mean of the recalls of the classes that label rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-predict-balanced-" });
  try {
    await Deno.writeTextFile(`${dir}/m.json`, MODEL);
    // 97 "no" (all right), 3 "yes" of which 1 found: accuracy 98/100, recalls 1 and 1/3.
    await Deno.writeTextFile(`${dir}/rare.csv`, csv(97, 1, 2));
    const args = ["predict", "--model", `${dir}/m.json`, "--data", `${dir}/rare.csv`, "--quiet"];
    const json = await runCli([...args, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const metrics = JSON.parse(json.stdout).metrics;
    assert.deepEqual(metrics.confusion, [[97, 0], [2, 1]]);
    assert.equal(metrics.accuracy, 0.98);
    assert.equal(metrics.balancedAccuracy, (1 + 1 / 3) / 2);
    const text = await runCli(args);
    assert.match(
      text.stdout,
      /^metrics {3}accuracy 98\.00 %, balanced accuracy 66\.67 %, log loss /m,
    );
    // Only "no" labels the rows: its recall alone (1), not a mean with the absent "yes" (0.5).
    await Deno.writeTextFile(`${dir}/no.csv`, csv(10, 0, 0));
    const only = await runCli([
      "predict",
      "--model",
      `${dir}/m.json`,
      "--data",
      `${dir}/no.csv`,
      "--quiet",
      "--json",
    ]);
    assert.equal(JSON.parse(only.stdout).metrics.balancedAccuracy, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
