/**
 * The HTML report of `lrc compress`: the trade-off charts of a pipeline run, a sweep or a
 * budgeted search, drawn by `lib/plot`'s figure builders and written by `writeFiguresHtml` as one
 * standalone page that opens offline. A plotting adapter: the compression library itself never
 * imports `lib/plot`.
 *
 * @module
 */

import { asFloatModel } from "../io/quantized.ts";
import { evaluate } from "../metrics/evaluate.ts";
import type { LabelledData } from "../compress/types.ts";
import type {
  CandidateReport,
  CompressionMetrics,
  CompressResult,
  ModelReport,
  SearchResult,
  SizeSearchResult,
  SweepResult,
} from "../compress/types.ts";
import { bitWidthFigure, paretoFigure, sparsityFigure } from "../plot/compression.ts";
import { confusionFigure } from "../plot/confusion.ts";
import { type FigureSection, writeFiguresHtml } from "../plot/html.ts";
import { maskFigure } from "../plot/images.ts";
import type { Figure } from "../plot/types.ts";
import { weightHistogramFigure } from "../plot/weights.ts";
import { percent, pointsText, ratioText, rocAucText } from "./format.ts";
import { quotedText } from "../core/validate.ts";
import type { RowWeights } from "./data_options.ts";
import { type ClassWeights, weightSum } from "./train.ts";

/** What the report shows. */
export interface CompressionReportInput {
  /** Where the data came from. */
  readonly source: string;
  /** Which mode ran. */
  readonly mode: "pipeline" | "sweep" | "budget" | "size";
  /** The dense model, measured. */
  readonly dense: ModelReport;
  /** The pipeline's or search's result. */
  readonly result: CompressResult | SearchResult | SizeSearchResult | null;
  /** The sweep's result. */
  readonly sweep: SweepResult | null;
  /** Test data, for the confusion matrix. */
  readonly test: LabelledData;
  /** Whether the files are entropy-coded (format version 2). */
  readonly entropy?: boolean;
  /**
   * The search's choice made again on all the training data (`--refit`), which is the model
   * written: the model sections show it.
   */
  readonly refit?: { readonly result: CompressResult; readonly samples: number } | null;
  /**
   * The size of the file written when it also holds the input calibration of `--integer`, which
   * the stage table does not count; `null` or absent when it holds none.
   */
  readonly integerBytes?: number | null;
  /** The class weights every training weighed the rows by (`--class-weight`); `null` or absent without. */
  readonly classWeights?: ClassWeights | null;
  /** The training rows' weights from `--weight-column`; `null` or absent without. */
  readonly rowWeights?: RowWeights | null;
  /**
   * The weights of the rows the search trains on (the training rows less the validation rows
   * split off); absent when they are all of `rowWeights`.
   */
  readonly fitRowWeights?: ArrayLike<number> | null;
  /**
   * Under `--weighted-metrics`, the validation rows' weights, which weigh every validation (and
   * the test rows' every test) metric shown; `null` or absent otherwise.
   */
  readonly validationRowWeights?: ArrayLike<number> | null;
  /** The trainings' warnings, as the text report's `warning` lines give them; absent for none. */
  readonly warnings?: readonly string[];
  /** The dense model's decision threshold, which every model keeps; `null` or absent: none. */
  readonly threshold?: number | null;
}

/**
 * The sentence that says the models were trained with class weights (`--class-weight`), labels
 * quoted as the text output quotes them (the page escapes the text); empty without.
 */
function classWeightsText(weights: ClassWeights | null): string {
  if (weights === null) return "";
  const list = Object.entries(weights.perClass).map(([label, w]) =>
    `${quotedText(label)} ${Number(w.toPrecision(4))}`
  );
  return ` Trained with class weights ${weights.given === "balanced" ? "balanced" : "given"} ` +
    `(--class-weight): ${list.join(", ")}; the dense training, fine-tuning, taylor/obd scores ` +
    `and QAT weigh the rows by class, the accuracies shown are not weighted.`;
}

/**
 * The sentence that says the training rows were weighted by a column of the data
 * (`--weight-column`), as the text output's `weights` line says it; empty without.
 */
