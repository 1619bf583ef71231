/**
 * The compression pipeline: train (or take) a model, prune it, fine-tune the survivors, quantize
 * (post-training or quantization-aware), and report every stage with the real size of its
 * `.lrc` file. A session holds the data split, the dense model and every pruned, fine-tuned and
 * quantized model it made, so a pipeline run, a sweep and a budgeted search on one session share
 * that work.
 *
 * Validation data drive every decision (the automatic preprocessing storage, the search's
 * feasibility, the Pareto front); test data, when given, are only reported.
 *
 * @module
 */

import type { Dataset } from "../data/dataset.ts";
import type { LogisticModel } from "../model/types.ts";
import {
  checkRoundsFineTuned,
  COMPRESS_OPTION_KEYS,
  createContext,
  laddersForMask,
  outputsOf,
  removesNothing,
  type ResolvedPrune,
  resolveSteps,
  SESSION_OPTION_KEYS,
  shapeToCome,
} from "./context.ts";
import { checkOptionKeys, exactKeys } from "../core/validate.ts";
import {
  checkBudgetMetric,
  checkMaxDrop,
  checkRocAucClasses,
  checkStandardErrors,
  runSearch,
  runSizeSearch,
  SEARCH_OPTION_KEYS,
} from "./search.ts";
import {
  prunesInRounds,
  type ResolvedSpace,
  resolveSpace,
  SEARCH_DEFAULTS,
  SPACE_OPTION_KEYS,
  SWEEP_DEFAULTS,
} from "./space.ts";
import { stagesOf } from "./stages.ts";
import { planSweep, runSweep } from "./sweep.ts";
import type {
  CompressionData,
  CompressionSessionOptions,
  CompressionSpace,
  CompressModelOptions,
  CompressOptions,
  CompressResult,
  LabelledData,
  ModelReport,
  QuantizeSpec,
  SearchCompressionOptions,
  SearchOptions,
  SearchResult,
  SizeSearchOptions,
  SizeSearchResult,
  SweepCompressionOptions,
  SweepOptions,
  SweepResult,
} from "./types.ts";

/** A compression session: the data, the dense model, and cached work. */
export interface CompressionSession {
  /** The dense float model (as trained or given). */
  readonly dense: LogisticModel;
  /**
   * The warnings of the dense model's training (`fit`'s `warnings`: e.g. separable data without
   * a penalty, no progress, an objective that rose, a class weighted 0); none when `model` was
   * given.
   */
  readonly denseWarnings: readonly string[];
  /** The dense model stored in float32, measured. */
  readonly denseReport: ModelReport;
  /** The dense float32 baseline: 4 bytes per weight and per bias. */
  readonly denseFloat32Bytes: number;
  /** The data that trains (all of the data when `validation` was given). */
  readonly trainData: Dataset;
  /**
   * The `sampleWeight` of `trainData`'s rows: the given weights of the rows kept for training
   * when validation data was split off, in `trainData`'s order; `null` without `sampleWeight`.
   */
  readonly trainSampleWeight: ArrayLike<number> | null;
  /** The validation data. */
  readonly validation: LabelledData;
  /** Whether the validation and test metrics, and so every decision, are weighted. */
  readonly weightedMetrics: boolean;
  /**
   * Under `weightedMetrics`, the weights of `validation`'s rows (split off with them, or the given
   * validation data's), which weigh its metrics; `null` otherwise.
   */
  readonly validationSampleWeight: ArrayLike<number> | null;
  /**
   * Runs the pipeline: prune, fine-tune, quantize.
   *
   * @param options The pruning and quantization steps.
   * @returns The compressed model, its file and the stage table.
   * @throws {TypeError} For an unknown option (here or in a nested setting), or a step that is
   *   not an object or `false`.
   * @throws {RangeError} For bad settings.
   */
  compress(options?: CompressOptions): CompressResult;
  /**
   * Sweeps strategies x sparsities x methods x bits x granularities x trainings.
   *
   * @param options The space.
   * @returns Every model measured and the Pareto front.
   * @throws {TypeError} For an unknown option, a list that is not a non-empty array, or
   *   `includeFloat` or `iterative` not a boolean.
   * @throws {RangeError} For values out of range, two sparsities of the same name, or a space
   *   in which every combination is skipped (the message lists them with their reasons).
   */
  sweep(options?: SweepOptions): SweepResult;
  /**
   * Finds the smallest file within `maxDrop` of the dense model's validation accuracy, less a
   * margin of `standardErrors` paired standard errors if given (see `search.ts` for the
   * strategy).
   *
   * @param options The budget, its margin and the space.
   * @returns The chosen model, its stages, and everything tried and skipped.
   * @throws {TypeError} For an unknown option, or a list that is not a non-empty array.
   * @throws {RangeError} For values out of range.
   */
  search(options?: SearchOptions): SearchResult;
  /**
   * Finds the model of highest validation accuracy whose file fits in `maxBytes` (see
   * `search.ts`): the dual of {@linkcode CompressionSession.search}, for a size limit.
   *
   * @param options The size budget and the space.
   * @returns The chosen model, its stages, and everything tried and skipped.
   * @throws {TypeError} For an unknown option or a missing `maxBytes`.
   * @throws {RangeError} For values out of range, or when no model of the space fits.
   *
   * @example The most accurate digits model in 500 bytes
   * ```ts
   * import { createCompressionSession } from "./session.ts";
   * import { loadEmbedded } from "../data/embedded.ts";
   * import assert from "node:assert/strict";
   *
   * const session = createCompressionSession(await loadEmbedded("digits"), {
   *   fineTune: { kind: "lbfgs", maxIterations: 20 },
   * });
   * const r = session.searchWithinBytes({ maxBytes: 500, sparsities: [0, 0.5], bits: [2, 4] });
   * assert.ok(r.chosen.bytes <= 500 && r.file.length === r.chosen.bytes);
   * for (const t of r.tried) {
   *   if (t.feasible) assert.ok(t.validation.accuracy <= r.chosen.validation.accuracy);
   * }
   * ```
   */
  searchWithinBytes(options: SizeSearchOptions): SizeSearchResult;
}

