/**
 * Streaming numeric CSV: reads a file of any size in chunks and yields batches of rows, with
 * memory bounded by the batch and chunk sizes, not by the file. A numeric line parser (plain
 * or quoted cells, `""` for a quote inside quotes, the delimiter inside quotes but not a line
 * break; comma or other one-byte delimiter, CRLF, byte-order mark, empty lines skipped); the
 * header line goes through `csv-parse` like {@linkcode parseCsv}, and errors name the file, the
 * line and the column in the same words.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import type { Matrix } from "../core/matrix.ts";
import {
  assertInRange,
  checkOptionKeys,
  describe,
  type OptionKeys,
  quotedList,
  quotedText,
} from "../core/validate.ts";
import { classIndexOf, encodeLabels } from "./dataset.ts";
import { featureScale } from "./preprocess.ts";
import {
  binaryReason,
  checkCsvFormat,
  checkHeaderNames,
  checkHeaderText,
  delimiterHint,
  describeCell,
  emptyLabelReason,
  NON_DECIMAL,
  notUtf8Label,
  onlyTextColumn,
  openFailure,
  overflowsFloat32,
  pathText,
  quotedDelimiterHint,
  quoteReason,
  raggedRowReason,
  STRAY_QUOTE,
  TEXT_AFTER_QUOTE,
  validUtf8,
  writtenInUtf8,
} from "./csv.ts";

/**
 * A stream read as a CSV file (standard input, say), named in messages as `name`:
 * {@linkcode readCsvBatches} and {@linkcode readCsvColumns} read it once, from where it stands.
 */
export interface CsvSource {
  /** What messages call it, e.g. `"standard input"` (in place of a path). */
  readonly name: string;
  /** Its bytes. */
  readonly readable: ReadableStream<Uint8Array>;
}

/** Whether `path` is a {@linkcode CsvSource}, not a path. */
function isSource(path: string | URL | CsvSource): path is CsvSource {
  return typeof path === "object" && path !== null && !(path instanceof URL) &&
    "readable" in path;
}

/** The path, or the source's name, for messages. */
function sourceText(path: string | URL | CsvSource): string {
  return isSource(path) ? path.name : pathText(path);
}

/** Options for {@linkcode readCsvBatches} and {@linkcode scanCsv}. */
export interface CsvStreamOptions {
  /**
   * The label column: a header name (compared trimmed, as the header's names are read) or a
   * zero-based index; `null`: the file has none (every column is a feature, the batches'
   * `labels` are empty; not for `scanCsv`).
   * @default {the last column}
   */
  label?: string | number | null;
  /**
   * Whether the first line names the columns.
   * @default {true}
   */
  header?: boolean;
  /**
   * The field delimiter, one ASCII character.
   * @default {","}
   */
  delimiter?: string;
  /**
   * Rows per batch.
   * @default {4096}
   */
  batchSize?: number;
  /**
   * Storage of the batches' features.
   * @default {"float32"}
   */
  dtype?: "float32" | "float64";
  /**
   * Bytes read from the file at a time.
   * @default {1048576}
   */
  chunkBytes?: number;
  /**
   * The feature columns to read, as zero-based column indices of the file, in the order wanted
   * in `x` (e.g. a model's feature order); the other columns except the label are not parsed, so
   * they may hold any text. The label column cannot be one of them.
   * @default {every column except the label, in file order}
   */
  features?: readonly number[];
  /**
   * Keep only the data rows (0-based, in file order) for which this returns `true`, e.g. a
   * deterministic train/test split of a file too large to load.
   * @default {every row}
   */
  rowFilter?: (row: number) => boolean;
  /**
   * A column holding each row's weight, as a header name or a zero-based index (as `label`):
   * read as a number (refused as a feature cell is when it is not a finite one) into the
   * batches' `weights`, and not a feature. It cannot be the label column nor one of `features`.
   * @default {none}
   */
  weightColumn?: string | number;
}

/** The keys of {@linkcode CsvStreamOptions}. */
export const CSV_STREAM_OPTION_KEYS: OptionKeys<CsvStreamOptions> = {
  label: "nullable",
  header: true,
  delimiter: true,
  batchSize: true,
  dtype: true,
  chunkBytes: true,
  features: true,
  rowFilter: true,
  weightColumn: true,
};

/** {@linkcode CsvStreamOptions} for a file with a label column. */
export interface LabelledCsvOptions extends Omit<CsvStreamOptions, "label"> {
  /**
   * The label column: a header name or a zero-based index.
   * @default {the last column}
   */
  label?: string | number;
}

/** A batch of rows. */
export interface CsvBatch {
  /** Features, shape `(batchRows, nFeatures)`. */
  readonly x: Matrix;
  /** The label cell of each row, trimmed. */
  readonly labels: string[];
  /** File line of the batch's first row (1-based). */
  readonly firstLine: number;
  /** File line of each row (1-based; blank lines are skipped, so not always consecutive). */
  readonly lines: Int32Array;
  /** Names of the feature columns, in the order of `x`'s columns (the header's, or `column_N`). */
  readonly featureNames: readonly string[];
  /** With `weightColumn`: each row's value of that column (float64, as written). */
  readonly weights?: Float64Array;
}

