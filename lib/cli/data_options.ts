/**
 * Options shared by every command that reads data, and the loading they drive.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import { assertMatrix, counted, quotedList, quotedText } from "../core/validate.ts";
import {
  DEFAULT_MAX_CSV_BYTES,
  isMissingMarker,
  looksLikeSklearnHeader,
  readCsv,
  SKLEARN_FORMAT_HINT,
} from "../data/csv.ts";
import { type CsvStreamOptions, readCsvBatches, readCsvColumns } from "../data/csv_stream.ts";
import { type Dataset, isNumericLabel } from "../data/dataset.ts";
import {
  DEFAULT_DATASET,
  EMBEDDED_DATASETS,
  type EmbeddedName,
  loadEmbedded,
} from "../data/embedded.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { type Split, type SplitOptions, trainTestSplit } from "../data/preprocess.ts";
import type { LogisticModel } from "../model/types.ts";
import { featureIndices, selectFeatures } from "../prune/structured.ts";
import { type CliIo, type OptionSpec, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import { createProgress, READ_PROGRESS_BYTES, readingText } from "./progress.ts";
import { dataFormat, svmlightRefused } from "./svmlight_data.ts";

/** Data options, for spreading into a command's option table. */
export const DATA_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: "string",
    value: "FILE.csv",
    help: "CSV file to use instead of an embedded data set",
  },
  label: {
    type: "string",
    value: "COLUMN",
    trim: true,
    help: "label column of --data, by header name or zero-based index (default: last column)",
  },
  "no-header": { type: "boolean", help: "--data has no header row" },
  delimiter: {
    type: "string",
    value: "CHAR",
    help: "field delimiter of --data (tab: 'tab' or '\\t')",
    default: ",",
  },
  dataset: {
    type: "string",
    value: "NAME",
    help: "embedded data set, or fashion-mnist (from Debian's dataset-fashion-mnist)",
    default: DEFAULT_DATASET,
    choices: [...Object.keys(EMBEDDED_DATASETS), "fashion-mnist"],
  },
  "test-fraction": {
    type: "string",
    value: "F",
    help: "fraction held out for testing (stratified; not with fashion-mnist, which has its own " +
      "test set)",
    default: "0.25",
  },
  seed: { type: "string", value: "N", help: "seed of the split and of training", default: "0" },
  "max-data-bytes": {
    type: "string",
    value: "N",
    help: "refuse a --data file larger than this (it is read in a stream into float64 numbers, " +
      "so memory follows the values, not the text: lrc train peaked near 13 bytes a value, 6.6x " +
      "a large file of one-digit cells, in deno task bench:csv --wide); lrc train streams its " +
      "training from such a file instead",
    default: String(DEFAULT_MAX_CSV_BYTES),
  },
};

/** Training and test data, with what they are called. */
export interface LoadedData {
  /** Where the data came from, for the report. */
  readonly source: string;
  readonly train: Dataset;
  readonly test: { readonly x: Matrix; readonly y: Int32Array };
  /** The feature names are positions made up for a file read without a header. */
  readonly positional?: boolean;
  /** How `dataForModel` matched the columns to a loaded model's features. */
  readonly matched?: "same" | "position" | "reordered" | "subset";
  /**
   * The data's own class order, when `dataForModel` took their classes in a loaded model's order
   * (the same labels listed otherwise): `train.classes` are then the model's, and every class
   * index (`train.y`, `test.y`) indexes them. Stratified splits made after that follow this order
   * ({@linkcode validationParts}).
   */
  readonly dataClasses?: readonly string[];
  /**
   * The row weights of `--weight-column`: the column's name and the weight of each training row,
   * in the order of `train`'s rows, and of each test row, in the order of `test`'s (for the test
   * metrics weighted by them).
   */
  readonly rowWeights?: RowWeights;
}

/** Row weights read from a column of the data file (`--weight-column`). */
export interface RowWeights {
  /** The column's name (its header name, or `column_N` in a file without a header). */
  readonly column: string;
  /** The weight of each training row. */
  readonly train: Float64Array;
  /** The weight of each test row (all 0 is possible: then no weighted test metric). */
  readonly test: Float64Array;
}

/**
 * `--weight-column`, of the commands that train on labelled data in memory (train, prune,
 * quantize, compress, export): every training and data-based scoring they do weighs the training
 * rows by it.
 */
export const WEIGHT_COLUMN_OPTION = {
  "weight-column": {
    type: "string",
    value: "COLUMN",
    trim: true,
    help: "column of --data holding each row's weight (survey, importance or duplicate-count " +
      "weights: numbers >= 0), by header name or zero-based index (as --label); it is not a " +
      "feature; every training, fine-tuning, QAT and data-based scoring weighs the training rows " +
      "by it (times --class-weight's weights, as scikit-learn's sample_weight); the test " +
      "metrics are given unweighted, and by lrc train, prune, quantize and compress also " +
      "weighted by it (lrc compress --weighted-metrics weighs its validation and test metrics, " +
      "and so its choices, by it)",
  },
} as const;

/** Whether a header cell reads as a number (a data row read as the header, most likely). */
export function readsAsNumber(name: string): boolean {
  return name.trim() !== "" && Number.isFinite(Number(name));
}

/**
 * The warning for labels that are numbers but for missing-value markers (`NA`, `NaN`, `null`, ...,
 * {@linkcode isMissingMarker}): each marker is read as a class of its own, and, the labels then
 * not all being numbers, `"1"` and `"1.0"` are two classes (as `encodeLabels` reads labels).
 *
 * @param file The file, for the message.
 * @param classes The classes read.
 * @returns The warning line, or `undefined` when the labels are not so.
 */
