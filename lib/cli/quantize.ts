/**
 * `lrc quantize`: train (or load) a model, quantize it, and report accuracy, balanced accuracy and
 * ROC AUC (binary; float, quantized, integer-only) and bytes; optionally save the quantized model.
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import { prepareStorage, storedPreprocessing, storeQuantizedModel } from "../compress/storage.ts";
import { counted, errorReason } from "../core/validate.ts";
import { accuracy, balancedAccuracy } from "../metrics/metrics.ts";
import { classesFromScores, decisionFunction, predict } from "../model/predict.ts";
import { binaryRocAuc } from "../metrics/evaluate.ts";
import { weightedPredictionMetrics } from "../metrics/weighted.ts";
import type { LogisticModel } from "../model/types.ts";
import {
  calibrateInput,
  type Calibration,
  codebookBits,
  dequantizeModel,
  describeMethod,
  integerDecisionFunction,
  integerPredict,
  prepareIntegerModel,
  quantizationAwareTraining,
  type QuantizationMethod,
  quantizeModel,
  resolveMethod,
  type Rounding,
} from "../quant/mod.ts";
import type { QuantizedModel } from "../quant/types.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import type { SizeCategory } from "../io/bytes.ts";
import { encodeModel } from "../io/model_file.ts";
import { type SizeReport, sizeReport } from "../io/size_report.ts";
import type { IntegerModel } from "../quant/integer.ts";
import type { Matrix } from "../core/matrix.ts";
import type { ResolvedPrune } from "../compress/context.ts";
import { keptWeightsAllZero } from "../quant/qat.ts";
import { targetCount } from "../prune/mask.ts";
import {
  type Command,
  type OptionSpec,
  type ParsedArgs,
  refuseUnused,
  UsageError,
} from "./args.ts";
import { DATA_OPTIONS, dataForModel, loadData, WEIGHT_COLUMN_OPTION } from "./data_options.ts";
import {
  checkSaveTarget,
  ENTROPY_OPTION,
  entropyFlag,
  readFloatModelFile,
  saveFormatOf,
  writeModelFile,
} from "./model_files.ts";
import {
  count,
  formatTable,
  int,
  percent,
  rocAucText,
  thresholdNote,
  weightedTestTable,
} from "./format.ts";
import { createProgress } from "./progress.ts";
import { lostClasses, lostClassesNote } from "./lost_classes.ts";
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
  trainWithProgress,
  weightSum,
  zeroWeightClassLines,
} from "./train.ts";

/** The options of uniform and log2 grids, which quantize and compress take alike. */
export const GRID_OPTIONS: Readonly<Record<"calibration" | "percentile" | "rounding", OptionSpec>> =
  {
    calibration: {
      type: "string",
      value: "NAME",
      help: "range calibration of uniform and log2 grids",
      default: "mse",
      choices: ["minmax", "percentile", "mse"],
    },
    percentile: {
      type: "string",
      value: "P",
      help: "percentile of --calibration percentile",
      default: "99.99",
    },
    rounding: {
      type: "string",
      value: "NAME",
      help: "rounding onto uniform and log2 grids (stochastic uses --seed)",
      default: "nearest",
      choices: ["nearest", "stochastic"],
    },
  };

/**
 * The calibration and rounding of {@linkcode GRID_OPTIONS} (stochastic rounding seeded by
 * `--seed`).
 *
 * @param args Parsed options including `GRID_OPTIONS` and `--seed`.
 * @returns The settings of a uniform or log2 method.
 */
export function gridSettings(args: ParsedArgs): { calibration: Calibration; rounding: Rounding } {
  const cal = args.string("calibration")!;
  return {
    calibration: cal === "percentile"
      ? { kind: "percentile", percentile: args.number("percentile", 1e-9, 100)! }
      : { kind: cal as "minmax" | "mse" },
    rounding: args.string("rounding") === "stochastic"
      ? { kind: "stochastic", seed: args.number("seed", -(2 ** 31), 2 ** 31, true) }
      : { kind: "nearest" },
  };
}

