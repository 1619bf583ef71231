/**
 * Stratified k-fold assignment: which fold each row is validated in, every class spread evenly
 * over the folds.
 *
 * @module
 */

import { checkSeed, createPrng, shuffleInPlace } from "../core/random.ts";
import {
  assertInRange,
  assertLabels,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";

/** Options for {@linkcode stratifiedFolds}. */
export interface StratifiedFoldsOptions {
  /**
   * Seed of the shuffle of each class's rows.
   * @default {0}
   */
  seed?: number;
  /**
   * Class labels, indexed by `y`, to name a class in messages.
   * @default {["0", "1", ...]}
   */
  classes?: readonly string[];
}

const FOLDS_KEYS: OptionKeys<StratifiedFoldsOptions> = { seed: true, classes: true };

/**
 * Assigns each row to one of `k` folds, stratified by class and seeded. The rule: one generator
 * seeded with `seed` shuffles each class's rows in turn (Fisher-Yates), classes in ascending index
 * order, and deals them out in that order to folds `0, 1, ..., k - 1, 0, 1, ...`, each class
 * going on from the fold after the one where the previous class stopped. So each class puts
 * `floor(count / k)` or `ceil(count / k)` of its rows in every fold, and the folds' sizes differ
 * by at most one. Row `i` is validated in fold `folds[i]` and trained on in the other `k - 1`.
 *
 * @param y Class index per row, shape `(nSamples)`.
 * @param k The number of folds, an integer from 2 to the row count of the smallest class present.
 * @param options Seed, and class labels for messages.
 * @returns The fold of each row, shape `(nSamples)`, values in `0..k-1`.
 * @throws {TypeError} If `y` is not an array of class indices, `k` is not a number, `seed` is
 *   not a finite number, `classes` is not an array or an option is unknown.
 * @throws {RangeError} If `y` is empty, a label is not a non-negative integer (below the number
 *   of `classes` when given), `k` is not an integer >= 2, or a class present has fewer rows than `k` (the smallest is named:
 *   a fold would validate without it).
 *
 * @example Five rows of one class and four of another in two folds
 * ```ts
 * import { stratifiedFolds } from "./folds.ts";
 * import assert from "node:assert/strict";
 *
 * const y = Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1);
 * const folds = stratifiedFolds(y, 2, { seed: 3 });
 * // Class 0 deals 3 rows to fold 0 and 2 to fold 1; class 1 goes on at fold 1: 2 and 2.
 * const count = (f: number, c: number) => y.filter((v, i) => v === c && folds[i] === f).length;
 * assert.deepEqual([count(0, 0), count(1, 0), count(0, 1), count(1, 1)], [3, 2, 2, 2]);
 * ```
 */
export function stratifiedFolds(
  y: ArrayLike<number>,
  k: number,
  options: StratifiedFoldsOptions = {},
): Int32Array {
  const action = "make stratified folds";
  checkOptionKeys(action, options, FOLDS_KEYS);
  checkSeed(action, options.seed);
  if (options.classes !== undefined && !Array.isArray(options.classes)) {
    throw new TypeError(
      `Cannot ${action}: classes must be an array of labels, got ${describe(options.classes)}`,
    );
  }
  assertLabels(action, y, y?.length ?? 0, options.classes?.length);
  assertInRange(action, "k", k, 2, Infinity, true);
  const n = y.length;
  if (n === 0) throw new RangeError(`Cannot ${action}: y has no rows`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    let g = groups.get(y[i]);
    if (!g) groups.set(y[i], g = []);
    g.push(i);
  }
  const order = [...groups.keys()].sort((a, b) => a - b);
  // The smallest class present (the first of equals) is the one named.
  let smallest = order[0];
  for (const c of order) if (groups.get(c)!.length < groups.get(smallest)!.length) smallest = c;
  const fewest = groups.get(smallest)!.length;
  if (fewest < k) {
    const name = options.classes?.[smallest] ?? String(smallest);
    throw new RangeError(
      `Cannot ${action}: class ${quotedText(name)} has ${counted(fewest, "row")}, fewer than ` +
        `k = ${k} folds, so some fold would validate without it; ${
          fewest >= 2
            ? `lower k to at most ${fewest}`
            : "no k can make stratified folds (each needs a row of every class to validate on, " +
              "and k is at least 2): give the class more rows or leave it out"
        }`,
    );
  }
  const prng = createPrng(options.seed ?? 0);
  const folds = new Int32Array(n);
  let next = 0;
  for (const c of order) {
    const g = shuffleInPlace(groups.get(c)!, prng);
    for (let i = 0; i < g.length; i++) {
      folds[g[i]] = next;
      next = next + 1 === k ? 0 : next + 1;
    }
  }
  return folds;
}
