import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { checkOnnxExport, onnxRuntimeProblem, runOnnx } from "../../lib/onnx/runtime.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";

const problem = await onnxRuntimeProblem();
const skip = problem ? ` (skipped: ${problem})` : "";

const digits = await loadEmbedded("digits");
const split = trainTestSplit(digits.x, digits.y, { seed: 1 });
const { model } = fit(split.xTrain, split.yTrain, {
  classes: digits.classes,
  optimizer: { kind: "lbfgs", maxIterations: 60 },
});

Deno.test({
  name: `checkOnnxExport counts what onnxruntime's outputs and lrcompress's predictions say${skip}`,
  ignore: problem !== null,
  fn: async () => {
    const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
    for (const [stored, reference] of [[model, model], [q, dequantizeModel(q)]] as const) {
      const check = await checkOnnxExport(stored, split.xTest);
      // The same comparison, written out from the raw outputs.
      const bytes = exportOnnx(stored);
      const out = await runOnnx(bytes, split.xTest);
      const labels = out.label.data as string[];
      const expected = predictLabels(reference, split.xTest);
      const same = expected.filter((l, i) => labels[i] === l).length;
      const p = predictProba(reference, split.xTest).data;
      const o = out.probabilities.data as Float32Array;
      const diff = Math.max(...Array.from(p, (v, i) => Math.abs(v - o[i])));
      assert.deepEqual(check, {
        available: true,
        problem: null,
        onnxBytes: bytes.length,
        samples: split.xTest.rows,
        labelAgreement: same / split.xTest.rows,
        maxProbabilityDifference: diff,
      });
      assert.ok(check.labelAgreement >= 0.999, `${check.labelAgreement}`);
      assert.ok(check.maxProbabilityDifference < 2e-5, `${check.maxProbabilityDifference}`);
    }
  },
});

Deno.test({
  name: `checkOnnxExport of no samples runs and counts full agreement, not NaN${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // 0 of 0 labels differ: agreement 1 (0 / 0 would be NaN, the value that means "not
    // available"), and no probability differs.
    const empty = { data: new Float64Array(0), rows: 0, cols: split.xTest.cols };
    const check = await checkOnnxExport(model, empty);
    assert.deepEqual(
      [check.available, check.samples, check.labelAgreement, check.maxProbabilityDifference],
      [true, 0, 1, 0],
    );
  },
});

Deno.test({
  name: `runOnnx names its input as told and refuses a non-matrix${skip}`,
  ignore: problem !== null,
  fn: async () => {
    const bytes = exportOnnx(model);
    // Refused for the name, before onnxruntime runs: without the check, session.run refused the
    // feed with a RangeError of its own and a bare rejects() passed all the same.
    await assert.rejects(
      () => runOnnx(bytes, split.xTest, { inputName: "x" }),
      (e: Error) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.equal(
          e.message,
          'Cannot run ONNX model: the graph has no input "x"; its inputs are ["input"] ' +
            "(give inputName)",
        );
        return true;
      },
    );
    // The name exportOnnx writes, given explicitly, feeds x: lrcompress's probabilities come out.
    const named = await runOnnx(bytes, split.xTest, { inputName: "input" });
    const p = predictProba(model, split.xTest).data;
    const o = named.probabilities.data as Float32Array;
    assert.equal(o.length, p.length);
    assert.ok(p.every((v, i) => Math.abs(v - o[i]) < 2e-5));
    // deno-lint-ignore no-explicit-any
    await assert.rejects(() => runOnnx(exportOnnx(model), [1, 2] as any), TypeError);
  },
});
