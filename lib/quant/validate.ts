/**
 * Structural checks of quantized tensors and models: the right typed arrays (the smallest that
 * fit), shapes, code ranges, finite positive scales, strictly ascending codebooks. Run once at
 * the boundary (dequantize, serialise, prepare integer inference); kernels trust their inputs.
 *
 * @module
 */

import { checkThreshold } from "../model/decision_threshold.ts";
import { FLOAT32_MAX, FLOAT32_MIN_NORMAL } from "../core/matrix.ts";
import {
  assertFinite,
  counted,
  describe,
  quoted,
  quotedText,
  typeWithArticle,
} from "../core/validate.ts";
import { validatePreprocessing } from "../data/preprocess.ts";
import { outputCount } from "../model/types.ts";
import { checkClasses, checkFeatureNames } from "../model/validate_model.ts";
import { codebookBits, codeRange, groupCount } from "./grid.ts";
import {
  type InputQuantization,
  MAX_BITS,
  MAX_LOG2_BITS,
  MIN_BITS,
  type QuantizationRecipe,
  QUANTIZED_MODEL_VERSION,
  type QuantizedModel,
  type QuantizedTensor,
  type UniformScheme,
} from "./types.ts";

/** A constructor of a typed array of codes. */
export type CodeArrayConstructor = { new (n: number): ArrayLike<number>; name: string };

/** The fields of a {@linkcode QuantizationRecipe}: `seed` a number, the others strings. */
export const RECIPE_KEYS = [
  "method",
  "calibration",
  "rounding",
  "training",
  "seed",
] as const satisfies readonly (keyof QuantizationRecipe)[];

/**
 * The typed array a tensor's codes must use.
 *
 * @param t The tensor (only kind, scheme, bits and levels are read).
 * @returns The constructor: the smallest integer typed array holding the codes.
 */
export function expectedCodeArray(t: QuantizedTensor): CodeArrayConstructor {
  switch (t.kind) {
    case "uniform":
      if (t.scheme === "symmetric") return t.bits <= 8 ? Int8Array : Int16Array;
      return t.bits <= 8 ? Uint8Array : Uint16Array;
    case "log2":
      return Int8Array;
    case "codebook":
      return t.levels <= 256 ? Uint8Array : Uint16Array;
    case "float16":
      return Uint16Array;
  }
}

/**
 * Refuses a uniform grid level past float32's range: near +-3.4e38 the scale and zero point can
 * put a level past it (to infinity in float32 inference, ONNX included) although the scale fits.
 * Log2 and codebook levels never exceed their float32 scale or entries.
 *
 * @param action What the caller was doing, for messages.
 * @param scheme The grid's scheme.
 * @param bits Its bits.
 * @param scale A group's scale.
 * @param zeroPoint The group's zero point.
 * @throws {RangeError} If the level of largest magnitude does not fit float32.
 */
export function checkLevelsFitFloat32(
  action: string,
  scheme: UniformScheme,
  bits: number,
  scale: number,
  zeroPoint: number,
): void {
  const { min, max } = codeRange("uniform", scheme, bits);
  const level = scale * Math.max(max - zeroPoint, zeroPoint - min);
  if (Math.fround(level) === Infinity) {
    throw new RangeError(
      `Cannot ${action}: a grid level of magnitude ${level} (scale ${scale}, zero point ` +
        `${zeroPoint}) does not fit float32; the weights are too large`,
    );
  }
}

/**
 * Checks that a value is a well-formed {@linkcode QuantizedTensor}.
 *
 * @param t The value.
 * @param action What the caller was doing, for messages.
 * @param withCodes Whether to check the codes too (not for a grid whose codes are ignored).
 * @param name The tensor's field in a model, e.g. `"weights"`: messages then name its fields as
 *   the model's JSON does (`weights.rows`, `weights.scale[0]`); by default they name them alone.
 * @throws {TypeError} If a field is missing or of the wrong type, the codes are not in the
 *   expected typed array, or lengths disagree with the shape and granularity.
 * @throws {RangeError} If bits, a code, a scale, a zero point or a codebook entry is out of
 *   range (scales must be finite and > 0; a uniform grid's levels within float32's range;
 *   codebooks finite and strictly ascending; float16 patterns finite).
 */
