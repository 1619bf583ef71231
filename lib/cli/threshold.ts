/**
 * `lrc threshold --model FILE (--target T --data FILE.csv | --set T | --clear) [--save OUT]`:
 * chooses, sets or removes the decision threshold of a binary model (float or quantized). With
 * `--target`, the threshold is chosen by `chooseThreshold` on the scores of labelled data,
 * computed by the kernel `lrc predict` labels with (integer-only for a calibrated quantized
 * model), and the current and new thresholds' metrics are printed with the rows whose label
 * changes. `--save` writes the model with it. `--data` may be an svmlight file, matched to the
 * model by index and scored as sparse rows, as `lrc predict` reads one.
 *
 * @module
 */

import { readCsvBatches, readCsvColumns } from "../data/csv_stream.ts";
import { classIndexOf } from "../data/dataset.ts";
import { counted, quotedList, quotedText } from "../core/validate.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import { chooseThreshold, type ThresholdTarget } from "../metrics/threshold.ts";
import { scoreCutoff } from "../model/decision_threshold.ts";
import { preparePredictor } from "../model/predictor.ts";
import { prepareQuantizedPredictor } from "../quant/predictor.ts";
import { withThreshold } from "../quant/with_threshold.ts";
import { type Command, decimalValue, UsageError } from "./args.ts";
import { DATA_OPTIONS, delimiterOf, stdinDataRefused, weightsRefused } from "./data_options.ts";
import { count, percent } from "./format.ts";
import {
  checkSaveTarget,
  ENTROPY_OPTION,
  entropyFlag,
  readModelFile,
  writeModelFile,
} from "./model_files.ts";
import {
  checkRegularFile,
  CSR_KERNEL,
  firstLineText,
  float32RoundingWarning,
  planDataColumns,
} from "./predict.ts";
import {
  checkModelDataFormat,
  FORMAT_OPTION,
  sparseBatches,
  svmlightRowsForModel,
  ZERO_BASED_MODEL_OPTION,
} from "./svmlight_data.ts";

const NAME = "threshold";
const ACTION = "choose the decision threshold";

/** The spellings of `--target`. */
const TARGETS = "f1, accuracy, balanced-accuracy, precision=P, recall=R or fpr=F";

/** The note on where to choose a threshold. */
export const VALIDATION_NOTE =
  "choose the threshold on validation data, not on the test set whose accuracy you report: " +
  "chosen on it, that estimate is biased upwards";

/** Metrics of one threshold on labelled data (weighted by the row weights, if any). */
export interface ThresholdMetrics {
  /** The threshold (0.5 for a model without one). */
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly fpr: number;
  readonly f1: number;
  readonly accuracy: number;
  readonly balancedAccuracy: number;
}

/**
 * What the spellings of a threshold target mean, for the help of the options that take one
 * (`lrc threshold --target`, `lrc train --threshold-target`).
 */
export const TARGET_HELP = "f1, accuracy or balanced-accuracy (the highest), precision=P (the " +
  "highest recall with precision >= P), recall=R (the highest precision with recall >= R) or " +
  "fpr=F (the highest recall with false-positive rate <= F); P, R, F fractions in [0, 1]";

/** Where a threshold target was given, for {@linkcode parseTarget}'s messages. */
export interface ParseTargetOptions {
  /**
   * The command.
   * @default {"threshold"}
   */
  readonly command?: string;
  /**
   * The option, without its dashes.
   * @default {"target"}
   */
  readonly option?: string;
}

/**
 * Reads `--target` (or another option that takes a threshold target, such as `lrc train
 * --threshold-target`): a metric to maximise, or a floor on precision or recall, a ceiling on the
 * false-positive rate.
 *
 * @param raw The option's value.
 * @param options The command and the option, for messages.
 * @returns The target of `chooseThreshold`.
 * @throws {UsageError} For another spelling, or a value that is not a number in [0, 1].
 */
