import assert from "node:assert/strict";
import {
  bitWidthFigure,
  byteTicks,
  paretoFigure,
  sparsityFigure,
} from "../../lib/plot/compression.ts";

type Axis = { title: { text: string }; tickformat?: string; tickmode?: string };

Deno.test("the sparsity figure shows sparsity and accuracy as percentages, on the axes and on hover", () => {
  // Documented: "accuracy (%) against sparsity (% of weights pruned)". The values are fractions,
  // so only a percent format shows 0.9 as 90 %.
  const fig = sparsityFigure([
    { strategy: "m", sparsity: 0.5, accuracy: 0.9 },
    { strategy: "m", sparsity: 0.9, accuracy: 0.8 },
  ]);
  const x = fig.layout.xaxis as Axis, y = fig.layout.yaxis as Axis;
  assert.equal(x.title.text, "sparsity (% of weights pruned)");
  assert.match(String(x.tickformat), /%$/);
  assert.equal(y.title.text, "test accuracy (%)");
  assert.match(String(y.tickformat), /%$/);
  const template = String(fig.data[0].hovertemplate);
  assert.match(template, /sparsity %\{x:[^}]*%\}/);
  assert.match(template, /accuracy %\{y:[^}]*%\}/);
  // The other trade-off figures share the percent accuracy axis.
  for (
    const other of [
      bitWidthFigure([{ method: "a", bits: 4, accuracy: 0.9 }]),
      paretoFigure([{ bytes: 100, accuracy: 0.9 }]),
    ]
  ) {
    assert.match(String((other.layout.yaxis as Axis).tickformat), /%$/);
  }
});

Deno.test("the bit-width axis has a tick at exactly the widths used", () => {
  // plotly ignores tickvals unless tickmode is "array": 2, 3 and 8 bits would get ticks at
  // plotly's own round numbers instead.
  const fig = bitWidthFigure([
    { method: "a", bits: 8, accuracy: 0.95 },
    { method: "a", bits: 3, accuracy: 0.9 },
    { method: "a", bits: 2, accuracy: 0.7 },
  ]);
  const x = fig.layout.xaxis as Axis & { tickvals: number[] };
  assert.equal(x.tickmode, "array");
  assert.deepEqual(x.tickvals, [2, 3, 8]);
});

Deno.test("the baseline is a dotted line, its hover text in percent, and a baseline outside [0, 1] is refused", () => {
  for (
    const fig of [
      sparsityFigure([{ strategy: "m", sparsity: 0.5, accuracy: 0.9 }], { baseline: 0.96 }),
      bitWidthFigure([{ method: "a", bits: 4, accuracy: 0.9 }], { baseline: 0.96 }),
      paretoFigure([{ bytes: 100, accuracy: 0.9 }], { baseline: 0.96 }),
    ]
  ) {
    const line = fig.data.at(-1)!;
    assert.equal(line.name, "uncompressed model");
    assert.equal((line.line as { dash: string }).dash, "dot");
    // 0.96 as a percentage with two decimals, by hand.
    assert.match(String(line.hovertemplate), /accuracy 96\.00 %/);
  }
  // An accuracy of 96 (a percentage given for a fraction) would be drawn far above every point.
  for (const bad of [96, -0.1, NaN]) {
    assert.throws(
      () => paretoFigure([{ bytes: 100, accuracy: 0.9 }], { baseline: bad }),
      { name: "RangeError", message: /^Cannot plot Pareto front: options\.baseline must be/ },
    );
    assert.throws(
      () => sparsityFigure([{ strategy: "m", sparsity: 0.5, accuracy: 0.9 }], { baseline: bad }),
      { name: "RangeError", message: /options\.baseline/ },
    );
  }
});

