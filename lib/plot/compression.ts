/**
 * Compression trade-offs: accuracy against sparsity per pruning strategy, accuracy against bit
 * width per quantization method, and the Pareto front of accuracy against model size.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys, quotedText } from "../core/validate.ts";
import { paretoFront } from "../metrics/pareto.ts";
import {
  assertNumber,
  assertRows,
  assertString,
  axis,
  baseLayout,
  color,
  figureHeight,
  hoverTemplateText,
  legendBelowAxis,
  plotlyText,
} from "./style.ts";
import type { Figure, Layout, Trace } from "./types.ts";

/** One pruned model's result. */
export interface SparsityPoint {
  /** The pruning strategy, e.g. `"magnitude"`; one line per strategy. */
  readonly strategy: string;
  /** Fraction of weights pruned, in [0, 1]. */
  readonly sparsity: number;
  /** Accuracy as a fraction in [0, 1]. */
  readonly accuracy: number;
  /** Whether the model was fine-tuned after pruning; when given, each value gets its own line. */
  readonly fineTuned?: boolean;
}

/** One quantized model's result. */
export interface BitWidthPoint {
  /** The quantization method, e.g. `"per-channel affine"`; one line per method. */
  readonly method: string;
  /** Bits per weight, a positive integer. */
  readonly bits: number;
  /** Accuracy as a fraction in [0, 1]. */
  readonly accuracy: number;
}

/** One model in a size/accuracy trade-off. */
export interface ParetoPoint {
  /** Size in bytes (positive: the axis is logarithmic). */
  readonly bytes: number;
  /** Accuracy as a fraction in [0, 1]. */
  readonly accuracy: number;
  /** Shown when hovering, e.g. `"magnitude 90 % + int4"`. @default {none} */
  readonly name?: string;
  /** Colour group, e.g. `"pruned"`, `"quantized"`. @default {"models"} */
  readonly group?: string;
}

/** Options shared by the trade-off figures. */
export interface TradeoffFigureOptions {
  /**
   * The figure title.
   * @default {per figure: "Accuracy against sparsity", "Accuracy against bit width",
   *   "Accuracy against model size"}
   */
  title?: string;
  /**
   * The uncompressed model's accuracy, drawn as a dotted horizontal line.
   * @default {none}
   */
  baseline?: number;
  /**
   * The legend name of that line, e.g. `"search target"` when `baseline` is a target rather than
   * the uncompressed model.
   * @default {"uncompressed model"}
   */
  baselineName?: string;
  /**
   * The accuracy axis title.
   * @default {"test accuracy (%)"}
   */
  accuracyTitle?: string;
  /**
   * What the hover text calls the plotted value (e.g. `"balanced accuracy"` for a figure of
   * balanced accuracy), escaped for plotly's text (and a `%` written as an entity, so that it
   * cannot start a hover placeholder).
   * @default {"accuracy"}
   */
  valueName?: string;
  /**
   * Height in pixels.
   * @default {440}
   */
  height?: number;
}

const TRADEOFF_KEYS: OptionKeys<TradeoffFigureOptions> = {
  title: true,
  baseline: true,
  baselineName: true,
  accuracyTitle: true,
  valueName: true,
  height: true,
};

/** `options.valueName` checked and escaped for a hover template. */
function hoverName(action: string, options: TradeoffFigureOptions): string {
  const name = options.valueName ?? "accuracy";
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(
      `Cannot ${action}: options.valueName must be a non-empty string, got ${describe(name)}`,
    );
  }
  return hoverTemplateText(plotlyText(name));
}

