/**
 * Plain-data types of the compression pipeline: what it is asked to do (prune and quantize
 * specifications, sweep and search spaces) and what it reports (one row per measured model).
 * Every report holds numbers, strings and plain objects only, so it prints as a table, converts
 * to JSON and feeds the plotting module without conversion.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { SizeCategory } from "../io/bytes.ts";
import type { StoredModel } from "../io/quantized.ts";
import type {
  AdamOptimizer,
  FitOptions,
  FitProgress,
  Optimizer,
  SgdOptimizer,
} from "../model/fit.ts";
import type { LogisticModel, Penalty } from "../model/types.ts";
import type { PruneStrategy } from "../prune/strategy.ts";
import type { QuantizationMethod, ResolvedMethod } from "../quant/quantize.ts";
import type { Granularity } from "../quant/types.ts";
import type { PairedDifference } from "../metrics/paired.ts";

/** Labelled data in the model's raw input space. */
export interface LabelledData {
  /** Raw features, shape `(nSamples, nFeatures)`. */
  readonly x: Matrix;
  /** Class index per sample, shape `(nSamples)`. */
  readonly y: Int32Array;
}

/**
 * Labelled data with a weight per row: the session's test data (whose reports then add the test
 * metrics weighted by them), or its validation and test data under `weightedMetrics`.
 */
export interface WeightedLabelledData extends LabelledData {
  /**
   * One weight per row of `x`, finite and >= 0, not all 0 (survey, importance or duplicate-count
   * weights), as `evaluate`'s `sampleWeight`: an integer weight counts as that many copies of the
   * row, a weight of 0 as no row.
   * @default {none (every row counts once)}
   */
  readonly sampleWeight?: ArrayLike<number>;
}

/** Training data, optionally with what its classes and columns are called. */
export interface CompressionData extends LabelledData {
  /**
   * Class labels (`classes[y[i]]` is sample `i`'s label).
   * @default {the given model's classes, else "0", "1", ...}
   */
  readonly classes?: readonly string[];
  /**
   * Feature names, one per column of `x`.
   * @default {the given model's names, else "x0", "x1", ...}
   */
  readonly featureNames?: readonly string[];
}

/**
 * How a standardised model's preprocessing (a mean and a scale per feature, 16 bytes per feature
 * in float64, which dominates a compressed model's file) is stored:
 * - `"keep"`: as it is;
 * - `"compact"`: the scale rounded to float16 (float32 when a scale is outside float16's normal
 *   range, unrounded when one is outside float32's) before quantization, and the mean folded into the bias after it (with the stored
 *   weights, up to the bias's float32 rounding), leaving a constant zero mean: 2 bytes per
 *   feature; the quantization grid is the standardised weights', as trained;
 * - `"fold"`: mean and scale folded into the weights and bias before quantization (1 byte): the
 *   grid then sees weights in raw units (`w / scale`), which costs accuracy when the features'
 *   scales differ widely and the grid is shared across features. The folded float32 bias loses
 *   precision when a feature's mean dwarfs its spread;
 * - `"auto"`: float models fold unless that changes a validation prediction (then keep); each
 *   quantized model is made both ways (post-training or quantization-aware) and folds unless
 *   folding has the lower validation accuracy; when a feature's mean is more than 2^16 times its
 *   spread (`meanDwarfsSpread`), where both fold the mean into a float32 bias, it is also made
 *   keeping the preprocessing, which it takes when strictly more accurate than both.
 * Models trained without standardisation have nothing to store (`"none"` in reports).
 */
export type PreprocessingStorage = "auto" | "fold" | "compact" | "keep";

/** How a measured model stores its preprocessing. */
export type StoredPreprocessing = "none" | "kept" | "compact" | "folded";

/** Whether pruning removes single weights or whole input features (columns of the weights). */
export type PruneStructure = "weights" | "features";

