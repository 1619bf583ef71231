/**
 * The penalty strength chosen on held-out folds: k-fold cross-validation of `fit` over a grid of
 * `lambda` values (scikit-learn's `LogisticRegressionCV`, glmnet's `cv.glmnet`).
 *
 * @module
 */

import { type Matrix, takeRows } from "../core/matrix.ts";
import { checkSeed } from "../core/random.ts";
import {
  assertFinite,
  assertLabels,
  assertMatrix,
  assertNumbers,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
  quotedText,
  rangeText,
} from "../core/validate.ts";
import { evaluate, type Evaluation } from "../metrics/evaluate.ts";
import {
  checkLabelCount,
  checkOptimizer,
  checkPenalty,
  effectiveWeights,
  fit,
  type FitOptions,
  type FitResult,
  type Optimizer,
  resolveLink,
} from "../model/fit.ts";
import type { LogisticModel, Penalty } from "../model/types.ts";
import { stratifiedFolds } from "./folds.ts";

/** What a validation fold is scored by. */
export type CrossValidationScoring = "log-loss" | "accuracy" | "balanced-accuracy" | "roc-auc";

/** How the strength is chosen from the mean scores. */
export type LambdaRule = "best" | "one-standard-error";

/** A penalty without its strength, which cross-validation chooses. */
export type PenaltyKind =
  | { readonly kind: "l2" }
  | { readonly kind: "l1" }
  | { readonly kind: "elasticnet"; readonly l1Ratio: number };

/** Progress reported after each fold's training at one strength. */
export interface CrossValidationProgress {
  /** Trainings done so far, 1-based. */
  readonly step: number;
  /** Trainings in all: `k` times the number of strengths (the refit not counted). */
  readonly steps: number;
  /** The fold validated, 0-based. */
  readonly fold: number;
  /** The number of folds. */
  readonly k: number;
  /** The strength trained with. */
  readonly lambda: number;
  /** Its index in `lambdas`. */
  readonly lambdaIndex: number;
  /** The validation score of this fold at this strength. */
  readonly score: number;
  /** The model trained on the other folds (valid after the call: not reused). */
  readonly model: LogisticModel;
  /** Whether that training converged (`fit`'s `converged`). */
  readonly converged: boolean;
  /** That training's warnings (`fit`'s `warnings`). */
  readonly warnings: readonly string[];
}

