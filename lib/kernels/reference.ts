/**
 * Reference inference in plain TypeScript, float64 sums: what the WebAssembly kernels must
 * reproduce (within float32 rounding), and the `backend: "ts"` path. They trust their inputs,
 * but refuse a sparse (CSR) matrix by name (`refuseSparse`) rather than reading its missing data.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import { refuseSparse } from "../core/validate.ts";
import type {
  CodeInput,
  DenseForm,
  FeatureSubsetForm,
  Int8Form,
  IntegerForm,
  Packed4Form,
  QuantizedInput,
  SparseForm,
} from "./forms.ts";

/**
 * Dense scores.
 *
 * @param form Weights and bias.
 * @param x Inputs, shape `(nSamples, nFeatures)`.
 * @param out Scores, shape `(nSamples, nOutputs)`.
 */
export function denseScoresTs(form: DenseForm, x: Matrix, out: Float32Array | Float64Array): void {
  refuseSparse("compute scores", "x", x);
  const k = form.bias.length, d = x.cols, w = form.weights, xd = x.data;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = form.bias[c];
      for (let j = 0; j < d; j++) s += w[c * d + j] * xd[i * d + j];
      out[i * k + c] = s;
    }
  }
}

/**
 * Sparse (CSR) scores: only stored weights are visited.
 *
 * @param form The CSR weights.
 * @param x Inputs.
 * @param out Scores.
 */
export function sparseScoresTs(
  form: SparseForm,
  x: Matrix,
  out: Float32Array | Float64Array,
): void {
  refuseSparse("compute scores", "x", x);
  const k = form.bias.length, d = x.cols, xd = x.data;
  const { indptr, indices, values } = form;
  for (let i = 0; i < x.rows; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      let s = form.bias[c];
      for (let p = indptr[c]; p < indptr[c + 1]; p++) s += values[p] * xd[o + indices[p]];
      out[i * k + c] = s;
    }
  }
}

/**
 * Scores with whole features removed: only kept features are visited.
 *
 * @param form Kept features and their weights.
 * @param x Inputs (all features).
 * @param out Scores.
 */
export function featureSubsetScoresTs(
  form: FeatureSubsetForm,
  x: Matrix,
  out: Float32Array | Float64Array,
): void {
  refuseSparse("compute scores", "x", x);
  const k = form.bias.length, d = x.cols, m = form.features.length, xd = x.data;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = form.bias[c];
      for (let t = 0; t < m; t++) s += form.weights[c * m + t] * xd[i * d + form.features[t]];
      out[i * k + c] = s;
    }
  }
}

/**
 * int8 scores with integer sums: `bias + xScale * scale[c] * sum_j (xq_j - zx) codes[c][j]`.
 *
 * @param form Codes and row scales.
 * @param x Quantized inputs.
 * @param out Scores.
 */
export function int8ScoresTs(
  form: Int8Form,
  x: QuantizedInput,
  out: Float32Array | Float64Array,
): void {
  const k = form.bias.length, d = x.cols, zx = x.zeroPoint;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x.data[i * d + j] - zx) * form.codes[c * d + j];
      out[i * k + c] = form.bias[c] + x.scale * form.scale[c] * s;
    }
  }
}

/**
 * Packed 4-bit scores through the float codebook:
 * `bias + xScale * sum_j (xq_j - zx) codebook[code(c, j)]`.
 *
 * @param form Packed codes and codebook.
 * @param x Quantized inputs.
 * @param out Scores.
 */
export function packed4ScoresTs(
  form: Packed4Form,
  x: QuantizedInput,
  out: Float32Array | Float64Array,
): void {
  const k = form.bias.length, d = x.cols, zx = x.zeroPoint;
  const rb = Math.ceil(d / 2);
  const perOutput = form.codebook.length === 16 * k && k > 1;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      const cb = perOutput ? 16 * c : 0;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const byte = form.packed[c * rb + (j >> 1)];
        const code = j & 1 ? byte >> 4 : byte & 15;
        s += (x.data[i * d + j] - zx) * form.codebook[cb + code];
      }
      out[i * k + c] = form.bias[c] + x.scale * s;
    }
  }
}

/**
 * Integer-only scores, as the integer kernels of lib/quant: int32 sums (wrapping like `| 0`),
 * then `f64(int32(bias + sum)) * rescale`.
 *
 * @param form Integer weights, int32 bias, rescales.
 * @param x Input codes.
 * @param out Scores.
 */
export function integerScoresTs(
  form: IntegerForm,
  x: CodeInput,
  out: Float32Array | Float64Array,
): void {
  const k = form.bias.length, d = x.cols, w = form.weights, xd = x.data;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s = (s + xd[i * d + j] * w[c * d + j]) | 0;
      out[i * k + c] = ((form.bias[c] + s) | 0) * form.rescale[c];
    }
  }
}

/**
 * Packed 4-bit scores of float inputs through the float codebook (its float32 values):
 * `bias + sum_j x_j s_j codebook[code(c, j)]` (`s_j` = `inputScale[j]`, or 1).
 *
 * @param form Packed codes and codebook.
 * @param x Float inputs.
 * @param out Scores.
 */
export function packed4FloatScoresTs(
  form: Packed4Form & { readonly inputScale?: ArrayLike<number> },
  x: Matrix,
  out: Float32Array | Float64Array,
): void {
  refuseSparse("compute scores", "x", x);
  const sc = form.inputScale;
  const k = form.bias.length, d = x.cols;
  const rb = Math.ceil(d / 2);
  const perOutput = form.codebook.length === 16 * k && k > 1;
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      const cb = perOutput ? 16 * c : 0;
      let s = form.bias[c];
      for (let j = 0; j < d; j++) {
        const byte = form.packed[c * rb + (j >> 1)];
        const code = j & 1 ? byte >> 4 : byte & 15;
        const xv = sc === undefined ? x.data[i * d + j] : x.data[i * d + j] * sc[j];
        s += xv * Math.fround(form.codebook[cb + code]);
      }
      out[i * k + c] = s;
    }
  }
}

/**
 * Kernel: `out[i*d+j] = clamp(roundHalfEven(x[i*d+j] * mul[j] + off[j]) + zp, lo, hi)`.
 *
 * @param x Inputs, `n * d` values row-major.
 * @param n Rows.
 * @param d Columns.
 * @param mul Per-column multiplier.
 * @param off Per-column offset.
 * @param zp Zero point.
 * @param lo Smallest code.
 * @param hi Largest code.
 * @param out Receives `n * d` codes.
 */
export function quantizeInputsKernel(
  x: FloatArray,
  n: number,
  d: number,
  mul: Float64Array,
  off: Float64Array,
  zp: number,
  lo: number,
  hi: number,
  out: Uint8Array | Int8Array,
): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const t = x[o + j] * mul[j] + off[j];
      let r = Math.round(t);
      if (r - t === 0.5 && (r & 1) !== 0) r--; // ties to even
      r += zp;
      out[o + j] = r < lo ? lo : r > hi ? hi : r;
    }
  }
}
