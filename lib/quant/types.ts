/**
 * Plain-data types of quantized tensors and quantized models. These are the contract between
 * quantization (`lib/quant/`), the binary model file format and ONNX export: they hold typed
 * arrays and numbers only, so they serialise without ceremony.
 *
 * Stability: after the first commit these types only grow (new optional fields, new union
 * members); existing fields keep their names, types and meaning.
 *
 * ## Conventions shared by every tensor
 *
 * - A quantized tensor stands for a float matrix of shape `(rows, cols)` = `(nOutputs,
 *   nFeatures)`, row-major like {@linkcode Matrix}: element `(i, j)` has code `codes[i * cols +
 *   j]`.
 * - Codes live UNPACKED, one per element, in the smallest integer typed array that holds their
 *   range (see {@linkcode CodeArray}); JavaScript has no sub-byte arrays. The number of bits that
 *   a file or a size report charges per code is the tensor's `bits`, i.e. codes are bit-packed
 *   there (`ceil(rows * cols * bits / 8)` bytes).
 * - Parameters are given per group. {@linkcode Granularity} fixes the groups: `"tensor"` one group,
 *   `"class"` one group per row (group of `(i, j)` is `i`), `"feature"` one group per column
 *   (group of `(i, j)` is `j`).
 * - Scales are `Float32Array`s and every other float parameter (codebooks) too: a float32 file
 *   field or an ONNX `float` initializer stores them exactly, and dequantization computes in
 *   float64 from these float32 values.
 * - `dequantize` is the exact inverse of the code mapping: each code maps to exactly one value,
 *   and quantizing that value gives the code back.
 *
 * ## How each kind maps a code `q` of group `g` to a value
 *
 * | kind | code range (typed array) | value |
 * | --- | --- | --- |
 * | `uniform`, `symmetric`, bits = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` (sign times scale) |
 * | `uniform`, `symmetric`, bits b >= 2 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array` b <= 8, `Int16Array` b <= 16) | `scale[g] * q`; b = 2 is ternary `{-s, 0, s}` |
 * | `uniform`, `affine`, bits b | `0 .. 2^b - 1` (`Uint8Array` b <= 8, `Uint16Array` b <= 16) | `scale[g] * (q - zeroPoint[g])` |
 * | `log2`, bits = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` |
 * | `log2`, bits b in 2..8 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array`) | `0` for `q = 0`, else `sign(q) * scale[g] * 2^-(abs(q) - 1)` |
 * | `codebook` | `0 .. levels - 1` (`Uint8Array` levels <= 256, `Uint16Array` <= 65536) | `codebook[g * levels + q]` |
 * | `float16` | any 16-bit pattern (`Uint16Array`) | the IEEE 754 binary16 number with that bit pattern |
 *
 * Symmetric codes use the restricted range (no `-2^(b-1)`), so the grid is symmetric about 0,
 * `0` is always a level for b >= 2, and `q -> -q` negates the value. The affine zero point is an
 * integer inside the code range, so `0.0` is always exactly representable by an affine tensor.
 *
 * @module
 */

import type { Link } from "../model/types.ts";
import type { Preprocessing } from "../data/preprocess.ts";

/** Version of the {@linkcode QuantizedModel} data layout; bumped on incompatible changes. */
export const QUANTIZED_MODEL_VERSION = 1;

/** The smallest and largest bit width of a quantized tensor. */
export const MIN_BITS = 1;
/** The largest bit width of a quantized tensor (codes fit 16-bit typed arrays). */
export const MAX_BITS = 16;
/** The largest bit width of a {@linkcode Log2QuantizedTensor} (its smallest level is `2^-126`). */
export const MAX_LOG2_BITS = 8;

/**
 * Integer typed arrays that hold codes. Which one a tensor uses is fixed by its kind and bits
 * (see the table in the module documentation): always the smallest that holds the code range.
 */
export type CodeArray = Int8Array | Uint8Array | Int16Array | Uint16Array;

/**
 * Which elements share quantization parameters: `"tensor"` all of them (1 group), `"class"` each
 * row, i.e. each output's weights (`rows` groups), `"feature"` each column (`cols` groups).
 * For a sigmoid model (one row) `"class"` and `"tensor"` coincide.
 */
export type Granularity = "tensor" | "class" | "feature";

/** Uniform grid symmetric about zero (`zeroPoint` all 0) or affine with an integer zero point. */
export type UniformScheme = "symmetric" | "affine";