/** Builds the quantization method from parsed options. */
function methodFromArgs(args: ParsedArgs): QuantizationMethod {
  const kind = args.string("method")!;
  const grid = ["scheme", "calibration", "percentile", "rounding"];
  const unused: Record<string, string[]> = {
    uniform: ["levels", "init"],
    // As compress names it: the uniform affine grid.
    affine: ["scheme", "levels", "init"],
    log2: ["scheme", "levels", "init"],
    // Codebooks and float16 have no integer grid, so no input quantization either.
    kmeans: [...grid, "input-dtype"],
    float16: [...grid, "bits", "granularity", "levels", "init", "input-dtype"],
  };
  refuseUnused("quantize", args, unused[kind] ?? [], `to --method ${kind}`);
  if (args.string("calibration") !== "percentile") {
    refuseUnused("quantize", args, ["percentile"], "without --calibration percentile");
  }
  if (!args.flag("qat")) {
    refuseUnused("quantize", args, ["qat-epochs", "qat-learning-rate"], "without --qat");
  } else if (args.string("rounding") === "stochastic") {
    // Refused before the data are read and the float model trained, not after.
    refuseUnused(
      "quantize",
      args,
      ["rounding"],
      "as stochastic with --qat (training rounds to nearest; stochastic rounding is for " +
        "post-training quantization)",
    );
  }
  refuseDenseTrainingOptions("quantize", args, ["batch-size"]);
  if (args.string("model") !== undefined && !args.flag("qat")) {
    refuseUnused(
      "quantize",
      args,
      ["penalty", "lambda", "l1-ratio"],
      "with --model without --qat (the penalty trains the dense model, which --model loads, or QAT)",
    );
    refuseUnused(
      "quantize",
      args,
      ["class-weight", "weight-column"],
      "with --model without --qat (it weighs the dense training, which --model loads, or QAT)",
    );
  }
  const bits = args.number("bits", 1, 16, true)!;
  const levels = args.number("levels", 2, 65536, true);
  // A codebook of K levels takes ceil(log2 K)-bit codes: a --bits that says otherwise would be
  // overridden without a word.
  if (
    kind === "kmeans" && levels !== undefined && args.given("bits") &&
    codebookBits(levels) !== bits
  ) {
    throw new UsageError(
      `Cannot parse arguments of 'quantize': --bits ${bits} does not fit --levels ${levels}, ` +
        `whose codes take ${codebookBits(levels)} bits; give --levels alone, or --bits alone ` +
        "for 2^bits levels",
    );
  }
  const granularity = args.string("granularity") as "tensor" | "class" | "feature" | undefined;
  const { calibration, rounding } = gridSettings(args);
  switch (kind) {
    case "uniform":
    case "affine":
      return {
        kind: "uniform",
        scheme: kind === "affine" ? "affine" : args.string("scheme") as "symmetric" | "affine",
        bits,
        granularity: granularity ?? "class",
        calibration,
        rounding,
      };
    case "log2":
      return { kind, bits, granularity: granularity ?? "class", calibration, rounding };
    case "kmeans":
      return {
        kind,
        bits,
        levels,
        granularity: granularity ?? "tensor",
        init: args.string("init") as "kmeans++" | "linear",
        seed: args.number("seed", -(2 ** 31), 2 ** 31, true),
      };
    default:
      return { kind: "float16" };
  }
}

