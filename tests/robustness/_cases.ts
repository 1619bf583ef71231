/**
 * The bad inputs of issue 8, one entry per case: what is tried, the call, and the error it must
 * end in. `errors_test.ts` runs each and checks the error's type and message; the README's
 * Robustness section lists the same cases.
 *
 * @module
 */

import { fromRows, type Matrix } from "../../lib/core/matrix.ts";
import { parseCsv, parseCsvStream, readCsv } from "../../lib/data/csv.ts";
import { encodeLabels } from "../../lib/data/dataset.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fitStandardizer, trainTestSplit } from "../../lib/data/preprocess.ts";
import { writeFileAtomic } from "../../lib/io/atomic.ts";
import { crc32 } from "../../lib/io/crc32.ts";
import { decodeModel, encodeModel, loadModel, saveModel } from "../../lib/io/model_file.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { fit } from "../../lib/model/fit.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { decisionFunction, predict, predictProba } from "../../lib/model/predict.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { GraphBuilder, valueInfo } from "../../lib/onnx/graph.ts";
import { importOnnxModel } from "../../lib/onnx/import.ts";
import { encodeOnnx } from "../../lib/onnx/protobuf.ts";
import { dequantizeTensor } from "../../lib/quant/dequantize.ts";
import {
  calibrateInput,
  integerPredict,
  integerScoresFromCodes,
  prepareIntegerModel,
  quantizeInputs,
} from "../../lib/quant/integer.ts";
import { kmeans1d } from "../../lib/quant/kmeans.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { quantizedPredict } from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { fineTuneCodebook, quantizationAwareTraining } from "../../lib/quant/qat.ts";
import {
  type QuantizationMethod,
  quantizeOnGrid,
  quantizeTensor,
} from "../../lib/quant/quantize.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import { pruneMask, type PruneTarget } from "../../lib/prune/mask.ts";
import { withMask } from "../../lib/prune/prune_model.ts";
import { magnitudeScores } from "../../lib/prune/scores.ts";
import { pruneSweep } from "../../lib/prune/sweep.ts";
import { searchCompression } from "../../lib/compress/session.ts";

/** One bad input and the error it must get. */
export interface ErrorCase {
  /** The area of the issue's list it belongs to. */
  readonly area: "CSV" | "arrays and options" | "numerics" | "model files" | "saving";
  /** What is tried, as the README lists it. */
  readonly input: string;
  /** The call; it must throw (or reject). */
  readonly run: () => unknown;
  /** The error's class. */
  readonly type: typeof TypeError | typeof RangeError | typeof SyntaxError;
  /** The error's message. */
  readonly message: RegExp;
}

// ---- fixtures ---------------------------------------------------------------------------------

const cancer = await loadEmbedded("breast-cancer");
const digits = await loadEmbedded("digits");
/** A binary model on breast cancer (30 features). */
export const binary: LogisticModel = fit(cancer.x, cancer.y, {
  classes: cancer.classes,
  featureNames: cancer.featureNames,
  optimizer: { kind: "lbfgs", maxIterations: 50 },
}).model;
/** A 10-class model on digits (64 features). */
export const multi: LogisticModel = fit(digits.x, digits.y, {
  classes: digits.classes,
  optimizer: { kind: "lbfgs", maxIterations: 30 },
}).model;
export { cancer, digits };

/** `model` with one weight, bias or preprocessing value replaced. */
export function withValue(
  model: LogisticModel,
  where: "weights" | "bias" | "mean",
  index: number,
  value: number,
): LogisticModel {
  if (where === "weights") {
    const data = model.weights.data.slice();
    data[index] = value;
    return { ...model, weights: { ...model.weights, data } };
  }
  if (where === "bias") {
    const bias = model.bias.slice();
    bias[index] = value;
    return { ...model, bias };
  }
  const p = model.preprocessing;
  if (p.kind !== "standardize") throw new TypeError("Cannot edit: no standardisation");
  const mean = p.mean.slice();
  mean[index] = value;
  return { ...model, preprocessing: { ...p, mean } };
}

/** `x` with one value replaced. */
function xWith(x: Matrix, index: number, value: number): Matrix {
  const data = x.data.slice();
  data[index] = value;
  return { ...x, data };
}

/** A two-layer perceptron (MatMul, Relu, MatMul, Softmax) as ONNX bytes. */
export function mlpOnnx(): Uint8Array {
  const g = new GraphBuilder();
  const h = g.op("MatMul", ["input", g.constant("w1", "FLOAT", [3, 4], new Float32Array(12))]);
  const r = g.op("Relu", [h]);
  const z = g.op("MatMul", [r, g.constant("w2", "FLOAT", [4, 2], new Float32Array(8))]);
  g.op("Softmax", [z], { axis: { int: 1 } }, "probabilities");
  return encodeOnnx({
    ir_version: 8,
    opset_import: [{ domain: "", version: 13 }],
    graph: {
      name: "mlp",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", "FLOAT", ["N", 3])],
      output: [valueInfo("probabilities", "FLOAT", ["N", 2])],
    },
  });
}

/**
 * A model file claiming another format version, its checksum recomputed (what a file of a newer
 * version that keeps the framing looks like; a version changed alone reads as corruption).
 */
