/**
 * The Pareto front of compressed models: those no other model beats on both size and accuracy.
 *
 * @module
 */

import { describe } from "../core/validate.ts";

/** A candidate: its size in bytes (smaller is better) and its accuracy (larger is better). */
export interface ParetoCandidate {
  /** Size in bytes. */
  readonly bytes: number;
  /** Accuracy as a fraction (or any score where larger is better). */
  readonly accuracy: number;
}

/**
 * Finds the candidates that no other candidate dominates. `a` dominates `b` when `a.bytes <=
 * b.bytes` and `a.accuracy >= b.accuracy` with at least one of the two strict. Candidates equal
 * in both are all kept. Runs in O(n log n).
 *
 * @param candidates The candidates, shape `(n)`.
 * @returns Indices into `candidates` of the non-dominated ones, by increasing bytes (ties in
 *   index order); accuracy increases strictly along the result except between equal candidates.
 * @throws {TypeError} If `candidates` is not an array of objects with numeric `bytes` and
 *   `accuracy`.
 * @throws {RangeError} If a `bytes` or `accuracy` is NaN.
 *
 * @example The front of four models
 * ```ts
 * import { paretoFront } from "./pareto.ts";
 * import assert from "node:assert/strict";
 *
 * const models = [
 *   { bytes: 4000, accuracy: 0.95 },
 *   { bytes: 1000, accuracy: 0.90 },
 *   { bytes: 2000, accuracy: 0.89 }, // bigger and worse than the second: dominated
 *   { bytes: 500, accuracy: 0.70 },
 * ];
 * assert.deepEqual(paretoFront(models), [3, 1, 0]);
 * ```
 */
export function paretoFront(candidates: readonly ParetoCandidate[]): number[] {
  const action = "compute Pareto front";
  if (!Array.isArray(candidates)) {
    throw new TypeError(
      `Cannot ${action}: candidates must be an array of { bytes, accuracy }, got ${
        describe(candidates)
      }`,
    );
  }
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (
      typeof c !== "object" || c === null || typeof c.bytes !== "number" ||
      typeof c.accuracy !== "number"
    ) {
      throw new TypeError(
        `Cannot ${action}: candidate ${i} must have numeric bytes and accuracy, got ${describe(c)}`,
      );
    }
    if (Number.isNaN(c.bytes) || Number.isNaN(c.accuracy)) {
      throw new RangeError(
        `Cannot ${action}: candidate ${i} has bytes ${c.bytes} and accuracy ${c.accuracy}`,
      );
    }
  }
  const order = candidates.map((_, i) => i);
  order.sort((a, b) =>
    candidates[a].bytes - candidates[b].bytes ||
    candidates[b].accuracy - candidates[a].accuracy || a - b
  );
  const front: number[] = [];
  let bestBelow = -Infinity; // best accuracy among strictly smaller sizes
  for (let start = 0; start < order.length;) {
    const bytes = candidates[order[start]].bytes;
    let end = start;
    while (end < order.length && candidates[order[end]].bytes === bytes) end++;
    // Within one size the best accuracy comes first (sorted descending).
    const best = candidates[order[start]].accuracy;
    if (start === 0 || best > bestBelow) {
      for (let k = start; k < end && candidates[order[k]].accuracy === best; k++) {
        front.push(order[k]);
      }
      bestBelow = best;
    }
    start = end;
  }
  return front;
}
