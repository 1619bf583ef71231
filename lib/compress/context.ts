/**
 * The machinery shared by the pipeline, the sweep and the search: the data split, the dense
 * model, pruned and fine-tuned models cached per pruning step, quantized candidates cached per
 * (pruning step, method, training), and the measurement of a model through its encoded file.
 * Internal to `lib/compress`; the public entry point is `createCompressionSession`.
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import type { Matrix } from "../core/matrix.ts";
import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  errorReason,
  firstRepeat,
  isStringArray,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import type { Dataset } from "../data/dataset.ts";
import { trainTestSplit } from "../data/preprocess.ts";
import { encodeModel, inspectModelFile } from "../io/model_file.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import { binaryRocAuc } from "../metrics/evaluate.ts";
import { accuracy, balancedAccuracy, logLoss } from "../metrics/metrics.ts";
import { binaryLogOdds, weightedRocAuc, WeightedSums } from "../metrics/weighted.ts";
import { sampleWeightValues } from "../model/weights.ts";
import {
  checkLabelCount,
  checkOptimizer,
  checkPenalty,
  effectiveWeights,
  fit,
  type FitProgress,
  type Optimizer,
} from "../model/fit.ts";
import { classesFromScores, decisionFunction, probabilitiesFromScores } from "../model/predict.ts";
import { type LogisticModel, type Penalty, penaltyStrengths } from "../model/types.ts";
import { repeatedClass, validateModel } from "../model/validate_model.ts";
import { fineTune } from "../prune/retrain.ts";
import {
  amountCount,
  maskRemoves,
  MAX_PRUNING_ROUNDS,
  pruningRounds,
  type RoundsScope,
  roundsThatPrune,
} from "../prune/schedule.ts";
import {
  defaultScope,
  PRUNE_STRATEGIES,
  pruneWithStrategy,
  strategyScores,
} from "../prune/strategy.ts";
import { featureScores, pruneFeatures } from "../prune/structured.ts";
import { keptWeightsAllZero, quantizationAwareTraining } from "../quant/qat.ts";
import { describeMethod, quantizeModel } from "../quant/model.ts";
import { type QuantizationMethod, type ResolvedMethod, resolveMethod } from "../quant/quantize.ts";
import {
  meanDwarfsSpread,
  prepareStorage,
  storedPreprocessing,
  storeFloatModel,
  storeQuantizedModel,
} from "./storage.ts";
import type {
  CandidateReport,
  CompressionData,
  CompressionMetrics,
  CompressionSessionOptions,
  CompressOptions,
  CompressProgress,
  LabelledData,
  ModelReport,
  PreprocessingStorage,
  PrunedBase,
  PruneSpec,
  PruneStructure,
  PruneSummary,
  QatSettings,
  QuantizationSummary,
  QuantizationTraining,
  QuantizeSpec,
  SkippedCandidate,
  WeightedLabelledData,
} from "./types.ts";

/** A measured model: its report, the model its file holds, and the file. */
export interface Measured {
  readonly report: ModelReport;
  readonly model: StoredModel;
  readonly file: Uint8Array;
}

/** A measured candidate of a sweep or search. */
export interface MeasuredCandidate extends Measured {
  readonly report: CandidateReport;
  /** For a quantized candidate, the float model it was quantized from (prepared for storage). */
  readonly source?: LogisticModel;
  /**
   * Under "auto" storage, every form made (folded first, then compact), of which this is the one
   * chosen by validation accuracy; a size budget may need another.
   */
  readonly forms?: readonly MeasuredCandidate[];
}

/** A pruning step with every default filled in. */
export interface ResolvedPrune {
  readonly strategy: PruneSummary["strategy"];
  readonly structure: PruneStructure;
  readonly scope: "global" | "per-class";
  readonly fraction: number | null;
  readonly count: number | null;
  readonly compensate: boolean;
  /** The fraction (or count) removed after each round, the last being this step's. */
  readonly rounds: readonly number[];
  /** The step whose fine-tuned model this one prunes, or `null` for the dense model. */
  readonly previous: ResolvedPrune | null;
}

/** A pruned (and fine-tuned) model, cached per pruning step. */
export interface Base {
  readonly key: string;
  readonly name: string;
  /** `null` for the dense model. */
  readonly summary: PruneSummary | null;
  /** The model right after pruning (the dense model for the dense base). */
  readonly pruned: LogisticModel;
  /** The model after fine-tuning (the pruned one without fine-tuning). */
  readonly model: LogisticModel;
  readonly pruneSeconds: number;
  readonly fineTuneSeconds: number;
  /** The warnings of the fine-tuning that made `model` (`fit`'s); none without fine-tuning. */
  readonly fineTuneWarnings: readonly string[];
}

/** Per-call progress counters. */
interface Counter {
  done: number;
  total: number;
  started: number;
}

const ACTION = "compress model";

/** The shared machinery of a session. */
export interface Context {
  readonly fitData: Dataset;
  /** The `sampleWeight` of fitData's rows (split with them), `null` without. */
  readonly fitSampleWeight: ArrayLike<number> | null;
  readonly validation: LabelledData;
  readonly test: LabelledData | null;
  /** Whether the validation and test metrics, and every decision, are weighted. */
  readonly weightedMetrics: boolean;
  /** The validation rows' weights under `weightedMetrics` (checked), else `null`. */
  readonly validationWeights: Float64Array | null;
  /** The test rows' weights (checked) when the test data have them, else `null`. */
  readonly testWeights: Float64Array | null;
  readonly dense: LogisticModel;
  readonly denseSeconds: number;
  /** The dense training's warnings (`fit`'s); none for a given model. */
  readonly denseWarnings: readonly string[];
  readonly denseFloat32Bytes: number;
  readonly penalty: Penalty;
  readonly seed: number;
  readonly fineTune: Optimizer | false;
  readonly qat: QatSettings;
  readonly storage: PreprocessingStorage;
  readonly keepRecipe: boolean;
  /** Whether files are entropy-coded (`encodeModel`'s `entropy`). */
  readonly entropy: boolean;
  /** Starts a call's progress: `total` models planned. */
  begin(total: number): void;
  /** Marks one model done (or skipped) in the current call. */
  step(message: string, count?: number): void;
  /** Marks the call finished: every planned model done or skipped. */
  finish(message: string): void;
  /** Reports progress without finishing a model. */
  progress(phase: CompressProgress["phase"], message: string, fit?: FitProgress): void;
  /** The dense base. */
  readonly denseBase: Base;
  /** The pruned and fine-tuned model of a pruning step (cached). */
  base(spec: ResolvedPrune): Base;
  /** The model right after pruning, without fine-tuning (cached; cheap). */
  prunedOnly(spec: ResolvedPrune): { model: LogisticModel; summary: PruneSummary; seconds: number };
  /**
   * A sweep's or search's ladders as they apply to the dense (or given) model: see
   * {@linkcode laddersForMask}.
   */
  levels(
    ladders: readonly (readonly ResolvedPrune[])[],
  ): { ladders: ResolvedPrune[][]; belowMask: SkippedCandidate[] };
  /** A base's float model, stored in float32 and measured (cached). */
  floatCandidate(base: Base): MeasuredCandidate;
  /** A base quantized by a method (cached). */
  quantizedCandidate(
    base: Base,
    method: QuantizationMethod,
    training: QuantizationTraining,
  ): MeasuredCandidate;
  /** Measures a float model stored in float32 under the session's storage mode. */
  measureFloat(model: LogisticModel, name: string, seconds: number): Measured;
}

