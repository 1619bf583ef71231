/**
 * `lrc predict --weight-column` on labelled data: the metrics weighted by the column beside the
 * unweighted ones (text and `--json`), batch by batch as `evaluate`'s `sampleWeight` weighs them
 * (itself tested against scikit-learn), integer weights as the rows repeated, and the refusals.
 *
 * @module
 */

import assert from "node:assert/strict";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose, runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_predict_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const base = {
  kind: "logistic-regression",
  version: 1,
  featureNames: ["a", "b"],
  preprocessing: { kind: "none" },
} as const;
const sigmoid: LogisticModel = {
  ...base,
  classes: ["neg", "pos"],
  link: "sigmoid",
  weights: { data: Float64Array.of(1.5, -0.75), rows: 1, cols: 2 },
  bias: Float64Array.of(0.25),
};
const softmax: LogisticModel = {
  ...base,
  classes: ["x", "y", "z"],
  link: "softmax",
  weights: { data: Float64Array.of(1, -0.5, -1, 1.5, 0.25, -1), rows: 3, cols: 2 },
  bias: Float64Array.of(0.1, -0.2, 0.3),
};

// 150 rows from an independent generator; the last 30 repeat the first 30 (tied scores), the
// weights in [0, 3) with some 0, the labels noisy, so that weighing moves every metric.
let s = 99;
const r = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 2 ** 32;
};
const n = 150;
const a: number[] = [], b: number[] = [], w: number[] = [], y2: number[] = [], y3: number[] = [];
for (let i = 0; i < n; i++) {
  const j = i >= 120 ? i - 120 : i;
  a.push(j === i ? Number((4 * r() - 2).toFixed(3)) : a[j]);
  b.push(j === i ? Number((4 * r() - 2).toFixed(3)) : b[j]);
  w.push(i % 13 === 4 ? 0 : Number((3 * r()).toFixed(3)));
  y2.push(r() < 0.5 ? 0 : 1);
  y3.push(Math.floor(3 * r()));
}
const x = { data: Float64Array.from(a.flatMap((v, i) => [v, b[i]])), rows: n, cols: 2 };

async function write(name: string, model: LogisticModel, y: number[], weights: number[]) {
  const lines = ["a,w,b,label"];
  for (let i = 0; i < n; i++) lines.push(`${a[i]},${weights[i]},${b[i]},${model.classes[y[i]]}`);
  const data = `${dir}/${name}.csv`, save = `${dir}/${name}.json`;
  await Deno.writeTextFile(data, lines.join("\n") + "\n");
  await Deno.writeTextFile(save, modelToJson(model));
  return { data, save };
}

Deno.test("lrc predict --weight-column prints and reports the metrics weighted by the column, as evaluate's sampleWeight", async () => {
  for (const [model, y] of [[sigmoid, y2], [softmax, y3]] as const) {
    const { data, save } = await write(model.link, model, y, w);
    const labels = Int32Array.from(y);
    const want = evaluate(model, x, labels, { sampleWeight: w });
    const plain = evaluate(model, x, labels);
    // Batches of 16 rows: the sums and the ranking run across batches.
    const argv = ["predict", "--model", save, "--data", data, "--weight-column", "w"];
    const json = await runCli([...argv, "--batch-rows", "16", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    const what = model.link;
    assert.equal(report.weightColumn, "w");
    const got = report.weightedMetrics;
    let sum = 0;
    for (const v of w) sum += v;
    assertClose(got.weightSum, sum, { rtol: 1e-12, message: `${what} weightSum` });
    for (const key of ["accuracy", "balancedAccuracy", "logLoss", "macroF1"] as const) {
      // predict scores with the float32 kernel: the log loss to float32 rounding.
      const rtol = key === "logLoss" ? 1e-6 : 1e-12;
      assertClose(got[key], want[key], { rtol, message: `${what} ${key}` });
      assert.notEqual(got[key], plain[key], `${what} ${key} is weighted`);
      // The unweighted metrics are still there, unweighted.
      assertClose(report.metrics[key], plain[key], { rtol, message: `${what} ${key}` });
    }
    assertClose(got.confusion.flat(), want.confusion.flat(), { rtol: 1e-12 });
    assert.deepEqual(report.metrics.confusion, plain.confusion);
    if (want.rocAuc === null) assert.equal(got.rocAuc, null, what);
    else {
      assertClose(got.rocAuc, want.rocAuc, { rtol: 1e-12, message: `${what} ROC AUC` });
      assert.notEqual(got.rocAuc, plain.rocAuc);
    }
    // The text: the weighted line under the unweighted one, labelled with the column.
    const text = await runCli([...argv, "--quiet"]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("metrics   "));
    assert.equal(
      lines[at + 1],
      `weighted  by "w" (total weight ${Number(sum.toPrecision(6))}): accuracy ${
        (100 * want.accuracy).toFixed(2)
      } %, balanced accuracy ${(100 * want.balancedAccuracy).toFixed(2)} %, log loss ${
        want.logLoss.toFixed(4)
      }, macro F1 ${want.macroF1.toFixed(4)}, ROC AUC ${
        want.rocAuc === null ? "-" : want.rocAuc.toFixed(4)
      }`,
    );
  }
});

Deno.test("lrc predict --weight-column: integer weights give the metrics of the rows repeated", async () => {
  // The oracle is predict itself without weights on a file holding each row w times: exact for
  // the counts and what is read from them, the log loss to the order of its sums.
  const ints = w.map((_, i) => (i * 7) % 4); // 0..3
  const { data, save } = await write("ints", sigmoid, y2, ints);
  const lines = ["a,b,label"];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < ints[i]; k++) lines.push(`${a[i]},${b[i]},${sigmoid.classes[y2[i]]}`);
  }
  const repeated = `${dir}/repeated.csv`;
  await Deno.writeTextFile(repeated, lines.join("\n") + "\n");
  const weighted = await runCli([
    ...["predict", "--model", save, "--data", data, "--weight-column", "w", "--json"],
    ...["--batch-rows", "7"],
  ]);
  const plain = await runCli(["predict", "--model", save, "--data", repeated, "--json"]);
  assert.equal(weighted.code, 0, weighted.stderr);
  assert.equal(plain.code, 0, plain.stderr);
  const got = JSON.parse(weighted.stdout).weightedMetrics, want = JSON.parse(plain.stdout).metrics;
  assert.equal(got.weightSum, lines.length - 1);
  for (const key of ["accuracy", "balancedAccuracy", "macroF1", "rocAuc", "confusion"]) {
    assert.deepEqual(got[key], want[key], key);
  }
  assertClose(got.logLoss, want.logLoss, { rtol: 1e-13 });
});