export function missingLabelWarning(
  file: string,
  classes: readonly string[],
): string | undefined {
  const markers = classes.filter(isMissingMarker);
  const rest = classes.filter((c) => !isMissingMarker(c));
  if (markers.length === 0 || rest.length === 0 || !rest.every(isNumericLabel)) return undefined;
  const byNumber = new Map<number, string[]>();
  for (const c of rest) byNumber.set(Number(c), [...byNumber.get(Number(c)) ?? [], c]);
  const apart = [...byNumber.values()].find((same) => same.length > 1);
  const one = markers.length === 1;
  return `warning: the labels of '${file}' are numbers but for ${quotedList(markers)}, ${
    one ? "a missing-value marker read as a class of its own" : "missing-value markers read " +
      "as classes of their own"
  }${
    apart === undefined
      ? ""
      : `, which also keeps ${
        apart.map((c) => quotedText(c)).join(" and ")
      } apart (labels that are all numbers are one class per number)`
  }: drop the rows that hold ${one ? "it" : "them"} or fill them in\n`;
}

/**
 * The warning for classes that differ only in case (`Yes`, `yes`, `YES`), as a spreadsheet typed
 * by hand holds them: each is a class of its own. Classes of one character are left out (the
 * letters `a` and `A` may well be two classes).
 *
 * @param file The file, for the message.
 * @param classes The classes read.
 * @returns The warning line, or `undefined` when no two classes are so.
 */
export function caseLabelWarning(file: string, classes: readonly string[]): string | undefined {
  const byLower = new Map<string, string[]>();
  for (const c of classes) {
    if ([...c].length < 2) continue;
    const key = c.toLowerCase();
    byLower.set(key, [...byLower.get(key) ?? [], c]);
  }
  const groups = [...byLower.values()].filter((same) => same.length > 1);
  if (groups.length === 0) return undefined;
  const shown = groups.slice(0, 3).map((same) => quotedList(same)).join(", ");
  const more = groups.length > 3 ? `, and ${counted(groups.length - 3, "more such group")}` : "";
  return `warning: the labels of '${file}' hold classes that differ only in case (${shown}${more}): ` +
    `each is a class of its own; if they name one class, write them alike\n`;
}

/**
 * Checks training data read from a CSV file, in memory or streamed: a header that is
 * scikit-learn's first line of a data set ({@linkcode looksLikeSklearnHeader}: the number of data
 * rows, the number of fields less one and class names) gets a warning, and so, otherwise, does a
 * header of numbers only (a file may name its columns by numbers; predict, which knows the model's
 * names, refuses it), so does a column named like a label ({@linkcode labelLike}) read as a
 * feature because no `--label` was given (unless the last column, taken as the label, is named
 * like one too), so do labels that are numbers but for missing-value markers
 * ({@linkcode missingLabelWarning}) and classes that differ only in case
 * ({@linkcode caseLabelWarning}), and a single class is refused.
 *
 * @param file The file, for messages.
 * @param data Its feature names and classes (of the training rows).
 * @param options The label option, whether a header was read, the name of the column taken as
 *   the label, where warnings go, which rows the classes are of (for the message), the
 *   header's fields in the file's order with the number of data rows in the file (both needed
 *   for scikit-learn's first line), and whether the first column's values number the rows
 *   ({@linkcode rowNumbersOf}; a first column named as an identifier, {@linkcode idColumn}, is
 *   warned of only then).
 * @throws {RangeError} If the labels hold a single class.
 */
export function checkTrainingFile(
  file: string,
  data: { readonly featureNames: readonly string[]; readonly classes: readonly string[] },
  options: {
    label?: string;
    header: boolean;
    labelName?: string;
    io?: Pick<CliIo, "err">;
    rows?: string;
    columns?: readonly string[];
    dataRows?: number;
    rowNumbers?: RowNumbers;
  },
): void {
  const names = data.featureNames;
  const { columns, dataRows } = options;
  if (
    options.header && columns !== undefined && dataRows !== undefined &&
    looksLikeSklearnHeader(columns, columns.length, dataRows)
  ) {
    options.io?.err(
      `warning: the first line of '${file}' (${
        quotedList(columns, 3)
      }) was read as the columns' names, but ${dataRows} is the file's number of data rows and ` +
        `${columns.length - 1} its number of features (its fields less the label): ` +
        `${SKLEARN_FORMAT_HINT}\n`,
    );
  } else if (options.header && names.every(readsAsNumber)) {
    options.io?.err(
      `warning: the first line of '${file}' holds numbers where the feature names go (${
        quotedList(names, 3)
      }): if the file has no header, give --no-header (its first row was read as the names)\n`,
    );
  }
  const named = options.label === undefined && options.header
    ? labelLike(names, options.labelName)
    : undefined;
  if (named !== undefined) options.io?.err(guessedLabelWarning(file, named));
  const index = options.header && columns !== undefined ? rowIndexColumn(columns) : undefined;
  const id = options.header && columns !== undefined && options.rowNumbers !== undefined
    ? idColumn(columns)
    : undefined;
  if (index !== undefined && names[0] === index) {
    options.io?.err(rowIndexWarning(file, index));
  } else if (id !== undefined && names[0] === id) {
    options.io?.err(rowIndexWarning(file, id, options.rowNumbers));
  }
  const missing = missingLabelWarning(file, data.classes);
  if (missing !== undefined) options.io?.err(missing);
  const cased = caseLabelWarning(file, data.classes);
  if (cased !== undefined) options.io?.err(cased);
  if (data.classes.length < 2) {
    throw new RangeError(
      `Cannot use '${file}' as training data: its label column (${
        options.label ?? "the last column"
      }) holds a single class (${quotedText(data.classes[0])})${
        options.rows ?? ""
      }; at least two are needed (pick the label with --label)`,
    );
  }
}

/**
 * The feature name of a first column headed as the row index that pandas' `to_csv` (an empty
 * name; `Unnamed: 0` once the file is read back and written again) and R's `write.csv` (an empty
 * name) write before the data: read as a feature, it lets a model learn the file's row order (a
 * file sorted by class is then classified from it).
 *
 * @param columns The header's names in the file's order (`column_N` for an empty one), as
 *   {@linkcode headerNames} gives them.
 * @returns The column's feature name, or undefined.
 */
export function rowIndexColumn(columns: readonly string[]): string | undefined {
  // The header reader names an empty name by its position; a header of such names throughout
  // (column_1, column_2, ...) was written so, not left empty by pandas or R.
  if (columns[0] === "column_1" && columns[1] !== "column_2") return columns[0];
  return columns[0] === "Unnamed: 0" ? columns[0] : undefined;
}

