import assert from "node:assert/strict";
import { parseCommandArgs } from "../../lib/cli/args.ts";
import { DATA_OPTIONS, loadData, splitRowsInPlace } from "../../lib/cli/data_options.ts";
import { createPrng } from "../../lib/core/random.ts";
import { parseCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";

/** Random features (each value tells its row apart) and labels of `classes` classes. */
function randomData(rows: number, cols: number, classes: number, seed: number, f32: boolean) {
  const prng = createPrng(seed);
  const data = f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(prng() * 1000 - 500);
  const y = Int32Array.from({ length: rows }, () => Math.floor(prng() * classes));
  return { x: { data, rows, cols }, y };
}

Deno.test("splitting rows in place gives the copying split's rows in its order, as views of the matrix", () => {
  let cases = 0;
  for (
    const [rows, cols, classes] of [[2, 1, 1], [9, 3, 2], [100, 7, 3], [1000, 1, 5], [257, 20, 2]]
  ) {
    for (const f32 of [false, true]) {
      for (const seed of [0, 1, 12345]) {
        for (const options of [{ seed }, { seed, testFraction: 0.5 }, { seed, stratify: false }]) {
          const { x, y } = randomData(rows, cols, classes, seed + rows, f32);
          const original = x.data.slice();
          const yBefore = y.slice();
          const expected = trainTestSplit(x, y, options);
          // trainTestSplit left x as it was; the in-place split then rearranges it.
          assert.deepEqual(x.data, original);
          const got = splitRowsInPlace(x, y, options);
          const at = `${rows} x ${cols}, ${f32 ? "float32" : "float64"}, ${
            JSON.stringify(options)
          }`;
          assert.deepEqual(got.xTrain, expected.xTrain, at);
          assert.deepEqual(got.xTest, expected.xTest, at);
          assert.deepEqual(got.yTrain, expected.yTrain, at);
          assert.deepEqual(got.yTest, expected.yTest, at);
          assert.deepEqual(got.trainIndex, expected.trainIndex, at);
          // No copy: both parts are the matrix's own memory, the training rows first.
          assert.equal(got.xTrain.data.buffer, x.data.buffer, at);
          assert.equal(got.xTest.data.buffer, x.data.buffer, at);
          assert.equal(got.xTrain.data.byteOffset, 0, at);
          assert.equal(got.xTest.data.byteOffset, got.xTrain.data.byteLength, at);
          assert.equal(got.xTrain.data.length + got.xTest.data.length, x.data.length, at);
          // The labels are not moved.
          assert.deepEqual(y, yBefore, at);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 90);
});

Deno.test("splitting rows in place refuses what the copying split refuses, in its words", () => {
  const x = { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2 };
  const y = Int32Array.from([0, 1]);
  const message = (() => {
    try {
      trainTestSplit(x, y, {});
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail("trainTestSplit took two samples of two classes");
  })();
  assert.match(message, /^Cannot split data: 2 samples /);
  assert.throws(() => splitRowsInPlace(x, y, {}), { name: "RangeError", message });
  assert.deepEqual([...x.data], [1, 2, 3, 4]);
});

Deno.test("lrc's --data file is split in place into the copying split's parts, an embedded set by copying", async () => {
  const command = { name: "t", summary: "t", options: DATA_OPTIONS, run: () => Promise.resolve(0) };
  const prng = createPrng(7);
  let text = "a,b,c,y\n";
  for (let i = 0; i < 60; i++) {
    text += `${i},${Math.floor(prng() * 100)},${(prng() * 10).toFixed(3)},${i % 3}\n`;
  }
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    const args = parseCommandArgs(command, ["--data", file, "--seed", "3"]);
    const got = await loadData(args);
    const d = parseCsv(text);
    const expected = trainTestSplit(d.x, d.y, { seed: 3 });
    assert.deepEqual(got.train.x, expected.xTrain);
    assert.deepEqual(got.train.y, expected.yTrain);
    assert.deepEqual(got.test.x, expected.xTest);
    assert.deepEqual(got.test.y, expected.yTest);
    assert.equal(got.train.x.data.buffer, got.test.x.data.buffer);
  } finally {
    await Deno.remove(file);
  }
  // The embedded set may be cached: it is copied, and parts of it are not views of one matrix.
  const iris = await loadData(parseCommandArgs(command, ["--dataset", "iris"]));
  assert.notEqual(iris.train.x.data.buffer, iris.test.x.data.buffer);
  const again = await loadData(parseCommandArgs(command, ["--dataset", "iris"]));
  assert.deepEqual(again.train.x, iris.train.x);
});
