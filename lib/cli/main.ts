/**
 * The `lrc` command line: `deno task lrc <command> [options]`.
 *
 * @module
 */

import { type CliIo, type Command, commandHelp, parseCommandArgs, UsageError } from "./args.ts";
import { trainCommand } from "./train.ts";
import { exportCommand } from "./export.ts";
import { inspectCommand } from "./inspect.ts";
import { pruneCommand } from "./prune.ts";
import { quantizeCommand } from "./quantize.ts";
import { compressCommand } from "./compress.ts";
import { predictCommand } from "./predict.ts";

/** Every command, by name. Later commands register here. */
export const COMMANDS: readonly Command[] = [
  trainCommand,
  pruneCommand,
  quantizeCommand,
  exportCommand,
  inspectCommand,
  compressCommand,
  predictCommand,
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
 * @returns The exit code: 0 on success, 1 for a failure, 2 for a usage error, 141 (as for
 *   SIGPIPE) when the reader of the output has closed it.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
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
  try {
    // `-h` after a command, as after `lrc` (where it was the only place it worked).
    const args = parseCommandArgs(command, rest.map((a) => a === "-h" ? "--help" : a));
    if (args.flag("help")) {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    // The reader of stdout went away (`lrc inspect m.lrc | head -1`): stop without a word, as a
    // process killed by SIGPIPE does (128 + 13), rather than report the reader's choice as ours.
    if (error instanceof Deno.errors.BrokenPipe) return 141;
    if (Deno.env.get("LRC_DEBUG") === "1") console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    // One line: a line break in the message (a quoted CSV cell, say) is shown escaped.
    const line = message.trimEnd().replaceAll("\r", "\\r").replaceAll("\n", "\\n");
    io.err(`lrc ${name}: ${line}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function processIo(): CliIo {
  const enc = new TextEncoder();
  return {
    out: (t) => Deno.stdout.writeSync(enc.encode(t)),
    err: (t) => Deno.stderr.writeSync(enc.encode(t)),
    interactive: Deno.stderr.isTerminal(),
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
