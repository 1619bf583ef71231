/**
 * The training loss on WebAssembly SIMD, over both cores: the data are copied once into a
 * shared wasm memory as float32 (preprocessing applied on the way), and every call computes the
 * summed log loss and its gradient in one fused pass per block of rows. A call is cut into
 * shards of fixed size that threads take in any order; each shard has its own result slot, and
 * the slots are added in shard order, so the result does not depend on the number of threads.
 *
 * Same contract as the reference `accumulateLoss` in `lib/model/loss.ts`: sums (not means),
 * gradients added to the caller's buffers.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertInRange,
  assertLabels,
  assertMatrix,
  assertOptions,
  counted,
  describe,
} from "../core/validate.ts";
import {
  CTL,
  outStride,
  runShard,
  scratchStride,
  type ShardLayout,
  startLossTask,
} from "./loss_shard.ts";
import {
  canStartWorker,
  createWorkspace,
  instantiateKernels,
  kernelBinary,
  type KernelExports,
  kernelModule,
  relaxedSimdSupported,
  type Workspace,
} from "./runtime.ts";

/** Options for {@linkcode createLossEngine}. */
export interface LossEngineOptions {
  /**
   * Threads that share a call (the calling thread plus `threads - 1` workers). Calls shorter
   * than two shards run on the calling thread alone.
   * @default {min(navigator.hardwareConcurrency, 8)}
   */
  threads?: number;
  /**
   * Rows per shard: the unit of work of a thread, and of the fixed reduction order.
   * @default {4096}
   */
  shardRows?: number;
  /**
   * Rows per fused block (scores, link, gradient while the rows are in cache).
   * @default {64}
   */
  blockRows?: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add) when the engine supports it.
   * @default {true}
   */
  relaxed?: boolean;
  /**
   * Fetch each block's rows (one load per cache line, all in flight at once) before computing
   * on them, instead of letting the passes wait on each line from memory.
   * @default {true}
   */
  prefetch?: boolean;
  /**
   * Standardisation applied while copying: the engine sees `(x[j] - mean[j]) * (1 / scale[j])`,
   * rounded to float32 (as `applyPreprocessing` computes it).
   * @default {none}
   */
  standardize?: { readonly mean: Float64Array; readonly scale: Float64Array };
  /**
   * One weight per row, finite and >= 0: row `i`'s loss and gradient are multiplied by it (kept in
   * float64; the count of correct rows is not weighted). `load` then takes the new rows'
   * weights with them.
   * @default {none (every row counts once)}
   */
  sampleWeight?: ArrayLike<number>;
}

/** The summed loss of a call and how many samples the scores classify right. */
export interface EngineLoss {
  /** Sum of per-sample log losses, each times its sample weight if the engine has them. */
  loss: number;
  /** Samples whose highest score is their label's (not weighted). */
  correct: number;
}

