/**
 * Quantizing a float matrix (model weights) and dequantizing it: uniform symmetric and affine
 * grids of 1..16 bits, log2 (power-of-two) levels, k-means codebooks, float16; per tensor, per
 * class (row) or per feature (column); ranges calibrated by min/max, percentile or minimum
 * squared error; rounding to nearest (ties to even on uniform grids, to the larger magnitude on
 * log2 grids, to the lower entry of a codebook) or stochastic (seeded).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { checkSeed, createPrng, type Prng } from "../core/random.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  hintValue,
  type OptionKeys,
  quoted,
} from "../core/validate.ts";
import { roundHalfEven, toFloat16Bits } from "./float16.ts";
import { allocateCodes, codebookBits, codeRange, groupCount, log2MaxExponent } from "./grid.ts";
import { countDistinct, kmeans1d } from "./kmeans.ts";
import {
  type CodebookQuantizedTensor,
  type Float16Tensor,
  type Granularity,
  type Log2QuantizedTensor,
  MAX_BITS,
  MAX_LOG2_BITS,
  MIN_BITS,
  type QuantizedTensor,
  type UniformQuantizedTensor,
  type UniformScheme,
} from "./types.ts";
import { log2Value } from "./dequantize.ts";
import { checkLevelsFitFloat32, validateQuantizedTensor } from "./validate.ts";

/**
 * How a uniform or log2 grid's range is chosen from the values of a group:
 * - `minmax`: the grid spans all values (symmetric: ±max |w|; affine: [min(w, 0), max(w, 0)],
 *   except that rounding the zero point to an integer (to nearest, ties to even, as the codes)
 *   shifts the grid by up to half a step, so one end may be clipped by that much; at 1 bit an
 *   affine grid holds 0 and one other level);
 * - `percentile`: it spans the given percentile of |w| (symmetric, log2) or the central
 *   `2 * percentile - 100` % of w (affine, so percentile >= 50 there), clipping the rest
 *   (numpy's linear interpolation); where that range is empty (a group mostly of zeros), the
 *   min/max range instead;
 * - `mse`: the clipping that minimises the sum of squared errors of the group, searched over a
 *   grid of 100 ratios of the min/max range refined around the best by 32 more, with the
 *   min/max range among the candidates (so never worse than it). Affine clips each end by its
 *   own ratio: both ends by one ratio, then two coordinate rounds (the low end's 100 ratios,
 *   then the high end's), then the low end refined by ±16 steps of 1/1600 around the best, then
 *   the high end likewise (a group of one sign is so searched to 1/1600 of its far end). 1-bit
 *   symmetric uses the exact optimum `scale = mean |w|`; 2-bit symmetric (ternary) the exact
 *   optimum over all thresholds.
 *   Per class or per feature, each group also tries the per-tensor MSE grid, so the total error
 *   is never above per-tensor MSE on the same weights.
 */
export type Calibration =
  | { readonly kind: "minmax" }
  | { readonly kind: "mse" }
  | { readonly kind: "percentile"; readonly percentile: number };

/**
 * Rounding onto the grid: to the nearest level (a value halfway between two levels goes to the
 * even code on a uniform grid, to the level of larger magnitude on a log2 grid, to the lower
 * entry of a codebook), or stochastic: up with
 * probability equal to the distance from the level below, in units of the gap (unbiased inside
 * the range), using one draw per element in row-major order from a generator seeded by `seed`.
 */
export type Rounding =
  | { readonly kind: "nearest" }
  | { readonly kind: "stochastic"; readonly seed?: number };

/** Uniform quantization (`value = scale * (code - zeroPoint)`). */
export interface UniformMethod {
  /** The tag of this kind. */
  readonly kind: "uniform";
  /**
   * `"symmetric"` (signed codes, zero point 0; 1 bit is sign * scale, 2 bits ternary) or
   * `"affine"` (unsigned codes and a zero point).
   * @default {"symmetric"}
   */
  readonly scheme?: UniformScheme;
  /**
   * Bits per weight, 1..16.
   * @default {8}
   */
  readonly bits?: number;
  /**
   * Parameter groups.
   * @default {"class"}
   */
  readonly granularity?: Granularity;
  /**
   * Range calibration.
   * @default {{ kind: "mse" }}
   */
  readonly calibration?: Calibration;
  /**
   * Rounding.
   * @default {{ kind: "nearest" }}
   */
  readonly rounding?: Rounding;
}

/** Power-of-two levels `±scale * 2^-e` and 0. */
export interface Log2Method {
  /** The tag of this kind. */
  readonly kind: "log2";
  /**
   * Bits per weight, 1..8 (`2^(bits-1) - 1` magnitudes).
   * @default {4}
   */
  readonly bits?: number;
  /**
   * Parameter groups.
   * @default {"class"}
   */
  readonly granularity?: Granularity;
  /**
   * Calibration of `scale`, the largest magnitude.
   * @default {{ kind: "mse" }}
   */
  readonly calibration?: Calibration;
  /**
   * Rounding.
   * @default {{ kind: "nearest" }}
   */
  readonly rounding?: Rounding;
}

/** Weight sharing through a k-means codebook (Deep Compression). */
export interface KmeansMethod {
  /** The tag of this kind. */
  readonly kind: "kmeans";
  /**
   * Bits per index; the codebook has `2^bits` entries unless `levels` says otherwise.
   * @default {4}
   */
  readonly bits?: number;
  /**
   * Codebook entries per group, 2..65536 (overrides `bits`; the index then takes
   * `ceil(log2(levels))` bits).
   * @default {2 ** bits}
   */
  readonly levels?: number;
  /**
   * One codebook per tensor, per class or per feature.
   * @default {"tensor"}
   */
  readonly granularity?: Granularity;
  /**
   * Initial centroids: seeded k-means++ or evenly spaced between min and max.
   * @default {"kmeans++"}
   */
  readonly init?: "kmeans++" | "linear";
  /**
   * Seed of k-means++.
   * @default {0}
   */
  readonly seed?: number;
  /**
   * Lloyd iteration limit.
   * @default {100}
   */
  readonly maxIterations?: number;
}

