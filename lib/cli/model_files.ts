/**
 * Reading and writing model files from the command line: by extension, `.lrc` is the binary
 * format, `.json` the JSON of `modelToJson`, `.onnx` an ONNX linear classifier (import).
 *
 * @module
 */

import { resolve } from "node:path";
import { nearestName } from "../core/validate.ts";
import { modelFromCoefficients } from "../io/coefficients.ts";
import { jsonStart, loadModel, modelFromFileBytes, saveModel } from "../io/model_file.ts";
import { asFloatModel, type StoredModel } from "../io/quantized.ts";
import { folderOf, specialFileRefusal, writeFileAtomic } from "../io/atomic.ts";
import { modelToJson } from "../model/serialize.ts";
import type { LogisticModel } from "../model/types.ts";
import { importOnnxModel } from "../onnx/import.ts";
import { quantizedModelToJson } from "../quant/serialize.ts";
import { type OptionSpec, type ParsedArgs, UsageError } from "./args.ts";

/** The fields that make a JSON without a `kind` a JSON of coefficients, as spelt or near it. */
const COEFFICIENT_FIELDS = ["coef", "intercept"];

/** The `--entropy` flag of the commands that write `.lrc` files. */
export const ENTROPY_OPTION: Readonly<Record<"entropy", OptionSpec>> = {
  entropy: {
    type: "boolean",
    help: "entropy-code the .lrc file where that is smaller (rANS; format version 2, which " +
      "lrcompress before version 2 of the format cannot read)",
  },
};

/**
 * Whether `--entropy` applies: it needs an output (`option`) that is a `.lrc` file.
 *
 * @param args The parsed arguments.
 * @param option The output's option name without dashes (`"save"`, `"out"`).
 * @returns The flag.
 * @throws {UsageError} If it is given without such an output.
 */
export function entropyFlag(args: ParsedArgs, option: string): boolean {
  if (!args.flag("entropy")) return false;
  const path = args.string(option);
  if (path === undefined || !/\.lrc$/i.test(path)) {
    throw new UsageError(
      `Cannot use --entropy: it applies to a .lrc file written by --${option}` +
        (path === undefined ? ", and none is given" : `, not to '${path}'`),
    );
  }
  return true;
}

/** The format a path's extension selects. */
export function modelFormatOf(path: string): "lrc" | "json" | "onnx" {
  const ext = path.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext === "lrc" || ext === "json" || ext === "onnx") return ext;
  throw new UsageError(
    `Cannot use model file '${path}': its extension must be .lrc (binary), .json or .onnx`,
  );
}

/**
 * Reads a model from a `.lrc`, `.json` or `.onnx` file, reading the file once.
 *
 * @param path The file.
 * @returns The stored model, any warnings of the import, and the bytes read (a command that
 *   reports the file's size takes their length rather than reading the file again).
 */
export async function readModelFile(
  path: string,
): Promise<{ model: StoredModel; warnings: string[]; bytes: Uint8Array }> {
  if (modelFormatOf(path) === "onnx") {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      throw new TypeError(`Cannot read model file '${path}': ${(error as Error).message}`);
    }
    // A graph that stores its weights as codes reads as the quantized model it is.
    const { model, quantized, warnings } = importOnnxModel(bytes, { name: path });
    return { model: quantized ?? model, warnings, bytes };
  }
  // A JSON of coefficients (scikit-learn's coef_ and intercept_, as the README dumps them) has
  // a "coef" field and no "kind"; lrcompress's own JSON models have a "kind". One whose "coef"
  // or "intercept" is misspelt ("coef_", "coefs") is one too, so that the importer names the
  // misspelling rather than the model reader the missing kind. A JSON file is told by its first
  // byte, as loadModel tells it, whatever its name (.lrc included).
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    await loadModel(path); // reports the file in its words
    throw error; // not reached unless the file appeared in between
  }
  if (bytes[jsonStart(bytes)] === 0x7b) {
    let parsed: unknown;
    try {
      // A UTF-8 byte order mark is left out: JSON.parse refuses it.
      parsed = JSON.parse(new TextDecoder().decode(bytes).replace(/^\ufeff/, ""));
    } catch {
      parsed = undefined; // loadModel reports the file
    }
    if (
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) &&
      !("kind" in parsed) &&
      Object.keys(parsed).some((key) => nearestName(key, COEFFICIENT_FIELDS) !== undefined)
    ) {
      return { ...modelFromCoefficients(parsed as Record<string, unknown>, { name: path }), bytes };
    }
  }
  return { model: modelFromFileBytes(bytes, path), warnings: [], bytes };
}

