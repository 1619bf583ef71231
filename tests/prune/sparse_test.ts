import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predict, predictProba } from "../../lib/model/predict.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import {
  sparseDecisionFunction,
  sparsePredict,
  sparsePredictProba,
  toSparseModel,
} from "../../lib/prune/sparse.ts";
import { assertClose } from "../_helpers/assert_close.ts";

const cases = [
  ["digits", "standardize"],
  ["digits", "none"],
  ["breast-cancer", "standardize"],
  ["breast-cancer", "none"],
] as const;

for (const [name, preprocessing] of cases) {
  const data = await loadEmbedded(name);
  const dense = fit(data.x, data.y, {
    preprocessing,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  }).model;
  for (const fraction of [0, 0.5, 0.9, 1]) {
    Deno.test(
      `sparse kernels agree with dense predictions (${name}, ${preprocessing}, ${
        fraction * 100
      } % pruned)`,
      () => {
        const model = pruneModel(dense, { fraction });
        const sparse = toSparseModel(model);
        let nonZeros = 0;
        for (const w of model.weights.data) if (w !== 0) nonZeros++;
        assert.equal(sparse.values.length, nonZeros);
        // Skipping a zero term never changes a floating-point sum taken in the same order, so
        // the scores are equal, not merely close.
        assertClose(
          sparseDecisionFunction(sparse, data.x).data,
          decisionFunction(model, data.x).data,
          { rtol: 0, atol: 0 },
        );
        assert.deepEqual(sparsePredict(sparse, data.x), predict(model, data.x));
        assertClose(sparsePredictProba(sparse, data.x).data, predictProba(model, data.x).data, {
          rtol: 0,
          atol: 0,
        });
      },
    );
  }
}

Deno.test("sparse kernels accept Float32 data and check shapes", async () => {
  const data = await loadEmbedded("digits");
  const model = pruneModel(
    fit(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 5 } }).model,
    {
      fraction: 0.7,
    },
  );
  const sparse = toSparseModel(model);
  const x32 = { data: Float32Array.from(data.x.data), rows: data.x.rows, cols: data.x.cols };
  assert.deepEqual(sparsePredict(sparse, x32), predict(model, x32));
  assert.throws(
    () => sparsePredict(sparse, { data: new Float64Array(3), rows: 1, cols: 3 }),
    TypeError,
  );
  assert.throws(
    () => sparsePredict(sparse, { data: new Float64Array(64).fill(NaN), rows: 1, cols: 64 }),
    RangeError,
  );
  assert.throws(() => sparsePredict({ ...sparse, kind: "x" } as never, x32), TypeError);
});
