/**
 * Preprocessing fitted on training data and applied unchanged to any other data, and the seeded
 * stratified train/test split.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";
import { takeRows } from "../core/matrix.ts";
import { assertCsr, type CsrMatrix, isCsr } from "../core/sparse.ts";
import { checkSeed, createPrng, shuffleInPlace } from "../core/random.ts";
import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
  quoted,
} from "../core/validate.ts";

/**
 * What a model does to raw inputs before its linear map. `"standardize"` computes
 * `(x[j] - mean[j]) / scale[j]`, which also covers plain rescaling (`mean = 0`).
 */
export type Preprocessing =
  | { readonly kind: "none" }
  | { readonly kind: "standardize"; readonly mean: Float64Array; readonly scale: Float64Array };

/**
 * Fits standardisation (zero mean, unit population variance per column, as scikit-learn's
 * `StandardScaler`). A constant column gets scale 1, so it maps to 0 instead of NaN.
 *
 * A sparse (CSR) `x` is not densified: its zeros count as values (the moments are those of
 * `csrToDense(x)`), the means are the dense matrix's bit for bit (sums in row order, to which a
 * zero adds nothing), and the variances are summed as `sum over stored (v - mean)^2 +
 * (nSamples - stored) * mean^2`, which may differ from the dense sum in the last bits.
 *
 * @param x Training features, shape `(nSamples, nFeatures)`, dense or CSR.
 * @returns The fitted preprocessing.
 * @throws {TypeError} If `x` is not a matrix (or a well-formed CSR matrix) or has no rows.
 * @throws {RangeError} If `x` holds NaN or Infinity.
 *
 * @example Constant columns stay finite
 * ```ts
 * import { fitStandardizer, applyPreprocessing } from "./preprocess.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[1, 5], [3, 5]]);
 * const z = applyPreprocessing(fitStandardizer(x), x);
 * assert.deepEqual([...z.data], [-1, 0, 1, 0]);
 * ```
 */
export function fitStandardizer(
  x: Matrix | CsrMatrix,
): Preprocessing & { kind: "standardize" } {
  if (isCsr(x)) return fitSparseStandardizer(x);
  assertMatrix("fit standardizer", "x", x);
  if (x.rows === 0) throw new TypeError("Cannot fit standardizer: x has no rows");
  assertFinite("fit standardizer", "x", x.data, x.cols);
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const variance = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = data[i * cols + j] - mean[j];
      variance[j] += d * d;
    }
  }
  const constant = new Uint8Array(cols).fill(1);
  for (let i = 1; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (data[i * cols + j] !== data[j]) constant[j] = 0;
  }
  const scale = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    if (constant[j]) {
      // Exactly constant: centre on the value itself (the computed mean may be off by rounding).
      mean[j] = data[j] + 0; // -0 -> 0, so the model round-trips through JSON exactly
      scale[j] = 1;
    } else if (!(Number.isFinite(mean[j]) && Number.isFinite(variance[j]))) {
      // Values near the float64 limit overflowed the sums: redo the column on rescaled values.
      const r = rescaledMoments(x, j);
      mean[j] = r.mean;
      scale[j] = r.scale > 0 && Number.isFinite(r.scale) ? r.scale : 1;
    } else if (variance[j] / rows < MIN_NORMAL) {
      // Tiny values (below about 1e-154) whose squares underflowed: a variance of 0 would leave
      // the column unscaled, about 0 to the model. Redo it on rescaled values, with the test of
      // a column constant up to rounding made there. A subnormal scale stays 1: its reciprocal,
      // which applying the standardisation multiplies by, would overflow.
      const r = rescaledMoments(x, j);
      mean[j] = r.mean;
      const unit = featureScale(r.variance, r.mean / r.max, rows);
      scale[j] = unit !== 1 && r.scale >= MIN_NORMAL ? r.scale : 1;
    } else {
      scale[j] = featureScale(variance[j] / rows, mean[j], rows);
    }
  }
  return { kind: "standardize", mean, scale };
}

