/**
 * The loss backend of sparse (CSR) features: `accumulateSparseLoss` (the sums of `accumulateLoss`
 * visiting only the stored entries of each row, in float64 TypeScript) bound to the data.
 * Standardisation is never applied to the data (it would fill in every zero): it is folded into the weights and bias of each call,
 * `z = x · (w / scale) + (b - sum_j mean_j w_j / scale_j)`, and the weight gradient unfolded,
 * `g_j = (sum_i r_i x_ij - mean_j sum_i r_i) / scale_j`, the gradient of the same loss.
 *
 * @module
 */

import type { CsrMatrix } from "../core/sparse.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import type { BoundLoss } from "./engine.ts";
import { accumulateSparseLoss, type BatchLoss } from "./loss.ts";
import type { Link } from "./types.ts";

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
 * `ceil(nSamples / maxRows)`-th row (at most `maxRows`), zeros counted; no covariance. Summed over
 * preprocessed values, whose squares stay finite where those of raw values near the float64
 * limits would not.
 */
function sparseMoments(
  x: CsrMatrix,
  prep: Preprocessing,
  maxRows: number,
): { mean: Float64Array; variance: Float64Array; covariance: null } {
  const { rows: n, cols: d, indptr, indices, values } = x;
  const step = Math.max(1, Math.ceil(n / maxRows));
  // Preprocessed value = (raw - shift) * inv; that of an absent entry is `zero`.
  const shift = prep.kind === "standardize" ? prep.mean : new Float64Array(d);
  const inv = prep.kind === "standardize"
    ? prep.scale.map((s) => 1 / s)
    : new Float64Array(d).fill(1);
  const zero = new Float64Array(d);
  for (let j = 0; j < d; j++) zero[j] = (0 - shift[j]) * inv[j];
  const mean = new Float64Array(d), variance = new Float64Array(d), stored = new Float64Array(d);
  let count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const j = indices[q];
      mean[j] += (values[q] - shift[j]) * inv[j];
      stored[j]++;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] + (count - stored[j]) * zero[j]) / count;
  count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const j = indices[q], v = (values[q] - shift[j]) * inv[j] - mean[j];
      variance[j] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    const z = zero[j] - mean[j];
    variance[j] = (variance[j] + (count - stored[j]) * z * z) / count;
  }
  return { mean, variance, covariance: null };
}
