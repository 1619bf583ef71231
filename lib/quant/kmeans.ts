/**
 * One-dimensional k-means (Lloyd's algorithm on sorted values), the clustering behind weight
 * sharing: k-means++ seeding (Arthur and Vassilvitskii 2007) or Deep Compression's linear
 * initialisation (Han et al. 2016).
 *
 * @module
 */

import { checkSeed, createPrng } from "../core/random.ts";
import { assertFinite, assertInRange, checkOptionKeys, type OptionKeys } from "../core/validate.ts";

/** Options for {@linkcode kmeans1d}. */
export interface Kmeans1dOptions {
  /**
   * `"kmeans++"`: seeded D² sampling; `"linear"`: `k` points evenly spaced between the smallest
   * and the largest value, both included, or for `k = 1` the point halfway between them (Deep
   * Compression's choice, which keeps large weights represented).
   * @default {"kmeans++"}
   */
  init?: "kmeans++" | "linear";
  /**
   * Seed of the k-means++ draws.
   * @default {0}
   */
  seed?: number;
  /**
   * Iteration limit of Lloyd's algorithm.
   * @default {100}
   */
  maxIterations?: number;
}

/** The result of {@linkcode kmeans1d}. */
export interface Kmeans1dResult {
  /** The `k` centroids, ascending. */
  readonly centroids: Float64Array;
  /**
   * The objective (sum of squared distances to the nearest centroid) at the initial centroids
   * and after each iteration; it never increases, but for rounding (a mean computed in float64
   * can leave a value it equals exactly: five copies of 0.8500000000000001 average to 0.85).
   */
  readonly objective: readonly number[];
  /** Lloyd iterations done. */
  readonly iterations: number;
  /** Whether the assignment stopped changing before the iteration limit. */
  readonly converged: boolean;
}

const ACTION = "run k-means";

/**
 * Clusters numbers into `k` groups, minimising the sum of squared distances to the group means.
 * Every iteration assigns each value to its nearest centroid and moves each centroid to the mean
 * of its values (a centroid without values stays where it is), so the objective never increases
 * (but for the rounding of a float64 mean).
 * In one dimension the clusters are intervals of the sorted values, so an iteration is a linear
 * sweep.
 *
 * @param values The numbers (not modified).
 * @param k Number of clusters, 1 .. the number of distinct values.
 * @param options Initialisation, seed, iteration limit.
 * @returns Ascending centroids, the objective history, iterations.
 * @throws {RangeError} If there are no values, `k` is not an integer in `1 .. distinct values`,
 *   `maxIterations` is not an integer `>= 0`, or a value is NaN or infinite.
 * @throws {TypeError} If `seed` is given and not a finite number.
 *
 * @example Two obvious clusters
 * ```ts
 * import { kmeans1d } from "./kmeans.ts";
 * import assert from "node:assert/strict";
 *
 * const r = kmeans1d(Float64Array.from([0, 0.1, 0.2, 5, 5.1, 5.2]), 2, { seed: 1 });
 * assert.deepEqual([...r.centroids].map((c) => c.toFixed(3)), ["0.100", "5.100"]);
 * ```
 */
export function kmeans1d(
  values: ArrayLike<number>,
  k: number,
  options: Kmeans1dOptions = {},
): Kmeans1dResult {
  assertFinite(ACTION, "values", values);
  checkOptionKeys(
    ACTION,
    options,
    {
      init: true,
      seed: true,
      maxIterations: true,
    } satisfies OptionKeys<Kmeans1dOptions>,
  );
  checkSeed(ACTION, options.seed);
  const sorted = Float64Array.from(values).sort();
  const distinct = countDistinct(sorted);
  assertInRange(ACTION, "k", k, 1, Math.max(1, distinct), true);
  if (distinct === 0) {
    throw new RangeError(`Cannot ${ACTION}: there are no values to cluster`);
  }
  const maxIterations = options.maxIterations ?? 100;
  assertInRange(ACTION, "maxIterations", maxIterations, 0, Infinity, true);
  const init = options.init ?? "kmeans++";
  if (init !== "kmeans++" && init !== "linear") {
    throw new RangeError(`Cannot ${ACTION}: init must be kmeans++ or linear, got ${init}`);
  }
  const c = init === "linear"
    ? linearInit(sorted, k)
    : kmeansPlusPlus(sorted, k, options.seed ?? 0);
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  const start = new Int32Array(k + 1); // cluster p holds sorted[start[p] .. start[p + 1] - 1]
  const previous = new Int32Array(k + 1);
  assign(sorted, c, start);
  const objective = [sse(sorted, c, start)];
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < k; p++) {
      for (let i = start[p]; i < start[p + 1]; i++) sums[p] += sorted[i];
      counts[p] = start[p + 1] - start[p];
    }
    for (let p = 0; p < k; p++) {
      if (counts[p] === 0) continue;
      c[p] = sums[p] / counts[p];
      // Values near the float64 limit overflow their sum (an infinite centroid): sum the
      // shares instead, which the common case is spared for its exact rounding.
      if (!Number.isFinite(c[p])) {
        let mean = 0;
        for (let i = start[p]; i < start[p + 1]; i++) mean += sorted[i] / counts[p];
        c[p] = mean;
      }
    }
    previous.set(start);
    assign(sorted, c, start);
    iterations++;
    objective.push(sse(sorted, c, start));
    let same = true;
    for (let p = 0; p <= k; p++) if (start[p] !== previous[p]) same = false;
    if (same) {
      converged = true;
      break;
    }
  }
  return { centroids: c, objective, iterations, converged };
}

