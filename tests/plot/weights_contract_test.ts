import assert from "node:assert/strict";
import { weightHistogramFigure } from "../../lib/plot/weights.ts";

Deno.test("the bins span every level, even beyond every weight", () => {
  // Weights 0 and 1, levels -1, 0 and 1, 4 bins: [-1, 1] in bins of 0.5, centres by hand
  // -0.75, -0.25, 0.25 and 0.75; 0 falls in the third bin, 1 in the last (closed) one.
  const fig = weightHistogramFigure([0, 1], [0, 1], { levels: [-1, 0, 1], bins: 4 });
  for (const t of fig.data.slice(0, 2)) {
    assert.deepEqual(t.x, [-0.75, -0.25, 0.25, 0.75], String(t.name));
    assert.deepEqual(t.y, [0, 0, 1, 1], String(t.name));
    assert.equal(t.width, 0.5);
    // Hovering a bar gives its centre plus or minus half a width.
    assert.match(String(t.hovertemplate), /%\{x:\.4g\} ± 0\.250<br>%\{y\} weights/);
  }
});

Deno.test("a range keeps the levels on its ends: [lo, hi] is closed", () => {
  const fig = weightHistogramFigure([-0.5, 0.5], [-1, 1], {
    range: [-1, 1],
    levels: [-2, -1, 0, 1, 2],
    bins: 2,
  });
  const lines = fig.data.filter((t) => String(t.name).startsWith("quantization levels"));
  assert.equal(lines.length, 2);
  for (const t of lines) {
    assert.equal(t.name, "quantization levels (3)");
    assert.deepEqual(t.x, [-1, -1, null, 0, 0, null, 1, 1, null]);
  }
});

Deno.test("NaN or infinite levels and bad bin counts are refused", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => weightHistogramFigure([0, 1], [0, 1], { levels: [0, bad] }), {
      name: "RangeError",
      message: `Cannot plot weight histograms: level 1 is ${bad}`,
    });
  }
  for (const bins of [0, -3, 2.5, NaN]) {
    assert.throws(
      () => weightHistogramFigure([0, 1], [0, 1], { bins }),
      { name: "RangeError", message: /^Cannot .*bins must be an integer/ },
      String(bins),
    );
  }
});
