/**
 * Quantization-aware training through `fit`'s `weightTransform` hook:
 * - uniform, log2 and float16 grids: fake quantization in the forward pass (the loss sees the
 *   quantized weights) and a clipped straight-through estimator in the backward pass (the
 *   gradient reaches the latent float weights unchanged inside the grid's range, and is zero
 *   outside it); the grid is calibrated on the starting model (optionally re-calibrated after
 *   every epoch), and the result is the latent weights on the grid training used;
 * - k-means codebooks: Deep Compression's trained quantization, fine-tuning the centroids with
 *   the gradients gathered per cluster (assignments fixed).
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { checkSeed } from "../core/random.ts";
import {
  assertFinite,
  assertLabels,
  assertMatrix,
  assertWidth,
  checkOptionKeys,
  describe,
  type OptionKeys,
} from "../core/validate.ts";
import {
  type AdamOptimizer,
  effectiveWeights,
  type EpochRecord,
  fit,
  type FitOptions,
  type FitProgress,
  nestedOptionHint,
  type SgdOptimizer,
  type WeightTransform,
} from "../model/fit.ts";
import type { LogisticModel, Penalty } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";
import { weightOptions } from "../prune/scores.ts";
import { dequantizeInto, log2Value } from "./dequantize.ts";
import { fromFloat16Bits, roundHalfEven, toFloat16Bits } from "./float16.ts";
import { codeRange, log2MaxExponent, zeroCode } from "./grid.ts";
import { dequantizeModel, quantizeModel, recipeOf } from "./model.ts";
import {
  calibrateGrid,
  checkMask,
  log2Code,
  methodOptionHint,
  type QuantizationMethod,
  quantizeOnGrid,
  type ResolvedMethod,
  resolveMethod,
  strictlyAscendingFloat32,
} from "./quantize.ts";
import type { CodebookQuantizedTensor, QuantizedModel, QuantizedTensor } from "./types.ts";

/** A fake quantizer for a custom training loop. */
export interface FakeQuantizer {
  /** The transform to pass as `fit`'s `weightTransform`. */
  readonly transform: WeightTransform;
  /** Re-chooses the grid (scales, zero points) from the current latent weights. */
  recalibrate(latent: Float64Array): void;
  /** The current grid (its codes are placeholders). */
  grid(): QuantizedTensor;
}

/**
 * Creates a fake quantizer for a uniform, log2 or float16 method: `forward` writes
 * `dequantize(quantize(latent))` with the current grid (round to nearest), `backward` zeroes
 * the gradient of latent weights outside the grid's range (clipped straight-through estimator).
 *
 * @param weights The initial weights, shape `(nOutputs, nFeatures)`, which set the first grid.
 * @param options The method and a mask (masked weights quantize to 0 and get no gradient).
 * @returns The quantizer.
 * @throws {RangeError} For a k-means method (use `fineTuneCodebook`), a stochastic rounding (the
 *   forward pass rounds to nearest), bad settings, a mask entry that is neither 0 nor 1, or
 *   weights that hold NaN or infinity.
 *
 * @example Forward values lie on the grid
 * ```ts
 * import { createFakeQuantizer } from "./qat.ts";
 * import { fromRows } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const w = fromRows([[0.9, -0.3, 0.05, 2]]);
 * const fq = createFakeQuantizer(w, { method: { kind: "uniform", bits: 2, calibration: { kind: "minmax" } } });
 * const out = new Float64Array(4);
 * fq.transform.forward(w.data as Float64Array, out);
 * assert.deepEqual([...out], [0, 0, 0, 2]);
 * ```
 */
