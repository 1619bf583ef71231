import assert from "node:assert/strict";
import zlib from "node:zlib";
import fc from "fast-check";
import { createPrng } from "../../lib/core/random.ts";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import {
  flagTable,
  planEntropyCodes,
  RANS_PROB_BITS_MAX,
  ransDecode,
  ransEncode,
  readTable,
  scaleFrequencies,
  tableSize,
  writeTable,
} from "../../lib/io/rans.ts";
import { ByteReader, ByteWriter, SIZE_CATEGORIES, type SizeCategory } from "../../lib/io/bytes.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import {
  gaussianModel,
  randomFloatModel,
  randomQuantizedModel,
} from "../_helpers/random_models.ts";

const fail = (reason: string) => new SyntaxError(reason);

/** Bits an ideal coder spends on `symbols` with the table's probabilities (cross-entropy). */
function idealBits(symbols: ArrayLike<number>, freq: Uint32Array, probBits: number): number {
  let bits = 0;
  for (let i = 0; i < symbols.length; i++) bits += probBits - Math.log2(freq[symbols[i]]);
  return bits;
}

/** Empirical entropy of a sequence, in bits per symbol. */
function entropy(symbols: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < symbols.length; i++) {
    counts.set(symbols[i], (counts.get(symbols[i]) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / symbols.length) * Math.log2(c / symbols.length);
  return h;
}

const skewedSymbols = fc.record({
  alphabet: fc.integer({ min: 1, max: 300 }),
  skew: fc.double({ min: 0, max: 6, noNaN: true }),
  n: fc.integer({ min: 1, max: 3000 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
}).map(({ alphabet, skew, n, seed }) => {
  const prng = createPrng(seed);
  const symbols = Array.from(
    { length: n },
    () => Math.min(alphabet - 1, Math.floor(alphabet * prng() ** (1 + skew))),
  );
  return { alphabet, symbols };
});

Deno.test("rANS decodes what it encodes, within its theoretical overhead of the ideal code", () => {
  fc.assert(
    fc.property(skewedSymbols, ({ alphabet, symbols }) => {
      const plan = planEntropyCodes(symbols, alphabet)!;
      const out = new Array<number>(symbols.length);
      ransDecode(plan.stream, symbols.length, plan.table, out, fail);
      assert.deepEqual(out, symbols);
      // Giesen's byte-wise rANS with state in [2^23, 2^31) loses at most log2(1 + M / 2^23)
      // bits per symbol against the table's cross-entropy; the final state takes 4 bytes and the
      // last renormalisation byte may be partly unused.
      const { probBits, freq } = plan.table;
      const perSymbol = Math.log2(1 + 2 ** probBits / 2 ** 23);
      const bound = (idealBits(symbols, freq, probBits) + symbols.length * perSymbol) / 8 + 5;
      assert.ok(plan.stream.length <= bound, `${plan.stream.length} > ${bound}`);
    }),
    { seed: 1, numRuns: 200 },
  );
});

Deno.test("scaled frequencies sum to 2^probBits and keep every present symbol", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1e6 })), {
        minLength: 1,
        maxLength: 200,
      }),
      fc.integer({ min: 8, max: 15 }),
      (counts, probBits) => {
        const present = counts.filter((c) => c > 0).length;
        const table = scaleFrequencies(counts, probBits);
        if (present === 0 || present > 2 ** (probBits - 1)) {
          assert.equal(table, null);
          return;
        }
        assert.ok(table);
        assert.equal(table.freq.reduce((a, b) => a + b, 0), 2 ** probBits);
        counts.forEach((c, s) => assert.equal(table.freq[s] > 0, c > 0, `symbol ${s}`));
        // Largest remainder: each frequency is its exact share rounded down or up, unless the
        // floor of 1 for rare symbols had to be paid for.
        const total = counts.reduce((a, b) => a + b, 0);
        const exact = counts.map((c) => (c * 2 ** probBits) / total);
        if (exact.every((e, s) => counts[s] === 0 || e >= 1)) {
          exact.forEach((e, s) => assert.ok(Math.abs(table.freq[s] - e) < 1, `symbol ${s}`));
        }
      },
    ),
    { seed: 2, numRuns: 300 },
  );
});

