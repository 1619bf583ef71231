/**
 * The Jupyter display adapter. A notebook cell whose value is the result of {@linkcode show}
 * (or {@linkcode table}) shows it richly: the Deno kernel calls the object's
 * `Symbol.for("Jupyter.display")` method and sends the mime bundle it returns. Nothing here
 * needs `Deno.jupyter`, so the same objects work in scripts and tests.
 *
 * @module
 */

import {
  assertInRange,
  checkOptionKeys,
  counted,
  describe,
  exactKeys,
  type OptionKeys,
  quotedList,
  quotedText,
} from "../core/validate.ts";
import {
  assertFigure,
  escapeHtml,
  figureDiv,
  plainFigure,
  PLOTLY_CONFIG,
  plotlyScript,
} from "./html.ts";
import type { Figure } from "./types.ts";

/** The key the Deno Jupyter kernel looks for on a cell's value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** The mime types of a shown figure. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** What a displayable object returns: data per mime type. */
export type MimeBundle = Record<string, unknown>;

/** An object the Deno Jupyter kernel displays richly. */
export interface Displayable {
  /** Returns the mime bundle. */
  [JUPYTER_DISPLAY](): Promise<MimeBundle>;
}

/** Options for {@linkcode show} and {@linkcode figureMimeBundle}. */
export interface ShowOptions {
  /**
   * Whether the HTML carries the plotly.js bundle: `"auto"` includes it with the first figure
   * of the process (one kernel session) and not after; `"always"` and `"never"` force it.
   * @default {"auto"}
   */
  includePlotlyJs?: "auto" | "always" | "never";
  /**
   * Height of the figure in pixels in the HTML view.
   * @default {the layout's height, else 450}
   */
  height?: number;
}

const SHOW_KEYS: OptionKeys<ShowOptions> = { includePlotlyJs: true, height: true };

let plotlyIncluded = false;
const sessionToken = Array.from(crypto.getRandomValues(new Uint8Array(4)))
  .map((b) => b.toString(16).padStart(2, "0")).join("");
let figureCounter = 0;

/**
 * Makes the next `"auto"` figure carry plotly.js again (e.g. after the notebook page was
 * reloaded while the kernel kept running).
 *
 * @example The next figure carries plotly.js
 * ```ts
 * import { figureMimeBundle, resetPlotlyInclusion } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = { data: [{ type: "bar", y: [1] }], layout: {} };
 * resetPlotlyInclusion();
 * const html = (await figureMimeBundle(fig))["text/html"] as string;
 * assert.ok(html.includes("inlined by lrcompress"));
 * ```
 */
export function resetPlotlyInclusion(): void {
  plotlyIncluded = false;
}

/**
 * The mime bundle of a figure: `application/vnd.plotly.v1+json` (the figure, for JupyterLab and
 * VS Code), `text/html` (a `<div>` and script that draw it offline, with plotly.js inlined the
 * first time; safe with require.js) and `text/plain` (a one-line summary). The `<div>`'s id is
 * `lrc-`, a random token of this process (the kernel session) and the figure's number, so that
 * a new session never takes the id of a figure the page still shows from an earlier one: the
 * same figures give the same bundles in two sessions except for that id.
 *
 * @param figure The figure.
 * @param options plotly.js inclusion and height.
 * @returns The bundle.
 * @throws {TypeError} If `figure` is not a `{ data, layout }` figure.
 *
 * @example Three mime types
 * ```ts
 * import { figureMimeBundle } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const bundle = await figureMimeBundle({ data: [{ type: "bar", y: [1] }], layout: {} }, {
 *   includePlotlyJs: "never",
 * });
 * assert.deepEqual(Object.keys(bundle).sort(), [
 *   "application/vnd.plotly.v1+json", "text/html", "text/plain",
 * ]);
 * ```
 */