/** A pruning step. */
export interface PruneSpec {
  /**
   * The criterion (see `pruneWithStrategy`); `"l1"` is the soft threshold and applies to
   * weights only.
   * @default {"magnitude"}
   */
  readonly strategy?: PruneStrategy;
  /**
   * Fraction of the weights (or of the features, with `structure: "features"`) to remove, in
   * [0, 1). Exactly one of `fraction` and `count`.
   * @default {0.5 when count is absent}
   */
  readonly fraction?: number;
  /**
   * Number of weights (or features) to remove (per class row with `scope: "per-class"`).
   * @default {none}
   */
  readonly count?: number;
  /**
   * Single weights or whole features. A feature-pruned model keeps its full input width with
   * the removed columns masked, so it takes the same data as the dense one.
   * @default {"weights"}
   */
  readonly structure?: PruneStructure;
  /**
   * Rank all weights together or each class row on its own (weights only).
   * @default {"per-class" for taylor and obd, "global" otherwise}
   */
  readonly scope?: "global" | "per-class";
  /**
   * Fold the removed weights' mean contribution over the training data into the bias (for
   * `l1`, the change of every weight, the survivors' shrinkage included); free, and it matters
   * for inputs that are not centred such as pixels.
   * @default {true}
   */
  readonly compensate?: boolean;
  /**
   * Prune in this many rounds, each followed by the session's fine-tuning (iterative pruning,
   * as `iterativePrune`): after round `r` of `R`, `target * (1 - (1 - r / R) ** 3)` is removed
   * (the cubic schedule of Zhu and Gupta, which removes most in the first rounds; a fraction
   * rounded to 0.1 %, a count to a whole number; rounds that would remove nothing more are left
   * out), each round's mask extending the previous one and the last reaching the target (not for
   * `random`, which ranks the weights the same in every round: its rounds would end with the
   * one-shot mask). The
   * step is named by its rounds (90 % in 3 rounds: `"magnitude 63.3/86.7/90 % of weights"`).
   * Or the amounts themselves, as a sweep's ladder or a report's `prune.rounds` lists them: the
   * fraction (or, with `count`, the count) removed after each round, strictly ascending, the last
   * being the target (`fraction` may then be left out; given, it must equal the last). A list of
   * counts needs `count` (its last amount): without it the amounts are read as fractions.
   * Needs fine-tuning.
   * @default {1}
   */
  readonly rounds?: number | readonly number[];
}

/** `"ptq"`: post-training quantization; `"qat"`: quantization-aware training from the model. */
export type QuantizationTraining = "ptq" | "qat";

/** A quantization step. */
export interface QuantizeSpec {
  /**
   * The method with its bits and granularity (see `resolveMethod`).
   * @default {{ kind: "uniform", bits: 4 }} (symmetric per class, MSE calibration)
   */
  readonly method?: QuantizationMethod;
  /**
   * Post-training or quantization-aware (k-means: centroid fine-tuning).
   * @default {"ptq"}
   */
  readonly training?: QuantizationTraining;
}

/** Settings of quantization-aware training. */
export interface QatSettings {
  /**
   * The optimiser (mini-batch only).
   * @default {{ kind: "adam", learningRate: 0.001, epochs: 6, batchSize: 64, learningRateDecay: 0.5 }}
   */
  readonly optimizer?: SgdOptimizer | AdamOptimizer;
  /**
   * Re-choose the grid after every epoch but the last. A start whose kept weights are all 0
   * (zeroed by an L1 penalty) is re-chosen anyway: its fixed grid would be a placeholder.
   * @default {false}
   */
  readonly recalibrate?: boolean;
}

/** Progress of a long call, for a progress line. */
export interface CompressProgress {
  /** What is running. */
  readonly phase: "training" | "pruning" | "fine-tuning" | "quantizing" | "measuring";
  /**
   * One line saying what is running, e.g. `"fine-tuning magnitude 80 % of weights: step 12/100,
   * loss 0.0821"`.
   */
  readonly message: string;
  /**
   * Models finished so far in this call; a search counts the models it skips, or finds made
   * already or not needed, as finished, so the count reaches `total` with the last model.
   */
  readonly done: number;
  /** Models planned in this call (for a search, every model its space could make). */
  readonly total: number;
  /** Seconds since the call started. */
  readonly seconds: number;
  /** The inner training progress, when training. */
  readonly fit?: FitProgress;
}

