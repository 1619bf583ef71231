/**
 * Boundary checks shared by the public functions. Each throws a `TypeError` for a wrong type or
 * shape and a `RangeError` for a value out of range, with a message "Cannot <action>: <reason>".
 * Kernels trust their inputs; these run once per public call.
 *
 * @module
 */

import type { FloatArray, Matrix } from "./matrix.ts";

/**
 * Checks that `m` is a well-formed matrix.
 *
 * @param action What the caller was doing, e.g. `"fit model"`.
 * @param name The argument's name in messages.
 * @param m The value to check.
 * @throws {TypeError} If `m` is not a matrix with float storage of `rows * cols` elements (an
 *   array of rows or a typed array is named as such, with the function that makes a matrix of it),
 *   or is a sparse (CSR) matrix (see {@linkcode refuseSparse}).
 */
export function assertMatrix(action: string, name: string, m: unknown): asserts m is Matrix {
  if (typeof m !== "object" || m === null) {
    throw new TypeError(`Cannot ${action}: ${name} must be a matrix, got ${describe(m)}`);
  }
  refuseSparse(action, name, m);
  if (Array.isArray(m) || ArrayBuffer.isView(m)) {
    // A plain array of rows (or a flat typed array) is the common mistake: say what a matrix is
    // and how to make one, not that its (absent) `data` field is undefined.
    throw new TypeError(
      `Cannot ${action}: ${name} must be a matrix { data, rows, cols }, got ${describe(m)}; ` +
        "fromRows(rows) makes one from an array of rows, matrix(data, rows, cols) from a typed array",
    );
  }
  const { data, rows, cols } = m as Partial<Matrix>;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    throw new TypeError(
      `Cannot ${action}: ${name}.data must be a Float32Array or Float64Array, got ${
        describe(data)
      }`,
    );
  }
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows! < 0 || cols! < 0) {
    throw new TypeError(
      `Cannot ${action}: ${name} must have integer rows and cols, got ${rows} x ${cols}`,
    );
  }
  if (data.length !== rows! * cols!) {
    throw new TypeError(
      `Cannot ${action}: ${name} is ${rows} x ${cols} but holds ${data.length} elements`,
    );
  }
}

/**
 * Refuses a sparse (CSR) matrix, tagged `kind: "csr"`, where only dense matrices are taken: every
 * function that checks its data with {@linkcode assertMatrix} refuses one so, rather than failing
 * on its missing `data` or computing with it wrongly.
 *
 * @param action What the caller was doing.
 * @param name The argument's name in messages.
 * @param m The value to check.
 * @throws {TypeError} "Cannot <action>: sparse (CSR) input is not supported here; convert with
 *   csrToDense(<name>)" if `m` is tagged as a CSR matrix.
 *
 * @example
 * ```ts
 * import { refuseSparse } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => refuseSparse("prune model", "x", { kind: "csr" }), {
 *   message: "Cannot prune model: sparse (CSR) input is not supported here; convert with " +
 *     "csrToDense(x)",
 * });
 * ```
 */
export function refuseSparse(action: string, name: string, m: unknown): void {
  if (typeof m === "object" && m !== null && (m as { kind?: unknown }).kind === "csr") {
    throw new TypeError(
      `Cannot ${action}: sparse (CSR) input is not supported here; convert with ` +
        `csrToDense(${name})`,
    );
  }
}

/**
 * Checks that every element of `values` is finite.
 *
 * @param action What the caller was doing.
 * @param name The argument's name in messages.
 * @param values The values.
 * @param cols When given, messages report (row, column) positions for this row length.
 * @throws {RangeError} At the first NaN or infinite element, naming its position.
 */
export function assertFinite(
  action: string,
  name: string,
  values: ArrayLike<number>,
  cols?: number,
): void {
  // One loop per array type: a single loop reading every type callers pass (float64 weights,
  // float32 inputs, plain arrays, ...) went megamorphic and read a 784 x 10 float64 weight
  // matrix about 10x slower than a loop of one type.
  const i = values instanceof Float64Array
    ? firstNonFinite64(values)
    : values instanceof Float32Array
    ? firstNonFinite32(values)
    : firstNonFinite(values);
  if (i >= 0) {
    const where = cols ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `index ${i}`;
    throw new RangeError(`Cannot ${action}: ${name} holds ${values[i]} at ${where}`);
  }
}

