/**
 * Integer-only inference: inputs quantized to 8 bits with a calibrated scale, integer weights,
 * int32 accumulation, one rescale per output. The TypeScript kernels here are the reference;
 * `integerDecisionFunction`, `integerScoresFromCodes` and `integerPredict` run the WebAssembly
 * integer kernels (`lib/kernels`, int8 or int16 weights) on large inputs, with the same scores
 * bit for bit.
 *
 * For output `c` and raw sample `x`, `xq[j] = clamp(round(x[j] / sx) + zx)` and integer weights
 * `wi[c][j]` (`code - zeroPoint` for uniform grids, `sign * 2^(E - e)` for log2):
 *
 * `score[c] = rescale[c] * (sum_j xq[j] * wi[c][j] + bias[c] - zx * sum_j wi[c][j])`
 *
 * where `rescale[c]` is the product scale (input scale times the weight scale of row `c`) and
 * `bias[c]` the int32 bias at that scale. A check at preparation proves the accumulator cannot
 * leave the int32 range.
 *
 * A factor per input feature cannot be applied once per output: `"feature"` granularity (one
 * weight scale per feature) and standardisation (`(x[j] - mean[j]) / std[j]`). For those models
 * the integer weights are the effective weights on raw inputs, `e[c][j] = w[c][j] / std[j]` (`w`
 * dequantized), requantized to one scale per row, `wi[c][j] = round(e[c][j] / G[c])` with the
 * finest `G[c]` that keeps any accumulator inside int32 with 8-bit inputs, or int16 weights (which
 * the WebAssembly kernels run) when the row's mean weight still gets at least 2^10 steps (rows
 * whose weights span more, such as a nearly constant standardised column, keep int32 weights and
 * run on the TypeScript kernel), and the mean goes into
 * the bias (`round(sum_j wi[c][j] mean[j] / sx)`). The inputs keep their exact 8-bit codes (pixel
 * bytes stay pixel bytes) and each weight moves by at most `G[c] / 2`.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  assertWidth,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
  typeWithArticle,
} from "../core/validate.ts";
import { oneShotScorers } from "../kernels/scorers.ts";
import { PREDICT_WASM_MIN_WORK, type PredictBackend } from "../model/kernel_scores.ts";
import { scoreCutoff, thresholdOf } from "../model/decision_threshold.ts";
import { classesFromScores } from "../model/predict.ts";
import type { Link } from "../model/types.ts";
import { quantizeInputsKernel } from "../kernels/reference.ts";
import { dequantizeInto } from "./dequantize.ts";
import { roundHalfEven } from "./float16.ts";
import { log2MaxExponent } from "./grid.ts";
import { biasValues } from "./model.ts";
import { percentileOf } from "./quantize.ts";
import type {
  InputQuantization,
  Log2QuantizedTensor,
  QuantizedModel,
  UniformQuantizedTensor,
} from "./types.ts";
import { checkInputQuantization, validateQuantizedModel } from "./validate.ts";

/** The input-quantization kernel lives with the other TypeScript reference kernels. */
export { quantizeInputsKernel };

/** Options for {@linkcode calibrateInput}. */
export interface CalibrateInputOptions {
  /**
   * Input code type: `"auto"` takes `"uint8"` when every calibration input (after
   * preprocessing) is >= 0, else `"int8"`. `"uint8"` is affine (zero point 0 for non-negative
   * data), `"int8"` symmetric.
   * @default {"auto"}
   */
  dtype?: "auto" | "uint8" | "int8";
  /**
   * Range of the inputs: `minmax`, or a percentile of the values (of their magnitudes for
   * int8), computed on at most 2^20 evenly strided values (a stride coprime with nFeatures, so
   * every column takes part).
   * @default {{ kind: "minmax" }}
   */
  calibration?: { readonly kind: "minmax" } | {
    readonly kind: "percentile";
    readonly percentile: number;
  };
}

const CAL_ACTION = "calibrate input quantization";
const INT32_MAX = 2 ** 31 - 1;
const MAX_SAMPLES = 2 ** 20;

/**
 * Calibrates the input quantization of a model from representative inputs and converts its
 * bias to int32 at the product scale, which makes it ready for integer-only inference.
 *
 * @param q A quantized model with uniform or log2 weights.
 * @param x Representative raw inputs (e.g. the training data), shape `(nSamples, nFeatures)`.
 * @param options Code type and range calibration.
 * @returns A new quantized model with `input` set and an `"int32"` bias.
 * @throws {TypeError} If `x` does not match the model.
 * @throws {RangeError} If the weights are a codebook or float16 (no integer grid), `x` holds
 *   NaN or infinity, or the bias does not fit int32 at the product scale.
 *
 * @example Pixels in [0, 1] get scale 1/255 and zero point 0
 * ```ts
 * import { calibrateInput } from "./integer.ts";
 * import { quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 1], [1, 0], [0.5, 0.2], [0.9, 0.8]]);
 * const { model } = fit(x, Int32Array.from([0, 1, 1, 0]), { preprocessing: "none" });
 * const q = calibrateInput(quantizeModel(model), x);
 * assert.equal(q.input?.dtype, "uint8");
 * assert.equal(q.input?.zeroPoint, 0);
 * assert.equal(q.input?.scale, Math.fround(1 / 255));
 * assert.equal(q.bias.kind, "int32");
 * ```
 */