/** Options of {@linkcode createCompressionSession}, shared by every call on the session. */
export interface CompressionSessionOptions {
  /**
   * A trained float model to start from instead of training one (if it was trained on the
   * data, pass a `validation` set it has not seen). Not with `denseTraining`, which it makes
   * pointless.
   * @default {none: trained on the data}
   */
  model?: LogisticModel;
  /**
   * How the dense model is trained (refused together with `model`).
   * @default {{ optimizer: { kind: "lbfgs" }, preprocessing: "standardize" }}
   */
  denseTraining?: {
    readonly optimizer?: Optimizer;
    readonly preprocessing?: "standardize" | "none";
  };
  /**
   * The penalty of training, fine-tuning and quantization-aware training.
   * @default {{ kind: "l2", lambda: 1 / nTrainingSamples }}
   */
  penalty?: Penalty;
  /**
   * One weight per row of `data`, as `fit`'s option: the dense training, fine-tuning, the
   * `taylor` and `obd` scores and quantization-aware training minimise (or differentiate) the
   * weighted mean loss on the rows they train on (with `validationFraction`, the training part's
   * weights). Validation and test metrics are not weighted unless `weightedMetrics` asks (the
   * test data's own `sampleWeight` adds the test metrics weighted by them).
   * @default {none (every row counts once)}
   */
  sampleWeight?: FitOptions["sampleWeight"];
  /**
   * Weigh the validation and test metrics by the rows' weights, and so every decision made on the
   * validation metrics: the search's feasibility and its paired margin, the size search's and the
   * sweep's accuracy (its Pareto front), the chosen `validationDifference` and `testDifference`,
   * and "auto" preprocessing storage (a form chosen by validation accuracy; folding a float model
   * may change only the predictions of rows of weight 0). Every report's `validation` and `test`
   * metrics are then weighted as `evaluate`'s `sampleWeight` weighs them (integer weights give
   * the metrics of the rows repeated; there is no `testWeighted`), and the margin's paired
   * standard errors are the weighted comparisons' (see `PairedOptions`), which depend only on the
   * weights' ratios. The validation rows split off by `validationFraction` weigh their
   * `sampleWeight`, which then is needed (`classWeight` weighs the training only); given
   * `validation` and `test` data need a `sampleWeight` of their own (and then `sampleWeight`,
   * optional, weighs the training only). With all weights equal, every decision is the
   * unweighted one (up to the rounding of the weighted sums).
   * @default {false}
   */
  weightedMetrics?: boolean;
  /**
   * A weight per class label, or `"balanced"`, as `fit`'s option (multiplies `sampleWeight`;
   * `"balanced"` counts the rows trained on, after the validation split). Used by every training
   * and data-based score, as `sampleWeight` is.
   * @default {none (every class weighs 1)}
   */
  classWeight?: FitOptions["classWeight"];
  /**
   * Held-out data for every decision (auto preprocessing, the budget search's feasibility, the
   * Pareto front). When absent, `validationFraction` of the data is split off (stratified,
   * seeded) and the rest trains. Its `sampleWeight` weighs the validation metrics under
   * `weightedMetrics`, which needs it; without `weightedMetrics` it is refused.
   * @default {none}
   */
  validation?: WeightedLabelledData;
  /**
   * Fraction split off for validation, in (0, 1); refused together with `validation`.
   * @default {0.2}
   */
  validationFraction?: number;
  /**
   * Data only reported on, never used for a decision. With `sampleWeight`, every report also
   * gives its test metrics weighted by them (`testWeighted`); `test` stays unweighted, unless
   * `weightedMetrics` weighs it (which then needs its `sampleWeight`).
   * @default {none}
   */
  test?: WeightedLabelledData;
  /**
   * Seed of the validation split, mini-batch shuffles, random pruning and QAT. k-means++ and
   * stochastic rounding take the quantization method's own `seed` (0 by default), not this one
   * (`lrc compress --seed` sets both).
   * @default {0}
   */
  seed?: number;
  /**
   * Retraining of the surviving weights after pruning (`false`: none).
   * @default {{ kind: "lbfgs", maxIterations: 100 }}
   */
  fineTune?: Optimizer | false;
  /**
   * Settings of quantization-aware training.
   * @default {{}}
   */
  qat?: QatSettings;
  /**
   * How a standardised model stores its preprocessing (see {@linkcode PreprocessingStorage}).
   * @default {"auto"}
   */
  preprocessingStorage?: PreprocessingStorage;
  /**
   * Keep the informational RECIPE section (method, calibration, ...; about 90 bytes) in the
   * files of quantized models.
   * @default {false}
   */
  keepRecipe?: boolean;
  /**
   * Entropy-code the files (format version 2, see `encodeModel`'s `entropy`): index sets and
   * codes are rANS-coded where that is smaller. Every size the session reports, compares and
   * searches by is then that of the entropy-coded file.
   * @default {false}
   */
  entropy?: boolean;
  /**
   * Called as work progresses (training, each model made and measured).
   * @default {none}
   */
  onProgress?: (progress: CompressProgress) => void;
}

