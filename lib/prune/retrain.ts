/**
 * Training with masks: fine-tuning the surviving weights ({@linkcode fineTune}), iterative
 * prune/retrain rounds ({@linkcode iterativePrune}) and gradual pruning during training with the
 * polynomial schedule ({@linkcode gradualPrune}). All run through `fit`, whose masked updates keep
 * removed weights exactly zero.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertInRange,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  describe,
  errorReason,
  exactKeys,
  type OptionKeys,
} from "../core/validate.ts";
import { fitStandardizer, type Preprocessing } from "../data/preprocess.ts";
import {
  type EpochState,
  fit,
  FIT_OPTION_KEYS,
  type FitOptions,
  type FitResult,
  nestedOptionHint,
  type Optimizer,
} from "../model/fit.ts";
import { type LogisticModel, MODEL_VERSION } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { maskSparsity, pruneMask, type PruneTarget, resolveTarget, targetCount } from "./mask.ts";
import { pruneModel } from "./prune_model.ts";
import { type PolynomialScheduleOptions, polynomialSparsity, resolveSchedule } from "./schedule.ts";
import { checkSamples, magnitudeScores, type Samples } from "./scores.ts";

/** Options for {@linkcode fineTune}: `fit`'s options except what the model fixes. */
export interface FineTuneOptions extends
  Omit<
    FitOptions,
    "initial" | "mask" | "classes" | "featureNames" | "link" | "preprocessing" | "optimizer"
  > {
  /**
   * The optimiser (any of `fit`'s: sgd, adam, lbfgs).
   * @default {{ kind: "sgd", epochs: 5 }}
   */
  optimizer?: Optimizer;
}

const {
  initial: _initial,
  mask: _mask,
  classes: _classes,
  featureNames: _featureNames,
  link: _link,
  preprocessing: _preprocessing,
  ...FINE_TUNE_FIT_KEYS
}: OptionKeys<FitOptions> = FIT_OPTION_KEYS;
/** The keys of {@linkcode FineTuneOptions}. */
export const FINE_TUNE_OPTION_KEYS: OptionKeys<FineTuneOptions> = exactKeys<FineTuneOptions>()(
  FINE_TUNE_FIT_KEYS,
);

/**
 * Retrains only the surviving weights of a pruned model (masked updates: removed weights stay
 * exactly zero), starting from its current weights, bias and preprocessing.
 *
 * @param model The pruned model (with `mask`; without one, every weight is trained).
 * @param data Training data, `x` of shape `(nSamples, nFeatures)`, raw.
 * @param options Optimiser, penalty, seed, validation and hooks, as for `fit`.
 * @returns `fit`'s result; its model keeps the mask.
 * @throws {TypeError} If shapes disagree with the model.
 * @throws {RangeError} As `fit` does.
 *
 * @example Fine-tuning keeps removed weights at zero
 * ```ts
 * import { fineTune } from "./retrain.ts";
 * import { pruneModel } from "./prune_model.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const pruned = pruneModel(fit(data.x, data.y).model, { fraction: 0.8 });
 * const { model } = fineTune(pruned, data, { optimizer: { kind: "lbfgs", maxIterations: 50 } });
 * assert.deepEqual(model.mask, pruned.mask);
 * for (let i = 0; i < model.mask!.length; i++) {
 *   if (model.mask![i] === 0) assert.equal(model.weights.data[i], 0);
 * }
 * ```
 */
export function fineTune(
  model: LogisticModel,
  data: Samples,
  options: FineTuneOptions = {},
): FitResult {
  checkSamples(model, data, "fine-tune model");
  checkOptionKeys(
    "fine-tune model",
    options,
    FINE_TUNE_OPTION_KEYS,
    "options",
    nestedOptionHint(options, FINE_TUNE_OPTION_KEYS),
  );
  return fit(data.x, data.y, {
    ...options,
    optimizer: options.optimizer ?? { kind: "sgd", epochs: 5 },
    initial: model,
  });
}

