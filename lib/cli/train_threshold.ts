/**
 * `lrc train --threshold-target T [--validation-fraction F]`: a binary model's decision threshold
 * chosen on validation rows held out of the training rows. The held-out rows are the test part of
 * `trainTestSplit(training rows, { testFraction: F, seed: --seed })` (stratified: each class
 * holds out `round(count * F)` of its training rows, keeping at least one to train on); the model
 * trains on the others, and `chooseThreshold` chooses on its float64 scores of the held-out rows
 * (weighted by `--weight-column`, as `lrc threshold` weighs them). Test rows are never among them.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { counted, quotedList, quotedText } from "../core/validate.ts";
import { trainingSize } from "../data/preprocess.ts";
import {
  chooseThreshold,
  type ChosenThreshold,
  type ThresholdTarget,
} from "../metrics/threshold.ts";
import { decisionFunction } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { type ParsedArgs, refuseUnused } from "./args.ts";
import { type LoadedData, splitRowsInPlace, weightsRefused } from "./data_options.ts";
import {
  parseTarget,
  TARGET_HELP,
  targetText,
  type ThresholdMetrics,
  thresholdMetricsText,
} from "./threshold.ts";
import { percent } from "./format.ts";

const COMMAND = "train";
const ACTION = "choose the decision threshold";

/** `lrc train`'s options that choose a binary model's decision threshold. */
export const THRESHOLD_TRAIN_OPTIONS = {
  "threshold-target": {
    type: "string",
    value: "T",
    help: "choose a binary model's decision threshold on validation rows held out of the " +
      "training rows (--validation-fraction), save the model with it (--save) and count the " +
      `train and test metrics at it; T as lrc threshold --target: ${TARGET_HELP}`,
  },
  "validation-fraction": {
    type: "string",
    value: "F",
    help: "with --threshold-target: the fraction of each class's training rows held out to " +
      "choose the threshold on (stratified, seeded by --seed, never test rows), in [1e-9, " +
      "0.999999999] as --test-fraction; the model trains on the others",
    default: "0.2",
  },
} as const;

/** What `--threshold-target` and `--validation-fraction` ask for. */
export interface ThresholdRequest {
  /** The target, parsed. */
  readonly target: ThresholdTarget;
  /** `--threshold-target` as given. */
  readonly given: string;
  /** `--validation-fraction`, in [1e-9, 0.999999999]. */
  readonly fraction: number;
  /** `--validation-fraction` as given (or its default), for messages. */
  readonly fractionText: string;
}

/**
 * Reads `--threshold-target` and `--validation-fraction` before any data are read.
 *
 * @param args Parsed options including {@linkcode THRESHOLD_TRAIN_OPTIONS}.
 * @returns The request, or `null` without `--threshold-target`.
 * @throws {UsageError} If `--validation-fraction` is given without `--threshold-target`, or is
 *   not a number in [1e-9, 0.999999999] (as `--test-fraction`); if the target is misspelt (in
 *   `lrc threshold --target`'s words).
 * @throws {TypeError} For `--dataset fashion-mnist` (ten classes: no threshold), before it is
 *   loaded.
 */
export function thresholdRequest(args: ParsedArgs): ThresholdRequest | null {
  if (!args.given("threshold-target")) {
    refuseUnused(
      COMMAND,
      args,
      ["validation-fraction"],
      "without --threshold-target (it holds out the rows a threshold is chosen on)",
    );
    return null;
  }
  const given = args.string("threshold-target")!;
  const target = parseTarget(given, { command: COMMAND, option: "threshold-target" });
  const fractionText = args.string("validation-fraction")!;
  // The bounds of --test-fraction and lrc compress's --validation-fraction: the split takes no
  // fraction that rounds to 1 in its check (0.9999999999999999 was refused after loading, in
  // trainTestSplit's words).
  const fraction = args.number("validation-fraction", 1e-9, 1 - 1e-9)!;
  if (args.string("data") === undefined && args.string("dataset") === "fashion-mnist") {
    throw new TypeError(
      `Cannot ${ACTION}: --dataset fashion-mnist has 10 classes; ${TWO_CLASSES}`,
    );
  }
  return { target, given, fraction, fractionText };
}

