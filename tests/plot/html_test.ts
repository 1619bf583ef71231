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
import { guardedScript } from "../../lib/plot/html.ts";

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

/**
 * Runs a figure's drawing script (the `<script>` after its `<div>`) against a stand-in page and
 * clock: the element with the div's id exists from `attachAt` ms, `window.Plotly` from
 * `plotlyAt` ms (never if omitted). Returns the `newPlot` calls with their times, the element
 * and the time the script stopped asking for timers.
 */
function runDrawScript(html: string, page: { attachAt: number; plotlyAt?: number }) {
  const m =
    /^<div id="([^"]*)"[^>]*><\/div>\n<script type="text\/javascript">\n([\s\S]*)<\/script>$/
      .exec(html);
  assert.ok(m, "not a div followed by its script");
  const [, divId, body] = m;
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const el = { textContent: "" };
  const plots: { at: number; args: unknown[] }[] = [];
  const plotly = { newPlot: (...args: unknown[]) => void plots.push({ at: now, args }) };
  const win: { Plotly?: unknown } = {};
  const doc = {
    getElementById: (id: string) => (id === divId && now >= page.attachAt ? el : null),
  };
  const setTimer = (fn: () => void, ms: number) => void timers.push({ at: now + ms, fn });
  const arrive = () => {
    if (page.plotlyAt !== undefined && now >= page.plotlyAt) win.Plotly = plotly;
  };
  arrive();
  new Function("window", "document", "setTimeout", body)(win, doc, setTimer);
  while (timers.length > 0 && now < 120_000) {
    timers.sort((a, b) => a.at - b.at);
    const t = timers.shift()!;
    now = t.at;
    arrive();
    t.fn();
  }
  return { plots, el, end: now };
}

Deno.test("a figure's script draws into its own element with the figure's data, layout and config", () => {
  const fig = figures[1];
  // Element and plotly.js there from the start: drawn at once, with the documented config
  // (no plotly logo, follows the page's width).
  const now = runDrawScript(figureDiv(fig, { id: "fig-a" }), { attachAt: 0, plotlyAt: 0 });
  assert.equal(now.plots.length, 1);
  assert.equal(now.plots[0].at, 0);
  assert.equal(now.plots[0].args[0], now.el);
  assert.deepEqual(now.plots[0].args.slice(1), [
    fig.data,
    fig.layout,
    { responsive: true, displaylogo: false },
  ]);
  // The classic Notebook inserts output HTML before attaching it: plotly.js is there but the
  // element is not yet; the script must wait for it, not draw into null.
  const late = runDrawScript(figureDiv(fig, { id: "fig-b" }), { attachAt: 1_000, plotlyAt: 0 });
  assert.equal(late.plots.length, 1);
  assert.equal(late.plots[0].args[0], late.el);
  assert.ok(late.plots[0].at >= 1_000);
});

Deno.test("a figure's script waits 30 seconds for plotly.js, then says it is missing", () => {
  const html = figureDiv(figures[0], { id: "fig-c" });
  // plotly.js arriving in a later script, 29 s on, is still in time.
  const slow = runDrawScript(html, { attachAt: 0, plotlyAt: 29_000 });
  assert.equal(slow.plots.length, 1);
  assert.ok(slow.plots[0].at >= 29_000 && slow.plots[0].at < 30_000);
  assert.equal(slow.el.textContent, "");
  // Never: no drawing, the element says so, and the script stops asking after about 30 s.
  const never = runDrawScript(html, { attachAt: 0 });
  assert.equal(never.plots.length, 0);
  assert.match(never.el.textContent, /^plotly\.js is not loaded in this page/);
  assert.ok(never.end >= 29_900 && never.end <= 30_100, `gave up at ${never.end} ms`);
});

