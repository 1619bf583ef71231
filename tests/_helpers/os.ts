/**
 * Skips for tests that need what only some operating systems have (FIFOs, permission bits, /proc),
 * in the suite's idiom for optional pieces: the test is named
 * `"..." + (problem ? ` (skipped: ${problem})` : "")` and given `ignore: problem !== null`, so a
 * skip says why and a test that runs keeps its plain name.
 *
 * @module
 */

/**
 * Why a test cannot run on this operating system, or `null` where it can.
 *
 * @param needs `"posix"` for any system but Windows, `"linux"` for Linux alone.
 * @param what What the test needs there, as a sentence: "FIFOs are POSIX-only".
 * @returns `what` with this system's name, or `null`.
 */
export function osProblem(needs: "posix" | "linux", what: string): string | null {
  const runs = needs === "linux" ? Deno.build.os === "linux" : Deno.build.os !== "windows";
  return runs ? null : `${what}; this is ${Deno.build.os}`;
}
