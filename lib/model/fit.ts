/**
 * Training: one entry point, {@linkcode fit}, over three optimisers (mini-batch SGD with momentum,
 * Adam, full-batch L-BFGS/OWL-QN), with L2, L1 and elastic-net penalties, masks for pruned
 * weights, a weight transform for quantization-aware training, early stopping and progress.
 *
 * @module
 */

import { thresholdOf } from "./decision_threshold.ts";
import type { Matrix } from "../core/matrix.ts";
import { assertCsr, type CsrMatrix, isCsr } from "../core/sparse.ts";
import { checkSeed, createPrng, shuffleInPlace } from "../core/random.ts";
import {
  assertFinite,
  assertInRange,
  assertLabels,
  assertMatrix,
  checkBackendOptions,
  checkOptionKeys,
  counted,
  describe,
  firstRepeat,
  hintValue,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { fitStandardizer, type Preprocessing, validatePreprocessing } from "../data/preprocess.ts";
import { type Backend, bindLoss, type BoundLoss, usesWasm } from "./engine.ts";
import { minimizeLbfgs } from "./lbfgs.ts";
import { checkWeightSum, perClassWeights, sampleWeightValues, unitScale } from "./weights.ts";
import { adamUpdate, sgdUpdate } from "./updates.ts";
import { diagonalPreconditioner, kroneckerPreconditioner } from "./precondition.ts";
import { checkClasses, checkFeatureNames, validateModel } from "./validate_model.ts";
import {
  type Link,
  type LogisticModel,
  MODEL_VERSION,
  outputCount,
  type Penalty,
  penaltyStrengths,
} from "./types.ts";

/** Mini-batch stochastic gradient descent with (heavy-ball) momentum. */
export interface SgdOptimizer {
  /** The tag of this kind. */
  readonly kind: "sgd";
  /** Step size. @default {0.1} */
  readonly learningRate?: number;
  /** Momentum coefficient in [0, 1). @default {0.9} */
  readonly momentum?: number;
  /** Samples per step. @default {64} */
  readonly batchSize?: number;
  /** Passes over the data. @default {20} */
  readonly epochs?: number;
  /** Factor applied to the step size after each epoch. @default {1} */
  readonly learningRateDecay?: number;
}

/** Mini-batch Adam (Kingma and Ba 2015). */
export interface AdamOptimizer {
  /** The tag of this kind. */
  readonly kind: "adam";
  /** Step size. @default {0.001} */
  readonly learningRate?: number;
  /** Decay of the first-moment estimate. @default {0.9} */
  readonly beta1?: number;
  /** Decay of the second-moment estimate. @default {0.999} */
  readonly beta2?: number;
  /** Added to the root of the second moment. @default {1e-8} */
  readonly epsilon?: number;
  /** Samples per step. @default {64} */
  readonly batchSize?: number;
  /** Passes over the data. @default {20} */
  readonly epochs?: number;
  /** Factor applied to the step size after each epoch. @default {1} */
  readonly learningRateDecay?: number;
}

/** Full-batch L-BFGS (OWL-QN when the penalty has an L1 part). */
export interface LbfgsOptimizer {
  /** The tag of this kind. */
  readonly kind: "lbfgs";
  /** Iteration limit. @default {1000} */
  readonly maxIterations?: number;
  /** Correction pairs kept. @default {10} */
  readonly memory?: number;
  /** Stop when the largest gradient component is at most this. @default {1e-6} */
  readonly tolerance?: number;
  /**
   * Precondition the same objective: optimise in coordinates where the bias absorbs the
   * feature means (`W x + b = W (x - mean) + (b + W mean)`, an exact change of variables since
   * the bias is not penalised) and start each quasi-Newton update from an inverse-Hessian
   * estimate `(p (1 - p) Cov(x) + l2 I)^-1` per class row at uniform probabilities (means and
   * covariance sampled on up to 8192 rows; only the diagonal above 1024 features or on sparse
   * (CSR) data, whose zeros are counted). Fewer
   * iterations on correlated, uncentred or unevenly scaled features with an L2 penalty; the
   * tolerance then applies to the gradient in those coordinates. Off by default with an L1
   * part (OWL-QN), whose orthant projection cuts the preconditioned direction: there it took
   * up to 10 times as many iterations (40 times the time) within the 1,000-iteration limit,
   * and on 5,000 Fashion-MNIST images it stopped at the limit short of the optimum where the
   * plain method converged (measured on breast cancer, digits and Fashion-MNIST at four
   * strengths, L1 and elastic net: `deno task bench:optimizer --sections l1`, figures in the
   * README's Performance section).
   * @default {true without an L1 part, false with one}
   */
  readonly precondition?: boolean;
}

/** The optimiser and its settings. */
export type Optimizer = SgdOptimizer | AdamOptimizer | LbfgsOptimizer;

/**
 * A transform of the weights used in the forward pass, for quantization-aware training: the
 * loss is computed with `forward(latent)` and its gradient passed back to the latent weights
 * through `backward` (for a straight-through estimator: zero outside the clipping range).
 */
export interface WeightTransform {
  /** Writes the weights used in the forward pass, shape `(nOutputs * nFeatures)`. */
  forward(latent: Float64Array, out: Float64Array): void;
  /** Turns the gradient with respect to the used weights into one for the latent, in place. */
  backward(latent: Float64Array, grad: Float64Array): void;
}

/** What the model and the optimiser look like at the end of an epoch. */
export interface EpochState {
  /** The epoch just finished (1-based). */
  readonly epoch: number;
  /** The latent weights, shape `(nOutputs * nFeatures)`; hooks may change them in place. */
  readonly weights: Float64Array;
  /** The bias, shape `(nOutputs)`. */
  readonly bias: Float64Array;
  /**
   * The mask, shape `(nOutputs * nFeatures)`; a hook may clear entries in place (gradual
   * pruning). Cleared weights are set to zero and stay zero.
   */
  readonly mask: Uint8Array | null;
}

/** One row of the training history. */
export interface EpochRecord {
  /** Epoch (SGD, Adam) or iteration (L-BFGS), 1-based. */
  readonly epoch: number;
  /**
   * Mean log loss on the training data (with `sampleWeight` or `classWeight`, the weighted mean
   * `sum_i s_i loss_i / sum_i s_i`). For SGD and Adam, the mean over the epoch's batches, each
   * measured before its update; for L-BFGS, the exact value at the iterate.
   */
  readonly trainLoss: number;
  /**
   * Training accuracy (not weighted), measured as `trainLoss` is. A binary model's rows count at
   * score > 0 (probability 0.5), even when `initial` holds a decision threshold that the model
   * returned keeps: `evaluate` counts at the threshold.
   */
  readonly trainAccuracy: number;
  /** Objective: `trainLoss` plus the penalty (at the end of the epoch). */
  readonly objective: number;
  /** Mean log loss on the validation data, if given (not weighted). */
  readonly validationLoss?: number;
  /** Accuracy on the validation data, if given (at score > 0, as `trainAccuracy`). */
  readonly validationAccuracy?: number;
  /** Seconds since training started. */
  readonly seconds: number;
}

/** Progress reported after every epoch or iteration. */
export interface FitProgress extends EpochRecord {
  /** The number of epochs (or the iteration limit) planned. */
  readonly totalEpochs: number;
  /**
   * The (latent) weights after this epoch or iteration, shape `(nOutputs * nFeatures)`: a view
   * valid during the call only (copy it to keep a snapshot). Absent from streaming training.
   */
  readonly weights?: Float64Array;
  /** The bias after this epoch or iteration, a view like `weights`. */
  readonly bias?: Float64Array;
}

/** Options for {@linkcode fit}. */
export interface FitOptions {
  /**
   * `"sigmoid"` (binary only), `"softmax"`, or `"auto"`: sigmoid for two classes.
   * @default {"auto"}
   */
  link?: Link | "auto";
  /**
   * The penalty.
   * @default {{ kind: "l2", lambda: 1 / nSamples }} (scikit-learn's default C = 1; with
   *   `sampleWeight` or `classWeight`, C = 1 is `lambda: 1 / sum_i s_i`, the weights' sum)
   */
  penalty?: Penalty;
  /**
   * The optimiser.
   * @default {{ kind: "lbfgs" }}
   */
  optimizer?: Optimizer;
  /**
   * `"standardize"` fits standardisation on `x`; `"none"` trains on `x` as is; or a
   * preprocessing fitted elsewhere. The model applies it to raw inputs when predicting.
   * @default {"standardize"}
   */
  preprocessing?: "standardize" | "none" | Preprocessing;
  /**
   * Class labels; their number fixes the number of classes.
   * @default {["0", "1", ..., String(max(y))]}
   */
  classes?: readonly string[];
  /**
   * Feature names, one distinct name per column (data columns are matched to features by name).
   * @default {["x0", "x1", ...]}
   */
  featureNames?: readonly string[];
  /**
   * One weight per training row, finite and >= 0, not all zero. Training minimises the weighted
   * mean log loss `sum_i s_i loss_i / sum_i s_i` plus the penalty, where `s_i` is
   * `sampleWeight[i]` times `classWeight` of row i's class: integer weights give the objective
   * of the data with each row repeated that many times, equal weights the unweighted objective.
   * Every optimiser honours them. L-BFGS's preconditioner (feature means and covariance) is
   * estimated on unweighted rows: it changes the path, not the optimum. SGD and Adam estimate the
   * gradient of a mini-batch B as `sum_B s_i g_i / (|B| * mean(s))` (`mean` over all rows),
   * unbiased for the weighted mean's gradient, so the learning rate keeps its scale. The
   * training accuracy, validation loss and accuracy, and early stopping are not weighted.
   * Only the weights' ratios matter: training rescales them by a power of two, so weights of
   * 1e-300 or 1e300 fit the model their ratios give. `fitStream` takes weights from a
   * function of each batch of the file (its `sampleWeight`), and `classWeight` as here.
   * @default {none (every row counts once)}
   */
  sampleWeight?: ArrayLike<number>;
  /**
   * A weight per class, multiplying `sampleWeight` (as scikit-learn's `class_weight`): an
   * object from class labels (as in `classes`) to finite weights >= 0, classes left out
   * weighing 1; or `"balanced"`, `nSamples / (nClasses * count_c)` for each class `c` with
   * `count_c` training rows (counted without `sampleWeight`), so that every class present weighs
   * the same in total.
   * @default {none (every class weighs 1)}
   */
  classWeight?: "balanced" | Readonly<Record<string, number>>;
  /**
   * Seed of the mini-batch shuffles.
   * @default {0}
   */
  seed?: number;
  /**
   * Data to measure after each epoch (raw, like `x`; dense or CSR, whichever `x` is).
   * @default {none}
   */
  validation?: { readonly x: Matrix | CsrMatrix; readonly y: Int32Array };
  /**
   * Stop when the validation loss has not improved by `minDelta` for `patience` epochs, and keep
   * the best weights. Needs `validation` and the sgd or adam optimizer. When an epoch hook
   * removes weights (gradual pruning), only epochs since the last removal count: the best
   * weights always have the final mask. Training does not stop before epoch `notBefore` (e.g.
   * the last epoch of a pruning schedule).
   * @default {none}
   */
  earlyStopping?: {
    readonly patience: number;
    readonly minDelta?: number;
    readonly notBefore?: number;
  };
  /**
   * Start from this model's weights, bias and preprocessing instead of zeros. Its link, classes,
   * feature names, preprocessing and decision threshold are kept: `link`, `classes`,
   * `featureNames` or `preprocessing` options that differ from them are refused.
   * @default {none}
   */
  initial?: LogisticModel;
  /**
   * Train only the weights where the mask is 1 (shape `(nOutputs * nFeatures)`); the others are
   * zero and stay zero. Defaults to `initial.mask` when that exists; it may remove more than
   * that mask but never keep a weight it removed.
   * @default {none}
   */
  mask?: Uint8Array;
  /**
   * Quantization-aware training: the transform applied to the weights in the forward pass.
   * SGD and Adam only.
   * @default {none}
   */
  weightTransform?: WeightTransform;
  /**
   * Called at the end of each epoch with the latent weights and the mask (SGD and Adam only);
   * may clear mask entries (gradual pruning) or change weights.
   * @default {none}
   */
  onEpochEnd?: (state: EpochState) => void;
  /**
   * Called after each epoch or iteration.
   * @default {none}
   */
  onProgress?: (progress: FitProgress) => void;
  /**
   * The loss kernel: `"ts"` the reference TypeScript (float64), `"wasm"` WebAssembly SIMD on
   * float32 copies of the features with float64 sums, over `threads` threads; `"auto"` picks
   * wasm when `nSamples * nFeatures * nOutputs` is at least `2 ** 22` for float32 `x`, or at least
   * `2 ** 26` for standardised float64 `x` (where a float64 pass took over 0.13 s, 14 times
   * wasm's; float64 `x` with preprocessing `"none"` stays on `"ts"`, whose float64 holds any
   * magnitude). The two give different low bits. The wasm kernels use the relaxed-SIMD fused
   * multiply-add where the engine has relaxed SIMD (fused or not as the CPU allows) and plain SIMD
   * elsewhere, so a wasm-trained model repeats bit for bit on one engine and CPU but may differ in
   * the last bits on another; `"ts"` does not depend on the CPU. Sparse (CSR) data train on the
   * TypeScript sparse kernel under `"auto"` and `"ts"`; `"wasm"` is refused for them.
   * @default {"auto"}
   */
  backend?: Backend;
  /**
   * Threads of the wasm backend (the calling thread plus workers); results do not depend on it.
   * Data under 8,192 rows train on one.
   * @default {min(navigator.hardwareConcurrency, 8)}
   */
  threads?: number;
}

/** The result of {@linkcode fit}. */
export interface FitResult {
  /** The fitted model. */
  readonly model: LogisticModel;
  /** One record per epoch (or L-BFGS iteration). */
  readonly history: readonly EpochRecord[];
  /**
   * Whether the optimiser met its tolerance or could decrease the objective no further (L-BFGS;
   * `stopReason` says which), or ran all its epochs or stopped early on the validation loss
   * (SGD, Adam).
   */
  readonly converged: boolean;
  /** Why training stopped. */
  readonly stopReason: string;
  /**
   * Things the user should know: separable data without a penalty (the weights would keep
   * growing), features of huge magnitude left unstandardised, no progress, an SGD or Adam
   * objective that ended above twice epoch 1's, classes with no or very few (under 1 %)
   * training samples, and classes whose training rows all weigh 0 (`classWeight` or
   * `sampleWeight`), which the model learns never to predict.
   */
  readonly warnings: readonly string[];
}

const ACTION = "fit model";

/** The keys of {@linkcode FitOptions}, for functions that take them and pass them on. */
export const FIT_OPTION_KEYS: OptionKeys<FitOptions> = {
  link: true,
  penalty: true,
  optimizer: true,
  preprocessing: true,
  classes: true,
  featureNames: true,
  seed: true,
  sampleWeight: true,
  classWeight: true,
  validation: true,
  earlyStopping: true,
  initial: true,
  mask: true,
  weightTransform: true,
  onEpochEnd: true,
  onProgress: true,
  backend: true,
  threads: true,
};

const OPTIMIZER_KEYS: { readonly [K in Optimizer["kind"]]: OptionKeys<Optimizer & { kind: K }> } = {
  sgd: {
    kind: true,
    learningRate: true,
    momentum: true,
    batchSize: true,
    epochs: true,
    learningRateDecay: true,
  },
  adam: {
    kind: true,
    learningRate: true,
    beta1: true,
    beta2: true,
    epsilon: true,
    batchSize: true,
    epochs: true,
    learningRateDecay: true,
  },
  lbfgs: { kind: true, maxIterations: true, memory: true, tolerance: true, precondition: true },
};

const PENALTY_KEYS: { readonly [K in Penalty["kind"]]: OptionKeys<Penalty & { kind: K }> } = {
  none: { kind: true },
  l2: { kind: true, lambda: true },
  l1: { kind: true, lambda: true },
  elasticnet: { kind: true, lambda: true, l1Ratio: true },
};

const EARLY_STOPPING_KEYS: OptionKeys<NonNullable<FitOptions["earlyStopping"]>> = {
  patience: true,
  minDelta: true,
  notBefore: true,
};

/**
 * Where a key that the options of `fit` (or of a function that takes them) do not have belongs,
 * when it is a field of the optimizer, the penalty or early stopping given at the top level
 * (`fit(x, y, { epochs: 5 })`): the clause that says so, with the key in its place, under the
 * optimizer or penalty kind given if it reads the key, else the first kind that does.
 *
 * @param options The options as given.
 * @param known The keys the function takes (a nested option it does not take is not offered).
 * @param optimizerKinds The optimizer kinds the function takes.
 * @returns A function from an unknown key to that clause, or `undefined` for a key of no nested
 *   option (`kind` included: every kind has it).
 */
export function nestedOptionHint(
  options: unknown,
  known: { readonly [key: string]: true | "nullable" },
  optimizerKinds: readonly Optimizer["kind"][] = ["sgd", "adam", "lbfgs"],
): (key: string) => string | undefined {
  const given = (typeof options === "object" && options !== null ? options : {}) as Record<
    string,
    unknown
  >;
  const groups = ([
    ["optimizer", OPTIMIZER_KEYS, optimizerKinds],
    ["penalty", PENALTY_KEYS, Object.keys(PENALTY_KEYS)],
  ] as [string, { readonly [kind: string]: object }, readonly string[]][])
    .filter(([group]) => Object.hasOwn(known, group));
  return (key) => {
    if (key === "kind") return undefined;
    const shown = hintValue(given[key]);
    for (const [group, byKind, kinds] of groups) {
      const readers = kinds.filter((k) => Object.hasOwn(byKind[k], key));
      if (readers.length === 0) continue;
      const nested = given[group];
      const kind = typeof nested === "object" && nested !== null &&
          readers.includes((nested as { kind?: string }).kind as string)
        ? (nested as { kind: string }).kind
        : readers[0];
      return `'${key}' is an option of the ${group}: { ${group}: { kind: "${kind}", ${key}: ${shown} } }`;
    }
    if (Object.hasOwn(known, "earlyStopping") && Object.hasOwn(EARLY_STOPPING_KEYS, key)) {
      return `'${key}' is an option of early stopping: { earlyStopping: { ${key}: ${shown} } }`;
    }
    return undefined;
  };
}

/**
 * Fits a logistic-regression model.
 *
 * Sparse (CSR) features (`csrMatrix`, `csrFromDense`, `readSvmlight`) train on a TypeScript
 * kernel that visits only the stored entries, with float64 sums, on one thread; the `"wasm"`
 * backend is refused for them (`"auto"` picks the sparse kernel). Standardisation is not applied
 * to the whole matrix, which would fill in its zeros: the stored entries are standardised and
 * the standardised value of the absent ones folded into the bias of each pass, and
 * `fitStandardizer` computes it from the CSR matrix with its zeros counted, so the model
 * (and its stored `preprocessing`) is the one `fit` gives on `csrToDense(x)`: the same optimum,
 * reached within the optimiser's tolerance. L-BFGS's preconditioner is then the diagonal one (no
 * dense covariance), so the iterations differ from the dense run's. With preprocessing `"none"`
 * the loss and gradient sums are the dense `"ts"` kernel's bit for bit (a zero feature adds
 * `±0`), so SGD, Adam and unpreconditioned L-BFGS (the default with an L1 part) return the dense
 * run's model bit for bit. `validation.x` may be CSR too, with dense or CSR `x`.
 *
 * @param x Raw features, shape `(nSamples, nFeatures)`: a dense matrix (Float32 or Float64) or a
 *   CSR matrix.
 * @param y Class index per sample, shape `(nSamples)`, values in `0..nClasses-1`.
 * @param options Link, penalty, optimiser, preprocessing, seed, sample and class weights,
 *   validation, hooks.
 * @returns The model, the per-epoch history, and how training stopped.
 * @throws {TypeError} If shapes disagree, an argument has the wrong type (a malformed CSR matrix
 *   included), `featureNames` repeat a name (without an initial model), or an option (or a field
 *   of `optimizer`, `penalty` or `earlyStopping`) is unknown: a misspelt one is refused rather
 *   than ignored.
 * @throws {RangeError} If data hold NaN or Infinity, or a value that is not finite preprocessed
 *   and stored in float32 (float32 data, or the wasm backend) or float64, fewer than two classes
 *   are present, an option is out of range, the wasm backend is asked for CSR data, or training
 *   diverges.
 *
 * @example Fit and predict
 * ```ts
 * import { fit } from "./fit.ts";
 * import { predict } from "./predict.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = Int32Array.from([0, 0, 0, 1]);
 * const { model } = fit(x, y, { penalty: { kind: "l2", lambda: 0.01 } });
 * assert.deepEqual([...predict(model, x)], [0, 0, 0, 1]);
 * ```
 *
 * @example Sparse features: the same model as on their dense form
 * ```ts
 * import { fit } from "./fit.ts";
 * import { csrFromDense } from "../core/sparse.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 0, 3], [0, 1, 0], [2, 0, 0], [0, 0, 1], [1, 1, 0], [0, 2, 0]]);
 * const y = Int32Array.from([0, 1, 0, 0, 1, 1]);
 * const options = { preprocessing: "none", optimizer: { kind: "sgd", epochs: 3 } } as const;
 * const sparse = fit(csrFromDense(x), y, options).model;
 * assert.deepEqual(sparse.weights, fit(x, y, options).model.weights); // bit for bit
 * ```
 */
export function fit(x: Matrix | CsrMatrix, y: Int32Array, options: FitOptions = {}): FitResult {
  const setup = validate(x, y, options);
  const { nOut, link } = setup;
  const preprocessing = options.initial?.preprocessing ?? resolvePreprocessing(options, x);
  // Standardisation fitted on x itself keeps x's values within sqrt(nSamples).
  const fittedOnX = options.initial === undefined &&
    (options.preprocessing ?? "standardize") === "standardize";
  if (!fittedOnX) {
    checkStoredValues("x", x, preprocessing, usesWasm(x, options.backend, nOut, preprocessing));
  }
  if (options.validation) {
    const v = options.validation.x;
    checkStoredValues(
      "validation.x",
      v,
      preprocessing,
      usesWasm(v, options.backend, nOut, preprocessing),
    );
  }
  const bind = (m: Matrix | CsrMatrix, labels: Int32Array, sampleWeight: Float64Array | null) =>
    bindLoss(m, labels, {
      preprocessing,
      link,
      nOutputs: nOut,
      backend: options.backend,
      threads: options.threads,
      ...(sampleWeight === null ? {} : { sampleWeight }),
    });
  const train = bind(x, y, setup.weights);
  let validation: BoundLoss | null = null;
  try {
    validation = options.validation ? bind(options.validation.x, options.validation.y, null) : null;
    const result = fitBound(setup, options, preprocessing, train, validation);
    let big = 0;
    if (preprocessing.kind === "none") {
      const values = isCsr(x) ? x.values : x.data;
      for (let i = 0; i < values.length; i++) big = Math.max(big, Math.abs(values[i]));
    }
    const scale = scaleWarning(big);
    const counts = new Float64Array(setup.classes.length);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    const extra = [
      ...(scale ? [scale] : []),
      ...classBalanceWarnings(counts, setup.classes),
      ...(setup.weights === null ? [] : zeroWeightClassWarnings(
        counts,
        classWeightSums(y, setup.weights, counts.length),
        setup.classes,
      )),
    ];
    return extra.length > 0 ? { ...result, warnings: [...extra, ...result.warnings] } : result;
  } finally {
    train.close();
    validation?.close();
  }
}

/**
 * A warning when raw (unstandardised) features are huge, or `null`.
 *
 * @param big The largest magnitude among the features.
 * @returns The warning, or `null` up to 1e6.
 */
export function scaleWarning(big: number): string | null {
  if (big <= 1e6) return null;
  return `features reach ${big.toExponential(1)} in magnitude and are not standardised: the ` +
    "problem is badly conditioned and the optimiser may stop far from the optimum; " +
    "use preprocessing 'standardize'";
}

/**
 * A warning when a stochastic optimiser's objective ended at more than twice epoch 1's (a
 * divergence short of overflow; not any rise: fine-tuning starts at an optimum, where an epoch's
 * noise can lift it a little), or `null`.
 *
 * @param history The epochs' records.
 * @returns The warning, or `null`.
 */
export function objectiveRiseWarning(history: readonly EpochRecord[]): string | null {
  const first = history[0], last = history.at(-1);
  if (!first || !last || !(last.objective > 2 * first.objective)) return null;
  return `the training objective rose from ${first.objective.toPrecision(4)} (epoch 1) to ` +
    `${last.objective.toPrecision(4)} (epoch ${last.epoch}): lower the learning rate or ` +
    "standardise the features";
}

function fitBound(
  setup: Setup,
  options: FitOptions,
  preprocessing: Preprocessing,
  train: BoundLoss,
  validation: BoundLoss | null,
): FitResult {
  const { d, nOut, link, penalty, optimizer } = setup;
  const { l1, l2 } = penaltyStrengths(penalty);
  // The training loss's divisor: the weights' sum, or the row count without weights.
  const weightSum = setup.weights === null ? train.rows : setup.weightSum;

  const w = options.initial ? options.initial.weights.data.slice() : new Float64Array(nOut * d);
  const b = options.initial ? options.initial.bias.slice() : new Float64Array(nOut);
  const mask = options.mask?.slice() ?? options.initial?.mask?.slice() ?? null;
  if (mask) applyMask(w, mask);

  const history: EpochRecord[] = [];
  const warnings: string[] = [];
  const started = performance.now();
  // Validation scores the weights the forward pass uses (the fake-quantized ones under a
  // weightTransform), as the training loss does: those are the model QAT returns.
  const transform = options.weightTransform ?? null;
  const forward = transform ? new Float64Array(w.length) : w;
  const evaluate = (loss: BoundLoss) => {
    if (transform) transform.forward(w, forward);
    const r = loss.accumulate(null, 0, loss.rows, forward, b, null, null);
    return { loss: r.loss / loss.rows, accuracy: r.correct / loss.rows };
  };
  const penaltyValue = () => {
    let s2 = 0, s1 = 0;
    for (let i = 0; i < w.length; i++) {
      s2 += w[i] * w[i];
      s1 += Math.abs(w[i]);
    }
    return 0.5 * l2 * s2 + l1 * s1;
  };
  const record = (epoch: number, trainLoss: number, trainAccuracy: number, total: number) => {
    const v = validation ? evaluate(validation) : null;
    const rec: EpochRecord = {
      epoch,
      trainLoss,
      trainAccuracy,
      objective: trainLoss + penaltyValue(),
      ...(v ? { validationLoss: v.loss, validationAccuracy: v.accuracy } : {}),
      seconds: (performance.now() - started) / 1000,
    };
    history.push(rec);
    options.onProgress?.({ ...rec, totalEpochs: total, weights: w, bias: b });
    // The objective leaves the bias out (and SGD's and Adam's loss precedes the epoch's last
    // step): a bias that overflowed in that step would otherwise be returned.
    const bad = Number.isFinite(rec.objective) ? b.find((v) => !Number.isFinite(v)) : undefined;
    if (!Number.isFinite(rec.objective) || bad !== undefined) {
      throw new RangeError(
        `Cannot ${ACTION}: the ${bad === undefined ? "objective" : "bias"} became ${
          bad ?? rec.objective
        } at epoch ${epoch}; ` +
          "lower the learning rate or standardise the features",
      );
    }
    return rec;
  };

  let converged: boolean;
  let stopReason: string;
  if (optimizer.kind === "lbfgs") {
    ({ converged, stopReason } = runLbfgs(
      train,
      w,
      b,
      l1,
      l2,
      mask,
      optimizer,
      record,
      weightSum,
    ));
  } else {
    ({ converged, stopReason } = runMiniBatch(train, w, b, l1, l2, mask, optimizer, {
      seed: options.seed ?? 0,
      record,
      evaluate: validation ? () => evaluate(validation) : null,
      earlyStopping: options.earlyStopping ?? null,
      transform: options.weightTransform ?? null,
      onEpochEnd: options.onEpochEnd ?? null,
      weightSum,
    }));
  }
  // -0 -> 0 in the weights and the bias, so JSON (which has no -0) round-trips exactly.
  for (let i = 0; i < w.length; i++) w[i] += 0;
  for (let c = 0; c < b.length; c++) b[c] += 0;
  if (history.length === 0) {
    warnings.push(`training made no progress (${stopReason}): the model is the starting point`);
  }
  const rise = optimizer.kind === "lbfgs" ? null : objectiveRiseWarning(history);
  if (rise !== null) warnings.push(rise);
  if (penalty.kind === "none" || l2 + l1 === 0) {
    // Rows weighing 0 are not in the objective: whether the others are all classified right
    // decides it (a misclassified row of weight 0 hid the warning).
    let counted: Int32Array | null = null;
    if (setup.weights !== null) {
      const kept: number[] = [];
      setup.weights.forEach((s, i) => s > 0 && kept.push(i));
      counted = Int32Array.from(kept);
    }
    if (transform) transform.forward(w, forward);
    const nCounted = counted?.length ?? train.rows;
    if (train.accumulate(counted, 0, nCounted, forward, b, null, null).correct === nCounted) {
      warnings.push(
        `the training data${
          counted === null ? "" : " (their rows weighing more than 0)"
        } are perfectly separable and there is no penalty: the loss keeps ` +
          "falling as the weights grow, so they depend on when training stopped; " +
          "add an L2 penalty for a well-defined model",
      );
    }
  }
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link,
    weights: { data: w, rows: nOut, cols: d },
    bias: b,
    classes: setup.classes,
    featureNames: setup.featureNames,
    preprocessing,
    ...(mask ? { mask } : {}),
    // Training on from a model continues it: its decision threshold stays.
    ...(options.initial ? thresholdOf(options.initial) : {}),
  };
  return { model, history, converged, stopReason, warnings };
}

