import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { pruneMask } from "../../lib/prune/mask.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { obdScores } from "../../lib/prune/scores.ts";
import {
  defaultScope,
  PRUNE_STRATEGIES,
  type PruneStrategy,
  pruneWithStrategy,
  strategyScores,
} from "../../lib/prune/strategy.ts";
import { zerosOf } from "./_problems.ts";

const digits = await loadEmbedded("digits");
const dense = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } }).model;

Deno.test("every strategy prunes to the same exact count, with its default scope", () => {
  for (const strategy of PRUNE_STRATEGIES) {
    const pruned = pruneWithStrategy(dense, strategy, { fraction: 0.75, data: digits, l2: 1e-3 });
    assert.equal(zerosOf(pruned.mask!), 480, strategy);
    const perRow = Array.from(
      { length: 10 },
      (_, c) => zerosOf(pruned.mask!.slice(c * 64, c * 64 + 64)),
    );
    if (defaultScope(strategy) === "per-class") assert.ok(perRow.every((z) => z === 48), strategy);
  }
  assert.equal(defaultScope("obd"), "per-class");
  assert.equal(defaultScope("taylor"), "per-class");
  assert.equal(defaultScope("magnitude"), "global");
});

Deno.test("the scores a strategy ranks by give the mask it prunes with", () => {
  for (const strategy of ["magnitude", "taylor", "obd", "random"] as const) {
    const scope = defaultScope(strategy);
    const scores = strategyScores(dense, strategy, { data: digits, l2: 1e-3, seed: 4 });
    const expected = pruneMask(scores, null, { count: 200, scope: "global" });
    const pruned = pruneWithStrategy(dense, strategy, {
      count: 200,
      scope: "global",
      data: digits,
      l2: 1e-3,
      seed: 4,
    });
    assert.deepEqual(pruned.mask, expected, `${strategy} (default scope ${scope})`);
  }
});

Deno.test("obd ranks by the saliency of the objective with the given l2", () => {
  // The L2 term adds l2 to every Hessian diagonal entry, so the saliency gains 1/2 * l2 * w².
  const l2 = 1;
  const plain = obdScores(dense, digits).data, w = dense.weights.data;
  const expected = plain.map((s, i) => s + 0.5 * l2 * w[i] * w[i]);
  const scores = strategyScores(dense, "obd", { data: digits, l2 });
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs(scores.data[i] - expected[i]) <= 1e-12 * (1 + expected[i]), `${i}`);
  }
  const matrix = { data: expected, rows: 10, cols: 64 };
  const want = pruneMask(matrix, null, { fraction: 0.5, scope: "per-class" });
  const pruned = pruneWithStrategy(dense, "obd", { fraction: 0.5, data: digits, l2 });
  assert.deepEqual(pruned.mask, want);
  // The premise: without the l2 the mask differs.
  const without = pruneWithStrategy(dense, "obd", { fraction: 0.5, data: digits });
  assert.notDeepEqual(without.mask, want);
});

Deno.test("data-based strategies need data, and unknown strategies are refused", () => {
  assert.throws(() => pruneWithStrategy(dense, "obd", { fraction: 0.5 }), /needs data/);
  assert.throws(() => pruneWithStrategy(dense, "taylor", { fraction: 0.5 }), /needs data/);
  assert.throws(
    () => pruneWithStrategy(dense, "best" as PruneStrategy, { fraction: 0.5 }),
    /unknown strategy/,
  );
});

const rowKept = (mask: Uint8Array) =>
  Array.from({ length: 10 }, (_, c) => 64 - zerosOf(mask.slice(c * 64, c * 64 + 64)));

