import assert from "node:assert/strict";
import { type Matrix, takeRows } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { fit, type FitOptions } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import {
  chooseLambda,
  crossValidateLambda,
  type CrossValidationProgress,
} from "../../lib/select/cross_validate.ts";
import { stratifiedFolds } from "../../lib/select/folds.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { throwsWith } from "../_helpers/errors.ts";

const cancer = await loadEmbedded("breast-cancer");
const wine = await loadEmbedded("wine");
const iris = await loadEmbedded("iris");

/** The rows of fold `f` (validation) and of the others (training), in row order. */
function split(x: Matrix, y: Int32Array, folds: ArrayLike<number>, f: number) {
  const train: number[] = [], validation: number[] = [];
  for (let i = 0; i < y.length; i++) (folds[i] === f ? validation : train).push(i);
  return {
    train,
    validation,
    xTrain: takeRows(x, train),
    yTrain: Int32Array.from(train, (i) => y[i]),
    xValidation: takeRows(x, validation),
    yValidation: Int32Array.from(validation, (i) => y[i]),
  };
}

/** Fold `f`'s score at `lambda` by the definition: fit on the other folds, evaluate on it. */
function foldScoreByDefinition(
  x: Matrix,
  y: Int32Array,
  folds: ArrayLike<number>,
  f: number,
  options: FitOptions,
  sampleWeight?: ArrayLike<number>,
) {
  const s = split(x, y, folds, f);
  const { model } = fit(s.xTrain, s.yTrain, {
    ...options,
    ...(sampleWeight ? { sampleWeight: s.train.map((i) => sampleWeight[i]) } : {}),
  });
  return evaluate(
    model,
    s.xValidation,
    s.yValidation,
    sampleWeight ? { sampleWeight: s.validation.map((i) => sampleWeight[i]) } : {},
  );
}

/** Mean and standard error of fold scores by their definition. */
function meanAndSe(s: readonly number[]) {
  const k = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / k;
  const variance = s.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1);
  return { mean, se: Math.sqrt(variance / k) };
}

// Irregular folds, not from stratifiedFolds: row i in fold (i * 7) % 4.
const cancerFolds = Array.from({ length: cancer.y.length }, (_, i) => (i * 7) % 4);

Deno.test("each fold's validation log loss is fit on the other folds and evaluate on it, exactly", () => {
  const lambdas = [0.3, 0.01, 0.001];
  const cv = crossValidateLambda(cancer.x, cancer.y, {
    lambdas,
    folds: cancerFolds,
    warmStart: false,
  });
  assert.equal(cv.k, 4);
  assert.deepEqual([...cv.folds], cancerFolds);
  cv.points.forEach((p, i) => {
    assert.equal(p.lambda, lambdas[i]);
    for (let f = 0; f < 4; f++) {
      const want = foldScoreByDefinition(cancer.x, cancer.y, cancerFolds, f, {
        penalty: { kind: "l2", lambda: lambdas[i] },
      });
      assert.equal(p.foldScores[f], want.logLoss, `lambda ${lambdas[i]}, fold ${f}`);
    }
    const { mean, se } = meanAndSe(p.foldScores);
    assertClose(p.mean, mean, { rtol: 1e-15 });
    assertClose(p.standardError, se, { rtol: 1e-12 });
    assert.equal(p.c, 1 / (lambdas[i] * cancer.y.length));
  });
});

Deno.test("a warm start reaches each fold's optimum to the optimizer's tolerance; the strongest penalty starts cold", () => {
  const lambdas = [0.001, 0.1, 0.01]; // visited from the strongest down whatever the order
  const optimizer = { kind: "lbfgs", tolerance: 1e-10, maxIterations: 20000 } as const;
  const models = new Map<string, LogisticModel>();
  const warm = crossValidateLambda(wine.x, wine.y, {
    lambdas,
    k: 3,
    optimizer,
    warmStart: true,
    onProgress: (p) => models.set(`${p.fold} ${p.lambda}`, p.model),
  });
  const cold = crossValidateLambda(wine.x, wine.y, { lambdas, k: 3, optimizer, warmStart: false });
  // Cold is the default: every score exactly fit's on its fold.
  const byDefault = crossValidateLambda(wine.x, wine.y, { lambdas, k: 3, optimizer });
  assert.deepEqual(byDefault.points, cold.points);
  assert.deepEqual(warm.folds, cold.folds);
  // The first strength of each fold is trained from zero: exactly fit.
  assert.deepEqual(warm.points[1].foldScores, cold.points[1].foldScores);
  for (const i of [0, 2]) {
    assertClose(warm.points[i].foldScores, cold.points[i].foldScores, { atol: 1e-8, rtol: 0 });
    // ... by another path: the warm model is not the cold one bit for bit.
    assert.notDeepEqual(warm.points[i].foldScores, cold.points[i].foldScores);
  }
  // The warm start is the previous (stronger) strength's model of the same fold: its weights
  // shrink less as the penalty weakens.
  for (let f = 0; f < 3; f++) {
    const norm = (l: number) =>
      models.get(`${f} ${l}`)!.weights.data.reduce((a, w) => a + w * w, 0);
    assert.ok(norm(0.1) < norm(0.01) && norm(0.01) < norm(0.001), `fold ${f}`);
  }
});

