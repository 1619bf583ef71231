// svmlight files on the command line. The files are written by scikit-learn's
// dump_svmlight_file from the embedded breast-cancer rows (sent as JSON: the same float64
// numbers), beside a CSV file of the same rows written here (shortest round-trip text, a header of
// the svmlight indices "1".."30" so that both models name their features alike). lrc train on
// the svmlight file is compared with lrc train on the CSV file (the dense path: other kernels),
// lrc predict and lrc threshold with the library's float64 reference on the dense rows.
import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import { decisionFunction, predictProba } from "../../lib/model/predict.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { chooseThreshold } from "../../lib/metrics/threshold.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor } from "../../lib/quant/predictor.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelIndexBase, svmlightExtension } from "../../lib/cli/svmlight_data.ts";
import { runCli } from "../_helpers/assert_close.ts";
import { pythonWithSklearn, runPython } from "../_helpers/python.ts";

const python = await pythonWithSklearn();
const skip = python === null ? " (skipped: no Python with scikit-learn)" : "";

/** The files every test reads, made once. */
interface Files {
  dir: string;
  /** One-based svmlight (scikit-learn's default is zero-based: both are written). */
  svm: string;
  /** Zero-based svmlight of the same rows. */
  svm0: string;
  /** Zero-based svmlight of the same rows with feature 0 zeroed (the "auto" rule misreads it). */
  svm0NoFirst: string;
  /** CSV of the same rows: header "1".."30", "label". */
  csv: string;
  /** The rows as float64, and the class index of each (0 benign, 1 malignant). */
  x: Matrix<Float64Array>;
  y: Int32Array;
}

let made: Files | null = null;

async function files(): Promise<Files> {
  if (made !== null) return made;
  const data = await loadEmbedded("breast-cancer");
  const { rows, cols } = data.x;
  const x: Matrix<Float64Array> = { data: Float64Array.from(data.x.data), rows, cols };
  const dir = await Deno.makeTempDir({ prefix: "lrc_svmlight_" });
  const names = Array.from({ length: cols }, (_, j) => String(j + 1));
  const lines = [[...names, "label"].join(",")];
  for (let i = 0; i < rows; i++) {
    lines.push(
      [...x.data.subarray(i * cols, (i + 1) * cols)].map(String).join(",") + `,${data.y[i]}`,
    );
  }
  const csv = `${dir}/bc.csv`;
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  await runPython<null>(
    `import json, sys, numpy as np
from sklearn.datasets import dump_svmlight_file
d = json.load(sys.stdin)
X = np.array(d["x"], dtype=np.float64).reshape(d["rows"], d["cols"])
y = np.array(d["y"], dtype=np.int64)
dump_svmlight_file(X, y, d["dir"] + "/bc.svm", zero_based=False)
dump_svmlight_file(X, y, d["dir"] + "/bc0.svm", zero_based=True, comment="breast cancer")
X[:, 0] = 0
dump_svmlight_file(X, y, d["dir"] + "/bc0_no_first.libsvm", zero_based=True)
print("null")`,
    { x: [...x.data], rows, cols, y: [...data.y], dir },
  );
  made = {
    dir,
    svm: `${dir}/bc.svm`,
    svm0: `${dir}/bc0.svm`,
    svm0NoFirst: `${dir}/bc0_no_first.libsvm`,
    csv,
    x,
    y: data.y,
  };
  return made;
}

// The temporary folder goes when the last test is done (each test below is registered in order).
globalThis.addEventListener("unload", () => {
  if (made !== null) Deno.removeSync(made.dir, { recursive: true });
});

/** Runs lrc, expects exit code 0, parses --json's report. */
async function lrcJson(argv: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...argv, "--json"]);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Trains on a file, saves the model as JSON, returns the report and the model. */
async function train(file: string, extra: string[], name: string) {
  const f = await files();
  const save = `${f.dir}/${name}.json`;
  const argv = ["train", "--data", file, "--save", save, ...extra];
  if (file.endsWith(".csv")) argv.push("--label", "label");
  const report = await lrcJson(argv);
  const model = modelFromJson(await Deno.readTextFile(save)) as LogisticModel;
  return { report, model, save };
}

/** The values of a matrix that are not 0 (dump_svmlight_file writes those only). */
function nonZeros(x: Matrix): number {
  let n = 0;
  for (const v of x.data) if (v !== 0) n++;
  return n;
}