/** IEEE half-precision storage (round to nearest even). */
export interface Float16Method {
  /** The tag of this kind. */
  readonly kind: "float16";
}

/** Any quantization method; switch on `kind`. */
export type QuantizationMethod = UniformMethod | Log2Method | KmeansMethod | Float16Method;

/** Options for {@linkcode quantizeTensor}. */
export interface QuantizeTensorOptions {
  /**
   * The method and its settings.
   * @default {{ kind: "uniform" }} (8-bit symmetric per class, MSE calibration)
   */
  method?: QuantizationMethod;
  /**
   * Pruning mask, shape `(rows * cols)`: elements where it is 0 take no part in calibration and
   * get the code nearest to 0 (the lower one on a tie: -1 on a 1-bit grid, as model files store
   * it).
   * @default {none (all elements count)}
   */
  mask?: Uint8Array;
}

/** A method with every default filled in. */
export type ResolvedMethod =
  | {
    readonly kind: "uniform";
    readonly scheme: UniformScheme;
    readonly bits: number;
    readonly granularity: Granularity;
    readonly calibration: Calibration;
    readonly rounding: Rounding;
  }
  | {
    readonly kind: "log2";
    readonly bits: number;
    readonly granularity: Granularity;
    readonly calibration: Calibration;
    readonly rounding: Rounding;
  }
  | {
    readonly kind: "kmeans";
    readonly bits: number;
    readonly levels: number;
    readonly granularity: Granularity;
    readonly init: "kmeans++" | "linear";
    readonly seed: number;
    readonly maxIterations: number;
  }
  | { readonly kind: "float16" };

const ACTION = "quantize weights";
const GRANULARITIES: readonly string[] = ["tensor", "class", "feature"];
const MIN_FLOAT32 = 2 ** -149;

const METHOD_KEYS: {
  readonly [K in QuantizationMethod["kind"]]: OptionKeys<QuantizationMethod & { kind: K }>;
} = {
  uniform: {
    kind: true,
    scheme: true,
    bits: true,
    granularity: true,
    calibration: true,
    rounding: true,
  },
  log2: { kind: true, bits: true, granularity: true, calibration: true, rounding: true },
  kmeans: {
    kind: true,
    bits: true,
    levels: true,
    granularity: true,
    init: true,
    seed: true,
    maxIterations: true,
  },
  float16: { kind: true },
};

/**
 * Where a key that the options of a function taking a quantization `method` do not have belongs,
 * when it is a setting of a method given at the top level (`quantizeModel(m, { bits: 4 })`, which
 * the nearest-name suggestion read as 'bias'): the clause that says so, with the key in its place,
 * under the method kind given if it reads the key, else the first kind that does.
 *
 * @param options The options as given.
 * @returns A function from an unknown key to that clause, or `undefined` for a key no method
 *   reads (`kind` included: every method has it).
 *
 * @example bits goes in the method
 * ```ts
 * import { methodOptionHint } from "./quantize.ts";
 * import assert from "node:assert/strict";
 *
 * const hint = methodOptionHint({ bits: 4 });
 * assert.equal(hint("bits"), `'bits' is an option of the method: { method: { kind: "uniform", bits: 4 } }`);
 * assert.equal(hint("epochs"), undefined);
 * ```
 */
export function methodOptionHint(options: unknown): (key: string) => string | undefined {
  const given = (typeof options === "object" && options !== null ? options : {}) as Record<
    string,
    unknown
  >;
  const method = given.method;
  const givenKind = typeof method === "object" && method !== null
    ? (method as { kind?: unknown }).kind
    : undefined;
  return (key) => {
    if (key === "kind") return undefined;
    const readers = (Object.keys(METHOD_KEYS) as QuantizationMethod["kind"][])
      .filter((k) => Object.hasOwn(METHOD_KEYS[k], key));
    if (readers.length === 0) return undefined;
    const kind = readers.find((k) => k === givenKind) ?? readers[0];
    const shown = hintValue(given[key]);
    return `'${key}' is an option of the method: { method: { kind: "${kind}", ${key}: ${shown} } }`;
  };
}

const CALIBRATION_KEYS: {
  readonly [K in Calibration["kind"]]: OptionKeys<Calibration & { kind: K }>;
} = {
  minmax: { kind: true },
  mse: { kind: true },
  percentile: { kind: true, percentile: true },
};

const ROUNDING_KEYS: { readonly [K in Rounding["kind"]]: OptionKeys<Rounding & { kind: K }> } = {
  nearest: { kind: true },
  stochastic: { kind: true, seed: true },
};

/**
 * Fills in a method's defaults and checks its settings.
 *
 * @param method The method (default: 8-bit symmetric uniform per class, MSE calibration).
 * @param action What the caller is doing, for messages.
 * @returns The method with every field set.
 * @throws {TypeError} If the method, its calibration or its rounding is not an object, or has
 *   an unknown option, or a seed (k-means `seed`, stochastic `rounding.seed`) is not a finite
 *   number.
 * @throws {RangeError} If bits are outside 1..16 (1..8 for log2), levels outside 2..65536, an
 *   unknown kind, scheme, granularity, calibration or rounding, or a percentile outside (0, 100]
 *   ([50, 100] for an affine grid).
 *
 * @example Defaults
 * ```ts
 * import { resolveMethod } from "./quantize.ts";
 * import assert from "node:assert/strict";
 *
 * const m = resolveMethod({ kind: "kmeans", bits: 3 });
 * assert.equal(m.kind === "kmeans" && m.levels, 8);
 * assert.throws(() => resolveMethod({ kind: "uniform", bits: 17 }), RangeError);
 * ```
 */