/** The keys of {@linkcode CompressionSessionOptions}. */
export const SESSION_OPTION_KEYS: OptionKeys<CompressionSessionOptions> = {
  model: true,
  denseTraining: true,
  penalty: true,
  sampleWeight: true,
  classWeight: true,
  weightedMetrics: true,
  validation: true,
  validationFraction: true,
  test: true,
  seed: true,
  fineTune: true,
  qat: true,
  preprocessingStorage: true,
  keepRecipe: true,
  entropy: true,
  onProgress: true,
};

/** The keys of {@linkcode CompressOptions}. */
export const COMPRESS_OPTION_KEYS: OptionKeys<CompressOptions> = { prune: true, quantize: true };

const PRUNE_SPEC_KEYS: OptionKeys<PruneSpec> = {
  strategy: true,
  fraction: true,
  count: true,
  structure: true,
  scope: true,
  compensate: true,
  rounds: true,
};

/** The most rounds a pruning step takes. */
export const MAX_PRUNE_ROUNDS = MAX_PRUNING_ROUNDS;

/** Resolves and checks a pruning step (with its earlier rounds, for `rounds` above 1). */
export function resolvePrune(spec: PruneSpec, action = ACTION): ResolvedPrune {
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(
      `Cannot ${action}: prune must be an object or false, got ${describe(spec)}`,
    );
  }
  checkOptionKeys(action, spec, PRUNE_SPEC_KEYS, "prune");
  const strategy = spec.strategy ?? "magnitude";
  if (!(PRUNE_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new RangeError(
      `Cannot ${action}: unknown pruning strategy '${strategy}'; use one of ${
        PRUNE_STRATEGIES.join(", ")
      }`,
    );
  }
  const structure = spec.structure ?? "weights";
  if (structure !== "weights" && structure !== "features") {
    throw new RangeError(
      `Cannot ${action}: prune structure must be weights or features, got '${structure}'`,
    );
  }
  if (structure === "features" && strategy === "l1") {
    throw new RangeError(
      `Cannot ${action}: the l1 soft threshold prunes single weights, not whole features`,
    );
  }
  if (spec.fraction !== undefined && spec.count !== undefined) {
    throw new RangeError(`Cannot ${action}: give prune fraction or count, not both`);
  }
  const listed = Array.isArray(spec.rounds) ? checkRoundList(spec, action) : null;
  let fraction: number | null = null, count: number | null = null;
  if (spec.count !== undefined) {
    assertInRange(action, "prune count", spec.count, 0, Number.MAX_SAFE_INTEGER, true);
    count = spec.count;
  } else {
    fraction = spec.fraction ?? listed?.at(-1) ?? 0.5;
    assertInRange(action, "prune fraction", fraction, 0, 1 - Number.EPSILON);
  }
  if (listed !== null && listed.at(-1) !== (fraction ?? count)) {
    throw new RangeError(
      `Cannot ${action}: the last of prune rounds (${listed.at(-1)}) must be the step's ` +
        `${count !== null ? "count" : "fraction"} (${fraction ?? count})`,
    );
  }
  const scope = spec.scope ?? defaultScope(strategy);
  if (scope !== "global" && scope !== "per-class") {
    throw new RangeError(
      `Cannot ${action}: prune scope must be global or per-class, got '${scope}'`,
    );
  }
  if (spec.compensate !== undefined && typeof spec.compensate !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: prune compensate must be a boolean, got ${describe(spec.compensate)}`,
    );
  }
  const rounds = listed?.length ?? (spec.rounds === undefined ? 1 : spec.rounds);
  if (typeof rounds !== "number") {
    throw new TypeError(
      `Cannot ${action}: prune rounds must be a number or a list of amounts, got ${
        describe(rounds)
      }`,
    );
  }
  assertInRange(action, "prune rounds", rounds, 1, MAX_PRUNE_ROUNDS, true);
  if (rounds > 1 && strategy === "random") {
    // Random scores depend on the seed and the shape only: every round takes the next of the
    // same order, so the rounds end with the one-shot mask.
    throw new RangeError(
      `Cannot ${action}: prune rounds do not apply to random pruning (it ranks the weights the ` +
        "same in every round, so rounds give the one-shot mask)",
    );
  }
  const target = (fraction ?? count)!;
  const amounts = listed ?? pruningRounds(target, rounds, count !== null ? "count" : "fraction");
  const step = {
    strategy,
    structure,
    scope: structure === "features" ? "global" as const : scope,
    compensate: spec.compensate ?? true,
  };
  return chainPrune(stepsAt(step, amounts, count !== null));
}

/**
 * Checks a list of prune rounds: numbers, at most `MAX_PRUNE_ROUNDS` of them, strictly ascending,
 * each a fraction in [0, 1) (or, with `count`, a whole number).
 */
function checkRoundList(spec: PruneSpec, action: string): readonly number[] {
  const list = spec.rounds as readonly unknown[];
  if (list.length === 0 || list.length > MAX_PRUNE_ROUNDS) {
    throw new RangeError(
      `Cannot ${action}: a list of prune rounds takes 1 to ${MAX_PRUNE_ROUNDS} amounts, got ` +
        `${list.length}`,
    );
  }
  const byCount = spec.count !== undefined;
  // An index loop, not forEach: forEach skips the holes of a sparse list ([, 0.5]).
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (typeof a !== "number") {
      throw new TypeError(
        `Cannot ${action}: prune rounds[${i}] must be a number, got ${describe(a)}`,
      );
    }
    if (byCount) assertInRange(action, `prune rounds[${i}]`, a, 0, Number.MAX_SAFE_INTEGER, true);
    else if (!(a >= 0 && a < 1) && Number.isInteger(a)) {
      // Counts are read as fractions unless count is given.
      throw new RangeError(
        `Cannot ${action}: prune rounds[${i}] must be a number in [0, 1), got ${a} (a list ` +
          `of counts needs count, its last amount)`,
      );
    } else assertInRange(action, `prune rounds[${i}]`, a, 0, 1 - Number.EPSILON);
    if (i > 0 && a <= (list[i - 1] as number)) {
      throw new RangeError(
        `Cannot ${action}: prune rounds must be strictly ascending, got ${list[i - 1]} then ${a}`,
      );
    }
  }
  return list as readonly number[];
}

/** One step per amount, as fractions or counts. */
function stepsAt(
  step: Omit<ResolvedPrune, "rounds" | "previous" | "fraction" | "count">,
  amounts: readonly number[],
  byCount: boolean,
): Omit<ResolvedPrune, "rounds" | "previous">[] {
  return amounts.map((a) =>
    byCount ? { ...step, fraction: null, count: a } : { ...step, fraction: a, count: null }
  );
}

/**
 * A pruning step's rounds for a model: the rounds that remove something from a model of this
 * shape and mask (see `roundsThatPrune`: a round that removes no more weights than the one before
 * it, or than the model's mask already removes, is left out).
 *
 * @param p The resolved step.
 * @param rows The model's weight rows.
 * @param cols Its features.
 * @param mask Its mask, if any.
 * @returns The step with the rounds that prune.
 */
export function roundsForModel(
  p: ResolvedPrune,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
): ResolvedPrune {
  if (p.rounds.length < 2) return p;
  const amounts = roundsThatPrune(p.rounds, roundsScope(p, rows, cols, mask));
  const { rounds: _rounds, previous: _previous, fraction: _fraction, count: _count, ...step } = p;
  return chainPrune(stepsAt(step, amounts, p.count !== null));
}

/** A step's unit and a model's shape and mask, as the round counting takes them. */
function roundsScope(
  p: ResolvedPrune,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
): RoundsScope {
  return {
    kind: p.count !== null ? "count" : "fraction",
    structure: p.structure,
    scope: p.scope,
    rows,
    cols,
    mask,
  };
}

/**
 * Why a pruning step cannot be made from a given model: it would remove fewer weights or
 * features than the model's mask already removes (a mask never revives a weight).
 *
 * @param p The resolved step.
 * @param rows The given model's weight rows.
 * @param cols Its features.
 * @param mask Its mask, if any.
 * @param noun What the reason calls the step ("level" in a sweep or search, "step" in the
 *   pipeline).
 * @returns The reason, or `null` where the step can be made.
 */
export function belowMask(
  p: ResolvedPrune,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
  noun: string,
): string | null {
  if (mask === null || removesNothing(p)) return null;
  const where = roundsScope(p, rows, cols, mask);
  const removed = maskRemoves(where);
  const want = amountCount((p.fraction ?? p.count)!, where);
  if (want >= removed) return null;
  const unit = p.structure === "features"
    ? "features"
    : p.scope === "per-class"
    ? "weights in a class row"
    : "weights";
  return `the given model's mask already removes ${removed} ${unit}, more than the ${want} ` +
    `this ${noun} removes; a mask never revives a weight`;
}

/**
 * A sweep's or search's pruning level as it applies to a given model that may be pruned already:
 * a level below the model's mask is ruled out with the reason (see {@linkcode belowMask}); a
 * level pruned in rounds loses the rounds the mask has passed (see {@linkcode roundsForModel}),
 * so that it prunes from the model. Without a mask a level is made as the space resolved it.
 *
 * @param p The resolved level.
 * @param rows The given model's weight rows.
 * @param cols Its features.
 * @param mask Its mask, if any.
 * @returns The level to make, or why it cannot be made from this model.
 */
export function levelForMask(
  p: ResolvedPrune,
  rows: number,
  cols: number,
  mask: Uint8Array | null,
): ResolvedPrune | { reason: string } {
  if (mask === null) return p;
  const reason = belowMask(p, rows, cols, mask, "level");
  return reason !== null ? { reason } : roundsForModel(p, rows, cols, mask);
}

/**
 * A space's ladders as they apply to a given model (see {@linkcode levelForMask}): the levels it
 * can be pruned to, with the rounds its mask has passed left out, and the levels below its mask.
 *
 * @param ladders The space's ladders.
 * @param rows The given model's weight rows.
 * @param cols Its features.
 * @param mask Its mask, if any.
 * @returns The ladders to make, and the levels left out with the reason.
 */
export function laddersForMask(
  ladders: readonly (readonly ResolvedPrune[])[],
  rows: number,
  cols: number,
  mask: Uint8Array | null,
): { ladders: ResolvedPrune[][]; belowMask: SkippedCandidate[] } {
  const belowMask: SkippedCandidate[] = [];
  const made = ladders.map((ladder) => {
    const kept: ResolvedPrune[] = [];
    for (const p of ladder) {
      const level = levelForMask(p, rows, cols, mask);
      if ("reason" in level) belowMask.push({ name: pruneName(p), reason: level.reason });
      else kept.push(level);
    }
    return kept;
  });
  return { ladders: made, belowMask };
}

/**
 * Links pruning steps of one strategy and structure into rounds: each prunes the fine-tuned
 * model of the step before it (steps that remove nothing are left out of the chain).
 *
 * @param steps The steps, their amounts ascending.
 * @returns The last step, linked to the earlier ones.
 */
export function chainPrune(
  steps: readonly Omit<ResolvedPrune, "rounds" | "previous">[],
): ResolvedPrune {
  let previous: ResolvedPrune | null = null;
  for (const s of steps) {
    const amount = (s.fraction ?? s.count)!;
    if (amount === 0 && previous === null) {
      previous = { ...s, rounds: [0], previous: null };
      continue;
    }
    const rounds: number[] = previous && !removesNothing(previous)
      ? [...previous.rounds, amount]
      : [amount];
    previous = { ...s, rounds, previous: previous && !removesNothing(previous) ? previous : null };
  }
  return previous!;
}

/**
 * The outputs the dense model will have: the given model's, or 1 for two classes, else one per
 * class (named, or counted from the labels of the data and of the validation data, as the
 * session counts them).
 */
export function outputsOf(
  data: CompressionData,
  model: LogisticModel | undefined,
  validation?: LabelledData,
): number {
  if (model !== undefined) return model.weights.rows;
  let classes = data.classes?.length ?? 0;
  if (data.classes === undefined) {
    for (const y of [data.y, validation?.y]) {
      if (!isList(y)) continue;
      for (const v of y) classes = Math.max(classes, v + 1);
    }
  }
  return classes === 2 ? 1 : classes;
}

/** Whether labels are an array or a typed array (anything else the session refuses). */
function isList(y: unknown): y is ArrayLike<number> & Iterable<number> {
  return Array.isArray(y) || ArrayBuffer.isView(y);
}

/**
 * Refuses iterative pruning without fine-tuning (rounds would prune the same model again).
 *
 * @param iterative Whether some step prunes the model of a round before it.
 * @param fineTune The fine-tuning, or `false`.
 * @param action For messages.
 * @throws {RangeError} If `iterative` and `fineTune` is `false`.
 */
export function checkRoundsFineTuned(
  iterative: boolean,
  fineTune: unknown,
  action: string,
): void {
  if (iterative && fineTune === false) {
    throw new RangeError(
      `Cannot ${action}: pruning in rounds (iterative, or prune rounds above 1) needs ` +
        "fine-tuning between them; fineTune is false",
    );
  }
}

/** A model's weight rows, features and mask, as the pipeline's checks take them. */
export interface StepShape {
  readonly rows: number;
  readonly cols: number;
  readonly mask: Uint8Array | null;
}

/**
 * The shape of the dense model a session will have, known before it is trained: the given
 * model's, else one row per class (one for two classes; classes named by the data, or counted
 * from its labels and the validation labels) by the data's features. `null` when the data or the
 * model are not what they should be, which the session then says.
 */
export function shapeToCome(
  data: CompressionData,
  model: LogisticModel | undefined,
  validation?: LabelledData,
): StepShape | null {
  const cols = data?.x?.cols;
  if (typeof cols !== "number" || (model !== undefined && !model?.weights)) return null;
  // Without a model the outputs are counted from the labels or the class names: labels that
  // are not a list, or names that are not an array, would count to nonsense (or throw).
  if (
    model === undefined &&
    (!isList(data.y) || (data.classes !== undefined && !Array.isArray(data.classes)))
  ) {
    return null;
  }
  const given = typeof validation === "object" && validation !== null ? validation : undefined;
  return { rows: outputsOf(data, model, given), cols, mask: model?.mask ?? null };
}

/**
 * Checks a pipeline run's steps and resolves its pruning step for a model of this shape: the
 * prune count against the weights there are, a step below the model's mask refused (a mask never
 * revives a weight), the rounds the mask has passed left out, rounds refused without fine-tuning,
 * the quantization step and its method. Without a shape, what can be checked without one.
 *
 * @param action What the caller was doing, for messages.
 * @param prune The pruning step (`false`: none).
 * @param quantize The quantization step (`false`: none).
 * @param shape The model's shape, or `null` when it is not known yet.
 * @param fineTune The session's fine-tuning (`false`: none; `undefined`: the default).
 * @returns The resolved pruning step, or `null` without one.
 * @throws {TypeError} For a step of the wrong type.
 * @throws {RangeError} For a step out of range or ruled out by the shape or settings.
 */
export function resolveSteps(
  action: string,
  prune: PruneSpec | false,
  quantize: QuantizeSpec | false,
  shape: StepShape | null,
  fineTune: unknown,
): ResolvedPrune | null {
  let resolved: ResolvedPrune | null = null;
  if (prune !== false) {
    resolved = resolvePrune(prune, action);
    if (shape !== null) {
      const { rows, cols, mask } = shape;
      checkPruneCount(resolved, rows, cols, action);
      const reason = belowMask(resolved, rows, cols, mask, "step");
      if (reason !== null) throw new RangeError(`Cannot ${action}: ${reason}`);
      resolved = roundsForModel(resolved, rows, cols, mask);
    }
    checkRoundsFineTuned(resolved.previous !== null, fineTune, action);
  }
  checkQuantizeSpec(quantize, action);
  if (quantize !== false && quantize.method !== undefined) resolveMethod(quantize.method, action);
  return resolved;
}

/**
 * Checks a pruning count against the model's shape before any training: at most the weights of
 * a class row (per class), of the matrix (global), or the features (whole features).
 *
 * @param p The resolved pruning step.
 * @param nOutputs The model's outputs (1 for a binary model).
 * @param nFeatures Its features.
 * @param action What the caller was doing, for messages.
 * @param name What the message calls the count (the command line names its option).
 * @throws {RangeError} If the count exceeds what there is to remove.
 */
export function checkPruneCount(
  p: ResolvedPrune,
  nOutputs: number,
  nFeatures: number,
  action = ACTION,
  name = "prune count",
): void {
  if (p.count === null) return;
  const [room, what] = p.structure === "features"
    ? [nFeatures, "features"]
    : p.scope === "per-class"
    ? [nFeatures, "weights of each class row"]
    : [nOutputs * nFeatures, "weights"];
  if (p.count > room) {
    throw new RangeError(
      `Cannot ${action}: ${name} ${p.count} exceeds the ${room} ${what} of the model`,
    );
  }
}

/**
 * Checks a quantization step's form before any training (its method is checked by
 * `resolveMethod`).
 *
 * @param spec The step, or `false`.
 * @param action What the caller was doing, for messages.
 * @throws {TypeError} If it is not an object or `false`.
 * @throws {RangeError} If `training` is not ptq or qat.
 */
export function checkQuantizeSpec(spec: unknown, action = ACTION): void {
  if (spec === false) return;
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(
      `Cannot ${action}: quantize must be an object or false, got ${describe(spec)}`,
    );
  }
  checkOptionKeys(
    action,
    spec,
    { method: true, training: true } satisfies OptionKeys<QuantizeSpec>,
    "quantize",
  );
  const training = (spec as { training?: unknown }).training;
  if (training !== undefined && training !== "ptq" && training !== "qat") {
    throw new RangeError(
      `Cannot ${action}: quantize training must be 'ptq' or 'qat', got ${describe(training)}`,
    );
  }
}

/** Whether a pruning step removes nothing. */
export function removesNothing(p: ResolvedPrune): boolean {
  return (p.fraction ?? p.count) === 0;
}

/** How the reason of a level skipped by {@linkcode prunedTwins} begins. */
export const SAME_MODEL_AS = "the same model as ";

/** Whether two models have the same mask, weights and bias. */
function sameParameters(a: LogisticModel, b: LogisticModel): boolean {
  const same = (x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined) => {
    if (x === undefined || y === undefined) return x === y;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  };
  return same(a.mask, b.mask) && same(a.weights.data, b.weights.data) && same(a.bias, b.bias);
}

/**
 * The levels of a sweep or search that make a model made already, under another name. With one
 * output row (a binary sigmoid model) a feature is one weight, so pruning features and pruning
 * weights by the same scores make one model: a level is the twin of the first level of the other
 * structure, with the same strategy, amounts and compensation, whose model right after pruning
 * has the same mask, weights and bias (fine-tuning and quantization are seeded alike, so theirs
 * are the same too). Levels that differ otherwise (another strategy, or another sparsity that
 * removes as many weights) are not twins, whatever they make. Models of more rows are left as
 * they are.
 *
 * @param ctx The context.
 * @returns For a level (visited in order), why it is made already, or `null`.
 */
export function prunedTwins(ctx: Context): (p: ResolvedPrune) => string | null {
  if (ctx.denseBase.model.weights.rows !== 1) return () => null;
  // The settings of a level but its structure and scope (one row is one ranking either way).
  const settings = (p: ResolvedPrune) =>
    JSON.stringify([p.strategy, p.fraction, p.count, p.compensate, p.rounds]);
  const made: { model: LogisticModel; name: string; structure: string; settings: string }[] = [];
  return (p) => {
    if (removesNothing(p)) return null;
    const model = ctx.prunedOnly(p).model;
    const key = settings(p);
    const twin = made.find((m) =>
      m.structure !== p.structure && m.settings === key && sameParameters(m.model, model)
    );
    if (twin !== undefined) {
      return `${SAME_MODEL_AS}${twin.name}: with one output row, each feature is one weight`;
    }
    made.push({ model, name: pruneName(p), structure: p.structure, settings: key });
    return null;
  };
}

/**
 * The description of a pruning step, e.g. `"magnitude 80 % of weights"`, or with its rounds
 * `"magnitude 50/70/80 % of weights"`.
 */
export function pruneName(p: ResolvedPrune): string {
  const unit = p.structure === "features" ? "features" : "weights";
  const path = p.rounds.map((a) => p.fraction !== null ? formatPercent(a) : String(a)).join("/");
  const amount = p.fraction !== null ? `${path} % of` : path;
  const scope = p.structure === "weights" && p.scope !== defaultScope(p.strategy)
    ? ` (${p.scope})`
    : "";
  return `${p.strategy} ${amount} ${unit}${scope}`;
}

/** A fraction as a percentage without trailing zeros, e.g. 0.875 -> "87.5". */
export function formatPercent(f: number): string {
  return String(Math.round(f * 1e6) / 1e4);
}

/** A quantization's description, e.g. `"uniform symmetric 4-bit per class (mse), QAT"`. */
export function quantizationName(m: ResolvedMethod, training: QuantizationTraining): string {
  const text = describeMethod(m);
  if (training === "ptq") return text;
  return `${text}, ${m.kind === "kmeans" ? "trained codebook" : "QAT"}`;
}

/** The description of a base quantized by a method (also for methods that do not resolve). */
export function candidateName(
  base: Base,
  method: QuantizationMethod,
  training: QuantizationTraining,
): string {
  let q: string;
  try {
    q = quantizationName(resolveMethod(method, ACTION), training);
  } catch {
    const bits = method.kind === "float16" ? "" : ` ${method.bits ?? ""}-bit`;
    q = `${method.kind}${bits} ${training}`;
  }
  return base.summary ? `${base.name} + ${q}` : q;
}

/** Adds a pruned base to the list a sweep or search reports (the dense base is not listed). */
export function listPrunedBase(bases: PrunedBase[], base: Base): void {
  if (!base.summary) return;
  bases.push({
    name: base.name,
    prune: base.summary,
    pruneSeconds: base.pruneSeconds,
    fineTuneSeconds: base.fineTuneSeconds,
  });
}

/** Checks labelled data against a width. */
function checkData(data: LabelledData, name: string, cols: number | null): void {
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`Cannot ${ACTION}: ${name} must be { x, y }, got ${describe(data)}`);
  }
  assertMatrix(ACTION, `${name}.x`, data.x);
  // Named, at the caller's rows: "validation.y[3] is -1".
  assertLabels(ACTION, data.y, data.x.rows, undefined, { name: `${name}.y`, against: `${name}.x` });
  if (cols !== null && data.x.cols !== cols) {
    throw new TypeError(
      `Cannot ${ACTION}: ${name}.x has ${
        counted(data.x.cols, "feature")
      }, the training data ${cols}`,
    );
  }
  if (data.x.rows === 0) throw new RangeError(`Cannot ${ACTION}: ${name} has no samples`);
  // Checked here, at the caller's rows, rather than after the split and the training.
  assertFinite(ACTION, `${name}.x`, data.x.data, data.x.cols);
  // Names are compared with a given model's and counted before any training reads them.
  for (const field of ["classes", "featureNames"] as const) {
    const names: unknown = (data as CompressionData)[field];
    // isStringArray, not some: a hole of a sparse array is no string either.
    if (names !== undefined && !isStringArray(names)) {
      throw new TypeError(
        `Cannot ${ACTION}: ${name}.${field} must be an array of strings, got ${describe(names)}`,
      );
    }
  }
  const classes = (data as CompressionData).classes;
  const repeated = classes === undefined ? null : repeatedClass(classes);
  if (repeated !== null) {
    throw new RangeError(`Cannot ${ACTION}: ${name}.classes repeat a label: ${repeated}`);
  }
  // Named here, rather than by the dense model's training ("Cannot fit model: ... of x").
  const featureNames = (data as CompressionData).featureNames;
  if (featureNames !== undefined && featureNames.length !== data.x.cols) {
    throw new TypeError(
      `Cannot ${ACTION}: ${name}.featureNames has ${
        counted(featureNames.length, "name")
      } for ${name}.x's ${counted(data.x.cols, "column")}`,
    );
  }
}

