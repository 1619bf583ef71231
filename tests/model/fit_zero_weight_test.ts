/**
 * A class whose training rows all weigh 0 (`classWeight` 0, or `sampleWeight` 0 on each of its
 * rows) is legal, and `fit` and `fitStream` say what it costs: training leaves its rows out, so
 * the model never predicts it. The row counts are counted here from the labels.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fit, zeroWeightClassWarnings } from "../../lib/model/fit.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { predict } from "../../lib/model/predict.ts";
import type { Matrix } from "../../lib/core/matrix.ts";

/** Three well separated classes of 40, 30 and 20 rows around (0, 0), (4, 0) and (0, 4). */
function threeClasses(): { x: Matrix; y: Int32Array; classes: string[] } {
  let s = 7;
  const r = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const centres = [[0, 0], [4, 0], [0, 4]], sizes = [40, 30, 20];
  const data: number[] = [], y: number[] = [];
  sizes.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      data.push(centres[c][0] + r(), centres[c][1] + r());
      y.push(c);
    }
  });
  return {
    x: { data: Float64Array.from(data), rows: y.length, cols: 2 },
    y: Int32Array.from(y),
    classes: ["a", "b", "c"],
  };
}

function predictedCounts(p: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of p) c[v]++;
  return c;
}

const ONE = 'class "a" weighs 0 on all its 40 training rows: training leaves them out, so the ' +
  "model learns never to predict it";

Deno.test("fit warns of a class weighted 0, naming it and its rows; the model never predicts it", () => {
  const { x, y, classes } = threeClasses();
  const r = fit(x, y, { classes, classWeight: { a: 0 } });
  assert.deepEqual(r.warnings, [ONE]);
  assert.equal(predictedCounts(predict(r.model, x), 3)[0], 0);
  // Weighted on: no such warning, and the class is found.
  const plain = fit(x, y, { classes, classWeight: { a: 0.5 } });
  assert.deepEqual(plain.warnings, []);
  assert.equal(predictedCounts(predict(plain.model, x), 3)[0], 40);
});

Deno.test("fit gives the same warning when sampleWeight is 0 on every row of a class, none when on some", () => {
  const { x, y, classes } = threeClasses();
  const all = Array.from(y, (c) => c === 0 ? 0 : 1);
  assert.deepEqual(fit(x, y, { classes, sampleWeight: all }).warnings, [ONE]);
  // Row weights times class weights: class "a" weighs 0 here only through its rows.
  const both = fit(x, y, { classes, sampleWeight: all, classWeight: { a: 3, b: 2 } });
  assert.deepEqual(both.warnings, [ONE]);
  // One row of the class keeps a weight: it is trained on.
  const some = all.slice();
  some[5] = 1;
  assert.deepEqual(fit(x, y, { classes, sampleWeight: some }).warnings, []);
  // The first row counts as any other.
  const first = all.slice();
  first[0] = 1;
  assert.deepEqual(fit(x, y, { classes, sampleWeight: first }).warnings, []);
});

Deno.test("fit: every class weighted 0 but one is said in one line, and the model predicts that one only", () => {
  const { x, y, classes } = threeClasses();
  const r = fit(x, y, { classes, classWeight: { a: 0, c: 0 } });
  assert.deepEqual(r.warnings, [
    'classes "a" (40 rows), "c" (20 rows) weigh 0 on all their training rows: training leaves ' +
    'them out, so the model learns never to predict them; only class "b" weighs more than 0, so ' +
    "the model learns that class alone",
  ]);
  assert.deepEqual(predictedCounts(predict(r.model, x), 3), [0, 90, 0]);
});

Deno.test("zeroWeightClassWarnings leaves a class without rows to the class-balance warning and lists 8 classes at most", () => {
  // Class "b" has no rows (fit's other warning says so): not listed, and not counted as weighed.
  assert.deepEqual(zeroWeightClassWarnings([2, 0, 3], [0, 0, 3], ["a", "b", "c"]), [
    'class "a" weighs 0 on all its 2 training rows: training leaves them out, so the model ' +
    'learns never to predict it; only class "c" weighs more than 0, so the model learns that ' +
    "class alone",
  ]);
  const classes = Array.from({ length: 12 }, (_, i) => `k${i}`);
  const counts = classes.map((_, i) => i + 1), sums = classes.map((_, i) => i < 10 ? 0 : 1);
  const [line] = zeroWeightClassWarnings(counts, sums, classes);
  const listed = classes.slice(0, 8).map((c, i) => `"${c}" (${i + 1} ${i === 0 ? "row" : "rows"})`);
  // 10 classes of 1 + 2 + ... + 10 = 55 rows.
  assert.ok(
    line.startsWith(`classes ${listed.join(", ")}, ... (10 classes, 55 rows) weigh 0 on all`),
    line,
  );
  assert.ok(!line.includes("alone"), line);
  // 8 classes are all listed, with no "..." for more.
  const eight = zeroWeightClassWarnings(counts, classes.map((_, i) => i < 8 ? 0 : 1), classes)[0];
  assert.ok(
    eight.startsWith(`classes ${listed.join(", ")} weigh 0 on all their training rows`),
    eight,
  );
  // No class weighs more than 0: none is said to be learnt alone.
  assert.deepEqual(zeroWeightClassWarnings([2, 3], [0, 0], ["a", "b"]), [
    'classes "a" (2 rows), "b" (3 rows) weigh 0 on all their training rows: training leaves ' +
    "them out, so the model learns never to predict them",
  ]);
});

Deno.test("fitStream warns of a class weighted 0 as fit does", async () => {
  const { x, y, classes } = threeClasses();
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const lines = ["u,v,label"];
    for (let i = 0; i < x.rows; i++) {
      lines.push(`${x.data[2 * i]},${x.data[2 * i + 1]},${classes[y[i]]}`);
    }
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    const opts = { optimizer: { kind: "sgd", epochs: 2 } } as const;
    const r = await fitStream(file, { ...opts, classWeight: { a: 0 } });
    assert.ok(r.warnings.includes(ONE), JSON.stringify(r.warnings));
    const plain = await fitStream(file, { ...opts, classWeight: { a: 1 } });
    assert.ok(!plain.warnings.some((w) => w.includes("weighs 0")), JSON.stringify(plain.warnings));
    // One epoch reads the weights as well.
    const once = await fitStream(file, {
      optimizer: { kind: "sgd", epochs: 1 },
      classWeight: { a: 0 },
    });
    assert.ok(once.warnings.includes(ONE), JSON.stringify(once.warnings));
    const onceOn = await fitStream(file, {
      optimizer: { kind: "sgd", epochs: 1 },
      classWeight: { a: 1 },
    });
    assert.ok(!onceOn.warnings.some((w) => w.includes("weigh")), JSON.stringify(onceOn.warnings));
  } finally {
    await Deno.remove(file);
  }
});
