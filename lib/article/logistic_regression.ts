/**
 * The article's `LogisticRegression` class and its train loop, ported literally (see `./mod.ts`
 * for the article and its lost operators). The reconstructed Python, with the `*` the article's
 * text lost put back:
 *
 * ```python
 * class LogisticRegression:
 *     def __init__(self, input_size, num_classes):
 *         self.weights = np.random.randn(input_size, num_classes)
 *         self.bias = np.zeros(num_classes)
 *     def forward(self, x):
 *         return np.dot(x, self.weights) + self.bias
 *     def sigmoid(self, z):
 *         return 1 / (1 + np.exp(-z))
 *     def train(self, x, y, epochs, learning_rate, alpha, num_bits):
 *         for epoch in range(epochs):
 *             z = self.forward(x)
 *             predictions = self.sigmoid(z)
 *             loss = -np.sum(y * np.log(predictions) + (1 - y) * np.log(1 - predictions))
 *             dW = np.dot(x.T, (predictions - y)) + alpha * self.weights
 *             db = np.sum(predictions - y)
 *             self.weights -= learning_rate * dW
 *             self.bias -= learning_rate * db
 *             pruned_weights = l1_regularization_pruning(self.weights, alpha=0.01)
 *             quantized_weights = uniform_quantization(pruned_weights, num_bits=8)
 *             self.weights = quantized_weights
 * ```
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { type Prng, prngOption, randomNormal } from "../core/random.ts";
import {
  assertFinite,
  assertInRange,
  assertMatrix,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import { type LogisticModel, MODEL_VERSION } from "../model/types.ts";
import { checkClasses, validateModel } from "../model/validate_model.ts";
import { l1RegularizationPruning } from "./pruning.ts";
import { uniformQuantization } from "./quantization.ts";

/** Options for the {@linkcode ArticleLogisticRegression} constructor. */
export interface ArticleLogisticRegressionOptions {
  /**
   * Seed of the initial weights (`np.random.randn` draws from NumPy's global, unseeded
   * generator; here it is seeded, as every random step in lrcompress). Ignored with `prng`.
   * @default {0}
   */
  seed?: number;
  /**
   * The generator to draw the initial weights from.
   * @default {createPrng(seed)}
   */
  prng?: Prng;
}

/**
 * The article's logistic regression, as literally as TypeScript allows: weights of shape
 * `(inputSize, numClasses)` (NumPy's layout, the transpose of `LogisticModel.weights`), an
 * element-wise sigmoid on every column, and a train loop that takes a full-batch gradient step
 * and then "prunes" and "quantizes" the weights every epoch. It is a class because the article's
 * is; `train` keeps the article's six positional arguments.
 *
 * Defects (measured by `tests/article/`):
 * - The sigmoid is applied to each column of a two-column one-hot target: two independent
 *   binary models whose "probabilities" do not sum to 1, trained with a summed (not mean)
 *   binary cross-entropy, so the step grows with the number of samples.
 * - `db = np.sum(predictions - y)` sums over samples and classes: every class gets the same
 *   bias update, so the biases stay equal (they start at zero) and never separate the classes.
 * - The `alpha` argument only weights an L2 term in `dW`; the pruning uses a hard-coded
 *   `alpha=0.01` and the quantization a hard-coded `num_bits=8`, so `num_bits` does nothing.
 * - Pruning produces no exact zeros and the "8-bit" values are neither 8-bit nor bounded (see
 *   `l1RegularizationPruning` and `uniformQuantization`); the quantized weights are stored as
 *   floats, so the model is as large as before. The next gradient step moves the weights off
 *   the grid again.
 * - The loss has no clipping: once a sigmoid saturates to exactly 0 or 1 it is `NaN` where the
 *   prediction is right (`0 * log 0` in the other class's term) and `+Infinity` where it is wrong
 *   (`-1 * log 0`). It is computed and discarded in the article; `train` here returns it per
 *   epoch.
 * - The weights start from `randn` (unit variance), not zero.
 */
export class ArticleLogisticRegression {
  /** `self.weights`, shape `(inputSize, numClasses)`. */
  weights: Matrix<Float64Array>;
  /** `self.bias`, shape `(numClasses)`. */
  bias: Float64Array;

