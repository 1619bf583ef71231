/**
 * `lrc compress --model` of a model with a decision threshold: the threshold stays in every model
 * (the written one included), the output says it is in force, and that it was chosen for the
 * dense model's scores, which compression changes: to be chosen again with `lrc threshold` on
 * validation data. A model without one gets no word of it.
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadModel, saveModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { plotlyScript } from "../../lib/plot/html.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

const T = 0.8125;

/** 200 rows of two overlapping classes, a feature of noise. */
function dataSet() {
  const x = new Float64Array(400), y = new Int32Array(200), lines = ["a,b,y"];
  for (let i = 0; i < 200; i++) {
    y[i] = i % 3 === 0 ? 1 : 0;
    x[2 * i] = Math.fround(y[i] * 1.2 + (((i * 7919) % 101) / 40 - 1.25));
    x[2 * i + 1] = Math.fround(((i * 104729) % 97) / 50);
    lines.push(`${x[2 * i]},${x[2 * i + 1]},${y[i] ? "pos" : "neg"}`);
  }
  return { x: { data: x, rows: 200, cols: 2 }, y, csv: lines.join("\n") + "\n" };
}

/** The report's paragraphs, as text (no character references are written by these sentences). */
async function paragraphs(path: string): Promise<string[]> {
  const html = (await Deno.readTextFile(path)).replace(await plotlyScript(), "");
  return [...html.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => m[1].replaceAll("&#39;", "'"));
}

Deno.test("lrc compress --model keeps a decision threshold, says it is in force and to choose it again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-t-" });
  try {
    const { x, y, csv } = dataSet();
    await Deno.writeTextFile(`${dir}/d.csv`, csv);
    const model = fit(x, y, { classes: ["neg", "pos"], featureNames: ["a", "b"] }).model;
    await saveModel(`${dir}/plain.lrc`, model);
    await saveModel(`${dir}/t.lrc`, withThreshold(model, T));
    const run = async (file: string, extra: string[]) => {
      const r = await runCli([
        ...["compress", "--model", `${dir}/${file}.lrc`, "--data", `${dir}/d.csv`, "--quiet"],
        ...["--fine-tune-steps", "20", "--out", `${dir}/${file}-out.lrc`],
        ...["--report", `${dir}/${file}.html`, ...extra],
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const text = await run("t", []);
    const notes = text.split("\n").filter((l) => l.includes("decision threshold"));
    assert.equal(notes.length, 1, text);
    assert.ok(notes[0].startsWith("note      decision threshold 0.8125 "), notes[0]);
    assert.ok(notes[0].includes("the labels and accuracies here are at it"), notes[0]);
    assert.ok(
      notes[0].includes(`lrc threshold --model ${dir}/t-out.lrc --data VALID.csv --target`),
      notes[0],
    );
    // The note comes before the tables whose accuracies it speaks of.
    assert.ok(text.indexOf(notes[0]) < text.indexOf("stage "), text);
    assert.equal((await loadModel(`${dir}/t-out.lrc`)).threshold, T);
    const report = await paragraphs(`${dir}/t.html`);
    assert.equal(report.filter((p) => p.includes("decision threshold 0.8125")).length, 1);
    const json = JSON.parse(await run("t", ["--json"]));
    assert.equal(json.dense.threshold, T);

    // Without a threshold: no word of one, and null in JSON.
    const plain = await run("plain", []);
    assert.ok(!plain.includes("threshold"), plain);
    assert.ok((await paragraphs(`${dir}/plain.html`)).every((p) => !p.includes("threshold")));
    assert.equal(JSON.parse(await run("plain", ["--json"])).dense.threshold, null);
    assert.equal((await loadModel(`${dir}/plain-out.lrc`)).threshold, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
