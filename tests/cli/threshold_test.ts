import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { loadModel, saveModel } from "../../lib/io/model_file.ts";
import { chooseThreshold, type ThresholdTarget } from "../../lib/metrics/threshold.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predictProba } from "../../lib/model/predict.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import {
  calibrateInput,
  integerDecisionFunction,
  prepareIntegerModel,
} from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import { osProblem } from "../_helpers/os.ts";

const N = 300;

/** Two overlapping classes, float32 values (the command reads float32), row weights. */
function dataSet() {
  const prng = createPrng(11);
  const x = new Float64Array(N * 2), y = new Int32Array(N), w = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = i % 3 === 0 ? 1 : 0;
    x[2 * i] = Math.fround(randomNormal(prng) + 0.8 * y[i]);
    x[2 * i + 1] = Math.fround(randomNormal(prng) - 0.6 * y[i]);
    // Weights of 0 to 16 that weigh the positives more: they move the choices.
    w[i] = (i % 5) ** 2 * (1 + y[i]);
  }
  return { x: { data: x, rows: N, cols: 2 }, y, w };
}

async function setUp() {
  const { x, y, w } = dataSet();
  const model = fit(x, y, {
    classes: ["ham", "spam"],
    featureNames: ["a", "b"],
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  }).model;
  // Columns in another order than the model's, the label between them; with the weights too.
  const lines = ["b,y,a"], weighted = ["b,w,y,a"];
  for (let i = 0; i < N; i++) {
    const [a, b, label] = [x.data[2 * i], x.data[2 * i + 1], model.classes[y[i]]];
    lines.push(`${b},${label},${a}`);
    weighted.push(`${b},${w[i]},${label},${a}`);
  }
  // The caller removes the folder once it has it; until then, a failure here does.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/dw.csv`, weighted.join("\n") + "\n");
    await saveModel(`${dir}/m.lrc`, model);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return { dir, x, y, w, model };
}