/** What a first pass over a file finds. */
export interface CsvScan {
  /** Data rows. */
  readonly rows: number;
  /** Feature names (the columns other than the label). */
  readonly featureNames: string[];
  /** Class labels in `encodeLabels` order. */
  readonly classes: string[];
  /** Maps a raw label cell to its class index. */
  readonly classOf: (label: string) => number;
  /** The distinct raw label cells, as written ("2" and "2.0" are two here, one class). */
  readonly labels: readonly string[];
  /** Rows of each class, in `classes` order (every class has at least one). */
  readonly classCounts: Float64Array;
  /** Mean of each feature column. */
  readonly mean: Float64Array;
  /** Population standard deviation of each feature column (1 for a constant column). */
  readonly scale: Float64Array;
  /** Bytes in the file. */
  readonly bytes: number;
}

/** Why a quote not closed on its line is refused (parseCsv reads a cell over lines). */
const UNCLOSED_STREAMED =
  "a quoted cell is unterminated or holds a line break, which streaming does not support";

const NL = 10, CR = 13, QUOTE = 34, SPACE = 32, TAB = 9;
/** The smallest positive normal float64: a sum of squares below it has underflowed. */
const MIN_NORMAL = 2 ** -1022;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a decimal number in `b[s..e)` (already trimmed): exact fast path for up to 15
 * significant digits and exponents within ±22 (one correctly rounded multiplication or
 * division), `Number()` otherwise. Returns NaN if it is not a number.
 */
function parseNumber(b: Uint8Array, s: number, e: number): number {
  let i = s, neg = false;
  if (b[i] === 45 /* - */) {
    neg = true;
    i++;
  } else if (b[i] === 43 /* + */) i++;
  let mant = 0, digits = 0, exp = 0, any = false;
  while (i < e && b[i] >= 48 && b[i] <= 57) {
    if (digits < 15) {
      mant = mant * 10 + (b[i] - 48);
      if (mant > 0) digits++;
    } else exp++;
    any = true;
    i++;
  }
  if (i < e && b[i] === 46 /* . */) {
    i++;
    while (i < e && b[i] >= 48 && b[i] <= 57) {
      if (digits < 15) {
        mant = mant * 10 + (b[i] - 48);
        if (mant > 0) digits++;
        exp--;
      }
      any = true;
      i++;
    }
  }
  if (!any) return slowNumber(b, s, e);
  if (i < e && (b[i] === 101 || b[i] === 69) /* e E */) {
    i++;
    let eneg = false, ev = 0, edig = false;
    if (b[i] === 45) {
      eneg = true;
      i++;
    } else if (b[i] === 43) i++;
    while (i < e && b[i] >= 48 && b[i] <= 57) {
      ev = ev * 10 + (b[i] - 48);
      edig = true;
      i++;
      if (ev > 1e6) return slowNumber(b, s, e);
    }
    if (!edig) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return slowNumber(b, s, e);
  if (digits >= 15) return slowNumber(b, s, e); // may need more digits than the fast path keeps
  let v: number;
  if (exp === 0) v = mant;
  else if (exp > 0 && exp <= 22) v = mant * POW10[exp];
  else if (exp < 0 && exp >= -22) v = mant / POW10[-exp];
  else return slowNumber(b, s, e);
  return neg ? -v : v;
}

const decoder = new TextDecoder();

function slowNumber(b: Uint8Array, s: number, e: number): number {
  const t = decoder.decode(b.subarray(s, e));
  return t.trim() === "" || NON_DECIMAL.test(t) ? NaN : Number(t);
}

type LineSink = (bytes: Uint8Array, start: number, end: number, line: number) => void;

async function openFile(path: string | URL): Promise<Deno.FsFile> {
  // Deno.open reads a number or null as the path '' ("No such file ... open ''").
  if ((typeof path !== "string" || path === "") && !(path instanceof URL)) {
    throw new TypeError(
      `Cannot read CSV: path must be a non-empty string or a file URL, got ${describe(path)}`,
    );
  }
  const file = pathText(path);
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(path);
  } catch (error) {
    throw openFailure(file, error);
  }
  // Pipes and other streams are fine here; a folder opens but cannot be read.
  let folder = false;
  try {
    folder = (await handle.stat()).isDirectory;
  } catch { /* not a folder, then */ }
  if (folder) {
    handle.close();
    throw new TypeError(`Cannot read CSV '${file}': it is a folder`);
  }
  return handle;
}

/**
 * The quote error `csv-parse` (with `parseCsv`'s options) finds in one line, in the streaming
 * reader's words, or `null` if it finds none.
 *
 * @param text The line.
 * @param delimiter The delimiter.
 * @returns E.g. "column 3: a quote is in a cell that does not start with one", to follow
 *   "line L, ".
 */
function rowQuoteReason(text: string, delimiter: string): string | null {
  try {
    parse(text, { delimiter, trim: true, relax_column_count: true });
    return null;
  } catch (error) {
    if ((error as { code?: string }).code === "CSV_QUOTE_NOT_CLOSED") {
      return `column ${(error as { column?: number }).column! + 1}: ${UNCLOSED_STREAMED}`;
    }
    return quoteReason(error);
  }
}

interface Columns {
  names: string[];
  labelCol: number;
  /** The weight column's index, -1 without one. */
  weightCol: number;
  width: number;
}

/**
 * The index of a column given by header name or zero-based index (a digit string that is no
 * name is an index), as the label and the weight column are given.
 */
