/**
 * The space a sweep or search explores: pruning steps and quantization methods, with their
 * defaults, checked once at the boundary.
 *
 * @module
 */

import { assertInRange, describe, type OptionKeys } from "../core/validate.ts";
import { PRUNE_STRATEGIES } from "../prune/strategy.ts";
import { type QuantizationMethod, resolveMethod } from "../quant/quantize.ts";
import { type Granularity, MAX_BITS, MAX_LOG2_BITS } from "../quant/types.ts";
import { chainPrune, formatPercent, type ResolvedPrune, resolvePrune } from "./context.ts";
import type { CompressionSpace, PruneStructure, QuantizationTraining } from "./types.ts";

/** A space with every default filled in and every value checked. */
export interface ResolvedSpace {
  /** Pruning steps per (structure, strategy) in order, each with its sparsities ascending. */
  readonly ladders: readonly (readonly ResolvedPrune[])[];
  /** Quantization method templates (bits and granularity are the space's). */
  readonly methods: readonly QuantizationMethod[];
  /** Bit widths, ascending. */
  readonly bits: readonly number[];
  /** Granularities, or `null` for each method's own default. */
  readonly granularities: readonly Granularity[] | null;
  /** Trainings, PTQ first. */
  readonly training: readonly QuantizationTraining[];
  /** Whether float32 models are candidates. */
  readonly includeFloat: boolean;
}

/** Defaults of a space. */
export interface SpaceDefaults {
  readonly structures: readonly PruneStructure[];
  readonly sparsities: readonly number[];
  readonly methods: readonly QuantizationMethod[];
  readonly bits: readonly number[];
}

/** The sweep's defaults. */
export const SWEEP_DEFAULTS: SpaceDefaults = {
  structures: ["weights"],
  sparsities: [0, 0.5, 0.8, 0.9],
  methods: [{ kind: "uniform" }, { kind: "kmeans" }],
  bits: [8, 4, 2],
};

/** The search's defaults. */
export const SEARCH_DEFAULTS: SpaceDefaults = {
  structures: ["weights", "features"],
  sparsities: [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95],
  methods: [
    { kind: "uniform", scheme: "symmetric" },
    { kind: "uniform", scheme: "affine" },
    { kind: "log2" },
    { kind: "kmeans" },
  ],
  bits: [1, 2, 3, 4, 5, 6, 8],
};

function list<T>(
  action: string,
  name: string,
  v: readonly T[] | undefined,
  fallback: readonly T[],
) {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0) {
    throw new TypeError(`Cannot ${action}: ${name} must be a non-empty array, got ${describe(v)}`);
  }
  // An index loop: forEach and every skip the holes of a sparse list ([, { kind: "uniform" }]).
  for (let i = 0; i < v.length; i++) {
    if (v[i] === undefined) {
      throw new TypeError(`Cannot ${action}: ${name}[${i}] is missing (undefined)`);
    }
  }
  return v;
}

/** The keys of {@linkcode CompressionSpace}. */
export const SPACE_OPTION_KEYS: OptionKeys<CompressionSpace> = {
  strategies: true,
  structures: true,
  sparsities: true,
  methods: true,
  bits: true,
  granularities: true,
  training: true,
  includeFloat: true,
  iterative: true,
};

/**
 * Resolves a space.
 *
 * @param space The space asked for.
 * @param defaults What to use where it says nothing.
 * @param action For messages.
 * @returns The resolved space.
 * @throws {TypeError} If a list is empty, not an array or has a missing item, or `includeFloat` is
 *   not a boolean.
 * @throws {RangeError} If a value is out of range or unknown, two sparsities have the same
 *   name (they differ by less than 0.0001 %), or a setting no model would use is given (`bits` or
 *   `granularities` with only float16, `strategies` or `structures` with only sparsity 0).
 */
