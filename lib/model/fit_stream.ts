/**
 * Training from a CSV file too large for memory: mini-batch SGD or Adam over batches streamed
 * from disk, each epoch one pass over the file. A first pass counts rows and finds the classes
 * and the standardisation; rows are then read in blocks of `blockRows`, each block shuffled
 * (seeded) and cut into mini-batches that the WebAssembly loss engine scores. Memory holds one
 * block and one read chunk, whatever the file's size. Rows may be weighted by class
 * (`classWeight`) and one by one (`sampleWeight`, a function of each batch read), as `fit`
 * weighs them.
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
import {
  type CsvBatch,
  type LabelledCsvOptions,
  readCsvBatches,
  scanCsv,
} from "../data/csv_stream.ts";
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
  zeroWeightClassWarnings,
} from "./fit.ts";
import { checkWeightSum, perClassWeights, unitScale } from "./weights.ts";
import { accumulateLoss } from "./loss.ts";
import {
  type Link,
  type LogisticModel,
  MODEL_VERSION,
  type Penalty,
  penaltyStrengths,
} from "./types.ts";
import { adamUpdate, sgdUpdate } from "./updates.ts";

/** What the first pass over the file found, as `onScan` and a `classWeight` function get it. */
export interface StreamScan {
  /** Rows that `rowFilter` keeps. */
  readonly rows: number;
  /** Their class labels. */
  readonly classes: readonly string[];
  /** Their rows of each class, in `classes` order. */
  readonly classCounts: Float64Array;
  /** The feature columns' names. */
  readonly featureNames: readonly string[];
}

/**
 * Options for {@linkcode fitStream}. Weights mean what `fit`'s `sampleWeight` and `classWeight`
 * mean: training minimises the weighted mean log loss, a row's weight being its `sampleWeight`
 * times its class's `classWeight`, and SGD and Adam take a mini-batch B's gradient as
 * `sum_B s_i g_i / (|B| * mean(s))`, so integer weights train in expectation as rows repeated.
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
   * rows `rowFilter` keeps: their count, classes (and rows of each) and feature names. Throw
   * from it to stop (a caller's own checks of the data, made before the training's cost is paid).
   * @default {none}
   */
  onScan?: (scan: StreamScan) => void;
  /**
   * A weight per class, as `fit`'s `classWeight`: an object from class labels to finite weights
   * >= 0 (classes left out weigh 1), or `"balanced"`, `nSamples / (nClasses * count_c)` from the
   * rows of each class that the first pass counts (no pass of its own). Or a function that makes
   * either from that pass (after `onScan`), when the classes are not known before it.
   * @default {none (every class weighs 1)}
   */
  classWeight?:
    | "balanced"
    | Readonly<Record<string, number>>
    | ((scan: StreamScan) => "balanced" | Readonly<Record<string, number>>);
  /**
   * The weights of a batch's rows: called with each batch read from the file (float32 features,
   * label cells and line numbers of up to 4096 rows that `rowFilter` keeps), it returns one
   * finite weight >= 0 per row. It costs one more pass over the file, before training (for the
   * weights' sum and largest), and is called again in every epoch, where it must give each row
   * the same weight (each epoch's weights are checked as that pass's, and their sum against its).
   * With `weightColumn`, the batches hold that column's values (`weights`).
   * @default {the rows' values of `weightColumn`; without it, none (every row counts once)}
   */
  sampleWeight?: (batch: CsvBatch) => ArrayLike<number>;
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
  classWeight: true,
  sampleWeight: true,
  weightColumn: true,
};