Deno.test("the Pareto figure colours each group apart, names each model on hover, and says its unit", () => {
  const fig = paretoFigure([
    { bytes: 100, accuracy: 0.8, name: "p1", group: "pruned" },
    { bytes: 200, accuracy: 0.9, name: "q1", group: "quantized" },
    { bytes: 300, accuracy: 0.7, name: "b1", group: "both" },
  ]);
  const groups = fig.data.slice(0, 3);
  assert.deepEqual(groups.map((t) => t.name), ["pruned", "quantized", "both"]);
  const colours = groups.map((t) => (t.marker as { color: string }).color);
  assert.equal(new Set(colours).size, 3, colours.join(" "));
  // The hover text starts with the model's own name (text), not its group (shown as <extra>).
  for (const t of groups) {
    assert.match(String(t.hovertemplate), /^%\{text\}<br>%\{x:,\} bytes<br>accuracy %\{y:[^}]*%\}/);
  }
  assert.equal((fig.layout.xaxis as Axis).title.text, "model size (bytes, log scale)");
});

Deno.test("malformed fineTuned, name and group are refused, not silently dropped", () => {
  // A fineTuned of "yes" matches none of true, false or absent: the point would be in no line.
  assert.throws(
    () =>
      sparsityFigure([{ strategy: "m", sparsity: 0.5, accuracy: 0.9, fineTuned: "yes" as never }]),
    {
      name: "TypeError",
      message: /^Cannot plot accuracy against sparsity: points\[0\]\.fineTuned/,
    },
  );
  assert.throws(
    () =>
      paretoFigure([{ bytes: 1, accuracy: 0.5 }, { bytes: 2, accuracy: 0.6, name: 3 as never }]),
    { name: "TypeError", message: /^Cannot plot Pareto front: points\[1\]\.name must be a string/ },
  );
  assert.throws(
    () => paretoFigure([{ bytes: 1, accuracy: 0.5, group: null as never }]),
    {
      name: "TypeError",
      message: /^Cannot plot Pareto front: points\[0\]\.group must be a string/,
    },
  );
});

