// The loss worker's side of the protocol with createLossEngine, driven here by hand: the engine
// checks every position and row before a call, so no call through it can make a worker's shard
// fail, and the worker's failure report had no test (removing it survived the mutation audit).
import assert from "node:assert/strict";
import {
  CTL,
  outStride,
  scratchStride,
  type ShardLayout,
  startLossTask,
} from "../../lib/kernels/loss_shard.ts";
import { createWorkspace, kernelBinary, relaxedSimdSupported } from "../../lib/kernels/runtime.ts";

Deno.test("a loss worker whose shard traps flags the failure and still counts itself done", async () => {
  const relaxed = relaxedSimdSupported();
  const n = 8, dp = 8, k = 1, B = 4;
  const ws = createWorkspace(1 << 16);
  const layout: ShardLayout = {
    control: ws.alloc(4 * CTL.size),
    // Far beyond the memory: the first load of a row traps.
    x: 0x7ffffff0,
    y: ws.alloc(4 * n),
    index: ws.alloc(4 * n),
    w: ws.alloc(4 * k * dp),
    b: ws.alloc(8 * k),
    out: ws.alloc(2 * outStride(k, dp)),
    outStride: outStride(k, dp),
    scratch: ws.alloc(2 * scratchStride(k, B)),
    scratchStride: scratchStride(k, B),
    n,
    dp,
    k,
    softmax: 0,
    shardRows: 4,
    blockRows: B,
    prefetch: 0,
  };
  const ctl = ws.i32(layout.control, CTL.size);
  const worker = new Worker(new URL("../../lib/kernels/loss_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    worker.postMessage({
      memory: ws.memory,
      binary: kernelBinary("train", relaxed),
      layout,
      thread: 1,
    });
    // Waited for asynchronously: this thread must stay free while the worker starts.
    for (let i = 0; Atomics.load(ctl, CTL.ready) < 1; i++) {
      assert.ok(i < 1000, "the worker did not report ready within 10 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    // One call of two shards, both left to the worker (as the engine starts a call).
    ctl[CTL.start] = 0;
    ctl[CTL.end] = n;
    ctl[CTL.indexed] = 0;
    ctl[CTL.gradient] = 1;
    ctl[CTL.shards] = 2;
    startLossTask(ctl);
    for (let i = 0; Atomics.load(ctl, CTL.done) < 1; i++) {
      assert.ok(i < 1000, "the worker did not count itself done within 10 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(Atomics.load(ctl, CTL.done), 1);
    assert.equal(Atomics.load(ctl, CTL.failed), 1, "the trap is flagged");
  } finally {
    worker.terminate();
  }
});
