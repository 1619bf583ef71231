/**
 * `deno task bench:infer [--rounds N] [--json] [--no-memory] [--no-scaling]`: 10,000 x 784
 * inference on the Fashion-MNIST test set through the library's own entry points, with models
 * made by the library's pruning and quantization modules (see `_models.ts`), against
 * onnxruntime-node 1.30 on the same weights and data in the same run: float (MatMul + Add) and
 * int8 (MatMulInteger on the uint8 pixels, the int8 model's own codes and scales), first with
 * one intra-op thread against our one thread, then with two against two. Each round runs every
 * implementation once, in rotating order; the table shows medians over rounds, ratios, test
 * accuracy, model bytes, the peak RSS of a process that runs only that row, and, for the
 * reference, the limits measured from wasm in the same run (reading the inputs once; the float32
 * and int8 kernels' rates on a batch that stays in cache).
 *
 * What each lrcompress row times: the library call and its output (float64 scores), with NaN
 * checks. "in kernel memory": the inputs were written once into the predictor's input buffer,
 * as a loader would; "from a JS array": a plain typed array is copied in on every call (in
 * cache-sized blocks); "one-shot": `decisionFunction(model, x)` / `quantizedDecisionFunction`,
 * which also lay the model out and free it on every call. "kernel only" rows call the kernel's
 * scorer directly (float32 scores, no checks) to show what the library adds. The two "read only"
 * rows are floors, not models: they read every cache line of the float32 inputs or of the uint8
 * pixels once, in the same cold and warm states as the other rows, which no kernel that reads
 * every row can beat in that state (the limits line's reading times come from a read repeated
 * until the data are cached).
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { formatTable, percent } from "../../lib/cli/format.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { classesFromScores, decisionFunction, foldPreprocessing } from "../../lib/model/predict.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";
import { selectFeatures } from "../../lib/prune/structured.ts";
import { prepareIntegerModel } from "../../lib/quant/integer.ts";
import { quantizedSize } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor, quantizedDecisionFunction } from "../../lib/quant/predictor.ts";
import {
  prepareDense,
  prepareInt8,
  prepareInteger,
  prepareSparse,
  type Scorer,
} from "../../lib/kernels/scorers.ts";
import { createWorkspace, instantiateKernels, kernelModule } from "../../lib/kernels/runtime.ts";
import { benchModels } from "./_models.ts";
import { floatModel, int8Model } from "./_onnx.ts";
import { benchArgs, requireFashionMnist } from "./_args.ts";
import { median, medianCallMs, peakRssBytes } from "./_stats.ts";

interface Impl {
  name: string;
  /** Compared with onnxruntime's float or int8 row of the same thread count. */
  group: "float" | "int8";
  threads: 1 | 2;
  modelBytes: number;
  /** Multiply-adds of one call (for the rate). */
  work: number;
  /** Scores, `(n, k)` row-major (empty for a read-only floor). */
  run(): Promise<Float32Array | Float64Array> | Float32Array | Float64Array;
  /** A floor, not a model: it only reads the inputs (no scores, accuracy or model). */
  floor?: true;
}

const args = Deno.args;
// A child process measures one model's memory: `--child NAME` (internal).
const childArg = args[0] === "--child" ? 0 : -1;
const options = childArg >= 0 ? null : benchArgs(
  "bench:infer",
  "Inference on the 10,000 Fashion-MNIST test images: each model form's entry points, warm and " +
    "cold, against onnxruntime; memory; thread scaling.",
  {
    rounds: { type: "string", value: "N", help: "interleaved rounds", default: "11" },
    "no-memory": { type: "boolean", help: "skip the per-model memory measurements" },
    "no-scaling": { type: "boolean", help: "skip the time against rows and features table" },
  },
);
const json = options?.flag("json") ?? false;
const ROUNDS = options?.integer("rounds", 1, 1000) ?? 11;
if (options !== null) requireFashionMnist("bench:infer");

const ORT_FLOAT = "onnxruntime 1.30 float (MatMul+Add)";
const ORT_INT8 = "onnxruntime 1.30 int8 (MatMulInteger)";

