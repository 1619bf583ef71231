/**
 * Inference kernels for each model form, on WebAssembly SIMD, working on the compressed form
 * itself: dense float32, sparse CSR (skips pruned weights), feature subsets (skips removed
 * features), int8 weights with 8-bit inputs and int32 sums, packed 4-bit codes looked up in a
 * codebook 16 at a time. `prepareXxx(form)` lays the form out in kernel memory once and returns
 * a {@linkcode Scorer}; `xxxScores(form, x)` is the one-shot version. With `backend: "ts"` the
 * reference TypeScript in `reference.ts` runs instead.
 *
 * Inputs are copied into kernel memory unless they already live there: write them into
 * `scorer.inputBuffer(rows)` to skip the copy.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { describe } from "../core/validate.ts";
import type {
  DenseForm,
  FeatureSubsetForm,
  Int8Form,
  Packed4Form,
  QuantizedInput,
  SparseForm,
} from "./forms.ts";
import {
  denseScoresTs,
  featureSubsetScoresTs,
  int8ScoresTs,
  packed4ScoresTs,
  sparseScoresTs,
} from "./reference.ts";
import { createKernelPool } from "./pool.ts";
import {
  createWorkspace,
  instantiateKernels,
  kernelBinary,
  type KernelExports,
  kernelModule,
  relaxedSimdSupported,
  type Workspace,
} from "./runtime.ts";

/** Options of the `prepareXxx` and `xxxScores` functions. */
export interface ScorerOptions {
  /**
   * `"wasm"`: the SIMD kernels; `"ts"`: the reference TypeScript (float64 sums).
   * @default {"wasm"}
   */
  backend?: "wasm" | "ts";
  /**
   * For int8: allow the relaxed-SIMD dot product when the codes are in [-64, 63] and the
   * inputs unsigned (checked against the exact kernel once per process).
   * @default {true}
   */
  relaxed?: boolean;
  /**
   * Where to write the scores, shape `(nSamples, nOutputs)`.
   * @default {a new Float32Array}
   */
  out?: Float32Array;
  /**
   * Threads that share a batch (the calling thread plus workers over the shared memory; rows
   * are split, each row's scores do not depend on the split). Call `close()` to stop them.
   * @default {1}
   */
  threads?: number;
}

/** A model form laid out for scoring. Call `close()` to free its memory. */
export interface Scorer<I> {
  /** Features per input row. */
  readonly nFeatures: number;
  /** Scores per row. */
  readonly nOutputs: number;
  /** The kernel path: `"wasm"`, `"wasm-relaxed"` (int8 relaxed dot product) or `"ts"`. */
  readonly path: string;
  /** Threads that share a batch (1 if no worker could start). */
  readonly threads: number;
  /**
   * A buffer in kernel memory for `rows` input rows (row-major); scoring an input whose data is
   * this buffer skips the copy. Valid until a call asks for more rows.
   */
  inputBuffer(rows: number): I extends Matrix ? Float32Array : Uint8Array;
  /**
   * Scores of the inputs, shape `(nSamples, nOutputs)`, bias included.
   *
   * @throws {TypeError} If the inputs do not have `nFeatures` columns.
   */
  scores(x: I, options?: { out?: Float32Array }): Float32Array;
  /** Frees the kernel memory. */
  close(): void;
}

/** The input types. */
type In = Matrix | QuantizedInput;

let kernels: { kx: KernelExports; ws: Workspace } | null = null;

const KERNELS = ["dense", "sparse", "subset", "int8", "int8Relaxed", "packed4"] as const;

interface Layout {
  ws: Workspace;
  /** Threads wanted. */
  threads: number;
  kx: KernelExports;
  d: number;
  k: number;
  bytesPerValue: 1 | 4;
  /** Prepares a call (e.g. scales that depend on the input) and names the kernel it runs. */
  kernel(x: In): string;
  /** The kernel's integer arguments for `rows` rows at these addresses. */
  args(input: number, rows: number, x: In, out: number, scratch: number): number[];
  /** Scratch bytes per thread. */
  scratchBytes: number;
}

