import assert from "node:assert/strict";
import zlib from "node:zlib";
import fc from "fast-check";
import {
  decodeModel,
  encodeModel,
  inspectModelFile,
  MODEL_FILE_VERSION,
  SECTION,
} from "../../lib/io/model_file.ts";
import type { StoredModel } from "../../lib/io/quantized.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { importOnnxModel } from "../../lib/onnx/import.ts";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { randomFloatModel, randomQuantizedModel } from "../_helpers/random_models.ts";
import { reseal } from "../_helpers/reseal.ts";

const NAME = "corrupt.lrc";
const PREFIX = `Cannot read model file '${NAME}': `;

/** Asserts that decoding refuses the bytes with a prefixed SyntaxError or RangeError. */
function assertRefused(bytes: Uint8Array, context = "", pattern?: RegExp): Error {
  let error: unknown;
  try {
    decodeModel(bytes, { name: NAME });
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `accepted a corrupt file ${context}`);
  assert.ok(
    error instanceof SyntaxError || error instanceof RangeError,
    `${context}: ${(error as Error).constructor.name}: ${(error as Error).message}`,
  );
  assert.ok((error as Error).message.startsWith(PREFIX), (error as Error).message);
  if (pattern) assert.match((error as Error).message, pattern);
  return error as Error;
}

