/**
 * CSV loading into a numeric matrix plus class labels. The CSV grammar (quotes, embedded commas
 * and newlines, LF, CRLF or CR line ends in any mix, byte-order marks) is handled by the
 * `csv-parse` package; this module and `csv_stream.ts` (for a streamed file's header line) are
 * the only places that import it, so it can be swapped.
 *
 * Records are turned into numbers one at a time as the parser produces them, so memory holds the
 * numeric matrix (8 bytes per value, 4 with `dtype: "float32"`) and one class index per row, not
 * the text's records: {@linkcode readCsv} streams the file from disk.
 *
 * @module
 */

import {
  assertInRange,
  checkOptionKeys,
  counted,
  describe,
  exactKeys,
  firstRepeat,
  type OptionKeys,
  quotedList,
  quotedText,
} from "../core/validate.ts";
import { parse } from "csv-parse/sync";
import { parse as parseStream } from "csv-parse/stream";
import type { Matrix } from "../core/matrix.ts";
import { MODEL_FILE_MAGIC } from "../io/model_file.ts";
import { type Dataset, encodeLabels } from "./dataset.ts";

/** Options for {@linkcode parseCsv} and {@linkcode parseCsvStream}. */
export interface CsvOptions {
  /**
   * The label column: a header name (compared trimmed, as the header's names are read), or a
   * zero-based column index (as a number, or as a string of digits that is not a header name).
   * @default {the last column}
   */
  label?: string | number;
  /**
   * Whether the first record names the columns. Without a header, features are named
   * `column_1`, `column_2`, ... after their one-based position.
   * @default {true}
   */
  header?: boolean;
  /**
   * The field delimiter.
   * @default {","}
   */
  delimiter?: string;
  /**
   * The file name used in error messages.
   * @default {"<csv>"}
   */
  fileName?: string;
  /**
   * Storage of the feature matrix.
   * @default {"float64"}
   */
  dtype?: "float32" | "float64";
}

const CSV_OPTION_KEYS: OptionKeys<CsvOptions> = {
  label: true,
  header: true,
  delimiter: true,
  fileName: true,
  dtype: true,
};

const { fileName: _fileName, ...CSV_READ_KEYS } = CSV_OPTION_KEYS;
const READ_CSV_OPTION_KEYS = exactKeys<ReadCsvOptions>()({
  ...CSV_READ_KEYS,
  maxBytes: true,
  onProgress: true,
});

/** Options for {@linkcode readCsv}. */
export interface ReadCsvOptions extends Omit<CsvOptions, "fileName"> {
  /**
   * Files larger than this are refused before reading, with a message that says so. The file is
   * streamed, so memory holds the numbers, not the text; the limit bounds that too (a value
   * takes at least 2 bytes of text, "0,", and 8 bytes of float64 storage).
   * @default {1073741824} (1 GiB)
   */
  maxBytes?: number;
  /**
   * Called as the file is read, chunk by chunk, with the bytes read so far and the file's size
   * (what a progress line shows while a large file is read).
   * @default {none}
   */
  onProgress?: (progress: { readonly bytesRead: number; readonly totalBytes: number }) => void;
}

/** The default of {@linkcode ReadCsvOptions.maxBytes}: 1 GiB. */
export const DEFAULT_MAX_CSV_BYTES = 2 ** 30;

/** The file name the options give for messages (`<csv>` without one), before they are checked. */
function nameOf(options: unknown): string {
  const name = (options as CsvOptions | null)?.fileName;
  return typeof name === "string" ? name : "<csv>";
}

/**
 * Parses CSV text into a data set: every column but the label must hold finite decimal numbers.
 *
 * @param text The CSV text.
 * @param options Which column is the label, header, delimiter, name for messages.
 * @returns The data set, with the label mapping and feature names kept.
 * @throws {SyntaxError} If the text is not valid CSV, is empty, has no data rows, has rows of
 *   different lengths, or has a cell that is empty or not a finite decimal number (`NaN`, `inf`,
 *   `1e400`, `0x10`, `abc`), or a header name or a label holds U+FFFD (text has no bytes to tell
 *   a Latin-1 file's accents from U+FFFD written in UTF-8; the readers of bytes take the latter,
 *   see {@linkcode checkHeaderText}). The message names the file, the line and the column.
 * @throws {RangeError} If the label column does not exist, header names repeat, `dtype` is
 *   not `"float32"` or `"float64"`, or the delimiter is empty or holds a quote or a line break.
 * @throws {TypeError} If `text` is not a string, `header` not a boolean, `label` not a string or
 *   number, or `delimiter` not a string.
 *
 * @example Label column by name
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * const d = parseCsv("a,b,kind\n1,2,cat\n3,4,dog\n", { label: "kind" });
 * assert.deepEqual(d.classes, ["cat", "dog"]);
 * assert.deepEqual(d.featureNames, ["a", "b"]);
 * assert.deepEqual([...d.x.data], [1, 2, 3, 4]);
 * ```
 *
 * @example Errors name the file, line and column
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => parseCsv("a,b,y\n1,2,0\n3,oops,1\n", { fileName: "my.csv" }),
 *   /^SyntaxError: Cannot read CSV 'my.csv': line 3, column 2 \("b"\) holds 'oops'/,
 * );
 * ```
 */
