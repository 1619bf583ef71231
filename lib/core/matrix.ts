/**
 * Row-major numeric matrices as plain data.
 *
 * @module
 */

import { assertMatrix, counted, describe } from "./validate.ts";

/**
 * Whether `v` is a typed array (a DataView is a view too, but `Float64Array.from` and `Array.from`
 * make an empty array of one, so no conversion advice fits it).
 */
const isTypedArray = (v: unknown): boolean => ArrayBuffer.isView(v) && !(v instanceof DataView);

/** The largest finite float32 number. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The smallest normal float32 number, 2^-126. */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/** A floating-point typed array, the storage of every {@linkcode Matrix}. */
export type FloatArray = Float32Array | Float64Array;

/**
 * A dense row-major matrix: element `(i, j)` lives at `data[i * cols + j]`.
 *
 * @typeParam T The storage type.
 */
export interface Matrix<T extends FloatArray = FloatArray> {
  /** Elements in row-major order, `rows * cols` of them. */
  readonly data: T;
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
}

/**
 * Wraps a typed array as a matrix, checking that the sizes agree.
 *
 * @param data Elements in row-major order.
 * @param rows Number of rows; `cols` is `data.length / rows` unless given in `cols`.
 * @param cols Number of columns.
 * @returns The matrix view (the array is not copied).
 * @throws {TypeError} If `data` is not a Float64Array or Float32Array.
 * @throws {RangeError} If `data.length !== rows * cols` or a size is not a non-negative integer.
 *
 * @example Wrap an array
 * ```ts
 * import { matrix } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const m = matrix(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3);
 * assert.equal(m.data[1 * 3 + 2], 6);
 * ```
 */
export function matrix<T extends FloatArray>(data: T, rows: number, cols: number): Matrix<T> {
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
    const d: unknown = data;
    throw new TypeError(
      `Cannot create matrix: data must be a Float64Array or Float32Array, got ${describe(d)}` +
        (Array.isArray(d) || isTypedArray(d)
          ? "; Float64Array.from(data) converts it (fromRows(rows) takes an array of rows)"
          : ""),
    );
  }
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(
      `Cannot create matrix: rows and cols must be non-negative integers, got ${rows} x ${cols}`,
    );
  }
  if (data.length !== rows * cols) {
    throw new RangeError(
      `Cannot create matrix: ${rows} x ${cols} needs ${rows * cols} elements, got ${data.length}`,
    );
  }
  return { data, rows, cols };
}

/**
 * Builds a Float64 matrix from nested arrays (handy in tests and notebooks).
 *
 * @param rows The rows, all of the same length: arrays of numbers, or Float32Array or Float64Array
 *   rows (copied as their values).
 * @returns A new matrix.
 * @throws {TypeError} If `rows` is not an array of such rows, or a value is not a number.
 * @throws {RangeError} If the rows have different lengths.
 *
 * @example From nested arrays
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const m = fromRows([[1, 2], [3, 4], [5, 6]]);
 * assert.deepEqual([m.rows, m.cols], [3, 2]);
 * ```
 */
export function fromRows(
  rows: readonly (readonly number[] | Float32Array | Float64Array)[],
): Matrix<Float64Array> {
  const isRow = (r: unknown) =>
    Array.isArray(r) || r instanceof Float64Array || r instanceof Float32Array;
  const refuse = (what: string, hint: string): never => {
    throw new TypeError(
      `Cannot create matrix: rows must be an array of arrays of numbers, ${what}${hint}`,
    );
  };
  // A single row given as the rows (numbers where rows belong) is the likely slip: say how to wrap
  // it; a typed array of another type (a canvas's Uint8ClampedArray pixels) says how to convert it.
  if (!Array.isArray(rows)) {
    refuse(
      `got ${describe(rows)}`,
      isRow(rows)
        ? "; fromRows([row]) makes a matrix of one row"
        : isTypedArray(rows)
        ? "; fromRows([Array.from(row)]) makes a matrix of one row"
        : "",
    );
  }
  const bad = (rows as unknown[]).findIndex((r) => !isRow(r));
  if (bad >= 0) {
    const r: unknown = rows[bad];
    refuse(
      `row ${bad} is ${describe(r)}`,
      typeof r === "number"
        ? "; fromRows([row]) makes a matrix of one row"
        : isTypedArray(r)
        ? "; Array.from(row) converts a row of another typed array"
        : "",
    );
  }
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.length !== cols) {
      throw new RangeError(
        `Cannot create matrix: row ${i} has ${counted(row.length, "value")}, row 0 has ${cols}`,
      );
    }
    for (let j = 0; j < cols; j++) {
      if (typeof row[j] !== "number") {
        throw new TypeError(
          `Cannot create matrix: row ${i}, column ${j} is ${typeof row[j]}, not a number`,
        );
      }
    }
    data.set(row, i * cols);
  }
  return { data, rows: rows.length, cols };
}

