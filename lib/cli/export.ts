/**
 * `lrc export`: write an ONNX file from a saved model or from a fresh training.
 *
 * @module
 */

import { writeFileAtomic } from "../io/atomic.ts";
import { accumulatorCutoff, exportOnnx, float32Cutoff } from "../onnx/export.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import type { LogisticModel } from "../model/types.ts";
import type { QuantizedModel } from "../quant/types.ts";
import { quotedList, quotedText } from "../core/validate.ts";
import { type Command, refuseUnused, UsageError } from "./args.ts";
import { DATA_OPTIONS, loadData, type RowWeights, WEIGHT_COLUMN_OPTION } from "./data_options.ts";
import { checkOutput, readModelFile } from "./model_files.ts";
import { float32Rounding, float32RoundingText } from "./predict.ts";
import {
  CLASS_WEIGHT_OPTION,
  type ClassWeights,
  classWeightsFromArgs,
  classWeightsLine,
  rowWeightsJson,
  rowWeightsLine,
  TRAIN_OPTIONS,
  trainWithProgress,
} from "./train.ts";

/**
 * The warning for an ONNX graph whose float32 input rounds a feature by a share of its spread
 * ({@linkcode float32Rounding}), or `null`.
 *
 * @param model The model, or the dense model a compressed one came from (whose standardisation
 *   tells the features' spread when the compressed one folds it).
 * @returns The warning's text, or `null`.
 */
export function onnxRoundingWarning(
  model: Pick<LogisticModel, "preprocessing" | "featureNames">,
): string | null {
  const rounding = float32Rounding(model);
  if (rounding === null) return null;
  return `the ONNX graph takes float32 inputs, which round ${float32RoundingText(rounding)}: the ` +
    "model was trained on float64 values, so the graph's predictions can differ from " +
    "lrcompress's; centre or rescale such a column before training (checkOnnxExport " +
    "measures the difference)";
}

/**
 * Why `MatMulInteger` cannot hold a quantized model, in command-line words, or `null` when
 * `lrc export --quantized integer` can write its integer graph.
 *
 * @param model The quantized model.
 * @returns The reason, and what else to do beyond `--quantized qdq` (`or`, empty or starting with
 *   ", or"), or `null`.
 */
function integerGraphProblem(
  model: QuantizedModel,
): { readonly reason: string; readonly or: string } | null {
  const t = model.weights;
  if (t.kind !== "uniform" || t.bits > 8) {
    return {
      reason: `MatMulInteger needs uniform codes of at most 8 bits, the model has ${t.kind} ` +
        `${t.bits}-bit`,
      or: "",
    };
  }
  if (t.granularity === "feature") {
    return {
      reason: "MatMulInteger cannot apply per-feature weight scales (one rescale per output)",
      or: "",
    };
  }
  if (model.preprocessing.kind === "standardize") {
    return {
      reason:
        "it is a standardised model, and MatMulInteger needs the standardised inputs' 8-bit " +
        "scale, which the model does not carry (its integer inference quantizes the raw inputs)",
      or: ", or quantize a model trained with --no-standardize",
    };
  }
  if (!model.input) {
    return {
      reason: "the model has no input calibration (lrc quantize saves one when integer-only " +
        "inference agrees with the dequantized model)",
      or: "",
    };
  }
  return null;
}

/**
 * The warning for the QDQ graph of a model that `lrc predict` scores integer-only (one with an
 * input calibration): the graph computes the dequantized weights on float inputs, as
 * `lrc predict --dequantized` does, so its probabilities and some labels differ from
 * `lrc predict`'s. `null` for a float model or one without input calibration.
 *
 * @param model The model exported.
 * @returns The warning's text, or `null`.
 */
export function qdqScoringWarning(model: StoredModel): string | null {
  if (model.kind !== "quantized-logistic-regression" || !model.input) return null;
  const problem = integerGraphProblem(model);
  return "lrc predict scores this model integer-only (it holds an input calibration), but the " +
    "QDQ graph computes its dequantized weights on float inputs, as lrc predict --dequantized " +
    "does, so its probabilities and some labels can differ from lrc predict's; " +
    (problem === null
      ? "lrc export --quantized integer writes the integer-only graph"
      : `no integer graph holds it: ${problem.reason}`);
}