function rowWeightsText(
  weights: RowWeights | null,
  fit: ArrayLike<number> | null,
  classWeights: boolean,
  weightedTable: boolean,
  validation: ArrayLike<number> | null,
): string {
  if (weights === null) return "";
  const sum = (a: ArrayLike<number>) => Number(weightSum(a).toPrecision(6));
  const unused = fit === null ? 0 : weights.train.length - fit.length;
  if (validation !== null) {
    return ` Rows weighted by column ${quotedText(weights.column)} (--weight-column, ` +
      `--weighted-metrics): sum ${sum(weights.train)} over the ${weights.train.length} ` +
      `training rows${classWeights ? " (times the class weights)" : ""}, of which the search ` +
      `trains on ${fit?.length ?? weights.train.length} and measures on the other ${unused} ` +
      `(sum ${sum(validation)}); the dense training, fine-tuning, taylor/obd scores and QAT ` +
      `weigh the rows by it, and every validation and test metric shown, and every choice ` +
      `made on them, is weighted by the rows' weights (the test rows' sum ${sum(weights.test)}).`;
  }
  return ` Training rows weighted by column ${quotedText(weights.column)} (--weight-column): ` +
    `sum ${sum(weights.train)} over the ${weights.train.length} training rows` +
    `${classWeights ? " (times the class weights)" : ""}` +
    (unused > 0
      ? `, of which the search trains on ${fit!.length} (sum ${sum(fit!)}), not on the ` +
        `${unused} validation rows`
      : "") +
    `; the dense training, fine-tuning, taylor/obd scores and QAT weigh the rows by it, the ` +
    (!weightedTable
      ? `accuracies shown are not weighted.`
      : weightSum(weights.test) > 0
      ? `validation metrics are not weighted, and the test metrics are shown unweighted, then ` +
        `weighted by the test rows' weights in a table below.`
      : `accuracies shown are not weighted (every test row weighs 0, so no weighted test ` +
        `metric is measured).`);
}

/**
 * The sentence that says the models label at a decision threshold (`--model` of a model with
 * one), as the text output's note says it; empty without.
 */
function thresholdText(threshold: number | null): string {
  if (threshold === null) return "";
  return ` Every model keeps the loaded model's decision threshold ${threshold}, and the ` +
    `accuracies shown count labels at it; it was chosen for the dense model's scores, which ` +
    `compression changes: choose it again for the compressed model on validation data (lrc ` +
    `threshold).`;
}

/** What the file written adds to the table's last row: the input calibration of `--integer`. */
function integerText(bytes: number | null, result: CompressResult | SearchResult): string {
  if (bytes === null) return "";
  const last = result.stages[result.stages.length - 1].bytes;
  return `The file written also holds the input calibration for integer-only inference ` +
    `(--integer), which the table does not count: ${bytes.toLocaleString("en-US")} bytes ` +
    `(${bytes - last >= 0 ? "+" : ""}${bytes - last} against the last row). `;
}

/**
 * The report's sections: a figure per chart, each with a heading and a sentence.
 *
 * @param input The results.
 * @returns The sections, in page order.
 */
