/**
 * Figures as HTML that draws offline: the plotly.js bundle inlined once, then one `<div>` and a
 * small script per figure. Used by the notebook display adapter and by the standalone export.
 *
 * @module
 */

import { writeFileAtomic } from "../io/atomic.ts";
import { checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";
import { loadPlotlyJs } from "./plotly_js.ts";
import type { Figure } from "./types.ts";

/** The plotly.js `config` every figure gets. */
export const PLOTLY_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
};

/**
 * A figure as plain JSON data: typed arrays become arrays, NaN and infinities become `null`.
 *
 * @param figure The figure.
 * @returns A deep copy that `JSON.stringify` round-trips.
 * @throws {TypeError} If `figure` has no `data` array and `layout` object.
 *
 * @example Typed arrays and NaN
 * ```ts
 * import { plainFigure } from "./html.ts";
 * import assert from "node:assert/strict";
 *
 * const fig = plainFigure({ data: [{ type: "bar", y: Float64Array.from([1, NaN]) }], layout: {} });
 * assert.deepEqual(fig.data[0].y, [1, null]);
 * ```
 */
export function plainFigure(figure: Figure): Figure {
  assertFigure("convert figure", figure);
  return JSON.parse(JSON.stringify(figure, typedArraysAsArrays));
}

/**
 * The `<script>` element that defines `window.Plotly` from the inlined bundle, unless the page
 * already has it. The bundle runs inside a function whose `define`, `require`, `module` and
 * `exports` are undefined, so it sets `window.Plotly` even on pages that load require.js (the
 * classic Jupyter Notebook), where a UMD bundle would otherwise register an anonymous AMD module
 * and leave `window.Plotly` unset.
 *
 * @returns The script element.
 * @throws {TypeError} If the plotly.js package cannot be read.
 *
 * @example One script element
 * ```ts
 * import { plotlyScript } from "./html.ts";
 * import assert from "node:assert/strict";
 *
 * const script = await plotlyScript();
 * assert.match(script, /^<script type="text\/javascript">\/\* plotly\.js \d/);
 * assert.equal(script.match(/<\/script>/g)?.length, 1);
 * ```
 */
export async function plotlyScript(): Promise<string> {
  const { source, version } = await loadPlotlyJs();
  return guardedScript(source, `plotly.js ${version}, inlined by lrcompress`);
}

/**
 * Wraps a UMD bundle that defines `window.Plotly` in a `<script>` element that runs it only when
 * `window.Plotly` is missing, with `define`, `require`, `module` and `exports` hidden from it.
 *
 * @param source The bundle.
 * @param comment A comment for the first line.
 * @returns The script element.
 * @throws {TypeError} If the comment and source hold `<!--` and then `<script`, which no escape
 *   keeps from changing where the element ends.
 */
export function guardedScript(source: string, comment: string): string {
  // The comment is checked and escaped with the source: a "</script" in it, or a "<!--" before
  // the source's "<script", would end or hold open the element just as well.
  const body = `/* ${comment.replace(/\*\//g, "* /")} */\n` +
    "if (!window.Plotly) {\n(function (define, require, module, exports) {\n" + source +
    "\n}).call(window);\n}\n";
  return `<script type="text/javascript">${escapeScript(body)}</script>`;
}

/** Options for {@linkcode figureDiv}. */
export interface FigureDivOptions {
  /**
   * The element id; must be unique in the page.
   * @default {"lrc-plot-<n>", n counting up in this process}
   */
  id?: string;
  /**
   * Height of the element in pixels.
   * @default {the layout's height, else 450}
   */
  height?: number;
}

let divCounter = 0;

/**
 * A `<div>` and the script that draws the figure into it once `window.Plotly` exists. The
 * script retries for 30 seconds, so it works where output HTML is inserted before it is attached
 * to the page (the classic Notebook) and where plotly.js arrives in a later script; after that
 * the `<div>` says that plotly.js is missing.
 *
 * @param figure The figure.
 * @param options Element id and height.
 * @returns The HTML fragment (no plotly.js; see {@linkcode plotlyScript}).
 * @throws {TypeError} If `figure` has no `data` array and `layout` object, `id` is not a
 *   non-empty string, or `height` is not a number.
 * @throws {RangeError} If `height` is not positive and finite, or, when no `height` is given,
 *   the layout's `height` is zero or negative.
 *
 * @example The fragment carries the figure as JSON
 * ```ts
 * import { figureDiv } from "./html.ts";
 * import assert from "node:assert/strict";
 *
 * const html = figureDiv({ data: [{ type: "bar", y: [1, 2] }], layout: {} }, { id: "p1" });
 * assert.match(html, /<div id="p1"/);
 * assert.match(html, /"y":\[1,2\]/);
 * ```
 */