const ACTION = "compress model";

/** The pipeline's default pruning step. */
export const DEFAULT_PRUNE = { strategy: "magnitude", fraction: 0.5 } as const;
/** The pipeline's default quantization step. */
export const DEFAULT_QUANTIZE = {
  method: { kind: "uniform", bits: 4 },
  training: "qat",
} as const;

const COMPRESS_MODEL_OPTION_KEYS = exactKeys<CompressModelOptions>()({
  ...SESSION_OPTION_KEYS,
  ...COMPRESS_OPTION_KEYS,
});
const SWEEP_COMPRESSION_OPTION_KEYS = exactKeys<SweepCompressionOptions>()({
  ...SESSION_OPTION_KEYS,
  ...SPACE_OPTION_KEYS,
});
const SEARCH_COMPRESSION_OPTION_KEYS = exactKeys<SearchCompressionOptions>()({
  ...SESSION_OPTION_KEYS,
  ...SEARCH_OPTION_KEYS,
});

/**
 * Creates a compression session: checks the options, splits off validation data unless given,
 * and trains the dense model unless given.
 *
 * @param data Training data, raw: `x` of shape `(nSamples, nFeatures)`, `y` class indices.
 * @param options The model or its training, validation and test data, seed, fine-tuning, QAT,
 *   preprocessing storage, progress.
 * @returns The session.
 * @throws {TypeError} If data, validation, test or model disagree in shape, the data's
 *   `classes` or `featureNames` are not arrays of strings, `seed` is not a number, or the data
 *   hold an option as a field (`{ ...data, test }`), which would be ignored there.
 * @throws {RangeError} For values out of range (see the options), `model` with
 *   `denseTraining` or `validation` with `validationFraction`, `weightedMetrics` without
 *   `sampleWeight` for the validation rows split off (or given validation or test data without
 *   theirs, or validation rows that all weigh 0), a validation `sampleWeight` without
 *   `weightedMetrics`, or as `fit` throws.
 *
 * @example Pipeline and search on one session
 * ```ts
 * import { createCompressionSession } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const session = createCompressionSession(data, { fineTune: { kind: "lbfgs", maxIterations: 20 } });
 * const run = session.compress({ quantize: { method: { kind: "uniform", bits: 8 } } });
 * assert.deepEqual(run.stages.map((s) => s.stage), ["dense", "pruned", "fine-tuned", "quantized"]);
 * const best = session.search({ maxDrop: 0.02, sparsities: [0, 0.5], bits: [2, 4, 8] });
 * assert.ok(best.chosen.validation.accuracy >= best.target);
 * ```
 */
