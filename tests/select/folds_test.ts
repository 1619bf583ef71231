import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { createPrng } from "../../lib/core/random.ts";
import { stratifiedFolds } from "../../lib/select/folds.ts";
import { throwsWith } from "../_helpers/errors.ts";

/** Rows of each class in each fold: `counts[c][f]`. */
function classCounts(y: ArrayLike<number>, folds: Int32Array, k: number): number[][] {
  let nc = 0;
  for (let i = 0; i < y.length; i++) nc = Math.max(nc, y[i] + 1);
  const counts = Array.from({ length: nc }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < y.length; i++) counts[y[i]][folds[i]]++;
  return counts;
}

Deno.test("every class puts floor or ceil(count / k) rows in each fold, and fold sizes differ by at most one", async () => {
  const digits = await loadEmbedded("digits");
  // Uneven classes: 7 of class 0, 5 of 1, 11 of 2, 3 of 3 (shuffled order).
  const small = Int32Array.from(
    [...Array(7).fill(0), ...Array(5).fill(1), ...Array(11).fill(2), ...Array(3).fill(3)],
  ).reverse();
  for (const [y, k] of [[digits.y, 5], [digits.y, 7], [small, 3], [small, 2]] as const) {
    const folds = stratifiedFolds(y, k, { seed: 11 });
    assert.equal(folds.length, y.length);
    assert.ok(folds.every((f) => Number.isInteger(f) && f >= 0 && f < k));
    const counts = classCounts(y, folds, k);
    counts.forEach((perFold, c) => {
      const total = perFold.reduce((a, b) => a + b, 0);
      for (const m of perFold) {
        assert.ok(
          m === Math.floor(total / k) || m === Math.ceil(total / k),
          `class ${c}: ${perFold}`,
        );
      }
    });
    const sizes = new Array<number>(k).fill(0);
    for (const f of folds) sizes[f]++;
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  }
});

Deno.test("each class's extra rows go to the folds after the ones where the previous class stopped", () => {
  // The documented deal: class c starts at fold (rows of the classes before it) mod k, so the
  // count % k folds from there (cyclically) get ceil(count / k) of its rows.
  const y = Int32Array.from([...Array(7).fill(0), ...Array(5).fill(1), ...Array(11).fill(2)]);
  const k = 4;
  for (const seed of [0, 1, 2]) {
    const counts = classCounts(y, stratifiedFolds(y, k, { seed }), k);
    let start = 0;
    counts.forEach((perFold, c) => {
      const total = perFold.reduce((a, b) => a + b, 0);
      const want = new Array<number>(k).fill(Math.floor(total / k));
      for (let r = 0; r < total % k; r++) want[(start + r) % k]++;
      assert.deepEqual(perFold, want, `class ${c}, seed ${seed}`);
      start = (start + total) % k;
    });
  }
});

Deno.test("the same seed gives the same folds; another seed other rows in them", async () => {
  const { y } = await loadEmbedded("breast-cancer");
  const a = stratifiedFolds(y, 5, { seed: 7 });
  assert.deepEqual(stratifiedFolds(y, 5, { seed: 7 }), a);
  assert.deepEqual(stratifiedFolds(y, 5), stratifiedFolds(y, 5, { seed: 0 }));
  const b = stratifiedFolds(y, 5, { seed: 8 });
  // Both are stratified, so only which rows go where can differ: most rows move.
  let moved = 0;
  for (let i = 0; i < y.length; i++) if (a[i] !== b[i]) moved++;
  assert.ok(moved > y.length / 2, `${moved} of ${y.length} rows moved`);
});

Deno.test("the rows of a class are not dealt in their order", () => {
  // 40 rows of one class and 40 of another, in 4 folds: without a shuffle, rows 0..3 would go to
  // folds 0..3 in turn, and so on.
  const y = Int32Array.from({ length: 80 }, (_, i) => (i < 40 ? 0 : 1));
  const folds = stratifiedFolds(y, 4, { seed: 5 });
  let inTurn = 0;
  for (let i = 0; i < 40; i++) if (folds[i] === i % 4) inTurn++;
  assert.ok(inTurn < 30, `${inTurn} of 40 rows in dealing order`);
});

