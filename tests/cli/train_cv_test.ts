/**
 * `lrc train --cv-folds K`: lambda chosen by cross-validation of the training rows. The oracle
 * splits the data as `loadData` documents (`trainTestSplit`, test fraction 0.25, seed --seed),
 * runs `crossValidateLambda` on the training part with `stratifiedFolds(yTrain, K, { seed })`,
 * and trains the final model with `fit` at the lambda chosen.
 *
 * @module
 */

import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { fit } from "../../lib/model/fit.ts";
import { crossValidateLambda, type CrossValidation } from "../../lib/select/cross_validate.ts";
import { cvProgressText, foldWarningLines } from "../../lib/cli/train_cv.ts";
import { stratifiedFolds } from "../../lib/select/folds.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_train_cv_" });
const cancer = await loadEmbedded("breast-cancer");
const LAMBDAS = [0.3, 0.03, 0.003, 0.0003];

interface CvRow {
  lambda: number;
  c: number;
  mean: number;
  standardError: number;
  foldScores: number[];
  converged: boolean;
  foldWarnings: string[][];
  chosen: boolean;
}

interface CvReport {
  folds: number;
  seed: number;
  trainSamples: number;
  scoring: string;
  greaterIsBetter: boolean;
  rule: string;
  lambda: number;
  c: number;
  bestLambda: number;
  rows: CvRow[];
}

async function trainJson(argv: string[]) {
  const r = await runCli(["train", "--json", ...argv]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

Deno.test("the search is crossValidateLambda on the training rows, and the model is fit with the lambda chosen", async () => {
  const seed = 3;
  const save = `${dir}/cv.lrc`;
  const report = await trainJson([
    "--dataset",
    "breast-cancer",
    "--seed",
    String(seed),
    "--cv-folds",
    "4",
    "--cv-lambdas",
    LAMBDAS.join(","),
    "--cv-rule",
    "one-standard-error",
    "--save",
    save,
  ]);
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed });
  const cv = crossValidateLambda(split.xTrain, split.yTrain, {
    folds: stratifiedFolds(split.yTrain, 4, { seed }),
    lambdas: LAMBDAS,
    rule: "one-standard-error",
    seed,
    classes: cancer.classes,
    featureNames: cancer.featureNames,
    refit: false,
  });
  const got: CvReport = report.crossValidation;
  assert.equal(got.folds, 4);
  assert.equal(got.seed, seed);
  assert.equal(got.trainSamples, split.yTrain.length);
  assert.equal(got.scoring, "log-loss");
  assert.equal(got.rule, "one-standard-error");
  assert.equal(got.lambda, cv.lambda);
  assert.equal(got.bestLambda, cv.points[cv.best].lambda);
  assert.deepEqual(
    got.rows,
    cv.points.map((p, i) => ({
      lambda: p.lambda,
      c: 1 / (p.lambda * split.yTrain.length),
      mean: p.mean,
      standardError: p.standardError,
      foldScores: p.foldScores,
      converged: p.converged,
      foldWarnings: p.foldWarnings,
      chosen: i === cv.chosen,
    })),
  );
  // The final model: fit on all the training rows with the chosen lambda, bit for bit.
  const { model } = fit(split.xTrain, split.yTrain, {
    classes: cancer.classes,
    featureNames: cancer.featureNames,
    penalty: { kind: "l2", lambda: cv.lambda },
    seed,
  });
  assert.deepEqual(await Deno.readFile(save), encodeModel(model));
  assert.equal(report.test.logLoss, evaluate(model, split.xTest, split.yTest).logLoss);
});

Deno.test("--cv-folds trains the model --lambda CHOSEN trains, byte for byte", async () => {
  const cvFile = `${dir}/a.lrc`, lambdaFile = `${dir}/b.lrc`;
  const base = ["--dataset", "wine", "--penalty", "l1", "--class-weight", "balanced"];
  const report = await trainJson([...base, "--cv-folds", "3", "--save", cvFile]);
  const { lambda } = report.crossValidation;
  // The default grid: ten candidates, the chosen one marked.
  assert.equal(report.crossValidation.rows.length, 10);
  assert.deepEqual(
    report.crossValidation.rows.filter((r: CvRow) => r.chosen).map((r: CvRow) => r.lambda),
    [lambda],
  );
  const again = await trainJson([...base, "--lambda", String(lambda), "--save", lambdaFile]);
  assert.deepEqual(await Deno.readFile(cvFile), await Deno.readFile(lambdaFile));
  assert.deepEqual(again.test, report.test);
  assert.equal(again.crossValidation, undefined);
});

