/**
 * Index sets ("supports"): which weights of a `(rows, cols)` tensor a file stores. Six
 * encodings; the writer computes the exact size of every one that applies and keeps the
 * smallest (ties go to the earlier in this list; `rans` only when entropy coding is asked for,
 * and only in files of format version 2):
 *
 * | tag | encoding | payload |
 * | --- | --- | --- |
 * | 0 | dense | nothing: every position |
 * | 1 | bitmap | `ceil(n / 8)` bytes, bit `i` (LSB first) set when position `i` is stored |
 * | 2 | delta-varint | varint `count`, then `count` varint gaps |
 * | 3 | delta-fixed | varint `count`, u8 width `w` (1..32), `count` gaps packed at `w` bits |
 * | 4 | features | u8 tag (1, 2, 3 or 5) and that encoding of a set of columns over `cols`: every row of a kept column is stored (structured pruning) |
 * | 5 | rans | varint `count`, then the `n` kept-or-not flags (1 = stored) entropy-coded with `rans.ts`'s `flagTable(count, n)`, to the end of the section |
 *
 * Positions are row-major (`i * cols + j`), strictly increasing; the gap of the first is its
 * position, of the next ones `position - previous - 1` (so neighbours cost 0).
 *
 * @module
 */

import { packBitsUnchecked, packedSize, paddingIsZero, unpackBits } from "./bitpack.ts";
import { type ByteReader, type ByteWriter, varintSize } from "./bytes.ts";
import { flagTable, ransDecode, ransEncode } from "./rans.ts";

/** The encodings of an index set, in tie-break order. */
export type SupportEncoding =
  | "dense"
  | "bitmap"
  | "delta-varint"
  | "delta-fixed"
  | "features"
  | "rans";

const TAG: Record<SupportEncoding, number> = {
  dense: 0,
  bitmap: 1,
  "delta-varint": 2,
  "delta-fixed": 3,
  features: 4,
  rans: 5,
};

const ENCODINGS = Object.keys(TAG) as SupportEncoding[];

/** A chosen encoding of an index set, ready to write. */
export interface SupportPlan {
  /** The encoding chosen. */
  readonly encoding: SupportEncoding;
  /** Bytes it takes, including its tag byte(s). */
  readonly size: number;
  /** Number of positions in the set. */
  readonly count: number;
  /** Whether it is entropy-coded (`rans`, or `features` over `rans`): format version 2. */
  readonly entropyCoded: boolean;
  /** Writes it (tag byte first). */
  write(w: ByteWriter): void;
}

interface FlatPlan {
  encoding: "bitmap" | "delta-varint" | "delta-fixed" | "rans";
  size: number; // without tag
  write(w: ByteWriter): void;
}

/**
 * Smallest of bitmap / delta-varint / delta-fixed (and `rans` when `entropy`) for a set of
 * positions over `0..n-1`.
 */
function planFlat(
  positions: readonly number[] | Int32Array,
  n: number,
  entropy: boolean,
): FlatPlan {
  const count = positions.length;
  let varintBytes = varintSize(count), maxGap = 0;
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const gap = positions[i] - prev - 1;
    varintBytes += varintSize(gap);
    if (gap > maxGap) maxGap = gap;
    prev = positions[i];
  }
  let fixedWidth = 1;
  while (2 ** fixedWidth <= maxGap) fixedWidth++;
  const plans: FlatPlan[] = [
    {
      encoding: "bitmap",
      size: Math.ceil(n / 8),
      write(w) {
        const bits = new Uint8Array(Math.ceil(n / 8));
        for (let i = 0; i < count; i++) bits[positions[i] >> 3] |= 1 << (positions[i] & 7);
        w.bytes(bits);
      },
    },
    {
      encoding: "delta-varint",
      size: varintBytes,
      write(w) {
        w.varint(count);
        let p = -1;
        for (let i = 0; i < count; i++) {
          w.varint(positions[i] - p - 1);
          p = positions[i];
        }
      },
    },
    {
      encoding: "delta-fixed",
      size: varintSize(count) + 1 + packedSize(count, fixedWidth),
      write(w) {
        w.varint(count);
        w.u8(fixedWidth);
        const gaps = new Uint32Array(count);
        let p = -1;
        for (let i = 0; i < count; i++) {
          gaps[i] = positions[i] - p - 1;
          p = positions[i];
        }
        w.bytes(packBitsUnchecked(gaps, fixedWidth));
      },
    },
  ];
  if (entropy && count > 0) {
    const flags = new Uint8Array(n);
    for (let i = 0; i < count; i++) flags[positions[i]] = 1;
    const stream = ransEncode(flags, flagTable(count, n));
    plans.push({
      encoding: "rans",
      size: varintSize(count) + stream.length,
      write(w) {
        w.varint(count);
        w.bytes(stream);
      },
    });
  }
  let best = plans[0];
  for (const p of plans) if (p.size < best.size) best = p;
  return best;
}

/**
 * Chooses the smallest encoding of an index set.
 *
 * @param flags One entry per position of the `(rows, cols)` tensor, non-zero when stored.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @param entropy Whether the entropy-coded `rans` encoding may be chosen.
 * @returns The plan (encoding, size, writer).
 */
