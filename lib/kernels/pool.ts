/**
 * A synchronous pool of workers that run exported kernel functions on a shared wasm memory:
 * the calling thread writes each thread's arguments into a control block, wakes the workers,
 * runs its own share, and waits (`Atomics.wait`) until all are done. Used for batch inference
 * over row ranges; each row's result does not depend on how the rows are split.
 *
 * @module
 */

import { canStartWorker, type KernelExports } from "./runtime.ts";

/** Int32 slots per thread for arguments (the first holds their count). */
export const ARGS = 16;
/** Header slots: generation, done, ready, kernel, (unused), failed. */
export const HEAD = 8;
/** Header slot a worker sets when its kernel threw. */
export const FAILED = 5;

/** A pool of `threads - 1` workers plus the calling thread. */
export interface KernelPool {
  /** Threads that share a call. */
  readonly threads: number;
  /**
   * Runs `kernel` on every thread with its own arguments, returns when all are done.
   *
   * @param kernel An exported function name from the pool's list.
   * @param argsFor The integer arguments of thread `t` (0 is the caller).
   * @throws {RangeError} If the pool is closed, `kernel` is not in the pool's list, or the
   *   kernel threw in a worker (after every thread is done).
   */
  run(kernel: string, argsFor: (t: number) => number[]): void;
  /** Stops the workers; later runs are refused. */
  close(): void;
}

/**
 * Starts a pool; falls back to a pool of one thread if workers cannot start.
 *
 * @param kx The caller's kernel exports (thread 0).
 * @param memory The shared memory.
 * @param binary The module binary, instantiated by each worker.
 * @param control Address of `(8 + 16 * threads) * 4` bytes of the memory for the control block.
 * @param threads Threads wanted.
 * @param kernels The names the pool may run.
 * @returns The pool.
 */
export function createKernelPool(
  kx: KernelExports,
  memory: WebAssembly.Memory,
  binary: Uint8Array,
  control: number,
  threads: number,
  kernels: readonly string[],
): KernelPool {
  const ctl = () => new Int32Array(memory.buffer, control, HEAD + ARGS * threads);
  ctl().fill(0); // a reused block must not carry an old generation or ready count
  const workers: Worker[] = [];
  // Where the module was loaded from may not resolve a relative URL (a bundle imported from a
  // blob: URL in a page): then there are no workers, as without permission to start them.
  let url: URL | null = null;
  try {
    url = threads > 1 ? new URL("./pool_worker.ts", import.meta.url) : null;
  } catch {
    url = null;
  }
  if (url !== null && canStartWorker(url)) {
    try {
      for (let t = 1; t < threads; t++) {
        const w = new Worker(url, { type: "module" });
        w.postMessage({ memory, binary, control, thread: t, threads, kernels });
        workers.push(w);
      }
      const c = ctl();
      const deadline = performance.now() + 10_000;
      for (let v = Atomics.load(c, 2); v < workers.length; v = Atomics.load(c, 2)) {
        const left = deadline - performance.now();
        if (left <= 0 || Atomics.wait(c, 2, v, left) === "timed-out") {
          throw new RangeError("Cannot start workers: they did not report within 10 s");
        }
      }
    } catch {
      for (const w of workers) w.terminate();
      workers.length = 0;
    }
  }
  const n = workers.length + 1;
  let closed = false;
  return {
    threads: n,
    run(kernel, argsFor) {
      // After close the workers are gone: the caller ran its own share alone and the other rows
      // were left as they were, with no error.
      if (closed) throw new RangeError(`Cannot run kernel '${kernel}': the pool is closed`);
      // A name off the list went to the workers as id -1, their signal to quit: they left without
      // counting themselves done, and the caller waited for them forever.
      if (!kernels.includes(kernel)) {
        throw new RangeError(
          `Cannot run kernel '${kernel}': the pool runs only ${kernels.join(", ")}`,
        );
      }
      if (n === 1) {
        kx[kernel](...argsFor(0));
        return;
      }
      const c = ctl();
      const id = kernels.indexOf(kernel);
      for (let t = 1; t < n; t++) {
        const a = argsFor(t);
        c[HEAD + ARGS * t] = a.length;
        for (let i = 0; i < a.length; i++) c[HEAD + ARGS * t + 1 + i] = a[i];
      }
      c[3] = id;
      Atomics.store(c, 1, 0);
      Atomics.store(c, FAILED, 0);
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      // The workers are waited for even if the caller's share throws: they write the memory.
      try {
        kx[kernel](...argsFor(0));
      } finally {
        for (let v = Atomics.load(c, 1); v < workers.length; v = Atomics.load(c, 1)) {
          Atomics.wait(c, 1, v);
        }
      }
      if (Atomics.load(c, FAILED) !== 0) {
        throw new RangeError(`Cannot run kernel '${kernel}': it failed in a worker thread`);
      }
    },
    close() {
      closed = true;
      if (workers.length === 0) return;
      const c = ctl();
      c[3] = -1;
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      // Wait until every worker has left the control block (each takes itself off the ready
      // count): the memory may be reused for another pool as soon as this returns.
      const deadline = performance.now() + 5_000;
      for (let v = Atomics.load(c, 2); v > 0; v = Atomics.load(c, 2)) {
        const left = deadline - performance.now();
        if (left <= 0 || Atomics.wait(c, 2, v, left) === "timed-out") break;
      }
      for (const w of workers) w.terminate();
      workers.length = 0;
    },
  };
}
