/**
 * Pruning by strategy name, one call for every criterion the library knows (what the `lrc prune`
 * command and the benchmark use).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { LogisticModel } from "../model/types.ts";
import type { PruneTarget } from "./mask.ts";
import { pruneModel, softThresholdModel } from "./prune_model.ts";
import { magnitudeScores, obdScores, randomScores, type Samples, taylorScores } from "./scores.ts";

/** The pruning strategies. */
export const PRUNE_STRATEGIES = ["magnitude", "taylor", "obd", "l1", "random"] as const;

/**
 * `"magnitude"`: remove the smallest `|w|`; `"taylor"`: the smallest first-order Taylor
 * saliency; `"obd"`: the smallest Optimal Brain Damage saliency; `"l1"`: the L1 proximal step
 * (soft threshold: also shrinks the survivors); `"random"`: a seeded random subset.
 */
export type PruneStrategy = typeof PRUNE_STRATEGIES[number];

/** Options for {@linkcode pruneWithStrategy}. */
export interface PruneWithStrategyOptions extends Omit<PruneTarget, "scope"> {
  /**
   * Rank all weights together or each class row on its own. The saliencies of `taylor` and
   * `obd` vanish for classes the model already separates well (small residuals, `p (1 - p)`
   * near 0), so a global ranking can empty whole class rows (on Fashion-MNIST at 90 % Taylor removes
   * every weight of three classes and ends below random pruning); per class they keep a share of
   * every row.
   * @default {"per-class" for taylor and obd, "global" otherwise}
   */
  scope?: PruneTarget["scope"];
  /**
   * Training data for the data-based strategies (`taylor`, `obd`) and for `compensate`.
   * @default {none; required by taylor and obd}
   */
  data?: Samples;
  /**
   * L2 strength of the training objective, for `obd`.
   * @default {0}
   */
  l2?: number;
  /**
   * Seed of `random`.
   * @default {0}
   */
  seed?: number;
  /**
   * Fold the removed weights' mean contribution over these raw data into the bias (not for
   * `l1`; see `pruneModel`).
   * @default {none}
   */
  compensate?: Matrix;
}

/**
 * Scores a model with the named strategy and prunes it to the target.
 *
 * @param model The model (its mask, if any, is extended, never undone).
 * @param strategy The strategy.
 * @param options The target, data for data-based strategies, L2 strength, seed.
 * @returns The pruned model, with `mask`.
 * @throws {TypeError} If the data do not match the model.
 * @throws {RangeError} If the strategy is unknown, data are missing for `taylor`/`obd`, or the
 *   target is invalid.
 *
 * @example Same target, different strategies
 * ```ts
 * import { pruneWithStrategy } from "./strategy.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const { model } = fit(data.x, data.y);
 * for (const strategy of ["magnitude", "taylor", "obd", "l1", "random"] as const) {
 *   const pruned = pruneWithStrategy(model, strategy, { fraction: 0.5, data });
 *   assert.equal(pruned.mask!.filter((m) => m === 0).length, 15);
 * }
 * ```
 */
export function pruneWithStrategy(
  model: LogisticModel,
  strategy: PruneStrategy,
  options: PruneWithStrategyOptions,
): LogisticModel {
  const target: PruneTarget = {
    fraction: options.fraction,
    count: options.count,
    threshold: options.threshold,
    scope: options.scope ?? defaultScope(strategy),
  };
  if (strategy === "l1") return softThresholdModel(model, target);
  return pruneModel(model, {
    ...target,
    scores: strategyScores(model, strategy, options),
    compensate: options.compensate,
  });
}

/**
 * The scores a strategy ranks by (for `l1`, `|w|`, its soft threshold's criterion).
 *
 * @param model The model.
 * @param strategy The strategy.
 * @param options Data, L2 strength and seed, as for {@linkcode pruneWithStrategy}.
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {RangeError} If the strategy is unknown or needs data that are missing.
 */
export function strategyScores(
  model: LogisticModel,
  strategy: PruneStrategy,
  options: Pick<PruneWithStrategyOptions, "data" | "l2" | "seed"> = {},
): Matrix<Float64Array> {
  const data = () => {
    if (!options.data) {
      throw new RangeError(`Cannot score weights: the ${strategy} strategy needs data`);
    }
    return options.data;
  };
  switch (strategy) {
    case "magnitude":
    case "l1":
      return magnitudeScores(model);
    case "taylor":
      return taylorScores(model, data());
    case "obd":
      return obdScores(model, data(), { l2: options.l2 ?? 0 });
    case "random":
      return randomScores(model, { seed: options.seed ?? 0 });
    default:
      throw new RangeError(
        `Cannot score weights: unknown strategy '${strategy}'; use one of ${
          PRUNE_STRATEGIES.join(", ")
        }`,
      );
  }
}

/**
 * The scope a strategy uses by default: `"per-class"` for the saliency-based `taylor` and `obd`,
 * `"global"` for the others (see `PruneWithStrategyOptions.scope`).
 *
 * @param strategy The strategy.
 * @returns Its default scope.
 */
export function defaultScope(strategy: PruneStrategy): "global" | "per-class" {
  return strategy === "taylor" || strategy === "obd" ? "per-class" : "global";
}
