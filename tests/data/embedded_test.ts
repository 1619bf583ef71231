import assert from "node:assert/strict";
import { EMBEDDED_DATASETS, loadEmbedded } from "../../lib/data/embedded.ts";
import { pythonWithSklearn } from "../_helpers/python.ts";

const python = await pythonWithSklearn();

/** Shapes, class counts and column sums of the embedded sets computed by scikit-learn itself. */
async function sklearnSummary(): Promise<
  Record<string, { shape: number[]; counts: number[]; sums: number[] }>
> {
  const code = `
import json
from sklearn.datasets import load_breast_cancer, load_digits
import numpy as np
b, d = load_breast_cancer(), load_digits()
# lrcompress orders the breast-cancer labels by name: benign (sklearn 1) before malignant (0).
print(json.dumps({
  "breast-cancer": {"shape": list(b.data.shape), "counts": [int((b.target == 1).sum()), int((b.target == 0).sum())], "sums": b.data.sum(axis=0).tolist()},
  "digits": {"shape": list(d.data.shape), "counts": np.bincount(d.target).tolist(), "sums": d.data.sum(axis=0).tolist()},
}))`;
  const out = await new Deno.Command(python!, { args: ["-c", code], stdout: "piped" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

for (const name of Object.keys(EMBEDDED_DATASETS) as (keyof typeof EMBEDDED_DATASETS)[]) {
  Deno.test({
    name: `embedded ${name} equals scikit-learn's copy${
      python ? "" : " (skipped: no /usr/bin/python3 with scikit-learn)"
    }`,
    ignore: !python,
    async fn() {
      const ref = (await sklearnSummary())[name];
      const d = await loadEmbedded(name);
      assert.deepEqual([d.x.rows, d.x.cols], ref.shape);
      const counts = new Array(d.classes.length).fill(0);
      for (const c of d.y) counts[c]++;
      assert.deepEqual(counts, ref.counts);
      for (let j = 0; j < d.x.cols; j++) {
        let s = 0;
        for (let i = 0; i < d.x.rows; i++) s += d.x.data[i * d.x.cols + j];
        assert.ok(
          Math.abs(s - ref.sums[j]) <= 1e-9 * Math.max(1, Math.abs(ref.sums[j])),
          `column ${j}`,
        );
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
});

Deno.test("an unknown embedded name is refused", async () => {
  await assert.rejects(() => loadEmbedded("iris" as "digits"), RangeError);
});

Deno.test("names an object inherits (toString, __proto__, constructor) are unknown data sets", async () => {
  // EMBEDDED_DATASETS["toString"] is Object.prototype.toString: without the own-key check the
  // loader looked for a file named 'undefined' and failed as a missing file, not as a name.
  for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty", "iris"]) {
    await assert.rejects(() => loadEmbedded(name as "digits"), (e: Error) => {
      assert.ok(e instanceof RangeError, `${name}: ${e.name}: ${e.message}`);
      assert.equal(e.message, `Cannot load data set '${name}': known are breast-cancer, digits`);
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