function makeScorer<I extends In>(
  layout: Layout | null,
  reference: ((x: I, out: Float32Array) => void) | null,
  d: number,
  k: number,
  path: string,
): Scorer<I> {
  const check = (x: I) => {
    if (x.cols !== d || x.data.length !== x.rows * x.cols) {
      throw new TypeError(
        `Cannot compute scores: the model takes ${d} features, x is ${x.rows} x ${x.cols} ` +
          `with ${x.data.length} values`,
      );
    }
  };
  if (layout === null) {
    return {
      nFeatures: d,
      nOutputs: k,
      path,
      threads: 1,
      inputBuffer: ((rows: number) => new Float32Array(rows * d)) as Scorer<I>["inputBuffer"],
      scores(x, options = {}) {
        check(x);
        const out = options.out ?? new Float32Array(x.rows * k);
        reference!(x, out);
        return out;
      },
      close() {},
    };
  }
  const { ws } = layout;
  const threads = Math.max(1, Math.floor(layout.threads));
  const control = ws.alloc(4 * (8 + 16 * threads));
  const pool = createKernelPool(
    layout.kx,
    ws.memory,
    kernelBinary("infer", relaxedSimdSupported()),
    control,
    threads,
    KERNELS,
  );
  const base = ws.mark();
  let capacity = -1, input = 0, output = 0, scratch = 0, closed = false;
  const ensure = (rows: number) => {
    if (rows <= capacity) return;
    ws.release(base);
    input = ws.alloc(rows * d * layout.bytesPerValue + 64);
    output = ws.alloc(rows * k * 4 + 64);
    scratch = ws.alloc(threads * (layout.scratchBytes + 64));
    capacity = rows;
  };
  const view = (rows: number) =>
    layout.bytesPerValue === 4 ? ws.f32(input, rows * d) : ws.u8(input, rows * d);
  return {
    nFeatures: d,
    nOutputs: k,
    path,
    threads: pool.threads,
    inputBuffer: ((rows: number) => {
      ensure(rows);
      return view(rows);
    }) as Scorer<I>["inputBuffer"],
    scores(x, options = {}) {
      if (closed) throw new RangeError("Cannot compute scores: the scorer is closed");
      check(x);
      const n = x.rows;
      const inPlace = x.data.buffer === (ws.memory.buffer as unknown) &&
        x.data.byteOffset === input && n <= capacity;
      if (!inPlace) {
        ensure(n);
        const dst = view(n);
        if (layout.bytesPerValue === 4) (dst as Float32Array).set(x.data as Float32Array);
        else {
          (dst as Uint8Array).set(
            new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.length) as Uint8Array,
          );
        }
      }
      const kernel = layout.kernel(x);
      // Rows split in multiples of 4 (the kernels' row groups); rows are independent.
      const share = Math.ceil(n / pool.threads / 4) * 4;
      pool.run(kernel, (t) => {
        const r0 = Math.min(n, t * share), r1 = Math.min(n, r0 + share);
        return layout.args(
          input + r0 * d * layout.bytesPerValue,
          r1 - r0,
          x,
          output + r0 * k * 4,
          scratch + t * (layout.scratchBytes + 64),
        );
      });
      const out = options.out ?? new Float32Array(n * k);
      out.set(ws.f32(output, n * k));
      return out;
    },
    close() {
      closed = true; // the workspace goes with the last reference to the scorer
      pool.close();
    },
  };
}

function newKernels(): { kx: KernelExports; ws: Workspace } {
  const ws = createWorkspace();
  const kx = instantiateKernels(kernelModule("infer", relaxedSimdSupported()), ws.memory);
  return { kx, ws };
}

function copyF32(ws: Workspace, values: ArrayLike<number>, pad = 0): number {
  const a = ws.alloc(4 * (values.length + pad));
  const v = ws.f32(a, values.length + pad);
  for (let i = 0; i < values.length; i++) v[i] = values[i];
  return a;
}

function checkBias(action: string, bias: ArrayLike<number>, rows: number, what: string): void {
  if (bias === null || typeof bias !== "object" || bias.length !== rows) {
    throw new TypeError(
      `Cannot ${action}: bias must have ${rows} entries (one per ${what}), got ${describe(bias)}`,
    );
  }
}