Deno.test("the plotly.js script runs the bundle once per page, with require.js's globals hidden", async () => {
  const body = (script: string) => {
    const m = /^<script type="text\/javascript">([\s\S]*)<\/script>$/.exec(script);
    assert.ok(m, "not one script element");
    return m[1];
  };
  // A stand-in bundle that records what it sees; the page has require.js's define and require.
  const script = guardedScript(
    "window.runs = (window.runs || 0) + 1;\n" +
      "window.seen = [typeof define, typeof require, typeof module, typeof exports];\n" +
      "window.Plotly = { version: 'stand-in' };",
    "stand-in",
  );
  // As in a browser, the page's globals are also properties of window.
  const define = Object.assign(() => {}, { amd: {} });
  const require = () => {};
  const win: { runs?: number; seen?: string[]; Plotly?: unknown } & Record<string, unknown> = {
    define,
    require,
  };
  const run = () =>
    new Function("window", "define", "require", "module", "exports", body(script))(
      win,
      define,
      require,
      {},
      {},
    );
  run();
  assert.equal(win.runs, 1);
  assert.deepEqual(win.seen, ["undefined", "undefined", "undefined", "undefined"]);
  assert.deepEqual(win.Plotly, { version: "stand-in" });
  // A second copy in the same page (a figure with includePlotlyJs "always") leaves it alone.
  run();
  assert.equal(win.runs, 1);
  // plotlyScript() is such a guarded script: with window.Plotly set it does not run the bundle.
  const existing = { version: "already here" };
  const page = { Plotly: existing };
  new Function("window", body(await plotlyScript()))(page);
  assert.equal(page.Plotly, existing);
  assert.equal((globalThis as { Plotly?: unknown }).Plotly, undefined);
});

Deno.test("the exported page declares UTF-8 where a browser reading it from disk looks for it", async () => {
  // A file opened from disk has no HTTP header and no byte-order mark: without a charset
  // declaration in its first 1024 bytes (HTML's prescan) a browser guesses, commonly
  // windows-1252, and a title "Précision – 84 %" reads "PrÃ©cision â€“ 84 %".
  const title = "Précision – 84 %";
  const path = await Deno.makeTempFile({ suffix: ".html" });
  try {
    await writeFiguresHtml(path, [figures[0]], { title });
    const bytes = await Deno.readFile(path);
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
    assert.match(head, /<meta charset="?utf-8"?\s*\/?>/i);
    // ... and the text is written in that encoding.
    assert.ok(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes).includes(`<h1>${title}</h1>`),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a bundle holding '<!--' and then '<script' is refused: </script> would not end the element there", () => {
  // HTML's tokenizer: inside a script, "<!--" then "<script" enters the double-escaped state,
  // where "</script>" ends only the nested script and the element runs on into the page.
  // escapeScript handled "</script" alone, so such a bundle made a broken page without a word.
  const bad = 'var a = "<!--"; var b = "<SCRIPT>"; var c = "</script>";';
  assert.throws(() => guardedScript(bad, "bad"), {
    name: "TypeError",
    message: /^Cannot inline the script: it holds '<!--' and then '<script'/,
  });
  // Either one alone is safe (and plotly.js holds '<!--'): "</script" is escaped as before.
  for (const ok of ['var a = "<!--";', 'var b = "<script>"; var c = "</script>";']) {
    const out = guardedScript(ok, "ok");
    const body = out.slice(out.indexOf("\n") + 1, out.lastIndexOf("</script>"));
    assert.doesNotMatch(body, /<\/script/i, ok);
  }
  // The order matters: "<script" before "<!--" does not enter the double-escaped state.
  guardedScript('var b = "<script"; var a = "<!--";', "ok");
});

Deno.test("guardedScript's comment is escaped and checked with the source", () => {
  // The comment went into the element unchecked: a "</script>" in it ended the element there,
  // and a "<!--" in it before the source's "<script" was not seen.
  const out = guardedScript("var x = 1;", "a </script><b>bold</b> comment");
  const body = out.slice('<script type="text/javascript">'.length, out.lastIndexOf("</script>"));
  assert.doesNotMatch(body, /<\/script/i);
  assert.match(body, /^\/\* a <\\\/script><b>bold<\/b> comment \*\/\n/);
  assert.throws(() => guardedScript("var b = '<script>';", "<!--"), {
    name: "TypeError",
    message: /^Cannot inline the script: it holds '<!--' and then '<script'/,
  });
});

Deno.test("a figure's JSON holds no raw line or paragraph separator, '<' or lone surrogate", () => {
  // U+2028 and U+2029 end a line in JavaScript before ES2019 (a string holding one was a syntax
  // error there); '<' could close the script element; a lone surrogate is no UTF-8.
  const name = "a\u2028b\u2029c </script><!--<script> \ud800 end";
  const html = figureDiv(
    { data: [{ type: "bar", name, y: [1] }], layout: { title: { text: name } } },
    { id: "sep" },
  );
  const line = /var spec = (.*);\n/.exec(html)?.[1];
  assert.ok(line, "the spec is not on one line");
  assert.doesNotMatch(line, /[\u2028\u2029<]|[\ud800-\udfff]/);
  const spec = JSON.parse(line);
  assert.equal(spec.data[0].name, name);
  assert.equal(spec.layout.title.text, name);
});
