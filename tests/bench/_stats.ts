/**
 * Small measurement helpers shared by the benchmarks: the median of repeated timings and the
 * peak resident memory of the current process.
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
 * The peak resident set size of this process: `VmHWM` from `/proc/self/status` (Linux), else
 * the current RSS.
 *
 * @returns Bytes.
 */
export function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) * 1024 : Deno.memoryUsage().rss;
}
