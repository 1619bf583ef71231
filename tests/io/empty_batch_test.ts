// A service that scores the rows of a request builds its batch with fromRows(rows): a request of
// no rows gives a matrix of no rows and no columns, which cannot know the model's width. Both
// browser entries refuse it (as a width mismatch) and say how to make an empty batch; the batch
// they suggest scores to no labels.
import assert from "node:assert/strict";
import * as full from "../../lib/browser.ts";
import * as lite from "../../lib/browser_lite.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";

const digits = await loadEmbedded("digits");
const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
const q = calibrateInput(quantizeModel(model), digits.x);
const d = digits.x.cols;
const hint = ` (no rows and no columns, as fromRows([]) makes: an empty batch of ${d} columns is ` +
  `matrix(new Float64Array(0), 0, ${d}))`;

Deno.test("an empty fromRows([]) batch is refused with how to make an empty batch, which scores to nothing", () => {
  for (const [entry, L] of [["full", full], ["lite", lite]] as const) {
    const calls: [string, (x: full.Matrix) => ArrayLike<unknown>][] = [
      [`Cannot compute scores: the model takes ${d} features, x has 0`, (x) => L.predict(model, x)],
      [
        `Cannot compute integer scores: the model takes ${d} features, x has 0`,
        (x) => L.quantizedPredict(q, x),
      ],
      [
        `Cannot compute scores: the predictor takes ${d} columns, x has 0`,
        (x) => L.preparePredictor(model).predict(x),
      ],
      [
        `Cannot compute scores: the model takes ${d} features, x has 0`,
        (x) => L.prepareQuantizedPredictor(q).predict(x),
      ],
    ];
    for (const [message, call] of calls) {
      assert.throws(() => call(L.fromRows([])), { name: "TypeError", message: message + hint });
      // The batch the hint names.
      assert.equal(call(L.matrix(new Float64Array(0), 0, d)).length, 0, entry);
    }
    // Another width gets no hint: only a matrix of no rows and no columns.
    assert.throws(() => L.predict(model, L.matrix(new Float64Array(0), 0, 3)), {
      message: `Cannot compute scores: the model takes ${d} features, x has 3`,
    });
  }
});