export async function figureMimeBundle(
  figure: Figure,
  options: ShowOptions = {},
): Promise<MimeBundle> {
  checkOptionKeys("display figure", options, SHOW_KEYS);
  assertFigure("display figure", figure);
  const mode = options.includePlotlyJs ?? "auto";
  if (mode !== "auto" && mode !== "always" && mode !== "never") {
    throw new RangeError(
      `Cannot display figure: includePlotlyJs must be "auto", "always" or "never", got ${mode}`,
    );
  }
  const plain = plainFigure(figure);
  // The div first: if it is refused (a bad height), no figure has carried plotly.js yet.
  const div = figureDiv(plain, {
    id: `lrc-${sessionToken}-${++figureCounter}`,
    height: options.height,
  });
  const wanted = () => mode === "always" || (mode === "auto" && !plotlyIncluded);
  const script = wanted() ? await plotlyScript() : "";
  // Asked again after the await: of figures made at once (Promise.all), which all wanted it,
  // only the first to get here carries it.
  const include = wanted();
  if (include) plotlyIncluded = true;
  const loader = include ? script + "\n" : "";
  return {
    [PLOTLY_MIME]: { data: plain.data, layout: plain.layout, config: PLOTLY_CONFIG },
    "text/html": loader + div,
    "text/plain": describeFigure(plain),
  };
}

/**
 * Wraps a figure for display in a notebook: make it the last expression of a cell.
 *
 * @param figure The figure.
 * @param options plotly.js inclusion and height.
 * @returns An object the Deno kernel shows as the figure.
 * @throws {TypeError} If `figure` is not a `{ data, layout }` figure.
 *
 * @example In a notebook cell
 * ```ts
 * import { JUPYTER_DISPLAY, show } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const shown = show({ data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: {} });
 * const bundle = await shown[JUPYTER_DISPLAY](); // what the kernel does with a cell's value
 * assert.equal(bundle["text/plain"], "Figure: trace 0 (scatter, 2 points)");
 * ```
 */
export function show(figure: Figure, options: ShowOptions = {}): Displayable & { figure: Figure } {
  checkOptionKeys("display figure", options, SHOW_KEYS);
  assertFigure("display figure", figure);
  return {
    figure,
    [JUPYTER_DISPLAY]: () => figureMimeBundle(figure, options),
  };
}

/**
 * Options for {@linkcode display}. `includePlotlyJs` and `height` apply to a figure given as it is
 * (`{ data, layout }`), not to a value that is already displayable.
 */
export interface DisplayOptions extends ShowOptions {
  /**
   * Where the plain-text form goes outside a Jupyter kernel.
   * @default {console.log}
   */
  print?: (text: string) => void;
}

const DISPLAY_KEYS = exactKeys<DisplayOptions>()({ ...SHOW_KEYS, print: true });

/**
 * Shows a figure, table or other displayable now. In the Deno Jupyter kernel it sends the mime
 * bundle as `display_data` and resolves once it is sent, so the output belongs to the running
 * cell even when the notebook's cells are queued together ("Run All"), which the Deno kernel
 * (2.9.6) does not guarantee for a cell's last-expression value. Elsewhere (a script, a test) it
 * prints the plain-text form. It uses `Deno.jupyter` when present and does not need it.
 *
 * @param value A figure (shown as by {@linkcode show}) or any object with a
 *   `Symbol.for("Jupyter.display")` method, such as a {@linkcode table}.
 * @param options plotly.js inclusion and height for figures; where text goes outside Jupyter.
 * @returns Nothing (so that a cell ending in `await display(...)` has no value of its own to show).
 * @throws {TypeError} If `value` is neither a figure nor displayable, or `includePlotlyJs` or
 *   `height` is given with a value that is already displayable (they apply to figures only).
 *
 * @example Outside a notebook the text form is printed
 * ```ts
 * import { display, table } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * await display(table([{ a: 1 }]), { print: (t) => lines.push(t) });
 * assert.deepEqual(lines, ["a\n-\n1"]);
 * ```
 */
export async function display(
  value: Figure | Displayable,
  options: DisplayOptions = {},
): Promise<void> {
  checkOptionKeys(
    "display",
    options,
    DISPLAY_KEYS,
  );
  if (!isDisplayable(value) && !(typeof value === "object" && value !== null && "data" in value)) {
    // A model, a result or an array of rows is neither: say what is shown, not only "a figure".
    throw new TypeError(
      `Cannot display: expected a figure { data, layout } or a displayable such as table(rows), ` +
        `got ${describe(value)}`,
    );
  }
  if (isDisplayable(value)) {
    // A table, a show(figure) or plotlyJs() has made its bundle's options already: these went
    // nowhere, and the output did not change.
    const given = (["includePlotlyJs", "height"] as const).filter((k) => options[k] !== undefined);
    if (given.length > 0) {
      throw new TypeError(
        `Cannot display: ${given.map((k) => `options.${k}`).join(" and ")} ` +
          `${given.length > 1 ? "apply" : "applies"} to a figure { data, layout }, and this ` +
          "value is already displayable (a table, show(figure) or plotlyJs()); for a figure, " +
          "pass the figure itself or give the option to show(figure, options)",
      );
    }
  }
  const displayable = isDisplayable(value)
    ? value
    : show(value as Figure, { includePlotlyJs: options.includePlotlyJs, height: options.height });
  const kernel = jupyterKernel();
  if (kernel) {
    await kernel.display(displayable);
    return;
  }
  const bundle = await displayable[JUPYTER_DISPLAY]();
  (options.print ?? console.log)(String(bundle["text/plain"] ?? ""));
}