/** Options for {@linkcode crossValidateLambda}. */
export interface CrossValidateLambdaOptions {
  /**
   * The candidate strengths, each finite and > 0, none twice; reported in the order given.
   * @default {10 values lambda = 1 / (C * n) for scikit-learn's default grid of LogisticRegressionCV,
   *   C = 10^-4, ..., 10^4 (Cs = 10, log-spaced), from the strongest penalty down; n is the rows
   *   of x, or with `sampleWeight` or `classWeight` the effective weights' sum}
   */
  lambdas?: readonly number[];
  /**
   * The fold of each row, shape `(nSamples)`: integers `0..k-1` (so below `nSamples`), each fold
   * holding at least one row (e.g. from `stratifiedFolds`, or groups of rows that must stay together). Not with `k`.
   * @default {stratifiedFolds(y, k, { seed })}
   */
  folds?: ArrayLike<number>;
  /**
   * The number of stratified folds (see `stratifiedFolds`). Not with `folds`.
   * @default {5}
   */
  k?: number;
  /**
   * Seed of the stratified folds and of each training's mini-batch shuffles (`fit`'s `seed`).
   * @default {0}
   */
  seed?: number;
  /**
   * What each validation fold is scored by, from `evaluate` on its rows: the mean log loss (lower
   * is better), accuracy, balanced accuracy or the ROC AUC (two classes only; higher is better).
   * With `sampleWeight`, weighted by the validation rows' weights (`evaluate`'s `sampleWeight`);
   * `classWeight` weighs the training only (score with `"balanced-accuracy"` to count each class
   * alike). The ROC AUC and balanced accuracy average over classes, so every fold's validation
   * rows must hold each class of `y` with some weight (refused before any training otherwise: such
   * a fold's score would be undefined, or average fewer classes than the other folds').
   * @default {"log-loss"}
   */
  scoring?: CrossValidationScoring;
  /**
   * `"best"`: the strength of the best mean score; `"one-standard-error"`: the largest strength
   * whose mean score is within one standard error (the best strength's) of the best mean, the
   * simplest model the folds cannot tell from the best (glmnet's `lambda.1se`). Ties go to the
   * larger strength, the simpler model.
   * @default {"best"}
   */
  rule?: LambdaRule;
  /**
   * The penalty's kind (its strength is what is chosen).
   * @default {{ kind: "l2" }}
   */
  penalty?: PenaltyKind;
  /**
   * The optimiser, as `fit`'s option.
   * @default {{ kind: "lbfgs" }}
   */
  optimizer?: Optimizer;
  /**
   * With L-BFGS, train each fold's strengths from the strongest down, each started from the
   * model of the one before (the optimum moves little from one strength to the next, so fewer
   * iterations). The objective is convex and L-BFGS stops where the largest gradient
   * component is at most `optimizer.tolerance` (default 1e-6) from any start, so a warm start
   * lands on the same optimum to that tolerance, not bit for bit; where the penalty is weak the
   * objective is flat and the scores of models that meet the tolerance can lie apart. Off by
   * default, so that each score is exactly `fit`'s on the fold (the model the refit repeats on all
   * rows). SGD and Adam stop after a fixed number of epochs wherever they started: they always
   * start from zero, and `warmStart: true` is refused with them.
   * @default {false}
   */
  warmStart?: boolean;
  /**
   * Refit on all the rows with the chosen strength (`fit(x, y, options)` with that penalty; its
   * result is `refit`).
   * @default {true}
   */
  refit?: boolean;
  /** As `fit`'s option. @default {"auto"} */
  link?: FitOptions["link"];
  /** As `fit`'s option (every fold's model has all of them). @default {["0", ..., String(max(y))]} */
  classes?: readonly string[];
  /** As `fit`'s option. @default {["x0", "x1", ...]} */
  featureNames?: readonly string[];
  /**
   * `"standardize"` fits the standardisation on each fold's training rows only (never its
   * validation rows), and on all rows for the refit; `"none"` trains on `x` as it is.
   * @default {"standardize"}
   */
  preprocessing?: "standardize" | "none";
  /**
   * One weight per row, as `fit`'s option: each fold trains with its training rows' weights and
   * scores its validation rows weighted by theirs.
   * @default {none (every row counts once)}
   */
  sampleWeight?: ArrayLike<number>;
  /**
   * As `fit`'s option; `"balanced"` is computed by each fold's `fit` on its own training rows.
   * @default {none (every class weighs 1)}
   */
  classWeight?: FitOptions["classWeight"];
  /** As `fit`'s option. @default {"auto"} */
  backend?: FitOptions["backend"];
  /** As `fit`'s option. @default {min(navigator.hardwareConcurrency, 8)} */
  threads?: number;
  /**
   * Called after each fold's training at each strength.
   * @default {none}
   */
  onProgress?: (progress: CrossValidationProgress) => void;
}

/** The validation scores of one strength. */
export interface LambdaScores {
  /** The strength. */
  readonly lambda: number;
  /**
   * scikit-learn's `C` for the same strength on all the rows: `1 / (lambda * n)`, `n` the rows
   * of x, or with `sampleWeight` or `classWeight` the effective weights' sum (each fold's own
   * `C` is `1 / (lambda * its training rows)`).
   */
  readonly c: number;
  /** The score of each fold's validation rows, in fold order. */
  readonly foldScores: readonly number[];
  /** Their mean (each fold counts once, whatever its size). */
  readonly mean: number;
  /**
   * The standard error of that mean: the folds' sample standard deviation over `sqrt(k)`,
   * `sqrt(sum_f (s_f - mean)^2 / (k (k - 1)))`.
   */
  readonly standardError: number;
  /** Whether every fold's training converged (`fit`'s `converged`). */
  readonly converged: boolean;
  /**
   * Each fold's training's warnings (`fit`'s `warnings`), in fold order: e.g. a class whose rows
   * all weigh 0 in that fold's training, which the model then never predicts.
   */
  readonly foldWarnings: readonly (readonly string[])[];
}

