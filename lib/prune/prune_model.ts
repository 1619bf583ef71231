/**
 * Applying masks to models: {@linkcode pruneModel} (hard threshold by any scores),
 * {@linkcode softThresholdModel} (the L1 proximal step) and {@linkcode withMask}.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { assertFinite, assertMatrix, counted, describe, exactKeys } from "../core/validate.ts";
import { validateModel } from "../model/validate_model.ts";
import type { LogisticModel } from "../model/types.ts";
import {
  checkPrevious,
  PRUNE_TARGET_KEYS,
  pruneMask,
  type PruneTarget,
  resolveTarget,
  targetOf,
} from "./mask.ts";
import { magnitudeScores } from "./scores.ts";

/** Options for {@linkcode pruneModel}: the target, and what ranks the weights. */
export interface PruneModelOptions extends PruneTarget {
  /**
   * Scores, shape `(nOutputs, nFeatures)`, lower removed first (see `./scores.ts`).
   * @default {magnitudeScores(model)}
   */
  scores?: Matrix;
  /**
   * Raw data, shape `(nSamples, nFeatures)`, whose mean the removed weights' contributions are
   * folded into the bias: each output's bias gains `sum over removed j of w_j * mean(x'_j)`
   * (`x'` preprocessed as the model does), so the mean score over these data does not move.
   * Useful when inputs are not centred (e.g. pixels in [0, 1]); a standardised model fitted on
   * the same data needs no compensation (its feature means are 0).
   * @default {none}
   */
  compensate?: Matrix;
}

const SOFT_THRESHOLD_OPTION_KEYS = exactKeys<SoftThresholdOptions>()({
  ...PRUNE_TARGET_KEYS,
  compensate: true,
});

const PRUNE_MODEL_OPTION_KEYS = exactKeys<PruneModelOptions>()({
  ...PRUNE_TARGET_KEYS,
  scores: true,
  compensate: true,
});

/**
 * Prunes a model: a new model whose mask removes the lowest-scored weights (the previous mask's
 * removals stay), with those weights set to exactly zero.
 *
 * @param model The model; its `mask`, if any, is the previous mask.
 * @param options The target (`fraction`, `count` or `threshold`, `scope`), the scores, and
 *   optional bias compensation.
 * @returns A new model with `mask`; `model` is not changed.
 * @throws {TypeError} If the model is malformed or scores/data do not match its shape.
 * @throws {RangeError} If the target is missing, ambiguous or out of range, or asks for fewer
 *   removals than the model's mask already has.
 *
 * @example Remove half the weights by magnitude
 * ```ts
 * import { pruneModel } from "./prune_model.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const { model } = fit(data.x, data.y);
 * const pruned = pruneModel(model, { fraction: 0.5 });
 * assert.equal(pruned.mask!.filter((m) => m === 0).length, 15);
 * assert.equal(pruned.weights.data.filter((w) => w === 0).length, 15);
 * ```
 */
export function pruneModel(model: LogisticModel, options: PruneModelOptions): LogisticModel {
  const action = "prune model";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${action}: options must be an object with a target`);
  }
  validateModel(model, action);
  resolveTarget(action, options, PRUNE_MODEL_OPTION_KEYS);
  const scores = options.scores ?? magnitudeScores(model);
  assertMatrix(action, "scores", scores);
  const { rows, cols } = model.weights;
  if (scores.rows !== rows || scores.cols !== cols) {
    throw new TypeError(
      `Cannot ${action}: scores are ${scores.rows} x ${scores.cols}, the weights ${rows} x ${cols}`,
    );
  }
  const mask = pruneMask(scores, model.mask ?? null, targetOf(options), action);
  return applyMask(model, mask, options.compensate, action);
}

/**
 * Attaches a mask to a model: masked weights become exactly zero. The mask must keep every
 * weight the model's own mask removed (no revival).
 *
 * @param model The model.
 * @param mask The mask, shape `(nOutputs * nFeatures)`, entries 0 or 1.
 * @returns A new model with the mask; `model` is not changed.
 * @throws {TypeError} If the mask has the wrong type or length.
 * @throws {RangeError} If an entry is not 0 or 1, or the mask revives a removed weight.
 *
 * @example Mask the first weight
 * ```ts
 * import { withMask } from "./prune_model.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
 * const masked = withMask(model, Uint8Array.from([0, 1]));
 * assert.equal(masked.weights.data[0], 0);
 * assert.equal(masked.weights.data[1], model.weights.data[1]);
 * ```
 */
export function withMask(model: LogisticModel, mask: Uint8Array): LogisticModel {
  const action = "apply mask";
  validateModel(model, action);
  if (!(mask instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: mask must be a Uint8Array, got ${describe(mask)}`);
  }
  checkPrevious(action, mask, model.weights.data.length, "mask");
  const old = model.mask;
  if (old) {
    for (let i = 0; i < mask.length; i++) {
      if (old[i] === 0 && mask[i] !== 0) {
        throw new RangeError(
          `Cannot ${action}: entry ${i} was removed by the model's mask; masks never revive`,
        );
      }
    }
  }
  return applyMask(model, mask.slice(), undefined, action);
}

/** Options for {@linkcode softThresholdModel}. */
export interface SoftThresholdOptions extends PruneTarget {
  /**
   * Raw data whose mean the change of every weight (the removed ones and the shrinkage of the
   * survivors) is folded into the bias, as `pruneModel`'s `compensate` does for removed weights.
   * @default {none}
   */
  compensate?: Matrix;
}

