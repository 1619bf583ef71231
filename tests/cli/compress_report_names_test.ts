/**
 * The report of `lrc compress` with class labels, feature names and a data path that look like
 * markup or script: they come from the user's CSV and command line, and must reach the page as
 * text (in its headings and paragraphs), as JSON that stays inside its script element, and as
 * plotly text that plotly draws as written. tests/plot/browser_test.ts draws such labels in
 * Chromium; this test reads the report that the CLI writes.
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { plotlyScript } from "../../lib/plot/html.ts";

const CLASSES = [
  "</script><script>window.pwned = 1</script>",
  `<img src=x onerror="window.pwned = 2">`,
  `a & b "q" &lt; &amp;`,
  "<!--<script>",
  "x]]>\u2028y\u2029z",
];
const FEATURES = ["</script>", "<!--", `<b onmouseover="f()">`, "c&d\u2028"];

/** A CSV cell, quoted as RFC 4180 quotes it. */
function cell(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** Five classes of 30 rows around their own centres, with a seeded jitter. */
function csv(): string {
  let state = 12345;
  const jitter = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.8;
  const lines = [[...FEATURES, "label"].map(cell).join(",")];
  CLASSES.forEach((label, k) => {
    for (let i = 0; i < 30; i++) {
      const x = [k + jitter(), (k * 7) % 5 + jitter(), (k * 3) % 5 + jitter(), jitter()];
      lines.push([...x.map((v) => v.toFixed(4)), cell(label)].join(","));
    }
  });
  return lines.join("\n") + "\n";
}

/** HTML's character references as a browser decodes them (the ones escaping writes). */
function htmlText(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!,
  );
}

/**
 * Plotly's text as it draws it: a tag is markup, and entities are decoded once, with the names
 * and pattern of plotly.js 4.1.2's svg_text_utils (`entityToUnicode`, `ENTITY_MATCH`).
 */
function plotlyDrawn(text: string): string {
  assert.doesNotMatch(text, /<[^<>]*>/, `plotly reads a tag in ${JSON.stringify(text)}`);
  const named: Record<string, string> = {
    mu: "\u03bc",
    amp: "&",
    lt: "<",
    gt: ">",
    nbsp: "\u00a0",
    times: "\u00d7",
    plusmn: "\u00b1",
    deg: "\u00b0",
  };
  return text.replace(
    /&(#\d+|#x[\da-fA-F]+|[a-z]+);/g,
    (all, e: string) =>
      e[0] === "#"
        ? String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : +e.slice(1))
        : named[e] ?? all,
  );
}

Deno.test("class labels, feature names and a data path that look like markup stay text in the report", async () => {
  const base = await Deno.makeTempDir({ prefix: "lrc-report-names-" });
  try {
    // The '/' of "</script>" makes a folder: the path holds the names' characters in two.
    const dir =
      `${base}/<img src=x onerror="window.pwned = 3"> & &lt; ]]>\u2028<!--<script> </script>`;
    await Deno.mkdir(dir, { recursive: true });
    const data = `${dir}/data.csv`;
    await Deno.writeTextFile(data, csv());
    const r = await runCli([
      ...["compress", "--data", data, "--max-iterations", "100", "--fine-tune-steps", "30"],
      ...["--out", `${base}/m.lrc`, "--report", `${base}/r.html`, "--quiet"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(`${base}/r.html`);

    // Besides plotly.js, the page's only elements are the report's own: no name became a tag
    // or a comment.
    const script = await plotlyScript();
    assert.equal(html.split(script).length, 2);
    const rest = html.replace(script, "");
    const tags = new Set([...rest.matchAll(/<(\/?[a-z!][a-z0-9]*)/gi)].map((m) => m[1]));
    const own = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p"]
      .concat(["div", "script"]);
    assert.deepEqual([...tags].filter((t) => !own.includes(t.replace("/", ""))), []);
    assert.ok(!rest.includes("<!--"));

    // Every script element ends where its drawing script does, and its figure parses back.
    const bodies = rest.split(/<script type="text\/javascript">/).slice(1)
      .map((s) => s.slice(0, s.search(/<\/script/i)));
    const figureCount = [...rest.matchAll(/<div id="figure-\d+"/g)].length;
    assert.ok(figureCount >= 3, `${figureCount} figures`);
    assert.equal(bodies.length, figureCount);
    const specs = bodies.map((b) => {
      assert.ok(b.endsWith("  draw();\n})();\n"), b.slice(0, 300));
      assert.doesNotMatch(b, /[\u2028\u2029]/);
      return JSON.parse(/var spec = (.*);\n/.exec(b)![1]) as {
        data: Record<string, unknown>[];
        layout: { annotations?: { text: string }[] };
      };
    });

    // The confusion matrix's axes and the mask's panels show the labels as written: escaped
    // once for plotly, not left as markup and not escaped twice.
    const sorted = [...CLASSES].sort();
    const heatmaps = specs.flatMap((s) => s.data.filter((t) => t.type === "heatmap"));
    const confusion = heatmaps.find((t) => t.name === "confusion");
    assert.ok(confusion, "no confusion matrix");
    for (const values of [confusion.x, confusion.y] as string[][]) {
      assert.deepEqual(values.map(plotlyDrawn).sort(), sorted);
    }
    const mask = specs.find((s) =>
      s.data.length === CLASSES.length && s.data[0].type === "heatmap"
    );
    assert.ok(mask, "no mask figure");
    assert.deepEqual(mask.data.map((t) => plotlyDrawn(t.name as string)).sort(), sorted);
    const panels = mask.layout.annotations!.map((a) => plotlyDrawn(a.text));
    for (const label of CLASSES) {
      assert.ok(panels.some((p) => p.startsWith(`${label}: `)), JSON.stringify(label));
    }

    // The data path is text in the paragraph that names it, as written.
    const paragraphs = [...rest.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => htmlText(m[1]));
    assert.ok(paragraphs.some((p) => p.includes(`Data: ${data}.`)), paragraphs.join("\n"));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
