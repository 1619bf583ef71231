import assert from "node:assert/strict";
import { createPrng } from "../../lib/core/random.ts";
import {
  amountCount,
  maskRemoves,
  polynomialSparsity,
  pruningRounds,
  roundsThatPrune,
} from "../../lib/prune/schedule.ts";
import { assertClose } from "../_helpers/assert_close.ts";

Deno.test("the schedule follows Zhu and Gupta's closed form at every step", () => {
  const si = 0.1, sf = 0.95, t0 = 3, n = 4, dt = 2; // updates at 3, 5, 7, 9, 11
  const o = {
    initialSparsity: si,
    finalSparsity: sf,
    beginStep: t0,
    endStep: t0 + n * dt,
    frequency: dt,
  };
  for (let t = 0; t <= 20; t++) {
    let expected: number;
    if (t < t0) expected = 0;
    else if (t >= t0 + n * dt) expected = sf;
    else {
      const m = Math.floor((t - t0) / dt); // the last update at or before t
      expected = sf + (si - sf) * (1 - m / n) ** 3;
    }
    assertClose(polynomialSparsity(t, o), expected, {
      rtol: 1e-15,
      atol: 1e-15,
      message: `t=${t}`,
    });
  }
  assert.equal(polynomialSparsity(t0, o), si);
  assert.equal(polynomialSparsity(t0 + n * dt, o), sf);
});

Deno.test("the schedule reaches finalSparsity at endStep even when it is off the update grid", () => {
  // The closed-form test above ends on a grid point, where the formula gives s_f by itself: a
  // '>' for '>=' at endStep passed every test here. With a span of 10 and updates every 3 steps
  // the last update before the end is at 9, so only the end itself may give s_f.
  const si = 0.2, sf = 0.8, t0 = 2, t1 = 12, dt = 3; // updates at 2, 5, 8, 11; the end at 12
  const o = { initialSparsity: si, finalSparsity: sf, beginStep: t0, endStep: t1, frequency: dt };
  for (let t = 0; t <= 15; t++) {
    let expected: number;
    if (t < t0) expected = 0;
    else if (t >= t1) expected = sf;
    else expected = sf + (si - sf) * (1 - (Math.floor((t - t0) / dt) * dt) / (t1 - t0)) ** 3;
    assertClose(polynomialSparsity(t, o), expected, {
      rtol: 1e-15,
      atol: 1e-15,
      message: `t=${t}`,
    });
  }
  assert.equal(polynomialSparsity(t1, o), sf);
  // Just before the end the sparsity is still that of the update at 11: 0.8 - 0.6 * 0.1^3.
  assertClose(polynomialSparsity(11.999, o), 0.8 - 0.6 * 0.001, { rtol: 1e-14 });
});

Deno.test("the cubic schedule rises fast, then flattens: zero slope at the end", () => {
  const o = { finalSparsity: 0.9, endStep: 1000 };
  let previous = 0;
  for (let t = 0; t <= 1000; t++) {
    const s = polynomialSparsity(t, o);
    assert.ok(s >= previous);
    previous = s;
  }
  // s(end) - s(end - h) = sf * (h / n)^3: third order in h.
  for (const h of [1, 2, 4]) {
    assertClose(0.9 - polynomialSparsity(1000 - h, o), 0.9 * (h / 1000) ** 3, { rtol: 1e-6 });
  }
  // Half way, 7/8 of the final sparsity is reached.
  assertClose(polynomialSparsity(500, o), 0.9 * (1 - 0.125), { rtol: 1e-15 });
});

Deno.test("exponent 1 is linear", () => {
  for (let t = 0; t <= 10; t++) {
    assertClose(polynomialSparsity(t, { finalSparsity: 0.5, endStep: 10, exponent: 1 }), 0.05 * t, {
      rtol: 1e-14,
      atol: 1e-15,
    });
  }
});