/**
 * Accuracy against sparsity, one line per strategy (and per fine-tuning state when the points
 * say: fine-tuned solid, not fine-tuned dotted), points sorted by sparsity.
 *
 * @param points One row per pruned model.
 * @param options Title, baseline accuracy, axis title, height.
 * @returns A plotly figure: accuracy (%) against sparsity (% of weights pruned).
 * @throws {TypeError} If a row lacks a string `strategy` or numeric `sparsity`/`accuracy`.
 * @throws {RangeError} If a sparsity or accuracy is outside [0, 1], or two points of one line
 *   (same strategy and `fineTuned`) have the same sparsity.
 *
 * @example Two strategies
 * ```ts
 * import { sparsityFigure } from "./compression.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = sparsityFigure([
 *   { strategy: "magnitude", sparsity: 0.9, accuracy: 0.91 },
 *   { strategy: "magnitude", sparsity: 0.5, accuracy: 0.95 },
 *   { strategy: "random", sparsity: 0.5, accuracy: 0.80 },
 * ], { baseline: 0.96 });
 * assert.deepEqual(fig.data[0].x, [0.5, 0.9]);
 * assert.equal(fig.data[2].name, "uncompressed model");
 * ```
 */
export function sparsityFigure(
  points: readonly SparsityPoint[],
  options: TradeoffFigureOptions = {},
): Figure {
  checkOptionKeys("draw sparsity figure", options, TRADEOFF_KEYS);
  const action = "plot accuracy against sparsity";
  assertRows(action, "points", points);
  const value = hoverName(action, options);
  points.forEach((p, i) => {
    assertString(action, `points[${i}].strategy`, p.strategy);
    assertNumber(action, `points[${i}].sparsity`, p.sparsity, 0, 1);
    assertNumber(action, `points[${i}].accuracy`, p.accuracy, 0, 1);
    if (p.fineTuned !== undefined && typeof p.fineTuned !== "boolean") {
      throw new TypeError(`Cannot ${action}: points[${i}].fineTuned must be a boolean`);
    }
  });
  // A line through two accuracies at one sparsity drew a vertical step that reads as a drop.
  refuseRepeats<SparsityPoint>(
    action,
    points,
    (p) => JSON.stringify([p.strategy, p.fineTuned ?? null, p.sparsity]),
    (p) =>
      `strategy ${quotedText(p.strategy)}${
        p.fineTuned === undefined ? "" : p.fineTuned ? " (fine-tuned)" : " (no fine-tuning)"
      } at sparsity ${p.sparsity}`,
    "strategy",
  );
  const strategies = unique(points.map((p) => p.strategy));
  const data: Trace[] = [];
  for (const [s, strategy] of strategies.entries()) {
    for (const tuned of [true, undefined, false]) {
      const rows = points.filter((p) => p.strategy === strategy && p.fineTuned === tuned)
        .sort((a, b) => a.sparsity - b.sparsity);
      if (rows.length === 0) continue;
      const name = plotlyText(
        tuned === undefined ? strategy : `${strategy}, ${tuned ? "fine-tuned" : "no fine-tuning"}`,
      );
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name,
        x: rows.map((p) => p.sparsity),
        y: rows.map((p) => p.accuracy),
        line: { color: color(s), dash: tuned === false ? "dot" : "solid", width: 2 },
        marker: { size: 7, symbol: tuned === false ? "circle-open" : "circle" },
        hovertemplate: `%{fullData.name}<br>sparsity %{x:.1%}<br>${value} %{y:.2%}<extra></extra>`,
      });
    }
  }
  const layout = tradeoffLayout(action, options, "Accuracy against sparsity");
  layout.xaxis = axis("sparsity (% of weights pruned)", {
    tickformat: ".0%",
    range: [-0.02, 1.02],
  });
  addBaseline(data, options.baseline, action, [0, 1], options.baselineName, value);
  legendBelowAxis(data, layout);
  return { data, layout };
}

