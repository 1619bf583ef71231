import assert from "node:assert/strict";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import type { StoredModel } from "../../lib/io/quantized.ts";
import { outputCount } from "../../lib/model/types.ts";
import { createPrng, type Prng, randomInt } from "../../lib/core/random.ts";
import { randomFloatModel, randomQuantizedModel } from "../_helpers/random_models.ts";
import { reseal } from "../_helpers/reseal.ts";

/** Valid files of every layout the format has, named by what they exercise. */
function samples(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const add = (label: string, model: StoredModel, entropy = false) =>
    out.push([label, encodeModel(model, { entropy })]);
  add(
    "dense float",
    randomFloatModel(1, { mask: "none", zeros: 0, nFeatures: 6, nClasses: 3, link: "softmax" }),
  );
  add("masked float", randomFloatModel(2, { mask: "random", nFeatures: 40, preprocessing: true }));
  add("sparse float", randomFloatModel(3, { mask: "none", zeros: 0.9, nFeatures: 60 }));
  // Kept positions 0, 1, 2 and 500 of 1000: irregular gaps, which delta-varint stores best.
  const base = randomFloatModel(6, { mask: "none", zeros: 0, nFeatures: 1000, link: "sigmoid" });
  const mask = new Uint8Array(1000);
  for (const i of [0, 1, 2, 500]) mask[i] = 1;
  const data = base.weights.data.map((w, i) => (mask[i] ? w : 0));
  add("delta float", { ...base, weights: { ...base.weights, data }, mask });
  add("float32", randomFloatModel(4, { float32: true, nFeatures: 8, preprocessing: true }));
  add(
    "structured float",
    randomFloatModel(5, { mask: "features", nFeatures: 12, nClasses: 4, link: "softmax" }),
  );
  for (let bits = 1; bits <= 8; bits++) {
    const kind = bits % 2 === 0 ? "uniform-affine" : "uniform-symmetric";
    const granularity = (["tensor", "class", "feature"] as const)[bits % 3];
    add(
      `${kind} ${bits}-bit per ${granularity}`,
      randomQuantizedModel(10 + bits, { kind, bits, granularity, nFeatures: 9, mask: "random" }),
    );
  }
  add("log2", randomQuantizedModel(20, { kind: "log2", bits: 4, nFeatures: 5 }));
  add(
    "codebook",
    randomQuantizedModel(21, { kind: "codebook", levels: 5, nFeatures: 7, mask: "random" }),
  );
  add("float16", randomQuantizedModel(22, { kind: "float16", nFeatures: 4 }));
  for (let seed = 30; seed < 36; seed++) {
    add(
      `entropy-coded ${seed}`,
      randomQuantizedModel(seed, { bits: 1 + (seed % 6), nFeatures: 50, mask: "random" }),
      true,
    );
  }
  return out;
}

/** The file's body cut at `cut` bytes, then framed again (length and checksum valid). */
function truncateSealed(bytes: Uint8Array, cut: number): Uint8Array {
  const out = new Uint8Array(cut + 4);
  out.set(bytes.subarray(0, cut));
  return reseal(out);
}

function flip(prng: Prng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const times = 1 + randomInt(prng, 3);
  for (let k = 0; k < times; k++) {
    // Mostly past the header, where the framing does not catch it once resealed.
    const at = 16 + randomInt(prng, out.length - 20);
    out[at] = prng() < 0.5 ? out[at] ^ (1 << randomInt(prng, 8)) : randomInt(prng, 256);
  }
  return out;
}

/** The shapes of a decoded model agree with each other. */
function assertConsistent(m: StoredModel, context: string): void {
  const rows = outputCount(m.link, m.classes.length);
  const cols = m.featureNames.length;
  const n = rows * cols;
  assert.equal(m.weights.rows, rows, context);
  assert.equal(m.weights.cols, cols, context);
  const values = m.kind === "logistic-regression" ? m.weights.data : m.weights.codes;
  assert.equal(values.length, n, context);
  const bias = m.kind === "logistic-regression" ? m.bias : m.bias.values;
  assert.equal(bias.length, rows, context);
  if (m.mask) assert.equal(m.mask.length, n, context);
  if (m.preprocessing.kind === "standardize") {
    assert.equal(m.preprocessing.mean.length, cols, context);
    assert.equal(m.preprocessing.scale.length, cols, context);
  }
  // A model that was read can be written (the writer validates it as the reader does).
  encodeModel(m);
}

const MAX_GROWTH = 50e6;
const MAX_MS = 1000;

/** Decodes `bytes`: a consistent model or an Error whose message starts with "Cannot". */
function check(bytes: Uint8Array, context: string): "read" | "refused" {
  const before = Deno.memoryUsage();
  const start = performance.now();
  let model: StoredModel | undefined;
  let error: unknown;
  try {
    model = decodeModel(bytes, { name: "f.lrc" });
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - start;
  const after = Deno.memoryUsage();
  const growth = after.heapUsed + after.external - before.heapUsed - before.external;
  assert.ok(ms < MAX_MS, `${context}: ${ms} ms`);
  assert.ok(growth < MAX_GROWTH, `${context}: ${growth} bytes`);
  if (error !== undefined) {
    assert.ok(error instanceof Error, `${context}: threw ${String(error)}`);
    assert.ok(
      error.message.startsWith("Cannot read model file 'f.lrc': "),
      `${context}: ${error.constructor.name}: ${error.message}`,
    );
    return "refused";
  }
  assertConsistent(model!, context);
  return "read";
}

Deno.test("fuzz: flipped, truncated and resealed files are read consistently or refused with 'Cannot'", () => {
  const prng = createPrng(20261130);
  const files = samples();
  const layouts = new Set(files.map(([, b]) => inspectModelFile(b).info.support));
  // Every index encoding the writer chose is exercised (features, bitmap, deltas, rans, dense).
  for (
    const layout of [
      "dense",
      "bitmap",
      "delta-varint",
      "delta-fixed",
      "features",
      "rans",
    ] as const
  ) {
    assert.ok(layouts.has(layout), `no sample with a ${layout} index set: ${[...layouts]}`);
  }
  assert.ok(files.some(([, b]) => inspectModelFile(b).info.codes === "rans"));
  let read = 0, refused = 0;
  const tally = (r: "read" | "refused") => r === "read" ? read++ : refused++;
  for (const [label, bytes] of files) {
    assert.equal(check(bytes, label), "read");
    for (let cut = 0; cut < bytes.length; cut++) {
      tally(check(bytes.subarray(0, cut), `${label} cut at ${cut}`));
      if (cut >= 16) tally(check(truncateSealed(bytes, cut), `${label} cut at ${cut}, resealed`));
    }
    for (let k = 0; k < 300; k++) {
      const mutated = flip(prng, bytes);
      // Without a new checksum, any change is refused (a random byte may equal the old one).
      const changed = mutated.some((b, i) => b !== bytes[i]);
      assert.equal(check(mutated, `${label} flip ${k}`), changed ? "refused" : "read");
      tally(check(reseal(mutated), `${label} flip ${k}, resealed`));
    }
  }
  // Both outcomes occur, so the checks above ran on both paths.
  assert.ok(read > 0 && refused > 0, `${read} read, ${refused} refused`);
});
