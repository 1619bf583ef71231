/**
 * `lrc prune --model` and `lrc quantize --model` of a model with a decision threshold: their test
 * accuracies count labels at it (against `p > t` from `predictProba` on the command's test split),
 * the saved model keeps it, and a note says it is in force and to choose it again for the model
 * made (whose scores differ); `--json` gives it (`threshold`, null without one).
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { loadModel, saveModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

const T = 0.8125;

/** 200 rows of two overlapping classes, a feature of noise. */
function csv(): string {
  const lines = ["a,b,y"];
  for (let i = 0; i < 200; i++) {
    const y = i % 3 === 0 ? 1 : 0;
    const a = Math.fround(y * 1.2 + (((i * 7919) % 101) / 40 - 1.25));
    lines.push(`${a},${Math.fround(((i * 104729) % 97) / 50)},${y ? "pos" : "neg"}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("lrc prune and quantize --model count accuracy at a model's threshold, keep it and say so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-prune-quantize-t-" });
  try {
    await Deno.writeTextFile(`${dir}/d.csv`, csv());
    const d = await readCsv(`${dir}/d.csv`);
    const model = fit(d.x, d.y, { classes: d.classes, featureNames: d.featureNames }).model;
    await saveModel(`${dir}/plain.lrc`, model);
    await saveModel(`${dir}/t.lrc`, withThreshold(model, T));
    // The commands' split (--test-fraction 0.25, --seed 0), and the accuracy of p > t on it.
    const split = trainTestSplit(d.x, d.y, { testFraction: 0.25, seed: 0 });
    const p = predictProba(model, split.xTest);
    const accuracyAt = (t: number) =>
      split.yTest.filter((y, i) => (p.data[2 * i + 1] > t ? 1 : 0) === y).length /
      split.yTest.length;
    assert.notEqual(accuracyAt(T), accuracyAt(0.5), "the data cannot tell the thresholds apart");
    const commands = {
      prune: ["--sparsity", "0.5"],
      quantize: ["--bits", "4"],
    } as const;
    for (const [command, extra] of Object.entries(commands)) {
      const run = async (file: string, more: string[]) => {
        const r = await runCli([
          ...[command, "--model", `${dir}/${file}.lrc`, "--data", `${dir}/d.csv`, "--quiet"],
          ...["--save", `${dir}/${command}-${file}.lrc`, ...extra, ...more],
        ]);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout;
      };
      const text = await run("t", []);
      const notes = text.split("\n").filter((l) => l.includes("decision threshold"));
      assert.equal(notes.length, 1, text);
      assert.ok(notes[0].startsWith("note      decision threshold 0.8125 "), notes[0]);
      assert.ok(notes[0].includes("the labels and accuracies here are at it"), notes[0]);
      assert.ok(notes[0].includes(command === "prune" ? "pruning changes" : "quantization"));
      assert.ok(
        notes[0].includes(`lrc threshold --model ${dir}/${command}-t.lrc --data VALID.csv`),
        notes[0],
      );
      assert.equal((await loadModel(`${dir}/${command}-t.lrc`)).threshold, T);
      const json = JSON.parse(await run("t", ["--json"]));
      assert.equal(json.threshold, T);
      const dense = command === "prune" ? json.accuracy.dense : json.test.floatAccuracy;
      assert.equal(dense, accuracyAt(T));

      const plain = await run("plain", []);
      assert.ok(!plain.includes("threshold"), plain);
      const plainJson = JSON.parse(await run("plain", ["--json"]));
      assert.equal(plainJson.threshold, null);
      assert.equal(
        command === "prune" ? plainJson.accuracy.dense : plainJson.test.floatAccuracy,
        accuracyAt(0.5),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
