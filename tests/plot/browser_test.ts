/// <reference lib="dom" />
import assert from "node:assert/strict";
import {
  browserUnavailable,
  launchChromium,
  OFFLINE,
  PAGE_LOAD_TIMEOUT,
  restrictNetwork,
} from "../_helpers/browser.ts";
import {
  bitWidthFigure,
  confusionFigure,
  type Figure,
  figureMimeBundle,
  maskFigure,
  paretoFigure,
  resetPlotlyInclusion,
  sparsityFigure,
  thresholdFigure,
  trainingFigure,
  writeFiguresHtml,
} from "../../lib/plot/mod.ts";
import { chooseThreshold, thresholdCurve } from "../../lib/metrics/threshold.ts";
import { guardedScript } from "../../lib/plot/html.ts";

const unavailable = browserUnavailable();
const skip = unavailable ? ` (skipped: ${unavailable})` : "";

const history = [1, 2, 3, 4].map((epoch) => ({
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.6 + 0.05 * epoch,
  objective: 1 / epoch,
  validationLoss: 1.2 / epoch,
  validationAccuracy: 0.55 + 0.05 * epoch,
  seconds: epoch,
}));
const figures: Figure[] = [
  trainingFigure(history),
  paretoFigure([
    { bytes: 4000, accuracy: 0.95, name: "float" },
    { bytes: 1000, accuracy: 0.93, name: "int8" },
    { bytes: 2000, accuracy: 0.9, name: "pruned" },
  ]),
  maskFigure(Uint8Array.from({ length: 2 * 64 }, (_, i) => (i % 3 ? 1 : 0)), {
    labels: ["zero", "one"],
  }),
  confusionFigure([[5, 1], [2, 7]]),
];