export function validateQuantizedTensor(
  t: QuantizedTensor,
  action: string,
  withCodes = true,
  name?: string,
): void {
  const field = (key: string) => (name === undefined ? key : `${name}.${key}`);
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  const range = (reason: string): never => {
    throw new RangeError(`Cannot ${action}: ${reason}`);
  };
  if (typeof t !== "object" || t === null) fail(`the tensor must be an object, got ${describe(t)}`);
  if (!["uniform", "log2", "codebook", "float16"].includes(t.kind)) {
    fail(`unknown tensor kind ${quoted((t as { kind: unknown }).kind)}`);
  }
  const { rows, cols } = t;
  // Each named with its type: a "rows": "10" read from JSON was refused as 'rows and cols must be
  // non-negative integers, got 10 x 64', a "bits": "4" as 'bits must be ... in [1, 16], got 4'.
  for (const [key, v] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      fail(`${field(key)} must be a non-negative integer, got ${describe(v)}`);
    }
  }
  if (!["tensor", "class", "feature"].includes(t.granularity)) {
    fail(`unknown granularity ${quoted(t.granularity)}`);
  }
  const maxBits = t.kind === "log2" ? MAX_LOG2_BITS : MAX_BITS;
  const bits: unknown = t.bits;
  const bitsName = field("bits");
  if (typeof bits !== "number") fail(`${bitsName} must be an integer, got ${describe(bits)}`);
  if (!Number.isInteger(t.bits) || t.bits < MIN_BITS || t.bits > maxBits) {
    range(
      `${bitsName} must be an integer in [${MIN_BITS}, ${maxBits}] for ${t.kind}, got ${t.bits}`,
    );
  }
  if (t.kind === "codebook") {
    if (typeof t.levels !== "number") {
      fail(`${field("levels")} must be an integer, got ${describe(t.levels)}`);
    }
    if (!Number.isInteger(t.levels) || t.levels < 2 || t.levels > 2 ** MAX_BITS) {
      range(`${field("levels")} must be an integer in [2, 65536], got ${t.levels}`);
    }
    if (t.bits !== codebookBits(t.levels)) {
      range(
        `a codebook of ${t.levels} levels has ${codebookBits(t.levels)}-bit codes, not ${t.bits}`,
      );
    }
  }
  if (t.kind === "float16" && (t.bits !== 16 || t.granularity !== "tensor")) {
    range("a float16 tensor has bits 16 and granularity tensor");
  }
  if (t.kind === "uniform" && t.scheme !== "symmetric" && t.scheme !== "affine") {
    fail(`unknown scheme ${quoted(t.scheme)}`);
  }
  const ctor = expectedCodeArray(t);
  const codes = (withCodes ? t.codes : new ctor(0)) as ArrayLike<number>;
  if (withCodes && (!(codes instanceof ctor) || codes.length !== rows * cols)) {
    fail(
      `${field("codes")} must be ${typeWithArticle(ctor.name)} of ${
        counted(rows * cols, "entry", { plural: "entries" })
      } for this ${t.kind} tensor, got ${describe(codes)}`,
    );
  }
  const groups = groupCount(t.granularity, rows, cols);
  const checkCodes = (min: number, max: number, noZero: boolean) => {
    for (let i = 0; i < codes.length; i++) {
      const q = codes[i];
      if (q < min || q > max || (noZero && q === 0)) {
        range(`code ${q} at index ${i} is outside ${noZero ? "{-1, +1}" : `${min}..${max}`}`);
      }
    }
  };
  const checkScale = (scale: unknown) => {
    if (!(scale instanceof Float32Array) || scale.length !== groups) {
      fail(
        `${field("scale")} must be a Float32Array of ${
          counted(groups, "entry", { plural: "entries" })
        }, got ${describe(scale)}`,
      );
    }
    const s = scale as Float32Array;
    for (let g = 0; g < groups; g++) {
      if (!(s[g] > 0) || !Number.isFinite(s[g])) {
        range(`${field("scale")}[${g}] is ${s[g]}, not finite > 0`);
      }
    }
  };
  switch (t.kind) {
    case "uniform": {
      const r = codeRange("uniform", t.scheme, t.bits);
      checkCodes(r.min, r.max, t.scheme === "symmetric" && t.bits === 1);
      checkScale(t.scale);
      if (!(t.zeroPoint instanceof Int32Array) || t.zeroPoint.length !== groups) {
        fail(
          `${field("zeroPoint")} must be an Int32Array of ${
            counted(groups, "entry", { plural: "entries" })
          }, got ${describe(t.zeroPoint)}`,
        );
      }
      for (let g = 0; g < groups; g++) {
        const z = t.zeroPoint[g];
        if (t.scheme === "symmetric" ? z !== 0 : z < r.min || z > r.max) {
          range(
            `${field("zeroPoint")}[${g}] is ${z}; it must be ${
              t.scheme === "symmetric" ? "0 for symmetric" : `in ${r.min}..${r.max}`
            }`,
          );
        }
        // A grid read from a file or given by the caller: calibrateGrid refuses to make one.
        checkLevelsFitFloat32(action, t.scheme, t.bits, t.scale[g], z);
      }
      return;
    }
    case "log2": {
      const r = codeRange("log2", "symmetric", t.bits);
      checkCodes(r.min, r.max, t.bits === 1);
      checkScale(t.scale);
      return;
    }
    case "codebook": {
      checkCodes(0, t.levels - 1, false);
      const cb = t.codebook;
      if (!(cb instanceof Float32Array) || cb.length !== groups * t.levels) {
        fail(
          `${field("codebook")} must be a Float32Array of ${
            counted(groups * t.levels, "entry", { plural: "entries" })
          }, got ${describe(cb)}`,
        );
      }
      assertFinite(action, field("codebook"), cb);
      for (let g = 0; g < groups; g++) {
        for (let k = 1; k < t.levels; k++) {
          if (!(cb[g * t.levels + k] > cb[g * t.levels + k - 1])) {
            range(`codebook of group ${g} is not strictly ascending at entry ${k}`);
          }
        }
      }
      return;
    }
    case "float16":
      for (let i = 0; i < codes.length; i++) {
        if ((codes[i] & 0x7c00) === 0x7c00) {
          range(`float16 code 0x${codes[i].toString(16)} at index ${i} is not finite`);
        }
      }
      return;
  }
}

