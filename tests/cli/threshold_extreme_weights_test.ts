/**
 * `lrc threshold --weight-column` with weights near the ends of float64: the metrics of the
 * current and new threshold are those of equal weights (only the weights' ratios matter), balanced
 * accuracy among them. Unscaled, its product of class totals overflowed (1e160) or underflowed
 * (1e-170) to NaN, printed as `null`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { saveModel } from "../../lib/io/model_file.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_threshold_extreme_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
// Score x - 0.25 (sigmoid): at threshold 0.5 the rows with x > 0.25 are "pos".
const model: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  classes: ["neg", "pos"],
  featureNames: ["x"],
  weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
  bias: Float64Array.from([-0.25]),
  preprocessing: { kind: "none" },
};
await saveModel(`${dir}/m.lrc`, model);
// x and labels: the positives are 0.5, 1, 2, -1 (one below 0.25); the negatives -2, -0.5, 0,
// 1.5 (one above). At threshold 0.5: tp 3, fn 1, tn 3, fp 1.
const rows: [number, string][] = [
  [0.5, "pos"],
  [1, "pos"],
  [2, "pos"],
  [-1, "pos"],
  [-2, "neg"],
  [-0.5, "neg"],
  [0, "neg"],
  [1.5, "neg"],
];
// Closed forms at threshold 0.5: recall 3/4, false-positive rate 1/4, balanced accuracy 3/4.
const want = { recall: 0.75, fpr: 0.25, balancedAccuracy: 0.75, accuracy: 0.75 };

for (const weight of ["1", "1e160", "1e-170"]) {
  Deno.test(`lrc threshold --weight-column: every row weighing ${weight} gives the unweighted metrics`, async () => {
    const file = `${dir}/w_${weight}.csv`;
    await Deno.writeTextFile(
      file,
      ["x,w,label", ...rows.map(([x, label]) => `${x},${weight},${label}`)].join("\n") + "\n",
    );
    const r = await runCli([
      ...["threshold", "--model", `${dir}/m.lrc`, "--data", file],
      ...["--weight-column", "w", "--set", "0.5", "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const part of ["current", "chosen"]) {
      for (const [key, value] of Object.entries(want)) {
        assert.ok(
          Math.abs(out[part][key] - value) < 1e-12,
          `${part} ${key}: ${out[part][key]}, want ${value}`,
        );
      }
    }
  });
}
