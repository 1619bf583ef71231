import assert from "node:assert/strict";
import { classIndexOf, encodeLabels } from "../../lib/data/dataset.ts";

Deno.test("classIndexOf finds raw labels among classes as encodeLabels named them", () => {
  // Numeric classes compare by number, whichever way either side writes it.
  const { classes } = encodeLabels(["10", "9.0", "9"]);
  const numeric = classIndexOf(classes);
  assert.deepEqual(["9", "9.0", "10", "1e1", " 10 "].map(numeric), [0, 0, 1, 1, 1]);
  assert.equal(numeric("11"), undefined);
  assert.equal(numeric("ten"), undefined);
  assert.deepEqual(["1", "2"].map(classIndexOf(["1.0", "2.0"])), [0, 1]);
  // Classes that are not all numbers, or two classes with one number, compare exactly.
  const mixed = classIndexOf(["1", "cat"]);
  assert.deepEqual([mixed("1"), mixed("1.0"), mixed("cat")], [0, undefined, 1]);
  const twins = classIndexOf(["1", "1.0"]);
  assert.deepEqual([twins("1"), twins("1.0"), twins("1.00")], [0, 1, undefined]);
});

Deno.test("labels that float64 would merge, or that are not decimal, stay distinct classes", () => {
  // Two 20-digit identifiers that are one float64: text, not numbers.
  const ids = encodeLabels([
    "12345678901234567891",
    "12345678901234567890",
    "12345678901234567891",
  ]);
  assert.deepEqual(ids.classes, ["12345678901234567890", "12345678901234567891"]);
  assert.deepEqual([...ids.y], [1, 0, 1]);
  // Hexadecimal is not a number here (as in feature cells): "0x10" and "16" are two classes.
  assert.deepEqual(encodeLabels(["0x10", "16"]).classes, ["0x10", "16"]);
  // Decimal numbers of up to 15 significant digits still merge by value and sort by number.
  const n = encodeLabels(["10", "9", "9.000", "1e1", "123456789012345"]);
  assert.deepEqual(n.classes, ["9", "10", "123456789012345"]);
  assert.deepEqual([...n.y], [1, 0, 0, 1, 2]);
  assert.equal(classIndexOf(ids.classes)("12345678901234567890"), 0);
  assert.equal(classIndexOf(["0x10", "16"])("16"), 1);
  assert.equal(classIndexOf(["9", "10"])("9.0"), 0);
});

Deno.test("16 significant digits are already too many for float64 to keep labels apart", () => {
  // 2^53 + 1 is not a float64: both labels read as 2^53, so they stay text, two classes.
  assert.equal(Number("9007199254740993"), Number("9007199254740992"));
  const ids = encodeLabels(["9007199254740993", "9007199254740992"]);
  assert.deepEqual(ids.classes, ["9007199254740992", "9007199254740993"]);
  assert.deepEqual([...ids.y], [1, 0]);
  assert.equal(classIndexOf(ids.classes)("9007199254740993"), 1);
});

Deno.test("negative numeric labels sort by their value, below zero", () => {
  const { classes, y } = encodeLabels(["-1", "0", "1", "-10", "-1.0"]);
  assert.deepEqual(classes, ["-10", "-1", "0", "1"]);
  assert.deepEqual([...y], [1, 2, 3, 0, 1]);
  assert.deepEqual(["-10", "-1e0", "0.0", "+1"].map(classIndexOf(classes)), [0, 1, 2, 3]);
});