async function setup() {
  const [train, test, raw] = await Promise.all([
    loadFashionMnist("train"),
    loadFashionMnist("test"),
    loadFashionMnist("test", { pixels: "raw" }),
  ]);
  const models = await benchModels(train);
  const { dense, pruned, features, features75, int8, kmeans4 } = models;
  const n = test.x.rows, d = test.x.cols, k = dense.weights.rows;
  const x = test.x as Matrix<Float32Array>;
  const pixels = Uint8Array.from(raw.x.data);
  const impls: Impl[] = [];
  const closers: { close(): void }[] = [];
  const floatBytes = 4 * (k * d + k);
  const nnz = (m: { weights: { data: Float64Array } }) =>
    m.weights.data.filter((v) => v !== 0).length;
  const inMemory = (p: { inputBuffer(rows: number): Float32Array }, data: Float32Array) => {
    const buf = p.inputBuffer(n);
    buf.set(data);
    return { data: buf, rows: n, cols: data.length / n };
  };
  /** Adds one-thread rows that share a group, a model size and a work count. */
  const oneThread = (group: Impl["group"], modelBytes: number, work: number) =>
  (
    name: string,
    run: Impl["run"],
  ) => {
    impls.push({ name, group, threads: 1, modelBytes, work, run });
  };
  const denseRow = oneThread("float", floatBytes, n * d * k);

  // Float: dense.
  for (const threads of [1, 2] as const) {
    const p = preparePredictor(dense, { threads });
    closers.push(p);
    const xin = inMemory(p, x.data);
    impls.push({
      name: `dense float32, in kernel memory${threads === 2 ? ", 2 threads" : ""}`,
      group: "float",
      threads,
      modelBytes: floatBytes,
      work: n * d * k,
      run: () => p.decisionFunction(xin).data,
    });
  }
  const pJs = preparePredictor(dense);
  closers.push(pJs);
  denseRow("dense float32, from a JS array", () => pJs.decisionFunction(x).data);
  denseRow("dense float32, one-shot decisionFunction", () => decisionFunction(dense, x).data);
  const { weights: fw, bias: fb } = foldPreprocessing(dense);
  const kDense: Scorer<Matrix> = prepareDense({ weights: fw, bias: fb });
  closers.push(kDense);
  const kin = inMemory(kDense, x.data);
  const kOut = new Float32Array(n * k);
  denseRow(
    "dense float32, kernel only (float32 scores, no checks)",
    () => kDense.scores(kin, { out: kOut }),
  );

  // Float: pruned 90 % of the weights.
  const pPruned = preparePredictor(pruned);
  closers.push(pPruned);
  const xPruned = inMemory(pPruned, x.data);
  const prunedBytes = 4 * k + 8 * nnz(pruned) + 4 * (k + 1); // values + int32 columns, offsets
  const prunedRow = oneThread("float", prunedBytes, n * nnz(pruned));
  prunedRow(
    `pruned 90 % (${pPruned.kernel} kernel), in kernel memory`,
    () => pPruned.decisionFunction(xPruned).data,
  );
  prunedRow("pruned 90 %, one-shot decisionFunction", () => decisionFunction(pruned, x).data);

  // Float: 90 % of the features removed.
  const m = features.model.weights.cols;
  const pReduced = preparePredictor(features.model);
  closers.push(pReduced);
  const xReduced = inMemory(pReduced, selectFeatures(x, features.columns).data as Float32Array);
  const reducedBytes = 4 * (k * m + k);
  impls.push({
    name: `${m} of ${d} features kept (reduced model, inputs ${m} wide), in kernel memory`,
    group: "float",
    threads: 1,
    modelBytes: reducedBytes,
    work: n * m * k,
    run: () => pReduced.decisionFunction(xReduced).data,
  });
  const pColumns = preparePredictor(features.model, { columns: features.columns, inputWidth: d });
  closers.push(pColumns);
  const xColumns = inMemory(pColumns, x.data);
  impls.push({
    name:
      `${m} of ${d} features kept, full-width rows (${pColumns.kernel} kernel), in kernel memory`,
    group: "float",
    threads: 1,
    modelBytes: reducedBytes + 2 * m,
    work: n * m * k,
    run: () => pColumns.decisionFunction(xColumns).data,
  });

  const m75 = features75.model.weights.cols;
  const p75 = preparePredictor(features75.model);
  closers.push(p75);
  const x75 = inMemory(p75, selectFeatures(x, features75.columns).data as Float32Array);
  impls.push({
    name: `${m75} of ${d} features kept (reduced model, inputs ${m75} wide), in kernel memory`,
    group: "float",
    threads: 1,
    modelBytes: 4 * (k * m75 + k),
    work: n * m75 * k,
    run: () => p75.decisionFunction(x75).data,
  });

  // Float inputs, 4-bit codebook weights.
  const pKm = prepareQuantizedPredictor(kmeans4);
  closers.push(pKm);
  const xKm = inMemory(pKm as { inputBuffer(rows: number): Float32Array }, x.data);
  impls.push({
    name: `4-bit k-means per class (${pKm.kernel} kernel), in kernel memory`,
    group: "float",
    threads: 1,
    modelBytes: quantizedSize(kmeans4).weightBytes + 4 * k,
    work: n * d * k,
    run: () => pKm.decisionFunction(xKm).data,
  });
  denseRow(
    "float64 TypeScript reference (decisionFunction, backend ts)",
    () => decisionFunction(dense, x, { backend: "ts" }).data,
  );

  // int8: integer-only inference of the 8-bit model.
  const int8Bytes = quantizedSize(int8).weightBytes + 4 * k;
  const int8Row = oneThread("int8", int8Bytes, n * d * k);
  for (const threads of [1, 2] as const) {
    const p = prepareQuantizedPredictor(int8, { threads });
    closers.push(p);
    const buf = p.inputBuffer(n) as Uint8Array;
    buf.set(pixels);
    impls.push({
      name: `int8 integer-only (${p.path}), uint8 codes in kernel memory${
        threads === 2 ? ", 2 threads" : ""
      }`,
      group: "int8",
      threads,
      modelBytes: int8Bytes,
      work: n * d * k,
      run: () => p.decisionFunctionFromCodes(buf, n).data,
    });
  }
  const pInt = prepareQuantizedPredictor(int8);
  closers.push(pInt);
  int8Row(
    "int8 integer-only, uint8 codes from a JS array",
    () => pInt.decisionFunctionFromCodes(pixels, n).data,
  );
  int8Row(
    "int8 integer-only, float inputs quantized on the way",
    () => pInt.decisionFunction(x).data,
  );
  int8Row(
    "int8 integer-only, one-shot quantizedDecisionFunction (float inputs)",
    () => quantizedDecisionFunction(int8, x).data,
  );
  const im = prepareIntegerModel(int8);
  const kInt = prepareInteger({
    weights: im.weights as Int8Array,
    bias: im.bias,
    rescale: im.rescale,
  });
  closers.push(kInt);
  const kib = kInt.inputBuffer(n);
  kib.set(pixels);
  const kIntOut = new Float64Array(n * k);
  int8Row(
    `int8, kernel only (${kInt.path}, no checks)`,
    () => kInt.scores({ data: kib, rows: n, cols: d }, { out: kIntOut }),
  );

  // onnxruntime on the same weights and data.
  const w32 = Float32Array.from(fw), b32 = Float32Array.from(fb);
  const wt = new Float32Array(d * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) wt[j * k + c] = w32[c * d + j];
  const wq = new Int8Array(d * k), sc = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    sc[c] = im.rescale[c];
    for (let j = 0; j < d; j++) wq[j * k + c] = im.weights[c * d + j];
  }
  // The int8 model's bias at its float value (int32 bias times the product scale).
  const bInt = Float32Array.from(im.bias, (v, c) => v * im.rescale[c]);
  for (const threads of [1, 2] as const) {
    const options = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential" as const,
      graphOptimizationLevel: "all" as const,
    };
    const sFloat = await ort.InferenceSession.create(floatModel(wt, b32, d, k), options);
    const sInt8 = await ort.InferenceSession.create(int8Model(wq, sc, bInt, d, k), options);
    const suffix = threads === 2 ? ", 2 threads" : "";
    impls.push({
      name: ORT_FLOAT + suffix,
      group: "float",
      threads,
      modelBytes: floatBytes,
      work: n * d * k,
      run: async () =>
        (await sFloat.run({ X: new ort.Tensor("float32", x.data, [n, d]) })).Y.data as Float32Array,
    });
    impls.push({
      name: ORT_INT8 + suffix,
      group: "int8",
      threads,
      modelBytes: int8Bytes,
      work: n * d * k,
      run: async () =>
        (await sInt8.run({ X: new ort.Tensor("uint8", pixels, [n, d]) })).Y.data as Float32Array,
    });
  }
  // Floors, timed in the same cache states as the rows above: reading every 64-byte line of the
  // inputs once from kernel memory, with many lines in flight (`touch`, the fastest read from
  // wasm measured here). A kernel that reads every row cannot take less in that state.
  const floorWs = createWorkspace(x.data.byteLength + pixels.byteLength + 1024);
  const floorKx = instantiateKernels(kernelModule("infer", true), floorWs.memory);
  const xAt = floorWs.alloc(x.data.byteLength), pAt = floorWs.alloc(pixels.byteLength);
  floorWs.f32(xAt, x.data.length).set(x.data);
  floorWs.u8(pAt, pixels.length).set(pixels);
  const none = new Float32Array(0);
  for (
    const [group, at, bytes, what] of [
      ["float", xAt, x.data.byteLength, "float32 inputs"],
      ["int8", pAt, pixels.byteLength, "uint8 pixels"],
    ] as const
  ) {
    impls.push({
      name: `read only: every 64-byte line of the ${what} once, in kernel memory`,
      group,
      threads: 1,
      modelBytes: 0,
      work: 0,
      floor: true,
      run: () => {
        floorKx.touch(at, bytes);
        return none;
      },
    });
  }
  return {
    impls,
    test,
    n,
    d,
    k,
    x,
    pixels,
    close: () => closers.forEach((c) => c.close()),
  };
}