/** Fields every quantized tensor has. */
export interface QuantizedTensorShape {
  /** Number of rows (`nOutputs` for model weights). */
  readonly rows: number;
  /** Number of columns (`nFeatures` for model weights). */
  readonly cols: number;
  /**
   * Bits charged per code: the uniform/log2 bit width, `ceil(log2(levels))` for a codebook
   * (at least 1), 16 for float16.
   */
  readonly bits: number;
  /** How elements are grouped for their parameters (`"tensor"` for float16). */
  readonly granularity: Granularity;
}

/**
 * Uniform quantization: `value = scale[g] * (code - zeroPoint[g])` on a grid of `2^bits` codes
 * (`2^bits - 1` for symmetric with bits >= 2, 2 for symmetric 1-bit). Maps directly to ONNX
 * `DequantizeLinear` (per-tensor, or per-axis with axis 0 for `"class"`, 1 for `"feature"`)
 * for bits <= 8.
 */
export interface UniformQuantizedTensor extends QuantizedTensorShape {
  /** The tag of this kind. */
  readonly kind: "uniform";
  /** `"symmetric"`: signed codes, zero point 0; `"affine"`: unsigned codes and a zero point. */
  readonly scheme: UniformScheme;
  /**
   * One code per element, row-major: `Int8Array`/`Int16Array` for symmetric,
   * `Uint8Array`/`Uint16Array` for affine (8 bits or fewer / more than 8 bits).
   */
  readonly codes: CodeArray;
  /** Step between adjacent levels, one per group, each finite and > 0. */
  readonly scale: Float32Array;
  /**
   * The code that stands for 0.0, one per group: an integer in the code range for affine,
   * 0 for symmetric.
   */
  readonly zeroPoint: Int32Array;
}

/**
 * Logarithmic (power-of-two) levels: the magnitude of a non-zero code `q` encodes the exponent
 * `e = abs(q) - 1` in `0 .. 2^(bits-1) - 2`, and `value = sign(q) * scale[g] * 2^-e`; code 0 is
 * 0.0 (bits >= 2). So multiplying an input by a weight is a right shift by `e` of the input
 * times `scale[g]`; an integer kernel uses the integer weight `sign(q) * 2^(E - e)` with
 * `E = 2^(bits-1) - 2` (a left shift by `E - e`) and rescales by `scale[g] * 2^-E` once per
 * output. bits = 1 is sign times scale, as for uniform symmetric.
 */
export interface Log2QuantizedTensor extends QuantizedTensorShape {
  /** The tag of this kind. */
  readonly kind: "log2";
  /** One signed code per element, row-major (`Int8Array`, bits <= 8). */
  readonly codes: Int8Array;
  /** The largest magnitude (exponent 0), one per group, each finite and > 0. */
  readonly scale: Float32Array;
}

/**
 * Weight sharing: each code indexes a per-group table of `levels` float values (k-means
 * centroids, Deep Compression). Maps to an ONNX `Gather` from the codebook.
 */
export interface CodebookQuantizedTensor extends QuantizedTensorShape {
  /** The tag of this kind. */
  readonly kind: "codebook";
  /** Number of entries of each group's codebook, 2 .. 65536. */
  readonly levels: number;
  /** One index per element, row-major (`Uint8Array` levels <= 256, else `Uint16Array`). */
  readonly codes: Uint8Array | Uint16Array;
  /**
   * Shape `(nGroups, levels)` row-major: group `g`'s entries are
   * `codebook[g * levels .. (g + 1) * levels - 1]`, strictly ascending (distinct, so each
   * value has one code), finite.
   */
  readonly codebook: Float32Array;
}

/**
 * Half-precision storage: each code is an IEEE 754 binary16 bit pattern (sign bit 15, 5
 * exponent bits 14..10 with bias 15, 10 fraction bits), obtained from the float64 weight by
 * round-to-nearest-even. Weights beyond the half range (|w| >= 65520) are an error, never
 * infinity. Maps to ONNX `float16` tensors.
 */
export interface Float16Tensor extends QuantizedTensorShape {
  /** The tag of this kind. */
  readonly kind: "float16";
  /** Always 16. */
  readonly bits: 16;
  /** Always `"tensor"`. */
  readonly granularity: "tensor";
  /** One bit pattern per element, row-major. */
  readonly codes: Uint16Array;
}

/** Any quantized tensor; switch on `kind`. */
export type QuantizedTensor =
  | UniformQuantizedTensor
  | Log2QuantizedTensor
  | CodebookQuantizedTensor
  | Float16Tensor;

