/**
 * `lrc train`: load data, train, evaluate, report, optionally save the model. An svmlight
 * `--data` file is read as sparse (CSR) rows and trained on with the TypeScript sparse kernel.
 *
 * @module
 */

import { evaluate, type Evaluation } from "../metrics/evaluate.ts";
import { fit, type FitResult, type Optimizer, zeroWeightClassWarnings } from "../model/fit.ts";
import { perClassWeights } from "../model/weights.ts";
import type { Penalty } from "../model/types.ts";
import { checkSaveTarget, ENTROPY_OPTION, entropyFlag, writeModelFile } from "./model_files.ts";
import { type Command, decimalValue, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import {
  caseLabelWarning,
  DATA_OPTIONS,
  loadData,
  type LoadedData,
  type RowWeights,
  WEIGHT_COLUMN_OPTION,
} from "./data_options.ts";
import {
  formatTable,
  NO_ROC_AUC_NOTE,
  percent,
  rocAucText,
  weightedMetricsLine,
} from "./format.ts";
import { createProgress, preparingText } from "./progress.ts";
import { trainStreamedIfAsked } from "./train_stream.ts";
import {
  chooseOnValidation,
  holdOutValidation,
  THRESHOLD_TRAIN_OPTIONS,
  type ThresholdRequest,
  thresholdRequest,
  type ValidationThreshold,
  validationThresholdJson,
  validationThresholdLine,
} from "./train_threshold.ts";
import { withThreshold } from "../quant/with_threshold.ts";
import type { CrossValidation } from "../select/cross_validate.ts";
import {
  crossValidateTraining,
  CV_TRAIN_OPTIONS,
  cvJson,
  cvLines,
  type CvRequest,
  cvRequest,
} from "./train_cv.ts";
import { counted, quotedList, quotedText } from "../core/validate.ts";
import type { CsrMatrix } from "../core/sparse.ts";
import type { Matrix } from "../core/matrix.ts";
import {
  checkTrainFormat,
  FEATURES_OPTION,
  FORMAT_OPTION,
  loadSvmlightData,
  type SvmlightFileFacts,
  svmlightText,
  ZERO_BASED_TRAIN_OPTION,
} from "./svmlight_data.ts";

/** Options that describe training, shared by commands that train. */
export const TRAIN_OPTIONS = {
  optimizer: {
    type: "string",
    value: "NAME",
    help: "optimiser",
    default: "lbfgs",
    choices: ["lbfgs", "sgd", "adam"],
  },
  penalty: {
    type: "string",
    value: "KIND",
    help: "penalty on the weights",
    default: "l2",
    choices: ["none", "l2", "l1", "elasticnet"],
  },
  lambda: {
    type: "string",
    value: "X",
    help: "penalty strength (scikit-learn's C = 1 / (lambda * nSamples), or with row or class " +
      "weights 1 / (lambda * the training rows' weight sum)); default 1 / nSamples",
  },
  "l1-ratio": { type: "string", value: "R", help: "L1 share of the elastic net", default: "0.5" },
  epochs: { type: "string", value: "N", help: "epochs of sgd/adam", default: "20" },
  "batch-size": { type: "string", value: "N", help: "batch size of sgd/adam", default: "64" },
  "learning-rate": {
    type: "string",
    value: "X",
    help: "step size of sgd/adam (default 0.1 for sgd, 0.001 for adam)",
  },
  "max-iterations": {
    type: "string",
    value: "N",
    help: "iteration limit of lbfgs",
    default: "1000",
  },
  "no-standardize": { type: "boolean", help: "train on the features as they are" },
} as const;

/**
 * `--class-weight`, of the commands that train on labelled data in memory (train, prune, quantize,
 * compress, export): every training and data-based scoring they do weighs the rows by class.
 */
export const CLASS_WEIGHT_OPTION = {
  "class-weight": {
    type: "string",
    value: "W",
    help: "weigh the training rows by class: balanced (nSamples / (nClasses * count) per class, " +
      "counted on the training rows) or LABEL=W,LABEL=W (weights >= 0; classes not named weigh " +
      "1); every training, fine-tuning, QAT and data-based scoring uses them",
  },
} as const;

/** The class weights `--class-weight` asks for, resolved on the training rows. */
export interface ClassWeights {
  /** The option's value as given (`"balanced"` or the `LABEL=W` list). */
  readonly given: string;
  /** The weight of every class, by label (classes not named: 1); what every training uses. */
  readonly perClass: Readonly<Record<string, number>>;
}

/**
 * Resolves `--class-weight` against the training data's classes: `balanced` by `fit`'s rule
 * (`perClassWeights`, on the training rows' class counts), a `LABEL=W` list with each label one of
 * the classes. The per-class numbers are passed to every training as `classWeight`, so the
 * dense fit, fine-tuning, scoring and QAT (some on a subsample) all weigh a class the same.
 *
 * @param args Parsed options including {@linkcode CLASS_WEIGHT_OPTION}.
 * @param classes The training data's class labels.
 * @param y The training rows' class indices.
 * @param command The command, for messages.
 * @returns The weights, or `null` without the option.
 * @throws {UsageError} If the value is malformed, names an unknown class or a class twice, or a
 *   weight is not a number >= 0, or every class present weighs 0.
 */
export function classWeightsFromArgs(
  args: ParsedArgs,
  classes: readonly string[],
  y: Int32Array,
  command: string,
): ClassWeights | null {
  const counts = new Float64Array(classes.length);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return classWeightsFromCounts(args, classes, counts, command);
}

/**
 * {@linkcode classWeightsFromArgs} from the training rows' count of each class rather than their
 * labels (all that `balanced` reads): for streamed training, whose first pass counts them.
 *
 * @param args Parsed options including {@linkcode CLASS_WEIGHT_OPTION}.
 * @param classes The training data's class labels.
 * @param counts The training rows of each class, in `classes` order.
 * @param command The command, for messages.
 * @returns The weights, or `null` without the option.
 * @throws {UsageError} As {@linkcode classWeightsFromArgs}.
 */
export function classWeightsFromCounts(
  args: ParsedArgs,
  classes: readonly string[],
  counts: ArrayLike<number>,
  command: string,
): ClassWeights | null {
  return resolveClassWeights(args, { classes, counts }, command);
}

/**
 * Checks the syntax of `--class-weight` before the data's classes are known, in the words of
 * {@linkcode classWeightsFromCounts}: `balanced`, or `LABEL=W` items each with a weight >= 0 and
 * no label twice (whether each label is a class, and the weights of the classes present, are
 * checked once the classes are counted). Streamed training calls it before its passes over the
 * file, so that a typo is not reported after reading it.
 *
 * @param args Parsed options including {@linkcode CLASS_WEIGHT_OPTION}.
 * @param command The command, for messages.
 * @throws {UsageError} If the value is malformed, names a label twice or a weight is not a number
 *   >= 0.
 */
export function checkClassWeightSyntax(args: ParsedArgs, command: string): void {
  resolveClassWeights(args, null, command);
}

/** {@linkcode classWeightsFromCounts}; with `data` null, the syntax checks only. */
function resolveClassWeights(
  args: ParsedArgs,
  data: { readonly classes: readonly string[]; readonly counts: ArrayLike<number> } | null,
  command: string,
): ClassWeights | null {
  const raw = args.string("class-weight");
  const classes = data?.classes ?? [], counts = data?.counts ?? [];
  if (raw === undefined) return null;
  const bad = (why: string) =>
    new UsageError(`Cannot parse arguments of '${command}': --class-weight ${why}`);
  const perClass: Record<string, number> = {};
  for (const c of classes) perClass[c] = 1;
  if (raw.trim() === "balanced") {
    if (data === null) return null;
    // fit's rule (absent classes keep 1: no row uses it).
    const weights = perClassWeights("balanced", classes, counts, command);
    classes.forEach((c, k) => perClass[c] = weights[k]);
    return { given: "balanced", perClass };
  }
  const named = new Set<string>();
  for (const item of raw.split(",")) {
    const at = item.lastIndexOf("=");
    if (at <= 0) {
      throw bad(
        `must be balanced or LABEL=W,LABEL=W, got ${quotedText(item)} (no LABEL=W) in ${
          quotedText(raw)
        }`,
      );
    }
    const label = item.slice(0, at), w = decimalValue(item.slice(at + 1));
    if (data !== null && !classes.includes(label)) {
      throw bad(
        `names class ${quotedText(label)}, which is not one of the classes ${quotedList(classes)}`,
      );
    }
    if (named.has(label)) throw bad(`names class ${quotedText(label)} twice`);
    named.add(label);
    if (!(w >= 0 && w < Infinity)) {
      throw bad(
        `gives class ${quotedText(label)} the weight ${
          quotedText(item.slice(at + 1))
        }; weights must be numbers >= 0`,
      );
    }
    perClass[label] = w;
  }
  if (data === null) return null;
  if (!classes.some((c, k) => counts[k] > 0 && perClass[c] > 0)) {
    throw bad("weighs every class of the training rows 0; at least one must weigh more");
  }
  return { given: raw, perClass };
}

/**
 * The line a command prints for its class weights.
 *
 * @param weights The resolved weights.
 * @returns One line, e.g. `class weights balanced: "no" 0.5263, "yes" 10`.
 */
export function classWeightsLine(weights: ClassWeights): string {
  const list = Object.entries(weights.perClass).map(([label, w]) =>
    `${quotedText(label)} ${Number(w.toPrecision(4))}`
  );
  return `weights   class weights ${weights.given === "balanced" ? "balanced" : "given"}: ${
    list.join(", ")
  }`;
}

/**
 * The `classWeight` option a library call takes from the resolved weights (nothing without).
 *
 * @param weights The resolved weights, or `null`.
 * @returns `{ classWeight }` or `{}`.
 */
export function classWeightOption(
  weights: ClassWeights | null,
): { classWeight?: Readonly<Record<string, number>> } {
  return weights === null ? {} : { classWeight: weights.perClass };
}

/**
 * The `sampleWeight` option a library call on the training rows takes from `--weight-column`
 * (nothing without).
 *
 * @param data The loaded data.
 * @returns `{ sampleWeight }`, one weight per training row, or `{}`.
 */
export function sampleWeightOption(
  data: Pick<LoadedData, "rowWeights">,
): { sampleWeight?: Float64Array } {
  return data.rowWeights === undefined ? {} : { sampleWeight: data.rowWeights.train };
}

/**
 * The warning on the classes whose training rows all weigh 0 under `--class-weight` and
 * `--weight-column` (`fit`'s {@linkcode zeroWeightClassWarnings}), in `fit`'s words: for the
 * commands that use the weights on a loaded `--model`, which they train no dense model for
 * (prune, compress, quantize); a dense training gives the warning itself.
 *
 * @param data The training rows' classes and labels, and their `--weight-column` weights.
 * @param classWeights The resolved `--class-weight`, or `null`.
 * @returns The warning (without a prefix), or none.
 */
export function zeroWeightClassLines(
  data: Pick<LoadedData, "rowWeights"> & {
    readonly train: { readonly classes: readonly string[]; readonly y: Int32Array };
  },
  classWeights: ClassWeights | null,
): string[] {
  const rows = data.rowWeights?.train;
  if (classWeights === null && rows === undefined) return [];
  const { classes, y } = data.train;
  const counts = new Float64Array(classes.length), sums = new Float64Array(classes.length);
  for (let i = 0; i < y.length; i++) {
    counts[y[i]]++;
    sums[y[i]] += (rows?.[i] ?? 1) * (classWeights?.perClass[classes[y[i]]] ?? 1);
  }
  return zeroWeightClassWarnings(counts, sums, classes);
}

/**
 * Row weights as a streamed training knows them (`--weight-column` with `--stream`): the
 * column's name, the number of training rows and their weights' sum, not each weight.
 */
export interface RowWeightTotals {
  /** The column's name. */
  readonly column: string;
  /** The number of training rows. */
  readonly rows: number;
  /** The sum of their weights. */
  readonly sum: number;
}

/** The sum of row weights, in row order (what the weights lines and `--json` report). */
export function weightSum(weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i];
  return sum;
}