Deno.test("byte ticks fall back to powers of ten when 1-2-5 ticks would be more than 12", () => {
  // 1 to 10,000 bytes: the axis spans 1 / 1.1 to 11,000, which holds the 13 ticks 1 2 5 10 20 50
  // 100 200 500 1,000 2,000 5,000 10,000: more than 12, so the powers of ten only.
  assert.deepEqual(byteTicks(1, 10_000), {
    tickmode: "array",
    tickvals: [1, 10, 100, 1000, 10_000],
    ticktext: ["1", "10", "100", "1,000", "10,000"],
  });
  // 2 to 5,000 bytes: 2 / 1.1 to 5,500 holds 11 of them, all kept.
  assert.deepEqual(
    byteTicks(2, 5000).tickvals,
    [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
  );
});

Deno.test("the Pareto front of six models, worked by hand", () => {
  // b (as accurate as c, but larger) and d (less accurate than c, and larger) are dominated;
  // e and f are equal in both, so neither dominates the other and both are kept (in index
  // order). The front runs by size, not by the order given. By hand: a, c, e, f.
  const fig = paretoFigure([
    { bytes: 800, accuracy: 0.95, name: "e" },
    { bytes: 100, accuracy: 0.8, name: "a" },
    { bytes: 300, accuracy: 0.9, name: "b" },
    { bytes: 200, accuracy: 0.9, name: "c" },
    { bytes: 400, accuracy: 0.85, name: "d" },
    { bytes: 800, accuracy: 0.95, name: "f" },
  ]);
  assert.equal(fig.data.length, 2); // one group ("models"), then the front
  const front = fig.data[1];
  assert.equal(front.name, "Pareto front");
  assert.deepEqual(front.text, ["a", "c", "e", "f"]);
  assert.deepEqual(front.x, [100, 200, 800, 800]);
  assert.deepEqual(front.y, [0.8, 0.9, 0.95, 0.95]);
});

Deno.test("a strategy keeps one colour over its fine-tuning states; the line style tells them apart", () => {
  const fig = sparsityFigure([
    { strategy: "m", sparsity: 0.5, accuracy: 0.9, fineTuned: true },
    { strategy: "m", sparsity: 0.5, accuracy: 0.8, fineTuned: false },
    { strategy: "r", sparsity: 0.5, accuracy: 0.7, fineTuned: true },
    { strategy: "r", sparsity: 0.5, accuracy: 0.6, fineTuned: false },
  ]);
  const colour = (i: number) => (fig.data[i].line as { color: string }).color;
  assert.deepEqual(fig.data.map((t) => t.name), [
    "m, fine-tuned",
    "m, no fine-tuning",
    "r, fine-tuned",
    "r, no fine-tuning",
  ]);
  assert.equal(colour(0), colour(1));
  assert.equal(colour(2), colour(3));
  assert.notEqual(colour(0), colour(2));
});

Deno.test("the sparsity axis spans the fractions 0 to 1, and the baseline crosses all of it", () => {
  // Sparsities are fractions (0.9 is 90 %, shown so by the ".0%" tick format): an axis range in
  // percent units ([-2, 102]) would squeeze every point against its left edge.
  const fig = sparsityFigure([
    { strategy: "m", sparsity: 0, accuracy: 0.95 },
    { strategy: "m", sparsity: 1, accuracy: 0.1 },
  ], { baseline: 0.96 });
  const [lo, hi] = (fig.layout.xaxis as { range: [number, number] }).range;
  assert.ok(lo <= 0 && lo >= -0.05 && hi >= 1 && hi <= 1.05, `${lo}, ${hi}`);
  const xs = fig.data.at(-1)!.x as number[];
  assert.ok(Math.min(...xs) <= 0 && Math.max(...xs) >= 1, `baseline ${xs}`);
  assert.ok(Math.min(...xs) >= lo && Math.max(...xs) <= hi, `baseline ${xs} off [${lo}, ${hi}]`);
});

Deno.test("every point of the bit-width and Pareto figures says its unit on hover", () => {
  // The bit-width lines and the Pareto front have hover templates of their own: x in bits or
  // bytes, accuracy (a fraction) in percent, like their axes.
  const bits = bitWidthFigure([
    { method: "a", bits: 2, accuracy: 0.7 },
    { method: "b", bits: 4, accuracy: 0.9 },
  ]);
  assert.equal(bits.data.length, 2);
  for (const t of bits.data) {
    assert.match(String(t.hovertemplate), /<br>%\{x\} bits<br>accuracy %\{y:\.2%\}/);
  }
  const pareto = paretoFigure([
    { bytes: 100, accuracy: 0.8, group: "a" },
    { bytes: 200, accuracy: 0.9, group: "b" },
  ]);
  assert.deepEqual(pareto.data.map((t) => t.name), ["a", "b", "Pareto front"]);
  for (const t of pareto.data) {
    assert.match(
      String(t.hovertemplate),
      /<br>%\{x:,\} bytes<br>accuracy %\{y:\.2%\}/,
      String(t.name),
    );
  }
});

Deno.test("every trade-off figure refuses an accuracy outside [0, 1], and a bit width below 1", () => {
  // An accuracy of 85 (a percentage for a fraction) or NaN would be drawn off the axis or not
  // at all; the bad row is the second one, after a good one.
  for (const bad of [85, -0.1, NaN]) {
    const message = new RegExp(`points\\[1\\]\\.accuracy must be in \\[0, 1\\], got ${bad}$`);
    assert.throws(
      () => paretoFigure([{ bytes: 10, accuracy: 0.5 }, { bytes: 20, accuracy: bad }]),
      { name: "RangeError", message },
    );
    assert.throws(
      () =>
        sparsityFigure([
          { strategy: "m", sparsity: 0.1, accuracy: 0.5 },
          { strategy: "m", sparsity: 0.5, accuracy: bad },
        ]),
      { name: "RangeError", message },
    );
    assert.throws(
      () =>
        bitWidthFigure([{ method: "a", bits: 2, accuracy: 0.5 }, {
          method: "a",
          bits: 4,
          accuracy: bad,
        }]),
      { name: "RangeError", message },
    );
  }
  // Bits per weight are a positive integer: 0 bits store nothing; more than the 64 of a float64
  // is refused too.
  for (const bad of [0, -2, 65]) {
    assert.throws(() => bitWidthFigure([{ method: "a", bits: bad, accuracy: 0.5 }]), {
      name: "RangeError",
      message: new RegExp(
        `^Cannot plot accuracy against bit width: points\\[0\\]\\.bits must be in \\[1, 64\\], got ${bad}$`,
      ),
    });
  }
});

Deno.test("byte ticks keep 1-2-5 ticks when they are exactly 12", () => {
  // 2 to 10,000 bytes: the axis spans 2 / 1.1 to 11,000, which holds 2 5 10 20 50 100 200 500
  // 1,000 2,000 5,000 10,000: twelve, not more than 12, so all are kept.
  assert.deepEqual(
    byteTicks(2, 10_000).tickvals,
    [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000],
  );
});

Deno.test("byte ticks label at least two sizes between the smallest and the largest when there are two", () => {
  // By brute force: the round sizes m * 10^e (m = 1..9) between least and most. Where there are
  // two or more, at least two labelled ticks lie there; else plotly's own ticks. 150 to 400
  // bytes has only 200 among 1-2-5 ticks, and 200, 300 and 400 among the multiples.
  const round = (least: number, most: number) => {
    const out: number[] = [];
    for (let e = -1; e <= 8; e++) {
      for (let m = 1; m <= 9; m++) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= least && v <= most) out.push(v);
      }
    }
    return out;
  };
  assert.deepEqual(byteTicks(150, 400).tickvals, [200, 300, 400]);
  for (const least of [1, 3, 7, 12, 95, 150, 333, 480, 999, 1234, 6100]) {
    for (const ratio of [1, 1.05, 1.3, 1.6, 2, 3, 10, 1000]) {
      const most = least * ratio;
      const ticks = byteTicks(least, most);
      if (round(least, most).length >= 2) {
        assert.equal(ticks.tickmode, "array", `${least} to ${most}`);
        const inside = ticks.tickvals!.filter((v) => v >= least && v <= most);
        assert.ok(inside.length >= 2, `${least} to ${most}: ${ticks.tickvals}`);
      }
    }
  }
});

