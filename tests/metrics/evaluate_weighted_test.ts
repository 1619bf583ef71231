import assert from "node:assert/strict";
import { createPrng, randomInt, randomNormal } from "../../lib/core/random.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";

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

/**
 * 80 random rows, each of the first 20 repeated once further on (tied scores, of both classes
 * when the labels differ), random labels of 3 and 2 classes, non-integer weights with some 0.
 */
function data(seed: number) {
  const prng = createPrng(seed);
  const n = 80;
  const rows = Array.from({ length: 60 }, () => [randomNormal(prng) * 2, randomNormal(prng) - 1]);
  rows.push(...rows.slice(0, 20));
  const x = { data: Float64Array.from(rows.flat()), rows: n, cols: 2 };
  const y3 = Int32Array.from({ length: n }, () => randomInt(prng, 3));
  const y2 = Int32Array.from({ length: n }, () => randomInt(prng, 2));
  const w = Float64Array.from({ length: n }, (_, i) => i % 11 === 5 ? 0 : 0.1 + 3 * prng());
  return { rows, x, y3, y2, w, n };
}

Deno.test({
  name: `evaluate with sampleWeight gives scikit-learn's sample_weight metrics${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    // numpy scores the standardised rows itself (no code of lrcompress), and scikit-learn weighs
    // each metric with sample_weight: the weighted confusion, accuracy, balanced accuracy, macro
    // F1, log loss and ROC AUC (ties across the classes from the repeated rows).
    const { rows, x, y3, y2, w } = data(33);
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
        "sw = np.array(d['sw'])\n" +
        "out = []\n" +
        "for W, b, y in ((d['w3'], d['b3'], d['y3']), (d['w2'], d['b2'], d['y2'])):\n" +
        "    s = z @ np.array(W).T + np.array(b)\n" +
        "    if s.shape[1] == 1:\n" +
        "        p1 = 1 / (1 + np.exp(-s[:, 0]))\n" +
        "        p = np.stack([1 - p1, p1], axis=1)\n" +
        "        pred = (s[:, 0] > 0).astype(int)\n" +
        "        auc = float(roc_auc_score(y, s[:, 0], sample_weight=sw))\n" +
        "    else:\n" +
        "        e = np.exp(s - s.max(axis=1, keepdims=True))\n" +
        "        p = e / e.sum(axis=1, keepdims=True)\n" +
        "        pred = s.argmax(axis=1)\n" +
        "        auc = None\n" +
        "    labels = list(range(p.shape[1]))\n" +
        "    out.append({'accuracy': float(accuracy_score(y, pred, sample_weight=sw)),\n" +
        "                'balancedAccuracy': float(balanced_accuracy_score(y, pred, " +
        "sample_weight=sw)),\n" +
        "                'logLoss': float(log_loss(y, p, labels=labels, sample_weight=sw)),\n" +
        "                'macroF1': float(f1_score(y, pred, average='macro', sample_weight=sw)),\n" +
        "                'confusion': confusion_matrix(y, pred, labels=labels, " +
        "sample_weight=sw).tolist(),\n" +
        "                'rocAuc': auc})\n" +
        "print(json.dumps(out))\n",
      {
        x: rows,
        sw: [...w],
        w3: [[1.5, -0.5], [-1, 2], [0.25, -1.25]],
        b3: [0.2, -0.1, 0.4],
        y3: [...y3],
        w2: [[1.25, -0.75]],
        b2: [0.3],
        y2: [...y2],
      },
    );
    for (const [i, [model, y]] of ([[softmax, y3], [sigmoid, y2]] as const).entries()) {
      const e = evaluate(model, x, y, { sampleWeight: w }), want = expected[i];
      const plain = evaluate(model, x, y);
      const what = model.link;
      assert.equal(e.samples, x.rows, `${what}: samples counts rows`);
      assertClose(e.confusion.flat(), want.confusion.flat(), {
        rtol: 1e-12,
        message: `${what} confusion`,
      });
      for (const key of ["accuracy", "balancedAccuracy", "logLoss", "macroF1"] as const) {
        assertClose(e[key], want[key], { rtol: 1e-12, message: `${what} ${key}` });
        // The weights matter: the weighted figure is not the unweighted one.
        assert.notEqual(e[key], plain[key], `${what} ${key} is weighted`);
      }
      if (want.rocAuc === null) assert.equal(e.rocAuc, null, `${what} ROC AUC`);
      else {
        assertClose(e.rocAuc!, want.rocAuc, { rtol: 1e-12, message: `${what} ROC AUC` });
        assert.notEqual(e.rocAuc, plain.rocAuc, `${what} ROC AUC is weighted`);
      }
    }
  },
});

Deno.test("evaluate's integer weights equal repeated rows, and weights of 1 no weights", () => {
  // Each row repeated w[i] times (0: left out) is the unweighted evaluation the weighted one
  // must equal: exactly for the counts and what is read from them (integer sums), and the AUC
  // (integer and half-integer pair counts); the log loss up to the order of the sums.
  const { x, y3, y2, n } = data(7);
  const prng = createPrng(8);
  const w = Int32Array.from({ length: n }, () => randomInt(prng, 4)); // 0..3
  const picked: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < w[i]; r++) picked.push(i);
  const xr = {
    data: Float64Array.from(picked.flatMap((i) => [x.data[2 * i], x.data[2 * i + 1]])),
    rows: picked.length,
    cols: 2,
  };
  // The binary labels flipped too: the ROC AUC then sorts the other class (the rarer one).
  const flipped = y2.map((v) => 1 - v);
  const ones = y2.reduce((s, v) => s + v, 0);
  assert.notEqual(2 * ones, y2.length, "one class is rarer");
  for (const [model, y] of [[softmax, y3], [sigmoid, y2], [sigmoid, flipped]] as const) {
    const weighted = evaluate(model, x, y, { sampleWeight: w });
    const repeated = evaluate(model, xr, Int32Array.from(picked, (i) => y[i]));
    const what = model.link;
    assert.deepEqual(weighted.confusion, repeated.confusion, `${what} confusion`);
    assert.equal(weighted.accuracy, repeated.accuracy, `${what} accuracy`);
    assert.equal(weighted.balancedAccuracy, repeated.balancedAccuracy, `${what} balanced`);
    assert.equal(weighted.macroF1, repeated.macroF1, `${what} macro F1`);
    assert.equal(weighted.rocAuc, repeated.rocAuc, `${what} ROC AUC`);
    assertClose(weighted.logLoss, repeated.logLoss, { rtol: 1e-13, message: `${what} log loss` });
    // Weights of 1 add the same terms in the same order as no weights: the same numbers.
    const ones = evaluate(model, x, y, { sampleWeight: new Float64Array(n).fill(1) });
    assert.deepEqual({ ...ones }, { ...evaluate(model, x, y) }, `${what} weights of 1`);
  }
});

Deno.test("evaluate's weights of 0 drop rows, and a class left without weight has no ROC AUC", () => {
  const x = { data: Float64Array.of(-1, 0, 1, 0, 2, 0, -2, 0), rows: 4, cols: 2 };
  const y = Int32Array.of(0, 1, 1, 0);
  const e = evaluate(sigmoid, x, y, { sampleWeight: [0.5, 0, 0, 2] });
  // Both positives weigh 0: only negatives are left, so no pair ranks and the AUC is null (not
  // NaN), as for data of one class.
  assert.equal(e.rocAuc, null);
  const kept = evaluate(
    sigmoid,
    { ...x, data: Float64Array.of(-1, 0, -2, 0), rows: 2 },
    y.slice(0, 2).fill(0),
  );
  assert.equal(e.accuracy, kept.accuracy);
  assert.equal(e.balancedAccuracy, kept.balancedAccuracy);
  assert.equal(e.macroF1, kept.macroF1);
});

Deno.test("evaluate refuses weights that are not one finite number >= 0 per row, or all 0", () => {
  const x = { data: Float64Array.of(-1, 0, 1, 0, 2, 0), rows: 3, cols: 2 };
  const y = Int32Array.of(0, 1, 1);
  const refused = (sampleWeight: unknown, error: ErrorConstructor, message: RegExp) =>
    assert.throws(
      () => evaluate(sigmoid, x, y, { sampleWeight: sampleWeight as ArrayLike<number> }),
      (e: Error) => e instanceof error && message.test(e.message),
      String(sampleWeight),
    );
  refused(
    [1, 2],
    TypeError,
    /^Cannot evaluate model: sampleWeight must hold one weight per row of x \(3\), got Array\(2\)$/,
  );
  refused("abc", TypeError, /one weight per row of x \(3\), got string "abc"$/);
  refused(
    [1, -0.5, 1],
    RangeError,
    /^Cannot evaluate model: sampleWeight\[1\] \(row 1\) is -0\.5; weights must be finite numbers >= 0$/,
  );
  refused([1, 1, NaN], RangeError, /sampleWeight\[2\] \(row 2\) is NaN;/);
  refused([Infinity, 1, 1], RangeError, /sampleWeight\[0\] \(row 0\) is Infinity;/);
  refused([1, "2", 1], RangeError, /sampleWeight\[1\] \(row 1\) is string "2";/);
  refused(
    [0, 0, 0],
    RangeError,
    /^Cannot evaluate model: every sampleWeight is 0; at least one row must weigh more$/,
  );
  refused([1e308, 1e308, 1], RangeError, /sampleWeight sum overflows/);
  assert.throws(
    () => evaluate(sigmoid, x, y, { sampleWieght: [1, 1, 1] } as never),
    /^TypeError: Cannot evaluate model: unknown option 'sampleWieght' \(did you mean 'sampleWeight'\?\)$/,
  );
});

Deno.test({
  name:
    `evaluate: a class whose rows all weigh 0 is left out of macro F1, as scikit-learn leaves out an absent class (it averages in a 0 for one present with weight 0)${
      sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
    }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const { x, y3 } = data(11);
    const { predict } = await import("../../lib/model/predict.ts");
    const predicted = predict(softmax, x);
    const w = Float64Array.from(y3, (y, i) => y === 1 || predicted[i] === 1 ? 0 : 1 + (i % 3));
    assert.ok(y3.some((y, i) => y === 1 && w[i] === 0), "class 1 labels rows of weight 0");
    const [dropped, kept] = await runPython<[number, number]>(
      "import json, sys, numpy as np\n" +
        "from sklearn.metrics import f1_score\n" +
        "d = json.load(sys.stdin)\n" +
        "y, p, w = np.array(d['y']), np.array(d['p']), np.array(d['w'])\n" +
        "k = w > 0\n" +
        "print(json.dumps([f1_score(y[k], p[k], average='macro', sample_weight=w[k]),\n" +
        "                  f1_score(y, p, average='macro', sample_weight=w)]))\n",
      { y: [...y3], p: [...predicted], w: [...w] },
    );
    const weighted = evaluate(softmax, x, y3, { sampleWeight: w });
    assertClose(weighted.macroF1, dropped, { rtol: 1e-12 });
    // scikit-learn on every row counts class 1 (labelled, weight 0) as an F1 of 0: 2/3 of it.
    assertClose(kept, (dropped * 2) / 3, { rtol: 1e-12 });
    assert.deepEqual(weighted.confusion[1], [0, 0, 0]);
  },
});