function firstNonFinite64(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

function firstNonFinite32(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Checks that `v` is an array of numbers: a plain array with a number in every slot, or a typed
 * array of numbers (not a `BigInt64Array` or `BigUint64Array`, not a `DataView`).
 *
 * @param action What the caller was doing.
 * @param name The argument's name in messages.
 * @param v The value to check.
 * @throws {TypeError} If it is not one.
 */
export function assertNumbers(
  action: string,
  name: string,
  v: unknown,
): asserts v is ArrayLike<number> {
  // A BigInt64Array's 0n is not === 0; `every` would skip an array's holes, read as undefined.
  let ok = ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
  if (Array.isArray(v)) {
    ok = true;
    for (let i = 0; i < v.length && ok; i++) ok = typeof v[i] === "number";
  }
  if (!ok) {
    throw new TypeError(
      `Cannot ${action}: ${name} must be an array of numbers, got ${describe(v)}`,
    );
  }
}

/**
 * Checks class labels: integers in `0..nClasses-1`, one per row.
 *
 * @param action What the caller was doing.
 * @param y The labels.
 * @param rows The number of rows they must match.
 * @param nClasses The number of classes, when known.
 * @param names The argument's name and that of the one it must match, for messages (e.g.
 *   `{ name: "yPred", against: "yTrue" }`); by default "labels" against the data's rows.
 * @throws {TypeError} If `y` is not an integer typed array or array of the right length.
 * @throws {RangeError} If a label is not an integer in range.
 */
export function assertLabels(
  action: string,
  y: ArrayLike<number>,
  rows: number,
  nClasses?: number,
  names?: { readonly name: string; readonly against: string },
): void {
  if (y === null || typeof y !== "object" || typeof y.length !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${names?.name ?? "labels"} must be an array of class indices`,
    );
  }
  if (y.length !== rows) {
    throw new TypeError(
      names
        ? `Cannot ${action}: ${names.name} has ${
          counted(y.length, "entry", { plural: "entries" })
        }, ${names.against} has ${rows}`
        : `Cannot ${action}: data has ${counted(rows, "row")} but labels have ${
          counted(y.length, "entry", { plural: "entries" })
        }`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || (nClasses !== undefined && c >= nClasses)) {
      const range = nClasses === undefined ? "a non-negative integer" : `in 0..${nClasses - 1}`;
      // Labels as read ("setosa", "2") are the common mistake: say where class indices come from.
      const hint = typeof c === "string"
        ? " (a class index: encodeLabels(labels) maps labels to indices and gives the classes)"
        : "";
      throw new RangeError(
        `Cannot ${action}: ${names ? `${names.name}[${i}]` : `label at row ${i}`} is ${
          quoted(c)
        }, ` +
          `expected ${range}${hint}`,
      );
    }
  }
}

/**
 * Checks that a number option lies in a range.
 *
 * @param action What the caller was doing.
 * @param name The option's name.
 * @param value Its value.
 * @param min The smallest allowed value.
 * @param max The largest allowed value.
 * @param integer Whether it must be an integer.
 * @throws {TypeError} If it is not a number (a string "0.5" included).
 * @throws {RangeError} If it is not in `[min, max]`, is NaN, or is not an integer when asked.
 */
export function assertInRange(
  action: string,
  name: string,
  value: number,
  min: number,
  max: number,
  integer = false,
): void {
  if (
    typeof value !== "number" || Number.isNaN(value) || value < min || value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? "an integer" : "a number";
    // A string "0.5" would read as the number it spells.
    const got = typeof value === "number" ? String(value) : describe(value);
    const Kind = typeof value === "number" ? RangeError : TypeError;
    throw new Kind(`Cannot ${action}: ${name} must be ${kind} ${rangeText(min, max)}, got ${got}`);
  }
}

/**
 * A range as a reader writes it: bounds that stand for an open end (the smallest positive number
 * for "above 0", the largest number below 1 for "below 1") are written as open ends instead of
 * as 5e-324 and 0.9999999999999998.
 *
 * @param min The least accepted value.
 * @param max The largest accepted value.
 * @returns E.g. `"in [0, 1]"`, `"in (0, 1)"`, `">= 2"`, `"> 0"`.
 *
 * @example
 * ```ts
 * import { rangeText } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(rangeText(Number.MIN_VALUE, 1 - Number.EPSILON), "in (0, 1)");
 * assert.equal(rangeText(0, 1), "in [0, 1]");
 * assert.equal(rangeText(Number.MIN_VALUE, Infinity), "> 0");
 * ```
 */
export function rangeText(min: number, max: number): string {
  const aboveZero = min > 0 && min < 1e-300;
  const belowOne = max < 1 && max > 1 - 1e-15;
  if (max === Infinity) return aboveZero ? "> 0" : `>= ${min}`;
  return `in ${aboveZero ? "(0" : `[${min}`}, ${belowOne ? "1)" : `${max}]`}`;
}

/**
 * Checks an options argument: absent, or an object (a `null` would otherwise end in "Cannot read
 * properties of null" deep inside).
 *
 * @param action What the caller was doing.
 * @param options The argument.
 * @param name Its name in messages.
 * @throws {TypeError} If it is given and not a plain object.
 */
export function assertOptions(action: string, options: unknown, name = "options"): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`Cannot ${action}: ${name} must be an object, got ${describe(options)}`);
  }
}

/**
 * Whether a value is an array whose every entry is a string. An index loop, not `every` or
 * `some`: those skip the holes of a sparse array (`["a", , "c"]`), which then read as
 * `undefined` wherever the names are used.
 *
 * @param v Any value.
 * @returns `true` for an array of strings (empty included).
 */
export function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
}

/**
 * A short description of a value for error messages.
 *
 * @param v Any value.
 * @returns E.g. `"undefined"`, `"Array(3)"`, `"Int32Array(10)"`, `"string \"x\""`.
 */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) {
    return `${v.constructor.name}(${(v as unknown as FloatArray).length ?? v.byteLength})`;
  }
  if (typeof v === "string") return `string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === "object") {
    // The prototype's constructor, not an own "constructor" key: a JSON value such as
    // {"constructor": {"name": "Array(2)"}} named itself (or printed "[object Object]").
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)
      ?.constructor?.name;
    return typeof name === "string" && name !== "" ? name : "object";
  }
  // A function by its name: its source, printed whole, could be any length. A class's static
  // name() method is no name (its source was printed, line breaks included).
  if (typeof v === "function") {
    return `function ${typeof v.name === "string" && v.name !== "" ? v.name : "(anonymous)"}`;
  }
  return `${typeof v} ${String(v)}`;
}

/**
 * The first value that repeats an earlier one, for refusals that name both positions (class
 * labels, feature names).
 *
 * @param values The values.
 * @returns The positions of its first occurrence and of the repeat, or `null` if none repeats.
 *
 * @example
 * ```ts
 * import { firstRepeat } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(firstRepeat(["a", "b", "c", "b", "a"]), [1, 3]);
 * assert.equal(firstRepeat(["a", "b"]), null);
 * ```
 */
export function firstRepeat(values: readonly string[]): [number, number] | null {
  const first = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const seen = first.get(values[i]);
    if (seen !== undefined) return [seen, i];
    first.set(values[i], i);
  }
  return null;
}