export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const name = nameOf(options);
  checkOptionKeys(`read CSV '${name}'`, options, CSV_OPTION_KEYS);
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read CSV: text must be a string, got ${describe(text)}`);
  }
  checkCsvFormat(name, options);
  checkLabelAndDelimiter(name, options);
  const builder = new TableBuilder(options);
  builder.noteText(text);
  try {
    parse(text, parserOptions(options, builder));
  } catch (error) {
    throw builder.wrap(error);
  }
  return builder.finish();
}

/**
 * Parses CSV from a stream of bytes (UTF-8) as {@linkcode parseCsv} parses text, record by
 * record as the bytes arrive: memory holds the numbers and the first line, not the whole text.
 *
 * @param stream The bytes, e.g. `(await Deno.open(path)).readable` or a `fetch` body.
 * @param options Which column is the label, header, delimiter, name for messages.
 * @returns The data set.
 * @throws {TypeError} If `stream` is not a `ReadableStream`, or as {@linkcode parseCsv}.
 * @throws {SyntaxError} As {@linkcode parseCsv}, but a label or header name holding U+FFFD is
 *   refused only when its bytes are not UTF-8 (a Latin-1 file's accents): U+FFFD written in UTF-8
 *   (EF BF BD) is read as it is.
 * @throws {RangeError} As {@linkcode parseCsv}.
 *
 * @example Parsing a stream
 * ```ts
 * import { parseCsvStream } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * const stream = new Blob(["a,y\n1,no\n", "2,yes\n"]).stream();
 * const d = await parseCsvStream(stream);
 * assert.deepEqual([...d.x.data], [1, 2]);
 * assert.deepEqual(d.classes, ["no", "yes"]);
 * ```
 */
export async function parseCsvStream(
  stream: ReadableStream<Uint8Array>,
  options: CsvOptions = {},
): Promise<Dataset> {
  const name = nameOf(options);
  checkOptionKeys(`read CSV '${name}'`, options, CSV_OPTION_KEYS);
  checkCsvFormat(name, options);
  checkLabelAndDelimiter(name, options);
  if (!(stream instanceof ReadableStream)) {
    throw new TypeError(
      `Cannot read CSV '${name}': stream must be a ReadableStream of ` +
        `bytes, got ${describe(stream)}`,
    );
  }
  const window = new ByteWindow();
  const builder = new TableBuilder(options, window);
  try {
    // Records are consumed in on_record (it returns null), so nothing reaches the sink.
    // The bytes are held back until the first non-blank line has ended, so that an error in it
    // (the parser stops at the first bad quote) is hinted from the whole line, as readCsvBatches
    // hints it.
    const decoder = new TextDecoder();
    let held: Uint8Array[] | null = [];
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (held === null) {
          window.push(chunk);
          controller.enqueue(chunk);
          return;
        }
        held.push(chunk);
        if (builder.noteText(decoder.decode(chunk, { stream: true }))) return;
        for (const c of held) window.push(c), controller.enqueue(c);
        held = null;
      },
      flush(controller) {
        for (const c of held ?? []) window.push(c), controller.enqueue(c);
      },
    });
    await stream.pipeThrough(tap).pipeThrough(parseStream(parserOptions(options, builder)))
      .pipeTo(new WritableStream());
  } catch (error) {
    throw builder.wrap(error);
  }
  return builder.finish();
}

/**
 * Reads a CSV file into a data set, streaming it from disk. See {@linkcode parseCsv} for the
 * format rules.
 *
 * @param path The file's path or URL.
 * @param options Label column, header, delimiter, size limit, progress hook.
 * @returns The data set.
 * @throws {TypeError} If `path` is not a non-empty string or a URL, or the file cannot be read
 *   (missing, unreadable, a directory, an http URL), naming it.
 * @throws {RangeError} If the file is larger than `maxBytes`, `maxBytes` is not a number >= 0, or
 *   as {@linkcode parseCsv}.
 * @throws {SyntaxError} As {@linkcode parseCsvStream}; also if the file is gzip-compressed or an
 *   lrcompress model file.
 */
export async function readCsv(path: string | URL, options: ReadCsvOptions = {}): Promise<Dataset> {
  const file = pathText(path);
  checkOptionKeys(`read CSV '${file}'`, options, READ_CSV_OPTION_KEYS);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES;
  assertInRange(`read CSV '${file}'`, "maxBytes", maxBytes, 0, Infinity);
  checkCsvFormat(file, options);
  checkLabelAndDelimiter(file, options);
  const cannot = (reason: string) => `Cannot read CSV '${file}': ${reason}`;
  // Deno.stat reads a number or null as the path '' ("No such file ... stat ''").
  if ((typeof path !== "string" || path === "") && !(path instanceof URL)) {
    throw new TypeError(
      `Cannot read CSV: path must be a non-empty string or a file URL, got ${describe(path)}`,
    );
  }
  let handle: Deno.FsFile;
  let size: number;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    // Deno's own TypeErrors too (an http URL, a NUL byte in the name): they had no "Cannot".
    throw openFailure(file, error);
  }
  // Opening a named pipe waits for a writer, forever if none comes: refuse it before opening.
  if (!info.isFile && !info.isDirectory) throw new TypeError(cannot("it is not a regular file"));
  try {
    handle = await Deno.open(path);
  } catch (error) {
    throw openFailure(file, error);
  }
  try {
    const stat = await handle.stat();
    // A folder, or a pipe or device (whose size, which the limit needs, is not known).
    if (stat.isDirectory) throw new TypeError(cannot("it is a folder"));
    if (!stat.isFile) throw new TypeError(cannot("it is not a regular file"));
    size = stat.size;
  } catch (error) {
    handle.close();
    if (error instanceof TypeError) throw error;
    throw new TypeError(cannot((error as Error).message));
  }
  if (size > maxBytes) {
    handle.close();
    throw new RangeError(
      cannot(
        `it is ${size} bytes, more than the limit of ${maxBytes} bytes (option maxBytes, ` +
          "--max-data-bytes in lrc); " +
          "raise the limit if the machine has the memory (about 9 bytes per value read, " +
          "4.5 times the size of a file of one-digit cells)",
      ),
    );
  }
  try {
    const head = new Uint8Array(MODEL_FILE_MAGIC.length);
    const n = await handle.read(head);
    const compressed = binaryReason(head.subarray(0, n ?? 0), file);
    if (compressed !== null) throw new SyntaxError(cannot(compressed));
    await handle.seek(0, Deno.SeekMode.Start);
  } catch (error) {
    handle.close();
    if (error instanceof SyntaxError) throw error;
    throw new TypeError(cannot((error as Error).message));
  }
  // The stream closes the file when it ends, fails or is cancelled.
  const { maxBytes: _maxBytes, onProgress, ...csv } = options;
  let bytes = handle.readable;
  if (onProgress !== undefined) {
    let bytesRead = 0;
    bytes = bytes.pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          bytesRead += chunk.length;
          onProgress({ bytesRead, totalBytes: size });
        },
      }),
    );
  }
  return await parseCsvStream(bytes, { ...csv, fileName: file });
}

/**
 * Checks the option values every CSV reader shares (a `header` of `"no"` would otherwise read as
 * true, an unknown `dtype` as the default).
 *
 * @param file The file, for messages.
 * @param options The reader's options.
 * @throws {TypeError} If `header` is given and is not a boolean.
 * @throws {RangeError} If `dtype` is given and is not `"float32"` or `"float64"`.
 */
export function checkCsvFormat(
  file: string,
  options: { readonly header?: unknown; readonly dtype?: unknown },
): void {
  const { header, dtype } = options;
  if (header !== undefined && typeof header !== "boolean") {
    throw new TypeError(
      `Cannot read CSV '${file}': header must be a boolean, got ${describe(header)}`,
    );
  }
  if (dtype !== undefined && dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(
      `Cannot read CSV '${file}': dtype must be float32 or float64, got ${describe(dtype)}`,
    );
  }
}

/**
 * Checks the label and delimiter options of the csv-parse readers, which took a delimiter that
 * was not a string, or empty, for a malformed file ("invalid CSV near line ?: Invalid option
 * delimiter ..."), and a label of another type for a column name ("no column named 'true'").
 * The streaming reader checks its own (one ASCII character; `null` for no label).
 *
 * @throws {TypeError} If `label` is not a string or number, or `delimiter` is not a string.
 * @throws {RangeError} If `delimiter` is empty or holds a quote or a line break.
 */
function checkLabelAndDelimiter(
  file: string,
  options: { readonly label?: unknown; readonly delimiter?: unknown },
): void {
  const { label, delimiter } = options;
  if (label !== undefined && typeof label !== "string" && typeof label !== "number") {
    throw new TypeError(
      `Cannot read CSV '${file}': label must be a column name or a zero-based column index, ` +
        `got ${describe(label)}`,
    );
  }
  if (delimiter === undefined) return;
  if (typeof delimiter !== "string") {
    throw new TypeError(
      `Cannot read CSV '${file}': delimiter must be a string, got ${describe(delimiter)}`,
    );
  }
  if (delimiter === "" || /["\r\n]/.test(delimiter)) {
    throw new RangeError(
      `Cannot read CSV '${file}': delimiter must be a non-empty string without a quote or a ` +
        `line break, got ${JSON.stringify(delimiter)}`,
    );
  }
}

/**
 * Why the first bytes of a CSV file are not text: gzip's magic number (RFC 1952), or an
 * lrcompress model file's (a model given where the data belong, as `lrc predict --data m.lrc`),
 * which read as text give a delimiter hint or line-end error about the binary bytes instead. The
 * advice for gzip is a command that works for the name: gunzip takes only a name ending in `.gz`
 * (it ignores `data.csv` as of "unknown suffix"), `gzip -dc` any, and a stream, which has no
 * name to give a command (standard input), is piped through `gzip -dc`.
 *
 * @param head The file's first bytes (eight are enough).
 * @param file The file, for the advice; `null` for a stream.
 * @returns The reason, or `null`.
 */
export function binaryReason(head: Uint8Array, file: string | null): string | null {
  if (
    head.length >= MODEL_FILE_MAGIC.length && MODEL_FILE_MAGIC.every((b, i) => head[i] === b)
  ) {
    return "it is an lrcompress model file, not CSV (give it as --model in lrc, or read it " +
      "with loadModel)";
  }
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return null;
  if (file === null) return "it is gzip-compressed; decompress it first (pipe it through gzip -dc)";
  const command = file.endsWith(".gz")
    ? `gunzip -k '${file}'`
    : `gzip -dc '${file}' > decompressed.csv`;
  return `it is gzip-compressed; decompress it first (${command})`;
}

/**
 * The path a path or URL names: a `file:` URL's path percent-decoded (a space in a folder's name
 * is `%20` in the URL, and no file is named with it), another URL as written, a string as it is.
 *
 * @param path The path or URL.
 * @returns The text.
 */
export function pathText(path: string | URL): string {
  if (!(path instanceof URL)) return path;
  if (path.protocol !== "file:") return path.href;
  try {
    return decodeURIComponent(path.pathname);
  } catch {
    return path.pathname;
  }
}

/**
 * Why a CSV file could not be opened or examined. Deno lets only `--allow-all` touch a device
 * such as `/dev/stdin` (its own message says to run again with it, which `deno task lrc` cannot);
 * lrcompress reads data files, so the device is named as what it is.
 *
 * @param file The path, for the message.
 * @param error What opening or examining it threw.
 * @returns The error to throw.
 */
export function openFailure(file: string, error: unknown): TypeError {
  const reason = error instanceof Deno.errors.NotCapable && /^\/dev\//.test(file)
    ? "it is a device, not a data file; save the data to a file and name that"
    : (error as Error).message;
  return new TypeError(`Cannot read CSV '${file}': ${reason}`);
}

/** csv-parse options that hand every record to the builder and keep none. */
function parserOptions(options: CsvOptions, builder: TableBuilder) {
  return {
    bom: true,
    delimiter: options.delimiter ?? ",",
    record_delimiter: ["\r\n", "\n", "\r"], // any mix of line ends
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true, // blanks around a cell, as in ' "1" ,x' (kept inside quotes)
    on_record: (
      record: string[],
      context: { lines: number; empty_lines: number; bytes: number },
    ) => {
      builder.add(record, context.lines, context.empty_lines, context.bytes);
      return null;
    },
  };
}

/** Forms `Number()` reads that are not decimal numbers (hexadecimal, octal, binary). */
export const NON_DECIMAL = /^\s*[+-]?0[xXoObB]/;

/** Values per storage block of the growing feature matrix. */
const BLOCK_VALUES = 1 << 17;

/**
 * The bytes of a stream from where the record being read starts, so that a label or name holding
 * U+FFFD can be told to be written so in UTF-8 or put for bytes that are not UTF-8. It holds the
 * chunks handed to the parser since that record began (the parser's queue holds most of them
 * anyway); the bytes are looked at only when U+FFFD is found.
 */
class ByteWindow {
  #chunks: Uint8Array[] = [];
  /** The index of the first chunk kept in `#chunks`. */
  #first = 0;
  /** The stream offset of `#chunks[#first]`. */
  #start = 0;

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
  }

  /** Forgets the chunks that end at or before `offset`. */
  drop(offset: number): void {
    const chunks = this.#chunks;
    while (this.#first < chunks.length && this.#start + chunks[this.#first].length <= offset) {
      this.#start += chunks[this.#first++].length;
    }
    if (this.#first > 64 && this.#first * 2 > chunks.length) {
      this.#chunks = chunks.slice(this.#first);
      this.#first = 0;
    }
  }

  /** The bytes from offset `from` to offset `to` (both within the kept chunks). */
  slice(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from));
    let at = this.#start;
    for (let i = this.#first; i < this.#chunks.length && at < to; i++) {
      const c = this.#chunks[i];
      const s = Math.max(from, at), e = Math.min(to, at + c.length);
      if (e > s) out.set(c.subarray(s - at, e - at), s - from);
      at += c.length;
    }
    return out;
  }
}

