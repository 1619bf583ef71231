/**
 * A quantization study in one call: each method at each bit width, post-training or
 * quantization-aware, measured on held-out data with the bytes its weights take.
 *
 * @module
 */

import {
  assertFinite,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  exactKeys,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { accuracy } from "../metrics/metrics.ts";
import { predict } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { effectiveWeights } from "../model/fit.ts";
import { dequantizeModel, quantizedSize, quantizeModel } from "./model.ts";
import {
  checkQatOptimizer,
  checkQatRounding,
  QAT_OPTION_KEYS,
  type QatOptions,
  quantizationAwareTraining,
} from "./qat.ts";
import { fewestDistinct, type QuantizationMethod, resolveMethod } from "./quantize.ts";
import type { Granularity, QuantizedModel } from "./types.ts";
import { type Samples, weightOptions } from "../prune/scores.ts";

/** One line of a sweep: a method, quantized post-training or trained with quantization. */
export interface QuantizationSweepEntry {
  /** The line's name, e.g. `"symmetric per class, QAT"`. */
  readonly name: string;
  /** The method; its bit width is set from the sweep's (float16 runs once, at 16 bits). */
  readonly method: QuantizationMethod;
  /**
   * Post-training quantization or quantization-aware training (k-means: centroid fine-tuning).
   * @default {"ptq"}
   */
  readonly training?: "ptq" | "qat";
  /**
   * Bit widths for this entry only.
   * @default {the sweep's `bits`}
   */
  readonly bits?: readonly number[];
}

/** Options for {@linkcode quantizationSweep}. */
export interface QuantizationSweepOptions {
  /**
   * The lines to compare. The default's k-means bit widths that the model cannot take (more
   *   levels than a tensor has distinct weights) are left out and listed in the result's
   *   `skipped`; an entry given here is refused for them instead.
   * @default {uniform symmetric, uniform affine and log2, each per class with MSE calibration,
   *   and k-means per tensor; all post-training}
   */
  entries?: readonly QuantizationSweepEntry[];
  /**
   * Bit widths, each an integer in 1..16 (1..8 for log2).
   * @default {[8, 6, 4, 3, 2, 1]}
   */
  bits?: readonly number[];
  /**
   * Options of quantization-aware training for the `qat` entries (its `method` is the entry's).
   * @default {those of `quantizationAwareTraining`}
   */
  qat?: Omit<QatOptions, "method">;
  /**
   * Called after each row, with the number of rows done and planned.
   * @default {none}
   */
  onProgress?: (row: QuantizationSweepRow, done: number, total: number) => void;
}

/** One quantized model of a sweep. */
export interface QuantizationSweepRow {
  /** The entry's name. */
  readonly method: string;
  /** Bits per weight code. */
  readonly bits: number;
  /** How it was obtained. */
  readonly training: "ptq" | "qat";
  /** Accuracy of the dequantized model on the held-out data, a fraction in [0, 1]. */
  readonly accuracy: number;
  /** Bytes of the weights: bit-packed codes plus scales, zero points or codebooks. */
  readonly weightBytes: number;
  /** Float32 weight bytes over `weightBytes`. */
  readonly compression: number;
  /** The quantized model. */
  readonly model: QuantizedModel;
}

/**
 * A row of the default entries that the model cannot take, left out of the sweep: k-means at a bit
 * width of more levels than a group has distinct weights (a small model: 30 weights cannot make 256
 * centroids).
 */
export interface QuantizationSweepSkip {
  /** The entry's name, as a row's `method`. */
  readonly method: string;
  /** The bit width left out. */
  readonly bits: number;
  /** How the row would have been obtained. */
  readonly training: "ptq" | "qat";
  /** Why it was left out, e.g. `"needs 256 distinct weights per tensor for k-means, the model has 30"`. */
  readonly reason: string;
}

/**
 * The rows of {@linkcode quantizationSweep} (an array, entries in order, bit widths within each),
 * with the rows of its default entries that the model cannot take.
 */
export interface QuantizationSweepResult extends Array<QuantizationSweepRow> {
  /**
   * The rows of the default entries left out because the model cannot take them, in the order
   * they would have had. Always empty when `entries` is given: the sweep refuses such a row of an
   * entry the caller named.
   */
  readonly skipped: readonly QuantizationSweepSkip[];
}

const DEFAULT_ENTRIES: readonly QuantizationSweepEntry[] = [
  { name: "uniform symmetric per class", method: { kind: "uniform", scheme: "symmetric" } },
  { name: "uniform affine per class", method: { kind: "uniform", scheme: "affine" } },
  { name: "log2 per class", method: { kind: "log2" } },
  { name: "k-means per tensor", method: { kind: "kmeans" } },
];

const SWEEP_OPTION_KEYS: OptionKeys<QuantizationSweepOptions> = {
  entries: true,
  bits: true,
  qat: true,
  onProgress: true,
};

// QAT's options but the method, which each entry sets.
const { method: _method, ...SWEEP_QAT_KEYS } = QAT_OPTION_KEYS;
const SWEEP_QAT_OPTION_KEYS = exactKeys<Omit<QatOptions, "method">>()(SWEEP_QAT_KEYS);

const ENTRY_KEYS: OptionKeys<QuantizationSweepEntry> = {
  name: true,
  method: true,
  training: true,
  bits: true,
};

/**
 * Quantizes a model with each entry's method at each bit width and measures the dequantized
 * model's accuracy on held-out data and the bytes of its weights (`quantizedSize`). Each row's
 * model is what `quantizeModel(model, { method: { ...method, bits } })` (or
 * `quantizationAwareTraining(model, train, { ...qat, method })`) returns.
 *
 * @param model The float model (its mask, if any, is kept: pruned weights stay 0).
 * @param data `test`: raw held-out data for the accuracy; `train`: raw training data, needed
 *   by `qat` entries only.
 * @param options Entries, bit widths, QAT options, progress.
 * @returns One row per entry and bit width, entries in order, bit widths within each; without
 *   `entries`, the default k-means rows the model cannot take are left out and listed in the
 *   result's `skipped` with the reason (an array's property: the rows stay an array).
 * @throws {TypeError} If the model or the data are malformed or do not match, `entries` or a
 *   `bits` is not an array, an entry or its method is not an object, a method has an unknown
 *   option, or `qat`'s `sampleWeight` does not hold one weight per row of `data.train`.
 * @throws {RangeError} If the data have no rows or hold NaN or infinity, a `qat` entry has no
 *   training data or rounds stochastically, a method or bit width is out of range (see
 *   `resolveMethod`), a k-means bit width of a given entry asks for more levels than a group
 *   has distinct weights (the default entries' are skipped instead), a bit width is given twice
 *   in one list, a weight of `qat`'s `sampleWeight` or `classWeight` is refused as `fit`
 *   refuses it, or they are given with no `qat` entry to weigh, or two entries have one name
 *   (all checked before any row is computed).
 *
 * @example 8 and 2 bits on the digits
 * ```ts
 * import { quantizationSweep } from "./sweep.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const { model } = fit(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } });
 * const rows = quantizationSweep(model, { test: data }, { bits: [8, 2] });
 * assert.equal(rows.length, 8);
 * assert.equal(rows[0].weightBytes, 640 + 4 * 10); // 8-bit codes + one float32 scale per class
 * ```
 */
export function quantizationSweep(
  model: LogisticModel,
  data: { readonly test: Samples; readonly train?: Samples },
  options: QuantizationSweepOptions = {},
): QuantizationSweepResult {
  const action = "run quantization sweep";
  validateModel(model, action);
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`Cannot ${action}: data must be an object { test, train? }`);
  }
  checkData(action, model, "test", data.test);
  if (data.train !== undefined) checkData(action, model, "train", data.train);
  checkOptionKeys(action, options, SWEEP_OPTION_KEYS);
  checkOptionKeys(action, options.qat, SWEEP_QAT_OPTION_KEYS, "qat");
  // Before any entry is measured, not at the first qat entry.
  checkQatOptimizer(action, options.qat?.optimizer);
  const entries = options.entries ?? DEFAULT_ENTRIES;
  if (!Array.isArray(entries)) {
    throw new TypeError(`Cannot ${action}: entries must be an array, got ${describe(entries)}`);
  }
  checkBitWidths(action, "bits", options.bits);
  const plan: { entry: QuantizationSweepEntry; method: QuantizationMethod; bits: number }[] = [];
  // The defaults' rows the model cannot take: the caller chose none of them.
  const skipped: QuantizationSweepSkip[] = [];
  // The fewest distinct kept weights of a group, per granularity (computed once each).
  const distinctBy = new Map<Granularity, number>();
  const named = new Map<string, number>(); // entry names, by the index of their entry
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new TypeError(`Cannot ${action}: an entry must be an object, got ${describe(entry)}`);
    }
    checkOptionKeys(action, entry, ENTRY_KEYS, `entry '${entry.name}'`);
    if (typeof entry.name !== "string") {
      throw new TypeError(`Cannot ${action}: every entry needs a name`);
    }
    // Rows carry the name only: two entries of one name (a PTQ and a QAT one) gave rows that a
    // table or figure keyed by method merged into one line.
    const before = named.get(entry.name);
    if (before !== undefined) {
      throw new RangeError(
        `Cannot ${action}: entries[${before}] and entries[${named.size}] are both named ${
          quotedText(entry.name)
        }; give each entry its own name`,
      );
    }
    named.set(entry.name, named.size);
    checkBitWidths(action, `bits of entry '${entry.name}'`, entry.bits, `entry '${entry.name}' `);
    // Spread into { ...method, bits }, a string gave its characters and null nothing: both
    // were refused as "unknown method 'undefined'".
    if (typeof entry.method !== "object" || entry.method === null || Array.isArray(entry.method)) {
      throw new TypeError(
        `Cannot ${action}: the method of entry '${entry.name}' must be an object, got ${
          describe(entry.method)
        }`,
      );
    }
    const training = entry.training ?? "ptq";
    if (training !== "ptq" && training !== "qat") {
      throw new RangeError(`Cannot ${action}: training must be ptq or qat, got '${training}'`);
    }
    if (training === "qat" && data.train === undefined) {
      throw new RangeError(
        `Cannot ${action}: entry '${entry.name}' trains, but data.train is missing`,
      );
    }
    if (entry.method?.kind === "float16") {
      resolveMethod(entry.method, action); // its settings too are refused before any work
      plan.push({ entry, method: entry.method, bits: 16 });
      continue;
    }
    if (entry.method?.kind === "kmeans" && entry.method.levels !== undefined) {
      throw new RangeError(
        `Cannot ${action}: entry '${entry.name}' sets k-means levels, which fix its bits; the ` +
          "sweep sets the bits (give bits, or quantize that model once with quantizeModel)",
      );
    }
    for (const bits of entry.bits ?? options.bits ?? [8, 6, 4, 3, 2, 1]) {
      const method = { ...entry.method, bits } as QuantizationMethod;
      const resolved = resolveMethod(method, action); // refuse bad settings before any work
      // QAT refused a stochastic rounding only when the entry's first row came.
      if (training === "qat") checkQatRounding(action, resolved);
      if (resolved.kind === "kmeans") {
        // k-means needs as many distinct weights per group as levels: refused now, not after
        // the rows before it are done.
        let distinct = distinctBy.get(resolved.granularity);
        if (distinct === undefined) {
          distinct = fewestDistinct(model.weights, resolved.granularity, model.mask ?? null);
          distinctBy.set(resolved.granularity, distinct);
        }
        if (distinct < resolved.levels) {
          const reason = `needs ${resolved.levels} distinct weights per ${resolved.granularity} ` +
            `for k-means, the model has ${distinct}`;
          if (options.entries === undefined) {
            skipped.push({ method: entry.name, bits, training, reason });
            continue;
          }
          throw new RangeError(
            `Cannot ${action}: entry '${entry.name}' at ${bits} bits ${reason}; give the entry ` +
              "fewer bits",
          );
        }
      }
      plan.push({ entry, method, bits });
    }
  }
  // QAT's row weights, in this action's words before any row (quantizationAwareTraining
  // refused them at the first qat entry, after the rows before it were measured).
  const qatWeights = weightOptions(options.qat ?? {});
  const weighed = Object.keys(qatWeights);
  if (weighed.length > 0 && !plan.some((p) => p.entry.training === "qat")) {
    // Dropped without a word otherwise: post-training quantization reads no data.
    throw new RangeError(
      `Cannot ${action}: ${
        weighed.map((k) => `qat.${k}`).join(" and ")
      } would weigh nothing: no entry has training "qat" (post-training quantization reads no data)`,
    );
  }
  if (weighed.length > 0 && data.train !== undefined) {
    effectiveWeights(data.train.y, model.classes, qatWeights, action);
  }
  const rows: QuantizationSweepRow[] = [];
  for (const { entry, method, bits } of plan) {
    const training = entry.training ?? "ptq";
    const q = training === "qat"
      ? quantizationAwareTraining(model, data.train!, { ...options.qat, method }).model
      : quantizeModel(model, { method });
    const size = quantizedSize(q);
    const row: QuantizationSweepRow = {
      method: entry.name,
      bits,
      training,
      accuracy: accuracy(data.test.y, predict(dequantizeModel(q), data.test.x)),
      weightBytes: size.weightBytes,
      compression: size.compression,
      model: q,
    };
    rows.push(row);
    options.onProgress?.(row, rows.length, plan.length);
  }
  return Object.assign(rows, { skipped });
}