Deno.test("lrc predict --weight-column: negative or non-numeric weights are refused by line; all 0 is said; no weights without labels or the option", async () => {
  const bad = (i: number, v: string) => w.map((x, j) => j === i ? v : String(x));
  const negative = await write("negative", sigmoid, y2, bad(40, "-0.5") as unknown as number[]);
  const r = await runCli(["predict", "--model", negative.save, "--data", negative.data, ...[
    "--weight-column",
    "w",
  ]]);
  assert.equal(r.code, 1);
  assert.ok(
    r.stderr.includes(
      `Cannot use column "w" of '${negative.data}' as row weights (--weight-column): line 42 ` +
        "holds -0.5; weights must be finite numbers >= 0",
    ),
    r.stderr,
  );
  const text = await write("text", sigmoid, y2, bad(9, "heavy") as unknown as number[]);
  const t = await runCli(["predict", "--model", text.save, "--data", text.data, ...[
    "--weight-column",
    "w",
  ]]);
  assert.equal(t.code, 1);
  assert.ok(t.stderr.includes('line 11, column 2 ("w")'), t.stderr);
  // Weights whose sum overflows float64 are refused at the line where it does, before the
  // output file is written.
  const huge = await write(
    "huge",
    sigmoid,
    y2,
    bad(40, "1e308").map((v, i) => i === 41 ? "1e308" : v) as unknown as number[],
  );
  const hugeOut = `${dir}/huge_out.csv`;
  const h = await runCli(["predict", "--model", huge.save, "--data", huge.data, ...[
    ...["--weight-column", "w", "--out", hugeOut],
  ]]);
  assert.equal(h.code, 1);
  assert.ok(
    h.stderr.includes(
      `Cannot use column "w" of '${huge.data}' as row weights (--weight-column): they sum to ` +
        "Infinity by line 43, beyond float64; scale them down (only their ratios matter)",
    ),
    h.stderr,
  );
  await assert.rejects(() => Deno.stat(hugeOut), Deno.errors.NotFound);
  // Without a label column the weights are not read (the column may hold anything).
  const out = `${dir}/out.csv`;
  const unlabelled = await runCli([
    ...["predict", "--model", text.save, "--data", text.data, "--weight-column", "w"],
    ...["--no-label", "--out", out, "--json"],
  ]);
  assert.equal(unlabelled.code, 0, unlabelled.stderr);
  assert.equal(JSON.parse(unlabelled.stdout).weightedMetrics, null);
  assert.equal(JSON.parse(unlabelled.stdout).weightColumn, null);
  // Every row weighing 0: no weighted figure, and the line says why.
  const zeros = await write("zeros", sigmoid, y2, w.map(() => 0));
  const z = await runCli(["predict", "--model", zeros.save, "--data", zeros.data, ...[
    "--weight-column",
    "w",
  ]]);
  assert.equal(z.code, 0, z.stderr);
  assert.ok(
    z.stdout.includes('weighted  by "w" (total weight 0): not measured, every row weighs 0'),
    z.stdout,
  );
  // Without the option the report says so.
  const none = await runCli([
    ...["predict", "--model", zeros.save, "--data", zeros.data, "--label", "label", "--json"],
  ]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(JSON.parse(none.stdout).weightedMetrics, null);
  assert.equal(JSON.parse(none.stdout).weightColumn, null);
});
