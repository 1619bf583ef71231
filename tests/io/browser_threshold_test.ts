import assert from "node:assert/strict";
import * as lite from "../../lib/browser_lite.ts";
import * as full from "../../lib/browser.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

// score = x - 1 (one feature): P(yes) = sigmoid(x - 1), so P(yes) > t iff x > 1 + logit(t).
const model: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
  bias: Float64Array.from([-1]),
  classes: ["no", "yes"],
  featureNames: ["x"],
  preprocessing: { kind: "none" },
};
const xs = [-2, -0.5, 0.5, 1.5, 2.5, 3.5];
const x = { data: Float32Array.from(xs), rows: xs.length, cols: 1 };

/** The labels by hand: yes iff sigmoid(x - 1) > t. */
const byHand = (t: number) => xs.map((v) => (1 / (1 + Math.exp(1 - v)) > t ? "yes" : "no"));

Deno.test("the browser entries label a decoded file's rows at its threshold", () => {
  for (const t of [0.1, 0.9]) {
    const file = encodeModel(withThreshold(model, t));
    const qfile = encodeModel(withThreshold(quantizeModel(model), t));
    assert.notDeepEqual(byHand(t), byHand(0.5));
    for (const entry of [lite, full]) {
      const decoded = entry.decodeModel(file);
      const float = entry.asFloatModel(decoded);
      assert.deepEqual(entry.predictLabels(float, x), byHand(t));
      using predictor = entry.preparePredictor(float, { backend: "ts" });
      assert.deepEqual([...predictor.predict(x)], byHand(t).map((l) => (l === "yes" ? 1 : 0)));
      const q = entry.decodeModel(qfile);
      assert.equal(q.kind, "quantized-logistic-regression");
      if (q.kind !== "quantized-logistic-regression") continue;
      const want = byHand(t).map((l) => (l === "yes" ? 1 : 0));
      assert.deepEqual([...entry.quantizedPredict(q, x, { backend: "ts" })], want);
      using qp = entry.prepareQuantizedPredictor(q, { backend: "ts" });
      assert.deepEqual([...qp.predict(x)], want);
    }
  }
});