async function json(argv: string[]) {
  const r = await runCli([...argv, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/**
 * The command's choice is the oracle's: the same operating point (its metrics, counted from the
 * same labels), its threshold within float32 rounding of the scores (the command scores float32
 * data with the kernel lrc predict uses; the oracle scores them in float64).
 */
function assertSameChoice(
  // deno-lint-ignore no-explicit-any
  r: any,
  want: ReturnType<typeof chooseThreshold>,
  what: string,
) {
  assert.ok(
    Math.abs(r.threshold - want.threshold) < 1e-6,
    `${what}: ${r.threshold} ${want.threshold}`,
  );
  for (const key of ["precision", "recall", "fpr", "f1", "accuracy", "balancedAccuracy"] as const) {
    assert.ok(Math.abs(r.chosen[key] - want[key]) < 1e-12, `${what} ${key}`);
  }
}

Deno.test("lrc threshold chooses what chooseThreshold chooses on the loaded model's scores, and counts its metrics", async () => {
  const { dir, x, y, model } = await setUp();
  try {
    const loaded = (await loadModel(`${dir}/m.lrc`)) as LogisticModel;
    const scores = decisionFunction(loaded, x).data;
    const targets: [string, ThresholdTarget][] = [
      ["f1", { metric: "f1" }],
      ["balanced-accuracy", { metric: "balanced-accuracy" }],
      ["accuracy", { metric: "accuracy" }],
      ["precision=0.7", { precision: 0.7 }],
      ["recall=0.9", { recall: 0.9 }],
      ["fpr=0.05", { fpr: 0.05 }],
    ];
    const seen = new Set<number>();
    for (const [spelling, target] of targets) {
      const r = await json([
        "threshold",
        "--model",
        `${dir}/m.lrc`,
        "--data",
        `${dir}/d.csv`,
        "--target",
        spelling,
      ]);
      const want = chooseThreshold(scores, y, target);
      assertSameChoice(r, want, spelling);
      seen.add(want.threshold);
      // The current threshold (none: 0.5) counted from probabilities of the model, and the
      // rows whose label moves between the two.
      const p = predictProba(model, x).data;
      let tp = 0, fp = 0, changed = 0;
      for (let i = 0; i < N; i++) {
        const old = p[2 * i + 1] > 0.5, now = p[2 * i + 1] > want.threshold;
        if (old && y[i] === 1) tp++;
        if (old && y[i] === 0) fp++;
        if (old !== now) changed++;
      }
      assert.equal(r.current.threshold, 0.5);
      assert.equal(r.currentThreshold, null);
      assert.equal(r.current.precision, tp / (tp + fp), spelling);
      assert.equal(r.current.recall, tp / (N / 3), spelling);
      assert.equal(r.current.fpr, fp / (N - N / 3), spelling);
      assert.equal(r.changedRows, changed, spelling);
    }
    assert.ok(seen.size >= 4, `targets gave only ${seen.size} thresholds`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold --save writes a model whose lrc predict labels are p > t", async () => {
  const { dir, x, model } = await setUp();
  try {
    for (const out of [`${dir}/t.lrc`, `${dir}/t.json`]) {
      const r = await json([
        "threshold",
        "--model",
        `${dir}/m.lrc`,
        "--data",
        `${dir}/d.csv`,
        "--target",
        "recall=0.95",
        "--save",
        out,
      ]);
      const t = r.threshold;
      assert.ok(t < 0.4, `threshold ${t}`);
      assert.equal(r.saved, out);
      assert.equal((await loadModel(out)).threshold, t);
      const p = predictProba(model, x).data;
      const want = Array.from({ length: N }, (_, i) => model.classes[p[2 * i + 1] > t ? 1 : 0]);
      assert.ok(want.filter((c, i) => c !== model.classes[p[2 * i + 1] > 0.5 ? 1 : 0]).length > 10);
      const pr = await runCli([
        "predict",
        "--model",
        out,
        "--data",
        `${dir}/dw.csv`,
        "--weight-column",
        "w",
        "--out",
        `${dir}/p.csv`,
      ]);
      assert.equal(pr.code, 0, pr.stderr);
      const got = (await Deno.readTextFile(`${dir}/p.csv`)).trimEnd().split("\n").slice(1);
      assert.deepEqual(got, want, out);
    }
    // Without --save nothing is written, and the text says so.
    const before = [...Deno.readDirSync(dir)].length;
    const r = await runCli([
      "threshold",
      "--model",
      `${dir}/m.lrc`,
      "--data",
      `${dir}/d.csv`,
      "--target",
      "f1",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^saved {5}nothing \(give --save/m);
    assert.match(
      r.stdout,
      /^note {6}choose the threshold on validation data, not on the test set/m,
    );
    assert.equal([...Deno.readDirSync(dir)].length, before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold --set and --clear round trip through .lrc and .json, with or without data", async () => {
  const { dir, x, y, model } = await setUp();
  try {
    const set = await json([
      "threshold",
      "--model",
      `${dir}/m.lrc`,
      "--set",
      "0.3",
      "--save",
      `${dir}/a.json`,
    ]);
    assert.deepEqual([set.threshold, set.current, set.chosen, set.changedRows], [
      0.3,
      null,
      null,
      null,
    ]);
    assert.equal((await loadModel(`${dir}/a.json`)).threshold, 0.3);
    // Its current threshold is read back; cleared, the file holds none.
    const r = await json([
      "threshold",
      "--model",
      `${dir}/a.json`,
      "--clear",
      "--data",
      `${dir}/d.csv`,
      "--save",
      `${dir}/b.lrc`,
    ]);
    assert.equal(r.currentThreshold, 0.3);
    assert.equal(r.threshold, null);
    assert.equal(r.current.threshold, 0.3);
    assert.equal(r.chosen.threshold, 0.5);
    const p = predictProba(model, x).data;
    let changed = 0, right = 0;
    for (let i = 0; i < N; i++) {
      if ((p[2 * i + 1] > 0.3) !== (p[2 * i + 1] > 0.5)) changed++;
      if ((p[2 * i + 1] > 0.3 ? 1 : 0) === y[i]) right++;
    }
    assert.equal(r.changedRows, changed);
    assert.equal(r.current.accuracy, right / N);
    const cleared = await loadModel(`${dir}/b.lrc`);
    assert.equal("threshold" in cleared, false);
    assert.deepEqual(
      await Deno.readFile(`${dir}/b.lrc`),
      await Deno.readFile(`${dir}/m.lrc`),
      "cleared, the file is the one that never had a threshold",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold refuses a softmax model, a missing or doubled mode, a bad threshold or target, and an unreachable precision", async () => {
  const { dir } = await setUp();
  try {
    const iris = await loadEmbedded("iris");
    const soft = fit(iris.x, iris.y, {
      classes: iris.classes,
      featureNames: iris.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 5 },
    }).model;
    await Deno.writeTextFile(`${dir}/soft.json`, modelToJson(soft));
    // Scores x: the highest-scoring row is negative, so no cutoff reaches precision 1.
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
    await saveModel(`${dir}/one.lrc`, one);
    await Deno.writeTextFile(`${dir}/one.csv`, "x,y\n1,yes\n2,yes\n3,no\n");
    const m = `${dir}/m.lrc`, d = `${dir}/d.csv`;
    const cases: [string[], number, RegExp][] = [
      [
        ["--model", `${dir}/soft.json`, "--set", "0.3"],
        1,
        /^lrc threshold: Cannot choose the decision threshold of '.*soft\.json': it is a softmax model of 3 classes \["setosa","versicolor","virginica"\]; a threshold applies to two-class models with one score/,
      ],
      [
        ["--model", m, "--data", d],
        2,
        /give exactly one of --target T \(chosen on --data\), --set T or --clear\n$/,
      ],
      [
        ["--model", m, "--set", "0.3", "--clear"],
        2,
        /give exactly one of .*, not --set and --clear\n$/,
      ],
      [
        ["--model", m, "--data", d, "--target", "f1", "--set", "0.3"],
        2,
        /not --target and --set\n$/,
      ],
      [
        ["--model", m, "--set", "0"],
        2,
        /--set must be a probability strictly between 0 and 1, got '0'/,
      ],
      [
        ["--model", m, "--set", "1"],
        2,
        /--set must be a probability strictly between 0 and 1, got '1'/,
      ],
      [["--model", m, "--set", "1.5"], 2, /--set must be a number in \[0, 1\], got '1.5'/],
      [
        ["--model", m, "--data", d, "--target", "F1"],
        2,
        /--target must be one of f1, accuracy, balanced-accuracy, precision=P, recall=R or fpr=F, got "F1"/,
      ],
      [["--model", m, "--data", d, "--target", "precision"], 2, /--target must be one of/],
      [
        ["--model", m, "--data", d, "--target", "recall=95"],
        2,
        /--target recall=95 needs a number in \[0, 1\] \(a fraction, not a percentage\)/,
      ],
      [
        ["--model", m, "--target", "f1"],
        2,
        /--target chooses it on labelled data; give --data FILE\.csv/,
      ],
      [
        ["--model", `${dir}/one.lrc`, "--data", `${dir}/one.csv`, "--target", "precision=1"],
        1,
        /^lrc threshold: Cannot choose threshold: no threshold reaches precision >= 1; the highest is 0\.6666666666666666 /,
      ],
      [
        ["--model", m, "--set", "0.3", "--weight-column", "w"],
        2,
        /--weight-column describes --data, which is not given/,
      ],
      [
        ["--model", m, "--set", "0.3", "--save", m],
        2,
        /--save '.*m\.lrc' is the model file; write the output elsewhere/,
      ],
      [
        ["--model", m, "--set", "0.3", "--save", `${dir}/x.onnx`],
        2,
        /extension must be \.lrc \(binary\) or \.json/,
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(["threshold", ...argv]);
      assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(" "));
      assert.equal(r.stdout, "", argv.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold --json has these keys, in fractions", async () => {
  const { dir } = await setUp();
  try {
    const r = await json([
      "threshold",
      "--model",
      `${dir}/m.lrc`,
      "--data",
      `${dir}/d.csv`,
      "--target",
      "f1",
    ]);
    assert.deepEqual(Object.keys(r).sort(), [
      "bytes",
      "changedRows",
      "chosen",
      "classes",
      "command",
      "current",
      "currentThreshold",
      "data",
      "kernel",
      "labelColumn",
      "model",
      "modelKind",
      "rows",
      "saved",
      "target",
      "threshold",
      "warnings",
      "weightColumn",
    ]);
    const metrics = [
      "accuracy",
      "balancedAccuracy",
      "f1",
      "fpr",
      "precision",
      "recall",
      "threshold",
    ];
    assert.deepEqual(Object.keys(r.current).sort(), metrics);
    assert.deepEqual(Object.keys(r.chosen).sort(), metrics);
    for (const k of metrics) assert.ok(r.chosen[k] > 0 && r.chosen[k] < 1, k);
    assert.deepEqual([r.rows, r.labelColumn, r.weightColumn, r.target, r.saved], [
      N,
      "y",
      null,
      "f1",
      null,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold scores a calibrated quantized file integer-only, as lrc predict labels it", async () => {
  const { dir, x, y, model } = await setUp();
  try {
    const raw = fit(x, y, {
      classes: model.classes,
      featureNames: model.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
      preprocessing: "none",
    }).model;
    const q = calibrateInput(quantizeModel(raw, { method: { kind: "uniform", bits: 4 } }), x);
    await saveModel(`${dir}/q.lrc`, withThreshold(q, 0.4));
    const integer = integerDecisionFunction(prepareIntegerModel(q), x).data;
    const r = await json([
      "threshold",
      "--model",
      `${dir}/q.lrc`,
      "--data",
      `${dir}/d.csv`,
      "--target",
      "f1",
      "--save",
      `${dir}/q2.lrc`,
    ]);
    assert.equal(r.kernel, "integer");
    assert.equal(r.modelKind, "quantized");
    assert.equal(r.currentThreshold, 0.4);
    assert.equal(r.threshold, chooseThreshold(integer, y, { metric: "f1" }).threshold);
    const saved = await loadModel(`${dir}/q2.lrc`);
    assert.equal(saved.kind, "quantized-logistic-regression");
    assert.equal(saved.threshold, r.threshold);
    const text = await runCli([
      "threshold",
      "--model",
      `${dir}/q.lrc`,
      "--data",
      `${dir}/d.csv`,
      "--target",
      "f1",
    ]);
    assert.match(
      text.stdout,
      /scored by kernel integer \(integer-only, as lrc predict labels it\)/,
    );
    assert.match(text.stdout, /^current {3}threshold 0\.4: precision /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold --weight-column chooses what chooseThreshold chooses with sampleWeight", async () => {
  const { dir, x, y, w, model } = await setUp();
  try {
    const scores = decisionFunction(model, x).data;
    let differs = 0;
    for (
      const [spelling, target] of [["f1", { metric: "f1" }], ["precision=0.75", {
        precision: 0.75,
      }]] as const
    ) {
      const r = await json([
        "threshold",
        "--model",
        `${dir}/m.lrc`,
        "--data",
        `${dir}/dw.csv`,
        "--weight-column",
        "w",
        "--target",
        spelling,
      ]);
      const want = chooseThreshold(scores, y, target, { sampleWeight: w });
      assertSameChoice(r, want, spelling);
      assert.equal(r.weightColumn, "w");
      if (want.threshold !== chooseThreshold(scores, y, target).threshold) differs++;
    }
    assert.ok(differs > 0, "the weights change no choice: the test could not tell");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold names its own action when --data's columns do not fit, and refuses --data - as the other commands do", async () => {
  const { dir } = await setUp();
  try {
    const m = `${dir}/m.lrc`, d = `${dir}/d.csv`;
    const cases: [string[], number, string][] = [
      [
        ["--data", d, "--label", "nope"],
        1,
        `Cannot choose the decision threshold with a model of 2 features on '${d}': ` +
        'no column named "nope" (columns: ["b","y","a"])',
      ],
      [
        ["--data", d, "--weight-column", "nope"],
        2,
        'Cannot choose the decision threshold: --weight-column "nope" names no column of the ' +
        'file (columns: ["b","y","a"]; an index is one of 0..2)',
      ],
      [
        ["--data", d, "--weight-column", "a"],
        2,
        'Cannot choose the decision threshold: --weight-column "a" is one of the model\'s ' +
        'features ("a"); name the weight column',
      ],
      [
        ["--data", "-"],
        2,
        "Cannot parse arguments of 'threshold': --data - (standard input) is read by lrc " +
        "predict only; save the data to a file and give its name (a file named '-' is ./-)",
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(["threshold", "--model", m, "--target", "f1", ...argv]);
      assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, `lrc threshold: ${message}\n`, argv.join(" "));
      assert.equal(r.stdout, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const noFifo = osProblem("posix", "FIFOs and mkfifo are POSIX-only");

Deno.test({
  name: "lrc threshold refuses a FIFO as --data, which it would open twice and wait on" +
    (noFifo ? ` (skipped: ${noFifo})` : ""),
  ignore: noFifo !== null,
  fn: async () => {
    const { dir } = await setUp();
    try {
      const fifo = `${dir}/pipe.csv`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(made.success);
      // In a child process, stopped after 60 s: opening the FIFO waited for a writer for ever.
      const main = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
      const result = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", main, "threshold", "--model", `${dir}/m.lrc`, "--data", fifo]
          .concat(["--target", "f1"]),
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const stderr = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 1, stderr);
      assert.equal(
        stderr,
        `lrc threshold: Cannot choose the decision threshold: '${fifo}' is not a ` +
          "regular file (a pipe?); lrc threshold reads its header and then its rows, opening it " +
          "twice: save it to a file first\n",
      );
      assert.ok((await Deno.lstat(fifo)).isFifo);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A one-feature model whose score is x: P(yes) = 1 / (1 + exp(-x)). */
const identity: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "sigmoid",
  weights: { data: Float64Array.from([1]), rows: 1, cols: 1 },
  bias: Float64Array.from([0]),
  classes: ["no", "yes"],
  featureNames: ["x"],
  preprocessing: { kind: "none" },
};

/** The metrics of labelling "yes" the rows whose P(yes) is above t, counted by hand. */
function metricsByHand(rows: readonly [number, number][], t: number) {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (const [x, y] of rows) {
    const yes = 1 / (1 + Math.exp(-x)) > t;
    if (yes && y === 1) tp++;
    else if (yes) fp++;
    else if (y === 1) fn++;
    else tn++;
  }
  return {
    threshold: t,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    fpr: fp / (fp + tn),
    f1: 2 * tp / (2 * tp + fp + fn),
    accuracy: (tp + tn) / rows.length,
    balancedAccuracy: (tp / (tp + fn) + tn / (tn + fp)) / 2,
  };
}

Deno.test("lrc threshold counts a row whose probability is the threshold itself as classes[0], in the metrics and the changed rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Rows at x = 0 have P(yes) = 1/2 exactly: the current threshold (none: 0.5) labels them
    // "no", as does 0.7; the rows at 0.5 and 0.6 (P 0.62, 0.65) change label, those at 1.5
    // (P 0.82) and -1 do not.
    const rows: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 1],
      [0.5, 1],
      [0.5, 0],
      [0.6, 1],
      [1.5, 1],
      [1.5, 1],
      [1.5, 0],
      [-1, 0],
      [-1, 0],
    ];
    await saveModel(`${dir}/m.lrc`, identity);
    await Deno.writeTextFile(
      `${dir}/d.csv`,
      "x,y\n" + rows.map(([x, y]) => `${x},${identity.classes[y]}`).join("\n") + "\n",
    );
    const r = await json(["threshold", "--model", `${dir}/m.lrc`, "--data", `${dir}/d.csv`]
      .concat(["--set", "0.7"]));
    for (const [got, t] of [[r.current, 0.5], [r.chosen, 0.7]] as const) {
      const want = metricsByHand(rows, t);
      for (const key of Object.keys(want) as (keyof typeof want)[]) {
        assert.ok(Math.abs(got[key] - want[key]) < 1e-12, `${t} ${key}: ${got[key]} ${want[key]}`);
      }
    }
    assert.equal(r.changedRows, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold takes a floor or ceiling of 0 (--target fpr=0: no false positive)", async () => {
  const { dir, x, y } = await setUp();
  try {
    const loaded = (await loadModel(`${dir}/m.lrc`)) as LogisticModel;
    const scores = decisionFunction(loaded, x).data;
    const r = await json(["threshold", "--model", `${dir}/m.lrc`, "--data", `${dir}/d.csv`]
      .concat(["--target", "fpr=0"]));
    const want = chooseThreshold(scores, y, { fpr: 0 });
    assertSameChoice(r, want, "fpr=0");
    assert.equal(r.chosen.fpr, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold refuses data without rows, without a label column, with two candidates or an unknown label, and CSV options without --data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveModel(`${dir}/m.lrc`, identity);
    const files: Record<string, string> = {
      "empty.csv": "x,y\n",
      "nolabel.csv": "x\n1\n2\n",
      "maybe.csv": "x,y\n1,yes\n2,maybe\n",
      "two.csv": "x,w,y\n1,2,yes\n",
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const cases: [string[], number, string][] = [
      [
        ["--data", `${dir}/empty.csv`],
        1,
        `Cannot choose the decision threshold: '${dir}/empty.csv' has a header but ` +
        "no data rows",
      ],
      [
        ["--data", `${dir}/nolabel.csv`],
        2,
        `Cannot choose the decision threshold: '${dir}/nolabel.csv' has no label column; name ` +
        "it with --label (the threshold is chosen on labelled rows)",
      ],
      [
        ["--data", `${dir}/maybe.csv`],
        1,
        `Cannot choose the decision threshold: label "maybe" on line 3 of ` +
        `'${dir}/maybe.csv' is not one of the model's classes ["no","yes"]`,
      ],
      [
        // Not "or give --no-label", which lrc predict has and this command has not.
        ["--data", `${dir}/two.csv`],
        1,
        `Cannot choose the decision threshold with a model of 1 feature on '${dir}/two.csv': 2 ` +
        'columns are not model features ["w","y"]: name the label column with --label',
      ],
      [
        ["--no-header"],
        2,
        "Cannot choose the decision threshold: --no-header describes --data, which is not given",
      ],
      [
        ["--delimiter", ";"],
        2,
        "Cannot choose the decision threshold: --delimiter describes --data, which is not given",
      ],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(["threshold", "--model", `${dir}/m.lrc`, "--set", "0.3", ...argv]);
      assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, `lrc threshold: ${message}\n`, argv.join(" "));
      assert.equal(r.stdout, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold warns, as lrc predict does, when float32 rounds a feature the model standardises", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Timestamps near 1.7e9 (float32 128 apart: half a step is 64) of spread 29: 2.2 standard
    // deviations.
    const model: LogisticModel = {
      ...identity,
      preprocessing: {
        kind: "standardize",
        mean: Float64Array.from([1.7e9]),
        scale: Float64Array.from([29]),
      },
    };
    await saveModel(`${dir}/m.lrc`, model);
    await Deno.writeTextFile(`${dir}/d.csv`, "x,y\n1700000000,no\n1700000512,yes\n");
    const r = await runCli(["threshold", "--model", `${dir}/m.lrc`, "--data", `${dir}/d.csv`]
      .concat(["--set", "0.3"]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^warning: the data are read as float32, which rounds feature "x" \(mean 1\.70000e\+9, standard deviation 29\.0\) by up to 2\.2 standard deviations/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc threshold's text output names the current, new or cleared threshold, the data, the target and the changed rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The rows of the test above, each weighing 1 but the x = 0.5 "no" row, which weighs 3.
    const rows: [number, number, number][] = [
      [0, 0, 1],
      [0, 0, 1],
      [0, 1, 1],
      [0.5, 1, 1],
      [0.5, 0, 3],
      [0.6, 1, 1],
      [1.5, 1, 1],
      [1.5, 1, 1],
      [1.5, 0, 1],
      [-1, 0, 1],
      [-1, 0, 1],
    ];
    const m = `${dir}/m.lrc`, t = `${dir}/t.lrc`, d = `${dir}/d.csv`;
    await saveModel(m, identity);
    await saveModel(t, withThreshold(identity, 0.7));
    await Deno.writeTextFile(
      d,
      "x,w,y\n" + rows.map(([x, y, w]) => `${x},${w},${identity.classes[y]}`).join("\n") + "\n",
    );
    const pct = (f: number) => `${(100 * f).toFixed(2)} %`;
    const line = (q: ReturnType<typeof metricsByHand>) =>
      `precision ${pct(q.precision)}, recall ${pct(q.recall)}, false-positive rate ${
        pct(q.fpr)
      }, F1 ${q.f1.toFixed(4)}, accuracy ${pct(q.accuracy)}`;
    const plain = rows.map(([x, y]) => [x, y] as [number, number]);
    const at05 = metricsByHand(plain, 0.5), at07 = metricsByHand(plain, 0.7);
    const { kernel } = await json([
      "threshold",
      "--model",
      m,
      "--data",
      d,
      "--label",
      "y",
      "--set",
      "0.7",
    ]);
    const run = async (argv: string[]) => {
      const r = await runCli(["threshold", ...argv]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const head = (model: string) =>
      `model     ${model}: float sigmoid, classes ["no","yes"]; a row is "yes" when its ` +
      "probability is above the threshold\n";
    const data = (weighted: boolean) =>
      `data      ${d}: 11 rows, label column "y"${
        weighted ? ', weighted by "w"' : ""
      }; scored by kernel ${kernel}\n`;
    const nothing = "saved     nothing (give --save FILE.lrc or FILE.json to write the model " +
      "with this threshold)\n";
    assert.equal(
      await run(["--model", m, "--data", d, "--label", "y", "--set", "0.7"]),
      head(m) + data(false) +
        `current   threshold 0.5 (none set): ${line(at05)}\n` +
        `set       threshold 0.7: ${line(at07)}\n` +
        "changed   3 of 11 rows change label\n" + nothing,
    );
    assert.equal(
      await run(["--model", t, "--data", d, "--label", "y", "--clear"]),
      head(t) + data(false) +
        `current   threshold 0.7: ${line(at07)}\n` +
        `cleared   threshold 0.5 (none): ${line(at05)}\n` +
        "changed   3 of 11 rows change label\n" + nothing,
    );
    assert.equal(
      await run(["--model", t, "--clear"]),
      head(t) + "current   threshold 0.7\ncleared   threshold 0.5 (none)\n" + nothing,
    );
    const targets: [string, string][] = [
      ["f1", "highest f1"],
      ["precision=0.6", "highest recall with precision >= 0.6"],
      ["recall=0.75", "highest precision with recall >= 0.75"],
      ["fpr=0.25", "highest recall with false-positive rate <= 0.25"],
    ];
    for (const [spelling, text] of targets) {
      const out = await run(
        ["--model", m, "--data", d, "--weight-column", "w", "--target", spelling],
      );
      const lines = out.split("\n");
      assert.equal(lines[1] + "\n", data(true), spelling);
      assert.equal(lines[2], `target    ${text}`, spelling);
      assert.match(lines[4], /^chosen {4}threshold /, spelling);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
