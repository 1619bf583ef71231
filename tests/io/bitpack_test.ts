import assert from "node:assert/strict";
import zlib from "node:zlib";
import fc from "fast-check";
import { packBits, packedSize, paddingIsZero, unpackBits } from "../../lib/io/bitpack.ts";
import { crc32 } from "../../lib/io/crc32.ts";
import { createPrng } from "../../lib/core/random.ts";

Deno.test("packed values round-trip at every width from 1 to 32 bits", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 32 }).chain((width) =>
        fc.tuple(
          fc.constant(width),
          fc.array(fc.integer({ min: 0, max: 2 ** width - 1 }), { maxLength: 200 }),
        )
      ),
      ([width, values]) => {
        const bytes = packBits(values, width);
        assert.equal(bytes.length, Math.ceil((values.length * width) / 8));
        assert.equal(bytes.length, packedSize(values.length, width));
        assert.deepEqual([...unpackBits(bytes, values.length, width)], values);
      },
    ),
    { seed: 1, numRuns: 500 },
  );
});

Deno.test("bits are laid out least significant first, as the format says", () => {
  // 2-bit 1, 2, 3 -> 0b00_11_10_01; 3-bit 5, 6, 7 -> byte 0 = 0b11_110_101 (low bits of 7 on top),
  // byte 1 = 0b1 (the high bit of 7)
  assert.deepEqual([...packBits([1, 2, 3], 2)], [0b00111001]);
  assert.deepEqual([...packBits([5, 6, 7], 3)], [0b11110101, 0b00000001]);
  assert.deepEqual([...packBits([0xabcdef12], 32)], [0x12, 0xef, 0xcd, 0xab]);
  assert.deepEqual([...packBits([0x1ff, 1], 9)], [0xff, 0x03, 0x00]);
});

Deno.test("values that do not fit and bad widths are refused", () => {
  assert.throws(() => packBits([8], 3), /value 8 at index 0 does not fit in 3 bits/);
  assert.throws(() => packBits([-1], 3), RangeError);
  assert.throws(() => packBits([1.5], 3), RangeError);
  assert.throws(() => packBits([1], 0), /width must be an integer in \[1, 32\]/);
  assert.throws(() => unpackBits(new Uint8Array(1), 3, 3), /need 2 bytes, got 1/);
});

Deno.test("unpacking into an array too short or too narrow for the values is refused", () => {
  // Eight 3-bit values into four entries: a typed array drops the writes past its end.
  const bytes = packBits([5, 0, 7, 3, 1, 6, 2, 4], 3);
  assert.throws(
    () => unpackBits(bytes, 8, 3, new Uint32Array(4)),
    (e) => e instanceof TypeError && /at least 8 entries .* got Uint32Array\(4\)/.test(e.message),
  );
  // 2^20 - 1 into a Uint16Array would wrap to 2^16 - 1; 2^32 - 1 into an Int32Array to -1.
  const wide = packBits([2 ** 20 - 1], 20);
  assert.throws(() => unpackBits(wide, 1, 20, new Uint16Array(1)), /holds 20-bit values/);
  assert.throws(() => unpackBits(packBits([2 ** 32 - 1], 32), 1, 32, new Int32Array(1)), TypeError);
  assert.throws(() => unpackBits(bytes, 8, 3, [] as unknown as Uint32Array), TypeError);
  // Arrays that hold the values, including a longer one, get exactly them.
  assert.deepEqual([...unpackBits(wide, 1, 20, new Int32Array(1))], [2 ** 20 - 1]);
  assert.deepEqual([...unpackBits(bytes, 8, 3, new Uint16Array(10))], [
    5,
    0,
    7,
    3,
    1,
    6,
    2,
    4,
    0,
    0,
  ]);
  assert.deepEqual([...unpackBits(packBits([2 ** 32 - 1], 32), 1, 32, new Float64Array(1))], [
    2 ** 32 - 1,
  ]);
});

Deno.test("CRC-32 agrees with zlib's on random data", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
      assert.equal(crc32(bytes), zlib.crc32(bytes));
    }),
    { seed: 2, numRuns: 200 },
  );
});

Deno.test("padding is zero only when every bit past the last value is zero", () => {
  // Three 1-bit values use bits 0-2 of the byte; bit 3 is the first padding bit.
  assert.equal(paddingIsZero(Uint8Array.of(0b0000_0111), 3, 1), true);
  assert.equal(paddingIsZero(Uint8Array.of(0b0000_1000), 3, 1), false);
  assert.equal(paddingIsZero(Uint8Array.of(0b1000_0000), 3, 1), false);
  // Two 3-bit values use bits 0-5.
  assert.equal(paddingIsZero(Uint8Array.of(0b0011_1111), 2, 3), true);
  assert.equal(paddingIsZero(Uint8Array.of(0b0100_0000), 2, 3), false);
  // A whole number of bytes has no padding.
  assert.equal(paddingIsZero(Uint8Array.of(0xff), 8, 1), true);
});