export function resolveMethod(
  method: QuantizationMethod = { kind: "uniform" },
  action = ACTION,
): ResolvedMethod {
  if (typeof method !== "object" || method === null) {
    throw new TypeError(`Cannot ${action}: method must be an object, got ${describe(method)}`);
  }
  if (Object.hasOwn(METHOD_KEYS, method.kind)) {
    checkOptionKeys(action, method, METHOD_KEYS[method.kind], "method");
  }
  const granularity = (g: Granularity | undefined, fallback: Granularity): Granularity => {
    const v = g ?? fallback;
    if (!GRANULARITIES.includes(v)) {
      throw new RangeError(
        `Cannot ${action}: granularity must be tensor, class or feature, got ${quoted(v)}`,
      );
    }
    return v;
  };
  const bitsOf = (b: number | undefined, fallback: number, max: number): number => {
    const v = b ?? fallback;
    assertInRange(action, "bits", v, MIN_BITS, max, true);
    return v;
  };
  switch (method.kind) {
    case "uniform": {
      const scheme = method.scheme ?? "symmetric";
      if (scheme !== "symmetric" && scheme !== "affine") {
        throw new RangeError(`Cannot ${action}: scheme must be symmetric or affine, got ${scheme}`);
      }
      const calibration = checkCalibration(method.calibration, action);
      if (scheme === "affine" && calibration.kind === "percentile" && calibration.percentile < 50) {
        // Below 50 the "central 2p - 100 %" is empty: the range came out as min/max or clipped
        // to one side, not monotone in the percentile.
        throw new RangeError(
          `Cannot ${action}: an affine grid spans the central 2 * percentile - 100 % of the ` +
            `weights, so percentile must be in [50, 100], got ${calibration.percentile}`,
        );
      }
      return {
        kind: "uniform",
        scheme,
        bits: bitsOf(method.bits, 8, MAX_BITS),
        granularity: granularity(method.granularity, "class"),
        calibration,
        rounding: checkRounding(method.rounding, action),
      };
    }
    case "log2":
      return {
        kind: "log2",
        bits: bitsOf(method.bits, 4, MAX_LOG2_BITS),
        granularity: granularity(method.granularity, "class"),
        calibration: checkCalibration(method.calibration, action),
        rounding: checkRounding(method.rounding, action),
      };
    case "kmeans": {
      // Bits are checked even when levels override them: nonsense is refused either way.
      const bits = bitsOf(method.bits, 4, MAX_BITS);
      let levels = 2 ** bits;
      if (method.levels !== undefined) {
        assertInRange(action, "levels", method.levels, 2, 2 ** MAX_BITS, true);
        levels = method.levels;
      }
      const maxIterations = method.maxIterations ?? 100;
      assertInRange(action, "maxIterations", maxIterations, 0, Infinity, true);
      checkSeed(action, method.seed);
      const seed = method.seed ?? 0;
      const init = method.init ?? "kmeans++";
      if (init !== "kmeans++" && init !== "linear") {
        throw new RangeError(`Cannot ${action}: init must be kmeans++ or linear, got ${init}`);
      }
      return {
        kind: "kmeans",
        bits: codebookBits(levels),
        levels,
        granularity: granularity(method.granularity, "tensor"),
        init,
        seed,
        maxIterations,
      };
    }
    case "float16":
      return { kind: "float16" };
    default: {
      const kind = (method as { kind: unknown }).kind;
      // The CLI's --method names two choices that are not kinds here; say what they are.
      const hint = kind === "affine"
        ? ` (the CLI's --method affine is { kind: "uniform", scheme: "affine" })`
        : kind === "none"
        ? " (the CLI's --method none is no quantization: keep the float model)"
        : "";
      throw new RangeError(
        `Cannot ${action}: unknown method '${kind}'; use uniform, log2, kmeans or float16${hint}`,
      );
    }
  }
}

function checkCalibration(c: Calibration | undefined, action: string): Calibration {
  const v = c ?? { kind: "mse" };
  if (typeof v !== "object" || v === null) {
    throw new TypeError(`Cannot ${action}: calibration must be an object, got ${describe(v)}`);
  }
  if (Object.hasOwn(CALIBRATION_KEYS, v.kind)) {
    checkOptionKeys(action, v, CALIBRATION_KEYS[v.kind], "calibration");
  }
  if (v.kind === "percentile") {
    assertInRange(action, "percentile", v.percentile, Number.MIN_VALUE, 100);
  } else if (v.kind !== "minmax" && v.kind !== "mse") {
    throw new RangeError(
      `Cannot ${action}: calibration must be minmax, percentile or mse, got ${
        (v as { kind: unknown }).kind
      }`,
    );
  }
  // A fresh object in a fixed key order: resolved methods that mean the same compare equal.
  return v.kind === "percentile" ? { kind: v.kind, percentile: v.percentile } : { kind: v.kind };
}

function checkRounding(r: Rounding | undefined, action: string): Rounding {
  const v = r ?? { kind: "nearest" };
  if (typeof v !== "object" || v === null) {
    throw new TypeError(`Cannot ${action}: rounding must be an object, got ${describe(v)}`);
  }
  if (Object.hasOwn(ROUNDING_KEYS, v.kind)) {
    checkOptionKeys(action, v, ROUNDING_KEYS[v.kind], "rounding");
  }
  if (v.kind === "stochastic") {
    checkSeed(action, v.seed, "rounding.seed");
  } else if (v.kind !== "nearest") {
    throw new RangeError(
      `Cannot ${action}: rounding must be nearest or stochastic, got ${
        (v as { kind: unknown }).kind
      }`,
    );
  }
  // With its default seed written out, as the calibration above.
  return v.kind === "stochastic" ? { kind: v.kind, seed: v.seed ?? 0 } : { kind: v.kind };
}

