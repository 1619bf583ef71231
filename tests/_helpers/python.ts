/**
 * Debian's Python with numpy and scikit-learn: the independent oracle of the tests (finding it,
 * and running programs that read and print JSON).
 *
 * @module
 */

import assert from "node:assert/strict";

/** The interpreter: `LRC_PYTHON`, or Debian's /usr/bin/python3. */
const PYTHON = Deno.env.get("LRC_PYTHON") ?? "/usr/bin/python3";

/**
 * The path of a Python that imports scikit-learn, or `null` (tests then skip or use fixtures).
 * `LRC_PYTHON` overrides the default `/usr/bin/python3`.
 *
 * @returns The interpreter path or `null`.
 */
export async function pythonWithSklearn(): Promise<string | null> {
  try {
    const r = await new Deno.Command(PYTHON, {
      args: ["-c", "import sklearn, numpy"],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success ? PYTHON : null;
  } catch {
    return null;
  }
}

let cached: boolean | null = null;

/** Whether the Python of `LRC_PYTHON` (default /usr/bin/python3) imports numpy. */
export function hasNumpy(): boolean {
  if (cached !== null) return cached;
  try {
    const r = new Deno.Command(PYTHON, { args: ["-c", "import numpy"], stderr: "null" })
      .outputSync();
    cached = r.success;
  } catch {
    cached = false;
  }
  return cached;
}

/**
 * Runs a Python program (source text, or a script path with `args`) with JSON on standard input
 * and parses the JSON it prints.
 *
 * @param program Python source, or `""` to run `args` (e.g. a script path).
 * @param input Any JSON-serialisable value, sent on standard input.
 * @param args Extra command-line arguments.
 * @returns The parsed output.
 */
export async function runPython<T>(
  program: string,
  input: unknown,
  args: string[] = [],
): Promise<T> {
  const child = new Deno.Command(PYTHON, {
    args: program === "" ? args : ["-c", program, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const r = await child.output();
  if (!r.success) assert.fail(`python failed: ${new TextDecoder().decode(r.stderr)}`);
  return JSON.parse(new TextDecoder().decode(r.stdout)) as T;
}