/**
 * The L1 proximal step after training: `w <- sign(w) * max(|w| - t, 0)`. With `threshold` the
 * step size `t` is given (a negative one is a step of 0: nothing grows, nothing is removed); with `fraction` or `count`, `t` is the smallest value that removes
 * exactly that many weights (the largest `|w|` among those removed; ties as in `pruneMask`). The
 * removed weights are masked; the others shrink by `t` (a kept weight tied at `|w| = t` becomes 0
 * but stays trainable). Compare `pruneModel`, which keeps the survivors as they are.
 *
 * @param model The model; its mask, if any, is kept.
 * @param options The target and scope (`"per-class"` uses one `t` per output row).
 * @returns A new model with `mask` and shrunken weights; `model` is not changed.
 * @throws {TypeError} If the model is malformed.
 * @throws {RangeError} If the target is missing, ambiguous or out of range.
 *
 * @example Soft threshold at 0.5
 * ```ts
 * import { softThresholdModel } from "./prune_model.ts";
 * import type { LogisticModel } from "../model/types.ts";
 * import assert from "node:assert/strict";
 *
 * const model: LogisticModel = {
 *   kind: "logistic-regression", version: 1, link: "sigmoid",
 *   weights: { data: Float64Array.from([2, -0.25, -1]), rows: 1, cols: 3 },
 *   bias: new Float64Array(1), classes: ["a", "b"], featureNames: ["x", "y", "z"],
 *   preprocessing: { kind: "none" },
 * };
 * const s = softThresholdModel(model, { threshold: 0.5 });
 * assert.deepEqual([...s.weights.data], [1.5, 0, -0.5]);
 * assert.deepEqual([...s.mask!], [1, 0, 1]);
 * ```
 */
export function softThresholdModel(
  model: LogisticModel,
  options: SoftThresholdOptions,
): LogisticModel {
  const action = "soft-threshold model";
  validateModel(model, action);
  const target = resolveTarget(
    action,
    options,
    SOFT_THRESHOLD_OPTION_KEYS,
  );
  const scores = magnitudeScores(model);
  const mask = pruneMask(scores, model.mask ?? null, targetOf(options), action);
  const { rows, cols, data } = model.weights;
  const w = data.slice();
  const groups: [number, number][] = target.scope === "global"
    ? [[0, w.length]]
    : Array.from({ length: rows }, (_, r) => [r * cols, cols]);
  for (const [start, length] of groups) {
    let t = target.kind === "threshold" ? Math.max(0, target.value) : 0;
    if (target.kind !== "threshold") {
      for (let i = start; i < start + length; i++) {
        if (mask[i] === 0 && scores.data[i] > t) t = scores.data[i];
      }
    }
    for (let i = start; i < start + length; i++) {
      const v = w[i];
      w[i] = mask[i] === 0 ? 0 : v > t ? v - t : v < -t ? v + t : 0;
    }
  }
  let bias = model.bias;
  if (options.compensate) {
    const means = inputMeans(model, options.compensate, action);
    bias = bias.slice();
    for (let c = 0; c < rows; c++) {
      for (let j = 0; j < cols; j++) bias[c] += (data[c * cols + j] - w[c * cols + j]) * means[j];
    }
  }
  return applyMask({ ...model, weights: { data: w, rows, cols }, bias }, mask, undefined, action);
}

function applyMask(
  model: LogisticModel,
  mask: Uint8Array,
  compensate: Matrix | undefined,
  action: string,
): LogisticModel {
  const { rows, cols, data } = model.weights;
  const w = data.slice();
  const bias = model.bias.slice();
  const means = compensate ? inputMeans(model, compensate, action) : null;
  for (let c = 0; c < rows; c++) {
    let shift = 0;
    for (let j = 0; j < cols; j++) {
      const i = c * cols + j;
      if (mask[i] !== 0) continue;
      if (means) shift += w[i] * means[j];
      w[i] = 0;
    }
    bias[c] += shift;
  }
  return { ...model, weights: { data: w, rows, cols }, bias, mask };
}

/**
 * Mean of each feature of raw `x` after the model's preprocessing: what bias compensation folds
 * the removed weights against.
 *
 * @param model The model (its preprocessing and width).
 * @param x Raw data, shape `(nSamples, nFeatures)`.
 * @param action What the caller was doing, for messages.
 * @returns The means, one per feature.
 * @throws {TypeError} If `x` is not a matrix of the model's width.
 * @throws {RangeError} If `x` has no rows or holds a non-finite value.
 */
export function inputMeans(model: LogisticModel, x: Matrix, action: string): Float64Array {
  assertMatrix(action, "compensate", x);
  const d = model.weights.cols;
  if (x.cols !== d) {
    throw new TypeError(
      `Cannot ${action}: the model takes ${counted(d, "feature")}, compensate has ${x.cols}`,
    );
  }
  if (x.rows === 0) throw new RangeError(`Cannot ${action}: compensate has no rows`);
  assertFinite(action, "compensate", x.data, d);
  const sum = new Float64Array(d);
  for (let i = 0; i < x.rows; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) sum[j] += x.data[o + j];
  }
  const p = model.preprocessing;
  for (let j = 0; j < d; j++) {
    sum[j] /= x.rows;
    if (p.kind === "standardize") sum[j] = (sum[j] - p.mean[j]) / p.scale[j];
  }
  return sum;
}