/**
 * Quantizes a float matrix.
 *
 * @param values The matrix, shape `(rows, cols)`; model weights are `(nOutputs, nFeatures)`.
 * @param options The method (default 8-bit symmetric per class, MSE calibration) and a mask.
 * @returns The quantized tensor; `dequantizeTensor` gives the float values back.
 * @throws {TypeError} If `values` is not a matrix, the mask has the wrong type or length, or a
 *   seed is not a finite number (see `resolveMethod`).
 * @throws {RangeError} If a value is NaN or infinite, a mask entry is neither 0 nor 1, a setting
 *   is out of range (bits outside 1..16, ...), a k-means group has fewer distinct values than levels, or a value is beyond the
 *   float16 range.
 *
 * @example 4-bit per-class weights
 * ```ts
 * import { quantizeTensor } from "./quantize.ts";
 * import { dequantizeTensor } from "./dequantize.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const w = fromRows([[0.5, -0.2, 0.1], [2, 0.9, -2]]);
 * const q = quantizeTensor(w, { method: { kind: "uniform", bits: 4, calibration: { kind: "minmax" } } });
 * assert.ok(q.kind === "uniform" && q.codes instanceof Int8Array);
 * assert.deepEqual([...q.codes], [7, -3, 1, 7, 3, -7]); // scales 0.5/7 and 2/7
 * const back = dequantizeTensor(q);
 * assert.ok(Math.abs(back.data[2] - 0.1) <= 0.5 * 0.5 / 7);
 * ```
 *
 * @example Ternary (2-bit symmetric) with the exact MSE optimum
 * ```ts
 * import { quantizeTensor } from "./quantize.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const q = quantizeTensor(fromRows([[1, 0.9, 0.1, -1.1]]), {
 *   method: { kind: "uniform", bits: 2 },
 * });
 * assert.ok(q.kind === "uniform");
 * assert.deepEqual([...q.codes], [1, 1, 0, -1]);
 * assert.equal(q.scale[0], Math.fround(1)); // mean of |1|, |0.9|, |-1.1|
 * ```
 */
export function quantizeTensor(
  values: Matrix,
  options: QuantizeTensorOptions = {},
): QuantizedTensor {
  assertMatrix(ACTION, "values", values);
  assertFinite(ACTION, "values", values.data, values.cols);
  checkOptionKeys(
    ACTION,
    options,
    { method: true, mask: true } satisfies OptionKeys<
      QuantizeTensorOptions
    >,
    "options",
    methodOptionHint(options),
  );
  const mask = checkMask(options.mask, values.data.length, ACTION);
  const method = resolveMethod(options.method, ACTION);
  const grid = calibrateGrid(values, method, mask);
  const rounding = method.kind === "uniform" || method.kind === "log2"
    ? method.rounding
    : { kind: "nearest" as const };
  return encodeOnGrid(grid, values, rounding, mask);
}

/** Options for {@linkcode quantizeOnGrid}. */
export interface QuantizeOnGridOptions {
  /**
   * Rounding.
   * @default {{ kind: "nearest" }}
   */
  rounding?: Rounding;
  /**
   * Elements where it is 0 get the code nearest to 0 (the lower one on a tie, -1 on a 1-bit
   * grid), as model files store them.
   * @default {none}
   */
  mask?: Uint8Array;
}

/**
 * Quantizes values onto the grid of an existing tensor (same kind, bits, scales, zero points or
 * codebook): only the codes are new. `quantizeOnGrid(q, dequantizeTensor(q))` returns `q`'s
 * codes exactly.
 *
 * @param grid A quantized tensor whose parameters are reused (its codes are ignored).
 * @param values The values, shape `(grid.rows, grid.cols)`.
 * @param options Rounding and mask.
 * @returns A new tensor with the grid's parameters and the codes of `values`.
 * @throws {TypeError} If the grid is malformed, the shapes differ, or `rounding.seed` is not a
 *   finite number.
 * @throws {RangeError} If a grid parameter is out of range (a scale that is not finite and > 0,
 *   bits outside 1..16, ...), a value is NaN or infinite (or beyond the float16 range), a mask
 *   entry is neither 0 nor 1, or the
 *   rounding is stochastic on a codebook or float16 grid (which round to nearest).
 *
 * @example Requantizing dequantized values gives the codes back
 * ```ts
 * import { quantizeOnGrid, quantizeTensor } from "./quantize.ts";
 * import { dequantizeTensor } from "./dequantize.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const q = quantizeTensor(fromRows([[0.3, -0.7, 0.01]]), { method: { kind: "log2", bits: 3 } });
 * assert.deepEqual(quantizeOnGrid(q, dequantizeTensor(q)).codes, q.codes);
 * ```
 */
export function quantizeOnGrid(
  grid: QuantizedTensor,
  values: Matrix,
  options: QuantizeOnGridOptions = {},
): QuantizedTensor {
  const action = "quantize onto grid";
  validateQuantizedTensor(grid, action, false);
  assertMatrix(action, "values", values);
  if (values.rows !== grid.rows || values.cols !== grid.cols) {
    throw new TypeError(
      `Cannot ${action}: the grid is ${grid.rows} x ${grid.cols}, values are ${values.rows} x ${values.cols}`,
    );
  }
  assertFinite(action, "values", values.data, values.cols);
  checkOptionKeys(
    action,
    options,
    {
      rounding: true,
      mask: true,
    } satisfies OptionKeys<QuantizeOnGridOptions>,
  );
  const mask = checkMask(options.mask, values.data.length, action);
  const rounding = checkRounding(options.rounding, action);
  if (rounding.kind === "stochastic" && (grid.kind === "codebook" || grid.kind === "float16")) {
    // Encoding rounds these to nearest: a stochastic rounding would be ignored without a word.
    throw new RangeError(
      `Cannot ${action}: stochastic rounding applies to uniform and log2 grids, not ${grid.kind}`,
    );
  }
  return encodeOnGrid(grid, values, rounding, mask);
}

/**
 * Checks a mask argument.
 *
 * @param mask The mask or `undefined`.
 * @param length The number of elements it must have.
 * @param action What the caller is doing.
 * @returns The mask or `null`.
 * @throws {TypeError} If it is not a Uint8Array of `length` entries.
 * @throws {RangeError} If an entry is neither 0 nor 1.
 */