Deno.test("the schedule rejects impossible settings", () => {
  assert.throws(() => polynomialSparsity(1, { finalSparsity: 1.2 }), RangeError);
  assert.throws(
    () => polynomialSparsity(1, { initialSparsity: 0.5, finalSparsity: 0.4 }),
    RangeError,
  );
  assert.throws(() => polynomialSparsity(1, { beginStep: 5, endStep: 5 }), RangeError);
  assert.throws(() => polynomialSparsity(NaN), RangeError);
  // Infinite settings gave NaN sparsities instead of an error.
  assert.throws(
    () => polynomialSparsity(0, { beginStep: -Infinity, endStep: 10 }),
    /^RangeError: Cannot compute scheduled sparsity: beginStep must be a finite number, got -Infinity$/,
  );
  assert.throws(
    () => polynomialSparsity(5, { endStep: 10, frequency: Infinity }),
    /^RangeError: Cannot compute scheduled sparsity: frequency must be a finite number > 0, got Infinity$/,
  );
});

Deno.test("the schedule's messages do not show a string as the number it spells", () => {
  // polynomialSparsity("5") said 'step must be a number, got 5', and the settings likewise.
  const cases: [() => unknown, string][] = [
    [() => polynomialSparsity("5" as never), 'step must be a number, got string "5"'],
    [
      () => polynomialSparsity(1, { beginStep: "5" as never }),
      'beginStep must be a finite number, got string "5"',
    ],
    [
      () => polynomialSparsity(1, { endStep: "10" as never }),
      'endStep must be finite and greater than beginStep (0), got string "10"',
    ],
    [
      () => polynomialSparsity(1, { frequency: "1" as never }),
      'frequency must be a finite number > 0, got string "1"',
    ],
  ];
  for (const [run, reason] of cases) {
    assert.throws(run, {
      name: "RangeError",
      message: `Cannot compute scheduled sparsity: ${reason}`,
    });
  }
});

Deno.test("a fractional frequency puts each step on its own grid point", () => {
  // 0.3 / 0.1 is 2.9999999999999996 in floating point: the floor fell one update short.
  const o = { finalSparsity: 0.9, endStep: 1, frequency: 0.1 };
  for (let m = 0; m < 10; m++) {
    const t = m / 10; // exactly the m-th update, as a decimal
    assertClose(polynomialSparsity(t, o), 0.9 - 0.9 * (1 - m / 10) ** 3, {
      rtol: 1e-12,
      atol: 1e-15,
      message: `t=${t}`,
    });
  }
  assertClose(polynomialSparsity(0.35, o), 0.9 - 0.9 * 0.7 ** 3, { rtol: 1e-12 });
});

Deno.test("pruningRounds takes a fraction of 1 (every weight), as pruneMask does", async () => {
  const { pruningRounds } = await import("../../lib/prune/schedule.ts");
  assert.deepEqual(pruningRounds(1, 1, "fraction"), [1]);
  assert.deepEqual(pruningRounds(1, 3, "fraction"), [0.704, 0.963, 1]);
  assert.throws(() => pruningRounds(1.5, 3, "fraction"), RangeError);
});

Deno.test("pruningRounds follows target * (1 - (1 - r / rounds)^3), counts rounded to whole weights", () => {
  // No test gave pruningRounds a count, or more than one round short of 1 (found by the
  // test-quality review's mutations: counts rounded down instead of to nearest passed).
  // By hand: 1 - (3/4)^3 = 37/64, 1 - (1/2)^3 = 7/8, 1 - (1/4)^3 = 63/64.
  // 100 * 37/64 = 57.8125 -> 58; 100 * 7/8 = 87.5 -> 88 (half up); 100 * 63/64 = 98.4375 -> 98.
  assert.deepEqual(pruningRounds(100, 4, "count"), [58, 88, 98, 100]);
  // 0.9 * 37/64 = 0.5203125 -> 0.520; 0.9 * 7/8 = 0.7875 -> 0.788 (787.5 per mille exactly in
  // float64, half up); 0.9 * 63/64 = 0.8859375 -> 0.886; the last round is the target.
  assert.deepEqual(pruningRounds(0.9, 4, "fraction"), [0.52, 0.788, 0.886, 0.9]);
  // 1000 weights in 10 rounds, each round against the closed form rounded to a whole weight.
  const many = pruningRounds(1000, 10, "count");
  assert.equal(many.length, 10);
  for (let r = 1; r <= 10; r++) {
    const exact = 1000 * (1 - (1 - r / 10) ** 3);
    assert.ok(Math.abs(many[r - 1] - exact) <= 0.5, `round ${r}: ${many[r - 1]} vs ${exact}`);
    assert.ok(Number.isInteger(many[r - 1]));
  }
  // Rounds that would remove nothing more are left out: a count of 1 in four rounds is one
  // round, a target of 0 is [0].
  assert.deepEqual(pruningRounds(1, 4, "count"), [1]);
  assert.deepEqual(pruningRounds(0, 3, "count"), [0]);
  assert.deepEqual(pruningRounds(0, 3, "fraction"), [0]);
});

