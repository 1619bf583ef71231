import assert from "node:assert/strict";
import { byteTicks, paretoFigure } from "../../lib/plot/compression.ts";

Deno.test("paretoFigure refuses an infinite size at once", () => {
  // It was accepted, and counting the log axis's ticks up to infinity ran for about 25 seconds
  // and gigabytes of memory before failing with "Invalid array length" (not this message).
  assert.throws(
    () => paretoFigure([{ bytes: Infinity, accuracy: 0.5 }, { bytes: 100, accuracy: 0.6 }]),
    (e: unknown) =>
      e instanceof RangeError && e.message ===
        "Cannot plot Pareto front: points[0].bytes must be finite, got Infinity",
  );
});

Deno.test("paretoFigure draws a single subnormal size with plotly's ticks", () => {
  // Half of 5e-324 is 0, whose logarithm sent the tick loop on without end ("Invalid array
  // length").
  const fig = paretoFigure([{ bytes: Number.MIN_VALUE, accuracy: 0.5 }]);
  assert.deepEqual(fig.data[0].x, [Number.MIN_VALUE]);
  assert.deepEqual(byteTicks(Number.MIN_VALUE, Number.MIN_VALUE), {
    tickmode: "auto",
    tickformat: ",~r",
  });
});