/** The result of {@linkcode crossValidateLambda}. */
export interface CrossValidation {
  /** What the folds were scored by. */
  readonly scoring: CrossValidationScoring;
  /** Whether a higher score is better (all but the log loss). */
  readonly greaterIsBetter: boolean;
  /** How the strength was chosen. */
  readonly rule: LambdaRule;
  /** The fold of each row. */
  readonly folds: Int32Array;
  /** The number of folds. */
  readonly k: number;
  /** One entry per strength, in the order of `lambdas`. */
  readonly points: readonly LambdaScores[];
  /** The index in `points` of the best mean score (ties: the larger strength). */
  readonly best: number;
  /** The index in `points` of the strength chosen by `rule`. */
  readonly chosen: number;
  /** The chosen strength, `points[chosen].lambda`. */
  readonly lambda: number;
  /** The chosen penalty, with its strength: what the refit trains with. */
  readonly penalty: Penalty;
  /** `fit` on all the rows with the chosen penalty, or `null` with `refit: false`. */
  readonly refit: FitResult | null;
}

const ACTION = "cross-validate lambda";

const OPTION_KEYS: OptionKeys<CrossValidateLambdaOptions> = {
  lambdas: true,
  folds: true,
  k: true,
  seed: true,
  scoring: true,
  rule: true,
  penalty: true,
  optimizer: true,
  warmStart: true,
  refit: true,
  link: true,
  classes: true,
  featureNames: true,
  preprocessing: true,
  sampleWeight: true,
  classWeight: true,
  backend: true,
  threads: true,
  onProgress: true,
};

const SCORINGS: readonly CrossValidationScoring[] = [
  "log-loss",
  "accuracy",
  "balanced-accuracy",
  "roc-auc",
];

/**
 * Chooses the penalty strength of a logistic regression by k-fold cross-validation: for each
 * fold, `fit` on the other folds' rows (in row order, with `classes` and every training option
 * given) at each strength, scored by `evaluate` on the fold's rows; the strength is then chosen
 * from the folds' mean scores by `rule`, and the model refitted on all rows with it.
 *
 * The chosen `lambda` is refitted as it is: `fit`'s penalty weighs the mean loss, so the same
 * `lambda` asks the same of the weights on more rows (glmnet's `cv.glmnet` does this). scikit-learn
 * keeps `C` instead, which is `lambda * (k - 1) / k` on all the rows.
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param y Class index per row, shape `(nSamples)`.
 * @param options Strengths, folds, scoring, rule, and `fit`'s options for every training.
 * @returns Each strength's fold scores, mean and standard error, the chosen strength and the
 *   refit.
 * @throws {TypeError} If shapes disagree, an option is unknown or of the wrong type (a penalty
 *   with a `lambda`: that is what is chosen).
 * @throws {RangeError} If `x` holds NaN or Infinity, the labels hold fewer than two classes,
 *   `lambdas` is empty or holds a strength that is not finite and > 0 or one twice, `folds` and
 *   `k` are both given, a fold is empty or its training rows hold one class, `k` is out of range
 *   (see `stratifiedFolds`), the ROC AUC is asked for more than two classes, a fold's validation
 *   rows all weigh 0 or, scored by ROC AUC or balanced accuracy, hold no row (or no weight) of a
 *   class of `y`, or as `fit` (naming the fold and strength). Every fold is checked before any
 *   training.
 *
 * @example Five folds of breast cancer, scored by log loss
 * ```ts
 * import { crossValidateLambda } from "./cross_validate.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const cv = crossValidateLambda(data.x, data.y, { lambdas: [1, 0.1, 0.01, 0.001] });
 * assert.equal(cv.points.length, 4);
 * assert.equal(cv.points[0].foldScores.length, 5);
 * // No strength has a lower mean validation log loss than the chosen one.
 * assert.ok(cv.points.every((p) => p.mean >= cv.points[cv.chosen].mean));
 * assert.equal(cv.refit?.model.classes.length, 2);
 * ```
 */
