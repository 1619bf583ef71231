import assert from "node:assert/strict";
import { fromRows } from "../../lib/core/matrix.ts";
import { asFloatModel, codeValue } from "../../lib/io/quantized.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import {
  dequantizeModel,
  dequantizeTensor,
  type QuantizationMethod,
  quantizedModelFromJson,
  quantizedModelToJson,
  quantizeModel,
} from "../../lib/quant/mod.ts";

/** A small 3-class model, 4 features, fitted on a fixed toy set. */
function toyModel(): LogisticModel {
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 30; i++) {
    rows.push([i % 3, (i * 7) % 5, Math.sin(i), (i % 4) - 1.5]);
    y.push(i % 3);
  }
  return fit(fromRows(rows), Int32Array.from(y)).model;
}

/** Deterministic pseudo-random float64 bit patterns (finite ones only). */
function randomDoubles(n: number, seed: number): number[] {
  let s = BigInt(seed);
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  while (out.length < n) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    view.setBigUint64(0, s);
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

Deno.test("model JSON round-trips every float64 exactly: random bit patterns, subnormals, extremes", () => {
  const base = toyModel();
  const special = [
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1e308,
    -1.7976931348623157e308,
    0.1,
    1 / 3,
    -0,
    0,
  ];
  const values = [...special, ...randomDoubles(12 - special.length + 2, 1)].slice(0, 12);
  const model: LogisticModel = {
    ...base,
    weights: { ...base.weights, data: Float64Array.from(values) },
    bias: Float64Array.from(randomDoubles(3, 2)),
  };
  const back = modelFromJson(modelToJson(model));
  for (let i = 0; i < values.length; i++) {
    // JSON has no -0 (documented): it reads back as 0; every other double is bit-exact.
    const want = Object.is(values[i], -0) ? 0 : values[i];
    assert.ok(Object.is(back.weights.data[i], want), `weights[${i}] ${values[i]}`);
  }
  for (let c = 0; c < 3; c++) assert.ok(Object.is(back.bias[c], model.bias[c]));
});

Deno.test("a float64 bias of a quantized model reads back as float64, not rounded to float32", () => {
  const base = toyModel();
  const bias = Float64Array.of(0.1, 1 / 3, 1e-300);
  const q = quantizeModel({ ...base, bias }, { bias: "float64" });
  const back = quantizedModelFromJson(quantizedModelToJson(q));
  assert.equal(back.bias.kind, "float64");
  assert.ok(back.bias.values instanceof Float64Array);
  for (let c = 0; c < 3; c++) assert.ok(Object.is(back.bias.values[c], bias[c]));
});

/** The fields of a quantized model's JSON that the next test edits. */
type ModelJson = { weights: { codes: number[]; zeroPoint: number[] }; mask?: number[] };

Deno.test("a code, zero point or mask entry that its typed array would wrap or truncate is refused", () => {
  // Each value would otherwise become another, valid one in its typed array (256 -> 0 in a
  // Uint8Array, 1.5 -> 1, -129 -> 127 in an Int8Array) and read back as a different model.
  const cases: [QuantizationMethod, (o: ModelJson) => void, string][] = [
    [
      { kind: "uniform", scheme: "affine", bits: 8 },
      (o) => (o.weights.codes[0] = 256),
      "weights.codes[0]",
    ],
    [
      { kind: "uniform", scheme: "affine", bits: 8 },
      (o) => (o.weights.codes[1] = 1.5),
      "weights.codes[1]",
    ],
    [{ kind: "uniform", bits: 8 }, (o) => (o.weights.codes[2] = -129), "weights.codes[2]"],
    [{ kind: "uniform", bits: 12 }, (o) => (o.weights.codes[0] = 32768), "weights.codes[0]"],
    [{ kind: "float16" }, (o) => (o.weights.codes[0] = 0x10000 + 0x3c00), "weights.codes[0]"],
    [
      { kind: "uniform", scheme: "affine", bits: 8 },
      (o) => (o.weights.zeroPoint[0] = 2 ** 32),
      "weights.zeroPoint[0]",
    ],
    [
      { kind: "uniform", bits: 8 },
      (o) => (o.mask = o.weights.codes.map((_, i) => (i === 0 ? 257 : 1))),
      "mask[0]",
    ],
  ];
  for (const [method, edit, field] of cases) {
    const o = JSON.parse(quantizedModelToJson(quantizeModel(toyModel(), { method })));
    edit(o);
    assert.throws(
      () => quantizedModelFromJson(JSON.stringify(o)),
      (e: Error) =>
        e instanceof SyntaxError && e.message.startsWith("Cannot ") &&
        e.message.includes(field),
      `${field} of ${JSON.stringify(method)}`,
    );
  }
});

/** The float32 fields of a quantized model's JSON that the next test edits. */
type FloatJson = { weights: { scale: number[]; codebook: number[] }; bias: { values: number[] } };

Deno.test("a float32 field past float32's range is refused with the value the file holds", () => {
  // float32's largest finite value is (2 - 2^-23) * 2^127 ~ 3.4028e38, its smallest positive
  // 2^-149 ~ 1.4e-45: 1e39 and 1e40 overflow it, 1e-50 underflows to 0.
  const cases: [QuantizationMethod, (o: FloatJson) => void, string][] = [
    [
      { kind: "uniform", bits: 8 },
      (o) => (o.weights.scale[1] = 1e-50),
      "weights.scale[1] is 1e-50",
    ],
    [{ kind: "log2", bits: 4 }, (o) => (o.weights.scale[0] = 1e40), "weights.scale[0] is 1e+40"],
    [
      { kind: "kmeans", levels: 4, granularity: "tensor" },
      (o) => (o.weights.codebook[3] = 1e39),
      "weights.codebook[3] is 1e+39",
    ],
    [{ kind: "uniform", bits: 8 }, (o) => (o.bias.values[2] = -1e39), "bias.values[2] is -1e+39"],
  ];
  for (const [method, edit, reason] of cases) {
    const o = JSON.parse(quantizedModelToJson(quantizeModel(toyModel(), { method })));
    edit(o);
    assert.throws(
      () => quantizedModelFromJson(JSON.stringify(o)),
      (e: Error) =>
        e instanceof SyntaxError && e.message.startsWith("Cannot read quantized model: ") &&
        e.message.includes(reason),
      reason,
    );
  }
});

Deno.test("the recipe records the seed of stochastic rounding, for uniform and log2", () => {
  const base = toyModel();
  for (const kind of ["uniform", "log2"] as const) {
    const q = quantizeModel(base, {
      method: { kind, bits: 4, rounding: { kind: "stochastic", seed: 7 } } as QuantizationMethod,
    });
    assert.equal(q.recipe?.seed, 7, kind);
    assert.equal(q.recipe?.rounding, "stochastic", kind);
  }
});

Deno.test("codeValue of an affine code is scale[g] * (code - zeroPoint[g]) with g from the granularity", () => {
  const base = toyModel();
  const { rows, cols } = base.weights;
  for (const granularity of ["tensor", "class", "feature"] as const) {
    const q = quantizeModel(base, {
      method: { kind: "uniform", scheme: "affine", bits: 3, granularity },
    });
    const t = q.weights;
    assert.ok(t.kind === "uniform");
    const deq = dequantizeTensor(t).data;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const g = granularity === "tensor" ? 0 : granularity === "class" ? r : c;
        const want: number = t.scale[g] * (t.codes[i] - t.zeroPoint[g]);
        assert.equal(codeValue(t, t.codes[i], g), want, `${granularity} ${i}`);
        assert.equal(deq[i], want, `${granularity} ${i}`);
      }
    }
  }
});

