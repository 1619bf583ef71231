/**
 * The part of the wasm training loss that runs on every thread: one shard of rows, in blocks,
 * each block a fused pass in wasm (scores, link and residuals in float64, gradient).
 * Shared by the calling thread and the workers so that every thread computes a shard the same
 * way, bit for bit.
 *
 * @module
 */

import type { KernelExports } from "./runtime.ts";

/** Slots of the control block (Int32 indices). */
export const CTL = {
  /** Bumped by the caller to start a task; workers wait on it. */
  generation: 0,
  /** Next shard to take (atomic counter). */
  next: 1,
  /** Workers that finished the task; the caller waits on it. */
  done: 2,
  /** 1: loss task, 2: quit. */
  task: 3,
  /** First position of the call. */
  start: 4,
  /** One past the last position. */
  end: 5,
  /** 1 if positions go through the index array. */
  indexed: 6,
  /** 1 if the gradient is wanted. */
  gradient: 7,
  /** Number of shards of the call. */
  shards: 8,
  /** Workers that are ready. */
  ready: 9,
  /** Set by a worker whose shard threw. */
  failed: 10,
  /** Size of the control block in Int32 slots. */
  size: 16,
} as const;

/**
 * Starts a loss task on the workers waiting on `ctl` (its call's positions, index flag, gradient
 * flag and shard count already set): resets the shard counter, the done count and the failure
 * flag, then bumps the generation and wakes them.
 */
export function startLossTask(ctl: Int32Array): void {
  Atomics.store(ctl, CTL.next, 0);
  Atomics.store(ctl, CTL.done, 0);
  Atomics.store(ctl, CTL.failed, 0);
  Atomics.store(ctl, CTL.task, 1);
  Atomics.add(ctl, CTL.generation, 1);
  Atomics.notify(ctl, CTL.generation);
}

/** Where everything lives in the memory, and the problem's sizes. Fixed for an engine. */
export interface ShardLayout {
  /** Control block address (Int32[CTL.size]). */
  readonly control: number;
  /** X, float32 `(n, dp)`. */
  readonly x: number;
  /** Labels, int32 `(n)`. */
  readonly y: number;
  /** Sample weights, float64 `(n)`, or 0 (or absent) for none. */
  readonly weights?: number;
  /** Row index per position, int32 `(n)` (mini-batch order). */
  readonly index: number;
  /** Weights, float32 `(k, dp)`. */
  readonly w: number;
  /** Bias, float64 `(k)`. */
  readonly b: number;
  /** Per-shard results: gradient f64 `(k, dp)`, bias gradient f64 `(k)`, loss, correct. */
  readonly out: number;
  /** Bytes per shard result. */
  readonly outStride: number;
  /**
   * Per-thread scratch: row addresses, labels, scores f64, exponentials f64, residuals f32,
   * sample weights f64.
   */
  readonly scratch: number;
  /** Bytes per thread scratch. */
  readonly scratchStride: number;
  readonly n: number;
  readonly dp: number;
  readonly k: number;
  /** 0 sigmoid, 1 softmax. */
  readonly softmax: number;
  readonly shardRows: number;
  readonly blockRows: number;
  /** 1: fetch each block's lines before its passes (see `touchRows`). */
  readonly prefetch: number;
}

/**
 * Bytes of one shard result.
 *
 * @param k Outputs.
 * @param dp Padded features.
 * @returns The stride, a multiple of 16.
 */
export function outStride(k: number, dp: number): number {
  return Math.ceil((8 * (k * dp + k + 2)) / 16) * 16;
}

/**
 * Bytes of one thread's scratch: row addresses and labels, scores, exponentials, residuals,
 * the block's sample weights.
 *
 * @param k Outputs.
 * @param blockRows Rows per block.
 * @returns The stride, a multiple of 16.
 */
export function scratchStride(k: number, blockRows: number): number {
  const B = blockRows;
  return Math.ceil((8 * B + 16 + 8 * B * k + 8 * k + 4 * B * k + 8 * B + 80) / 16) * 16;
}

/**
 * Computes shard `s` of the current call into its result slot.
 *
 * @param kx The kernel exports.
 * @param buffer The memory's buffer (current).
 * @param L The layout.
 * @param thread Which scratch to use.
 * @param s The shard.
 */
export function runShard(
  kx: KernelExports,
  buffer: ArrayBuffer,
  L: ShardLayout,
  thread: number,
  s: number,
): void {
  const ctl = new Int32Array(buffer, L.control, CTL.size);
  const start = ctl[CTL.start], end = ctl[CTL.end];
  const indexed = ctl[CTL.indexed] === 1, wantGrad = ctl[CTL.gradient] === 1;
  const k = L.k, dp = L.dp, B = L.blockRows;
  const p0 = start + s * L.shardRows;
  const p1 = Math.min(end, p0 + L.shardRows);

  const outAddr = L.out + s * L.outStride;
  const out = new Float64Array(buffer, outAddr, k * dp + k + 2);
  out.fill(0);
  const gAddr = outAddr;
  const gbAddr = outAddr + 8 * k * dp; // bias gradient, then loss and correct
  const accAddr = gbAddr + 8 * k;
  const sc = L.scratch + thread * L.scratchStride;
  const rowsAddr = sc;
  const labelsAddr = sc + 4 * B;
  const zAddr = Math.ceil((labelsAddr + 4 * B) / 16) * 16;
  const eAddr = zAddr + 8 * B * k;
  const rAddr = eAddr + 8 * k;
  const weighted = (L.weights ?? 0) !== 0;
  const swAddr = weighted ? Math.ceil((rAddr + 4 * B * k) / 16) * 16 : 0;
  const grad = wantGrad ? 1 : 0;
  for (let q0 = p0; q0 < p1; q0 += B) {
    const count = Math.min(B, p1 - q0);
    kx.rowAddresses(L.x, indexed ? L.index : 0, q0, count, dp, rowsAddr, L.y, labelsAddr);
    if (L.prefetch) kx.touchRows(rowsAddr, count, dp); // all the block's lines in flight at once
    kx.scores(rowsAddr, count, dp, L.w, k, zAddr);
    if (weighted) kx.rowWeights(L.weights!, indexed ? L.index : 0, q0, count, swAddr);
    if (L.softmax === 0) {
      kx.linkSigmoid(zAddr, count, L.b, labelsAddr, grad, rAddr, gbAddr, accAddr, swAddr);
    } else {
      kx.linkSoftmax(zAddr, count, k, L.b, labelsAddr, grad, rAddr, gbAddr, eAddr, accAddr, swAddr);
    }
    if (wantGrad) kx.gradient(rowsAddr, count, dp, rAddr, k, gAddr);
  }
}
