/**
 * The accuracy-budgeted search: the smallest model file whose validation accuracy is within
 * `maxDrop` of the dense model's, choosing the pruning level, the quantization method, its bit
 * width and PTQ or QAT by itself.
 *
 * Strategy (deterministic: every step is seeded and the order is fixed):
 * 1. The dense model in float32 is the first candidate (always within budget).
 * 2. For each pruning structure and strategy, sparsities are visited in ascending order. Before
 *    a level is fine-tuned, its smallest possible file is computed from the pruned model (the
 *    lowest bit width of each method, post-training quantized and stored in the smallest way;
 *    the mask, hence the index set, is the same after fine-tuning). A level that cannot beat the
 *    best file so far is skipped without fine-tuning; otherwise it is pruned and fine-tuned once
 *    and its float32 model evaluated (a float32 model below the target does not end the ladder:
 *    quantization-aware training can pass where it did not).
 * 3. Every method, granularity and bit width of a level gets a size bound: its post-training
 *    file with the preprocessing stored in the smallest way (folded). File sizes do not grow with
 *    the bit width alone (with "auto" storage a wider code may afford the folded form that a
 *    narrower one cannot), so candidates are visited by increasing bound, and one whose bound is
 *    not below the best file so far is skipped. PTQ comes first; QAT follows unless PTQ was
 *    within budget in its smallest form already.
 * 4. The chosen model is the smallest file among all evaluated candidates within budget (ties:
 *    the first evaluated). The bound assumes that QAT does not store fewer codes than PTQ at the
 *    same width, which holds with a mask (the file stores the mask's codes); a model without one
 *    stores only its codes that are not 0.0, and QAT may zero weights that PTQ keeps, so QAT is
 *    bounded there by the file whose every code is 0.0. The tests check the choice against a
 *    sweep of the whole space. With entropy
 *    coding the bound charges the codes their least possible size (QAT changes how well they
 *    compress), so fewer candidates are skipped.
 * Within budget means a validation accuracy (or, by `metric`, balanced accuracy or a two-class
 * model's ROC AUC) at least the dense model's less `maxDrop`; with a
 * margin (`standardErrors` k > 0), the candidate's validation difference from the dense model
 * less k paired standard errors of it must be at least `-maxDrop` instead. Size bounds do not
 * depend on the budget's form, so the margin changes which candidates pass, not what is skipped.
 * Every evaluated candidate is reported (`tried`, with its feasibility) and every skip with its
 * reason (`skipped`).
 *
 * The size-budgeted search (`maxBytes`) is the dual: the model of highest validation accuracy
 * whose file fits in `maxBytes` (ties: the smaller file, then the first evaluated). It visits the
 * same space in the same order with the same size bounds, skipping a level or a candidate only
 * when its bound exceeds `maxBytes` (a size bound cannot rule out accuracy), and it always tries
 * QAT after PTQ, which usually gains accuracy. The dense model is evaluated as the reference
 * whether or not it fits.
 *
 * @module
 */

import {
  assertInRange,
  checkOptionKeys,
  describe,
  errorReason,
  exactKeys,
} from "../core/validate.ts";
import { packedSize } from "../io/bitpack.ts";
import { varintSize } from "../io/bytes.ts";
import { encodeModel, inspectModelFile } from "../io/model_file.ts";
import { asFloatModel, elementGroup, type StoredModel } from "../io/quantized.ts";
import {
  pairedAccuracyDifference,
  pairedBalancedAccuracyDifference,
  type PairedDifference,
  pairedRocAucDifference,
} from "../metrics/paired.ts";
import { decisionFunction, predict } from "../model/predict.ts";
import type { Matrix } from "../core/matrix.ts";
import { type LogisticModel, MODEL_VERSION } from "../model/types.ts";
import { quantizeModel } from "../quant/model.ts";
import { type QuantizationMethod, resolveMethod } from "../quant/quantize.ts";
import { zeroCode } from "../quant/grid.ts";
import type { Granularity, QuantizedModel, QuantizedTensor } from "../quant/types.ts";
import {
  type Base,
  candidateName,
  checkRoundsFineTuned,
  type Context,
  listPrunedBase,
  type MeasuredCandidate,
  prunedTwins,
  pruneName,
  removesNothing,
} from "./context.ts";
import {
  methodAt,
  prunesInRounds,
  resolveSpace,
  SEARCH_DEFAULTS,
  SPACE_OPTION_KEYS,
} from "./space.ts";
import { prepareStorage, storeFloatModel, storeQuantizedModel } from "./storage.ts";
import { stagesOf } from "./stages.ts";
import type {
  BudgetedSearchResult,
  BudgetMetric,
  CompressionSpace,
  PrunedBase,
  SearchOptions,
  SearchResult,
  SizeSearchOptions,
  SizeSearchResult,
  SkippedCandidate,
  TriedCandidate,
} from "./types.ts";