export function calibrateInput(
  q: QuantizedModel,
  x: Matrix,
  options: CalibrateInputOptions = {},
): QuantizedModel {
  validateQuantizedModel(q, CAL_ACTION);
  requireIntegerGrid(q, CAL_ACTION);
  checkX(q, x, CAL_ACTION);
  checkOptionKeys(
    CAL_ACTION,
    options,
    {
      dtype: true,
      calibration: true,
    } satisfies OptionKeys<CalibrateInputOptions>,
  );
  if (x.rows === 0) throw new RangeError(`Cannot ${CAL_ACTION}: x has no rows`);
  const dtypeOption = options.dtype ?? "auto";
  if (!["auto", "uint8", "int8"].includes(dtypeOption)) {
    throw new RangeError(`Cannot ${CAL_ACTION}: dtype must be auto, uint8 or int8`);
  }
  const calibration = options.calibration ?? { kind: "minmax" };
  if (typeof calibration !== "object" || calibration === null) {
    throw new TypeError(
      `Cannot ${CAL_ACTION}: calibration must be an object, got ${describe(calibration)}`,
    );
  }
  checkOptionKeys(
    CAL_ACTION,
    calibration,
    calibration.kind === "percentile" ? { kind: true, percentile: true } : { kind: true },
    "calibration",
  );
  if (calibration.kind === "percentile") {
    assertInRange(CAL_ACTION, "percentile", calibration.percentile, Number.MIN_VALUE, 100);
  } else if (calibration.kind !== "minmax") {
    throw new RangeError(`Cannot ${CAL_ACTION}: calibration must be minmax or percentile`);
  }
  const { mul, off } = inputTransform(q, 1);
  const d = x.cols, n = x.rows, xd = x.data;
  let lo = 0, hi = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const t = xd[o + j] * mul[j] + off[j];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  const dtype = dtypeOption === "auto" ? (lo >= 0 ? "uint8" : "int8") : dtypeOption;
  let name = "minmax";
  if (calibration.kind === "percentile") {
    name = `percentile ${calibration.percentile}`;
    const total = n * d;
    let stride = Math.max(1, Math.ceil(total / MAX_SAMPLES));
    // A stride with a factor in common with d visits only some columns (every other one, or
    // column 0 alone when it is a multiple of d): step to one coprime with d, which visits all.
    while (gcd(stride, d) !== 1) stride++;
    const sample: number[] = [];
    for (let k = 0; k < total; k += stride) {
      const j = k % d;
      const t = xd[k] * mul[j] + off[j];
      sample.push(dtype === "int8" ? Math.abs(t) : t);
    }
    const sorted = Float64Array.from(sample).sort();
    let pLo: number, pHi: number;
    if (dtype === "int8") {
      pHi = percentileOf(sorted, calibration.percentile);
      pLo = -pHi;
    } else {
      pHi = Math.max(0, percentileOf(sorted, calibration.percentile));
      pLo = Math.min(0, percentileOf(sorted, 100 - calibration.percentile));
    }
    // Mostly-zero inputs (sparse pixels, one-hot columns) can leave the percentile range empty:
    // the min/max range then keeps the inputs that do occur, where scale 1 would round them to 0.
    if (pHi - pLo > 0) {
      hi = pHi;
      lo = pLo;
    } else {
      name += " (an empty range: min/max used)";
    }
  }
  let scale: number, zeroPoint: number;
  if (dtype === "int8") {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    scale = m > 0 ? Math.fround(m / 127) : 1;
    zeroPoint = 0;
  } else {
    scale = hi - lo > 0 ? Math.fround((hi - lo) / 255) : 1;
    zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  }
  const input: InputQuantization = {
    dtype,
    scale,
    zeroPoint,
    calibration: name + RAW_INPUTS,
  };
  checkInputQuantization(CAL_ACTION, input);
  const withInput: QuantizedModel = { ...q, input };
  const productScale = productScales(withInput);
  const b = biasValues(q.bias);
  const values = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const v = roundHalfEven(b[c] / productScale[c]);
    if (Math.abs(v) > INT32_MAX) {
      throw new RangeError(
        `Cannot ${CAL_ACTION}: bias ${b[c]} of output ${c} is ${v} units of the product scale ` +
          `${productScale[c]}, beyond int32` +
          (productScale[c] / scale < 1e-30
            ? ` (the weight scale ${productScale[c] / scale} is tiny: are the weights all zero?)`
            : ""),
      );
    }
    values[c] = v;
  }
  return { ...withInput, bias: { kind: "int32", values, scale: productScale } };
}

