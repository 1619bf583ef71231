/**
 * Compressed sparse row (CSR) matrices as plain data: the layout of scipy's `csr_matrix`, for
 * features that are mostly zero (a bag of words) and would cost 8 bytes per zero held dense.
 *
 * @module
 */

import type { FloatArray, Matrix } from "./matrix.ts";
import { assertFinite, counted, describe } from "./validate.ts";

/**
 * A sparse matrix in compressed sparse row form. Row `i`'s stored entries are at positions
 * `indptr[i] .. indptr[i + 1] - 1` of `indices` (their columns, strictly increasing) and `values`;
 * every other element is 0. Told from a dense {@linkcode Matrix} by its `kind` (see
 * {@linkcode isCsr}).
 *
 * Explicit zeros are allowed: an entry stored with the value 0 is an element that is 0, as in
 * scipy (it costs storage, not correctness). {@linkcode csrFromDense} stores none; the svmlight
 * reader keeps those a file lists, as scikit-learn's does. Positions are `Int32Array`s, so a
 * matrix holds at most `2^31 - 1` stored entries.
 *
 * @typeParam T The storage of the values.
 */
export interface CsrMatrix<T extends FloatArray = FloatArray> {
  /** The tag that tells it from a dense matrix. */
  readonly kind: "csr";
  /** Row starts, shape `(rows + 1)`: 0 first, non-decreasing, `nnz` last. */
  readonly indptr: Int32Array;
  /** Column of each stored entry, shape `(nnz)`: strictly increasing within a row. */
  readonly indices: Int32Array;
  /** Value of each stored entry, shape `(nnz)`, finite. */
  readonly values: T;
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
}

/** The parts {@linkcode csrMatrix} assembles. */
export interface CsrParts<T extends FloatArray = FloatArray> {
  /** Row starts, shape `(rows + 1)`; the number of rows is `indptr.length - 1`. */
  readonly indptr: Int32Array;
  /** Column of each stored entry, shape `(nnz)`. */
  readonly indices: Int32Array;
  /** Value of each stored entry, shape `(nnz)`. */
  readonly values: T;
  /** Number of columns. */
  readonly cols: number;
}

/**
 * Whether a value is tagged as a CSR matrix (`kind: "csr"`); its parts are checked by the
 * functions that take it.
 *
 * @param x Any value.
 * @returns `true` for an object whose `kind` is `"csr"`.
 *
 * @example Dense or sparse
 * ```ts
 * import { csrFromDense, isCsr } from "./sparse.ts";
 * import { fromRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const dense = fromRows([[0, 2], [0, 0]]);
 * assert.equal(isCsr(dense), false);
 * assert.equal(isCsr(csrFromDense(dense)), true);
 * ```
 */
export function isCsr(x: unknown): x is CsrMatrix {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "csr";
}

/**
 * Checks that `m` is a well-formed CSR matrix: integer sizes, `Int32Array` positions and float
 * values of agreeing lengths, `indptr` from 0 to `nnz` without decreasing, column indices in
 * range and strictly increasing within each row, finite values. O(rows + nnz).
 *
 * @param action What the caller was doing, for messages.
 * @param name The argument's name in messages.
 * @param m The value to check.
 * @throws {TypeError} If it is not such a matrix (wrong types, lengths or `indptr` ends).
 * @throws {RangeError} Naming the first row, entry and value at fault: an index out of range or
 *   out of order, a decreasing `indptr`, a value that is not finite.
 *
 * @example Indices must increase within a row
 * ```ts
 * import { assertCsr } from "./sparse.ts";
 * import assert from "node:assert/strict";
 *
 * const m = {
 *   kind: "csr", rows: 1, cols: 3, indptr: Int32Array.of(0, 2),
 *   indices: Int32Array.of(2, 0), values: Float64Array.of(1, 1),
 * } as const;
 * assert.throws(() => assertCsr("check", "x", m), {
 *   message: "Cannot check: x row 0 has column 0 after column 2 (entry 1); the columns of a " +
 *     "row must be strictly increasing",
 * });
 * ```
 */
