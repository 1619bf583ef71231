import {
  createWorkspace,
  instantiateKernels,
  kernelModule,
  relaxedSimdSupported,
} from "../kernels/runtime.ts";

/**
 * Preconditioners for L-BFGS on the log loss: an approximation `P` of the inverse Hessian to
 * start each iteration's quasi-Newton update from, in the centred coordinates that `fit` uses
 * (the bias absorbs the feature means). The Hessian of the mean loss at uniform probabilities is
 * `A ⊗ Cov(x)` with `A = diag(p) - p p^T`; its class factor is replaced by the scalar
 * `a = p (1 - p)`, giving `P = (a Cov(x) + l2 I)^-1` per class row (or its diagonal), and `1 / a`
 * for the bias. Both forms floor the ridge so that a constant feature without L2 keeps `P`
 * positive definite: the Kronecker form adds `max(l2, 1e-6 a trace(Cov) / d)` to the diagonal,
 * the diagonal form divides by at least `1e-6` times its largest entry.
 *
 * @module
 */

/** Options for {@linkcode kroneckerPreconditioner}. */
export interface PreconditionerOptions {
  /** Output rows (classes, or 1 for sigmoid). */
  nOutputs: number;
  /** The L2 strength of the objective. */
  l2: number;
  /** Weights that must stay zero (mask entries 0), or `null`. */
  mask: Uint8Array | null;
  /**
   * Apply it with the float64 SIMD kernel (`matvecs`) on the explicit inverse Cholesky factor
   * instead of TypeScript triangular solves.
   * @default {false}
   */
  wasm?: boolean;
}

function curvature(nOutputs: number): number {
  return nOutputs === 1 ? 0.25 : (1 / nOutputs) * (1 - 1 / nOutputs);
}

/**
 * The diagonal preconditioner `1 / (a var_j + l2)` per weight, `1 / a` per bias; each
 * denominator at least `1e-6` times the largest `a var_j + l2` (and `a`), so that a constant
 * feature without L2 is not divided by zero.
 *
 * @param variance Variance of each feature, shape `(nFeatures)`.
 * @param options Outputs, L2 strength, mask.
 * @returns `P v` as a function.
 */
export function diagonalPreconditioner(
  variance: Float64Array,
  options: PreconditionerOptions,
): (v: Float64Array, out: Float64Array) => void {
  const d = variance.length, k = options.nOutputs, a = curvature(k);
  const nw = k * d;
  let hMax = a;
  for (let j = 0; j < d; j++) hMax = Math.max(hMax, a * variance[j] + options.l2);
  const inv = new Float64Array(d);
  for (let j = 0; j < d; j++) inv[j] = 1 / Math.max(a * variance[j] + options.l2, 1e-6 * hMax);
  const mask = options.mask;
  return (v, out) => {
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) out[c * d + j] = v[c * d + j] * inv[j];
    }
    for (let c = 0; c < k; c++) out[nw + c] = v[nw + c] / a;
    if (mask) { for (let i = 0; i < nw; i++) if (mask[i] === 0) out[i] = 0; }
  };
}

/**
 * The preconditioner `(a Cov + ridge I)^-1`, `ridge = max(l2, 1e-6 a trace(Cov) / d)`, applied to
 * each class row through a Cholesky factorisation (`d^3 / 6` multiply-adds once, `d^2` per class
 * row and application). The floor keeps a singular covariance without L2 (a constant feature)
 * positive definite.
 *
 * @param covariance Feature covariance, shape `(nFeatures, nFeatures)` row-major.
 * @param options Outputs, L2 strength, mask.
 * @returns `P v` as a function, or `null` if `a Cov + ridge I` is still not numerically positive
 *   definite.
 */
export function kroneckerPreconditioner(
  covariance: Float64Array,
  options: PreconditionerOptions,
): ((v: Float64Array, out: Float64Array) => void) | null {
  const d = Math.round(Math.sqrt(covariance.length));
  const k = options.nOutputs, a = curvature(k), nw = k * d;
  let trace = 0;
  for (let j = 0; j < d; j++) trace += covariance[j * d + j];
  const ridge = Math.max(options.l2, 1e-6 * a * trace / d);
  if (options.wasm) return wasmPreconditioner(covariance, d, k, a, ridge, options.mask);
  // Cholesky M = L L^T, L lower (row-major); U = L^T kept too, for contiguous back substitution.
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a * covariance[i * d + j] + (i === j ? ridge : 0);
      const li = i * d, lj = j * d;
      for (let t = 0; t < j; t++) s -= L[li + t] * L[lj + t];
      if (i === j) {
        if (!(s > 0)) return null;
        L[li + i] = Math.sqrt(s);
      } else {
        L[li + j] = s / L[lj + j];
      }
    }
  }
  const mask = options.mask;
  const U = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) U[j * d + i] = L[i * d + j];
  const u = new Float64Array(d);
  return (v, out) => {
    for (let c = 0; c < k; c++) {
      const o = c * d;
      for (let i = 0; i < d; i++) {
        let s = v[o + i];
        const li = i * d;
        for (let t = 0; t < i; t++) s -= L[li + t] * u[t];
        u[i] = s / L[li + i];
      }
      for (let i = d - 1; i >= 0; i--) {
        let s = u[i];
        const ui = i * d;
        for (let t = i + 1; t < d; t++) s -= U[ui + t] * out[o + t];
        out[o + i] = s / U[ui + i];
      }
    }
    for (let c = 0; c < k; c++) out[nw + c] = v[nw + c] / a;
    if (mask) { for (let i = 0; i < nw; i++) if (mask[i] === 0) out[i] = 0; }
  };
}

/**
 * `P = (a Cov + ridge I)^-1` made explicit in wasm float64: Cholesky factor, its inverse, and
 * `L^-T L^-1` (each about `d^3 / 6` multiply-adds in SIMD), then one symmetric matrix product
 * per application. `null` if the matrix is not numerically positive definite.
 */
function wasmPreconditioner(
  covariance: Float64Array,
  d: number,
  k: number,
  a: number,
  ridge: number,
  mask: Uint8Array | null,
): ((v: Float64Array, out: Float64Array) => void) | null {
  const ws = createWorkspace(24 * d * d + 24 * k * d);
  const kx = instantiateKernels(kernelModule("train", relaxedSimdSupported()), ws.memory);
  const pM = ws.alloc(8 * d * d), pInv = ws.alloc(8 * d * d);
  const m = ws.f64(pM, d * d);
  for (let i = 0; i < d * d; i++) m[i] = a * covariance[i];
  for (let i = 0; i < d; i++) m[i * d + i] += ridge;
  for (let i = 0; i < d; i++) if (kx.choleskyRow(pM, d, i) !== 0) return null;
  for (let i = 0; i < d; i++) kx.invertLowerRow(pM, d, pInv, i); // pInv is fresh: zeroed
  ws.f64(pM, d * d).fill(0);
  for (let t = 0; t < d; t++) kx.lowerGramRow(pInv, d, pM, t);
  const p = ws.f64(pM, d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) p[j * d + i] = p[i * d + j];
  const nw = k * d;
  const pV = ws.alloc(8 * nw), pOut = ws.alloc(8 * nw);
  return (v, out) => {
    ws.f64(pV, nw).set(v.subarray(0, nw));
    kx.matvecs(pM, pV, k, d, d, 0, pOut);
    out.set(ws.f64(pOut, nw));
    for (let c = 0; c < k; c++) out[nw + c] = v[nw + c] / a;
    if (mask) { for (let i = 0; i < nw; i++) if (mask[i] === 0) out[i] = 0; }
  };
}
