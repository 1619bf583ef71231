/**
 * Command-line options of the benchmark tasks: one table per bench gives each option's type,
 * default and help, as the `lrc` command line does. `--help` prints them and exits 0; an unknown
 * option, a stray argument or a bad number ends with a one-line message and exit code 2 before
 * any work (a bench can run for minutes).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { decimalValue } from "../../lib/cli/args.ts";
import { hasFashionMnist } from "../../lib/data/fashion_mnist.ts";

/** One option of a bench. */
export interface BenchOption {
  readonly type: "string" | "boolean";
  readonly help: string;
  /** Placeholder in the help, e.g. `N`. */
  readonly value?: string;
  /** Default of a string option. */
  readonly default?: string;
}

/** Parsed options with checked getters. */
export interface BenchArgs {
  /** A boolean flag. */
  flag(name: string): boolean;
  /** A string option (its default when absent), or `undefined`. */
  string(name: string): string | undefined;
  /** An integer option within `[min, max]` (its default when absent). */
  integer(name: string, min: number, max: number): number;
  /** A comma-separated list of numbers within `[min, max]`. */
  numbers(name: string, min: number, max: number): number[];
  /** A comma-separated list of names, each one of `allowed` (`what` names one in messages). */
  choices(name: string, allowed: readonly string[], what: string): Set<string>;
}

/**
 * Parses a bench's arguments, or prints its help or a usage error and exits.
 *
 * @param task The task name, e.g. `"bench:train"`.
 * @param summary One line saying what the bench measures.
 * @param options The options, by long name without dashes (`json` is added).
 * @param args The arguments.
 * @returns The checked options.
 */
export function benchArgs(
  task: string,
  summary: string,
  options: Readonly<Record<string, BenchOption>>,
  args: readonly string[] = Deno.args,
): BenchArgs {
  const all: Record<string, BenchOption> = {
    json: { type: "boolean", help: "one JSON object per measured row instead of the tables" },
    ...options,
    help: { type: "boolean", help: "show this help" },
  };
  const usage = (message: string): never => {
    console.error(`${task}: ${message} (deno task ${task} --help lists the options)`);
    Deno.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(all).map(([name, o]) => [name, { type: o.type }]),
      ),
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
    values = parsed.values as Record<string, string | boolean | undefined>;
    // parseArgs keeps the last of a repeated option: the earlier value would be dropped.
    const seen = new Set<string>();
    for (const token of parsed.tokens ?? []) {
      if (token.kind !== "option") continue;
      if (seen.has(token.name)) {
        return usage(`--${token.name} is given twice (give it once, with a list if it takes one)`);
      }
      seen.add(token.name);
    }
  } catch (error) {
    return usage((error as Error).message.split("\n")[0]);
  }
  if (values.help) {
    const rows = Object.entries(all).map(([name, o]) => {
      const left = `--${name}${o.value ? ` ${o.value}` : ""}`;
      return [left, o.help + (o.default !== undefined ? ` (default: ${o.default})` : "")];
    });
    const width = Math.max(...rows.map(([l]) => l.length));
    console.log(
      `deno task ${task} [options]\n\n${summary}\n\nOptions:\n` +
        rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join("\n"),
    );
    Deno.exit(0);
  }
  const string = (name: string) => {
    const v = values[name];
    return typeof v === "string" ? v : all[name]?.default;
  };
  const number = (name: string, raw: string, min: number, max: number, integer: boolean) => {
    const v = decimalValue(raw);
    if (!(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      usage(
        `--${name} must be ${
          integer ? "an integer" : "a number"
        } in [${min}, ${max}], got '${raw}'`,
      );
    }
    return v;
  };
  return {
    flag: (name) => values[name] === true,
    string,
    integer: (name, min, max) => number(name, string(name) ?? "", min, max, true),
    numbers: (name, min, max) =>
      (string(name) ?? "").split(",").map((raw) => number(name, raw.trim(), min, max, false)),
    choices: (name, allowed, what) => {
      const chosen = new Set((string(name) ?? "").split(",").map((v) => v.trim()));
      for (const v of chosen) {
        if (!allowed.includes(v)) usage(`unknown ${what} '${v}' (of ${allowed.join(", ")})`);
      }
      return chosen;
    },
  };
}

/**
 * Ends a bench that reads Fashion-MNIST when its files are missing, before any work: one line
 * saying how to get them, and exit code 1 (not a load error's stack trace halfway through).
 *
 * @param task The task name, e.g. `"bench:quant"`.
 */
export function requireFashionMnist(task: string): void {
  if (hasFashionMnist()) return;
  console.error(
    `${task} needs Fashion-MNIST: sudo apt-get install dataset-fashion-mnist, or download the ` +
      "four *-ubyte.gz files from https://github.com/zalando-research/fashion-mnist and set " +
      "LRC_FASHION_MNIST_DIR to their folder",
  );
  Deno.exit(1);
}
