import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { majorityNote } from "../../lib/cli/compress.ts";

Deno.test("majorityNote: a note when the dense model does no better than its most frequent class", () => {
  // Counted by hand: "b" is 3 of 4 rows, 75 %.
  const y = Int32Array.from([1, 0, 1, 1]);
  const [note] = majorityNote(y, ["a", "b"], 0.75);
  assert.match(note, /^note {6}class "b" is 75\.00 % of the validation rows: always predicting/);
  assert.deepEqual(majorityNote(y, ["a", "b"], 0.74), [note]);
  assert.deepEqual(majorityNote(y, ["a", "b"], 0.76), []);
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
