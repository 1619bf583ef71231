/**
 * Which WebAssembly kernel scores a float model, from the zero pattern of its (folded) weights:
 * the dense kernel, the sparse CSR kernel for pruned weights, or the feature-subset kernel when
 * whole input features are unused (structured pruning) or when the caller maps the model's
 * features to columns of wider data. Used by `predict`, `decisionFunction`, `predictProba` and
 * `preparePredictor`; it never reads the preprocessing (the caller folds it in).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { FeatureSubsetForm, SparseForm } from "../kernels/forms.ts";
import {
  oneShotScorers,
  prepareDense,
  prepareFeatureSubset,
  prepareSparse,
  type Scorer,
  type ScorerOptions,
} from "../kernels/scorers.ts";

/** Which backend scores: see `PredictOptions.backend`. */
export type PredictBackend = "auto" | "wasm" | "ts";

/**
 * Work per call (`nSamples * nFeatures * nOutputs` multiply-adds) from which `"auto"` scores
 * float32 inputs with the WebAssembly kernels: below it the float64 TypeScript loops are as
 * fast (measured with `deno bench tests/bench/kernels_bench.ts`, group `predict`).
 */
export const PREDICT_WASM_MIN_WORK = 2 ** 13;

/**
 * Whether a call on `x` doing `perRow` multiply-adds per row runs on the kernels.
 *
 * @param backend The backend asked for.
 * @param x The inputs.
 * @param perRow Multiply-adds per row of the dense computation.
 * @returns `true` for the kernels.
 */
export function useKernels(backend: PredictBackend, x: Matrix, perRow: number): boolean {
  if (backend === "ts") return false;
  if (backend === "wasm") return true;
  return x.data instanceof Float32Array && x.rows * perRow >= PREDICT_WASM_MIN_WORK;
}

/** The kernel chosen for a weight matrix. */
export type KernelPlan =
  | { readonly kind: "dense" }
  | { readonly kind: "sparse"; readonly form: SparseForm }
  | { readonly kind: "subset"; readonly form: FeatureSubsetForm };

/**
 * Estimated cost per input row of each kernel, in cycles of one core, from throughputs measured
 * on 10,000 x 784 Fashion-MNIST rows in cache (`deno task bench:infer`): the dense kernel does
 * about eight multiply-adds per cycle; the sparse one about 0.8 cycle per block of one feature
 * by four outputs; the subset one about 1.5 cycles per kept feature to gather it, then dense
 * work on the kept features.
 */
function costs(k: number, d: number, blocks: number, kept: number) {
  return {
    dense: (k * d) / 8 + 4 * k,
    sparse: 0.8 * blocks + 8 * Math.ceil(k / 4),
    subset: 1.5 * kept + (k * kept) / 8 + 4 * k,
  };
}

/**
 * Picks the kernel for weights `(k, d)` on inputs of width `width` whose column `columns[q]`
 * feeds feature `q` (the identity when `columns` is absent).
 *
 * @param weights Effective weights (preprocessing folded), shape `(k, d)`.
 * @param bias Effective bias, shape `(k)`.
 * @param columns Input column of each feature, or `null`.
 * @param width Input width.
 * @returns The plan.
 */
export function planKernel(
  weights: Float64Array,
  bias: Float64Array,
  columns: ArrayLike<number> | null,
  width: number,
): KernelPlan {
  const k = bias.length, d = weights.length / k;
  const usedFeature = new Uint8Array(d);
  let blocks = 0;
  for (let g = 0; g < k; g += 4) {
    for (let j = 0; j < d; j++) {
      let used = false;
      for (let c = g; c < Math.min(k, g + 4); c++) if (weights[c * d + j] !== 0) used = true;
      if (used) {
        blocks++;
        usedFeature[j] = 1;
      }
    }
  }
  const kept: number[] = [];
  for (let j = 0; j < d; j++) if (usedFeature[j]) kept.push(j);
  const col = (j: number) => (columns === null ? j : columns[j]);
  if (columns !== null) {
    // Wider data: gather the kept features.
    return { kind: "subset", form: subsetForm(weights, bias, kept, col, width) };
  }
  const cost = costs(k, d, blocks, kept.length);
  if (cost.subset < cost.dense && cost.subset <= cost.sparse) {
    return { kind: "subset", form: subsetForm(weights, bias, kept, col, width) };
  }
  if (cost.sparse < cost.dense) return { kind: "sparse", form: sparseForm(weights, bias, d) };
  return { kind: "dense" };
}

