import assert from "node:assert/strict";
import { polynomialSparsity } from "../../lib/prune/schedule.ts";
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