/**
 * Names a first column numbering the rows is often given (compared in lower case): `id`, `index`
 * (pandas' `reset_index()`), `idx`, `row`, `rowid` (R's `rowid_to_column()`), `row_id`, `rowname`
 * (R's `rownames_to_column()`), `rownames`, `row.names`.
 */
export const ID_NAMES: ReadonlySet<string> = new Set([
  "id",
  "index",
  "idx",
  "row",
  "rowid",
  "row_id",
  "rowname",
  "rownames",
  "row.names",
]);

/**
 * The feature name of a first column named as an identifier ({@linkcode ID_NAMES}, any case):
 * a row index when its values number the rows ({@linkcode rowNumbersOf}), which only they tell (a
 * real feature may be named `id`).
 *
 * @param columns The header's names in the file's order.
 * @returns The column's name, or undefined.
 */
export function idColumn(columns: readonly string[]): string | undefined {
  return columns.length > 0 && ID_NAMES.has(columns[0].toLowerCase()) ? columns[0] : undefined;
}

/** Values that number the rows: the first and last, and how many. */
export interface RowNumbers {
  /** The first value: 0 or 1. */
  readonly from: 0 | 1;
  /** The number of rows. */
  readonly rows: number;
}

/**
 * Whether values are the row numbers, 0 to n - 1 or 1 to n in order.
 *
 * @param n The number of values.
 * @param value The value of row `i`.
 * @returns Where they start and how many, or undefined.
 *
 * @example
 * ```ts
 * import { rowNumbersOf } from "./data_options.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(rowNumbersOf(3, (i) => [1, 2, 3][i]), { from: 1, rows: 3 });
 * assert.equal(rowNumbersOf(3, (i) => [1, 3, 2][i]), undefined);
 * ```
 */
export function rowNumbersOf(n: number, value: (i: number) => number): RowNumbers | undefined {
  if (n === 0) return undefined;
  const from = value(0);
  if (from !== 0 && from !== 1) return undefined;
  for (let i = 1; i < n; i++) if (value(i) !== from + i) return undefined;
  return { from, rows: n };
}

/**
 * {@linkcode rowNumbersOf} for the first column of a file read in a stream (one pass that parses
 * that column only, stopped at the first value out of order), when it is named as an identifier
 * ({@linkcode idColumn}) and is not the label: no pass otherwise.
 *
 * @param file The file.
 * @param csv Its header, delimiter and label options.
 * @param columns The header's names in the file's order.
 * @returns Where its values start and how many, or undefined (also when a cell is no number: the
 *   training's pass refuses it, in its own words).
 */
