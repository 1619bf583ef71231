import assert from "node:assert/strict";
import { fromRows } from "../../lib/core/matrix.ts";
import { modelFromCoefficients } from "../../lib/io/coefficients.ts";
import { predictLabels, predictProba } from "../../lib/model/predict.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";

const sklearn = await pythonWithSklearn();

Deno.test("numeric class labels that JSON numbers cannot hold exactly are refused", () => {
  // JSON.parse reads 9007199254740993 as 9007199254740992: the class was renamed silently.
  for (const label of ["9007199254740993", "-9007199254740993", "1e21", "12345678901234567890"]) {
    assert.throws(
      () => modelFromCoefficients(`{"coef": [[1, 2]], "intercept": [0], "classes": [${label}, 1]}`),
      { name: "RangeError", message: /classes\[0\] is .* as read: .*write the classes as strings/ },
      label,
    );
  }
  for (const label of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => modelFromCoefficients({ coef: [[1, 2]], intercept: [0], classes: [0, label] }),
      { name: "RangeError", message: /classes\[1\] is/ },
    );
  }
  // Labels JSON holds exactly read as their digits; as strings, any label does.
  const text = '{"coef": [[1, 2]], "intercept": [0], "classes": [9007199254740991, -3]}';
  assert.deepEqual(modelFromCoefficients(text).model.classes, ["9007199254740991", "-3"]);
  const named = '{"coef": [[1, 2]], "intercept": [0], "classes": ["9007199254740993", 2.5]}';
  assert.deepEqual(modelFromCoefficients(named).model.classes, ["9007199254740993", "2.5"]);
});

Deno.test("a binary multinomial model predicts softmax([-z, z]); ovr and plain ones sigmoid(z)", () => {
  // scikit-learn's binary multinomial model keeps one row w, b, and its probabilities are the
  // softmax of the scores [-z, z] with z = w.x + b (written out here, not through lrcompress).
  const coef = { coef: [[1.5, -2]], intercept: [0.5], classes: ["no", "yes"] };
  const x = fromRows([[1, 0], [0, 1], [0.2, 0.3]]);
  const z = [1.5 + 0.5, -2 + 0.5, 0.3 - 0.6 + 0.5];
  const softmaxYes = (s: number) => Math.exp(s) / (Math.exp(-s) + Math.exp(s));
  const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));
  for (
    const [multiClass, p] of [["multinomial", softmaxYes], ["ovr", sigmoid], [
      undefined,
      sigmoid,
    ]] as const
  ) {
    const { model } = modelFromCoefficients({ ...coef, ...(multiClass ? { multiClass } : {}) });
    const proba = predictProba(model, x);
    z.forEach((s, i) => {
      assert.ok(Math.abs(proba.data[2 * i + 1] - p(s)) < 1e-12, `${multiClass} row ${i}`);
      assert.ok(Math.abs(proba.data[2 * i] - (1 - p(s))) < 1e-12, `${multiClass} row ${i}`);
    });
  }
});

Deno.test("preprocessing's mean and scale are applied as (x - mean) / scale", () => {
  const { model } = modelFromCoefficients({
    coef: [[1, -1], [0.5, 2], [0, 0]],
    intercept: [0, 1, -1],
    preprocessing: { kind: "standardize", mean: [1, 2], scale: [4, 8] },
  });
  assert.deepEqual(model.preprocessing, {
    kind: "standardize",
    mean: Float64Array.of(1, 2),
    scale: Float64Array.of(4, 8),
  });
  // x = (5, 10): standardised (1, 1), so the scores are 0, 3.5 and -1 by hand.
  const proba = predictProba(model, fromRows([[5, 10]]));
  const e = [0, 3.5, -1].map(Math.exp), sum = e[0] + e[1] + e[2];
  e.forEach((v, c) => assert.ok(Math.abs(proba.data[c] - v / sum) < 1e-12, `class ${c}`));
});

