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

/** Form 1 from the format description: `literals` around counters of the given starts and radices. */
function counters(literals: string[], starts: number[], radices: number[]): Uint8Array {
  const w = new ByteWriter();
  w.u8(1);
  w.varint(radices.length);
  for (const literal of literals) w.string(literal);
  for (let k = 0; k < radices.length; k++) {
    w.varint(starts[k]);
    w.varint(radices[k]);
  }
  return w.finish();
}

/** The strings of a pattern, spelled out here: the last counter runs fastest. */
function spelled(literals: string[], starts: number[], radices: number[]): string[] {
  let out = [literals[0]];
  for (let k = 0; k < radices.length; k++) {
    out = out.flatMap((s) =>
      Array.from({ length: radices[k] }, (_, v) => s + (starts[k] + v) + literals[k + 1])
    );
  }
  return out;
}

Deno.test("a pattern of two counters from starts past 0 is read up to maxTextBytes, not a byte more", () => {
  // The size check counts every counter's digits once per string: counter k runs through its
  // range count / radix times, and its digits change width inside the range. Worked by hand:
  // counters 98..101 (2 + 2 + 3 + 3 = 10 digits) and 9..10 (1 + 2 = 3) make 8 strings with
  // 8 / 4 x 10 + 8 / 2 x 3 = 32 digits, so literals of (2^24 + 16 x 8 - 32) / 8 = 2097164 bytes
  // a string make exactly the cap; counters 95..100 (5 x 2 + 3 = 13) and 7..11 (3 x 1 + 2 x 2 = 7)
  // make 30 strings with 30 / 6 x 13 + 30 / 5 x 7 = 107 digits, and literals of
  // (2^24 + 16 x 30 + 1 - 107) / 30 = 559253 bytes a string make the cap plus one.
  const atCap = ["a".repeat(2097163), "_", ""];
  const names = readStrings(reader(counters(atCap, [98, 9], [4, 2])), "feature names", 8);
  assert.deepEqual(names, spelled(atCap, [98, 9], [4, 2]));
  assert.equal(utf8Bytes(names), maxTextBytes(8));
  const over = ["a".repeat(559252), "_", ""];
  assert.equal(utf8Bytes(spelled(over, [95, 7], [6, 5])), maxTextBytes(30) + 1);
  assert.throws(
    () => readStrings(reader(counters(over, [95, 7], [6, 5])), "feature names", 30),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot read model file 'x': header: the 30 feature names take more than " +
          `the ${maxTextBytes(30)} bytes of UTF-8 a list of 30 may hold`,
  );
});

Deno.test("malformed lists and patterns are refused as the reader documents", () => {
  // A name cannot share more bytes than the previous one has (without the check the missing
  // bytes are read as zeros, NUL characters in the name).
  assert.throws(
    () => readStrings(reader(frontCoded(3, [[5, "b"]])), "feature names", 2),
    (e: Error) =>
      e instanceof RangeError && /shared prefix of feature names 1 is 5, more than the allowed 3$/
        .test(e.message),
  );
  // A counter of radix 0 (no strings) and patterns of 0 or 5 counters are malformed: SyntaxError.
  assert.throws(
    () => readStrings(reader(counters(["x", ""], [0], [0])), "feature names", 3),
    (e: Error) =>
      e instanceof SyntaxError &&
      /counter 0 of the feature names pattern has radix 0$/.test(e.message),
  );
  for (const m of [0, 5]) {
    const literals = Array.from({ length: m + 1 }, () => "_");
    const bytes = counters(literals, new Array(m).fill(0), new Array(m).fill(1));
    assert.throws(
      () => readStrings(reader(bytes), "feature names", 1),
      (e: Error) =>
        e instanceof SyntaxError &&
        new RegExp(`the feature names pattern has ${m} counters, expected 1\\.\\.4$`).test(
          e.message,
        ),
    );
  }
});

Deno.test("names of five counters round-trip in the list form (the pattern holds four)", () => {
  // 32 names 0_0_0_0_0 .. 1_1_1_1_1: a five-counter pattern (22 bytes) would be shorter than the
  // list, but the reader refuses more than four counters.
  const names = spelled(["", "_", "_", "_", "_", ""], [0, 0, 0, 0, 0], [2, 2, 2, 2, 2]);
  assert.equal(names.length, 32);
  assert.equal(names[5], "0_0_1_0_1");
  const w = new ByteWriter();
  writeStrings(w, names);
  const bytes = w.finish();
  assert.equal(bytes[0], 0, "the front-coded form");
  const five = counters(["", "_", "_", "_", "_", ""], [0, 0, 0, 0, 0], [2, 2, 2, 2, 2]);
  assert.ok(five.length === 22 && bytes.length > 22, `list of ${bytes.length} bytes`);
  assert.deepEqual(readStrings(reader(bytes), "names", 32), names);
});