Deno.test("a stream one byte short, one byte long, or ending in another state is refused", () => {
  const prng = createPrng(3);
  const symbols = Array.from({ length: 2000 }, () => Math.floor(8 * prng() ** 3));
  const plan = planEntropyCodes(symbols, 8)!;
  const out = new Array<number>(symbols.length);
  assert.throws(
    () => ransDecode(plan.stream.subarray(0, plan.stream.length - 1), 2000, plan.table, out, fail),
    /ends early|does not end/,
  );
  const longer = Uint8Array.of(...plan.stream, 0);
  assert.throws(() => ransDecode(longer, 2000, plan.table, out, fail), /does not end/);
  // Decoding fewer symbols than were written leaves the decoder in another state.
  assert.throws(() => ransDecode(plan.stream, 1999, plan.table, out, fail), /does not end/);
  assert.throws(
    () => ransDecode(Uint8Array.of(0, 0, 0, 0), 1, plan.table, out, fail),
    /invalid state/,
  );
});

Deno.test("kept-or-not flags cost about n H(p) bits, nothing for their table", () => {
  for (const p of [0.01, 0.1, 0.2, 0.5, 0.9]) {
    const prng = createPrng(Math.round(p * 100));
    const flags = Uint8Array.from({ length: 7840 }, () => (prng() < p ? 1 : 0));
    const count = flags.reduce((a, b) => a + b, 0);
    const table = flagTable(count, flags.length);
    const stream = ransEncode(flags, table);
    const out = new Uint8Array(flags.length);
    ransDecode(stream, flags.length, table, out, fail);
    assert.deepEqual(out, flags);
    const ideal = idealBits(flags, table.freq, RANS_PROB_BITS_MAX) / 8;
    // The flag table's rounding of p to 1/2^15 costs under 0.2 % here.
    assert.ok(stream.length <= (flags.length * entropy(flags) / 8) * 1.002 + 6, `p = ${p}`);
    assert.ok(stream.length <= ideal + 6 && stream.length >= ideal - 1, `p = ${p}`);
  }
  // The table is the documented one: symbol 1 gets floor(count 2^15 / n + 1/2), within 1..2^15-1.
  for (const [count, n, one] of [[5, 65536, 3], [1, 7840, 4], [7839, 7840, 32764], [0, 9, 1]]) {
    const table = flagTable(count, n);
    assert.deepEqual([...table.freq], [32768 - one, one], `${count} of ${n}`);
  }
  // Every flag set, or none: still a valid table and stream.
  for (const count of [0, 100]) {
    const flags = new Uint8Array(100).fill(count === 0 ? 0 : 1);
    const table = flagTable(count, 100);
    const out = new Uint8Array(100);
    ransDecode(ransEncode(flags, table), 100, table, out, fail);
    assert.deepEqual(out, flags);
  }
});

const METHODS: QuantizationMethod[] = [
  { kind: "uniform", scheme: "symmetric", bits: 4 },
  { kind: "uniform", scheme: "affine", bits: 6, granularity: "tensor" },
  { kind: "uniform", scheme: "symmetric", bits: 8, granularity: "feature" },
  { kind: "log2", bits: 3 },
  { kind: "kmeans", bits: 4 },
  { kind: "float16" },
];

