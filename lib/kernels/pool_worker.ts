/**
 * Worker of `createKernelPool`: runs the kernel named in the control block with its own
 * arguments each time the generation changes.
 *
 * @module
 */

import { ARGS, FAILED, HEAD } from "./pool.ts";
import { instantiateKernels } from "./runtime.ts";

interface Init {
  memory: WebAssembly.Memory;
  binary: Uint8Array;
  control: number;
  thread: number;
  threads: number;
  kernels: string[];
}

declare const self: { onmessage: ((e: MessageEvent<Init>) => void) | null; close(): void };

self.onmessage = (e: MessageEvent<Init>) => {
  self.onmessage = null;
  const { memory, binary, control, thread, threads, kernels } = e.data;
  const kx = instantiateKernels(new WebAssembly.Module(binary as BufferSource), memory);
  const size = HEAD + ARGS * threads;
  let c = new Int32Array(memory.buffer, control, size);
  let seen = Atomics.load(c, 0);
  Atomics.add(c, 2, 1);
  Atomics.notify(c, 2);
  for (;;) {
    Atomics.wait(c, 0, seen);
    c = new Int32Array(memory.buffer, control, size);
    const g = Atomics.load(c, 0);
    if (g === seen) continue;
    seen = g;
    const id = c[3];
    if (id < 0) {
      Atomics.sub(c, 2, 1); // off the ready count: the pool may reuse the block after this
      Atomics.notify(c, 2);
      break;
    }
    const base = HEAD + ARGS * thread;
    const args = Array.from(c.subarray(base + 1, base + 1 + c[base]));
    // A kernel that throws still counts as done, with the failure flagged: the caller waits for
    // the done count and would wait forever otherwise.
    try {
      kx[kernels[id]](...args);
    } catch {
      Atomics.store(c, FAILED, 1);
    }
    Atomics.add(c, 1, 1);
    Atomics.notify(c, 1);
  }
  self.close();
};
