/**
 * `lrc prune` and `lrc compress` report the warnings of the trainings that lead to their model
 * (the dense training's, the fine-tuning's, the refit's) as lrc train does: `warning   ...`
 * report lines and `--json` `warnings`, each once. The data are made so that the warnings
 * follow from closed forms, not from a run of ours.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

const dir = await Deno.makeTempDir({ prefix: "lrc_training_warnings_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const separable = `${dir}/separable.csv`;
{
  // 200 rows: class "a" has u in [-5, -3], class "b" u in [3, 5]; v is noise in [-1, 1]. The
  // sign of u separates them, so without a penalty the loss has no minimum.
  let s = 7;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 2 * (s / 2 ** 32) - 1;
  };
  const lines = ["u,v,label"];
  for (let i = 0; i < 200; i++) {
    const c = i % 2;
    lines.push(`${((c ? 4 : -4) + r()).toFixed(4)},${r().toFixed(4)},${"ab"[c]}`);
  }
  await Deno.writeTextFile(separable, lines.join("\n") + "\n");
}

const SEPARABLE = "the training data are perfectly separable and there is no penalty: the loss " +
  "keeps falling as the weights grow, so they depend on when training stopped; add an L2 " +
  "penalty for a well-defined model";

/** How many times `part` occurs in `text`. */
const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** The first and last objective of an objective-rise warning, or null for another warning. */
function rise(warning: string): { first: number; last: number } | null {
  const m = warning.match(
    /^the training objective rose from (\S+) \(epoch 1\) to (\S+) \(epoch \d+\): lower the learning rate or standardise the features$/,
  );
  return m ? { first: Number(m[1]), last: Number(m[2]) } : null;
}

const PLAIN = ["--data", separable, "--quiet"];

Deno.test("lrc prune --penalty none on separable data reports the dense training's warning once (report and --json)", async () => {
  const args = ["prune", ...PLAIN, "--penalty", "none", "--sparsity", "0.5"];
  const text = await runCli(args);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stderr, "");
  assert.equal(occurrences(text.stdout, SEPARABLE), 1, text.stdout);
  assert.ok(text.stdout.includes(`\nwarning   ${SEPARABLE}\n`), text.stdout);
  const json = await runCli([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).warnings, [SEPARABLE]);
  // With an L2 penalty the loss has a minimum: no warning.
  const l2 = await runCli(["prune", ...PLAIN, "--sparsity", "0.5", "--json"]);
  assert.deepEqual(JSON.parse(l2.stdout).warnings, []);
});

Deno.test("lrc prune --optimizer sgd with too large a learning rate reports that the objective rose", async () => {
  // Heavy-ball SGD (momentum 0.9) on an L2 penalty of lambda 1 multiplies a weight's deviation
  // by the roots of z^2 - (1.9 - lr) z + 0.9: at lr 4 one root is -1.5 (growth), and the loss's
  // own curvature only adds to lr * lambda; at lr 1 (below 2 (1 + 0.9) = 3.8 with the standardised
  // loss's curvature, at most 0.25 per unit feature variance, added) it descends.
  const args = ["prune", ...PLAIN, "--optimizer", "sgd", "--lambda", "1", "--sparsity", "0.5"];
  const bad = await runCli([...args, "--learning-rate", "4", "--json"]);
  assert.equal(bad.code, 0, bad.stderr);
  const warnings: string[] = JSON.parse(bad.stdout).warnings;
  assert.equal(warnings.length, 1, warnings.join("\n"));
  const r = rise(warnings[0]);
  assert.ok(r !== null && r.last > 2 * r.first, warnings[0]);
  const text = await runCli([...args, "--learning-rate", "4"]);
  assert.equal(occurrences(text.stdout, `warning   ${warnings[0]}\n`), 1, text.stdout);
  const good = await runCli([...args, "--learning-rate", "1", "--json"]);
  assert.deepEqual(JSON.parse(good.stdout).warnings, []);
});