/**
 * The `sampleWeight` of validation or test data, checked as `evaluate` checks its own (one finite
 * weight >= 0 per row, not all 0, a finite sum) and named by the data they weigh.
 *
 * @param data The data (checked by {@linkcode checkData}).
 * @param name `"validation"` or `"test"`, for messages.
 * @returns The weights as float64 (a copy), or `null` when the data have none.
 */
function dataWeights(data: WeightedLabelledData, name: string): Float64Array | null {
  if (data.sampleWeight === undefined) return null;
  let w: Float64Array;
  try {
    w = sampleWeightValues(ACTION, data.sampleWeight, data.x.rows, false);
  } catch (error) {
    if (!(error instanceof RangeError) && !(error instanceof TypeError)) throw error;
    error.message = error.message.replace("sampleWeight", `${name}.sampleWeight`)
      .replace("per row of x", `per row of ${name}.x`);
    throw error;
  }
  let sum = 0;
  for (const v of w) sum += v;
  if (sum === 0) {
    throw new RangeError(
      `Cannot ${ACTION}: every ${name} row weighs 0 (${name}.sampleWeight); at least one must ` +
        "weigh more than 0",
    );
  }
  if (!(sum < Infinity)) {
    throw new RangeError(
      `Cannot ${ACTION}: the ${name}.sampleWeight sum overflows (Infinity); scale the weights down`,
    );
  }
  return w;
}

