// Iterative pruning in the pipeline (prune.rounds) and in sweeps and searches (iterative): each
// round prunes the fine-tuned model of the round before it. The oracle is lib/prune's
// iterativePrune, which the pruning tests check on its own (masks extend, no weight comes back).
import assert from "node:assert/strict";
import {
  compressModel,
  createCompressionSession,
  searchCompression,
  sweepCompression,
  type SweepResult,
} from "../../lib/compress/mod.ts";
import { SEARCH_DEFAULTS } from "../../lib/compress/space.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { predict } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { iterativePrune } from "../../lib/prune/retrain.ts";
import { pruneWithStrategy } from "../../lib/prune/strategy.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");
const FINE_TUNE = { kind: "lbfgs", maxIterations: 30 } as const;

function session(options: Parameters<typeof createCompressionSession>[1] = {}) {
  return createCompressionSession(digits.train, { ...FAST, test: digits.test, ...options });
}

/** `iterativePrune` with the session's fine-tuning, penalty, seed and compensation. */
function oracle(s: ReturnType<typeof session>, sparsities: number[]): LogisticModel {
  return iterativePrune(s.dense, s.trainData, {
    sparsities,
    compensate: s.trainData.x,
    fineTune: {
      optimizer: FINE_TUNE,
      penalty: { kind: "l2", lambda: 1 / s.trainData.x.rows },
      seed: 0,
    },
  }).model;
}

Deno.test("prune rounds follow the cubic schedule and give iterativePrune's model", () => {
  const s = session({ preprocessingStorage: "keep" });
  const r = s.compress({ prune: { fraction: 0.8, rounds: 3 }, quantize: false });
  // 0.8 * (1 - (2/3)^3) = 0.5630 and 0.8 * (1 - (1/3)^3) = 0.7704, to 0.1 %.
  const tuned = r.stages.find((x) => x.stage === "fine-tuned")!;
  assert.equal(tuned.name, "magnitude 56.3/77/80 % of weights, fine-tuned, float32");
  const expected = oracle(s, [0.563, 0.77, 0.8]);
  const got = asFloatModel(r.model);
  assert.deepEqual(got.mask, expected.mask);
  // The file stores float32 weights.
  for (let i = 0; i < got.weights.data.length; i++) {
    assert.equal(got.weights.data[i], Math.fround(expected.weights.data[i]), `weight ${i}`);
  }
  // One round is the one-shot step; more rounds make another model.
  const once = s.compress({ prune: { fraction: 0.8 }, quantize: false });
  const onceRounds = s.compress({ prune: { fraction: 0.8, rounds: 1 }, quantize: false });
  assert.deepEqual(onceRounds.file, once.file);
  assert.notDeepEqual(asFloatModel(once.model).mask, got.mask);
});

Deno.test("counts are scheduled in whole weights, and rounds that remove nothing more are left out", () => {
  const s = session();
  // 100 * (1 - (3/4)^3) = 57.8, 100 * (1 - (1/2)^3) = 87.5, 100 * (1 - (1/4)^3) = 98.4.
  const r = s.compress({ prune: { count: 100, rounds: 4 }, quantize: false });
  assert.match(r.stages[1].name, /^magnitude 58\/88\/98\/100 weights, float32/);
  // One weight in four rounds: 0.58, 0.88 and 0.98 round to 1, so one round.
  const one = s.compress({ prune: { count: 1, rounds: 4 }, quantize: false });
  const single = s.compress({ prune: { count: 1 }, quantize: false });
  assert.match(one.stages[1].name, /^magnitude 1 weights, float32/);
  assert.deepEqual(one.file, single.file);
});

