// Which kernel scores a float model: the work threshold of "auto" and the features the
// feature-subset kernel gathers, against the documented rules worked by hand.
import assert from "node:assert/strict";
import { planKernel, PREDICT_WASM_MIN_WORK, useKernels } from "../../lib/model/kernel_scores.ts";

Deno.test("auto takes the kernels from PREDICT_WASM_MIN_WORK = 2^13 multiply-adds of float32 rows", () => {
  // Documented: the work per call from which "auto" scores float32 inputs on the kernels, 2^13.
  assert.equal(PREDICT_WASM_MIN_WORK, 2 ** 13);
  const rows = (n: number, f32 = true) => ({
    data: f32 ? new Float32Array(n * 64) : new Float64Array(n * 64),
    rows: n,
    cols: 64,
  });
  // 128 rows x 64 multiply-adds = 2^13 exactly: the kernels; 127 rows (8128): the reference.
  assert.equal(useKernels("auto", rows(128), 64), true);
  assert.equal(useKernels("auto", rows(127), 64), false);
  // float64 rows stay on the reference whatever their size; the backends asked by name are kept.
  assert.equal(useKernels("auto", rows(1000, false), 64), false);
  assert.equal(useKernels("ts", rows(1000), 64), false);
  assert.equal(useKernels("wasm", rows(1, false), 1), true);
});

Deno.test("the feature-subset kernel gathers exactly the features with a nonzero weight, for any number of outputs", () => {
  // Outputs are visited in blocks of 4; with 3, 5 or 6 outputs the last block is partial and must
  // not read past the weights (an entry past the end reads as undefined, not 0, and would keep
  // every feature). Feature 5 alone has a weight (in the last output), fed by column 5 + 1 of
  // 65-wide rows: the subset form is that one column and that weight per output, by hand.
  for (const k of [3, 4, 5, 6]) {
    const d = 64;
    const weights = new Float64Array(k * d);
    weights[(k - 1) * d + 5] = 0.75;
    const bias = Float64Array.from({ length: k }, (_, c) => c);
    const columns = Array.from({ length: d }, (_, j) => j + 1);
    const plan = planKernel(weights, bias, columns, d + 1);
    assert.ok(plan.kind === "subset", `${k} outputs: ${plan.kind}`);
    assert.deepEqual([...plan.form.features], [6], `${k} outputs`);
    const expected = new Array(k).fill(0);
    expected[k - 1] = 0.75;
    assert.deepEqual([...plan.form.weights], expected, `${k} outputs`);
    assert.deepEqual(plan.form.bias, bias);
    assert.equal(plan.form.nFeatures, d + 1);
  }
});
