/**
 * Long result rows (one per experiment) turned into a wide table (one row per configuration, one
 * column per value of a swept parameter), the way compression results are read: strategies down,
 * sparsities across.
 *
 * @module
 */

import { checkOptionKeys, describe, quotedText } from "../core/validate.ts";

/** Options for {@linkcode pivotRows}. */
export interface PivotOptions<T, C extends keyof T & string = keyof T & string> {
  /** The fields that identify an output row, in column order (e.g. `["strategy", "fineTuned"]`). */
  readonly rows: readonly (keyof T & string)[];
  /** The field whose values become columns (e.g. `"sparsity"`). */
  readonly columns: C;
  /** The field that fills the cells (e.g. `"accuracy"`). */
  readonly values: keyof T & string;
  /**
   * The column name of a value of the `columns` field.
   * @default {String(value)}
   */
  readonly label?: (value: T[C]) => string;
}

/**
 * Pivots result rows: one output row per distinct combination of the `rows` fields (in order of
 * first appearance), holding those fields and one column per distinct value of the `columns`
 * field (in order of first appearance) with the `values` field of the matching input row. A
 * combination without a row for some column gets `null` there (a table shows it empty), so every
 * output row has every column, in the same order.
 *
 * @param rows The input rows (objects; other fields are ignored).
 * @param options Which fields identify a row, become columns and fill the cells; column labels.
 * @returns The wide rows, ready for `table`.
 * @throws {TypeError} If `rows` is not an array of objects, `options.rows` is not an array of
 *   field names, `columns` or `values` is not a field name, or `label` is not a function.
 * @throws {RangeError} If two input rows have the same row fields and column value, or a column
 *   label repeats a row field's name.
 *
 * @example Strategies down, sparsities across
 * ```ts
 * import { pivotRows } from "./pivot.ts";
 * import assert from "node:assert/strict";
 *
 * const wide = pivotRows([
 *   { strategy: "magnitude", sparsity: 0.5, accuracy: 0.84 },
 *   { strategy: "magnitude", sparsity: 0.9, accuracy: 0.59 },
 *   { strategy: "random", sparsity: 0.5, accuracy: 0.64 },
 * ], { rows: ["strategy"], columns: "sparsity", values: "accuracy", label: (s) => `${100 * s} %` });
 * assert.deepEqual(wide, [
 *   { strategy: "magnitude", "50 %": 0.84, "90 %": 0.59 },
 *   { strategy: "random", "50 %": 0.64, "90 %": null },
 * ]);
 * ```
 */
export function pivotRows<T extends object, C extends keyof T & string>(
  rows: readonly T[],
  options: PivotOptions<T, C>,
): Record<string, unknown>[] {
  const action = "pivot rows";
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== "object" || r === null)) {
    throw new TypeError(
      `Cannot ${action}: rows must be an array of objects, got ${describe(rows)}`,
    );
  }
  checkOptionKeys(action, options, { rows: true, columns: true, values: true, label: true });
  const given = (options ?? {}) as Partial<PivotOptions<T, C>>;
  if (!Array.isArray(given.rows) || given.rows.some((k) => typeof k !== "string")) {
    throw new TypeError(
      `Cannot ${action}: options.rows must be an array of field names, got ${describe(given.rows)}`,
    );
  }
  for (const field of ["columns", "values"] as const) {
    if (typeof given[field] !== "string") {
      throw new TypeError(
        `Cannot ${action}: options.${field} must be a field name, got ${describe(given[field])}`,
      );
    }
  }
  if (given.label !== undefined && typeof given.label !== "function") {
    throw new TypeError(
      `Cannot ${action}: options.label must be a function, got ${describe(given.label)}`,
    );
  }
  const label = options.label ?? ((v: T[C]) => String(v));
  const out = new Map<string, Record<string, unknown>>();
  const columns: string[] = [];
  for (const row of rows) {
    const ids = options.rows.map((k) => row[k]);
    const key = identity(ids);
    let wide = out.get(key);
    if (!wide) {
      wide = {};
      options.rows.forEach((k, i) => (wide![k] = ids[i]));
      out.set(key, wide);
    }
    const column = label(row[options.columns]);
    if ((options.rows as readonly string[]).includes(column)) {
      throw new RangeError(
        `Cannot ${action}: column label ${quotedText(column)} is also a row field`,
      );
    }
    if (!columns.includes(column)) columns.push(column);
    // Own properties only: every object inherits "constructor", "toString", ...
    if (Object.hasOwn(wide, column)) {
      throw new RangeError(
        `Cannot ${action}: two rows for ${JSON.stringify(ids)} in column ${quotedText(column)}`,
      );
    }
    wide[column] = row[options.values];
  }
  return [...out.values()].map((wide) => {
    const full: Record<string, unknown> = {};
    for (const k of options.rows) full[k] = wide[k];
    for (const c of columns) full[c] = Object.hasOwn(wide, c) ? wide[c] : null;
    return full;
  });
}

/**
 * The identity of a combination of row fields. JSON alone writes undefined, null, NaN and the
 * infinities all as `null`, which would pool rows that differ there; each value is written with
 * its type, and numbers, bigints and undefined as text.
 */
function identity(ids: readonly unknown[]): string {
  return JSON.stringify(
    ids.map((v) =>
      typeof v === "number" || typeof v === "bigint" || v === undefined
        ? [typeof v, String(v)]
        : [typeof v, v]
    ),
  );
}
