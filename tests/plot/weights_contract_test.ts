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

Deno.test("both panels' weight axes show every bar whole and every level line, zoomed together", () => {
  // The weight axis range, when set, must hold each bar's extent (centre ± width / 2) and each
  // level line drawn; the bottom axis follows the top one, so the panels stay aligned on zoom.
  const cases = [
    { before: [-0.9, 0.1, 0.2, 0.8], after: [-1, 0, 0, 1], options: { levels: [-1, 0, 1] } },
    { before: [0, 1], after: [0, 1], options: { levels: [-1, 0, 1, 3] } },
    { before: [-0.5, 0.2, 0.4], after: [-0.5, 0, 0.5], options: { range: [-0.6, 0.6] as const } },
  ];
  for (const { before, after, options } of cases) {
    const fig = weightHistogramFigure(before, after, { ...options, bins: 5 });
    for (const key of ["xaxis", "xaxis2"]) {
      const range = (fig.layout[key] as { range?: [number, number] }).range;
      if (range === undefined) continue;
      for (const t of fig.data) {
        const xs = (t.x as (number | null)[]).filter((v) => v !== null) as number[];
        const half = t.type === "bar" ? (t.width as number) / 2 : 0;
        for (const x of xs) {
          assert.ok(
            range[0] <= x - half && x + half <= range[1],
            `${key} ${range}: ${x} ± ${half}`,
          );
        }
      }
    }
    assert.equal((fig.layout.xaxis2 as { matches?: string }).matches, "x");
  }
});
