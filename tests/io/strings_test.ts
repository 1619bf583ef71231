import assert from "node:assert/strict";
import { ByteReader, ByteWriter, SIZE_CATEGORIES, type SizeCategory } from "../../lib/io/bytes.ts";
import { maxTextBytes, readStrings, writeStrings } from "../../lib/io/strings.ts";

function reader(bytes: Uint8Array): ByteReader {
  const charges = Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<
    SizeCategory,
    number
  >;
  return new ByteReader(bytes, 0, bytes.length, "Cannot read model file 'x'", charges);
}

/** Form 0 (front coding) written here from the format description, one entry per [shared, rest]. */
function frontCoded(first: number, entries: [number, string][]): Uint8Array {
  const w = new ByteWriter();
  w.u8(0);
  w.varint(entries.length + 1);
  w.varint(0);
  w.string("a".repeat(first));
  for (const [shared, rest] of entries) {
    w.varint(shared);
    w.string(rest);
  }
  return w.finish();
}

/** Form 1: one counter from 0 behind a literal of `length` bytes, `count` strings. */
function pattern(length: number, count: number): Uint8Array {
  const w = new ByteWriter();
  w.u8(1);
  w.varint(1);
  w.string("a".repeat(length));
  w.string("");
  w.varint(0);
  w.varint(count);
  return w.finish();
}

const utf8Bytes = (names: string[]) =>
  names.reduce((sum, n) => sum + new TextEncoder().encode(n).length, 0);

Deno.test("front-coded names that share a long prefix are refused before they are made", () => {
  // 115 kB standing for 3,000 names of 100 kB each (300 MB of text): each name shares the whole
  // previous one and adds a byte. They used to be made (a 200 kB file of 20,000 such names took
  // 2.4 GB and 12 s to read).
  const entries: [number, string][] = [];
  for (let i = 1; i < 3000; i++) entries.push([100000 + i - 1, "b"]);
  assert.throws(
    () => readStrings(reader(frontCoded(100000, entries)), "feature names", 3000),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot read model file 'x': header: the 3000 feature names take more than the \d+ bytes of UTF-8 a list of 3000 may hold$/
        .test(e.message),
  );
});

Deno.test("a list of exactly maxTextBytes is read, one byte more is refused", () => {
  // Two names: the first of `first` bytes, the second sharing all of it plus `extra` bytes.
  const cap = maxTextBytes(2);
  const first = Math.floor(cap / 2);
  const at = frontCoded(first, [[first, "b".repeat(cap - 2 * first)]]);
  const names = readStrings(reader(at), "feature names", 2);
  assert.equal(utf8Bytes(names), cap);
  const over = frontCoded(first, [[first, "b".repeat(cap - 2 * first + 1)]]);
  assert.throws(() => readStrings(reader(over), "feature names", 2), RangeError);
});

Deno.test("a pattern is refused when its strings would take more than maxTextBytes", () => {
  // 9 bytes: a million names of 10 kB each (10 GB) used to be made, lazily, as a valid list.
  assert.throws(
    () => readStrings(reader(pattern(10000, 1e6)), "feature names", 1e6),
    (e: Error) => e instanceof RangeError && /take more than/.test(e.message),
  );
  // The closed form of the pattern's size, checked at the cap on both sides: 8 names of
  // length L plus one digit make exactly the cap with L = (2^24 - 8) / 8 + 16; 161 names (digits
  // 0..160: 10 + 180 + 183 = 373) make the cap plus one byte with L = (2^24 + 1 - 373) / 161 + 16.
  const exact = readStrings(reader(pattern((2 ** 24 - 8) / 8 + 16, 8)), "feature names", 8);
  assert.equal(utf8Bytes(exact), maxTextBytes(8));
  const length = (2 ** 24 + 1 - 373) / 161 + 16;
  assert.ok(Number.isInteger(length));
  const names = Array.from({ length: 161 }, (_, i) => "a".repeat(length) + i);
  assert.equal(utf8Bytes(names), maxTextBytes(161) + 1);
  assert.throws(() => readStrings(reader(pattern(length, 161)), "feature names", 161), RangeError);
});

Deno.test("a list of names round-trips in whichever form the writer picks", () => {
  for (
    const names of [["x0", "x1", "x2"], ["ab", "abc", "日本", "日本語", ""], ["p_0_0", "p_0_1"]]
  ) {
    const w = new ByteWriter();
    writeStrings(w, names);
    assert.deepEqual(readStrings(reader(w.finish()), "names", names.length), names);
  }
});

Deno.test("counter names are written as the format's pattern, byte for byte", () => {
  // Form 1 from the format description: counters, the literals around them, then each counter's
  // start and radix; the last counter runs fastest.
  const expected = new ByteWriter();
  expected.u8(1);
  expected.varint(2);
  for (const literal of ["w", "_c", ""]) expected.string(literal);
  for (const [start, radix] of [[3, 2], [0, 12]]) {
    expected.varint(start);
    expected.varint(radix);
  }
  const names = [3, 4].flatMap((i) => Array.from({ length: 12 }, (_, j) => `w${i}_c${j}`));
  const w = new ByteWriter();
  writeStrings(w, names);
  assert.deepEqual(w.finish(), expected.finish());
  assert.deepEqual(readStrings(reader(expected.finish()), "names", names.length), names);
});

Deno.test("names a counter pattern almost describes round-trip in their own order", () => {
  // Each list has as many names as a pattern's counters span, and a pattern would be the
  // shorter form, but regenerates other names: out of order, the first counter running fastest,
  // leading zeros, a gap and a repeat.
  for (
    const names of [
      ["x0", "x2", "x1"],
      ["p_0_0", "p_1_0", "p_0_1", "p_1_1"],
      ["x01", "x02", "x03"],
      ["x0", "x1", "x3", "x3"],
    ]
  ) {
    const w = new ByteWriter();
    writeStrings(w, names);
    const bytes = w.finish();
    assert.deepEqual(readStrings(reader(bytes), "names", names.length), names);
    assert.equal(bytes[0], 0, `${names}: the front-coded form`);
  }
});