/** One round of {@linkcode iterativePrune}. */
export interface PruneRound {
  /** 1-based round number. */
  readonly round: number;
  /** The sparsity this round pruned to (fraction of weights removed). */
  readonly sparsity: number;
  /** The model right after pruning, before retraining. */
  readonly pruned: LogisticModel;
  /** The retraining result. */
  readonly retrained: FitResult;
}

/** Options for {@linkcode iterativePrune}. */
export interface IterativePruneOptions extends Pick<PruneTarget, "scope"> {
  /**
   * The sparsity after each round, non-decreasing fractions in `[0, 1]`.
   * @default {finalSparsity reached in `rounds` steps of the cubic schedule}
   */
  sparsities?: readonly number[];
  /**
   * The final sparsity, when `sparsities` is not given (refused beside it).
   * @default {0.9}
   */
  finalSparsity?: number;
  /**
   * The number of rounds, when `sparsities` is not given (refused beside it).
   * @default {4}
   */
  rounds?: number;
  /**
   * Scores the current model before each pruning step (e.g.
   * `(m) => obdScores(m, data, { l2 })`).
   * @default {magnitudeScores}
   */
  scorer?: (model: LogisticModel) => Matrix;
  /**
   * Raw data for bias compensation at each pruning step (see `pruneModel`).
   * @default {none}
   */
  compensate?: Matrix;
  /**
   * How each round retrains (see {@linkcode fineTune}).
   * @default {{}}
   */
  fineTune?: FineTuneOptions;
  /**
   * Called after each round.
   * @default {none}
   */
  onRound?: (round: PruneRound) => void;
}

/**
 * Iterative pruning: rounds of (score, prune to the round's sparsity, retrain the survivors).
 * Each round's mask extends the previous one, so no weight comes back.
 *
 * @param model The starting (usually dense, trained) model.
 * @param data Training data, raw.
 * @param options The sparsity per round, the scorer, and the retraining.
 * @returns The final model and every round.
 * @throws {TypeError} If shapes disagree with the model, or the scorer is not a function or
 *   does not return a matrix of the weights' shape.
 * @throws {RangeError} If the sparsities are not non-decreasing fractions, `sparsities` comes
 *   with `finalSparsity` or `rounds`, or as `fit` does.
 *
 * @example Two rounds to 75 %
 * ```ts
 * import { iterativePrune } from "./retrain.ts";
 * import { sparsityReport } from "./report.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const dense = fit(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } }).model;
 * const { model, rounds } = iterativePrune(dense, data, {
 *   sparsities: [0.5, 0.75],
 *   fineTune: { optimizer: { kind: "lbfgs", maxIterations: 10 } },
 * });
 * assert.equal(rounds.length, 2);
 * assert.equal(sparsityReport(model).masked, 480);
 * ```
 */
