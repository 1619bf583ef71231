import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { majorityBudgetNote, majorityNote } from "../../lib/cli/compress.ts";

Deno.test("majorityNote: a note when the dense model does no better than its most frequent class", () => {
  // Counted by hand: "b" is 3 of 4 rows, 75 %.
  const y = Int32Array.from([1, 0, 1, 1]);
  const [note] = majorityNote(y, ["a", "b"], 0.75);
  assert.match(note, /^note {6}class "b" is 75\.00 % of the validation rows: always predicting/);
  assert.deepEqual(majorityNote(y, ["a", "b"], 0.74), [note]);
  assert.deepEqual(majorityNote(y, ["a", "b"], 0.76), []);
});

Deno.test("majorityNote under a ROC AUC budget says that the budget tells whether a model ranks the other classes", () => {
  // Counted by hand: "b" is 3 of 4 rows, 75 %.
  const y = Int32Array.from([1, 0, 1, 1]);
  const [plain] = majorityNote(y, ["a", "b"], 0.75);
  assert.match(plain, /so the accuracies below \(and the budget\) do not tell whether a model/);
  assert.deepEqual(
    majorityNote(y, ["a", "b"], 0.75, true),
    [
      'note      class "b" is 75.00 % of the validation rows: always predicting it scores ' +
      "75.00 %, no less than the dense model, so the accuracies below do not tell whether a " +
      "model finds the other classes (the ROC AUC budget tells whether it ranks them: a model " +
      "that scores every row alike has 0.5); check the saved model's macro F1 and confusion " +
      "matrix (lrc predict --json on labelled data)",
    ],
  );
  assert.deepEqual(majorityNote(y, ["a", "b"], 0.76, true), []);
});

