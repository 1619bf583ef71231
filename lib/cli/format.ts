/**
 * Plain-text report formatting: aligned tables and number formats.
 *
 * @module
 */

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