export function iterativePrune(
  model: LogisticModel,
  data: Samples,
  options: IterativePruneOptions = {},
): { model: LogisticModel; rounds: PruneRound[] } {
  const action = "prune iteratively";
  checkSamples(model, data, action);
  checkOptionKeys(action, options, ITERATIVE_PRUNE_OPTION_KEYS);
  if (options.sparsities !== undefined) {
    // Either the rounds' sparsities or the schedule that makes them: with both, finalSparsity
    // and rounds were ignored without a word (sparsities [0.5] and finalSparsity 0.9 gave 50 %).
    const given = (["finalSparsity", "rounds"] as const).filter((k) => options[k] !== undefined);
    if (given.length > 0) {
      throw new RangeError(
        `Cannot ${action}: give either sparsities or finalSparsity and rounds, got sparsities ` +
          `and ${given.join(" and ")}`,
      );
    }
  }
  const sparsities = options.sparsities ?? defaultRounds(options, action);
  if (!Array.isArray(sparsities) || sparsities.length === 0) {
    throw new RangeError(`Cannot ${action}: sparsities must be a non-empty array`);
  }
  sparsities.forEach((s, r) => {
    assertInRange(action, `sparsities[${r}]`, s, r === 0 ? 0 : sparsities[r - 1], 1);
  });
  const scorer = options.scorer ?? magnitudeScores;
  checkScorer(action, scorer);
  const rounds: PruneRound[] = [];
  let current = model;
  sparsities.forEach((sparsity, r) => {
    let pruned: LogisticModel;
    try {
      pruned = pruneModel(current, {
        fraction: sparsity,
        scope: options.scope,
        scores: scoresOf(action, scorer, current),
        compensate: options.compensate,
      });
    } catch (error) {
      // Which round, and why: a round below the given model's own mask was refused in the
      // mask's words ("the previous mask already removes 384 entries, more than the 320 ...").
      if (!(error instanceof RangeError)) throw error;
      throw new RangeError(
        `Cannot ${action}: round ${r + 1} (sparsities[${r}] = ${sparsity}): ${errorReason(error)}` +
          (r === 0 && model.mask
            ? "; the given model is pruned already: start the rounds above it"
            : ""),
      );
    }
    const retrained = fineTune(pruned, data, options.fineTune);
    const round: PruneRound = { round: r + 1, sparsity, pruned, retrained };
    rounds.push(round);
    options.onRound?.(round);
    current = retrained.model;
  });
  return { model: current, rounds };
}

const ITERATIVE_PRUNE_OPTION_KEYS: OptionKeys<IterativePruneOptions> = {
  scope: true,
  sparsities: true,
  finalSparsity: true,
  rounds: true,
  scorer: true,
  compensate: true,
  fineTune: true,
  onRound: true,
};

function checkScorer(action: string, scorer: unknown): void {
  if (typeof scorer !== "function") {
    throw new TypeError(
      `Cannot ${action}: scorer must be a function (model) => scores, got ${describe(scorer)}`,
    );
  }
}

/**
 * The scorer's scores of a model, checked against its weights: a scorer that returned nothing
 * fell back to magnitude scores in iterative pruning, and scores of another shape were cut into
 * the mask's groups in gradual pruning, both without a word.
 */
function scoresOf(
  action: string,
  scorer: (model: LogisticModel) => Matrix,
  model: LogisticModel,
): Matrix {
  const scores = scorer(model);
  assertMatrix(action, "scorer(model)", scores);
  const { rows, cols } = model.weights;
  if (scores.rows !== rows || scores.cols !== cols) {
    throw new TypeError(
      `Cannot ${action}: scorer(model) returned ${scores.rows} x ${scores.cols} scores, the ` +
        `weights are ${rows} x ${cols}`,
    );
  }
  return scores;
}

function defaultRounds(options: IterativePruneOptions, action: string): number[] {
  const rounds = options.rounds ?? 4;
  assertInRange(action, "rounds", rounds, 1, 1e6, true);
  const finalSparsity = options.finalSparsity ?? 0.9;
  return Array.from(
    { length: rounds },
    (_, r) => polynomialSparsity(r + 1, { finalSparsity, endStep: rounds }),
  );
}

/** Options for {@linkcode gradualPrune}: `fit`'s options (sgd or adam) plus the schedule. */
export interface GradualPruneOptions extends Omit<FitOptions, "mask" | "onEpochEnd" | "optimizer"> {
  /**
   * The optimiser: sgd or adam (pruning runs at the end of epochs; lbfgs is refused).
   * @default {{ kind: "sgd" }}
   */
  optimizer?: Optimizer;
  /**
   * The sparsity schedule in epochs (see `polynomialSparsity`); pruning updates run at the end
   * of epochs. Its `endStep` must not exceed the number of epochs.
   * @default {{ finalSparsity: 0.9, beginStep: 0, endStep: ceil(2/3 * epochs), exponent: 3 }}
   */
  schedule?: PolynomialScheduleOptions;
  /**
   * Scores the model at the end of each epoch (e.g. `(m) => taylorScores(m, data)`); it receives
   * a snapshot whose weight and bias arrays are the live training state (do not keep them).
   * @default {magnitudeScores}
   */
  scorer?: (model: LogisticModel) => Matrix;
  /**
   * Rank weights globally or per class (see `pruneMask`).
   * @default {"global"}
   */
  scope?: PruneTarget["scope"];
}

