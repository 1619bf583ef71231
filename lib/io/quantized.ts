/**
 * Quantized models as the model file stores them: integer codes with per-group scales and zero
 * points, per-group codebooks, power-of-two levels, or float16 bit patterns, plus a bias kept in
 * higher precision.
 *
 * These types follow, field for field, the plain-data contract of the quantization module
 * (`lib/quant/types.ts`, `QuantizedModel`), so a quantized model made there is a
 * {@linkcode StoredQuantizedModel} as it is; once that module is merged these declarations become
 * re-exports of it. The table of code ranges and values:
 *
 * | kind | codes | value of code `q` in group `g` |
 * | --- | --- | --- |
 * | `uniform` `symmetric`, b = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` |
 * | `uniform` `symmetric`, b >= 2 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array` / `Int16Array`) | `scale[g] * q` |
 * | `uniform` `affine`, b | `0 .. 2^b - 1` (`Uint8Array` / `Uint16Array`) | `scale[g] * (q - zeroPoint[g])` |
 * | `log2`, b = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` |
 * | `log2`, b in 2..8 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array`) | `0` for `q = 0`, else `sign(q) * scale[g] * 2^-(abs(q) - 1)` |
 * | `codebook` | `0 .. levels - 1` (`Uint8Array` / `Uint16Array`) | `codebook[g * levels + q]` |
 * | `float16` | bit patterns (`Uint16Array`) | the binary16 number |
 *
 * Groups: `"tensor"` one, `"class"` one per row (output), `"feature"` one per column.
 *
 * @module
 */

import type { Link, LogisticModel } from "../model/types.ts";
import { MODEL_VERSION, outputCount } from "../model/types.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { validateModel } from "../model/validate_model.ts";

/** Version of the {@linkcode StoredQuantizedModel} layout. */
export const QUANTIZED_MODEL_VERSION = 1;

/** Integer typed arrays that hold codes (the smallest that fits the code range). */
export type CodeArray = Int8Array | Uint8Array | Int16Array | Uint16Array;

/** Which weights share parameters: all, each row (class), or each column (feature). */
export type Granularity = "tensor" | "class" | "feature";

/** Shape and width common to every quantized tensor. */
export interface StoredTensorShape {
  /** Rows (`nOutputs`). */
  readonly rows: number;
  /** Columns (`nFeatures`). */
  readonly cols: number;
  /** Bits per code in the file. */
  readonly bits: number;
  /** How elements are grouped for their parameters. */
  readonly granularity: Granularity;
}

/** Uniform codes: `value = scale[g] * (code - zeroPoint[g])`. */
export interface StoredUniformTensor extends StoredTensorShape {
  readonly kind: "uniform";
  /** `"symmetric"` (signed codes, zero points 0) or `"affine"` (unsigned codes). */
  readonly scheme: "symmetric" | "affine";
  /** One code per element, row-major. */
  readonly codes: CodeArray;
  /** One positive finite scale per group. */
  readonly scale: Float32Array;
  /** One zero point per group (all 0 for symmetric). */
  readonly zeroPoint: Int32Array;
}

/** Power-of-two levels: `value = sign(q) * scale[g] * 2^-(|q| - 1)`, code 0 is 0. */
export interface StoredLog2Tensor extends StoredTensorShape {
  readonly kind: "log2";
  /** One signed code per element, row-major. */
  readonly codes: Int8Array;
  /** The largest magnitude per group, positive and finite. */
  readonly scale: Float32Array;
}

/** Weight sharing: `value = codebook[g * levels + code]`. */
export interface StoredCodebookTensor extends StoredTensorShape {
  readonly kind: "codebook";
  /** Entries per group, 2..65536. */
  readonly levels: number;
  /** One index per element, row-major. */
  readonly codes: Uint8Array | Uint16Array;
  /** `(nGroups, levels)` row-major, each group's entries strictly ascending and finite. */
  readonly codebook: Float32Array;
}