/**
 * The scale of each output's integer accumulator: input scale times the row's weight scale
 * (times `2^-E` for log2); for `"feature"` granularity the row's common scale `G[c]` of the
 * requantized weights (see the module documentation).
 *
 * @param q A quantized model with `input` and uniform or log2 weights.
 * @returns One scale per output.
 */
export function productScales(q: QuantizedModel): Float64Array {
  const t = q.weights;
  if (t.kind !== "uniform" && t.kind !== "log2") {
    throw new RangeError("Cannot compute product scales: the weights have no integer grid");
  }
  const sx = q.input!.scale;
  const shift = t.kind === "log2" ? 2 ** -log2MaxExponent(t.bits) : 1;
  const out = new Float64Array(t.rows);
  if (requantizes(q)) {
    const units = requantizedUnits(q, biasValues(q.bias));
    for (let c = 0; c < t.rows; c++) out[c] = sx * units[c];
    return out;
  }
  for (let c = 0; c < t.rows; c++) {
    out[c] = sx * (t.granularity === "tensor" ? t.scale[0] : t.scale[c]) * shift;
  }
  return out;
}

/** The integer weights `code - zeroPoint` (uniform) or `sign * 2^(E - e)` (log2), masked to 0. */
function gridWeights(q: QuantizedModel): Int32Array {
  const t = q.weights as UniformQuantizedTensor | Log2QuantizedTensor; // checked by callers
  const { rows: k, cols: d } = t;
  const wi = new Int32Array(k * d);
  const codes = t.codes;
  if (t.kind === "uniform") {
    const zp = t.zeroPoint;
    for (let c = 0; c < k; c++) {
      const o = c * d;
      if (t.granularity === "feature") {
        for (let j = 0; j < d; j++) wi[o + j] = codes[o + j] - zp[j];
      } else {
        const z = zp[t.granularity === "tensor" ? 0 : c];
        for (let j = 0; j < d; j++) wi[o + j] = codes[o + j] - z;
      }
    }
  } else {
    // One power of two per code (int8, |code| <= 2^(bits-1) - 1), computed as before per weight.
    const E = log2MaxExponent(t.bits);
    const table = new Int32Array(256);
    for (let code = -128; code < 128; code++) {
      table[code + 128] = code === 0 ? 0 : Math.sign(code) * 2 ** (E - (Math.abs(code) - 1));
    }
    for (let i = 0; i < k * d; i++) wi[i] = table[codes[i] + 128];
  }
  const mask = q.mask;
  if (mask) { for (let i = 0; i < k * d; i++) if (mask[i] === 0) wi[i] = 0; }
  return wi; // |wi| <= 2^14 for log2 (bits <= 5), < 2^16 for uniform
}

/**
 * Whether the integer model requantizes its weights (see the module documentation): per-feature
 * weight scales, or standardisation (whose per-feature `1 / scale` is a per-feature factor too).
 */
function requantizes(q: QuantizedModel): boolean {
  const t = q.weights;
  return (t.kind === "uniform" || t.kind === "log2") &&
    (t.granularity === "feature" || q.preprocessing.kind === "standardize");
}

/** The effective weights on raw inputs, `e[c][j] = dequantized w[c][j] / std[j]`, masked to 0. */
function effectiveWeights(q: QuantizedModel): Float64Array {
  const { rows: k, cols: d } = q.weights;
  const e = new Float64Array(k * d);
  dequantizeInto(q.weights, e);
  const p = q.preprocessing;
  for (let i = 0; i < e.length; i++) {
    if (q.mask && q.mask[i] === 0) e[i] = 0;
    else if (p.kind === "standardize") e[i] /= p.scale[i % d];
  }
  return e;
}

/**
 * The unit `G[c]` of each row's requantized weights, for a model with its input quantization and
 * float bias `b`: the finest unit for which no accumulator can leave int32, counting the products
 * (`maxAbsX * sum_j |wi|`), the input zero point (`zx * sum_j |wi|`), the bias (`|b| / (sx G)`)
 * and the mean term (`|sum_j e mean| / (sx G)`), with room for every rounding; coarsened to int16
 * weights (the WebAssembly kernels) when the row's mean weight still keeps 2^10 steps.
 */
function requantizedUnits(q: QuantizedModel, b: ArrayLike<number>): Float64Array {
  const { rows: k, cols: d } = q.weights;
  const { dtype, scale: sx, zeroPoint: zx } = q.input!;
  const maxAbsX = dtype === "uint8" ? 255 : 128;
  const p = q.preprocessing;
  const e = effectiveWeights(q);
  const room = INT32_MAX - (2 * maxAbsX + Math.abs(zx) + 2) * d - 8;
  const units = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let max = 0, sum = 0, mean = 0;
    for (let j = 0; j < d; j++) {
      const v = e[c * d + j];
      max = Math.max(max, Math.abs(v));
      sum += Math.abs(v);
      if (p.kind === "standardize") mean += v * p.mean[j];
    }
    if (max === 0) continue;
    const fine = ((maxAbsX + Math.abs(zx)) * sum + (Math.abs(b[c]) + Math.abs(mean)) / sx) / room;
    const int16 = Math.max(fine, max / 32767);
    units[c] = sum / d / int16 >= 1024 ? int16 : fine;
  }
  // An all-zero row takes the model's largest unit (1 if all are zero), so that its bias has a
  // sensible unit. A loop, not Math.max(...units): spread arguments overflow the stack from about
  // 125,000 outputs.
  let fallback = 0;
  for (let c = 0; c < k; c++) fallback = Math.max(fallback, units[c]);
  if (fallback === 0) fallback = 1;
  for (let c = 0; c < k; c++) if (units[c] === 0) units[c] = fallback;
  return units;
}