export function createCompressionSession(
  data: CompressionData,
  options: CompressionSessionOptions = {},
): CompressionSession {
  const ctx = createContext(data, options);
  return {
    dense: ctx.dense,
    denseWarnings: ctx.denseWarnings,
    denseReport: ctx.floatCandidate(ctx.denseBase).report,
    denseFloat32Bytes: ctx.denseFloat32Bytes,
    trainData: ctx.fitData,
    trainSampleWeight: ctx.fitSampleWeight,
    validation: ctx.validation,
    weightedMetrics: ctx.weightedMetrics,
    validationSampleWeight: ctx.validationWeights,
    compress(run: CompressOptions = {}): CompressResult {
      checkOptionKeys(ACTION, run, COMPRESS_OPTION_KEYS);
      const prune = run.prune === undefined ? DEFAULT_PRUNE : run.prune;
      const quantize = run.quantize === undefined ? DEFAULT_QUANTIZE : run.quantize;
      const { rows, cols } = ctx.dense.weights;
      const shape = { rows, cols, mask: ctx.dense.mask ?? null };
      const resolved = resolveSteps(ACTION, prune, quantize, shape, ctx.fineTune);
      // One step per stage of the table: the dense model (trained with the session), the pruned
      // and the fine-tuned models, the quantized one.
      ctx.begin(1 + (resolved ? 2 : 0) + (quantize ? 1 : 0));
      ctx.step("dense model ready");
      const prunes = resolved !== null && !removesNothing(resolved);
      if (resolved) {
        // Pruning alone is cheap and cached: it is counted before fine-tuning runs.
        if (prunes) ctx.prunedOnly(resolved);
        ctx.step(prunes ? "pruned" : "pruned: nothing to remove");
      }
      const base = prunes ? ctx.base(resolved) : ctx.denseBase;
      if (resolved) {
        ctx.step(
          !prunes
            ? "fine-tuned: nothing to do"
            : ctx.fineTune === false
            ? "fine-tuned: none (fineTune is false)"
            : `fine-tuned: ${base.name}`,
        );
      }
      const final = quantize === false ? ctx.floatCandidate(base) : ctx.quantizedCandidate(
        base,
        quantize.method ?? DEFAULT_QUANTIZE.method,
        quantize.training ?? "ptq",
      );
      if (quantize !== false) ctx.step(`quantized: ${final.report.name}`);
      const stages = stagesOf(ctx, base, final);
      return {
        model: final.model,
        file: final.file,
        stages,
        denseFloat32Bytes: ctx.denseFloat32Bytes,
        unquantized: final.source ?? null,
        fineTuneWarnings: base.fineTuneWarnings,
      };
    },
    sweep: (o = {}) => runSweep(ctx, o),
    search: (o = {}) => runSearch(ctx, o),
    searchWithinBytes: (o) => runSizeSearch(ctx, o),
  };
}

/** Why a sweep's or search's space weighs no row (see {@linkcode refuseUnusedWeights}). */
const UNUSED_IN_SPACE = "no candidate is fine-tuned, scored by taylor or obd, or trained with " +
  'training "qat"';

/**
 * Refuses row weights that a one-call compression of a given model would drop without a word:
 * they weigh the dense training (which `model` replaces), the fine-tuning, the `taylor` and
 * `obd` scores and QAT, and none of its pruning steps (`prunes`) or quantizations does these.
 */
function refuseUnusedWeights(
  action: string,
  options: CompressionSessionOptions,
  prunes: readonly ResolvedPrune[],
  qat: boolean,
  what: string,
): void {
  if (options.model === undefined) return;
  // Under weightedMetrics the validation rows split off weigh their sampleWeight (given
  // validation data weigh their own).
  const measured = options.weightedMetrics === true && options.validation === undefined;
  const given = (["sampleWeight", "classWeight"] as const).filter((k) =>
    options[k] !== undefined && !(k === "sampleWeight" && measured)
  );
  if (given.length === 0) return;
  const used = qat ||
    prunes.some((p) =>
      !removesNothing(p) &&
      (options.fineTune !== false || p.strategy === "taylor" || p.strategy === "obd")
    );
  if (used) return;
  throw new RangeError(
    `Cannot ${action}: ${given.join(" and ")} would weigh nothing: the model is given (no ` +
      `dense training) and ${what}`,
  );
}

