import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomInt, randomNormal } from "../../lib/core/random.ts";
import { binaryRocAuc, evaluate } from "../../lib/metrics/evaluate.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

const sklearnPython = await pythonWithSklearn();

/** A 3-class softmax model with standardisation, and a binary sigmoid model, on 2 features. */
const base = {
  kind: "logistic-regression",
  version: 1,
  featureNames: ["u", "v"],
  preprocessing: {
    kind: "standardize",
    mean: Float64Array.of(0.5, -1),
    scale: Float64Array.of(2, 0.5),
  },
} as const;
const softmax: LogisticModel = {
  ...base,
  classes: ["a", "b", "c"],
  link: "softmax",
  weights: { data: Float64Array.of(1.5, -0.5, -1, 2, 0.25, -1.25), rows: 3, cols: 2 },
  bias: Float64Array.of(0.2, -0.1, 0.4),
};
const sigmoid: LogisticModel = {
  ...base,
  classes: ["a", "b"],
  link: "sigmoid",
  weights: { data: Float64Array.of(1.25, -0.75), rows: 1, cols: 2 },
  bias: Float64Array.of(0.3),
};

Deno.test({
  name: `evaluate's metrics are scikit-learn's on the model's probabilities worked in numpy${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    // Labels drawn at random, so that the confusion matrix is far from symmetric: a matrix
    // counted as [predicted][true] has the same diagonal, accuracy and macro F1, and evaluate's
    // streamed counterpart compares with evaluate itself, so only an oracle outside tells them
    // apart. numpy scores the standardised rows, softmax or sigmoid, with no code of lrcompress.
    const prng = createPrng(21);
    const n = 80;
    const rows = Array.from({ length: n }, () => [randomNormal(prng) * 2, randomNormal(prng) - 1]);
    const x = { data: Float64Array.from(rows.flat()), rows: n, cols: 2 };
    const y3 = Int32Array.from({ length: n }, () => randomInt(prng, 3));
    const y2 = Int32Array.from({ length: n }, () => randomInt(prng, 2));
    type Metrics = {
      accuracy: number;
      balancedAccuracy: number;
      logLoss: number;
      macroF1: number;
      confusion: number[][];
      rocAuc: number | null;
    };
    const expected = await runPython<Metrics[]>(
      "import json, sys, numpy as np\n" +
        "from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, " +
        "f1_score, log_loss, roc_auc_score\n" +
        "d = json.load(sys.stdin)\n" +
        "z = (np.array(d['x']) - np.array([0.5, -1])) / np.array([2, 0.5])\n" +
        "out = []\n" +
        "for W, b, y in ((d['w3'], d['b3'], d['y3']), (d['w2'], d['b2'], d['y2'])):\n" +
        "    s = z @ np.array(W).T + np.array(b)\n" +
        "    if s.shape[1] == 1:\n" +
        "        p1 = 1 / (1 + np.exp(-s[:, 0]))\n" +
        "        p = np.stack([1 - p1, p1], axis=1)\n" +
        "        pred = (s[:, 0] > 0).astype(int)\n" +
        "        auc = float(roc_auc_score(y, s[:, 0]))\n" +
        "    else:\n" +
        "        e = np.exp(s - s.max(axis=1, keepdims=True))\n" +
        "        p = e / e.sum(axis=1, keepdims=True)\n" +
        "        pred = s.argmax(axis=1)\n" +
        "        auc = None\n" +
        "    labels = list(range(p.shape[1]))\n" +
        "    out.append({'accuracy': float(accuracy_score(y, pred)),\n" +
        "                'balancedAccuracy': float(balanced_accuracy_score(y, pred)),\n" +
        "                'logLoss': float(log_loss(y, p, labels=labels)),\n" +
        "                'macroF1': float(f1_score(y, pred, average='macro', zero_division=0)),\n" +
        "                'confusion': confusion_matrix(y, pred, labels=labels).tolist(),\n" +
        "                'rocAuc': auc})\n" +
        "print(json.dumps(out))\n",
      {
        x: rows,
        w3: [[1.5, -0.5], [-1, 2], [0.25, -1.25]],
        b3: [0.2, -0.1, 0.4],
        y3: [...y3],
        w2: [[1.25, -0.75]],
        b2: [0.3],
        y2: [...y2],
      },
    );
    for (const [i, [model, y]] of ([[softmax, y3], [sigmoid, y2]] as const).entries()) {
      const e = evaluate(model, x, y), want = expected[i];
      const what = model.link;
      const c = want.confusion;
      assert.ok(c.some((r, t) => r.some((v, p) => v !== c[p][t])), `${what}: not symmetric`);
      assert.deepEqual(e.confusion, c, `${what} confusion`);
      assert.equal(e.samples, n);
      assertClose(e.accuracy, want.accuracy, { rtol: 1e-15, message: `${what} accuracy` });
      assertClose(e.balancedAccuracy, want.balancedAccuracy, {
        rtol: 1e-12,
        message: `${what} balanced accuracy`,
      });
      assertClose(e.logLoss, want.logLoss, { rtol: 1e-12, message: `${what} log loss` });
      assertClose(e.macroF1, want.macroF1, { rtol: 1e-12, message: `${what} macro F1` });
      if (want.rocAuc === null) assert.equal(e.rocAuc, null, `${what} ROC AUC`);
      else assertClose(e.rocAuc!, want.rocAuc, { rtol: 1e-12, message: `${what} ROC AUC` });
    }
  },
});

Deno.test("evaluate gives no ROC AUC for a binary model on one class, and refuses no rows", () => {
  // One class present: no pair of a positive and a negative, so no AUC (documented null), while
  // the other metrics are still counted: score 0.3 + 1.25 (1 - 0.5) / 2 - 0.75 (0 + 1) / 0.5 =
  // -0.8875 at (1, 0) predicts class a (0), right for label 0.
  const x = { data: Float64Array.of(1, 0, 1, 0), rows: 2, cols: 2 };
  for (const label of [0, 1]) {
    const e = evaluate(sigmoid, x, Int32Array.of(label, label));
    assert.equal(e.rocAuc, null);
    assert.equal(e.accuracy, label === 0 ? 1 : 0);
  }
  // The mean of no rows: refused in evaluate's own name, not in accuracy's.
  assert.throws(
    () => evaluate(sigmoid, { data: new Float64Array(0), rows: 0, cols: 2 }, new Int32Array(0)),
    { name: "RangeError", message: "Cannot evaluate model: there are no samples" },
  );
});

Deno.test("evaluate refuses labels out of the model's classes or of another length, in its own name", () => {
  const x = { data: Float64Array.of(1, 0, 1, 0, 0, 1), rows: 3, cols: 2 };
  assert.throws(() => evaluate(sigmoid, x, Int32Array.of(0, 1, 2)), {
    name: "RangeError",
    message: "Cannot evaluate model: label at row 2 is 2, expected in 0..1",
  });
  assert.throws(() => evaluate(sigmoid, x, Int32Array.of(0, -1, 1)), {
    name: "RangeError",
    message: "Cannot evaluate model: label at row 1 is -1, expected in 0..1",
  });
  assert.throws(() => evaluate(sigmoid, x, Int32Array.of(0, 1)), {
    name: "TypeError",
    message: "Cannot evaluate model: data has 3 rows but labels have 2 entries",
  });
});

Deno.test("evaluate ranks a two-class softmax model's samples by classes[1]'s probability for ROC AUC", () => {
  // The AUC counted over every (positive, negative) pair, with classes[1]'s softmax probability
  // worked here from the raw rows; the same model written as a sigmoid (weights and bias w1 - w0,
  // b1 - b0) must give the same metrics.
  const two: LogisticModel = {
    ...base,
    classes: ["a", "b"],
    link: "softmax",
    weights: { data: Float64Array.of(0.5, 1, -0.75, 0.25), rows: 2, cols: 2 },
    bias: Float64Array.of(0.1, -0.2),
  };
  const asSigmoid: LogisticModel = {
    ...base,
    classes: ["a", "b"],
    link: "sigmoid",
    weights: { data: Float64Array.of(-0.75 - 0.5, 0.25 - 1), rows: 1, cols: 2 },
    bias: Float64Array.of(-0.2 - 0.1),
  };
  const prng = createPrng(5);
  const n = 60;
  const x = {
    data: Float64Array.from({ length: 2 * n }, () => randomNormal(prng)),
    rows: n,
    cols: 2,
  };
  const y = Int32Array.from({ length: n }, () => randomInt(prng, 2));
  const p1 = Array.from({ length: n }, (_, i) => {
    const u = (x.data[2 * i] - 0.5) / 2, v = (x.data[2 * i + 1] + 1) / 0.5;
    const s0 = 0.5 * u + v + 0.1, s1 = -0.75 * u + 0.25 * v - 0.2;
    return Math.exp(s1) / (Math.exp(s0) + Math.exp(s1));
  });
  const auc = pairwiseAuc(y, p1);
  const e = evaluate(two, x, y);
  assert.ok(auc > 0 && auc < 1, `AUC ${auc}`);
  assertClose(e.rocAuc!, auc, { rtol: 1e-15, message: "ROC AUC" });
  const s = evaluate(asSigmoid, x, y);
  assert.deepEqual(e.confusion, s.confusion);
  assertClose(e.logLoss, s.logLoss, { rtol: 1e-12, message: "log loss" });
  assert.equal(e.rocAuc, s.rocAuc);
});

Deno.test("binaryRocAuc counts the pairs a binary model's scores rank right, ties as halves", () => {
  // Brute force over every (positive, negative) pair, on whole-number scores so that ties occur
  // and the softmax columns' difference is exact: a sigmoid model's one column and a two-class
  // softmax's second column less its first.
  const prng = createPrng(5);
  const n = 60;
  const s = Float64Array.from({ length: n }, () => Math.round(randomNormal(prng) * 3));
  const y = Int32Array.from({ length: n }, () => randomInt(prng, 2));
  const auc = pairwiseAuc(y, s);
  const one = { data: s, rows: n, cols: 1 };
  const offset = Float64Array.from({ length: n }, () => randomInt(prng, 100) - 50);
  const two = {
    data: Float64Array.from({ length: 2 * n }, (_, t) => {
      const i = t >> 1;
      return t % 2 === 0 ? offset[i] : offset[i] + s[i];
    }),
    rows: n,
    cols: 2,
  };
  assertClose(binaryRocAuc(one, y)!, auc, { rtol: 1e-15, message: "one column" });
  assertClose(binaryRocAuc(two, y)!, auc, { rtol: 1e-15, message: "two columns" });
  // More than two classes, or one class present: undefined.
  assert.equal(binaryRocAuc({ data: new Float64Array(3 * n), rows: n, cols: 3 }, y), null);
  assert.equal(binaryRocAuc(one, new Int32Array(n)), null);
  assert.equal(binaryRocAuc(one, new Int32Array(n).fill(1)), null);
  assert.throws(() => binaryRocAuc(one, new Int32Array(n).fill(2)), /Cannot compute ROC AUC/);
  assert.throws(() => binaryRocAuc(one, y.subarray(1)), /Cannot compute ROC AUC: y has 59/);
});

Deno.test("binaryRocAuc refuses a malformed scores matrix, not as a NaN score", () => {
  const y = Int32Array.of(0, 1, 0, 1);
  const refuses = (scores: unknown, message: RegExp) =>
    assert.throws(() => binaryRocAuc(scores as Matrix, y), (e: Error) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /NaN/);
      return true;
    });
  // Fewer elements than rows x cols: the missing ones read as undefined, once "score 3 is NaN".
  refuses(
    { data: new Float64Array(3), rows: 4, cols: 1 },
    /^Cannot compute ROC AUC: scores is 4 x 1 but holds 3 elements$/,
  );
  refuses(
    { data: new Float64Array(7), rows: 4, cols: 2 },
    /^Cannot compute ROC AUC: scores is 4 x 2 but holds 7 elements$/,
  );
  // No column: once "score 0 is NaN".
  refuses(
    { data: new Float64Array(0), rows: 4, cols: 0 },
    /^Cannot compute ROC AUC: scores has no column \(4 x 0\); a binary model's decision scores have 1 or 2$/,
  );
  // Rows that do not match the labels.
  refuses(
    { data: new Float64Array(3), rows: 3, cols: 1 },
    /^Cannot compute ROC AUC: y has 4 entries, scores has 3$/,
  );
  // Not a matrix at all.
  refuses(null, /^Cannot compute ROC AUC: scores must be a matrix, got null$/);
  refuses(
    [0.1, 0.2, 0.3, 0.4],
    /^Cannot compute ROC AUC: scores must be a matrix \{ data, rows, cols \}/,
  );
  refuses(
    { data: [0.1, 0.2, 0.3, 0.4], rows: 4, cols: 1 },
    /^Cannot compute ROC AUC: scores.data must be a Float32Array or Float64Array/,
  );
  refuses(
    { data: new Float64Array(4), rows: 4.5, cols: 1 },
    /^Cannot compute ROC AUC: scores must have integer rows and cols, got 4.5 x 1$/,
  );
  // A well-formed float32 matrix is still read.
  assert.equal(binaryRocAuc({ data: Float32Array.of(-1, 2, 0, 1), rows: 4, cols: 1 }, y), 1);
});