async function childMemory(name: string): Promise<void> {
  const { impls, close } = await setup();
  const impl = impls.find((i) => i.name === name);
  if (impl === undefined) {
    close();
    console.error(`bench:infer: --child is internal: --child NAME, a row's name (got '${name}')`);
    Deno.exit(2);
  }
  for (let r = 0; r < 5; r++) await impl.run();
  console.log(JSON.stringify({ peakRssBytes: peakRssBytes() }));
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

/** Bytes streamed to flush the caches before a cold call. */
const EVICT_BYTES = 512 * 2 ** 20;

/** Baseline of the memory measurement: the same process setup without running anything. */
const BASELINE = "(setup only)";

/**
 * Limits seen from wasm in this run: reading the inputs once from memory, and the float32 and
 * int8 kernels' rates on a batch small enough to stay in the core's cache (256 rows, scored 40
 * times), i.e. their compute rate without memory traffic.
 */
function limits(x: Float32Array, pixels: Uint8Array, d: number, k: number) {
  const ws = createWorkspace(x.byteLength + pixels.byteLength + 1024);
  const kx = instantiateKernels(kernelModule("infer", true), ws.memory);
  const a = ws.alloc(x.byteLength), b = ws.alloc(pixels.byteLength + 64);
  ws.f32(a, x.length).set(x);
  ws.u8(b, pixels.length).set(pixels);
  // Medians of 15 after an untimed first call (cold caches, JIT).
  const best = (f: () => void) => medianCallMs(f, 15);
  const rows = 256, reps = 40;
  const w = Float32Array.from({ length: k * d }, (_, i) => Math.sin(i) * 0.01);
  const dense = prepareDense({ weights: w, bias: new Float32Array(k) });
  const db = dense.inputBuffer(rows);
  db.set(x.subarray(0, rows * d));
  const int8 = prepareInt8({
    codes: Int8Array.from(w, (v) => Math.round(v * 100 * 127)),
    scale: new Float32Array(k).fill(1),
    bias: new Float32Array(k),
  });
  const ib = int8.inputBuffer(rows);
  ib.set(pixels.subarray(0, rows * d));
  const outF = new Float32Array(rows * k);
  const fMs = best(() => {
    for (let r = 0; r < reps; r++) dense.scores({ data: db, rows, cols: d }, { out: outF });
  });
  const iMs = best(() => {
    for (let r = 0; r < reps; r++) {
      int8.scores({ data: ib, rows, cols: d, scale: 1, zeroPoint: 0 }, { out: outF });
    }
  });
  dense.close();
  int8.close();
  return {
    readFloatMs: best(() => kx.readProbe(a, Math.floor(x.byteLength / 64) * 64)),
    readBytesMs: best(() => kx.readProbe(b, Math.floor(pixels.byteLength / 64) * 64)),
    /** Multiply-adds per second in cache. */
    floatRate: (reps * rows * d * k) / (fMs / 1000),
    int8Rate: (reps * rows * d * k) / (iMs / 1000),
    int8Path: int8.path,
  };
}

/** Time against rows and features for the main kernels (synthetic weights, same shapes). */
function scaling(x: Float32Array, pixels: Uint8Array, d0: number, k: number) {
  const rows: { rows: number; features: number; name: string; medianMs: number }[] = [];
  for (const m of [196, 392, 784]) {
    const wDense = Float32Array.from({ length: k * m }, (_, i) => Math.sin(i) * 0.01);
    const dense = prepareDense({ weights: wDense, bias: new Float32Array(k) });
    const codes = new Int8Array(k * m).map((_, i) => (i * 37) % 255 - 127);
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
          xf[i * m + j] = x[i * d0 + j];
          xq[i * m + j] = pixels[i * d0 + j];
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
        rows.push({ rows: r, features: m, name, medianMs: median(t) });
      }
    }
    for (const s of [dense, int8, sparse]) s.close();
  }
  return rows;
}

