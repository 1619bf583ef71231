// Counts of one read in the singular ("1 rows", "1 biases" were printed).
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

Deno.test("inspect and predict say '1 bias' and '1 row'", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A binary model: one bias.
    const train = await runCli([
      "train",
      "--dataset",
      "breast-cancer",
      "--max-iterations",
      "20",
      "--save",
      `${dir}/m.lrc`,
      "--quiet",
    ]);
    assert.equal(train.code, 0, train.stderr);
    const inspect = await runCli(["inspect", `${dir}/m.lrc`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /\(4 x \(30 weights \+ 1 bias\)\)/);
    // Multiclass: ten.
    const digits = await runCli([
      "train",
      "--max-iterations",
      "20",
      "--save",
      `${dir}/d.lrc`,
      "--quiet",
    ]);
    assert.equal(digits.code, 0, digits.stderr);
    assert.match((await runCli(["inspect", `${dir}/d.lrc`])).stdout, /\+ 10 biases\)\)/);
    // One data row of the model's 30 features.
    const row = Array.from({ length: 30 }, (_, i) => String(i % 7)).join(",");
    await Deno.writeTextFile(`${dir}/one.csv`, row + "\n");
    const predict = await runCli([
      "predict",
      "--model",
      `${dir}/m.lrc`,
      "--data",
      `${dir}/one.csv`,
      "--no-header",
      "--no-label",
      "--out",
      `${dir}/p.csv`,
    ]);
    assert.equal(predict.code, 0, predict.stderr);
    assert.match(predict.stdout, /: 1 row, features taken by position/);
    assert.match(predict.stdout, /\(1 row: predicted label\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train says '1 feature', '1 epoch' and '1 iteration'", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = ["a,y"];
    for (let i = 0; i < 16; i++) rows.push(`${i},${i % 2 ? "yes" : "no"}`);
    await Deno.writeTextFile(`${dir}/one.csv`, rows.join("\n") + "\n");
    const data = ["--data", `${dir}/one.csv`, "--quiet"];
    const lbfgs = await runCli(["train", ...data, "--max-iterations", "1"]);
    assert.equal(lbfgs.code, 0, lbfgs.stderr);
    assert.match(lbfgs.stdout, /test, 1 feature, 2 classes\n/);
    assert.match(lbfgs.stdout, /: 1 iteration in /);
    for (const stream of [[], ["--stream"]]) {
      const sgd = await runCli([
        "train",
        ...data,
        "--optimizer",
        "sgd",
        "--epochs",
        "1",
        ...stream,
      ]);
      assert.equal(sgd.code, 0, sgd.stderr);
      assert.match(sgd.stdout, /, 1 feature, 2 classes\n/);
      assert.match(sgd.stdout, /: 1 epoch in .*\(ran 1 epoch[ )]/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspect says '1 feature' and '1 weight' for a model of one feature", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const coef = { coef: [[0.5]], intercept: [0], classes: ["no", "yes"] };
    await Deno.writeTextFile(`${dir}/one.json`, JSON.stringify(coef));
    const inspect = await runCli(["inspect", `${dir}/one.json`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /, 2 classes, 1 feature, /);
    assert.match(inspect.stdout, /\(4 x \(1 weight \+ 1 bias\)\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantize, prune and compress say '1 feature' for one-feature data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["x,y"];
    for (let i = 0; i < 60; i++) lines.push(`${i % 2 ? 1 + i / 60 : -1 - i / 60},${i % 2}`);
    await Deno.writeTextFile(`${dir}/one.csv`, lines.join("\n") + "\n");
    // compress printed '1 features' after quantize and prune had been fixed.
    for (
      const command of [
        ["quantize"],
        ["prune", "--sparsity", "0.5"],
        ["compress", "--sparsity", "0", "--training", "ptq"],
      ]
    ) {
      const r = await runCli([...command, "--data", `${dir}/one.csv`, "--max-iterations", "20"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /, 1 feature, 2 classes/, command[0]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compress --sweep says '1 pruning level' for one sparsity besides 0", async () => {
  for (
    const [sparsity, levels] of [["0,0.5", "1 pruning level,"], ["0.5,0.8", "2 pruning levels,"]]
  ) {
    const r = await runCli([
      "compress",
      "--dataset",
      "iris",
      "--sweep",
      "--sparsity",
      sparsity,
      "--method",
      "uniform",
      "--bits",
      "4",
      "--max-iterations",
      "20",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^sweep +\\d+ models, ${levels} `, "m"), sparsity);
  }
});
