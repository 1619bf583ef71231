/**
 * How a compressed model stores its preprocessing and float values. A standardised model carries
 * a mean and a scale per feature, 16 bytes per feature in float64: on a 64-feature model that is
 * more than a 4-bit model's weights. These transforms shrink it without changing what the model
 * computes in exact arithmetic (the float16 scale by a relative 2^-11 at most):
 * {@linkcode foldMeanIntoBias} moves the mean into the bias (after quantization, with the stored
 * weights), {@linkcode compactScale} rounds the scale to float16, and folding the whole
 * standardisation into the weights (`foldPreprocessing`) removes it. Stored in float32, a bias
 * that absorbs `sum w mean / scale` loses precision when a feature's mean dwarfs its spread (large
 * terms cancel), enough to change predictions for features such as 10^6 + N(0, 1); keeping the
 * preprocessing avoids that, and the pipeline's `"auto"` storage keeps it for a float stage whose
 * folded form changes a validation prediction, and for a quantized model more accurate so when a
 * mean dwarfs its spread ({@linkcode meanDwarfsSpread}).
 *
 * @module
 */

import { FLOAT32_MAX, FLOAT32_MIN_NORMAL } from "../core/matrix.ts";
import type { StoredModel } from "../io/quantized.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { assertFoldFinite, foldPreprocessing } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { dequantizeModel } from "../quant/model.ts";
import type { QuantizedBias, QuantizedModel } from "../quant/types.ts";
import { validateQuantizedModel } from "../quant/validate.ts";

/** Smallest and largest normal float16 numbers. */
const F16_MIN_NORMAL = 2 ** -14;
const F16_MAX = 65504;

/**
 * Rounds standardisation scales for compact storage: to float16 when every scale lies in
 * float16's normal range (relative rounding error at most 2^-11), else to float32 when every
 * scale lies in float32's, else not at all (float32 would round a scale to 0, a subnormal or
 * infinity).
 *
 * @param scale The scales, each finite and > 0.
 * @returns The rounded scales (a new array).
 *
 * @example Float16 when in range
 * ```ts
 * import { compactScale } from "./storage.ts";
 * import assert from "node:assert/strict";
 *
 * const s = compactScale(Float64Array.from([0.1, 4.5]));
 * assert.deepEqual([...s], [Math.f16round(0.1), 4.5]);
 * assert.equal(compactScale(Float64Array.from([1e-6]))[0], Math.fround(1e-6));
 * assert.equal(compactScale(Float64Array.from([1e-50]))[0], 1e-50);
 * ```
 */
export function compactScale(scale: Float64Array): Float64Array {
  let f16 = true, f32 = true;
  for (const s of scale) {
    if (!(s >= F16_MIN_NORMAL && s <= F16_MAX)) f16 = false;
    if (!(s >= FLOAT32_MIN_NORMAL && s <= FLOAT32_MAX)) f32 = false;
  }
  if (!f32) return scale.slice();
  const round = f16 ? Math.f16round : Math.fround;
  return scale.map((s) => round(s));
}

/**
 * Prepares a float model for quantization under a storage mode: `"fold"` folds the whole
 * standardisation into the weights and bias (preprocessing `none`), `"compact"` rounds the scales
 * with {@linkcode compactScale} (the mean is folded after quantization), `"keep"` changes
 * nothing. A model without standardisation is returned as it is.
 *
 * @param model The float model.
 * @param mode The storage mode.
 * @returns The prepared model: a new object, or `model` itself for `"keep"` and for a model
 *   without standardisation (`model` is not changed).
 * @throws {TypeError} If `model` is malformed.
 * @throws {RangeError} If `mode` is unknown, or folding overflows float64 (a weight over a scale
 *   near 0, a mean near the float64 limit).
 *
 * @example Folding removes the standardisation
 * ```ts
 * import { prepareStorage } from "./storage.ts";
 * import { fit } from "../model/fit.ts";
 * import { decisionFunction } from "../model/predict.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 10], [1, 30], [2, 10], [3, 30]]);
 * const { model } = fit(x, Int32Array.from([0, 0, 1, 1]));
 * const folded = prepareStorage(model, "fold");
 * assert.equal(folded.preprocessing.kind, "none");
 * const a = decisionFunction(model, x).data, b = decisionFunction(folded, x).data;
 * a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-9));
 * ```
 */