/**
 * `wi[c][j] = round(e[c][j] / units[c])`, in float64: a unit finer than calibration's (an edited
 * bias scale) can put them beyond int32, which the accumulator check must see rather than wrap.
 */
function requantizedWeights(q: QuantizedModel, units: ArrayLike<number>): Float64Array {
  const { rows: k, cols: d } = q.weights;
  const e = effectiveWeights(q);
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) out[c * d + j] = roundHalfEven(e[c * d + j] / units[c]);
  }
  return out;
}

/**
 * The marker that `calibrateInput` puts in `InputQuantization.calibration`: the input scale is
 * of the raw inputs. Models calibrated before this meaning (their per-feature or standardised
 * inputs were quantized instead) lack it, and requantizing models refuse them.
 */
const RAW_INPUTS = " (raw inputs)";

/** A quantized model laid out for the integer kernels. */
/**
 * Refuses what is not an {@linkcode IntegerModel}: a quantized model (calibrated or not) must go
 * through `prepareIntegerModel` first.
 */
function checkIntegerModel(action: string, m: unknown): void {
  const o = m as Partial<IntegerModel> & { kind?: unknown } | null;
  if (typeof m !== "object" || m === null || !Number.isInteger(o!.nFeatures) || !o!.input) {
    const quantized = o?.kind === "quantized-logistic-regression";
    throw new TypeError(
      `Cannot ${action}: the model is not an integer model` +
        (quantized
          ? "; call prepareIntegerModel on the quantized model (after calibrateInput)"
          : ""),
    );
  }
}

/**
 * A quantized model prepared for integer-only inference ({@linkcode prepareIntegerModel}):
 * int8 weight codes, an int32 bias and one float rescale per output.
 */
export interface IntegerModel {
  /** Link, for turning scores into classes. */
  readonly link: Link;
  /** Class labels. */
  readonly classes: readonly string[];
  /** Number of outputs. */
  readonly nOutputs: number;
  /** Number of features. */
  readonly nFeatures: number;
  /** The input quantization. */
  readonly input: InputQuantization;
  /**
   * `xq[j] = clamp(roundHalfEven(x[j] * inputMultiplier[j] + inputOffset[j]) + zeroPoint)` on
   * raw `x` (`1 / sx` and 0: standardisation lives in the weights and the bias).
   */
  readonly inputMultiplier: Float64Array;
  /** See `inputMultiplier`. */
  readonly inputOffset: Float64Array;
  /**
   * Integer weights, shape `(nOutputs, nFeatures)` row-major, in the smallest signed typed array
   * that holds them; masked weights are 0.
   */
  readonly weights: Int8Array | Int16Array | Int32Array;
  /**
   * The same weights packed for the TypeScript kernel, in blocks of 4 outputs:
   * `packedWeights[((c >> 2) * nFeatures + j) * 4 + (c & 3)] = weights[c * nFeatures + j]`
   * (zero for the padding outputs of the last block).
   */
  readonly packedWeights: Int8Array | Int16Array | Int32Array;
  /** The int32 bias with the input zero-point correction folded in: `bias - zx * rowSum`. */
  readonly bias: Int32Array;
  /** Product scale per output. */
  readonly rescale: Float64Array;
  /** The quantized model's decision threshold (binary models; absent: 0.5). */
  readonly threshold?: number;
}

const PREP_ACTION = "prepare integer inference";

/**
 * Lays a calibrated quantized model out for the integer kernels, and proves that no
 * accumulator can leave the int32 range (`max |xq| * sum_j |wi[c][j]| + |bias[c]| < 2^31`).
 *
 * @param q A quantized model with uniform or log2 weights, calibrated with `calibrateInput`.
 * @returns The integer model.
 * @throws {RangeError} If the model has no input calibration, no integer grid, an int32 bias
 *   whose scale is not the product scale (uniform or log2 grids per tensor or class without
 *   standardisation), or could overflow int32 (too many bits, e.g. 16-bit weights on 784
 *   features).
 *
 * @example Integer scores agree with the dequantized model
 * ```ts
 * import { calibrateInput, integerPredict, prepareIntegerModel } from "./integer.ts";
 * import { dequantizeModel, quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { predict } from "../model/predict.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const { x, y, classes } = await loadEmbedded("digits");
 * const { model } = fit(x, y, { classes, optimizer: { kind: "lbfgs", maxIterations: 30 } });
 * const q = calibrateInput(quantizeModel(model), x);
 * const same = integerPredict(prepareIntegerModel(q), x)
 *   .filter((c, i) => c === predict(dequantizeModel(q), x)[i]).length;
 * assert.ok(same / x.rows > 0.99);
 * ```
 */
