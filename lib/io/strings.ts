/**
 * Lists of strings (class labels, feature names) in the model file, in the smaller of two forms:
 *
 * - mode 0, list: varint `count`, then per string a varint `shared` (bytes shared with the
 *   previous string's UTF-8, front coding), a varint `length` and `length` UTF-8 bytes of the rest;
 * - mode 1, pattern: names made of fixed text and up to four counters, e.g. `pixel_0_0` ..
 *   `pixel_27_27` or `0` .. `9`: varint `m` (1..4), `m + 1` varint-prefixed UTF-8 literals,
 *   then per counter a varint `start` and a varint `radix` (>= 1). String `i` is
 *   `literal[0] + (start[0] + d[0]) + literal[1] + ... + (start[m-1] + d[m-1]) + literal[m]`
 *   with `d` the mixed-radix digits of `i` (last counter fastest) in decimal; the count is the
 *   product of the radices.
 *
 * The writer takes the pattern form only when regenerating it gives back every string exactly.
 *
 * Both forms let a few bytes stand for long strings, so a list holds at most
 * {@linkcode maxTextBytes} bytes of UTF-8: the reader refuses a list that would decode to more
 * before making it (a 200 kB file of front-coded names took 2.4 GB and 12 s to read, a 10 kB
 * pattern made a million names of 10 kB each), and `encodeModel` refuses to write one.
 *
 * @module
 */

import { type ByteReader, ByteWriter } from "./bytes.ts";

const MAX_COUNTERS = 4;

/**
 * The most bytes of UTF-8 text a list of `count` strings may hold: 16 MiB, plus 16 bytes a
 * string.
 *
 * @param count Number of strings.
 * @returns The cap in bytes.
 */
export function maxTextBytes(count: number): number {
  return 2 ** 24 + 16 * count;
}

/** Total decimal digits of the integers `start .. start + radix - 1`. */
function digitsOf(start: number, radix: number): number {
  let total = 0, lo = start, width = String(start).length;
  const end = start + radix;
  while (lo < end) {
    const hi = Math.min(end, 10 ** width);
    total += (hi - lo) * width;
    lo = hi;
    width++;
  }
  return total;
}

interface Pattern {
  literals: string[];
  starts: number[];
  radices: number[];
}

/** Finds a counter pattern that regenerates `names` exactly, or `null`. */
function inferPattern(names: readonly string[]): Pattern | null {
  if (names.length === 0) return null;
  const split = (s: string) => s.split(/(\d+)/);
  const first = split(names[0]);
  const m = (first.length - 1) / 2;
  if (m < 1 || m > MAX_COUNTERS) return null;
  const literals = first.filter((_, i) => i % 2 === 0);
  const starts = first.filter((_, i) => i % 2 === 1).map(Number);
  const maxima = starts.slice();
  for (const name of names) {
    const parts = split(name);
    if (parts.length !== first.length) return null;
    for (let k = 0; k < m; k++) {
      const digits = parts[2 * k + 1];
      const v = Number(digits);
      if (String(v) !== digits || v > 0x7fffffff) return null;
      if (v < starts[k]) return null;
      if (v > maxima[k]) maxima[k] = v;
    }
  }
  const radices = starts.map((s, k) => maxima[k] - s + 1);
  if (radices.reduce((a, b) => a * b, 1) !== names.length) return null;
  const p = { literals, starts, radices };
  const regenerated = expandPattern(p, names.length);
  for (let i = 0; i < names.length; i++) if (regenerated[i] !== names[i]) return null;
  return p;
}

function expandPattern(p: Pattern, count: number): string[] {
  const m = p.radices.length;
  const out: string[] = new Array(count);
  const digits = new Array<number>(m).fill(0);
  for (let i = 0; i < count; i++) {
    let s = p.literals[0];
    for (let k = 0; k < m; k++) s += String(p.starts[k] + digits[k]) + p.literals[k + 1];
    out[i] = s;
    for (let k = m - 1; k >= 0; k--) {
      if (++digits[k] < p.radices[k]) break;
      digits[k] = 0;
    }
  }
  return out;
}