function subsetForm(
  weights: Float64Array,
  bias: Float64Array,
  kept: number[],
  col: (j: number) => number,
  width: number,
): FeatureSubsetForm {
  const k = bias.length, d = weights.length / k, m = kept.length;
  const w = new Float64Array(k * m);
  for (let c = 0; c < k; c++) for (let t = 0; t < m; t++) w[c * m + t] = weights[c * d + kept[t]];
  return { features: Int32Array.from(kept, col), weights: w, bias, nFeatures: width };
}

function sparseForm(weights: Float64Array, bias: Float64Array, d: number): SparseForm {
  const k = bias.length;
  const indptr = new Int32Array(k + 1), indices: number[] = [], values: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const v = weights[c * d + j];
      if (v !== 0) {
        indices.push(j);
        values.push(v);
      }
    }
    indptr[c + 1] = indices.length;
  }
  return {
    indptr,
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
    bias,
    nFeatures: d,
  };
}

/**
 * A scorer for the plan: prepared (own memory, any number of calls) or one-shot (the shared
 * workspace, for one call on about `rows` rows; close it before the next).
 *
 * @param plan The kernel plan.
 * @param weights Effective weights `(k, d)` (for the dense kernel).
 * @param bias Effective bias.
 * @param rows `null` for a prepared scorer, else the rows of the one call.
 * @param options Threads.
 * @returns The scorer.
 */
export function kernelScorer(
  plan: KernelPlan,
  weights: Float64Array,
  bias: Float64Array,
  rows: number | null,
  options: ScorerOptions,
): Scorer<Matrix> {
  const o = { threads: options.threads };
  switch (plan.kind) {
    case "dense":
      return rows === null
        ? prepareDense({ weights, bias }, o)
        : oneShotScorers.dense(rows, { weights, bias }, o);
    case "sparse":
      return rows === null
        ? prepareSparse(plan.form, o)
        : oneShotScorers.sparse(rows, plan.form, o);
    case "subset":
      return rows === null
        ? prepareFeatureSubset(plan.form, o)
        : oneShotScorers.subset(rows, plan.form, o);
  }
}

/**
 * Scores with a kernel scorer into a float64 matrix, validating the inputs; rows whose float32
 * scores overflowed (finite inputs of huge magnitude) are recomputed in float64.
 *
 * @param scorer The scorer.
 * @param x Inputs.
 * @param reference Float64 scores of one row `i` into `out` at `i * k` (the TypeScript path).
 * @returns Scores `(nSamples, k)`.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function scoreRows(
  scorer: Scorer<Matrix>,
  x: Matrix,
  reference: (i: number, out: Float64Array) => void,
): Matrix<Float64Array> {
  const k = scorer.nOutputs, n = x.rows;
  const out = scorer.scores(x, { out: new Float64Array(n * k), validate: true });
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = out[i * k + c];
      if (v - v !== 0) {
        reference(i, out);
        break;
      }
    }
  }
  return { data: out, rows: n, cols: k };
}

/**
 * The float64 reference scores of row `i` (feature `j` read from column `columns[j]`).
 *
 * @param weights Effective weights `(k, d)`.
 * @param bias Effective bias `(k)`.
 * @param x Inputs.
 * @param columns Input column of each feature, or `null`.
 * @param i The row.
 * @param out Scores, row `i` written at `i * k`.
 */
export function referenceRow(
  weights: Float64Array,
  bias: Float64Array,
  x: Matrix,
  columns: ArrayLike<number> | null,
  i: number,
  out: Float64Array,
): void {
  const k = bias.length, d = weights.length / k, xd = x.data, o = i * x.cols;
  for (let c = 0; c < k; c++) {
    const wo = c * d;
    let s = bias[c];
    if (columns === null) {
      for (let j = 0; j < d; j++) s += weights[wo + j] * xd[o + j];
    } else {
      for (let j = 0; j < d; j++) s += weights[wo + j] * xd[o + columns[j]];
    }
    out[i * k + c] = s;
  }
}