export function prepareStorage(
  model: LogisticModel,
  mode: "fold" | "compact" | "keep",
): LogisticModel {
  const action = "prepare model storage";
  validateModel(model, action);
  // Checked first: a model without standardisation returned before the check took any mode.
  if (mode !== "fold" && mode !== "compact" && mode !== "keep") {
    throw new RangeError(`Cannot ${action}: mode must be fold, compact or keep, got '${mode}'`);
  }
  const p = model.preprocessing;
  if (p.kind === "none" || mode === "keep") return model;
  if (mode === "compact") {
    return {
      ...model,
      preprocessing: { kind: "standardize", mean: p.mean, scale: compactScale(p.scale) },
    };
  }
  const { weights, bias } = foldPreprocessing(model);
  assertFoldFinite(action, { weights, bias }, ": store it with mode 'keep'");
  for (let i = 0; i < weights.length; i++) weights[i] += 0; // -0 -> 0
  return {
    ...model,
    weights: { data: weights, rows: model.weights.rows, cols: model.weights.cols },
    bias,
    preprocessing: { kind: "none" },
  };
}

/**
 * Folds a standardised model's mean into its bias: with `mean` set to 0 the model computes the
 * same scores, `b' = b - sum_j w_j * mean_j / scale_j` with the weights the model holds (the
 * dequantized ones for a quantized model, so the fold is exact for what the file stores). The
 * bias keeps its precision (float32 biases are rounded once more); a constant zero mean costs 3
 * bytes in a model file instead of 2 to 8 per feature.
 *
 * @param model A float or quantized model.
 * @returns The model with a zero mean (the same object when there is no standardisation or the
 *   mean is already zero).
 * @throws {TypeError} If the model is malformed.
 * @throws {RangeError} If a quantized model has an int32 bias or an input quantization (both
 *   depend on the centred inputs), or the folded bias is beyond the range of the bias's
 *   precision (float32 or float64).
 *
 * @example Same scores, zero mean
 * ```ts
 * import { foldMeanIntoBias } from "./storage.ts";
 * import { fit } from "../model/fit.ts";
 * import { decisionFunction } from "../model/predict.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 10], [1, 30], [2, 10], [3, 30]]);
 * const { model } = fit(x, Int32Array.from([0, 0, 1, 1]));
 * const folded = foldMeanIntoBias(model);
 * assert.ok(folded.preprocessing.kind === "standardize" && folded.preprocessing.mean.every((m) => m === 0));
 * const a = decisionFunction(model, x).data, b = decisionFunction(folded, x).data;
 * a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-9));
 * ```
 */
export function foldMeanIntoBias<T extends StoredModel>(model: T): T {
  const action = "fold mean into bias";
  // Checked before the early return: a malformed model was returned as it was (a negative scale
  // with a zero mean) or failed on a missing preprocessing with a bare property error.
  const quantized = typeof model === "object" && model !== null &&
    model.kind === "quantized-logistic-regression";
  if (quantized) validateQuantizedModel(model as QuantizedModel, action);
  else validateModel(model as LogisticModel, action);
  const p = model.preprocessing;
  if (p.kind === "none" || p.mean.every((m) => m === 0)) return model;
  const float = quantized ? dequantizeModel(model as QuantizedModel) : model as LogisticModel;
  const { rows: k, cols: d, data: w } = float.weights;
  const b = float.bias.slice();
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) shift += (w[c * d + j] / p.scale[j]) * p.mean[j];
    b[c] -= shift;
  }
  const preprocessing: Preprocessing = {
    kind: "standardize",
    mean: new Float64Array(d),
    scale: p.scale,
  };
  const q = model as QuantizedModel;
  if (quantized && (q.bias.kind === "int32" || q.input)) {
    throw new RangeError(
      `Cannot ${action}: the model's input quantization and int32 bias depend on centred inputs`,
    );
  }
  // A mean that dwarfs its spread can carry the bias beyond its precision's range, which
  // Float32Array.from would turn into an infinite bias without a word.
  const toFloat32 = quantized && q.bias.kind === "float32";
  for (let c = 0; c < k; c++) {
    if (!Number.isFinite(toFloat32 ? Math.fround(b[c]) : b[c])) {
      throw new RangeError(
        `Cannot ${action}: the folded bias ${b[c]} of output ${c} is beyond the ${
          toFloat32 ? "float32" : "float64"
        } range`,
      );
    }
  }
  if (!quantized) return { ...model, bias: b, preprocessing } as T;
  const bias: QuantizedBias = q.bias.kind === "float64"
    ? { kind: "float64", values: b }
    : { kind: "float32", values: Float32Array.from(b) };
  return { ...q, bias, preprocessing } as T;
}