/** Number of distinct values of a sorted array. */
export function countDistinct(sorted: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) d++;
  return d;
}

/**
 * Nearest-centroid assignment of sorted values to ascending centroids: the boundaries between
 * clusters. A value exactly halfway goes to the lower centroid.
 */
function assign(sorted: Float64Array, c: Float64Array, start: Int32Array): void {
  const k = c.length, n = sorted.length;
  let p = 0;
  start[0] = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i];
    while (p < k - 1 && v - c[p] > c[p + 1] - v) start[++p] = i;
  }
  while (p < k - 1) start[++p] = n;
  start[k] = n;
}

function sse(sorted: Float64Array, c: Float64Array, start: Int32Array): number {
  let s = 0;
  for (let p = 0; p < c.length; p++) {
    const cp = c[p];
    for (let i = start[p]; i < start[p + 1]; i++) {
      const d = sorted[i] - cp;
      s += d * d;
    }
  }
  return s;
}

function linearInit(sorted: Float64Array, k: number): Float64Array {
  const lo = sorted[0], hi = sorted[sorted.length - 1];
  const c = new Float64Array(k);
  if (k === 1) {
    c[0] = Number.isFinite(lo + hi) ? (lo + hi) / 2 : lo / 2 + hi / 2;
    return c;
  }
  // hi - lo overflows for values of both signs near the float64 limit: weigh the ends instead.
  const wide = !Number.isFinite(hi - lo);
  for (let p = 0; p < k; p++) {
    const t = p / (k - 1);
    c[p] = wide ? lo * (1 - t) + hi * t : lo + (hi - lo) * t;
  }
  return c;
}

/**
 * k-means++ on sorted values: the first centroid uniformly, each next one with probability
 * proportional to the squared distance to the nearest chosen one. A value already chosen has
 * distance 0, so with at least `k` distinct values the centroids are distinct (values whose
 * squared distances all underflow to 0 are then drawn uniformly).
 */
function kmeansPlusPlus(sorted: Float64Array, k: number, seed: number): Float64Array {
  // Squared distances overflow to Infinity beyond about 1.3e154, and Infinity - Infinity is NaN,
  // which always drew the last candidate: when they (or their sum) overflow, the draw is made
  // again on values scaled by a power of two (the same proportions, but gaps far below the
  // largest value then square to 0). Scaling only then keeps every draw that did not overflow.
  const n = sorted.length;
  const top = Math.max(Math.abs(sorted[0]), Math.abs(sorted[n - 1]));
  return plusPlusDraw(sorted, k, seed, 1) ??
    plusPlusDraw(sorted, k, seed, 2 ** -Math.ceil(Math.log2(top)))!;
}

/**
 * One k-means++ draw on the values times `unit` (a power of two); `null` if `unit` is 1 and a
 * squared distance or their sum overflows.
 */
function plusPlusDraw(
  sorted: Float64Array,
  k: number,
  seed: number,
  unit: number,
): Float64Array | null {
  const prng = createPrng(seed);
  const n = sorted.length;
  const d2 = new Float64Array(n);
  const chosen: number[] = [sorted[Math.floor(prng() * n)]];
  for (let i = 0; i < n; i++) {
    const d = sorted[i] * unit - chosen[0] * unit;
    d2[i] = d * d;
  }
  while (chosen.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i];
    if (unit === 1 && !Number.isFinite(total)) return null;
    let target = prng() * total;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if (d2[i] === 0) continue;
      pick = i;
      target -= d2[i];
      if (target < 0) break;
    }
    // Distinct values closer than about 1e-162 have squared distances that underflow to 0, as
    // if already chosen: when no other value is left, pick uniformly among those not chosen.
    if (pick === -1) {
      let left = 0;
      for (let i = 0; i < n; i++) if (!chosen.includes(sorted[i])) left++;
      let r = Math.floor(prng() * left);
      for (let i = 0; i < n && pick === -1; i++) {
        if (!chosen.includes(sorted[i]) && r-- === 0) pick = i;
      }
    }
    const c = sorted[pick];
    chosen.push(c);
    for (let i = 0; i < n; i++) {
      const d = sorted[i] * unit - c * unit;
      if (d * d < d2[i]) d2[i] = d * d;
    }
  }
  return Float64Array.from(chosen).sort();
}
