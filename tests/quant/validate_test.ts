import assert from "node:assert/strict";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizedModel, QuantizedTensor } from "../../lib/quant/types.ts";
import { validateQuantizedModel, validateQuantizedTensor } from "../../lib/quant/validate.ts";

// The range checks of quantized tensors and models against their contract (types.ts): no other
// test reached the affine zero point's bounds, a codebook's first pair or a mask entry above 1
// (a zero point of 2^b, a codebook [1, 0.5, 2] and a mask entry of 2 were taken when those checks
// were loosened; found by the test-quality review's mutations).

const model: LogisticModel = {
  kind: "logistic-regression",
  version: MODEL_VERSION,
  link: "sigmoid",
  weights: { data: Float64Array.of(0.5, -1, 0, 2), rows: 1, cols: 4 },
  bias: Float64Array.of(0.25),
  classes: ["no", "yes"],
  featureNames: ["a", "b", "c", "d"],
  preprocessing: { kind: "none" },
};

/** A 1 x 4 tensor of the given kind, with what `extra` sets. */
function tensor(extra: Record<string, unknown>): QuantizedTensor {
  return { rows: 1, cols: 4, granularity: "tensor", ...extra } as unknown as QuantizedTensor;
}

function refused(t: QuantizedTensor, type: ErrorConstructor, message: string) {
  assert.throws(
    () => validateQuantizedTensor(t, "check"),
    (e: Error) => {
      assert.equal(e.message, `Cannot check: ${message}`);
      assert.ok(e instanceof type, e.name);
      return true;
    },
  );
}

Deno.test("an affine zero point is taken anywhere in the code range 0..2^b - 1 and nowhere else", () => {
  const affine = (bits: number, zeroPoint: number) =>
    tensor({
      kind: "uniform",
      scheme: "affine",
      bits,
      codes: (bits <= 8 ? Uint8Array : Uint16Array).of(0, 1, 2, 3),
      scale: Float32Array.of(0.5),
      zeroPoint: Int32Array.of(zeroPoint),
    });
  for (const bits of [2, 3, 8, 9]) {
    const max = 2 ** bits - 1;
    validateQuantizedTensor(affine(bits, 0), "check");
    validateQuantizedTensor(affine(bits, max), "check");
    for (const z of [-1, max + 1]) {
      refused(affine(bits, z), RangeError, `zeroPoint[0] is ${z}; it must be in 0..${max}`);
    }
  }
  const symmetric = (zeroPoint: number) =>
    tensor({
      kind: "uniform",
      scheme: "symmetric",
      bits: 3,
      codes: Int8Array.of(-3, 0, 1, 3),
      scale: Float32Array.of(0.5),
      zeroPoint: Int32Array.of(zeroPoint),
    });
  validateQuantizedTensor(symmetric(0), "check");
  refused(symmetric(1), RangeError, "zeroPoint[0] is 1; it must be 0 for symmetric");
});

Deno.test("codes outside their range are refused: 2^b for affine, +-2^(b-1) and a 1-bit 0 for symmetric", () => {
  const codes = (scheme: string, bits: number, values: number[]) =>
    tensor({
      kind: "uniform",
      scheme,
      bits,
      codes: (scheme === "affine" ? Uint8Array : Int8Array).from(values),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(0),
    });
  validateQuantizedTensor(codes("affine", 3, [0, 7, 7, 0]), "check");
  refused(codes("affine", 3, [0, 7, 8, 0]), RangeError, "code 8 at index 2 is outside 0..7");
  validateQuantizedTensor(codes("symmetric", 3, [-3, 3, 0, 1]), "check");
  refused(codes("symmetric", 3, [-3, 4, 0, 1]), RangeError, "code 4 at index 1 is outside -3..3");
  refused(codes("symmetric", 3, [-4, 3, 0, 1]), RangeError, "code -4 at index 0 is outside -3..3");
  validateQuantizedTensor(codes("symmetric", 1, [-1, 1, 1, -1]), "check");
  refused(
    codes("symmetric", 1, [-1, 1, 0, -1]),
    RangeError,
    "code 0 at index 2 is outside {-1, +1}",
  );
});

