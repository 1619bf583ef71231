/**
 * Inference kernels for each model form, on WebAssembly SIMD, working on the compressed form
 * itself: dense float32, sparse CSR (skips pruned weights), feature subsets (skips removed
 * features), int8 weights with 8-bit inputs and int32 sums (float scores, or integer-exact
 * float64 scores for integer-only inference), packed 4-bit codes looked up in a codebook 16 at a
 * time (8-bit or float32 inputs). `prepareXxx(form)` lays the form out in kernel memory once and
 * returns a {@linkcode Scorer}; `xxxScores(form, x)` is the one-shot version. With
 * `backend: "ts"` the reference TypeScript in `reference.ts` runs instead.
 *
 * Inputs that live outside kernel memory are copied in blocks of rows small enough to stay in
 * the core's cache while the kernel reads them (so a copy costs about one read of the inputs);
 * inputs written into `scorer.inputBuffer(rows)` are scored where they are. A prepared scorer
 * owns its memory; one-shot calls share one workspace per thread, released after each call.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import {
  assertFinite,
  assertInRange,
  assertOptions,
  checkBackendOptions,
  counted,
  describe,
  refuseSparse,
} from "../core/validate.ts";
import type {
  CodeInput,
  DenseForm,
  FeatureSubsetForm,
  Int8Form,
  IntegerForm,
  Packed4Form,
  QuantizedInput,
  SparseForm,
} from "./forms.ts";
import {
  denseScoresTs,
  featureSubsetScoresTs,
  int8ScoresTs,
  integerScoresTs,
  packed4FloatScoresTs,
  packed4ScoresTs,
  quantizeInputsKernel,
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
   * `"wasm"`: the SIMD kernels; `"ts"`: the reference TypeScript (float64 sums); `"auto"` (as
   * the model-level functions take it): the SIMD kernels here.
   * @default {"wasm"}
   */
  backend?: "auto" | "wasm" | "ts";
  /**
   * For int8: allow the relaxed-SIMD dot product when the inputs are unsigned and the engine
   * computes it exactly for the codes' range (checked once per process against the exact
   * kernel: always for codes in [-64, 63], and for full-range codes where the engine uses a
   * non-saturating instruction such as VNNI).
   * @default {true}
   */
  relaxed?: boolean;
  /**
   * Where the one-shot `xxxScores` functions write the scores, shape `(nSamples, nOutputs)`:
   * the first `nSamples * nOutputs` entries of a buffer at least that long.
   * @default {a new array}
   */
  out?: Float32Array | Float64Array;
  /**
   * Threads that share a batch (the calling thread plus workers over the shared memory; rows
   * are split, each row's scores do not depend on the split). Workers keep the process alive
   * until `close()`.
   * @default {1}
   */
  threads?: number;
}

/** Options of one {@linkcode Scorer.scores} call. */
export interface ScoreOptions<O extends Float32Array | Float64Array> {
  /**
   * Where to write the scores, shape `(nSamples, nOutputs)`: its first `nSamples * nOutputs`
   * entries (a longer buffer is kept as it is past them).
   * @default {a new array}
   */
  out?: O;
  /**
   * Refuse float inputs that hold NaN or infinity, with a `RangeError` naming the first one
   * (row and column). The dense kernel finds them for free (they reach the scores); the other
   * kernels scan their inputs in kernel memory.
   * @default {false}
   */
  validate?: boolean;
}

/** A model form laid out for scoring. Call `close()` to free its memory and stop its workers. */
export interface Scorer<I, O extends Float32Array | Float64Array = Float32Array> {
  /** Features per input row. */
  readonly nFeatures: number;
  /** Scores per row. */
  readonly nOutputs: number;
  /**
   * The kernel path: `"wasm"`, `"wasm-relaxed"` (int8 relaxed dot product) or `"ts"`.
   */
  readonly path: string;
  /** Threads that share a batch (1 if no worker could start). */
  readonly threads: number;
  /**
   * A buffer in kernel memory for `rows` input rows (row-major); scoring an input whose data is
   * this buffer skips the copy. Valid until a call asks for more rows.
   *
   * @throws {RangeError} If `rows` is not a non-negative integer, or the scorer is closed.
   */
  inputBuffer(rows: number): I extends Matrix ? Float32Array : Uint8Array;
  /**
   * Scores of the inputs, shape `(nSamples, nOutputs)`, bias included.
   *
   * @throws {TypeError} If the inputs do not have `nFeatures` columns or a whole number of
   *   rows, or their data are not
   *   8-bit codes (`Uint8Array`/`Int8Array`) for a code scorer, floats
   *   (`Float32Array`/`Float64Array`) for a float one.
   * @throws {TypeError} If `out` is not a float array of at least `nSamples * nOutputs` entries.
   * @throws {RangeError} If the scorer is closed, or `validate` finds NaN or infinity.
   */
  scores<T extends Float32Array | Float64Array = O>(x: I, options?: ScoreOptions<T>): T;
  /** Stops the workers and frees the kernel memory. */
  close(): void;
  /** Same as `close()` (for `using`). */
  [Symbol.dispose](): void;
}

/** An integer scorer, which also quantizes float inputs when its form says how. */
export interface IntegerScorer extends Scorer<CodeInput, Float64Array> {
  /**
   * Quantizes float inputs with the form's `input` mapping (exactly as `lib/quant`'s
   * `quantizeInputsKernel`) and scores the codes.
   *
   * @throws {TypeError} If the form has no `input` mapping or `x` has the wrong width.
   * @throws {RangeError} If `x` holds NaN or infinity.
   */
  scoresFromFloat(x: Matrix, options?: { out?: Float64Array }): Float64Array;
}

/** How integer scorers quantize float inputs: `clamp(roundHalfEven(x * mul + off) + zp)`. */
export interface InputMapping {
  /** Per-feature multiplier, shape `(nFeatures)`. */
  readonly multiplier: Float64Array;
  /** Per-feature offset, shape `(nFeatures)`. */
  readonly offset: Float64Array;
  /** Zero point added after rounding (an integer). */
  readonly zeroPoint: number;
  /** Code type. */
  readonly dtype: "uint8" | "int8";
}

/** The input types. */
type In = Matrix | QuantizedInput | CodeInput;
type Out = Float32Array | Float64Array;

/** Input bytes per block of rows copied into kernel memory (fits the L2 cache of a core). */
const CHUNK_BYTES = 1 << 18;
/** Bytes of kernel-memory inputs fetched ahead of a kernel call (see `touch`). */
const TOUCH_BYTES = 200_000;
/** One-shot calls whose layout needs more than this use their own memory (not kept). */
const SHARED_LIMIT = 1 << 25;
/** Smallest normal float32: smaller weights are flushed to 0 (denormal operands cost about a
 * hundred cycles each on x86). */
const F32_MIN_NORMAL = 1.1754943508222875e-38;

const KERNELS = [
  "dense",
  "sparse",
  "subset",
  "int8",
  "int8Relaxed",
  "int8Exact",
  "int8RelaxedExact",
  "packed4",
  "packed4f",
  "quantize",
  "scaleRows",
] as const;

/** Kernel instances and the memory they work in; `release` frees what the scorer took. */
interface Env {
  kx: KernelExports;
  ws: Workspace;
  release(): void;
}

function ownEnv(): Env {
  const ws = createWorkspace();
  const kx = instantiateKernels(kernelModule("infer", relaxedSimdSupported()), ws.memory);
  return { kx, ws, release() {} };
}

let shared: { kx: KernelExports; ws: Workspace; busy: boolean } | null = null;

/** The shared one-shot workspace (or a private one for big layouts or nested use). */
function sharedEnv(bytes: number): Env {
  if (bytes > SHARED_LIMIT || shared?.busy) return ownEnv();
  if (shared === null) {
    const ws = createWorkspace(1 << 20);
    shared = {
      kx: instantiateKernels(kernelModule("infer", relaxedSimdSupported()), ws.memory),
      ws,
      busy: false,
    };
  }
  const s = shared;
  const mark = s.ws.mark();
  s.busy = true;
  // Allocations are zeroed, as in a fresh memory (padding and control blocks rely on it).
  const ws: Workspace = {
    ...s.ws,
    alloc(bytes) {
      const a = s.ws.alloc(bytes);
      s.ws.u8(a, bytes).fill(0);
      return a;
    },
  };
  return {
    kx: s.kx,
    ws,
    release() {
      s.ws.release(mark);
      s.busy = false;
    },
  };
}

