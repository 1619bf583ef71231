/**
 * Structured pruning: removing whole input features (columns of the weights across all
 * outputs), so the pruned model needs fewer inputs and does less work.
 *
 * Representation. A feature-pruned model is an ordinary `LogisticModel` (no new fields, same
 * JSON): either
 * - `"reduced"`: a model over the kept features only (its `featureNames` are the kept names, its
 *   preprocessing the kept columns'); it takes data with just those columns, which
 *   {@linkcode selectFeatures} cuts out of full-width data given the kept indices
 *   (`FeaturePruneResult.features`, or {@linkcode featureIndices} from the names of the
 *   full-width columns); or
 * - `"masked"`: the full-width model with every weight of the removed columns masked to zero; it
 *   takes full-width data and ignores the removed columns (the sparse kernels skip them;
 *   `sparsityReport(...).unusedFeatures` lists them).
 * Both give the same scores on the same samples.
 *
 * @module
 */

import { type Matrix, takeColumns } from "../core/matrix.ts";
import {
  assertMatrix,
  checkOptionKeys,
  describe,
  firstRepeat,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { validateModel } from "../model/validate_model.ts";
import type { LogisticModel } from "../model/types.ts";
import { pruneMask, type PruneTarget, resolveTarget, targetOf } from "./mask.ts";
import { inputMeans } from "./prune_model.ts";

/** Options for {@linkcode featureScores}. */
export interface FeatureScoresOptions {
  /**
   * How a column's per-weight scores become one feature score: `"l2"` (Euclidean norm; with
   * magnitude scores, the norm of the column of W), `"sum"` (for saliencies, which add up as
   * loss changes), or `"max"`.
   * @default {"l2"}
   */
  reduce?: "l2" | "sum" | "max";
}

/**
 * Reduces per-weight scores to one score per feature (column).
 *
 * @param scores Per-weight scores, shape `(nOutputs, nFeatures)`; NaN is not allowed.
 * @param options How to reduce a column.
 * @returns Feature scores, shape `(1, nFeatures)`.
 * @throws {TypeError} If `scores` is not a matrix.
 * @throws {RangeError} If `reduce` is unknown, a score is NaN (±Infinity is allowed), or with
 *   `"sum"` a column holds both +Infinity and -Infinity.
 *
 * @example Column norms
 * ```ts
 * import { featureScores } from "./structured.ts";
 * import assert from "node:assert/strict";
 *
 * const s = featureScores({ data: Float64Array.from([3, 1, 4, 0]), rows: 2, cols: 2 });
 * assert.deepEqual([...s.data], [5, 1]);
 * ```
 */
export function featureScores(
  scores: Matrix,
  options: FeatureScoresOptions = {},
): Matrix<Float64Array> {
  const action = "compute feature scores";
  assertMatrix(action, "scores", scores);
  checkOptionKeys(action, options, { reduce: true } satisfies OptionKeys<FeatureScoresOptions>);
  const reduce = options.reduce ?? "l2";
  if (!["l2", "sum", "max"].includes(reduce)) {
    throw new RangeError(`Cannot ${action}: reduce must be l2, sum or max, got '${reduce}'`);
  }
  const { rows: k, cols: d, data } = scores;
  // As pruneMask refuses them: "max" skipped a NaN (a column of NaN scored -Infinity, removed
  // first), where "l2" and "sum" carried it on.
  for (let i = 0; i < data.length; i++) {
    if (Number.isNaN(data[i])) {
      throw new RangeError(
        `Cannot ${action}: scores hold NaN at row ${Math.floor(i / d)}, column ${i % d}`,
      );
    }
  }
  const out = new Float64Array(d).fill(reduce === "max" ? -Infinity : 0);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const v = data[c * d + j];
      if (reduce === "l2") out[j] += v * v;
      else if (reduce === "sum") out[j] += v;
      else if (v > out[j]) out[j] = v;
    }
  }
  if (reduce === "l2") { for (let j = 0; j < d; j++) out[j] = Math.sqrt(out[j]); }
  for (let j = 0; j < d; j++) {
    // Only "sum" gets here: +Infinity and -Infinity in one column added up to NaN.
    if (Number.isNaN(out[j])) {
      throw new RangeError(
        `Cannot ${action}: column ${j} sums +Infinity and -Infinity; use reduce "max" or "l2"`,
      );
    }
  }
  return { data: out, rows: 1, cols: d };
}

/** Options for {@linkcode pruneFeatures}: how many features to remove, by what, and the form. */
export interface PruneFeaturesOptions extends Omit<PruneTarget, "scope"> {
  /**
   * One score per feature, shape `(1, nFeatures)` or a plain array; lower removed first.
   * @default {featureScores(magnitudeScores(model)): the L2 norm of each column of W}
   */
  scores?: Matrix | ArrayLike<number>;
  /**
   * `"reduced"`: a model over the kept features only; `"masked"`: the full-width model with the
   * removed columns masked (see the module docs).
   * @default {"reduced"}
   */
  representation?: "reduced" | "masked";
  /**
   * Raw data whose mean the removed features' contributions are folded into the bias (as
   * `pruneModel`'s `compensate`): each output's bias gains `sum over removed j of w_j *
   * mean(x'_j)`, so the mean score over these data does not move.
   * @default {none}
   */
  compensate?: Matrix;
}

