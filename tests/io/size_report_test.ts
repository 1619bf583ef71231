import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeModel } from "../../lib/io/model_file.ts";
import { gzipSize, sizeReport } from "../../lib/io/size_report.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import {
  gaussianModel,
  randomFloatModel,
  randomQuantizedModel,
} from "../_helpers/random_models.ts";
import { reseal } from "../_helpers/reseal.ts";
import { runPython } from "../_helpers/python.ts";

Deno.test("the parts of the size report add up to the file's length", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), async (seed, q) => {
      const bytes = encodeModel(q ? randomQuantizedModel(seed) : randomFloatModel(seed));
      const r = await sizeReport(bytes);
      assert.equal(Object.values(r.parts).reduce((a, b) => a + b, 0), bytes.length);
      assert.equal(r.fileBytes, bytes.length);
      assert.equal(r.parts.checksum, 4);
    }),
    { seed: 3, numRuns: 60 },
  );
});

Deno.test("a Fashion-MNIST-shaped model has a dense float32 baseline of 31,400 bytes", async () => {
  const model = randomFloatModel(4, {
    nFeatures: 784,
    nClasses: 10,
    link: "softmax",
    mask: "none",
    zeros: 0,
    float32: true,
    preprocessing: false,
  });
  const r = await sizeReport(encodeModel(model));
  assert.equal(r.denseFloat32Bytes, 31_400);
  assert.equal(r.weights, 7_840);
  assert.equal(r.parts.weights, 4 * 7_840);
  assert.equal(r.storage, "float32");
  // The rest: framing, a dense index set, a float64 bias with its kind and storage tags.
  assert.equal(r.parts.indices, 1);
  assert.equal(r.parts.bias, 1 + 1 + 8 * 10);
  // header: 16 fixed bytes; MODEL section 2 framing + 6 payload (kind, link, varint 10,
  // varint 784 in 2 bytes, flags); 2 framing bytes each for CLASSES, FEATURES, PREPROCESSING,
  // SUPPORT and BIAS; WEIGHTS 1 id + 3 length bytes + kind + storage.
  assert.equal(r.parts.header, 16 + 8 + 2 * 5 + 6);
  assert.equal(r.compressionRatio, 31_400 / r.fileBytes);
});

Deno.test("the size report counts codes at their bit width and non-zero weights", async () => {
  const model = randomQuantizedModel(12, {
    kind: "uniform-symmetric",
    bits: 3,
    nFeatures: 100,
    nClasses: 4,
    link: "softmax",
    mask: "none",
  });
  const r = await sizeReport(encodeModel(model));
  assert.equal(r.parts.codes, Math.ceil((r.storedWeights * 3) / 8));
  const nonZero = [...model.weights.codes].filter((q) => q !== 0).length;
  assert.equal(r.nonZeroWeights, nonZero);
  assert.match(r.storage, /^uniform-symmetric 3-bit per /);
});

Deno.test("gzip sizes behave like gzip: redundant data shrinks, random data does not", async () => {
  const zeros = await gzipSize(new Uint8Array(10_000));
  assert.ok(zeros < 100, `${zeros}`);
  const random = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 2654435761) >>> 24);
  assert.ok((await gzipSize(random)) > 1_000);
  assert.ok((await gzipSize(new Uint8Array(0))) >= 18, "header and trailer of an empty member");
});

Deno.test("a pruned model's baseline counts every weight, its non-zero count only kept non-zero codes", async () => {
  // 3 classes x 50 features, pruned at random: the baseline is the dense model's,
  // 4 x (150 + 3) bytes, whatever the file stores.
  const model = randomQuantizedModel(31, {
    kind: "uniform-symmetric",
    bits: 3,
    nFeatures: 50,
    nClasses: 3,
    link: "softmax",
    mask: "random",
  });
  const mask = model.mask!;
  const r = await sizeReport(encodeModel(model));
  assert.equal(r.weights, 150);
  assert.equal(r.denseFloat32Bytes, 4 * (150 + 3));
  const kept = mask.reduce((a, b) => a + b, 0);
  assert.equal(r.storedWeights, kept);
  assert.ok(kept < 150, `${kept} kept`);
  // Symmetric codes are worth scale x code with a positive scale: non-zero exactly when the code
  // is, and only kept weights count. Some kept codes are 0 here, so this is fewer than stored.
  const nonZero = [...model.weights.codes].filter((q, i) => mask[i] && q !== 0).length;
  assert.equal(r.nonZeroWeights, nonZero);
  assert.ok(nonZero < kept, `${nonZero} of ${kept}`);
});