Deno.test("a label that is not a decimal number matches no numeric class, whatever Number() makes of it", () => {
  // Number("") and Number(" ") are 0, Number("0x1") and Number("0b1") are 1: none of them is a
  // decimal label, so none is class "0" or "1"; "1.0" and "+1" are.
  const lookup = classIndexOf(["0", "1"]);
  assert.deepEqual(["", " ", "0x1", "0b1", "0o1", "Infinity"].map(lookup), [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(["0.0", "1.0", "+1", "1e0"].map(lookup), [0, 1, 1, 1]);
});

Deno.test("leading and trailing zeros are not significant digits: long numeric labels stay numbers", () => {
  // 100000000000000000 (18 digits) and 0.000000000000000001 (19 after the point) each have one
  // significant digit; 1e17 and 1e-18 are the same numbers, so each pair is one class, named as
  // String(Number(v)) writes it and ordered by value.
  const { classes, y } = encodeLabels([
    "100000000000000000",
    "1e17",
    "0.000000000000000001",
    "1e-18",
    "2.50000000000000000000",
  ]);
  assert.deepEqual(classes, ["1e-18", "2.5", "100000000000000000"]);
  assert.deepEqual([...y], [2, 2, 0, 0, 1]);
});

Deno.test("text labels sort by UTF-16 code units, not by locale", () => {
  // Code units: 'B' 66, '_' 95, 'a' 97, 'b' 98, 'é' 233 (a locale puts _ first, a before B, and
  // é beside e).
  assert.deepEqual(encodeLabels(["b", "é", "a", "_", "B", "e"]).classes, [
    "B",
    "_",
    "a",
    "b",
    "e",
    "é",
  ]);
});

Deno.test("labels beyond float64, or written .5, and labels given as numbers are read as documented", () => {
  // 1e999 is not a finite number: text, so "1e999" and "2" sort by code units and keep their
  // spelling (as numbers, 1e999 would be the class 'Infinity', after 2).
  assert.deepEqual(encodeLabels(["2", "1e999"]).classes, ["1e999", "2"]);
  // ".5" is a decimal number: one class with 0.5, before 5.
  const half = encodeLabels([".5", "5", "0.5", "-.5"]);
  assert.deepEqual([half.classes, [...half.y]], [["-0.5", "0.5", "5"], [1, 2, 1, 0]]);
  assert.equal(classIndexOf(half.classes)(".50"), 1);
  // Labels given as numbers are numbers: 9 before 10 (as text, "10" sorts before "9").
  const numbers = encodeLabels([10, 9, 9.0, 100]);
  assert.deepEqual([numbers.classes, [...numbers.y]], [["9", "10", "100"], [1, 0, 0, 2]]);
  assert.deepEqual(encodeLabels([1, "1.0", "2"]).classes, ["1", "2"]);
});

Deno.test("NaN and infinite number labels are text: the class order does not depend on the rows' order", () => {
  // NaN compares with nothing: sorting numbers with it gave ["NaN", "1", "2", "3"] for one row
  // order and ["1", "2", "3", "NaN"] for another. As text ("NaN" as a cell reads), both orders
  // give the code-unit order.
  for (const values of [[NaN, 2, 1, NaN, 3], [3, 1, NaN, 2], [2, NaN, 3, 1]]) {
    assert.deepEqual(encodeLabels(values).classes, ["1", "2", "3", "NaN"]);
  }
  assert.deepEqual(encodeLabels([Infinity, 10, -Infinity, 9]).classes, [
    "-Infinity",
    "10",
    "9",
    "Infinity",
  ]);
  // Exactly as the same labels read from text cells.
  assert.deepEqual(encodeLabels([NaN, 2, 1]), encodeLabels(["NaN", "2", "1"]));
  // Finite numbers still sort by value.
  assert.deepEqual(encodeLabels([10, 9, 9.0, -1]).classes, ["-1", "9", "10"]);
});

Deno.test("encodeLabels reads a typed array of labels as the same numbers in an array: classes are strings", () => {
  const { y, classes } = encodeLabels(Int32Array.of(2, 0, 1, 1) as never);
  assert.deepEqual(classes, ["0", "1", "2"]);
  assert.deepEqual(y, Int32Array.of(2, 0, 1, 1));
  assert.deepEqual(encodeLabels(Float64Array.of(1, 0.5, 1) as never).classes, ["0.5", "1"]);
});