function isDisplayable(v: unknown): v is Displayable {
  return typeof v === "object" && v !== null &&
    typeof (v as Record<symbol, unknown>)[JUPYTER_DISPLAY] === "function";
}

/** `Deno.jupyter` in the Deno kernel; `null` elsewhere (where reading it throws). */
function jupyterKernel(): { display(value: unknown): Promise<void> } | null {
  try {
    const j = (Deno as unknown as { jupyter?: { display?: unknown } }).jupyter;
    return j && typeof j.display === "function"
      ? j as { display(value: unknown): Promise<void> }
      : null;
  } catch {
    return null;
  }
}

/**
 * A displayable that only loads plotly.js into the page (for a page reloaded while the kernel
 * kept running, where later figures would otherwise wait for it).
 *
 * @returns An object the Deno kernel shows as an invisible script and a short note.
 *
 * @example In a notebook cell, after reloading the page
 * ```ts
 * import { display, plotlyJs } from "./display.ts";
 *
 * await display(plotlyJs(), { print: () => {} });
 * ```
 */
export function plotlyJs(): Displayable {
  return {
    [JUPYTER_DISPLAY]: async () => {
      plotlyIncluded = true;
      return {
        "text/html": await plotlyScript() + "\n<small>plotly.js loaded</small>",
        "text/plain": "plotly.js loaded",
      };
    },
  };
}

/**
 * A one-line description of a figure: title, then each trace's name, type and size.
 *
 * @param figure The figure.
 * @returns E.g. `Training curves: training (scatter, 20 points); validation (scatter, 20 points)`.
 *
 * @example A bar chart
 * ```ts
 * import { describeFigure } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const text = describeFigure({
 *   data: [{ type: "bar", name: "counts", y: [1, 2, 3] }],
 *   layout: { title: { text: "Histogram" } },
 * });
 * assert.equal(text, "Histogram: counts (bar, 3 points)");
 * ```
 */
export function describeFigure(figure: Figure): string {
  const layoutTitle = figure.layout.title;
  const title = typeof layoutTitle === "string"
    ? layoutTitle
    : (layoutTitle as { text?: string } | undefined)?.text ?? "Figure";
  const traces = figure.data.map((t, i) => {
    // The builders escape names for plotly (`plotlyText`); plain text shows them as written.
    const name = typeof t.name === "string" && t.name ? unescapePlotlyText(t.name) : `trace ${i}`;
    let size = "";
    if (Array.isArray(t.z)) {
      const z = t.z as unknown[][];
      size = `${z.length} x ${Array.isArray(z[0]) ? z[0].length : 0}`;
    } else {
      const xy = Array.isArray(t.y) ? t.y : Array.isArray(t.x) ? t.x : [];
      const points = (xy as unknown[]).filter((v) => v !== null).length;
      size = counted(points, "point");
    }
    return `${name} (${t.type}, ${size})`;
  });
  return `${title}: ${traces.join("; ")}`;
}

/** The inverse of `plotlyText`: `&lt;`, `&gt;` and `&amp;` as the characters plotly draws. */
function unescapePlotlyText(text: string): string {
  return text.replace(
    /&(lt|gt|amp);/g,
    (_, e: string) => e === "lt" ? "<" : e === "gt" ? ">" : "&",
  );
}

/** Options for {@linkcode table}. */
export interface TableOptions {
  /**
   * The columns to show, in order.
   * @default {the keys of the first row}
   */
  columns?: readonly string[];
  /**
   * Columns holding fractions to show as percentages with two decimals (`0.8446` -> `84.46 %`).
   * @default {none}
   */
  percent?: readonly string[];
  /**
   * Significant digits of other non-integer numbers.
   * @default {4}
   */
  digits?: number;
}