/** The model with other feature names. */
function withFeatureNames(model: LogisticModel, names: readonly string[]): LogisticModel {
  return { ...model, featureNames: [...names] };
}

Deno.test({
  name: "lrc train on scikit-learn's svmlight file gives the CSV file's model bit for bit where " +
    "the sums are the dense ones (no standardisation: SGD, Adam, L-BFGS with L1) and the same " +
    "metrics" + skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    for (
      const [what, extra] of [
        ["sgd", ["--optimizer", "sgd", "--epochs", "3", "--no-standardize"]],
        ["adam", ["--optimizer", "adam", "--epochs", "2", "--no-standardize", "--seed", "5"]],
        ["lbfgs l1", ["--penalty", "l1", "--no-standardize", "--max-iterations", "40"]],
        [
          "class weights, other split",
          [
            "--optimizer",
            "sgd",
            "--epochs",
            "2",
            "--no-standardize",
            "--class-weight",
            "balanced",
            "--test-fraction",
            "0.4",
            "--seed",
            "3",
          ],
        ],
      ] as const
    ) {
      const sparse = await train(f.svm, [...extra], "sparse");
      const dense = await train(f.csv, [...extra], "dense");
      assert.deepEqual(sparse.model, dense.model, what);
      assert.equal(await Deno.readTextFile(sparse.save), await Deno.readTextFile(dense.save), what);
      for (const key of ["train", "test", "classWeight"]) {
        assert.deepEqual(sparse.report[key], dense.report[key], `${what}: ${key}`);
      }
      const sd = sparse.report.data as Record<string, unknown>;
      const dd = dense.report.data as Record<string, unknown>;
      assert.deepEqual(
        [sd.trainSamples, sd.testSamples, sd.features, sd.classes],
        [dd.trainSamples, dd.testSamples, dd.features, dd.classes],
        what,
      );
      // Only the svmlight report says how it was read and trained.
      assert.deepEqual([sd.format, sd.zeroBased, sd.storedValues], [
        "svmlight",
        false,
        nonZeros(f.x),
      ]);
      assert.equal((sparse.report.training as Record<string, unknown>).kernel, "ts-sparse");
      assert.equal("format" in dd || "kernel" in (dense.report.training as object), false);
    }
    // The zero-based file: the same model, its features named by the file's indices "0".."29".
    const extra = ["--optimizer", "sgd", "--epochs", "3", "--no-standardize"];
    const zero = await train(f.svm0, extra, "zero");
    const one = await train(f.svm, extra, "one");
    assert.deepEqual(zero.model.featureNames, Array.from({ length: 30 }, (_, j) => String(j)));
    assert.deepEqual(zero.model, withFeatureNames(one.model, zero.model.featureNames));
    assert.equal((zero.report.data as Record<string, unknown>).zeroBased, true);
  },
});