export function resolveSpace(
  space: CompressionSpace,
  defaults: SpaceDefaults,
  action: string,
): ResolvedSpace {
  const strategies = list(action, "strategies", space.strategies, ["magnitude"]);
  for (const s of strategies) {
    if (!(PRUNE_STRATEGIES as readonly string[]).includes(s)) {
      throw new RangeError(
        `Cannot ${action}: unknown strategy '${s}'; use ${PRUNE_STRATEGIES.join(", ")}`,
      );
    }
  }
  const structures = list(action, "structures", space.structures, defaults.structures);
  const sparsities = [...new Set(list(action, "sparsities", space.sparsities, defaults.sparsities))]
    .sort((a, b) => a - b);
  sparsities.forEach((s) => assertInRange(action, "sparsity", s, 0, 1 - Number.EPSILON));
  // Each level is named by its percentage: two that read the same would be one row's name twice.
  for (let i = 1; i < sparsities.length; i++) {
    const [a, b] = [sparsities[i - 1], sparsities[i]];
    if (formatPercent(a) === formatPercent(b)) {
      throw new RangeError(
        `Cannot ${action}: sparsities ${a} and ${b} both read ${formatPercent(b)} % ` +
          "(levels are named to 0.0001 %); give one of them",
      );
    }
  }
  const methods = list(action, "methods", space.methods, defaults.methods);
  methods.forEach((m) => resolveMethod(m, action));
  const bits = [...new Set(list(action, "bits", space.bits, defaults.bits))].sort((a, b) => a - b);
  bits.forEach((b) => assertInRange(action, "bits", b, 1, MAX_BITS, true));
  const granularities = space.granularities === undefined
    ? null
    : list(action, "granularities", space.granularities, []);
  granularities?.forEach((g) => {
    if (g !== "tensor" && g !== "class" && g !== "feature") {
      throw new RangeError(
        `Cannot ${action}: granularity must be tensor, class or feature, got '${g}'`,
      );
    }
  });
  const training = list(action, "training", space.training, ["ptq", "qat"]);
  for (const t of training) {
    if (t !== "ptq" && t !== "qat") {
      throw new RangeError(`Cannot ${action}: training must be ptq or qat, got '${t}'`);
    }
  }
  const includeFloat = space.includeFloat === undefined ? true : space.includeFloat;
  if (typeof includeFloat !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: includeFloat must be a boolean, got ${describe(includeFloat)}`,
    );
  }
  // Settings that no model of the space would use are refused, not ignored.
  const unused = (what: string, why: string, them = "them"): never => {
    throw new RangeError(`Cannot ${action}: ${what} ${why}; leave ${them} out`);
  };
  if (methods.every((m) => m.kind === "float16")) {
    if (space.bits !== undefined) unused("bits", "do not apply: every method is float16");
    if (space.granularities !== undefined) {
      unused("granularities", "do not apply: every method is float16 (one format, no scales)");
    }
  }
  if (sparsities.every((s) => s === 0)) {
    if (space.strategies !== undefined) unused("strategies", "do not apply: no sparsity prunes");
    if (space.structures !== undefined) unused("structures", "do not apply: no sparsity prunes");
    if (space.iterative !== undefined) {
      unused("iterative", "does not apply: no sparsity prunes", "it");
    }
  }
  const iterative = space.iterative === undefined ? false : space.iterative;
  if (typeof iterative !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: iterative must be a boolean, got ${describe(iterative)}`,
    );
  }
  const ladders: ResolvedPrune[][] = [];
  for (const structure of structures) {
    for (const strategy of strategies) {
      if (structure === "features" && strategy === "l1") continue;
      const steps = sparsities.map((fraction) =>
        resolvePrune({ strategy, structure, fraction }, action)
      );
      // Iterative: each level is the last round of the levels up to it (random pruning ranks
      // the weights the same in every round, so its levels stay pruned from the dense model).
      ladders.push(
        iterative && strategy !== "random"
          ? steps.map((_, i) => chainPrune(steps.slice(0, i + 1)))
          : steps,
      );
    }
  }
  if (ladders.length === 0) {
    // Only l1 is left out, for features: say so.
    throw new RangeError(
      `Cannot ${action}: no strategy applies to the structures asked for: l1 prunes single ` +
        "weights, not whole features; add another strategy or the weights structure",
    );
  }
  return {
    ladders,
    methods,
    bits,
    granularities,
    training: (["ptq", "qat"] as const).filter((t) => training.includes(t)),
    includeFloat,
  };
}

/**
 * Whether some level of a space's ladders (or of them as they apply to a given model) prunes the
 * model of a level below it (not the dense one).
 */
export function prunesInRounds(ladders: readonly (readonly ResolvedPrune[])[]): boolean {
  return ladders.some((ladder) => ladder.some((p) => p.previous !== null));
}

/**
 * A method template at a bit width and granularity, or why it cannot be.
 *
 * @param template The method (its bits and granularity are replaced).
 * @param bits The bit width.
 * @param granularity The granularity, or `null` for the method's default.
 * @param methods Every method of the space: 1-bit log2 is skipped when uniform symmetric is
 *   among them (both are sign times scale, the same model).
 * @returns The method, or the reason.
 */
export function methodAt(
  template: QuantizationMethod,
  bits: number,
  granularity: Granularity | null,
  methods: readonly QuantizationMethod[] = [],
): { method: QuantizationMethod } | { reason: string } {
  const g = granularity === null ? {} : { granularity };
  switch (template.kind) {
    case "float16":
      return { method: { kind: "float16" } };
    case "log2":
      if (bits > MAX_LOG2_BITS) return { reason: `log2 levels take at most ${MAX_LOG2_BITS} bits` };
      if (
        bits === 1 &&
        methods.some((m) => m.kind === "uniform" && (m.scheme ?? "symmetric") === "symmetric")
      ) {
        return { reason: "1-bit log2 is 1-bit uniform symmetric (sign times scale)" };
      }
      return { method: { ...template, bits, ...g } };
    case "uniform":
      return { method: { ...template, bits, ...g } };
    case "kmeans": {
      const { levels: _levels, ...rest } = template;
      return { method: { ...rest, bits, ...g } };
    }
  }
}
