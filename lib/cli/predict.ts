/**
 * `lrc predict --model FILE --data FILE.csv`: applies a saved model (float or quantized; `.lrc`,
 * `.json` or `.onnx`) to a CSV file streamed in batches, writes the predicted labels (and
 * probabilities) to a CSV file, and measures accuracy, log loss, macro F1 and (two classes) ROC AUC
 * when the file has labels (with `--weight-column`, also weighted by that column). Memory does not
 * grow with the file, but for the ROC AUC, which keeps each labelled row's score (8 bytes a row,
 * and up to 4 more at the end; weighted, 17 more, up to 25 at the end; `--no-roc-auc` keeps
 * none); the output file appears only when complete. `--data -` reads standard input, once, and
 * `--out -` writes the predictions to standard output batch by batch (the summary to stderr).
 * An svmlight file (`--format svmlight`, or a name ending in `.svm`, `.svmlight`, `.libsvm`) is
 * read whole as sparse (CSR) rows, its features matched to the model's by index
 * (`svmlight_data.ts`), and scored in float64 as CSR batches.
 *
 * @module
 */

import { scoreCutoff } from "../model/decision_threshold.ts";
import { delimiterHint } from "../data/csv.ts";
import { type CsvSource, readCsvBatches, readCsvColumns } from "../data/csv_stream.ts";
import { classIndexOf } from "../data/dataset.ts";
import { FLOAT32_MIN_NORMAL, type Matrix } from "../core/matrix.ts";
import { counted, quotedList, quotedText } from "../core/validate.ts";
import type { LogisticModel } from "../model/types.ts";
import { type AtomicWriter, openAtomicWriter } from "../io/atomic.ts";
import { asFloatModel } from "../io/quantized.ts";
import { ScoresByClass } from "../metrics/auc_stream.ts";
import { WeightedScores, WeightedSums } from "../metrics/weighted.ts";
import {
  balancedAccuracyFromConfusion,
  logLossTerm,
  macroF1FromConfusion,
} from "../metrics/metrics.ts";
import { classesFromScores, probabilitiesFromScores } from "../model/predict.ts";
import { preparePredictor } from "../model/predictor.ts";
import { prepareQuantizedPredictor } from "../quant/predictor.ts";
import { type Command, refuseUnused, UsageError } from "./args.ts";
import {
  DATA_OPTIONS,
  delimiterOf,
  guessedLabelWarning,
  labelLike,
  NOT_UTF8_MODEL,
  notUtf8Names,
  readsAsNumber,
  repeatedName,
  weightsRefused,
} from "./data_options.ts";
import { count, int, NO_ROC_AUC_NOTE, percent, rocAucText, weightedMetricsLine } from "./format.ts";
import { checkOutput, readModelFile } from "./model_files.ts";
import { createProgress } from "./progress.ts";
import type { CsrMatrix } from "../core/sparse.ts";
import {
  checkModelDataFormat,
  FORMAT_OPTION,
  sparseBatches,
  type SvmlightRows,
  svmlightRowsForModel,
  svmlightText,
  ZERO_BASED_MODEL_OPTION,
} from "./svmlight_data.ts";

const NAME = "predict";
/** `--data -` and `--out -`: standard input and output. */
const STDIO = "-";
/** How messages name the data read from standard input (`--data -`). */
const STDIN_NAME = "standard input";
/** How the summary names the output written to standard output (`--out -`). */
const STDOUT_NAME = "standard output";
/** Rows per second, as the progress line and the summary print it. */
const rowRate = (rows: number, seconds: number) => `${int(Math.round(rows / seconds))} rows/s`;

/** How the file's columns feed the model. */
export interface ColumnPlan {
  /** The label column's index among the file's columns, or -1. */
  readonly labelCol: number;
  /** For each model feature, in the model's order, its column in the file. */
  readonly features: number[];
  /** Whether the features are matched by header name (else by position). */
  readonly byName: boolean;
  /** Columns that are neither a model feature nor the label (not read). */
  readonly unused: string[];
}

