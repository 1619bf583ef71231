/**
 * `--label` and `--weight-column` (and the readers' `label` and `weightColumn`) name a column as
 * its header is read, trimmed: a header `a, b, y, w` names the columns "a", "b", "y" and "w", so
 * `--label " y"` copied from it can only mean "y". It was refused as "no column named " y"", the
 * columns listed beside it holding "y".
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseCsv, readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches } from "../../lib/data/csv_stream.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_trimmed_names_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
// Blanks after each comma of the header, as a hand-written file has them. Column y is the
// label (not last), w the weight, a and b the features; rows of both classes.
const rows = [[1, 2, 0, 1], [2, 1, 1, 1], [3, 0, 0, 2], [0, 3, 1, 1], [1, 1, 0, 1], [2, 2, 1, 3]];
const text = "a, b, y, w\n" + rows.map((r) => r.join(",")).join("\n") + "\n";
const file = `${dir}/spaced.csv`;
await Deno.writeTextFile(file, text);

Deno.test("the readers take a label or weight column named with blanks around it as the header's name", async () => {
  const labels = rows.map((r) => String(r[2]));
  for (const label of [" y", "y ", "  y  "]) {
    // In memory: y is the label, the other three the features (no weight column here).
    const d = parseCsv(text, { label });
    assert.deepEqual(d.featureNames, ["a", "b", "w"]);
    assert.deepEqual([...d.y].map((c) => d.classes[c]), labels);
    assert.deepEqual((await readCsv(file, { label })).featureNames, ["a", "b", "w"]);
    // Streamed, with the weight column named so too.
    const seen: string[] = [];
    const weights: number[] = [];
    for await (const b of readCsvBatches(file, { label, weightColumn: label.replace("y", "w") })) {
      assert.deepEqual(b.featureNames, ["a", "b"]);
      seen.push(...b.labels);
      weights.push(...b.weights!);
    }
    assert.deepEqual(seen, labels);
    assert.deepEqual(weights, rows.map((r) => r[3]));
  }
  // A name that is none after trimming is still refused, in the words given.
  assert.throws(() => parseCsv(text, { label: " z" }), {
    message: `Cannot read CSV '<csv>': no column named " z" (columns: ["a","b","y","w"])`,
  });
});

Deno.test("lrc train (in memory and streamed) and lrc predict take --label and --weight-column with blanks around them", async () => {
  for (const stream of [[], ["--stream", "--optimizer", "sgd"]]) {
    const out = `${dir}/m${stream.length}.lrc`;
    const r = await runCli([
      "train",
      "--data",
      file,
      "--label",
      " y",
      "--weight-column",
      "w ",
      "--test-fraction",
      "0.34",
      ...stream,
      "--save",
      out,
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const model = await loadModel(out);
    // a and b only: y is the label and w the weights, neither a feature.
    assert.deepEqual(model.featureNames, ["a", "b"]);
    assert.deepEqual(model.classes, ["0", "1"]);
    const p = await runCli(["predict", "--model", out, "--data", file, "--label", " y "]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout + p.stderr, /label column "y"/);
  }
});