const entropyModels = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  cols: fc.integer({ min: 1, max: 400 }),
  kept: fc.option(fc.double({ min: 0.02, max: 1, noNaN: true })),
  method: fc.constantFrom(...METHODS),
}).map(({ seed, cols, kept, method }): StoredModel => {
  const model = gaussianModel(seed, cols, kept, { preprocessing: false });
  if (method.kind === "float16" && seed % 2 === 0) return model;
  // k-means needs as many distinct weights as levels; small models take uniform 4-bit instead.
  const levels = method.kind === "kmeans" ? 2 ** method.bits! : 0;
  const distinct = model.mask ? model.mask.reduce((a, b) => a + b, 0) : cols;
  return quantizeModel(model, {
    method: distinct >= 4 * levels ? method : { kind: "uniform", bits: 4 },
  });
});

Deno.test("entropy-coded files round-trip exactly and are never larger than plain ones", () => {
  let smaller = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        entropyModels,
        fc.integer({ min: 0, max: 2 ** 30 }).map((s) =>
          s % 2 ? randomQuantizedModel(s) : randomFloatModel(s)
        ),
      ),
      (model) => {
        const plain = encodeModel(model);
        const coded = encodeModel(model, { entropy: true });
        assert.deepEqual(decodeModel(coded), decodeModel(plain));
        assert.deepEqual(asFloatModel(decodeModel(coded)).weights, asFloatModel(model).weights);
        assert.ok(coded.length <= plain.length, `${coded.length} > ${plain.length}`);
        const { info } = inspectModelFile(coded);
        const version = new DataView(coded.buffer).getUint16(8, true);
        const entropyCoded = info.codes === "rans" || info.support === "rans" ||
          (info.support === "features" && coded.length < plain.length);
        if (coded.length < plain.length) smaller++;
        // Version 2 exactly when something is entropy-coded; otherwise the plain bytes.
        if (version === 1) assert.deepEqual(coded, plain);
        else assert.ok(entropyCoded, JSON.stringify(info));
      },
    ),
    { seed: 4, numRuns: 250 },
  );
  assert.ok(smaller > 50, `only ${smaller} of 250 files were smaller`);
});

Deno.test("entropy-coded codes cost about their entropy; the index set about n H(p)", () => {
  const model = gaussianModel(5, 784, null, { preprocessing: false });
  const q = quantizeModel(model, { method: { kind: "uniform", scheme: "symmetric", bits: 4 } });
  const { info } = inspectModelFile(encodeModel(q, { entropy: true }));
  assert.equal(info.codes, "rans");
  const n = q.weights.codes.length;
  const h = entropy(q.weights.codes);
  assert.ok(h < 3.5, `entropy ${h}`); // normal weights on a min/max grid: well under 4 bits
  // The stream is within 1 % of the entropy; the table (15 symbols) takes at most 3 bytes each.
  assert.ok(info.bytes.codes <= (n * h / 8) * 1.01 + 4 + 2 + 15 * 3, `${info.bytes.codes}`);
  assert.ok(info.bytes.codes < n * 4 / 8);

  const sparse = gaussianModel(6, 784, 0.15, { preprocessing: false });
  const kept = sparse.mask!.reduce((a, b) => a + b, 0);
  const p = kept / sparse.mask!.length;
  const flagBytes = sparse.mask!.length * -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)) / 8;
  const sq = quantizeModel(sparse, { method: { kind: "uniform", scheme: "symmetric", bits: 4 } });
  const sparseInfo = inspectModelFile(encodeModel(sq, { entropy: true })).info;
  const plainInfo = inspectModelFile(encodeModel(sq)).info;
  assert.equal(sparseInfo.support, "rans");
  assert.ok(
    sparseInfo.bytes.indices <= flagBytes * 1.01 + 1 + 2 + 5,
    `${sparseInfo.bytes.indices}`,
  );
  assert.ok(sparseInfo.bytes.indices < plainInfo.bytes.indices);
});

