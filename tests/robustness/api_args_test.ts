import assert from "node:assert/strict";
import {
  classesFromScores,
  compressModel,
  confusionMatrix,
  createCompressionSession,
  createRefitSession,
  decisionFunction,
  decodeModel,
  encodeModel,
  exportOnnx,
  fit,
  gzipSize,
  loadEmbedded,
  macroF1,
  oneHot,
  parseCsv,
  predict,
  probabilitiesFromScores,
  pruneModel,
  quantizationAwareTraining,
  quantizationSweep,
  quantizedDecisionFunction,
  quantizeModel,
  readCsv,
  searchCompression,
  sweepCompression,
  trainTestSplit,
  writeFileAtomic,
} from "../../lib/mod.ts";
import { fromRows, matrix, takeColumns, takeRows } from "../../lib/core/matrix.ts";
import { withMask } from "../../lib/prune/prune_model.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import { runOnnx } from "../../lib/onnx/runtime.ts";
import { onnxRuntimeProblem } from "../_helpers/onnxruntime.ts";

// Bad arguments a JavaScript caller can pass: each is refused with a "Cannot ..." TypeError or
// RangeError naming the argument, never an internal error deep inside or a silently wrong result
// (a second review of the public API found each of these).
const cancer = await loadEmbedded("breast-cancer");
const { model } = fit(cancer.x, cancer.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
const q = quantizeModel(model);

Deno.test("null options are refused by name in the headline functions", () => {
  const calls: [string, () => unknown][] = [
    ["fit", () => fit(cancer.x, cancer.y, null as never)],
    ["predict", () => predict(model, cancer.x, null as never)],
    ["decisionFunction", () => decisionFunction(model, cancer.x, null as never)],
    ["quantizeModel", () => quantizeModel(model, null as never)],
    ["parseCsv", () => parseCsv("a,y\n1,0\n2,1\n", null as never)],
    ["encodeModel", () => encodeModel(model, null as never)],
    ["decodeModel", () => decodeModel(encodeModel(model), null as never)],
    ["exportOnnx", () => exportOnnx(model, null as never)],
    ["trainTestSplit", () => trainTestSplit(cancer.x, cancer.y, null as never)],
    ["compressModel", () => compressModel(cancer, null as never)],
    ["createCompressionSession", () => createCompressionSession(cancer, null as never)],
    ["sweepCompression", () => sweepCompression(cancer, null as never)],
    ["searchCompression", () => searchCompression(cancer, null as never)],
    ["createRefitSession", () => createRefitSession(cancer, null as never)],
    ["session.sweep", () => createCompressionSession(cancer).sweep(null as never)],
    ["session.search", () => createCompressionSession(cancer).search(null as never)],
    ["quantizedDecisionFunction", () => quantizedDecisionFunction(q, cancer.x, null as never)],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, {
      name: "TypeError",
      message: /^Cannot .*: options must be an object, got null$/,
    }, name);
  }
  assert.throws(() => pruneModel(model, null as never), /options must be an object/);
  assert.throws(
    () => createCompressionSession(cancer).searchWithinBytes(null as never),
    { name: "TypeError", message: /options must be an object with maxBytes/ },
  );
  assert.throws(() => parseCsv(null as never), /text must be a string, got null/);
});

