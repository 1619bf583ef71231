import assert from "node:assert/strict";
import { assertClose, runCli } from "../_helpers/assert_close.ts";
import { osProblem } from "../_helpers/os.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { ScoresByClass } from "../../lib/metrics/auc_stream.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

async function csvFile(): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const lines = ["a,b,label"];
  for (let i = 0; i < 400; i++) {
    const a = Math.sin(i * 1.3), b = Math.cos(i * 0.7);
    lines.push(`${a},${b},${a + 0.3 * b > 0 ? "pos" : "neg"}`);
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  return file;
}

Deno.test("lrc train --stream trains from the file and evaluates on every 4th row", async () => {
  const file = await csvFile();
  try {
    const { code, stdout } = await runCli([
      "train",
      "--data",
      file,
      "--stream",
      "--optimizer",
      "sgd",
      "--epochs",
      "5",
      "--json",
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.data.testSamples, 100);
    assert.equal(report.data.trainSamples, 300);
    assert.ok(report.test.accuracy > 0.9, `test accuracy ${report.test.accuracy}`);
    assert.match(report.training.stopReason, /streamed/);
    // Which rows: the same file with the label of every 4th row (rows 3, 7, 11, ... counting from
    // 0) flipped. A model trained on the other 300 learns the rule, so it scores above 0.9 on
    // them and below 0.1 on the 4th rows, which hold the opposite of the rule; held out and
    // scored on any other rows, it would score high on both.
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
    const flipped = lines.map((line, i) =>
      i > 0 && (i - 1) % 4 === 3
        ? line.replace(/pos$|neg$/, (label) => label === "pos" ? "neg" : "pos")
        : line
    );
    await Deno.writeTextFile(file, flipped.join("\n") + "\n");
    const poisoned = await runCli([
      ...["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "5", "--json"],
    ]);
    assert.equal(poisoned.code, 0, poisoned.stderr);
    const held = JSON.parse(poisoned.stdout);
    assert.equal(held.test.samples, 100);
    assert.ok(held.train.accuracy > 0.9, `train accuracy ${held.train.accuracy}`);
    assert.ok(held.test.accuracy < 0.1, `test accuracy ${held.test.accuracy}`);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream reports the ROC AUC of its train and test rows, from the saved model's scores", async () => {
  // Noisy labels (about one in six flipped), so that the AUC is neither 1 nor a coin's: a pair
  // count on the saved model's scores of the held-out rows (every 3rd, --test-fraction 0.3) and
  // of the others, read back from the file as the evaluation reads them (float64).
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const out = `${file}.json`;
  const rows: [number, number, number][] = [];
  for (let i = 0; i < 600; i++) {
    const a = Math.sin(i * 1.3), b = Math.cos(i * 0.7);
    const rule = a + 0.3 * b > 0, flip = Math.sin(i * 2.1) > 0.85;
    rows.push([a, b, rule !== flip ? 1 : 0]);
  }
  const text = ["a,b,label", ...rows.map(([a, b, y]) => `${a},${b},${y ? "pos" : "neg"}`)];
  try {
    await Deno.writeTextFile(file, text.join("\n") + "\n");
    const argv = ["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "3"];
    const r = await runCli([...argv, "--test-fraction", "0.3", "--save", out, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const model = modelFromJson(await Deno.readTextFile(out));
    const pos = model.classes.indexOf("pos");
    const auc = (keep: (row: number) => boolean) => {
      const kept = rows.filter((_, i) => keep(i));
      const x = {
        data: Float64Array.from(kept.flatMap(([a, b]) => [a, b])),
        rows: kept.length,
        cols: 2,
      };
      const z = decisionFunction(model, x);
      // The log-odds of "pos" (classes[1] for the AUC), from one column or two.
      const s = (i: number) => {
        const o = z.cols === 1 ? z.data[i] : z.data[2 * i + 1] - z.data[2 * i];
        return pos === 1 ? o : -o;
      };
      const y = kept.map(([, , yi]) => yi);
      return { samples: kept.length, auc: pairwiseAuc(y, y.map((_, i) => s(i))) };
    };
    const test = auc((i) => i % 3 === 2), train = auc((i) => i % 3 !== 2);
    assert.equal(report.test.samples, test.samples);
    assert.equal(report.train.samples, train.samples);
    assert.ok(test.auc > 0.6 && test.auc < 0.99, `test AUC ${test.auc}`);
    assertClose(report.test.rocAuc, test.auc, { rtol: 1e-12, message: "test ROC AUC" });
    assertClose(report.train.rocAuc, train.auc, { rtol: 1e-12, message: "train ROC AUC" });
    // The text report's column, as lrc train prints it in memory.
    const plain = await runCli([...argv, "--test-fraction", "0.3", "--quiet"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`^ *test .* ${test.auc.toFixed(4)} *$`, "m"));
    assert.match(plain.stdout, new RegExp(`^ *train .* ${train.auc.toFixed(4)} *$`, "m"));
  } finally {
    await Deno.remove(file);
    await Deno.remove(out).catch(() => {});
  }
});

Deno.test("lrc train --no-roc-auc keeps no score when --data streams, and is refused without --data", async () => {
  const file = await csvFile();
  const add = ScoresByClass.prototype.add;
  let added = 0;
  ScoresByClass.prototype.add = function (this: ScoresByClass, ...a: Parameters<typeof add>) {
    added++;
    return add.apply(this, a);
  };
  try {
    const argv = ["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "2"];
    const on = await runCli([...argv, "--json"]);
    assert.equal(on.code, 0, on.stderr);
    const withAuc = JSON.parse(on.stdout);
    assert.equal(typeof withAuc.train.rocAuc, "number");
    assert.equal(typeof withAuc.test.rocAuc, "number");
    assert.ok(added > 0, "the scores are kept by default");
    added = 0;
    const off = await runCli([...argv, "--json", "--no-roc-auc"]);
    assert.equal(off.code, 0, off.stderr);
    const without = JSON.parse(off.stdout);
    assert.equal(added, 0, "no score kept");
    // The same training (same seed): every other metric as with the AUC.
    assert.deepEqual(without.train, { ...withAuc.train, rocAuc: null });
    assert.deepEqual(without.test, { ...withAuc.test, rocAuc: null });
    // The text: - in both rows, and a note under the table.
    const text = await runCli([...argv, "--quiet", "--no-roc-auc"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ *train .* - *$/m);
    assert.match(text.stdout, /^ *test .* - *$/m);
    assert.match(text.stdout, /^note {6}ROC AUC not computed \(--no-roc-auc\)$/m);
    assert.equal(added, 0, "no score kept");
    // Streamed because the file is above --max-data-bytes: the same.
    const bytes = (await Deno.stat(file)).size;
    const auto = await runCli([
      ...["train", "--data", file, "--max-data-bytes", String(bytes - 1), "--optimizer", "sgd"],
      ...["--epochs", "2", "--json", "--no-roc-auc"],
    ]);
    assert.equal(auto.code, 0, auto.stderr);
    const streamed = JSON.parse(auto.stdout);
    assert.match(streamed.data.source, /held out/);
    assert.equal(streamed.train.rocAuc, null);
    assert.equal(streamed.test.rocAuc, null);
    assert.equal(added, 0, "no score kept");
    // Read into memory (below the limit), the AUC is computed as usual, with no note.
    const inMemory = await runCli(["train", "--data", file, "--quiet", "--no-roc-auc"]);
    assert.equal(inMemory.code, 0, inMemory.stderr);
    assert.match(inMemory.stdout, /^ *test .* [01]\.\d{4} *$/m);
    assert.doesNotMatch(inMemory.stdout, /not computed/);
    // Without --data nothing streams.
    const noData = await runCli(["train", "--quiet", "--no-roc-auc"]);
    assert.equal(noData.code, 2);
    assert.match(
      noData.stderr,
      /--no-roc-auc does not apply without --data \(only a streamed --data file skips the ROC AUC\)/,
    );
  } finally {
    ScoresByClass.prototype.add = add;
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream --save writes the model fitStream makes on the rows it documents", async () => {
  // The options and defaults --help documents, spelled out here for the library's fitStream:
  // round(1 / --test-fraction) gives the held-out rows, the default lambda is 1 / training rows.
  // The held-out period taken as ceil(1 / 0.3) = 4, and --seed or --no-standardize read and
  // ignored, all passed the stream tests (found by the test-quality review's mutations of
  // lib/cli/train_stream.ts).
  const file = await csvFile();
  const out = `${file}.json`;
  const cases: [string[], { every: number; train: number; test: number; options: object }][] = [
    // Every 3rd row (rows 2, 5, ..., 398 counting from 0): 133 held out, 267 to train on.
    [["--optimizer", "sgd", "--epochs", "2", "--seed", "3", "--test-fraction", "0.3"], {
      every: 3,
      train: 267,
      test: 133,
      options: {
        optimizer: { kind: "sgd", epochs: 2, batchSize: 64, learningRate: 0.1 },
        penalty: { kind: "l2", lambda: 1 / 267 },
        preprocessing: "standardize",
        seed: 3,
      },
    }],
    // Every 4th row by default; the seed 0.
    [[
      ...["--optimizer", "adam", "--epochs", "2", "--no-standardize", "--penalty", "l1"],
      ...["--lambda", "0.01", "--batch-size", "32"],
    ], {
      every: 4,
      train: 300,
      test: 100,
      options: {
        optimizer: { kind: "adam", epochs: 2, batchSize: 32, learningRate: 0.001 },
        penalty: { kind: "l1", lambda: 0.01 },
        preprocessing: "none",
        seed: 0,
      },
    }],
  ];
  try {
    for (const [argv, expected] of cases) {
      const r = await runCli([
        ...["train", "--data", file, "--stream", "--save", out, "--json", ...argv],
      ]);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
      const report = JSON.parse(r.stdout);
      assert.equal(report.data.trainSamples, expected.train, argv.join(" "));
      assert.equal(report.data.testSamples, expected.test, argv.join(" "));
      const saved = modelFromJson(await Deno.readTextFile(out));
      const { model } = await fitStream(file, {
        ...expected.options,
        rowFilter: (row) => row % expected.every !== expected.every - 1,
      });
      assert.deepEqual(saved.weights, model.weights, argv.join(" "));
      assert.deepEqual(saved.bias, model.bias, argv.join(" "));
      assert.deepEqual(saved.preprocessing, model.preprocessing, argv.join(" "));
    }
  } finally {
    await Deno.remove(file);
    await Deno.remove(out).catch(() => {});
  }
});

Deno.test("lrc train --stream --quiet draws no progress line, which it draws without", async () => {
  const file = await csvFile();
  try {
    const argv = ["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "2"];
    const quiet = await runCli([...argv, "--quiet"]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
    const loud = await runCli(argv);
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /^training \(stream\): epoch 1\/2 {2}loss /);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream with lbfgs or without --data is a usage error", async () => {
  const file = await csvFile();
  try {
    const a = await runCli(["train", "--data", file, "--stream"]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /use --optimizer sgd or adam/);
    const b = await runCli(["train", "--stream", "--optimizer", "sgd"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--stream needs --data/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream defaults lambda to 1 / training rows for every penalty", async () => {
  const file = await csvFile();
  try {
    for (const penalty of ["l1", "elasticnet", "l2"]) {
      const run = async (extra: string[]) => {
        const r = await runCli([
          ...["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "3"],
          ...["--penalty", penalty, "--json", ...extra],
        ]);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout);
      };
      // 300 training rows (every 4th of the 400 is held out).
      const [byDefault, explicit, strong] = [
        await run([]),
        await run(["--lambda", String(1 / 300)]),
        await run(["--lambda", "1"]),
      ];
      assert.deepEqual(byDefault.test, explicit.test, penalty);
      assert.notDeepEqual(byDefault.test, strong.test, penalty);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream: a test fraction above one half is refused, and a class only in held-out rows is explained", async () => {
  const file = await csvFile();
  const tiny = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const wide = await runCli(
      ["train", "--data", file, "--stream", "--optimizer", "sgd", "--test-fraction", "0.9"],
    );
    assert.equal(wide.code, 2);
    assert.match(wide.stderr, /--test-fraction must be at most 0.5, got 0.9/);
    const limit = await runCli(
      ["train", "--data", file, "--stream", "--optimizer", "sgd", "--max-data-bytes", "10"],
    );
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--max-data-bytes limits reading a file into memory/);
    const half = await runCli([
      ...["train", "--data", file, "--stream", "--optimizer", "sgd", "--test-fraction", "0.5"],
      "--json",
    ]);
    assert.equal(half.code, 0, half.stderr);
    assert.match(JSON.parse(half.stdout).data.source, /every 2nd row held out/);
    // Rows 0..3: the 4th (class w) is the only held-out row and the only w. Found after the
    // first pass, before training (it used to be found by the evaluation after it).
    await Deno.writeTextFile(tiny, "a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,w\n");
    let scanned = 0;
    const r = await runCli(["train", "--data", tiny, "--stream", "--optimizer", "sgd", "--quiet"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^lrc train: Cannot hold out every 4th row of '.*': class "w" is only in held-out rows \(first on line 5\), and no training row has it; give the file more rows of it, or shuffle it$/m,
    );
    // Late in a larger file, the line says where: class w first on line 37 (row 35, the 4th
    // of its group), again on line 41; the message named the class only.
    const late = ["a,b,y"];
    for (let i = 0; i < 44; i++) {
      late.push(`${i},${i % 3},${i === 35 || i === 39 ? "w" : "xz"[i % 2]}`);
    }
    await Deno.writeTextFile(tiny, late.join("\n") + "\n");
    const l = await runCli(["train", "--data", tiny, "--stream", "--optimizer", "sgd", "--quiet"]);
    assert.equal(l.code, 1);
    assert.match(l.stderr, /: class "w" is only in held-out rows \(first on line 37\), and no/);
    await Deno.writeTextFile(tiny, "a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,w\n");
    const held = ["x", "z", "x", "w"];
    await assert.rejects(
      () =>
        fitStream(tiny, {
          optimizer: { kind: "sgd", epochs: 1 },
          rowFilter: (row) => row % 4 !== 3,
          onScan: (scan) => {
            scanned++;
            assert.deepEqual(scan.classes, ["x", "z"]);
            assert.equal(scan.rows, 3);
            if (!scan.classes.includes(held[3])) throw new RangeError("stop before training");
          },
          onProgress: () => assert.fail("trained"),
        }),
      /stop before training/,
    );
    assert.equal(scanned, 1);
    // One class in the training rows: the in-memory path's message.
    await Deno.writeTextFile(tiny, "a,b,y\n" + "1,2,x\n".repeat(8));
    const one = await runCli(["train", "--data", tiny, "--stream", "--optimizer", "sgd"]);
    assert.equal(one.code, 1);
    assert.match(
      one.stderr,
      /^lrc train: Cannot use '.*' as training data: its label column \(the last column\) holds a single class \("x"\) in the training rows; at least two are needed \(pick the label with --label\)$/m,
    );
  } finally {
    await Deno.remove(file);
    await Deno.remove(tiny);
  }
});

Deno.test("a file above --max-data-bytes is streamed by lrc train and refused by the others", async () => {
  // The limit used to start streaming only above 1 GiB: a lower limit made train refuse.
  const file = await csvFile();
  try {
    const bytes = (await Deno.stat(file)).size;
    const limit = ["--max-data-bytes", String(bytes - 1)];
    const r = await runCli(["train", "--data", file, ...limit, "--optimizer", "sgd", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).data.source, /every 4th row held out/);
    const lbfgs = await runCli(["train", "--data", file, ...limit, "--quiet"]);
    assert.equal(lbfgs.code, 2);
    assert.match(lbfgs.stderr, /use --optimizer sgd or adam/);
    const quantize = await runCli(["quantize", "--data", file, ...limit, "--quiet"]);
    assert.equal(quantize.code, 1);
    assert.match(quantize.stderr, new RegExp(`it is ${bytes} bytes, more than the limit`));
    // At the limit the file is read into memory.
    const inMemory = await runCli([
      "train",
      "--data",
      file,
      "--max-data-bytes",
      String(bytes),
      "--json",
    ]);
    assert.equal(inMemory.code, 0, inMemory.stderr);
    assert.doesNotMatch(JSON.parse(inMemory.stdout).data.source, /held out/);
  } finally {
    await Deno.remove(file);
  }
});

const noFifo = osProblem("posix", "FIFOs and mkfifo are POSIX-only");

Deno.test(
  "lrc train --stream checks before any pass what it can: labels as evaluation reads them, headers, batch size, tiny files, pipes" +
    (noFifo ? ` (skipped: ${noFifo})` : ""),
  {
    ignore: noFifo !== null,
  },
  async () => {
    const dir = await Deno.makeTempDir();
    const stream = ["--stream", "--optimizer", "sgd", "--epochs", "1"];
    try {
      // Training labels "2" and "x" (text: matched exactly); the held-out rows write "2.0", which
      // the held-out rows alone would read as the number 2. Refused before training.
      const mixed = ["a,y"];
      for (let i = 0; i < 40; i++) {
        mixed.push(`${i % 7},${i % 4 === 3 ? "2.0" : i % 2 ? "x" : "2"}`);
      }
      await Deno.writeTextFile(`${dir}/mixed.csv`, mixed.join("\n") + "\n");
      const m = await runCli(["train", "--data", `${dir}/mixed.csv`, ...stream]);
      assert.equal(m.code, 1, m.stderr);
      assert.match(
        m.stderr,
        /^lrc train: Cannot hold out every 4th row of '.*': class "2\.0" is only in held-out rows/m,
      );
      assert.doesNotMatch(m.stderr, /training \(stream\)/);
      // A header of numbers: the in-memory path's warning.
      const rows = Array.from(
        { length: 40 },
        (_, i) => `${i % 5 + 1},${i % 3},${i % 2 ? "p" : "q"}`,
      );
      await Deno.writeTextFile(`${dir}/nohdr.csv`, rows.join("\n") + "\n");
      const h = await runCli(["train", "--data", `${dir}/nohdr.csv`, ...stream, "--quiet"]);
      assert.equal(h.code, 0, h.stderr);
      assert.match(
        h.stderr,
        /^warning: the first line of '.*nohdr.csv' holds numbers where the feature names go \(\["1","0"/m,
      );
      // A batch larger than the block streaming holds, refused before any pass.
      const b = await runCli([
        "train",
        "--data",
        `${dir}/nohdr.csv`,
        ...stream,
        "--batch-size",
        "20000",
      ]);
      assert.equal(b.code, 2, b.stderr);
      assert.match(
        b.stderr,
        /--batch-size 20000 is more than the 16384 rows streaming holds at once/,
      );
      // One data row: nothing to train on and test.
      await Deno.writeTextFile(`${dir}/one.csv`, "a,y\n1,p\n");
      const o = await runCli([
        "train",
        "--data",
        `${dir}/one.csv`,
        ...stream,
        "--test-fraction",
        "0.5",
      ]);
      assert.equal(o.code, 1);
      assert.match(
        o.stderr,
        /has 1 data row; at least two are needed \(one to train on, one to test\)$/m,
      );
      // A pipe would be read several times: refused by name (a FIFO, never opened here).
      const fifo = `${dir}/pipe.csv`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(made.success);
      const p = await runCli(["train", "--data", fifo, ...stream]);
      assert.equal(p.code, 1);
      assert.match(
        p.stderr,
        /is not a regular file \(a pipe\?\); streaming reads it several times/,
      );
      // Streamed because of its size, not asked: the refusal says why it streams.
      const auto = await runCli([
        ...["train", "--data", `${dir}/nohdr.csv`, "--max-data-bytes", "100"],
        ...["--optimizer", "sgd", "--test-fraction", "0.6"],
      ]);
      assert.equal(auto.code, 2);
      assert.match(
        auto.stderr,
        /Cannot train from a stream \(.*nohdr.csv is \d+ bytes, above the in-memory limit\): it holds out/,
      );
      // The same for a file too small to stream.
      const small = await runCli([
        ...["train", "--data", `${dir}/one.csv`, "--max-data-bytes", "5", "--optimizer", "sgd"],
      ]);
      assert.equal(small.code, 1);
      assert.match(
        small.stderr,
        /Cannot train from a stream \(.*one\.csv is \d+ bytes, above the in-memory limit\): '.*one\.csv' has 1 data row/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("lrc train --stream: --penalty none, a batch of exactly one block, ordinals, and the progress line cleared", async () => {
  // Mutation audit of lib/cli/train_stream.ts: each of these passed every stream test.
  const file = await csvFile();
  try {
    const common = ["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "1"];
    // No penalty: no default lambda is made for it (giving one made fitStream refuse the
    // penalty, "unknown option 'lambda' in penalty").
    const none = await runCli([...common, "--penalty", "none", "--json"]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(JSON.parse(none.stdout).data.trainSamples, 300);
    // A batch as large as the block streaming holds is accepted; one row more is refused.
    const block = await runCli([...common, "--batch-size", "16384", "--json"]);
    assert.equal(block.code, 0, block.stderr);
    const over = await runCli([...common, "--batch-size", "16385", "--quiet"]);
    assert.equal(over.code, 2, over.stderr);
    // The held-out period as an ordinal: 11th to 13th, 111th to 113th, then st, nd, rd.
    const ordinals: [number, string][] = [
      [2, "2nd"],
      [3, "3rd"],
      [11, "11th"],
      [12, "12th"],
      [13, "13th"],
      [21, "21st"],
      [22, "22nd"],
      [23, "23rd"],
      [101, "101st"],
      [112, "112th"],
    ];
    for (const [every, text] of ordinals) {
      const r = await runCli([...common, "--test-fraction", String(1 / every), "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        JSON.parse(r.stdout).data.source,
        `${file} (streamed; every ${text} row held out)`,
      );
    }
    // On a terminal the progress line is redrawn in place, then cleared before the report.
    const { main } = await import("../../lib/cli/main.ts");
    let stderr = "";
    const code = await main(common, {
      out: () => {},
      err: (t) => void (stderr += t),
      interactive: true,
    });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^\rtraining \(stream\): epoch 1\/1 /);
    assert.match(stderr, /\r +\r$/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("lrc train --stream: a file that grows while it is trained on is refused, not half used", async () => {
  // Rows appended during the epochs (a log still being written) were trained on by the later
  // epochs only, with the standardisation and default lambda of the first pass, and counted by
  // the evaluation; the report said "over 300 rows" beside 375 training samples, exit code 0.
  // The file grows when the first progress line (after epoch 1) is drawn: with two epochs the
  // second reads it, with one only the evaluation does.
  const { main } = await import("../../lib/cli/main.ts");
  for (const epochs of ["2", "1"]) {
    const file = await csvFile();
    try {
      const more = Array.from({ length: 100 }, (_, i) => `${i / 100},0.5,pos\n`).join("");
      let grown = false, stdout = "", stderr = "";
      const code = await main(
        ["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", epochs],
        {
          out: (t) => void (stdout += t),
          err: (t) => {
            stderr += t;
            if (!grown && t.startsWith("training (stream): epoch 1/")) {
              Deno.writeTextFileSync(file, more, { append: true });
              grown = true;
            }
          },
          interactive: false,
        },
      );
      assert.ok(grown, stderr);
      assert.equal(code, 1, `--epochs ${epochs}: ${stdout}${stderr}`);
      assert.equal(stdout, "");
      // 300 training rows in the first pass; 75 of the 100 new ones are training rows.
      assert.match(stderr, /changed while it was read/);
      assert.match(stderr, /first pass had 300 (training )?rows/);
      // Which pass saw it: the second epoch, or (one epoch) the evaluation of the training rows.
      assert.match(stderr, epochs === "2" ? /epoch 2 read 375;/ : /the evaluation read 375;/);
    } finally {
      await Deno.remove(file);
    }
  }
});

Deno.test("lrc train --stream names a row with a field missing as the in-memory path does", async () => {
  // Streamed, '1,0,yes' under 'a,b,c,label' was "column 3 ('c') holds 'yes', which is not a
  // finite decimal number": the reader parsed the cells before counting them, so a short row
  // whose shifted label landed in a feature column was reported as a bad value. The oracle is
  // the in-memory reader (csv-parse counts a record's fields first), on the same file.
  const rows = ["1,0,yes", "1,yes", "yes,1", '1,"0",yes', "1,x,0", "1,0,2,3,yes", "1,x,0,yes"];
  for (const row of rows) {
    const file = await Deno.makeTempFile({ suffix: ".csv" });
    try {
      const lines = ["a,b,c,label"];
      for (let i = 0; i < 40; i++) lines.push(`${i % 3},${i % 5},${i % 7},${i % 2 ? "yes" : "no"}`);
      lines.splice(6, 0, row); // line 7 of the file
      await Deno.writeTextFile(file, lines.join("\n") + "\n");
      const memory = await runCli(["train", "--data", file, "--quiet"]);
      const stream = await runCli([
        "train",
        "--data",
        file,
        "--quiet",
        "--stream",
        "--optimizer",
        "sgd",
      ]);
      assert.equal(memory.code, 1, row);
      assert.equal(stream.code, 1, row);
      // A row of four fields with a bad cell is a bad cell in both; the others are miscounted.
      assert.match(
        memory.stderr,
        row.split(",").length === 4
          ? /line 7, column 2 \("b"\) holds 'x'/
          : /line 7 has \d fields, the header has 4/,
        row,
      );
      assert.equal(stream.stderr, memory.stderr, row);
    } finally {
      await Deno.remove(file);
    }
  }
});

Deno.test("lrc train --stream holds out every round(1/test-fraction)-th row, and refuses a file too short for one", async () => {
  const file = await csvFile();
  try {
    // 1 / 0.4 = 2.5 rounds to 3 (Math.floor would give 2): rows 2, 5, ..., 398 are held out,
    // floor(400 / 3) = 133 of them.
    const r = await runCli([
      ...["train", "--data", file, "--stream", "--optimizer", "sgd", "--epochs", "1"],
      ...["--test-fraction", "0.4", "--json"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.data.testSamples, Math.floor(400 / 3));
    assert.equal(report.data.trainSamples, 400 - Math.floor(400 / 3));
    assert.match(report.data.source, /every 3rd row held out/);
    // Three rows and every 4th held out: none would be tested.
    const lines = (await Deno.readTextFile(file)).split("\n");
    await Deno.writeTextFile(file, lines.slice(0, 4).join("\n") + "\n");
    const short = await runCli([
      ...["train", "--data", file, "--stream", "--optimizer", "sgd", "--quiet"],
    ]);
    assert.equal(short.code, 1, short.stderr);
    assert.match(short.stderr, /has 3 data rows, and holding out every 4th .* leaves none to test/);
    assert.equal(short.stderr.trim().split("\n").length, 1, short.stderr);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a folder as --data is named as one by lrc train, whatever --max-data-bytes says", async () => {
  // A folder's size (its directory entries) above --max-data-bytes made train stream it, and the
  // error was the streaming one about the optimiser (--optimizer sgd or adam), not the folder.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/inside.csv`, "a,y\n1,p\n2,q\n");
    const size = (await Deno.stat(dir)).size;
    assert.ok(size > 1, `a folder of ${size} bytes cannot show this`);
    for (const limit of [[], ["--max-data-bytes", "1"]]) {
      const r = await runCli(["train", "--data", dir, ...limit, "--quiet"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^lrc train: Cannot read CSV '.*': it is a folder$/m, limit.join(" "));
      assert.doesNotMatch(r.stderr, /stream/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
