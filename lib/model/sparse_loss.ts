/**
 * The loss backend of sparse (CSR) features: `accumulateSparseLoss` (the sums of `accumulateLoss`
 * visiting only the stored entries of each row, in float64 TypeScript) bound to the data.
 *
 * Standardisation is never applied to the whole matrix (it would fill in every zero). Each
 * standardised element is written `c_j + v_ij`: `c_j` is the standardised value of an absent
 * entry, `(0 - mean_j) / scale_j`, for a column with absent entries, and 0 for a column stored in
 * every row; `v_ij` is `s_ij - c_j` for a stored entry whose standardised value is `s_ij` (as the
 * dense kernel computes it), 0 for an absent one. The kernel runs on the stored `v_ij` (computed
 * once, a copy of the values) with the bias `b + sum_j w_j c_j`, and the weight gradient gets
 * `c_j sum_i r_i`: the same loss and gradient, with every sum over values of standardised size
 * (raw values near the float64 limits overflow or underflow their sums and squares), and a
 * constant column stored in every row exactly 0, as in the dense kernel.
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
 * into each call's bias and gradient (see the module). Its moments for L-BFGS's preconditioner
 * are means and variances only, zeros counted: the preconditioner is the diagonal one (no dense
 * covariance).
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
  const folded = preprocessing.kind === "standardize"
    ? foldStandardization(x, preprocessing)
    : null;
  const bf = new Float64Array(k), gb = new Float64Array(k);
  const accumulate = (
    rows: ArrayLike<number> | null,
    start: number,
    end: number,
    w: Float64Array,
    b: Float64Array,
    gradW: Float64Array | null,
    gradB: Float64Array | null,
  ): BatchLoss => {
    if (folded === null) {
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
    const { v, absent } = folded;
    for (let c = 0; c < k; c++) {
      let shift = 0;
      for (let j = 0; j < d; j++) shift += w[c * d + j] * absent[j];
      bf[c] = b[c] + shift;
    }
    if (gradW === null) {
      return accumulateSparseLoss(
        v,
        y,
        rows,
        start,
        end,
        w,
        bf,
        link,
        null,
        null,
        scratch,
        sampleWeight,
      );
    }
    gb.fill(0);
    const r = accumulateSparseLoss(
      v,
      y,
      rows,
      start,
      end,
      w,
      bf,
      link,
      gradW,
      gb,
      scratch,
      sampleWeight,
    );
    for (let c = 0; c < k; c++) {
      const g = gb[c];
      for (let j = 0; j < d; j++) gradW[c * d + j] += absent[j] * g;
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
 * The standardised value of an absent entry of each column (0 for a column stored in every row),
 * and the CSR matrix of the stored entries' standardised values less it (see the module).
 */
function foldStandardization(
  x: CsrMatrix,
  p: Preprocessing & { kind: "standardize" },
): { v: CsrMatrix<Float64Array>; absent: Float64Array } {
  const { rows, cols: d, indices, values } = x;
  const inv = p.scale.map((s) => 1 / s);
  const stored = new Float64Array(d);
  for (let q = 0; q < indices.length; q++) stored[indices[q]]++;
  const absent = new Float64Array(d);
  for (let j = 0; j < d; j++) if (stored[j] < rows) absent[j] = (0 - p.mean[j]) * inv[j];
  const v = new Float64Array(values.length);
  for (let q = 0; q < values.length; q++) {
    const j = indices[q];
    v[q] = (values[q] - p.mean[j]) * inv[j] - absent[j];
  }
  return { v: { ...x, values: v }, absent };
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
  // The absent entries' terms only where there are some: a column stored in every sampled row
  // may have an absent value beyond float64 (0 * Infinity would be NaN).
  for (let j = 0; j < d; j++) {
    if (stored[j] < count) mean[j] += (count - stored[j]) * zero[j];
    mean[j] /= count;
  }
  count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const j = indices[q], v = (values[q] - shift[j]) * inv[j] - mean[j];
      variance[j] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    const z = zero[j] - mean[j];
    if (stored[j] < count) variance[j] += (count - stored[j]) * z * z;
    variance[j] /= count;
  }
  return { mean, variance, covariance: null };
}
