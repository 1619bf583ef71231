import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { pruneMask } from "../../lib/prune/mask.ts";
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

Deno.test("data-based strategies need data, and unknown strategies are refused", () => {
  assert.throws(() => pruneWithStrategy(dense, "obd", { fraction: 0.5 }), /needs data/);
  assert.throws(() => pruneWithStrategy(dense, "taylor", { fraction: 0.5 }), /needs data/);
  assert.throws(
    () => pruneWithStrategy(dense, "best" as PruneStrategy, { fraction: 0.5 }),
    /unknown strategy/,
  );
});