async function main(): Promise<void> {
  if (childArg >= 0) {
    const name = args[childArg + 1];
    if (name === BASELINE) {
      (await setup()).close();
      console.log(JSON.stringify({ peakRssBytes: peakRssBytes() }));
      return;
    }
    return await childMemory(name);
  }
  const load = Deno.loadavg()[0];
  const { impls, test, n, d, k, x, pixels, close } = await setup();
  const acc = new Map<string, number>();
  for (const impl of impls) { // warms up
    const scores = { data: await impl.run(), rows: n, cols: k };
    if (!impl.floor) acc.set(impl.name, accuracy(test.y, classesFromScores(scores)));
  }
  for (const impl of impls) await impl.run();
  // Every implementation is timed in the same cache state: right after the caches were
  // flushed by streaming 512 MiB (cold), then at once again (warm: its inputs as cached as a
  // 31 MB batch can be).
  const evictWs = createWorkspace(EVICT_BYTES + 1024);
  const evictKx = instantiateKernels(kernelModule("infer", true), evictWs.memory);
  const evictAt = evictWs.alloc(EVICT_BYTES);
  evictWs.u8(evictAt, EVICT_BYTES).fill(1);
  const evict = () => evictKx.readProbe(evictAt, EVICT_BYTES);
  const times = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  const cold = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let t = 0; t < impls.length; t++) {
      const impl = impls[(t + r) % impls.length];
      evict();
      let s = performance.now();
      await impl.run();
      cold.get(impl.name)!.push(performance.now() - s);
      s = performance.now();
      await impl.run();
      times.get(impl.name)!.push(performance.now() - s);
    }
  }
  const limit = limits(x.data, pixels, d, k);
  const memory = new Map<string, number>();
  if (!options?.flag("no-memory")) {
    memory.set(BASELINE, await peakMemory(BASELINE));
    for (const impl of impls) memory.set(impl.name, await peakMemory(impl.name));
  }
  const loadEnd = Deno.loadavg()[0];
  const med = (name: string) => median(times.get(name)!);
  const medCold = (name: string) => median(cold.get(name)!);
  const rows = impls.map((impl) => {
    const ms = med(impl.name);
    const suffix = impl.threads === 2 ? ", 2 threads" : "";
    const ortName = (impl.group === "int8" ? ORT_INT8 : ORT_FLOAT) + suffix;
    const versus = med(ortName);
    const denseName = `dense float32, in kernel memory${suffix}`;
    const ourDense = med(denseName);
    return {
      bench: "infer",
      name: impl.name,
      group: impl.group,
      threads: impl.threads,
      rows: n,
      features: d,
      medianMs: ms,
      allMs: times.get(impl.name)!,
      coldMedianMs: medCold(impl.name),
      coldAllMs: cold.get(impl.name)!,
      coldRatioToOnnxruntime: medCold(impl.name) / medCold(ortName),
      coldRatioToLrcompressDense: medCold(impl.name) / medCold(denseName),
      /** Null for a read-only floor. */
      accuracy: acc.get(impl.name) ?? null,
      modelBytes: impl.floor ? null : impl.modelBytes,
      /** Multiply-adds done per second (stored weights only for the pruned forms). */
      multiplyAddsPerSecond: impl.floor ? null : impl.work / (ms / 1000),
      peakRssBytes: memory.get(impl.name) ?? null,
      ratioToOnnxruntime: ms / versus,
      onnxruntimeReference: (impl.group === "int8" ? "int8" : "float") + suffix,
      ratioToLrcompressDense: ms / ourDense,
      loadAverage: load,
      loadAverageEnd: loadEnd,
    };
  });
  const scale = options?.flag("no-scaling") ? [] : scaling(x.data, pixels, d, k);
  close();
  const limitRow = {
    bench: "infer-limits",
    readFloat32InputsMs: limit.readFloatMs,
    readUint8InputsMs: limit.readBytesMs,
    float32KernelInCacheMultiplyAddsPerSecond: limit.floatRate,
    int8KernelInCacheMultiplyAddsPerSecond: limit.int8Rate,
    /** The int8 kernel's path, which the table names with its rate. */
    int8KernelPath: limit.int8Path,
  };
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    console.log(JSON.stringify(limitRow));
    if (memory.has(BASELINE)) {
      console.log(JSON.stringify({
        bench: "infer-memory-baseline",
        name: BASELINE,
        peakRssBytes: memory.get(BASELINE),
      }));
    }
    for (const s of scale) console.log(JSON.stringify({ bench: "infer-scaling", ...s }));
    return;
  }
  console.log(
    `Fashion-MNIST test set ${n} x ${d}, ${k} classes; medians of ${ROUNDS} interleaved rounds; ` +
      `warm: a second call at once; cold: right after flushing the caches; ` +
      `load average ${load.toFixed(2)} at start, ${loadEnd.toFixed(2)} at the end`,
  );
  console.log(formatTable(
    [
      "implementation",
      "warm",
      "vs onnxruntime",
      "vs our dense",
      "cold",
      "vs onnxruntime",
      "vs our dense",
      "G mul-add/s",
      "accuracy",
      "model bytes",
      "peak RSS",
    ],
    rows.map((r) => [
      (r.name.startsWith("onnxruntime") ? "" : "lrcompress ") + r.name,
      `${r.medianMs.toFixed(2)} ms`,
      `${r.ratioToOnnxruntime.toFixed(2)} x ${r.onnxruntimeReference}`,
      `${r.ratioToLrcompressDense.toFixed(2)} x`,
      `${r.coldMedianMs.toFixed(2)} ms`,
      `${r.coldRatioToOnnxruntime.toFixed(2)} x`,
      `${r.coldRatioToLrcompressDense.toFixed(2)} x`,
      r.multiplyAddsPerSecond === null ? "-" : (r.multiplyAddsPerSecond / 1e9).toFixed(1),
      r.accuracy === null ? "-" : percent(r.accuracy),
      r.modelBytes === null ? "-" : String(r.modelBytes),
      r.peakRssBytes === null ? "-" : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    ]),
  ));
  console.log(
    `\nmachine limits from wasm, same run: reading the ${(4 * n * d / 1e6).toFixed(1)} MB of ` +
      `float32 inputs once ${limit.readFloatMs.toFixed(2)} ms, the ${
        (n * d / 1e6).toFixed(1)
      } MB ` +
      `of uint8 pixels ${
        limit.readBytesMs.toFixed(2)
      } ms; in cache (256 rows scored 40 times) the ` +
      `float32 kernel does ${(limit.floatRate / 1e9).toFixed(1)} G mul-add/s ` +
      `(${(n * d * k / limit.floatRate * 1000).toFixed(2)} ms for this product) and the int8 ` +
      `kernel (${limit.int8Path}) ${(limit.int8Rate / 1e9).toFixed(1)} G mul-add/s ` +
      `(${(n * d * k / limit.int8Rate * 1000).toFixed(2)} ms)` +
      (memory.has(BASELINE)
        ? `; peak RSS of the setup alone: ${(memory.get(BASELINE)! / 2 ** 20).toFixed(0)} MiB`
        : ""),
  );
  if (scale.length === 0) return;
  console.log("\nscaling (kernels only, ms, medians of 7; synthetic weights of the same shapes):");
  const names = [...new Set(scale.map((s) => s.name))];
  console.log(formatTable(
    ["rows", "features", ...names],
    [...new Set(scale.map((s) => `${s.rows}|${s.features}`))].map((key) => {
      const [r, m] = key.split("|").map(Number);
      return [
        String(r),
        String(m),
        ...names.map((nm) =>
          scale.find((s) => s.rows === r && s.features === m && s.name === nm)!.medianMs.toFixed(2)
        ),
      ];
    }),
  ));
}

await main();