/**
 * A label or name as a refusal quotes it, in JSON's quotes: whole up to `max` characters, else
 * its first `max` and its length, so that a message stays short whatever the text's size.
 * Characters are code points: an emoji counts as one and is never cut in half.
 *
 * @param s The text.
 * @param max The most characters shown.
 * @returns E.g. `"a"`, or `"aaaa"... (1000000 characters)` for a longer text with `max` 4.
 *
 * @example
 * ```ts
 * import { quotedText } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(quotedText("cat"), '"cat"');
 * assert.equal(quotedText("abcdef", 3), '"abc"... (6 characters)');
 * ```
 */
export function quotedText(s: string, max = 60): string {
  const cut = cutText(s, max);
  return cut === null
    ? JSON.stringify(s)
    : `${JSON.stringify(cut.text)}... (${cut.count} characters)`;
}

/**
 * A text as a message passes it on unquoted (another library's reason): whole up to `max`
 * characters, else its first `max` and its length, counted as {@linkcode quotedText} counts.
 *
 * @param s The text.
 * @param max The most characters shown.
 * @returns E.g. `abc... (6 characters)` for `abcdef` with `max` 3.
 *
 * @example
 * ```ts
 * import { shortText } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(shortText("abcdef", 3), "abc... (6 characters)");
 * ```
 */
export function shortText(s: string, max: number): string {
  const cut = cutText(s, max);
  return cut === null ? s : `${cut.text}... (${cut.count} characters)`;
}

