/**
 * The binary model file (`.lrc`): a versioned, checksummed, little-endian format whose size is
 * the real size of the model. It holds float models (dense or sparse weights in float64, float32
 * or float16) and quantized models (codes packed at their bit width with their scales, zero
 * points or codebooks), with bias, class labels, feature names, preprocessing and pruning mask.
 *
 * Layout (every number little-endian; "varint" is unsigned LEB128, minimal, at most 5 bytes):
 *
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 8 | magic `89 4C 52 43 0D 0A 1A 0A` (`\x89LRC\r\n\x1a\n`) |
 * | 8 | 2 | format version (u16): 1, or 2 when the file is entropy-coded |
 * | 10 | 2 | flags (u16), 0 |
 * | 12 | 4 | length of the whole file in bytes (u32) |
 * | 16 | ... | sections: u8 id, varint payload length, payload |
 * | end - 4 | 4 | CRC-32 (IEEE, as zlib) of every byte before it (u32) |
 *
 * Version 2 adds entropy coding (`rans.ts`), written only when asked for (`entropy: true`) and
 * smaller: index sets in the `rans` encoding of `support.ts`, and codes entropy-coded, marked by
 * the bit 0x40 of the tensor kind byte, with a frequency table and the rANS stream in place of
 * the packed codes. The writer stamps a file with the lowest version that describes it, so files
 * without entropy coding stay readable by version 1 readers byte for byte.
 *
 * The sections, their payloads and the README's table "Model file" give every field. A reader
 * refuses, with a `SyntaxError` or `RangeError` saying why, any file that is truncated, has a
 * wrong magic, a newer version, a bad checksum, a length that overruns, an unknown required
 * section or a value out of range; no length is trusted before it is checked against the bytes
 * that remain, and the number of weights is capped (`maxWeights`, and
 * {@linkcode maxDeclaredWeights} for the file's length).
 *
 * @module
 */

import {
  assertInRange,
  checkOptionKeys,
  counted,
  describe,
  exactKeys,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { MODEL_VERSION, outputCount } from "../model/types.ts";
import { modelFromJson } from "../model/serialize.ts";
import { quantizedModelFromJson } from "../quant/serialize.ts";
import { validateModel } from "../model/validate_model.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { writeFileAtomic, type WriteFileAtomicOptions } from "./atomic.ts";
import { packBitsUnchecked, packedSize, paddingIsZero, unpackBits } from "./bitpack.ts";
import {
  ByteReader,
  ByteWriter,
  FLOAT_BYTES,
  type FloatDtype,
  SIZE_CATEGORIES,
  type SizeCategory,
  varintSize,
} from "./bytes.ts";
import { crc32 } from "./crc32.ts";
import { planEntropyCodes, ransDecode, type RansTable, readTable, writeTable } from "./rans.ts";
import {
  codeToField,
  codeValue,
  elementGroup,
  fieldToCode,
  type StoredModel,
  tensorCodeRange,
  zeroCode,
} from "./quantized.ts";
import {
  type Granularity,
  type InputQuantization,
  type QuantizationRecipe,
  QUANTIZED_MODEL_VERSION,
  type QuantizedBias,
  type QuantizedTensor,
} from "../quant/types.ts";
import { RECIPE_KEYS, validateQuantizedModel } from "../quant/validate.ts";
import { planSupport, readSupport, type SupportEncoding } from "./support.ts";
import { maxTextBytes, readStrings, writeStrings } from "./strings.ts";

/** The first eight bytes of every model file. */
export const MODEL_FILE_MAGIC: Uint8Array = Uint8Array.of(
  0x89,
  0x4c,
  0x52,
  0x43,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
);

/** The newest format version this library writes and reads. */
export const MODEL_FILE_VERSION = 2;

/** The tensor kind byte's flag for entropy-coded codes (format version 2). */
const ENTROPY_FLAG = 0x40;

const HEADER_BYTES = 16;
const CHECKSUM_BYTES = 4;

/** Section ids. Ids from 0x80 up are ancillary: a reader that does not know one skips it. */
export const SECTION = {
  MODEL: 1,
  CLASSES: 2,
  FEATURES: 3,
  PREPROCESSING: 4,
  SUPPORT: 5,
  WEIGHTS: 6,
  PARAMS: 7,
  BIAS: 8,
  INPUT: 9,
  THRESHOLD: 10,
  RECIPE: 0x80,
} as const;

const SECTION_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(SECTION).map(([k, v]) => [v, k]),
);

const DTYPE_CODE: Record<FloatDtype, number> = { float16: 1, float32: 2, float64: 3 };
const DTYPE_OF: Record<number, FloatDtype> = { 1: "float16", 2: "float32", 3: "float64" };
const CONSTANT_FLAG = 0x10;

const TENSOR_KIND = {
  float: 0,
  "uniform-symmetric": 1,
  "uniform-affine": 2,
  log2: 3,
  codebook: 4,
  float16: 5,
} as const;
const GRANULARITY: readonly Granularity[] = ["tensor", "class", "feature"];
const BIAS_KIND = { float32: 1, float64: 2, int32: 3 } as const;

/** Options for {@linkcode encodeModel}. */
export interface EncodeOptions {
  /**
   * Storage of a float model's weights. `"auto"` takes the smallest of float16, float32 and
   * float64 that holds every weight exactly (lossless); a named dtype rounds to it
   * (round-to-nearest-even), so the file's model has the rounded weights.
   * @default {"auto"}
   */
  weightDtype?: "auto" | FloatDtype;
  /**
   * Entropy coding (format version 2): the index set and a quantized model's codes are
   * rANS-coded wherever that is smaller than their plain encodings. Off by default because a
   * version 1 reader, or a deployment runtime that only unpacks bits, cannot read such a file.
   * @default {false}
   */
  entropy?: boolean;
}

/** Options for {@linkcode decodeModel}. */
export interface DecodeOptions {
  /**
   * Name of the file in messages ("Cannot read model file '<name>': ...").
   * @default {"(bytes)"}
   */
  name?: string;
  /**
   * The most weights (`nOutputs * nFeatures`) a file may declare; a larger declaration is
   * refused before anything is allocated.
   * @default {2 ** 25}
   */
  maxWeights?: number;
}

/** How a file stores its weights, as read back. */
export interface ModelFileInfo {
  /** Format version of the file. */
  readonly formatVersion: number;
  /** `"float64"`, `"float32"`, `"float16"` for float models; e.g. `"uniform-affine 4-bit"`. */
  readonly storage: string;
  /** Encoding of the index set. */
  readonly support: SupportEncoding;
  /** How a quantized model's codes are stored (`"packed"` for float models, which have none). */
  readonly codes: "packed" | "rans";
  /** Number of weights whose value or code the file stores. */
  readonly stored: number;
  /** `nOutputs * nFeatures`. */
  readonly weights: number;
  /** Bytes per category; they add up to the file's length. */
  readonly bytes: Readonly<Record<SizeCategory, number>>;
}