Deno.test("the validation rows cannot move the standardisation of their fold's models", () => {
  const folds = stratifiedFolds(cancer.y, 3, { seed: 2 });
  // The same data but fold 0's rows' features moved far (x * 1000 + 5000): a standardisation fitted
  // with those rows would be another.
  const moved = { ...cancer.x, data: cancer.x.data.slice() };
  const d = cancer.x.cols;
  for (let i = 0; i < folds.length; i++) {
    if (folds[i] !== 0) continue;
    for (let j = 0; j < d; j++) moved.data[i * d + j] = cancer.x.data[i * d + j] * 1000 + 5000;
  }
  const modelsOf = (x: Matrix) => {
    const models: LogisticModel[][] = [[], [], []];
    crossValidateLambda(x, cancer.y, {
      lambdas: [0.1, 0.01],
      folds,
      refit: false,
      onProgress: (p) => models[p.fold].push(p.model),
    });
    return models;
  };
  const before = modelsOf(cancer.x), after = modelsOf(moved);
  // Fold 0's models train on folds 1 and 2 only: bit for bit the same, standardisation included.
  assert.deepEqual(after[0], before[0]);
  // The other folds train on fold 0's rows: their standardisation follows them.
  for (const f of [1, 2]) {
    const p = (m: LogisticModel) => m.preprocessing as { mean: Float64Array };
    assert.notDeepEqual(p(after[f][0]).mean, p(before[f][0]).mean);
    // And it is fitted on the fold's training rows alone: the mean of folds other than f.
    const s = split(moved, cancer.y, folds, f);
    const mean = new Float64Array(d);
    for (let r = 0; r < s.xTrain.rows; r++) {
      for (let j = 0; j < d; j++) mean[j] += s.xTrain.data[r * d + j] / s.xTrain.rows;
    }
    assertClose(p(after[f][0]).mean, mean, { rtol: 1e-12 });
  }
});

Deno.test("sampleWeight weighs each fold's training and its validation score; classWeight the training", () => {
  const w = Array.from({ length: wine.y.length }, (_, i) => [0.5, 1, 2, 3][i % 4]);
  const folds = stratifiedFolds(wine.y, 3, { seed: 4 });
  for (const scoring of ["log-loss", "accuracy", "balanced-accuracy"] as const) {
    const cv = crossValidateLambda(wine.x, wine.y, {
      lambdas: [0.05],
      folds,
      scoring,
      sampleWeight: w,
      classWeight: "balanced",
    });
    for (let f = 0; f < 3; f++) {
      const ev = foldScoreByDefinition(wine.x, wine.y, folds, f, {
        classes: ["0", "1", "2"],
        penalty: { kind: "l2", lambda: 0.05 },
        classWeight: "balanced",
      }, w);
      const want = scoring === "log-loss"
        ? ev.logLoss
        : scoring === "accuracy"
        ? ev.accuracy
        : ev.balancedAccuracy;
      assert.equal(cv.points[0].foldScores[f], want, `${scoring}, fold ${f}`);
    }
    // With weights, C counts the effective weights' sum: each row's weight times its class's
    // balanced weight n / (3 count).
    const count = [0, 1, 2].map((c) => wine.y.filter((v) => v === c).length);
    const sum = w.reduce((a, v, i) => a + v * wine.y.length / (3 * count[wine.y[i]]), 0);
    assertClose(cv.points[0].c, 1 / (0.05 * sum), { rtol: 1e-12 });
  }
});

Deno.test("scoring roc-auc is evaluate's ROC AUC of each fold, and higher is better", () => {
  const cv = crossValidateLambda(cancer.x, cancer.y, {
    lambdas: [1, 0.01],
    folds: cancerFolds,
    scoring: "roc-auc",
    warmStart: false,
  });
  assert.equal(cv.greaterIsBetter, true);
  cv.points.forEach((p) => {
    for (let f = 0; f < 4; f++) {
      const ev = foldScoreByDefinition(cancer.x, cancer.y, cancerFolds, f, {
        penalty: { kind: "l2", lambda: p.lambda },
      });
      assert.equal(p.foldScores[f], ev.rocAuc);
    }
  });
  assert.equal(cv.chosen, cv.points[0].mean > cv.points[1].mean ? 0 : 1);
});

