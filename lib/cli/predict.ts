/**
 * `lrc predict --model FILE --data FILE.csv`: applies a saved model (float or quantized; `.lrc`,
 * `.json` or `.onnx`) to a CSV file streamed in batches, writes the predicted labels (and
 * probabilities) to a CSV file, and measures accuracy, log loss and macro F1 when the file has
 * labels. Memory does not grow with the file; the output appears only when complete.
 *
 * @module
 */

import { readCsvBatches, readCsvColumns } from "../data/csv_stream.ts";
import type { Matrix } from "../core/matrix.ts";
import { type AtomicWriter, openAtomicWriter } from "../io/atomic.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import { macroF1FromConfusion } from "../metrics/metrics.ts";
import { classesFromScores, probabilitiesFromScores } from "../model/predict.ts";
import { preparePredictor } from "../model/predictor.ts";
import { prepareQuantizedPredictor } from "../quant/predictor.ts";
import { type Command, UsageError } from "./args.ts";
import { percent } from "./format.ts";
import { readModelFile } from "./model_files.ts";
import { createProgress } from "./progress.ts";

const NAME = "predict";
const int = (n: number) => n.toLocaleString("en-US");

/** How the file's columns feed the model. */
interface ColumnPlan {
  /** The label column's index among the file's columns, or -1. */
  readonly labelCol: number;
  /** For each model feature, its index among the file's feature columns (label removed). */
  readonly order: Int32Array;
  /** Whether the features are matched by header name (else by position). */
  readonly byName: boolean;
  /** File feature columns the model does not use (matched by name only). */
  readonly unused: string[];
}