Deno.test("the Pareto front holds exactly the models no other model dominates, by size", () => {
  // Brute force over all pairs: j dominates i when it is no larger and no less accurate, and
  // strictly better in one. Sizes and accuracies on coarse grids, so ties of each kind occur.
  let seed = 7;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const points = Array.from({ length: 40 }, (_, i) => {
    const size = 1 + Math.floor(8 * next());
    return {
      bytes: 100 * size,
      accuracy: (50 + 3 * size + Math.floor(6 * next())) / 100,
      name: `m${i}`,
      group: i % 2 ? "pruned" : "quantized",
    };
  });
  const dominated = (p: typeof points[number]) =>
    points.some((q) =>
      q.bytes <= p.bytes && q.accuracy >= p.accuracy &&
      (q.bytes < p.bytes || q.accuracy > p.accuracy)
    );
  const expected = points.filter((p) => !dominated(p))
    .sort((p, q) => p.bytes - q.bytes || points.indexOf(p) - points.indexOf(q));
  assert.ok(expected.length >= 3, `a front of ${expected.length} tests little`);
  // Two models of one size and accuracy on the front are both kept, in the order given.
  assert.ok(expected.some((p, i) => i > 0 && p.bytes === expected[i - 1].bytes), "no tie");
  const front = paretoFigure(points).data.at(-1)!;
  assert.equal(front.name, "Pareto front");
  assert.deepEqual(front.text, expected.map((p) => p.name));
  assert.deepEqual(front.x, expected.map((p) => p.bytes));
  assert.deepEqual(front.y, expected.map((p) => p.accuracy));
});