/**
 * Refuses features that training cannot store: it keeps them preprocessed, in float32 for float32
 * data or the wasm backend (float32 copies) and in float64 otherwise, and a value beyond that
 * range became Infinity there, so that every loss was NaN: a float64 feature above float32's
 * largest value on the wasm backend (L-BFGS then failed as 'Cannot minimize: x0 holds NaN', SGD
 * blamed the learning rate, and validation data gave NaN losses, on which early stopping stopped
 * after `patience` epochs), or a given preprocessing whose scale is tiny for the data.
 *
 * @param name The data's name in messages.
 * @param m The raw features (finite).
 * @param preprocessing The preprocessing training applies.
 * @param wasm Whether the wasm backend stores them.
 * @throws {RangeError} Naming the first value that does not fit.
 */
function checkStoredValues(
  name: string,
  m: Matrix | CsrMatrix,
  preprocessing: Preprocessing,
  wasm: boolean,
): void {
  if (isCsr(m)) return checkSparseValues(name, m, preprocessing);
  const float32 = wasm || m.data instanceof Float32Array;
  const p = preprocessing.kind === "standardize" ? preprocessing : null;
  if (p === null && !(float32 && m.data instanceof Float64Array)) return;
  const { rows, cols, data } = m;
  const inv = p === null ? null : p.scale.map((s) => 1 / s);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const raw = data[i * cols + j];
      const v = p === null ? raw : (raw - p.mean[j]) * inv![j];
      const stored = float32 ? Math.fround(v) : v;
      if (Number.isFinite(stored)) continue;
      throw new RangeError(
        `Cannot ${ACTION}: ${name} holds ${raw} at row ${i}, column ${j}` +
          (p === null ? "" : `, ${v} once preprocessed`) +
          `, beyond the ${float32 ? "float32" : "float64"} range training stores it in` +
          (wasm && m.data instanceof Float64Array
            ? ' (the wasm backend trains on float32 copies; backend "ts" keeps float64 data)'
            : ""),
      );
    }
  }
}

