/**
 * Post-training quantization of a whole model, its dequantized float twin, and its size.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { type LogisticModel, MODEL_VERSION } from "../model/types.ts";
import { thresholdOf } from "../model/decision_threshold.ts";
import { validateModel } from "../model/validate_model.ts";
import { dequantizeInto } from "./dequantize.ts";
import { groupCount } from "./grid.ts";
import {
  type Calibration,
  methodOptionHint,
  type QuantizationMethod,
  quantizeTensor,
  type ResolvedMethod,
  resolveMethod,
} from "./quantize.ts";
import {
  type QuantizationRecipe,
  QUANTIZED_MODEL_VERSION,
  type QuantizedBias,
  type QuantizedModel,
} from "./types.ts";
import { validateQuantizedModel } from "./validate.ts";

/** Options for {@linkcode quantizeModel}. */
export interface QuantizeModelOptions {
  /**
   * The method and its settings.
   * @default {{ kind: "uniform" }} (8-bit symmetric per class, MSE calibration)
   */
  method?: QuantizationMethod;
  /**
   * Precision of the bias (an int32 bias at the product scale comes with input calibration,
   * `calibrateInput`).
   * @default {"float32"}
   */
  bias?: "float32" | "float64";
  /**
   * What to record as the training in the recipe.
   * @default {"ptq"}
   */
  training?: string;
}

const ACTION = "quantize model";

/**
 * Post-training quantization: quantizes a model's weights (the pruned ones, if any, take no part
 * in calibration and stay exactly 0) and keeps its bias in float.
 *
 * @param model The float model.
 * @param options Method and bias precision.
 * @returns The quantized model.
 * @throws {TypeError} If `model` is not a well-formed model, `training` is not a string, or a
 *   seed of the method is not a finite number (see `resolveMethod`).
 * @throws {RangeError} For bad method settings (see `resolveMethod`), weights k-means or
 *   float16 cannot represent, or a bias beyond the float32 range with `bias: "float32"`.
 *
 * @example 4-bit per-class quantization of a digits model
 * ```ts
 * import { quantizeModel, dequantizeModel, quantizedSize } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { predict } from "../model/predict.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import { accuracy } from "../metrics/metrics.ts";
 * import assert from "node:assert/strict";
 *
 * const { x, y, classes } = await loadEmbedded("digits");
 * const { model } = fit(x, y, { classes, optimizer: { kind: "lbfgs", maxIterations: 50 } });
 * const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
 * const drop = accuracy(y, predict(model, x)) - accuracy(y, predict(dequantizeModel(q), x));
 * assert.ok(drop < 0.02);
 * assert.equal(quantizedSize(q).codeBytes, 640 * 4 / 8);
 * ```
 */
export function quantizeModel(
  model: LogisticModel,
  options: QuantizeModelOptions = {},
): QuantizedModel {
  validateModel(model, ACTION);
  checkOptionKeys(
    ACTION,
    options,
    {
      method: true,
      bias: true,
      training: true,
    } satisfies OptionKeys<QuantizeModelOptions>,
    "options",
    methodOptionHint(options),
  );
  const method = resolveMethod(options.method, ACTION);
  const biasKind = options.bias ?? "float32";
  if (biasKind !== "float32" && biasKind !== "float64") {
    throw new RangeError(`Cannot ${ACTION}: bias must be float32 or float64, got ${biasKind}`);
  }
  const training = options.training ?? "ptq";
  if (typeof training !== "string") {
    // The recipe keeps it, and a recipe field that is not a string makes the model invalid.
    throw new TypeError(`Cannot ${ACTION}: training must be a string, got ${describe(training)}`);
  }
  const weights = quantizeTensor(model.weights, { method, mask: model.mask });
  // -0 becomes 0 (here and in the preprocessing's mean), so the JSON form (which writes -0 as 0)
  // round-trips exactly.
  const bias: QuantizedBias = biasKind === "float32"
    ? { kind: "float32", values: Float32Array.from(model.bias, (v) => v + 0) }
    : { kind: "float64", values: Float64Array.from(model.bias, (v) => v + 0) };
  // A float32 bias past its range is Infinity, which the quantized model's own checks refuse.
  bias.values.forEach((v, c) => {
    if (!Number.isFinite(v)) {
      throw new RangeError(
        `Cannot ${ACTION}: bias[${c}] is ${model.bias[c]}, beyond the float32 range; use ` +
          `bias: "float64"`,
      );
    }
  });
  return {
    kind: "quantized-logistic-regression",
    version: QUANTIZED_MODEL_VERSION,
    link: model.link,
    classes: [...model.classes],
    featureNames: [...model.featureNames],
    preprocessing: withoutNegativeZero(model.preprocessing),
    weights,
    bias,
    ...(model.mask ? { mask: model.mask.slice() } : {}),
    recipe: recipeOf(method, training),
    ...thresholdOf(model),
  };
}