export function compressionReportSections(input: CompressionReportInput): FigureSection[] {
  const { dense, result, sweep } = input;
  const useTest = dense.test !== null;
  // A search under --metric balanced-accuracy (or roc-auc): the charts, the tables and their
  // words are in balanced accuracy (or ROC AUC, plotted in points: 0.01 AUC is 1 %) (the tables
  // keep the plain accuracy beside it).
  const balanced = result !== null && "maxDrop" in result && result.metric === "balanced-accuracy";
  const auc = result !== null && "maxDrop" in result && result.metric === "roc-auc";
  const metricOf = (m: CompressionMetrics) =>
    balanced ? m.balancedAccuracy : auc ? m.rocAuc ?? NaN : m.accuracy;
  const acc = (r: ModelReport) => metricOf(useTest ? r.test! : r.validation);
  const named = balanced ? "balanced accuracy" : auc ? "ROC AUC" : "accuracy";
  const accuracyTitle = `${useTest ? "test" : "validation"} ${named} (${
    auc ? "%: 0.01 AUC is 1 %" : "%"
  })`;
  const baseline = acc(dense);
  const sections: FigureSection[] = [];
  const weightsText = classWeightsText(input.classWeights ?? null) +
    rowWeightsText(
      input.rowWeights ?? null,
      input.fitRowWeights ?? null,
      (input.classWeights ?? null) !== null,
      result !== null,
      input.validationRowWeights ?? null,
    ) +
    (input.warnings?.length ? ` Training warnings: ${input.warnings.join("; ")}.` : "") +
    thresholdText(input.threshold ?? null);
  // With a refit, the model written is the refit's: these stages are the search's choice's.
  const refitted = (input.refit ?? null) !== null;
  if (result) {
    sections.push({
      heading: refitted ? "Stages of the search's choice" : "Stages",
      text: (refitted
        ? `Each stage of the search's choice, trained without the validation data (the model ` +
          `written is its refit, below)`
        : `Each stage of the compressed model`) +
        `: ${named} against the size of its .lrc file` +
        (input.entropy ? ` (entropy-coded, format version 2)` : "") + " " +
        `(dense float32 baseline ${result.denseFloat32Bytes.toLocaleString("en-US")} bytes). ` +
        integerText(input.integerBytes ?? null, result) +
        `Data: ${input.source}.` + weightsText,
      figure: stageTableFigure(result, balanced),
    });
    sections.push(...weightedStagesSection(result, input.rowWeights ?? null, false));
    const Named = balanced ? "Balanced accuracy" : auc ? "ROC AUC" : "Accuracy";
    sections.push({
      heading: refitted
        ? `${Named} against file size, stage by stage (the search's choice)`
        : `${Named} against file size, stage by stage`,
      figure: paretoFigure(
        result.stages.map((s) => ({
          bytes: s.bytes,
          accuracy: acc(s),
          name: `${s.stage}: ${s.name}`,
          group: s.stage,
        })),
        {
          title: `${Named} against file size, by stage`,
          baseline,
          accuracyTitle,
          valueName: named,
        },
      ),
    });
  }
  if (result && "tried" in result) {
    // The two searches differ in their budget and in what makes a candidate feasible.
    const bySize = "maxBytes" in result;
    // The metric the accuracy budget held to, which its differences below are in.
    const metric = !bySize && result.metric === "balanced-accuracy"
      ? "balanced accuracy (the mean of the classes' recalls)"
      : !bySize && result.metric === "roc-auc"
      ? "ROC AUC (a point is 0.01 AUC)"
      : "accuracy";
    // A target in ROC AUC is an AUC, not a percentage.
    const level = (x: number) => (auc ? x.toFixed(4) : percent(x));
    const budget = bySize
      ? `Budget: files of at most ${result.maxBytes.toLocaleString("en-US")} bytes; chosen, ` +
        `the highest validation accuracy among them`
      : result.standardErrors > 0
      ? `Target: validation ${metric} difference from dense less ${result.standardErrors} ` +
        `paired standard errors at least -${(result.maxDrop * 100).toFixed(2)} points; chosen`
      // A budget above the dense accuracy leaves a negative target: any model passes.
      : `Target: validation ${metric} at least ${level(Math.max(0, result.target))} (dense ` +
        `${
          level(
            result.metric !== "accuracy"
              ? result.target + result.maxDrop
              : dense.validation.accuracy,
          )
        } minus ${(result.maxDrop * 100).toFixed(2)} points); chosen`;
    const unresolved = !bySize && result.standardErrors < 2 &&
      result.maxDrop < 2 * result.validationDifference.standardError;
    sections.push({
      heading: bySize ? "Size-budgeted search" : "Budgeted search",
      text: `Every model the search evaluated. ${budget}: ${result.chosen.name}, ` +
        `${result.chosen.bytes.toLocaleString("en-US")} bytes; against dense, sample by ` +
        `sample${
          !bySize && result.metric === "balanced-accuracy"
            ? ", in balanced accuracy"
            : !bySize && result.metric === "roc-auc"
            ? ", in ROC AUC"
            : ""
        }: validation ` +
        `${pointsText(result.validationDifference)}` +
        (result.testDifference ? `, test ${pointsText(result.testDifference)}` : "") +
        ` (paired standard errors${auc ? " by DeLong's method" : ""}${
          unresolved
            ? "; the budget is below two of them, finer than this validation set can resolve"
            : ""
        }). ` +
        frontSentence(
          useTest,
          `the search chose on validation ${named}, so its choice may lie off it`,
          named,
        ),
      figure: paretoFigure(
        result.tried.map((t) => ({
          bytes: t.bytes,
          accuracy: acc(t),
          name: t.name,
          group: bySize
            ? (t.feasible ? "fits" : "too large")
            : (t.feasible ? "within budget (validation)" : "below target (validation)"),
        })),
        { title: "Models tried by the search", baseline, accuracyTitle, valueName: named },
      ),
    });
  }
  if (sweep) {
    const [first, ...rest] = sweepSections(sweep, acc, accuracyTitle, baseline, useTest);
    // The sweep's report has no stage section: its first section says the weights.
    sections.push({ ...first, text: (first.text ?? "") + weightsText }, ...rest);
  }
  const refit = input.refit ?? null;
  if (refit) {
    sections.push({
      heading: "Refit on all the training data",
      text:
        `The chosen steps made again on all ${
          refit.samples.toLocaleString("en-US")
        } training samples, validation included, from a dense model trained on all of them (or ` +
        `the given one): the model written, and the one shown below. Its validation columns ` +
        `are on training data` + (useTest ? "; test data were held out." : "."),
      figure: stageTableFigure(refit.result, balanced),
    });
    sections.push(...weightedStagesSection(refit.result, input.rowWeights ?? null, true));
  }
  if (result) sections.push(...modelSections(refit?.result ?? result, input.test));
  return sections;
}

