/**
 * Training curves: loss and accuracy per epoch, on the training and the validation data, from
 * the history that `fit` returns.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys, quotedText } from "../core/validate.ts";
import type { EpochRecord } from "../model/fit.ts";
import {
  assertNumber,
  assertRows,
  assertString,
  axis,
  baseLayout,
  type Cell,
  cellTitle,
  color,
  figureHeight,
  grid,
  hoverTemplateText,
  legendBelowAxis,
  plain,
  plotlyText,
} from "./style.ts";
import type { Figure, Trace } from "./types.ts";

/** One training run to compare: a name and the history `fit` returned. */
export interface TrainingRun {
  /** The legend name, e.g. `"Adam, lr 0.01"`. */
  readonly name: string;
  /** One record per epoch (or L-BFGS iteration). */
  readonly history: readonly EpochRecord[];
}

/** Options for {@linkcode trainingFigure} and {@linkcode trainingComparisonFigure}. */
export interface TrainingFigureOptions {
  /**
   * The figure title.
   * @default {"Training curves"}
   */
  title?: string;
  /**
   * The x axis title: what one record is. The default suits SGD and Adam; an L-BFGS history
   * (`fit`'s default optimizer) has one record per iteration, so give e.g.
   * `"iteration (L-BFGS)"` (the hover text names the x by the part before `" ("`, shown as
   * written: a `%{...}` in it is no hover placeholder).
   * @default {"epoch (passes over the training data)"}
   */
  xTitle?: string;
  /**
   * Which panels to draw.
   * @default {"both"}
   */
  panels?: "both" | "loss" | "accuracy";
  /**
   * Draw the loss axis on a log scale (useful when the loss falls by orders of magnitude).
   * @default {false}
   */
  logLoss?: boolean;
  /**
   * Height in pixels.
   * @default {420}
   */
  height?: number;
}

const TRAINING_KEYS: OptionKeys<TrainingFigureOptions> = {
  title: true,
  xTitle: true,
  panels: true,
  logLoss: true,
  height: true,
};

const ACTION = "plot training curves";

/**
 * Training and validation loss and accuracy per epoch of one run, side by side. Validation
 * curves appear when the records have `validationLoss` (that is, when `fit` had `validation`).
 *
 * @param history The records `fit` returned, in epoch order.
 * @param options Title, x axis title, panels, log loss axis, height.
 * @returns A plotly figure: mean log loss (nats) and accuracy (%) against the epoch.
 * @throws {TypeError} If a record lacks a numeric `epoch`, `trainLoss` or `trainAccuracy`.
 * @throws {RangeError} If an accuracy is outside [0, 1], a loss is negative, NaN or infinite,
 *   an epoch is NaN or infinite, or `panels` is unknown.
 *
 * @example Plot a short history
 * ```ts
 * import { trainingFigure } from "./training.ts";
 * import assert from "node:assert/strict";
 *
 * const history = [1, 2, 3].map((epoch) => ({
 *   epoch, trainLoss: 1 / epoch, trainAccuracy: 0.5 + 0.1 * epoch, objective: 1 / epoch,
 *   validationLoss: 1.1 / epoch, validationAccuracy: 0.5 + 0.09 * epoch, seconds: epoch,
 * }));
 * const fig = trainingFigure(history);
 * assert.deepEqual(fig.data.map((t) => t.name), [
 *   "training", "validation", "training", "validation",
 * ]);
 * assert.deepEqual(fig.data[1].y, [1.1, 0.55, 1.1 / 3]);
 * ```
 */
export function trainingFigure(
  history: readonly EpochRecord[],
  options: TrainingFigureOptions = {},
): Figure {
  checkOptionKeys("draw training figure", options, TRAINING_KEYS);
  return curves([{ name: "", history }], options, false);
}

/**
 * Loss and accuracy per epoch of several runs in one figure (one colour per run; training
 * solid, validation dashed), e.g. optimisers or penalties compared.
 *
 * @param runs The runs, each a name and a history.
 * @param options Title, x axis title, panels, log loss axis, height.
 * @returns A plotly figure: mean log loss (nats) and accuracy (%) against the epoch.
 * @throws {TypeError} If a run has no string name or a record lacks a numeric field.
 * @throws {RangeError} If an accuracy is outside [0, 1], a loss is negative, NaN or infinite,
 *   an epoch is NaN or infinite, `panels` is unknown, or two runs have the same name.
 *
 * @example Two runs
 * ```ts
 * import { trainingComparisonFigure } from "./training.ts";
 * import assert from "node:assert/strict";
 *
 * const record = (epoch: number, loss: number) => ({
 *   epoch, trainLoss: loss, trainAccuracy: 0.9, objective: loss, seconds: 0,
 * });
 * const fig = trainingComparisonFigure([
 *   { name: "SGD", history: [record(1, 0.9), record(2, 0.7)] },
 *   { name: "Adam", history: [record(1, 0.8), record(2, 0.5)] },
 * ], { panels: "loss" });
 * assert.deepEqual(fig.data.map((t) => t.name), ["SGD, training", "Adam, training"]);
 * ```
 */
