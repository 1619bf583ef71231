import assert from "node:assert/strict";
import { trainingComparisonFigure, trainingFigure } from "../../lib/plot/training.ts";

const history = [1, 2, 3].map((epoch) => ({
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5 + 0.1 * epoch,
  objective: 1 / epoch,
  validationLoss: 1.2 / epoch,
  validationAccuracy: 0.5 + 0.05 * epoch,
  seconds: epoch,
}));

type Axis = { title: { text: string }; domain: [number, number] };

Deno.test("panels: 'accuracy' draws the accuracy panel alone", () => {
  const fig = trainingFigure(history, { panels: "accuracy" });
  assert.equal((fig.layout.yaxis as Axis).title.text, "accuracy (%)");
  assert.equal(fig.layout.yaxis2, undefined);
  assert.deepEqual(fig.data.map((t) => t.name), ["training", "validation"]);
  assert.deepEqual(fig.data[0].y, [0.6, 0.7, 0.8]);
  assert.deepEqual(fig.data[1].y, [0.55, 0.6, 0.65]);
});

Deno.test("the title and x axis title options are used, and the hover names the x axis", () => {
  const fig = trainingComparisonFigure([{ name: "L-BFGS", history }], {
    title: "Fine-tuning",
    xTitle: "iteration (L-BFGS steps)",
  });
  assert.equal((fig.layout.title as { text: string }).text, "Fine-tuning");
  assert.equal((fig.layout.xaxis as Axis).title.text, "iteration (L-BFGS steps)");
  assert.equal((fig.layout.xaxis2 as Axis).title.text, "iteration (L-BFGS steps)");
  for (const t of fig.data) assert.match(String(t.hovertemplate), /<br>iteration %\{x\}<br>/);
});

Deno.test("each panel's title sits above its own panel", () => {
  const fig = trainingFigure(history);
  const notes = fig.layout.annotations as { text: string; x: number }[];
  const inside = (x: number, axis: unknown) =>
    (axis as Axis).domain[0] <= x && x <= (axis as Axis).domain[1];
  // The loss traces are on x/y, the accuracy ones on x2/y2 (checked by their y axis titles).
  assert.equal((fig.layout.yaxis as Axis).title.text, "mean log loss (nats)");
  assert.equal((fig.layout.yaxis2 as Axis).title.text, "accuracy (%)");
  const loss = notes.find((a) => a.text === "Loss")!,
    accuracy = notes.find((a) => a.text === "Accuracy")!;
  assert.ok(inside(loss.x, fig.layout.xaxis) && !inside(loss.x, fig.layout.xaxis2), `${loss.x}`);
  assert.ok(inside(accuracy.x, fig.layout.xaxis2) && !inside(accuracy.x, fig.layout.xaxis));
});

Deno.test("a validation accuracy outside [0, 1] is refused like a training accuracy", () => {
  for (const bad of [1.2, -0.1, 85]) {
    const h = history.map((e, i) => i === 1 ? { ...e, validationAccuracy: bad } : e);
    assert.throws(() => trainingFigure(h), {
      name: "RangeError",
      message: new RegExp(
        `^Cannot plot training curves: history\\[1\\]\\.validationAccuracy must be in \\[0, 1\\], got ${bad}$`,
      ),
    });
  }
});

Deno.test("each point pairs a record's epoch with that record's values, in any record order", () => {
  // Records given out of epoch order (3, 1, 2): x[i] and y[i] must still come from one record.
  const shuffled = [history[2], history[0], history[1]];
  const fig = trainingFigure(shuffled);
  assert.equal(fig.data.length, 4);
  const field = (t: (typeof fig.data)[number]) => {
    const loss = (t.yaxis ?? "y") === "y";
    if (t.name === "training") return loss ? "trainLoss" : "trainAccuracy";
    return loss ? "validationLoss" : "validationAccuracy";
  };
  for (const t of fig.data) {
    const xs = t.x as number[], ys = t.y as number[];
    assert.equal(xs.length, 3);
    xs.forEach((x, i) => {
      const record = history.find((e) => e.epoch === x)!;
      assert.equal(ys[i], record[field(t)], `${t.name} at epoch ${x}`);
    });
  }
});

