import assert from "node:assert/strict";
import { dequantizeTensor } from "../../lib/quant/dequantize.ts";
import { groupCount, levelCount } from "../../lib/quant/grid.ts";
import { quantizationLevels } from "../../lib/quant/levels.ts";
import { quantizeTensor } from "../../lib/quant/quantize.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import type { QuantizedTensor } from "../../lib/quant/types.ts";
import { randomWeights } from "./_weights.ts";

const weights = randomWeights(21, 6, 300);
const METHODS: QuantizationMethod[] = [];
for (const bits of [1, 2, 3, 4, 8]) {
  for (const granularity of ["tensor", "class", "feature"] as const) {
    METHODS.push({ kind: "uniform", scheme: "symmetric", bits, granularity });
    METHODS.push({ kind: "uniform", scheme: "affine", bits, granularity });
    METHODS.push({ kind: "log2", bits, granularity });
  }
  METHODS.push({ kind: "kmeans", bits, granularity: "class" });
}

function groupOfElement(t: QuantizedTensor, i: number): number {
  const row = Math.floor(i / t.cols), col = i % t.cols;
  return t.granularity === "tensor" ? 0 : t.granularity === "class" ? row : col;
}

Deno.test("every dequantized weight is one of its group's levels, and of all levels", () => {
  for (const method of METHODS) {
    const t = quantizeTensor(weights, { method });
    const all = new Set(quantizationLevels(t));
    const values = dequantizeTensor(t).data;
    const perGroup = Array.from(
      { length: groupCount(t.granularity, t.rows, t.cols) },
      (_, g) => new Set(quantizationLevels(t, { group: g })),
    );
    for (let i = 0; i < values.length; i++) {
      const v = values[i] + 0;
      assert.ok(all.has(v), `${JSON.stringify(method)}: ${v} not a level`);
      assert.ok(perGroup[groupOfElement(t, i)].has(v), `${JSON.stringify(method)}: group`);
    }
  }
});

Deno.test("a group has as many levels as its grid has codes, ascending", () => {
  for (const method of METHODS) {
    const t = quantizeTensor(weights, { method });
    const levels = quantizationLevels(t, { group: 0 });
    assert.equal(levels.length, levelCount(t), JSON.stringify(method));
    for (let i = 1; i < levels.length; i++) assert.ok(levels[i] > levels[i - 1]);
  }
});

Deno.test("the levels of a tensor that uses every code are its distinct dequantized values", () => {
  // Affine 3-bit, two groups: codes 0..7 in each row.
  const t: QuantizedTensor = {
    kind: "uniform",
    scheme: "affine",
    bits: 3,
    granularity: "class",
    rows: 2,
    cols: 8,
    codes: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0]),
    scale: Float32Array.of(0.25, 0.5),
    zeroPoint: Int32Array.of(2, 5),
  };
  const distinct = [...new Set(dequantizeTensor(t).data)].sort((a, b) => a - b);
  assert.deepEqual([...quantizationLevels(t)], distinct);
  assert.deepEqual([...quantizationLevels(t, { group: 1 })], [-2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1]);
  // 1-bit symmetric: the two codes -1 and +1, no zero.
  const one: QuantizedTensor = {
    kind: "uniform",
    scheme: "symmetric",
    bits: 1,
    granularity: "tensor",
    rows: 1,
    cols: 2,
    codes: Int8Array.of(-1, 1),
    scale: Float32Array.of(0.75),
    zeroPoint: Int32Array.of(0),
  };
  assert.deepEqual([...quantizationLevels(one)], [-0.75, 0.75]);
});

Deno.test("float16 tensors and groups out of range are refused", () => {
  const f16 = quantizeTensor(weights, { method: { kind: "float16" } });
  assert.throws(() => quantizationLevels(f16), { name: "RangeError", message: /float16/ });
  const t = quantizeTensor(weights, { method: { kind: "uniform", granularity: "class" } });
  assert.throws(() => quantizationLevels(t, { group: 6 }), RangeError);
  assert.throws(() => quantizationLevels(t, { group: 1.5 }), RangeError);
});