/** The preprocessing with each `-0` mean as `0` (JSON has no -0); itself when it has none. */
function withoutNegativeZero(p: Preprocessing): Preprocessing {
  if (p.kind !== "standardize" || !p.mean.some((m) => Object.is(m, -0))) return p;
  return { ...p, mean: p.mean.map((m) => m + 0) };
}

/**
 * The recipe recorded for a method.
 *
 * @param method A resolved method.
 * @param training `"ptq"`, `"qat"`, ...
 * @returns The recipe.
 */
export function recipeOf(method: ResolvedMethod, training: string): QuantizationRecipe {
  switch (method.kind) {
    case "uniform":
      return {
        method: `uniform-${method.scheme}`,
        calibration: calibrationName(method.calibration),
        rounding: method.rounding.kind,
        training,
        ...(method.rounding.kind === "stochastic" ? { seed: method.rounding.seed ?? 0 } : {}),
      };
    case "log2":
      return {
        method: "log2",
        calibration: calibrationName(method.calibration),
        rounding: method.rounding.kind,
        training,
        ...(method.rounding.kind === "stochastic" ? { seed: method.rounding.seed ?? 0 } : {}),
      };
    case "kmeans":
      return {
        method: "kmeans",
        calibration: method.init,
        rounding: "nearest",
        training,
        seed: method.seed,
      };
    case "float16":
      return { method: "float16", rounding: "nearest-even", training };
  }
}

/**
 * A short name of a calibration, e.g. `"percentile 99.9"`.
 *
 * @param c The calibration.
 * @returns Its name.
 */
export function calibrationName(c: Calibration): string {
  return c.kind === "percentile" ? `percentile ${c.percentile}` : c.kind;
}

/**
 * A one-line description of a method, e.g. `"uniform symmetric 4-bit per class (mse)"`.
 *
 * @param method The method.
 * @returns The description.
 */
export function describeMethod(method: QuantizationMethod): string {
  const m = resolveMethod(method, "describe method");
  const per = (g: string) => (g === "tensor" ? "per tensor" : `per ${g}`);
  switch (m.kind) {
    case "uniform":
      return `uniform ${m.scheme} ${m.bits}-bit ${per(m.granularity)} (${
        calibrationName(m.calibration)
      }${m.rounding.kind === "stochastic" ? ", stochastic rounding" : ""})`;
    case "log2":
      return `log2 ${m.bits}-bit ${per(m.granularity)} (${calibrationName(m.calibration)}${
        m.rounding.kind === "stochastic" ? ", stochastic rounding" : ""
      })`;
    case "kmeans":
      return `k-means ${m.levels} levels ${per(m.granularity)} (${m.init})`;
    case "float16":
      return "float16";
  }
}

/**
 * The float model a quantized model stands for: dequantized weights (masked ones exactly 0),
 * the bias value, the same metadata. Integer-only inference is compared against it.
 *
 * @param q The quantized model.
 * @returns A plain {@linkcode LogisticModel}.
 * @throws {TypeError} If `q` is not a well-formed quantized model.
 */
