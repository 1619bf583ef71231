/**
 * The penalty strength chosen by cross-validation: the mean validation score with a band of one
 * standard error against lambda (log scale), the chosen lambda marked.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import type { CrossValidation, CrossValidationScoring } from "../select/cross_validate.ts";
import {
  assertNumber,
  assertRows,
  axis,
  baseLayout,
  color,
  figureHeight,
  hoverTemplateText,
  plotlyText,
} from "./style.ts";
import type { Figure, Trace } from "./types.ts";

/** Options for {@linkcode crossValidationFigure}. */
export interface CrossValidationFigureOptions {
  /**
   * The figure title.
   * @default {"Penalty strength chosen by cross-validation"}
   */
  title?: string;
  /**
   * Height in pixels.
   * @default {440}
   */
  height?: number;
}

const KEYS: OptionKeys<CrossValidationFigureOptions> = { title: true, height: true };

const ACTION = "plot cross-validation";

/** Each scoring's name, the y axis title (with its unit) and tick format. */
const SCORES: Readonly<
  Record<CrossValidationScoring, { name: string; axis: string; percent: boolean }>
> = {
  "log-loss": { name: "log loss", axis: "mean validation log loss (nats)", percent: false },
  "accuracy": { name: "accuracy", axis: "mean validation accuracy (%)", percent: true },
  "balanced-accuracy": {
    name: "balanced accuracy",
    axis: "mean validation balanced accuracy (%)",
    percent: true,
  },
  "roc-auc": { name: "ROC AUC", axis: "mean validation ROC AUC (area, 0 to 1)", percent: false },
};

/**
 * The mean validation score of each candidate strength, with a shaded band from one standard
 * error below it to one above, against lambda on a log axis, from `crossValidateLambda`'s result;
 * the chosen strength is a dashed vertical line, and with rule `"one-standard-error"` the limit
 * it was chosen under (the best mean, worse by its standard error) a dotted horizontal line.
 * Points are drawn sorted by lambda, whatever their order.
 *
 * @param cv The cross-validation: its points (lambda, mean, standard error), scoring, rule, and
 *   the indices of the best and the chosen point.
 * @param options Title, height.
 * @returns A plotly figure: traces "±1 standard error" (the band), "mean validation <score>",
 *   "chosen lambda ..." and, with rule `"one-standard-error"`, "best mean + 1 standard error" (log
 *   loss) or "best mean - 1 standard error" (the scores that are better higher).
 * @throws {TypeError} If `cv.points` is not an array of objects with numeric `lambda`, `mean`
 *   and `standardError`, or an option is unknown.
 * @throws {RangeError} If `cv.points` is empty, a lambda is not finite and > 0, a mean is not
 *   finite, a standard error is not finite and >= 0, `best` or `chosen` is not an index of
 *   `points`, or the scoring or rule is unknown.
 *
 * @example Three strengths of a cross-validation
 * ```ts
 * import { crossValidationFigure } from "./cross_validation.ts";
 * import { crossValidateLambda } from "../select/cross_validate.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const wine = await loadEmbedded("wine");
 * const cv = crossValidateLambda(wine.x, wine.y, { lambdas: [1, 0.1, 0.01], k: 3 });
 * const fig = crossValidationFigure(cv);
 * assert.deepEqual(fig.data[1].x, [0.01, 0.1, 1]);
 * assert.deepEqual(fig.data[2].x, [cv.lambda, cv.lambda]);
 * assert.equal((fig.layout.xaxis as { type: string }).type, "log");
 * ```
 */