const ACTION = "search compression";

/** The fewest bytes entropy-coded codes take: a one-symbol table (5) and the state (4). */
const MIN_ENTROPY_CODES = 9;

/**
 * The size a search compares a candidate by before making it, from its post-training twin:
 * without entropy coding that file's length (QAT changes only the codes' values, not how many
 * are stored or their width); with it, the coded file with its codes charged the least any codes
 * take (and the length of their section written as for those), since QAT changes how well they
 * compress.
 *
 * @param ptq The post-training quantized model, stored as the session stores it.
 * @param entropy Whether files are entropy-coded.
 * @returns A lower bound of the file of the same model after QAT (same mask and method).
 */
export function fileSizeBound(ptq: QuantizedModel, entropy: boolean): number {
  if (!entropy) return encodeModel(ptq).length;
  const file = encodeModel(ptq, { entropy: true });
  const { info } = inspectModelFile(file);
  const t = ptq.weights;
  const least = Math.min(packedSize(info.stored, t.bits), MIN_ENTROPY_CODES);
  // The weights section gives its length in a varint, which shrinks with the codes: its head
  // (kind, bits, granularity, a codebook's levels) and the codes.
  const head = 3 + (t.kind === "codebook" ? varintSize(t.levels) : 0);
  const shrink = varintSize(head + info.bytes.codes) - varintSize(head + least);
  return file.length - info.bytes.codes + least - shrink;
}

/**
 * The fewest bytes a model file of these classes and features can have: the file of a model
 * whose every weight is pruned (header, class labels, feature names, bias, checksum), parts that
 * every model of that shape stores as well. A size budget below it cannot be met whatever
 * training gives, so it can be refused before any.
 *
 * @param classes The class labels (two classes: one output row).
 * @param featureNames The feature names.
 * @returns The size in bytes (the smaller of format versions 1 and 2).
 *
 * @example Digits: 10 classes of 64 pixels
 * ```ts
 * import { smallestModelFile } from "./search.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const digits = await loadEmbedded("digits");
 * assert.ok(smallestModelFile(digits.classes, digits.featureNames) > 40);
 * ```
 */
export function smallestModelFile(
  classes: readonly string[],
  featureNames: readonly string[],
): number {
  const k = classes.length === 2 ? 1 : classes.length, d = featureNames.length;
  const empty: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: k === 1 ? "sigmoid" : "softmax",
    weights: { data: new Float64Array(k * d), rows: k, cols: d },
    bias: new Float64Array(k),
    classes: [...classes],
    featureNames: [...featureNames],
    preprocessing: { kind: "none" },
    mask: new Uint8Array(k * d),
  };
  return Math.min(encodeModel(empty).length, encodeModel(empty, { entropy: true }).length);
}

/** The keys of {@linkcode SearchOptions}. */
export const SEARCH_OPTION_KEYS = exactKeys<SearchOptions>()({
  ...SPACE_OPTION_KEYS,
  maxDrop: true,
  standardErrors: true,
  metric: true,
});

/** The keys of {@linkcode SizeSearchOptions}. */
export const SIZE_SEARCH_OPTION_KEYS = exactKeys<SizeSearchOptions>()({
  ...SPACE_OPTION_KEYS,
  maxBytes: true,
});

const SIZE_ACTION = "search compression within a size";

/** Runs an accuracy-budgeted search on a context (see `CompressionSession.search`). */
export function runSearch(ctx: Context, options: SearchOptions = {}): SearchResult {
  checkOptionKeys(ACTION, options, SEARCH_OPTION_KEYS);
  const { maxDrop: drop, standardErrors: margin, metric: asked, ...space } = options;
  // Only a missing budget takes the default: null is refused, as searchCompression refuses it.
  const maxDrop = drop === undefined ? 0.01 : drop;
  checkMaxDrop(ACTION, maxDrop);
  const standardErrors = margin === undefined ? 0 : margin;
  checkStandardErrors(ACTION, standardErrors);
  const metric = asked === undefined ? "accuracy" : asked;
  checkBudgetMetric(ACTION, metric);
  if (metric === "roc-auc") {
    checkRocAucClasses(ACTION, ctx.denseBase.model.classes.length);
    if (!bothClasses(ctx.validation.y, ctx.validationWeights)) {
      throw new RangeError(
        `Cannot ${ACTION}: metric "roc-auc" needs both classes in the validation rows, which ` +
          `hold one class only` + (ctx.validationWeights ? " of weight above 0" : ""),
      );
    }
  }
  const r = budgetedSearch(
    ctx,
    space,
    { kind: "accuracy", maxDrop, standardErrors, metric },
    ACTION,
  );
  return { ...r.result, target: r.target!, maxDrop, standardErrors, metric };
}