export function checkMask(
  mask: Uint8Array | undefined,
  length: number,
  action: string,
): Uint8Array | null {
  if (mask === undefined) return null;
  if (!(mask instanceof Uint8Array) || mask.length !== length) {
    throw new TypeError(
      `Cannot ${action}: mask must be a Uint8Array of ${
        counted(length, "entry", { plural: "entries" })
      }, got ${describe(mask)}`,
    );
  }
  // Calibration keeps any non-zero entry, uniform and log2 encoding only a 1: another value
  // would take part in the range and still be encoded as removed.
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] > 1) throw new RangeError(`Cannot ${action}: mask[${i}] is ${mask[i]}, not 0 or 1`);
  }
  return mask;
}

/**
 * The fewest distinct kept values of any group: how many k-means levels every group can take.
 *
 * @param values The matrix.
 * @param granularity The grouping.
 * @param mask The mask or `null`.
 * @returns The least number of distinct kept values over the groups.
 */
export function fewestDistinct(
  values: Matrix,
  granularity: Granularity,
  mask: Uint8Array | null,
): number {
  let fewest = Infinity;
  for (let g = 0; g < groupCount(granularity, values.rows, values.cols); g++) {
    fewest = Math.min(fewest, countDistinct(groupValues(values, granularity, g, mask).sort()));
  }
  return fewest;
}

/**
 * Gathers the values of one group (kept elements only).
 *
 * @param values The matrix.
 * @param granularity The grouping.
 * @param g The group.
 * @param mask The mask or `null`.
 * @returns A new array of the group's kept values.
 */
function groupValues(
  values: Matrix,
  granularity: Granularity,
  g: number,
  mask: Uint8Array | null,
): Float64Array {
  const { rows, cols, data } = values;
  const out: number[] = [];
  if (granularity === "tensor") {
    for (let i = 0; i < data.length; i++) if (!mask || mask[i]) out.push(data[i]);
  } else if (granularity === "class") {
    for (let j = 0; j < cols; j++) {
      const i = g * cols + j;
      if (!mask || mask[i]) out.push(data[i]);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const i = r * cols + g;
      if (!mask || mask[i]) out.push(data[i]);
    }
  }
  return Float64Array.from(out);
}

/**
 * Chooses a grid's parameters (scales, zero points, codebooks) from the values; the returned
 * tensor's codes are all zero until encoded.
 *
 * @param values The matrix.
 * @param method The resolved method.
 * @param mask The mask or `null`.
 * @returns The grid as a tensor with placeholder codes.
 * @throws {RangeError} If k-means has fewer distinct values than levels in a group, or a scale
 *   or a uniform grid's extreme level does not fit float32.
 */
export function calibrateGrid(
  values: Matrix,
  method: ResolvedMethod,
  mask: Uint8Array | null,
): QuantizedTensor {
  const { rows, cols } = values;
  const n = rows * cols;
  if (method.kind === "float16") {
    const t: Float16Tensor = {
      kind: "float16",
      bits: 16,
      granularity: "tensor",
      rows,
      cols,
      codes: new Uint16Array(n),
    };
    return t;
  }
  const groups = groupCount(method.granularity, rows, cols);
  if (method.kind === "kmeans") {
    const codebook = new Float32Array(groups * method.levels);
    for (let g = 0; g < groups; g++) {
      const v = groupValues(values, method.granularity, g, mask);
      const distinct = countDistinct(v.slice().sort());
      if (distinct < method.levels) {
        // Named by the granularity, not the count: a sigmoid model's one class row is a class
        // group (per-tensor codebooks are a remedy elsewhere), not "the tensor".
        const where = method.granularity === "tensor"
          ? "the tensor has"
          : `${method.granularity} group ${g} has`;
        // Fewer levels help only while there are two values to cluster.
        const advice = distinct >= 2
          ? "use fewer levels or bits"
          : groups === 1
          ? "one value cannot be clustered: use a uniform grid"
          : `a group of ${
            distinct === 0 ? "removed weights" : "one value"
          } cannot be clustered: quantize per ${
            method.granularity === "feature" ? "class or per tensor" : "tensor"
          }`;
        throw new RangeError(
          `Cannot ${ACTION}: k-means with ${method.levels} levels needs at least ${method.levels} ` +
            `distinct weights per group, ${where} ${distinct}; ${advice}`,
        );
      }
      const r = kmeans1d(v, method.levels, {
        init: method.init,
        seed: method.seed + g,
        maxIterations: method.maxIterations,
      });
      const levels = strictlyAscendingFloat32(r.centroids);
      for (let k = 0; k < levels.length; k++) {
        if (!Number.isFinite(levels[k])) {
          throw new RangeError(
            `Cannot ${ACTION}: a k-means level of ${
              r.centroids[Math.min(k, r.centroids.length - 1)]
            } does not fit float32; the weights are too large`,
          );
        }
      }
      codebook.set(levels, g * method.levels);
    }
    const t: CodebookQuantizedTensor = {
      kind: "codebook",
      bits: method.bits,
      granularity: method.granularity,
      rows,
      cols,
      levels: method.levels,
      codes: allocateCodes(false, method.bits, n) as Uint8Array | Uint16Array,
      codebook,
    };
    return t;
  }
  const scale = new Float32Array(groups);
  const zeroPoint = new Int32Array(groups);
  const calibrate = (v: Float64Array) =>
    method.kind === "uniform"
      ? calibrateUniform(v, method.scheme, method.bits, method.calibration)
      : calibrateLog2(v, method.bits, method.calibration);
  const errorOf = (v: Float64Array, p: GroupParams) =>
    method.kind === "uniform"
      ? uniformGroupError(v, p, method.scheme, method.bits)
      : log2Error(v, p.scale, method.bits, log2MaxExponent(method.bits));
  // MSE per class or feature also tries the per-tensor MSE grid in each group, so it is never
  // worse than per-tensor MSE on the same weights.
  const tensorWide = method.calibration.kind === "mse" && method.granularity !== "tensor"
    ? calibrate(groupValues(values, "tensor", 0, mask))
    : null;
  for (let g = 0; g < groups; g++) {
    const v = groupValues(values, method.granularity, g, mask);
    let p = calibrate(v);
    if (tensorWide && v.length > 0 && errorOf(v, tensorWide) < errorOf(v, p)) p = tensorWide;
    scale[g] = p.scale;
    zeroPoint[g] = p.zeroPoint;
    if (method.kind === "uniform") {
      checkLevelsFitFloat32(ACTION, method.scheme, method.bits, p.scale, p.zeroPoint);
    }
  }
  if (method.kind === "log2") {
    const t: Log2QuantizedTensor = {
      kind: "log2",
      bits: method.bits,
      granularity: method.granularity,
      rows,
      cols,
      codes: new Int8Array(n),
      scale,
    };
    return t;
  }
  const t: UniformQuantizedTensor = {
    kind: "uniform",
    scheme: method.scheme,
    bits: method.bits,
    granularity: method.granularity,
    rows,
    cols,
    codes: allocateCodes(method.scheme === "symmetric", method.bits, n),
    scale,
    zeroPoint,
  };
  return t;
}

