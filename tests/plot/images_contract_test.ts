/**
 * The documented look of the image figures (lib/plot/images.ts): colours, default title, grid
 * columns and row height, and the refusal of mask entries other than 0 and 1.
 */
import assert from "node:assert/strict";
import { maskFigure, weightImagesFigure } from "../../lib/plot/images.ts";
import type { Figure } from "../../lib/plot/types.ts";

/** The colour at each end of a trace's colour scale: [at zmin, at zmax]. */
function ends(trace: Figure["data"][number]): [string, string] {
  const scale = trace.colorscale as [number, string][];
  assert.equal(scale[0][0], 0);
  assert.equal(scale[scale.length - 1][0], 1);
  return [scale[0][1], scale[scale.length - 1][1]];
}

function rgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  assert.ok(m, hex);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Relative luminance (WCAG 2), 0 black to 1 white. */
function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

Deno.test("the mask figure draws kept weights dark and pruned weights light", () => {
  const fig = maskFigure([1, 0, 0, 1], { labels: ["a"] });
  const trace = fig.data[0];
  // z = 1 (kept) sits at zmax, z = 0 (pruned) at zmin.
  assert.deepEqual([trace.zmin, trace.zmax], [0, 1]);
  const [pruned, kept] = ends(trace);
  assert.ok(luminance(kept) < 0.2, `kept ${kept} is not dark`);
  assert.ok(luminance(pruned) > 0.8, `pruned ${pruned} is not light`);
});

Deno.test("the weight images draw positive weights red and negative weights blue", () => {
  const fig = weightImagesFigure([1, -2, 0.5, 0], { labels: ["a"] });
  const trace = fig.data[0];
  assert.deepEqual([trace.zmin, trace.zmax], [-2, 2]);
  const [negative, positive] = ends(trace).map(rgb);
  assert.ok(positive[0] > 2 * positive[2], `positive end ${positive} is not red`);
  assert.ok(negative[2] > 2 * negative[0], `negative end ${negative} is not blue`);
});

Deno.test("the image figures' default titles are the documented ones", () => {
  const title = (fig: Figure) => (fig.layout.title as { text: string }).text;
  assert.equal(title(maskFigure([1, 0, 0, 1], { labels: ["a"] })), "Pruning mask per class");
  assert.equal(title(weightImagesFigure([1, 0, 0, 1], { labels: ["a"] })), "Weights per class");
  assert.equal(title(maskFigure([1, 0, 0, 1], { labels: ["a"], title: "Mine" })), "Mine");
});

Deno.test("the image grid's default columns are min(5, images) and its default row height 220", () => {
  const mask = (n: number) => Array.from({ length: n * 4 }, (_, i) => i % 2);
  const labels = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
  for (const n of [3, 7]) {
    const plain = maskFigure(mask(n), { labels: labels(n) });
    // Leaving an option out must give the figure its documented default gives.
    assert.deepEqual(
      plain,
      maskFigure(mask(n), { labels: labels(n), columns: Math.min(5, n), rowHeight: 220 }),
      `${n} images`,
    );
    // ... and the comparison can tell: another value gives another figure.
    assert.notDeepEqual(plain, maskFigure(mask(n), { labels: labels(n), columns: 4 }));
    assert.notDeepEqual(plain, maskFigure(mask(n), { labels: labels(n), rowHeight: 221 }));
  }
  assert.deepEqual(
    weightImagesFigure(mask(7), { labels: labels(7) }),
    weightImagesFigure(mask(7), { labels: labels(7), columns: 5, rowHeight: 220 }),
  );
});

Deno.test("a mask entry of NaN is refused like any entry other than 0 or 1", () => {
  // NaN is neither kept nor pruned; drawn, it would be a gap titled with a NaN share kept.
  assert.throws(() => maskFigure([1, NaN, 0, 1], { labels: ["a"] }), {
    name: "RangeError",
    message: "Cannot plot pruning mask: mask entry 1 is NaN, expected 0 or 1",
  });
});

Deno.test("the image grid reads like text: the first images in the top row, left to right", () => {
  // Five images in two columns: rows [0 1] [2 3] [4], row 0 at the top (Cell.row's contract).
  const fig = maskFigure(Array.from({ length: 5 * 4 }, (_, i) => i % 2), {
    labels: ["a", "b", "c", "d", "e"],
    columns: 2,
  });
  const domains = fig.data.map((t, k) => {
    const suffix = k === 0 ? "" : String(k + 1);
    assert.equal(t.xaxis, `x${suffix}`);
    const x = (fig.layout[`xaxis${suffix}`] as { domain: [number, number] }).domain;
    const y = (fig.layout[`yaxis${suffix}`] as { domain: [number, number] }).domain;
    return { x, y };
  });
  assert.equal(domains[0].y[1], 1, "the first image is not in the top row");
  assert.ok(domains[0].y[0] > domains[2].y[1] && domains[2].y[0] > domains[4].y[1]);
  assert.deepEqual(domains[0].y, domains[1].y);
  assert.ok(domains[0].x[1] < domains[1].x[0]);
  // Each image's title sits on top of its own panel.
  const titles = fig.layout.annotations as { text: string; y: number }[];
  titles.forEach((a, k) => assert.equal(a.y, domains[k].y[1], a.text));
});
