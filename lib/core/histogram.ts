/**
 * Histograms of numbers with equal-width bins, counted exactly (numpy's `histogram` semantics).
 *
 * @module
 */

import { assertFinite, assertInRange, counted, describe } from "./validate.ts";

/** Options for {@linkcode histogram}. */
export interface HistogramOptions {
  /**
   * Number of equal-width bins.
   * @default {50}
   */
  bins?: number;
  /**
   * The lower and upper edge. Values outside are not counted; a value equal to the upper edge
   * falls in the last bin.
   * @default {[min, max] of the counted values; [v - 0.5, v + 0.5] if they are all v (wider where 0.5 is below v's precision, clipped to ±Number.MAX_VALUE); [0, 1] if none}
   */
  range?: readonly [number, number];
  /**
   * Count only the values whose mask entry is non-zero (e.g. the weights a pruning mask kept);
   * same length as the values.
   * @default {count every value}
   */
  mask?: ArrayLike<number>;
}

/** Bin edges and counts. */
export interface Histogram {
  /** `bins + 1` increasing edges; bin `i` is `[edges[i], edges[i + 1])`, the last one closed. */
  readonly edges: Float64Array;
  /** Values per bin, shape `(bins)`. */
  readonly counts: Float64Array;
  /** Values counted (inside the range and kept by the mask). */
  readonly total: number;
}

/**
 * Counts values in equal-width bins. Edges are `lo + i * (hi - lo) / bins` with the last one
 * exactly `hi`, and a value goes to the bin whose half-open interval holds it, as in
 * `numpy.histogram`.
 *
 * @param values The values, shape `(n)`.
 * @param options Number of bins, range, mask.
 * @returns The edges, the counts and the number counted.
 * @throws {TypeError} If `values` is not array-like or the mask's length differs.
 * @throws {RangeError} If a value or mask entry is NaN or infinite, `bins` is not a positive
 *   integer, the range is not finite with `lo < hi`, or `hi - lo` overflows.
 *
 * @example Count three values in two bins
 * ```ts
 * import { histogram } from "./histogram.ts";
 * import assert from "node:assert/strict";
 *
 * const h = histogram([0, 0.2, 1], { bins: 2 });
 * assert.deepEqual([...h.edges], [0, 0.5, 1]);
 * assert.deepEqual([...h.counts], [2, 1]);
 * ```
 */
export function histogram(values: ArrayLike<number>, options: HistogramOptions = {}): Histogram {
  const action = "compute histogram";
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new TypeError(
      `Cannot ${action}: values must be an array of numbers, got ${describe(values)}`,
    );
  }
  assertFinite(action, "values", values);
  const bins = options.bins ?? 50;
  assertInRange(action, "bins", bins, 1, 1e7, true);
  const mask = options.mask;
  if (mask !== undefined && mask.length !== values.length) {
    throw new TypeError(
      `Cannot ${action}: mask has ${
        counted(mask.length, "entry", { plural: "entries" })
      } but there ${values.length === 1 ? "is 1 value" : `are ${values.length} values`}`,
    );
  }
  // NaN is neither zero nor a keep: it was read as zero (the value left out).
  if (mask !== undefined) assertFinite(action, "mask", mask);
  let lo: number, hi: number;
  if (options.range) {
    [lo, hi] = options.range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
      throw new RangeError(
        `Cannot ${action}: range must be two finite numbers lo < hi, got [${lo}, ${hi}]`,
      );
    }
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      if (mask && !mask[i]) continue;
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) [lo, hi] = [0, 1];
    else if (lo === hi) {
      // Half a unit either side, or a relative width where 0.5 is below the value's precision.
      // Next to the largest number one edge stays at the value itself rather than overflow.
      const half = Math.max(0.5, Math.abs(lo) * 2 ** -20);
      [lo, hi] = [Math.max(lo - half, -Number.MAX_VALUE), Math.min(hi + half, Number.MAX_VALUE)];
    }
  }
  if (!Number.isFinite(hi - lo)) {
    throw new RangeError(
      `Cannot ${action}: the range [${lo}, ${hi}] is wider than the largest number`,
    );
  }
  const edges = new Float64Array(bins + 1);
  const step = (hi - lo) / bins;
  for (let i = 0; i < bins; i++) edges[i] = lo + i * step;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  const norm = bins / (hi - lo);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (v < lo || v > hi) continue;
    let b = Math.floor((v - lo) * norm);
    if (b >= bins) b = bins - 1;
    // The multiplication can round across an edge; settle on the edges themselves.
    if (b > 0 && v < edges[b]) b--;
    else if (b < bins - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
    total++;
  }
  return { edges, counts, total };
}