export function prepareIntegerModel(q: QuantizedModel): IntegerModel {
  validateQuantizedModel(q, PREP_ACTION);
  return layOutIntegerModel(q, () => "both");
}

/**
 * {@linkcode prepareIntegerModel} for one scoring call on `rows` rows with `backend`, of a model
 * that `validateQuantizedModel` accepted earlier in the same call (it is not run again): the same
 * checks in the same order, and only the weight layout the call reads, the other left empty
 * (`weights` for the kernels, `packedWeights` for the TypeScript reference; see
 * {@linkcode integerDecisionFunction}). `lib/quant/mod.ts` does not re-export it.
 *
 * @param q A quantized model that passed `validateQuantizedModel`.
 * @param backend The backend of the call.
 * @param rows Rows of the call.
 * @returns An integer model fit for that call only.
 */
export function prepareIntegerModelForCall(
  q: QuantizedModel,
  backend: PredictBackend,
  rows: number,
): IntegerModel {
  const work = rows * q.weights.rows * q.weights.cols;
  return layOutIntegerModel(q, (int32) => runsOnKernels(backend, int32, work) ? "rows" : "packed");
}

/**
 * The body of {@linkcode prepareIntegerModel} after validation; `layout` picks the weight
 * layouts to build, from whether the weights need int32.
 */
function layOutIntegerModel(
  q: QuantizedModel,
  layout: (int32: boolean) => "both" | "rows" | "packed",
): IntegerModel {
  requireIntegerGrid(q, PREP_ACTION);
  if (!q.input || q.bias.kind !== "int32") {
    throw new RangeError(
      `Cannot ${PREP_ACTION}: the model has no input calibration; call calibrateInput first`,
    );
  }
  const t = q.weights as UniformQuantizedTensor | Log2QuantizedTensor; // checked above
  const { rows: k, cols: d } = t;
  const requantized = requantizes(q);
  if (requantized && !q.input.calibration.endsWith(RAW_INPUTS)) {
    throw new RangeError(
      `Cannot ${PREP_ACTION}: the input calibration ('${q.input.calibration}') predates ` +
        "integer inference on raw inputs for standardised or per-feature models; recalibrate " +
        "with calibrateInput (lrc quantize)",
    );
  }
  if (!requantized) {
    // The rescale multiplies the integer weights too: a bias at another scale (a model edited
    // after calibration) would move every score away from the dequantized model.
    const product = productScales(q);
    for (let c = 0; c < k; c++) {
      if (Math.abs(q.bias.scale[c] - product[c]) > 1e-12 * product[c]) {
        throw new RangeError(
          `Cannot ${PREP_ACTION}: the int32 bias of output ${c} has scale ${q.bias.scale[c]}, ` +
            `not the product scale ${product[c]} (input scale times weight scale); recalibrate ` +
            "with calibrateInput",
        );
      }
    }
  }
  // The units chosen at calibration, where the float bias was known.
  const wi = requantized
    ? requantizedWeights(q, Float64Array.from(q.bias.scale, (v) => v / q.input!.scale))
    : gridWeights(q);
  let maxAbsW = 0; // over every row once the loop below is done
  const { dtype, zeroPoint: zx } = q.input;
  const p = q.preprocessing;
  const [xmin, xmax] = dtype === "uint8" ? [0, 255] : [-128, 127];
  const maxAbsX = Math.max(Math.abs(xmin), Math.abs(xmax));
  const bias = new Int32Array(k);
  for (let c = 0; c < k; c++) {
    let rowSum = 0, rowAbs = 0;
    for (let j = 0; j < d; j++) {
      const v = wi[c * d + j], a = Math.abs(v);
      rowSum += v;
      rowAbs += a;
      maxAbsW = Math.max(maxAbsW, a);
    }
    // Standardisation's mean in input units: sum_j wi[c][j] * mean[j] / sx, rounded once.
    let meanTerm = 0;
    if (p.kind === "standardize") {
      let m = 0;
      for (let j = 0; j < d; j++) m += wi[c * d + j] * p.mean[j];
      meanTerm = roundHalfEven(m / q.input.scale);
    }
    const folded = q.bias.values[c] - zx * rowSum - meanTerm;
    const bound = maxAbsX * rowAbs + Math.abs(folded);
    if (bound > INT32_MAX) {
      for (let i = 0; i < wi.length; i++) maxAbsW = Math.max(maxAbsW, Math.abs(wi[i]));
      throw new RangeError(
        `Cannot ${PREP_ACTION}: output ${c} could accumulate up to ${bound}, beyond int32 ` +
          `(${d} features, weights up to ${maxAbsW})` +
          (requantized ? "" : "; use fewer weight bits"),
      );
    }
    bias[c] = folded;
  }
  const Ctor = maxAbsW <= 127 ? Int8Array : maxAbsW <= 32767 ? Int16Array : Int32Array;
  const which = layout(Ctor === Int32Array);
  // The constructor, not Ctor.from: the same values (they fit Ctor), without the iterator.
  const weights = which === "packed" ? new Ctor(0) : new Ctor(wi);
  const packedWeights = new Ctor(which === "rows" ? 0 : ((k + 3) >> 2) * d * 4);
  if (which !== "rows") {
    for (let c = 0; c < k; c++) {
      const o = c * d, base = (c >> 2) * d * 4 + (c & 3);
      for (let j = 0; j < d; j++) packedWeights[base + 4 * j] = wi[o + j];
    }
  }
  const { mul, off } = inputTransform(q, q.input.scale);
  return {
    link: q.link,
    classes: [...q.classes],
    nOutputs: k,
    nFeatures: d,
    input: { ...q.input }, // its own: a prepared predictor reads it on every call
    inputMultiplier: mul,
    inputOffset: off,
    weights,
    packedWeights,
    bias,
    rescale: q.bias.scale.slice(),
    ...thresholdOf(q),
  };
}