/** The `predict` command. */
export const predictCommand: Command = {
  name: NAME,
  synonyms: {
    features: "predict takes the model's number of features (a file with more is refused)",
  },
  summary:
    "Apply a saved model to a CSV or svmlight file: write predicted labels (and probabilities); measure accuracy if it has labels.",
  options: {
    model: {
      type: "string",
      value: "FILE",
      help: "the model (.lrc, .json or .onnx; float or quantized) (required)",
    },
    data: {
      type: "string",
      value: "FILE.csv",
      stdio: true,
      help: "the rows to predict (required): CSV, or svmlight (--format; read whole, its " +
        "features matched to the model's by index, its labels used unless --no-label); - " +
        "reads CSV from standard input, once, in batches as it comes (named 'standard input' " +
        "in messages; a file named - is ./-)",
    },
    ...FORMAT_OPTION,
    ...ZERO_BASED_MODEL_OPTION,
    label: {
      type: "string",
      value: "COLUMN",
      trim: true,
      help: "label column, by header name or zero-based index (default: the one column that is " +
        "not a model feature, or the last when the file has one column more than the model has " +
        "features; none when the features fill the row)",
    },
    "no-label": {
      type: "boolean",
      help: "the file has no label column (an svmlight file: its labels are placeholders, not " +
        "read)",
    },
    "weight-column": {
      type: "string",
      value: "COLUMN",
      trim: true,
      help: "a column the model does not read, by header name or zero-based index: the row " +
        "weights of a file trained on with --weight-column (the other columns are matched " +
        "without it); with a label column, the metrics are also given weighted by it (finite " +
        "numbers >= 0), as scikit-learn's sample_weight weighs them (JSON: weightedMetrics)",
    },
    "no-header": { type: "boolean", help: "the file has no header row (columns by position)" },
    delimiter: { type: "string", value: "CHAR", default: ",", help: DATA_OPTIONS.delimiter.help },
    out: {
      type: "string",
      value: "FILE.csv",
      stdio: true,
      help: "write one row per input row: the predicted label (written only when complete; an " +
        "existing file is replaced); - writes them to standard output batch by batch, not " +
        "atomically (an error halfway leaves the rows before it), and prints the summary on " +
        "standard error (--json is refused)",
    },
    proba: {
      type: "boolean",
      help: "also write each class's probability (columns p_<class>; needs --out)",
    },
    dequantized: {
      type: "boolean",
      help:
        "score a quantized model with its dequantized float weights (default: the kernel that fits " +
        "its codes, integer-only for a calibrated model, as lrc quantize measures it)",
    },
    "batch-rows": {
      type: "string",
      value: "N",
      default: "4096",
      help: "rows read and scored at a time (memory grows with N, not with the file; for the ROC " +
        "AUC of a labelled file and a two-class model, by 8 bytes a row: see --no-roc-auc)",
    },
    "no-roc-auc": {
      type: "boolean",
      help: "do not compute the ROC AUC (labelled file, two-class model), which keeps every " +
        "row's score, 8 bytes a row: memory that grows with the file; shown as - with a note " +
        "(JSON: null)",
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
    if (args.flag("no-label") && args.string("label") !== undefined) {
      throw new UsageError("Cannot predict: give --label COLUMN or --no-label, not both");
    }
    // An svmlight file (--format, or its name): none of the CSV options, not standard input.
    const svm = checkModelDataFormat(args, NAME, SVMLIGHT_REFUSED) === "svmlight";
    const delimiter = delimiterOf(args);
    const batchRows = args.number("batch-rows", 1, 1 << 20, true)!;
    const out = args.string("out");
    const header = !args.flag("no-header");
    const proba = args.flag("proba");
    const fromStdin = dataPath === STDIO, toStdout = out === STDIO;
    /** The data as messages name them. */
    const dataName = fromStdin ? STDIN_NAME : dataPath;
    if (toStdout && args.flag("json")) {
      throw new UsageError(
        "Cannot predict: --json prints the summary on standard output, which --out - fills " +
          "with the predictions; give --out FILE.csv, or leave out --json (the summary then " +
          "goes to standard error)",
      );
    }
    if (out !== undefined) {
      if (out.trim() === "") throw new UsageError("Cannot predict: --out needs a file name");
      if (!toStdout) {
        await checkOutput("--out", out, {
          data: fromStdin ? undefined : dataPath,
          model: modelPath,
        });
      }
    } else if (proba) {
      throw new UsageError("Cannot predict: --proba adds columns to --out FILE.csv; give --out");
    }

    if (!fromStdin) await checkRegularFile(dataPath);

    const started = performance.now();
    const { model, warnings } = await readModelFile(modelPath);
    if (model.kind === "logistic-regression") {
      refuseUnused("predict", args, ["dequantized"], "to a float model (it has no codes)");
    }
    for (const w of warnings) io.err(`warning: ${w}\n`);
    const float = asFloatModel(model);
    // An svmlight file is read in float64 and scored so: no float32 rounding.
    const rounding = svm ? null : float32RoundingWarning(float);
    if (rounding !== null) io.err(`warning: ${rounding}\n`);
    const classes = float.classes;
    const d = float.featureNames.length;
    const noLabel = args.flag("no-label");
    const sparse: SvmlightRows | null = svm
      ? await svmlightRowsForModel(dataPath, float, {
        zeroBased: args.string("zero-based")!,
        noLabel,
        action: NAME,
      })
      : null;
    // Standard input is read once: its first line ahead, for the columns, then again from the
    // start, those bytes first and the rest as it comes.
    const stdin = fromStdin ? await standardInput() : null;
    // An svmlight file has no columns: its label first on each line (unless --no-label).
    const columns = sparse !== null
      ? ["label"]
      : await readCsvColumns(stdin?.head ?? dataPath, { header, delimiter });
    // A file read as one column may use another delimiter: its first line names it. Without a
    // header that line is data, not read as a name (a Latin-1 row was refused as a name holding
    // U+FFFD, where the data read by --no-header give the delimiter's hint).
    const firstLine = columns.length === 1 && sparse === null
      ? header ? columns[0] : stdin ? stdin.firstLine : await firstLineText(dataPath)
      : undefined;
    // The weight column (--weight-column) is left out, and the plan made of the other columns.
    const { weightCol: skip, ...plan } = sparse !== null
      ? { weightCol: -1, labelCol: noLabel ? -1 : 0, features: [], byName: false, unused: [] }
      : planDataColumns(columns, float.featureNames, {
        header,
        firstLine,
        delimiter,
        label: args.string("label"),
        noLabel,
        weightColumn: args.string("weight-column"),
        file: dataName,
      });
    // A label taken by position: the last column, none named.
    const guessed = sparse === null && args.string("label") === undefined && !plan.byName &&
      plan.labelCol >= 0;
    if (guessed && header) {
      const named = labelLike(
        columns.filter((_, j) => j !== plan.labelCol),
        columns[plan.labelCol],
      );
      if (named !== undefined) io.err(guessedLabelWarning(dataName, named));
    }
    if (plan.labelCol < 0 && out === undefined) {
      throw new UsageError(
        "Cannot predict: nothing to do; give --out FILE.csv for the predictions, or " +
          (sparse !== null
            ? "leave out --no-label for the metrics of the file's labels"
            : "data with a label column (--label) for the metrics"),
      );
    }

    using predictor = args.flag("dequantized") || model.kind === "logistic-regression"
      ? preparePredictor(float)
      : prepareQuantizedPredictor(model);
    // An integer-only predictor scores an svmlight file's rows dense; another scores them as CSR
    // on the float64 reference, the kernel then reported.
    const integerOnly = model.kind !== "logistic-regression" && !args.flag("dequantized") &&
      predictor.kernel === "integer";
    const kernel = sparse !== null && !integerOnly ? CSR_KERNEL : predictor.kernel;
    const k = classes.length;
    const classOf = classIndexOf(classes);
    const labelCells = classes.map(csvCell);
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let rows = 0, lossSum = 0;
    // The ROC AUC of classes[1] needs every labelled row's score: kept by class, two classes only.
    const skipAuc = k === 2 && plan.labelCol >= 0 && args.flag("no-roc-auc");
    const aucScores = k === 2 && plan.labelCol >= 0 && !skipAuc ? new ScoresByClass() : null;
    // With --weight-column and labels, the metrics weighted by the column too (its cells read
    // as numbers): the weights' confusion and log loss, and each row's score and weight for the
    // weighted ROC AUC (17 bytes a row more, up to 25 at the end).
    const weightName = skip >= 0 && plan.labelCol >= 0 ? columns[skip] : null;
    // The weight column weighs the metrics when there are labels: not an unused column then.
    const unused = weightName === null ? plan.unused : plan.unused.filter((c) => c !== weightName);
    const weighted = weightName === null ? null : new WeightedSums(k);
    const weightedAuc = weighted !== null && aucScores !== null ? new WeightedScores() : null;
    let weightRun = 0; // the weights' running sum, refused when it overflows
    // Seconds from the start to the last batch predicted (and handed to the output file): the
    // time the progress line's rate is taken over. Committing the output comes after it.
    let predictSeconds = 0;
    let writer: AtomicWriter | null = null;
    const progress = createProgress(io, !args.flag("quiet") && !args.flag("json"));
    // An interrupted run removes its temporary file (the destination stays as it was) and exits
    // at once: synchronously, so that the prediction loop cannot write to the closed file (and
    // fail with another exit code) in between.
    const interrupted = (code: number) => () => {
      progress.done();
      writer?.abortSync();
      Deno.exit(code);
    };
    const signals = [
      ["SIGINT", interrupted(130)],
      ["SIGTERM", interrupted(143)],
      ["SIGHUP", interrupted(129)], // the terminal closed
    ] as const;
    const listening = Deno.build.os === "windows" ? [] : signals;
    for (const [signal, handler] of listening) Deno.addSignalListener(signal, handler);
    try {
      if (out !== undefined && !toStdout) writer = await openAtomicWriter(out);
      const head = ["predicted", ...(proba ? classes.map((c) => `p_${c}`) : [])];
      // A label taken by position is left to the reader to take, so that text in a feature
      // column says so: it is often the label, in another column.
      // (With a weight column skipped, the last column may be the weights: the label by index.)
      const label = plan.labelCol < 0 ? null : guessed && skip < 0 ? undefined : plan.labelCol;
      // An svmlight file's rows, read whole: CSR batches (dense for an integer-only predictor,
      // which quantizes every value), their labels checked against the model's already.
      for await (
        const batch of sparse !== null
          ? svmlightBatches(sparse, integerOnly, batchRows)
          : readCsvBatches(stdin?.rows ?? dataPath, {
            label,
            features: plan.features,
            header,
            delimiter,
            batchSize: batchRows,
            ...(weighted === null ? {} : { weightColumn: skip }),
            // Standard input's rows as each read brings them (not 1 MiB at a time): a batch is
            // scored and written once its rows have come, whatever comes after.
            ...(stdin ? { chunkBytes: 1 } : {}),
          })
      ) {
        const x = batch.x;
        const scores = predictor.decisionFunction(x);
        // Probabilities only where they are used: the log loss, or --proba.
        const p = proba || plan.labelCol >= 0 ? probabilitiesFromScores(float, scores) : null;
        const predicted = classesFromScores(scores, scoreCutoff(float));
        if (plan.labelCol >= 0) {
          const labels = aucScores ? new Int32Array(x.rows) : null;
          const w = weighted === null ? null : batch.weights!;
          for (let i = 0; i < x.rows; i++) {
            const raw = batch.labels[i];
            const y = classOf(raw);
            if (y === undefined) {
              throw new RangeError(
                `Cannot predict: label ${quotedText(raw)} on line ${batch.lines[i]} of ` +
                  `'${dataName}' is not one of the model's classes ${quotedList(classes)}` +
                  (args.string("label") === undefined
                    ? `; column ${
                      quotedText(columns[plan.labelCol])
                    } was taken as the label: give ` +
                      "--no-label if the file has none"
                    : ""),
              );
            }
            confusion[y][predicted[i]]++;
            lossSum += logLossTerm(p!.data[i * k + y]);
            if (labels) labels[i] = y;
            if (w !== null) {
              if (!(w[i] >= 0)) {
                throw weightsRefused(dataName, weightName!, {
                  at: `line ${batch.lines[i]}`,
                  value: w[i],
                });
              }
              weighted!.add(y, predicted[i], p!.data[i * k + y], w[i]);
              // A sum beyond float64 would make every weighted figure Infinity / Infinity.
              if ((weightRun += w[i]) === Infinity) {
                throw weightsRefused(dataName, weightName!, {
                  overflowAt: `line ${batch.lines[i]}`,
                });
              }
            }
          }
          if (labels) aucScores!.add(scores, labels);
          if (labels && w !== null) weightedAuc!.add(scores, labels, w);
        }
        if (out !== undefined) {
          // The header with the first rows: a run refused before any row writes nothing.
          const text = (rows === 0 ? head.map(csvCell).join(",") + "\n" : "") +
            outputRows(predicted, labelCells, proba ? p : null);
          // Standard output gets each batch as it is scored: a reader that closes it early
          // (head) ends the run with BrokenPipe, which main turns into a quiet exit (141).
          if (toStdout) io.out(text);
          else await writer!.write(encode(text));
        }
        rows += x.rows;
        predictSeconds = (performance.now() - started) / 1000;
        progress.update(`predicted ${int(rows)} rows, ${rowRate(rows, predictSeconds)}`);
      }
      if (rows === 0) {
        throw new RangeError(
          `Cannot predict: '${dataName}' has ${header ? "a header but " : ""}no data rows`,
        );
      }
      await writer?.commit();
      writer = null;
    } finally {
      for (const [signal, handler] of listening) Deno.removeSignalListener(signal, handler);
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
        // What lrc compress --metric balanced-accuracy holds its budget to: the mean over the
        // classes that label rows of each class's recall.
        balancedAccuracy: balancedAccuracyFromConfusion(confusion),
        logLoss: lossSum / rows,
        macroF1: macroF1FromConfusion(confusion),
        rocAuc: aucScores?.rocAuc() ?? null,
        confusion,
      }
      : null;
    // The same metrics weighted by --weight-column (null when every row weighs 0).
    const weightTotal = weighted?.weightSum() ?? 0;
    const weightedMetrics = weighted !== null && weightTotal > 0
      ? { weightSum: weightTotal, ...weighted.metrics(weightedAuc?.rocAuc() ?? null) }
      : null;
    const kind = model.kind === "logistic-regression" ? "float" : "quantized";
    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: NAME,
          model: modelPath,
          modelKind: kind,
          link: float.link,
          classes,
          // The decision threshold that labelled the rows (a binary model's), null for none.
          threshold: model.threshold ?? null,
          features: d,
          warnings,
          kernel,
          data: dataPath,
          // An svmlight file only: its format and index base.
          ...(sparse === null
            ? {}
            : { format: "svmlight", zeroBased: sparse.file.zeroBased, labelled }),
          rows,
          labelColumn: labelled && sparse === null ? columns[plan.labelCol] : null,
          columns: sparse !== null ? "by index" : plan.byName ? "by name" : "by position",
          unusedColumns: unused,
          metrics,
          weightColumn: weightName,
          weightedMetrics,
          out: out ?? null,
          probabilities: out !== undefined && proba,
          seconds,
          readAndPredictSeconds: predictSeconds,
        }) + "\n",
      );
      return 0;
    }
    const lines = [
      `model     ${modelPath}: ${kind} ${float.link}, ${k} classes, ${counted(d, "feature")} ` +
      `(kernel ${kernel}${
        args.flag("dequantized") && model.kind !== "logistic-regression" ? ", dequantized" : ""
      })`,
      // A binary model's decision threshold labels the rows (and so the metrics), not 0.5.
      ...(model.threshold === undefined ? [] : [
        `threshold ${model.threshold} (stored in the model): a row is labelled ${
          quotedText(classes[1])
        } when its probability is above ${model.threshold}, not 0.5`,
      ]),
      `data      ${dataName}: ${count(rows, "row")}, ${
        sparse !== null
          ? `${svmlightText(sparse.file)}, features matched by index, ${
            labelled ? "labels from the file" : "labels not read (--no-label)"
          }`
          : `features ${plan.byName ? "matched by name" : "taken by position"}${
            labelled ? `, label column ${quotedText(columns[plan.labelCol])}` : ", no label column"
          }`
      }${weightName === null ? "" : `, weight column ${quotedText(weightName)}`}${
        unused.length > 0 ? `; unused columns: ${quotedList(unused)}` : ""
      }`,
    ];
    if (metrics) {
      lines.push(
        `metrics   accuracy ${percent(metrics.accuracy)}, balanced accuracy ${
          percent(metrics.balancedAccuracy)
        }, log loss ${metrics.logLoss.toFixed(4)}, macro F1 ${
          metrics.macroF1.toFixed(4)
        }, ROC AUC ${rocAucText(metrics.rocAuc)}`,
        ...(weightName === null
          ? []
          : [weightedMetricsLine(`by ${quotedText(weightName)}`, weightTotal, weightedMetrics)]),
        ...(skipAuc ? [NO_ROC_AUC_NOTE] : []),
        ...unpredictedNote(metrics.confusion, classes),
      );
    }
    const outName = toStdout ? STDOUT_NAME : out;
    if (out !== undefined) {
      lines.push(
        `wrote     ${outName} (${count(rows, "row")}: predicted label${
          proba ? `, ${k} probabilities` : ""
        })`,
      );
    }
    // The rate is the progress line's: up to the last batch. Writing the output ends with
    // flushing it to disk, which a summary of the whole run would fold into the rate.
    lines.push(
      `time      ${predictSeconds.toFixed(2)} s to read and predict (${
        rowRate(rows, predictSeconds)
      })${out !== undefined ? `, ${seconds.toFixed(2)} s including writing ${outName}` : ""}`,
    );
    // Standard output holds the predictions (--out -): the summary goes beside them.
    (toStdout ? io.err : io.out)(lines.join("\n") + "\n");
    return 0;
  },
};