/**
 * Lays out dense float weights for scoring with float32 SIMD.
 *
 * @param form Weights `(nOutputs, nFeatures)` and bias.
 * @param options Backend.
 * @returns The scorer.
 * @throws {TypeError} If the weights are not a multiple of the bias length.
 *
 * @example Scores of two rows
 * ```ts
 * import { prepareDense } from "./scorers.ts";
 * import assert from "node:assert/strict";
 *
 * const s = prepareDense({ weights: new Float32Array([1, 2, 3, 4, 5, 6]), bias: [0, 1] });
 * const x = { data: new Float32Array([1, 0, 0, 0, 0, 1]), rows: 2, cols: 3 };
 * assert.deepEqual([...s.scores(x)], [1, 5, 3, 7]);
 * s.close();
 * ```
 */
export function prepareDense(form: DenseForm, options: ScorerOptions = {}): Scorer<Matrix> {
  const action = "prepare dense scorer";
  const k = form.bias?.length ?? 0;
  if (k === 0 || !form.weights || form.weights.length % k !== 0) {
    throw new TypeError(
      `Cannot ${action}: ${describe(form.weights)} weights for ${k} outputs is not a whole matrix`,
    );
  }
  const d = form.weights.length / k;
  if (options.backend === "ts") {
    return makeScorer<Matrix>(null, (x, out) => denseScoresTs(form, x, out), d, k, "ts");
  }
  const { kx, ws } = newKernels();
  const w = copyF32(ws, form.weights), b = copyF32(ws, form.bias, 4);
  return makeScorer<Matrix>(
    {
      ws,
      kx,
      d,
      k,
      bytesPerValue: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      kernel: () => "dense",
      args: (input, n, _x, out) => [input, n, d, w, k, b, out],
    },
    null,
    d,
    k,
    "wasm",
  );
}

/**
 * Lays out sparse CSR weights; the kernel visits only stored weights, four input rows at a
 * time.
 *
 * @param form The CSR weights.
 * @param options Backend.
 * @returns The scorer.
 * @throws {TypeError} If `indptr` does not have `nOutputs + 1` entries or indices and values
 *   differ in length.
 * @throws {RangeError} If `indptr` is not non-decreasing from 0 to `nnz` or an index is outside
 *   `0..nFeatures-1`.
 */
export function prepareSparse(form: SparseForm, options: ScorerOptions = {}): Scorer<Matrix> {
  const action = "prepare sparse scorer";
  const k = form.bias?.length ?? 0, d = form.nFeatures;
  const { indptr, indices, values } = form;
  if (!(indptr instanceof Int32Array) || indptr.length !== k + 1) {
    throw new TypeError(`Cannot ${action}: indptr must be an Int32Array of ${k + 1} entries`);
  }
  if (!(indices instanceof Int32Array) || values?.length !== indices.length) {
    throw new TypeError(`Cannot ${action}: indices and values must have the same length`);
  }
  if (indptr[0] !== 0 || indptr[k] !== indices.length) {
    throw new RangeError(`Cannot ${action}: indptr must run from 0 to ${indices.length}`);
  }
  for (let c = 0; c < k; c++) {
    if (indptr[c + 1] < indptr[c]) {
      throw new RangeError(`Cannot ${action}: indptr decreases at output ${c}`);
    }
  }
  for (let p = 0; p < indices.length; p++) {
    if (!(indices[p] >= 0 && indices[p] < d)) {
      throw new RangeError(
        `Cannot ${action}: index ${indices[p]} at position ${p} is outside 0..${d - 1}`,
      );
    }
  }
  if (options.backend === "ts") {
    return makeScorer<Matrix>(null, (x, out) => sparseScoresTs(form, x, out), d, k, "ts");
  }
  const { kx, ws } = newKernels();
  const ip = ws.alloc(4 * (k + 1));
  ws.i32(ip, k + 1).set(indptr);
  const off = ws.alloc(4 * indices.length + 16);
  const offs = ws.i32(off, indices.length);
  for (let p = 0; p < indices.length; p++) offs[p] = indices[p] * 16;
  const vals = copyF32(ws, values, 4), b = copyF32(ws, form.bias, 4);
  return makeScorer<Matrix>(
    {
      ws,
      kx,
      d,
      k,
      bytesPerValue: 4,
      scratchBytes: 16 * d,
      threads: options.threads ?? 1,
      kernel: () => "sparse",
      args: (input, n, _x, out, scratch) => [input, n, d, ip, off, vals, k, b, scratch, out],
    },
    null,
    d,
    k,
    "wasm",
  );
}

