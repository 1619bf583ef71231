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
  type Figure,
  paretoFigure,
  sizeBreakdownFigure,
  sparsityFigure,
  thresholdFigure,
  trainingComparisonFigure,
  trainingFigure,
  writeFiguresHtml,
} from "../../lib/plot/mod.ts";
import { thresholdCurve } from "../../lib/metrics/threshold.ts";

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
const groups = [
  "other candidates",
  'chosen by the "balanced-accuracy" search',
  'chosen by the "roc-auc" search',
  'chosen by the "accuracy" search',
];
const sparsityPoints = (strategies: string[]) =>
  strategies.flatMap((strategy) =>
    [true, false].flatMap((fineTuned) =>
      [0.5, 0.8, 0.9].map((sparsity) => ({
        strategy,
        sparsity,
        fineTuned,
        accuracy: 0.9 - sparsity / (fineTuned ? 10 : 3),
      }))
    )
  );
const scores = [-3, -2, -1.2, -0.5, 0.2, 0.4, 1, 1.8, 2.5, 3];
const labels = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1];
const parts = [
  "header",
  "indices",
  "weights",
  "codes",
  "scales",
  "bias",
  "labels",
  "names",
  "preprocessing",
  "checksum",
];

/** Figures with two to eleven legend entries, as the notebooks draw them. */
const figures: Figure[] = [
  trainingFigure(history),
  trainingComparisonFigure(
    ["SGD", "SGD + momentum", "Adam", "L-BFGS"].map((name) => ({ name, history })),
    { height: 460 },
  ),
  paretoFigure(
    groups.map((group, i) => ({
      bytes: 100 + 40 * i,
      accuracy: 0.9 + 0.01 * i,
      name: group,
      group,
    })),
    { baseline: 0.91, baselineName: 'target of the "accuracy" search' },
  ),
  sparsityFigure(sparsityPoints(["magnitude, single weights", "magnitude, whole features"]), {
    baseline: 0.9,
  }),
  sparsityFigure(sparsityPoints(["magnitude", "taylor", "obd", "l1", "random"]), {
    baseline: 0.9,
    height: 520,
  }),
  bitWidthFigure(
    [
      "uniform symmetric (per class), PTQ",
      "k-means (per tensor), PTQ",
      "uniform symmetric (per class), QAT",
      "k-means (per tensor), QAT",
    ].flatMap((method, i) =>
      [2, 4].map((bits) => ({ method, bits, accuracy: 0.8 + 0.01 * i + 0.01 * bits }))
    ),
    { baseline: 0.86 },
  ),
  thresholdFigure(thresholdCurve(scores, labels), {
    markers: [
      { name: "the default", threshold: 0.5 },
      { name: "recall >= 95 %", threshold: 0.1 },
      { name: "highest F1", threshold: 0.7 },
    ],
  }),
  sizeBreakdownFigure(
    ["dense.lrc", "int8.lrc", "pruned90_int4.lrc", "dense_float32.lrc"].map((name, i) => ({
      name,
      parts: Object.fromEntries(parts.map((p, j) => [p, 10 + 100 * i + j])),
    })),
    { baseline: 2000 },
  ),
];

Deno.test({
  name: `a legend below the plot is drawn below the x-axis title, not over it${skip}`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // With the legend at a fixed fraction of the plot's height below it (y -0.2), a legend of
    // two or more rows pushed the bottom margin, the plot grew shorter, and the legend's first
    // row rose onto the x-axis title (by up to 5 pixels in the notebooks' figures).
    // The browser first: a launch that fails leaves no folder behind.
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "lrc-legend-" });
    try {
      const path = `${dir}/legends.html`;
      await writeFiguresHtml(path, figures.map((figure) => ({ figure })), { title: "legends" });
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      await restrictNetwork(page, OFFLINE);
      await page.goto(`file://${path}`, { timeout: PAGE_LOAD_TIMEOUT });
      await page.waitForFunction(
        (n) => document.querySelectorAll(".lrc-plotly .legendtext").length >= n,
        figures.reduce((n, f) => n + f.data.filter((t) => t.showlegend !== false).length, 0),
        { timeout: 60_000 },
      );
      const drawn = await page.$$eval(".lrc-plotly", (divs) =>
        divs.map((d) => {
          const titles = [...d.querySelectorAll(".infolayer text")]
            .filter((t) => /^x\d*title$/.test(t.getAttribute("class") ?? ""))
            .map((t) => t.getBoundingClientRect());
          const svg = d.querySelector(".main-svg")!.getBoundingClientRect();
          const entries = [...d.querySelectorAll(".legendtext")].map((t) => {
            const r = t.getBoundingClientRect();
            return { text: t.textContent ?? "", top: r.top, bottom: r.bottom };
          });
          return {
            titlesBottom: Math.max(...titles.map((r) => r.bottom)),
            titles: titles.length,
            svgBottom: svg.bottom,
            entries,
          };
        }));
      assert.equal(drawn.length, figures.length);
      drawn.forEach((f, i) => {
        assert.ok(f.titles >= 1, `figure ${i}: no x-axis title`);
        assert.ok(f.entries.length >= 2, `figure ${i}: ${f.entries.length} legend entries`);
        for (const e of f.entries) {
          assert.ok(
            e.top >= f.titlesBottom,
            `figure ${i}: legend entry "${e.text}" starts at ${e.top}, above the x-axis ` +
              `title's bottom ${f.titlesBottom}`,
          );
          assert.ok(e.bottom <= f.svgBottom + 0.5, `figure ${i}: "${e.text}" cut off`);
        }
      });
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
