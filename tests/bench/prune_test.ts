/**
 * bench:prune's options reach the sections they name: a section run with a small option value,
 * its JSON rows checked against what the help says the option means.
 */
import assert from "node:assert/strict";
import { hasFashionMnist, loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { fineTune } from "../../lib/prune/retrain.ts";
import { REFERENCE_SETTINGS, referenceModel } from "./_reference.ts";

const present = hasFashionMnist();
const skip = present
  ? ""
  : " (skipped: Fashion-MNIST is absent; apt-get install dataset-fashion-mnist)";

/** Runs bench:prune with `args` and `--json`; its stdout must hold JSON objects only, one a line. */
async function benchRows(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./prune.ts", import.meta.url).pathname, ...args, "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test({
  name: `the convergence section refits --iterations L-BFGS iterations per round${skip}`,
  ignore: !present,
  async fn() {
    const rows = (await benchRows(["--sections", "convergence", "--iterations", "1"]))
      .filter((r) => r.section === "convergence");
    // --help: "--iterations N  masked L-BFGS refit iterations"; three rounds of warm restarts.
    assert.deepEqual(rows.map((r) => r.iterations), [1, 2, 3]);
    // Oracle for the first round: the 80 % one-shot magnitude mask (compensated) refitted by one
    // masked L-BFGS iteration, made here from the library's own steps.
    const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
    const dense = await referenceModel(train, { log: () => {} });
    const once = fineTune(pruneModel(dense.model, { fraction: 0.8, compensate: train.x }), train, {
      optimizer: { kind: "lbfgs", maxIterations: 1 },
      penalty: { kind: "l2", lambda: REFERENCE_SETTINGS.lambda },
    }).model;
    assert.equal(rows[0].accuracy, evaluate(once, test.x, test.y).accuracy);
  },
});

Deno.test({
  name:
    `the goal rows say their best was chosen on the test set, among how many configurations${skip}`,
  ignore: !present,
  async fn() {
    const rows = await benchRows(["--sections", "gradual"]);
    const dense = rows.find((r) => r.section === "dense");
    for (const sparsity of [0.8, 0.9]) {
      const run = rows.filter((r) => r.section === "gradual" && r.sparsity === sparsity);
      const goal = rows.find((r) => r.section === "goal" && r.sparsity === sparsity);
      assert.ok(goal, `no goal row at ${sparsity}`);
      // The best is a maximum of test accuracies over what ran: a choice made on test.
      assert.equal(goal.selectedOn, "test");
      assert.equal(goal.candidates, run.length);
      assert.equal(goal.best, Math.max(...run.map((r) => r.accuracy)));
      assert.equal(goal.gap, dense.accuracy - goal.best);
      assert.equal(goal.met, goal.gap * 100 <= goal.allowedGap * 100 + 1e-9);
    }
  },
});