/**
 * Quantizes raw inputs to the model's 8-bit input codes.
 *
 * @param m The integer model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @returns Codes, shape `(nSamples, nFeatures)` row-major (`Uint8Array` or `Int8Array`).
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function quantizeInputs(m: IntegerModel, x: Matrix): Uint8Array | Int8Array {
  const action = "quantize inputs";
  checkIntegerModel(action, m);
  assertMatrix(action, "x", x);
  assertWidth(action, "x", x, m.nFeatures);
  assertFinite(action, "x", x.data, x.cols);
  const out = m.input.dtype === "uint8"
    ? new Uint8Array(x.rows * x.cols)
    : new Int8Array(x.rows * x.cols);
  const [lo, hi] = m.input.dtype === "uint8" ? [0, 255] : [-128, 127];
  quantizeInputsKernel(
    x.data,
    x.rows,
    x.cols,
    m.inputMultiplier,
    m.inputOffset,
    m.input.zeroPoint,
    lo,
    hi,
    out,
  );
  return out;
}

/**
 * Kernel: integer scores from input codes. For each sample `i` and output `c`:
 * `acc = bias[c] + sum_j xq[i*d+j] * w[c][j]` in int32, then `out[i*k+c] = acc * rescale[c]`.
 * Codes equal to 0 contribute nothing and are skipped (the zero-point correction lives in the
 * bias), which helps sparse inputs such as images.
 *
 * @param xq Input codes, `n * d` row-major.
 * @param n Samples.
 * @param d Features.
 * @param packed Integer weights in blocks of 4 outputs (see `IntegerModel.packedWeights`).
 * @param bias Int32 bias (zero-point correction folded in), `k` values.
 * @param rescale Product scale per output, `k` values.
 * @param out Receives `n * k` scores row-major.
 */
export function integerScoresKernel(
  xq: Uint8Array | Int8Array,
  n: number,
  d: number,
  packed: Int8Array | Int16Array | Int32Array,
  bias: Int32Array,
  rescale: Float64Array,
  out: Float64Array,
): void {
  const idx = new Int32Array(d), val = new Int32Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const v = xq[o + j];
      if (v !== 0) {
        idx[m] = j << 2;
        val[m++] = v;
      }
    }
    accumulateBlocks(idx, val, m, d, packed, bias, rescale, out, i * bias.length);
  }
}

/**
 * Kernel: quantizes float inputs on the fly (as {@linkcode quantizeInputsKernel}) and computes
 * integer scores (as {@linkcode integerScoresKernel}) without storing the codes.
 *
 * @param x Raw inputs, `n * d` row-major.
 * @param n Samples.
 * @param d Features.
 * @param mul Per-feature input multiplier.
 * @param off Per-feature input offset.
 * @param zp Input zero point.
 * @param lo Smallest input code.
 * @param hi Largest input code.
 * @param packed Integer weights in blocks of 4 outputs.
 * @param bias Int32 bias (zero-point correction folded in).
 * @param rescale Product scale per output.
 * @param out Receives `n * k` scores row-major.
 * @returns The number of NaN or infinite inputs met (their scores are meaningless).
 */
export function integerScoresFromFloatKernel(
  x: FloatArray,
  n: number,
  d: number,
  mul: Float64Array,
  off: Float64Array,
  zp: number,
  lo: number,
  hi: number,
  packed: Int8Array | Int16Array | Int32Array,
  bias: Int32Array,
  rescale: Float64Array,
  out: Float64Array,
): number {
  const idx = new Int32Array(d), val = new Int32Array(d);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const xv = x[o + j];
      if (xv - xv !== 0) bad++;
      const t = xv * mul[j] + off[j];
      let r = Math.round(t);
      if (r - t === 0.5 && (r & 1) !== 0) r--; // ties to even
      r += zp;
      r = r < lo ? lo : r > hi ? hi : r;
      if (r !== 0) {
        idx[m] = j << 2;
        val[m++] = r;
      }
    }
    accumulateBlocks(idx, val, m, d, packed, bias, rescale, out, i * bias.length);
  }
  return bad;
}