/**
 * Rows of results as a table that a notebook shows as HTML (and as aligned text elsewhere).
 *
 * @param rows One object per row; values are numbers, strings, booleans or null.
 * @param options Columns, percentage columns, digits.
 * @returns An object the Deno kernel shows as the table; its `text` is the plain version.
 * @throws {TypeError} If `rows` is not an array of objects, a shown cell holds anything but a
 *   number, string, boolean or null (an object or array, which would show as `[object Object]` or
 *   its items joined), or `columns` or `percent` is not an array of strings.
 * @throws {RangeError} If `digits` is not an integer in [1, 100], or the table has rows and a
 *   name in `columns` is in none of them or a name in `percent` is not one of its columns.
 *
 * @example Two rows
 * ```ts
 * import { table } from "./display.ts";
 * import assert from "node:assert/strict";
 *
 * const t = table([{ optimizer: "sgd", accuracy: 0.91234 }, { optimizer: "adam", accuracy: 0.9 }],
 *   { percent: ["accuracy"] });
 * assert.match(t.text.split("\n")[2], /^sgd +91\.23 %$/);
 * ```
 */
export function table(
  rows: readonly Record<string, unknown>[],
  options: TableOptions = {},
): Displayable & { text: string; html: string } {
  checkOptionKeys(
    "make table",
    options,
    { columns: true, percent: true, digits: true } satisfies OptionKeys<TableOptions>,
  );
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== "object" || r === null)) {
    throw new TypeError(
      `Cannot make table: rows must be an array of objects, got ${describe(rows)}`,
    );
  }
  for (const field of ["columns", "percent"] as const) {
    const names = options[field];
    if (
      names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== "string"))
    ) {
      throw new TypeError(
        `Cannot make table: options.${field} must be an array of column names, got ${
          describe(names)
        }`,
      );
    }
  }
  const columns = options.columns ?? (rows.length ? Object.keys(rows[0]) : []);
  const percent = new Set(options.percent ?? []);
  // A misspelt name would show an empty column, or a fraction where a percentage was asked for.
  if (rows.length > 0) {
    for (const c of columns) {
      if (!rows.some((r) => Object.hasOwn(r, c))) {
        throw new RangeError(`Cannot make table: column ${quotedText(c)} is in no row`);
      }
    }
    for (const c of percent) {
      if (!columns.includes(c)) {
        throw new RangeError(
          `Cannot make table: percent column ${quotedText(c)} is not one of the columns ${
            quotedList(columns)
          }`,
        );
      }
    }
  }
  const digits = options.digits ?? 4;
  // What Number.prototype.toPrecision accepts.
  assertInRange("make table", "options.digits", digits, 1, 100, true);
  const cell = (v: unknown, column: string): string => {
    if (typeof v === "number") {
      if (percent.has(column)) return `${(100 * v).toFixed(2)} %`;
      if (Number.isInteger(v)) return String(v);
      return Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
    }
    return v === undefined || v === null ? "" : String(v);
  };
  rows.forEach((r, i) => {
    for (const c of columns) {
      const v = r[c];
      // String() would show an object as "[object Object]" and an array as its items joined.
      if (
        (typeof v === "object" && v !== null) || typeof v === "function" || typeof v === "symbol"
      ) {
        throw new TypeError(
          `Cannot make table: row ${i}, column ${quotedText(c)} holds ${
            describe(v)
          }; a cell is a number, ` +
            "string, boolean or null",
        );
      }
    }
  });
  const cells = rows.map((r) => columns.map((c) => cell(r[c], c)));
  const numeric = columns.map((c) =>
    rows.length > 0 && rows.every((r) => typeof r[c] === "number")
  );
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (values: readonly string[]) =>
    values.map((v, j) => numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])).join("  ")
      .trimEnd();
  const text = [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)]
    .join("\n");
  const align = (j: number) => numeric[j] ? ' style="text-align:right"' : "";
  const html = "<table>\n<thead><tr>" +
    columns.map((c, j) => `<th${align(j)}>${escapeHtml(c)}</th>`).join("") +
    "</tr></thead>\n<tbody>\n" +
    cells.map((r) =>
      "<tr>" + r.map((v, j) => `<td${align(j)}>${escapeHtml(v)}</td>`).join("") + "</tr>"
    )
      .join("\n") +
    "\n</tbody>\n</table>";
  return {
    text,
    html,
    [JUPYTER_DISPLAY]: () => Promise.resolve({ "text/html": html, "text/plain": text }),
  };
}
