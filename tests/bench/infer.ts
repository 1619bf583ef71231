/**
 * `deno task bench:infer [--rounds N] [--json] [--no-memory]`: 10,000 x 784 inference on the
 * Fashion-MNIST test set with a trained model (see `_models.ts`), for each lrcompress form and
 * for onnxruntime-node 1.30 (one intra-op thread) float (MatMul + Add) and int8 (MatMulInteger,
 * weights in [-63, 63], uint8 pixels) on the same weights and data, in interleaved rounds
 * (each round runs every implementation once, in rotating order); medians over rounds, ratios,
 * test accuracy of each form, model bytes, peak RSS of a process that runs only that
 * implementation, and a small table of time against rows and features.
 *
 * "in kernel memory": the input was written into the scorer's input buffer once (as a loader
 * would); "copy from JS": a plain Float32Array is copied in on every call.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { formatTable, percent } from "../../lib/cli/format.ts";
import type { QuantizedInput } from "../../lib/kernels/forms.ts";
import {
  prepareDense,
  prepareInt8,
  preparePacked4,
  prepareSparse,
  type Scorer,
} from "../../lib/kernels/scorers.ts";
import { createWorkspace, instantiateKernels, kernelModule } from "../../lib/kernels/runtime.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { benchModels, toCsr, toInt8, toPacked4 } from "./_models.ts";
import { floatModel, int8Model } from "./_onnx.ts";

interface Impl {
  name: string;
  group: "float" | "int8" | "sparse" | "packed" | "reference";
  modelBytes: number;
  run(): Promise<Float32Array> | Float32Array;
}

const args = Deno.args;
const json = args.includes("--json");
const roundsArg = args.indexOf("--rounds");
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 7;
const childArg = args.indexOf("--child");

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function accuracy(scores: Float32Array, y: Int32Array, k: number): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    if (best === y[i]) right++;
  }
  return right / y.length;
}

async function setup() {
  const [train, test, raw] = await Promise.all([
    loadFashionMnist("train"),
    loadFashionMnist("test"),
    loadFashionMnist("test", { pixels: "raw" }),
  ]);
  const { dense, sparse } = await benchModels(train);
  const n = test.x.rows, d = test.x.cols, k = dense.weights.rows;
  const x = test.x as Matrix<Float32Array>;
  const pixels = Uint8Array.from(raw.x.data);
  const q = (data: Uint8Array): QuantizedInput => ({
    data,
    rows: n,
    cols: d,
    scale: 1 / 255,
    zeroPoint: 0,
  });

  const w32 = Float32Array.from(dense.weights.data), b32 = Float32Array.from(dense.bias);
  const csr = toCsr(sparse), i8 = toInt8(dense), p4 = toPacked4(dense);
  const impls: Impl[] = [];
  const scorers: { close(): void }[] = [];
  const inMemory = <I extends Matrix | QuantizedInput>(
    s: Scorer<I>,
    input: I,
  ): () => Float32Array => {
    const buf = s.inputBuffer(input.rows);
    buf.set(input.data as never);
    const inside = { ...input, data: buf } as I;
    const out = new Float32Array(n * k);
    return () => s.scores(inside, { out });
  };
  const fDense = prepareDense({ weights: w32, bias: b32 });
  const denseBytes = 4 * (w32.length + k);
  impls.push({
    name: "lrcompress float32, in kernel memory",
    group: "float",
    modelBytes: denseBytes,
    run: inMemory(fDense, x),
  });
  const fDense2 = prepareDense({ weights: w32, bias: b32 }, { threads: 2 });
  scorers.push(fDense, fDense2);
  impls.push({
    name: "lrcompress float32, 2 threads",
    group: "float",
    modelBytes: denseBytes,
    run: inMemory(fDense2, x),
  });
  const fDenseCopy = prepareDense({ weights: w32, bias: b32 });
  const outCopy = new Float32Array(n * k);
  impls.push({
    name: "lrcompress float32, copy from JS",
    group: "float",
    modelBytes: denseBytes,
    run: () => fDenseCopy.scores(x, { out: outCopy }),
  });
  const fSparse = prepareSparse(csr);
  impls.push({
    name: `lrcompress sparse ${(100 * (1 - csr.indices.length / (k * d))).toFixed(0)} % (CSR)`,
    group: "sparse",
    modelBytes: 4 * (k + 1) + 8 * csr.indices.length + 4 * k, // indptr, int32 index + float32 value, bias
    run: inMemory(fSparse, x),
  });
  const fInt8 = prepareInt8(i8);
  impls.push({
    name: `lrcompress int8 (${fInt8.path})`,
    group: "int8",
    modelBytes: k * d + 8 * k,
    run: inMemory(fInt8, q(pixels)),
  });
  const fInt8Two = prepareInt8(i8, { threads: 2 });
  scorers.push(fInt8, fInt8Two);
  impls.push({
    name: `lrcompress int8 (${fInt8Two.path}), 2 threads`,
    group: "int8",
    modelBytes: k * d + 8 * k,
    run: inMemory(fInt8Two, q(pixels)),
  });
  const fInt8Exact = prepareInt8(i8, { relaxed: false });
  impls.push({
    name: "lrcompress int8 (exact int16 widening)",
    group: "int8",
    modelBytes: k * d + 8 * k,
    run: inMemory(fInt8Exact, q(pixels)),
  });
  const fP4 = preparePacked4(p4);
  impls.push({
    name: "lrcompress packed 4-bit + codebook",
    group: "packed",
    modelBytes: p4.packed.length + 4 * 16 * k + 4 * k,
    run: inMemory(fP4, q(pixels)),
  });
  const fTs = prepareDense({ weights: w32, bias: b32 }, { backend: "ts" });
  impls.push({
    name: "lrcompress float32, TypeScript reference",
    group: "reference",
    modelBytes: denseBytes,
    run: () => fTs.scores(x),
  });

  const options = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential" as const,
    graphOptimizationLevel: "all" as const,
  };
  const wt = new Float32Array(d * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) wt[j * k + c] = w32[c * d + j];
  const sFloat = await ort.InferenceSession.create(floatModel(wt, b32, d, k), options);
  impls.push({
    name: "onnxruntime 1.30 float (MatMul+Add)",
    group: "float",
    modelBytes: denseBytes,
    run: async () =>
      (await sFloat.run({ X: new ort.Tensor("float32", x.data, [n, d]) })).Y.data as Float32Array,
  });
  const wq = new Int8Array(d * k), sc = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    sc[c] = i8.scale[c] / 255;
    for (let j = 0; j < d; j++) wq[j * k + c] = i8.codes[c * d + j];
  }
  const sInt8 = await ort.InferenceSession.create(int8Model(wq, sc, b32, d, k), options);
  impls.push({
    name: "onnxruntime 1.30 int8 (MatMulInteger)",
    group: "int8",
    modelBytes: k * d + 8 * k,
    run: async () =>
      (await sInt8.run({ X: new ort.Tensor("uint8", pixels, [n, d]) })).Y.data as Float32Array,
  });
  return { impls, test, n, d, k, x, pixels, close: () => scorers.forEach((s) => s.close()) };
}

async function childMemory(name: string): Promise<void> {
  const { impls, close } = await setup();
  const impl = impls.find((i) => i.name === name)!;
  for (let r = 0; r < 5; r++) await impl.run();
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  console.log(JSON.stringify({ peakRssBytes: m ? Number(m[1]) * 1024 : Deno.memoryUsage().rss }));
  close();
}

async function peakMemory(name: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", name],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return NaN;
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!).peakRssBytes;
}

/** Baseline of the memory measurement: the same process setup without running anything. */
const BASELINE = "(setup only)";