export function crossValidateLambda(
  x: Matrix,
  y: Int32Array,
  options: CrossValidateLambdaOptions = {},
): CrossValidation {
  checkOptionKeys(ACTION, options, OPTION_KEYS);
  assertMatrix(ACTION, "x", x);
  if (options.classes !== undefined && !Array.isArray(options.classes)) {
    throw new TypeError(
      `Cannot ${ACTION}: classes must be an array of labels, got ${describe(options.classes)}`,
    );
  }
  assertLabels(ACTION, y, x.rows, options.classes?.length);
  if (x.rows === 0) throw new RangeError(`Cannot ${ACTION}: x has no rows`);
  assertFinite(ACTION, "x", x.data, x.cols);
  checkSeed(ACTION, options.seed);
  let maxLabel = 0;
  for (let i = 0; i < y.length; i++) maxLabel = Math.max(maxLabel, y[i]);
  if (options.classes === undefined) checkLabelCount(ACTION, maxLabel);
  const classes = options.classes ??
    Array.from({ length: maxLabel + 1 }, (_, c) => String(c));
  if (new Set(y).size < 2) {
    throw new RangeError(
      `Cannot ${ACTION}: the labels hold a single class (${
        quotedText(classes[y[0]])
      }); at least two are needed`,
    );
  }
  const scoring = options.scoring ?? "log-loss";
  if (!SCORINGS.includes(scoring)) {
    throw new RangeError(
      `Cannot ${ACTION}: scoring must be one of ${SCORINGS.join(", ")}, got ${describe(scoring)}`,
    );
  }
  const rule = options.rule ?? "best";
  if (rule !== "best" && rule !== "one-standard-error") {
    throw new RangeError(
      `Cannot ${ACTION}: rule must be best or one-standard-error, got ${describe(rule)}`,
    );
  }
  if (scoring === "roc-auc" && classes.length !== 2) {
    throw new RangeError(
      `Cannot ${ACTION}: scoring roc-auc needs two classes, got ${classes.length}; use ` +
        "log-loss, accuracy or balanced-accuracy",
    );
  }
  const kind = checkPenaltyKind(options.penalty);
  const optimizer: Optimizer = options.optimizer ?? { kind: "lbfgs" };
  checkOptimizer(ACTION, optimizer);
  checkBackendOptions(ACTION, options);
  const preprocessing = options.preprocessing ?? "standardize";
  if (preprocessing !== "standardize" && preprocessing !== "none") {
    throw new TypeError(
      `Cannot ${ACTION}: preprocessing must be "standardize" or "none" (a preprocessing fitted ` +
        `elsewhere may have seen the validation rows), got ${describe(preprocessing)}`,
    );
  }
  for (const key of ["warmStart", "refit"] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(`Cannot ${ACTION}: ${key} must be a boolean, got ${describe(v)}`);
    }
  }
  if (options.warmStart === true && optimizer.kind !== "lbfgs") {
    throw new RangeError(
      `Cannot ${ACTION}: warmStart needs the lbfgs optimizer (${optimizer.kind} stops after a ` +
        "fixed number of epochs, so its model depends on where it starts)",
    );
  }
  const warmStart = options.warmStart ?? false;
  // The link is resolved as fit resolves it, so that a sigmoid asked for three classes is refused
  // before any training.
  resolveLink(ACTION, options.link ?? "auto", classes.length);
  // The weights as fit resolves them (checked here once, for all folds), and their sum for C.
  const { weights, weightSum } = effectiveWeights(y, classes, options, ACTION);
  const n = weights === null ? x.rows : weightSum;
  const lambdas = options.lambdas === undefined ? defaultLambdas(n) : checkLambdas(options.lambdas);

  const folds = foldsOption(options, y, classes);
  const k = foldCount(folds);
  const sampleWeight = options.sampleWeight === undefined
    ? null
    : Float64Array.from(options.sampleWeight);
  const shared: FitOptions = {
    ...(options.link === undefined ? {} : { link: options.link }),
    classes,
    ...(options.featureNames === undefined ? {} : { featureNames: options.featureNames }),
    preprocessing,
    optimizer,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.classWeight === undefined ? {} : { classWeight: options.classWeight }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  // A warm start carries the link, classes, feature names and preprocessing, which fit refuses
  // to be given again next to it.
  const {
    link: _link,
    classes: _classes,
    featureNames: _featureNames,
    preprocessing: _preprocessing,
    ...warmShared
  } = shared;
  // Strongest first: the path from the simplest model, which warm starts follow.
  const order = lambdas.map((_, i) => i).sort((a, b) => lambdas[b] - lambdas[a]);
  const scores = lambdas.map(() => new Array<number>(k).fill(NaN));
  const converged = lambdas.map(() => true);
  const warnings = lambdas.map(() => new Array<readonly string[]>(k).fill([]));
  const steps = k * lambdas.length;
  let step = 0;
  // Every fold is checked before any training, so that a bad last fold is not found after hours.
  for (let f = 0; f < k; f++) checkFold(f, folds, y, sampleWeight, classes, scoring);
  for (let f = 0; f < k; f++) {
    const trainRows: number[] = [], validationRows: number[] = [];
    for (let i = 0; i < folds.length; i++) (folds[i] === f ? validationRows : trainRows).push(i);
    const xTrain = takeRows(x, trainRows), xValidation = takeRows(x, validationRows);
    const yTrain = Int32Array.from(trainRows, (i) => y[i]);
    const yValidation = Int32Array.from(validationRows, (i) => y[i]);
    const trainWeight = sampleWeight === null
      ? {}
      : { sampleWeight: Float64Array.from(trainRows, (i) => sampleWeight[i]) };
    const validationWeight = sampleWeight === null
      ? undefined
      : Float64Array.from(validationRows, (i) => sampleWeight[i]);
    let previous: LogisticModel | null = null;
    for (const li of order) {
      const penalty = { ...kind, lambda: lambdas[li] } as Penalty;
      const result = foldFit(f, lambdas[li], () =>
        fit(xTrain, yTrain, {
          ...(previous === null ? shared : { ...warmShared, initial: previous }),
          ...trainWeight,
          penalty,
        }));
      const ev = evaluate(
        result.model,
        xValidation,
        yValidation,
        validationWeight === undefined ? {} : { sampleWeight: validationWeight },
      );
      const score = scoreOf(ev, scoring);
      scores[li][f] = score;
      if (!result.converged) converged[li] = false;
      warnings[li][f] = result.warnings;
      if (warmStart) previous = result.model;
      step++;
      options.onProgress?.({
        step,
        steps,
        fold: f,
        k,
        lambda: lambdas[li],
        lambdaIndex: li,
        score,
        model: result.model,
        converged: result.converged,
        warnings: result.warnings,
      });
    }
  }
  const points: LambdaScores[] = lambdas.map((lambda, i) => {
    const { mean, standardError } = meanAndStandardError(scores[i]);
    return {
      lambda,
      c: 1 / (lambda * n),
      foldScores: scores[i],
      mean,
      standardError,
      converged: converged[i],
      foldWarnings: warnings[i],
    };
  });
  const greaterIsBetter = scoring !== "log-loss";
  const { best, chosen } = chooseLambda(points, { rule, greaterIsBetter });
  const penalty = { ...kind, lambda: lambdas[chosen] } as Penalty;
  const refit = options.refit === false ? null : fit(x, y, {
    ...shared,
    ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }),
    penalty,
  });
  return {
    scoring,
    greaterIsBetter,
    rule,
    folds,
    k,
    points,
    best,
    chosen,
    lambda: lambdas[chosen],
    penalty,
    refit,
  };
}

