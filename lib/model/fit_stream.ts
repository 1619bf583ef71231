/**
 * Training from a CSV file too large for memory: mini-batch SGD or Adam over batches streamed
 * from disk, each epoch one pass over the file. A first pass counts rows and finds the classes
 * and the standardisation; rows are then read in blocks of `blockRows`, each block shuffled
 * (seeded) and cut into mini-batches that the WebAssembly loss engine scores. Memory holds one
 * block and one read chunk, whatever the file's size.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { checkSeed, createPrng, shuffleInPlace } from "../core/random.ts";
import {
  assertInRange,
  checkOptionKeys,
  counted,
  describe,
  type OptionKeys,
  quotedText,
} from "../core/validate.ts";
import { pathText } from "../data/csv.ts";
import { type LabelledCsvOptions, readCsvBatches, scanCsv } from "../data/csv_stream.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { createLossEngine } from "../kernels/loss_engine.ts";
import {
  type AdamOptimizer,
  checkLinkOption,
  checkOptimizer,
  checkPenalty,
  checkValidation,
  classBalanceWarnings,
  type EpochRecord,
  type FitProgress,
  type FitResult,
  nestedOptionHint,
  objectiveRiseWarning,
  resolveLink,
  scaleWarning,
  type SgdOptimizer,
} from "./fit.ts";
import { accumulateLoss } from "./loss.ts";
import {
  type Link,
  type LogisticModel,
  MODEL_VERSION,
  type Penalty,
  penaltyStrengths,
} from "./types.ts";
import { adamUpdate, sgdUpdate } from "./updates.ts";

/**
 * Options for {@linkcode fitStream}. Unlike `fit`'s, they have no `sampleWeight` or
 * `classWeight`: given, they are refused.
 */
export interface FitStreamOptions
  extends Omit<LabelledCsvOptions, "batchSize" | "dtype" | "features"> {
  /**
   * The optimiser (mini-batch only).
   * @default {{ kind: "sgd", epochs: 5 }}
   */
  optimizer?: SgdOptimizer | AdamOptimizer;
  /**
   * The penalty, or a function that makes it from the number of training rows (known only after
   * the first pass over the file), e.g. `(n) => ({ kind: "l1", lambda: 1 / n })`.
   * @default {{ kind: "l2", lambda: 1 / nSamples }}
   */
  penalty?: Penalty | ((nSamples: number) => Penalty);
  /**
   * `"sigmoid"` (two classes), `"softmax"`, or `"auto"`.
   * @default {"auto"}
   */
  link?: Link | "auto";
  /**
   * `"standardize"` (fitted in the first pass) or `"none"`.
   * @default {"standardize"}
   */
  preprocessing?: "standardize" | "none";
  /**
   * Rows held and shuffled together; memory is about `4 * blockRows * nFeatures` bytes. The
   * optimizer's `batchSize` is at most this (by default 64, or this when smaller).
   * @default {16384}
   */
  blockRows?: number;
  /**
   * Seed of the block shuffles.
   * @default {0}
   */
  seed?: number;
  /**
   * Data (in memory, raw like the file's) measured after each epoch.
   * @default {none}
   */
  validation?: { readonly x: Matrix; readonly y: Int32Array };
  /**
   * Called after each epoch.
   * @default {none}
   */
  onProgress?: (progress: FitProgress) => void;
  /**
   * Called after the first pass over the file, before any training, with what it found in the
   * rows `rowFilter` keeps: their count, classes and feature names. Throw from it to stop (a
   * caller's own checks of the data, made before the training's cost is paid).
   * @default {none}
   */
  onScan?: (
    scan: {
      readonly rows: number;
      readonly classes: readonly string[];
      readonly featureNames: readonly string[];
    },
  ) => void;
}

/** Rows `fitStream` holds and shuffles together unless told otherwise (`blockRows`). */
export const DEFAULT_BLOCK_ROWS = 16384;

const FIT_STREAM_OPTION_KEYS: OptionKeys<FitStreamOptions> = {
  label: true,
  header: true,
  delimiter: true,
  chunkBytes: true,
  rowFilter: true,
  optimizer: true,
  penalty: true,
  link: true,
  preprocessing: true,
  blockRows: true,
  seed: true,
  validation: true,
  onProgress: true,
  onScan: true,
};

