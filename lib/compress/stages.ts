/**
 * The stage table of a compressed model: dense, pruned, fine-tuned, quantized.
 *
 * @module
 */

import type { Base, Context, Measured } from "./context.ts";
import type { ModelReport, StageName, StageReport } from "./types.ts";

/** A report as one stage (only the fields of a model report, plus the stage). */
export function asStage(
  report: ModelReport,
  stage: StageName,
  overrides: Partial<ModelReport> = {},
): StageReport {
  const r = { ...report, ...overrides };
  return {
    stage,
    name: r.name,
    validation: r.validation,
    test: r.test,
    ...(r.testWeighted === undefined ? {} : { testWeighted: r.testWeighted }),
    weights: r.weights,
    nonZeros: r.nonZeros,
    bits: r.bits,
    bytes: r.bytes,
    parts: r.parts,
    ratio: r.ratio,
    storage: r.storage,
    preprocessing: r.preprocessing,
    seconds: r.seconds,
  };
}

/**
 * The stages that lead to a model made from a base: the dense model, the pruned model before
 * and after fine-tuning (when the base is pruned), and the quantized model (when `final` is).
 */
export function stagesOf(ctx: Context, base: Base, final: Measured): StageReport[] {
  const stages: StageReport[] = [
    asStage(ctx.floatCandidate(ctx.denseBase).report, "dense"),
  ];
  if (base.summary) {
    const pruned = ctx.measureFloat(base.pruned, `${base.name}, float32`, base.pruneSeconds);
    stages.push(asStage(pruned.report, "pruned"));
    if (base.summary.fineTuned) {
      stages.push(
        asStage(ctx.floatCandidate(base).report, "fine-tuned", {
          name: `${base.name}, fine-tuned, float32`,
          seconds: base.fineTuneSeconds,
        }),
      );
    }
  }
  if (final.model.kind === "quantized-logistic-regression") {
    stages.push(asStage(final.report, "quantized"));
  }
  return stages;
}