/** The `predict` command. */
export const predictCommand: Command = {
  name: NAME,
  summary:
    "Apply a saved model to a CSV file: write predicted labels (and probabilities); measure accuracy if it has labels.",
  options: {
    model: {
      type: "string",
      value: "FILE",
      help: "the model (.lrc, .json or .onnx; float or quantized) (required)",
    },
    data: { type: "string", value: "FILE.csv", help: "the rows to predict (required)" },
    label: {
      type: "string",
      value: "COLUMN",
      help: "label column, by header name or zero-based index (default: the one column that is " +
        "not a model feature, or the last when the file has one column more than the model has " +
        "features; none when the features fill the row)",
    },
    "no-label": { type: "boolean", help: "the file has no label column" },
    "no-header": { type: "boolean", help: "the file has no header row (columns by position)" },
    delimiter: { type: "string", value: "CHAR", default: ",", help: "field delimiter" },
    out: {
      type: "string",
      value: "FILE.csv",
      help:
        "write one row per input row: the predicted label (written only when complete; an existing file is replaced)",
    },
    proba: { type: "boolean", help: "also write each class's probability (columns p_<class>)" },
    "batch-rows": {
      type: "string",
      value: "N",
      default: "4096",
      help: "rows read and scored at a time (memory grows with N, not with the file)",
    },
    json: { type: "boolean", help: "print the summary as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const modelPath = args.string("model");
    const dataPath = args.string("data");
    if (modelPath === undefined) throw new UsageError("Cannot predict: --model FILE is required");
    if (dataPath === undefined) throw new UsageError("Cannot predict: --data FILE.csv is required");
    if (args.positionals.length > 0) {
      throw new UsageError(`Cannot predict: unexpected argument '${args.positionals[0]}'`);
    }
    if (args.flag("no-label") && args.string("label") !== undefined) {
      throw new UsageError("Cannot predict: give --label COLUMN or --no-label, not both");
    }
    const delimiter = args.string("delimiter")!;
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127) {
      throw new UsageError(`Cannot predict: --delimiter must be one ASCII character`);
    }
    const batchRows = args.number("batch-rows", 1, 1 << 20, true)!;
    const out = args.string("out");
    const header = !args.flag("no-header");

    const started = performance.now();
    const { model, warnings } = await readModelFile(modelPath);
    for (const w of warnings) io.err(`warning: ${w}\n`);
    const float = asFloatModel(model);
    const classes = float.classes;
    const d = float.featureNames.length;
    const columns = await readCsvColumns(dataPath, { header, delimiter });
    const plan = planColumns(columns, float.featureNames, header, {
      label: args.string("label"),
      noLabel: args.flag("no-label"),
      file: dataPath,
    });
    if (plan.labelCol < 0 && out === undefined) {
      throw new UsageError(
        "Cannot predict: nothing to do; give --out FILE.csv for the predictions, or data with a " +
          "label column (--label) for the metrics",
      );
    }

    using predictor = prepare(model);
    const k = classes.length;
    const index = new Map(classes.map((c, i) => [c, i]));
    const numeric = classes.every((c) => Number.isFinite(Number(c)));
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let rows = 0, lossSum = 0;
    const proba = args.flag("proba");
    let writer: AtomicWriter | null = null;
    const progress = createProgress(io, !args.flag("quiet") && !args.flag("json"));
    try {
      if (out !== undefined) {
        writer = await openAtomicWriter(out);
        const head = ["predicted", ...(proba ? classes.map((c) => `p_${c}`) : [])];
        await writer.write(encode(head.map(csvCell).join(",") + "\n"));
      }
      const label = plan.labelCol < 0 ? null : plan.labelCol;
      for await (
        const batch of readCsvBatches(dataPath, {
          label,
          header,
          delimiter,
          batchSize: batchRows,
        })
      ) {
        const x = select(batch.x, plan.order, d);
        const scores = predictor.decisionFunction(x);
        const p = probabilitiesFromScores(float, scores);
        const predicted = classesFromScores(scores);
        if (plan.labelCol >= 0) {
          for (let i = 0; i < x.rows; i++) {
            const raw = batch.labels[i];
            const y = index.get(numeric ? String(Number(raw)) : raw);
            if (y === undefined) {
              throw new RangeError(
                `Cannot predict: label '${raw}' on line ${batch.firstLine + i} of '${dataPath}' ` +
                  `is not one of the model's classes (${listOf(classes)})`,
              );
            }
            confusion[y][predicted[i]]++;
            lossSum -= Math.log(Math.max(p.data[i * k + y], 1e-15));
          }
        }
        if (writer) await writer.write(encode(outputRows(predicted, p, classes, proba)));
        rows += x.rows;
        const s = (performance.now() - started) / 1000;
        progress.update(`predicted ${int(rows)} rows, ${int(Math.round(rows / s))} rows/s`);
      }
      if (rows === 0) throw new RangeError(`Cannot predict: '${dataPath}' has no data rows`);
      await writer?.commit();
      writer = null;
    } finally {
      progress.done();
      await writer?.abort();
    }
    const seconds = (performance.now() - started) / 1000;
    const labelled = plan.labelCol >= 0;
    let right = 0;
    for (let c = 0; c < k; c++) right += confusion[c][c];
    const metrics = labelled
      ? {
        accuracy: right / rows,
        logLoss: lossSum / rows,
        macroF1: macroF1FromConfusion(confusion),
        confusion,
      }
      : null;
    const kind = model.kind === "logistic-regression" ? "float" : "quantized";
    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: NAME,
          model: modelPath,
          modelKind: kind,
          kernel: predictor.kernel,
          data: dataPath,
          rows,
          labelColumn: labelled ? columns[plan.labelCol] : null,
          features: plan.byName ? "by name" : "by position",
          unusedColumns: plan.unused,
          metrics,
          out: out ?? null,
          probabilities: out !== undefined && proba,
          seconds,
        }) + "\n",
      );
      return 0;
    }
    const lines = [
      `model     ${modelPath}: ${kind} ${float.link}, ${k} classes, ${d} features ` +
      `(kernel ${predictor.kernel})`,
      `data      ${dataPath}: ${int(rows)} rows, features ${
        plan.byName ? "matched by name" : "taken by position"
      }${labelled ? `, label column '${columns[plan.labelCol]}'` : ", no label column"}${
        plan.unused.length > 0 ? `; unused columns: ${listOf(plan.unused)}` : ""
      }`,
    ];
    if (metrics) {
      lines.push(
        `metrics   accuracy ${percent(metrics.accuracy)}, log loss ${
          metrics.logLoss.toFixed(4)
        }, macro F1 ${metrics.macroF1.toFixed(4)}`,
      );
    }
    if (out !== undefined) {
      lines.push(
        `wrote     ${out} (${int(rows)} rows: predicted label${
          proba ? `, ${k} probabilities` : ""
        })`,
      );
    }
    lines.push(
      `time      ${seconds.toFixed(2)} s (${int(Math.round(rows / seconds))} rows/s)`,
    );
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/** The predictor on the kernel that fits the model's form. */
function prepare(model: StoredModel) {
  return model.kind === "logistic-regression"
    ? preparePredictor(model)
    : prepareQuantizedPredictor(model);
}