/** Accuracy, balanced accuracy and log loss of a model on one data set. */
export interface CompressionMetrics {
  /** Number of samples (rows, whatever their weights). */
  readonly samples: number;
  /** Fraction classified right (weighted: the share of the weight). */
  readonly accuracy: number;
  /**
   * The mean over the classes present in the data of each class's recall (see
   * `balancedAccuracy`): what a search with `metric: "balanced-accuracy"` holds to.
   */
  readonly balancedAccuracy: number;
  /** Mean log loss (natural logarithm, probabilities clipped as scikit-learn does). */
  readonly logLoss: number;
  /**
   * ROC AUC of a two-class model (of its second class, ranked by the decision scores of the
   * model as stored, those its accuracy comes from; see `binaryRocAuc`); `null` for more classes
   * or when the data hold one class only (weighted: when a class has no weight).
   */
  readonly rocAuc: number | null;
}

/**
 * One measured model: metrics of the model read back from its encoded `.lrc` file, and that
 * file's real size.
 */
export interface ModelReport {
  /** A short description, e.g. `"magnitude 80 % + uniform symmetric 4-bit per class, QAT"`. */
  readonly name: string;
  /** Metrics on the validation data. */
  readonly validation: CompressionMetrics;
  /** Metrics on the test data, when given. */
  readonly test: CompressionMetrics | null;
  /**
   * The test metrics weighted by the test rows' `sampleWeight` (as `evaluate`'s `sampleWeight`
   * weighs them; a ROC AUC is `null` when a class has no weight); present only when the test data
   * have weights and `weightedMetrics` is off (with it, `test` itself is weighted).
   */
  readonly testWeighted?: CompressionMetrics;
  /** `nOutputs * nFeatures`. */
  readonly weights: number;
  /** Weights that are not zero in the stored model. */
  readonly nonZeros: number;
  /** Bits per stored weight value: 32 for float32, the code width of quantized weights. */
  readonly bits: number;
  /** Length of the encoded `.lrc` file (what `saveModel` writes). */
  readonly bytes: number;
  /** Where the bytes go (the size report's categories); they add up to `bytes`. */
  readonly parts: Readonly<Record<SizeCategory, number>>;
  /** Dense float32 baseline (4 bytes per weight and per bias) over `bytes`. */
  readonly ratio: number;
  /** How the weights are stored, e.g. `"float32"` or `"uniform-affine 4-bit per class"`. */
  readonly storage: string;
  /** How the preprocessing is stored. */
  readonly preprocessing: StoredPreprocessing;
  /**
   * Seconds spent making this model from the previous step (not measuring it); for the dense
   * model, its training (0 when it was given).
   */
  readonly seconds: number;
}

/** The pipeline's stages. */
export type StageName = "dense" | "pruned" | "fine-tuned" | "quantized";

/** One stage of a pipeline run. */
export interface StageReport extends ModelReport {
  /** Which stage. */
  readonly stage: StageName;
}

/** Pruning of a candidate, as done. */
export interface PruneSummary {
  /** How the weights (or features) were scored. */
  readonly strategy: PruneStrategy;
  /** Single weights, or whole input features. */
  readonly structure: PruneStructure;
  /** One ranking over all weights, or one per class row. */
  readonly scope: "global" | "per-class";
  /** The requested fraction of weights or features (`null` when a count was asked). */
  readonly fraction: number | null;
  /** The requested count (`null` when a fraction was asked). */
  readonly count: number | null;
  /** Fraction of the weights the mask removes. */
  readonly sparsity: number;
  /** Whether the removed weights' mean contribution was folded into the bias. */
  readonly compensate: boolean;
  /** Whether the survivors were retrained. */
  readonly fineTuned: boolean;
  /**
   * The fraction (or count) removed after each round, the last being `fraction` (or `count`);
   * one entry when the dense model was pruned once. Each round but the last was fine-tuned.
   */
  readonly rounds: readonly number[];
}