function columnIndex(
  what: "label" | "weight",
  given: string | number,
  names: readonly string[],
  file: string,
): number {
  const width = names.length;
  // A name trimmed, as the header's names are read: none keeps blanks around it, so " y" can
  // only mean the column "y" (of a header "a, b, y").
  const name = typeof given === "string" ? given.trim() : given;
  if (typeof name === "number" || (!names.includes(name) && /^\d+$/.test(name))) {
    const j = Number(name);
    if (!Number.isInteger(j) || j < 0 || j >= width) {
      throw new RangeError(
        `Cannot read CSV '${file}': ${what} column index ${name} is outside 0..${width - 1}`,
      );
    }
    return j;
  }
  const j = names.indexOf(name);
  if (j < 0) {
    throw new RangeError(
      `Cannot read CSV '${file}': no column named ${quotedText(String(given))} (columns: ${
        quotedList(names, 12)
      })`,
    );
  }
  return j;
}

function headerColumns(
  bytes: Uint8Array,
  line: number,
  options: CsvStreamOptions,
  file: string,
): Columns {
  const text = decoder.decode(bytes);
  let fields: string[];
  try {
    // Blanks around a name are dropped, as parseCsv drops them: ' "a" ,b' names a and b.
    const records = parse(text, { delimiter: options.delimiter ?? ",", trim: true }) as string[][];
    fields = records[0] ?? [];
  } catch (error) {
    // A stray quote is named as in a row, and as parseCsv names it; the line is all the header
    // the parser sees, so a quote not closed on it is one that spans lines.
    const reason = (error as { code?: string }).code === "CSV_QUOTE_NOT_CLOSED"
      ? `column ${(error as { column?: number }).column! + 1}: ${UNCLOSED_STREAMED}`
      : quoteReason(error);
    throw new SyntaxError(
      `Cannot read CSV '${file}': ` +
        (reason === null
          ? `invalid CSV near line ${line}: ${(error as Error).message}`
          : `line ${line}, ${reason}${quotedDelimiterHint(text, options.delimiter)}`),
    );
  }
  const header = options.header ?? true;
  const width = fields.length;
  const names = header
    ? fields.map((n, j) => n.trim() === "" ? `column_${j + 1}` : n.trim())
    : Array.from({ length: width }, (_, j) => `column_${j + 1}`);
  checkHeaderText(names, line, file, (name) => writtenInUtf8(bytes, name));
  checkHeaderNames(names, line, file);
  const label = options.label;
  const weight = options.weightColumn;
  const weightCol = weight === undefined ? -1 : columnIndex("weight", weight, names, file);
  if (label === null) return { names, labelCol: -1, weightCol, width };
  if (width < 2) {
    throw new SyntaxError(
      `Cannot read CSV '${file}': it has ${width} column; a feature and a label column are ` +
        `needed${delimiterHint(fields[0] ?? "", options.delimiter)}`,
    );
  }
  const labelCol = label === undefined ? width - 1 : columnIndex("label", label, names, file);
  if (weightCol === labelCol) {
    throw new RangeError(
      `Cannot read CSV '${file}': the weight column (${weightCol}, ${
        quotedText(names[weightCol])
      }) is the label column${label === undefined ? " (the last, taken as the label)" : ""}`,
    );
  }
  return { names, labelCol, weightCol, width };
}

