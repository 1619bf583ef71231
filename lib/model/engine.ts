/**
 * Chooses the loss backend for training: the reference TypeScript kernel
 * ({@linkcode accumulateLoss}) or the WebAssembly SIMD engine over all cores
 * (`lib/kernels/loss_engine.ts`). Both compute the same sums; the wasm engine works on float32
 * copies of the features with float64 sums.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { type CsrMatrix, isCsr } from "../core/sparse.ts";
import { applyPreprocessing, type Preprocessing } from "../data/preprocess.ts";
import { createLossEngine } from "../kernels/loss_engine.ts";
import { accumulateLoss, type BatchLoss } from "./loss.ts";
import { bindSparseLoss } from "./sparse_loss.ts";
import type { Link } from "./types.ts";

/** Which loss kernel trains: `"auto"` picks wasm for large data. */
export type Backend = "auto" | "wasm" | "ts";

/**
 * Work per full pass (`nSamples * nFeatures * nOutputs`) from which `"auto"` uses wasm on
 * float32 data.
 */
export const WASM_MIN_WORK = 2 ** 22;

/**
 * Work per full pass from which `"auto"` uses wasm on float64 data too. The float64 TypeScript
 * kernel costs about 2 ns per unit of work (one pass over 4,500 x 2,000 features and 20 classes
 * took 0.36 s, wasm 0.025 s), so from here on a pass costs it more than 0.13 s and L-BFGS's
 * dozens of passes seconds to minutes; below it the float64 reference is kept.
 */
export const WASM_MIN_WORK_FLOAT64 = 2 ** 26;

/** A loss over one data set, with the contract of {@linkcode accumulateLoss}. */
export interface BoundLoss {
  /** The backend that runs. */
  readonly backend: "wasm" | "ts";
  /** Threads in use. */
  readonly threads: number;
  /** Samples. */
  readonly rows: number;
  /** See {@linkcode accumulateLoss}; `x`, `y`, link and scratch are bound. */
  accumulate(
    rows: ArrayLike<number> | null,
    start: number,
    end: number,
    w: Float64Array,
    b: Float64Array,
    gradW: Float64Array | null,
    gradB: Float64Array | null,
  ): BatchLoss;
  /**
   * Mean, population variance and (if asked) covariance `(nFeatures, nFeatures)` of the
   * preprocessed features, estimated on every `ceil(nSamples / maxRows)`-th row. The sparse
   * backend never gives the covariance (`null`, also when asked).
   */
  sampleMoments(
    maxRows: number,
    covariance: boolean,
  ): { mean: Float64Array; variance: Float64Array; covariance: Float64Array | null };
  /** Releases workers and memory. */
  close(): void;
}

/**
 * Whether {@linkcode bindLoss} runs `x` on the wasm engine, which stores float32 copies of the
 * (preprocessed) features: `"auto"` from {@linkcode WASM_MIN_WORK} on float32 data, from
 * {@linkcode WASM_MIN_WORK_FLOAT64} on standardised float64 data. Float64 data trained as they are
 * (preprocessing `"none"`) keep the float64 reference under `"auto"`: their float32 copies may not
 * hold them (beyond 3.4e38), and at 1e30 wasm's float32 passes left the loss at its start where
 * float64 fitted the data. Sparse (CSR) features never run on wasm (`fit` refuses `"wasm"` for
 * them).
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`, dense or CSR.
 * @param backend The backend asked for (`"auto"` when absent).
 * @param nOutputs Output rows of the weights.
 * @param preprocessing The preprocessing the loss applies to `x`.
 * @returns `true` for wasm.
 */
export function usesWasm(
  x: Matrix | CsrMatrix,
  backend: Backend | undefined,
  nOutputs: number,
  preprocessing: Preprocessing,
): boolean {
  if (isCsr(x)) return false;
  const choice = backend ?? "auto";
  if (choice !== "auto") return choice === "wasm";
  const work = x.rows * x.cols * nOutputs;
  if (x.data instanceof Float32Array) return work >= WASM_MIN_WORK;
  return preprocessing.kind === "standardize" && work >= WASM_MIN_WORK_FLOAT64;
}

/**
 * Binds raw data, their preprocessing and the link to a loss backend. Sparse (CSR) features bind
 * to the TypeScript sparse kernel (`bindSparseLoss`) whatever the backend asked for (`fit`
 * refuses `"wasm"` for them before).
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`, dense or CSR.
 * @param y Class index per sample.
 * @param options Preprocessing, link, outputs, backend choice, threads, and sample weights (one
 *   finite weight >= 0 per row, checked by the caller) that multiply each row's loss and
 *   gradient on either backend.
 * @returns The bound loss; call `close()` when done.
 */