/**
 * The kernel `lrc predict` and `lrc threshold` report for an svmlight file's rows scored as CSR:
 * the float64 reference (the predictors' own kernels take dense rows).
 */
export const CSR_KERNEL = "float64 reference on CSR rows";

/** The options of `lrc predict` that describe a CSV file, refused with an svmlight one. */
const SVMLIGHT_REFUSED = ["label", "no-header", "delimiter", "weight-column"];

/**
 * An svmlight file's rows as the CSV reader's batches: features (CSR, or dense for an
 * integer-only predictor: {@linkcode sparseBatches}) and each row's label as written. Their labels
 * were checked against the model's classes when the file was read, so no line is needed for a
 * message (`lines` is empty).
 */
async function* svmlightBatches(
  rows: SvmlightRows,
  dense: boolean,
  batchRows: number,
): AsyncGenerator<
  { x: Matrix | CsrMatrix; labels: readonly string[]; lines: number[]; weights?: Float64Array }
> {
  let start = 0;
  for (const x of sparseBatches(rows.x, dense, batchRows)) {
    yield { x, labels: rows.labels.slice(start, start + x.rows), lines: [] };
    start += x.rows;
  }
}

/**
 * A note naming the classes that label some rows but that the model predicted for none: accuracy
 * and log loss can look good while a rare class is never found (a model compressed on 2 %
 * positives scored 98.00 % predicting no positive, and the text output showed no confusion
 * matrix to tell).
 *
 * @param confusion `confusion[true][predicted]` counts.
 * @param classes The class labels.
 * @returns The note's line, or none.
 */
