/**
 * The pinned reference models of the benchmarks (`tests/bench/_reference.ts`): committed files
 * every README benchmark table came from. Checked here against the optimality condition of the
 * objective they were trained for, an oracle independent of the training code: the gradient of
 * the mean log loss plus (lambda / 2) |W|^2 vanishes at the optimum, and L-BFGS stopped when its
 * largest component was at most the tolerance.
 */
import assert from "node:assert/strict";
import { hasFashionMnist, loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";
import {
  codeFingerprint,
  pinnedReferencePath,
  REFERENCE_SETTINGS,
  referenceModel,
  referencePath,
  validationSplit,
} from "./_reference.ts";
import type { Dataset } from "../../lib/data/dataset.ts";

const present = hasFashionMnist();
const skip = present
  ? ""
  : " (skipped: Fashion-MNIST is absent; apt-get install dataset-fashion-mnist)";

function largestGradient(
  train: Dataset,
  model: Awaited<ReturnType<typeof referenceModel>>["model"],
) {
  const n = train.x.rows, k = model.weights.rows, lambda = REFERENCE_SETTINGS.lambda;
  const gw = new Float64Array(model.weights.data.length), gb = new Float64Array(k);
  accumulateLoss(
    train.x,
    train.y,
    null,
    0,
    n,
    model.weights.data,
    model.bias,
    model.link,
    gw,
    gb,
    new Float64Array(k),
  );
  let largest = 0;
  gw.forEach((g, i) =>
    largest = Math.max(largest, Math.abs(g / n + lambda * model.weights.data[i]))
  );
  gb.forEach((g) => largest = Math.max(largest, Math.abs(g / n)));
  return largest;
}

Deno.test({
  name: `the pinned reference models meet the training tolerance on their data${skip}`,
  ignore: !present,
  fn: async () => {
    const train = await loadFashionMnist("train");
    for (const data of [train, validationSplit(train).fitData]) {
      const path = pinnedReferencePath(data);
      assert.ok(path !== null, `no pinned model for ${data.x.rows} images`);
      const r = await referenceModel(data, { log: () => {} });
      assert.equal(r.source, "pinned");
      assert.equal(r.path, path);
      // float64 sums in another order than training's: a little slack on the tolerance.
      const g = largestGradient(data, r.model);
      assert.ok(g <= 1.1 * REFERENCE_SETTINGS.tolerance, `${data.x.rows} images: ${g}`);
      assert.ok(g > 0);
    }
  },
});

Deno.test("a retrained reference is cached under a key that names the training code", () => {
  const data = {
    x: { data: new Float32Array(4), rows: 2, cols: 2 },
    y: Int32Array.of(0, 1),
    classes: ["a", "b"],
    featureNames: ["u", "v"],
  };
  assert.equal(pinnedReferencePath(data), null);
  const path = referencePath(data);
  assert.ok(path.includes("/tests/artifacts/"), path);
  assert.ok(path.endsWith(`_${codeFingerprint()}.json`), path);
  assert.match(codeFingerprint(), /^code-[0-9a-f]{8}$/);
  assert.notEqual(codeFingerprint(["core"]), codeFingerprint(["core", "model"]));
});

Deno.test("the code fingerprint changes with any file's content or name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-fingerprint-" });
  try {
    await Deno.mkdir(`${dir}/model/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/model/a.ts`, "export const a = 1;\n");
    await Deno.writeTextFile(`${dir}/model/sub/b.ts`, "export const b = 2;\n");
    const root = new URL(`file://${dir}/`);
    const first = codeFingerprint(["model"], root);
    assert.equal(codeFingerprint(["model"], root), first);
    await Deno.writeTextFile(`${dir}/model/sub/b.ts`, "export const b = 3;\n");
    const edited = codeFingerprint(["model"], root);
    assert.notEqual(edited, first);
    await Deno.rename(`${dir}/model/sub/b.ts`, `${dir}/model/sub/c.ts`);
    assert.notEqual(codeFingerprint(["model"], root), edited);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
