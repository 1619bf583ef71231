/**
 * Bit packing of unsigned integers at any width from 1 to 32 bits: `n` values of width `w` take
 * `ceil(n * w / 8)` bytes, so 3-bit codes take 3 bits. Values are laid out least significant
 * bit first: value `i` occupies bits `i * w .. i * w + w - 1` of the stream, where bit `k` of the
 * stream is bit `k % 8` (counting from the least significant) of byte `floor(k / 8)`. Unused
 * high bits of the last byte are zero.
 *
 * @module
 */

import { assertInRange, counted, describe } from "../core/validate.ts";

/**
 * Number of bytes that `count` values of `width` bits take.
 *
 * @param count Number of values.
 * @param width Bits per value.
 * @returns `ceil(count * width / 8)`.
 */
export function packedSize(count: number, width: number): number {
  return Math.ceil((count * width) / 8);
}

/**
 * Whether the unused high bits of the last byte of a packed stream are zero (as
 * {@linkcode packBits} writes them); readers use it to refuse non-canonical streams.
 *
 * @param bytes The packed bytes, exactly `ceil(count * width / 8)` of them.
 * @param count Number of values.
 * @param width Bits per value.
 * @returns `true` when the padding is zero.
 */
export function paddingIsZero(bytes: Uint8Array, count: number, width: number): boolean {
  const used = (count * width) % 8;
  return used === 0 || bytes.length === 0 || bytes[bytes.length - 1] >> used === 0;
}

/**
 * Packs unsigned integers at a fixed bit width.
 *
 * @param values Integers in `0 .. 2^width - 1`.
 * @param width Bits per value, 1..32.
 * @returns `ceil(values.length * width / 8)` bytes.
 * @throws {TypeError} If `values` is not an array or typed array.
 * @throws {RangeError} If `width` is not an integer in 1..32 or a value does not fit.
 *
 * @example Three-bit codes take three bits
 * ```ts
 * import { packBits, unpackBits } from "./bitpack.ts";
 * import assert from "node:assert/strict";
 *
 * const codes = [5, 0, 7, 3, 1, 6, 2, 4];
 * const bytes = packBits(codes, 3);
 * assert.equal(bytes.length, 3);
 * assert.deepEqual([...unpackBits(bytes, codes.length, 3)], codes);
 * ```
 */
export function packBits(values: ArrayLike<number>, width: number): Uint8Array {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(
      `Cannot pack bits: values must be an array of integers, got ${describe(values)}`,
    );
  }
  assertInRange("pack bits", "width", width, 1, 32, true);
  const limit = 2 ** width;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < limit)) {
      throw new RangeError(
        `Cannot pack bits: value ${v} at index ${i} does not fit in ${width} bits`,
      );
    }
  }
  return packBitsUnchecked(values, width);
}

/**
 * {@linkcode packBits} without the checks, for callers that validated the values.
 *
 * @param values Integers in `0 .. 2^width - 1`.
 * @param width Bits per value, 1..32.
 * @returns The packed bytes.
 */
export function packBitsUnchecked(values: ArrayLike<number>, width: number): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(packedSize(n, width));
  let o = 0;
  if (width <= 24) {
    // acc holds fewer than 8 pending bits plus one value: at most 31 bits.
    let acc = 0, bits = 0;
    for (let i = 0; i < n; i++) {
      acc |= values[i] << bits;
      bits += width;
      while (bits >= 8) {
        out[o++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out[o] = acc & 0xff;
    return out;
  }
  // Wide values: exact integer arithmetic on doubles (at most 39 bits pending).
  let acc = 0, scale = 1, bits = 0;
  for (let i = 0; i < n; i++) {
    acc += values[i] * scale;
    bits += width;
    while (bits >= 8) {
      out[o++] = acc % 256;
      acc = Math.floor(acc / 256);
      bits -= 8;
    }
    scale = 2 ** bits;
  }
  if (bits > 0) out[o] = acc;
  return out;
}

/**
 * Unpacks `count` unsigned integers of `width` bits written by {@linkcode packBits}.
 *
 * @param bytes The packed bytes (at least `ceil(count * width / 8)` of them).
 * @param count Number of values.
 * @param width Bits per value, 1..32.
 * @param out Where to write (a new `Uint32Array` when omitted): a `Uint32Array` or `Float64Array`
 *   for any width, an `Int32Array` up to 31 bits, a `Uint16Array` up to 16, with at least `count`
 *   entries.
 * @returns `out`, holding the values.
 * @throws {TypeError} If `bytes` is not a `Uint8Array`, or `out` is shorter than `count` or cannot
 *   hold values of `width` bits.
 * @throws {RangeError} If `width` is out of range or `bytes` is too short.
 */
export function unpackBits<T extends Uint32Array | Int32Array | Float64Array | Uint16Array>(
  bytes: Uint8Array,
  count: number,
  width: number,
  out?: T,
): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot unpack bits: bytes must be a Uint8Array, got ${describe(bytes)}`);
  }
  assertInRange("unpack bits", "width", width, 1, 32, true);
  assertInRange("unpack bits", "count", count, 0, Number.MAX_SAFE_INTEGER, true);
  if (bytes.length < packedSize(count, width)) {
    throw new RangeError(
      `Cannot unpack bits: ${count} values of ${width} bits need ${
        packedSize(count, width)
      } bytes, got ${bytes.length}`,
    );
  }
  if (out !== undefined) {
    // A typed array silently drops writes past its end and wraps values too wide for it.
    const holds = out instanceof Uint32Array || out instanceof Float64Array
      ? 32
      : out instanceof Int32Array
      ? 31
      : out instanceof Uint16Array
      ? 16
      : 0;
    if (holds === 0 || out.length < count || width > holds) {
      throw new TypeError(
        `Cannot unpack bits: out must be a Uint32Array, Float64Array, Int32Array or Uint16Array ` +
          `of at least ${
            counted(count, "entry", { plural: "entries" })
          } that holds ${width}-bit values, got ${describe(out)}`,
      );
    }
  }
  const res = out ?? (new Uint32Array(count) as T);
  let p = 0;
  if (width <= 24) {
    const mask = (1 << width) - 1;
    let acc = 0, bits = 0;
    for (let i = 0; i < count; i++) {
      while (bits < width) {
        acc |= bytes[p++] << bits;
        bits += 8;
      }
      res[i] = acc & mask;
      acc >>>= width;
      bits -= width;
    }
    return res;
  }
  const limit = 2 ** width;
  let acc = 0, bits = 0;
  for (let i = 0; i < count; i++) {
    while (bits < width) {
      acc += bytes[p++] * 2 ** bits;
      bits += 8;
    }
    const v = acc % limit;
    res[i] = v;
    acc = (acc - v) / limit;
    bits -= width;
  }
  return res;
}