/**
 * Refuses `weightedMetrics` without the weights it weighs by (`sampleWeight` for validation rows
 * split off, given validation and test data's own), and validation weights without
 * `weightedMetrics` (they would weigh nothing).
 */
function checkWeightedMetrics(options: CompressionSessionOptions, weighted: boolean): void {
  if (!weighted) {
    if (options.validation?.sampleWeight !== undefined) {
      throw new RangeError(
        `Cannot ${ACTION}: validation.sampleWeight would weigh nothing: the validation metrics ` +
          "are weighted only with weightedMetrics: true",
      );
    }
    return;
  }
  // Given validation data weigh their own weights; rows split off, the data's.
  if (options.validation === undefined && options.sampleWeight === undefined) {
    throw new RangeError(
      `Cannot ${ACTION}: weightedMetrics weighs the metrics by the rows' sampleWeight, which is ` +
        "not given (classWeight weighs the training only)",
    );
  }
  for (const name of ["validation", "test"] as const) {
    const data = options[name];
    if (data !== undefined && data.sampleWeight === undefined) {
      throw new RangeError(
        `Cannot ${ACTION}: weightedMetrics weighs the ${name} metrics, and the ${name} data have ` +
          `no sampleWeight; give ${name}.sampleWeight`,
      );
    }
  }
}

