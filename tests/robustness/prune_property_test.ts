import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { predictProba } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pruneMask } from "../../lib/prune/mask.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { digits, multi } from "./_cases.ts";

const SEED = 20261128;

const scoresArb = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.tuple(
    // Few distinct values, so ties are common; any finite value is allowed.
    fc.array(
      fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      ),
      {
        minLength: n,
        maxLength: n,
      },
    ),
    fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  )
);

Deno.test("any fraction of any scores removes exactly round(fraction * n), deterministically, never reviving", () => {
  fc.assert(
    fc.property(
      scoresArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      ([values, keep], fraction) => {
        const scores = { data: Float64Array.from(values), rows: 1, cols: values.length };
        const previous = Uint8Array.from(keep, (k) => (k ? 1 : 0));
        const removedBefore = previous.filter((v) => v === 0).length;
        const target = Math.round(fraction * values.length);
        if (target < removedBefore) {
          // Asking for fewer removals than already made is refused, never a revival.
          assert.throws(() => pruneMask(scores, previous, { fraction }), RangeError);
          return;
        }
        const mask = pruneMask(scores, previous, { fraction });
        assert.equal(mask.filter((v) => v === 0).length, target);
        for (let i = 0; i < mask.length; i++) if (previous[i] === 0) assert.equal(mask[i], 0);
        assert.deepEqual(pruneMask(scores, previous, { fraction }), mask);
        // Every kept entry scores at least as high as every newly removed one.
        let minKept = Infinity, maxRemoved = -Infinity;
        for (let i = 0; i < mask.length; i++) {
          if (mask[i] === 1) minKept = Math.min(minKept, values[i]);
          else if (previous[i] === 1) maxRemoved = Math.max(maxRemoved, values[i]);
        }
        assert.ok(maxRemoved <= minKept, `removed ${maxRemoved} above kept ${minKept}`);
      },
    ),
    { seed: SEED, numRuns: 400 },
  );
});

Deno.test("a model pruned to any sparsity predicts finitely and survives the model file exactly", () => {
  const x = { data: digits.x.data.subarray(0, 20 * 64), rows: 20, cols: 64 };
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom("global", "per-class"),
      (fraction, scope) => {
        const pruned: LogisticModel = pruneModel(multi, { fraction, scope });
        const zeros = pruned.mask!.filter((v) => v === 0).length;
        const expected = scope === "global"
          ? Math.round(fraction * 640)
          : 10 * Math.round(fraction * 64);
        assert.equal(zeros, expected);
        for (let i = 0; i < 640; i++) {
          if (pruned.mask![i] === 0) {
            assert.equal(pruned.weights.data[i], 0);
          }
        }
        const p = predictProba(pruned, x);
        for (const v of p.data) assert.ok(v >= 0 && v <= 1);
        const back = decodeModel(encodeModel(pruned)) as LogisticModel;
        assert.deepEqual(back.weights, pruned.weights);
        assert.deepEqual(predictProba(back, x), p);
      },
    ),
    { seed: SEED, numRuns: 60 },
  );
});
