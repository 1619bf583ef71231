// The kernel pool reports a kernel that throws in a worker thread instead of waiting forever for
// it: the worker died without counting itself done, and the caller's Atomics.wait had no end.
import assert from "node:assert/strict";
import { createKernelPool } from "../../lib/kernels/pool.ts";
import {
  createWorkspace,
  instantiateKernels,
  kernelBinary,
  kernelModule,
  relaxedSimdSupported,
} from "../../lib/kernels/runtime.ts";

Deno.test("a kernel that fails in a worker is an error of the call, and the pool still works", () => {
  const relaxed = relaxedSimdSupported();
  const ws = createWorkspace(1 << 16);
  const kx = instantiateKernels(kernelModule("infer", relaxed), ws.memory);
  const control = ws.alloc(4 * (8 + 16 * 2));
  const pool = createKernelPool(kx, ws.memory, kernelBinary("infer", relaxed), control, 2, [
    "scaleRows",
  ]);
  try {
    assert.equal(pool.threads, 2, "a worker could not start: the test needs one");
    // Two rows of 4 float32 values and column factors; thread t scales row t.
    const x = ws.alloc(32), s = ws.alloc(16), out = ws.alloc(32);
    ws.f32(x, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
    ws.f32(s, 4).set([1, 10, 100, 1000]);
    const rowArgs = (t: number) => [x + 16 * t, 1, 4, s, out + 16 * t];
    // Thread 1 reads far beyond the memory: its kernel traps.
    const far = 0x7ffffff0;
    assert.throws(
      () => pool.run("scaleRows", (t) => t === 1 ? [far, 1, 4, s, out] : rowArgs(0)),
      {
        name: "RangeError",
        message: "Cannot run kernel 'scaleRows': it failed in a worker thread",
      },
    );
    // The next call runs on both threads again: out = x * s, by hand.
    ws.f32(out, 8).fill(0);
    pool.run("scaleRows", rowArgs);
    assert.deepEqual([...ws.f32(out, 8)], [1, 20, 300, 4000, 5, 60, 700, 8000]);
  } finally {
    pool.close();
  }
});