/**
 * Refuses an option given as a field of the training data (`{ ...digits, test }`): the data may
 * hold more than `x`, `y`, `classes` and `featureNames`, so other fields are not read, and such an
 * option was dropped without a word (no test metrics, the default seed, no sample weights).
 */
function refuseOptionsInData(data: CompressionData): void {
  const fields = data as unknown as Record<string, unknown>;
  for (const key of [...Object.keys(SESSION_OPTION_KEYS), ...Object.keys(COMPRESS_OPTION_KEYS)]) {
    if (Object.hasOwn(fields, key) && fields[key] !== undefined) {
      throw new TypeError(
        `Cannot ${ACTION}: data.${key} is an option, not part of the data, and would be ` +
          `ignored there; give it in the options (the second argument: { ${key} })`,
      );
    }
  }
}

/**
 * Accuracy, balanced accuracy, log loss and (of a two-class model) ROC AUC of a float model on
 * data, all from the same decision scores; with `sampleWeight` (checked by the caller), each
 * weighted as `evaluate`'s `sampleWeight` weighs it.
 */
export function metricsOf(
  model: LogisticModel,
  data: LabelledData,
  sampleWeight: Float64Array | null = null,
): CompressionMetrics {
  const scores = decisionFunction(model, data.x);
  const proba = probabilitiesFromScores(model, scores);
  const predicted = classesFromScores(scores, scoreCutoff(model));
  if (sampleWeight !== null) {
    const nc = model.classes.length, y = data.y;
    const sums = new WeightedSums(nc);
    for (let i = 0; i < y.length; i++) {
      sums.add(y[i], predicted[i], proba.data[i * nc + y[i]], sampleWeight[i]);
    }
    const m = sums.metrics(
      nc === 2 ? weightedRocAuc(y, binaryLogOdds(scores), sampleWeight) : null,
    );
    return {
      samples: data.x.rows,
      accuracy: m.accuracy,
      balancedAccuracy: m.balancedAccuracy,
      logLoss: m.logLoss,
      rocAuc: m.rocAuc,
    };
  }
  return {
    samples: data.x.rows,
    accuracy: accuracy(data.y, predicted),
    balancedAccuracy: balancedAccuracy(data.y, predicted),
    logLoss: logLoss(data.y, proba),
    rocAuc: model.classes.length === 2 ? binaryRocAuc(scores, data.y) : null,
  };
}

/**
 * The class names "0".."max(y)" of unnamed labels; a largest label that would make more classes
 * than `fit` takes (a raw id such as 2^25) is refused before the names are built.
 */
function defaultClasses(a: Int32Array, b: Int32Array): string[] {
  const largest = largestLabel(a, b);
  checkLabelCount(ACTION, largest);
  return Array.from({ length: largest + 1 }, (_, i) => String(i));
}

function largestLabel(a: Int32Array, b: Int32Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  for (const v of b) if (v > m) m = v;
  return m;
}

const FLOAT_BITS: Record<string, number> = { float16: 16, float32: 32, float64: 64 };

/**
 * Builds the context: checks the options, splits off validation data, trains (or checks) the
 * dense model and measures it.
 */