/** What a kernel needs from the scorer for one run over `rows` rows. */
interface Spec {
  env: Env;
  d: number;
  k: number;
  /** Bytes per input value in kernel memory. */
  inBytes: 1 | 4;
  /** Bytes per score written by the kernel. */
  outBytes: 4 | 8;
  threads: number;
  /** Rows of the one call a one-shot scorer makes (sizes its copy blocks), or null. */
  rows: number | null;
  /** Scratch bytes per thread. */
  scratchBytes: number;
  /** Validation by the scores (the dense kernel: every input reaches every score). */
  validatesByScores: boolean;
  /** Prepares a call (e.g. scales that depend on the input) and names the kernel it runs. */
  kernel(x: In): string;
  /** The kernel's integer arguments for `rows` rows at these addresses. */
  args(input: number, rows: number, x: In, out: number, scratch: number): number[];
  /**
   * Quantization of float inputs (integer scorers only), and what the caller was doing, for the
   * message that refuses NaN or infinity in them.
   */
  quantize?: { mul: number; off: number; zp: number; lo: number; hi: number; action: string };
  /** Address of float32 per-column factors applied to float inputs before the kernel. */
  inputScale?: number;
}

/** Checks that `x` is `(n, d)` and holds what the kernel reads: 8-bit codes, or floats. */
function checkShape(d: number, x: In, codes: boolean): void {
  refuseSparse("compute scores", "x", x);
  const data = (x as { data?: unknown } | null)?.data;
  const fits = codes
    ? data instanceof Uint8Array || data instanceof Int8Array
    : data instanceof Float32Array || data instanceof Float64Array;
  if (data !== undefined && !fits) {
    throw new TypeError(
      `Cannot compute scores: x.data must be a ${
        codes ? "Uint8Array or Int8Array of codes" : "Float32Array or Float64Array"
      }, got ${describe(data)}`,
    );
  }
  // A row count that is not a whole number passed when it times the columns was the length:
  // 1.5 x 2 was scored as one row, -1 x 0 failed on "Invalid typed array length".
  const rows = (x as { rows?: unknown } | null)?.rows;
  if (data !== undefined && !(Number.isInteger(rows) && (rows as number) >= 0)) {
    throw new TypeError(
      `Cannot compute scores: x.rows must be a non-negative integer, got ${describe(rows)}`,
    );
  }
  if (
    x === null || typeof x !== "object" || x.cols !== d || !x.data ||
    x.data.length !== x.rows * x.cols
  ) {
    const n = x?.data?.length;
    throw new TypeError(
      `Cannot compute scores: the model takes ${counted(d, "feature")}, x is ${x?.rows} x ` +
        `${x?.cols} with ${typeof n === "number" ? counted(n, "value") : `${n} values`}`,
    );
  }
}

/**
 * The caller's output buffer, checked to hold `(n, k)` scores, or a new one. A longer buffer is
 * taken (its first `n * k` entries written): one buffer sized for the largest batch serves a
 * stream's shorter last batch, as it did before the check.
 */
function outputOf<O extends Out>(
  given: O | undefined,
  n: number,
  k: number,
  outType: { new (n: number): O },
): O {
  if (given === undefined) return new outType(n * k);
  if (!(given instanceof Float32Array || given instanceof Float64Array) || given.length < n * k) {
    throw new TypeError(
      `Cannot compute scores: out must be a Float32Array or Float64Array of at least ${
        counted(n * k, "entry", { plural: "entries" })
      } (${n} x ${k}), got ${describe(given)}`,
    );
  }
  return given;
}

/** Throws naming the first NaN or infinity in rows r0..r1-1 of x, if any. */
function locateNonFinite(x: Matrix, r0: number, r1: number, action = "compute scores"): void {
  const d = x.cols, v = x.data;
  for (let i = r0 * d; i < r1 * d; i++) {
    if (v[i] - v[i] !== 0) {
      throw new RangeError(
        `Cannot ${action}: x holds ${v[i]} at row ${Math.floor(i / d)}, column ${i % d}`,
      );
    }
  }
}

/**
 * Checks the mapping of quantized inputs: the kernels take the zero point as an int32 (0.5 was
 * read as 0 by them and as 0.5 by the TypeScript reference, NaN as 0 and as NaN) and a scale
 * that is not a finite number made every score NaN.
 */
function checkQuantized(x: QuantizedInput): void {
  const [lo, hi] = x.data instanceof Int8Array ? [-128, 127] : [0, 255];
  assertInRange("compute scores", "x.zeroPoint", x.zeroPoint, lo, hi, true);
  if (typeof x.scale !== "number" || !Number.isFinite(x.scale)) {
    const Kind = typeof x.scale === "number" ? RangeError : TypeError;
    throw new Kind(
      `Cannot compute scores: x.scale must be a finite number, got ${describe(x.scale)}`,
    );
  }
}

/**
 * Checks the rows asked of `inputBuffer`: -1 ended in "Invalid typed array length", 1.5 and NaN
 * gave a buffer of a row count the scores cannot have.
 */
function checkBufferRows(rows: number): void {
  assertInRange("make an input buffer", "rows", rows, 0, 2 ** 31 - 1, true);
}

function tsScorer<I extends In, O extends Out>(
  d: number,
  k: number,
  outType: { new (n: number): O },
  codes: boolean,
  reference: (x: I, out: Out) => void,
): Scorer<I, O> {
  // Codes for a code scorer, as the wasm scorers' buffers (a Float32Array was refused by the
  // scorer's own shape check).
  // Closed as the wasm scorers are: the Scorer contract refuses calls after close().
  let closed = false;
  const inputBuffer = (rows: number) => {
    if (closed) throw new RangeError("Cannot make an input buffer: the scorer is closed");
    checkBufferRows(rows);
    return codes ? new Uint8Array(rows * d) : new Float32Array(rows * d);
  };
  const s: Scorer<I, O> = {
    nFeatures: d,
    nOutputs: k,
    path: "ts",
    threads: 1,
    inputBuffer: inputBuffer as Scorer<I, O>["inputBuffer"],
    scores<T extends Out = O>(x: I, options: ScoreOptions<T> = {}): T {
      if (closed) throw new RangeError("Cannot compute scores: the scorer is closed");
      checkShape(d, x, codes);
      if (options.validate && !(x.data instanceof Uint8Array || x.data instanceof Int8Array)) {
        locateNonFinite(x as Matrix, 0, x.rows);
      }
      const out = outputOf(options.out, x.rows, k, outType as unknown as { new (n: number): T });
      reference(x, out);
      return out;
    },
    close() {
      closed = true;
    },
    [Symbol.dispose]() {
      closed = true;
    },
  };
  return s;
}

