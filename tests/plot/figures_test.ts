import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { paretoFront } from "../../lib/metrics/pareto.ts";
import { fit } from "../../lib/model/fit.ts";
import {
  bitWidthFigure,
  confusionFigure,
  type Figure,
  maskFigure,
  paretoFigure,
  sparsityFigure,
  type Trace,
  trainingComparisonFigure,
  trainingFigure,
  weightHistogramFigure,
  weightImagesFigure,
} from "../../lib/plot/mod.ts";
import { sizeBreakdownFigure } from "../../lib/plot/size.ts";
import { pivotRows } from "../../lib/plot/pivot.ts";
import { table } from "../../lib/plot/display.ts";

type Axis = { title?: { text?: string }; type?: string; tickformat?: string; tickvals?: number[] };

function axisOf(fig: Figure, trace: Trace, which: "x" | "y"): Axis {
  const ref = (trace[`${which}axis`] as string | undefined) ?? which;
  const key = `${which}axis${ref.slice(1)}`;
  const axis = fig.layout[key] as Axis | undefined;
  assert.ok(axis, `trace ${trace.name} refers to ${key}, which the layout lacks`);
  return axis;
}

/** Every trace's axes exist and are titled; numeric ones name a unit in parentheses. */
function assertTitledAxes(fig: Figure): void {
  for (const t of fig.data) {
    for (const which of ["x", "y"] as const) {
      const axis = axisOf(fig, t, which);
      const title = axis.title?.text ?? "";
      const unit = axis.type === "category" ? /\w/ : /\(.+\)/;
      assert.match(title, unit, `${which} axis of ${t.name} needs a title (with a unit)`);
    }
  }
}

/** The figure survives JSON, so it is plain data (no typed arrays, no functions). */
function assertPlain(fig: Figure): void {
  assert.deepEqual(
    JSON.parse(JSON.stringify(fig)),
    JSON.parse(JSON.stringify(fig, (_k, v) => {
      assert.ok(!ArrayBuffer.isView(v), "typed array in figure");
      assert.notEqual(typeof v, "function");
      return v;
    })),
  );
}

const digits = await loadEmbedded("digits");
const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.3, seed: 4 });
const run = fit(split.xTrain, split.yTrain, {
  classes: digits.classes,
  optimizer: { kind: "adam", epochs: 6, learningRate: 0.01 },
  validation: { x: split.xTest, y: split.yTest },
  seed: 1,
});

Deno.test("training figure plots fit's history: loss and accuracy, training and validation", () => {
  const h = run.history;
  const fig = trainingFigure(h);
  assertPlain(fig);
  assertTitledAxes(fig);
  const byName = (panel: string, name: string) =>
    fig.data.find((t) =>
      t.name === name && (t.yaxis ?? "y") === (panel === "loss" ? "y" : "y2")
    ) as Trace;
  assert.deepEqual(byName("loss", "training").y, h.map((e) => e.trainLoss));
  assert.deepEqual(byName("loss", "validation").y, h.map((e) => e.validationLoss));
  assert.deepEqual(byName("accuracy", "training").y, h.map((e) => e.trainAccuracy));
  assert.deepEqual(byName("accuracy", "validation").y, h.map((e) => e.validationAccuracy));
  for (const t of fig.data) assert.deepEqual(t.x, [1, 2, 3, 4, 5, 6]);
  assert.equal(axisOf(fig, fig.data[0], "y").title?.text, "mean log loss (nats)");
  assert.equal(axisOf(fig, fig.data[2], "y").tickformat, "~%");
  // A legend entry per split, not per panel.
  assert.deepEqual(fig.data.filter((t) => t.showlegend).map((t) => t.name), [
    "training",
    "validation",
  ]);
});

Deno.test("training figure without validation data draws only training curves", () => {
  const noVal = run.history.map(({ validationLoss: _l, validationAccuracy: _a, ...rest }) => rest);
  const fig = trainingFigure(noVal, { panels: "loss", logLoss: true });
  assert.deepEqual(fig.data.map((t) => t.name), ["training"]);
  assert.equal(axisOf(fig, fig.data[0], "y").type, "log");
});

Deno.test("training comparison gives each run one colour and keeps each run's numbers", () => {
  const other = run.history.map((e) => ({ ...e, trainLoss: e.trainLoss / 2 }));
  const fig = trainingComparisonFigure([
    { name: "A", history: run.history },
    { name: "B", history: other },
  ]);
  assertTitledAxes(fig);
  const lossB = fig.data.find((t) => t.name === "B, training" && (t.yaxis ?? "y") === "y")!;
  assert.deepEqual(lossB.y, other.map((e) => e.trainLoss));
  const colour = (t: Trace) => (t.line as { color: string }).color;
  const a = fig.data.filter((t) => (t.name as string).startsWith("A"));
  const b = fig.data.filter((t) => (t.name as string).startsWith("B"));
  assert.equal(new Set(a.map(colour)).size, 1);
  assert.notEqual(colour(a[0]), colour(b[0]));
});