Deno.test("the test rows never enter the search: changing them changes the test metrics only", async () => {
  // breast_cancer.csv with the test rows' features replaced (their labels kept, so the split is
  // the same): the search's scores and the model are those of the original file.
  const text = (await Deno.readTextFile("notebooks/data/breast_cancer.csv")).trimEnd().split("\n");
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed: 0 });
  const test = new Set(split.testIndex);
  const changed = text.map((line, r) => {
    if (r === 0 || !test.has(r - 1)) return line;
    const cells = line.split(",");
    return [
      ...cells.slice(0, -1).map((_, j) => String(1000 * ((r * 31 + j * 7) % 13))),
      cells.at(-1),
    ]
      .join(",");
  });
  const original = `${dir}/original.csv`, moved = `${dir}/moved.csv`;
  await Deno.writeTextFile(original, text.join("\n") + "\n");
  await Deno.writeTextFile(moved, changed.join("\n") + "\n");
  const run = async (file: string) => {
    const save = `${file}.lrc`;
    const report = await trainJson([
      "--data",
      file,
      "--label",
      "diagnosis",
      "--cv-folds",
      "3",
      "--cv-lambdas",
      LAMBDAS.join(","),
      "--cv-scoring",
      "accuracy",
      "--save",
      save,
    ]);
    return { report, bytes: await Deno.readFile(save) };
  };
  const a = await run(original), b = await run(moved);
  assert.deepEqual(b.report.crossValidation, a.report.crossValidation);
  assert.deepEqual(b.bytes, a.bytes);
  assert.deepEqual(b.report.train, a.report.train);
  assert.notDeepEqual(b.report.test, a.report.test);
});

Deno.test("the text report has a row per candidate, the chosen one starred, and a progress line", async () => {
  const r = await runCli([
    "train",
    "--dataset",
    "breast-cancer",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    LAMBDAS.join(","),
    "--cv-scoring",
    "balanced-accuracy",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const head = lines.find((l) => l.startsWith("lambda    "));
  assert.ok(head, r.stdout);
  const chosen = Number(head.slice(10).split(" ")[0]);
  assert.ok(LAMBDAS.includes(chosen), head);
  const nTrain = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed: 0 }).yTrain.length;
  assert.ok(
    head.endsWith(
      `chosen by 3-fold stratified cross-validation of the ${nTrain} training rows (seed 0): ` +
        "the best mean validation balanced accuracy, higher is better",
    ),
    head,
  );
  const header = lines.findIndex((l) =>
    /^\s+lambda\s+C\s+mean balanced accuracy\s+standard error$/.test(l)
  );
  assert.ok(header > 0, r.stdout);
  const rows = lines.slice(header + 2, header + 2 + LAMBDAS.length);
  rows.forEach((row, i) => {
    const cells = row.trim().split(/\s{2,}/);
    const star = row.startsWith("*");
    assert.equal(Number(star ? cells[1] : cells[0]), Number(LAMBDAS[i].toExponential(2)));
    assert.equal(star, LAMBDAS[i] === chosen, row);
    // Balanced accuracy and its standard error in percent.
    assert.match(row, /\d+\.\d\d %\s+\d+\.\d\d %$/);
  });
  assert.equal(lines[header + 2 + LAMBDAS.length], "");
  assert.match(r.stderr, /^cross-validation: fold 1\/3, lambda 1\/4 /m);
});

Deno.test("without --cv-folds the report and the model are those of fit with the default lambda", async () => {
  const save = `${dir}/plain.lrc`;
  const report = await trainJson(["--dataset", "breast-cancer", "--save", save]);
  assert.equal("crossValidation" in report, false);
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed: 0 });
  const { model } = fit(split.xTrain, split.yTrain, {
    classes: cancer.classes,
    featureNames: cancer.featureNames,
    seed: 0,
  });
  assert.deepEqual(await Deno.readFile(save), encodeModel(model));
  const text = await runCli(["train", "--dataset", "breast-cancer", "--quiet"]);
  assert.doesNotMatch(text.stdout, /^lambda |cross-validation/m);
  assert.doesNotMatch(text.stderr, /cross-validation/);
});