const {
  mask: _gradualMask,
  onEpochEnd: _onEpochEnd,
  ...GRADUAL_FIT_OPTION_KEYS
}: OptionKeys<FitOptions> = FIT_OPTION_KEYS;
const GRADUAL_PRUNE_OPTION_KEYS = exactKeys<GradualPruneOptions>()({
  ...GRADUAL_FIT_OPTION_KEYS,
  schedule: true,
  scorer: true,
  scope: true,
});

/** The result of {@linkcode gradualPrune}. */
export interface GradualPruneResult extends FitResult {
  /** The mask's sparsity at the end of each epoch. */
  readonly sparsityByEpoch: readonly number[];
}

/**
 * Gradual pruning during training (Zhu and Gupta 2017): at the end of each epoch the mask grows
 * to the sparsity the polynomial schedule gives for that epoch (lowest scores removed, never
 * reviving), and training continues on the survivors. After `endStep` the sparsity is final and
 * the remaining epochs fine-tune. Each group (the whole tensor, or each class row with
 * `scope: "per-class"`) grows to the schedule's count; a group whose `initial` mask already
 * removes more keeps its mask, so a per-class run from a model pruned unevenly can end above
 * `finalSparsity`. With early stopping, only epochs after the last removal count, and training
 * does not stop before `endStep`, so the model reaches the final sparsity.
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param y Class index per sample, shape `(nSamples)`.
 * @param options `fit`'s options (optimizer sgd or adam), the schedule, the scorer.
 * @returns `fit`'s result (the model carries the final mask) and the sparsity by epoch.
 * @throws {TypeError} If shapes disagree, or the scorer is not a function or does not return a
 *   matrix of the weights' shape.
 * @throws {RangeError} If the optimizer is lbfgs, the schedule is out of range or ends after the
 *   last epoch, or as `fit` does.
 *
 * @example 80 % sparsity over 6 epochs of SGD
 * ```ts
 * import { gradualPrune } from "./retrain.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const r = gradualPrune(data.x, data.y, {
 *   optimizer: { kind: "sgd", epochs: 6, learningRate: 0.01 },
 *   schedule: { finalSparsity: 0.8, endStep: 4 },
 * });
 * assert.equal(r.sparsityByEpoch[3], 0.8);
 * assert.equal(r.model.weights.data.filter((w) => w !== 0).length, 6);
 * ```
 */
