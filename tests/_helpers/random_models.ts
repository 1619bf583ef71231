/**
 * Random float and quantized models for round-trip and fuzz tests, built from a seed.
 *
 * @module
 */

import { createPrng, type Prng, randomInt, randomNormal } from "../../lib/core/random.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import type { Preprocessing } from "../../lib/data/preprocess.ts";
import { elementGroup, tensorCodeRange, zeroCode } from "../../lib/io/quantized.ts";
import { groupCount } from "../../lib/quant/grid.ts";
import type {
  Granularity,
  QuantizedBias,
  QuantizedModel,
  QuantizedTensor,
} from "../../lib/quant/types.ts";

/** Shape choices of a random model. */
export interface RandomModelOptions {
  nFeatures?: number;
  nClasses?: number;
  link?: "sigmoid" | "softmax";
  /** `"none"`, a random mask, or a structured (whole features) mask. */
  mask?: "none" | "random" | "features";
  /** Fraction of unmasked weights set to exactly 0. */
  zeros?: number;
  preprocessing?: boolean;
  /** Round weights to float32 (so the file stores them in 4 bytes). */
  float32?: boolean;
}

const WORDS = ["cat", "dog", "Ünïcode", "日本", "a,b", "x y", "", "😀", "T-shirt/top"];

function randomNames(prng: Prng, count: number, kind: number, prefix: string): string[] {
  if (kind === 0) return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  if (kind === 1) return Array.from({ length: count }, (_, i) => `${prefix}_${i}_x`);
  if (count > WORDS.length * 1000) {
    throw new RangeError(
      `randomNames: ${count} names of the word kind exceed its ${WORDS.length * 1000}`,
    );
  }
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const s = WORDS[randomInt(prng, WORDS.length)] + String(randomInt(prng, 1000));
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

function masks(prng: Prng, rows: number, cols: number, kind: RandomModelOptions["mask"]) {
  if (kind === "none" || kind === undefined) return undefined;
  const m = new Uint8Array(rows * cols);
  if (kind === "random") {
    const p = prng();
    for (let i = 0; i < m.length; i++) m[i] = prng() < p ? 1 : 0;
  } else {
    for (let j = 0; j < cols; j++) {
      const keep = prng() < 0.5 ? 1 : 0;
      for (let i = 0; i < rows; i++) m[i * cols + j] = keep;
    }
  }
  return m;
}

function randomPreprocessing(prng: Prng, cols: number, on: boolean): Preprocessing {
  if (!on) return { kind: "none" };
  const constant = prng() < 0.3;
  return {
    kind: "standardize",
    mean: Float64Array.from({ length: cols }, () => (constant ? 0 : randomNormal(prng))),
    scale: Float64Array.from({ length: cols }, () => (constant ? 255 : 0.1 + prng())),
  };
}

/**
 * A random, valid float model.
 *
 * @param seed Seed.
 * @param options Shape choices (random when absent).
 * @returns The model.
 */
export function randomFloatModel(seed: number, options: RandomModelOptions = {}): LogisticModel {
  const prng = createPrng(seed);
  const cols = options.nFeatures ?? 1 + randomInt(prng, 30);
  const link = options.link ?? (prng() < 0.3 ? "sigmoid" : "softmax");
  const nClasses = link === "sigmoid" ? 2 : options.nClasses ?? 2 + randomInt(prng, 6);
  const rows = link === "sigmoid" ? 1 : nClasses;
  const mask = masks(
    prng,
    rows,
    cols,
    options.mask ?? (["none", "random", "features"] as const)[
      randomInt(prng, 3)
    ],
  );
  const zeros = options.zeros ?? prng() * 0.9;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    if (mask && mask[i] === 0) continue;
    const r = prng();
    if (r < zeros) data[i] = prng() < 0.1 ? -0 : 0;
    else data[i] = randomNormal(prng) * 10 ** (randomInt(prng, 7) - 3);
    if (options.float32) data[i] = Math.fround(data[i]);
  }
  return {
    kind: "logistic-regression",
    version: 1,
    link,
    weights: { data, rows, cols },
    bias: Float64Array.from({ length: rows }, () => randomNormal(prng)),
    classes: randomNames(prng, nClasses, randomInt(prng, 3), ""),
    featureNames: randomNames(prng, cols, randomInt(prng, 3), "f"),
    preprocessing: randomPreprocessing(prng, cols, options.preprocessing ?? prng() < 0.5),
    ...(mask ? { mask } : {}),
  };
}

/** Tensor kinds a random quantized model can take. */
export const QUANT_KINDS = [
  "uniform-symmetric",
  "uniform-affine",
  "log2",
  "codebook",
  "float16",
] as const;

/** Choices of a random quantized model. */
export interface RandomQuantizedOptions extends RandomModelOptions {
  kind?: typeof QUANT_KINDS[number];
  bits?: number;
  granularity?: Granularity;
  /** Codebook entries. */
  levels?: number;
}

/**
 * A float model of `cols` features whose weights are standard normal draws, masked at random to a
 * share `kept` (skewed codes once quantized, as trained weights give).
 *
 * @param seed Seed.
 * @param cols Features.
 * @param kept The share of weights kept, or `null` for no mask.
 * @param options `preprocessing`: whether the base model's random standardisation is kept (its
 *   shape choices are random otherwise).
 * @returns The model.
 */