Deno.test("an iterative sweep prunes each level from the fine-tuned level below it", () => {
  const s = session({ preprocessingStorage: "keep" });
  const space = { sparsities: [0, 0.5, 0.8], methods: [{ kind: "float16" as const }] };
  const iterative = s.sweep({ ...space, iterative: true });
  const oneShot = s.sweep(space);
  assert.deepEqual(iterative.bases.map((b) => b.prune.rounds), [[0.5], [0.5, 0.8]]);
  assert.deepEqual(oneShot.bases.map((b) => b.prune.rounds), [[0.5], [0.8]]);
  assert.deepEqual(
    iterative.bases.map((b) => b.name),
    ["magnitude 50 % of weights", "magnitude 50/80 % of weights"],
  );
  const float80 = (sweep: SweepResult) => {
    const i = sweep.rows.findIndex((r) => r.prune?.fraction === 0.8 && r.quantization === null);
    return asFloatModel(sweep.models[i]);
  };
  const expected = oracle(s, [0.5, 0.8]);
  const got = float80(iterative);
  assert.deepEqual(got.mask, expected.mask);
  assert.deepEqual(predict(got, digits.test.x), predict(expected, digits.test.x));
  // The 50 % level is the same model both ways; the 80 % level is not.
  assert.deepEqual(iterative.models[2], oneShot.models[2]);
  assert.notDeepEqual(float80(oneShot).mask, got.mask);
  // The chained level's time includes the round before it.
  assert.ok(iterative.bases[1].pruneSeconds >= iterative.bases[0].fineTuneSeconds);
});

Deno.test("iterative searches choose what an iterative sweep of the same space has", () => {
  // One stored form per candidate, as the sweep compares (see size_search_test.ts).
  const s = session({ preprocessingStorage: "fold" });
  const space = {
    sparsities: [0, 0.5, 0.7, 0.9],
    bits: [1, 2, 4],
    structures: ["weights", "features"] as const,
    methods: SEARCH_DEFAULTS.methods,
    iterative: true,
  };
  const sweep = s.sweep(space);
  const all = [{ ...sweep.dense, name: "dense" }, ...sweep.rows];
  for (const maxDrop of [0.01, 0.03, 0.1]) {
    const r = s.search({ ...space, maxDrop });
    const target = sweep.dense.validation.accuracy - maxDrop;
    const smallest = Math.min(
      ...all.filter((x) => x.validation.accuracy >= target - 1e-12).map((x) => x.bytes),
    );
    assert.equal(r.chosen.bytes, smallest, `budget ${maxDrop}: ${r.chosen.name}`);
  }
  for (const maxBytes of [200, 300, 600]) {
    const r = s.searchWithinBytes({ ...space, maxBytes });
    const best = Math.max(
      ...all.filter((x) => x.bytes <= maxBytes).map((x) => x.validation.accuracy),
    );
    assert.equal(r.chosen.validation.accuracy, best, `${maxBytes} bytes: ${r.chosen.name}`);
    assert.ok(r.chosen.bytes <= maxBytes);
  }
});

Deno.test("rounds and iterative are refused where they cannot apply, before training", () => {
  const s = session();
  for (const rounds of [0, 1.5, 101, Number.NaN]) {
    assert.throws(
      () => s.compress({ prune: { fraction: 0.5, rounds } }),
      /RangeError: Cannot compress model: prune rounds must be an integer in \[1, 100\]/,
      String(rounds),
    );
  }
  const untuned = session({ fineTune: false });
  assert.throws(
    () => untuned.compress({ prune: { fraction: 0.5, rounds: 2 } }),
    /pruning in rounds \(iterative, or prune rounds above 1\) needs fine-tuning/,
  );
  // One round needs no fine-tuning.
  untuned.compress({ prune: { fraction: 0.5, rounds: 1 }, quantize: false });
  assert.throws(
    () => untuned.sweep({ sparsities: [0, 0.5, 0.8], iterative: true }),
    /needs fine-tuning/,
  );
  assert.throws(
    () => untuned.search({ sparsities: [0, 0.5, 0.8], iterative: true }),
    /needs fine-tuning/,
  );
  assert.throws(
    () => s.sweep({ sparsities: [0.5], iterative: "yes" as unknown as boolean }),
    /TypeError: Cannot sweep compression: iterative must be a boolean, got string "yes"/,
  );
  assert.throws(
    () => s.sweep({ sparsities: [0], iterative: true }),
    /iterative does not apply: no sparsity prunes; leave it out/,
  );
  // Before the dense model is trained: nothing is fitted on data whose labels are all wrong.
  const bad = { ...digits.train, y: new Int32Array(digits.train.y.length).fill(-1) };
  assert.throws(
    () => compressModel(bad, { ...FAST, fineTune: false, prune: { fraction: 0.5, rounds: 3 } }),
    /needs fine-tuning/,
  );
});

