/**
 * Weight histograms before and after quantization, with the quantization levels marked.
 *
 * @module
 */

import { histogram } from "../core/histogram.ts";
import { axis, baseLayout, cellTitle, grid, numbersOf } from "./style.ts";
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
 * both. The bins span both arrays and all levels.
 *
 * @param before The float weights, an array or a matrix `(nOutputs, nFeatures)`.
 * @param after The dequantized weights, same length as `before`.
 * @param options Levels, bins, mask, log counts, title, height.
 * @returns A plotly figure: count (weights per bin) against weight (log-odds per feature unit); traces are the two
 *   histograms as bars (`x` bin centres, `y` counts, `width` bin width) and, with levels, one
 *   line trace per panel.
 * @throws {TypeError} If an argument is not numeric or the lengths differ.
 * @throws {RangeError} If a weight or level is NaN or infinite, or `bins` is not a positive
 *   integer.
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
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  options: WeightHistogramOptions = {},
): Figure {
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
  const range: [number, number] | undefined = lo < hi ? [lo, hi] : undefined;
  const bins = options.bins ?? 100;
  const hb = histogram(a, { bins, range, mask });
  const ha = histogram(b, { bins, range, mask });
  const cells = grid(2, 1, { x: 0, y: 0.28 });
  const layout = baseLayout(
    options.title ?? "Weights before and after quantization",
    options.height ?? 600,
  );
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const peak = Math.max(1, ...hb.counts, ...ha.counts);
  const panels = [
    { h: hb, name: "before (float)", color: "#0072B2" },
    { h: ha, name: "after (quantized)", color: "#D55E00" },
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
      hovertemplate: `${name}<br>%{x:.4g} ± ${(width / 2).toPrecision(3)}<br>%{y} weights` +
        "<extra></extra>",
    });
    layout[cell.xKey] = axis("weight (log-odds per feature unit)", {
      domain: cell.xDomain,
      anchor: cell.y,
      matches: k === 1 ? "x" : undefined,
      range: range ? [range[0] - width, range[1] + width] : undefined,
    });
    annotations.push(cellTitle(k === 0 ? "Before quantization" : "After quantization", cell));
    layout[cell.yKey] = axis("count (weights per bin)", {
      domain: cell.yDomain,
      anchor: cell.x,
      type: options.logCounts ? "log" : "linear",
    });
  });
  if (levels.length > 0) {
    cells.forEach((cell, k) => {
      const x: (number | null)[] = [], y: (number | null)[] = [];
      for (let i = 0; i < levels.length; i++) x.push(levels[i], levels[i], null);
      for (let i = 0; i < levels.length; i++) y.push(options.logCounts ? 0.5 : 0, peak, null);
      data.push({
        type: "scatter",
        mode: "lines",
        name: `quantization levels (${levels.length})`,
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
  return { data, layout };
}