/** The framing of a file, read here from the format description (independent of the decoder). */
function sections(bytes: Uint8Array): { id: number; payload: Uint8Array }[] {
  const out: { id: number; payload: Uint8Array }[] = [];
  let p = 16;
  while (p < bytes.length - 4) {
    const id = bytes[p++];
    let len = 0, mul = 1;
    for (;;) {
      const b = bytes[p++];
      len += (b & 127) * mul;
      mul *= 128;
      if (b < 128) break;
    }
    out.push({ id, payload: bytes.slice(p, p + len) });
    p += len;
  }
  return out;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Builds a file from sections with a correct length and checksum (a "valid-looking" forgery). */
function build(parts: { id: number; payload: Uint8Array | number[] }[], version = 1): Uint8Array {
  const body: number[] = [];
  for (const s of parts) body.push(s.id, ...varint(s.payload.length), ...s.payload);
  const bytes = new Uint8Array(16 + body.length + 4);
  bytes.set([0x89, 0x4c, 0x52, 0x43, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, version, true);
  view.setUint32(12, bytes.length, true);
  bytes.set(body, 16);
  view.setUint32(bytes.length - 4, zlib.crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

const SAMPLES: [string, StoredModel][] = [
  [
    "dense float",
    randomFloatModel(1, { mask: "none", zeros: 0, nFeatures: 6, nClasses: 3, link: "softmax" }),
  ],
  ["masked float", randomFloatModel(2, { mask: "random", nFeatures: 9, preprocessing: true })],
  [
    "structured float",
    randomFloatModel(3, { mask: "features", nFeatures: 12, nClasses: 4, link: "softmax" }),
  ],
  ["affine 3-bit", randomQuantizedModel(4, { kind: "uniform-affine", bits: 3, nFeatures: 7 })],
  [
    "codebook",
    randomQuantizedModel(5, { kind: "codebook", levels: 5, nFeatures: 5, mask: "random" }),
  ],
  ["log2", randomQuantizedModel(6, { kind: "log2", bits: 4, nFeatures: 5 })],
  ["float16", randomQuantizedModel(7, { kind: "float16", nFeatures: 4 })],
];

Deno.test("a file truncated at any byte offset is refused", () => {
  for (const [label, model] of SAMPLES) {
    const bytes = encodeModel(model);
    for (let cut = 0; cut < bytes.length; cut++) {
      assertRefused(bytes.subarray(0, cut), `${label} cut at ${cut}`);
    }
  }
});

Deno.test("any single flipped bit is refused", () => {
  for (const [label, model] of SAMPLES) {
    const bytes = encodeModel(model);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      assertRefused(copy, `${label} bit ${bit}`);
    }
  }
});

Deno.test("wrong magic, newer or zero version, flags and trailing bytes are refused clearly", () => {
  const bytes = encodeModel(SAMPLES[0][1]);
  const magic = bytes.slice();
  magic[1] = 0x4d;
  assertRefused(magic, "magic", /not an lrcompress model file: wrong magic number/);
  // A JSON model, also after a byte order mark and blanks (loadModel reads it so), says what reads
  // it and how to make the .lrc bytes decodeModel reads.
  for (const text of ['{"kind":"x"}', '\ufeff\n  {"kind":"x"}']) {
    assert.equal(
      assertRefused(new TextEncoder().encode(text), "json").message,
      `${PREFIX}not an lrcompress model file: wrong magic number (it looks like JSON, as a model ` +
        "saved as .json: decodeModel reads the binary .lrc format; loadModel reads a JSON model " +
        "file, and saveModel writes it as .lrc)",
    );
  }
  const page = new TextEncoder().encode("<!DOCTYPE html><html><body>404 Not Found</body></html>");
  assertRefused(
    page,
    "html",
    /wrong magic number \(it looks like HTML or XML, such as the error page/,
  );
  // An ONNX export (what `lrc export` writes) is named, and what the hint says converts it does.
  const model = SAMPLES[0][1] as LogisticModel;
  const onnx = exportOnnx(model);
  assert.match(
    assertRefused(onnx, "onnx").message,
    /wrong magic number \(it looks like an ONNX model: importOnnxModel reads it, in Deno; encodeModel\(importOnnxModel\(bytes\)\.model\) gives its \.lrc bytes\)$/,
  );
  const converted = decodeModel(encodeModel(importOnnxModel(onnx).model)) as LogisticModel;
  assert.deepEqual(converted.classes, model.classes);
  // Bytes that start with ONNX's first tag but not its second are not called ONNX.
  const notOnnx = assertRefused(Uint8Array.of(0x08, 0x08, 0x00, 0x00), "0x08", /magic number$/);
  assert.ok(!/ONNX/.test(notOnnx.message), notOnnx.message);
  // A file that only starts with '<' past the first byte is not called HTML.
  const late = new TextEncoder().encode(" <html>");
  const plain = assertRefused(late, "space", /wrong magic number$/);
  assert.ok(!/HTML/.test(plain.message), plain.message);
  const newer = bytes.slice();
  new DataView(newer.buffer).setUint16(8, MODEL_FILE_VERSION + 1, true);
  const e = assertRefused(
    reseal(newer),
    "newer",
    /format version 3 is newer than this lrcompress reads \(2\)/,
  );
  assert.ok(e instanceof RangeError);
  // One flipped bit in the version field is a corrupt file first (not resealed: the checksum
  // no longer matches).
  const flipped = bytes.slice();
  flipped[9] ^= 0x80;
  const f = assertRefused(
    flipped,
    "flipped version",
    /checksum mismatch .* the file is corrupt \(its header also names format version 3\d+, newer/,
  );
  assert.ok(f instanceof SyntaxError);
  // The same for the low bit, which makes version 1 a version 0.
  const low = bytes.slice();
  low[8] ^= 1;
  assertRefused(low, "flipped low version bit", /checksum mismatch .* the file is corrupt$/);
  const zero = bytes.slice();
  new DataView(zero.buffer).setUint16(8, 0, true);
  assertRefused(reseal(zero), "version 0", /unknown format version 0/);
  const flags = bytes.slice();
  flags[10] = 1;
  assertRefused(reseal(flags), "flags", /unknown header flags/);
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  assertRefused(longer, "trailing", /3 unexpected bytes after the end/);
  // One byte is said in the singular, as ByteReader says it since c1103b2.
  const one = new Uint8Array(bytes.length + 1);
  one.set(bytes);
  assertRefused(one, "one trailing", /: 1 unexpected byte after the end announced by the header/);
  assertRefused(bytes.subarray(0, bytes.length - 1), "short", /truncated: the header announces/);
  assertRefused(new Uint8Array(0), "empty", /truncated: 0 bytes/);
  const crc = bytes.slice();
  crc[crc.length - 1] ^= 0x80;
  assertRefused(crc, "crc", /checksum mismatch .* the file is corrupt/);
});

Deno.test("forged files with a valid checksum but absurd lengths are refused before allocating", () => {
  const good = sections(encodeModel(SAMPLES[0][1]));
  const replace = (id: number, payload: number[]) =>
    build(good.map((s) => (s.id === id ? { id, payload } : s)));
  // 2^31 features: refused by the weight cap, before any array of that size exists.
  assertRefused(
    replace(SECTION.MODEL, [0, 1, 3, ...varint(2 ** 31), 0]),
    "features",
    /exceed the limit/,
  );
  assertRefused(replace(SECTION.MODEL, [0, 1, 3, ...varint(2 ** 32), 0]), "varint > u32");
  // A section that announces more bytes than the file has.
  const body = build(good);
  const overrun = body.slice();
  overrun[17] = 0xff; // MODEL's length byte becomes a long varint
  overrun[18] = 0x7f;
  assertRefused(reseal(overrun), "overrun");
  // Index count larger than the tensor, and a string longer than what remains.
  assertRefused(
    replace(SECTION.SUPPORT, [2, ...varint(10 ** 9)]),
    "count",
    /more than the allowed/,
  );
  assertRefused(
    replace(SECTION.CLASSES, [0, 3, 0, ...varint(2 ** 30)]),
    "string",
    /needs \d+ bytes but only/,
  );
  // A name pattern that would make 2^40 strings.
  assertRefused(
    replace(SECTION.FEATURES, [1, 2, 0, 0, 0, 0, ...varint(2 ** 20), 0, ...varint(2 ** 20)]),
    "pattern",
  );
  // Structure: unknown required section, duplicate, missing.
  assertRefused(
    build([...good, { id: 0x42, payload: [] }]),
    "unknown",
    /unknown required section 66/,
  );
  assertRefused(build([...good, good[1]]), "duplicate", /appears twice/);
  assertRefused(
    build(good.filter((s) => s.id !== SECTION.BIAS)),
    "missing",
    /section BIAS is missing/,
  );
  assertRefused(
    build(good.map((s) => (s.id === SECTION.MODEL ? { id: s.id, payload: [...s.payload, 0] } : s))),
    "extra",
    /: 1 unexpected byte at the end$/,
  );
  // A codebook of 65536 levels per feature stored as one constant value: refused by its size
  // before the array of groups x levels entries is made (it used to be made, and filled).
  const cols = 64;
  const f32Zero = [0, 0, 0, 0];
  const codebook = build([
    { id: SECTION.MODEL, payload: [1, 0, 2, ...varint(cols), 1] },
    { id: SECTION.CLASSES, payload: [0, 2, 0, 1, 97, 0, 1, 98] },
    { id: SECTION.FEATURES, payload: [1, 1, 1, 102, 0, 0, ...varint(cols)] },
    { id: SECTION.PREPROCESSING, payload: [0] },
    { id: SECTION.SUPPORT, payload: [2, 0] },
    { id: SECTION.WEIGHTS, payload: [4, 16, 2, ...varint(65536)] },
    { id: SECTION.PARAMS, payload: [0x12, ...f32Zero] },
    { id: SECTION.BIAS, payload: [1, 2, ...f32Zero] },
  ]);
  assertRefused(
    codebook,
    "codebook",
    /a codebook of 64 x 65536 entries needs at least 8388609 bytes but only 5 remain$/,
  );
  // One byte left is said in the singular.
  assertRefused(
    build(
      sections(codebook).map((s) => s.id === SECTION.PARAMS ? { id: s.id, payload: [0x12] } : s),
    ),
    "codebook, one byte",
    /a codebook of 64 x 65536 entries needs at least 8388609 bytes but only 1 remains$/,
  );
  // Feature names front-coded into a few bytes each: 40 kB that would decode to 1,000 names of
  // 40 kB (40 MB of text) in a model that stores no weight at all. It was read as a valid model.
  const shared: number[] = [0, ...varint(1000), 0, ...varint(40000), ...new Array(40000).fill(97)];
  for (let i = 1; i < 1000; i++) shared.push(...varint(40000 + i - 1), 1, 98);
  assertRefused(
    build([
      { id: SECTION.MODEL, payload: [0, 0, 2, ...varint(1000), 0] },
      { id: SECTION.CLASSES, payload: [0, 2, 0, 1, 97, 0, 1, 98] },
      { id: SECTION.FEATURES, payload: shared },
      { id: SECTION.PREPROCESSING, payload: [0] },
      { id: SECTION.SUPPORT, payload: [2, 0] },
      { id: SECTION.WEIGHTS, payload: [0, 3] },
      { id: SECTION.BIAS, payload: [2, 3, 0, 0, 0, 0, 0, 0, 0, 0] },
    ]),
    "front-coded names",
    /section FEATURES: the 1000 feature names take more than the \d+ bytes of UTF-8/,
  );
  // A non-minimal varint (0 written as 0x80 0x00).
  assertRefused(replace(SECTION.SUPPORT, [2, 0x80, 0x00]), "varint", /non-minimal/);
  // An unknown ancillary section is skipped.
  const extra = build([...good, { id: 0x90, payload: [1, 2, 3] }]);
  assert.deepEqual(decodeModel(extra), SAMPLES[0][1]);
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("insert"), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("delete"), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap"), at: fc.nat(), other: fc.nat() }),
);

type Mutation = {
  kind: string;
  at: number;
  bits?: number;
  value?: number;
  count?: number;
  other?: number;
};

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % Math.max(1, bytes.length);
  const a = [...bytes];
  switch (m.kind) {
    case "flip":
      a[at] ^= m.bits!;
      break;
    case "insert":
      a.splice(at, 0, m.value!);
      break;
    case "delete":
      a.splice(at, m.count!);
      break;
    case "truncate":
      a.length = at;
      break;
    default: {
      const o = m.other! % a.length;
      if (a[o] === a[at]) a[at] ^= 1;
      else [a[at], a[o]] = [a[o], a[at]];
    }
  }
  return Uint8Array.from(a);
}

const anyModel = fc.tuple(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean()).map(([seed, q]) =>
  q ? randomQuantizedModel(seed) : randomFloatModel(seed)
);

Deno.test("fuzz: every random mutation of a valid file is refused", () => {
  fc.assert(
    fc.property(anyModel, fc.array(mutation, { minLength: 1, maxLength: 4 }), (model, ms) => {
      const original = encodeModel(model);
      let bytes = original;
      for (const m of ms) bytes = mutate(bytes, m);
      if (bytes.length === original.length && bytes.every((b, i) => b === original[i])) return;
      assertRefused(bytes, JSON.stringify(ms));
    }),
    { seed: 8, numRuns: 400 },
  );
});

Deno.test("fuzz: resealed mutations are refused cleanly or decode to a valid model", () => {
  let accepted = 0;
  fc.assert(
    fc.property(anyModel, fc.array(mutation, { minLength: 1, maxLength: 3 }), (model, ms) => {
      let bytes = encodeModel(model);
      for (const m of ms) bytes = mutate(bytes, m);
      bytes = reseal(bytes);
      let decoded: StoredModel;
      try {
        decoded = decodeModel(bytes, { name: NAME });
      } catch (e) {
        assert.ok(e instanceof SyntaxError || e instanceof RangeError, String(e));
        assert.ok((e as Error).message.startsWith(PREFIX), (e as Error).message);
        return;
      }
      // Consistent by construction: it must re-encode and read back identically.
      accepted++;
      assert.deepEqual(decodeModel(encodeModel(decoded)), decoded);
    }),
    { seed: 9, numRuns: 600 },
  );
  assert.ok(accepted < 600, "some resealed mutations must be refused");
});

Deno.test("fuzz: random bytes behind a valid header are refused cleanly", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (body) => {
      const bytes = build([{ id: body[0] ?? 1, payload: body.subarray(1) }]);
      assertRefused(bytes);
      const many = build(
        [
          SECTION.MODEL,
          SECTION.CLASSES,
          SECTION.FEATURES,
          SECTION.PREPROCESSING,
          SECTION.SUPPORT,
          SECTION.WEIGHTS,
          SECTION.BIAS,
        ]
          .map((id, k) => ({ id, payload: body.subarray(k * 4, k * 4 + 4 + (body[k] ?? 0) % 30) })),
      );
      try {
        decodeModel(many, { name: NAME });
      } catch (e) {
        assert.ok(e instanceof SyntaxError || e instanceof RangeError, String(e));
        assert.ok((e as Error).message.startsWith(PREFIX), (e as Error).message);
      }
    }),
    { seed: 10, numRuns: 500 },
  );
});

Deno.test("forged sections the writer never makes are refused by name", () => {
  // Each payload below is written by hand from the README's table of sections; the writer's own
  // payload is checked first where the forgery edits it, so the edit is the only difference.
  const float = randomFloatModel(3, { nFeatures: 4, link: "sigmoid", mask: "none", zeros: 0 });
  const good = sections(encodeModel(float));
  const edit = (parts: typeof good, id: number, payload: number[]) =>
    build(parts.map((s) => (s.id === id ? { id, payload } : s)));
  const payload = (parts: typeof good, id: number) => [...parts.find((s) => s.id === id)!.payload];
  // MODEL flags: only bit 0 (the mask) is defined.
  const model = payload(good, SECTION.MODEL);
  assert.equal(model.at(-1), 0);
  assertRefused(
    edit(good, SECTION.MODEL, [...model.slice(0, -1), 2]),
    "flags",
    /unknown model flags 2$/,
  );
  // A sigmoid model's one bias value marked as a constant run (storage tag | 0x10).
  const bias = payload(good, SECTION.BIAS);
  assert.equal(bias[0], 2); // bias kind float64
  assertRefused(
    edit(good, SECTION.BIAS, [bias[0], bias[1] | 0x10, ...bias.slice(2)]),
    "constant bias",
    /bias is marked constant but is not a run$/,
  );

  // A symmetric 4-bit model per tensor: PARAMS is one scale; stored as float64 0.1, which is not a
  // float32 value (scales are float32), it is refused rather than rounded.
  const q = randomQuantizedModel(8, {
    kind: "uniform-symmetric",
    bits: 4,
    nFeatures: 4,
    link: "sigmoid",
    mask: "none",
    granularity: "tensor",
  });
  const withInput = {
    ...q,
    input: { dtype: "uint8" as const, scale: 0.5, zeroPoint: 3, calibration: "minmax" },
  };
  const qs = sections(encodeModel(withInput));
  const f64 = new Uint8Array(8);
  new DataView(f64.buffer).setFloat64(0, 0.1, true);
  assertRefused(
    edit(qs, SECTION.PARAMS, [3, ...f64]),
    "scale",
    /scales\[0\] is not a float32 value$/,
  );
  // INPUT: u8 dtype, 0 uint8 or 1 int8.
  const input = payload(qs, SECTION.INPUT);
  assert.equal(input[0], 0);
  assertRefused(
    edit(qs, SECTION.INPUT, [2, ...input.slice(1)]),
    "input dtype",
    /unknown input dtype 2$/,
  );
  // RECIPE: JSON of the recipe's keys only; the file's key is quoted, a quote and a line break
  // escaped (it was printed raw: the message broke over two lines).
  const recipe = [...new TextEncoder().encode(String.raw`{"it's \"a\"\nb":"x"}`)];
  const error = assertRefused(
    build([...qs.filter((s) => s.id !== SECTION.RECIPE), { id: SECTION.RECIPE, payload: recipe }]),
    "recipe",
  );
  assert.ok(
    error.message.endsWith(String.raw`section RECIPE: unknown recipe key "it's \"a\"\nb"`),
    error.message,
  );
});

Deno.test("an omitted weight whose group has no code for 0 is refused, not read as that code", () => {
  // 64 codebook weights, 2-bit codes over [-1, 0, 1, 2] (float16 storage, tag 1), every code 1
  // (value 0) but three: without a mask the writer stores only those three. With the codebook's
  // 0 forged into 0.25, the code nearest 0 is worth 0.25, so the 61 weights the file leaves out
  // have no code for their value 0; the first is weight 0.
  const base = randomQuantizedModel(9, {
    kind: "codebook",
    levels: 4,
    nFeatures: 64,
    link: "sigmoid",
    mask: "none",
    granularity: "tensor",
  });
  const codes = new Uint8Array(64).fill(1);
  codes[10] = 0;
  codes[20] = 2;
  codes[30] = 3;
  const model = {
    ...base,
    weights: { ...base.weights, codes, codebook: Float32Array.of(-1, 0, 1, 2) },
  } as StoredModel;
  const parts = sections(encodeModel(model));
  const support = parts.find((s) => s.id === SECTION.SUPPORT)!.payload;
  assert.notEqual(support[0], 0, "the writer stored a sparse index set");
  const params = parts.find((s) => s.id === SECTION.PARAMS)!.payload;
  // float16 -1, 0, 1, 2 are 0xbc00, 0x0000, 0x3c00, 0x4000, little-endian; 0.25 is 0x3400.
  assert.deepEqual([...params], [1, 0x00, 0xbc, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x40]);
  const forged = build(
    parts.map((s) =>
      s.id === SECTION.PARAMS
        ? { id: s.id, payload: [1, 0x00, 0xbc, 0x00, 0x34, 0x00, 0x3c, 0x00, 0x40] }
        : s
    ),
  );
  assertRefused(forged, "codebook", /weight 0 has no code and its group has no code for 0$/);
  // The file as written reads back.
  assert.deepEqual(decodeModel(build(parts)), model);
});

Deno.test("an unknown ancillary section's bytes are counted, so the parts add up to the file", () => {
  const good = sections(encodeModel(SAMPLES[0][1]));
  const plain = inspectModelFile(build(good)).info.bytes;
  // Section 0x90 with 3 bytes: id, length byte, payload = 5 bytes, charged to the header.
  const extra = build([...good, { id: 0x90, payload: [1, 2, 3] }]);
  const { info, model } = inspectModelFile(extra);
  assert.deepEqual(model, SAMPLES[0][1]);
  assert.equal(Object.values(info.bytes).reduce((a, b) => a + b, 0), extra.length);
  assert.deepEqual(info.bytes, { ...plain, header: plain.header + 5 });
});

/** Bytes of memory (JS heap and typed arrays) that `f` leaves behind, garbage included. */
function growth(f: () => void): number {
  const before = Deno.memoryUsage();
  f();
  const after = Deno.memoryUsage();
  return after.heapUsed + after.external - before.heapUsed - before.external;
}

Deno.test("a file declaring more weights than its length can stand for is refused before allocating", () => {
  // 74 bytes: 2^25 pattern-named features, no weight kept. It was read as a 2^25-weight model
  // after about 1 GB of names and arrays; with a dense layout it failed only after them.
  const forged = (cols: number, support: number[], weights: number[]) =>
    build([
      { id: SECTION.MODEL, payload: [0, 0, 2, ...varint(cols), 0] },
      { id: SECTION.CLASSES, payload: [0, 2, 0, 1, 97, 0, 1, 98] },
      { id: SECTION.FEATURES, payload: [1, 1, 0, 0, 0, ...varint(cols)] },
      { id: SECTION.PREPROCESSING, payload: [0] },
      { id: SECTION.SUPPORT, payload: support },
      { id: SECTION.WEIGHTS, payload: weights },
      { id: SECTION.BIAS, payload: [2, 3, 0, 0, 0, 0, 0, 0, 0, 0] },
    ]);
  const tiny = forged(2 ** 25, [2, 0], [0, 1]);
  assert.equal(tiny.length, 74);
  let used = growth(() =>
    assertRefused(tiny, "2^25 weights in 74 bytes", /more than a file of 74 bytes may declare/)
  );
  assert.ok(used < 10e6, `${used} bytes`);
  // 2^20 plus 1024 weights per byte: as many are read, one more refused (the sizes' varints keep
  // 3 bytes).
  const length = forged(2 ** 20, [2, 0], [0, 1]).length;
  const limit = 2 ** 20 + 1024 * length;
  assert.equal(decodeModel(forged(limit, [2, 0], [0, 1])).featureNames.length, limit);
  assertRefused(
    forged(limit + 1, [2, 0], [0, 1]),
    "limit + 1",
    /may declare \(\d+: 2\^20 plus 1024 per byte\)/,
  );
  // Dense float16 weights need 2 bytes each: a 34 kB file whose length allows 2^25 weights but
  // whose WEIGHTS holds 2^14 is refused there, before its 2^25 names are made.
  const dense = forged(2 ** 25, [0], [0, 1, ...new Array(2 ** 15).fill(0)]);
  used = growth(() => assertRefused(dense, "dense", /weights needs 67108864 bytes but only 32768/));
  assert.ok(used < 50e6, `${used} bytes`);
  // The writer refuses what the reader would: an all-zero model of 1,200,000 pattern-named
  // features fits in a few dozen bytes.
  const d = 1_200_000;
  const names: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: new Float64Array(d), rows: 1, cols: d },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames: Array.from({ length: d }, (_, i) => `f${i}`),
    preprocessing: { kind: "none" },
  };
  assert.throws(
    () => encodeModel(names),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot encode model: 1 x 1200000 = 1200000 weights are more than a file of \d+ bytes/
        .test(e.message),
  );
});