/**
 * The stage table; with `balanced`, balanced-accuracy columns after the accuracy ones; for a
 * two-class model, the validation and test ROC AUC after those (from the scores of each stage's
 * model as stored, as its accuracies).
 */
function stageTableFigure(result: CompressResult, balanced: boolean): Figure {
  const s = result.stages;
  const binary = result.model.classes.length === 2;
  const columns = [
    s.map((r) => r.stage),
    s.map((r) => percent(r.validation.accuracy)),
    s.map((r) => (r.test ? percent(r.test.accuracy) : "-")),
    ...(balanced
      ? [
        s.map((r) => percent(r.validation.balancedAccuracy)),
        s.map((r) => (r.test ? percent(r.test.balancedAccuracy) : "-")),
      ]
      : []),
    ...(binary
      ? [
        s.map((r) => rocAucText(r.validation.rocAuc)),
        s.map((r) => (r.test ? rocAucText(r.test.rocAuc) : "-")),
      ]
      : []),
    s.map((r) => `${r.nonZeros} / ${r.weights}`),
    s.map((r) => String(r.bits)),
    s.map((r) => r.bytes.toLocaleString("en-US")),
    s.map((r) => ratioText(r.ratio)),
    s.map((r) => r.seconds.toFixed(2)),
    s.map((r) => r.name),
  ];
  const header = [
    "stage",
    "validation accuracy",
    "test accuracy",
    ...(balanced ? ["validation balanced accuracy", "test balanced accuracy"] : []),
    ...(binary ? ["validation ROC AUC", "test ROC AUC"] : []),
    "non-zero weights",
    "bits",
    "file bytes",
    "vs float32",
    "seconds",
    "model",
  ];
  const widths = [
    70,
    70,
    70,
    ...(balanced ? [70, 70] : []),
    ...(binary ? [70, 70] : []),
    80,
    40,
    70,
    60,
    60,
    340,
  ];
  return tableFigure("Stage table", header, columns, widths);
}

/**
 * The section of a run's test metrics weighted by `--weight-column`'s test rows' weights: a
 * table of the stages' weighted accuracy, balanced accuracy, log loss and (two classes) ROC AUC;
 * none without the column, or when every test row weighs 0 (the weights' sentence says so).
 */