/**
 * The format a `--save` path selects, checked before any work: `.lrc` (binary) or `.json`.
 *
 * @param path The destination.
 * @returns The format.
 * @throws {UsageError} For any other extension (ONNX is written by `lrc export`).
 */
export function saveFormatOf(path: string): "lrc" | "json" {
  const ext = path.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext === "lrc" || ext === "json") return ext;
  throw new UsageError(
    `Cannot save model file '${path}': its extension must be .lrc (binary) or .json` +
      (ext === "onnx" ? " (ONNX is written by 'lrc export --out FILE.onnx')" : ""),
  );
}

/**
 * Checks a `--save` destination before any work: its extension (`saveFormatOf`), its folder
 * and that it is none of the command's input files (`checkOutput`).
 *
 * @param path The destination, or `undefined` when nothing is saved.
 * @param inputs The command's input files by what they are (`model`, `data`).
 * @throws {UsageError} For an extension other than `.lrc` or `.json`, an input file, a missing
 *   folder, or a folder as `path`.
 */
export async function checkSaveTarget(
  path: string | undefined,
  inputs: Readonly<Record<string, string | undefined>> = {},
): Promise<void> {
  if (path === undefined) return;
  saveFormatOf(path);
  await checkOutput("--save", path, inputs);
}

/**
 * Checks an output path before any work: its folder exists and it is not a folder
 * (`checkDestination`), and it is none of the command's input files (`checkNotAnInput`).
 *
 * @param option The output's option, for the message (e.g. `"--out"`).
 * @param path The output path.
 * @param inputs The input files by what they are (`model`, `data`); `undefined` entries are
 *   skipped.
 * @throws {UsageError} If any check fails.
 */
export async function checkOutput(
  option: string,
  path: string,
  inputs: Readonly<Record<string, string | undefined>> = {},
): Promise<void> {
  await checkDestination(path);
  await checkNotAnInput(option, path, inputs);
}

/**
 * Refuses outputs of one command that land in the same file: a symbolic link from one output to
 * another (or to where another will be written) would have the later write replace the earlier
 * one's bytes, as `writeFileAtomic` writes through links. Paths are compared where the bytes go:
 * through every link, in the real folder. A link that dangles when its output is written is
 * replaced by the file, as `writeFileAtomic` does, unless an earlier output will have made its
 * target by then. Call it once the outputs' folders exist.
 *
 * @param outputs The outputs as `[option, path]` pairs, in the order they are written; pairs
 *   with an `undefined` path are skipped.
 * @throws {UsageError} If two of them are the same file.
 */
export async function checkDistinctOutputs(
  outputs: readonly (readonly [string, string | undefined])[],
): Promise<void> {
  const seen: { option: string; path: string; target: string }[] = [];
  for (const [option, path] of outputs) {
    if (path === undefined) continue;
    const target = await writeTarget(path, new Set(seen.map((s) => s.target)));
    const same = seen.find((s) => s.target === target);
    if (same !== undefined) {
      throw new UsageError(
        `Cannot write: ${option} '${path}' is the ${same.option} file '${same.path}' under ` +
          "another name (a symbolic link), and would overwrite it; write them to different files",
      );
    }
    seen.push({ option, path, target });
  }
}

