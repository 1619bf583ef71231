/**
 * Inference on raw inputs: decision scores, class probabilities, predicted classes.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { assertFinite, assertMatrix } from "../core/validate.ts";
import { sigmoid } from "./loss.ts";
import type { LogisticModel } from "./types.ts";
import { validateModel } from "./validate_model.ts";

/**
 * The model with its preprocessing folded into the weights: scores on raw `x` are
 * `W' x + b'` with `W'[k][j] = W[k][j] / scale[j]` and `b'[k] = b[k] - sum_j W'[k][j] mean[j]`.
 *
 * @param model The model.
 * @returns Effective weights `(nOutputs, nFeatures)` and bias `(nOutputs)` for raw inputs.
 */
export function foldPreprocessing(
  model: LogisticModel,
): { weights: Float64Array; bias: Float64Array } {
  const { rows: k, cols: d, data } = model.weights;
  const p = model.preprocessing;
  if (p.kind === "none") return { weights: data, bias: model.bias };
  const weights = new Float64Array(k * d);
  const bias = model.bias.slice();
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      const v = data[c * d + j] / p.scale[j];
      weights[c * d + j] = v;
      shift += v * p.mean[j];
    }
    bias[c] -= shift;
  }
  return { weights, bias };
}

/**
 * Decision scores (logits) for raw inputs.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @returns Scores, shape `(nSamples, nOutputs)`: one column for sigmoid models.
 * @throws {TypeError} If the model is malformed or `x` does not have the model's number of
 *   features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or a score overflows (inputs
 *   near the float64 limit).
 */
export function decisionFunction(model: LogisticModel, x: Matrix): Matrix<Float64Array> {
  checkInput(model, x, "compute scores");
  const { weights, bias } = foldPreprocessing(model);
  const k = bias.length, d = x.cols, n = x.rows;
  const out = new Float64Array(n * k);
  const xd = x.data;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      const wo = c * d;
      let s = bias[c];
      for (let j = 0; j < d; j++) s += weights[wo + j] * xd[o + j];
      out[i * k + c] = s;
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] - out[i] !== 0) {
      throw new RangeError(
        `Cannot compute scores: the score of row ${Math.floor(i / k)} (output ${i % k}) is ` +
          `${out[i]}: the inputs are too large for the model's weights`,
      );
    }
  }
  return { data: out, rows: n, cols: k };
}

/**
 * Class probabilities for raw inputs.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @returns Probabilities, shape `(nSamples, nClasses)`; each row sums to 1.
 * @throws {TypeError} If the model is malformed or `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or a score overflows.
 */
export function predictProba(model: LogisticModel, x: Matrix): Matrix<Float64Array> {
  return probabilitiesFromScores(model, decisionFunction(model, x));
}

/**
 * Turns decision scores into class probabilities (stable softmax or sigmoid).
 *
 * @param model The model (for its link and classes).
 * @param scores Scores, shape `(nSamples, nOutputs)`.
 * @returns Probabilities, shape `(nSamples, nClasses)`.
 */
export function probabilitiesFromScores(
  model: LogisticModel,
  scores: Matrix,
): Matrix<Float64Array> {
  const n = scores.rows, nc = model.classes.length;
  const out = new Float64Array(n * nc);
  if (model.link === "sigmoid") {
    for (let i = 0; i < n; i++) {
      const z = scores.data[i];
      out[2 * i + 1] = sigmoid(z);
      out[2 * i] = sigmoid(-z);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * nc;
      let m = -Infinity;
      for (let c = 0; c < nc; c++) m = Math.max(m, scores.data[o + c]);
      let sum = 0;
      for (let c = 0; c < nc; c++) sum += out[o + c] = Math.exp(scores.data[o + c] - m);
      for (let c = 0; c < nc; c++) out[o + c] /= sum;
    }
  }
  return { data: out, rows: n, cols: nc };
}

/**
 * Predicted class indices for raw inputs (ties go to the lower class index).
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @returns Class index per sample; `model.classes[i]` is the label.
 * @throws {TypeError} If the model is malformed or `x` does not have its number of features.
 * @throws {RangeError} If `x` or the model holds NaN or Infinity, or a score overflows.
 */
export function predict(model: LogisticModel, x: Matrix): Int32Array {
  return classesFromScores(decisionFunction(model, x));
}

/**
 * Predicted labels (the model's class names) for raw inputs.
 *
 * @param model The model.
 * @param x Raw features, shape `(nSamples, nFeatures)`.
 * @returns One label per sample.
 */
export function predictLabels(model: LogisticModel, x: Matrix): string[] {
  return Array.from(predict(model, x), (c) => model.classes[c]);
}

/**
 * Class indices from scores: the arg-max per row, or `score > 0` for one column.
 *
 * @param scores Scores, shape `(nSamples, nOutputs)`.
 * @returns Class index per row.
 */
export function classesFromScores(scores: Matrix): Int32Array {
  const { rows: n, cols: k, data } = scores;
  const out = new Int32Array(n);
  if (k === 1) {
    for (let i = 0; i < n; i++) out[i] = data[i] > 0 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (data[o + c] > data[o + best]) best = c;
    out[i] = best;
  }
  return out;
}

function checkInput(model: LogisticModel, x: Matrix, action: string): void {
  validateModel(model, action);
  assertMatrix(`${action}`, "x", x);
  if (x.cols !== model.weights.cols) {
    throw new TypeError(
      `Cannot ${action}: the model takes ${model.weights.cols} features, x has ${x.cols}`,
    );
  }
  assertFinite(action, "x", x.data, x.cols);
}
