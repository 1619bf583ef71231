/**
 * The plain plotly figure format the builders return: JSON-ready objects that plotly.js,
 * JupyterLab, VS Code and plotly's Python package all read.
 *
 * @module
 */

/**
 * One plotly trace, e.g. `{ type: "scatter", name: "training", x: [1, 2], y: [0.5, 0.4] }`.
 * Arrays are plain `number[]` (typed arrays do not survive `JSON.stringify`).
 */
export interface Trace {
  /** The trace type: `"scatter"`, `"bar"`, `"heatmap"`, ... */
  type: string;
  /** Any other plotly trace attribute. */
  [attribute: string]: unknown;
}

/** A plotly layout: title, axes (`xaxis`, `yaxis`, `xaxis2`, ...), legend, size, shapes. */
export type Layout = Record<string, unknown>;

/** A plotly figure: traces and layout, plain data. */
export interface Figure {
  /** The traces, drawn in order. */
  data: Trace[];
  /** The layout. */
  layout: Layout;
}