function makeScorer<I extends In, O extends Out>(
  spec: Spec,
  path: string,
  outType: { new (n: number): O },
): Scorer<I, O> & { floatScores?: (x: Matrix, out?: Float64Array) => Float64Array } {
  const { env, d, k, inBytes, outBytes } = spec;
  const { ws, kx } = env;
  const threads = Math.max(1, Math.floor(spec.threads));
  const control = ws.alloc(4 * (8 + 16 * threads));
  const pool = createKernelPool(
    kx,
    ws.memory,
    kernelBinary("infer", relaxedSimdSupported()),
    control,
    threads,
    KERNELS,
  );
  const badSlots = ws.alloc(4 * pool.threads + 16);
  // Copy blocks: small enough to stay in cache, a multiple of 4 rows, a share per thread.
  const rowBytes = Math.max(1, d * (spec.quantize ? 4 : inBytes));
  const perThread = Math.max(8, Math.floor(CHUNK_BYTES / rowBytes / 8) * 8);
  const chunkRows = Math.min(
    perThread * pool.threads,
    spec.rows === null ? Infinity : Math.max(8, Math.ceil(spec.rows / 8) * 8),
  );
  const wideIn = spec.quantize ? ws.alloc(chunkRows * d * 8 + 64) : 0; // float inputs
  const chunkIn = ws.alloc(chunkRows * d * inBytes + 64);
  const chunkOut = ws.alloc(chunkRows * k * outBytes + 64);
  const scratch = ws.alloc(pool.threads * (spec.scratchBytes + 64));
  const base = ws.mark();
  let capacity = -1, input = 0, output = 0, closed = false;
  const ensure = (rows: number) => {
    if (rows <= capacity) return;
    ws.release(base);
    input = ws.alloc(rows * d * inBytes + 64);
    output = ws.alloc(rows * k * outBytes + 64);
    capacity = rows;
  };
  const inView = (address: number, rows: number) =>
    inBytes === 4 ? ws.f32(address, rows * d) : ws.u8(address, rows * d);
  const outView = (address: number, rows: number) =>
    outBytes === 4 ? ws.f32(address, rows * k) : ws.f64(address, rows * k);

  /** Runs the kernel on `rows` rows at `inAddr`, split over the threads in multiples of 8. */
  const run = (kernel: string, x: In, inAddr: number, rows: number, outAddr: number) => {
    const share = Math.ceil(rows / pool.threads / 8) * 8;
    pool.run(kernel, (t) => {
      const r0 = Math.min(rows, t * share), r1 = Math.min(rows, r0 + share);
      return spec.args(
        inAddr + r0 * d * inBytes,
        r1 - r0,
        x,
        outAddr + r0 * k * outBytes,
        scratch + t * (spec.scratchBytes + 64),
      );
    });
  };

  /** Validation after a run on rows r0.. of x (scores at outAddr, inputs at inAddr). */
  const validate = (x: Matrix, r0: number, rows: number, inAddr: number, outAddr: number) => {
    if (spec.validatesByScores) {
      // NaN or infinity in an input makes every score of its row NaN or infinite.
      const o = outView(outAddr, rows);
      for (let i = 0; i < rows; i++) {
        for (let c = 0; c < k; c++) {
          const v = o[i * k + c];
          if (v - v !== 0) {
            locateNonFinite(x, r0 + i, r0 + i + 1);
            break;
          }
        }
      }
    } else if (kx.nonFinite(inAddr, rows * d) > 0) {
      locateNonFinite(x, r0, r0 + rows);
    }
  };

  const copyIn = (x: In, r0: number, rows: number, dst: number) => {
    const src = x.data.subarray(r0 * d, (r0 + rows) * d);
    if (inBytes === 4) ws.f32(dst, rows * d).set(src as Float32Array | Float64Array);
    else {
      ws.u8(dst, rows * d).set(new Uint8Array(src.buffer, src.byteOffset, src.length));
    }
  };

  // Part of the scorer literal below: stored onto each one-shot scorer after it was made, V8 kept
  // those scorers through young collections (the young generation grew to 64 MB, and a service
  // scoring request after request held twice the resident memory of float one-shot calls).
  const q = spec.quantize;
  const floatScores = q && ((x: Matrix, given?: Float64Array) => {
    if (closed) throw new RangeError("Cannot compute scores: the scorer is closed");
    checkShape(d, x, false);
    const n = x.rows;
    const out = outputOf(given, n, k, Float64Array);
    const wide = x.data instanceof Float64Array ? 1 : 0;
    const codes: CodeInput = {
      data: q.lo < 0 ? new Int8Array(0) : new Uint8Array(0),
      rows: 0,
      cols: d,
    };
    const kernel = spec.kernel(codes);
    const slots = ws.i32(badSlots, pool.threads);
    for (let r0 = 0; r0 < n; r0 += chunkRows) {
      const rows = Math.min(chunkRows, n - r0);
      const src = x.data.subarray(r0 * d, (r0 + rows) * d);
      if (wide) ws.f64(wideIn, rows * d).set(src);
      else ws.f32(wideIn, rows * d).set(src);
      const share = Math.ceil(rows / pool.threads / 8) * 8;
      slots.fill(0);
      pool.run("quantize", (t) => {
        const a = Math.min(rows, t * share), b = Math.min(rows, a + share);
        return [
          wideIn + a * d * (wide ? 8 : 4),
          wide,
          b - a,
          d,
          q.mul,
          q.off,
          q.zp,
          q.lo,
          q.hi,
          chunkIn + a * d,
          badSlots + 4 * t,
        ];
      });
      if (slots.some((v) => v > 0)) locateNonFinite(x, r0, r0 + rows, q.action);
      run(kernel, codes, chunkIn, rows, chunkOut);
      out.set(ws.f64(chunkOut, rows * k), r0 * k);
    }
    return out;
  });

  const scorer: Scorer<I, O> & { floatScores?: (x: Matrix, out?: Float64Array) => Float64Array } = {
    nFeatures: d,
    nOutputs: k,
    path,
    threads: pool.threads,
    floatScores: floatScores || undefined,
    inputBuffer: ((rows: number) => {
      if (closed) throw new RangeError("Cannot make an input buffer: the scorer is closed");
      checkBufferRows(rows);
      ensure(rows);
      return inView(input, rows);
    }) as Scorer<I, O>["inputBuffer"],
    scores<T extends Out = O>(x: I, options: ScoreOptions<T> = {}): T {
      if (closed) throw new RangeError("Cannot compute scores: the scorer is closed");
      checkShape(d, x, inBytes === 1);
      const n = x.rows;
      const out = outputOf(options.out, n, k, outType as unknown as { new (n: number): T });
      const check = options.validate === true && inBytes === 4;
      const kernel = spec.kernel(x);
      const inPlace = x.data.buffer === (ws.memory.buffer as unknown) &&
        x.data.byteOffset === input && n <= capacity;
      if (inPlace && spec.inputScale === undefined && pool.threads === 1) {
        // Blocks of about 200 KB: their lines are fetched all at once, then computed on from
        // cache (a kernel streaming from memory waits on each line in turn).
        // Validation follows each block while it is in cache.
        // A multiple of 8 rows (the sparse kernel's row group).
        const block = Math.max(8, Math.floor(TOUCH_BYTES / (d * inBytes) / 8) * 8);
        for (let r0 = 0; r0 < n; r0 += block) {
          const rows = Math.min(block, n - r0);
          const at = input + r0 * d * inBytes, to = output + r0 * k * outBytes;
          kx.touch(at, rows * d * inBytes);
          run(kernel, x, at, rows, to);
          if (check) validate(x as Matrix, r0, rows, at, to);
        }
        out.set(outView(output, n));
        return out;
      }
      if (inPlace && spec.inputScale === undefined) {
        run(kernel, x, input, n, output);
        if (check) {
          // In blocks: many short calls, which V8 moves to its optimising tier.
          const block = Math.max(4, Math.floor(TOUCH_BYTES / (d * inBytes)));
          for (let r0 = 0; r0 < n; r0 += block) {
            const rows = Math.min(block, n - r0);
            validate(x as Matrix, r0, rows, input + r0 * d * inBytes, output + r0 * k * outBytes);
          }
        }
        out.set(outView(output, n));
        return out;
      }
      for (let r0 = 0; r0 < n; r0 += chunkRows) {
        const rows = Math.min(chunkRows, n - r0);
        let src = chunkIn;
        if (inPlace) src = input + r0 * d * inBytes;
        else copyIn(x, r0, rows, chunkIn);
        if (spec.inputScale !== undefined) {
          kx.scaleRows(src, rows, d, spec.inputScale, chunkIn);
          src = chunkIn;
        }
        run(kernel, x, src, rows, chunkOut);
        if (check) validate(x as Matrix, r0, rows, src, chunkOut);
        out.set(outView(chunkOut, rows), r0 * k);
      }
      return out;
    },
    close() {
      if (closed) return;
      closed = true;
      pool.close();
      env.release();
    },
    [Symbol.dispose]() {
      this.close();
    },
  };
  return scorer;
}

