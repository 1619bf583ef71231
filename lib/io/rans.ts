/**
 * Static rANS (range asymmetric numeral systems, Duda 2013), the entropy coder of the model
 * file's version 2: a sequence of symbols from a small alphabet costs about its empirical entropy
 * in bits instead of a fixed width per symbol. It is the third stage of Han et al.'s "Deep
 * Compression" (2016), which used Huffman codes; rANS reaches the entropy even when one symbol is
 * far more frequent than the others (Huffman spends at least one bit per symbol), which is the
 * case of the kept-or-pruned flags of a sparse model.
 *
 * The coder follows Fabian Giesen's byte-wise `rans_byte.h`: a 32-bit state kept in
 * `[2^23, 2^31)`, renormalised one byte at a time, frequencies summing to `2^probBits`. Encoding
 * runs from the last symbol to the first, so decoding reads forward.
 *
 * Stream layout (the whole rest of its section): the final state as a little-endian u32, then
 * the renormalisation bytes. The decoder checks that it ends exactly at the end of the stream and
 * in the encoder's initial state, so a corrupt stream is refused rather than decoded to other
 * symbols (up to the odd collision, which the file's CRC-32 covers).
 *
 * Frequency tables are stored as: u8 `probBits` (8..15), varint `k` (number of symbols present,
 * at least 1), then per present symbol in increasing order a varint gap (`symbol - previous - 1`,
 * the first is the symbol itself) and a varint `frequency - 1`; the frequencies must sum to
 * `2^probBits`.
 *
 * @module
 */

import type { ByteReader, ByteWriter } from "./bytes.ts";
import { varintSize } from "./bytes.ts";

/** Lower end of the coder's state interval (`rans_byte.h`'s `RANS_BYTE_L`). */
const L = 2 ** 23;

/** Smallest and largest `probBits` a table may use. */
export const RANS_PROB_BITS_MIN = 8;
/** Largest `probBits`: 15 keeps the lookup table at 32 k entries. */
export const RANS_PROB_BITS_MAX = 15;

/** Largest alphabet the coder accepts (codes up to 12 bits). */
export const RANS_MAX_ALPHABET = 4096;

/** A frequency table: `freq[s]` per symbol (0 when absent), summing to `2^probBits`. */
export interface RansTable {
  readonly probBits: number;
  readonly freq: Uint32Array;
}

/**
 * Scales symbol counts to a table summing to `2^probBits`, every present symbol at least 1 (the
 * largest-remainder method, ties to the smaller symbol, so the result is deterministic).
 *
 * @param counts Occurrences per symbol.
 * @param probBits Precision of the table.
 * @returns The table, or `null` when more symbols are present than `2^(probBits - 1)`.
 */
export function scaleFrequencies(counts: ArrayLike<number>, probBits: number): RansTable | null {
  const m = 2 ** probBits;
  let total = 0, present = 0;
  for (let s = 0; s < counts.length; s++) {
    total += counts[s];
    if (counts[s] > 0) present++;
  }
  if (present === 0 || present > m / 2) return null;
  const freq = new Uint32Array(counts.length);
  const rest: { s: number; r: number }[] = [];
  let sum = 0;
  for (let s = 0; s < counts.length; s++) {
    if (counts[s] === 0) continue;
    const exact = counts[s] * m / total;
    freq[s] = Math.max(1, Math.floor(exact));
    sum += freq[s];
    rest.push({ s, r: exact - Math.floor(exact) });
  }
  if (sum < m) {
    rest.sort((a, b) => b.r - a.r || a.s - b.s);
    for (let i = 0; sum < m; i = (i + 1) % rest.length, sum++) freq[rest[i].s]++;
  } else if (sum > m) {
    // Only the floor of 1 can overshoot; take from the largest frequencies.
    const order = rest.map((e) => e.s).sort((a, b) => freq[b] - freq[a] || a - b);
    for (let i = 0; sum > m; i = (i + 1) % order.length) {
      if (freq[order[i]] > 1) {
        freq[order[i]]--;
        sum--;
      }
    }
  }
  return { probBits, freq };
}

function cumulative(freq: Uint32Array): Uint32Array {
  const cum = new Uint32Array(freq.length);
  for (let s = 1; s < freq.length; s++) cum[s] = cum[s - 1] + freq[s - 1];
  return cum;
}

/**
 * Encodes symbols with a table (every symbol must have a non-zero frequency).
 *
 * @param symbols The symbols, each in `0..freq.length-1`.
 * @param table The frequency table.
 * @returns The stream: final state (u32, little-endian), then the renormalisation bytes.
 * @throws {RangeError} If a symbol has no frequency.
 */