Deno.test("pruningRounds never rounds an earlier fraction past the target, and ends on it", () => {
  // 0.0019 in ten rounds: round 9 is 0.0019 * 0.999 = 0.0018981, 0.002 to the nearest 0.1 %,
  // above the target; capping it at the target passed no test (the last round then fell out as
  // no larger, and the rounds ended at 0.002).
  assert.deepEqual(pruningRounds(0.0019, 10, "fraction").at(-1), 0.0019);
  for (const target of [0.0019, 0.0149, 0.2, 0.5, 0.9, 0.9999, 1]) {
    for (const rounds of [1, 2, 3, 7, 10, 50]) {
      const amounts = pruningRounds(target, rounds, "fraction");
      const where = `${target} in ${rounds}`;
      assert.equal(amounts.at(-1), target, where);
      for (let i = 0; i < amounts.length; i++) {
        assert.ok(amounts[i] <= target, `${where}: ${amounts}`);
        if (i > 0) assert.ok(amounts[i] > amounts[i - 1], `${where}: ${amounts}`);
        // Each earlier amount is the closed form of some round, to the nearest 0.1 %.
        if (i < amounts.length - 1) {
          const near = Array.from(
            { length: rounds - 1 },
            (_, r) => target * (1 - (1 - (r + 1) / rounds) ** 3),
          ).some((exact) => Math.abs(amounts[i] - exact) <= 0.0005 + 1e-12);
          assert.ok(near, `${where}: ${amounts[i]}`);
        }
      }
    }
  }
});

/** The oracle for maskRemoves: the mask as nested rows, counted by hand. */
function removedByHand(mask: number[][]) {
  const zeros = mask.map((row) => row.filter((m) => m === 0).length);
  const cols = mask[0].length;
  const goneColumns =
    Array.from({ length: cols }, (_, j) => j).filter((j) => mask.every((row) => row[j] === 0))
      .length;
  return {
    global: zeros.reduce((a, b) => a + b, 0),
    perClass: Math.max(...zeros),
    features: goneColumns,
  };
}

Deno.test("maskRemoves counts the whole matrix, the worst class row, or whole columns", () => {
  // Only its doc example ran it (a 2 x 3 mask whose removed column is the first of three): a
  // per-class count that added up the rows, or a column check that read the mask transposed,
  // passed every test in tests/prune (found by the test-quality review's mutations).
  const rows = [
    [0, 1, 0, 0, 1],
    [0, 1, 1, 0, 1],
    [0, 0, 1, 0, 0],
  ]; // 3 x 5: columns 0 and 3 removed everywhere; rows remove 3, 2 and 4
  const mask = Uint8Array.from(rows.flat());
  const expected = removedByHand(rows);
  assert.deepEqual(expected, { global: 9, perClass: 4, features: 2 }); // the by-hand count
  const shape = { kind: "fraction", rows: 3, cols: 5, mask } as const;
  assert.equal(maskRemoves({ ...shape, structure: "weights", scope: "global" }), expected.global);
  assert.equal(
    maskRemoves({ ...shape, structure: "weights", scope: "per-class" }),
    expected.perClass,
  );
  assert.equal(
    maskRemoves({ ...shape, structure: "features", scope: "global" }),
    expected.features,
  );
  // Seeded random masks of other shapes against the same oracle.
  const prng = createPrng(9);
  for (const [k, d] of [[1, 7], [4, 3], [2, 9], [6, 6]]) {
    const nested = Array.from(
      { length: k },
      () => Array.from({ length: d }, () => (prng() < 0.6 ? 0 : 1)),
    );
    const where = {
      kind: "count",
      rows: k,
      cols: d,
      mask: Uint8Array.from(nested.flat()),
    } as const;
    const want = removedByHand(nested);
    const got = {
      global: maskRemoves({ ...where, structure: "weights", scope: "global" }),
      perClass: maskRemoves({ ...where, structure: "weights", scope: "per-class" }),
      features: maskRemoves({ ...where, structure: "features", scope: "global" }),
    };
    assert.deepEqual(got, want, `${k} x ${d}`);
  }
  assert.equal(maskRemoves({ ...shape, mask: null, structure: "weights", scope: "global" }), 0);
});