Deno.test("a codebook must be strictly ascending from its first pair on, in every group", () => {
  const book = (codebook: number[], granularity = "tensor", rows = 1) =>
    tensor({
      kind: "codebook",
      rows,
      cols: 2,
      granularity,
      bits: 2,
      levels: 3,
      codes: new Uint8Array(rows * 2),
      codebook: Float32Array.from(codebook),
    });
  validateQuantizedTensor(book([-1, 0, 2]), "check");
  for (
    const [cb, k] of [[[1, 0.5, 2], 1], [[0, 0, 2], 1], [[0, 1, 1], 2], [[0, 2, 1], 2]] as const
  ) {
    refused(
      book([...cb]),
      RangeError,
      `codebook of group 0 is not strictly ascending at entry ${k}`,
    );
  }
  // Per class: the second group's first pair.
  validateQuantizedTensor(book([0, 1, 2, -2, -1, 0], "class", 2), "check");
  refused(
    book([0, 1, 2, -1, -2, 0], "class", 2),
    RangeError,
    "codebook of group 1 is not strictly ascending at entry 1",
  );
});

Deno.test("a quantized model's mask holds 0 and 1 only", () => {
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
  const withMask = (mask: Uint8Array): QuantizedModel => ({ ...q, mask });
  validateQuantizedModel(withMask(Uint8Array.of(1, 1, 0, 1)), "check");
  for (const bad of [2, 255]) {
    assert.throws(
      () => validateQuantizedModel(withMask(Uint8Array.of(1, bad, 0, 1)), "check"),
      new RangeError(`Cannot check: mask[1] is ${bad}`),
    );
  }
  assert.throws(
    () => validateQuantizedModel(withMask(Uint8Array.of(1, 1, 0)), "check"),
    new TypeError("Cannot check: mask must be a Uint8Array of 4 entries"),
  );
});

Deno.test("a float16 tensor holding an infinity or NaN bit pattern is refused", () => {
  // Patterns with every exponent bit set (0x7c00 +inf, 0xfc00 -inf, 0x7e00 a NaN) are not
  // finite; no test tried one, so checking only the all-ones pattern 0x7fff passed (mutation
  // audit). 0x7bff (65504) and 0xfbff (-65504) are the largest finite halves.
  const half = (codes: number[]) =>
    tensor({ kind: "float16", bits: 16, codes: Uint16Array.from(codes) });
  validateQuantizedTensor(half([0x7bff, 0xfbff, 0, 0x3c00]), "check");
  refused(half([0x3c00, 0x7c00, 0, 0]), RangeError, "float16 code 0x7c00 at index 1 is not finite");
  refused(half([0xfc00, 0, 0, 0]), RangeError, "float16 code 0xfc00 at index 0 is not finite");
  refused(half([0, 0, 0, 0x7e00]), RangeError, "float16 code 0x7e00 at index 3 is not finite");
});

Deno.test("a 1-bit log2 tensor has codes -1 and +1 only, as 1-bit uniform", () => {
  // A 1-bit log2 grid is +-scale with no zero level; only the uniform 1-bit code 0 was tried, so
  // accepting a log2 code 0 passed every test (mutation audit).
  const log2 = (bits: number, codes: number[]) =>
    tensor({ kind: "log2", bits, codes: Int8Array.from(codes), scale: Float32Array.of(1) });
  validateQuantizedTensor(log2(1, [-1, 1, 1, -1]), "check");
  refused(log2(1, [-1, 1, 0, -1]), RangeError, "code 0 at index 2 is outside {-1, +1}");
  validateQuantizedTensor(log2(2, [-1, 0, 1, 0]), "check"); // 2 bits: 0 and +-s
});