export function assertCsr(action: string, name: string, m: unknown): asserts m is CsrMatrix {
  if (!isCsr(m)) {
    throw new TypeError(`Cannot ${action}: ${name} must be a CSR matrix, got ${describe(m)}`);
  }
  const { indptr, indices, values, rows, cols } = m as Partial<CsrMatrix>;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows! < 0 || cols! < 0) {
    throw new TypeError(
      `Cannot ${action}: ${name} must have integer rows and cols, got ${rows} x ${cols}`,
    );
  }
  for (const [field, v] of [["indptr", indptr], ["indices", indices]] as const) {
    if (!(v instanceof Int32Array)) {
      throw new TypeError(
        `Cannot ${action}: ${name}.${field} must be an Int32Array, got ${describe(v)}` +
          (Array.isArray(v) ? `; Int32Array.from(${field}) converts it` : ""),
      );
    }
  }
  if (!(values instanceof Float64Array || values instanceof Float32Array)) {
    throw new TypeError(
      `Cannot ${action}: ${name}.values must be a Float32Array or Float64Array, got ${
        describe(values)
      }`,
    );
  }
  if (indptr!.length !== rows! + 1) {
    throw new TypeError(
      `Cannot ${action}: ${name}.indptr has ${
        counted(indptr!.length, "entry", { plural: "entries" })
      }, ${counted(rows!, "row")} ${rows === 1 ? "needs" : "need"} ${rows! + 1}`,
    );
  }
  const nnz = indices!.length;
  if (values.length !== nnz) {
    throw new TypeError(
      `Cannot ${action}: ${name} has ${nnz} indices but ${
        counted(values.length, "value")
      }; they pair up`,
    );
  }
  if (indptr![0] !== 0 || indptr![rows!] !== nnz) {
    throw new TypeError(
      `Cannot ${action}: ${name}.indptr must run from 0 to the ${nnz} stored entries, got ` +
        `${indptr![0]} .. ${indptr![rows!]}`,
    );
  }
  checkRows(action, name, indptr!, indices!, cols!, rows!);
  checkValues(action, name, indptr!, indices!, values);
}

/** The order and range checks of {@linkcode assertCsr}. */
function checkRows(
  action: string,
  name: string,
  indptr: Int32Array,
  indices: Int32Array,
  cols: number,
  rows: number,
): void {
  for (let i = 0; i < rows; i++) {
    const start = indptr[i], end = indptr[i + 1];
    if (end < start) {
      throw new RangeError(
        `Cannot ${action}: ${name}.indptr decreases at row ${i} (${start} then ${end})`,
      );
    }
    let previous = -1;
    for (let p = start; p < end; p++) {
      const j = indices[p];
      if (j < 0 || j >= cols) {
        throw new RangeError(
          `Cannot ${action}: ${name} row ${i} has column ${j} (entry ${p}), outside 0..${cols - 1}`,
        );
      }
      if (j <= previous) {
        throw new RangeError(
          `Cannot ${action}: ${name} row ${i} has column ${j} after column ${previous} ` +
            `(entry ${p}); the columns of a row must be strictly increasing`,
        );
      }
      previous = j;
    }
  }
}

function checkValues(
  action: string,
  name: string,
  indptr: Int32Array,
  indices: Int32Array,
  values: FloatArray,
): void {
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    if (v - v === 0) continue;
    // The row of entry p: the last row starting at or before it with an entry.
    let i = 0;
    while (indptr[i + 1] <= p) i++;
    throw new RangeError(
      `Cannot ${action}: ${name} holds ${v} at row ${i}, column ${indices[p]} (entry ${p})`,
    );
  }
}

/**
 * Assembles a CSR matrix from its parts, checking them (the arrays are not copied).
 *
 * @param parts `indptr`, `indices`, `values` and the number of columns.
 * @returns The matrix, `indptr.length - 1` rows by `cols`.
 * @throws {TypeError} If a part has the wrong type or length, or `indptr` does not run from 0 to
 *   the number of entries.
 * @throws {RangeError} If `indptr` decreases, a column index is out of range or not strictly
 *   increasing within its row, or a value is not finite.
 *
 * @example Two rows, three columns
 * ```ts
 * import { csrMatrix, csrToDense } from "./sparse.ts";
 * import assert from "node:assert/strict";
 *
 * const x = csrMatrix({
 *   indptr: Int32Array.of(0, 2, 3),
 *   indices: Int32Array.of(0, 2, 1),
 *   values: Float64Array.of(1, 3, 5),
 *   cols: 3,
 * });
 * assert.deepEqual([...csrToDense(x).data], [1, 0, 3, 0, 5, 0]);
 * ```
 */
export function csrMatrix<T extends FloatArray>(parts: CsrParts<T>): CsrMatrix<T> {
  const action = "create CSR matrix";
  if (typeof parts !== "object" || parts === null) {
    throw new TypeError(
      `Cannot ${action}: parts must be an object { indptr, indices, values, cols }, got ${
        describe(parts)
      }`,
    );
  }
  const { indptr, indices, values, cols } = parts;
  const rows = indptr instanceof Int32Array ? Math.max(0, indptr.length - 1) : 0;
  if (indptr instanceof Int32Array && indptr.length === 0) {
    throw new TypeError(`Cannot ${action}: indptr is empty; a matrix of 0 rows has indptr [0]`);
  }
  const m = { kind: "csr" as const, indptr, indices, values, rows, cols };
  assertCsr(action, "the matrix", m);
  return m;
}

/**
 * Stores a dense matrix in CSR form: every element that is not 0 (nor -0, which becomes 0 when
 * converted back) is stored, in the dense matrix's storage type.
 *
 * @param m The dense matrix.
 * @returns The CSR matrix, with no explicit zeros.
 * @throws {TypeError} If `m` is not a dense matrix.
 * @throws {RangeError} If it holds NaN or Infinity, or `2^31` or more elements that are not 0.
 *
 * @example Only the non-zeros are stored
 * ```ts
 * import { csrFromDense } from "./sparse.ts";
 * import { fromRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = csrFromDense(fromRows([[0, 7, 0], [0, 0, 0], [2, 0, 3]]));
 * assert.deepEqual([...x.indptr], [0, 1, 1, 3]);
 * assert.deepEqual([...x.indices], [1, 0, 2]);
 * assert.deepEqual([...x.values], [7, 2, 3]);
 * ```
 */