/**
 * Fits a logistic-regression model by streaming a CSV file. The same file, options and seed give
 * the same model bit for bit on one engine and CPU; it always trains with the wasm loss, whose
 * relaxed-SIMD fused multiply-add (where the engine has it) may round otherwise on another CPU,
 * so the last bits may differ there (see `fit`'s `backend`).
 *
 * @param path The CSV file (numeric features, any label values).
 * @param options Label column, optimiser, penalty, preprocessing, block size, seed.
 * @returns The model and its per-epoch history, like `fit`, with `fit`'s warnings for a class
 *   without or with very few training rows, raw features beyond 1e6 in magnitude when not
 *   standardised, and an objective that ended above twice epoch 1's (not its check for separable
 *   data, which would take another pass over the file).
 * @throws {TypeError} If the file cannot be read, or an option (or a field of `optimizer` or
 *   `penalty`) is unknown.
 * @throws {SyntaxError} If a cell is not a number (naming file, line and column).
 * @throws {RangeError} If an option is out of range, the file has fewer than two classes,
 *   training diverges, or an epoch reads another number of rows than the first pass (the file
 *   changed).
 *
 * @example Stream a small file
 * ```ts
 * import { fitStream } from "./fit_stream.ts";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".csv" });
 * const lines = ["x,y"];
 * for (let i = 0; i < 200; i++) lines.push(`${i % 2 ? 1 + i / 400 : -1 - i / 400},${i % 2}`);
 * await Deno.writeTextFile(file, lines.join("\n"));
 * const { model } = await fitStream(file, { optimizer: { kind: "sgd", epochs: 3 } });
 * assert.ok(model.weights.data[0] > 0);
 * await Deno.remove(file);
 * ```
 */
