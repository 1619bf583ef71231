/**
 * Declarative command-line options: one table per command gives each option's type, default and
 * help text; parsing, `--help` and validation all come from it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { nearestName } from "../core/validate.ts";

/** One option of a command. */
export interface OptionSpec {
  /** `"string"` takes a value, `"boolean"` is a flag. */
  readonly type: "string" | "boolean";
  /** Help text. */
  readonly help: string;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
  /** Default shown in help (string options) and used when absent. */
  readonly default?: string;
  /** Allowed values (string options). */
  readonly choices?: readonly string[];
  /**
   * Whether the value `-` names standard input or output, not a file (not taken as a path
   * relative to a folder).
   * @default {false}
   */
  readonly stdio?: boolean;
  /**
   * Whether the value names a column of a CSV header, and is read trimmed as the readers read the
   * header's names (`--label " y"` for a header `a, b, y`: no name keeps blanks around it).
   * @default {false}
   */
  readonly trim?: boolean;
}

/** A decimal number as written on a command line (no hexadecimal, no `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The number a command-line value writes in decimal, or NaN (hexadecimal, `Infinity`, empty).
 *
 * @param raw The value as given.
 * @returns Its number, or NaN.
 */
export function decimalValue(raw: string): number {
  const t = raw.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

/** A command of the `lrc` tool. */
export interface Command {
  /** Its name, e.g. `"train"`. */
  readonly name: string;
  /** One line saying what it does. */
  readonly summary: string;
  /** Its options, by long name without dashes. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * Whether it takes arguments that are not options (such as `inspect FILE`); the others refuse
   * them, so that a file named without its option is not silently ignored.
   * @default {false}
   */
  readonly positionals?: boolean;
  /**
   * Options of other commands that this one names differently or lacks, by their name without
   * dashes: what to do here instead (e.g. `{ save: "compress writes its model with --out FILE" }`),
   * shown when one is given.
   * @default {{}}
   */
  readonly synonyms?: Readonly<Record<string, string>>;
  /** Runs it with parsed options; returns the exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Where a command writes. Replaceable in tests. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard error is a terminal (progress lines redraw in place). */
  readonly interactive: boolean;
}

/** Parsed options with typed, validated getters. */
export interface ParsedArgs {
  /** A string option (its default when absent), or `undefined`. */
  string(name: string): string | undefined;
  /** A boolean flag. */
  flag(name: string): boolean;
  /** A number option within `[min, max]`, or `undefined` when absent without default. */
  number(name: string, min: number, max: number, integer?: boolean): number | undefined;
  /** Whether the option was given on the command line (not only defaulted). */
  given(name: string): boolean;
  /** Positional arguments after the command. */
  readonly positionals: readonly string[];
  /** The command's name, for messages. */
  readonly command?: string;
}

/** A usage error: bad option, bad value. Exits with code 2 and a one-line message. */
export class UsageError extends RangeError {
  override name = "UsageError";
}

/**
 * Refuses options given on the command line that the rest of it makes pointless, so that no
 * option is accepted and then silently ignored.
 *
 * @param command The command's name, for the message.
 * @param args The parsed options.
 * @param unused Names of the options that do not apply.
 * @param when Why, as it reads after "does not apply": e.g. "to --method float16".
 * @throws {UsageError} If any of them was given.
 */
export function refuseUnused(
  command: string,
  args: ParsedArgs,
  unused: readonly string[],
  when: string,
): void {
  const given = unused.filter((name) => args.given(name));
  if (given.length === 0) return;
  const list = given.map((name) => `--${name}`).join(", ");
  throw new UsageError(
    `Cannot parse arguments of '${command}': ${list} ${
      given.length === 1 ? "does" : "do"
    } not apply ${when}`,
  );
}

/**
 * Parses a command's arguments against its option table.
 *
 * @param command The command.
 * @param argv The arguments after the command name.
 * @returns Typed getters.
 * @throws {UsageError} For an unknown option, a missing value, a value not among the choices, or
 *   an option given twice.
 */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const config: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, spec] of Object.entries(command.options)) config[name] = { type: spec.type };
  let parsed: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
    tokens: { kind: string; name?: string }[];
  };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: config,
      strict: true,
      allowPositionals: true,
      tokens: true,
    }) as typeof parsed;
  } catch (error) {
    const first = (error as Error).message.split("\n")[0];
    const ambiguous = first.match(/^Option '(--[a-z0-9-]+)' argument is ambiguous/);
    // An unknown option: the closest known one, or where the model file goes for a command that
    // takes it as an argument (inspect).
    const unknown = first.match(/^Unknown option '--([^'=]+)/)?.[1];
    const near = unknown === undefined
      ? undefined
      : nearestName(unknown, Object.keys(command.options));
    const synonym = unknown === undefined ? undefined : command.synonyms?.[unknown];
    const hint = unknown === undefined
      ? ""
      : synonym !== undefined
      ? ` (${synonym})`
      : near !== undefined
      ? ` (did you mean '--${near}'?)`
      : command.positionals && unknown === "model"
      ? ` (give the file as an argument: lrc ${command.name} FILE)`
      : "";
    throw new UsageError(
      `Cannot parse arguments of '${command.name}': ${
        ambiguous
          ? `the value of ${ambiguous[1]} starts with '-': write it as ${ambiguous[1]}=VALUE`
          : first.replace(/\. To specify.*$/, "") + hint
      }`,
    );
  }
  // The last of two values would win without a word (and "--sparsity 0.5 --sparsity 0.9" reads
  // like a list, which is written "--sparsity 0.5,0.9").
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.name === undefined) continue;
    if (seen.has(token.name)) {
      throw new UsageError(
        `Cannot parse arguments of '${command.name}': --${token.name} is given more than once; ` +
          "give it once (a list is one comma-separated value)",
      );
    }
    seen.add(token.name);
  }
  if (!command.positionals && parsed.positionals.length > 0) {
    const extra = parsed.positionals[0];
    throw new UsageError(
      `Cannot parse arguments of '${command.name}': unexpected argument '${extra}'` +
        (/\.(lrc|json|onnx)$/i.test(extra)
          ? " (name a model file with --model)"
          : /\.(csv|tsv|txt)(\.gz)?$/i.test(extra)
          ? " (name a data file with --data)"
          : " (options start with --)"),
    );
  }
  for (const [name, spec] of Object.entries(command.options)) {
    const v = parsed.values[name];
    if (typeof v === "string" && spec.choices && !spec.choices.includes(v)) {
      throw new UsageError(
        `Cannot parse arguments of '${command.name}': --${name} must be one of ${
          spec.choices.join(", ")
        }, got '${v}'${listHint(command.name, name, v)}`,
      );
    }
  }
  const get = (name: string): string | undefined => {
    const v = parsed.values[name];
    if (typeof v !== "string") return command.options[name]?.default;
    return command.options[name]?.trim ? v.trim() : v;
  };
  return {
    command: command.name,
    given: (name) => parsed.values[name] !== undefined,
    positionals: parsed.positionals,
    string: get,
    flag: (name) => parsed.values[name] === true,
    number(name, min, max, integer = false) {
      const raw = get(name);
      if (raw === undefined) return undefined;
      const v = decimalValue(raw);
      if (
        !Number.isFinite(v) || v < min || v > max ||
        (integer && !Number.isInteger(v))
      ) {
        // Without an upper bound the value must also be finite: ">= -Infinity" (prune's
        // --threshold) or ">= 0" (--lambda, --count) refused 1e400 by a bound it does not break.
        const unbounded = min === -Infinity && max === Infinity;
        const finite = max === Infinity ? "a finite" : "";
        const kind = `${finite || (integer ? "an" : "a")} ${integer ? "integer" : "number"}`;
        const range = unbounded ? "" : max === Infinity ? ` >= ${min}` : ` in [${min}, ${max}]`;
        throw new UsageError(
          `Cannot parse arguments of '${command.name}': --${name} must be ${kind}${range}, ` +
            `got '${raw}'${listHint(command.name, name, raw)}`,
        );
      }
      return v;
    },
  };
}

/** The options that `lrc compress` takes as comma-separated lists in its sweep and search. */
const LIST_OPTIONS = new Set([
  "strategy",
  "structure",
  "sparsity",
  "method",
  "bits",
  "granularity",
]);

/** A hint for a list given to another command's one-value option: where lists are taken. */
function listHint(command: string, option: string, value: string): string {
  return value.includes(",") && LIST_OPTIONS.has(option) && command !== "compress"
    ? ` (one value: lists are for 'lrc compress' with --sweep, --budget or --max-bytes)`
    : "";
}

/**
 * The `--help` text of a command, generated from its option table.
 *
 * @param command The command.
 * @returns Help text.
 */
export function commandHelp(command: Command): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const left = `  --${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    const extra = [
      spec.choices ? `one of: ${spec.choices.join(", ")}` : "",
      spec.default !== undefined ? `default: ${spec.default}` : "",
    ].filter(Boolean).join("; ");
    return [left, spec.help + (extra ? ` (${extra})` : "")] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = rows.map(([l, r]) => l.padEnd(width) + r);
  return `Usage: deno task lrc ${command.name} [options]${
    command.positionals ? " FILE" : ""
  }\n\n${command.summary}\n\nOptions:\n${lines.join("\n")}\n`;
}
