/**
 * Pruning by strategy name, one call for every criterion the library knows (what the `lrc prune`
 * command and the benchmark use).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { checkSeed } from "../core/random.ts";
import { checkOptionKeys, type OptionKeys } from "../core/validate.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { type PruneTarget, resolveTarget, targetCount } from "./mask.ts";
import { pruneModel, softThresholdModel } from "./prune_model.ts";
import {
  magnitudeScores,
  obdScores,
  randomScores,
  type Samples,
  type SampleWeightOptions,
  taylorScores,
  weightOptions,
} from "./scores.ts";

/** The pruning strategies. */
export const PRUNE_STRATEGIES = ["magnitude", "taylor", "obd", "l1", "random"] as const;

/**
 * `"magnitude"`: remove the smallest `|w|`; `"taylor"`: the smallest first-order Taylor
 * saliency; `"obd"`: the smallest Optimal Brain Damage saliency; `"l1"`: the L1 proximal step
 * (soft threshold: also shrinks the survivors); `"random"`: a seeded random subset.
 */
export type PruneStrategy = typeof PRUNE_STRATEGIES[number];

/**
 * Options for {@linkcode pruneWithStrategy}. `sampleWeight` and `classWeight` weigh the rows of
 * `data` for `taylor` and `obd` (the derivatives of `fit`'s weighted objective); the other
 * strategies read no data and refuse them.
 */
export interface PruneWithStrategyOptions extends Omit<PruneTarget, "scope">, SampleWeightOptions {
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
   * Fold the removed weights' mean contribution over these raw data into the bias (see
   * `pruneModel`; for `l1`, the shrinkage of the survivors too, see `softThresholdModel`). With
   * `steps`, once, after the last step (the steps score the model without it, so that a row
   * losing weights shows it in its residuals).
   * @default {none}
   */
  compensate?: Matrix;
  /**
   * Prune in this many steps and score the model again before each one (`taylor` and `obd`
   * only: their saliencies change as weights go, magnitude and random rankings do not). The
   * fraction of weights kept shrinks geometrically from the model's current share to the
   * target's, the schedule of SynFlow (Tanaka et al. 2020), which re-scores in steps against the
   * collapse of a global saliency ranking; the last step meets the target exactly. Needs a
   * `fraction` or `count` target.
   * @default {1}
   */
  steps?: number;
}

const PRUNE_WITH_STRATEGY_OPTION_KEYS: OptionKeys<PruneWithStrategyOptions> = {
  fraction: true,
  count: true,
  threshold: true,
  scope: true,
  data: true,
  l2: true,
  seed: true,
  compensate: true,
  steps: true,
  sampleWeight: true,
  classWeight: true,
};

