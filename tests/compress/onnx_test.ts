import assert from "node:assert/strict";
import { compressModel, type CompressOptions } from "../../lib/compress/mod.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { FAST, splitSet } from "./_data.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (skipped: ${problem})` : "";

/** Label agreement and the largest probability difference between onnxruntime and lrcompress. */
async function compare(
  model: StoredModel,
  x: Matrix,
): Promise<{ agreement: number; maxDiff: number }> {
  const out = await runOnnx(exportOnnx(model), x);
  const float = asFloatModel(model);
  const expected = predictLabels(float, x);
  const labels = out.label.data as string[];
  let same = 0;
  for (let i = 0; i < x.rows; i++) if (labels[i] === expected[i]) same++;
  const p = predictProba(float, x).data;
  const q = out.probabilities.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - q[i]));
  return { agreement: same / x.rows, maxDiff };
}

Deno.test({
  name: `every form the pipeline produces runs in onnxruntime with the same predictions${skip}`,
  ignore: problem !== null,
  async fn() {
    const digits = await splitSet("digits");
    const cancer = await splitSet("breast-cancer");
    const cases: [string, Awaited<ReturnType<typeof splitSet>>, CompressOptions & object][] = [
      ["digits, pruned + QAT 4-bit, auto preprocessing", digits, {}],
      [
        "digits, features pruned + k-means, compact preprocessing",
        digits,
        {
          prune: { structure: "features", fraction: 0.4 },
          quantize: { method: { kind: "kmeans", bits: 3 } },
        },
      ],
      [
        "digits, obd pruned, float32",
        digits,
        { prune: { strategy: "obd", fraction: 0.8 }, quantize: false },
      ],
      [
        "digits, log2 per feature, folded",
        digits,
        { prune: false, quantize: { method: { kind: "log2", bits: 3, granularity: "feature" } } },
      ],
      [
        "breast cancer (sigmoid), affine 2-bit QAT",
        cancer,
        {
          prune: { fraction: 0.3 },
          quantize: { method: { kind: "uniform", scheme: "affine", bits: 2 }, training: "qat" },
        },
      ],
    ];
    const storages = ["auto", "compact", "fold", "keep"] as const;
    for (const [name, set, steps] of cases) {
      for (const preprocessingStorage of storages) {
        const r = compressModel(set.train, { ...FAST, ...steps, preprocessingStorage });
        const { agreement, maxDiff } = await compare(r.model, set.test.x);
        assert.ok(agreement >= 0.999, `${name}, ${preprocessingStorage}: agreement ${agreement}`);
        assert.ok(maxDiff <= 2e-5, `${name}, ${preprocessingStorage}: probabilities ${maxDiff}`);
      }
    }
  },
});
