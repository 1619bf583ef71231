import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { evaluateStream } from "../../lib/metrics/evaluate_stream.ts";
import { scoreCutoff } from "../../lib/model/decision_threshold.ts";
import { fit } from "../../lib/model/fit.ts";
import {
  classesFromScores,
  predict,
  predictLabels,
  predictProba,
} from "../../lib/model/predict.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { validateModel } from "../../lib/model/validate_model.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { sparsePredict, sparsePredictProba, toSparseModel } from "../../lib/prune/sparse.ts";
import { calibrateInput, integerPredict, prepareIntegerModel } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import {
  prepareQuantizedPredictor,
  quantizedPredict,
  quantizedPredictProba,
} from "../../lib/quant/predictor.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import { validateQuantizedModel } from "../../lib/quant/validate.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import { throwsWith } from "../_helpers/errors.ts";

/** Two overlapping Gaussian classes: many probabilities between 0.1 and 0.9. */
function overlapping(n: number, d: number, seed: number): { x: Matrix; y: Int32Array } {
  const prng = createPrng(seed);
  const data = new Float64Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < d; j++) data[i * d + j] = randomNormal(prng) + (y[i] ? 0.4 : 0) + j;
  }
  return { x: { data, rows: n, cols: d }, y };
}

const train = overlapping(600, 6, 1);
const test = overlapping(400, 6, 2);
const x32: Matrix = { ...test.x, data: Float32Array.from(test.x.data) };
const base = fit(train.x, train.y, {
  penalty: { kind: "l2", lambda: 1e-3 },
  optimizer: { kind: "lbfgs", maxIterations: 50 },
}).model;

/** Labels by the probability of class 1 against `t`, from the probabilities alone. */
function byProbability(p: Matrix<Float64Array>, t: number): Int32Array {
  return Int32Array.from({ length: p.rows }, (_, i) => (p.data[2 * i + 1] > t ? 1 : 0));
}

/** Asserts the labels equal `p > t` on every row not within `margin` of the threshold. */
function assertLabelsFollow(
  got: Int32Array,
  p: Matrix<Float64Array>,
  t: number,
  what: string,
  margin = 1e-6,
): number {
  const want = byProbability(p, t);
  let checked = 0;
  for (let i = 0; i < got.length; i++) {
    if (Math.abs(p.data[2 * i + 1] - t) <= margin) continue;
    assert.equal(got[i], want[i], `${what}: row ${i} (p = ${p.data[2 * i + 1]}, t = ${t})`);
    checked++;
  }
  assert.ok(checked > 0.95 * got.length, `${what}: only ${checked} rows away from the threshold`);
  return checked;
}

Deno.test("the test data put many rows between the thresholds, so the labels differ from 0.5's", () => {
  const p = predictProba(base, test.x);
  for (const t of [0.2, 0.9]) {
    const moved = byProbability(p, t).filter((c, i) => c !== byProbability(p, 0.5)[i]).length;
    assert.ok(moved > 40, `t = ${t}: only ${moved} of 400 labels move`);
  }
});

Deno.test("a float model labels classes[1] iff P(classes[1]) > threshold on every path", () => {
  const p = predictProba(base, test.x);
  for (const t of [0.2, 0.9, 0.5, 0.03]) {
    const m = withThreshold(base, t);
    assert.deepEqual(predictProba(m, test.x), p, "probabilities do not move");
    assertLabelsFollow(predict(m, test.x), p, t, "predict");
    assertLabelsFollow(predict(m, x32, { backend: "wasm" }), p, t, "predict wasm", 1e-5);
    assertLabelsFollow(predict(m, x32, { backend: "ts" }), p, t, "predict ts on float32", 1e-5);
    const labels = predictLabels(m, test.x);
    assertLabelsFollow(Int32Array.from(labels, (l) => m.classes.indexOf(l)), p, t, "labels");
    for (const backend of ["ts", "wasm"] as const) {
      using predictor = preparePredictor(m, { backend });
      assertLabelsFollow(predictor.predict(x32), p, t, `predictor ${backend}`, 1e-5);
    }
    const sparse = toSparseModel(m);
    assert.equal(sparse.threshold, t);
    assert.deepEqual(sparsePredictProba(sparse, test.x).data.length, p.data.length);
    assertLabelsFollow(sparsePredict(sparse, test.x), p, t, "sparse");
  }
});