export function crossValidationFigure(
  cv: Pick<CrossValidation, "points" | "best" | "chosen" | "scoring" | "rule">,
  options: CrossValidationFigureOptions = {},
): Figure {
  checkOptionKeys("draw cross-validation figure", options, KEYS);
  if (typeof cv !== "object" || cv === null) {
    throw new TypeError(
      `Cannot ${ACTION}: cv must be crossValidateLambda's result, got ${describe(cv)}`,
    );
  }
  if (!Object.hasOwn(SCORES, cv.scoring)) {
    throw new RangeError(
      `Cannot ${ACTION}: cv.scoring must be one of ${Object.keys(SCORES).join(", ")}, got ${
        describe(cv.scoring)
      }`,
    );
  }
  if (cv.rule !== "best" && cv.rule !== "one-standard-error") {
    throw new RangeError(
      `Cannot ${ACTION}: cv.rule must be best or one-standard-error, got ${describe(cv.rule)}`,
    );
  }
  const score = SCORES[cv.scoring];
  assertRows(ACTION, "cv.points", cv.points);
  if (cv.points.length === 0) throw new RangeError(`Cannot ${ACTION}: cv.points is empty`);
  cv.points.forEach((p, i) => {
    finite(`cv.points[${i}].lambda`, p.lambda, Number.MIN_VALUE);
    finite(`cv.points[${i}].mean`, p.mean, -Infinity);
    finite(`cv.points[${i}].standardError`, p.standardError, 0);
  });
  for (const key of ["best", "chosen"] as const) {
    const i = cv[key];
    if (!Number.isInteger(i) || i < 0 || i >= cv.points.length) {
      throw new RangeError(
        `Cannot ${ACTION}: cv.${key} must be an index of cv.points (0..${
          cv.points.length - 1
        }), got ${describe(i)}`,
      );
    }
  }
  const sorted = [...cv.points].sort((a, b) => a.lambda - b.lambda);
  const x = sorted.map((p) => p.lambda);
  const upper = sorted.map((p) => p.mean + p.standardError);
  const lower = sorted.map((p) => p.mean - p.standardError);
  const format = score.percent ? ".2%" : ".4f";
  const chosen = cv.points[cv.chosen], best = cv.points[cv.best];
  const data: Trace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: "±1 standard error",
      // One closed outline: along the upper edge, then back along the lower one.
      x: [...x, ...[...x].reverse()],
      y: [...upper, ...[...lower].reverse()],
      fill: "toself",
      fillcolor: "rgba(0, 114, 178, 0.18)",
      line: { width: 0 },
      hoverinfo: "skip",
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: plotlyText(`mean validation ${score.name}`),
      x,
      y: sorted.map((p) => p.mean),
      customdata: sorted.map((p) => p.standardError),
      line: { color: color(0), width: 2 },
      marker: { size: 7 },
      hovertemplate: `lambda %{x:.3~e}<br>mean ${hoverTemplateText(score.name)} %{y:${format}}` +
        ` ± %{customdata:${format}}<extra></extra>`,
    },
  ];
  const low = Math.min(...lower), high = Math.max(...upper);
  data.push({
    type: "scatter",
    mode: "lines",
    name: `chosen lambda ${chosen.lambda.toExponential(2)} (${
      cv.rule === "best" ? "best mean" : "one standard error"
    })`,
    x: [chosen.lambda, chosen.lambda],
    y: [low, high],
    line: { color: color(3), dash: "dash", width: 1.5 },
    hoverinfo: "skip",
  });
  if (cv.rule === "one-standard-error") {
    const greater = cv.scoring !== "log-loss";
    const limit = greater ? best.mean - best.standardError : best.mean + best.standardError;
    data.push({
      type: "scatter",
      mode: "lines",
      name: `best mean ${greater ? "-" : "+"} 1 standard error`,
      x: [x[0], x.at(-1)!],
      y: [limit, limit],
      line: { color: color(7), dash: "dot", width: 1 },
      hoverinfo: "skip",
    });
  }
  const layout = baseLayout(
    options.title ?? "Penalty strength chosen by cross-validation",
    figureHeight(ACTION, options.height, 440),
  );
  layout.xaxis = axis("penalty strength lambda (log scale)", {
    type: "log",
    dtick: 1,
    tickformat: ".0e",
  });
  layout.yaxis = axis(score.axis, score.percent ? { tickformat: "~%" } : {});
  return { data, layout };
}

/** Checks a finite number >= `min` (`> 0` for the smallest positive number). */
function finite(where: string, v: unknown, min: number): void {
  assertNumber(ACTION, where, v, min, Infinity);
  if (!Number.isFinite(v)) {
    throw new RangeError(`Cannot ${ACTION}: ${where} must be finite, got ${v}`);
  }
}