Deno.test("the writer takes the pattern only when it is the smaller form", () => {
  // One name x0: the list is 6 bytes (form 0, count 1, shared 0, length 2, 'x', '0'); the
  // pattern 7 (form 1, 1 counter, literal 'x' in 2 bytes, '' in 1, start 0, radix 1).
  const w = new ByteWriter();
  writeStrings(w, ["x0"]);
  assert.deepEqual([...w.finish()], [0, 1, 0, 2, 0x78, 0x30]);
  assert.equal(counters(["x", ""], [0], [1]).length, 7);
});

/** LEB128 length of `v`, by its definition. */
const leb = (v: number): number => v < 128 ? 1 : 1 + leb(Math.floor(v / 128));

Deno.test("the pattern is taken only when strictly smaller than the list, sizes counted in UTF-8", () => {
  const enc = new TextEncoder();
  let ties = 0, patterns = 0;
  for (const prefix of ["", "a", "ab", "größe_", "😀"]) {
    for (const suffix of ["", "x", "é"]) {
      for (const start of [0, 5, 120, 130]) {
        for (const count of [1, 2, 3, 12]) {
          const names = Array.from({ length: count }, (_, i) => `${prefix}${start + i}${suffix}`);
          // List: mode, count, then per name shared-prefix length, rest length, rest.
          let list = 2, prev = new Uint8Array(0);
          for (const name of names) {
            const b = enc.encode(name);
            let shared = 0;
            while (shared < Math.min(b.length, prev.length) && b[shared] === prev[shared]) shared++;
            list += leb(shared) + leb(b.length - shared) + b.length - shared;
            prev = b;
          }
          // Pattern: mode, m = 1, two length-prefixed literals, start, radix.
          const lits = [prefix, suffix].map((l) => enc.encode(l).length);
          const pat = 2 + lits.reduce((s, l) => s + leb(l) + l, 0) + leb(start) + leb(count);
          const w = new ByteWriter();
          writeStrings(w, names);
          const bytes = w.finish();
          const label = `${JSON.stringify(names.slice(0, 2))} x ${count}`;
          assert.equal(bytes.length, Math.min(list, pat), label);
          assert.equal(bytes[0], pat < list ? 1 : 0, label);
          assert.deepEqual(readStrings(reader(bytes), "names", count), names, label);
          if (pat === list) ties++;
          if (pat < list) patterns++;
        }
      }
    }
  }
  assert.ok(ties > 0 && patterns > 0, `${ties} ties, ${patterns} patterns`);
});

Deno.test("an empty list and empty names round-trip", () => {
  for (const names of [[], [""], ["", ""], ["", "a", ""]]) {
    const w = new ByteWriter();
    writeStrings(w, names);
    const r = reader(w.finish());
    assert.deepEqual(readStrings(r, "names", names.length), names);
    assert.equal(r.remaining, 0);
  }
});

Deno.test("bytes that are not UTF-8 are refused, a lone surrogate's three bytes included", () => {
  // Invalid by RFC 3629: a surrogate code point (U+D800 as ED A0 80), an overlong NUL (C0 80), a
  // lead byte with no continuation (E2 82), a stray continuation (80), a code point past U+10FFFF.
  for (
    const bad of [[0xed, 0xa0, 0x80], [0xc0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]]
  ) {
    const w = new ByteWriter();
    w.u8(0);
    w.varint(1);
    w.varint(0);
    w.varint(bad.length);
    w.bytes(Uint8Array.from(bad));
    assert.throws(
      () => readStrings(reader(w.finish()), "class labels", 1),
      (e: Error) =>
        e instanceof SyntaxError &&
        /^Cannot read model file 'x': .*class labels 0 is not valid UTF-8$/
          .test(e.message),
      bad.join(" "),
    );
  }
});

Deno.test("a name that starts with a byte order mark keeps it", () => {
  // U+FEFF is a character like any other inside a name: the decoder must not drop it as a BOM.
  for (const names of [["\uFEFFa", "b"], ["a", "\uFEFF"], ["\uFEFF0", "\uFEFF1", "\uFEFF2"]]) {
    const w = new ByteWriter();
    writeStrings(w, names);
    assert.deepEqual(readStrings(reader(w.finish()), "names", names.length), names);
  }
});

Deno.test("counters past 2^31 - 1 round-trip in the list form", () => {
  // The pattern stores a counter's start as at most 2^31 - 1; names whose numbers pass it
  // must take the list form rather than a pattern the reader refuses.
  for (const first of [2 ** 31 - 3, 2 ** 31, 2 ** 32, 2 ** 40]) {
    const names = Array.from({ length: 40 }, (_, i) => `f${first + i}`);
    const w = new ByteWriter();
    writeStrings(w, names);
    assert.deepEqual(readStrings(reader(w.finish()), "names", names.length), names, `${first}`);
  }
});
