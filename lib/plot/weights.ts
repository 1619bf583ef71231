/**
 * Weight histograms before and after quantization, with the quantization levels marked.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../core/validate.ts";
import { histogram } from "../core/histogram.ts";
import type { Matrix } from "../core/matrix.ts";
import {
  axis,
  baseLayout,
  cellTitle,
  figureHeight,
  grid,
  legendBelowAxis,
  numbersOf,
  plotlyText,
} from "./style.ts";
import type { Figure, Trace } from "./types.ts";

/** Options for {@linkcode weightHistogramFigure}. */
export interface WeightHistogramOptions {
  /**
   * The quantization levels (the values a quantized weight can take), marked by vertical lines.
   * @default {none}
   */
  levels?: ArrayLike<number>;
  /**
   * Number of equal-width bins, shared by both histograms.
   * @default {100}
   */
  bins?: number;
  /**
   * Count only weights whose mask entry is non-zero (e.g. leave out pruned weights, whose many
   * exact zeros would dwarf the rest); same length as the weights.
   * @default {count every weight}
   */
  mask?: ArrayLike<number>;
  /**
   * Put the counts on a log axis.
   * @default {false}
   */
  logCounts?: boolean;
  /**
   * Bin only this interval `[lo, hi]` (to zoom in, e.g. on the weights near zero): weights
   * outside it are not counted, levels outside it are not drawn.
   * @default {every counted weight and every level}
   */
  range?: readonly [number, number];
  /**
   * Titles of the two panels (also the legend names of their bars), e.g. for a pruning step.
   * @default {["Before quantization", "After quantization"]}
   */
  panelTitles?: readonly [string, string];
  /**
   * The figure title.
   * @default {"Weights before and after quantization"}
   */
  title?: string;
  /**
   * Height in pixels.
   * @default {600}
   */
  height?: number;
}

/**
 * Two stacked histograms over the same bins: the float weights before quantization (top) and
 * the dequantized weights after (bottom), with the quantization levels as vertical lines in
 * both. The bins span both arrays and all levels, or the given `range`. The same figure shows any
 * other step on weights (e.g. pruning) with its own `panelTitles`.
 *
 * @param before The float weights, an array or a matrix `(nOutputs, nFeatures)`.
 * @param after The dequantized weights, same length as `before`.
 * @param options Levels, bins, mask, log counts, range, panel titles, title, height.
 * @returns A plotly figure: count (weights per bin) against weight (log-odds per feature unit); traces are the two
 *   histograms as bars (`x` bin centres, `y` counts, `width` bin width) and, with levels, one
 *   line trace per panel.
 * @throws {TypeError} If an argument is not numeric, the lengths differ, or `panelTitles` is not
 *   two strings.
 * @throws {RangeError} If a weight or level is NaN or infinite, `bins` is not a positive
 *   integer, or `range` is not `[lo, hi]` with `lo < hi`.
 *
 * @example Three levels
 * ```ts
 * import { weightHistogramFigure } from "./weights.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = weightHistogramFigure([-0.9, 0.1, 0.2, 0.8], [-1, 0, 0, 1], {
 *   levels: [-1, 0, 1],
 *   bins: 4,
 * });
 * assert.deepEqual(fig.data[1].y, [1, 0, 2, 1]); // after: -1 | 0, 0 | 1 over [-1, 1]
 * ```
 */
