// CSR matrices: conversion against scipy.sparse's own CSR layout of the same dense data, round
// trips against the dense matrix, and every malformed part refused with its position.
import assert from "node:assert/strict";
import {
  assertCsr,
  csrFromDense,
  csrMatrix,
  csrTakeRows,
  csrToDense,
  isCsr,
} from "../../lib/core/sparse.ts";
import { fromRows, takeRows } from "../../lib/core/matrix.ts";
import { hasNumpy, runPython } from "../_helpers/python.ts";
import { randomSparseDense } from "../_helpers/sparse.ts";

Deno.test({
  name: "csrFromDense gives scipy's csr_matrix indptr, indices and data for the same dense matrix",
  ignore: !hasNumpy(),
  fn: async () => {
    const dense = randomSparseDense(30, 17, { density: 0.2, seed: 3 });
    const x = csrFromDense(dense);
    const ref = await runPython<{ indptr: number[]; indices: number[]; data: number[] }>(
      `import json, sys, numpy as np, scipy.sparse as sp
d = json.load(sys.stdin)
m = sp.csr_matrix(np.array(d["data"], dtype=np.float64).reshape(d["rows"], d["cols"]))
print(json.dumps({"indptr": m.indptr.tolist(), "indices": m.indices.tolist(), "data": m.data.tolist()}))`,
      { data: [...dense.data], rows: dense.rows, cols: dense.cols },
    );
    assert.deepEqual([...x.indptr], ref.indptr);
    assert.deepEqual([...x.indices], ref.indices);
    assert.deepEqual([...x.values], ref.data);
    assert.ok(ref.data.length > 50 && ref.data.length < 150, "the data are sparse, not empty");
  },
});

Deno.test("csrToDense undoes csrFromDense in either storage type, which both keep", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const dense = randomSparseDense(12, 9, { density: 0.3, seed: 5, dtype });
    const x = csrFromDense(dense);
    assert.equal(x.values.constructor, dense.data.constructor);
    const back = csrToDense(x);
    assert.equal(back.data.constructor, dense.data.constructor);
    assert.deepEqual(back, dense);
  }
  // -0 is 0: not stored, and back as +0.
  const x = csrFromDense(fromRows([[-0, 1]]));
  assert.deepEqual([...x.indices], [1]);
  assert.ok(Object.is(csrToDense(x).data[0], 0));
});

Deno.test("csrFromDense refuses NaN, Infinity and matrices that are already CSR", () => {
  assert.throws(() => csrFromDense(fromRows([[1, NaN]])), {
    name: "RangeError",
    message: "Cannot convert matrix to CSR: m holds NaN at row 0, column 1",
  });
  const x = csrFromDense(fromRows([[1, 0]]));
  assert.throws(() => csrFromDense(x as never), {
    message: "Cannot convert matrix to CSR: m is already a CSR matrix",
  });
});

Deno.test("csrMatrix keeps explicit zeros as stored entries that read as 0", () => {
  const x = csrMatrix({
    indptr: Int32Array.of(0, 2, 2),
    indices: Int32Array.of(0, 3),
    values: Float64Array.of(0, -2.5),
    cols: 4,
  });
  assert.equal(isCsr(x), true);
  assert.deepEqual([x.rows, x.cols, x.values.length], [2, 4, 2]);
  assert.deepEqual([...csrToDense(x).data], [0, 0, 0, -2.5, 0, 0, 0, 0]);
  // A matrix of no rows has indptr [0].
  const empty = csrMatrix({
    indptr: Int32Array.of(0),
    indices: new Int32Array(0),
    values: new Float32Array(0),
    cols: 3,
  });
  assert.deepEqual([empty.rows, empty.cols], [0, 3]);
});