Deno.test("training figures reject malformed histories with the field named", () => {
  assert.throws(() => trainingFigure([{ epoch: 1 } as never]), /history\[0\]\.trainLoss/);
  assert.throws(
    () => trainingFigure([{ ...run.history[0], trainAccuracy: 85 }]),
    /trainAccuracy must be in \[0, 1\]/,
  );
  assert.throws(() => trainingFigure(run.history, { panels: "both!" as never }), RangeError);
  assert.throws(() => trainingComparisonFigure([{ history: [] } as never]), /runs\[0\]\.name/);
  // A diverged loss is named as such (it read "must be >= -Infinity, got NaN"), an infinite one
  // is refused (the figure's JSON would hold null), and a log loss is never negative.
  const last = run.history.length - 1;
  const withLoss = (field: string, v: number) =>
    run.history.map((e, i) => i === last ? { ...e, [field]: v } : e);
  for (const field of ["trainLoss", "validationLoss"]) {
    for (const v of [NaN, Infinity]) {
      assert.throws(() => trainingFigure(withLoss(field, v)), {
        name: "RangeError",
        message: new RegExp(
          `history\\[${last}\\]\\.${field} must be finite, got ${v} \\(did the training diverge\\?\\)`,
        ),
      });
    }
    assert.throws(() => trainingFigure(withLoss(field, -0.5)), /must be >= 0, got -0\.5/);
  }
  // An infinite epoch was accepted and became a null x in the figure's JSON: a point not drawn.
  for (const v of [Infinity, -Infinity]) {
    assert.throws(() => trainingFigure(withLoss("epoch", v)), {
      name: "RangeError",
      message: `Cannot plot training curves: history[${last}].epoch must be finite, got ${v}`,
    });
  }
});

Deno.test("sparsity figure draws one sorted line per strategy and fine-tuning state", () => {
  const prng = createPrng(3);
  const rows = [];
  for (const strategy of ["magnitude", "random", "l1"]) {
    for (const fineTuned of [true, false]) {
      for (const sparsity of [0.9, 0.1, 0.5, 0.99]) {
        rows.push({ strategy, sparsity, accuracy: prng(), fineTuned });
      }
    }
  }
  const fig = sparsityFigure(rows, { baseline: 0.97 });
  assertPlain(fig);
  assertTitledAxes(fig);
  assert.equal(fig.data.length, 3 * 2 + 1);
  for (const t of fig.data.slice(0, 6)) {
    const [strategy, state] = (t.name as string).split(", ");
    const mine = rows.filter((r) =>
      r.strategy === strategy && r.fineTuned === (state === "fine-tuned")
    );
    const xs = t.x as number[], ys = t.y as number[];
    assert.deepEqual(xs, [0.1, 0.5, 0.9, 0.99]);
    xs.forEach((x, i) => {
      assert.equal(ys[i], mine.find((r) => r.sparsity === x)!.accuracy);
    });
  }
  const baseline = fig.data[6];
  assert.deepEqual(baseline.y, [0.97, 0.97]);
  assert.throws(() => sparsityFigure([{ strategy: "m", sparsity: 90, accuracy: 0.5 }]), RangeError);
  assert.throws(() => sparsityFigure([{ strategy: 3, sparsity: 0.9, accuracy: 0.5 } as never]), {
    name: "TypeError",
  });
});

Deno.test("bit-width figure draws one sorted line per method with a tick at every width", () => {
  const rows = [
    { method: "affine", bits: 8, accuracy: 0.95 },
    { method: "k-means", bits: 2, accuracy: 0.9 },
    { method: "affine", bits: 2, accuracy: 0.6 },
    { method: "affine", bits: 4, accuracy: 0.93 },
    { method: "k-means", bits: 3, accuracy: 0.92 },
  ];
  const fig = bitWidthFigure(rows, { baseline: 0.96 });
  assertTitledAxes(fig);
  assert.deepEqual(fig.data.map((t) => t.name), ["affine", "k-means", "uncompressed model"]);
  assert.deepEqual(fig.data[0].x, [2, 4, 8]);
  assert.deepEqual(fig.data[0].y, [0.6, 0.93, 0.95]);
  assert.deepEqual(fig.data[1].x, [2, 3]);
  assert.deepEqual((fig.layout.xaxis as Axis).tickvals, [2, 3, 4, 8]);
  assert.throws(() => bitWidthFigure([{ method: "a", bits: 2.5, accuracy: 0.5 }]), RangeError);
});