/** Quantization of a candidate, as done. */
export interface QuantizationSummary {
  /** `"uniform"`, `"log2"`, `"kmeans"` or `"float16"`. */
  readonly kind: QuantizationMethod["kind"];
  /** `"symmetric"` or `"affine"` for uniform, else `null`. */
  readonly scheme: "symmetric" | "affine" | null;
  /** Bits per code. */
  readonly bits: number;
  /** Parameter groups. */
  readonly granularity: Granularity;
  /** Post-training or quantization-aware. */
  readonly training: QuantizationTraining;
  /** The method in words, e.g. `"uniform symmetric 4-bit per class (mse)"`. */
  readonly method: string;
  /** The method with every setting filled in, as a quantize step's `method` takes it. */
  readonly settings: ResolvedMethod;
}

/** A model of a sweep or search: how it was made and what it measures. */
export interface CandidateReport extends ModelReport {
  /** Pruning, or `null` for the unpruned model. */
  readonly prune: PruneSummary | null;
  /** Quantization, or `null` for float32 weights. */
  readonly quantization: QuantizationSummary | null;
}

/** Options of a pipeline run ({@linkcode CompressionSession.compress}). */
export interface CompressOptions {
  /**
   * The pruning step (`false`: none).
   * @default {{ strategy: "magnitude", fraction: 0.5 }}
   */
  prune?: PruneSpec | false;
  /**
   * The quantization step (`false`: none, float32 weights).
   * @default {{ method: { kind: "uniform", bits: 4 }, training: "qat" }}
   */
  quantize?: QuantizeSpec | false;
}

/** Options of {@linkcode compressModel}: the session's and the pipeline's. */
export interface CompressModelOptions extends CompressionSessionOptions, CompressOptions {}

/** The result of a pipeline run. */
export interface CompressResult {
  /** The compressed model, exactly as its file holds it (decoded from `file`). */
  readonly model: StoredModel;
  /**
   * The `.lrc` bytes of `model`: `encodeModel(model)` gives them again, or
   * `encodeModel(model, { entropy: true })` when the session entropy-codes (the model does not
   * carry that setting; write `file` itself, or pass the same option to `saveModel`).
   */
  readonly file: Uint8Array;
  /** One row per stage run, in order (`dense`, then `pruned`, `fine-tuned`, `quantized`). */
  readonly stages: readonly StageReport[];
  /** The dense float32 baseline: 4 bytes per weight and per bias. */
  readonly denseFloat32Bytes: number;
  /**
   * The float model the quantization started from, in the units of the quantized weights (its
   * preprocessing prepared for storage), or `null` when the result is not quantized.
   */
  readonly unquantized: LogisticModel | null;
  /**
   * The warnings of the fine-tuning that made the model (`fit`'s `warnings`; of the last
   * round's fine-tuning when pruned in rounds), e.g. an objective that rose under too large a
   * learning rate; none when it was not fine-tuned. The dense training's are the session's
   * `denseWarnings`.
   */
  readonly fineTuneWarnings: readonly string[];
}