const PRUNE_FEATURES_OPTION_KEYS: OptionKeys<PruneFeaturesOptions> = {
  fraction: true,
  count: true,
  threshold: true,
  scores: true,
  representation: true,
  compensate: true,
};

/** The result of {@linkcode pruneFeatures}. */
export interface FeaturePruneResult {
  /** The pruned model, in the representation asked for. */
  readonly model: LogisticModel;
  /** Indices of the kept features among the input model's columns, ascending. */
  readonly features: Int32Array;
  /** Indices of the removed features, ascending. */
  readonly removed: Int32Array;
  /** The representation of `model`. */
  readonly representation: "reduced" | "masked";
}

/**
 * Removes whole input features: the lowest-scored columns of the weights, across all outputs.
 * A feature whose whole column the model's mask already removes stays removed and counts
 * towards the target; ties go to the lower column index first.
 *
 * @param model The model.
 * @param options The target (`fraction`, `count` or `threshold` of features), the feature
 *   scores, and the representation.
 * @returns The pruned model and which features it keeps.
 * @throws {TypeError} If the model is malformed or the scores have the wrong length.
 * @throws {RangeError} If the target is missing, ambiguous or out of range, or would remove every
 *   feature of a `"reduced"` model.
 *
 * @example Keep the ten strongest of thirty features
 * ```ts
 * import { pruneFeatures, selectFeatures } from "./structured.ts";
 * import { fit } from "../model/fit.ts";
 * import { predict } from "../model/predict.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const { model } = fit(data.x, data.y, { featureNames: data.featureNames });
 * const r = pruneFeatures(model, { count: 20 });
 * assert.equal(r.model.weights.cols, 10);
 * assert.deepEqual(r.model.featureNames, [...r.features].map((j) => data.featureNames[j]));
 * const predicted = predict(r.model, selectFeatures(data.x, r.features));
 * assert.equal(predicted.length, data.x.rows);
 * ```
 */
export function pruneFeatures(
  model: LogisticModel,
  options: PruneFeaturesOptions,
): FeaturePruneResult {
  const action = "prune features";
  validateModel(model, action);
  resolveTarget(action, options, PRUNE_FEATURES_OPTION_KEYS);
  const { rows: k, cols: d, data: w } = model.weights;
  const representation = options.representation ?? "reduced";
  if (representation !== "reduced" && representation !== "masked") {
    throw new RangeError(
      `Cannot ${action}: representation must be reduced or masked, got '${representation}'`,
    );
  }
  let scores: ArrayLike<number>;
  if (options.scores === undefined) {
    const norms = new Float64Array(d);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) norms[j] += w[c * d + j] * w[c * d + j];
    }
    scores = norms.map(Math.sqrt);
  } else {
    const s = options.scores;
    scores = isMatrix(s) ? s.data : s;
    // A matrix of another shape with d entries (say 2 x 2 for 4 features) is not one score per
    // feature either.
    if (
      scores === null || typeof scores !== "object" || scores.length !== d ||
      (isMatrix(s) && (s.rows !== 1 || s.cols !== d))
    ) {
      throw new TypeError(
        `Cannot ${action}: scores must hold one value per feature (${d}), got ${describe(s)}`,
      );
    }
  }
  let previous: Uint8Array | null = null;
  if (model.mask) {
    previous = new Uint8Array(d);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) if (model.mask[c * d + j] !== 0) previous[j] = 1;
    }
  }
  const keep = pruneMask(
    { data: Float64Array.from(scores), rows: 1, cols: d },
    previous,
    { ...targetOf(options), scope: "global" },
    action,
  );
  const features: number[] = [], removed: number[] = [];
  for (let j = 0; j < d; j++) (keep[j] ? features : removed).push(j);
  if (options.compensate !== undefined) {
    const means = inputMeans(model, options.compensate, action);
    const bias = model.bias.slice();
    for (let c = 0; c < k; c++) {
      for (const j of removed) bias[c] += w[c * d + j] * means[j];
    }
    model = { ...model, bias };
  }
  if (representation === "masked") {
    const mask = model.mask ? model.mask.slice() : new Uint8Array(k * d).fill(1);
    const data = w.slice();
    for (let c = 0; c < k; c++) {
      for (const j of removed) {
        mask[c * d + j] = 0;
        data[c * d + j] = 0;
      }
    }
    return {
      model: { ...model, weights: { data, rows: k, cols: d }, mask },
      features: Int32Array.from(features),
      removed: Int32Array.from(removed),
      representation,
    };
  }
  if (features.length === 0) {
    throw new RangeError(
      `Cannot ${action}: the target removes ${
        d === 1 ? "the only feature" : `all ${d} features`
      }; a reduced model needs one`,
    );
  }
  return {
    model: reduceModel(model, features),
    features: Int32Array.from(features),
    removed: Int32Array.from(removed),
    representation,
  };
}