/**
 * {@linkcode checkStoredValues} of CSR features, which the sparse kernel never stores
 * preprocessed: a given standardisation must still map each stored value, and the zero of each
 * column that has one, to a finite float64 (the values the fold computes with).
 */
function checkSparseValues(name: string, m: CsrMatrix, preprocessing: Preprocessing): void {
  if (preprocessing.kind !== "standardize") return;
  const { mean, scale } = preprocessing;
  const { rows, cols, indptr, indices, values } = m;
  const stored = new Float64Array(cols);
  const refuse = (raw: number, v: number, i: number, j: number): never => {
    throw new RangeError(
      `Cannot ${ACTION}: ${name} holds ${raw} at row ${i}, column ${j}, ${v} once ` +
        "preprocessed, beyond the float64 range training computes in",
    );
  };
  for (let i = 0; i < rows; i++) {
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const j = indices[q], v = (values[q] - mean[j]) / scale[j];
      stored[j]++;
      if (!Number.isFinite(v)) refuse(values[q], v, i, j);
    }
  }
  for (let j = 0; j < cols; j++) {
    const v = (0 - mean[j]) / scale[j];
    if (stored[j] < rows && !Number.isFinite(v)) {
      let i = 0;
      for (; i < rows; i++) {
        let has = false;
        for (let q = indptr[i]; q < indptr[i + 1]; q++) if (indices[q] === j) has = true;
        if (!has) break;
      }
      refuse(0, v, i, j);
    }
  }
}

