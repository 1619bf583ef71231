// Inference on sparse (CSR) inputs. Oracle: the dense float64 reference (`backend: "ts"`) on
// csrToDense(x), which a CSR row's sums equal bit for bit (a zero feature adds w * 0 = ±0).
import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { csrFromDense, type CsrMatrix, csrToDense } from "../../lib/core/sparse.ts";
import { fit } from "../../lib/model/fit.ts";
import {
  decisionFunction,
  predict,
  predictLabels,
  predictProba,
  referenceDecisionFunction,
} from "../../lib/model/predict.ts";
import { preparePredictor, prepareReferencePredictor } from "../../lib/model/predictor.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { magnitudeScores } from "../../lib/prune/scores.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import {
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
  quantizedReferenceDecisionFunction,
} from "../../lib/quant/predictor.ts";
import * as lite from "../../lib/browser_lite.ts";
import { randomSparseDense } from "../_helpers/sparse.ts";

/** Sparse data (float64 and float32 copies) and models fitted on them, binary and multinomial. */
function setup(k: number, seed: number) {
  const dense = randomSparseDense(120, 15, { density: 0.2, seed, offset: 0.5 }) as Matrix<
    Float64Array
  >;
  const y = Int32Array.from({ length: 120 }, (_, i) => {
    const r = dense.data.subarray(i * 15, i * 15 + 15);
    return k === 2 ? (r[0] + r[1] > 0.4 ? 1 : 0) : (r[0] > 0.3 ? 2 : r[2] > 0.1 ? 1 : 0);
  });
  const standardized = fit(dense, y, { optimizer: { kind: "lbfgs", maxIterations: 30 } }).model;
  const raw = fit(dense, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  }).model;
  const dense32 = { data: Float32Array.from(dense.data), rows: 120, cols: 15 };
  return { dense, dense32, y, standardized, raw };
}

const bits = (a: Float64Array) => Array.from(new BigUint64Array(a.slice().buffer), String);

Deno.test("decisionFunction, predictProba, predict and predictLabels on CSR give the dense reference's results bit for bit", () => {
  for (const k of [2, 3]) {
    const { dense, dense32, y, standardized, raw } = setup(k, 10 + k);
    const pruned = pruneModel(standardized, {
      fraction: 0.6,
      scores: magnitudeScores(standardized),
    });
    const models: [string, LogisticModel][] = [
      ["standardised", standardized],
      ["raw", raw],
      ["pruned", pruned],
      ...(k === 2 ? [["threshold 0.7", withThreshold(raw, 0.7)] as [string, LogisticModel]] : []),
    ];
    for (const [name, model] of models) {
      for (const d of [dense, dense32] as Matrix[]) {
        const x = csrFromDense(d);
        const what = `${k} classes, ${name}, ${d.data.constructor.name}`;
        const ref = decisionFunction(model, d, { backend: "ts" });
        assert.deepEqual(bits(decisionFunction(model, x).data), bits(ref.data), what);
        assert.deepEqual(bits(decisionFunction(model, x, { backend: "ts" }).data), bits(ref.data));
        assert.deepEqual(bits(referenceDecisionFunction(model, x).data), bits(ref.data), what);
        assert.deepEqual(predictProba(model, x), predictProba(model, d, { backend: "ts" }), what);
        assert.deepEqual(predict(model, x), predict(model, d, { backend: "ts" }), what);
        assert.deepEqual(predictLabels(model, x), predictLabels(model, d, { backend: "ts" }));
        // The browser's lite entry scores CSR inputs as the library does.
        assert.deepEqual(lite.decisionFunction(model, x), ref, what);
        assert.deepEqual(lite.predict(model, x), predict(model, d, { backend: "ts" }), what);
        assert.ok(new Set(predict(model, x)).size > 1, "the predictions are not constant");
      }
    }
    void y;
  }
});

