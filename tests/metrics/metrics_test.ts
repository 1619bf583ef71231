import assert from "node:assert/strict";
import { createPrng } from "../../lib/core/random.ts";
import {
  accuracy,
  confusionMatrix,
  logLoss,
  macroF1,
  macroF1FromConfusion,
  rocAuc,
} from "../../lib/metrics/metrics.ts";
import { pairedAccuracyDifference } from "../../lib/metrics/paired.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

Deno.test("log loss is the mean negative log of the true-class probability", () => {
  const proba = { data: Float64Array.from([0.8, 0.2, 0.3, 0.7, 1, 0]), rows: 3, cols: 2 };
  assertClose(
    logLoss([0, 1, 1], proba),
    -(Math.log(0.8) + Math.log(0.7) + Math.log(Number.EPSILON)) / 3,
  );
});

Deno.test("confusion matrix, accuracy and macro F1 agree with hand counts", () => {
  const yTrue = [0, 0, 1, 1, 2, 2, 2];
  const yPred = [0, 1, 1, 1, 2, 0, 2];
  assert.deepEqual(confusionMatrix(yTrue, yPred, 3), [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
  assert.equal(accuracy(yTrue, yPred), 5 / 7);
  // F1 per class: 2tp / (2tp + fp + fn): class 0: 2/4, class 1: 4/5, class 2: 4/5.
  assertClose(macroF1(yTrue, yPred, 3), (0.5 + 0.8 + 0.8) / 3);
});

Deno.test("ROC AUC equals the brute-force fraction of correctly ordered pairs (ties count 1/2)", () => {
  const prng = createPrng(4);
  for (let trial = 0; trial < 20; trial++) {
    const n = 50;
    const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : prng() < 0.4 ? 1 : 0));
    const s = Array.from({ length: n }, () => Math.floor(prng() * 8)); // many ties
    assertClose(rocAuc(y, s), pairwiseAuc(y, s), { rtol: 1e-12 });
  }
});

Deno.test("metrics refuse mismatched lengths, empty input and a single class for AUC", () => {
  assert.throws(() => accuracy([0, 1], [0]), TypeError);
  assert.throws(() => accuracy([], []), RangeError);
  assert.throws(() => rocAuc([1, 1], [0.2, 0.3]), /only one class/);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), RangeError);
});

const sklearnPython = await pythonWithSklearn();

Deno.test({
  name: `macroF1 averages over the classes present or predicted, as scikit-learn's f1_score${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const cases: [number[], number[], number][] = [
      [[0, 0, 1], [0, 0, 1], 3], // class 2 neither present nor predicted
      [[0, 0], [0, 1], 3], // class 1 predicted, never present
      [[2, 2, 2, 1], [2, 1, 0, 1], 4],
      [[0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3],
    ];
    const expected = await runPython<number[]>(
      "import json, sys\nfrom sklearn.metrics import f1_score\n" +
        "print(json.dumps([float(f1_score(t, p, average='macro', zero_division=0)) " +
        "for t, p, _ in json.load(sys.stdin)]))\n",
      cases,
    );
    assert.equal(expected.length, cases.length);
    cases.forEach(([t, p, k], i) => assertClose(macroF1(t, p, k), expected[i], { atol: 1e-12 }));
  },
});

Deno.test({
  name: `logLoss is scikit-learn's log_loss, saturated probabilities included${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    const proba = [[1, 0, 0], [0, 1, 0], [0.2, 0.3, 0.5], [0, 0, 1], [0.999999, 1e-6, 0]];
    const cases: number[][] = [[0, 1, 2, 2, 0], [1, 0, 0, 0, 2], [2, 2, 1, 2, 1]];
    const expected = await runPython<number[]>(
      "import json, sys\nfrom sklearn.metrics import log_loss\n" +
        "d = json.load(sys.stdin)\n" +
        "print(json.dumps([float(log_loss(y, d['p'], labels=[0, 1, 2])) for y in d['y']]))\n",
      { p: proba, y: cases },
    );
    const m = { data: Float64Array.from(proba.flat()), rows: proba.length, cols: 3 };
    cases.forEach((y, i) => assertClose(logLoss(y, m), expected[i], { rtol: 1e-12 }));
    // Every prediction certain and right: the loss is the clipping alone, -log(1 - eps).
    const [perfect] = await runPython<number[]>(
      "import json\nfrom sklearn.metrics import log_loss\n" +
        "print(json.dumps([float(log_loss([0, 1, 2], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]))]))\n",
      {},
    );
    // scikit-learn renormalises the clipped rows (documented difference, about 2 eps here).
    const identity = { data: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), rows: 3, cols: 3 };
    const ours = logLoss([0, 1, 2], identity);
    assert.equal(ours, -Math.log(1 - Number.EPSILON));
    assert.ok(perfect > 0 && Math.abs(ours - perfect) <= 2 * Number.EPSILON, `${ours} ${perfect}`);
  },
});