Deno.test("steps re-score between steps on the documented geometric schedule", () => {
  for (const [strategy, scope] of [["taylor", "global"], ["obd", "per-class"]] as const) {
    const options = { data: digits, l2: 1e-3, scope };
    const stepped = pruneWithStrategy(dense, strategy, { ...options, fraction: 0.9, steps: 4 });
    // The same schedule written out: keep 0.1^(t/4) of the weights after step t, scoring the
    // model of the step before.
    let replay = dense;
    for (let t = 1; t <= 4; t++) {
      replay = pruneModel(replay, {
        fraction: t === 4 ? 0.9 : 1 - Math.pow(0.1, t / 4),
        scope,
        scores: strategyScores(replay, strategy, options),
      });
    }
    assert.deepEqual(stepped.mask, replay.mask, `${strategy} ${scope}`);
    assert.deepEqual(stepped.weights, replay.weights);
    assert.equal(zerosOf(stepped.mask!), scope === "global" ? 576 : 10 * Math.round(0.9 * 64));
    // One step is the one-shot pruning.
    assert.deepEqual(
      pruneWithStrategy(dense, strategy, { ...options, fraction: 0.9, steps: 1 }).mask,
      pruneWithStrategy(dense, strategy, { ...options, fraction: 0.9 }).mask,
    );
  }
});

Deno.test("steps keep every class row where a one-shot global Taylor ranking empties some", () => {
  for (const fraction of [0.8, 0.9]) {
    const options = { fraction, scope: "global", data: digits } as const;
    const oneShot = rowKept(pruneWithStrategy(dense, "taylor", options).mask!);
    assert.ok(oneShot.includes(0), `one-shot at ${fraction} keeps ${oneShot}`);
    const stepped = rowKept(pruneWithStrategy(dense, "taylor", { ...options, steps: 10 }).mask!);
    assert.ok(stepped.every((n) => n > 0), `10 steps at ${fraction} keep ${stepped}`);
    assert.equal(stepped.reduce((a, b) => a + b), Math.round((1 - fraction) * 640));
  }
});

Deno.test("steps start from the model's own mask, keep it, and meet count targets exactly", () => {
  const half = pruneWithStrategy(dense, "obd", { fraction: 0.5, data: digits, l2: 1e-3 });
  for (const scope of ["global", "per-class"] as const) {
    const target = scope === "global" ? { count: 500 } : { count: 50 };
    const p = pruneWithStrategy(half, "obd", { ...target, scope, data: digits, steps: 5 });
    assert.equal(zerosOf(p.mask!), 500, scope);
    if (scope === "per-class") assert.ok(rowKept(p.mask!).every((n) => n === 14));
    for (let i = 0; i < p.mask!.length; i++) {
      if (half.mask![i] === 0) assert.equal(p.mask![i], 0, `entry ${i} revived (${scope})`);
    }
  }
});

Deno.test("steps are refused where they cannot apply", () => {
  const data = digits;
  // From 2 steps on (the first that re-scores): a bound of 2 let 2 steps through.
  for (const steps of [2, 3]) {
    assert.throws(
      () => pruneWithStrategy(dense, "magnitude", { fraction: 0.5, steps }),
      /steps applies to taylor and obd/,
    );
    assert.throws(
      () => pruneWithStrategy(dense, "l1", { fraction: 0.5, steps }),
      /steps applies to taylor and obd/,
    );
    assert.throws(
      () => pruneWithStrategy(dense, "taylor", { threshold: 1e-4, data, steps }),
      /steps needs a fraction or count target/,
    );
  }
  // A count above the weights (of a class row) is named, as without steps; it was the geometric
  // schedule's NaN share ("fraction must be a number in [0, 1], got NaN").
  assert.throws(
    () => pruneWithStrategy(dense, "taylor", { count: 641, data, steps: 3, scope: "global" }),
    /^RangeError: Cannot prune model: count 641 exceeds the 640 weights$/,
  );
  assert.throws(
    () => pruneWithStrategy(dense, "taylor", { count: 65, data, steps: 3 }),
    /^RangeError: Cannot prune model: count 65 exceeds the 64 weights of a class row$/,
  );
  for (const steps of [0, 1.5, NaN]) {
    assert.throws(
      () => pruneWithStrategy(dense, "taylor", { fraction: 0.5, data, steps }),
      /steps must be an integer >= 1/,
    );
  }
});