/** Int32 dot products of one sample's non-zero codes with 4 outputs at a time. */
function accumulateBlocks(
  idx: Int32Array,
  val: Int32Array,
  m: number,
  d: number,
  p: Int8Array | Int16Array | Int32Array,
  bias: Int32Array,
  rescale: Float64Array,
  out: Float64Array,
  row: number,
): void {
  const k = bias.length;
  for (let c = 0; c < k; c += 4) {
    const base = c * d; // block c >> 2 starts at (c >> 2) * d * 4 = c * d
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let t = 0; t < m; t++) {
      const v = val[t], q = base + idx[t];
      a0 = (a0 + v * p[q]) | 0;
      a1 = (a1 + v * p[q + 1]) | 0;
      a2 = (a2 + v * p[q + 2]) | 0;
      a3 = (a3 + v * p[q + 3]) | 0;
    }
    out[row + c] = ((bias[c] + a0) | 0) * rescale[c];
    if (c + 1 < k) out[row + c + 1] = ((bias[c + 1] + a1) | 0) * rescale[c + 1];
    if (c + 2 < k) out[row + c + 2] = ((bias[c + 2] + a2) | 0) * rescale[c + 2];
    if (c + 3 < k) out[row + c + 3] = ((bias[c + 3] + a3) | 0) * rescale[c + 3];
  }
}

/** Options of the integer scoring functions. */
export interface IntegerPredictOptions {
  /**
   * `"auto"`: the WebAssembly integer kernels when the call does at least 2^13 multiply-adds
   * and the integer weights fit int16 (float32 or float64 inputs alike: they are quantized in
   * float64 as by the reference), the TypeScript reference otherwise; `"wasm"`: the kernels
   * whenever the weights fit int16; `"ts"`: the reference. The scores are the same bit for bit.
   * @default {"auto"}
   */
  backend?: PredictBackend;
  /**
   * Threads that share a call of the kernels (workers started and stopped within the call).
   * @default {1}
   */
  threads?: number;
}

/** Whether a call of `work` multiply-adds runs on the kernels (never with int32 weights). */
function runsOnKernels(backend: PredictBackend, int32: boolean, work: number): boolean {
  if (backend === "ts" || int32) return false;
  return backend !== "auto" || work >= PREDICT_WASM_MIN_WORK;
}

/** The kernels' form of an integer model, or `null` if its weights need int32. */
function kernelForm(m: IntegerModel, backend: PredictBackend, rows: number) {
  const w = m.weights;
  if (w instanceof Int32Array || !runsOnKernels(backend, false, rows * m.nFeatures * m.nOutputs)) {
    return null;
  }
  return { weights: w, bias: m.bias, rescale: m.rescale };
}

/**
 * Scores of already-quantized inputs (e.g. raw pixel bytes when the input scale is 1/255).
 *
 * @param m The integer model.
 * @param xq Input codes, `nSamples * nFeatures` row-major, of the model's input dtype.
 * @param nSamples Number of samples.
 * @param options Backend, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `m` is not an integer model, or the codes have the wrong type or length.
 * @throws {RangeError} If an option is out of range.
 */
export function integerScoresFromCodes(
  m: IntegerModel,
  xq: Uint8Array | Int8Array,
  nSamples: number,
  options: IntegerPredictOptions = {},
): Matrix<Float64Array> {
  const action = "compute integer scores";
  checkIntegerModel(action, m);
  const want = m.input.dtype === "uint8" ? Uint8Array : Int8Array;
  if (!Number.isInteger(nSamples) || nSamples < 0) {
    throw new TypeError(
      `Cannot compute integer scores: nSamples must be a non-negative integer, got ${nSamples}`,
    );
  }
  if (!(xq instanceof want) || xq.length !== nSamples * m.nFeatures) {
    throw new TypeError(
      `Cannot ${action}: codes must be ${typeWithArticle(want.name)} of ${
        counted(nSamples * m.nFeatures, "entry", { plural: "entries" })
      }`,
    );
  }
  checkOptionKeys(action, options, INTEGER_PREDICT_OPTION_KEYS);
  const backend = checkBackendOptions(action, options);
  const form = kernelForm(m, backend, nSamples);
  if (form !== null) {
    const scorer = oneShotScorers.integer(nSamples, form, { threads: options.threads });
    try {
      const data = scorer.scores({ data: xq, rows: nSamples, cols: m.nFeatures });
      return { data, rows: nSamples, cols: m.nOutputs };
    } finally {
      scorer.close();
    }
  }
  const out = new Float64Array(nSamples * m.nOutputs);
  integerScoresKernel(xq, nSamples, m.nFeatures, m.packedWeights, m.bias, m.rescale, out);
  return { data: out, rows: nSamples, cols: m.nOutputs };
}

