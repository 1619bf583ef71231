/**
 * The sweep: every pruning level of every strategy and structure, each pruned and fine-tuned
 * once, then stored in float32 and quantized every way the space asks for; a table of the
 * measured models and its Pareto front of validation accuracy against file bytes.
 *
 * @module
 */

import { checkOptionKeys, errorReason } from "../core/validate.ts";
import { paretoFront } from "../metrics/pareto.ts";
import type { StoredModel } from "../io/quantized.ts";
import {
  type Base,
  candidateName,
  checkRoundsFineTuned,
  type Context,
  listPrunedBase,
  type MeasuredCandidate,
  prunedTwins,
  pruneName,
} from "./context.ts";
import {
  methodAt,
  prunesInRounds,
  type ResolvedSpace,
  resolveSpace,
  SPACE_OPTION_KEYS,
  SWEEP_DEFAULTS,
} from "./space.ts";
import type {
  CandidateReport,
  PrunedBase,
  SkippedCandidate,
  SweepOptions,
  SweepResult,
} from "./types.ts";
import { type ResolvedMethod, resolveMethod } from "../quant/quantize.ts";
import type { QuantizationTraining } from "./types.ts";

const ACTION = "sweep compression";

/** The quantizations a sweep makes of each base, and the combinations it rules out. */
export interface SweepPlan {
  /** Distinct (resolved method, training) pairs, in the space's order. */
  readonly plan: readonly { method: ResolvedMethod; training: QuantizationTraining }[];
  /** Combinations that cannot be made, each once. */
  readonly skipped: readonly SkippedCandidate[];
}

/**
 * The quantizations of each base, deduplicated by the resolved method (templates that differ
 * only by spelling or defaults, and float16 at every width and granularity, are one model).
 *
 * @param space The resolved space.
 * @param action For messages.
 * @returns The plan and the combinations ruled out.
 * @throws {RangeError} If the plan holds no model and the float32 models are excluded.
 */
export function planSweep(space: ResolvedSpace, action = ACTION): SweepPlan {
  const plan: { method: ResolvedMethod; training: QuantizationTraining }[] = [];
  const planned = new Set<string>();
  const skipped: SkippedCandidate[] = [];
  const ruledOut = new Set<string>();
  for (const training of space.training) {
    for (const template of space.methods) {
      for (const granularity of space.granularities ?? [null]) {
        for (const bits of space.bits) {
          const at = methodAt(template, bits, granularity, space.methods);
          if ("reason" in at) {
            // Ruled out for every granularity and training alike: listed once.
            const name = `${template.kind} ${bits}-bit`;
            const key = JSON.stringify([name, at.reason]);
            if (!ruledOut.has(key)) skipped.push({ name, reason: at.reason });
            ruledOut.add(key);
            continue;
          }
          const method = resolveMethod(at.method, action);
          const key = JSON.stringify([method, training]);
          if (planned.has(key)) continue;
          planned.add(key);
          plan.push({ method, training });
        }
      }
    }
  }
  if (plan.length === 0 && !space.includeFloat) nothingMeasured(action, skipped);
  return { plan, skipped };
}

function nothingMeasured(action: string, skipped: readonly SkippedCandidate[]): never {
  throw new RangeError(
    `Cannot ${action}: every combination was skipped: ${
      skipped.map((s) => `${s.name} (${s.reason})`).join("; ")
    }`,
  );
}

/** Runs a sweep on a context (see `CompressionSession.sweep`). */
export function runSweep(ctx: Context, options: SweepOptions = {}): SweepResult {
  checkOptionKeys(ACTION, options, SPACE_OPTION_KEYS);
  const space = resolveSpace(options, SWEEP_DEFAULTS, ACTION);
  // Levels below a given model's mask cannot be made from it; iterative levels lose the rounds
  // the mask has passed, and need fine-tuning only where a level made from the model has rounds.
  const { ladders, belowMask } = ctx.levels(space.ladders);
  checkRoundsFineTuned(prunesInRounds(ladders), ctx.fineTune, ACTION);
  // The distinct pruning steps, the dense model first (names are distinct: resolveSpace refuses
  // sparsities whose percentages read the same).
  const steps = new Map<string, (typeof ladders)[number][number]>();
  for (const ladder of ladders) {
    for (const p of ladder) steps.set(p.fraction === 0 ? "dense" : pruneName(p), p);
  }
  const { plan, skipped: ruledOut } = planSweep(space);
  const skipped = [...ruledOut, ...belowMask];
  const perBase = plan.length + (space.includeFloat ? 1 : 0);
  ctx.begin(steps.size * perBase);
  const rows: CandidateReport[] = [];
  const models: StoredModel[] = [];
  const bases: PrunedBase[] = [];
  const add = (m: MeasuredCandidate) => {
    rows.push(m.report);
    models.push(m.model);
    ctx.step(`${rows.length} models measured; last: ${m.report.name}`);
  };
  const twinOf = prunedTwins(ctx);
  for (const step of steps.values()) {
    const twin = step.fraction === 0 ? null : twinOf(step);
    if (twin !== null) {
      skipped.push({ name: pruneName(step), reason: twin });
      ctx.step(`skipped ${pruneName(step)}`, perBase);
      continue;
    }
    const base: Base = step.fraction === 0 ? ctx.denseBase : ctx.base(step);
    listPrunedBase(bases, base);
    if (space.includeFloat) add(ctx.floatCandidate(base));
    for (const { method, training } of plan) {
      try {
        add(ctx.quantizedCandidate(base, method, training));
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        const name = candidateName(base, method, training);
        skipped.push({ name, reason: errorReason(error) });
        // Named as the skipped list names it (the search's progress does the same).
        ctx.step(`skipped ${name}`);
      }
    }
  }
  if (rows.length === 0) nothingMeasured(ACTION, skipped);
  const front = paretoFront(rows.map((r) => ({ bytes: r.bytes, accuracy: r.validation.accuracy })));
  return {
    dense: ctx.floatCandidate(ctx.denseBase).report,
    rows,
    models,
    front,
    bases,
    skipped,
    denseFloat32Bytes: ctx.denseFloat32Bytes,
  };
}