/** The kinds of {@linkcode QuantizedTensor}. */
export type QuantizedTensorKind = QuantizedTensor["kind"];

/**
 * The bias, kept in higher precision than the weights:
 * - `"float32"` / `"float64"`: the bias values as floats;
 * - `"int32"`: integers at the product scale, `value[c] = values[c] * scale[c]`, where
 *   `scale[c]` is the scale of output `c`'s integer accumulator: the input scale times the
 *   weight scale of row `c` (times `2^-E` for log2; for `"feature"` granularity or a standardised
 *   model, the common scale of row `c`'s requantized weights, see `lib/quant/integer.ts`). See
 *   {@linkcode InputQuantization}. Only present together with `input`, since the product scale
 *   needs the input scale.
 */
export type QuantizedBias =
  | { readonly kind: "float32"; readonly values: Float32Array }
  | { readonly kind: "float64"; readonly values: Float64Array }
  | { readonly kind: "int32"; readonly values: Int32Array; readonly scale: Float64Array };

/**
 * How integer-only inference turns float inputs into 8-bit codes:
 * `xq[j] = clamp(round(t[j] / scale) + zeroPoint)` into `0..255` (`"uint8"`) or `-128..127`
 * (`"int8"`), where `t[j]` is the raw input `x[j]` (a model's standardisation and per-feature
 * weight scales go into requantized integer weights and the bias, not into the inputs; see
 * `lib/quant/integer.ts`).
 */
export interface InputQuantization {
  /** Code type of the inputs. */
  readonly dtype: "uint8" | "int8";
  /** Step of the input grid, finite and > 0 (float32-exact). */
  readonly scale: number;
  /** Code of 0.0: an integer in the dtype's range. */
  readonly zeroPoint: number;
  /** How `scale` and `zeroPoint` were calibrated, e.g. `"minmax"` or `"percentile 99.99"`. */
  readonly calibration: string;
}

/**
 * How a quantized model was made; informational (reports, files), not needed to dequantize.
 * Every field optional so that new producers can fill what applies.
 */
export interface QuantizationRecipe {
  /** E.g. `"uniform-symmetric"`, `"uniform-affine"`, `"log2"`, `"kmeans"`, `"float16"`. */
  readonly method?: string;
  /** E.g. `"minmax"`, `"percentile 99.9"`, `"mse"`, `"kmeans++"`, `"linear"`. */
  readonly calibration?: string;
  /** `"nearest"` or `"stochastic"`. */
  readonly rounding?: string;
  /** `"ptq"`, `"qat"` (fake quantization + straight-through estimator), `"trained-codebook"`. */
  readonly training?: string;
  /** Seed of any random step. */
  readonly seed?: number;
}

/**
 * A quantized logistic-regression model: the float model's metadata, quantized weights and a
 * higher-precision bias. Scores on raw inputs are `W · preprocess(x) + b` with `W` =
 * `dequantize(weights)` (and masked weights exactly 0) and `b` the bias value.
 */
export interface QuantizedModel {
  /** Tag of the data layout. */
  readonly kind: "quantized-logistic-regression";
  /** {@linkcode QUANTIZED_MODEL_VERSION} at the time the model was made. */
  readonly version: typeof QUANTIZED_MODEL_VERSION;
  /** The link function, as in the float model. */
  readonly link: Link;
  /** Class labels, as in the float model. */
  readonly classes: readonly string[];
  /** Feature names, as in the float model. */
  readonly featureNames: readonly string[];
  /** Preprocessing of raw inputs, as in the float model (kept in float64). */
  readonly preprocessing: Preprocessing;
  /** Quantized weights, shape `(nOutputs, nFeatures)`. */
  readonly weights: QuantizedTensor;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: QuantizedBias;
  /**
   * Pruning mask of the float model, shape `(nOutputs * nFeatures)`: where it is 0 the weight is
   * exactly 0 whatever its code (the code is then the one closest to 0). Absent when dense.
   */
  readonly mask?: Uint8Array;
  /** Calibrated input quantization for integer-only inference; absent until calibrated. */
  readonly input?: InputQuantization;
  /** How the model was made (informational). */
  readonly recipe?: QuantizationRecipe;
  /**
   * Decision threshold of a binary model, as `LogisticModel.threshold`: a row is labelled
   * `classes[1]` iff its score `s > logit(threshold)`. Absent: 0.5 (`s > 0`).
   */
  readonly threshold?: number;
}