Deno.test("an int32 bias needs the input quantization, whose int8 zero point may be -128", async () => {
  // An int32 bias is at the product scale of inputs and weights, so without the input
  // quantization its scale means nothing; no test reached the refusal (dropping it passed), nor
  // the ends of an int8 input's zero point, -128 and 127 (a range of -127..127 passed).
  const { calibrateInput } = await import("../../lib/quant/integer.ts");
  const { fromRows } = await import("../../lib/core/matrix.ts");
  const x = fromRows([[0, 1, 2, 3], [1, 0, -1, 2]]);
  const q = calibrateInput(quantizeModel(model, { method: { kind: "uniform", bits: 8 } }), x);
  assert.equal(q.bias.kind, "int32");
  validateQuantizedModel(q, "check");
  const { input: _, ...noInput } = q;
  assert.throws(() => validateQuantizedModel(noInput as QuantizedModel, "check"), {
    name: "TypeError",
    message: "Cannot check: an int32 bias needs the input quantization (input)",
  });
  for (const zeroPoint of [-128, 127]) {
    validateQuantizedModel({ ...q, input: { ...q.input!, dtype: "int8", zeroPoint } }, "check");
  }
  for (const [dtype, zeroPoint, range] of [["int8", -129, "-128..127"], ["uint8", 256, "0..255"]]) {
    assert.throws(
      () =>
        validateQuantizedModel(
          { ...q, input: { ...q.input!, dtype: dtype as "int8", zeroPoint: zeroPoint as number } },
          "check",
        ),
      {
        name: "RangeError",
        message: `Cannot check: input zeroPoint ${zeroPoint} is outside ${range}`,
      },
    );
  }
});

Deno.test("a codebook's codes are taken up to levels - 1 and refused from levels on", () => {
  // Found by the validators' mutation audit: accepting a code equal to levels, or a codebook one
  // entry too long, passed every test. A codebook of L levels has codes 0..L-1.
  const book = (levels: number, codes: number[], extra = 0) =>
    tensor({
      kind: "codebook",
      bits: Math.ceil(Math.log2(levels)),
      levels,
      codes: Uint8Array.from(codes),
      codebook: Float32Array.from({ length: levels + extra }, (_, k) => k),
    });
  for (const levels of [2, 3, 5, 8]) {
    validateQuantizedTensor(book(levels, [0, levels - 1, 1, 0]), "check");
    refused(
      book(levels, [0, 1, levels, 0]),
      RangeError,
      `code ${levels} at index 2 is outside 0..${levels - 1}`,
    );
    refused(
      book(levels, [0, 1, 1, 0], 1),
      TypeError,
      `codebook must be a Float32Array of ${levels} entries, got Float32Array(${levels + 1})`,
    );
  }
});

Deno.test("a tensor scale is taken when finite and > 0, down to the smallest float32", () => {
  // Found by the validators' mutation audit: accepting a scale of 0, or an infinite one, passed
  // every test. The smallest positive float32 is 2^-149, the largest 2^128 - 2^104.
  // The largest scale is taken on a 2-bit grid (levels -s, 0, s): at 4 bits its level 7s would
  // not fit float32, which checkLevelsFitFloat32 refuses.
  const scaled = (scale: number, bits = 4) =>
    tensor({
      kind: "uniform",
      scheme: "symmetric",
      bits,
      codes: bits === 2 ? Int8Array.of(-1, 0, 1, 1) : Int8Array.of(-7, 0, 3, 7),
      scale: Float32Array.of(scale),
      zeroPoint: Int32Array.of(0),
    });
  for (const good of [2 ** -149, 1]) validateQuantizedTensor(scaled(good), "check");
  validateQuantizedTensor(scaled(2 ** 128 - 2 ** 104, 2), "check");
  for (const bad of [0, -0, -(2 ** -149), Infinity, -Infinity, NaN]) {
    const shown = Math.fround(bad);
    refused(scaled(bad), RangeError, `scale[0] is ${shown}, not finite > 0`);
  }
});

