/**
 * With one output row (a binary sigmoid model) a feature is one weight: pruning features and
 * pruning weights by magnitude make one model. The sweep and the searches list it once, under the
 * first structure's name, and name the other level as its twin; models of more rows keep both.
 */
import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/mod.ts";
import type { CandidateReport } from "../../lib/compress/types.ts";
import { FAST, splitSet } from "./_data.ts";

const cancer = await splitSet("breast-cancer");
const digits = await splitSet("digits");

const SPACE = {
  sparsities: [0, 0.5, 0.8],
  methods: [{ kind: "uniform" }],
  bits: [2, 4],
  training: ["ptq"],
} as const;

/** What a row measures, without its name or times. */
const measured = (r: CandidateReport) => [r.bytes, r.validation.accuracy, r.test?.accuracy];

Deno.test("a one-output sweep over weights and features lists each model once and names the twin", () => {
  const session = createCompressionSession(cancer.train, { ...FAST, test: cancer.test });
  assert.equal(session.dense.weights.rows, 1, "breast cancer has one output row");
  const both = session.sweep({ ...SPACE, structures: ["weights", "features"] });
  assert.ok(both.rows.every((r) => !r.name.includes("of features")), "no features row");
  assert.deepEqual(
    both.skipped,
    [50, 80].map((p) => ({
      name: `magnitude ${p} % of features`,
      reason: `the same model as magnitude ${p} % of weights: with one output row, each feature ` +
        "is one weight",
    })),
  );
  // The oracle: the features ladder swept alone makes, row by row, what the weights rows measure.
  const features = session.sweep({ ...SPACE, structures: ["features"] });
  const weights = session.sweep({ ...SPACE, structures: ["weights"] });
  assert.deepEqual(both.rows.map((r) => r.name), weights.rows.map((r) => r.name));
  assert.deepEqual(features.rows.map(measured), weights.rows.map(measured));
  assert.deepEqual(
    features.rows.map((r) => r.name.replace("of features", "of weights")),
    weights.rows.map((r) => r.name),
  );
  // The same models, not only the same sizes and accuracies: masks, weights, codes and bias.
  assert.equal(features.models.length, weights.models.length);
  assert.deepEqual(features.models, weights.models);
});

Deno.test("a one-output sweep over one structure keeps levels that make one model by other settings", () => {
  // Twins differ by their structure only. With 30 features, 95 % and 97 % remove as many (28 or
  // 29 rounded alike), and magnitude, taylor and obd can keep the same few features at high
  // sparsity: each level asked for is made and listed under its own name. Oracle: the count of
  // levels (3 strategies x 3 sparsities + dense) times the models of each (float32 + 1).
  const session = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const sweep = session.sweep({
    ...SPACE,
    bits: [4],
    sparsities: [0, 0.9, 0.95, 0.97],
    strategies: ["magnitude", "taylor", "obd"],
    structures: ["weights"],
  });
  assert.deepEqual(sweep.skipped, []);
  assert.equal(sweep.rows.length, (3 * 3 + 1) * 2);
  for (const strategy of ["magnitude", "taylor", "obd"]) {
    for (const p of [90, 95, 97]) {
      const name = `${strategy} ${p} % of weights, float32`;
      assert.ok(sweep.rows.some((r) => r.name === name), name);
    }
  }
});

Deno.test("a one-output search chooses as it did, and lists the twin level as skipped", () => {
  const session = createCompressionSession(cancer.train, FAST);
  for (
    const run of [
      (s: { structures: ("weights" | "features")[] }) =>
        session.search({ ...SPACE, ...s, maxDrop: 0.02 }),
      (s: { structures: ("weights" | "features")[] }) =>
        session.searchWithinBytes({ ...SPACE, ...s, maxBytes: 520 }),
    ]
  ) {
    // Features first: the first structure's name is kept, so the choice is the features-only
    // search's, as before when the twin was evaluated after it (ties keep the first).
    const both = run({ structures: ["features", "weights"] });
    const alone = run({ structures: ["features"] });
    assert.equal(both.chosen.name, alone.chosen.name);
    assert.deepEqual(measured(both.chosen), measured(alone.chosen));
    const names = both.tried.map((t) => t.name);
    assert.ok(names.every((n) => !n.includes("of weights")), names.join("; "));
    assert.deepEqual(
      both.skipped.filter((k) => k.reason.startsWith("the same model")).map((k) => k.name),
      ["magnitude 50 % of weights", "magnitude 80 % of weights"],
    );
  }
});

Deno.test("a multi-class sweep keeps both structures' levels", () => {
  const session = createCompressionSession(digits.train, { ...FAST, fineTune: false });
  const sweep = session.sweep({
    ...SPACE,
    sparsities: [0, 0.5],
    structures: ["weights", "features"],
  });
  assert.deepEqual(sweep.skipped, []);
  assert.ok(sweep.rows.some((r) => r.name.startsWith("magnitude 50 % of features")));
  assert.ok(sweep.rows.some((r) => r.name.startsWith("magnitude 50 % of weights")));
});
