/**
 * `lrc train --threshold-target T [--validation-fraction F]`: the threshold is chosen on a part of
 * the training rows held out of training. The oracle recomputes that part by the documented rule
 * (the test part of `trainTestSplit` of the training rows, testFraction F, seed --seed), trains
 * with `fit` on the rest, and chooses with `chooseThreshold` on those rows; the data are parsed
 * here with `Number`, not by the command's reader.
 *
 * @module
 */

import assert from "node:assert/strict";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import {
  chooseThreshold,
  type ChosenThreshold,
  type ThresholdTarget,
} from "../../lib/metrics/threshold.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { TARGET_HELP } from "../../lib/cli/threshold.ts";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_train_threshold_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

// 400 rows of two overlapping features, about a third "pos", from an independent generator; the
// weight column holds integers 0..4 that weigh the positives more, so weighing moves the choice.
let state = 77;
const r = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const N = 400;
const text: string[][] = [];
for (let i = 0; i < N; i++) {
  const pos = r() < 0.35;
  const a = (2 * r() - 1 + (pos ? 0.7 : 0)).toFixed(4);
  const b = (2 * r() - 1 - (pos ? 0.4 : 0)).toFixed(4);
  const w = String(Math.floor(5 * r()) * (pos ? 2 : 1));
  text.push([a, b, w, pos ? "pos" : "neg"]);
}
const X = {
  data: Float64Array.from(text.flatMap((t) => [Number(t[0]), Number(t[1])])),
  rows: N,
  cols: 2,
};
const Y = Int32Array.from(text, (t) => t[3] === "pos" ? 1 : 0);
const W = Float64Array.from(text, (t) => Number(t[2]));
const plain = `${dir}/plain.csv`, weighted = `${dir}/weighted.csv`;
await Deno.writeTextFile(
  plain,
  ["a,b,y", ...text.map((t) => `${t[0]},${t[1]},${t[3]}`)].join("\n") + "\n",
);
await Deno.writeTextFile(weighted, ["a,b,w,y", ...text.map((t) => t.join(","))].join("\n") + "\n");

const FEATURES = ["a", "b"], CLASSES = ["neg", "pos"];

/** The rows the documented rule gives, the model fit trains on the rest, its choice. */
function oracle(
  options: {
    seed: number;
    fraction: number;
    target: ThresholdTarget;
    weights: boolean;
    balanced?: boolean;
  },
) {
  const { seed, fraction, target } = options;
  const outer = trainTestSplit(X, Y, { testFraction: 0.25, seed });
  const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: fraction, seed });
  const wTrain = Float64Array.from(outer.trainIndex, (i) => W[i]);
  const wFit = Float64Array.from(inner.trainIndex, (i) => wTrain[i]);
  const wValidation = Float64Array.from(inner.testIndex, (i) => wTrain[i]);
  const wTest = Float64Array.from(outer.testIndex, (i) => W[i]);
  const { model } = fit(inner.xTrain, inner.yTrain, {
    classes: CLASSES,
    featureNames: FEATURES,
    optimizer: { kind: "lbfgs", maxIterations: 1000 },
    penalty: { kind: "l2", lambda: 1 / inner.xTrain.rows },
    preprocessing: "standardize",
    seed,
    ...(options.weights ? { sampleWeight: wFit } : {}),
    // fit's "balanced" counts the rows it trains on.
    ...(options.balanced ? { classWeight: "balanced" as const } : {}),
  });
  const chosen = chooseThreshold(
    decisionFunction(model, inner.xTest).data,
    inner.yTest,
    target,
    options.weights ? { sampleWeight: wValidation } : {},
  );
  return { outer, inner, model, chosen, wValidation, wTest };
}

