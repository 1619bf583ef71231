/**
 * Little-endian byte buffers for the model file: a growable writer and a bounds-checked reader.
 * Every multi-byte number is little-endian; variable-length integers are unsigned LEB128
 * ("varints", 7 bits per byte, low group first, at most 5 bytes, minimal form only).
 *
 * The reader never trusts a length: each read checks the bytes that remain first, so a corrupt
 * length field ends in a `RangeError`, never in a huge allocation. Every byte it consumes is
 * charged to the current {@linkcode SizeCategory}, which is how the size report breaks a file
 * down.
 *
 * @module
 */

import { fromFloat16Bits, toFloat16Bits } from "../quant/float16.ts";
import { counted } from "../core/validate.ts";

/** What a byte of a model file is for, as the size report counts it. */
export type SizeCategory =
  | "header"
  | "indices"
  | "weights"
  | "codes"
  | "scales"
  | "bias"
  | "labels"
  | "names"
  | "preprocessing"
  | "checksum";

/** Every {@linkcode SizeCategory}, in report order. */
export const SIZE_CATEGORIES: readonly SizeCategory[] = [
  "header",
  "indices",
  "weights",
  "codes",
  "scales",
  "bias",
  "labels",
  "names",
  "preprocessing",
  "checksum",
];

/** Float storage of an array in the file: IEEE 754 binary16, binary32 or binary64. */
export type FloatDtype = "float16" | "float32" | "float64";

/** Bytes per element of each float dtype. */
export const FLOAT_BYTES: Readonly<Record<FloatDtype, number>> = {
  float16: 2,
  float32: 4,
  float64: 8,
};