export function withVersion(bytes: Uint8Array, version: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint16(8, version, true);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const x3 = fromRows([[0, 1], [1, 0], [2, 3], [3, 2]]);
const y3 = Int32Array.from([0, 0, 1, 1]);
const q8 = quantizeModel(binary);
const integer = prepareIntegerModel(calibrateInput(q8, cancer.x));
const goodFile = encodeModel(binary);
const flipped = goodFile.slice();
flipped[100] ^= 0x10;
const newer = withVersion(goodFile, 3);
const badMagic = goodFile.slice();
badMagic[1] = 0x4d;
const json = modelToJson(binary);
const csv = (text: string, options = {}) => () => parseCsv(text, { fileName: "t.csv", ...options });
const stream = (text: string) => () => parseCsvStream(new Blob([text]).stream(), { fileName: "s" });
const method = (m: unknown) => () => quantizeModel(binary, { method: m as QuantizationMethod });

const tmp = await Deno.makeTempDir({ prefix: "lrc-cases-" });
globalThis.addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));
const bigCsv = `${tmp}/big.csv`;
await Deno.writeTextFile(bigCsv, "a,y\n1,0\n2,1\n");
const saved = `${tmp}/model.lrc`;
await Deno.writeFile(saved, goodFile);

// ---- the cases --------------------------------------------------------------------------------

