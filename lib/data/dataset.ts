/**
 * The labelled data set that loaders return and training consumes.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { describe } from "../core/validate.ts";

/** A labelled data set: features, class indices, and what the indices and columns mean. */
export interface Dataset {
  /** Features, shape `(nSamples, nFeatures)`. */
  readonly x: Matrix;
  /** Class index of each sample, shape `(nSamples)`, values in `0..classes.length-1`. */
  readonly y: Int32Array;
  /** Class labels: `classes[y[i]]` is the original label of sample `i`. */
  readonly classes: readonly string[];
  /** Feature names, one per column of `x`. */
  readonly featureNames: readonly string[];
}

/**
 * Maps label values to class indices. Labels that all read as decimal numbers of at most 15
 * significant digits are ordered numerically (and named by their number, so `"1"` and `"1.0"` are
 * one class); otherwise (text, hexadecimal, longer identifiers that float64 would merge, NaN and
 * the infinities, also as numbers) they are ordered by code units. The order is deterministic and
 * independent of the order of the rows.
 *
 * @param values One label per sample: an array, or a typed array of numbers.
 * @returns The class index of each sample and the class labels.
 * @throws {TypeError} If `values` is not an array or typed array, or a label is not a string, a
 *   number or a boolean (`null` or `undefined`, a missing label, included).
 *
 * @example Strings and numbers
 * ```ts
 * import { encodeLabels } from "./dataset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(encodeLabels(["b", "a", "b"]).classes, ["a", "b"]);
 * assert.deepEqual([...encodeLabels(["10", "9", "9.0"]).y], [1, 0, 0]);
 * ```
 */
export function encodeLabels(
  values: readonly (string | number | boolean)[],
): { y: Int32Array; classes: string[] } {
  const given: unknown = values;
  // A typed array's own map() would turn the class names back into numbers.
  if (ArrayBuffer.isView(given) && !(given instanceof DataView)) {
    values = Array.from(given as unknown as ArrayLike<number>);
  } else if (!Array.isArray(given)) {
    throw new TypeError(
      `Cannot encode labels: values must be an array of labels, got ${describe(given)}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new TypeError(
        `Cannot encode labels: values[${i}] is ${describe(v)}; a label is a string, a number or ` +
          `a boolean`,
      );
    }
  }
  const numeric = values.length > 0 &&
    values.every((v) =>
      typeof v === "number" ? Number.isFinite(v) : typeof v === "string" && isNumericLabel(v)
    );
  const keys = values.map((v) => numeric ? String(Number(v)) : String(v));
  const distinct = [...new Set(keys)];
  if (numeric) distinct.sort((a, b) => Number(a) - Number(b));
  else distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((c, i) => [c, i]));
  const y = new Int32Array(values.length);
  for (let i = 0; i < keys.length; i++) y[i] = index.get(keys[i])!;
  return { y, classes: distinct };
}

/**
 * Looks up raw label cells among a model's classes the way `encodeLabels` names them: when every
 * class reads as a number, labels and classes compare by their number (`"1"`, `"1.0"` and a
 * class `"1.0"` are one), unless two classes have the same number; otherwise exactly.
 *
 * @param classes The model's class labels.
 * @returns The class index of a label, or `undefined` if it is none of them.
 *
 * @example
 * ```ts
 * import { classIndexOf } from "./dataset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(classIndexOf(["1.0", "2.0"])("2"), 1);
 * assert.equal(classIndexOf(["cat", "dog"])("dog"), 1);
 * assert.equal(classIndexOf(["cat", "dog"])("bird"), undefined);
 * ```
 */
export function classIndexOf(classes: readonly string[]): (label: string) => number | undefined {
  const exact = new Map(classes.map((c, i) => [c, i]));
  const numbers = classes.every(isNumericLabel)
    ? new Map(classes.map((c, i) => [String(Number(c)), i]))
    : null;
  if (numbers === null || numbers.size < classes.length) return (label) => exact.get(label);
  return (label) =>
    exact.get(label) ?? (isNumericLabel(label) ? numbers.get(String(Number(label))) : undefined);
}

/**
 * Whether a label reads as a decimal number that float64 keeps exactly enough to tell it from
 * every other decimal: at most 15 significant digits (`"2"`, `"2.0"`, `"-1.5e3"`; not `"0x10"`,
 * not a 20-digit identifier, which would merge with its neighbours). Labels that all do so are
 * one class per number in {@linkcode encodeLabels}.
 *
 * @param s A label.
 * @returns Whether it reads as such a number.
 *
 * @example
 * ```ts
 * import { isNumericLabel } from "./dataset.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isNumericLabel(" 1.0"), true);
 * assert.equal(isNumericLabel("NA"), false);
 * assert.equal(isNumericLabel("0x10"), false);
 * ```
 */
export function isNumericLabel(s: string): boolean {
  const t = s.trim();
  if (t === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return false;
  if (!Number.isFinite(Number(t))) return false;
  const digits = t.replace(/^[+-]/, "").replace(/[eE].*$/, "").replace(".", "")
    .replace(/^0+/, "").replace(/0+$/, "");
  return digits.length <= 15;
}
