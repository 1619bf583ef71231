/**
 * The `lrc` command line: `deno task lrc <command> [options]`.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CliIo,
  type Command,
  commandHelp,
  parseCommandArgs,
  type ParsedArgs,
  UsageError,
} from "./args.ts";
import { trainCommand } from "./train.ts";
import { exportCommand } from "./export.ts";
import { inspectCommand } from "./inspect.ts";
import { pruneCommand } from "./prune.ts";
import { quantizeCommand } from "./quantize.ts";
import { compressCommand } from "./compress.ts";
import { predictCommand } from "./predict.ts";
import { thresholdCommand } from "./threshold.ts";

/** Every command, by name. Later commands register here. */
export const COMMANDS: readonly Command[] = [
  trainCommand,
  pruneCommand,
  quantizeCommand,
  exportCommand,
  inspectCommand,
  compressCommand,
  predictCommand,
  thresholdCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "Usage: deno task lrc <command> [options]",
    "",
    "lrcompress: train, prune, quantize and deploy small, fast logistic-regression models.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'deno task lrc <command> --help' for a command's options.",
    "",
  ].join("\n");
}

/**
 * Runs the command line.
 *
 * @param argv Arguments: the command, then its options.
 * @param io Where to write; defaults to the process's standard streams.
 * @param calledFrom The folder `deno task` was called from (its `INIT_CWD`): when the working
 *   directory is the folder of the repository's deno.json (where the lrc task runs) and not that
 *   one, a relative path is named with the folder it was taken from, on stderr, and in an error
 *   that names it.
 * @returns The exit code: 0 on success, 1 for a failure, 2 for a usage error, 141 (as for
 *   SIGPIPE) when the reader of the output has closed it.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
  calledFrom?: string,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // A usage error: nothing on stdout, as for every other one.
    io.err(usage());
    return 2;
  }
  const names = COMMANDS.map((c) => c.name).join(", ");
  if (name === "--help" || name === "-h" || name === "help") {
    // `help COMMAND` (or `--help COMMAND`) is that command's --help; the command was dropped.
    if (rest.length > 0) {
      const command = COMMANDS.find((c) => c.name === rest[0]);
      if (!command || rest.length > 1) {
        io.err(`lrc: '${name}' takes one command; commands: ${names}\n`);
        return 2;
      }
      io.out(commandHelp(command));
      return 0;
    }
    io.out(usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`lrc: unknown command '${name}'; commands: ${names}\n`);
    return 2;
  }
  // `deno task` runs in the folder of deno.json, so `--data my.csv` typed in another folder is
  // read (and `--out p.csv` written) there: said, rather than "wrote p.csv" where it is not.
  let elsewhere: { folder: string; paths: string[] } | null = null;
  try {
    // `-h` after a command, as after `lrc` (where it was the only place it worked).
    const args = parseCommandArgs(command, rest.map((a) => a === "-h" ? "--help" : a));
    if (args.flag("help")) {
      io.out(commandHelp(command));
      return 0;
    }
    elsewhere = relativeElsewhere(command, args, calledFrom);
    const code = await command.run(args, io);
    if (elsewhere !== null) {
      const where = elsewhere.paths.map((p) => `'${p}' is '${resolve(p)}'`).join(", ");
      io.err(`note      ${relativeNote(elsewhere.folder)}: ${where}\n`);
    }
    return code;
  } catch (error) {
    // The reader of stdout went away (`lrc inspect m.lrc | head -1`): stop without a word, as a
    // process killed by SIGPIPE does (128 + 13), rather than report the reader's choice as ours.
    if (error instanceof Deno.errors.BrokenPipe) return 141;
    if (Deno.env.get("LRC_DEBUG") === "1") console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    // One line: a line break in the message (a quoted CSV cell, say) is shown escaped.
    let line = message.trimEnd().replaceAll("\r", "\\r").replaceAll("\n", "\\n");
    if (elsewhere !== null && elsewhere.paths.some((p) => line.includes(`'${p}'`))) {
      line += ` (${relativeNote(elsewhere.folder)}: give absolute paths)`;
    }
    io.err(`lrc ${name}: ${line}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/**
 * The relative file paths of a command line, with the folder `deno task` was called from, when
 * that is not the working directory they resolve against; else null.
 */
function relativeElsewhere(
  command: Command,
  args: ParsedArgs,
  calledFrom: string | undefined,
): { folder: string; paths: string[] } | null {
  if (calledFrom === undefined || calledFrom === "") return null;
  // Compared as real paths: a shell's folder reached through a symbolic link is the same one.
  const real = (path: string) => {
    try {
      return Deno.realPathSync(path);
    } catch {
      return resolve(path);
    }
  };
  // Only where the lrc task runs, the folder of this repository's deno.json: INIT_CWD is
  // inherited (and kept by a nested deno task), so a process that `deno task test` or npm
  // started, running lrc in a folder of its own, has one that says nothing about this call.
  if (REPOSITORY === null || real(".") !== real(REPOSITORY)) return null;
  if (real(calledFrom) === real(".")) return null;
  const named = Object.entries(command.options)
    .filter(([name, spec]) =>
      spec.value?.startsWith("FILE") && args.given(name) &&
      !(spec.stdio && args.string(name) === "-")
    )
    .map(([name]) => args.string(name) ?? "");
  const paths = [...named, ...(command.positionals ? args.positionals : [])]
    .filter((p) => p !== "" && !isAbsolute(p));
  return paths.length === 0 ? null : { folder: resolve(calledFrom), paths };
}

/** The folder of deno.json (two above this file), where `deno task lrc` runs; null if remote. */
const REPOSITORY = import.meta.url.startsWith("file:")
  ? fileURLToPath(new URL("../../", import.meta.url))
  : null;

function relativeNote(calledFrom: string): string {
  return `relative paths are taken from '${resolve(".")}', the folder of deno.json where ` +
    `deno task runs, not from '${calledFrom}' where it was called`;
}

function processIo(): CliIo {
  const enc = new TextEncoder();
  // writeSync may write part of the bytes (a pipe): the rest is written until none is left
  // (`lrc predict --out -` writes its predictions here, a batch at a time).
  const all = (stream: typeof Deno.stdout | typeof Deno.stderr) => (t: string) => {
    for (let b = enc.encode(t); b.length > 0;) b = b.subarray(stream.writeSync(b));
  };
  return {
    out: all(Deno.stdout),
    err: all(Deno.stderr),
    interactive: Deno.stderr.isTerminal(),
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args, processIo(), Deno.env.get("INIT_CWD")));