/** The totals of row weights held one by one, or as totals. */
function totalsOf(weights: RowWeights | RowWeightTotals): RowWeightTotals {
  if (!("train" in weights)) return weights;
  return { column: weights.column, rows: weights.train.length, sum: weightSum(weights.train) };
}

/**
 * The line a command prints for its row weights (`--weight-column`).
 *
 * @param weights The training rows' weights, or their totals.
 * @param classWeights Whether `--class-weight` multiplies them.
 * @param metrics Whether the command reports test metrics (export reports none; compress says
 *   its own words): they are given unweighted, then weighted by the column.
 * @returns One line, e.g. `row weights from column "w": sum 1500 over the 1000 training rows;
 *   the test metrics are given unweighted, then weighted by the column`.
 */
export function rowWeightsLine(
  weights: RowWeights | RowWeightTotals,
  classWeights: boolean,
  metrics = true,
): string {
  const { column, rows, sum } = totalsOf(weights);
  return `weights   row weights from column ${quotedText(column)}: sum ${
    Number(sum.toPrecision(6))
  } over the ${rows} training rows${classWeights ? " (times the class weights)" : ""}${
    metrics ? "; the test metrics are given unweighted, then weighted by the column" : ""
  }`;
}

/**
 * The `sampleWeight` entry of a command's JSON report (`null` without `--weight-column`).
 *
 * @param weights The training rows' weights (or their totals), if any.
 * @returns The column, the number of training rows and their weights' sum; the test metrics
 *   are not weighted.
 */