/**
 * Where `writeFileAtomic` puts the bytes of `path` once the files of `written` (real paths)
 * exist: through its links, in the real folder; at `path` itself when its links end nowhere (the
 * dangling link is replaced).
 */
async function writeTarget(path: string, written: ReadonlySet<string>): Promise<string> {
  let p = path;
  // Symbolic links are followed as the system follows them (40 at most).
  for (let hops = 0; hops < 40; hops++) {
    const here = await realName(p);
    // A file an earlier output writes exists by then, whatever is there now.
    if (written.has(here)) return here;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(p);
    } catch {
      // Nothing at the end of the links: the write replaces the link itself.
      return p === path ? here : await realName(path);
    }
    if (!info.isSymlink) return here;
    const link = await Deno.readLink(p);
    p = link.startsWith("/") ? link : `${folderOf(p)}/${link}`;
  }
  return await realName(p);
}

/** `path` in its real folder (the folder's links resolved), or as given if it has none. */
async function realName(path: string): Promise<string> {
  const folder = folderOf(path);
  const real = await Deno.realPath(folder).catch(() => folder);
  return `${real === "/" ? "" : real}/${path.slice(path.lastIndexOf("/") + 1)}`;
}

/**
 * Refuses an output that is one of the command's input files, under any name (real paths are
 * compared, and where the system reports them device and inode numbers, which a hard link
 * shares), so that writing it cannot destroy what the command reads.
 *
 * @param option The output's option, for the message (e.g. `"--out"`).
 * @param path The output path.
 * @param inputs The input files by what they are (`model`, `data`); `undefined` entries are
 *   skipped.
 * @throws {UsageError} If `path` is one of them.
 */
async function checkNotAnInput(
  option: string,
  path: string,
  inputs: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  let target: string, info: Deno.FileInfo;
  try {
    target = await Deno.realPath(path);
    info = await Deno.stat(target);
  } catch {
    return; // a new file cannot be an existing input
  }
  for (const [what, input] of Object.entries(inputs)) {
    if (input === undefined) continue;
    const real = await Deno.realPath(input).catch(() => null);
    const other = real === null ? null : await Deno.stat(real).catch(() => null);
    const linked = other !== null && info.ino !== null && info.ino === other.ino &&
      info.dev === other.dev;
    if (real === target || linked) {
      throw new UsageError(
        `Cannot write: ${option} '${path}' is the ${what} file${
          real === target ? "" : " (a hard link to it)"
        }; write the output elsewhere`,
      );
    }
  }
}

/**
 * Reads a float model (`.lrc`, `.json` or `.onnx`) for a command that needs one.
 *
 * @param path The file.
 * @param action What the command does with it, for the message (e.g. "quantize").
 * @returns The float model, any warnings of the import, and the bytes read.
 * @throws {TypeError} If the file holds a quantized model, or cannot be read.
 */
export async function readFloatModelFile(
  path: string,
  action: string,
): Promise<{ model: LogisticModel; warnings: string[]; bytes: Uint8Array }> {
  const { model, warnings, bytes } = await readModelFile(path);
  if (model.kind !== "logistic-regression") {
    throw new TypeError(
      `Cannot ${action} '${path}': it is already quantized; ${action} the float model it came from`,
    );
  }
  return { model, warnings, bytes };
}

/**
 * Writes a model as `.lrc` or `.json` (atomically); a quantized model's JSON keeps its codes.
 *
 * @param path The destination; its extension selects the format.
 * @param model The model.
 * @param entropy Entropy-code a `.lrc` file (`encodeModel`'s `entropy`).
 * @returns The number of bytes written.
 */