Deno.test("a version 1 file with entropy-coded parts is refused", () => {
  const q = quantizeModel(gaussianModel(8, 300, 0.1, { preprocessing: false }), {
    method: { kind: "uniform", scheme: "symmetric", bits: 4 },
  });
  const bytes = encodeModel(q, { entropy: true });
  assert.equal(new DataView(bytes.buffer).getUint16(8, true), 2);
  const forged = bytes.slice();
  const view = new DataView(forged.buffer);
  view.setUint16(8, 1, true);
  view.setUint32(forged.length - 4, zlib.crc32(forged.subarray(0, forged.length - 4)), true);
  assert.throws(() => decodeModel(forged), /needs format version 2, the file says 1/);
});

Deno.test("entropy must be a boolean", () => {
  const model = gaussianModel(9, 10, null, { preprocessing: false });
  assert.throws(
    () => encodeModel(model, { entropy: "yes" as never }),
    /^TypeError: Cannot encode model: entropy must be a boolean, got string "yes"$/,
  );
});

Deno.test("fuzz: resealed mutations of entropy-coded files are refused cleanly or decode validly", () => {
  let accepted = 0, runs = 0;
  fc.assert(
    fc.property(
      entropyModels,
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 255 }),
      (model, at, bits) => {
        const bytes = encodeModel(model, { entropy: true }).slice();
        runs++;
        const i = 16 + (at % (bytes.length - 20));
        bytes[i] ^= bits;
        new DataView(bytes.buffer).setUint32(
          bytes.length - 4,
          zlib.crc32(bytes.subarray(0, bytes.length - 4)),
          true,
        );
        let decoded: StoredModel;
        try {
          decoded = decodeModel(bytes, { name: "m.lrc" });
        } catch (e) {
          assert.ok(e instanceof SyntaxError || e instanceof RangeError, String(e));
          assert.match((e as Error).message, /^Cannot read model file 'm\.lrc': /);
          return;
        }
        accepted++;
        assert.deepEqual(decodeModel(encodeModel(decoded, { entropy: true })), decoded);
      },
    ),
    { seed: 10, numRuns: 400 },
  );
  assert.ok(accepted < runs, "some mutations must be refused");
});

Deno.test("an entropy-coded file is not larger when a section's length needs another byte", () => {
  // A reviewer's case: dense and sparse layouts tie on payload bytes (1 + 131 against 36 + 96),
  // but the dense WEIGHTS payload crosses 127 bytes and its length varint takes two bytes.
  const seed = 4003;
  const model = randomQuantizedModel(seed, {
    kind: "codebook",
    mask: "none",
    bits: 1 + (seed >> 2) % 8,
    nFeatures: 20 + (seed * 7919) % 300,
    link: "sigmoid",
    zeros: ((seed * 31) % 97) / 100,
    preprocessing: false,
  });
  const plain = encodeModel(model), coded = encodeModel(model, { entropy: true });
  assert.ok(coded.length <= plain.length, `${coded.length} > ${plain.length}`);
  assert.deepEqual(decodeModel(coded), decodeModel(plain));
});

Deno.test("a stream whose first state is outside [2^23, 2^31) is refused as such", () => {
  // The documented state interval: 2^23 - 1 is below it, 2^31 (and 2^32 - 1) past its end. The
  // 2^31 stream, read from a state the encoder never leaves, must not be decoded at all.
  const table = scaleFrequencies([3, 1], 8)!;
  const out = new Array<number>(1);
  for (const x of [2 ** 23 - 1, 2 ** 31, 2 ** 32 - 1]) {
    const stream = Uint8Array.of(x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24);
    assert.throws(
      () => ransDecode(stream, 1, table, out, fail),
      (e: Error) => e.message === "the entropy-coded stream starts in an invalid state",
      `state ${x}`,
    );
  }
});