/** Smallest float dtype that holds every value exactly. */
function exactDtype(values: ArrayLike<number>): FloatDtype {
  let f16 = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Object.is(Math.fround(v), v)) return "float64";
    if (f16 && !Object.is(Math.f16round(v), v)) f16 = false;
  }
  return f16 ? "float16" : "float32";
}

/** Writes a float array: tag (dtype code, constant flag), then its values (one if constant). */
function writeFloatArray(w: ByteWriter, values: ArrayLike<number>, dtype: FloatDtype): void {
  let constant = values.length > 1;
  for (let i = 1; i < values.length && constant; i++) {
    if (!Object.is(values[i], values[0])) constant = false;
  }
  w.u8(DTYPE_CODE[dtype] | (constant ? CONSTANT_FLAG : 0));
  w.floats(constant ? [values[0]] : values, dtype);
}

function readFloatArray<T extends Float64Array | Float32Array>(
  r: ByteReader,
  out: T,
  what: string,
): T {
  const tag = r.u8(`storage of ${what}`);
  const dtype = DTYPE_OF[tag & ~CONSTANT_FLAG];
  if (dtype === undefined) throw r.syntax(`${what} has unknown storage ${tag}`);
  const constant = (tag & CONSTANT_FLAG) !== 0;
  if (constant && out.length < 2) throw r.syntax(`${what} is marked constant but is not a run`);
  r.floatsInto(out, 0, constant ? 1 : out.length, dtype, what);
  if (constant) out.fill(out[0]);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw r.syntax(`${what}[${i}] is ${out[i]}`);
  }
  return out;
}

function tensorKindCode(t: QuantizedTensor): number {
  return t.kind === "uniform"
    ? TENSOR_KIND[t.scheme === "symmetric" ? "uniform-symmetric" : "uniform-affine"]
    : TENSOR_KIND[t.kind];
}

function describeStorage(t: QuantizedTensor): string {
  if (t.kind === "float16") return "float16";
  const name = t.kind === "uniform" ? `uniform-${t.scheme}` : t.kind;
  return `${name} ${t.bits}-bit per ${t.granularity}` +
    (t.kind === "codebook" ? ` (${t.levels} levels)` : "");
}

/** The most classes a model file holds. */
const MAX_CLASSES = 65536;

/**
 * Weights any file may declare whatever its length: an all-zero or fully pruned model of a few
 * dozen bytes stands for this many (10 classes of 100,000 pattern-named features), and reading
 * that many from a forged file costs tens of megabytes at most.
 */
const DECLARED_WEIGHTS_FLOOR = 2 ** 20;

/**
 * The most weights (`nOutputs * nFeatures`) a file of `length` bytes may declare: 2^20, plus 1024
 * per byte. Dense and bitmap layouts cannot reach it (they cost at least a bit per weight); it
 * bounds the layouts whose size does not grow with the number of weights (a sparse index set,
 * entropy-coded codes of one value, pattern-named features), so that a few bytes never stand for
 * a giant model. The 2^20 are what a legitimate model of nothing but zeros needs: its file has a
 * few dozen bytes whatever its shape.
 *
 * @param length The file's length in bytes.
 * @returns The most weights it may declare.
 */
export function maxDeclaredWeights(length: number): number {
  return DECLARED_WEIGHTS_FLOOR + 1024 * length;
}

/** Why `rows x cols` weights are more than a file of `length` bytes may declare, or `null`. */
function overLength(rows: number, cols: number, length: number): string | null {
  const limit = maxDeclaredWeights(length);
  return rows * cols > limit
    ? `${rows} x ${cols} = ${rows * cols} weights are more than a file of ${length} bytes may ` +
      `declare (${limit}: 2^20 plus 1024 per byte)`
    : null;
}

const ENCODE_OPTION_KEYS: OptionKeys<EncodeOptions> = { weightDtype: true, entropy: true };
const DECODE_OPTION_KEYS: OptionKeys<DecodeOptions> = { name: true, maxWeights: true };
const { name: _name, ...LOAD_OPTION_KEYS } = DECODE_OPTION_KEYS;
const SAVE_OPTION_KEYS = exactKeys<SaveModelOptions>()({ ...ENCODE_OPTION_KEYS, write: true });

/**
 * Encodes a model as the bytes of a model file.
 *
 * @param model A float model (`LogisticModel`) or a quantized one ({@linkcode QuantizedModel}).
 * @param options Storage of float weights.
 * @returns The file's bytes.
 * @throws {TypeError} If the model is malformed, or an option is of the wrong type.
 * @throws {RangeError} If a value is out of range, a weight does not fit the requested dtype,
 *   `weightDtype` is an unknown name, or the file would be too short for its number of weights
 *   ({@linkcode maxDeclaredWeights}).
 *
 * @example Round trip
 * ```ts
 * import { decodeModel, encodeModel } from "./model_file.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
 * const bytes = encodeModel(model);
 * assert.deepEqual(decodeModel(bytes), model);
 * ```
 */
