/**
 * CRC-32 (IEEE 802.3, the one of zlib, gzip and PNG: reflected polynomial 0xEDB88320, initial
 * value and final XOR 0xFFFFFFFF). It detects every single-bit error, every burst of up to 32
 * bits and all but 2^-32 of other corruptions.
 *
 * @module
 */

import { describe } from "../core/validate.ts";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32 of a byte range.
 *
 * @param bytes The bytes.
 * @returns The checksum, an unsigned 32-bit integer.
 * @throws {TypeError} If `bytes` is not a `Uint8Array`.
 *
 * @example The standard check value
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot compute CRC-32: bytes must be a Uint8Array, got ${describe(bytes)}`,
    );
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