async function train(argv: string[]) {
  const r = await runCli(["train", "--quiet", ...argv]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

const cases: {
  what: string;
  seed: number;
  fraction: number | null;
  spelling: string;
  target: ThresholdTarget;
  weights: boolean;
  balanced?: boolean;
}[] = [
  { what: "f1", seed: 3, fraction: null, spelling: "f1", target: { metric: "f1" }, weights: false },
  {
    what: "precision=0.6, weighted, --validation-fraction 0.3",
    seed: 5,
    fraction: 0.3,
    spelling: "precision=0.6",
    target: { precision: 0.6 },
    weights: true,
  },
  {
    what: "fpr=0.1, --validation-fraction 0.25, --class-weight balanced",
    seed: 0,
    fraction: 0.25,
    spelling: "fpr=0.1",
    target: { fpr: 0.1 },
    weights: false,
    balanced: true,
  },
];

for (const c of cases) {
  Deno.test(`lrc train --threshold-target ${c.what}: chosen as chooseThreshold chooses on the held-out training rows, saved, and the test metrics counted at it`, async () => {
    const fraction = c.fraction ?? 0.2;
    const want = oracle({
      seed: c.seed,
      fraction,
      target: c.target,
      weights: c.weights,
      balanced: c.balanced,
    });
    const saved = `${dir}/${c.seed}.lrc`;
    const r = await train([
      ...["--data", c.weights ? weighted : plain, "--seed", String(c.seed)],
      ...(c.weights ? ["--weight-column", "w"] : []),
      ...(c.balanced ? ["--class-weight", "balanced"] : []),
      ...["--threshold-target", c.spelling],
      ...(c.fraction === null ? [] : ["--validation-fraction", String(c.fraction)]),
      ...["--save", saved, "--json"],
    ]);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.data.classes, CLASSES);

    // The held-out rows: each class's round(count * F) of its training rows (counted here from
    // the outer split's labels), none of them test rows, the rest trained on.
    const counts = [0, 1].map((k) => want.outer.yTrain.filter((v) => v === k).length);
    const held = counts.map((n) => Math.min(Math.round(n * fraction), n - 1));
    assert.deepEqual([0, 1].map((k) => want.inner.yTest.filter((v) => v === k).length), held);
    assert.equal(report.threshold.validationRows, held[0] + held[1]);
    assert.equal(report.data.validationSamples, held[0] + held[1]);
    assert.equal(report.data.trainSamples, want.outer.yTrain.length - held[0] - held[1]);
    assert.equal(report.data.testSamples, want.outer.yTest.length);

    // The threshold, its point on the held-out rows, and the target's value there.
    const t = want.chosen.threshold;
    assert.equal(report.threshold.threshold, t);
    assert.equal(report.threshold.target, c.spelling);
    assert.equal(report.threshold.validationFraction, fraction);
    for (
      const key of ["precision", "recall", "fpr", "f1", "accuracy", "balancedAccuracy"] as const
    ) {
      assert.equal(report.threshold.validation[key], want.chosen[key], key);
    }
    const metric = "metric" in c.target ? c.target.metric : Object.keys(c.target)[0];
    assert.equal(report.threshold.achieved.metric, metric);
    assert.equal(
      report.threshold.achieved.value,
      metric === "f1" ? want.chosen.f1 : want.chosen[metric as "precision" | "fpr"],
    );
    assert.equal(report.threshold.weightColumn, c.weights ? "w" : null);
    assert.equal(
      report.threshold.validationWeightSum,
      c.weights ? want.wValidation.reduce((s, v) => s + v, 0) : null,
    );

    // The saved file: the model fit trains on the rows left, with the threshold.
    const loaded = (await loadModel(saved)) as LogisticModel;
    assert.equal(loaded.threshold, t);
    assert.deepEqual(loaded.weights.data, want.model.weights.data);
    assert.deepEqual(loaded.bias, want.model.bias);

    // The test metrics are evaluate's of the saved model on the test rows (weighted too).
    const test = evaluate(loaded, want.outer.xTest, want.outer.yTest);
    assert.equal(report.test.accuracy, test.accuracy);
    assert.equal(report.test.balancedAccuracy, test.balancedAccuracy);
    assert.equal(report.test.macroF1, test.macroF1);
    assert.equal(report.test.logLoss, test.logLoss);
    assert.deepEqual(report.test.confusion, test.confusion);
    if (c.weights) {
      const tw = evaluate(loaded, want.outer.xTest, want.outer.yTest, {
        sampleWeight: want.wTest,
      });
      assert.equal(report.testWeighted.accuracy, tw.accuracy);
      assert.deepEqual(report.testWeighted.confusion, tw.confusion);
    }
    // The train metrics are the rows trained on, at the threshold.
    const fitRows = evaluate(loaded, want.inner.xTrain, want.inner.yTrain);
    assert.equal(report.train.accuracy, fitRows.accuracy);

    // Not what choosing on the test rows would give: the check above tells the two apart.
    const onTest = chooseThreshold(
      decisionFunction(want.model, want.outer.xTest).data,
      want.outer.yTest,
      c.target,
      c.weights ? { sampleWeight: want.wTest } : {},
    );
    assert.notEqual(onTest.threshold, t);
  });
}

Deno.test("lrc train --threshold-target says where and for what it chose, and the target's value there", async () => {
  const want = oracle({ seed: 5, fraction: 0.3, target: { precision: 0.6 }, weights: true });
  const r = await train([
    ...["--data", weighted, "--seed", "5", "--weight-column", "w"],
    ...["--threshold-target", "precision=0.6", "--validation-fraction", "0.3"],
  ]);
  const v = want.inner.yTest.length, sum = want.wValidation.reduce((s, x) => s + x, 0);
  const pct = (f: number) => `${(100 * f).toFixed(2)} %`;
  assert.match(
    r.stdout,
    new RegExp(
      `^data +${weighted.replaceAll("/", "\\/")}: ${want.inner.yTrain.length} train / ${v} ` +
        `validation / ${want.outer.yTest.length} test, 2 features, 2 classes$`,
      "m",
    ),
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("threshold "));
  assert.ok(line, r.stdout);
  assert.ok(
    line.startsWith(
      `threshold ${want.chosen.threshold} chosen on ${v} validation rows (held out of the ` +
        `training rows; weighted by "w", sum ${sum}) for the highest recall with precision >= ` +
        `0.6: precision ${pct(want.chosen.precision)} there (precision ${
          pct(want.chosen.precision)
        }, recall ${pct(want.chosen.recall)}, `,
    ),
    line,
  );
});

Deno.test("lrc train --threshold-target gives, for every form of target, the value there of the metric it names", async () => {
  const pct = (f: number) => `${(100 * f).toFixed(2)} %`;
  const forms: [string, ThresholdTarget, keyof ChosenThreshold][] = [
    ["f1", { metric: "f1" }, "f1"],
    ["accuracy", { metric: "accuracy" }, "accuracy"],
    ["balanced-accuracy", { metric: "balanced-accuracy" }, "balancedAccuracy"],
    ["precision=0.5", { precision: 0.5 }, "precision"],
    ["recall=0.8", { recall: 0.8 }, "recall"],
    ["fpr=0.2", { fpr: 0.2 }, "fpr"],
  ];
  for (const [spelling, target, key] of forms) {
    const want = oracle({ seed: 1, fraction: 0.3, target, weights: false }).chosen;
    // The other metrics differ from the one named there, so naming another is seen.
    for (const other of ["precision", "recall", "fpr", "f1", "accuracy", "balancedAccuracy"]) {
      if (other !== key) assert.notEqual(want[other as typeof key], want[key], other);
    }
    const argv = ["--data", plain, "--seed", "1", "--validation-fraction", "0.3"];
    const json = JSON.parse(
      (await train([...argv, "--threshold-target", spelling, "--json"])).stdout,
    );
    const name = "metric" in target ? target.metric : Object.keys(target)[0];
    assert.deepEqual(json.threshold.achieved, { metric: name, value: want[key] }, spelling);
    // The line says it as the point's metrics are said: F1 to four decimals, the others in %.
    const text = (await train([...argv, "--threshold-target", spelling])).stdout;
    const shown = key === "f1" ? want.f1.toFixed(4) : pct(want[key] as number);
    assert.ok(text.includes(`: ${name} ${shown} there (precision `), `${spelling}: ${text}`);
  }
});

Deno.test("lrc train without --threshold-target trains and reports as before: fit's model on every training row, no threshold", async () => {
  for (const json of [true, false]) {
    const saved = `${dir}/none_${json}.lrc`;
    const r = await train([
      "--data",
      plain,
      "--seed",
      "3",
      "--save",
      saved,
      ...(json ? ["--json"] : []),
    ]);
    const outer = trainTestSplit(X, Y, { testFraction: 0.25, seed: 3 });
    const { model } = fit(outer.xTrain, outer.yTrain, {
      classes: CLASSES,
      featureNames: FEATURES,
      optimizer: { kind: "lbfgs", maxIterations: 1000 },
      penalty: { kind: "l2", lambda: 1 / outer.xTrain.rows },
      seed: 3,
    });
    assert.deepEqual(await Deno.readFile(saved), encodeModel(model));
    if (json) {
      const report = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(report), [
        "command",
        "data",
        "training",
        "classWeight",
        "sampleWeight",
        "train",
        "test",
        "testWeighted",
        "model",
      ]);
      assert.deepEqual(Object.keys(report.data), [
        "source",
        "trainSamples",
        "testSamples",
        "features",
        "classes",
      ]);
    } else {
      assert.match(
        r.stdout,
        new RegExp(`: ${outer.yTrain.length} train / ${outer.yTest.length} test, `),
      );
      assert.doesNotMatch(r.stdout, /validation|^threshold/m);
    }
  }
});

