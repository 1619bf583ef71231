import assert from "node:assert/strict";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";
import {
  accuracy,
  balancedAccuracy,
  balancedAccuracyFromConfusion,
  confusionMatrix,
} from "../../lib/metrics/metrics.ts";

Deno.test("balancedAccuracy is the mean of the recalls of the classes present, counted by hand", () => {
  // Class 0: 4 rows, 3 right; class 1: 1 row, missed; class 2: absent from yTrue but predicted;
  // class 3: 2 rows, 1 right. Recalls 3/4, 0, 1/2 over the 3 classes present.
  const yTrue = [0, 0, 0, 0, 1, 3, 3];
  const yPred = [0, 0, 0, 2, 0, 3, 2];
  assert.equal(balancedAccuracy(yTrue, yPred), (3 / 4 + 0 + 1 / 2) / 3);
  // A model that never predicts the rare class: accuracy counts it by its share, balanced
  // accuracy by one class in two.
  assert.equal(accuracy([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], new Array(10).fill(0)), 0.9);
  assert.equal(balancedAccuracy([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], new Array(10).fill(0)), 0.5);
  assert.throws(
    () => balancedAccuracy([], []),
    { name: "RangeError", message: "Cannot compute balanced accuracy: there are no samples" },
  );
  assert.throws(() => balancedAccuracy([0, 1], [0]), TypeError);
});

Deno.test("balancedAccuracyFromConfusion is the mean of the recalls of the rows with a count", () => {
  // The rows of the hand-counted case above: recalls 3/4, 0, (absent), 1/2.
  const confusion = [[3, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]];
  assert.equal(balancedAccuracyFromConfusion(confusion), (3 / 4 + 0 + 1 / 2) / 3);
  // 97 of 97 "no" right, 1 of 3 "yes": recalls 1 and 1/3.
  assert.equal(balancedAccuracyFromConfusion([[97, 0], [2, 1]]), (1 + 1 / 3) / 2);
  for (const empty of [[], [[0]], [[0, 0], [0, 0]]]) {
    assert.throws(() => balancedAccuracyFromConfusion(empty), {
      name: "RangeError",
      message: "Cannot compute balanced accuracy: the confusion matrix counts no samples",
    });
  }
  assert.throws(() => balancedAccuracyFromConfusion([[1, 2], [3]]), {
    name: "TypeError",
    message: /^Cannot compute balanced accuracy: the confusion matrix must be square; row 1 has 1/,
  });
  assert.throws(() => balancedAccuracyFromConfusion([[-1, 1], [0, 1]]), {
    name: "RangeError",
    message: /^Cannot compute balanced accuracy: confusion\[0\]\[0\] is -1, not a count/,
  });
});

const sklearnPython = await pythonWithSklearn();

Deno.test({
  name: `balancedAccuracy is scikit-learn's balanced_accuracy_score${
    sklearnPython ? "" : " (skipped: /usr/bin/python3 with scikit-learn not found)"
  }`,
  ignore: sklearnPython === null,
  fn: async () => {
    // Seeded labels of 2 to 5 classes, some with classes predicted but never present.
    let s = 12345;
    const next = (k: number) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % k;
    };
    const cases: [number[], number[]][] = [];
    for (let c = 0; c < 12; c++) {
      const k = 2 + (c % 4), n = 5 + 7 * c;
      const t = Array.from({ length: n }, () => next(k));
      // Right about two times in three; otherwise any class, one more than present included.
      const p = t.map((v) => (next(3) < 2 ? v : next(k + 1)));
      cases.push([t, p]);
    }
    const expected = await runPython<number[]>(
      "import json, sys, warnings\nfrom sklearn.metrics import balanced_accuracy_score\n" +
        "warnings.simplefilter('ignore')\n" +
        "print(json.dumps([float(balanced_accuracy_score(t, p)) for t, p in json.load(sys.stdin)]))\n",
      cases,
    );
    assert.equal(expected.length, cases.length);
    cases.forEach(([t, p], i) => {
      assertClose(balancedAccuracy(t, p), expected[i], { atol: 1e-12 });
      // From the confusion matrix, with a column for the class predicted but never present.
      const k = Math.max(...t, ...p) + 1;
      const fromConfusion = balancedAccuracyFromConfusion(confusionMatrix(t, p, k));
      assertClose(fromConfusion, expected[i], { atol: 1e-12 });
    });
  },
});
