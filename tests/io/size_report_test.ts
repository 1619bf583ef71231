import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeModel } from "../../lib/io/model_file.ts";
import { gzipSize, sizeReport } from "../../lib/io/size_report.ts";
import {
  gaussianModel,
  randomFloatModel,
  randomQuantizedModel,
} from "../_helpers/random_models.ts";
import { reseal } from "../_helpers/reseal.ts";

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