Deno.test("the report's format version is the file's, also when only the index set is entropy-coded", async () => {
  // A float model has no codes; pruned to about 15 % of 784 weights at random, its index set
  // costs about n H(0.15) = 0.61 bits a weight entropy-coded against at least 1 bit for a bitmap
  // (delta codes of gaps averaging 6 take a byte each): entropy coding makes it version 2.
  const model = gaussianModel(6, 784, 0.15, { preprocessing: false });
  for (const entropy of [false, true]) {
    const bytes = encodeModel(model, { entropy });
    const r = await sizeReport(bytes);
    // Read from the header (offset 8, u16 little-endian), not from the decoder.
    assert.equal(r.formatVersion, bytes[8] + 256 * bytes[9]);
    assert.equal(r.formatVersion, entropy ? 2 : 1);
    assert.equal(r.codesEncoding, "packed");
    assert.equal(r.indexEncoding === "rans", entropy);
  }
});

Deno.test("an ancillary section a reader skips is counted in the header, so the parts still add up", async () => {
  const plain = encodeModel(randomFloatModel(8));
  // Section 0x9f (unknown, ancillary) of 5 bytes, just before the checksum.
  const bytes = reseal(
    Uint8Array.of(...plain.subarray(0, plain.length - 4), 0x9f, 5, 1, 2, 3, 4, 5, 0, 0, 0, 0),
  );
  const before = await sizeReport(plain), after = await sizeReport(bytes);
  assert.equal(after.fileBytes, plain.length + 7);
  assert.equal(Object.values(after.parts).reduce((a, b) => a + b, 0), bytes.length);
  assert.equal(after.parts.header, before.parts.header + 7);
});

const DECODER = new URL("../_helpers/lrc_decoder.py", import.meta.url).pathname;

/** Reads a varint at `pos` of `b`: its value and the position after it (LEB128, the README). */
function varintAt(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  for (let shift = 0;; shift += 7) {
    const byte = b[pos++];
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [v, pos];
  }
}

/**
 * The parts of a file by the README's "Size report", from its section framing alone: framing,
 * the MODEL and RECIPE sections and the tensor descriptor are header; each other section is its
 * category's.
 */
function partsOf(b: Uint8Array): Record<string, number> {
  const parts: Record<string, number> = {
    header: 16,
    indices: 0,
    weights: 0,
    codes: 0,
    scales: 0,
    bias: 0,
    labels: 0,
    names: 0,
    preprocessing: 0,
    checksum: 4,
  };
  const of: Record<number, string> = {
    1: "header",
    2: "labels",
    3: "names",
    4: "preprocessing",
    5: "indices",
    7: "scales",
    8: "bias",
    9: "scales",
    0x80: "header",
  };
  let pos = 16;
  while (pos < b.length - 4) {
    const id = b[pos];
    const [size, start] = varintAt(b, pos + 1);
    parts.header += start - pos;
    if (id === 6) {
      // Tensor kind, then a float model's dtype, or a quantized one's bits, granularity and
      // a codebook's number of levels.
      const kind = b[start] & ~0x40;
      const head = kind === 0 ? 2 : kind === 4 ? varintAt(b, start + 3)[1] - start : 3;
      parts.header += head;
      parts[kind === 0 ? "weights" : "codes"] += size - head;
    } else parts[of[id]] += size;
    pos = start + size;
  }
  return parts;
}

