/**
 * Property-based tests (fast-check, fixed seed and run count) of quantization's invariants:
 * any finite input either quantizes to a valid tensor (codes in range, finite positive scales)
 * whose dequantized values are finite, requantize to the same codes and lie within half a step
 * of the input (inside the grid's range; clamped to the end level outside it), or is refused
 * with a RangeError for a stated reason. Levels come from the code mapping's definition
 * (lib/quant/types.ts), not from the dequantizer.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng } from "../../lib/core/random.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { dequantizeTensor } from "../../lib/quant/dequantize.ts";
import { fromFloat16Bits } from "../../lib/quant/float16.ts";
import { codeRange, groupOf } from "../../lib/quant/grid.ts";
import { countDistinct } from "../../lib/quant/kmeans.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import {
  type QuantizationMethod,
  quantizeOnGrid,
  quantizeTensor,
} from "../../lib/quant/quantize.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import type { Granularity, QuantizedTensor } from "../../lib/quant/types.ts";
import { validateQuantizedTensor } from "../../lib/quant/validate.ts";
import { randomFloatModel } from "../_helpers/random_models.ts";

const SEED = 20261128;

const granularity = fc.constantFrom<Granularity>("tensor", "class", "feature");
const calibration = fc.oneof(
  fc.constant({ kind: "minmax" as const }),
  fc.constant({ kind: "mse" as const }),
  fc.double({ min: 50, max: 100, noNaN: true }).map((p) => ({
    kind: "percentile" as const,
    percentile: p,
  })),
);
const rounding = fc.oneof(
  fc.constant({ kind: "nearest" as const }),
  fc.integer({ min: 0, max: 1000 }).map((seed) => ({ kind: "stochastic" as const, seed })),
);
const method: fc.Arbitrary<QuantizationMethod> = fc.oneof(
  fc.record({
    kind: fc.constant("uniform" as const),
    scheme: fc.constantFrom("symmetric" as const, "affine" as const),
    bits: fc.integer({ min: 1, max: 16 }),
    granularity,
    calibration,
    rounding,
  }),
  fc.record({
    kind: fc.constant("log2" as const),
    bits: fc.integer({ min: 1, max: 8 }),
    granularity,
    calibration,
    rounding,
  }),
  fc.record({
    kind: fc.constant("kmeans" as const),
    levels: fc.integer({ min: 2, max: 6 }),
    granularity,
    init: fc.constantFrom("kmeans++" as const, "linear" as const),
  }),
  fc.constant({ kind: "float16" as const }),
);

/** Finite values of every scale: zeros, subnormals, ordinary weights, up to 1e30. */
const value = fc.oneof(
  fc.constantFrom(0, -0, 5e-324, -1e-310, 1e-300, 65504, -65519),
  fc.double({ min: -1, max: 1, noNaN: true }),
  fc.double({ min: -1e30, max: 1e30, noNaN: true }),
);
const tensor = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 })).chain(
  ([rows, cols]) =>
    fc.record({
      matrix: fc.array(value, { minLength: rows * cols, maxLength: rows * cols }).map(
        (v): Matrix<Float64Array> => ({ data: Float64Array.from(v), rows, cols }),
      ),
      mask: fc.option(
        fc.array(fc.constantFrom(0, 1), { minLength: rows * cols, maxLength: rows * cols })
          .map((m) => Uint8Array.from(m)),
        { nil: undefined },
      ),
    }),
);

/** Sorted levels of group `g` from the code mapping's definition (not the dequantizer). */
function levelsOf(t: QuantizedTensor, g: number): number[] {
  switch (t.kind) {
    case "uniform": {
      const r = codeRange("uniform", t.scheme, t.bits);
      const out: number[] = [];
      for (let q = r.min; q <= r.max; q++) {
        if (!(t.scheme === "symmetric" && t.bits === 1 && q === 0)) {
          out.push(t.scale[g] * (q - t.zeroPoint[g]));
        }
      }
      return out;
    }
    case "log2": {
      const s = t.scale[g];
      if (t.bits === 1) return [-s, s];
      const mags = [0];
      for (let e = 0; e <= 2 ** (t.bits - 1) - 2; e++) mags.push(s / 2 ** e);
      return [...new Set([...mags, ...mags.map((m) => -m)])].sort((a, b) => a - b);
    }
    case "codebook":
      return [...t.codebook.subarray(g * t.levels, (g + 1) * t.levels)];
    case "float16":
      return [];
  }
}

