/**
 * Writing files so that a failure midway never leaves a half-written file in place of a good one.
 *
 * @module
 */

/** Options for {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Writes the bytes to the open temporary file; replaceable in tests to simulate a failure.
   * @default {writes everything with file.write}
   */
  write?: (file: Deno.FsFile, bytes: Uint8Array) => Promise<void>;
}

/**
 * Writes bytes to a temporary file beside `path`, flushes it to disk, then renames it over
 * `path`. A crash or error before the rename leaves the previous file untouched and removes the
 * temporary file.
 *
 * @param path The destination.
 * @param bytes The complete contents.
 * @param options A replacement writer (for tests).
 * @throws {TypeError} If the file cannot be written, naming the path and the cause.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const tmp = `${path}.lrc.tmp-${Deno.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const write = options.write ?? writeAll;
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true });
    await write(file, bytes);
    await file.sync();
    file.close();
    file = undefined;
    await Deno.rename(tmp, path);
  } catch (error) {
    try {
      file?.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
    const reason = file === undefined && error instanceof Deno.errors.NotFound
      ? `the folder '${folderOf(path)}' does not exist`
      : (error as Error).message;
    throw new TypeError(`Cannot write '${path}': ${reason}`, { cause: error });
  }
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}