Deno.test({
  name: "lrc train on svmlight with standardisation and L-BFGS (the defaults) reaches the CSV " +
    "file's optimum: weights within 1e-3, the same test labels" + skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    // Dense L-BFGS preconditions with the feature covariance, sparse with its diagonal: the two
    // paths stop at the gradient tolerance at points near each other, not at the same bits.
    const sparse = await train(f.svm, [], "default_sparse");
    const dense = await train(f.csv, [], "default_dense");
    const a = sparse.model, b = dense.model;
    assert.deepEqual(a.featureNames, b.featureNames);
    assert.deepEqual(a.preprocessing.kind, "standardize");
    // The standardisation is computed from the same values (zeros counted in the CSR one).
    if (a.preprocessing.kind === "standardize" && b.preprocessing.kind === "standardize") {
      for (let j = 0; j < 30; j++) {
        assert.ok(
          Math.abs(a.preprocessing.mean[j] - b.preprocessing.mean[j]) <=
            1e-12 * Math.abs(b.preprocessing.mean[j]),
        );
        assert.ok(
          Math.abs(a.preprocessing.scale[j] - b.preprocessing.scale[j]) <=
            1e-12 * b.preprocessing.scale[j],
        );
      }
    }
    for (let i = 0; i < 30; i++) {
      assert.ok(Math.abs(a.weights.data[i] - b.weights.data[i]) < 1e-3, `weight ${i}`);
    }
    assert.ok(Math.abs(a.bias[0] - b.bias[0]) < 1e-3);
    const st = sparse.report.test as Record<string, number>;
    const dt = dense.report.test as Record<string, number>;
    assert.deepEqual(st.confusion, dt.confusion);
    assert.equal(st.accuracy, dt.accuracy);
    assert.ok(Math.abs(st.logLoss - dt.logLoss) < 1e-3, `${st.logLoss} ${dt.logLoss}`);
    // The reported metrics are the model's on the same rows, densified: evaluate on all rows.
    const all = evaluate(a, f.x, f.y);
    assert.equal(
      all.samples,
      (sparse.report.train as Record<string, number>).samples + st.samples,
    );
    // The text report says the file was read as svmlight and trained as CSR.
    const text = await runCli(["train", "--data", f.svm, "--quiet"]);
    assert.equal(text.code, 0, text.stderr);
    const nnz = nonZeros(f.x);
    assert.ok(
      text.stdout.includes(
        `bc.svm (svmlight, indices one-based by scikit-learn's rule, ${
          nnz.toLocaleString("en-US")
        } stored values (${Number((100 * nnz / (569 * 30)).toPrecision(3))} % of 569 x 30)): ` +
          "427 train / 142 test, 30 features, 2 classes\n",
      ),
      text.stdout,
    );
    assert.match(
      text.stdout,
      /^training {2}lbfgs, sigmoid, penalty l2, on the sparse \(CSR\) rows with the TypeScript sparse kernel: \d+ iterations in /m,
    );
  },
});

/** The probability column text of lrc predict: 8 significant digits. */
function probabilityText(v: number): string {
  return String(Number(v.toPrecision(8)));
}

/** Runs lrc predict --proba into a file; returns its text and the JSON summary. */
async function predictFile(model: string, data: string, extra: string[] = []) {
  const f = await files();
  const out = `${f.dir}/p_${Math.random().toString(36).slice(2)}.csv`;
  const summary = await lrcJson([
    "predict",
    "--model",
    model,
    "--data",
    data,
    "--out",
    out,
    "--proba",
    ...extra,
  ]);
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  return { text, summary };
}

Deno.test({
  name: "lrc predict on svmlight is the float64 reference on the dense rows, and the CSV file's " +
    "predictions within float32 rounding of its inputs" + skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    const { model, save } = await train(f.svm, [], "predict_model");
    const sparse = await predictFile(save, f.svm);
    // The oracle: the library's float64 reference on the dense rows, labels at the arg-max.
    const p = predictProba(model, f.x);
    const expected = ["predicted,p_0,p_1"];
    for (let i = 0; i < f.x.rows; i++) {
      const [p0, p1] = [p.data[2 * i], p.data[2 * i + 1]];
      expected.push(`${p1 > 0.5 ? 1 : 0},${probabilityText(p0)},${probabilityText(p1)}`);
    }
    assert.equal(sparse.text, expected.join("\n") + "\n");
    // The CSV file read as float32: the same labels, probabilities within float32 rounding.
    const dense = await predictFile(save, f.csv);
    const rows = (t: string) => t.trim().split("\n").slice(1).map((l) => l.split(","));
    const a = rows(sparse.text), b = rows(dense.text);
    assert.equal(a.length, 569);
    for (let i = 0; i < a.length; i++) {
      assert.equal(a[i][0], b[i][0], `row ${i}`);
      assert.ok(Math.abs(Number(a[i][2]) - Number(b[i][2])) < 1e-5, `row ${i}`);
    }
    const sm = sparse.summary.metrics as Record<string, unknown>;
    const dm = dense.summary.metrics as Record<string, unknown>;
    assert.deepEqual([sm.accuracy, sm.confusion], [dm.accuracy, dm.confusion]);
    assert.deepEqual(
      [sparse.summary.format, sparse.summary.zeroBased, sparse.summary.columns],
      ["svmlight", false, "by index"],
    );
    assert.equal("format" in dense.summary, false);
    // Scored as CSR rows on the float64 reference, and said so (not the predictor's dense kernel).
    assert.equal(sparse.summary.kernel, "float64 reference on CSR rows");
    assert.equal(dense.summary.kernel, "dense");
    // The reference's metrics on all rows.
    const e = evaluate(model, f.x, f.y);
    assert.deepEqual(sm.confusion, e.confusion);
    assert.equal(sm.logLoss, e.logLoss);
    // A CSV model takes an svmlight file by position too: the same predictions.
    const csvModel = await train(f.csv, [], "predict_csv_model");
    const fromCsvModel = await predictFile(csvModel.save, f.svm);
    const q = predictProba(csvModel.model, f.x);
    assert.equal(
      fromCsvModel.text.trim().split("\n")[1],
      `${q.data[1] > 0.5 ? 1 : 0},${probabilityText(q.data[0])},${probabilityText(q.data[1])}`,
    );
  },
});

