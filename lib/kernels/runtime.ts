/**
 * Loading the WebAssembly kernels, and the memory they work in: one shared
 * `WebAssembly.Memory` per workspace, carved by a bump allocator. Data that a kernel reads must
 * live in that memory; a typed array allocated there ({@linkcode Workspace.f32} and friends) is
 * read without a copy.
 *
 * @module
 */

import { WASM_MODULES } from "./wasm/modules.ts";

/** The kernel modules. */
export type KernelModule = "train" | "infer";

/** Exported kernel functions: every argument and result is a number. */
export type KernelExports = Record<string, (...args: number[]) => number>;

const PAGE = 65536;
/** The first page is left to the modules' own static data. */
const HEAP_START = PAGE;
/** Largest memory a workspace can grow to (wasm32 limit). */
const MAX_PAGES = 65536;

const binaries = new Map<string, Uint8Array>();
const compiled = new Map<string, WebAssembly.Module>();
let relaxedSupported: boolean | undefined;

/**
 * Whether this engine runs the relaxed-SIMD build (fused multiply-add). Deno 2 does; engines
 * that do not fall back to the plain-SIMD build.
 *
 * @returns `true` if the relaxed build validates here.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupported === undefined) {
    relaxedSupported = WebAssembly.validate(kernelBinary("train", true) as BufferSource);
  }
  return relaxedSupported;
}

/**
 * The binary of a kernel module.
 *
 * @param name The module.
 * @param relaxed The relaxed-SIMD build (`true`) or the plain-SIMD one.
 * @returns Its bytes (shared; do not modify).
 */
export function kernelBinary(name: KernelModule, relaxed: boolean): Uint8Array {
  const key = relaxed ? `${name}_relaxed` : name;
  let b = binaries.get(key);
  if (!b) {
    const s = atob(WASM_MODULES[key]);
    b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    binaries.set(key, b);
  }
  return b;
}

/**
 * A compiled kernel module (cached).
 *
 * @param name The module.
 * @param relaxed Which build.
 * @returns The module.
 */
export function kernelModule(name: KernelModule, relaxed: boolean): WebAssembly.Module {
  const key = relaxed ? `${name}_relaxed` : name;
  let m = compiled.get(key);
  if (!m) {
    m = new WebAssembly.Module(kernelBinary(name, relaxed) as BufferSource);
    compiled.set(key, m);
  }
  return m;
}

/**
 * Instantiates a kernel module over a memory.
 *
 * @param module The compiled module.
 * @param memory The shared memory it imports.
 * @returns Its exported functions.
 */
export function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new RangeError("Cannot run kernel: it aborted");
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}

/** A shared wasm memory with a bump allocator and typed views over it. */
export interface Workspace {
  /** The memory. */
  readonly memory: WebAssembly.Memory;
  /** Reserves `bytes` bytes aligned to 16 (zeroed if never used before) and returns the address. */
  alloc(bytes: number): number;
  /** The current allocation mark, for {@linkcode Workspace.release}. */
  mark(): number;
  /** Frees everything allocated after `mark` (contents are not cleared). */
  release(mark: number): void;
  /** A Float32Array view of `length` elements at `address`. */
  f32(address: number, length: number): Float32Array;
  /** A Float64Array view. */
  f64(address: number, length: number): Float64Array;
  /** An Int32Array view. */
  i32(address: number, length: number): Int32Array;
  /** A Uint8Array view. */
  u8(address: number, length: number): Uint8Array;
  /** An Int8Array view. */
  i8(address: number, length: number): Int8Array;
}

/**
 * Creates a workspace.
 *
 * @param initialBytes Bytes to reserve up front (beyond the first page).
 * @returns The workspace.
 * @throws {RangeError} If the memory cannot be reserved.
 */
export function createWorkspace(initialBytes = 0): Workspace {
  const pages = 1 + Math.ceil((HEAP_START + initialBytes) / PAGE);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  } catch (error) {
    throw new RangeError(
      `Cannot create kernel workspace: ${pages * PAGE} bytes: ${(error as Error).message}`,
    );
  }
  let top = HEAP_START;
  const buffer = () => memory.buffer as unknown as ArrayBuffer;
  return {
    memory,
    alloc(bytes) {
      const address = top;
      top = Math.ceil((top + bytes) / 16) * 16;
      const need = Math.ceil(top / PAGE);
      const have = memory.buffer.byteLength / PAGE;
      if (need > have) {
        if (need > MAX_PAGES) {
          throw new RangeError(
            `Cannot allocate kernel memory: ${top} bytes exceed the 4 GiB of a wasm32 memory`,
          );
        }
        memory.grow(need - have);
      }
      return address;
    },
    mark: () => top,
    release(mark) {
      top = mark;
    },
    f32: (a, n) => new Float32Array(buffer(), a, n),
    f64: (a, n) => new Float64Array(buffer(), a, n),
    i32: (a, n) => new Int32Array(buffer(), a, n),
    u8: (a, n) => new Uint8Array(buffer(), a, n),
    i8: (a, n) => new Int8Array(buffer(), a, n),
  };
}

/**
 * Whether a worker can load the module at `url`: a local file needs read permission, which is
 * checked without prompting (spawning without it would only fail inside the worker), and must
 * exist. The worker modules are TypeScript files that only Deno runs: elsewhere (the browser
 * bundle, which does not hold them) there are no workers, rather than a request for a missing
 * script and, inside a worker of a cross-origin-isolated page, a 10 s wait for workers that never
 * report. The bundle imported in Deno (an edge function) asks for them beside its own file, where
 * they are not: it has no workers either (it waited 10 s a call for them, and Deno printed
 * "Module not found" for each).
 *
 * @param url The worker module.
 * @returns `false` if workers cannot run here.
 */
export function canStartWorker(url: URL): boolean {
  if (typeof Worker === "undefined") return false;
  // deno-lint-ignore no-explicit-any
  if (typeof (globalThis as any).Deno === "undefined") return false;
  if (url.protocol !== "file:") return true;
  try {
    return Deno.permissions.querySync({ name: "read", path: url }).state === "granted" &&
      Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}
