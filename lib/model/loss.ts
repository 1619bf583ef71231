/**
 * The log-loss kernel: scores, numerically stable loss, and gradient accumulation in one pass
 * over the rows of a batch. Reference TypeScript implementation; faster backends must agree with
 * it.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import { type CsrMatrix, isCsr } from "../core/sparse.ts";
import type { Link } from "./types.ts";

/** Sum of per-sample log losses over a batch, and how many samples the scores classify right. */
export interface BatchLoss {
  /** Sum (not mean) of the per-sample log losses, each times its sample weight if given. */
  loss: number;
  /** Number of samples whose highest score is their label's (not weighted). */
  correct: number;
}

/**
 * `log(1 + exp(t))` without overflow or loss of precision.
 *
 * @param t Any number.
 * @returns The softplus of `t`.
 */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/**
 * The logistic function without overflow.
 *
 * @param t Any number.
 * @returns `1 / (1 + exp(-t))`.
 */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/**
 * Accumulates the log loss over a batch of rows and, if gradient buffers are given, adds the
 * gradient of the summed loss into them. Stable at any score: log-sum-exp for softmax,
 * softplus for sigmoid. With sample weights, row `i`'s loss and gradient are multiplied by
 * `sampleWeight[i]` (the count of correct rows is not weighted); without them (`null`), every
 * row counts once, bit for bit as a weight of 1.
 *
 * @param x Features, shape `(nSamples, nFeatures)`, already preprocessed; or CSR features used as
 *   they are (see {@linkcode accumulateSparseLoss}).
 * @param y Class index per sample.
 * @param rows Row indices to visit (`rows[start..end)`), or `null` for rows `start..end-1`.
 * @param start First position.
 * @param end One past the last position.
 * @param w Weights, shape `(nOutputs, nFeatures)` row-major.
 * @param b Bias, shape `(nOutputs)`.
 * @param link The link.
 * @param gradW Receives the summed weight gradient (added to), or `null`.
 * @param gradB Receives the summed bias gradient (added to), or `null`.
 * @param scratch A buffer of at least `nOutputs` elements.
 * @param sampleWeight Weight per row (indexed by row, not position), finite and >= 0, or `null`.
 * @returns The summed loss and the number of correctly classified samples.
 */
export function accumulateLoss(
  x: Matrix | CsrMatrix,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  link: Link,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  scratch: Float64Array,
  sampleWeight: ArrayLike<number> | null = null,
): BatchLoss {
  if (isCsr(x)) {
    return accumulateSparseLoss(
      x,
      y,
      rows,
      start,
      end,
      w,
      b,
      link,
      gradW,
      gradB,
      scratch,
      sampleWeight,
    );
  }
  return link === "sigmoid"
    ? sigmoidBatch(x.data, x.cols, y, rows, start, end, w, b, gradW, gradB, sampleWeight)
    : softmaxBatch(x.data, x.cols, y, rows, start, end, w, b, gradW, gradB, scratch, sampleWeight);
}

function sigmoidBatch(
  x: FloatArray,
  d: number,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  sw: ArrayLike<number> | null,
): BatchLoss {
  let loss = 0, correct = 0;
  const b0 = b[0];
  for (let p = start; p < end; p++) {
    const i = rows === null ? p : rows[p];
    const o = i * d;
    let z = b0;
    for (let j = 0; j < d; j++) z += w[j] * x[o + j];
    const t = y[i];
    // A weight of 1 multiplies exactly: unweighted sums are those of the plain formulas.
    const s = sw === null ? 1 : sw[i];
    // -log p(t | z) = softplus(z) - t * z
    loss += s * (softplus(z) - t * z);
    if ((z > 0 ? 1 : 0) === t) correct++;
    if (gradW !== null) {
      const r = s * (sigmoid(z) - t);
      for (let j = 0; j < d; j++) gradW[j] += r * x[o + j];
      gradB![0] += r;
    }
  }
  return { loss, correct };
}

function softmaxBatch(
  x: FloatArray,
  d: number,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  z: Float64Array,
  sw: ArrayLike<number> | null,
): BatchLoss {
  const k = b.length;
  let loss = 0, correct = 0;
  for (let p = start; p < end; p++) {
    const i = rows === null ? p : rows[p];
    const o = i * d;
    let best = 0;
    for (let c = 0; c < k; c++) {
      const wo = c * d;
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[wo + j] * x[o + j];
      z[c] = s;
      if (s > z[best]) best = c;
    }
    const t = y[i];
    const m = z[best];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[c] - m);
    const lse = m + Math.log(sum);
    const s = sw === null ? 1 : sw[i];
    loss += s * (lse - z[t]);
    if (best === t) correct++;
    if (gradW !== null) {
      for (let c = 0; c < k; c++) {
        const r = s * (Math.exp(z[c] - lse) - (c === t ? 1 : 0));
        if (r === 0) continue;
        const wo = c * d;
        for (let j = 0; j < d; j++) gradW[wo + j] += r * x[o + j];
        gradB![c] += r;
      }
    }
  }
  return { loss, correct };
}

