import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { sizeReport } from "../../lib/io/size_report.ts";
import { fit } from "../../lib/model/fit.ts";
import { sizeBreakdownFigure, type SizeBreakdownRow } from "../../lib/plot/size.ts";
import { quantizeModel } from "../../lib/quant/model.ts";

const digits = await loadEmbedded("digits");
const { model } = fit(digits.x, digits.y, {
  classes: digits.classes,
  optimizer: { kind: "lbfgs", maxIterations: 20 },
});

Deno.test("each bar adds up to its file's length, one trace per part used by some file", async () => {
  const files = {
    "float64": encodeModel(model),
    "float32": encodeModel(model, { weightDtype: "float32" }),
    "4-bit": encodeModel(quantizeModel(model, { method: { kind: "uniform", bits: 4 } })),
  };
  const rows: SizeBreakdownRow[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    rows.push({ name, parts: (await sizeReport(bytes)).parts });
  }
  const fig = sizeBreakdownFigure(rows, { baseline: 2600 });
  const names = Object.keys(files);
  const used = Object.keys(rows[0].parts).filter((p) => rows.some((r) => r.parts[p] > 0));
  assert.deepEqual(fig.data.map((t) => t.name), used);
  names.forEach((name, i) => {
    let total = 0;
    for (const t of fig.data) {
      assert.deepEqual(t.y, names);
      total += (t.x as number[])[i];
    }
    assert.equal(total, files[name as keyof typeof files].length, name);
  });
  assert.equal(fig.layout.barmode, "stack");
  const shape = (fig.layout.shapes as { x0: number; x1: number }[])[0];
  assert.deepEqual([shape.x0, shape.x1], [2600, 2600]);
  assert.match(JSON.stringify(fig.layout.annotations), /dense float32: 2,600 bytes/);
  // Plain data: survives JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
});

Deno.test("the part order can be given, and missing parts count as zero", () => {
  const fig = sizeBreakdownFigure([
    { name: "a", parts: { weights: 10, header: 3 } },
    { name: "b", parts: { codes: 4, header: 3 } },
  ], { parts: ["header", "codes"] });
  assert.deepEqual(fig.data.map((t) => t.name), ["header", "codes", "weights"]);
  assert.deepEqual(fig.data[1].x, [0, 4]);
  assert.deepEqual(fig.data[2].x, [10, 0]);
  assert.equal(fig.layout.shapes, undefined);
});

Deno.test("a part listed twice in the order is refused rather than counted twice", () => {
  const rows = [{ name: "a", parts: { header: 10, weights: 5 } }];
  // Each bar must be as long as its file: 15 bytes here, not 25 with the header stacked twice.
  assert.throws(
    () => sizeBreakdownFigure(rows, { parts: ["header", "weights", "header"] }),
    {
      name: "RangeError",
      message: /^Cannot plot size breakdown: options\.parts lists "header" twice$/,
    },
  );
  // A name from the caller, quoted as every plot refusal quotes one: a quote and a line break
  // escaped, so the message stays one line that says where the name ends.
  assert.throws(
    () => sizeBreakdownFigure(rows, { parts: ["it's\nmine", "it's\nmine"] }),
    { message: 'Cannot plot size breakdown: options.parts lists "it\'s\\nmine" twice' },
  );
  assert.throws(
    () => sizeBreakdownFigure(rows, { parts: "header" as unknown as string[] }),
    { name: "TypeError", message: /options\.parts must be an array of part names/ },
  );
  assert.throws(
    () => sizeBreakdownFigure(rows, { parts: [1] as unknown as string[] }),
    { name: "TypeError", message: /options\.parts\[0\] must be a string/ },
  );
  const fig = sizeBreakdownFigure(rows, { parts: ["weights", "header"] });
  const total = fig.data.reduce((sum, t) => sum + (t.x as number[])[0], 0);
  assert.equal(total, 15);
});