/** A loss engine bound to one data set. Call {@linkcode LossEngine.close} when done. */
export interface LossEngine {
  /** Samples. */
  readonly rows: number;
  /** Features. */
  readonly cols: number;
  /** Threads in use (1 when no worker could be started or the data are small). */
  readonly threads: number;
  /** Whether the relaxed-SIMD build runs. */
  readonly relaxed: boolean;
  /**
   * Accumulates the loss over positions `start..end-1` (rows `rows[p]`, or `p` when `rows` is
   * `null`) and adds the gradient of the summed loss into `gradW`/`gradB` if given.
   *
   * @throws {TypeError} If `w` or `gradW` is not a Float64Array of at least `nOutputs * nFeatures`
   *   entries, or `b` or `gradB` one of at least `nOutputs`.
   * @throws {RangeError} If the engine is closed, `start..end` is not a range of integers
   *   within `0..rows`, or `rows[p]` is not a row index for a position in it.
   */
  accumulate(
    rows: ArrayLike<number> | null,
    start: number,
    end: number,
    w: Float64Array,
    b: Float64Array,
    gradW: Float64Array | null,
    gradB: Float64Array | null,
  ): EngineLoss;
  /**
   * Sum of outer products `sum_i x_i x_i^T` over every `step`-th row (rows 0, step, ...), at
   * most `maxRows` of them, float32 products summed in float64 per block of 64 rows.
   *
   * @returns The `(nFeatures, nFeatures)` sums row-major, the column sums, and the row count.
   * @throws {TypeError} If `step` or `maxRows` is not a number (a string "2" included).
   * @throws {RangeError} If the engine is closed, `step` is not a positive integer or `maxRows`
   *   not a non-negative integer.
   */
  gram(step: number, maxRows: number): { gram: Float64Array; sum: Float64Array; count: number };
  /**
   * Replaces the first `x.rows` rows and labels (at most the engine's rows) with new ones,
   * preprocessed like the originals: for streaming, one block of rows at a time. An engine
   * created with `sampleWeight` takes the new rows' weights too (and only it takes them).
   *
   * @throws {TypeError} If `x` is not a matrix with float data, or `sampleWeight` is given to an
   *   engine without weights, left out for one with them, or does not hold one weight per row.
   * @throws {RangeError} If the engine is closed, `x` has other columns or more rows than the
   *   engine, a label of its rows is not a class index, or a weight is not finite and >= 0.
   */
  load(x: Matrix, y: ArrayLike<number>, sampleWeight?: ArrayLike<number>): void;
  /** Stops the workers and lets the memory go. */
  close(): void;
}

/**
 * Copies a data set into a wasm workspace and returns its loss engine.
 *
 * @param x Features, shape `(nSamples, nFeatures)`.
 * @param y Class index per sample (`0/1` for sigmoid).
 * @param link `"sigmoid"` (one output) or `"softmax"`.
 * @param nOutputs Output rows of the weights: 1 for sigmoid, the number of classes for softmax.
 * @param options Threads, shard and block sizes, standardisation.
 * @returns The engine.
 * @throws {TypeError} If `options` is not an object, `x` is not a matrix with float data, `y`
 *   does not hold one label per row, or `standardize` does not hold one mean and scale per
 *   feature.
 * @throws {RangeError} If the data do not fit in a 4 GiB wasm memory, `threads` is not an
 *   integer in 1..256, `shardRows` or `blockRows` is not a positive integer, `link` is neither
 *   sigmoid nor softmax, `nOutputs` is not 1 for sigmoid or a positive integer for softmax, a
 *   label is not a class index (`0/1` for sigmoid, `0..nOutputs-1` for softmax), or a mean of
 *   `standardize` is not finite or a scale not finite and > 0, or so small (2^-1024 or less)
 *   that its reciprocal overflows, or `sampleWeight` does not hold one finite weight >= 0 per
 *   row.
 *
 * @example Loss of a zero model is n log k
 * ```ts
 * import { createLossEngine } from "./loss_engine.ts";
 * import assert from "node:assert/strict";
 *
 * const x = { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
 * const engine = createLossEngine(x, Int32Array.from([0, 1, 2]), "softmax", 3);
 * const r = engine.accumulate(null, 0, 3, new Float64Array(6), new Float64Array(3), null, null);
 * engine.close();
 * assert.ok(Math.abs(r.loss - 3 * Math.log(3)) < 1e-12);
 * ```
 */
