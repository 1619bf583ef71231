/**
 * JSON form of a model: typed arrays become plain arrays, everything else stays as is. The round
 * trip is exact (JSON numbers print the shortest decimal that reads back to the same double),
 * except for the sign of zero: JSON has no -0, so a -0 reads back as 0, equal to it (the
 * library's own training, pruning and quantization write 0).
 *
 * @module
 */

import type { LogisticModel } from "./types.ts";
import { MODEL_VERSION } from "./types.ts";
import { validateModel } from "./validate_model.ts";
import { describe } from "../core/validate.ts";

/**
 * Serialises a model to JSON text.
 *
 * @param model The model.
 * @returns JSON text that {@linkcode modelFromJson} reads back to an equal model.
 *
 * @example Round trip
 * ```ts
 * import { modelFromJson, modelToJson } from "./serialize.ts";
 * import { fit } from "./fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1]));
 * assert.deepEqual(modelFromJson(modelToJson(model)), model);
 * ```
 */
export function modelToJson(model: LogisticModel): string {
  validateModel(model, "serialise model");
  const p = model.preprocessing;
  return JSON.stringify({
    kind: model.kind,
    version: model.version,
    link: model.link,
    weights: { rows: model.weights.rows, cols: model.weights.cols, data: [...model.weights.data] },
    bias: [...model.bias],
    classes: model.classes,
    featureNames: model.featureNames,
    preprocessing: p.kind === "none"
      ? { kind: "none" }
      : { kind: p.kind, mean: [...p.mean], scale: [...p.scale] },
    ...(model.mask ? { mask: [...model.mask] } : {}),
    ...(model.threshold !== undefined ? { threshold: model.threshold } : {}),
  });
}

/**
 * Reads a model from JSON text written by {@linkcode modelToJson}.
 *
 * @param text The JSON text.
 * @returns The model.
 * @throws {SyntaxError} If the text is not JSON or does not describe a model.
 * @throws {RangeError} If the model's version is newer than this library's.
 */
export function modelFromJson(text: string): LogisticModel {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read model: not JSON (${(error as Error).message})`);
  }
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot read model: ${reason}`);
  };
  if (typeof o !== "object" || o === null || o.kind !== "logistic-regression") {
    fail("it is not a logistic-regression model (kind)");
  }
  if (Number.isInteger(o.version) && (o.version as number) > MODEL_VERSION) {
    throw new RangeError(
      `Cannot read model: it has version ${o.version}, this lrcompress reads up to ${MODEL_VERSION}`,
    );
  }
  const { numbers, object } = jsonFieldReaders(fail);
  const w = object(o.weights, "weights") as { rows?: unknown; cols?: unknown; data?: unknown };
  const model = {
    kind: "logistic-regression",
    version: o.version,
    link: o.link,
    weights: {
      rows: w!.rows,
      cols: w!.cols,
      data: Float64Array.from(numbers(w!.data, "weights.data")),
    },
    bias: Float64Array.from(numbers(o.bias, "bias")),
    classes: o.classes,
    featureNames: o.featureNames,
    preprocessing: preprocessingFromJson(o.preprocessing, numbers, fail),
    ...(o.mask !== undefined ? { mask: maskFrom(numbers(o.mask, "mask"), fail) } : {}),
    ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
  } as unknown as LogisticModel;
  try {
    validateModel(model, "read model");
  } catch (error) {
    throw new SyntaxError((error as Error).message);
  }
  return model;
}

/**
 * The field checks both model JSON readers make, each refusing through the reader's `fail` with
 * the field's name and what it holds.
 *
 * @param fail Throws the reader's refusal.
 * @returns `numbers` (an array of numbers) and `object` (an object that is not an array).
 */
export function jsonFieldReaders(fail: (reason: string) => never): {
  numbers: (v: unknown, name: string) => number[];
  object: (v: unknown, name: string) => Record<string, unknown>;
} {
  return {
    numbers: (v, name) => {
      if (!Array.isArray(v)) return fail(`${name} must be an array of numbers, got ${describe(v)}`);
      const i = v.findIndex((e) => typeof e !== "number");
      if (i >= 0) {
        fail(`${name} must be an array of numbers, but ${name}[${i}] is ${describe(v[i])}`);
      }
      return v;
    },
    object: (v, name) =>
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? v as Record<string, unknown>
        : fail(`${name} must be an object, got ${describe(v)}`),
  };
}

/**
 * The preprocessing of a model read from JSON, its mean and scale as typed arrays. Any other kind
 * is passed on as it is for the model's own check, except a mean or scale beside `none`, which would
 * be ignored without a word.
 *
 * @param value The JSON's `preprocessing` field.
 * @param numbers Reads an array of numbers, or fails naming the field.
 * @param fail Throws the reader's refusal.
 * @returns The preprocessing, checked no further.
 */
export function preprocessingFromJson(
  value: unknown,
  numbers: (v: unknown, name: string) => number[],
  fail: (reason: string) => never,
): unknown {
  const p = value as { kind?: unknown; mean?: unknown; scale?: unknown } | undefined;
  if (p?.kind === "none" && (p.mean !== undefined || p.scale !== undefined)) {
    fail("preprocessing is 'none' but has a mean or scale, which would be ignored");
  }
  return p?.kind === "standardize"
    ? {
      kind: "standardize",
      mean: Float64Array.from(numbers(p.mean, "preprocessing.mean")),
      scale: Float64Array.from(numbers(p.scale, "preprocessing.scale")),
    }
    : p;
}

function maskFrom(values: number[], fail: (reason: string) => never): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) fail(`mask[${i}] is ${values[i]}, not 0 or 1`);
    out[i] = values[i];
  }
  return out;
}