function copyF32(ws: Workspace, values: ArrayLike<number>, pad = 0): number {
  const a = ws.alloc(4 * (values.length + pad));
  const v = ws.f32(a, values.length + pad);
  for (let i = 0; i < values.length; i++) v[i] = values[i];
  return a;
}

/** Float32 weights, with values below float32's normal range flushed to 0. */
function copyWeights(ws: Workspace, values: ArrayLike<number>, pad = 0): number {
  const a = copyF32(ws, values, pad);
  const v = ws.f32(a, values.length);
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < F32_MIN_NORMAL) v[i] = 0;
  return a;
}

function checkPerOutput(action: string, name: string, values: ArrayLike<number>, k: number): void {
  if (values === null || typeof values !== "object" || values.length !== k) {
    throw new TypeError(
      `Cannot ${action}: ${name} must have ${
        counted(k, "entry", { plural: "entries" })
      } (one per output), got ${describe(values)}`,
    );
  }
}

/** Bytes a layout of these sizes takes, for choosing the shared workspace. */
function layoutBytes(d: number, k: number, weights: number): number {
  return 4 * weights + 8 * d * 8 + (CHUNK_BYTES + 4096) * 4 + 64 * k;
}

/**
 * Checks a scorer's options (an object: `null` failed with "Cannot read properties of null
 * (reading 'backend')"; backend, threads within 1..256), that the form is an object (`null`
 * failed the same way, reading 'bias', or was reported as a missing `nFeatures`) and, when
 * `counted` (forms that carry it), the number of features: a non-negative integer, given (a form
 * without it was built, and refused only when scoring, as "the model takes undefined features").
 */
function checkScorerOptions(
  action: string,
  options: ScorerOptions,
  form: unknown,
  counted = false,
): void {
  assertOptions(action, options);
  checkBackendOptions(action, options);
  if (form === null || typeof form !== "object") {
    throw new TypeError(`Cannot ${action}: the form must be an object, got ${describe(form)}`);
  }
  if (counted) {
    const nFeatures = (form as { readonly nFeatures?: unknown }).nFeatures as number;
    assertInRange(action, "nFeatures", nFeatures, 0, 2 ** 31 - 1, true);
  }
}

/**
 * Lays out dense float weights for scoring with float32 SIMD.
 *
 * @param form Weights `(nOutputs, nFeatures)` and bias.
 * @param options Backend, threads.
 * @returns The scorer.
 * @throws {TypeError} If the weights are not a multiple of the bias length.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256.
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
  checkScorerOptions("prepare dense scorer", options, form);
  return prepareDenseIn(null, form, options);
}

function prepareDenseIn(
  rows: number | null,
  form: DenseForm,
  options: ScorerOptions,
): Scorer<Matrix> {
  const action = "prepare dense scorer";
  const k = form.bias?.length ?? 0;
  if (k === 0 || !form.weights || form.weights.length % k !== 0) {
    throw new TypeError(
      `Cannot ${action}: ${describe(form.weights)} weights for ${k} outputs is not a whole matrix`,
    );
  }
  const d = form.weights.length / k;
  if (options.backend === "ts") {
    return tsScorer<Matrix, Float32Array>(
      d,
      k,
      Float32Array,
      false,
      (x, out) => denseScoresTs(form, x, out),
    );
  }
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, k * d)) : ownEnv();
  const { ws } = env;
  const w = copyWeights(ws, form.weights), b = copyF32(ws, form.bias, 4);
  return makeScorer<Matrix, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 4,
      outBytes: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: true,
      kernel: () => "dense",
      args: (input, n, _x, out) => [input, n, d, w, k, b, out],
    },
    "wasm",
    Float32Array,
  );
}

function checkCsr(action: string, form: SparseForm): void {
  const k = form.bias?.length ?? 0, d = form.nFeatures;
  const { indptr, indices, values } = form;
  if (!(indptr instanceof Int32Array) || indptr.length !== k + 1) {
    throw new TypeError(
      `Cannot ${action}: indptr must be an Int32Array of ${
        counted(k + 1, "entry", { plural: "entries" })
      }`,
    );
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
}

/**
 * Lays out sparse CSR weights in blocks of one feature by four outputs (a block for each
 * feature that one of the four outputs uses); the kernel visits only those blocks, eight input
 * rows at a time. Repeated indices within an output add up.
 *
 * @param form The CSR weights.
 * @param options Backend, threads.
 * @returns The scorer.
 * @throws {TypeError} If `indptr` does not have `nOutputs + 1` entries or indices and values
 *   differ in length.
 * @throws {RangeError} If `indptr` is not non-decreasing from 0 to `nnz` or an index is outside
 *   `0..nFeatures-1`.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256, or `nFeatures` is not a non-negative integer.
 */
export function prepareSparse(form: SparseForm, options: ScorerOptions = {}): Scorer<Matrix> {
  checkScorerOptions("prepare sparse scorer", options, form, true);
  return prepareSparseIn(null, form, options);
}

function prepareSparseIn(
  rows: number | null,
  form: SparseForm,
  options: ScorerOptions,
): Scorer<Matrix> {
  checkCsr("prepare sparse scorer", form);
  const k = form.bias.length, d = form.nFeatures;
  const { indptr, indices, values } = form;
  if (options.backend === "ts") {
    return tsScorer<Matrix, Float32Array>(
      d,
      k,
      Float32Array,
      false,
      (x, out) => sparseScoresTs(form, x, out),
    );
  }
  // Blocks of one feature by four outputs, feature-ascending within each group of outputs.
  const groups = Math.ceil(k / 4);
  const blockOf = new Int32Array(d);
  const gp = new Int32Array(groups + 1);
  const feats: number[] = [];
  const vals: number[] = [];
  for (let g = 0; g < groups; g++) {
    blockOf.fill(-1);
    const start = feats.length;
    for (let c = 4 * g; c < Math.min(k, 4 * g + 4); c++) {
      for (let p = indptr[c]; p < indptr[c + 1]; p++) if (values[p] !== 0) blockOf[indices[p]] = 0;
    }
    for (let j = 0; j < d; j++) {
      if (blockOf[j] === 0) {
        blockOf[j] = feats.length;
        feats.push(j);
        vals.push(0, 0, 0, 0);
      }
    }
    for (let c = 4 * g; c < Math.min(k, 4 * g + 4); c++) {
      for (let p = indptr[c]; p < indptr[c + 1]; p++) {
        if (values[p] !== 0) vals[4 * blockOf[indices[p]] + (c - 4 * g)] += values[p];
      }
    }
    gp[g] = start;
    gp[g + 1] = feats.length;
  }
  const nb = feats.length;
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, 5 * nb + 8)) : ownEnv();
  const { ws } = env;
  const gptr = ws.alloc(4 * (groups + 1));
  ws.i32(gptr, groups + 1).set(gp);
  const boff = ws.alloc(4 * nb + 16);
  ws.i32(boff, nb).set(feats.map((j) => 4 * j));
  const bval = copyWeights(ws, vals, 4);
  const b = copyF32(ws, form.bias, 4 * groups - k + 4);
  return makeScorer<Matrix, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 4,
      outBytes: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      kernel: () => "sparse",
      args: (input, n, _x, out) => [input, n, d, groups, gptr, boff, bval, k, b, out],
    },
    "wasm",
    Float32Array,
  );
}

/**
 * Lays out a structured-pruned model (whole features removed); the kernel gathers the kept
 * features of two rows at a time and scores them densely.
 *
 * @param form Kept features and their weights.
 * @param options Backend, threads.
 * @returns The scorer.
 * @throws {TypeError} If `features` is not an Int32Array or the weights are not
 *   `(nOutputs, nKept)`.
 * @throws {RangeError} If a kept feature is outside `0..nFeatures-1`.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256, or `nFeatures` is not a non-negative integer.
 */