export function createLossEngine(
  x: Matrix,
  y: ArrayLike<number>,
  link: "sigmoid" | "softmax",
  nOutputs: number,
  options: LossEngineOptions = {},
): LossEngine {
  // Checked before any worker starts: a bad label read outside the scores of its row, and an
  // error after the workers started left them running.
  const action = "create loss engine";
  assertOptions(action, options);
  if (options.threads !== undefined) {
    // Each thread is a worker: a million of them ran the process out of memory.
    assertInRange(action, "threads", options.threads, 1, 256, true);
  }
  if (link !== "sigmoid" && link !== "softmax") {
    throw new RangeError(
      `Cannot ${action}: link must be sigmoid or softmax, got ${describe(link)}`,
    );
  }
  if (link === "sigmoid" && nOutputs !== 1) {
    throw new RangeError(
      `Cannot ${action}: the sigmoid link has 1 output, got nOutputs ${nOutputs}`,
    );
  }
  assertInRange(action, "nOutputs", nOutputs, 1, 2 ** 31 - 1, true);
  assertMatrix(action, "x", x);
  assertLabels(action, y, x.rows, link === "sigmoid" ? 2 : nOutputs);
  const st = options.standardize;
  if (st !== undefined && !(st?.mean?.length === x.cols && st?.scale?.length === x.cols)) {
    throw new TypeError(
      `Cannot ${action}: standardize must hold ${x.cols} means and scales, got ${
        describe(st?.mean)
      } and ${describe(st?.scale)}`,
    );
  }
  // Copied as (x - mean) * (1 / scale): a NaN mean or a zero scale made every loss NaN, a
  // negative scale a loss of features mirrored.
  for (let j = 0; st !== undefined && j < x.cols; j++) {
    if (!Number.isFinite(st.mean[j]) || !(st.scale[j] > 0 && st.scale[j] < Infinity)) {
      throw new RangeError(
        `Cannot ${action}: standardize has mean ${st.mean[j]} and scale ${st.scale[j]} for ` +
          `feature ${j}; means must be finite and scales finite and > 0`,
      );
    }
    // As validatePreprocessing refuses it for training: a subnormal scale of 2^-1024 or less
    // has an infinite reciprocal, and the loss was NaN.
    if (1 / st.scale[j] === Infinity) {
      throw new RangeError(
        `Cannot ${action}: standardize has scale ${st.scale[j]} for feature ${j}, whose ` +
          "reciprocal overflows; scales must be above 2^-1024 (about 5.6e-309)",
      );
    }
  }
  const sw = options.sampleWeight;
  if (sw !== undefined) {
    if (typeof sw !== "object" || sw === null || sw.length !== x.rows) {
      throw new TypeError(
        `Cannot ${action}: sampleWeight must hold one weight per row of x (${x.rows}), got ${
          describe(sw)
        }`,
      );
    }
    for (let i = 0; i < x.rows; i++) {
      if (!(sw[i] >= 0 && sw[i] < Infinity)) {
        throw new RangeError(
          `Cannot ${action}: sampleWeight[${i}] is ${sw[i]}; weights must be finite and >= 0`,
        );
      }
    }
  }
  const n = x.rows, d = x.cols, k = nOutputs;
  const dp = Math.ceil(d / 8) * 8;
  const shardRows = options.shardRows ?? 4096;
  const blockRows = options.blockRows ?? 64;
  // The shard and block loops step by them: 0 or a negative block never ended, a fraction or an
  // infinite shard skipped rows (a wrong loss), a negative shard failed on a typed array length.
  assertInRange(action, "shardRows", shardRows, 1, 2 ** 31 - 1, true);
  assertInRange(action, "blockRows", blockRows, 1, 2 ** 31 - 1, true);
  const maxThreads = Math.max(
    1,
    Math.floor(options.threads ?? Math.min(navigator.hardwareConcurrency ?? 1, 8)),
  );
  const threads = n >= 2 * shardRows ? maxThreads : 1;
  const relaxed = (options.relaxed ?? true) && relaxedSimdSupported();
  const maxShards = Math.max(1, Math.ceil(n / shardRows));

  const ws: Workspace = createWorkspace(
    4 * n * dp + 8 * n + (sw === undefined ? 0 : 8 * n + 16) + 4 * k * dp +
      maxShards * outStride(k, dp) + threads * scratchStride(k, blockRows) + 4096,
  );
  const layout: ShardLayout = {
    control: ws.alloc(4 * CTL.size),
    x: ws.alloc(4 * n * dp),
    y: ws.alloc(4 * n),
    weights: sw === undefined ? 0 : ws.alloc(8 * n),
    index: ws.alloc(4 * n),
    w: ws.alloc(4 * k * dp),
    b: ws.alloc(8 * k),
    out: ws.alloc(maxShards * outStride(k, dp)),
    outStride: outStride(k, dp),
    scratch: ws.alloc(threads * scratchStride(k, blockRows)),
    scratchStride: scratchStride(k, blockRows),
    n,
    dp,
    k,
    softmax: link === "softmax" ? 1 : 0,
    shardRows,
    blockRows,
    prefetch: options.prefetch === false ? 0 : 1,
  };
  // Workers start (load, compile) while the data are copied.
  const pending = spawnWorkers(threads - 1, ws, layout, kernelBinary("train", relaxed));
  copyFeatures(x, ws.f32(layout.x, n * dp), dp, options.standardize);
  const yv = ws.i32(layout.y, n);
  for (let i = 0; i < n; i++) yv[i] = y[i];
  if (sw !== undefined) {
    const wv = ws.f64(layout.weights!, n);
    for (let i = 0; i < n; i++) wv[i] = sw[i];
  }

  const kx: KernelExports = instantiateKernels(kernelModule("train", relaxed), ws.memory);
  const workers = awaitWorkers(pending, ws, layout);
  let closed = false;

  const accumulate: LossEngine["accumulate"] = (rows, start, end, w, b, gradW, gradB) => {
    if (closed) throw new RangeError("Cannot compute loss: the engine is closed");
    // A position or row outside the data made a thread read outside the memory: the trap
    // stopped a worker and the caller waited for it forever.
    if (
      !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)
    ) {
      throw new RangeError(
        `Cannot compute loss: positions ${start}..${end} are not a range within 0..${n}`,
      );
    }
    // A short bias left the previous call's values in the engine's copy; a short weight array
    // read as NaN.
    const buffers = [["w", w, k * d], ["b", b, k], ["gradW", gradW, k * d], ["gradB", gradB, k]];
    for (const [name, v, size] of buffers as [string, Float64Array | null, number][]) {
      if (v !== null && !(v instanceof Float64Array && v.length >= size)) {
        throw new TypeError(
          `Cannot compute loss: ${name} must be a Float64Array of at least ${
            counted(size, "entry", { plural: "entries" })
          }, got ${describe(v)}`,
        );
      }
    }
    const buffer = ws.memory.buffer as unknown as ArrayBuffer;
    const wf = new Float32Array(buffer, layout.w, k * dp);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        // Flush float32 denormals: as operands they cost ~100 cycles each on x86.
        const v = w[c * d + j];
        wf[c * dp + j] = Math.abs(v) < 1.1754943508222875e-38 ? 0 : v;
      }
    }
    new Float64Array(buffer, layout.b, k).set(b.subarray(0, k));
    if (rows !== null) {
      const idx = new Int32Array(buffer, layout.index, n);
      for (let p = start; p < end; p++) {
        const r = rows[p];
        if (!(Number.isInteger(r) && r >= 0 && r < n)) {
          throw new RangeError(`Cannot compute loss: rows[${p}] is ${r}, not a row in 0..${n - 1}`);
        }
        idx[p] = r;
      }
    }
    const ctl = new Int32Array(buffer, layout.control, CTL.size);
    const shards = Math.ceil((end - start) / shardRows);
    ctl[CTL.start] = start;
    ctl[CTL.end] = end;
    ctl[CTL.indexed] = rows === null ? 0 : 1;
    ctl[CTL.gradient] = gradW !== null ? 1 : 0;
    ctl[CTL.shards] = shards;
    if (workers.length > 0 && shards >= 2) {
      startLossTask(ctl);
      // The workers are waited for even if the caller's shards throw: they write the memory.
      try {
        for (
          let s = Atomics.add(ctl, CTL.next, 1);
          s < shards;
          s = Atomics.add(ctl, CTL.next, 1)
        ) {
          runShard(kx, buffer, layout, 0, s);
        }
      } finally {
        for (
          let v = Atomics.load(ctl, CTL.done);
          v < workers.length;
          v = Atomics.load(ctl, CTL.done)
        ) {
          Atomics.wait(ctl, CTL.done, v);
        }
      }
      if (Atomics.load(ctl, CTL.failed) !== 0) {
        throw new RangeError("Cannot compute loss: a shard failed in a worker thread");
      }
    } else {
      for (let s = 0; s < shards; s++) runShard(kx, buffer, layout, 0, s);
    }
    // Fixed reduction order: shard 0, 1, 2, ...
    let loss = 0, correct = 0;
    const stride = layout.outStride / 8;
    const all = new Float64Array(buffer, layout.out, shards * stride);
    if (gradW !== null && shards > 1) {
      for (let s = 1; s < shards; s++) {
        const o = s * stride;
        for (let i = 0; i < k * dp + k; i++) all[i] += all[o + i];
      }
    }
    for (let s = 0; s < shards; s++) {
      loss += all[s * stride + k * dp + k];
      correct += all[s * stride + k * dp + k + 1];
    }
    // An empty call has no shard: nothing to add (slot 0 was not written).
    if (gradW !== null && shards > 0) {
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < d; j++) gradW[c * d + j] += all[c * dp + j];
      }
      if (gradB !== null) { for (let c = 0; c < k; c++) gradB[c] += all[k * dp + c]; }
    }
    return { loss, correct };
  };

  const gram: LossEngine["gram"] = (step, maxRows) => {
    // As accumulate and load: a closed engine's memory is no longer the caller's to read.
    if (closed) throw new RangeError("Cannot compute gram: the engine is closed");
    // Row (q + i) * step: a step of 0 summed row 0 maxRows times, 1.5 read from the middle of a
    // row, a negative step or a NaN maxRows returned a negative or NaN count.
    assertInRange("compute gram", "step", step, 1, 2 ** 31 - 1, true);
    assertInRange("compute gram", "maxRows", maxRows, 0, 2 ** 31 - 1, true);
    const count = Math.min(maxRows, Math.ceil(n / step));
    const mark = ws.mark();
    const B = 64;
    const sub = ws.alloc(4 * B * dp), rowsAddr = ws.alloc(4 * B), g = ws.alloc(8 * dp * dp);
    const buffer = ws.memory.buffer as unknown as ArrayBuffer;
    const xs = new Float32Array(buffer, layout.x, n * dp);
    const sv = new Float32Array(buffer, sub, B * dp);
    const ra = new Uint32Array(buffer, rowsAddr, B);
    const gv = new Float64Array(buffer, g, dp * dp);
    gv.fill(0);
    const sum = new Float64Array(d);
    for (let q = 0; q < count; q += B) {
      const m = Math.min(B, count - q);
      for (let i = 0; i < m; i++) {
        const row = (q + i) * step;
        sv.set(xs.subarray(row * dp, (row + 1) * dp), i * dp);
        ra[i] = sub + i * dp * 4;
        for (let j = 0; j < d; j++) sum[j] += sv[i * dp + j];
      }
      kx.gramLower(rowsAddr, m, dp, sub, g);
    }
    const out = new Float64Array(d * d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) out[a * d + b] = out[b * d + a] = gv[a * dp + b];
    }
    ws.release(mark);
    return { gram: out, sum, count };
  };

  const load: LossEngine["load"] = (xs, ys, weights) => {
    // As accumulate: loading into a closed engine wrote into its memory without a word.
    if (closed) throw new RangeError("Cannot load rows: the engine is closed");
    // Rows without weights in an engine with them would keep the weights of the rows they
    // replace; weights in an engine without them have nowhere to go.
    if ((sw === undefined) !== (weights === undefined)) {
      throw new TypeError(
        sw === undefined
          ? "Cannot load rows: the engine was created without sample weights; it takes none"
          : "Cannot load rows: the engine has sample weights; give one per loaded row",
      );
    }
    assertMatrix("load rows", "x", xs);
    if (xs.cols !== d || xs.rows > n) {
      throw new RangeError(
        `Cannot load rows: the engine holds up to ${n} x ${d}, got ${xs.rows} x ${xs.cols}`,
      );
    }
    const classes = link === "sigmoid" ? 2 : k;
    for (let i = 0; i < xs.rows; i++) {
      if (!(Number.isInteger(ys[i]) && ys[i] >= 0 && ys[i] < classes)) {
        throw new RangeError(
          `Cannot load rows: label at row ${i} is ${ys[i]}, expected in 0..${classes - 1}`,
        );
      }
    }
    if (weights !== undefined) {
      if (typeof weights !== "object" || weights === null || weights.length !== xs.rows) {
        throw new TypeError(
          `Cannot load rows: sampleWeight must hold one weight per row of x (${xs.rows}), got ${
            describe(weights)
          }`,
        );
      }
      for (let i = 0; i < xs.rows; i++) {
        if (!(weights[i] >= 0 && weights[i] < Infinity)) {
          throw new RangeError(
            `Cannot load rows: sampleWeight[${i}] is ${
              weights[i]
            }; weights must be finite and >= 0`,
          );
        }
      }
    }
    copyFeatures(xs, ws.f32(layout.x, xs.rows * dp), dp, options.standardize);
    const yv = ws.i32(layout.y, xs.rows);
    for (let i = 0; i < xs.rows; i++) yv[i] = ys[i];
    if (weights !== undefined) {
      const wv = ws.f64(layout.weights!, xs.rows);
      for (let i = 0; i < xs.rows; i++) wv[i] = weights[i];
    }
  };

  return {
    rows: n,
    cols: d,
    threads: workers.length + 1,
    relaxed,
    accumulate,
    gram,
    load,
    close() {
      if (closed) return;
      closed = true;
      if (workers.length > 0) {
        const ctl = ws.i32(layout.control, CTL.size);
        Atomics.store(ctl, CTL.task, 2);
        Atomics.add(ctl, CTL.generation, 1);
        Atomics.notify(ctl, CTL.generation);
        for (const w of workers) w.terminate();
      }
    },
  };
}

