/**
 * The polynomial sparsity schedule of Zhu and Gupta (2017, "To prune, or not to prune"): sparsity
 * rises from `initialSparsity` to `finalSparsity` fast at first and slowly at the end, when few
 * weights are left to spare.
 *
 * @module
 */

import { assertInRange, checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import { targetCount } from "./mask.ts";

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
    throw new RangeError(
      `Cannot compute scheduled sparsity: step must be a number, got ${shown(step)}`,
    );
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
  // Finite: an infinite begin or frequency made the grid point NaN (Infinity - Infinity, 0 *
  // Infinity), and the sparsity with it.
  if (typeof beginStep !== "number" || !Number.isFinite(beginStep)) {
    throw new RangeError(
      `Cannot ${action}: beginStep must be a finite number, got ${shown(beginStep)}`,
    );
  }
  if (!(endStep > beginStep) || !Number.isFinite(endStep)) {
    throw new RangeError(
      `Cannot ${action}: endStep must be finite and greater than beginStep (${beginStep}), ` +
        `got ${shown(endStep)}`,
    );
  }
  assertInRange(action, "exponent", exponent, Number.MIN_VALUE, 1e6);
  if (typeof frequency !== "number" || !(frequency > 0) || !Number.isFinite(frequency)) {
    throw new RangeError(
      `Cannot ${action}: frequency must be a finite number > 0, got ${shown(frequency)}`,
    );
  }
  return { finalSparsity, initialSparsity, beginStep, endStep, exponent, frequency };
}

/** A value as a message shows it: a string "5" is not shown as the number 5 it spells. */
function shown(value: unknown): string {
  return typeof value === "number" ? String(value) : describe(value);
}

/**
 * What iterative pruning to a target removes after each of `rounds` rounds, on the cubic
 * schedule: `target * (1 - (1 - r / rounds) ** 3)` after round `r`, the last round reaching the
 * target. Fractions of earlier rounds are rounded to 0.1 %, counts to whole weights; rounds that
 * would remove nothing more are left out (a count of 1 in four rounds is one round).
 *
 * @param target The fraction (in [0, 1]) or count (a non-negative integer) to remove in all.
 * @param rounds The number of rounds, an integer in [1, 100].
 * @param kind Whether `target` is a fraction or a count.
 * @returns The amounts, increasing, ending with `target` (`[target]` for a target of 0).
 * @throws {RangeError} If `rounds` or `target` is out of range, or `kind` is neither.
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
  const action = "schedule pruning rounds";
  assertInRange(action, "rounds", rounds, 1, MAX_PRUNING_ROUNDS, true);
  if (kind === "fraction") {
    // 1 removes every weight, as a fraction of pruneMask and --sparsity 1 may.
    assertInRange(action, "target fraction", target, 0, 1);
  } else if (kind === "count") {
    assertInRange(action, "target count", target, 0, Number.MAX_SAFE_INTEGER, true);
  } else {
    throw new RangeError(
      `Cannot ${action}: kind must be fraction or count, got ${describe(kind)}`,
    );
  }
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

/** What the rounds of iterative pruning apply to: a model's shape and mask, and their unit. */
export interface RoundsScope {
  /** Whether the amounts are fractions or counts. */
  readonly kind: "fraction" | "count";
  /** Single weights, or whole features (columns). */
  readonly structure: "weights" | "features";
  /** For weights: one ranking over the matrix, or one per class row. */
  readonly scope: "global" | "per-class";
  /** The model's weight rows (classes, or 1 for a binary model). */
  readonly rows: number;
  /** Its features. */
  readonly cols: number;
  /** Its mask, if any (`mask[r * cols + j]` is 0 where a weight is removed). */
  readonly mask?: Uint8Array | null;
}

