/**
 * `lrc compress`: the compression pipeline on the user's CSV or an embedded set. Four modes:
 * the pipeline (train or load, prune, fine-tune, quantize; a stage table), `--sweep` (a table
 * and its Pareto front), `--budget POINTS` (the smallest file within that many points of the
 * dense model's validation accuracy) and `--max-bytes N` (the most accurate model whose file has
 * at most N bytes). Writes the model file (`--out`), an ONNX export (`--onnx`)
 * and a standalone HTML report with the trade-off charts (`--report`).
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import { thresholdNote } from "./format.ts";
import type { Matrix } from "../core/matrix.ts";
import { counted, errorReason, quotedText } from "../core/validate.ts";
import { trainingSize } from "../data/preprocess.ts";
import { encodeModel } from "../io/model_file.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import { accuracy, balancedAccuracy } from "../metrics/metrics.ts";
import { classesFromScores, predict } from "../model/predict.ts";
import { binaryRocAuc } from "../metrics/evaluate.ts";
import { weightedPredictionMetrics } from "../metrics/weighted.ts";
import { dequantizeModel } from "../quant/model.ts";
import { integerDecisionFunction } from "../quant/integer.ts";
import type { QuantizedModel } from "../quant/types.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { pairedAccuracyDifference, type PairedDifference } from "../metrics/paired.ts";
import { pairedInMetric } from "../compress/search.ts";
import { paretoFront } from "../metrics/pareto.ts";
import type { Optimizer } from "../model/fit.ts";
import type { LogisticModel } from "../model/types.ts";
import { exportOnnx } from "../onnx/export.ts";
import { PRUNE_STRATEGIES, type PruneStrategy } from "../prune/strategy.ts";
import type { Calibration, QuantizationMethod, Rounding } from "../quant/quantize.ts";
import { resolveMethod } from "../quant/quantize.ts";
import { codebookBits } from "../quant/grid.ts";
import type { Granularity } from "../quant/types.ts";
import {
  type BudgetMetric,
  type CandidateReport,
  type CompressionSession,
  type CompressionSpace,
  type CompressProgress,
  type CompressResult,
  createCompressionSession,
  createRefitSession,
  type ModelReport,
  type PreprocessingStorage,
  type PruneSpec,
  type PruneStructure,
  type QuantizationTraining,
  type QuantizeSpec,
  type SearchResult,
  type SizeSearchResult,
  smallestModelFile,
  type StageReport,
  type SweepResult,
} from "../compress/mod.ts";
import { type Command, decimalValue, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import {
  checkPruneCount,
  MAX_PRUNE_ROUNDS,
  removesNothing,
  resolvePrune,
  roundsForModel,
  SAME_MODEL_AS,
} from "../compress/context.ts";
import {
  prunesInRounds,
  resolveSpace,
  SEARCH_DEFAULTS,
  SWEEP_DEFAULTS,
} from "../compress/space.ts";
import {
  DATA_OPTIONS,
  dataForModel,
  loadData,
  type LoadedData,
  type RowWeights,
  validationParts,
  WEIGHT_COLUMN_OPTION,
} from "./data_options.ts";
import {
  formatTable,
  percent,
  pointsText,
  ratioText,
  rocAucText,
  TrainingWarnings,
  weightedTestTable,
} from "./format.ts";
import { lostClasses, lostClassesNote } from "./lost_classes.ts";
import {
  checkDistinctOutputs,
  checkOutput,
  readFloatModelFile,
  writeModelFile,
} from "./model_files.ts";
import {
  checkKmeansGroups,
  GRID_OPTIONS,
  gridSettings,
  type InputDtype,
  integerCalibration,
  MIN_INTEGER_AGREEMENT,
} from "./quantize.ts";
import { createProgress, preparingText } from "./progress.ts";
import { checkAboveMask } from "./prune.ts";
import {
  CLASS_WEIGHT_OPTION,
  classWeightOption,
  classWeightsFromArgs,
  classWeightsLine,
  refuseDenseTrainingOptions,
  rowWeightsJson,
  rowWeightsLine,
  sampleWeightOption,
  TRAIN_OPTIONS,
  trainingChoices,
  weightSum,
  zeroWeightClassLines,
} from "./train.ts";
import { writeCompressionReport } from "./compress_report.ts";
import { onnxRoundingWarning, qdqScoringWarning } from "./export.ts";

const NAME = "compress";

/** Quantization method names of the command line. */
const METHODS = ["uniform", "affine", "log2", "kmeans", "float16", "none"] as const;

function usage(message: string): UsageError {
  return new UsageError(`Cannot parse arguments of '${NAME}': ${message}`);
}

/** A comma-separated option as a list (its default when absent). */
function listOf(args: ParsedArgs, name: string): string[] {
  const raw = args.string(name);
  if (raw === undefined) return [];
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw usage(`--${name} has an empty item in '${raw}'`);
  return items;
}

function choicesOf<T extends string>(
  args: ParsedArgs,
  name: string,
  allowed: readonly T[],
): T[] {
  const items = listOf(args, name);
  for (const v of items) {
    if (!allowed.includes(v as T)) {
      throw usage(`--${name} must be one of ${allowed.join(", ")} (or a list of them), got '${v}'`);
    }
  }
  return items as T[];
}

function numbersOf(
  args: ParsedArgs,
  name: string,
  min: number,
  max: number,
  integer: boolean,
): number[] {
  return listOf(args, name).map((raw) => {
    const v = decimalValue(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw usage(
        `--${name} must be ${integer ? "an integer" : "a number"} in [${min}, ${max}] (or a ` +
          `list of them), got '${raw}'`,
      );
    }
    return v;
  });
}

/** The grid and codebook settings every listed method takes from the options. */
interface MethodSettings {
  readonly calibration: Calibration;
  readonly rounding: Rounding;
  readonly init: "kmeans++" | "linear";
  readonly seed: number;
}

function methodOf(name: (typeof METHODS)[number], settings: MethodSettings): QuantizationMethod {
  const { calibration, rounding } = settings;
  switch (name) {
    case "uniform":
      return { kind: "uniform", scheme: "symmetric", calibration, rounding };
    case "affine":
      return { kind: "uniform", scheme: "affine", calibration, rounding };
    case "log2":
      return { kind: "log2", calibration, rounding };
    case "kmeans":
      return { kind: "kmeans", init: settings.init, seed: settings.seed };
    default:
      return { kind: "float16" };
  }
}

/** The quantization settings of the options, checked against the methods that use them. */
function methodSettings(args: ParsedArgs, methods: readonly string[]): MethodSettings {
  const listed = `to --method ${methods.join(",")}`;
  if (!methods.some((m) => m === "uniform" || m === "affine" || m === "log2")) {
    refuseUnused(NAME, args, ["calibration", "percentile", "rounding"], `${listed} (no grid)`);
  }
  if (!methods.includes("kmeans")) refuseUnused(NAME, args, ["init", "levels"], listed);
  if (args.string("calibration") !== "percentile") {
    refuseUnused(NAME, args, ["percentile"], "without --calibration percentile");
  }
  return {
    ...gridSettings(args),
    init: args.string("init") as "kmeans++" | "linear",
    seed: args.number("seed", -(2 ** 31), 2 ** 31, true)!,
  };
}

/** The fine-tuning optimiser of the options (`--fine-tune-steps` is either count's old name). */
function fineTuneOf(args: ParsedArgs): Optimizer | false {
  const name = args.string("fine-tune")!;
  const counts = ["fine-tune-iterations", "fine-tune-epochs", "fine-tune-learning-rate"];
  if (name === "none") {
    refuseUnused(NAME, args, [...counts, "fine-tune-steps"], "with --fine-tune none");
    return false;
  }
  if (args.given("fine-tune-steps")) {
    refuseUnused(
      NAME,
      args,
      counts.slice(0, 2),
      "with --fine-tune-steps, which is the same setting",
    );
  }
  const steps = args.number("fine-tune-steps", 1, 1e7, true);
  if (name === "lbfgs") {
    refuseUnused(NAME, args, counts.slice(1), "to --fine-tune lbfgs (it has iterations)");
    return {
      kind: "lbfgs",
      maxIterations: steps ?? args.number("fine-tune-iterations", 1, 1e7, true) ?? 100,
    };
  }
  refuseUnused(NAME, args, counts.slice(0, 1), `to --fine-tune ${name} (it has epochs)`);
  const epochs = steps ?? args.number("fine-tune-epochs", 1, 1e6, true) ?? 5;
  const learningRate = args.number("fine-tune-learning-rate", 1e-12, 1e6);
  // --batch-size also sets these batches, as in prune.
  const batchSize = args.number("batch-size", 1, 1e9, true);
  return name === "sgd"
    ? { kind: "sgd", epochs, batchSize, learningRate: learningRate ?? 0.03, learningRateDecay: 0.5 }
    : { kind: "adam", epochs, batchSize, ...(learningRate !== undefined ? { learningRate } : {}) };
}