/** The space of a sweep or a search. */
export interface CompressionSpace {
  /**
   * Pruning strategies.
   * @default {["magnitude"]}
   */
  strategies?: readonly PruneStrategy[];
  /**
   * Pruning structures, each combined with every strategy.
   * @default {sweep: ["weights"]; search: ["weights", "features"]}
   */
  structures?: readonly PruneStructure[];
  /**
   * Fractions removed, in [0, 1); 0 is the unpruned model. Levels are named by their percentage
   * to 0.0001 %, so two sparsities of the same name are refused.
   * @default {sweep: [0, 0.5, 0.8, 0.9]; search: [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95]}
   */
  sparsities?: readonly number[];
  /**
   * Quantization methods; their `bits` and `granularity` are replaced by those of the space
   * (float16 is one point per model). Methods that resolve to the same one (`{ kind: "uniform" }`
   * and `{ kind: "uniform", scheme: "symmetric" }`) make one model.
   * @default {sweep: uniform symmetric and k-means; search: uniform symmetric, uniform affine,
   *   log2 and k-means}
   */
  methods?: readonly QuantizationMethod[];
  /**
   * Bit widths (widths a method does not support, such as log2 above 8, are skipped).
   * @default {sweep: [8, 4, 2]; search: [1, 2, 3, 4, 5, 6, 8]}
   */
  bits?: readonly number[];
  /**
   * Granularities, for every method but float16. Without them each method keeps its own
   * default: per class for uniform and log2 grids, per tensor for k-means codebooks.
   * @default {each method's own}
   */
  granularities?: readonly Granularity[];
  /**
   * Post-training quantization, quantization-aware training, or both.
   * @default {["ptq", "qat"]}
   */
  training?: readonly QuantizationTraining[];
  /**
   * Include the float32 model of every pruning level (a boolean).
   * @default {true}
   */
  includeFloat?: boolean;
  /**
   * Prune each level from the fine-tuned model of the level below it (of the same structure and
   * strategy) instead of from the dense model: iterative pruning whose rounds are the space's
   * sparsities (the 80 % level of `[0, 0.5, 0.8]` is 50 % then 80 %, fine-tuned after each).
   * Needs fine-tuning. A level's model then depends on the levels below it, which a search makes
   * (and fine-tunes) before it even where it skips their candidates. Levels of `random` pruning
   * stay pruned from the dense model (random ranks the weights the same in every round).
   * @default {false}
   */
  iterative?: boolean;
}

/** Options of a sweep ({@linkcode CompressionSession.sweep}). */
export type SweepOptions = CompressionSpace;

/** Options of {@linkcode sweepCompression}: the session's and the space. */
export interface SweepCompressionOptions extends CompressionSessionOptions, SweepOptions {}

/** A candidate that could not be made, and why. */
export interface SkippedCandidate {
  /** The candidate's description. */
  readonly name: string;
  /** Why it was skipped. */
  readonly reason: string;
}

/** A pruned (and fine-tuned) model that a sweep or search quantized. */
export interface PrunedBase {
  /** Its description, e.g. `"magnitude 80 % of weights"`. */
  readonly name: string;
  /** The pruning. */
  readonly prune: PruneSummary;
  /** Seconds of pruning (with iterative pruning, the earlier rounds' pruning and fine-tuning too). */
  readonly pruneSeconds: number;
  /** Seconds of fine-tuning. */
  readonly fineTuneSeconds: number;
}

/** The result of a sweep. */
export interface SweepResult {
  /** The dense model, measured. */
  readonly dense: ModelReport;
  /** One row per model made. */
  readonly rows: readonly CandidateReport[];
  /** `models[i]` is the stored model of `rows[i]`. */
  readonly models: readonly StoredModel[];
  /**
   * Indices into `rows` of the Pareto front of validation accuracy against file bytes (by
   * `paretoFront`), by increasing bytes.
   */
  readonly front: readonly number[];
  /** The pruned models the sweep made. */
  readonly bases: readonly PrunedBase[];
  /**
   * Candidates that could not be made: a combination ruled out before any model is made once
   * (e.g. `"log2 1-bit"`, whatever the granularities and trainings), a failed model per base.
   */
  readonly skipped: readonly SkippedCandidate[];
  /** The dense float32 baseline in bytes. */
  readonly denseFloat32Bytes: number;
}

/** Options of an accuracy-budgeted search ({@linkcode CompressionSession.search}). */
export interface SearchOptions extends CompressionSpace {
  /**
   * The largest accepted drop of validation accuracy (or of the `metric` held to) below the dense
   * model's, as a fraction in [0, 1) (0.01 is one percentage point, or 0.01 AUC).
   * @default {0.01}
   */
  maxDrop?: number;
  /**
   * A margin for the validation set's noise, in paired standard errors: a candidate is within
   * budget when its validation accuracy difference (in `metric`) from the dense model, less this
   * many standard errors of that difference (paired, sample by sample), is at least `-maxDrop`.
   * With 0 a candidate needs only its validation accuracy at the target; the smallest file that
   * passes by luck is then the one chosen, and it tends to fall short on new data. A margin
   * makes the budget more likely to hold there, at the cost of a larger file (README: "A margin
   * for noise").
   * @default {0}
   */
  standardErrors?: number;
  /**
   * What the budget holds to: `"accuracy"` (the share of validation rows right) or
   * `"balanced-accuracy"` (the mean over the classes present in the validation rows of each
   * class's recall, which counts a rare class as much as a common one: a model that never
   * predicts a class that the dense model finds loses that class's dense recall over the number
   * of classes), or, of a two-class model only, `"roc-auc"` (the validation ROC AUC from each
   * candidate's decision scores, `CompressionMetrics.rocAuc`; `maxDrop` is then in AUC units,
   * 0.01 AUC being one point as 0.01 accuracy is, and the margin's paired standard error is
   * DeLong's, see `pairedRocAucDifference`; more classes are refused). `maxDrop`, `target`, the
   * margin's paired standard errors and the `validationDifference` and `testDifference` of the
   * result are in this metric (a test difference in ROC AUC needs both classes among the test
   * rows, else it is `null`).
   * @default {"accuracy"}
   */
  metric?: BudgetMetric;
}

