/**
 * lrc compress on a one-output (binary sigmoid) model: pruning features and pruning weights make
 * the same models, which the tried table and the sweep's front listed twice under two names.
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

const COMMON = [
  ...["compress", "--dataset", "breast-cancer", "--max-iterations", "100"],
  ...["--fine-tune-steps", "30", "--sparsity", "0,0.5,0.8", "--bits", "2,4"],
  ...["--method", "uniform", "--quiet"],
];

Deno.test("lrc compress on a one-output model lists a model pruned by weights or by features once, with a note", async () => {
  for (
    const mode of [["--max-bytes", "700"], ["--budget", "1"], ["--sweep", "--training", "ptq"]]
  ) {
    const both = await runCli([...COMMON, ...mode, "--structure", "weights,features"]);
    assert.equal(both.code, 0, both.stderr);
    assert.doesNotMatch(both.stdout, /of features/, mode.join(" "));
    assert.match(
      both.stdout,
      /^note {6}with one output row each feature is one weight: 2 pruning levels make the model of a level of the other structure, listed once under that level's name \(--json: skipped\)$/m,
    );
    // The same tables as with weights alone, but for the note and the count of skips.
    const weights = await runCli([...COMMON, ...mode, "--structure", "weights"]);
    assert.equal(weights.code, 0, weights.stderr);
    // The rows of the tried table and of the front (no times in them).
    const table = (text: string) => text.split("\n").filter((l) => /^ +\d+\.\d\d %/.test(l));
    assert.deepEqual(table(both.stdout), table(weights.stdout), mode.join(" "));
    assert.ok(table(both.stdout).length > 0);
  }
});