/**
 * Compresses a model in one call: trains it (or takes `model`), prunes it (by default half of
 * the weights by magnitude), fine-tunes the survivors (masked L-BFGS), quantizes it (by default
 * 4-bit symmetric per class with quantization-aware training), and reports each stage: validation
 * (and test) accuracy and log loss, non-zero weights, bits, the bytes of its `.lrc` file,
 * compression against dense float32, and time.
 *
 * @param data Training data, raw: `x` of shape `(nSamples, nFeatures)`, `y` class indices.
 * @param options Session options and the pruning and quantization steps.
 * @returns The compressed model, its file and the stage table.
 * @throws {TypeError} If shapes disagree, an option is unknown (here or in a nested setting) or a
 *   setting is not of its type (an optimizer that is not an object).
 * @throws {RangeError} For settings out of range, or for `sampleWeight` or `classWeight` with a
 *   given `model` when the step neither fine-tunes, scores by `taylor` or `obd`, nor trains QAT
 *   (nothing would weigh the rows; under `weightedMetrics` the validation rows split off weigh
 *   `sampleWeight`, given validation data their own).
 *
 * @example Prune 80 %, then 4-bit k-means
 * ```ts
 * import { compressModel } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import { encodeModel } from "../io/model_file.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const result = compressModel(data, {
 *   prune: { strategy: "magnitude", fraction: 0.8 },
 *   quantize: { method: { kind: "kmeans", bits: 4 }, training: "ptq" },
 * });
 * const last = result.stages.at(-1)!;
 * assert.equal(last.stage, "quantized");
 * assert.equal(last.bytes, encodeModel(result.model).length);
 * assert.ok(last.ratio > 4 && last.nonZeros <= 128);
 * ```
 */
export function compressModel(
  data: CompressionData,
  options: CompressModelOptions = {},
): CompressResult {
  checkOptionKeys("compress model", options, COMPRESS_MODEL_OPTION_KEYS);
  const { prune, quantize, ...session } = options;
  // Settings of the steps are checked before the dense model is trained.
  const resolved = resolveSteps(
    ACTION,
    prune ?? DEFAULT_PRUNE,
    quantize ?? DEFAULT_QUANTIZE,
    shapeToCome(data, options.model, options.validation),
    options.fineTune,
  );
  const q: QuantizeSpec | false = quantize ?? DEFAULT_QUANTIZE;
  refuseUnusedWeights(
    ACTION,
    options,
    resolved === null ? [] : [resolved],
    q !== false && q.training === "qat",
    'the step neither fine-tunes, scores by taylor or obd, nor trains with training "qat"',
  );
  return createCompressionSession(data, session).compress({ prune, quantize });
}

/**
 * Sweeps pruning strategies x sparsities x quantization methods x bits x granularities x PTQ/QAT
 * on one dense model: each pruning level is pruned and fine-tuned once and quantized every way.
 *
 * @param data Training data, raw.
 * @param options Session options and the space (defaults: magnitude at 0, 50, 80, 90 %; uniform
 *   symmetric and k-means at 8, 4, 2 bits; PTQ and QAT; and each level in float32).
 * @returns One row per model, the models, the Pareto front of validation accuracy against bytes.
 * @throws {TypeError} If shapes disagree, a list is empty, or an option is unknown (here or in a
 *   nested setting).
 * @throws {RangeError} For settings out of range, a space in which every combination is
 *   skipped (checked before training when no model can be planned), or `sampleWeight` or
 *   `classWeight` with a given `model` when no candidate is fine-tuned, scored by `taylor` or
 *   `obd`, or trained with QAT (nothing would weigh the rows; under `weightedMetrics` the
 *   validation rows split off weigh `sampleWeight`, given validation data their own).
 *
 * @example A small sweep
 * ```ts
 * import { sweepCompression } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const sweep = sweepCompression(data, { sparsities: [0, 0.8], bits: [4, 2], training: ["ptq"] });
 * assert.equal(sweep.rows.length, 2 * (1 + 2 * 2)); // float + 2 methods x 2 widths per level
 * const front = sweep.front.map((i) => sweep.rows[i]);
 * for (let i = 1; i < front.length; i++) assert.ok(front[i].bytes >= front[i - 1].bytes);
 * ```
 */