Deno.test("largest remainders tie to the smaller symbol; an overshoot is taken from the largest", () => {
  // Three equal counts over 2^8: exact shares 85 1/3 each, floors 85 x 3 = 255, and the one slot
  // left goes to the smallest of the tied symbols.
  assert.deepEqual([...scaleFrequencies([1, 1, 1], 8)!.freq], [86, 85, 85]);
  assert.deepEqual([...scaleFrequencies([0, 7, 7, 7], 8)!.freq], [0, 86, 85, 85]);
  // Counts 1, 1, 1000, 500 over 2^8 (total 1502): shares 0.17, 0.17, 170.4, 85.2; floors (1 for
  // the rare symbols) 1 + 1 + 170 + 85 = 257, one slot too many, taken from the largest
  // frequency (170 -> 169), not from the smaller 85.
  assert.deepEqual([...scaleFrequencies([1, 1, 1000, 500], 8)!.freq], [1, 1, 169, 85]);
});

Deno.test("the entropy plan tries every precision, 2^15 included", () => {
  // 10^6 zeros and one 1: at precision p the zeros cost about 10^6 / (2^p ln 2) bits, 88 at 14
  // and 44 at 15 (5.5 bytes less), while the table is 1 byte longer at 15 (frequency 32766 - 1
  // takes a 3-byte varint, 16382 - 1 two): the plan must be at precision 15.
  const symbols = new Uint8Array(1_000_001);
  symbols[500_000] = 1;
  const plan = planEntropyCodes(symbols, 2)!;
  assert.equal(plan.table.probBits, 15);
  assert.deepEqual([...plan.table.freq], [32767, 1]);
  // Table by the format: u8 precision, varint k = 2, gaps 0 and 0, varints 32766 and 0.
  assert.equal(plan.size, 1 + 1 + (1 + 3) + (1 + 1) + plan.stream.length);
  const out = new Uint8Array(symbols.length);
  ransDecode(plan.stream, symbols.length, plan.table, out, fail);
  assert.deepEqual(out, symbols);
});

Deno.test("a frequency table that does not sum to 2^probBits is refused", () => {
  const charges = Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<
    SizeCategory,
    number
  >;
  const read = (bytes: number[]) =>
    readTable(new ByteReader(Uint8Array.from(bytes), 0, bytes.length, "t", charges), 4);
  // Precision 8: symbols 0 and 2 (gaps 0 and 1) of frequencies 100 and 100, 200 of 256 slots (a
  // decoder would find no symbol in the other 56); symbols 0, 1, 2 of 100 each, 300.
  for (
    const [bytes, sum] of [[[8, 2, 0, 99, 1, 99], 200], [[8, 3, 0, 99, 0, 99, 0, 99], 300]] as const
  ) {
    assert.throws(
      () => read([...bytes]),
      (e: Error) =>
        e instanceof SyntaxError && e.message.endsWith(`frequencies sum to ${sum}, not 256`),
      `sum ${sum}`,
    );
  }
  // 100 and 156 make 256 (155 is the 2-byte varint 0x9b 0x01): read as given.
  assert.deepEqual([...read([8, 2, 0, 99, 1, 0x9b, 0x01]).freq], [100, 0, 156, 0]);
});

Deno.test("tableSize is the length writeTable writes, symbols past 127 and 16383 included", () => {
  const prng = createPrng(17);
  for (let trial = 0; trial < 200; trial++) {
    const alphabet = 4096;
    const counts = new Float64Array(alphabet);
    // First present symbol around the varint boundaries 128 and 16384 / 128.
    const first = [0, 127, 128, 129, 255, 256, 4095][trial % 7];
    counts[first] = 1 + Math.floor(prng() * 1000);
    for (let k = 0; k < trial % 20; k++) {
      counts[first + Math.floor(prng() * (alphabet - first))] += 1 + Math.floor(prng() * 1e6);
    }
    const table = scaleFrequencies(counts, 8 + (trial % 8))!;
    const w = new ByteWriter();
    writeTable(w, table);
    const bytes = w.finish();
    assert.equal(tableSize(table), bytes.length, `trial ${trial}, first symbol ${first}`);
    const back = readTable(new ByteReader(bytes, 0, bytes.length, "x", zeroCharges()), alphabet);
    assert.deepEqual(back.freq, table.freq);
  }
});

