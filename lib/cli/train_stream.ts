/**
 * `lrc train --stream`: training and evaluation straight from a CSV file, in batches, for files
 * larger than memory (chosen automatically for a file above `--max-data-bytes`, 1 GiB by
 * default).
 *
 * @module
 */

import { readCsvBatches, readCsvColumns } from "../data/csv_stream.ts";
import { classIndexOf } from "../data/dataset.ts";
import {
  checkDataOptions,
  checkTrainingFile,
  delimiterOf,
  headerNames,
  streamedRowNumbers,
  weightColumnName,
  weightsRefused,
} from "./data_options.ts";
import { evaluateStream } from "../metrics/evaluate_stream.ts";
import { DEFAULT_BLOCK_ROWS as STREAM_BLOCK_ROWS, fitStream } from "../model/fit_stream.ts";
import type { Command, ParsedArgs } from "./args.ts";
import { UsageError } from "./args.ts";
import { createProgress } from "./progress.ts";
import { percent } from "./format.ts";
import { counted, quotedText } from "../core/validate.ts";
import type { Optimizer } from "../model/fit.ts";
import type { Penalty } from "../model/types.ts";
import type { Evaluation } from "../metrics/evaluate.ts";
import type { FitResult } from "../model/fit.ts";
import type { ClassWeights, RowWeightTotals, TestWeighted } from "./train.ts";
import { checkClassWeightSyntax } from "./train.ts";

/**
 * Streams the training if `--stream` is set or `--data` is larger than `--max-data-bytes`
 * (default 1 GiB: the size above which the other commands refuse a file); otherwise returns
 * `null`.
 *
 * @param args Parsed options of `train`.
 * @param io Where to report progress.
 * @param showProgress Whether to draw the progress line.
 * @param choices Penalty, optimiser and preprocessing from the training options (`lambda`
 *   absent means the default `1 / nSamples`), and how `--class-weight` is resolved from the
 *   training rows' classes and count of each (counted by the first pass of `fitStream`).
 * @returns The training outcome, or `null` to train in memory.
 * @throws {UsageError} If streaming is asked without `--data`, with L-BFGS, with
 *   `--threshold-target` or with `--cv-folds`.
 */
export async function trainStreamedIfAsked(
  args: ParsedArgs,
  io: Parameters<Command["run"]>[1],
  showProgress: boolean,
  choices: {
    penalty: Penalty;
    optimizer: Optimizer;
    preprocessing: "standardize" | "none";
    classWeights: (classes: readonly string[], counts: Float64Array) => ClassWeights | null;
  },
): Promise<
  {
    source: string;
    result: FitResult;
    classWeights: ClassWeights | null;
    rowWeights?: RowWeightTotals;
    testWeighted?: TestWeighted;
    train: Evaluation & { x: { rows: number; cols: number } };
    test: Evaluation & { x: { rows: number } };
  } | null