export function dequantizeModel(q: QuantizedModel): LogisticModel {
  validateQuantizedModel(q, "dequantize model");
  const { rows, cols } = q.weights;
  const w = new Float64Array(rows * cols);
  dequantizeInto(q.weights, w);
  if (q.mask) { for (let i = 0; i < w.length; i++) if (q.mask[i] === 0) w[i] = 0; }
  for (let i = 0; i < w.length; i++) w[i] += 0; // -0 -> 0
  return {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: q.link,
    weights: { data: w, rows, cols },
    bias: biasValues(q.bias),
    classes: [...q.classes],
    featureNames: [...q.featureNames],
    preprocessing: q.preprocessing,
    ...(q.mask ? { mask: q.mask.slice() } : {}),
    ...thresholdOf(q),
  };
}

/**
 * The bias values of a quantized bias, in float64.
 *
 * @param b The bias.
 * @returns `values` (float) or `values * scale` (int32).
 */
export function biasValues(b: QuantizedBias): Float64Array {
  if (b.kind === "int32") return Float64Array.from(b.values, (v, c) => v * b.scale[c]);
  return Float64Array.from(b.values);
}

/** Storage of a quantized model, in bytes, as a compact file would need it. */
export interface QuantizedSize {
  /** Number of weights. */
  readonly weights: number;
  /** Bits per weight code. */
  readonly bitsPerWeight: number;
  /** Bit-packed codes: `ceil(weights * bitsPerWeight / 8)`. */
  readonly codeBytes: number;
  /**
   * Quantization parameters: float32 scales (4 bytes per group), affine zero points (at the
   * code width, 1 or 2 bytes per group), float32 codebooks (4 bytes per entry).
   */
  readonly parameterBytes: number;
  /** `codeBytes + parameterBytes`: what the weights cost. */
  readonly weightBytes: number;
  /** Precision of the bias. */
  readonly bias: QuantizedBias["kind"];
  /** Bias: 4 bytes per output (float32, int32) or 8 (float64). */
  readonly biasBytes: number;
  /** A pruning mask as a bitmap, `ceil(weights / 8)`, or 0 when dense. */
  readonly maskBytes: number;
  /** Input quantization (float32 scale, 1-byte zero point), or 0 when not calibrated. */
  readonly inputBytes: number;
  /** Everything above. */
  readonly totalBytes: number;
  /** The same weights dense in float32, for comparison: `4 * weights`. */
  readonly float32WeightBytes: number;
  /** `float32WeightBytes / weightBytes`. */
  readonly compression: number;
}

/**
 * What a quantized model costs to store. Metadata (class and feature names, preprocessing) is
 * left out: it is the same for every precision.
 *
 * @param q The quantized model.
 * @returns Bytes of codes, parameters, bias, mask.
 * @throws {TypeError} If `q` is not a well-formed quantized model.
 */
export function quantizedSize(q: QuantizedModel): QuantizedSize {
  validateQuantizedModel(q, "measure model size");
  const t = q.weights;
  const n = t.rows * t.cols;
  const groups = groupCount(t.granularity, t.rows, t.cols);
  const codeBytes = Math.ceil((n * t.bits) / 8);
  let parameterBytes = 0;
  switch (t.kind) {
    case "uniform":
      parameterBytes = 4 * groups + (t.scheme === "affine" ? groups * (t.bits <= 8 ? 1 : 2) : 0);
      break;
    case "log2":
      parameterBytes = 4 * groups;
      break;
    case "codebook":
      parameterBytes = 4 * t.codebook.length;
      break;
    case "float16":
      parameterBytes = 0;
  }
  const weightBytes = codeBytes + parameterBytes;
  const biasBytes = q.bias.values.length * (q.bias.kind === "float64" ? 8 : 4);
  const maskBytes = q.mask ? Math.ceil(n / 8) : 0;
  const inputBytes = q.input ? 5 : 0;
  return {
    weights: n,
    bitsPerWeight: t.bits,
    codeBytes,
    parameterBytes,
    weightBytes,
    bias: q.bias.kind,
    biasBytes,
    maskBytes,
    inputBytes,
    totalBytes: weightBytes + biasBytes + maskBytes + inputBytes,
    float32WeightBytes: 4 * n,
    compression: (4 * n) / weightBytes,
  };
}