/** Half-precision bit patterns. */
export interface StoredFloat16Tensor extends StoredTensorShape {
  readonly kind: "float16";
  readonly bits: 16;
  readonly granularity: "tensor";
  /** One binary16 bit pattern per element, row-major. */
  readonly codes: Uint16Array;
}

/** Any quantized tensor. */
export type StoredTensor =
  | StoredUniformTensor
  | StoredLog2Tensor
  | StoredCodebookTensor
  | StoredFloat16Tensor;

/** The bias of a quantized model: floats, or int32 at the product scale (`values[c] * scale[c]`). */
export type StoredBias =
  | { readonly kind: "float32"; readonly values: Float32Array }
  | { readonly kind: "float64"; readonly values: Float64Array }
  | { readonly kind: "int32"; readonly values: Int32Array; readonly scale: Float64Array };

/** How integer inference quantizes inputs: `clamp(round(t / scale) + zeroPoint)`. */
export interface StoredInputQuantization {
  /** Code type of the inputs. */
  readonly dtype: "uint8" | "int8";
  /** Step of the input grid, positive and finite. */
  readonly scale: number;
  /** Code of 0.0, an integer in the dtype's range. */
  readonly zeroPoint: number;
  /** How the range was calibrated (free text). */
  readonly calibration: string;
}

/** Informational record of how a model was quantized (free-text fields). */
export interface StoredRecipe {
  readonly method?: string;
  readonly calibration?: string;
  readonly rounding?: string;
  readonly training?: string;
  readonly seed?: number;
}

/** A quantized logistic-regression model: float metadata, quantized weights, a bias. */
export interface StoredQuantizedModel {
  readonly kind: "quantized-logistic-regression";
  readonly version: typeof QUANTIZED_MODEL_VERSION;
  readonly link: Link;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly preprocessing: Preprocessing;
  /** Quantized weights, shape `(nOutputs, nFeatures)`. */
  readonly weights: StoredTensor;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: StoredBias;
  /** Pruning mask: where 0, the weight is 0 whatever its code. */
  readonly mask?: Uint8Array;
  /** Input quantization for integer inference. */
  readonly input?: StoredInputQuantization;
  /** How it was made. */
  readonly recipe?: StoredRecipe;
}

/** What a model file holds: a float model or a quantized one. */
export type StoredModel = LogisticModel | StoredQuantizedModel;

/** Number of parameter groups of a tensor. */
export function groupCount(t: StoredTensorShape): number {
  return t.granularity === "tensor" ? 1 : t.granularity === "class" ? t.rows : t.cols;
}

/** Group of element `i` (row-major) of a tensor with `cols` columns. */
export function groupOf(granularity: Granularity, i: number, cols: number): number {
  return granularity === "tensor" ? 0 : granularity === "class" ? Math.floor(i / cols) : i % cols;
}

/** The range of codes of a tensor (see the module table), `[min, max]`. */
export function codeRange(t: StoredTensor): [number, number] {
  switch (t.kind) {
    case "uniform":
      if (t.scheme === "affine") return [0, 2 ** t.bits - 1];
      return t.bits === 1 ? [-1, 1] : [-(2 ** (t.bits - 1) - 1), 2 ** (t.bits - 1) - 1];
    case "log2":
      return t.bits === 1 ? [-1, 1] : [-(2 ** (t.bits - 1) - 1), 2 ** (t.bits - 1) - 1];
    case "codebook":
      return [0, t.levels - 1];
    case "float16":
      return [0, 0xffff];
  }
}

/**
 * The unsigned bit field that stores a code: `code - min` of the range, except that 1-bit
 * `{-1, +1}` codes store `(code + 1) / 2`.
 */
export function codeToField(t: StoredTensor, code: number): number {
  if (t.bits === 1 && (t.kind === "log2" || (t.kind === "uniform" && t.scheme === "symmetric"))) {
    return (code + 1) / 2;
  }
  return code - codeRange(t)[0];
}