/** Scale and zero point of one group. */
interface GroupParams {
  /** The float32 scale. */
  readonly scale: number;
  /** The zero point (0 for symmetric). */
  readonly zeroPoint: number;
  /** Set for 1-bit symmetric grids, whose codes are the signs (no zero level). */
  readonly oneBit?: boolean;
}

/**
 * Calibrates one group of a uniform grid.
 *
 * @param v The group's values.
 * @param scheme Symmetric or affine.
 * @param bits Bits.
 * @param calibration How.
 * @returns The float32 scale and the zero point.
 */
function calibrateUniform(
  v: Float64Array,
  scheme: UniformScheme,
  bits: number,
  calibration: Calibration,
): GroupParams {
  const { min: qmin, max: qmax } = codeRange("uniform", scheme, bits);
  if (scheme === "symmetric") {
    const top = bits === 1 ? 1 : qmax; // the largest level is top * scale
    const maxAbs = maxAbsOf(v);
    // A group whose weights are all removed (an emptied class row) stores no code that
    // dequantizes: scale 1 keeps integer inference's product scale sane. Unmasked zeros at 1 bit
    // (no zero level) get the least scale, so they dequantize to about 0.
    if (v.length === 0) return { scale: 1, zeroPoint: 0 };
    if (maxAbs === 0) return { scale: bits === 1 ? MIN_FLOAT32 : 1, zeroPoint: 0 };
    const oneBit = bits === 1;
    const fromRange = (r: number): GroupParams => ({
      scale: toScale(r / top),
      zeroPoint: 0,
      oneBit,
    });
    switch (calibration.kind) {
      case "minmax":
        return fromRange(maxAbs);
      case "percentile":
        return fromRange(nonZero(percentileOf(absSorted(v), calibration.percentile), maxAbs));
      case "mse": {
        const minmax = fromRange(maxAbs);
        const candidates: GroupParams[] = [minmax];
        if (bits === 1) {
          let s = 0;
          for (let i = 0; i < v.length; i++) s += Math.abs(v[i]);
          candidates.push({ scale: toScale(s / v.length), zeroPoint: 0, oneBit });
        } else if (bits === 2) {
          candidates.push({ scale: toScale(ternaryOptimum(v)), zeroPoint: 0 });
        } else {
          return searchRatio(
            (r) => fromRange(r * maxAbs),
            (p) => uniformError(v, p, qmin, qmax),
          );
        }
        return best(candidates, (p) => uniformError(v, p, qmin, qmax));
      }
    }
  }
  let lo0 = 0, hi0 = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < lo0) lo0 = v[i];
    if (v[i] > hi0) hi0 = v[i];
  }
  if (lo0 === 0 && hi0 === 0) return { scale: 1, zeroPoint: 0 };
  const fromRange = (lo: number, hi: number): GroupParams => {
    const scale = toScale((hi - lo) / (qmax - qmin));
    const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(-lo / scale)));
    return { scale, zeroPoint };
  };
  switch (calibration.kind) {
    case "minmax":
      return fromRange(lo0, hi0);
    case "percentile": {
      const sorted = v.slice().sort();
      const lo = Math.min(0, percentileOf(sorted, 100 - calibration.percentile));
      const hi = Math.max(0, percentileOf(sorted, calibration.percentile));
      return hi - lo > 0 ? fromRange(lo, hi) : fromRange(lo0, hi0);
    }
    case "mse": {
      const err = (p: GroupParams) => uniformError(v, p, qmin, qmax);
      let rl = 1, rh = 1;
      let bestP = fromRange(lo0, hi0);
      let bestE = err(bestP);
      const consider = (a: number, b: number) => {
        if (a * lo0 === 0 && b * hi0 === 0) return;
        const p = fromRange(a * lo0, b * hi0);
        const e = err(p);
        if (e < bestE) {
          bestE = e;
          bestP = p;
          rl = a;
          rh = b;
        }
      };
      for (let k = 1; k <= RATIO_STEPS; k++) consider(k / RATIO_STEPS, k / RATIO_STEPS);
      for (let round = 0; round < 2; round++) {
        const fixedHigh = rh;
        for (let k = 1; k <= RATIO_STEPS; k++) consider(k / RATIO_STEPS, fixedHigh);
        const fixedLow = rl;
        for (let k = 1; k <= RATIO_STEPS; k++) consider(fixedLow, k / RATIO_STEPS);
      }
      const cl = rl, ch = rh;
      for (let k = -REFINE_STEPS; k <= REFINE_STEPS; k++) {
        const d = k / (REFINE_STEPS * RATIO_STEPS);
        if (cl + d > 0 && cl + d <= 1) consider(cl + d, ch);
      }
      const cl2 = rl;
      for (let k = -REFINE_STEPS; k <= REFINE_STEPS; k++) {
        const d = k / (REFINE_STEPS * RATIO_STEPS);
        if (ch + d > 0 && ch + d <= 1) consider(cl2, ch + d);
      }
      return bestP;
    }
  }
}