/**
 * Lays out a structured-pruned model (whole features removed); the kernel gathers the kept
 * features of two rows at a time and scores them densely.
 *
 * @param form Kept features and their weights.
 * @param options Backend.
 * @returns The scorer.
 * @throws {TypeError} If the weights are not `(nOutputs, nKept)`.
 * @throws {RangeError} If a kept feature is outside `0..nFeatures-1`.
 */
export function prepareFeatureSubset(
  form: FeatureSubsetForm,
  options: ScorerOptions = {},
): Scorer<Matrix> {
  const action = "prepare feature-subset scorer";
  const k = form.bias?.length ?? 0, d = form.nFeatures, m = form.features?.length ?? 0;
  if (!form.weights || form.weights.length !== k * m) {
    throw new TypeError(`Cannot ${action}: weights must be ${k} x ${m} (outputs x kept features)`);
  }
  for (const f of form.features) {
    if (!(f >= 0 && f < d)) {
      throw new RangeError(`Cannot ${action}: kept feature ${f} is outside 0..${d - 1}`);
    }
  }
  if (options.backend === "ts") {
    return makeScorer<Matrix>(null, (x, out) => featureSubsetScoresTs(form, x, out), d, k, "ts");
  }
  const { kx, ws } = newKernels();
  const foff = ws.alloc(4 * m + 16);
  const fo = ws.i32(foff, m);
  for (let t = 0; t < m; t++) fo[t] = form.features[t] * 4;
  const w = copyF32(ws, form.weights), b = copyF32(ws, form.bias, 4);
  return makeScorer<Matrix>(
    {
      ws,
      kx,
      d,
      k,
      bytesPerValue: 4,
      scratchBytes: 8 * m,
      threads: options.threads ?? 1,
      kernel: () => "subset",
      args: (input, n, _x, out, scratch) => [input, n, d, foff, m, w, k, b, scratch, out],
    },
    null,
    d,
    k,
    "wasm",
  );
}

let relaxedDotAgrees: boolean | undefined;

/** Runs the relaxed and exact int8 kernels on a probe once: do they agree on this engine? */
function relaxedDotWorks(): boolean {
  if (relaxedDotAgrees !== undefined) return relaxedDotAgrees;
  if (!relaxedSimdSupported()) return relaxedDotAgrees = false;
  kernels ??= newKernels();
  const { kx, ws } = kernels;
  const mark = ws.mark();
  const d = 48, k = 5;
  const x = ws.alloc(2 * d + 64), w16 = ws.alloc(2 * k * d), w8 = ws.alloc(k * d);
  const wsum = ws.alloc(4 * k), scale = ws.alloc(4 * k + 16), b = ws.alloc(4 * k + 16);
  const o1 = ws.alloc(8 * k), o2 = ws.alloc(8 * k);
  const xv = ws.u8(x, 2 * d), a16 = new Int16Array(ws.memory.buffer, w16, k * d);
  const a8 = ws.i8(w8, k * d);
  for (let i = 0; i < 2 * d; i++) xv[i] = (i * 97 + 200) % 256;
  for (let i = 0; i < k * d; i++) a16[i] = a8[i] = ((i * 37) % 128) - 64;
  ws.f32(scale, k).fill(1);
  kx.int8(x, 2, d, 0, w16, d, k, wsum, 0, scale, b, o1);
  kx.int8Relaxed(x, 2, d, w8, d, k, wsum, 0, scale, b, o2);
  const a = ws.f32(o1, 2 * k), z = ws.f32(o2, 2 * k);
  relaxedDotAgrees = a.every((v, i) => v === z[i]);
  ws.release(mark);
  return relaxedDotAgrees;
}

/**
 * Lays out int8 weights for scoring 8-bit inputs with int32 sums. Uses the relaxed dot product
 * (16 products per instruction with VNNI) when allowed, the codes are in [-64, 63] and the
 * engine agrees with the exact kernel; otherwise widens to int16 (exact for any codes).
 *
 * @param form Codes `(nOutputs, nFeatures)`, row scales, bias.
 * @param options Backend, relaxed.
 * @returns The scorer; inputs are {@linkcode QuantizedInput}s (uint8 or int8 codes).
 * @throws {TypeError} If codes, scales and bias do not agree in size.
 */
