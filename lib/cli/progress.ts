/**
 * A progress line on standard error: redrawn in place on a terminal, printed at most every few
 * seconds otherwise (so logs stay short).
 *
 * @module
 */

import type { CliIo } from "./args.ts";
import { int } from "./format.ts";

/**
 * A `--data` file at least this large (8 MiB: about half a second of reading, at some 15 MB/s)
 * gets a progress line while it is read ({@linkcode readingText}); a smaller one is read without.
 */
export const READ_PROGRESS_BYTES = 8 * 2 ** 20;

/**
 * Training data of at least this many values (rows x features, 2^22) get a line before training
 * starts ({@linkcode preparingText}): its set-up and first iteration, which print nothing, take
 * about a second there (some 20 s at 90 million values).
 */
export const PREPARE_PROGRESS_VALUES = 2 ** 22;

/**
 * The progress line of a file being read.
 *
 * @param file The file, as given.
 * @param progress Its bytes read so far and its size.
 * @param seconds Time since reading began.
 * @returns The line, e.g. `reading 'a.csv': 120.1 of 240.2 MB (50 %)  8.0 s`.
 */
export function readingText(
  file: string,
  progress: { readonly bytesRead: number; readonly totalBytes: number },
  seconds: number,
): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const share = Math.floor((100 * progress.bytesRead) / progress.totalBytes);
  return `reading '${file}': ${mb(progress.bytesRead)} of ${mb(progress.totalBytes)} MB ` +
    `(${share} %)  ${seconds.toFixed(1)} s`;
}

/**
 * The line shown while training sets up and runs its first step, which report nothing, on data of
 * at least {@linkcode PREPARE_PROGRESS_VALUES} values (none on smaller data).
 *
 * @param prefix What precedes it on the command's progress line, e.g. `"training: "`.
 * @param step The first step's name, e.g. `"iteration 1"`.
 * @param x The training rows' shape.
 * @returns The line, or undefined for smaller data.
 */
export function preparingText(
  prefix: string,
  step: string,
  x: { readonly rows: number; readonly cols: number },
): string | undefined {
  if (x.rows * x.cols < PREPARE_PROGRESS_VALUES) return undefined;
  return `${prefix}preparing, then ${step} (${int(x.rows)} rows x ${int(x.cols)} features)`;
}

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
