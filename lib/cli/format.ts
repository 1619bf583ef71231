/**
 * Plain-text report formatting: aligned tables and number formats.
 *
 * @module
 */

import { counted, quotedText } from "../core/validate.ts";

/**
 * Formats rows as an aligned text table; numeric-looking cells are right-aligned.
 *
 * @param header Column titles.
 * @param rows Cells, already formatted as strings.
 * @returns The table, one line per row, with a rule under the header.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const numeric = (s: string) => /^[-+]?[\d.,]+(e[-+]?\d+)?\s*[%x]?$/i.test(s.trim());
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => numeric(cell) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))
      .join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * A fraction as a percentage with two decimals, e.g. `0.8446` -> `"84.46 %"`.
 *
 * @param f The fraction.
 * @returns The text.
 */
export function percent(f: number): string {
  return `${(f * 100).toFixed(2)} %`;
}

/**
 * A ROC AUC as the reports print it: four decimals, or `"-"` where it is undefined (`null`: more
 * than two classes, or one class in the data).
 *
 * @param auc The AUC or `null`.
 * @returns The text.
 */
export function rocAucText(auc: number | null): string {
  return auc === null ? "-" : auc.toFixed(4);
}

/**
 * The line of metrics weighted by a `--weight-column`, e.g. `weighted  by "w" (total weight
 * 12.5): accuracy 84.46 %, balanced accuracy ..., ROC AUC 0.9012`.
 *
 * @param what What is weighted, e.g. `by "w"` or `test rows by "w"`.
 * @param total The weights' sum.
 * @param metrics The weighted metrics, or `null` when every row weighs 0.
 * @param rows What the rows are called in the all-0 case, e.g. `row` or `test row`.
 * @returns The line.
 */
export function weightedMetricsLine(
  what: string,
  total: number,
  metrics: {
    readonly accuracy: number;
    readonly balancedAccuracy: number;
    readonly logLoss: number;
    readonly macroF1: number;
    readonly rocAuc: number | null;
  } | null,
  rows = "row",
): string {
  return `weighted  ${what} ` +
    (metrics === null
      ? `(total weight 0): not measured, every ${rows} weighs 0`
      : `(total weight ${Number(total.toPrecision(6))}): accuracy ${
        percent(metrics.accuracy)
      }, balanced accuracy ${percent(metrics.balancedAccuracy)}, log loss ${
        metrics.logLoss.toFixed(4)
      }, macro F1 ${metrics.macroF1.toFixed(4)}, ROC AUC ${rocAucText(metrics.rocAuc)}`);
}

/**
 * The test metrics weighted by `--weight-column`, as `lrc prune` and `lrc quantize` put them
 * under their unweighted table: a blank line and a table of their own (so the first table's
 * widths stay as they were), its first title naming the column and the test rows' total weight;
 * or, when every test row weighs 0, one line saying they were not measured.
 *
 * @param column The weight column's name.
 * @param total The test rows' weights' sum.
 * @param columns The titles of the table's other columns.
 * @param rows The table's rows, or `null` when every test row weighs 0.
 * @returns The report lines.
 */
export function weightedTestTable(
  column: string,
  total: number,
  columns: readonly string[],
  rows: readonly (readonly string[])[] | null,
): string[] {
  if (rows === null) {
    return [weightedMetricsLine(`test rows by ${quotedText(column)}`, total, null, "test row")];
  }
  return [
    "",
    formatTable(
      [
        `test, weighted by ${quotedText(column)} (total weight ${Number(total.toPrecision(6))})`,
        ...columns,
      ],
      rows,
    ),
  ];
}

/** The line under metrics whose ROC AUC (`-`) `--no-roc-auc` skipped. */
export const NO_ROC_AUC_NOTE = "note      ROC AUC not computed (--no-roc-auc)";

/**
 * An accuracy difference in percentage points with its standard error, e.g. `-0.74 ± 0.91
 * points`.
 */
export function pointsText(d: { difference: number; standardError: number }): string {
  const points = d.difference * 100;
  return `${points >= 0 ? "+" : ""}${points.toFixed(2)} ± ${(d.standardError * 100).toFixed(2)} ` +
    "points";
}

/**
 * A size ratio against the float32 baseline as words: "4.00 x smaller", or "2.50 x larger" for a
 * file above the baseline (ratio below 1).
 *
 * @param ratio Baseline bytes over file bytes.
 * @returns The text.
 */
export function ratioText(ratio: number): string {
  return ratio >= 1 ? `${ratio.toFixed(2)} x smaller` : `${(1 / ratio).toFixed(2)} x larger`;
}

/**
 * A whole number with thousands separators, as every report prints counts: `1200` -> `"1,200"`.
 *
 * @param n The number.
 * @returns The text.
 */
export function int(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * A count with thousands separators and the word that agrees with it: `"1 byte"`,
 * `"1,200 bytes"` (see {@linkcode counted}).
 *
 * @param n The count.
 * @param word The singular.
 * @param plural The plural, if not `word + "s"`.
 * @returns The text.
 */
export function count(n: number, word: string, plural?: string): string {
  return counted(n, word, { plural, format: int });
}

/**
 * The warnings of a command's trainings, gathered for its report lines (`warning   ...`) and
 * `--json` `warnings`: each training's prefixed by the training it comes from (none for the
 * dense one), and one already given in the same words left out (a class weighted 0, which every
 * training on the same rows says again).
 */
export class TrainingWarnings {
  /** The warnings as reported, in order. */
  readonly list: string[] = [];
  readonly #seen = new Set<string>();

  /**
   * Adds a training's warnings.
   *
   * @param warnings The warnings (`fit`'s `warnings`).
   * @param from The training they come from, e.g. `"fine-tuning"`; none for the dense one.
   */
  add(warnings: readonly string[], from?: string): void {
    for (const w of warnings) {
      if (this.#seen.has(w)) continue;
      this.#seen.add(w);
      this.list.push(from === undefined ? w : `${from}: ${w}`);
    }
  }

  /** The report lines, one per warning. */
  lines(): string[] {
    return this.list.map((w) => `warning   ${w}`);
  }
}

/**
 * The note for a loaded model with a decision threshold: every model the command makes keeps it,
 * and the labels and accuracies it prints are at it; it was chosen for the loaded model's scores,
 * which the command changes, so a target it met (a recall, a precision) may no longer be met.
 *
 * @param threshold The loaded model's threshold (`undefined`: none, no note).
 * @param saved The file the command writes, named in the `lrc threshold` command line.
 * @param change What changes the scores ("compression").
 * @param made The model it makes ("compressed").
 * @returns The note's line, or none.
 */
export function thresholdNote(
  threshold: number | undefined,
  saved: string | undefined,
  change: string,
  made: string,
): string[] {
  if (threshold === undefined) return [];
  return [
    `note      decision threshold ${threshold} (the loaded model's): every model keeps it, and ` +
    `the labels and accuracies here are at it; it suits the loaded model's scores, ` +
    `which ${change} changes: choose it again for the ${made} model on validation data ` +
    `(lrc threshold --model ${saved ?? "FILE"} --data VALID.csv --target ...)`,
  ];
}
