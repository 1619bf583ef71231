/**
 * Masks as pure functions: `(scores, previous mask) -> new mask`. A mask is a `Uint8Array` laid
 * out like the weights (row-major `(nOutputs, nFeatures)`), 1 keeping a weight and 0 removing it.
 * A new mask never revives a weight that the previous one removed.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertInRange,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
} from "../core/validate.ts";

/**
 * How much to remove: exactly one of `fraction`, `count` or `threshold`. Counts include the
 * weights the previous mask already removed (they are the sparsity already reached).
 */
export interface PruneTarget {
  /**
   * Remove exactly `round(fraction * size)` entries of each group (see `scope`), in `[0, 1]`.
   * @default {none}
   */
  fraction?: number;
  /**
   * Remove exactly `count` entries of each group (see `scope`).
   * @default {none}
   */
  count?: number;
  /**
   * Remove every entry whose score is at most `threshold` (and keep removed ones removed).
   * @default {none}
   */
  threshold?: number;
  /**
   * `"global"` ranks all entries together; `"per-class"` ranks each output row (one per class
   * for softmax; a sigmoid model has one row) on its own and removes the target from each.
   * @default {"global"}
   */
  scope?: "global" | "per-class";
}

/** Options for {@linkcode pruneMask}. */
export type PruneMaskOptions = PruneTarget;

/**
 * Computes a new pruning mask from scores: removes the lowest-scored entries until the target is
 * met. Entries removed by `previous` stay removed and count towards the target; the others are
 * ranked by score, ties broken by position (the lower flat index is removed first), so the
 * result is deterministic and the achieved count is exactly the requested one.
 *
 * @param scores Scores, shape `(nOutputs, nFeatures)`; lower means less important. NaN is not
 *   allowed; ±Infinity is.
 * @param previous The mask so far (same layout), or `null` for a dense start.
 * @param options The target: `fraction`, `count` or `threshold`, and the `scope`.
 * @param action What the caller was doing, for messages ("Cannot prune model: count 9 exceeds
 *   the 4 entries").
 * @returns A new mask; `previous` is not changed.
 * @throws {TypeError} If `scores` is not a matrix, `previous` does not match it, or a target is
 *   not a number.
 * @throws {RangeError} If not exactly one target is given, it is out of range, a score is NaN,
 *   or the previous mask already removes more entries than requested (that would revive them).
 *
 * @example Exact fraction with ties
 * ```ts
 * import { pruneMask } from "./mask.ts";
 * import assert from "node:assert/strict";
 *
 * const scores = { data: Float64Array.from([3, 1, 1, 1, 2, 5]), rows: 2, cols: 3 };
 * // Two of six: the tied 1s at positions 1, 2, 3 are removed in position order.
 * assert.deepEqual([...pruneMask(scores, null, { count: 2 })], [1, 0, 0, 1, 1, 1]);
 * ```
 *
 * @example Never revives
 * ```ts
 * import { pruneMask } from "./mask.ts";
 * import assert from "node:assert/strict";
 *
 * const scores = { data: Float64Array.from([9, 1, 2, 3]), rows: 1, cols: 4 };
 * const previous = Uint8Array.from([0, 1, 1, 1]);
 * assert.deepEqual([...pruneMask(scores, previous, { fraction: 0.5 })], [0, 0, 1, 1]);
 * ```
 */
export function pruneMask(
  scores: Matrix,
  previous: Uint8Array | null,
  options: PruneMaskOptions,
  action = "compute pruning mask",
): Uint8Array {
  assertMatrix(action, "scores", scores);
  const size = scores.data.length;
  checkPrevious(action, previous, size);
  for (let i = 0; i < size; i++) {
    if (Number.isNaN(scores.data[i])) {
      throw new RangeError(`Cannot ${action}: score ${i} is NaN`);
    }
  }
  const target = resolveTarget(action, options);
  const groups = groupsOf(scores, target.scope);
  const out = previous ? previous.slice() : new Uint8Array(size).fill(1);
  for (const [start, length] of groups) {
    removeInGroup(action, scores.data, out, start, length, target, groups.length > 1);
  }
  return out;
}

/** A validated target. */
export interface ResolvedTarget {
  /** What `value` is: a fraction of the weights, a count of them, or a score threshold. */
  readonly kind: "fraction" | "count" | "threshold";
  /** The fraction, count or threshold. */
  readonly value: number;
  /** One ranking over all weights, or one per class row. */
  readonly scope: "global" | "per-class";
}

/** The keys of {@linkcode PruneTarget}. */
export const PRUNE_TARGET_KEYS: OptionKeys<PruneTarget> = {
  fraction: true,
  count: true,
  threshold: true,
  scope: true,
};

/**
 * The target part of a function's options (for passing on to {@linkcode pruneMask}, which
 * refuses other keys).
 *
 * @param options Options that include a target.
 * @returns `fraction`, `count`, `threshold` and `scope`, as given.
 */
export function targetOf(options: PruneTarget): PruneTarget {
  const { fraction, count, threshold, scope } = options;
  return { fraction, count, threshold, scope };
}

/**
 * Checks that exactly one of `fraction`, `count`, `threshold` is given and in range, and that
 * the options hold no key the caller does not read.
 *
 * @param action What the caller was doing, for messages.
 * @param options The target.
 * @param known The keys the caller reads (the target's, and its own).
 * @returns The target as `{ kind, value, scope }`.
 * @throws {TypeError} If the options are not an object, hold an unknown key, or the target is
 *   not a number.
 * @throws {RangeError} If none or several are given, or the value is out of range.
 */
