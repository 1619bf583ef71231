// Model files read by a second reader, tests/_helpers/lrc_decoder.py, written in Python from the
// format description in README.md alone. Round-trip tests cannot see a change that lib's writer
// and reader make together (the final rANS state big-endian, the cumulative frequencies in
// decreasing symbol order, bitmaps most significant bit first, zigzag the other way round, 1-bit
// codes stored as `code + 1`): this reader, which shares no code with lib/io, can.
import assert from "node:assert/strict";
import { encodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import { runPython } from "../_helpers/python.ts";
import {
  gaussianModel,
  randomFloatModel,
  randomQuantizedModel,
} from "../_helpers/random_models.ts";

const DECODER = new URL("../_helpers/lrc_decoder.py", import.meta.url).pathname;

interface Decoded {
  version: number;
  sections: number[];
  quantized: boolean;
  link: string;
  hasMask: boolean;
  classes: string[];
  featureNames: string[];
  preprocessing?: { mean: number[]; scale: number[] };
  supportTag: number;
  support: number[];
  weights?: number[];
  kind?: number;
  bits?: number;
  granularity?: string;
  levels?: number;
  codes?: number[];
  values?: number[];
  scale?: number[] | null;
  zeroPoint?: number[] | null;
  codebook?: number[] | null;
  codesEntropyCoded?: boolean;
  bias: number[] | { kind: string; values: number[]; scale?: number[] };
  input?: { dtype: string; scale: number; zeroPoint: number; calibration: string };
  recipe?: Record<string, unknown>;
  threshold?: number;
}

const METHODS: QuantizationMethod[] = [
  { kind: "uniform", scheme: "symmetric", bits: 4 },
  { kind: "uniform", scheme: "affine", bits: 6, granularity: "tensor" },
  { kind: "uniform", scheme: "symmetric", bits: 1 },
  { kind: "uniform", scheme: "symmetric", bits: 8, granularity: "feature" },
  { kind: "log2", bits: 3 },
  { kind: "log2", bits: 1 },
  { kind: "kmeans", bits: 2 },
  { kind: "float16" },
];

/** The models: random ones of every kind, and quantized normal weights for entropy coding. */
function models(): { model: StoredModel; entropy: boolean }[] {
  const out: { model: StoredModel; entropy: boolean }[] = [];
  for (let seed = 0; seed < 60; seed++) {
    out.push({ model: randomFloatModel(seed), entropy: seed % 3 === 0 });
    out.push({ model: randomQuantizedModel(1000 + seed), entropy: seed % 2 === 0 });
  }
  // Binary models with a decision threshold, float and quantized.
  for (let seed = 0; seed < 6; seed++) {
    const float = randomFloatModel(3000 + seed, { link: "sigmoid" });
    const threshold = [0.2, 0.9, 1e-300, 1 - 2 ** -53, 0.5, 0.123456789][seed];
    out.push({ model: { ...float, threshold }, entropy: seed % 2 === 0 });
    const q = randomQuantizedModel(4000 + seed, { link: "sigmoid" });
    out.push({ model: { ...q, threshold }, entropy: seed % 2 === 1 });
  }
  for (let i = 0; i < 48; i++) {
    const kept = [null, 0.05, 0.3, 0.8][i % 4];
    const cols = [40, 300, 120][i % 3];
    const float = gaussianModel(2000 + i, cols, kept);
    const method = METHODS[i % METHODS.length];
    out.push({ model: quantizeModel(float, { method }), entropy: true });
    if (i % 4 === 1) {
      // Whole features pruned: the features index set, its columns entropy-coded when that helps.
      const cut = new Uint8Array(float.weights.data.length);
      for (let k = 0; k < cut.length; k++) cut[k] = (k % cols) % 9 === 0 ? 1 : 0;
      const data = float.weights.data.map((v, k) => (cut[k] ? v : 0));
      const pruned = { ...float, weights: { ...float.weights, data }, mask: cut };
      out.push({ model: pruned, entropy: true });
      out.push({ model: quantizeModel(pruned, { method: METHODS[0] }), entropy: true });
    }
  }
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

Deno.test("model files read by a Python reader written from the format description", async () => {
  const cases = models();
  const files = cases.map(({ model, entropy }) => encodeModel(model, { entropy }));
  const decoded = await runPython<Decoded[]>("", files.map((f) => [...f]), [DECODER]);
  assert.equal(decoded.length, cases.length);
  const seen = { support: new Set<number>(), kinds: new Set<number>(), bias: new Set<string>() };
  let entropyCodes = 0, versions2 = 0;
  cases.forEach(({ model }, k) => {
    const d = decoded[k], what = `case ${k}`;
    versions2 += d.version === 2 ? 1 : 0;
    seen.support.add(d.supportTag);
    assert.equal(d.quantized, model.kind === "quantized-logistic-regression", what);
    assert.equal(d.link, model.link, what);
    assert.equal(d.hasMask, model.mask !== undefined, what);
    assert.equal(d.threshold, model.threshold, what);
    assert.deepEqual(d.classes, model.classes, what);
    assert.deepEqual(d.featureNames, model.featureNames, what);
    if (model.preprocessing.kind === "none") assert.equal(d.preprocessing, undefined, what);
    else {
      assert.deepEqual(d.preprocessing!.mean, [...model.preprocessing.mean], what);
      assert.deepEqual(d.preprocessing!.scale, [...model.preprocessing.scale], what);
    }
    // The writer's order of sections (ids 1..10, then the recipe).
    assert.deepEqual(d.sections, [...d.sections].sort((a, b) => a - b), what);
    if (model.mask) assert.deepEqual(d.support, [...model.mask], what);
    if (model.kind === "logistic-regression") {
      const w = model.weights.data;
      d.weights!.forEach((v, i) => {
        const want = model.mask && !model.mask[i] ? 0 : w[i];
        assert.ok(Object.is(v, want), `${what}: weight ${i} is ${v}, not ${want}`);
        // Without a mask only weights of +0 may be left out.
        if (!model.mask && !d.support[i]) assert.ok(Object.is(w[i], 0), `${what}: weight ${i}`);
      });
      assert.deepEqual(d.bias, [...model.bias], what);
      return;
    }
    const t = model.weights;
    seen.kinds.add(d.kind!);
    entropyCodes += d.codesEntropyCoded ? 1 : 0;
    const kind = t.kind === "uniform" ? (t.scheme === "symmetric" ? 1 : 2) : {
      log2: 3,
      codebook: 4,
      float16: 5,
    }[t.kind];
    assert.equal(d.kind, kind, what);
    assert.equal(d.bits, t.bits, what);
    assert.equal(d.granularity, t.granularity, what);
    // Every code, stored or restored as its group's zero code by the Python reader's own search.
    assert.deepEqual(d.codes, [...t.codes], what);
    if (t.kind === "uniform") {
      assert.deepEqual(d.scale, [...t.scale], what);
      assert.deepEqual(d.zeroPoint, [...t.zeroPoint], what);
    } else if (t.kind === "log2") assert.deepEqual(d.scale, [...t.scale], what);
    else if (t.kind === "codebook") {
      assert.equal(d.levels, t.levels, what);
      assert.deepEqual(d.codebook, [...t.codebook], what);
    }
    // The values by the format's formulas are the dequantized model's (masked weights are 0).
    const dense = asFloatModel(model).weights.data;
    d.values!.forEach((v, i) => {
      if (model.mask && !model.mask[i]) return;
      assert.ok(close(v, dense[i]), `${what}: value ${i} is ${v}, not ${dense[i]}`);
    });
    const b = d.bias as { kind: string; values: number[]; scale?: number[] };
    seen.bias.add(b.kind);
    assert.equal(b.kind, model.bias.kind, what);
    assert.deepEqual(b.values, [...model.bias.values], what);
    if (model.bias.kind === "int32") assert.deepEqual(b.scale, [...model.bias.scale], what);
    assert.deepEqual(d.input, model.input, what);
    assert.deepEqual(d.recipe, model.recipe, what);
  });
  // Every index encoding, tensor kind and bias kind was read, and entropy-coded codes too.
  assert.deepEqual([...seen.support].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...seen.kinds].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual([...seen.bias].sort(), ["float32", "float64", "int32"]);
  assert.ok(entropyCodes >= 10 && versions2 >= 20, `${entropyCodes} coded, ${versions2} v2`);
});