Deno.test("the one-call sweep and search take iterative, and refuse it untuned before training", () => {
  const space = {
    sparsities: [0, 0.5, 0.8],
    methods: [{ kind: "float16" as const }],
    iterative: true,
  };
  // iterative was passed on to the session's options, which refused it as unknown.
  const sweep = sweepCompression(digits.train, { ...FAST, ...space });
  assert.deepEqual(sweep.bases.map((b) => b.prune.rounds), [[0.5], [0.5, 0.8]]);
  const search = searchCompression(digits.train, { ...FAST, ...space, maxDrop: 0.05 });
  assert.ok(search.tried.some((t) => t.name.startsWith("magnitude 50/80 % of weights")));
  const bad = { ...digits.train, y: new Int32Array(digits.train.y.length).fill(-1) };
  for (const call of [sweepCompression, searchCompression]) {
    assert.throws(
      () => call(bad, { ...FAST, fineTune: false, ...space }),
      /pruning in rounds \(iterative, or prune rounds above 1\) needs fine-tuning/,
    );
  }
});

Deno.test("a search reports the levels it skipped but fine-tuned as rounds of the levels above", () => {
  // With feature pruning first, its small files make the low weight levels unable to compete.
  const s = session({ preprocessingStorage: "keep" });
  const r = s.search({
    sparsities: [0, 0.5, 0.7, 0.8],
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
    structures: ["weights", "features"],
    strategies: ["magnitude", "taylor", "random"],
    iterative: true,
    maxDrop: 0.02,
  });
  const levelSkips = r.skipped.filter((k) => k.reason.startsWith("its smallest file"));
  const rounds = levelSkips.filter((k) => k.reason.endsWith("as a round of the levels above it"));
  assert.ok(rounds.length > 0, levelSkips.map((k) => k.name).join("; "));
  for (const k of levelSkips) {
    // Only the top of a ladder has no level above it; random levels are pruned from the dense
    // model, so none is a round of another.
    const top = /(^|\/)80 % of /.test(k.name);
    assert.equal(rounds.includes(k), !top && !k.name.startsWith("random"), k.name);
  }
  assert.ok(levelSkips.some((k) => k.name.startsWith("random") && !/ 80 % of /.test(k.name)));
  for (const k of rounds) {
    assert.ok(r.bases.some((b) => b.name === k.name), `${k.name} made but not listed`);
    assert.ok(!r.tried.some((t) => t.name.startsWith(`${k.name} +`)), k.name);
  }
});

Deno.test("without fine-tuning, pruning is refused only where a step really has an earlier round", () => {
  const untuned = session({ fineTune: false });
  // One pruning level, iterative or not, prunes the dense model once.
  const one = untuned.sweep({
    sparsities: [0, 0.5],
    methods: [{ kind: "float16" }],
    iterative: true,
  });
  assert.deepEqual(one.bases.map((b) => b.prune.rounds), [[0.5]]);
  assert.throws(
    () =>
      untuned.sweep({ sparsities: [0, 0.5, 0.8], methods: [{ kind: "float16" }], iterative: true }),
    /needs fine-tuning/,
  );
});

Deno.test("rounds start from a given model's mask and merge rounds that remove no more weights", async () => {
  // A model already pruned to 70 %: the first round of 90 % in three (63.3 %) is behind it.
  const s = session();
  const from70 = createCompressionSession(digits.train, {
    fineTune: FAST.fineTune,
    model: pruneWithStrategy(s.dense, "magnitude", { fraction: 0.7 }),
    validation: s.validation,
  });
  const r = from70.compress({ prune: { fraction: 0.9, rounds: 3 }, quantize: false });
  assert.match(r.stages[1].name, /^magnitude 86\.7\/90 % of weights, float32/);
  // 2 % of breast cancer's 30 weights in two rounds: 1.8 % and 2 % are one weight each, so one
  // round, which needs no fine-tuning.
  const cancer = (await splitSet("breast-cancer")).train;
  const options = { ...FAST, fineTune: false as const };
  const one = { prune: { fraction: 0.02, rounds: 2 }, quantize: false as const };
  const run = createCompressionSession(cancer, options).compress(one);
  assert.match(run.stages[1].name, /^magnitude 2 % of weights, float32/);
  compressModel(cancer, { ...options, ...one });
  assert.throws(
    () => compressModel(cancer, { ...options, prune: { fraction: 0.5, rounds: 2 } }),
    /needs fine-tuning/,
  );
});

