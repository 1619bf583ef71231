import assert from "node:assert/strict";
import { histogram } from "../../lib/core/histogram.ts";
import { weightHistogramFigure } from "../../lib/plot/weights.ts";

const before = [-0.5, -0.012, -0.004, 0.003, 0.008, 0.015, 0.4];
const after = before.map((w) => w - 0.01 * Math.sign(w));

Deno.test("a range zooms both panels: only weights and levels inside it are drawn", () => {
  const fig = weightHistogramFigure(before, after, {
    range: [-0.02, 0.02],
    bins: 4,
    levels: [-0.5, -0.01, 0, 0.01, 0.5],
  });
  const expectedBefore = histogram(before, { bins: 4, range: [-0.02, 0.02] });
  const expectedAfter = histogram(after, { bins: 4, range: [-0.02, 0.02] });
  assert.deepEqual(fig.data[0].y, [...expectedBefore.counts]);
  assert.deepEqual(fig.data[1].y, [...expectedAfter.counts]);
  assert.deepEqual(fig.data[0].y, [1, 1, 2, 1]); // -0.012 | -0.004 | 0.003 0.008 | 0.015
  const levels = fig.data[2];
  assert.equal(levels.name, "quantization levels (3)");
  assert.deepEqual(levels.x, [-0.01, -0.01, null, 0, 0, null, 0.01, 0.01, null]);
});

Deno.test("panel titles name the two panels and their bars", () => {
  const fig = weightHistogramFigure(before, after, {
    panelTitles: ["Trained weights", "After w - 0.01 sign(w)"],
  });
  assert.deepEqual(fig.data.map((t) => t.name), ["Trained weights", "After w - 0.01 sign(w)"]);
  const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.ok(titles.some((t) => t.includes("Trained weights")), JSON.stringify(titles));
  assert.ok(titles.some((t) => t.includes("After w - 0.01 sign(w)")));
  // The default titles are the quantization ones.
  const plain = weightHistogramFigure(before, after);
  assert.deepEqual(plain.data.map((t) => t.name), ["before (float)", "after (quantized)"]);
});

Deno.test("bad ranges and panel titles are refused", () => {
  assert.throws(() => weightHistogramFigure(before, after, { range: [1, 1] }), RangeError);
  assert.throws(() => weightHistogramFigure(before, after, { range: [0, NaN] }), RangeError);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => weightHistogramFigure(before, after, { panelTitles: ["only one"] as any }),
    TypeError,
  );
});

Deno.test("the histogram takes as many bins as histogram() does", () => {
  // Math.max(1, ...counts, ...counts) overflowed the stack ("Maximum call stack size exceeded")
  // from about 65,000 bins; histogram() allows up to 10 million.
  const bins = 200_000;
  const fig = weightHistogramFigure(before, after, { bins, levels: [0] });
  const counts = fig.data[0].y as number[];
  assert.equal(counts.length, bins);
  assert.equal(counts.reduce((a, b) => a + b, 0), before.length);
  // The level lines reach the tallest bar of either panel.
  const tallest = Math.max(
    ...[0, 1].map((k) => (fig.data[k].y as number[]).reduce((a, b) => Math.max(a, b), 0)),
  );
  assert.deepEqual(fig.data[2].y, [0, tallest, null]);
});