export function prepareFeatureSubset(
  form: FeatureSubsetForm,
  options: ScorerOptions = {},
): Scorer<Matrix> {
  checkScorerOptions("prepare feature-subset scorer", options, form, true);
  return prepareFeatureSubsetIn(null, form, options);
}

function prepareFeatureSubsetIn(
  rows: number | null,
  form: FeatureSubsetForm,
  options: ScorerOptions,
): Scorer<Matrix> {
  const action = "prepare feature-subset scorer";
  const k = form.bias?.length ?? 0, d = form.nFeatures;
  // The kernel reads byte offsets 4 * features[t]: 1.5 read a misaligned float, a missing array
  // ended in "form.features is not iterable".
  if (!(form.features instanceof Int32Array)) {
    throw new TypeError(
      `Cannot ${action}: features must be an Int32Array, got ${describe(form.features)}`,
    );
  }
  const m = form.features.length;
  if (!form.weights || form.weights.length !== k * m) {
    throw new TypeError(`Cannot ${action}: weights must be ${k} x ${m} (outputs x kept features)`);
  }
  for (const f of form.features) {
    if (!(f >= 0 && f < d)) {
      throw new RangeError(`Cannot ${action}: kept feature ${f} is outside 0..${d - 1}`);
    }
  }
  if (options.backend === "ts") {
    return tsScorer<Matrix, Float32Array>(
      d,
      k,
      Float32Array,
      false,
      (x, out) => featureSubsetScoresTs(form, x, out),
    );
  }
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, k * m + m)) : ownEnv();
  const { ws } = env;
  const foff = ws.alloc(4 * m + 16);
  const fo = ws.i32(foff, m);
  for (let t = 0; t < m; t++) fo[t] = form.features[t] * 4;
  const w = copyWeights(ws, form.weights), b = copyF32(ws, form.bias, 4);
  return makeScorer<Matrix, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 4,
      outBytes: 4,
      scratchBytes: 8 * m,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      kernel: () => "subset",
      args: (input, n, _x, out, scratch) => [input, n, d, foff, m, w, k, b, scratch, out],
    },
    "wasm",
    Float32Array,
  );
}

const relaxedDotAgrees = new Map<number, boolean>();

/**
 * Runs the relaxed and exact int8 kernels on a probe once per range: does this engine compute
 * the relaxed dot product exactly for unsigned inputs and weights up to `limit` in magnitude?
 * The probe pairs the largest inputs with the largest weights of one sign, which saturates the
 * 16-bit pair sums of a `pmaddubsw` lowering (limit 127) and exposes an engine that reads the
 * inputs as signed.
 */
function relaxedDotWorks(limit: 64 | 128): boolean {
  const known = relaxedDotAgrees.get(limit);
  if (known !== undefined) return known;
  if (!relaxedSimdSupported()) {
    relaxedDotAgrees.set(limit, false);
    return false;
  }
  const env = sharedEnv(0);
  const { kx, ws } = env;
  try {
    const d = 64, k = 5;
    const x = ws.alloc(2 * d + 64), w16 = ws.alloc(2 * k * d), w8 = ws.alloc(k * d);
    const wsum = ws.alloc(4 * k), scale = ws.alloc(4 * k + 16), b = ws.alloc(4 * k + 16);
    const o1 = ws.alloc(8 * k), o2 = ws.alloc(8 * k);
    const xv = ws.u8(x, 2 * d), a16 = new Int16Array(ws.memory.buffer, w16, k * d);
    const a8 = ws.i8(w8, k * d);
    for (let i = 0; i < 2 * d; i++) xv[i] = i < d / 2 ? 255 : (i * 97 + 200) % 256;
    for (let i = 0; i < k * d; i++) {
      const j = i % d;
      const v = j < d / 2 ? (i < k * d / 2 ? limit - 1 : -limit) : ((i * 37) % (2 * limit)) - limit;
      a16[i] = a8[i] = Math.max(-127, v);
    }
    ws.f32(scale, k).fill(1);
    kx.int8(x, 2, d, 0, w16, d, k, wsum, 0, scale, b, o1);
    kx.int8Relaxed(x, 2, d, w8, d, k, wsum, 0, scale, b, o2);
    const a = ws.f32(o1, 2 * k), z = ws.f32(o2, 2 * k);
    const agrees = a.every((v, i) => v === z[i]);
    relaxedDotAgrees.set(limit, agrees);
    return agrees;
  } finally {
    env.release();
  }
}

/** Whether int8 codes fit the relaxed dot product on this engine. */
function relaxedFits(codes: ArrayLike<number>): boolean {
  let lo = 0, hi = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] < lo) lo = codes[i];
    if (codes[i] > hi) hi = codes[i];
  }
  if (lo >= -64 && hi <= 63) return relaxedDotWorks(64);
  return lo >= -127 && hi <= 127 && relaxedDotWorks(128);
}

/**
 * Whether the int32 sums of the 8-bit kernels can wrap for weights whose largest row sum of
 * absolute values is `rowAbsSum`: a row sums `(xq_j - zx) w_j` with `|xq_j - zx| <= 255` (codes
 * and zero point of one 8-bit type), so it stays below 2^31 in magnitude when
 * `255 * rowAbsSum < 2^31` (partial sums may wrap, the total is then exact).
 */
function int32SumsCanWrap(rowAbsSum: number): boolean {
  return 255 * rowAbsSum >= 2 ** 31;
}

/** int16 layout (exact kernel) and int8 layout (relaxed kernel) of integer weights. */
function layoutInteger(
  ws: Workspace,
  weights: ArrayLike<number>,
  k: number,
  d: number,
  relaxed: boolean,
): { w16: number; dp: number; w8: number; dp8: number } {
  const dp = Math.ceil(d / 8) * 8, dp8 = Math.ceil(d / 16) * 16;
  const w16 = ws.alloc(2 * k * dp + 16);
  const a16 = new Int16Array(ws.memory.buffer, w16, k * dp);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) a16[c * dp + j] = weights[c * d + j];
  const w8 = relaxed ? ws.alloc(k * dp8 + 16) : 0;
  if (relaxed) {
    const a8 = ws.i8(w8, k * dp8);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) a8[c * dp8 + j] = weights[c * d + j];
  }
  return { w16, dp, w8, dp8 };
}

/**
 * Lays out int8 weights for scoring 8-bit inputs with int32 sums. Uses the relaxed dot product
 * (16 products per instruction with VNNI) when allowed and exact on this engine for the codes'
 * range; otherwise widens to int16 (exact for any codes). The kernels sum in int32: a form whose
 * row sums could reach 2^31 (255 times a row's sum of `|codes|` at least 2^31, which takes some
 * 66,000 full-range features) is scored by the TypeScript path (`path` is `"ts"`) instead.
 *
 * @param form Codes `(nOutputs, nFeatures)`, row scales, bias.
 * @param options Backend, relaxed, threads.
 * @returns The scorer; inputs are {@linkcode QuantizedInput}s (uint8 or int8 codes), whose
 *   `scores` throws a `RangeError` if `x.zeroPoint` is not an integer code of `x.data`'s type or
 *   `x.scale` is not finite.
 * @throws {TypeError} If codes, scales and bias do not agree in size.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256.
 */
export function prepareInt8(
  form: Int8Form,
  options: ScorerOptions = {},
): Scorer<QuantizedInput> {
  checkScorerOptions("prepare int8 scorer", options, form);
  return prepareInt8In(null, form, options);
}