/** Checks the matrix and the index list of a take. */
function checkTake(m: Matrix, indices: ArrayLike<number>, action: string): void {
  assertMatrix(action, "m", m);
  if (typeof indices !== "object" || indices === null || typeof indices.length !== "number") {
    throw new TypeError(`Cannot ${action}: indices must be an array of integers`);
  }
}

/**
 * Copies the selected rows of a matrix into a new matrix of the same storage type.
 *
 * @param m The source matrix.
 * @param indices Row indices, in the order wanted.
 * @returns A new matrix with `indices.length` rows.
 * @throws {RangeError} If an index is out of range.
 */
export function takeRows<T extends FloatArray>(
  m: Matrix<T>,
  indices: ArrayLike<number>,
): Matrix<T> {
  checkTake(m, indices, "take rows");
  const { cols } = m;
  const out = new (m.data.constructor as { new (n: number): T })(indices.length * cols);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
      throw new RangeError(`Cannot take rows: index ${i} is outside 0..${m.rows - 1}`);
    }
    out.set(m.data.subarray(i * cols, (i + 1) * cols), r * cols);
  }
  return { data: out, rows: indices.length, cols };
}

/**
 * Copies the selected columns of a matrix into a new matrix of the same storage type.
 *
 * @param m The source matrix.
 * @param indices Column indices, in the order wanted.
 * @returns A new matrix with `indices.length` columns.
 * @throws {RangeError} If an index is out of range.
 */
export function takeColumns<T extends FloatArray>(
  m: Matrix<T>,
  indices: ArrayLike<number>,
): Matrix<T> {
  checkTake(m, indices, "take columns");
  const k = indices.length;
  for (let c = 0; c < k; c++) {
    const j = indices[c];
    if (!Number.isInteger(j) || j < 0 || j >= m.cols) {
      throw new RangeError(`Cannot take columns: index ${j} is outside 0..${m.cols - 1}`);
    }
  }
  const out = new (m.data.constructor as { new (n: number): T })(m.rows * k);
  for (let i = 0; i < m.rows; i++) {
    const src = i * m.cols;
    const dst = i * k;
    for (let c = 0; c < k; c++) out[dst + c] = m.data[src + indices[c]];
  }
  return { data: out, rows: m.rows, cols: k };
}

/**
 * Converts a matrix to Float32 storage (returns the same matrix if it already is): each value
 * rounds to the nearest float32, and a value beyond float32's range (`FLOAT32_MAX`, about
 * 3.4e38) becomes an infinity.
 *
 * @param m The matrix.
 * @returns A Float32 matrix.
 * @throws {TypeError} If `m` is not a matrix.
 */
export function toFloat32(m: Matrix): Matrix<Float32Array> {
  assertMatrix("convert matrix to float32", "m", m);
  if (m.data instanceof Float32Array) return m as Matrix<Float32Array>;
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

/**
 * Converts a matrix to Float64 storage (returns the same matrix if it already is).
 *
 * @param m The matrix.
 * @returns A Float64 matrix.
 * @throws {TypeError} If `m` is not a matrix.
 */
export function toFloat64(m: Matrix): Matrix<Float64Array> {
  assertMatrix("convert matrix to float64", "m", m);
  if (m.data instanceof Float64Array) return m as Matrix<Float64Array>;
  return { data: Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}