Deno.test("random pruning takes no rounds, and its iterative levels are pruned from the dense model", () => {
  const s = session();
  // Random scores depend on the seed and the shape only: rounds would end with the one-shot mask.
  assert.throws(
    () => s.compress({ prune: { strategy: "random", fraction: 0.9, rounds: 3 } }),
    /RangeError: Cannot compress model: prune rounds do not apply to random pruning/,
  );
  const space = {
    strategies: ["magnitude", "random"] as const,
    sparsities: [0, 0.5, 0.8],
    methods: [{ kind: "float16" as const }],
    training: ["ptq" as const],
  };
  const names = s.sweep({ ...space, iterative: true }).bases.map((b) => b.name);
  assert.deepEqual(names, [
    "magnitude 50 % of weights",
    "magnitude 50/80 % of weights",
    "random 50 % of weights",
    "random 80 % of weights",
  ]);
});

Deno.test("rounds and iterative of the wrong type are refused, null included", () => {
  const s = session();
  assert.throws(
    () => s.compress({ prune: { fraction: 0.5, rounds: "3" as unknown as number } }),
    /TypeError: Cannot compress model: prune rounds must be a number or a list of amounts, got /,
  );
  // null, as every null option (checkOptionKeys).
  assert.throws(
    () => s.compress({ prune: { fraction: 0.5, rounds: null as unknown as number } }),
    /TypeError: Cannot compress model: rounds of prune is null: give a value, or leave it out for its default$/,
  );
  for (const key of ["iterative", "includeFloat"]) {
    assert.throws(
      () => s.sweep({ sparsities: [0, 0.5], [key]: null }),
      new RegExp(
        `TypeError: Cannot sweep compression: ${key} is null: give a value, or leave it out for its default$`,
      ),
    );
    assert.throws(
      () => s.sweep({ sparsities: [0, 0.5], [key]: 1 as unknown as boolean }),
      new RegExp(`TypeError: Cannot sweep compression: ${key} must be a boolean, got number 1`),
    );
  }
});

Deno.test("a later round of whole-feature pruning ranks the features of the fine-tuned round before it", () => {
  // Oracle: magnitude ranks whole features by the l2 norm of their column. The second round of
  // rounds [0.3, 0.6] removes, of the features the first round left, those of least norm in the
  // first round's fine-tuned model (read from its float32 file, preprocessing kept so the
  // weights are not rescaled), not in the dense model.
  const session = createCompressionSession(digits.train, {
    ...FAST,
    preprocessingStorage: "keep",
  });
  const step = { strategy: "magnitude", structure: "features" } as const;
  const first = asFloatModel(
    session.compress({ prune: { ...step, fraction: 0.3 }, quantize: false }).model,
  );
  const second = asFloatModel(
    session.compress({ prune: { ...step, rounds: [0.3, 0.6] }, quantize: false }).model,
  );
  const { rows, cols, data } = first.weights;
  const alive = (m: LogisticModel, j: number) => {
    for (let c = 0; c < rows; c++) if (m.mask![c * cols + j]) return true;
    return false;
  };
  const norm = (j: number) => {
    let s = 0;
    for (let c = 0; c < rows; c++) s += data[c * cols + j] ** 2;
    return s;
  };
  const left = [...Array(cols).keys()].filter((j) => alive(first, j));
  const kept = [...Array(cols).keys()].filter((j) => alive(second, j));
  assert.ok(kept.length < left.length && kept.every((j) => left.includes(j)));
  const want = left.toSorted((a, b) => norm(b) - norm(a)).slice(0, kept.length).sort((a, b) =>
    a - b
  );
  assert.deepEqual(kept, want);
});