/**
 * A float model as a compressed file stores it: weights and bias rounded to float32 (the
 * baseline's precision), and the preprocessing stored by `mode` (`"compact"`: rounded scale and
 * the mean folded into the bias).
 *
 * @param model The float model.
 * @param mode How to store the preprocessing.
 * @returns The model to encode; its file holds exactly these values.
 * @throws {TypeError} If `model` is malformed.
 * @throws {RangeError} If a weight is beyond the float32 range, or `mode` is unknown.
 */
export function storeFloatModel(
  model: LogisticModel,
  mode: "fold" | "compact" | "keep",
): LogisticModel {
  const prepared = prepareStorage(model, mode);
  const rounded: LogisticModel = {
    ...prepared,
    weights: { ...prepared.weights, data: toFloat32Values(prepared.weights.data) },
    bias: toFloat32Values(prepared.bias),
  };
  if (mode !== "compact") return rounded;
  const folded = foldMeanIntoBias(rounded);
  return { ...folded, bias: toFloat32Values(folded.bias) };
}

/** Float64 values rounded to float32 (`-0` becomes `+0`). */
function toFloat32Values(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]);
    if (!Number.isFinite(v)) {
      throw new RangeError(`Cannot store model: value ${values[i]} is beyond the float32 range`);
    }
    out[i] = v + 0;
  }
  return out;
}

/**
 * The stored quantized model under a storage mode: `"compact"` folds the mean into the bias, the
 * others leave it; without `keepRecipe` the informational recipe is dropped.
 *
 * @param q The quantized model (made from a model prepared with {@linkcode prepareStorage}).
 * @param mode The storage mode it was prepared with.
 * @param keepRecipe Whether to keep the recipe.
 * @returns The model to encode.
 */
export function storeQuantizedModel(
  q: QuantizedModel,
  mode: "fold" | "compact" | "keep",
  keepRecipe: boolean,
): QuantizedModel {
  const stored = mode === "compact" ? foldMeanIntoBias(q) : q;
  if (keepRecipe || stored.recipe === undefined) return stored;
  const { recipe: _dropped, ...rest } = stored;
  return rest;
}

/**
 * How a model stores its preprocessing, for reports.
 *
 * @param original The preprocessing the model was trained with.
 * @param mode The storage mode used.
 * @returns `"none"`, `"kept"`, `"compact"` or `"folded"`.
 */
export function storedPreprocessing(
  original: Preprocessing,
  mode: "fold" | "compact" | "keep",
): "none" | "kept" | "compact" | "folded" {
  if (original.kind === "none") return "none";
  return mode === "fold" ? "folded" : mode === "compact" ? "compact" : "kept";
}

/**
 * The ratio of a feature's mean to its spread above which the pipeline's `"auto"` storage also
 * makes a quantized model that keeps its preprocessing: 2^16. Folding the mean into a float32
 * bias rounds `w mean / scale` by 2^-24 of it, about 0.004 |w| at this ratio, growing with it.
 */
export const MEAN_SPREAD_RATIO = 2 ** 16;

/**
 * Whether some feature's mean is more than {@linkcode MEAN_SPREAD_RATIO} times its spread.
 *
 * @param p A model's preprocessing.
 * @returns True for such a standardisation.
 */
export function meanDwarfsSpread(p: Preprocessing): boolean {
  if (p.kind !== "standardize") return false;
  for (let j = 0; j < p.mean.length; j++) {
    if (Math.abs(p.mean[j]) > MEAN_SPREAD_RATIO * p.scale[j]) return true;
  }
  return false;
}
