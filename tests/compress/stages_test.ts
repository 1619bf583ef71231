import assert from "node:assert/strict";
import type { Base, Context, Measured, MeasuredCandidate } from "../../lib/compress/context.ts";
import { stagesOf } from "../../lib/compress/stages.ts";
import type { ModelReport, PruneSummary } from "../../lib/compress/types.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

/** A report told apart from the others by its name, seconds and byte count. */
function reportOf(name: string, seconds: number, bytes: number): ModelReport {
  const metrics = { accuracy: bytes / 1000, logLoss: 1, balancedAccuracy: 0.5, samples: 10 };
  return {
    name,
    validation: metrics,
    test: null,
    weights: 40,
    nonZeros: 20,
    bits: 32,
    bytes,
    parts: {} as ModelReport["parts"],
    ratio: 1,
    storage: "float32",
    preprocessing: "kept",
    seconds,
  } as ModelReport;
}

// Distinct stand-ins for the dense, pruned and fine-tuned models.
const dense = { id: "dense" } as unknown as LogisticModel;
const pruned = { id: "pruned" } as unknown as LogisticModel;
const tuned = { id: "tuned" } as unknown as LogisticModel;

/**
 * A context that measures as the session's does: a float candidate of a pruned base takes the
 * pruning and fine-tuning time together (the time that made it from the dense model).
 */
function contextFor(denseBase: Base): Context {
  return {
    denseBase,
    floatCandidate: (b: Base) =>
      ({
        report: b.summary
          ? reportOf(`${b.name}, float32`, b.pruneSeconds + b.fineTuneSeconds, 300)
          : reportOf("dense, float32", 7, 100),
      }) as unknown as MeasuredCandidate,
    measureFloat: (model: LogisticModel, name: string, seconds: number) => {
      assert.equal(model, pruned, "the pruned stage measures the model before fine-tuning");
      return { report: reportOf(name, seconds, 200) } as unknown as Measured;
    },
  } as unknown as Context;
}

Deno.test("each stage reports the seconds of its own step and its own name", () => {
  const denseBase: Base = {
    key: "dense",
    name: "dense",
    summary: null,
    pruned: dense,
    model: dense,
    pruneSeconds: 0,
    fineTuneSeconds: 0,
    fineTuneWarnings: [],
  };
  const summary = { fineTuned: true } as PruneSummary;
  const base: Base = {
    key: "m",
    name: "magnitude 60 %",
    summary,
    pruned,
    model: tuned,
    pruneSeconds: 1.5,
    fineTuneSeconds: 2.25,
    fineTuneWarnings: [],
  };
  const final = {
    model: { kind: "quantized-logistic-regression" },
    report: reportOf("magnitude 60 % + uniform 3-bit", 0.5, 50),
  } as unknown as Measured;
  const stages = stagesOf(contextFor(denseBase), base, final);
  assert.deepEqual(
    stages.map((s) => [s.stage, s.name, s.seconds, s.bytes]),
    [
      ["dense", "dense, float32", 7, 100],
      ["pruned", "magnitude 60 %, float32", 1.5, 200],
      // From the pruned model: the fine-tuning alone, not pruning and fine-tuning.
      ["fine-tuned", "magnitude 60 %, fine-tuned, float32", 2.25, 300],
      ["quantized", "magnitude 60 % + uniform 3-bit", 0.5, 50],
    ],
  );
  // Only the fields of a report, plus the stage.
  assert.deepEqual(Object.keys(stages[2]).sort(), [...Object.keys(final.report), "stage"].sort());

  // Without fine-tuning there is no fine-tuned stage; a float final adds no quantized stage.
  const plain = { ...base, model: pruned, summary: { fineTuned: false } as PruneSummary };
  const floatFinal = { model: { kind: "logistic-regression" }, report: final.report };
  assert.deepEqual(
    stagesOf(contextFor(denseBase), plain, floatFinal as unknown as Measured).map((s) => s.stage),
    ["dense", "pruned"],
  );
  // The dense base alone is one stage.
  assert.deepEqual(
    stagesOf(contextFor(denseBase), denseBase, floatFinal as unknown as Measured).map((s) =>
      s.stage
    ),
    ["dense"],
  );
});