/**
 * Calibrates one group of a log2 grid: its `scale` is the largest magnitude.
 *
 * @param v The group's values.
 * @param bits Bits, 1..8.
 * @param calibration How.
 * @returns The float32 scale (zero point 0).
 */
function calibrateLog2(
  v: Float64Array,
  bits: number,
  calibration: Calibration,
): GroupParams {
  const maxAbs = maxAbsOf(v);
  if (v.length === 0) return { scale: 1, zeroPoint: 0 }; // every weight removed, as above
  if (maxAbs === 0) return { scale: bits === 1 ? MIN_FLOAT32 : 1, zeroPoint: 0 };
  const fromRange = (r: number): GroupParams => ({ scale: toScale(r), zeroPoint: 0 });
  switch (calibration.kind) {
    case "minmax":
      return fromRange(maxAbs);
    case "percentile":
      return fromRange(nonZero(percentileOf(absSorted(v), calibration.percentile), maxAbs));
    case "mse": {
      const e = log2MaxExponent(bits);
      const err = (p: GroupParams) => log2Error(v, p.scale, bits, e);
      if (bits === 1) {
        let s = 0;
        for (let i = 0; i < v.length; i++) s += Math.abs(v[i]);
        return best([fromRange(maxAbs), fromRange(s / v.length)], err);
      }
      return searchRatio((r) => fromRange(r * maxAbs), err);
    }
  }
}

const RATIO_STEPS = 100;
const REFINE_STEPS = 16;

/** Grid search over clipping ratios in (0, 1] (1 = min/max included), then a finer search. */
function searchRatio(
  make: (r: number) => GroupParams,
  err: (p: GroupParams) => number,
): GroupParams {
  let bestR = 1, bestP = make(1), bestE = err(bestP);
  for (let k = 1; k < RATIO_STEPS; k++) {
    const r = k / RATIO_STEPS;
    const p = make(r);
    const e = err(p);
    if (e < bestE) {
      bestE = e;
      bestP = p;
      bestR = r;
    }
  }
  const center = bestR;
  for (let k = -REFINE_STEPS; k <= REFINE_STEPS; k++) {
    const r = center + k / (REFINE_STEPS * RATIO_STEPS);
    if (k === 0 || r <= 0 || r > 1) continue;
    const p = make(r);
    const e = err(p);
    if (e < bestE) {
      bestE = e;
      bestP = p;
    }
  }
  return bestP;
}

function best(candidates: GroupParams[], err: (p: GroupParams) => number): GroupParams {
  let b = candidates[0], be = err(b);
  for (let i = 1; i < candidates.length; i++) {
    const e = err(candidates[i]);
    if (e < be) {
      be = e;
      b = candidates[i];
    }
  }
  return b;
}

/**
 * The exact least-squares ternary scale: levels `{-s, 0, s}`; keeping the `m` largest
 * magnitudes at `±s` costs `sum |w|² - S_m² / m` with `S_m` their sum and `s = S_m / m`, so the
 * best `m` maximises `S_m² / m`. At that optimum every kept magnitude is nearer `s` than 0 and
 * vice versa, so rounding to nearest reproduces it.
 */
function ternaryOptimum(v: Float64Array): number {
  const a = absSorted(v).reverse();
  let sum = 0, bestGain = -1, bestScale = a[0];
  for (let m = 1; m <= a.length; m++) {
    sum += a[m - 1];
    const gain = (sum * sum) / m;
    if (gain > bestGain) {
      bestGain = gain;
      bestScale = sum / m;
    }
  }
  return bestScale;
}

/**
 * Sum of squared round-to-nearest errors of a group of values on a uniform grid.
 *
 * @param v The values.
 * @param p Scale and zero point.
 * @param scheme Symmetric or affine.
 * @param bits Bits.
 * @returns The sum of squared errors.
 */
function uniformGroupError(
  v: Float64Array,
  p: GroupParams,
  scheme: UniformScheme,
  bits: number,
): number {
  const r = codeRange("uniform", scheme, bits);
  return uniformError(v, { ...p, oneBit: scheme === "symmetric" && bits === 1 }, r.min, r.max);
}

/** Sum of squared round-to-nearest errors of a uniform group. */
function uniformError(v: Float64Array, p: GroupParams, qmin: number, qmax: number): number {
  const s = p.scale, z = p.zeroPoint;
  let e = 0;
  if (qmin === -1 && qmax === 1 && z === 0 && p.oneBit) {
    for (let i = 0; i < v.length; i++) {
      const d = Math.abs(v[i]) - s; // codes are the signs
      e += d * d;
    }
    return e;
  }
  for (let i = 0; i < v.length; i++) {
    let q = roundHalfEven(v[i] / s) + z;
    if (q < qmin) q = qmin;
    else if (q > qmax) q = qmax;
    const d = v[i] - s * (q - z);
    e += d * d;
  }
  return e;
}

function log2Error(v: Float64Array, s: number, bits: number, e: number): number {
  let err = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i] - log2Value(log2Code(v[i], s, bits, e, -1), s);
    err += d * d;
  }
  return err;
}

function maxAbsOf(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > m) m = a;
  }
  return m;
}

function absSorted(v: Float64Array): Float64Array {
  const a = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) a[i] = Math.abs(v[i]);
  return a.sort();
}

function nonZero(x: number, fallback: number): number {
  return x > 0 ? x : fallback;
}

/**
 * The `p`-th percentile of sorted values, interpolated linearly between order statistics (as
 * numpy's default `method="linear"`).
 *
 * @param sorted Ascending values, at least one.
 * @param p Percentile in [0, 100].
 * @returns The percentile.
 */