Deno.test("a JSON of coefficients whose fields have the wrong form is refused by name, as a SyntaxError", () => {
  // Mutation audit: without each check below every test passed; the files were then refused
  // late with a crash message ("Cannot read properties of undefined"), as a RangeError, or
  // (classes [false, true]) read as the labels "false" and "true".
  const cases: [string, RegExp][] = [
    ['{"coef": [], "intercept": []}', /coef must be a non-empty array of rows/],
    ['{"coef": [[]], "intercept": [0]}', /coef rows must have the same, non-zero length/],
    ['[{"coef": [[1, 2]], "intercept": [0]}]', /expected a JSON object/],
    ["null", /expected a JSON object/],
    ["3", /expected a JSON object/],
    [
      '{"coef": [[1, 2]], "intercept": [0], "featureNames": [1, 2]}',
      /featureNames must be an array of strings, but featureNames\[0\] is number 1$/,
    ],
    [
      '{"coef": [[1, 2]], "intercept": [0], "featureNames": ["a", null]}',
      /featureNames must be an array of strings, but featureNames\[1\] is null$/,
    ],
    [
      '{"coef": [[1, 2]], "intercept": [0], "featureNames": "a,b"}',
      /featureNames must be an array of strings, got string "a,b"$/,
    ],
    [
      '{"coef": [[1, 2]], "intercept": [0], "preprocessing": null}',
      /preprocessing must be an object/,
    ],
    [
      '{"coef": [[1, 2]], "intercept": [0], "classes": [false, true]}',
      /classes must be an array of strings or numbers/,
    ],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => modelFromCoefficients(json), (e: Error) => {
      assert.ok(e instanceof SyntaxError, `${json}: ${e.name}: ${e.message}`);
      assert.match(e.message, /^Cannot import 'coefficients': /);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("a JSON of coefficients that repeats a feature name or a class label is refused by name", () => {
  // A new model, as fit makes, whose inputs are matched to data columns by name: the CSV readers
  // refuse a header that repeats a name, so ["a", "b", "a"] could never be matched to a file.
  for (
    const [featureNames, message] of [
      [["a", "b", "a"], 'features 0 and 2 are both named "a"'],
      [["x", "y", "y"], 'features 1 and 2 are both named "y"'],
    ] as const
  ) {
    assert.throws(
      () => modelFromCoefficients({ coef: [[1, 2, 3]], intercept: [0], featureNames }),
      (e: Error) => {
        assert.ok(e instanceof RangeError, `${e.name}: ${e.message}`);
        assert.equal(e.message, `Cannot import 'coefficients': ${message}`);
        return true;
      },
    );
  }
  // Class labels that repeat, also as a number and its string.
  for (
    const [classes, message] of [
      [["a", "b", "a"], 'class labels 0 and 2 are both "a"'],
      [[1, "1", 2], 'class labels 0 and 1 are both "1"'],
    ] as const
  ) {
    assert.throws(
      () =>
        modelFromCoefficients({
          coef: [[1], [2], [3]],
          intercept: [0, 0, 0],
          classes: [...classes],
        }),
      { name: "RangeError", message: `Cannot import 'coefficients': ${message}` },
    );
  }
  // Distinct names are kept as given, in order (names that differ only in case are distinct).
  const { model } = modelFromCoefficients({
    coef: [[1, 2, 3]],
    intercept: [0],
    featureNames: ["a", "A", "b"],
  });
  assert.deepEqual(model.featureNames, ["a", "A", "b"]);
});

Deno.test({
  name: "scikit-learn's iris model with string labels, dumped as the README says, predicts as " +
    `scikit-learn does${sklearn ? "" : " (skipped: /usr/bin/python3 does not import sklearn)"}`,
  ignore: sklearn === null,
  async fn() {
    // Labels whose sorted order (scikit-learn's classes_, the order of coef_'s rows) is not the
    // order of the target indices, so that a reader reordering them would be seen.
    const out = await runPython<{ json: string; x: number[][]; proba: number[][]; pred: string[] }>(
      `
import json, sys, numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
x, t = load_iris(return_X_y=True)
y = np.array(["zeta", "alpha", "mid"])[t]
clf = LogisticRegression(max_iter=10000, tol=1e-10, multi_class="multinomial").fit(x, y)
text = json.dumps({"coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(),
  "classes": clf.classes_.tolist(), "multiClass": "multinomial"})
print(json.dumps({"json": text, "x": x.tolist(), "proba": clf.predict_proba(x).tolist(),
  "pred": clf.predict(x).tolist()}))
`,
      null,
    );
    const { model, warnings } = modelFromCoefficients(out.json, { name: "iris.json" });
    assert.deepEqual(warnings, []);
    assert.deepEqual(model.classes, ["alpha", "mid", "zeta"]);
    assert.equal(model.link, "softmax");
    const x = fromRows(out.x);
    assert.deepEqual(predictLabels(model, x), out.pred);
    const proba = predictProba(model, x).data;
    let worst = 0;
    out.proba.flat().forEach((p, i) => (worst = Math.max(worst, Math.abs(proba[i] - p))));
    assert.ok(worst < 1e-12, `max |p - sklearn| = ${worst}`);
  },
});