Deno.test("Pareto figure plots every model and the front that paretoFront computes", () => {
  const prng = createPrng(11);
  const points = Array.from({ length: 40 }, (_, i) => ({
    bytes: Math.round(100 + 10_000 * prng()),
    accuracy: 0.5 + 0.5 * prng(),
    name: `model ${i}`,
    group: i % 3 === 0 ? "pruned" : "quantized",
  }));
  const fig = paretoFigure(points);
  assertPlain(fig);
  assertTitledAxes(fig);
  assert.equal((fig.layout.xaxis as Axis).type, "log");
  const groups = fig.data.slice(0, -1);
  assert.deepEqual(groups.map((t) => t.name), ["pruned", "quantized"]);
  const plotted = groups.flatMap((t) =>
    (t.x as number[]).map((x, i) => `${x}/${(t.y as number[])[i]}`)
  );
  assert.deepEqual(plotted.sort(), points.map((p) => `${p.bytes}/${p.accuracy}`).sort());
  const front = fig.data[fig.data.length - 1];
  const expected = paretoFront(points).map((i) => points[i]);
  assert.equal(front.name, "Pareto front");
  assert.deepEqual(front.x, expected.map((p) => p.bytes));
  assert.deepEqual(front.y, expected.map((p) => p.accuracy));
  assert.deepEqual(front.text, expected.map((p) => p.name));
  assert.throws(() => paretoFigure([{ bytes: 0, accuracy: 0.5 }]), RangeError);
});

Deno.test("weight histograms count both arrays over shared bins and mark every level", () => {
  const prng = createPrng(5);
  const before = Float64Array.from({ length: 2000 }, () => 0.3 * randomNormal(prng));
  const levels = [-0.6, -0.3, 0, 0.3, 0.6];
  const after = before.map((w) =>
    levels.reduce((best, l) => (Math.abs(l - w) < Math.abs(best - w) ? l : best))
  );
  const fig = weightHistogramFigure(before, after, { levels, bins: 40 });
  assertPlain(fig);
  assertTitledAxes(fig);
  const [hb, ha] = fig.data;
  for (const [trace, values] of [[hb, before], [ha, after]] as const) {
    const centres = trace.x as number[], counts = trace.y as number[];
    const width = trace.width as number;
    assert.equal(counts.length, 40);
    // Direct count: a value belongs to the bin whose centre is within half a width.
    centres.forEach((c, b) => {
      const lo = c - width / 2, hi = c + width / 2, last = b === centres.length - 1;
      const n = values.filter((v) => v >= lo - 1e-12 && (v < hi - 1e-12 || (last && v <= hi)))
        .length;
      assert.equal(counts[b], n, `bin ${b}`);
    });
    assert.equal(counts.reduce((s, c) => s + c, 0), values.length);
  }
  assert.deepEqual(hb.x, ha.x, "both histograms share their bins");
  const levelTraces = fig.data.filter((t) => (t.name as string).startsWith("quantization levels"));
  assert.equal(levelTraces.length, 2);
  for (const t of levelTraces) {
    assert.deepEqual(
      (t.x as (number | null)[]).filter((v) => v !== null),
      levels.flatMap((l) => [l, l]),
    );
  }
  // The mask leaves out pruned weights, in both panels: each bin holds exactly the kept weights
  // within half a width of its centre, counted directly; and the bins span only the kept weights
  // and the levels.
  const mask = Uint8Array.from(before, (_, i) => (i % 2));
  const masked = weightHistogramFigure(before, after, { levels, bins: 40, mask });
  assert.equal((masked.data[0].y as number[]).reduce((s, c) => s + c, 0), 1000);
  const keptBefore = before.filter((_, i) => mask[i] === 1);
  const keptAfter = after.filter((_, i) => mask[i] === 1);
  const kept = [...keptBefore, ...keptAfter, ...levels];
  const [lo, hi] = [Math.min(...kept), Math.max(...kept)];
  for (
    const [trace, values] of [[masked.data[0], keptBefore], [masked.data[1], keptAfter]] as const
  ) {
    const centres = trace.x as number[], counts = trace.y as number[];
    const width = trace.width as number;
    assert.ok(Math.abs(centres[0] - width / 2 - lo) < 1e-12, `${centres[0]} - ${width} / 2`);
    assert.ok(Math.abs(centres[39] + width / 2 - hi) < 1e-12, `${centres[39]} + ${width} / 2`);
    centres.forEach((c, b) => {
      const bLo = c - width / 2, bHi = c + width / 2, last = b === centres.length - 1;
      const n = values.filter((v) => v >= bLo - 1e-12 && (v < bHi - 1e-12 || (last && v <= bHi)))
        .length;
      assert.equal(counts[b], n, `masked ${trace.name} bin ${b}`);
    });
  }
  assert.throws(() => weightHistogramFigure([1, 2], [1]), TypeError);
  assert.throws(() => weightHistogramFigure([1, NaN], [1, 2]), RangeError);
});