export function rowWeightsJson(
  weights: RowWeights | RowWeightTotals | undefined,
): { column: string; trainRows: number; sum: number; testMetrics: "unweighted" } | null {
  if (weights === undefined) return null;
  const { column, rows, sum } = totalsOf(weights);
  return { column, trainRows: rows, sum, testMetrics: "unweighted" };
}

/** The training options that only train a dense model (the penalty also fine-tunes). */
const DENSE_ONLY = ["optimizer", "epochs", "learning-rate", "max-iterations", "no-standardize"];

/**
 * Refuses the options that train a dense model when a command loads one with `--model`.
 *
 * @param command The command's name, for the message.
 * @param args Parsed options including {@linkcode TRAIN_OPTIONS}.
 * @param alsoUnused Further options this command does not use for a loaded model.
 * @throws {UsageError} If any of them was given.
 */
export function refuseDenseTrainingOptions(
  command: string,
  args: ParsedArgs,
  alsoUnused: readonly string[] = [],
): void {
  if (args.string("model") === undefined) return;
  refuseUnused(
    command,
    args,
    [...DENSE_ONLY, ...alsoUnused],
    "with --model: they train a dense model, and this one is loaded",
  );
}

/**
 * Builds fit options from parsed command-line options.
 *
 * @param args Parsed options including {@linkcode TRAIN_OPTIONS}.
 * @param nSamples Number of training samples (for the default lambda).
 * @param options The command, for messages; whether `--batch-size` is also used by something
 *   other than the dense training (prune's fine-tuning).
 * @returns Penalty, optimiser and preprocessing choice.
 * @throws {UsageError} If an option is given that the others make pointless (e.g. `--epochs`
 *   with `--optimizer lbfgs`).
 */