Deno.test("bad k, labels and options are refused, a class with fewer rows than k by name", () => {
  const y = Int32Array.of(0, 0, 0, 1, 1, 2, 2, 2);
  throwsWith(
    () => stratifiedFolds(y, 3, { classes: ["cat", "dog", "eel"] }),
    RangeError,
    'Cannot make stratified folds: class "dog" has 2 rows, fewer than k = 3 folds, so some ' +
      "fold would validate without it; lower k to at most 2",
  );
  throwsWith(() => stratifiedFolds(y, 3), RangeError, 'class "1" has 2 rows');
  throwsWith(() => stratifiedFolds(y, 1), RangeError, "k must be an integer >= 2, got 1");
  throwsWith(() => stratifiedFolds(y, 2.5), RangeError, "k must be an integer >= 2, got 2.5");
  throwsWith(() => stratifiedFolds(y, NaN), RangeError, "k must be an integer >= 2, got NaN");
  throwsWith(() => stratifiedFolds(new Int32Array(0), 2), RangeError, "y has no rows");
  throwsWith(
    () => stratifiedFolds([0, -1, 1], 2),
    RangeError,
    "label at row 1 is -1, expected a non-negative integer",
  );
  throwsWith(() => stratifiedFolds(y, 2, { classes: ["a", "b"] }), RangeError, "expected in 0..1");
  throwsWith(() => stratifiedFolds(y, 2, { seed: NaN }), TypeError, "seed must be a finite number");
  throwsWith(
    () => stratifiedFolds(y, 2, { sed: 1 } as never),
    TypeError,
    "unknown option 'sed' (did you mean 'seed'?)",
  );
});

Deno.test("a class absent from y is no bar to k", () => {
  // Labels 0 and 2 only: class 1 has no rows, and is not counted as a class with fewer than k.
  const y = Int32Array.of(0, 0, 2, 2, 0, 2);
  const folds = stratifiedFolds(y, 3, { classes: ["a", "b", "c"] });
  assert.deepEqual(classCounts(y, folds, 3), [[1, 1, 1], [0, 0, 0], [1, 1, 1]]);
});

Deno.test("the folds are the documented deal: one generator shuffles the classes in ascending order, dealt round the folds", () => {
  // The rule written out: createPrng(seed), each class's rows (in row order) shuffled by
  // Fisher-Yates (from the last position down, j = floor(u (i + 1))), classes 0, 1, 2, ..., and
  // the rows dealt to folds 0, 1, ..., k - 1, 0, ... going on across classes. Classes listed out of
  // order in y (2 first), of sizes 7, 5 and 11 dealt over 4 folds.
  const y = Int32Array.from([...Array(11).fill(2), ...Array(7).fill(0), ...Array(5).fill(1)]);
  for (const [k, seed] of [[4, 0], [4, 9], [3, 123]]) {
    const prng = createPrng(seed);
    const want = new Int32Array(y.length);
    let next = 0;
    for (const c of [0, 1, 2]) {
      const rows = [...y.keys()].filter((i) => y[i] === c);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(prng() * (i + 1));
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      for (const r of rows) want[r] = next++ % k;
    }
    assert.deepEqual(stratifiedFolds(y, k, { seed }), want, `k ${k}, seed ${seed}`);
  }
});

Deno.test("the class named for too few rows is the first of the smallest, and the options are checked", () => {
  // Classes 0 and 1 both have 2 rows: the first is named.
  throwsWith(
    () => stratifiedFolds(Int32Array.of(2, 2, 2, 1, 1, 0, 0), 3, { classes: ["a", "b", "c"] }),
    RangeError,
    'Cannot make stratified folds: class "a" has 2 rows, fewer than k = 3 folds',
  );
  throwsWith(
    () => stratifiedFolds([0, 1], 2, { seed: Infinity }),
    TypeError,
    "Cannot make stratified folds: seed must be a finite number, got number Infinity",
  );
  throwsWith(
    () => stratifiedFolds([0, 1, 0, 1], 2, { classes: "ab" as never }),
    TypeError,
    'Cannot make stratified folds: classes must be an array of labels, got string "ab"',
  );
});

Deno.test("a class of one row can have no stratified folds, and the message does not ask for k = 1", () => {
  throwsWith(
    () => stratifiedFolds(Int32Array.of(0, 0, 0, 1, 0), 2, { classes: ["a", "b"] }),
    RangeError,
    'Cannot make stratified folds: class "b" has 1 row, fewer than k = 2 folds, so some fold ' +
      "would validate without it; no k can make stratified folds (each needs a row of every " +
      "class to validate on, and k is at least 2): give the class more rows or leave it out",
  );
});