Deno.test({
  name: "lrc predict --zero-based auto reads a file with the index base of a model trained on " +
    "svmlight, where scikit-learn's rule would shift it" + skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    const { model, save } = await train(f.svm0, [], "zero_model");
    assert.equal(modelIndexBase(model.featureNames), true);
    // Feature 0 absent from every line: the rule reads the file as one-based.
    const x = { ...f.x, data: f.x.data.slice() };
    for (let i = 0; i < x.rows; i++) x.data[i * x.cols] = 0;
    const p = predictProba(model, x);
    const first = `${p.data[1] > 0.5 ? 1 : 0},${probabilityText(p.data[0])},${
      probabilityText(p.data[1])
    }`;
    const auto = await predictFile(save, f.svm0NoFirst);
    assert.equal(auto.text.split("\n")[1], first);
    assert.equal(auto.summary.zeroBased, true);
    const given = await predictFile(save, f.svm0NoFirst, ["--zero-based", "yes"]);
    assert.equal(given.text, auto.text);
    // Read by the rule (--zero-based no is what it finds): shifted by one, other predictions.
    const shifted = await predictFile(save, f.svm0NoFirst, ["--zero-based", "no"]);
    assert.notEqual(shifted.text, auto.text);
    const text = await runCli(["predict", "--model", save, "--data", f.svm0NoFirst]);
    assert.match(text.stdout, /indices zero-based as the model's feature names say/);
  },
});

Deno.test({
  name: "lrc predict on svmlight: an integer-only model scores dense rows as its predictor does, " +
    "--no-label ignores placeholder labels" + skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    const { model } = fit(f.x, f.y, {
      classes: ["0", "1"],
      featureNames: Array.from({ length: 30 }, (_, j) => String(j + 1)),
      optimizer: { kind: "lbfgs", maxIterations: 30 },
    });
    const q = calibrateInput(quantizeModel(model), f.x);
    const path = `${f.dir}/q.lrc`;
    await saveModel(path, q);
    const r = await predictFile(path, f.svm);
    using predictor = prepareQuantizedPredictor(q);
    assert.equal(predictor.kernel, "integer");
    const labels = predictor.predict(f.x);
    assert.deepEqual(
      r.text.trim().split("\n").slice(1).map((l) => Number(l.split(",")[0])),
      [...labels],
    );
    assert.equal(r.summary.kernel, "integer");
    // Placeholder labels (all -1, not a class of the model): refused, unless --no-label.
    const placeholders = `${f.dir}/placeholders.svm`;
    const text = await Deno.readTextFile(f.svm);
    await Deno.writeTextFile(placeholders, text.replace(/^[01] /gm, "-1 "));
    const refused = await runCli(["predict", "--model", path, "--data", placeholders]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `lrc predict: Cannot predict: label "-1" on line 1 of '${placeholders}' is not one of the ` +
        `model's classes ["0","1"]; give --no-label if the file's labels are placeholders\n`,
    );
    const ignored = await predictFile(path, placeholders, ["--no-label"]);
    assert.equal(ignored.text, r.text);
    assert.equal(ignored.summary.metrics, null);
  },
});

Deno.test({
  name: "lrc threshold --data FILE.svm chooses the threshold on the float64 reference's scores" +
    skip,
  ignore: python === null,
  fn: async () => {
    const f = await files();
    const { model, save } = await train(f.svm, [], "threshold_model");
    const r = await lrcJson(["threshold", "--model", save, "--data", f.svm, "--target", "f1"]);
    const scores = decisionFunction(model, f.x).data;
    assert.equal(r.threshold, chooseThreshold(scores, f.y, { metric: "f1" }).threshold);
    assert.equal(r.rows, 569);
    assert.equal(r.labelColumn, null);
    assert.equal(r.kernel, "float64 reference on CSR rows");
  },
});

