/**
 * The svmlight / libsvm text format (`label index:value index:value ... # comment`, one sample
 * per line), read into a sparse (CSR) feature matrix and class labels: the format in which many
 * sparse data sets (text, click logs) are distributed, and which scikit-learn's
 * `dump_svmlight_file` writes.
 *
 * @module
 */

import { assertInRange, checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import type { FloatArray } from "../core/matrix.ts";
import type { CsrMatrix } from "../core/sparse.ts";
import { encodeLabels } from "./dataset.ts";
import {
  binaryReason,
  DEFAULT_MAX_CSV_BYTES,
  isMissingMarker,
  NON_DECIMAL,
  pathText,
} from "./csv.ts";

/** Options of {@linkcode parseSvmlight}. */
export interface SvmlightOptions {
  /**
   * Whether the file's feature indices count from 0 (`true`) or from 1 (`false`); `"auto"` takes
   * them as one-based unless some index is 0, the rule of scikit-learn's `load_svmlight_file`
   * (a one-based file that never uses its first feature reads shifted by one: say which it is
   * when you know). Column `j` of the matrix is feature `j` of a zero-based file, `j + 1` of a
   * one-based one.
   * @default {"auto"}
   */
  zeroBased?: boolean | "auto";
  /**
   * Number of columns of the matrix, at least one more than the largest (zero-based) index in
   * the file: a test file whose highest features do not occur gets the training file's width.
   * @default {the largest index + 1 (0 for a file without any feature)}
   */
  nFeatures?: number;
  /**
   * The most columns (and feature names) a file may make: a larger `nFeatures`, or an index
   * needing more columns, is refused as soon as it is read, before anything is allocated per
   * column (a line of 20 bytes naming index 2000000000 would otherwise ask for two billion
   * names). The default is the 2^20 weights a model file of a few bytes may declare
   * (`maxDeclaredWeights`); raise it for wider data.
   * @default {1048576} (2 ** 20)
   */
  maxFeatures?: number;
  /**
   * Storage of the values.
   * @default {"float64"}
   */
  dtype?: "float32" | "float64";
  /**
   * The file name used in error messages.
   * @default {"<svmlight>"}
   */
  fileName?: string;
}

/** Options of {@linkcode readSvmlight}. */
export interface ReadSvmlightOptions extends Omit<SvmlightOptions, "fileName"> {
  /**
   * Files larger than this are refused before reading (the text is read whole, then parsed).
   * @default {1073741824} (1 GiB)
   */
  maxBytes?: number;
}

/** A labelled data set with sparse features, as the svmlight readers return it. */
export interface SparseDataset {
  /** Features, shape `(nSamples, nFeatures)`, in CSR form. */
  readonly x: CsrMatrix;
  /** Class index of each sample, shape `(nSamples)`, values in `0..classes.length-1`. */
  readonly y: Int32Array;
  /** Class labels: `classes[y[i]]` is the label of sample `i` (see `encodeLabels`). */
  readonly classes: readonly string[];
  /**
   * Feature names: each column's index as the file writes it (`"1"`, `"2"`, ... for a one-based
   * file, `"0"`, `"1"`, ... for a zero-based one).
   */
  readonly featureNames: readonly string[];
}

const SVMLIGHT_OPTION_KEYS: OptionKeys<SvmlightOptions> = {
  zeroBased: true,
  nFeatures: true,
  maxFeatures: true,
  dtype: true,
  fileName: true,
};

const READ_SVMLIGHT_OPTION_KEYS: OptionKeys<ReadSvmlightOptions> = {
  zeroBased: true,
  nFeatures: true,
  maxFeatures: true,
  dtype: true,
  maxBytes: true,
};

/** The largest feature index a file may write: columns are counted in int32. */
const MAX_INDEX = 2 ** 31 - 2;

/** The default `maxFeatures` of the svmlight readers: 2^20 columns. */
export const DEFAULT_MAX_SVMLIGHT_FEATURES = 2 ** 20;

/**
 * Parses svmlight / libsvm text into a sparse data set. Each line is a label, then
 * `index:value` pairs with indices strictly increasing; `#` starts a comment to the end of the
 * line; blank and comment-only lines are skipped. A `qid:<n>` right after the label (the query id
 * of ranking data) is read and ignored, as scikit-learn ignores it without `query_id`. Values are
 * finite decimal numbers; a value of 0 written in the file is kept as a stored zero (as
 * scikit-learn keeps it). Labels are mapped to classes as the CSV readers map theirs
 * (`encodeLabels`: numbers in numeric order, `"+1"` and `"1"` one class); a multi-label target
 * (`1,3`) is refused.
 *
 * @param text The text.
 * @param options Index base, number of features and their limit, storage, name for messages.
 * @returns Features in CSR form, class indices, classes and feature names.
 * @throws {SyntaxError} Naming the file, the line and the column of the first bad token: a pair
 *   that is not `index:value`, an index that is not a whole number >= 0 (or is 0 in a file said to
 *   be one-based) or does not increase along the line, a value that is not a finite decimal
 *   number (or beyond float32 with `dtype: "float32"`), a missing or multi-label label; or if
 *   the text holds no sample.
 * @throws {RangeError} If an index is beyond `nFeatures` or needs more than `maxFeatures`
 *   columns (naming its line and column), or an option is out of range (`nFeatures` above
 *   `maxFeatures` among them).
 * @throws {TypeError} If `text` is not a string or an option is unknown.
 *
 * @example One-based indices, found by the "auto" rule
 * ```ts
 * import { parseSvmlight } from "./svmlight.ts";
 * import { csrToDense } from "../core/sparse.ts";
 * import assert from "node:assert/strict";
 *
 * const d = parseSvmlight("+1 1:0.5 3:2 # a comment\n-1 2:1\n");
 * assert.deepEqual(d.classes, ["-1", "1"]);
 * assert.deepEqual([...d.y], [1, 0]);
 * assert.deepEqual(d.featureNames, ["1", "2", "3"]);
 * assert.deepEqual([...csrToDense(d.x).data], [0.5, 0, 2, 0, 1, 0]);
 * ```
 *
 * @example Errors name the line and the column
 * ```ts
 * import { parseSvmlight } from "./svmlight.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parseSvmlight("1 1:2\n0 4:1 2:5\n", { fileName: "train.svm" }), {
 *   name: "SyntaxError",
 *   message: "Cannot read svmlight 'train.svm': line 2, column 7: feature index 2 follows 4; " +
 *     "the indices of a line must be strictly increasing",
 * });
 * ```
 */
export function parseSvmlight(text: string, options: SvmlightOptions = {}): SparseDataset {
  const name = typeof (options as SvmlightOptions | null)?.fileName === "string"
    ? options.fileName!
    : "<svmlight>";
  const action = `read svmlight '${name}'`;
  checkOptionKeys(action, options, SVMLIGHT_OPTION_KEYS);
  if (typeof text !== "string") {
    throw new TypeError(`Cannot read svmlight: text must be a string, got ${describe(text)}`);
  }
  checkOptions(action, options);
  return parseText(text, name, options);
}

/**
 * Reads an svmlight / libsvm file into a sparse data set (see {@linkcode parseSvmlight} for the
 * format rules). The file is read whole, as UTF-8.
 *
 * @param path The file's path or URL.
 * @param options Index base, number of features and their limit, storage, size limit.
 * @returns Features in CSR form, class indices, classes and feature names.
 * @throws {TypeError} If `path` is not a non-empty string or a URL, or the file cannot be read
 *   (missing, a folder), naming it.
 * @throws {RangeError} If the file is larger than `maxBytes`, or as {@linkcode parseSvmlight}.
 * @throws {SyntaxError} As {@linkcode parseSvmlight}; also if the file is gzip-compressed, an
 *   lrcompress model file, or not UTF-8.
 *
 * @example Read a file written by scikit-learn's dump_svmlight_file
 * ```ts
 * import { readSvmlight } from "./svmlight.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".svm" });
 * try {
 *   await Deno.writeTextFile(path, "0 0:1.5 2:3\n1 1:2\n");
 *   const d = await readSvmlight(path, { zeroBased: true });
 *   assert.deepEqual([d.x.rows, d.x.cols], [2, 3]);
 *   assert.deepEqual(d.featureNames, ["0", "1", "2"]);
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function readSvmlight(
  path: string | URL,
  options: ReadSvmlightOptions = {},
): Promise<SparseDataset> {
  if ((typeof path !== "string" || path === "") && !(path instanceof URL)) {
    throw new TypeError(
      `Cannot read svmlight: path must be a non-empty string or a file URL, got ${describe(path)}`,
    );
  }
  const file = pathText(path);
  const action = `read svmlight '${file}'`;
  checkOptionKeys(action, options, READ_SVMLIGHT_OPTION_KEYS);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES;
  assertInRange(action, "maxBytes", maxBytes, 0, Infinity);
  checkOptions(action, options);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new TypeError(`Cannot ${action}: ${(error as Error).message}`);
  }
  if (info.isDirectory) throw new TypeError(`Cannot ${action}: it is a folder`);
  if (!info.isFile) throw new TypeError(`Cannot ${action}: it is not a regular file`);
  if (info.size > maxBytes) {
    throw new RangeError(
      `Cannot ${action}: it is ${info.size} bytes, more than the limit of ${maxBytes} bytes ` +
        "(option maxBytes)",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new TypeError(`Cannot ${action}: ${(error as Error).message}`);
  }
  const binary = binaryReason(bytes.subarray(0, 8), file);
  if (binary !== null) {
    throw new SyntaxError(`Cannot ${action}: ${binary.replace("not CSV", "not svmlight text")}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SyntaxError(`Cannot ${action}: it is not UTF-8 text`);
  }
  const { maxBytes: _maxBytes, ...rest } = options;
  return parseText(text, file, rest);
}

function checkOptions(action: string, options: SvmlightOptions): void {
  const { zeroBased, nFeatures, maxFeatures, dtype } = options;
  if (zeroBased !== undefined && zeroBased !== "auto" && typeof zeroBased !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: zeroBased must be true, false or "auto", got ${describe(zeroBased)}`,
    );
  }
  if (maxFeatures !== undefined) {
    assertInRange(action, "maxFeatures", maxFeatures, 0, MAX_INDEX + 1, true);
  }
  if (nFeatures !== undefined) {
    assertInRange(action, "nFeatures", nFeatures, 0, MAX_INDEX + 1, true);
    const max = maxFeatures ?? DEFAULT_MAX_SVMLIGHT_FEATURES;
    if (nFeatures > max) {
      throw new RangeError(
        `Cannot ${action}: nFeatures ${nFeatures} is more than maxFeatures ${max}; raise ` +
          "maxFeatures to read so many",
      );
    }
  }
  if (dtype !== undefined && dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(
      `Cannot ${action}: dtype must be "float32" or "float64", got ${describe(dtype)}`,
    );
  }
}

/** A growable typed array. */
class Growing<T extends Int32Array | FloatArray> {
  #data: T;
  length = 0;
  constructor(readonly make: (n: number) => T) {
    this.#data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.#data.length) {
      const next = this.make(this.#data.length * 2);
      next.set(this.#data as never);
      this.#data = next;
    }
    this.#data[this.length++] = v;
  }
  /** The filled part, copied to an array of its own size. */
  done(): T {
    return this.#data.slice(0, this.length) as T;
  }
}

/** Where a token is, for messages: `line L, column C`. */
interface Place {
  line: number;
  column: number;
}

function parseText(text: string, file: string, options: SvmlightOptions): SparseDataset {
  const action = `read svmlight '${file}'`;
  const float32 = options.dtype === "float32";
  const zeroBased = options.zeroBased ?? "auto";
  const maxFeatures = options.maxFeatures ?? DEFAULT_MAX_SVMLIGHT_FEATURES;
  // Too many columns, refused before any is allocated (with nFeatures, at most maxFeatures, an
  // index beyond it is refused after the last line, before the columns too).
  const tooWide = (place: Place, index: number): never => {
    throw new RangeError(
      `Cannot ${action}: line ${place.line}, column ${place.column}: feature index ${index} ` +
        `needs more than maxFeatures ${maxFeatures} columns; raise maxFeatures to read it`,
    );
  };
  const fail = (place: Place, reason: string): never => {
    throw new SyntaxError(
      `Cannot ${action}: line ${place.line}, column ${place.column}: ${reason}`,
    );
  };
  const indices = new Growing((n) => new Int32Array(n));
  const values = float32
    ? new Growing<FloatArray>((n) => new Float32Array(n))
    : new Growing<FloatArray>((n) => new Float64Array(n));
  const indptr = new Growing((n) => new Int32Array(n));
  indptr.push(0);
  // Labels as CSV's reader keeps them: each distinct text once, then encodeLabels' classes.
  const labelIndex = new Map<string, number>();
  const labelOfRow = new Growing((n) => new Int32Array(n));
  let minIndex = Infinity, maxIndex = -1;
  let maxPlace: Place | null = null;
  const lines = text.split(/\r\n|\n|\r/);
  for (let l = 0; l < lines.length; l++) {
    let line = lines[l];
    if (l === 0 && line.charCodeAt(0) === 0xfeff) line = " " + line.slice(1); // byte-order mark
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    const tokens = [...line.matchAll(/\S+/g)];
    if (tokens.length === 0) continue;
    const at = (t: RegExpExecArray | RegExpMatchArray): Place => ({
      line: l + 1,
      column: t.index! + 1,
    });
    const label = tokens[0][0];
    if (label.includes(",")) {
      fail(
        at(tokens[0]),
        `the label '${label}' lists several classes (multi-label); each sample takes one label`,
      );
    }
    if (label.includes(":")) {
      fail(at(tokens[0]), `the line starts with '${label}', not a label`);
    }
    if (isMissingMarker(label)) fail(at(tokens[0]), `the label '${label}' marks a missing label`);
    let seen = labelIndex.get(label);
    if (seen === undefined) labelIndex.set(label, seen = labelIndex.size);
    labelOfRow.push(seen);
    let first = 1;
    if (tokens.length > 1 && tokens[1][0].startsWith("qid:")) {
      if (!/^qid:[+-]?\d+$/.test(tokens[1][0])) {
        fail(at(tokens[1]), `'${tokens[1][0]}' is not qid:<integer>`);
      }
      first = 2;
    }
    let previous = -1;
    for (let t = first; t < tokens.length; t++) {
      const token = tokens[t][0];
      const colon = token.indexOf(":");
      const place = at(tokens[t]);
      if (colon < 0) fail(place, `'${short(token)}' is not index:value`);
      const indexText = token.slice(0, colon), valueText = token.slice(colon + 1);
      if (!/^\+?\d+$/.test(indexText)) {
        fail(
          place,
          indexText === "qid"
            ? "qid: is read only right after the label"
            : /^-\d+$/.test(indexText)
            ? `feature index ${indexText} is negative`
            : `'${short(indexText)}' (in '${short(token)}') is not a feature index (a whole ` +
              "number)",
        );
      }
      const index = Number(indexText);
      if (index > MAX_INDEX) fail(place, `feature index ${indexText} is beyond ${MAX_INDEX}`);
      // Beyond maxFeatures whichever the base (index maxFeatures is one too many zero-based only).
      if (index > maxFeatures && options.nFeatures === undefined) tooWide(place, index);
      if (index === 0 && zeroBased === false) {
        fail(place, "feature index 0 in a file read as one-based (zeroBased: false)");
      }
      if (index <= previous) {
        fail(
          place,
          `feature index ${index} ${index === previous ? "repeats" : `follows ${previous}`}; ` +
            "the indices of a line must be strictly increasing",
        );
      }
      previous = index;
      const v = valueText === "" || NON_DECIMAL.test(valueText) ? NaN : Number(valueText);
      if (!Number.isFinite(v)) {
        fail(
          place,
          valueText === ""
            ? `feature ${index} has no value`
            : `the value '${short(valueText)}' of feature ${index} is not a finite decimal number`,
        );
      }
      if (float32 && !Number.isFinite(Math.fround(v))) {
        fail(
          place,
          `the value '${short(valueText)}' of feature ${index} is beyond float32's largest ` +
            'magnitude 3.4028235e38 (dtype: "float32")',
        );
      }
      if (indices.length === 2 ** 31 - 1) {
        fail(place, "the file holds more than 2^31 - 1 values, more than a CSR matrix holds");
      }
      if (index < minIndex) minIndex = index;
      if (index > maxIndex) {
        maxIndex = index;
        maxPlace = place;
      }
      indices.push(index);
      values.push(v);
    }
    indptr.push(indices.length);
  }
  const rows = indptr.length - 1;
  if (rows === 0) {
    throw new SyntaxError(
      `Cannot ${action}: it holds no samples (only blank or comment lines)`,
    );
  }
  // scikit-learn's "auto": one-based unless some index is 0 (a file without features: zero).
  const oneBased = zeroBased === false || (zeroBased === "auto" && minIndex > 0 && maxIndex >= 0);
  const shift = oneBased ? 1 : 0;
  const idx = indices.done();
  if (shift) { for (let p = 0; p < idx.length; p++) idx[p] -= 1; }
  const needed = maxIndex < 0 ? 0 : maxIndex - shift + 1;
  if (needed > maxFeatures && options.nFeatures === undefined) tooWide(maxPlace!, maxIndex);
  const cols = options.nFeatures ?? needed;
  if (needed > cols) {
    throw new RangeError(
      `Cannot ${action}: line ${maxPlace!.line}, column ${maxPlace!.column}: feature index ` +
        `${maxIndex} needs ${needed} features (indices ${oneBased ? "one" : "zero"}-based), ` +
        `more than nFeatures ${cols}`,
    );
  }
  const { y: classOf, classes } = encodeLabels([...labelIndex.keys()]);
  const y = labelOfRow.done();
  for (let i = 0; i < y.length; i++) y[i] = classOf[y[i]];
  const x: CsrMatrix = {
    kind: "csr",
    indptr: indptr.done(),
    indices: idx,
    values: values.done(),
    rows,
    cols,
  };
  const featureNames = Array.from({ length: cols }, (_, j) => String(j + shift));
  return { x, y, classes, featureNames };
}

/** A token cut for messages. */
function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