/**
 * Accumulates the log loss over a batch of rows of CSR features and, if gradient buffers are
 * given, adds the gradient of the summed loss into them: the contract of `accumulateLoss`, on
 * features used as they are (no preprocessing). A row's score adds `w_j x_j` over its stored
 * entries in column order, and a gradient entry `r_i x_ij` over rows in batch order: the sums of
 * the dense kernel on `csrToDense(x)` less its terms of a zero feature, each of which is `±0` for
 * finite weights, so the two give the same bits.
 *
 * @param x Features, CSR, shape `(nSamples, nFeatures)`.
 * @param y Class index per sample.
 * @param rows Row indices to visit (`rows[start..end)`), or `null` for rows `start..end-1`.
 * @param start First position.
 * @param end One past the last position.
 * @param w Weights, shape `(nOutputs, nFeatures)` row-major.
 * @param b Bias, shape `(nOutputs)`.
 * @param link The link.
 * @param gradW Receives the summed weight gradient (added to), or `null`.
 * @param gradB Receives the summed bias gradient (added to), or `null`.
 * @param scratch A buffer of at least `nOutputs` elements.
 * @param sampleWeight Weight per row (indexed by row), finite and >= 0, or `null`.
 * @returns The summed loss and the number of correctly classified samples.
 */
export function accumulateSparseLoss(
  x: CsrMatrix,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  link: Link,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  scratch: Float64Array,
  sampleWeight: ArrayLike<number> | null = null,
): BatchLoss {
  return link === "sigmoid"
    ? sparseSigmoidBatch(x, y, rows, start, end, w, b, gradW, gradB, sampleWeight)
    : sparseSoftmaxBatch(x, y, rows, start, end, w, b, gradW, gradB, scratch, sampleWeight);
}

function sparseSigmoidBatch(
  x: CsrMatrix,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  sw: ArrayLike<number> | null,
): BatchLoss {
  const { indptr, indices, values } = x;
  let loss = 0, correct = 0;
  const b0 = b[0];
  for (let p = start; p < end; p++) {
    const i = rows === null ? p : rows[p];
    const s0 = indptr[i], s1 = indptr[i + 1];
    let z = b0;
    for (let q = s0; q < s1; q++) z += w[indices[q]] * values[q];
    const t = y[i];
    const s = sw === null ? 1 : sw[i];
    loss += s * (softplus(z) - t * z);
    if ((z > 0 ? 1 : 0) === t) correct++;
    if (gradW !== null) {
      const r = s * (sigmoid(z) - t);
      for (let q = s0; q < s1; q++) gradW[indices[q]] += r * values[q];
      gradB![0] += r;
    }
  }
  return { loss, correct };
}

function sparseSoftmaxBatch(
  x: CsrMatrix,
  y: ArrayLike<number>,
  rows: ArrayLike<number> | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  gradW: Float64Array | null,
  gradB: Float64Array | null,
  z: Float64Array,
  sw: ArrayLike<number> | null,
): BatchLoss {
  const { indptr, indices, values, cols: d } = x;
  const k = b.length;
  let loss = 0, correct = 0;
  for (let p = start; p < end; p++) {
    const i = rows === null ? p : rows[p];
    const s0 = indptr[i], s1 = indptr[i + 1];
    let best = 0;
    for (let c = 0; c < k; c++) {
      const wo = c * d;
      let s = b[c];
      for (let q = s0; q < s1; q++) s += w[wo + indices[q]] * values[q];
      z[c] = s;
      if (s > z[best]) best = c;
    }
    const t = y[i];
    const m = z[best];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[c] - m);
    const lse = m + Math.log(sum);
    const s = sw === null ? 1 : sw[i];
    loss += s * (lse - z[t]);
    if (best === t) correct++;
    if (gradW !== null) {
      for (let c = 0; c < k; c++) {
        const r = s * (Math.exp(z[c] - lse) - (c === t ? 1 : 0));
        if (r === 0) continue;
        const wo = c * d;
        for (let q = s0; q < s1; q++) gradW[wo + indices[q]] += r * values[q];
        gradB![c] += r;
      }
    }
  }
  return { loss, correct };
}