export function percentileOf(sorted: ArrayLike<number>, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const t = pos - lo;
  const a = sorted[lo], b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function toScale(s: number): number {
  const f = Math.fround(s);
  if (f === Infinity) {
    throw new RangeError(
      `Cannot ${ACTION}: a scale of ${s} does not fit float32; the weights are too large`,
    );
  }
  return f > 0 ? f : MIN_FLOAT32;
}

/**
 * The float32 values of ascending float64 centroids, nudged up by one float32 step where
 * rounding made two equal, so every entry has exactly one code. `-0` becomes `0`, which the
 * JSON form can write (a centroid still at its initial weight can be a `-0` weight).
 *
 * @param c Ascending centroids.
 * @returns Strictly ascending float32 values, none `-0`.
 */
export function strictlyAscendingFloat32(c: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(c, (v) => v + 0);
  for (let i = 1; i < out.length; i++) {
    if (!(out[i] > out[i - 1])) out[i] = nextFloat32Up(out[i - 1]) + 0;
  }
  return out;
}

function nextFloat32Up(x: number): number {
  if (x === 0) return MIN_FLOAT32;
  const buf = new Float32Array([x]);
  const bits = new Int32Array(buf.buffer);
  bits[0] += x > 0 ? 1 : -1;
  return buf[0];
}

// ---- encoding ----------------------------------------------------------------------------

/**
 * The log2 code of a value (`u < 0`: nearest; else stochastic with draw `u` in [0, 1)).
 *
 * @param v The value.
 * @param s The group's scale.
 * @param bits Bits.
 * @param e The largest exponent, `log2MaxExponent(bits)`.
 * @param u Random draw, or -1 for nearest.
 * @returns The signed code.
 */
export function log2Code(v: number, s: number, bits: number, e: number, u: number): number {
  const sign = v < 0 ? -1 : 1;
  if (bits === 1) {
    if (u < 0) return sign;
    const p = Math.min(1, Math.max(0, (v / s + 1) / 2));
    return u < p ? 1 : -1;
  }
  // Magnitudes in units of s: 2^-x has code x + 1 (x = 0..e), and 0 has code 0.
  const a = Math.abs(v) / s;
  if (a >= 1) return sign;
  let upper: number, lower: number, upperCode: number, lowerCode: number;
  if (a < 2 ** -e) {
    upper = 2 ** -e;
    upperCode = e + 1;
    lower = 0;
    lowerCode = 0;
  } else {
    // 2^-(x+1) <= a < 2^-x with x in 0..e-1
    let x = Math.floor(-Math.log2(a));
    if (2 ** -x <= a) x--;
    else if (2 ** -(x + 1) > a) x++;
    upper = 2 ** -x;
    upperCode = x + 1;
    lower = 2 ** -(x + 1);
    lowerCode = x + 2;
  }
  const up = u < 0 ? a - lower >= upper - a : u < (a - lower) / (upper - lower);
  return sign * (up ? upperCode : lowerCode);
}

function encodeOnGrid(
  grid: QuantizedTensor,
  values: Matrix,
  rounding: Rounding,
  mask: Uint8Array | null,
): QuantizedTensor {
  const { rows, cols, data } = values;
  const n = rows * cols;
  const prng: Prng | null = rounding.kind === "stochastic" ? createPrng(rounding.seed ?? 0) : null;
  switch (grid.kind) {
    case "float16": {
      const codes = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const v = mask && !mask[i] ? 0 : data[i];
        if (Math.abs(v) >= 65520) {
          throw new RangeError(
            `Cannot ${ACTION}: the value ${v} at row ${Math.floor(i / cols)}, column ${
              i % cols
            } is beyond the float16 range (65504)`,
          );
        }
        codes[i] = toFloat16Bits(v);
      }
      return { ...grid, codes };
    }
    case "codebook": {
      const codes = allocateCodes(false, grid.bits, n) as Uint8Array | Uint16Array;
      const L = grid.levels;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const idx = i * cols + j;
          const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
          const v = mask && !mask[idx] ? 0 : data[idx];
          codes[idx] = nearestIndex(grid.codebook, g * L, L, v);
        }
      }
      return { ...grid, codes };
    }
    case "log2": {
      const codes = new Int8Array(n);
      const e = log2MaxExponent(grid.bits);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const idx = i * cols + j;
          const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
          const kept = !mask || mask[idx] === 1;
          // One draw per element, kept or not: a mask does not shift the others' draws.
          const draw = prng ? prng() : -1;
          const u = kept ? draw : -1;
          // a masked weight gets the code of 0 (1 bit: the lower of -s and +s, as files store it)
          codes[idx] = kept
            ? log2Code(data[idx], grid.scale[g], grid.bits, e, u)
            : grid.bits === 1
            ? -1
            : 0;
        }
      }
      return { ...grid, codes };
    }
    case "uniform": {
      const codes = allocateCodes(grid.scheme === "symmetric", grid.bits, n);
      const { min: qmin, max: qmax } = codeRange("uniform", grid.scheme, grid.bits);
      const oneBitSigned = grid.scheme === "symmetric" && grid.bits === 1;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const idx = i * cols + j;
          const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
          const kept = !mask || mask[idx] === 1;
          const v = kept ? data[idx] : 0;
          const s = grid.scale[g], z = grid.zeroPoint[g];
          const t = v / s;
          // One draw per element, kept or not: a mask does not shift the others' draws.
          const u = prng ? prng() : 0;
          let q: number;
          if (oneBitSigned) {
            if (prng && kept) {
              const p = Math.min(1, Math.max(0, (t + 1) / 2));
              q = u < p ? 1 : -1;
            } else q = t < 0 || !kept ? -1 : 1; // masked: the lower of -s and +s, as in files
          } else {
            q = (prng && kept ? Math.floor(t + u) : roundHalfEven(t)) + z;
            if (q < qmin) q = qmin;
            else if (q > qmax) q = qmax;
          }
          codes[idx] = q;
        }
      }
      return { ...grid, codes };
    }
  }
}

/** Index of the entry of `table[off .. off + len)` (ascending) nearest to `v` (lower on ties). */
function nearestIndex(table: Float32Array, off: number, len: number, v: number): number {
  let lo = 0, hi = len - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (table[off + mid] < v) lo = mid + 1;
    else hi = mid;
  }
  // table[off + lo] is the first entry >= v (or the last entry)
  if (lo > 0 && v - table[off + lo - 1] <= table[off + lo] - v) return lo - 1;
  return lo;
}