/**
 * Accuracy against bit width, one line per quantization method, points sorted by bits.
 *
 * @param points One row per quantized model.
 * @param options Title, baseline accuracy (the float model), axis title, height.
 * @returns A plotly figure: accuracy (%) against bits per weight, a tick at every width used.
 * @throws {TypeError} If a row lacks a string `method` or numeric `bits`/`accuracy`.
 * @throws {RangeError} If bits is not a positive integer, an accuracy is outside [0, 1], or two
 *   points of one method have the same bits.
 *
 * @example One method
 * ```ts
 * import { bitWidthFigure } from "./compression.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = bitWidthFigure([
 *   { method: "affine", bits: 8, accuracy: 0.95 },
 *   { method: "affine", bits: 2, accuracy: 0.60 },
 *   { method: "affine", bits: 4, accuracy: 0.93 },
 * ]);
 * assert.deepEqual(fig.data[0].x, [2, 4, 8]);
 * ```
 */
export function bitWidthFigure(
  points: readonly BitWidthPoint[],
  options: TradeoffFigureOptions = {},
): Figure {
  checkOptionKeys("draw bit-width figure", options, TRADEOFF_KEYS);
  const action = "plot accuracy against bit width";
  assertRows(action, "points", points);
  const value = hoverName(action, options);
  points.forEach((p, i) => {
    assertString(action, `points[${i}].method`, p.method);
    assertNumber(action, `points[${i}].bits`, p.bits, 1, 64);
    if (!Number.isInteger(p.bits)) {
      throw new RangeError(`Cannot ${action}: points[${i}].bits must be an integer, got ${p.bits}`);
    }
    assertNumber(action, `points[${i}].accuracy`, p.accuracy, 0, 1);
  });
  // A line through two accuracies at one bit width drew a vertical step that reads as a drop.
  refuseRepeats<BitWidthPoint>(
    action,
    points,
    (p) => JSON.stringify([p.method, p.bits]),
    (p) => `method ${quotedText(p.method)} at ${p.bits} bits`,
    "method",
  );
  const data: Trace[] = unique(points.map((p) => p.method)).map((method, m) => {
    const rows = points.filter((p) => p.method === method).sort((a, b) => a.bits - b.bits);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: plotlyText(method),
      x: rows.map((p) => p.bits),
      y: rows.map((p) => p.accuracy),
      line: { color: color(m), width: 2 },
      marker: { size: 7 },
      hovertemplate: `%{fullData.name}<br>%{x} bits<br>${value} %{y:.2%}<extra></extra>`,
    };
  });
  const bits = unique(points.map((p) => p.bits)).sort((a, b) => a - b);
  const layout = tradeoffLayout(action, options, "Accuracy against bit width");
  layout.xaxis = axis("bit width (bits per weight)", { tickmode: "array", tickvals: bits });
  const lo = bits.length ? bits[0] : 1, hi = bits.length ? bits[bits.length - 1] : 8;
  // One bit width only: half a bit either side, so the baseline is a line, not a point.
  const span: [number, number] = lo < hi ? [lo, hi] : [lo - 0.5, hi + 0.5];
  addBaseline(data, options.baseline, action, span, options.baselineName, value);
  legendBelowAxis(data, layout);
  return { data, layout };
}

/**
 * Every model as a point of accuracy against size (log axis), coloured by group, with the
 * Pareto front (computed by `paretoFront` from lib/metrics) drawn as the staircase of the best
 * accuracy reachable within each size budget.
 *
 * @param points One row per model.
 * @param options Title, baseline accuracy, axis title, height.
 * @returns A plotly figure: accuracy (%) against model size (bytes, log scale); the last trace
 *   (before any baseline) is the front.
 * @throws {TypeError} If a row lacks numeric `bytes`/`accuracy` or has a non-string name/group.
 * @throws {RangeError} If bytes is not positive and finite or an accuracy is outside [0, 1].
 *
 * @example Three models, two on the front
 * ```ts
 * import { paretoFigure } from "./compression.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = paretoFigure([
 *   { bytes: 4000, accuracy: 0.95, name: "float" },
 *   { bytes: 1000, accuracy: 0.93, name: "int8" },
 *   { bytes: 2000, accuracy: 0.90, name: "pruned" },
 * ]);
 * const front = fig.data[fig.data.length - 1];
 * assert.deepEqual(front.x, [1000, 4000]);
 * assert.equal(fig.layout.xaxis && (fig.layout.xaxis as { type: string }).type, "log");
 * ```
 */
