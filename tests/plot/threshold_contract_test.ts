import assert from "node:assert/strict";
import { thresholdFigure } from "../../lib/plot/threshold.ts";
import { chooseThreshold, thresholdCurve } from "../../lib/metrics/threshold.ts";

type Axis = { title: { text: string }; tickformat?: string; range?: number[] };

// Twelve rows, four positive, with a tie (0.4 twice) and scores on both sides of 0.
const scores = [-3, -2.5, -1, -0.2, 0.4, 0.4, 0.9, 1.5, 2, -1.7, 0.1, 3.2];
const y = [0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1];

/** Precision, recall and false-positive rate of "positive iff score > logit(t)", by counting. */
function counted(t: number) {
  const cut = Math.log(t / (1 - t));
  let tp = 0, fp = 0, fn = 0, tn = 0;
  scores.forEach((s, i) => {
    if (s > cut) y[i] === 1 ? tp++ : fp++;
    else y[i] === 1 ? fn++ : tn++;
  });
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 1,
    recall: tp / (tp + fn),
    fpr: fp / (fp + tn),
  };
}

Deno.test("each line's height at each drawn threshold is the measure of the labels that threshold gives", () => {
  const fig = thresholdFigure(thresholdCurve(scores, y), { fpr: true });
  assert.deepEqual(fig.data.map((t) => t.name), ["precision", "recall", "false-positive rate"]);
  const x = fig.data[0].x as number[];
  // Eleven distinct scores: twelve operating points, every threshold in (0, 1), rising.
  assert.equal(x.length, new Set(scores).size + 1);
  for (let i = 0; i < x.length; i++) {
    assert.ok(x[i] > 0 && x[i] < 1, `${x[i]}`);
    if (i > 0) assert.ok(x[i] > x[i - 1], `${x[i - 1]} then ${x[i]}`);
  }
  // Between every two adjacent distinct scores, one threshold.
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  for (let k = 1; k < distinct.length; k++) {
    const inside = x.filter((t) => {
      const l = Math.log(t / (1 - t));
      return l >= distinct[k - 1] && l < distinct[k];
    });
    assert.equal(inside.length, 1, `between ${distinct[k - 1]} and ${distinct[k]}`);
  }
  for (const [trace, key] of [[0, "precision"], [1, "recall"], [2, "fpr"]] as const) {
    assert.deepEqual(fig.data[trace].x, x);
    const want = x.map((t) => counted(t)[key]);
    const got = fig.data[trace].y as number[];
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15, `${key} at ${x[i]}: ${v}`));
  }
});

Deno.test("the axes are the probability threshold from 0 to 1 and the measures in %", () => {
  const fig = thresholdFigure(thresholdCurve(scores, y));
  const xAxis = fig.layout.xaxis as Axis, yAxis = fig.layout.yaxis as Axis;
  assert.equal(xAxis.title.text, "probability threshold (a row is positive above it)");
  assert.deepEqual(xAxis.range, [-0.02, 1.02]);
  assert.equal(yAxis.title.text, "precision, recall (%)");
  assert.equal(yAxis.tickformat, "~%");
  assert.equal(
    (thresholdFigure(thresholdCurve(scores, y), { fpr: true }).layout.yaxis as Axis).title.text,
    "precision, recall, false-positive rate (%)",
  );
  for (const t of fig.data) assert.match(String(t.hovertemplate), /%\{y:\.2%\}/);
});

Deno.test("a chosen threshold is a dashed vertical line named in the legend, with its measures in the hover", () => {
  const target = chooseThreshold(scores, y, { recall: 0.75 });
  const fig = thresholdFigure(thresholdCurve(scores, y), {
    markers: [
      { name: "recall >= 75 % <b>", threshold: target.threshold },
      { name: "default", threshold: 0.5 },
    ],
  });
  const [mark, half] = fig.data.slice(2);
  assert.equal(mark.name, "recall &gt;= 75 % &lt;b&gt;");
  assert.deepEqual(mark.x, [target.threshold, target.threshold]);
  assert.deepEqual(mark.y, [0, 1]);
  assert.equal((mark.line as { dash: string }).dash, "dash");
  const c = counted(target.threshold);
  assert.ok(c.recall >= 0.75);
  assert.ok(
    String(mark.hovertemplate).includes(
      `precision ${(100 * c.precision).toFixed(2)} %, recall ${(100 * c.recall).toFixed(2)} %`,
    ),
    String(mark.hovertemplate),
  );
  // 0.5 is no operating point's threshold here (one lies between the scores -0.2 and 0.1):
  // the line only, no measures named.
  assert.deepEqual(half.x, [0.5, 0.5]);
  assert.doesNotMatch(String(half.hovertemplate), /precision/);
});

