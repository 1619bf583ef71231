/**
 * A pruning study in one call: every strategy at every sparsity, measured on held-out data,
 * optionally fine-tuned. The data-based scores (Taylor, OBD) are computed once per strategy and
 * reused for every sparsity, so a sweep costs one scoring pass per strategy plus the
 * fine-tuning.
 *
 * @module
 */

import {
  assertInRange,
  checkOptionKeys,
  describe,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { effectiveWeights } from "../model/fit.ts";
import { accuracy } from "../metrics/metrics.ts";
import { checkSeed } from "../core/random.ts";
import { nestedOptionHint } from "../model/fit.ts";
import { predict } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { maskSparsity } from "./mask.ts";
import { pruneModel, softThresholdModel } from "./prune_model.ts";
import { FINE_TUNE_OPTION_KEYS, fineTune, type FineTuneOptions } from "./retrain.ts";
import { checkSamples, type Samples, type SampleWeightOptions, weightOptions } from "./scores.ts";
import { defaultScope, PRUNE_STRATEGIES, type PruneStrategy, strategyScores } from "./strategy.ts";

/** One pruned (and possibly fine-tuned) model of a sweep. */
export interface PruneSweepRow {
  /** The strategy. */
  readonly strategy: PruneStrategy;
  /** The scope its mask was ranked in. */
  readonly scope: "global" | "per-class";
  /** The requested fraction of weights removed, in [0, 1]. */
  readonly sparsity: number;
  /** The fraction of the model's weights its mask removes (equal to the request up to rounding). */
  readonly achievedSparsity: number;
  /** Whether the surviving weights were retrained after pruning. */
  readonly fineTuned: boolean;
  /** Accuracy on the held-out data, a fraction in [0, 1]. */
  readonly accuracy: number;
  /** The model. */
  readonly model: LogisticModel;
}

/**
 * Options for {@linkcode pruneSweep}. `sampleWeight` (one per row of `data.train`) and
 * `classWeight` weigh the training rows of the `taylor` and `obd` scores and of the fine-tuning.
 */
export interface PruneSweepOptions extends SampleWeightOptions {
  /**
   * The strategies to compare.
   * @default {["magnitude", "taylor", "obd", "l1", "random"]}
   */
  strategies?: readonly PruneStrategy[];
  /**
   * The fractions of weights to remove, each in [0, 1].
   * @default {[0.5, 0.7, 0.8, 0.9, 0.95, 0.98]}
   */
  sparsities?: readonly number[];
  /**
   * Rank all weights together or each class row on its own (see `pruneWithStrategy`).
   * @default {per strategy: "per-class" for taylor and obd, "global" otherwise}
   */
  scope?: "global" | "per-class";
  /**
   * L2 strength of the training objective, for `obd`: a finite number >= 0.
   * @default {0}
   */
  l2?: number;
  /**
   * Seed of `random`.
   * @default {0}
   */
  seed?: number;
  /**
   * Fold the removed weights' mean contribution over the training inputs into the bias (for
   * `l1`, the change of every weight: the removed ones and the survivors' shrinkage; see
   * `pruneModel` and `softThresholdModel`).
   * @default {false}
   */
  compensate?: boolean;
  /**
   * Retrain the survivors of every pruned model on the training data with these options
   * (`fineTune`), adding a fine-tuned row after each pruned one; `false` for none.
   * @default {false}
   */
  fineTune?: FineTuneOptions | false;
  /**
   * Called after each row, with the number of rows done and planned.
   * @default {none}
   */
  onProgress?: (row: PruneSweepRow, done: number, total: number) => void;
}

const PRUNE_SWEEP_OPTION_KEYS: OptionKeys<PruneSweepOptions> = {
  strategies: true,
  sparsities: true,
  scope: true,
  l2: true,
  seed: true,
  compensate: true,
  fineTune: true,
  onProgress: true,
  sampleWeight: true,
  classWeight: true,
};

/**
 * Prunes a model with each strategy to each sparsity and measures the accuracy on held-out
 * data, without and (if asked) with fine-tuning. Each row's model is what
 * `pruneWithStrategy(model, strategy, { fraction, scope, data: train, l2, seed, compensate })`
 * returns (`compensate: train.x` when the option is on; then
 * `fineTune` with the given options), so a row can be reproduced on its own.
 *
 * @param model The trained model (its mask, if any, is extended, never undone).
 * @param data `train`: raw training data for the data-based scores, bias compensation and
 *   fine-tuning; `test`: raw held-out data the accuracy is measured on.
 * @returns One row per strategy and sparsity (strategies in the given order, sparsities within
 *   each), followed by its fine-tuned row when fine-tuning is on.
 * @throws {TypeError} If the model or the data are malformed or do not match, `strategies` or
 *   `sparsities` is not an array, `seed` is not a finite number, or `fineTune` is neither
 *   `false` nor an object of `fineTune`'s options.
 * @throws {RangeError} If a strategy is unknown or given twice, a sparsity is outside [0, 1],
 *   given twice or below the model's own mask, or an option is out of range.
 *
 * @example Two strategies on the breast-cancer data
 * ```ts
 * import { pruneSweep } from "./sweep.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import { trainTestSplit } from "../data/preprocess.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const s = trainTestSplit(data.x, data.y, { seed: 0 });
 * const train = { x: s.xTrain, y: s.yTrain }, test = { x: s.xTest, y: s.yTest };
 * const { model } = fit(train.x, train.y);
 * const rows = pruneSweep(model, { train, test }, {
 *   strategies: ["magnitude", "random"],
 *   sparsities: [0.5, 0.9],
 * });
 * assert.deepEqual(rows.map((r) => `${r.strategy} ${r.sparsity}`),
 *   ["magnitude 0.5", "magnitude 0.9", "random 0.5", "random 0.9"]);
 * assert.equal(rows[0].achievedSparsity, 15 / 30);
 * ```
 */

export function pruneSweep(
  model: LogisticModel,
  data: { readonly train: Samples; readonly test: Samples },
  options: PruneSweepOptions = {},
): PruneSweepRow[] {
  const action = "run pruning sweep";
  validateModel(model, action);
  checkOptionKeys(action, options, PRUNE_SWEEP_OPTION_KEYS);
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`Cannot ${action}: data must be an object { train, test }`);
  }
  checkSamples(model, data.train, action, "data.train");
  checkSamples(model, data.test, action, "data.test");
  const strategies = options.strategies ?? PRUNE_STRATEGIES;
  const sparsities = options.sparsities ?? [0.5, 0.7, 0.8, 0.9, 0.95, 0.98];
  // Arrays: a string was iterated by character ("unknown strategy 'm'"), a number not at all.
  for (const [name, list] of [["strategies", strategies], ["sparsities", sparsities]] as const) {
    if (!Array.isArray(list)) {
      throw new TypeError(`Cannot ${action}: ${name} must be an array, got ${describe(list)}`);
    }
  }
  for (const s of strategies) {
    if (!PRUNE_STRATEGIES.includes(s)) {
      throw new RangeError(
        `Cannot ${action}: unknown strategy '${s}'; use one of ${PRUNE_STRATEGIES.join(", ")}`,
      );
    }
  }
  for (const f of sparsities) assertInRange(action, "sparsity", f, 0, 1);
  // Given twice, one was computed twice, into rows that a table (pivotRows) or sparsityFigure
  // refuses as two results at one point, after the whole sweep's work.
  for (const [name, list] of [["strategies", strategies], ["sparsities", sparsities]] as const) {
    const values = list as readonly unknown[];
    values.forEach((v, i) => {
      const first = values.indexOf(v);
      if (first < i) {
        throw new RangeError(
          `Cannot ${action}: ${name}[${first}] and ${name}[${i}] are both ${
            typeof v === "string" ? quotedText(v) : v
          }; give each once`,
        );
      }
    });
  }
  // Checked whatever the strategies (obd alone reads it): a nonsense value is a mistake anyway.
  // Finite, as lossDerivatives' and fit's bound: an infinite l2 was taken here and refused by
  // lossDerivatives in its own words ("Cannot compute loss derivatives"), or not at all when obd
  // was not among the strategies.
  if (options.l2 !== undefined) assertInRange(action, "l2", options.l2, 0, Number.MAX_VALUE);
  // Likewise the seed (random alone reads it): the generator refused it after the rows before it.
  checkSeed(action, options.seed);
  if (options.scope !== undefined && options.scope !== "global" && options.scope !== "per-class") {
    throw new RangeError(
      `Cannot ${action}: scope must be global or per-class, got '${options.scope}'`,
    );
  }
  if (options.compensate !== undefined && typeof options.compensate !== "boolean") {
    // pruneModel takes the data to compensate on; here it is always data.train.
    throw new TypeError(
      `Cannot ${action}: compensate must be a boolean (it compensates on data.train), got ` +
        describe(options.compensate),
    );
  }
  // Checked before any row, in this action's words; the scores and the fine-tuning take them.
  const weights = weightOptions(options);
  effectiveWeights(data.train.y, model.classes, weights, action);
  const tune = options.fineTune ?? false;
  if (tune !== false && typeof tune === "object" && tune !== null) {
    const twice = (["sampleWeight", "classWeight"] as const).filter((k) =>
      tune[k] !== undefined && options[k] !== undefined
    );
    if (twice.length > 0) {
      throw new RangeError(
        `Cannot ${action}: ${twice.join(" and ")} given both at the top level and in fineTune; ` +
          "give them once, at the top level (they weigh the scores and the fine-tuning)",
      );
    }
  }
  const given = Object.keys(weights);
  if (
    given.length > 0 && tune === false && !strategies.some((t) => t === "taylor" || t === "obd")
  ) {
    throw new RangeError(
      `Cannot ${action}: ${given.join(" and ")} would weigh nothing: no strategy reads data ` +
        "(taylor, obd) and nothing is fine-tuned",
    );
  }
  // fineTune checked them only when the first pruned row was done (true, or a misplaced key).
  if (tune !== false) {
    checkOptionKeys(
      action,
      tune,
      FINE_TUNE_OPTION_KEYS,
      "fineTune",
      nestedOptionHint(tune, FINE_TUNE_OPTION_KEYS),
    );
  }
  const total = strategies.length * sparsities.length * (tune ? 2 : 1);
  const measure = (m: LogisticModel) => accuracy(data.test.y, predict(m, data.test.x));
  const rows: PruneSweepRow[] = [];
  const push = (row: PruneSweepRow) => {
    rows.push(row);
    options.onProgress?.(row, rows.length, total);
  };
  for (const strategy of strategies) {
    const scope = options.scope ?? defaultScope(strategy);
    const scores = strategy === "l1" ? null : strategyScores(model, strategy, {
      data: data.train,
      l2: options.l2,
      seed: options.seed,
      // taylor and obd read the data; the others refuse weights.
      ...(strategy === "taylor" || strategy === "obd" ? weights : {}),
    });
    for (const fraction of sparsities) {
      const compensate = options.compensate ? data.train.x : undefined;
      const pruned = scores === null
        ? softThresholdModel(model, { fraction, scope, compensate })
        : pruneModel(model, { fraction, scope, scores, compensate });
      const base = {
        strategy,
        scope,
        sparsity: fraction,
        achievedSparsity: maskSparsity(pruned.mask!),
      };
      push({ ...base, fineTuned: false, accuracy: measure(pruned), model: pruned });
      if (tune) {
        const tuned = fineTune(pruned, data.train, { ...weights, ...tune }).model;
        push({ ...base, fineTuned: true, accuracy: measure(tuned), model: tuned });
      }
    }
  }
  return rows;
}
