/// <reference lib="dom" />
import assert from "node:assert/strict";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { pointsText } from "../../lib/cli/format.ts";
import {
  browserUnavailable,
  launchChromium,
  OFFLINE,
  PAGE_LOAD_TIMEOUT,
  restrictNetwork,
} from "../_helpers/browser.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { predict } from "../../lib/model/predict.ts";
import { timestampModel } from "./_timestamps.ts";

const FAST = ["--max-iterations", "100", "--fine-tune-steps", "30"];

/** The headings of the report's sections, in order. */
function headings(html: string): string[] {
  return [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
}

/** The number of figures in the report. */
function figureCount(html: string): number {
  return [...html.matchAll(/<div id="figure-\d+" class="lrc-plotly"/g)].length;
}

/** A figure of the report as plotly draws it. */
interface PlotlyFigure {
  data: {
    type?: string;
    mode?: string;
    name?: string;
    x?: unknown[];
    y?: unknown[];
    z?: number[][];
    text?: unknown[];
    header?: { values: string[] };
    cells?: { values: string[][] };
  }[];
  layout: Record<string, unknown>;
}

/** The report's figures by their section's heading, read from the page's drawing scripts. */
function figuresOf(html: string): Map<string, PlotlyFigure> {
  const figures = new Map<string, PlotlyFigure>();
  for (const m of html.matchAll(/<h2>([^<]*)<\/h2>[\s\S]*?\n {2}var spec = (.*);\n/g)) {
    figures.set(m[1].replaceAll("&#39;", "'"), JSON.parse(m[2]));
  }
  return figures;
}

/**
 * The points of a figure's traces drawn in `mode` (the models of a Pareto chart are "markers",
 * its front "lines+markers"; the sparsity and bit-width curves "lines+markers"), each with its
 * trace's name.
 */
function markers(figure: PlotlyFigure, mode = "markers") {
  return figure.data.filter((t) => t.mode === mode).flatMap((t) =>
    t.x!.map((x, i) => ({ group: t.name!, x, y: t.y![i], text: t.text?.[i] }))
  );
}

Deno.test("lrc compress prints the stage table and writes the model file and the report", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "compress",
      ...FAST,
      "--out",
      `${dir}/m.lrc`,
      "--report",
      `${dir}/r.html`,
      "--onnx",
      `${dir}/m.onnx`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^data {6}digits \(embedded\): \d+ train \/ \d+ validation \/ \d+ test/);
    assert.match(r.stdout, /\nstage +validation +test +test log loss +non-zeros +bits +bytes/);
    for (const stage of ["dense", "pruned", "fine-tuned", "quantized"]) {
      assert.match(r.stdout, new RegExp(`\\n${stage} +\\d+\\.\\d\\d %`));
    }
    const bytes = (await Deno.readFile(`${dir}/m.lrc`)).length;
    assert.match(r.stdout, new RegExp(`wrote {5}${dir}/m.lrc \\(${bytes} bytes\\)`));
    const model = await loadModel(`${dir}/m.lrc`);
    assert.equal(model.kind, "quantized-logistic-regression");
    assert.ok((await Deno.stat(`${dir}/m.onnx`)).size > 1000);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.deepEqual(headings(html), [
      "Stages",
      "Accuracy against file size, stage by stage",
      "The compressed model on the test data",
      "Weights before and after quantization",
      "Pruning mask",
    ]);
    assert.equal(figureCount(html), 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --json gives one object whose last stage is the written file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "compress",
      ...FAST,
      "--sparsity",
      "0.7",
      "--method",
      "kmeans",
      "--bits",
      "3",
      "--training",
      "ptq",
      "--out",
      `${dir}/m.lrc`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const report = JSON.parse(r.stdout);
    assert.equal(report.command, "compress");
    assert.equal(report.mode, "pipeline");
    const last = report.stages.at(-1);
    assert.equal(last.stage, "quantized");
    assert.equal(last.bits, 3);
    assert.equal(last.bytes, (await Deno.readFile(`${dir}/m.lrc`)).length);
    assert.equal(last.ratio, 2600 / last.bytes);
    assert.ok(last.nonZeros <= 192);
    assert.equal(report.dense.weights, 640);
    // The dense model's time is its training's, as in the stage table.
    assert.ok(report.dense.seconds > 0);
    assert.equal(report.dense.seconds, report.stages[0].seconds);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --budget writes the smallest model within the budget", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "compress",
      ...FAST,
      "--budget",
      "1.5",
      "--sparsity",
      "0,0.5,0.8",
      "--bits",
      "2,3,4",
      "--out",
      `${dir}/m.lrc`,
      "--report",
      `${dir}/r.html`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const { budget } = report;
    assert.equal(budget.maxDrop, 0.015);
    assert.ok(budget.chosen.validation.accuracy >= budget.target - 1e-12);
    for (const t of budget.tried) if (t.feasible) assert.ok(t.bytes >= budget.chosen.bytes);
    // The loop above trusts each model's feasible flag: with only the chosen model flagged it
    // checked nothing (found by mutating lib/compress/search.ts). Without a margin the flag is the
    // definition, validation accuracy >= the dense model's less --budget 1.5 %, and the chosen
    // file is the smallest of those.
    type Tried = {
      name: string;
      bytes: number;
      feasible: boolean;
      validation: { accuracy: number };
    };
    const tried: Tried[] = budget.tried;
    assert.equal(budget.standardErrors, 0);
    const dense = tried.find((t) => t.name === "dense, float32")!;
    assertClose(budget.target, dense.validation.accuracy - 0.015, { atol: 1e-12 });
    const within = tried.filter((t) => t.validation.accuracy >= budget.target - 1e-12);
    assert.ok(within.length >= 2, `${within.length} models within the budget`);
    for (const t of tried) assert.equal(t.feasible, within.includes(t), t.name);
    assert.equal(budget.chosen.bytes, Math.min(...within.map((t) => t.bytes)));
    assert.equal(budget.chosen.bytes, (await Deno.readFile(`${dir}/m.lrc`)).length);
    // The paired comparison with the dense model agrees with the two reports' accuracies, and
    // its standard error is the closed form of the disagreement counts.
    for (
      const [d, split] of [[budget.validationDifference, "validation"], [
        budget.testDifference,
        "test",
      ]] as const
    ) {
      assert.ok(Math.abs(d.candidateAccuracy - budget.chosen[split].accuracy) < 1e-12, split);
      assert.ok(Math.abs(d.baselineAccuracy - report.dense[split].accuracy) < 1e-12, split);
      const { samples: n, onlyBaseline: b, onlyCandidate: c } = d;
      assert.equal(n, budget.chosen[split].samples);
      assert.ok(Math.abs(d.difference - (c - b) / n) < 1e-12);
      assert.ok(Math.abs(d.standardError - Math.sqrt(b + c - (c - b) ** 2 / n) / n) < 1e-12);
    }
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(headings(html).includes("Budgeted search"));
    // The search's chart holds every model tried, at its file size and test accuracy, in the
    // group its validation accuracy puts it in against the target (dense less 1.5 points).
    const points = markers(figuresOf(html).get("Budgeted search")!);
    assert.equal(points.length, tried.length);
    for (const t of tried as (Tried & { test: { accuracy: number } })[]) {
      const at = points.filter((p) => p.text === t.name);
      assert.equal(at.length, 1, t.name);
      assert.equal(at[0].x, t.bytes, t.name);
      assert.equal(at[0].y, t.test.accuracy, t.name);
      const within = t.validation.accuracy >= dense.validation.accuracy - 0.015 - 1e-12;
      assert.equal(
        at[0].group,
        within ? "within budget (validation)" : "below target (validation)",
        t.name,
      );
    }
    assert.ok(
      html.includes(
        `sample by sample: validation ${pointsText(budget.validationDifference)}, test ${
          pointsText(budget.testDifference)
        } (paired standard errors`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --budget prints the chosen model's paired difference, and says when the validation set cannot resolve the budget", async () => {
  const notes = new Set<boolean>(), oneSample = new Set<boolean>();
  for (
    const [dataset, budget] of [["breast-cancer", 0.1], ["digits", 0.5]] as const
  ) {
    const r = await runCli([
      "compress",
      ...FAST,
      "--dataset",
      dataset,
      "--budget",
      String(budget),
      "--sparsity",
      "0,0.5,0.9",
      "--method",
      "uniform",
      "--bits",
      "1,2,4",
      "--training",
      "ptq",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const samples = /\(([\d,]+) validation samples: each is ([\d.]+) points\)/.exec(r.stdout);
    assert.ok(samples, r.stdout);
    const n = Number(samples[1].replace(",", ""));
    assert.ok(n > 0 && Math.abs(Number(samples[2]) - 100 / n) < 0.005, r.stdout);
    const line = (split: string) =>
      new RegExp(
        `^ {10}${split} +([+-]\\d+\\.\\d+) ± (\\d+\\.\\d+) points against dense \\(paired ` +
          `standard error; (\\d+) samples? only dense gets right, (\\d+) only this model\\)$`,
        "m",
      ).exec(r.stdout);
    const v = line("validation");
    assert.ok(v && line("test"), r.stdout);
    // The printed difference is the disagreement counts' balance over the validation samples.
    const [b, c] = [Number(v[3]), Number(v[4])];
    assert.ok(Math.abs(Number(v[1]) - (100 * (c - b)) / n) < 0.006, v[0]);
    const se = Number(v[2]);
    assert.ok(Math.abs(se - (100 * Math.sqrt(b + c - (c - b) ** 2 / n)) / n) < 0.006, v[0]);
    // The note appears exactly when the budget is below two standard errors.
    const note = /^note {6}the budget is below two paired standard errors/m.test(r.stdout);
    assert.equal(note, budget < 2 * se, r.stdout);
    notes.add(note);
    // And a budget below one validation sample says so.
    const below = /^note {6}the budget is less than one validation sample/m.test(r.stdout);
    assert.equal(below, (budget * n) / 100 < 1, r.stdout);
    oneSample.add(below);
  }
  assert.equal(notes.size, 2, "the two runs cover the note's presence and its absence");
  assert.equal(oneSample.size, 2, "and the one-sample note's");
});

Deno.test("lrc compress --sweep prints the Pareto front and reports every chart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "compress",
      ...FAST,
      "--sweep",
      "--sparsity",
      "0,0.6",
      "--method",
      "uniform,affine",
      "--bits",
      "2,4",
      "--training",
      "ptq",
      "--report",
      `${dir}/r.html`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sweep {5}10 models, 1 pruning level, 0 skipped/);
    assert.match(
      r.stdout,
      /Pareto front \(validation accuracy against file bytes\):\nvalidation +test/,
    );
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.deepEqual(headings(html), [
      "Sweep: accuracy against file size",
      "Sweep: accuracy against sparsity (float32, fine-tuned)",
      "Sweep: accuracy against bit width (unpruned model)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress reads the user's CSV", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cancer = await loadEmbedded("breast-cancer");
    const header = [...cancer.featureNames.map((n) => n.replace(/ /g, "_")), "diagnosis"];
    const lines = [header.join(",")];
    for (let i = 0; i < cancer.x.rows; i++) {
      const row = Array.from(cancer.x.data.subarray(i * 30, (i + 1) * 30));
      lines.push([...row, cancer.classes[cancer.y[i]]].join(","));
    }
    await Deno.writeTextFile(`${dir}/cancer.csv`, lines.join("\n") + "\n");
    const r = await runCli([
      "compress",
      ...FAST,
      "--data",
      `${dir}/cancer.csv`,
      "--label",
      "diagnosis",
      "--out",
      `${dir}/m.lrc`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.data.features, 30);
    const model = asFloatModel(await loadModel(`${dir}/m.lrc`));
    assert.deepEqual(model.classes, ["benign", "malignant"]);
    assert.equal(model.featureNames[0], "mean_radius");
    assert.ok(report.stages.at(-1).test.accuracy > 0.9);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad options of lrc compress end with a one-line error", async () => {
  const usage: string[][] = [
    ["--sweep", "--budget", "1"],
    ["--bits", "4,2"],
    ["--out", "model.txt"],
    ["--sweep", "--out", "m.lrc"],
    ["--method", "zip"],
    ["--sparsity", "1.5"],
    ["--budget", "lots"],
    ["--bits", "4,,2", "--sweep"],
    ["--report", "r.pdf"],
    ["--method", "log2", "--bits", "12"],
    ["--sweep", "--bits", "0x4"],
    ["--budget", "0x1"],
    // Options that change nothing in the space are refused, as in the pipeline.
    ["--sweep", "--method", "float16", "--bits", "2"],
    ["--budget", "1", "--method", "float16", "--granularity", "feature"],
    ["--sweep", "--sparsity", "0", "--strategy", "taylor"],
    ["--budget", "1", "--sparsity", "0", "--structure", "features"],
    // Two sparsities of the same name would be one pruning level.
    ["--sweep", "--sparsity", "0.5,0.5000001"],
  ];
  for (const args of usage) {
    const r = await runCli(["compress", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^lrc compress: Cannot parse arguments of 'compress': .+\n$/,
      args.join(" "),
    );
    assert.equal(r.stdout, "");
  }
  const missing = await runCli(["compress", "--data", "/nonexistent/file.csv"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^lrc compress: Cannot read .*\n$/);
});

const unavailable = browserUnavailable();

Deno.test({
  name: `the compress report draws every chart in Chromium with no network${
    unavailable ? ` (skipped: ${unavailable})` : ""
  }`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // The browser first: a launch that fails leaves no folder behind.
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir();
    try {
      // Both searches: their sections differ (the size budget's groups are fits / too large).
      for (const mode of [["--budget", "2"], ["--max-bytes", "400"]]) {
        const r = await runCli([
          "compress",
          ...FAST,
          ...mode,
          "--sparsity",
          "0,0.5",
          "--bits",
          "2,4",
          "--report",
          `${dir}/r.html`,
          "--quiet",
        ]);
        assert.equal(r.code, 0, r.stderr);
        const html = await Deno.readTextFile(`${dir}/r.html`);
        const figures = figureCount(html);
        assert.ok(figures >= 5);
        const page = await browser.newPage();
        const blocked = await restrictNetwork(page, OFFLINE);
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(`file://${dir}/r.html`, { timeout: PAGE_LOAD_TIMEOUT });
        await page.waitForFunction(
          (n) => document.querySelectorAll(".lrc-plotly .main-svg").length >= n,
          figures,
          { timeout: 60_000 },
        );
        const drawn = await page.$$eval(
          ".lrc-plotly",
          (divs) => divs.map((d) => d.querySelectorAll(".main-svg").length > 0),
        );
        assert.deepEqual(drawn, new Array(figures).fill(true));
        // The stage table (the first figure) shows every row: its last, the chosen model, was
        // cut off when wrapped cells made the rows taller than the figure allowed.
        const { bottom, cells } = await page.$eval(".lrc-plotly", (fig) => ({
          bottom: fig.querySelector(".main-svg")!.getBoundingClientRect().bottom,
          cells: [...fig.querySelectorAll(".cell-text")].map((c) =>
            c.getBoundingClientRect().bottom
          ),
        }));
        assert.ok(cells.length >= 9 * 2, `${cells.length} cells`);
        for (const cell of cells) {
          assert.ok(cell <= bottom - 10, `a cell ends at ${cell}, below ${bottom}`);
        }
        assert.deepEqual(blocked, []);
        assert.deepEqual(errors, []);
        await page.close();
      }
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("lrc compress --sweep prints the Pareto front's rows, with their test metrics", async () => {
  const args = [
    ...["compress", "--sweep", "--sparsity", "0,0.5", "--method", "uniform", "--bits", "2,4,8"],
    ...["--training", "ptq", "--max-iterations", "30", "--quiet"],
  ];
  const text = await runCli(args), json = await runCli([...args, "--json"]);
  assert.equal(text.code, 0, text.stderr);
  const sweep = JSON.parse(json.stdout).sweep;
  const front = sweep.front.map((i: number) => sweep.rows[i]);
  // The table after the "Pareto front" heading: one line per front model, in the JSON's order.
  const lines = text.stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Pareto front")) + 3;
  const table = lines.slice(start, start + front.length + 1).filter((l) => /^\s+\d/.test(l));
  assert.equal(table.length, front.length, text.stdout);
  table.forEach((line, i) => {
    const cells = line.trim().split(/\s{2,}/);
    const r = front[i];
    assert.equal(cells[0], `${(100 * r.validation.accuracy).toFixed(2)} %`);
    assert.equal(cells[1], `${(100 * r.test.accuracy).toFixed(2)} %`);
    assert.equal(cells[2], r.test.logLoss.toFixed(4));
    assert.equal(cells[3], r.bytes.toLocaleString("en-US"));
    assert.equal(cells.at(-1), r.name);
  });
  assert.ok(sweep.rows.length > front.length, "the front is a subset");
});

Deno.test("lrc compress --budget prints how many models it evaluated, kept within budget and skipped", async () => {
  const args = [
    ...["compress", "--budget", "1", "--sparsity", "0,0.5,0.9", "--method", "uniform"],
    ...["--bits", "2,4", "--training", "ptq", "--max-iterations", "30", "--quiet"],
  ];
  const text = await runCli(args), json = await runCli([...args, "--json"]);
  assert.equal(text.code, 0, text.stderr);
  const budget = JSON.parse(json.stdout).budget;
  const feasible = budget.tried.filter((t: { feasible: boolean }) => t.feasible).length;
  const line = text.stdout.split("\n").find((l) => l.startsWith("search"))!;
  const m = /(\d+) models evaluated \((\d+) within budget\), (\d+) skipped/.exec(line);
  assert.ok(m, line);
  assert.deepEqual(m.slice(1, 4).map(Number), [
    budget.tried.length,
    feasible,
    budget.skipped.length,
  ]);
  assert.ok(feasible < budget.tried.length, "some models miss the budget");
});

Deno.test("lrc compress --budget prints the Pareto front of every model it tried, within the budget or not", async () => {
  // The printed front was not checked: all the models tried, or only those within the budget,
  // passed every test (mutation audit).
  const args = [
    ...["compress", "--budget", "1", "--sparsity", "0,0.5,0.9", "--method", "uniform"],
    ...["--bits", "2,4", "--training", "ptq", "--max-iterations", "30", "--quiet"],
  ];
  const text = await runCli(args), json = await runCli([...args, "--json"]);
  assert.equal(text.code, 0, text.stderr);
  type Tried = { name: string; bytes: number; feasible: boolean; validation: { accuracy: number } };
  const tried: Tried[] = JSON.parse(json.stdout).budget.tried;
  // Oracle: the definition, pair by pair. A model is on the front unless another is no larger
  // and no less accurate on validation, and strictly one of the two; by increasing bytes.
  const dominated = (a: Tried) =>
    tried.some((b) =>
      b.bytes <= a.bytes && b.validation.accuracy >= a.validation.accuracy &&
      (b.bytes < a.bytes || b.validation.accuracy > a.validation.accuracy)
    );
  const front = tried.filter((t) => !dominated(t)).sort((a, b) => a.bytes - b.bytes);
  assert.ok(front.length < tried.length, "some models tried are dominated");
  assert.ok(front.some((t) => !t.feasible), "the front holds a model outside the budget");
  assert.ok(front.some((t) => t.feasible), "the front holds a model within the budget");
  const lines = text.stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith("tried, Pareto front"));
  assert.ok(start >= 0, text.stdout);
  // The heading, the column titles and the rule, then one line per model up to a blank line.
  const end = lines.indexOf("", start);
  const rows = lines.slice(start + 3, end === -1 ? undefined : end);
  assert.deepEqual(
    rows.map((l) => l.trim().split(/\s{2,}/)).map((c) => [c[0], c[3], c.at(-1)]),
    front.map((t) => [
      `${(100 * t.validation.accuracy).toFixed(2)} %`,
      t.bytes.toLocaleString("en-US"),
      t.name,
    ]),
  );
});

Deno.test("lrc compress --budget above the dense accuracy says at least 0 %, not a negative accuracy", async () => {
  // --budget 99.99 said "at least -2.59 %" (dense 97.40 % less 99.99 points), an accuracy no
  // model can have, in the output and the report.
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", "--budget", "99.99", "--sparsity", "0", "--method", "uniform", "--bits"],
      ...["2", "--training", "ptq", "--max-iterations", "30", "--quiet"],
      ...["--report", `${dir}/r.html`],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const dense = Number(/^dense .*: validation (\d+\.\d\d) %/m.exec(r.stdout)![1]);
    assert.ok(dense < 99.99, `${dense}`);
    assert.match(
      r.stdout,
      /^budget {4}within 99\.99 points of the dense validation accuracy: at least 0\.00 % \(/m,
    );
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(
      html.includes(
        `Target: validation accuracy at least 0.00 % (dense ${
          dense.toFixed(2)
        } % minus 99.99 points)`,
      ),
      html.match(/Target: [^<]*/)?.[0],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress says how many times smaller or larger than float32 each stage's file is", async () => {
  // Breast-cancer's 31 float32 parameters take 124 bytes; its files, with 30 feature names, are
  // larger, so the column reads "x larger" with file / float32.
  const dir = await Deno.makeTempDir();
  try {
    const args = ["compress", "--dataset", "breast-cancer", "--max-iterations", "30", "--quiet"];
    const report = `${dir}/r.html`;
    const text = await runCli([...args, "--report", report]);
    const json = await runCli([...args, "--json"]);
    assert.equal(text.code, 0, text.stderr);
    const stages = JSON.parse(json.stdout).stages;
    // The HTML report's stage table says the same (it printed "0.21 x" under "smaller than
    // float32" for a file 4.7 times larger).
    const html = await Deno.readTextFile(report);
    assert.ok(!html.includes("smaller than float32"));
    const float32 = 4 * (30 + 1);
    for (const stage of stages) {
      const row = new RegExp(`^${stage.stage} +\\d+\\.\\d+ %`);
      const line = text.stdout.split("\n").find((l) => row.test(l))!;
      const ratio = stage.bytes / float32;
      const want = ratio > 1
        ? `${ratio.toFixed(2)} x larger`
        : `${(float32 / stage.bytes).toFixed(2)} x smaller`;
      assert.ok(line.includes(want), `${line} lacks ${want}`);
      assert.ok(html.includes(`"${want}"`), `the report lacks ${want}`);
    }
    assert.ok(stages.some((s: { bytes: number }) => s.bytes > float32));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --sweep lists a ruled-out combination once, and takes --bits when one method uses it", async () => {
  const args = [
    ...["compress", "--dataset", "breast-cancer", "--sweep", "--sparsity", "0"],
    ...["--method", "uniform,log2,float16", "--bits", "1", "--granularity", "tensor,class"],
    ...["--training", "ptq", "--max-iterations", "30", "--quiet"],
  ];
  const text = await runCli(args), json = await runCli([...args, "--json"]);
  assert.equal(text.code, 0, text.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(report.sweep.skipped.map((s: { name: string }) => s.name), ["log2 1-bit"]);
  assert.match(text.stdout, /\nsweep {5}4 models, 0 pruning levels, 1 skipped, /);
  // The dense row's time is the dense model's training.
  const dense = report.sweep.rows.find((r: { name: string }) => r.name === "dense, float32");
  assert.ok(report.dense.seconds > 0);
  assert.equal(dense.seconds, report.dense.seconds);
});

/** The confusion matrix of a model file on breast-cancer's test split (rows: true classes). */
async function testConfusion(file: string): Promise<number[][]> {
  const data = await loadEmbedded("breast-cancer");
  const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed: 0 });
  const predicted = predict(asFloatModel(await loadModel(file)), split.xTest);
  const confusion = data.classes.map(() => data.classes.map(() => 0));
  split.yTest.forEach((t, i) => confusion[t][predicted[i]]++);
  return confusion;
}

Deno.test("the compress report's charts hold the run's stages and its model's test confusion", async () => {
  // Its sections were checked by heading only: a stage chart without a stage, or a confusion
  // matrix of another model, passed.
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", "--dataset", "breast-cancer", ...FAST, "--out", `${dir}/m.lrc`],
      ...["--report", `${dir}/r.html`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    type Stage = {
      stage: string;
      name: string;
      bytes: number;
      validation: { accuracy: number; rocAuc: number };
      test: { accuracy: number; rocAuc: number };
    };
    const stages: Stage[] = JSON.parse(r.stdout).stages;
    assert.deepEqual(stages.map((s) => s.stage), ["dense", "pruned", "fine-tuned", "quantized"]);
    const figures = figuresOf(await Deno.readTextFile(`${dir}/r.html`));
    // One point per stage, named by it, at its file's size and test accuracy.
    assert.deepEqual(
      markers(figures.get("Accuracy against file size, stage by stage")!),
      stages.map((s) => ({
        group: s.stage,
        x: s.bytes,
        y: s.test.accuracy,
        text: `${s.stage}: ${s.name}`,
      })),
    );
    // The stage table's rows are the stages.
    const table = figures.get("Stages")!.data[0];
    const columns = table.cells!.values;
    assert.deepEqual(columns[0], stages.map((s) => s.stage));
    // The validation column showing test accuracy passed (mutation audit).
    assert.deepEqual(
      columns[1],
      stages.map((s) => `${(100 * s.validation.accuracy).toFixed(2)} %`),
    );
    assert.notDeepEqual(columns[1], columns[2]);
    assert.deepEqual(
      columns[2],
      stages.map((s) => `${(100 * s.test.accuracy).toFixed(2)} %`),
    );
    // Two classes: the validation and test ROC AUC after the accuracies.
    assert.deepEqual(table.header!.values.slice(3, 5), ["validation ROC AUC", "test ROC AUC"]);
    assert.deepEqual(columns[3], stages.map((s) => s.validation.rocAuc.toFixed(4)));
    assert.deepEqual(columns[4], stages.map((s) => s.test.rocAuc.toFixed(4)));
    assert.deepEqual(columns[7], stages.map((s) => s.bytes.toLocaleString("en-US")));
    assert.deepEqual(columns.at(-1), stages.map((s) => s.name));
    // The confusion matrix is the written model's on the test split, counted here.
    const confusion = figures.get("The compressed model on the test data")!.data[0].z;
    assert.deepEqual(confusion, await testConfusion(`${dir}/m.lrc`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --refit --json names its outputs, and the report's refit table is the file written", async () => {
  // The JSON's savedTo, onnx, onnxBytes and report were not checked, nor the report's table of
  // the refit: the search's stages in its place passed every test (mutation audit).
  const dir = await Deno.makeTempDir();
  try {
    const [out, onnx, report] = [`${dir}/m.lrc`, `${dir}/m.onnx`, `${dir}/r.html`];
    const r = await runCli([
      ...["compress", ...FAST, "--budget", "1", "--sparsity", "0,0.5,0.8", "--bits", "2,4"],
      ...["--refit", "--out", out, "--onnx", onnx, "--report", report, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const written = (await Deno.stat(out)).size;
    assert.equal(j.savedTo, out);
    assert.equal(j.savedBytes, written);
    assert.equal(j.onnx, onnx);
    assert.equal(j.onnxBytes, (await Deno.stat(onnx)).size);
    assert.equal(j.report, report);
    // The refit's stage table in the report: its rows, the last being the file written.
    type Stage = { stage: string; bytes: number; seconds: number };
    const figures = figuresOf(await Deno.readTextFile(report));
    const columns = (title: string) => figures.get(title)!.data[0].cells!.values;
    const bytes = (stages: Stage[]) => stages.map((s) => s.bytes.toLocaleString("en-US"));
    const refit = columns("Refit on all the training data");
    assert.deepEqual(refit[0], j.refit.stages.map((s: Stage) => s.stage));
    assert.deepEqual(refit[5], bytes(j.refit.stages));
    assert.equal(refit[5].at(-1), written.toLocaleString("en-US"));
    assert.deepEqual(refit[7], j.refit.stages.map((s: Stage) => s.seconds.toFixed(2)));
    // Its validation column is on all the training data, which the search's is not.
    const percents = (stages: { validation: { accuracy: number } }[]) =>
      stages.map((s) => `${(100 * s.validation.accuracy).toFixed(2)} %`);
    assert.deepEqual(refit[1], percents(j.refit.stages));
    assert.notDeepEqual(percents(j.refit.stages), percents(j.stages));
    assert.deepEqual(columns("Stages of the search's choice")[5], bytes(j.stages));
    // Without outputs, each is null.
    const none = await runCli([
      ...["compress", "--dataset", "breast-cancer", "--sparsity", "0", "--method", "float16"],
      "--json",
    ]);
    assert.equal(none.code, 0, none.stderr);
    const n = JSON.parse(none.stdout);
    assert.deepEqual([n.savedTo, n.savedBytes, n.onnx, n.onnxBytes, n.report], [
      null,
      null,
      null,
      null,
      null,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress --sweep report's charts hold every row of the sweep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", "--dataset", "breast-cancer", ...FAST, "--sweep", "--sparsity", "0,0.5,0.8"],
      ...["--method", "uniform", "--bits", "2,4", "--training", "ptq"],
      ...["--report", `${dir}/r.html`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    type Row = {
      name: string;
      bytes: number;
      test: { accuracy: number };
      prune: { strategy: string; structure: string; sparsity: number } | null;
      quantization: { bits: number; granularity: string } | null;
    };
    const rows: Row[] = JSON.parse(r.stdout).sweep.rows;
    const figures = figuresOf(await Deno.readTextFile(`${dir}/r.html`));
    // Every row once, at its size and test accuracy, in its method's group.
    const all = markers(figures.get("Sweep: accuracy against file size")!);
    const sorted = <T extends { text?: unknown }>(list: T[]) =>
      [...list].sort((a, b) => String(a.text).localeCompare(String(b.text)));
    assert.deepEqual(
      sorted(all),
      sorted(rows.map((row) => ({
        group: row.quantization === null ? "float32" : "uniform symmetric, PTQ",
        x: row.bytes,
        y: row.test.accuracy,
        text: row.name,
      }))),
    );
    // The float32 rows against their sparsity (the dense model at 0).
    const floats = rows.filter((row) => row.quantization === null);
    assert.equal(floats.length, 3);
    const bySparsity = markers(
      figures.get("Sweep: accuracy against sparsity (float32, fine-tuned)")!,
      "lines+markers",
    )
      .map(({ group, x, y }) => ({ group, x, y }));
    assert.deepEqual(
      bySparsity.sort((a, b) => Number(a.x) - Number(b.x)),
      floats.map((row) => ({
        group: "magnitude (weights)",
        x: row.prune?.sparsity ?? 0,
        y: row.test.accuracy,
      })).sort((a, b) => a.x - b.x),
    );
    assert.deepEqual(bySparsity.map((p) => p.x), [0, 0.5, 0.8]);
    // The unpruned quantized rows against their bits.
    const byBits = markers(
      figures.get("Sweep: accuracy against bit width (unpruned model)")!,
      "lines+markers",
    )
      .map(({ x, y }) => ({ x, y })).sort((a, b) => Number(a.x) - Number(b.x));
    assert.deepEqual(
      byBits,
      rows.filter((row) => row.prune === null && row.quantization !== null)
        .map((row) => ({ x: row.quantization!.bits, y: row.test.accuracy }))
        .sort((a, b) => a.x - b.x),
    );
    assert.deepEqual(byBits.map((p) => p.x), [2, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --onnx warns as lrc export does when the graph's float32 input rounds a feature", async () => {
  // Timestamps near 1.7e9 are 128 apart in float32 and spread about 29 here: lrc export warned
  // that its graph cannot tell the rows apart, compress wrote the same graph without a word
  // (found by the CLI end-to-end review).
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-" });
  try {
    const { ratio } = await timestampModel(dir);
    assert.ok(ratio > 1, `${ratio}`);
    const quick = ["--sparsity", "0", "--training", "ptq", "--quiet"];
    const r = await runCli([
      ...["compress", "--model", `${dir}/ts.json`, "--data", `${dir}/ts.csv`],
      ...["--onnx", `${dir}/ts.onnx`, "--preprocessing", "fold", ...quick],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^warning: the ONNX graph takes float32 inputs, which round feature "t" \\(mean .*\\) by ` +
          `up to ${ratio.toPrecision(2)} standard deviations.*\\n$`,
      ),
    );
    // Centred features round nothing worth a word; nor does a run without --onnx.
    const cancer = await runCli([
      ...["compress", "--dataset", "breast-cancer", "--onnx", `${dir}/c.onnx`, ...quick],
    ]);
    assert.equal(cancer.code, 0, cancer.stderr);
    assert.equal(cancer.stderr, "");
    const plain = await runCli([
      ...["compress", "--model", `${dir}/ts.json`, "--data", `${dir}/ts.csv`, ...quick],
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress report gives the size of the file written with --integer's calibration", async () => {
  // The report's stage table said the compressed model's .lrc file had the last row's bytes,
  // while --integer wrote a larger file with the input calibration, and the report said nothing
  // of it (the printed output did; found by the compress/export CLI review).
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", ...FAST, "--integer", "--method", "uniform", "--bits", "8"],
      ...["--no-standardize", "--out", `${dir}/m.lrc`, "--report", `${dir}/r.html`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.integer.kept, true);
    const bytes = (await Deno.stat(`${dir}/m.lrc`)).size;
    const last = out.stages[out.stages.length - 1].bytes;
    assert.notEqual(bytes, last);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    const stages = html.match(/<h2>Stages<\/h2>\s*<p>([^<]*)<\/p>/)![1];
    assert.ok(
      stages.includes(
        `which the table does not count: ${bytes.toLocaleString("en-US")} bytes ` +
          `(+${bytes - last} against the last row)`,
      ),
      stages,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress report marks the levels of the kept weights, not the zeros of pruned ones", async () => {
  // k-means centroids need not include 0, and a pruned weight, stored as 0, is not one of the
  // levels (mutation audit: counting pruned weights among the levels survived every test).
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", ...FAST, "--method", "kmeans", "--bits", "2", "--sparsity", "0.5"],
      ...["--out", `${dir}/m.lrc`, "--report", `${dir}/r.html`, "--quiet"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const model = asFloatModel(await loadModel(`${dir}/m.lrc`));
    assert.ok(model.mask !== undefined && model.mask.includes(0), "the model is pruned");
    const kept = new Set<number>();
    model.weights.data.forEach((v, i) => model.mask![i] !== 0 && kept.add(v));
    assert.ok(!kept.has(0), "0 is no centroid here, so the test can tell");
    const figure = figuresOf(await Deno.readTextFile(`${dir}/r.html`))
      .get("Weights before and after quantization")!;
    const lines = figure.data.filter((t) => t.name?.startsWith("quantization levels"));
    assert.ok(lines.length > 0);
    for (const t of lines) {
      const levels = new Set(t.x!.filter((x) => x !== null));
      assert.deepEqual([...levels].sort(), [...kept].sort());
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress report's stage table and chart show the stages --json reports", async () => {
  // Mutation audit: a non-zero column of "weights / weights" and a baseline at the dense model's
  // validation accuracy (the chart plots test accuracy) both survived every test.
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", ...FAST, "--sparsity", "0.7", "--report", `${dir}/r.html`, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const stages: { nonZeros: number; weights: number; test: { accuracy: number } }[] =
      report.stages;
    const figures = figuresOf(await Deno.readTextFile(`${dir}/r.html`));
    const table = figures.get("Stages")!.data[0].cells!.values;
    assert.deepEqual(table[3], stages.map((s) => `${s.nonZeros} / ${s.weights}`));
    assert.ok(stages.at(-1)!.nonZeros < stages.at(-1)!.weights, "pruned: the columns differ");
    const chart = figures.get("Accuracy against file size, stage by stage")!;
    assert.deepEqual(
      markers(chart).map((p) => p.y).sort(),
      stages.map((s) => s.test.accuracy).sort(),
    );
    const dense = report.dense;
    assert.notEqual(dense.test.accuracy, dense.validation.accuracy, "the test can tell them");
    const line = chart.data.find((t) => t.name === "uncompressed model")!;
    assert.deepEqual(line.y, [dense.test.accuracy, dense.test.accuracy]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
