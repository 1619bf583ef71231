// The settings that lrc prune and lrc quantize expose and compress takes too, under the same
// names: they reach the models compress makes (their names and sizes say so), and what does not
// apply is refused before any training.
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { readModelFile } from "../../lib/cli/model_files.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { predict, predictProba } from "../../lib/model/predict.ts";
import { dequantizeModel } from "../../lib/quant/model.ts";
import { integerPredict, prepareIntegerModel } from "../../lib/quant/integer.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import {
  createCompressionSession,
  type PreprocessingStorage,
  type PruneSpec,
  type QuantizeSpec,
} from "../../lib/compress/mod.ts";
import { trainingSize, trainTestSplit } from "../../lib/data/preprocess.ts";
import type { Optimizer } from "../../lib/model/fit.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";

const FAST = ["--max-iterations", "100"];

interface Stage {
  stage: string;
  name: string;
  nonZeros: number;
  weights: number;
  bits: number;
  bytes: number;
  validation: { accuracy: number; logLoss: number };
}

async function stages(args: readonly string[]): Promise<Stage[]> {
  const r = await runCli(["compress", ...FAST, ...args, "--json"]);
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout).stages;
}

function last(s: readonly Stage[]): Stage {
  return s[s.length - 1];
}

Deno.test("compress takes prune's --count and --scope: that many weights leave every class row", async () => {
  // digits: 10 classes x 64 features; 30 per row leave 34 in each of the 10 rows.
  const s = await stages(["--count", "30", "--scope", "per-class", "--fine-tune", "none"]);
  const pruned = s.find((x) => x.stage === "pruned")!;
  assert.equal(pruned.weights, 640);
  assert.equal(pruned.nonZeros, 340);
  assert.match(pruned.name, /^magnitude 30 weights \(per-class\)/);
  // Globally ranked, 30 weights in all.
  // Globally ranked, 100 weights in all (the dense model has 30 zero weights, of constant
  // pixels: they rank lowest and are among the 100).
  const dense = await stages(["--sparsity", "0", "--method", "none"]);
  assert.equal(dense[0].nonZeros, 610);
  const global = await stages(["--count", "100", "--fine-tune", "none", "--method", "none"]);
  assert.equal(global.find((x) => x.stage === "pruned")!.nonZeros, 540);
  // Whole features: 30 of the 64 columns.
  const features = await stages([
    "--count",
    "30",
    "--structure",
    "features",
    "--fine-tune",
    "none",
    "--method",
    "none",
  ]);
  assert.equal(features.find((x) => x.stage === "pruned")!.nonZeros, 340);
});

Deno.test("compress takes quantize's --levels, --init, --calibration percentile and --rounding", async () => {
  const kmeans = last(
    await stages(["--method", "kmeans", "--levels", "6", "--init", "linear", "--training", "ptq"]),
  );
  assert.match(kmeans.name, /k-means 6 levels per tensor \(linear\)$/);
  assert.equal(kmeans.bits, 3); // ceil(log2(6))
  const percentile = last(
    await stages(["--calibration", "percentile", "--percentile", "99", "--training", "ptq"]),
  );
  assert.match(percentile.name, /uniform symmetric 4-bit per class \(percentile 99\)$/);
  for (const method of ["uniform", "log2"]) {
    const stochastic = last(
      await stages(["--method", method, "--rounding", "stochastic", "--training", "ptq"]),
    );
    assert.match(stochastic.name, /, stochastic rounding\)$/, method);
  }
});