/** The fields of a point {@linkcode chooseLambda} reads, and the least value of each. */
const FIELDS = [["lambda", Number.MIN_VALUE], ["mean", -Infinity], ["standardError", 0]] as const;

/** Options for {@linkcode chooseLambda}. */
export interface ChooseLambdaOptions {
  /**
   * `"best"` or `"one-standard-error"`, as `crossValidateLambda`'s option.
   * @default {"best"}
   */
  rule?: LambdaRule;
  /**
   * Whether a higher mean score is better (accuracy, ROC AUC) or a lower one (log loss).
   * @default {false}
   */
  greaterIsBetter?: boolean;
}

/**
 * Chooses a strength from mean validation scores: `best` is the strength of the best mean, ties
 * going to the larger strength; by rule `"one-standard-error"`, `chosen` is the largest strength
 * whose mean is no worse than the best mean by more than the best strength's standard error
 * (`mean <= best.mean + best.standardError` for a loss; `>=` and `-` for a score), else `best`.
 *
 * @param points Each strength's mean score and standard error, in any order.
 * @param options The rule, and whether higher is better.
 * @returns The indices in `points` of the best and the chosen strength.
 * @throws {TypeError} If `points` is not an array of objects or an option is unknown.
 * @throws {RangeError} If `points` is empty, a strength is not finite and > 0, a mean is not
 *   finite, or a standard error is not finite and >= 0.
 *
 * @example The one-standard-error rule takes a stronger penalty
 * ```ts
 * import { chooseLambda } from "./cross_validate.ts";
 * import assert from "node:assert/strict";
 *
 * const points = [
 *   { lambda: 1, mean: 0.30, standardError: 0.02 },
 *   { lambda: 0.1, mean: 0.21, standardError: 0.02 },
 *   { lambda: 0.01, mean: 0.20, standardError: 0.02 },
 * ];
 * assert.deepEqual(chooseLambda(points), { best: 2, chosen: 2 });
 * assert.deepEqual(chooseLambda(points, { rule: "one-standard-error" }), { best: 2, chosen: 1 });
 * ```
 */