Deno.test("amountCount takes a fraction of a class row with per-class, of the matrix otherwise", () => {
  const shape = { kind: "fraction", rows: 3, cols: 10 } as const;
  // By hand: 0.5 of a row of 10 is 5; of the 30 weights, 15; of the 10 features, 5.
  assert.equal(amountCount(0.5, { ...shape, structure: "weights", scope: "per-class" }), 5);
  assert.equal(amountCount(0.5, { ...shape, structure: "weights", scope: "global" }), 15);
  assert.equal(amountCount(0.5, { ...shape, structure: "features", scope: "global" }), 5);
  // 0.35 of 10 is 3.5 (3.4999999999999996 in float64): 4, as the mask rounds it.
  assert.equal(amountCount(0.35, { ...shape, structure: "weights", scope: "per-class" }), 4);
  assert.equal(
    amountCount(7, { ...shape, kind: "count", structure: "weights", scope: "global" }),
    7,
  );
});

Deno.test("roundsThatPrune drops a round that removes no more than the mask already does", () => {
  // A round whose count equals what the mask removes prunes nothing: keeping it (a strict '<'
  // for '<=') passed every test in tests/prune (found by the test-quality review's mutations).
  const mask = new Uint8Array(30).fill(1);
  mask[4] = mask[17] = 0; // 2 of 30 removed
  const where = {
    kind: "fraction",
    structure: "weights",
    scope: "global",
    rows: 1,
    cols: 30,
    mask,
  } as const;
  // round(30 * 1/30) = 1, round(30 * 2/30) = 2, round(30 * 0.1) = 3: only the last prunes.
  assert.deepEqual(roundsThatPrune([1 / 30, 2 / 30, 0.1], where), [0.1]);
  // Without the mask every round prunes one more weight.
  assert.deepEqual(roundsThatPrune([1 / 30, 2 / 30, 0.1], { ...where, mask: null }), [
    1 / 30,
    2 / 30,
    0.1,
  ]);
  // Per class: the worst row (3 of 10 removed) rules out a round of 3 per row.
  const rows = new Uint8Array(20).fill(1);
  rows[0] =
    rows[1] =
    rows[2] =
    rows[12] =
      0;
  const perClass = { ...where, scope: "per-class", rows: 2, cols: 10, mask: rows } as const;
  assert.deepEqual(roundsThatPrune([0.2, 0.3, 0.4, 0.5], perClass), [0.4, 0.5]);
  // The last amount always stays, even when it removes no more.
  assert.deepEqual(roundsThatPrune([0.1, 0.2], { ...perClass, mask: rows }), [0.2]);
});

Deno.test("exponent 0 is refused; a small positive one follows the closed form", () => {
  // (1 - progress)^0 = 1 until the end step: no schedule, a jump to finalSparsity at the end.
  assert.throws(
    () => polynomialSparsity(5, { endStep: 10, exponent: 0 }),
    /^RangeError: Cannot compute scheduled sparsity: exponent must be a number in \(0, 1000000\], got 0$/,
  );
  assertClose(
    polynomialSparsity(5, { endStep: 10, exponent: 1e-3 }),
    0.9 * -Math.expm1(1e-3 * Math.log(0.5)),
    { rtol: 1e-12 },
  );
});