/**
 * Checks that a list of bit widths, when given, is an array that names each width once (its
 * values `resolveMethod` checks).
 */
function checkBitWidths(action: string, name: string, bits: unknown, owner = ""): void {
  if (bits === undefined) return;
  if (!Array.isArray(bits)) {
    throw new TypeError(`Cannot ${action}: ${name} must be an array, got ${describe(bits)}`);
  }
  // A width given twice was quantized (or trained) twice, into two rows at one point that
  // pivotRows and bitWidthFigure refuse, after the whole sweep's work. Numbers only: other
  // values resolveMethod refuses in its own words.
  bits.forEach((b, i) => {
    const first = bits.indexOf(b);
    if (typeof b === "number" && first < i) {
      throw new RangeError(
        `Cannot ${action}: ${owner}bits[${first}] and bits[${i}] are both ${b}; give each once`,
      );
    }
  });
}

function checkData(action: string, model: LogisticModel, name: string, d: Samples): void {
  if (typeof d !== "object" || d === null) {
    throw new TypeError(`Cannot ${action}: data.${name} must be an object { x, y }`);
  }
  assertMatrix(action, `data.${name}.x`, d.x);
  if (d.x.cols !== model.weights.cols) {
    throw new TypeError(
      `Cannot ${action}: data.${name}.x has ${
        counted(d.x.cols, "column")
      }, the model ${model.weights.cols}`,
    );
  }
  // Here, before any row: accuracy refused an empty test set after the first row was quantized,
  // and the first qat entry's fit an empty training set after the rows before it.
  if (d.x.rows === 0) throw new RangeError(`Cannot ${action}: data.${name}.x has no rows`);
  // Here, before any row: training data were first read by the first qat entry's fit.
  assertFinite(action, `data.${name}.x`, d.x.data, d.x.cols);
  assertLabels(action, d.y, d.x.rows, model.classes.length);
}