function copyFeatures(
  x: Matrix,
  out: Float32Array,
  dp: number,
  standardize: LossEngineOptions["standardize"],
): void {
  const { rows: n, cols: d, data } = x;
  if (!standardize) {
    if (d === dp && data instanceof Float32Array) out.set(data);
    else for (let i = 0; i < n; i++) out.set(data.subarray(i * d, (i + 1) * d), i * dp);
    return;
  }
  const { mean } = standardize;
  const inv = standardize.scale.map((s) => 1 / s);
  for (let i = 0; i < n; i++) {
    const o = i * d, q = i * dp;
    if (data instanceof Float32Array) {
      // Round to float32 first, as applyPreprocessing does on a Float32 copy.
      for (let j = 0; j < d; j++) out[q + j] = (data[o + j] - mean[j]) * inv[j];
    } else {
      for (let j = 0; j < d; j++) out[q + j] = (data[o + j] - mean[j]) * inv[j];
    }
  }
}

function spawnWorkers(
  count: number,
  ws: Workspace,
  layout: ShardLayout,
  binary: Uint8Array,
): Worker[] {
  const url = new URL("./loss_worker.ts", import.meta.url);
  if (count <= 0 || !canStartWorker(url)) return [];
  const workers: Worker[] = [];
  try {
    for (let t = 1; t <= count; t++) {
      const w = new Worker(url, { type: "module" });
      w.postMessage({ memory: ws.memory, binary, layout, thread: t });
      workers.push(w);
    }
  } catch {
    for (const w of workers) w.terminate();
    return []; // no worker permission or support: single thread
  }
  return workers;
}

function awaitWorkers(workers: Worker[], ws: Workspace, layout: ShardLayout): Worker[] {
  if (workers.length === 0) return [];
  const ctl = ws.i32(layout.control, CTL.size);
  const deadline = performance.now() + 10_000;
  for (let v = Atomics.load(ctl, CTL.ready); v < workers.length; v = Atomics.load(ctl, CTL.ready)) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(ctl, CTL.ready, v, left) === "timed-out") {
      for (const w of workers) w.terminate();
      return [];
    }
  }
  return workers;
}