Deno.test("without a threshold, and after withThreshold(model, null), labels are those of score > 0", () => {
  const scores = { data: new Float64Array(0), rows: 0, cols: 1 };
  assert.equal(classesFromScores(scores).length, 0);
  const cleared = withThreshold(withThreshold(base, 0.9), null);
  assert.equal(Object.hasOwn(cleared, "threshold"), false);
  assert.equal(scoreCutoff(cleared), 0);
  const p = predictProba(base, test.x);
  // 0.5 as an oracle: sigmoid(s) > 0.5 iff s > 0, the library's labels without a threshold.
  assertLabelsFollow(predict(cleared, test.x), p, 0.5, "cleared");
  assert.deepEqual(predict(cleared, test.x), predict(base, test.x));
  assert.deepEqual(withThreshold(base, null), base);
});

Deno.test("a score at the cutoff goes to classes[0], just above it to classes[1]", () => {
  const t = 0.8, c = Math.log(t / (1 - t));
  assert.equal(scoreCutoff({ threshold: t }), c);
  const scores = {
    data: Float64Array.from([c, c + 1e-9, c - 1e-9, -Infinity, Infinity]),
    rows: 5,
    cols: 1,
  };
  assert.deepEqual([...classesFromScores(scores, c)], [0, 1, 0, 0, 1]);
});