/** A buffer of `bytes` bytes that can be shrunk, which gives its memory back at once. */
function resizableBuffer(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes, { maxByteLength: bytes });
}

/** Turns records into the feature matrix and labels as they arrive. */
class TableBuilder {
  readonly #file: string;
  readonly #options: CsvOptions;
  /** The stream's bytes, or `null` for text (whose U+FFFD cannot be told apart). */
  readonly #window: ByteWindow | null;
  /** The stream offsets where the record being read starts and ends. */
  #recordFrom = 0;
  #recordTo = 0;
  #names: string[] | null = null;
  #width = 0;
  #labelCol = -1;
  /** The label column's name when no label was named (the last column was taken). */
  #guessedLabel: string | undefined;
  #featureCols: Int32Array = new Int32Array(0);
  #blocks: (Float32Array | Float64Array)[] = [];
  #block: Float32Array | Float64Array | null = null;
  #blockFill = 0;
  #rows = 0;
  #labelIds = new Int32Array(1024);
  readonly #labelIndex = new Map<string, number>();
  #prevEnd = 0;
  #prevEmpty = 0;
  #shift = 0;
  #records = 0;
  /**
   * The file's text up to the end of its first non-blank line (the whole line, however long: the
   * streaming reader hints from the whole line too), for a hint on line 1.
   */
  #head = "";
  /** Whether `#head` holds a character that is not white space. */
  #headBegun = false;
  /** Whether `#head` holds its first non-blank line to the end. */
  #headDone = false;

