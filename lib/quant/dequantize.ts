/**
 * Dequantization: the exact inverse of each code mapping (see `types.ts`).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { fromFloat16Bits } from "./float16.ts";
import type { QuantizedTensor } from "./types.ts";
import { validateQuantizedTensor } from "./validate.ts";

/**
 * The value of a log2 code.
 *
 * @param q The code.
 * @param s The group's scale.
 * @returns `0` for code 0, else `sign(q) * s * 2^-(|q| - 1)`.
 */
export function log2Value(q: number, s: number): number {
  if (q === 0) return 0;
  return q > 0 ? s * 2 ** -(q - 1) : -s * 2 ** -(-q - 1);
}

/**
 * The float values a quantized tensor stands for.
 *
 * @param t The tensor.
 * @returns A new Float64 matrix of shape `(t.rows, t.cols)`.
 * @throws {TypeError} If `t` is not a well-formed quantized tensor.
 * @throws {RangeError} If a code or parameter is out of range.
 *
 * @example A 2-bit affine tensor
 * ```ts
 * import { dequantizeTensor } from "./dequantize.ts";
 * import assert from "node:assert/strict";
 *
 * const m = dequantizeTensor({
 *   kind: "uniform", scheme: "affine", bits: 2, granularity: "tensor", rows: 1, cols: 4,
 *   codes: Uint8Array.from([0, 1, 2, 3]), scale: Float32Array.of(0.5), zeroPoint: Int32Array.of(1),
 * });
 * assert.deepEqual([...m.data], [-0.5, 0, 0.5, 1]);
 * ```
 */
export function dequantizeTensor(t: QuantizedTensor): Matrix<Float64Array> {
  validateQuantizedTensor(t, "dequantize tensor");
  const out = new Float64Array(t.rows * t.cols);
  dequantizeInto(t, out);
  return { data: out, rows: t.rows, cols: t.cols };
}

/**
 * Writes the values of a (trusted, well-formed) quantized tensor into `out`. Kernel behind
 * {@linkcode dequantizeTensor}; no checks.
 *
 * @param t The tensor.
 * @param out Receives `rows * cols` values, row-major.
 */
export function dequantizeInto(t: QuantizedTensor, out: Float64Array): void {
  const { rows, cols } = t;
  switch (t.kind) {
    case "float16":
      for (let i = 0; i < t.codes.length; i++) out[i] = fromFloat16Bits(t.codes[i]);
      return;
    case "codebook": {
      const L = t.levels, cb = t.codebook, codes = t.codes;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
          out[i * cols + j] = cb[g * L + codes[i * cols + j]];
        }
      }
      return;
    }
    case "log2": {
      const codes = t.codes;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
          out[i * cols + j] = log2Value(codes[i * cols + j], t.scale[g]);
        }
      }
      return;
    }
    case "uniform": {
      const codes = t.codes;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
          out[i * cols + j] = t.scale[g] * (codes[i * cols + j] - t.zeroPoint[g]);
        }
      }
      return;
    }
  }
}
