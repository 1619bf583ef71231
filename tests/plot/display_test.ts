import assert from "node:assert/strict";
import {
  describeFigure,
  display,
  type Displayable,
  type Figure,
  figureDiv,
  figureMimeBundle,
  JUPYTER_DISPLAY,
  loadPlotlyJs,
  plainFigure,
  PLOTLY_MIME,
  plotlyJs,
  resetPlotlyInclusion,
  show,
  sparsityFigure,
  table,
} from "../../lib/plot/mod.ts";

const figure: Figure = {
  data: [
    { type: "scatter", name: "loss", x: Float64Array.from([1, 2, 3]), y: [0.9, NaN, 0.5] },
    { type: "heatmap", name: "mask", z: [[1, 0], [0, 1]] },
  ],
  layout: { title: { text: "A </script><script>alert(1)</script> title" }, height: 300 },
};

/** The figure JSON that the HTML's script carries. */
function specOf(html: string): { id: string; data: unknown; layout: unknown } {
  const m = /var spec = (.*);\n/.exec(html);
  assert.ok(m, "no spec in the HTML");
  return JSON.parse(m[1]);
}

Deno.test("plotly.js comes from the npm package pinned in deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const pinned = /^npm:plotly\.js-dist-min@(\d+\.\d+\.\d+)$/.exec(
    config.imports["plotly.js-dist-min"],
  );
  assert.ok(pinned, "deno.json must pin plotly.js-dist-min to an exact version");
  const { version, source } = await loadPlotlyJs();
  assert.equal(version, pinned[1]);
  assert.ok(source.length > 1_000_000);
});

Deno.test("a figure's bundle has the plotly JSON, offline HTML and a text summary", async () => {
  resetPlotlyInclusion();
  const bundle = await figureMimeBundle(figure);
  assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
  const json = bundle[PLOTLY_MIME] as { data: unknown; layout: unknown; config: unknown };
  // Plain data: the typed array became an array, NaN became null.
  assert.deepEqual(json.data, [
    { type: "scatter", name: "loss", x: [1, 2, 3], y: [0.9, null, 0.5] },
    { type: "heatmap", name: "mask", z: [[1, 0], [0, 1]] },
  ]);
  assert.deepEqual(json.layout, figure.layout);
  const html = bundle["text/html"] as string;
  const spec = specOf(html);
  assert.deepEqual(spec.data, json.data);
  assert.deepEqual(spec.layout, json.layout);
  assert.match(html, new RegExp(`<div id="${spec.id}"[^>]*height:300px`));
  assert.equal(
    bundle["text/plain"],
    "A </script><script>alert(1)</script> title: loss (scatter, 2 points); mask (heatmap, 2 x 2)",
  );
});

Deno.test("plotly.js is included with the first figure of a session only", async () => {
  const { source } = await loadPlotlyJs();
  const marker = source.slice(source.length - 2000);
  resetPlotlyInclusion();
  const first = (await figureMimeBundle(figure))["text/html"] as string;
  const second = (await figureMimeBundle(figure))["text/html"] as string;
  assert.ok(first.includes(marker) && first.length > source.length);
  assert.ok(!second.includes(marker) && second.length < 10_000);
  assert.ok(((await figureMimeBundle(figure, { includePlotlyJs: "always" }))["text/html"] as string)
    .includes(marker));
  resetPlotlyInclusion();
  assert.ok(
    !((await figureMimeBundle(figure, { includePlotlyJs: "never" }))["text/html"] as string)
      .includes(marker),
  );
  // "never" did not count as an inclusion; plotlyJs() does.
  assert.ok(((await figureMimeBundle(figure))["text/html"] as string).includes(marker));
  resetPlotlyInclusion();
  const loader = await plotlyJs()[JUPYTER_DISPLAY]();
  assert.ok((loader["text/html"] as string).includes(marker));
  assert.ok(!((await figureMimeBundle(figure))["text/html"] as string).includes(marker));
});

Deno.test("figures made at once carry plotly.js once, with the first of them", async () => {
  // Each call saw no figure that had carried plotly.js while it was reading it, and all three
  // carried it: 5 MB of the same script in every output of one notebook cell.
  const { source } = await loadPlotlyJs();
  const marker = source.slice(source.length - 2000);
  resetPlotlyInclusion();
  const bundles = await Promise.all([figure, figure, figure].map((f) => figureMimeBundle(f)));
  assert.deepEqual(
    bundles.map((b) => (b["text/html"] as string).includes(marker)),
    [true, false, false],
  );
  // "always" still carries it, whatever ran beside it.
  resetPlotlyInclusion();
  const mixed = await Promise.all([
    figureMimeBundle(figure),
    figureMimeBundle(figure, { includePlotlyJs: "always" }),
    figureMimeBundle(figure),
  ]);
  assert.deepEqual(
    mixed.map((b) => (b["text/html"] as string).includes(marker)),
    [true, true, false],
  );
});