/** Why a threshold needs two classes. */
const TWO_CLASSES = "a threshold applies to two-class models with one score (sigmoid), and a " +
  "softmax model labels a row by its largest score";

/** Validation rows held out of the training rows, and their `--weight-column` weights. */
export interface ValidationRows {
  /** Features, shape `(nValidation, nFeatures)`. */
  readonly x: Matrix;
  /** Class indices, shape `(nValidation)`. */
  readonly y: Int32Array;
  /** Row weights (`--weight-column`), or `null`. */
  readonly weights: Float64Array | null;
}

/**
 * Holds validation rows out of the training rows, by the rule of the module's summary: the rows
 * are moved within the training matrix, not copied.
 *
 * @param data The loaded data; its training matrix is rearranged.
 * @param request The request.
 * @param seed `--seed`.
 * @returns The data to train on (the training rows left, their weights) and the validation rows.
 * @throws {TypeError} If the data have other than two classes.
 * @throws {RangeError} If a class holds out no row, every row left to train on weighs 0, or a
 *   class's validation rows all weigh 0.
 */
export function holdOutValidation(
  data: LoadedData,
  request: ThresholdRequest,
  seed: number,
): { fit: LoadedData; validation: ValidationRows } {
  const { classes } = data.train;
  if (classes.length !== 2) {
    throw new TypeError(
      `Cannot ${ACTION}: ${data.source} has ${
        counted(classes.length, "class", { plural: "classes" })
      } ${quotedList(classes)}; ${TWO_CLASSES}`,
    );
  }
  const counts = [0, 0];
  for (const c of data.train.y) counts[c]++;
  // Each class keeps at least one training row, so only validation can lack a class: found by
  // the split's own count, before the split.
  classes.forEach((label, c) => {
    const rows = counts[c];
    if (trainingSize(new Int32Array(rows), { testFraction: request.fraction }) === rows) {
      throw new RangeError(
        `Cannot ${ACTION}: --validation-fraction ${request.fractionText} of the ${
          counted(rows, "training row")
        } of class ${quotedText(label)} rounds to none, and the threshold is chosen on both ` +
          "classes (the split is stratified: each class holds out round(count * F) of its " +
          "training rows, keeping at least one to train on); give a larger " +
          "--validation-fraction, more rows of that class or a smaller --test-fraction",
      );
    }
  });
  const split = splitRowsInPlace(data.train.x, data.train.y, {
    testFraction: request.fraction,
    seed,
  });
  let fitWeights: LoadedData["rowWeights"];
  let weights: Float64Array | null = null;
  if (data.rowWeights !== undefined) {
    const all = data.rowWeights.train, column = data.rowWeights.column;
    const train = Float64Array.from(split.trainIndex, (i) => all[i]);
    weights = Float64Array.from(split.testIndex, (i) => all[i]);
    if (!train.some((w) => w > 0)) {
      throw weightsRefused(data.source, column, {
        heldOut: "another --seed, --test-fraction or --validation-fraction",
        heldOutFor: "testing or validation",
      });
    }
    const sums = [0, 0];
    for (let i = 0; i < weights.length; i++) sums[split.yTest[i]] += weights[i];
    classes.forEach((label, c) => {
      if (sums[c] === 0) {
        throw new RangeError(
          `Cannot ${ACTION}: the validation rows of class ${quotedText(label)} all weigh 0 in ` +
            `column ${quotedText(column)} (--weight-column), and the threshold is chosen by ` +
            "weight on both classes; give those rows more weight, or another --seed or " +
            "--validation-fraction",
        );
      }
    });
    fitWeights = { column, train, test: data.rowWeights.test };
  }
  return {
    fit: {
      ...data,
      train: { ...data.train, x: split.xTrain, y: split.yTrain },
      ...(fitWeights === undefined ? {} : { rowWeights: fitWeights }),
    },
    validation: { x: split.xTest, y: split.yTest, weights },
  };
}