/** Up to this many features, L-BFGS preconditions with the full feature covariance. */
const PRECONDITION_MAX_FEATURES = 1024;
/** Rows sampled for that covariance. */
const PRECONDITION_ROWS = 8192;

type Recorder = (epoch: number, loss: number, accuracy: number, total: number) => EpochRecord;

/**
 * Share of the training samples below which a class gets a warning, with many classes a tenth of
 * an even share if that is less (100 classes of about 1 % each are not rare).
 */
const RARE_CLASS_SHARE = 0.01;

/** Past one more than this many warned classes, the rest are counted in one last line. */
const MAX_CLASS_WARNINGS = 8;

/**
 * Warnings for classes without training samples or with very few of them: below 1 % of the
 * samples, or below a tenth of an even share (`0.1 / nClasses`) when that is less. Past 9 such
 * classes, 8 are listed and one more line counts the rest.
 *
 * @param counts Training samples per class.
 * @param classes The class labels.
 * @returns One warning per such class, or 8 and a count of the others.
 */
export function classBalanceWarnings(
  counts: ArrayLike<number>,
  classes: readonly string[],
): string[] {
  let total = 0;
  for (let c = 0; c < classes.length; c++) total += counts[c];
  const rare = Math.min(RARE_CLASS_SHARE, 0.1 / classes.length);
  const out: string[] = [];
  for (let c = 0; c < classes.length; c++) {
    if (counts[c] === 0) {
      out.push(
        `class ${
          quotedText(classes[c])
        } has no training samples: the model learns never to predict it`,
      );
    } else if (counts[c] / total < rare) {
      out.push(
        `class ${quotedText(classes[c])} has only ${counts[c]} of ${total} training samples (${
          (100 * counts[c] / total).toFixed(2)
        } %): its predictions and metrics rest on very little data`,
      );
    }
  }
  // A line counting one more class would be no shorter than its own warning.
  if (out.length <= MAX_CLASS_WARNINGS + 1) return out;
  const more = out.length - MAX_CLASS_WARNINGS;
  return [
    ...out.slice(0, MAX_CLASS_WARNINGS),
    `${more} more classes have few or no training samples (of ${classes.length} classes): is ` +
    "the label column the right one?",
  ];
}