Deno.test("the --cv options are refused where they cannot apply", async () => {
  const refused = async (argv: string[], message: string) => {
    const r = await runCli(["train", "--dataset", "breast-cancer", ...argv]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(message), r.stderr);
  };
  const P = "Cannot parse arguments of 'train': ";
  await refused(["--cv-lambdas", "1,2"], `${P}--cv-lambdas does not apply without --cv-folds`);
  await refused(
    ["--cv-rule", "best", "--cv-scoring", "accuracy"],
    `${P}--cv-scoring, --cv-rule do not apply without --cv-folds`,
  );
  await refused(
    ["--cv-folds", "3", "--lambda", "0.1"],
    `${P}--lambda does not apply with --cv-folds, which chooses lambda`,
  );
  await refused(
    ["--cv-folds", "3", "--penalty", "none"],
    `${P}--cv-folds does not apply to --penalty none (it has no lambda to choose)`,
  );
  await refused(["--cv-folds", "1"], `${P}--cv-folds must be an integer in [2, 1000000], got '1'`);
  await refused(
    ["--cv-folds", "3", "--cv-lambdas", "0.1,0,2"],
    `${P}--cv-lambdas must be numbers > 0 separated by commas, got "0" in "0.1,0,2"`,
  );
  await refused(
    ["--cv-folds", "3", "--cv-lambdas", "0.1,1e-1"],
    `${P}--cv-lambdas gives 0.1 twice`,
  );
  // breast cancer's training rows: 159 malignant.
  await refused(
    ["--cv-folds", "200"],
    `${P}--cv-folds 200 exceeds the 159 training rows of class "malignant", and every fold ` +
      "validates on each class; give --cv-folds 159 or fewer",
  );
  // A class of one training row: no K can do, and none is suggested.
  const rare = `${dir}/rare.csv`;
  await Deno.writeTextFile(
    rare,
    "a,y\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join("\n") + "\n0.5,rare\n",
  );
  const one = await runCli(["train", "--data", rare, "--label", "y", "--cv-folds", "2"]);
  assert.equal(one.code, 2, one.stderr);
  assert.ok(
    one.stderr.includes(
      `${P}--cv-folds 2 exceeds the 1 training row of class "rare", and every fold validates on ` +
        "each class; no --cv-folds can (it is at least 2): give the class more rows, leave it " +
        "out, or give --lambda",
    ),
    one.stderr,
  );
  const digits = await runCli(["train", "--cv-folds", "3", "--cv-scoring", "roc-auc"]);
  assert.equal(digits.code, 2);
  assert.match(digits.stderr, /--cv-scoring roc-auc needs two classes, the data have 10/);
  const csv = `${dir}/stream.csv`;
  await Deno.writeTextFile(
    csv,
    "a,y\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join("\n") + "\n",
  );
  const stream = await runCli([
    "train",
    "--data",
    csv,
    "--stream",
    "--optimizer",
    "sgd",
    "--cv-folds",
    "3",
  ]);
  assert.equal(stream.code, 2, stream.stderr);
  assert.match(
    stream.stderr,
    /Cannot train from a stream: --cv-folds trains on the training rows in memory, K models per candidate lambda; drop --stream, or give --lambda/,
  );
  // A file above --max-data-bytes streams by itself: refused the same way, with what to raise.
  const auto = await runCli(["train", "--data", csv, "--max-data-bytes", "10", "--cv-folds", "3"]);
  assert.equal(auto.code, 2, auto.stderr);
  assert.match(
    auto.stderr,
    /Cannot train from a stream \(.*stream\.csv is \d+ bytes, above the in-memory limit\): --cv-folds trains on the training rows in memory, K models per candidate lambda; raise --max-data-bytes to read the file into memory, or give --lambda/,
  );
});

