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

Deno.test("a kernel name off the pool's list is refused, and the pool still works", () => {
  // The name went to the workers as id -1, their signal to quit: they left without counting
  // themselves done and the caller waited forever (on one thread it failed with the bare
  // "kx[kernel] is not a function"). One thread is tried first, so that a regression fails there
  // before the two-thread call could hang.
  const relaxed = relaxedSimdSupported();
  for (const threads of [1, 2]) {
    const ws = createWorkspace(1 << 16);
    const kx = instantiateKernels(kernelModule("infer", relaxed), ws.memory);
    const control = ws.alloc(4 * (8 + 16 * threads));
    const pool = createKernelPool(kx, ws.memory, kernelBinary("infer", relaxed), control, threads, [
      "scaleRows",
    ]);
    try {
      assert.equal(pool.threads, threads, "a worker could not start: the test needs one");
      const x = ws.alloc(32), s = ws.alloc(16), out = ws.alloc(32);
      ws.f32(x, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
      ws.f32(s, 4).set([2, 3, 4, 5]);
      const rowArgs = (t: number) => [x + 16 * t, 1, 4, s, out + 16 * t];
      assert.throws(() => pool.run("scaleRowz", rowArgs), {
        name: "RangeError",
        message: "Cannot run kernel 'scaleRowz': the pool runs only scaleRows",
      });
      // The pool then runs its kernel: row t scaled by s on thread t (by hand: x * s).
      pool.run("scaleRows", (t) => rowArgs(threads === 1 ? 0 : t));
      const want = threads === 1 ? [2, 6, 12, 20, 0, 0, 0, 0] : [2, 6, 12, 20, 10, 18, 28, 40];
      assert.deepEqual([...ws.f32(out, 8)], want);
    } finally {
      pool.close();
    }
  }
});

Deno.test("each worker runs the kernel named by the call, and closing takes every worker off the block", () => {
  // scaleRows is second on the list (id 1): a worker that ran another kernel than the one named
  // would leave the wrong numbers in its row. After close, the ready count (slot 2 of the block)
  // must be back to 0: close promises that the memory can be reused at once, and waited 5 s for
  // a worker that did not take itself off before giving up.
  const relaxed = relaxedSimdSupported();
  const ws = createWorkspace(1 << 16);
  const kx = instantiateKernels(kernelModule("infer", relaxed), ws.memory);
  const control = ws.alloc(4 * (8 + 16 * 2));
  const pool = createKernelPool(kx, ws.memory, kernelBinary("infer", relaxed), control, 2, [
    "dense",
    "scaleRows",
  ]);
  try {
    assert.equal(pool.threads, 2, "a worker could not start: the test needs one");
    const x = ws.alloc(32), s = ws.alloc(16), out = ws.alloc(32);
    ws.f32(x, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
    ws.f32(s, 4).set([-1, 0.5, 3, 10]);
    pool.run("scaleRows", (t) => [x + 16 * t, 1, 4, s, out + 16 * t]);
    // By hand: row t of x times s.
    assert.deepEqual([...ws.f32(out, 8)], [-1, 1, 9, 40, -5, 3, 21, 80]);
  } finally {
    pool.close();
  }
  assert.equal(ws.i32(control, 3)[2], 0, "workers still on the ready count after close");
});

Deno.test("a closed pool refuses to run instead of running the caller's share alone", () => {
  // After close the workers were gone but `threads` still counted them: a run computed thread
  // 0's rows and left the others as they were, with no error. One thread is tried as well.
  const relaxed = relaxedSimdSupported();
  for (const threads of [1, 2]) {
    const ws = createWorkspace(1 << 16);
    const kx = instantiateKernels(kernelModule("infer", relaxed), ws.memory);
    const control = ws.alloc(4 * (8 + 16 * threads));
    const pool = createKernelPool(kx, ws.memory, kernelBinary("infer", relaxed), control, threads, [
      "scaleRows",
    ]);
    assert.equal(pool.threads, threads, "a worker could not start: the test needs one");
    const x = ws.alloc(32), s = ws.alloc(16), out = ws.alloc(32);
    ws.f32(x, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
    ws.f32(s, 4).set([2, 3, 4, 5]);
    pool.close();
    assert.throws(() => pool.run("scaleRows", (t) => [x + 16 * t, 1, 4, s, out + 16 * t]), {
      name: "RangeError",
      message: "Cannot run kernel 'scaleRows': the pool is closed",
    });
    assert.deepEqual([...ws.f32(out, 8)], [0, 0, 0, 0, 0, 0, 0, 0], "a closed pool wrote scores");
    pool.close(); // a second close is harmless
  }
});
