import assert from "node:assert/strict";
import { pivotRows } from "../../lib/plot/pivot.ts";
import { table } from "../../lib/plot/display.ts";

interface Result {
  method: string;
  training: "ptq" | "qat";
  bits: number;
  accuracy: number;
  bytes: number;
}

const results: Result[] = [
  { method: "uniform", training: "ptq", bits: 8, accuracy: 0.846, bytes: 7880 },
  { method: "uniform", training: "ptq", bits: 2, accuracy: 0.794, bytes: 2000 },
  { method: "uniform", training: "qat", bits: 2, accuracy: 0.839, bytes: 2000 },
  { method: "k-means", training: "ptq", bits: 8, accuracy: 0.846, bytes: 8864 },
  { method: "k-means", training: "ptq", bits: 2, accuracy: 0.828, bytes: 1976 },
];

Deno.test("one row per combination of the row fields, one column per value, in first-seen order", () => {
  const wide = pivotRows(results, {
    rows: ["method", "training"],
    columns: "bits",
    values: "accuracy",
    label: (b) => `${b}-bit`,
  });
  assert.deepEqual(wide, [
    { method: "uniform", training: "ptq", "8-bit": 0.846, "2-bit": 0.794 },
    { method: "uniform", training: "qat", "8-bit": null, "2-bit": 0.839 },
    { method: "k-means", training: "ptq", "8-bit": 0.846, "2-bit": 0.828 },
  ]);
  // Every row has every column, so the table shows them all, the missing cell empty.
  const lines = table(wide, { percent: ["8-bit", "2-bit"] }).text.split("\n");
  assert.match(lines[0], /^method +training +8-bit +2-bit$/);
  assert.match(lines[3], /^uniform +qat +83\.90 %$/);
});

Deno.test("each input row lands in exactly one cell", () => {
  const wide = pivotRows(results, {
    rows: ["method", "bits"],
    columns: "training",
    values: "bytes",
  });
  assert.throws(
    () => pivotRows(results, { rows: ["method"], columns: "bits", values: "bytes" }),
    { name: "RangeError", message: /two rows for \["uniform"\] in column "2"/ },
  );
  assert.throws(
    () => pivotRows(results, { rows: ["method"], columns: "method", values: "bytes" }),
    RangeError,
  );
  assert.throws(
    () =>
      pivotRows(
        [1] as unknown as Parameters<typeof pivotRows>[0],
        {
          rows: [],
          columns: "a",
          values: "b",
        } as unknown as Parameters<typeof pivotRows>[1],
      ),
    TypeError,
  );
  assert.deepEqual(wide.map((r) => [r.method, r.bits, r.ptq, r.qat]), [
    ["uniform", 8, 7880, null],
    ["uniform", 2, 2000, 2000],
    ["k-means", 8, 8864, null],
    ["k-means", 2, 1976, null],
  ]);
});

Deno.test("column labels that name Object.prototype members are columns like any other", () => {
  // "constructor" and "toString" are inherited by every object: a check with `in` took them for
  // cells already filled and refused the first row, and filled a missing one with a function.
  const rows = [
    { op: "a", member: "constructor", n: 1 },
    { op: "a", member: "x", n: 2 },
    { op: "b", member: "x", n: 3 },
    { op: "b", member: "toString", n: 4 },
  ];
  assert.deepEqual(pivotRows(rows, { rows: ["op"], columns: "member", values: "n" }), [
    { op: "a", constructor: 1, x: 2, toString: null },
    { op: "b", constructor: null, x: 3, toString: 4 },
  ]);
});

