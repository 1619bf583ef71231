/**
 * L1-penalised training as a pruning method: a regularisation path through `fit`'s OWL-QN
 * (L-BFGS) or proximal (SGD, Adam) steps, which set weights exactly to zero.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertInRange,
  assertLabels,
  assertMatrix,
  checkOptionKeys,
  describe,
  exactKeys,
  type OptionKeys,
  refuseSparse,
} from "../core/validate.ts";
import { applyPreprocessing, fitStandardizer, type Preprocessing } from "../data/preprocess.ts";
import {
  checkLabelCount,
  effectiveWeights,
  fit,
  FIT_OPTION_KEYS,
  type FitOptions,
  type FitResult,
  resolveLink,
} from "../model/fit.ts";
import type { LogisticModel } from "../model/types.ts";

/** Options for {@linkcode l1LambdaMax}. */
export interface L1LambdaMaxOptions {
  /**
   * Preprocessing, as `fit`'s option of that name.
   * @default {"standardize"}
   */
  preprocessing?: "standardize" | "none" | Preprocessing;
  /**
   * `"sigmoid"` (two classes), `"softmax"`, or `"auto"` (sigmoid for two classes).
   * @default {"auto"}
   */
  link?: "sigmoid" | "softmax" | "auto";
  /**
   * The class labels, as `fit`'s option of that name (what `classWeight` names, and with more
   * labels than `y` holds, the number of classes the link is resolved for).
   * @default {["0", "1", ...] up to the largest label}
   */
  classes?: readonly string[];
  /**
   * One weight per row, as `fit`'s option: `lambdaMax` of the weighted mean log loss the path's
   * `fit` minimises with it.
   * @default {none (every row counts once)}
   */
  sampleWeight?: FitOptions["sampleWeight"];
  /**
   * A weight per class label or `"balanced"`, as `fit`'s option (multiplies `sampleWeight`).
   * @default {none (every class weighs 1)}
   */
  classWeight?: FitOptions["classWeight"];
}

/**
 * The smallest L1 strength at which all weights are zero: with `W = 0` and the best bias
 * (class log-frequencies), `lambdaMax = max |dL/dw|` of the mean log loss. A path from it down
 * adds weights one by one. With `sampleWeight` or `classWeight`, of the weighted mean log loss
 * (`fit`'s objective with them; the best bias then has the weighted class frequencies).
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param y Class index per sample, shape `(nSamples)`.
 * @param options Preprocessing, link, classes and row weights, as the path's `fit` will use.
 * @returns `lambdaMax` (0 if the data cannot move any weight).
 * @throws {TypeError} If shapes disagree, `classes` is not an array, or a weight option has the
 *   wrong type or length (as `fit` refuses it).
 * @throws {RangeError} If `x` has no rows, a label is negative, not below the number of
 *   `classes` or would make more than 2^24 classes, the link is unknown or sigmoid for more than
 *   two classes, or a weight is refused as `fit` refuses it.
 *
 * @example Above lambdaMax the L1 solution is empty
 * ```ts
 * import { l1LambdaMax } from "./l1.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const lambda = l1LambdaMax(data.x, data.y) * 1.01;
 * const { model } = fit(data.x, data.y, { penalty: { kind: "l1", lambda } });
 * assert.ok(model.weights.data.every((w) => w === 0));
 * ```
 */
export function l1LambdaMax(x: Matrix, y: Int32Array, options: L1LambdaMaxOptions = {}): number {
  const action = "compute lambda max";
  assertMatrix(action, "x", x);
  checkOptionKeys(
    action,
    options,
    {
      preprocessing: true,
      link: true,
      classes: true,
      sampleWeight: true,
      classWeight: true,
    } satisfies OptionKeys<L1LambdaMaxOptions>,
  );
  if (options.classes !== undefined && !Array.isArray(options.classes)) {
    throw new TypeError(
      `Cannot ${action}: classes must be an array of labels, got ${describe(options.classes)}`,
    );
  }
  // A mean over no samples: NaN with preprocessing "none", the standardizer's TypeError otherwise.
  if (x.rows === 0) throw new RangeError(`Cannot ${action}: x has no rows`);
  assertLabels(action, y, x.rows, options.classes?.length);
  let k = 0;
  for (let i = 0; i < y.length; i++) k = Math.max(k, y[i] + 1);
  checkLabelCount(action, k - 1);
  k = Math.max(k, 2, options.classes?.length ?? 0);
  const classes = options.classes ?? Array.from({ length: k }, (_, c) => String(c));
  const { weights, weightSum } = effectiveWeights(y, classes, options, action);
  const p = options.preprocessing ?? "standardize";
  const prep: Preprocessing = p === "standardize"
    ? fitStandardizer(x)
    : p === "none"
    ? { kind: "none" }
    : p;
  const xt = applyPreprocessing(prep, x);
  // As fit resolves it (any string but sigmoid was taken for softmax).
  const link = resolveLink(action, options.link ?? "auto", k);
  const n = x.rows, d = x.cols;
  // Without weights every row weighs 1 and the total is n: the products below are then exact,
  // the unweighted value bit for bit.
  const total = weights === null ? n : weightSum;
  const freq = new Float64Array(k);
  for (let i = 0; i < n; i++) freq[y[i]] += (weights === null ? 1 : weights[i]) / total;
  // Gradient at W = 0 with the optimal bias: p_c = freq_c (weighted) for every sample.
  const rows = link === "sigmoid" ? 1 : k;
  const g = new Float64Array(rows * d);
  for (let i = 0; i < n; i++) {
    const s = weights === null ? 1 : weights[i];
    for (let c = 0; c < rows; c++) {
      const cls = link === "sigmoid" ? 1 : c;
      const r = s * (freq[cls] - (y[i] === cls ? 1 : 0));
      for (let j = 0; j < d; j++) g[c * d + j] += r * xt.data[i * d + j];
    }
  }
  let max = 0;
  for (let i = 0; i < g.length; i++) max = Math.max(max, Math.abs(g[i]) / total);
  return max;
}