Deno.test("SGD starts every strength from zero: each score is fit and evaluate", () => {
  const optimizer = { kind: "sgd", epochs: 3, batchSize: 32 } as const;
  const cv = crossValidateLambda(wine.x, wine.y, {
    lambdas: [0.1, 0.01],
    folds: wine.y.map((_, i) => i % 3),
    optimizer,
    seed: 9,
    penalty: { kind: "elasticnet", l1Ratio: 0.3 },
  });
  cv.points.forEach((p) => {
    for (let f = 0; f < 3; f++) {
      const ev = foldScoreByDefinition(wine.x, wine.y, wine.y.map((_, i) => i % 3), f, {
        optimizer,
        seed: 9,
        penalty: { kind: "elasticnet", l1Ratio: 0.3, lambda: p.lambda },
      });
      assert.equal(p.foldScores[f], ev.logLoss);
    }
  });
});

Deno.test("the refit is fit on all rows with the chosen penalty, bit for bit", () => {
  const cv = crossValidateLambda(wine.x, wine.y, {
    lambdas: [1, 0.1, 0.01, 0.001],
    penalty: { kind: "l1" },
  });
  assert.deepEqual(cv.penalty, { kind: "l1", lambda: cv.lambda });
  assert.equal(cv.lambda, cv.points[cv.chosen].lambda);
  const direct = fit(wine.x, wine.y, { penalty: cv.penalty });
  assert.deepEqual(cv.refit!.model, direct.model);
  // The chosen strength has the lowest mean log loss (rule best).
  for (const p of cv.points) assert.ok(p.mean >= cv.points[cv.chosen].mean);
  assert.equal(
    crossValidateLambda(wine.x, wine.y, { lambdas: [0.1], refit: false }).refit,
    null,
  );
});

Deno.test("the default grid is scikit-learn's Cs = 10 in lambda = 1 / (C n), strongest first", () => {
  const seen: number[] = [];
  const cv = crossValidateLambda(wine.x, wine.y, {
    k: 3,
    refit: false,
    onProgress: (p) => p.fold === 0 && seen.push(p.lambda),
  });
  const n = wine.y.length;
  assert.equal(cv.points.length, 10);
  // np.logspace(-4, 4, 10): C_i = 10^(-4 + 8 i / 9).
  cv.points.forEach((p, i) => {
    assertClose(p.c, 10 ** (-4 + (8 * i) / 9), { rtol: 1e-12 });
    assertClose(p.lambda * n * p.c, 1, { rtol: 1e-12 });
  });
  assert.deepEqual(seen, cv.points.map((p) => p.lambda));
  // With row weights, n is their sum.
  const weighted = crossValidateLambda(wine.x, wine.y, {
    k: 3,
    refit: false,
    sampleWeight: wine.y.map(() => 2),
    optimizer: { kind: "lbfgs", maxIterations: 1 },
  });
  assertClose(weighted.points[0].lambda, 1 / (1e-4 * 2 * n), { rtol: 1e-12 });
});

Deno.test("progress reports each fold at each strength once, with its score", () => {
  const seen: CrossValidationProgress[] = [];
  const cv = crossValidateLambda(wine.x, wine.y, {
    lambdas: [0.01, 0.1],
    k: 3,
    onProgress: (p) => seen.push(p),
  });
  assert.deepEqual(seen.map((p) => p.step), [1, 2, 3, 4, 5, 6]);
  assert.ok(seen.every((p) => p.steps === 6 && p.k === 3));
  // Within a fold, the strongest penalty first.
  assert.deepEqual(seen.map((p) => `${p.fold} ${p.lambda}`), [
    "0 0.1",
    "0 0.01",
    "1 0.1",
    "1 0.01",
    "2 0.1",
    "2 0.01",
  ]);
  for (const p of seen) {
    assert.equal(cv.points[p.lambdaIndex].lambda, p.lambda);
    assert.equal(cv.points[p.lambdaIndex].foldScores[p.fold], p.score);
  }
});

