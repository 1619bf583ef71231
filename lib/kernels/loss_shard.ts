/**
 * The part of the wasm training loss that runs on every thread: one shard of rows, in blocks,
 * each block a fused pass (scores in wasm, link and residuals here in float64, gradient in wasm).
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
  /** Size of the control block in Int32 slots. */
  size: 16,
} as const;

/** Where everything lives in the memory, and the problem's sizes. Fixed for an engine. */
export interface ShardLayout {
  /** Control block address (Int32[CTL.size]). */
  readonly control: number;
  /** X, float32 `(n, dp)`. */
  readonly x: number;
  /** Labels, int32 `(n)`. */
  readonly y: number;
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
  /** Per-thread scratch: row addresses u32 `(block)`, scores f64 `(block, k)`, residuals f32. */
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
 * Bytes of one thread's scratch.
 *
 * @param k Outputs.
 * @param blockRows Rows per block.
 * @returns The stride, a multiple of 16.
 */
export function scratchStride(k: number, blockRows: number): number {
  return Math.ceil((4 * blockRows + 8 * blockRows * k + 4 * blockRows * k + 48) / 16) * 16;
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
  const gb = k * dp; // bias gradient offset in `out`
  const sc = L.scratch + thread * L.scratchStride;
  const rowsAddr = sc;
  const zAddr = Math.ceil((sc + 4 * B) / 16) * 16;
  const rAddr = zAddr + 8 * B * k;
  const z = new Float64Array(buffer, zAddr, B * k);
  const r = new Float32Array(buffer, rAddr, B * k);
  const y = new Int32Array(buffer, L.y, L.n);
  const index = new Int32Array(buffer, L.index, L.n);
  const b = new Float64Array(buffer, L.b, k);

  const e_ = new Float64Array(k);
  let loss = 0, correct = 0;
  for (let q0 = p0; q0 < p1; q0 += B) {
    const count = Math.min(B, p1 - q0);
    kx.rowAddresses(L.x, indexed ? L.index : 0, q0, count, dp, rowsAddr);
    kx.scores(rowsAddr, count, dp, L.w, k, zAddr);
    if (L.softmax === 0) {
      const b0 = b[0];
      for (let i = 0; i < count; i++) {
        const t = y[indexed ? index[q0 + i] : q0 + i];
        const zi = z[i] + b0;
        loss += (zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - t * zi;
        if ((zi > 0 ? 1 : 0) === t) correct++;
        if (wantGrad) {
          let p: number;
          if (zi >= 0) p = 1 / (1 + Math.exp(-zi));
          else {
            const e = Math.exp(zi);
            p = e / (1 + e);
          }
          const ri = p - t;
          r[i] = ri;
          out[gb] += ri;
        }
      }
    } else {
      for (let i = 0; i < count; i++) {
        const t = y[indexed ? index[q0 + i] : q0 + i];
        const o = i * k;
        let best = 0;
        for (let c = 0; c < k; c++) {
          const v = z[o + c] + b[c];
          z[o + c] = v;
          if (v > z[o + best]) best = c;
        }
        const m = z[o + best];
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const e = Math.exp(z[o + c] - m);
          e_[c] = e;
          sum += e;
        }
        loss += m + Math.log(sum) - z[o + t];
        if (best === t) correct++;
        if (wantGrad) {
          const inv = 1 / sum;
          for (let c = 0; c < k; c++) {
            const rc = e_[c] * inv - (c === t ? 1 : 0);
            r[o + c] = rc;
            out[gb + c] += rc;
          }
        }
      }
    }
    if (wantGrad) kx.gradient(rowsAddr, count, dp, rAddr, k, gAddr);
  }
  out[gb + k] = loss;
  out[gb + k + 1] = correct;
}