/**
 * Fits a logistic-regression model by streaming a CSV file. The same file, options and seed give
 * the same model bit for bit on one engine and CPU; it always trains with the wasm loss, whose
 * relaxed-SIMD fused multiply-add (where the engine has it) may round otherwise on another CPU,
 * so the last bits may differ there (see `fit`'s `backend`).
 *
 * @param path The CSV file (numeric features, any label values).
 * @param options Label column, optimiser, penalty, preprocessing, block size, seed, weights.
 * @returns The model and its per-epoch history, like `fit`, with `fit`'s warnings for a class
 *   without or with very few training rows or whose rows all weigh 0, raw features beyond 1e6 in magnitude when not
 *   standardised, and an objective that ended above twice epoch 1's (not its check for separable
 *   data, which would take another pass over the file).
 * @throws {TypeError} If the file cannot be read, an option (or a field of `optimizer` or
 *   `penalty`) is unknown, or `sampleWeight` returns other than one weight per row of a batch
 *   (in any pass, naming the batch's lines).
 * @throws {SyntaxError} If a cell is not a number (naming file, line and column).
 * @throws {RangeError} If an option is out of range, the file has fewer than two classes,
 *   training diverges, an epoch reads another number of rows than the first pass (the file
 *   changed), a weight is negative or not finite (naming its line, and the epoch after the pass
 *   before training), every row weighs 0, or
 *   `sampleWeight` gives an epoch other weights than the pass before training.
 *
 * @example Stream a small file
 * ```ts
 * import { fitStream } from "./fit_stream.ts";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".csv" });
 * try {
 *   const lines = ["x,y"];
 *   for (let i = 0; i < 200; i++) lines.push(`${i % 2 ? 1 + i / 400 : -1 - i / 400},${i % 2}`);
 *   await Deno.writeTextFile(file, lines.join("\n"));
 *   const { model } = await fitStream(file, { optimizer: { kind: "sgd", epochs: 3 } });
 *   assert.ok(model.weights.data[0] > 0);
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export async function fitStream(
  path: string | URL,
  options: FitStreamOptions = {},
): Promise<FitResult> {
  const action = "fit model from stream";
  const nested = nestedOptionHint(options, FIT_STREAM_OPTION_KEYS, ["sgd", "adam"]);
  checkOptionKeys(action, options, FIT_STREAM_OPTION_KEYS, "options", nested);
  if (options.sampleWeight !== undefined && typeof options.sampleWeight !== "function") {
    throw new TypeError(
      `Cannot ${action}: sampleWeight must be a function from a batch of rows to their weights, ` +
        `got ${describe(options.sampleWeight)}`,
    );
  }
  const cw: unknown = options.classWeight;
  if (cw !== undefined && typeof cw !== "function") {
    // Its form and numbers, before the first pass over the file (which may take long): only its
    // class names wait for the classes that pass finds.
    const named = typeof cw === "object" && cw !== null ? Object.keys(cw) : [];
    perClassWeights(cw, named, new Float64Array(named.length), action);
  }
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
    weightColumn: options.weightColumn,
  };
  // The statistics of the float32 values training reads: a column constant in float32 then
  // standardises to exactly 0, as in-memory training on float32 data does.
  const scan = await scanCsv(path, { ...csv, dtype: "float32" });
  const found: StreamScan = {
    rows: scan.rows,
    classes: scan.classes,
    classCounts: scan.classCounts,
    featureNames: scan.featureNames,
  };
  options.onScan?.(found);
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
  const weighting = await streamWeights(path, csv, options, found, scan.classOf, action);

  const block = Math.min(blockRows, scan.rows);
  const engine = createLossEngine(
    { data: new Float32Array(block * d), rows: block, cols: d },
    new Int32Array(block),
    link,
    nOut,
    {
      threads: 1,
      standardize: preprocessing.kind === "standardize" ? preprocessing : undefined,
      ...(weighting === null ? {} : { sampleWeight: new Float64Array(block) }),
    },
  );
  const xs = new Float32Array(block * d), ys = new Int32Array(block);
  // Each row's weight scaled by weighting.pre * weighting.scale, as fit scales its weights.
  const ss = weighting === null ? null : new Float64Array(block);
  // A batch's weighted gradient sum is divided by |B| * mean(s), as in fit.
  const meanWeight = weighting === null ? 1 : weighting.sum / scan.rows;
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
  // With weights, the sum of each class's (unscaled) row weights, for the warning on a class
  // that weighs 0.
  const weighed = new Float64Array(nClasses);
  let big = 0;
  const started = performance.now();
  let step = 0;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let lossSum = 0, correct = 0, seen = 0, filled = 0, rawSum = 0;
      const train = () => {
        const rows = { data: xs.subarray(0, filled * d), rows: filled, cols: d };
        if (ss === null) engine.load(rows, ys);
        else engine.load(rows, ys, ss.subarray(0, filled));
        for (let i = 0; i < filled; i++) order[i] = i;
        shuffleInPlace(order.subarray(0, filled), prng);
        for (let start = 0; start < filled; start += batchSize) {
          const end = Math.min(filled, start + batchSize);
          gw.fill(0);
          gb.fill(0);
          const r = engine.accumulate(order, start, end, w, b, gw, gb);
          lossSum += r.loss;
          correct += r.correct;
          const inv = ss === null ? 1 / (end - start) : 1 / ((end - start) * meanWeight);
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
        const batch of readCsvBatches(path, { ...csv, batchSize: BATCH_ROWS, dtype: "float32" })
      ) {
        // Checked as in the pass before training: a weight gone bad in a later epoch reached the
        // engine, which named its place in the block, not its line (and null read as all 1).
        const given = weighting?.rowWeights
          ? batchWeights(weighting.rowWeights, batch, action, epoch, rowWeightsName(options))
          : null;
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
          if (ss !== null) {
            const s = (given === null ? 1 : given[i]) * weighting!.perClass[c];
            rawSum += s;
            if (epoch === 1) weighed[c] += s;
            ss[filled] = s * weighting!.pre * weighting!.scale;
          }
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
      if (weighting?.rowWeights && rawSum !== weighting.rawSum) {
        throw new RangeError(
          `Cannot ${action}: ${
            rowWeightsName(options)
          } gave the rows of epoch ${epoch} weights summing to ` +
            `${rawSum}, but ${weighting.rawSum} in the pass before training; it must give each ` +
            "row the same weight every time it is called",
        );
      }
      const trainLoss = ss === null ? lossSum / seen : lossSum / weighting!.sum;
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
    ...(weighting === null ? [] : zeroWeightClassWarnings(counts, weighed, scan.classes)),
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

/** Rows of a batch read from the file (the `sampleWeight` function sees batches of this size). */
const BATCH_ROWS = 4096;

