/**
 * Small measurement helpers shared by the benchmarks: the median of repeated timings (after an
 * untimed warm-up call), the lowest
 * of values some of which may be missing, whether an accuracy drop is within a budget in points,
 * and the peak resident memory of the current process.
 *
 * @module
 */

/**
 * The median of some values (the mean of the two middle ones for an even count).
 *
 * @param values The values (not modified).
 * @returns Their median; NaN for none.
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The median time of a call: one untimed warm-up call first (JIT, first touch of the memory,
 * workers starting), then `runs` timed calls.
 *
 * @param f The call.
 * @param runs Timed calls.
 * @returns The median of the timed calls, in ms.
 */
export function medianCallMs(f: () => void, runs: number): number {
  f();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * The smallest of the values that are known.
 *
 * @param values Numbers, or `null` where there is none.
 * @returns The smallest number; `null` when every value is `null` (or there are none).
 */
export function lowestKnown(values: readonly (number | null)[]): number | null {
  let lowest: number | null = null;
  for (const v of values) if (v !== null && (lowest === null || v < lowest)) lowest = v;
  return lowest;
}

/**
 * A time to a target against a reference's time to the same target, or null when either is
 * unknown. The reference's whole run is not a stand-in: if it reached the target before its last
 * iteration, dividing by its whole time would flatter the other side.
 *
 * @param ms The time to the target, in ms, or null if it was not reached.
 * @param referenceMs The reference's time to the target, or null if unknown.
 * @returns `ms / referenceMs`, or null.
 */
export function targetRatio(ms: number | null, referenceMs: number | null): number | null {
  return ms === null || referenceMs === null ? null : ms / referenceMs;
}

/**
 * A fraction as a percentage for labels, to two decimals without trailing zeros: 0.9 -> 90,
 * 0.955 -> 95.5, 0.995 -> 99.5 (rounding to whole percents made 0.995 read "100" and 0.955 and
 * 0.96 both "96").
 *
 * @param fraction The fraction.
 * @returns The percentage.
 */
export function percentLabel(fraction: number): number {
  return Number((fraction * 100).toFixed(2));
}

/**
 * Whether an accuracy drop is within a budget in percentage points. Accuracies are counts over a
 * number of samples, and a drop of exactly the budget (20 of 10,000 images for 0.2 point) comes
 * out a little above it in floating point ((0.8462 - 0.8442) * 100 = 0.20000000000000018), so the
 * comparison allows 1e-9 point.
 *
 * @param drop The reference accuracy less the candidate's, as a fraction.
 * @param points The budget, in percentage points.
 * @returns Whether `drop` is at most `points` points.
 */
export function withinPoints(drop: number, points: number): boolean {
  return drop * 100 <= points + 1e-9;
}

/**
 * The peak resident set size of this process: `VmHWM` from `/proc/self/status` (Linux), else
 * the current RSS.
 *
 * @returns Bytes.
 */
export function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) * 1024 : Deno.memoryUsage().rss;
}

/**
 * Prints the 1-minute load average at the start and, when the process exits normally, at the
 * end, to stderr: the timings of a run depend on the machine's other load, so every bench
 * states it (`--json` rows on stdout are not touched). Needs `--allow-sys=loadavg`.
 *
 * @param task The bench's task name, for the lines.
 */
export function reportLoadAverage(task: string): void {
  const line = (when: string) =>
    console.error(`${task}: load average ${Deno.loadavg()[0].toFixed(2)} ${when}`);
  line("at the start");
  globalThis.addEventListener("unload", () => line("at the end"));
}