function prepareInt8In(
  rows: number | null,
  form: Int8Form,
  options: ScorerOptions,
): Scorer<QuantizedInput> {
  const action = "prepare int8 scorer";
  const k = form.bias?.length ?? 0;
  if (!(form.codes instanceof Int8Array) || k === 0 || form.codes.length % k !== 0) {
    throw new TypeError(`Cannot ${action}: codes must be an Int8Array of ${k} rows`);
  }
  // A short scale was reported as a short bias, which had the right length.
  checkPerOutput(action, "scale", form.scale, k);
  const d = form.codes.length / k;
  let rowAbsSum = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.abs(form.codes[c * d + j]);
    rowAbsSum = Math.max(rowAbsSum, s);
  }
  // Rows wide enough for the kernel's int32 sums to wrap are scored by the TypeScript path.
  if (options.backend === "ts" || int32SumsCanWrap(rowAbsSum)) {
    return tsScorer<QuantizedInput, Float32Array>(
      d,
      k,
      Float32Array,
      true,
      (x, out) => {
        checkQuantized(x);
        int8ScoresTs(form, x, out);
      },
    );
  }
  const relaxed = (options.relaxed ?? true) && relaxedFits(form.codes);
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, 2 * k * d)) : ownEnv();
  const { ws } = env;
  const { w16, dp, w8, dp8 } = layoutInteger(ws, form.codes, k, d, relaxed);
  const wsum = ws.alloc(4 * k + 16);
  const sums = ws.i32(wsum, k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += form.codes[c * d + j];
    sums[c] = s;
  }
  const scale = ws.alloc(4 * k + 16), b = copyF32(ws, form.bias, 4);
  const sv = ws.f32(scale, k);
  return makeScorer<QuantizedInput, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 1,
      outBytes: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      kernel: (x) => {
        const q = x as QuantizedInput;
        checkQuantized(q);
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
            w16,
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
    relaxed ? "wasm-relaxed" : "wasm",
    Float32Array,
  );
}

/** Options of {@linkcode prepareInteger}. */
export interface IntegerScorerOptions extends ScorerOptions {
  /**
   * How `scoresFromFloat` quantizes float inputs.
   * @default {none: only codes are scored}
   */
  input?: InputMapping;
}

/**
 * Lays out integer weights (int8 or int16) with an int32 bias and float64 rescales for
 * integer-only inference. Scores are bit for bit those of the TypeScript integer kernels of
 * `lib/quant`: int32 sums (the prepare step of `lib/quant` proves they cannot overflow), then
 * one float64 multiply per output. int8 weights use the relaxed dot product where this engine
 * computes it exactly (see {@linkcode ScorerOptions.relaxed}), other weights are widened to
 * int16 (exact).
 *
 * @param form Integer weights, int32 bias, rescales.
 * @param options Backend, relaxed, threads, input mapping for `scoresFromFloat`.
 * @returns The scorer; `scores` takes codes ({@linkcode CodeInput}), `scoresFromFloat` floats.
 * @throws {TypeError} If the sizes disagree or the weights are not Int8Array or Int16Array.
 * @throws {RangeError} If the input mapping's `dtype` is not uint8 or int8 or its `zeroPoint` is
 *   not an integer code of that type.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256.
 *
 * @example Integer scores of two rows of codes
 * ```ts
 * import { prepareInteger } from "./scorers.ts";
 * import assert from "node:assert/strict";
 *
 * const s = prepareInteger({
 *   weights: Int8Array.from([1, -2, 3, 4, 5, -6]),
 *   bias: Int32Array.from([10, -10]),
 *   rescale: Float64Array.from([0.5, 0.25]),
 * });
 * const z = s.scores({ data: Uint8Array.from([1, 2, 3, 0, 0, 1]), rows: 2, cols: 3 });
 * assert.deepEqual([...z], [(10 + 1 - 4 + 9) * 0.5, (-10 + 4 + 10 - 18) * 0.25, 13 * 0.5, -16 * 0.25]);
 * s.close();
 * ```
 */
export function prepareInteger(
  form: IntegerForm,
  options: IntegerScorerOptions = {},
): IntegerScorer {
  checkScorerOptions("prepare integer scorer", options, form);
  return prepareIntegerIn(null, form, options);
}

/**
 * {@linkcode prepareInteger} for `rows` rows (or null), whose `scoresFromFloat` refuses NaN or
 * infinity as `Cannot <scoreAction>: ...` (the caller's action, on every backend).
 */
function prepareIntegerIn(
  rows: number | null,
  form: IntegerForm,
  options: IntegerScorerOptions,
  scoreAction = "compute scores",
): IntegerScorer {
  const action = "prepare integer scorer";
  const k = form.bias?.length ?? 0;
  const w = form.weights;
  if (
    !(w instanceof Int8Array || w instanceof Int16Array) || !(form.bias instanceof Int32Array) ||
    k === 0 || w.length % k !== 0
  ) {
    throw new TypeError(
      `Cannot ${action}: weights must be an Int8Array or Int16Array of ${k} rows and the bias an ` +
        "Int32Array",
    );
  }
  if (!(form.rescale instanceof Float64Array) || form.rescale.length !== k) {
    throw new TypeError(
      `Cannot ${action}: rescale must be a Float64Array of ${
        counted(k, "entry", { plural: "entries" })
      }`,
    );
  }
  const d = w.length / k;
  const input = options.input;
  if (input) {
    if (input.multiplier?.length !== d || input.offset?.length !== d) {
      throw new TypeError(
        `Cannot ${action}: the input mapping must have ${
          counted(d, "entry", { plural: "entries" })
        }`,
      );
    }
    // Any other dtype was quantized as uint8; the kernel takes the zero point as an int32 (0.5
    // was added as 0 there and as 0.5 by the TypeScript path).
    if (input.dtype !== "uint8" && input.dtype !== "int8") {
      throw new RangeError(
        `Cannot ${action}: input.dtype must be uint8 or int8, got ${describe(input.dtype)}`,
      );
    }
  }
  const [lo, hi] = input?.dtype === "int8" ? [-128, 127] : [0, 255];
  if (input) assertInRange(action, "input.zeroPoint", input.zeroPoint, lo, hi, true);
  if (options.backend === "ts") {
    const s = tsScorer<CodeInput, Float64Array>(
      d,
      k,
      Float64Array,
      true,
      (x, out) => integerScoresTs(form, x, out),
    );
    return {
      ...s,
      scoresFromFloat(x, opts = {}) {
        if (!input) throw new TypeError(`Cannot quantize inputs: the scorer has no input mapping`);
        checkShape(d, x, false);
        locateNonFinite(x, 0, x.rows, scoreAction);
        const codes = input.dtype === "int8"
          ? new Int8Array(x.rows * d)
          : new Uint8Array(x.rows * d);
        quantizeInputsKernel(
          x.data,
          x.rows,
          x.cols,
          input.multiplier,
          input.offset,
          input.zeroPoint,
          lo,
          hi,
          codes,
        );
        return s.scores({ data: codes, rows: x.rows, cols: d }, opts);
      },
    };
  }
  const relaxed = (options.relaxed ?? true) && w instanceof Int8Array && relaxedFits(w);
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, 2 * k * d + 16 * d)) : ownEnv();
  const { ws } = env;
  const { w16, dp, w8, dp8 } = layoutInteger(ws, w, k, d, relaxed);
  const bias = ws.alloc(4 * k + 16);
  ws.i32(bias, k).set(form.bias);
  const rescale = ws.alloc(8 * k + 16);
  ws.f64(rescale, k).set(form.rescale);
  let quantize: Spec["quantize"];
  if (input) {
    const mul = ws.alloc(8 * d + 64), off = ws.alloc(8 * d + 64);
    ws.f64(mul, d).set(input.multiplier);
    ws.f64(off, d).set(input.offset);
    quantize = { mul, off, zp: input.zeroPoint, lo, hi, action: scoreAction };
  }
  const s = makeScorer<CodeInput, Float64Array>(
    {
      env,
      d,
      k,
      inBytes: 1,
      outBytes: 8,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      quantize,
      kernel: (x) => relaxed && !(x.data instanceof Int8Array) ? "int8RelaxedExact" : "int8Exact",
      args: (inp, n, x, out) => {
        const signed = x.data instanceof Int8Array;
        return relaxed && !signed
          ? [inp, n, d, w8, dp8, k, bias, rescale, out]
          : [inp, n, d, signed ? 1 : 0, w16, dp, k, bias, rescale, out];
      },
    },
    relaxed ? "wasm-relaxed" : "wasm",
    Float64Array,
  );
  const floatScores = s.floatScores;
  return Object.assign(s, {
    scoresFromFloat(x: Matrix, opts: { out?: Float64Array } = {}) {
      if (!floatScores) {
        throw new TypeError(`Cannot quantize inputs: the scorer has no input mapping`);
      }
      return floatScores(x, opts.out);
    },
  });
}