  /**
   * `__init__`: standard normal weights, zero bias.
   *
   * @param inputSize Number of input features.
   * @param numClasses Number of output columns.
   * @param options Seed or generator for `randn`.
   * @throws {RangeError} If a size is not a positive integer, or `prng` returns a value outside
   *   `[0, 1)` or 0 64 times in a row.
   * @throws {TypeError} If `options` is not an object, names an unknown option, or `prng` is not
   *   a function.
   *
   * @example The article's call
   * ```ts
   * import { ArticleLogisticRegression } from "./logistic_regression.ts";
   * import assert from "node:assert/strict";
   *
   * const model = new ArticleLogisticRegression(10, 2);
   * assert.deepEqual([model.weights.rows, model.weights.cols], [10, 2]);
   * ```
   */
  constructor(
    inputSize: number,
    numClasses: number,
    options: ArticleLogisticRegressionOptions = {},
  ) {
    const action = "create the article's model";
    assertInRange(action, "inputSize", inputSize, 1, 2 ** 31, true);
    assertInRange(action, "numClasses", numClasses, 1, 2 ** 31, true);
    checkOptionKeys(
      action,
      options,
      { seed: true, prng: true } satisfies OptionKeys<ArticleLogisticRegressionOptions>,
    );
    const prng = prngOption(action, options.prng, options.seed);
    const data = new Float64Array(inputSize * numClasses);
    for (let i = 0; i < data.length; i++) data[i] = randomNormal(prng);
    this.weights = { data, rows: inputSize, cols: numClasses };
    this.bias = new Float64Array(numClasses);
  }

  /**
   * `forward`: `x · W + b`.
   *
   * @param x Inputs, shape `(nSamples, inputSize)`.
   * @returns Scores, shape `(nSamples, numClasses)`.
   * @throws {TypeError} If `x` has the wrong number of columns.
   */
  forward(x: Matrix): Matrix<Float64Array> {
    assertMatrix("run the article's forward", "x", x);
    const { rows: d, cols: k, data: w } = this.weights;
    if (x.cols !== d) {
      throw new TypeError(
        `Cannot run the article's forward: x has ${counted(x.cols, "column")}, not ${d}`,
      );
    }
    const out = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x.data[i * d + j] * w[j * k + c];
        out[i * k + c] = s + this.bias[c];
      }
    }
    return { data: out, rows: x.rows, cols: k };
  }

  /**
   * `sigmoid`: `1 / (1 + exp(-z))` element-wise (as written: `exp(-z)` overflows to infinity
   * below about `z = -709.78`, where the result becomes exactly 0, and it rounds to exactly 1
   * from `z = 37` on).
   *
   * @param z Any matrix.
   * @returns A new matrix.
   * @throws {TypeError} If `z` is not a matrix.
   */
  sigmoid(z: Matrix): Matrix<Float64Array> {
    assertMatrix("run the article's sigmoid", "z", z);
    return {
      data: Float64Array.from(z.data, (v) => 1 / (1 + Math.exp(-v))),
      rows: z.rows,
      cols: z.cols,
    };
  }

  /**
   * `train`: the article's loop, every epoch a full-batch step on the summed binary
   * cross-entropy plus `alpha * W`, then `l1RegularizationPruning(W, 0.01)` and
   * `uniformQuantization(·, 8)`.
   *
   * @param x Inputs, shape `(nSamples, inputSize)`.
   * @param y Targets, shape `(nSamples, numClasses)`. The article does not show its `y_train`;
   *   it must broadcast against the `(nSamples, 2)` predictions, so NumPy refuses 1-D labels
   *   (except for exactly 2 samples, where a `(2,)` vector broadcasts along the rows), and a
   *   one-hot target with two columns is the reading taken here (NumPy would also run a
   *   `(nSamples, 1)` column of labels or a single `(1, 2)` row for every sample, which this
   *   port refuses).
   * @param epochs Number of epochs.
   * @param learningRate Step size.
   * @param alpha Weight of the L2 term in `dW` (not the pruning strength: that is 0.01).
   * @param _numBits Unused, as in the article (the quantization is called with 8).
   * @returns The article's (discarded) `loss` of each epoch, before its update.
   * @throws {TypeError} If `x` or `y` is not a matrix or shapes disagree (checked even for 0
   *   epochs).
   * @throws {RangeError} If `epochs` is not a non-negative integer, `learningRate` is not a
   *   positive finite number, `alpha` is not a non-negative finite one, or `x` or `y` holds a
   *   NaN or an infinity (NumPy would run, and every weight would become NaN).
   *
   * @example The article's training call on a small problem
   * ```ts
   * import { ArticleLogisticRegression } from "./logistic_regression.ts";
   * import { fromRows } from "../core/matrix.ts";
   * import assert from "node:assert/strict";
   *
   * const x = fromRows([[1, 0], [0, 1], [1, 1], [0, 0]]);
   * const y = fromRows([[1, 0], [0, 1], [1, 0], [0, 1]]);
   * const model = new ArticleLogisticRegression(2, 2, { seed: 1 });
   * const losses = model.train(x, y, 100, 0.01, 0.01, 8);
   * assert.equal(losses.length, 100);
   * // Here the fixed pull of 0.01 per epoch outweighs the gradient step: the loss rises.
   * assert.ok(losses[99] > losses[0]);
   * ```
   */
  train(
    x: Matrix,
    y: Matrix,
    epochs: number,
    learningRate: number,
    alpha: number,
    _numBits: number,
  ): number[] {
    const action = "train the article's model";
    assertMatrix(action, "x", x);
    assertMatrix(action, "y", y);
    const { rows: d, cols: k } = this.weights;
    if (x.cols !== d) {
      throw new TypeError(`Cannot ${action}: x has ${counted(x.cols, "column")}, not ${d}`);
    }
    if (y.rows !== x.rows || y.cols !== k) {
      throw new TypeError(
        `Cannot ${action}: y is ${y.rows} x ${y.cols}, expected ${x.rows} x ${k}`,
      );
    }
    assertInRange(action, "epochs", epochs, 0, Infinity, true);
    assertInRange(action, "learningRate", learningRate, Number.MIN_VALUE, Number.MAX_VALUE);
    assertInRange(action, "alpha", alpha, 0, Number.MAX_VALUE);
    assertFinite(action, "x", x.data, x.cols);
    assertFinite(action, "y", y.data, y.cols);
    const losses: number[] = [];
    const n = x.rows;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const z = this.forward(x);
      const predictions = this.sigmoid(z);
      let loss = 0;
      for (let i = 0; i < n * k; i++) {
        const p = predictions.data[i], t = y.data[i];
        loss += t * Math.log(p) + (1 - t) * Math.log(1 - p);
      }
      losses.push(-loss);
      // dW = np.dot(x.T, (predictions - y)) + alpha * self.weights
      const w = this.weights.data;
      const dW = new Float64Array(d * k);
      for (let j = 0; j < d; j++) {
        for (let c = 0; c < k; c++) {
          let s = 0;
          for (let i = 0; i < n; i++) {
            s += x.data[i * d + j] * (predictions.data[i * k + c] - y.data[i * k + c]);
          }
          dW[j * k + c] = s + alpha * w[j * k + c];
        }
      }
      // db = np.sum(predictions - y): one scalar over samples and classes
      let db = 0;
      for (let i = 0; i < n * k; i++) db += predictions.data[i] - y.data[i];
      for (let i = 0; i < d * k; i++) w[i] -= learningRate * dW[i];
      for (let c = 0; c < k; c++) this.bias[c] -= learningRate * db;
      const prunedWeights = l1RegularizationPruning(w, 0.01);
      const quantizedWeights = uniformQuantization(prunedWeights, 8);
      this.weights = { data: quantizedWeights, rows: d, cols: k };
    }
    return losses;
  }
}