/** The metrics an accuracy budget can hold to. */
export const BUDGET_METRICS: readonly BudgetMetric[] = ["accuracy", "balanced-accuracy", "roc-auc"];

/**
 * Checks an accuracy budget's metric: `"accuracy"`, `"balanced-accuracy"` or `"roc-auc"`.
 *
 * @param action What the caller was doing, for messages.
 * @param metric The metric.
 * @throws {RangeError} If it is neither.
 */
export function checkBudgetMetric(action: string, metric: BudgetMetric): void {
  if (!BUDGET_METRICS.includes(metric)) {
    throw new RangeError(
      `Cannot ${action}: metric must be "accuracy", "balanced-accuracy" or "roc-auc", got ${
        typeof metric === "string" ? JSON.stringify(metric) : describe(metric)
      }`,
    );
  }
}

/**
 * Checks that a budget in ROC AUC is asked of a two-class model: the AUC ranks one class's rows
 * against the other's.
 *
 * @param action What the caller was doing, for messages.
 * @param classes The model's number of classes.
 * @throws {RangeError} For more (or fewer) than two classes.
 */
export function checkRocAucClasses(action: string, classes: number): void {
  if (classes !== 2) {
    throw new RangeError(
      `Cannot ${action}: metric "roc-auc" ranks two classes, got a model of ${classes} ` +
        `classes; use "balanced-accuracy" or "accuracy" for more`,
    );
  }
}

/**
 * A two-class model's decision score of class 1 on each row: its one output (sigmoid), or the
 * difference of its two (softmax), as `binaryRocAuc` ranks rows.
 */
function binaryScores(model: LogisticModel, x: Matrix): Float64Array {
  const z = decisionFunction(model, x), n = z.rows;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = z.cols === 1 ? z.data[i] : z.data[2 * i + 1] - z.data[2 * i];
  return s;
}

/**
 * A candidate against the dense model on labelled rows, in a budget's metric: from their
 * predictions (accuracy, balanced accuracy) or their decision scores (ROC AUC, DeLong's paired
 * error); with weights, each row weighs its weight (frequency weights).
 *
 * @param metric The budget's metric.
 * @param dense The dense model.
 * @param candidate The candidate, as a float model.
 * @param data The rows.
 * @param sampleWeight The rows' weights (checked), or `null` for none.
 * @returns The paired difference.
 */
export function pairedInMetric(
  metric: BudgetMetric,
  dense: LogisticModel,
  candidate: LogisticModel,
  data: { x: Matrix; y: ArrayLike<number> },
  sampleWeight: ArrayLike<number> | null = null,
): PairedDifference {
  const options = sampleWeight === null ? {} : { sampleWeight };
  if (metric === "roc-auc") {
    return pairedRocAucDifference(data.y, {
      baseline: binaryScores(dense, data.x),
      candidate: binaryScores(candidate, data.x),
    }, options);
  }
  return (metric === "balanced-accuracy"
    ? pairedBalancedAccuracyDifference
    : pairedAccuracyDifference)(data.y, {
      baseline: predict(dense, data.x),
      candidate: predict(candidate, data.x),
    }, options);
}

/**
 * Checks a search's margin for noise: a finite number of paired standard errors, at least 0.
 *
 * @param action What the caller was doing, for messages.
 * @param standardErrors The margin.
 * @throws {RangeError} If it is not a finite number at least 0.
 */
export function checkStandardErrors(action: string, standardErrors: number): void {
  if (
    typeof standardErrors !== "number" || !Number.isFinite(standardErrors) || standardErrors < 0
  ) {
    throw new RangeError(
      `Cannot ${action}: standardErrors must be a finite number of paired standard errors, ` +
        `at least 0, got ${gotNumber(standardErrors)}`,
    );
  }
}

