/**
 * IEEE 754 binary16 ("half") conversion, exact: float64 to the nearest half with ties to even
 * (one rounding, straight from float64, never through float32), and back.
 *
 * @module
 */

import { describe } from "../core/validate.ts";

/** The largest finite half, `65504`. */
export const FLOAT16_MAX = 65504;

const TWO_24 = 2 ** 24;

/**
 * Rounds to the nearest integer, ties to even (as ONNX `QuantizeLinear`, numpy and IEEE 754
 * default rounding do; `Math.round` rounds ties up, which is not symmetric about zero).
 *
 * @param x Any finite number.
 * @returns The nearest integer; of two equally near, the even one.
 *
 * @example Ties go to even
 * ```ts
 * import { roundHalfEven } from "./float16.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4].map(roundHalfEven), [0, 2, 2, -0, -2, 2]);
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The binary16 bit pattern nearest to a number (ties to even). Magnitudes of 65520 and above
 * round to infinity, as IEEE 754 says; NaN gives the quiet NaN `0x7e00`.
 *
 * @param x Any number.
 * @returns The bit pattern, an integer in `0..0xffff`.
 * @throws {TypeError} If `x` is not a number.
 *
 * @example Known patterns
 * ```ts
 * import { toFloat16Bits } from "./float16.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(toFloat16Bits(1), 0x3c00);
 * assert.equal(toFloat16Bits(-2), 0xc000);
 * assert.equal(toFloat16Bits(65504), 0x7bff);
 * assert.equal(toFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
 * ```
 */
export function toFloat16Bits(x: number): number {
  if (typeof x !== "number") {
    throw new TypeError(`Cannot encode float16: the value must be a number, got ${describe(x)}`);
  }
  if (x !== x) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): units of 2^-24; exact scaling, one rounding. 1024 units is the
    // smallest normal, whose pattern 0x0400 is exactly 1024.
    return sign | roundHalfEven(a * TWO_24);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // a / 2^e is in [1, 2) exactly; subtracting 1 and scaling by 1024 are exact too.
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

/**
 * The number a binary16 bit pattern stands for.
 *
 * @param bits The bit pattern, an integer in `0..0xffff`.
 * @returns Its value (exact in float64): ±0, subnormal, normal, ±Infinity or NaN.
 * @throws {TypeError} If `bits` is not a number.
 * @throws {RangeError} If `bits` is not an integer in `0..0xffff`.
 *
 * @example Round trip
 * ```ts
 * import { fromFloat16Bits, toFloat16Bits } from "./float16.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fromFloat16Bits(0x3555), 0.333251953125);
 * assert.equal(toFloat16Bits(fromFloat16Bits(0x3555)), 0x3555);
 * ```
 */
export function fromFloat16Bits(bits: number): number {
  // Bit operations would wrap another number to some pattern (0x10000 to 0, -1 to a NaN).
  if (!(bits >= 0 && bits <= 0xffff && Number.isInteger(bits))) {
    if (typeof bits !== "number") {
      throw new TypeError(
        `Cannot decode float16: the bit pattern must be a number, got ${describe(bits)}`,
      );
    }
    throw new RangeError(
      `Cannot decode float16: the bit pattern must be an integer in 0..0xffff, got ${bits}`,
    );
  }
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}
