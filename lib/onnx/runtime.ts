/**
 * Running ONNX models in onnxruntime-node (npm), the independent runtime exports are checked
 * against. This is the only module that imports `onnxruntime-node`, and it does so lazily, on
 * first use: the rest of the library never needs it, and where it cannot load (no native
 * binary for the platform, no `--allow-ffi`) {@linkcode onnxRuntimeProblem} says why instead of
 * failing.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertMatrix,
  checkOptionKeys,
  errorReason,
  type OptionKeys,
  quotedList,
  quotedText,
  shortText,
} from "../core/validate.ts";
import type { StoredModel } from "../io/quantized.ts";
import { asFloatModel } from "../io/quantized.ts";
import { predictLabels, predictProba } from "../model/predict.ts";
import { quantizedPredict, quantizedPredictProba } from "../quant/predictor.ts";
import { exportOnnx, type OnnxExportOptions } from "./export.ts";

type Ort = typeof import("onnxruntime-node");
let ort: Ort | undefined;
let problem: string | null | undefined;

/**
 * Whether onnxruntime-node loads here.
 *
 * @returns `null` when it loads, else a one-line reason (for skip messages).
 *
 * @example Report availability
 * ```ts
 * import { onnxRuntimeProblem } from "./runtime.ts";
 *
 * const problem = await onnxRuntimeProblem();
 * console.log(problem ?? "onnxruntime-node is available");
 * ```
 */
export async function onnxRuntimeProblem(): Promise<string | null> {
  if (problem !== undefined) return problem;
  disableTelemetry();
  try {
    ort = await import("onnxruntime-node");
    problem = null;
  } catch (error) {
    problem = `onnxruntime-node does not load: ${(error as Error).message.split("\n")[0]}`;
  }
  return problem;
}

/**
 * Sets `ORT_DISABLE_TELEMETRY=1` before onnxruntime starts, unless it is set already or the
 * environment may not be written (no prompt is raised). onnxruntime-node 1.30's Linux build
 * otherwise starts Microsoft's telemetry, which left `mat-debug-<pid>.log` and `.ses` in the
 * temporary folder on every load (and may upload events); the variable, read once when
 * onnxruntime initialises, turns it off entirely.
 */
function disableTelemetry(): void {
  const name = "ORT_DISABLE_TELEMETRY";
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return;
  if (Deno.env.get(name) === undefined) Deno.env.set(name, "1");
}

/** Outputs of a run, by name: numbers (int64 as numbers) or strings, with their shape. */
export type OnnxOutputs = Record<
  string,
  { data: ArrayLike<number> | string[]; dims: readonly number[] }
>;

/** Options for {@linkcode runOnnx}. */
export interface RunOnnxOptions {
  /**
   * Name of the graph input.
   * @default {"input"}
   */
  inputName?: string;
  /**
   * onnxruntime's graph optimisations. With them (its default) it may rewrite a
   * `DequantizeLinear` before a `MatMul` into an integer product that quantizes the inputs on
   * the fly, which changes the results (`"disabled"` runs the graph as written).
   * @default {"all"}
   */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
}

/**
 * Runs an ONNX model on a float32 batch in onnxruntime-node.
 *
 * @param bytes The `.onnx` bytes.
 * @param x The inputs, shape `(nSamples, nFeatures)`, converted to float32 as they are: a value
 *   beyond float32's range becomes an infinity and NaN stays NaN (onnxruntime takes both; what
 *   the graph makes of them is its own affair; lrcompress's predictors refuse NaN and infinite
 *   inputs).
 * @param options The graph input's name, onnxruntime's graph optimisations.
 * @returns Every output.
 * @throws {TypeError} If `x` is not a matrix, or onnxruntime-node does not load here (the
 *   message says why; check {@linkcode onnxRuntimeProblem} first to skip instead).
 *
 * @example Run an exported model
 * ```ts
 * import { onnxRuntimeProblem, runOnnx } from "./runtime.ts";
 * import { exportOnnx } from "./export.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0], [1], [2], [3]]);
 * const { model } = fit(x, Int32Array.from([0, 0, 1, 1]));
 * if ((await onnxRuntimeProblem()) === null) {
 *   const out = await runOnnx(exportOnnx(model), x);
 *   assert.deepEqual(out.label.dims, [4]);
 * }
 * ```
 */
