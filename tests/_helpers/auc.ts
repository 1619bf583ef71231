/**
 * The ROC AUC by its definition, the oracle of the AUC tests: the share of (positive, negative)
 * pairs whose positive scores higher, ties counting one half, over every pair.
 *
 * @module
 */

/**
 * Counts every (positive, negative) pair.
 *
 * @param y Classes, 1 positive and 0 negative (other values take part in no pair).
 * @param s Scores, higher meaning more likely positive.
 * @returns The share of pairs ranked right, ties one half (NaN without a pair).
 */
export function pairwiseAuc(y: ArrayLike<number>, s: ArrayLike<number>): number {
  let wins = 0, pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}