export async function streamedRowNumbers(
  file: string,
  csv: Pick<CsvStreamOptions, "header" | "delimiter"> & { readonly label?: string },
  columns: readonly string[],
): Promise<RowNumbers | undefined> {
  const id = idColumn(columns);
  const label = csv.label;
  // The label, named or by index, is not read as a feature: no warning, no pass.
  const first = label !== undefined && !columns.includes(label) && /^\d+$/.test(label) &&
    Number(label) === 0;
  if (id === undefined || label === id || first) {
    return undefined;
  }
  let next = -1, from: 0 | 1 = 0;
  try {
    const read = { header: csv.header, delimiter: csv.delimiter, label: null, features: [0] };
    for await (const batch of readCsvBatches(file, { ...read, dtype: "float64" })) {
      const v = batch.x.data;
      for (let i = 0; i < v.length; i++) {
        if (next < 0) {
          if (v[i] !== 0 && v[i] !== 1) return undefined;
          from = v[i] as 0 | 1;
          next = from;
        }
        if (v[i] !== next) return undefined;
        next++;
      }
    }
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return next < 0 ? undefined : { from, rows: next - from };
}

/**
 * The warning for a row index read as a feature ({@linkcode rowIndexColumn}, or
 * {@linkcode idColumn} with the values that number the rows).
 *
 * @param file The data file.
 * @param feature The first column's feature name.
 * @param numbers For a column named as an identifier, its values.
 * @returns The warning line.
 */
export function rowIndexWarning(file: string, feature: string, numbers?: RowNumbers): string {
  if (numbers !== undefined) {
    const name = quotedText(feature);
    return `warning: the first column of '${file}' is named ${name} and holds the row numbers ` +
      `${numbers.from} to ${numbers.from + numbers.rows - 1} in file order, as a row index ` +
      "does; it was read as a feature, from which a model learns the file's order (a file " +
      `sorted by class is classified from it): drop it (pandas: df.drop(columns=${name}); R: ` +
      `df[[${name}]] <- NULL)\n`;
  }
  return `warning: the first column of '${file}' is ${
    feature === "column_1"
      ? `unnamed or named ${quotedText(feature)} (the name an empty one is read as)`
      : `named ${quotedText(feature)}, pandas' name for an unnamed column,`
  }, as the row index that pandas' to_csv and R's write.csv write first; it was read as a ` +
    `feature: if it numbers the rows, write the file without it (pandas: ` +
    `to_csv(index=False); R: write.csv(row.names = FALSE))\n`;
}

/**
 * The names of a CSV file's columns as its header gives them, in the file's order (the last is
 * the label when none is named; the data set read does not name it), or undefined when its header
 * does not read as one line (a quoted name spanning lines, which `readCsv` reads and
 * `readCsvColumns` does not).
 *
 * @param file The file.
 * @param delimiter Its delimiter.
 * @returns The names, or undefined.
 */
export async function headerNames(
  file: string,
  delimiter: string,
): Promise<readonly string[] | undefined> {
  try {
    return await readCsvColumns(file, { delimiter });
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Column names that usually hold the label (compared in lower case). */
const LABEL_NAMES = new Set(["label", "labels", "target", "class", "y"]);

/**
 * The first of some columns named as a label usually is ("label", "target", "class", "y", in any
 * case): when no `--label` is given the last column is the label, and a numeric label elsewhere
 * would be read as a feature without a word. None when the column taken as the label is named
 * like one itself (x, y, class: the label is last, y a coordinate), and `y` is not one beside a
 * column `x` (x, y, z, species: a coordinate again).
 *
 * @param names The columns' names (without the one taken as the label).
 * @param taken The name of the column taken as the label, if known.
 * @returns The name, or undefined.
 */
export function labelLike(names: readonly string[], taken?: string): string | undefined {
  if (taken !== undefined && LABEL_NAMES.has(taken.toLowerCase())) return undefined;
  const lower = names.map((n) => n.toLowerCase());
  const coordinates = lower.includes("x");
  return names.find((_, j) => LABEL_NAMES.has(lower[j]) && !(coordinates && lower[j] === "y"));
}

/**
 * The warning for a column named like a label that was read as a feature.
 *
 * @param file The data file.
 * @param named The column, from {@linkcode labelLike}.
 * @returns The warning line.
 */
export function guessedLabelWarning(file: string, named: string): string {
  return `warning: no --label was given, so the last column of '${file}' was taken as the ` +
    `label, but column ${
      quotedText(named)
    } is named like one: give --label ${named} if it is the label\n`;
}

/**
 * The `--delimiter` of a command: a tab may be written `tab` or `\t` (a literal tab is hard to
 * type in a shell), any other delimiter as itself; checked by {@linkcode checkDelimiter}.
 *
 * @param args Parsed options including {@linkcode DATA_OPTIONS}.
 * @returns The delimiter character.
 * @throws {UsageError} If the delimiter is unusable.
 */
export function delimiterOf(args: ParsedArgs): string {
  const raw = args.string("delimiter")!;
  const delimiter = raw === "tab" || raw === "\\t" ? "\t" : raw;
  checkDelimiter(args.command ?? "lrc", delimiter);
  return delimiter;
}

/**
 * A `--delimiter` the CSV readers can use: one ASCII character that cannot be part of a number or
 * a quoted cell.
 *
 * @param command The command, for the message.
 * @param delimiter The option's value.
 * @throws {UsageError} If it is not.
 */
export function checkDelimiter(command: string, delimiter: string): void {
  if (
    delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /[0-9.+\-eE"\r\n]/.test(delimiter)
  ) {
    throw new UsageError(
      `Cannot parse arguments of '${command}': --delimiter must be one ASCII character that ` +
        "cannot be part of a number or a quoted cell (or tab), got " + JSON.stringify(delimiter),
    );
  }
}

/**
 * The refusal of `--data -` by a command other than lrc predict: standard input can be read once,
 * and these commands read their data more than once (the header, the rows, streamed training's
 * passes). A file named "-" is "./-".
 *
 * @param command The command, for the message.
 * @returns The error to throw.
 */
export function stdinDataRefused(command: string): UsageError {
  return new UsageError(
    `Cannot parse arguments of '${command}': --data - (standard input) is read by lrc ` +
      "predict only; save the data to a file and give its name (a file named '-' is ./-)",
  );
}

/**
 * Refuses data options that select nothing: `--dataset` next to `--data`, and the CSV options
 * without `--data`; checks `--delimiter`; refuses an svmlight `--data` file (by its name's ending,
 * {@linkcode svmlightRefused}), which the commands that come here read as CSV.
 *
 * @param args Parsed options including {@linkcode DATA_OPTIONS}.
 * @throws {UsageError} If one is given where it does nothing, the delimiter is unusable, or
 *   `--data` is an svmlight file.
 */
export function checkDataOptions(args: ParsedArgs): void {
  const command = args.command ?? "lrc";
  if (args.string("data") === "-") throw stdinDataRefused(command);
  // lrc train reads an svmlight file before it comes here; the other commands read CSV only.
  if (dataFormat(args) === "svmlight") throw svmlightRefused(command, args.string("data")!);
  if (args.string("data") !== undefined) {
    refuseUnused(command, args, ["dataset"], "with --data (a CSV file is the data)");
    delimiterOf(args);
  } else {
    refuseUnused(
      command,
      args,
      ["label", "no-header", "delimiter", "max-data-bytes"],
      "without --data (CSV options describe the --data file)",
    );
    refuseUnused(
      command,
      args,
      ["weight-column"],
      "without --data (it names a column of the --data file; the embedded data sets have no " +
        "weight column)",
    );
    if (args.string("dataset") === "fashion-mnist") {
      refuseUnused(
        command,
        args,
        ["test-fraction"],
        "with --dataset fashion-mnist (its own test file is the test set)",
      );
    }
  }
}

/**
 * Loads and splits the data the options select.
 *
 * @param args Parsed options including {@linkcode DATA_OPTIONS}.
 * @param io Where warnings go.
 * @param progress Where a progress line is drawn while a `--data` file of at least
 *   {@linkcode READ_PROGRESS_BYTES} is read (none without).
 * @returns Training and test parts.
 */
export async function loadData(
  args: ParsedArgs,
  io?: Pick<CliIo, "err">,
  progress?: CliIo,
): Promise<LoadedData> {
  const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
  const testFraction = args.number("test-fraction", 1e-9, 1 - 1e-9)!;
  const file = args.string("data");
  checkDataOptions(args);
  if (file === undefined && args.string("dataset") === "fashion-mnist") {
    const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
    return { source: "fashion-mnist (its own train and test files)", train, test };
  }
  let data: Dataset;
  let source: string;
  // The weight of every row, with --weight-column (taken out of the features).
  let weights: { column: string; values: Float64Array } | undefined;
  if (file !== undefined) {
    const weightColumn = args.string("weight-column");
    if (weightColumn !== undefined) {
      // Checked on the first line before the file is read: a misnamed column, or the label's,
      // is refused at once (the label's as such, not as the reader's complaint that the column
      // left among the features holds the label's text).
      const names = await firstLineNames(file, !args.flag("no-header"), delimiterOf(args));
      if (names !== undefined) {
        weightColumnName(file, { column: weightColumn, label: args.string("label"), names });
      }
    }
    const reading = progress === undefined ? undefined : createProgress(progress, true);
    const started = performance.now();
    try {
      data = await readCsv(file, {
        label: args.string("label"),
        header: !args.flag("no-header"),
        delimiter: delimiterOf(args),
        maxBytes: args.number("max-data-bytes", 1, Number.MAX_SAFE_INTEGER, true),
        ...(reading === undefined ? {} : {
          onProgress: (p) => {
            if (p.totalBytes < READ_PROGRESS_BYTES) return;
            reading.update(readingText(file, p, (performance.now() - started) / 1000));
          },
        }),
      });
    } finally {
      reading?.done();
    }
    const header = !args.flag("no-header");
    const columns = header ? await headerNames(file, delimiterOf(args)) : undefined;
    if (weightColumn !== undefined) {
      ({ data, weights } = await takeWeightColumn(file, data, {
        column: weightColumn,
        label: args.string("label"),
        columns: header ? columns : undefined,
        header,
        delimiter: delimiterOf(args),
      }));
    }
    // The first feature's values, when it is the file's first column.
    const { data: values, cols } = data.x;
    const rowNumbers = columns !== undefined && data.featureNames[0] === columns[0]
      ? rowNumbersOf(data.x.rows, (i) => values[i * cols])
      : undefined;
    checkTrainingFile(file, data, {
      label: args.string("label"),
      header,
      labelName: args.string("label") === undefined ? columns?.at(-1) : undefined,
      io,
      columns,
      dataRows: data.y.length,
      rowNumbers,
    });
    source = file;
  } else {
    const name = args.string("dataset") as EmbeddedName;
    data = await loadEmbedded(name);
    source = `${name} (embedded)`;
  }
  // The file's matrix is ours alone: its rows are moved into the two parts, not copied.
  const split = file !== undefined
    ? splitRowsInPlace(data.x, data.y, { testFraction, seed })
    : trainTestSplit(data.x, data.y, { testFraction, seed });
  let rowWeights: RowWeights | undefined;
  if (weights !== undefined) {
    // The training rows' weights, carried by the split's row indices.
    const train = Float64Array.from(split.trainIndex, (i) => weights!.values[i]);
    if (!train.some((w) => w > 0)) {
      throw weightsRefused(file!, weights.column, {
        heldOut: "another --seed or --test-fraction",
      });
    }
    const test = Float64Array.from(split.testIndex, (i) => weights!.values[i]);
    rowWeights = { column: weights.column, train, test };
  }
  return {
    source,
    train: {
      x: split.xTrain,
      y: split.yTrain,
      classes: data.classes,
      featureNames: data.featureNames,
    },
    test: { x: split.xTest, y: split.yTest },
    ...(file !== undefined && args.flag("no-header") ? { positional: true } : {}),
    ...(rowWeights === undefined ? {} : { rowWeights }),
  };
}

/** The usage error of a `--weight-column` that names no column of its own. */
function weightColumnUsage(column: string, why: string): UsageError {
  return new UsageError(`Cannot use --weight-column ${quotedText(column)}: ${why}`);
}

/** The usage error of a `--weight-column` that names the file's only feature column. */
function onlyFeature(column: string, file: string): UsageError {
  return weightColumnUsage(
    column,
    `it is the only feature column of '${file}'; no feature would be left`,
  );
}

/**
 * The names of a file's columns from its first line (`column_N` without a header), for checking
 * `--weight-column` before the file is read; undefined when the line does not read (the reader
 * then says why, or the header spans lines).
 *
 * @param file The data file.
 * @param header Whether its first line is a header.
 * @param delimiter The field delimiter.
 * @returns The names, or undefined.
 */
async function firstLineNames(
  file: string,
  header: boolean,
  delimiter: string,
): Promise<readonly string[] | undefined> {
  try {
    return await readCsvColumns(file, { header, delimiter });
  } catch {
    return undefined;
  }
}

/**
 * Why row weights read from a column are refused (in memory and streamed alike): a value that is
 * negative or not finite, a sum beyond float64, every row weighing 0, or every training row (the
 * others held out).
 *
 * @param file The data file.
 * @param column The weight column's name.
 * @param why Where a bad value is (`line 5`) and the value; or `overflowAt`, the line where the
 *   weights' sum overflows float64; or `heldOut`, what else to change when the training rows all
 *   weigh 0, and `heldOutFor`, what the others were held out for (default `testing`); none when
 *   every row weighs 0.
 * @returns The error to throw.
 */
export function weightsRefused(
  file: string,
  column: string,
  why: {
    readonly at?: string;
    readonly value?: number;
    readonly overflowAt?: string;
    readonly heldOut?: string;
    readonly heldOutFor?: string;
  },
): RangeError {
  return new RangeError(
    `Cannot use column ${quotedText(column)} of '${file}' as row weights (--weight-column): ${
      why.at !== undefined
        ? `${why.at} holds ${why.value}; weights must be finite numbers >= 0`
        : why.overflowAt !== undefined
        ? `they sum to Infinity by ${why.overflowAt}, beyond float64; scale them down (only ` +
          "their ratios matter)"
        : why.heldOut !== undefined
        ? "every training row weighs 0 (the rows that weigh more were held out for " +
          `${why.heldOutFor ?? "testing"}); ` +
          `give those rows more weight, or ${why.heldOut}`
        : "every row weighs 0; at least one must weigh more"
    }`,
  );
}

/**
 * The name of the column `--weight-column` gives, among a file's columns, checked: a column of
 * the file (a header name first, else a zero-based index), not the label column (`--label`, or
 * the last without it), not the only feature.
 *
 * @param file The file, for messages.
 * @param options The option's value, the label option, the file's column names in its order
 *   (`column_N` without a header).
 * @returns The column's name.
 * @throws {UsageError} If the column does not exist, is the label column or the only feature.
 */
export function weightColumnName(
  file: string,
  options: { readonly column: string; readonly label?: string; readonly names: readonly string[] },
): string {
  const { column, label, names } = options;
  const indexOf = (name: string) => {
    const j = names.indexOf(name);
    return j < 0 && /^\d+$/.test(name) ? Number(name) : j;
  };
  const j = indexOf(column);
  if (j < 0 || j >= names.length) {
    throw weightColumnUsage(
      column,
      `'${file}' has no column so named${
        /^\d+$/.test(column) ? ` nor a column of that index (0..${names.length - 1})` : ""
      } (columns: ${quotedList(names, 12)})`,
    );
  }
  const labelIndex = label === undefined ? names.length - 1 : indexOf(label);
  if (j === labelIndex) {
    throw weightColumnUsage(
      column,
      `it is the label column${
        label === undefined ? " (the last column, taken as the label without --label)" : ""
      }; the weights must be a column of their own`,
    );
  }
  if (names.length <= 2) throw onlyFeature(column, file);
  return names[j];
}

/**
 * The file line of a data row, read again for a message (blank lines are not data rows, so the
 * row's number is not its line's); undefined when the row is not found so: the line reader counts
 * a quoted cell that spans lines as more rows, so the row found must hold the value.
 *
 * @param file The data file.
 * @param row The data row, 0-based.
 * @param column A column of the row (zero-based in the file), the only one parsed.
 * @param value The value the row holds in that column.
 * @param options Whether the file has a header; its delimiter.
 * @returns The 1-based line, or undefined.
 */
async function lineOfRow(
  file: string,
  row: number,
  column: number,
  value: number,
  options: { readonly header: boolean; readonly delimiter?: string },
): Promise<number | undefined> {
  try {
    const batches = readCsvBatches(file, {
      label: null,
      header: options.header,
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      features: [column],
      dtype: "float64",
      batchSize: 1,
      rowFilter: (i) => i === row,
    });
    for await (const batch of batches) {
      return Object.is(batch.x.data[0], value) ? batch.lines[0] : undefined;
    }
  } catch {
    // The reader's own complaint is not this message's: the data row is given instead.
  }
  return undefined;
}

/**
 * Takes the weight column (`--weight-column`) out of a data set read from a file: its values,
 * checked (finite numbers >= 0, not all 0; the reader has refused a cell that is no finite
 * number, naming its line and value), and the data set without it. The features are moved left
 * in place, not copied.
 *
 * @param file The file, for messages.
 * @param data The data set read from it (every column but the label a feature); its matrix is
 *   rearranged.
 * @param options The option's value (a header name or a zero-based index of the file's columns),
 *   the label option, the header's names in the file's order (undefined without a header, or
 *   for a header that does not read as one line: then only a name is taken), whether the file
 *   has a header, its delimiter (to find the line of a negative weight).
 * @returns The data set without the column, and the column's name and values.
 * @throws {UsageError} If the column does not exist, is the label column or the only feature.
 * @throws {RangeError} If a weight is negative or not finite, or every weight is 0.
 */
export async function takeWeightColumn(
  file: string,
  data: Dataset,
  options: {
    readonly column: string;
    readonly label?: string;
    readonly columns?: readonly string[];
    readonly header: boolean;
    readonly delimiter?: string;
  },
): Promise<{ data: Dataset; weights: { column: string; values: Float64Array } }> {
  const { column, label } = options;
  const d = data.x.cols;
  // The file's columns: the header's names, or the positions a file without one is named by.
  const names = options.columns ??
    (options.header ? undefined : Array.from({ length: d + 1 }, (_, j) => `column_${j + 1}`));
  let name: string;
  if (names === undefined) {
    // A header read over several lines: the name only.
    if (!data.featureNames.includes(column)) {
      throw weightColumnUsage(
        column,
        `'${file}' has no feature column so named (columns: ${
          quotedList(data.featureNames, 12)
        }); name it as the header does`,
      );
    }
    name = column;
  } else {
    name = weightColumnName(file, { column, label, names });
  }
  const f = data.featureNames.indexOf(name);
  if (d === 1) throw onlyFeature(column, file);
  const { rows } = data.x;
  const x = data.x.data;
  const values = new Float64Array(rows);
  let positive = false;
  for (let i = 0; i < rows; i++) {
    const w = x[i * d + f];
    if (!(w >= 0 && w < Infinity)) {
      const line = names === undefined
        ? undefined
        : await lineOfRow(file, i, names.indexOf(name), w, options);
      throw weightsRefused(file, name, {
        at: line === undefined
          ? `data row ${i + 1} (counted from 1${options.header ? " after the header" : ""})`
          : `line ${line}`,
        value: w,
      });
    }
    values[i] = w;
    if (w > 0) positive = true;
  }
  if (!positive) throw weightsRefused(file, name, {});
  // Each row without the column, moved left over the rows before it (never over its own unread
  // values: row i's target ends at (i + 1) * (d - 1), before row i + 1 starts).
  for (let i = 0; i < rows; i++) {
    x.copyWithin(i * (d - 1), i * d, i * d + f);
    x.copyWithin(i * (d - 1) + f, i * d + f + 1, (i + 1) * d);
  }
  return {
    data: {
      ...data,
      x: { data: x.subarray(0, rows * (d - 1)), rows, cols: d - 1 },
      featureNames: data.featureNames.filter((_, k) => k !== f),
    },
    weights: { column: name, values },
  };
}

/**
 * The parts {@linkcode trainTestSplit} makes, the same rows in the same order, made by moving the
 * rows of `x` instead of copying them: its rows are rearranged in place, the training rows first,
 * and the parts are views of its data (the training part from its start, the test part after it).
 * For a matrix nothing else holds: the memory of the split is a row, not a second matrix.
 *
 * @param x Features, shape `(nSamples, nFeatures)`; rearranged.
 * @param y Class indices, shape `(nSamples)`; not changed.
 * @param options Test fraction, seed, stratification, as for `trainTestSplit`.
 * @returns Both parts and the training and test rows' indices in `x` as it was, as
 *   `trainTestSplit` returns them.
 * @throws {TypeError} As `trainTestSplit`.
 * @throws {RangeError} As `trainTestSplit`.
 */
export function splitRowsInPlace<T extends FloatArray>(
  x: Matrix<T>,
  y: Int32Array,
  options: SplitOptions,
): Pick<Split<T>, "xTrain" | "yTrain" | "xTest" | "yTest" | "trainIndex" | "testIndex"> {
  assertMatrix("split data", "x", x);
  // The split of a matrix of no columns: its rows (indices and labels) without copying any value.
  const s = trainTestSplit({ data: x.data.subarray(0, 0) as T, rows: x.rows, cols: 0 }, y, options);
  const { data, cols } = x;
  const nTrain = s.trainIndex.length;
  // Position k takes row from[k]: each cycle of that permutation is followed once, one row held.
  const from = new Int32Array(x.rows);
  from.set(s.trainIndex);
  from.set(s.testIndex, nTrain);
  const done = new Uint8Array(x.rows);
  const held = data.slice(0, cols) as T;
  for (let start = 0; start < x.rows; start++) {
    if (done[start] === 1) continue;
    done[start] = 1;
    if (from[start] === start) continue;
    held.set(data.subarray(start * cols, (start + 1) * cols));
    let k = start;
    while (from[k] !== start) {
      const next = from[k];
      data.copyWithin(k * cols, next * cols, (next + 1) * cols);
      done[next] = 1;
      k = next;
    }
    data.set(held, k * cols);
  }
  return {
    xTrain: { data: data.subarray(0, nTrain * cols) as T, rows: nTrain, cols },
    yTrain: s.yTrain,
    xTest: { data: data.subarray(nTrain * cols) as T, rows: x.rows - nTrain, cols },
    yTest: s.yTest,
    trainIndex: s.trainIndex,
    testIndex: s.testIndex,
  };
}

/**
 * Whether names a model does not find in a file hold U+FFFD: read by a model trained before
 * header names holding it were refused (a Latin-1 or Windows-1252 file's accents read as UTF-8),
 * they match no header the readers take now, unless they hold U+FFFD written in UTF-8, which the
 * readers of files take ({@linkcode NOT_UTF8_MODEL} says what to do in either case).
 *
 * @param missing The model's names the file does not give.
 * @returns Whether one holds U+FFFD.
 */
export function notUtf8Names(missing: readonly string[]): boolean {
  return missing.some((n) => n.includes("\ufffd"));
}

/** What to do about a model whose names hold U+FFFD ({@linkcode notUtf8Names}). */
export const NOT_UTF8_MODEL = "the model's names holding U+FFFD were probably read from a file " +
  "that is not UTF-8, a header no reader takes now: train the model again on the file converted " +
  "to UTF-8 (iconv -f windows-1252 -t utf-8); if they hold U+FFFD written in UTF-8, name the " +
  "columns as the model does";

/**
 * The loaded data as a loaded model takes them, matched as `lrc predict` matches them: when the
 * data name every feature of the model, the columns those names select, in the model's order
 * (whatever the data's order; a reduced model of structured pruning takes fewer); when they name
 * none of them, or the file has no header, the columns by position, which needs the model's width
 * (the data then take the model's feature names; a header that names none is said in `source`).
 * A model that names a feature twice is matched by position only. The class labels are matched by
 * name, as `lrc predict` matches them: the data must hold the model's labels, all of them and no
 * other, in any order ({@linkcode checkModelClasses}); listed in another order, the data's class
 * indices (training and test rows) are renumbered in the model's order, so that its outputs are
 * read as the right classes (`source` says so, `dataClasses` keeps the data's order).
 *
 * @param model The model.
 * @param data The data.
 * @param file The model's file, for messages.
 * @returns The data the model applies to.
 * @throws {TypeError} If the features cannot be matched or the class labels differ.
 */
export function dataForModel(model: LogisticModel, data: LoadedData, file: string): LoadedData {
  const cols = data.train.x.cols;
  // A headerless file's names are made-up positions (which move with the label column): at the
  // model's width they are matched by position; a reduced model (structured pruning) of such a
  // file still names the positions it keeps.
  const byName = !data.positional || model.weights.cols !== cols;
  const names = new Set(byName ? data.train.featureNames : []);
  const missing = model.featureNames.filter((n) => !names.has(n));
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot apply '${file}' to ${data.source}: ${reason}`);
  };
  let columns: Int32Array | null = null;
  if (missing.length === 0) {
    const twice = repeatedName(model.featureNames);
    if (twice !== undefined) {
      fail(
        `the model names feature ${
          quotedText(twice)
        } twice, so it cannot be matched to columns by name`,
      );
    }
    columns = featureIndices(model, data.train.featureNames);
    if (columns.length === cols && columns.every((j, k) => j === k)) columns = null;
  } else if (missing.length < model.featureNames.length) {
    fail(
      `the data name ${model.featureNames.length - missing.length} of the model's features ` +
        `but not ${quotedList(missing)}; ${
          notUtf8Names(missing) ? NOT_UTF8_MODEL : "name the columns as the model does"
        }`,
    );
  } else if (model.weights.cols !== cols) {
    fail(`the model takes ${counted(model.weights.cols, "feature")}, the data have ${cols}`);
  }
  const order = checkModelClasses(model, data, file);
  const matched = matchedColumns(model, data, { columns, missing });
  return order === null ? matched : inModelClassOrder(matched, model.classes, order);
}