/** Number of bytes of the varint encoding of `v` (an integer in `0..2^32-1`). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  /** Appends one byte. */
  u8(v: number): void {
    const at = this.#reserve(1);
    this.#buf[at] = v;
  }

  /** Appends a 16-bit unsigned integer. */
  u16(v: number): void {
    const at = this.#reserve(2);
    this.#view.setUint16(at, v, true);
  }

  /** Appends a 32-bit unsigned integer. */
  u32(v: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, v, true);
  }

  /** Appends an unsigned varint (`0..2^32-1`). */
  varint(v: number): void {
    while (v >= 128) {
      this.u8((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    this.u8(v);
  }

  /** Appends a signed integer (`-2^31..2^31-1`) as a zigzag varint. */
  zigzag(v: number): void {
    this.varint(v >= 0 ? 2 * v : -2 * v - 1);
  }

  /** Appends floats in the given dtype (values must be representable; they are rounded). */
  floats(values: ArrayLike<number>, dtype: FloatDtype): void {
    const size = FLOAT_BYTES[dtype];
    const at = this.#reserve(values.length * size);
    const view = this.#view;
    for (let i = 0; i < values.length; i++) {
      const o = at + i * size;
      if (dtype === "float64") view.setFloat64(o, values[i], true);
      else if (dtype === "float32") view.setFloat32(o, values[i], true);
      else view.setUint16(o, toFloat16Bits(values[i]), true);
    }
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
  }

  /** Appends a UTF-8 string with its byte length as a varint. */
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.varint(b.length);
    this.bytes(b);
  }

  /** Overwrites a 32-bit unsigned integer at `offset`. */
  patchU32(offset: number, v: number): void {
    this.#view.setUint32(offset, v, true);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/**
 * A bounds-checked little-endian reader over a byte range. Errors carry `prefix` (e.g.
 * `"Cannot read model file 'm.lrc'"`) and the current `where` (e.g. `"section WEIGHTS"`).
 */
export class ByteReader {
  /** Position of the next byte. */
  pos: number;
  /** Category charged for the bytes read from now on. */
  category: SizeCategory = "header";
  /** Where in the file the reader is, for messages. */
  where = "header";
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  readonly #prefix: string;
  readonly #charges: Record<SizeCategory, number>;

  /**
   * @param bytes The whole buffer.
   * @param start First byte of the range.
   * @param end One past the last byte of the range.
   * @param prefix Start of every error message.
   * @param charges Byte counts per category, added to as bytes are read.
   */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    prefix: string,
    charges: Record<SizeCategory, number>,
  ) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.#end = end;
    this.#prefix = prefix;
    this.#charges = charges;
  }

  /** Bytes left in the range. */
  get remaining(): number {
    return this.#end - this.pos;
  }

  /** A `SyntaxError` (malformed content) with the reader's prefix and position. */
  syntax(reason: string): SyntaxError {
    return new SyntaxError(`${this.#prefix}: ${this.where}: ${reason}`);
  }

  /** A `RangeError` (a length or value out of range) with the reader's prefix and position. */
  range(reason: string): RangeError {
    return new RangeError(`${this.#prefix}: ${this.where}: ${reason}`);
  }

  /**
   * Checks that `n` more bytes exist and charges them; returns the position of the first.
   *
   * @throws {RangeError} If `n` is not a non-negative integer (a negative one moved the reader
   *   back), or fewer than `n` bytes remain.
   */
  take(n: number, what: string): number {
    if (!(Number.isInteger(n) && n >= 0)) {
      throw this.range(`${what} needs ${n} bytes, which is not a non-negative integer`);
    }
    if (!(n <= this.remaining)) {
      const left = this.remaining;
      throw this.range(
        `${what} needs ${counted(n, "byte")} but only ${
          counted(left, "remains", { plural: "remain" })
        }`,
      );
    }
    const at = this.pos;
    this.pos += n;
    this.#charges[this.category] += n;
    return at;
  }

  /** Reads one byte. */
  u8(what: string): number {
    return this.#bytes[this.take(1, what)];
  }

  /** Reads a 16-bit unsigned integer. */
  u16(what: string): number {
    return this.#view.getUint16(this.take(2, what), true);
  }

  /** Reads a 32-bit unsigned integer. */
  u32(what: string): number {
    return this.#view.getUint32(this.take(4, what), true);
  }

  /** Reads a minimal unsigned varint of at most 5 bytes, at most `max`. */
  varint(what: string, max = 0xffffffff): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      v += (b & 127) * mul;
      if (b < 128) {
        if (i > 0 && b === 0) throw this.syntax(`${what} is a varint in non-minimal form`);
        if (v > max) throw this.range(`${what} is ${v}, more than the allowed ${max}`);
        return v;
      }
      mul *= 128;
    }
    throw this.syntax(`${what} is a varint longer than 5 bytes`);
  }

  /** Reads a zigzag varint as a signed 32-bit integer. */
  zigzag(what: string): number {
    const u = this.varint(what);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Reads `count` floats of the given dtype into `out` starting at `offset`. */
  floatsInto(
    out: Float64Array | Float32Array,
    offset: number,
    count: number,
    dtype: FloatDtype,
    what: string,
  ): void {
    const size = FLOAT_BYTES[dtype];
    const at = this.take(count * size, what);
    const view = this.#view;
    for (let i = 0; i < count; i++) {
      const o = at + i * size;
      out[offset + i] = dtype === "float64"
        ? view.getFloat64(o, true)
        : dtype === "float32"
        ? view.getFloat32(o, true)
        : fromFloat16Bits(view.getUint16(o, true));
    }
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return this.#bytes.subarray(at, at + n);
  }

  /** Reads a varint-prefixed UTF-8 string (rejects invalid UTF-8). */
  string(what: string): string {
    const n = this.varint(`length of ${what}`);
    return this.utf8(this.bytes(n, what), what);
  }

  /** Decodes UTF-8 bytes, rejecting invalid sequences. */
  utf8(b: Uint8Array, what: string): string {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b);
    } catch {
      throw this.syntax(`${what} is not valid UTF-8`);
    }
  }

  /** Checks that the range has been read to its end. */
  expectEnd(): void {
    if (this.remaining !== 0) {
      const left = this.remaining;
      throw this.syntax(`${counted(left, "unexpected byte")} at the end`);
    }
  }
}