export function gaussianModel(
  seed: number,
  cols: number,
  kept: number | null,
  options: { preprocessing?: boolean } = {},
): LogisticModel {
  const base = randomFloatModel(seed, {
    nFeatures: cols,
    mask: "none",
    zeros: 0,
    ...(options.preprocessing === undefined ? {} : { preprocessing: options.preprocessing }),
  });
  const prng = createPrng(seed + 7);
  const n = base.weights.data.length;
  const mask = kept === null ? null : Uint8Array.from({ length: n }, () => (prng() < kept ? 1 : 0));
  const data = Float64Array.from(
    { length: n },
    (_, i) => (mask && !mask[i] ? 0 : randomNormal(prng)),
  );
  return { ...base, weights: { ...base.weights, data }, ...(mask ? { mask } : {}) };
}

/**
 * A random, valid quantized model in canonical form (codes of masked weights are the group's
 * zero code, as a decoder restores them).
 *
 * @param seed Seed.
 * @param options Choices (random when absent).
 * @returns The model.
 */
export function randomQuantizedModel(
  seed: number,
  options: RandomQuantizedOptions = {},
): QuantizedModel {
  const prng = createPrng(seed);
  const base = randomFloatModel(seed + 1, options);
  const rows = base.weights.rows, cols = base.weights.cols, n = rows * cols;
  const kind = options.kind ?? QUANT_KINDS[randomInt(prng, QUANT_KINDS.length)];
  const granularity: Granularity = kind === "float16"
    ? "tensor"
    : options.granularity ?? (["tensor", "class", "feature"] as const)[randomInt(prng, 3)];
  const shape = { rows, cols, granularity };
  const groupsOf = (g: Granularity) => groupCount(g, shape.rows, shape.cols);
  const groups = groupsOf(granularity);
  const scales = () => Float32Array.from({ length: groups }, () => Math.fround(0.001 + prng() * 2));
  let t: QuantizedTensor;
  if (kind === "uniform-symmetric" || kind === "uniform-affine") {
    const bits = options.bits ?? 1 + randomInt(prng, 16);
    const symmetric = kind === "uniform-symmetric";
    const small = bits <= 8;
    const codes = symmetric
      ? (small ? new Int8Array(n) : new Int16Array(n))
      : (small ? new Uint8Array(n) : new Uint16Array(n));
    t = {
      kind: "uniform",
      scheme: symmetric ? "symmetric" : "affine",
      ...shape,
      bits,
      codes,
      scale: scales(),
      zeroPoint: Int32Array.from(
        { length: groups },
        () => (symmetric ? 0 : randomInt(prng, 2 ** bits)),
      ),
    };
  } else if (kind === "log2") {
    const bits = options.bits ?? 1 + randomInt(prng, 8);
    t = { kind: "log2", ...shape, bits, codes: new Int8Array(n), scale: scales() };
  } else if (kind === "codebook") {
    const levels = options.levels ?? 2 + randomInt(prng, prng() < 0.8 ? 15 : 400);
    const bits = Math.max(1, Math.ceil(Math.log2(levels)));
    const codebook = new Float32Array(groups * levels);
    for (let g = 0; g < groups; g++) {
      const values = new Set<number>(prng() < 0.5 ? [0] : []);
      while (values.size < levels) values.add(Math.fround(randomNormal(prng)));
      codebook.set([...values].sort((x, y) => x - y), g * levels);
    }
    t = {
      kind: "codebook",
      ...shape,
      bits,
      levels,
      codes: levels <= 256 ? new Uint8Array(n) : new Uint16Array(n),
      codebook,
    };
  } else {
    const codes = new Uint16Array(n);
    t = { kind: "float16", rows, cols, bits: 16, granularity: "tensor", codes };
  }
  const [lo, hi] = tensorCodeRange(t);
  const mask = base.mask;
  const zeros = prng() * 0.8;
  for (let i = 0; i < n; i++) {
    const g = elementGroup(t.granularity, i, cols);
    if ((mask && mask[i] === 0) || prng() < zeros) {
      t.codes[i] = zeroCode(t, g);
      continue;
    }
    if (t.kind === "float16") {
      const f = new Float16Array(1);
      f[0] = randomNormal(prng);
      t.codes[i] = new Uint16Array(f.buffer)[0];
    } else {
      let q = lo + randomInt(prng, hi - lo + 1);
      if (t.bits === 1 && t.kind !== "codebook" && q === 0) q = 1;
      t.codes[i] = q;
    }
  }
  const rb = randomInt(prng, 3);
  const bias: QuantizedBias = rb === 0
    ? { kind: "float64", values: base.bias }
    : rb === 1
    ? { kind: "float32", values: Float32Array.from(base.bias) }
    : {
      kind: "int32",
      values: Int32Array.from({ length: rows }, () => randomInt(prng, 2 ** 20) - 2 ** 19),
      scale: Float64Array.from({ length: rows }, () => 1e-5 * (1 + prng())),
    };
  return {
    kind: "quantized-logistic-regression",
    version: 1,
    link: base.link,
    classes: base.classes,
    featureNames: base.featureNames,
    preprocessing: base.preprocessing,
    weights: t,
    bias,
    ...(mask ? { mask } : {}),
    // An int32 bias is at the product scale, which needs the input scale: always with input.
    ...(bias.kind === "int32" || prng() < 0.5
      ? {
        input: {
          dtype: prng() < 0.5 ? "uint8" as const : "int8" as const,
          scale: 1 / 255,
          zeroPoint: 0,
          calibration: "minmax",
        },
      }
      : {}),
    ...(prng() < 0.5 ? { recipe: { method: "kmeans", seed: 3, rounding: "nearest" } } : {}),
  };
}