Deno.test("csrMatrix refuses each malformed part, naming the row and entry at fault", () => {
  const ok = {
    indptr: Int32Array.of(0, 2, 3),
    indices: Int32Array.of(0, 2, 1),
    values: Float64Array.of(1, 2, 3),
    cols: 3,
  };
  const cases: [Partial<typeof ok> & Record<string, unknown>, string, string][] = [
    [
      { indptr: [0, 2, 3] as never },
      "TypeError",
      "indptr must be an Int32Array, got Array(3); " +
      "Int32Array.from(indptr) converts it",
    ],
    [
      { indices: Float64Array.of(0, 2, 1) as never },
      "TypeError",
      "indices must be an Int32Array, got Float64Array(3)",
    ],
    [
      { values: Int32Array.of(1, 2, 3) as never },
      "TypeError",
      "values must be a Float32Array or Float64Array, got Int32Array(3)",
    ],
    [{ values: Float64Array.of(1, 2) }, "TypeError", "has 3 indices but 2 values; they pair up"],
    [
      { indptr: Int32Array.of(1, 2, 3) },
      "TypeError",
      "indptr must run from 0 to the 3 stored entries, got 1 .. 3",
    ],
    [
      { indptr: Int32Array.of(0, 2, 2) },
      "TypeError",
      "indptr must run from 0 to the 3 stored entries, got 0 .. 2",
    ],
    [
      { indptr: Int32Array.of(0, 3, 2, 3), indices: Int32Array.of(0, 1, 2) },
      "RangeError",
      "indptr decreases at row 1 (3 then 2)",
    ],
    [
      { indices: Int32Array.of(0, 3, 1) },
      "RangeError",
      "row 0 has column 3 (entry 1), outside 0..2",
    ],
    [
      { indices: Int32Array.of(0, 2, -1) },
      "RangeError",
      "row 1 has column -1 (entry 2), outside 0..2",
    ],
    [
      { indices: Int32Array.of(2, 2, 1) },
      "RangeError",
      "row 0 has column 2 after column 2 (entry 1); the columns of a row must be strictly increasing",
    ],
    [
      { values: Float64Array.of(1, 2, Infinity) },
      "RangeError",
      "holds Infinity at row 1, column 1 (entry 2)",
    ],
    [
      { values: Float64Array.of(1, NaN, 3) },
      "RangeError",
      "holds NaN at row 0, column 2 (entry 1)",
    ],
    [{ cols: 2.5 }, "TypeError", "must have integer rows and cols, got 2 x 2.5"],
    [{ cols: -1 }, "TypeError", "must have integer rows and cols, got 2 x -1"],
  ];
  for (const [change, name, reason] of cases) {
    const msg = reason.startsWith("indptr") || reason.startsWith("indices") ||
        reason.startsWith("values")
      ? `Cannot create CSR matrix: the matrix.${reason}`
      : `Cannot create CSR matrix: the matrix ${reason}`;
    assert.throws(() => csrMatrix({ ...ok, ...change } as never), { name, message: msg }, reason);
  }
  assert.throws(() => csrMatrix({ ...ok, indptr: new Int32Array(0) }), {
    name: "TypeError",
    message: "Cannot create CSR matrix: indptr is empty; a matrix of 0 rows has indptr [0]",
  });
  // A hand-made matrix whose indptr is longer than its rows say (even if it ends at nnz).
  const long = { kind: "csr", rows: 1, cols: 4, indptr: Int32Array.of(0, 3, 3) };
  assert.throws(
    () =>
      assertCsr("check", "x", {
        ...long,
        indices: Int32Array.of(0, 1, 2),
        values: Float64Array.of(1, 2, 3),
      }),
    { name: "TypeError", message: "Cannot check: x.indptr has 3 entries, 1 row needs 2" },
  );
  assert.throws(() => assertCsr("check", "x", { data: new Float64Array(1), rows: 1, cols: 1 }), {
    message: "Cannot check: x must be a CSR matrix, got Object",
  });
});

Deno.test("csrTakeRows takes the rows takeRows takes from the dense matrix", () => {
  const dense = randomSparseDense(10, 6, { density: 0.4, seed: 9, dtype: "float32" });
  const pick = [7, 0, 7, 3, 9];
  assert.deepEqual(csrToDense(csrTakeRows(csrFromDense(dense), pick)), takeRows(dense, pick));
  assert.throws(() => csrTakeRows(csrFromDense(dense), [10]), {
    name: "RangeError",
    message: "Cannot take CSR rows: index 10 is outside 0..9",
  });
});

Deno.test("dense-only functions refuse a CSR matrix by name instead of reading its missing data", () => {
  const x = csrFromDense(fromRows([[1, 0], [0, 2]]));
  assert.throws(() => takeRows(x as never, [0]), {
    name: "TypeError",
    message: "Cannot take rows: sparse (CSR) input is not supported here; convert with " +
      "csrToDense(m)",
  });
});