export function weightHistogramFigure(
  before: ArrayLike<number> | Matrix,
  after: ArrayLike<number> | Matrix,
  options: WeightHistogramOptions = {},
): Figure {
  checkOptionKeys(
    "draw weight histogram",
    options,
    {
      levels: true,
      bins: true,
      mask: true,
      logCounts: true,
      range: true,
      panelTitles: true,
      title: true,
      height: true,
    } satisfies OptionKeys<WeightHistogramOptions>,
  );
  const action = "plot weight histograms";
  const a = numbersOf(action, "before", before);
  const b = numbersOf(action, "after", after);
  if (a.length !== b.length) {
    throw new TypeError(
      `Cannot ${action}: before has ${a.length} weights but after has ${b.length}`,
    );
  }
  const levels = options.levels === undefined ? [] : numbersOf(action, "levels", options.levels);
  const mask = options.mask;
  // The shared range: every counted weight and every level.
  let lo = Infinity, hi = -Infinity;
  for (const values of [a, b]) {
    for (let i = 0; i < values.length; i++) {
      if (mask && !mask[i]) continue;
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
  }
  for (let i = 0; i < levels.length; i++) {
    if (!Number.isFinite(levels[i])) {
      throw new RangeError(`Cannot ${action}: level ${i} is ${levels[i]}`);
    }
    lo = Math.min(lo, levels[i]);
    hi = Math.max(hi, levels[i]);
  }
  let range: [number, number] | undefined = lo < hi ? [lo, hi] : undefined;
  let shown = levels;
  if (options.range !== undefined) {
    const r = options.range;
    if (
      !Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) ||
      !(r[0] < r[1])
    ) {
      throw new RangeError(`Cannot ${action}: range must be [lo, hi] with lo < hi, got ${r}`);
    }
    range = [r[0], r[1]];
    shown = Array.from(levels).filter((l) => l >= r[0] && l <= r[1]);
  }
  const titles = options.panelTitles;
  if (
    titles !== undefined &&
    (!Array.isArray(titles) || titles.length !== 2 || titles.some((t) => typeof t !== "string"))
  ) {
    throw new TypeError(`Cannot ${action}: panelTitles must be two strings`);
  }
  const bins = options.bins ?? 100;
  const hb = histogram(a, { bins, range, mask });
  const ha = histogram(b, { bins, range, mask });
  const cells = grid(2, 1, { x: 0, y: 0.28 });
  const layout = baseLayout(
    options.title ?? "Weights before and after quantization",
    figureHeight(action, options.height, 600),
  );
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  // A loop, not Math.max(...counts): spread arguments overflow the stack from about 65,000 bins.
  let peak = 1;
  for (const h of [hb, ha]) for (const c of h.counts) peak = Math.max(peak, c);
  const panels = [
    { h: hb, name: plotlyText(titles?.[0] ?? "before (float)"), color: "#0072B2" },
    { h: ha, name: plotlyText(titles?.[1] ?? "after (quantized)"), color: "#D55E00" },
  ];
  panels.forEach(({ h, name, color }, k) => {
    const cell = cells[k];
    const width = h.edges[1] - h.edges[0];
    const centres: number[] = [];
    for (let i = 0; i < h.counts.length; i++) centres.push((h.edges[i] + h.edges[i + 1]) / 2);
    data.push({
      type: "bar",
      name,
      x: centres,
      y: [...h.counts],
      width,
      xaxis: cell.x,
      yaxis: cell.y,
      marker: { color, line: { width: 0 } },
      hovertemplate:
        `%{fullData.name}<br>%{x:.4g} ± ${(width / 2).toPrecision(3)}<br>%{y} weights` +
        "<extra></extra>",
    });
    layout[cell.xKey] = axis("weight (log-odds per feature unit)", {
      domain: cell.xDomain,
      anchor: cell.y,
      matches: k === 1 ? "x" : undefined,
      range: range ? [range[0] - width, range[1] + width] : undefined,
    });
    const title = plotlyText(
      titles?.[k] ?? (k === 0 ? "Before quantization" : "After quantization"),
    );
    annotations.push(cellTitle(title, cell));
    layout[cell.yKey] = axis("count (weights per bin)", {
      domain: cell.yDomain,
      anchor: cell.x,
      type: options.logCounts ? "log" : "linear",
    });
  });
  if (shown.length > 0) {
    cells.forEach((cell, k) => {
      const x: (number | null)[] = [], y: (number | null)[] = [];
      for (let i = 0; i < shown.length; i++) x.push(shown[i], shown[i], null);
      for (let i = 0; i < shown.length; i++) y.push(options.logCounts ? 0.5 : 0, peak, null);
      data.push({
        type: "scatter",
        mode: "lines",
        name: `quantization levels (${shown.length})`,
        legendgroup: "levels",
        showlegend: k === 0,
        x,
        y,
        xaxis: cell.x,
        yaxis: cell.y,
        line: { color: "#000000", width: 1, dash: "dot" },
        hoverinfo: "x",
      });
    });
  }
  layout.annotations = annotations;
  layout.bargap = 0;
  layout.barmode = "overlay";
  legendBelowAxis(data, layout);
  return { data, layout };
}