/** Inverse of {@linkcode codeToField}. */
export function fieldToCode(t: StoredTensor, field: number): number {
  if (t.bits === 1 && (t.kind === "log2" || (t.kind === "uniform" && t.scheme === "symmetric"))) {
    return 2 * field - 1;
  }
  return field + codeRange(t)[0];
}

/** Value of one code of group `g` (float64 arithmetic on the float32 parameters). */
export function codeValue(t: StoredTensor, code: number, g: number): number {
  switch (t.kind) {
    case "uniform":
      return t.scale[g] * (code - t.zeroPoint[g]);
    case "log2":
      if (t.bits === 1 || code === 0) return t.scale[g] * code;
      return Math.sign(code) * t.scale[g] * 2 ** -(Math.abs(code) - 1);
    case "codebook":
      return t.codebook[g * t.levels + code];
    case "float16": {
      const view = new DataView(new ArrayBuffer(2));
      view.setUint16(0, code, true);
      return view.getFloat16(0, true);
    }
  }
}

/**
 * The code of group `g` nearest to 0.0 (the lower on a tie): the code a decoder puts where the
 * file stores none.
 */
export function zeroCode(t: StoredTensor, g: number): number {
  switch (t.kind) {
    case "uniform":
      return t.scheme === "affine" ? t.zeroPoint[g] : t.bits === 1 ? -1 : 0;
    case "log2":
      return t.bits === 1 ? -1 : 0;
    case "float16":
      return 0;
    case "codebook": {
      let best = 0;
      for (let q = 1; q < t.levels; q++) {
        if (Math.abs(t.codebook[g * t.levels + q]) < Math.abs(t.codebook[g * t.levels + best])) {
          best = q;
        }
      }
      return best;
    }
  }
}

/**
 * The weights a quantized tensor stands for, masked weights set to 0.
 *
 * @param t The tensor.
 * @param mask Optional mask (0 = removed).
 * @returns Float64 weights, shape `(rows, cols)` row-major.
 */