export function chooseLambda(
  points: readonly Pick<LambdaScores, "lambda" | "mean" | "standardError">[],
  options: ChooseLambdaOptions = {},
): { best: number; chosen: number } {
  const action = "choose lambda";
  checkOptionKeys(
    action,
    options,
    { rule: true, greaterIsBetter: true } satisfies OptionKeys<ChooseLambdaOptions>,
  );
  if (!Array.isArray(points)) {
    throw new TypeError(`Cannot ${action}: points must be an array, got ${describe(points)}`);
  }
  if (points.length === 0) throw new RangeError(`Cannot ${action}: points is empty`);
  points.forEach((p, i) => {
    if (typeof p !== "object" || p === null) {
      throw new TypeError(`Cannot ${action}: points[${i}] must be an object, got ${describe(p)}`);
    }
    for (const [key, min] of FIELDS) {
      const v: unknown = p[key];
      if (typeof v !== "number") {
        throw new TypeError(
          `Cannot ${action}: points[${i}].${key} must be a number, got ${describe(v)}`,
        );
      }
      if (!(v >= min && v < Infinity)) {
        throw new RangeError(
          `Cannot ${action}: points[${i}].${key} must be a finite number${
            min === -Infinity ? "" : ` ${rangeText(min, Infinity)}`
          }, got ${v}`,
        );
      }
    }
  });
  const rule = options.rule ?? "best";
  if (rule !== "best" && rule !== "one-standard-error") {
    throw new RangeError(
      `Cannot ${action}: rule must be best or one-standard-error, got ${describe(rule)}`,
    );
  }
  const greater = options.greaterIsBetter ?? false;
  if (typeof greater !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: greaterIsBetter must be a boolean, got ${describe(greater)}`,
    );
  }
  // Signed so that lower is better.
  const loss = (i: number) => greater ? -points[i].mean : points[i].mean;
  let best = 0;
  for (let i = 1; i < points.length; i++) {
    const d = loss(i) - loss(best);
    if (d < 0 || (d === 0 && points[i].lambda > points[best].lambda)) best = i;
  }
  if (rule === "best") return { best, chosen: best };
  const limit = loss(best) + points[best].standardError;
  let chosen = best;
  for (let i = 0; i < points.length; i++) {
    if (loss(i) <= limit && points[i].lambda > points[chosen].lambda) chosen = i;
  }
  return { best, chosen };
}

/** The default grid: scikit-learn's Cs = 10 (C = 10^-4 ... 10^4), strongest penalty first. */
function defaultLambdas(n: number): number[] {
  return Array.from({ length: 10 }, (_, i) => 1 / (10 ** (-4 + (8 * i) / 9) * n));
}

function checkLambdas(lambdas: unknown): number[] {
  assertNumbers(ACTION, "lambdas", lambdas);
  if (lambdas.length === 0) {
    throw new RangeError(`Cannot ${ACTION}: lambdas is empty; give at least one strength`);
  }
  const list = Array.from(lambdas);
  list.forEach((l, i) => {
    if (!(l > 0 && l <= Number.MAX_VALUE)) {
      throw new RangeError(
        `Cannot ${ACTION}: lambdas[${i}] must be a finite number > 0, got ${l}` +
          (l === 0 ? ' (train without a penalty with penalty { kind: "none" })' : ""),
      );
    }
    const first = list.indexOf(l);
    if (first < i) {
      throw new RangeError(`Cannot ${ACTION}: lambdas[${i}] is lambdas[${first}] again (${l})`);
    }
  });
  return list;
}

function checkPenaltyKind(penalty: unknown): PenaltyKind {
  if (penalty === undefined) return { kind: "l2" };
  if (typeof penalty === "object" && penalty !== null && "lambda" in penalty) {
    throw new TypeError(
      `Cannot ${ACTION}: penalty.lambda is what cross-validation chooses; give the penalty's ` +
        "kind only, and the candidate strengths as lambdas",
    );
  }
  if ((penalty as { kind?: unknown } | null)?.kind === "none") {
    throw new RangeError(
      `Cannot ${ACTION}: penalty kind none has no strength to choose; use l2, l1 or elasticnet`,
    );
  }
  // fit's check, with a stand-in strength.
  checkPenalty(ACTION, { ...(penalty as object), lambda: 1 } as Penalty);
  return penalty as PenaltyKind;
}