export function paretoFigure(
  points: readonly ParetoPoint[],
  options: TradeoffFigureOptions = {},
): Figure {
  checkOptionKeys("draw Pareto figure", options, TRADEOFF_KEYS);
  const action = "plot Pareto front";
  assertRows(action, "points", points);
  const value = hoverName(action, options);
  points.forEach((p, i) => {
    assertNumber(action, `points[${i}].bytes`, p.bytes, Number.MIN_VALUE);
    if (p.bytes === Infinity) {
      // The log axis has no place for it (and its ticks would be counted up to infinity).
      throw new RangeError(`Cannot ${action}: points[${i}].bytes must be finite, got Infinity`);
    }
    assertNumber(action, `points[${i}].accuracy`, p.accuracy, 0, 1);
    if (p.name !== undefined) assertString(action, `points[${i}].name`, p.name);
    if (p.group !== undefined) assertString(action, `points[${i}].group`, p.group);
  });
  const groupOf = (p: ParetoPoint) => p.group ?? "models";
  const data: Trace[] = unique(points.map(groupOf)).map((group, g) => {
    const rows = points.filter((p) => groupOf(p) === group);
    return {
      type: "scatter",
      mode: "markers",
      name: plotlyText(group),
      x: rows.map((p) => p.bytes),
      y: rows.map((p) => p.accuracy),
      text: rows.map((p) => plotlyText(p.name ?? "")),
      marker: { color: color(g), size: 8, opacity: 0.8 },
      hovertemplate: `%{text}<br>%{x:,} bytes<br>${value} %{y:.2%}<extra>%{fullData.name}</extra>`,
    };
  });
  const front = paretoFront(points).map((i) => points[i]);
  data.push({
    type: "scatter",
    mode: "lines+markers",
    name: "Pareto front",
    x: front.map((p) => p.bytes),
    y: front.map((p) => p.accuracy),
    text: front.map((p) => plotlyText(p.name ?? "")),
    line: { color: "#000000", width: 1.5, shape: "hv" },
    marker: { color: "rgba(0,0,0,0)", size: 13, line: { color: "#000000", width: 1.5 } },
    hovertemplate: `%{text}<br>%{x:,} bytes<br>${value} %{y:.2%}<extra>front</extra>`,
  });
  const layout = tradeoffLayout(action, options, "Accuracy against model size");
  // A loop, not Math.min(...sizes): spread arguments overflow the stack from about 125,000 points.
  let least = Infinity, most = -Infinity;
  for (const p of points) {
    least = Math.min(least, p.bytes);
    most = Math.max(most, p.bytes);
  }
  if (points.length === 0) [least, most] = [1, 10];
  layout.xaxis = axis("model size (bytes, log scale)", { type: "log", ...byteTicks(least, most) });
  // One size only: a factor of 2 either side on the log axis, so the baseline is a line.
  const span: [number, number] = least < most ? [least, most] : [least / 2, most * 2];
  addBaseline(data, options.baseline, action, span, options.baselineName, value);
  legendBelowAxis(data, layout);
  return { data, layout };
}

/**
 * Ticks of a logarithmic byte axis: 1, 2 and 5 times the powers of ten around the sizes (only the
 * powers of ten when those would be more than 12), each labelled in full ("2,000"). Plotly's own
 * labels on a log axis show the minor ticks by their leading digit only ("2", "5"), which does not
 * say which power of ten they belong to. Sizes that span too little for two of those ticks (120 to
 * 180 bytes) take every multiple of their power of ten (600, 700, 800, 900), and where even those
 * are fewer than two, plotly's own ticks, which on so short a log axis are full numbers.
 *
 * @param least The smallest size, > 0.
 * @param most The largest size, >= least.
 * @returns `tickmode` and, for `"array"`, `tickvals` and `ticktext` for the axis.
 *
 * @example
 * ```ts
 * import { byteTicks } from "./compression.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(byteTicks(300, 4000).tickvals, [500, 1000, 2000]);
 * assert.deepEqual(byteTicks(300, 4000).ticktext, ["500", "1,000", "2,000"]);
 * assert.deepEqual(byteTicks(600, 900).tickvals, [500, 600, 700, 800, 900, 1000]);
 * assert.deepEqual(byteTicks(120, 180), { tickmode: "auto", tickformat: ",~r" });
 * ```
 */
