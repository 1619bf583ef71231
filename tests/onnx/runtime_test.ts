import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { checkOnnxExport, onnxRuntimeProblem, runOnnx } from "../../lib/onnx/runtime.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { quantizedPredict, quantizedPredictProba } from "../../lib/quant/predictor.ts";

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
  name:
    `checkOnnxExport compares the integer graph with integer-only inference, which it computes${skip}`,
  ignore: problem !== null,
  fn: async () => {
    // Pixels 0..16 calibrated to uint8 codes: scale 16/255, so most inputs lie off the 8-bit grid
    // and the graph's QuantizeLinear rounds them as lrcompress's integer-only inference does, not
    // as the dequantized model (float inputs) sees them.
    const { model: raw } = fit(split.xTrain, split.yTrain, {
      classes: digits.classes,
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 60 },
    });
    const q = calibrateInput(quantizeModel(raw), split.xTrain);
    const options = { quantized: "integer" } as const;
    const check = await checkOnnxExport(q, split.xTest, options);
    const out = await runOnnx(exportOnnx(q, options), split.xTest);
    const labels = out.label.data as string[];
    const o = out.probabilities.data as Float32Array;
    const maxDiff = (p: Float64Array) => Math.max(...Array.from(p, (v, i) => Math.abs(v - o[i])));
    const integer = Array.from(quantizedPredict(q, split.xTest), (c) => q.classes[c]);
    assert.deepEqual(check, {
      available: true,
      problem: null,
      onnxBytes: exportOnnx(q, options).length,
      samples: split.xTest.rows,
      labelAgreement: integer.filter((l, i) => labels[i] === l).length / split.xTest.rows,
      maxProbabilityDifference: maxDiff(quantizedPredictProba(q, split.xTest).data),
    });
    assert.equal(check.labelAgreement, 1);
    assert.ok(check.maxProbabilityDifference < 2e-5, `${check.maxProbabilityDifference}`);
    // The dequantized model, the reference of the QDQ graph, is not what this graph computes.
    const dequantized = maxDiff(predictProba(dequantizeModel(q), split.xTest).data);
    assert.ok(dequantized > 1e-3, `${dequantized}`);
    // An uncalibrated model exported with an input calibration of the options, which
    // lrcompress's inference does not use, is compared with the dequantized model.
    const plain = quantizeModel(raw);
    const own = { ...options, input: q.input! };
    const other = await checkOnnxExport(plain, split.xTest, own);
    const ownP = (await runOnnx(exportOnnx(plain, own), split.xTest)).probabilities.data;
    const reference = predictProba(dequantizeModel(plain), split.xTest).data;
    assert.equal(
      other.maxProbabilityDifference,
      Math.max(...Array.from(reference, (v, i) => Math.abs(v - (ownP as Float32Array)[i]))),
    );
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