export function createFakeQuantizer(
  weights: Matrix,
  options: { method?: QuantizationMethod; mask?: Uint8Array } = {},
): FakeQuantizer {
  const action = "create fake quantizer";
  assertMatrix(action, "weights", weights);
  assertFinite(action, "weights", weights.data, weights.cols);
  checkOptionKeys(
    action,
    options,
    { method: true, mask: true },
    "options",
    methodOptionHint(options),
  );
  const method = resolveMethod(options.method, action);
  checkQatRounding(action, method);
  if (method.kind === "kmeans") {
    throw new RangeError(
      `Cannot ${action}: k-means codebooks are trained with fineTuneCodebook, not fake quantization`,
    );
  }
  const mask = checkMask(options.mask, weights.data.length, action);
  const { rows, cols } = weights;
  let grid = calibrateGrid(weights, method, mask);
  const lo = new Float64Array(rows * cols);
  const hi = new Float64Array(rows * cols);
  const setRange = () => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const idx = i * cols + j;
        const [a, b] = levelRange(grid, i, j);
        lo[idx] = a;
        hi[idx] = b;
      }
    }
  };
  setRange();
  return {
    transform: {
      forward(latent, out) {
        fakeQuantizeInto(grid, latent, out);
        if (mask) { for (let i = 0; i < out.length; i++) if (mask[i] === 0) out[i] = 0; }
      },
      backward(latent, grad) {
        for (let i = 0; i < grad.length; i++) {
          const v = latent[i];
          if (v < lo[i] || v > hi[i] || (mask !== null && mask[i] === 0)) grad[i] = 0;
        }
      },
    },
    recalibrate(latent) {
      grid = calibrateGrid({ data: latent, rows, cols }, method, mask);
      setRange();
    },
    grid: () => grid,
  };
}

/** The lowest and highest level of element (i, j)'s group. */
function levelRange(grid: QuantizedTensor, i: number, j: number): [number, number] {
  const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
  switch (grid.kind) {
    case "uniform": {
      const s = grid.scale[g], z = grid.zeroPoint[g];
      if (grid.scheme === "symmetric" && grid.bits === 1) return [-s, s];
      const r = codeRange("uniform", grid.scheme, grid.bits);
      return [s * (r.min - z), s * (r.max - z)];
    }
    case "log2":
      return [-grid.scale[g], grid.scale[g]];
    case "float16":
      return [-65504, 65504];
    case "codebook": {
      const L = grid.levels;
      return [grid.codebook[g * L], grid.codebook[g * L + L - 1]];
    }
  }
}

/** Writes `dequantize(quantize(latent))` (round to nearest) without allocating. */
function fakeQuantizeInto(grid: QuantizedTensor, latent: Float64Array, out: Float64Array): void {
  const { rows, cols } = grid;
  switch (grid.kind) {
    case "uniform": {
      const { min: qmin, max: qmax } = codeRange("uniform", grid.scheme, grid.bits);
      const oneBit = grid.scheme === "symmetric" && grid.bits === 1;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const idx = i * cols + j;
          const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
          const s = grid.scale[g], z = grid.zeroPoint[g];
          const v = latent[idx];
          if (oneBit) {
            out[idx] = v < 0 ? -s : s;
            continue;
          }
          let q = roundHalfEven(v / s) + z;
          if (q < qmin) q = qmin;
          else if (q > qmax) q = qmax;
          out[idx] = s * (q - z);
        }
      }
      return;
    }
    case "log2": {
      const e = log2MaxExponent(grid.bits);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const idx = i * cols + j;
          const g = grid.granularity === "tensor" ? 0 : grid.granularity === "class" ? i : j;
          const s = grid.scale[g];
          out[idx] = log2Value(log2Code(latent[idx], s, grid.bits, e, -1), s);
        }
      }
      return;
    }
    case "float16":
      for (let i = 0; i < latent.length; i++) {
        const v = Math.min(65504, Math.max(-65504, latent[i]));
        out[i] = fromFloat16Bits(toFloat16Bits(v));
      }
      return;
    case "codebook": {
      const q = quantizeOnGrid(grid, { data: latent, rows, cols });
      dequantizeInto(q, out);
    }
  }
}