export async function runOnnx(
  bytes: Uint8Array,
  x: Matrix,
  options: RunOnnxOptions = {},
): Promise<OnnxOutputs> {
  const action = "run ONNX model";
  assertMatrix(action, "x", x);
  checkOptionKeys(
    action,
    options,
    { inputName: true, graphOptimizationLevel: true } satisfies OptionKeys<RunOnnxOptions>,
  );
  const level = options.graphOptimizationLevel ?? "all";
  if (!["disabled", "basic", "extended", "all"].includes(level)) {
    throw new RangeError(
      `Cannot ${action}: graphOptimizationLevel must be disabled, basic, extended or all, ` +
        `got '${level}'`,
    );
  }
  const why = await onnxRuntimeProblem();
  if (why !== null) throw new TypeError(`Cannot ${action}: ${why}`);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: bytes must be a Uint8Array`);
  }
  let session: Awaited<ReturnType<NonNullable<typeof ort>["InferenceSession"]["create"]>>;
  try {
    session = await ort!.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  } catch (error) {
    // onnxruntime throws a plain Error for a file it cannot load.
    throw new SyntaxError(`Cannot ${action}: onnxruntime cannot load it: ${runtimeReason(error)}`);
  }
  try {
    const inputName = options.inputName ?? "input";
    const inputs = session.inputNames as readonly string[];
    if (!inputs.includes(inputName)) {
      throw new TypeError(
        `Cannot ${action}: the graph has no input ${quotedText(inputName)}; its inputs are ` +
          `${quotedList(inputs)} (give inputName)`,
      );
    }
    const feed = new ort!.Tensor("float32", Float32Array.from(x.data), [x.rows, x.cols]);
    let result;
    try {
      result = await session.run({ [inputName]: feed });
    } catch (error) {
      // onnxruntime's plain Error, for data the graph does not take (its width, its type).
      throw new RangeError(
        `Cannot ${action}: onnxruntime refused x (${x.rows} x ${x.cols}): ${runtimeReason(error)}`,
      );
    }
    const out: OnnxOutputs = {};
    for (const [name, t] of Object.entries(result)) {
      const data = t.data as ArrayLike<number> | string[] | BigInt64Array;
      out[name] = {
        data: data instanceof BigInt64Array
          ? Array.from(data, Number)
          : data as ArrayLike<number> | string[],
        dims: t.dims,
      };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** What {@linkcode checkOnnxExport} found. */
export interface OnnxCheck {
  /** Whether onnxruntime-node ran the export. */
  readonly available: boolean;
  /** Why it did not, or `null`. */
  readonly problem: string | null;
  /** Bytes of the exported `.onnx` file. */
  readonly onnxBytes: number;
  /** Samples compared (0 when not available). */
  readonly samples: number;
  /**
   * Fraction of samples whose label from onnxruntime equals lrcompress's, in [0, 1] (`NaN` when
   * not available).
   */
  readonly labelAgreement: number;
  /** Largest absolute difference of a class probability (`NaN` when not available). */
  readonly maxProbabilityDifference: number;
}

/**
 * Exports a model to ONNX, runs the file in onnxruntime-node on `x` and compares its labels and
 * probabilities with lrcompress's own predictions of what the graph computes: of the float model,
 * of the dequantized model for a quantized one, and for the integer graph (`quantized:
 * "integer"`) of the model as `quantizedPredict` scores it (integer-only inference when it
 * carries an input calibration and an int32 bias), since that graph quantizes the inputs too; with
 * an `input` option of its own, which lrcompress's inference does not use, of the dequantized
 * model. Where onnxruntime-node does not load, it says so in the result instead of failing.
 *
 * @param model The float or quantized model.
 * @param x Raw inputs, shape `(nSamples, nFeatures)`.
 * @param options Export options (`exportOnnx`).
 * @returns Availability, file size, label agreement and the largest probability difference.
 * @throws {TypeError} If the model is malformed or `x` does not match it.
 * @throws {RangeError} If the export is impossible (see `exportOnnx`).
 *
 * @example Check a float model
 * ```ts
 * import { checkOnnxExport } from "./runtime.ts";
 * import { fit } from "../model/fit.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const x = fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]);
 * const { model } = fit(x, Int32Array.from([0, 0, 1, 1]));
 * const check = await checkOnnxExport(model, x);
 * if (check.available) assert.equal(check.labelAgreement, 1);
 * ```
 */
export async function checkOnnxExport(
  model: StoredModel,
  x: Matrix,
  options: OnnxExportOptions = {},
): Promise<OnnxCheck> {
  const bytes = exportOnnx(model, options);
  // The integer graph quantizes the inputs with the model's calibration, as quantizedPredict's
  // integer-only inference does: against the dequantized model, inputs off the 8-bit grid showed a
  // difference of 0.012 where the graph agreed with that inference to float32.
  const integer = model.kind === "quantized-logistic-regression" &&
      options.quantized === "integer" && options.input === undefined
    ? model
    : null;
  const reference = asFloatModel(model);
  const expectedLabels = integer === null
    ? predictLabels(reference, x)
    : Array.from(quantizedPredict(integer, x), (c) => integer.classes[c]);
  const why = await onnxRuntimeProblem();
  if (why !== null) {
    return {
      available: false,
      problem: why,
      onnxBytes: bytes.length,
      samples: 0,
      labelAgreement: NaN,
      maxProbabilityDifference: NaN,
    };
  }
  const out = await runOnnx(bytes, x);
  const labels = out.label.data as string[];
  let same = 0;
  for (let i = 0; i < x.rows; i++) if (labels[i] === expectedLabels[i]) same++;
  const p =
    (integer === null ? predictProba(reference, x) : quantizedPredictProba(integer, x)).data;
  const q = out.probabilities.data as ArrayLike<number>;
  let maxDiff = 0;
  for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - q[i]));
  return {
    available: true,
    problem: null,
    onnxBytes: bytes.length,
    samples: x.rows,
    labelAgreement: x.rows === 0 ? 1 : same / x.rows,
    maxProbabilityDifference: maxDiff,
  };
}

/**
 * onnxruntime's own reason for a refusal, on one line and cut short: it quotes the file's names
 * whole (an input or node name of 10,000 characters made a message of more than 10,000), so past
 * `max` characters (code points, never half an emoji) it is cut and its length said.
 *
 * @param error What onnxruntime threw.
 * @param max The most characters kept.
 * @returns The reason, e.g. `Got invalid dimensions for input: qqq... (10087 characters)`.
 */
function runtimeReason(error: unknown, max = 500): string {
  return shortText(errorReason(error).replace(/\s*\n\s*/g, " "), max);
}