/**
 * Checks that a value is a well-formed {@linkcode QuantizedModel}.
 *
 * @param m The value.
 * @param action What the caller was doing, for messages.
 * @throws {TypeError} If a field is missing, of the wrong type or shape.
 * @throws {RangeError} If a value is out of range (see {@linkcode validateQuantizedTensor}), or
 *   an int32 bias has a scale that is not finite > 0 (in float32 too) or a value times its scale
 *   that is not finite, or a threshold that is NaN or not strictly between 0 and 1 (a threshold
 *   on a softmax model, or not a number, is a TypeError).
 */
export function validateQuantizedModel(m: QuantizedModel, action: string): void {
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  if (typeof m !== "object" || m === null) fail(`the model must be an object, got ${describe(m)}`);
  if (m.kind !== "quantized-logistic-regression") {
    fail(
      `kind must be 'quantized-logistic-regression', got ${quoted(m.kind)}` +
        (m.kind === "logistic-regression"
          ? " (a float model: score it with predict(model, x), predictProba or predictLabels, " +
            "or quantize it first with quantizeModel)"
          : ""),
    );
  }
  if (m.version !== QUANTIZED_MODEL_VERSION) {
    fail(`version must be ${QUANTIZED_MODEL_VERSION}, got ${quoted(m.version)}`);
  }
  if (m.link !== "sigmoid" && m.link !== "softmax") fail(`unknown link ${quoted(m.link)}`);
  const classes = m.classes;
  checkClasses(action, classes);
  if (m.link === "sigmoid" && classes.length !== 2) fail("a sigmoid model has exactly 2 classes");
  const nOut = outputCount(m.link, classes.length);
  validateQuantizedTensor(m.weights, action, true, "weights");
  const d = m.weights.cols;
  if (m.weights.rows !== nOut || d < 1) {
    fail(`weights must be ${nOut} x nFeatures, got ${m.weights.rows} x ${d}`);
  }
  checkFeatureNames(action, m.featureNames, d);
  validatePreprocessing(m.preprocessing, d, action);
  const b = m.bias;
  if (typeof b !== "object" || b === null) fail("bias is missing");
  const biasType = b.kind === "float32"
    ? Float32Array
    : b.kind === "float64"
    ? Float64Array
    : b.kind === "int32"
    ? Int32Array
    : fail(`unknown bias kind ${quoted((b as { kind: unknown }).kind)}`);
  if (!(b.values instanceof biasType) || b.values.length !== nOut) {
    fail(
      `bias values must be ${typeWithArticle(biasType.name)} of ${
        counted(nOut, "entry", { plural: "entries" })
      }, got ${describe(b.values)}`,
    );
  }
  assertFinite(action, "bias", b.values);
  if (b.kind === "int32") {
    if (!(b.scale instanceof Float64Array) || b.scale.length !== nOut) {
      fail(
        `an int32 bias needs a Float64Array scale of ${
          counted(nOut, "entry", { plural: "entries" })
        }`,
      );
    }
    for (let c = 0; c < nOut; c++) {
      const scale = b.scale[c];
      if (!(scale > 0) || !Number.isFinite(scale)) {
        throw new RangeError(`Cannot ${action}: bias scale[${c}] is ${scale}, not finite > 0`);
      }
      const value = b.values[c] * scale;
      if (!Number.isFinite(value)) {
        throw new RangeError(
          `Cannot ${action}: bias[${c}] is ${b.values[c]} x ${scale} = ${value}, not finite`,
        );
      }
      // Exports write the scale as float32: it must neither overflow nor underflow to 0.
      if (!Number.isFinite(Math.fround(scale))) {
        throw new RangeError(
          `Cannot ${action}: bias scale[${c}] is ${scale}, beyond the float32 range`,
        );
      }
      if (!(Math.fround(scale) > 0)) {
        throw new RangeError(
          `Cannot ${action}: bias scale[${c}] is ${scale}, below the float32 range (it would be 0)`,
        );
      }
    }
    if (m.input === undefined) fail("an int32 bias needs the input quantization (input)");
  }
  if (m.mask !== undefined) {
    if (!(m.mask instanceof Uint8Array) || m.mask.length !== nOut * d) {
      fail(`mask must be a Uint8Array of ${counted(nOut * d, "entry", { plural: "entries" })}`);
    }
    for (let i = 0; i < m.mask.length; i++) {
      if (m.mask[i] > 1) throw new RangeError(`Cannot ${action}: mask[${i}] is ${m.mask[i]}`);
    }
  }
  if (m.input !== undefined) checkInputQuantization(action, m.input);
  if (m.recipe !== undefined) checkRecipe(action, m.recipe);
  checkThreshold(action, m.link, m.threshold);
}