export function planSupport(
  flags: Uint8Array,
  rows: number,
  cols: number,
  entropy = false,
): SupportPlan {
  const n = rows * cols;
  const positions: number[] = [];
  for (let i = 0; i < n; i++) if (flags[i]) positions.push(i);
  const count = positions.length;
  if (count === n) {
    return {
      encoding: "dense",
      size: 1,
      count,
      entropyCoded: false,
      write: (w) => w.u8(TAG.dense),
    };
  }
  const flat = planFlat(positions, n, entropy);
  let best: SupportPlan = {
    encoding: flat.encoding,
    size: 1 + flat.size,
    count,
    entropyCoded: flat.encoding === "rans",
    write(w) {
      w.u8(TAG[flat.encoding]);
      flat.write(w);
    },
  };
  // Structured: the same columns kept in every row.
  let structured = rows > 1;
  const columns: number[] = [];
  for (let j = 0; j < cols && structured; j++) {
    const kept = flags[j] !== 0;
    for (let i = 1; i < rows; i++) {
      if ((flags[i * cols + j] !== 0) !== kept) {
        structured = false;
        break;
      }
    }
    if (kept) columns.push(j);
  }
  if (structured) {
    const sub = planFlat(columns, cols, entropy);
    // Ties go to the earlier encoding: features comes before rans.
    const size = 2 + sub.size;
    if (size < best.size || (size === best.size && best.encoding === "rans")) {
      best = {
        encoding: "features",
        size,
        count,
        entropyCoded: sub.encoding === "rans",
        write(w) {
          w.u8(TAG.features);
          w.u8(TAG[sub.encoding]);
          sub.write(w);
        },
      };
    }
  }
  return best;
}

/** Reads a set of positions over `0..n-1` in a flat encoding, calling `set` for each. */
function readFlat(
  r: ByteReader,
  tag: number,
  n: number,
  set: (position: number) => void,
): void {
  if (tag === TAG.bitmap) {
    const bits = r.bytes(Math.ceil(n / 8), "bitmap");
    for (let i = 0; i < n; i++) if (bits[i >> 3] & (1 << (i & 7))) set(i);
    if (n % 8 !== 0 && bits[bits.length - 1] >> (n % 8) !== 0) {
      throw r.syntax("bitmap has bits set past the last position");
    }
    return;
  }
  if (tag === TAG.rans) {
    const count = r.varint("index count", n);
    const stream = r.bytes(r.remaining, "entropy-coded flags");
    const flags = new Uint8Array(n);
    ransDecode(stream, n, flagTable(count, n), flags, (reason) => r.syntax(reason));
    let found = 0;
    for (let i = 0; i < n; i++) {
      if (flags[i]) {
        found++;
        set(i);
      }
    }
    if (found !== count) throw r.syntax(`the flags keep ${found} positions, not ${count}`);
    return;
  }
  if (tag !== TAG["delta-varint"] && tag !== TAG["delta-fixed"]) {
    throw r.syntax(`unknown index encoding ${tag}`);
  }
  const count = r.varint("index count", n);
  let p = -1;
  if (tag === TAG["delta-varint"]) {
    for (let i = 0; i < count; i++) {
      p += r.varint("index gap") + 1;
      if (p >= n) throw r.range(`index ${p} is past the last position ${n - 1}`);
      set(p);
    }
    return;
  }
  const width = r.u8("gap width");
  if (width < 1 || width > 32) throw r.syntax(`gap width ${width} is not in 1..32`);
  const size = packedSize(count, width);
  const packed = r.bytes(size, "packed gaps");
  if (!paddingIsZero(packed, count, width)) throw r.syntax("packed gaps have non-zero padding");
  const gaps = unpackBits(packed, count, width, new Float64Array(count));
  for (let i = 0; i < count; i++) {
    p += gaps[i] + 1;
    if (p >= n) throw r.range(`index ${p} is past the last position ${n - 1}`);
    set(p);
  }
}

/**
 * Reads an index set written by a {@linkcode SupportPlan}.
 *
 * @param r The reader, at the tag byte.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @returns Flags, one per position (1 when stored), the encoding found and whether it is
 * entropy-coded (which needs format version 2).
 * @throws {SyntaxError} For an unknown encoding or malformed payload.
 * @throws {RangeError} For a count or index out of range, or a payload past the end.
 */
export function readSupport(
  r: ByteReader,
  rows: number,
  cols: number,
): { flags: Uint8Array; encoding: SupportEncoding; entropyCoded: boolean } {
  const n = rows * cols;
  const tag = r.u8("index encoding");
  const encoding = ENCODINGS[tag];
  if (encoding === undefined) throw r.syntax(`unknown index encoding ${tag}`);
  const flags = new Uint8Array(n);
  if (tag === TAG.dense) {
    flags.fill(1);
    return { flags, encoding, entropyCoded: false };
  }
  if (tag === TAG.features) {
    const sub = r.u8("column index encoding");
    if (sub === TAG.dense || sub === TAG.features) {
      throw r.syntax(`column index encoding ${sub} is not allowed`);
    }
    readFlat(r, sub, cols, (j) => {
      for (let i = 0; i < rows; i++) flags[i * cols + j] = 1;
    });
    return { flags, encoding, entropyCoded: sub === TAG.rans };
  }
  readFlat(r, tag, n, (p) => flags[p] = 1);
  return { flags, encoding, entropyCoded: tag === TAG.rans };
}
