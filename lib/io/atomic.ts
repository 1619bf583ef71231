/**
 * Writing files so that a failure midway never leaves a half-written file in place of a good one.
 *
 * @module
 */

import { checkOptionKeys, describe, type OptionKeys } from "../core/validate.ts";

/** Options for {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Writes the bytes to the open temporary file; replaceable in tests to simulate a failure.
   * @default {writes everything with file.write}
   */
  write?: (file: Deno.FsFile, bytes: Uint8Array) => Promise<void>;
}

/** How the names of the temporary files begin (followed by the process id and a random tag). */
export const TEMPORARY_PREFIX = ".lrc-tmp-";

const WRITE_OPTION_KEYS: OptionKeys<WriteFileAtomicOptions> = { write: true };

/**
 * Writes bytes to a temporary file beside `path`, flushes it to disk, then renames it over
 * `path`. A crash or error before the rename leaves the previous file untouched and removes the
 * temporary file. A file already at `path` keeps its permission bits; a symbolic link at `path`
 * to a file stays a link and its target gets the bytes (a dangling link is replaced). A FIFO, a
 * device or a socket at `path` (or behind a link there, as `/dev/null` or `/dev/stdout`) is
 * refused: the rename would replace it with a regular file.
 *
 * @param path The destination.
 * @param bytes The complete contents.
 * @param options A replacement writer (for tests).
 * @throws {TypeError} If the file cannot be written, naming the path and the cause, or `path` is
 *   a FIFO, a device or a socket.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  checkOptionKeys(
    "write file",
    options,
    WRITE_OPTION_KEYS,
  );
  checkPath(path);
  checkBytes(path, bytes);
  const write = options.write ?? writeAll;
  const { target, tmp, mode } = await destination(path);
  let file: Deno.FsFile | undefined;
  // Only a temporary file this call created is removed on failure: a create that fails because
  // the name is taken ("File exists") must leave the other writer's file alone.
  let created = false;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true });
    created = true;
    await write(file, bytes);
    await file.sync();
    file.close();
    file = undefined;
    if (mode !== null) await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, target);
  } catch (error) {
    try {
      file?.close();
    } catch { /* already closed */ }
    if (created) await Deno.remove(tmp).catch(() => {});
    // Only the create can fail for a missing folder: a later NotFound (the temporary file
    // removed by someone else before the rename) is said as it is.
    const reason = created ? (error as Error).message : await createFailure(path, tmp, error);
    throw new TypeError(`Cannot write '${path}': ${reason}`, { cause: error });
  }
}

/** A file written piece by piece that appears at its path only when complete. */
export interface AtomicWriter {
  /** Appends bytes to the temporary file. */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes, closes and renames the temporary file over the destination. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; the destination is untouched. Safe to call twice. */
  abort(): Promise<void>;
  /**
   * `abort` without awaiting anything, for a signal handler that exits at once: no other code
   * can run between the removal and the exit.
   */
  abortSync(): void;
}

/**
 * Opens a temporary file beside `path` for a file too large to build in memory (streamed
 * output): nothing appears at `path`, and a previous file there stays as it was, until `commit`.
 * Call `abort` on failure. Permission bits and symbolic links are kept, and a FIFO, a device or a
 * socket refused, as by {@linkcode writeFileAtomic}.
 *
 * @param path The destination.
 * @param options A replacement writer (for tests), as for {@linkcode writeFileAtomic}.
 * @returns The writer.
 * @throws {TypeError} If `path` is not a non-empty string, or the temporary file cannot be
 *   created, naming the path and the cause; a failed `write` or `commit` (or bytes that are not a
 *   `Uint8Array`) removes the temporary file and throws a `TypeError` too.
 *
 * @example Lines written as they come, visible at once at the end
 * ```ts
 * import { openAtomicWriter } from "./atomic.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   const writer = await openAtomicWriter(`${dir}/out.csv`);
 *   for (const line of ["a\n", "b\n"]) await writer.write(new TextEncoder().encode(line));
 *   await writer.commit();
 *   assert.equal(await Deno.readTextFile(`${dir}/out.csv`), "a\nb\n");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function openAtomicWriter(
  path: string,
  options: WriteFileAtomicOptions = {},
): Promise<AtomicWriter> {
  checkOptionKeys(
    "write file",
    options,
    WRITE_OPTION_KEYS,
  );
  checkPath(path);
  const writeBytes = options.write ?? writeAll;
  const { target, tmp, mode } = await destination(path);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true });
  } catch (error) {
    throw new TypeError(`Cannot write '${path}': ${await createFailure(path, tmp, error)}`, {
      cause: error,
    });
  }
  let open: Deno.FsFile | undefined = file;
  const fail = async (error: unknown): Promise<never> => {
    await abort();
    throw new TypeError(`Cannot write '${path}': ${(error as Error).message}`, { cause: error });
  };
  const abort = async () => {
    try {
      open?.close();
    } catch { /* already closed */ }
    open = undefined;
    await Deno.remove(tmp).catch(() => {});
  };
  const abortSync = () => {
    try {
      open?.close();
    } catch { /* already closed */ }
    open = undefined;
    try {
      Deno.removeSync(tmp);
    } catch { /* already gone */ }
  };
  return {
    async write(bytes) {
      if (open === undefined) throw new TypeError(`Cannot write '${path}': the writer is closed`);
      try {
        checkBytes(path, bytes);
      } catch (error) {
        await abort();
        throw error;
      }
      try {
        await writeBytes(open, bytes);
      } catch (error) {
        await fail(error);
      }
    },
    async commit() {
      if (open === undefined) throw new TypeError(`Cannot write '${path}': the writer is closed`);
      try {
        await open.sync();
        open.close();
        open = undefined;
        if (mode !== null) await Deno.chmod(tmp, mode);
        await Deno.rename(tmp, target);
      } catch (error) {
        await fail(error);
      }
    },
    abort,
    abortSync,
  };
}

