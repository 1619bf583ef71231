/**
 * The seed article's code, ported as literally as TypeScript allows, to be compared with (not
 * used): an untitled article on, in its own words, "逻辑回归模型的参数剪枝和量化两种压缩技术" (the
 * two compression techniques of parameter pruning and quantization for logistic regression),
 * kept in `/work/shared/seed-article.txt`. Its three pieces of code are
 * `l1_regularization_pruning` ({@linkcode l1RegularizationPruning}), `uniform_quantization`
 * ({@linkcode uniformQuantization}) and a `LogisticRegression` class whose train loop prunes and
 * quantizes every epoch ({@linkcode ArticleLogisticRegression}).
 *
 * Reading the article's code. Its text lost the `*` and `**` operators and the indentation:
 * `alpha np.sign(weights)` means `alpha * np.sign(weights)`, `2 num_bits - 1` means
 * `2 ** num_bits - 1` (255 for the 8 bits the article names; `2 * num_bits - 1` would be 15),
 * `np.round(weights quantization_range)` means `weights * quantization_range`,
 * `y np.log(predictions)` means `y * np.log(predictions)`, `alpha self.weights` means
 * `alpha * self.weights`, `learning_rate dW` means `learning_rate * dW`. The loop body is read
 * as everything from `z = self.forward(x)` to `self.weights = quantized_weights`. That is a
 * reading, not something the article says: with the indentation lost, the last three lines
 * (under the comments 参数剪枝, 量化 and 更新模型参数, "update the model parameters") could as
 * well run once after the loop. The port, the NumPy fixture and the tests prune and quantize
 * every epoch. Each module quotes the reconstructed Python.
 *
 * What the ports show (each measured by `tests/article/`): the "pruning" produces no exact zeros
 * (weights move by `alpha` and small ones change sign); the "8-bit quantization" neither bounds
 * the values nor confines them to 256 levels, and stores floats; the classifier applies a
 * sigmoid to each column of a two-column one-hot target with a single shared bias update. The
 * working counterparts are in `lib/prune/` (`softThresholdModel`, `pruneModel`, `fit` with an L1
 * penalty) and the quantization module.
 *
 * @module
 */
export * from "./pruning.ts";
export * from "./quantization.ts";
export * from "./logistic_regression.ts";
export * from "./measure.ts";
