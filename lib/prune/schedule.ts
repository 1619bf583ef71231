/**
 * The polynomial sparsity schedule of Zhu and Gupta (2017, "To prune, or not to prune"): sparsity
 * rises from `initialSparsity` to `finalSparsity` fast at first and slowly at the end, when few
 * weights are left to spare.
 *
 * @module
 */

import { assertInRange, checkOptionKeys, type OptionKeys } from "../core/validate.ts";

/** The schedule's settings, in steps (epochs when used by `gradualPrune`). */
export interface PolynomialScheduleOptions {
  /**
   * Sparsity reached at `endStep` and kept afterwards, in `[0, 1]`.
   * @default {0.9}
   */
  finalSparsity?: number;
  /**
   * Sparsity at `beginStep`, in `[0, finalSparsity]`.
   * @default {0}
   */
  initialSparsity?: number;
  /**
   * Step at which pruning starts (sparsity 0 before it).
   * @default {0}
   */
  beginStep?: number;
  /**
   * Step at which `finalSparsity` is reached; greater than `beginStep`.
   * @default {100}
   */
  endStep?: number;
  /**
   * Exponent of the polynomial (3 in Zhu and Gupta; 1 is linear).
   * @default {3}
   */
  exponent?: number;
  /**
   * Steps between pruning updates: the sparsity is constant between them (Zhu and Gupta's
   * `Δt`). `endStep - beginStep` should be a multiple of it.
   * @default {1}
   */
  frequency?: number;
}

/**
 * The target sparsity at a step:
 * `s(t) = s_f + (s_i - s_f) * (1 - (t' - t_0) / (t_end - t_0)) ^ exponent`, where `t'` is `t`
 * rounded down to the update grid `t_0 + m * frequency` and clamped to `[t_0, t_end]`; 0 before
 * `t_0`.
 *
 * @param step The step (epoch), any number.
 * @param options The schedule.
 * @returns The sparsity in `[0, 1]`.
 * @throws {RangeError} If a setting is out of range.
 *
 * @example Cubic from 0 to 90 % over 10 steps
 * ```ts
 * import { polynomialSparsity } from "./schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const s = { finalSparsity: 0.9, endStep: 10 };
 * assert.equal(polynomialSparsity(0, s), 0);
 * assert.equal(polynomialSparsity(5, s), 0.9 - 0.9 * 0.5 ** 3);
 * assert.equal(polynomialSparsity(10, s), 0.9);
 * assert.equal(polynomialSparsity(25, s), 0.9);
 * ```
 */
export function polynomialSparsity(
  step: number,
  options: PolynomialScheduleOptions = {},
): number {
  const s = resolveSchedule(options);
  if (typeof step !== "number" || Number.isNaN(step)) {
    throw new RangeError(`Cannot compute scheduled sparsity: step must be a number, got ${step}`);
  }
  if (step < s.beginStep) return 0;
  if (step >= s.endStep) return s.finalSparsity;
  // The last grid point at or before the step; the tolerance keeps a step on a grid point of a
  // fractional frequency (0.3 / 0.1 = 2.9999999999999996) from falling to the one before.
  const k = Math.floor((step - s.beginStep) / s.frequency + 1e-9);
  const t = s.beginStep + k * s.frequency;
  const progress = (t - s.beginStep) / (s.endStep - s.beginStep);
  const q = (1 - progress) ** s.exponent;
  // s_f + (s_i - s_f) q, written so that both ends are exact.
  return q * s.initialSparsity + (1 - q) * s.finalSparsity;
}

const SCHEDULE_KEYS: OptionKeys<PolynomialScheduleOptions> = {
  finalSparsity: true,
  initialSparsity: true,
  beginStep: true,
  endStep: true,
  exponent: true,
  frequency: true,
};

/**
 * Checks a schedule and fills in the defaults.
 *
 * @param options The schedule.
 * @returns Every setting.
 * @throws {TypeError} If a setting is unknown.
 * @throws {RangeError} If a setting is out of range.
 */
export function resolveSchedule(
  options: PolynomialScheduleOptions,
): Required<PolynomialScheduleOptions> {
  const action = "compute scheduled sparsity";
  checkOptionKeys(action, options, SCHEDULE_KEYS);
  const finalSparsity = options.finalSparsity ?? 0.9;
  const initialSparsity = options.initialSparsity ?? 0;
  const beginStep = options.beginStep ?? 0;
  const endStep = options.endStep ?? 100;
  const exponent = options.exponent ?? 3;
  const frequency = options.frequency ?? 1;
  assertInRange(action, "finalSparsity", finalSparsity, 0, 1);
  assertInRange(action, "initialSparsity", initialSparsity, 0, finalSparsity);
  assertInRange(action, "beginStep", beginStep, -Infinity, Infinity);
  if (!(endStep > beginStep) || !Number.isFinite(endStep)) {
    throw new RangeError(
      `Cannot ${action}: endStep must be finite and greater than beginStep (${beginStep}), got ${endStep}`,
    );
  }
  assertInRange(action, "exponent", exponent, Number.MIN_VALUE, 1e6);
  assertInRange(action, "frequency", frequency, Number.MIN_VALUE, Infinity);
  return { finalSparsity, initialSparsity, beginStep, endStep, exponent, frequency };
}

/**
 * What iterative pruning to a target removes after each of `rounds` rounds, on the cubic
 * schedule: `target * (1 - (1 - r / rounds) ** 3)` after round `r`, the last round reaching the
 * target. Fractions of earlier rounds are rounded to 0.1 %, counts to whole weights; rounds that
 * would remove nothing more are left out (a count of 1 in four rounds is one round).
 *
 * @param target The fraction (in [0, 1)) or count (a non-negative integer) to remove in all.
 * @param rounds The number of rounds, an integer in [1, 100].
 * @param kind Whether `target` is a fraction or a count.
 * @returns The amounts, increasing, ending with `target` (`[target]` for a target of 0).
 * @throws {RangeError} If `rounds` is out of range.
 *
 * @example 90 % in three rounds
 * ```ts
 * import { pruningRounds } from "./schedule.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pruningRounds(0.9, 3, "fraction"), [0.633, 0.867, 0.9]);
 * assert.deepEqual(pruningRounds(100, 4, "count"), [58, 88, 98, 100]);
 * ```
 */
export function pruningRounds(
  target: number,
  rounds: number,
  kind: "fraction" | "count",
): number[] {
  assertInRange("schedule pruning rounds", "rounds", rounds, 1, MAX_PRUNING_ROUNDS, true);
  const amounts: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const share = 1 - (1 - r / rounds) ** 3;
    const amount = r === rounds
      ? target
      : kind === "count"
      ? Math.round(target * share)
      : Math.min(Math.round(target * share * 1000) / 1000, target);
    if (amount > (amounts.at(-1) ?? 0)) amounts.push(amount);
  }
  return amounts.length === 0 ? [target] : amounts;
}

/** The most rounds {@linkcode pruningRounds} takes. */
export const MAX_PRUNING_ROUNDS = 100;