Deno.test({
  name: `rocAuc and confusionMatrix are scikit-learn's roc_auc_score and confusion_matrix${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    // Scores that tie exactly and scores a hair apart (1e-13 on 0.5, distinct in float64): only
    // the exact ties count one half. Labels of 4 classes where class 3 is never predicted and
    // class 2 is never true.
    const prng = createPrng(12);
    const cases = Array.from({ length: 12 }, (_, trial) => {
      const n = 5 + trial * 7;
      const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : prng() < 0.5 ? 1 : 0));
      const s = Array.from({ length: n }, () => 0.5 + Math.floor(prng() * 6) * 1e-13);
      const t = Array.from({ length: n }, () => [0, 1, 3][Math.floor(prng() * 3)]);
      const p = Array.from({ length: n }, () => Math.floor(prng() * 3));
      return { y, s, t, p };
    });
    const expected = await runPython<{ auc: number; confusion: number[][] }[]>(
      "import json, sys\nfrom sklearn.metrics import confusion_matrix, roc_auc_score\n" +
        "print(json.dumps([{'auc': float(roc_auc_score(c['y'], c['s'])), 'confusion': " +
        "confusion_matrix(c['t'], c['p'], labels=[0, 1, 2, 3]).tolist()} " +
        "for c in json.load(sys.stdin)]))\n",
      cases,
    );
    assert.equal(expected.length, cases.length);
    cases.forEach(({ y, s, t, p }, i) => {
      assertClose(rocAuc(y, s), expected[i].auc, { rtol: 1e-12 });
      assert.deepEqual(confusionMatrix(t, p, 4), expected[i].confusion);
    });
    // The scores are not all one tie group: that would give 0.5 everywhere.
    assert.ok(expected.some((e) => Math.abs(e.auc - 0.5) > 0.05));
  },
});

Deno.test("logLoss and rocAuc refuse NaN, scores that are not numbers and probabilities outside [0, 1]", () => {
  const m = (row: number[]) => ({ data: Float64Array.from(row), rows: 1, cols: 2 });
  assert.throws(() => logLoss([0], m([NaN, 0.5])), /proba\[0\]\[0\] is NaN, not a probability/);
  assert.throws(() => logLoss([1], m([1.2, -0.2])), /proba\[0\]\[0\] is 1.2, not a probability/);
  assert.throws(() => rocAuc([0, 1, 1], [0.1, NaN, 0.3]), /score 1 is NaN/);
  // Strings compared as NaN gave an AUC (1 here); a missing array failed on reading its length.
  assert.throws(() => rocAuc([0, 1], ["0.9", "0.1"] as never), {
    name: "TypeError",
    message: /^Cannot compute ROC AUC: score 0 is string "0.9", not a number/,
  });
  assert.throws(() => rocAuc([0, 1], undefined as never), {
    name: "TypeError",
    message: /^Cannot compute ROC AUC: scores must be an array of numbers, got undefined/,
  });
  // Every entry of a row counts, not only the true class's (these gave log 2 without a word).
  assert.throws(() => logLoss([1], m([NaN, 0.5])), /proba\[0\]\[0\] is NaN/);
  assert.throws(() => logLoss([1], m([2, 0.5])), /proba\[0\]\[0\] is 2/);
  assert.throws(() => logLoss([0], m([0.5, -1])), /proba\[0\]\[1\] is -1/);
  // A row that is not a distribution (scikit-learn renormalises it; this refuses it).
  assert.throws(() => logLoss([0], m([0.2, 0.2])), /row 0 of proba sums to 0.4, not 1/);
  assert.equal(logLoss([0], m([0.5, 0.5 + 1e-7])), Math.log(2)); // float32-like rounding passes
  // A matrix whose data are shorter than rows x cols.
  assert.throws(
    () => logLoss([0, 1], { data: Float64Array.from([0.5, 0.5]), rows: 2, cols: 2 }),
    TypeError,
  );
});

Deno.test("logLoss takes rows that sum to 1 within 1e-5 either way, and refuses rows beyond it", () => {
  // The documented tolerance, from both sides: 0.9e-5 off is a float32 row's rounding and is
  // taken (true class 0 at p = 0.5 costs log 2 exactly); 2e-5 off is refused, above as below,
  // and so is a row of probabilities in [0, 1] that sums to 1.1.
  const m = (row: number[]) => ({ data: Float64Array.from(row), rows: 1, cols: 2 });
  for (const off of [0.9e-5, -0.9e-5]) assert.equal(logLoss([0], m([0.5, 0.5 + off])), Math.log(2));
  for (const off of [2e-5, -2e-5, 0.1]) {
    assert.throws(() => logLoss([0], m([0.5, 0.5 + off])), {
      name: "RangeError",
      message: /^Cannot compute log loss: row 0 of proba sums to [\d.]+, not 1/,
    });
  }
  assert.throws(() => logLoss([0], m([0.5, 0.5 - 2e-5])), /row 0 of proba sums to 0\.99998/);
});

Deno.test("macroF1FromConfusion refuses a ragged or negative confusion matrix", () => {
  assert.equal(macroF1FromConfusion([[1, 0], [0, 1]]), 1);
  assert.throws(() => macroF1FromConfusion([[1, 2], [3]]), /must be square; row 1 has 1/);
  assert.throws(() => macroF1FromConfusion([[-1, 1], [0, 1]]), /confusion\[0\]\[0\] is -1/);
  assert.throws(() => macroF1FromConfusion([[NaN, 1], [0, 1]]), /is NaN, not a count/);
});

Deno.test("macroF1FromConfusion refuses a matrix that counts no samples, as macroF1 refuses no samples", () => {
  // It returned 0, the score of a classifier wrong on every sample, for the F1 of nothing.
  assert.throws(
    () => macroF1([], [], 2),
    /^RangeError: Cannot compute macro F1: there are no samples$/,
  );
  for (const confusion of [[], [[0]], [[0, 0], [0, 0]], confusionMatrix([], [], 3)]) {
    assert.throws(() => macroF1FromConfusion(confusion), {
      name: "RangeError",
      message: "Cannot compute macro F1: the confusion matrix counts no samples",
    });
  }
  // One sample is enough: the class present and predicted right has F1 1, the other none.
  assert.equal(macroF1FromConfusion([[0, 0], [0, 1]]), 1);
});

Deno.test("macroF1FromConfusion refuses holes and entries that are not numbers", () => {
  // A hole in a row made the score NaN, a missing row crashed with "Cannot read properties of
  // undefined (reading '0')", and the string "1" was refused as the RangeError "is 1, not a count".
  const hole = [[1, 0], [0, 1]];
  delete hole[1][0];
  const missing = [[1, 0], [0, 1]];
  delete missing[0];
  const cases: [number[][], RegExp][] = [
    [hole, /^TypeError: Cannot compute macro F1: confusion\[1\]\[0\] is undefined, not a number$/],
    [missing, /^TypeError: Cannot compute macro F1: confusion must be an array of rows$/],
    [
      [["1" as unknown as number]],
      /^TypeError: Cannot compute macro F1: confusion\[0\]\[0\] is string "1", not a number$/,
    ],
  ];
  for (const [confusion, message] of cases) {
    assert.throws(() => macroF1FromConfusion(confusion), message);
  }
});

Deno.test("label errors name the argument at fault and the function called", () => {
  // They said "data has 3 rows but labels have 2 entries" (there is no data argument), and
  // macroF1 reported itself as the confusion matrix.
  const cases: [() => unknown, RegExp][] = [
    [
      () => accuracy([0, 1, 1], [0, 1]),
      /^Cannot compute accuracy: yPred has 2 entries, yTrue has 3$/,
    ],
    [
      () => macroF1([0, 1, 2], [0, 1, 1], 2),
      /^Cannot compute macro F1: yTrue\[2\] is 2, expected in 0\.\.1$/,
    ],
    [
      () => macroF1([0, 1], [0, 1, 1], 2),
      /^Cannot compute macro F1: yPred has 3 entries, yTrue has 2$/,
    ],
    [
      () => confusionMatrix([0, 1], [0, -1], 2),
      /^Cannot compute confusion matrix: yPred\[1\] is -1/,
    ],
    [
      () => pairedAccuracyDifference([0, 1], { baseline: [0, 1], candidate: [0, 1, 1] }),
      /^Cannot compare accuracies: predictions\.candidate has 3 entries, yTrue has 2$/,
    ],
    // rocAuc said "data has 2 rows but labels have 3 entries" and "label at row 1".
    [
      () => rocAuc([0, 1, 1], [0.1, 0.2]),
      /^Cannot compute ROC AUC: yTrue has 3 entries, scores has 2$/,
    ],
    [
      () => rocAuc([0, 2], [0.1, 0.2]),
      /^Cannot compute ROC AUC: yTrue\[1\] is 2, expected in 0\.\.1$/,
    ],
    // logLoss said the same of its proba rows.
    [
      () => logLoss([0, 1, 1], fromRows([[0.5, 0.5], [0.5, 0.5]])),
      /^Cannot compute log loss: yTrue has 3 entries, proba has 2$/,
    ],
    [
      () => logLoss([0, 2], fromRows([[0.5, 0.5], [0.5, 0.5]])),
      /^Cannot compute log loss: yTrue\[1\] is 2, expected in 0\.\.1$/,
    ],
  ];
  for (const [call, message] of cases) assert.throws(call, { message });
});

Deno.test("evaluate ranks ROC AUC by score, so samples whose probabilities round to 1 are not tied", () => {
  // Scores 38 to 60 all have P(classes[1]) = 1 in float64; ranked by probability the AUC was 0.5.
  const x = fromRows([[38], [45], [50], [60]]);
  const y = Int32Array.from([0, 0, 1, 1]);
  const base = {
    kind: "logistic-regression",
    version: 1,
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  } as const;
  const sigmoid: LogisticModel = {
    ...base,
    link: "sigmoid",
    weights: { data: Float64Array.of(1), rows: 1, cols: 1 },
    bias: Float64Array.of(0),
  };
  const softmax: LogisticModel = {
    ...base,
    link: "softmax",
    weights: { data: Float64Array.of(0, 1), rows: 2, cols: 1 },
    bias: Float64Array.of(0, 0),
  };
  for (const model of [sigmoid, softmax]) assert.equal(evaluate(model, x, y).rocAuc, 1);
});

Deno.test("evaluate ranks a two-class softmax model by the difference of its two scores", () => {
  // Class a's row is not zero here: P(b) = 1 / (1 + exp(z_a - z_b)), with z_a = 3x + 1 and
  // z_b = x, so P(b) falls as x grows (z_b alone rises) and the oracle is the brute-force pair
  // count over P(b).
  const rows = [[-1.5], [-0.2], [0.3], [0.7], [1.1], [2], [-3], [0.05]];
  const y = Int32Array.from([1, 0, 1, 0, 0, 1, 1, 0]);
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
    link: "softmax",
    weights: { data: Float64Array.of(3, 1), rows: 2, cols: 1 },
    bias: Float64Array.of(1, 0),
  };
  const p = rows.map(([x]) => 1 / (1 + Math.exp(3 * x + 1 - x)));
  let good = 0, pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        good += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
      }
    }
  }
  // By hand: positives at x = -1.5, 0.3, 2, -3 lie below 4, 2, 0 and 4 of the 4 negatives.
  assert.equal(good / pairs, 10 / 16);
  assert.equal(evaluate(model, fromRows(rows), y).rocAuc, good / pairs);
});

Deno.test("confusionMatrix and macroF1 refuse a class count that is not an integer in [1, 2^24]", () => {
  // Without their own checks, 0 classes blamed the label 0 ("yTrue[0] is 0, expected in 0..-1"),
  // 2.5 failed in the engine's "Invalid array length", and macroF1 was refused in the name of
  // the confusion matrix.
  for (const nClasses of [0, -1, 2.5, NaN]) {
    for (
      const [call, action] of [
        [() => confusionMatrix([0], [0], nClasses), "compute confusion matrix"],
        [() => macroF1([0], [0], nClasses), "compute macro F1"],
      ] as const
    ) {
      assert.throws(call, {
        name: "RangeError",
        message: `Cannot ${action}: nClasses must be an integer in [1, 16777216], got ${nClasses}`,
      });
    }
  }
  // The lower end of the range is taken: one class, counted by hand.
  assert.deepEqual(confusionMatrix([0, 0], [0, 0], 1), [[2]]);
  assert.equal(macroF1([0, 0], [0, 0], 1), 1);
});

Deno.test("rocAuc refuses no samples as such, not as a single class", () => {
  // With no samples there are no classes at all; it said "only one class is present".
  for (const scores of [[], new Float64Array(0)]) {
    assert.throws(() => rocAuc([], scores), {
      name: "RangeError",
      message: "Cannot compute ROC AUC: there are no samples",
    });
  }
});

Deno.test("logLoss refuses probabilities of no classes in their own name, not the label's", () => {
  // It said "yTrue[0] is 0, expected in 0..-1": the label was fine, proba had no columns.
  assert.throws(() => logLoss([0, 1], { data: new Float64Array(0), rows: 2, cols: 0 }), {
    name: "RangeError",
    message: "Cannot compute log loss: proba has no columns, one per class expected",
  });
  // One column is one class, certain: the loss is the clipping alone.
  assert.equal(logLoss([0], fromRows([[1]])), -Math.log(1 - Number.EPSILON));
});

Deno.test("logLoss refuses no samples, and rocAuc a single class whichever it is", () => {
  // The mean over no rows is 0 / 0; dropping the check returned NaN.
  assert.throws(() => logLoss([], { data: new Float64Array(0), rows: 0, cols: 2 }), {
    name: "RangeError",
    message: "Cannot compute log loss: there are no samples",
  });
  // No positives as well as no negatives: the pair count is 0 either way (the test above tried
  // only the positives; without the positives check, [0, 0] gave 0 / 0 = NaN).
  for (const y of [[1, 1, 1], [0, 0, 0]]) {
    assert.throws(() => rocAuc(y, [0.2, 0.3, 0.1]), {
      name: "RangeError",
      message: "Cannot compute ROC AUC: only one class is present",
    });
  }
});

Deno.test("macroF1FromConfusion refuses an infinite count and rows wider than the matrix is tall", () => {
  // Infinity passed the ">= 0" check and made the score NaN (Infinity / Infinity); a row with
  // an extra column passed a check of "at least k entries" and its last column was never read.
  assert.throws(() => macroF1FromConfusion([[1, Infinity], [0, 1]]), {
    name: "RangeError",
    message: "Cannot compute macro F1: confusion[0][1] is Infinity, not a count (finite and >= 0)",
  });
  assert.throws(() => macroF1FromConfusion([[1, 0, 5], [0, 1, 5]]), {
    name: "TypeError",
    message:
      "Cannot compute macro F1: the confusion matrix must be square; row 0 has 3 entries for 2 classes",
  });
});

Deno.test("logLoss refuses a row 1.1e-5 off 1, and calls a matrix of no rows and no columns no samples", () => {
  // The tolerance is 1e-5, not anything up to the 2e-5 the test above refuses. With no rows at
  // all there is nothing to score: the missing columns are not the first thing wrong.
  const m = (row: number[]) => ({ data: Float64Array.from(row), rows: 1, cols: 2 });
  for (const off of [1.1e-5, -1.1e-5]) {
    assert.throws(() => logLoss([0], m([0.5, 0.5 + off])), /row 0 of proba sums to [\d.]+, not 1/);
  }
  assert.throws(() => logLoss([], { data: new Float64Array(0), rows: 0, cols: 0 }), {
    name: "RangeError",
    message: "Cannot compute log loss: there are no samples",
  });
});