export function figureDiv(figure: Figure, options: FigureDivOptions = {}): string {
  checkOptionKeys(
    "write figure",
    options,
    { id: true, height: true } satisfies OptionKeys<FigureDivOptions>,
  );
  if (options.id !== undefined && (typeof options.id !== "string" || options.id === "")) {
    // An empty id names no element: the script would wait for it and never draw.
    throw new TypeError(
      `Cannot write figure: id must be a non-empty string, got ${describe(options.id)}`,
    );
  }
  const given = options.height;
  if (given !== undefined && typeof given !== "number") {
    throw new TypeError(`Cannot write figure: height must be a number, got ${describe(given)}`);
  }
  if (given !== undefined && !(given > 0 && given < Infinity)) {
    // It is written into the style: "height:NaNpx" or "-5px" is no height at all.
    throw new RangeError(
      `Cannot write figure: height must be a positive number of pixels, got ${given}`,
    );
  }
  const plain = plainFigure(figure);
  const id = options.id ?? `lrc-plot-${++divCounter}`;
  const layoutHeight = figure.layout.height;
  if (given === undefined && typeof layoutHeight === "number" && layoutHeight <= 0) {
    // The layout's height becomes the element's: "height:0px" or "-5px" would hide the figure.
    throw new RangeError(
      `Cannot write figure: layout.height must be a positive number of pixels, got ${layoutHeight}`,
    );
  }
  const height = given ?? (typeof plain.layout.height === "number" ? plain.layout.height : 450);
  const spec = scriptJson({ id, data: plain.data, layout: plain.layout, config: PLOTLY_CONFIG });
  return `<div id="${escapeHtml(id)}" class="lrc-plotly" style="width:100%;height:${
    Number(height)
  }px;"></div>
<script type="text/javascript">
(function () {
  var spec = ${spec};
  var tries = 0;
  function draw() {
    var el = document.getElementById(spec.id);
    if (el && window.Plotly) {
      window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);
    } else if (++tries < 600) {
      setTimeout(draw, 50);
    } else if (el) {
      el.textContent = "plotly.js is not loaded in this page: run the notebook again from the " +
        "top (the first figure of a kernel session carries plotly.js) or display plotlyJs().";
    }
  }
  draw();
})();
</script>`;
}

/** A figure with an optional heading and paragraph, for {@linkcode figuresToHtml}. */
export interface FigureSection {
  /** The figure. */
  readonly figure: Figure;
  /** A heading above it. @default {none} */
  readonly heading?: string;
  /** A paragraph of plain text below the heading. @default {none} */
  readonly text?: string;
}

/** Options for {@linkcode figuresToHtml} and {@linkcode writeFiguresHtml}. */
export interface FiguresHtmlOptions {
  /**
   * The page title (also its first heading).
   * @default {"lrcompress figures"}
   */
  title?: string;
}

/**
 * A standalone HTML page with the figures, plotly.js inlined: it opens from disk and draws with
 * no network.
 *
 * @param figures The figures, or sections with a heading and text.
 * @param options The page title.
 * @returns The HTML document.
 * @throws {TypeError} If an entry is neither a figure nor a section, or the title, a heading or
 *   a text is not a string.
 *
 * @example A page with one figure
 * ```ts
 * import { figuresToHtml } from "./html.ts";
 * import assert from "node:assert/strict";
 *
 * const page = await figuresToHtml([{ data: [{ type: "bar", y: [3, 1] }], layout: {} }]);
 * assert.match(page, /^<!DOCTYPE html>/);
 * assert.match(page, /window\.Plotly/);
 * ```
 */