export function parseTarget(raw: string, options: ParseTargetOptions = {}): ThresholdTarget {
  const command = options.command ?? NAME, option = `--${options.option ?? "target"}`;
  const t = raw.trim();
  if (t === "f1" || t === "accuracy" || t === "balanced-accuracy") return { metric: t };
  const m = t.match(/^(precision|recall|fpr)=(.*)$/);
  if (m === null) {
    throw new UsageError(
      `Cannot parse arguments of '${command}': ${option} must be one of ${TARGETS}, got ` +
        quotedText(raw),
    );
  }
  const v = decimalValue(m[2]);
  if (!(v >= 0 && v <= 1)) {
    throw new UsageError(
      `Cannot parse arguments of '${command}': ${option} ${m[1]}=${m[2]} needs a number in [0, 1]` +
        " (a fraction, not a percentage)",
    );
  }
  const key = m[1] as "precision" | "recall" | "fpr";
  return key === "precision" ? { precision: v } : key === "recall" ? { recall: v } : { fpr: v };
}

/**
 * A threshold target as the output names it, e.g. `highest recall with precision >= 0.9`.
 *
 * @param target The target.
 * @returns Its description.
 */
export function targetText(target: ThresholdTarget): string {
  if ("metric" in target) return `highest ${target.metric}`;
  if ("precision" in target) return `highest recall with precision >= ${target.precision}`;
  if ("recall" in target) return `highest precision with recall >= ${target.recall}`;
  return `highest recall with false-positive rate <= ${target.fpr}`;
}

/**
 * A threshold's metrics as the commands print them: precision, recall, false-positive rate and
 * accuracy in percent, F1 to four decimals.
 *
 * @param m The metrics.
 * @returns One phrase, e.g. `precision 90.00 %, recall 85.71 %, false-positive rate 2.00 %, F1
 *   0.8780, accuracy 96.00 %`.
 */
export function thresholdMetricsText(m: Omit<ThresholdMetrics, "threshold">): string {
  return `precision ${percent(m.precision)}, recall ${percent(m.recall)}, false-positive rate ${
    percent(m.fpr)
  }, F1 ${m.f1.toFixed(4)}, accuracy ${percent(m.accuracy)}`;
}

/**
 * The metrics of labelling `classes[1]` the rows whose score is above `cutoff`, as
 * `thresholdCurve` counts them (precision 1 when no row is labelled positive).
 */
function metricsAt(
  threshold: number,
  cutoff: number,
  scores: Float64Array,
  y: Uint8Array,
  w: Float64Array | null,
): ThresholdMetrics {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const wi = w === null ? 1 : w[i];
    if (scores[i] > cutoff) {
      if (y[i] === 1) tp += wi;
      else fp += wi;
    } else if (y[i] === 1) fn += wi;
    else tn += wi;
  }
  const positives = tp + fn, negatives = fp + tn;
  // As thresholdCurve: the class totals scaled by one power of two (exact), so that weights
  // near 1e160 or 1e-170 do not overflow or underflow balanced accuracy's product to NaN.
  const unit = 2 ** -Math.floor(Math.log2(Math.max(positives, negatives)));
  const posU = positives * unit, negU = negatives * unit;
  return {
    threshold,
    precision: tp + fp > 0 ? tp / (tp + fp) : 1,
    recall: tp / positives,
    fpr: fp / negatives,
    f1: (2 * tp) / (2 * tp + fp + fn),
    accuracy: (tp + tn) / (positives + negatives),
    balancedAccuracy: (tp * unit * negU + tn * unit * posU) / (2 * posU * negU),
  };
}