/** Checks a recipe: an object of known keys, `seed` a finite number, the others strings. */
function checkRecipe(action: string, recipe: unknown): void {
  if (typeof recipe !== "object" || recipe === null || Array.isArray(recipe)) {
    throw new TypeError(`Cannot ${action}: recipe must be an object, got ${describe(recipe)}`);
  }
  for (const [k, v] of Object.entries(recipe)) {
    if (!(RECIPE_KEYS as readonly string[]).includes(k)) {
      throw new TypeError(
        `Cannot ${action}: unknown recipe key ${quotedText(k)} (known: ${RECIPE_KEYS.join(", ")})`,
      );
    }
    if (v === undefined) continue;
    const ok = k === "seed" ? typeof v === "number" && Number.isFinite(v) : typeof v === "string";
    if (!ok) {
      throw new TypeError(
        `Cannot ${action}: recipe.${k} must be ${
          k === "seed" ? "a finite number" : "a string"
        }, got ${describe(v)}`,
      );
    }
  }
}

/**
 * Checks an input quantization: dtype uint8 or int8, a finite scale > 0, an integer zero point
 * in the dtype's range, a calibration name.
 *
 * @param action What the caller was doing, for messages.
 * @param inp The input quantization.
 * @param name Its name in messages.
 * @throws {TypeError} If it is not an object, or its dtype or calibration is not one.
 * @throws {RangeError} If the scale or the zero point is out of range.
 */
export function checkInputQuantization(action: string, inp: unknown, name = "input"): void {
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  if (typeof inp !== "object" || inp === null) return fail(`${name} must be an object`);
  const q = inp as InputQuantization;
  if (q.dtype !== "uint8" && q.dtype !== "int8") fail(`unknown ${name} dtype ${quoted(q.dtype)}`);
  if (typeof q.scale !== "number") fail(`${name} scale must be a number, got ${describe(q.scale)}`);
  if (!(q.scale > 0) || !Number.isFinite(q.scale)) {
    throw new RangeError(`Cannot ${action}: ${name} scale is ${q.scale}, not finite > 0`);
  }
  // Inputs are quantized in float32: a subnormal scale keeps few significant bits (and its
  // reciprocal may overflow), one past float32's range is Infinity there.
  if (q.scale < FLOAT32_MIN_NORMAL || q.scale > FLOAT32_MAX) {
    throw new RangeError(
      `Cannot ${action}: ${name} scale is ${q.scale}, outside float32's normal range ` +
        "[2^-126, 3.4e38]; rescale the inputs",
    );
  }
  const [lo, hi] = q.dtype === "uint8" ? [0, 255] : [-128, 127];
  if (typeof q.zeroPoint !== "number") {
    fail(`${name} zeroPoint must be an integer, got ${describe(q.zeroPoint)}`);
  }
  if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < lo || q.zeroPoint > hi) {
    throw new RangeError(
      `Cannot ${action}: ${name} zeroPoint ${q.zeroPoint} is outside ${lo}..${hi}`,
    );
  }
  if (typeof q.calibration !== "string") fail(`${name} calibration must be a string`);
}
