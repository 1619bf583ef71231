/**
 * Per-class images of an image model: its pruning mask, or its weights, as one `h x w` heat
 * map per output row (28 x 28 for Fashion-MNIST, 8 x 8 for the digits).
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import { axis, baseLayout, type Cell, cellTitle, grid, numbersOf, plotlyText } from "./style.ts";
import type { Figure, Layout, Trace } from "./types.ts";

/** Options for {@linkcode maskFigure} and {@linkcode weightImagesFigure}. */
export interface ImageGridOptions {
  /**
   * One title per output row (for a softmax model its classes; for a binary sigmoid model, whose
   * single row scores the second class, one label). Their number fixes the number of rows when
   * given.
   * @default {"row 0", "row 1", ...}
   */
  labels?: readonly string[];
  /**
   * Image height and width in pixels; `height * width` is the number of features.
   * @default {a square: the root of nFeatures, with nFeatures = length / labels.length}
   */
  imageShape?: readonly [number, number];
  /**
   * Subplots per row of the grid.
   * @default {min(5, number of images)}
   */
  columns?: number;
  /**
   * The figure title.
   * @default {"Pruning mask per class" or "Weights per class"}
   */
  title?: string;
  /**
   * Height in pixels of one row of images.
   * @default {220}
   */
  rowHeight?: number;
}

const IMAGE_GRID_OPTION_KEYS: OptionKeys<ImageGridOptions> = {
  labels: true,
  imageShape: true,
  columns: true,
  title: true,
  rowHeight: true,
};

/**
 * The pruning mask of an image model: one heat map per class, kept weights dark, pruned weights
 * light, each titled with the share of its weights kept.
 *
 * @param mask The mask, shape `(nOutputs, height * width)` row-major (1 kept, 0 pruned).
 * @param options Labels, image shape, columns, title, row height.
 * @returns A plotly figure with one heatmap trace per output row; heatmap `z` is `height` rows
 *   of `width` values, row 0 at the top.
 * @throws {TypeError} If the mask is not numeric or its length does not split into images.
 * @throws {RangeError} If the mask is empty, an option is out of range or a mask entry is not 0
 *   or 1.
 *
 * @example Two 2 x 2 masks
 * ```ts
 * import { maskFigure } from "./images.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = maskFigure(Uint8Array.from([1, 0, 0, 1, 1, 1, 1, 0]), { labels: ["a", "b"] });
 * assert.deepEqual(fig.data[1].z, [[1, 1], [1, 0]]);
 * ```
 */
export function maskFigure(mask: ArrayLike<number>, options: ImageGridOptions = {}): Figure {
  const action = "plot pruning mask";
  checkOptionKeys(action, options, IMAGE_GRID_OPTION_KEYS);
  const values = numbersOf(action, "mask", mask);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) {
      throw new RangeError(`Cannot ${action}: mask entry ${i} is ${values[i]}, expected 0 or 1`);
    }
  }
  return imageGrid(values, options, action, {
    title: "Pruning mask per class",
    subtitle: (label, image) => {
      let kept = 0;
      for (let i = 0; i < image.length; i++) kept += image[i];
      return `${label}: ${(100 * kept / image.length).toFixed(1)} % kept`;
    },
    trace: (first) => ({
      zmin: 0,
      zmax: 1,
      colorscale: [[0, "#f0f0f0"], [0.5, "#f0f0f0"], [0.5, "#1f3b73"], [1, "#1f3b73"]],
      showscale: first,
      colorbar: {
        title: { text: "weight" },
        tickvals: [0.25, 0.75],
        ticktext: ["pruned", "kept"],
        len: 0.5,
      },
      hovertemplate: "row %{y}, column %{x}: %{z}<extra>%{fullData.name}</extra>",
    }),
  });
}

/**
 * The weights of an image model as pictures: one heat map per output row, red positive, blue
 * negative, on one symmetric colour scale shared by all rows.
 *
 * @param weights The weights, shape `(nOutputs, height * width)`: a matrix (e.g.
 *   `model.weights`) or a row-major array.
 * @param options Labels, image shape, columns, title, row height.
 * @returns A plotly figure with one heatmap trace per output row.
 * @throws {TypeError} If the weights are not numeric or do not split into images.
 * @throws {RangeError} If there are no weights or an option is out of range.
 *
 * @example Two 1 x 2 images
 * ```ts
 * import { weightImagesFigure } from "./images.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = weightImagesFigure([0.5, -1, 2, 0], { labels: ["a", "b"], imageShape: [1, 2] });
 * assert.deepEqual(fig.data[0].z, [[0.5, -1]]);
 * assert.equal(fig.data[0].zmax, 2);
 * ```
 */