Deno.test("mask figure draws each class's mask as an h x w image, row 0 on top", () => {
  const h = 3, w = 4, classes = ["a", "b", "c"];
  const prng = createPrng(2);
  const mask = Uint8Array.from({ length: classes.length * h * w }, () => (prng() < 0.3 ? 0 : 1));
  const fig = maskFigure(mask, { labels: classes, imageShape: [h, w], columns: 2 });
  assertPlain(fig);
  assert.equal(fig.data.length, 3);
  fig.data.forEach((t, k) => {
    const z = t.z as number[][];
    assert.equal(z.length, h);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) assert.equal(z[r][c], mask[k * h * w + r * w + c]);
    }
    assert.equal(axisOf(fig, t, "y").title !== undefined, true);
    assert.equal(
      (fig.layout[`yaxis${k ? k + 1 : ""}`] as { autorange: string }).autorange,
      "reversed",
    );
  });
  const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  const kept = (k: number) => mask.slice(k * h * w, (k + 1) * h * w).reduce((s, v) => s + v, 0);
  assert.deepEqual(
    titles,
    classes.map((c, k) => `${c}: ${(100 * kept(k) / (h * w)).toFixed(1)} % kept`),
  );
  // The grid: 2 columns, 2 rows; axis titles on the bottom row and left column only.
  assert.equal((fig.layout.xaxis3 as Axis).title?.text, "pixel column");
  assert.equal((fig.layout.yaxis2 as Axis).title?.text, "");
  assert.equal((fig.layout.yaxis3 as Axis).title?.text, "pixel row");
  // 28 x 28 is inferred from the labels when square.
  assert.equal(
    (maskFigure(new Uint8Array(2 * 784), { labels: ["x", "y"] }).data[0].z as number[][]).length,
    28,
  );
  assert.throws(() => maskFigure(Uint8Array.from([0, 2, 1, 1]), { labels: ["a"] }), RangeError);
  assert.throws(() => maskFigure(new Uint8Array(10), { labels: ["a", "b", "c"] }), TypeError);
  assert.throws(() => maskFigure(new Uint8Array(10)), /give labels/);
});

Deno.test("weight images share one colour scale centred at zero", () => {
  const weights = {
    data: Float64Array.from([0.5, -2, 1, 0, 0.25, -0.5, 1.5, 0.1]),
    rows: 2,
    cols: 4,
  };
  const fig = weightImagesFigure(weights, { labels: ["a", "b"] });
  for (const t of fig.data) {
    assert.equal(t.zmin, -2);
    assert.equal(t.zmax, 2);
  }
  assert.deepEqual(fig.data[1].z, [[0.25, -0.5], [1.5, 0.1]]);
  assert.deepEqual(fig.data.map((t) => t.showscale), [true, false]);
  // The largest magnitude positive and in the second image: the scale is still +-max |w| for
  // both images (here 3, by hand), so a weight and its negation get opposite colours.
  const positive = weightImagesFigure([0.5, -1, 0.25, 0, 0.25, -0.5, 3, 0.1], {
    labels: ["a", "b"],
    imageShape: [2, 2],
  });
  for (const t of positive.data) {
    assert.deepEqual([t.zmin, t.zmax, t.zmid], [-3, 3, 0], String(t.name));
  }
});

Deno.test("image figures refuse empty values and a malformed imageShape", () => {
  // Empty values drew 0 x 0 images titled "a: NaN % kept"; with imageShape the message blamed a
  // columns option the caller never gave; a number for imageShape ended in "number 2 is not
  // iterable".
  assert.throws(() => maskFigure([], { labels: ["a"] }), {
    name: "RangeError",
    message: "Cannot plot pruning mask: there are no values to draw",
  });
  assert.throws(() => weightImagesFigure(new Float32Array(0), { imageShape: [2, 2] }), {
    name: "RangeError",
    message: "Cannot plot weight images: there are no values to draw",
  });
  for (const imageShape of [2, [2], [1, 2, 2]]) {
    assert.throws(
      () =>
        weightImagesFigure([1, 2, 3, 4], {
          imageShape: imageShape as unknown as [number, number],
        }),
      {
        name: "TypeError",
        message: /^Cannot plot weight images: imageShape must be \[height, width\]/,
      },
    );
  }
  // One pixel of one image is still an image.
  assert.deepEqual(maskFigure([1], { labels: ["a"] }).data[0].z, [[1]]);
});