export function sweepCompression(
  data: CompressionData,
  options: SweepCompressionOptions = {},
): SweepResult {
  checkOptionKeys("sweep compression", options, SWEEP_COMPRESSION_OPTION_KEYS);
  const { session, space } = splitSpace(options);
  // Checked before training, with whether it measures any model.
  const resolved = resolveSpace(space, SWEEP_DEFAULTS, "sweep compression");
  planSweep(resolved, "sweep compression");
  checkRoundsFineTuned(roundsFor(resolved, session), session.fineTune, "sweep compression");
  refuseUnusedWeights(
    "sweep compression",
    session,
    resolved.ladders.flat(),
    resolved.training.includes("qat"),
    UNUSED_IN_SPACE,
  );
  return createCompressionSession(data, session).sweep(space);
}

/**
 * Finds the smallest model file within `maxDrop` of the dense model's validation accuracy,
 * choosing pruning level, method, bit width and PTQ or QAT (see the strategy in `search.ts` and
 * the README).
 *
 * @param data Training data, raw.
 * @param options Session options, the budget (default one point, 0.01) and the space.
 * @returns The chosen model and file, its stages, and every candidate tried and skipped.
 * @throws {TypeError} If shapes disagree, a list is empty, or an option is unknown (here or in a
 *   nested setting).
 * @throws {RangeError} For settings out of range, or `sampleWeight` or `classWeight` with a
 *   given `model` when no candidate is fine-tuned, scored by `taylor` or `obd`, or trained with
 *   QAT (nothing would weigh the rows; under `weightedMetrics` the validation rows split off
 *   weigh `sampleWeight`, given validation data their own).
 *
 * @example Within two points on breast cancer
 * ```ts
 * import { searchCompression } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const r = searchCompression(data, { maxDrop: 0.02, sparsities: [0, 0.5], bits: [2, 4] });
 * assert.ok(r.chosen.validation.accuracy >= r.target);
 * assert.ok(r.tried.every((t) => !t.feasible || t.bytes >= r.chosen.bytes));
 * ```
 */
export function searchCompression(
  data: CompressionData,
  options: SearchCompressionOptions = {},
): SearchResult {
  checkOptionKeys("search compression", options, SEARCH_COMPRESSION_OPTION_KEYS);
  const { maxDrop, standardErrors, metric, ...rest } = options;
  const { session, space } = splitSpace(rest);
  // Checked before training.
  const resolved = resolveSpace(space, SEARCH_DEFAULTS, "search compression");
  checkRoundsFineTuned(roundsFor(resolved, session), session.fineTune, "search compression");
  refuseUnusedWeights(
    "search compression",
    session,
    resolved.ladders.flat(),
    resolved.training.includes("qat"),
    UNUSED_IN_SPACE,
  );
  if (maxDrop !== undefined) checkMaxDrop("search compression", maxDrop);
  if (standardErrors !== undefined) checkStandardErrors("search compression", standardErrors);
  if (metric !== undefined) checkBudgetMetric("search compression", metric);
  // More than two classes are refused before the dense model is trained (when they are known).
  if (metric === "roc-auc" && outputsOf(data, session.model, session.validation) > 2) {
    checkRocAucClasses(
      "search compression",
      session.model?.classes.length ?? outputsOf(data, undefined, session.validation),
    );
  }
  return createCompressionSession(data, session).search({
    maxDrop,
    standardErrors,
    metric,
    ...space,
  });
}

/**
 * Whether a space prunes in rounds, as its levels apply to the session's given model (a level
 * below the model's mask is not made, and the rounds the mask has passed are left out).
 */
function roundsFor(space: ResolvedSpace, session: CompressionSessionOptions): boolean {
  const model = session.model;
  if (!model?.mask || !model.weights) return prunesInRounds(space.ladders);
  const { rows, cols } = model.weights;
  return prunesInRounds(laddersForMask(space.ladders, rows, cols, model.mask).ladders);
}

/** Splits the options of a one-call sweep or search into the session's and the space. */
function splitSpace(options: CompressionSessionOptions & CompressionSpace): {
  session: CompressionSessionOptions;
  space: CompressionSpace;
} {
  const {
    strategies,
    structures,
    sparsities,
    methods,
    bits,
    granularities,
    training,
    includeFloat,
    iterative,
    ...session
  } = options;
  return {
    session,
    space: {
      strategies,
      structures,
      sparsities,
      methods,
      bits,
      granularities,
      training,
      includeFloat,
      iterative,
    },
  };
}
