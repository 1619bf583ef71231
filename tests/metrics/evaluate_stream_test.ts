import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { evaluateStream } from "../../lib/metrics/evaluate_stream.ts";
import { ScoresByClass } from "../../lib/metrics/auc_stream.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

Deno.test("evaluateStream gives evaluate's metrics on the same rows, batch by batch", async () => {
  const data = await loadEmbedded("breast-cancer");
  const { model } = fit(data.x, data.y, {
    classes: ["1.0", "2.0"],
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const d = data.x.cols;
    const lines = [[...data.featureNames.map((_, j) => `f${j}`), "y"].join(",")];
    for (let i = 0; i < data.x.rows; i++) {
      const row = Array.from({ length: d }, (_, j) => String(data.x.data[i * d + j]));
      lines.push([...row, data.y[i] === 0 ? "1" : "2.00"].join(","));
    }
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    // The reference reads the same float64 values the stream parses.
    const reference = evaluate(model, data.x, data.y);
    // Batches of one row, of a prime size that leaves a short last batch, and one batch; the
    // file (over 64 KiB) read in chunks of one read each or of several.
    assert.ok((await Deno.stat(file)).size > 65536);
    for (const [batchSize, chunkBytes] of [[50, 2 ** 20], [1, 1], [7, 13], [4096, 65537]]) {
      const streamed = await evaluateStream(model, file, { batchSize, chunkBytes });
      const at = `batchSize ${batchSize}, chunkBytes ${chunkBytes}`;
      assert.equal(streamed.samples, reference.samples, at);
      assert.equal(streamed.accuracy, reference.accuracy, at);
      assert.ok(Math.abs(streamed.logLoss - reference.logLoss) < 1e-9, at);
      assert.deepEqual(streamed.confusion, reference.confusion, at);
      assert.ok(Math.abs(streamed.macroF1 - reference.macroF1) < 1e-12, at);
      assert.equal(streamed.balancedAccuracy, reference.balancedAccuracy, at);
    }
    // The ROC AUC of the whole file, whatever the batches (not one batch's AUC passed off as the
    // file's: the batches of 50 have both classes, so each has an AUC of its own), against a
    // count of the (positive, negative) pairs the model's scores rank right, ties as halves.
    const scores = decisionFunction(model, data.x);
    const k = scores.cols, z = scores.data;
    const s = (i: number) => k === 1 ? z[i] : z[2 * i + 1] - z[2 * i];
    const auc = pairwiseAuc(data.y, Array.from({ length: data.x.rows }, (_, i) => s(i)));
    assert.ok(auc > 0.9 && auc < 1, `AUC ${auc}`);
    for (const batchSize of [50, 1, 7, 4096]) {
      const streamed = await evaluateStream(model, file, { batchSize });
      assertClose(streamed.rocAuc!, auc, {
        rtol: 1e-14,
        message: `ROC AUC, batchSize ${batchSize}`,
      });
    }

    // An unknown label is refused with its line, blank lines counted.
    lines.splice(2, 0, "", "");
    lines[4] = lines[4].replace(/,[^,]*$/, ",3");
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    await assert.rejects(
      () => evaluateStream(model, file),
      /label "3" on line 5 is not one of its classes/,
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream reads the model's features by name, in any order, and refuses a header naming only some", async () => {
  const data = await loadEmbedded("breast-cancer");
  const { model } = fit(data.x, data.y, {
    classes: data.classes,
    featureNames: data.featureNames,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  const d = data.x.cols;
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const write = (order: number[], names: readonly string[], extra = false) =>
    Deno.writeTextFile(
      file,
      [
        [...order.map((j) => names[j]), ...(extra ? ["note"] : []), "label"].join(","),
        ...Array.from({ length: data.x.rows }, (_, i) =>
          [
            ...order.map((j) => String(data.x.data[i * d + j])),
            ...(extra ? ["free text"] : []),
            data.classes[data.y[i]],
          ].join(",")),
      ].join("\n") + "\n",
    );
  try {
    const reference = evaluate(model, data.x, data.y);
    // Reversed columns and an extra text column: read by name.
    const reversed = Array.from({ length: d }, (_, j) => d - 1 - j);
    await write(reversed, data.featureNames, true);
    const byName = await evaluateStream(model, file);
    assert.equal(byName.accuracy, reference.accuracy);
    assert.deepEqual(byName.confusion, reference.confusion);
    // Names the model does not know: by position, as before.
    const generic = data.featureNames.map((_, j) => `c${j}`);
    await write(Array.from({ length: d }, (_, j) => j), generic);
    assert.equal((await evaluateStream(model, file)).accuracy, reference.accuracy);
    // Some of its names only: refused.
    await write(Array.from({ length: d }, (_, j) => j), [
      ...data.featureNames.slice(0, 3),
      ...generic.slice(3),
    ]);
    await assert.rejects(() => evaluateStream(model, file), /names 3 of its features but not/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream counts the right predictions exactly across batches", async () => {
  // Summing accuracy times batch size gave 15.999999999999998 right of 23: 0.6956521739130433.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(1), rows: 1, cols: 1 },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  // 15 of the first 22 rows right (x > 0 predicts b), then one more right.
  const rows = Array.from({ length: 23 }, (_, i) => `${i < 15 || i === 22 ? 1 : -1},b`);
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, ["x,y", ...rows].join("\n") + "\n");
    const e = await evaluateStream(model, file, { batchSize: 22 });
    assert.equal(e.samples, 23);
    assert.equal(e.accuracy, 16 / 23);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream's ROC AUC: two-column scores, ties as halves, null for one class or three", async () => {
  // A two-class softmax ranks by its second score less the first: (-1 - -2) x = x here, with
  // whole numbers that tie. Positives (b) at x = 1, 2, 2; negatives (a) at x = 0, 2, 3: of the 9
  // pairs, 1 > 0, 2 > 0 twice, 2 = 2 twice (halves): 3 + 1 = 4 of 9. Either score alone ranks by
  // -x (5 of 9).
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data: Float64Array.of(-2, -1), rows: 2, cols: 1 },
    bias: Float64Array.of(5, -7),
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "x,y\n1,b\n0,a\n2,b\n2,a\n3,a\n2,b\n");
    for (const batchSize of [1, 2, 4, 100]) {
      const e = await evaluateStream(model, file, { batchSize });
      assert.equal(e.rocAuc, 4 / 9, `batchSize ${batchSize}`);
    }
    // One class in the kept rows: no AUC.
    const onlyB = await evaluateStream(model, file, { rowFilter: (r) => r % 2 === 0 && r < 4 });
    assert.equal(onlyB.samples, 2);
    assert.equal(onlyB.rocAuc, null);
    // Three classes: none.
    const three: LogisticModel = {
      ...model,
      weights: { data: Float64Array.of(1, 2, 3), rows: 3, cols: 1 },
      bias: Float64Array.of(0, 0, 0),
      classes: ["a", "b", "c"],
    };
    const e3 = await evaluateStream(three, file);
    assert.equal(e3.samples, 6);
    assert.equal(e3.rocAuc, null);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream with rocAuc false keeps no score: its AUC is null where the default's is the pairs won", async () => {
  // Positives (b) at x = 1, 2, 2; negatives (a) at x = 0, 2, 3 under a sigmoid scoring x: of the
  // 9 pairs, 3 won and 2 tied (halves): 4 / 9.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(1), rows: 1, cols: 1 },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  // Every batch of scores kept for the AUC goes through ScoresByClass.add: counted here.
  const add = ScoresByClass.prototype.add;
  let added = 0;
  ScoresByClass.prototype.add = function (this: ScoresByClass, ...a: Parameters<typeof add>) {
    added++;
    return add.apply(this, a);
  };
  try {
    await Deno.writeTextFile(file, "x,y\n1,b\n0,a\n2,b\n2,a\n3,a\n2,b\n");
    const on = await evaluateStream(model, file, { batchSize: 2 });
    assert.equal(on.rocAuc, 4 / 9);
    assert.equal(added, 3, "three batches of two rows kept");
    added = 0;
    const off = await evaluateStream(model, file, { batchSize: 2, rocAuc: false });
    assert.equal(off.rocAuc, null);
    assert.equal(added, 0, "no score kept");
    // The other metrics do not change: x > 0 predicts b, right on rows 1, 2, 3 and 6.
    assert.deepEqual(off, { ...on, rocAuc: null });
    assert.equal(off.accuracy, 4 / 6);
    // rocAuc: true is the default.
    assert.equal((await evaluateStream(model, file, { rocAuc: true })).rocAuc, 4 / 9);
    await assert.rejects(
      // @ts-expect-error: not a boolean
      () => evaluateStream(model, file, { rocAuc: "no" }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message === 'Cannot evaluate model: rocAuc must be a boolean, got string "no"',
    );
  } finally {
    ScoresByClass.prototype.add = add;
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream refuses a value that is not a model with a TypeError naming the problem", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,y\n1,x\n2,z\n");
    // Each was a bare "Cannot read properties of ..." from reading the model's fields.
    await assert.rejects(
      () => evaluateStream(null as unknown as LogisticModel, file),
      (e: Error) =>
        e instanceof TypeError && e.message === "Cannot evaluate model: the model is not an object",
    );
    await assert.rejects(
      () => evaluateStream({} as LogisticModel, file),
      (e: Error) =>
        e instanceof TypeError && /^Cannot evaluate model: kind must be/.test(e.message),
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream refuses label null: the metrics need a label column", async () => {
  const data = await loadEmbedded("breast-cancer");
  const { model } = fit(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 5 } });
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const d = data.x.cols;
    const lines = [[...model.featureNames, "y"].join(",")];
    for (let i = 0; i < 3; i++) {
      lines.push([...data.x.data.subarray(i * d, (i + 1) * d), model.classes[data.y[i]]].join(","));
    }
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    // It read the file without labels and blamed the first row: "label 'undefined' on line 2".
    await assert.rejects(
      () => evaluateStream(model, file, { label: null as unknown as string }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message ===
          "Cannot evaluate model: label is null: give a value, or leave it out for its default",
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream refuses a file with no rows to evaluate, and names at most five missing features", async () => {
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: new Float64Array(8), rows: 1, cols: 8 },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames: ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"],
    preprocessing: { kind: "none" },
  };
  const names = model.featureNames;
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    // A header and no rows: the metrics of nothing would be 0 / 0.
    await Deno.writeTextFile(file, [...names, "y"].join(",") + "\n");
    await assert.rejects(() => evaluateStream(model, file), {
      name: "RangeError",
      message: "Cannot evaluate model: no rows to evaluate",
    });
    // A header naming 3 of the 8 features misses 5: all named; naming 2 misses 6: five, then
    // "..." and the count.
    const row = Array.from({ length: 8 }, () => "0").join(",") + ",a";
    for (const known of [3, 2]) {
      const header = names.map((n, j) => (j < known ? n : `c${j}`));
      await Deno.writeTextFile(file, [[...header, "y"].join(","), row].join("\n") + "\n");
      const missing = names.slice(known, known + 5).map((n) => `"${n}"`).join(",");
      await assert.rejects(() => evaluateStream(model, file), {
        name: "RangeError",
        message: `Cannot evaluate model: the header of '${file}' names ${known} of its features ` +
          `but not [${missing}${known === 2 ? ", ...] (6 names)" : "]"}`,
      });
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream quotes missing features and an unknown label by quotedText, cut short when long", async () => {
  // Both were printed whole in single quotes (five names of 10,000 characters made a message of
  // 50,000). Oracle: quotedText's and quotedList's forms (the first 60 characters of a name, then
  // its length; at most 5 names, then the count), written out.
  const long = (j: number) => String(j % 10).repeat(10000);
  const featureNames = Array.from({ length: 100 }, (_, j) => long(j) + j);
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: new Float64Array(100), rows: 1, cols: 100 },
    bias: Float64Array.of(0),
    classes: ["a", "b"],
    featureNames,
    preprocessing: { kind: "none" },
  };
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  const row = (label: string) => [...featureNames.map(() => "0"), label].join(",");
  try {
    // The header names the first feature only: 99 are missing.
    const header = featureNames.map((n, j) => (j === 0 ? n : `c${j}`));
    await Deno.writeTextFile(file, [[...header, "y"].join(","), row("a")].join("\n") + "\n");
    const shown = [1, 2, 3, 4, 5].map((j) => `"${String(j).repeat(60)}"... (10001 characters)`);
    const missing = `[${shown.join(",")}, ...] (99 names)`;
    await assert.rejects(() => evaluateStream(model, file), (e: Error) => {
      assert.equal(
        e.message,
        `Cannot evaluate model: the header of '${file}' names 1 of its features but not ${missing}`,
      );
      assert.ok(e.message.length < 600 + file.length, `${e.message.length} characters`);
      return e instanceof RangeError;
    });
    // All features named, a label of 10,000 characters on line 3.
    const label = "z".repeat(10000);
    await Deno.writeTextFile(
      file,
      [[...featureNames, "y"].join(","), row("a"), row(label)].join("\n") + "\n",
    );
    await assert.rejects(() => evaluateStream(model, file), (e: Error) => {
      assert.equal(
        e.message,
        `Cannot evaluate model: label "${"z".repeat(60)}"... (10000 characters) on line 3 is ` +
          "not one of its classes",
      );
      return e instanceof RangeError;
    });
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("evaluateStream reads values as float64, not float32: x = 1 + k 2^-30 scores k", async () => {
  // The other tests here write breast cancer's values, which float32 holds exactly, so reading
  // the file as float32 (readCsvBatches' default) gave the same metrics. Here the score is
  // 2^30 x - 2^30 = k exactly in float64, while float32 rounds every x to 1 (its step at 1 is
  // 2^-23) and every score to 0, which predicts class a.
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.of(2 ** 30), rows: 1, cols: 1 },
    bias: Float64Array.of(-(2 ** 30)),
    classes: ["a", "b"],
    featureNames: ["x"],
    preprocessing: { kind: "none" },
  };
  const ks = [-3, -2, -1, 0, 1, 2, 3];
  const rows = ks.map((k) => `${1 + k * 2 ** -30},${k > 0 ? "b" : "a"}`);
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, ["x,y", ...rows].join("\n") + "\n");
    const e = await evaluateStream(model, file, { batchSize: 3 });
    // Closed form: every row right (score 0 is class a), and the loss of a row at score k is
    // log(1 + e^-|k|) either side (log 2 at k = 0); float32 would give 4 / 7 right and log 2.
    assert.equal(e.samples, 7);
    assert.equal(e.accuracy, 1);
    assert.deepEqual(e.confusion, [[4, 0], [0, 3]]);
    const loss = ks.reduce((s, k) => s + Math.log1p(Math.exp(-Math.abs(k))), 0) / 7;
    assert.ok(Math.abs(e.logLoss - loss) < 1e-12, `${e.logLoss} vs ${loss}`);
  } finally {
    await Deno.remove(file);
  }
});