export function resolveTarget(
  action: string,
  options: PruneTarget,
  known: { readonly [key: string]: true } = PRUNE_TARGET_KEYS,
): ResolvedTarget {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${action}: options must be an object, got ${describe(options)}`);
  }
  checkOptionKeys(action, options, known);
  const given = (["fraction", "count", "threshold"] as const).filter((k) =>
    options[k] !== undefined
  );
  if (given.length !== 1) {
    throw new RangeError(
      `Cannot ${action}: give exactly one of fraction, count or threshold, got ${
        given.length === 0 ? "none" : given.join(" and ")
      }`,
    );
  }
  const kind = given[0];
  const value = options[kind]!;
  if (kind === "fraction") assertInRange(action, "fraction", value, 0, 1);
  else if (kind === "count") assertInRange(action, "count", value, 0, Infinity, true);
  else if (typeof value !== "number") {
    // A string "2" read as the number it spells, and as a RangeError.
    throw new TypeError(`Cannot ${action}: threshold must be a number, got ${describe(value)}`);
  } else if (Number.isNaN(value)) {
    throw new RangeError(`Cannot ${action}: threshold must be a number, got NaN`);
  }
  const scope = options.scope ?? "global";
  if (scope !== "global" && scope !== "per-class") {
    throw new RangeError(`Cannot ${action}: scope must be global or per-class, got '${scope}'`);
  }
  return { kind, value, scope };
}

/**
 * The number of entries a fraction or count target removes from a group of `size` entries.
 *
 * @param target A fraction or count target.
 * @param size The group's size.
 * @returns `round(fraction * size)` or `count`. The product is rounded to 12 significant digits
 *   first, so that a half that binary fractions miss is still a half: `0.35 * 10` is
 *   3.4999999999999996 in float64 and removes 4, as 3.5 does.
 */
export function targetCount(target: ResolvedTarget, size: number): number {
  if (target.kind !== "fraction") return target.value;
  return Math.round(Number((target.value * size).toPrecision(12)));
}

function groupsOf(scores: Matrix, scope: "global" | "per-class"): [number, number][] {
  if (scope === "global") return [[0, scores.data.length]];
  return Array.from({ length: scores.rows }, (_, r) => [r * scores.cols, scores.cols]);
}

function removeInGroup(
  action: string,
  s: ArrayLike<number>,
  out: Uint8Array,
  start: number,
  length: number,
  target: ResolvedTarget,
  perRow: boolean,
): void {
  const end = start + length;
  if (target.kind === "threshold") {
    for (let i = start; i < end; i++) if (s[i] <= target.value) out[i] = 0;
    return;
  }
  const want = targetCount(target, length);
  const where = perRow ? ` in row ${start / length}` : "";
  if (want > length) {
    throw new RangeError(
      `Cannot ${action}: count ${want} exceeds the ${
        counted(length, "entry", { plural: "entries" })
      }${where}`,
    );
  }
  let removed = 0;
  for (let i = start; i < end; i++) if (out[i] === 0) removed++;
  if (removed > want) {
    throw new RangeError(
      `Cannot ${action}: the previous mask already removes ${
        counted(removed, "entry", { plural: "entries" })
      }${where}, more ` +
        `than the ${want} requested; a mask never revives removed weights`,
    );
  }
  if (removed === want) return;
  const alive = new Int32Array(length - removed);
  let m = 0;
  for (let i = start; i < end; i++) if (out[i] !== 0) alive[m++] = i;
  alive.sort((p, q) => (s[p] < s[q] ? -1 : s[p] > s[q] ? 1 : p - q));
  for (let r = 0; r < want - removed; r++) out[alive[r]] = 0;
}

/**
 * Checks that a mask fits `size` entries of 0 and 1.
 *
 * @param action What the caller was doing.
 * @param previous The mask or `null`.
 * @param size Entries expected.
 * @param name What the mask is, for messages.
 * @throws {TypeError} If it is not a `Uint8Array` of `size` entries.
 * @throws {RangeError} If an entry is not 0 or 1.
 */
export function checkPrevious(
  action: string,
  previous: Uint8Array | null,
  size: number,
  name = "previous mask",
): void {
  if (previous === null) return;
  if (!(previous instanceof Uint8Array) || previous.length !== size) {
    throw new TypeError(
      `Cannot ${action}: the ${name} must be a Uint8Array of ${
        counted(size, "entry", { plural: "entries" })
      }, got ${describe(previous)}`,
    );
  }
  for (let i = 0; i < size; i++) {
    if (previous[i] > 1) {
      // Named as fit and the model checks name a mask entry.
      throw new RangeError(`Cannot ${action}: ${name}[${i}] is ${previous[i]}, not 0 or 1`);
    }
  }
}

/**
 * The fraction of entries a mask removes.
 *
 * @param mask The mask.
 * @returns Zeros over length (0 for an empty mask).
 *
 * @example Half removed
 * ```ts
 * import { maskSparsity } from "./mask.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(maskSparsity(Uint8Array.from([1, 0, 0, 1])), 0.5);
 * ```
 */
export function maskSparsity(mask: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) zeros++;
  return mask.length === 0 ? 0 : zeros / mask.length;
}