export function trainingChoices(
  args: ParsedArgs,
  nSamples: number,
  options: { command?: string; batchSizeElsewhere?: boolean } = {},
): { penalty: Penalty; optimizer: Optimizer; preprocessing: "standardize" | "none" } {
  const command = options.command ?? "train";
  const kind = args.string("penalty")!;
  // Options the others make pointless are refused rather than ignored.
  if (kind !== "elasticnet") refuseUnused(command, args, ["l1-ratio"], `to --penalty ${kind}`);
  if (kind === "none") refuseUnused(command, args, ["lambda"], "to --penalty none");
  if (args.string("optimizer") === "lbfgs") {
    const unused = [
      "epochs",
      "learning-rate",
      ...(options.batchSizeElsewhere ? [] : ["batch-size"]),
    ];
    refuseUnused(command, args, unused, "to --optimizer lbfgs (it has --max-iterations)");
  } else {
    refuseUnused(command, args, ["max-iterations"], `to --optimizer ${args.string("optimizer")}`);
  }
  const lambda = args.number("lambda", 0, Infinity) ?? 1 / nSamples;
  const penalty: Penalty = kind === "none"
    ? { kind: "none" }
    : kind === "elasticnet"
    ? { kind, lambda, l1Ratio: args.number("l1-ratio", 0, 1)! }
    : { kind: kind as "l1" | "l2", lambda };
  const name = args.string("optimizer")!;
  const optimizer: Optimizer = name === "lbfgs"
    ? { kind: "lbfgs", maxIterations: args.number("max-iterations", 1, 1e7, true) }
    : {
      kind: name as "sgd" | "adam",
      epochs: args.number("epochs", 1, 1e6, true),
      batchSize: args.number("batch-size", 1, 1e9, true),
      learningRate: args.number("learning-rate", 1e-12, 1e6),
    };
  return {
    penalty,
    optimizer,
    preprocessing: args.flag("no-standardize") ? "none" : "standardize",
  };
}

