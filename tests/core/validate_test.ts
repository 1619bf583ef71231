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
