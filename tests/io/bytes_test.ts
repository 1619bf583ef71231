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