/** {@linkcode fitStandardizer} of a CSR matrix, column sums gathered over the stored entries. */
function fitSparseStandardizer(x: CsrMatrix): Preprocessing & { kind: "standardize" } {
  assertCsr("fit standardizer", "x", x);
  if (x.rows === 0) throw new TypeError("Cannot fit standardizer: x has no rows");
  const { rows, cols, indptr, indices, values } = x;
  const nnz = values.length;
  const mean = new Float64Array(cols), count = new Float64Array(cols);
  for (let p = 0; p < nnz; p++) {
    mean[indices[p]] += values[p];
    count[indices[p]]++;
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  // The element (0, j) of every column; constant columns are those whose every element equals it.
  const first = new Float64Array(cols);
  for (let p = indptr[0]; p < indptr[1]; p++) first[indices[p]] = values[p];
  const constant = new Uint8Array(cols).fill(1);
  const variance = new Float64Array(cols);
  for (let p = 0; p < nnz; p++) {
    const j = indices[p], d = values[p] - mean[j];
    variance[j] += d * d;
    if (values[p] !== first[j]) constant[j] = 0;
  }
  for (let j = 0; j < cols; j++) {
    const zeros = rows - count[j];
    if (zeros > 0) {
      variance[j] += zeros * (mean[j] * mean[j]);
      if (first[j] !== 0) constant[j] = 0;
    }
  }
  // The rare columns whose sums overflowed or underflowed are redone densely, one at a time.
  const column = (j: number): Matrix => {
    const data = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let p = indptr[i]; p < indptr[i + 1]; p++) if (indices[p] === j) data[i] = values[p];
    }
    return { data, rows, cols: 1 };
  };
  const scale = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    if (constant[j]) {
      mean[j] = first[j] + 0;
      scale[j] = 1;
    } else if (!(Number.isFinite(mean[j]) && Number.isFinite(variance[j]))) {
      const r = rescaledMoments(column(j), 0);
      mean[j] = r.mean;
      scale[j] = r.scale > 0 && Number.isFinite(r.scale) ? r.scale : 1;
    } else if (variance[j] / rows < MIN_NORMAL) {
      const r = rescaledMoments(column(j), 0);
      mean[j] = r.mean;
      const unit = featureScale(r.variance, r.mean / r.max, rows);
      scale[j] = unit !== 1 && r.scale >= MIN_NORMAL ? r.scale : 1;
    } else {
      scale[j] = featureScale(variance[j] / rows, mean[j], rows);
    }
  }
  return { kind: "standardize", mean, scale };
}

/** The smallest positive normal float64: a variance below it has lost precision or underflowed. */
const MIN_NORMAL = 2 ** -1022;

/**
 * The standardisation scale of a feature from its population variance: its standard deviation,
 * or 1 when the variance is within rounding of zero for a column of that mean and length (the
 * test of scikit-learn's `StandardScaler`: `var <= n eps var + (n mean eps)^2`), so that a column
 * constant up to rounding maps to about 0, not to large values.
 *
 * @param variance The population variance.
 * @param mean The mean.
 * @param n The number of samples.
 * @returns The scale.
 *
 * @example A column constant up to one unit in the last place is constant
 * ```ts
 * import { featureScale } from "./preprocess.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(featureScale(1e-33, 1, 100), 1);
 * assert.equal(featureScale(1e-26, 1e-13, 100), Math.sqrt(1e-26));
 * ```
 */
export function featureScale(variance: number, mean: number, n: number): number {
  const eps = Number.EPSILON;
  const bound = n * eps * variance + (n * mean * eps) ** 2;
  return variance > bound && variance > 0 ? Math.sqrt(variance) : 1;
}

/**
 * Mean and population standard deviation of column `j`, computed on the values divided by the
 * column's largest magnitude, so that nothing overflows even near `Number.MAX_VALUE`.
 */