Deno.test("points without a probability threshold are left out, and the figure says how many", () => {
  // Scores 37, 38 and 40: no float64 below 1 has a logit above 36.74, so the splits between
  // them and the end labelling no row positive have no threshold.
  const s = [-1, 0.5, 37, 38, 40], labels = [0, 1, 0, 1, 1];
  const curve = thresholdCurve(s, labels);
  const missing = curve.filter((p) => p.threshold === null).length;
  assert.equal(missing, 3);
  const fig = thresholdFigure(curve);
  assert.equal((fig.data[0].x as number[]).length, curve.length - 3);
  const notes = fig.layout.annotations as { text: string }[];
  assert.equal(notes[0].text, "3 operating points without a probability threshold left out");
  assert.equal(thresholdFigure(thresholdCurve(scores, y)).layout.annotations, undefined);
});

Deno.test("a curve given in another order is drawn sorted by threshold", () => {
  const curve = thresholdCurve(scores, y);
  const shuffled = [...curve].reverse();
  assert.deepEqual(thresholdFigure(shuffled).data, thresholdFigure(curve).data);
});

Deno.test("bad curves and markers are refused with what is wrong", () => {
  const curve = thresholdCurve(scores, y);
  const refuse = (f: () => unknown, name: string, message: string) =>
    assert.throws(f, { name, message: `Cannot plot threshold curve: ${message}` });
  refuse(
    () => thresholdFigure([]),
    "RangeError",
    "curve is empty (thresholdCurve gives 2 points or more)",
  );
  refuse(
    () => thresholdFigure([{ ...curve[0], threshold: null }]),
    "RangeError",
    "no point of curve has a threshold (every threshold is null: the scores lie beyond what a " +
      "float64 probability tells apart)",
  );
  refuse(
    () => thresholdFigure(curve.map((p, i) => i === 2 ? { ...p, recall: NaN } : p)),
    "RangeError",
    "curve[2].recall must be in [0, 1], got NaN",
  );
  refuse(
    () => thresholdFigure(curve.map((p, i) => i === 1 ? { ...p, threshold: NaN } : p)),
    "RangeError",
    "curve[1].threshold must be a number, got NaN",
  );
  refuse(
    () => thresholdFigure(curve.map((p, i) => i === 1 ? { ...p, threshold: 1 } : p)),
    "RangeError",
    "curve[1].threshold must be in (0, 1), got 1",
  );
  refuse(
    () => thresholdFigure(curve.map((p, i) => i === 4 ? { ...p, fpr: 1.5 } : p), { fpr: true }),
    "RangeError",
    "curve[4].fpr must be in [0, 1], got 1.5",
  );
  refuse(
    () =>
      thresholdFigure(curve, {
        markers: [{ name: "F1", threshold: 0.3 }, { name: "F1", threshold: 0.6 }],
      }),
    "RangeError",
    `options.markers[1].name "F1" is also options.markers[0]'s; give each marker its own name`,
  );
  refuse(
    () => thresholdFigure(curve, { markers: [{ name: "zero", threshold: 0 }] }),
    "RangeError",
    "options.markers[0].threshold must be in (0, 1), got 0",
  );
  refuse(
    () => thresholdFigure(curve, { markers: [{ name: " ", threshold: 0.5 }] }),
    "RangeError",
    "options.markers[0].name must not be empty",
  );
  refuse(
    () => thresholdFigure(curve, { fpr: "yes" as unknown as boolean }),
    "TypeError",
    'options.fpr must be a boolean, got string "yes"',
  );
  assert.throws(
    () => thresholdFigure(curve, { marker: [] } as unknown as { fpr: boolean }),
    { name: "TypeError", message: /^Cannot draw threshold figure: unknown option 'marker'/ },
  );
});
