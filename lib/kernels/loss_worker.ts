/**
 * Worker of the wasm training loss: waits on the control block, takes shards until none is
 * left, reports, waits again. Started by `createLossEngine`.
 *
 * @module
 */

import { CTL, runShard, type ShardLayout } from "./loss_shard.ts";
import { instantiateKernels, type KernelExports } from "./runtime.ts";

interface Init {
  memory: WebAssembly.Memory;
  binary: Uint8Array;
  layout: ShardLayout;
  thread: number;
}

declare const self: {
  onmessage: ((e: MessageEvent<Init>) => void) | null;
  close(): void;
};

self.onmessage = (e: MessageEvent<Init>) => {
  self.onmessage = null;
  const { memory, binary, layout, thread } = e.data;
  const kx: KernelExports = instantiateKernels(
    new WebAssembly.Module(binary as BufferSource),
    memory,
  );
  let ctl = new Int32Array(memory.buffer, layout.control, CTL.size);
  // Read the generation before saying ready: the caller bumps it only after all are ready.
  let seen = Atomics.load(ctl, CTL.generation);
  Atomics.add(ctl, CTL.ready, 1);
  Atomics.notify(ctl, CTL.ready);
  for (;;) {
    Atomics.wait(ctl, CTL.generation, seen);
    const buffer = memory.buffer as unknown as ArrayBuffer;
    ctl = new Int32Array(buffer, layout.control, CTL.size);
    const g = Atomics.load(ctl, CTL.generation);
    if (g === seen) continue;
    seen = g;
    if (ctl[CTL.task] === 2) break;
    const shards = ctl[CTL.shards];
    // A shard that throws still counts this worker done, with the failure flagged: the caller
    // waits for the done count and would wait forever otherwise.
    try {
      for (let s = Atomics.add(ctl, CTL.next, 1); s < shards; s = Atomics.add(ctl, CTL.next, 1)) {
        runShard(kx, buffer, layout, thread, s);
      }
    } catch {
      Atomics.store(ctl, CTL.failed, 1);
    }
    Atomics.add(ctl, CTL.done, 1);
    Atomics.notify(ctl, CTL.done);
  }
  self.close();
};