  constructor(options: CsvOptions, window: ByteWindow | null = null) {
    this.#options = options;
    this.#window = window;
    this.#file = options.fileName ?? "<csv>";
  }

  fail(reason: string): never {
    throw new SyntaxError(`Cannot read CSV '${this.#file}': ${reason}`);
  }

  /**
   * Keeps the start of the text, for {@linkcode wrap}, until its first non-blank line has ended.
   *
   * @param text The next piece of the text.
   * @returns Whether more text is wanted.
   */
  noteText(text: string): boolean {
    if (this.#headDone) return false;
    this.#head += text;
    let from = 0;
    if (!this.#headBegun) {
      from = text.search(/\S/);
      if (from < 0) return true;
      this.#headBegun = true;
    }
    this.#headDone = /[\r\n]/.test(from === 0 ? text : text.slice(from));
    return !this.#headDone;
  }

  /** Our own errors pass through; the parser's become a SyntaxError naming the line. */
  wrap(error: unknown): Error {
    if (
      (error instanceof SyntaxError || error instanceof RangeError) &&
      error.message.startsWith("Cannot read CSV")
    ) {
      return error;
    }
    const e = error as { message?: string; lines?: number; code?: string; empty_lines?: number };
    const reason = quoteReason(error);
    if (reason !== null && e.empty_lines !== undefined) {
      // The record after the last one read, which starts past the empty lines that followed it
      // (csv-parse names the line it stopped on: for an unclosed quote, where the text ends).
      const line = this.#prevEnd + (e.empty_lines - this.#prevEmpty) + 1;
      // On the first line, a quote may only show that the file uses another delimiter.
      const hint = this.#records === 0
        ? quotedDelimiterHint(firstLineOf(this.#head), this.#options.delimiter)
        : "";
      return new SyntaxError(`Cannot read CSV '${this.#file}': line ${line}, ${reason}${hint}`);
    }
    return new SyntaxError(
      `Cannot read CSV '${this.#file}': invalid CSV near line ${e.lines ?? "?"}: ${
        e.message ?? String(error)
      }`,
    );
  }

  add(record: string[], lines: number, emptyLines: number, bytes: number): void {
    this.#recordFrom = this.#recordTo;
    this.#recordTo = bytes;
    this.#window?.drop(this.#recordFrom);
    // The line on which the record starts (records may span lines inside quotes).
    const line = this.#prevEnd + (emptyLines - this.#prevEmpty) + 1;
    if (lines - this.#shift - line > 0) {
      // csv-parse counts a CRLF inside a quoted field as two lines: count it once.
      for (const field of record) this.#shift += field.split("\r\n").length - 1;
    }
    this.#prevEnd = lines - this.#shift;
    this.#prevEmpty = emptyLines;
    // A line of white space only never gets here (csv-parse's trim and skip_empty_lines drop it);
    // a quoted empty cell alone (`""`) is a row of one field, as RFC 4180 and python's csv read it.
    this.#records++;
    if (this.#names === null) {
      this.#start(record, line);
      if (this.#options.header ?? true) return;
    }
    this.#row(record, line);
  }

  #start(first: string[], line: number): void {
    const width = first.length;
    const header = this.#options.header ?? true;
    const names = header
      ? first.map((n, j) => n.trim() === "" ? `column_${j + 1}` : n.trim())
      : Array.from({ length: width }, (_, j) => `column_${j + 1}`);
    checkHeaderText(names, line, this.#file, this.#window === null ? undefined : this.#faithful);
    checkHeaderNames(names, line, this.#file);
    if (width < 2) {
      this.fail(
        `it has ${width} column; a feature and a label column are needed${
          delimiterHint(first[0] ?? "", this.#options.delimiter)
        }`,
      );
    }
    this.#names = names;
    this.#width = width;
    this.#labelCol = resolveLabelColumn(this.#options.label, names, this.#file);
    if (this.#options.label === undefined) this.#guessedLabel = names[this.#labelCol];
    this.#featureCols = Int32Array.from(names.keys()).filter((j) => j !== this.#labelCol);
  }

  #row(rec: string[], line: number): void {
    const names = this.#names!;
    const width = this.#width;
    if (rec.length !== width) {
      this.fail(
        raggedRowReason(
          line,
          rec.length,
          names,
          this.#options.header ?? true,
          rec.at(-1),
          this.#options.delimiter,
        ),
      );
    }
    const cols = this.#featureCols;
    const nFeatures = cols.length;
    if (this.#block === null || this.#blockFill + nFeatures > this.#block.length) {
      const size = Math.max(nFeatures, BLOCK_VALUES - (BLOCK_VALUES % nFeatures));
      // Resizable, so that finish() can give each block's memory back as soon as it is copied.
      this.#block = this.#options.dtype === "float32"
        ? new Float32Array(resizableBuffer(size * 4))
        : new Float64Array(resizableBuffer(size * 8));
      this.#blocks.push(this.#block);
      this.#blockFill = 0;
    }
    const block = this.#block;
    const o = this.#blockFill;
    for (let c = 0; c < nFeatures; c++) {
      const j = cols[c];
      const cell = rec[j];
      const v = cell.trim() === "" ? NaN : Number(cell);
      if (!Number.isFinite(v) || NON_DECIMAL.test(cell)) {
        // An empty label before this cell is the row's first problem (the streaming reader's rule).
        if (this.#labelCol < j) this.#checkLabel(rec, line);
        this.fail(
          `line ${line}, column ${j + 1} (${quotedText(names[j])}) ${
            this.#rows === 0 && this.#guessedLabel !== undefined
              ? describeCell(
                cell,
                v,
                this.#guessedLabel,
                onlyTextColumn(rec, this.#labelCol) === j
                  ? { name: names[j], index: j }
                  : undefined,
              )
              : describeCell(cell, v)
          }`,
        );
      }
      block[o + c] = v;
      if (!Number.isFinite(block[o + c])) {
        if (this.#labelCol < j) this.#checkLabel(rec, line);
        this.fail(
          `line ${line}, column ${j + 1} (${quotedText(names[j])}) ${overflowsFloat32(cell)}`,
        );
      }
    }
    const label = this.#checkLabel(rec, line);
    let id = this.#labelIndex.get(label);
    if (id === undefined) this.#labelIndex.set(label, id = this.#labelIndex.size);
    if (this.#rows === this.#labelIds.length) {
      const grown = new Int32Array(this.#labelIds.length * 2);
      grown.set(this.#labelIds);
      this.#labelIds = grown;
    }
    this.#labelIds[this.#rows++] = id;
    this.#blockFill += nFeatures;
  }

  /** The row's label, trimmed; refuses an empty one. */
  #checkLabel(rec: string[], line: number): string {
    const label = rec[this.#labelCol].trim();
    if (label === "") {
      this.fail(
        emptyLabelReason(
          line,
          this.#labelCol,
          this.#names!,
          this.#options.header ?? true,
          this.#options.delimiter,
        ),
      );
    }
    if (label.includes("\ufffd") && !(this.#window !== null && this.#faithful(label))) {
      this.fail(
        notUtf8Label(
          line,
          this.#labelCol,
          this.#names![this.#labelCol],
          label,
          this.#window === null,
        ),
      );
    }
    return label;
  }

  /** Whether a label or name of the record being read holds U+FFFD as written in UTF-8. */
  readonly #faithful = (text: string): boolean =>
    writtenInUtf8(this.#window!.slice(this.#recordFrom, this.#recordTo), text);

  finish(): Dataset {
    if (this.#records === 0) this.fail("the file is empty");
    if (this.#rows === 0) this.fail("it has a header but no data rows");
    const nFeatures = this.#featureCols.length;
    const n = this.#rows * nFeatures;
    const data = this.#options.dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    // The matrix's pages are taken as they are written, and each block's are given back (its
    // buffer shrunk to nothing) once it is copied: the blocks and the matrix are not held at
    // once, and the peak is the matrix and one block, not twice the matrix.
    let off = 0;
    for (let b = 0; b < this.#blocks.length; b++) {
      const block = this.#blocks[b];
      const take = Math.min(block.length, n - off);
      data.set(take === block.length ? block : block.subarray(0, take), off);
      off += take;
      (block.buffer as ArrayBuffer).resize(0);
    }
    this.#blocks = [];
    this.#block = null;
    // Classes in encodeLabels' order (numeric or lexicographic), mapped from first appearance.
    const { y: classOf, classes } = encodeLabels([...this.#labelIndex.keys()]);
    const y = new Int32Array(this.#rows);
    for (let i = 0; i < y.length; i++) y[i] = classOf[this.#labelIds[i]];
    const x: Matrix = { data, rows: this.#rows, cols: nFeatures };
    return { x, y, classes, featureNames: Array.from(this.#featureCols, (j) => this.#names![j]) };
  }
}

/** Why a cell that does not start with a quote but holds one is refused (every CSV reader). */
export const STRAY_QUOTE = "a quote is in a cell that does not start with one";

/** Why a quoted cell followed by more than blanks is refused (every CSV reader). */
export const TEXT_AFTER_QUOTE = "text follows a quoted cell";

/**
 * Why csv-parse refused a quote, in the words of the streaming reader: a quote in a cell that
 * does not start with one (`1"`, `1"2`), text after a quoted cell (`"1"x`), a quote never closed.
 *
 * @param error What csv-parse threw.
 * @returns E.g. "column 2: a quote is in a cell that does not start with one", to follow
 *   "line L, "; or `null` for another error.
 */
export function quoteReason(error: unknown): string | null {
  const { code, column } = error as { code?: string; column?: unknown };
  if (typeof column !== "number") return null;
  switch (code) {
    case "INVALID_OPENING_QUOTE":
      return `column ${column + 1}: ${STRAY_QUOTE}`;
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return `column ${column + 1}: ${TEXT_AFTER_QUOTE}`;
    case "CSV_QUOTE_NOT_CLOSED":
      return `column ${column + 1}: a quoted cell is never closed`;
  }
  return null;
}

/**
 * Why a row with the wrong number of fields is refused (shared by every CSV reader).
 *
 * @param line The row's line number.
 * @param count Its number of fields.
 * @param names The column names (their number is the expected width).
 * @param header Whether the first record is a header.
 * @param lastCell The row's last cell, if known: a row of one field too many whose last is empty
 *   gets the hint that the lines end with the delimiter ({@linkcode trailingDelimiterHint}).
 * @param delimiter The delimiter, for that hint.
 * @returns E.g. `line 3 has 2 fields, the header has 3: column 3 ("y") is missing`, with a hint
 *   when the header is scikit-learn's first line of a data set (see
 *   {@linkcode looksLikeSklearnHeader}).
 */
export function raggedRowReason(
  line: number,
  count: number,
  names: readonly string[],
  header: boolean,
  lastCell?: string,
  delimiter = ",",
): string {
  const width = names.length;
  const which = count < width
    ? `column ${count + 1} (${quotedText(names[count])}) is missing`
    : `column ${width + 1} is extra${
      count === width + 1 && lastCell?.trim() === ""
        ? ` and empty${trailingDelimiterHint(delimiter)}`
        : ""
    }`;
  return `line ${line} has ${counted(count, "field")}, ${
    header ? "the header" : "line 1"
  } has ${width}: ${which}${
    looksLikeSklearnHeader(names, count) ? `; ${SKLEARN_FORMAT_HINT}` : ""
  }`;
}

/**
 * What to do about lines that end with the delimiter (`1,2,0,`), as some exporters write them:
 * every row then has an empty field more than the header, or, when the header ends so too, an
 * empty last column without a name.
 *
 * @param delimiter The delimiter.
 * @returns `": if the lines end with the delimiter ..."`.
 */
export function trailingDelimiterHint(delimiter: string): string {
  return `: if the lines end with the delimiter ${
    delimiter === "\t" ? "'\\t'" : `'${delimiter}'`
  } (as some exporters write them), remove it from the end of each line`;
}

/**
 * Why an empty label is refused: the line, the column, and, when the label is the last column
 * and the header gave it no name, the hint that the lines end with the delimiter (shared by every
 * CSV reader).
 *
 * @param line The row's line number.
 * @param labelCol The label column's zero-based index.
 * @param names The column names (`column_<position>` for a header's empty name).
 * @param header Whether the first record is a header.
 * @param delimiter The delimiter.
 * @returns E.g. `line 2, label column 3 ("y") is empty`.
 */
export function emptyLabelReason(
  line: number,
  labelCol: number,
  names: readonly string[],
  header: boolean,
  delimiter = ",",
): string {
  const last = labelCol === names.length - 1 && header &&
    names[labelCol] === `column_${labelCol + 1}`;
  return `line ${line}, label column ${labelCol + 1} (${quotedText(names[labelCol])}) is empty${
    last ? `; the header gives that column no name either${trailingDelimiterHint(delimiter)}` : ""
  }`;
}

/**
 * What a message says of a file in scikit-learn's own data-set format (its
 * `sklearn/datasets/data/*.csv`), whose first line is the number of rows, the number of features
 * and the class names, and whose rows hold the features and the class index: the format and the
 * remedy (see {@linkcode looksLikeSklearnHeader}).
 */
export const SKLEARN_FORMAT_HINT: string =
  "this looks like scikit-learn's data-set format, whose first line gives the rows, " +
  "features and class names: replace that line by the columns' names, or use the embedded " +
  "copies of breast-cancer, iris and wine (loadEmbedded; lrc: --dataset NAME)";

/**
 * Whether a header is scikit-learn's first line of a data set (see
 * {@linkcode SKLEARN_FORMAT_HINT}): two non-negative integers followed by at least one name, the
 * second plus one being the width of a data row (the features and the label) and, when the number
 * of data rows is known, the first being that number.
 *
 * @param names The header's fields, trimmed.
 * @param count The number of fields of a data row.
 * @param rows The number of data rows, if known.
 * @returns Whether it looks so.
 *
 * @example
 * ```ts
 * import { looksLikeSklearnHeader } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * // iris.csv: 150 rows of 4 features and the class index.
 * const names = ["150", "4", "setosa", "versicolor", "virginica"];
 * assert.equal(looksLikeSklearnHeader(names, 5, 150), true);
 * assert.equal(looksLikeSklearnHeader(names, 5, 149), false);
 * ```
 */
export function looksLikeSklearnHeader(
  names: readonly string[],
  count: number,
  rows?: number,
): boolean {
  const integer = /^\d+$/;
  return names.length >= 3 && integer.test(names[0]) && integer.test(names[1]) &&
    count === Number(names[1]) + 1 && (rows === undefined || rows === Number(names[0]));
}

/** Cells that mark a missing value or spell a non-finite number (not a moved label's text). */
const MISSING_OR_NUMBER = /^\s*[+-]?(nan|na|n\/a|null|none|inf|infinity|\?|-)?\s*$/i;

/** Cells that mark a missing value (not a number in another spelling, such as `inf`). */
const MISSING = /^\s*(nan|na|n\/a|null|none|\?|-)\s*$/i;

/**
 * Whether a cell is one of the markers that pandas, R, spreadsheets and databases write for a
 * missing value: `NaN`, `NA`, `N/A`, `null`, `None`, `?` or `-`, in any case, blanks around it
 * allowed (an empty cell is one too, but is not checked here).
 *
 * @param cell The cell's text.
 * @returns Whether it is such a marker.
 *
 * @example
 * ```ts
 * import { isMissingMarker } from "./csv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isMissingMarker(" NA"), true);
 * assert.equal(isMissingMarker("null"), true);
 * assert.equal(isMissingMarker("nap"), false);
 * ```
 */
export function isMissingMarker(cell: string): boolean {
  return MISSING.test(cell);
}

/** A number written with commas: a decimal comma (`1,5`) or thousands separators (`1,234.5`). */
const COMMA_NUMBER = /^\s*[+-]?\d*(,\d+)+(\.\d*)?\s*$/;

/**
 * A number whose digits are grouped by thousands separators other than commas, as European and
 * Swiss spreadsheets write them: dots (`1.234.567`, `1.234,5`), spaces (a
 * blank, a no-break or thin one: `1 234,5`), apostrophes (`1'234.5`) or underscores (`1_000`).
 * A single group of dots (`1.234`) reads as a decimal number and is not refused.
 */
const GROUPED_NUMBER =
  /^\s*[+-]?\d{1,3}(?<sep>[.'\u2019_ \u00a0\u202f\u2009])\d{3}(?:\k<sep>\d{3})*(?:(?!\k<sep>)[.,]\d+)?\s*$/;

/** The separators of {@linkcode GROUPED_NUMBER}, named. */
const SEPARATOR_NAMES: Readonly<Record<string, string>> = {
  ".": "dots",
  "'": "apostrophes",
  "\u2019": "apostrophes",
  "_": "underscores",
  " ": "spaces",
  "\u00a0": "no-break spaces",
  "\u202f": "narrow no-break spaces",
  "\u2009": "thin spaces",
};

/** What to do about a missing value: an empty cell or a marker such as `NA`. */
const MISSING_HINT = "; missing values are not read: drop the rows that hold them or fill them in";

/**
 * What to do about a refused cell that is a missing-value marker or a number written with a
 * comma or other thousands separators, none of which the readers take.
 *
 * @param cell The cell's text.
 * @returns `"; ..."`, or `""` for other cells.
 */
function cellHint(cell: string): string {
  if (MISSING.test(cell)) return MISSING_HINT;
  if (COMMA_NUMBER.test(cell)) {
    return "; a comma in a number (decimal or thousands separator) is not read: write numbers " +
      "with a decimal point only (1.5, 1234)";
  }
  const grouped = GROUPED_NUMBER.exec(cell);
  if (grouped !== null) {
    return `; digits grouped by ${
      SEPARATOR_NAMES[grouped.groups!.sep]
    } (thousands separators) are not read: write numbers without them, with a decimal point ` +
      "only (1234567.5)";
  }
  if (BOOLEAN.test(cell)) return BOOLEAN_HINT;
  return "";
}

/** How pandas writes a boolean column (True, False) and spreadsheets do (TRUE, FALSE). */
const BOOLEAN = /^\s*(true|false)\s*$/i;

/** What to do about a boolean cell. */
const BOOLEAN_HINT = "; true and false are not read as numbers: write the column as 1 and 0 " +
  "(pandas: df[col].astype(int))";

/**
 * Why a feature cell is refused (shared by every CSV reader).
 *
 * @param cell The cell's text.
 * @param v The number it parsed to (NaN if none, or an infinity).
 * @param guessedLabel The label column's name when no label column was named and the last one
 *   was taken, and the cell is in the first data row (text where a feature goes is then often the
 *   label, in another column; after a number in that column it is not).
 * @param alone The cell's column (name and zero-based index) when it is the only one of its row
 *   that holds text ({@linkcode onlyTextColumn}); with `guessedLabel`, the message names it as the
 *   likely label.
 * @returns E.g. "holds 'abc', which is not a finite decimal number" (also for 'Infinity'),
 *   "holds '1e400', which overflows to Infinity", or "is empty; missing values are not read: ...".
 */
export function describeCell(
  cell: string,
  v: number,
  guessedLabel?: string,
  alone?: { readonly name: string; readonly index: number },
): string {
  // Not cut through a surrogate pair: half an emoji is a lone surrogate in the message.
  const cut = cell.charCodeAt(39) >= 0xd800 && cell.charCodeAt(39) <= 0xdbff ? 39 : 40;
  const shown = cell.length > 40 ? `${cell.slice(0, cut)}...` : cell;
  // An empty cell is how most tools (pandas, spreadsheets) write a missing value.
  if (cell.trim() === "") return `is empty${MISSING_HINT}`;
  // "Infinity" is how Number() spells an infinity; only a decimal numeral can overflow.
  if (Number.isNaN(v) || NON_DECIMAL.test(cell) || cell.includes("Infinity")) {
    // A boolean is a feature written as text more often than a moved label: one hint, the
    // boolean's, naming the label option only for a column that could be the label.
    if (BOOLEAN.test(cell)) {
      return `holds '${shown}', which is not a finite decimal number${BOOLEAN_HINT}${
        guessedLabel === undefined || alone === undefined
          ? ""
          : `, or, if column ${quotedText(alone.name)} is the label (none was named, so the last, ${
            quotedText(guessedLabel)
          }, was taken), ` +
            `name it (${labelOption(alone.name, alone.index)})`
      }`;
    }
    // Text where a feature goes is often the label in another column than the last; a
    // missing-value marker or a number in another notation is not.
    const note =
      guessedLabel === undefined || MISSING_OR_NUMBER.test(cell) || NON_DECIMAL.test(cell) ||
        COMMA_NUMBER.test(cell) || GROUPED_NUMBER.test(cell)
        ? ""
        : `; no label column was named, so the last (${
          quotedText(guessedLabel)
        }) was taken as the label${alone === undefined ? "" : labelHint(alone.name, alone.index)}`;
    return `holds '${shown}', which is not a finite decimal number${note}${cellHint(cell)}`;
  }
  return `holds '${shown}', which overflows to ${v}`;
}

/**
 * What to give to read a column as the label: its name as an option, and on the command line the
 * name when it is a plain word (no quoting needed, not read as an index), else its index.
 */
function labelHint(name: string, index: number): string {
  return `; column ${quotedText(name)} is the only column of text in this row: if it is the ` +
    `label, name it (${labelOption(name, index)})`;
}

/** The label option naming a column, as an option and on the command line ({@linkcode labelHint}). */
function labelOption(name: string, index: number): string {
  const word = /^[A-Za-z_][\w.-]*$/.test(name) ? name : String(index);
  return `label: ${quotedText(name)}; lrc: --label ${word}`;
}

/**
 * Whether a cell holds text: not a number, a missing-value marker or a number with a comma or
 * other thousands separators.
 */
function holdsText(cell: string): boolean {
  return cell.trim() !== "" && Number.isNaN(Number(cell)) && !MISSING_OR_NUMBER.test(cell) &&
    !COMMA_NUMBER.test(cell) && !GROUPED_NUMBER.test(cell);
}

/**
 * The only column of a row whose cell holds text (not a number, a missing-value marker or a
 * number written with a comma), when that column is not the label column: the likely label, when
 * the last column was taken as it.
 *
 * @param cells The row's cells.
 * @param labelCol The label column's index.
 * @returns The column's index, or -1 if no column, more than one or the label column holds text.
 */
export function onlyTextColumn(cells: readonly string[], labelCol: number): number {
  let found = -1;
  for (let j = 0; j < cells.length; j++) {
    if (!holdsText(cells[j])) continue;
    if (found >= 0 || j === labelCol) return -1;
    found = j;
  }
  return found;
}

/**
 * Whether bytes are valid UTF-8: then a U+FFFD decoded from them was written as the character
 * itself (EF BF BD), not put by the decoder for bytes it could not decode.
 *
 * @param bytes The bytes.
 * @returns Whether they decode without a replacement.
 */
export function validUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a label or name holding U+FFFD, read from bytes, holds it as written in UTF-8 (EF BF
 * BD): the bytes it was read from (its record's, or its own) are valid UTF-8, or, when they are
 * not, hold its text encoded in UTF-8 (so that in a row whose other cell is not UTF-8, it is that
 * cell, not this label or name, that is refused). Asked only when U+FFFD is found.
 *
 * @param bytes The bytes of its record (or of itself).
 * @param text The label or name as read.
 * @returns Whether it is written so.
 */
export function writtenInUtf8(bytes: Uint8Array, text: string): boolean {
  if (validUtf8(bytes)) return true;
  const t = new TextEncoder().encode(text);
  outer: for (let i = 0; i + t.length <= bytes.length; i++) {
    for (let k = 0; k < t.length; k++) if (bytes[i + k] !== t[k]) continue outer;
    return true;
  }
  return false;
}

/**
 * Why a label holding U+FFFD is refused: the UTF-8 decoder puts that character for bytes that are
 * not UTF-8 (the accents of a Latin-1 or Windows-1252 file), so labels that differ only there
 * (`café`, `cafè`) would be read as one class. A reader of bytes refuses it only when the bytes
 * are not valid UTF-8 ({@linkcode validUtf8}: a U+FFFD written in UTF-8 is a character like
 * another); a reader of text, which has no bytes, refuses every one and says both remedies.
 *
 * @param line The line, counted from 1.
 * @param col The label column, counted from 0.
 * @param name The label column's name.
 * @param label The label as read.
 * @param fromText Whether it was read from text (`parseCsv`), not from bytes.
 * @returns The reason, to follow `Cannot read CSV '<file>': `.
 */
export function notUtf8Label(
  line: number,
  col: number,
  name: string,
  label: string,
  fromText = false,
): string {
  return `line ${line}, label column ${col + 1} (${quotedText(name)}) holds ${quotedText(label)}, ${
    fromText ? FFFD_IN_TEXT : NOT_UTF8
  } (labels that differ only there would be one class): ${
    fromText ? TEXT_REMEDY : CONVERT_TO_UTF8
  }`;
}

/** What U+FFFD in a cell or name read from a file whose bytes are not UTF-8 shows. */
const NOT_UTF8 = "whose U+FFFD is what a UTF-8 reader puts for bytes that are not UTF-8";

/** The remedy for a file that is not UTF-8. */
const CONVERT_TO_UTF8 = "the file is probably Latin-1 or Windows-1252; convert it to UTF-8 " +
  "(iconv -f windows-1252 -t utf-8)";

/** What U+FFFD in text (no bytes to check) may show. */
const FFFD_IN_TEXT = "whose U+FFFD is the mark a decoder leaves for bytes it could not decode";

/** The remedies for U+FFFD in text: which one applies, the text does not tell. */
const TEXT_REMEDY = "if the text was read from a Latin-1 or Windows-1252 file, convert the " +
  "file to UTF-8 (iconv -f windows-1252 -t utf-8); if it holds U+FFFD itself, in UTF-8, read " +
  "the file's bytes (readCsv, parseCsvStream), which tell that apart and keep it";

/**
 * Refuses header names holding U+FFFD, as labels are refused ({@linkcode notUtf8Label}): read
 * from a Latin-1 or Windows-1252 file, names that differ only in an accent (`café`, `cafè`) are
 * one name, and a model trained on such a name never matches the column written in UTF-8. A
 * reader of bytes passes `faithful`, and a header whose bytes are valid UTF-8 (U+FFFD written as
 * itself) is read as it is; without it (text, no bytes), every such name is refused.
 *
 * @param names The header's names, in order.
 * @param line The header's line, counted from 1.
 * @param file The file, for the message.
 * @param faithful Whether a name holding U+FFFD was written so in UTF-8
 *   ({@linkcode writtenInUtf8}), asked only for such a name; omitted for text.
 * @throws {SyntaxError} If a name holds U+FFFD, and the bytes are not UTF-8 or not known.
 */
export function checkHeaderText(
  names: readonly string[],
  line: number,
  file: string,
  faithful?: (name: string) => boolean,
): void {
  const j = names.findIndex((n) => n.includes("\ufffd") && faithful?.(n) !== true);
  if (j < 0) return;
  throw new SyntaxError(
    `Cannot read CSV '${file}': line ${line}, column ${j + 1} is named ${quotedText(names[j])}, ${
      faithful === undefined ? FFFD_IN_TEXT : NOT_UTF8
    } (names that differ only there would be one name, and match no column named in UTF-8): ${
      faithful === undefined ? TEXT_REMEDY : CONVERT_TO_UTF8
    }`,
  );
}

/**
 * Refuses a header that names two columns alike (the name quoted as `fit` quotes a repeated
 * feature name, cut short when long); when the names are all numbers, the file probably has no
 * header, and the message says so.
 *
 * @param names The columns' names, in order.
 * @param line The header's line, counted from 1 (blank lines may come before it).
 * @param file The file, for the message.
 * @throws {RangeError} If two columns have the same name.
 */
export function checkHeaderNames(names: readonly string[], line: number, file: string): void {
  const repeat = firstRepeat(names);
  if (repeat === null) return;
  const [first, j] = repeat;
  const numeric = names.every((m) => m !== "" && Number.isFinite(Number(m)));
  throw new RangeError(
    `Cannot read CSV '${file}': line ${line}, columns ${first + 1} and ${j + 1} are both named ` +
      quotedText(names[j]) +
      (numeric
        ? `; line ${line} holds numbers, so the file may have no header: read it without one ` +
          "(header: false; lrc: --no-header)"
        : ""),
  );
}

/**
 * Why a finite cell cannot be stored as float32: its magnitude is beyond float32's largest value.
 *
 * @param cell The cell's text.
 * @returns The reason, to follow `line L, column C ("name")`.
 */
export function overflowsFloat32(cell: string): string {
  const shown = cell.length > 40 ? `${cell.slice(0, 40)}...` : cell;
  return `holds '${shown}', beyond float32's largest magnitude 3.4028235e38 (values are read ` +
    "as float32 here)";
}

function resolveLabelColumn(
  label: string | number | undefined,
  names: readonly string[],
  file: string,
): number {
  if (label === undefined) return names.length - 1;
  if (typeof label === "number") {
    if (!Number.isInteger(label) || label < 0 || label >= names.length) {
      throw new RangeError(
        `Cannot read CSV '${file}': label column index ${label} is outside 0..${names.length - 1}`,
      );
    }
    return label;
  }
  // Trimmed, as the header's names are read: no name keeps blanks around it, so " y" can only
  // mean the column "y" (of a header "a, b, y").
  const name = label.trim();
  const j = names.indexOf(name);
  if (j < 0 && /^\d+$/.test(name)) return resolveLabelColumn(Number(name), names, file);
  if (j < 0) {
    throw new RangeError(
      `Cannot read CSV '${file}': no column named ${quotedText(label)} (columns: ${
        quotedList(names, 12)
      })`,
    );
  }
  return j;
}

/**
 * For a first line the parser refused over a quote: the other delimiter that reads it, as a hint.
 * A file of quoted names split by `;` or tabs (`"a";"b"`, as spreadsheets and R write them) stops
 * at its first quote when read with commas, before it could be read as one column.
 *
 * @param line The first line's text.
 * @param delimiter The delimiter it was read with (not suggested).
 * @returns `"; ..."` naming the first of `,`, tab, `;`, `|` that reads the line into two or
 *   more cells, and how to give it; or `""`.
 */
export function quotedDelimiterHint(line: string, delimiter = ","): string {
  const best = [",", "\t", ";", "|"].find((c) => {
    if (c === delimiter || !line.includes(c)) return false;
    try {
      const records = parse(line, { delimiter: c, trim: true, bom: true }) as string[][];
      return records.length === 1 && records[0].length >= 2;
    } catch {
      return false;
    }
  });
  return best === undefined ? "" : delimiterHint(best, delimiter);
}

/**
 * The first line of a file's opening text that is not blank (the BOM dropped), or `""`.
 *
 * @param head The file's first characters.
 * @returns That line.
 */
function firstLineOf(head: string): string {
  // Searched, not split into lines: parseCsv's head is the whole text.
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const start = text.search(/\S/);
  if (start < 0) return "";
  const from = Math.max(text.lastIndexOf("\n", start), text.lastIndexOf("\r", start)) + 1;
  const end = text.slice(start).search(/[\r\n]/);
  return text.slice(from, end < 0 ? text.length : start + end);
}

/**
 * For a file read as one column: the other delimiter its first line seems to use, as a hint.
 *
 * @param cell The first line's one cell.
 * @param delimiter The delimiter it was read with (not suggested).
 * @returns `"; ..."` naming the delimiter and how to give it, or `""`.
 */
export function delimiterHint(cell: string, delimiter = ","): string {
  // The first candidate the line holds, in this order: a space last, since names hold spaces.
  const best = [",", "\t", ";", "|", " "].find((c) => c !== delimiter && cell.includes(c));
  if (best === undefined) return "";
  if (best === "\t") {
    return "; its first line holds tabs: if they separate the columns, give the delimiter '\\t' " +
      "(--delimiter tab)";
  }
  return `; its first line holds '${best}': if it separates the columns, give the delimiter ` +
    `'${best}' (--delimiter '${best}')`;
}