Deno.test("malformed rows and baselines are refused with the field named", () => {
  // deno-lint-ignore no-explicit-any
  assert.throws(() => sizeBreakdownFigure([{ name: 3, parts: {} } as any]), TypeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => sizeBreakdownFigure([{ name: "a" } as any]), TypeError);
  assert.throws(
    () => sizeBreakdownFigure([{ name: "a", parts: { header: -1 } }]),
    { name: "RangeError", message: /rows\[0\]\.parts\.header/ },
  );
  assert.throws(() => sizeBreakdownFigure([{ name: "a", parts: {} }], { baseline: 0 }), RangeError);
  // A label that is not text: the figure's own TypeError, not "text.replace is not a function".
  assert.throws(
    () =>
      sizeBreakdownFigure([{ name: "a", parts: {} }], {
        baseline: 100,
        baselineName: 3 as unknown as string,
      }),
    {
      name: "TypeError",
      message:
        /^Cannot plot size breakdown: options\.baselineName must be a non-empty string, got number 3$/,
    },
  );
  // An empty label left the line's note as ": 100 bytes".
  assert.throws(
    () => sizeBreakdownFigure([{ name: "a", parts: {} }], { baseline: 100, baselineName: "" }),
    {
      name: "TypeError",
      message: "Cannot plot size breakdown: options.baselineName must be a non-empty string, got " +
        'string ""',
    },
  );
  // Two rows of one name would be drawn as one bar of their summed bytes.
  assert.throws(
    () =>
      sizeBreakdownFigure([
        { name: "a", parts: { header: 1 } },
        { name: "b", parts: { header: 2 } },
        { name: "a", parts: { header: 3 } },
      ]),
    { name: "RangeError", message: /rows\[2\]\.name "a" is also rows\[0\]'s/ },
  );
});

Deno.test("the size figure's axis reaches past the largest file wherever it is listed, and past a larger baseline", () => {
  const parts = (total: number) => ({ header: total - 10, checksum: 10 });
  const rows: SizeBreakdownRow[] = [
    { name: "a", parts: parts(100) },
    { name: "b", parts: parts(4000) },
    { name: "c", parts: parts(700) },
  ];
  const fig = sizeBreakdownFigure(rows);
  const range = (fig.layout.xaxis as { range: number[] }).range;
  assert.equal(range[0], 0);
  assert.ok(range[1] >= 1.05 * 4000 - 1e-9, `${range}`);
  // And not far past it: the largest bar fills most of the axis (5 % margin, by hand 4,200).
  assert.ok(range[1] <= 1.1 * 4000, `${range}`);
  // A baseline larger than every file is on the axis too: with the range set by the files
  // alone, its dotted line and label would be off the plot.
  const wide = sizeBreakdownFigure(rows, { baseline: 9000 });
  const withBaseline = (wide.layout.xaxis as { range: number[] }).range;
  assert.ok(
    withBaseline[1] >= 9000 && withBaseline[1] <= 1.1 * 9000,
    `${withBaseline} for a baseline of 9,000 bytes`,
  );
  // A baseline below the largest file leaves the range to the files.
  const narrow = sizeBreakdownFigure(rows, { baseline: 2600 });
  assert.deepEqual((narrow.layout.xaxis as { range: number[] }).range, range);
});

Deno.test("bars lie along a byte axis, one per file, the first file at the top", () => {
  // Horizontal bars: x is bytes, y the file names (a vertical bar would read the names as
  // lengths); plotly draws category 0 at the bottom unless the axis is reversed, and the
  // documentation says the first file is at the top.
  const fig = sizeBreakdownFigure([
    { name: "first", parts: { header: 40, weights: 100 } },
    { name: "second", parts: { header: 44, codes: 20 } },
  ]);
  for (const t of fig.data) {
    assert.equal(t.type, "bar");
    assert.equal(t.orientation, "h", String(t.name));
    assert.deepEqual(t.y, ["first", "second"]);
  }
  const xaxis = fig.layout.xaxis as { title: { text: string } };
  const yaxis = fig.layout.yaxis as { title: { text: string }; type: string; autorange: string };
  assert.match(xaxis.title.text, /\(bytes\)$/);
  assert.equal(yaxis.type, "category");
  assert.equal(yaxis.autorange, "reversed");
  assert.match(yaxis.title.text, /file/);
  assert.match(String(fig.data[0].hovertemplate), /%\{x:,\} bytes/);
});