/** The `compress` command. */
export const compressCommand: Command = {
  name: NAME,
  synonyms: {
    save: "compress writes its model with --out FILE",
    qat: "compress takes --training qat",
    scheme: "compress names the grids --method uniform (symmetric) and affine",
    threshold: "compress takes --sparsity or --count",
    compensate: "compress compensates unless --no-compensate is given",
  },
  summary: "Compress a model (prune, fine-tune, quantize), or --sweep, or search by --budget or " +
    "--max-bytes; write the " +
    ".lrc file and an HTML report.",
  options: {
    ...DATA_OPTIONS,
    ...TRAIN_OPTIONS,
    "class-weight": {
      ...CLASS_WEIGHT_OPTION["class-weight"],
      help: CLASS_WEIGHT_OPTION["class-weight"].help.replace(
        "counted on the training rows",
        "counted on the training part, before the validation split",
      ),
    },
    ...WEIGHT_COLUMN_OPTION,
    model: {
      type: "string",
      value: "FILE",
      help: "start from this float model (.lrc, .json or .onnx) instead of training one; " +
        "validation rows come from --data: give rows it was not trained on",
    },
    "validation-fraction": {
      type: "string",
      value: "F",
      help: "fraction of the training part held out for every decision (test data only report)",
      default: "0.2",
    },
    budget: {
      type: "string",
      value: "POINTS",
      help: "search the smallest file within POINTS percentage points of the dense model's " +
        "validation accuracy (or --metric; in ROC AUC a point is 0.01 AUC) (lists below are " +
        "the search space)",
    },
    "standard-errors": {
      type: "string",
      value: "K",
      help: "with --budget: a candidate passes when its validation difference from the dense " +
        "model less K paired standard errors is within the budget (a margin for the " +
        "validation set's noise; default 0)",
    },
    metric: {
      type: "string",
      value: "M",
      help: "with --budget: what the budget holds to, the validation accuracy, the balanced " +
        "accuracy (the mean of the classes' recalls: a class the chosen model stops finding " +
        "costs its recall over the number of classes, however rare it is) or, of two classes " +
        "only, the ROC AUC from the models' scores (--budget 1 allows 0.01 AUC; " +
        "--standard-errors takes DeLong's paired standard error) (default accuracy)",
      choices: ["accuracy", "balanced-accuracy", "roc-auc"],
    },
    "max-bytes": {
      type: "string",
      value: "N",
      help: "search the model of highest validation accuracy whose file fits in N bytes (lists " +
        "below are the search space)",
    },
    "weighted-metrics": {
      type: "boolean",
      help: "with --weight-column: weigh the validation and test metrics by it too, and so " +
        "every choice made on them (--budget, --max-bytes, --sweep's front, --preprocessing " +
        "auto); the validation rows weigh their own weights",
    },
    refit: {
      type: "boolean",
      help: "with --budget or --max-bytes: once chosen, make the chosen model again (same " +
        "steps and settings) on all the training data, validation included, from a dense model " +
        "trained on all of it (or --model), and write that one",
    },
    sweep: {
      type: "boolean",
      help: "measure every combination of the lists below; print the Pareto front",
    },
    strategy: {
      type: "string",
      value: "NAME[,NAME]",
      help: `pruning criterion: ${PRUNE_STRATEGIES.join(", ")} (default magnitude)`,
    },
    structure: {
      type: "string",
      value: "KIND[,KIND]",
      help: "prune single weights or whole features (default: weights; search: both)",
    },
    sparsity: {
      type: "string",
      value: "F[,F]",
      help: "fraction of weights (or features) to remove; 0 is no pruning (default 0.5; sweep " +
        "0,0.5,0.8,0.9; search 0,0.3,0.5,0.7,0.8,0.9,0.95)",
    },
    count: {
      type: "string",
      value: "N",
      help: "number of weights (or features) to remove instead of --sparsity; with per-class " +
        "scope the number in each class row (pipeline only)",
    },
    scope: {
      type: "string",
      value: "SCOPE",
      help: "rank all weights together, or each class row on its own (auto: per-class for " +
        "taylor and obd, global otherwise; pipeline only)",
      default: "auto",
      choices: ["auto", "global", "per-class"],
    },
    "no-compensate": {
      type: "boolean",
      help: "do not fold the removed weights' mean contribution into the bias",
    },
    rounds: {
      type: "string",
      value: "N",
      help: "prune in N rounds, fine-tuning after each, on the cubic schedule (default 1; " +
        "pipeline only; the sweep and search take --iterative)",
    },
    iterative: {
      type: "boolean",
      help: "sweep and search: prune each --sparsity level from the fine-tuned model of the " +
        "level below it instead of from the dense model",
    },
    "fine-tune": {
      type: "string",
      value: "OPTIMIZER",
      help: "retraining of the surviving weights after pruning",
      default: "lbfgs",
      choices: ["lbfgs", "sgd", "adam", "none"],
    },
    "fine-tune-iterations": {
      type: "string",
      value: "N",
      help: "iterations of lbfgs fine-tuning (default: 100)",
    },
    "fine-tune-epochs": {
      type: "string",
      value: "N",
      help: "epochs of sgd/adam fine-tuning (default: 5)",
    },
    "fine-tune-learning-rate": {
      type: "string",
      value: "X",
      help: "step size of sgd/adam fine-tuning (default 0.03 for sgd, halved every epoch; 0.001 " +
        "for adam)",
    },
    "fine-tune-steps": {
      type: "string",
      value: "N",
      help: "--fine-tune-iterations for lbfgs, --fine-tune-epochs for sgd/adam (the earlier name)",
    },
    method: {
      type: "string",
      value: "NAME[,NAME]",
      help: `quantization: ${METHODS.join(", ")} (affine: uniform affine; none: float32) ` +
        "(default uniform; sweep uniform,kmeans; search uniform,affine,log2,kmeans)",
    },
    bits: {
      type: "string",
      value: "N[,N]",
      help: "bits per weight (default 4; sweep 8,4,2; search 1,2,3,4,5,6,8)",
    },
    granularity: {
      type: "string",
      value: "G[,G]",
      help: "quantization groups: tensor, class, feature (default: class; kmeans tensor)",
    },
    levels: {
      type: "string",
      value: "K",
      help: "k-means codebook size (default 2^bits; pipeline only: the sweep and search take " +
        "sizes from --bits)",
    },
    init: {
      type: "string",
      value: "NAME",
      help: "k-means initialisation (kmeans++ uses --seed)",
      default: "kmeans++",
      choices: ["kmeans++", "linear"],
    },
    ...GRID_OPTIONS,
    training: {
      type: "string",
      value: "T[,T]",
      help: "ptq (post-training) or qat (quantization-aware) (default qat; sweep and search both)",
    },
    "qat-epochs": { type: "string", value: "N", help: "Adam epochs of QAT", default: "6" },
    "qat-learning-rate": {
      type: "string",
      value: "X",
      help: "Adam step size of QAT (halved every epoch)",
      default: "0.001",
    },
    preprocessing: {
      type: "string",
      value: "MODE",
      help: "storage of standardisation: auto (fold unless it costs validation accuracy), " +
        "fold (into the weights), compact (float16 scale, mean in the bias), keep",
      default: "auto",
      choices: ["auto", "fold", "compact", "keep"],
    },
    integer: {
      type: "boolean",
      help: "calibrate the input for integer-only inference (integer input codes, int32 " +
        "accumulation; uniform, affine and log2 grids) and store it with the model when its " +
        "predictions agree with the dequantized model's on 99 % of the training rows",
    },
    "input-dtype": {
      type: "string",
      value: "T",
      help: "input codes of --integer (auto: uint8 for non-negative inputs)",
      default: "auto",
      choices: ["auto", "uint8", "int8"],
    },
    out: {
      type: "string",
      value: "FILE",
      help: "write the compressed model: binary format for .lrc, JSON for .json (missing " +
        "folders are created, as for --onnx and --report)",
    },
    onnx: { type: "string", value: "FILE.onnx", help: "also export the compressed model to ONNX" },
    report: {
      type: "string",
      value: "FILE.html",
      help: "write a standalone HTML report with the trade-off charts (opens offline)",
    },
    entropy: {
      type: "boolean",
      help: "entropy-code the model files (rANS; format version 2, which lrcompress before " +
        "version 2 of the format cannot read): every size reported, compared and searched by, " +
        "and --out",
    },
    json: { type: "boolean", help: "print the result as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const modes = ["sweep", "budget", "max-bytes"].filter((m) => args.given(m));
    if (modes.length > 1) {
      throw usage(`${modes.map((m) => `--${m}`).join(" and ")} are different modes; give one`);
    }
    const mode = args.flag("sweep")
      ? "sweep"
      : args.string("budget") !== undefined
      ? "budget"
      : args.string("max-bytes") !== undefined
      ? "size"
      : "pipeline";
    // A fraction in [0, 1) for the search: 100 points would be no budget at all.
    const maxDrop = mode === "budget" ? args.number("budget", 0, 100)! / 100 : undefined;
    if (maxDrop !== undefined && maxDrop >= 1) {
      throw usage(`--budget must be below 100 points, got '${args.string("budget")}'`);
    }
    if (args.given("standard-errors") && mode !== "budget") {
      throw usage("--standard-errors is a margin of --budget; give it with --budget");
    }
    const standardErrors = args.number("standard-errors", 0, 1000);
    if (args.given("metric") && mode !== "budget") {
      throw usage("--metric is what --budget holds to; give it with --budget");
    }
    const metric = args.string("metric") as BudgetMetric | undefined;
    // Under --metric balanced-accuracy (or roc-auc) the tables, the front and the refit's test
    // difference are in balanced accuracy (or ROC AUC) too (the tables beside the plain accuracy).
    const balancedMetric = metric === "balanced-accuracy";
    const aucMetric = metric === "roc-auc";
    const weightedMetrics = args.flag("weighted-metrics");
    if (weightedMetrics && !args.given("weight-column")) {
      throw usage("--weighted-metrics weighs the metrics by --weight-column; give it with one");
    }
    const refit = args.flag("refit");
    if (refit && mode !== "budget" && mode !== "size") {
      throw usage(
        "--refit makes a search's choice again on all the training data: give it with " +
          "--budget or --max-bytes",
      );
    }
    if (refit && args.flag("integer")) {
      throw usage(
        "--integer checks its input calibration on the validation data, which --refit trains " +
          "on: give one of them",
      );
    }
    const maxBytes = mode === "size"
      ? args.number("max-bytes", 1, Number.MAX_SAFE_INTEGER, true)!
      : undefined;
    const out = args.string("out");
    if (out !== undefined && !/\.(lrc|json)$/i.test(out)) {
      throw usage(`--out must end in .lrc (binary) or .json, got '${out}'`);
    }
    const outJson = out !== undefined && /\.json$/i.test(out);
    if (out !== undefined && mode === "sweep") {
      throw usage(
        "--out writes one model: use it without --sweep (the pipeline, --budget or --max-bytes)",
      );
    }
    const onnx = args.string("onnx");
    if (onnx !== undefined && !onnx.toLowerCase().endsWith(".onnx")) {
      throw usage(`--onnx must end in .onnx, got '${onnx}'`);
    }
    if (onnx !== undefined && mode === "sweep") throw usage("--onnx writes one model, not a sweep");
    const reportPath = args.string("report");
    if (reportPath !== undefined && !reportPath.toLowerCase().endsWith(".html")) {
      throw usage(`--report must end in .html, got '${reportPath}'`);
    }
    const space = spaceFromArgs(args, mode);
    if (args.string("model") !== undefined && !penaltyApplies(mode, space)) {
      refuseUnused(
        NAME,
        args,
        ["penalty", "lambda", "l1-ratio"],
        "with --model when nothing is fine-tuned or quantization-aware trained (the penalty " +
          "trains the dense model, which --model loads, the fine-tuning and QAT, and weighs " +
          "obd's scores)",
      );
    }
    if (args.string("model") !== undefined && !penaltyApplies(mode, space, ["taylor", "obd"])) {
      // (--weighted-metrics weighs the metrics by the column, which then is used.)
      refuseUnused(
        NAME,
        args,
        weightedMetrics ? ["class-weight"] : ["class-weight", "weight-column"],
        "with --model when nothing is fine-tuned, quantization-aware trained or scored by " +
          "taylor or obd (it weighs the dense training, which --model loads, and these)",
      );
    }
    const integerAsked = args.flag("integer");
    if (!integerAsked) refuseUnused(NAME, args, ["input-dtype"], "without --integer");
    if (integerAsked) {
      if (mode === "sweep") throw usage("--integer calibrates one model: not with --sweep");
      if (mode === "size") {
        throw usage(
          "--integer adds the input calibration to the file, which --max-bytes does not count " +
            "(see 'lrc quantize'); search without it",
        );
      }
      const grids = ["uniform", "affine", "log2"];
      const methods = choicesOf(args, "method", METHODS);
      if (
        mode === "pipeline" ? !grids.includes(methods[0] ?? "uniform") : (
          methods.length === 0 || !methods.every((m) => grids.includes(m))
        )
      ) {
        throw usage(
          "--integer needs integer grids: --method uniform, affine or log2" +
            (mode === "budget" ? " (a list of them; the search's default includes k-means)" : ""),
        );
      }
    }
    const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
    const validationFraction = args.number("validation-fraction", 1e-9, 1 - 1e-9)!;
    const qatOptimizer = {
      kind: "adam",
      epochs: args.number("qat-epochs", 1, 1e6, true),
      learningRate: args.number("qat-learning-rate", 1e-12, 1e6),
      learningRateDecay: 0.5,
    } as const;
    const showProgress = !args.flag("quiet") && !args.flag("json");
    // Its options checked now; the default lambda needs the data.
    const choiceOptions = {
      command: NAME,
      batchSizeElsewhere: space.fineTune !== false && space.fineTune.kind !== "lbfgs",
    };
    trainingChoices(args, 1, choiceOptions);
    // Output folders are made before any work starts (and once every option has been read), so
    // a bad path fails at once; no output may be a folder, an input file or another output. The
    // folders made are removed again until the outputs are written, so a run that fails leaves
    // none behind.
    const inputs = { model: args.string("model"), data: args.string("data") };
    const made: string[] = [];
    try {
      for (const [option, path] of [["--out", out], ["--onnx", onnx], ["--report", reportPath]]) {
        if (path === undefined) continue;
        try {
          made.push(...await ensureParent(path));
        } catch (error) {
          // A folder that cannot be made (a file in the way) is a bad path, as a missing folder
          // is for the other commands: a usage error before any work.
          if (!(error instanceof TypeError)) throw error;
          throw new UsageError(error.message);
        }
        await checkOutput(option!, path, inputs);
      }
      // Their extensions differ, but a link can still make two of them one file.
      await checkDistinctOutputs([["--out", out], ["--onnx", onnx], ["--report", reportPath]]);
    } finally {
      // Deepest first: a folder holds only folders made here.
      made.sort((a, b) => b.length - a.length);
      for (const folder of made) await Deno.remove(folder).catch(() => {});
    }

    let data = await loadData(args, io, showProgress ? io : undefined);
    let model: LogisticModel | undefined;
    const modelFile = args.string("model");
    if (modelFile !== undefined) {
      const loaded = await readFloatModelFile(modelFile, "compress");
      model = loaded.model;
      for (const w of loaded.warnings) io.err(`warning: ${w}\n`);
      data = dataForModel(model, data, modelFile);
      if (model.preprocessing.kind === "none") {
        refuseUnused(NAME, args, ["preprocessing"], "to a model without standardisation");
      }
    }
    // ROC AUC ranks two classes: more are refused before the dense model is trained.
    const classCount = (model?.classes ?? data.train.classes).length;
    if (aucMetric && classCount !== 2) {
      throw usage(
        `--metric roc-auc ranks two classes, and the ${
          modelFile !== undefined ? "model has" : "data have"
        } ${classCount}; use --metric balanced-accuracy or accuracy`,
      );
    }
    if (mode === "size") {
      // A budget below the parts every file of this shape stores cannot be met: refused before
      // the dense model is trained.
      const classes = model?.classes ?? data.train.classes;
      const names = model?.featureNames ?? data.train.featureNames;
      const floor = smallestModelFile(classes, names);
      if (maxBytes! < floor) {
        throw usage(
          `--max-bytes ${maxBytes} is below the smallest file a model of ${classes.length} ` +
            `classes and ${names.length} features can have, ${floor} bytes (its header, class ` +
            `labels, feature names and bias, with every weight pruned)`,
        );
      }
    }
    if (mode === "pipeline") {
      // What the model's shape rules out whatever training gives is refused before training: a
      // k-means codebook larger than a group, a prune count larger than what there is. The
      // model's own rows count (a loaded 2-class model may be softmax, with two).
      const rows = model?.weights.rows ??
        (data.train.classes.length === 2 ? 1 : data.train.classes.length);
      const d = model?.featureNames.length ?? data.train.x.cols;
      if (space.quantize && space.quantize.method) {
        checkKmeansGroups(
          NAME,
          space.quantize.method,
          rows,
          d,
          "use fewer --bits or --levels",
          space.prune ? resolvePrune(space.prune, NAME) : undefined,
        );
      }
      if (space.prune) {
        let resolved;
        try {
          resolved = resolvePrune(space.prune, NAME);
          checkPruneCount(resolved, rows, d, NAME, "--count");
        } catch (error) {
          throw usage(errorReason(error));
        }
        // A step below a loaded model's mask is a bad value for that model (a mask never
        // revives a weight), refused as prune refuses it.
        if (model?.mask && modelFile !== undefined && !removesNothing(resolved)) {
          const byCount = resolved.count !== null;
          checkAboveMask(NAME, modelFile, byCount ? resolved.count! : resolved.fraction!, {
            kind: byCount ? "count" : "fraction",
            structure: resolved.structure,
            scope: resolved.scope,
            rows,
            cols: d,
            mask: model.mask,
          }, args.given("sparsity") || args.given("count"));
        }
        // Rounds that remove no more weights, or no more than a loaded model's mask, are one.
        const rounds = roundsForModel(resolved, rows, d, model?.mask ?? null);
        if (rounds.previous !== null && space.fineTune === false) {
          throw usage("--rounds needs fine-tuning between the rounds: drop --fine-tune none");
        }
      }
    }
    // Resolved once on the training rows (before the validation split): the search and the
    // refit weigh each class the same.
    const classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, NAME);
    // --lambda's default is 1 / the samples trained on: the session's stratified split keeps
    // `trainingSize` of them (as the library's default penalty takes it).
    const fitRows = trainingSize(data.train.y, { testFraction: validationFraction });
    // The session's split would refuse this in the library's words (its "testFraction" being
    // --validation-fraction); said here in the command's.
    // (Each class keeps at least one row for training, so only the validation part can be empty.)
    if (fitRows === data.train.y.length) {
      const held = data.test.y.length;
      throw new RangeError(
        `Cannot compress: --validation-fraction ${args.string("validation-fraction")} of the ` +
          `${data.train.y.length} training rows of ${data.source} (${held} more ` +
          `${held === 1 ? "is" : "are"} held out for testing) leaves the validation part empty ` +
          "(the split is stratified: each class gives its share, rounded, and keeps at least " +
          "one row for training); give more rows, or another --validation-fraction or " +
          "--test-fraction",
      );
    }
    // A ROC AUC ranks the validation rows of one class against the other's: a class the
    // stratified split keeps none of for validation (its share rounds to 0) is found here, by the
    // split's counts, rather than after the dense training.
    if (aucMetric && data.train.classes.length === 2) {
      data.train.classes.forEach((label, c) => {
        const rows = data.train.y.filter((k) => k === c).length;
        const kept = trainingSize(new Int32Array(rows), { testFraction: validationFraction });
        if (rows > 0 && kept === rows) {
          throw new RangeError(
            `Cannot compress: --metric roc-auc needs both classes in the validation rows, but ` +
              `--validation-fraction ${args.string("validation-fraction")} of the ${rows} ` +
              `training ${rows === 1 ? "row" : "rows"} of class ${quotedText(label)} rounds ` +
              "to none (the split is stratified" +
              (rows === 1
                ? ", and a class keeps at least one row for training); give more rows of that class"
                : "); give a larger --validation-fraction or more rows of that class"),
          );
        }
      });
    }
    const choices = trainingChoices(args, fitRows, choiceOptions);
    // With --weight-column, the test rows' weights: every model's test metrics are also given
    // weighted by them (not when every test row weighs 0: then said so).
    const testWeights = data.rowWeights?.test;
    const testWeightSum = testWeights === undefined ? 0 : weightSum(testWeights);
    const weighTest = testWeights !== undefined && testWeightSum > 0;
    if (weightedMetrics && !weighTest) {
      throw new RangeError(
        `Cannot compress: --weighted-metrics weighs the test metrics by --weight-column, and ` +
          `every one of the ${data.test.y.length} test rows weighs 0; give another --seed or ` +
          "--test-fraction",
      );
    }
    const progress = createProgress(io, showProgress);
    const started = performance.now();
    let result: CompressResult | SearchResult | SizeSearchResult | null = null;
    let sweep: SweepResult | null = null;
    let refitted: {
      result: CompressResult;
      seconds: number;
      testDifference: PairedDifference | null;
      denseWarnings: readonly string[];
    } | null = null;
    let searchSeconds = 0;
    let session;
    try {
      // The settings the search and its refit share.
      const settings = {
        model,
        ...(model === undefined
          ? {
            denseTraining: { optimizer: choices.optimizer, preprocessing: choices.preprocessing },
          }
          : {}),
        test: weighTest ? { ...data.test, sampleWeight: testWeights } : data.test,
        ...(weightedMetrics ? { weightedMetrics: true } : {}),
        seed,
        ...classWeightOption(classWeights),
        ...sampleWeightOption(data),
        fineTune: space.fineTune,
        qat: { optimizer: qatOptimizer },
        entropy: args.flag("entropy"),
      };
      const progressAs = (prefix: string) => (p: CompressProgress) =>
        progress.update(
          `${prefix}${p.total > 0 ? `[${p.done}/${p.total}] ` : ""}${p.message}  ${
            p.seconds.toFixed(1)
          } s`,
        );
      // The session's set-up and first step (the dense model's training, when it trains one)
      // report nothing: on large data that takes seconds, said here first.
      const preparing = preparingText(
        "",
        model === undefined ? "training the dense model" : "the first step",
        data.train.x,
      );
      if (preparing !== undefined) progress.update(preparing);
      // (Split in the data's class order when they were taken in the model's.)
      const parts = validationParts(data, { fraction: validationFraction, seed, weightedMetrics });
      session = createCompressionSession(parts.data, {
        ...settings,
        ...parts.options,
        penalty: choices.penalty,
        preprocessingStorage: args.string("preprocessing") as PreprocessingStorage,
        onProgress: progressAs(""),
      });
      if (mode === "pipeline") {
        result = session.compress({ prune: space.prune, quantize: space.quantize });
      } else if (mode === "sweep") {
        sweep = session.sweep(space.lists);
      } else if (mode === "budget") {
        result = session.search({ ...space.lists, maxDrop, standardErrors, metric });
      } else {
        result = session.searchWithinBytes({ ...space.lists, maxBytes: maxBytes! });
      }
      // The search's time, without the refit's (which its own line reports).
      searchSeconds = (performance.now() - started) / 1000;
      if (refit && result !== null && "tried" in result) {
        const searched = result;
        const t0 = performance.now();
        const refitSession = createRefitSession(data.train, {
          ...settings,
          // --lambda's default is 1 / the samples trained on: all of them here (as the
          // library's refit session takes it, and scikit-learn's refit keeps C).
          penalty: trainingChoices(args, data.train.x.rows, choiceOptions).penalty,
          onProgress: progressAs("refit: "),
        });
        const made = refitSession.refit(searched.chosen);
        // The same steps on more data can make another mask, whose index set codes to another
        // size: a size budget holds for the file written, or nothing is written.
        if (maxBytes !== undefined && made.file.length > maxBytes) {
          throw new RangeError(
            `Cannot write the refit: its file has ${made.file.length} bytes, more than --max-bytes ` +
              `${maxBytes} ` +
              `(the search's choice, ${searched.chosen.bytes} bytes, fits: run without --refit, ` +
              "or search again with a smaller --max-bytes)",
          );
        }
        // Against the dense model the refit started from, sample by sample, as the search's
        // choice is against its dense model, in the search's metric.
        // (ROC AUC needs both classes among the test rows.)
        // (Under --weighted-metrics, weighted as the search's; a class present has weight.)
        const refitTestWeights = weightedMetrics ? testWeights! : null;
        const testDifference = data.test.y.length > 0 &&
            (!aucMetric ||
              new Set(data.test.y.filter((_, i) => (refitTestWeights?.[i] ?? 1) > 0)).size === 2)
          ? pairedInMetric(
            metric ?? "accuracy",
            refitSession.dense,
            asFloatModel(made.model),
            data.test,
            refitTestWeights,
          )
          : null;
        refitted = {
          result: made,
          seconds: (performance.now() - t0) / 1000,
          testDifference,
          denseWarnings: refitSession.denseWarnings,
        };
      }
    } finally {
      progress.done();
    }
    const seconds = (performance.now() - started) / 1000;
    // The warnings of the trainings that lead to the model written, as lrc train reports its:
    // the dense model's, the fine-tuning of the pipeline's model or of the search's choice (not
    // of every candidate tried), and the refit's dense training and fine-tuning; one given
    // before in the same words is not repeated. A loaded model was not trained here: a class
    // the weights leave out of the session's training rows is said as fit says it.
    const warnings = new TrainingWarnings();
    warnings.add(
      model === undefined ? session.denseWarnings : zeroWeightClassLines({
        train: { classes: session.dense.classes, y: session.trainData.y },
        rowWeights: data.rowWeights && session.trainSampleWeight
          ? { ...data.rowWeights, train: Float64Array.from(session.trainSampleWeight) }
          : undefined,
      }, classWeights),
    );
    if (result) warnings.add(result.fineTuneWarnings, "fine-tuning");
    if (refitted) {
      warnings.add(refitted.denseWarnings, "refit");
      warnings.add(refitted.result.fineTuneWarnings, "refit fine-tuning");
    }
    // The search's choice against the dense model, class by class, on the validation rows.
    const densePredicted = result !== null && "tried" in result
      ? predict(session.dense, session.validation.x)
      : null;
    // The chosen model's, or in the pipeline the compressed model's (90 % magnitude pruning on
    // 3 % positives wrote a model that predicted no positive, at 97.19 % validation accuracy).
    const lost = result !== null && ("tried" in result || mode === "pipeline")
      ? lostClasses(
        session.validation.y,
        data.train.classes,
        densePredicted ?? predict(session.dense, session.validation.x),
        predict(asFloatModel(result.model), session.validation.x),
        session.validationSampleWeight,
      )
      : [];
    const integer = result && integerAsked
      ? integerStage(
        result.model,
        session.trainData.x,
        session.validation,
        data.test,
        args.string("input-dtype") as InputDtype,
        weightedMetrics
          ? { validation: session.validationSampleWeight!, test: testWeights! }
          : null,
        // Reported beside the unweighted test metrics, as lrc quantize does.
        weighTest && !weightedMetrics ? testWeights! : null,
      )
      : null;
    // With --refit the model written is the refit's.
    let stored = refitted?.result.model ?? result?.model;
    let file = refitted?.result.file ?? result?.file;
    if (integer && integer.kept) {
      stored = integer.model;
      const bytes = encodeModel(integer.model, { entropy: args.flag("entropy") });
      integer.bytes = bytes.length;
      file = bytes;
    }
    let outBytes: number | null = null;
    if (result && out !== undefined) {
      await ensureParent(out);
      if (outJson) {
        outBytes = await writeModelFile(out, stored!);
      } else {
        await writeFileAtomic(out, file!);
        outBytes = file!.length;
      }
    }
    let onnxBytes: number | null = null;
    if (result && onnx !== undefined) {
      const bytes = exportOnnx(stored!);
      await ensureParent(onnx);
      await writeFileAtomic(onnx, bytes);
      onnxBytes = bytes.length;
      // As lrc export warns: the dense model's standardisation tells the features' spread (the
      // compressed one may have folded it).
      const rounding = onnxRoundingWarning(session.dense);
      if (rounding !== null) io.err(`warning: ${rounding}\n`);
      // A calibrated model (--integer) runs integer-only in lrc predict; this graph does not.
      const dequantized = qdqScoringWarning(stored!);
      if (dequantized !== null) io.err(`warning: ${dequantized}\n`);
    }
    if (reportPath !== undefined) {
      await ensureParent(reportPath);
      await writeCompressionReport(reportPath, {
        source: data.source,
        dense: session.denseReport,
        result,
        sweep,
        mode,
        test: data.test,
        entropy: args.flag("entropy"),
        refit: refitted ? { result: refitted.result, samples: data.train.x.rows } : null,
        integerBytes: integer?.kept ? integer.bytes : null,
        classWeights,
        rowWeights: data.rowWeights ?? null,
        fitRowWeights: session.trainSampleWeight,
        validationRowWeights: session.validationSampleWeight,
        warnings: warnings.list,
        threshold: session.dense.threshold ?? null,
      });
    }
    const summary = dataSummary(data, session.trainData.x.rows, session.validation.x.rows);
    // The stages' weighted test metrics in --json, by metric then stage (null: none).
    const stagesWeightedJson = (stages: readonly StageReport[]) =>
      weighTest
        ? weightedByStage(data.rowWeights!.column, testWeightSum, stages, weightedMetrics)
        : null;
    // Under --metric balanced-accuracy the chosen model's plain validation accuracy can fall far
    // below dense's (on 3 % positives, 88.8 % against 99.2 %: 11 % false alarms) with the budget
    // met: said when it falls by more than the budget. ROC AUC ranks rows and never looks at
    // the predicted classes: under --metric roc-auc as well.
    const accuracyDrop = result && "maxDrop" in result && result.metric !== "accuracy" &&
        session.denseReport.validation.accuracy - result.chosen.validation.accuracy >
          result.maxDrop + 1e-12
      ? {
        dense: session.denseReport.validation.accuracy,
        chosen: result.chosen.validation.accuracy,
      }
      : null;
    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: NAME,
          mode,
          data: summary,
          classWeight: classWeights,
          sampleWeight: searchRowWeightsJson(
            data.rowWeights,
            session.trainSampleWeight,
            session.validationSampleWeight,
          ),
          // The trainings' warnings (fit's), as the report lines give them.
          warnings: warnings.list,
          dense: {
            origin: modelFile ?? "trained",
            // The decision threshold every model keeps and labels at (null: none, 0.5).
            threshold: session.dense.threshold ?? null,
            ...session.denseReport,
          },
          ...(result
            ? {
              stages: result.stages,
              bytes: result.file.length,
              // The stages' test metrics weighted by --weight-column's test rows' weights, by
              // metric then stage, as lrc prune gives them (null without the column, or when
              // every test row weighs 0); each stage also has its own testWeighted.
              testWeighted: stagesWeightedJson(result.stages),
            }
            : {}),
          // The classes the dense model finds on the validation rows and the compressed model
          // never does (the searches give theirs in budget and sizeBudget).
          ...(mode === "pipeline" && result ? { lostClasses: lost } : {}),
          ...(result && "maxBytes" in result
            ? {
              sizeBudget: {
                maxBytes: result.maxBytes,
                chosen: result.chosen,
                validationDifference: result.validationDifference,
                testDifference: result.testDifference,
                lostClasses: lost,
                tried: result.tried,
                skipped: result.skipped,
              },
            }
            : {}),
          ...(result && "maxDrop" in result
            ? {
              budget: {
                metric: result.metric,
                maxDrop: result.maxDrop,
                standardErrors: result.standardErrors,
                target: result.target,
                chosen: result.chosen,
                validationDifference: result.validationDifference,
                testDifference: result.testDifference,
                lostClasses: lost,
                // Under --metric balanced-accuracy or roc-auc, the validation accuracies of dense
                // and the chosen model when the chosen one's is lower by more than the budget;
                // else null.
                accuracyDrop,
                tried: result.tried,
                skipped: result.skipped,
              },
            }
            : {}),
          ...(sweep
            ? { sweep: { rows: sweep.rows, front: sweep.front, skipped: sweep.skipped } }
            : {}),
          ...(refitted
            ? {
              refit: {
                samples: data.train.x.rows,
                stages: refitted.result.stages,
                testDifference: refitted.testDifference,
                testWeighted: stagesWeightedJson(refitted.result.stages),
                bytes: refitted.result.file.length,
                seconds: refitted.seconds,
              },
            }
            : {}),
          seconds,
          integer: integer === null ? null : { ...integer, model: undefined },
          savedTo: out ?? null,
          savedBytes: outBytes,
          onnx: onnx ?? null,
          onnxBytes,
          report: reportPath ?? null,
        }) + "\n",
      );
      return 0;
    }
    // Two-class models have a ROC AUC column.
    const binary = data.train.classes.length === 2;
    // With --weight-column, the stages' weighted test metrics in a table of their own under the
    // stage table (whose widths stay as they were), as lrc prune gives its models'.
    // (Under --weighted-metrics the stage table's own columns are weighted: no second table.)
    const weightedStages = (stages: readonly StageReport[]): string[] =>
      testWeights === undefined || weightedMetrics ? [] : weightedTestTable(
        data.rowWeights!.column,
        testWeightSum,
        ["accuracy", "balanced accuracy", "log loss", ...(binary ? ["ROC AUC"] : [])],
        weighTest
          ? stages.map((s) => {
            const m = s.testWeighted!;
            return [
              s.stage,
              percent(m.accuracy),
              percent(m.balancedAccuracy),
              m.logLoss.toFixed(4),
              ...(binary ? [rocAucText(m.rocAuc)] : []),
            ];
          })
          : null,
      );
    const lines = [
      `data      ${summary.source}: ${summary.fitSamples} train / ${summary.validationSamples} ` +
      `validation / ${summary.testSamples} test, ${counted(summary.features, "feature")}, ` +
      `${summary.classes} classes`,
      ...(classWeights ? [classWeightsLine(classWeights)] : []),
      ...(data.rowWeights
        ? [
          searchRowWeightsLine(
            data.rowWeights,
            session,
            classWeights !== null,
            !!refitted,
            weightedMetrics,
          ),
        ]
        : []),
      `dense     ${modelFile !== undefined ? `loaded from ${modelFile}` : "trained"}: ` +
      `validation ${percent(session.denseReport.validation.accuracy)}${
        balancedMetric
          ? ` (balanced accuracy ${percent(session.denseReport.validation.balancedAccuracy)})`
          : aucMetric
          ? ` (ROC AUC ${rocAucText(session.denseReport.validation.rocAuc)})`
          : ""
      }, float32 baseline ` +
      `${session.denseFloat32Bytes.toLocaleString("en-US")} bytes`,
      ...thresholdNote(session.dense.threshold, out, "compression", "compressed"),
      ...warnings.lines(),
      ...majorityNote(
        session.validation.y,
        data.train.classes,
        session.denseReport.validation.accuracy,
        aucMetric,
        session.validationSampleWeight,
      ),
    ];
    if (result && "maxBytes" in result) {
      const fits = result.tried.filter((t) => t.feasible).length;
      const v = result.validationDifference;
      lines.push(
        `budget    at most ${result.maxBytes.toLocaleString("en-US")} bytes ` +
          `(${ratioText(session.denseFloat32Bytes / result.maxBytes)} than float32): the ` +
          `highest validation accuracy`,
        `search    ${result.tried.length} models evaluated (${fits} fit), ` +
          `${result.skipped.length} skipped, ${searchSeconds.toFixed(1)} s`,
        ...twinNote(result.skipped),
        `chosen    ${result.chosen.name}`,
        `          validation ${differenceText(v, false, weightedMetrics)}`,
      );
      if (result.testDifference) {
        lines.push(
          `          test       ${differenceText(result.testDifference, false, weightedMetrics)}`,
        );
      }
      lines.push(
        ...lostClassesNote(
          lost,
          `accuracy counts a class by its share of the rows, and a larger --max-bytes may keep ` +
            `${lost.length === 1 ? "it" : "them"}`,
        ),
      );
    }
    if (result && "maxDrop" in result) {
      const feasible = result.tried.filter((t) => t.feasible).length;
      const v = result.validationDifference;
      const balanced = result.metric === "balanced-accuracy";
      const auc = result.metric === "roc-auc";
      // The metric as the lines name it; balanced accuracy's and ROC AUC's differences are named
      // each time.
      const metricText = balanced ? "balanced accuracy" : auc ? "ROC AUC" : "accuracy";
      const named = balanced || auc ? `${metricText} ` : "";
      // Under --weighted-metrics, a row of weight 0 is no row: the classes present have weight.
      const vw = session.validationSampleWeight;
      const present = new Set(session.validation.y.filter((_, i) => (vw?.[i] ?? 1) > 0)).size;
      const positives = session.validation.y.reduce((n, c) => n + c, 0);
      // What the budget's metric is taken over, weighted.
      const weightedText = vw === null
        ? null
        : ` (weighted by ${quotedText(data.rowWeights!.column)}: ` +
          (balanced
            ? `the mean of the weighted recalls of the ${present} classes of the `
            : auc
            ? `a point is 0.01 AUC; the weighted share of the (positive, negative) pairs of the `
            : "the ") +
          `${v.samples.toLocaleString("en-US")} validation samples of total weight ` +
          `${Number(weightSum(vw).toPrecision(6))}` +
          (auc ? `, each pair weighing its rows' weights' product, ties one half` : "") + ")";
      lines.push(
        `budget    within ${(result.maxDrop * 100).toFixed(2)} points of the dense validation ` +
          (result.standardErrors > 0
            ? `${metricText}, with a margin: each candidate's ${named}difference from dense ` +
              `less ${result.standardErrors} paired standard error(s)${
                auc ? " (DeLong)" : ""
              } of it must be at least -${(result.maxDrop * 100).toFixed(2)} points`
            // A budget above the dense accuracy (or AUC) leaves a negative target: any model
            // passes.
            : `${metricText}: at least ${
              auc ? Math.max(0, result.target).toFixed(4) : percent(Math.max(0, result.target))
            }`) +
          (weightedText !== null
            ? weightedText
            : balanced
            ? ` (the mean of the recalls of the ${present} classes of the ` +
              `${v.samples.toLocaleString("en-US")} validation samples)`
            : auc
            ? ` (a point is 0.01 AUC; the share of the ${
              (positives * (v.samples - positives)).toLocaleString("en-US")
            } (positive, negative) pairs of the ${
              v.samples.toLocaleString("en-US")
            } validation samples ranked right, ties one half)`
            : ` (${v.samples.toLocaleString("en-US")} validation samples: each is ` +
              `${samplePoints(v.samples)} points)`),
        // Always predicting the most frequent class is far below dense in balanced accuracy
        // (one class's recall over all of them) and in ROC AUC (one half); the note's figures
        // are accuracy's.
        ...(balanced || auc ? [] : majorityBudgetNote(
          session.validation.y,
          data.train.classes,
          session.denseReport.validation.accuracy,
          result.maxDrop,
          result.standardErrors > 0
            ? {
              standardErrors: result.standardErrors,
              densePredicted: densePredicted!,
            }
            : undefined,
          session.validationSampleWeight,
        )),
        `search    ${result.tried.length} models evaluated (${feasible} within budget), ` +
          `${result.skipped.length} skipped, ${searchSeconds.toFixed(1)} s`,
        ...twinNote(result.skipped),
        `chosen    ${result.chosen.name}`,
        `          validation ${named}${differenceText(v, auc, weightedMetrics)}`,
      );
      if (result.testDifference) {
        lines.push(
          `          test       ${named}${
            differenceText(result.testDifference, auc, weightedMetrics)
          }`,
        );
      }
      // What the lost classes alone cost in balanced accuracy: their dense recall over the
      // classes present.
      const lostCost = lost.reduce((sum, l) => sum + l.denseRecall, 0) / present;
      lines.push(
        ...lostClassesNote(
          lost,
          (balanced
            ? ""
            : auc
            ? `ROC AUC ranks the rows by score and does not look at the class predicted, and `
            : `accuracy counts a class by its share of the rows (--metric ` +
              `balanced-accuracy counts each class alike: there ${
                lost.length === 1 ? "its" : "their"
              } recall alone costs ` +
              `${(lostCost * 100).toFixed(2)} points), and `) +
            `a --budget below ` +
            `${
              (Math.floor(
                (result.standardErrors * v.standardError - v.difference) * 1e4 + 1e-6,
              ) / 100).toFixed(2)
            } points (this model's drop${
              result.standardErrors > 0 ? ", with the margin" : ""
            }) rules this model out`,
        ),
      );
      // (Counted in samples: under --weighted-metrics a sample is worth its weight, and these two
      // notes are not given.)
      if (vw === null && !balanced && !auc && result.maxDrop * v.samples < 1) {
        lines.push(
          `note      the budget is less than one validation sample (${
            samplePoints(v.samples)
          } points): only models with no more validation errors than dense ` +
            (result.standardErrors > 0
              ? `can pass, and of those only the ones whose difference less ` +
                `${result.standardErrors} paired standard errors is still within it (a model ` +
                `as accurate as dense passes only if it disagrees with dense on few samples)`
              : `pass`),
        );
      }
      // Balanced accuracy weighs a row of class c 1 / (K n_c) of the K classes present: below
      // the lightest (a row of the largest class), no single row's loss fits in the budget.
      if (vw === null && balanced && v.samples > 0) {
        const rows = new Map<number, number>();
        for (const c of session.validation.y) rows.set(c, (rows.get(c) ?? 0) + 1);
        const byRows = [...rows].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        const [largest, most] = byRows[0];
        const [smallest, fewest] = byRows[byRows.length - 1];
        const k = byRows.length;
        if (result.maxDrop * k * most < 1) {
          lines.push(
            `note      the budget is less than one validation sample of any class (a row of ` +
              `the largest, ${quotedText(data.train.classes[largest])}, is worth 1/(${k} ` +
              `classes x ${most} rows) = ${samplePoints(k * most)} points of balanced accuracy` +
              (fewest < most
                ? `; one of ${quotedText(data.train.classes[smallest])}, ${
                  samplePoints(k * fewest)
                } points`
                : "") +
              `): a model that gets a row wrong that dense gets right passes only if it gets ` +
              `rows right that dense gets wrong` +
              (result.standardErrors > 0
                ? `, and then only if its difference less ${result.standardErrors} paired ` +
                  `standard errors is still within it`
                : ""),
          );
        }
      }
      if (accuracyDrop !== null) {
        lines.push(
          `note      the chosen model's validation accuracy is ${percent(accuracyDrop.chosen)}, ` +
            `${((accuracyDrop.dense - accuracyDrop.chosen) * 100).toFixed(2)} points below the ` +
            `dense model's ${percent(accuracyDrop.dense)}, more than the budget: the budget ` +
            (auc
              ? `holds ROC AUC, which allows this (it ranks the rows by score and does not ` +
                `look at the class predicted)`
              : `holds balanced accuracy, which allows this (a class's errors count by its ` +
                `recall, not by its share of the rows)`) +
            `; --metric accuracy holds plain accuracy`,
        );
      }
      // A margin of two standard errors or more answers the note; a smaller one does not.
      if (result.maxDrop < 2 * v.standardError && result.standardErrors < 2) {
        lines.push(
          `note      the budget is below two paired standard errors of the chosen model's ` +
            `validation difference (2 x ${(v.standardError * 100).toFixed(2)} points): this ` +
            `validation set cannot resolve it, and on new data the drop may exceed it ` +
            (result.standardErrors > 0
              ? `(a margin of ${result.standardErrors} standard errors was asked)`
              : `(--standard-errors K asks for a margin)`),
        );
      }
    }
    if (result) {
      lines.push(
        "",
        stageTable(result.stages, balancedMetric, binary, aucMetric),
        ...weightedStages(result.stages),
      );
      if (mode === "pipeline") {
        lines.push(
          ...lostClassesNote(
            lost,
            "accuracy counts a class by its share of the rows; pruning less, fine-tuning, more " +
              `--bits${classWeights ? "" : " or --class-weight balanced"} may keep ${
                lost.length === 1 ? "it" : "them"
              }`,
            { model: "compressed", reference: "dense", rows: "validation" },
          ),
          "",
          `time      ${seconds.toFixed(1)} s in all`,
        );
      }
    }
    if (sweep) {
      lines.push(
        `sweep     ${sweep.rows.length} models, ${sweep.bases.length} pruning ` +
          `${sweep.bases.length === 1 ? "level" : "levels"}, ` +
          `${sweep.skipped.length} skipped, ${seconds.toFixed(1)} s`,
        ...twinNote(sweep.skipped),
        "",
        "Pareto front (validation accuracy against file bytes):",
        candidateTable(sweep.front.map((i) => sweep!.rows[i]), false, binary),
      );
    }
    if (result && "tried" in result) {
      const front = paretoOfTried(result.tried, metric ?? "accuracy");
      lines.push(
        "",
        `tried, Pareto front (validation ${
          balancedMetric ? "balanced accuracy" : aucMetric ? "ROC AUC" : "accuracy"
        } against file bytes):`,
        candidateTable(front, balancedMetric, binary, aucMetric),
      );
    }
    if (refitted) {
      lines.push(
        "",
        `refit     the chosen steps again on all ${
          data.train.x.rows.toLocaleString("en-US")
        } training samples (validation included), from a dense model ${
          modelFile !== undefined ? `loaded from ${modelFile}` : "trained on all of them"
        }, ${refitted.seconds.toFixed(1)} s; its validation columns are on training data, ` +
          "test on held-out data",
        ...(refitted.testDifference
          ? [
            `          test       ${
              balancedMetric ? "balanced accuracy " : aucMetric ? "ROC AUC " : ""
            }${differenceText(refitted.testDifference, aucMetric, weightedMetrics)}`,
          ]
          : []),
        "",
        stageTable(refitted.result.stages, balancedMetric, binary, aucMetric),
        ...weightedStages(refitted.result.stages),
      );
    }
    if (integer) {
      lines.push(
        "",
        ...integerLines(integer, result!.file.length, balancedMetric, binary),
        ...(integer.testWeighted
          ? [
            `          test, weighted by ${quotedText(data.rowWeights!.column)} (total weight ${
              Number(testWeightSum.toPrecision(6))
            }): accuracy ${percent(integer.testWeighted.accuracy)}, balanced accuracy ${
              percent(integer.testWeighted.balancedAccuracy)
            }${binary ? `, ROC AUC ${rocAucText(integer.testWeighted.rocAuc)}` : ""}`,
          ]
          : []),
      );
    }
    if (out !== undefined && result) {
      lines.push(
        "",
        `wrote     ${out} (${outBytes!.toLocaleString("en-US")} bytes${
          outJson
            ? `, JSON; the .lrc file of this model has ${
              file!.length.toLocaleString("en-US")
            } bytes`
            : ""
        })`,
      );
    }
    if (onnx !== undefined) {
      lines.push(`wrote     ${onnx} (${onnxBytes!.toLocaleString("en-US")} bytes, ONNX)`);
    }
    if (reportPath !== undefined) lines.push(`wrote     ${reportPath} (HTML report)`);
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/** The integer-only form of the compressed model (`--integer`). */
interface IntegerStage {
  /** Whether the calibration is stored (its predictions agree on the training rows). */
  kept: boolean;
  /** Why there is none, or why it is not stored. */
  note: string | null;
  /** The model with its input calibration. */
  model: QuantizedModel;
  inputDtype: string | null;
  inputScale: number | null;
  inputZeroPoint: number | null;
  trainAgreement: number | null;
  validationAccuracy: number | null;
  testAccuracy: number | null;
  /** The mean of the classes' recalls, beside the accuracies (whatever the metric). */
  validationBalancedAccuracy: number | null;
  testBalancedAccuracy: number | null;
  /**
   * ROC AUC of a two-class model from the integer kernel's scores, those its accuracies come from
   * (`null` for more classes, or rows of one class).
   */
  validationRocAuc: number | null;
  testRocAuc: number | null;
  /** Share of the test rows on which it predicts as the dequantized model does. */
  testAgreement: number | null;
  /**
   * With `--weight-column` (not `--weighted-metrics`, under which the test metrics above are the
   * weighted ones): the test accuracy, balanced accuracy and ROC AUC weighted by the test rows'
   * weights, as lrc quantize gives its integer model's; `null` otherwise.
   */
  testWeighted: { accuracy: number; balancedAccuracy: number; rocAuc: number | null } | null;
  /** Bytes of the file with the calibration (when stored). */
  bytes: number | null;
}