/** How `fitStream` weighs rows: per class, per row, and the power-of-two scaling of both. */
interface StreamWeighting {
  perClass: Float64Array;
  rowWeights: ((batch: CsvBatch) => ArrayLike<number>) | null;
  /** Sum of the effective weights (sampleWeight times classWeight), in file order. */
  rawSum: number;
  /** Factors that bring the largest effective weight into [1, 2) (`unitScale`). */
  pre: number;
  scale: number;
  /** Sum of the scaled weights. */
  sum: number;
}

/**
 * Resolves `classWeight` on the first pass's counts and, with `sampleWeight`, reads every
 * batch's weights once (checked, naming the line) for their sum and largest; `null` without
 * either option.
 */
async function streamWeights(
  path: string | URL,
  csv: LabelledCsvOptions,
  options: FitStreamOptions,
  scan: StreamScan,
  classOf: (label: string) => number,
  action: string,
): Promise<StreamWeighting | null> {
  const given = typeof options.classWeight === "function"
    ? options.classWeight(scan)
    : options.classWeight;
  const rowWeights = options.sampleWeight ??
    (options.weightColumn === undefined ? null : (batch: CsvBatch) => batch.weights!);
  if (given === undefined && rowWeights === null) return null;
  const perClass = given === undefined
    ? new Float64Array(scan.classes.length).fill(1)
    : perClassWeights(given, scan.classes, scan.classCounts, action);
  let rawSum = 0, max = 0;
  if (rowWeights === null) {
    for (let c = 0; c < perClass.length; c++) {
      rawSum += scan.classCounts[c] * perClass[c];
      if (perClass[c] > max) max = perClass[c];
    }
  } else {
    for await (
      const batch of readCsvBatches(path, { ...csv, batchSize: BATCH_ROWS, dtype: "float32" })
    ) {
      const values = batchWeights(rowWeights, batch, action, null, rowWeightsName(options));
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        // A label the first pass did not see (the file changed) weighed NaN: "the row weights
        // sum to NaN, beyond float64".
        const c = classOf(batch.labels[i]);
        if (c < 0) {
          throw new RangeError(
            `Cannot ${action}: label ${quotedText(batch.labels[i])} on line ${
              batch.lines[i]
            } was not in the first pass (the file changed?)`,
          );
        }
        const s = v * perClass[c];
        rawSum += s;
        if (s > max) max = s;
      }
    }
  }
  checkWeightSum(
    action,
    rawSum,
    rowWeights === null ? "classWeight" : given === undefined ? "sampleWeight" : "both",
    rowWeightsName(options),
  );
  const { pre, scale } = unitScale(max);
  return { perClass, rowWeights, rawSum, pre, scale, sum: rawSum * pre * scale };
}

/**
 * What gives the row weights, as the messages name it: `sampleWeight`, else the column
 * (`weightColumn "w"`, or `weightColumn 2` by index).
 */
function rowWeightsName(options: FitStreamOptions): string {
  const column = options.weightColumn;
  return options.sampleWeight !== undefined || column === undefined
    ? "sampleWeight"
    : `weightColumn ${typeof column === "number" ? column : quotedText(column)}`;
}

/**
 * The weights `sampleWeight` (or `weightColumn`, named by `from`) gives a batch's rows, checked:
 * one finite number >= 0 per row. `epoch` is `null` in the pass before training, else named in
 * the messages.
 */
function batchWeights(
  rowWeights: (batch: CsvBatch) => ArrayLike<number>,
  batch: CsvBatch,
  action: string,
  epoch: number | null,
  from: string,
): ArrayLike<number> {
  const w: unknown = rowWeights(batch);
  const m = batch.x.rows;
  const when = epoch === null ? "" : ` in epoch ${epoch}`;
  const arrayLike = Array.isArray(w) || (ArrayBuffer.isView(w) && !(w instanceof DataView));
  if (!arrayLike || (w as ArrayLike<unknown>).length !== m) {
    throw new TypeError(
      `Cannot ${action}: sampleWeight must return one weight per row of the batch (${m}, ` +
        `lines ${batch.lines[0]}-${batch.lines[m - 1]})${when}, got ${describe(w)}`,
    );
  }
  const values = w as ArrayLike<unknown>;
  for (let i = 0; i < m; i++) {
    const v = values[i];
    if (!(typeof v === "number" && v >= 0 && v < Infinity)) {
      throw new RangeError(
        `Cannot ${action}: ${from} gave line ${batch.lines[i]} the weight ${
          typeof v === "number" ? v : describe(v)
        }${when}; weights must be finite numbers >= 0`,
      );
    }
  }
  return values as ArrayLike<number>;
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
