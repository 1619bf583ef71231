/**
 * JSON form of a quantized model (until the binary format exists): typed arrays become plain
 * arrays, and reading rebuilds the exact typed arrays that the kind and bits prescribe. The round
 * trip is exact.
 *
 * @module
 */

import type { QuantizedBias, QuantizedModel, QuantizedTensor } from "./types.ts";
import { QUANTIZED_MODEL_VERSION } from "./types.ts";
import { expectedCodeArray, validateQuantizedModel } from "./validate.ts";
import { jsonFieldReaders, preprocessingFromJson } from "../model/serialize.ts";
import { quoted } from "../core/validate.ts";

/** The fields of each kind of tensor. */
const TENSOR_KEYS: { readonly [K in QuantizedTensor["kind"]]: readonly string[] } = {
  uniform: ["kind", "scheme", "bits", "granularity", "rows", "cols", "codes", "scale", "zeroPoint"],
  log2: ["kind", "bits", "granularity", "rows", "cols", "codes", "scale"],
  codebook: ["kind", "levels", "bits", "granularity", "rows", "cols", "codes", "codebook"],
  float16: ["kind", "bits", "granularity", "rows", "cols", "codes"],
};

/**
 * Serialises a quantized model to JSON text.
 *
 * @param q The quantized model.
 * @returns JSON text that {@linkcode quantizedModelFromJson} reads back to an equal model.
 * @throws {TypeError} If `q` is not a well-formed quantized model.
 *
 * @example Round trip
 * ```ts
 * import { quantizedModelFromJson, quantizedModelToJson } from "./serialize.ts";
 * import { quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1]));
 * const q = quantizeModel(model, { method: { kind: "uniform", scheme: "affine", bits: 3 } });
 * assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(q)), q);
 * ```
 */
export function quantizedModelToJson(q: QuantizedModel): string {
  validateQuantizedModel(q, "serialise quantized model");
  const t = q.weights;
  const p = q.preprocessing;
  const weights: Record<string, unknown> = { ...t, codes: [...t.codes] };
  if (t.kind === "uniform") {
    weights.scale = [...t.scale];
    weights.zeroPoint = [...t.zeroPoint];
  } else if (t.kind === "log2") {
    weights.scale = [...t.scale];
  } else if (t.kind === "codebook") {
    weights.codebook = [...t.codebook];
  }
  const b = q.bias;
  return JSON.stringify({
    kind: q.kind,
    version: q.version,
    link: q.link,
    classes: q.classes,
    featureNames: q.featureNames,
    preprocessing: p.kind === "none"
      ? { kind: "none" }
      : { kind: p.kind, mean: [...p.mean], scale: [...p.scale] },
    weights,
    bias: b.kind === "int32"
      ? { kind: b.kind, values: [...b.values], scale: [...b.scale] }
      : { kind: b.kind, values: [...b.values] },
    ...(q.mask ? { mask: [...q.mask] } : {}),
    ...(q.input ? { input: q.input } : {}),
    ...(q.recipe ? { recipe: q.recipe } : {}),
    ...(q.threshold !== undefined ? { threshold: q.threshold } : {}),
  });
}

/**
 * Reads a quantized model from JSON text written by {@linkcode quantizedModelToJson}.
 *
 * @param text The JSON text.
 * @returns The quantized model, with the typed arrays its kind and bits prescribe (fields that
 *   the model or its weights' kind do not have are left out).
 * @throws {SyntaxError} If the text is not JSON or does not describe a valid quantized model.
 * @throws {RangeError} If its version is newer than this library's.
 */