/** The training rows a command trains on: dense, or sparse (CSR) from an svmlight file. */
export interface TrainingData extends Pick<LoadedData, "rowWeights"> {
  /** Features (dense or CSR), class indices, classes and feature names. */
  readonly train: {
    readonly x: Matrix | CsrMatrix;
    readonly y: Int32Array;
    readonly classes: readonly string[];
    readonly featureNames: readonly string[];
  };
}

/**
 * Trains on loaded data with a progress line.
 *
 * @param data The loaded data (their training rows dense or CSR).
 * @param args Parsed options including {@linkcode TRAIN_OPTIONS}.
 * @param showProgress Whether to draw the progress line.
 * @param io Where to draw it.
 * @param options The command, for messages, as for {@linkcode trainingChoices}; the class
 *   weights to train with (see {@linkcode classWeightsFromArgs}); a penalty strength that
 *   replaces `--lambda` (one chosen by cross-validation).
 * @returns The fit result.
 */
export function trainWithProgress(
  data: TrainingData,
  args: ParsedArgs,
  showProgress: boolean,
  io: Parameters<Command["run"]>[1],
  options: Parameters<typeof trainingChoices>[2] & {
    classWeights?: ClassWeights | null;
    lambda?: number;
  } = {},
): FitResult {
  const { classWeights: _classWeights, lambda, ...choiceOptions } = options;
  const choices = trainingChoices(args, data.train.x.rows, choiceOptions);
  if (lambda !== undefined && choices.penalty.kind !== "none") {
    choices.penalty = { ...choices.penalty, lambda };
  }
  const progress = createProgress(io, showProgress);
  const unit = choices.optimizer.kind === "lbfgs" ? "iteration" : "epoch";
  const preparing = preparingText("training: ", `${unit} 1`, data.train.x);
  if (preparing !== undefined) progress.update(preparing);
  try {
    return fit(data.train.x, data.train.y, {
      ...choices,
      classes: data.train.classes,
      featureNames: data.train.featureNames,
      ...classWeightOption(options.classWeights ?? null),
      ...sampleWeightOption(data),
      seed: args.number("seed", -(2 ** 31), 2 ** 31, true),
      onProgress: (p) =>
        progress.update(
          `training: ${unit} ${p.epoch}/${p.totalEpochs}  loss ${p.trainLoss.toFixed(4)}  ` +
            `accuracy ${percent(p.trainAccuracy)}  ${p.seconds.toFixed(1)} s`,
        ),
    });
  } finally {
    progress.done();
  }
}