function rescaledMoments(
  x: Matrix,
  j: number,
): { mean: number; scale: number; max: number; variance: number } {
  const { rows, cols, data } = x;
  let m = 0;
  for (let i = 0; i < rows; i++) m = Math.max(m, Math.abs(data[i * cols + j]));
  let mu = 0;
  for (let i = 0; i < rows; i++) mu += data[i * cols + j] / m;
  mu /= rows;
  let v = 0;
  for (let i = 0; i < rows; i++) {
    const d = data[i * cols + j] / m - mu;
    v += d * d;
  }
  return { mean: mu * m, scale: m * Math.sqrt(v / rows), max: m, variance: v / rows };
}

/**
 * Checks a preprocessing against the number of features it must apply to.
 *
 * @param p The preprocessing.
 * @param cols The number of features.
 * @param action What the caller was doing, for messages.
 * @throws {TypeError} If it is not a known kind or its arrays are not Float64Arrays of `cols`.
 * @throws {RangeError} If a mean is not finite or a scale is not finite and > 0, or so small
 *   (subnormal, 2^-1024 or less) that its reciprocal overflows.
 *
 * @example A zero scale is refused
 * ```ts
 * import { validatePreprocessing } from "./preprocess.ts";
 * import assert from "node:assert/strict";
 *
 * const p = { kind: "standardize", mean: Float64Array.of(0, 1), scale: Float64Array.of(1, 0) } as const;
 * assert.throws(
 *   () => validatePreprocessing(p, 2, "apply preprocessing"),
 *   /^RangeError: Cannot apply preprocessing: preprocessing.scale\[1\] is 0/,
 * );
 * validatePreprocessing({ kind: "none" }, 2, "apply preprocessing"); // fine
 * ```
 */
export function validatePreprocessing(p: Preprocessing, cols: number, action: string): void {
  if (typeof p !== "object" || p === null) {
    throw new TypeError(`Cannot ${action}: preprocessing must be an object, got ${describe(p)}`);
  }
  if (p.kind === "none") return;
  if (p.kind !== "standardize") {
    throw new TypeError(
      `Cannot ${action}: unknown preprocessing kind ${quoted((p as { kind: unknown }).kind)}`,
    );
  }
  if (!(p.mean instanceof Float64Array) || !(p.scale instanceof Float64Array)) {
    throw new TypeError(`Cannot ${action}: preprocessing mean and scale must be Float64Arrays`);
  }
  if (p.scale.length !== p.mean.length) {
    throw new TypeError(
      `Cannot ${action}: preprocessing has ${p.mean.length} means but ${p.scale.length} scales`,
    );
  }
  if (p.mean.length !== cols) {
    throw new TypeError(
      `Cannot ${action}: preprocessing is fitted on ${
        counted(p.mean.length, "feature")
      }, the data have ${cols}`,
    );
  }
  assertFinite(action, "preprocessing.mean", p.mean);
  for (let j = 0; j < cols; j++) {
    const v = p.scale[j];
    if (!(v > 0) || v === Infinity) {
      throw new RangeError(
        `Cannot ${action}: preprocessing.scale[${j}] is ${v}; scales must be finite and > 0`,
      );
    }
    // Applied as a product by 1 / scale (folded, a quotient w / scale): for a subnormal scale of
    // 2^-1024 or less that is Infinity, and every value NaN or infinite.
    if (1 / v === Infinity) {
      throw new RangeError(
        `Cannot ${action}: preprocessing.scale[${j}] is ${v}, whose reciprocal overflows; ` +
          "scales must be above 2^-1024 (about 5.6e-309)",
      );
    }
  }
}

/**
 * Applies preprocessing to data, returning a new matrix of the same storage type.
 *
 * @param prep The fitted preprocessing.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @returns The preprocessed features (a copy; `x` is not changed).
 * @throws {TypeError} If the number of columns differs from the preprocessing's.
 * @throws {RangeError} If the preprocessing holds a non-finite mean or a scale that is not > 0 or
 *   whose reciprocal overflows.
 */
