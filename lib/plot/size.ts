/**
 * Where the bytes of model files go: one stacked bar per file, one colour per part (header,
 * indices, weights, codes, scales, bias, labels, names, preprocessing, checksum), as the size
 * report of `lib/io` breaks a file down.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys, quotedText } from "../core/validate.ts";
import {
  assertNumber,
  assertRows,
  assertString,
  axis,
  baseLayout,
  color,
  figureHeight,
  legendBelowAxis,
  plotlyText,
} from "./style.ts";
import type { Figure, Trace } from "./types.ts";

/** One file's breakdown. */
export interface SizeBreakdownRow {
  /** The file's label on the axis, e.g. `"float32"`, `"4-bit per class"`; one per row. */
  readonly name: string;
  /** Bytes per part (e.g. `sizeReport(bytes).parts`); parts absent from a row count 0. */
  readonly parts: Readonly<Record<string, number>>;
}

/** Options for {@linkcode sizeBreakdownFigure}. */
export interface SizeBreakdownFigureOptions {
  /**
   * The figure title.
   * @default {"Where the bytes of each model file go"}
   */
  title?: string;
  /**
   * A reference size drawn as a dotted vertical line with its value, e.g. the dense float32 model (4 bytes per
   * weight and per bias).
   * @default {none}
   */
  baseline?: number;
  /**
   * The reference line's label.
   * @default {"dense float32"}
   */
  baselineName?: string;
  /**
   * The order of the parts (stacking order and legend); parts not listed follow in order of
   * first appearance.
   * @default {order of first appearance}
   */
  parts?: readonly string[];
  /**
   * Height in pixels.
   * @default {200 + 48 per file}
   */
  height?: number;
}

/**
 * A horizontal stacked bar chart of model file sizes: one bar per file (first file at the top),
 * one trace per part that is non-zero in some file, so each bar's length is the file's total.
 *
 * @param rows One row per file: its name and bytes per part.
 * @param options Title, baseline, part order, height.
 * @returns A plotly figure: files against bytes; traces are the parts (bars, `x` bytes, `y` file
 *   names); the baseline is a layout shape with an annotation.
 * @throws {TypeError} If a row lacks a string `name` or an object `parts`, `options.parts` is
 *   not an array of strings, or `baselineName` is not a non-empty string.
 * @throws {RangeError} If a part's bytes are negative, not finite, or the baseline is not
 *   positive, or two rows have the same name, or `options.parts` lists a part twice.
 *
 * @example Two files
 * ```ts
 * import { sizeBreakdownFigure } from "./size.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = sizeBreakdownFigure([
 *   { name: "float", parts: { header: 40, weights: 2560, codes: 0 } },
 *   { name: "4-bit", parts: { header: 44, weights: 0, codes: 320 } },
 * ]);
 * assert.deepEqual(fig.data.map((t) => t.name), ["header", "weights", "codes"]);
 * assert.deepEqual(fig.data[2].x, [0, 320]);
 * ```
 */
export function sizeBreakdownFigure(
  rows: readonly SizeBreakdownRow[],
  options: SizeBreakdownFigureOptions = {},
): Figure {
  checkOptionKeys(
    "draw size breakdown",
    options,
    {
      title: true,
      baseline: true,
      baselineName: true,
      parts: true,
      height: true,
    } satisfies OptionKeys<SizeBreakdownFigureOptions>,
  );
  const action = "plot size breakdown";
  assertRows(action, "rows", rows);
  if (options.parts !== undefined && !Array.isArray(options.parts)) {
    throw new TypeError(
      `Cannot ${action}: options.parts must be an array of part names, got ${
        describe(options.parts)
      }`,
    );
  }
  const order: string[] = [...(options.parts ?? [])];
  order.forEach((part, i) => {
    assertString(action, `options.parts[${i}]`, part);
    // A part listed twice would get two traces, and its bytes would count twice in every bar.
    if (order.indexOf(part) < i) {
      throw new RangeError(`Cannot ${action}: options.parts lists ${quotedText(part)} twice`);
    }
  });
  rows.forEach((r, i) => {
    assertString(action, `rows[${i}].name`, r.name);
    // Plotly would stack two rows of one name into a single bar of their summed bytes.
    const first = rows.findIndex((o) => o.name === r.name);
    if (first < i) {
      throw new RangeError(
        `Cannot ${action}: rows[${i}].name ${quotedText(r.name)} is also rows[${first}]'s; ` +
          "give each file its own name",
      );
    }
    if (typeof r.parts !== "object" || r.parts === null) {
      throw new TypeError(`Cannot ${action}: rows[${i}].parts must be an object of byte counts`);
    }
    for (const [part, bytes] of Object.entries(r.parts)) {
      assertNumber(action, `rows[${i}].parts.${part}`, bytes, 0, Number.MAX_SAFE_INTEGER);
      if (!order.includes(part)) order.push(part);
    }
  });
  const names = rows.map((r) => plotlyText(r.name));
  const data: Trace[] = [];
  order.forEach((part) => {
    const x = rows.map((r) => r.parts[part] ?? 0);
    if (x.every((v) => v === 0)) return;
    data.push({
      type: "bar",
      orientation: "h",
      name: plotlyText(part),
      x,
      y: names,
      marker: { color: color(data.length) },
      hovertemplate: "%{y}<br>%{fullData.name}: %{x:,} bytes<extra></extra>",
    });
  });
  const totals = rows.map((r) => Object.values(r.parts).reduce((a, b) => a + b, 0));
  let top = Math.max(1, ...totals);
  const baseline = options.baseline;
  if (baseline !== undefined) {
    assertNumber(action, "baseline", baseline, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER);
    top = Math.max(top, baseline);
  }
  const label = options.baselineName ?? "dense float32";
  // Empty, the line was labelled ": 1,000 bytes" (the trade-off figures refuse it too).
  if (typeof label !== "string" || label === "") {
    throw new TypeError(
      `Cannot ${action}: options.baselineName must be a non-empty string, got ${describe(label)}`,
    );
  }
  const layout = baseLayout(
    options.title ?? "Where the bytes of each model file go",
    figureHeight(action, options.height, 200 + 48 * Math.max(1, rows.length)),
  );
  layout.barmode = "stack";
  // Below the axis title, in stacking order (plotly reverses it for stacked bars by default).
  layout.legend = { ...(layout.legend as object), y: -0.25, traceorder: "normal" };
  layout.margin = { ...(layout.margin as object), b: 110 };
  layout.xaxis = axis("file size (bytes)", { range: [0, top * 1.05], rangemode: "tozero" });
  layout.yaxis = axis("model file", {
    type: "category",
    autorange: "reversed",
    automargin: true,
    showgrid: false,
  });
  if (baseline !== undefined) {
    layout.shapes = [{
      type: "line",
      xref: "x",
      yref: "paper",
      x0: baseline,
      x1: baseline,
      y0: 0,
      y1: 1,
      line: { color: "#444444", dash: "dot", width: 2 },
    }];
    layout.annotations = [{
      xref: "x",
      yref: "paper",
      x: baseline,
      y: 1,
      yanchor: "bottom",
      xanchor: "right",
      showarrow: false,
      text: `${plotlyText(label)}: ${baseline.toLocaleString("en-US")} bytes`,
      font: { size: 12, color: "#444444" },
    }];
  }
  legendBelowAxis(data, layout);
  return { data, layout };
}