export async function writeModelFile(
  path: string,
  model: StoredModel,
  entropy = false,
): Promise<number> {
  if (saveFormatOf(path) === "lrc") return await saveModel(path, model, { entropy });
  const json = model.kind === "quantized-logistic-regression"
    ? quantizedModelToJson(model)
    : modelToJson(asFloatModel(model));
  const bytes = new TextEncoder().encode(json);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

/**
 * Checks before any long work that a file can be written at `path`: its folder exists and it is
 * not itself a folder, nor a FIFO, a device or a socket (directly or behind a link), which
 * `writeFileAtomic` refuses, nor in a system folder (`/dev`, `/proc`, `/sys`, directly or through
 * a link), which Deno lets only `--allow-all` use and `deno task lrc` does not give. (Permissions
 * and disk space show only when writing; the write is atomic, so a failure then leaves any
 * previous file intact.)
 *
 * @param path The destination.
 * @throws {UsageError} If the folder is missing or `path` is a folder, a FIFO, a device or a
 *   socket, or in a system folder (a bad option value: exit code 2, as every other usage error).
 */
async function checkDestination(path: string): Promise<void> {
  const dir = folderOf(path);
  let isDir = false, exists = false;
  // The folder's real path: Deno checks a path as written, and a write follows its links.
  let real: string | null = null;
  try {
    isDir = (await Deno.stat(dir)).isDirectory;
    exists = true;
    if (isDir) {
      real = await Deno.realPath(dir);
      await Deno.stat(real);
    }
  } catch (error) {
    // Deno lets only --allow-all look into /dev, /proc and /sys, and says to run again with it,
    // which `deno task lrc` cannot be given.
    const system = systemFolderOf(real ?? resolve(dir));
    if (error instanceof Deno.errors.NotCapable && system !== null) {
      const link = real === null || real === resolve(dir) ? "" : `its folder '${dir}' is '${real}'`;
      throw systemFolderRefusal(path, system, link);
    }
    // Missing (or a file in the path) is reported below; anything else, such as a folder this
    // process may not look at, is said as the system says it, not as a missing folder.
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory)) {
      throw new UsageError(`Cannot write '${path}': ${(error as Error).message}`);
    }
  }
  if (!isDir) {
    throw new UsageError(
      exists
        ? `Cannot write '${path}': '${dir}' is a file, not a folder`
        : `Cannot write '${path}': the folder '${dir}' does not exist`,
    );
  }
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.stat(path);
  } catch { /* a missing file is fine */ }
  if (info?.isDirectory) throw new UsageError(`Cannot write '${path}': it is a folder`);
  // The save refuses it too, but only once the work is done.
  const refusal = info === null ? null : specialFileRefusal(path, info);
  if (refusal !== null) throw new UsageError(refusal);
  // A link to a file: the save replaces the file, beside it, where Deno may not let it write.
  const target = info === null ? null : await Deno.realPath(path).catch(() => null);
  const system = target === null ? null : systemFolderOf(target);
  if (system !== null) {
    try {
      await Deno.stat(folderOf(target!));
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw systemFolderRefusal(path, system, `a link to '${target}'`);
      }
    }
  }
}

/** The system folder (`/dev`, `/proc`, `/sys`) an absolute path is in, or `null`. */
function systemFolderOf(path: string): string | null {
  return path.match(/^\/(dev|proc|sys)(?=\/|$)/)?.[0] ?? null;
}

/**
 * The refusal of a path in a folder Deno lets only `--allow-all` use: `/dev`, whose devices are
 * no place for a save, or `/proc` and `/sys`, of process and kernel files.
 *
 * @param path The destination.
 * @param system The system folder it is in.
 * @param link How a link leads there (`its folder 'x' is '/dev'`), or `""`.
 * @returns The error to throw.
 */
function systemFolderRefusal(path: string, system: string, link: string): UsageError {
  const where = `${system}${link === "" ? "" : ` (${link})`}`;
  return new UsageError(
    system === "/dev"
      ? `Cannot write '${path}': it is in ${where}, whose devices (/dev/null, /dev/stdout) are ` +
        "not regular files: a save would replace one with a file; write to a regular file"
      : `Cannot write '${path}': it is in ${where}, whose process and kernel files are not ` +
        "regular files, and which Deno lets only --allow-all use (deno task lrc does not give " +
        "it); write to a regular file",
  );
}