Deno.test("valueName names the plotted value in every trace's hover text, escaped, and is checked", () => {
  // A figure of balanced accuracy said "accuracy" on hover (the axis title alone was right).
  const options = { baseline: 0.5, valueName: "balanced <b>accuracy</b> 100%" };
  const figures = [
    sparsityFigure([{ strategy: "m", sparsity: 0.5, accuracy: 0.9 }], options),
    bitWidthFigure([{ method: "a", bits: 4, accuracy: 0.9 }], options),
    paretoFigure([{ bytes: 100, accuracy: 0.9 }, { bytes: 50, accuracy: 0.8 }], options),
  ];
  const escaped = "balanced &lt;b&gt;accuracy&lt;/b&gt; 100&#37;";
  for (const fig of figures) {
    assert.ok(fig.data.length >= 2);
    for (const trace of fig.data) {
      const template = String(trace.hovertemplate);
      assert.ok(template.includes(`${escaped} `), template);
      // The name's own % is no placeholder: the only ones are the builder's.
      assert.ok(!template.includes("100%"), template);
    }
  }
  // Without the option: "accuracy", as before.
  for (const trace of paretoFigure([{ bytes: 100, accuracy: 0.9 }], { baseline: 0.5 }).data) {
    assert.match(String(trace.hovertemplate), /(<br>|: )accuracy /);
  }
  for (const bad of ["", "  ", 3]) {
    assert.throws(
      () => paretoFigure([{ bytes: 100, accuracy: 0.9 }], { valueName: bad as string }),
      /^TypeError: Cannot plot Pareto front: options.valueName must be a non-empty string, got /,
    );
  }
});

Deno.test("two points of one line at one x are refused: plotly joins them with a vertical step", () => {
  // Two quantizationSweep entries of one name (a post-training and a QAT one), or a sweep run with
  // a sparsity listed twice, gave one line through two accuracies at the same x.
  assert.throws(
    () =>
      bitWidthFigure([
        { method: "u", bits: 4, accuracy: 0.9 },
        { method: "u", bits: 2, accuracy: 0.7 },
        { method: "u", bits: 4, accuracy: 0.95 },
      ]),
    {
      name: "RangeError",
      message: "Cannot plot accuracy against bit width: points[0] and points[2] are both method " +
        '"u" at 4 bits; one line cannot show two accuracies at one x (give them different ' +
        "method names, or keep one)",
    },
  );
  assert.throws(
    () =>
      sparsityFigure([
        { strategy: "m", sparsity: 0.5, accuracy: 0.9, fineTuned: true },
        { strategy: "m", sparsity: 0.5, accuracy: 0.8, fineTuned: true },
      ]),
    {
      name: "RangeError",
      message: "Cannot plot accuracy against sparsity: points[0] and points[1] are both " +
        'strategy "m" (fine-tuned) at sparsity 0.5; one line cannot show two accuracies at one ' +
        "x (give them different strategy names, or keep one)",
    },
  );
  // The same x on different lines is what the figures are for: each line holds one point there.
  const bits = bitWidthFigure([
    { method: "u", bits: 4, accuracy: 0.9 },
    { method: "v", bits: 4, accuracy: 0.8 },
  ]);
  assert.deepEqual(bits.data.map((t) => t.x), [[4], [4]]);
  const sparsity = sparsityFigure([
    { strategy: "m", sparsity: 0.5, accuracy: 0.9, fineTuned: true },
    { strategy: "m", sparsity: 0.5, accuracy: 0.8, fineTuned: false },
    { strategy: "r", sparsity: 0.5, accuracy: 0.7, fineTuned: false },
  ]);
  assert.deepEqual(sparsity.data.map((t) => [t.name, t.x]), [
    ["m, fine-tuned", [0.5]],
    ["m, no fine-tuning", [0.5]],
    ["r, no fine-tuning", [0.5]],
  ]);
});