Deno.test("the best strength is the best mean, ties to the stronger penalty", () => {
  const table = [
    { lambda: 0.01, mean: 0.2, standardError: 0.01 },
    { lambda: 1, mean: 0.5, standardError: 0.01 },
    { lambda: 0.1, mean: 0.2, standardError: 0.01 },
    { lambda: 0.001, mean: 0.25, standardError: 0.01 },
  ];
  assert.deepEqual(chooseLambda(table), { best: 2, chosen: 2 });
  // The later of a tie with the weaker penalty is not taken.
  assert.deepEqual(chooseLambda([table[2], table[0]]), { best: 0, chosen: 0 });
  // Accuracy-like: the highest mean.
  assert.deepEqual(chooseLambda(table, { greaterIsBetter: true }), { best: 1, chosen: 1 });
});

Deno.test("the one-standard-error rule takes the strongest penalty within the best strength's standard error", () => {
  // A loss: the best mean 0.20 at lambda 0.01 with SE 0.03, so the limit is 0.23.
  const loss = [
    { lambda: 0.001, mean: 0.21, standardError: 0.05 },
    { lambda: 0.01, mean: 0.2, standardError: 0.03 },
    { lambda: 0.1, mean: 0.229, standardError: 0.001 },
    { lambda: 0.3, mean: 0.23, standardError: 0.001 }, // on the limit: within
    { lambda: 1, mean: 0.2301, standardError: 0.5 }, // beyond it: a large SE of its own is no help
  ];
  assert.deepEqual(chooseLambda(loss, { rule: "one-standard-error" }), { best: 1, chosen: 3 });
  // A score: the best 0.9 at lambda 0.1 with SE 0.02, so the limit is 0.88.
  const score = [
    { lambda: 10, mean: 0.85, standardError: 0 },
    { lambda: 1, mean: 0.881, standardError: 0 },
    { lambda: 0.1, mean: 0.9, standardError: 0.02 },
    { lambda: 0.01, mean: 0.89, standardError: 0 },
  ];
  assert.deepEqual(
    chooseLambda(score, { rule: "one-standard-error", greaterIsBetter: true }),
    { best: 2, chosen: 1 },
  );
  // A standard error of 0: the best itself.
  assert.deepEqual(
    chooseLambda(score.map((p) => ({ ...p, standardError: 0 })), {
      rule: "one-standard-error",
      greaterIsBetter: true,
    }),
    { best: 2, chosen: 2 },
  );
});

Deno.test("crossValidateLambda applies the one-standard-error rule to its own means and errors", () => {
  const lambdas = [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];
  const best = crossValidateLambda(cancer.x, cancer.y, { lambdas, refit: false });
  const oneSe = crossValidateLambda(cancer.x, cancer.y, {
    lambdas,
    rule: "one-standard-error",
    refit: false,
  });
  assert.deepEqual(oneSe.points, best.points);
  assert.equal(oneSe.best, best.chosen);
  const limit = best.points[best.best].mean + best.points[best.best].standardError;
  const within = best.points.filter((p) => p.mean <= limit).map((p) => p.lambda);
  assert.equal(oneSe.lambda, Math.max(...within));
  // Here the rule takes a stronger penalty than the best: the penalty is the chosen one's.
  assert.ok(oneSe.lambda > best.lambda);
  assert.notEqual(oneSe.chosen, oneSe.best);
  assert.deepEqual(oneSe.penalty, { kind: "l2", lambda: oneSe.lambda });
});

