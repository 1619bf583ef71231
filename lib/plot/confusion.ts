/**
 * The confusion matrix as an annotated heat map.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys, quotedText } from "../core/validate.ts";
import { axis, baseLayout, figureHeight, plotlyText } from "./style.ts";
import type { Figure } from "./types.ts";

/** Options for {@linkcode confusionFigure}. */
export interface ConfusionFigureOptions {
  /**
   * Class names, one per row.
   * @default {"0", "1", ...}
   */
  classes?: readonly string[];
  /**
   * Colour by the fraction of each true class (rows sum to 1) instead of by count; the cells
   * still show the counts, with the fraction beside them.
   * @default {false}
   */
  normalize?: boolean;
  /**
   * The figure title.
   * @default {"Confusion matrix (N samples, accuracy A %)"}
   */
  title?: string;
  /**
   * Height in pixels.
   * @default {max(360, 120 + 36 * nClasses)}
   */
  height?: number;
}

/**
 * A confusion matrix as a heat map: true class down, predicted class across, the count in each
 * cell.
 *
 * @param confusion `confusion[t][p]` = samples of true class `t` predicted as `p` (as
 *   `evaluate(...).confusion` returns), shape `(nClasses, nClasses)`.
 * @param options Class names, normalisation, title, height.
 * @returns A plotly figure with one heatmap trace; `z` is the counts (or the row fractions
 *   when normalised), row 0 at the top.
 * @throws {TypeError} If the matrix is not square or the class names are not strings or do not
 *   match its size.
 * @throws {RangeError} If a count is negative, not an integer, or not finite, or two class names
 *   are equal.
 *
 * @example Two classes
 * ```ts
 * import { confusionFigure } from "./confusion.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = confusionFigure([[8, 2], [1, 9]], { classes: ["cat", "dog"] });
 * assert.deepEqual(fig.data[0].z, [[8, 2], [1, 9]]);
 * assert.equal((fig.layout.title as { text: string }).text,
 *   "Confusion matrix (20 samples, accuracy 85.00 %)");
 * ```
 */
export function confusionFigure(
  confusion: readonly (readonly number[])[],
  options: ConfusionFigureOptions = {},
): Figure {
  checkOptionKeys(
    "draw confusion figure",
    options,
    { classes: true, normalize: true, title: true, height: true } satisfies OptionKeys<
      ConfusionFigureOptions
    >,
  );
  const action = "plot confusion matrix";
  if (!Array.isArray(confusion as unknown)) {
    throw new TypeError(
      `Cannot ${action}: confusion must be an array of rows, got ${describe(confusion)}`,
    );
  }
  const n = confusion.length;
  let total = 0, right = 0;
  confusion.forEach((row, t) => {
    if (!Array.isArray(row as unknown) || row.length !== n) {
      throw new TypeError(
        `Cannot ${action}: confusion must be square, row ${t} is ${describe(row)} for ${n} rows`,
      );
    }
    row.forEach((c, p) => {
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
        throw new RangeError(
          `Cannot ${action}: confusion[${t}][${p}] must be a non-negative integer, got ${c}`,
        );
      }
      total += c;
      if (t === p) right += c;
    });
  });
  const names = options.classes ?? confusion.map((_, i) => String(i));
  if (!Array.isArray(names) || names.some((c) => typeof c !== "string")) {
    throw new TypeError(
      `Cannot ${action}: classes must be an array of strings, got ${describe(names)}`,
    );
  }
  if (names.length !== n) {
    throw new TypeError(`Cannot ${action}: ${names.length} class names for ${n} classes`);
  }
  // The axes are categorical: plotly draws the cells of two equal names in one row and column,
  // the later over the earlier, so some counts would not be seen.
  const repeated = names.findIndex((c, i) => names.indexOf(c) < i);
  if (repeated >= 0) {
    throw new RangeError(
      `Cannot ${action}: class name ${quotedText(names[repeated])} is given twice ` +
        `(classes[${names.indexOf(names[repeated])}] and classes[${repeated}])`,
    );
  }
  // Shown as written: Plotly would read tags in a label such as "<b>x</b>".
  const classes = names.map((c) => plotlyText(c));
  const normalize = options.normalize ?? false;
  if (typeof normalize !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: normalize must be a boolean, got ${describe(normalize)}`,
    );
  }
  const sums = confusion.map((row) => row.reduce((s, c) => s + c, 0));
  const z = confusion.map((row, t) =>
    row.map((c) => (normalize ? (sums[t] > 0 ? c / sums[t] : 0) : c))
  );
  const text = confusion.map((row, t) =>
    row.map((c) =>
      normalize && sums[t] > 0 ? `${c}<br>${(100 * c / sums[t]).toFixed(0)}%` : String(c)
    )
  );
  const accuracy = total > 0 ? right / total : NaN;
  const title = options.title ??
    `Confusion matrix (${total} samples, accuracy ${
      total > 0 ? (100 * accuracy).toFixed(2) : "n/a"
    } %)`;
  const layout = baseLayout(
    title,
    figureHeight(action, options.height, Math.max(360, 120 + 36 * n)),
  );
  layout.xaxis = axis("predicted class", {
    type: "category",
    showgrid: false,
    tickangle: n > 6 ? -35 : 0,
    constrain: "domain",
    automargin: true,
  });
  layout.yaxis = axis("true class", {
    type: "category",
    showgrid: false,
    autorange: "reversed",
    scaleanchor: "x",
    constrain: "domain",
    automargin: true,
  });
  // The margins fit short labels; long class names widen them (automargin) rather than being cut.
  layout.margin = { l: 110, r: 24, t: 64, b: 110 };
  return {
    data: [{
      type: "heatmap",
      name: "confusion",
      x: [...classes],
      y: [...classes],
      z,
      text,
      texttemplate: "%{text}",
      colorscale: [[0, "#f7fbff"], [0.35, "#9ecae1"], [0.7, "#3182bd"], [1, "#08306b"]],
      zmin: 0,
      colorbar: { title: { text: normalize ? "fraction of true class" : "samples" } },
      hovertemplate: "true %{y}, predicted %{x}: %{text}<extra></extra>",
    }],
    layout,
  };
}