/**
 * Checks an accuracy budget: a fraction in [0, 1), where 0.01 is one percentage point. A whole
 * number of points (the command line's `--budget 1`) is refused with that hint.
 *
 * @param action What the caller was doing, for messages.
 * @param maxDrop The budget.
 * @throws {RangeError} If it is not a number in [0, 1).
 */
export function checkMaxDrop(action: string, maxDrop: number): void {
  if (typeof maxDrop !== "number" || !(maxDrop >= 0 && maxDrop < 1)) {
    throw new RangeError(
      `Cannot ${action}: maxDrop must be a fraction in [0, 1) (0.01 is one percentage ` +
        `point), got ${gotNumber(maxDrop)}`,
    );
  }
}

/** A refused value as a message shows it: a string "0.01" must not read as the number it spells. */
function gotNumber(value: unknown): string {
  return typeof value === "number" ? String(value) : describe(value);
}

/** Runs a size-budgeted search on a context (see `CompressionSession.searchWithinBytes`). */
export function runSizeSearch(ctx: Context, options: SizeSearchOptions): SizeSearchResult {
  checkSizeSearchOptions(options);
  const { maxBytes, ...space } = options;
  return {
    ...budgetedSearch(ctx, space, { kind: "size", maxBytes }, SIZE_ACTION).result,
    maxBytes,
  };
}

/**
 * Checks a size-budgeted search's options before any work: the keys, and `maxBytes`, a positive
 * integer.
 *
 * @param options The options.
 * @throws {TypeError} For an unknown key or a missing (or null) `maxBytes`.
 * @throws {RangeError} For a `maxBytes` that is not a positive integer.
 */