Deno.test("evaluate and evaluateStream count accuracy and confusion at the threshold; ROC AUC stays", async () => {
  const p = predictProba(base, test.x);
  const plain = evaluate(base, test.x, test.y);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/test.csv`;
    const lines = ["a,b,c,d,e,f,y"];
    for (let i = 0; i < test.x.rows; i++) {
      lines.push(
        [...test.x.data.subarray(i * 6, i * 6 + 6)].map(String).join(",") + "," +
          base.classes[test.y[i]],
      );
    }
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    for (const t of [0.2, 0.9]) {
      const m = withThreshold(base, t);
      const want = byProbability(p, t);
      const confusion = [[0, 0], [0, 0]];
      for (let i = 0; i < want.length; i++) confusion[test.y[i]][want[i]]++;
      const correct = confusion[0][0] + confusion[1][1];
      for (
        const e of [evaluate(m, test.x, test.y), await evaluateStream(m, path, { label: "y" })]
      ) {
        assert.deepEqual(e.confusion, confusion);
        assert.equal(e.accuracy, correct / test.x.rows);
        assert.ok(Math.abs(e.rocAuc! - plain.rocAuc!) < 1e-12);
        assert.ok(Math.abs(e.logLoss - plain.logLoss) < 1e-12);
      }
      assert.notDeepEqual(evaluate(m, test.x, test.y).confusion, plain.confusion);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("weighted evaluate and evaluateStream count the weights' confusion at the threshold, a row at the cutoff as classes[0]", async () => {
  // Score = x: P(yes) = 1 / (1 + exp(-x)); the cutoff of t = 0.8 is logit(t) = log(t / (1 - t)),
  // near log(4) (the float64 division gives 4.000000000000001).
  const one: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
    bias: Float64Array.from([0]),
    classes: ["no", "yes"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const t = 0.8, c = Math.log(t / (1 - t));
  assert.ok(c >= 1 && c < 2);
  const above = c + 2 ** -52; // the next float64 up: float64s in [1, 2) are 2^-52 apart
  const rows: [number, number, number][] = [
    // [x, label, weight]: rows at and just above the cutoff, between 0 and it (labelled "yes" at
    // 0.5, "no" at 0.8), and clear of both.
    [c, 1, 7],
    [c, 0, 0.5],
    [above, 0, 3],
    [above, 1, 2],
    [0.7, 1, 5],
    [1.0, 0, 1.25],
    [1.2, 1, 4],
    [-1, 0, 2],
    [-0.3, 1, 0],
    [2.5, 1, 6],
    [3, 0, 1.5],
  ];
  // The oracle: P(yes) > t from the probability; the rows at the cutoff and one float64 above it
  // (whose probabilities round to t or next to it) as documented: a score equal to the cutoff
  // goes to classes[0], one above it to classes[1].
  const confusion = [[0, 0], [0, 0]], at05 = [[0, 0], [0, 0]];
  let total = 0, loss = 0;
  for (const [x, y, w] of rows) {
    const p = 1 / (1 + Math.exp(-x));
    const predicted = x === c ? 0 : x === above ? 1 : p > t ? 1 : 0;
    confusion[y][predicted] += w;
    at05[y][p > 0.5 ? 1 : 0] += w;
    total += w;
    loss -= w * Math.log(y === 1 ? p : 1 - p);
  }
  assert.notDeepEqual(confusion, at05, "the threshold moves no weight: the test could not tell");
  const m = withThreshold(one, t);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/w.csv`;
    await Deno.writeTextFile(
      path,
      "x,w,y\n" + rows.map(([x, y, w]) => `${x},${w},${one.classes[y]}`).join("\n") + "\n",
    );
    const x = { data: Float64Array.from(rows, (r) => r[0]), rows: rows.length, cols: 1 };
    const y = Int32Array.from(rows, (r) => r[1]);
    const sampleWeight = Float64Array.from(rows, (r) => r[2]);
    for (
      const [what, e] of [
        ["evaluateStream", await evaluateStream(m, path, { label: "y", weightColumn: "w" })],
        ["evaluate", evaluate(m, x, y, { sampleWeight })],
      ] as const
    ) {
      assert.deepEqual(e.confusion, confusion, what);
      assert.ok(
        Math.abs(e.accuracy - (confusion[0][0] + confusion[1][1]) / total) < 1e-15,
        what,
      );
      assert.ok(Math.abs(e.logLoss - loss / total) < 1e-12, `${what}: ${e.logLoss}`);
      assert.equal(e.samples, rows.length, what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantized, prepared and integer-only predictions label at the threshold", () => {
  for (const t of [0.2, 0.9]) {
    const q = calibrateInput(
      quantizeModel(withThreshold(base, t), { method: { kind: "uniform", bits: 8 } }),
      train.x,
    );
    assert.equal(q.threshold, t);
    const p = quantizedPredictProba(q, test.x);
    assertLabelsFollow(quantizedPredict(q, test.x), p, t, "quantizedPredict");
    for (const backend of ["ts", "wasm", "auto"] as const) {
      using predictor = prepareQuantizedPredictor(q, { backend });
      const scoresP = predictor.predictProba(x32);
      assertLabelsFollow(predictor.predict(x32), scoresP, t, `quantized predictor ${backend}`);
    }
    const integer = prepareIntegerModel(q);
    assert.equal(integer.threshold, t);
    using intPredictor = prepareQuantizedPredictor(q, { backend: "ts" });
    const intP = intPredictor.predictProba(test.x);
    assertLabelsFollow(integerPredict(integer, test.x), intP, t, "integerPredict");
  }
});

Deno.test("withThreshold and the validators refuse a threshold that cannot be one", () => {
  const softmax: LogisticModel = {
    ...base,
    link: "softmax",
    weights: { data: new Float64Array(12), rows: 2, cols: 6 },
    bias: new Float64Array(2),
  };
  throwsWith(
    () => withThreshold(softmax, 0.3),
    TypeError,
    "Cannot set the decision threshold: a decision threshold needs a binary (sigmoid) model, " +
      "this one is softmax",
  );
  for (const t of [0, 1, -0.1, 1.5, Infinity, -Infinity]) {
    throwsWith(
      () => withThreshold(base, t),
      RangeError,
      `Cannot set the decision threshold: threshold must be a probability strictly between 0 ` +
        `and 1, got ${t}`,
    );
  }
  throwsWith(() => withThreshold(base, NaN), RangeError, "threshold is NaN");
  throwsWith(
    () => withThreshold(base, "0.3" as unknown as number),
    TypeError,
    "threshold must be a number or null, got",
  );
  throwsWith(
    () => validateModel({ ...base, threshold: 2 }, "predict"),
    RangeError,
    "Cannot predict: threshold must be a probability strictly between 0 and 1, got 2",
  );
  throwsWith(
    () => predict({ ...softmax, threshold: 0.5 }, test.x),
    TypeError,
    "needs a binary (sigmoid) model",
  );
  const q = quantizeModel(base);
  throwsWith(
    () => validateQuantizedModel({ ...q, threshold: NaN }, "predict"),
    RangeError,
    "Cannot predict: threshold is NaN",
  );
  throwsWith(
    () => quantizedPredict({ ...q, threshold: 1 }, test.x),
    RangeError,
    "threshold must be a probability strictly between 0 and 1, got 1",
  );
  const input = base;
  withThreshold(input, 0.3);
  assert.equal(input.threshold, undefined, "the input is not modified");
});

Deno.test("withThreshold checks the model it is given, float or quantized, also when it removes the threshold", () => {
  const q = quantizeModel(base);
  const cases: [unknown, string][] = [
    [{ ...base, bias: new Float64Array(2) }, "bias must be a Float64Array of 1 values"],
    [{ ...q, bias: new Float64Array(1) }, "unknown bias kind undefined"],
    [null, "the model is not an object"],
  ];
  for (const [model, reason] of cases) {
    for (const t of [null, 0.3]) {
      throwsWith(
        () => withThreshold(model as LogisticModel, t),
        TypeError,
        `Cannot set the decision threshold: ${reason}`,
      );
    }
  }
});

Deno.test("a sparse model's threshold is checked as a dense model's is", () => {
  // Unchecked, a threshold of 2 gave the cutoff log(2 / -1) = NaN: every row labelled classes[0].
  const sparse = toSparseModel(base);
  const cases: [unknown, ErrorConstructor, string][] = [
    [2, RangeError, "threshold must be a probability strictly between 0 and 1, got 2"],
    [0, RangeError, "threshold must be a probability strictly between 0 and 1, got 0"],
    [NaN, RangeError, "threshold is NaN"],
    [null, TypeError, "threshold must be a number, got null"],
  ];
  for (const [threshold, type, reason] of cases) {
    const bad = { ...sparse, threshold: threshold as number };
    throwsWith(() => sparsePredict(bad, test.x), type, `Cannot compute sparse scores: ${reason}`);
    throwsWith(() => sparsePredictProba(bad, test.x), type, reason);
  }
  const soft = toSparseModel({
    ...base,
    link: "softmax",
    weights: { data: new Float64Array(12), rows: 2, cols: 6 },
    bias: new Float64Array(2),
  });
  throwsWith(
    () => sparsePredict({ ...soft, threshold: 0.3 }, test.x),
    TypeError,
    "Cannot compute sparse scores: a decision threshold needs a binary (sigmoid) model",
  );
});

Deno.test("a threshold of null, in a model or its JSON, is refused rather than read as none", () => {
  // null is withThreshold's spelling of "remove it"; in a model it is no threshold a reader
  // could label with (scoreCutoff would take log(0)), and a JSON writer's null for none is
  // refused, not taken silently.
  const nulled = { ...base, threshold: null as unknown as number };
  throwsWith(
    () => validateModel(nulled, "predict"),
    TypeError,
    "Cannot predict: threshold must be a number, got null",
  );
  throwsWith(() => predict(nulled, test.x), TypeError, "threshold must be a number, got null");
  const json = JSON.parse(modelToJson(base));
  json.threshold = null;
  throwsWith(
    () => modelFromJson(JSON.stringify(json)),
    SyntaxError,
    "threshold must be a number, got null",
  );
  const q = quantizeModel(base);
  throwsWith(
    () => validateQuantizedModel({ ...q, threshold: null as unknown as number }, "predict"),
    TypeError,
    "Cannot predict: threshold must be a number, got null",
  );
  const qJson = JSON.parse(quantizedModelToJson(q));
  qJson.threshold = null;
  throwsWith(
    () => quantizedModelFromJson(JSON.stringify(qJson)),
    SyntaxError,
    "threshold must be a number, got null",
  );
});

Deno.test("JSON round trips keep the threshold, and read back refuses one out of range", () => {
  const m = withThreshold(base, 0.123456789);
  assert.deepEqual(modelFromJson(modelToJson(m)), m);
  assert.equal(modelToJson(base).includes("threshold"), false);
  const q = withThreshold(quantizeModel(base), 0.77);
  assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(q)), q);
  const bad = modelToJson(m).replace('"threshold":0.123456789', '"threshold":1.5');
  throwsWith(() => modelFromJson(bad), SyntaxError, "threshold must be a probability");
  const text = modelToJson(m).replace('"threshold":0.123456789', '"threshold":"0.2"');
  throwsWith(() => modelFromJson(text), SyntaxError, "threshold must be a number");
  // Pruning keeps it, and labels stay at it.
  const pruned = pruneModel(m, { fraction: 0.5 });
  assert.equal(pruned.threshold, m.threshold);
});