/** The first `max` code points of a longer text and its length in code points; null if it fits. */
function cutText(s: string, max: number): { text: string; count: number } | null {
  if (s.length <= max) return null;
  // Counted and cut by code point, not UTF-16 unit: a cut through a surrogate pair printed half
  // an emoji ("\ud83d"), and 40 emoji were said to be 80 characters.
  let count = 0, end = 0;
  for (let i = 0; i < s.length; count++) {
    i += s.codePointAt(i)! > 0xffff ? 2 : 1;
    if (count < max) end = i;
  }
  return count <= max ? null : { text: s.slice(0, end), count };
}

/** Options of {@linkcode counted}. */
export interface CountedOptions {
  /**
   * The word for any count but 1.
   *
   * @default The singular with an "s" added.
   */
  readonly plural?: string;
  /**
   * How the count prints (e.g. with thousands separators).
   *
   * @default `String`
   */
  readonly format?: (n: number) => string;
}

/**
 * A count and the word that agrees with it, as a message writes it: the singular for exactly 1,
 * the plural for any other count (0 and 2 bytes, 1 byte). A verb agrees the same way:
 * `counted(n, "remains", { plural: "remain" })`.
 *
 * @param n The count.
 * @param singular The word for a count of 1.
 * @param options The plural, when not the singular with an "s", and how the count prints.
 * @returns E.g. `1 byte`, `2 bytes`, `3 classes`.
 *
 * @example Counting bytes and classes
 * ```ts
 * import { counted } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(counted(1, "byte"), "1 byte");
 * assert.equal(counted(0, "byte"), "0 bytes");
 * assert.equal(counted(3, "class", { plural: "classes" }), "3 classes");
 * assert.equal(counted(1200, "row", { format: (n) => n.toLocaleString("en-US") }), "1,200 rows");
 * ```
 */
export function counted(n: number, singular: string, options: CountedOptions = {}): string {
  const { plural = `${singular}s`, format = String } = options;
  return `${format(n)} ${n === 1 ? singular : plural}`;
}

/**
 * Refuses a matrix whose width is not the model's number of features, naming both.
 *
 * @param action What the caller was doing, for the message.
 * @param name The matrix's name in the message (`x`, `data.x`).
 * @param x The matrix (already checked to be one).
 * @param nFeatures The model's number of features.
 * @throws {TypeError} If `x.cols` is not `nFeatures`.
 *
 * @example
 * ```ts
 * import { assertWidth } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const x = { data: new Float64Array(6), rows: 2, cols: 3 };
 * assertWidth("predict", "x", x, 3);
 * assert.throws(() => assertWidth("predict", "x", x, 1), {
 *   message: "Cannot predict: the model takes 1 feature, x has 3",
 * });
 * ```
 */
export function assertWidth(
  action: string,
  name: string,
  x: { readonly rows?: number; readonly cols: number },
  nFeatures: number,
): void {
  if (x.cols !== nFeatures) {
    throw new TypeError(
      `Cannot ${action}: the model takes ${counted(nFeatures, "feature")}, ${name} has ${x.cols}` +
        emptyBatchHint(x, nFeatures),
    );
  }
}

/**
 * What a width error adds for a matrix of no rows and no columns, as `fromRows([])` makes of an
 * empty batch (a service's request of no rows): it cannot know the width, so say how to make an
 * empty batch of the right one. Nothing for other matrices.
 *
 * @param x The matrix (already checked to be one).
 * @param width The columns wanted.
 * @returns The hint, starting with a space, or `""`.
 *
 * @example
 * ```ts
 * import { emptyBatchHint } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   emptyBatchHint({ rows: 0, cols: 0 }, 4),
 *   " (no rows and no columns, as fromRows([]) makes: an empty batch of 4 columns is " +
 *     "matrix(new Float64Array(0), 0, 4))",
 * );
 * assert.equal(emptyBatchHint({ rows: 2, cols: 0 }, 4), "");
 * ```
 */
export function emptyBatchHint(
  x: { readonly rows?: number; readonly cols: number },
  width: number,
): string {
  return x.rows === 0 && x.cols === 0 && width > 0
    ? ` (no rows and no columns, as fromRows([]) makes: an empty batch of ${
      counted(width, "column")
    } is matrix(new Float64Array(0), 0, ${width}))`
    : "";
}