Deno.test("a pruned weight is exactly 0 in the raw dequantized codes at every scheme and granularity", () => {
  const base = toyModel();
  const mask = Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? 0 : 1));
  const pruned: LogisticModel = {
    ...base,
    weights: { ...base.weights, data: base.weights.data.map((v, i) => (mask[i] ? v + 1 : 0)) },
    mask,
  };
  for (const granularity of ["tensor", "class", "feature"] as const) {
    for (const bits of [2, 3, 8]) {
      const methods: QuantizationMethod[] = [
        { kind: "uniform", scheme: "symmetric", bits, granularity },
        { kind: "uniform", scheme: "affine", bits, granularity },
        { kind: "log2", bits, granularity },
      ];
      for (const method of methods) {
        const q = quantizeModel(pruned, { method });
        assert.deepEqual(q.mask, mask);
        // Not through dequantizeModel, which zeroes masked weights itself: the codes must.
        const raw = dequantizeTensor(q.weights).data;
        for (let i = 0; i < 12; i++) {
          if (!mask[i]) assert.ok(Object.is(raw[i] + 0, 0), `${JSON.stringify(method)} ${i}`);
        }
      }
    }
  }
});

Deno.test("asFloatModel of a pruned quantized model keeps its mask and equals dequantizeModel", () => {
  const base = toyModel();
  const mask = Uint8Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 0 : 1));
  const pruned: LogisticModel = {
    ...base,
    weights: { ...base.weights, data: base.weights.data.map((v, i) => (mask[i] ? v : 0)) },
    mask,
  };
  const q = quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } });
  const f = asFloatModel(q);
  assert.deepEqual(f.mask, mask);
  assert.deepEqual(f, dequantizeModel(q));
  assert.equal(asFloatModel(pruned), pruned);
});