export function dequantizeTensor(t: StoredTensor, mask?: Uint8Array): Float64Array {
  const n = t.rows * t.cols;
  const out = new Float64Array(n);
  if (t.kind === "float16") {
    const f = new Float16Array(t.codes.buffer, t.codes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = f[i];
  } else {
    for (let i = 0; i < n; i++) {
      out[i] = codeValue(t, t.codes[i], groupOf(t.granularity, i, t.cols));
    }
  }
  if (mask) { for (let i = 0; i < n; i++) if (mask[i] === 0) out[i] = 0; }
  return out;
}

/**
 * The bias values of a quantized model.
 *
 * @param b The stored bias.
 * @returns Float64 values, shape `(nOutputs)`.
 */
export function biasValues(b: StoredBias): Float64Array {
  if (b.kind === "int32") return Float64Array.from(b.values, (v, c) => v * b.scale[c]);
  return Float64Array.from(b.values);
}

/**
 * The float model a stored model stands for: a float model as it is, a quantized one with its
 * weights dequantized (masked weights 0) and its bias as float64.
 *
 * @param model A float or quantized model.
 * @returns A float model with the same predictions.
 * @throws {TypeError} If a quantized model is malformed.
 *
 * @example Dequantize a 2-bit model
 * ```ts
 * import { dequantizeModel, type StoredQuantizedModel } from "./quantized.ts";
 * import assert from "node:assert/strict";
 *
 * const q: StoredQuantizedModel = {
 *   kind: "quantized-logistic-regression", version: 1, link: "sigmoid",
 *   classes: ["no", "yes"], featureNames: ["a", "b", "c"], preprocessing: { kind: "none" },
 *   weights: {
 *     kind: "uniform", scheme: "symmetric", rows: 1, cols: 3, bits: 2, granularity: "tensor",
 *     codes: Int8Array.from([-1, 0, 1]), scale: Float32Array.of(0.5), zeroPoint: Int32Array.of(0),
 *   },
 *   bias: { kind: "float64", values: Float64Array.of(0.25) },
 * };
 * assert.deepEqual([...dequantizeModel(q).weights.data], [-0.5, 0, 0.5]);
 * ```
 */
export function dequantizeModel(model: StoredModel): LogisticModel {
  if (model.kind === "logistic-regression") return model;
  validateQuantizedModel(model, "dequantize model");
  const t = model.weights;
  return {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: model.link,
    weights: { data: dequantizeTensor(t, model.mask), rows: t.rows, cols: t.cols },
    bias: biasValues(model.bias),
    classes: [...model.classes],
    featureNames: [...model.featureNames],
    preprocessing: model.preprocessing,
    ...(model.mask ? { mask: model.mask.slice() } : {}),
  };
}

/**
 * Checks a quantized model: shapes, code types and ranges, parameters, bias, mask, input
 * quantization.
 *
 * @param model The model.
 * @param action What the caller was doing, for messages.
 * @throws {TypeError} For a missing field, a wrong array type or a wrong shape.
 * @throws {RangeError} For a code, bit width, scale, zero point or codebook entry out of range.
 */
export function validateQuantizedModel(model: StoredQuantizedModel, action: string): void {
  const type = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  const range = (reason: string): never => {
    throw new RangeError(`Cannot ${action}: ${reason}`);
  };
  if (model.version !== QUANTIZED_MODEL_VERSION) {
    type(`version must be ${QUANTIZED_MODEL_VERSION}, got ${model.version}`);
  }
  const t = model.weights;
  if (typeof t !== "object" || t === null) type("weights are missing");
  const nOut = outputCount(model.link, model.classes?.length ?? 0);
  if (t.rows !== nOut || !Number.isInteger(t.cols) || t.cols < 1) {
    type(`weights must be ${nOut} x nFeatures, got ${t.rows} x ${t.cols}`);
  }
  const n = t.rows * t.cols;
  if (!["tensor", "class", "feature"].includes(t.granularity)) {
    type(`unknown granularity '${t.granularity}'`);
  }
  const maxBits = t.kind === "log2" ? 8 : 16;
  if (!Number.isInteger(t.bits) || t.bits < 1 || t.bits > maxBits) {
    range(`bits must be an integer in 1..${maxBits}, got ${t.bits}`);
  }
  const groups = groupCount(t);
  const expectArray = (name: string, v: unknown, ctor: { name: string }[], len: number) => {
    if (!ctor.some((c) => (v as object)?.constructor?.name === c.name)) {
      type(`${name} must be a ${ctor.map((c) => c.name).join(" or ")}`);
    }
    if ((v as ArrayLike<number>).length !== len) {
      type(`${name} must have ${len} entries, got ${(v as ArrayLike<number>).length}`);
    }
  };
  const positiveFinite = (name: string, a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) {
      if (!(a[i] > 0 && a[i] < Infinity)) range(`${name}[${i}] is ${a[i]}, not positive finite`);
    }
  };
  switch (t.kind) {
    case "uniform": {
      if (t.scheme !== "symmetric" && t.scheme !== "affine") type(`unknown scheme '${t.scheme}'`);
      const small = t.bits <= 8;
      const ctor = t.scheme === "symmetric"
        ? (small ? Int8Array : Int16Array)
        : (small ? Uint8Array : Uint16Array);
      expectArray("weights.codes", t.codes, [ctor], n);
      expectArray("weights.scale", t.scale, [Float32Array], groups);
      expectArray("weights.zeroPoint", t.zeroPoint, [Int32Array], groups);
      positiveFinite("weights.scale", t.scale);
      const [lo, hi] = codeRange(t);
      for (let g = 0; g < groups; g++) {
        const z = t.zeroPoint[g];
        if (t.scheme === "symmetric" ? z !== 0 : z < lo || z > hi) {
          range(`weights.zeroPoint[${g}] is ${z}, outside the allowed ${lo}..${hi}`);
        }
      }
      break;
    }
    case "log2":
      expectArray("weights.codes", t.codes, [Int8Array], n);
      expectArray("weights.scale", t.scale, [Float32Array], groups);
      positiveFinite("weights.scale", t.scale);
      break;
    case "codebook": {
      if (!Number.isInteger(t.levels) || t.levels < 2 || t.levels > 65536) {
        range(`levels must be an integer in 2..65536, got ${t.levels}`);
      }
      const bits = Math.max(1, Math.ceil(Math.log2(t.levels)));
      if (t.bits !== bits) {
        range(`a codebook of ${t.levels} levels has ${bits} bits, not ${t.bits}`);
      }
      expectArray("weights.codes", t.codes, [t.levels <= 256 ? Uint8Array : Uint16Array], n);
      expectArray("weights.codebook", t.codebook, [Float32Array], groups * t.levels);
      for (let g = 0; g < groups; g++) {
        for (let q = 0; q < t.levels; q++) {
          const v = t.codebook[g * t.levels + q];
          if (!Number.isFinite(v)) range(`codebook entry ${q} of group ${g} is ${v}`);
          if (q > 0 && !(v > t.codebook[g * t.levels + q - 1])) {
            range(`codebook of group ${g} is not strictly ascending at entry ${q}`);
          }
        }
      }
      break;
    }
    case "float16":
      if (t.bits !== 16 || t.granularity !== "tensor") {
        type("a float16 tensor has 16 bits and granularity 'tensor'");
      }
      expectArray("weights.codes", t.codes, [Uint16Array], n);
      for (let i = 0; i < n; i++) {
        if ((t.codes[i] & 0x7c00) === 0x7c00) range(`float16 weight ${i} is not finite`);
      }
      break;
    default:
      type(`unknown tensor kind '${(t as { kind: unknown }).kind}'`);
  }
  if (t.kind !== "float16") {
    const [lo, hi] = codeRange(t);
    const oneBit = t.bits === 1 && t.kind !== "codebook" &&
      (t.kind === "log2" || t.scheme === "symmetric");
    for (let i = 0; i < n; i++) {
      const q = t.codes[i];
      if (q < lo || q > hi || (oneBit && q === 0)) {
        range(`code ${q} of weight ${i} is outside the ${t.bits}-bit ${t.kind} range`);
      }
    }
  }
  const b = model.bias;
  if (typeof b !== "object" || b === null) type("bias is missing");
  if (b.kind === "int32") {
    expectArray("bias.values", b.values, [Int32Array], nOut);
    expectArray("bias.scale", b.scale, [Float64Array], nOut);
    positiveFinite("bias.scale", b.scale);
  } else if (b.kind === "float32" || b.kind === "float64") {
    expectArray(
      "bias.values",
      b.values,
      [b.kind === "float32" ? Float32Array : Float64Array],
      nOut,
    );
    for (let c = 0; c < nOut; c++) {
      if (!Number.isFinite(b.values[c])) range(`bias[${c}] is ${b.values[c]}`);
    }
  } else {
    type(`unknown bias kind '${(b as { kind: unknown }).kind}'`);
  }
  const inp = model.input;
  if (inp !== undefined) {
    if (inp.dtype !== "uint8" && inp.dtype !== "int8") type(`unknown input dtype '${inp.dtype}'`);
    if (!(inp.scale > 0 && inp.scale < Infinity)) range(`input.scale is ${inp.scale}`);
    const [lo, hi] = inp.dtype === "uint8" ? [0, 255] : [-128, 127];
    if (!Number.isInteger(inp.zeroPoint) || inp.zeroPoint < lo || inp.zeroPoint > hi) {
      range(`input.zeroPoint is ${inp.zeroPoint}, outside ${lo}..${hi}`);
    }
    if (typeof inp.calibration !== "string") type("input.calibration must be a string");
  }
  // Everything else (classes, names, preprocessing, mask) as for a float model.
  validateModel({
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: model.link,
    weights: { data: new Float64Array(n), rows: t.rows, cols: t.cols },
    bias: new Float64Array(nOut),
    classes: model.classes,
    featureNames: model.featureNames,
    preprocessing: model.preprocessing,
    ...(model.mask !== undefined ? { mask: model.mask } : {}),
  }, action);
}