export function unpredictedNote(
  confusion: readonly (readonly number[])[],
  classes: readonly string[],
): string[] {
  const missed: string[] = [];
  let rows = 0;
  for (let c = 0; c < confusion.length; c++) {
    let actual = 0, predicted = 0;
    for (let o = 0; o < confusion.length; o++) {
      actual += confusion[c][o];
      predicted += confusion[o][c];
    }
    if (actual > 0 && predicted === 0) {
      missed.push(classes[c]);
      rows += actual;
    }
  }
  if (missed.length === 0) return [];
  return [
    `note      no row was predicted as ${missed.length === 1 ? "class" : "classes"} ${
      missed.length === 1 ? quotedText(missed[0]) : quotedList(missed)
    }, which ${missed.length === 1 ? "labels" : "label"} ${count(rows, "row")}: the model ` +
    `never finds ${missed.length === 1 ? "it" : "them"}, whatever the accuracy (--json gives ` +
    `the confusion matrix)`,
  ];
}

/** Options of {@linkcode planColumns}. */
export interface PlanColumnsOptions {
  /** The file (for messages). */
  readonly file: string;
  /**
   * Whether the column names come from a header row.
   * @default {true}
   */
  readonly header?: boolean;
  /**
   * The label column (`--label`), by name or zero-based index.
   * @default {the one column that is not a model feature, or the last of d + 1 columns}
   */
  readonly label?: string;
  /**
   * The file has no label column (`--no-label`).
   * @default {false}
   */
  readonly noLabel?: boolean;
  /**
   * The file's first line, when the file reads as one column: a refusal then names another
   * delimiter the line holds (`--delimiter`).
   */
  readonly firstLine?: string;
  /**
   * The delimiter the file was read with (not suggested).
   * @default {","}
   */
  readonly delimiter?: string;
  /**
   * What the command could not do, for its messages ("Cannot <action> with a model of ...").
   * @default {"predict"}
   */
  readonly action?: string;
  /**
   * The command needs a label column and has no `--no-label`, which its messages then do not
   * suggest.
   * @default {false}
   */
  readonly labelRequired?: boolean;
}

