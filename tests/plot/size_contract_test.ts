import assert from "node:assert/strict";
import { sizeBreakdownFigure } from "../../lib/plot/size.ts";

Deno.test("a part that is zero in every file gets no trace", () => {
  const fig = sizeBreakdownFigure([
    { name: "a", parts: { header: 40, codes: 0, weights: 100 } },
    { name: "b", parts: { header: 44, codes: 0, weights: 0 } },
  ]);
  assert.deepEqual(fig.data.map((t) => t.name), ["header", "weights"]);
});

Deno.test("each part has its own colour, and the legend lists the parts in stacking order", () => {
  const fig = sizeBreakdownFigure([
    { name: "a", parts: { header: 40, weights: 100, bias: 8, checksum: 4 } },
  ]);
  const colours = fig.data.map((t) => (t.marker as { color: string }).color);
  assert.equal(new Set(colours).size, 4, colours.join(" "));
  assert.equal((fig.layout.legend as { traceorder: string }).traceorder, "normal");
});

Deno.test("the baseline is a dotted vertical line", () => {
  const fig = sizeBreakdownFigure([{ name: "a", parts: { header: 40 } }], { baseline: 100 });
  const [shape] = fig.layout.shapes as {
    type: string;
    x0: number;
    x1: number;
    line: { dash: string };
  }[];
  assert.equal(shape.type, "line");
  assert.deepEqual([shape.x0, shape.x1], [100, 100]);
  assert.equal(shape.line.dash, "dot");
});

Deno.test("byte counts that are infinite or beyond exact integers are refused", () => {
  for (const bad of [Infinity, 2 ** 60]) {
    assert.throws(() => sizeBreakdownFigure([{ name: "a", parts: { header: bad } }]), {
      name: "RangeError",
      message:
        /^Cannot plot size breakdown: rows\[0\]\.parts\.header must be in \[0, 9007199254740991\]/,
    });
  }
});

Deno.test("the default height is 200 pixels plus 48 per file", () => {
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `f${i}`, parts: { header: 4 } }));
  assert.equal(sizeBreakdownFigure(rows(1)).layout.height, 248);
  assert.equal(sizeBreakdownFigure(rows(3)).layout.height, 344);
  assert.equal(sizeBreakdownFigure(rows(10)).layout.height, 680);
});

Deno.test("the baseline's line runs the full height and its label sits on it", () => {
  // Files of 500 and 3,000 bytes, a baseline of 1,200: the line at x = 1,200 from the bottom
  // (paper 0) to the top (paper 1) of the plot, its label at the same x, not at the axis's end.
  const fig = sizeBreakdownFigure([
    { name: "a", parts: { header: 500 } },
    { name: "b", parts: { header: 3000 } },
  ], { baseline: 1200 });
  const [shape] = fig.layout.shapes as {
    x0: number;
    x1: number;
    y0: number;
    y1: number;
    yref: string;
  }[];
  assert.deepEqual([shape.x0, shape.x1, shape.y0, shape.y1, shape.yref], [
    1200,
    1200,
    0,
    1,
    "paper",
  ]);
  const [label] = fig.layout.annotations as { x: number; xref: string; text: string }[];
  assert.equal(label.xref, "x");
  assert.equal(label.x, 1200);
  assert.equal(label.text, "dense float32: 1,200 bytes");
});