/**
 * Reads a numeric CSV file as batches of rows, never holding more than one batch and one chunk
 * of the file in memory.
 *
 * @param path The file, or a stream ({@linkcode CsvSource}).
 * @param options Label column, feature columns, header, delimiter, batch size, storage.
 * @returns The batches in file order.
 * @throws {TypeError} If the file cannot be opened, `header` is not a boolean, `features` not an
 *   array of numbers or `rowFilter` not a function.
 * @throws {SyntaxError} If a row has the wrong number of fields, a feature cell is empty or not a
 *   finite number, a label cell is empty, a quoted cell is unterminated or spans lines or is
 *   followed by text, a feature or label cell that does not start with a quote holds one, or a
 *   header name or a label holds U+FFFD read from bytes that are not UTF-8 (a Latin-1 file's
 *   accents; U+FFFD written in UTF-8 is read as it is); the message names the file, line and
 *   column.
 * @throws {RangeError} If the label column does not exist, a `features` index is outside the
 *   columns, repeated, or the label column, `dtype` is not `"float32"` or `"float64"`, or the
 *   delimiter is not one ASCII character other than a quote or a line break.
 *
 * @example Two batches
 * ```ts
 * import { readCsvBatches } from "./csv_stream.ts";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".csv" });
 * try {
 *   await Deno.writeTextFile(file, "a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n");
 *   const sizes = [];
 *   for await (const batch of readCsvBatches(file, { batchSize: 2 })) sizes.push(batch.x.rows);
 *   assert.deepEqual(sizes, [2, 1]);
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export async function* readCsvBatches(
  path: string | URL | CsvSource,
  options: CsvStreamOptions = {},
): AsyncGenerator<CsvBatch> {
  const file = sourceText(path);
  checkOptionKeys(`read CSV '${file}'`, options, CSV_STREAM_OPTION_KEYS);
  const batchSize = options.batchSize ?? 4096;
  assertInRange(`read CSV '${file}'`, "batchSize", batchSize, 1, 2 ** 24, true);
  assertInRange(
    `read CSV '${file}'`,
    "chunkBytes",
    options.chunkBytes ?? 2 ** 20,
    1,
    2 ** 30,
    true,
  );
  checkCsvFormat(file, options);
  const delim = delimiterByte(file, options.delimiter);
  if (options.features !== undefined && !Array.isArray(options.features)) {
    throw new TypeError(
      `Cannot read CSV '${file}': features must be an array of column indices, got ${
        describe(options.features)
      }`,
    );
  }
  // A column name, or a digit string, is not an index (it was refused as one 'outside 0..n').
  const named = options.features?.findIndex((j) => typeof j !== "number") ?? -1;
  if (named >= 0) {
    throw new TypeError(
      `Cannot read CSV '${file}': features must be an array of column indices, got ${
        describe(options.features![named])
      } at position ${named}`,
    );
  }
  if (options.rowFilter !== undefined && typeof options.rowFilter !== "function") {
    throw new TypeError(
      `Cannot read CSV '${file}': rowFilter must be a function, got ${describe(options.rowFilter)}`,
    );
  }
  const header = options.header ?? true;
  let cols: Columns | null = null;
  let d = 0;
  let featureNames: readonly string[] = [];
  let data: Float32Array | Float64Array | null = null;
  let labels: string[] = [];
  let lines = new Int32Array(batchSize);
  /** The weight column's values of the batch's rows (with `weightColumn`). */
  let weights = null as Float64Array | null;
  /** Per file column: its position in `x`, -1 when not read, -2 for the label. */
  let slot = new Int32Array(0);
  let rows = 0, firstLine = 0, dataRow = -1;
  /** The label column's name when no label was named (the last column was taken). */
  let guessedLabel: string | undefined;
  const keep = options.rowFilter ?? null;
  const ready: CsvBatch[] = [];
  const make = () =>
    options.dtype === "float64" ? new Float64Array(batchSize * d) : new Float32Array(batchSize * d);
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot read CSV '${file}': ${reason}`);
  };
  /**
   * Refuses a row for `reason`, or for a quote error later in it: `parseCsv`'s parser refuses a
   * row that is not valid CSV before its cells are counted or read, so a quote error anywhere in
   * the row is named first, whatever else is wrong with it.
   */
  const rowFail = (b: Uint8Array, s: number, e: number, line: number, reason: string): never => {
    const quote = rowQuoteReason(decoder.decode(b.subarray(s, e)), options.delimiter ?? ",");
    return fail(quote === null ? reason : `line ${line}, ${quote}`);
  };
  /** Why a row of `n` fields is refused, with its last cell (for a trailing delimiter). */
  const ragged = (b: Uint8Array, s: number, e: number, line: number, n: number, c: Columns) => {
    let last: string | undefined;
    try {
      last = (parse(decoder.decode(b.subarray(s, e)), {
        delimiter: options.delimiter ?? ",",
        trim: true,
        relax_column_count: true,
      }) as string[][])[0]?.at(-1);
    } catch {
      last = undefined;
    }
    return raggedRowReason(line, n, c.names, header, last, options.delimiter);
  };
  /** Column `field` when it is the only one of the row holding text (`onlyTextColumn`). */
  const aloneInRow = (b: Uint8Array, s: number, e: number, field: number, c: Columns) => {
    let cells: string[];
    try {
      const text = decoder.decode(b.subarray(s, e));
      cells = (parse(text, {
        delimiter: options.delimiter ?? ",",
        trim: true,
        relax_column_count: true,
      }) as string[][])[0] ?? [];
    } catch {
      return undefined;
    }
    return onlyTextColumn(cells, c.labelCol) === field
      ? { name: c.names[field], index: field }
      : undefined;
  };
  const sink: LineSink = (b, s, e, line) => {
    if (cols === null) {
      cols = headerColumns(b.subarray(s, e), line, options, file);
      const { labelCol, weightCol, width, names } = cols;
      if (options.label === undefined) guessedLabel = names[labelCol];
      const features = options.features ??
        names.map((_, j) => j).filter((j) => j !== labelCol && j !== weightCol);
      if (features.length === 0 && options.features === undefined) {
        fail(
          `its ${width === 1 ? "only column is" : `${width} columns are the label and`} the ` +
            `weight column (${quotedText(names[weightCol])}); no feature is left`,
        );
      }
      slot = new Int32Array(width).fill(-1);
      if (labelCol >= 0) slot[labelCol] = -2;
      if (weightCol >= 0) slot[weightCol] = -3;
      features.forEach((j, t) => {
        if (!Number.isInteger(j) || j < 0 || j >= width) {
          throw new RangeError(
            `Cannot read CSV '${file}': feature column ${j} is outside 0..${width - 1}`,
          );
        }
        if (slot[j] !== -1) {
          throw new RangeError(
            `Cannot read CSV '${file}': column ${j + 1} (${quotedText(names[j])}) is ${
              slot[j] === -2
                ? "the label column"
                : slot[j] === -3
                ? "the weight column"
                : "asked for twice"
            }`,
          );
        }
        slot[j] = t;
      });
      d = features.length;
      featureNames = features.map((j) => names[j]);
      data = make();
      if (weightCol >= 0) weights = new Float64Array(batchSize);
      if (header) return;
    }
    const c = cols;
    dataRow++;
    if (keep !== null && !keep(dataRow)) return;
    if (rows === 0) firstLine = line;
    lines[rows] = line;
    let field = 0, p = s;
    const o = rows * d;
    for (;;) {
      // The cell that starts at p: its text is b[a..z) (trimmed, without quotes); q is where it
      // ends (its delimiter, or the end of the line).
      let a = p, z: number, q: number, escaped = false, quoted = false;
      // Blanks around a cell are trimmed, but a blank that is the delimiter ends the cell.
      while (a < e && b[a] !== delim && (b[a] === SPACE || b[a] === TAB)) a++;
      // Other white space (a form feed, a no-break space) before a quote too, as csv-parse's trim.
      if (a < e && (b[a] < SPACE || b[a] >= 0xc2)) a = pastWhiteSpace(b, a, e, delim);
      if (a < e && b[a] === QUOTE) {
        quoted = true;
        let t = a + 1;
        for (;;) {
          while (t < e && b[t] !== QUOTE) t++;
          if (t >= e) {
            fail(`line ${line}, column ${field + 1}: ${UNCLOSED_STREAMED}`);
          }
          if (t + 1 < e && b[t + 1] === QUOTE) { // "" inside quotes is one quote
            escaped = true;
            t += 2;
            continue;
          }
          break;
        }
        a++;
        z = t;
        q = t + 1;
        // After the quote csv-parse's trim drops single-byte white space only (a vertical tab or
        // a form feed too, not a no-break space).
        while (q < e && b[q] !== delim && (b[q] === SPACE || (b[q] >= TAB && b[q] <= CR))) q++;
        if (q < e && b[q] !== delim) {
          fail(`line ${line}, column ${field + 1}: ${TEXT_AFTER_QUOTE}`);
        }
      } else {
        q = a;
        while (q < e && b[q] !== delim) q++;
        z = q;
        while (z > a && (b[z - 1] === SPACE || b[z - 1] === TAB)) z--;
        if (z > a && b[z - 1] === QUOTE) {
          fail(`line ${line}, column ${field + 1}: ${STRAY_QUOTE}`);
        }
      }
      if (field >= c.width) {
        rowFail(
          b,
          s,
          e,
          line,
          ragged(b, s, e, line, fieldCount(b, field, q, e, delim), c),
        );
      }
      const to = slot[field];
      if (to === -2) {
        let label = decoder.decode(b.subarray(a, z)).trim();
        // A quote inside a cell that does not start with one: 'x"y' is no label (parseCsv's rule).
        if (!quoted && label.includes('"')) {
          fail(`line ${line}, column ${field + 1}: ${STRAY_QUOTE}`);
        }
        if (escaped) label = label.replaceAll('""', '"');
        if (label === "") {
          // '1,,x' under 'a,y' has a field too many, not an empty label (parseCsv counts first).
          const n = fieldCount(b, field, q, e, delim);
          if (n !== c.width) rowFail(b, s, e, line, ragged(b, s, e, line, n, c));
          rowFail(
            b,
            s,
            e,
            line,
            emptyLabelReason(line, field, c.names, header, options.delimiter),
          );
        }
        // U+FFFD written in UTF-8 (EF BF BD) is a character like another; put for bytes that are
        // not UTF-8, it would merge labels that differ there.
        if (label.includes("\ufffd") && !validUtf8(b.subarray(a, z))) {
          rowFail(b, s, e, line, notUtf8Label(line, field, c.names[field], label));
        }
        labels.push(label);
      } else if (to >= 0 || to === -3) {
        const v = z > a && !escaped ? parseNumber(b, a, z) : NaN;
        if (!Number.isFinite(v)) {
          // '1"2' is refused for its quote, as parseCsv refuses it, before its row is counted.
          if (!quoted && b.subarray(a, z).includes(QUOTE)) {
            fail(`line ${line}, column ${field + 1}: ${STRAY_QUOTE}`);
          }
          // A row with a field missing shifts its cells: the label of '1,0,yes' under
          // 'a,b,c,label' is not a bad value of 'c' (parseCsv counts the fields first).
          const n = fieldCount(b, field, q, e, delim);
          if (n !== c.width) rowFail(b, s, e, line, ragged(b, s, e, line, n, c));
          const raw = decoder.decode(b.subarray(a, z));
          const cell = escaped ? raw.replaceAll('""', '"') : raw;
          rowFail(
            b,
            s,
            e,
            line,
            `line ${line}, column ${field + 1} (${quotedText(c.names[field])}) ${
              dataRow === 0 && guessedLabel !== undefined
                ? describeCell(cell, v, guessedLabel, aloneInRow(b, s, e, field, c))
                : describeCell(cell, v)
            }`,
          );
        }
        if (to === -3) weights![rows] = v;
        else data![o + to] = v;
        if (to >= 0 && !Number.isFinite(data![o + to])) {
          // A ragged row is named first here too, as parseCsv counts the fields first.
          const n = fieldCount(b, field, q, e, delim);
          if (n !== c.width) rowFail(b, s, e, line, ragged(b, s, e, line, n, c));
          const cell = decoder.decode(b.subarray(a, z));
          rowFail(
            b,
            s,
            e,
            line,
            `line ${line}, column ${field + 1} (${quotedText(c.names[field])}) ${
              overflowsFloat32(cell)
            }`,
          );
        }
      } // else a column not read: skipped whatever it holds
      field++;
      if (q >= e) break;
      p = q + 1;
    }
    if (field !== c.width) {
      rowFail(b, s, e, line, ragged(b, s, e, line, field, c));
    }
    rows++;
    if (rows === batchSize) {
      ready.push({
        x: { data: data!, rows, cols: d },
        labels,
        firstLine,
        lines,
        featureNames,
        ...(weights === null ? {} : { weights }),
      });
      data = make();
      labels = [];
      lines = new Int32Array(batchSize);
      if (weights !== null) weights = new Float64Array(batchSize);
      rows = 0;
    }
  };
  // Lines arrive through a callback; batches are handed out between chunks.
  const queue = linesOf(path, options.chunkBytes ?? 2 ** 20, delim);
  for await (const chunk of queue) {
    for (let t = 0; t < chunk.count; t++) {
      sink(chunk.bytes, chunk.starts[t], chunk.ends[t], chunk.lines[t]);
    }
    while (ready.length > 0) yield ready.shift()!;
  }
  if (cols === null) fail("the file is empty");
  if (rows > 0) {
    yield {
      x: { data: data!.subarray(0, rows * d), rows, cols: d },
      labels,
      firstLine,
      lines: lines.subarray(0, rows),
      featureNames,
      ...(weights === null ? {} : { weights: weights.subarray(0, rows) }),
    };
  }
}

/**
 * The column names of a CSV file, read from its first non-empty line only (`column_N` without a
 * header).
 *
 * @param path The file, or a stream ({@linkcode CsvSource}): its first line is read.
 * @param options Header and delimiter (the label option is ignored).
 * @returns One name per column.
 * @throws {TypeError} If the file cannot be opened, or `header` is not a boolean.
 * @throws {SyntaxError} If the file is empty, its first line is not valid CSV, or a name holds
 *   U+FFFD read from bytes that are not UTF-8 (U+FFFD written in UTF-8 is read as it is).
 * @throws {RangeError} If two header cells have the same name, or the delimiter is not one ASCII
 *   character other than a quote or a line break.
 *
 * @example
 * ```ts
 * import { readCsvColumns } from "./csv_stream.ts";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".csv" });
 * try {
 *   await Deno.writeTextFile(file, "a,b,y\n1,2,cat\n");
 *   assert.deepEqual(await readCsvColumns(file), ["a", "b", "y"]);
 *   assert.deepEqual(await readCsvColumns(file, { header: false }), [
 *     "column_1",
 *     "column_2",
 *     "column_3",
 *   ]);
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export async function readCsvColumns(
  path: string | URL | CsvSource,
  options: Pick<CsvStreamOptions, "header" | "delimiter"> = {},
): Promise<string[]> {
  const file = sourceText(path);
  // readCsvBatches' options may be passed as they are; only header and delimiter are read.
  checkOptionKeys(`read CSV '${file}'`, options, CSV_STREAM_OPTION_KEYS);
  checkCsvFormat(file, options);
  for await (const chunk of linesOf(path, 65536, delimiterByte(file, options.delimiter))) {
    if (chunk.count === 0) continue;
    const [b, s, e, line] = [chunk.bytes, chunk.starts[0], chunk.ends[0], chunk.lines[0]];
    return headerColumns(b.subarray(s, e), line, {
      ...options,
      label: null,
      weightColumn: undefined,
    }, file)
      .names;
  }
  throw new SyntaxError(`Cannot read CSV '${file}': the file is empty`);
}

/**
 * The delimiter as the byte the line parser splits on: one ASCII character other than a quote or
 * a line break (the header is split by `csv-parse` on the whole delimiter, the rows on this byte).
 *
 * @throws {TypeError} If it is not a string.
 * @throws {RangeError} If it is not such a character.
 */
function delimiterByte(file: string, delimiter: string = ","): number {
  if (typeof delimiter !== "string") {
    throw new TypeError(
      `Cannot read CSV '${file}': delimiter must be a string, got ${describe(delimiter)}`,
    );
  }
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /["\r\n]/.test(delimiter)) {
    throw new RangeError(
      `Cannot read CSV '${file}': delimiter must be one ASCII character other than a quote or a ` +
        `line break, got ${JSON.stringify(delimiter)}`,
    );
  }
  return delimiter.charCodeAt(0);
}

/** The non-empty lines of one chunk: line `t` is `bytes[starts[t]..ends[t])`. */
interface LineChunk {
  bytes: Uint8Array;
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  /** File line numbers (1-based). */
  lines: Int32Array;
}

/** The newlines in `chunk` before `end`. */
function countNewlines(chunk: Uint8Array, end: number): number {
  let n = 0;
  for (let i = chunk.indexOf(NL); i >= 0 && i < end; i = chunk.indexOf(NL, i + 1)) n++;
  return n;
}

/**
 * The fields of a line, counted from one of them: that field (index `field`, ending at `q`, its
 * delimiter or the line's end `e`) and, when a delimiter ends it, the fields after it (delimiters
 * inside quotes do not count).
 */
function fieldCount(b: Uint8Array, field: number, q: number, e: number, delim: number): number {
  let n = field + 1;
  if (q < e) {
    n++;
    let quoted = false;
    for (let t = q + 1; t < e; t++) {
      if (b[t] === QUOTE) quoted = !quoted;
      else if (b[t] === delim && !quoted) n++;
    }
  }
  return n;
}

/**
 * Where the white space from `b[i]` ends (at most at `e` or at the delimiter): the characters
 * `String.prototype.trim` drops, which csv-parse's `trim` drops before a cell (form feed,
 * vertical tab, no-break and other Unicode spaces, a byte order mark), in UTF-8.
 */
function pastWhiteSpace(b: Uint8Array, i: number, e: number, delim: number): number {
  for (;;) {
    if (i >= e || b[i] === delim) return i;
    const c = b[i], c1 = i + 1 < e ? b[i + 1] : -1, c2 = i + 2 < e ? b[i + 2] : -1;
    let n = 0;
    if (c === SPACE || (c >= TAB && c <= CR)) n = 1;
    else if (c === 0xc2) n = c1 === 0xa0 ? 2 : 0; // U+00A0
    else if (c === 0xe1) n = c1 === 0x9a && c2 === 0x80 ? 3 : 0; // U+1680
    else if (c === 0xe2 && c1 === 0x80) {
      n = (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0; // U+2000..
    } else if (c === 0xe2) n = c1 === 0x81 && c2 === 0x9f ? 3 : 0; // U+205F
    else if (c === 0xe3) n = c1 === 0x80 && c2 === 0x80 ? 3 : 0; // U+3000
    else if (c === 0xef) n = c1 === 0xbb && c2 === 0xbf ? 3 : 0; // U+FEFF
    if (n === 0) return i;
    i += n;
  }
}

/**
 * The non-empty lines of a file, chunk by chunk. The offset arrays are reused between chunks
 * (no allocation per line). A line of white space only (blanks, a no-break space, a form feed:
 * what `String.prototype.trim` drops) is empty, as `parseCsv` skips it, but a blank that is the
 * delimiter (`delim`: tab or space) separates cells: a line of tabs in a tab-separated file is a
 * row of empty cells, refused as `parseCsv` refuses it, not skipped.
 */
async function* linesOf(
  path: string | URL | CsvSource,
  chunkBytes: number,
  delim: number,
): AsyncGenerator<LineChunk> {
  const name = sourceText(path);
  const reader = (isSource(path) ? path : await openFile(path)).readable.getReader();
  let carry: Uint8Array = new Uint8Array(0);
  let line = 0, first = true;
  const out: LineChunk = {
    bytes: carry,
    count: 0,
    starts: new Int32Array(1024),
    ends: new Int32Array(1024),
    lines: new Int32Array(1024),
  };
  const push = (chunk: Uint8Array, a: number, z: number) => {
    line++;
    if (first) {
      first = false;
      if (z - a >= 3 && chunk[a] === 0xef && chunk[a + 1] === 0xbb && chunk[a + 2] === 0xbf) a += 3;
    }
    if (z > a && chunk[z - 1] === CR) z--;
    if (pastWhiteSpace(chunk, a, z, delim) === z) return; // white space only, as parseCsv skips
    if (out.count === out.starts.length) {
      const grow = (v: Int32Array) => {
        const g = new Int32Array(v.length * 2);
        g.set(v);
        return g;
      };
      out.starts = grow(out.starts);
      out.ends = grow(out.ends);
      out.lines = grow(out.lines);
    }
    out.starts[out.count] = a;
    out.ends[out.count] = z;
    out.lines[out.count] = line;
    out.count++;
  };
  const split = (chunk: Uint8Array, last: boolean): LineChunk => {
    const compressed = line === 0 ? binaryReason(chunk, isSource(path) ? null : name) : null;
    if (compressed !== null) throw new SyntaxError(`Cannot read CSV '${name}': ${compressed}`);
    // A carriage return must end a line (before its newline): a file whose lines end with CR
    // alone would read as one line.
    for (let i = chunk.indexOf(CR); i >= 0; i = chunk.indexOf(CR, i + 1)) {
      if (i + 1 < chunk.length ? chunk[i + 1] !== NL : last) {
        throw new SyntaxError(
          `Cannot read CSV '${name}': it holds a carriage return that does not end a line (after ` +
            `line ${line + 1 + countNewlines(chunk, i)}); lines must end with \\n or \\r\\n ` +
            "(convert a file with old Mac line ends)",
        );
      }
    }
    out.bytes = chunk;
    out.count = 0;
    let s = 0;
    for (let i = chunk.indexOf(NL); i >= 0; i = chunk.indexOf(NL, s)) {
      push(chunk, s, i);
      s = i + 1;
    }
    if (last) {
      if (s < chunk.length) push(chunk, s, chunk.length);
      carry = new Uint8Array(0);
    } else carry = chunk.slice(s);
    return out;
  };
  const join = (pending: Uint8Array[], size: number) => {
    const chunk = new Uint8Array(carry.length + size);
    chunk.set(carry);
    let o = carry.length;
    for (const p of pending) {
      chunk.set(p, o);
      o += p.length;
    }
    return chunk;
  };
  try {
    let pending: Uint8Array[] = [], size = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending.push(value);
      size += value.length;
      // A line longer than the reads (a slow pipe: chunkBytes 1 splits every read) is joined
      // again only when a read ends it or the bytes read since match those carried: each byte
      // is copied and scanned a bounded number of times, not once per read while its line lasts.
      if (size < chunkBytes || size < carry.length && value.indexOf(NL) < 0) continue;
      const chunk = join(pending, size);
      pending = [];
      size = 0;
      yield split(chunk, false);
    }
    yield split(join(pending, size), true);
  } finally {
    // Closes the file whether the stream ended or the caller stopped early.
    await reader.cancel().catch(() => {});
  }
}

/**
 * A first pass over a CSV file: row count, class labels and per-feature mean and standard
 * deviation (summed in float64, shifted by the first row against cancellation; a column whose
 * sums overflow float64, or whose squared deviations underflow it, is summed again, rescaled, in
 * a second pass), in memory that does not depend on the file's size.
 *
 * @param path The file.
 * @param options As for {@linkcode readCsvBatches}, with a label column. `dtype` is the storage
 *   of the values the statistics are computed from (default `"float64"`): a pass that will train
 *   on float32 values scans float32 values, so that a column constant in float32 standardises to
 *   exactly 0 (16777217 is 16777216 in float32).
 * @returns What the pass found.
 * @throws {SyntaxError} As {@linkcode readCsvBatches}; also if the file has no data rows. A
 *   single class is not refused here (a test file may hold one); `fitStream` refuses it.
 * @throws {RangeError} As {@linkcode readCsvBatches}; also if `label` is `null`.
 */
export async function scanCsv(
  path: string | URL,
  options: LabelledCsvOptions = {},
): Promise<CsvScan> {
  const file = pathText(path);
  checkOptionKeys(`scan CSV '${file}'`, options, CSV_STREAM_OPTION_KEYS);
  if (options.label === null) {
    throw new RangeError(`Cannot scan CSV '${file}': the scan needs a label column`);
  }
  let rows = 0;
  let sum: Float64Array | null = null,
    sq: Float64Array | null = null,
    ref: Float64Array | null = null,
    spread: Float64Array | null = null;
  // Rows per raw label cell (the classes' counts once the labels are encoded).
  const distinct = new Map<string, number>();
  let featureNames: string[] = [];
  const dtype = options.dtype ?? "float64";
  for await (const batch of readCsvBatches(path, { ...options, dtype })) {
    const { data, rows: m, cols: d } = batch.x;
    if (sum === null) {
      sum = new Float64Array(d);
      sq = new Float64Array(d);
      ref = Float64Array.from(data.subarray(0, d));
      spread = new Float64Array(d);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j] - ref![j];
        sum[j] += v;
        sq![j] += v * v;
        // The largest deviation: a column whose squares underflow to 0 is not constant if > 0.
        const a = Math.abs(v);
        if (a > spread![j]) spread![j] = a;
      }
    }
    for (const l of batch.labels) distinct.set(l, (distinct.get(l) ?? 0) + 1);
    featureNames = [...batch.featureNames];
    rows += m;
  }
  if (rows === 0 || sum === null) {
    throw new SyntaxError(
      `Cannot read CSV '${file}': ${
        (options.header ?? true) ? "it has a header but no data rows" : "it has no data rows"
      }${options.rowFilter ? ", or none that the row filter keeps" : ""}`,
    );
  }
  const d = sum.length;
  const mean = new Float64Array(d), scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const m = sum[j] / rows;
    mean[j] = ref![j] + m;
    scale[j] = featureScale(Math.max(0, sq![j] / rows - m * m), mean[j], rows);
  }
  // Columns whose sums left float64's range (values some 1e154 apart, or near its limit), and
  // columns that vary by so little (below some 1e-154) that their squared deviations underflow:
  // summed again on the values times 2^-600 or 2^600 (exact at such magnitudes), as
  // fitStandardizer rescales them.
  const wide = Array.from(sum.keys()).filter((j) => !Number.isFinite(sum![j] + sq![j]));
  const tiny = Array.from(sum.keys()).filter((j) => spread![j] > 0 && sq![j] / rows < MIN_NORMAL);
  if (wide.length + tiny.length > 0) {
    const factor = new Float64Array(d);
    for (const j of wide) factor[j] = 2 ** -600;
    for (const j of tiny) factor[j] = 2 ** 600;
    const redo = [...wide, ...tiny];
    const s = new Float64Array(d), q = new Float64Array(d);
    for await (const batch of readCsvBatches(path, { ...options, dtype })) {
      const data = batch.x.data;
      for (let i = 0; i < batch.x.rows; i++) {
        for (const j of redo) {
          const v = data[i * d + j] * factor[j] - ref![j] * factor[j];
          s[j] += v;
          q[j] += v * v;
        }
      }
    }
    for (const j of redo) {
      const m = s[j] / rows, f = factor[j];
      const variance = Math.max(0, q[j] / rows - m * m);
      mean[j] = (ref![j] * f + m) / f;
      const sd = Math.sqrt(variance) / f;
      // A tiny column constant up to rounding, or whose scale is subnormal (its reciprocal
      // would overflow), keeps scale 1, as in fitStandardizer.
      scale[j] = f < 1
        ? (sd > 0 && Number.isFinite(sd) ? sd : 1)
        : (featureScale(variance, ref![j] * f + m, rows) !== 1 && sd >= MIN_NORMAL ? sd : 1);
    }
  }
  const labels = [...distinct.keys()];
  const { classes } = encodeLabels(labels);
  const lookup = classIndexOf(classes);
  const classOf = (label: string) => lookup(label) ?? -1;
  const classCounts = new Float64Array(classes.length);
  for (const [label, count] of distinct) classCounts[classOf(label)] += count;
  const bytes = (await Deno.stat(path)).size;
  return {
    rows,
    featureNames,
    classes,
    classOf,
    labels,
    classCounts,
    mean,
    scale,
    bytes,
  };
}