interface Decoded {
  version: number;
  link: string;
  hasMask: boolean;
  classes: string[];
  featureNames: string[];
  support: number[];
  weights?: number[];
  values?: number[];
  codesEntropyCoded?: boolean;
}

Deno.test("every field of the size report agrees with the file read independently", async () => {
  const models = [];
  for (let seed = 0; seed < 24; seed++) {
    const opts = { link: seed % 4 === 0 ? "sigmoid" as const : "softmax" as const };
    models.push(
      seed % 2 ? randomQuantizedModel(500 + seed, opts) : randomFloatModel(500 + seed, opts),
    );
  }
  // Negative zeros are zero weights: a float model whose zeros are all -0.
  const negative = randomFloatModel(77, { mask: "none", zeros: 0.5 });
  negative.weights.data.forEach((v, i, a) => a[i] = v === 0 ? -0 : v);
  models.push(negative);
  // Skewed 4-bit codes of 784 x 10 weights, which entropy coding makes smaller.
  const skewed = quantizeModel(gaussianModel(5, 784, null, { preprocessing: false }), {
    method: { kind: "uniform", scheme: "symmetric", bits: 4 },
  });
  models.push(skewed);
  const files = models.map((m, k) => encodeModel(m, { entropy: k % 3 === 0 || m === skewed }));
  const decoded = await runPython<Decoded[]>("", files.map((f) => [...f]), [DECODER]);
  let sigmoid = 0, negativeZeros = 0, ransCodes = 0;
  for (const [k, bytes] of files.entries()) {
    const d = decoded[k], r = await sizeReport(bytes), what = `case ${k}`;
    assert.deepEqual(r.parts, partsOf(bytes), what);
    const rows = d.link === "sigmoid" ? 1 : d.classes.length;
    sigmoid += d.link === "sigmoid" ? 1 : 0;
    const weights = rows * d.featureNames.length;
    assert.equal(r.weights, weights, what);
    assert.equal(r.denseFloat32Bytes, 4 * (weights + rows), what);
    assert.equal(r.compressionRatio, r.denseFloat32Bytes / bytes.length, what);
    assert.equal(r.storedWeights, d.support.reduce((a, b) => a + b, 0), what);
    const values = d.weights ?? d.values!;
    negativeZeros += values.filter((v) => Object.is(v, -0)).length;
    // A masked weight is 0 whatever its group's zero code is worth.
    const nonZero = values.filter((v, i) => v !== 0 && (!d.hasMask || d.support[i])).length;
    assert.equal(r.nonZeroWeights, nonZero, what);
    assert.equal(r.formatVersion, d.version, what);
    // A float model has no codes: "packed", as the report documents.
    assert.equal(r.codesEncoding, d.codesEntropyCoded ? "rans" : "packed", what);
    ransCodes += d.codesEntropyCoded ? 1 : 0;
    // gzip of the whole file, checked by decompressing it back to the file.
    const gz = new Uint8Array(
      await new Response(
        new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
          new CompressionStream("gzip"),
        ),
      ).arrayBuffer(),
    );
    const back = new Uint8Array(
      await new Response(
        new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip")),
      ).arrayBuffer(),
    );
    assert.deepEqual(back, bytes, what);
    assert.equal(r.gzipBytes, gz.length, what);
  }
  assert.ok(sigmoid >= 4 && negativeZeros > 0, `${sigmoid} sigmoid, ${negativeZeros} -0`);
  assert.ok(ransCodes > 0 && ransCodes < files.length, `${ransCodes} with entropy-coded codes`);
});

Deno.test("gzip size refuses a number array rather than measure its text", async () => {
  // A Blob of [1, 2, 3] holds the text "1,2,3": a size, but not of those bytes.
  await assert.rejects(
    () => gzipSize([1, 2, 3] as unknown as Uint8Array),
    (e: Error) =>
      e instanceof TypeError &&
      e.message === "Cannot measure gzip size: bytes must be a Uint8Array, got Array(3)",
  );
});