Deno.test("more symbols present than 2^(probBits - 1) get no table", () => {
  for (const probBits of [8, 9, 12]) {
    const half = 2 ** (probBits - 1);
    assert.ok(scaleFrequencies(new Float64Array(half).fill(1), probBits));
    assert.equal(scaleFrequencies(new Float64Array(half + 1).fill(1), probBits), null);
  }
});

Deno.test("edge distributions round-trip within a few bytes of n H plus the coder's overhead", () => {
  const prng = createPrng(23);
  const cases: [string, number[], number][] = [
    ["one symbol", new Array(5000).fill(3), 8],
    ["two symbols 1 : 10^6", Array.from({ length: 1_000_001 }, (_, i) => i === 500_000 ? 1 : 0), 2],
    [
      "all 4096 symbols",
      Array.from({ length: 40_000 }, (_, i) => i < 4096 ? i : Math.floor(prng() * 4096)),
      4096,
    ],
    ["two symbols even", Array.from({ length: 3000 }, () => prng() < 0.5 ? 1 : 0), 2],
  ];
  for (const [name, symbols, alphabet] of cases) {
    const plan = planEntropyCodes(symbols, alphabet)!;
    const out = new Array<number>(symbols.length);
    ransDecode(plan.stream, symbols.length, plan.table, out, fail);
    assert.deepEqual(out, symbols, name);
    // Shannon: n H(empirical) bits, plus per symbol what rounding the probabilities to 1/2^15 and
    // the 2^23 state floor may cost (at most log2(1 + 2^15 / 2^23) bits), plus the 4-byte state.
    const n = symbols.length, h = entropy(symbols);
    const rounding = name === "all 4096 symbols" ? 0.05 : 0.002;
    const bound = (n * h + n * (Math.log2(1 + 2 ** 15 / 2 ** 23) + rounding)) / 8 + 6;
    assert.ok(plan.stream.length <= bound, `${name}: ${plan.stream.length} > ${bound}`);
  }
});

function zeroCharges(): Record<SizeCategory, number> {
  return Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<SizeCategory, number>;
}

Deno.test("a stream cut at any byte is refused as cut, never decoded", () => {
  // Decoding reads the stream forward and a whole stream is read to its last byte, so a stream
  // cut short runs out of bytes: shorter than the 4-byte state, or ending early after it.
  const prng = createPrng(23);
  const symbols = Array.from({ length: 300 }, () => Math.floor(5 * prng() ** 2));
  const plan = planEntropyCodes(symbols, 5)!;
  const out = new Array<number>(symbols.length);
  ransDecode(plan.stream, symbols.length, plan.table, out, fail);
  assert.deepEqual(out, symbols);
  for (let k = 0; k < plan.stream.length; k++) {
    assert.throws(
      () => ransDecode(plan.stream.subarray(0, k), symbols.length, plan.table, out, fail),
      (e: Error) =>
        e.message ===
          (k < 4
            ? "the entropy-coded stream is shorter than its state"
            : "the entropy-coded stream ends early"),
      `cut at ${k}`,
    );
  }
});

Deno.test("a frequency table with a symbol at or past the alphabet is refused as out of range", () => {
  const charges = Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<
    SizeCategory,
    number
  >;
  const read = (bytes: number[]) =>
    readTable(new ByteReader(Uint8Array.from(bytes), 0, bytes.length, "t", charges), 4);
  // Precision 8, two symbols of 128: symbols 0 and 3 (gap 2) fit an alphabet of 4; 0 and 4
  // (gap 3) or 0 and 5 (gap 4) do not.
  assert.deepEqual([...read([8, 2, 0, 127, 2, 127]).freq], [128, 0, 0, 128]);
  for (const gap of [3, 4]) {
    assert.throws(
      () => read([8, 2, 0, 127, gap, 127]),
      (e: Error) =>
        e instanceof RangeError &&
        e.message === `t: header: entropy table symbol ${gap + 1} is past the alphabet of 4`,
      `gap ${gap}`,
    );
  }
});

