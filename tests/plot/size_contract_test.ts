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