Deno.test("bad strengths, folds and options are refused with what is wrong", () => {
  const cv = (options: Parameters<typeof crossValidateLambda>[2], data = wine) =>
    crossValidateLambda(data.x, data.y, options);
  const A = "Cannot cross-validate lambda: ";
  throwsWith(() => cv({ lambdas: [] }), RangeError, `${A}lambdas is empty; give at least one`);
  throwsWith(
    () => cv({ lambdas: [0.1, -1] }),
    RangeError,
    `${A}lambdas[1] must be a finite number > 0, got -1`,
  );
  throwsWith(() => cv({ lambdas: [NaN] }), RangeError, "lambdas[0] must be a finite number > 0");
  throwsWith(() => cv({ lambdas: [Infinity] }), RangeError, "got Infinity");
  throwsWith(() => cv({ lambdas: [0] }), RangeError, "got 0 (train without a penalty with penalty");
  throwsWith(() => cv({ lambdas: [0.1, 0.2, 0.1] }), RangeError, "lambdas[2] is lambdas[0] again");
  throwsWith(
    () => cv({ lambdas: ["1"] as never }),
    TypeError,
    "lambdas must be an array of numbers",
  );
  throwsWith(() => cv({ k: 3, folds: wine.y.map((_, i) => i % 3) }), RangeError, "give folds or k");
  throwsWith(() => cv({ folds: [0, 1] }), TypeError, "folds has 2 entries, y has 178");
  throwsWith(() => cv({ folds: wine.y.map(() => 0) }), RangeError, "folds name a single fold");
  throwsWith(
    () => cv({ folds: wine.y.map((_, i) => (i % 2) * 2) }),
    RangeError,
    "fold 1 has no rows",
  );
  throwsWith(
    () => cv({ folds: Array.from(wine.y, (_, i) => i % 2 - 0.5) }),
    RangeError,
    `${A}folds[0] is -0.5, not a fold index (an integer from 0 to 177, each fold holding a row)`,
  );
  throwsWith(
    () => cv({ k: 60 }),
    RangeError,
    'Cannot make stratified folds: class "2" has 48 rows, fewer than k = 60 folds',
  );
  throwsWith(
    // Fold 1 holds every row of classes 1 and 2: its training rows are class 0 only.
    () => cv({ folds: wine.y.map((c) => (c === 0 ? 0 : 1)), lambdas: [0.1] }),
    RangeError,
    `${A}the training rows of fold 1 (all rows but its own) hold a single class ("0"); at ` +
      "least two are needed",
  );
  throwsWith(
    () => cv({ penalty: { kind: "l2", lambda: 0.1 } as never }),
    TypeError,
    `${A}penalty.lambda is what cross-validation chooses`,
  );
  throwsWith(
    () => cv({ penalty: { kind: "none" } as never }),
    RangeError,
    "penalty kind none has no strength to choose",
  );
  throwsWith(
    () => cv({ penalty: { kind: "elasticnet", l1Ratio: 2 } }),
    RangeError,
    "penalty.l1Ratio must be a number in [0, 1], got 2",
  );
  throwsWith(
    () => cv({ scoring: "roc-auc" }),
    RangeError,
    "scoring roc-auc needs two classes, got 3",
  );
  throwsWith(() => cv({ scoring: "f1" as never }), RangeError, "scoring must be one of log-loss");
  throwsWith(
    () => cv({ rule: "1se" as never }),
    RangeError,
    "rule must be best or one-standard-error",
  );
  throwsWith(
    () => cv({ optimizer: { kind: "adam" }, warmStart: true }),
    RangeError,
    "warmStart needs the lbfgs optimizer",
  );
  throwsWith(
    () => cv({ preprocessing: { kind: "none" } as never }),
    TypeError,
    'preprocessing must be "standardize" or "none"',
  );
  throwsWith(
    () => cv({ lambda: 0.1 } as never),
    TypeError,
    "unknown option 'lambda' (did you mean 'lambdas'?)",
  );
  throwsWith(
    () =>
      cv({
        sampleWeight: wine.y.map((c) => (c === 2 ? 0 : 1)),
        folds: wine.y.map((c) => c === 2 ? 2 : c),
      }),
    RangeError,
    "fold 2's validation rows all weigh 0",
  );
  throwsWith(
    () => crossValidateLambda(wine.x, wine.y.map(() => 1)),
    RangeError,
    `${A}the labels hold a single class ("1")`,
  );
  const nan = { ...wine.x, data: wine.x.data.slice() };
  nan.data[5 * 13 + 2] = NaN;
  throwsWith(() => crossValidateLambda(nan, wine.y), RangeError, "x holds NaN at row 5, column 2");
  throwsWith(() => cv({ lambdas: [0.1, 0.1] }), RangeError, `${A}lambdas[1] is lambdas[0] again`);
  throwsWith(
    () => cv({ folds: Array.from({ length: 179 }, (_, i) => i % 3) }),
    TypeError,
    `${A}folds has 179 entries, y has 178`,
  );
  for (const bad of [-1, 1.5]) {
    throwsWith(
      () => cv({ folds: Array.from(wine.y, (_, i) => (i === 4 ? bad : i % 3)) }),
      RangeError,
      `${A}folds[4] is ${bad}, not a fold index`,
    );
  }
  // Checked before any training, in crossValidateLambda's words (fit would say them in fold 0's).
  throwsWith(
    () => cv({ link: "sigmoid" }),
    RangeError,
    `${A}the sigmoid link needs exactly 2 classes, got 3`,
  );
  throwsWith(
    () => cv({ optimizer: { kind: "lbfgs", maxIterations: 0 } }),
    RangeError,
    `${A}optimizer.maxIterations must be an integer >= 1, got 0`,
  );
  throwsWith(
    () => cv({ backend: "gpu" as never }),
    RangeError,
    `${A}backend must be auto, wasm or ts, got gpu`,
  );
  throwsWith(
    () => cv({ seed: NaN }),
    TypeError,
    `${A}seed must be a finite number, got number NaN`,
  );
  throwsWith(
    () => cv({ rule: "1se" as never }),
    RangeError,
    `${A}rule must be best or one-standard-error, got string "1se"`,
  );
  throwsWith(
    () => cv({ refit: "yes" as never }),
    TypeError,
    `${A}refit must be a boolean, got string "yes"`,
  );
  throwsWith(
    () => cv({ warmStart: 1 as never }),
    TypeError,
    `${A}warmStart must be a boolean, got number 1`,
  );
  throwsWith(
    () => cv({ classes: "abc" as never }),
    TypeError,
    `${A}classes must be an array of labels, got string "abc"`,
  );
  throwsWith(
    () => crossValidateLambda({ data: new Float64Array(0), rows: 0, cols: 13 }, new Int32Array(0)),
    RangeError,
    `${A}x has no rows`,
  );
  throwsWith(
    () =>
      crossValidateLambda(
        { data: new Float64Array(4), rows: 2, cols: 2 },
        Int32Array.of(0, 2 ** 24),
      ),
    RangeError,
    `${A}label 16777216 would make 16777217 classes`,
  );
  // fit's TypeError stays one, naming the fold and strength.
  throwsWith(
    () => cv({ lambdas: [0.1], featureNames: ["a"] }),
    TypeError,
    `${A}training fold 0 with lambda 0.1: Cannot fit model: 1 feature name for 13 columns of x`,
  );
  // An error of fit names the fold and strength: fold 2 validates every row of class 2, the only
  // class that weighs more than 0, so its training rows all weigh 0.
  throwsWith(
    () =>
      cv({
        lambdas: [0.1],
        folds: wine.y.map((c, i) => (c === 2 ? 2 : i % 2)),
        classWeight: { "0": 0, "1": 0, "2": 1 },
      }),
    RangeError,
    `${A}training fold 2 with lambda 0.1: Cannot fit model: every training row weighs 0`,
  );
});

