/**
 * Shared look of the figures: colours, fonts, axes, subplot grids, and checks of plain inputs.
 * Internal to lib/plot.
 *
 * @module
 */

import { describe, rangeText } from "../core/validate.ts";
import type { Layout, Trace } from "./types.ts";

/** Ten colours that stay distinct for the colour-blind (Okabe-Ito, then two greys). */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#F0E442",
  "#000000",
  "#7F7F7F",
  "#B3B3B3",
];

/**
 * The colour of the `i`-th series.
 *
 * @param i The series index.
 * @returns A CSS colour.
 */
export function color(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/**
 * Text from data (class labels, feature names) as Plotly shows it literally: Plotly reads `<b>`,
 * `<br>` and other tags in titles, annotations and tick labels, and decodes entities, so `&`, `<`
 * and `>` become entities.
 *
 * @param text The text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { plotlyText } from "./style.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(plotlyText("<b>x</b> & y"), "&lt;b&gt;x&lt;/b&gt; &amp; y");
 * ```
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Plotly text to put into a hover template as it is, not read as placeholders: each `%` written
 * as the entity `&#37;`, which plotly draws as `%` after it has substituted `%{...}` (a `%{x}` in
 * a title showed the point's x, and a `%{anything}` nothing).
 *
 * @param text Plotly text (escape names from data with {@linkcode plotlyText} first).
 * @returns The text, safe inside a hover template.
 *
 * @example
 * ```ts
 * import { hoverTemplateText } from "./style.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hoverTemplateText("step %{x}, 10%"), "step &#37;{x}, 10&#37;");
 * ```
 */
export function hoverTemplateText(text: string): string {
  return text.replace(/%/g, "&#37;");
}

/**
 * A figure's height option, checked: plotly takes a non-finite or negative height as none and
 * draws its default, so such a value is refused rather than ignored.
 *
 * @param action What the caller was doing, for messages.
 * @param height The option as given, or `undefined`.
 * @param fallback The builder's default, in pixels.
 * @returns The height in pixels.
 * @throws {TypeError} If `height` is given and not a number.
 * @throws {RangeError} If `height` is not positive and finite.
 */
export function figureHeight(action: string, height: unknown, fallback: number): number {
  if (height === undefined) return fallback;
  if (typeof height !== "number") {
    throw new TypeError(`Cannot ${action}: height must be a number, got ${describe(height)}`);
  }
  if (!(height > 0 && height < Infinity)) {
    throw new RangeError(
      `Cannot ${action}: height must be a positive number of pixels, got ${height}`,
    );
  }
  return height;
}

/**
 * The layout every figure starts from.
 *
 * @param title The figure title.
 * @param height The height in pixels.
 * @returns A layout with title, font, margins, legend and white background.
 */
export function baseLayout(title: string, height: number): Layout {
  return {
    title: { text: title, x: 0.02, xanchor: "left" },
    height,
    autosize: true,
    font: { family: "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", size: 13 },
    margin: { l: 72, r: 24, t: 64, b: 64 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    hovermode: "closest",
    legend: { orientation: "h", x: 0, y: -0.2, xanchor: "left", yanchor: "top" },
  };
}

/**
 * Pixels from the bottom edge of the plot area to the top of a legend drawn below it: the x-axis
 * ticks, tick labels and title (about 54 pixels at the figures' 13-pixel font) and a gap.
 */
const LEGEND_DROP = 64;
/** A legend row's height and the legend's padding (top and bottom together), in pixels. */
const LEGEND_ROW = 20;
const LEGEND_PADDING = 10;
/** The space plotly keeps below a legend that pushes the bottom margin, in pixels. */
const LEGEND_MARGIN = 12;
/**
 * The plot width the legend rows are counted for (a figure about 800 pixels wide), an upper
 * estimate of a character's width at 13 pixels, and a legend entry's symbol and gaps, in pixels.
 */
const LEGEND_WIDTH = 700;
const LEGEND_CHAR = 7;
const LEGEND_SYMBOL = 40;
const LEGEND_GAP = 5;

/**
 * Places the horizontal legend of a figure below its x-axis title. Plotly positions a legend in
 * fractions of the plot area's height, and a legend of several rows pushes the bottom margin,
 * which shortens the plot area: the default fraction then put the legend's first row over the
 * axis title. This sets the fraction for {@linkcode LEGEND_DROP} pixels, counting the legend's
 * rows as plotly wraps its entries in a plot {@linkcode LEGEND_WIDTH} pixels wide: in a wider plot
 * the legend has no more rows and sits no higher; in a much narrower one it can have more rows and
 * sit higher.
 *
 * @param data The figure's traces.
 * @param layout The figure's layout, from {@linkcode baseLayout}; its legend is changed.
 */
export function legendBelowAxis(data: readonly Trace[], layout: Layout): void {
  // Heatmaps are not listed; plotly lists a trace unless it says otherwise, and shows the
  // legend only for two entries or more.
  const names = data
    .filter((t) => t.type !== "heatmap" && t.showlegend !== false && typeof t.name === "string")
    .map((t) => (t.name as string).replace(/&#?\w+;/g, "x"));
  if (names.length < 2) return;
  const widths = names.map((n) => LEGEND_SYMBOL + LEGEND_CHAR * n.length);
  const oneRow = widths.reduce((a, w) => a + w + LEGEND_GAP, -LEGEND_GAP) <= LEGEND_WIDTH;
  const columns = oneRow
    ? names.length
    : Math.max(1, Math.floor((LEGEND_WIDTH + LEGEND_GAP) / (Math.max(...widths) + LEGEND_GAP)));
  const legendHeight = Math.ceil(names.length / columns) * LEGEND_ROW + LEGEND_PADDING;
  // The legend pushes the bottom margin to fit under the plot, unless the margin is larger.
  const margin = layout.margin as { t: number; b: number };
  const below = Math.max(margin.b, LEGEND_DROP + legendHeight + LEGEND_MARGIN);
  const plotHeight = (layout.height as number) - margin.t - below;
  // Plotly refuses a position below -2 (and draws the legend at its default instead).
  const y = Math.max(-2, -LEGEND_DROP / Math.max(plotHeight, 1));
  layout.legend = { ...(layout.legend as object), y };
}

/**
 * An axis with a title and light grid lines.
 *
 * @param title The axis title, with its unit.
 * @param extra More axis attributes.
 * @returns The axis layout.
 */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    showgrid: true,
    gridcolor: "#e5e5e5",
    zeroline: false,
    linecolor: "#444444",
    showline: true,
    ticks: "outside",
    ...extra,
  };
}

/** Where subplot `k` of a grid sits, and the names of its axes. */
export interface Cell {
  /** Axis names as traces refer to them: `"x"`, `"x2"`, ... */
  readonly x: string;
  /** `"y"`, `"y2"`, ... */
  readonly y: string;
  /** Layout keys: `"xaxis"`, `"xaxis2"`, ... */
  readonly xKey: string;
  /** `"yaxis"`, `"yaxis2"`, ... */
  readonly yKey: string;
  /** Horizontal domain in paper coordinates. */
  readonly xDomain: [number, number];
  /** Vertical domain in paper coordinates. */
  readonly yDomain: [number, number];
  /** Row in the grid, 0 at the top. */
  readonly row: number;
  /** Column in the grid. */
  readonly column: number;
}

/**
 * Lays out `n` subplots row by row in a grid.
 *
 * @param n The number of subplots.
 * @param columns Subplots per row.
 * @param gaps Horizontal and vertical gap between cells, as fractions of the figure.
 * @returns One cell per subplot.
 */
export function grid(
  n: number,
  columns: number,
  gaps: { x: number; y: number } = { x: 0.08, y: 0.12 },
): Cell[] {
  const rows = Math.ceil(n / columns);
  const cellW = (1 - gaps.x * (columns - 1)) / columns;
  const cellH = (1 - gaps.y * (rows - 1)) / rows;
  const cells: Cell[] = [];
  for (let k = 0; k < n; k++) {
    const row = Math.floor(k / columns), column = k % columns;
    const suffix = k === 0 ? "" : String(k + 1);
    const x0 = column * (cellW + gaps.x);
    const y1 = 1 - row * (cellH + gaps.y);
    cells.push({
      x: `x${suffix}`,
      y: `y${suffix}`,
      xKey: `xaxis${suffix}`,
      yKey: `yaxis${suffix}`,
      xDomain: [round(x0), round(Math.min(1, x0 + cellW))],
      yDomain: [round(Math.max(0, y1 - cellH)), round(y1)],
      row,
      column,
    });
  }
  return cells;
}

/**
 * A title above a subplot, as a layout annotation.
 *
 * @param text The title.
 * @param cell The subplot.
 * @returns The annotation.
 */
export function cellTitle(text: string, cell: Cell): Record<string, unknown> {
  return {
    text,
    xref: "paper",
    yref: "paper",
    x: (cell.xDomain[0] + cell.xDomain[1]) / 2,
    y: cell.yDomain[1],
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 13 },
  };
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/**
 * Copies numbers into a plain array, turning NaN and infinities into `null` (a gap in plotly).
 *
 * @param values The numbers.
 * @returns A plain array.
 */
export function plain(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/**
 * Checks that a value is an array of objects (rows of plain data).
 *
 * @param action What the caller was doing.
 * @param name The argument's name.
 * @param rows The value.
 * @throws {TypeError} If it is not an array of non-null objects.
 */
export function assertRows(action: string, name: string, rows: unknown): asserts rows is object[] {
  if (!Array.isArray(rows)) {
    throw new TypeError(`Cannot ${action}: ${name} must be an array, got ${describe(rows)}`);
  }
  rows.forEach((r, i) => {
    if (typeof r !== "object" || r === null) {
      throw new TypeError(`Cannot ${action}: ${name}[${i}] must be an object, got ${describe(r)}`);
    }
  });
}

/**
 * Checks a numeric field of a row.
 *
 * @param action What the caller was doing.
 * @param where E.g. `"points[3].accuracy"`.
 * @param v The value.
 * @param min Smallest allowed value.
 * @param max Largest allowed value.
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is NaN or outside `[min, max]`.
 */
export function assertNumber(
  action: string,
  where: string,
  v: unknown,
  min = -Infinity,
  max = Infinity,
): asserts v is number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${action}: ${where} must be a number, got ${describe(v)}`);
  }
  if (Number.isNaN(v) || v < min || v > max) {
    const range = min === -Infinity && max === Infinity ? "a number" : rangeText(min, max);
    throw new RangeError(`Cannot ${action}: ${where} must be ${range}, got ${v}`);
  }
}

/**
 * Checks a string field of a row.
 *
 * @param action What the caller was doing.
 * @param where E.g. `"points[3].strategy"`.
 * @param v The value.
 * @throws {TypeError} If it is not a string.
 */
export function assertString(action: string, where: string, v: unknown): asserts v is string {
  if (typeof v !== "string") {
    throw new TypeError(`Cannot ${action}: ${where} must be a string, got ${describe(v)}`);
  }
}

/**
 * Checks and reads an array-like of numbers, or the `data` of a matrix.
 *
 * @param action What the caller was doing.
 * @param name The argument's name.
 * @param v The value.
 * @returns The numbers.
 * @throws {TypeError} If it is neither (a `BigInt64Array` is not numbers: `1n` is no number).
 */
export function numbersOf(action: string, name: string, v: unknown): ArrayLike<number> {
  if (v !== null && typeof v === "object") {
    if (isNumberView(v)) return v;
    if (Array.isArray(v)) {
      // An index loop, not forEach: forEach skips holes, which read as undefined.
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== "number") {
          throw new TypeError(
            `Cannot ${action}: ${name}[${i}] must be a number, got ${describe(v[i])}`,
          );
        }
      }
      return v;
    }
    const data = (v as { data?: unknown }).data;
    if (isNumberView(data)) return data;
  }
  throw new TypeError(
    `Cannot ${action}: ${name} must be an array of numbers or a matrix, got ${describe(v)}`,
  );
}

/** A typed array of numbers: not a `DataView`, not a `BigInt64Array` or `BigUint64Array`. */
function isNumberView(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) &&
    !(v instanceof BigUint64Array);
}