function writeList(w: ByteWriter, names: readonly string[]): void {
  const enc = new TextEncoder();
  w.u8(0);
  w.varint(names.length);
  let prev = new Uint8Array(0);
  for (const name of names) {
    const b = enc.encode(name);
    let shared = 0;
    const max = Math.min(prev.length, b.length);
    while (shared < max && prev[shared] === b[shared]) shared++;
    w.varint(shared);
    w.varint(b.length - shared);
    w.bytes(b.subarray(shared));
    prev = b;
  }
}

function writePattern(w: ByteWriter, p: Pattern): void {
  w.u8(1);
  w.varint(p.radices.length);
  for (const l of p.literals) w.string(l);
  for (let k = 0; k < p.radices.length; k++) {
    w.varint(p.starts[k]);
    w.varint(p.radices[k]);
  }
}

/**
 * Writes a list of strings in the smaller of the list and pattern forms.
 *
 * @param w The writer.
 * @param names The strings.
 */
export function writeStrings(w: ByteWriter, names: readonly string[]): void {
  const list = new ByteWriter();
  writeList(list, names);
  const p = inferPattern(names);
  if (p) {
    const pat = new ByteWriter();
    writePattern(pat, p);
    if (pat.length < list.length) {
      w.bytes(pat.finish());
      return;
    }
  }
  w.bytes(list.finish());
}

/**
 * Reads a list of strings written by {@linkcode writeStrings}.
 *
 * @param r The reader.
 * @param what What the strings are, for messages (e.g. `"class labels"`).
 * @param expected The number of strings the file's header announced.
 * @returns The strings.
 * @throws {SyntaxError} For an unknown mode, invalid UTF-8 or a malformed pattern.
 * @throws {RangeError} For a count other than `expected`, a length past the end, or more text
 *   than {@linkcode maxTextBytes}.
 */
export function readStrings(r: ByteReader, what: string, expected: number): string[] {
  const mode = r.u8(`form of the ${what}`);
  if (mode === 0) {
    const count = r.varint(`number of ${what}`);
    if (count !== expected) {
      throw r.range(`the file announces ${expected} ${what} but lists ${count}`);
    }
    const out: string[] = new Array(count);
    const cap = maxTextBytes(count);
    let prev = new Uint8Array(0), total = 0;
    for (let i = 0; i < count; i++) {
      const shared = r.varint(`shared prefix of ${what} ${i}`, prev.length);
      const rest = r.bytes(r.varint(`length of ${what} ${i}`), `${what} ${i}`);
      total += shared + rest.length;
      if (total > cap) throw tooLong(r, what, count, cap);
      const b = new Uint8Array(shared + rest.length);
      b.set(prev.subarray(0, shared));
      b.set(rest, shared);
      out[i] = r.utf8(b, `${what} ${i}`);
      prev = b;
    }
    return out;
  }
  if (mode !== 1) throw r.syntax(`unknown form ${mode} of the ${what}`);
  const m = r.varint(`number of counters of the ${what}`);
  if (m < 1 || m > MAX_COUNTERS) {
    throw r.syntax(`the ${what} pattern has ${m} counters, expected 1..${MAX_COUNTERS}`);
  }
  const literals: string[] = [];
  for (let k = 0; k <= m; k++) literals.push(r.string(`text ${k} of the ${what} pattern`));
  const starts: number[] = [], radices: number[] = [];
  let count = 1;
  for (let k = 0; k < m; k++) {
    starts.push(r.varint(`start of counter ${k}`, 0x7fffffff));
    const radix = r.varint(`radix of counter ${k}`);
    if (radix < 1) throw r.syntax(`counter ${k} of the ${what} pattern has radix 0`);
    radices.push(radix);
    count *= radix;
  }
  if (count !== expected) {
    throw r.range(`the file announces ${expected} ${what} but the pattern makes ${count}`);
  }
  // Every string holds every literal once, and counter k runs through its range count / radix
  // times.
  const enc = new TextEncoder();
  let total = count * literals.reduce((sum, l) => sum + enc.encode(l).length, 0);
  for (let k = 0; k < m; k++) total += (count / radices[k]) * digitsOf(starts[k], radices[k]);
  const cap = maxTextBytes(count);
  if (total > cap) throw tooLong(r, what, count, cap);
  return expandPattern({ literals, starts, radices }, count);
}

function tooLong(r: ByteReader, what: string, count: number, cap: number): RangeError {
  return r.range(
    `the ${count} ${what} take more than the ${cap} bytes of UTF-8 a list of ${count} may hold`,
  );
}