Deno.test("lrc train --help documents --threshold-target with lrc threshold --target's spellings", async () => {
  for (const command of ["train", "threshold"]) {
    const r = await runCli([command, "--help"]);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.includes(TARGET_HELP), command);
  }
  const r = await runCli(["train", "--help"]);
  assert.match(r.stdout, /--threshold-target T +choose a binary model's decision threshold/);
  assert.match(r.stdout, /--validation-fraction F +with --threshold-target: .*\(default: 0\.2\)/);
});

// A file where class "pos" has 3 rows: the test part takes round(0.75) = 1, leaving 2 training
// rows, of which --validation-fraction 0.2 holds out round(0.4) = 0.
const rare = `${dir}/rare.csv`;
await Deno.writeTextFile(
  rare,
  ["a,b,y", ...text.slice(0, 40).map((t, i) => `${t[0]},${t[1]},${i < 3 ? "pos" : "neg"}`)]
    .join("\n") + "\n",
);
// Every "pos" row weighs 0: its validation rows weigh nothing.
const zeroPos = `${dir}/zero_pos.csv`;
await Deno.writeTextFile(
  zeroPos,
  ["a,b,w,y", ...text.map((t) => `${t[0]},${t[1]},${t[3] === "pos" ? 0 : 1},${t[3]}`)].join("\n") +
    "\n",
);
// Weight only on the rows the oracle holds out for validation or testing (seed 0, F 0.2).
const onlyHeld = `${dir}/only_held.csv`;
{
  const outer = trainTestSplit(X, Y, { testFraction: 0.25, seed: 0 });
  const inner = trainTestSplit(outer.xTrain, outer.yTrain, { testFraction: 0.2, seed: 0 });
  const fitRows = new Set(Array.from(inner.trainIndex, (i) => outer.trainIndex[i]));
  await Deno.writeTextFile(
    onlyHeld,
    ["a,b,w,y", ...text.map((t, i) => `${t[0]},${t[1]},${fitRows.has(i) ? 0 : 1},${t[3]}`)]
      .join("\n") + "\n",
  );
}