export async function figuresToHtml(
  figures: readonly (Figure | FigureSection)[],
  options: FiguresHtmlOptions = {},
): Promise<string> {
  checkOptionKeys(
    "write figures",
    options,
    { title: true } satisfies OptionKeys<FiguresHtmlOptions>,
  );
  if (!Array.isArray(figures)) {
    throw new TypeError(
      `Cannot export figures: figures must be an array, got ${describe(figures)}`,
    );
  }
  checkText("title", options.title);
  const title = options.title ?? "lrcompress figures";
  const parts = figures.map((entry, i) => {
    const section: FigureSection = isFigure(entry) ? { figure: entry } : entry as FigureSection;
    if (typeof section !== "object" || section === null || !isFigure(section.figure)) {
      throw new TypeError(
        `Cannot export figures: entry ${i} must be a figure or { figure, heading?, text? }`,
      );
    }
    checkText(`entry ${i} heading`, section.heading);
    checkText(`entry ${i} text`, section.text);
    return [
      section.heading ? `<h2>${escapeHtml(section.heading)}</h2>` : "",
      section.text ? `<p>${escapeHtml(section.text)}</p>` : "",
      figureDiv(section.figure, { id: `figure-${i + 1}` }),
    ].filter(Boolean).join("\n");
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lrcompress">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; }
.lrc-plotly { margin: 1em 0; }
</style>
${await plotlyScript()}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${parts.join("\n")}
</body>
</html>
`;
}

/**
 * Writes figures to a standalone HTML file (plotly.js inlined, no network needed), atomically:
 * a failure leaves any previous file in place.
 *
 * @param path The file to write, e.g. `"out/report.html"`.
 * @param figures The figures, or sections with a heading and text.
 * @param options The page title.
 * @throws {TypeError} If an entry is not a figure or section, the title, a heading or a text is
 *   not a string, or the file cannot be written.
 *
 * @example Export one figure
 * ```ts
 * import { writeFiguresHtml } from "./html.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".html" });
 * try {
 *   await writeFiguresHtml(path, [{ data: [{ type: "bar", y: [3, 1] }], layout: {} }]);
 *   assert.ok((await Deno.stat(path)).size > 1_000_000); // plotly.js is inside
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function writeFiguresHtml(
  path: string,
  figures: readonly (Figure | FigureSection)[],
  options: FiguresHtmlOptions = {},
): Promise<void> {
  const html = await figuresToHtml(figures, options);
  await writeFileAtomic(path, new TextEncoder().encode(html));
}

/**
 * Checks the shape of a figure.
 *
 * @param action What the caller was doing.
 * @param figure The value.
 * @throws {TypeError} If it has no `data` array of objects and `layout` object.
 */
export function assertFigure(action: string, figure: unknown): asserts figure is Figure {
  if (!isFigure(figure)) {
    throw new TypeError(
      `Cannot ${action}: expected a figure { data: Trace[], layout: object }, got ${
        describe(figure)
      }`,
    );
  }
}

/** Refuses a title, heading or text that is given and not a string (it is escaped as text). */
function checkText(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== "string") {
    throw new TypeError(`Cannot export figures: ${name} must be a string, got ${describe(v)}`);
  }
}

function isFigure(v: unknown): v is Figure {
  if (typeof v !== "object" || v === null) return false;
  const { data, layout } = v as Partial<Figure>;
  return Array.isArray(data) && data.every((t) => typeof t === "object" && t !== null) &&
    typeof layout === "object" && layout !== null && !Array.isArray(layout);
}

function typedArraysAsArrays(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return value;
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * Keeps `</script` in JavaScript source from ending the element (`<\/` means `</` in JS). A
 * `<!--` followed by `<script` would put the HTML parser in its "double escaped" state, where
 * `</script>` no longer ends the element; no escape of them is safe in every JavaScript context
 * (a `\` inside a Unicode regular expression is an error), so such a source is refused
 * (plotly.js 4.1.2 holds `<!--` but no `<script`).
 */
function escapeScript(source: string): string {
  const comment = source.indexOf("<!--");
  if (comment >= 0 && /<script/i.test(source.slice(comment))) {
    throw new TypeError(
      "Cannot inline the script: it holds '<!--' and then '<script', which an HTML parser " +
        "reads as a script nested in a comment, so its </script> would not end the element",
    );
  }
  return source.replace(/<\/script/gi, "<\\/script");
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param text The text.
 * @returns The escaped text.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