Deno.test("bit widths are taken up to 16 (8 for log2) and refused one above, and at 0", () => {
  // Found by the validators' mutation audit: accepting 17 bits passed every test.
  const uniform = (bits: number) =>
    tensor({
      kind: "uniform",
      scheme: "affine",
      bits,
      codes: Uint16Array.of(0, 1, 2, 3),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(0),
    });
  const log2 = (bits: number) =>
    tensor({ kind: "log2", bits, codes: Int8Array.of(-1, 0, 1, 0), scale: Float32Array.of(1) });
  for (const [kind, make, max] of [["uniform", uniform, 16], ["log2", log2, 8]] as const) {
    validateQuantizedTensor(make(max), "check");
    for (const bad of [0, max + 1]) {
      refused(
        make(bad),
        RangeError,
        `bits must be an integer in [1, ${max}] for ${kind}, got ${bad}`,
      );
    }
  }
});

Deno.test("a quantized model's shapes: one bias per output, a mask per weight, at least one column", () => {
  // Found by the validators' mutation audit: a bias or a mask one entry too long, and a model of
  // 0 columns, passed every test.
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
  assert.equal(q.bias.kind, "float32");
  const refusedModel = (m: unknown, message: string) =>
    assert.throws(() => validateQuantizedModel(m as QuantizedModel, "check"), {
      name: "TypeError",
      message: `Cannot check: ${message}`,
    });
  validateQuantizedModel({ ...q, bias: { kind: "float32", values: Float32Array.of(1) } }, "check");
  refusedModel(
    { ...q, bias: { kind: "float32", values: Float32Array.of(1, 1) } },
    "bias values must be a Float32Array of 1 entry, got Float32Array(2)",
  );
  refusedModel(
    { ...q, mask: Uint8Array.of(1, 1, 0, 1, 1) },
    "mask must be a Uint8Array of 4 entries",
  );
  const empty = {
    ...q,
    weights: { ...q.weights, cols: 0, codes: new Int8Array(0) },
    featureNames: [],
    mask: undefined,
  };
  refusedModel(empty, "weights must be 1 x nFeatures, got 1 x 0");
});

Deno.test("scales near float32's ends: the input's normal range, an int32 bias scale not rounding to 0", async () => {
  // Found by the validators' mutation audit: refusing an input scale of exactly 2^-126 (the
  // smallest normal float32), or accepting an int32 bias scale that float32 rounds to 0, passed
  // every test.
  const { calibrateInput } = await import("../../lib/quant/integer.ts");
  const { fromRows } = await import("../../lib/core/matrix.ts");
  const x = fromRows([[0, 1, 2, 3], [1, 0, -1, 2]]);
  const q = calibrateInput(quantizeModel(model, { method: { kind: "uniform", bits: 8 } }), x);
  const withInputScale = (scale: number) => ({ ...q, input: { ...q.input!, scale } });
  const f32Max = (2 - 2 ** -23) * 2 ** 127;
  for (const scale of [2 ** -126, f32Max]) validateQuantizedModel(withInputScale(scale), "check");
  for (const scale of [2 ** -126 * (1 - Number.EPSILON / 2), f32Max * (1 + Number.EPSILON)]) {
    assert.throws(() => validateQuantizedModel(withInputScale(scale), "check"), {
      name: "RangeError",
      message: `Cannot check: input scale is ${scale}, outside float32's normal range ` +
        "[2^-126, 3.4e38]; rescale the inputs",
    });
  }
  assert.equal(q.bias.kind, "int32");
  const withBiasScale = (scale: number) => ({
    ...q,
    bias: { kind: "int32" as const, values: Int32Array.of(1), scale: Float64Array.of(scale) },
  });
  // 2^-149 is the smallest positive float32; 2^-151 rounds to 0 there.
  validateQuantizedModel(withBiasScale(2 ** -149), "check");
  assert.equal(Math.fround(2 ** -151), 0);
  assert.throws(() => validateQuantizedModel(withBiasScale(2 ** -151), "check"), {
    name: "RangeError",
    message: `Cannot check: bias scale[0] is ${2 ** -151}, below the float32 range (it would be 0)`,
  });
});