function integerStage(
  model: StoredModel,
  fitX: Matrix,
  validation: { readonly x: Matrix; readonly y: Int32Array },
  test: { readonly x: Matrix; readonly y: Int32Array },
  dtype: InputDtype,
  weights: { validation: ArrayLike<number>; test: ArrayLike<number> } | null = null,
  reportedTestWeights: ArrayLike<number> | null = null,
): IntegerStage {
  const none = (note: string): IntegerStage => ({
    kept: false,
    note,
    model: model as QuantizedModel,
    inputDtype: null,
    inputScale: null,
    inputZeroPoint: null,
    trainAgreement: null,
    validationAccuracy: null,
    testAccuracy: null,
    validationBalancedAccuracy: null,
    testBalancedAccuracy: null,
    validationRocAuc: null,
    testRocAuc: null,
    testAgreement: null,
    testWeighted: null,
    bytes: null,
  });
  if (model.kind !== "quantized-logistic-regression") {
    return none("the chosen model is float32: it has no integer grid");
  }
  if (model.weights.kind !== "uniform" && model.weights.kind !== "log2") {
    return none(`the chosen model's ${model.weights.kind} weights have no integer grid`);
  }
  const dequantized = dequantizeModel(model);
  let c;
  try {
    c = integerCalibration(model, dequantized, fitX, dtype);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return none(errorReason(error));
  }
  // Predictions and ROC AUC from the same integer-only scores, as lrc quantize reports them.
  const testScores = test.x.rows > 0 ? integerDecisionFunction(c.prepared, test.x) : null;
  const validationScores = integerDecisionFunction(c.prepared, validation.x);
  const testPred = testScores ? classesFromScores(testScores, scoreCutoff(model)) : null;
  const validationPred = classesFromScores(validationScores, scoreCutoff(model));
  // Under --weighted-metrics, weighted as the stages' metrics are.
  const k = model.classes.length;
  const weightedValidation = weights === null ? null : weightedPredictionMetrics(
    validation.y,
    validationPred,
    validationScores,
    weights.validation,
    k,
  );
  const weightedTest = weights === null || testScores === null || testPred === null
    ? null
    : weightedPredictionMetrics(test.y, testPred, testScores, weights.test, k);
  return {
    kept: c.kept,
    note: c.kept
      ? null
      : `integer-only predictions agree with the dequantized model on ${
        percent(c.trainAgreement)
      } of the training rows, below ${percent(MIN_INTEGER_AGREEMENT)}: one input scale for ` +
        "every feature loses those of small range; the model is written without calibration",
    model: c.calibrated,
    inputDtype: c.calibrated.input!.dtype,
    inputScale: c.calibrated.input!.scale,
    inputZeroPoint: c.calibrated.input!.zeroPoint,
    trainAgreement: c.trainAgreement,
    validationAccuracy: weightedValidation?.accuracy ?? accuracy(validation.y, validationPred),
    testAccuracy: weightedTest?.accuracy ?? (testPred ? accuracy(test.y, testPred) : null),
    validationBalancedAccuracy: weightedValidation?.balancedAccuracy ??
      balancedAccuracy(validation.y, validationPred),
    testBalancedAccuracy: weightedTest?.balancedAccuracy ??
      (testPred ? balancedAccuracy(test.y, testPred) : null),
    validationRocAuc: weightedValidation
      ? weightedValidation.rocAuc
      : binaryRocAuc(validationScores, validation.y),
    testRocAuc: weightedTest
      ? weightedTest.rocAuc
      : testScores
      ? binaryRocAuc(testScores, test.y)
      : null,
    testAgreement: testPred ? accuracy(testPred, predict(dequantized, test.x)) : null,
    testWeighted: reportedTestWeights === null || testScores === null || testPred === null
      ? null
      : weightedPredictionMetrics(test.y, testPred, testScores, reportedTestWeights, k),
    bytes: null,
  };
}

