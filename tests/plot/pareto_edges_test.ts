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

Deno.test("paretoFigure takes more points than a call has room for arguments", () => {
  // Math.min(...sizes) overflowed the stack ("Maximum call stack size exceeded") from about
  // 125,000 points. Sizes 1..n at accuracy rising with size: every point is on the front.
  const n = 200_000;
  const points = Array.from({ length: n }, (_, i) => ({ bytes: i + 1, accuracy: (i + 1) / n }));
  const fig = paretoFigure(points);
  const front = fig.data[fig.data.length - 1];
  assert.equal((front.x as number[]).length, n);
  // The size axis spans the smallest to the largest size.
  const xaxis = fig.layout.xaxis as { tickvals: number[] };
  assert.deepEqual(xaxis.tickvals, byteTicks(1, n).tickvals);
});