Deno.test("steps with compensate keep the mean scores over the data, with the same mask", () => {
  // Raw pixels (0 to 16, not centred), so that removing weights moves the mean scores.
  const raw = fit(digits.x, digits.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  }).model;
  const options = { fraction: 0.8, scope: "global", data: digits, steps: 5 } as const;
  const plain = pruneWithStrategy(raw, "taylor", options);
  const compensated = pruneWithStrategy(raw, "taylor", { ...options, compensate: digits.x });
  assert.deepEqual(compensated.mask, plain.mask);
  assert.deepEqual(compensated.weights, plain.weights);
  const meanScores = (m: typeof dense) => {
    const s = decisionFunction(m, digits.x, { backend: "ts" });
    const mean = new Float64Array(s.cols);
    for (let i = 0; i < s.data.length; i++) mean[i % s.cols] += s.data[i] / s.rows;
    return mean;
  };
  const before = meanScores(raw), after = meanScores(compensated);
  for (let c = 0; c < before.length; c++) assert.ok(Math.abs(after[c] - before[c]) < 1e-9, `${c}`);
  assert.ok(meanScores(plain).some((v, c) => Math.abs(v - before[c]) > 1e-3));
});

Deno.test("l1 with compensation keeps each class's mean score on the data", () => {
  // Every weight changes under the soft threshold (removed or shrunk), and all of that change is
  // folded into the bias: the mean decision function over the data is the dense model's.
  const raw = fit(digits.x, digits.y, {
    optimizer: { kind: "lbfgs", maxIterations: 30 },
    preprocessing: "none",
  }).model;
  const plain = pruneWithStrategy(raw, "l1", { fraction: 0.8 });
  const compensated = pruneWithStrategy(raw, "l1", { fraction: 0.8, compensate: digits.x });
  assert.deepEqual(compensated.weights, plain.weights);
  assert.deepEqual(compensated.mask, plain.mask);
  const mean = (m: typeof raw) => {
    const s = decisionFunction(m, digits.x);
    return Array.from({ length: s.cols }, (_, c) => {
      let t = 0;
      for (let i = 0; i < s.rows; i++) t += s.data[i * s.cols + c];
      return t / s.rows;
    });
  };
  const want = mean(raw), got = mean(compensated), without = mean(plain);
  for (let c = 0; c < want.length; c++) {
    assert.ok(Math.abs(got[c] - want[c]) < 1e-9 * (1 + Math.abs(want[c])), `class ${c}`);
  }
  assert.ok(without.some((v, c) => Math.abs(v - want[c]) > 0.1), "the threshold moves the means");
});

Deno.test("a malformed model is refused in the library's words, with or without steps", () => {
  // With steps the weights' shape was read before any check: 'Cannot read properties of
  // undefined (reading 'rows')' for a model without weights, '... of null' for null.
  const data = digits;
  const noWeights = { ...dense, weights: undefined } as unknown as typeof dense;
  for (const steps of [1, 3]) {
    assert.throws(
      () => pruneWithStrategy(noWeights, "taylor", { fraction: 0.5, data, steps }),
      /^TypeError: Cannot prune model: weights/,
    );
    assert.throws(
      () => pruneWithStrategy(null as unknown as typeof dense, "obd", { count: 5, data, steps }),
      /^TypeError: Cannot prune model: /,
    );
  }
});

Deno.test("pruneWithStrategy and strategyScores refuse a non-finite seed in their own words", () => {
  // The random generator refused it first, naming itself ("Cannot create random generator").
  assert.throws(
    () => pruneWithStrategy(dense, "random", { fraction: 0.5, seed: NaN }),
    /^TypeError: Cannot prune model: seed must be a finite number, got number NaN$/,
  );
  assert.throws(
    () => strategyScores(dense, "random", { seed: Infinity }),
    /^TypeError: Cannot score weights: seed must be a finite number, got number Infinity$/,
  );
});