Deno.test("a fold index is below the row count: none wraps around in the Int32Array", () => {
  // 2^31 + 5 stored as an int32 is negative: a row in no fold's validation, in every training.
  // 2^32 is 0 there. 178 rows can make at most 178 non-empty folds.
  for (const bad of [2 ** 31 + 5, 2 ** 32, 178]) {
    const folds = Array.from(wine.y, (_, i) => i % 3);
    folds[7] = bad;
    throwsWith(
      () => crossValidateLambda(wine.x, wine.y, { lambdas: [0.1], folds, refit: false }),
      RangeError,
      `Cannot cross-validate lambda: folds[7] is ${bad}, not a fold index (an integer from 0 to 177`,
    );
  }
  // One row per fold is the most there can be.
  const leaveOneOut = crossValidateLambda(iris.x, iris.y, {
    lambdas: [0.1],
    folds: Array.from(iris.y, (_, i) => i),
    scoring: "accuracy",
    refit: false,
  });
  assert.equal(leaveOneOut.k, 150);
  assert.ok(leaveOneOut.points[0].foldScores.every((s) => s === 0 || s === 1));
});

Deno.test("every fold is checked before any training: a bad last fold costs no training", () => {
  let trainings = 0;
  const onProgress = () => void trainings++;
  // Classes 1 and 2 all in fold 2: its training rows (folds 0 and 1) are class 0 only.
  throwsWith(
    () =>
      crossValidateLambda(wine.x, wine.y, {
        lambdas: [0.1, 0.01],
        folds: wine.y.map((c, i) => (c === 0 ? i % 2 : 2)),
        onProgress,
      }),
    RangeError,
    'the training rows of fold 2 (all rows but its own) hold a single class ("0")',
  );
  // The training class named is the one there: fold 1 validates classes 0 and 2.
  throwsWith(
    () =>
      crossValidateLambda(wine.x, wine.y, {
        lambdas: [0.1],
        folds: wine.y.map((c, i) => (c === 1 ? i % 2 * 2 : 1)),
        onProgress,
      }),
    RangeError,
    'the training rows of fold 1 (all rows but its own) hold a single class ("1")',
  );
  // The last fold's validation rows all weigh 0.
  const folds = Array.from(wine.y, (_, i) => i % 3);
  throwsWith(
    () =>
      crossValidateLambda(wine.x, wine.y, {
        lambdas: [0.1],
        folds,
        sampleWeight: folds.map((f) => (f === 2 ? 0 : 1)),
        onProgress,
      }),
    RangeError,
    "fold 2's validation rows all weigh 0 (sampleWeight)",
  );
  assert.equal(trainings, 0);
});