/**
 * What a model's mask already removes, in the unit of a pruning step: whole features (columns
 * removed in every class row), weights in the whole matrix, or with `per-class` the most weights
 * removed in any class row.
 *
 * @param where The model's shape and mask, and the step's unit (`kind` is not used).
 * @returns The count removed (0 without a mask).
 *
 * @example Two weights of one row and a whole column
 * ```ts
 * import { maskRemoves } from "./schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const mask = new Uint8Array([0, 0, 1, 0, 1, 1]); // 2 rows x 3 features
 * const shape = { kind: "count", rows: 2, cols: 3, mask } as const;
 * assert.equal(maskRemoves({ ...shape, structure: "weights", scope: "global" }), 3);
 * assert.equal(maskRemoves({ ...shape, structure: "weights", scope: "per-class" }), 2);
 * assert.equal(maskRemoves({ ...shape, structure: "features", scope: "global" }), 1);
 * ```
 */
export function maskRemoves(where: RoundsScope): number {
  const { rows, cols, mask } = where;
  if (!mask) return 0;
  let removed = 0;
  if (where.structure === "features") {
    for (let j = 0; j < cols; j++) {
      let gone = true;
      for (let c = 0; c < rows && gone; c++) if (mask[c * cols + j] !== 0) gone = false;
      if (gone) removed++;
    }
    return removed;
  }
  const size = where.scope === "per-class" ? cols : rows * cols;
  for (let start = 0; start < rows * cols; start += size) {
    let zeros = 0;
    for (let i = start; i < start + size; i++) if (mask[i] === 0) zeros++;
    removed = Math.max(removed, zeros);
  }
  return removed;
}

/**
 * The count a pruning amount removes: a count as it is, a fraction of the features, of a class
 * row (`per-class`) or of the whole matrix, rounded as the mask rounds it.
 *
 * @param amount A fraction in [0, 1] or a count, as `where.kind` says.
 * @param where The model's shape and the step's unit.
 * @returns The number of features or weights (per class row with `per-class`).
 */
export function amountCount(amount: number, where: RoundsScope): number {
  if (where.kind === "count") return amount;
  const size = where.structure === "features" || where.scope === "per-class"
    ? where.cols
    : where.rows * where.cols;
  return targetCount({ kind: "fraction", value: amount, scope: "global" }, size);
}

/**
 * The rounds of {@linkcode pruningRounds} that remove something from a model. A round is left out
 * when what it removes, in weights (per class row with `per-class`) or in features, is not more
 * than the round before it, or not more than the model's mask already removes (the most in any
 * class row with `per-class`: a mask never revives a weight, so a smaller target is refused).
 * The last amount, the target, always stays.
 *
 * @param amounts The amounts of the rounds, increasing, as `pruningRounds` gives them.
 * @param where The model's shape and mask, and the amounts' unit.
 * @returns The amounts of the rounds that prune.
 *
 * @example 10 % of 30 weights in five rounds is three rounds
 * ```ts
 * import { pruningRounds, roundsThatPrune } from "./schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const amounts = pruningRounds(0.1, 5, "fraction"); // 0.049, 0.078, 0.094, 0.099, 0.1
 * const where = { kind: "fraction", structure: "weights", scope: "global", rows: 1, cols: 30 } as const;
 * // 1, 2, 3, 3 and 3 weights: the last three remove as much.
 * assert.deepEqual(roundsThatPrune(amounts, where), [0.049, 0.078, 0.1]);
 * ```
 */
export function roundsThatPrune(amounts: readonly number[], where: RoundsScope): number[] {
  const removed = maskRemoves(where);
  const count = (a: number) => amountCount(a, where);
  const kept: number[] = [];
  amounts.forEach((a, i) => {
    const last = i === amounts.length - 1;
    if (!last && count(a) <= removed) return;
    // The later of two rounds that remove as much replaces the earlier (the target stays).
    if (kept.length > 0 && count(kept.at(-1)!) >= count(a)) kept.pop();
    kept.push(a);
  });
  return kept;
}