> {
  const file = args.string("data");
  checkDataOptions(args); // as loadData does for the in-memory path
  let size = 0, regular = true;
  if (file !== undefined) {
    try {
      const info = await Deno.stat(file);
      // A folder's size is its directory entries', not data: it is not streamed for it, and the
      // readers name it as a folder. A pipe or device is refused below.
      size = info.isFile ? info.size : 0;
      regular = info.isFile || info.isDirectory;
    } catch {
      return null; // the in-memory path reports the missing file
    }
  }
  // The limit of reading into memory is where streaming starts: raising it keeps larger files
  // in memory, lowering it streams smaller ones.
  const maxBytes = args.number("max-data-bytes", 1, Number.MAX_SAFE_INTEGER, true)!;
  const auto = size > maxBytes;
  if (!args.flag("stream") && !auto) return null;
  if (file === undefined) {
    throw new UsageError("Cannot train from a stream: --stream needs --data FILE.csv");
  }
  // Why a file the user did not ask to stream is streamed, for the messages below.
  const why = auto ? ` (${file} is ${size} bytes, above the in-memory limit)` : "";
  if (args.given("cv-folds")) {
    throw new UsageError(
      `Cannot train from a stream${why}: --cv-folds trains on the training rows in memory, ` +
        `K models per candidate lambda; ${
          auto ? "raise --max-data-bytes to read the file into memory" : "drop --stream"
        }, or give --lambda`,
    );
  }
  if (args.given("threshold-target")) {
    throw new UsageError(
      `Cannot train from a stream${why}: --threshold-target holds validation rows out of a ` +
        `training in memory; ${
          auto ? "raise --max-data-bytes to read the file into memory" : "drop --stream"
        }, or train, then choose the threshold on a validation file with lrc threshold ` +
        "--model FILE --data VALIDATION.csv --target T",
    );
  }
  if (!regular) {
    throw new RangeError(
      `Cannot train from a stream: '${file}' is not a regular file (a pipe?); streaming reads it ` +
        "several times",
    );
  }
  if (args.flag("stream") && args.given("max-data-bytes")) {
    throw new UsageError(
      "Cannot train from a stream: --max-data-bytes limits reading a file into memory, which " +
        "--stream does not do",
    );
  }
  const testFraction = args.number("test-fraction", 1e-9, 1 - 1e-9)!;
  if (testFraction > 0.5) {
    throw new UsageError(
      `Cannot train from a stream${why}: it holds out every n-th row, so --test-fraction must be ` +
        `at most 0.5, got ${testFraction}`,
    );
  }
  const every = Math.max(2, Math.round(1 / testFraction));
  const isTest = (row: number) => row % every === every - 1;
  const csv: {
    label?: string;
    header: boolean;
    delimiter: string;
    weightColumn?: string | number;
  } = {
    label: args.string("label"),
    header: !args.flag("no-header"),
    delimiter: delimiterOf(args),
  };
  if (choices.optimizer.kind === "lbfgs") {
    throw new UsageError(`Cannot train from a stream${why}: use --optimizer sgd or adam`);
  }
  // Streaming trains on blocks of rows; a batch cannot be larger than one.
  const batch = choices.optimizer.batchSize ?? 64;
  if (batch > STREAM_BLOCK_ROWS) {
    throw new UsageError(
      `Cannot train from a stream${why}: --batch-size ${batch} is more than the ` +
        `${STREAM_BLOCK_ROWS} rows streaming holds at once`,
    );
  }
  // --class-weight's syntax, before any pass over the file (its labels need the first pass of
  // fitStream, which counts the training rows' classes).
  checkClassWeightSyntax(args, "train");
  // The header's names in the file's order (the scan does not name the last column, taken as the
  // label when none is named).
  const columns = csv.header ? await headerNames(file, csv.delimiter) : undefined;
  const weightOption = args.string("weight-column");
  // --weight-column: checked as in memory, then read by every pass (it is no feature).
  let weightName: string | undefined;
  if (weightOption !== undefined) {
    // A file without a header names its columns by position; a header that does not read as one
    // line is refused by the reader.
    const names = csv.header
      ? columns
      : await readCsvColumns(file, { header: false, delimiter: csv.delimiter });
    weightName = names === undefined
      ? weightOption
      : weightColumnName(file, { column: weightOption, label: csv.label, names });
    csv.weightColumn = names === undefined ? weightName : names.indexOf(weightName);
  }
  // Held-out rows exist only if the file has at least `every` rows: count that many (no more)
  // before training, rather than find none after it.
  let seen = 0;
  for await (const batch of readCsvBatches(file, { ...csv, batchSize: Math.min(every, 1 << 16) })) {
    seen += batch.x.rows;
    if (seen >= every) break;
  }
  if (seen < 2) {
    throw new RangeError(
      `Cannot train from a stream${why}: '${file}' has ${counted(seen, "data row")}; ` +
        "at least two are needed (one to train on, one to test)",
    );
  }
  if (seen < every) {
    throw new RangeError(
      `Cannot train from a stream${why}: '${file}' has ${seen} data rows, and holding out every ` +
        `${ordinal(every)} (--test-fraction ${testFraction}) leaves none to test; raise ` +
        "--test-fraction (at most 0.5)",
    );
  }
  // The classes of the held-out rows, each with the line it is first on, so that one no training
  // row has is found before training (one more pass over the file, against the epochs'), and
  // named with where it is. Read as float64, as the evaluation reads them.
  const heldOut = new Map<string, number>();
  let heldOutRows = 0;
  for await (const batch of readCsvBatches(file, { ...csv, rowFilter: isTest, dtype: "float64" })) {
    heldOutRows += batch.x.rows;
    batch.labels.forEach((c, i) => heldOut.has(c) || heldOut.set(c, batch.lines[i]));
  }
  // The weights, checked as in memory (every row's in file order, then the training rows'; a bad
  // value named by its line, which the reader knows), and
  // their training rows' totals for the report: one pass parsing the weight and label cells only.
  let rowWeights: RowWeightTotals | undefined;
  // The held-out rows' weights' sum: the weighted test metrics need one above 0.
  let testSum = 0;
  if (weightName !== undefined) {
    let row = 0, rows = 0, sum = 0, positive = false;
    const weighed = { ...csv, features: [], dtype: "float64" } as const;
    for await (const batch of readCsvBatches(file, weighed)) {
      const w = batch.weights!;
      for (let i = 0; i < w.length; i++, row++) {
        if (!(w[i] >= 0)) {
          throw weightsRefused(file, weightName, { at: `line ${batch.lines[i]}`, value: w[i] });
        }
        if (w[i] > 0) positive = true;
        if (!isTest(row)) {
          rows++;
          sum += w[i];
        } else testSum += w[i];
      }
    }
    if (!positive) throw weightsRefused(file, weightName, {});
    if (!(sum > 0)) {
      throw weightsRefused(file, weightName, {
        heldOut: `another --test-fraction (every ${ordinal(every)} row is held out)`,
      });
    }
    rowWeights = { column: weightName, rows, sum };
  }
  const labelName = csv.label === undefined ? columns?.at(-1) : undefined;
  // One more pass, over the first column only, when it is named as an identifier.
  const rowNumbers = columns === undefined
    ? undefined
    : await streamedRowNumbers(file, csv, columns);
  let trainingRows = 0;
  const checkScan = (
    scan: { rows: number; classes: readonly string[]; featureNames: readonly string[] },
  ) => {
    trainingRows = scan.rows;
    const { label, header } = csv;
    checkTrainingFile(file, scan, {
      label,
      header,
      labelName,
      io,
      rows: " in the training rows",
      columns,
      dataRows: scan.rows + heldOutRows,
      rowNumbers,
    });
    // The raw labels, looked up as the evaluation will look them up in the model's classes
    // ("2.0" is class "2" only when every label reads as a number).
    const known = classIndexOf(scan.classes);
    const missing = [...heldOut.keys()].find((c) => known(c) === undefined);
    if (missing !== undefined) {
      throw new RangeError(
        `Cannot hold out every ${ordinal(every)} row of '${file}'${why}: class ${
          quotedText(missing)
        } is only in held-out rows (first on line ` +
          `${heldOut.get(missing)}), and no training row has it; give the file more rows of it, ` +
          "or shuffle it",
      );
    }
  };
  const progress = createProgress(io, showProgress);
  // Resolved on the first pass's classes and counts of the training rows, as in memory.
  let classWeights: ClassWeights | null = null;
  let result: FitResult;
  try {
    result = await fitStream(file, {
      onScan: checkScan,
      ...csv,
      optimizer: choices.optimizer,
      // The default lambda is 1 / nSamples, known after the first pass: fitStream makes it.
      penalty: args.string("lambda") === undefined && choices.penalty.kind !== "none"
        ? (n) => ({ ...choices.penalty, lambda: 1 / n } as Penalty)
        : choices.penalty,
      preprocessing: choices.preprocessing,
      seed: args.number("seed", -(2 ** 31), 2 ** 31, true),
      rowFilter: (r) => !isTest(r),
      ...(args.given("class-weight")
        ? {
          classWeight: (scan) => {
            classWeights = choices.classWeights(scan.classes, scan.classCounts);
            return classWeights!.perClass;
          },
        }
        : {}),
      onProgress: (p) =>
        progress.update(
          `training (stream): epoch ${p.epoch}/${p.totalEpochs}  loss ${p.trainLoss.toFixed(4)}  ` +
            `accuracy ${percent(p.trainAccuracy)}  ${p.seconds.toFixed(1)} s`,
        ),
    });
  } finally {
    progress.done();
  }
  // The ROC AUC keeps 8 bytes a row of the part evaluated, unless --no-roc-auc.
  const rocAuc = !args.flag("no-roc-auc");
  // Unweighted (weighted: false reads --weight-column only to leave it out of the features).
  const train = await evaluateStream(result.model, file, {
    ...csv,
    rowFilter: (r) => !isTest(r),
    rocAuc,
    weighted: false,
  });
  const test = await evaluateStream(result.model, file, {
    ...csv,
    rowFilter: isTest,
    rocAuc,
    weighted: false,
  });
  // And the held-out rows weighted by --weight-column: one more pass over them.
  const testWeighted = weightName === undefined ? undefined : {
    metrics: testSum > 0
      ? await evaluateStream(result.model, file, { ...csv, rowFilter: isTest, rocAuc })
      : null,
    weightSum: testSum,
  };
  // fitStream checks its epochs against its first pass; rows written after the last epoch would
  // otherwise be evaluated as training rows the model never saw.
  if (train.samples !== trainingRows) {
    throw new RangeError(
      `Cannot train from a stream: '${file}' changed while it was read: its first pass had ` +
        `${trainingRows} training rows, the evaluation read ${train.samples}; train from a file ` +
        "that is not being written (or a copy of it)",
    );
  }
  return {
    source: `${file} (streamed; every ${ordinal(every)} row held out)`,
    result,
    classWeights,
    ...(rowWeights === undefined ? {} : { rowWeights }),
    ...(testWeighted === undefined ? {} : { testWeighted }),
    train: { ...train, x: { rows: train.samples, cols: result.model.weights.cols } },
    test: { ...test, x: { rows: test.samples } },
  };
}

/** 2nd, 3rd, 4th, 11th, 21st... */
function ordinal(n: number): string {
  const tens = n % 100, units = n % 10;
  const suffix = tens >= 11 && tens <= 13
    ? "th"
    : units === 1
    ? "st"
    : units === 2
    ? "nd"
    : units === 3
    ? "rd"
    : "th";
  return `${n}${suffix}`;
}