/**
 * The lines of `--integer`; with `balanced` (`--metric balanced-accuracy`), each accuracy with
 * its balanced accuracy beside it, as the dense line gives it; with `binary` (a two-class model),
 * its ROC AUC beside it, as the stage table gives it.
 */
function integerLines(
  i: IntegerStage,
  fileBytes: number,
  balanced: boolean,
  binary: boolean,
): string[] {
  if (i.inputDtype === null) return [`integer   none: ${i.note}`];
  const beside = (b: number | null, auc: number | null) => {
    const parts = [
      ...(balanced && b !== null ? [`balanced accuracy ${percent(b)}`] : []),
      ...(binary ? [`ROC AUC ${rocAucText(auc)}`] : []),
    ];
    return parts.length > 0 ? ` (${parts.join(", ")})` : "";
  };
  const lines = [
    `integer   input ${i.inputDtype} (scale ${i.inputScale!.toPrecision(4)}, zero point ` +
    `${i.inputZeroPoint}), int32 bias: validation ${percent(i.validationAccuracy!)}` +
    beside(i.validationBalancedAccuracy, i.validationRocAuc) +
    (i.testAccuracy !== null
      ? `, test ${percent(i.testAccuracy)}${beside(i.testBalancedAccuracy, i.testRocAuc)}`
      : "") +
    `; predicts as the dequantized model on ${percent(i.trainAgreement!)} of the training rows` +
    (i.testAgreement !== null ? ` and ${percent(i.testAgreement)} of the test rows` : ""),
  ];
  lines.push(
    i.kept
      ? `          stored: the file is ${i.bytes!.toLocaleString("en-US")} bytes with the ` +
        `calibration (${(i.bytes! - fileBytes >= 0 ? "+" : "") + (i.bytes! - fileBytes)} ` +
        `against the table's last row)`
      : `          not stored: ${i.note}`,
  );
  return lines;
}