/**
 * Decides which column is the label and where each model feature is: by header name when the
 * header names every model feature (any order; other columns are not read), by position when it
 * names none of them (or there is no header); a header that names only some is refused, and so
 * is a "header" with numbers where the features are that names none (a file without header, read
 * as if it had one), and a header that names a feature the model names twice.
 *
 * @param columns The file's column names.
 * @param featureNames The model's features, in its order.
 * @param options The header, `--label`, `--no-label` and the file.
 * @returns The plan.
 * @throws {RangeError} If the columns cannot feed the model, saying why.
 *
 * @example Features by name, the one other column as the label
 * ```ts
 * import { planColumns } from "./predict.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = planColumns(["b", "y", "a"], ["a", "b"], { file: "d.csv" });
 * assert.deepEqual(plan.features, [2, 0]);
 * assert.equal(plan.labelCol, 1);
 * ```
 */
export function planColumns(
  columns: readonly string[],
  featureNames: readonly string[],
  options: PlanColumnsOptions,
): ColumnPlan {
  const header = options.header ?? true;
  const d = featureNames.length;
  const width = columns.length;
  const fail = (reason: string): never => {
    throw new RangeError(
      `Cannot ${options.action ?? "predict"} with a model of ${
        counted(d, "feature")
      } on '${options.file}': ${reason}`,
    );
  };
  const model = new Set(featureNames);
  // By a map: includes and indexOf per feature took minutes for 10^5 columns (10^10 compares).
  const at = new Map<string, number>();
  columns.forEach((n, j) => at.has(n) || at.set(n, j));
  const named = header ? featureNames.filter((n) => at.has(n)).length : 0;
  if (named > 0 && named < d) {
    const missing = featureNames.filter((n) => !at.has(n));
    fail(
      `its header names ${named} of the model's features but not ${quotedList(missing)}; ${
        notUtf8Names(missing) ? `${NOT_UTF8_MODEL}, or` : "name the columns as the model does, or"
      } remove the header (--no-header) to take them by position`,
    );
  }
  const byName = named === d && d > 0;
  const twice = byName ? repeatedName(featureNames) : undefined;
  if (twice !== undefined) {
    fail(
      `the model names feature ${
        quotedText(twice)
      } twice, so it cannot be matched to columns by name`,
    );
  }
  let labelCol = -1;
  if (options.label !== undefined) {
    const l = options.label;
    labelCol = columns.includes(l) ? columns.indexOf(l) : /^\d+$/.test(l) ? Number(l) : -2;
    if (labelCol === -2) fail(`no column named ${quotedText(l)} (columns: ${quotedList(columns)})`);
    if (labelCol >= width) fail(`label column index ${l} is outside 0..${width - 1}`);
    if (byName && model.has(columns[labelCol])) {
      fail(`the label column ${quotedText(columns[labelCol])} is one of the model's features`);
    }
  } else if (!options.noLabel) {
    if (byName) {
      const rest = columns.map((_, j) => j).filter((j) => !model.has(columns[j]));
      if (rest.length === 1) labelCol = rest[0];
      else if (rest.length > 1) {
        fail(
          `${rest.length} columns are not model features ${
            quotedList(rest.map((j) => columns[j]))
          }: name the label column with --label${
            options.labelRequired ? "" : ", or give --no-label"
          }`,
        );
      }
    } else if (width === d + 1) {
      labelCol = width - 1;
    }
  }
  if (byName) {
    const features = featureNames.map((n) => at.get(n)!);
    const unused = columns.filter((n, j) => j !== labelCol && !model.has(n));
    return { labelCol, features, byName, unused };
  }
  const features = columns.map((_, j) => j).filter((j) => j !== labelCol);
  if (header && features.length > 0 && features.every((j) => readsAsNumber(columns[j]))) {
    fail(
      "its first line holds numbers where the features are and names none of the model's " +
        "features: if the file has no header, give --no-header (else its first row would be " +
        "taken as the header)",
    );
  }
  if (features.length !== d) {
    const where = header
      ? `, and its header names none of the model's ${quotedList(featureNames)}`
      : " (without a header, columns are taken by position)";
    // Without --label or --no-label the label is the last column only in a file of d + 1: of
    // another width (not d either) no column was taken as the label, so none is counted as one.
    const guessed = options.label === undefined && !options.noLabel;
    const hint = width === 1 && options.firstLine !== undefined
      ? delimiterHint(options.firstLine, options.delimiter)
      : "";
    fail(
      (guessed
        ? `the file has ${counted(width, "column")}${where}: a model of ${counted(d, "feature")} ` +
          `reads ${counted(d, "column")}, or ${d + 1} with ` +
          "a label column (the last, or the one " +
          "--label names)"
        : `the file has ${counted(features.length, "feature column")}` +
          (labelCol >= 0 ? ` besides the label column ${quotedText(columns[labelCol])}` : "") +
          where) + hint,
    );
  }
  return { labelCol, features, byName, unused: [] };
}