function weightedStagesSection(
  result: CompressResult,
  weights: RowWeights | null,
  refit: boolean,
): FigureSection[] {
  const s = result.stages;
  if (weights === null || s.some((r) => r.testWeighted === undefined)) return [];
  const total = Number(weightSum(weights.test).toPrecision(6));
  const heading = `Test metrics weighted by ${quotedText(weights.column)}${
    refit ? " (the refit)" : ""
  }`;
  const binary = result.model.classes.length === 2;
  const m = s.map((r) => r.testWeighted!);
  const columns = [
    s.map((r) => r.stage),
    m.map((r) => percent(r.accuracy)),
    m.map((r) => percent(r.balancedAccuracy)),
    m.map((r) => r.logLoss.toFixed(4)),
    ...(binary ? [m.map((r) => rocAucText(r.rocAuc))] : []),
    s.map((r) => r.name),
  ];
  const header = [
    "stage",
    "test accuracy, weighted",
    "test balanced accuracy, weighted",
    "test log loss, weighted",
    ...(binary ? ["test ROC AUC, weighted"] : []),
    "model",
  ];
  return [{
    heading,
    text:
      `Each stage's test metrics with every test row weighted by its ${
        quotedText(weights.column)
      } (total weight ${total}): an integer weight counts as that many copies of the row, a ` +
      `weight of 0 as no row.`,
    figure: tableFigure(
      "Stage table, test rows weighted",
      header,
      columns,
      [70, 90, 90, 90, ...(binary ? [90] : []), 340],
    ),
  }];
}

/** A table figure tall enough for its rows at the given column widths (pixels). */
function tableFigure(
  title: string,
  header: readonly string[],
  columns: readonly (readonly string[])[],
  widths: readonly number[],
): Figure {
  const rows = columns[0].length;
  // Plotly wraps a cell's words at its column's width, and a table taller than its figure hides
  // the rows below (the chosen model's, last). The figure is made tall enough for the lines the
  // cells take at these widths (the narrowest the page draws them; wider pages wrap less), at
  // about 7.5 pixels a character and 20 a line.
  const lines = (text: string, width: number) =>
    Math.max(1, Math.ceil((7.5 * text.length + 16) / width));
  const rowHeight = (cells: readonly string[]) =>
    8 + 20 * Math.max(...cells.map((c, j) => lines(c, widths[j])));
  let height = 40 + 10 + rowHeight(header) + 20;
  for (let i = 0; i < rows; i++) height += rowHeight(columns.map((c) => c[i]));
  return {
    data: [{
      type: "table",
      columnwidth: widths,
      header: { values: header, align: "left", fill: { color: "#EEEEEE" } },
      cells: { values: columns, align: "left" },
    }],
    layout: {
      title: { text: title },
      height: Math.round(height),
      margin: { l: 10, r: 10, t: 40, b: 10 },
    },
  };
}

/**
 * What the figure's staircase is: the Pareto front of the accuracy plotted (test accuracy when
 * there are test data), which is not the one the command judges by when that is validation
 * accuracy (`then` says what follows from it).
 */
function frontSentence(useTest: boolean, then: string, named = "accuracy"): string {
  return `The black staircase is the Pareto front of ${
    useTest ? "test" : "validation"
  } ${named}, the ${named} plotted: the models ${
    named === "accuracy" ? "more accurate" : `of higher ${named}`
  } than every smaller one` +
    (useTest ? `; ${then}.` : ".");
}

function groupOf(r: CandidateReport): string {
  const q = r.quantization;
  if (!q) return "float32";
  const kind = q.kind === "uniform" ? `uniform ${q.scheme}` : q.kind;
  return `${kind}, ${q.training === "ptq" ? "PTQ" : "QAT"}`;
}