export function ransEncode(symbols: ArrayLike<number>, table: RansTable): Uint8Array {
  const { probBits, freq } = table;
  const m = 2 ** probBits;
  const cum = cumulative(freq);
  const out: number[] = [];
  const bound = (L / m) * 256;
  let x = L;
  for (let i = symbols.length - 1; i >= 0; i--) {
    const s = symbols[i];
    const f = freq[s];
    if (!(f > 0)) throw new RangeError(`Cannot entropy-code: symbol ${s} has no frequency`);
    while (x >= bound * f) {
      out.push(x & 255);
      x = Math.floor(x / 256);
    }
    x = Math.floor(x / f) * m + (x % f) + cum[s];
  }
  out.push(Math.floor(x / 2 ** 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  return Uint8Array.from(out.reverse());
}

/**
 * Decodes `count` symbols of a stream written by {@linkcode ransEncode}.
 *
 * @param stream The whole stream.
 * @param count Number of symbols.
 * @param table The frequency table.
 * @param out Receives the symbols.
 * @param fail Makes the error for a malformed stream (thrown).
 */
export function ransDecode(
  stream: Uint8Array,
  count: number,
  table: RansTable,
  out: { [i: number]: number; length: number },
  fail: (reason: string) => Error,
): void {
  const { probBits, freq } = table;
  const m = 2 ** probBits;
  const cum = cumulative(freq);
  const lookup = new Uint16Array(m);
  for (let s = 0; s < freq.length; s++) lookup.fill(s, cum[s], cum[s] + freq[s]);
  if (stream.length < 4) throw fail("the entropy-coded stream is shorter than its state");
  let x = stream[0] + stream[1] * 256 + stream[2] * 65536 + stream[3] * 16777216;
  if (x < L || x >= L * 256) throw fail("the entropy-coded stream starts in an invalid state");
  let pos = 4;
  const mask = m - 1;
  for (let i = 0; i < count; i++) {
    const slot = x & mask;
    const s = lookup[slot];
    x = freq[s] * Math.floor(x / m) + slot - cum[s];
    while (x < L) {
      if (pos >= stream.length) throw fail("the entropy-coded stream ends early");
      x = x * 256 + stream[pos++];
    }
    out[i] = s;
  }
  if (pos !== stream.length || x !== L) {
    throw fail("the entropy-coded stream does not end where its symbols do");
  }
}

/** Bytes {@linkcode writeTable} takes. */
export function tableSize(table: RansTable): number {
  let size = 1, k = 0, prev = -1;
  for (let s = 0; s < table.freq.length; s++) {
    if (table.freq[s] === 0) continue;
    size += varintSize(s - prev - 1) + varintSize(table.freq[s] - 1);
    prev = s;
    k++;
  }
  return size + varintSize(k);
}

/** Writes a frequency table (layout in the module docs). */
export function writeTable(w: ByteWriter, table: RansTable): void {
  const present: number[] = [];
  for (let s = 0; s < table.freq.length; s++) if (table.freq[s] > 0) present.push(s);
  w.u8(table.probBits);
  w.varint(present.length);
  let prev = -1;
  for (const s of present) {
    w.varint(s - prev - 1);
    w.varint(table.freq[s] - 1);
    prev = s;
  }
}

/**
 * Reads a frequency table over an alphabet of `alphabet` symbols.
 *
 * @throws {SyntaxError} If `probBits` is out of range or the frequencies do not sum to
 * `2^probBits`.
 * @throws {RangeError} If a symbol is past the alphabet or the bytes end.
 */
export function readTable(r: ByteReader, alphabet: number): RansTable {
  const probBits = r.u8("entropy table precision");
  if (probBits < RANS_PROB_BITS_MIN || probBits > RANS_PROB_BITS_MAX) {
    throw r.syntax(
      `entropy table precision ${probBits} is not in ${RANS_PROB_BITS_MIN}..${RANS_PROB_BITS_MAX}`,
    );
  }
  const m = 2 ** probBits;
  const k = r.varint("entropy table size", alphabet);
  if (k < 1) throw r.syntax("the entropy table has no symbol");
  const freq = new Uint32Array(alphabet);
  let s = -1, sum = 0;
  for (let i = 0; i < k; i++) {
    s += r.varint("entropy table symbol gap", alphabet) + 1;
    if (s >= alphabet) {
      throw r.range(`entropy table symbol ${s} is past the alphabet of ${alphabet}`);
    }
    freq[s] = r.varint("entropy table frequency", m - 1) + 1;
    sum += freq[s];
  }
  if (sum !== m) throw r.syntax(`entropy table frequencies sum to ${sum}, not ${m}`);
  return { probBits, freq };
}

/**
 * The smallest table and stream for symbols over an alphabet, trying every precision.
 *
 * @param symbols The symbols.
 * @param alphabet Alphabet size (at most {@linkcode RANS_MAX_ALPHABET}).
 * @returns The table, the stream and their total size, or `null` if there are no symbols or the
 * alphabet is too large.
 */
export function planEntropyCodes(
  symbols: ArrayLike<number>,
  alphabet: number,
): { table: RansTable; stream: Uint8Array; size: number } | null {
  if (symbols.length === 0 || alphabet > RANS_MAX_ALPHABET) return null;
  const counts = new Float64Array(alphabet);
  for (let i = 0; i < symbols.length; i++) counts[symbols[i]]++;
  let best: { table: RansTable; stream: Uint8Array; size: number } | null = null;
  for (let b = RANS_PROB_BITS_MIN; b <= RANS_PROB_BITS_MAX; b++) {
    const table = scaleFrequencies(counts, b);
    if (!table) continue;
    const stream = ransEncode(symbols, table);
    const size = tableSize(table) + stream.length;
    if (!best || size < best.size) best = { table, stream, size };
  }
  return best;
}

/**
 * The table of kept-or-not flags implied by their count: symbol 1 (kept) gets
 * `round(count * 2^15 / n)`, clamped to `1..2^15-1`. Nothing is stored but the count.
 */
export function flagTable(count: number, n: number): RansTable {
  const m = 2 ** RANS_PROB_BITS_MAX;
  const one = Math.min(m - 1, Math.max(1, Math.round(count * m / n)));
  return { probBits: RANS_PROB_BITS_MAX, freq: Uint32Array.of(m - one, one) };
}
