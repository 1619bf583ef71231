import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import { predict } from "../../lib/model/predict.ts";

/**
 * 800 rows, about 8 % "yes", the rare class overlapping the common one on the features, so that a
 * model trained for accuracy misses some of it: balanced accuracy then differs from accuracy.
 */
function rareCsv(): { text: string; x: number[][]; labels: string[] } {
  const x: number[][] = [], labels: string[] = [];
  for (let i = 0; i < 800; i++) {
    const a = Math.sin(i * 1.3), b = Math.cos(i * 0.7);
    x.push([a, b]);
    labels.push(a + 0.2 * b + 0.15 * Math.sin(i * 2.9) > 1.02 ? "yes" : "no");
  }
  const lines = ["a,b,label", ...x.map((r, i) => `${r[0]},${r[1]},${labels[i]}`)];
  return { text: lines.join("\n") + "\n", x, labels };
}

/** The mean over the classes that label `rows` of the share of them `predicted` gets right. */
function meanRecall(rows: number[], labels: string[], predicted: string[]): number {
  const seen = new Map<string, { n: number; right: number }>();
  for (const i of rows) {
    const c = seen.get(labels[i]) ?? { n: 0, right: 0 };
    c.n++;
    if (predicted[i] === labels[i]) c.right++;
    seen.set(labels[i], c);
  }
  let sum = 0;
  for (const { n, right } of seen.values()) sum += right / n;
  return sum / seen.size;
}

Deno.test("lrc train --stream reports the balanced accuracy of the training and held-out rows, as the saved model predicts them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-train-balanced-" });
  try {
    const { text, x, labels } = rareCsv();
    const yes = labels.filter((l) => l === "yes").length;
    assert.ok(yes > 20 && yes < 80, `${yes} "yes" rows`);
    await Deno.writeTextFile(`${dir}/rare.csv`, text);
    const args = [
      "train",
      "--data",
      `${dir}/rare.csv`,
      "--stream",
      "--optimizer",
      "adam",
      "--epochs",
      "5",
      "--quiet",
    ];
    const r = await runCli([...args, "--json", "--save", `${dir}/m.json`]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const model = modelFromJson(await Deno.readTextFile(`${dir}/m.json`));
    const predicted = Array.from(predict(model, fromRows(x)), (c) => model.classes[c]);
    // Every 4th row (3, 7, ... counting data rows from 0) is held out at --test-fraction 0.25.
    const all = [...x.keys()];
    const test = all.filter((i) => i % 4 === 3), train = all.filter((i) => i % 4 !== 3);
    for (const [part, rows] of [["train", train], ["test", test]] as const) {
      const expected = meanRecall(rows, labels, predicted);
      assert.equal(report[part].balancedAccuracy, expected, part);
      // A rare class the model partly misses: not the accuracy under another name.
      assert.notEqual(report[part].balancedAccuracy, report[part].accuracy, part);
    }
    const shown = await runCli(args);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^ +accuracy +balanced accuracy +log loss +macro F1 +ROC AUC$/m);
    for (const part of ["train", "test"]) {
      const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
      const row = shown.stdout.split("\n").find((l) => l.startsWith(`${part} `));
      assert.ok(row, shown.stdout);
      const cells = row.trim().split(/ {2,}/);
      assert.deepEqual(cells.slice(1, 3), [
        pct(report[part].accuracy),
        pct(report[part].balancedAccuracy),
      ]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc train (in memory) reports balanced accuracy beside accuracy, as the saved model predicts the held-out rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-train-balanced-" });
  try {
    const { text, x, labels } = rareCsv();
    await Deno.writeTextFile(`${dir}/rare.csv`, text);
    const r = await runCli([
      "train",
      "--data",
      `${dir}/rare.csv`,
      "--json",
      "--quiet",
      "--save",
      `${dir}/m.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const model = modelFromJson(await Deno.readTextFile(`${dir}/m.json`));
    const predicted = Array.from(predict(model, fromRows(x)), (c) => model.classes[c]);
    // The split is stratified and shuffled: which rows are held out is not known here, but over
    // all rows the counts of the two parts add up, and each part's balanced accuracy is the mean
    // of its own confusion matrix's recalls.
    const all = meanRecall([...x.keys()], labels, predicted);
    const sum = (c: number[][], t: number) => c[t][0] + c[t][1];
    const total = [0, 1].map((t) => sum(report.train.confusion, t) + sum(report.test.confusion, t));
    const right = [0, 1].map((t) => report.train.confusion[t][t] + report.test.confusion[t][t]);
    assert.equal((right[0] / total[0] + right[1] / total[1]) / 2, all);
    for (const part of ["train", "test"]) {
      const c: number[][] = report[part].confusion;
      assert.equal(
        report[part].balancedAccuracy,
        (c[0][0] / (c[0][0] + c[0][1]) + c[1][1] / (c[1][0] + c[1][1])) / 2,
        part,
      );
      assert.notEqual(report[part].balancedAccuracy, report[part].accuracy, part);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
