/**
 * Where the bytes of a model file go: a breakdown by purpose that adds up to the file's length,
 * the gzip size, and the dense float32 baseline (4 bytes per weight and per bias).
 *
 * @module
 */

import { describe } from "../core/validate.ts";
import { SIZE_CATEGORIES, type SizeCategory } from "./bytes.ts";
import { type DecodeOptions, inspectModelFile } from "./model_file.ts";
import { asFloatModel, type StoredModel } from "./quantized.ts";

/** The size report of a model file. */
export interface SizeReport {
  /** Length of the file in bytes. */
  readonly fileBytes: number;
  /** Bytes per purpose; they add up to `fileBytes`. */
  readonly parts: Readonly<Record<SizeCategory, number>>;
  /** Length of the file compressed with gzip (default level of `CompressionStream`). */
  readonly gzipBytes: number;
  /** `4 * (nOutputs * nFeatures + nOutputs)`: the model as dense float32 weights and bias. */
  readonly denseFloat32Bytes: number;
  /** `denseFloat32Bytes / fileBytes`. */
  readonly compressionRatio: number;
  /** How the weights are stored, e.g. `"float64"` or `"uniform-affine 4-bit per class"`. */
  readonly storage: string;
  /** Encoding of the stored positions (`"dense"`, `"bitmap"`, ..., `"rans"`). */
  readonly indexEncoding: string;
  /** How a quantized model's codes are stored: `"packed"` at their bit width, or `"rans"`. */
  readonly codesEncoding: "packed" | "rans";
  /** The file's format version (2 when something in it is entropy-coded). */
  readonly formatVersion: number;
  /** `nOutputs * nFeatures`. */
  readonly weights: number;
  /** Weights whose value or code the file stores. */
  readonly storedWeights: number;
  /** Weights that are not zero. */
  readonly nonZeroWeights: number;
  /** The model read from the file. */
  readonly model: StoredModel;
}

/**
 * Number of bytes of `bytes` compressed with gzip.
 *
 * @param bytes The data.
 * @returns The gzip size.
 */
export async function gzipSize(bytes: Uint8Array): Promise<number> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot measure gzip size: bytes must be a Uint8Array, got ${describe(bytes)}`,
    );
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

/**
 * Reads a model file and reports where its bytes go.
 *
 * @param bytes The file's bytes.
 * @param options Name for messages and the weight cap, as for `decodeModel`.
 * @returns The report.
 * @throws {SyntaxError} If the bytes are not a well-formed model file.
 * @throws {RangeError} If the file is of a newer version or exceeds a limit.
 *
 * @example The parts add up to the file
 * ```ts
 * import { sizeReport } from "./size_report.ts";
 * import { encodeModel } from "./model_file.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
 * const bytes = encodeModel(model);
 * const report = await sizeReport(bytes);
 * assert.equal(Object.values(report.parts).reduce((a, b) => a + b), bytes.length);
 * assert.equal(report.denseFloat32Bytes, 4 * (2 + 1));
 * ```
 */
export async function sizeReport(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<SizeReport> {
  const { model, info } = inspectModelFile(bytes, options);
  const float = asFloatModel(model);
  let nonZero = 0;
  for (const v of float.weights.data) if (v !== 0) nonZero++;
  const nOut = float.weights.rows;
  const dense = 4 * (info.weights + nOut);
  const parts = {} as Record<SizeCategory, number>;
  for (const c of SIZE_CATEGORIES) parts[c] = info.bytes[c];
  return {
    fileBytes: bytes.length,
    parts,
    gzipBytes: await gzipSize(bytes),
    denseFloat32Bytes: dense,
    compressionRatio: dense / bytes.length,
    storage: info.storage,
    indexEncoding: info.support,
    codesEncoding: info.codes,
    formatVersion: info.formatVersion,
    weights: info.weights,
    storedWeights: info.stored,
    nonZeroWeights: nonZero,
    model,
  };
}
