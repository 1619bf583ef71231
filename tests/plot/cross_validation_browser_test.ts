/// <reference lib="dom" />
import assert from "node:assert/strict";
import {
  browserUnavailable,
  launchChromium,
  OFFLINE,
  PAGE_LOAD_TIMEOUT,
  restrictNetwork,
} from "../_helpers/browser.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { crossValidationFigure } from "../../lib/plot/cross_validation.ts";
import { writeFiguresHtml } from "../../lib/plot/html.ts";
import { crossValidateLambda } from "../../lib/select/cross_validate.ts";

const unavailable = browserUnavailable();
const skip = unavailable ? ` (skipped: ${unavailable})` : "";

Deno.test({
  name:
    `the cross-validation figure draws its band, mean line, chosen lambda and limit on a log axis, with no network${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const wine = await loadEmbedded("wine");
    const cv = crossValidateLambda(wine.x, wine.y, {
      lambdas: [1, 0.1, 0.01, 0.001],
      k: 3,
      rule: "one-standard-error",
      refit: false,
    });
    const figure = crossValidationFigure(cv);
    const dir = await Deno.makeTempDir({ prefix: "lrc-cv-" });
    const browser = await launchChromium();
    try {
      const path = `${dir}/cv.html`;
      await writeFiguresHtml(path, [{ figure }], { title: "cross-validation" });
      const page = await browser.newPage();
      const blocked = await restrictNetwork(page, OFFLINE);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForSelector(".lrc-plotly .main-svg", { timeout: 60_000 });
      const drawn = await page.$eval(".lrc-plotly", (d) => ({
        legend: [...d.querySelectorAll(".legendtext")].map((t) => t.textContent),
        traces: d.querySelectorAll(".scatterlayer .trace").length,
        fills: d.querySelectorAll(".scatterlayer .trace .js-fill").length,
        xTicks: [...d.querySelectorAll(".xtick text")].map((t) => t.textContent ?? ""),
      }));
      assert.deepEqual(drawn.legend, figure.data.map((t) => t.name));
      assert.equal(drawn.traces, 4);
      assert.equal(drawn.fills, 1);
      // One tick a decade from 0.001 to 1 on the log axis, in exponent form (plotly's minus).
      assert.deepEqual(drawn.xTicks, ["1e−3", "1e−2", "1e−1", "1e+0"]);
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