export function prepareInt8(
  form: Int8Form,
  options: ScorerOptions = {},
): Scorer<QuantizedInput> {
  const action = "prepare int8 scorer";
  const k = form.bias?.length ?? 0;
  if (!(form.codes instanceof Int8Array) || k === 0 || form.codes.length % k !== 0) {
    throw new TypeError(`Cannot ${action}: codes must be an Int8Array of ${k} rows`);
  }
  checkBias(action, form.scale, k, "output row (scale)");
  const d = form.codes.length / k;
  if (options.backend === "ts") {
    return makeScorer<QuantizedInput>(null, (x, out) => int8ScoresTs(form, x, out), d, k, "ts");
  }
  let small = true;
  for (const c of form.codes) if (c < -64 || c > 63) small = false;
  const relaxed = (options.relaxed ?? true) && small && relaxedDotWorks();
  const { kx, ws } = newKernels();
  // int16 layout for the exact kernel (signed inputs, or codes out of the relaxed range);
  // int8 layout for the relaxed one.
  const dp = Math.ceil(d / 8) * 8, dp8 = Math.ceil(d / 16) * 16;
  const wsum = ws.alloc(4 * k + 16);
  const sums = ws.i32(wsum, k);
  const w = ws.alloc(2 * k * dp);
  const a16 = new Int16Array(ws.memory.buffer, w, k * dp);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) a16[c * dp + j] = form.codes[c * d + j];
  const w8 = relaxed ? ws.alloc(k * dp8) : 0;
  if (relaxed) {
    const a8 = ws.i8(w8, k * dp8);
    for (let c = 0; c < k; c++) a8.set(form.codes.subarray(c * d, (c + 1) * d), c * dp8);
  }
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += form.codes[c * d + j];
    sums[c] = s;
  }
  const scale = ws.alloc(4 * k + 16), b = copyF32(ws, form.bias, 4);
  const sv = ws.f32(scale, k);
  return makeScorer<QuantizedInput>(
    {
      ws,
      kx,
      d,
      k,
      bytesPerValue: 1,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      kernel: (x) => {
        const q = x as QuantizedInput;
        for (let c = 0; c < k; c++) sv[c] = q.scale * form.scale[c];
        return relaxed && !(q.data instanceof Int8Array) ? "int8Relaxed" : "int8";
      },
      args: (input, n, x, out) => {
        const q = x as QuantizedInput;
        return relaxed && !(q.data instanceof Int8Array)
          ? [input, n, d, w8, dp8, k, wsum, q.zeroPoint, scale, b, out]
          : [
            input,
            n,
            d,
            q.data instanceof Int8Array ? 1 : 0,
            w,
            dp,
            k,
            wsum,
            q.zeroPoint,
            scale,
            b,
            out,
          ];
      },
    },
    null,
    d,
    k,
    relaxed ? "wasm-relaxed" : "wasm",
  );
}

/**
 * Lays out packed 4-bit codes for scoring 8-bit inputs: the codebook becomes an int8 table per
 * output (`scale_c = max |codebook_c| / 127`, entries rounded), looked up 16 codes at a time.
 * Compared with the float codebook, each weight moves by at most `scale_c / 2`.
 *
 * @param form Packed codes, codebook, bias, feature count.
 * @param options Backend.
 * @returns The scorer; inputs are {@linkcode QuantizedInput}s.
 * @throws {TypeError} If the sizes disagree.
 */