/**
 * A warning naming the classes whose training rows all weigh 0 (a `classWeight` of 0, or a
 * `sampleWeight` of 0 on each of their rows): training leaves those rows out, so the model learns
 * never to predict the class, and nothing else would say so. Legal (a class may be weighed out on
 * purpose), hence a warning, not a refusal. When one class alone weighs more than 0, the line says
 * that the model learns that class alone.
 *
 * @param counts Training rows per class.
 * @param weightSums The sum of the effective row weights of each class.
 * @param classes The class labels.
 * @returns One warning, or none when every class with rows weighs more than 0.
 *
 * @example A class weighted 0
 * ```ts
 * import { zeroWeightClassWarnings } from "./fit.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(zeroWeightClassWarnings([3, 5, 2], [0, 5, 2], ["a", "b", "c"]), [
 *   'class "a" weighs 0 on all its 3 training rows: training leaves them out, so the model ' +
 *   "learns never to predict it",
 * ]);
 * ```
 */
export function zeroWeightClassWarnings(
  counts: ArrayLike<number>,
  weightSums: ArrayLike<number>,
  classes: readonly string[],
): string[] {
  const zero: number[] = [], weighed: number[] = [];
  for (let c = 0; c < classes.length; c++) {
    if (counts[c] === 0) continue; // classBalanceWarnings says so
    (weightSums[c] > 0 ? weighed : zero).push(c);
  }
  if (zero.length === 0) return [];
  const shown = zero.slice(0, MAX_CLASS_WARNINGS).map((c) =>
    `${quotedText(classes[c])} (${counted(counts[c], "row")})`
  ).join(", ");
  const more = zero.length > MAX_CLASS_WARNINGS
    ? `, ... (${zero.length} classes, ${zero.reduce((s, c) => s + counts[c], 0)} rows)`
    : "";
  const head = zero.length === 1
    ? `class ${quotedText(classes[zero[0]])} weighs 0 on all its ${
      counted(counts[zero[0]], "training row")
    }: training leaves them out, so the model learns never to predict it`
    : `classes ${shown}${more} weigh 0 on all their training rows: training leaves them out, so ` +
      "the model learns never to predict them";
  const alone = weighed.length === 1
    ? `; only class ${quotedText(classes[weighed[0]])} weighs more than 0, so the model learns ` +
      "that class alone"
    : "";
  return [head + alone];
}

/** The sum of the row weights of each class. */
function classWeightSums(y: Int32Array, weights: Float64Array, nClasses: number): Float64Array {
  const sums = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) sums[y[i]] += weights[i];
  return sums;
}

function runLbfgs(
  loss: BoundLoss,
  w: Float64Array,
  b: Float64Array,
  l1: number,
  l2: number,
  mask: Uint8Array | null,
  optimizer: LbfgsOptimizer,
  record: Recorder,
  weightSum: number,
): { converged: boolean; stopReason: string } {
  const n = loss.rows;
  const nw = w.length;
  const nOut = b.length;
  const d = nw / nOut;
  const precondition = optimizer.precondition ?? l1 === 0;
  // A shift (feature means on a sample; zero without preconditioning): theta = [W, b + W mean].
  // Any shift is an exact change of variables; the mean makes it a good one.
  // With no more sampled rows than features the covariance is singular, and OWL-QN's orthant
  // projection of a step through a nearly singular full preconditioner stalls (L1 with n <= d
  // ran to the iteration limit short of the optimum): the diagonal is used there.
  const singular = l1 > 0 && Math.min(n, PRECONDITION_ROWS) <= d;
  const moments = precondition
    ? loss.sampleMoments(PRECONDITION_ROWS, d <= PRECONDITION_MAX_FEATURES && !singular)
    : null;
  const mean = moments?.mean ?? new Float64Array(d);
  const shift = (tw: Float64Array, tb: Float64Array, sign: number, out: Float64Array) => {
    for (let c = 0; c < nOut; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += tw[c * d + j] * mean[j];
      out[c] = tb[c] + sign * s;
    }
  };
  const theta = new Float64Array(nw + nOut);
  theta.set(w);
  shift(w, b, 1, theta.subarray(nw));
  const bias = new Float64Array(nOut);
  let lastLoss = NaN, lastAccuracy = NaN;
  const fn = (t: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const tw = t.subarray(0, nw);
    const gw = g.subarray(0, nw), gb = g.subarray(nw);
    shift(tw, t.subarray(nw), -1, bias);
    const r = loss.accumulate(null, 0, n, tw, bias, gw, gb);
    if (precondition) {
      for (let c = 0; c < nOut; c++) {
        for (let j = 0; j < d; j++) gw[c * d + j] -= gb[c] * mean[j];
      }
    }
    // Without weights, weightSum is n: the mean loss.
    const inv = 1 / weightSum;
    let reg = 0;
    for (let i = 0; i < nw; i++) {
      gw[i] = gw[i] * inv + l2 * tw[i];
      reg += tw[i] * tw[i];
    }
    for (let c = 0; c < nOut; c++) gb[c] *= inv;
    if (mask) { for (let i = 0; i < nw; i++) if (mask[i] === 0) gw[i] = 0; }
    lastLoss = r.loss * inv;
    lastAccuracy = r.correct * (1 / n);
    return lastLoss + 0.5 * l2 * reg;
  };
  let l1Vector: Float64Array | undefined;
  if (l1 > 0) {
    l1Vector = new Float64Array(nw + nOut);
    l1Vector.fill(l1, 0, nw);
  }
  let preconditioner: ((v: Float64Array, out: Float64Array) => void) | undefined;
  if (moments !== null) {
    const pre = { nOutputs: nOut, l2, mask, wasm: loss.backend === "wasm" };
    preconditioner =
      (moments.covariance ? kroneckerPreconditioner(moments.covariance, pre) : null) ??
        diagonalPreconditioner(moments.variance, pre);
  }
  const maxIterations = optimizer.maxIterations ?? 1000;
  const result = minimizeLbfgs(fn, theta, {
    memory: optimizer.memory,
    maxIterations,
    gradientTolerance: optimizer.tolerance,
    l1: l1Vector,
    preconditioner,
    onIteration: (s) => {
      // fn was last called at the accepted point except after an interpolated re-evaluation,
      // which also calls fn there: lastLoss describes s.x.
      w.set(s.x.subarray(0, nw));
      shift(w, s.x.subarray(nw), -1, b);
      record(s.iteration, lastLoss, lastAccuracy, maxIterations);
    },
  });
  w.set(result.x.subarray(0, nw));
  shift(w, result.x.subarray(nw), -1, b);
  return { converged: result.converged, stopReason: result.reason };
}

interface MiniBatchHooks {
  seed: number;
  record: Recorder;
  evaluate: (() => { loss: number; accuracy: number }) | null;
  earlyStopping: { patience: number; minDelta?: number; notBefore?: number } | null;
  transform: WeightTransform | null;
  onEpochEnd: ((state: EpochState) => void) | null;
  /** Sum of the sample weights (`nSamples` without weights). */
  weightSum: number;
}

