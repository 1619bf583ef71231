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