/** The values of group `g` that take part in calibration. */
function groupValues(m: Matrix, mask: Uint8Array | undefined, gr: Granularity, g: number) {
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const i = r * m.cols + c;
      if (groupOf(gr, r, c) === g && (!mask || mask[i])) out.push(m.data[i]);
    }
  }
  return out;
}

Deno.test("any finite tensor quantizes to a valid grid within half a step, or is refused for a stated reason", () => {
  let quantized = 0, refused = 0, minmaxRuns = 0;
  fc.assert(
    fc.property(method, tensor, (m, { matrix, mask }) => {
      const gr = m.kind === "kmeans" ? m.granularity ?? "tensor" : "tensor";
      const groups = gr === "tensor" ? 1 : gr === "class" ? matrix.rows : matrix.cols;
      const short = m.kind === "kmeans" && Array.from(
        { length: groups },
        (_, g) => countDistinct(groupValues(matrix, mask, gr, g).sort((a, b) => a - b)),
      ).some((n) => n < m.levels!);
      const beyondFloat16 = m.kind === "float16" &&
        matrix.data.some((v, i) => (!mask || mask[i]) && Math.abs(v) >= 65520);
      let q: QuantizedTensor;
      try {
        q = quantizeTensor(matrix, { method: m, mask });
      } catch (error) {
        refused++;
        assert.ok(error instanceof RangeError, String(error));
        const msg = error.message;
        assert.match(msg, /^Cannot quantize weights: /);
        if (m.kind === "kmeans") {
          // refused only when some group has fewer distinct kept values than levels
          assert.ok(short && /needs at least \d+ distinct weights/.test(msg), msg);
        } else {
          assert.equal(m.kind, "float16", msg); // |values| <= 1e30: uniform and log2 never fail
          assert.ok(beyondFloat16, msg);
        }
        return;
      }
      // and refused whenever they do
      assert.ok(!short, "k-means quantized a group with fewer distinct values than levels");
      assert.ok(!beyondFloat16, "float16 quantized a value beyond its range");
      quantized++;
      validateQuantizedTensor(q, "check the quantized tensor"); // codes in range, scales > 0
      const back = dequantizeTensor(q).data;
      assert.ok(back.every(Number.isFinite), "dequantized values are finite");
      assert.deepEqual(quantizeOnGrid(q, dequantizeTensor(q), { mask }).codes, q.codes);
      const nearest = !("rounding" in m) || m.rounding?.kind !== "stochastic";
      const minmax = "calibration" in m && m.calibration?.kind === "minmax";
      if (minmax) minmaxRuns++;
      for (let r = 0; r < matrix.rows; r++) {
        for (let c = 0; c < matrix.cols; c++) {
          const i = r * matrix.cols + c;
          const v = matrix.data[i];
          if (q.kind === "float16") {
            assert.equal(back[i], fromFloat16Bits(q.codes[i]));
            const bound = Math.abs(v) < 2 ** -14 ? 2 ** -25 : Math.abs(v) * 2 ** -11;
            if (!mask || mask[i]) assert.ok(Math.abs(back[i] - v) <= bound, `${v} ${back[i]}`);
            continue;
          }
          const levels = levelsOf(q, groupOf(q.granularity, r, c));
          const lo = levels[0], hi = levels[levels.length - 1];
          assert.ok(levels.includes(back[i]), `${back[i]} is a level`);
          if (mask && !mask[i]) {
            // masked: the level nearest 0 (exactly 0 when the grid has a zero level)
            const best = Math.min(...levels.map(Math.abs));
            assert.equal(Math.abs(back[i]), best);
            continue;
          }
          if (v < lo || v > hi) {
            assert.equal(back[i], v < lo ? lo : hi, `clamped ${v}`);
            if (minmax && levels.length > 1) {
              // The min/max grid spans every kept value (Calibration's JSDoc): it clips one only
              // by the float32 rounding of the scale (relative 2^-24, or 2^-150 absolute for a
              // subnormal scale, times the levels) or, affine, by the rounding of the zero point,
              // at most half a step. Any other clipping is a wrong range.
              const end = v < lo ? levels[1] - lo : hi - levels[levels.length - 2];
              const err = Math.abs(back[i] - v);
              assert.ok(
                err <= (end / 2) * (1 + 1e-6) + Math.abs(v) * 2 ** -22 + levels.length * 2 ** -149,
                `min/max clipped ${v}`,
              );
            }
            continue;
          }
          // the two levels around v
          let k = 0;
          while (k + 2 < levels.length && levels[k + 1] <= v) k++;
          const gap = levels[k + 1] - levels[k];
          const err = Math.abs(back[i] - v);
          const limit = nearest ? gap / 2 : gap;
          assert.ok(err <= limit * (1 + 1e-12) + 1e-300, `|${back[i]} - ${v}| > ${limit}`);
        }
      }
    }),
    { seed: SEED, numRuns: 600 },
  );
  assert.ok(quantized > 400 && refused > 10, `${quantized} quantized, ${refused} refused`);
  assert.ok(minmaxRuns > 50, `${minmaxRuns} min/max grids`);
});