Deno.test("the bundle guards plotly.js against require.js and closes its script once", async () => {
  resetPlotlyInclusion();
  const html = (await figureMimeBundle(figure))["text/html"] as string;
  assert.match(html, /\(function \(define, require, module, exports\) \{\n/);
  // Each <script> is closed exactly once: nothing inside (plotly.js or the title) ends it early.
  const opens = html.match(/<script\b/gi)!.length;
  const closes = html.match(/<\/script/gi)!.length;
  assert.equal(opens, 2);
  assert.equal(closes, 2);
});

Deno.test("show wraps a figure for the Deno kernel without needing Deno.jupyter", async () => {
  assert.equal(Symbol.for("Jupyter.display"), JUPYTER_DISPLAY);
  const shown = show(figure, { includePlotlyJs: "never", height: 222 });
  assert.equal(shown.figure, figure);
  const bundle = await shown[JUPYTER_DISPLAY]();
  assert.match(bundle["text/html"] as string, /height:222px/);
  assert.equal(bundle["text/plain"], describeFigure(plainFigure(figure)));
  assert.throws(() => show({ data: "x" } as never), TypeError);
  await assert.rejects(
    figureMimeBundle(figure, { includePlotlyJs: "sometimes" as never }),
    RangeError,
  );
});

Deno.test("figure divs get unique ids and escape JSON for the script element", () => {
  const a = figureDiv(figure), b = figureDiv(figure);
  assert.notEqual(specOf(a).id, specOf(b).id);
  assert.ok(!/var spec = .*<\//.test(a), "a '</' inside the JSON would end the script");
  assert.equal(
    (specOf(a).layout as { title: { text: string } }).title.text,
    figure.layout.title && (figure.layout.title as { text: string }).text,
  );
});

Deno.test("table shows rows as aligned text and as HTML, percentages and digits applied", async () => {
  const t = table([
    { optimizer: "sgd", accuracy: 0.91234, loss: 0.123456, epochs: 10 },
    { optimizer: "<adam>", accuracy: 0.9, loss: 2, epochs: 5 },
  ], { percent: ["accuracy"], digits: 3 });
  assert.equal(
    t.text,
    [
      "optimizer  accuracy   loss  epochs",
      "---------  --------  -----  ------",
      "sgd         91.23 %  0.123      10",
      "<adam>      90.00 %      2       5",
    ].join("\n"),
  );
  const bundle = await t[JUPYTER_DISPLAY]();
  assert.equal(bundle["text/plain"], t.text);
  assert.match(bundle["text/html"] as string, /<td>&lt;adam&gt;<\/td>/);
  assert.throws(() => table("rows" as never), TypeError);
});

Deno.test("display prints the text form of figures and tables outside a notebook", async () => {
  const lines: string[] = [];
  const print = (t: string) => lines.push(t);
  const result = await display(figure, { print });
  assert.equal(result, undefined, "a cell ending in `await display(...)` must have no value");
  await display(table([{ n: 1 }]), { print });
  assert.deepEqual(lines, [describeFigure(plainFigure(figure)), "n\n-\n1"]);
  await assert.rejects(display({ nope: true } as never), TypeError);
});

Deno.test("display hands the figure to the kernel's Deno.jupyter.display when there is one", async () => {
  const sent: Displayable[] = [];
  const deno = Deno as unknown as { jupyter: unknown };
  // Outside the kernel, reading Deno.jupyter throws; its setter lets a test stand in for it.
  deno.jupyter = { display: (v: Displayable) => Promise.resolve(void sent.push(v)) };
  try {
    let printed = false;
    await display(figure, { includePlotlyJs: "never", print: () => (printed = true) });
    assert.equal(printed, false);
    assert.equal(sent.length, 1);
    const bundle = await sent[0][JUPYTER_DISPLAY]();
    assert.deepEqual(bundle[PLOTLY_MIME], (await figureMimeBundle(figure))[PLOTLY_MIME]);
  } finally {
    deno.jupyter = undefined;
  }
});

Deno.test("the text form shows names from data as written, and one point in the singular", () => {
  // The builders escape names for plotly; the text form printed "L1 &amp; &lt;L2&gt;" and
  // "1 points".
  const fig = sparsityFigure([
    { strategy: "L1 & <L2>", sparsity: 0.5, accuracy: 0.9 },
    { strategy: "R&amp;D", sparsity: 0.5, accuracy: 0.8 },
  ]);
  assert.equal(
    describeFigure(fig),
    "Accuracy against sparsity: L1 & <L2> (scatter, 1 point); R&amp;D (scatter, 1 point)",
  );
});

Deno.test("table digits outside what toPrecision takes are refused up front", () => {
  // They reached Number.prototype.toPrecision, whose "toPrecision() argument must be between 1
  // and 100" does not say which option, and only when some cell was a non-integer number.
  for (const digits of [0, 101, 2.5, NaN]) {
    assert.throws(() => table([{ a: 1 }], { digits }), {
      name: "RangeError",
      message: /^Cannot make table: options\.digits must be an integer in \[1, 100\], got /,
    }, String(digits));
  }
  assert.equal(table([{ a: 1 / 3 }], { digits: 1 }).text.split("\n")[2], "0.3");
  assert.equal(table([{ a: 2 / 3 }], { digits: 100 }).text.split("\n")[2], String(2 / 3));
});

Deno.test("table refuses column and percent names that are no list or no column of its rows", () => {
  // percent: "accuracy" was read letter by letter and a misspelt percent name was ignored, both
  // showing 0.8462 where "84.62 %" was asked for; a misspelt column showed an empty column; and
  // columns: "model" failed as "columns.map is not a function".
  const rows = [{ model: "dense", "test accuracy": 0.8462 }, { model: "8-bit", note: "x" }];
  for (
    const [options, name, message] of [
      [
        { percent: "test accuracy" },
        "TypeError",
        /^Cannot make table: options\.percent must be an array of column names, got string "test accuracy"$/,
      ],
      [
        { columns: "model" },
        "TypeError",
        /^Cannot make table: options\.columns must be an array of column names, got string "model"$/,
      ],
      [
        { columns: ["model", 1] },
        "TypeError",
        /^Cannot make table: options\.columns must be an array/,
      ],
      [
        { percent: ["accuracy"] },
        "RangeError",
        /^Cannot make table: percent column "accuracy" is not one of the columns \["model","test accuracy"\]$/,
      ],
      [
        { columns: ["model"], percent: ["test accuracy"] },
        "RangeError",
        /percent column "test accuracy" is not one of the columns \["model"\]$/,
      ],
      [
        { columns: ["model", "acuracy"] },
        "RangeError",
        /^Cannot make table: column "acuracy" is in no row$/,
      ],
    ] as const
  ) {
    assert.throws(() => table(rows, options as never), { name, message }, JSON.stringify(options));
  }
  // A column that only some rows have, and an empty table with its header, stay allowed.
  assert.deepEqual(table(rows, { columns: ["model", "note"] }).text.split("\n"), [
    "model  note",
    "-----  ----",
    "dense",
    "8-bit  x",
  ]);
  assert.equal(
    table(rows, { percent: ["test accuracy"] }).text.split("\n")[2],
    "dense  84.62 %",
  );
  assert.equal(table([], { columns: ["a"], percent: ["b"] }).text, "a\n-");
});

Deno.test("a height that is no CSS length is refused, not written into the style", async () => {
  // It was written as is: style="...height:NaNpx;" and "height:-5px;", which browsers drop.
  const fig: Figure = { data: [{ type: "bar", y: [1] }], layout: {} };
  for (const height of [NaN, -5, 0, Infinity]) {
    assert.throws(() => figureDiv(fig, { height }), {
      name: "RangeError",
      message: /^Cannot write figure: height must be a positive number of pixels, got /,
    }, String(height));
    await assert.rejects(figureMimeBundle(fig, { includePlotlyJs: "never", height }), RangeError);
  }
  // A refused figure does not count as the one that carried plotly.js.
  resetPlotlyInclusion();
  await assert.rejects(figureMimeBundle(fig, { height: -1 }), RangeError);
  assert.match((await figureMimeBundle(fig))["text/html"] as string, /inlined by lrcompress/);
  assert.throws(() => figureDiv(fig, { height: "300" as unknown as number }), {
    name: "TypeError",
    message: 'Cannot write figure: height must be a number, got string "300"',
  });
  assert.match(figureDiv(fig, { height: 320.5 }), /style="width:100%;height:320\.5px;"/);
});

Deno.test("the HTML table right-aligns the numeric columns, as the text form does", async () => {
  // In the text form numbers are padded on the left (right-aligned); the HTML must say the same
  // with text-align:right on exactly the numeric columns' header and cells.
  const t = table([
    { name: "a", bytes: 10, share: 0.5 },
    { name: "b", bytes: 2000, share: 0.25 },
  ], { percent: ["share"] });
  const right = ' style="text-align:right"';
  assert.equal(
    t.html,
    [
      `<table>`,
      `<thead><tr><th>name</th><th${right}>bytes</th><th${right}>share</th></tr></thead>`,
      `<tbody>`,
      `<tr><td>a</td><td${right}>10</td><td${right}>50.00 %</td></tr>`,
      `<tr><td>b</td><td${right}>2000</td><td${right}>25.00 %</td></tr>`,
      `</tbody>`,
      `</table>`,
    ].join("\n"),
  );
  assert.equal((await t[JUPYTER_DISPLAY]())["text/html"], t.html);
  // A column with a non-number in it is text, left-aligned.
  assert.ok(!table([{ v: 1 }, { v: "x" }]).html.includes("text-align"));
});

Deno.test("the text form gives a heat map's size as rows x columns", () => {
  // A 2 x 3 image (2 rows of 3 values): plotly draws z[r] as row r.
  const text = describeFigure({
    data: [{ type: "heatmap", name: "w", z: [[1, 2, 3], [4, 5, 6]] }],
    layout: { title: "Weights" },
  });
  assert.equal(text, "Weights: w (heatmap, 2 x 3)");
});

Deno.test("table shows integers in full and non-finite numbers as written, whatever the digits", () => {
  // `digits` rounds non-integers only: 123456 at 2 significant digits would read 120000, and
  // NaN or an infinity is no number to round (an empty cell would hide a failed run).
  const t = table([{ n: 123456, big: -98765432, x: 1.23456, nan: NaN, inf: Infinity }, {
    n: 7,
    big: 0,
    x: -0.004567,
    nan: 1,
    inf: -Infinity,
  }], { digits: 2 });
  assert.deepEqual(t.text.split("\n").slice(2).map((l) => l.trim().split(/ +/)), [
    ["123456", "-98765432", "1.2", "NaN", "Infinity"],
    ["7", "0", "-0.0046", "1", "-Infinity"],
  ]);
});

Deno.test("table escapes its header in the HTML and aligns nothing without rows", () => {
  // A column name is data like a cell: "a<b" written as is opens an HTML tag.
  const t = table([{ "a<b": 1, "x&y": "s" }]);
  assert.match(t.html, /<th style="text-align:right">a&lt;b<\/th><th>x&amp;y<\/th>/);
  assert.ok(!t.html.includes("a<b") && !t.html.includes("x&y"));
  // No rows: no column is known to be numeric, so the header is not right-aligned.
  const empty = table([], { columns: ["a", "b"] });
  assert.equal(empty.text, "a  b\n-  -");
  assert.ok(!empty.html.includes("text-align"));
  assert.match(empty.html, /<th>a<\/th><th>b<\/th>/);
});

Deno.test("a figure's bundle carries the plotly config, and an untitled figure reads 'Figure'", async () => {
  const fig: Figure = { data: [{ type: "bar", y: [1] }], layout: {} };
  const bundle = await figureMimeBundle(fig, { includePlotlyJs: "never" });
  const json = bundle[PLOTLY_MIME] as { config: Record<string, unknown> };
  // No plotly logo, and the figure follows the notebook's width.
  assert.equal(json.config.displaylogo, false);
  assert.equal(json.config.responsive, true);
  // Untitled, unnamed: the documented default words.
  assert.equal(bundle["text/plain"], "Figure: trace 0 (bar, 1 point)");
  assert.equal(
    describeFigure({ data: [{ type: "bar", y: [1, 2] }], layout: { title: {} } }),
    "Figure: trace 0 (bar, 2 points)",
  );
});

Deno.test("a figure with plotly.js forced ('always') counts as the one that carried it", async () => {
  const { source } = await loadPlotlyJs();
  const marker = source.slice(source.length - 2000);
  resetPlotlyInclusion();
  const html = async (includePlotlyJs?: "always") =>
    (await figureMimeBundle(figure, { includePlotlyJs }))["text/html"] as string;
  assert.ok((await html("always")).includes(marker));
  // The page has plotly.js now: the next "auto" figure does not carry it again.
  assert.ok(!(await html()).includes(marker));
});

Deno.test("display passes its height and plotly.js inclusion on to the figure it shows", async () => {
  const { source } = await loadPlotlyJs();
  const marker = source.slice(source.length - 2000);
  const sent: Displayable[] = [];
  const deno = Deno as unknown as { jupyter: unknown };
  deno.jupyter = { display: (v: Displayable) => Promise.resolve(void sent.push(v)) };
  try {
    // After a reset an "auto" figure would carry plotly.js; "never" must keep it out, and the
    // height given must be the div's, not the layout's 300.
    resetPlotlyInclusion();
    await display(figure, { includePlotlyJs: "never", height: 222 });
    const never = (await sent[0][JUPYTER_DISPLAY]())["text/html"] as string;
    assert.match(never, /height:222px/);
    assert.ok(!never.includes(marker));
    // Right after an inclusion an "auto" figure would not carry it; "always" must.
    assert.ok(((await figureMimeBundle(figure))["text/html"] as string).includes(marker));
    await display(figure, { includePlotlyJs: "always" });
    const always = (await sent[1][JUPYTER_DISPLAY]())["text/html"] as string;
    assert.ok(always.includes(marker));
    assert.match(always, /height:300px/);
  } finally {
    deno.jupyter = undefined;
  }
});

Deno.test("the bundle's plotly JSON is under the mime type JupyterLab and VS Code render", async () => {
  // The plotly renderers of JupyterLab (jupyterlab-plotly) and VS Code register exactly this
  // mime type; a bundle under any other key shows only the HTML or the text.
  const bundle = await figureMimeBundle(figure, { includePlotlyJs: "never" });
  assert.equal(PLOTLY_MIME, "application/vnd.plotly.v1+json");
  assert.ok(Object.hasOwn(bundle, "application/vnd.plotly.v1+json"));
});

/** The id of the `<div>` in a figure's HTML, and the id its script draws into. */
function idsOf(html: string): { div: string; spec: string } {
  const div = [...html.matchAll(/<div id="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(div.length, 1, "one div per figure");
  return { div: div[0], spec: specOf(html).id };
}

Deno.test("figures shown in one session get ids of their own, each script drawing into its div", async () => {
  // Two figures with the same id in one notebook page: the second script finds the first
  // figure's element and draws over it, and the second figure's place stays empty.
  const ids = [];
  for (let i = 0; i < 3; i++) {
    ids.push(
      idsOf((await figureMimeBundle(figure, { includePlotlyJs: "never" }))["text/html"] as string),
    );
  }
  for (const { div, spec } of ids) assert.equal(spec, div);
  assert.equal(new Set(ids.map((i) => i.div)).size, 3, JSON.stringify(ids));
});

/** Runs `code` in a fresh Deno process, as a new kernel session would, and returns its stdout. */
async function kernelSession(code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("a new kernel session does not reuse the ids of figures a previous session showed", async () => {
  // A notebook page keeps the outputs of earlier sessions (reopened, or the kernel restarted):
  // the first figure of a new session must not take the id of the first figure of the last one.
  const code = `
    import { figureMimeBundle } from ${
    JSON.stringify(new URL("../../lib/plot/mod.ts", import.meta.url).href)
  };
    const b = await figureMimeBundle({ data: [{ type: "bar", y: [1] }], layout: {} },
      { includePlotlyJs: "never" });
    console.log(/<div id="([^"]*)"/.exec(b["text/html"])[1]);`;
  const [a, b] = [await kernelSession(code), await kernelSession(code)];
  assert.ok(a.length > 0);
  assert.notEqual(a, b);
});

Deno.test("two kernel sessions showing the same figures send the same bundles but for the div ids", async () => {
  // Documented (README, writing a notebook; figureMimeBundle): a saved notebook differs between
  // runs only in the random token of the ids, not in another random or clock-dependent part.
  const code = `
    import { figureMimeBundle } from ${
    JSON.stringify(new URL("../../lib/plot/mod.ts", import.meta.url).href)
  };
    const figs = [{ data: [{ type: "bar", y: [1] }], layout: {} },
      { data: [{ type: "scatter", y: [3, 1] }], layout: { height: 300 } }];
    const out = [];
    for (const f of figs) out.push(await figureMimeBundle(f));
    console.log(JSON.stringify(out));`;
  const [a, b] = [await kernelSession(code), await kernelSession(code)];
  const ids = (s: string) => [...s.matchAll(/lrc-([0-9a-f]{8})-(\d+)/g)].map((m) => m.slice(1));
  // Each figure's id appears in its div and in its script's spec, with one token per session.
  assert.equal(ids(a).length, 4);
  assert.equal(new Set(ids(a).map((m) => m[0])).size, 1);
  assert.deepEqual(ids(a).map((m) => m[1]), ["1", "1", "2", "2"]);
  const token = (s: string) => s.replaceAll(/lrc-[0-9a-f]{8}-/g, "lrc-TOKEN-");
  assert.notEqual(a, b);
  assert.equal(token(a), token(b));
});

Deno.test("display resolves only once the kernel has sent the figure", async () => {
  // Documented: in the kernel it resolves once the bundle is sent, so that the output belongs to
  // the running cell under "Run All".
  let send!: () => void;
  const sending = new Promise<void>((resolve) => (send = resolve));
  const deno = Deno as unknown as { jupyter: unknown };
  deno.jupyter = { display: () => sending };
  try {
    let done = false;
    const shown = display(figure, { includePlotlyJs: "never" }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false, "display resolved before the kernel sent the figure");
    send();
    await shown;
    assert.equal(done, true);
  } finally {
    deno.jupyter = undefined;
  }
});

Deno.test("table refuses a shown cell that is an object or array instead of printing [object Object]", () => {
  const cases: [unknown, string][] = [
    [{ b: 1 }, "Object"],
    [new Float64Array(3), "Float64Array(3)"],
    [[1, 2], "Array(2)"],
  ];
  for (const [value, shown] of cases) {
    assert.throws(() => table([{ a: 1 }, { a: 2, b: value }], { columns: ["a", "b"] }), {
      name: "TypeError",
      message: `Cannot make table: row 1, column "b" holds ${shown}; a cell is a number, string, ` +
        "boolean or null",
    });
  }
  // A column that is not shown may hold anything (a row kept whole for a later cell).
  assert.equal(table([{ a: 1, b: new Int32Array(2) }], { columns: ["a"] }).text, "a\n-\n1");
  // The cells the documentation lists, and a missing one, still show.
  assert.equal(
    table([{ n: 1, s: "x", t: true, z: null }, { n: 2 }]).text.split("\n").slice(2).join("|"),
    "1  x  true|2",
  );
});

Deno.test("display of a model, a result or rows says what it shows, not only 'a figure'", async () => {
  const message = (got: string) =>
    `Cannot display: expected a figure { data, layout } or a displayable such as table(rows), ` +
    `got ${got}`;
  // What a notebook user hands it by mistake: a model or an evaluate() result, fit's history.
  const cases: [unknown, string][] = [
    [{ kind: "logistic-regression", weights: {}, bias: new Float64Array(1) }, "Object"],
    [[{ epoch: 1 }, { epoch: 2 }], "Array(2)"],
    [null, "null"],
    [Promise.resolve(figure), "Promise"],
  ];
  for (const [value, got] of cases) {
    await assert.rejects(display(value as never, { print: () => {} }), {
      name: "TypeError",
      message: message(got),
    });
  }
  // Something with `data` is taken for a figure and gets the figure's own message.
  await assert.rejects(display({ data: [null], layout: {} } as never, { print: () => {} }), {
    name: "TypeError",
    message: /^Cannot display figure: expected a figure \{ data: Trace\[\], layout: object \}/,
  });
});

Deno.test("display refuses figure options with a table or a shown figure, which would ignore them", async () => {
  const lines: string[] = [];
  const print = (t: string) => void lines.push(t);
  const message = (names: string) =>
    `Cannot display: ${names} to a figure { data, layout }, and this value is already ` +
    "displayable (a table, show(figure) or plotlyJs()); for a figure, pass the figure itself or " +
    "give the option to show(figure, options)";
  await assert.rejects(() => display(table([{ a: 1 }]), { height: 600, print }), {
    name: "TypeError",
    message: message("options.height applies"),
  });
  await assert.rejects(
    () => display(show(figure), { includePlotlyJs: "always", height: 222, print }),
    { name: "TypeError", message: message("options.includePlotlyJs and options.height apply") },
  );
  // Given at all, even as a value that reads as false.
  await assert.rejects(() => display(table([{ a: 1 }]), { height: 0, print }), {
    name: "TypeError",
    message: message("options.height applies"),
  });
  assert.deepEqual(lines, []);
  // Where they apply, and print with anything, they are taken.
  await display(table([{ a: 1 }]), { print });
  await display(figure, { includePlotlyJs: "never", height: 222, print });
  assert.equal(lines.length, 2);
});