/** The validation metric an accuracy budget holds to (see {@linkcode SearchOptions.metric}). */
export type BudgetMetric = "accuracy" | "balanced-accuracy" | "roc-auc";

/** Options of {@linkcode searchCompression}: the session's, the budget and the space. */
export interface SearchCompressionOptions extends CompressionSessionOptions, SearchOptions {}

/** Options of a size-budgeted search ({@linkcode CompressionSession.searchWithinBytes}). */
export interface SizeSearchOptions extends CompressionSpace {
  /** The largest accepted file, in bytes (as the session writes it: entropy-coded or not). */
  maxBytes: number;
}

/** A candidate the search evaluated. */
export interface TriedCandidate extends CandidateReport {
  /**
   * Whether it is within the budget: its validation accuracy, or balanced accuracy or ROC AUC by
   * `metric` (`search`), or its file size (`searchWithinBytes`).
   */
  readonly feasible: boolean;
  /**
   * With `standardErrors` above 0 (`search`): its validation accuracy difference (in `metric`) from
   * the dense model less that many paired standard errors, the figure held to `-maxDrop`; else
   * `null`.
   */
  readonly lowerBound: number | null;
}

/** What both budgeted searches return besides the compressed model. */
export interface BudgetedSearchResult extends CompressResult {
  /** The chosen candidate (see `search` and `searchWithinBytes` for the rule). */
  readonly chosen: CandidateReport;
  /**
   * The chosen model against the dense model on the validation data, sample by sample: the
   * difference and its paired standard error. A budget smaller than about two standard errors is
   * below what the validation set can resolve, and the test difference may exceed it.
   */
  readonly validationDifference: PairedDifference;
  /** The same on the test data, or `null` without test data. */
  readonly testDifference: PairedDifference | null;
  /** Every candidate evaluated, in the order evaluated. */
  readonly tried: readonly TriedCandidate[];
  /** Candidates not evaluated, and why (they cannot beat the best or fit, unsupported, ...). */
  readonly skipped: readonly SkippedCandidate[];
  /**
   * The pruned models the search made (with iterative pruning, also the levels whose candidates
   * it skipped but which it fine-tuned as rounds of the levels above them, listed last).
   */
  readonly bases: readonly PrunedBase[];
}

/**
 * The result of an accuracy-budgeted search; `chosen` is the smallest file among the feasible
 * candidates evaluated.
 */
export interface SearchResult extends BudgetedSearchResult {
  /**
   * The dense model's validation accuracy (or balanced accuracy or ROC AUC, by `metric`) minus
   * `maxDrop`: the figure a model must reach (with a margin, it must also reach it by
   * `standardErrors` paired standard errors of its difference from the dense model).
   */
  readonly target: number;
  /** The accepted drop. */
  readonly maxDrop: number;
  /** The margin in paired standard errors (0: none). */
  readonly standardErrors: number;
  /**
   * The metric of the budget: `target`, `validationDifference` and `testDifference` are in it
   * (the candidates' reports give each, `accuracy`, `balancedAccuracy` and, for two classes,
   * `rocAuc`).
   */
  readonly metric: BudgetMetric;
}

/**
 * The result of a size-budgeted search: the most accurate model whose file fits. `chosen` is the
 * highest validation accuracy among the evaluated files of at most `maxBytes` bytes (ties: the
 * smaller file, then the first evaluated); `feasible` in `tried` says that a file fits.
 */
export interface SizeSearchResult extends BudgetedSearchResult {
  /** The largest accepted file, in bytes. */
  readonly maxBytes: number;
}