/**
 * Integer-only decision scores for raw inputs (quantize inputs, accumulate in int32, rescale).
 *
 * @param m The integer model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity, or an option is out of range.
 */
export function integerDecisionFunction(
  m: IntegerModel,
  x: Matrix,
  options: IntegerPredictOptions = {},
): Matrix<Float64Array> {
  const action = "compute integer scores";
  checkIntegerInput(action, m, x);
  checkOptionKeys(action, options, INTEGER_PREDICT_OPTION_KEYS);
  const backend = checkBackendOptions(action, options);
  const form = kernelForm(m, backend, x.rows);
  if (form !== null) {
    const scorer = oneShotScorers.integer(x.rows, form, {
      threads: options.threads,
      input: {
        multiplier: m.inputMultiplier,
        offset: m.inputOffset,
        zeroPoint: m.input.zeroPoint,
        dtype: m.input.dtype,
      },
    }, action);
    try {
      return { data: scorer.scoresFromFloat(x), rows: x.rows, cols: m.nOutputs };
    } finally {
      scorer.close();
    }
  }
  return integerReferenceScores(m, x, action);
}

/**
 * {@linkcode integerDecisionFunction} on the TypeScript reference (the same scores, bit for bit,
 * as every backend): it never refers to the WebAssembly kernels, so a bundle that imports it
 * without `integerDecisionFunction` leaves them out (`lib/browser_lite.ts`).
 *
 * @param m The integer model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function integerReferenceDecisionFunction(m: IntegerModel, x: Matrix): Matrix<Float64Array> {
  const action = "compute integer scores";
  checkIntegerInput(action, m, x);
  return integerReferenceScores(m, x, action);
}

function checkIntegerInput(action: string, m: IntegerModel, x: Matrix): void {
  checkIntegerModel(action, m);
  assertMatrix(action, "x", x);
  assertWidth(action, "x", x, m.nFeatures);
}

function integerReferenceScores(m: IntegerModel, x: Matrix, action: string): Matrix<Float64Array> {
  const out = new Float64Array(x.rows * m.nOutputs);
  const [lo, hi] = m.input.dtype === "uint8" ? [0, 255] : [-128, 127];
  const bad = integerScoresFromFloatKernel(
    x.data,
    x.rows,
    x.cols,
    m.inputMultiplier,
    m.inputOffset,
    m.input.zeroPoint,
    lo,
    hi,
    m.packedWeights,
    m.bias,
    m.rescale,
    out,
  );
  if (bad > 0) assertFinite(action, "x", x.data, x.cols); // throws, naming the first one
  return { data: out, rows: x.rows, cols: m.nOutputs };
}

/**
 * Integer-only class predictions for raw inputs.
 *
 * @param m The integer model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Backend, threads.
 * @returns Class index per sample.
 * @throws {TypeError} If `x` does not have the model's number of features.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function integerPredict(
  m: IntegerModel,
  x: Matrix,
  options: IntegerPredictOptions = {},
): Int32Array {
  return classesFromScores(integerDecisionFunction(m, x, options), scoreCutoff(m));
}

const INTEGER_PREDICT_OPTION_KEYS: OptionKeys<IntegerPredictOptions> = {
  backend: true,
  threads: true,
};

/** The most bits of log2 weights integer inference takes: integer weights up to 2^14. */
const MAX_INTEGER_LOG2_BITS = 5;

function requireIntegerGrid(q: QuantizedModel, action: string): void {
  if (q.weights.kind !== "uniform" && q.weights.kind !== "log2") {
    throw new RangeError(
      `Cannot ${action}: integer-only inference needs uniform or log2 weights, these are ${q.weights.kind}` +
        " (codebook and float16 weights have no integer grid; dequantize them instead)",
    );
  }
  if (q.weights.kind === "log2" && q.weights.bits > MAX_INTEGER_LOG2_BITS) {
    throw new RangeError(
      `Cannot ${action}: integer-only inference takes log2 weights of at most ` +
        `${MAX_INTEGER_LOG2_BITS} bits (${q.weights.bits} bits span 2^-${
          log2MaxExponent(q.weights.bits)
        }, beyond int32 integer weights)`,
    );
  }
}

/** The greatest common divisor of two positive integers. */
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function checkX(q: QuantizedModel, x: Matrix, action: string): void {
  assertMatrix(action, "x", x);
  assertWidth(action, "x", x, q.weights.cols);
  assertFinite(action, "x", x.data, x.cols);
}

/**
 * `xq[j] - zx = round(x[j] * mul[j] + off[j])`: the raw input over the input scale (the
 * standardisation, when there is one, lives in the requantized weights and the bias).
 */
function inputTransform(q: QuantizedModel, sx: number): { mul: Float64Array; off: Float64Array } {
  const d = q.weights.cols;
  return { mul: new Float64Array(d).fill(1 / sx), off: new Float64Array(d) };
}
