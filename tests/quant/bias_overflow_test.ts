import assert from "node:assert/strict";
import { fromRows } from "../../lib/core/matrix.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { validateQuantizedModel } from "../../lib/quant/validate.ts";

const x = fromRows([[0, 1], [1, 0], [0.5, 0.2], [0.9, 0.8]]);
const { model } = fit(x, Int32Array.from([0, 1, 1, 0]), { preprocessing: "none" });
const q = calibrateInput(quantizeModel(model), x);

function withBias(value: number, scale: number): QuantizedModel {
  return {
    ...q,
    bias: { kind: "int32", values: Int32Array.of(value), scale: Float64Array.of(scale) },
  };
}

Deno.test("an int32 bias whose value times scale is not finite is refused", () => {
  assert.equal(q.bias.kind, "int32");
  validateQuantizedModel(q, "check");
  const bad = withBias(1000, 1e306);
  assert.throws(
    () => validateQuantizedModel(bad, "check"),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot check: bias[0] is 1000 x 1e+306 = Infinity, not finite",
  );
  assert.throws(() => encodeModel(bad), /^RangeError: Cannot .*bias\[0\] is 1000 x 1e\+306/);
  assert.throws(() => exportOnnx(bad), /^RangeError: Cannot export ONNX: bias\[0\] is 1000 x/);
});

Deno.test("an int32 bias scale beyond the float32 range is refused", () => {
  // Finite in float64 (even times the value), but Infinity once written as float32.
  for (const [value, scale] of [[0, 1e39], [-3, 1e300], [1, 2 ** 128]]) {
    const bad = withBias(value, scale);
    assert.throws(
      () => validateQuantizedModel(bad, "check"),
      (e: Error) =>
        e instanceof RangeError &&
        e.message === `Cannot check: bias scale[0] is ${scale}, beyond the float32 range`,
    );
    assert.throws(() => encodeModel(bad), /bias scale\[0\] is .*, beyond the float32 range/);
    assert.throws(() => exportOnnx(bad), /bias scale\[0\] is .*, beyond the float32 range/);
  }
  // The largest float32 scale is accepted, and survives the file.
  const edge = withBias(1, 3.4028234663852886e38);
  validateQuantizedModel(edge, "check");
  assert.deepEqual(decodeModel(encodeModel(edge)).bias, edge.bias);
  // A scale that float32 rounds to 0 is refused (the export wrote a bias scale of 0); the
  // smallest float32 subnormal is accepted.
  const tiny = withBias(3, 1e-46);
  assert.throws(() => validateQuantizedModel(tiny, "check"), /1e-46, below the float32 range/);
  assert.throws(() => exportOnnx(tiny), /below the float32 range/);
  validateQuantizedModel(withBias(3, 2 ** -149), "check");
  // Non-positive and non-finite scales keep their message.
  for (const scale of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => validateQuantizedModel(withBias(1, scale), "check"),
      new RegExp(`^RangeError: Cannot check: bias scale\\[0\\] is ${scale}, not finite > 0$`),
    );
  }
});

Deno.test("export refuses a float model whose values are beyond float32, not writing infinity", () => {
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: Float64Array.of(1, 2), rows: 1, cols: 2 },
    bias: Float64Array.of(1e300),
    classes: ["a", "b"],
    featureNames: ["x", "y"],
    preprocessing: { kind: "none" },
  };
  assert.throws(() => exportOnnx(model), /\[0\] is 1e\+300, beyond the float range/);
  const ok = { ...model, bias: Float64Array.of(3e38) };
  assert.ok(exportOnnx(ok).length > 0);
});

Deno.test("the integer ONNX graph refuses an int32 bias that could overflow its accumulator", () => {
  // q: 2 features, symmetric codes (zero point 0), uint8 inputs (up to 255): the products sum to
  // at most 2 x 255 x max|code|, so the bias may take what is left of 2^31 - 1, in either sign.
  const b = q.bias;
  assert.equal(b.kind, "int32");
  assert.equal(q.weights.kind === "uniform" && q.weights.scheme, "symmetric");
  const maxAbs = Math.max(...Array.from(q.weights.codes, Math.abs));
  assert.ok(maxAbs > 0);
  const room = 2 ** 31 - 1 - 2 * 255 * maxAbs;
  const withInt32 = (value: number) => ({
    ...q,
    bias: { ...(b as Extract<typeof b, { kind: "int32" }>), values: Int32Array.of(value) },
  });
  assert.ok(exportOnnx(withInt32(room), { quantized: "integer" }).length > 0);
  assert.ok(exportOnnx(withInt32(-room), { quantized: "integer" }).length > 0);
  for (const value of [room + 1, -(room + 1)]) {
    assert.throws(
      () => exportOnnx(withInt32(value), { quantized: "integer" }),
      new RegExp(
        `2 features x 255 x ${maxAbs} plus the int32 bias of output 0 \\(${value}\\) may ` +
          "overflow the int32 accumulator",
      ),
    );
  }
});
