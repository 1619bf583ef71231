/**
 * `lrc train --cv-folds K [--cv-lambdas L,L,...] [--cv-scoring S] [--cv-rule R]`: the penalty
 * strength chosen by stratified K-fold cross-validation of the training rows (`crossValidateLambda`;
 * never the test rows), then the model trained on all of them with it, exactly as
 * `--lambda CHOSEN` trains it.
 *
 * @module
 */

import { counted, quotedText } from "../core/validate.ts";
import {
  crossValidateLambda,
  type CrossValidation,
  type CrossValidationScoring,
  type LambdaRule,
} from "../select/cross_validate.ts";
import type { Optimizer } from "../model/fit.ts";
import type { Penalty } from "../model/types.ts";
import { type CliIo, decimalValue, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import type { LoadedData } from "./data_options.ts";
import { formatTable, percent } from "./format.ts";
import { createProgress } from "./progress.ts";

const COMMAND = "train";

const SCORINGS = ["log-loss", "accuracy", "balanced-accuracy", "roc-auc"] as const;
const RULES = ["best", "one-standard-error"] as const;

/** `lrc train`'s options that choose `--lambda` by cross-validation. */
export const CV_TRAIN_OPTIONS = {
  "cv-folds": {
    type: "string",
    value: "K",
    help: "choose lambda by K-fold cross-validation of the training rows (never the test rows): " +
      "stratified folds seeded by --seed, each standardised on its training part only; K models " +
      "per candidate lambda, a table of each candidate's mean validation score and its standard " +
      "error, then the model trained on all the training rows with the chosen lambda (as " +
      "--lambda CHOSEN trains it); K from 2 to the training rows of the smallest class; not " +
      "with --lambda, --penalty none or --stream. Cost: K trainings per candidate before the " +
      "final one (on --dataset fashion-mnist each a full training on most of its rows: give a few " +
      "--cv-lambdas)",
  },
  "cv-lambdas": {
    type: "string",
    value: "L,L,...",
    help: "with --cv-folds: the candidate lambdas, each > 0 (default: scikit-learn's " +
      "LogisticRegressionCV grid Cs = 10, C = 1e-4 to 1e4 log-spaced, as lambda = 1 / (C * the " +
      "training rows, or with row or class weights their weights' sum))",
  },
  "cv-scoring": {
    type: "string",
    value: "S",
    help: "with --cv-folds: what each validation fold is scored by (log-loss: lower is better; " +
      "the others higher; roc-auc for two classes; weighted by --weight-column)",
    default: "log-loss",
    choices: SCORINGS,
  },
  "cv-rule": {
    type: "string",
    value: "R",
    help: "with --cv-folds: best (the best mean score) or one-standard-error (the largest lambda " +
      "whose mean score is within one standard error of the best one: a simpler model the folds " +
      "cannot tell from the best); ties go to the larger lambda",
    default: "best",
    choices: RULES,
  },
} as const;

/** What the `--cv-*` options ask for. */
export interface CvRequest {
  /** `--cv-folds`. */
  readonly k: number;
  /** `--cv-lambdas`, or `undefined` for the default grid. */
  readonly lambdas?: readonly number[];
  /** `--cv-scoring`. */
  readonly scoring: CrossValidationScoring;
  /** `--cv-rule`. */
  readonly rule: LambdaRule;
}

/**
 * Reads the `--cv-*` options before any data are read.
 *
 * @param args Parsed options of `train`.
 * @returns The request, or `null` without `--cv-folds`.
 * @throws {UsageError} If another `--cv-*` option is given without `--cv-folds`; `--cv-folds` is
 *   given with `--lambda` or `--penalty none`, or is not an integer >= 2; a `--cv-lambdas` value
 *   is not a number > 0 or is given twice.
 */
export function cvRequest(args: ParsedArgs): CvRequest | null {
  if (!args.given("cv-folds")) {
    refuseUnused(COMMAND, args, ["cv-lambdas", "cv-scoring", "cv-rule"], "without --cv-folds");
    return null;
  }
  refuseUnused(COMMAND, args, ["lambda"], "with --cv-folds, which chooses lambda");
  if (args.string("penalty") === "none") {
    throw new UsageError(
      `Cannot parse arguments of '${COMMAND}': --cv-folds does not apply to --penalty none ` +
        "(it has no lambda to choose)",
    );
  }
  const k = args.number("cv-folds", 2, 1e6, true)!;
  const raw = args.string("cv-lambdas");
  let lambdas: number[] | undefined;
  if (raw !== undefined) {
    lambdas = raw.split(",").map((item) => {
      const v = decimalValue(item);
      if (!(v > 0 && v < Infinity)) {
        throw new UsageError(
          `Cannot parse arguments of '${COMMAND}': --cv-lambdas must be numbers > 0 separated ` +
            `by commas, got ${quotedText(item)} in ${quotedText(raw)}`,
        );
      }
      return v;
    });
    const repeat = lambdas.findIndex((v, i) => lambdas!.indexOf(v) < i);
    if (repeat >= 0) {
      throw new UsageError(
        `Cannot parse arguments of '${COMMAND}': --cv-lambdas gives ${lambdas[repeat]} twice`,
      );
    }
  }
  return {
    k,
    ...(lambdas === undefined ? {} : { lambdas }),
    scoring: args.string("cv-scoring") as CrossValidationScoring,
    rule: args.string("cv-rule") as LambdaRule,
  };
}

/**
 * Cross-validates lambda on the training rows of loaded data, with a progress line.
 *
 * @param data The loaded data (its training rows only are used).
 * @param request The `--cv-*` options.
 * @param choices The training's penalty (its kind), optimiser and preprocessing, the seed, and
 *   the class and row weights every training uses.
 * @param io Where to draw the progress line.
 * @param showProgress Whether to draw it.
 * @returns The cross-validation (without a refit: the command trains the final model itself).
 * @throws {UsageError} If `--cv-folds` exceeds the training rows of a class, or `--cv-scoring
 *   roc-auc` is asked for other than two classes.
 */
export function crossValidateTraining(
  data: LoadedData,
  request: CvRequest,
  choices: {
    readonly penalty: Penalty;
    readonly optimizer: Optimizer;
    readonly preprocessing: "standardize" | "none";
    readonly seed: number;
    readonly classWeight?: "balanced" | Readonly<Record<string, number>>;
    readonly sampleWeight?: Float64Array;
  },
  io: CliIo,
  showProgress: boolean,
): CrossValidation {
  const { x, y, classes, featureNames } = data.train;
  const counts = new Array<number>(classes.length).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  let fewest = -1;
  counts.forEach((n, c) => {
    if (n > 0 && (fewest < 0 || n < counts[fewest])) fewest = c;
  });
  if (counts[fewest] < request.k) {
    throw new UsageError(
      `Cannot parse arguments of '${COMMAND}': --cv-folds ${request.k} exceeds the ${
        counted(counts[fewest], "training row")
      } of class ${quotedText(classes[fewest])}, and every fold validates on each class; ${
        counts[fewest] >= 2
          ? `give --cv-folds ${counts[fewest]} or fewer`
          : "no --cv-folds can (it is at least 2): give the class more rows, leave it out, or " +
            "give --lambda"
      }`,
    );
  }
  if (request.scoring === "roc-auc" && classes.length !== 2) {
    throw new UsageError(
      `Cannot parse arguments of '${COMMAND}': --cv-scoring roc-auc needs two classes, the data ` +
        `have ${classes.length}; use log-loss, accuracy or balanced-accuracy`,
    );
  }
  // --penalty none is refused by cvRequest.
  const penalty = choices.penalty as Exclude<Penalty, { kind: "none" }>;
  const progress = createProgress(io, showProgress);
  const started = performance.now();
  // Candidates per fold.
  const m = request.lambdas?.length ?? 10;
  const show = (done: number) =>
    progress.update(cvProgressText(done, request.k, m, (performance.now() - started) / 1000));
  // The line names the training under way: the first is drawn before it starts (a fold's training
  // on large data reports nothing until it ends).
  show(0);
  try {
    return crossValidateLambda(x, y, {
      k: request.k,
      seed: choices.seed,
      ...(request.lambdas === undefined ? {} : { lambdas: request.lambdas }),
      scoring: request.scoring,
      rule: request.rule,
      penalty: penalty.kind === "elasticnet"
        ? { kind: "elasticnet", l1Ratio: penalty.l1Ratio }
        : { kind: penalty.kind },
      optimizer: choices.optimizer,
      preprocessing: choices.preprocessing,
      classes,
      featureNames,
      ...(choices.classWeight === undefined ? {} : { classWeight: choices.classWeight }),
      ...(choices.sampleWeight === undefined ? {} : { sampleWeight: choices.sampleWeight }),
      refit: false,
      onProgress: (p) => {
        if (p.step < p.steps) show(p.step);
      },
    });
  } finally {
    progress.done();
  }
}

/**
 * The progress line of the cross-validation: the training under way, as its fold and its place
 * among the candidates (the strongest penalty first), and the time since the search began.
 *
 * @param done The trainings done, `0` to `k * m - 1`.
 * @param k The number of folds.
 * @param m The number of candidate lambdas.
 * @param seconds Time since the search began.
 * @returns The line, e.g. `cross-validation: fold 2/5, lambda 3/10  12.0 s`.
 */
export function cvProgressText(done: number, k: number, m: number, seconds: number): string {
  return `cross-validation: fold ${Math.floor(done / m) + 1}/${k}, lambda ${
    (done % m) + 1
  }/${m}  ` +
    `${seconds.toFixed(1)} s`;
}

const SCORE_NAMES: Readonly<Record<CrossValidationScoring, string>> = {
  "log-loss": "log loss",
  "accuracy": "accuracy",
  "balanced-accuracy": "balanced accuracy",
  "roc-auc": "ROC AUC",
};

/** A score as the reports print it: percentages for accuracies, four decimals otherwise. */
function scoreText(scoring: CrossValidationScoring, v: number): string {
  return scoring === "accuracy" || scoring === "balanced-accuracy" ? percent(v) : v.toFixed(4);
}

/** A strength or C with three significant digits, in exponent form (the grid is log-spaced). */
function shortNumber(v: number): string {
  return v.toExponential(2);
}

/**
 * The report's lines on the cross-validation: what was chosen and how, a table of every
 * candidate (the chosen one marked `*`), a warning for candidates some fold's training of
 * which did not converge, and the folds' trainings' own warnings ({@linkcode foldWarningLines}).
 *
 * @param cv The cross-validation.
 * @param trainRows The training rows it ran on.
 * @param seed The seed of its folds.
 * @returns The lines.
 */
export function cvLines(cv: CrossValidation, trainRows: number, seed: number): string[] {
  const chosen = cv.points[cv.chosen], best = cv.points[cv.best];
  const name = SCORE_NAMES[cv.scoring];
  const how = cv.rule === "best"
    ? `the best mean validation ${name}`
    : `the largest within one standard error of the best mean validation ${name} (at lambda ${
      shortNumber(best.lambda)
    })`;
  const rows = cv.points.map((p, i) => [
    i === cv.chosen ? "*" : "",
    shortNumber(p.lambda),
    shortNumber(p.c),
    scoreText(cv.scoring, p.mean),
    scoreText(cv.scoring, p.standardError),
    ...(p.converged ? [] : ["not converged"]),
  ]);
  const unconverged = cv.points.filter((p) => !p.converged).map((p) => shortNumber(p.lambda));
  return [
    `lambda    ${chosen.lambda} (C ${Number(chosen.c.toPrecision(4))}), chosen by ${cv.k}-fold ` +
    `stratified cross-validation of the ${trainRows} training rows (seed ${seed}): ${how}, ` +
    `${cv.greaterIsBetter ? "higher" : "lower"} is better`,
    ...(unconverged.length === 0 ? [] : [
      `warning   a fold's training did not converge at lambda ${unconverged.join(", ")}: ` +
      "raise --max-iterations (or --epochs)",
    ]),
    ...foldWarningLines(cv),
    "",
    formatTable(["", "lambda", "C", `mean ${name}`, "standard error"], rows),
  ];
}

/**
 * The warnings of the folds' trainings (`fit`'s, e.g. a class whose rows all weigh 0 in a fold's
 * training), each once per fold with the candidates it came at: `warning   cross-validation, fold
 * F of K, at every lambda: ...` (or `at lambda L, L`), folds with the same candidates on one line.
 *
 * @param cv The cross-validation.
 * @returns The lines, none without warnings.
 */
export function foldWarningLines(cv: CrossValidation): string[] {
  // Each warning: the candidates (indices) it came at in each fold (0-based).
  const seen = new Map<string, Map<number, number[]>>();
  cv.points.forEach((p, li) =>
    p.foldWarnings.forEach((warnings, f) => {
      for (const w of new Set(warnings)) {
        let folds = seen.get(w);
        if (!folds) seen.set(w, folds = new Map());
        let at = folds.get(f);
        if (!at) folds.set(f, at = []);
        at.push(li);
      }
    })
  );
  const lines: string[] = [];
  for (const [warning, folds] of seen) {
    const byCandidates = new Map<string, number[]>();
    for (const [f, at] of [...folds].sort((a, b) => a[0] - b[0])) {
      const key = at.join(",");
      const same = byCandidates.get(key);
      if (same) same.push(f);
      else byCandidates.set(key, [f]);
    }
    for (const [key, fs] of byCandidates) {
      const at = key.split(",").map(Number);
      const where = at.length === cv.points.length
        ? "every lambda"
        : `lambda ${at.map((i) => shortNumber(cv.points[i].lambda)).join(", ")}`;
      lines.push(
        `warning   cross-validation, ${fs.length === 1 ? "fold" : "folds"} ${
          fs.map((f) => f + 1).join(", ")
        } of ${cv.k}, at ${where}: ${warning}`,
      );
    }
  }
  return lines;
}

/**
 * The `crossValidation` entry of `lrc train --json`.
 *
 * @param cv The cross-validation.
 * @param trainRows The training rows it ran on.
 * @param seed The seed of its folds.
 * @returns Plain data: the settings, the chosen lambda and one row per candidate.
 */
export function cvJson(cv: CrossValidation, trainRows: number, seed: number) {
  return {
    folds: cv.k,
    seed,
    trainSamples: trainRows,
    scoring: cv.scoring,
    greaterIsBetter: cv.greaterIsBetter,
    rule: cv.rule,
    lambda: cv.lambda,
    c: cv.points[cv.chosen].c,
    bestLambda: cv.points[cv.best].lambda,
    rows: cv.points.map((p, i) => ({
      lambda: p.lambda,
      c: p.c,
      mean: p.mean,
      standardError: p.standardError,
      foldScores: p.foldScores,
      converged: p.converged,
      foldWarnings: p.foldWarnings,
      chosen: i === cv.chosen,
    })),
  };
}
