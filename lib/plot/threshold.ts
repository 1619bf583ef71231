/**
 * The decision threshold of a two-class model: precision and recall (and the false-positive
 * rate) against the probability threshold, from the operating points `thresholdCurve` returns,
 * with chosen thresholds marked.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys, quotedText } from "../core/validate.ts";
import type { ThresholdPoint } from "../metrics/threshold.ts";
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

/** A threshold to mark on a {@linkcode thresholdFigure}, e.g. one `chooseThreshold` chose. */
export interface ThresholdMarker {
  /** The legend name, e.g. `"recall >= 95 %"`; each marker its own. */
  readonly name: string;
  /** The probability threshold, strictly in (0, 1) (as `withThreshold` takes it). */
  readonly threshold: number;
}

/** Options for {@linkcode thresholdFigure}. */
export interface ThresholdFigureOptions {
  /**
   * Thresholds to mark, each a dashed vertical line with its name in the legend. A marker at the
   * threshold of one of the curve's points (as `chooseThreshold` returns them) names that point's
   * precision and recall in its hover text.
   * @default {none}
   */
  markers?: readonly ThresholdMarker[];
  /**
   * Also draw the false-positive rate.
   * @default {false}
   */
  fpr?: boolean;
  /**
   * The figure title.
   * @default {"Precision and recall against the decision threshold"}
   */
  title?: string;
  /**
   * Height in pixels.
   * @default {440}
   */
  height?: number;
}

const THRESHOLD_KEYS: OptionKeys<ThresholdFigureOptions> = {
  markers: true,
  fpr: true,
  title: true,
  height: true,
};

const ACTION = "plot threshold curve";

/**
 * Precision and recall (and, with `fpr: true`, the false-positive rate) against the probability
 * threshold, one line each through the operating points of `thresholdCurve`, sorted by
 * threshold. The labels change only at the scores between two points, so the straight segments
 * joining them are a guide to the eye, not values. Points whose `threshold` is `null` (no float64
 * threshold gives their labels: two scores both beyond about 36.7 log-odds) have no place on the
 * axis and are left out; the figure then says how many in a note under its title. Chosen
 * thresholds are marked as dashed vertical lines.
 *
 * @param curve The operating points, as `thresholdCurve` returns them.
 * @param options Markers, false-positive rate, title, height.
 * @returns A plotly figure: precision, recall (and false-positive rate), in %, against the
 *   probability threshold (0 to 1); one trace per measure, then one per marker.
 * @throws {TypeError} If `curve` is not an array of points with numeric `precision`, `recall`
 *   (and `fpr`) and a numeric or `null` `threshold`, or a marker lacks a string name or a
 *   numeric threshold.
 * @throws {RangeError} If `curve` is empty or no point of it has a threshold, a measure is NaN
 *   or outside [0, 1], a threshold or a marker's threshold is not in (0, 1), a marker's name is
 *   empty, or two markers have the same name.
 *
 * @example Four rows, the threshold of the highest F1 marked
 * ```ts
 * import { thresholdFigure } from "./threshold.ts";
 * import { chooseThreshold, thresholdCurve } from "../metrics/threshold.ts";
 * import assert from "node:assert/strict";
 *
 * const scores = [-2, 1, -1, 3], y = [0, 0, 1, 1];
 * const best = chooseThreshold(scores, y, { metric: "f1" });
 * const fig = thresholdFigure(thresholdCurve(scores, y), {
 *   markers: [{ name: "highest F1", threshold: best.threshold }],
 * });
 * assert.deepEqual(fig.data.map((t) => t.name), ["precision", "recall", "highest F1"]);
 * // Five points; the first labels every row positive (recall 1), the last none.
 * assert.deepEqual(fig.data[1].y, [1, 1, 0.5, 0.5, 0]);
 * assert.deepEqual(fig.data[2].x, [best.threshold, best.threshold]);
 * ```
 */