/** Options for {@linkcode quantizationAwareTraining} and {@linkcode fineTuneCodebook}. */
export interface QatOptions {
  /**
   * The quantization method (k-means: centroid fine-tuning).
   * @default {{ kind: "uniform" }} (8-bit symmetric per class, MSE calibration)
   */
  method?: QuantizationMethod;
  /**
   * The optimiser of the fine-tuning (mini-batch only: the transform needs it).
   * @default {{ kind: "adam", learningRate: 0.001, epochs: 6, batchSize: 64, learningRateDecay: 0.5 }}
   */
  optimizer?: SgdOptimizer | AdamOptimizer;
  /**
   * The penalty, as in the float model's training.
   * @default {{ kind: "l2", lambda: 1 / nSamples }}
   */
  penalty?: Penalty;
  /**
   * Seed of the mini-batch shuffles.
   * @default {0}
   */
  seed?: number;
  /**
   * Re-choose the grid from the latent weights after every epoch but the last (uniform, log2;
   * k-means codebooks and float16 have no grid to re-choose, and ignore it); by default the grid
   * calibrated on the starting model stays fixed, and a start whose kept weights are all 0 (whose
   * grid is a placeholder) is refused.
   * @default {false}
   */
  recalibrate?: boolean;
  /**
   * Bias precision of the result.
   * @default {"float32" ({@linkcode fineTuneCodebook}: the given model's, float64 staying float64)}
   */
  bias?: "float32" | "float64";
  /**
   * One weight per row of `data.x`, as `fit`'s option: the fine-tuning minimises the weighted
   * mean loss of the fake-quantized model (the float model's objective, when it was trained
   * with the same weights).
   * @default {none (every row counts once)}
   */
  sampleWeight?: FitOptions["sampleWeight"];
  /**
   * A weight per class label of the model, or `"balanced"`, as `fit`'s option (multiplies
   * `sampleWeight`).
   * @default {none (every class weighs 1)}
   */
  classWeight?: FitOptions["classWeight"];
  /**
   * Held-out data measured after each epoch (raw, like `x`; dense or CSR, as `fit` takes it).
   * @default {none}
   */
  validation?: FitOptions["validation"];
  /**
   * Called after each epoch.
   * @default {none}
   */
  onProgress?: (progress: FitProgress) => void;
}

/** The result of quantization-aware training. */
export interface QatResult {
  /** The quantized model. */
  readonly model: QuantizedModel;
  /** The latent float model at the end of training (its weights are not on the grid). */
  readonly latent: LogisticModel;
  /** One record per epoch, as from `fit`; losses are those of the fake-quantized model. */
  readonly history: readonly EpochRecord[];
}

const ACTION = "train quantized model";

/**
 * Quantization-aware training: fine-tunes a float model with its weights quantized in the
 * forward pass, then quantizes the result. For k-means this is Deep Compression's trained
 * quantization (see {@linkcode fineTuneCodebook}).
 *
 * @param model The float model to start from (its preprocessing and mask are kept).
 * @param data Training data, raw: `x` of shape `(nSamples, nFeatures)`, `y` class indices.
 * @param options Method, optimiser, penalty, seed, row weights, progress.
 * @returns The quantized model, the latent float model and the history.
 * @throws {TypeError} If the data do not match the model, `recalibrate` is not a boolean, or
 *   `seed` is not a finite number.
 * @throws {RangeError} For bad settings (see `fit` and `resolveMethod`), a label that is not one
 *   of the model's classes, or, for float16, a starting weight beyond the half range
 *   (|w| >= 65520), refused before training. A weight that training pushes beyond it is stored
 *   as +-65504, the value the forward pass used. A uniform or log2 grid without `recalibrate`
 *   from a start whose kept weights are all 0 is refused too.
 *
 * @example 2-bit QAT on digits
 * ```ts
 * import { quantizationAwareTraining } from "./qat.ts";
 * import { dequantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { predict } from "../model/predict.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import { accuracy } from "../metrics/metrics.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const { model } = fit(data.x, data.y, { classes: data.classes, optimizer: { kind: "lbfgs", maxIterations: 50 } });
 * const { model: q } = quantizationAwareTraining(model, data, {
 *   method: { kind: "uniform", bits: 2 },
 *   optimizer: { kind: "adam", epochs: 3, learningRate: 0.01 },
 * });
 * assert.ok(accuracy(data.y, predict(dequantizeModel(q), data.x)) > 0.9);
 * ```
 */