/** Runs lrc and expects a refusal with the given exit code and a message matching `pattern`. */
async function refused(argv: string[], code: number, pattern: RegExp) {
  const r = await runCli(argv);
  assert.equal(r.code, code, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern, argv.join(" "));
  assert.equal(r.stdout, "");
}

Deno.test("svmlight files: names, options and refusals", async () => {
  assert.equal(svmlightExtension("a.LIBSVM"), ".libsvm");
  assert.equal(svmlightExtension("a.svmlight"), ".svmlight");
  assert.equal(svmlightExtension("a.svm.csv"), undefined);
  const dir = await Deno.makeTempDir({ prefix: "lrc_svmlight_" });
  try {
    // Two classes; line 3 is a comment and line 4 blank, so sample 4 is on line 6.
    const file = `${dir}/t.svm`;
    await Deno.writeTextFile(
      file,
      "1 1:2 3:1\n0 2:1\n# comment\n\n1 1:1\n0 2:2 3:1\n1 1:3\n0 2:1.5\n",
    );
    const model = `${dir}/m.json`;
    const trained = await runCli([
      "train",
      "--data",
      file,
      "--test-fraction",
      "0.34",
      "--save",
      model,
      "--quiet",
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const wide = `${dir}/wide.svm`;
    await Deno.writeTextFile(wide, "1 1:2\n# c\n0 2:1 4:7\n");
    await refused(
      ["predict", "--model", model, "--data", wide],
      1,
      new RegExp(
        `^lrc predict: Cannot predict: line 3 of '${wide}' has feature index 4, beyond the ` +
          "model's 3 features \\(indices 1\\.\\.3, one-based as the model's feature names say\\): " +
          "an svmlight file's features are matched to the model's by index, and this file has " +
          "more \\(give --zero-based yes if its indices count from 0\\)\n$",
      ),
    );
    await refused(
      ["train", "--data", file, "--features", "2"],
      1,
      /line 1, column 7: feature index 3 needs 3 features \(indices one-based\), more than --features 2\n$/,
    );
    // --features widens the model.
    const widened = await runCli(["train", "--data", file, "--features", "5", "--json"]);
    assert.equal(JSON.parse(widened.stdout).data.features, 5);
    // An index of 2e9 is refused as it is read, not met with two billion feature names.
    const huge = `${dir}/huge.svm`;
    await Deno.writeTextFile(huge, "1 1:1\n0 2000000000:1");
    await refused(
      ["train", "--data", huge],
      1,
      new RegExp(
        `^lrc train: Cannot read svmlight '${huge}': line 2, column 3: feature index 2000000000 ` +
          "needs more than 1048576 features, the most read without --features; give --features " +
          "N \\(the number of features\\) to read it\n$",
      ),
    );
    for (const command of ["predict", "threshold"]) {
      await refused(
        [
          command,
          "--model",
          model,
          "--data",
          huge,
          ...(command === "threshold" ? ["--target", "f1"] : []),
        ],
        1,
        new RegExp(
          `^lrc ${command}: Cannot ${command === "predict" ? "predict" : "[^:]+"}: line 2 of ` +
            `'${huge}' has feature index 2000000000, beyond the model's 3 features: an svmlight ` +
            "file's features are matched to the model's by index\n$",
        ),
      );
    }
    for (
      const option of [
        ["--label", "0"],
        ["--no-header"],
        ["--delimiter", ";"],
        ["--weight-column", "1"],
      ]
    ) {
      await refused(
        ["train", "--data", file, ...option],
        2,
        new RegExp(
          `^lrc train: Cannot parse arguments of 'train': ${option[0]} does not apply to an ` +
            "svmlight --data file \\(by its name's ending \\.svm\\): each of its lines is the " +
            "label, then index:value pairs",
        ),
      );
    }
    await refused(
      ["train", "--data", file, "--stream"],
      2,
      /--stream does not apply to an svmlight --data file .*: it is read into memory as sparse rows \(streaming reads CSV\); raise --max-data-bytes/,
    );
    await refused(
      ["train", "--data", file, "--cv-folds", "3"],
      2,
      /--cv-folds does not apply to an svmlight --data file .*: cross-validation does not take sparse rows; give --lambda, or convert the file to CSV/,
    );
    await refused(
      ["train", "--data", file, "--threshold-target", "f1"],
      2,
      /--threshold-target does not apply to an svmlight --data file .*: train, then choose the threshold with lrc threshold --model FILE --target T --data VALIDATION\.svm/,
    );
    await refused(
      ["train", "--data", file, "--max-data-bytes", "10"],
      1,
      /^lrc train: Cannot read svmlight '.*t\.svm': it is 57 bytes, more than --max-data-bytes 10; an svmlight file is read into memory whole \(lrc train streams CSV only\): raise --max-data-bytes\n$/,
    );
    const one = `${dir}/one.svm`;
    await Deno.writeTextFile(one, "1 1:2\n1 2:1\n");
    await refused(
      ["train", "--data", one],
      1,
      /Cannot use '.*one\.svm' as training data: its labels hold a single class \("1"\); at least two are needed/,
    );
    // The svmlight options need an svmlight --data file.
    const csv = `${dir}/t.csv`;
    await Deno.writeTextFile(csv, "a,b,y\n1,2,0\n2,1,1\n1,3,0\n3,1,1\n");
    for (const option of [["--zero-based", "yes"], ["--features", "3"]]) {
      await refused(
        ["train", "--data", csv, ...option],
        2,
        new RegExp(`${option[0]} does not apply to a CSV --data file \\(they describe an svmlight`),
      );
      await refused(["train", ...option], 2, /does not apply without --data/);
    }
    await refused(
      ["predict", "--model", model, "--data", csv, "--zero-based", "no"],
      2,
      /--zero-based does not apply to a CSV --data file/,
    );
    await refused(["train", "--format", "csv"], 2, /--format does not apply without --data/);
    // --format overrides the name: a CSV file named .svm, and svmlight named .txt.
    const csvNamedSvm = `${dir}/csv.svm`;
    await Deno.copyFile(csv, csvNamedSvm);
    const asCsv = await runCli(["train", "--data", csvNamedSvm, "--format", "csv", "--json"]);
    assert.equal(asCsv.code, 0, asCsv.stderr);
    assert.deepEqual(JSON.parse(asCsv.stdout).model.weights, 2);
    const txt = `${dir}/t.txt`;
    await Deno.copyFile(file, txt);
    const asSvm = await runCli(["train", "--data", txt, "--format", "svmlight", "--json"]);
    assert.equal(asSvm.code, 0, asSvm.stderr);
    assert.equal(JSON.parse(asSvm.stdout).data.format, "svmlight");
    // The commands that read CSV only say what to do.
    for (
      const argv of [
        ["prune", "--sparsity", "0.5"],
        ["quantize"],
        ["compress", "--sweep"],
        ["export", "--out", `${dir}/m.onnx`],
      ]
    ) {
      await refused(
        [...argv, "--data", file],
        2,
        new RegExp(
          `^lrc ${argv[0]}: Cannot read --data '${file}' in lrc ${argv[0]}: it is taken as ` +
            "svmlight \\(libsvm\\) data by its name's ending \\.svm, which lrc train, lrc " +
            `predict and lrc threshold read \\(as sparse rows\\); lrc ${argv[0]} reads CSV ` +
            "only: convert the file to CSV",
        ),
      );
    }
    // lrc predict: CSV options, standard input, --features.
    await refused(
      ["predict", "--model", model, "--data", file, "--delimiter", ";"],
      2,
      /--delimiter does not apply to an svmlight --data file/,
    );
    await refused(
      ["predict", "--model", model, "--data", "-", "--format", "svmlight"],
      2,
      /--data - \(standard input\) is read as CSV; save the svmlight data to a file and name it/,
    );
    await refused(
      ["predict", "--model", model, "--data", file, "--features", "3"],
      2,
      /Unknown option '--features' \(predict takes the model's number of features/,
    );
    await refused(
      ["threshold", "--model", model, "--data", file, "--target", "f1", "--label", "y"],
      2,
      /--label does not apply to an svmlight --data file/,
    );
    // An unknown label names its line (comment and blank lines counted).
    const other = `${dir}/other.svm`;
    await Deno.writeTextFile(other, "1 1:2\n# c\n\n0 2:1\n7 3:1\n");
    await refused(
      ["predict", "--model", model, "--data", other],
      1,
      /label "7" on line 5 of '.*other\.svm' is not one of the model's classes \["0","1"\]; give --no-label/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