export function thresholdFigure(
  curve: readonly ThresholdPoint[],
  options: ThresholdFigureOptions = {},
): Figure {
  checkOptionKeys("draw threshold figure", options, THRESHOLD_KEYS);
  assertRows(ACTION, "curve", curve);
  if (curve.length === 0) {
    throw new RangeError(
      `Cannot ${ACTION}: curve is empty (thresholdCurve gives 2 points or more)`,
    );
  }
  const withFpr = options.fpr ?? false;
  if (typeof withFpr !== "boolean") {
    throw new TypeError(
      `Cannot ${ACTION}: options.fpr must be a boolean, got ${describe(withFpr)}`,
    );
  }
  curve.forEach((p, i) => {
    if (p.threshold !== null) assertThreshold(`curve[${i}].threshold`, p.threshold);
    assertNumber(ACTION, `curve[${i}].precision`, p.precision, 0, 1);
    assertNumber(ACTION, `curve[${i}].recall`, p.recall, 0, 1);
    if (withFpr) assertNumber(ACTION, `curve[${i}].fpr`, p.fpr, 0, 1);
  });
  // Sorted by threshold (a stable sort: thresholdCurve's order already is), so that a curve given
  // in another order draws no zigzag.
  const points = curve.filter((p) => p.threshold !== null)
    .sort((a, b) => a.threshold! - b.threshold!);
  const left = curve.length - points.length;
  if (points.length === 0) {
    throw new RangeError(
      `Cannot ${ACTION}: no point of curve has a threshold (every threshold is null: the scores ` +
        "lie beyond what a float64 probability tells apart)",
    );
  }
  const markers = checkMarkers(options.markers);
  const x = points.map((p) => p.threshold!);
  const measures: { name: string; value: (p: ThresholdPoint) => number }[] = [
    { name: "precision", value: (p) => p.precision },
    { name: "recall", value: (p) => p.recall },
  ];
  if (withFpr) measures.push({ name: "false-positive rate", value: (p) => p.fpr });
  const data: Trace[] = measures.map(({ name, value }, m) => ({
    type: "scatter",
    mode: points.length > 30 ? "lines" : "lines+markers",
    name,
    x,
    y: points.map(value),
    line: { color: color(m), width: 2 },
    marker: { size: 6 },
    hovertemplate: `threshold %{x:.4~g}<br>${name} %{y:.2%}<extra></extra>`,
  }));
  markers.forEach((marker, k) => {
    const at = points.find((p) => p.threshold === marker.threshold);
    const measured = at === undefined
      ? ""
      : `<br>precision ${percent(at.precision)}, recall ${percent(at.recall)}` +
        (withFpr ? `, false-positive rate ${percent(at.fpr)}` : "");
    data.push({
      type: "scatter",
      mode: "lines",
      name: plotlyText(marker.name),
      x: [marker.threshold, marker.threshold],
      y: [0, 1],
      line: { color: color(measures.length + k), dash: "dash", width: 1.5 },
      hovertemplate: `%{fullData.name}: threshold ${
        Number(marker.threshold.toPrecision(6))
      }${measured}<extra></extra>`,
    });
  });
  const layout = baseLayout(
    options.title ?? "Precision and recall against the decision threshold",
    figureHeight(ACTION, options.height, 440),
  );
  // A probability, shown as the number withThreshold takes (0.3, not 30 %).
  layout.xaxis = axis("probability threshold (a row is positive above it)", {
    range: [-0.02, 1.02],
  });
  // "~%": as many decimals as the ticks need, no trailing zeros, as the accuracy axes.
  layout.yaxis = axis(
    withFpr ? "precision, recall, false-positive rate (%)" : "precision, recall (%)",
    {
      tickformat: "~%",
      range: [-0.02, 1.02],
    },
  );
  if (left > 0) {
    layout.annotations = [{
      text: `${left} operating point${left === 1 ? "" : "s"} without a probability threshold ` +
        "left out",
      xref: "paper",
      yref: "paper",
      x: 1,
      y: 1,
      xanchor: "right",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 11, color: "#7F7F7F" },
    }];
  }
  legendBelowAxis(data, layout);
  return { data, layout };
}

function percent(v: number): string {
  return `${(100 * v).toFixed(2)} %`;
}

function assertThreshold(where: string, t: unknown): asserts t is number {
  assertNumber(ACTION, where, t);
  if (!(t > 0 && t < 1)) {
    throw new RangeError(`Cannot ${ACTION}: ${where} must be in (0, 1), got ${t}`);
  }
}

function checkMarkers(markers: unknown): ThresholdMarker[] {
  if (markers === undefined) return [];
  assertRows(ACTION, "options.markers", markers);
  const list = markers as ThresholdMarker[];
  list.forEach((m, i) => {
    assertString(ACTION, `options.markers[${i}].name`, m.name);
    if (m.name.trim() === "") {
      throw new RangeError(`Cannot ${ACTION}: options.markers[${i}].name must not be empty`);
    }
    assertThreshold(`options.markers[${i}].threshold`, m.threshold);
    // Two markers of one name had alike legend entries: which line is which could not be told.
    const first = list.findIndex((o) => o.name === m.name);
    if (first < i) {
      throw new RangeError(
        `Cannot ${ACTION}: options.markers[${i}].name ${quotedText(m.name)} is also ` +
          `options.markers[${first}]'s; give each marker its own name`,
      );
    }
  });
  return list;
}
