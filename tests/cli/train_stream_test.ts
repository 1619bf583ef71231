import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

async function csvFile(): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const lines = ["a,b,label"];
  for (let i = 0; i < 400; i++) {
    const a = Math.sin(i * 1.3), b = Math.cos(i * 0.7);
    lines.push(`${a},${b},${a + 0.3 * b > 0 ? "pos" : "neg"}`);
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  return file;
}

Deno.test("lrc train --stream trains from the file and evaluates on every 4th row", async () => {
  const file = await csvFile();
  try {
    const { code, stdout } = await runCli([
      "train",
      "--data",
      file,
      "--stream",
      "--optimizer",
      "sgd",
      "--epochs",
      "5",
      "--json",
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.data.testSamples, 100);
    assert.equal(report.data.trainSamples, 300);
    assert.ok(report.test.accuracy > 0.9, `test accuracy ${report.test.accuracy}`);
    assert.equal(report.test.rocAuc, null);
    assert.match(report.training.stopReason, /streamed/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream with lbfgs or without --data is a usage error", async () => {
  const file = await csvFile();
  try {
    const a = await runCli(["train", "--data", file, "--stream"]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /use --optimizer sgd or adam/);
    const b = await runCli(["train", "--stream", "--optimizer", "sgd"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--stream needs --data/);
  } finally {
    await Deno.remove(file);
  }
});