/** What one of `n` samples is worth, in percentage points (two significant digits when small). */
function samplePoints(n: number): string {
  const p = 100 / n;
  return p >= 0.01 ? p.toFixed(2) : p.toPrecision(2);
}

/**
 * A paired difference against the dense model, in points, with its standard error; with `auc`
 * (a ROC AUC difference), DeLong's, and the samples each model ranks better.
 */
function differenceText(d: PairedDifference, auc = false, weighted = false): string {
  // Weighted (--weighted-metrics), the disagreements are weights' sums.
  const amount = weighted
    ? `weight ${Number(d.onlyBaseline.toPrecision(6))}`
    : counted(d.onlyBaseline, "sample");
  const other = weighted ? Number(d.onlyCandidate.toPrecision(6)) : d.onlyCandidate;
  return auc
    ? `${pointsText(d)} against dense (${weighted ? "weighted " : ""}DeLong paired standard ` +
      `error; ${amount} dense ranks better, ${other} this model)`
    : `${pointsText(d)} against dense (${weighted ? "weighted " : ""}paired standard error; ` +
      `${amount} only dense gets right, ${other} only this model)`;
}

/**
 * Creates the folder a file will be written to; returns the folders it made.
 *
 * @throws {UsageError} If a file is where a folder of the path belongs, named as the other
 *   commands' output checks name it.
 */
