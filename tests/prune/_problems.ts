/**
 * Small seeded problems and a reference objective for the pruning tests.
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Preprocessing } from "../../lib/data/preprocess.ts";
import { type Link, type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";

/** Gaussian features with labels from a random linear model plus noise. */
export function problem(
  seed: number,
  n: number,
  d: number,
  k: number,
): { x: Matrix<Float64Array>; y: Int32Array } {
  const prng = createPrng(seed);
  const x = Float64Array.from({ length: n * d }, () => randomNormal(prng));
  const truth = Float64Array.from({ length: k * d }, () => randomNormal(prng));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = randomNormal(prng);
      for (let j = 0; j < d; j++) s += truth[c * d + j] * x[i * d + j];
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    y[i] = best;
  }
  return { x: { data: x, rows: n, cols: d }, y };
}

/** A model literal with the given weights. */
export function modelOf(
  link: Link,
  weights: Float64Array,
  bias: Float64Array,
  d: number,
  preprocessing: Preprocessing = { kind: "none" },
): LogisticModel {
  const rows = bias.length;
  const nClasses = link === "sigmoid" ? 2 : rows;
  return {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link,
    weights: { data: weights, rows, cols: d },
    bias,
    classes: Array.from({ length: nClasses }, (_, c) => `c${c}`),
    featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
    preprocessing,
  };
}

/**
 * Mean log loss plus `l2 / 2 ||W||²`, written out directly from the definitions (independent of
 * the library's kernels), on data already in the model's input space.
 */
export function objective(
  link: Link,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  x: Matrix,
  y: ArrayLike<number>,
  l2 = 0,
  rowsOnly?: readonly number[],
): number {
  const d = x.cols, k = b.length;
  const rows = rowsOnly ?? Array.from({ length: x.rows }, (_, i) => i);
  let total = 0;
  for (const i of rows) {
    const z: number[] = [];
    for (let c = 0; c < k; c++) {
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[c * d + j] * x.data[i * d + j];
      z.push(s);
    }
    if (link === "sigmoid") {
      const p = 1 / (1 + Math.exp(-z[0]));
      total -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    } else {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      total += lse - z[y[i]];
    }
  }
  let reg = 0;
  for (let i = 0; i < w.length; i++) reg += w[i] * w[i];
  return total / rows.length + 0.5 * l2 * reg;
}

/** Counts zeros in a mask. */
export function zerosOf(mask: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) z++;
  return z;
}
