// The matrix helpers against hand-written expectations: every element of each result is stated.
import assert from "node:assert/strict";
import {
  fromRows,
  matrix,
  takeColumns,
  takeRows,
  toFloat32,
  toFloat64,
} from "../../lib/core/matrix.ts";

const m = fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);

Deno.test("fromRows lays rows out row-major and refuses ragged or non-numeric rows", () => {
  assert.deepEqual([m.rows, m.cols], [4, 3]);
  assert.deepEqual([...m.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.ok(m.data instanceof Float64Array);
  const empty = fromRows([]);
  assert.deepEqual([empty.rows, empty.cols, empty.data.length], [0, 0, 0]);
  assert.throws(() => fromRows([[1, 2], [3]]), {
    name: "RangeError",
    message: "Cannot create matrix: row 1 has 1 value, row 0 has 2",
  });
  assert.throws(() => fromRows([[1, "2" as unknown as number]]), {
    name: "TypeError",
    message: "Cannot create matrix: row 0, column 1 is string, not a number",
  });
  assert.throws(() => fromRows("ab" as never), TypeError);
});

Deno.test("matrix refuses data that is not a float typed array, naming it and how to convert it", () => {
  const start = "Cannot create matrix: data must be a Float64Array or Float32Array, got ";
  const advice = "; Float64Array.from(data) converts it (fromRows(rows) takes an array of rows)";
  const cases: [unknown, string][] = [
    [[1, 2, 3, 4], "Array(4)" + advice],
    [Uint8ClampedArray.of(1, 2, 3, 4), "Uint8ClampedArray(4)" + advice],
    [null, "null"],
    // Float64Array.from of a DataView is empty: no advice rather than advice that fails.
    [new DataView(new ArrayBuffer(32)), "DataView(32)"],
  ];
  for (const [data, end] of cases) {
    assert.throws(() => matrix(data as never, 2, 2), { name: "TypeError", message: start + end });
  }
  // The advice works.
  const fixed = matrix(Float64Array.from(Uint8ClampedArray.of(1, 2, 3, 4)), 2, 2);
  assert.deepEqual([fixed.rows, fixed.cols, ...fixed.data], [2, 2, 1, 2, 3, 4]);
});

Deno.test("takeRows copies the rows asked for, in that order, repeats included", () => {
  const t = takeRows(m, [3, 0, 3]);
  assert.deepEqual([t.rows, t.cols], [3, 3]);
  assert.deepEqual([...t.data], [10, 11, 12, 1, 2, 3, 10, 11, 12]);
  // A copy, not a view.
  t.data[0] = -1;
  assert.equal(m.data[9], 10);
  assert.deepEqual(takeRows(m, []).data.length, 0);
  const f32 = takeRows(toFloat32(m), [1]);
  assert.ok(f32.data instanceof Float32Array);
  assert.deepEqual([...f32.data], [4, 5, 6]);
  for (const bad of [4, -1, 1.5, NaN]) {
    assert.throws(() => takeRows(m, [bad]), {
      name: "RangeError",
      message: `Cannot take rows: index ${bad} is outside 0..3`,
    });
  }
  assert.throws(() => takeRows(m, null as never), TypeError);
});

Deno.test("takeColumns copies the columns asked for, in that order, repeats included", () => {
  const t = takeColumns(m, [2, 0, 2]);
  assert.deepEqual([t.rows, t.cols], [4, 3]);
  assert.deepEqual([...t.data], [3, 1, 3, 6, 4, 6, 9, 7, 9, 12, 10, 12]);
  t.data[0] = -1;
  assert.equal(m.data[2], 3);
  const none = takeColumns(m, []);
  assert.deepEqual([none.rows, none.cols, none.data.length], [4, 0, 0]);
  for (const bad of [3, -1, 0.5]) {
    assert.throws(() => takeColumns(m, [0, bad]), {
      name: "RangeError",
      message: `Cannot take columns: index ${bad} is outside 0..2`,
    });
  }
});

Deno.test("toFloat32 rounds to float32 and toFloat64 widens exactly; each returns its own type as is", () => {
  const x = fromRows([[0.1, 1 + 2 ** -30], [3e38, -0]]);
  const f = toFloat32(x);
  assert.ok(f.data instanceof Float32Array);
  assert.deepEqual([f.rows, f.cols], [2, 2]);
  assert.deepEqual([...f.data], [Math.fround(0.1), 1, Math.fround(3e38), -0]);
  assert.ok(Object.is(f.data[3], -0));
  assert.equal(toFloat32(f), f);
  const back = toFloat64(f);
  assert.ok(back.data instanceof Float64Array);
  assert.deepEqual([...back.data], [Math.fround(0.1), 1, Math.fround(3e38), -0]);
  assert.equal(toFloat64(x), x);
  // Not a matrix: a clear error, not "Cannot read properties of null".
  assert.throws(() => toFloat32(null as never), {
    name: "TypeError",
    message: "Cannot convert matrix to float32: m must be a matrix, got null",
  });
  assert.throws(() => toFloat64({ data: [1], rows: 1, cols: 1 } as never), TypeError);
});

Deno.test("matrix wraps without copying and checks the sizes", () => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6]);
  const w = matrix(data, 3, 2);
  assert.equal(w.data, data);
  assert.throws(() => matrix(data, 4, 2), {
    name: "RangeError",
    message: "Cannot create matrix: 4 x 2 needs 8 elements, got 6",
  });
  assert.throws(() => matrix(data, -1, -6), RangeError);
  assert.throws(() => matrix([1, 2] as never, 1, 2), TypeError);
});