async function main(): Promise<void> {
  if (childArg >= 0) {
    const name = args[childArg + 1];
    if (name === BASELINE) {
      (await setup()).close();
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
      console.log(JSON.stringify({ peakRssBytes: Number(m![1]) * 1024 }));
      return;
    }
    return await childMemory(name);
  }
  const load = Deno.loadavg()[0];
  const { impls, test, n, d, k, x, pixels, close } = await setup();
  const acc = new Map<string, number>();
  for (const impl of impls) acc.set(impl.name, accuracy(await impl.run(), test.y, k)); // also warms up
  for (let w = 0; w < 3; w++) for (const impl of impls) await impl.run();
  const times = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let t = 0; t < impls.length; t++) {
      const impl = impls[(t + r) % impls.length];
      const s = performance.now();
      await impl.run();
      times.get(impl.name)!.push(performance.now() - s);
    }
  }
  // Machine limit as seen from wasm: reading the 31 MB of float32 inputs once.
  const probe = (() => {
    const ws = createWorkspace(4 * n * d + 64);
    const kx = instantiateKernels(kernelModule("infer", true), ws.memory);
    const a = ws.alloc(4 * n * d);
    ws.f32(a, n * d).set(x.data);
    const t: number[] = [];
    for (let r = 0; r < 15; r++) {
      const s = performance.now();
      kx.readProbe(a, Math.floor((4 * n * d) / 64) * 64);
      t.push(performance.now() - s);
    }
    return median(t);
  })();
  const memory = new Map<string, number>();
  if (!args.includes("--no-memory")) {
    const base = await peakMemory(BASELINE);
    memory.set(BASELINE, base);
    for (const impl of impls) memory.set(impl.name, await peakMemory(impl.name));
  }
  const med = (name: string) => median(times.get(name)!);
  const ortFloat = med("onnxruntime 1.30 float (MatMul+Add)");
  const ortInt8 = med("onnxruntime 1.30 int8 (MatMulInteger)");
  const ourDense = med("lrcompress float32, in kernel memory");
  const rows = impls.map((impl) => {
    const ms = med(impl.name);
    const versus = impl.group === "int8" ? ortInt8 : ortFloat;
    return {
      bench: "infer",
      name: impl.name,
      rows: n,
      features: d,
      medianMs: ms,
      allMs: times.get(impl.name)!,
      accuracy: acc.get(impl.name)!,
      modelBytes: impl.modelBytes,
      peakRssBytes: memory.get(impl.name) ?? null,
      ratioToOnnxruntime: ms / versus,
      onnxruntimeReference: impl.group === "int8" ? "int8" : "float",
      ratioToLrcompressDense: ms / ourDense,
      loadAverage: load,
    };
  });

  // Scaling: time against rows and features (first m features of the same weights).
  const scaling: { rows: number; features: number; name: string; medianMs: number }[] = [];
  for (const m of [196, 392, 784]) {
    const wDense = Float32Array.from({ length: k * m }, (_, i) => Math.sin(i) * 0.01);
    const dense = prepareDense({ weights: wDense, bias: new Float32Array(k) });
    const codes = new Int8Array(k * m).map((_, i) => (i * 37) % 127 - 63);
    const int8 = prepareInt8({
      codes,
      scale: new Float32Array(k).fill(1e-3),
      bias: new Float32Array(k),
    });
    const keep: number[] = [], vals: number[] = [], indptr = new Int32Array(k + 1);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < m; j++) {
        if ((j * 7 + c * 3) % 10 === 0) {
          keep.push(j);
          vals.push(0.01);
        }
      }
      indptr[c + 1] = keep.length;
    }
    const sparse = prepareSparse({
      indptr,
      indices: Int32Array.from(keep),
      values: Float32Array.from(vals),
      bias: new Float32Array(k),
      nFeatures: m,
    });
    for (const r of [1000, 5000, 10000]) {
      const xf = new Float32Array(r * m), xq = new Uint8Array(r * m);
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < m; j++) {
          xf[i * m + j] = x.data[i * d + j];
          xq[i * m + j] = pixels[i * d + j];
        }
      }
      const cases: [string, () => unknown][] = [];
      const db = dense.inputBuffer(r);
      db.set(xf);
      cases.push(["float32", () => dense.scores({ data: db, rows: r, cols: m })]);
      const sb = sparse.inputBuffer(r);
      sb.set(xf);
      cases.push(["sparse 90 %", () => sparse.scores({ data: sb, rows: r, cols: m })]);
      const ib = int8.inputBuffer(r);
      ib.set(xq);
      cases.push([
        `int8 (${int8.path})`,
        () => int8.scores({ data: ib, rows: r, cols: m, scale: 1 / 255, zeroPoint: 0 }),
      ]);
      for (const [name, f] of cases) {
        f();
        const t: number[] = [];
        for (let q = 0; q < 7; q++) {
          const s = performance.now();
          f();
          t.push(performance.now() - s);
        }
        scaling.push({ rows: r, features: m, name, medianMs: median(t) });
      }
    }
  }

  close();
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    console.log(
      JSON.stringify({
        bench: "infer-limit",
        name: "wasm read of the float32 inputs",
        rows: n,
        features: d,
        medianMs: probe,
      }),
    );
    if (memory.has(BASELINE)) {
      console.log(
        JSON.stringify({
          bench: "infer-memory-baseline",
          name: BASELINE,
          peakRssBytes: memory.get(BASELINE),
        }),
      );
    }
    for (const s of scaling) console.log(JSON.stringify({ bench: "infer-scaling", ...s }));
    return;
  }
  console.log(
    `Fashion-MNIST test set ${n} x ${d}, ${k} classes; medians of ${ROUNDS} interleaved rounds; ` +
      `one thread; load average at start ${load.toFixed(2)}`,
  );
  console.log(formatTable(
    [
      "implementation",
      "median",
      "vs onnxruntime",
      "vs our dense",
      "accuracy",
      "model bytes",
      "peak RSS",
    ],
    rows.map((r) => [
      r.name,
      `${r.medianMs.toFixed(2)} ms`,
      `${r.ratioToOnnxruntime.toFixed(2)} x ${r.onnxruntimeReference}`,
      `${r.ratioToLrcompressDense.toFixed(2)} x`,
      percent(r.accuracy),
      String(r.modelBytes),
      r.peakRssBytes === null ? "-" : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    ]),
  ));
  console.log(
    `\nreading the ${(4 * n * d / 1e6).toFixed(1)} MB of float32 inputs once from wasm: ` +
      `${probe.toFixed(2)} ms (${(4 * n * d / probe / 1e6).toFixed(1)} GB/s), the floor for any ` +
      "float32 kernel at this size" +
      (memory.has(BASELINE)
        ? `; peak RSS of the setup alone (data, models, all sessions built): ${
          (memory.get(BASELINE)! / 2 ** 20).toFixed(0)
        } MiB`
        : ""),
  );
  console.log("\nscaling (ms, medians of 7; synthetic weights of the same shapes):");
  const names = [...new Set(scaling.map((s) => s.name))];
  console.log(formatTable(
    ["rows", "features", ...names],
    [...new Set(scaling.map((s) => `${s.rows}|${s.features}`))].map((key) => {
      const [r, m] = key.split("|").map(Number);
      return [
        String(r),
        String(m),
        ...names.map((nm) =>
          scaling.find((s) => s.rows === r && s.features === m && s.name === nm)!.medianMs.toFixed(
            2,
          )
        ),
      ];
    }),
  ));
}

await main();