/**
 * The article's model as a `LogisticModel` with the softmax link, for comparison with
 * lrcompress's metrics: the arg-max of the article's sigmoid outputs is the arg-max of its scores,
 * so predicted classes agree (its "probabilities" do not: softmax renormalises them).
 *
 * @param model The article's model.
 * @param classes Class labels, one per output column.
 * @returns A `LogisticModel` with weights transposed to `(numClasses, inputSize)`, the bias
 *   copied and the features named `x0`, `x1`, ... (NumPy's column indices).
 * @throws {TypeError} If `model` is not an `ArticleLogisticRegression`, or `classes` is not an
 *   array of at least two distinct strings.
 * @throws {RangeError} If the number of labels differs from the number of columns, or a weight or
 *   bias is not finite.
 *
 * @example Same predicted classes
 * ```ts
 * import { ArticleLogisticRegression, articleToLogisticModel } from "./logistic_regression.ts";
 * import { predict } from "../model/predict.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const article = new ArticleLogisticRegression(2, 2, { seed: 3 });
 * const x = fromRows([[1, 2], [-1, 0.5], [3, -2]]);
 * const z = article.forward(x);
 * const model = articleToLogisticModel(article, ["a", "b"]);
 * assert.deepEqual([...predict(model, x)], [0, 1, 2].map((i) => (z.data[2 * i + 1] > z.data[2 * i] ? 1 : 0)));
 * ```
 */
export function articleToLogisticModel(
  model: ArticleLogisticRegression,
  classes: readonly string[],
): LogisticModel {
  const action = "convert the article's model";
  if (!(model instanceof ArticleLogisticRegression)) {
    throw new TypeError(
      `Cannot ${action}: model must be an ArticleLogisticRegression, got ${describe(model)}`,
    );
  }
  const { rows: d, cols: k, data } = model.weights;
  if (Array.isArray(classes) && classes.length !== k) {
    throw new RangeError(`Cannot ${action}: ${classes.length} labels for ${k} output columns`);
  }
  checkClasses(action, classes);
  const w = new Float64Array(k * d);
  for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) w[c * d + j] = data[j * k + c];
  const out: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "softmax",
    weights: { data: w, rows: k, cols: d },
    bias: model.bias.slice(),
    classes: [...classes],
    featureNames: Array.from({ length: d }, (_, j) => `x${j}`),
    preprocessing: { kind: "none" },
  };
  validateModel(out, action);
  return out;
}