Deno.test("confusion figure maps counts to cells, true class down, and normalises rows", () => {
  const confusion = [[50, 2, 3], [4, 40, 6], [0, 1, 44]];
  const fig = confusionFigure(confusion, { classes: ["x", "y", "z"] });
  assertPlain(fig);
  assertTitledAxes(fig);
  const t = fig.data[0];
  assert.deepEqual(t.z, confusion);
  assert.deepEqual(t.y, ["x", "y", "z"]);
  assert.equal((fig.layout.yaxis as { autorange: string }).autorange, "reversed");
  assert.equal(
    (fig.layout.title as { text: string }).text,
    "Confusion matrix (150 samples, accuracy 89.33 %)",
  );
  const norm = confusionFigure(confusion, { normalize: true }).data[0].z as number[][];
  for (const row of norm) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  assert.equal(norm[1][2], 6 / 50);
  assert.throws(() => confusionFigure([[1, 2]]), /square/);
  assert.throws(() => confusionFigure([[1, -2], [0, 1]]), RangeError);
  assert.throws(() => confusionFigure([[1]], { classes: ["a", "b"] }), TypeError);
});

Deno.test("confusion figure refuses class names that would share a row and column", () => {
  // Plotly puts equal category names on one tick: with ["a", "a"] it drew only the counts 1 and
  // 4 (checked in Chromium), and the off-diagonal 2 and 3 were never seen.
  assert.throws(
    () => confusionFigure([[1, 2], [3, 4]], { classes: ["a", "a"] }),
    {
      name: "RangeError",
      message: /class name "a" is given twice \(classes\[0\] and classes\[1\]\)/,
    },
  );
  assert.throws(
    () => confusionFigure([[1, 2], [3, 4]], { classes: "ab" as unknown as string[] }),
    {
      name: "TypeError",
      message: /^Cannot plot confusion matrix: classes must be an array of strings/,
    },
  );
  assert.throws(
    () => confusionFigure([[1, 2], [3, 4]], { classes: [0, 1] as unknown as string[] }),
    { name: "TypeError", message: /classes must be an array of strings/ },
  );
  assert.deepEqual(confusionFigure([[1, 2], [3, 4]], { classes: ["a", "A"] }).data[0].x, [
    "a",
    "A",
  ]);
});

Deno.test("class labels with Plotly markup are shown as written, not read as tags", () => {
  const classes = ["<b>bold</b>", "a & b", "x>y"];
  const conf = confusionFigure([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { classes });
  const trace = conf.data[0] as unknown as { x: string[]; y: string[] };
  const escaped = ["&lt;b&gt;bold&lt;/b&gt;", "a &amp; b", "x&gt;y"];
  assert.deepEqual(trace.x, escaped);
  assert.deepEqual(trace.y, escaped);
  const mask = maskFigure(Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0]), {
    labels: classes,
    imageShape: [2, 2],
  });
  const titles = (mask.layout.annotations as unknown as { text: string }[]).map((a) => a.text);
  assert.ok(
    titles.some((t) => t.startsWith("&lt;b&gt;bold&lt;/b&gt;: 75.0 % kept")),
    titles.join("|"),
  );
  assert.ok(!titles.some((t) => t.includes("<b>")));
});

Deno.test("the trade-off figure's baseline spans every point's size, the largest first or not", () => {
  const points = [
    { bytes: 5000, accuracy: 0.9, name: "big" },
    { bytes: 300, accuracy: 0.8, name: "small" },
    { bytes: 1200, accuracy: 0.85, name: "middle" },
  ];
  const fig = paretoFigure(points, { baseline: 0.95 });
  const line = fig.data.at(-1)!;
  assert.equal(line.name, "uncompressed model");
  assert.deepEqual(line.x, [300, 5000]);
  assert.deepEqual(line.y, [0.95, 0.95]);
});

Deno.test("every builder escapes names from data and keeps them out of hover templates", () => {
  // A name is Plotly pseudo-HTML in a legend, and a hover template substitutes %{...} in
  // whatever it is given: names go escaped into `name`, and templates refer to
  // %{fullData.name} instead of holding the text.
  const raw = "<b>x</b> & %{y}";
  const escaped = "&lt;b&gt;x&lt;/b&gt; &amp; %{y}";
  const history = run.history;
  const figures: Figure[] = [
    sparsityFigure([{ strategy: raw, sparsity: 0.5, accuracy: 0.9 }], {
      baseline: 0.9,
      baselineName: raw,
    }),
    bitWidthFigure([{ method: raw, bits: 4, accuracy: 0.9 }], { baseline: 0.9, baselineName: raw }),
    paretoFigure([{ bytes: 10, accuracy: 0.5, group: raw, name: raw }], {
      baseline: 0.9,
      baselineName: raw,
    }),
    trainingComparisonFigure([{ name: raw, history }, { name: "other", history }]),
    sizeBreakdownFigure([{ name: raw, parts: { [raw]: 10 } }], {
      baseline: 20,
      baselineName: raw,
    }),
    maskFigure([1, 0, 0, 1], { labels: [raw, "other"], imageShape: [1, 2] }),
    weightImagesFigure([0.5, -1, 2, 0], { labels: [raw, "other"], imageShape: [1, 2] }),
    weightHistogramFigure(Float64Array.from([0, 1, 2]), Float64Array.from([0, 1, 1]), {
      panelTitles: [raw, raw],
    }),
  ];
  for (const fig of figures) {
    const names = fig.data.map((t) => String(t.name));
    assert.ok(names.some((n) => n.startsWith(escaped)), names.join(" | "));
    for (const t of fig.data) {
      assert.ok(!String(t.name).includes("<b>"), String(t.name));
      const template = String(t.hovertemplate ?? "");
      assert.ok(!template.includes("x</b>") && !template.includes("x&lt;/b&gt;"), template);
      for (const text of (t.text as string[] | undefined) ?? []) assert.ok(!text.includes("<b>"));
      if (Array.isArray(t.y) && typeof t.y[0] === "string") {
        for (const y of t.y as string[]) assert.ok(!y.includes("<b>"), y);
      }
    }
    const notes = (fig.layout.annotations as { text?: string }[] | undefined) ?? [];
    for (const a of notes) assert.ok(!String(a.text).includes("<b>"), String(a.text));
  }
});