export function quantizationAwareTraining(
  model: LogisticModel,
  data: { readonly x: Matrix; readonly y: Int32Array },
  options: QatOptions = {},
): QatResult {
  validateModel(model, ACTION);
  checkTraining(ACTION, data, options, model);
  const method = resolveMethod(options.method, ACTION);
  checkQatRounding(ACTION, method);
  if (method.kind === "kmeans") {
    const ptq = quantizeModel(model, { method, bias: options.bias });
    return fineTuneCodebook(ptq, data, options);
  }
  if (method.kind === "float16") checkFloat16Start(model);
  const recalibrate = options.recalibrate ?? false;
  if (!recalibrate && method.kind !== "float16") checkGridStart(model);
  const fq = createFakeQuantizer(model.weights, { method, mask: model.mask });
  const optimizer = options.optimizer ?? DEFAULT_OPTIMIZER;
  const epochs = optimizer.epochs ?? 20;
  const result = fit(data.x, data.y, {
    initial: model,
    penalty: options.penalty,
    optimizer,
    seed: options.seed ?? 0,
    ...weightOptions(options),
    validation: options.validation,
    onProgress: options.onProgress,
    weightTransform: fq.transform,
    // after the last epoch the grid stays the one the weights were trained on
    ...(recalibrate ? { onEpochEnd: (s) => s.epoch < epochs && fq.recalibrate(s.weights) } : {}),
  });
  const latent = result.model;
  // The result is the latent weights on the grid the forward pass used, so the quantized model
  // is exactly the model whose loss training minimised. Float16's forward pass saturates at
  // +-65504, so a weight training pushed beyond it is stored saturated, as the loss saw it.
  const onGrid = method.kind === "float16" ? saturateFloat16(latent) : latent;
  const ptq = quantizeModel(onGrid, { method, bias: options.bias, training: "qat" });
  const weights = quantizeOnGrid(fq.grid(), onGrid.weights, { mask: onGrid.mask });
  return { model: { ...ptq, weights }, latent, history: result.history };
}

/**
 * Refuses float16 training from weights beyond the half range (|w| >= 65520), before training:
 * post-training quantization refuses them, and QAT would otherwise train on the saturated
 * values and store weights the caller's model does not hold.
 */
function checkFloat16Start(model: LogisticModel): void {
  const { data, cols } = model.weights;
  const mask = model.mask;
  for (let i = 0; i < data.length; i++) {
    if ((mask === undefined || mask[i] !== 0) && Math.abs(data[i]) >= 65520) {
      throw new RangeError(
        `Cannot ${ACTION}: the starting weight ${data[i]} at row ${Math.floor(i / cols)}, ` +
          `column ${i % cols} is beyond the float16 range (65504); float16 weights must stay ` +
          "below 65520 in magnitude",
      );
    }
  }
}

/**
 * Refuses a fixed uniform or log2 grid calibrated on a start whose kept weights are all 0: its
 * scale is a placeholder (1, or the smallest float32 at 1 bit), unrelated to any weight, and
 * training on it kept every weight at 0 (or at that placeholder) for good.
 */
