/**
 * Metrics of a model on a CSV file streamed in batches (memory independent of the file size, but
 * for a two-class model's ROC AUC: 8 bytes a row, unless `rocAuc: false`).
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import { checkOptionKeys, describe, exactKeys, quotedList, quotedText } from "../core/validate.ts";
import {
  CSV_STREAM_OPTION_KEYS,
  type LabelledCsvOptions,
  readCsvBatches,
  readCsvColumns,
} from "../data/csv_stream.ts";
import { pathText } from "../data/csv.ts";
import { classIndexOf } from "../data/dataset.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { classesFromScores, decisionFunction, probabilitiesFromScores } from "../model/predict.ts";
import { ScoresByClass } from "./auc_stream.ts";
import type { Evaluation } from "./evaluate.ts";
import { balancedAccuracyFromConfusion, logLossTerm, macroF1FromConfusion } from "./metrics.ts";
import { WeightedScores, WeightedSums } from "./weighted.ts";

// readCsvBatches' options but the storage and the columns, which the model decides.
const { dtype: _dtype, features: _features, ...STREAM_KEYS } = CSV_STREAM_OPTION_KEYS;
const EVALUATE_STREAM_KEYS = exactKeys<EvaluateStreamOptions>()({
  ...STREAM_KEYS,
  label: true, // the label column must be there: no null
  rocAuc: true,
  weighted: true,
});

/** Options of {@linkcode evaluateStream}: `readCsvBatches`' but the storage and the columns. */
export interface EvaluateStreamOptions extends Omit<LabelledCsvOptions, "dtype" | "features"> {
  /**
   * Whether to compute a two-class model's ROC AUC (default `true`). It keeps every kept row's
   * score, 8 bytes a row (16 GB for 2 billion rows), and sorts a copy of the rarer class's at the
   * end, at most 4 more: memory that grows with the file. `false` keeps none, and the result's
   * `rocAuc` is `null`.
   */
  readonly rocAuc?: boolean;
  /**
   * With `weightColumn`, whether every metric is weighted by that column, as `evaluate`'s
   * `sampleWeight` weighs them (scikit-learn's `sample_weight`); `false` only leaves the column
   * out of the features. Weighted, the ROC AUC keeps each row's score, class and weight: 17 bytes
   * a row instead of 8 (up to 25 at the end, while it ranks them).
   * @default {true}
   */
  readonly weighted?: boolean;
}

/**
 * Evaluates a model on the rows of a CSV file, batch by batch. With a header that names all of
 * the model's features, they are read by name (in any order; other columns are ignored); with
 * one that names none, by position; naming only some is refused. Labels the model does not know
 * count as errors only through an exception: they are refused. Memory does not grow with the
 * file, but for a two-class model's ROC AUC, which keeps each row's score: 8 bytes a row, and at
 * the end a sorted copy of the rarer class's, at most 4 more (`rocAuc: false` turns it off).
 *
 * @param model The model (its classes name the labels).
 * @param path The CSV file.
 * @param options Label column, header, delimiter, row filter; `rocAuc: false` to skip the ROC
 *   AUC; `weightColumn` to weigh every metric by a column of the file (unless `weighted: false`).
 * @returns Accuracy, balanced accuracy, log loss, macro F1, ROC AUC (two classes, both labelling
 *   rows, `rocAuc` not `false`; `null` otherwise) and confusion over all kept rows.
 * @throws {TypeError} If `model` is not a well-formed model or `rocAuc` or `weighted` not a boolean
 *   (before the file is read).
 * @throws {RangeError} If `label` is `null` (the metrics need labels), a label is not one of the
 *   model's classes, no row is kept, or (weighted) a weight is negative, the weights sum beyond
 *   float64 (naming the line) or every kept row weighs 0.
 * @throws {SyntaxError} As `readCsvBatches`.
 */