function runMiniBatch(
  loss: BoundLoss,
  w: Float64Array,
  b: Float64Array,
  l1: number,
  l2: number,
  mask: Uint8Array | null,
  optimizer: SgdOptimizer | AdamOptimizer,
  hooks: MiniBatchHooks,
): { converged: boolean; stopReason: string } {
  const n = loss.rows;
  const nw = w.length;
  const nOut = b.length;
  const epochs = optimizer.epochs ?? 20;
  const batchSize = Math.min(optimizer.batchSize ?? 64, n);
  const adam = optimizer.kind === "adam";
  let lr = optimizer.learningRate ?? (adam ? 0.001 : 0.1);
  const decay = optimizer.learningRateDecay ?? 1;
  const momentum = adam ? 0 : optimizer.momentum ?? 0.9;
  const beta1 = adam ? optimizer.beta1 ?? 0.9 : 0;
  const beta2 = adam ? optimizer.beta2 ?? 0.999 : 0;
  const eps = adam ? optimizer.epsilon ?? 1e-8 : 0;
  // A batch's weighted gradient sum is divided by |B| * mean(s) (unbiased for the weighted
  // mean's gradient); without weights mean(s) is 1 and this is |B|.
  const meanWeight = hooks.weightSum / n;

  const gw = new Float64Array(nw), gb = new Float64Array(nOut);
  const vw = new Float64Array(nw), vb = new Float64Array(nOut); // momentum or Adam's m
  const sw = adam ? new Float64Array(nw) : null; // Adam's v
  const sb = adam ? new Float64Array(nOut) : null;
  const used = hooks.transform ? new Float64Array(nw) : w;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const prng = createPrng(hooks.seed);
  let step = 0;
  let best: { loss: number; w: Float64Array; b: Float64Array; epoch: number } | null = null;
  let sinceBest = 0;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, prng);
    let lossSum = 0, correct = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      gw.fill(0);
      gb.fill(0);
      if (hooks.transform) hooks.transform.forward(w, used);
      const r = loss.accumulate(order, start, end, used, b, gw, gb);
      lossSum += r.loss;
      correct += r.correct;
      if (hooks.transform) hooks.transform.backward(w, gw);
      const inv = 1 / ((end - start) * meanWeight);
      for (let i = 0; i < nw; i++) gw[i] = gw[i] * inv + l2 * w[i];
      for (let c = 0; c < nOut; c++) gb[c] *= inv;
      step++;
      if (adam) {
        const c1 = 1 / (1 - beta1 ** step), c2 = 1 / (1 - beta2 ** step);
        adamUpdate(w, gw, vw, sw!, lr, beta1, beta2, eps, c1, c2, l1, mask);
        adamUpdate(b, gb, vb, sb!, lr, beta1, beta2, eps, c1, c2, 0, null);
      } else {
        sgdUpdate(w, gw, vw, lr, momentum, l1, mask);
        sgdUpdate(b, gb, vb, lr, momentum, 0, null);
      }
    }
    if (hooks.onEpochEnd) {
      const removedBefore = mask ? countZeros(mask) : 0;
      hooks.onEpochEnd({ epoch, weights: w, bias: b, mask });
      if (mask) {
        applyMask(w, mask);
        applyMask(vw, mask);
        if (sw) applyMask(sw, mask);
        // Weights saved under a smaller mask would revive the weights removed since: early
        // stopping starts again from the new mask.
        if (countZeros(mask) !== removedBefore) {
          best = null;
          sinceBest = 0;
        }
      }
    }
    const rec = hooks.record(epoch, lossSum / hooks.weightSum, correct / n, epochs);
    lr *= decay;
    if (hooks.earlyStopping && rec.validationLoss !== undefined) {
      const minDelta = hooks.earlyStopping.minDelta ?? 0;
      if (best === null || rec.validationLoss < best.loss - minDelta) {
        best = { loss: rec.validationLoss, w: w.slice(), b: b.slice(), epoch };
        sinceBest = 0;
      } else if (
        ++sinceBest >= hooks.earlyStopping.patience &&
        epoch >= (hooks.earlyStopping.notBefore ?? 0)
      ) {
        w.set(best.w);
        b.set(best.b);
        return {
          converged: true,
          stopReason: `early stopping: no validation improvement since epoch ${best.epoch}`,
        };
      }
    }
  }
  if (best !== null) {
    w.set(best.w);
    b.set(best.b);
  }
  return { converged: true, stopReason: `ran ${counted(epochs, "epoch")}` };
}

function countZeros(mask: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) zeros++;
  return zeros;
}

function applyMask(w: Float64Array, mask: Uint8Array): void {
  for (let i = 0; i < w.length; i++) if (mask[i] === 0) w[i] = 0;
}

function resolvePreprocessing(options: FitOptions, x: Matrix | CsrMatrix): Preprocessing {
  const p = options.preprocessing ?? "standardize";
  if (p === "standardize") return fitStandardizer(x);
  if (p === "none") return { kind: "none" };
  if (typeof p === "string") {
    throw new RangeError(
      `Cannot ${ACTION}: preprocessing must be "standardize", "none" or a preprocessing object, ` +
        `got ${describe(p)}`,
    );
  }
  validatePreprocessing(p, x.cols, ACTION);
  return p;
}

/** The most classes the default `classes` ("0".."max(y)") may make, as `confusionMatrix` takes. */
const MAX_CLASSES = 2 ** 24;

/**
 * Refuses a largest label that would make more than 2^24 classes "0".."max(y)": a label such as
 * a raw id of 2^30 asked for that many, and building them failed with a bare "Invalid array
 * length" after a minute.
 *
 * @param action What the caller was doing, for messages.
 * @param maxLabel The largest label.
 * @throws {RangeError} If `maxLabel + 1` is more than 2^24.
 */
export function checkLabelCount(action: string, maxLabel: number): void {
  if (maxLabel >= MAX_CLASSES) {
    throw new RangeError(
      `Cannot ${action}: label ${maxLabel} would make ${maxLabel + 1} classes, more than ` +
        `${MAX_CLASSES}; labels are class indices in 0..nClasses-1 (encodeLabels makes them)`,
    );
  }
}

interface Setup {
  n: number;
  d: number;
  nOut: number;
  link: Link;
  penalty: Penalty;
  optimizer: Optimizer;
  classes: readonly string[];
  featureNames: readonly string[];
  /** Effective weight per training row (sample weight times class weight), or `null`. */
  weights: Float64Array | null;
  /** Their sum (0 without weights). */
  weightSum: number;
}

/**
 * The effective weight of each training row, `sampleWeight[i] * classWeight[y[i]]`, checked, as
 * `fit` resolves its options of those names (`"balanced"` counts the rows of `y`). Every function
 * that computes a weighted training quantity (loss derivatives, pruning scores, `l1LambdaMax`)
 * resolves its weights with it, so they mean what they mean to `fit`.
 *
 * @param y Class index per row.
 * @param classes The class labels (`classWeight` names them; `y` indexes them).
 * @param options `sampleWeight` and `classWeight`, as `fit`'s options (other keys are not read).
 * @param action What the caller was doing, for messages.
 * @returns The weights and their sum, or `null` weights (sum 0) when neither option is given.
 * @throws {TypeError} If `sampleWeight` is not an array of one weight per row, or `classWeight`
 *   is neither `"balanced"` nor an object.
 * @throws {RangeError} If a weight is negative or not finite, `classWeight` names an unknown
 *   class, every row weighs 0, or the weights' sum overflows.
 *
 * @example Balanced weights on three rows of two classes
 * ```ts
 * import { effectiveWeights } from "./fit.ts";
 * import assert from "node:assert/strict";
 *
 * const r = effectiveWeights(Int32Array.from([0, 0, 1]), ["a", "b"], { classWeight: "balanced" });
 * assert.deepEqual([...r.weights!], [0.75, 0.75, 1.5]);
 * assert.equal(r.weightSum, 3);
 * ```
 */
export function effectiveWeights(
  y: Int32Array,
  classes: readonly string[],
  options: Pick<FitOptions, "sampleWeight" | "classWeight">,
  action: string = ACTION,
): { weights: Float64Array | null; weightSum: number } {
  const sw: unknown = options.sampleWeight, cw: unknown = options.classWeight;
  if (sw === undefined && cw === undefined) return { weights: null, weightSum: 0 };
  const n = y.length;
  const weights = sw === undefined
    ? new Float64Array(n).fill(1)
    : sampleWeightValues(action, sw, n, false);
  if (cw !== undefined) {
    const counts = new Float64Array(classes.length);
    if (cw === "balanced") { for (let i = 0; i < n; i++) counts[y[i]]++; }
    const perClass = perClassWeights(cw, classes, counts, action);
    for (let i = 0; i < n; i++) weights[i] *= perClass[y[i]];
  }
  let weightSum = 0;
  for (let i = 0; i < n; i++) weightSum += weights[i];
  checkWeightSum(
    action,
    weightSum,
    cw === undefined ? "sampleWeight" : sw === undefined ? "classWeight" : "both",
  );
  return { weights, weightSum };
}

/**
 * Scales finite weights >= 0 in place by a power of two (exactly, bar subnormals) so that the
 * largest lies in [1, 2); all zero, they stay. Only the weights' ratios matter to the weighted
 * mean: this keeps the wasm engine's float32 residuals (weight times p - y) from overflowing to
 * Infinity or flushing to zero, as weights of 1e39 (NaN, or L-BFGS's zero model) or 1e-40 (no
 * gradient) did, and a sum of subnormal weights from making its reciprocal Infinity. Weights
 * whose largest is in [1, 2), ones among them, stay as they are.
 */
function scaleToUnit(a: Float64Array): void {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > max) max = a[i];
  if (max === 0 || (max >= 1 && max < 2)) return;
  const { pre, scale } = unitScale(max);
  if (pre !== 1) { for (let i = 0; i < a.length; i++) a[i] *= pre; }
  for (let i = 0; i < a.length; i++) a[i] *= scale;
}