Deno.test("--weight-column weighs each fold's training and validation score; --threshold-target's rows stay out", async () => {
  // 300 rows of two features, a weight column of integers 1..4, from an independent generator.
  let state = 5;
  const r = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const rows = Array.from({ length: 300 }, () => {
    const pos = r() < 0.4;
    return [
      (2 * r() - 1 + (pos ? 0.8 : 0)).toFixed(4),
      (2 * r() - 1).toFixed(4),
      String(1 + Math.floor(4 * r())),
      pos ? "pos" : "neg",
    ];
  });
  const file = `${dir}/weighted.csv`;
  await Deno.writeTextFile(file, ["a,b,w,y", ...rows.map((t) => t.join(","))].join("\n") + "\n");
  const x = {
    data: Float64Array.from(rows.flatMap((t) => [Number(t[0]), Number(t[1])])),
    rows: 300,
    cols: 2,
  };
  const y = Int32Array.from(rows, (t) => (t[3] === "pos" ? 1 : 0));
  const w = Float64Array.from(rows, (t) => Number(t[2]));
  const argv = [
    "--data",
    file,
    "--label",
    "y",
    "--weight-column",
    "w",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    "1,0.1,0.01",
    "--cv-scoring",
    "roc-auc",
  ];
  const report = await trainJson(argv);
  const split = trainTestSplit(x, y, { testFraction: 0.25, seed: 0 });
  const cv = crossValidateLambda(split.xTrain, split.yTrain, {
    folds: stratifiedFolds(split.yTrain, 3, { seed: 0 }),
    lambdas: [1, 0.1, 0.01],
    scoring: "roc-auc",
    seed: 0,
    classes: ["neg", "pos"],
    featureNames: ["a", "b"],
    sampleWeight: Array.from(split.trainIndex, (i) => w[i]),
    refit: false,
  });
  assert.deepEqual(
    report.crossValidation.rows.map((r: CvRow) => r.foldScores),
    cv.points.map((p) => p.foldScores),
  );
  // C counts the training rows' weights.
  const sum = Array.from(split.trainIndex, (i) => w[i]).reduce((a, b) => a + b, 0);
  assert.equal(report.crossValidation.rows[0].c, 1 / (1 * sum));
  // With --threshold-target, the search runs on the rows the model trains on.
  const held = await trainJson([...argv, "--threshold-target", "recall=0.8"]);
  assert.equal(held.crossValidation.trainSamples, held.data.trainSamples);
  assert.equal(held.data.trainSamples + held.data.validationSamples, split.yTrain.length);
});

Deno.test("a fold's training warnings are reported: a class weighing 0 in one fold's training", async () => {
  // breast_cancer.csv with a weight column: the malignant training rows weigh 0 but in the first
  // of 3 folds, so the first fold's training (the other two) has no malignant weight and its
  // models never predict malignant. The final training has weight in both classes.
  const seed = 0;
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed });
  const folds = stratifiedFolds(split.yTrain, 3, { seed });
  const weight = new Array<number>(cancer.y.length).fill(1);
  split.trainIndex.forEach((r, j) => {
    if (cancer.y[r] === 1 && folds[j] !== 0) weight[r] = 0;
  });
  const text = (await Deno.readTextFile("notebooks/data/breast_cancer.csv")).trimEnd().split("\n");
  const file = `${dir}/weightless_fold.csv`;
  await Deno.writeTextFile(
    file,
    text.map((line, r) => `${r === 0 ? "w" : weight[r - 1]},${line}`).join("\n") + "\n",
  );
  const argv = [
    "train",
    "--data",
    file,
    "--label",
    "diagnosis",
    "--weight-column",
    "w",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    LAMBDAS.join(","),
  ];
  const plain = await runCli(argv);
  assert.equal(plain.code, 0, plain.stderr);
  const malignant = split.yTrain.filter((c, j) => c === 1 && folds[j] !== 0).length;
  const lines = plain.stdout.split("\n").filter((l) => l.startsWith("warning   "));
  assert.deepEqual(lines, [
    'warning   cross-validation, fold 1 of 3, at every lambda: class "malignant" weighs 0 on ' +
    `all its ${malignant} training rows: training leaves them out, so the model learns never to ` +
    'predict it; only class "benign" weighs more than 0, so the model learns that class alone',
  ]);
  const report = await trainJson(argv.slice(1));
  assert.deepEqual(report.training.warnings, []);
  for (const row of report.crossValidation.rows as CvRow[]) {
    assert.equal(row.foldWarnings[0].length, 1);
    assert.deepEqual(row.foldWarnings.slice(1), [[], []]);
  }
});