/** The threshold chosen on the validation rows, with what the report says of it. */
export interface ValidationThreshold {
  /** The request. */
  readonly request: ThresholdRequest;
  /** The number of validation rows. */
  readonly rows: number;
  /** The `--weight-column` column, or `null`. */
  readonly weightColumn: string | null;
  /** The validation rows' weights' sum (`null` without `--weight-column`). */
  readonly weightSum: number | null;
  /** The chosen point, on the validation rows. */
  readonly chosen: ChosenThreshold;
}

/**
 * Chooses the threshold on the validation rows' float64 scores by `chooseThreshold`.
 *
 * @param model The model trained on the other training rows.
 * @param validation The validation rows.
 * @param request The request.
 * @param weightColumn The `--weight-column` column, or `null`.
 * @returns The chosen threshold and its point.
 * @throws {RangeError} As `chooseThreshold`: a floor on precision no threshold reaches.
 */
export function chooseOnValidation(
  model: LogisticModel,
  validation: ValidationRows,
  request: ThresholdRequest,
  weightColumn: string | null,
): ValidationThreshold {
  const scores = decisionFunction(model, validation.x).data;
  const w = validation.weights;
  const chosen = chooseThreshold(
    scores,
    validation.y,
    request.target,
    w === null ? {} : { sampleWeight: w },
  );
  let weightSum: number | null = null;
  if (w !== null) {
    weightSum = 0;
    for (let i = 0; i < w.length; i++) weightSum += w[i];
  }
  return { request, rows: validation.y.length, weightColumn, weightSum, chosen };
}

/** The metric a target is about, and its value at the chosen point. */
function achieved(v: ValidationThreshold): { metric: string; value: number } {
  const t = v.request.target, p = v.chosen;
  if ("metric" in t) {
    const value = t.metric === "f1"
      ? p.f1
      : t.metric === "accuracy"
      ? p.accuracy
      : p.balancedAccuracy;
    return { metric: t.metric, value };
  }
  if ("precision" in t) return { metric: "precision", value: p.precision };
  if ("recall" in t) return { metric: "recall", value: p.recall };
  return { metric: "fpr", value: p.fpr };
}

/** The chosen point's metrics, as `lrc threshold --json` gives them. */
function metricsOf(p: ChosenThreshold): ThresholdMetrics {
  return {
    threshold: p.threshold,
    precision: p.precision,
    recall: p.recall,
    fpr: p.fpr,
    f1: p.f1,
    accuracy: p.accuracy,
    balancedAccuracy: p.balancedAccuracy,
  };
}

/**
 * The `threshold` entry of `lrc train --json`.
 *
 * @param v The chosen threshold.
 * @returns The target as given, the validation fraction and rows (and weights), the threshold,
 *   the target's metric and value on the validation rows, and the point's metrics there.
 */
export function validationThresholdJson(v: ValidationThreshold): {
  target: string;
  validationFraction: number;
  validationRows: number;
  weightColumn: string | null;
  validationWeightSum: number | null;
  threshold: number;
  achieved: { metric: string; value: number };
  validation: ThresholdMetrics;
} {
  return {
    target: v.request.given,
    validationFraction: v.request.fraction,
    validationRows: v.rows,
    weightColumn: v.weightColumn,
    validationWeightSum: v.weightSum,
    threshold: v.chosen.threshold,
    achieved: achieved(v),
    validation: metricsOf(v.chosen),
  };
}

/**
 * The line `lrc train` prints for the chosen threshold.
 *
 * @param v The chosen threshold.
 * @returns One line, e.g. `threshold 0.31 chosen on 86 validation rows (held out of the training
 *   rows) for the highest f1: f1 0.9302 there (precision ..., ...); the train and test rows
 *   below are labelled at it`.
 */
export function validationThresholdLine(v: ValidationThreshold): string {
  const { metric, value } = achieved(v);
  const valueText = metric === "f1" ? value.toFixed(4) : percent(value);
  return `threshold ${v.chosen.threshold} chosen on ${counted(v.rows, "validation row")} (held ` +
    `out of the training rows${
      v.weightColumn === null
        ? ""
        : `; weighted by ${quotedText(v.weightColumn)}, sum ${Number(v.weightSum!.toPrecision(6))}`
    }) for the ${targetText(v.request.target)}: ${metric} ${valueText} there (${
      thresholdMetricsText(v.chosen)
    }); the train and test rows below are labelled at it`;
}
