/**
 * Plotting: figure builders that return plain plotly `{ data, layout }` objects from plain
 * data (training histories, compression results, weights, masks, confusion matrices, threshold
 * curves, cross-validation scores), a Jupyter display adapter, and standalone offline HTML export.
 *
 * Nothing else in lib/ imports this module.
 *
 * @module
 */
export * from "./types.ts";
export * from "./training.ts";
export * from "./compression.ts";
export * from "./weights.ts";
export * from "./images.ts";
export * from "./confusion.ts";
export * from "./size.ts";
export * from "./pivot.ts";
export * from "./threshold.ts";
export * from "./cross_validation.ts";
export * from "./display.ts";
export {
  figureDiv,
  type FigureDivOptions,
  type FigureSection,
  type FiguresHtmlOptions,
  figuresToHtml,
  plainFigure,
  PLOTLY_CONFIG,
  plotlyScript,
  writeFiguresHtml,
} from "./html.ts";
export { loadPlotlyJs, type PlotlyJs } from "./plotly_js.ts";
