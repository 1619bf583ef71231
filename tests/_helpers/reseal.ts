/**
 * Re-frames damaged `.lrc` bytes so that the framing checks pass and the reader meets the damage
 * itself: sets the length field and recomputes the CRC-32 of everything before the checksum
 * (with node:zlib, independent of lib/io/crc32.ts).
 *
 * @module
 */

import zlib from "node:zlib";

/**
 * Sets the length field and recomputes the checksum of a copy of `bytes`.
 *
 * @param bytes A file's bytes, possibly changed or cut.
 * @returns The re-framed copy (`bytes` itself when shorter than the 20-byte frame).
 */
export function reseal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 20) return bytes;
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint32(12, out.length, true);
  view.setUint32(out.length - 4, zlib.crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
