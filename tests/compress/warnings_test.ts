/**
 * A compression session carries its trainings' warnings: the dense training's
 * (`denseWarnings`, as `fit` gives them on the session's training rows) and the fine-tuning's
 * that made a result's model (`fineTuneWarnings`); a refit session its dense training's.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createCompressionSession, createRefitSession } from "../../lib/compress/mod.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";

// 60 rows: the sign of u is the class (|u| >= 1), v is noise: separable, so without a penalty
// `fit` warns that the loss has no minimum.
const rows: number[][] = [], labels: number[] = [];
for (let i = 0; i < 60; i++) {
  const c = i % 2;
  rows.push([(c ? 1 : -1) * (1 + (i % 7) / 3), ((i * 37) % 11) / 5 - 1]);
  labels.push(c);
}
const data = {
  x: fromRows(rows),
  y: Int32Array.from(labels),
  classes: ["a", "b"],
  featureNames: ["u", "v"],
};
const SEPARABLE = /^the training data are perfectly separable and there is no penalty/;
const options = {
  penalty: { kind: "none" } as const,
  denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 50 } } as const,
  fineTune: { kind: "lbfgs", maxIterations: 20 } as const,
};

Deno.test("a session's denseWarnings are fit's on its training rows; none for a given model", () => {
  const session = createCompressionSession(data, options);
  // The session's split: 20 % stratified for validation, seed 0.
  const split = trainTestSplit(data.x, data.y, { testFraction: 0.2, seed: 0 });
  const alone = fit(split.xTrain, split.yTrain, {
    penalty: options.penalty,
    optimizer: options.denseTraining.optimizer,
  });
  assert.ok(alone.warnings.some((w) => SEPARABLE.test(w)), alone.warnings.join("\n"));
  assert.deepEqual(session.denseWarnings, alone.warnings);
  const given = createCompressionSession(data, { model: session.dense });
  assert.deepEqual(given.denseWarnings, []);
  // With an L2 penalty the loss has a minimum.
  const l2 = createCompressionSession(data, { ...options, penalty: { kind: "l2", lambda: 0.1 } });
  assert.ok(!l2.denseWarnings.some((w) => SEPARABLE.test(w)), l2.denseWarnings.join("\n"));
});

Deno.test("a result's fineTuneWarnings are the fine-tuning's that made its model; none without one", () => {
  const session = createCompressionSession(data, options);
  const tuned = session.compress({ prune: { fraction: 0.5 }, quantize: false });
  assert.equal(tuned.stages.at(-1)!.stage, "fine-tuned");
  // The kept weight of u still separates the rows, and fine-tuning has no penalty either.
  assert.ok(
    tuned.fineTuneWarnings.some((w) => SEPARABLE.test(w)),
    tuned.fineTuneWarnings.join("\n"),
  );
  const untuned = createCompressionSession(data, { ...options, fineTune: false })
    .compress({ prune: { fraction: 0.5 }, quantize: false });
  assert.deepEqual(untuned.fineTuneWarnings, []);
  // The dense model alone was not fine-tuned.
  assert.deepEqual(session.compress({ prune: false, quantize: false }).fineTuneWarnings, []);
  // A search's result: its chosen model's (every candidate here is of the fine-tuned base).
  const searched = session.search({ sparsities: [0.5], structures: ["weights"], maxDrop: 0.5 });
  assert.equal(searched.chosen.prune?.fineTuned, true);
  assert.deepEqual(searched.fineTuneWarnings, tuned.fineTuneWarnings);
});

Deno.test("a refit session's denseWarnings are fit's on all the data", () => {
  const refit = createRefitSession(data, options);
  const alone = fit(data.x, data.y, {
    penalty: options.penalty,
    optimizer: options.denseTraining.optimizer,
  });
  assert.deepEqual(refit.denseWarnings, alone.warnings);
  assert.ok(refit.denseWarnings.some((w) => SEPARABLE.test(w)));
});