/** The `train` command. */
export const trainCommand: Command = {
  name: "train",
  synonyms: { out: "train writes its model with --save FILE" },
  summary: "Train a logistic-regression model, evaluate it on held-out data, optionally save it.",
  options: {
    ...DATA_OPTIONS,
    data: {
      ...DATA_OPTIONS.data,
      help: "CSV file, or svmlight (libsvm) file read whole as sparse rows (--format; refused " +
        "above --max-data-bytes, never streamed), to use instead of an embedded data set",
    },
    ...FORMAT_OPTION,
    ...ZERO_BASED_TRAIN_OPTION,
    ...FEATURES_OPTION,
    ...TRAIN_OPTIONS,
    ...CLASS_WEIGHT_OPTION,
    ...WEIGHT_COLUMN_OPTION,
    ...THRESHOLD_TRAIN_OPTIONS,
    ...CV_TRAIN_OPTIONS,
    stream: {
      type: "boolean",
      help: "train from --data in a stream (sgd/adam; memory does not grow with the file, but " +
        "for a two-class ROC AUC, by 8 bytes a row: see --no-roc-auc; every " +
        "round(1/test-fraction)-th row is held out); automatic for a file above --max-data-bytes",
    },
    "no-roc-auc": {
      type: "boolean",
      help:
        "when --data streams (--stream, or a file above --max-data-bytes), do not compute the " +
        "two-class ROC AUC of the training and held-out rows, which keeps every row's score, 8 " +
        "bytes a row: memory that grows with the file; shown as - with a note (JSON: null). A " +
        "file read into memory gets its ROC AUC as usual (it costs no memory that grows beyond " +
        "the data's)",
    },
    save: {
      type: "string",
      value: "FILE",
      help: "write the trained model: binary format for .lrc, JSON for .json",
    },
    ...ENTROPY_OPTION,
    json: { type: "boolean", help: "print the report as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const entropy = entropyFlag(args, "save");
    // --format, --zero-based and --features, and what an svmlight file does not take.
    const format = checkTrainFormat(args);
    // --threshold-target's options are checked before any data are read.
    const thresholdAsked = thresholdRequest(args);
    // So are --cv-folds's.
    const cvAsked = cvRequest(args);
    await checkSaveTarget(args.string("save"), { data: args.string("data") });
    const showProgress = !args.flag("quiet") && !args.flag("json");
    // Without --data nothing streams; with it, the file's size may decide: accepted then.
    if (args.string("data") === undefined) {
      refuseUnused(
        "train",
        args,
        ["no-roc-auc"],
        "without --data (only a streamed --data file skips the ROC AUC)",
      );
    }
    // An svmlight file is read into memory as sparse rows (it is never streamed).
    const streamed = format === "svmlight"
      ? null
      : await trainStreamedIfAsked(args, io, showProgress, {
        ...trainingChoices(args, 1),
        classWeights: (classes, counts) => classWeightsFromCounts(args, classes, counts, "train"),
      });
    const data: Outcome = streamed ??
      (format === "svmlight"
        ? await sparseInMemory(args, io, showProgress)
        : await inMemory(args, io, showProgress, thresholdAsked, cvAsked));
    const sparse = data.svmlight ?? null;
    const threshold = data.threshold ?? null;
    const cv = data.crossValidation ?? null;
    const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
    const { result, train, test } = data;
    const classWeights = data.classWeights ?? null;
    const rowWeights = data.rowWeights;
    const { model } = result;
    // The test metrics weighted by --weight-column (null metrics when every test row weighs 0).
    const weighted = data.testWeighted;
    const testWeighted = weighted?.metrics ?? null;
    const testWeightSum = weighted?.weightSum ?? 0;
    const save = args.string("save");
    const savedBytes = save !== undefined ? await writeModelFile(save, model, entropy) : null;
    let nonZeros = 0;
    for (const v of model.weights.data) if (v !== 0) nonZeros++;
    const last = result.history.at(-1);
    const report = {
      command: "train",
      data: {
        source: data.source,
        trainSamples: train.samples,
        // With --threshold-target: the validation rows held out of the training rows.
        ...(threshold === null ? {} : { validationSamples: threshold.rows }),
        testSamples: test.samples,
        features: train.x.cols,
        classes: model.classes,
        // An svmlight file only: its format, index base and stored values.
        ...(sparse === null ? {} : {
          format: "svmlight",
          zeroBased: sparse.zeroBased,
          storedValues: sparse.stored,
        }),
      },
      training: {
        link: model.link,
        // An svmlight file only: the CSR rows train on the TypeScript sparse kernel.
        ...(sparse === null ? {} : { kernel: "ts-sparse" }),
        optimizer: args.string("optimizer"),
        penalty: args.string("penalty"),
        epochs: result.history.length,
        stopReason: result.stopReason,
        converged: result.converged,
        seconds: last?.seconds ?? 0,
        warnings: result.warnings,
      },
      // With --cv-folds only: the lambda chosen and every candidate's scores.
      ...(cv === null ? {} : { crossValidation: cvJson(cv, train.samples, seed) }),
      classWeight: classWeights,
      sampleWeight: rowWeightsJson(rowWeights),
      // With --threshold-target only: the threshold and where it was chosen.
      ...(threshold === null ? {} : { threshold: validationThresholdJson(threshold) }),
      train: metricsJson(train),
      test: metricsJson(test),
      // The test metrics weighted by --weight-column (null without the option, or when every
      // test row weighs 0), with the weights' sum.
      testWeighted: testWeighted === null
        ? null
        : { weightSum: testWeightSum, ...metricsJson(testWeighted) },
      model: {
        weights: model.weights.data.length,
        nonZeroWeights: nonZeros,
        savedTo: save ?? null,
        savedBytes,
      },
    };
    if (args.flag("json")) {
      io.out(JSON.stringify(report) + "\n");
      return 0;
    }
    const lines = [
      `data      ${data.source}${
        sparse === null ? "" : ` (${svmlightText(sparse)})`
      }: ${report.data.trainSamples} train / ${
        threshold === null ? "" : `${threshold.rows} validation / `
      }${report.data.testSamples} test, ` +
      `${counted(report.data.features, "feature")}, ` +
      `${model.classes.length} classes`,
      ...(cv === null ? [] : [...cvLines(cv, train.samples, seed), ""]),
      `training  ${report.training.optimizer}, ${model.link}, penalty ${report.training.penalty}${
        sparse === null ? "" : ", on the sparse (CSR) rows with the TypeScript sparse kernel"
      }: ` +
      counted(
        report.training.epochs,
        report.training.optimizer === "lbfgs" ? "iteration" : "epoch",
      ) +
      ` in ${report.training.seconds.toFixed(2)} s (${result.stopReason})`,
      ...(classWeights ? [classWeightsLine(classWeights)] : []),
      ...(rowWeights ? [rowWeightsLine(rowWeights, classWeights !== null)] : []),
      ...result.warnings.map((w) => `warning   ${w}`),
      ...(threshold === null ? [] : [validationThresholdLine(threshold)]),
      "",
      formatTable(["", "accuracy", "balanced accuracy", "log loss", "macro F1", "ROC AUC"], [
        [
          "train",
          percent(train.accuracy),
          percent(train.balancedAccuracy),
          train.logLoss.toFixed(4),
          train.macroF1.toFixed(4),
          rocAucText(train.rocAuc),
        ],
        [
          "test",
          percent(test.accuracy),
          percent(test.balancedAccuracy),
          test.logLoss.toFixed(4),
          test.macroF1.toFixed(4),
          rocAucText(test.rocAuc),
        ],
      ]),
      ...(streamed && args.flag("no-roc-auc") && model.classes.length === 2
        ? [NO_ROC_AUC_NOTE]
        : []),
      ...(weighted === undefined ? [] : [
        weightedMetricsLine(
          `test rows by ${quotedText(rowWeights!.column)}`,
          testWeightSum,
          testWeighted,
          "test row",
        ),
      ]),
      "",
      `model     ${model.weights.rows} x ${model.weights.cols} weights, ${nonZeros} non-zero` +
      (save !== undefined
        ? `; saved to ${save} (${savedBytes!.toLocaleString("en-US")} bytes)`
        : ""),
    ];
    if (model.classes.length <= 12) {
      lines.push("", "test confusion matrix (rows: true class, columns: predicted)");
      lines.push(
        formatTable(
          ["", ...model.classes],
          test.confusion.map((r, i) => [model.classes[i], ...r.map(String)]),
        ),
      );
    }
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/** What training produced, however the data were read. */
interface Outcome {
  source: string;
  train: Evaluation & { readonly x: { readonly rows: number; readonly cols: number } };
  test: Evaluation & { readonly x: { readonly rows: number } };
  result: FitResult;
  /** The class weights trained with. */
  classWeights?: ClassWeights | null;
  /** The row weights trained with (`--weight-column`; their totals when streamed). */
  rowWeights?: RowWeights | RowWeightTotals;
  /**
   * With `--weight-column`, the test metrics weighted by the test rows' weights (`null` when
   * every test row weighs 0), and the weights' sum.
   */
  testWeighted?: TestWeighted;
  /** With `--threshold-target`: the threshold chosen on validation rows, which `result` holds. */
  threshold?: ValidationThreshold;
  /** With `--cv-folds`: the cross-validation that chose the lambda `result` trained with. */
  crossValidation?: CrossValidation;
  /** An svmlight `--data` file: what the report says of it (its rows trained as CSR). */
  svmlight?: SvmlightFileFacts;
}

/** The test metrics weighted by `--weight-column`, and the test rows' weights' sum. */
export interface TestWeighted {
  /** The weighted metrics, or `null` when every test row weighs 0. */
  readonly metrics: Evaluation | null;
  /** The test rows' weights' sum. */
  readonly weightSum: number;
}

async function inMemory(
  args: ParsedArgs,
  io: Parameters<Command["run"]>[1],
  showProgress: boolean,
  thresholdAsked: ThresholdRequest | null,
  cvAsked: CvRequest | null,
): Promise<Outcome> {
  const loaded = await loadData(args, io, showProgress ? io : undefined);
  // With --threshold-target, validation rows are held out of the training rows: the model trains
  // on the others (class weights resolved on them), and the threshold is chosen on them.
  const held = thresholdAsked === null
    ? null
    : holdOutValidation(loaded, thresholdAsked, args.number("seed", -(2 ** 31), 2 ** 31, true)!);
  const data = held?.fit ?? loaded;
  const classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, "train");
  // With --cv-folds, lambda is chosen on the training rows (the test rows are never read), each
  // fold training as the final model does: with --class-weight balanced resolved on its own
  // training rows, given weights as they are, and the rows' --weight-column weights.
  const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
  const crossValidation = cvAsked === null ? null : crossValidateTraining(
    data,
    cvAsked,
    {
      ...trainingChoices(args, data.train.x.rows),
      seed,
      ...(classWeights === null ? {} : {
        classWeight: classWeights.given === "balanced" ? "balanced" : classWeights.perClass,
      }),
      ...sampleWeightOption(data),
    },
    io,
    showProgress,
  );
  const fitted = trainWithProgress(data, args, showProgress, io, {
    classWeights,
    ...(crossValidation === null ? {} : { lambda: crossValidation.lambda }),
  });
  const threshold = held === null ? null : chooseOnValidation(
    fitted.model,
    held.validation,
    thresholdAsked!,
    data.rowWeights?.column ?? null,
  );
  const result = threshold === null
    ? fitted
    : { ...fitted, model: withThreshold(fitted.model, threshold.chosen.threshold) };
  // The test rows' weights (--weight-column): the test metrics weighted by them too.
  const testWeights = data.rowWeights?.test;
  const testSum = testWeights === undefined ? 0 : weightSum(testWeights);
  return {
    source: data.source,
    result,
    classWeights,
    ...(data.rowWeights === undefined ? {} : { rowWeights: data.rowWeights }),
    ...(threshold === null ? {} : { threshold }),
    ...(crossValidation === null ? {} : { crossValidation }),
    train: { ...evaluate(result.model, data.train.x, data.train.y), x: data.train.x },
    test: { ...evaluate(result.model, data.test.x, data.test.y), x: data.test.x },
    ...(testWeights === undefined ? {} : {
      testWeighted: {
        metrics: testSum > 0
          ? evaluate(result.model, data.test.x, data.test.y, { sampleWeight: testWeights })
          : null,
        weightSum: testSum,
      },
    }),
  };
}

/**
 * Trains on an svmlight `--data` file: its rows read as CSR and split as a CSV file's are
 * ({@linkcode loadSvmlightData}), trained by `fit` on the TypeScript sparse kernel, evaluated on
 * the CSR rows.
 */
async function sparseInMemory(
  args: ParsedArgs,
  io: Parameters<Command["run"]>[1],
  showProgress: boolean,
): Promise<Outcome> {
  const data = await loadSvmlightData(args);
  const cased = caseLabelWarning(data.source, data.train.classes);
  if (cased !== undefined) io.err(cased);
  const classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, "train");
  const result = trainWithProgress(data, args, showProgress, io, { classWeights });
  return {
    source: data.source,
    result,
    classWeights,
    svmlight: data.file,
    train: { ...evaluate(result.model, data.train.x, data.train.y), x: data.train.x },
    test: { ...evaluate(result.model, data.test.x, data.test.y), x: data.test.x },
  };
}

function metricsJson(e: Evaluation) {
  return {
    samples: e.samples,
    accuracy: e.accuracy,
    // What lrc compress --metric balanced-accuracy holds its budget to: the mean of the recalls
    // of the classes that label rows, from the confusion matrix (streamed too).
    balancedAccuracy: e.balancedAccuracy,
    logLoss: e.logLoss,
    macroF1: e.macroF1,
    rocAuc: e.rocAuc,
    confusion: e.confusion,
  };
}