Deno.test("validation on some epochs only is drawn there, with gaps at the others", () => {
  // A history whose records 1 and 3 have no validation (e.g. runs joined together): the
  // validation curves are still drawn, with no value (null) where a record has none.
  const partial = history.map((e, i) =>
    i === 1 ? e : (({ validationLoss: _l, validationAccuracy: _a, ...rest }) => rest)(e)
  );
  const fig = trainingFigure(partial);
  assert.deepEqual(fig.data.map((t) => t.name), [
    "training",
    "validation",
    "training",
    "validation",
  ]);
  assert.deepEqual(fig.data[1].y, [null, history[1].validationLoss, null]);
  assert.deepEqual(fig.data[3].y, [null, history[1].validationAccuracy, null]);
});

Deno.test("one run's training and validation curves look different in each panel", () => {
  const fig = trainingFigure(history);
  const look = (t: (typeof fig.data)[number]) => {
    const line = t.line as { color: string; dash: string };
    return `${line.color} ${line.dash}`;
  };
  for (const panel of ["y", "y2"]) {
    const traces = fig.data.filter((t) => (t.yaxis ?? "y") === panel);
    assert.deepEqual(traces.map((t) => t.name), ["training", "validation"]);
    assert.notEqual(look(traces[0]), look(traces[1]), panel);
  }
});

Deno.test("a bad record in a compared run is named by its run", () => {
  const bad = history.map((e, i) => i === 2 ? { ...e, trainLoss: -1 } : e);
  assert.throws(
    () => trainingComparisonFigure([{ name: "a", history }, { name: "b", history: bad }]),
    {
      name: "RangeError",
      message: /^Cannot plot training curves: runs\[1\]\.history\[2\]\.trainLoss must be >= 0/,
    },
  );
});

Deno.test("two compared runs of one name are refused: their legend entries and hovers were alike", () => {
  const slower = history.map((e) => ({ ...e, trainLoss: 2 * e.trainLoss }));
  assert.throws(
    () =>
      trainingComparisonFigure([
        { name: "Adam", history },
        { name: "SGD", history },
        { name: "Adam", history: slower },
      ]),
    {
      name: "RangeError",
      message: 'Cannot plot training curves: runs[2].name "Adam" is also runs[0]\'s; give each ' +
        "run its own name",
    },
  );
  // Next to each other too.
  assert.throws(
    () => trainingComparisonFigure([{ name: "SGD", history }, { name: "SGD", history: slower }]),
    {
      name: "RangeError",
      message: 'Cannot plot training curves: runs[1].name "SGD" is also runs[0]\'s; give each ' +
        "run its own name",
    },
  );
  // Names that differ only in case are different legend entries, and accepted.
  const fig = trainingComparisonFigure([{ name: "adam", history }, { name: "Adam", history }], {
    panels: "loss",
  });
  assert.deepEqual(new Set(fig.data.map((t) => t.legendgroup)).size, 4);
});

Deno.test("an x axis title holding %{...} is shown in the hover as written, not substituted", () => {
  // plotly.js 4's placeholder pattern (src/lib/index.js, TEMPLATE_STRING_REGEX): a hover
  // template's text that it matches is replaced by a value, and "%{x}" in the title showed x.
  const placeholder = /%{([^\s%{}:]*)([:|\|][^}]*)?}/g;
  const xTitle = "step %{x} of %{y:.1f}, 50%{} (L-BFGS)";
  for (
    const fig of [
      trainingFigure(history, { xTitle }),
      trainingComparisonFigure([{ name: "run", history }], { xTitle }),
    ]
  ) {
    for (const t of fig.data) {
      const template = String(t.hovertemplate);
      // Only the builder's own placeholders: the trace name, x and y.
      assert.deepEqual(
        [...template.matchAll(placeholder)].map((m) => m[1]),
        ["fullData.name", "x", "y"],
      );
      // The title's part before " (" is there, its % as an entity plotly draws as %.
      const shown = template.split("<br>")[1].replaceAll("&#37;", "%");
      assert.equal(shown, "step %{x} of %{y:.1f}, 50%{} %{x}");
    }
  }
});
