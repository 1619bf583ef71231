import assert from "node:assert/strict";
import { dequantizeTensor } from "../../lib/quant/dequantize.ts";
import { codeRange, groupCount, levelCount } from "../../lib/quant/grid.ts";
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

/**
 * The code range and level count of each grid as the table in `lib/quant/types.ts` documents
 * them, written out here: symmetric codes use the restricted range (no `-2^(b-1)`), 1-bit signed
 * codes are `-1` and `+1` only, affine codes are unsigned, a codebook's are its indices.
 */
function documentedGrid(
  kind: "symmetric" | "affine" | "log2" | "codebook",
  bitsOrLevels: number,
): { min: number; max: number; codes: number[]; array: string } {
  const b = bitsOrLevels;
  const span = (min: number, max: number) =>
    Array.from({ length: max - min + 1 }, (_, i) => min + i);
  switch (kind) {
    case "affine":
      return {
        min: 0,
        max: 2 ** b - 1,
        codes: span(0, 2 ** b - 1),
        array: b <= 8 ? "Uint8Array" : "Uint16Array",
      };
    case "codebook":
      return {
        min: 0,
        max: b - 1,
        codes: span(0, b - 1),
        array: b <= 256 ? "Uint8Array" : "Uint16Array",
      };
    default: {
      const array = b <= 8 ? "Int8Array" : "Int16Array";
      if (b === 1) return { min: -1, max: 1, codes: [-1, 1], array };
      const m = 2 ** (b - 1) - 1;
      return { min: -m, max: m, codes: span(-m, m), array };
    }
  }
}

/** Weights that the method, calibrated by min/max, maps onto every code of its grid. */
function everyCodeWeights(kind: "symmetric" | "affine" | "log2", bits: number): Float64Array {
  const n = 2 ** bits - 1;
  if (kind === "affine") {
    // Range [-z/n, (n-z)/n]: scale 1/n, zero point z, the value (k - z)/n has code k.
    const z = Math.floor(n / 3);
    return Float64Array.from({ length: n + 1 }, (_, k) => (k - z) / n);
  }
  if (bits === 1) return Float64Array.of(-1, -0.25, 0, 0.5, 1);
  if (kind === "log2") {
    // Scale 1 (the largest magnitude): 0, and ±2^-e for every exponent e = 0 .. 2^(b-1) - 2.
    const e = Array.from({ length: 2 ** (bits - 1) - 1 }, (_, i) => 2 ** -i);
    return Float64Array.from([0, ...e, ...e.map((v) => -v)]);
  }
  // Scale 1/m: the value k/m has code k, k = -m .. m.
  const m = 2 ** (bits - 1) - 1;
  return Float64Array.from({ length: 2 * m + 1 }, (_, i) => (i - m) / m);
}

function checkGrid(t: QuantizedTensor, want: ReturnType<typeof documentedGrid>, label: string) {
  assert.equal(t.codes.constructor.name, want.array, label);
  const used = [...new Set(t.codes)].sort((a, b) => a - b);
  assert.deepEqual(used, want.codes, `${label}: codes used`);
  assert.equal(levelCount(t), want.codes.length, `${label}: level count`);
  // Every code is used by this single-group tensor, so its levels are its distinct values.
  const levels = quantizationLevels(t);
  assert.equal(levels.length, want.codes.length, `${label}: levels`);
  const distinct = [...new Set(Array.from(dequantizeTensor(t).data, (v) => v + 0))].sort((a, b) =>
    a - b
  );
  assert.deepEqual([...levels], distinct, `${label}: levels are the dequantized values`);
}

Deno.test("uniform and log2 codes span the documented ranges, as many levels as codes", () => {
  // Spot checks of the table: ternary, 3-bit log2, 8-bit symmetric (no -128) and affine.
  assert.deepEqual(documentedGrid("symmetric", 2).codes, [-1, 0, 1]);
  assert.deepEqual(documentedGrid("log2", 3).codes, [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual([documentedGrid("symmetric", 8).min, documentedGrid("symmetric", 8).max], [
    -127,
    127,
  ]);
  assert.deepEqual([documentedGrid("affine", 8).min, documentedGrid("affine", 8).max], [0, 255]);
  assert.equal(documentedGrid("affine", 16).codes.length, 65536);
  const cases = [
    ...[1, 2, 3, 4, 5, 8, 12, 16].flatMap((b) => [["symmetric", b], ["affine", b]] as const),
    ...[1, 2, 3, 4, 5, 8].map((b) => ["log2", b] as const),
  ];
  for (const [kind, bits] of cases) {
    const label = `${kind} ${bits}-bit`;
    const want = documentedGrid(kind, bits);
    const scheme = kind === "affine" ? "affine" : "symmetric";
    assert.deepEqual(
      codeRange(kind === "log2" ? "log2" : "uniform", scheme, bits),
      { min: want.min, max: want.max },
      label,
    );
    const data = everyCodeWeights(kind, bits);
    const t = quantizeTensor({ data, rows: 1, cols: data.length }, {
      method: kind === "log2"
        ? { kind, bits, granularity: "tensor", calibration: { kind: "minmax" } }
        : { kind: "uniform", scheme, bits, granularity: "tensor", calibration: { kind: "minmax" } },
    });
    assert.equal(t.bits, bits, label);
    checkGrid(t, want, label);
  }
});

Deno.test("codebook codes are the indices 0 .. levels - 1 in ceil(log2(levels)) bits", () => {
  for (const [levels, bits] of [[2, 1], [3, 2], [4, 2], [5, 3], [8, 3], [16, 4], [300, 9]]) {
    // `levels` well separated clusters of three values each: k-means gives each its own entry.
    const data = Float64Array.from(
      { length: 3 * levels },
      (_, i) => Math.floor(i / 3) + (i % 3) * 0.01,
    );
    const t = quantizeTensor({ data, rows: 1, cols: data.length }, {
      method: { kind: "kmeans", levels, granularity: "tensor", init: "linear" },
    });
    assert.equal(t.kind, "codebook");
    assert.equal(t.bits, bits, `${levels} levels`);
    checkGrid(t, documentedGrid("codebook", levels), `${levels} levels`);
  }
});

Deno.test("a codebook entry -0 is listed as the level 0", () => {
  // Dequantization gives -0 for its codes, which compares equal to 0: the level is 0 either way.
  const t: QuantizedTensor = {
    kind: "codebook",
    levels: 3,
    bits: 2,
    granularity: "tensor",
    rows: 1,
    cols: 3,
    codes: Uint8Array.of(0, 1, 2),
    codebook: Float32Array.of(-0.5, -0, 0.25),
  };
  const levels = quantizationLevels(t);
  assert.equal(levels.length, 3);
  assert.ok(Object.is(levels[1], 0), `got ${Object.is(levels[1], -0) ? "-0" : levels[1]}`);
});