async function ensureParent(path: string): Promise<string[]> {
  const made: string[] = [];
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return made;
  const folder = path.slice(0, slash);
  // The missing folders, from the file's up to the first that exists.
  for (let f = folder; f !== "" && f !== "."; f = f.slice(0, Math.max(0, f.lastIndexOf("/")))) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(f);
    } catch (error) {
      // A folder this process may not look at (/dev, under deno task's permissions) is not
      // made here: checkOutput says what it is.
      if (error instanceof Deno.errors.NotCapable) return [];
      made.push(f);
      continue;
    }
    // The first that exists must be a folder (or a link to one): a file there would make mkdir
    // say "File exists" or "Not a directory".
    const isFolder = info.isSymlink
      ? await Deno.stat(f).then((i) => i.isDirectory, () => true)
      : info.isDirectory;
    if (!isFolder) {
      throw new UsageError(`Cannot write '${path}': '${f}' is a file, not a folder`);
    }
    break;
  }
  try {
    await Deno.mkdir(folder, { recursive: true });
  } catch (error) {
    throw new TypeError(`Cannot create the folder of '${path}': ${(error as Error).message}`);
  }
  return made;
}

/** What the options ask for. */
interface Asked {
  readonly prune: PruneSpec | false;
  readonly quantize: QuantizeSpec | false;
  readonly fineTune: Optimizer | false;
  readonly lists: CompressionSpace;
}

