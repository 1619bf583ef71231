/**
 * The log-loss kernel on sparse (CSR) features: the sums of {@linkcode accumulateLoss} visiting
 * only the stored entries of each row, in float64 TypeScript. Standardisation is never applied to
 * the data (it would fill in every zero): it is folded into the weights and bias of each call,
 * `z = x · (w / scale) + (b - sum_j mean_j w_j / scale_j)`, and the weight gradient unfolded,
 * `g_j = (sum_i r_i x_ij - mean_j sum_i r_i) / scale_j`, the gradient of the same loss.
 *
 * @module
 */

import type { CsrMatrix } from "../core/sparse.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import type { BoundLoss } from "./engine.ts";
import { type BatchLoss, sigmoid, softplus } from "./loss.ts";
import type { Link } from "./types.ts";

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
    ? sigmoidBatch(x, y, rows, start, end, w, b, gradW, gradB, sampleWeight)
    : softmaxBatch(x, y, rows, start, end, w, b, gradW, gradB, scratch, sampleWeight);
}

function sigmoidBatch(
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

function softmaxBatch(
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

/**
 * Binds CSR features, their preprocessing and the link to the sparse kernel: the loss backend
 * `fit` trains sparse data on (TypeScript, float64 sums, one thread). Standardisation is folded
 * into each call's weights (see the module). Its moments for L-BFGS's preconditioner are means and
 * variances only, zeros counted: the preconditioner is the diagonal one (no dense covariance).
 *
 * @param x Raw features, CSR, shape `(nSamples, nFeatures)` (checked by the caller).
 * @param y Class index per sample.
 * @param options Preprocessing, link, outputs, and sample weights (one finite weight >= 0 per
 *   row, checked by the caller).
 * @returns The bound loss (`backend: "ts"`).
 */
export function bindSparseLoss(
  x: CsrMatrix,
  y: Int32Array,
  options: {
    preprocessing: Preprocessing;
    link: Link;
    nOutputs: number;
    sampleWeight?: Float64Array;
  },
): BoundLoss {
  const { preprocessing, link, nOutputs: k } = options;
  const sampleWeight = options.sampleWeight ?? null;
  const d = x.cols;
  const scratch = new Float64Array(k);
  const p = preprocessing.kind === "standardize" ? preprocessing : null;
  // Folded weights and bias, and the gradient with respect to them.
  const wf = p === null ? null : new Float64Array(k * d);
  const bf = p === null ? null : new Float64Array(k);
  const gw = p === null ? null : new Float64Array(k * d);
  const gb = p === null ? null : new Float64Array(k);
  const accumulate = (
    rows: ArrayLike<number> | null,
    start: number,
    end: number,
    w: Float64Array,
    b: Float64Array,
    gradW: Float64Array | null,
    gradB: Float64Array | null,
  ): BatchLoss => {
    if (p === null) {
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
    // As foldPreprocessing folds a model for inference.
    for (let c = 0; c < k; c++) {
      let shift = 0;
      for (let j = 0; j < d; j++) {
        const v = w[c * d + j] / p.scale[j];
        wf![c * d + j] = v;
        shift += v * p.mean[j];
      }
      bf![c] = b[c] - shift;
    }
    if (gradW === null) {
      return accumulateSparseLoss(
        x,
        y,
        rows,
        start,
        end,
        wf!,
        bf!,
        link,
        null,
        null,
        scratch,
        sampleWeight,
      );
    }
    gw!.fill(0);
    gb!.fill(0);
    const r = accumulateSparseLoss(
      x,
      y,
      rows,
      start,
      end,
      wf!,
      bf!,
      link,
      gw,
      gb,
      scratch,
      sampleWeight,
    );
    for (let c = 0; c < k; c++) {
      const g = gb![c];
      for (let j = 0; j < d; j++) {
        gradW[c * d + j] += (gw![c * d + j] - p.mean[j] * g) / p.scale[j];
      }
      gradB![c] += g;
    }
    return r;
  };
  return {
    backend: "ts",
    threads: 1,
    rows: x.rows,
    accumulate,
    sampleMoments: (maxRows) => sparseMoments(x, preprocessing, maxRows),
    close() {},
  };
}

/**
 * Means and population variances of the preprocessed features on every
 * `ceil(nSamples / maxRows)`-th row (at most `maxRows`), zeros counted; no covariance.
 */
function sparseMoments(
  x: CsrMatrix,
  prep: Preprocessing,
  maxRows: number,
): { mean: Float64Array; variance: Float64Array; covariance: null } {
  const { rows: n, cols: d, indptr, indices, values } = x;
  const step = Math.max(1, Math.ceil(n / maxRows));
  const sum = new Float64Array(d), mean = new Float64Array(d), variance = new Float64Array(d);
  const stored = new Float64Array(d);
  let count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      sum[indices[q]] += values[q];
      stored[indices[q]]++;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = sum[j] / count;
  count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const v = values[q] - mean[indices[q]];
      variance[indices[q]] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    variance[j] = (variance[j] + (count - stored[j]) * mean[j] * mean[j]) / count;
    if (prep.kind === "standardize") {
      mean[j] = (mean[j] - prep.mean[j]) / prep.scale[j];
      variance[j] /= prep.scale[j] * prep.scale[j];
    }
  }
  return { mean, variance, covariance: null };
}
