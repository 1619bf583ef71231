/**
 * Measurements of what the article's pruning and quantization do to a weight array: how many
 * exact zeros the "pruning" makes and how many weights it pushes across zero, and how many
 * levels and how wide an integer range the "8-bit" quantization really uses, and how far the
 * article's sigmoid outputs are from probabilities. They turn the
 * defects the ports document into numbers (the seed-article notebook prints them).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  assertNumbers,
  checkOptionKeys,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import { roundHalfEven } from "../quant/float16.ts";
import { ArticleLogisticRegression } from "./logistic_regression.ts";

/** What {@linkcode articlePruningReport} counts. */
export interface ArticlePruningReport {
  /** Number of weights. */
  readonly weights: number;
  /** Exact zeros before the pruning step. */
  readonly zerosBefore: number;
  /** Exact zeros after it. */
  readonly zerosAfter: number;
  /** Weights whose sign changed (crossed zero instead of stopping at it). */
  readonly signFlips: number;
  /** Weights that changed value (a NaN that stays NaN has not; 0 and -0 are one value). */
  readonly changed: number;
  /** Fraction of the weights that are exactly zero afterwards, in [0, 1]. */
  readonly sparsityAfter: number;
}

/**
 * Compares weights before and after a pruning step: exact zeros on both sides, sign changes,
 * changed values. A real pruning step raises `zerosAfter` and never flips a sign; the article's
 * `w - alpha * sign(w)` leaves `zerosAfter` where it was (up to weights of magnitude exactly
 * `alpha`) and flips every weight smaller than `alpha`.
 *
 * @param before The weights before, any shape, flattened.
 * @param after The weights after, same length.
 * @returns The counts.
 * @throws {TypeError} If the arrays are not numeric or their lengths differ.
 *
 * @example The article's step flips small weights instead of zeroing them
 * ```ts
 * import { articlePruningReport } from "./measure.ts";
 * import { l1RegularizationPruning } from "./pruning.ts";
 * import assert from "node:assert/strict";
 *
 * const w = Float64Array.from([0.5, 0.004, -0.004, -0.3]);
 * const r = articlePruningReport(w, l1RegularizationPruning(w, 0.01));
 * assert.deepEqual([r.zerosAfter, r.signFlips, r.changed], [0, 2, 4]);
 * ```
 */
export function articlePruningReport(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
): ArticlePruningReport {
  const action = "measure a pruning step";
  assertNumbers(action, "before", before);
  assertNumbers(action, "after", after);
  if (before.length !== after.length) {
    throw new TypeError(
      `Cannot ${action}: before has ${before.length} values, after has ${after.length}`,
    );
  }
  let zerosBefore = 0, zerosAfter = 0, signFlips = 0, changed = 0;
  for (let i = 0; i < before.length; i++) {
    const a = before[i], b = after[i];
    if (a === 0) zerosBefore++;
    if (b === 0) zerosAfter++;
    if ((a > 0 && b < 0) || (a < 0 && b > 0)) signFlips++;
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) changed++;
  }
  return {
    weights: before.length,
    zerosBefore,
    zerosAfter,
    signFlips,
    changed,
    sparsityAfter: before.length === 0 ? 0 : zerosAfter / before.length,
  };
}

/** Options for {@linkcode articleGridReport}. */
export interface ArticleGridReportOptions {
  /**
   * The `num_bits` the article's quantization was called with: its grid step is
   * `1 / (2^numBits - 1)` and it claims `2^numBits` levels.
   * @default {8}
   */
  numBits?: number;
}

/** What {@linkcode articleGridReport} counts. */
export interface ArticleGridReport {
  /** Number of values. */
  readonly values: number;
  /** Number of distinct values. */
  readonly distinctValues: number;
  /** The levels a `numBits`-bit code can name: `2^numBits`. */
  readonly levelsAllowed: number;
  /** Smallest integer code `round(v * (2^numBits - 1))`. */
  readonly codeMin: number;
  /** Largest integer code. */
  readonly codeMax: number;
  /**
   * Bits an integer code needs to span `codeMin..codeMax`: `ceil(log2(codeMax - codeMin + 1))`,
   * at least 1 (a code of 0 bits names nothing, so one value, or none, still takes 1).
   */
  readonly bitsNeeded: number;
  /** Values that are exactly zero. */
  readonly zeros: number;
  /** Whether every value is exactly on the grid `k / (2^numBits - 1)`. */
  readonly onGrid: boolean;
}

/**
 * Measures values against the article's quantization grid `k / (2^numBits - 1)`: the integer
 * codes `k` they correspond to, how many distinct values there are, and how many bits the codes
 * really need (the article calls the grid "numBits-bit", but it has no scale and no clipping, so
 * the codes are as wide as the weights are large).
 *
 * @param values The (quantized) values, any shape, flattened.
 * @param options The article's `num_bits`.
 * @returns The counts and the code range.
 * @throws {TypeError} If `values` is not numeric.
 * @throws {RangeError} If `numBits` is not an integer in 1..30, a value is not finite, or its
 *   code `v * (2^numBits - 1)` overflows to infinity.
 *
 * @example Weights up to 3 need 10-bit codes on the "8-bit" grid
 * ```ts
 * import { articleGridReport } from "./measure.ts";
 * import { uniformQuantization } from "./quantization.ts";
 * import assert from "node:assert/strict";
 *
 * const r = articleGridReport(uniformQuantization(Float64Array.from([3, -1, 0.001]), 8));
 * assert.deepEqual([r.codeMin, r.codeMax, r.bitsNeeded, r.zeros], [-255, 765, 10, 1]);
 * ```
 */