/** The pipeline step, the space lists and fine-tuning from the options. */
function spaceFromArgs(
  args: ParsedArgs,
  mode: "pipeline" | "sweep" | "budget" | "size",
): Asked {
  const strategies = choicesOf(args, "strategy", PRUNE_STRATEGIES) as PruneStrategy[];
  const structures = choicesOf(
    args,
    "structure",
    ["weights", "features"] as const,
  ) as PruneStructure[];
  const sparsities = numbersOf(args, "sparsity", 0, 0.999999, false);
  const methodNames = choicesOf(args, "method", METHODS);
  const bits = numbersOf(args, "bits", 1, 16, true);
  const granularities = choicesOf(
    args,
    "granularity",
    ["tensor", "class", "feature"] as const,
  ) as Granularity[];
  const training = choicesOf(args, "training", ["ptq", "qat"] as const) as QuantizationTraining[];
  // The methods' names when --method is absent (those of SWEEP_DEFAULTS and SEARCH_DEFAULTS),
  // so that the grid and codebook settings reach them.
  const defaultMethods = mode === "pipeline"
    ? ["uniform"] as const
    : mode === "sweep"
    ? ["uniform", "kmeans"] as const
    : ["uniform", "affine", "log2", "kmeans"] as const;
  const methodList = methodNames.length > 0 ? methodNames : defaultMethods;
  const settings = methodSettings(args, methodList);
  if (
    settings.rounding.kind === "stochastic" && (training.length === 0 || training.includes("qat"))
  ) {
    // QAT's forward pass rounds to nearest.
    throw usage("--rounding stochastic applies to post-training quantization: add --training ptq");
  }
  const fineTune = fineTuneOf(args);
  const compensate = !args.flag("no-compensate");
  const fineTuning = [
    "fine-tune",
    "fine-tune-iterations",
    "fine-tune-epochs",
    "fine-tune-learning-rate",
    "fine-tune-steps",
  ];
  if (sparsities.length > 0 && sparsities.every((s) => s === 0)) {
    refuseUnused(NAME, args, fineTuning, "with --sparsity 0 (fine-tuning follows pruning)");
  }
  if (args.flag("no-standardize")) {
    refuseUnused(NAME, args, ["preprocessing"], "with --no-standardize (nothing to store)");
  }
  const miniBatchTuning = fineTune !== false && fineTune.kind !== "lbfgs";
  refuseDenseTrainingOptions(NAME, args, miniBatchTuning ? [] : ["batch-size"]);
  if (mode === "pipeline") {
    for (
      const [name, list] of [
        ["strategy", strategies],
        ["structure", structures],
        ["sparsity", sparsities],
        ["method", methodNames],
        ["bits", bits],
        ["granularity", granularities],
        ["training", training],
      ] as const
    ) {
      if (list.length > 1) {
        throw usage(`--${name} takes one value without --sweep, --budget or --max-bytes`);
      }
    }
    if (args.given("count") && args.given("sparsity")) {
      throw usage("give --sparsity or --count, not both");
    }
    if (args.given("iterative")) {
      throw usage(
        "--iterative applies to --sweep, --budget and --max-bytes; the pipeline prunes in " +
          "rounds with --rounds N",
      );
    }
    const rounds = args.number("rounds", 1, MAX_PRUNE_ROUNDS, true);
    const count = args.number("count", 0, Number.MAX_SAFE_INTEGER, true);
    const amount = count !== undefined ? { count } : { fraction: sparsities[0] ?? 0.5 };
    const scope = args.string("scope")!;
    if (scope !== "auto" && structures[0] === "features") {
      throw usage(`--scope ${scope} applies to --structure weights`);
    }
    const prune: PruneSpec | false = (amount.count ?? amount.fraction) === 0 ? false : {
      strategy: strategies[0] ?? "magnitude",
      structure: structures[0] ?? "weights",
      ...amount,
      ...(scope !== "auto" ? { scope: scope as "global" | "per-class" } : {}),
      compensate,
      ...(rounds !== undefined ? { rounds } : {}),
    };
    if (prune === false) {
      refuseUnused(
        NAME,
        args,
        ["strategy", "structure", "scope", "no-compensate", "rounds", ...fineTuning],
        `with --${count !== undefined ? "count" : "sparsity"} 0`,
      );
    } else {
      try {
        resolvePrune(prune, NAME);
      } catch (error) {
        throw usage(errorReason(error));
      }
    }
    const methodName = methodNames[0] ?? "uniform";
    let quantize: QuantizeSpec | false = false;
    const qat = ["qat-epochs", "qat-learning-rate"];
    if (methodName === "none") {
      refuseUnused(NAME, args, ["bits", "granularity", "training", ...qat], "to --method none");
    }
    if (methodName === "float16") {
      refuseUnused(NAME, args, ["bits", "granularity"], "to --method float16");
    }
    if (training[0] === "ptq") refuseUnused(NAME, args, qat, "with --training ptq");
    if (methodName !== "none") {
      const template = methodOf(methodName, settings);
      const levels = args.number("levels", 2, 65536, true);
      // A codebook of K levels takes ceil(log2 K)-bit codes, as lrc quantize refuses too.
      if (
        template.kind === "kmeans" && levels !== undefined && bits[0] !== undefined &&
        codebookBits(levels) !== bits[0]
      ) {
        throw usage(
          `--bits ${bits[0]} does not fit --levels ${levels}, whose codes take ${
            codebookBits(levels)
          } bits; give --levels alone, or --bits alone for 2^bits levels`,
        );
      }
      const method: QuantizationMethod = template.kind === "float16" ? template : {
        ...template,
        bits: bits[0] ?? 4,
        ...(granularities[0] ? { granularity: granularities[0] } : {}),
        ...(levels !== undefined ? { levels } : {}),
      };
      try {
        resolveMethod(method, NAME);
      } catch (error) {
        throw usage(errorReason(error));
      }
      quantize = { method, training: training[0] ?? "qat" };
    }
    return { prune, quantize, fineTune, lists: {} };
  }
  if (methodNames.includes("none")) {
    throw usage(
      "--method none is the float32 model, which --sweep, --budget and --max-bytes always include",
    );
  }
  for (const option of ["no-compensate", "count", "scope", "levels", "rounds"]) {
    if (args.given(option)) {
      throw usage(
        `--${option} applies to the pipeline only` +
          (option === "levels" ? " (the sweep and search take k-means sizes from --bits)" : "") +
          (option === "rounds"
            ? " (--iterative prunes each --sparsity level from the one below it)"
            : ""),
      );
    }
  }
  const iterative = args.flag("iterative");
  // An option is used if any listed method or sparsity uses it.
  if (methodNames.length > 0 && methodNames.every((m) => m === "float16")) {
    refuseUnused(NAME, args, ["bits", "granularity"], "to --method float16");
  }
  if (sparsities.length > 0 && sparsities.every((s) => s === 0)) {
    refuseUnused(NAME, args, ["strategy", "structure", "iterative"], "with --sparsity 0");
  }
  if (training.length > 0 && !training.includes("qat")) {
    refuseUnused(NAME, args, ["qat-epochs", "qat-learning-rate"], "with --training ptq");
  }
  const lists: CompressionSpace = {
    ...(strategies.length ? { strategies } : {}),
    ...(structures.length ? { structures } : {}),
    ...(sparsities.length ? { sparsities } : {}),
    methods: methodList.map((m) => methodOf(m as Exclude<typeof m, "none">, settings)),
    ...(bits.length ? { bits } : {}),
    ...(granularities.length ? { granularities } : {}),
    ...(training.length ? { training } : {}),
    ...(iterative ? { iterative } : {}),
  };
  let space;
  try {
    space = resolveSpace(lists, mode === "sweep" ? SWEEP_DEFAULTS : SEARCH_DEFAULTS, NAME);
  } catch (error) {
    throw usage(errorReason(error));
  }
  if (fineTune === false && prunesInRounds(space.ladders)) {
    throw usage("--iterative needs fine-tuning between the levels: drop --fine-tune none");
  }
  return { prune: false, quantize: false, fineTune, lists };
}

/**
 * Whether the penalty (or, with `scorers` taylor and obd, the class weights) does anything
 * besides training the dense model: it fine-tunes the pruned models, trains QAT, and weighs the
 * scores of `scorers`.
 */
function penaltyApplies(
  mode: "pipeline" | "sweep" | "budget" | "size",
  asked: Asked,
  scorers: readonly string[] = ["obd"],
): boolean {
  if (mode === "pipeline") {
    const prunes = asked.prune !== false &&
      (asked.fineTune !== false || scorers.includes(asked.prune.strategy ?? "magnitude"));
    return prunes || (asked.quantize !== false && asked.quantize.training === "qat");
  }
  const { sparsities, strategies, training } = asked.lists;
  const prunes = sparsities === undefined || sparsities.some((s) => s > 0);
  const scoresRead = asked.fineTune !== false ||
    (strategies ?? []).some((s) => scorers.includes(s));
  return (prunes && scoresRead) || training === undefined || training.includes("qat");
}

/**
 * The `weights` line of `--weight-column`: the training rows' weights, of which the search
 * trains on the rows it keeps for training (the validation rows' weights go unused, as the
 * validation metrics are not weighted); a refit trains on them all. The test metrics are given
 * unweighted, then weighted by the column.
 */
function searchRowWeightsLine(
  weights: RowWeights,
  session: CompressionSession,
  classWeights: boolean,
  refit: boolean,
  weighted = false,
): string {
  const fit = session.trainSampleWeight ?? weights.train;
  const unused = weights.train.length - fit.length;
  const sum = (a: ArrayLike<number>) => Number(weightSum(a).toPrecision(6));
  if (weighted) {
    // --weighted-metrics: the validation rows' weights weigh the metrics.
    return rowWeightsLine(weights, classWeights, false) +
      `; the search trains on the ${fit.length} train rows' (sum ${sum(fit)})${
        refit ? `, the refit on all ${weights.train.length}` : ""
      }; the validation metrics are weighted by the ${unused} validation rows' (sum ${
        sum(session.validationSampleWeight!)
      }), and so is every choice made on them, and the test metrics by the test rows' (sum ${
        sum(weights.test)
      }) (--weighted-metrics)`;
  }
  return rowWeightsLine(weights, classWeights, false) +
    (unused > 0
      ? `; the search trains on the ${fit.length} train rows' (sum ${sum(fit)}), not the ` +
        `${unused} validation rows'${refit ? `, the refit on all ${weights.train.length}` : ""}`
      : "") +
    "; the validation metrics are not weighted, the test metrics are given unweighted, then " +
    "weighted by the column";
}

/**
 * `--json`'s `sampleWeight`, with the rows the search trains on: `fitRows` and `fitSum`; under
 * `--weighted-metrics` (`validation`: the validation rows' weights), `testMetrics` and
 * `validationMetrics` are `"weighted"` and `validationSum` is their weights' sum.
 */
function searchRowWeightsJson(
  weights: RowWeights | undefined,
  fit: ArrayLike<number> | null,
  validation: ArrayLike<number> | null = null,
) {
  const base = rowWeightsJson(weights);
  if (base === null || weights === undefined) return null;
  const rows = fit ?? weights.train;
  return {
    ...base,
    ...(validation === null ? {} : { testMetrics: "weighted" as const }),
    fitRows: rows.length,
    fitSum: weightSum(rows),
    ...(validation === null
      ? { validationMetrics: "unweighted" as const }
      : { validationMetrics: "weighted" as const, validationSum: weightSum(validation) }),
  };
}

/** A stage's key in `--json`'s `testWeighted`, as lrc prune names its models. */
const STAGE_KEYS: Readonly<Record<StageReport["stage"], string>> = {
  dense: "dense",
  pruned: "pruned",
  "fine-tuned": "fineTuned",
  quantized: "quantized",
};

/**
 * `--json`'s `testWeighted` of a run: the column, the test rows' weights' sum, and each metric's
 * weighted test value by stage (`dense`, `pruned`, `fineTuned`, `quantized`; `null` for a stage
 * not run), as lrc prune gives its models'. Under `--weighted-metrics` (`weighted`) the stages'
 * own `test` metrics are the weighted ones.
 */
function weightedByStage(
  column: string,
  weightSum: number,
  stages: readonly StageReport[],
  weighted: boolean,
) {
  const byStage = (key: "accuracy" | "balancedAccuracy" | "logLoss" | "rocAuc") => {
    const out: Record<string, number | null> = {};
    for (const name of Object.values(STAGE_KEYS)) out[name] = null;
    for (const s of stages) {
      out[STAGE_KEYS[s.stage]] = (weighted ? s.test : s.testWeighted)?.[key] ?? null;
    }
    return out;
  };
  return {
    column,
    weightSum,
    accuracy: byStage("accuracy"),
    balancedAccuracy: byStage("balancedAccuracy"),
    logLoss: byStage("logLoss"),
    rocAuc: byStage("rocAuc"),
  };
}