/** Options of {@linkcode planDataColumns}. */
export interface PlanDataColumnsOptions extends PlanColumnsOptions {
  /** The row-weight column (`--weight-column`), by name or zero-based index: not read as data. */
  readonly weightColumn?: string;
}

/**
 * {@linkcode planColumns} for a file that may hold a row-weight column (`--weight-column`): that
 * column is checked ({@linkcode skippedColumn}) and left out, the others planned, and the plan's
 * indices given among the file's columns (a `--label` index counts every column of the file).
 *
 * @param columns The file's column names.
 * @param featureNames The model's features, in its order.
 * @param options As {@linkcode planColumns}, and the weight column.
 * @returns The plan (the weight column listed as unused), and the weight column's index or -1.
 * @throws {RangeError} As {@linkcode planColumns} and {@linkcode skippedColumn}.
 */
export function planDataColumns(
  columns: readonly string[],
  featureNames: readonly string[],
  options: PlanDataColumnsOptions,
): ColumnPlan & { readonly weightCol: number } {
  const { weightColumn, ...rest } = options;
  const header = options.header ?? true;
  const label = options.label;
  const skip = skippedColumn(columns, weightColumn, {
    header,
    featureNames,
    label,
    ...(options.action === undefined ? {} : { action: options.action }),
  });
  const kept = skip < 0 ? columns : columns.filter((_, j) => j !== skip);
  const toFile = (j: number) => skip >= 0 && j >= skip ? j + 1 : j;
  const keptPlan = planColumns(kept, featureNames, {
    ...rest,
    // An index of the file's columns, as one of the columns kept.
    label: skip >= 0 && label !== undefined && !columns.includes(label) &&
        /^\d+$/.test(label) && Number(label) > skip
      ? String(Number(label) - 1)
      : label,
  });
  if (skip < 0) return { ...keptPlan, weightCol: -1 };
  return {
    ...keptPlan,
    labelCol: keptPlan.labelCol < 0 ? -1 : toFile(keptPlan.labelCol),
    features: keptPlan.features.map(toFile),
    unused: [...keptPlan.unused, columns[skip]],
    weightCol: skip,
  };
}