export function quantizedModelFromJson(text: string): QuantizedModel {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read quantized model: not JSON (${(error as Error).message})`);
  }
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot read quantized model: ${reason}`);
  };
  if (typeof o !== "object" || o === null || o.kind !== "quantized-logistic-regression") {
    fail("it is not a quantized-logistic-regression model (kind)");
  }
  if (Number.isInteger(o.version) && (o.version as number) > QUANTIZED_MODEL_VERSION) {
    throw new RangeError(
      `Cannot read quantized model: it has version ${o.version}, this lrcompress reads up to ${QUANTIZED_MODEL_VERSION}`,
    );
  }
  const { numbers, object } = jsonFieldReaders(fail);
  /** Converts to an integer typed array, failing where a value would not survive unchanged. */
  const integers = <T extends ArrayLike<number>>(
    ctor: { from(a: number[]): T },
    v: unknown,
    name: string,
  ): T => {
    const raw = numbers(v, name);
    const out = ctor.from(raw);
    for (let i = 0; i < raw.length; i++) {
      if (out[i] !== raw[i]) fail(`${name}[${i}] is ${raw[i]}, not representable in its type`);
    }
    return out;
  };
  /**
   * Converts to float32, refusing a value float32 cannot hold: past its range (Infinity) or, for
   * a scale, below it (0). The model's checks named the converted value ("bias holds Infinity",
   * "scale[0] is 0"), which the file does not hold.
   */
  const floats32 = (v: unknown, name: string, positive = false): Float32Array => {
    const raw = numbers(v, name);
    const out = Float32Array.from(raw);
    for (let i = 0; i < raw.length; i++) {
      if (!Number.isFinite(out[i])) fail(`${name}[${i}] is ${raw[i]}, beyond the float32 range`);
      if (positive && raw[i] > 0 && out[i] === 0) {
        fail(`${name}[${i}] is ${raw[i]}, below the float32 range (it would be 0)`);
      }
    }
    return out;
  };
  const w = object(o.weights, "weights");
  const shell = { ...w, codes: [] } as unknown as QuantizedTensor;
  if (!["uniform", "log2", "codebook", "float16"].includes(shell.kind)) {
    return fail(`weights have an unknown kind ${quoted(shell.kind)}`);
  }
  // Before the codes, whose typed array the scheme decides: an unknown one was taken as affine,
  // and a symmetric tensor's negative codes refused as 'not representable in its type'.
  if (shell.kind === "uniform" && shell.scheme !== "symmetric" && shell.scheme !== "affine") {
    return fail(`weights have an unknown scheme ${quoted(shell.scheme)}`);
  }
  const ctor = expectedCodeArray(shell) as unknown as { from(a: number[]): ArrayLike<number> };
  // Only the fields of the tensor's kind, as for the model's own fields: a stray one (a scale on
  // a float16 tensor) would be written back as an object that this reader refuses.
  const weights: Record<string, unknown> = {};
  for (const key of TENSOR_KEYS[shell.kind]) if (w[key] !== undefined) weights[key] = w[key];
  weights.codes = integers(ctor, w.codes, "weights.codes");
  if (weights.scale !== undefined) {
    weights.scale = floats32(w.scale, "weights.scale", true);
  }
  if (weights.zeroPoint !== undefined) {
    weights.zeroPoint = integers(Int32Array, w.zeroPoint, "weights.zeroPoint");
  }
  if (weights.codebook !== undefined) {
    weights.codebook = floats32(w.codebook, "weights.codebook");
  }
  const b = object(o.bias, "bias");
  const values = numbers(b.values, "bias.values");
  const bias = (b.kind === "int32"
    ? {
      kind: "int32",
      values: integers(Int32Array, values, "bias.values"),
      scale: Float64Array.from(numbers(b.scale, "bias.scale")),
    }
    : b.kind === "float64"
    ? { kind: "float64", values: Float64Array.from(values) }
    : { kind: b.kind, values: floats32(values, "bias.values") }) as QuantizedBias;
  const model = {
    kind: o.kind,
    version: o.version,
    link: o.link,
    classes: o.classes,
    featureNames: o.featureNames,
    preprocessing: preprocessingFromJson(o.preprocessing, numbers, fail),
    weights,
    bias,
    ...(o.mask !== undefined ? { mask: integers(Uint8Array, o.mask, "mask") } : {}),
    ...(o.input !== undefined ? { input: o.input } : {}),
    ...(o.recipe !== undefined ? { recipe: o.recipe } : {}),
    ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
  } as unknown as QuantizedModel;
  try {
    validateQuantizedModel(model, "read quantized model");
  } catch (error) {
    throw new SyntaxError((error as Error).message);
  }
  return model;
}