/** One point of an L1 path. */
export interface L1PathPoint {
  /** The L1 strength. */
  readonly lambda: number;
  /** The model trained with it (warm-started from the previous point). */
  readonly model: LogisticModel;
  /** Fraction of weights exactly zero. */
  readonly sparsity: number;
  /** The full fit result. */
  readonly fit: FitResult;
}

/** Options for {@linkcode l1Path}: `fit`'s options except the penalty, plus the strengths. */
export interface L1PathOptions extends Omit<FitOptions, "penalty"> {
  /**
   * The L1 strengths, visited in the order given (a decreasing sequence adds weights as it goes
   * and warm starts well).
   * @default {10 values from lambdaMax (of the weighted loss, with weights) down to lambdaMax / 1000, geometric}
   */
  lambdas?: readonly number[];
  /**
   * Called after each point of the path.
   * @default {none}
   */
  onPoint?: (point: L1PathPoint) => void;
}

// fit's options but the penalty, which the path sets (a given one would be overwritten).
const { penalty: _penalty, ...L1_PATH_FIT_KEYS } = FIT_OPTION_KEYS;
const L1_PATH_OPTION_KEYS = exactKeys<L1PathOptions>()({
  ...L1_PATH_FIT_KEYS,
  lambdas: true,
  onPoint: true,
});

/**
 * Trains along an L1 regularisation path: one `fit` per strength with an L1 penalty (exact zeros
 * via OWL-QN or proximal steps), each warm-started from the previous model. Pick the point with
 * the sparsity wanted, then `pruneModel` it to an exact count (the existing zeros rank lowest)
 * and `fineTune` the survivors without the L1 shrinkage.
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @param y Class index per sample, shape `(nSamples)`.
 * @param options The strengths, and `fit`'s other options (`sampleWeight` and `classWeight`
 *   weigh every point's training and the default strengths' `lambdaMax`).
 * @returns One point per strength.
 * @throws {TypeError} If shapes disagree or `lambdas` is not an array.
 * @throws {RangeError} If a strength is negative or not finite, or as `fit` does.
 *
 * @example Sparsity falls along a decreasing path
 * ```ts
 * import { l1LambdaMax, l1Path } from "./l1.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const top = l1LambdaMax(data.x, data.y);
 * const path = l1Path(data.x, data.y, { lambdas: [top / 2, top / 20, top / 200] });
 * assert.ok(path[0].sparsity > path[2].sparsity);
 * ```
 */
export function l1Path(x: Matrix, y: Int32Array, options: L1PathOptions = {}): L1PathPoint[] {
  const action = "train an L1 path";
  // Its default lambdas need l1LambdaMax, which takes dense data only.
  refuseSparse(action, "x", x);
  checkOptionKeys(action, options, L1_PATH_OPTION_KEYS);
  const { lambdas: given, onPoint, ...fitOptions } = options;
  const lambdas = given ?? defaultLambdas(x, y, options);
  if (!Array.isArray(lambdas)) {
    throw new TypeError(`Cannot ${action}: lambdas must be an array, got ${describe(lambdas)}`);
  }
  // Finite, as fit's penalty.lambda: an infinite strength was taken here and refused by fit in
  // its own words ("Cannot fit model"), after the points before it were trained.
  lambdas.forEach((l, i) => assertInRange(action, `lambdas[${i}]`, l, 0, Number.MAX_VALUE));
  const points: L1PathPoint[] = [];
  let initial = options.initial;
  // After the first point, each warm start carries the link, classes, feature names and
  // preprocessing, which fit refuses to be given again next to it.
  const {
    link: _link,
    classes: _classes,
    featureNames: _featureNames,
    preprocessing: _preprocessing,
    ...warmOptions
  } = fitOptions;
  for (const lambda of lambdas) {
    const shared = initial === options.initial ? fitOptions : warmOptions;
    const result = fit(x, y, { ...shared, initial, penalty: { kind: "l1", lambda } });
    const w = result.model.weights.data;
    let zeros = 0;
    for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
    const point = { lambda, model: result.model, sparsity: zeros / w.length, fit: result };
    points.push(point);
    onPoint?.(point);
    initial = result.model;
  }
  return points;
}

function defaultLambdas(x: Matrix, y: Int32Array, options: L1PathOptions): number[] {
  const classes = options.initial?.classes ?? options.classes;
  const top = l1LambdaMax(x, y, {
    preprocessing: options.initial?.preprocessing ?? options.preprocessing,
    link: options.initial?.link ?? options.link,
    ...(classes === undefined ? {} : { classes }),
    ...(options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight }),
    ...(options.classWeight === undefined ? {} : { classWeight: options.classWeight }),
  });
  return Array.from({ length: 10 }, (_, i) => top * 1000 ** (-i / 9));
}