/**
 * The index of the column `--weight-column` names among the file's columns, checked: not the
 * label (`--label`) and, matched by name, not one of the model's features.
 *
 * @param columns The file's column names.
 * @param column The option's value (a name, or a zero-based index), if given.
 * @param options Whether the names come from a header; the model's feature names; the label
 *   option; what the command could not do, for the message (default "predict").
 * @returns The index, or -1 without the option.
 * @throws {UsageError} If the column does not exist, is the label or a model feature.
 */
export function skippedColumn(
  columns: readonly string[],
  column: string | undefined,
  options: { header: boolean; featureNames: readonly string[]; label?: string; action?: string },
): number {
  if (column === undefined) return -1;
  const fail = (why: string): never => {
    throw new UsageError(
      `Cannot ${options.action ?? "predict"}: --weight-column ${quotedText(column)} ${why}`,
    );
  };
  const indexOf = (name: string) => {
    const j = options.header ? columns.indexOf(name) : -1;
    return j < 0 && /^\d+$/.test(name) ? Number(name) : j;
  };
  const j = indexOf(column);
  if (j < 0 || j >= columns.length) {
    fail(
      `names no column of the file (columns: ${quotedList(columns, 12)}; an index is one of ` +
        `0..${columns.length - 1})`,
    );
  }
  if (options.label !== undefined && indexOf(options.label) === j) {
    fail("is the label column (--label); the weights are a column of their own");
  }
  if (options.header && options.featureNames.includes(columns[j])) {
    fail(`is one of the model's features (${quotedText(columns[j])}); name the weight column`);
  }
  return j;
}

/**
 * The feature that float32 rounds most, in standard deviations, from a model's standardisation:
 * half a float32 step at its mean over its spread. A feature far from zero compared with its
 * spread (timestamps near 1.7e9 are 128 apart in float32, a spread of 29) loses in float32 the
 * differences the model was trained on in float64.
 *
 * @param model The model (float, or a quantized model's float view).
 * @returns The feature, its mean and spread, and the rounding in standard deviations; `null` when
 *   it stays below a hundredth of one (or the model keeps no standardisation to tell).
 */
export function float32Rounding(
  model: Pick<LogisticModel, "preprocessing" | "featureNames">,
): { feature: string; mean: number; scale: number; ratio: number } | null {
  const p = model.preprocessing;
  if (p.kind !== "standardize") return null;
  let worst = -1, ratio = 0;
  for (let j = 0; j < p.mean.length; j++) {
    // Half a float32 step at the mean, in standard deviations.
    const r = halfFloat32Step(p.mean[j]) / p.scale[j];
    if (r > ratio) [worst, ratio] = [j, r];
  }
  if (ratio < 0.01) return null;
  return { feature: model.featureNames[worst], mean: p.mean[worst], scale: p.scale[worst], ratio };
}

/**
 * The data are read as float32 (the kernels' input): the warning for a feature whose float32
 * rounding reaches a hundredth of its standard deviation ({@linkcode float32Rounding}); `null`
 * when none does (or the model keeps no standardisation to tell).
 */
export function float32RoundingWarning(model: LogisticModel): string | null {
  const r = float32Rounding(model);
  if (r === null) return null;
  return `the data are read as float32, which rounds ${float32RoundingText(r)}: the model was ` +
    "trained on float64 values, so its predictions here can differ; centre or rescale such a " +
    "column in the file, or score float64 data with the library's predict";
}

/**
 * A file's first line that is not blank, as text (up to its first 64 KiB), for the delimiter hint
 * of a file without a header read as one column: its cells are data, checked as data when read.
 *
 * @param path A regular file.
 * @returns The line, or undefined for a file of blank lines only.
 */
export async function firstLineText(path: string): Promise<string | undefined> {
  using file = await Deno.open(path);
  const bytes = new Uint8Array(65536);
  let n = 0;
  while (n < bytes.length) {
    const read = await file.read(bytes.subarray(n));
    if (read === null) break;
    n += read;
  }
  return new TextDecoder().decode(bytes.subarray(0, n)).split("\n").find((l) => l.trim() !== "")
    ?.trim();
}

/** 'feature "t" (mean ..., standard deviation ...) by up to 1.2 standard deviations'. */
export function float32RoundingText(
  r: NonNullable<ReturnType<typeof float32Rounding>>,
): string {
  return `feature ${quotedText(r.feature)} (mean ${r.mean.toPrecision(6)}, standard deviation ${
    r.scale.toPrecision(3)
  }) by up to ${r.ratio.toPrecision(2)} standard deviations`;
}

/**
 * Half the gap between the float32 numbers around `v`, the most float32 rounds a value near it:
 * `2^(e - 24)` for `2^e <= |v| < 2^(e + 1)`, `2^-150` below float32's normal range. (`|v| * 2^-24`
 * is up to twice that: 101 for 1.7e9, whose float32 neighbours are 128 apart.)
 */
function halfFloat32Step(v: number): number {
  const a = Math.abs(v);
  if (a < FLOAT32_MIN_NORMAL) return 2 ** -150;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 rounded up to the next power of two
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 24);
}

/**
 * Standard input as two CSV sources read from one stream: `head`, its bytes up to the end of its
 * first line that is not blank (the header, or the first row), and `rows`, all of it from the
 * start: the bytes read ahead first, then the rest as it is read (one chunk at a time, as from a
 * file). Only that first line (and what came with it in the same reads) is held ahead.
 *
 * @returns The sources, and that first line as text (the delimiter hint of a one-column file
 *   without a header), undefined when there is none.
 * @throws {RangeError} If standard input is empty.
 */