/**
 * Checks a packed 4-bit form's sizes: `k x ceil(d / 2)` code bytes and a codebook of 16 entries
 * (shared) or `16 * k` (one per output, when `k > 1`).
 */
function checkPacked4(
  action: string,
  form: Packed4Form,
): { k: number; rb: number; perOutput: boolean } {
  const k = form.bias?.length ?? 0, d = form.nFeatures, rb = Math.ceil(d / 2);
  if (!(form.packed instanceof Uint8Array) || form.packed.length !== k * rb) {
    throw new TypeError(`Cannot ${action}: packed must be ${k} x ${rb} bytes`);
  }
  const perOutput = form.codebook?.length === 16 * k && k > 1;
  if (!perOutput && form.codebook?.length !== 16) {
    throw new TypeError(`Cannot ${action}: codebook must have 16 or ${16 * k} entries`);
  }
  return { k, rb, perOutput };
}

/**
 * Lays out packed 4-bit codes for scoring 8-bit inputs: the codebook becomes an int8 table per
 * output (`scale_c = max |codebook_c| / 127`, entries rounded), looked up 16 at a time.
 * Compared with the float codebook, each weight moves by at most `scale_c / 2`. The kernel sums in
 * int32: a form whose row sums could reach 2^31 (255 times a row's sum of `|table entries|` at
 * least 2^31) is scored by the TypeScript path (`path` is `"ts"`, the float codebook) instead.
 *
 * @param form Packed codes, codebook, bias, feature count.
 * @param options Backend, threads.
 * @returns The scorer; inputs are {@linkcode QuantizedInput}s, whose `scores` throws a
 *   `RangeError` if `x.zeroPoint` is not an integer code of `x.data`'s type or `x.scale` is not
 *   finite.
 * @throws {TypeError} If the sizes disagree.
 * @throws {RangeError} If a codebook entry is NaN or infinite.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256, or `nFeatures` is not a non-negative integer.
 */
export function preparePacked4(
  form: Packed4Form,
  options: ScorerOptions = {},
): Scorer<QuantizedInput> {
  checkScorerOptions("prepare packed 4-bit scorer", options, form, true);
  return preparePacked4In(null, form, options);
}

function preparePacked4In(
  rows: number | null,
  form: Packed4Form,
  options: ScorerOptions,
): Scorer<QuantizedInput> {
  const { k, rb, perOutput } = checkPacked4("prepare packed 4-bit scorer", form);
  const d = form.nFeatures;
  // The int8 tables scale by the largest entry: one infinity would make every score NaN.
  assertFinite("prepare packed 4-bit scorer", "codebook", form.codebook);
  // The int8 tables below, row by row: rows wide enough for the kernel's int32 sums to wrap are
  // scored by the TypeScript path.
  const tables8 = new Int8Array(16 * k), tscale = new Float64Array(k);
  let rowAbsSum = 0;
  for (let c = 0; c < k; c++) {
    const o = perOutput ? 16 * c : 0;
    let max = 0;
    for (let q = 0; q < 16; q++) max = Math.max(max, Math.abs(form.codebook[o + q]));
    const s = max > 0 ? max / 127 : 1;
    tscale[c] = s;
    for (let q = 0; q < 16; q++) tables8[16 * c + q] = Math.round(form.codebook[o + q] / s);
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const byte = form.packed[c * rb + (j >> 1)];
      sum += Math.abs(tables8[16 * c + (j & 1 ? byte >> 4 : byte & 15)]);
    }
    rowAbsSum = Math.max(rowAbsSum, sum);
  }
  if (options.backend === "ts" || int32SumsCanWrap(rowAbsSum)) {
    return tsScorer<QuantizedInput, Float32Array>(
      d,
      k,
      Float32Array,
      true,
      (x, out) => {
        checkQuantized(x);
        packed4ScoresTs(form, x, out);
      },
    );
  }
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, k * rb)) : ownEnv();
  const { ws } = env;
  const packed = ws.alloc(k * rb + 16);
  ws.u8(packed, k * rb).set(form.packed);
  const tables = ws.alloc(16 * k), tsum = ws.alloc(4 * k + 16);
  const tv = ws.i8(tables, 16 * k), ts = ws.i32(tsum, k);
  tv.set(tables8);
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const byte = form.packed[c * rb + (j >> 1)];
      sum += tv[16 * c + (j & 1 ? byte >> 4 : byte & 15)];
    }
    ts[c] = sum;
  }
  const scale = ws.alloc(4 * k + 16), b = copyF32(ws, form.bias, 4);
  const sv = ws.f32(scale, k);
  return makeScorer<QuantizedInput, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 1,
      outBytes: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      kernel: (x) => {
        const q = x as QuantizedInput;
        checkQuantized(q);
        for (let c = 0; c < k; c++) sv[c] = q.scale * tscale[c];
        return "packed4";
      },
      args: (input, n, x, out) => {
        const q = x as QuantizedInput;
        const signed = q.data instanceof Int8Array ? 1 : 0;
        return [input, n, d, signed, packed, rb, k, tables, tsum, q.zeroPoint, scale, b, out];
      },
    },
    "wasm",
    Float32Array,
  );
}

/**
 * Lays out packed 4-bit codes with a float codebook for scoring float32 inputs: the lookup
 * kernel of weight-sharing models. Each 16 codes become four float32 weight vectors through
 * byte swizzles into the codebook's byte planes (never a dense weight matrix), so the scores are
 * those of the codebook's float32 values, within float32 rounding like the dense kernel.
 *
 * @param form Packed codes, codebook (16 entries, or 16 per output), bias, feature count.
 * @param options Backend, threads.
 * @returns The scorer; inputs are float matrices.
 * @throws {TypeError} If the sizes disagree.
 * @throws {RangeError} If `backend` is not auto, wasm or ts, or `threads` is not an integer in
 *   1..256, or `nFeatures` is not a non-negative integer.
 *
 * @example Two features, codes 1 and 2 into a shared codebook
 * ```ts
 * import { preparePacked4Float } from "./scorers.ts";
 * import assert from "node:assert/strict";
 *
 * const codebook = Float32Array.from({ length: 16 }, (_, q) => q / 2);
 * const s = preparePacked4Float({ packed: Uint8Array.from([0x21]), codebook, bias: [1], nFeatures: 2 });
 * assert.deepEqual([...s.scores({ data: Float32Array.from([2, 3]), rows: 1, cols: 2 })], [1 + 2 * 0.5 + 3 * 1]);
 * s.close();
 * ```
 */
export function preparePacked4Float(
  form: Packed4Form & { readonly inputScale?: ArrayLike<number> },
  options: ScorerOptions = {},
): Scorer<Matrix> {
  checkScorerOptions("prepare packed 4-bit float scorer", options, form, true);
  return preparePacked4FloatIn(null, form, options);
}