export function byteTicks(
  least: number,
  most: number,
): { tickmode: "array" | "auto"; tickvals?: number[]; ticktext?: string[]; tickformat?: string } {
  // The span plotly draws: the points with some room either side, at least a factor of 2.
  const lo = Math.min(least, most / 2) / 1.1, hi = Math.max(most, least * 2) * 1.1;
  // Sizes at the ends of the float range (a subnormal halved to 0, an infinity): plotly's ticks.
  if (!(lo > 0) || !Number.isFinite(hi)) return { tickmode: "auto", tickformat: ",~r" };
  const ticks = (mantissas: readonly number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    return out;
  };
  // Plotly pads the sizes by a few percent only: what lies between them is surely drawn.
  const shown = (vals: number[]) => vals.filter((v) => v >= least && v <= most).length;
  let tickvals = ticks([1, 2, 5]);
  if (tickvals.length > 12) tickvals = ticks([1]);
  if (least < most && shown(tickvals) < 2) {
    tickvals = ticks([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (shown(tickvals) < 2) return { tickmode: "auto", tickformat: ",~r" };
  }
  // Whole numbers of bytes in full; below one byte (fractions: sizes of other units) as they are.
  const ticktext = tickvals.map((v) =>
    v >= 1 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(1)))
  );
  return { tickmode: "array", tickvals, ticktext };
}

function tradeoffLayout(action: string, options: TradeoffFigureOptions, title: string): Layout {
  const layout = baseLayout(options.title ?? title, figureHeight(action, options.height, 440));
  // "~%": as many decimals as the ticks need, no trailing zeros. A fixed ".1~%" labelled ticks
  // 0.05 points apart "97.2%", "97.2%", "97.3%", "97.3%" (8- and 4-bit models differ that little).
  layout.yaxis = axis(options.accuracyTitle ?? "test accuracy (%)", { tickformat: "~%" });
  return layout;
}

function addBaseline(
  data: Trace[],
  baseline: number | undefined,
  action: string,
  span: [number, number],
  name = "uncompressed model",
  value = "accuracy",
): void {
  if (baseline === undefined) return;
  assertNumber(action, "options.baseline", baseline, 0, 1);
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`Cannot ${action}: options.baselineName must be a non-empty string`);
  }
  data.push({
    type: "scatter",
    mode: "lines",
    name: plotlyText(name),
    x: span,
    y: [baseline, baseline],
    line: { color: "#7F7F7F", dash: "dot", width: 1.5 },
    hovertemplate: `%{fullData.name}: ${value} ${(baseline * 100).toFixed(2)} %<extra></extra>`,
  });
}

/**
 * Refuses two points of one line at the same x: plotly joins them with a vertical segment, so a
 * line of two results at one sparsity or bit width (two runs, two entries of one name) shows a
 * drop that no model has.
 */
function refuseRepeats<T>(
  action: string,
  points: readonly T[],
  key: (p: T) => string,
  what: (p: T) => string,
  field: string,
): void {
  const first = new Map<string, number>();
  points.forEach((p, i) => {
    const k = key(p);
    const j = first.get(k);
    if (j === undefined) {
      first.set(k, i);
      return;
    }
    throw new RangeError(
      `Cannot ${action}: points[${j}] and points[${i}] are both ${what(p)}; one line cannot ` +
        `show two accuracies at one x (give them different ${field} names, or keep one)`,
    );
  });
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
