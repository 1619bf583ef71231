/**
 * The standalone HTML export without a browser: the page must carry plotly.js itself (it is read
 * from disk, offline) and every figure, in order, with the headings and text escaped.
 * tests/plot/browser_test.ts draws the same page in Chromium where one is installed.
 */
import assert from "node:assert/strict";
import {
  type Figure,
  figureDiv,
  figuresToHtml,
  loadPlotlyJs,
  plotlyScript,
  writeFiguresHtml,
} from "../../lib/plot/mod.ts";

const figures: Figure[] = [
  { data: [{ type: "bar", name: "one", y: [3, 1] }], layout: { title: { text: "First" } } },
  { data: [{ type: "scatter", name: "two", x: [1, 2], y: [5, 6] }], layout: {} },
];

/** The spec of every figure script in the page, in order. */
function specs(html: string): { id: string; data: unknown; layout: unknown }[] {
  return [...html.matchAll(/var spec = (.*);\n/g)].map((m) => JSON.parse(m[1]));
}

Deno.test("the exported page carries plotly.js itself and loads nothing from the network", async () => {
  const { source } = await loadPlotlyJs();
  const html = await figuresToHtml(figures);
  // The end of the bundle (the start is a licence comment shared with any copy of it).
  assert.ok(html.includes(source.slice(source.length - 2000)), "plotly.js is not inlined");
  assert.ok(html.length > source.length);
  // The bundle is the one script element plotlyScript() writes; apart from it, the page has no
  // script, stylesheet or image from elsewhere: no src or href attribute at all.
  const script = await plotlyScript();
  assert.equal(html.split(script).length, 2, "the page holds plotlyScript() once");
  const rest = html.replace(script, "");
  assert.ok(rest.length < 20_000, `${rest.length} characters besides plotly.js`);
  assert.doesNotMatch(rest, /\b(src|href)\s*=/i);
  // plotly.js is defined in the head, before the first figure's script asks for it.
  assert.ok(html.indexOf("inlined by lrcompress") < html.indexOf("var spec ="));
  assert.ok(html.indexOf("inlined by lrcompress") < html.indexOf("</head>"));
});

Deno.test("the exported page holds every figure in order, with escaped headings and text", async () => {
  const html = await figuresToHtml([
    { figure: figures[0], heading: "<Sizes> & more", text: "a < b & c" },
    figures[1],
  ], { title: "R&D <report>" });
  const found = specs(html);
  assert.deepEqual(found.map((s) => s.id), ["figure-1", "figure-2"]);
  assert.deepEqual(found.map((s) => s.data), figures.map((f) => f.data));
  assert.deepEqual(found.map((s) => s.layout), figures.map((f) => f.layout));
  assert.match(html, /<title>R&amp;D &lt;report&gt;<\/title>/);
  assert.match(html, /<h1>R&amp;D &lt;report&gt;<\/h1>/);
  assert.match(
    html,
    /<h2>&lt;Sizes&gt; &amp; more<\/h2>\n<p>a &lt; b &amp; c<\/p>\n<div id="figure-1"/,
  );
  assert.doesNotMatch(html, /<Sizes>|a < b/);
  // The written file is the same page.
  const path = await Deno.makeTempFile({ suffix: ".html" });
  try {
    await writeFiguresHtml(path, [figures[1]]);
    assert.equal(await Deno.readTextFile(path), await figuresToHtml([figures[1]]));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("an entry that is neither a figure nor a section is refused by its index", async () => {
  for (const entry of [null, undefined, 3, "figure", { heading: "no figure" }]) {
    await assert.rejects(
      figuresToHtml([figures[0], entry as unknown as Figure]),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message ===
          "Cannot export figures: entry 1 must be a figure or { figure, heading?, text? }",
      String(entry),
    );
  }
});

Deno.test("a title, heading, text or id that is not a string is refused by name", async () => {
  const refused = (name: string) => (e: unknown) =>
    e instanceof TypeError &&
    e.message.startsWith(`Cannot export figures: ${name} must be a string`);
  await assert.rejects(
    figuresToHtml([figures[0]], { title: 5 as unknown as string }),
    refused("title"),
  );
  await assert.rejects(
    figuresToHtml([figures[0], { figure: figures[1], heading: ["x"] as unknown as string }]),
    refused("entry 1 heading"),
  );
  await assert.rejects(
    figuresToHtml([{ figure: figures[1], text: {} as unknown as string }]),
    refused("entry 0 text"),
  );
  for (const id of [7, true, ""]) {
    assert.throws(
      () => figureDiv(figures[0], { id: id as unknown as string }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.startsWith("Cannot write figure: id must be a non-empty string"),
      String(id),
    );
  }
  // An id that needs escaping is written escaped in the attribute and as JSON in the script.
  const html = figureDiv(figures[0], { id: 'a"b' });
  assert.match(html, /^<div id="a&quot;b"/);
  assert.equal(specs(html)[0].id, 'a"b');
});

Deno.test("the element takes the layout's height, and a zero or negative one is refused", () => {
  const sized = (height: unknown) => ({ data: [], layout: { height } });
  const style = (html: string) => html.match(/style="width:100%;height:([^"]*)"/)?.[1];
  assert.equal(style(figureDiv(sized(300))), "300px;");
  assert.equal(style(figureDiv(sized(undefined))), "450px;");
  // NaN and infinities reach plotly as null (its default); the element gets the default too.
  assert.equal(style(figureDiv(sized(NaN))), "450px;");
  for (const height of [0, -0, -5, -Infinity]) {
    assert.throws(
      () => figureDiv(sized(height)),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith("Cannot write figure: layout.height must be a positive number"),
      String(height),
    );
    // A height given as an option is the element's, whatever the layout says.
    assert.equal(style(figureDiv(sized(height), { height: 200 })), "200px;");
  }
});
