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
  type Context,
  listPrunedBase,
  type MeasuredCandidate,
  pruneName,
} from "./context.ts";
import { methodAt, resolveSpace, SPACE_OPTION_KEYS, SWEEP_DEFAULTS } from "./space.ts";
import type {
  CandidateReport,
  PrunedBase,
  SkippedCandidate,
  SweepOptions,
  SweepResult,
} from "./types.ts";
import type { QuantizationMethod } from "../quant/quantize.ts";
import type { QuantizationTraining } from "./types.ts";

const ACTION = "sweep compression";

/** Runs a sweep on a context (see `CompressionSession.sweep`). */
export function runSweep(ctx: Context, options: SweepOptions = {}): SweepResult {
  checkOptionKeys(ACTION, options, SPACE_OPTION_KEYS);
  const space = resolveSpace(options, SWEEP_DEFAULTS, ACTION);
  // The distinct pruning steps, the dense model first.
  const steps = new Map<string, (typeof space.ladders)[number][number]>();
  for (const ladder of space.ladders) {
    for (const p of ladder) steps.set(p.fraction === 0 ? "dense" : pruneName(p), p);
  }
  // The quantizations of each base, deduplicated (float16 ignores bits and granularity).
  const plan: { method: QuantizationMethod; training: QuantizationTraining }[] = [];
  const planned = new Set<string>();
  const skipped: SkippedCandidate[] = [];
  for (const training of space.training) {
    for (const template of space.methods) {
      for (const granularity of space.granularities ?? [null]) {
        for (const bits of space.bits) {
          const at = methodAt(template, bits, granularity, space.methods);
          if ("reason" in at) {
            skipped.push({ name: `${template.kind} ${bits}-bit`, reason: at.reason });
            continue;
          }
          const key = JSON.stringify([at.method, training]);
          if (planned.has(key)) continue;
          planned.add(key);
          plan.push({ method: at.method, training });
        }
      }
    }
  }
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
  for (const step of steps.values()) {
    const base: Base = step.fraction === 0 ? ctx.denseBase : ctx.base(step);
    listPrunedBase(bases, base);
    if (space.includeFloat) add(ctx.floatCandidate(base));
    for (const { method, training } of plan) {
      try {
        add(ctx.quantizedCandidate(base, method, training));
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        skipped.push({
          name: candidateName(base, method, training),
          reason: errorReason(error),
        });
        ctx.step(`skipped ${base.name} + ${method.kind}`);
      }
    }
  }
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