export function bindLoss(
  x: Matrix | CsrMatrix,
  y: Int32Array,
  options: {
    preprocessing: Preprocessing;
    link: Link;
    nOutputs: number;
    backend?: Backend;
    threads?: number;
    sampleWeight?: Float64Array;
  },
): BoundLoss {
  if (isCsr(x)) return bindSparseLoss(x, y, options);
  const { preprocessing, link, nOutputs } = options;
  const sampleWeight = options.sampleWeight ?? null;
  const step = (maxRows: number) => Math.max(1, Math.ceil(x.rows / maxRows));
  if (usesWasm(x, options.backend, nOutputs, preprocessing)) {
    const engine = createLossEngine(x, y, link, nOutputs, {
      threads: options.threads,
      standardize: preprocessing.kind === "standardize" ? preprocessing : undefined,
      ...(sampleWeight === null ? {} : { sampleWeight }),
    });
    return {
      backend: "wasm",
      threads: engine.threads,
      rows: x.rows,
      accumulate: engine.accumulate,
      sampleMoments: (maxRows, covariance) => {
        if (!covariance) return sampledMoments(x, preprocessing, step(maxRows), maxRows);
        const g = engine.gram(step(maxRows), maxRows);
        return momentsFromGram(g.gram, g.sum, g.count);
      },
      close: engine.close,
    };
  }
  const xt = applyPreprocessing(preprocessing, x);
  const scratch = new Float64Array(nOutputs);
  return {
    backend: "ts",
    threads: 1,
    rows: x.rows,
    accumulate: (rows, start, end, w, b, gradW, gradB) =>
      accumulateLoss(xt, y, rows, start, end, w, b, link, gradW, gradB, scratch, sampleWeight),
    sampleMoments: (maxRows, covariance) => {
      if (!covariance) return sampledMoments(x, preprocessing, step(maxRows), maxRows);
      const d = x.cols, st = step(maxRows);
      const gram = new Float64Array(d * d), sum = new Float64Array(d);
      let count = 0;
      for (let i = 0; i < x.rows && count < maxRows; i += st, count++) {
        const o = i * d;
        for (let a = 0; a < d; a++) {
          const va = xt.data[o + a];
          sum[a] += va;
          for (let b = 0; b < d; b++) gram[a * d + b] += va * xt.data[o + b];
        }
      }
      return momentsFromGram(gram, sum, count);
    },
    close() {},
  };
}

/**
 * Column means and population variances of preprocessed data on every `step`-th row (at most
 * `maxRows`): float64, shifted by the first row against cancellation.
 */
function sampledMoments(
  x: Matrix,
  prep: Preprocessing,
  step: number,
  maxRows: number,
): { mean: Float64Array; variance: Float64Array; covariance: null } {
  const { rows: n, cols: d, data } = x;
  const sum = new Float64Array(d), sq = new Float64Array(d), ref = new Float64Array(d);
  if (n > 0) { for (let j = 0; j < d; j++) ref[j] = data[j]; }
  let count = 0;
  for (let i = 0; i < n && count < maxRows; i += step, count++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = data[o + j] - ref[j];
      sum[j] += v;
      sq[j] += v * v;
    }
  }
  const mean = new Float64Array(d), variance = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const m = sum[j] / count;
    mean[j] = ref[j] + m;
    variance[j] = Math.max(0, sq[j] / count - m * m);
    if (prep.kind === "standardize") {
      mean[j] = (mean[j] - prep.mean[j]) / prep.scale[j];
      variance[j] /= prep.scale[j] * prep.scale[j];
    }
  }
  return { mean, variance, covariance: null };
}

function momentsFromGram(
  gram: Float64Array,
  sum: Float64Array,
  count: number,
): { mean: Float64Array; variance: Float64Array; covariance: Float64Array } {
  const d = sum.length;
  const covariance = new Float64Array(d * d), mean = new Float64Array(d);
  for (let a = 0; a < d; a++) mean[a] = sum[a] / count;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) covariance[a * d + b] = gram[a * d + b] / count - mean[a] * mean[b];
  }
  const variance = new Float64Array(d);
  for (let a = 0; a < d; a++) variance[a] = Math.max(0, covariance[a * d + a]);
  return { mean, variance, covariance };
}