Deno.test("fold warnings are grouped: one line per warning and folds with the same candidates", () => {
  const point = (lambda: number, foldWarnings: string[][]) => ({
    lambda,
    c: 1,
    foldScores: [0, 0, 0],
    mean: 0,
    standardError: 0,
    converged: true,
    foldWarnings,
  });
  const cv = {
    k: 3,
    points: [
      point(1, [["A", "C"], ["A", "C"], ["C"]]),
      point(0.1, [["A", "C"], ["A", "B", "C"], ["C"]]),
      point(0.01, [["A", "A", "C"], ["C"], ["C"]]),
    ],
  } as unknown as CrossValidation;
  assert.deepEqual(foldWarningLines(cv), [
    "warning   cross-validation, fold 1 of 3, at every lambda: A",
    "warning   cross-validation, fold 2 of 3, at lambda 1.00e+0, 1.00e-1: A",
    "warning   cross-validation, folds 1, 2, 3 of 3, at every lambda: C",
    "warning   cross-validation, fold 2 of 3, at lambda 1.00e-1: B",
  ]);
  assert.deepEqual(foldWarningLines({ ...cv, points: [point(1, [[], [], []])] }), []);
});

Deno.test("the progress line names the training under way, the first drawn before it starts", async () => {
  // SGD at a learning rate of 1e6 diverges in the first training, which fails: the line naming it
  // was drawn before.
  const r = await runCli([
    "train",
    "--dataset",
    "breast-cancer",
    "--optimizer",
    "sgd",
    "--learning-rate",
    "1e6",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    "0.3,0.03",
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^cross-validation: fold 1\/3, lambda 1\/2 {2}\d+\.\d s\n/);
  assert.match(
    r.stderr,
    /training fold 0 with lambda 0\.3: Cannot fit model: the objective became/,
  );
  // The default grid has ten candidates.
  const grid = await runCli(["train", "--dataset", "iris", "--cv-folds", "2"]);
  assert.equal(grid.code, 0, grid.stderr);
  assert.match(grid.stderr, /^cross-validation: fold 1\/2, lambda 1\/10 {2}\d+\.\d s\n/);
  // Training d (0-based) of k folds of m candidates: fold floor(d / m) + 1, candidate d % m + 1.
  assert.equal(cvProgressText(0, 5, 10, 0), "cross-validation: fold 1/5, lambda 1/10  0.0 s");
  assert.equal(cvProgressText(9, 5, 10, 1.5), "cross-validation: fold 1/5, lambda 10/10  1.5 s");
  assert.equal(cvProgressText(10, 5, 10, 2), "cross-validation: fold 2/5, lambda 1/10  2.0 s");
  assert.equal(cvProgressText(49, 5, 10, 3), "cross-validation: fold 5/5, lambda 10/10  3.0 s");
  assert.equal(cvProgressText(2, 3, 1, 0), "cross-validation: fold 3/3, lambda 1/1  0.0 s");
});

Deno.test("the training options reach every fold: elastic net's l1 ratio, class weights, SGD, --no-standardize", async () => {
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed: 0 });
  const cases: [string[], Parameters<typeof crossValidateLambda>[2]][] = [
    [["--penalty", "elasticnet", "--l1-ratio", "0.2"], {
      penalty: { kind: "elasticnet", l1Ratio: 0.2 },
    }],
    [["--class-weight", "balanced"], { classWeight: "balanced" }],
    [["--class-weight", "malignant=3"], { classWeight: { benign: 1, malignant: 3 } }],
    [["--optimizer", "sgd", "--epochs", "3"], { optimizer: { kind: "sgd", epochs: 3 } }],
    [["--no-standardize", "--max-iterations", "50"], {
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 50 },
    }],
  ];
  for (const [argv, options] of cases) {
    const report = await trainJson([
      "--dataset",
      "breast-cancer",
      "--cv-folds",
      "3",
      "--cv-lambdas",
      LAMBDAS.join(","),
      ...argv,
    ]);
    const cv = crossValidateLambda(split.xTrain, split.yTrain, {
      folds: stratifiedFolds(split.yTrain, 3, { seed: 0 }),
      lambdas: LAMBDAS,
      seed: 0,
      classes: cancer.classes,
      featureNames: cancer.featureNames,
      refit: false,
      ...options,
    });
    const rows: CvRow[] = report.crossValidation.rows;
    assert.deepEqual(rows.map((r) => r.foldScores), cv.points.map((p) => p.foldScores), `${argv}`);
    assert.deepEqual(rows.map((r) => r.c), cv.points.map((p) => p.c), `${argv}`);
  }
});