export function trainingComparisonFigure(
  runs: readonly TrainingRun[],
  options: TrainingFigureOptions = {},
): Figure {
  checkOptionKeys("draw training figure", options, TRAINING_KEYS);
  assertRows(ACTION, "runs", runs);
  runs.forEach((r, i) => {
    assertString(ACTION, `runs[${i}].name`, r.name);
    // Two runs of one name got one legend entry each, alike, in one legend group (a click hid
    // both), and the same hover name: which curve is which run could not be told.
    const first = runs.findIndex((o) => o.name === r.name);
    if (first < i) {
      throw new RangeError(
        `Cannot ${ACTION}: runs[${i}].name ${quotedText(r.name)} is also runs[${first}]'s; ` +
          "give each run its own name",
      );
    }
  });
  return curves(runs, options, true);
}

function curves(
  runs: readonly TrainingRun[],
  options: TrainingFigureOptions,
  named: boolean,
): Figure {
  const panels = options.panels ?? "both";
  if (panels !== "both" && panels !== "loss" && panels !== "accuracy") {
    throw new RangeError(
      `Cannot ${ACTION}: panels must be "both", "loss" or "accuracy", got ${panels}`,
    );
  }
  runs.forEach((run, r) => checkHistory(run.history, named ? `runs[${r}].history` : "history"));
  const kinds = panels === "both" ? ["loss", "accuracy"] as const : [panels] as const;
  const cells = grid(kinds.length, kinds.length, { x: 0.1, y: 0 });
  const layout = baseLayout(
    options.title ?? "Training curves",
    figureHeight(ACTION, options.height, 420),
  );
  const xTitle = options.xTitle ?? "epoch (passes over the training data)";
  // The hover's name of x: plotly text as the axis title is, but a "%{" in it was substituted
  // as a placeholder.
  const xHover = hoverTemplateText(xTitle.split(" (")[0]);
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  kinds.forEach((kind, k) => {
    const cell: Cell = cells[k];
    layout[cell.xKey] = axis(xTitle, { domain: cell.xDomain, anchor: cell.y });
    layout[cell.yKey] = kind === "loss"
      ? axis("mean log loss (nats)", {
        domain: cell.yDomain,
        anchor: cell.x,
        type: options.logLoss ? "log" : "linear",
      })
      // "~%": as many decimals as the ticks need, no trailing zeros. A fixed ".0%" labelled ticks
      // 0.1 points apart "96%", "96%", "97%", "97%" (a fine-tuning run moves that little).
      : axis("accuracy (%)", { domain: cell.yDomain, anchor: cell.x, tickformat: "~%" });
    if (kinds.length > 1) annotations.push(cellTitle(kind === "loss" ? "Loss" : "Accuracy", cell));
    runs.forEach((run, r) => {
      const h = run.history;
      const epochs = h.map((e) => e.epoch);
      const splits = [{ split: "training", values: h.map((e) => tr(e, kind)) }];
      if (h.some((e) => typeof e.validationLoss === "number")) {
        splits.push({ split: "validation", values: h.map((e) => va(e, kind)) });
      }
      splits.forEach(({ split, values }, s) => {
        const name = plotlyText(named ? `${run.name}, ${split}` : split);
        data.push({
          type: "scatter",
          mode: h.length > 30 ? "lines" : "lines+markers",
          name,
          legendgroup: name,
          showlegend: k === 0,
          x: epochs,
          y: plain(values),
          xaxis: cell.x,
          yaxis: cell.y,
          line: {
            color: color(named ? r : s),
            dash: named && s === 1 ? "dash" : "solid",
            width: 2,
          },
          marker: { size: 5 },
          hovertemplate: `%{fullData.name}<br>${xHover} %{x}<br>${
            kind === "loss" ? "loss %{y:.4f} nats" : "accuracy %{y:.2%}"
          }<extra></extra>`,
        });
      });
    });
  });
  layout.annotations = annotations;
  legendBelowAxis(data, layout);
  return { data, layout };
}

function tr(e: EpochRecord, kind: "loss" | "accuracy"): number {
  return kind === "loss" ? e.trainLoss : e.trainAccuracy;
}

function va(e: EpochRecord, kind: "loss" | "accuracy"): number {
  return (kind === "loss" ? e.validationLoss : e.validationAccuracy) ?? NaN;
}

function checkHistory(history: readonly EpochRecord[], name: string): void {
  assertRows(ACTION, name, history);
  history.forEach((e, i) => {
    assertNumber(ACTION, `${name}[${i}].epoch`, e.epoch);
    if (!Number.isFinite(e.epoch)) {
      // The figure's JSON would hold null: a point without an x, not drawn.
      throw new RangeError(`Cannot ${ACTION}: ${name}[${i}].epoch must be finite, got ${e.epoch}`);
    }
    assertLoss(`${name}[${i}].trainLoss`, e.trainLoss);
    assertNumber(ACTION, `${name}[${i}].trainAccuracy`, e.trainAccuracy, 0, 1);
    if (e.validationLoss !== undefined) {
      assertLoss(`${name}[${i}].validationLoss`, e.validationLoss);
    }
    if (e.validationAccuracy !== undefined) {
      assertNumber(ACTION, `${name}[${i}].validationAccuracy`, e.validationAccuracy, 0, 1);
    }
  });
}

/** A mean log loss: finite (its figure's JSON would turn Infinity into null) and >= 0. */
function assertLoss(where: string, v: unknown): void {
  if (typeof v === "number" && !Number.isFinite(v)) {
    throw new RangeError(
      `Cannot ${ACTION}: ${where} must be finite, got ${v} (did the training diverge?)`,
    );
  }
  assertNumber(ACTION, where, v, 0);
}
