// Sweeps and searches that start from a given model already pruned: the levels below its mask
// cannot be made from it (a mask never revives a weight) and are skipped with the reason; the
// others are made from it and keep its zeros.
import assert from "node:assert/strict";
import {
  type CompressionSession,
  compressModel,
  createCompressionSession,
  sweepCompression,
  type SweepResult,
} from "../../lib/compress/mod.ts";
import { levelForMask, type ResolvedPrune } from "../../lib/compress/context.ts";
import { SEARCH_DEFAULTS } from "../../lib/compress/space.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");
const dense = createCompressionSession(digits.train, { ...FAST, seed: 0 });
/** The dense model pruned to 60 % of its 640 weights: 384 zeros. */
const given = pruneWithStrategy(dense.dense, "magnitude", { fraction: 0.6 });
const givenZeros = given.mask!.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);

function fromGiven(): CompressionSession {
  return createCompressionSession(digits.train, {
    fineTune: FAST.fineTune,
    model: given,
    validation: dense.validation,
    test: digits.test,
    seed: 0,
  });
}

const SPACE = {
  sparsities: [0, 0.3, 0.5, 0.7, 0.9],
  bits: [2, 4],
  structures: ["weights", "features"] as const,
  methods: SEARCH_DEFAULTS.methods,
};
const BELOW =
  /^the given model's mask already removes 384 weights, more than the (192|320) this level removes; a mask never revives a weight$/;

/** Whether every weight the given model removed stays removed in a model. */
function keepsZeros(model: StoredModel | LogisticModel): boolean {
  const float = "kind" in model && model.kind === "logistic-regression"
    ? model
    : asFloatModel(model as StoredModel);
  const w = float.weights.data;
  return given.mask!.every((m, i) => m !== 0 || w[i] === 0);
}

Deno.test("a sweep from a pruned model skips the levels below its mask, with the reason, and makes the others from it", () => {
  assert.equal(givenZeros, 384);
  for (const iterative of [false, true]) {
    const sweep: SweepResult = fromGiven().sweep({ ...SPACE, iterative });
    const below = sweep.skipped.filter((k) => BELOW.test(k.reason));
    assert.deepEqual(
      below.map((k) => k.name),
      iterative
        ? ["magnitude 30 % of weights", "magnitude 30/50 % of weights"]
        : ["magnitude 30 % of weights", "magnitude 50 % of weights"],
    );
    // The levels above the mask are made from the given model, the rounds it passed left out.
    const weightLevels = sweep.bases.filter((b) => b.prune.structure === "weights");
    assert.deepEqual(
      weightLevels.map((b) => b.prune.rounds),
      iterative ? [[0.7], [0.7, 0.9]] : [[0.7], [0.9]],
    );
    for (const b of weightLevels) {
      assert.equal(b.prune.sparsity, b.prune.rounds.at(-1), b.name);
    }
    // Every feature level is made (the mask removes no whole feature), and every model keeps the
    // given model's zeros.
    assert.equal(sweep.bases.filter((b) => b.prune.structure === "features").length, 4);
    assert.ok(sweep.rows.length > 20);
    sweep.models.forEach((m, i) => assert.ok(keepsZeros(m), sweep.rows[i].name));
  }
});

Deno.test("both searches from a pruned model skip the levels below its mask and choose what a sweep of the same space holds", () => {
  const s = fromGiven();
  const sweep = s.sweep(SPACE);
  for (const maxDrop of [0.01, 0.03]) {
    const r = s.search({ ...SPACE, maxDrop });
    const target = sweep.dense.validation.accuracy - maxDrop;
    const smallest = Math.min(
      sweep.dense.bytes,
      ...sweep.rows.filter((row) => row.validation.accuracy >= target - 1e-12).map((x) => x.bytes),
    );
    assert.equal(r.chosen.bytes, smallest, `${maxDrop}: ${r.chosen.name}`);
    assert.ok(keepsZeros(r.model));
    const below = r.skipped.filter((k) => BELOW.test(k.reason)).map((k) => k.name);
    assert.deepEqual(below, ["magnitude 30 % of weights", "magnitude 50 % of weights"]);
  }
  const sized = s.searchWithinBytes({ ...SPACE, maxBytes: 400 });
  const best = Math.max(
    ...[sweep.dense, ...sweep.rows].filter((x) => x.bytes <= 400).map((x) => x.validation.accuracy),
  );
  assert.equal(sized.chosen.validation.accuracy, best);
  assert.ok(keepsZeros(sized.model));
  assert.ok(sized.skipped.some((k) => BELOW.test(k.reason)));
});