/** Every case, in the README's order. */
export const ERROR_CASES: readonly ErrorCase[] = [
  // CSV
  {
    area: "CSV",
    input: "readCsv and fitStream: a number where the path belongs",
    run: async () => {
      const [a, b] = await Promise.allSettled([readCsv(3 as never), fitStream(3 as never)]);
      if (
        a.status === "rejected" && b.status === "rejected" && a.reason.message !== b.reason.message
      ) {
        throw new RangeError(`Cannot compare: ${a.reason.message} / ${b.reason.message}`);
      }
      if (b.status === "rejected") throw b.reason;
    },
    type: TypeError,
    message: /^Cannot read CSV: path must be a non-empty string or a file URL, got number 3$/,
  },
  {
    area: "CSV",
    input: "an empty file",
    run: csv(""),
    type: SyntaxError,
    message: /^Cannot read CSV 't.csv': the file is empty$/,
  },
  {
    area: "CSV",
    input: "a file of blank lines",
    run: csv(" \n\t\n\n"),
    type: SyntaxError,
    message: /the file is empty/,
  },
  {
    area: "CSV",
    input: "a header only",
    run: csv("a,b,y\n"),
    type: SyntaxError,
    message: /it has a header but no data rows/,
  },
  {
    area: "CSV",
    input: "a row with a field missing",
    run: csv("a,b,y\n1,2,0\n3,1\n"),
    type: SyntaxError,
    message: /line 3 has 2 fields, the header has 3: column 3 \("y"\) is missing/,
  },
  {
    area: "CSV",
    input: "a row with a field too many",
    run: csv("a,b,y\n1,2,0\n3,1,0,9\n"),
    type: SyntaxError,
    message: /line 3 has 4 fields, the header has 3: column 4 is extra/,
  },
  {
    area: "CSV",
    input: "a non-numeric cell",
    run: csv("a,b,y\n1,2,0\n3,abc,1\n"),
    type: SyntaxError,
    message: /line 3, column 2 \("b"\) holds 'abc', which is not a finite decimal number/,
  },
  {
    area: "CSV",
    input: "a hexadecimal cell (0x10)",
    run: csv("a,y\n0x10,0\n"),
    type: SyntaxError,
    message: /line 2, column 1 \("a"\) holds '0x10', which is not a finite decimal number/,
  },
  {
    area: "CSV",
    input: "an empty cell",
    run: csv("a,b,y\n1,,0\n"),
    type: SyntaxError,
    message: /line 2, column 2 \("b"\) is empty/,
  },
  {
    area: "CSV",
    input: "NaN",
    run: csv("a,y\n1,0\nNaN,1\n"),
    type: SyntaxError,
    message: /line 3, column 1 \("a"\) holds 'NaN', which is not a finite decimal number/,
  },
  {
    area: "CSV",
    input: "inf",
    run: csv("a,y\ninf,0\n"),
    type: SyntaxError,
    message: /holds 'inf', which is not a finite decimal number/,
  },
  {
    area: "CSV",
    input: "1e400",
    run: csv("a,y\n1e400,0\n"),
    type: SyntaxError,
    message: /line 2, column 1 \("a"\) holds '1e400', which overflows to Infinity/,
  },
  {
    area: "CSV",
    input: "an empty label",
    run: csv("a,y\n1,\n"),
    type: SyntaxError,
    message: /line 2, label column 2 \("y"\) is empty/,
  },
  {
    area: "CSV",
    input: "an unclosed quote",
    run: csv('a,y\n1,"0\n'),
    type: SyntaxError,
    message: /line 2, column 2: a quoted cell is never closed/,
  },
  {
    area: "CSV",
    input: "duplicate header names",
    run: csv("a,a,y\n1,2,0\n"),
    type: RangeError,
    message: /line 1, columns 1 and 2 are both named "a"/,
  },
  {
    area: "CSV",
    input: "an unknown label column",
    run: csv("a,b\n1,0\n", { label: "z" }),
    type: RangeError,
    message: /no column named "z" \(columns: \["a","b"\]\)/,
  },
  {
    area: "CSV",
    input: "a label column index out of range",
    run: csv("a,b\n1,0\n", { label: 5 }),
    type: RangeError,
    message: /label column index 5 is outside 0..1/,
  },
  {
    area: "CSV",
    input: "a single column",
    run: csv("y\n1\n"),
    type: SyntaxError,
    message: /it has 1 column; a feature and a label column are needed/,
  },
  {
    area: "CSV",
    input: "a bad cell in a stream",
    run: stream("a,y\n1,0\n2,1\nx,0\n"),
    type: SyntaxError,
    message: /^Cannot read CSV 's': line 4, column 1 \("a"\) holds 'x'/,
  },
  {
    area: "CSV",
    input: "a missing file",
    run: () => readCsv(`${tmp}/missing.csv`),
    type: TypeError,
    message: /^Cannot read CSV '.*missing.csv': No such file/,
  },
  {
    area: "CSV",
    input: "a directory",
    run: () => readCsv(tmp),
    type: TypeError,
    message: /^Cannot read CSV '.*': it is a folder$/,
  },
  {
    area: "CSV",
    input: "a file over the size limit (maxBytes)",
    run: () => readCsv(bigCsv, { maxBytes: 8 }),
    type: RangeError,
    message: /it is 12 bytes, more than the limit of 8 bytes \(option maxBytes/,
  },

  // arrays and options
  {
    area: "arrays and options",
    input: "fit: labels of another length than the data",
    run: () => fit(x3, y3.subarray(0, 3)),
    type: TypeError,
    message: /^Cannot fit model: data has 4 rows but labels have 3 entries$/,
  },
  {
    area: "arrays and options",
    input: "fit: a matrix whose data length is not rows x cols",
    run: () => fit({ data: new Float64Array(5), rows: 2, cols: 3 }, y3.subarray(0, 2)),
    type: TypeError,
    message: /x is 2 x 3 but holds 5 elements/,
  },
  {
    area: "arrays and options",
    input: "fit: an array of rows instead of a matrix",
    run: () => fit([[0, 1], [1, 0], [2, 3], [3, 2]] as never, y3),
    type: TypeError,
    message:
      /^Cannot fit model: x must be a matrix \{ data, rows, cols \}, got Array\(4\); fromRows\(rows\) makes one from an array of rows/,
  },
  {
    area: "arrays and options",
    input: "predictProba: a typed array instead of a matrix",
    run: () => predictProba(binary, new Float64Array(30) as never),
    type: TypeError,
    message:
      /^Cannot compute scores: x must be a matrix \{ data, rows, cols \}, got Float64Array\(30\); .* matrix\(data, rows, cols\) from a typed array$/,
  },
  {
    area: "arrays and options",
    input: "fit: NaN in the data",
    run: () => fit(xWith(x3, 3, NaN), y3),
    type: RangeError,
    message: /^Cannot fit model: x holds NaN at row 1, column 1$/,
  },
  {
    area: "arrays and options",
    input: "fit: Infinity in the data",
    run: () => fit(xWith(x3, 0, -Infinity), y3),
    type: RangeError,
    message: /x holds -Infinity at row 0, column 0/,
  },
  {
    area: "arrays and options",
    input: "fit: an empty data set",
    run: () => fit({ data: new Float64Array(0), rows: 0, cols: 2 }, new Int32Array(0)),
    type: RangeError,
    message: /^Cannot fit model: x has no rows$/,
  },
  {
    area: "arrays and options",
    input: "fit: no feature columns",
    run: () => fit({ data: new Float64Array(0), rows: 4, cols: 0 }, y3),
    type: RangeError,
    message: /x has no feature columns/,
  },
  {
    area: "arrays and options",
    input: "fit: a label outside the classes",
    run: () => fit(x3, Int32Array.of(0, 1, 2, 1), { classes: ["a", "b"] }),
    type: RangeError,
    message: /label at row 2 is 2, expected in 0..1/,
  },
  {
    area: "arrays and options",
    input: "fit: a label column with one class",
    run: () => fit(x3, new Int32Array(4)),
    type: RangeError,
    message: /the labels hold a single class \("0"\); at least two are needed/,
  },
  {
    area: "arrays and options",
    input: "fit: a mask of the wrong length",
    run: () => fit(x3, y3, { mask: new Uint8Array(3) }),
    type: TypeError,
    message: /mask must be a Uint8Array of 2 entries, got Uint8Array\(3\)/,
  },
  {
    area: "arrays and options",
    input: "fit: a mask entry that is not 0 or 1",
    run: () => fit(x3, y3, { mask: Uint8Array.of(1, 2) }),
    type: RangeError,
    message: /mask\[1\] is 2, not 0 or 1/,
  },
  {
    area: "arrays and options",
    input: "fit: an initial model with a NaN weight",
    run: () => fit(cancer.x, cancer.y, { initial: withValue(binary, "weights", 4, NaN) }),
    type: RangeError,
    message: /^Cannot fit model from the initial model: weights holds NaN at row 0, column 4$/,
  },
  {
    area: "arrays and options",
    input: "fit: an initial model for other data",
    run: () => fit(x3, y3, { initial: binary }),
    type: TypeError,
    message: /^Cannot fit model: the initial model takes 30 features, x has 2$/,
  },
  {
    area: "arrays and options",
    input: "fit: validation data with other columns",
    run: () => fit(x3, y3, { validation: { x: fromRows([[1]]), y: Int32Array.of(0) } }),
    type: TypeError,
    message: /validation.x has 1 column, x has 2/,
  },
  {
    area: "arrays and options",
    input: "fit: a preprocessing with a zero scale",
    run: () =>
      fit(x3, y3, {
        preprocessing: {
          kind: "standardize",
          mean: new Float64Array(2),
          scale: Float64Array.of(1, 0),
        },
      }),
    type: RangeError,
    message: /preprocessing.scale\[1\] is 0; scales must be finite and > 0/,
  },
  {
    area: "arrays and options",
    input: "fit: a preprocessing for other data",
    run: () =>
      fit(x3, y3, {
        preprocessing: {
          kind: "standardize",
          mean: new Float64Array(3),
          scale: new Float64Array(3).fill(1),
        },
      }),
    type: TypeError,
    message: /preprocessing is fitted on 3 features, the data have 2/,
  },
  {
    area: "arrays and options",
    input: "fit: an unknown penalty",
    run: () => fit(x3, y3, { penalty: { kind: "l3" } as never }),
    type: RangeError,
    message: /penalty kind must be none, l1, l2 or elasticnet, got string "l3"/,
  },
  {
    area: "arrays and options",
    input: "fit: a penalty given as a string (scikit-learn's penalty='l1')",
    run: () => fit(x3, y3, { penalty: "l1" as never }),
    type: TypeError,
    message:
      /^Cannot fit model: penalty must be an object such as \{ kind: "l2", lambda: 0\.01 \}, got string "l1"$/,
  },
  {
    area: "arrays and options",
    input: "fit: lambda NaN or Infinity",
    run: () => fit(x3, y3, { penalty: { kind: "l2", lambda: Infinity } }),
    type: RangeError,
    message: /penalty.lambda must be a number in \[0, 1.79\d*e\+308\], got Infinity/,
  },
  {
    area: "arrays and options",
    input: "fit: an infinite learning rate",
    run: () => fit(x3, y3, { optimizer: { kind: "sgd", learningRate: Infinity } }),
    type: RangeError,
    message: /optimizer.learningRate must be a number/,
  },
  {
    area: "arrays and options",
    input: "fit: Adam's beta1 of 1",
    run: () => fit(x3, y3, { optimizer: { kind: "adam", beta1: 1 } }),
    type: RangeError,
    message: /optimizer.beta1 must be a number in \[0, 1\), got 1$/,
  },
  {
    area: "arrays and options",
    input: "fit: Adam's epsilon of 0",
    run: () => fit(x3, y3, { optimizer: { kind: "adam", epsilon: 0 } }),
    type: RangeError,
    message: /optimizer.epsilon must be a number/,
  },
  {
    area: "arrays and options",
    input: "fit: a learning-rate decay of NaN",
    run: () => fit(x3, y3, { optimizer: { kind: "sgd", learningRateDecay: NaN } }),
    type: RangeError,
    message: /optimizer.learningRateDecay must be a number/,
  },
  {
    area: "arrays and options",
    input: "fit: zero epochs",
    run: () => fit(x3, y3, { optimizer: { kind: "adam", epochs: 0 } }),
    type: RangeError,
    message: /optimizer.epochs must be an integer >= 1, got 0/,
  },
  {
    area: "arrays and options",
    input: "fit: a negative early-stopping minDelta",
    run: () =>
      fit(x3, y3, {
        optimizer: { kind: "sgd" },
        validation: { x: x3, y: y3 },
        earlyStopping: { patience: 2, minDelta: -1 },
      }),
    type: RangeError,
    message: /earlyStopping.minDelta must be a number/,
  },
  {
    area: "arrays and options",
    input: "predict: a model with a NaN weight (built by hand)",
    run: () => predict(withValue(binary, "weights", 7, NaN), cancer.x),
    type: RangeError,
    message: /^Cannot compute scores: weights holds NaN at row 0, column 7$/,
  },
  {
    area: "arrays and options",
    input: "predictProba: a model with an infinite bias",
    run: () => predictProba(withValue(multi, "bias", 2, Infinity), digits.x),
    type: RangeError,
    message: /^Cannot compute scores: bias holds Infinity at index 2$/,
  },
  {
    area: "arrays and options",
    input: "evaluate: a model with a NaN standardisation mean",
    run: () => evaluate(withValue(binary, "mean", 0, NaN), cancer.x, cancer.y),
    type: RangeError,
    message: /preprocessing.mean holds NaN at index 0/,
  },
  {
    area: "arrays and options",
    input: "decisionFunction: a hand-built model whose weights are a plain array",
    run: () =>
      decisionFunction(
        { ...binary, weights: { ...binary.weights, data: [...binary.weights.data] as never } },
        cancer.x,
      ),
    type: TypeError,
    message: /^Cannot compute scores: weights must be a matrix of Float64Array storage$/,
  },
  {
    area: "arrays and options",
    input: "predict: data with another number of features",
    run: () => predict(binary, digits.x),
    type: TypeError,
    message: /^Cannot compute scores: the model takes 30 features, x has 64$/,
  },
  {
    area: "arrays and options",
    input: "predict: NaN in the data",
    run: () => predict(binary, xWith(cancer.x, 31, NaN)),
    type: RangeError,
    message: /x holds NaN at row 1, column 1/,
  },
  {
    area: "arrays and options",
    input: "evaluate: labels of another length",
    run: () => evaluate(binary, cancer.x, cancer.y.subarray(1)),
    type: TypeError,
    message: /^Cannot evaluate model: data has 569 rows but labels have 568 entries$/,
  },
  {
    area: "arrays and options",
    input: "evaluate: an empty data set",
    run: () =>
      evaluate(binary, { data: new Float64Array(0), rows: 0, cols: 30 }, new Int32Array(0)),
    type: RangeError,
    message: /^Cannot evaluate model: there are no samples$/,
  },
  {
    area: "arrays and options",
    input: "quantizeModel: a model with a NaN weight",
    run: () => quantizeModel(withValue(binary, "weights", 3, NaN)),
    type: RangeError,
    message: /^Cannot quantize model: weights holds NaN at row 0, column 3$/,
  },
  {
    area: "arrays and options",
    input: "quantizeModel: a mask of the wrong length",
    run: () => quantizeModel({ ...binary, mask: new Uint8Array(7) }),
    type: TypeError,
    message: /mask must be a Uint8Array of 30 entries/,
  },
  {
    area: "arrays and options",
    input: "quantize: 0 bits",
    run: method({ kind: "uniform", bits: 0 }),
    type: RangeError,
    message: /bits must be an integer in \[1, 16\], got 0/,
  },
  {
    area: "arrays and options",
    input: "quantizationAwareTraining: data of another width than the model",
    run: () => quantizationAwareTraining(binary, digits),
    type: TypeError,
    message: /^Cannot train quantized model: the model takes 30 features, data.x has 64$/,
  },
  {
    area: "arrays and options",
    input: "quantizationAwareTraining (k-means): a label beyond the model's classes",
    run: () =>
      quantizationAwareTraining(
        binary,
        { x: cancer.x, y: cancer.y.map((c, i) => i === 3 ? 2 : c) },
        {
          method: { kind: "kmeans", bits: 2 },
        },
      ),
    type: RangeError,
    message: /^Cannot train quantized model: label at row 3 is 2, expected in 0\.\.1$/,
  },
  {
    area: "arrays and options",
    input: "fineTuneCodebook: data that is not a matrix",
    run: () =>
      fineTuneCodebook(quantizeModel(binary, { method: { kind: "kmeans", bits: 2 } }), {
        x: [[1, 2]] as never,
        y: Int32Array.of(0),
      }),
    type: TypeError,
    message:
      /^Cannot fine-tune codebook: data.x must be a matrix \{ data, rows, cols \}, got Array\(1\)/,
  },
  {
    area: "arrays and options",
    input: "quantize: 17 bits",
    run: method({ kind: "uniform", bits: 17 }),
    type: RangeError,
    message: /bits must be an integer in \[1, 16\], got 17/,
  },
  {
    area: "arrays and options",
    input: "quantize: 2.5 bits",
    run: method({ kind: "uniform", bits: 2.5 }),
    type: RangeError,
    message: /bits must be an integer in \[1, 16\], got 2.5/,
  },
  {
    area: "arrays and options",
    input: "quantize: log2 with 9 bits",
    run: method({ kind: "log2", bits: 9 }),
    type: RangeError,
    message: /bits must be an integer in \[1, 8\], got 9/,
  },
  {
    area: "arrays and options",
    input: "quantize: k larger than the number of distinct weights",
    run: method({ kind: "kmeans", levels: 31 }),
    type: RangeError,
    message:
      /k-means with 31 levels needs at least 31 distinct weights per group, the tensor has 30/,
  },
  {
    area: "arrays and options",
    input: "kmeans1d: k larger than the number of distinct values",
    run: () => kmeans1d(Float64Array.of(1, 1, 2), 3),
    type: RangeError,
    message: /^Cannot run k-means: k must be an integer in \[1, 2\], got 3$/,
  },
  {
    area: "arrays and options",
    input: "quantizeTensor: a mask of the wrong length",
    run: () => quantizeTensor(x3, { mask: new Uint8Array(3) }),
    type: TypeError,
    message: /mask must be a Uint8Array of 8 entries/,
  },
  {
    area: "arrays and options",
    input: "quantizeOnGrid: values of another shape than the grid",
    run: () => quantizeOnGrid(q8.weights, x3),
    type: TypeError,
    message: /the grid is 1 x 30, values are 4 x 2/,
  },
  {
    area: "arrays and options",
    input: "quantizeOnGrid: a grid with a NaN scale",
    run: () =>
      quantizeOnGrid({ ...q8.weights, scale: Float32Array.of(NaN) } as never, binary.weights),
    type: RangeError,
    message: /^Cannot quantize onto grid: scale\[0\] is NaN, not finite > 0$/,
  },
  {
    area: "arrays and options",
    input: "dequantizeTensor: a code outside its bit width",
    run: () => dequantizeTensor({ ...q8.weights, codes: new Int8Array(30).fill(-128) } as never),
    type: RangeError,
    message: /code -128 at index 0 is outside -127..127/,
  },
  {
    area: "arrays and options",
    input: "encodeModel: a model with an infinite weight",
    run: () => encodeModel(withValue(binary, "weights", 0, Infinity)),
    type: RangeError,
    message: /^Cannot encode model: weights holds Infinity at row 0, column 0$/,
  },
  {
    area: "arrays and options",
    input: "encodeModel: a mask of the wrong length",
    run: () => encodeModel({ ...binary, mask: new Uint8Array(2) }),
    type: TypeError,
    message: /mask must be a Uint8Array of 30 entries/,
  },
  {
    area: "arrays and options",
    input: "exportOnnx: a model with a NaN weight",
    run: () => exportOnnx(withValue(multi, "weights", 70, NaN)),
    type: RangeError,
    message: /^Cannot export ONNX: weights holds NaN at row 1, column 6$/,
  },
  {
    area: "arrays and options",
    input: "exportOnnx: a mask of the wrong length",
    run: () => exportOnnx({ ...multi, mask: new Uint8Array(64) }),
    type: TypeError,
    message: /^Cannot export ONNX: mask must be a Uint8Array of 640 entries$/,
  },
  {
    area: "arrays and options",
    input: "exportOnnx: an unknown form",
    run: () => exportOnnx(q8, { quantized: "int4" as "qdq" }),
    type: RangeError,
    message: /quantized must be 'qdq' or 'integer', got 'int4'/,
  },
  {
    area: "arrays and options",
    input: "calibrateInput: data with another number of features",
    run: () => calibrateInput(q8, digits.x),
    type: TypeError,
    message: /the model takes 30 features, x has 64/,
  },
  {
    area: "arrays and options",
    input: "calibrateInput: an empty data set",
    run: () => calibrateInput(q8, { data: new Float64Array(0), rows: 0, cols: 30 }),
    type: RangeError,
    message: /x has no rows/,
  },
  {
    area: "arrays and options",
    input: "integerPredict: data with another number of features",
    run: () => integerPredict(integer, digits.x),
    type: TypeError,
    message: /^Cannot compute integer scores: the model takes 30 features, x has 64$/,
  },
  {
    area: "arrays and options",
    input: "integerPredict: NaN in the data",
    run: () => integerPredict(integer, xWith(cancer.x, 0, NaN)),
    type: RangeError,
    message: /x holds NaN at row 0, column 0/,
  },
  {
    area: "arrays and options",
    input: "quantizeInputs: data with another number of features",
    run: () => quantizeInputs(integer, x3),
    type: TypeError,
    message: /the model takes 30 features, x has 2/,
  },
  {
    area: "arrays and options",
    input: "integerScoresFromCodes: codes of the wrong length",
    run: () => integerScoresFromCodes(integer, new Uint8Array(7), 1),
    type: TypeError,
    message: /codes must be a (Uint8|Int8)Array of 30 entries/,
  },
  {
    area: "arrays and options",
    input: "prepareIntegerModel: no input calibration",
    run: () => prepareIntegerModel(q8),
    type: RangeError,
    message: /the model has no input calibration; call calibrateInput first/,
  },
  {
    area: "arrays and options",
    input: "quantizationAwareTraining: 0 bits",
    run: () => quantizationAwareTraining(binary, cancer, { method: { kind: "uniform", bits: 0 } }),
    type: RangeError,
    message: /bits must be an integer in \[1, 16\], got 0/,
  },
  {
    area: "arrays and options",
    input: "encodeLabels: a string where the labels belong",
    run: () => encodeLabels("abc" as never),
    type: TypeError,
    message: /^Cannot encode labels: values must be an array of labels, got string "abc"$/,
  },
  {
    area: "arrays and options",
    input: "encodeLabels: a missing label (null)",
    run: () => encodeLabels(["a", null, "b"] as never),
    type: TypeError,
    message:
      /^Cannot encode labels: values\[1\] is null; a label is a string, a number or a boolean$/,
  },
  {
    area: "arrays and options",
    input: "trainTestSplit: a test fraction of 1",
    run: () => trainTestSplit(x3, y3, { testFraction: 1 }),
    type: RangeError,
    message: /testFraction must be a number in/,
  },
  {
    area: "arrays and options",
    input: "fitStandardizer: an empty data set",
    run: () => fitStandardizer({ data: new Float64Array(0), rows: 0, cols: 2 }),
    type: TypeError,
    message: /^Cannot fit standardizer: x has no rows$/,
  },

  // numerics
  {
    area: "numerics",
    input: "predict: inputs near the float64 limit that overflow the scores",
    run: () => predictProba(multi, { data: new Float64Array(64).fill(1.7e308), rows: 1, cols: 64 }),
    type: RangeError,
    message:
      /^Cannot compute scores: the score of row 0 \(output \d\) is -?Infinity: the inputs are too large for the model's weights$/,
  },
  {
    area: "numerics",
    input: "fit: a learning rate that diverges",
    run: () =>
      fit(x3, y3, {
        optimizer: { kind: "sgd", learningRate: 1e300, epochs: 50 },
        penalty: { kind: "l2", lambda: 1 },
      }),
    type: RangeError,
    message: /the objective became (NaN|Infinity) at epoch \d+; lower the learning rate/,
  },
  {
    area: "numerics",
    input: "quantize: weights beyond the float32 range",
    run: () => quantizeTensor(fromRows([[1e300, -1, 2]])),
    type: RangeError,
    message: /a scale of .* does not fit float32; the weights are too large/,
  },
  {
    area: "numerics",
    input: "quantize (k-means): weights beyond the float32 range",
    run: () =>
      quantizeTensor(fromRows([[1e300, -1, 2]]), { method: { kind: "kmeans", levels: 2 } }),
    type: RangeError,
    message: /a k-means level of 1e\+300 does not fit float32/,
  },
  {
    area: "numerics",
    input: "quantize (float16): a weight beyond the float16 range",
    run: () => quantizeTensor(fromRows([[1, 70000]]), { method: { kind: "float16" } }),
    type: RangeError,
    message: /70000 at row 0, column 1 is beyond the float16 range \(65504\)/,
  },
  {
    area: "numerics",
    input: "quantize (k-means): all-zero weights",
    run: () => quantizeModel(withZeroWeights(binary), { method: { kind: "kmeans", bits: 2 } }),
    type: RangeError,
    message:
      /k-means with 4 levels needs at least 4 distinct weights per group, the tensor has 1; one value cannot be clustered: use a uniform grid/,
  },

  // model files
  {
    area: "model files",
    input: "a model file truncated (here to 100 bytes)",
    run: () => decodeModel(goodFile.subarray(0, 100), { name: "m.lrc" }),
    type: SyntaxError,
    message:
      /^Cannot read model file 'm.lrc': truncated: the header announces \d+ bytes, the file has 100$/,
  },
  {
    area: "model files",
    input: "a model file with one flipped bit",
    run: () => decodeModel(flipped, { name: "m.lrc" }),
    type: SyntaxError,
    message: /checksum mismatch .*: the file is corrupt/,
  },
  {
    area: "model files",
    input: "a wrong magic number",
    run: () => decodeModel(badMagic, { name: "m.lrc" }),
    type: SyntaxError,
    message: /not an lrcompress model file: wrong magic number/,
  },
  {
    area: "model files",
    input: "a newer format version",
    run: () => decodeModel(newer, { name: "m.lrc" }),
    type: RangeError,
    message: /format version 3 is newer than this lrcompress reads \(2\); update lrcompress/,
  },
  {
    area: "model files",
    input: "a missing model file",
    run: () => loadModel(`${tmp}/nope.lrc`),
    type: TypeError,
    message: /^Cannot read model file '.*nope.lrc': No such file/,
  },
  {
    area: "model files",
    input: "a JSON model file cut in half",
    run: () => modelFromJson(json.slice(0, json.length >> 1)),
    type: SyntaxError,
    message: /^Cannot read model: not JSON/,
  },
  {
    area: "model files",
    input: "a JSON file that is not a model",
    run: () => modelFromJson('{"hello": 1}'),
    type: SyntaxError,
    message: /it is not a logistic-regression model \(kind\)/,
  },
  {
    area: "model files",
    input: "a JSON model with a NaN-like weight (null)",
    run: () => modelFromJson(json.replace(/"data":\[[^,\]]+/, '"data":[null')),
    type: SyntaxError,
    message: /weights.data must be an array of numbers/,
  },
  {
    area: "model files",
    input: "a JSON model with a mask entry of 0.5",
    run: () =>
      modelFromJson(
        modelToJson({ ...binary, mask: new Uint8Array(30).fill(1) }).replace(
          '"mask":[1',
          '"mask":[0.5',
        ),
      ),
    type: SyntaxError,
    message: /mask\[0\] is 0.5, not 0 or 1/,
  },
  {
    area: "model files",
    input: "a JSON model of a newer version",
    run: () => modelFromJson(json.replace('"version":1', '"version":7')),
    type: RangeError,
    message: /it has version 7, this lrcompress reads up to 1/,
  },
  {
    area: "model files",
    input: "a quantized JSON model with a code out of range",
    run: () =>
      quantizedModelFromJson(quantizedModelToJson(q8).replace(/"codes":\[-?\d+/, '"codes":[300')),
    type: SyntaxError,
    message: /weights.codes\[0\] is 300, not representable in its type/,
  },
  {
    area: "model files",
    input: "an ONNX file that is not a linear classifier (two layers with Relu)",
    run: () => importOnnxModel(mlpOnnx(), { name: "mlp.onnx" }),
    type: SyntaxError,
    message: /^Cannot import ONNX model 'mlp.onnx': not a linear classifier: .* feeds Relu node/,
  },
  {
    area: "model files",
    input: "an ONNX file that is not protobuf",
    run: () => importOnnxModel(new TextEncoder().encode("hello"), { name: "x.onnx" }),
    type: SyntaxError,
    message: /^Cannot read ONNX model 'x.onnx': not an ONNX protobuf/,
  },
  {
    area: "model files",
    input: "an ONNX file's bytes in an ArrayBuffer (what fetch's arrayBuffer() gives)",
    run: () => importOnnxModel(exportOnnx(binary).buffer as never, { name: "m.onnx" }),
    type: TypeError,
    message:
      /^Cannot import ONNX model 'm.onnx': bytes must be a Uint8Array, got ArrayBuffer; new Uint8Array\(buffer\) wraps an ArrayBuffer$/,
  },

  // saving
  {
    area: "saving",
    input: "a save that fails midway (disk full)",
    run: () =>
      writeFileAtomic(saved, new Uint8Array(100), {
        write: async (f, b) => {
          await f.write(b.subarray(0, 10));
          throw new Error("disk full");
        },
      }),
    type: TypeError,
    message: /^Cannot write '.*model.lrc': disk full$/,
  },
  {
    area: "saving",
    input: "a save into a missing folder",
    run: () => writeFileAtomic(`${tmp}/no/such/m.lrc`, new Uint8Array(1)),
    type: TypeError,
    message: /^Cannot write '.*no\/such\/m.lrc': the folder '.*no\/such' does not exist$/,
  },
  // Pruning
  ...([
    ["a sparsity above 1", { fraction: 1.5 }, /fraction must be a number in \[0, 1\], got 1\.5/],
    ["a negative sparsity", { fraction: -0.1 }, /fraction must be a number in \[0, 1\], got -0\.1/],
    ["a NaN sparsity", { fraction: NaN }, /fraction must be a number in \[0, 1\], got NaN/],
    ["a negative count", { count: -1 }, /count must be an integer >= 0, got -1/],
    ["a fractional count", { count: 2.5 }, /count must be an integer >= 0, got 2\.5/],
    ["a count above the number of weights", { count: 1e9 }, /count 1000000000 exceeds the 640/],
    ["a NaN threshold", { threshold: NaN }, /threshold must be a number, got NaN/],
    ["no pruning target", {}, /give exactly one of fraction, count or threshold, got none/],
    ["two pruning targets", { fraction: 0.5, count: 3 }, /got fraction and count/],
  ] as const).map(([input, target, message]): ErrorCase => ({
    area: "arrays and options",
    input,
    run: () => pruneMask(magnitudeScores(multi), null, target as PruneTarget),
    type: RangeError,
    message,
  })),
  {
    area: "arrays and options",
    input: "NaN pruning scores",
    run: () =>
      pruneMask({ data: Float64Array.of(1, NaN), rows: 1, cols: 2 }, null, { fraction: 0.5 }),
    type: RangeError,
    message: /Cannot compute pruning mask: score 1 is NaN/,
  },
  {
    area: "arrays and options",
    input: "a previous pruning mask of the wrong size",
    run: () =>
      pruneMask({ data: Float64Array.of(1, 2), rows: 1, cols: 2 }, new Uint8Array(3), {
        fraction: 0.5,
      }),
    type: TypeError,
    message: /the previous mask must be a Uint8Array of 2 entries, got Uint8Array\(3\)/,
  },
  {
    area: "arrays and options",
    input: "a mask entry that is not 0 or 1, given to withMask",
    run: () =>
      withMask(
        binary,
        Uint8Array.from({ length: binary.weights.data.length }, (_, i) => i === 1 ? 2 : 1),
      ),
    type: RangeError,
    message: /^Cannot apply mask: mask\[1\] is 2, not 0 or 1$/,
  },
  {
    area: "arrays and options",
    input: "a quantized model given to predict",
    run: () => predict(quantizeModel(multi) as unknown as LogisticModel, digits.x),
    type: TypeError,
    message:
      /kind must be 'logistic-regression', got 'quantized-logistic-regression' \(a quantized model: score it with quantizedPredict\(q, x\), or use its float model, asFloatModel\(q\)\)$/,
  },
  {
    area: "arrays and options",
    input: "a float model given to quantizedPredict",
    run: () => quantizedPredict(multi as unknown as QuantizedModel, digits.x),
    type: TypeError,
    message:
      /^Cannot compute quantized scores: kind must be 'quantized-logistic-regression', got 'logistic-regression' \(a float model: score it with predict\(model, x\), predictProba or predictLabels, or quantize it first with quantizeModel\)$/,
  },
  {
    area: "arrays and options",
    input: "quantization-aware training with L-BFGS",
    run: () =>
      quantizationAwareTraining(multi, digits, {
        optimizer: { kind: "lbfgs" } as unknown as { kind: "adam" },
      }),
    type: RangeError,
    message: /^Cannot [^:]+: optimizer must be sgd or adam \(mini-batch steps\), got 'lbfgs'$/,
  },
  {
    area: "arrays and options",
    input: "pruneSweep's compensate given the data (pruneModel's form) instead of true",
    run: () =>
      pruneSweep(binary, { train: cancer, test: cancer }, {
        compensate: cancer.x as unknown as boolean,
      }),
    type: TypeError,
    message: /compensate must be a boolean \(it compensates on data\.train\), got /,
  },
  {
    area: "arrays and options",
    input: "an accuracy budget in points (the command line's unit) given to the search",
    run: () => searchCompression(digits, { maxDrop: 1 }),
    type: RangeError,
    message:
      /^Cannot search compression: maxDrop must be a fraction in \[0, 1\) \(0\.01 is one percentage point\), got 1$/,
  },
  {
    area: "arrays and options",
    input: "a test fraction of 25 (a percentage)",
    run: () => trainTestSplit(digits.x, digits.y, { testFraction: 25 }),
    type: RangeError,
    message: /^Cannot split data: testFraction must be a number in \(0, 1\), got 25$/,
  },
  {
    area: "saving",
    input: "saveModel to a .json path (the binary format under a JSON name)",
    run: () => saveModel(`${tmp}/never-written.json`, binary),
    type: TypeError,
    message: /ends in \.json, and saveModel writes the binary \.lrc format; write modelToJson/,
  },
];

/** `model` with every weight zero (as after pruning everything). */
export function withZeroWeights(model: LogisticModel): LogisticModel {
  return {
    ...model,
    weights: { ...model.weights, data: new Float64Array(model.weights.data.length) },
  };
}

/** The file written by the interrupted-save case, to check it is intact afterwards. */
export const SAVED_FILE = { path: saved, bytes: goodFile };