Deno.test("bytes and values of the wrong type are refused, not read as other numbers", () => {
  // A string used to be read character by character ("1" as byte 1): a wrong checksum, no error.
  assert.throws(
    () => crc32("123456789" as unknown as Uint8Array),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === 'Cannot compute CRC-32: bytes must be a Uint8Array, got string "123456789"',
  );
  // A number array's 0x131 used to count as the byte 0x31.
  assert.throws(() => crc32([0x131] as unknown as Uint8Array), TypeError);
  assert.throws(
    () => unpackBits([0x1ff] as unknown as Uint8Array, 1, 8),
    /^TypeError: Cannot unpack bits: bytes must be a Uint8Array, got Array\(1\)$/,
  );
  assert.throws(
    () => packBits(null as unknown as number[], 3),
    /^TypeError: Cannot pack bits: values must be an array of integers, got null$/,
  );
});

Deno.test("unpacking refuses a count that is not a whole number of values", () => {
  // Without the check, -1 failed on the typed array's own 'Invalid typed array length', and 2.5
  // into a given array unpacked three values (the loop runs while i < 2.5).
  const bytes = packBits([5, 0, 7, 3], 3);
  for (const count of [-1, 2.5, NaN]) {
    assert.throws(() => unpackBits(bytes, count, 3, new Uint32Array(4)), {
      name: "RangeError",
      message: `Cannot unpack bits: count must be an integer in [0, ${Number.MAX_SAFE_INTEGER}], ` +
        `got ${count}`,
    });
  }
});

Deno.test("unpacking fills arrays at the widest values they hold exactly", () => {
  // A Uint16Array holds 0..2^16 - 1 and an Int32Array 0..2^31 - 1 (its sign bit aside): values of
  // 16 and 31 bits, the largest of each width, go in as they are.
  const sixteen = [2 ** 16 - 1, 0, 2 ** 15, 1];
  assert.deepEqual([...unpackBits(packBits(sixteen, 16), 4, 16, new Uint16Array(4))], sixteen);
  const thirtyOne = [2 ** 31 - 1, 0, 2 ** 30, 1];
  assert.deepEqual([...unpackBits(packBits(thirtyOne, 31), 4, 31, new Int32Array(4))], thirtyOne);
  // One bit more for each is refused (a Uint16Array would wrap 2^16 to 0, an Int32Array 2^31 to
  // -2^31).
  assert.throws(() => unpackBits(packBits([2 ** 16], 17), 1, 17, new Uint16Array(1)), TypeError);
  assert.throws(() => unpackBits(packBits([2 ** 31], 32), 1, 32, new Int32Array(1)), TypeError);
});

Deno.test("packing agrees with a bit-by-bit packer at every width, widest values included", () => {
  const prng = createPrng(7);
  for (let width = 1; width <= 32; width++) {
    for (const count of [0, 1, 2, 3, 7, 8, 9, 17, 64, 101]) {
      // Half the values the largest that fit, so every bit of every byte is exercised.
      const values = Array.from(
        { length: count },
        () => prng() < 0.5 ? 2 ** width - 1 : Math.floor(prng() * 2 ** width),
      );
      const expected = new Uint8Array(Math.ceil((count * width) / 8));
      let k = 0;
      for (const v of values) {
        for (let b = 0; b < width; b++, k++) {
          if (Math.floor(v / 2 ** b) % 2 === 1) expected[k >> 3] |= 1 << (k & 7);
        }
      }
      const bytes = packBits(values, width);
      assert.deepEqual(bytes, expected, `width ${width}, count ${count}`);
      assert.deepEqual([...unpackBits(bytes, count, width)], values, `width ${width}`);
    }
  }
});

Deno.test("unpacking into a short array counts one entry in the singular, two in the plural", () => {
  const head = "Cannot unpack bits: out must be a Uint32Array, Float64Array, Int32Array or " +
    "Uint16Array of at least";
  assert.throws(() => unpackBits(packBits([5], 3), 1, 3, new Uint32Array(0)), {
    name: "TypeError",
    message: `${head} 1 entry that holds 3-bit values, got Uint32Array(0)`,
  });
  assert.throws(() => unpackBits(packBits([5, 1], 3), 2, 3, new Uint32Array(1)), {
    name: "TypeError",
    message: `${head} 2 entries that holds 3-bit values, got Uint32Array(1)`,
  });
});