async function standardInput(): Promise<{
  head: CsvSource;
  rows: CsvSource;
  firstLine: string | undefined;
}> {
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let bytes = new Uint8Array(0);
  // The reads not yet joined to `bytes`: joined when one may end the line (a newline or a
  // carriage return) or they match `bytes` in size, so that a long first line coming in small
  // reads is not copied again at each read.
  let pending: Uint8Array[] = [], size = 0;
  const join = () => {
    const joined = new Uint8Array(bytes.length + size);
    joined.set(bytes);
    let o = bytes.length;
    for (const p of pending) {
      joined.set(p, o);
      o += p.length;
    }
    [bytes, pending, size] = [joined, [], 0];
  };
  let from = 0, end = -1, ended = false, firstLine: string | undefined;
  while (end < 0) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      join();
      break;
    }
    pending.push(value);
    size += value.length;
    if (value.indexOf(NEWLINE) < 0 && value.indexOf(CARRIAGE_RETURN) < 0 && size < bytes.length) {
      continue;
    }
    join();
    // Lines that trim to nothing are skipped, as the CSV reader skips them (it may skip fewer:
    // a line of tabs is a row of a tab-separated file; the line found then is further on). A
    // carriage return that no newline follows (old Mac line ends) ends what is read ahead: the
    // CSV reader refuses it there, before the whole input is held waiting for a newline.
    while (end < 0) {
      const nl = bytes.indexOf(NEWLINE, from);
      const cr = loneCarriageReturn(bytes, from, nl < 0 ? bytes.length : nl);
      if (cr >= 0) end = cr + 1;
      else if (nl < 0) break;
      else {
        const line = decoder.decode(bytes.subarray(from, nl)).trim();
        from = nl + 1;
        if (line !== "") [end, firstLine] = [from, line];
      }
    }
  }
  if (ended) {
    if (bytes.length === 0) {
      throw new RangeError(
        `Cannot predict: '${STDIN_NAME}' is empty (no header, no rows): nothing was piped in`,
      );
    }
    end = bytes.length;
    const last = decoder.decode(bytes.subarray(from)).trim();
    if (firstLine === undefined && last !== "") firstLine = last;
  }
  const ahead = bytes;
  const head = bytes.subarray(0, end);
  return {
    head: {
      name: STDIN_NAME,
      readable: new ReadableStream({
        start(c) {
          c.enqueue(head);
          c.close();
        },
      }),
    },
    rows: {
      name: STDIN_NAME,
      readable: new ReadableStream({
        start(c) {
          c.enqueue(ahead);
        },
        async pull(c) {
          const { value, done } = await reader.read();
          if (done) c.close();
          else c.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      }),
    },
    firstLine,
  };
}

/**
 * Refuses a data file that is not a regular file (a pipe, a FIFO, `/dev/stdin`): the command
 * opens it twice, for its header and then for its rows, and a pipe's second reader starts where
 * the first stopped (rows lost without a word, or, for a FIFO, a wait for a writer that never
 * comes). `--data -` reads standard input once instead, and both refusals say so (a device that
 * the permissions keep from being examined, as deno task's do, is refused as a device). A missing
 * file or a folder is left to the CSV reader, which names it.
 *
 * @param path The `--data` file.
 * @param command The command, for the messages: what it could not do, its name, and whether it
 *   reads `--data -` (standard input); lrc predict's by default.
 * @throws {RangeError} If the path is a pipe, a FIFO or another file that is not regular.
 * @throws {TypeError} If it is a device that cannot be examined (a command that reads
 *   `--data -`; for another, the CSV reader names it).
 */
export async function checkRegularFile(
  path: string,
  command: { action: string; name: string; stdin: boolean } = {
    action: "predict",
    name: "predict",
    stdin: true,
  },
): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    // deno task's permissions let no device be examined (`/dev/stdin`): the CSV reader would
    // name it a device and say to save the data to a file, where --data - reads the pipe.
    if (command.stdin && error instanceof Deno.errors.NotCapable && /^\/dev\//.test(path)) {
      throw new TypeError(
        `Cannot read CSV '${path}': it is a device, not a data file; pipe the data to --data - ` +
          "(standard input, read once), or save them to a file and name that",
      );
    }
    return;
  }
  if (!info.isFile && !info.isDirectory) {
    throw new RangeError(
      `Cannot ${command.action}: '${path}' is not a regular file (a pipe?); lrc ${command.name} ` +
        "reads its header and then its rows, opening it twice: " +
        (command.stdin
          ? "pipe it to --data - (standard input, read once), or save it to a file first"
          : "save it to a file first"),
    );
  }
}

/** CSV lines of predicted labels, then the probabilities `p` unless null (8 significant digits). */
function outputRows(predicted: Int32Array, cells: readonly string[], p: Matrix | null): string {
  const k = cells.length;
  let text = "";
  for (let i = 0; i < predicted.length; i++) {
    text += cells[predicted[i]];
    if (p !== null) {
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

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/** The first carriage return in `bytes[from, to)` that a byte other than a newline follows, or -1. */
function loneCarriageReturn(bytes: Uint8Array, from: number, to: number): number {
  const within = bytes.subarray(0, to);
  for (let r = within.indexOf(CARRIAGE_RETURN, from); r >= 0;) {
    if (r + 1 < bytes.length && bytes[r + 1] !== NEWLINE) return r;
    r = within.indexOf(CARRIAGE_RETURN, r + 1);
  }
  return -1;
}

const encoder = new TextEncoder();
function encode(text: string): Uint8Array {
  return encoder.encode(text);
}