/** The model restricted to the given columns. */
function reduceModel(model: LogisticModel, features: readonly number[]): LogisticModel {
  const { rows: k, cols: d, data: w } = model.weights;
  const m = features.length;
  const data = new Float64Array(k * m);
  const mask = model.mask ? new Uint8Array(k * m) : null;
  for (let c = 0; c < k; c++) {
    for (let q = 0; q < m; q++) {
      data[c * m + q] = w[c * d + features[q]];
      if (mask) mask[c * m + q] = model.mask![c * d + features[q]];
    }
  }
  const p = model.preprocessing;
  const reduced: LogisticModel = {
    ...model,
    weights: { data, rows: k, cols: m },
    bias: model.bias.slice(),
    featureNames: features.map((j) => model.featureNames[j]),
    preprocessing: p.kind === "none" ? p : {
      kind: "standardize",
      mean: Float64Array.from(features, (j) => p.mean[j]),
      scale: Float64Array.from(features, (j) => p.scale[j]),
    },
  };
  if (mask && mask.includes(0)) return { ...reduced, mask };
  const { mask: _dropped, ...withoutMask } = reduced;
  return withoutMask;
}

/**
 * Cuts full-width data down to the given feature columns (for a `"reduced"` model).
 *
 * @param x Full-width data, shape `(nSamples, nFeatures)`.
 * @param features Column indices to keep, in the reduced model's order.
 * @returns A new matrix, shape `(nSamples, features.length)`, of the same storage type.
 * @throws {TypeError} If `x` is not a matrix.
 * @throws {RangeError} If an index is out of range.
 *
 * @example Two of three columns
 * ```ts
 * import { selectFeatures } from "./structured.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = selectFeatures(fromRows([[1, 2, 3], [4, 5, 6]]), [0, 2]);
 * assert.deepEqual([...x.data], [1, 3, 4, 6]);
 * ```
 */
export function selectFeatures<T extends Matrix>(x: T, features: ArrayLike<number>): T {
  assertMatrix("select features", "x", x);
  return takeColumns(x, features) as T;
}

/**
 * The column indices, among full-width data whose columns are `names`, of the features a
 * (reduced) model takes: `featureIndices(model, names)[q]` is the column feeding the model's
 * feature `q`. This recovers the kept indices from a saved model, whose `featureNames` say which
 * features it takes.
 *
 * @param model The model.
 * @param names The feature names of the full-width data.
 * @returns One column index per model feature.
 * @throws {TypeError} If `names` is not an array, a model feature is missing from it or named
 *   twice there, or the model names a feature twice (both would read one column).
 *
 * @example Indices from names
 * ```ts
 * import { featureIndices } from "./structured.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([1, 2]), rows: 1, cols: 2 }, bias: new Float64Array(1),
 *   classes: ["a", "b"], featureNames: ["z", "x"], preprocessing: { kind: "none" },
 * };
 * assert.deepEqual([...featureIndices(model, ["x", "y", "z"])], [2, 0]);
 * ```
 */
export function featureIndices(model: LogisticModel, names: readonly string[]): Int32Array {
  const action = "find feature columns";
  validateModel(model, action);
  if (!Array.isArray(names)) {
    // It failed with "names.forEach is not a function".
    throw new TypeError(
      `Cannot ${action}: names must be an array of strings, got ${describe(names)}`,
    );
  }
  // A model may repeat a name (validateModel allows it; features are taken by position), but
  // by name both of its features would read the one column of that name.
  const twice = firstRepeat(model.featureNames);
  if (twice !== null) {
    throw new TypeError(
      `Cannot ${action}: the model names feature ${
        quotedText(model.featureNames[twice[1]])
      } twice (features ${twice[0]} and ${twice[1]}), so it cannot be matched to names`,
    );
  }
  const where = new Map<string, number>();
  const repeated = new Set<string>();
  names.forEach((name, j) => {
    if (where.has(name)) repeated.add(name);
    where.set(name, j);
  });
  return Int32Array.from(model.featureNames, (name) => {
    if (repeated.has(name)) {
      throw new TypeError(
        `Cannot ${action}: feature ${quotedText(name)} appears more than once in names`,
      );
    }
    const j = where.get(name);
    if (j === undefined) {
      throw new TypeError(
        `Cannot ${action}: the model's feature ${quotedText(name)} is not among names`,
      );
    }
    return j;
  });
}

function isMatrix(v: unknown): v is Matrix {
  return typeof v === "object" && v !== null && "data" in v && "rows" in v && "cols" in v;
}