Deno.test("a baseline over a single bit width or size is still a line", () => {
  const bits = bitWidthFigure([{ method: "a", bits: 8, accuracy: 0.9 }], { baseline: 0.95 });
  assert.deepEqual(bits.data.at(-1)!.x, [7.5, 8.5]);
  const sizes = paretoFigure([{ bytes: 1000, accuracy: 0.9 }], { baseline: 0.95 });
  assert.deepEqual(sizes.data.at(-1)!.x, [500, 2000]);
  const two = bitWidthFigure([{ method: "a", bits: 2, accuracy: 0.8 }, {
    method: "a",
    bits: 8,
    accuracy: 0.9,
  }], { baseline: 0.95 });
  assert.deepEqual(two.data.at(-1)!.x, [2, 8]);
});

Deno.test("every figure builder refuses a height that is no number of pixels", () => {
  // plotly takes a NaN, negative or infinite height as none and draws its default: the option
  // was ignored without a word (NaN became null in the figure's JSON).
  const history = [{ epoch: 1, trainLoss: 0.5, trainAccuracy: 0.8, objective: 0.5, seconds: 1 }];
  const builders: [string, (height: number) => Figure][] = [
    [
      "sparsity",
      (height) => sparsityFigure([{ strategy: "m", sparsity: 0.5, accuracy: 0.9 }], { height }),
    ],
    [
      "bit width",
      (height) => bitWidthFigure([{ method: "u", bits: 4, accuracy: 0.9 }], { height }),
    ],
    ["Pareto", (height) => paretoFigure([{ bytes: 10, accuracy: 0.5 }], { height })],
    ["confusion", (height) => confusionFigure([[1, 2], [3, 4]], { height })],
    ["training", (height) => trainingFigure(history, { height })],
    ["comparison", (height) => trainingComparisonFigure([{ name: "a", history }], { height })],
    ["histogram", (height) => weightHistogramFigure([1, 2], [1, 2], { height })],
    ["size", (height) => sizeBreakdownFigure([{ name: "a", parts: { header: 4 } }], { height })],
  ];
  for (const [name, build] of builders) {
    assert.equal(build(321).layout.height, 321, name);
    for (const bad of [NaN, -5, 0, Infinity]) {
      assert.throws(() => build(bad), {
        name: "RangeError",
        message: new RegExp(`height must be a positive number of pixels, got ${bad}`),
      }, `${name}: ${bad}`);
    }
    assert.throws(() => build("400" as unknown as number), {
      name: "TypeError",
      message: /height must be a number, got string "400"/,
    }, name);
  }
  for (const bad of [NaN, -5, "220"]) {
    assert.throws(
      () => maskFigure([1, 0, 1, 1], { labels: ["a"], rowHeight: bad as number }),
      { name: "RangeError", message: /rowHeight must be a positive number of pixels/ },
    );
  }
});

Deno.test("confusion figure refuses a normalize that is not a boolean", () => {
  // "no" is truthy: the figure was normalised when the caller asked for counts.
  assert.throws(() => confusionFigure([[1, 2], [3, 4]], { normalize: "no" as never }), {
    name: "TypeError",
    message: /normalize must be a boolean, got string "no"/,
  });
});

Deno.test("each Pareto point's hover text is its own name, in its group's trace", () => {
  // The hover template shows %{text} beside %{x} and %{y}: text[i] must name the model whose
  // size and accuracy are x[i] and y[i], in every group's trace.
  const prng = createPrng(12);
  const points = Array.from({ length: 12 }, (_, i) => ({
    bytes: 100 * (i + 1),
    accuracy: 0.5 + 0.4 * prng(),
    name: `model ${i}`,
    group: ["pruned", "quantized", "both"][i % 3],
  }));
  const fig = paretoFigure(points);
  for (const t of fig.data) {
    const xs = t.x as number[], ys = t.y as number[], texts = t.text as string[];
    assert.equal(texts.length, xs.length, String(t.name));
    xs.forEach((x, i) => {
      // Sizes are distinct here, so the size finds the model.
      const p = points.find((q) => q.bytes === x)!;
      assert.equal(texts[i], p.name, `${t.name}, point ${i}`);
      assert.equal(ys[i], p.accuracy);
      if (t.name !== "Pareto front") assert.equal(p.group, t.name);
    });
  }
});

