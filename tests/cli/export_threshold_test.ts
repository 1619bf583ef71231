/**
 * `lrc export` of a model with a decision threshold says so: the cutoff on 'scores' the graph's
 * 'label' uses, which onnxruntime's own outputs are checked against, and that 'probabilities'
 * are not thresholded; `--json` gives `threshold` and `cutoff` (null without one).
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { exportOnnx, float32Cutoff } from "../../lib/onnx/export.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import {
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
} from "../../lib/quant/predictor.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (onnxruntime part skipped: ${problem})` : "";
// logit(0.22) rounds up to the nearest float32: the cutoff must be the float32 below it.
const T = 0.22;

Deno.test(`lrc export of a thresholded model gives the graph's cutoff on its scores${skip}`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-export-t-" });
  try {
    const data = await loadEmbedded("breast-cancer");
    const model = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 60 },
      // A strong penalty spreads the probabilities, so that 0.22 and 0.5 label rows differently.
      penalty: { kind: "l2", lambda: 0.3 },
    }).model;
    const float = withThreshold(model, T);
    const quantized = quantizeModel(float, { method: { kind: "uniform", bits: 8 } });
    await saveModel(`${dir}/f.lrc`, float);
    await saveModel(`${dir}/q.lrc`, quantized);
    await saveModel(`${dir}/plain.lrc`, model);
    const logit = Math.log(T / (1 - T));
    for (
      const [name, labels] of [
        ["f", predict(float, data.x)],
        ["q", quantizedPredict(quantized, data.x)],
      ] as const
    ) {
      const out = `${dir}/${name}.onnx`;
      const r = await runCli(["export", "--model", `${dir}/${name}.lrc`, "--out", out]);
      assert.equal(r.code, 0, r.stderr);
      const line = r.stdout.split("\n").find((l) => l.startsWith("threshold "));
      const m = line?.match(
        /^threshold 0\.22: 'label' is "malignant" where 'scores' > (\S+) \(the largest float32 at or below logit\(threshold\)\); 'probabilities' are not thresholded: label by 'label', or by p > 0\.22$/,
      );
      assert.ok(m, r.stdout);
      const cutoff = Number(m[1]);
      assert.ok(Math.fround(cutoff) === cutoff && cutoff <= logit && logit - cutoff < 1e-6);
      const json = await runCli([
        "export",
        "--model",
        `${dir}/${name}.lrc`,
        "--out",
        out,
        "--json",
      ]);
      const j = JSON.parse(json.stdout);
      assert.equal(j.threshold, T);
      assert.equal(j.cutoff, cutoff);
      assert.equal(j.accumulatorCutoff, null);
      if (problem) continue;
      const o = await runOnnx(await Deno.readFile(out), data.x);
      const graphLabels = o.label.data as string[];
      const scores = o.scores.data as Float32Array;
      let between = 0;
      for (let i = 0; i < data.x.rows; i++) {
        // The graph's label is the printed cutoff's, on the graph's own scores.
        assert.equal(graphLabels[i], data.classes[scores[i] > cutoff ? 1 : 0], `row ${i}`);
        if (scores[i] > cutoff && scores[i] <= 0) between++;
      }
      assert.ok(between > 0, "no row lies between the threshold and 0.5");
      // And lrcompress labels those rows alike (none of them lies at the cutoff here).
      assert.deepEqual(graphLabels, Array.from(labels, (c) => data.classes[c]));
    }
    const plain = await runCli(["export", "--model", `${dir}/plain.lrc`, "--out", `${dir}/p.onnx`]);
    assert.ok(!plain.stdout.includes("threshold"), plain.stdout);
    const pj = await runCli([
      ...["export", "--model", `${dir}/plain.lrc`, "--out", `${dir}/p.onnx`, "--json"],
    ]);
    assert.equal(JSON.parse(pj.stdout).threshold, null);
    assert.equal(JSON.parse(pj.stdout).cutoff, null);
    assert.equal(JSON.parse(pj.stdout).accumulatorCutoff, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(`lrc export of a thresholded integer graph gives its cutoff on the int32 accumulator${skip}`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-export-ti-" });
  try {
    const data = await loadEmbedded("breast-cancer");
    const raw = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 60 },
      penalty: { kind: "l2", lambda: 0.3 },
    }).model;
    const q = calibrateInput(quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }), data.x);
    const scale = q.bias.kind === "int32" ? q.bias.scale[0] : NaN;
    const x = { data: Float32Array.from(data.x.data), rows: data.x.rows, cols: data.x.cols };
    // A threshold from a row's own probability, where the graph's float32 'scores' fall on the
    // other side of the float32 cutoff than lrc predict's label (when onnxruntime is here).
    const p = quantizedPredictProba(q, x);
    let t = p.data[1], i = 0;
    for (; !problem && i < 60; i++) {
      t = p.data[2 * i + 1];
      const m = withThreshold(q, t);
      const o = await runOnnx(exportOnnx(m, { quantized: "integer" }), x);
      const s = (o.scores.data as Float32Array)[i];
      if ((s > float32Cutoff(t)) !== (quantizedPredict(m, x)[i] === 1)) break;
    }
    assert.ok(problem || i < 60, "no row's threshold puts its float32 score astray");
    const model = withThreshold(q, t);
    await saveModel(`${dir}/i.lrc`, model);
    const args = ["export", "--model", `${dir}/i.lrc`, "--out", `${dir}/i.onnx`];
    const r = await runCli([...args, "--quantized", "integer"]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.startsWith("threshold "));
    const m = line?.match(
      /^threshold (\S+): 'label' is "malignant" where its int32 accumulator > (-?\d+) \(lrc predict's integer-only rule, accumulator x scale > logit\(threshold\), row for row; 'scores' > (\S+) can differ at the cutoff\); 'probabilities' are not thresholded: label by 'label', or by p > (\S+)$/,
    );
    assert.ok(m, r.stdout);
    assert.equal(Number(m[1]), t);
    const k = Number(m[2]), logit = Math.log(t / (1 - t));
    // The definition on lrc predict's float64 scores, accumulator x scale.
    assert.ok(k * scale <= logit && (k + 1) * scale > logit, `${k} x ${scale} against ${logit}`);
    assert.equal(Number(m[3]), float32Cutoff(t));
    const j = JSON.parse((await runCli([...args, "--quantized", "integer", "--json"])).stdout);
    assert.deepEqual([j.threshold, j.cutoff, j.accumulatorCutoff], [t, float32Cutoff(t), k]);
    // The QDQ graph of the same file compares its scores.
    const qdq = JSON.parse(
      (await runCli(["export", "--model", `${dir}/i.lrc`, "--out", `${dir}/q.onnx`, "--json"]))
        .stdout,
    );
    assert.equal(qdq.accumulatorCutoff, null);
    if (problem) return;
    const o = await runOnnx(
      await Deno.readFile(`${dir}/i.onnx`),
      x,
    );
    // Every row as lrc predict labels it, the row at the cutoff included: its accumulator is
    // above the printed cutoff exactly when lrcompress's integer score is above logit(t).
    const want = quantizedPredict(model, x);
    const scores = quantizedDecisionFunction(model, x).data;
    assert.deepEqual(o.label.data, Array.from(want, (c) => data.classes[c]));
    for (let r = 0; r < x.rows; r++) {
      assert.equal(Math.round(scores[r] / scale) > k, want[r] === 1, `row ${r}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