export function gradualPrune(
  x: Matrix,
  y: Int32Array,
  options: GradualPruneOptions = {},
): GradualPruneResult {
  const action = "prune gradually";
  assertMatrix(action, "x", x);
  checkOptionKeys(action, options, GRADUAL_PRUNE_OPTION_KEYS);
  assertLabels(action, y, x.rows, options.classes?.length);
  const optimizer = options.optimizer ?? { kind: "sgd" };
  if (optimizer.kind !== "sgd" && optimizer.kind !== "adam") {
    throw new RangeError(`Cannot ${action}: the optimizer must be sgd or adam (epoch hooks)`);
  }
  const epochs = optimizer.epochs ?? 20;
  // As fit checks it, before the default endStep is made of it (epochs 0 was refused as an
  // endStep 0 the caller never gave).
  assertInRange(action, "optimizer.epochs", epochs, 1, Infinity, true);
  if (
    options.schedule !== undefined &&
    (typeof options.schedule !== "object" || options.schedule === null)
  ) {
    // A spread of null or of a number is {}: the default schedule, without a word.
    throw new TypeError(
      `Cannot ${action}: schedule must be an object, got ${describe(options.schedule)}`,
    );
  }
  const defaultEnd = Math.ceil((2 * epochs) / 3);
  const begin = options.schedule?.beginStep;
  if (options.schedule?.endStep === undefined && typeof begin === "number" && begin >= defaultEnd) {
    // resolveSchedule would refuse the default end as if the caller had given it ("endStep must
    // be ... greater than beginStep (5), got 4").
    throw new RangeError(
      `Cannot ${action}: the schedule begins at epoch ${begin}, not before its default end ` +
        `(ceil(2/3 * ${epochs} epochs) = ${defaultEnd}); give schedule.endStep`,
    );
  }
  const schedule = resolveSchedule({
    ...options.schedule,
    endStep: options.schedule?.endStep ?? defaultEnd,
  });
  if (schedule.endStep > epochs) {
    throw new RangeError(
      `Cannot ${action}: the schedule ends at epoch ${schedule.endStep}, after the last (${epochs})`,
    );
  }
  const target = resolveTarget(action, { fraction: 0, scope: options.scope });
  const initial = options.initial;
  if (initial) validateModel(initial, action);
  const preprocessing: Preprocessing = initial?.preprocessing ??
    (options.preprocessing === "none"
      ? { kind: "none" }
      : options.preprocessing === undefined || options.preprocessing === "standardize"
      ? fitStandardizer(x)
      : options.preprocessing);
  let maxLabel = 0;
  for (let i = 0; i < y.length; i++) maxLabel = Math.max(maxLabel, y[i]);
  const classes = initial?.classes ?? options.classes ??
    Array.from({ length: maxLabel + 1 }, (_, c) => String(c));
  const featureNames = initial?.featureNames ?? options.featureNames ??
    Array.from({ length: x.cols }, (_, j) => `x${j}`);
  const rows = initial?.weights.rows ??
    ((options.link ?? "auto") === "sigmoid" ||
        ((options.link ?? "auto") === "auto" && classes.length === 2)
      ? 1
      : classes.length);
  const mask = initial?.mask?.slice() ?? new Uint8Array(rows * x.cols).fill(1);
  const scorer = options.scorer;
  // Before training: a scorer that is not a function failed at the first epoch's end.
  if (scorer !== undefined) checkScorer(action, scorer);
  const sparsityByEpoch: number[] = [];
  const onEpochEnd = (state: EpochState) => {
    const weights = { data: state.weights, rows, cols: x.cols };
    const scores = scorer
      ? scoresOf(action, scorer, {
        kind: "logistic-regression",
        version: MODEL_VERSION,
        link: rows === 1 ? "sigmoid" : "softmax",
        weights,
        bias: state.bias,
        classes,
        featureNames,
        preprocessing,
      })
      : { data: state.weights.map(Math.abs), rows, cols: x.cols };
    const fraction = polynomialSparsity(state.epoch, schedule);
    const live = state.mask!;
    // Each group (the whole tensor, or each class row) grows to the schedule's count; a group
    // whose mask already removes more (an initial model pruned another way) keeps its mask.
    const size = target.scope === "global" ? live.length : x.cols;
    const want = targetCount({ ...target, value: fraction }, size);
    for (let start = 0; start < live.length; start += size) {
      const group = live.subarray(start, start + size);
      let removed = 0;
      for (let i = 0; i < size; i++) if (group[i] === 0) removed++;
      if (want > removed) {
        const groupScores = {
          data: scores.data.subarray(start, start + size),
          rows: 1,
          cols: size,
        };
        group.set(pruneMask(groupScores, group, { count: want }));
      }
    }
    sparsityByEpoch.push(maskSparsity(live));
  };
  // Early stopping waits for the schedule's end: between two removals (frequency > 1) patience
  // could run out and return a model far short of the final sparsity.
  const early = options.earlyStopping;
  const { schedule: _schedule, scorer: _scorer, scope: _scope, ...fitOptions } = options;
  const result = fit(x, y, {
    ...fitOptions,
    optimizer,
    preprocessing,
    classes,
    featureNames,
    mask,
    onEpochEnd,
    ...(early
      ? { earlyStopping: { ...early, notBefore: Math.max(early.notBefore ?? 0, schedule.endStep) } }
      : {}),
  });
  return { ...result, sparsityByEpoch };
}