/**
 * An option's value as a hint writes it into a corrected call: numbers and booleans as they are,
 * strings in double quotes, anything else as `...`.
 *
 * @param value The value given.
 * @returns Its text in the hint.
 *
 * @example
 * ```ts
 * import { hintValue } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hintValue(4), "4");
 * assert.equal(hintValue("adam"), '"adam"');
 * assert.equal(hintValue([1, 2]), "...");
 * ```
 */
export function hintValue(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : typeof value === "string"
    ? JSON.stringify(value)
    : "...";
}

/**
 * A typed array's name with its article, as messages name the type they wanted: "an Int8Array",
 * "a Uint8Array".
 *
 * @param name The constructor's name.
 * @returns The name after "a" or "an".
 *
 * @example
 * ```ts
 * import { typeWithArticle } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeWithArticle(Int8Array.name), "an Int8Array");
 * assert.equal(typeWithArticle(Float32Array.name), "a Float32Array");
 * assert.equal(typeWithArticle(Uint8Array.name), "a Uint8Array");
 * ```
 */
export function typeWithArticle(name: string): string {
  // "Uint" reads "you-int": a consonant sound.
  return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`;
}

/**
 * A list of names as a message quotes it: at most `max` of them, each by
 * {@linkcode quotedText}, and how many more there are (a model's 784 feature names would make a
 * warning of a page).
 *
 * @param names The names.
 * @param max How many to show.
 * @returns `["a","b"]`, or `["a","b", ...] (784 names)` past `max`.
 *
 * @example
 * ```ts
 * import { quotedList } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(quotedList(["a", "b"]), '["a","b"]');
 * assert.equal(quotedList(["a", "b", "c"], 2), '["a","b", ...] (3 names)');
 * ```
 */
export function quotedList(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((s) => quotedText(s)).join(",");
  return names.length <= max ? `[${shown}]` : `[${shown}, ...] (${names.length} names)`;
}

/**
 * A value as a refusal quotes it: a string in quotes, a number as it prints, anything else as
 * {@linkcode describe} names it (so a field of the wrong type reads as such: `boolean true`,
 * `null`, `Array(1)`, not as a value that looks right).
 *
 * @param v The value.
 * @returns Its text for a message.
 *
 * @example
 * ```ts
 * import { quoted } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(quoted("tanh"), "'tanh'");
 * assert.equal(quoted(2.5), "2.5");
 * assert.equal(quoted(["softmax"]), "Array(1)");
 * ```
 */
export function quoted(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : typeof v === "number" ? String(v) : describe(v);
}

/**
 * The reason of a refusal: an error's message without its "Cannot <action>: " prefix (for
 * messages that quote the reason under another action).
 *
 * @param error The error.
 * @returns The message after the prefix (the whole message if it has none).
 */
export function errorReason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^Cannot [^:]*: /, "");
}

/**
 * Checks the kernel options shared by every scoring and training function: `backend` (auto,
 * wasm or ts) and `threads` (an integer in [1, 256]).
 *
 * @param action What the caller was doing, for messages.
 * @param options The options.
 * @returns The backend, `"auto"` when absent.
 * @throws {RangeError} If either is out of range.
 */
export function checkBackendOptions(
  action: string,
  options: { readonly backend?: string; readonly threads?: number },
): "auto" | "wasm" | "ts" {
  const backend = options.backend ?? "auto";
  if (backend !== "auto" && backend !== "wasm" && backend !== "ts") {
    throw new RangeError(`Cannot ${action}: backend must be auto, wasm or ts, got ${backend}`);
  }
  if (options.threads !== undefined) {
    assertInRange(action, "threads", options.threads, 1, 256, true);
  }
  return backend;
}

/**
 * Every key of an options interface, each mapped to `true`, or to `"nullable"` when the interface
 * takes `null` for it: a value of this type must list every key and no other (the compiler checks
 * both), so the list of known options cannot drift from the interface.
 */
export type OptionKeys<T> = {
  readonly [K in keyof T]-?: null extends T[K] ? "nullable" : true;
};

/**
 * Checks a key list built with spreads or a rest pattern, whose extra keys an `OptionKeys<T>`
 * annotation alone lets through: the list must have every key of `T` and no other.
 *
 * @example A list built from another
 * ```ts
 * import { exactKeys } from "./validate.ts";
 *
 * interface Base { seed?: number }
 * interface Options extends Base { steps?: number }
 * const BASE = { seed: true } as const;
 * const KEYS = exactKeys<Options>()({ ...BASE, steps: true });
 * // exactKeys<Options>()({ ...BASE, steps: true, extra: true }) does not compile.
 * ```
 *
 * @returns A function that returns its argument, typed as `OptionKeys<T>`.
 */
export function exactKeys<T>(): <K extends OptionKeys<T>>(
  keys: K & { readonly [E in Exclude<keyof K, keyof T>]: never },
) => OptionKeys<T> {
  return (keys) => keys;
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two adjacent letters
 * (the optimal string alignment distance: `lable` is one edit from `label`).
 *
 * @param a A string.
 * @param b Another.
 * @returns The number of edits that turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(
        rows[i - 1][j] + 1,
        row[j - 1] + 1,
        rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

/**
 * The known name closest to a misspelt one: the same letters in another case, or within two
 * edits of a name of 8 letters or more and one edit of a shorter one.
 *
 * @param name The unknown name.
 * @param known The known names.
 * @returns The closest known name, or `undefined` if none is that close.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= (k.length >= 8 ? 2 : 1) && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Checks an options argument as {@linkcode assertOptions} does (absent, or an object), then
 * refuses a key the function does not know: a misspelt option (`optimiser`, `epoch`) would
 * otherwise be ignored and its default used without a word. Keys whose value is `undefined` are
 * let through (they have no effect under any name); `null` is refused unless the key is
 * `"nullable"` (it would otherwise mean the default for some options and fail late, or as a
 * wrong type, for others). A hook, a known key named `on` and a capital
 * (`onProgress`, `onScan`), must be a function: called only as work goes on, a number there
 * would otherwise fail late, with a message that names no option.
 *
 * @param action What the caller was doing, for messages.
 * @param options The options (absent is fine).
 * @param known The keys the function reads (see {@linkcode OptionKeys}).
 * @param name The options' name in messages, e.g. `"optimizer"`.
 * @param elsewhere Where an unknown key belongs instead, if it belongs somewhere (a field of a
 *   nested option given at the top level): said in place of the closest or the known keys.
 * @throws {TypeError} If the options are not an object, or naming the unknown key and where it
 *   belongs, or the closest known one, or listing the known ones, or a hook that is not a
 *   function, or a known key that is `null` and not `"nullable"`.
 *
 * @example A misspelt option
 * ```ts
 * import { checkOptionKeys } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const known = { epochs: true, seed: true } as const;
 * checkOptionKeys("train", { epochs: 3 }, known);
 * assert.throws(
 *   () => checkOptionKeys("train", { epoch: 3 }, known),
 *   /unknown option 'epoch' \(did you mean 'epochs'\?\)/,
 * );
 * assert.throws(
 *   () => checkOptionKeys("train", { onProgress: 3 }, { onProgress: true }),
 *   /onProgress must be a function, got number 3/,
 * );
 * assert.throws(
 *   () => checkOptionKeys("train", { seed: null }, known),
 *   /seed is null: give a value, or leave it out for its default/,
 * );
 * ```
 */
export function checkOptionKeys(
  action: string,
  options: unknown,
  known: { readonly [key: string]: true | "nullable" },
  name = "options",
  elsewhere?: (key: string) => string | undefined,
): void {
  assertOptions(action, options, name);
  if (options === undefined) return;
  for (const key of Object.keys(options as object)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (Object.hasOwn(known, key)) {
      const where = name === "options" ? "" : ` of ${name}`;
      if (value === null && known[key] !== "nullable") {
        throw new TypeError(
          `Cannot ${action}: ${key}${where} is null: give a value, or leave it out for its default`,
        );
      }
      if (/^on[A-Z]/.test(key) && typeof value !== "function") {
        throw new TypeError(
          `Cannot ${action}: ${key}${where} must be a function, got ${describe(value)}`,
        );
      }
      continue;
    }
    const where = name === "options" ? "" : ` in ${name}`;
    const belongs = elsewhere?.(key);
    if (belongs !== undefined) {
      throw new TypeError(`Cannot ${action}: unknown option '${key}'${where}; ${belongs}`);
    }
    const names = Object.keys(known);
    const near = nearestName(key, names);
    throw new TypeError(
      `Cannot ${action}: unknown option '${key}'${where} ` +
        (near ? `(did you mean '${near}'?)` : `(known: ${names.join(", ")})`),
    );
  }
}
