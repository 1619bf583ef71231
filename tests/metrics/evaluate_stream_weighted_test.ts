/**
 * `evaluateStream` with `weightColumn`: every metric weighted by the column as `evaluate`'s
 * `sampleWeight` weighs them (itself tested against scikit-learn), batch by batch; `weighted:
 * false` only leaves the column out; the refusals.
 *
 * @module
 */

import assert from "node:assert/strict";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { evaluateStream } from "../../lib/metrics/evaluate_stream.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_evaluate_stream_weighted_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const sigmoid: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  classes: ["neg", "pos"],
  featureNames: ["a", "b"],
  weights: { data: Float64Array.of(1.5, -0.75), rows: 1, cols: 2 },
  bias: Float64Array.of(0.25),
  preprocessing: { kind: "none" },
};
const softmax: LogisticModel = {
  ...sigmoid,
  classes: ["x", "y", "z"],
  link: "softmax",
  weights: { data: Float64Array.of(1, -0.5, -1, 1.5, 0.25, -1), rows: 3, cols: 2 },
  bias: Float64Array.of(0.1, -0.2, 0.3),
};

// 120 rows; the last 20 repeat the first 20 (tied scores); weights in [0, 3) with some 0.
let s = 5;
const r = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 2 ** 32;
};
const n = 120;
const a: number[] = [], b: number[] = [], w: number[] = [], y2: number[] = [], y3: number[] = [];
for (let i = 0; i < n; i++) {
  const j = i >= 100 ? i - 100 : i;
  a.push(j === i ? Number((4 * r() - 2).toFixed(3)) : a[j]);
  b.push(j === i ? Number((4 * r() - 2).toFixed(3)) : b[j]);
  w.push(i % 9 === 2 ? 0 : Number((3 * r()).toFixed(3)));
  y2.push(r() < 0.5 ? 0 : 1);
  y3.push(Math.floor(3 * r()));
}
const x = { data: Float64Array.from(a.flatMap((v, i) => [v, b[i]])), rows: n, cols: 2 };

async function write(name: string, model: LogisticModel, y: number[], weights: unknown[]) {
  const path = `${dir}/${name}.csv`;
  const lines = ["w,b,label,a"];
  for (let i = 0; i < n; i++) lines.push(`${weights[i]},${b[i]},${model.classes[y[i]]},${a[i]}`);
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("evaluateStream with weightColumn weighs every metric as evaluate's sampleWeight, in any batches", async () => {
  for (const [model, y] of [[sigmoid, y2], [softmax, y3]] as const) {
    const path = await write(model.link, model, y, w);
    const labels = Int32Array.from(y);
    const want = evaluate(model, x, labels, { sampleWeight: w });
    const plain = evaluate(model, x, labels);
    for (const batchSize of [1, 7, 4096]) {
      const at = `${model.link}, batchSize ${batchSize}`;
      const got = await evaluateStream(model, path, {
        label: "label",
        weightColumn: "w",
        batchSize,
      });
      assert.equal(got.samples, n, at);
      for (const key of ["accuracy", "balancedAccuracy", "logLoss", "macroF1"] as const) {
        assertClose(got[key], want[key], { rtol: 1e-12, message: `${at} ${key}` });
        assert.notEqual(got[key], plain[key], `${at} ${key} is weighted`);
      }
      assertClose(got.confusion.flat(), want.confusion.flat(), { rtol: 1e-12, message: at });
      if (want.rocAuc === null) assert.equal(got.rocAuc, null, at);
      else {
        assertClose(got.rocAuc!, want.rocAuc, { rtol: 1e-12, message: `${at} ROC AUC` });
        assert.notEqual(got.rocAuc, plain.rocAuc, at);
      }
      // weighted: false reads the column only to leave it out: the unweighted metrics.
      const unweighted = await evaluateStream(model, path, {
        label: "label",
        weightColumn: "w",
        batchSize,
        weighted: false,
      });
      assert.deepEqual(unweighted.confusion, plain.confusion, at);
      assert.equal(unweighted.accuracy, plain.accuracy, at);
      assertClose(unweighted.logLoss, plain.logLoss, { rtol: 1e-12, message: at });
      // rocAuc: false keeps no score, weighted or not.
      const noAuc = await evaluateStream(model, path, {
        label: "label",
        weightColumn: "w",
        rocAuc: false,
      });
      assert.equal(noAuc.rocAuc, null);
    }
  }
});

Deno.test("evaluateStream's weighted rows by position (no header), and its refusals", async () => {
  const path = await write("headerless", sigmoid, y2, w);
  const text = await Deno.readTextFile(path);
  const bare = `${dir}/bare.csv`;
  await Deno.writeTextFile(bare, text.slice(text.indexOf("\n") + 1));
  // Without a header the features are read by position, the weight and label columns left out.
  const positional = { ...sigmoid, featureNames: ["column_2", "column_4"] };
  const flipped: LogisticModel = {
    ...positional,
    weights: { data: Float64Array.of(-0.75, 1.5), rows: 1, cols: 2 }, // b first, then a
  };
  const got = await evaluateStream(flipped, bare, { header: false, label: 2, weightColumn: 0 });
  const want = evaluate(sigmoid, x, Int32Array.from(y2), { sampleWeight: w });
  assertClose(got.accuracy, want.accuracy, { rtol: 1e-12 });
  assertClose(got.rocAuc!, want.rocAuc!, { rtol: 1e-12 });

  const negative = await write("negative", sigmoid, y2, w.map((v, i) => i === 30 ? -2 : v));
  await assert.rejects(
    () => evaluateStream(sigmoid, negative, { label: "label", weightColumn: "w" }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot evaluate model: the weight on line 32 is -2; weights must be finite numbers >= 0",
  );
  // However slightly negative.
  const slightly = await write("slightly", sigmoid, y2, w.map((v, i) => i === 7 ? -1e-9 : v));
  await assert.rejects(
    () => evaluateStream(sigmoid, slightly, { label: "label", weightColumn: "w" }),
    (e: Error) => e instanceof RangeError && /the weight on line 9 is -1e-9;/.test(e.message),
  );
  // weighted: false does not weigh, so it does not refuse a negative weight.
  await evaluateStream(sigmoid, negative, { label: "label", weightColumn: "w", weighted: false });
  const zeros = await write("zeros", sigmoid, y2, w.map(() => 0));
  await assert.rejects(
    () => evaluateStream(sigmoid, zeros, { label: "label", weightColumn: "w" }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot evaluate model: every row weighs 0 (weightColumn); at least one must weigh more",
  );
  // Weights whose sum overflows float64 are refused where it does, as fit refuses them (every
  // metric would be Infinity / Infinity).
  const huge = await write("huge", sigmoid, y2, w.map((v, i) => i >= 40 && i < 43 ? 1e308 : v));
  await assert.rejects(
    () => evaluateStream(sigmoid, huge, { label: "label", weightColumn: "w", batchSize: 16 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot evaluate model: the weights sum to Infinity by line 43, beyond float64; scale " +
          "them down (only their ratios matter)",
  );
  await assert.rejects(
    () => evaluateStream(sigmoid, zeros, { label: "label", weighted: "yes" as never }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === 'Cannot evaluate model: weighted must be a boolean, got string "yes"',
  );
});