Deno.test("under the one-standard-error rule the chosen lambda, not the best, is starred and reported", async () => {
  const seed = 3;
  const argv = [
    "train",
    "--dataset",
    "breast-cancer",
    "--seed",
    String(seed),
    "--cv-folds",
    "4",
    "--cv-lambdas",
    LAMBDAS.join(","),
    "--cv-rule",
    "one-standard-error",
  ];
  const split = trainTestSplit(cancer.x, cancer.y, { testFraction: 0.25, seed });
  const cv = crossValidateLambda(split.xTrain, split.yTrain, {
    folds: stratifiedFolds(split.yTrain, 4, { seed }),
    lambdas: LAMBDAS,
    rule: "one-standard-error",
    seed,
    refit: false,
  });
  // The case is one where the rule moves off the best.
  assert.notEqual(cv.chosen, cv.best);
  const chosen = cv.points[cv.chosen], best = cv.points[cv.best];
  const report = await trainJson(argv.slice(1));
  assert.equal(report.crossValidation.c, chosen.c);
  const r = await runCli(argv);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.ok(
    lines.includes(
      `lambda    ${chosen.lambda} (C ${Number(chosen.c.toPrecision(4))}), chosen by 4-fold ` +
        `stratified cross-validation of the ${split.yTrain.length} training rows (seed 3): the ` +
        "largest within one standard error of the best mean validation log loss (at lambda " +
        `${best.lambda.toExponential(2)}), lower is better`,
    ),
    r.stdout,
  );
  const starred = lines.filter((l) => l.startsWith("*  "));
  assert.equal(starred.length, 1);
  assert.equal(Number(starred[0].trim().split(/\s+/)[1]), Number(chosen.lambda.toExponential(2)));
});

Deno.test("a fold training that stops short is marked not converged, with a warning", async () => {
  const r = await runCli([
    "train",
    "--dataset",
    "breast-cancer",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    LAMBDAS.join(","),
    "--max-iterations",
    "1",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.includes(
      "warning   a fold's training did not converge at lambda 3.00e-1, 3.00e-2, 3.00e-3, " +
        "3.00e-4: raise --max-iterations (or --epochs)",
    ),
    r.stdout,
  );
  const rows = r.stdout.split("\n").filter((l) => /^\*?\s+\d\.\d\de[-+]\d/.test(l));
  assert.equal(rows.length, LAMBDAS.length, r.stdout);
  for (const row of rows) assert.match(row, /not converged$/);
});

Deno.test("--cv-folds runs up to the training rows of the smallest class, the first of equals named", async () => {
  const P = "Cannot parse arguments of 'train': ";
  // Breast cancer's training rows: 159 malignant. 159 folds, one candidate: accepted.
  const most = await trainJson([
    "--dataset",
    "breast-cancer",
    "--cv-folds",
    "159",
    "--cv-lambdas",
    "0.1",
  ]);
  assert.equal(most.crossValidation.rows[0].foldScores.length, 159);
  const over = await runCli(["train", "--dataset", "breast-cancer", "--cv-folds", "160"]);
  assert.equal(over.code, 2);
  assert.ok(over.stderr.includes("give --cv-folds 159 or fewer"), over.stderr);
  // Iris: the smallest training count is shared; the first class with it is named.
  const iris = await loadEmbedded("iris");
  const { yTrain } = trainTestSplit(iris.x, iris.y, { testFraction: 0.25, seed: 0 });
  const counts = [0, 1, 2].map((c) => yTrain.filter((v) => v === c).length);
  const fewest = Math.min(...counts);
  assert.ok(counts.filter((n) => n === fewest).length > 1, `${counts}`);
  const tie = await runCli(["train", "--dataset", "iris", "--cv-folds", "100"]);
  assert.equal(tie.code, 2);
  assert.ok(
    tie.stderr.includes(
      `${P}--cv-folds 100 exceeds the ${fewest} training rows of class ` +
        `"${iris.classes[counts.indexOf(fewest)]}"`,
    ),
    tie.stderr,
  );
  // A lambda beyond float64 is no number > 0 there.
  const inf = await runCli([
    "train",
    "--dataset",
    "iris",
    "--cv-folds",
    "3",
    "--cv-lambdas",
    "1e999",
  ]);
  assert.equal(inf.code, 2);
  assert.ok(
    inf.stderr.includes(
      `${P}--cv-lambdas must be numbers > 0 separated by commas, got "1e999" in "1e999"`,
    ),
    inf.stderr,
  );
});
