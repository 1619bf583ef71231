/**
 * svmlight / libsvm data files on the command line: `--format`, `--zero-based` and `--features`;
 * reading a `--data` file into sparse (CSR) training and test rows for `lrc train`, or into CSR
 * rows matched to a model's features by index for `lrc predict` and `lrc threshold`; and the
 * refusal of svmlight files by the commands that read CSV only (prune, quantize, compress,
 * export).
 *
 * A model trained on an svmlight file names its features by their index as the file writes it
 * (`"1"` to `"d"` for a one-based file, `"0"` to `"d - 1"` for a zero-based one: the reader's
 * names), so `lrc predict --zero-based auto` reads another file with the base the model was
 * trained with, not one guessed again from the file.
 *
 * @module
 */

import type { CsrMatrix } from "../core/sparse.ts";
import { csrTakeRows, csrToDense } from "../core/sparse.ts";
import type { Matrix } from "../core/matrix.ts";
import { counted, quotedList, quotedText } from "../core/validate.ts";
import { classIndexOf } from "../data/dataset.ts";
import { trainTestSplit } from "../data/preprocess.ts";
import {
  DEFAULT_MAX_SVMLIGHT_FEATURES,
  readSvmlight,
  type SparseDataset,
} from "../data/svmlight.ts";
import { type OptionSpec, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import { count, int } from "./format.ts";

/** The file name endings read as svmlight without `--format` (compared in lower case). */
export const SVMLIGHT_EXTENSIONS: readonly string[] = [".svm", ".svmlight", ".libsvm"];

/** `--format` of the commands that read svmlight files (train, predict, threshold). */
export const FORMAT_OPTION: Readonly<Record<string, OptionSpec>> = {
  format: {
    type: "string",
    value: "NAME",
    choices: ["csv", "svmlight"],
    help: "format of --data (default: svmlight for a file whose name ends in .svm, .svmlight " +
      "or .libsvm, CSV otherwise); svmlight (libsvm) is one row a line, the label then " +
      "index:value pairs, read as sparse (CSR) rows",
  },
};

/** `--zero-based`, as `lrc train` reads it. */
export const ZERO_BASED_TRAIN_OPTION: Readonly<Record<string, OptionSpec>> = {
  "zero-based": {
    type: "string",
    value: "WHEN",
    choices: ["auto", "yes", "no"],
    default: "auto",
    help: "svmlight --data: whether its feature indices count from 0 (yes) or from 1 (no); " +
      "auto: from 1 unless some index is 0 (scikit-learn's rule: say which when you know, as a " +
      "one-based file that never uses its first feature would read shifted by one); the " +
      "model's features are named by their index in the file",
  },
};

/** `--zero-based`, as `lrc predict` and `lrc threshold` read it. */
export const ZERO_BASED_MODEL_OPTION: Readonly<Record<string, OptionSpec>> = {
  "zero-based": {
    type: "string",
    value: "WHEN",
    choices: ["auto", "yes", "no"],
    default: "auto",
    help: "svmlight --data: whether its feature indices count from 0 (yes) or from 1 (no); " +
      "auto: as the model was trained, when it was trained on svmlight (its features named 0 " +
      "to d-1, or 1 to d), else from 1 unless some index is 0 (scikit-learn's rule); feature " +
      "j of the file (from the first) is the model's feature j",
  },
};

/** `--features`, of `lrc train`. */
export const FEATURES_OPTION: Readonly<Record<string, OptionSpec>> = {
  features: {
    type: "string",
    value: "N",
    help: "svmlight --data: the number of features (at least the largest index's; default: " +
      "the largest index in the file, up to 1048576 = 2^20: give --features for a wider " +
      "file), so that the model takes files whose highest features this one lacks",
  },
};

/** The format of `--data`. */
export type DataFormat = "csv" | "svmlight";

/**
 * Whether a file name ends in one of {@linkcode SVMLIGHT_EXTENSIONS} (any case).
 *
 * @param path The file name.
 * @returns The ending, or `undefined`.
 *
 * @example
 * ```ts
 * import { svmlightExtension } from "./svmlight_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(svmlightExtension("news.train.SVM"), ".svm");
 * assert.equal(svmlightExtension("data.csv"), undefined);
 * ```
 */
export function svmlightExtension(path: string): string | undefined {
  const lower = path.toLowerCase();
  return SVMLIGHT_EXTENSIONS.find((e) => lower.endsWith(e));
}

/**
 * The format of `--data`: `--format` when given (a command without the option reads none), else
 * svmlight for a name with an svmlight ending, else CSV.
 *
 * @param args Parsed options.
 * @returns The format, or `undefined` without `--data`.
 */
export function dataFormat(args: ParsedArgs): DataFormat | undefined {
  const file = args.string("data");
  if (file === undefined) return undefined;
  const given = args.string("format");
  if (given === "csv" || given === "svmlight") return given;
  return file !== "-" && svmlightExtension(file) !== undefined ? "svmlight" : "csv";
}

/** Why `--data` is read as svmlight, for messages. */
function formatReason(args: ParsedArgs, file: string): string {
  return args.given("format")
    ? "--format svmlight"
    : `by its name's ending ${svmlightExtension(file)}`;
}

/**
 * The refusal of an svmlight `--data` file by a command that reads CSV only (prune, quantize,
 * compress, export): what to do instead.
 *
 * @param command The command.
 * @param file The file.
 * @returns The error to throw.
 */
export function svmlightRefused(command: string, file: string): UsageError {
  return new UsageError(
    `Cannot read --data '${file}' in lrc ${command}: it is taken as svmlight (libsvm) data by ` +
      `its name's ending ${svmlightExtension(file)}, which lrc train, lrc predict and lrc ` +
      `threshold read (as sparse rows); lrc ${command} reads CSV only: convert the file to CSV ` +
      "(scikit-learn: load_svmlight_file, then the rows of X.toarray() and y), or train and " +
      "predict on it; a CSV file so named needs another name",
  );
}

/** The options of `lrc train` that describe a CSV file, or read it otherwise than in memory. */
const CSV_ONLY_TRAIN: readonly string[] = ["label", "no-header", "delimiter", "weight-column"];

/**
 * Checks the data-format options of `lrc train` before anything is read: `--format`,
 * `--zero-based` and `--features` need `--data` (the last two an svmlight one); an svmlight file
 * takes no CSV option (`--label`, `--no-header`, `--delimiter`, `--weight-column`), is not
 * streamed (`--stream`), and takes neither `--cv-folds` (cross-validation refuses sparse rows)
 * nor `--threshold-target` (choose it afterwards with lrc threshold), nor `--dataset`.
 *
 * @param args Parsed options of `lrc train`.
 * @returns The format of `--data`, or `undefined` without it.
 * @throws {UsageError} If an option does not apply.
 */
export function checkTrainFormat(args: ParsedArgs): DataFormat | undefined {
  const command = "train";
  const format = dataFormat(args);
  if (format === undefined) {
    refuseUnused(command, args, ["format"], "without --data (it says how --data is written)");
  }
  if (format !== "svmlight") {
    refuseUnused(
      command,
      args,
      ["zero-based", "features"],
      format === undefined
        ? "without --data (they describe an svmlight --data file)"
        : "to a CSV --data file (they describe an svmlight one; give --format svmlight if it " +
          "is one)",
    );
    return format;
  }
  const file = args.string("data")!;
  if (file === "-") {
    throw new UsageError(
      `Cannot parse arguments of '${command}': --data - (standard input) is read by lrc ` +
        "predict only; save the data to a file and give its name (a file named '-' is ./-)",
    );
  }
  const why = formatReason(args, file);
  refuseUnused(
    command,
    args,
    CSV_ONLY_TRAIN,
    `to an svmlight --data file (${why}): each of its lines is the label, then index:value ` +
      "pairs; it has no columns to name or delimit, nor a weight column",
  );
  refuseUnused(command, args, ["dataset"], "with --data (the file is the data)");
  refuseUnused(
    command,
    args,
    ["stream"],
    `to an svmlight --data file (${why}): it is read into memory as sparse rows (streaming ` +
      "reads CSV); raise --max-data-bytes for a larger file",
  );
  refuseUnused(
    command,
    args,
    ["cv-folds", "cv-lambdas", "cv-scoring", "cv-rule"],
    `to an svmlight --data file (${why}): cross-validation does not take sparse rows; give ` +
      "--lambda, or convert the file to CSV",
  );
  refuseUnused(
    command,
    args,
    ["threshold-target", "validation-fraction"],
    `to an svmlight --data file (${why}): train, then choose the threshold with lrc ` +
      "threshold --model FILE --target T --data VALIDATION.svm",
  );
  return format;
}

/**
 * Checks the data-format options of `lrc predict` and `lrc threshold`: `--zero-based` describes
 * an svmlight file only; an svmlight file takes none of the CSV options given, and not standard
 * input.
 *
 * @param args Parsed options.
 * @param command The command's name.
 * @param csvOnly The command's options that describe a CSV file.
 * @returns The format of `--data`, or `undefined` without it.
 * @throws {UsageError} If an option does not apply.
 */
export function checkModelDataFormat(
  args: ParsedArgs,
  command: string,
  csvOnly: readonly string[],
): DataFormat | undefined {
  const format = dataFormat(args);
  if (format === undefined) {
    refuseUnused(
      command,
      args,
      ["format", "zero-based"],
      "without --data (they describe the --data file)",
    );
    return format;
  }
  if (format === "csv") {
    refuseUnused(
      command,
      args,
      ["zero-based"],
      "to a CSV --data file (it describes an svmlight one; give --format svmlight if it is one)",
    );
    return format;
  }
  const file = args.string("data")!;
  if (file === "-") {
    throw new UsageError(
      `Cannot parse arguments of '${command}': --data - (standard input) is read as CSV; save ` +
        "the svmlight data to a file and name it",
    );
  }
  refuseUnused(
    command,
    args,
    csvOnly,
    `to an svmlight --data file (${formatReason(args, file)}): each of its lines is the label, ` +
      "then index:value pairs; it has no columns to name or delimit, nor a weight column",
  );
  return format;
}

/** `--zero-based` as the reader takes it. */
function zeroBasedOf(args: ParsedArgs): boolean | "auto" {
  const v = args.string("zero-based") ?? "auto";
  return v === "yes" ? true : v === "no" ? false : "auto";
}

/** The index base a data set was read with (the reader's names: `"0"` first for zero-based). */
function isZeroBased(data: Pick<SparseDataset, "featureNames">): boolean {
  return data.featureNames.length === 0 || data.featureNames[0] === "0";
}

/** Sparse training and test rows read from an svmlight file. */
export interface SparseLoadedData {
  /** The file, as given. */
  readonly source: string;
  /** The training rows: CSR features, class indices, classes and feature names. */
  readonly train: {
    readonly x: CsrMatrix;
    readonly y: Int32Array;
    readonly classes: readonly string[];
    readonly featureNames: readonly string[];
  };
  /** The test rows. */
  readonly test: { readonly x: CsrMatrix; readonly y: Int32Array };
  /** The file as read: its index base, how it was chosen, its shape and stored values. */
  readonly file: SvmlightFileFacts;
}

/** What the report says of an svmlight file read. */
export interface SvmlightFileFacts {
  /** Whether its indices were read as counting from 0. */
  readonly zeroBased: boolean;
  /** How: `--zero-based yes`/`no`, the model's feature names, or scikit-learn's rule. */
  readonly base: "given" | "model" | "auto";
  /** Its rows. */
  readonly rows: number;
  /** Its features (columns of the CSR matrix). */
  readonly cols: number;
  /** Its stored values (`index:value` pairs). */
  readonly stored: number;
}

/**
 * The phrase the reports give an svmlight file: e.g. `svmlight, indices one-based by
 * scikit-learn's rule, 8,120 stored values (4.76 % of 569 x 30)`.
 *
 * @param facts The file as read.
 * @returns The phrase.
 */
export function svmlightText(facts: SvmlightFileFacts): string {
  const how = facts.base === "given"
    ? "as --zero-based says"
    : facts.base === "model"
    ? "as the model's feature names say"
    : "by scikit-learn's rule";
  const cells = facts.rows * facts.cols;
  const share = cells > 0
    ? ` (${Number((100 * facts.stored / cells).toPrecision(3))} % of ` +
      `${int(facts.rows)} x ${int(facts.cols)})`
    : "";
  return `svmlight, indices ${facts.zeroBased ? "zero" : "one"}-based ${how}, ` +
    `${count(facts.stored, "stored value")}${share}`;
}

/** The end of `readSvmlight`'s refusal of an index beyond its `maxFeatures`. */
const MAX_FEATURES_REFUSAL =
  /needs more than maxFeatures (\d+) columns; raise maxFeatures to read it$/;

/**
 * Reads the file whole, refusing one above `maxBytes` in the words of the command line.
 */
async function readFile(
  file: string,
  options: { zeroBased: boolean | "auto"; nFeatures?: number; maxBytes: number; command: string },
): Promise<SparseDataset> {
  let size: number | undefined;
  try {
    size = (await Deno.stat(file)).size;
  } catch {
    // The reader names a file it cannot find.
  }
  if (size !== undefined && size > options.maxBytes) {
    throw new RangeError(
      `Cannot read svmlight '${file}': it is ${int(size)} bytes, more than --max-data-bytes ` +
        `${int(options.maxBytes)}; an svmlight file is read into memory whole (lrc ` +
        `${options.command} streams CSV only): raise --max-data-bytes`,
    );
  }
  try {
    return await readSvmlight(file, {
      zeroBased: options.zeroBased,
      maxBytes: Number.MAX_SAFE_INTEGER,
      // --features is the width asked for: it raises the limit on the columns to itself.
      ...(options.nFeatures === undefined ? {} : {
        nFeatures: options.nFeatures,
        maxFeatures: Math.max(options.nFeatures, DEFAULT_MAX_SVMLIGHT_FEATURES),
      }),
    });
  } catch (error) {
    // The reader names its own options: on the command line it is --features.
    if (error instanceof RangeError && / more than nFeatures \d+$/.test(error.message)) {
      throw new RangeError(error.message.replace(/nFeatures (\d+)$/, "--features $1"));
    }
    if (error instanceof RangeError && MAX_FEATURES_REFUSAL.test(error.message)) {
      throw new RangeError(
        error.message.replace(
          MAX_FEATURES_REFUSAL,
          "needs more than $1 features, the most read without --features; give --features N " +
            "(the number of features) to read it",
        ),
      );
    }
    throw error;
  }
}

/**
 * Reads `lrc train`'s svmlight `--data` file (`--zero-based`, `--features`, `--max-data-bytes`)
 * and splits its rows into training and test rows as a CSV file's are split: the same stratified,
 * seeded `trainTestSplit` of the labels (`--test-fraction`, `--seed`), so a CSV file of the same
 * rows gives the same parts; each part is taken with `csrTakeRows`.
 *
 * @param args Parsed options of `lrc train`.
 * @returns The parts, and what the report says of the file.
 * @throws {RangeError} If the file is larger than `--max-data-bytes`, has an index beyond
 *   `--features`, or its labels hold a single class; as `readSvmlight` otherwise.
 * @throws {SyntaxError} As `readSvmlight`.
 */
export async function loadSvmlightData(args: ParsedArgs): Promise<SparseLoadedData> {
  const file = args.string("data")!;
  const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
  const testFraction = args.number("test-fraction", 1e-9, 1 - 1e-9)!;
  const nFeatures = args.number("features", 1, 2 ** 31 - 1, true);
  const zeroBased = zeroBasedOf(args);
  const data = await readFile(file, {
    zeroBased,
    ...(nFeatures === undefined ? {} : { nFeatures }),
    maxBytes: args.number("max-data-bytes", 1, Number.MAX_SAFE_INTEGER, true)!,
    command: "train",
  });
  if (data.classes.length < 2) {
    throw new RangeError(
      `Cannot use '${file}' as training data: its labels hold a single class (${
        quotedText(data.classes[0])
      }); at least two are needed`,
    );
  }
  const { x, y } = data;
  // The split of a matrix of no columns: its rows, as the CSV path's splitRowsInPlace takes them.
  const s = trainTestSplit({ data: new Float64Array(0), rows: x.rows, cols: 0 }, y, {
    testFraction,
    seed,
  });
  return {
    source: file,
    train: {
      x: csrTakeRows(x, s.trainIndex),
      y: s.yTrain,
      classes: data.classes,
      featureNames: data.featureNames,
    },
    test: { x: csrTakeRows(x, s.testIndex), y: s.yTest },
    file: {
      zeroBased: isZeroBased(data),
      base: zeroBased === "auto" ? "auto" : "given",
      rows: x.rows,
      cols: x.cols,
      stored: x.indices.length,
    },
  };
}

/**
 * The index base a model trained on svmlight was trained with, from its feature names: `true`
 * for `"0"` to `"d - 1"`, `false` for `"1"` to `"d"`, `undefined` for other names (a model
 * trained on CSV).
 *
 * @param featureNames The model's feature names.
 * @returns The base, or `undefined`.
 *
 * @example
 * ```ts
 * import { modelIndexBase } from "./svmlight_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(modelIndexBase(["1", "2", "3"]), false);
 * assert.equal(modelIndexBase(["0", "1"]), true);
 * assert.equal(modelIndexBase(["mean radius", "mean texture"]), undefined);
 * ```
 */
export function modelIndexBase(featureNames: readonly string[]): boolean | undefined {
  const from = (base: number) => featureNames.every((n, j) => n === String(j + base));
  if (featureNames.length === 0) return undefined;
  return from(0) ? true : from(1) ? false : undefined;
}

/** An svmlight file's rows as a model takes them. */
export interface SvmlightRows {
  /** Features, shape `(nSamples, model's nFeatures)`, in CSR form. */
  readonly x: CsrMatrix;
  /** The file's label of each row, as written (canonical for numbers: see `encodeLabels`). */
  readonly labels: readonly string[];
  /** The file as read. */
  readonly file: SvmlightFileFacts;
}

/**
 * The line of a file on which its sample `sample` (0-based) is, for messages: the reader skips
 * blank and comment-only lines, so a sample's number is not its line's.
 *
 * @param file The svmlight file.
 * @param sample The sample.
 * @returns The 1-based line.
 */
export async function sampleLine(file: string, sample: number): Promise<number> {
  const lines = (await Deno.readTextFile(file)).split(/\r\n|\n|\r/);
  let seen = -1;
  for (let l = 0; l < lines.length; l++) {
    const hash = lines[l].indexOf("#");
    const text = hash >= 0 ? lines[l].slice(0, hash) : lines[l];
    // \s takes the byte-order mark, which the reader reads as a blank.
    if (/\S/.test(text) && ++seen === sample) return l + 1;
  }
  return lines.length;
}

/**
 * Reads an svmlight file whole for a model of `featureNames`, matched by index: the file's
 * feature `j` (counted from its first, whichever the base) is the model's feature `j`. The base
 * is `--zero-based`'s, or under `auto` the model's when it was trained on svmlight
 * ({@linkcode modelIndexBase}), else scikit-learn's rule. A file with an index beyond the model's
 * features is refused, naming its line; one that uses fewer takes the model's width. Without
 * `noLabel`, every label must be one of the model's classes (as `classIndexOf` matches them).
 *
 * @param file The file.
 * @param model The model's feature names and classes.
 * @param options `--zero-based`, whether labels are ignored, what the command could not do (for
 *   messages).
 * @returns The rows, labels and what the report says of the file.
 * @throws {RangeError} If an index is beyond the model's features, or a label is not one of the
 *   model's classes.
 * @throws {SyntaxError} As `readSvmlight`.
 */
export async function svmlightRowsForModel(
  file: string,
  model: { readonly featureNames: readonly string[]; readonly classes: readonly string[] },
  options: { readonly zeroBased: string; readonly noLabel: boolean; readonly action: string },
): Promise<SvmlightRows> {
  const given = options.zeroBased === "yes" ? true : options.zeroBased === "no" ? false : "auto";
  const fromModel = given === "auto" ? modelIndexBase(model.featureNames) : undefined;
  const zeroBased = fromModel ?? given;
  const d = model.featureNames.length;
  let data: SparseDataset;
  try {
    // An index beyond the model's features is refused below, naming the model; one beyond the
    // reader's limit too (the model's width + 1 at least) is refused as it is read.
    data = await readSvmlight(file, {
      zeroBased,
      maxBytes: Number.MAX_SAFE_INTEGER,
      maxFeatures: Math.max(d + 1, DEFAULT_MAX_SVMLIGHT_FEATURES),
    });
  } catch (error) {
    const m = error instanceof RangeError
      ? new RegExp(
        `: line (\\d+), column \\d+: feature index (\\d+) ${MAX_FEATURES_REFUSAL.source}`,
      )
        .exec(error.message)
      : null;
    if (m === null) throw error;
    throw new RangeError(
      `Cannot ${options.action}: line ${m[1]} of '${file}' has feature index ${m[2]}, beyond ` +
        `the model's ${
          counted(d, "feature")
        }: an svmlight file's features are matched to the model's by index`,
    );
  }
  const zero = typeof zeroBased === "boolean" ? zeroBased : isZeroBased(data);
  const facts: SvmlightFileFacts = {
    zeroBased: zero,
    base: given !== "auto" ? "given" : fromModel !== undefined ? "model" : "auto",
    rows: data.x.rows,
    cols: d,
    stored: data.x.indices.length,
  };
  const { x } = data;
  if (x.cols > d) {
    // The first stored entry beyond the model's features, and its row.
    let p = 0;
    while (x.indices[p] < d) p++;
    let row = 0;
    while (x.indptr[row + 1] <= p) row++;
    const shift = zero ? 0 : 1;
    const line = await sampleLine(file, row);
    throw new RangeError(
      `Cannot ${options.action}: line ${line} of '${file}' has feature index ${
        x.indices[p] + shift
      }, beyond the model's ${counted(d, "feature")} (indices ${shift}..${d - 1 + shift}, ${
        zero ? "zero" : "one"
      }-based ${
        facts.base === "given"
          ? "as --zero-based says"
          : facts.base === "model"
          ? "as the model's feature names say"
          : "by scikit-learn's rule"
      }): an svmlight file's features are matched to the model's by index, and this file ` +
        `has more${
          facts.base === "given" ? "" : " (give --zero-based yes if its indices count from 0)"
        }`,
    );
  }
  const labels = Array.from(data.y, (c) => data.classes[c]);
  if (!options.noLabel) {
    const classOf = classIndexOf(model.classes);
    for (let c = 0; c < data.classes.length; c++) {
      if (classOf(data.classes[c]) !== undefined) continue;
      const line = await sampleLine(file, data.y.indexOf(c));
      throw new RangeError(
        `Cannot ${options.action}: label ${quotedText(data.classes[c])} on line ${line} of ` +
          `'${file}' is not one of the model's classes ${quotedList(model.classes)}; give ` +
          "--no-label if the file's labels are placeholders",
      );
    }
  }
  return { x: { ...x, cols: d }, labels, file: facts };
}

/**
 * Rows `[start, end)` of a CSR matrix, as a CSR matrix of their own.
 *
 * @param x The matrix.
 * @param start The first row.
 * @param end One past the last row.
 * @returns The rows.
 */
export function csrRows(x: CsrMatrix, start: number, end: number): CsrMatrix {
  return csrTakeRows(x, Int32Array.from({ length: end - start }, (_, i) => start + i));
}

/**
 * The rows a predictor scores at once from sparse rows: CSR for a predictor that takes them, or,
 * for an integer-only one (which quantizes every input value and so refuses CSR), the rows made
 * dense in float64, in blocks of at most 2^22 values.
 *
 * @param x The rows.
 * @param dense Whether the predictor needs dense rows.
 * @param batchRows Rows at a time.
 * @returns The blocks, in row order.
 */
export function* sparseBatches(
  x: CsrMatrix,
  dense: boolean,
  batchRows: number,
): Generator<CsrMatrix | Matrix> {
  const step = dense
    ? Math.max(1, Math.min(batchRows, Math.floor(2 ** 22 / Math.max(1, x.cols))))
    : batchRows;
  for (let start = 0; start < x.rows; start += step) {
    const rows = csrRows(x, start, Math.min(x.rows, start + step));
    yield dense ? csrToDense(rows) : rows;
  }
}
