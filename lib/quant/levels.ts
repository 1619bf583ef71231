/**
 * The levels of a quantized tensor: every value its codes can stand for, e.g. to mark them on a
 * weight histogram.
 *
 * @module
 */

import { assertInRange, checkOptionKeys, type OptionKeys } from "../core/validate.ts";
import { log2Value } from "./dequantize.ts";
import { codeRange, groupCount } from "./grid.ts";
import type { QuantizedTensor } from "./types.ts";
import { validateQuantizedTensor } from "./validate.ts";

/** Options for {@linkcode quantizationLevels}. */
export interface QuantizationLevelsOptions {
  /**
   * The parameter group (class row or feature column, see `granularity`) whose levels to list.
   * @default {every group: the union of their levels}
   */
  group?: number;
}

/**
 * Every value a quantized tensor's codes can stand for: for each code of the grid (uniform,
 * log2) or entry of the codebook, the value dequantization gives it. These are the levels a
 * histogram of the dequantized weights can only fall on.
 *
 * @param t The tensor (uniform, log2 or codebook).
 * @param options Which group; by default all groups together.
 * @returns The distinct levels, ascending (`-0` counted as `0`).
 * @throws {TypeError} If `t` is not a well-formed quantized tensor.
 * @throws {RangeError} If `t` is float16 (65,536 bit patterns, not a short list of levels) or
 *   `group` is not a group of `t`.
 *
 * @example A 2-bit affine tensor has four levels
 * ```ts
 * import { quantizationLevels } from "./levels.ts";
 * import assert from "node:assert/strict";
 *
 * const levels = quantizationLevels({
 *   kind: "uniform", scheme: "affine", bits: 2, granularity: "tensor", rows: 1, cols: 2,
 *   codes: Uint8Array.from([0, 3]), scale: Float32Array.of(0.5), zeroPoint: Int32Array.of(1),
 * });
 * assert.deepEqual([...levels], [-0.5, 0, 0.5, 1]);
 * ```
 */
export function quantizationLevels(
  t: QuantizedTensor,
  options: QuantizationLevelsOptions = {},
): Float64Array {
  const action = "list quantization levels";
  validateQuantizedTensor(t, action);
  if (t.kind === "float16") {
    throw new RangeError(
      `Cannot ${action}: a float16 tensor has 65,536 bit patterns, not a short list of levels`,
    );
  }
  checkOptionKeys(action, options, { group: true } satisfies OptionKeys<QuantizationLevelsOptions>);
  const groups = groupCount(t.granularity, t.rows, t.cols);
  let first = 0, last = groups - 1;
  if (options.group !== undefined) {
    assertInRange(action, "group", options.group, 0, groups - 1, true);
    first = last = options.group;
  }
  const values = new Set<number>();
  for (let g = first; g <= last; g++) {
    switch (t.kind) {
      case "codebook":
        for (let q = 0; q < t.levels; q++) values.add(t.codebook[g * t.levels + q]);
        break;
      case "log2":
      case "uniform": {
        const r = codeRange(t.kind, t.kind === "uniform" ? t.scheme : "symmetric", t.bits);
        const signedOneBit = t.bits === 1 && r.min === -1;
        for (let q = r.min; q <= r.max; q++) {
          if (signedOneBit && q === 0) continue; // 1-bit signed codes are -1 and +1
          values.add(
            t.kind === "log2" ? log2Value(q, t.scale[g]) : t.scale[g] * (q - t.zeroPoint[g]),
          );
        }
        break;
      }
    }
  }
  return Float64Array.from(values, (v) => v + 0).sort();
}