export function csrFromDense<T extends FloatArray>(m: Matrix<T>): CsrMatrix<T> {
  const action = "convert matrix to CSR";
  if (isCsr(m)) throw new TypeError(`Cannot ${action}: m is already a CSR matrix`);
  const d = m as Partial<Matrix>;
  if (
    typeof m !== "object" || m === null ||
    !(d.data instanceof Float64Array || d.data instanceof Float32Array) ||
    !Number.isInteger(d.rows) || !Number.isInteger(d.cols) || d.rows! < 0 || d.cols! < 0 ||
    d.data.length !== d.rows! * d.cols!
  ) {
    throw new TypeError(
      `Cannot ${action}: m must be a matrix { data, rows, cols } with float storage of rows * ` +
        `cols elements, got ${describe(m)}`,
    );
  }
  const { data, rows, cols } = m;
  assertFinite(action, "m", data, cols);
  let nnz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nnz++;
  if (nnz > 2 ** 31 - 1) {
    throw new RangeError(`Cannot ${action}: ${nnz} non-zeros exceed the 2^31 - 1 CSR holds`);
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const values = new (data.constructor as { new (n: number): T })(nnz);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j];
      if (v === 0) continue;
      indices[p] = j;
      values[p++] = v;
    }
    indptr[i + 1] = p;
  }
  return { kind: "csr", indptr, indices, values, rows, cols };
}

/**
 * Expands a CSR matrix to a dense row-major matrix of the same storage type (explicit zeros and
 * absent entries both become 0).
 *
 * @param x The CSR matrix.
 * @returns A new dense matrix, `x.rows` by `x.cols`.
 * @throws {TypeError} If `x` is not a well-formed CSR matrix.
 * @throws {RangeError} If it holds a value that is not finite, or an index out of range or order.
 *
 * @example Round trip
 * ```ts
 * import { csrFromDense, csrToDense } from "./sparse.ts";
 * import { fromRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const dense = fromRows([[0, 1.5], [-2, 0]]);
 * assert.deepEqual(csrToDense(csrFromDense(dense)), dense);
 * ```
 */
export function csrToDense<T extends FloatArray>(x: CsrMatrix<T>): Matrix<T> {
  assertCsr("convert CSR matrix to dense", "x", x);
  const { indptr, indices, values, rows, cols } = x;
  const data = new (values.constructor as { new (n: number): T })(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) data[o + indices[p]] = values[p];
  }
  return { data, rows, cols };
}

/**
 * Copies the selected rows of a CSR matrix into a new one of the same storage type (as
 * `takeRows` does for dense matrices: a train/test split by row indices).
 *
 * @param x The CSR matrix.
 * @param rows Row indices, in the order wanted (repeats allowed).
 * @returns A new CSR matrix with `rows.length` rows.
 * @throws {TypeError} If `x` is not a well-formed CSR matrix or `rows` is not an array.
 * @throws {RangeError} If an index is out of range.
 *
 * @example Rows 2 and 0
 * ```ts
 * import { csrFromDense, csrTakeRows, csrToDense } from "./sparse.ts";
 * import { fromRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = csrFromDense(fromRows([[1, 0], [0, 2], [3, 0]]));
 * assert.deepEqual([...csrToDense(csrTakeRows(x, [2, 0])).data], [3, 0, 1, 0]);
 * ```
 */
export function csrTakeRows<T extends FloatArray>(
  x: CsrMatrix<T>,
  rows: ArrayLike<number>,
): CsrMatrix<T> {
  const action = "take CSR rows";
  assertCsr(action, "x", x);
  if (typeof rows !== "object" || rows === null || typeof rows.length !== "number") {
    throw new TypeError(`Cannot ${action}: rows must be an array of row indices`);
  }
  const indptr = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (!Number.isInteger(i) || i < 0 || i >= x.rows) {
      throw new RangeError(`Cannot ${action}: index ${i} is outside 0..${x.rows - 1}`);
    }
    const nnz = indptr[r] + x.indptr[i + 1] - x.indptr[i];
    if (nnz > 2 ** 31 - 1) {
      throw new RangeError(`Cannot ${action}: more than 2^31 - 1 entries`);
    }
    indptr[r + 1] = nnz;
  }
  const nnz = indptr[rows.length];
  const indices = new Int32Array(nnz);
  const values = new (x.values.constructor as { new (n: number): T })(nnz);
  for (let r = 0; r < rows.length; r++) {
    const s = x.indptr[rows[r]], e = x.indptr[rows[r] + 1];
    indices.set(x.indices.subarray(s, e), indptr[r]);
    values.set(x.values.subarray(s, e), indptr[r]);
  }
  return { kind: "csr", indptr, indices, values, rows: rows.length, cols: x.cols };
}