export function weightImagesFigure(
  weights: ArrayLike<number> | { readonly data: ArrayLike<number> },
  options: ImageGridOptions = {},
): Figure {
  const action = "plot weight images";
  checkOptionKeys(action, options, IMAGE_GRID_OPTION_KEYS);
  const values = numbersOf(action, "weights", weights);
  let peak = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) peak = Math.max(peak, Math.abs(values[i]));
  }
  if (peak === 0) peak = 1;
  return imageGrid(values, options, action, {
    title: "Weights per class",
    subtitle: (label) => label,
    trace: (first) => ({
      zmin: -peak,
      zmax: peak,
      zmid: 0,
      colorscale: [[0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"], [
        1,
        "#b2182b",
      ]],
      showscale: first,
      colorbar: { title: { text: "weight" }, len: 0.5 },
      hovertemplate: "row %{y}, column %{x}: %{z:.4g}<extra>%{fullData.name}</extra>",
    }),
  });
}

interface Look {
  readonly title: string;
  readonly subtitle: (label: string, image: ArrayLike<number>) => string;
  readonly trace: (first: boolean) => Record<string, unknown>;
}

function imageGrid(
  values: ArrayLike<number>,
  options: ImageGridOptions,
  action: string,
  look: Look,
): Figure {
  const labels = options.labels;
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string") || !labels.length) {
      throw new TypeError(
        `Cannot ${action}: labels must be a non-empty array of strings, got ${describe(labels)}`,
      );
    }
  }
  if (values.length === 0) {
    // Images of 0 x 0 pixels: blank panels, and a mask "NaN % kept".
    throw new RangeError(`Cannot ${action}: there are no values to draw`);
  }
  let h: number, w: number, n: number;
  if (options.imageShape) {
    if (!Array.isArray(options.imageShape) || options.imageShape.length !== 2) {
      throw new TypeError(
        `Cannot ${action}: imageShape must be [height, width], got ${describe(options.imageShape)}`,
      );
    }
    [h, w] = options.imageShape;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
      throw new RangeError(
        `Cannot ${action}: imageShape must be two positive integers, got [${h}, ${w}]`,
      );
    }
    if (values.length % (h * w) !== 0) {
      throw new TypeError(
        `Cannot ${action}: ${values.length} values do not split into ${h} x ${w} images`,
      );
    }
    n = values.length / (h * w);
    if (labels && labels.length !== n) {
      throw new TypeError(
        `Cannot ${action}: ${n} images of ${h} x ${w} but ${labels.length} labels`,
      );
    }
  } else {
    if (!labels) {
      throw new TypeError(
        `Cannot ${action}: give labels (one per output row) or imageShape to split the values`,
      );
    }
    n = labels.length;
    const features = values.length / n;
    h = w = Math.round(Math.sqrt(features));
    if (!Number.isInteger(features) || h * w !== features) {
      throw new TypeError(
        `Cannot ${action}: ${values.length} values over ${n} labels are not square images; ` +
          "give imageShape",
      );
    }
  }
  const columns = options.columns ?? Math.min(5, n);
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`Cannot ${action}: columns must be a positive integer, got ${columns}`);
  }
  const rows = Math.ceil(n / columns);
  const rowHeight = options.rowHeight ?? 220;
  if (typeof rowHeight !== "number" || !(rowHeight > 0 && rowHeight < Infinity)) {
    throw new RangeError(
      `Cannot ${action}: rowHeight must be a positive number of pixels, got ${describe(rowHeight)}`,
    );
  }
  const cells = grid(n, columns, { x: 0.03, y: 0.3 / rows });
  const layout: Layout = baseLayout(options.title ?? look.title, rows * rowHeight + 120);
  layout.margin = { l: 60, r: 24, t: 80, b: 60 };
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (let k = 0; k < n; k++) {
    const cell: Cell = cells[k];
    const image = Array.prototype.slice.call(values, k * h * w, (k + 1) * h * w) as number[];
    const z: (number | null)[][] = [];
    for (let r = 0; r < h; r++) {
      z.push(image.slice(r * w, (r + 1) * w).map((v) => (Number.isFinite(v) ? v : null)));
    }
    const label = labels ? labels[k] : `row ${k}`;
    data.push({
      type: "heatmap",
      name: plotlyText(label),
      z,
      xaxis: cell.x,
      yaxis: cell.y,
      ...look.trace(k === 0),
    });
    annotations.push(cellTitle(look.subtitle(plotlyText(label), image), cell));
    const bottom = cell.row === rows - 1 || k + columns >= n;
    layout[cell.xKey] = axis(bottom ? "pixel column" : "", {
      domain: cell.xDomain,
      anchor: cell.y,
      showgrid: false,
      showline: false,
      ticks: "",
      showticklabels: false,
      constrain: "domain",
    });
    layout[cell.yKey] = axis(cell.column === 0 ? "pixel row" : "", {
      domain: cell.yDomain,
      anchor: cell.x,
      showgrid: false,
      showline: false,
      ticks: "",
      showticklabels: false,
      autorange: "reversed",
      scaleanchor: cell.x,
      constrain: "domain",
    });
  }
  layout.annotations = annotations;
  return { data, layout };
}