/** The data's columns as {@linkcode dataForModel} matched them to the model's features. */
function matchedColumns(
  model: LogisticModel,
  data: LoadedData,
  match: { readonly columns: Int32Array | null; readonly missing: readonly string[] },
): LoadedData {
  const { columns, missing } = match;
  const cols = data.train.x.cols;
  if (columns === null) {
    // By position (or by name in the same order): the columns are the model's features. A
    // header that names none of them is said, as predict says it: its names were not used.
    const named = missing.length === 0 || data.positional;
    return {
      ...data,
      ...(named ? {} : {
        source: `${data.source}, its columns by position (its header names none of the ` +
          "model's features)",
      }),
      train: { ...data.train, featureNames: model.featureNames },
      matched: missing.length === 0 ? "same" : "position",
    };
  }
  const reordered = columns.length === cols;
  return {
    matched: reordered ? "reordered" : "subset",
    source:
      (reordered
        ? `${data.source}, its columns in the model's order`
        : `${data.source}, the ${columns.length} features the model takes`) +
      // Made-up names of positions, the label's column counted: nothing checks the layout.
      (data.positional
        ? " (named by their positions in a file without a header: the label must be in the " +
          "column it was in when the model was made)"
        : ""),
    train: {
      ...data.train,
      x: selectFeatures(data.train.x, columns),
      featureNames: model.featureNames,
    },
    test: { x: selectFeatures(data.test.x, columns), y: data.test.y },
    ...(data.rowWeights === undefined ? {} : { rowWeights: data.rowWeights }),
  };
}