export function applyPreprocessing<T extends FloatArray>(
  prep: Preprocessing,
  x: Matrix<T>,
): Matrix<T> {
  assertMatrix("apply preprocessing", "x", x);
  validatePreprocessing(prep, x.cols, "apply preprocessing");
  const out = x.data.slice() as T;
  if (prep.kind === "none") return { data: out, rows: x.rows, cols: x.cols };
  const { mean, scale } = prep;
  const cols = x.cols;
  const inv = scale.map((s) => 1 / s);
  for (let i = 0; i < x.rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[o + j] = (out[o + j] - mean[j]) * inv[j];
  }
  return { data: out, rows: x.rows, cols };
}

/** Options for {@linkcode trainTestSplit}. */
export interface SplitOptions {
  /**
   * Fraction of the samples that go to the test set, in (0, 1).
   * @default {0.25}
   */
  testFraction?: number;
  /**
   * Seed of the shuffle.
   * @default {0}
   */
  seed?: number;
  /**
   * Keep the class proportions equal in both parts.
   * @default {true}
   */
  stratify?: boolean;
}

/** The two parts of a split, with the original row indices of each. */
export interface Split<T extends FloatArray> {
  /** Training features. */
  readonly xTrain: Matrix<T>;
  /** Training labels (class indices). */
  readonly yTrain: Int32Array;
  /** Test features. */
  readonly xTest: Matrix<T>;
  /** Test labels (class indices). */
  readonly yTest: Int32Array;
  /** Original row index of each training sample, ascending. */
  readonly trainIndex: Int32Array;
  /** Original row index of each test sample, ascending. */
  readonly testIndex: Int32Array;
}

/**
 * Splits samples into a training and a test part, seeded and (by default) stratified: each class
 * sends `round(count * testFraction)` of its samples to the test part, but always keeps at least
 * one in the training part (a class of one sample stays in training), so training sees every
 * class. Which samples: one generator seeded with `seed` shuffles each class's samples in turn,
 * classes in ascending index order (whatever order they first appear in), and the first
 * `round(count * testFraction)` of each shuffled class, at most `count - 1`, go to the test part;
 * unstratified, all the samples are shuffled as one class.
 *
 * @param x Features, shape `(nSamples, nFeatures)`.
 * @param y Class indices, shape `(nSamples)`.
 * @param options Test fraction, seed, stratification.
 * @returns Both parts and their row indices (ascending, so rows keep their relative order).
 * @throws {TypeError} If shapes disagree, `stratify` is not a boolean or `seed` is not a finite
 *   number.
 * @throws {RangeError} If `testFraction` is not in (0, 1) or a part would be empty.
 *
 * @example Stratified 25 % split
 * ```ts
 * import { trainTestSplit } from "./preprocess.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0], [1], [2], [3], [4], [5], [6], [7]]);
 * const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
 * const s = trainTestSplit(x, y, { testFraction: 0.25, seed: 1 });
 * assert.deepEqual([...s.yTest].sort(), [0, 1]);
 * ```
 */
export function trainTestSplit<T extends FloatArray>(
  x: Matrix<T>,
  y: Int32Array,
  options: SplitOptions = {},
): Split<T> {
  const action = "split data";
  checkOptionKeys(
    action,
    options,
    {
      testFraction: true,
      seed: true,
      stratify: true,
    } satisfies OptionKeys<SplitOptions>,
  );
  checkSeed(action, options.seed);
  assertMatrix(action, "x", x);
  assertLabels(action, y, x.rows);
  const { testFraction, stratify } = splitSettings(action, options);
  const prng = createPrng(options.seed ?? 0);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const key = stratify ? y[i] : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, g = []);
    g.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const g = shuffleInPlace(groups.get(key)!, prng);
    const nTest = testCount(g.length, testFraction);
    // A loop, not push(...g): spread arguments overflow the stack from about 500,000 rows.
    for (let i = 0; i < g.length; i++) (i < nTest ? test : train).push(g[i]);
  }
  if (train.length === 0 || test.length === 0) {
    // Every class of one sample stays in training: a column of measurements taken for the label
    // makes as many classes as rows.
    const singletons = stratify && groups.size > 1 &&
      [...groups.values()].every((g) => g.length === 1);
    throw new RangeError(
      `Cannot ${action}: ${counted(x.rows, "sample")} with testFraction ${testFraction} leave the ${
        train.length === 0 ? "training" : "test"
      } part empty${
        singletons
          ? `: each of the ${groups.size} classes has one sample, and a class of one sample ` +
            "stays in training (a column of measurements read as labels makes one class per sample)"
          : ""
      }`,
    );
  }
  const trainIndex = Int32Array.from(train).sort();
  const testIndex = Int32Array.from(test).sort();
  return {
    xTrain: takeRows(x, trainIndex),
    yTrain: trainIndex.map((i) => y[i]),
    xTest: takeRows(x, testIndex),
    yTest: testIndex.map((i) => y[i]),
    trainIndex,
    testIndex,
  };
}