Deno.test("the Pareto front is a staircase of the best accuracy within each size budget", () => {
  // Between two front sizes s[i] <= b < s[i + 1] the best accuracy of any model of at most b
  // bytes is the front's y[i] (counted here over all points by brute force), so the step is
  // drawn horizontally first and rises only at the next size: plotly's line shape "hv". "vh"
  // would claim the next accuracy below the size that reaches it.
  const prng = createPrng(13);
  const points = Array.from({ length: 30 }, () => ({
    bytes: Math.round(100 + 10_000 * prng()),
    accuracy: 0.5 + 0.5 * prng(),
  }));
  const fig = paretoFigure(points);
  const front = fig.data.at(-1)!;
  assert.equal(front.name, "Pareto front");
  assert.equal((front.line as { shape: string }).shape, "hv");
  const xs = front.x as number[], ys = front.y as number[];
  assert.ok(xs.length >= 3, `a front of ${xs.length} points tests little`);
  const best = (budget: number) =>
    points.filter((p) => p.bytes <= budget).reduce((m, p) => Math.max(m, p.accuracy), -1);
  for (let i = 0; i + 1 < xs.length; i++) {
    assert.ok(xs[i] < xs[i + 1] && ys[i] < ys[i + 1], `front step ${i} rises to the right`);
    for (const budget of [xs[i], (xs[i] + xs[i + 1]) / 2, xs[i + 1] - 0.5]) {
      assert.equal(best(budget), ys[i], `budget ${budget}`);
    }
  }
  assert.equal(best(Infinity), ys.at(-1));
});

Deno.test("line styles say which curve is which: fine-tuning and validation", () => {
  // sparsityFigure: fine-tuned solid, not fine-tuned dotted with open markers; rows without the
  // field solid.
  const sparsity = sparsityFigure([
    { strategy: "m", sparsity: 0.5, accuracy: 0.9, fineTuned: true },
    { strategy: "m", sparsity: 0.5, accuracy: 0.8, fineTuned: false },
    { strategy: "r", sparsity: 0.5, accuracy: 0.7 },
  ]);
  const style = (t: Trace) => [
    (t.line as { dash: string }).dash,
    (t.marker as { symbol: string }).symbol,
  ];
  assert.deepEqual(
    sparsity.data.map((t) => [t.name, ...style(t)]),
    [
      ["m, fine-tuned", "solid", "circle"],
      ["m, no fine-tuning", "dot", "circle-open"],
      ["r", "solid", "circle"],
    ],
  );
  // trainingComparisonFigure: training solid, validation dashed, in both panels.
  const fig = trainingComparisonFigure([
    { name: "A", history: run.history },
    { name: "B", history: run.history },
  ]);
  assert.equal(fig.data.length, 8);
  for (const t of fig.data) {
    const dash = (t.line as { dash: string }).dash;
    assert.equal(dash, String(t.name).endsWith(", validation") ? "dash" : "solid", String(t.name));
  }
});

Deno.test("training curves' hover text names the unit of the panel it is in", () => {
  // The loss panel is titled in nats, the accuracy panel in percent: hovering a point must say
  // the same, for one run and for a comparison.
  for (
    const fig of [
      trainingFigure(run.history),
      trainingComparisonFigure([{ name: "A", history: run.history }]),
    ]
  ) {
    for (const t of fig.data) {
      const title = axisOf(fig, t, "y").title?.text ?? "";
      const template = String(t.hovertemplate);
      if (title === "mean log loss (nats)") {
        assert.match(template, /loss %\{y:\.4f\} nats/, `${t.name} in ${title}`);
        assert.doesNotMatch(template, /%\{y:\.2%\}/);
      } else {
        assert.equal(title, "accuracy (%)");
        assert.match(template, /accuracy %\{y:\.2%\}/, `${t.name} in ${title}`);
        assert.doesNotMatch(template, /nats/);
      }
    }
    // Both panels are there, so neither branch above went unchecked.
    assert.deepEqual(
      new Set(fig.data.map((t) => axisOf(fig, t, "y").title?.text)),
      new Set(["mean log loss (nats)", "accuracy (%)"]),
    );
  }
});