/** The `export` command. */
export const exportCommand: Command = {
  name: "export",
  synonyms: { save: "export writes with --out FILE.onnx" },
  summary: "Export a model to ONNX, from a saved model (--model) or a fresh training.",
  options: {
    model: {
      type: "string",
      value: "FILE",
      help:
        "saved model (.lrc, .json or .onnx); without it a model is trained from the data options",
    },
    out: { type: "string", value: "FILE.onnx", help: "where to write the ONNX model (required)" },
    preprocessing: {
      type: "string",
      value: "MODE",
      help: "standardisation of a float model: folded into the weights or as Sub/Div nodes",
      default: "fold",
      choices: ["fold", "nodes"],
    },
    quantized: {
      type: "string",
      value: "FORM",
      help: "graph of a quantized model: DequantizeLinear + Gemm, or MatMulInteger",
      default: "qdq",
      choices: ["qdq", "integer"],
    },
    ...DATA_OPTIONS,
    ...TRAIN_OPTIONS,
    ...CLASS_WEIGHT_OPTION,
    ...WEIGHT_COLUMN_OPTION,
    json: { type: "boolean", help: "print the result as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const out = args.string("out");
    if (out === undefined) throw new UsageError("Cannot export: --out FILE.onnx is required");
    if (!out.toLowerCase().endsWith(".onnx")) {
      throw new UsageError(`Cannot export: --out must end in .onnx, got '${out}'`);
    }
    await checkOutput("--out", out, { model: args.string("model"), data: args.string("data") });
    const source = args.string("model");
    let model: StoredModel;
    let from: string;
    let warnings: readonly string[];
    let classWeights: ClassWeights | null = null;
    let rowWeights: RowWeights | undefined;
    if (source !== undefined) {
      const ignored = [
        ...Object.keys(DATA_OPTIONS),
        ...Object.keys(TRAIN_OPTIONS),
        ...Object.keys(CLASS_WEIGHT_OPTION),
        ...Object.keys(WEIGHT_COLUMN_OPTION),
      ].filter((o) => args.given(o));
      if (ignored.length > 0) {
        throw new UsageError(
          `Cannot export: --model exports that file as it is; ${
            ignored.map((o) => `--${o}`).join(", ")
          } ${ignored.length === 1 ? "applies" : "apply"} only to a model trained here`,
        );
      }
      ({ model, warnings } = await readModelFile(source));
      from = source;
    } else {
      // The model trained here is float: a graph form for quantized models is refused now,
      // before the training.
      refuseUnused("export", args, ["quantized"], "to a model trained here (it is float)");
      // A model trained without standardisation has none to fold: refused now, not after it.
      if (args.flag("no-standardize")) {
        refuseUnused("export", args, ["preprocessing"], "with --no-standardize (nothing to store)");
      }
      const showProgress = !args.flag("quiet") && !args.flag("json");
      const data = await loadData(args, io, showProgress ? io : undefined);
      classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, "export");
      rowWeights = data.rowWeights;
      const trained = trainWithProgress(data, args, showProgress, io, {
        command: "export",
        classWeights,
      });
      ({ model, warnings } = trained);
      from = `training on ${data.source}`;
    }
    // Options that do nothing for this model are refused, and what the integer graph cannot
    // express is said in command-line words before the export is tried.
    if (model.kind === "logistic-regression") {
      refuseUnused("export", args, ["quantized"], "to a float model (it has no codes)");
      if (model.preprocessing.kind === "none") {
        refuseUnused("export", args, ["preprocessing"], "to a model without standardisation");
      }
    } else {
      refuseUnused(
        "export",
        args,
        ["preprocessing"],
        "to a quantized model (its standardisation is always Sub/Div nodes before the codes)",
      );
    }
    const form = args.string("quantized") as "qdq" | "integer";
    if (form === "integer" && model.kind === "quantized-logistic-regression") {
      const problem = integerGraphProblem(model);
      if (problem !== null) {
        throw new UsageError(
          `Cannot export the integer graph of '${from}': ${problem.reason}; export with ` +
            `--quantized qdq${problem.or}`,
        );
      }
    }
    const dequantized = form === "qdq" ? qdqScoringWarning(model) : null;
    if (dequantized !== null) warnings = [...warnings, dequantized];
    // The graph takes float32 inputs, as predict reads them: a feature far from zero against its
    // spread loses there what the model was trained on, and the file would predict otherwise
    // without a word.
    const rounding = onnxRoundingWarning(asFloatModel(model));
    if (rounding !== null) warnings = [...warnings, rounding];
    const bytes = exportOnnx(model, {
      preprocessing: args.string("preprocessing") as "fold" | "nodes",
      quantized: form,
    });
    await writeFileAtomic(out, bytes);
    const { featureNames: names, classes, link } = asFloatModel(model);
    const [d, k] = [names.length, classes.length];
    // A decision threshold: the graph's 'label' is classes[1] where 'scores' > the float32 cutoff,
    // or in the integer graph of a calibrated model where its int32 accumulator > an int32 one
    // (lrc predict's integer-only rule); 'probabilities' are not thresholded (a consumer that
    // takes their largest labels at 0.5).
    const threshold = model.threshold ?? null;
    const cutoff = threshold === null ? null : float32Cutoff(threshold);
    const onAccumulator = form === "integer" && model.kind === "quantized-logistic-regression"
      ? accumulatorCutoff(model)
      : null;
    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: "export",
          from,
          out,
          bytes: bytes.length,
          // The decision threshold and the graph's cutoff on 'scores' (null: none, 0.5 and 0),
          // and the integer graph's on its accumulator when its label compares that (else null).
          threshold,
          cutoff,
          accumulatorCutoff: onAccumulator,
          classWeight: classWeights,
          sampleWeight: rowWeightsJson(rowWeights),
          warnings,
        }) + "\n",
      );
    } else {
      io.out(
        `wrote ${out} (${bytes.length.toLocaleString("en-US")} bytes) from ${from}\n` +
          `inputs: 'input' float32 (N, ${d}); outputs: 'label' string (N), ` +
          `'probabilities' float32 (N, ${k}), 'scores' float32 (N, ${
            link === "sigmoid" ? 1 : k
          })\n` +
          (threshold === null
            ? ""
            : `threshold ${threshold}: 'label' is ${quotedText(classes[1])} where ` +
              (onAccumulator === null
                ? `'scores' > ${cutoff} (the largest float32 at or below logit(threshold)); `
                : `its int32 accumulator > ${onAccumulator} (lrc predict's integer-only rule, ` +
                  `accumulator x scale > logit(threshold), row for row; 'scores' > ${cutoff} ` +
                  "can differ at the cutoff); ") +
              `'probabilities' are not thresholded: label by 'label', or by p > ${threshold}\n`) +
          `features  ${d === 1 ? "the input's column" : `the input's ${d} columns, in order`}: ${
            quotedList(names, 12)
          }\n` +
          (classWeights === null ? "" : `${classWeightsLine(classWeights)}\n`) +
          (rowWeights === undefined
            ? ""
            : `${rowWeightsLine(rowWeights, classWeights !== null, false)}\n`) +
          warnings.map((w) => `warning: ${w}\n`).join(""),
      );
    }
    return 0;
  },
};