Deno.test({
  name: `the exported HTML file draws every chart in Chromium with no network${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // The browser first: a launch that fails leaves no folder behind.
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-html-" });
    try {
      const path = `${dir}/figures.html`;
      await writeFiguresHtml(
        path,
        figures.map((figure, i) => ({ figure, heading: `Figure ${i + 1}` })),
        { title: "Offline test" },
      );
      const page = await browser.newPage();
      const blocked = await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
        figures.length,
        { timeout: 60_000 },
      );
      // Every figure's own div holds a drawn chart, with its traces.
      const drawn = await page.$$eval(".lrc-plotly", (divs) =>
        divs.map((d) => ({
          svg: d.querySelectorAll(".main-svg").length > 0,
          traces: ((d as unknown as { data?: unknown[] }).data ?? []).length,
        })));
      assert.deepEqual(drawn, figures.map((f) => ({ svg: true, traces: f.data.length })));
      // The size axis of the Pareto figure (1,000 to 4,000 bytes) is labelled in full bytes,
      // where plotly's own log-axis labels show minor ticks by their leading digit alone.
      const sizeTicks = await page.$$eval(
        ".lrc-plotly",
        (divs, i) => [...divs[i].querySelectorAll(".xtick text")].map((t) => t.textContent),
        1,
      );
      assert.deepEqual(sizeTicks, ["1,000", "2,000"]);
      assert.deepEqual(blocked, [], "the page tried to reach the network");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const notebookStatic = "/usr/lib/python3/dist-packages/notebook/static/components";
const requireJs = `${notebookStatic}/requirejs/require.js`;
const jquery = `${notebookStatic}/jquery/jquery.min.js`;
const haveNotebookJs = (() => {
  try {
    return Deno.statSync(requireJs).isFile && Deno.statSync(jquery).isFile;
  } catch {
    return false;
  }
})();
const skipAmd = skip ||
  (haveNotebookJs ? "" : " (skipped: the classic Notebook's require.js and jQuery not found)");

Deno.test({
  name: `figure HTML draws on a page with require.js when inserted detached, as the classic ` +
    `Notebook does${skipAmd}`,
  ignore: unavailable !== null || !haveNotebookJs,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const blocked = await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.setContent("<!DOCTYPE html><html><body><div id='notebook'></div></body></html>");
      await page.addScriptTag({ path: requireJs });
      await page.addScriptTag({ path: jquery });
      assert.equal(
        await page.evaluate(() =>
          typeof (globalThis as { define?: { amd?: unknown } })
            .define?.amd
        ),
        "object",
      );
      resetPlotlyInclusion();
      const outputs: string[] = [];
      for (const f of figures.slice(0, 2)) {
        outputs.push((await figureMimeBundle(f))["text/html"] as string);
      }
      assert.ok(outputs[0].length > 1_000_000 && outputs[1].length < 100_000);
      // The classic Notebook (outputarea.js) appends output HTML with jQuery to a detached
      // subarea, that to a detached output area, and then that to the attached cell; jQuery runs
      // the scripts at that last step, on first insertion into the document.
      await page.evaluate((htmls: string[]) => {
        type JQ = { append(content: string | JQ): JQ };
        const $ = (globalThis as unknown as { jQuery: (s: string) => JQ }).jQuery;
        for (const h of htmls) {
          const subarea = $("<div/>").append(h);
          const area = $("<div/>").append(subarea);
          $("#notebook").append(area);
        }
      }, outputs);
      await page.waitForFunction(
        () => document.querySelectorAll(".lrc-plotly .main-svg").length >= 2,
        null,
        {
          timeout: 60_000,
        },
      );
      assert.equal(
        await page.evaluate(() => typeof (globalThis as { Plotly?: unknown }).Plotly),
        "object",
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(blocked, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: `the plotly.js guard makes a UMD bundle that prefers AMD set window.Plotly under ` +
    `require.js${skipAmd}`,
  ignore: unavailable !== null || !haveNotebookJs,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // The UMD header of plotly.js 1.x to 3.x bundles: with an AMD loader present they register an
    // anonymous module (which require.js rejects outside require()) and never set window.Plotly.
    const umd = `!function(root, factory) {
      if (typeof exports === "object" && typeof module === "object") module.exports = factory();
      else if (typeof define === "function" && define.amd) define([], factory);
      else if (typeof exports === "object") exports.Plotly = factory();
      else root.Plotly = factory();
    }(self, function () { return { newPlot: function () {}, fake: true }; });`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.setContent("<!DOCTYPE html><html><body></body></html>");
      await page.addScriptTag({ path: requireJs });
      await page.addScriptTag({ path: jquery });
      const run = (html: string) =>
        page.evaluate((h: string) => {
          type JQ = { append(content: string): JQ };
          const $ = (globalThis as unknown as { jQuery: (s: string) => JQ }).jQuery;
          $("body").append(h);
          return (globalThis as { Plotly?: { fake?: boolean } }).Plotly?.fake === true;
        }, html);
      // Unguarded, the bundle hands itself to require.js and window.Plotly stays unset...
      assert.equal(await run(`<script type="text/javascript">${umd}</script>`), false);
      // ...guarded, it sets window.Plotly.
      assert.equal(await run(guardedScript(umd, "test bundle")), true);
      assert.deepEqual(errors.filter((e) => !/anonymous define/i.test(e)), []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: `names from data are drawn as written in legends, never read as markup${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Plotly reads trace names as its pseudo-HTML: unescaped, "<b>mag</b> & co" lost its tags.
    const strategy = "<b>mag</b> & co", method = "<i>k</i>-means", group = "a<br>b";
    const named: Figure[] = [
      sparsityFigure([{ strategy, sparsity: 0.5, accuracy: 0.9 }], {
        baseline: 0.95,
        baselineName: "<b>base</b>",
      }),
      bitWidthFigure([{ method, bits: 4, accuracy: 0.9 }], { baseline: 0.95 }),
      paretoFigure([{ bytes: 10, accuracy: 0.5, group }]),
    ];
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-names-" });
    try {
      const path = `${dir}/names.html`;
      await writeFiguresHtml(path, named.map((figure) => ({ figure })), { title: "names" });
      const page = await browser.newPage();
      await restrictNetwork(page, OFFLINE);
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
        named.length,
        { timeout: 60_000 },
      );
      const legends = await page.$$eval(
        ".lrc-plotly",
        (divs) => divs.map((d) => [...d.querySelectorAll(".legendtext")].map((t) => t.textContent)),
      );
      assert.deepEqual(legends[0], [strategy, "<b>base</b>"]);
      assert.deepEqual(legends[1], [method, "uncompressed model"]);
      assert.deepEqual(legends[2], [group, "Pareto front"]);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `labels that look like markup or script are shown as text and never run, in the exported ` +
    `page and in notebook outputs${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Class labels, headings and titles reach the HTML as text, in the figure's JSON (inside a
    // <script>) and as plotly text; none of them may end an element, open a tag or run, and the
    // labels are drawn as written.
    const classes = [
      "</script><script>window.pwned = 1</script>",
      `<img src=x onerror="window.pwned = 2">`,
      `"'&<> &lt; <b>b</b><br>`,
      "<!--<script>",
    ];
    const confusion = classes.map((_, i) => classes.map((_, j) => (i === j ? 5 : 1)));
    // The title is passed as plotly text (markup allowed), so its "<" reach the JSON as they are.
    const fig = confusionFigure(confusion, { classes, title: "</script><script>window.pwned = 3" });
    const state = () => ({
      pwned: (globalThis as { pwned?: unknown }).pwned ?? null,
      images: document.querySelectorAll("img").length,
      // autorange "reversed": the first class is at the top, the last tick drawn.
      ticks: [...document.querySelectorAll(".lrc-plotly")].map((d) =>
        [...d.querySelectorAll(".ytick text")].map((t) => t.textContent).reverse()
      ),
    });
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-inject-" });
    try {
      const path = `${dir}/inject.html`;
      await writeFiguresHtml(path, [{ figure: fig, heading: classes[0], text: classes[1] }], {
        title: classes[1],
      });
      const page = await browser.newPage();
      const blocked = await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForSelector(".lrc-plotly .main-svg", { timeout: 60_000 });
      assert.deepEqual(await page.evaluate(state), { pwned: null, images: 0, ticks: [classes] });
      assert.deepEqual(
        await page.evaluate(() => [
          document.title,
          ...[...document.querySelectorAll("h1, h2, p")].map((e) => e.textContent),
        ]),
        [classes[1], classes[1], classes[0], classes[1]],
      );
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);

      // Two notebook outputs, the first carrying plotly.js, inserted as a notebook inserts
      // trusted HTML (its scripts run).
      resetPlotlyInclusion();
      const outputs = [
        (await figureMimeBundle(fig))["text/html"] as string,
        (await figureMimeBundle(fig))["text/html"] as string,
      ];
      const notebook = await browser.newPage();
      const blockedNotebook = await restrictNetwork(notebook, OFFLINE);
      const notebookErrors: string[] = [];
      notebook.on("pageerror", (e) => notebookErrors.push(String(e)));
      await notebook.setContent("<!DOCTYPE html><html><body></body></html>");
      await notebook.evaluate((htmls: string[]) => {
        for (const h of htmls) {
          const output = document.createElement("div");
          output.append(document.createRange().createContextualFragment(h));
          document.body.append(output);
        }
      }, outputs);
      await notebook.waitForFunction(
        () => document.querySelectorAll(".lrc-plotly .main-svg").length >= 2,
        null,
        { timeout: 60_000 },
      );
      assert.deepEqual(await notebook.evaluate(state), {
        pwned: null,
        images: 0,
        ticks: [classes, classes],
      });
      assert.deepEqual(blockedNotebook, []);
      assert.deepEqual(notebookErrors, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `a confusion matrix of long class names draws every tick label inside the figure${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // With the fixed 110-pixel margins, slanted labels this long ran past the figure's bottom
    // edge (by 44 pixels) and were cut off.
    // Eight classes: the x labels are drawn slanted, into the bottom margin.
    const classes = Array.from({ length: 8 }, (_, i) => `a rather long class name number ${i}`);
    const confusion = classes.map((_, t) => classes.map((_, p) => (t === p ? 9 : 1)));
    const figure = confusionFigure(confusion, { classes });
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-confusion-" });
    try {
      const path = `${dir}/confusion.html`;
      await writeFiguresHtml(path, [{ figure }], { title: "confusion" });
      const page = await browser.newPage();
      await restrictNetwork(page, OFFLINE);
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        () => document.querySelectorAll(".lrc-plotly .ytick text").length >= 8,
        undefined,
        { timeout: 60_000 },
      );
      const boxes = await page.$$eval(".lrc-plotly", (divs) => {
        const svg = divs[0].querySelector(".main-svg")!.getBoundingClientRect();
        const ticks = [...divs[0].querySelectorAll(".xtick text, .ytick text")];
        return {
          svg: { left: svg.left, right: svg.right, top: svg.top, bottom: svg.bottom },
          ticks: ticks.map((t) => {
            const r = t.getBoundingClientRect();
            return { text: t.textContent, left: r.left, right: r.right, bottom: r.bottom };
          }),
        };
      });
      assert.deepEqual(
        boxes.ticks.map((t) => t.text).sort(),
        [...classes, ...classes].sort(),
      );
      for (const t of boxes.ticks) {
        assert.ok(t.left >= boxes.svg.left - 0.5, `${t.text}: ${t.left} < ${boxes.svg.left}`);
        assert.ok(t.right <= boxes.svg.right + 0.5, `${t.text}: ${t.right} > ${boxes.svg.right}`);
        assert.ok(
          t.bottom <= boxes.svg.bottom + 0.5,
          `${t.text}: ${t.bottom} > ${boxes.svg.bottom}`,
        );
      }
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `accuracy axes label close accuracies with as many ticks as different labels${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Compressed models and fine-tuning runs often differ by tenths of a point or less. A fixed
    // ".0%" (training) or ".1~%" (trade-offs) tick format labelled ticks 0.1 or 0.05 points apart
    // "96%", "96%", "97%", "97%": an axis that names two heights alike says nothing.
    const history = [1, 2, 3, 4, 5, 6].map((epoch) => ({
      epoch,
      trainLoss: 0.1 / epoch,
      trainAccuracy: 0.962 + 0.001 * epoch,
      objective: 0.1 / epoch,
      validationLoss: 0.12 / epoch,
      validationAccuracy: 0.96 + 0.0012 * epoch,
      seconds: epoch,
    }));
    const close = [0.9731, 0.9724, 0.9712];
    const narrow: Figure[] = [
      trainingFigure(history),
      sparsityFigure(close.map((accuracy, i) => ({ strategy: "m", sparsity: i / 4, accuracy }))),
      bitWidthFigure(close.map((accuracy, i) => ({ method: "a", bits: 8 >> i, accuracy }))),
      paretoFigure(close.map((accuracy, i) => ({ bytes: 1000 >> i, accuracy }))),
    ];
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-ticks-" });
    try {
      const path = `${dir}/ticks.html`;
      await writeFiguresHtml(path, narrow.map((figure) => ({ figure })), { title: "ticks" });
      const page = await browser.newPage();
      await restrictNetwork(page, OFFLINE);
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
        narrow.length,
        { timeout: 60_000 },
      );
      // The training figure's accuracy panel is its second y axis; the others have one.
      const ticks = await page.$$eval(
        ".lrc-plotly",
        (divs) =>
          divs.map((d, i) =>
            [...d.querySelectorAll(i === 0 ? ".y2tick text" : ".ytick text")].map((t) =>
              t.textContent ?? ""
            )
          ),
      );
      ticks.forEach((labels, i) => {
        assert.ok(labels.length >= 3, `figure ${i}: ${labels.length} accuracy ticks`);
        assert.equal(new Set(labels).size, labels.length, `figure ${i}: ${labels.join(", ")}`);
        // Still percentages, which is what the values are shown as everywhere.
        for (const l of labels) assert.match(l, /^\d+(\.\d+)?%$/, `figure ${i}: ${l}`);
      });
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `hover text shows an axis title or value name holding %{...} as written${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // plotly substitutes %{...} in a hover template: the x axis title "step %{y}" put into the
    // training curves' hover showed the point's y after "step".
    const figures: Figure[] = [
      trainingFigure(history, { xTitle: "step %{y} (L-BFGS)", panels: "loss" }),
      bitWidthFigure([{ method: "m", bits: 4, accuracy: 0.5 }], { valueName: "100%{x} acc" }),
    ];
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-hover-" });
    try {
      const path = `${dir}/hover.html`;
      await writeFiguresHtml(path, figures.map((figure) => ({ figure })), { title: "hover" });
      const page = await browser.newPage();
      await restrictNetwork(page, OFFLINE);
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
        figures.length,
        { timeout: 60_000 },
      );
      const hovers: string[] = [];
      for (const [i, point] of [[0, 1], [1, 0]]) {
        hovers.push(
          await page.evaluate(
            ([i, point]) => {
              const div = document.querySelectorAll(".lrc-plotly")[i] as HTMLElement;
              // deno-lint-ignore no-explicit-any
              (globalThis as any).Plotly.Fx.hover(div, [{ curveNumber: 0, pointNumber: point }]);
              return div.querySelector(".hoverlayer .hovertext")?.textContent ?? "";
            },
            [i, point],
          ),
        );
      }
      // Epoch 2 of the training loss (1 / 2), and the bit width's accuracy (4 bits, 50 %).
      assert.match(hovers[0], /step %\{y\} 2.*loss 0\.5000 nats/);
      assert.match(hovers[1], /4 bits.*100%\{x\} acc 50\.00%/);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `the threshold figure draws its curves and the chosen threshold's line, named in the ` +
    `legend, with no network${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const scores = [-3, -2, -1.2, -0.5, 0.2, 0.4, 1, 1.8, 2.5, 3];
    const y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1];
    const chosen = chooseThreshold(scores, y, { recall: 0.8 });
    const figure = thresholdFigure(thresholdCurve(scores, y), {
      markers: [{ name: "recall >= 80 %", threshold: chosen.threshold }],
    });
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-threshold-" });
    try {
      const path = `${dir}/threshold.html`;
      await writeFiguresHtml(path, [{ figure }], { title: "threshold" });
      const page = await browser.newPage();
      const blocked = await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForSelector(".lrc-plotly .main-svg", { timeout: 60_000 });
      const drawn = await page.$eval(".lrc-plotly", (d) => ({
        legend: [...d.querySelectorAll(".legendtext")].map((t) => t.textContent),
        // One drawn line per trace: the two measures and the marker.
        lines: d.querySelectorAll(".scatterlayer .trace .js-line").length,
        yTicks: [...d.querySelectorAll(".ytick text")].map((t) => t.textContent ?? ""),
      }));
      assert.deepEqual(drawn.legend, ["precision", "recall", "recall >= 80 %"]);
      assert.equal(drawn.lines, 3);
      assert.ok(drawn.yTicks.length >= 3, drawn.yTicks.join(", "));
      for (const l of drawn.yTicks) assert.match(l, /^\d+(\.\d+)?%$/);
      // The marker's line stands at the chosen threshold: its two ends share one x pixel.
      const ends = await page.$eval(".lrc-plotly", (d) => {
        const path = d.querySelectorAll(".scatterlayer .trace")[2].querySelector(".js-line")!;
        return (path.getAttribute("d") ?? "").match(/-?\d+(\.\d+)?/g)!.map(Number);
      });
      assert.equal(ends.length, 4, String(ends));
      assert.ok(Math.abs(ends[0] - ends[2]) < 1e-6, String(ends));
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