/**
 * Why a save must not replace the file at `path` (a FIFO, a device or a socket, which
 * `writeFileAtomic` refuses), or `null` for a regular file or a folder.
 *
 * @param path The path, for the message.
 * @param info The file's `Deno.stat`.
 * @returns E.g. "Cannot write 'p': it is a FIFO, not a regular file, and a save would replace it
 *   with one", or `null`.
 */
export function specialFileRefusal(path: string, info: Deno.FileInfo): string | null {
  const kind = info.isFifo
    ? "a FIFO"
    : info.isCharDevice
    ? "a character device"
    : info.isBlockDevice
    ? "a block device"
    : info.isSocket
    ? "a socket"
    : null;
  return kind === null
    ? null
    : `Cannot write '${path}': it is ${kind}, not a regular file, and a save would replace it ` +
      "with one";
}

/**
 * Where the bytes go: through a symbolic link to its target (the link stays a link), with the
 * permission bits of a file already there (a new file gets the umask's), by way of a temporary
 * file in the target's folder whose name does not grow with the target's (a name near the
 * 255-byte limit stays writable).
 */
async function destination(
  path: string,
): Promise<{ target: string; tmp: string; mode: number | null }> {
  let target = path;
  let mode: number | null = null;
  try {
    // Through links first: `/dev/stdout` into a pipe is a link that realPath cannot resolve
    // (`pipe:[...]`) but stat follows.
    const info = await Deno.stat(path);
    const refusal = specialFileRefusal(path, info);
    if (refusal !== null) throw new TypeError(refusal);
    if ((await Deno.lstat(path)).isSymlink) target = await Deno.realPath(path);
    if (Deno.build.os !== "windows" && info.mode !== null) mode = info.mode & 0o7777;
  } catch (error) {
    if (error instanceof TypeError) throw error;
    // No file yet (or a dangling link, which the new file replaces): nothing to keep.
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new TypeError(`Cannot write '${path}': ${(error as Error).message}`, { cause: error });
    }
  }
  const tmp = `${folderOf(target)}/${TEMPORARY_PREFIX}${Deno.pid}-${
    Math.random().toString(36).slice(2, 10)
  }`;
  return { target, tmp, mode };
}

/**
 * Why the temporary file could not be created: a missing folder as such, any other failure in
 * the system's words. A folder that exists can still answer NotFound (procfs, `/proc`, refuses a
 * new file so), and it was then said not to exist.
 */
async function createFailure(path: string, tmp: string, error: unknown): Promise<string> {
  const message = (error as Error).message;
  if (!(error instanceof Deno.errors.NotFound)) return message;
  let exists = false;
  try {
    exists = (await Deno.stat(folderOf(tmp))).isDirectory;
  } catch { /* missing (or not to be seen): said as missing */ }
  return exists
    ? `the folder '${folderOf(path)}' exists but takes no new file: ${message}`
    : `the folder '${folderOf(path)}' does not exist`;
}

function checkPath(path: string): void {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot write a file: path must be a non-empty string, got ${describe(path)}`,
    );
  }
}

function checkBytes(path: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot write '${path}': bytes must be a Uint8Array, got ${describe(bytes)}`,
    );
  }
}

/**
 * The folder of a file path as written: what precedes its last `/` (`"/"` for a file at the
 * root), or `"."` when it has none.
 *
 * @param path The path.
 * @returns The folder.
 */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}
