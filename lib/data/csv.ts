/**
 * CSV loading into a numeric matrix plus class labels. The CSV grammar (quotes, embedded commas
 * and newlines, CRLF, byte-order marks) is handled by the `csv-parse` package; this module is the
 * only place that imports it, so it can be swapped.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import type { Matrix } from "../core/matrix.ts";
import { type Dataset, encodeLabels } from "./dataset.ts";

/** Options for {@linkcode parseCsv} and {@linkcode readCsv}. */
export interface CsvOptions {
  /**
   * The label column: a header name, or a zero-based column index (as a number, or as a string
   * of digits that is not a header name).
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

/** Options for {@linkcode readCsv}. */
export interface ReadCsvOptions extends Omit<CsvOptions, "fileName"> {
  /**
   * Files larger than this are refused before reading, with a message that says so.
   * @default {1073741824} (1 GiB)
   */
  maxBytes?: number;
}

/**
 * Parses CSV text into a data set: every column but the label must hold finite numbers.
 *
 * @param text The CSV text.
 * @param options Which column is the label, header, delimiter, name for messages.
 * @returns The data set, with the label mapping and feature names kept.
 * @throws {SyntaxError} If the text is not valid CSV, is empty, has no data rows, has rows of
 *   different lengths, or has a cell that is empty or not a finite number. The message names the
 *   file, the line and the column.
 * @throws {RangeError} If the label column does not exist or header names repeat.
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
 */
export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const file = options.fileName ?? "<csv>";
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot read CSV '${file}': ${reason}`);
  };
  if (text.replace(/^\uFEFF/, "").trim() === "") fail("the file is empty");

  let records: { record: string[]; info: { lines: number; empty_lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ",",
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    return fail(`invalid CSV near line ${e.lines ?? "?"}: ${e.message ?? String(error)}`);
  }
  // Line on which each record starts (records may span lines inside quotes).
  const starts: number[] = [];
  let prevEnd = 0, prevEmpty = 0;
  for (const r of records) {
    starts.push(prevEnd + (r.info.empty_lines - prevEmpty) + 1);
    prevEnd = r.info.lines;
    prevEmpty = r.info.empty_lines;
  }

  const header = options.header ?? true;
  const width = records[0].record.length;
  const names = header
    ? records[0].record.map((n, j) => n.trim() === "" ? `column_${j + 1}` : n.trim())
    : Array.from({ length: width }, (_, j) => `column_${j + 1}`);
  const seen = new Map<string, number>();
  names.forEach((n, j) => {
    if (seen.has(n)) {
      throw new RangeError(
        `Cannot read CSV '${file}': columns ${seen.get(n)! + 1} and ${j + 1} are both named '${n}'`,
      );
    }
    seen.set(n, j);
  });
  const first = header ? 1 : 0;
  const nRows = records.length - first;
  if (nRows === 0) fail("it has a header but no data rows");
  if (width < 2) fail(`it has ${width} column; a feature and a label column are needed`);

  const labelCol = resolveLabelColumn(options.label, names, file);
  const featureCols = names.map((_, j) => j).filter((j) => j !== labelCol);
  const nFeatures = featureCols.length;
  const data = options.dtype === "float32"
    ? new Float32Array(nRows * nFeatures)
    : new Float64Array(nRows * nFeatures);
  const labels: string[] = new Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const rec = records[r + first].record;
    const line = starts[r + first];
    if (rec.length !== width) {
      fail(
        `line ${line} has ${rec.length} fields, ${header ? "the header" : "line 1"} has ${width}`,
      );
    }
    for (let c = 0; c < nFeatures; c++) {
      const j = featureCols[c];
      const cell = rec[j];
      const v = cell.trim() === "" ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        const what = cell.trim() === ""
          ? "is empty"
          : Number.isNaN(v)
          ? `holds '${cell.slice(0, 40)}', which is not a finite number`
          : `holds '${cell.slice(0, 40)}', which overflows to ${v}`;
        fail(`line ${line}, column ${j + 1} ('${names[j]}') ${what}`);
      }
      data[r * nFeatures + c] = v;
    }
    const label = rec[labelCol].trim();
    if (label === "") {
      fail(`line ${line}, label column ${labelCol + 1} ('${names[labelCol]}') is empty`);
    }
    labels[r] = label;
  }
  const { y, classes } = encodeLabels(labels);
  const x: Matrix = { data, rows: nRows, cols: nFeatures };
  return { x, y, classes, featureNames: featureCols.map((j) => names[j]) };
}

/**
 * Reads a CSV file into a data set. See {@linkcode parseCsv} for the format rules.
 *
 * @param path The file's path or URL.
 * @param options Label column, header, delimiter, size limit.
 * @returns The data set.
 * @throws {TypeError} If the file cannot be read (missing, unreadable), naming it.
 * @throws {RangeError} If the file is larger than `maxBytes`.
 * @throws {SyntaxError} As {@linkcode parseCsv}.
 */
export async function readCsv(path: string | URL, options: ReadCsvOptions = {}): Promise<Dataset> {
  const file = path instanceof URL ? path.pathname : path;
  const maxBytes = options.maxBytes ?? 2 ** 30;
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    throw new TypeError(`Cannot read CSV '${file}': ${(error as Error).message}`);
  }
  if (size > maxBytes) {
    throw new RangeError(
      `Cannot read CSV '${file}': it is ${size} bytes, more than the ${maxBytes}-byte limit ` +
        `for loading into memory; raise maxBytes or train from it in a stream`,
    );
  }
  const text = await Deno.readTextFile(path);
  return parseCsv(text, { ...options, fileName: file });
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
  const j = names.indexOf(label);
  if (j < 0 && /^\d+$/.test(label)) return resolveLabelColumn(Number(label), names, file);
  if (j < 0) {
    const list = names.length > 12 ? `${names.slice(0, 12).join(", ")}, ...` : names.join(", ");
    throw new RangeError(
      `Cannot read CSV '${file}': no column named '${label}' (columns: ${list})`,
    );
  }
  return j;
}