/**
 * Scores a model with the named strategy and prunes it to the target.
 *
 * @param model The model (its mask, if any, is extended, never undone).
 * @param strategy The strategy.
 * @param options The target, data (and their row weights) for data-based strategies, L2
 *   strength, seed.
 * @returns The pruned model, with `mask`.
 * @throws {TypeError} If the model is malformed, the data do not match it, an option is unknown,
 *   or `seed` is not a finite number.
 * @throws {RangeError} If the strategy is unknown, data are missing for `taylor`/`obd`, row
 *   weights come with a strategy that reads no data, or the target is invalid.
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
  // Here, not only in pruneModel: the steps read the weights' shape before it runs.
  validateModel(model, "prune model");
  checkOptionKeys("prune model", options, PRUNE_WITH_STRATEGY_OPTION_KEYS);
  checkSeed("prune model", options.seed);
  const target: PruneTarget = {
    fraction: options.fraction,
    count: options.count,
    threshold: options.threshold,
    scope: options.scope ?? defaultScope(strategy),
  };
  const scoring = {
    data: options.data,
    l2: options.l2,
    seed: options.seed,
    ...weightOptions(options),
  };
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`Cannot prune model: steps must be an integer >= 1, got ${steps}`);
  }
  if (steps > 1 && strategy !== "taylor" && strategy !== "obd") {
    throw new RangeError(
      `Cannot prune model: steps applies to taylor and obd (${strategy} ranks the weights the ` +
        `same at every step)`,
    );
  }
  if (steps > 1 && target.threshold !== undefined) {
    throw new RangeError("Cannot prune model: steps needs a fraction or count target");
  }
  if (strategy === "l1") {
    refuseWeights("prune model", strategy, options);
    return softThresholdModel(model, { ...target, compensate: options.compensate });
  }
  let current = model;
  if (steps > 1) {
    const resolved = resolveTarget("prune model", target);
    const k = model.weights.rows, d = model.weights.cols;
    const size = resolved.scope === "global" ? k * d : d;
    const want = targetCount(resolved, size);
    if (want > size) {
      // Checked here, as pruneMask would: the schedule below needs a share in [0, 1].
      throw new RangeError(
        `Cannot prune model: count ${want} exceeds the ${size} weights${
          resolved.scope === "global" ? "" : " of a class row"
        }`,
      );
    }
    const final = want / size;
    // The current share removed: the largest of any group, so no step asks a group for fewer
    // removals than its mask already has.
    let start = 0;
    if (model.mask) {
      const groups = resolved.scope === "global" ? 1 : k;
      for (let g = 0; g < groups; g++) {
        let zeros = 0;
        for (let i = g * size; i < (g + 1) * size; i++) if (model.mask[i] === 0) zeros++;
        start = Math.max(start, zeros / size);
      }
    }
    for (let t = 1; t < steps && start < final; t++) {
      const kept = (1 - start) * Math.pow((1 - final) / (1 - start), t / steps);
      current = pruneModel(current, {
        fraction: Math.max(start, 1 - kept),
        scope: resolved.scope,
        scores: strategyScores(current, strategy, scoring),
      });
    }
    const last = pruneModel(current, {
      ...target,
      scores: strategyScores(current, strategy, scoring),
    });
    if (!options.compensate) return last;
    // Compensate once, for every weight the steps removed, from the model as given: the same
    // mask, applied in one call whose scores are the mask itself.
    const mask = last.mask!;
    return pruneModel(model, {
      count: mask.length - mask.reduce((a, b) => a + b, 0),
      scores: { data: Float64Array.from(mask), rows: k, cols: d },
      compensate: options.compensate,
    });
  }
  return pruneModel(current, {
    ...target,
    scores: strategyScores(current, strategy, scoring),
    compensate: options.compensate,
  });
}

/**
 * The scores a strategy ranks by (for `l1`, `|w|`, its soft threshold's criterion).
 *
 * @param model The model.
 * @param strategy The strategy.
 * @param options Data (and their row weights), L2 strength and seed, as for
 *   {@linkcode pruneWithStrategy} (whose options may be passed as they are; the others are not
 *   read).
 * @returns Scores, shape `(nOutputs, nFeatures)`.
 * @throws {TypeError} If an option is unknown.
 * @throws {RangeError} If the strategy is unknown, needs data that are missing, or reads no data
 *   and is given row weights.
 */
export function strategyScores(
  model: LogisticModel,
  strategy: PruneStrategy,
  options: Pick<
    PruneWithStrategyOptions,
    "data" | "l2" | "seed" | "sampleWeight" | "classWeight"
  > = {},
): Matrix<Float64Array> {
  // pruneWithStrategy's options may be passed as they are: its other keys are not read here.
  checkOptionKeys("score weights", options, PRUNE_WITH_STRATEGY_OPTION_KEYS);
  const data = () => {
    if (!options.data) {
      throw new RangeError(`Cannot score weights: the ${strategy} strategy needs data`);
    }
    return options.data;
  };
  const weights = weightOptions(options);
  switch (strategy) {
    case "magnitude":
    case "l1":
      refuseWeights("score weights", strategy, options);
      return magnitudeScores(model);
    case "taylor":
      return taylorScores(model, data(), weights);
    case "obd":
      return obdScores(model, data(), { l2: options.l2 ?? 0, ...weights });
    case "random":
      refuseWeights("score weights", strategy, options);
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
 * Refuses row weights for a strategy that reads no data: they would be dropped without a word,
 * and a caller who weighs the rows expects the ranking to change.
 */
function refuseWeights(action: string, strategy: string, options: SampleWeightOptions): void {
  const given = (["sampleWeight", "classWeight"] as const).filter((k) => options[k] !== undefined);
  if (given.length === 0) return;
  throw new RangeError(
    `Cannot ${action}: the ${strategy} strategy reads no data, so ${
      given.join(" and ")
    } would weigh nothing; use taylor or obd, or weigh the training (fit, fineTune) instead`,
  );
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