export async function evaluateStream(
  model: LogisticModel,
  path: string | URL,
  options: EvaluateStreamOptions = {},
): Promise<Evaluation> {
  checkOptionKeys("evaluate model", options, EVALUATE_STREAM_KEYS);
  const { rocAuc = true, weighted = true, ...csv } = options;
  if (typeof rocAuc !== "boolean") {
    throw new TypeError(`Cannot evaluate model: rocAuc must be a boolean, got ${describe(rocAuc)}`);
  }
  if (typeof weighted !== "boolean") {
    throw new TypeError(
      `Cannot evaluate model: weighted must be a boolean, got ${describe(weighted)}`,
    );
  }
  validateModel(model, "evaluate model");
  const k = model.classes.length;
  const cutoff = scoreCutoff(model);
  const classOf = classIndexOf(model.classes);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let samples = 0, lossSum = 0;
  // The ROC AUC of classes[1] (two classes): every row's score, kept by class (8 bytes a row).
  const auc = k === 2 && rocAuc ? new ScoresByClass() : null;
  // Weighted by weightColumn: the weights' sums, and for the AUC each row's score and weight.
  const sums = csv.weightColumn !== undefined && weighted ? new WeightedSums(k) : null;
  const weightedAuc = sums !== null && auc !== null ? new WeightedScores() : null;
  let weightRun = 0; // the weights' running sum, refused when it overflows
  // With a header, features are matched by name when it names all of the model's (in any order;
  // other columns are not read), by position when it names none; naming only some is refused.
  let features: number[] | undefined;
  if (csv.header !== false) {
    const columns = await readCsvColumns(path, csv);
    // By a map: includes and indexOf per feature took minutes for 10^5 columns (10^10 compares).
    const at = new Map<string, number>();
    columns.forEach((n, j) => at.has(n) || at.set(n, j));
    const missing = model.featureNames.filter((n) => !at.has(n));
    if (missing.length === 0) features = model.featureNames.map((n) => at.get(n)!);
    else if (missing.length < model.featureNames.length) {
      throw new RangeError(
        `Cannot evaluate model: the header of '${pathText(path)}' names ${
          model.featureNames.length - missing.length
        } of its features but not ${quotedList(missing, 5)}`,
      );
    }
  }
  for await (const batch of readCsvBatches(path, { ...csv, dtype: "float64", features })) {
    const y = new Int32Array(batch.x.rows);
    for (let i = 0; i < y.length; i++) {
      const label = batch.labels[i];
      const c = classOf(label);
      if (c === undefined) {
        throw new RangeError(
          `Cannot evaluate model: label ${quotedText(label)} on line ${batch.lines[i]} is not ` +
            "one of its classes",
        );
      }
      y[i] = c;
    }
    // Scored once per batch: evaluate() would also rank each batch for an AUC of its own.
    const scores = decisionFunction(model, batch.x);
    const proba = probabilitiesFromScores(model, scores).data;
    const predicted = classesFromScores(scores, cutoff);
    if (sums !== null) {
      const w = batch.weights!;
      for (let i = 0; i < y.length; i++) {
        // The reader refuses a cell that is no finite number; a negative one is refused here.
        if (!(w[i] >= 0)) {
          throw new RangeError(
            `Cannot evaluate model: the weight on line ${batch.lines[i]} is ${
              w[i]
            }; weights must be finite numbers >= 0`,
          );
        }
        sums.add(y[i], predicted[i], proba[i * k + y[i]], w[i]);
        // A sum beyond float64 would make every metric Infinity / Infinity.
        if ((weightRun += w[i]) === Infinity) {
          throw new RangeError(
            `Cannot evaluate model: the weights sum to Infinity by line ${
              batch.lines[i]
            }, beyond float64; scale them down (only their ratios matter)`,
          );
        }
      }
      weightedAuc?.add(scores, y, w);
      samples += y.length;
      continue;
    }
    for (let i = 0; i < y.length; i++) {
      confusion[y[i]][predicted[i]]++;
      lossSum += logLossTerm(proba[i * k + y[i]]);
    }
    auc?.add(scores, y);
    samples += y.length;
  }
  if (samples === 0) throw new RangeError("Cannot evaluate model: no rows to evaluate");
  if (sums !== null) {
    if (!(sums.weightSum() > 0)) {
      throw new RangeError(
        "Cannot evaluate model: every row weighs 0 (weightColumn); at least one must weigh more",
      );
    }
    return { samples, ...sums.metrics(weightedAuc?.rocAuc() ?? null) };
  }
  // Counted from the confusion matrix: a batch's accuracy times its size is not always an
  // integer in floating point (15 / 22 * 22 is 14.999999999999998).
  let right = 0;
  for (let c = 0; c < k; c++) right += confusion[c][c];
  return {
    samples,
    accuracy: right / samples,
    balancedAccuracy: balancedAccuracyFromConfusion(confusion),
    logLoss: lossSum / samples,
    macroF1: macroF1FromConfusion(confusion),
    rocAuc: auc?.rocAuc() ?? null,
    confusion,
  };
}
