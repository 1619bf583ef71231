import assert from "node:assert/strict";
import { matrix } from "../../lib/core/matrix.ts";
import { assertInRange } from "../../lib/core/validate.ts";
import { pruneMask } from "../../lib/prune/mask.ts";

Deno.test("a range check names a value that is not a number by its type", () => {
  // A string "0.5" read "got 0.5", as if the number were out of range.
  assert.throws(
    () => assertInRange("prune", "fraction", "0.5" as unknown as number, 0, 1),
    {
      name: "RangeError",
      message: 'Cannot prune: fraction must be a number in [0, 1], got string "0.5"',
    },
  );
  assert.throws(
    () => assertInRange("prune", "count", 2.5, 0, 4, true),
    { message: "Cannot prune: count must be an integer in [0, 4], got 2.5" },
  );
  const scores = matrix(Float64Array.of(3, 1, 2, 4), 1, 4);
  assert.throws(
    () => pruneMask(scores, null, { fraction: "0.5" as unknown as number }),
    /fraction must be a number in \[0, 1\], got string "0\.5"$/,
  );
});

Deno.test("a range check accepts both ends and refuses NaN and the numbers just outside", () => {
  // [0.25, 4] is closed: its ends pass, the adjacent float64s outside it (one ulp away) do not.
  const check = (v: number, integer = false) => () =>
    assertInRange("scale", "factor", v, 0.25, 4, integer);
  for (const v of [0.25, 1, 4]) assert.doesNotThrow(check(v));
  for (const v of [0.25 * (1 - Number.EPSILON / 2), 4 * (1 + Number.EPSILON), NaN, -Infinity]) {
    assert.throws(check(v), {
      name: "RangeError",
      message: `Cannot scale: factor must be a number in [0.25, 4], got ${v}`,
    });
  }
  assert.doesNotThrow(check(4, true));
  assert.throws(check(NaN, true), /must be an integer in \[0\.25, 4\], got NaN$/);
  // An open upper end takes Infinity itself.
  assert.doesNotThrow(() => assertInRange("scale", "factor", Infinity, 0, Infinity));
});