/** The folds option, checked, or stratified folds from `k` and `seed`. */
function foldsOption(
  options: CrossValidateLambdaOptions,
  y: Int32Array,
  classes: readonly string[],
): Int32Array {
  if (options.folds === undefined) {
    return stratifiedFolds(y, options.k ?? 5, {
      classes,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  }
  if (options.k !== undefined) {
    throw new RangeError(
      `Cannot ${ACTION}: give folds or k, not both (k is the number of stratified folds made ` +
        "when folds is absent)",
    );
  }
  assertNumbers(ACTION, "folds", options.folds);
  const folds = options.folds;
  if (folds.length !== y.length) {
    throw new TypeError(
      `Cannot ${ACTION}: folds has ${
        counted(folds.length, "entry", { plural: "entries" })
      }, y has ${y.length}`,
    );
  }
  // Each fold holds a row, so an index is below the row count; a larger one would also wrap in
  // the Int32Array (2^31 + 5 became a negative fold that no fold validated).
  for (let i = 0; i < folds.length; i++) {
    if (!Number.isInteger(folds[i]) || folds[i] < 0 || folds[i] >= folds.length) {
      throw new RangeError(
        `Cannot ${ACTION}: folds[${i}] is ${folds[i]}, not a fold index (an integer from 0 to ` +
          `${folds.length - 1}, each fold holding a row)`,
      );
    }
  }
  const out = Int32Array.from(folds);
  const k = foldCount(out);
  if (k < 2) {
    throw new RangeError(`Cannot ${ACTION}: folds name a single fold (0); at least two are needed`);
  }
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < out.length; i++) sizes[out[i]]++;
  const empty = sizes.indexOf(0);
  if (empty >= 0) {
    throw new RangeError(
      `Cannot ${ACTION}: fold ${empty} has no rows (folds must number the folds 0..${k - 1} ` +
        "without gaps)",
    );
  }
  return out;
}

function foldCount(folds: Int32Array): number {
  let k = 0;
  for (let i = 0; i < folds.length; i++) k = Math.max(k, folds[i] + 1);
  return k;
}

/**
 * Refuses a fold whose training rows hold one class, whose validation rows all weigh 0, or, for
 * the scorings that average over the classes (ROC AUC, balanced accuracy), whose validation rows
 * hold no row, or no weight, of a class of `y`: its score would be undefined, or an average over
 * other classes than the other folds' (so not comparable with theirs).
 */
function checkFold(
  f: number,
  folds: Int32Array,
  y: Int32Array,
  sampleWeight: Float64Array | null,
  classes: readonly string[],
  scoring: CrossValidationScoring,
): void {
  const nc = classes.length;
  const inY = new Uint8Array(nc), trained = new Uint8Array(nc);
  const rows = new Float64Array(nc), weight = new Float64Array(nc);
  let firstTrained = -1, total = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    inY[c] = 1;
    if (folds[i] !== f) {
      if (firstTrained < 0) firstTrained = c;
      trained[c] = 1;
      continue;
    }
    const w = sampleWeight === null ? 1 : sampleWeight[i];
    rows[c]++;
    weight[c] += w;
    total += w;
  }
  if (trained.reduce((a, b) => a + b, 0) < 2) {
    throw new RangeError(
      `Cannot ${ACTION}: the training rows of fold ${f} (all rows but its own) hold a single ` +
        `class (${quotedText(classes[firstTrained])}); at least two are needed`,
    );
  }
  if (total === 0) {
    throw new RangeError(
      `Cannot ${ACTION}: fold ${f}'s validation rows all weigh 0 (sampleWeight), so it has no ` +
        "score; give them weight or make other folds",
    );
  }
  if (scoring !== "roc-auc" && scoring !== "balanced-accuracy") return;
  const so = scoring === "roc-auc"
    ? "their ROC AUC is undefined"
    : "their balanced accuracy would average the other classes' recalls only, unlike the other " +
      "folds'";
  for (let c = 0; c < nc; c++) {
    if (inY[c] === 0 || weight[c] > 0) continue;
    throw new RangeError(
      rows[c] === 0
        ? `Cannot ${ACTION}: the validation rows of fold ${f} hold no row of class ` +
          `${quotedText(classes[c])}, so ${so}; use stratified folds or another scoring`
        : `Cannot ${ACTION}: the validation rows of fold ${f} of class ${
          quotedText(classes[c])
        } all weigh 0 (sampleWeight), so ${so}; give them weight, make other folds or use ` +
          "another scoring",
    );
  }
}

/** Runs one fold's training, naming the fold and strength in an error. */
function foldFit(f: number, lambda: number, train: () => FitResult): FitResult {
  try {
    return train();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      const Kind = error instanceof RangeError ? RangeError : TypeError;
      throw new Kind(
        `Cannot ${ACTION}: training fold ${f} with lambda ${lambda}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

function scoreOf(ev: Evaluation, scoring: CrossValidationScoring): number {
  switch (scoring) {
    case "log-loss":
      return ev.logLoss;
    case "accuracy":
      return ev.accuracy;
    case "balanced-accuracy":
      return ev.balancedAccuracy;
    case "roc-auc":
      // Both classes weigh more than 0 in every validation fold (checkFold): never null.
      return ev.rocAuc!;
  }
}

function meanAndStandardError(s: readonly number[]): { mean: number; standardError: number } {
  const k = s.length;
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / k;
  let ss = 0;
  for (const v of s) ss += (v - mean) * (v - mean);
  return { mean, standardError: Math.sqrt(ss / (k * (k - 1))) };
}
