import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { runCli } from "../_helpers/assert_close.ts";
import { osProblem } from "../_helpers/os.ts";

const quick = ["--max-iterations", "20", "--quiet"];
/** For commands that load a model: training options would be refused. */
const loaded = ["--quiet"];

Deno.test("commands refuse arguments that are not options, or options that do not apply, instead of ignoring them", async () => {
  const cases: [string[], RegExp][] = [
    [["export", "m.json", "--out", "x.onnx"], /unexpected argument 'm.json' \(name a model file/],
    [["quantize", "m.lrc"], /unexpected argument 'm.lrc' \(name a model file with --model\)/],
    [["train", "iris.csv"], /unexpected argument 'iris.csv' \(name a data file with --data\)/],
    [
      ["prune", "--sparsity", "0.5", "fast"],
      /unexpected argument 'fast' \(options start with --\)/,
    ],
    [["compress", "data.csv.gz"], /unexpected argument 'data.csv.gz' \(name a data file/],
    [["predict", "--model", "m.json", "extra"], /unexpected argument 'extra'/],
    // The last of two values won without a word; a list reads as one comma-separated value.
    [
      ["compress", "--sparsity", "0.5", "--sparsity", "0.9"],
      /--sparsity is given more than once; give it once \(a list is one comma-separated value\)/,
    ],
    [["train", "--seed", "1", "--seed=2"], /--seed is given more than once/],
    [["train", "--quiet", "--quiet"], /--quiet is given more than once/],
    // Refused before the files are looked for, so this holds where the package is absent too.
    [
      ["train", "--dataset", "fashion-mnist", "--test-fraction", "0.5"],
      /--test-fraction does not apply with --dataset fashion-mnist/,
    ],
    [
      [
        "export",
        "--model",
        "m.json",
        "--out",
        "x.onnx",
        "--dataset",
        "breast-cancer",
        "--epochs",
        "3",
      ],
      /--model exports that file as it is; --dataset, --epochs apply only to a model trained here/,
    ],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
  }
});

Deno.test("no command writes over its own input model or data file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const model = `${dir}/m.lrc`, json = `${dir}/m.json`;
    assert.equal((await runCli(["train", "--save", model, ...quick])).code, 0);
    assert.equal((await runCli(["train", "--save", json, ...quick])).code, 0);
    const before = await Deno.readFile(model);
    const link = `${dir}/alias.lrc`, hard = `${dir}/hard.lrc`;
    await Deno.symlink(model, link);
    await Deno.link(model, hard); // another name for the same file, which realPath keeps
    const cases: string[][] = [
      ["quantize", "--model", model, "--save", model],
      ["quantize", "--model", model, "--save", link],
      ["quantize", "--model", model, "--save", hard],
      ["prune", "--model", json, "--sparsity", "0.5", "--save", json],
      ["compress", "--model", model, "--out", model],
      ["compress", "--model", model, "--out", hard],
      ["compress", "--model", model, "--out", `${dir}/other.lrc`, "--report", `${dir}/r.html`],
    ];
    for (const argv of cases.slice(0, -1)) {
      const r = await runCli([...argv, ...loaded]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      // The hard link is named so; the model itself, or a symbolic link to it (whose real path
      // is the model's), is not (mutation audit: the phrase added to every refusal passed).
      const phrase = argv.at(-1) === hard ? " (a hard link to it)" : "";
      assert.ok(
        r.stderr.includes(`is the model file${phrase}; write the output elsewhere`),
        `${argv.join(" ")}: ${r.stderr}`,
      );
    }
    assert.deepEqual(await Deno.readFile(model), before);
    assert.deepEqual(await Deno.readFile(hard), before);
    // A distinct output is fine.
    const ok = await runCli([...cases.at(-1)!, "--method", "none", ...loaded]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const noFifo = osProblem("posix", "FIFOs, mkfifo and /dev/null are POSIX-only");

Deno.test({
  name: "lrc compress and train refuse a FIFO or a device as output before any work" +
    (noFifo ? ` (skipped: ${noFifo})` : ""),
  ignore: noFifo !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
    try {
      const made = await new Deno.Command("mkfifo", { args: [`${dir}/pipe.lrc`] }).output();
      assert.ok(made.success);
      await Deno.symlink("/dev/null", `${dir}/null.lrc`);
      const cases: [string, string[], RegExp][] = [
        ["compress", ["--out", `${dir}/pipe.lrc`], /it is a FIFO, not a regular file/],
        ["compress", ["--out", `${dir}/null.lrc`], /it is a character device, not a regular/],
        ["train", ["--save", `${dir}/pipe.lrc`], /it is a FIFO, not a regular file/],
      ];
      for (const [command, argv, refusal] of cases) {
        // The data file does not exist: the output is refused before the data are even read
        // (the save refused it only after the work).
        const r = await runCli([command, ...argv, "--data", `${dir}/missing.csv`, "--quiet"]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, refusal);
        assert.doesNotMatch(r.stderr, /missing\.csv/);
      }
      assert.ok((await Deno.lstat(`${dir}/pipe.lrc`)).isFifo);
      assert.ok((await Deno.lstat(`${dir}/null.lrc`)).isSymlink);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("lrc compress refuses a folder as output before any work", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    await Deno.mkdir(`${dir}/out.lrc`);
    await Deno.mkdir(`${dir}/r.html`);
    for (const argv of [["--out", `${dir}/out.lrc`], ["--report", `${dir}/r.html`]]) {
      // The data file does not exist: the folder is refused before the data are even read.
      const r = await runCli(["compress", ...argv, "--data", `${dir}/missing.csv`, "--quiet"]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /it is a folder/);
      assert.doesNotMatch(r.stderr, /tmp-|missing\.csv/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress --model refuses data whose classes are not the model's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const data = await loadEmbedded("breast-cancer");
    const renamed = ["cancer", "healthy"];
    const lines = [[...data.featureNames, "diagnosis"].join(",")];
    for (let i = 0; i < data.x.rows; i++) {
      const row = Array.from(data.x.data.subarray(i * data.x.cols, (i + 1) * data.x.cols));
      lines.push([...row, renamed[data.y[i]]].join(","));
    }
    await Deno.writeTextFile(`${dir}/renamed.csv`, lines.join("\n") + "\n");
    const model = `${dir}/cancer.json`;
    const trained = await runCli([
      "train",
      "--dataset",
      "breast-cancer",
      "--save",
      model,
      "--quiet",
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const r = await runCli([
      "compress",
      "--model",
      model,
      "--data",
      `${dir}/renamed.csv`,
      "--out",
      `${dir}/c.lrc`,
      "--quiet",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /the data hold classes \["cancer","healthy"\], which the model lacks, and they lack the model's classes \["benign","malignant"\]/,
    );
    await assert.rejects(Deno.stat(`${dir}/c.lrc`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reduced model saved by prune --structure features quantizes and compresses on full-width data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const reduced = `${dir}/reduced.lrc`;
    const pruned = await runCli([
      ...["prune", "--structure", "features", "--sparsity", "0.5", "--save", reduced],
      ...quick,
    ]);
    assert.equal(pruned.code, 0, pruned.stderr);
    const q = await runCli(["quantize", "--model", reduced, "--json", "--quiet"]);
    assert.equal(q.code, 0, q.stderr);
    const report = JSON.parse(q.stdout);
    assert.equal(report.data.features, 32);
    assert.match(report.data.source, /the 32 features the model takes/);
    assert.ok(report.test.quantizedAccuracy > 0.8, `${report.test.quantizedAccuracy}`);
    const out = `${dir}/c.lrc`;
    const c = await runCli(["compress", "--model", reduced, "--out", out, "--json", "--quiet"]);
    assert.equal(c.code, 0, c.stderr);
    const inspect = await runCli(["inspect", out, "--json"]);
    assert.equal(JSON.parse(inspect.stdout).features, 32);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder given as --data is named as such by the streaming readers too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const model = `${dir}/m.json`;
    assert.equal((await runCli(["train", "--save", model, ...quick])).code, 0);
    for (
      const argv of [
        ["predict", "--model", model, "--data", dir],
        ["train", "--data", dir, "--stream", "--optimizer", "sgd"],
        ["train", "--data", dir],
      ]
    ) {
      const r = await runCli([...argv, "--quiet"]);
      assert.equal(r.code, 1, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^lrc (predict|train): Cannot read CSV '.*': it is a folder$/m,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("options that the rest of the command line makes pointless are refused before any work", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const model = `${dir}/m.lrc`;
    assert.equal((await runCli(["train", "--save", model, ...quick])).code, 0);
    const cases: [string[], RegExp][] = [
      [["compress", "--structure", "features", "--strategy", "l1"], /prunes single weights/],
      [
        ["compress", "--budget", "1", "--structure", "features", "--strategy", "l1"],
        /no strategy applies to the structures asked for/,
      ],
      [
        ["compress", "--method", "float16", "--bits", "3"],
        /--bits does not apply to --method float16/,
      ],
      [
        ["compress", "--training", "ptq", "--qat-epochs", "50"],
        /--qat-epochs does not apply with --training ptq/,
      ],
      [
        ["compress", "--budget", "1", "--training", "ptq", "--qat-learning-rate", "0.1"],
        /with --training ptq/,
      ],
      [["compress", "--fine-tune", "none", "--fine-tune-steps", "7"], /with --fine-tune none/],
      [["compress", "--method", "none", "--bits", "4"], /--bits does not apply to --method none/],
      [
        ["quantize", "--method", "log2", "--scheme", "affine"],
        /--scheme does not apply to --method log2/,
      ],
      [
        ["quantize", "--method", "kmeans", "--calibration", "mse"],
        /--calibration does not apply to --method kmeans/,
      ],
      [["quantize", "--levels", "5"], /--levels does not apply to --method uniform/],
      [
        ["quantize", "--percentile", "99"],
        /--percentile does not apply without --calibration percentile/,
      ],
      [["quantize", "--qat-epochs", "3"], /--qat-epochs does not apply without --qat/],
      [
        ["prune", "--sparsity", "0.5", "--fine-tune", "lbfgs", "--fine-tune-epochs", "3"],
        /--fine-tune-epochs does not apply to --fine-tune lbfgs/,
      ],
      [["train", "--epochs", "3"], /--epochs does not apply to --optimizer lbfgs/],
      [
        ["train", "--optimizer", "adam", "--max-iterations", "5"],
        /--max-iterations does not apply to --optimizer adam/,
      ],
      // L-BFGS takes neither a step size nor batches (found by the test-quality review's
      // mutations: dropping --learning-rate from this refusal passed).
      [["train", "--learning-rate", "0.1"], /--learning-rate does not apply to --optimizer lbfgs/],
      [["train", "--batch-size", "8"], /--batch-size does not apply to --optimizer lbfgs/],
      [["train", "--l1-ratio", "0.3"], /--l1-ratio does not apply to --penalty l2/],
      [
        ["train", "--penalty", "none", "--lambda", "1"],
        /--lambda does not apply to --penalty none/,
      ],
      // Each of these was accepted and changed nothing.
      [
        ["quantize", "--method", "kmeans", "--bits", "2", "--input-dtype", "int8"],
        /--input-dtype does not apply to --method kmeans/,
      ],
      [
        ["quantize", "--model", model, "--penalty", "l1", "--lambda", "0.5"],
        /--penalty, --lambda do not apply with --model without --qat/,
      ],
      [
        ["prune", "--sparsity", "0.5", "--strategy", "random", "--score-samples", "5"],
        /--score-samples does not apply to --strategy random/,
      ],
      [
        ["prune", "--model", model, "--sparsity", "0.5", "--fine-tune", "none", "--lambda", "3"],
        /--lambda does not apply with --model and --fine-tune none/,
      ],
      // Fine-tuning drops an L1 penalty: --lambda 5 and 5000 fine-tuned to the same model.
      [
        [
          "prune",
          "--model",
          model,
          "--sparsity",
          "0.5",
          "--fine-tune",
          "lbfgs",
          "--penalty",
          "l1",
          "--lambda",
          "5",
        ],
        /--lambda does not apply with --model and --penalty l1/,
      ],
      // An elastic net of ratio 1 is all L1: the same.
      [
        [
          "prune",
          "--model",
          model,
          "--sparsity",
          "0.5",
          "--fine-tune",
          "lbfgs",
          "--penalty",
          "elasticnet",
          "--l1-ratio",
          "1",
          "--lambda",
          "5",
        ],
        /--lambda does not apply with --model and --l1-ratio 1/,
      ],
      // Without --lambda, --penalty l1 fine-tuned without any penalty, without a word.
      [
        [
          ...["prune", "--model", model, "--sparsity", "0.5", "--fine-tune", "sgd"],
          ...["--penalty", "l1"],
        ],
        /--penalty l1 does not apply with --model \(an L1 penalty trains only the dense model.*give --penalty none$/m,
      ],
      [
        [
          ...["prune", "--model", model, "--sparsity", "0.5", "--strategy", "obd"],
          ...["--penalty", "elasticnet", "--l1-ratio", "1"],
        ],
        /--penalty elasticnet --l1-ratio 1 does not apply with --model/,
      ],
      [
        ["compress", "--sparsity", "0", "--fine-tune", "adam", "--training", "ptq"],
        /--fine-tune does not apply with --sparsity 0/,
      ],
      [
        ["compress", "--method", "kmeans", "--bits", "2", "--calibration", "minmax"],
        /--calibration does not apply to --method kmeans/,
      ],
      [
        ["compress", "--no-standardize", "--preprocessing", "keep"],
        /--preprocessing does not apply with --no-standardize/,
      ],
      // export trained the model first and refused it after (its progress line showed).
      [
        ["export", "--no-standardize", "--preprocessing", "nodes", "--out", `${dir}/n.onnx`],
        /--preprocessing does not apply with --no-standardize/,
      ],
    ];
    for (const command of ["compress", "quantize", "prune"]) {
      const target = command === "prune" ? ["--sparsity", "0.5"] : [];
      cases.push([
        [command, ...target, "--model", model, "--no-standardize", "--epochs", "3"],
        /--epochs, --no-standardize do not apply with --model: they train a dense model/,
      ]);
      // Each option of the dense training on its own (--optimizer, --learning-rate and
      // --max-iterations could each be dropped from this refusal without a test failing).
      for (const option of [["--optimizer", "adam"], ["--learning-rate", "0.1"]]) {
        cases.push([
          [command, ...target, "--model", model, ...option],
          new RegExp(`${option[0]} does not apply with --model: they train a dense model`),
        ]);
      }
      cases.push([
        [command, ...target, "--model", model, "--optimizer", "sgd", "--max-iterations", "5"],
        /--optimizer, --max-iterations do not apply with --model: they train a dense model/,
      ]);
    }
    for (const [argv, message] of cases) {
      // A missing data file: each is refused before the data are read.
      const r = await runCli([...argv, "--data", `${dir}/missing.csv`, "--quiet"]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    // Output folders are made only once every option has been read.
    const out = `${dir}/new/m.lrc`;
    const r = await runCli(["compress", "--out", out, "--seed", "abc", "--quiet"]);
    assert.equal(r.code, 2, r.stderr);
    await assert.rejects(() => Deno.stat(`${dir}/new`), Deno.errors.NotFound);
    // A run that fails after the checks (here: no such data file) leaves no folder behind,
    // however deep, also with outputs in sibling folders; a folder that existed stays.
    await Deno.mkdir(`${dir}/kept`);
    const failed = await runCli([
      "compress",
      "--out",
      `${dir}/a/b/m.lrc`,
      "--report",
      `${dir}/a/c/r.html`,
      "--onnx",
      `${dir}/kept/m.onnx`,
      "--data",
      `${dir}/missing.csv`,
      "--quiet",
    ]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /missing\.csv/);
    await assert.rejects(() => Deno.stat(`${dir}/a`), Deno.errors.NotFound);
    assert.ok((await Deno.stat(`${dir}/kept`)).isDirectory);
    // The same when a later output is refused (a folder as --report) after --out's folder.
    await Deno.mkdir(`${dir}/r.html`);
    const refused = await runCli([
      "compress",
      "--out",
      `${dir}/nd/sub/m.lrc`,
      "--report",
      `${dir}/r.html`,
      "--quiet",
    ]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /it is a folder/);
    await assert.rejects(() => Deno.stat(`${dir}/nd`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data, export and predict options that do nothing for what is asked are refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const csv = `${dir}/n.csv`;
    await Deno.writeTextFile(
      csv,
      "a,b,y\n" + Array.from({ length: 40 }, (_, i) => `${i % 7},${i % 3},${i % 2}`).join("\n") +
        "\n",
    );
    const float = `${dir}/f.lrc`, q8 = `${dir}/q8.lrc`, km = `${dir}/km.lrc`;
    assert.equal((await runCli(["train", "--save", float, ...quick])).code, 0);
    const quantize = (extra: string[], path: string) =>
      runCli(["quantize", ...quick, "--no-standardize", ...extra, "--save", path]);
    assert.equal((await quantize(["--bits", "8"], q8)).code, 0);
    assert.equal((await quantize(["--method", "kmeans", "--bits", "4"], km)).code, 0);
    const cases: [string[], RegExp][] = [
      [
        ["train", "--data", csv, "--dataset", "breast-cancer"],
        /--dataset does not apply with --data/,
      ],
      [["train", "--label", "y"], /--label does not apply without --data/],
      [["train", "--no-header"], /--no-header does not apply without --data/],
      [
        ["train", "--data", csv, "--delimiter", "ab"],
        /'train': --delimiter must be one ASCII character/,
      ],
      [["train", "--data", csv, "--delimiter=."], /--delimiter must be one ASCII character/],
      [
        ["train", "--data", csv, "--stream", "--optimizer", "sgd", "--delimiter", "ab"],
        /'train': --delimiter must be one ASCII character/,
      ],
      [
        ["export", "--model", float, "--quantized", "integer", "--out", `${dir}/x.onnx`],
        /--quantized does not apply to a float model/,
      ],
      [
        ["export", "--model", q8, "--preprocessing", "nodes", "--out", `${dir}/x.onnx`],
        /--preprocessing does not apply to a quantized model/,
      ],
      [
        ["export", "--model", km, "--quantized", "integer", "--out", `${dir}/x.onnx`],
        /needs uniform codes of at most 8 bits, the model has codebook 4-bit; export with --quantized qdq$/m,
      ],
      [
        ["predict", "--model", float, "--data", csv, "--dequantized"],
        /--dequantized does not apply to a float model/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, "--quiet"]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(" "));
    }
    await assert.rejects(() => Deno.stat(`${dir}/x.onnx`), Deno.errors.NotFound);
    // A held-out part the file is too short for is refused before streamed training.
    const r = await runCli([
      "train",
      "--data",
      csv,
      "--stream",
      "--optimizer",
      "sgd",
      "--test-fraction",
      "0.001",
      "--quiet",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /has 40 data rows, and holding out every 1000th .* leaves none to test/);
    assert.doesNotMatch(r.stderr, /epoch/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reloading a reduced headerless model, prune's notes, and early refusals for export and prune", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const data = await loadEmbedded("breast-cancer");
    const d = data.featureNames.length;
    const lines = Array.from(
      { length: data.x.rows },
      (_, i) =>
        [...Array.from(data.x.data.subarray(i * d, (i + 1) * d), String), data.classes[data.y[i]]]
          .join(","),
    );
    const nh = `${dir}/nh.csv`;
    await Deno.writeTextFile(nh, lines.join("\n") + "\n");
    // Structured pruning of a headerless file keeps the positions it names (column_8, ...).
    const small = `${dir}/small.json`;
    const pruned = await runCli([
      ...["prune", "--data", nh, "--no-header", "--structure", "features", "--count", "20"],
      ...["--save", small, ...quick],
    ]);
    assert.equal(pruned.code, 0, pruned.stderr);
    const again = await runCli([
      "quantize",
      "--model",
      small,
      "--data",
      nh,
      "--no-header",
      "--quiet",
    ]);
    assert.equal(again.code, 0, again.stderr);
    // The names are positions, the label's column counted: a moved label column would misread
    // every feature unnoticed, so the data line says what the match relies on.
    assert.match(
      again.stdout,
      /the 10 features the model takes \(named by their positions in a file without a header: the label must be in the column it was in when the model was made\)/,
    );
    // prune says "by name" only when it matched by name in another order or a subset.
    const dense = `${dir}/dense.json`;
    assert.equal(
      (await runCli(["train", "--data", nh, "--no-header", "--save", dense, ...quick])).code,
      0,
    );
    const same = await runCli([
      "prune",
      "--model",
      dense,
      "--data",
      nh,
      "--no-header",
      "--sparsity",
      "0.5",
    ]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^model {5}loaded from \S+dense\.json$/m);
    // A headerless file has no header to name the features: matched by position at the model's
    // width, quantize's data line (the data as the model takes them) says nothing of a header
    // that names none of them.
    const quantized = await runCli(["quantize", "--model", dense, "--data", nh, "--no-header"]);
    assert.equal(quantized.code, 0, quantized.stderr);
    assert.match(
      quantized.stdout,
      /^data {6}\S+nh\.csv: 427 train \/ 142 test, 30 features, 2 classes$/m,
    );
    // Export trains a float model: --quantized is refused before that training.
    const x = await runCli([
      ...["export", "--out", `${dir}/x.onnx`, "--quantized", "integer"],
      ...["--optimizer", "sgd", "--epochs", "300"],
    ]);
    assert.equal(x.code, 2, x.stderr);
    assert.match(x.stderr, /--quantized does not apply to a model trained here \(it is float\)/);
    assert.doesNotMatch(x.stderr, /epoch/);
    // prune's --batch-size sets sgd/adam fine-tuning: with lbfgs or none it does nothing.
    for (const tuning of ["none", "lbfgs"]) {
      const r = await runCli([
        "prune",
        "--sparsity",
        "0.5",
        "--fine-tune",
        tuning,
        "--batch-size",
        "16",
        "--quiet",
      ]);
      assert.equal(r.code, 2, `${tuning}: ${r.stderr}`);
      assert.match(r.stderr, /--batch-size does not apply/);
    }
    const sgd = await runCli([
      ...["prune", "--sparsity", "0.5", "--model", dense, "--data", nh, "--no-header"],
      ...["--fine-tune", "sgd", "--fine-tune-epochs", "1", "--batch-size", "16", "--quiet"],
    ]);
    assert.equal(sgd.code, 0, sgd.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("impossible counts and levels are refused before training, and a bare lrc writes its usage to stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-guards-" });
  try {
    const cases: [string[], RegExp][] = [
      // Digits: 10 classes x 64 features; breast cancer: one row of 30 weights.
      [["prune", "--dataset", "digits", "--count", "1000"], /--count 1000 exceeds the 640 weights/],
      [
        ["prune", "--dataset", "digits", "--count", "65", "--scope", "per-class"],
        /--count 65 exceeds the 64 weights/,
      ],
      [
        ["quantize", "--dataset", "breast-cancer", "--method", "affine", "--scheme", "symmetric"],
        /--scheme does not apply to --method affine/,
      ],
      [
        ["quantize", "--dataset", "breast-cancer", "--method", "kmeans"],
        /k-means with 256 levels needs at least 256 weights per group, and the model will have 30/,
      ],
      [
        // compress found it only after training and pruning (exit 1).
        [
          ...["compress", "--dataset", "digits", "--method", "kmeans", "--bits", "8"],
          ...["--granularity", "class"],
        ],
        /k-means with 256 levels needs at least 256 weights per group, and the model will have 64 per class; use fewer --bits or --levels$/m,
      ],
    ];
    for (const [argv, message] of cases) {
      // Refused before training: no progress line, one error line, exit 2.
      const r = await runCli([...argv]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(" "));
      assert.doesNotMatch(r.stderr, /training/, argv.join(" "));
    }
    // Options that do not apply to a model without standardisation.
    const plain = `${dir}/plain.lrc`;
    assert.equal((await runCli(["train", "--save", plain, "--no-standardize", ...quick])).code, 0);
    for (
      const argv of [
        ["export", "--model", plain, "--out", `${dir}/p.onnx`, "--preprocessing", "nodes"],
        ["compress", "--model", plain, "--preprocessing", "compact", "--quiet"],
      ]
    ) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /--preprocessing does not apply to a model without standardisation/);
    }
    await assert.rejects(() => Deno.stat(`${dir}/p.onnx`), Deno.errors.NotFound);
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, "");
    assert.match(bare.stderr, /commands/i);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("commands other than predict refuse --data - (standard input) in their words, and read a file named '-' as ./-", async () => {
  // They read their data more than once; '-' was taken as a file name ("No such file ... stat '-'").
  for (
    const argv of [
      ["train", "--data", "-", ...quick],
      ["train", "--data", "-", "--stream", "--optimizer", "sgd", "--quiet"],
      ["prune", "--data", "-", "--sparsity", "0.5", ...quick],
      ["quantize", "--data", "-", "--bits", "8", ...quick],
      ["compress", "--data", "-", "--quiet"],
      ["export", "--data", "-", "--out", "x.onnx", ...quick],
    ]
  ) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.equal(
      r.stderr,
      `lrc ${argv[0]}: Cannot parse arguments of '${argv[0]}': --data - (standard input) is ` +
        "read by lrc predict only; save the data to a file and give its name (a file named '-' " +
        "is ./-)\n",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "lrc-dash-" });
  try {
    const iris = await loadEmbedded("iris");
    const lines = [[...iris.featureNames, "label"].join(",")];
    for (let i = 0; i < iris.y.length; i++) {
      const row = Array.from(iris.x.data.subarray(i * iris.x.cols, (i + 1) * iris.x.cols));
      lines.push(`${row.join(",")},${iris.classes[iris.y[i]]}`);
    }
    await Deno.writeTextFile(`${dir}/-`, lines.join("\n") + "\n");
    const r = await runCli(["train", "--data", `${dir}/-`, "--json", ...quick]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).data.features, iris.x.cols);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