function dataSummary(data: LoadedData, fit: number, validation: number) {
  return {
    source: data.source,
    fitSamples: fit,
    validationSamples: validation,
    testSamples: data.test.x.rows,
    features: data.train.x.cols,
    classes: data.train.classes.length,
  };
}

/**
 * The validation and test accuracies (and, with `balanced`, balanced accuracies) and the log loss
 * of a row.
 */
function accuracyCells(r: ModelReport, balanced: boolean): string[] {
  return [
    percent(r.validation.accuracy),
    r.test ? percent(r.test.accuracy) : "-",
    ...(balanced
      ? [
        percent(r.validation.balancedAccuracy),
        r.test ? percent(r.test.balancedAccuracy) : "-",
      ]
      : []),
    r.test ? r.test.logLoss.toFixed(4) : r.validation.logLoss.toFixed(4),
  ];
}

/** The headers of {@linkcode accuracyCells}. */
function accuracyHeaders(rows: readonly ModelReport[], balanced: boolean): string[] {
  return [
    "validation",
    "test",
    ...(balanced ? ["balanced val.", "balanced test"] : []),
    rows[0]?.test ? "test log loss" : "val. log loss",
  ];
}

/**
 * A run's stages; with `balanced` (`--metric balanced-accuracy`), balanced-accuracy columns after
 * the accuracy ones; with `binary` (a two-class model), the ROC AUC after the log loss, on the
 * same rows (test, or validation without test rows).
 */
function stageTable(
  stages: readonly StageReport[],
  balanced: boolean,
  binary: boolean,
  auc = false,
): string {
  return formatTable(
    [
      "stage",
      ...accuracyHeaders(stages, balanced),
      ...rocAucHeaders(stages, binary, auc),
      "non-zeros",
      "bits",
      "bytes",
      "vs float32",
      "seconds",
      "model",
    ],
    stages.map((s) => [
      s.stage,
      ...accuracyCells(s, balanced),
      ...rocAucCells(s, binary, auc),
      `${s.nonZeros}/${s.weights}`,
      String(s.bits),
      s.bytes.toLocaleString("en-US"),
      ratioText(s.ratio),
      s.seconds.toFixed(2),
      s.name + (s.preprocessing === "none" ? "" : ` [preprocessing ${s.preprocessing}]`),
    ]),
  );
}

/**
 * With `binary` (a two-class model), the ROC AUC of a row on the rows of its log loss (test, or
 * validation without test rows); with `auc` (`--metric roc-auc`) the validation ROC AUC, which
 * the budget holds to, before the test one; nothing for more classes.
 */
function rocAucCells(r: ModelReport, binary: boolean, auc = false): string[] {
  if (!binary) return [];
  return auc
    ? [rocAucText(r.validation.rocAuc), ...(r.test ? [rocAucText(r.test.rocAuc)] : [])]
    : [rocAucText((r.test ?? r.validation).rocAuc)];
}

/** The headers of {@linkcode rocAucCells}. */
function rocAucHeaders(rows: readonly ModelReport[], binary: boolean, auc = false): string[] {
  if (!binary) return [];
  return auc
    ? ["val. ROC AUC", ...(rows[0]?.test ? ["test ROC AUC"] : [])]
    : [rows[0]?.test ? "test ROC AUC" : "val. ROC AUC"];
}

/**
 * Models of a sweep or a search (their front); with `balanced`, balanced-accuracy columns after
 * the accuracy ones; with `binary` (a two-class model), the ROC AUC after the log loss, as the
 * stage table has them.
 */
function candidateTable(
  rows: readonly CandidateReport[],
  balanced: boolean,
  binary: boolean,
  auc = false,
): string {
  return formatTable(
    [
      ...accuracyHeaders(rows, balanced),
      ...rocAucHeaders(rows, binary, auc),
      "bytes",
      "vs float32",
      "model",
    ],
    rows.map((r) => [
      ...accuracyCells(r, balanced),
      ...rocAucCells(r, binary, auc),
      r.bytes.toLocaleString("en-US"),
      ratioText(r.ratio),
      r.name,
    ]),
  );
}

/**
 * The Pareto front of the tried models against file bytes: of validation accuracy, or with
 * `balanced` (`--metric balanced-accuracy`, or `true`) of validation balanced accuracy, or under
 * `"roc-auc"` of validation ROC AUC.
 *
 * @param tried The models the search evaluated.
 * @param metric The budget's metric (`true`: balanced accuracy, `false`: accuracy).
 * @returns The models of the front, by increasing bytes.
 */
export function paretoOfTried(
  tried: readonly CandidateReport[],
  metric: BudgetMetric | boolean,
): CandidateReport[] {
  const of = metric === true ? "balanced-accuracy" : metric === false ? "accuracy" : metric;
  return paretoFront(tried.map((t) => ({
    bytes: t.bytes,
    accuracy: of === "balanced-accuracy"
      ? t.validation.balancedAccuracy
      : of === "roc-auc"
      ? t.validation.rocAuc!
      : t.validation.accuracy,
  }))).map((i) => tried[i]);
}

/**
 * The note for pruning levels left out as the same model as a level made already: with one
 * output row, pruning features makes the models that pruning weights makes.
 */
function twinNote(skipped: readonly { readonly reason: string }[]): string[] {
  const twins = skipped.filter((k) => k.reason.startsWith(SAME_MODEL_AS)).length;
  if (twins === 0) return [];
  return [
    `note      with one output row each feature is one weight: ${twins} pruning ` +
    `${twins === 1 ? "level makes" : "levels make"} the model of a level of the other ` +
    `structure, listed once under that level's name (--json: skipped)`,
  ];
}

/**
 * The most frequent class of `y` (the first of equals) and its share of the rows (with weights,
 * the heaviest class and its share of the weight).
 */
function majorityShare(
  y: Int32Array,
  classes: readonly string[],
  weights: ArrayLike<number> | null = null,
): { top: number; share: number } {
  const counts = new Array<number>(classes.length).fill(0);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights === null ? 1 : weights[i];
    counts[y[i]] += w;
    total += w;
  }
  let top = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[top]) top = c;
  return { top, share: counts[top] / total };
}

/**
 * A note when the dense model beats the most frequent class of the validation rows but by no more
 * than the accuracy budget: always predicting that class is then within the budget, so the search
 * can choose a model that never predicts the other classes (on 2 % positives, `--budget 1` chose a
 * model with one weight left that predicted no positive at all, with no word about it; the note
 * of {@linkcode majorityNote} only spoke when the dense model itself did no better).
 *
 * @param y The validation rows' class indices.
 * @param classes The class labels.
 * @param accuracy The dense model's validation accuracy.
 * @param maxDrop The budget, a fraction (0.01 is one point).
 * @param margin With `--standard-errors K` above 0: K and the dense model's validation
 * predictions. A candidate then passes when its paired difference from dense less K paired
 * standard errors is at least `-maxDrop`, so always predicting the most frequent class can be
 * within `maxDrop` of dense and still fail (the note said it could pass).
 * @param weights The validation rows' weights under `--weighted-metrics` (the shares and the
 *   paired difference are then the weights'), or `null`.
 * @returns The note's line, or none (also when {@linkcode majorityNote} speaks).
 */
export function majorityBudgetNote(
  y: Int32Array,
  classes: readonly string[],
  accuracy: number,
  maxDrop: number,
  margin?: { standardErrors: number; densePredicted: ArrayLike<number> },
  weights: ArrayLike<number> | null = null,
): string[] {
  if (y.length === 0) return [];
  const { top, share } = majorityShare(y, classes, weights);
  if (accuracy <= share) return [];
  // The search's own test: a candidate passes at accuracy >= target - 1e-12, or with a margin at
  // difference - K standard errors >= -maxDrop - 1e-12. `below` is the budget it needs: any
  // smaller one rules it out.
  let below = accuracy - share;
  if (margin !== undefined && margin.standardErrors > 0) {
    const d = pairedAccuracyDifference(y, {
      baseline: margin.densePredicted,
      candidate: new Int32Array(y.length).fill(top),
    }, weights === null ? {} : { sampleWeight: weights });
    below = margin.standardErrors * d.standardError - d.difference;
  }
  if (below > maxDrop + 1e-12) return [];
  // Rounded down to the hundredth of a point shown, so that a budget below the figure shown is
  // below the one needed (1e-6 absorbs the binary error of an exact hundredth).
  const shown = (Math.floor(below * 1e4 + 1e-6) / 100).toFixed(2);
  return [
    `note      class ${quotedText(classes[top])} is ${percent(share)} of the validation ${
      weights === null ? "rows" : "rows' weight"
    }: always predicting it scores ${percent(share)}, ${
      ((accuracy - share) * 100).toFixed(2)
    } points below the dense model, within the budget, so a model that never predicts the ` +
    `other classes can pass (a --budget below ${shown} rules that out${
      margin !== undefined && margin.standardErrors > 0 ? " with this margin" : ""
    }); check the saved model's macro F1 and confusion matrix (lrc predict --json on labelled ` +
    `data)`,
  ];
}

/**
 * A note when the dense model's validation accuracy is no higher than the share of the most
 * frequent class among the validation rows: a model that always predicts that class scores as
 * much, so accuracy, which the budget and the search compare, cannot tell a model that finds the
 * rarer classes from one that never predicts them (on 99.9 % of one class, a model pruned to no
 * weight at all was chosen "within budget" without a word).
 *
 * Under a ROC AUC budget (`rocAucBudget`, `--metric roc-auc`) the budget does tell a model that
 * ranks the rows from one that scores them all alike (AUC 0.5), and the note says so.
 *
 * @param y The validation rows' class indices.
 * @param classes The class labels.
 * @param accuracy The dense model's validation accuracy.
 * @param rocAucBudget Whether the budget holds the validation ROC AUC.
 * @param weights The validation rows' weights under `--weighted-metrics` (the share is then the
 *   weights'), or `null`.
 * @returns The note's line, or none.
 */
export function majorityNote(
  y: Int32Array,
  classes: readonly string[],
  accuracy: number,
  rocAucBudget = false,
  weights: ArrayLike<number> | null = null,
): string[] {
  if (y.length === 0) return [];
  const { top, share } = majorityShare(y, classes, weights);
  if (accuracy > share) return [];
  return [
    `note      class ${quotedText(classes[top])} is ${percent(share)} of the validation ${
      weights === null ? "rows" : "rows' weight"
    }: always predicting it scores ${percent(share)}, no less than the dense model, so the ` +
    (rocAucBudget
      ? `accuracies below do not tell whether a model finds the other classes (the ROC AUC ` +
        `budget tells whether it ranks them: a model that scores every row alike has 0.5); `
      : `accuracies below (and the budget) do not tell whether a model finds the other ` +
        `classes; `) +
    `check the saved model's macro F1 and confusion matrix (lrc predict --json on labelled data)`,
  ];
}

export { type LostClass, lostClasses, lostClassesNote } from "./lost_classes.ts";