Deno.test("balanced accuracy needs every class in every validation fold, with weight", () => {
  const A = "Cannot cross-validate lambda: the validation rows of fold ";
  let trainings = 0;
  const onProgress = () => void trainings++;
  // Class 2 in folds 1 and 2 only: fold 0's balanced accuracy would be the mean recall of classes
  // 0 and 1, the others' that of all three.
  const no2 = wine.y.map((c, i) => (c === 2 ? 1 + (i % 2) : i % 3));
  throwsWith(
    () =>
      crossValidateLambda(wine.x, wine.y, {
        lambdas: [0.1],
        folds: no2,
        scoring: "balanced-accuracy",
        onProgress,
      }),
    RangeError,
    `${A}0 hold no row of class "2", so their balanced accuracy would average the other ` +
      "classes' recalls only, unlike the other folds'; use stratified folds or another scoring",
  );
  // A class of classes that no row has is no bar (it is in no fold's score).
  const four = crossValidateLambda(wine.x, wine.y, {
    lambdas: [0.1],
    k: 3,
    classes: ["0", "1", "2", "none"],
    scoring: "balanced-accuracy",
    refit: false,
  });
  assert.equal(four.points[0].foldScores.length, 3);
  // Scores that average over rows take such folds.
  for (const scoring of ["log-loss", "accuracy"] as const) {
    const cv = crossValidateLambda(wine.x, wine.y, {
      lambdas: [0.1],
      folds: no2,
      scoring,
      refit: false,
    });
    assert.equal(cv.points[0].foldScores.length, 3);
  }
  // Stratified folds, but class 1's rows of fold 2 weigh 0.
  const folds = stratifiedFolds(wine.y, 3, { seed: 1 });
  const sampleWeight = wine.y.map((c, i) => (c === 1 && folds[i] === 2 ? 0 : 1));
  throwsWith(
    () =>
      crossValidateLambda(wine.x, wine.y, {
        lambdas: [0.1],
        folds,
        sampleWeight,
        scoring: "balanced-accuracy",
        onProgress,
      }),
    RangeError,
    `${A}2 of class "1" all weigh 0 (sampleWeight), so their balanced accuracy`,
  );
  assert.equal(trainings, 0);
});

Deno.test("the ROC AUC needs both classes in every validation fold, with weight", () => {
  const A = "Cannot cross-validate lambda: the validation rows of fold ";
  let trainings = 0;
  const onProgress = () => void trainings++;
  // Two classes, ROC AUC: fold 2 of class 0 only; then class 0's rows of fold 1 weighing 0.
  throwsWith(
    () =>
      crossValidateLambda(cancer.x, cancer.y, {
        lambdas: [0.1],
        folds: cancer.y.map((c, i) => (c === 1 ? i % 2 : i % 3)),
        scoring: "roc-auc",
        onProgress,
      }),
    RangeError,
    `${A}2 hold no row of class "1", so their ROC AUC is undefined; use stratified folds or ` +
      "another scoring",
  );
  const cancerFolds3 = stratifiedFolds(cancer.y, 3, { seed: 1 });
  throwsWith(
    () =>
      crossValidateLambda(cancer.x, cancer.y, {
        lambdas: [0.1],
        folds: cancerFolds3,
        sampleWeight: cancer.y.map((c, i) => (c === 0 && cancerFolds3[i] === 1 ? 0 : 1)),
        scoring: "roc-auc",
        onProgress,
      }),
    RangeError,
    `${A}1 of class "0" all weigh 0 (sampleWeight), so their ROC AUC is undefined; give them ` +
      "weight, make other folds or use another scoring",
  );
  assert.equal(trainings, 0);
});

Deno.test("each fold's training's warnings are fit's on its rows: a class weighing 0 there is said", () => {
  // Class 2 weighs 0 but in fold 0: fold 0's training rows (folds 1 and 2) of class 2 all weigh
  // 0, so its models never predict class 2, and its validation log loss is large. The refit (all
  // rows) has weight in class 2 and no warning.
  const folds = stratifiedFolds(wine.y, 3, { seed: 0 });
  const sampleWeight = wine.y.map((c, i) => (c === 2 && folds[i] !== 0 ? 0 : 1));
  const lambdas = [0.1, 0.01];
  const progress: string[][][] = [[], [], []];
  const cv = crossValidateLambda(wine.x, wine.y, {
    lambdas,
    folds,
    sampleWeight,
    onProgress: (p) => progress[p.fold].push([...p.warnings]),
  });
  assert.deepEqual(cv.refit!.warnings, []);
  cv.points.forEach((p, li) => {
    assert.equal(p.foldWarnings.length, 3);
    for (let f = 0; f < 3; f++) {
      const s = split(wine.x, wine.y, folds, f);
      const { warnings } = fit(s.xTrain, s.yTrain, {
        classes: ["0", "1", "2"],
        penalty: { kind: "l2", lambda: lambdas[li] },
        sampleWeight: s.train.map((i) => sampleWeight[i]),
      });
      assert.deepEqual(p.foldWarnings[f], warnings, `fold ${f}, lambda ${lambdas[li]}`);
      // Strongest first within a fold.
      assert.deepEqual(progress[f][1 - li], warnings);
    }
    assert.match(p.foldWarnings[0][0], /^class "2" weighs 0 on all its \d+ training rows/);
    assert.deepEqual([p.foldWarnings[1], p.foldWarnings[2]], [[], []]);
  });
});