Deno.test("lrc prune --fine-tune reports the fine-tuning's warnings, named as its", async () => {
  // An L1 penalty trains the dense model; fine-tuning leaves L1 out (none is left), and the kept
  // weight of u still separates the data.
  const args = [
    "prune",
    ...PLAIN,
    "--penalty",
    "l1",
    "--sparsity",
    "0.5",
    "--fine-tune",
    "lbfgs",
  ];
  const json = await runCli([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).warnings, [`fine-tuning: ${SEPARABLE}`]);
  const text = await runCli(args);
  assert.ok(text.stdout.includes(`\nwarning   fine-tuning: ${SEPARABLE}\n`), text.stdout);
  assert.equal(occurrences(text.stdout, SEPARABLE), 1, text.stdout);
});

Deno.test("lrc prune --rounds names the fine-tuning round a warning comes from, each words once", async () => {
  // The separable rows with two more noise columns: 4 weights, of which the rounds remove one,
  // then another. Each round's fine-tuning is unpenalised and keeps u (the largest weight),
  // which separates the rows: a later round saying so in the same words is not repeated.
  const wide = `${dir}/wide.csv`;
  const lines = (await Deno.readTextFile(separable)).trim().split("\n");
  await Deno.writeTextFile(
    wide,
    lines.map((line, i) => {
      const [u, v, label] = line.split(",");
      return i === 0
        ? "u,v,p,q,label"
        : `${u},${v},${((i * 13) % 7) / 7},${((i * 5) % 9) / 9},${label}`;
    }).join("\n") + "\n",
  );
  const json = await runCli([
    ...["prune", "--data", wide, "--quiet", "--penalty", "l1", "--sparsity", "0.5"],
    ...["--rounds", "3", "--fine-tune", "lbfgs", "--json"],
  ]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  // 0.5 of 4 weights is 2 weights: of the 3 scheduled rounds, two remove more than the round
  // before them (1 weight, then 2), so two rounds prune and name themselves "R/2".
  assert.equal(report.pruning.rounds.length, 2);
  const warnings: string[] = report.warnings;
  assert.equal(warnings[0], `round 1/2 fine-tuning: ${SEPARABLE}`);
  assert.ok(warnings.every((w) => /^round [12]\/2 fine-tuning: /.test(w)), warnings.join("\n"));
  assert.equal(warnings.filter((w) => w.endsWith(SEPARABLE)).length, 1, warnings.join("\n"));
});

Deno.test("lrc compress --penalty none on separable data reports the dense training's warning once (report, --json, HTML)", async () => {
  const report = `${dir}/report.html`;
  const args = ["compress", ...PLAIN, "--penalty", "none", "--sparsity", "0.5", "--bits", "8"];
  const text = await runCli([...args, "--report", report]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stderr, "");
  // The fine-tuning (no penalty either) says it again in the same words: once.
  assert.equal(occurrences(text.stdout, SEPARABLE), 1, text.stdout);
  assert.ok(text.stdout.includes(`\nwarning   ${SEPARABLE}\n`), text.stdout);
  assert.equal(occurrences(await Deno.readTextFile(report), SEPARABLE), 1);
  const json = await runCli([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const warnings: string[] = JSON.parse(json.stdout).warnings;
  assert.equal(warnings.filter((w) => w.endsWith(SEPARABLE)).length, 1, warnings.join("\n"));
  assert.equal(warnings[0], SEPARABLE);
  // With an L2 penalty, none of it.
  const quiet = `${dir}/l2_report.html`;
  const l2 = await runCli(
    ["compress", ...PLAIN, "--sparsity", "0.5", "--bits", "8", "--json", "--report", quiet],
  );
  assert.deepEqual(JSON.parse(l2.stdout).warnings, []);
  // No warning, no sentence for them in the report.
  assert.equal(occurrences(await Deno.readTextFile(quiet), "Training warnings"), 0);
});

Deno.test("lrc compress --optimizer sgd with too large a learning rate reports that the objective rose", async () => {
  // As for prune above: lr * lambda = 4 is past heavy-ball's 3.8.
  const json = await runCli([
    "compress",
    ...PLAIN,
    "--optimizer",
    "sgd",
    "--lambda",
    "1",
    "--learning-rate",
    "4",
    "--sparsity",
    "0.5",
    "--bits",
    "8",
    "--json",
  ]);
  assert.equal(json.code, 0, json.stderr);
  const warnings: string[] = JSON.parse(json.stdout).warnings;
  const r = rise(warnings[0] ?? "");
  assert.ok(r !== null && r.last > 2 * r.first, warnings.join("\n"));
  assert.equal(warnings.filter((w) => rise(w) !== null).length, 1, warnings.join("\n"));
});

Deno.test("lrc compress --refit reports the refit's dense warning once when it is the search's in the same words", async () => {
  const args = [
    "compress",
    ...PLAIN,
    "--penalty",
    "none",
    "--budget",
    "1",
    "--sparsity",
    "0,0.5",
    "--bits",
    "8",
    "--refit",
  ];
  const text = await runCli(args);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(occurrences(text.stdout, SEPARABLE), 1, text.stdout);
  const json = await runCli([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).warnings[0], SEPARABLE);
});

Deno.test("lrc compress reports the fine-tuning's warnings, named as its, and the refit's, named as its", async () => {
  // An L2 dense model (no warning); sgd fine-tuning at 50 (halved every epoch): lr * lambda stays
  // past heavy-ball's 3.8 for its first epochs, so the objective rises.
  const tune = ["--lambda", "1", "--fine-tune", "sgd", "--fine-tune-learning-rate", "50"];
  const args = ["compress", ...PLAIN, ...tune, "--fine-tune-epochs", "10", "--bits", "8"];
  const json = await runCli([...args, "--sparsity", "0.5", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const warnings: string[] = JSON.parse(json.stdout).warnings;
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.ok(warnings[0].startsWith("fine-tuning: "), warnings[0]);
  const r = rise(warnings[0].slice("fine-tuning: ".length));
  assert.ok(r !== null && r.last > 2 * r.first, warnings[0]);
  // With --refit, the refit's fine-tuning on all the training rows rises too: its own line.
  const refit = await runCli(
    [...args, "--sparsity", "0.5", "--budget", "1", "--refit", "--json"],
  );
  assert.equal(refit.code, 0, refit.stderr);
  const both: string[] = JSON.parse(refit.stdout).warnings;
  assert.deepEqual(
    both.map((w) => w.match(/^(?:[a-z -]+: )?/)![0]),
    ["fine-tuning: ", "refit fine-tuning: "],
    both.join("\n"),
  );
  assert.ok(both.every((w) => rise(w.replace(/^[a-z -]+: /, "")) !== null), both.join("\n"));
});

Deno.test("lrc compress --refit reports the refit's dense warning, named as its, when its words differ", async () => {
  // As above, sgd at lr * lambda = 4 rises, on the session's rows and on all the training rows,
  // from other objectives (other rows): two warnings, the refit's prefixed.
  const json = await runCli([
    "compress",
    ...PLAIN,
    "--optimizer",
    "sgd",
    "--lambda",
    "1",
    "--learning-rate",
    "4",
    "--budget",
    "1",
    "--sparsity",
    "0,0.5",
    "--bits",
    "8",
    "--refit",
    "--json",
    "--report",
    `${dir}/refit_report.html`,
  ]);
  assert.equal(json.code, 0, json.stderr);
  const warnings: string[] = JSON.parse(json.stdout).warnings;
  assert.equal(warnings.length, 2, warnings.join("\n"));
  // The HTML report gives them in one sentence, in order.
  const html = await Deno.readTextFile(`${dir}/refit_report.html`);
  assert.equal(occurrences(html, ` Training warnings: ${warnings.join("; ")}.`), 1);
  assert.ok(rise(warnings[0]) !== null, warnings[0]);
  assert.ok(warnings[1].startsWith("refit: "), warnings[1]);
  assert.ok(rise(warnings[1].slice("refit: ".length)) !== null, warnings[1]);
});
