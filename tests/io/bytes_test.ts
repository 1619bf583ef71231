import assert from "node:assert/strict";
import {
  ByteReader,
  ByteWriter,
  SIZE_CATEGORIES,
  type SizeCategory,
  varintSize,
} from "../../lib/io/bytes.ts";

function charges(): Record<SizeCategory, number> {
  return Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<SizeCategory, number>;
}

/** Unsigned LEB128 by the definition, on BigInt: 7 bits a byte, low group first. */
function leb128(v: number): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    const group = Number(x & 127n);
    x >>= 7n;
    out.push(x > 0n ? group | 128 : group);
  } while (x > 0n);
  return out;
}

const EDGES = [
  0,
  1,
  127,
  128,
  255,
  16383,
  16384,
  2 ** 21 - 1,
  2 ** 21,
  2 ** 28 - 1,
  2 ** 28,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 2,
  2 ** 32 - 1,
];

Deno.test("varints are the LEB128 of their value and varintSize counts their bytes", () => {
  for (const v of EDGES) {
    const w = new ByteWriter();
    w.varint(v);
    const bytes = w.finish();
    assert.deepEqual([...bytes], leb128(v), `${v}`);
    assert.equal(varintSize(v), bytes.length, `${v}`);
    const r = new ByteReader(bytes, 0, bytes.length, "x", charges());
    assert.equal(r.varint("v"), v);
    assert.equal(r.remaining, 0);
  }
});

Deno.test("a varint past 2^32 - 1 or longer than 5 bytes is refused", () => {
  const read = (bytes: number[]) => {
    const b = Uint8Array.from(bytes);
    return new ByteReader(b, 0, b.length, "x", charges()).varint("v");
  };
  // 2^32 and 2^35 - 1 fit in 5 bytes of LEB128 but not in a u32.
  assert.throws(() => read(leb128(2 ** 32)), /v is 4294967296, more than the allowed 4294967295/);
  assert.throws(() => read(leb128(2 ** 35 - 1)), RangeError);
  assert.throws(() => read([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), /longer than 5 bytes/);
  assert.throws(() => read([0x80, 0x00]), /non-minimal/);
});

Deno.test("a reader over part of a buffer never reads past the end of its range", () => {
  // A section is a range of the whole file: the byte after it belongs to the next section or the
  // checksum, and must not be read as this one's. Each read needs `size` bytes; with one fewer
  // left in the range it is refused, with exactly `size` it succeeds and ends at the range's end.
  const whole = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
  // The message counts in the singular for one byte ("needs 1 bytes" and "only 1 remain" read
  // wrong).
  const reads: [string, number, (r: ByteReader) => unknown, string][] = [
    ["u8", 1, (r) => r.u8("v"), "needs 1 byte but only 0 remain"],
    ["u16", 2, (r) => r.u16("v"), "needs 2 bytes but only 1 remains"],
    ["u32", 4, (r) => r.u32("v"), "needs 4 bytes but only 3 remain"],
    ["bytes", 3, (r) => r.bytes(3, "v"), "needs 3 bytes but only 2 remain"],
    [
      "float32",
      4,
      (r) => r.floatsInto(new Float64Array(1), 0, 1, "float32", "v"),
      "needs 4 bytes but only 3 remain",
    ],
    [
      "float64",
      8,
      (r) => r.floatsInto(new Float64Array(1), 0, 1, "float64", "v"),
      "needs 8 bytes but only 7 remain",
    ],
  ];
  for (const [name, size, read, needs] of reads) {
    for (const start of [0, 5, 11]) {
      const short = new ByteReader(whole, start, start + size - 1, "Cannot read m", charges());
      assert.throws(
        () => read(short),
        (e: Error) => e instanceof RangeError && e.message === `Cannot read m: header: v ${needs}`,
        `${name} at ${start}`,
      );
      const exact = new ByteReader(whole, start, start + size, "Cannot read m", charges());
      read(exact);
      assert.equal(exact.remaining, 0, `${name} at ${start}`);
    }
  }
  // A varint whose continuation bit points past the range: the next byte is not read.
  const varint = Uint8Array.of(0x81, 0x01);
  assert.throws(
    () => new ByteReader(varint, 0, 1, "Cannot read m", charges()).varint("v"),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Cannot read m: header: v needs 1 byte but only 0 remain",
  );
  // Values come from the range's own bytes, little-endian.
  const r = new ByteReader(whole, 3, 9, "Cannot read m", charges());
  assert.equal(r.u16("v"), 0x43 + 0x44 * 256);
  assert.equal(r.u32("v"), 0x45 + 0x46 * 2 ** 8 + 0x47 * 2 ** 16 + 0x48 * 2 ** 24);
});

Deno.test("ByteReader.take refuses a length that is not a non-negative integer, staying put", () => {
  // take(-2) moved the reader two bytes back (and charged -2 bytes); take(1.5) left it between
  // bytes.
  for (const n of [-2, -1, 1.5, NaN, -Infinity]) {
    const c = charges();
    const r = new ByteReader(Uint8Array.from([1, 2, 3, 4, 5, 6]), 0, 6, "Cannot read m", c);
    r.take(4, "v");
    assert.throws(() => r.take(n, "w"), {
      name: "RangeError",
      message: `Cannot read m: header: w needs ${n} bytes, which is not a non-negative integer`,
    });
    assert.equal(r.pos, 4, `after take(${n})`);
    assert.equal(c.header, 4, `after take(${n})`);
  }
  // Zero bytes is a length: nothing moves.
  const r = new ByteReader(Uint8Array.of(1), 0, 1, "Cannot read m", charges());
  assert.equal(r.take(0, "v"), 0);
  assert.equal(r.pos, 0);
});

Deno.test("ByteReader.expectEnd counts the bytes left over, one in the singular", () => {
  for (const [left, message] of [[1, "1 unexpected byte"], [2, "2 unexpected bytes"]] as const) {
    const r = new ByteReader(new Uint8Array(3), 0, 3, "Cannot read m", charges());
    r.take(3 - left, "v");
    assert.throws(() => r.expectEnd(), {
      name: "SyntaxError",
      message: `Cannot read m: header: ${message} at the end`,
    });
  }
  const r = new ByteReader(new Uint8Array(3), 0, 3, "Cannot read m", charges());
  r.take(3, "v");
  r.expectEnd();
});