Deno.test("any finite model quantizes to one whose predictions are finite and whose files read back equal", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.integer({ min: -30, max: 30 }),
      method.filter((m) => m.kind !== "kmeans"),
      (seed, exponent, m) => {
        const base = randomFloatModel(seed, { nFeatures: 1 + (seed % 12) });
        const weights = base.weights.data.map((v) => v * 10 ** exponent);
        const model = { ...base, weights: { ...base.weights, data: weights } };
        let q;
        try {
          q = quantizeModel(model, { method: m });
        } catch (error) {
          // only float16 can refuse weights of up to 1e33
          assert.ok(error instanceof RangeError && m.kind === "float16", String(error));
          assert.match(error.message, /beyond the float16 range/);
          return;
        }
        const prng = createPrng(seed);
        const cols = model.weights.cols;
        const x = {
          data: Float64Array.from({ length: 5 * cols }, () => prng() * 4 - 2),
          rows: 5,
          cols,
        };
        const p = predictProba(dequantizeModel(q), x);
        assert.ok(p.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
        assert.deepEqual(decodeModel(encodeModel(q)), q);
        assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(q)), q);
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("MSE per class or per feature is never worse, in any group, than per-tensor MSE", () => {
  // The documented promise: each group's MSE calibration also tries the tensor-wide MSE grid,
  // so its squared error in that group is at most the per-tensor grid's there.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.integer({ min: 2, max: 4 }),
      fc.constantFrom("class", "feature"),
      fc.constantFrom("symmetric", "affine", "log2"),
      (seed, bits, granularity, scheme) => {
        const prng = createPrng(seed);
        const rows = 3 + Math.floor(prng() * 5), cols = 4 + Math.floor(prng() * 20);
        // Heavy-tailed weights, so that groups differ in their outliers.
        const data = Float64Array.from(
          { length: rows * cols },
          () => (prng() - 0.5) * (prng() < 0.1 ? 20 : 1),
        );
        const matrix: Matrix = { data, rows, cols };
        const method = (g: Granularity): QuantizationMethod =>
          scheme === "log2"
            ? { kind: "log2", bits, granularity: g, calibration: { kind: "mse" } }
            : { kind: "uniform", scheme, bits, granularity: g, calibration: { kind: "mse" } };
        const fine = dequantizeTensor(quantizeTensor(matrix, { method: method(granularity) })).data;
        const whole = dequantizeTensor(quantizeTensor(matrix, { method: method("tensor") })).data;
        const groups = granularity === "class" ? rows : cols;
        for (let g = 0; g < groups; g++) {
          let a = 0, b = 0;
          for (let i = 0; i < data.length; i++) {
            if (groupOf(granularity, Math.floor(i / cols), i % cols) !== g) continue;
            a += (fine[i] - data[i]) ** 2;
            b += (whole[i] - data[i]) ** 2;
          }
          assert.ok(a <= b * (1 + 1e-9) + 1e-15, `group ${g}: ${a} > ${b}`);
        }
      },
    ),
    { seed: 21, numRuns: 300 },
  );
});