export function preparePacked4(
  form: Packed4Form,
  options: ScorerOptions = {},
): Scorer<QuantizedInput> {
  const action = "prepare packed 4-bit scorer";
  const k = form.bias?.length ?? 0, d = form.nFeatures, rb = Math.ceil(d / 2);
  if (!(form.packed instanceof Uint8Array) || form.packed.length !== k * rb) {
    throw new TypeError(`Cannot ${action}: packed must be ${k} x ${rb} bytes`);
  }
  const perOutput = form.codebook?.length === 16 * k && k > 1;
  if (!perOutput && form.codebook?.length !== 16) {
    throw new TypeError(`Cannot ${action}: codebook must have 16 or ${16 * k} entries`);
  }
  if (options.backend === "ts") {
    return makeScorer<QuantizedInput>(null, (x, out) => packed4ScoresTs(form, x, out), d, k, "ts");
  }
  const { kx, ws } = newKernels();
  const packed = ws.alloc(k * rb + 16);
  ws.u8(packed, k * rb).set(form.packed);
  const tables = ws.alloc(16 * k), tsum = ws.alloc(4 * k + 16), tscale = new Float64Array(k);
  const tv = ws.i8(tables, 16 * k), ts = ws.i32(tsum, k);
  for (let c = 0; c < k; c++) {
    const o = perOutput ? 16 * c : 0;
    let max = 0;
    for (let q = 0; q < 16; q++) max = Math.max(max, Math.abs(form.codebook[o + q]));
    const s = max > 0 ? max / 127 : 1;
    tscale[c] = s;
    for (let q = 0; q < 16; q++) tv[16 * c + q] = Math.round(form.codebook[o + q] / s);
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const byte = form.packed[c * rb + (j >> 1)];
      sum += tv[16 * c + (j & 1 ? byte >> 4 : byte & 15)];
    }
    ts[c] = sum;
  }
  const scale = ws.alloc(4 * k + 16), b = copyF32(ws, form.bias, 4);
  const sv = ws.f32(scale, k);
  return makeScorer<QuantizedInput>(
    {
      ws,
      kx,
      d,
      k,
      bytesPerValue: 1,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      kernel: (x) => {
        const q = x as QuantizedInput;
        for (let c = 0; c < k; c++) sv[c] = q.scale * tscale[c];
        return "packed4";
      },
      args: (input, n, x, out) => {
        const q = x as QuantizedInput;
        const signed = q.data instanceof Int8Array ? 1 : 0;
        return [input, n, d, signed, packed, rb, k, tables, tsum, q.zeroPoint, scale, b, out];
      },
    },
    null,
    d,
    k,
    "wasm",
  );
}

function oneShot<F, I extends In>(
  prepare: (form: F, options: ScorerOptions) => Scorer<I>,
): (form: F, x: I, options?: ScorerOptions) => Float32Array {
  return (form, x, options = {}) => {
    const s = prepare(form, options);
    try {
      return s.scores(x, { out: options.out });
    } finally {
      s.close();
    }
  };
}

/**
 * Dense float32 scores `x W^T + b` (one shot; see {@linkcode prepareDense}).
 *
 * @param form Weights and bias.
 * @param x Inputs, shape `(nSamples, nFeatures)`, float32.
 * @param options Backend, output buffer.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 */
export const denseScores: (form: DenseForm, x: Matrix, options?: ScorerOptions) => Float32Array =
  oneShot(prepareDense);
/**
 * Sparse CSR scores (one shot; see {@linkcode prepareSparse}).
 *
 * @param form The CSR weights.
 * @param x Inputs, float32.
 * @param options Backend, output buffer.
 * @returns Scores.
 */
export const sparseScores: (form: SparseForm, x: Matrix, options?: ScorerOptions) => Float32Array =
  oneShot(prepareSparse);
/**
 * Feature-subset scores (one shot; see {@linkcode prepareFeatureSubset}).
 *
 * @param form Kept features and weights.
 * @param x Inputs with all features, float32.
 * @param options Backend, output buffer.
 * @returns Scores.
 */
export const featureSubsetScores: (
  form: FeatureSubsetForm,
  x: Matrix,
  options?: ScorerOptions,
) => Float32Array = oneShot(prepareFeatureSubset);
/**
 * int8 scores (one shot; see {@linkcode prepareInt8}).
 *
 * @param form Codes, row scales, bias.
 * @param x Quantized inputs.
 * @param options Backend, relaxed, output buffer.
 * @returns Scores.
 */
export const int8Scores: (
  form: Int8Form,
  x: QuantizedInput,
  options?: ScorerOptions,
) => Float32Array = oneShot(prepareInt8);
/**
 * Packed 4-bit scores (one shot; see {@linkcode preparePacked4}).
 *
 * @param form Packed codes, codebook, bias.
 * @param x Quantized inputs.
 * @param options Backend, output buffer.
 * @returns Scores.
 */
export const packed4Scores: (
  form: Packed4Form,
  x: QuantizedInput,
  options?: ScorerOptions,
) => Float32Array = oneShot(preparePacked4);