Deno.test("columns map a model's features into wider CSR data as into the dense data", () => {
  const { dense, standardized } = setup(3, 21);
  // The model reads its 15 features from columns of data 20 wide, in reverse order.
  const wide = new Float64Array(120 * 20);
  const columns = Array.from({ length: 15 }, (_, j) => 19 - j);
  for (let i = 0; i < 120; i++) {
    for (let j = 0; j < 15; j++) wide[i * 20 + columns[j]] = dense.data[i * 15 + j];
    wide[i * 20 + 2] = i; // a column the model does not read
  }
  const wideDense = { data: wide, rows: 120, cols: 20 };
  const x = csrFromDense(wideDense);
  const ref = decisionFunction(standardized, wideDense, { columns, backend: "ts" });
  assert.deepEqual(bits(decisionFunction(standardized, x, { columns }).data), bits(ref.data));
  assert.deepEqual(
    bits(ref.data),
    bits(decisionFunction(standardized, dense, { backend: "ts" }).data),
  );
  using p = preparePredictor(standardized, { columns, inputWidth: 20 });
  assert.deepEqual(bits(p.decisionFunction(x).data), bits(ref.data));
});

Deno.test("prepared predictors score CSR inputs as decisionFunction does", () => {
  const { dense, standardized } = setup(3, 31);
  const x = csrFromDense(dense);
  const ref = decisionFunction(standardized, dense, { backend: "ts" });
  for (const backend of ["auto", "wasm", "ts"] as const) {
    using p = preparePredictor(standardized, { backend });
    assert.deepEqual(bits(p.decisionFunction(x).data), bits(ref.data), backend);
    assert.deepEqual(p.predict(x), predict(standardized, dense, { backend: "ts" }), backend);
    assert.deepEqual(p.predictProba(x), predictProba(standardized, dense, { backend: "ts" }));
  }
  using r = prepareReferencePredictor(standardized);
  assert.deepEqual(bits(r.decisionFunction(x).data), bits(ref.data));
  assert.throws(() => r.predict({ ...x, cols: 16 }), {
    name: "TypeError",
    message: "Cannot compute scores: the predictor takes 15 columns, x has 16",
  });
  // A malformed CSR matrix is refused whole, its values included, as decisionFunction does.
  const nan = { ...x, values: x.values.map((v, i) => (i === 2 ? NaN : v)) };
  using p = preparePredictor(standardized);
  for (const predictor of [p, r]) {
    assert.throws(() => predictor.decisionFunction(nan), {
      name: "RangeError",
      message: /^Cannot compute scores: x holds NaN at row \d+, column \d+ \(entry 2\)$/,
    });
  }
});

Deno.test("evaluate on CSR gives the metrics of the dense data, weighted or not", () => {
  for (const k of [2, 3]) {
    const { dense, y, standardized } = setup(k, 40 + k);
    const x = csrFromDense(dense);
    assert.deepEqual(evaluate(standardized, x, y), evaluate(standardized, dense, y));
    const sampleWeight = Array.from({ length: 120 }, (_, i) => (i % 7) / 3);
    assert.deepEqual(
      evaluate(standardized, x, y, { sampleWeight }),
      evaluate(standardized, dense, y, { sampleWeight }),
    );
  }
});