Deno.test("fit's options reach every fold's training and the refit: link, classes, feature names, backend, weights", () => {
  const folds = stratifiedFolds(cancer.y, 3, { seed: 2 });
  const sampleWeight = cancer.y.map((_, i) => 1 + (i % 3));
  const options = {
    link: "softmax",
    classes: ["ben", "mal"],
    featureNames: cancer.featureNames.map((n) => `f:${n}`),
    backend: "wasm",
    threads: 2,
  } as const;
  const models: LogisticModel[] = [];
  const cv = crossValidateLambda(cancer.x, cancer.y, {
    ...options,
    lambdas: [0.05],
    folds,
    sampleWeight,
    onProgress: (p) => models.push(p.model),
  });
  for (let f = 0; f < 3; f++) {
    const fitOptions = { ...options, penalty: { kind: "l2", lambda: 0.05 } } as const;
    const ev = foldScoreByDefinition(cancer.x, cancer.y, folds, f, fitOptions, sampleWeight);
    assert.equal(cv.points[0].foldScores[f], ev.logLoss, `fold ${f}`);
  }
  for (const m of [...models, cv.refit!.model]) {
    assert.equal(m.link, "softmax");
    assert.deepEqual(m.classes, options.classes);
    assert.deepEqual(m.featureNames, options.featureNames);
  }
  // The refit: fit on all rows with the row weights.
  const direct = fit(cancer.x, cancer.y, { ...options, sampleWeight, penalty: cv.penalty });
  assert.deepEqual(cv.refit!.model, direct.model);
});

Deno.test("a fold's training that stops short marks its strength unconverged", () => {
  const seen: boolean[] = [];
  const short = crossValidateLambda(wine.x, wine.y, {
    lambdas: [0.1, 0.001],
    k: 3,
    optimizer: { kind: "lbfgs", maxIterations: 2 },
    refit: false,
    onProgress: (p) => seen.push(p.converged),
  });
  assert.deepEqual(short.points.map((p) => p.converged), [false, false]);
  assert.deepEqual(seen, [false, false, false, false, false, false]);
  const full = crossValidateLambda(wine.x, wine.y, { lambdas: [0.1], k: 3, refit: false });
  assert.equal(full.points[0].converged, true);
});

Deno.test("chooseLambda refuses tables it cannot choose from", () => {
  const A = "Cannot choose lambda: ";
  throwsWith(() => chooseLambda([]), RangeError, `${A}points is empty`);
  throwsWith(() => chooseLambda({} as never), TypeError, `${A}points must be an array`);
  throwsWith(
    () => chooseLambda([{ lambda: 1, mean: NaN, standardError: 0 }]),
    RangeError,
    `${A}points[0].mean must be a finite number, got NaN`,
  );
  throwsWith(
    () => chooseLambda([{ lambda: 0, mean: 1, standardError: 0 }]),
    RangeError,
    `${A}points[0].lambda must be a finite number > 0, got 0`,
  );
  throwsWith(
    () => chooseLambda([{ lambda: 1, mean: 1, standardError: Infinity }]),
    RangeError,
    `${A}points[0].standardError must be a finite number >= 0, got Infinity`,
  );
  throwsWith(
    () => chooseLambda([{ lambda: "1", mean: 1, standardError: 0 }] as never),
    TypeError,
    `${A}points[0].lambda must be a number, got string "1"`,
  );
  throwsWith(
    () => chooseLambda([{ lambda: 1, mean: 1, standardError: 0 }], { rule: "min" as never }),
    RangeError,
    `${A}rule must be best or one-standard-error`,
  );
  throwsWith(
    () => chooseLambda([{ lambda: 1, mean: 1, standardError: 0 }], { greaterIsBetter: 1 as never }),
    TypeError,
    `${A}greaterIsBetter must be a boolean, got number 1`,
  );
  throwsWith(
    () => chooseLambda([1] as never),
    TypeError,
    `${A}points[0] must be an object, got number 1`,
  );
});