Deno.test("matrix refuses fractional sizes even when their product matches the data", () => {
  // 1.5 x 4 = 6 = data.length and -1 x -6 = 6 too: only the integer and sign checks stand
  // between these and a matrix whose (i, j) -> i * cols + j layout means nothing.
  const data = new Float64Array(6);
  for (const [rows, cols] of [[1.5, 4], [4, 1.5], [-1, -6]]) {
    assert.throws(() => matrix(data, rows, cols), {
      name: "RangeError",
      message:
        `Cannot create matrix: rows and cols must be non-negative integers, got ${rows} x ${cols}`,
    });
  }
});

Deno.test("fromRows takes typed-array rows and refuses rows that are not arrays, naming the culprit", () => {
  // Typed rows are copied as their values (float32 0.5 and 1.5 are exact in float64).
  // Without a cast: the declared type admits what the function takes (it said number[][]).
  const t = fromRows([Float32Array.of(0.5, 1.5), Float64Array.of(3, 4)]);
  assert.deepEqual([t.rows, t.cols], [2, 2]);
  assert.deepEqual([...t.data], [0.5, 1.5, 3, 4]);
  // Numbers where rows belong: without the row check [1, 2] became a 2 x undefined matrix with
  // no data.
  const start = "Cannot create matrix: rows must be an array of arrays of numbers, ";
  const cases: [unknown, string][] = [
    [[1, 2], "row 0 is number 1; fromRows([row]) makes a matrix of one row"],
    [Float32Array.of(1, 2), "got Float32Array(2); fromRows([row]) makes a matrix of one row"],
    [[[1], "a"], 'row 1 is string "a"'],
    [[null], "row 0 is null"],
    [
      [Uint8ClampedArray.of(1, 2)],
      "row 0 is Uint8ClampedArray(2); Array.from(row) converts " +
      "a row of another typed array",
    ],
    ["3", 'got string "3"'],
    // fromRows([row]) refuses a Uint8ClampedArray row: the lone row is converted too.
    [
      Uint8ClampedArray.of(1, 2),
      "got Uint8ClampedArray(2); fromRows([Array.from(row)]) makes a matrix of one row",
    ],
    // Array.from of a DataView is empty: no advice rather than advice that fails.
    [new DataView(new ArrayBuffer(16)), "got DataView(16)"],
    [[new DataView(new ArrayBuffer(16))], "row 0 is DataView(16)"],
  ];
  for (const [bad, end] of cases) {
    assert.throws(() => fromRows(bad as never), { name: "TypeError", message: start + end });
  }
  // The advice works: the wrapped row and the converted typed row make the one-row matrix.
  for (const fixed of [fromRows([[1, 2]]), fromRows([Array.from(Uint8ClampedArray.of(1, 2))])]) {
    assert.deepEqual([fixed.rows, fixed.cols, ...fixed.data], [1, 2, 1, 2]);
  }
});

Deno.test("takeRows and takeColumns refuse a non-matrix and a non-list of indices by name", () => {
  // The library's own messages, not the engine's "Cannot read properties of null".
  for (const [take, action] of [[takeRows, "take rows"], [takeColumns, "take columns"]] as const) {
    for (const bad of [null, 3, undefined]) {
      assert.throws(() => take(m, bad as never), {
        name: "TypeError",
        message: `Cannot ${action}: indices must be an array of integers`,
      });
    }
    assert.throws(() => take(null as never, [0]), {
      name: "TypeError",
      message: `Cannot ${action}: m must be a matrix, got null`,
    });
  }
});

Deno.test("takeColumns keeps float32 storage", () => {
  // Documented: "a new matrix of the same storage type". Float32 0.1 is Math.fround(0.1).
  const t = takeColumns(toFloat32(fromRows([[0.1, 2], [3, 0.7]])), [1, 0]);
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual([...t.data], [2, Math.fround(0.1), Math.fround(0.7), 3]);
});

Deno.test("takeColumns of a wide matrix picks from each row's own stride, checked element by element", () => {
  // A 3 x 5 matrix reduced to 2 columns: with rows as wide as the result, a stride of the
  // result's width instead of the source's went unnoticed.
  const rows = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]];
  const picks = [4, 1];
  const t = takeColumns(fromRows(rows), picks);
  assert.deepEqual([t.rows, t.cols], [3, 2]);
  assert.deepEqual([...t.data], rows.flatMap((r) => picks.map((j) => r[j])));
  // And a tall one widened by repeats.
  const tall = [[1, 2], [3, 4], [5, 6], [7, 8]];
  const wide = takeColumns(fromRows(tall), [1, 0, 1]);
  assert.deepEqual([...wide.data], tall.flatMap((r) => [r[1], r[0], r[1]]));
});
