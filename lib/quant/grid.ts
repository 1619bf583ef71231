/**
 * Facts about quantization grids that every part of `lib/quant/` (and a file format) needs:
 * code ranges, the code array of a kind and bit width, groups.
 *
 * @module
 */

import type { CodeArray, Granularity, QuantizedTensor, UniformScheme } from "./types.ts";

/** The smallest and largest code of a grid. */
export interface CodeRange {
  /** Smallest code. */
  readonly min: number;
  /** Largest code. */
  readonly max: number;
}

/**
 * The code range of a uniform or log2 grid (see the table in `types.ts`).
 *
 * @param kind `"uniform"` or `"log2"`.
 * @param scheme The uniform scheme (ignored for log2, which is signed).
 * @param bits The bit width, 1..16 (1..8 for log2; not checked here).
 * @returns `{-1, +1}` at 1 bit for signed grids, `-(2^(b-1) - 1) .. 2^(b-1) - 1` for signed
 *   grids of b >= 2 bits, `0 .. 2^b - 1` for affine.
 *
 * @example Ternary and 8-bit
 * ```ts
 * import { codeRange } from "./grid.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(codeRange("uniform", "symmetric", 2), { min: -1, max: 1 });
 * assert.deepEqual(codeRange("uniform", "affine", 8), { min: 0, max: 255 });
 * assert.deepEqual(codeRange("uniform", "symmetric", 8), { min: -127, max: 127 });
 * ```
 */
export function codeRange(
  kind: "uniform" | "log2",
  scheme: UniformScheme,
  bits: number,
): CodeRange {
  if (kind === "uniform" && scheme === "affine") return { min: 0, max: 2 ** bits - 1 };
  if (bits === 1) return { min: -1, max: 1 };
  const m = 2 ** (bits - 1) - 1;
  return { min: -m, max: m };
}

/**
 * Allocates the code array of a tensor: the smallest integer typed array that holds its codes.
 *
 * @param signed Whether the codes are signed (uniform symmetric, log2).
 * @param bits Bits per code (for a codebook, `ceil(log2(levels))`), 1..16.
 * @param length Number of codes.
 * @returns `Int8Array`/`Uint8Array` for 8 bits or fewer, else `Int16Array`/`Uint16Array`.
 */
export function allocateCodes(signed: boolean, bits: number, length: number): CodeArray {
  if (bits <= 8) return signed ? new Int8Array(length) : new Uint8Array(length);
  return signed ? new Int16Array(length) : new Uint16Array(length);
}

/**
 * Number of parameter groups of a `(rows, cols)` tensor.
 *
 * @param granularity The granularity.
 * @param rows Rows of the tensor.
 * @param cols Columns of the tensor.
 * @returns 1, `rows` or `cols`.
 */
export function groupCount(granularity: Granularity, rows: number, cols: number): number {
  return granularity === "tensor" ? 1 : granularity === "class" ? rows : cols;
}

/**
 * The group of element `(i, j)`.
 *
 * @param granularity The granularity.
 * @param i Row.
 * @param j Column.
 * @returns 0, `i` or `j`.
 */
export function groupOf(granularity: Granularity, i: number, j: number): number {
  return granularity === "tensor" ? 0 : granularity === "class" ? i : j;
}

/**
 * Bits of a codebook index.
 *
 * @param levels Codebook entries, >= 2.
 * @returns `ceil(log2(levels))`.
 */
export function codebookBits(levels: number): number {
  return Math.max(1, Math.ceil(Math.log2(levels) - 1e-12));
}

/**
 * The largest exponent `E = 2^(bits-1) - 2` of a log2 grid (its smallest non-zero level is
 * `scale * 2^-E`); 0 at 1 bit.
 *
 * @param bits Bits, 1..8.
 * @returns `E`.
 */
export function log2MaxExponent(bits: number): number {
  return bits === 1 ? 0 : 2 ** (bits - 1) - 2;
}

/**
 * Number of distinct values a tensor's grid can represent per group.
 *
 * @param t The tensor.
 * @returns `2^bits` (affine), `2^bits - 1` (symmetric and log2 at b >= 2), 2 (1 bit),
 *   `levels` (codebook), 65536 patterns (float16; fewer distinct numbers).
 */
export function levelCount(t: QuantizedTensor): number {
  switch (t.kind) {
    case "uniform":
    case "log2": {
      const r = codeRange(t.kind, t.kind === "uniform" ? t.scheme : "symmetric", t.bits);
      return t.bits === 1 && r.min === -1 ? 2 : r.max - r.min + 1;
    }
    case "codebook":
      return t.levels;
    case "float16":
      return 65536;
  }
}

/**
 * The code of group `g` nearest to 0.0 (the lower on a tie): the code a decoder puts where the
 * file stores none.
 */
export function zeroCode(t: QuantizedTensor, g: number): number {
  switch (t.kind) {
    case "uniform":
      return t.scheme === "affine" ? t.zeroPoint[g] : t.bits === 1 ? -1 : 0;
    case "log2":
      return t.bits === 1 ? -1 : 0;
    case "float16":
      return 0;
    case "codebook": {
      let best = 0;
      for (let q = 1; q < t.levels; q++) {
        if (Math.abs(t.codebook[g * t.levels + q]) < Math.abs(t.codebook[g * t.levels + best])) {
          best = q;
        }
      }
      return best;
    }
  }
}
