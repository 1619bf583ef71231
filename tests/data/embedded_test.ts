import assert from "node:assert/strict";
import { EMBEDDED_DATASETS, loadEmbedded } from "../../lib/data/embedded.ts";
import { pythonWithSklearn } from "../_helpers/python.ts";

const python = await pythonWithSklearn();

/** The embedded sets as scikit-learn itself loads them: rows, each row's label, feature names. */
async function sklearnData(): Promise<
  Record<string, { data: number[][]; labels: string[]; featureNames: string[] }>
> {
  const code = `
import json
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
def dump(d):
    return {"data": d.data.tolist(), "labels": [str(d.target_names[t]) for t in d.target], "featureNames": [str(f) for f in d.feature_names]}
print(json.dumps({"breast-cancer": dump(load_breast_cancer()), "digits": dump(load_digits()),
                  "iris": dump(load_iris()), "wine": dump(load_wine())}))`;
  const out = await new Deno.Command(python!, { args: ["-c", code], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

for (const name of Object.keys(EMBEDDED_DATASETS) as (keyof typeof EMBEDDED_DATASETS)[]) {
  Deno.test({
    name: `embedded ${name} equals scikit-learn's copy row by row, labels and feature names${
      python ? "" : " (skipped: no /usr/bin/python3 with scikit-learn)"
    }`,
    ignore: !python,
    async fn() {
      // Mutation audit: the test compared class counts and column sums only, so two rows'
      // labels swapped, two rows swapped, or two feature names swapped (or the digits' pixel
      // names transposed) in the CSV all passed.
      const ref = (await sklearnData())[name];
      const d = await loadEmbedded(name);
      assert.deepEqual([d.x.rows, d.x.cols], [ref.data.length, ref.data[0].length]);
      assert.deepEqual(d.featureNames, ref.featureNames);
      for (let i = 0; i < d.x.rows; i++) {
        const row = [...d.x.data.subarray(i * d.x.cols, (i + 1) * d.x.cols)];
        // The CSV holds the values as Python printed them, which read back exactly.
        assert.deepEqual([row, d.classes[d.y[i]]], [ref.data[i], ref.labels[i]], `row ${i}`);
      }
    },
  });
}

Deno.test("embedded sets have the documented shapes and labels", async () => {
  const b = await loadEmbedded("breast-cancer");
  assert.deepEqual([b.x.rows, b.x.cols, b.classes], [569, 30, ["benign", "malignant"]]);
  const d = await loadEmbedded("digits");
  assert.deepEqual([d.x.rows, d.x.cols, d.classes.length], [1797, 64, 10]);
  assert.equal(d.featureNames[9], "pixel_1_1");
  const i = await loadEmbedded("iris");
  assert.deepEqual([i.x.rows, i.x.cols, i.classes], [150, 4, [
    "setosa",
    "versicolor",
    "virginica",
  ]]);
  const w = await loadEmbedded("wine");
  assert.deepEqual([w.x.rows, w.x.cols, w.classes], [178, 13, ["class_0", "class_1", "class_2"]]);
});

Deno.test("an unknown embedded name is refused", async () => {
  await assert.rejects(() => loadEmbedded("mnist" as "digits"), RangeError);
});

Deno.test("names an object inherits (toString, __proto__, constructor) are unknown data sets", async () => {
  // EMBEDDED_DATASETS["toString"] is Object.prototype.toString: without the own-key check the
  // loader looked for a file named 'undefined' and failed as a missing file, not as a name.
  for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty", "mnist"]) {
    await assert.rejects(() => loadEmbedded(name as "digits"), (e: Error) => {
      assert.ok(e instanceof RangeError, `${name}: ${e.name}: ${e.message}`);
      assert.equal(
        e.message,
        `Cannot load data set '${name}': known are breast-cancer, digits, iris, wine`,
      );
      return true;
    });
  }
});

Deno.test("each embedded set's description states the shape and class count it loads", async () => {
  // Mutation audit: a description with another feature count passed every test.
  for (const [name, entry] of Object.entries(EMBEDDED_DATASETS)) {
    const d = await loadEmbedded(name as keyof typeof EMBEDDED_DATASETS);
    assert.match(
      entry.description,
      new RegExp(`: ${d.x.rows} samples, ${d.x.cols} features, ${d.classes.length} classes$`),
      name,
    );
  }
});
