import assert from "node:assert/strict";
import type { Matrix } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";

Deno.test("training from a streamed CSV reaches the accuracy of in-memory SGD on digits", async () => {
  const digits = await loadEmbedded("digits");
  const split = trainTestSplit(digits.x, digits.y, { seed: 0 });
  const d = digits.x.cols;
  const lines = [[...digits.featureNames, "digit"].join(",")];
  for (let i = 0; i < split.xTrain.rows; i++) {
    const row = Array.from(split.xTrain.data.subarray(i * d, (i + 1) * d));
    lines.push([...row, digits.classes[split.yTrain[i]]].join(","));
  }
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  try {
    const optimizer = { kind: "sgd", epochs: 10, batchSize: 32, learningRate: 0.05 } as const;
    const streamed = await fitStream(file, { optimizer, blockRows: 256, seed: 3 });
    const inMemory = fit(split.xTrain, split.yTrain, {
      optimizer,
      classes: digits.classes,
      seed: 3,
    });
    assert.deepEqual(streamed.model.classes, digits.classes);
    assert.equal(streamed.history.length, 10);
    const a = accuracy(split.yTest, predict(streamed.model, split.xTest));
    const b = accuracy(split.yTest, predict(inMemory.model, split.xTest));
    assert.ok(a > 0.93 && a > b - 0.02, `streamed ${a}, in memory ${b}`);
    // Same seed, same model.
    const again = await fitStream(file, { optimizer, blockRows: 256, seed: 3 });
    assert.deepEqual(again.model.weights.data, streamed.model.weights.data);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("fitStream refuses L-BFGS and single-class files", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(file, "x,y\n1,a\n2,a\n");
  try {
    await assert.rejects(
      () => fitStream(file, { optimizer: { kind: "lbfgs" } as never }),
      /streaming trains with sgd or adam/,
    );
    await assert.rejects(() => fitStream(file), /single class/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("fitStream refuses validation data that do not fit the file, as fit does", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,b,y\n1,2,0\n2,1,1\n3,3,0\n0,1,1\n");
    const optimizer = { kind: "sgd", epochs: 1 } as const;
    const cases: [{ x: Matrix; y: Int32Array }, RegExp][] = [
      [
        { x: { data: new Float64Array(6), rows: 2, cols: 3 }, y: new Int32Array(2) },
        /has 3 columns, the file has 2/,
      ],
      [{ x: { data: new Float64Array(4), rows: 2, cols: 2 }, y: Int32Array.from([0, 7]) }, /label/],
      [
        { x: { data: Float64Array.from([0, NaN, 1, 1]), rows: 2, cols: 2 }, y: new Int32Array(2) },
        /NaN|not finite|finite/,
      ],
    ];
    for (const [validation, message] of cases) {
      await assert.rejects(() => fitStream(file, { optimizer, validation }), message);
    }
  } finally {
    await Deno.remove(file);
  }
});