export function encodeModel(model: StoredModel, options: EncodeOptions = {}): Uint8Array {
  const action = "encode model";
  checkOptionKeys(
    action,
    options,
    ENCODE_OPTION_KEYS,
  );
  if (typeof model !== "object" || model === null) {
    throw new TypeError(`Cannot ${action}: the model is not an object`);
  }
  const quantized = model.kind === "quantized-logistic-regression";
  if (quantized) validateQuantizedModel(model, action);
  else validateModel(model, action);
  if (model.classes.length > MAX_CLASSES) {
    throw new RangeError(
      `Cannot ${action}: ${model.classes.length} classes, more than the ${MAX_CLASSES} a model file holds`,
    );
  }
  // The file stores text as UTF-8, which cannot hold a lone UTF-16 surrogate: refuse rather
  // than write a replacement character in its place.
  const texts: [string, readonly string[]][] = [
    ["class label", model.classes],
    ["feature name", model.featureNames],
  ];
  // (The recipe is stored as JSON, whose escapes hold any string.)
  if (quantized && model.input) texts.push(["input calibration", [model.input.calibration]]);
  for (const [what, names] of texts) {
    const i = names.findIndex((n) => !n.isWellFormed());
    if (i >= 0) {
      throw new RangeError(
        `Cannot ${action}: ${what}${
          names.length > 1 ? ` ${i}` : ""
        } holds a lone UTF-16 surrogate, which UTF-8 cannot store`,
      );
    }
  }
  // Nor more text than a list holds (the reader's guard against names that decode to gigabytes).
  const encoder = new TextEncoder();
  const lists = [["class labels", model.classes], ["feature names", model.featureNames]] as const;
  for (const [what, names] of lists) {
    let bytes = 0;
    for (const n of names) bytes += encoder.encode(n).length;
    if (bytes > maxTextBytes(names.length)) {
      throw new RangeError(
        `Cannot ${action}: the ${names.length} ${what} take ${bytes} bytes of UTF-8, more than ` +
          `the ${maxTextBytes(names.length)} a model file holds`,
      );
    }
  }
  const weightDtype = options.weightDtype ?? "auto";
  if (typeof weightDtype !== "string") {
    throw new TypeError(
      `Cannot ${action}: weightDtype must be a string, got ${describe(weightDtype)}`,
    );
  }
  if (!["auto", "float16", "float32", "float64"].includes(weightDtype)) {
    throw new RangeError(`Cannot ${action}: unknown weightDtype '${weightDtype}'`);
  }
  const entropy = options.entropy ?? false;
  if (typeof entropy !== "boolean") {
    throw new TypeError(`Cannot ${action}: entropy must be a boolean, got ${describe(entropy)}`);
  }
  const nClasses = model.classes.length;
  const nOut = outputCount(model.link, nClasses);
  const rows = nOut;
  const cols = model.featureNames.length;
  const n = rows * cols;

  // Which positions to store: the mask if there is one, else those not implied by omission.
  let flags: Uint8Array;
  let valueBits: number;
  let dtype: FloatDtype = "float64";
  if (model.mask) {
    flags = model.mask;
  } else {
    flags = new Uint8Array(n);
    if (!quantized) {
      const w = model.weights.data;
      for (let i = 0; i < n; i++) flags[i] = Object.is(w[i], 0) ? 0 : 1;
    } else {
      const t = model.weights;
      for (let i = 0; i < n; i++) {
        const g = elementGroup(t.granularity, i, cols);
        const z = zeroCode(t, g);
        flags[i] = t.codes[i] === z && Object.is(codeValue(t, z, g), 0) ? 0 : 1;
      }
    }
  }
  if (quantized) {
    valueBits = model.weights.bits;
  } else {
    const w = model.weights.data;
    if (weightDtype === "auto") {
      const kept: number[] = [];
      for (let i = 0; i < n; i++) if (flags[i]) kept.push(w[i]);
      dtype = exactDtype(kept);
    } else {
      dtype = weightDtype;
      // Every finite weight is a float64; only the narrower dtypes can overflow to infinity.
      const round = dtype === "float16" ? Math.f16round : Math.fround;
      for (let i = 0; i < n && dtype !== "float64"; i++) {
        if (!Number.isFinite(round(w[i]))) {
          throw new RangeError(
            `Cannot ${action}: weight ${i} is ${w[i]}, beyond the ${dtype} range`,
          );
        }
      }
    }
    valueBits = FLOAT_BYTES[dtype] * 8;
  }
  // The stored codes of a quantized model, plain or entropy-coded, whichever is smaller.
  const codesOf = (keep: Uint8Array, count: number): CodesPlan => {
    if (!quantized) return { size: packedSize(count, valueBits), fields: null, coded: null };
    const t = model.weights;
    const fields = new Uint32Array(count);
    for (let i = 0, k = 0; i < n; i++) if (keep[i]) fields[k++] = codeToField(t, t.codes[i]);
    const packed = packedSize(count, t.bits);
    const coded = entropy && t.kind !== "float16" ? planEntropyCodes(fields, 2 ** t.bits) : null;
    return coded && coded.size < packed
      ? { size: coded.size, fields, coded }
      : { size: packed, fields, coded: null };
  };
  let plan = planSupport(flags, rows, cols, entropy);
  let codes = codesOf(flags, plan.count);
  if (!model.mask && plan.encoding !== "dense") {
    const all = new Uint8Array(n).fill(1);
    const densePlan = planSupport(all, rows, cols, entropy);
    const denseCodes = codesOf(all, n);
    // Whole sections: payloads and their length varints (a payload crossing 127 bytes costs a
    // byte more in its length). Ties go to dense.
    const weightsHead = quantized
      ? 3 + (model.weights.kind === "codebook" ? varintSize(model.weights.levels) : 0)
      : 2;
    const cost = (support: number, values: number) =>
      support + varintSize(support) + weightsHead + values + varintSize(weightsHead + values);
    if (cost(densePlan.size, denseCodes.size) <= cost(plan.size, codes.size)) {
      flags = all;
      plan = densePlan;
      codes = denseCodes;
    }
  }
  const version = plan.entropyCoded || codes.coded ? 2 : 1;

  const w = new ByteWriter();
  w.bytes(MODEL_FILE_MAGIC);
  w.u16(version);
  w.u16(0);
  w.u32(0); // length, patched below
  const section = (id: number, write: (s: ByteWriter) => void) => {
    const s = new ByteWriter();
    write(s);
    w.u8(id);
    w.varint(s.length);
    w.bytes(s.finish());
  };
  // Only when set: files of models without a threshold stay byte for byte as before, and a
  // reader that does not know the (required) section refuses the file instead of labelling at 0.5.
  const writeThreshold = () => {
    if (model.threshold === undefined) return;
    section(SECTION.THRESHOLD, (s) => s.floats([model.threshold!], "float64"));
  };
  section(SECTION.MODEL, (s) => {
    s.u8(quantized ? 1 : 0);
    s.u8(model.link === "sigmoid" ? 0 : 1);
    s.varint(nClasses);
    s.varint(cols);
    s.u8(model.mask ? 1 : 0);
  });
  section(SECTION.CLASSES, (s) => writeStrings(s, model.classes));
  section(SECTION.FEATURES, (s) => writeStrings(s, model.featureNames));
  section(SECTION.PREPROCESSING, (s) => writePreprocessing(s, model.preprocessing));
  section(SECTION.SUPPORT, (s) => plan.write(s));
  if (!quantized) {
    const data = model.weights.data;
    const values = new Float64Array(plan.count);
    for (let i = 0, k = 0; i < n; i++) if (flags[i]) values[k++] = data[i];
    section(SECTION.WEIGHTS, (s) => {
      s.u8(TENSOR_KIND.float);
      s.u8(DTYPE_CODE[dtype]);
      s.floats(values, dtype);
    });
    section(SECTION.BIAS, (s) => {
      s.u8(BIAS_KIND.float64);
      writeFloatArray(s, model.bias, exactDtype(model.bias));
    });
    writeThreshold();
  } else {
    const t = model.weights;
    const { fields, coded } = codes;
    section(SECTION.WEIGHTS, (s) => {
      s.u8(tensorKindCode(t) | (coded ? ENTROPY_FLAG : 0));
      s.u8(t.bits);
      s.u8(GRANULARITY.indexOf(t.granularity));
      if (t.kind === "codebook") s.varint(t.levels);
      if (coded) {
        writeTable(s, coded.table);
        s.bytes(coded.stream);
      } else s.bytes(packBitsUnchecked(fields!, t.bits));
    });
    if (t.kind !== "float16") {
      section(SECTION.PARAMS, (s) => {
        if (t.kind === "codebook") {
          writeFloatArray(s, t.codebook, exactDtype(t.codebook));
        } else {
          writeFloatArray(s, t.scale, exactDtype(t.scale));
          if (t.kind === "uniform" && t.scheme === "affine") {
            s.bytes(packBitsUnchecked(t.zeroPoint, t.bits));
          }
        }
      });
    }
    section(SECTION.BIAS, (s) => writeBias(s, model.bias));
    if (model.input) section(SECTION.INPUT, (s) => writeInput(s, model.input!));
    writeThreshold();
    if (model.recipe) section(SECTION.RECIPE, (s) => s.bytes(recipeBytes(model.recipe!)));
  }
  w.u32(0); // checksum, patched below
  const bytes = w.finish();
  const tooMany = overLength(rows, cols, bytes.length);
  if (tooMany !== null) throw new RangeError(`Cannot ${action}: ${tooMany}`);
  const view = new DataView(bytes.buffer);
  view.setUint32(12, bytes.length, true);
  view.setUint32(bytes.length - CHECKSUM_BYTES, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** The stored codes of a quantized model: their fields, and the entropy coding if smaller. */
interface CodesPlan {
  readonly size: number;
  readonly fields: Uint32Array | null;
  readonly coded: { table: RansTable; stream: Uint8Array; size: number } | null;
}

function writePreprocessing(s: ByteWriter, p: Preprocessing): void {
  if (p.kind === "none") {
    s.u8(0);
    return;
  }
  s.u8(1);
  writeFloatArray(s, p.mean, exactDtype(p.mean));
  writeFloatArray(s, p.scale, exactDtype(p.scale));
}

function writeBias(s: ByteWriter, b: QuantizedBias): void {
  s.u8(BIAS_KIND[b.kind]);
  if (b.kind === "int32") {
    for (const v of b.values) s.zigzag(v);
    writeFloatArray(s, b.scale, exactDtype(b.scale));
  } else {
    writeFloatArray(s, b.values, exactDtype(b.values));
  }
}

function writeInput(s: ByteWriter, q: InputQuantization): void {
  s.u8(q.dtype === "uint8" ? 0 : 1);
  writeFloatArray(s, [q.scale], exactDtype([q.scale]));
  s.zigzag(q.zeroPoint);
  s.string(q.calibration);
}

function recipeBytes(recipe: QuantizationRecipe): Uint8Array {
  const o: Record<string, unknown> = {};
  for (const k of RECIPE_KEYS) if (recipe[k] !== undefined) o[k] = recipe[k];
  return new TextEncoder().encode(JSON.stringify(o));
}

/**
 * Whether bytes start as an ONNX `ModelProto` does: field 1 (`ir_version`, a varint from 1 to 15),
 * then the tag of another of its fields (producer name or version, domain, model version, doc
 * string, graph, opset imports), as every ONNX writer puts `ir_version` first.
 */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] <= 15 &&
    [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(bytes[2]);
}

/**
 * Decodes the bytes of a model file.
 *
 * @param bytes The file's bytes.
 * @param options The name used in messages, and the cap on the number of weights.
 * @returns The stored model: a `LogisticModel`, or a {@linkcode QuantizedModel}
 *   (use `asFloatModel` for a float model to predict with).
 * @throws {TypeError} If `bytes` is not a Uint8Array or `options.name` not a string.
 * @throws {SyntaxError} If the bytes are not a well-formed model file (wrong magic, truncated,
 *   checksum mismatch, malformed section), with a message "Cannot read model file '<name>': ...".
 * @throws {RangeError} If the file is of a newer format version, a length overruns the file, or
 *   a count exceeds a limit.
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): StoredModel {
  return parseModelFile(bytes, options).model;
}

/**
 * Decodes a model file and reports how it stores the model and what its bytes are for.
 *
 * @param bytes The file's bytes.
 * @param options As for {@linkcode decodeModel}.
 * @returns The model and a {@linkcode ModelFileInfo}.
 * @throws {SyntaxError} As {@linkcode decodeModel}.
 * @throws {RangeError} As {@linkcode decodeModel}.
 */
export function inspectModelFile(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): { model: StoredModel; info: ModelFileInfo } {
  return parseModelFile(bytes, options);
}

function parseModelFile(
  input: Uint8Array,
  options: DecodeOptions,
): { model: StoredModel; info: ModelFileInfo } {
  checkOptionKeys(
    "read model file",
    options,
    DECODE_OPTION_KEYS,
  );
  const name = options.name ?? "(bytes)";
  if (typeof name !== "string") {
    throw new TypeError(`Cannot read model file: name must be a string, got ${describe(name)}`);
  }
  const prefix = `Cannot read model file '${name}'`;
  if (!(input instanceof Uint8Array)) {
    // What a page most often passes instead: fetch's arrayBuffer() result, or the Response itself.
    const unknownInput = input as unknown;
    const hint = unknownInput instanceof ArrayBuffer ||
        (typeof SharedArrayBuffer === "function" && unknownInput instanceof SharedArrayBuffer)
      ? "; new Uint8Array(buffer) wraps an ArrayBuffer"
      : typeof Response === "function" && unknownInput instanceof Response
      ? "; new Uint8Array(await response.arrayBuffer()) reads a fetch Response"
      : "";
    throw new TypeError(`${prefix}: expected a Uint8Array of bytes, got ${describe(input)}${hint}`);
  }
  // Browsers' TextDecoder refuses views of shared or resizable buffers (Deno's accepts them), and
  // another thread may write shared bytes while they are read: such bytes are read from a copy.
  const plain = input.buffer instanceof ArrayBuffer && !input.buffer.resizable;
  const bytes = plain ? input : input.slice();
  const maxWeights = maxWeightsOf(options);
  const syntax = (reason: string) => new SyntaxError(`${prefix}: ${reason}`);
  const len = bytes.length;
  const magicLen = Math.min(len, MODEL_FILE_MAGIC.length);
  for (let i = 0; i < magicLen; i++) {
    if (bytes[i] !== MODEL_FILE_MAGIC[i]) {
      // A page that fetches a missing file gets the server's HTML error page (status 404) as bytes.
      // A model saved as JSON (`lrc train --save m.json`) is what loadModel reads, as the file
      // it is; the browser bundles have no reader of it.
      const hint = bytes[jsonStart(bytes)] === 0x7b
        ? " (it looks like JSON, as a model saved as .json: decodeModel reads the binary .lrc " +
          "format; loadModel reads a JSON model file, and saveModel writes it as .lrc)"
        : bytes[0] === 0x3c
        ? " (it looks like HTML or XML, such as the error page of a failed fetch)"
        : looksLikeOnnx(bytes)
        ? " (it looks like an ONNX model: importOnnxModel reads it, in Deno; " +
          "encodeModel(importOnnxModel(bytes).model) gives its .lrc bytes)"
        : "";
      throw syntax(`not an lrcompress model file: wrong magic number${hint}`);
    }
  }
  const minimum = HEADER_BYTES + CHECKSUM_BYTES;
  if (len < minimum) {
    throw syntax(`truncated: ${counted(len, "byte")}, a model file has at least ${minimum}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  // The framing (length at byte 12, checksum at the end) is checked before the version is
  // trusted: one flipped bit in the version field is a corrupt file, not a newer format.
  const declared = view.getUint32(12, true);
  const stored = view.getUint32(len - CHECKSUM_BYTES, true);
  const computed = declared === len ? crc32(bytes.subarray(0, len - CHECKSUM_BYTES)) : 0;
  const framing = declared > len
    ? `truncated: the header announces ${declared} bytes, the file has ${len}`
    : declared < len
    ? `${
      counted(len - declared, "unexpected byte")
    } after the end announced by the header (${declared})`
    : stored !== computed
    ? `checksum mismatch (stored 0x${hex(stored)}, computed 0x${hex(computed)}): ` +
      "the file is corrupt"
    : null;
  if (version > MODEL_FILE_VERSION) {
    if (framing !== null) {
      throw syntax(
        `${framing} (its header also names format version ${version}, newer than the ` +
          `${MODEL_FILE_VERSION} this lrcompress reads: the corruption may be there)`,
      );
    }
    throw new RangeError(
      `${prefix}: format version ${version} is newer than this lrcompress reads ` +
        `(${MODEL_FILE_VERSION}); update lrcompress`,
    );
  }
  if (framing !== null) throw syntax(framing);
  if (version === 0) throw syntax("unknown format version 0");
  const flags = view.getUint16(10, true);
  if (flags !== 0) throw syntax(`unknown header flags 0x${flags.toString(16)}`);

  const charges = Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<
    SizeCategory,
    number
  >;
  charges.header += HEADER_BYTES;
  charges.checksum += CHECKSUM_BYTES;
  const outer = new ByteReader(bytes, HEADER_BYTES, len - CHECKSUM_BYTES, prefix, charges);
  outer.where = "section list";
  const sections = new Map<number, ByteReader>();
  while (outer.remaining > 0) {
    const id = outer.u8("section id");
    const size = outer.varint(`length of section ${SECTION_NAME[id] ?? id}`);
    if (size > outer.remaining) {
      throw outer.range(
        `section ${SECTION_NAME[id] ?? id} announces ${size} bytes but only ${
          counted(outer.remaining, "remains", { plural: "remain" })
        }`,
      );
    }
    const start = outer.pos;
    outer.pos += size;
    if (sections.has(id)) throw outer.syntax(`section ${SECTION_NAME[id] ?? id} appears twice`);
    if (SECTION_NAME[id] === undefined) {
      if (id < 0x80) {
        throw outer.syntax(
          `unknown required section ${id} (written by a newer lrcompress?)`,
        );
      }
      charges.header += size; // unknown ancillary section: skipped
      continue;
    }
    const r = new ByteReader(bytes, start, start + size, prefix, charges);
    r.where = `section ${SECTION_NAME[id]}`;
    sections.set(id, r);
  }
  const need = (id: number): ByteReader => {
    const r = sections.get(id);
    if (!r) throw syntax(`section ${SECTION_NAME[id]} is missing`);
    return r;
  };

  // MODEL
  const m = need(SECTION.MODEL);
  const modelKind = m.u8("model kind");
  if (modelKind > 1) throw m.syntax(`unknown model kind ${modelKind}`);
  const linkCode = m.u8("link");
  if (linkCode > 1) throw m.syntax(`unknown link ${linkCode}`);
  const link = linkCode === 0 ? "sigmoid" : "softmax";
  const nClasses = m.varint("number of classes", MAX_CLASSES);
  if (nClasses < 2) throw m.syntax(`a model has at least 2 classes, the file says ${nClasses}`);
  if (link === "sigmoid" && nClasses !== 2) {
    throw m.syntax(`a sigmoid model has 2 classes, the file says ${nClasses}`);
  }
  const cols = m.varint("number of features");
  if (cols < 1) throw m.syntax("the model has no features");
  const rows = outputCount(link, nClasses);
  const over = overCap(rows, cols, maxWeights) ?? overLength(rows, cols, len);
  if (over !== null) throw m.range(over);
  const modelFlags = m.u8("model flags");
  if (modelFlags > 1) throw m.syntax(`unknown model flags ${modelFlags}`);
  const hasMask = modelFlags === 1;
  m.expectEnd();
  const quantized = modelKind === 1;
  const allowed = new Set<number>([
    SECTION.MODEL,
    SECTION.CLASSES,
    SECTION.FEATURES,
    SECTION.PREPROCESSING,
    SECTION.SUPPORT,
    SECTION.WEIGHTS,
    SECTION.BIAS,
    SECTION.THRESHOLD,
  ]);
  if (quantized) [SECTION.PARAMS, SECTION.INPUT, SECTION.RECIPE].forEach((s) => allowed.add(s));
  for (const id of sections.keys()) {
    if (!allowed.has(id)) {
      throw syntax(
        `section ${SECTION_NAME[id]} does not belong in a ${
          quantized ? "quantized" : "float"
        } model`,
      );
    }
  }

  // Labels, names and preprocessing are read after the weights: pattern-named features and
  // constant preprocessing arrays cost a few bytes whatever their number, whereas a dense or
  // bitmap layout that the file's bytes cannot hold is refused there before they are made.
  const readDescription = () => {
    const c = need(SECTION.CLASSES);
    c.category = "labels";
    const classes = readStrings(c, "class labels", nClasses);
    c.expectEnd();
    const f = need(SECTION.FEATURES);
    f.category = "names";
    const featureNames = readStrings(f, "feature names", cols);
    f.expectEnd();
    const p = need(SECTION.PREPROCESSING);
    p.category = "preprocessing";
    const pk = p.u8("preprocessing kind");
    let preprocessing: Preprocessing;
    if (pk === 0) preprocessing = { kind: "none" };
    else if (pk === 1) {
      const mean = readFloatArray(p, new Float64Array(cols), "preprocessing mean");
      const scale = readFloatArray(p, new Float64Array(cols), "preprocessing scale");
      preprocessing = { kind: "standardize", mean, scale };
    } else throw p.syntax(`unknown preprocessing kind ${pk}`);
    p.expectEnd();
    return { classes, featureNames, preprocessing };
  };

  const s = need(SECTION.SUPPORT);
  s.category = "indices";
  const { flags: support, encoding: supportEncoding, entropyCoded } = readSupport(s, rows, cols);
  s.expectEnd();
  if (entropyCoded && version < 2) {
    throw s.syntax("an entropy-coded index set needs format version 2, the file says 1");
  }
  let count = 0;
  for (let i = 0; i < support.length; i++) count += support[i];
  const n = rows * cols;

  // THRESHOLD: the decision threshold of a binary model, charged to the header.
  let threshold: number | undefined;
  const tr = sections.get(SECTION.THRESHOLD);
  if (tr) {
    if (link !== "sigmoid") {
      throw tr.syntax(
        `a decision threshold belongs to a binary (sigmoid) model, this one is ${link}`,
      );
    }
    const v = new Float64Array(1);
    tr.floatsInto(v, 0, 1, "float64", "threshold");
    tr.expectEnd();
    if (!(v[0] > 0 && v[0] < 1)) {
      throw tr.range(`the decision threshold is ${v[0]}, not strictly between 0 and 1`);
    }
    threshold = v[0];
  }

  const wr = need(SECTION.WEIGHTS);
  const kind = wr.u8("tensor kind");
  let model: StoredModel;
  let storage: string;
  let codesStorage: "packed" | "rans" = "packed";
  const bias = need(SECTION.BIAS);
  bias.category = "bias";
  if (!quantized) {
    if (kind !== TENSOR_KIND.float) throw wr.syntax(`a float model has tensor kind ${kind}`);
    const dtype = DTYPE_OF[wr.u8("weight storage")];
    if (!dtype) throw wr.syntax("unknown weight storage");
    wr.category = "weights";
    if (count * FLOAT_BYTES[dtype] > wr.remaining) {
      throw wr.range(
        `weights needs ${count * FLOAT_BYTES[dtype]} bytes but only ${
          counted(wr.remaining, "remains", { plural: "remain" })
        }`,
      );
    }
    const values = new Float64Array(count);
    wr.floatsInto(values, 0, count, dtype, "weights");
    wr.expectEnd();
    const data = new Float64Array(n);
    for (let i = 0, k = 0; i < n; i++) if (support[i]) data[i] = values[k++];
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(values[i])) throw wr.syntax(`a weight is ${values[i]}`);
    }
    const bk = bias.u8("bias kind");
    if (bk !== BIAS_KIND.float64) throw bias.syntax(`a float model has bias kind ${bk}`);
    const b = readFloatArray(bias, new Float64Array(rows), "bias");
    bias.expectEnd();
    storage = dtype;
    const { classes, featureNames, preprocessing } = readDescription();
    model = {
      kind: "logistic-regression",
      version: MODEL_VERSION,
      link,
      weights: { data, rows, cols },
      bias: b,
      classes,
      featureNames,
      preprocessing,
      ...(hasMask ? { mask: support } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    };
  } else {
    codesStorage = (kind & ENTROPY_FLAG) !== 0 ? "rans" : "packed";
    if (codesStorage === "rans" && version < 2) {
      throw wr.syntax("entropy-coded codes need format version 2, the file says 1");
    }
    const tensor = readTensor(
      wr,
      need,
      sections,
      kind & ~ENTROPY_FLAG,
      codesStorage === "rans",
      { rows, cols, support, count, hasMask },
    );
    storage = describeStorage(tensor);
    const b = readBias(bias, rows);
    bias.expectEnd();
    let input: InputQuantization | undefined;
    const ir = sections.get(SECTION.INPUT);
    if (ir) {
      ir.category = "scales";
      input = readInput(ir);
      ir.expectEnd();
    }
    let recipe: QuantizationRecipe | undefined;
    const rr = sections.get(SECTION.RECIPE);
    if (rr) recipe = readRecipe(rr);
    const { classes, featureNames, preprocessing } = readDescription();
    model = {
      kind: "quantized-logistic-regression",
      version: QUANTIZED_MODEL_VERSION,
      link,
      classes,
      featureNames,
      preprocessing,
      weights: tensor,
      bias: b,
      ...(hasMask ? { mask: support } : {}),
      ...(input ? { input } : {}),
      ...(recipe ? { recipe } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    };
  }
  try {
    if (model.kind === "logistic-regression") validateModel(model, `read model file '${name}'`);
    else validateQuantizedModel(model, `read model file '${name}'`);
  } catch (error) {
    const message = (error as Error).message;
    throw error instanceof RangeError ? new RangeError(message) : new SyntaxError(message);
  }
  return {
    model,
    info: {
      formatVersion: version,
      storage,
      support: supportEncoding,
      codes: codesStorage,
      stored: count,
      weights: n,
      bytes: charges,
    },
  };
}

function readTensor(
  wr: ByteReader,
  need: (id: number) => ByteReader,
  sections: Map<number, ByteReader>,
  kind: number,
  entropyCoded: boolean,
  layout: {
    rows: number;
    cols: number;
    support: Uint8Array;
    count: number;
    hasMask: boolean;
  },
): QuantizedTensor {
  const { rows, cols, support, count, hasMask } = layout;
  const n = rows * cols;
  const names = Object.keys(TENSOR_KIND) as (keyof typeof TENSOR_KIND)[];
  const kindName = names.find((k) => TENSOR_KIND[k] === kind);
  if (kindName === undefined || kindName === "float") {
    throw wr.syntax(`unknown quantized tensor kind ${kind}`);
  }
  const bits = wr.u8("bits");
  const gCode = wr.u8("granularity");
  const granularity = GRANULARITY[gCode];
  if (granularity === undefined) throw wr.syntax(`unknown granularity ${gCode}`);
  const maxBits = kindName === "log2" ? 8 : 16;
  if (bits < 1 || bits > maxBits) throw wr.syntax(`${kindName} codes of ${bits} bits`);
  let levels = 0;
  if (kindName === "codebook") {
    levels = wr.varint("codebook levels", 65536);
    if (levels < 2) throw wr.syntax(`a codebook of ${levels} levels`);
    if (bits !== Math.max(1, Math.ceil(Math.log2(levels)))) {
      throw wr.syntax(`a codebook of ${levels} levels with ${bits}-bit codes`);
    }
  }
  if (kindName === "float16" && (bits !== 16 || granularity !== "tensor")) {
    throw wr.syntax("float16 weights must have 16 bits and granularity 'tensor'");
  }
  wr.category = "codes";
  let fields: Uint32Array;
  if (entropyCoded) {
    if (kindName === "float16" || bits > 12) {
      throw wr.syntax(`${bits}-bit ${kindName} codes cannot be entropy-coded`);
    }
    const table = readTable(wr, 2 ** bits);
    const stream = wr.bytes(wr.remaining, "entropy-coded codes");
    fields = new Uint32Array(count);
    ransDecode(stream, count, table, fields, (reason) => wr.syntax(reason));
  } else {
    const packed = wr.bytes(packedSize(count, bits), "codes");
    if (!paddingIsZero(packed, count, bits)) throw wr.syntax("codes have non-zero padding");
    fields = unpackBits(packed, count, bits, new Uint32Array(count));
  }
  wr.expectEnd();
  const groups = granularity === "tensor" ? 1 : granularity === "class" ? rows : cols;
  const small = bits <= 8;
  let tensor: QuantizedTensor;
  const shape = { rows, cols, bits, granularity };
  const readScale = (r: ByteReader) => readFloat32Array(r, groups, "scales");
  if (kindName === "float16") {
    if (sections.has(SECTION.PARAMS)) throw wr.syntax("float16 weights have no PARAMS section");
    tensor = {
      kind: "float16",
      ...shape,
      bits: 16,
      granularity: "tensor",
      codes: new Uint16Array(n),
    };
  } else {
    const pr = need(SECTION.PARAMS);
    pr.category = "scales";
    if (kindName === "codebook") {
      // Checked before the array is made: a codebook is strictly ascending, so never a constant
      // run, and its smallest storage (float16) takes 2 bytes an entry.
      const entries = groups * levels;
      if (pr.remaining < 1 + 2 * entries) {
        throw pr.range(
          `a codebook of ${groups} x ${levels} entries needs at least ${
            1 + 2 * entries
          } bytes but only ${counted(pr.remaining, "remains", { plural: "remain" })}`,
        );
      }
      tensor = {
        kind: "codebook",
        ...shape,
        levels,
        codes: levels <= 256 ? new Uint8Array(n) : new Uint16Array(n),
        codebook: readFloat32Array(pr, groups * levels, "codebook"),
      };
    } else if (kindName === "log2") {
      tensor = { kind: "log2", ...shape, codes: new Int8Array(n), scale: readScale(pr) };
    } else {
      const symmetric = kindName === "uniform-symmetric";
      const scale = readScale(pr);
      const zeroPoint = new Int32Array(groups);
      if (!symmetric) {
        const zp = pr.bytes(packedSize(groups, bits), "zero points");
        if (!paddingIsZero(zp, groups, bits)) throw pr.syntax("zero points have non-zero padding");
        unpackBits(zp, groups, bits, zeroPoint);
      }
      tensor = {
        kind: "uniform",
        scheme: symmetric ? "symmetric" : "affine",
        ...shape,
        codes: symmetric
          ? (small ? new Int8Array(n) : new Int16Array(n))
          : (small ? new Uint8Array(n) : new Uint16Array(n)),
        scale,
        zeroPoint,
      };
    }
    pr.expectEnd();
  }
  // Codes: stored ones from the fields, the others the group's zero code.
  const [lo, hi] = tensor.kind === "float16" ? [0, 0xffff] : tensorCodeRange(tensor);
  for (let i = 0, k = 0; i < n; i++) {
    const g = elementGroup(granularity, i, cols);
    if (support[i]) {
      const q = fieldToCode(tensor, fields[k++]);
      if (q < lo || q > hi) {
        throw wr.syntax(`code ${q} of weight ${i} is outside the ${bits}-bit range`);
      }
      tensor.codes[i] = q;
    } else {
      const z = zeroCode(tensor, g);
      if (!hasMask && !Object.is(codeValue(tensor, z, g), 0)) {
        throw wr.syntax(`weight ${i} has no code and its group has no code for 0`);
      }
      tensor.codes[i] = z;
    }
  }
  return tensor;
}

function readFloat32Array(r: ByteReader, count: number, what: string): Float32Array {
  const wide = readFloatArray(r, new Float64Array(count), what);
  const out = Float32Array.from(wide);
  for (let i = 0; i < count; i++) {
    if (!Object.is(out[i], wide[i])) throw r.syntax(`${what}[${i}] is not a float32 value`);
  }
  return out;
}

function readBias(r: ByteReader, rows: number): QuantizedBias {
  const kind = r.u8("bias kind");
  if (kind === BIAS_KIND.float32) {
    return { kind: "float32", values: readFloat32Array(r, rows, "bias") };
  }
  if (kind === BIAS_KIND.float64) {
    return { kind: "float64", values: readFloatArray(r, new Float64Array(rows), "bias") };
  }
  if (kind === BIAS_KIND.int32) {
    const values = new Int32Array(rows);
    for (let c = 0; c < rows; c++) {
      const v = r.zigzag(`bias ${c}`);
      if (v < -(2 ** 31) || v >= 2 ** 31) throw r.range(`bias ${c} is ${v}, not an int32`);
      values[c] = v;
    }
    return {
      kind: "int32",
      values,
      scale: readFloatArray(r, new Float64Array(rows), "bias scale"),
    };
  }
  throw r.syntax(`unknown bias kind ${kind}`);
}

function readInput(r: ByteReader): InputQuantization {
  const d = r.u8("input dtype");
  if (d > 1) throw r.syntax(`unknown input dtype ${d}`);
  const scale = readFloatArray(r, new Float64Array(1), "input scale")[0];
  const zeroPoint = r.zigzag("input zero point");
  const calibration = r.string("input calibration");
  return { dtype: d === 0 ? "uint8" : "int8", scale, zeroPoint, calibration };
}

function readRecipe(r: ByteReader): QuantizationRecipe {
  const text = r.utf8(r.bytes(r.remaining, "recipe"), "recipe");
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw r.syntax("recipe is not JSON");
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw r.syntax("recipe is not a JSON object");
  }
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!(RECIPE_KEYS as readonly string[]).includes(k)) {
      throw r.syntax(`unknown recipe key ${quotedText(k)}`);
    }
    if (k === "seed" ? typeof v !== "number" : typeof v !== "string") {
      throw r.syntax(`recipe.${k} has the wrong type`);
    }
    out[k] = v as string | number;
  }
  return out as QuantizationRecipe;
}

function hex(v: number): string {
  return v.toString(16).padStart(8, "0");
}

/** Options for {@linkcode saveModel}. */
export interface SaveModelOptions extends EncodeOptions, WriteFileAtomicOptions {}

/**
 * Writes a model file atomically: a failure midway leaves any previous file at `path` intact.
 *
 * @param path The destination (conventionally `*.lrc`; a `.json` or `.onnx` name is refused,
 *   since readers take it for that format).
 * @param model A float or quantized model.
 * @param options Storage of float weights; a replacement writer (tests).
 * @returns The number of bytes written.
 * @throws {TypeError} If the model is malformed, `path` is not a non-empty string or ends in `.json`
 *   or `.onnx`, or the file cannot be written.
 * @throws {RangeError} As {@linkcode encodeModel}.
 */
export async function saveModel(
  path: string,
  model: StoredModel,
  options: SaveModelOptions = {},
): Promise<number> {
  checkOptionKeys(
    "save model",
    options,
    SAVE_OPTION_KEYS,
  );
  // As loadModel: the writer below would name its own action ("Cannot write a file").
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot save model: path must be a non-empty string, got ${describe(path)}`,
    );
  }
  // The binary format under a name that says otherwise would be read as what the name says.
  const ext = path.toLowerCase().match(/\.(json|onnx)$/)?.[1];
  if (ext) {
    throw new TypeError(
      `Cannot save model: '${path}' ends in .${ext}, and saveModel writes the binary .lrc ` +
        `format; ${
          ext === "json"
            ? "write modelToJson(model) or quantizedModelToJson(q) for JSON"
            : "write exportOnnx(model) for ONNX"
        }`,
    );
  }
  const bytes = encodeModel(model, { weightDtype: options.weightDtype, entropy: options.entropy });
  await writeFileAtomic(path, bytes, { write: options.write });
  return bytes.length;
}

/**
 * Reads a model file: the binary format, or the JSON of `modelToJson` or `quantizedModelToJson`
 * (recognised by a leading `{`, then by its `kind`).
 *
 * @param path The file.
 * @param options Cap on the number of weights.
 * @returns The stored model (use `asFloatModel` for a float model to predict with).
 * @throws {TypeError} If `path` is not a non-empty string, or the file cannot be read.
 * @throws {SyntaxError} If it is not a well-formed model file.
 * @throws {RangeError} If it is of a newer version or exceeds a limit.
 */
export async function loadModel(
  path: string,
  options: Omit<DecodeOptions, "name"> = {},
): Promise<StoredModel> {
  checkOptionKeys("read model file", options, LOAD_OPTION_KEYS);
  // Deno.readFile reads a number or an array as the path '' ("No such file"), a URL as a path.
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot read model file: path must be a non-empty string, got ${describe(path)}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new TypeError(`Cannot read model file '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  return modelFromFileBytes(bytes, path, options);
}

/**
 * Reads the bytes of a model file as {@linkcode loadModel} reads the file, for a caller that has
 * them already (the CLI reports their length, and reads the file once).
 *
 * @param bytes The file's bytes.
 * @param path The file's name: messages name it, and a `.json` name refuses the binary format.
 * @param options Cap on the number of weights.
 * @returns The stored model.
 * @throws {SyntaxError} If it is not a well-formed model file.
 * @throws {RangeError} If it is of a newer version or exceeds a limit.
 *
 * @example The bytes of a saved model read back as the model
 * ```ts
 * import { encodeModel, modelFromFileBytes } from "./model_file.ts";
 * import assert from "node:assert/strict";
 *
 * const model = {
 *   kind: "logistic-regression" as const,
 *   version: 1 as const,
 *   link: "sigmoid" as const,
 *   weights: { data: Float64Array.of(0.5, -2), rows: 1, cols: 2 },
 *   bias: Float64Array.of(0.25),
 *   classes: ["no", "yes"],
 *   featureNames: ["a", "b"],
 *   preprocessing: { kind: "none" as const },
 * };
 * const read = modelFromFileBytes(encodeModel(model), "m.lrc");
 * assert.equal(read.kind, "logistic-regression");
 * assert.deepEqual(read.bias, Float64Array.of(0.25));
 * ```
 */
export function modelFromFileBytes(
  bytes: Uint8Array,
  path: string,
  options: Omit<DecodeOptions, "name"> = {},
): StoredModel {
  checkOptionKeys("read model file", options, LOAD_OPTION_KEYS);
  const first = jsonStart(bytes);
  const binary = MODEL_FILE_MAGIC.every((b, i) => bytes[i] === b);
  if (bytes[first] !== 0x7b && !binary && /\.json$/i.test(path)) {
    throw new SyntaxError(
      `Cannot read model file '${path}': ${
        first === bytes.length ? "it is empty" : "it does not start with '{'"
      }, so it is not a JSON model`,
    );
  }
  if (bytes[first] === 0x7b) {
    const maxWeights = maxWeightsOf(options);
    const text = new TextDecoder().decode(bytes);
    let model: StoredModel;
    try {
      model = isQuantizedJson(text) ? quantizedModelFromJson(text) : modelFromJson(text);
    } catch (error) {
      const message = (error as Error).message.replace(
        /^Cannot read (quantized )?model/,
        `Cannot read model file '${path}'`,
      );
      throw error instanceof RangeError ? new RangeError(message) : new SyntaxError(message);
    }
    // The cap of the binary format, so that a JSON file is no way around it.
    const over = overCap(model.weights.rows, model.weights.cols, maxWeights);
    if (over !== null) throw new RangeError(`Cannot read model file '${path}': ${over}`);
    return model;
  }
  return decodeModel(bytes, { ...options, name: path });
}

/**
 * Where a model file's JSON would start: its first byte after a UTF-8 byte order mark (as Windows
 * editors write; TextDecoder drops it) and blanks, `bytes.length` if none. The file is read as
 * JSON when that byte is `{` (see {@linkcode loadModel}).
 *
 * @param bytes The file's bytes.
 * @returns The index.
 */
export function jsonStart(bytes: Uint8Array): number {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let first = bom ? 3 : 0;
  while (first < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[first])) first++;
  return first;
}

/** The `maxWeights` option of a read, checked, or its default. */
function maxWeightsOf(options: { readonly maxWeights?: number }): number {
  const maxWeights = options.maxWeights ?? 2 ** 25;
  assertInRange("read model file", "maxWeights", maxWeights, 1, 2 ** 32, true);
  return maxWeights;
}

/** Why a model of `rows x cols` weights exceeds the cap of a read, or `null` if it does not. */
function overCap(rows: number, cols: number, maxWeights: number): string | null {
  return rows * cols > maxWeights
    ? `${rows} x ${cols} = ${rows * cols} weights exceed the limit of ${maxWeights} (maxWeights)`
    : null;
}

/** Whether JSON text is an object of kind "quantized-logistic-regression". */
function isQuantizedJson(text: string): boolean {
  try {
    return JSON.parse(text)?.kind === "quantized-logistic-regression";
  } catch {
    return false; // modelFromJson reports the syntax error
  }
}