/**
 * Decides which column is the label and how the file's feature columns map to the model's:
 * by header name when every model feature is named in the header, else by position.
 */
export function planColumns(
  columns: readonly string[],
  featureNames: readonly string[],
  header: boolean,
  options: { label?: string; noLabel: boolean; file: string },
): ColumnPlan {
  const d = featureNames.length;
  const width = columns.length;
  const fail = (reason: string): never => {
    throw new RangeError(
      `Cannot predict with a model of ${d} features on '${options.file}': ${reason}`,
    );
  };
  const named = header && featureNames.every((n) => columns.includes(n));
  let labelCol = -1;
  if (options.label !== undefined) {
    const l = options.label;
    labelCol = columns.includes(l) ? columns.indexOf(l) : /^\d+$/.test(l) ? Number(l) : -2;
    if (labelCol === -2) fail(`no column named '${l}' (columns: ${listOf(columns)})`);
    if (labelCol >= width) fail(`label column index ${l} is outside 0..${width - 1}`);
    if (named && featureNames.includes(columns[labelCol])) {
      fail(`the label column '${columns[labelCol]}' is one of the model's features`);
    }
  } else if (!options.noLabel) {
    if (named) {
      const rest = columns.map((_, j) => j).filter((j) => !featureNames.includes(columns[j]));
      if (rest.length === 1) labelCol = rest[0];
      else if (rest.length > 1) {
        fail(
          `${rest.length} columns are not model features (${
            listOf(rest.map((j) => columns[j]))
          }): name the label column with --label, or give --no-label`,
        );
      }
    } else if (width === d + 1) {
      labelCol = width - 1;
    }
  }
  const featureCols = columns.map((_, j) => j).filter((j) => j !== labelCol);
  if (named) {
    const position = new Map(featureCols.map((j, t) => [columns[j], t]));
    const order = Int32Array.from(featureNames, (n) => position.get(n)!);
    const used = new Set(featureNames);
    const unused = featureCols.map((j) => columns[j]).filter((n) => !used.has(n));
    return { labelCol, order, byName: true, unused };
  }
  if (featureCols.length !== d) {
    fail(
      `the file has ${featureCols.length} feature column${featureCols.length === 1 ? "" : "s"}` +
        (labelCol >= 0 ? ` besides the label column '${columns[labelCol]}'` : "") +
        (header
          ? `, and its header does not name all of the model's (${listOf(featureNames)})`
          : " (without a header, columns are taken by position)"),
    );
  }
  return {
    labelCol,
    order: Int32Array.from({ length: d }, (_, j) => j),
    byName: false,
    unused: [],
  };
}

/** The model's features, in its order, out of a batch (no copy when the order is the same). */
function select(x: Matrix, order: Int32Array, d: number): Matrix {
  let identity = x.cols === d;
  for (let j = 0; identity && j < d; j++) identity = order[j] === j;
  if (identity) return x;
  const out = new Float32Array(x.rows * d);
  for (let i = 0; i < x.rows; i++) {
    const r = i * x.cols;
    for (let j = 0; j < d; j++) out[i * d + j] = x.data[r + order[j]];
  }
  return { data: out, rows: x.rows, cols: d };
}

/** CSV lines of predicted labels and, if asked, probabilities (8 significant digits). */
function outputRows(
  predicted: Int32Array,
  p: Matrix,
  classes: readonly string[],
  proba: boolean,
): string {
  const k = classes.length;
  const cells = classes.map(csvCell);
  let text = "";
  for (let i = 0; i < predicted.length; i++) {
    text += cells[predicted[i]];
    if (proba) {
      for (let c = 0; c < k; c++) text += "," + String(Number(p.data[i * k + c].toPrecision(8)));
    }
    text += "\n";
  }
  return text;
}

/** A CSV cell, quoted when it holds a comma, a quote or a line break. */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function listOf(names: readonly string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(", ")}, ...` : names.join(", ");
}

const encoder = new TextEncoder();
function encode(text: string): Uint8Array {
  return encoder.encode(text);
}