Deno.test("levelForMask counts what a mask removes in the level's unit", () => {
  // 2 classes x 4 features; the mask removes feature 0 in both rows and weight (1, 3).
  const mask = new Uint8Array([0, 1, 1, 1, 0, 1, 1, 0]);
  const level = (over: Partial<ResolvedPrune>): ResolvedPrune => {
    const p = {
      strategy: "magnitude",
      structure: "weights",
      scope: "global",
      fraction: 0.25,
      count: null,
      compensate: false,
      previous: null,
      ...over,
    } as Omit<ResolvedPrune, "rounds">;
    return { ...p, rounds: [(p.fraction ?? p.count)!] };
  };
  // Global: 3 weights removed; 25 % of 8 is 2 -> below; 50 % is 4 -> made.
  assert.match(
    (levelForMask(level({}), 2, 4, mask) as { reason: string }).reason,
    /removes 3 weights, more than the 2 this level removes/,
  );
  assert.equal((levelForMask(level({ fraction: 0.5 }), 2, 4, mask) as ResolvedPrune).fraction, 0.5);
  // Per class: at most 2 in a row; 25 % of a row of 4 is 1 -> below; a count of 2 -> made.
  assert.match(
    (levelForMask(level({ scope: "per-class" }), 2, 4, mask) as { reason: string }).reason,
    /removes 2 weights in a class row, more than the 1 this level removes/,
  );
  assert.ok(
    !("reason" in
      levelForMask(level({ scope: "per-class", fraction: null, count: 2 }), 2, 4, mask)),
  );
  // Features: one whole feature removed; 25 % of 4 is 1 -> made (as many as removed).
  assert.ok(!("reason" in levelForMask(level({ structure: "features" }), 2, 4, mask)));
  // No mask, or a level that removes nothing: as given.
  const p = level({});
  assert.equal(levelForMask(p, 2, 4, null), p);
  const none = level({ fraction: 0 });
  assert.equal(levelForMask(none, 2, 4, mask), none);
});

Deno.test("the iterative searches from a pruned model leave out the rounds the mask has passed", () => {
  const s = fromGiven();
  const space = { ...SPACE, structures: ["weights"] as const, iterative: true };
  const sweep = s.sweep(space);
  const r = s.search({ ...space, maxDrop: 0.01 });
  const target = sweep.dense.validation.accuracy - 0.01;
  const smallest = Math.min(
    sweep.dense.bytes,
    ...sweep.rows.filter((row) => row.validation.accuracy >= target - 1e-12).map((x) => x.bytes),
  );
  assert.equal(r.chosen.bytes, smallest, r.chosen.name);
  assert.deepEqual(
    r.skipped.filter((k) => BELOW.test(k.reason)).map((k) => k.name),
    ["magnitude 30 % of weights", "magnitude 30/50 % of weights"],
  );
  const sized = s.searchWithinBytes({ ...space, maxBytes: 400 });
  assert.ok(keepsZeros(sized.model));
});

Deno.test("a size search whose every level is below the given model's mask says so when nothing fits", () => {
  assert.throws(
    () =>
      fromGiven().searchWithinBytes({
        sparsities: [0.3, 0.5],
        structures: ["weights"],
        bits: [4],
        methods: [{ kind: "uniform" }],
        maxBytes: 400,
      }),
    /no model of the space fits in 400 bytes; .*\(levels below the given model's mask, not made: magnitude 30 % of weights, magnitude 50 % of weights\)$/,
  );
});

Deno.test("iterative levels from a pruned model need fine-tuning only where rounds are left", () => {
  const untuned = () =>
    createCompressionSession(digits.train, {
      fineTune: false,
      model: given,
      validation: dense.validation,
      seed: 0,
    });
  const options = {
    structures: ["weights"] as const,
    methods: [{ kind: "float16" }] as const,
    training: ["ptq"] as const,
    iterative: true,
  };
  // 50 % is below the mask; 80 % is then pruned from the given model in one round.
  const one = { ...options, sparsities: [0, 0.5, 0.8] };
  const sweep = untuned().sweep(one);
  assert.deepEqual(sweep.bases.map((b) => b.prune.rounds), [[0.8]]);
  const oneCall = sweepCompression(digits.train, {
    fineTune: false,
    model: given,
    validation: dense.validation,
    seed: 0,
    ...one,
  });
  assert.deepEqual(oneCall.rows.map((r) => r.name), sweep.rows.map((r) => r.name));
  untuned().search({ ...one, maxDrop: 0.05 });
  // 70 % then 90 %: a round before the last, which fine-tuning must follow.
  const two = { ...options, sparsities: [0, 0.7, 0.9] };
  assert.throws(() => untuned().sweep(two), /needs fine-tuning/);
  assert.throws(() => untuned().search({ ...two, maxDrop: 0.05 }), /needs fine-tuning/);
  assert.throws(
    () =>
      sweepCompression(digits.train, {
        fineTune: false,
        model: given,
        validation: dense.validation,
        ...two,
      }),
    /needs fine-tuning/,
  );
});

Deno.test("the pipeline refuses a step below the given model's mask with the reason, and makes one at it", () => {
  const s = fromGiven();
  const below =
    /^RangeError: Cannot compress model: the given model's mask already removes 384 weights, more than the 320 this step removes; a mask never revives a weight$/;
  assert.throws(() => s.compress({ prune: { fraction: 0.5 }, quantize: false }), below);
  assert.throws(
    () =>
      compressModel(digits.train, {
        fineTune: FAST.fineTune,
        model: given,
        validation: dense.validation,
        prune: { fraction: 0.5 },
        quantize: false,
      }),
    below,
  );
  // Exactly at the mask's 60 %: nothing more to remove, made.
  const at = s.compress({ prune: { fraction: 0.6 }, quantize: false });
  assert.ok(keepsZeros(at.model));
  assert.equal(at.stages[1].nonZeros, 640 - 384);
});
