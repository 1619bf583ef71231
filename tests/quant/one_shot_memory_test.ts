import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import {
  calibrateInput,
  integerDecisionFunction,
  prepareIntegerModel,
} from "../../lib/quant/integer.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor, quantizedDecisionFunction } from "../../lib/quant/predictor.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";

const digits = await loadEmbedded("digits");
const x: Matrix<Float32Array> = { ...digits.x, data: Float32Array.from(digits.x.data) };
const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });

/** Counts the wasm memories created while `f` runs. */
function memoriesCreated(f: () => void): number {
  const Original = WebAssembly.Memory;
  let created = 0;
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).Memory = function (descriptor: WebAssembly.MemoryDescriptor) {
    created++;
    return new Original(descriptor);
  };
  try {
    f();
  } finally {
    // deno-lint-ignore no-explicit-any
    (WebAssembly as any).Memory = Original;
  }
  return created;
}

const cases: [string, QuantizationMethod, string][] = [
  ["k-means, 16 levels", { kind: "kmeans", levels: 16 }, "lookup"],
  ["uniform 4-bit per class", { kind: "uniform", bits: 4, granularity: "class" }, "lookup"],
  ["k-means, 64 levels", { kind: "kmeans", levels: 64 }, "dense"],
  ["float16", { kind: "float16" }, "dense"],
];

for (const [name, method, kernel] of cases) {
  Deno.test(`one-shot quantized scores reuse the shared kernel workspace (${name})`, () => {
    const q = quantizeModel(model, { method });
    using p = prepareQuantizedPredictor(q);
    assert.equal(p.kernel, kernel);
    const want = p.decisionFunction(x);
    // A service scores request after request: each call took a wasm memory of its own, left to
    // the garbage collector. The shared workspace is made at most once.
    const calls = 20;
    const created = memoriesCreated(() => {
      for (let i = 0; i < calls; i++) {
        assert.deepEqual(quantizedDecisionFunction(q, x), want, "as the prepared predictor");
      }
    });
    assert.ok(created <= 1, `${created} wasm memories for ${calls} calls`);
    // And within float32 rounding of the dequantized model's float64 reference.
    const ref = decisionFunction(dequantizeModel(q), digits.x, { backend: "ts" });
    for (let i = 0; i < ref.data.length; i++) {
      assert.ok(Math.abs(want.data[i] - ref.data[i]) < 1e-4 * (1 + Math.abs(ref.data[i])));
    }
  });
}

Deno.test("one-shot integer-only scores reuse the shared kernel workspace, bit for bit", () => {
  const q = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 8, granularity: "class" } }),
    digits.x,
  );
  using p = prepareQuantizedPredictor(q);
  assert.equal(p.kernel, "integer");
  const rows = 8, m = prepareIntegerModel(q);
  const small: Matrix<Float32Array> = {
    data: x.data.subarray(0, rows * x.cols),
    rows,
    cols: x.cols,
  };
  const want = integerDecisionFunction(m, small, { backend: "ts" });
  // A service scoring request after request: one workspace, the reference's scores. (The
  // float-input closure used to be added to each call's scorer after it was made, and V8 then
  // kept those scorers through young collections: 64 MiB of young generation against 8, and
  // resident memory twice that of float one-shot calls. Memory is for benchmarks to measure,
  // not for a test to bound, so only the workspace count is checked.)
  const calls = 2_000;
  const created = memoriesCreated(() => {
    for (let i = 0; i < calls; i++) {
      const got = quantizedDecisionFunction(q, small, { backend: "wasm" });
      if (i === 0) assert.deepEqual(got, want, "as the TypeScript reference, bit for bit");
    }
  });
  assert.ok(created <= 1, `${created} wasm memories for ${calls} calls`);
});