Deno.test("row fields that JSON writes alike still make separate rows", () => {
  // undefined, null, NaN and the infinities are all `null` in JSON; as one key they pooled the
  // rows, and the second row's cells landed in the first row's output.
  const budgets = [undefined, null, NaN, Infinity, -Infinity];
  const rows = budgets.map((budget, i) => ({ budget, column: `c${i}`, value: i }));
  const wide = pivotRows(rows, { rows: ["budget"], columns: "column", values: "value" });
  assert.equal(wide.length, budgets.length);
  wide.forEach((row, i) => {
    assert.ok(Object.is(row.budget, budgets[i]), `row ${i}: ${row.budget}`);
    // Each output row holds exactly its own input row's cell.
    budgets.forEach((_, j) => assert.equal(row[`c${j}`], i === j ? i : null));
  });
  // A Date is not its text, though JSON writes both as the same string.
  const day = new Date(0);
  assert.deepEqual(
    pivotRows([{ k: day, c: "a", v: 1 }, { k: day.toJSON(), c: "a", v: 2 }], {
      rows: ["k"],
      columns: "c",
      values: "v",
    }),
    [{ k: day, a: 1 }, { k: day.toJSON(), a: 2 }],
  );
  // Numbers and their text are still told apart, and 0 and -0 are one value.
  assert.equal(
    pivotRows([{ k: 1, c: "a", v: 1 }, { k: "1", c: "a", v: 2 }], {
      rows: ["k"],
      columns: "c",
      values: "v",
    }).length,
    2,
  );
  assert.throws(
    () =>
      pivotRows([{ k: 0, c: "a", v: 1 }, { k: -0, c: "a", v: 2 }], {
        rows: ["k"],
        columns: "c",
        values: "v",
      }),
    { name: "RangeError", message: /two rows for \[0\] in column "a"/ },
  );
});

Deno.test("pivot options of the wrong shape are refused with the option named", () => {
  const rows = [{ s: "a", c: 1, v: 2 }];
  const bad = (options: unknown) => () =>
    pivotRows(rows, options as Parameters<typeof pivotRows<(typeof rows)[0], "c">>[1]);
  // Without options.rows this read "Cannot read properties of undefined (reading 'map')".
  assert.throws(bad({ columns: "c", values: "v" }), {
    name: "TypeError",
    message: /^Cannot pivot rows: options\.rows must be an array of field names, got undefined$/,
  });
  assert.throws(bad({ rows: "s", columns: "c", values: "v" }), {
    name: "TypeError",
    message: /options\.rows must be an array of field names/,
  });
  assert.throws(bad({ rows: ["s"], values: "v" }), {
    name: "TypeError",
    message: /options\.columns must be a field name, got undefined/,
  });
  assert.throws(bad({ rows: ["s"], columns: "c", values: 3 }), {
    name: "TypeError",
    message: /options\.values must be a field name, got number 3/,
  });
  assert.throws(bad({ rows: ["s"], columns: "c", values: "v", label: "%" }), {
    name: "TypeError",
    message: /options\.label must be a function/,
  });
  assert.throws(bad(undefined), { name: "TypeError", message: /options\.rows/ });
});

Deno.test("a column label that names a row field is refused, even when no cell is filled twice", () => {
  // One row per key, so no "two rows" error can stand in for this one: without the check the
  // cell overwrote the row field (k: 1 where the row is "a"), without a word.
  assert.throws(
    () => pivotRows([{ k: "a", c: "k", v: 1 }], { rows: ["k"], columns: "c", values: "v" }),
    { name: "RangeError", message: /^Cannot pivot rows: column label "k" is also a row field$/ },
  );
  // (The earlier test's `columns: "method"` beside `rows: ["method"]` is refused as two rows
  // for ["uniform"] in column "uniform": its labels are method values, not field names.)
  // A label that only resembles a field is a column like any other.
  assert.deepEqual(
    pivotRows([{ k: "a", c: "K", v: 1 }], { rows: ["k"], columns: "c", values: "v" }),
    [{ k: "a", K: 1 }],
  );
});

Deno.test("bigint row fields make rows of their own, apart from the equal number", () => {
  // JSON cannot write a bigint (it throws); 1n and 1 are different values (1n !== 1).
  const rows = [
    { k: 1n, c: "a", v: 1 },
    { k: 2n, c: "a", v: 2 },
    { k: 1, c: "b", v: 3 },
    { k: 1n, c: "b", v: 4 },
  ];
  assert.deepEqual(pivotRows(rows, { rows: ["k"], columns: "c", values: "v" }), [
    { k: 1n, a: 1, b: 4 },
    { k: 2n, a: 2, b: null },
    { k: 1, a: null, b: 3 },
  ]);
});
