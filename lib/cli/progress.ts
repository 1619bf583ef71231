/**
 * A progress line on standard error: redrawn in place on a terminal, printed at most every few
 * seconds otherwise (so logs stay short).
 *
 * @module
 */

import type { CliIo } from "./args.ts";

/** A progress line. */
export interface ProgressLine {
  /** Shows the latest state (throttled). */
  update(text: string): void;
  /** Clears the line (terminal) and prints nothing more. */
  done(): void;
}

/**
 * Creates a progress line.
 *
 * @param io Where to write.
 * @param enabled `false` gives a line that prints nothing (`--quiet`, `--json`).
 * @returns The progress line.
 */
export function createProgress(io: CliIo, enabled: boolean): ProgressLine {
  if (!enabled) return { update() {}, done() {} };
  const interval = io.interactive ? 100 : 2000;
  let last = -Infinity;
  let width = 0;
  return {
    update(text) {
      const now = performance.now();
      if (now - last < interval) return;
      last = now;
      if (io.interactive) {
        io.err(`\r${text.padEnd(width)}`);
        width = text.length;
      } else {
        io.err(`${text}\n`);
      }
    },
    done() {
      if (io.interactive && width > 0) io.err(`\r${" ".repeat(width)}\r`);
    },
  };
}