function preparePacked4FloatIn(
  rows: number | null,
  form: Packed4Form & { readonly inputScale?: ArrayLike<number> },
  options: ScorerOptions,
): Scorer<Matrix> {
  const { k, rb, perOutput } = checkPacked4("prepare packed 4-bit float scorer", form);
  const d = form.nFeatures;
  if (form.inputScale !== undefined && form.inputScale.length !== d) {
    throw new TypeError(
      `Cannot prepare packed 4-bit float scorer: inputScale must have ${
        counted(d, "entry", { plural: "entries" })
      }`,
    );
  }
  if (options.backend === "ts") {
    return tsScorer<Matrix, Float32Array>(
      d,
      k,
      Float32Array,
      false,
      (x, out) => packed4FloatScoresTs(form, x, out),
    );
  }
  const env = rows !== null ? sharedEnv(layoutBytes(d, k, k * rb + 128 * k)) : ownEnv();
  const { ws } = env;
  const packed = ws.alloc(k * rb + 16);
  ws.u8(packed, k * rb).set(form.packed);
  const table = ws.alloc(64 * k + 16), planes = ws.alloc(64 * k + 16);
  const tv = ws.f32(table, 16 * k);
  for (let c = 0; c < k; c++) {
    for (let q = 0; q < 16; q++) {
      const v = Math.fround(form.codebook[(perOutput ? 16 * c : 0) + q]);
      tv[16 * c + q] = Math.abs(v) < F32_MIN_NORMAL ? 0 : v;
    }
  }
  const bytes = ws.u8(table, 64 * k), pv = ws.u8(planes, 64 * k);
  for (let c = 0; c < k; c++) {
    for (let q = 0; q < 16; q++) {
      for (let byte = 0; byte < 4; byte++) {
        pv[64 * c + 16 * byte + q] = bytes[64 * c + 4 * q + byte];
      }
    }
  }
  const b = copyF32(ws, form.bias, 4);
  const inputScale = form.inputScale === undefined ? undefined : copyF32(ws, form.inputScale, 4);
  return makeScorer<Matrix, Float32Array>(
    {
      env,
      d,
      k,
      inBytes: 4,
      outBytes: 4,
      scratchBytes: 0,
      threads: options.threads ?? 1,
      rows,
      validatesByScores: false,
      inputScale,
      kernel: () => "packed4f",
      args: (input, n, _x, out) => [input, n, d, packed, rb, k, planes, table, b, out],
    },
    "wasm",
    Float32Array,
  );
}

/**
 * One-shot scoring on the shared workspace, closed before returning. Checks the options as the
 * matching `prepareXxx` does (`action` names it; `counted` for forms that carry `nFeatures`).
 * It only returns a closure, so the calls below are marked pure: a bundle that uses none of the
 * scorers they build drops them, and with them the runtime and its base64 kernels
 * (`deno task build:browser-lite`; without the marks the bundler keeps every top-level call).
 */
function oneShot<F, I extends In, O extends Out>(
  prepare: (rows: number | null, form: F, options: ScorerOptions) => Scorer<I, O>,
  action: string,
  counted = false,
): (form: F, x: I, options?: ScorerOptions) => O {
  return (form, x, options = {}) => {
    checkScorerOptions(action, options, form, counted);
    const s = prepare(x?.rows ?? 0, form, options);
    try {
      return s.scores(x, { out: options.out as O | undefined });
    } finally {
      s.close();
    }
  };
}

/**
 * Dense float32 scores `x W^T + b` (one shot; see {@linkcode prepareDense}).
 *
 * @param form Weights and bias.
 * @param x Inputs, shape `(nSamples, nFeatures)`, float32 (float64 is rounded to float32).
 * @param options Backend, output buffer, threads.
 * @returns Scores, shape `(nSamples, nOutputs)`.
 */
export const denseScores: (form: DenseForm, x: Matrix, options?: ScorerOptions) => Float32Array =
  /* @__PURE__ */ oneShot(prepareDenseIn, "prepare dense scorer");
/**
 * Sparse CSR scores (one shot; see {@linkcode prepareSparse}).
 *
 * @param form The CSR weights.
 * @param x Inputs, float32.
 * @param options Backend, output buffer, threads.
 * @returns Scores.
 */
export const sparseScores: (form: SparseForm, x: Matrix, options?: ScorerOptions) => Float32Array =
  /* @__PURE__ */ oneShot(prepareSparseIn, "prepare sparse scorer", true);
/**
 * Feature-subset scores (one shot; see {@linkcode prepareFeatureSubset}).
 *
 * @param form Kept features and weights.
 * @param x Inputs with all features, float32.
 * @param options Backend, output buffer, threads.
 * @returns Scores.
 */
export const featureSubsetScores: (
  form: FeatureSubsetForm,
  x: Matrix,
  options?: ScorerOptions,
) => Float32Array = /* @__PURE__ */ oneShot(
  prepareFeatureSubsetIn,
  "prepare feature-subset scorer",
  true,
);
/**
 * int8 scores (one shot; see {@linkcode prepareInt8}).
 *
 * @param form Codes, row scales, bias.
 * @param x Quantized inputs.
 * @param options Backend, relaxed, output buffer, threads.
 * @returns Scores.
 */
export const int8Scores: (
  form: Int8Form,
  x: QuantizedInput,
  options?: ScorerOptions,
) => Float32Array = /* @__PURE__ */ oneShot(prepareInt8In, "prepare int8 scorer");
/**
 * Integer-only scores of input codes (one shot; see {@linkcode prepareInteger}).
 *
 * @param form Integer weights, int32 bias, rescales.
 * @param x Input codes.
 * @param options Backend, relaxed, output buffer, threads.
 * @returns Float64 scores, bit for bit those of the TypeScript integer kernels.
 */
export const integerScores: (
  form: IntegerForm,
  x: CodeInput,
  options?: ScorerOptions,
) => Float64Array = /* @__PURE__ */ oneShot(prepareIntegerIn, "prepare integer scorer");
/**
 * Integer-only scores of float inputs, quantized on the way (one shot; see
 * {@linkcode prepareInteger}).
 *
 * @param form Integer weights, int32 bias, rescales.
 * @param x Float inputs, shape `(nSamples, nFeatures)`.
 * @param options Input mapping (required), backend, relaxed, output buffer, threads.
 * @returns Float64 scores, bit for bit those of the TypeScript integer kernels.
 * @throws {RangeError} If `x` holds NaN or infinity.
 */
export function integerScoresFromFloat(
  form: IntegerForm,
  x: Matrix,
  options: IntegerScorerOptions & { input: InputMapping },
): Float64Array {
  refuseSparse("compute scores", "x", x);
  checkScorerOptions("prepare integer scorer", options, form);
  const s = prepareIntegerIn(x?.rows ?? 0, form, options);
  try {
    return s.scoresFromFloat(x, { out: options.out as Float64Array | undefined });
  } finally {
    s.close();
  }
}
/**
 * Packed 4-bit scores of 8-bit inputs (one shot; see {@linkcode preparePacked4}).
 *
 * @param form Packed codes, codebook, bias.
 * @param x Quantized inputs.
 * @param options Backend, output buffer, threads.
 * @returns Scores.
 */
export const packed4Scores: (
  form: Packed4Form,
  x: QuantizedInput,
  options?: ScorerOptions,
) => Float32Array = /* @__PURE__ */ oneShot(
  preparePacked4In,
  "prepare packed 4-bit scorer",
  true,
);
/**
 * Packed 4-bit scores of float inputs (one shot; see {@linkcode preparePacked4Float}).
 *
 * @param form Packed codes, codebook, bias.
 * @param x Float inputs.
 * @param options Backend, output buffer, threads.
 * @returns Scores.
 */
export const packed4FloatScores: (
  form: Packed4Form,
  x: Matrix,
  options?: ScorerOptions,
) => Float32Array = /* @__PURE__ */ oneShot(
  preparePacked4FloatIn,
  "prepare packed 4-bit float scorer",
  true,
);

/**
 * Scorers for one call on about `rows` rows, on the shared one-shot workspace (close them
 * before preparing another): what the library's `predict`-style functions use. Internal.
 */
export const oneShotScorers = {
  dense: (rows: number, form: DenseForm, options: ScorerOptions = {}) =>
    prepareDenseIn(rows, form, options),
  sparse: (rows: number, form: SparseForm, options: ScorerOptions = {}) =>
    prepareSparseIn(rows, form, options),
  subset: (rows: number, form: FeatureSubsetForm, options: ScorerOptions = {}) =>
    prepareFeatureSubsetIn(rows, form, options),
  integer: (
    rows: number,
    form: IntegerForm,
    options: IntegerScorerOptions = {},
    scoreAction?: string,
  ) => prepareIntegerIn(rows, form, options, scoreAction),
  packed4Float: (
    rows: number,
    form: Packed4Form & { readonly inputScale?: ArrayLike<number> },
    options: ScorerOptions = {},
  ) => preparePacked4FloatIn(rows, form, options),
};