function checkGridStart(model: LogisticModel): void {
  // Everything pruned (no weight kept) passes: no weight is trained, the grid does not matter.
  if (!keptWeightsAllZero(model)) return;
  throw new RangeError(
    `Cannot ${ACTION}: every starting weight is 0, so the fixed grid calibrated on them is ` +
      "degenerate (a placeholder scale); pass recalibrate: true to re-choose the grid from the " +
      "trained weights after each epoch, or start from a trained model",
  );
}

/**
 * Whether the model keeps a weight and every weight it keeps is 0 (an L1 penalty can zero them):
 * quantization-aware training refuses a fixed uniform or log2 grid calibrated on such a start.
 *
 * @param model The model.
 * @returns Whether its kept weights are all 0, one at least.
 */
export function keptWeightsAllZero(model: LogisticModel): boolean {
  const { data } = model.weights, mask = model.mask;
  let kept = false;
  for (let i = 0; i < data.length; i++) {
    if (mask !== undefined && mask[i] === 0) continue;
    if (data[i] !== 0) return false;
    kept = true;
  }
  return kept;
}

/** The model with its weights clamped to +-65504, as the float16 forward pass uses them. */
function saturateFloat16(model: LogisticModel): LogisticModel {
  const data = Float64Array.from(model.weights.data, (v) => Math.min(65504, Math.max(-65504, v)));
  return { ...model, weights: { ...model.weights, data } };
}

/**
 * Checks the data and options both kinds of training share: `data` an object (fit read `x` of
 * null), a mini-batch optimizer (fit's refusal of L-BFGS named a weightTransform the caller
 * never passed), `recalibrate` a boolean (a truthy "no" recalibrated) and the bias precision
 * (fineTuneCodebook read any other value as float32).
 */