export function checkSizeSearchOptions(options: SizeSearchOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${SIZE_ACTION}: options must be an object with maxBytes`);
  }
  // A null maxBytes is a missing one (there is no default to leave it out for).
  if (options.maxBytes === null) {
    throw new TypeError(`Cannot ${SIZE_ACTION}: maxBytes is required, got null`);
  }
  checkOptionKeys(SIZE_ACTION, options, SIZE_SEARCH_OPTION_KEYS);
  if (options.maxBytes === undefined) {
    throw new TypeError(`Cannot ${SIZE_ACTION}: maxBytes is required`);
  }
  assertInRange(SIZE_ACTION, "maxBytes", options.maxBytes, 1, Number.MAX_SAFE_INTEGER, true);
}

/** What a budgeted search holds to: an accuracy (smallest file) or a size (best accuracy). */
type Budget =
  | { kind: "accuracy"; maxDrop: number; standardErrors: number; metric: BudgetMetric }
  | { kind: "size"; maxBytes: number };

function budgetedSearch(
  ctx: Context,
  options: CompressionSpace,
  budget: Budget,
  action: string,
): { result: BudgetedSearchResult; target: number | null } {
  const space = resolveSpace(options, SEARCH_DEFAULTS, action);
  // Levels below a given model's mask cannot be made from it (skipped with the reason below);
  // iterative levels lose the rounds the mask has passed, and need fine-tuning only where a
  // level made from the given model has rounds.
  const { ladders, belowMask } = ctx.levels(space.ladders);
  checkRoundsFineTuned(prunesInRounds(ladders), ctx.fineTune, action);
  const variants: { template: QuantizationMethod; granularity: Granularity | null }[] = [];
  for (const template of space.methods) {
    if (template.kind === "float16") {
      variants.push({ template, granularity: null });
      continue;
    }
    for (const granularity of space.granularities ?? [null]) {
      variants.push({ template, granularity });
    }
  }
  const levels = space.ladders.reduce((n, l) => n + l.length, 0);
  // Each level's float32 model (when included) and its quantized models (float16 has one
  // width); the dense model is always tried, as the reference: it is one of them only when the
  // float32 models are included and a level removes nothing.
  const perLevel = (space.includeFloat ? 1 : 0) +
    variants.reduce((n, v) => n + (v.template.kind === "float16" ? 1 : space.bits.length), 0) *
      space.training.length;
  const densePlanned = space.includeFloat &&
    space.ladders.some((ladder) => ladder.some(removesNothing));
  ctx.begin(levels * perLevel + (densePlanned ? 0 : 1));

  const dense = ctx.floatCandidate(ctx.denseBase);
  const bySize = budget.kind === "size";
  // The size budget (Infinity under an accuracy budget, where nothing is too large).
  const maxBytes = budget.kind === "size" ? budget.maxBytes : Infinity;
  const metric: BudgetMetric = budget.kind === "accuracy" ? budget.metric : "accuracy";
  // The budget's metric of a candidate on the validation data, from its report (a two-class
  // model's ROC AUC there is from the scores of the model as stored; runSearch refused data
  // without it).
  const metricOf = (c: MeasuredCandidate): number =>
    metric === "balanced-accuracy"
      ? c.report.validation.balancedAccuracy
      : metric === "roc-auc"
      ? c.report.validation.rocAuc!
      : c.report.validation.accuracy;
  // A candidate against the dense model on the validation data, sample by sample (computed once
  // per candidate): what a margin is taken from, and the chosen model's reported difference.
  const denseFloat = asFloatModel(dense.model);
  const differences = new Map<MeasuredCandidate, PairedDifference>();
  const versusDense = (c: MeasuredCandidate): PairedDifference => {
    let d = differences.get(c);
    if (d === undefined) {
      d = pairedInMetric(
        metric,
        denseFloat,
        asFloatModel(c.model),
        ctx.validation,
        ctx.validationWeights,
      );
      differences.set(c, d);
    }
    return d;
  };
  const target = budget.kind === "accuracy" ? metricOf(dense) - budget.maxDrop : null;
  // With a margin, a candidate's validation difference less that many paired standard errors.
  const margin = budget.kind === "accuracy" ? budget.standardErrors : 0;
  const lowerBound = (c: MeasuredCandidate): number => {
    const d = versusDense(c);
    return d.difference - margin * d.standardError;
  };
  const within = (c: MeasuredCandidate) =>
    budget.kind === "size"
      ? c.report.bytes <= maxBytes
      : margin > 0
      ? lowerBound(c) >= -budget.maxDrop - 1e-12
      : metricOf(c) >= target! - 1e-12;
  // Whether a feasible candidate beats the best so far: a smaller file, or (size budget) a higher
  // validation accuracy, then a smaller file; ties keep the first evaluated.
  const beats = (c: MeasuredCandidate, b: MeasuredCandidate | null): boolean => {
    if (!within(c)) return false;
    if (b === null) return true;
    if (!bySize) return c.report.bytes < b.report.bytes;
    const ca = c.report.validation.accuracy, ba = b.report.validation.accuracy;
    return ca > ba || (ca === ba && c.report.bytes < b.report.bytes);
  };
  const tried: { candidate: MeasuredCandidate; base: Base }[] = [];
  const seen = new Set<MeasuredCandidate>();
  const skipped: SkippedCandidate[] = [];
  const bases: PrunedBase[] = [];
  // The best feasible candidate so far (the dense model always is one under an accuracy budget).
  let best: { candidate: MeasuredCandidate; base: Base } | null = null;
  // The smallest bound of what was skipped as too large, for the message when nothing fits (a
  // candidate whose bound fits is made, and its file counts instead: under "auto" storage it may
  // be larger than its bound).
  let smallestBound = Infinity;
  // The smallest file made, counting every stored form of a candidate (the one recorded under
  // "auto" storage may be larger than its other form), for the same message.
  let smallestMade = Infinity;
  // A bound that rules a candidate out: not below the best file (accuracy budget), or beyond
  // maxBytes (size budget); and the reason given.
  const ruledOut = (bound: number): string | null => {
    if (bySize) {
      return bound > maxBytes
        ? `its file would have at least ${bound} bytes, more than the ${maxBytes} allowed`
        : null;
    }
    return bound >= best!.candidate.report.bytes
      ? `its file would have at least ${bound} bytes, not fewer than the best so far ` +
        `(${best!.candidate.report.bytes} bytes)`
      : null;
  };
  const bestText = () =>
    best === null
      ? "none fits yet"
      : bySize
      ? `best ${(best.candidate.report.validation.accuracy * 100).toFixed(2)} % in ` +
        `${best.candidate.report.bytes} bytes`
      : `best ${best.candidate.report.bytes} bytes`;
  // A candidate met again (two methods that resolve to one) counts as done once more, as it
  // was planned twice; the dense model's float32 file, recorded first, is counted there only.
  const record = (candidate: MeasuredCandidate, base: Base, counted = false) => {
    if (seen.has(candidate)) {
      if (!counted) ctx.step(`${candidate.report.name}: made already`);
      return;
    }
    seen.add(candidate);
    tried.push({ candidate, base });
    if (beats(candidate, best?.candidate ?? null)) best = { candidate, base };
    // Under balanced accuracy or ROC AUC, the metric the budget holds to, named.
    ctx.step(
      `${tried.length} tried, ${bestText()}; last: ` +
        `${candidate.report.name} (${candidate.report.bytes} bytes, validation ` +
        (metric === "balanced-accuracy"
          ? `balanced accuracy ${
            (candidate.report.validation.balancedAccuracy * 100).toFixed(2)
          } %)`
          : metric === "roc-auc"
          ? `ROC AUC ${candidate.report.validation.rocAuc!.toFixed(4)})`
          : `${(candidate.report.validation.accuracy * 100).toFixed(2)} %)`),
    );
  };
  // A skip stands for the planned models it leaves out (a whole level, or every training of a
  // method).
  const skip = (name: string, reason: string, count = 1) => {
    skipped.push({ name, reason });
    ctx.step(`skipped ${name}`, count);
  };
  record(dense, ctx.denseBase);

  // The file of a model quantized post-training and stored in the smallest way (preprocessing
  // folded into the weights, or the session's fixed mode): what a candidate's file is compared
  // by before it is made. With "auto" storage a candidate may need the larger compact form, and
  // quantization-aware training changes only the values, so this is the size to beat.
  // Entropy-coded codes have no such size: quantization-aware training changes their
  // distribution, so the bound charges them the least any stored codes take (an entropy-coded
  // stream of one symbol, 9 bytes, or the packed codes if fewer). A model without a mask stores
  // no code of 0.0, and quantization-aware training may zero weights that post-training
  // quantization keeps: its bound is then the file whose every code is 0.0 (see
  // `zeroCodesBound`). `bound` is the least of the trainings of the space.
  // Under "auto" storage a model that cannot be folded (a folded weight or scale beyond float32:
  // a feature of tiny spread) is stored in another form; its bound is then that form's file with
  // the preprocessing charged as folded (one byte), which the folded file of the same mask would
  // not go below either.
  const mode = ctx.storage === "auto" ? "fold" : ctx.storage;
  const chargedAsFolded = <T extends StoredModel>(model: T): T => ({
    ...model,
    preprocessing: { kind: "none" },
  });
  const qat = space.training.includes("qat");
  const storedBound = (model: LogisticModel, method: QuantizationMethod): QuantizedModel => {
    try {
      return storeQuantizedModel(
        quantizeModel(prepareStorage(model, mode), { method }),
        mode,
        ctx.keepRecipe,
      );
    } catch (error) {
      if (!(error instanceof RangeError) || ctx.storage !== "auto") throw error;
      const q = quantizeModel(prepareStorage(model, "compact"), { method });
      return chargedAsFolded(storeQuantizedModel(q, "compact", ctx.keepRecipe));
    }
  };
  const boundOf = (
    model: LogisticModel,
    method: QuantizationMethod,
  ): { ptq: number; bound: number } | { reason: string } => {
    try {
      const stored = storedBound(model, method);
      const ptq = fileSizeBound(stored, ctx.entropy);
      const bound = qat && !model.mask ? zeroCodesBound(stored, ctx.entropy) : ptq;
      return { ptq, bound: Math.min(ptq, bound) };
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // Why it cannot be quantized this way (as the sweep says it).
      return { reason: errorReason(error) };
    }
  };
  // The level's float32 file: fine-tuning changes the values, not the mask, so this is its size.
  const floatBound = (model: LogisticModel): number | null => {
    const size = (stored: LogisticModel) => encodeModel(stored, { entropy: ctx.entropy }).length;
    try {
      return size(storeFloatModel(model, mode));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
    // "auto" keeps the preprocessing of a model it cannot fold.
    if (ctx.storage !== "auto") return null;
    try {
      return size(chargedAsFolded(storeFloatModel(model, "keep")));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return null;
    }
  };
  const smallestFile = (model: LogisticModel): number => {
    let smallest = Infinity;
    if (space.includeFloat) smallest = floatBound(model) ?? Infinity;
    for (const { template, granularity } of variants) {
      for (const bits of space.bits) {
        const at = methodAt(template, bits, granularity, space.methods);
        if ("reason" in at) continue;
        const bounds = boundOf(model, at.method);
        if ("reason" in bounds) continue;
        smallest = Math.min(smallest, bounds.bound);
        break; // the lowest supported width of this method
      }
    }
    return smallest;
  };

  const visited = new Set<string>();
  const twinOf = prunedTwins(ctx);
  // Levels skipped that the levels above them prune further (iterative): made all the same.
  const rounds: typeof space.ladders[number][number][] = [];
  for (const k of belowMask) skip(k.name, k.reason, perLevel);
  for (const ladder of ladders) {
    for (const [i, p] of ladder.entries()) {
      let base: Base;
      if (removesNothing(p)) {
        base = ctx.denseBase;
      } else {
        const twin = twinOf(p);
        if (twin !== null) {
          skip(pruneName(p), twin, perLevel);
          continue;
        }
        const pruned = ctx.prunedOnly(p);
        const smallest = smallestFile(pruned.model);
        if (ruledOut(smallest) !== null) {
          smallestBound = Math.min(smallestBound, smallest);
          // A round of the level above (iterative, not random): the next level prunes its model.
          const round = (ladder[i + 1]?.previous ?? null) !== null;
          if (round) rounds.push(p);
          skip(
            pruneName(p),
            `its smallest file (${smallest} bytes, measured before fine-tuning) is ` +
              (bySize
                ? `more than the ${maxBytes} allowed`
                : `not smaller than the best so far (${best!.candidate.report.bytes} bytes)`) +
              (round ? "; it is fine-tuned all the same, as a round of the levels above it" : ""),
            perLevel,
          );
          continue;
        }
        base = ctx.base(p);
      }
      if (visited.has(base.key)) {
        ctx.step(`${base.name}: evaluated already`, perLevel);
        continue;
      }
      visited.add(base.key);
      listPrunedBase(bases, base);
      if (space.includeFloat || base === ctx.denseBase) {
        record(ctx.floatCandidate(base), base, base === ctx.denseBase);
      }
      // A float32 model below the target does not end the ladder: quantization-aware training
      // trains further and can pass where the fine-tuned float model did not.
      // Every method and width of this level, smallest bound first; a candidate whose bound is
      // not below the best file so far cannot give a smaller file and is not made.
      const queue: { method: QuantizationMethod; ptq: number; bound: number; label: string }[] = [];
      // A method or granularity listed twice is one candidate, made, skipped or listed once (as
      // in the sweep); the repeat counts as done.
      const planned = new Set<string>();
      for (const { template, granularity } of variants) {
        const widths = template.kind === "float16" ? [16] : space.bits;
        for (const bits of widths) {
          const at = methodAt(template, bits, granularity, space.methods);
          const label = `${base.name} + ${template.kind} ${bits}-bit`;
          const key = "reason" in at
            ? JSON.stringify([label, at.reason])
            : JSON.stringify(resolveMethod(at.method, action));
          if (planned.has(key)) {
            ctx.step(`${label}: planned already`, space.training.length);
            continue;
          }
          planned.add(key);
          if ("reason" in at) {
            skip(label, at.reason, space.training.length);
            continue;
          }
          const bounds = boundOf(base.model, at.method);
          if ("reason" in bounds) {
            // Named as its models are (granularity and calibration included), without the
            // training, which the reason does not depend on.
            skip(candidateName(base, at.method, "ptq"), bounds.reason, space.training.length);
            continue;
          }
          // Named as its models are (calibration included), without the training.
          queue.push({
            method: at.method,
            ...bounds,
            label: candidateName(base, at.method, "ptq"),
          });
        }
      }
      queue.sort((a, b) => a.bound - b.bound);
      for (const { method, ptq: ptqBound, bound, label } of queue) {
        const reason = ruledOut(bound);
        if (reason !== null) {
          smallestBound = Math.min(smallestBound, bound);
          skip(label, reason, space.training.length);
          continue;
        }
        let ptq: MeasuredCandidate | null = null;
        for (const training of space.training) {
          const name = candidateName(base, method, training);
          // Without a mask, PTQ may be ruled out where QAT is not.
          const ptqReason = training === "ptq" ? ruledOut(ptqBound) : null;
          if (ptqReason !== null) {
            smallestBound = Math.min(smallestBound, ptqBound);
            skip(name, ptqReason);
            continue;
          }
          // QAT only where it could do better than PTQ: PTQ missed the target, or its file is
          // larger than the bound (a form QAT may avoid).
          if (
            !bySize && training === "qat" && ptq !== null && within(ptq) &&
            ptq.report.bytes <= bound
          ) {
            ctx.step(`${name}: not needed, post-training quantization met the target`);
            continue;
          }
          if (!bySize && training === "qat" && bound >= best!.candidate.report.bytes) {
            skip(name, `not smaller than the best so far (${best!.candidate.report.bytes} bytes)`);
            continue;
          }
          try {
            let c = ctx.quantizedCandidate(base, method, training);
            for (const f of c.forms ?? [c]) smallestMade = Math.min(smallestMade, f.report.bytes);
            if (!within(c)) {
              // "auto" storage chose its form by validation accuracy; a form within budget is
              // the candidate: under a size budget (the folded one is smaller), under an accuracy
              // budget with a margin, where the more accurate form can have the larger standard
              // error and miss the budget that the other form meets, and under a balanced-accuracy
              // or ROC AUC budget, which the more accurate form can miss (only a plain accuracy
              // budget without a margin is passed by the more accurate form whenever by another).
              const fits = (c.forms ?? []).filter(within);
              if (fits.length > 0) {
                c = fits.reduce((a, f) => (beats(f, a) ? f : a));
              }
            }
            record(c, base);
            if (training === "ptq") ptq = c;
          } catch (error) {
            if (!(error instanceof RangeError)) throw error;
            skip(name, errorReason(error));
          }
        }
      }
    }
  }

  // The levels above a skipped round made it (cached: no work here).
  for (const p of rounds) listPrunedBase(bases, ctx.base(p));
  // Every planned model was made, skipped, or counted as not needed: the count is at its total.
  ctx.finish(`${tried.length} tried, ${skipped.length} skipped`);
  // The best feasible candidate among everything evaluated (ties: the first evaluated).
  let chosen: { candidate: MeasuredCandidate; base: Base } | null = null;
  for (const t of tried) if (beats(t.candidate, chosen?.candidate ?? null)) chosen = t;
  if (chosen === null) {
    const smallest = Math.min(
      smallestBound,
      smallestMade,
      ...tried.map((t) => t.candidate.report.bytes),
    );
    throw new RangeError(
      `Cannot ${action}: no model of the space fits in ${maxBytes} bytes; the smallest file ` +
        `it could make has at least ${smallest} bytes` +
        (belowMask.length > 0
          ? ` (levels below the given model's mask, not made: ${
            belowMask.map((k) => k.name).join(", ")
          })`
          : ""),
    );
  }
  const triedReports: TriedCandidate[] = tried.map((t) => ({
    ...t.candidate.report,
    feasible: within(t.candidate),
    lowerBound: margin > 0 ? lowerBound(t.candidate) : null,
  }));
  // The chosen model against the dense one, sample by sample: how far the validation set (and
  // the test set) can resolve the budget.
  const test = ctx.test;
  // Under weightedMetrics, weighted as the validation difference is.
  const testWeights = ctx.weightedMetrics ? ctx.testWeights : null;
  // ROC AUC needs both classes among the test rows (of some weight); without them there is no
  // test difference.
  const testDifference = test && (metric !== "roc-auc" || bothClasses(test.y, testWeights))
    ? pairedInMetric(metric, denseFloat, asFloatModel(chosen.candidate.model), test, testWeights)
    : null;
  return {
    target,
    result: {
      model: chosen.candidate.model,
      file: chosen.candidate.file,
      stages: stagesOf(ctx, chosen.base, chosen.candidate),
      denseFloat32Bytes: ctx.denseFloat32Bytes,
      unquantized: chosen.candidate.source ?? null,
      fineTuneWarnings: chosen.base.fineTuneWarnings,
      chosen: chosen.candidate.report,
      validationDifference: versusDense(chosen.candidate),
      testDifference,
      tried: triedReports,
      skipped,
      bases,
    },
  };
}

/**
 * The least file of a model without a mask quantized on a grid: every code at its group's code
 * nearest 0.0, so that the file leaves out every code it can. A file without a mask
 * stores only the codes that are not 0.0, so quantization-aware training, which may zero weights
 * that post-training quantization keeps, can give a smaller file than the post-training one.
 *
 * @param q The post-training quantized model, stored as the session stores it.
 * @param entropy Whether files are entropy-coded.
 * @returns A lower bound of the file of the model after QAT on the same grid.
 */
function zeroCodesBound(q: QuantizedModel, entropy: boolean): number {
  const t = q.weights;
  const codes = t.codes.slice();
  for (let i = 0; i < codes.length; i++) {
    codes[i] = zeroCode(t, elementGroup(t.granularity, i, t.cols));
  }
  return fileSizeBound({ ...q, weights: { ...t, codes } as QuantizedTensor }, entropy);
}

/** Whether labels 0 and 1 both occur (with weights, on rows of weight above 0). */
function bothClasses(y: ArrayLike<number>, w: ArrayLike<number> | null = null): boolean {
  let zero = false, one = false;
  for (let i = 0; i < y.length && !(zero && one); i++) {
    if (w !== null && !(w[i] > 0)) continue;
    if (y[i] === 0) zero = true;
    else one = true;
  }
  return zero && one;
}