const refusals: [string, string[], number, RegExp][] = [
  [
    "a multiclass data set, before training",
    ["--dataset", "iris", "--threshold-target", "f1"],
    1,
    /Cannot choose the decision threshold: iris \(embedded\) has 3 classes .*; a threshold applies to two-class models/,
  ],
  [
    "fashion-mnist, before loading it",
    ["--dataset", "fashion-mnist", "--threshold-target", "f1"],
    1,
    /Cannot choose the decision threshold: --dataset fashion-mnist has 10 classes/,
  ],
  [
    // --dataset is refused beside --data as without --threshold-target (not as ten classes).
    "--dataset fashion-mnist beside --data, as without --threshold-target",
    ["--data", plain, "--dataset", "fashion-mnist", "--threshold-target", "f1"],
    2,
    /^lrc train: Cannot parse arguments of 'train': --dataset does not apply with --data/,
  ],
  [
    "--validation-fraction without --threshold-target",
    ["--data", plain, "--validation-fraction", "0.3"],
    2,
    /--validation-fraction does not apply without --threshold-target/,
  ],
  // Refused before the data are read, in --test-fraction's bounds: 0.9999999999999999 (1 - 2^-53)
  // is below 1 but beyond what the split takes.
  ...["0", "1", "1.5", "-0.1", "half", "0.9999999999999999", "1e-10"].map((
    f,
  ): [string, string[], number, RegExp] => [
    `--validation-fraction ${f}`,
    ["--data", plain, "--threshold-target", "f1", `--validation-fraction=${f}`],
    2,
    new RegExp(
      `^lrc train: Cannot parse arguments of 'train': --validation-fraction must be a number in ` +
        `\\[1e-9, 0\\.999999999\\], got '${f.replaceAll(".", "\\.")}'\n$`,
    ),
  ]),
  [
    "a misspelt target, in lrc threshold's words",
    ["--data", plain, "--threshold-target", "F1"],
    2,
    /Cannot parse arguments of 'train': --threshold-target must be one of f1, accuracy, balanced-accuracy, precision=P, recall=R or fpr=F, got "F1"/,
  ],
  [
    "a target in percent",
    ["--data", plain, "--threshold-target", "recall=95"],
    2,
    /--threshold-target recall=95 needs a number in \[0, 1\] \(a fraction, not a percentage\)/,
  ],
  [
    "a class with no validation row",
    ["--data", rare, "--threshold-target", "f1"],
    1,
    /--validation-fraction 0\.2 of the 2 training rows of class "pos" rounds to none/,
  ],
  [
    "a class whose validation rows all weigh 0",
    ["--data", zeroPos, "--weight-column", "w", "--threshold-target", "f1"],
    1,
    /the validation rows of class "pos" all weigh 0 in column "w"/,
  ],
  [
    "rows to train on that all weigh 0",
    ["--data", onlyHeld, "--weight-column", "w", "--threshold-target", "f1"],
    1,
    /every training row weighs 0 \(the rows that weigh more were held out for testing or validation\)/,
  ],
  [
    "--stream",
    ["--data", plain, "--optimizer", "sgd", "--stream", "--threshold-target", "f1"],
    2,
    /Cannot train from a stream: --threshold-target .*drop --stream/,
  ],
  [
    "a file streamed for its size",
    ["--data", plain, "--optimizer", "sgd", "--max-data-bytes", "100", "--threshold-target", "f1"],
    2,
    /Cannot train from a stream \(.* above the in-memory limit\): --threshold-target .*raise --max-data-bytes/,
  ],
];
for (const [what, argv, code, message] of refusals) {
  Deno.test(`lrc train --threshold-target refuses ${what}`, async () => {
    const r = await runCli(["train", ...argv]);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
    assert.doesNotMatch(r.stderr, /training: iteration/);
  });
}