function checkTraining(
  action: string,
  data: unknown,
  options: QatOptions,
  model: { readonly weights: { readonly cols: number }; readonly classes: readonly string[] },
): void {
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`Cannot ${action}: data must be an object { x, y }, got ${describe(data)}`);
  }
  // A setting of the method, the optimizer or the penalty given at the top level says where it goes.
  const method = methodOptionHint(options);
  const nested = nestedOptionHint(options, QAT_OPTION_KEYS, ["adam", "sgd"]);
  checkOptionKeys(action, options, QAT_OPTION_KEYS, "options", (k) => method(k) ?? nested(k));
  checkQatOptimizer(action, options.optimizer);
  checkSeed(action, options.seed);
  const recalibrate: unknown = options.recalibrate;
  if (recalibrate !== undefined && typeof recalibrate !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: recalibrate must be a boolean, got ${describe(recalibrate)}`,
    );
  }
  const bias: unknown = options.bias;
  if (bias !== undefined && bias !== "float32" && bias !== "float64") {
    throw new RangeError(
      `Cannot ${action}: bias must be float32 or float64, got ${describe(bias)}`,
    );
  }
  // Checked here, not left to fit: its messages speak of fitting from an initial model, which
  // the caller never gave (and k-means would cluster the weights first).
  const { x, y } = data as { readonly x: unknown; readonly y: ArrayLike<number> };
  assertMatrix(action, "data.x", x);
  const d = model.weights.cols;
  assertWidth(action, "data.x", x, d);
  assertLabels(action, y, x.rows, model.classes.length);
  // Here, in this action's words, before k-means clusters the weights (fit checks them again).
  effectiveWeights(y as Int32Array, model.classes, options, action);
}

/**
 * Checks the optimiser of quantization-aware training: absent, or sgd or adam (the forward pass
 * quantizes the weights of every mini-batch step, through fit's `weightTransform`).
 *
 * @param action What the caller was doing, for messages.
 * @param optimizer The optimiser option.
 * @throws {RangeError} If it is another optimiser or not one.
 */
export function checkQatOptimizer(action: string, optimizer: unknown): void {
  const kind = (optimizer as { kind?: unknown } | undefined)?.kind;
  if (optimizer !== undefined && kind !== "sgd" && kind !== "adam") {
    throw new RangeError(
      `Cannot ${action}: optimizer must be sgd or adam (mini-batch steps), got ${
        typeof kind === "string" ? `'${kind}'` : describe(optimizer)
      }`,
    );
  }
}

/**
 * Checks that quantization-aware training can use a method's rounding: its forward pass and
 * final codes round to nearest, so a stochastic rounding would be recorded in the recipe without
 * being used.
 *
 * @param action What the caller was doing, for messages.
 * @param method The resolved method.
 * @throws {RangeError} If the method rounds stochastically.
 */
export function checkQatRounding(action: string, method: ResolvedMethod): void {
  if ("rounding" in method && method.rounding.kind === "stochastic") {
    throw new RangeError(
      `Cannot ${action}: quantization-aware training rounds to nearest (its forward pass); ` +
        "stochastic rounding is for post-training quantization",
    );
  }
}

/** The keys of {@linkcode QatOptions}. */
export const QAT_OPTION_KEYS: OptionKeys<QatOptions> = {
  method: true,
  optimizer: true,
  penalty: true,
  seed: true,
  recalibrate: true,
  bias: true,
  sampleWeight: true,
  classWeight: true,
  validation: true,
  onProgress: true,
};

const DEFAULT_OPTIMIZER: AdamOptimizer = {
  kind: "adam",
  learningRate: 0.001,
  epochs: 6,
  batchSize: 64,
  learningRateDecay: 0.5,
};

/**
 * Trained quantization (Han et al., Deep Compression, 2016): keeps each weight's cluster and
 * fine-tunes the shared values. The gradient of a centroid is the mean of its members'
 * gradients (the exact gradient of the penalised loss with respect to the centroid, divided by
 * the cluster size), applied through `fit`'s `weightTransform`: every member receives the same
 * update, so members stay equal. The bias is trained too.
 *
 * @param q A model with codebook weights (from a `kmeans` method).
 * @param data Training data, raw.
 * @param options Optimiser, penalty, seed, row weights, progress (`method` and `recalibrate`
 *   are ignored).
 * @returns The model with fine-tuned codebooks, the latent model and the history.
 * @throws {TypeError} If `data` is not an object or does not match the model, an option is
 *   unknown, `recalibrate` is not a boolean, or `seed` is not a finite number.
 * @throws {RangeError} If the weights are not a codebook, a label is not one of the model's
 *   classes, the optimizer is not sgd or adam, the bias is neither "float32" nor "float64", or
 *   for bad settings.
 *
 * @example Fine-tuning never changes the assignments
 * ```ts
 * import { fineTuneCodebook } from "./qat.ts";
 * import { quantizeModel } from "./model.ts";
 * import { fit } from "../model/fit.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("digits");
 * const { model } = fit(data.x, data.y, { classes: data.classes, optimizer: { kind: "lbfgs", maxIterations: 30 } });
 * const q = quantizeModel(model, { method: { kind: "kmeans", bits: 2 } });
 * const tuned = fineTuneCodebook(q, data, { optimizer: { kind: "adam", epochs: 2, learningRate: 0.01 } });
 * assert.ok(tuned.model.weights.kind === "codebook" && q.weights.kind === "codebook");
 * assert.equal(new Set(tuned.model.weights.codes).size, new Set(q.weights.codes).size);
 * ```
 */
export function fineTuneCodebook(
  q: QuantizedModel,
  data: { readonly x: Matrix; readonly y: Int32Array },
  options: QatOptions = {},
): QatResult {
  const action = "fine-tune codebook";
  const start = dequantizeModel(q);
  checkTraining(action, data, options, q);
  const t = q.weights;
  if (t.kind !== "codebook") {
    throw new RangeError(`Cannot ${action}: the weights are ${t.kind}, not a codebook`);
  }
  const { rows, cols, levels: L } = t;
  const n = rows * cols;
  const mask = q.mask ?? null;
  const groups = t.codebook.length / L;
  // cluster id of each weight (-1: masked), a representative member, member counts
  const cluster = new Int32Array(n);
  const representative = new Int32Array(groups * L).fill(-1);
  const count = new Float64Array(groups * L);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const idx = i * cols + j;
      if (mask && mask[idx] === 0) {
        cluster[idx] = -1;
        continue;
      }
      const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
      const id = g * L + t.codes[idx];
      cluster[idx] = id;
      if (representative[id] < 0) representative[id] = idx;
      count[id]++;
    }
  }
  const sums = new Float64Array(groups * L);
  const transform: WeightTransform = {
    forward(latent, out) {
      for (let i = 0; i < n; i++) {
        const id = cluster[i];
        out[i] = id < 0 ? 0 : latent[representative[id]];
      }
    },
    backward(_latent, grad) {
      sums.fill(0);
      for (let i = 0; i < n; i++) if (cluster[i] >= 0) sums[cluster[i]] += grad[i];
      for (let i = 0; i < n; i++) {
        const id = cluster[i];
        grad[i] = id < 0 ? 0 : sums[id] / count[id];
      }
    },
  };
  const result = fit(data.x, data.y, {
    initial: start,
    penalty: options.penalty,
    optimizer: options.optimizer ?? DEFAULT_OPTIMIZER,
    seed: options.seed ?? 0,
    ...weightOptions(options),
    validation: options.validation,
    onProgress: options.onProgress,
    weightTransform: transform,
  });
  const latent = result.model.weights.data;
  // New codebooks: each used entry takes its members' value; sort and remap per group.
  const codebook = new Float32Array(groups * L);
  const codes = t.codes.slice();
  const remap = new Int32Array(groups * L);
  for (let g = 0; g < groups; g++) {
    const entries: { value: number; old: number }[] = [];
    for (let k = 0; k < L; k++) {
      const id = g * L + k;
      const value = representative[id] >= 0 ? latent[representative[id]] : t.codebook[id];
      entries.push({ value, old: k });
    }
    entries.sort((a, b) => a.value - b.value || a.old - b.old);
    const values = strictlyAscendingFloat32(entries.map((e) => e.value));
    codebook.set(values, g * L);
    entries.forEach((e, k) => (remap[g * L + e.old] = k));
  }
  const weights: CodebookQuantizedTensor = { ...t, codebook, codes };
  // A removed weight takes its group's code nearest 0 in the new codebook (the code a file
  // reader restores), not its old entry's new place.
  const zero = Int32Array.from({ length: groups }, (_, g) => zeroCode(weights, g));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const idx = i * cols + j;
      const g = t.granularity === "tensor" ? 0 : t.granularity === "class" ? i : j;
      codes[idx] = mask && mask[idx] === 0 ? zero[g] : remap[g * L + t.codes[idx]];
    }
  }
  const biasKind = options.bias ?? (q.bias.kind === "float64" ? "float64" : "float32");
  const b = result.model.bias;
  const resolved = resolveMethodFromRecipe(q);
  const { input: _input, ...rest } = q; // a new bias invalidates any input calibration
  const model: QuantizedModel = {
    ...rest,
    weights,
    bias: biasKind === "float64"
      ? { kind: "float64", values: b.slice() }
      : { kind: "float32", values: Float32Array.from(b) },
    recipe: resolved
      ? recipeOf(resolved, "trained-codebook")
      : { ...q.recipe, training: "trained-codebook" },
  };
  return { model, latent: result.model, history: result.history };
}

function resolveMethodFromRecipe(q: QuantizedModel): ResolvedMethod | null {
  if (q.recipe?.method !== "kmeans" || q.weights.kind !== "codebook") return null;
  return resolveMethod({
    kind: "kmeans",
    levels: q.weights.levels,
    granularity: q.weights.granularity,
    init: q.recipe.calibration === "linear" ? "linear" : "kmeans++",
    seed: q.recipe.seed ?? 0,
  });
}