Deno.test("quantized models score CSR inputs as their dense reference does; calibrated ones refuse them", () => {
  const { dense, dense32, standardized } = setup(3, 51);
  const x = csrFromDense(dense), x32 = csrFromDense(dense32);
  for (
    const method of [
      { kind: "uniform", bits: 8 },
      { kind: "kmeans", bits: 4 },
      { kind: "log2", bits: 4 },
    ] as const
  ) {
    const q = quantizeModel(standardized, { method });
    for (const [sparse, d] of [[x, dense], [x32, dense32]] as [CsrMatrix, Matrix][]) {
      const ref = quantizedDecisionFunction(q, d, { backend: "ts" });
      assert.deepEqual(
        bits(quantizedDecisionFunction(q, sparse).data),
        bits(ref.data),
        method.kind,
      );
      assert.deepEqual(bits(quantizedReferenceDecisionFunction(q, sparse).data), bits(ref.data));
      assert.deepEqual(quantizedPredict(q, sparse), quantizedPredict(q, d, { backend: "ts" }));
      assert.deepEqual(
        quantizedPredictProba(q, sparse),
        quantizedPredictProba(q, d, { backend: "ts" }),
      );
      assert.deepEqual(lite.quantizedDecisionFunction(q, sparse), ref);
    }
  }
  const calibrated = calibrateInput(
    quantizeModel(standardized, { method: { kind: "uniform", bits: 8 } }),
    dense,
  );
  const refusal = {
    name: "TypeError",
    message: "Cannot compute quantized scores: sparse (CSR) input is not supported here; " +
      "convert with csrToDense(x)",
  };
  // Calibrated log2 models score integer-only too.
  const log2 = calibrateInput(
    quantizeModel(standardized, { method: { kind: "log2", bits: 4 } }),
    dense,
  );
  assert.throws(() => quantizedDecisionFunction(log2, x), refusal);
  // An input quantization with a float bias is not integer-only: CSR inputs score as dense ones.
  const floatBias = {
    ...calibrated,
    bias: { kind: "float64" as const, values: Float64Array.from(standardized.bias) },
  };
  assert.deepEqual(
    bits(quantizedDecisionFunction(floatBias, x).data),
    bits(quantizedDecisionFunction(floatBias, dense, { backend: "ts" }).data),
  );
  assert.throws(() => quantizedDecisionFunction(calibrated, x), refusal);
  assert.throws(() => quantizedReferenceDecisionFunction(calibrated, x), refusal);
  assert.throws(() => lite.quantizedPredict(calibrated, x), refusal);
  assert.throws(
    () => quantizedDecisionFunction(quantizeModel(standardized), x, { backend: "wasm" }),
    {
      name: "RangeError",
      message:
        "Cannot compute quantized scores: the wasm kernels do not take sparse (CSR) input; " +
        'use backend "ts" or "auto", or csrToDense',
    },
  );
});

Deno.test("scoring refuses CSR inputs with backend wasm, of another width, or malformed", () => {
  const { dense, raw } = setup(2, 61);
  const x = csrFromDense(dense);
  assert.throws(() => decisionFunction(raw, x, { backend: "wasm" }), {
    name: "RangeError",
    message: "Cannot compute scores: the wasm kernels do not take sparse (CSR) input; use " +
      'backend "ts" or "auto" (which score CSR inputs on the float64 reference), or csrToDense',
  });
  // A malformed matrix (an index beyond its width) is refused before its width is compared.
  assert.throws(() => predict(raw, { ...x, cols: 14 }), {
    name: "RangeError",
    message: /^Cannot compute scores: x row \d+ has column 14 \(entry \d+\), outside 0\.\.13$/,
  });
  assert.throws(
    () => predict(raw, csrFromDense({ data: new Float64Array(16), rows: 1, cols: 16 })),
    {
      name: "TypeError",
      message: "Cannot compute scores: the model takes 15 features, x has 16",
    },
  );
  const nan = { ...x, values: x.values.map((v, i) => (i === 0 ? NaN : v)) };
  assert.throws(() => predictProba(raw, nan), {
    name: "RangeError",
    message: /^Cannot compute scores: x holds NaN at row 0, column \d+ \(entry 0\)$/,
  });
  // A score beyond float64 is refused as for dense inputs.
  const huge = csrToDense(x);
  huge.data.fill(1e308);
  for (const scores of [decisionFunction, referenceDecisionFunction]) {
    assert.throws(() => scores(raw, csrFromDense(huge)), {
      name: "RangeError",
      message: /^Cannot compute scores: the score of row 0 \(output 0\) is -?Infinity/,
    });
  }
});