Deno.test("a recipe's seed must be a finite number", () => {
  // Found by the validators' mutation audit: accepting an infinite or NaN seed passed every test.
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
  validateQuantizedModel({ ...q, recipe: { seed: -(2 ** 53) } }, "check");
  for (const seed of [Infinity, -Infinity, NaN]) {
    assert.throws(() => validateQuantizedModel({ ...q, recipe: { seed } }, "check"), {
      name: "TypeError",
      message: `Cannot check: recipe.seed must be a finite number, got number ${seed}`,
    });
  }
});

Deno.test("a codebook has 2..65536 levels, and a tensor exactly rows x cols codes", () => {
  // Found by the validators' mutation audit: a codebook of 1 level, and one code too many, passed
  // every test.
  const book = (levels: number, bits: number, nCodes = 4) =>
    tensor({
      kind: "codebook",
      bits,
      levels,
      codes: levels <= 256 ? new Uint8Array(nCodes) : new Uint16Array(nCodes),
      codebook: Float32Array.from({ length: levels }, (_, k) => k),
    });
  validateQuantizedTensor(book(2, 1), "check");
  validateQuantizedTensor(book(2 ** 16, 16), "check");
  // The boundary of the code array (types.ts): 256 levels have 8-bit codes, in a Uint8Array;
  // 257 levels 9-bit codes, in a Uint16Array. A mutant that wanted a Uint16Array at 256 levels
  // passed every test (quantizeTensor makes the codes without validating them).
  validateQuantizedTensor(book(256, 8), "check");
  validateQuantizedTensor(book(257, 9), "check");
  refused(
    { ...book(256, 8), codes: new Uint16Array(4) } as QuantizedTensor,
    TypeError,
    "codes must be a Uint8Array of 4 entries for this codebook tensor, got Uint16Array(4)",
  );
  for (const [levels, bits] of [[1, 1], [2 ** 16 + 1, 16]]) {
    refused(
      book(levels, bits),
      RangeError,
      `levels must be an integer in [2, 65536], got ${levels}`,
    );
  }
  refused(
    book(2, 1, 5),
    TypeError,
    "codes must be a Uint8Array of 4 entries for this codebook tensor, got Uint8Array(5)",
  );
});

Deno.test("a quantized sigmoid model has 2 classes and one weight row; softmax one row per class", () => {
  // Found by the validators' mutation audit: a sigmoid model of 3 classes, and a weight matrix
  // with more rows than outputs, passed every test.
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
  assert.throws(
    () => validateQuantizedModel({ ...q, classes: ["a", "b", "c"] }, "check"),
    new TypeError("Cannot check: a sigmoid model has exactly 2 classes"),
  );
  const rows = (link: "sigmoid" | "softmax", classes: string[], nRows: number): QuantizedModel => ({
    ...q,
    link,
    classes,
    weights: {
      ...q.weights,
      granularity: "tensor",
      rows: nRows,
      codes: new Int8Array(nRows * 4),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(0),
    } as QuantizedTensor,
    bias: { kind: "float32", values: new Float32Array(link === "sigmoid" ? 1 : classes.length) },
  });
  for (const [link, classes] of [["sigmoid", ["a", "b"]], ["softmax", ["a", "b", "c"]]] as const) {
    const nOut = link === "sigmoid" ? 1 : classes.length;
    validateQuantizedModel(rows(link, [...classes], nOut), "check");
    for (const bad of [nOut - 1, nOut + 1]) {
      assert.throws(
        () => validateQuantizedModel(rows(link, [...classes], bad), "check"),
        new TypeError(`Cannot check: weights must be ${nOut} x nFeatures, got ${bad} x 4`),
      );
    }
  }
});