Deno.test("an overshoot tied between equal largest frequencies is taken from the smaller symbol", () => {
  // Counts 1, 1, 1, 1000, 1000 over 2^8 (total 2003): shares 0.13 x 3 and 127.8 x 2; floors (1 for
  // the rare symbols) 3 + 127 + 127 = 257, one slot too many, taken from symbol 3, the smaller of
  // the two tied at 127.
  assert.deepEqual([...scaleFrequencies([1, 1, 1, 1000, 1000], 8)!.freq], [1, 1, 1, 126, 127]);
  assert.deepEqual([...scaleFrequencies([1000, 1000, 1, 1, 1], 8)!.freq], [126, 127, 1, 1, 1]);
});

Deno.test("a table of 128 or more symbols counts the two bytes of its symbol count", () => {
  // 200 equal counts at precision 9: 512 / 200 = 2.56 slots each, so every frequency - 1 is at
  // most 2 and every gap 0 (one byte each); the count 200 is a 2-byte varint. By the layout:
  // u8 precision + 2 + 200 x (1 + 1) = 403 bytes.
  const table = scaleFrequencies(new Float64Array(200).fill(1), 9)!;
  const w = new ByteWriter();
  writeTable(w, table);
  const bytes = w.finish();
  assert.equal(bytes.length, 403);
  assert.equal(tableSize(table), 403);
  const back = readTable(new ByteReader(bytes, 0, bytes.length, "x", zeroCharges()), 200);
  assert.deepEqual(back.freq, table.freq);
});

Deno.test("a table with no symbol, or one frequency past 2^probBits, is refused for that", () => {
  const read = (bytes: number[]) =>
    readTable(new ByteReader(Uint8Array.from(bytes), 0, bytes.length, "t", zeroCharges()), 4);
  assert.throws(
    () => read([8, 0]),
    (e: Error) =>
      e instanceof SyntaxError && e.message === "t: header: the entropy table has no symbol",
  );
  // One symbol of frequency 257 (frequency - 1 = 256, the varint 0x80 0x02) at precision 8: no
  // frequency may exceed 2^8, whatever the others are.
  assert.throws(
    () => read([8, 1, 0, 0x80, 0x02]),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "t: header: entropy table frequency is 256, more than the allowed 255",
  );
  // Frequency 256 (varint 255 = 0xff 0x01) is the whole table.
  assert.deepEqual([...read([8, 1, 0, 0xff, 0x01]).freq], [256, 0, 0, 0]);
});

Deno.test("entropy plans stop at an alphabet of 4096 symbols", () => {
  assert.ok(planEntropyCodes([0, 4095, 7], 4096));
  assert.equal(planEntropyCodes([0, 4095, 7], 4097), null);
});

Deno.test("the flag table is round(count 2^15 / n) clamped to 1..2^15-1, as the format says", () => {
  const m = 2 ** 15;
  for (const [count, n] of [[5, 10], [1, 3], [2, 3], [1, 1_000_000], [10, 10], [999_999, 1e6]]) {
    const one = Math.min(m - 1, Math.max(1, Math.round((count * m) / n)));
    const table = flagTable(count, n);
    assert.equal(table.probBits, 15);
    assert.deepEqual([...table.freq], [m - one, one], `${count} of ${n}`);
  }
  // All flags set still leaves symbol 0 a slot, and the flags round-trip.
  assert.deepEqual([...flagTable(10, 10).freq], [1, m - 1]);
  const flags = new Uint8Array(10).fill(1);
  const out = new Uint8Array(10);
  ransDecode(ransEncode(flags, flagTable(10, 10)), 10, flagTable(10, 10), out, fail);
  assert.deepEqual(out, flags);
});