/** The `quantize` command. */
export const quantizeCommand: Command = {
  name: "quantize",
  synonyms: {
    out: "quantize writes its model with --save FILE",
    training: "quantize takes --qat for quantization-aware training, nothing for post-training",
  },
  summary:
    "Quantize a trained (or freshly trained) model; report accuracy, balanced accuracy, ROC AUC and bytes.",
  options: {
    ...DATA_OPTIONS,
    ...TRAIN_OPTIONS,
    ...CLASS_WEIGHT_OPTION,
    ...WEIGHT_COLUMN_OPTION,
    model: {
      type: "string",
      value: "FILE",
      help:
        "float model to quantize (.lrc, .json or .onnx, e.g. from 'lrc train --save'); trained on " +
        "the data if absent",
    },
    method: {
      type: "string",
      value: "NAME",
      help: "quantization method",
      default: "uniform",
      choices: ["uniform", "affine", "log2", "kmeans", "float16"],
    },
    scheme: {
      type: "string",
      value: "NAME",
      help: "uniform grid: symmetric (1 bit = sign * scale, 2 bits = ternary) or affine",
      default: "symmetric",
      choices: ["symmetric", "affine"],
    },
    bits: { type: "string", value: "N", help: "bits per weight, 1..16 (log2: 1..8)", default: "8" },
    levels: {
      type: "string",
      value: "K",
      help: "k-means codebook size (default 2^bits; K levels take ceil(log2 K)-bit codes)",
    },
    granularity: {
      type: "string",
      value: "G",
      help: "parameter groups (default class; tensor for kmeans)",
      choices: ["tensor", "class", "feature"],
    },
    ...GRID_OPTIONS,
    init: {
      type: "string",
      value: "NAME",
      help: "k-means initialisation (kmeans++ uses --seed)",
      default: "kmeans++",
      choices: ["kmeans++", "linear"],
    },
    qat: {
      type: "boolean",
      help: "quantization-aware training (k-means: centroid fine-tuning) with Adam after PTQ",
    },
    "qat-epochs": { type: "string", value: "N", help: "epochs of --qat", default: "6" },
    "qat-learning-rate": {
      type: "string",
      value: "X",
      help: "Adam step size of --qat (halved every epoch)",
      default: "0.001",
    },
    preprocessing: {
      type: "string",
      value: "MODE",
      help: "storage of the standardisation: keep (float mean and scale), fold (into the weights " +
        "before quantizing: the smallest file, but features of small spread get large weights " +
        "that a coarse grid loses), compact (float16 scale, mean folded into the bias after " +
        "quantizing), as lrc compress stores it",
      default: "keep",
      choices: ["keep", "fold", "compact"],
    },
    "input-dtype": {
      type: "string",
      value: "T",
      help: "integer-only inference input codes (auto: uint8 for non-negative inputs)",
      default: "auto",
      choices: ["auto", "uint8", "int8"],
    },
    save: {
      type: "string",
      value: "FILE",
      help: "write the quantized model: binary format for .lrc, JSON for .json (with input " +
        "calibration and int32 bias when integer-only inference applies)",
    },
    ...ENTROPY_OPTION,
    json: { type: "boolean", help: "print the report as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const method = methodFromArgs(args);
    try {
      resolveMethod(method, "quantize");
    } catch (error) {
      throw new UsageError(
        `Cannot parse arguments of 'quantize': ${errorReason(error)}`,
      );
    }
    const showProgress = !args.flag("quiet") && !args.flag("json");
    const entropy = entropyFlag(args, "save");
    await checkSaveTarget(args.string("save"), {
      model: args.string("model"),
      data: args.string("data"),
    });
    if (args.flag("no-standardize")) {
      refuseUnused("quantize", args, ["preprocessing"], "with --no-standardize (nothing to store)");
    }
    let data = await loadData(args, io, showProgress ? io : undefined);
    const classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, "quantize");
    let model: LogisticModel;
    let origin: string;
    let warnings: string[];
    // The input file's bytes, as read for the model: the size report measures them.
    let inputBytes: Uint8Array | null = null;
    const file = args.string("model");
    if (file !== undefined) {
      ({ model, warnings, bytes: inputBytes } = await readFloatModelFile(file, "quantize"));
      // As for a model trained here: a codebook larger than a group is a bad option (exit 2).
      checkKmeansGroups(
        "quantize",
        method,
        model.weights.rows,
        model.weights.cols,
        "use fewer --bits or --levels",
      );
      data = dataForModel(model, data, file);
      // QAT's training weighs the rows: a class they weigh out, as fit says of a model trained here.
      warnings = [...warnings, ...zeroWeightClassLines(data, classWeights)];
      origin = `loaded from ${file}`;
    } else {
      const rows = data.train.classes.length === 2 ? 1 : data.train.classes.length;
      checkKmeansGroups(
        "quantize",
        method,
        rows,
        data.train.x.cols,
        "use fewer --bits or --levels",
      );
      const trained = trainWithProgress(data, args, showProgress, io, {
        command: "quantize",
        classWeights,
      });
      model = trained.model;
      warnings = [...trained.warnings];
      origin = `trained (${args.string("optimizer")}, penalty ${args.string("penalty")})`;
    }
    const storage = args.string("preprocessing") as "keep" | "fold" | "compact";
    if (model.preprocessing.kind === "none") {
      refuseUnused("quantize", args, ["preprocessing"], "to a model without standardisation");
    }
    const prepared = prepareStorage(model, storage);
    // A bias beyond float32 (a model imported from elsewhere) is stored in float64, which the
    // file holds, instead of refused with the library's option the command line does not have.
    const bias = prepared.bias.some((v) => !Number.isFinite(Math.fround(v)))
      ? "float64"
      : "float32";
    const started = performance.now();
    let q: QuantizedModel;
    let qatEpochs = 0;
    if (args.flag("qat")) {
      const epochs = args.number("qat-epochs", 1, 1e6, true)!;
      const progress = createProgress(io, showProgress);
      try {
        q = quantizationAwareTraining(prepared, data.train, {
          method,
          bias,
          penalty: trainingChoices(args, data.train.x.rows, { command: "quantize" }).penalty,
          optimizer: {
            kind: "adam",
            epochs,
            learningRate: args.number("qat-learning-rate", 1e-12, 1e6),
            learningRateDecay: 0.5,
          },
          seed: args.number("seed", -(2 ** 31), 2 ** 31, true),
          ...classWeightOption(classWeights),
          ...sampleWeightOption(data),
          // A start whose kept weights are all 0 (an L1 penalty can zero them) has only a
          // placeholder grid, which the library refuses to keep fixed, naming an option the
          // command line does not have: the grid is re-chosen from the trained weights instead.
          recalibrate: keptWeightsAllZero(prepared),
          onProgress: (p) =>
            progress.update(
              `quantization-aware training: epoch ${p.epoch}/${p.totalEpochs}  loss ${
                p.trainLoss.toFixed(4)
              }  ${p.seconds.toFixed(1)} s`,
            ),
        }).model;
      } finally {
        progress.done();
      }
      qatEpochs = epochs;
    } else {
      q = quantizeModel(prepared, { method, bias });
    }
    q = storeQuantizedModel(q, storage, true);
    const seconds = (performance.now() - started) / 1000;
    // Accuracy, balanced accuracy and ROC AUC (binary) from each model's own scores: the float
    // model's, the dequantized model's and the integer-only kernel's.
    const floatScores = decisionFunction(model, data.test.x);
    const cutoff = scoreCutoff(model);
    const floatPred = classesFromScores(floatScores, cutoff);
    const floatTest = accuracy(data.test.y, floatPred);
    const floatBalanced = balancedAccuracy(data.test.y, floatPred);
    const floatAuc = binaryRocAuc(floatScores, data.test.y);
    const dequantized = dequantizeModel(q);
    const quantScores = decisionFunction(dequantized, data.test.x);
    const quantPred = classesFromScores(quantScores, cutoff);
    const quantTest = accuracy(data.test.y, quantPred);
    const quantBalanced = balancedAccuracy(data.test.y, quantPred);
    const quantAuc = binaryRocAuc(quantScores, data.test.y);
    let integer: {
      testAccuracy: number;
      testBalancedAccuracy: number;
      testRocAuc: number | null;
      agreement: number;
      trainAgreement: number;
      calibrationSaved: boolean;
      inputDtype: string;
      inputScale: number;
      inputZeroPoint: number;
    } | null = null;
    let integerNote: string | null = null;
    let intPred: Int32Array | null = null;
    let intScores: Matrix | null = null;
    if (q.weights.kind === "uniform" || q.weights.kind === "log2") {
      try {
        const c = integerCalibration(
          q,
          dequantized,
          data.train.x,
          args.string("input-dtype") as InputDtype,
        );
        intScores = integerDecisionFunction(c.prepared, data.test.x);
        intPred = classesFromScores(intScores, cutoff);
        integer = {
          testAccuracy: accuracy(data.test.y, intPred),
          testBalancedAccuracy: balancedAccuracy(data.test.y, intPred),
          testRocAuc: binaryRocAuc(intScores, data.test.y),
          agreement: accuracy(intPred, quantPred),
          trainAgreement: c.trainAgreement,
          calibrationSaved: c.kept,
          inputDtype: c.calibrated.input!.dtype,
          inputScale: c.calibrated.input!.scale,
          inputZeroPoint: c.calibrated.input!.zeroPoint,
        };
        if (c.kept) q = c.calibrated;
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        integerNote = errorReason(error);
      }
    } else {
      integerNote = `${q.weights.kind} weights have no integer grid`;
    }
    // With the calibration kept, the file's bias is rounded to the int32 grid of each class's
    // product scale: its own dequantized model (lrc predict --dequantized) can differ from the
    // one above, so it is measured too.
    const savedScores = integer?.calibrationSaved
      ? decisionFunction(dequantizeModel(q), data.test.x)
      : quantScores;
    const savedPred = integer?.calibrationSaved
      ? classesFromScores(savedScores, cutoff)
      : quantPred;
    const savedDequantized = integer?.calibrationSaved
      ? accuracy(data.test.y, savedPred)
      : quantTest;
    const savedDequantizedBalanced = integer?.calibrationSaved
      ? balancedAccuracy(data.test.y, savedPred)
      : quantBalanced;
    // The classes the float model finds on the test rows and the quantized one never does, as
    // lrc predict scores the file (integer-only when its calibration is kept): accuracy counts a
    // class by its share of the rows.
    const lost = lostClasses(
      data.test.y,
      model.classes,
      floatPred,
      integer?.calibrationSaved ? intPred! : quantPred,
    );
    const savedDequantizedAuc = integer?.calibrationSaved
      ? binaryRocAuc(savedScores, data.test.y)
      : quantAuc;
    // With --weight-column, the same metrics weighted by the test rows' weights (null when every
    // test row weighs 0), from each model's own predictions and scores.
    const testWeights = data.rowWeights?.test;
    const testWeightSum = testWeights === undefined ? 0 : weightSum(testWeights);
    const weighed = (pred: ArrayLike<number>, scores: Matrix) =>
      weightedPredictionMetrics(data.test.y, pred, scores, testWeights!, model.classes.length);
    const weighted = testWeights === undefined || !(testWeightSum > 0) ? null : {
      float: weighed(floatPred, floatScores),
      quantized: weighed(quantPred, quantScores),
      saved: integer?.calibrationSaved ? weighed(savedPred, savedScores) : null,
      integer: integer && intPred && intScores ? weighed(intPred, intScores) : null,
    };
    const save = args.string("save");
    // The bytes of the model's .lrc file, measured by the size report that lrc inspect prints,
    // and (for a .lrc --save) the very bytes written: the report counts what the file stores.
    const encoded = encodeModel(q, { entropy });
    const fileReport = await sizeReport(encoded);
    let savedBytes: number | null = null;
    if (save !== undefined) {
      if (saveFormatOf(save) === "lrc") {
        await writeFileAtomic(save, encoded);
        savedBytes = encoded.length;
      } else savedBytes = await writeModelFile(save, q, entropy);
    }
    const size = fileSize(fileReport);
    const input = file === undefined || inputBytes === null
      ? null
      : await inputFileSize(file, inputBytes);
    const description = describeMethod(method);
    const report = {
      command: "quantize",
      data: {
        source: data.source,
        trainSamples: data.train.x.rows,
        testSamples: data.test.x.rows,
        features: data.train.x.cols,
        classes: model.classes,
      },
      model: origin,
      // The decision threshold the quantized model keeps and labels at (null: none, 0.5).
      threshold: model.threshold ?? null,
      classWeight: classWeights,
      sampleWeight: rowWeightsJson(data.rowWeights),
      warnings,
      preprocessing: storedPreprocessing(model.preprocessing, storage),
      method: { description, ...resolveMethod(method), qat: args.flag("qat"), qatEpochs },
      seconds,
      test: {
        floatAccuracy: floatTest,
        quantizedAccuracy: quantTest,
        savedDequantizedAccuracy: savedDequantized,
        integerAccuracy: integer?.testAccuracy ?? null,
        integerAgreement: integer?.agreement ?? null,
        // The mean of the recalls of the classes that label test rows, from each model's own
        // predictions: what lrc compress --metric balanced-accuracy holds its budget to.
        floatBalancedAccuracy: floatBalanced,
        quantizedBalancedAccuracy: quantBalanced,
        savedDequantizedBalancedAccuracy: savedDequantizedBalanced,
        integerBalancedAccuracy: integer?.testBalancedAccuracy ?? null,
        // ROC AUC of classes[1] (binary models; null otherwise), as lrc train reports it.
        floatRocAuc: floatAuc,
        quantizedRocAuc: quantAuc,
        savedDequantizedRocAuc: savedDequantizedAuc,
        integerRocAuc: integer?.testRocAuc ?? null,
        // The classes with test recall above 0 for the float model and 0 for the quantized one
        // (as the file predicts: integer-only when calibrated).
        lostClasses: lost.map((l) => ({
          class: l.class,
          samples: l.samples,
          floatRecall: l.denseRecall,
          quantizedRecall: l.chosenRecall,
        })),
      },
      // The test metrics above weighted by --weight-column's test rows' weights (null without
      // it, or when every test row weighs 0).
      testWeighted: weighted === null ? null : {
        column: data.rowWeights!.column,
        weightSum: testWeightSum,
        floatAccuracy: weighted.float.accuracy,
        quantizedAccuracy: weighted.quantized.accuracy,
        savedDequantizedAccuracy: (weighted.saved ?? weighted.quantized).accuracy,
        integerAccuracy: weighted.integer?.accuracy ?? null,
        floatBalancedAccuracy: weighted.float.balancedAccuracy,
        quantizedBalancedAccuracy: weighted.quantized.balancedAccuracy,
        savedDequantizedBalancedAccuracy: (weighted.saved ?? weighted.quantized).balancedAccuracy,
        integerBalancedAccuracy: weighted.integer?.balancedAccuracy ?? null,
        floatRocAuc: weighted.float.rocAuc,
        quantizedRocAuc: weighted.quantized.rocAuc,
        savedDequantizedRocAuc: (weighted.saved ?? weighted.quantized).rocAuc,
        integerRocAuc: weighted.integer?.rocAuc ?? null,
      },
      integer: integer ?? { unavailable: integerNote },
      size,
      savedTo: save ?? null,
      savedBytes,
      input,
    };
    if (args.flag("json")) {
      io.out(JSON.stringify(report) + "\n");
      return 0;
    }
    const lines = [
      `data      ${data.source}: ${report.data.trainSamples} train / ${report.data.testSamples} test, ` +
      `${counted(report.data.features, "feature")}, ` +
      `${model.classes.length} classes`,
      `model     ${origin}` +
      (report.preprocessing === "none" ? "" : `; standardisation ${report.preprocessing}`),
      ...thresholdNote(model.threshold, save, "quantization", "quantized"),
      ...(classWeights ? [classWeightsLine(classWeights)] : []),
      ...(data.rowWeights ? [rowWeightsLine(data.rowWeights, classWeights !== null)] : []),
      ...warnings.map((w) => `warning   ${w}`),
      `method    ${description}${
        args.flag("qat") ? `, quantization-aware training ${qatEpochs} epochs` : ", post-training"
      } (${seconds.toFixed(2)} s)`,
      "",
      formatTable(["test", "accuracy", "vs float", "balanced accuracy", "ROC AUC"], [
        ["float", percent(floatTest), "", percent(floatBalanced), rocAucText(floatAuc)],
        [
          "quantized (dequantized)",
          percent(quantTest),
          pointsDiff(quantTest, floatTest),
          percent(quantBalanced),
          rocAucText(quantAuc),
        ],
        ...(integer?.calibrationSaved
          ? [[
            "file, dequantized (int32 bias)",
            percent(savedDequantized),
            pointsDiff(savedDequantized, floatTest),
            percent(savedDequantizedBalanced),
            rocAucText(savedDequantizedAuc),
          ]]
          : []),
        integer
          ? [
            `integer-only (${integer.inputDtype} inputs)`,
            percent(integer.testAccuracy),
            pointsDiff(integer.testAccuracy, floatTest),
            percent(integer.testBalancedAccuracy),
            rocAucText(integer.testRocAuc),
          ]
          : ["integer-only", "n/a", "", "", ""],
      ]),
      integer
        ? `integer-only predictions agree with the dequantized model on ${
          percent(integer.agreement)
        } of the test set`
        : `integer-only inference unavailable: ${integerNote}`,
      ...(testWeights === undefined ? [] : weightedTestTable(
        data.rowWeights!.column,
        testWeightSum,
        ["accuracy", "vs float", "balanced accuracy", "ROC AUC"],
        weighted === null ? null : [
          [
            "float",
            percent(weighted.float.accuracy),
            "",
            percent(weighted.float.balancedAccuracy),
            rocAucText(weighted.float.rocAuc),
          ],
          ...([
            ["quantized (dequantized)", weighted.quantized],
            ["file, dequantized (int32 bias)", weighted.saved],
            [`integer-only (${integer?.inputDtype} inputs)`, weighted.integer],
          ] as const).filter(([, m]) => m !== null).map(([name, m]) => [
            name,
            percent(m!.accuracy),
            pointsDiff(m!.accuracy, weighted.float.accuracy),
            percent(m!.balancedAccuracy),
            rocAucText(m!.rocAuc),
          ]),
        ],
      )),
      ...lostClassesNote(
        lost,
        "accuracy counts a class by its share of the rows; " +
          [
            "more --bits",
            ...(args.flag("qat") ? [] : ["--qat"]),
            ...(classWeights ? [] : ["--class-weight balanced (with --qat)"]),
          ].join(", ").replace(/, ([^,]*)$/, " or $1") +
          ` may keep ${lost.length === 1 ? "it" : "them"}`,
        {
          model: integer?.calibrationSaved ? "quantized (integer-only)" : "quantized",
          reference: "float",
          rows: "test",
        },
      ),
      ...(integer && !integer.calibrationSaved
        ? [
          `note      integer-only inference agrees on only ${
            percent(integer.trainAgreement)
          } of the training set (below ${
            percent(MIN_INTEGER_AGREEMENT)
          }): its one input scale for all features loses those of small range, so the ` +
          `model${save !== undefined ? " is saved" : " would be saved"} without input ` +
          `calibration and predicts dequantized (${
            args.string("model") === undefined
              ? "--no-standardize"
              : "a model trained with lrc train --no-standardize"
          } with inputs of similar ranges keeps it)`,
        ]
        : []),
      "",
      ...sizeLines(size, fileReport, q.input !== undefined, save, savedBytes, input),
    ];
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/** What the .lrc file of a quantized model stores, from its size report. */
export interface QuantizeFileSize {
  /** `nOutputs * nFeatures`. */
  readonly weights: number;
  /** Weights whose code the file stores (the kept ones of a pruned model). */
  readonly storedWeights: number;
  /** Bits per stored code. */
  readonly bitsPerWeight: number;
  /** Encoding of the stored positions (`"dense"`, `"bitmap"`, ...). */
  readonly indexEncoding: string;
  /** `"packed"` at the bit width, or `"rans"`. */
  readonly codesEncoding: "packed" | "rans";
  /** Bytes of the stored codes. */
  readonly codeBytes: number;
  /** Bytes of scales, zero points, codebooks (and the input calibration, when kept). */
  readonly parameterBytes: number;
  /** Bytes of the stored positions. */
  readonly indexBytes: number;
  /** `codeBytes + parameterBytes + indexBytes`: what the weights cost in the file. */
  readonly weightBytes: number;
  /** The stored weights in float32 with the same positions: `4 * storedWeights + indexBytes`. */
  readonly float32WeightBytes: number;
  /** `float32WeightBytes / weightBytes`. */
  readonly compression: number;
  /** Precision of the bias. */
  readonly bias: string;
  /** Bytes of the bias. */
  readonly biasBytes: number;
  /** Every part of the file (as `lrc inspect` lists them); they add up to `fileBytes`. */
  readonly parts: Readonly<Record<SizeCategory, number>>;
  /** Length of the .lrc file. */
  readonly fileBytes: number;
}

/** The input file of `--model`: its length, and its parts when it is a .lrc file. */
export interface QuantizeInputSize {
  readonly file: string;
  readonly bytes: number;
  readonly parts: Readonly<Record<SizeCategory, number>> | null;
}

function fileSize(r: SizeReport): QuantizeFileSize {
  const model = r.model;
  if (model.kind !== "quantized-logistic-regression") {
    throw new TypeError(
      "Cannot report the size of a quantized model: the file holds a float model",
    );
  }
  const codeBytes = r.parts.codes + r.parts.weights;
  const parameterBytes = r.parts.scales;
  const indexBytes = r.parts.indices;
  const weightBytes = codeBytes + parameterBytes + indexBytes;
  const float32WeightBytes = 4 * r.storedWeights + indexBytes;
  return {
    weights: r.weights,
    storedWeights: r.storedWeights,
    bitsPerWeight: model.weights.bits,
    indexEncoding: r.indexEncoding,
    codesEncoding: r.codesEncoding,
    codeBytes,
    parameterBytes,
    indexBytes,
    weightBytes,
    float32WeightBytes,
    compression: float32WeightBytes / weightBytes,
    bias: model.bias.kind,
    biasBytes: r.parts.bias,
    parts: r.parts,
    fileBytes: r.fileBytes,
  };
}

/** The size of the input model file, from the bytes read for its model (not read again). */
async function inputFileSize(file: string, bytes: Uint8Array): Promise<QuantizeInputSize> {
  let parts: Readonly<Record<SizeCategory, number>> | null = null;
  try {
    parts = (await sizeReport(bytes, { name: file })).parts;
  } catch (error) {
    // A .json or .onnx model: its length only.
    if (!(error instanceof SyntaxError || error instanceof RangeError)) throw error;
  }
  return { file, bytes: bytes.length, parts };
}

const bytesOf = (n: number) => count(n, "byte");

/** The report's lines on bytes: every part of the .lrc file, and the input file's length. */
function sizeLines(
  size: QuantizeFileSize,
  report: SizeReport,
  calibrated: boolean,
  save: string | undefined,
  savedBytes: number | null,
  input: QuantizeInputSize | null,
): string[] {
  const p = size.parts;
  const hasRecipe = report.model.kind === "quantized-logistic-regression" &&
    Boolean(report.model.recipe);
  const stored = size.storedWeights === size.weights
    ? `${size.weights}`
    : `${size.storedWeights} of ${size.weights} stored`;
  const lines = [
    `weights   ${stored} x ${size.bitsPerWeight} bits: ${bytesOf(size.codeBytes)} of ` +
    `${size.codesEncoding === "rans" ? "entropy-coded " : ""}codes + ` +
    `${bytesOf(size.parameterBytes)} of scales/zero points/codebooks` +
    `${calibrated ? " and input calibration" : ""} + ${bytesOf(size.indexBytes)} of indices ` +
    `(${size.indexEncoding}) = ${bytesOf(size.weightBytes)} (float32 with the same indices: ${
      bytesOf(size.float32WeightBytes)
    }, ${
      size.compression >= 1
        ? `${size.compression.toFixed(1)}x smaller`
        : `${(1 / size.compression).toFixed(1)}x larger`
    })`,
    `bias      ${size.bias}, ${bytesOf(size.biasBytes)}` +
    (size.bias === "int32" ? " (at the product scale of each class)" : ""),
    `rest      header ${int(p.header)}${
      hasRecipe ? " (with the quantization recipe)" : ""
    }, labels ${int(p.labels)}, names ${int(p.names)}, preprocessing ${
      int(p.preprocessing)
    }, checksum ` +
    `${int(p.checksum)} bytes`,
  ];
  const lrc = save !== undefined && saveFormatOf(save) === "lrc";
  const total = `${lrc ? "" : "as .lrc: "}${bytesOf(size.fileBytes)}`;
  const inputText = input === null ? "" : `; the input file: ${bytesOf(input.bytes)}`;
  if (save === undefined) lines.push(`file      ${total}${inputText} (not saved)`);
  else if (lrc) lines.push(`saved     ${save} (${total}${inputText})`);
  else lines.push(`saved     ${save} (${bytesOf(savedBytes!)} of JSON; ${total}${inputText})`);
  const written = lrc || save === undefined ? size.fileBytes : savedBytes!;
  if (input !== null && written > input.bytes) {
    let why = "";
    if (input.parts !== null && (lrc || save === undefined)) {
      const changes = (Object.keys(p) as SizeCategory[])
        .filter((c) => p[c] !== input.parts![c])
        .map((c) => {
          const d = p[c] - input.parts![c];
          return `${c} ${d > 0 ? "+" : ""}${d}` +
            (c === "header" && d > 0 && hasRecipe
              ? " (it holds the quantization recipe as JSON)"
              : "");
        });
      why = `: ${changes.join(", ")} bytes`;
    } else if (!lrc && save !== undefined) {
      why = " (JSON; .lrc is the compact format)";
    }
    lines.push(
      `note      the ${save === undefined ? "file would be" : "saved file is"} ` +
        `${bytesOf(written - input.bytes)} larger than the input file${why}`,
    );
  }
  return lines;
}

/** The share of training rows on which integer-only predictions must agree to keep them. */
export const MIN_INTEGER_AGREEMENT = 0.99;

/** Input code types of integer-only inference (`auto`: uint8 for non-negative inputs). */
export type InputDtype = "auto" | "uint8" | "int8";

/** An input calibration for integer-only inference, and whether it is worth keeping. */
export interface IntegerCalibration {
  /** The model with its input calibration and int32 bias. */
  readonly calibrated: QuantizedModel;
  /** Its integer-only predictor. */
  readonly prepared: IntegerModel;
  /** Share of the training rows on which it predicts as the dequantized model does. */
  readonly trainAgreement: number;
  /** Whether that share reaches {@linkcode MIN_INTEGER_AGREEMENT}. */
  readonly kept: boolean;
}

/**
 * Calibrates a model's input for integer-only inference on its training rows. Whether to keep
 * the calibration is decided on them too: one input scale for every feature can lose features of
 * small range (raw inputs of a standardised model).
 *
 * @param q A quantized model with uniform or log2 weights.
 * @param dequantized Its dequantized float model (the reference predictions).
 * @param trainX The rows it was trained on.
 * @param dtype The input code type.
 * @returns The calibration and its agreement.
 * @throws {RangeError} From `calibrateInput` (for example a bias beyond int32).
 */
export function integerCalibration(
  q: QuantizedModel,
  dequantized: LogisticModel,
  trainX: Matrix,
  dtype: InputDtype,
): IntegerCalibration {
  const calibrated = calibrateInput(q, trainX, { dtype });
  const prepared = prepareIntegerModel(calibrated);
  const trainAgreement = accuracy(
    integerPredict(prepared, trainX),
    predict(dequantized, trainX),
  );
  return { calibrated, prepared, trainAgreement, kept: trainAgreement >= MIN_INTEGER_AGREEMENT };
}

function pointsDiff(a: number, b: number): string {
  const d = (a - b) * 100;
  return `${d >= 0 ? "+" : ""}${d.toFixed(2)} points`;
}

/**
 * k-means needs as many distinct weights per group as levels: more levels than a group has
 * weights cannot be met whatever training gives, so it is refused before training. After a
 * pruning step that fixes how many weights a group keeps (a count or fraction of the whole
 * matrix for a per-tensor codebook, of each row with per-class ranking, of whole features), the
 * group is counted after pruning; where the step leaves the count to the data (a global ranking
 * and per-class codebooks), it is counted in full, which only misses some impossible cases.
 *
 * @param command The command, for the message.
 * @param method The quantization method (only k-means is checked).
 * @param k Output rows of the model to be quantized.
 * @param nFeatures Its features.
 * @param advice What to do instead, in the command's options.
 * @param pruning The pruning step before quantization, if any.
 * @throws {UsageError} If a group would have fewer weights than levels.
 */
export function checkKmeansGroups(
  command: string,
  method: QuantizationMethod,
  k: number,
  nFeatures: number,
  advice: string,
  pruning?: ResolvedPrune,
): void {
  if (method.kind !== "kmeans") return;
  const resolved = resolveMethod(method, command);
  if (resolved.kind !== "kmeans") return;
  const g = resolved.granularity;
  let size = g === "tensor" ? k * nFeatures : g === "class" ? nFeatures : k;
  const full = size;
  if (pruning) {
    const target = pruning.count !== null
      ? { kind: "count" as const, value: pruning.count, scope: pruning.scope }
      : { kind: "fraction" as const, value: pruning.fraction!, scope: pruning.scope };
    const removed = (n: number) => targetCount(target, n);
    if (pruning.structure === "features") {
      const columns = nFeatures - removed(nFeatures);
      size = g === "tensor" ? k * columns : g === "class" ? columns : k;
    } else if (pruning.scope === "per-class") {
      const row = nFeatures - removed(nFeatures);
      size = g === "tensor" ? k * row : g === "class" ? row : k;
    } else if (g === "tensor") {
      size = k * nFeatures - removed(k * nFeatures);
    }
  }
  if (resolved.levels > size) {
    throw new UsageError(
      `Cannot parse arguments of '${command}': k-means with ${resolved.levels} levels needs at ` +
        `least ${resolved.levels} weights per group, and the model will have ${size} per ${g}` +
        (size < full ? ` after pruning; ${advice}, or prune less` : `; ${advice}`),
    );
  }
}