/** A split's test fraction and stratification, checked, with their defaults. */
function splitSettings(
  action: string,
  options: Omit<SplitOptions, "seed">,
): { testFraction: number; stratify: boolean } {
  const testFraction = options.testFraction ?? 0.25;
  assertInRange(action, "testFraction", testFraction, Number.MIN_VALUE, 1 - Number.EPSILON);
  const stratify = options.stratify ?? true;
  if (typeof stratify !== "boolean") {
    throw new TypeError(`Cannot ${action}: stratify must be a boolean, got ${describe(stratify)}`);
  }
  return { testFraction, stratify };
}

/** How many of a group's `n` samples a split sends to the test part. */
function testCount(n: number, testFraction: number): number {
  return Math.min(Math.round(n * testFraction), n - 1);
}

/**
 * The number of training samples {@linkcode trainTestSplit} keeps, whatever its seed: for a
 * default penalty of `1 / nSamples` fixed before the split is made.
 *
 * @param y Class indices, shape `(nSamples)`.
 * @param options Test fraction and stratification, as for `trainTestSplit` (its seed does not
 *   change the sizes).
 * @returns The size of the training part.
 * @throws {TypeError} If `y` is not an array of class indices or `stratify` is not a boolean.
 * @throws {RangeError} If `testFraction` is not in (0, 1).
 *
 * @example The training part of a stratified 25 % split
 * ```ts
 * import { trainingSize } from "./preprocess.ts";
 * import assert from "node:assert/strict";
 *
 * // Class 0: 5 samples, 1 to test; class 1: 3 samples, 1 to test.
 * assert.equal(trainingSize(Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1]), { testFraction: 0.25 }), 6);
 * ```
 */
export function trainingSize(
  y: ArrayLike<number>,
  options: Omit<SplitOptions, "seed"> = {},
): number {
  const action = "count training samples";
  checkOptionKeys(
    action,
    options,
    { testFraction: true, stratify: true } satisfies OptionKeys<Omit<SplitOptions, "seed">>,
  );
  assertLabels(action, y, y?.length ?? 0);
  const { testFraction, stratify } = splitSettings(action, options);
  const sizes = new Map<number, number>();
  for (let i = 0; i < y.length; i++) {
    const key = stratify ? y[i] : 0;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  let train = 0;
  for (const n of sizes.values()) train += n - testCount(n, testFraction);
  return train;
}

/**
 * One-hot encodes class indices.
 *
 * @param y Class indices, shape `(nSamples)`.
 * @param nClasses The number of classes.
 * @returns A Float64 matrix of shape `(nSamples, nClasses)` with a single 1 per row.
 * @throws {RangeError} If a label is outside `0..nClasses-1`.
 */
export function oneHot(y: ArrayLike<number>, nClasses: number): Matrix<Float64Array> {
  assertInRange("one-hot encode labels", "nClasses", nClasses, 1, 2 ** 24, true);
  assertLabels("one-hot encode labels", y, y?.length ?? 0, nClasses);
  const data = new Float64Array(y.length * nClasses);
  for (let i = 0; i < y.length; i++) data[i * nClasses + y[i]] = 1;
  return { data, rows: y.length, cols: nClasses };
}
