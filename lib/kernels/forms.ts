/**
 * The model forms the inference kernels score, as plain typed arrays (the pruning and
 * quantization modules produce them). Weights are `(nOutputs, nFeatures)` row-major like
 * `LogisticModel.weights`, scores `(nSamples, nOutputs)` including the bias.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";

/** Dense float weights. */
export interface DenseForm {
  /** Weights, shape `(nOutputs, nFeatures)` row-major. */
  readonly weights: Float32Array | Float64Array;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: ArrayLike<number>;
}

/**
 * Unstructured sparse weights, compressed rows per output (CSR): the weights of output `c` are
 * `values[p]` at features `indices[p]` for `p` in `indptr[c]..indptr[c + 1] - 1`.
 */
export interface SparseForm {
  /** Row starts, shape `(nOutputs + 1)`, non-decreasing from 0 to `nnz`. */
  readonly indptr: Int32Array;
  /** Feature of each stored weight, shape `(nnz)`, in `0..nFeatures-1`. */
  readonly indices: Int32Array;
  /** Stored weights, shape `(nnz)`. */
  readonly values: Float32Array | Float64Array;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: ArrayLike<number>;
  /** Features of the inputs. */
  readonly nFeatures: number;
}

/** Structured pruning: whole features removed; dense weights over the kept ones. */
export interface FeatureSubsetForm {
  /** Kept features, shape `(nKept)`, each in `0..nFeatures-1`. */
  readonly features: Int32Array;
  /** Weights over the kept features, shape `(nOutputs, nKept)` row-major. */
  readonly weights: Float32Array | Float64Array;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: ArrayLike<number>;
  /** Features of the inputs. */
  readonly nFeatures: number;
}

/** int8 weights with one scale per output row: `w[c][j] = scale[c] * codes[c * d + j]`. */
export interface Int8Form {
  /** Codes, shape `(nOutputs, nFeatures)` row-major. */
  readonly codes: Int8Array;
  /** Scale per output row, shape `(nOutputs)`. */
  readonly scale: ArrayLike<number>;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: ArrayLike<number>;
}

/**
 * 4-bit codes into a 16-entry codebook, two codes per byte (feature `2t` in the low nibble of
 * byte `t` of its row, `2t + 1` in the high nibble; rows of `ceil(nFeatures / 2)` bytes):
 * `w[c][j] = codebook[code(c, j)]` for a shared codebook of 16 entries, or
 * `codebook[16 * c + code(c, j)]` for one codebook per output.
 */
export interface Packed4Form {
  /** Codes, shape `(nOutputs, ceil(nFeatures / 2))` bytes. */
  readonly packed: Uint8Array;
  /** Codebook, shape `(16)` or `(nOutputs, 16)`. */
  readonly codebook: Float32Array | Float64Array;
  /** Bias, shape `(nOutputs)`. */
  readonly bias: ArrayLike<number>;
  /** Features of the inputs. */
  readonly nFeatures: number;
}

/**
 * Integer weights with an int32 bias and one float64 rescale per output, for integer-only
 * inference: `score[c] = f64(int32(bias[c] + sum_j xq[j] * weights[c][j])) * rescale[c]`, where
 * `xq` are 8-bit input codes used as they are (any input zero point is folded into `bias`). The
 * same formula, bit for bit, as the integer kernels of `lib/quant` (`IntegerModel`).
 */
export interface IntegerForm {
  /** Integer weights, shape `(nOutputs, nFeatures)` row-major. */
  readonly weights: Int8Array | Int16Array;
  /** Int32 bias per output, shape `(nOutputs)`. */
  readonly bias: Int32Array;
  /** Scale of each output's accumulator, shape `(nOutputs)`. */
  readonly rescale: Float64Array;
}

/** 8-bit input codes, row-major `(nSamples, nFeatures)`, for {@linkcode IntegerForm}. */
export interface CodeInput {
  /** Codes: uint8, or int8. */
  readonly data: Uint8Array | Int8Array;
  /** Samples. */
  readonly rows: number;
  /** Features. */
  readonly cols: number;
}

/** Inputs quantized to 8 bits: `x = scale * (data - zeroPoint)`. */
export interface QuantizedInput {
  /** Codes, shape `(nSamples, nFeatures)` row-major: uint8, or int8. */
  readonly data: Uint8Array | Int8Array;
  /** Samples. */
  readonly rows: number;
  /** Features. */
  readonly cols: number;
  /** Step between codes. */
  readonly scale: number;
  /** Code of 0 (an integer). */
  readonly zeroPoint: number;
}

/** Float inputs for the float kernels. */
export type FloatInput = Matrix<Float32Array>;