function validate(x: Matrix | CsrMatrix, y: Int32Array, options: FitOptions): Setup {
  checkOptionKeys(
    ACTION,
    options,
    FIT_OPTION_KEYS,
    "options",
    nestedOptionHint(options, FIT_OPTION_KEYS),
  );
  // A CSR matrix is checked whole (its values finite) by assertCsr.
  if (isCsr(x)) assertCsr(ACTION, "x", x);
  else assertMatrix(ACTION, "x", x);
  if (x.rows === 0) throw new RangeError(`Cannot ${ACTION}: x has no rows`);
  if (x.cols === 0) throw new RangeError(`Cannot ${ACTION}: x has no feature columns`);
  if (!isCsr(x)) assertFinite(ACTION, "x", x.data, x.cols);
  assertLabels(ACTION, y, x.rows, options.classes?.length);
  checkSeed(ACTION, options.seed);
  let maxLabel = 0;
  for (let i = 0; i < y.length; i++) if (y[i] > maxLabel) maxLabel = y[i];
  const initial = options.initial;
  if (initial !== undefined) {
    validateModel(initial, `${ACTION} from the initial model`);
    if (initial.weights.cols !== x.cols) {
      throw new TypeError(
        `Cannot ${ACTION}: the initial model takes ${
          counted(initial.weights.cols, "feature")
        }, x has ${x.cols}`,
      );
    }
    // Training from a model keeps its link, classes, feature names and preprocessing: an option
    // asking for others would be ignored, so it is refused.
    const same = (a: readonly string[] | undefined, b: readonly string[]) =>
      a === undefined || (a.length === b.length && a.every((v, i) => v === b[i]));
    const conflicts = [
      ...(options.link !== undefined && options.link !== "auto" && options.link !== initial.link
        ? [`link '${options.link}' (it has '${initial.link}')`]
        : []),
      ...(same(options.classes, initial.classes) ? [] : ["other classes"]),
      ...(same(options.featureNames, initial.featureNames) ? [] : ["other featureNames"]),
      ...(options.preprocessing === undefined || options.preprocessing === initial.preprocessing
        ? []
        : ["a preprocessing"]),
    ];
    if (conflicts.length > 0) {
      throw new RangeError(
        `Cannot ${ACTION}: the initial model fixes the link, classes, feature names and ` +
          `preprocessing, but the options ask for ${conflicts.join(", ")}; leave them out`,
      );
    }
  }
  // The default classes are "0".."max(y)".
  if (initial === undefined && options.classes === undefined) checkLabelCount(ACTION, maxLabel);
  const classes = initial?.classes ?? options.classes ??
    Array.from({ length: maxLabel + 1 }, (_, c) => String(c));
  if (initial && maxLabel >= classes.length) {
    throw new RangeError(
      `Cannot ${ACTION}: label ${maxLabel} is outside the initial model's ${classes.length} classes`,
    );
  }
  const present = new Set(y);
  if (present.size < 2) {
    const only = present.size === 0 ? "none" : quotedText(classes[y[0]]);
    throw new RangeError(
      `Cannot ${ACTION}: the labels hold a single class (${only}); at least two are needed`,
    );
  }
  // Checked as every model is, before training rather than when the model is used.
  checkClasses(ACTION, classes);
  const featureNames = initial?.featureNames ?? options.featureNames ??
    Array.from({ length: x.cols }, (_, j) => `x${j}`);
  // An array only: a number was refused as 'undefined feature names for 2 columns of x'.
  if (Array.isArray(featureNames) && featureNames.length !== x.cols) {
    throw new TypeError(
      `Cannot ${ACTION}: ${counted(featureNames.length, "feature name")} for ${
        counted(x.cols, "column")
      } of x`,
    );
  }
  checkFeatureNames(ACTION, featureNames, x.cols);
  // A new model's names must not repeat: no data file could be matched to it by name. An initial
  // model keeps its own (one read from a file written before this check may repeat a name, and is
  // used by position).
  if (initial === undefined) checkDistinctNames(featureNames);
  const link = resolveLink(ACTION, initial?.link ?? options.link ?? "auto", classes.length);
  const nOut = outputCount(link, classes.length);
  if (initial) {
    if (initial.weights.cols !== x.cols || initial.weights.rows !== nOut) {
      throw new TypeError(
        `Cannot ${ACTION}: the initial model is ${initial.weights.rows} x ${initial.weights.cols}, ` +
          `the data need ${nOut} x ${x.cols}`,
      );
    }
  }
  const mask = options.mask;
  if (mask !== undefined) {
    if (!(mask instanceof Uint8Array) || mask.length !== nOut * x.cols) {
      throw new TypeError(
        `Cannot ${ACTION}: mask must be a Uint8Array of ${
          counted(nOut * x.cols, "entry", { plural: "entries" })
        }, got ${describe(mask)}`,
      );
    }
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] > 1) {
        throw new RangeError(`Cannot ${ACTION}: mask[${i}] is ${mask[i]}, not 0 or 1`);
      }
    }
    const before = initial?.mask;
    if (before && before.length === mask.length) {
      const i = before.findIndex((kept, i) => kept === 0 && mask[i] !== 0);
      if (i >= 0) {
        throw new RangeError(
          `Cannot ${ACTION}: mask keeps weight ${i}, which the initial model's mask removed ` +
            "(a mask never revives a pruned weight)",
        );
      }
    }
  }
  const penalty: Penalty = options.penalty ?? { kind: "l2", lambda: 1 / x.rows };
  checkPenalty(ACTION, penalty);
  const optimizer: Optimizer = options.optimizer ?? { kind: "lbfgs" };
  checkOptimizer(ACTION, optimizer);
  if (optimizer.kind === "lbfgs") {
    if (options.weightTransform || options.onEpochEnd) {
      throw new RangeError(
        `Cannot ${ACTION}: weightTransform and onEpochEnd need the sgd or adam optimizer`,
      );
    }
    if (options.earlyStopping) {
      throw new RangeError(
        `Cannot ${ACTION}: earlyStopping needs the sgd or adam optimizer (L-BFGS stops by ` +
          "its tolerance and maxIterations)",
      );
    }
  }
  checkBackendOptions(ACTION, options);
  const transform: unknown = options.weightTransform;
  if (
    transform !== undefined &&
    (typeof transform !== "object" || transform === null ||
      typeof (transform as Partial<WeightTransform>).forward !== "function" ||
      typeof (transform as Partial<WeightTransform>).backward !== "function")
  ) {
    throw new TypeError(
      `Cannot ${ACTION}: weightTransform must be an object with forward and backward ` +
        `functions, got ${describe(transform)}`,
    );
  }
  if (options.earlyStopping) {
    checkOptionKeys(ACTION, options.earlyStopping, EARLY_STOPPING_KEYS, "earlyStopping");
    if (!options.validation) {
      throw new RangeError(`Cannot ${ACTION}: earlyStopping needs validation data`);
    }
    assertInRange(
      ACTION,
      "earlyStopping.patience",
      options.earlyStopping.patience,
      1,
      Infinity,
      true,
    );
    if (options.earlyStopping.notBefore !== undefined) {
      assertInRange(
        ACTION,
        "earlyStopping.notBefore",
        options.earlyStopping.notBefore,
        0,
        Infinity,
        true,
      );
    }
    if (options.earlyStopping.minDelta !== undefined) {
      assertInRange(
        ACTION,
        "earlyStopping.minDelta",
        options.earlyStopping.minDelta,
        0,
        Number.MAX_VALUE,
      );
    }
  }
  if (options.validation) {
    const v = options.validation;
    if (typeof v === "object" && v !== null && isCsr(v.x)) {
      checkSparseValidation(v as { x: CsrMatrix; y: Int32Array }, x.cols, classes.length);
    } else {
      checkValidation(
        ACTION,
        v as { x: Matrix; y: Int32Array },
        x.cols,
        "x has",
        classes.length,
      );
    }
  }
  // The wasm engine stores dense float32 copies: sparse data train on the TypeScript kernel.
  if (options.backend === "wasm" && (isCsr(x) || isCsr(options.validation?.x))) {
    throw new RangeError(
      `Cannot ${ACTION}: the wasm backend does not take sparse (CSR) input; use backend "ts" ` +
        'or "auto" (which train CSR data on the TypeScript sparse kernel), or csrToDense',
    );
  }
  const { weights } = effectiveWeights(y, classes, options);
  // Only the ratios matter to the weighted mean: training takes them scaled to [0, 2).
  let weightSum = 0;
  if (weights !== null) {
    scaleToUnit(weights);
    for (let i = 0; i < weights.length; i++) weightSum += weights[i];
  }
  return {
    n: x.rows,
    d: x.cols,
    nOut,
    link,
    penalty,
    optimizer,
    classes,
    featureNames,
    weights,
    weightSum,
  };
}