export function createContext(
  data: CompressionData,
  options: CompressionSessionOptions,
): Context {
  const callStarted = performance.now();
  checkOptionKeys(ACTION, options, SESSION_OPTION_KEYS);
  checkData(data, "data", null);
  refuseOptionsInData(data);
  const d = data.x.cols;
  if (options.validation !== undefined) checkData(options.validation, "validation", d);
  if (options.test !== undefined) checkData(options.test, "test", d);
  // Reported only (every report adds the test metrics weighted by them), or under weightedMetrics
  // the test metrics themselves.
  const testWeights = options.test === undefined ? null : dataWeights(options.test, "test");
  const weightedMetrics = options.weightedMetrics ?? false;
  if (typeof weightedMetrics !== "boolean") {
    throw new TypeError(
      `Cannot ${ACTION}: weightedMetrics must be a boolean, got ${describe(weightedMetrics)}`,
    );
  }
  checkWeightedMetrics(options, weightedMetrics);
  const givenValidationWeights = options.validation === undefined
    ? null
    : dataWeights(options.validation, "validation");
  const seed = options.seed ?? 0;
  if (typeof seed !== "number") {
    throw new TypeError(`Cannot ${ACTION}: seed must be an integer, got ${describe(seed)}`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot ${ACTION}: seed must be an integer, got ${seed}`);
  }
  const storage = options.preprocessingStorage ?? "auto";
  if (!["auto", "fold", "compact", "keep"].includes(storage)) {
    throw new RangeError(
      `Cannot ${ACTION}: preprocessingStorage must be auto, fold, compact or keep, got '${storage}'`,
    );
  }
  const given = options.model;
  if (given !== undefined) {
    validateModel(given, ACTION);
    if (given.weights.cols !== d) {
      throw new TypeError(
        `Cannot ${ACTION}: the model takes ${
          counted(given.weights.cols, "feature")
        }, the data have ${d}`,
      );
    }
    // Data that name their classes or features otherwise would be read in the model's order.
    for (
      const [field, mine] of [["classes", given.classes], [
        "featureNames",
        given.featureNames,
      ]] as const
    ) {
      const theirs = data[field];
      if (
        theirs !== undefined &&
        (theirs.length !== mine.length || theirs.some((v, i) => v !== mine[i]))
      ) {
        throw new TypeError(
          `Cannot ${ACTION}: data.${field} are not the model's (in order); give the data as the ` +
            "model takes them",
        );
      }
    }
  }
  // Names of a model to train must not repeat (as fit refuses them); a given model's are its own.
  const repeat = given === undefined && data.featureNames !== undefined
    ? firstRepeat(data.featureNames)
    : null;
  if (repeat !== null) {
    throw new TypeError(
      `Cannot ${ACTION}: data.featureNames repeat a name: columns ${repeat[0]} and ${
        repeat[1]
      } are both named ${quotedText(data.featureNames![repeat[1]])}`,
    );
  }
  // Settings the others make pointless are refused, not ignored.
  if (given !== undefined && options.denseTraining !== undefined) {
    throw new RangeError(
      `Cannot ${ACTION}: denseTraining trains the dense model, and model gives it; give one of them`,
    );
  }
  if (options.validation !== undefined && options.validationFraction !== undefined) {
    throw new RangeError(
      `Cannot ${ACTION}: validationFraction splits validation data off, and validation gives ` +
        "them; give validation or validationFraction, not both",
    );
  }
  const classes = given?.classes ?? data.classes ??
    defaultClasses(data.y, options.validation?.y ?? new Int32Array(0));
  // Labels of every part must index the classes: checked at the caller's rows, before the
  // split reorders them, and named by the data they are in.
  const classLabels = (set: LabelledData, name: string) =>
    assertLabels(ACTION, set.y, set.x.rows, classes.length, {
      name: `${name}.y`,
      against: `${name}.x`,
    });
  classLabels(data, "data");
  if (options.validation !== undefined) classLabels(options.validation, "validation");
  if (options.test !== undefined) classLabels(options.test, "test");
  // The weights of data's rows, checked at the caller's rows (before the split reorders them).
  const rowWeights = effectiveWeights(data.y, classes, options, ACTION).weights === null
    ? null
    : options.sampleWeight ?? null;
  let fitX: Matrix = data.x, fitY = data.y;
  let fitSampleWeight: ArrayLike<number> | null = rowWeights;
  let validation: LabelledData;
  // Under weightedMetrics, the validation rows' weights.
  let validationWeights: Float64Array | null = weightedMetrics ? givenValidationWeights : null;
  if (options.validation !== undefined) {
    validation = options.validation;
  } else {
    const fraction = options.validationFraction ?? 0.2;
    assertInRange(ACTION, "validationFraction", fraction, Number.MIN_VALUE, 1 - Number.EPSILON);
    let split: ReturnType<typeof trainTestSplit>;
    try {
      split = trainTestSplit(data.x, data.y, { testFraction: fraction, seed });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new RangeError(
        `Cannot ${ACTION}: validationFraction ${fraction} of ${counted(data.x.rows, "sample")}: ${
          errorReason(error)
        }`,
      );
    }
    fitX = split.xTrain;
    fitY = split.yTrain;
    if (rowWeights !== null) {
      fitSampleWeight = Float64Array.from(split.trainIndex, (i) => rowWeights[i]);
    }
    validation = { x: split.xTest, y: split.yTest };
    if (weightedMetrics) {
      // The split-off rows' own weights (checked with the data's).
      const sw = options.sampleWeight!;
      validationWeights = Float64Array.from(split.testIndex, (i) => sw[i]);
      if (!validationWeights.some((v) => v > 0)) {
        throw new RangeError(
          `Cannot ${ACTION}: every validation row weighs 0 (the sampleWeight of the ` +
            `${counted(validationWeights.length, "row")} validationFraction ${fraction} splits ` +
            "off), so weightedMetrics has nothing to measure; give another seed or " +
            "validationFraction, or validation data",
        );
      }
    }
  }
  const featureNames = given?.featureNames ?? data.featureNames ??
    Array.from({ length: d }, (_, j) => `x${j}`);
  const fitData: Dataset = { x: fitX, y: fitY, classes, featureNames };
  // The row weights of every training on fitData (and of taylor/obd's scores), as given.
  const fitWeights = {
    ...(fitSampleWeight === null ? {} : { sampleWeight: fitSampleWeight }),
    ...(options.classWeight === undefined ? {} : { classWeight: options.classWeight }),
  };
  // Checked on the rows trained on too (balanced counts them; all may weigh 0 there), before
  // the dense model is trained.
  effectiveWeights(fitY, classes, fitWeights, ACTION);
  // Strategies that read no data refuse weights: only taylor and obd get them.
  const scoreWeights = (strategy: string) =>
    strategy === "taylor" || strategy === "obd" ? fitWeights : {};
  const penalty: Penalty = options.penalty ?? { kind: "l2", lambda: 1 / fitX.rows };
  checkPenalty(ACTION, penalty);
  const { l2 } = penaltyStrengths(penalty);
  const fineTuneOptimizer = options.fineTune === undefined
    ? { kind: "lbfgs" as const, maxIterations: 100 }
    : options.fineTune;
  const qat = options.qat ?? {};
  for (
    const [what, value, known] of [
      ["qat", qat, { optimizer: true, recalibrate: true } satisfies OptionKeys<QatSettings>],
      [
        "denseTraining",
        options.denseTraining,
        { optimizer: true, preprocessing: true } satisfies OptionKeys<
          NonNullable<CompressionSessionOptions["denseTraining"]>
        >,
      ],
    ] as const
  ) {
    checkOptionKeys(ACTION, value, known, what);
  }
  // Settings used after the dense model is trained are checked before it.
  const named = (what: string, check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof RangeError) && !(error instanceof TypeError)) throw error;
      const Kind = error instanceof TypeError ? TypeError : RangeError;
      throw new Kind(`Cannot ${ACTION}: ${what}: ${errorReason(error)}`);
    }
  };
  if (fineTuneOptimizer !== false) {
    named("fineTune", () => checkOptimizer(ACTION, fineTuneOptimizer));
  }
  if (qat.optimizer !== undefined) {
    named("qat.optimizer", () => checkOptimizer(ACTION, qat.optimizer!));
    const kind: string = qat.optimizer.kind;
    if (kind !== "sgd" && kind !== "adam") {
      throw new RangeError(
        `Cannot ${ACTION}: qat.optimizer must be sgd or adam (quantization-aware training ` +
          `takes mini-batch steps), got '${kind}'`,
      );
    }
  }
  for (
    const [what, value] of [["keepRecipe", options.keepRecipe], [
      "qat.recalibrate",
      qat.recalibrate,
    ]] as const
  ) {
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`Cannot ${ACTION}: ${what} must be a boolean, got ${describe(value)}`);
    }
  }
  const keepRecipe = options.keepRecipe ?? false;
  const entropy = options.entropy ?? false;
  if (typeof entropy !== "boolean") {
    throw new TypeError(`Cannot ${ACTION}: entropy must be a boolean, got ${describe(entropy)}`);
  }

  let counter: Counter = { done: 0, total: 0, started: callStarted };
  const report = (
    phase: CompressProgress["phase"],
    message: string,
    fitProgress?: FitProgress,
  ) => {
    options.onProgress?.({
      phase,
      message,
      done: counter.done,
      total: counter.total,
      seconds: (performance.now() - counter.started) / 1000,
      ...(fitProgress ? { fit: fitProgress } : {}),
    });
  };
  const fitReporter = (phase: CompressProgress["phase"], what: string) => (p: FitProgress) => {
    const unit = p.totalEpochs > 0 && p.epoch <= p.totalEpochs ? `/${p.totalEpochs}` : "";
    report(phase, `${what}: step ${p.epoch}${unit}, loss ${p.trainLoss.toFixed(4)}`, p);
  };

  // ---- the dense model ---------------------------------------------------------------------
  let dense: LogisticModel;
  let denseSeconds = 0;
  let denseWarnings: readonly string[] = [];
  if (given !== undefined) {
    dense = given;
  } else {
    const t0 = performance.now();
    ({ model: dense, warnings: denseWarnings } = fit(fitX, fitY, {
      classes,
      featureNames,
      penalty,
      optimizer: options.denseTraining?.optimizer ?? { kind: "lbfgs" },
      preprocessing: options.denseTraining?.preprocessing ?? "standardize",
      seed,
      ...fitWeights,
      onProgress: fitReporter("training", "training the dense model"),
    }));
    denseSeconds = (performance.now() - t0) / 1000;
  }
  const nOut = dense.weights.rows;
  const denseFloat32Bytes = 4 * (dense.weights.data.length + nOut);
  const floatMode = storage === "auto" ? "fold" : storage;

  const measure = (
    stored: StoredModel,
    name: string,
    seconds: number,
    preprocessing: ModelReport["preprocessing"],
  ): Measured => {
    const file = encodeModel(stored, { entropy });
    const { model, info } = inspectModelFile(file);
    const float = asFloatModel(model);
    let nonZeros = 0;
    for (const v of float.weights.data) if (v !== 0) nonZeros++;
    const bits = model.kind === "quantized-logistic-regression"
      ? model.weights.bits
      : FLOAT_BITS[info.storage] ?? 64;
    return {
      report: {
        name,
        validation: metricsOf(float, validation, validationWeights),
        test: options.test
          ? metricsOf(float, options.test, weightedMetrics ? testWeights : null)
          : null,
        ...(testWeights === null || weightedMetrics
          ? {}
          : { testWeighted: metricsOf(float, options.test!, testWeights) }),
        weights: info.weights,
        nonZeros,
        bits,
        bytes: file.length,
        parts: { ...info.bytes },
        ratio: denseFloat32Bytes / file.length,
        storage: info.storage,
        preprocessing,
        seconds,
      },
      model,
      file,
    };
  };
  // With "auto", a float stage folds its standardisation into the weights only when that changes
  // no validation prediction: folded float32 weights and bias round, and for a feature whose mean
  // dwarfs its spread the rounding of the folded bias can move scores across a class boundary.
  const floatModeOf = (model: LogisticModel): "fold" | "compact" | "keep" => {
    if (storage !== "auto" || model.preprocessing.kind !== "standardize") return floatMode;
    let folded: LogisticModel;
    try {
      folded = asFloatModel(storeFloatModel(model, "fold"));
    } catch (error) {
      // A folded weight w / scale beyond float32 (a feature of tiny spread): keep the
      // standardisation instead.
      if (error instanceof RangeError) return "keep";
      throw error;
    }
    const before = classesFromScores(decisionFunction(model, validation.x), scoreCutoff(model));
    const after = classesFromScores(decisionFunction(folded, validation.x), scoreCutoff(folded));
    // Under weightedMetrics a row of weight 0 is no row: its prediction may change.
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== after[i] && (validationWeights === null || validationWeights[i] > 0)) {
        return "keep";
      }
    }
    return "fold";
  };
  const measureFloat = (model: LogisticModel, name: string, seconds: number): Measured => {
    const mode = floatModeOf(model);
    return measure(
      storeFloatModel(model, mode),
      name,
      seconds,
      storedPreprocessing(model.preprocessing, mode),
    );
  };

  // ---- pruning -----------------------------------------------------------------------------
  const denseBase: Base = {
    key: "dense",
    name: "dense",
    summary: null,
    pruned: dense,
    model: dense,
    pruneSeconds: 0,
    fineTuneSeconds: 0,
    fineTuneWarnings: [],
  };
  const keyOf = (p: ResolvedPrune) =>
    removesNothing(p) ? "dense" : JSON.stringify([
      p.strategy,
      p.structure,
      p.scope,
      p.fraction,
      p.count,
      p.compensate,
      p.rounds,
    ]);
  const prunedCache = new Map<
    string,
    { model: LogisticModel; summary: PruneSummary; seconds: number }
  >();
  const prunedOnly = (p: ResolvedPrune) => {
    const key = keyOf(p);
    const hit = prunedCache.get(key);
    if (hit) return hit;
    // The earlier rounds, fine-tuned, come first; their time counts as this step's.
    const from = p.previous ? base(p.previous) : denseBase;
    const t0 = performance.now();
    const earlier = from.pruneSeconds + from.fineTuneSeconds;
    const start = from.model;
    let model: LogisticModel;
    if (removesNothing(p)) {
      model = dense;
    } else if (p.structure === "weights") {
      model = pruneWithStrategy(start, p.strategy, {
        ...(p.fraction !== null ? { fraction: p.fraction } : { count: p.count! }),
        scope: p.scope,
        data: fitData,
        l2,
        seed,
        ...scoreWeights(p.strategy),
        ...(p.compensate ? { compensate: fitX } : {}),
      });
    } else {
      const scores = strategyScores(start, p.strategy, {
        data: fitData,
        l2,
        seed,
        ...scoreWeights(p.strategy),
      });
      const reduce = p.strategy === "magnitude" ? "l2" : "sum";
      const r = pruneFeatures(start, {
        ...(p.fraction !== null ? { fraction: p.fraction } : { count: p.count! }),
        scores: featureScores(scores, { reduce }),
        representation: "masked",
        ...(p.compensate ? { compensate: fitX } : {}),
      });
      model = r.model;
    }
    let kept = 0;
    const mask = model.mask;
    if (mask) { for (const m of mask) kept += m; }
    const n = dense.weights.data.length;
    const summary: PruneSummary = {
      strategy: p.strategy,
      structure: p.structure,
      scope: p.scope,
      fraction: p.fraction,
      count: p.count,
      sparsity: mask ? 1 - kept / n : 0,
      compensate: p.compensate,
      fineTuned: false,
      rounds: p.rounds,
    };
    const entry = { model, summary, seconds: earlier + (performance.now() - t0) / 1000 };
    prunedCache.set(key, entry);
    return entry;
  };
  const bases = new Map<string, Base>([["dense", denseBase]]);
  const base = (p: ResolvedPrune): Base => {
    const key = keyOf(p);
    const hit = bases.get(key);
    if (hit) return hit;
    const name = pruneName(p);
    report("pruning", `pruning: ${name}`);
    const pruned = prunedOnly(p);
    let model = pruned.model;
    let fineTuneSeconds = 0;
    let fineTuneWarnings: readonly string[] = [];
    if (fineTuneOptimizer !== false) {
      const t0 = performance.now();
      ({ model, warnings: fineTuneWarnings } = fineTune(pruned.model, fitData, {
        optimizer: fineTuneOptimizer,
        penalty,
        seed,
        ...fitWeights,
        onProgress: fitReporter("fine-tuning", `fine-tuning ${name}`),
      }));
      fineTuneSeconds = (performance.now() - t0) / 1000;
    }
    const made: Base = {
      key,
      name,
      summary: { ...pruned.summary, fineTuned: fineTuneOptimizer !== false },
      pruned: pruned.model,
      model,
      pruneSeconds: pruned.seconds,
      fineTuneSeconds,
      fineTuneWarnings,
    };
    bases.set(key, made);
    return made;
  };

  // ---- candidates --------------------------------------------------------------------------
  const candidates = new Map<string, MeasuredCandidate>();
  const floatCandidate = (b: Base): MeasuredCandidate => {
    const key = `${b.key}|float`;
    const hit = candidates.get(key);
    if (hit) return hit;
    const name = b.summary ? `${b.name}, float32` : "dense, float32";
    // The time that made the model: pruning and fine-tuning, or the dense model's training.
    const seconds = b.summary ? b.pruneSeconds + b.fineTuneSeconds : denseSeconds;
    const m = measureFloat(b.model, name, seconds);
    const made: MeasuredCandidate = {
      ...m,
      report: { ...m.report, prune: b.summary, quantization: null },
    };
    candidates.set(key, made);
    return made;
  };
  const quantizeVariant = (
    b: Base,
    method: ResolvedMethod,
    training: QuantizationTraining,
    mode: "fold" | "compact" | "keep",
    name: string,
  ): MeasuredCandidate => {
    const prepared = prepareStorage(b.model, mode);
    const t0 = performance.now();
    const q = training === "ptq"
      ? quantizeModel(prepared, { method })
      : quantizationAwareTraining(prepared, fitData, {
        method,
        penalty,
        seed,
        ...fitWeights,
        ...(qat.optimizer ? { optimizer: qat.optimizer } : {}),
        // A start whose kept weights are all 0 (a strong L1 penalty zeroes them) calibrates only
        // a placeholder grid, which quantizationAwareTraining refuses to keep fixed: its remedy,
        // re-choosing the grid from the trained weights, is taken instead of failing the call.
        recalibrate: (qat.recalibrate ?? false) || keptWeightsAllZero(prepared),
        onProgress: fitReporter("quantizing", name),
      }).model;
    const seconds = (performance.now() - t0) / 1000;
    const m = measure(
      storeQuantizedModel(q, mode, keepRecipe),
      name,
      seconds,
      storedPreprocessing(b.model.preprocessing, mode),
    );
    const summary: QuantizationSummary = {
      kind: method.kind,
      scheme: method.kind === "uniform" ? method.scheme : null,
      bits: method.kind === "float16" ? 16 : method.bits,
      granularity: method.kind === "float16" ? "tensor" : method.granularity,
      training,
      method: describeMethod(method),
      settings: method,
    };
    return {
      ...m,
      report: { ...m.report, prune: b.summary, quantization: summary },
      source: prepared,
    };
  };
  const quantizedCandidate = (
    b: Base,
    methodIn: QuantizationMethod,
    training: QuantizationTraining,
  ): MeasuredCandidate => {
    const method = resolveMethod(methodIn, ACTION);
    const key = `${b.key}|${JSON.stringify(method)}|${training}`;
    const hit = candidates.get(key);
    if (hit) return hit;
    const name = candidateName(b, method, training);
    report("quantizing", `quantizing: ${name}`);
    let made: MeasuredCandidate;
    if (storage === "auto" && b.model.preprocessing.kind === "standardize") {
      // Both ways; fold (the smaller file) unless it has the lower validation accuracy, or
      // cannot be stored (a folded weight beyond float32). Both fold the mean into a float32
      // bias, which cancels large terms when a feature's mean dwarfs its spread: then keeping
      // the preprocessing is a third way (a feature of 10^9 + {0, 1} fell to chance both ways).
      const attempt = (mode: "fold" | "compact" | "keep"): MeasuredCandidate | RangeError => {
        try {
          return quantizeVariant(b, method, training, mode, name);
        } catch (error) {
          if (error instanceof RangeError) return error;
          throw error;
        }
      };
      const modes = meanDwarfsSpread(b.model.preprocessing)
        ? ["fold", "compact", "keep"] as const
        : ["fold", "compact"] as const;
      const tries = modes.map(attempt);
      const stored = tries.filter((c): c is MeasuredCandidate => !(c instanceof RangeError));
      if (stored.length === 0) throw tries[tries.length - 1];
      // In the order tried (fold, compact, keep), a later form only when strictly more
      // accurate: fold wins ties (usually, not always, the smaller file once entropy-coded).
      const chosen = stored.reduce((a, c) =>
        c.report.validation.accuracy > a.report.validation.accuracy ? c : a
      );
      // The time is what making both cost.
      const seconds = stored.reduce((t, c) => t + c.report.seconds, 0);
      made = { ...chosen, report: { ...chosen.report, seconds }, forms: stored };
    } else {
      made = quantizeVariant(b, method, training, storage === "auto" ? "keep" : storage, name);
    }
    candidates.set(key, made);
    return made;
  };

  return {
    fitData,
    fitSampleWeight,
    validation,
    test: options.test ?? null,
    weightedMetrics,
    validationWeights,
    testWeights,
    dense,
    denseSeconds,
    denseWarnings,
    denseFloat32Bytes,
    penalty,
    seed,
    fineTune: fineTuneOptimizer,
    qat,
    storage,
    keepRecipe,
    entropy,
    begin(total) {
      counter = { done: 0, total, started: performance.now() };
    },
    step(message, count = 1) {
      counter.done = Math.min(counter.total, counter.done + count);
      report("measuring", message);
    },
    finish(message) {
      counter.done = counter.total;
      report("measuring", message);
    },
    progress: report,
    denseBase,
    base,
    prunedOnly,
    levels: (ladders) =>
      laddersForMask(ladders, dense.weights.rows, dense.weights.cols, dense.mask ?? null),
    floatCandidate,
    quantizedCandidate,
    measureFloat,
  };
}