export function articleGridReport(
  values: ArrayLike<number>,
  options: ArticleGridReportOptions = {},
): ArticleGridReport {
  checkOptionKeys(
    "measure article grid",
    options,
    { numBits: true } satisfies OptionKeys<ArticleGridReportOptions>,
  );
  const action = "measure the article's quantization grid";
  assertNumbers(action, "values", values);
  const numBits = options.numBits ?? 8;
  assertInRange(action, "numBits", numBits, 1, 30, true);
  const range = 2 ** numBits - 1;
  let codeMin = Infinity, codeMax = -Infinity, zeros = 0, onGrid = true;
  const distinct = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`Cannot ${action}: value ${i} is ${v}`);
    }
    const k = roundHalfEven(v * range);
    if (!Number.isFinite(k)) {
      throw new RangeError(
        `Cannot ${action}: value ${i} is ${v}, too large for a code round(v * ${range})`,
      );
    }
    if (k / range !== v) onGrid = false;
    if (k < codeMin) codeMin = k;
    if (k > codeMax) codeMax = k;
    if (v === 0) zeros++;
    distinct.add(v); // a Set counts -0 and 0 as one value
  }
  if (values.length === 0) codeMin = codeMax = 0;
  return {
    values: values.length,
    distinctValues: distinct.size,
    levelsAllowed: 2 ** numBits,
    codeMin,
    codeMax,
    bitsNeeded: bitLength(codeMax, codeMin),
    zeros,
    onGrid,
  };
}

/**
 * Bits an integer code needs to span `lo..hi`, at least 1: the binary length of `hi - lo`,
 * counted exactly in BigInt (`ceil(log2(hi - lo + 1))` gives `k` instead of `k + 1` for
 * `hi - lo = 2^k` from `k = 49` on, where `log2` rounds, and `hi - lo` itself rounds beyond 2^53).
 */
function bitLength(hi: number, lo: number): number {
  const span = BigInt(hi) - BigInt(lo);
  return span === 0n ? 1 : span.toString(2).length;
}

/** What {@linkcode articleOutputReport} measures. */
export interface ArticleOutputReport {
  /** Number of samples. */
  readonly samples: number;
  /** Smallest sum over a sample's output columns of the article's sigmoid "probabilities". */
  readonly rowSumMin: number;
  /** Largest such sum (a probability distribution sums to exactly 1). */
  readonly rowSumMax: number;
  /** Fraction of samples whose sum is off 1 by more than 0.1, in [0, 1]. */
  readonly offByMoreThanTenth: number;
  /** Whether every output column has the same bias (the shared scalar bias update keeps them so). */
  readonly biasesEqual: boolean;
}

/**
 * Measures the article's outputs on data: the element-wise sigmoid of every column is read as
 * class probabilities, but nothing makes a sample's columns sum to 1, and the single scalar bias
 * update `db = np.sum(predictions - y)` keeps every column's bias equal.
 *
 * @param model The article's model (after `train`).
 * @param x Inputs, shape `(nSamples, inputSize)`.
 * @returns Row-sum range (NaN for 0 samples), the share of samples far from 1, and whether the
 *   biases are equal.
 * @throws {TypeError} If `model` is not an `ArticleLogisticRegression` or `x` is not a matrix that
 *   matches it.
 * @throws {RangeError} If `x` holds a NaN or an infinity, or an output is NaN because the model's
 *   weights or biases are not finite.
 *
 * @example An untrained model's two columns are two unrelated sigmoids
 * ```ts
 * import { articleOutputReport } from "./measure.ts";
 * import { ArticleLogisticRegression } from "./logistic_regression.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const model = new ArticleLogisticRegression(2, 2, { seed: 1 });
 * const r = articleOutputReport(model, fromRows([[3, -2], [-1, 4], [2, 2]]));
 * assert.ok(r.rowSumMax - r.rowSumMin > 0.1);
 * assert.equal(r.biasesEqual, true); // both start at 0
 * ```
 */
export function articleOutputReport(
  model: ArticleLogisticRegression,
  x: Matrix,
): ArticleOutputReport {
  const action = "measure the article's outputs";
  if (!(model instanceof ArticleLogisticRegression)) {
    throw new TypeError(
      `Cannot ${action}: model must be an ArticleLogisticRegression, got ${describe(model)}`,
    );
  }
  assertMatrix(action, "x", x);
  assertFinite(action, "x", x.data, x.cols);
  const p = model.sigmoid(model.forward(x));
  const k = p.cols;
  let lo = Infinity, hi = -Infinity, off = 0;
  for (let i = 0; i < p.rows; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += p.data[i * k + c];
    if (Number.isNaN(s)) {
      throw new RangeError(
        `Cannot ${action}: the output of sample ${i} is NaN (the weights or biases are not finite)`,
      );
    }
    if (s < lo) lo = s;
    if (s > hi) hi = s;
    if (Math.abs(s - 1) > 0.1) off++;
  }
  const b = model.bias;
  return {
    samples: p.rows,
    rowSumMin: p.rows ? lo : NaN,
    rowSumMax: p.rows ? hi : NaN,
    offByMoreThanTenth: p.rows ? off / p.rows : 0,
    biasesEqual: b.every((v) => v === b[0]),
  };
}
