import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

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
    assert.equal(report.test.rocAuc, null);
    assert.match(report.training.stopReason, /streamed/);
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
    // Rows 0..3: the 4th (class w) is the only held-out row and the only w.
    await Deno.writeTextFile(tiny, "a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,w\n");
    const r = await runCli(["train", "--data", tiny, "--stream", "--optimizer", "sgd", "--quiet"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /held-out rows \(every 4th\): label 'w' on line 5 is not one of its classes, and no training row has that class/,
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