Deno.test("majorityBudgetNote: a note when the budget lets a model that always predicts the most frequent class pass", () => {
  // Counted by hand: "b" is 98 of 100 rows, 98 %; a dense model at 99 % is 1 point above it.
  const y = new Int32Array(100).fill(1);
  y[3] = y[70] = 0;
  const [note] = majorityBudgetNote(y, ["a", "b"], 0.99, 0.01);
  assert.match(
    note,
    /^note {6}class "b" is 98\.00 % of the validation rows: always predicting it scores 98\.00 %, 1\.00 points below the dense model, within the budget/,
  );
  assert.match(note, /can pass \(a --budget below 1\.00 rules that out\); check the saved model's/);
  assert.deepEqual(majorityBudgetNote(y, ["a", "b"], 0.99, 0.02), [note]);
  // 57 % against 56 %: one point, which 0.57 - 0.56 misses by a binary error (0.0099...).
  const z = new Int32Array(100);
  z.fill(1, 0, 56);
  assert.match(majorityBudgetNote(z, ["a", "b"], 0.57, 0.01)[0], /a --budget below 1\.00 rules/);
  // 0.99 - 0.0099 = 98.01 %: predicting "b" always misses it.
  assert.deepEqual(majorityBudgetNote(y, ["a", "b"], 0.99, 0.0099), []);
  // The dense model no better than "b": majorityNote speaks, not this one.
  assert.deepEqual(majorityBudgetNote(y, ["a", "b"], 0.98, 0.01), []);
  assert.equal(majorityNote(y, ["a", "b"], 0.98).length, 1);
});

Deno.test("majorityBudgetNote: with a margin, no note when always predicting the most frequent class fails it", () => {
  // Counted by hand: "b" is 98 of 100 rows; dense gets all right but row 3 (an "a"), 99 %.
  // Always "b" against dense: 1 row only dense gets right, none only it, so the paired
  // difference is -1/100 and its standard error sqrt(1 - 1/100) / 100 = 0.995 points; less 2 of
  // them it is -2.99 points: outside a 2-point budget, inside a 3-point one.
  const y = new Int32Array(100).fill(1);
  y[3] = y[70] = 0;
  const densePredicted = Int32Array.from(y);
  densePredicted[3] = 1;
  const margin = { standardErrors: 2, densePredicted };
  assert.equal(majorityBudgetNote(y, ["a", "b"], 0.99, 0.02).length, 1);
  assert.deepEqual(majorityBudgetNote(y, ["a", "b"], 0.99, 0.02, margin), []);
  // 2.98997 points, shown rounded down: a budget below the figure shown is below it.
  assert.match(
    majorityBudgetNote(y, ["a", "b"], 0.99, 0.03, margin)[0],
    /\(a --budget below 2\.98 rules that out with this margin\)/,
  );
  assert.equal(
    majorityBudgetNote(y, ["a", "b"], 0.99, 0.02, { standardErrors: 0, densePredicted }).length,
    1,
  );
});

Deno.test("lrc compress --budget says when always predicting the most frequent class is within it", async () => {
  // 3 % positives separated by the first feature; the dense model finds them (about 100 %), so a
  // 5-point budget lets a model that predicts only class 0 (about 97 %) pass, which the search
  // did without a word.
  const dir = await Deno.makeTempDir({ prefix: "lrc-majority-budget-" });
  try {
    const file = `${dir}/rare.csv`;
    const rows = Array.from({ length: 600 }, (_, i) => {
      const positive = i % 33 === 5;
      return `${positive ? 3 + (i % 7) / 10 : (i % 11) / 10},${(i * 104729) % 97},${
        positive ? 1 : 0
      }`;
    });
    await Deno.writeTextFile(file, ["a,b,y", ...rows].join("\n") + "\n");
    const common = ["--quiet", "--method", "uniform", "--bits", "8", "--sparsity", "0,0.5"];
    const r = await runCli(["compress", "--data", file, ...common, "--budget", "5"]);
    assert.equal(r.code, 0, r.stderr);
    const validation = Number(/ (\d+) validation /.exec(r.stdout)![1]);
    const dense = Number(/^dense .*validation (\d+\.\d\d) %/m.exec(r.stdout)![1]);
    const note =
      /^note {6}class "0" is (\d+\.\d\d) % of the validation rows: always predicting it scores \1 %, (\d+\.\d\d) points below the dense model, within the budget/m
        .exec(r.stdout);
    assert.ok(note, r.stdout);
    // The share is of the validation rows; 19 positives in 600 rows, a quarter or so held out.
    const share = Number(note[1]);
    assert.ok(share > 95 && share < 99, note[0]);
    assert.ok(Math.abs(share / 100 * validation - Math.round(share / 100 * validation)) < 0.01);
    assert.ok(Math.abs(Number(note[2]) - (dense - share)) < 0.011, `${note[2]} ${dense} ${share}`);
    // The budget the note says rules it out: the dense model's lead, one point below which the
    // note is gone.
    const below = /^note {6}class "0" .*a --budget below (\d+\.\d\d) rules that out\)/m.exec(
      r.stdout,
    );
    assert.ok(below, r.stdout);
    assert.equal(below[1], note[2]);
    const tight = await runCli([
      "compress",
      "--data",
      file,
      ...common,
      "--budget",
      String(Number(below[1]) - 0.01),
    ]);
    assert.equal(tight.code, 0, tight.stderr);
    assert.doesNotMatch(tight.stdout, /of the validation rows/);
    // A margin of 10 paired standard errors: always predicting "0" differs from dense on every
    // positive dense finds (one at least), each worth more than half a point of about 150 rows,
    // so its difference less the margin is far below -5 points and it cannot pass.
    const margin = await runCli([
      "compress",
      "--data",
      file,
      ...common,
      "--budget",
      "5",
      "--standard-errors",
      "10",
    ]);
    assert.equal(margin.code, 0, margin.stderr);
    assert.match(margin.stdout, /with a margin/);
    assert.doesNotMatch(margin.stdout, /of the validation rows/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress says when a class fills the validation rows, and not on balanced data", async () => {
  // 2 rows of class 1 in 600 (99.67 % class 0), features of noise: no model beats predicting 0,
  // and the pipeline's accuracies, all near 99.7 %, said so without a word.
  const dir = await Deno.makeTempDir({ prefix: "lrc-majority-" });
  try {
    const file = `${dir}/rare.csv`;
    const rows = Array.from(
      { length: 600 },
      (_, i) => `${(i * 7919) % 101},${(i * 104729) % 97},${i === 17 || i === 401 ? 1 : 0}`,
    );
    await Deno.writeTextFile(file, ["a,b,y", ...rows].join("\n") + "\n");
    const common = ["--quiet", "--sparsity", "0.5", "--method", "uniform", "--bits", "8"];
    const r = await runCli(["compress", "--data", file, ...common]);
    assert.equal(r.code, 0, r.stderr);
    const validation = Number(/ (\d+) validation /.exec(r.stdout)![1]);
    const note =
      /^note {6}class "0" is (\d+\.\d\d) % of the validation rows: always predicting it scores \1 %, no less than the dense model/m
        .exec(r.stdout);
    assert.ok(note, r.stdout);
    // The share is of the validation rows, which hold at most the 2 rows of class 1.
    const zeros = Number(note[1]) / 100 * validation;
    assert.ok([validation, validation - 1, validation - 2].some((n) => Math.abs(n - zeros) < 0.01));
    const iris = await runCli(["compress", "--dataset", "iris", ...common]);
    assert.equal(iris.code, 0, iris.stderr);
    assert.doesNotMatch(iris.stdout, /of the validation rows/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
