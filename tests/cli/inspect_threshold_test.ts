import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

const model: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  weights: { data: Float64Array.from([1, -2]), rows: 1, cols: 2 },
  bias: Float64Array.from([0.5]),
  classes: ["ham", "spam"],
  featureNames: ["a", "b"],
  preprocessing: { kind: "none" },
};

Deno.test("lrc inspect prints a model's decision threshold, and null or nothing without one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveModel(`${dir}/t.lrc`, withThreshold(model, 0.85));
    await saveModel(`${dir}/p.lrc`, model);
    const text = await runCli(["inspect", `${dir}/t.lrc`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^model {6}float sigmoid, 2 classes, 2 features, preprocessing none, decision threshold 0\.85$/m,
    );
    const json = await runCli(["inspect", `${dir}/t.lrc`, "--json"]);
    assert.equal(JSON.parse(json.stdout).threshold, 0.85);
    // The header part holds the section: 10 bytes more than the same model without it.
    const plain = JSON.parse((await runCli(["inspect", `${dir}/p.lrc`, "--json"])).stdout);
    assert.equal(plain.threshold, null);
    assert.equal(JSON.parse(json.stdout).parts.header, plain.parts.header + 10);
    const plainText = (await runCli(["inspect", `${dir}/p.lrc`])).stdout;
    assert.equal(plainText.includes("threshold"), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
