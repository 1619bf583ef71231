import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { predict } from "../../lib/model/predict.ts";
import { timestampModel } from "./_timestamps.ts";

const problem = await onnxRuntimeProblem();

Deno.test("lrc export warns when the graph's float32 input rounds a feature by a share of its spread", async () => {
  // Timestamps near 1.7e9 are 128 apart in float32 and spread about 29 here: the exported graph
  // cannot tell the rows apart, and export wrote it without a word (lrc predict warned; found by
  // the CLI review).
  const dir = await Deno.makeTempDir({ prefix: "lrc-export-" });
  try {
    // The warning's ratio: half a float32 step at the mean (64 near 1.7e9), in standard
    // deviations.
    const { model, ratio } = await timestampModel(dir);
    assert.ok(ratio > 1, `${ratio}`);
    for (const preprocessing of ["fold", "nodes"]) {
      const out = `${dir}/ts_${preprocessing}.onnx`;
      const r = await runCli([
        ...["export", "--model", `${dir}/ts.json`, "--out", out],
        ...["--preprocessing", preprocessing, "--json"],
      ]);
      assert.equal(r.code, 0, r.stderr);
      const warnings: string[] = JSON.parse(r.stdout).warnings;
      assert.equal(warnings.length, 1, preprocessing);
      assert.match(
        warnings[0],
        new RegExp(
          `^the ONNX graph takes float32 inputs, which round feature 't' \\(mean .*\\) by up to ` +
            `${ratio.toPrecision(2)} standard deviations`,
        ),
      );
      if (problem !== null) continue;
      // What it warns of, measured in onnxruntime: the graph's labels are not the model's.
      const data = await readCsv(`${dir}/ts.csv`);
      const run = await runOnnx(await Deno.readFile(out), data.x);
      const probabilities = run.probabilities.data as ArrayLike<number>;
      const expected = predict(model, data.x);
      let differ = 0;
      for (let i = 0; i < data.x.rows; i++) {
        const label = probabilities[2 * i + 1] > probabilities[2 * i] ? 1 : 0;
        if (label !== expected[i]) differ++;
      }
      assert.ok(differ > 0, `${preprocessing}: the graph agrees with the model on every row`);
    }
    // A model of centred features rounds nothing worth a word.
    const digits = await runCli(["export", "--out", `${dir}/d.onnx`, "--quiet", "--json"]);
    assert.equal(digits.code, 0, digits.stderr);
    assert.deepEqual(JSON.parse(digits.stdout).warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