/** The `threshold` command. */
export const thresholdCommand: Command = {
  name: NAME,
  summary:
    "Choose (on labelled validation data), set or remove a binary model's decision threshold; save the model with it.",
  options: {
    model: {
      type: "string",
      value: "FILE",
      help: "the model (.lrc, .json or .onnx; float or quantized; binary) (required)",
    },
    target: {
      type: "string",
      value: "T",
      help: `choose the threshold on --data: ${TARGET_HELP}`,
    },
    set: {
      type: "string",
      value: "T",
      help: "set the threshold to T, a probability strictly between 0 and 1 (--data optional: " +
        "then its metrics are shown)",
    },
    clear: {
      type: "boolean",
      help: "remove the threshold (labels at 0.5 again; --data optional)",
    },
    data: {
      type: "string",
      value: "FILE.csv",
      help: "labelled validation rows, columns matched to the model's features as lrc predict " +
        "matches them (required with --target); not the test set whose accuracy you report; " +
        "CSV, or svmlight (--format), its features matched by index as lrc predict matches them",
    },
    ...FORMAT_OPTION,
    ...ZERO_BASED_MODEL_OPTION,
    label: {
      type: "string",
      value: "COLUMN",
      trim: true,
      help: "label column of --data, by header name or zero-based index (default: the one " +
        "column that is not a model feature, or the last when the file has one column more " +
        "than the model has features)",
    },
    "weight-column": {
      type: "string",
      value: "COLUMN",
      trim: true,
      help: "a column of --data holding row weights (finite numbers >= 0), by header name or " +
        "zero-based index: the threshold is chosen, and the metrics counted, by weight",
    },
    "no-header": { type: "boolean", help: "--data has no header row (columns by position)" },
    delimiter: { type: "string", value: "CHAR", default: ",", help: DATA_OPTIONS.delimiter.help },
    save: {
      type: "string",
      value: "FILE",
      help: "write the model with the threshold (.lrc or .json, atomically; not the --model " +
        "file itself); without it nothing is written",
    },
    ...ENTROPY_OPTION,
    json: { type: "boolean", help: "print the result as one JSON object (fractions)" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const modelPath = args.string("model");
    if (modelPath === undefined) {
      throw new UsageError(`Cannot ${ACTION}: --model FILE is required`);
    }
    const modes = ["target", "set", "clear"].filter((m) => args.given(m));
    if (modes.length !== 1) {
      throw new UsageError(
        `Cannot ${ACTION}: give exactly one of --target T (chosen on --data), --set T or ` +
          `--clear${modes.length > 1 ? `, not ${modes.map((m) => `--${m}`).join(" and ")}` : ""}`,
      );
    }
    const target = args.given("target") ? parseTarget(args.string("target")!) : null;
    const set = args.given("set") ? args.number("set", 0, 1) : undefined;
    if (set !== undefined && !(set > 0 && set < 1)) {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --set must be a probability strictly between 0 ` +
          `and 1, got '${args.string("set")}'`,
      );
    }
    const dataPath = args.string("data");
    // lrc predict alone reads standard input: this reads the header, then the rows.
    if (dataPath === "-") throw stdinDataRefused(NAME);
    // An svmlight file (--format, or its name) takes none of the CSV options.
    const svm =
      checkModelDataFormat(args, NAME, ["label", "weight-column", "no-header", "delimiter"]) ===
        "svmlight";
    if (target !== null && dataPath === undefined) {
      throw new UsageError(
        `Cannot ${ACTION}: --target chooses it on labelled data; give --data FILE.csv ` +
          "(validation rows, not the test set)",
      );
    }
    if (dataPath === undefined) {
      for (const o of ["label", "weight-column", "no-header", "delimiter"]) {
        if (args.given(o)) {
          throw new UsageError(`Cannot ${ACTION}: --${o} describes --data, which is not given`);
        }
      }
    }
    const savePath = args.string("save");
    const entropy = entropyFlag(args, "save");
    await checkSaveTarget(savePath, { model: modelPath, data: dataPath });
    if (dataPath !== undefined) {
      await checkRegularFile(dataPath, { action: ACTION, name: NAME, stdin: false });
    }

    const { model, warnings } = await readModelFile(modelPath);
    for (const w of warnings) io.err(`warning: ${w}\n`);
    const float = asFloatModel(model);
    if (float.link !== "sigmoid") {
      throw new TypeError(
        `Cannot ${ACTION} of '${modelPath}': it is a ${float.link} model of ${
          counted(float.classes.length, "class", { plural: "classes" })
        } ${quotedList(float.classes)}; a threshold applies to two-class models with one score ` +
          "(sigmoid), and a softmax model labels a row by its largest score",
      );
    }
    const kind = model.kind === "logistic-regression" ? "float" : "quantized";
    const current = model.threshold ?? 0.5;

    // The scores of the data, by the kernel lrc predict labels with.
    let data: {
      scores: Float64Array;
      y: Uint8Array;
      w: Float64Array | null;
      kernel: string;
      /** The label column of a CSV file; `null` for an svmlight one (labels first on each line). */
      labelColumn: string | null;
      weightColumn: string | null;
    } | null = null;
    if (dataPath !== undefined && svm) {
      data = await scoreSvmlight(args, model, dataPath);
    } else if (dataPath !== undefined) {
      // The data are read as float32, as lrc predict reads them, and it warns alike.
      const rounding = float32RoundingWarning(float);
      if (rounding !== null) io.err(`warning: ${rounding}\n`);
      data = await scoreData(args, model, dataPath);
    }

    let chosen: number | null;
    if (target !== null) {
      chosen = chooseThreshold(data!.scores, data!.y, target, {
        ...(data!.w === null ? {} : { sampleWeight: data!.w }),
      }).threshold;
    } else chosen = set ?? null;
    const updated: StoredModel = withThreshold(model, chosen);
    let before: ThresholdMetrics | null = null, after: ThresholdMetrics | null = null;
    let changed = 0;
    if (data !== null) {
      const a = scoreCutoff(model), b = scoreCutoff(updated);
      before = metricsAt(current, a, data.scores, data.y, data.w);
      after = metricsAt(chosen ?? 0.5, b, data.scores, data.y, data.w);
      for (const s of data.scores) if ((s > a) !== (s > b)) changed++;
    }
    const bytes = savePath === undefined ? null : await writeModelFile(savePath, updated, entropy);

    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: NAME,
          model: modelPath,
          modelKind: kind,
          classes: float.classes,
          warnings,
          target: args.string("target") ?? null,
          data: dataPath ?? null,
          rows: data?.scores.length ?? null,
          kernel: data?.kernel ?? null,
          labelColumn: data?.labelColumn ?? null,
          weightColumn: data?.weightColumn ?? null,
          currentThreshold: model.threshold ?? null,
          threshold: chosen,
          current: before,
          chosen: after,
          changedRows: data === null ? null : changed,
          saved: savePath ?? null,
          bytes,
        }) + "\n",
      );
      return 0;
    }
    const lines = [
      `model     ${modelPath}: ${kind} sigmoid, classes ${quotedList(float.classes)}; a row is ` +
      `${quotedText(float.classes[1])} when its probability is above the threshold`,
    ];
    if (data !== null) {
      lines.push(
        `data      ${dataPath}: ${count(data.scores.length, "row")}, ${
          data.labelColumn === null
            ? "svmlight, labels from the file"
            : `label column ${quotedText(data.labelColumn)}`
        }${data.weightColumn === null ? "" : `, weighted by ${quotedText(data.weightColumn)}`}; ` +
          `scored by kernel ${data.kernel}${
            data.kernel === "integer" ? " (integer-only, as lrc predict labels it)" : ""
          }`,
      );
    }
    if (target !== null) lines.push(`target    ${targetText(target)}`);
    const currentText = `${current}${model.threshold === undefined ? " (none set)" : ""}`;
    const nextText = chosen === null ? "0.5 (none)" : String(chosen);
    lines.push(
      `current   threshold ${currentText}${
        before === null ? "" : `: ${thresholdMetricsText(before)}`
      }`,
      `${chosen === null ? "cleared" : target !== null ? "chosen" : "set"}`.padEnd(10) +
        `threshold ${nextText}${after === null ? "" : `: ${thresholdMetricsText(after)}`}`,
    );
    if (data !== null) {
      lines.push(`changed   ${changed} of ${count(data.scores.length, "row")} change label`);
    }
    if (target !== null) lines.push(`note      ${VALIDATION_NOTE}`);
    lines.push(
      savePath === undefined
        ? "saved     nothing (give --save FILE.lrc or FILE.json to write the model with this " +
          "threshold)"
        : `saved     ${savePath} (${count(bytes!, "byte")})`,
    );
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/**
 * Reads an svmlight `--data` file and scores it as lrc predict does: matched to the model's
 * features by index, read whole in float64, scored as CSR rows (dense ones for an integer-only
 * model, which quantizes every value).
 */
async function scoreSvmlight(
  args: Parameters<Command["run"]>[0],
  model: StoredModel,
  dataPath: string,
) {
  const float = asFloatModel(model);
  const rows = await svmlightRowsForModel(dataPath, float, {
    zeroBased: args.string("zero-based")!,
    noLabel: false,
    action: ACTION,
  });
  using predictor = model.kind === "logistic-regression"
    ? preparePredictor(float)
    : prepareQuantizedPredictor(model);
  const classOf = classIndexOf(float.classes);
  const n = rows.x.rows;
  const scores = new Float64Array(n);
  let at = 0;
  const integerOnly = predictor.kernel === "integer";
  for (const x of sparseBatches(rows.x, integerOnly, 4096)) {
    scores.set(predictor.decisionFunction(x).data, at);
    at += x.rows;
  }
  return {
    scores,
    // Every label is one of the model's classes (checked when the file was read).
    y: Uint8Array.from(rows.labels, (label) => classOf(label)!),
    w: null,
    kernel: integerOnly ? predictor.kernel as string : CSR_KERNEL,
    labelColumn: null,
    weightColumn: null,
  };
}

/** Reads `--data` and scores it as lrc predict does: scores, labels 0/1, weights. */
async function scoreData(
  args: Parameters<Command["run"]>[0],
  model: StoredModel,
  dataPath: string,
) {
  const float = asFloatModel(model);
  const header = !args.flag("no-header");
  const delimiter = delimiterOf(args);
  const columns = await readCsvColumns(dataPath, { header, delimiter });
  const firstLine = columns.length === 1
    ? header ? columns[0] : await firstLineText(dataPath)
    : undefined;
  const plan = planDataColumns(columns, float.featureNames, {
    header,
    firstLine,
    delimiter,
    label: args.string("label"),
    weightColumn: args.string("weight-column"),
    file: dataPath,
    action: ACTION,
    labelRequired: true,
  });
  if (plan.labelCol < 0) {
    throw new UsageError(
      `Cannot ${ACTION}: '${dataPath}' has no label column; name it with --label (the ` +
        "threshold is chosen on labelled rows)",
    );
  }
  using predictor = model.kind === "logistic-regression"
    ? preparePredictor(float)
    : prepareQuantizedPredictor(model);
  const classOf = classIndexOf(float.classes);
  const weightName = plan.weightCol < 0 ? null : columns[plan.weightCol];
  let scores = new Float64Array(1024), y = new Uint8Array(1024);
  let w: Float64Array | null = weightName === null ? null : new Float64Array(1024);
  let n = 0;
  for await (
    const batch of readCsvBatches(dataPath, {
      label: plan.labelCol,
      features: plan.features,
      header,
      delimiter,
      ...(plan.weightCol < 0 ? {} : { weightColumn: plan.weightCol }),
    })
  ) {
    const s = predictor.decisionFunction(batch.x);
    if (n + batch.x.rows > scores.length) {
      const size = Math.max(2 * scores.length, n + batch.x.rows);
      const grow = <T extends Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
      scores = grow(scores, new Float64Array(size));
      y = grow(y, new Uint8Array(size));
      if (w !== null) w = grow(w, new Float64Array(size));
    }
    for (let i = 0; i < batch.x.rows; i++) {
      const raw = batch.labels[i];
      const c = classOf(raw);
      if (c === undefined) {
        throw new RangeError(
          `Cannot ${ACTION}: label ${quotedText(raw)} on line ${batch.lines[i]} of ` +
            `'${dataPath}' is not one of the model's classes ${quotedList(float.classes)}`,
        );
      }
      if (w !== null) {
        const wi = batch.weights![i];
        if (!(wi >= 0 && wi < Infinity)) {
          throw weightsRefused(dataPath, weightName!, { at: `line ${batch.lines[i]}`, value: wi });
        }
        w[n] = wi;
      }
      scores[n] = s.data[i];
      y[n++] = c;
    }
  }
  if (n === 0) {
    throw new RangeError(
      `Cannot ${ACTION}: '${dataPath}' has ${header ? "a header but " : ""}no data rows`,
    );
  }
  return {
    scores: scores.subarray(0, n),
    y: y.subarray(0, n),
    w: w === null ? null : w.subarray(0, n),
    kernel: predictor.kernel as string,
    labelColumn: columns[plan.labelCol],
    weightColumn: weightName,
  };
}