export async function fitStream(
  path: string | URL,
  options: FitStreamOptions = {},
): Promise<FitResult> {
  const action = "fit model from stream";
  const nested = nestedOptionHint(options, FIT_STREAM_OPTION_KEYS, ["sgd", "adam"]);
  checkOptionKeys(
    action,
    options,
    FIT_STREAM_OPTION_KEYS,
    "options",
    (key) =>
      key === "sampleWeight" || key === "classWeight"
        ? "streaming training does not take sample or class weights; fit does"
        : nested(key),
  );
  const optimizer = options.optimizer ?? { kind: "sgd", epochs: 5 };
  if (optimizer.kind !== "sgd" && optimizer.kind !== "adam") {
    throw new RangeError(
      `Cannot ${action}: streaming trains with sgd or adam, got '${
        (optimizer as { kind: string }).kind
      }'`,
    );
  }
  checkOptimizer(action, optimizer);
  checkSeed(action, options.seed);
  if (options.penalty !== undefined && typeof options.penalty !== "function") {
    checkPenalty(action, options.penalty);
  }
  const requestedLink = options.link ?? "auto";
  checkLinkOption(action, requestedLink);
  const requestedPreprocessing = options.preprocessing ?? "standardize";
  if (requestedPreprocessing !== "standardize" && requestedPreprocessing !== "none") {
    throw new RangeError(
      `Cannot ${action}: preprocessing must be standardize or none, got ${
        describe(requestedPreprocessing)
      }`,
    );
  }
  const blockRows = options.blockRows ?? DEFAULT_BLOCK_ROWS;
  assertInRange(action, "blockRows", blockRows, 1, 2 ** 24, true);
  const epochs = optimizer.epochs ?? 20;
  assertInRange(action, "optimizer.epochs", epochs, 1, 1e6, true);
  // 64 rows, or a block's when it holds fewer (as fit takes the data's).
  const batchSize = optimizer.batchSize ?? Math.min(64, blockRows);
  assertInRange(action, "optimizer.batchSize", batchSize, 1, blockRows, true);

  const csv = {
    label: options.label,
    header: options.header,
    delimiter: options.delimiter,
    chunkBytes: options.chunkBytes,
    rowFilter: options.rowFilter,
  };
  // The statistics of the float32 values training reads: a column constant in float32 then
  // standardises to exactly 0, as in-memory training on float32 data does.
  const scan = await scanCsv(path, { ...csv, dtype: "float32" });
  options.onScan?.({ rows: scan.rows, classes: scan.classes, featureNames: scan.featureNames });
  const nClasses = scan.classes.length;
  if (nClasses < 2) {
    throw new RangeError(
      `Cannot ${action}: the labels hold a single class (${
        quotedText(scan.classes[0])
      }); at least two are needed`,
    );
  }
  const link = resolveLink(action, requestedLink, nClasses);
  const nOut = link === "sigmoid" ? 1 : nClasses;
  const d = scan.featureNames.length;
  if (options.validation) {
    checkValidation(action, options.validation, d, "the file has", nClasses);
  }
  const preprocessing: Preprocessing = requestedPreprocessing === "standardize"
    ? { kind: "standardize", mean: scan.mean, scale: scan.scale }
    : { kind: "none" };
  const penalty = typeof options.penalty === "function"
    ? options.penalty(scan.rows)
    : options.penalty ?? { kind: "l2", lambda: 1 / scan.rows };
  checkPenalty(action, penalty);
  const { l1, l2 } = penaltyStrengths(penalty);

  const block = Math.min(blockRows, scan.rows);
  const engine = createLossEngine(
    { data: new Float32Array(block * d), rows: block, cols: d },
    new Int32Array(block),
    link,
    nOut,
    {
      threads: 1,
      standardize: preprocessing.kind === "standardize" ? preprocessing : undefined,
    },
  );
  const xs = new Float32Array(block * d), ys = new Int32Array(block);
  const w = new Float64Array(nOut * d), b = new Float64Array(nOut);
  const gw = new Float64Array(nOut * d), gb = new Float64Array(nOut);
  const vw = new Float64Array(nOut * d), vb = new Float64Array(nOut);
  const adam = optimizer.kind === "adam";
  const sw = adam ? new Float64Array(nOut * d) : null, sb = adam ? new Float64Array(nOut) : null;
  let lr = optimizer.learningRate ?? (adam ? 0.001 : 0.1);
  const decay = optimizer.learningRateDecay ?? 1;
  const momentum = optimizer.kind === "sgd" ? optimizer.momentum ?? 0.9 : 0;
  const beta1 = optimizer.kind === "adam" ? optimizer.beta1 ?? 0.9 : 0;
  const beta2 = optimizer.kind === "adam" ? optimizer.beta2 ?? 0.999 : 0;
  const eps = optimizer.kind === "adam" ? optimizer.epsilon ?? 1e-8 : 0;
  const prng = createPrng(options.seed ?? 0);
  const order = new Int32Array(block);
  const history: EpochRecord[] = [];
  // Read in epoch 1, for the warnings `fit` gives: samples per class, largest raw magnitude.
  const counts = new Float64Array(nClasses);
  let big = 0;
  const started = performance.now();
  let step = 0;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let lossSum = 0, correct = 0, seen = 0, filled = 0;
      const train = () => {
        engine.load({ data: xs.subarray(0, filled * d), rows: filled, cols: d }, ys);
        for (let i = 0; i < filled; i++) order[i] = i;
        shuffleInPlace(order.subarray(0, filled), prng);
        for (let start = 0; start < filled; start += batchSize) {
          const end = Math.min(filled, start + batchSize);
          gw.fill(0);
          gb.fill(0);
          const r = engine.accumulate(order, start, end, w, b, gw, gb);
          lossSum += r.loss;
          correct += r.correct;
          const inv = 1 / (end - start);
          for (let i = 0; i < gw.length; i++) gw[i] = gw[i] * inv + l2 * w[i];
          for (let c = 0; c < nOut; c++) gb[c] *= inv;
          step++;
          if (adam) {
            const c1 = 1 / (1 - beta1 ** step), c2 = 1 / (1 - beta2 ** step);
            adamUpdate(w, gw, vw, sw!, lr, beta1, beta2, eps, c1, c2, l1, null);
            adamUpdate(b, gb, vb, sb!, lr, beta1, beta2, eps, c1, c2, 0, null);
          } else {
            sgdUpdate(w, gw, vw, lr, momentum, l1, null);
            sgdUpdate(b, gb, vb, lr, momentum, 0, null);
          }
        }
        seen += filled;
        filled = 0;
      };
      for await (
        const batch of readCsvBatches(path, { ...csv, batchSize: 4096, dtype: "float32" })
      ) {
        for (let i = 0; i < batch.x.rows; i++) {
          const c = scan.classOf(batch.labels[i]);
          if (c < 0) {
            throw new RangeError(
              `Cannot ${action}: label ${quotedText(batch.labels[i])} on line ${
                batch.lines[i]
              } was not in the first pass (the file changed?)`,
            );
          }
          const row = batch.x.data.subarray(i * d, (i + 1) * d);
          if (epoch === 1) {
            counts[c]++;
            if (preprocessing.kind === "none") {
              for (let j = 0; j < d; j++) big = Math.max(big, Math.abs(row[j]));
            }
          }
          xs.set(row, filled * d);
          ys[filled] = c;
          if (++filled === block) train();
        }
      }
      if (filled > 0) train();
      // A file appended to (or rewritten) since the first pass: the epochs would train on rows
      // that the standardisation, the default lambda and the class counts never saw.
      if (seen !== scan.rows) {
        throw new RangeError(
          `Cannot ${action}: '${pathText(path)}' changed while it was read: its first pass had ` +
            `${scan.rows} rows, epoch ${epoch} read ${seen}; train from a file that is not being ` +
            "written (or a copy of it)",
        );
      }
      const trainLoss = lossSum / seen;
      let reg = 0, abs = 0;
      for (const v of w) {
        reg += v * v;
        abs += Math.abs(v);
      }
      const objective = trainLoss + 0.5 * l2 * reg + l1 * abs;
      // The objective leaves the bias out, which the epoch's last step may have overflowed.
      const bad = Number.isFinite(objective) ? b.find((v) => !Number.isFinite(v)) : undefined;
      if (!Number.isFinite(objective) || bad !== undefined) {
        throw new RangeError(
          `Cannot ${action}: training diverged (${bad === undefined ? "objective" : "bias"} ${
            bad ?? objective
          } at epoch ${epoch}); lower the learning rate`,
        );
      }
      const rec: EpochRecord = {
        epoch,
        trainLoss,
        trainAccuracy: correct / seen,
        objective,
        ...(options.validation
          ? validationMetrics(options.validation, preprocessing, w, b, link)
          : {}),
        seconds: (performance.now() - started) / 1000,
      };
      history.push(rec);
      options.onProgress?.({ ...rec, totalEpochs: epochs });
      lr *= decay;
    }
  } finally {
    engine.close();
  }
  // -0 -> 0, so JSON (which has no -0) round-trips exactly.
  for (let i = 0; i < w.length; i++) w[i] += 0;
  for (let c = 0; c < b.length; c++) b[c] += 0;
  const scale = scaleWarning(big), rise = objectiveRiseWarning(history);
  const warnings = [
    ...(scale === null ? [] : [scale]),
    ...classBalanceWarnings(counts, scan.classes),
    ...(rise === null ? [] : [rise]),
  ];
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link,
    weights: { data: w, rows: nOut, cols: d },
    bias: b,
    classes: scan.classes,
    featureNames: scan.featureNames,
    preprocessing,
  };
  const file = pathText(path);
  return {
    model,
    history,
    converged: true,
    stopReason: `ran ${counted(epochs, "epoch")} over ${
      counted(scan.rows, "row")
    } streamed from ${file}`,
    warnings,
  };
}

function validationMetrics(
  v: { readonly x: Matrix; readonly y: Int32Array },
  prep: Preprocessing,
  w: Float64Array,
  b: Float64Array,
  link: Link,
): { validationLoss: number; validationAccuracy: number } {
  const { rows: n, cols: d } = v.x;
  const x = Float64Array.from(v.x.data);
  if (prep.kind === "standardize") {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x[i * d + j] = (x[i * d + j] - prep.mean[j]) / prep.scale[j];
    }
  }
  const r = accumulateLoss(
    { data: x, rows: n, cols: d },
    v.y,
    null,
    0,
    n,
    w,
    b,
    link,
    null,
    null,
    new Float64Array(b.length),
  );
  return { validationLoss: r.loss / n, validationAccuracy: r.correct / n };
}
