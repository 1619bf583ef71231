import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

Deno.test("lrc train --stream and lrc predict read a file of 10^5 named columns", async () => {
  // Both matched the model's features to the header's names with includes and indexOf per
  // feature: 10^10 string compares, minutes of CPU (over 200 s for train --stream, 40 s for
  // predict), for a file of 6 rows; a map takes seconds. No time is asserted (speed is for
  // benchmarks): this checks that such a file gives the right rows.
  const dir = await Deno.makeTempDir({ prefix: "lrc-wide-" });
  try {
    const width = 100_000;
    const names = Array.from({ length: width }, (_, j) => `x${j}`);
    const rows = Array.from(
      { length: 6 },
      (_, i) => [...Array.from({ length: width }, (_, j) => (i * 31 + j) % 5), i % 2].join(","),
    );
    const data = `${dir}/wide.csv`, model = `${dir}/m.json`, out = `${dir}/p.csv`;
    await Deno.writeTextFile(data, [[...names, "y"].join(","), ...rows].join("\n") + "\n");
    const train = await runCli([
      "train",
      "--data",
      data,
      "--stream",
      "--optimizer",
      "sgd",
      "--epochs",
      "1",
      "--test-fraction",
      "0.34",
      "--quiet",
      "--json",
      "--save",
      model,
    ]);
    assert.equal(train.code, 0, train.stderr);
    // Every 3rd of the 6 rows held out (counted by hand): 4 train, 2 test.
    const report = JSON.parse(train.stdout);
    assert.deepEqual([report.data.trainSamples, report.data.testSamples], [4, 2]);
    const predict = await runCli(["predict", "--model", model, "--data", data, "--out", out]);
    assert.equal(predict.code, 0, predict.stderr);
    assert.equal((await Deno.readTextFile(out)).trimEnd().split("\n").length, 1 + 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