Deno.test("compress --sweep, --budget and --max-bytes pass the grid settings to their default methods", async () => {
  // Without --method the sweep uses its default methods, which took none of these before.
  const r = await runCli([
    "compress",
    ...FAST,
    "--sweep",
    "--sparsity",
    "0",
    "--bits",
    "4",
    "--calibration",
    "minmax",
    "--init",
    "linear",
    "--training",
    "ptq",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const names: string[] = JSON.parse(r.stdout).sweep.rows.map((row: { name: string }) => row.name);
  assert.ok(names.includes("uniform symmetric 4-bit per class (minmax)"), names.join("; "));
  assert.ok(names.includes("k-means 16 levels per tensor (linear)"), names.join("; "));
  assert.ok(!names.some((n) => n.includes("(mse)") || n.includes("kmeans++")), names.join("; "));
  // Both searches take them too: every quantized model they evaluate has them.
  for (const mode of [["--budget", "1"], ["--max-bytes", "600"]]) {
    const b = await runCli([
      ...["compress", ...FAST, ...mode, "--sparsity", "0,0.5", "--bits", "2,4"],
      ...["--calibration", "minmax", "--init", "linear", "--json"],
    ]);
    assert.equal(b.code, 0, b.stderr);
    const j = JSON.parse(b.stdout);
    const tried: string[] = (j.budget ?? j.sizeBudget).tried.map((t: { name: string }) => t.name);
    const quantized = tried.filter((n) => / \d+-bit | levels /.test(n));
    assert.ok(quantized.length > 4, tried.join("; "));
    for (const n of quantized) {
      assert.ok(n.includes("(minmax)") || n.includes("(linear)"), `${mode[0]}: ${n}`);
    }
  }
});

Deno.test("compress takes prune's fine-tuning options; --fine-tune-steps is the same setting", async () => {
  const name = (s: Stage[]) => s.find((x) => x.stage === "fine-tuned")!;
  const without = (s: Stage) => ({ ...s, seconds: 0 });
  const method = ["--method", "none"];
  // lbfgs: iterations.
  const steps = name(await stages([...method, "--fine-tune-steps", "7"]));
  const iterations = name(await stages([...method, "--fine-tune-iterations", "7"]));
  assert.deepEqual(without(iterations), without(steps));
  // sgd: epochs, step size and batch size.
  const sgd = ["--fine-tune", "sgd", ...method];
  const e2 = name(await stages([...sgd, "--fine-tune-steps", "2"]));
  assert.deepEqual(without(name(await stages([...sgd, "--fine-tune-epochs", "2"]))), without(e2));
  const rate = name(
    await stages([...sgd, "--fine-tune-epochs", "2", "--fine-tune-learning-rate", "0.001"]),
  );
  const batch = name(await stages([...sgd, "--fine-tune-epochs", "2", "--batch-size", "8"]));
  // Each reaches the training: the fine-tuned model differs from the default's.
  assert.notEqual(rate.validation.logLoss, e2.validation.logLoss);
  assert.notEqual(batch.validation.logLoss, e2.validation.logLoss);
});

Deno.test("compress --out FILE.json writes the model that the .lrc file holds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // With --integer the .lrc file holds the input calibration too: the size named is its own.
    for (const integer of [[], ["--integer"]]) {
      const common = ["compress", ...FAST, "--fine-tune-steps", "20", ...integer, "--quiet"];
      const json = await runCli([...common, "--out", `${dir}/m.json`]);
      assert.equal(json.code, 0, json.stderr);
      const lrc = await runCli([...common, "--out", `${dir}/m.lrc`]);
      assert.equal(lrc.code, 0, lrc.stderr);
      const lrcBytes = (await Deno.stat(`${dir}/m.lrc`)).size;
      const jsonBytes = (await Deno.stat(`${dir}/m.json`)).size;
      assert.match(
        json.stdout,
        new RegExp(
          `wrote {5}${dir}/m\\.json \\(${jsonBytes.toLocaleString("en-US")} bytes, JSON; the ` +
            `\\.lrc file of this model has ${lrcBytes.toLocaleString("en-US")} bytes\\)`,
        ),
      );
      // Both files give the same probabilities on the data, as the float models they stand for.
      const digits = await loadEmbedded("digits");
      const probabilities = [];
      for (const file of ["m.json", "m.lrc"]) {
        const { model, warnings } = await readModelFile(`${dir}/${file}`);
        assert.deepEqual(warnings, []);
        assert.equal(model.kind, "quantized-logistic-regression", file);
        assert.equal((model as { input?: unknown }).input !== undefined, integer.length > 0, file);
        probabilities.push(predictProba(asFloatModel(model), digits.x).data);
      }
      assert.deepEqual(probabilities[0], probabilities[1]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress refuses these settings where they do not apply, before any training", async () => {
  const refused: [string[], RegExp][] = [
    [["--count", "5", "--sparsity", "0.5"], /give --sparsity or --count, not both/],
    // Named as the option typed, as lrc prune names it (it said "prune count 65").
    [
      ["--count", "65", "--scope", "per-class"],
      /: --count 65 exceeds the 64 weights of each class row of the model$/m,
    ],
    [["--count", "641"], /: --count 641 exceeds the 640 weights of the model$/m],
    [
      ["--count", "65", "--structure", "features"],
      /: --count 65 exceeds the 64 features of the model$/m,
    ],
    [
      ["--structure", "features", "--scope", "global"],
      /--scope global applies to --structure weights/,
    ],
    [["--count", "0", "--scope", "global"], /--scope does not apply with --count 0/],
    [["--sweep", "--scope", "global"], /--scope applies to the pipeline only/],
    [["--budget", "1", "--count", "3"], /--count applies to the pipeline only/],
    [
      ["--standard-errors", "1"],
      /--standard-errors is a margin of --budget; give it with --budget/,
    ],
    [
      ["--max-bytes", "900", "--standard-errors", "1"],
      /--standard-errors is a margin of --budget/,
    ],
    [
      ["--budget", "1", "--standard-errors=-1"],
      /--standard-errors must be a number in \[0, 1000\], got '-1'/,
    ],
    [["--budget", "1", "--standard-errors", "x"], /--standard-errors must be a number/],
    [
      ["--sweep", "--levels", "4"],
      /--levels applies to the pipeline only \(the sweep and search take k-means sizes from --bits\)/,
    ],
    [["--levels", "4"], /--levels does not apply to --method uniform/],
    // 8 levels take 3-bit codes: --bits 2 was overridden without a word.
    [
      ["--method", "kmeans", "--bits", "2", "--levels", "8"],
      /--bits 2 does not fit --levels 8, whose codes take 3 bits/,
    ],
    [["--init", "linear"], /--init does not apply to --method uniform/],
    [
      ["--sweep", "--method", "uniform", "--init", "linear"],
      /--init does not apply to --method uniform/,
    ],
    [
      ["--method", "kmeans", "--rounding", "stochastic"],
      /--rounding does not apply to --method kmeans \(no grid\)/,
    ],
    [["--percentile", "99"], /--percentile does not apply without --calibration percentile/],
    [
      ["--rounding", "stochastic"],
      /--rounding stochastic applies to post-training quantization: add --training ptq/,
    ],
    [["--sweep", "--rounding", "stochastic"], /add --training ptq/],
    [
      ["--fine-tune-steps", "3", "--fine-tune-iterations", "3"],
      /--fine-tune-iterations does not apply with --fine-tune-steps, which is the same setting/,
    ],
    [
      ["--fine-tune-epochs", "3"],
      /--fine-tune-epochs does not apply to --fine-tune lbfgs \(it has iterations\)/,
    ],
    [
      ["--fine-tune", "adam", "--fine-tune-iterations", "3"],
      /--fine-tune-iterations does not apply to --fine-tune adam \(it has epochs\)/,
    ],
    [
      ["--fine-tune", "none", "--fine-tune-learning-rate", "0.1"],
      /does not apply with --fine-tune none/,
    ],
    [["--batch-size", "8"], /--batch-size does not apply to --optimizer lbfgs/],
    [["--sparsity", "0", "--fine-tune-iterations", "3"], /with --sparsity 0/],
    [["--out", "m.txt"], /--out must end in \.lrc \(binary\) or \.json, got 'm\.txt'/],
    [["--bits", "0"], /--bits must be an integer in \[1, 16\] \(or a list of them\), got '0'/],
    [
      ["--integer", "--sweep"],
      /--integer calibrates one model: not with --sweep/,
    ],
    [
      ["--integer", "--method", "kmeans"],
      /--integer needs integer grids: --method uniform, affine or log2$/m,
    ],
    [["--integer", "--budget", "1"], /the search's default includes k-means/],
    [["--input-dtype", "int8"], /--input-dtype does not apply without --integer/],
    // A codebook larger than what pruning leaves: found after training and pruning before.
    [
      ["--method", "kmeans", "--bits", "8", "--sparsity", "0.9"],
      /k-means with 256 levels needs at least 256 weights per group, and the model will have 64 per tensor after pruning; use fewer --bits or --levels, or prune less$/m,
    ],
    [
      [
        "--method",
        "kmeans",
        "--bits",
        "5",
        "--granularity",
        "class",
        "--count",
        "40",
        "--scope",
        "per-class",
      ],
      /the model will have 24 per class after pruning/,
    ],
    // 100 points is no budget: it passed the parser and failed after training.
    [["--budget", "100"], /--budget must be below 100 points, got '100'/],
    [
      ["--sweep", "--rounds", "3"],
      /--rounds applies to the pipeline only \(--iterative prunes each --sparsity level from/,
    ],
    [["--iterative"], /--iterative applies to --sweep, --budget and --max-bytes; the pipeline/],
    [["--rounds", "3", "--fine-tune", "none"], /--rounds needs fine-tuning between the rounds/],
    [["--sweep", "--iterative", "--fine-tune", "none"], /--iterative needs fine-tuning/],
    [["--sweep", "--iterative", "--sparsity", "0"], /--iterative does not apply with --sparsity 0/],
    [["--rounds", "0"], /--rounds must be an integer/],
    [["--rounds", "3", "--sparsity", "0"], /--rounds does not apply with --sparsity 0/],
    [
      ["--method", "zip"],
      /--method must be one of uniform, affine, log2, kmeans, float16, none \(or a list of them\), got 'zip'/,
    ],
  ];
  for (const [args, message] of refused) {
    const r = await runCli(["compress", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    // One line: the error, with no progress of a training before it.
    assert.match(r.stderr, /^lrc compress: Cannot parse arguments of 'compress': [^\n]+\n$/);
    assert.match(r.stderr, message, args.join(" "));
  }
});

Deno.test("an option another command names differently gets that command's name in the error", async () => {
  const cases: [string[], string][] = [
    [["compress", "--save", "m.lrc"], "compress writes its model with --out FILE"],
    [["compress", "--qat"], "compress takes --training qat"],
    [["compress", "--compensate"], "compress compensates unless --no-compensate is given"],
    [["quantize", "--out", "m.lrc"], "quantize writes its model with --save FILE"],
    [["quantize", "--training", "qat"], "quantize takes --qat for quantization-aware training"],
    [["prune", "--fine-tune-steps", "3"], "prune takes --fine-tune-iterations (lbfgs) or"],
    [["prune", "--no-compensate"], "prune compensates only when --compensate is given"],
    [["train", "--out", "m.lrc"], "train writes its model with --save FILE"],
    [["export", "--save", "m.onnx"], "export writes with --out FILE.onnx"],
  ];
  for (const [argv, hint] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.ok(
      r.stderr.includes(`Unknown option '${argv[1]}' (${hint}`),
      `${argv.join(" ")}: ${r.stderr}`,
    );
  }
});

Deno.test("compress --integer stores the input calibration that integer-only inference needs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const mode of [[], ["--budget", "1", "--method", "uniform,affine", "--bits", "3,4"]]) {
      const out = `${dir}/m.lrc`;
      const r = await runCli(["compress", ...FAST, ...mode, "--integer", "--out", out, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      const bytes = (await Deno.stat(out)).size;
      assert.equal(report.integer.kept, true);
      assert.equal(report.integer.bytes, bytes);
      assert.equal(report.savedBytes, bytes);
      // bytes is the table's last row, the file without the calibration (as the README says).
      assert.equal(report.bytes, report.stages.at(-1).bytes);
      assert.ok(report.bytes < bytes, `${report.bytes} >= ${bytes}`);
      assert.equal(report.integer.inputDtype, "uint8"); // pixels are >= 0
      // The file holds the calibration: integer-only inference runs from it and agrees with the
      // dequantized model on (nearly) all of digits, the test rows included.
      const { model } = await readModelFile(out);
      if (model.kind !== "quantized-logistic-regression") throw new Error(model.kind);
      assert.equal(model.input?.dtype, "uint8");
      assert.equal(model.bias.kind, "int32");
      const digits = await loadEmbedded("digits");
      const agreement = accuracy(
        integerPredict(prepareIntegerModel(model), digits.x),
        predict(dequantizeModel(model), digits.x),
      );
      assert.ok(agreement >= 0.99, `${agreement}`);
      // The integer ONNX graph needs it (refused for a model without).
      assert.ok(exportOnnx(model, { quantized: "integer" }).length > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --integer says how many bytes the calibration adds to the table's last row", async () => {
  // The line's difference was not checked: its sign flipped (the table's row less the file),
  // every test passed (mutation audit). The table's last row is the file written without
  // --integer (same seed, same model); the calibration makes the file larger.
  const dir = await Deno.makeTempDir();
  try {
    const common = ["compress", ...FAST, "--fine-tune-steps", "20", "--quiet", "--out"];
    const plain = await runCli([...common, `${dir}/plain.lrc`]);
    assert.equal(plain.code, 0, plain.stderr);
    const r = await runCli([...common, `${dir}/m.lrc`, "--integer"]);
    assert.equal(r.code, 0, r.stderr);
    const without = (await Deno.stat(`${dir}/plain.lrc`)).size;
    const bytes = (await Deno.stat(`${dir}/m.lrc`)).size;
    assert.ok(bytes > without, `${bytes} <= ${without}`);
    assert.ok(
      r.stdout.includes(
        `\n          stored: the file is ${bytes.toLocaleString("en-US")} bytes with the ` +
          `calibration (+${bytes - without} against the table's last row)\n`,
      ),
      r.stdout,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --integer stores no calibration that loses predictions, and says why", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // breast cancer's raw features span 0.001 to 4,000: one int8 input scale loses the small ones.
    const out = `${dir}/m.lrc`;
    const r = await runCli([
      "compress",
      ...FAST,
      "--dataset",
      "breast-cancer",
      "--integer",
      "--input-dtype",
      "int8",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /not stored: integer-only predictions agree with the dequantized model on \d+\.\d\d % of the training rows, below 99\.00 %/,
    );
    const { model } = await readModelFile(out);
    if (model.kind !== "quantized-logistic-regression") throw new Error(model.kind);
    assert.equal(model.input, undefined);
    const size = (await Deno.stat(out)).size;
    assert.ok(r.stdout.includes(`wrote     ${out} (${size} bytes)`), r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --max-bytes writes the most accurate model whose file fits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/m.lrc`, report = `${dir}/r.html`;
    const r = await runCli([
      ...["compress", ...FAST, "--max-bytes", "400", "--sparsity", "0,0.5,0.8"],
      ...["--bits", "2,3,4", "--out", out, "--report", report, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.mode, "size");
    const s = j.sizeBudget;
    assert.equal(s.maxBytes, 400);
    const bytes = (await Deno.stat(out)).size;
    assert.equal(s.chosen.bytes, bytes);
    assert.equal(j.bytes, bytes);
    assert.ok(bytes <= 400);
    for (const t of s.tried) {
      assert.equal(t.feasible, t.bytes <= 400, t.name);
      if (t.feasible) assert.ok(t.validation.accuracy <= s.chosen.validation.accuracy, t.name);
    }
    assert.ok(
      s.tried.some((t: { feasible: boolean }) => !t.feasible),
      "the dense model does not fit",
    );
    const html = await Deno.readTextFile(report);
    assert.ok(html.includes("<h2>Size-budgeted search</h2>"));
    // The report's chart of the models tried groups them by their file size against the budget
    // (mutation audit: swapping "fits" and "too large" survived every compress test).
    const spec = /<h2>Size-budgeted search<\/h2>[\s\S]*?\n {2}var spec = (.*);\n/.exec(html);
    const traces: { mode: string; name: string; x: number[] }[] = JSON.parse(spec![1]).data;
    const points = traces.filter((t) => t.mode === "markers")
      .flatMap((t) => t.x.map((x) => ({ group: t.name, x })));
    assert.equal(points.length, s.tried.length);
    for (const p of points) assert.equal(p.group, p.x <= 400 ? "fits" : "too large", `${p.x}`);
    assert.ok(points.some((p) => p.group === "fits") && points.some((p) => p.x > 400));
    const text = await runCli([
      ...["compress", ...FAST, "--max-bytes", "400", "--sparsity", "0,0.5,0.8"],
      ...["--bits", "2,3,4"],
    ]);
    assert.match(
      text.stdout,
      /\nbudget {4}at most 400 bytes \(6\.50 x smaller than float32\): the highest validation accuracy\nsearch {4}\d+ models evaluated \(\d+ fit\), \d+ skipped, [\d.]+ s\nchosen {4}/,
    );
    // At 129 bytes the smallest candidate fits only in its folded form, which "auto" storage
    // does not choose by accuracy (its compact form has 262 bytes): the search takes the form
    // that fits (before, nothing fitted).
    const tight = await runCli(["compress", ...FAST, "--max-bytes", "129", "--json"]);
    assert.equal(tight.code, 0, tight.stderr);
    const chosen = JSON.parse(tight.stdout).sizeBudget.chosen;
    assert.equal(chosen.bytes, 129);
    assert.equal(chosen.preprocessing, "folded");
    // Nothing fits: an error naming a size the space cannot go below, which does not fit either.
    // Below what every file of the shape stores: refused before training (no progress line).
    const floor = await runCli(["compress", ...FAST, "--max-bytes", "69"]);
    assert.equal(floor.code, 2);
    assert.equal(
      floor.stderr,
      "lrc compress: Cannot parse arguments of 'compress': --max-bytes 69 is below the smallest " +
        "file a model of 10 classes and 64 features can have, 70 bytes (its header, class labels, " +
        "feature names and bias, with every weight pruned)\n",
    );
    for (const maxBytes of [70, 128]) {
      const none = await runCli(["compress", ...FAST, "--max-bytes", String(maxBytes)]);
      assert.equal(none.code, 1);
      const m = none.stderr.match(
        /no model of the space fits in (\d+) bytes; the smallest file it could make has at least (\d+) bytes\n$/,
      );
      assert.ok(m, none.stderr);
      assert.equal(Number(m[1]), maxBytes);
      assert.ok(Number(m[2]) > maxBytes, none.stderr);
    }
    for (
      const [args, message] of [
        [["--max-bytes", "400", "--budget", "1"], /--budget and --max-bytes are different modes/],
        [["--max-bytes", "0"], /--max-bytes must be/],
        [["--max-bytes", "400", "--integer", "--method", "uniform"], /--max-bytes does not count/],
      ] as const
    ) {
      const bad = await runCli(["compress", ...args]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a list given to a one-value option says which command takes lists", async () => {
  for (
    const argv of [
      ["prune", "--sparsity", "0.5,0.8"],
      ["quantize", "--bits", "4,2"],
      ["quantize", "--method", "uniform,kmeans"],
      ["prune", "--strategy", "magnitude,taylor"],
    ]
  ) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.ok(
      r.stderr.endsWith(
        `got '${argv[2]}' (one value: lists are for 'lrc compress' with --sweep, --budget or ` +
          "--max-bytes)\n",
      ),
      r.stderr,
    );
  }
  // Not for a single bad value, nor for compress itself, whose pipeline says so its own way.
  assert.ok(!(await runCli(["quantize", "--bits", "40"])).stderr.includes("lists are"));
  const pipeline = await runCli(["compress", "--bits", "4,2"]);
  assert.match(
    pipeline.stderr,
    /--bits takes one value without --sweep, --budget or --max-bytes\n$/,
  );
});

Deno.test("compress --rounds prunes in rounds, and --iterative prunes each level from the one below", async () => {
  // 0.9 * (1 - (2/3)^3) = 0.633 and 0.9 * (1 - (1/3)^3) = 0.867.
  const s = await stages(["--sparsity", "0.9", "--rounds", "3", "--method", "none"]);
  const tuned = s.find((x) => x.stage === "fine-tuned")!;
  assert.match(tuned.name, /^magnitude 63\.3\/86\.7\/90 % of weights, fine-tuned/);
  assert.equal(tuned.nonZeros, 64);
  const once = await stages(["--sparsity", "0.9", "--method", "none"]);
  assert.notEqual(last(once).validation.logLoss, last(s).validation.logLoss);
  const r = await runCli([
    "compress",
    ...FAST,
    "--sweep",
    "--iterative",
    "--sparsity",
    "0,0.5,0.8",
    "--method",
    "float16",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const names: string[] = JSON.parse(r.stdout).sweep.rows.map((row: { name: string }) => row.name);
  assert.ok(names.includes("magnitude 50/80 % of weights, float32"), names.join("; "));
  assert.ok(!names.some((n) => n.startsWith("magnitude 80 %")), names.join("; "));
  // Without fine-tuning, only what has no earlier round: one weight in four rounds is one round,
  // one level is pruned from the dense model.
  for (
    const argv of [
      ["--count", "1", "--rounds", "4", "--fine-tune", "none", "--method", "none"],
      [
        "--sweep",
        "--iterative",
        "--sparsity",
        "0,0.5",
        "--fine-tune",
        "none",
        "--method",
        "float16",
      ],
    ]
  ) {
    const ok = await runCli(["compress", ...FAST, ...argv, "--json"]);
    assert.equal(ok.code, 0, `${argv.join(" ")}: ${ok.stderr}`);
  }
});

Deno.test("compress --budget --standard-errors holds each candidate's difference less K paired standard errors to the budget", async () => {
  const space = ["--sparsity", "0,0.5,0.8,0.9", "--bits", "1,2,4"];
  const run = async (extra: string[]) => {
    const r = await runCli(["compress", ...FAST, "--budget", "1", ...space, ...extra, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).budget;
  };
  const plain = await run([]);
  const margin = await run(["--standard-errors", "2"]);
  assert.equal(plain.standardErrors, 0);
  assert.equal(margin.standardErrors, 2);
  assert.ok(plain.tried.every((t: { lowerBound: number | null }) => t.lowerBound === null));
  for (const t of margin.tried) {
    assert.equal(t.feasible, t.lowerBound >= -0.01 - 1e-12, t.name);
    if (t.feasible) assert.ok(t.bytes >= margin.chosen.bytes, t.name);
  }
  const d = margin.validationDifference;
  assert.ok(d.difference - 2 * d.standardError >= -0.01 - 1e-12);
  // On digits' 270 validation images two standard errors are worth more than the point: the
  // margin asks for a larger file than the plain budget.
  assert.ok(margin.chosen.bytes > plain.chosen.bytes, `${margin.chosen.bytes}`);
  const text = await runCli([
    "compress",
    ...FAST,
    "--budget",
    "1",
    ...space,
    "--standard-errors",
    "2",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^budget {4}within 1\.00 points of the dense validation accuracy, with a margin: each candidate's difference from dense less 2 paired standard error\(s\) of it must be at least -1\.00 points/m,
  );
  assert.doesNotMatch(text.stdout, /^note {6}the budget is below two paired standard errors/m);
  // A margin under two standard errors does not answer the note: it appears as without one,
  // when the budget is below two standard errors of the chosen model's difference.
  const small = await runCli([
    "compress",
    ...FAST,
    "--budget",
    "1",
    ...space,
    "--standard-errors",
    "0.01",
    "--json",
  ]);
  assert.equal(small.code, 0, small.stderr);
  const se = JSON.parse(small.stdout).budget.validationDifference.standardError;
  const smallText = await runCli([
    "compress",
    ...FAST,
    "--budget",
    "1",
    ...space,
    "--standard-errors",
    "0.01",
  ]);
  assert.equal(
    /^note {6}the budget is below two paired standard errors.*\(a margin of 0\.01 standard errors was asked\)$/m
      .test(smallText.stdout),
    0.01 < 2 * se,
    smallText.stdout,
  );
  assert.ok(0.01 < 2 * se, `${se}`); // the case this checks
});

Deno.test("compress --budget below one sample with --standard-errors does not say that every model as accurate as dense passes", async () => {
  const argv = [
    "compress",
    ...FAST,
    "--budget",
    "0",
    "--standard-errors",
    "1",
    "--sparsity",
    "0,0.5,0.8,0.9",
    "--bits",
    "1,2,4",
  ];
  const json = await runCli([...argv, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  const dense = r.dense.validation.accuracy;
  // The premise: a model with as many validation errors as dense that the margin refuses.
  assert.ok(
    r.budget.tried.some((t: { validation: { accuracy: number }; feasible: boolean }) =>
      t.validation.accuracy >= dense && !t.feasible
    ),
  );
  const text = await runCli(argv);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^note {6}the budget is less than one validation sample/m);
  assert.doesNotMatch(text.stdout, /no more validation errors than dense pass/);
});

Deno.test("compress --model with a pruned model sweeps and searches from it, skipping the levels below its mask", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pruned = `${dir}/p60.json`;
    const p = await runCli([
      "prune",
      ...FAST,
      "--sparsity",
      "0.6",
      "--fine-tune",
      "lbfgs",
      "--save",
      pruned,
    ]);
    assert.equal(p.code, 0, p.stderr);
    const below =
      /^the given model's mask already removes 384 weights, more than the \d+ this level removes; a mask never revives a weight$/;
    for (
      const [mode, key] of [
        [["--budget", "1"], "budget"],
        [["--max-bytes", "400"], "sizeBudget"],
        [["--sweep"], "sweep"],
      ] as const
    ) {
      const r = await runCli([
        "compress",
        "--model",
        pruned,
        ...mode,
        "--sparsity",
        "0,0.5,0.8",
        "--bits",
        "2,4",
        "--json",
      ]);
      assert.equal(r.code, 0, `${mode.join(" ")}: ${r.stderr}`);
      const skipped: { name: string; reason: string }[] = JSON.parse(r.stdout)[key].skipped;
      assert.deepEqual(
        skipped.filter((k) => below.test(k.reason)).map((k) => k.name),
        ["magnitude 50 % of weights"],
        mode.join(" "),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --model and prune --model refuse a target below the model's mask as a bad option", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-below-mask-" });
  try {
    const pruned = `${dir}/p80.lrc`;
    const p = await runCli(["prune", ...FAST, "--sparsity", "0.8", "--save", pruned, "--quiet"]);
    assert.equal(p.code, 0, p.stderr);
    const zeros = asFloatModel((await readModelFile(pruned)).model).mask!
      .filter((m) => m === 0).length;
    assert.equal(zeros, 512); // 80 % of 640
    // 0.5 of the 640 weights is 320, fewer than the 512 the mask removes: a usage error (exit
    // code 2) before any work, the same for both commands, not a failure of the run.
    for (const command of ["compress", "prune"]) {
      const r = await runCli([command, "--model", pruned, "--sparsity", "0.5", "--quiet"]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `lrc ${command}: Cannot parse arguments of '${command}': --sparsity 0.5 removes 320 ` +
          `weights, but the model in '${pruned}' is already 80 % sparse (its mask removes 512 ` +
          "of the 640 weights); a mask never revives a weight: give --sparsity of 0.8 or more\n",
      );
    }
    // Without --sparsity, compress prunes to its default 0.5, and the message says it is one.
    const implicit = await runCli(["compress", "--model", pruned, "--quiet"]);
    assert.equal(implicit.code, 2, implicit.stderr);
    assert.match(
      implicit.stderr,
      /: --sparsity 0\.5 \(the default\) removes 320 weights, but the model in '[^']+' is already 80 % sparse/,
    );
    // The suggested value is accepted.
    const at = await runCli([
      "compress",
      "--model",
      pruned,
      "--sparsity",
      "0.8",
      "--fine-tune",
      "none",
      "--training",
      "ptq",
      "--quiet",
    ]);
    assert.equal(at.code, 0, at.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --model refuses the penalty where nothing reads it, as prune and quantize do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-penalty-" });
  try {
    const model = `${dir}/dense.lrc`;
    const saved = await runCli(["train", ...FAST, "--quiet", "--save", model]);
    assert.equal(saved.code, 0, saved.stderr);
    // A loaded model, no pruning or no fine-tuning (nor obd), and post-training quantization
    // only: the penalty would train nothing (--lambda 5 and 5000 gave the same file).
    const refused: string[][] = [
      ["--sparsity", "0", "--training", "ptq", "--lambda", "5"],
      ["--fine-tune", "none", "--training", "ptq", "--penalty", "none"],
      ["--sparsity", "0", "--method", "none", "--lambda", "5"],
      ["--sweep", "--sparsity", "0", "--training", "ptq", "--lambda", "5"],
      ["--budget", "1", "--fine-tune", "none", "--training", "ptq", "--lambda", "5"],
    ];
    for (const args of refused) {
      const r = await runCli(["compress", "--model", model, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^lrc compress: Cannot parse arguments of 'compress': --(lambda|penalty) does not apply with --model when nothing is fine-tuned or quantization-aware trained/,
        args.join(" "),
      );
    }
    // Where the fine-tuning, QAT or obd's scores read it, it is taken; without --model it trains
    // the dense model.
    const taken: string[][] = [
      ["--model", model, "--fine-tune", "none", "--lambda", "5"],
      ["--model", model, "--training", "ptq", "--lambda", "5"],
      [
        "--model",
        model,
        "--strategy",
        "obd",
        "--fine-tune",
        "none",
        "--training",
        "ptq",
        "--lambda",
        "5",
      ],
      [...FAST, "--sparsity", "0", "--training", "ptq", "--lambda", "5"],
    ];
    for (const args of taken) {
      const r = await runCli(["compress", ...args, "--quiet"]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The file the library's compression session writes for breast-cancer with the settings the
 * help text documents for `lrc compress` (each default spelled out here, from `--help`, not taken
 * from the command), changed by `overrides`.
 */
async function libraryFile(overrides: {
  seed?: number;
  standardize?: boolean;
  validationFraction?: number;
  preprocessingStorage?: PreprocessingStorage;
  fineTune?: Optimizer | false;
  qat?: { epochs?: number; learningRate?: number };
  prune?: PruneSpec | false;
  quantize?: QuantizeSpec | false;
}): Promise<Uint8Array> {
  const seed = overrides.seed ?? 0; // --seed 0
  const validationFraction = overrides.validationFraction ?? 0.2; // --validation-fraction 0.2
  const data = await loadEmbedded("breast-cancer");
  // --test-fraction 0.25, stratified, with --seed.
  const split = trainTestSplit(data.x, data.y, { testFraction: 0.25, seed });
  const session = createCompressionSession({
    x: split.xTrain,
    y: split.yTrain,
    classes: data.classes,
    featureNames: data.featureNames,
  }, {
    // --optimizer lbfgs --max-iterations 100 (FAST), standardised.
    denseTraining: {
      optimizer: { kind: "lbfgs", maxIterations: 100 },
      preprocessing: overrides.standardize === false ? "none" : "standardize",
    },
    // --penalty l2, --lambda 1 / the samples the validation split leaves to train on.
    penalty: {
      kind: "l2",
      lambda: 1 / trainingSize(split.yTrain, { testFraction: validationFraction }),
    },
    validationFraction,
    test: { x: split.xTest, y: split.yTest },
    seed,
    // --fine-tune lbfgs, 100 iterations.
    fineTune: overrides.fineTune ?? { kind: "lbfgs", maxIterations: 100 },
    // --qat-epochs 6 --qat-learning-rate 0.001, Adam halved every epoch.
    qat: {
      optimizer: {
        kind: "adam",
        epochs: overrides.qat?.epochs ?? 6,
        learningRate: overrides.qat?.learningRate ?? 0.001,
        learningRateDecay: 0.5,
      },
    },
    preprocessingStorage: overrides.preprocessingStorage ?? "auto", // --preprocessing auto
  });
  return session.compress({
    // --strategy magnitude --structure weights --sparsity 0.5, compensated.
    prune: overrides.prune ??
      { strategy: "magnitude", structure: "weights", fraction: 0.5, compensate: true },
    quantize: overrides.quantize ?? documentedUniform({}),
  }).file;
}

/**
 * `lrc compress`'s documented quantization step: --method uniform (symmetric) --bits 4
 * --granularity class --calibration mse --rounding nearest --training qat, changed by `more`.
 */
function documentedUniform(
  more: Partial<QuantizationMethod>,
  training: "ptq" | "qat" = "qat",
): QuantizeSpec {
  return {
    method: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 4,
      granularity: "class",
      calibration: { kind: "mse" },
      rounding: { kind: "nearest" },
      ...more,
    } as QuantizationMethod,
    training,
  };
}

Deno.test("every pipeline option of compress reaches the file it writes: the library's session with the documented settings writes the same bytes", async () => {
  // Each of these options could be parsed and then ignored (or given a wrong default) with every
  // test above passing: the stage names come from the same option objects, and no test read the
  // file of a run that sets them. Each run's file must be the library's with those settings, and
  // (so that the comparison can fail) differ from the file of the defaults.
  const dir = await Deno.makeTempDir();
  try {
    const cli = async (args: string[]) => {
      const out = `${dir}/m.lrc`;
      const r = await runCli([
        ...["compress", "--dataset", "breast-cancer", ...FAST, ...args, "--out", out, "--quiet"],
      ]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return await Deno.readFile(out);
    };
    const defaults = await libraryFile({});
    assert.deepEqual(await cli([]), defaults, "the defaults");
    const sgd: Optimizer = {
      kind: "sgd",
      epochs: 2,
      batchSize: undefined,
      learningRate: 0.03,
      learningRateDecay: 0.5,
    };
    // Each case: the options, the library's settings, and settings whose file it must differ
    // from (the defaults unless given).
    type Settings = Parameters<typeof libraryFile>[0];
    const cases: [string[], Settings, Settings?][] = [
      [["--qat-epochs", "2"], { qat: { epochs: 2 } }],
      [["--qat-learning-rate", "0.01"], { qat: { learningRate: 0.01 } }],
      [["--preprocessing", "keep"], { preprocessingStorage: "keep" }],
      [["--validation-fraction", "0.3"], { validationFraction: 0.3 }],
      [["--granularity", "tensor"], { quantize: documentedUniform({ granularity: "tensor" }) }],
      // Compensation adds the removed weights' contribution at the training inputs' mean to the
      // bias: nothing for standardised inputs (their mean is 0), and fine-tuning and QAT would
      // move the bias again.
      [
        ["--no-standardize", "--fine-tune", "none", "--training", "ptq", "--no-compensate"],
        {
          standardize: false,
          fineTune: false,
          quantize: documentedUniform({}, "ptq"),
          prune: { strategy: "magnitude", structure: "weights", fraction: 0.5, compensate: false },
        },
        { standardize: false, fineTune: false, quantize: documentedUniform({}, "ptq") },
      ],
      [
        ["--fine-tune", "adam", "--fine-tune-epochs", "2", "--fine-tune-learning-rate", "0.01"],
        { fineTune: { kind: "adam", epochs: 2, batchSize: undefined, learningRate: 0.01 } },
      ],
      // sgd's documented default rate, 0.03 halved every epoch.
      [["--fine-tune", "sgd", "--fine-tune-epochs", "2"], { fineTune: sgd }],
      // k-means++ draws its first centres with --seed (and the split takes it too).
      [
        ["--method", "kmeans", "--bits", "3", "--training", "ptq", "--seed", "3"],
        {
          seed: 3,
          quantize: {
            method: { kind: "kmeans", bits: 3, granularity: "tensor", init: "kmeans++", seed: 3 },
            training: "ptq",
          },
        },
      ],
    ];
    for (const [args, settings, other] of cases) {
      const want = await libraryFile(settings);
      const unchanged = other === undefined ? defaults : await libraryFile(other);
      assert.notDeepEqual(want, unchanged, `${args.join(" ")} changes nothing here`);
      assert.deepEqual(await cli(args), want, args.join(" "));
    }
    // k-means++ with another seed for its centres but the same split gives another codebook
    // (8 levels for the 15 weights left; 4 levels come out the same): the seed reaches the
    // centres, not only the split.
    const kmeans = (seed: number) => ({
      seed: 3,
      quantize: {
        method: { kind: "kmeans", bits: 3, granularity: "tensor", init: "kmeans++", seed },
        training: "ptq",
      } as QuantizeSpec,
    });
    assert.notDeepEqual(await libraryFile(kmeans(3)), await libraryFile(kmeans(0)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --input-dtype int8 calibrates a symmetric int8 input grid on the training rows", async () => {
  // The scale is stored in float32, hence the relative 1e-7. Only uint8 (the automatic choice for digits' pixels) and a breast-cancer run whose int8
  // calibration is not stored were checked: --input-dtype could be ignored.
  const digits = await loadEmbedded("digits");
  const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.25, seed: 0 });
  let max = 0;
  for (const v of split.xTrain.data) max = Math.max(max, Math.abs(v));
  assert.equal(max, 16); // pixels 0..16: the fit rows (a part of these) reach 16 too
  for (const [dtype, levels, zeroPoint] of [["int8", 127, 0], ["uint8", 255, 0]] as const) {
    const r = await runCli([
      ...["compress", ...FAST, "--fine-tune-steps", "20", "--integer"],
      ...["--input-dtype", dtype, "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const integer = JSON.parse(r.stdout).integer;
    assert.equal(integer.inputDtype, dtype);
    assert.equal(integer.inputZeroPoint, zeroPoint);
    assert.ok(
      Math.abs(integer.inputScale - max / levels) < 1e-7 * (max / levels),
      `${dtype}: ${integer.inputScale}`,
    );
  }
});

Deno.test("lrc compress names its own options when the validation split leaves a part empty", async () => {
  // --test-fraction 0.999 left 2 training rows, and the error spoke of the library's
  // "validationFraction 0.2 ... with testFraction 0.2", a test fraction the user had not given
  // (found by the compress/export CLI review).
  const r = await runCli([
    ...["compress", "--dataset", "breast-cancer", "--test-fraction", "0.999", "--quiet"],
  ]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(
    r.stderr,
    "lrc compress: Cannot compress: --validation-fraction 0.2 of the 2 training rows of " +
      "breast-cancer (embedded) (567 more are held out for testing) leaves the validation part " +
      "empty (the split is stratified: each class gives its share, rounded, and keeps at least " +
      "one row for training); give more rows, or another --validation-fraction or " +
      "--test-fraction\n",
  );
  // One row held out is one row: the message's verb follows (it said "1 more are").
  const dir = await Deno.makeTempDir();
  try {
    // 3 + 1 rows; --test-fraction 0.25 holds out round(3 x 0.25) = 1 of class a and none of b's
    // one row; the 2 + 1 left, at --validation-fraction 0.2, give round(0.4) = 0 and round(0.2)
    // = 0 rows to validation.
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(data, "x,y\n0,a\n1,a\n2,a\n3,b\n");
    const one = await runCli(["compress", "--data", data, "--test-fraction", "0.25", "--quiet"]);
    assert.equal(one.code, 1, one.stdout);
    assert.match(
      one.stderr,
      /of the 3 training rows of \S+d\.csv \(1 more is held out for testing\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
