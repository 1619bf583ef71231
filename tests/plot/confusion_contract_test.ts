import assert from "node:assert/strict";
import { confusionFigure } from "../../lib/plot/confusion.ts";

type Axis = { title: { text: string } };

Deno.test("the confusion axes say true class down and predicted class across", () => {
  // z[t][p] is drawn at y = class t, x = class p: the y axis must be titled the true class.
  const fig = confusionFigure([[3, 1], [0, 2]], { classes: ["a", "b"] });
  assert.equal((fig.layout.yaxis as Axis).title.text, "true class");
  assert.equal((fig.layout.xaxis as Axis).title.text, "predicted class");
});

Deno.test("the colour bar names what the colour measures: samples, or the true class's fraction", () => {
  const colourbar = (normalize: boolean) =>
    (confusionFigure([[3, 1], [0, 2]], { normalize }).data[0].colorbar as {
      title: { text: string };
    })
      .title.text;
  assert.equal(colourbar(false), "samples");
  assert.equal(colourbar(true), "fraction of true class");
});

Deno.test("a count that is negative or not a whole number is refused", () => {
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => confusionFigure([[1, bad], [0, 1]]), {
      name: "RangeError",
      message: new RegExp(
        `^Cannot plot confusion matrix: confusion\\[0\\]\\[1\\] must be a non-negative integer, got ${bad}$`,
      ),
    }, String(bad));
  }
});