/**
 * The first name that appears twice in `names`: a model with such feature names cannot be
 * matched to columns by name (both of its features would read the one column so named).
 *
 * @param names The names.
 * @returns The name, or `undefined` if none repeats.
 */
export function repeatedName(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * Matches a loaded model's class labels to the data's by name: the data must hold the model's
 * labels, all of them and no other, in any order. A label the model lacks has no output to be
 * read as; a class of the model the data lack is refused too, as prune, quantize and compress
 * fine-tune and measure the model on the data (`lrc predict`, which only applies it, takes such
 * data).
 *
 * @param model The model.
 * @param data The loaded data.
 * @param file The model's file, for the message.
 * @returns For each of the data's classes, its index among the model's, or `null` when the model
 *   lists them in the data's order.
 * @throws {TypeError} If the labels differ, naming those the data hold that the model lacks and
 *   those of the model the data lack.
 */
export function checkModelClasses(
  model: LogisticModel,
  data: LoadedData,
  file: string,
): Int32Array | null {
  const a = model.classes, b = data.train.classes;
  if (a.length === b.length && a.every((c, i) => c === b[i])) return null;
  const index = new Map(a.map((c, k) => [c, k]));
  const theirs = new Set(b);
  const extra = b.filter((c) => !index.has(c));
  const absent = a.filter((c) => !theirs.has(c));
  if (extra.length > 0 || absent.length > 0) {
    const named = (labels: readonly string[]) =>
      labels.length === 1 ? `class ${quotedText(labels[0])}` : `classes ${quotedList(labels)}`;
    const differ = [
      ...(extra.length > 0 ? [`the data hold ${named(extra)}, which the model lacks`] : []),
      ...(absent.length > 0
        ? [`${extra.length > 0 ? "they lack" : "the data lack"} the model's ${named(absent)}`]
        : []),
    ].join(", and ");
    throw new TypeError(
      `Cannot apply '${file}' to ${data.source}: ${differ}; the data must hold the model's ` +
        "classes, all of them and no other (in any order)",
    );
  }
  return Int32Array.from(b, (c) => index.get(c)!);
}

/**
 * The data with their class indices renumbered in a model's order (training and test rows; the
 * row weights stay with their rows).
 */
function inModelClassOrder(
  data: LoadedData,
  classes: readonly string[],
  order: Int32Array,
): LoadedData {
  const renumber = (y: Int32Array) => Int32Array.from(y, (c) => order[c]);
  return {
    ...data,
    source: `${data.source}, its classes in the model's order (${quotedList(classes)})`,
    train: { ...data.train, y: renumber(data.train.y), classes },
    test: { x: data.test.x, y: renumber(data.test.y) },
    dataClasses: data.train.classes,
  };
}

/** The training rows {@linkcode validationParts} gives a compression session, and its options. */
export interface ValidationParts {
  /** The rows the session trains on (all training rows when it splits them itself). */
  readonly data: Dataset;
  /**
   * The session's options: the fraction it splits off, or the validation rows split off here
   * (with their weights under weighted metrics) and the weights of the rows it trains on.
   */
  readonly options:
    | { readonly validationFraction: number }
    | {
      readonly validation: {
        readonly x: Matrix;
        readonly y: Int32Array;
        readonly sampleWeight?: Float64Array;
      };
      readonly sampleWeight?: Float64Array;
    };
}

/**
 * The training rows `lrc compress` gives its session, and how validation rows are split off them:
 * `fraction` of them, split by the session (stratified, seeded). For data that
 * {@linkcode dataForModel} took in a loaded model's class order (`dataClasses`), the session's
 * stratified split would take the classes in the model's order and hold out other rows than for a
 * model listing its classes in the data's order; the split is then made here as the session makes
 * it, in the data's order, and the session is given the parts: the same rows are held out whatever
 * the order of the model's classes.
 *
 * @param data The loaded data, as the model takes them.
 * @param options The fraction split off, the seed, and whether the validation metrics are
 *   weighted (the validation rows then carry their row weights).
 * @returns The session's training data and options.
 */
export function validationParts(
  data: LoadedData,
  options: { readonly fraction: number; readonly seed: number; readonly weightedMetrics: boolean },
): ValidationParts {
  const own = data.dataClasses;
  if (own === undefined) {
    return { data: data.train, options: { validationFraction: options.fraction } };
  }
  const { x, y, classes } = data.train;
  const index = new Map(own.map((c, k) => [c, k]));
  const back = Int32Array.from(classes, (c) => index.get(c)!);
  const split = trainTestSplit(x, Int32Array.from(y, (c) => back[c]), {
    testFraction: options.fraction,
    seed: options.seed,
  });
  const rows = (at: Int32Array) => Int32Array.from(at, (i) => y[i]);
  const weights = data.rowWeights?.train;
  const of = (at: Int32Array) => Float64Array.from(at, (i) => weights![i]);
  // As the session refuses its own split's (in its words).
  if (options.weightedMetrics && weights && !of(split.testIndex).some((v) => v > 0)) {
    throw new RangeError(
      "Cannot compress model: every validation row weighs 0 (the sampleWeight of the " +
        `${counted(split.testIndex.length, "row")} validationFraction ${options.fraction} splits ` +
        "off), so weightedMetrics has nothing to measure; give another seed or " +
        "validationFraction, or validation data",
    );
  }
  return {
    data: { ...data.train, x: split.xTrain, y: rows(split.trainIndex) },
    options: {
      validation: {
        x: split.xTest,
        y: rows(split.testIndex),
        ...(options.weightedMetrics && weights ? { sampleWeight: of(split.testIndex) } : {}),
      },
      ...(weights ? { sampleWeight: of(split.trainIndex) } : {}),
    },
  };
}