Deno.test("readCsv refuses null options by name, before it reads the file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, "a,y\n1,0\n2,1\n");
    await assert.rejects(() => readCsv(path, null as never), {
      name: "TypeError",
      message: /^Cannot read CSV '.*': options must be an object, got null$/,
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("fit refuses class labels and feature names no model may have, before training", () => {
  assert.throws(
    () => fit(cancer.x, cancer.y, { classes: ["a", "a"] }),
    /class labels 0 and 1 are both "a"/,
  );
  assert.throws(
    () => fit(cancer.x, cancer.y, { classes: [1, 2] as never }),
    /classes must be an array of at least two strings, but classes\[0\] is number 1/,
  );
  const names = Array.from({ length: 30 }, (_, j) => j);
  assert.throws(
    () => fit(cancer.x, cancer.y, { featureNames: names as never }),
    /featureNames must be an array of 30 strings, but featureNames\[0\] is number 0/,
  );
  // Not an array: refused as 'undefined feature names for 30 columns of x'.
  assert.throws(
    () => fit(cancer.x, cancer.y, { featureNames: 30 as never }),
    /featureNames must be an array of 30 strings, got number 30$/,
  );
});

Deno.test("scores of the wrong shape and bad class counts are refused, not turned into numbers", () => {
  const three = { link: "softmax" as const, classes: ["a", "b", "c"] };
  const oneColumn = { data: new Float64Array(4), rows: 4, cols: 1 };
  assert.throws(
    () => probabilitiesFromScores(three, oneColumn),
    /scores have 1 column, a softmax model of 3 classes gives 3$/,
  );
  assert.throws(() => classesFromScores("3" as never), TypeError);
  const y = Int32Array.from([0, 1, 0]);
  assert.throws(() => confusionMatrix(y, y, "3" as never), /nClasses must be an integer/);
  assert.throws(() => macroF1(y, y, 1.5), /nClasses must be an integer/);
  assert.throws(() => oneHot(y, 1.5), /nClasses must be an integer/);
});

Deno.test("files and bytes of the wrong type are refused with the argument named", async () => {
  await assert.rejects(
    () => writeFileAtomic(undefined as never, new Uint8Array(1)),
    /path must be a non-empty string/,
  );
  const tmp = await Deno.makeTempFile();
  try {
    await assert.rejects(() => writeFileAtomic(tmp, "text" as never), /bytes must be a Uint8Array/);
  } finally {
    await Deno.remove(tmp);
  }
  await assert.rejects(() => gzipSize("abc" as never), /bytes must be a Uint8Array/);
});

const ortProblem = await onnxRuntimeProblem();
Deno.test({
  name: `bytes onnxruntime cannot load are a SyntaxError, not a plain Error${
    ortProblem ? ` (skipped: ${ortProblem})` : ""
  }`,
  ignore: ortProblem !== null,
  async fn() {
    await assert.rejects(() => runOnnx(new Uint8Array([1, 2, 3]), cancer.x), {
      name: "SyntaxError",
      message: /^Cannot run ONNX model: onnxruntime cannot load it/,
    });
  },
});

Deno.test("quantization settings that would be recorded but not used are refused", () => {
  assert.throws(
    () =>
      quantizationAwareTraining(model, cancer, {
        method: { kind: "uniform", bits: 4, rounding: { kind: "stochastic", seed: 7 } },
      }),
    /quantization-aware training rounds to nearest/,
  );
  assert.throws(
    () => quantizationAwareTraining(model, undefined as never),
    /data must be an object \{ x, y \}/,
  );
  assert.throws(
    () =>
      quantizationSweep(model, { test: cancer }, {
        bits: [8, 1],
        entries: [{ name: "km5", method: { kind: "kmeans", levels: 5 } }],
      }),
    /sets k-means levels, which fix its bits/,
  );
  for (const threads of [0, 1.5]) {
    assert.throws(
      () => quantizedDecisionFunction(q, cancer.x, { threads }),
      /threads must be an integer/,
    );
  }
});

Deno.test("a -0 bias becomes 0 when quantized, so the JSON form round-trips exactly", () => {
  const negZero = { ...model, bias: Float64Array.of(-0) };
  for (const bias of ["float32", "float64"] as const) {
    const qz = quantizeModel(negZero, { bias });
    assert.ok(Object.is(qz.bias.values[0], 0), bias);
    assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(qz)), qz);
  }
});

Deno.test("the matrix helpers refuse what is not a matrix or a list of indices", () => {
  assert.throws(
    () => matrix([1, 2, 3, 4] as never, 2, 2),
    /data must be a Float64Array or Float32Array/,
  );
  assert.throws(() => matrix(new Int32Array(4) as never, 2, 2), /data must be a Float64Array/);
  assert.throws(() => fromRows([[1, "a"]] as never), /row 0, column 1 is string, not a number/);
  assert.throws(() => fromRows("3" as never), /rows must be an array of arrays/);
  assert.throws(() => fromRows([[1, 2], null] as never), /rows must be an array of arrays/);
  const x = fromRows([[1, 2], [3, 4]]);
  assert.throws(() => takeRows(x, 1.5 as never), /indices must be an array of integers/);
  assert.throws(() => takeColumns(x, 1.5 as never), /indices must be an array of integers/);
  assert.throws(() => takeRows({ data: [1, 2, 3, 4], rows: 2, cols: 2 } as never, [0]), TypeError);
  assert.deepEqual([...fromRows([Float64Array.of(1, 2)] as never).data], [1, 2]);
  assert.throws(() => withMask(model, null as never), /mask must be a Uint8Array, got null/);
});

Deno.test("integer inference refuses a quantized model that was not prepared, and says what to do", async () => {
  const { integerPredict, quantizeInputs } = await import("../../lib/quant/integer.ts");
  for (
    const call of [
      () => integerPredict(q as never, cancer.x),
      () => quantizeInputs(q as never, cancer.x),
    ]
  ) {
    assert.throws(call, {
      name: "TypeError",
      message: /the model is not an integer model; call prepareIntegerModel on the quantized model/,
    });
  }
  assert.throws(() => integerPredict({} as never, cancer.x), /the model is not an integer model$/);
});