/**
 * Checks a penalty: a known kind, `lambda` finite and >= 0, `l1Ratio` in [0, 1] (for `fit` and
 * `fitStream`).
 *
 * @param action What the caller was doing, for messages.
 * @param penalty The penalty.
 * @throws {TypeError} If it is not an object, or has a field its kind does not read.
 * @throws {RangeError} Naming the field that is out of range.
 */
export function checkPenalty(action: string, penalty: Penalty): void {
  if (typeof penalty !== "object" || penalty === null) {
    // `penalty: "l1"` (scikit-learn's spelling) named no kind at all ("got undefined").
    throw new TypeError(
      `Cannot ${action}: penalty must be an object such as { kind: "l2", lambda: 0.01 }, got ${
        describe(penalty)
      }`,
    );
  }
  if (!["none", "l1", "l2", "elasticnet"].includes(penalty.kind)) {
    throw new RangeError(
      `Cannot ${action}: penalty kind must be none, l1, l2 or elasticnet, got ${
        describe((penalty as { kind?: unknown } | null)?.kind)
      }`,
    );
  }
  checkOptionKeys(action, penalty, PENALTY_KEYS[penalty.kind], "penalty");
  if (penalty.kind !== "none") {
    assertInRange(action, "penalty.lambda", penalty.lambda, 0, Number.MAX_VALUE);
    if (penalty.kind === "elasticnet") {
      assertInRange(action, "penalty.l1Ratio", penalty.l1Ratio, 0, 1);
    }
  }
}

/**
 * Checks a `link` option: `"auto"`, `"sigmoid"` or `"softmax"` (for `fit`, `fitStream` and
 * `l1LambdaMax`; `fitStream` checks it before reading the file, which gives the classes).
 *
 * @param action What the caller was doing, for messages.
 * @param requested The option (`"auto"` when absent).
 * @throws {RangeError} If it is anything else.
 */
export function checkLinkOption(
  action: string,
  requested: unknown,
): asserts requested is "auto" | Link {
  if (requested !== "auto" && requested !== "sigmoid" && requested !== "softmax") {
    throw new RangeError(
      `Cannot ${action}: link must be auto, sigmoid or softmax, got ${requested}`,
    );
  }
}

/**
 * The link a `link` option asks for with `nClasses` classes: `"auto"` is the sigmoid for two,
 * the softmax otherwise.
 *
 * @param action What the caller was doing, for messages.
 * @param requested The option (`"auto"` when absent).
 * @param nClasses The number of classes.
 * @returns The link.
 * @throws {RangeError} If the option is unknown, or the sigmoid for other than two classes.
 */
export function resolveLink(action: string, requested: unknown, nClasses: number): Link {
  checkLinkOption(action, requested);
  const link = requested === "auto" ? (nClasses === 2 ? "sigmoid" : "softmax") : requested;
  if (link === "sigmoid" && nClasses !== 2) {
    throw new RangeError(
      `Cannot ${action}: the sigmoid link needs exactly 2 classes, got ${nClasses}`,
    );
  }
  return link;
}

/**
 * Checks an optimizer's settings: a known kind, and each number given in its range (for `fit`
 * and `fitStream`).
 *
 * @param action What the caller was doing, for messages.
 * @param optimizer The optimizer.
 * @throws {TypeError} If it is not an object, has a field its kind does not read, or a
 *   `precondition` that is not a boolean.
 * @throws {RangeError} Naming the field that is out of range.
 */
export function checkOptimizer(action: string, optimizer: Optimizer): void {
  if (typeof optimizer !== "object" || optimizer === null) {
    throw new TypeError(
      `Cannot ${action}: optimizer must be an object, got ${describe(optimizer)}`,
    );
  }
  if (Object.hasOwn(OPTIMIZER_KEYS, optimizer.kind)) {
    checkOptionKeys(action, optimizer, OPTIMIZER_KEYS[optimizer.kind], "optimizer");
  }
  switch (optimizer.kind) {
    case "lbfgs":
      if (optimizer.maxIterations !== undefined) {
        assertInRange(
          action,
          "optimizer.maxIterations",
          optimizer.maxIterations,
          1,
          Infinity,
          true,
        );
      }
      if (optimizer.memory !== undefined) {
        assertInRange(action, "optimizer.memory", optimizer.memory, 1, 1000, true);
      }
      if (optimizer.tolerance !== undefined) {
        assertInRange(action, "optimizer.tolerance", optimizer.tolerance, 0, Infinity);
      }
      if (optimizer.precondition !== undefined && typeof optimizer.precondition !== "boolean") {
        throw new TypeError(
          `Cannot ${action}: optimizer.precondition must be a boolean, got ${
            describe(optimizer.precondition)
          }`,
        );
      }
      break;
    case "sgd":
    case "adam": {
      if (optimizer.learningRate !== undefined) {
        assertInRange(
          action,
          "optimizer.learningRate",
          optimizer.learningRate,
          Number.MIN_VALUE,
          Number.MAX_VALUE,
        );
      }
      if (optimizer.learningRateDecay !== undefined) {
        assertInRange(
          action,
          "optimizer.learningRateDecay",
          optimizer.learningRateDecay,
          Number.MIN_VALUE,
          Number.MAX_VALUE,
        );
      }
      if (optimizer.kind === "adam") {
        for (const key of ["beta1", "beta2"] as const) {
          const v = optimizer[key];
          if (v !== undefined) assertInRange(action, `optimizer.${key}`, v, 0, 1 - Number.EPSILON);
        }
        if (optimizer.epsilon !== undefined) {
          assertInRange(
            action,
            "optimizer.epsilon",
            optimizer.epsilon,
            Number.MIN_VALUE,
            Number.MAX_VALUE,
          );
        }
      }
      if (optimizer.batchSize !== undefined) {
        assertInRange(action, "optimizer.batchSize", optimizer.batchSize, 1, Infinity, true);
      }
      if (optimizer.epochs !== undefined) {
        assertInRange(action, "optimizer.epochs", optimizer.epochs, 1, Infinity, true);
      }
      if (optimizer.kind === "sgd" && optimizer.momentum !== undefined) {
        assertInRange(action, "optimizer.momentum", optimizer.momentum, 0, 1 - Number.EPSILON);
      }
      break;
    }
    default:
      throw new RangeError(
        `Cannot ${action}: unknown optimizer '${(optimizer as { kind: unknown }).kind}'; ` +
          "use sgd, adam or lbfgs",
      );
  }
}

/**
 * Checks validation data against the training data: a matrix of the same width with at least one
 * row, finite values, one label per row among the classes (for `fit` and `fitStream`).
 *
 * @param action What the caller was doing, for messages.
 * @param validation The validation data.
 * @param d The training data's width.
 * @param widthOf How the message names that width's owner, e.g. `"x has"`.
 * @param nClasses The number of classes.
 * @throws {TypeError} If it is not a matrix of width `d`.
 * @throws {RangeError} If it has no rows, a value is not finite or a label is out of range.
 */
export function checkValidation(
  action: string,
  validation: { readonly x: Matrix; readonly y: Int32Array },
  d: number,
  widthOf: string,
  nClasses: number,
): void {
  assertMatrix(action, "validation.x", validation.x);
  if (validation.x.cols !== d) {
    throw new TypeError(
      `Cannot ${action}: validation.x has ${counted(validation.x.cols, "column")}, ${widthOf} ${d}`,
    );
  }
  // Empty, every epoch's validation loss would be 0 / 0 = NaN, which early stopping never
  // counts as an improvement: it stopped after `patience` epochs, keeping epoch 1's weights.
  if (validation.x.rows === 0) throw new RangeError(`Cannot ${action}: validation.x has no rows`);
  assertFinite(action, "validation.x", validation.x.data, d);
  assertLabels(action, validation.y, validation.x.rows, nClasses);
}

/** {@linkcode checkValidation} of CSR validation data in `fit`. */
function checkSparseValidation(
  validation: { readonly x: CsrMatrix; readonly y: Int32Array },
  d: number,
  nClasses: number,
): void {
  assertCsr(ACTION, "validation.x", validation.x);
  if (validation.x.cols !== d) {
    throw new TypeError(
      `Cannot ${ACTION}: validation.x has ${counted(validation.x.cols, "column")}, x has ${d}`,
    );
  }
  if (validation.x.rows === 0) throw new RangeError(`Cannot ${ACTION}: validation.x has no rows`);
  assertLabels(ACTION, validation.y, validation.x.rows, nClasses);
}

/** Refuses feature names that repeat one (the CSV readers refuse such a header). */
function checkDistinctNames(names: readonly string[]): void {
  const repeat = firstRepeat(names);
  if (repeat !== null) {
    const [seen, j] = repeat;
    throw new TypeError(
      `Cannot ${ACTION}: features ${seen} and ${j} are both named ${quotedText(names[j])}`,
    );
  }
}