function sweepSections(
  sweep: SweepResult,
  acc: (r: ModelReport) => number,
  accuracyTitle: string,
  baseline: number,
  useTest: boolean,
): FigureSection[] {
  const sections: FigureSection[] = [{
    heading: "Sweep: accuracy against file size",
    text: `${sweep.rows.length} models: every pruning level stored in float32 and quantized ` +
      `every way asked for. ` +
      frontSentence(
        useTest,
        "the front printed by lrc compress is of validation accuracy, and may hold other models",
      ),
    figure: paretoFigure(
      sweep.rows.map((r) => ({
        bytes: r.bytes,
        accuracy: acc(r),
        name: r.name,
        group: groupOf(r),
      })),
      { title: "Every model of the sweep", baseline, accuracyTitle },
    ),
  }];
  const floats = sweep.rows.filter((r) => r.quantization === null);
  if (floats.some((r) => r.prune)) {
    const strategies = [
      ...new Set(
        floats.filter((r) => r.prune).map((r) => `${r.prune!.strategy} (${r.prune!.structure})`),
      ),
    ];
    const points = floats.flatMap((r) => {
      const at = r.prune ? [`${r.prune.strategy} (${r.prune.structure})`] : strategies;
      return at.map((strategy) => ({
        strategy,
        sparsity: r.prune?.sparsity ?? 0,
        accuracy: acc(r),
      }));
    });
    sections.push({
      heading: "Sweep: accuracy against sparsity (float32, fine-tuned)",
      figure: sparsityFigure(points, { baseline, accuracyTitle }),
    });
  }
  const unpruned = sweep.rows.filter((r) => r.prune === null && r.quantization !== null);
  if (unpruned.length > 0) {
    sections.push({
      heading: "Sweep: accuracy against bit width (unpruned model)",
      figure: bitWidthFigure(
        unpruned.map((r) => ({
          method: `${groupOf(r)}, per ${r.quantization!.granularity}`,
          bits: r.quantization!.bits,
          accuracy: acc(r),
        })),
        { baseline, accuracyTitle },
      ),
    });
  }
  return sections;
}

function modelSections(result: CompressResult, test: LabelledData): FigureSection[] {
  const sections: FigureSection[] = [];
  const float = asFloatModel(result.model);
  const evaluation = evaluate(float, test.x, test.y);
  sections.push({
    heading: "The compressed model on the test data",
    figure: confusionFigure(evaluation.confusion, { classes: float.classes }),
  });
  if (result.unquantized) {
    const before = result.unquantized.weights.data;
    const after = float.weights.data;
    if (before.length === after.length) {
      const distinct = new Set<number>();
      after.forEach((v, i) => {
        if (!float.mask || float.mask[i] !== 0) distinct.add(v);
      });
      sections.push({
        heading: "Weights before and after quantization",
        text: "Weights in the units the quantizer saw; pruned weights are left out.",
        figure: weightHistogramFigure(before, after, {
          ...(float.mask ? { mask: float.mask } : {}),
          ...(distinct.size <= 64 ? { levels: [...distinct].sort((a, b) => a - b) } : {}),
        }),
      });
    }
  }
  const side = Math.round(Math.sqrt(float.weights.cols));
  if (float.mask && side * side === float.weights.cols) {
    sections.push({
      heading: "Pruning mask",
      text: "Kept weights of each class, as images of the input.",
      figure: maskFigure(float.mask, {
        labels: float.weights.rows === float.classes.length ? float.classes : [float.classes[1]],
        imageShape: [side, side],
      }),
    });
  }
  return sections;
}

/**
 * Writes the report (atomically).
 *
 * @param path The `.html` file.
 * @param input The results.
 */
export async function writeCompressionReport(
  path: string,
  input: CompressionReportInput,
): Promise<void> {
  const title = input.mode === "sweep"
    ? "lrcompress: compression sweep"
    : input.mode === "budget"
    ? `lrcompress: smallest model within the ${
      input.result !== null && "maxDrop" in input.result &&
        input.result.metric !== "accuracy"
        ? input.result.metric === "roc-auc" ? "ROC AUC" : "balanced-accuracy"
        : "accuracy"
    } budget`
    : input.mode === "size"
    ? "lrcompress: most accurate model within the size budget"
    : "lrcompress: compression pipeline";
  await writeFiguresHtml(path, compressionReportSections(input), {
    title,
  });
}