Deno.test("each confusion cell's text is its own count, and with normalize its row's share", () => {
  // The hover template says "true %{y}, predicted %{x}: %{text}", so text[t][p] must be the
  // count of true t predicted as p (the matrix is not symmetric, so a transposed text differs).
  const confusion = [[50, 2, 3], [4, 40, 6], [0, 1, 44]];
  const counts = confusionFigure(confusion).data[0];
  assert.deepEqual(counts.text, [["50", "2", "3"], ["4", "40", "6"], ["0", "1", "44"]]);
  assert.equal(counts.hovertemplate, "true %{y}, predicted %{x}: %{text}<extra></extra>");
  // Row sums 55, 50 and 45; shares by hand: 50/55 = 90.9 %, 2/55 = 3.6 %, 3/55 = 5.5 %;
  // 4/50 = 8 %, 40/50 = 80 %, 6/50 = 12 %; 0 %, 1/45 = 2.2 %, 44/45 = 97.8 %, to whole percents.
  const shares = confusionFigure(confusion, { normalize: true }).data[0];
  assert.deepEqual(shares.text, [
    ["50<br>91%", "2<br>4%", "3<br>5%"],
    ["4<br>8%", "40<br>80%", "6<br>12%"],
    ["0<br>0%", "1<br>2%", "44<br>98%"],
  ]);
});

Deno.test("log counts put both histograms on log axes, the level lines starting above zero", () => {
  // A log axis has no place for 0: the level lines start at half a weight and reach the
  // tallest bar of either panel (counted here from the bars).
  const before = [-1, -0.5, -0.5, 0, 0, 0, 0.5, 1];
  const after = [-1, -1, 0, 0, 0, 0, 1, 1];
  const fig = weightHistogramFigure(before, after, {
    levels: [-1, 0, 1],
    bins: 4,
    logCounts: true,
  });
  const bars = fig.data.slice(0, 2);
  for (const t of bars) assert.equal(axisOf(fig, t, "y").type, "log", String(t.name));
  const tallest = Math.max(...bars.flatMap((t) => t.y as number[]));
  assert.equal(tallest, 4); // after: 0 0 0 0 in the third of the bins over [-1, 1]
  const lines = fig.data.slice(2);
  assert.equal(lines.length, 2);
  for (const t of lines) {
    assert.deepEqual(t.y, [0.5, 4, null, 0.5, 4, null, 0.5, 4, null]);
    assert.equal(axisOf(fig, t, "y").type, "log");
  }
  // Without the option the axes are linear and the lines start at 0.
  const linear = weightHistogramFigure(before, after, { levels: [-1, 0, 1], bins: 4 });
  for (const t of linear.data) assert.equal(axisOf(linear, t, "y").type, "linear");
  assert.deepEqual(linear.data[2].y, [0, 4, null, 0, 4, null, 0, 4, null]);
});

Deno.test("plot refusals quote the names they repeat, a quote and a line break escaped", () => {
  // Class names, column names and labels, and row names were printed raw in single quotes: a
  // name holding a quote read ambiguously and one holding a line break split the message.
  // Oracle: the JSON escapes written out by hand.
  const name = 'it\'s "a"\nb';
  const shown = String.raw`"it's \"a\"\nb"`;
  assert.throws(() => confusionFigure([[1, 2], [3, 4]], { classes: [name, name] }), {
    name: "RangeError",
    message: `Cannot plot confusion matrix: class name ${shown} is given twice (classes[0] and ` +
      "classes[1])",
  });
  assert.throws(
    () =>
      pivotRows([{ k: 1, c: name, v: 1 }, { k: 1, c: name, v: 2 }], {
        rows: ["k"],
        columns: "c",
        values: "v",
      }),
    { name: "RangeError", message: `Cannot pivot rows: two rows for [1] in column ${shown}` },
  );
  assert.throws(
    () => pivotRows([{ [name]: 1, c: name, v: 1 }], { rows: [name], columns: "c", values: "v" }),
    { name: "RangeError", message: `Cannot pivot rows: column label ${shown} is also a row field` },
  );
  assert.throws(() => table([{ a: 1 }], { columns: ["a", name] }), {
    name: "RangeError",
    message: `Cannot make table: column ${shown} is in no row`,
  });
  assert.throws(() => table([{ a: 1, [name]: 2 }], { percent: ["x"] }), {
    name: "RangeError",
    message: `Cannot make table: percent column "x" is not one of the columns ["a",${shown}]`,
  });
  assert.throws(() => table([{ a: 1, [name]: [2] }]), {
    name: "TypeError",
    message: `Cannot make table: row 0, column ${shown} holds Array(1); a cell is a number, ` +
      "string, boolean or null",
  });
  assert.throws(
    () => sizeBreakdownFigure([{ name, parts: { header: 1 } }, { name, parts: { header: 2 } }]),
    {
      name: "RangeError",
      message: `Cannot plot size breakdown: rows[1].name ${shown} is also rows[0]'s; give each ` +
        "file its own name",
    },
  );
});
