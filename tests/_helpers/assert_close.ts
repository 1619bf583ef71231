/**
 * Float comparisons for tests.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Asserts that two numbers or arrays agree within `|a - b| <= atol + rtol * |b|`, element-wise.
 *
 * @param actual The value computed.
 * @param expected The reference.
 * @param options Absolute and relative tolerance, and a message prefix.
 */
export function assertClose(
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  options: { atol?: number; rtol?: number; message?: string } = {},
): void {
  const { atol = 0, rtol = 1e-9, message = "" } = options;
  const a = typeof actual === "number" ? [actual] : actual;
  const e = typeof expected === "number" ? [expected] : expected;
  assert.equal(a.length, e.length, `${message} lengths differ: ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (!(diff <= atol + rtol * Math.abs(e[i]))) {
      assert.fail(
        `${message} element ${i}: ${a[i]} vs ${e[i]} (difference ${diff}, allowed ${
          atol + rtol * Math.abs(e[i])
        })`,
      );
    }
  }
}

/**
 * Runs a command-line invocation in-process and captures its output.
 *
 * @param argv Arguments after `lrc`.
 * @returns Exit code and the text written to stdout and stderr.
 */
export async function runCli(
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import("../../lib/cli/main.ts");
  let stdout = "", stderr = "";
  const code = await main(argv, {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    interactive: false,
  });
  return { code, stdout, stderr };
}
