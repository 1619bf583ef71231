/**
 * The ROC AUC of a binary model over data seen batch by batch (`lrc predict`, `evaluateStream`):
 * each row's score is kept, by true class, and ranked once at the end.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";

/**
 * The scores of a two-class model's labelled rows, batch by batch, kept by true class for the ROC
 * AUC of `classes[1]`: ranked by its log-odds (the one column of a sigmoid model, the second less
 * the first of a two-class softmax), as `evaluate` ranks them. 8 bytes a row; the AUC sorts a copy
 * of the rarer class's scores (typed arrays, no array of indices: at most 4 bytes a row more, at
 * the end) and looks each score of the other class up in it.
 */
export class ScoresByClass {
  readonly #parts: [Float64Array[], Float64Array[]] = [[], []];

  /**
   * Adds a batch's scores, shape `(rows, 1)` or `(rows, 2)`, with its class indices (0 or 1,
   * checked by the caller).
   */
  add(scores: Matrix, y: ArrayLike<number>): void {
    const n = scores.rows, k = scores.cols, z = scores.data;
    // Counted first, so that each class's part is allocated at its size: two arrays of the
    // batch's length, then sliced, made 16 bytes of garbage a row besides the 8 kept.
    let ones = 0;
    for (let i = 0; i < n; i++) ones += y[i];
    const byClass = [new Float64Array(n - ones), new Float64Array(ones)];
    const filled = [0, 0];
    for (let i = 0; i < n; i++) {
      const c = y[i];
      byClass[c][filled[c]++] = k === 1 ? z[i] : z[2 * i + 1] - z[2 * i];
    }
    for (const c of [0, 1]) if (byClass[c].length > 0) this.#parts[c].push(byClass[c]);
  }

  /**
   * The AUC (ties count one half), or `null` when one class labels no row. Once: it releases the
   * kept scores.
   */
  rocAuc(): number | null {
    const counts = this.#parts.map((parts) => parts.reduce((sum, p) => sum + p.length, 0));
    if (counts[0] === 0 || counts[1] === 0) return null;
    // The rarer class sorted in one array (the other stays in its batches): for each score of the
    // other class, the rarer class's scores below it and those tied with it.
    const rare = counts[0] <= counts[1] ? 0 : 1;
    const sorted = new Float64Array(counts[rare]);
    let at = 0;
    for (const p of this.#parts[rare]) {
      sorted.set(p, at);
      at += p.length;
    }
    this.#parts[rare].length = 0;
    sorted.sort();
    let below = 0, ties = 0;
    for (const p of this.#parts[1 - rare]) {
      for (let i = 0; i < p.length; i++) {
        const lo = firstNotBelow(sorted, p[i]);
        below += lo;
        ties += firstAbove(sorted, p[i], lo) - lo;
      }
    }
    this.#parts[1 - rare].length = 0;
    const pairs = counts[0] * counts[1];
    // Negatives sorted: `below` counts the pairs a positive wins. Positives sorted: the pairs it
    // loses, ties apart.
    return (rare === 0 ? below + ties / 2 : pairs - below - ties / 2) / pairs;
  }
}

/** The first index of an ascending array whose value is not below `s` (its length if none). */
function firstNotBelow(sorted: Float64Array, s: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index from `from` of an ascending array whose value is above `s`. */
function firstAbove(sorted: Float64Array, s: number, from: number): number {
  let lo = from, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
