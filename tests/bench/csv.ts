/**
 * `deno task bench:csv [--sizes 100,300] [--wide 2000,20000] [--wide-rows N] [--rounds N]
 * [--json]`: loading throughput of numeric CSV files of the given sizes (MB, generated once,
 * seeded, under `tests/artifacts/csv/`, ignored by git): 32 float features with 6 decimals and a
 * label of 10 classes. Each measurement runs in its own process, modes interleaved within a
 * round, so that peak RSS belongs to one mode:
 *
 * - `readCsv (csv-parse, one matrix)`: the whole file parsed (streamed through csv-parse) into
 *   one float32 matrix;
 * - `readCsvBatches (stream)`: the numeric streaming parser, batches of 4096 rows, nothing kept;
 * - `fitStream, 1 epoch sgd`: the first pass (scan) plus one training pass.
 *
 * The two streaming modes run with the JavaScript heap capped at 48 MiB, so a file of any size
 * must pass through them in bounded memory (peak RSS adds the runtime and the wasm memory).
 *
 * `--wide` (column counts, comma-separated) measures the in-memory path on wide bag-of-words
 * files instead (as well, if `--sizes` is given too): `--wide-rows` rows (default 6,000) of
 * one-digit counts, mostly 0, and a `label` of 20 classes, each class making its own columns
 * more often non-zero (generated once, seeded, under `tests/artifacts/csv/` as
 * `wide_<rows>x<cols>.csv`; 2 bytes a value, so 6,000 x 20,000 is 240 MB). Each in its own
 * process:
 *
 * - `readCsv (float64)`: the file read into one float64 matrix, the dtype `lrc` reads `--data`
 *   into; peak RSS is the child's `VmHWM` at the end;
 * - `lrc train (in memory, 5 lbfgs iterations)`: `lib/cli/main.ts train --data FILE --label
 *   label --max-iterations 5 --max-data-bytes <above the file> --quiet --json`, run with the
 *   permissions of `deno task lrc` and no heap flag; its time is the whole process's (start-up
 *   included) and its peak RSS the child's maximum resident set size as `/usr/bin/time -f %M`
 *   reports it (the `ru_maxrss` of the waited process, what `/usr/bin/time -v` calls "Maximum
 *   resident set size"), or, without GNU time, the child's `VmHWM` read from `/proc/<pid>/status`
 *   every 10 ms while it runs (which can miss growth in its last 10 ms; the row's `rssMethod` says
 *   which).
 *
 * Rows give the peak RSS, the peak RSS per byte of file and per feature value (rows x columns).
 *
 * @module
 */

import { formatTable } from "../../lib/cli/format.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches } from "../../lib/data/csv_stream.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { createPrng, randomInt, randomNormal } from "../../lib/core/random.ts";
import { benchArgs } from "./_args.ts";
import { median, peakRssBytes, reportLoadAverage } from "./_stats.ts";

const DIR = new URL("../artifacts/csv/", import.meta.url);
const FEATURES = 32;
const MODES = [
  "readCsv (csv-parse, one matrix)",
  "readCsvBatches (stream)",
  "fitStream, 1 epoch sgd",
];
const WIDE_READ = "readCsv (float64)";
const WIDE_TRAIN = "lrc train (in memory, 5 lbfgs iterations)";
const WIDE_MODES = [WIDE_READ, WIDE_TRAIN];
const WIDE_CLASSES = 20;
const LRC_MAIN = new URL("../../lib/cli/main.ts", import.meta.url).pathname;
/** The permissions of `deno task lrc` (deno.json). */
const LRC_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-run"];

/** One run of a mode in its own process. */
interface Run {
  readonly ms: number;
  readonly rows: number;
  readonly peakRssBytes: number;
  /** How `peakRssBytes` was measured, when not by the child itself. */
  readonly rssMethod?: string;
}

/** Writes all of `bytes` (a write may take only part of them). */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
}

/**
 * The path of a generated file under `DIR`, made once: `fill` writes it (through a `write` that
 * writes all of its bytes and returns their count) into a temporary file, renamed into place when
 * done, so an interrupted run leaves no half-written file to reuse.
 */
async function cachedFile(
  name: string,
  fill: (write: (bytes: Uint8Array) => Promise<number>) => Promise<void>,
): Promise<string> {
  const path = new URL(name, DIR).pathname;
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch { /* make it */ }
  await Deno.mkdir(DIR, { recursive: true });
  const file = await Deno.open(path + ".tmp", { write: true, create: true, truncate: true });
  try {
    await fill(async (bytes) => {
      await writeAll(file, bytes);
      return bytes.length;
    });
  } finally {
    file.close();
  }
  await Deno.rename(path + ".tmp", path);
  return path;
}

/**
 * A seeded bag-of-words file of `rows` rows: `cols` one-digit counts `w0..`, mostly 0, and a
 * `label` of 20 classes. Column `j` belongs to class `j % 20`; a cell is non-zero with
 * probability 0.15 in its class's columns and 0.03 in the others, and a non-zero count is 1 plus
 * a geometric draw (mean about 1.5), capped at 9.
 */
function ensureWideFile(rows: number, cols: number): Promise<string> {
  return cachedFile(`wide_${rows}x${cols}.csv`, async (write) => {
    const enc = new TextEncoder();
    const prng = createPrng(rows * 2 ** 21 + cols);
    const header = Array.from({ length: cols }, (_, j) => `w${j}`).join(",") + ",label\n";
    await write(enc.encode(header));
    const zero = "0".charCodeAt(0), comma = ",".charCodeAt(0);
    // Rows of at most 2 * cols + 3 bytes ("19\n"), some 4 MB at a time.
    const rowsPerChunk = Math.max(1, Math.floor(4e6 / (2 * cols + 3)));
    const chunk = new Uint8Array(rowsPerChunk * (2 * cols + 3));
    for (let done = 0; done < rows;) {
      let at = 0;
      for (let n = 0; n < rowsPerChunk && done < rows; n++, done++) {
        const label = randomInt(prng, WIDE_CLASSES);
        for (let j = 0; j < cols; j++) {
          const p = j % WIDE_CLASSES === label ? 0.15 : 0.03;
          let v = 0;
          if (prng() < p) v = Math.min(9, 1 + Math.floor(-Math.log(1 - prng()) / Math.log(3)));
          chunk[at++] = zero + v;
          chunk[at++] = comma;
        }
        at += enc.encodeInto(`${label}\n`, chunk.subarray(at)).written;
      }
      await write(chunk.subarray(0, at));
    }
  });
}

function ensureFile(mb: number): Promise<string> {
  return cachedFile(`numeric_${mb}mb.csv`, async (write) => {
    const enc = new TextEncoder();
    const prng = createPrng(mb);
    let written = 0;
    const header = [...Array.from({ length: FEATURES }, (_, j) => `f${j}`), "label"].join(",") +
      "\n";
    written += await write(enc.encode(header));
    while (written < mb * 1e6) {
      const lines: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const cells: string[] = [];
        let s = 0;
        for (let j = 0; j < FEATURES; j++) {
          const v = randomNormal(prng);
          s += j < 5 ? v : 0;
          cells.push(v.toFixed(6));
        }
        cells.push(String(Math.min(9, Math.max(0, Math.floor(s + 5)))));
        lines.push(cells.join(","));
      }
      written += await write(enc.encode(lines.join("\n") + "\n"));
    }
  });
}

async function child(mode: string, path: string): Promise<void> {
  if (![...MODES, ...WIDE_MODES].includes(mode) || path === undefined) {
    console.error(
      `bench:csv: --child is internal: --child ${[...MODES, ...WIDE_MODES].join("|")} FILE`,
    );
    Deno.exit(2);
  }
  if (mode === WIDE_TRAIN) {
    // This child runs with every permission, which reading /proc/<pid>/status needs.
    const run = await runTrain(path, (await Deno.stat(path)).size, await hasGnuTime());
    if (run === null) Deno.exit(1);
    console.log(JSON.stringify(run));
    return;
  }
  const t0 = performance.now();
  let rows = 0;
  if (mode === WIDE_READ) {
    // As lrc reads --data: float64 (readCsv's default), the label named, no size limit here.
    const d = await readCsv(path, {
      dtype: "float64",
      label: "label",
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    rows = d.x.rows;
  } else if (mode === MODES[0]) {
    const d = await readCsv(path, { dtype: "float32" });
    rows = d.x.rows;
  } else if (mode === MODES[1]) {
    for await (const b of readCsvBatches(path)) rows += b.x.rows;
  } else {
    const r = await fitStream(path, { optimizer: { kind: "sgd", epochs: 1, batchSize: 256 } });
    rows = Number(/over (\d+) rows/.exec(r.stopReason)![1]);
  }
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, rows, peakRssBytes: peakRssBytes() }));
}

/** Runs a `--child` mode of this file in its own process; its result, or null if it failed. */
async function runChild(mode: string, path: string, heapMiB: number): Promise<Run | null> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=--max-old-space-size=${heapMiB}`,
      new URL(import.meta.url).pathname,
      "--child",
      mode,
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    console.error(`${mode} on ${path} failed: ${err}`);
    return null;
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim());
}

/** Whether GNU time is at /usr/bin/time (it takes `-f %M -o FILE`). */
async function hasGnuTime(): Promise<boolean> {
  try {
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%M", "-o", "/dev/null", "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** How the peak RSS of `lrc train` is measured, in the rows' `rssMethod`. */
const TIME_METHOD = "/usr/bin/time -f %M (ru_maxrss of the child)";
const POLL_METHOD = "VmHWM of /proc/<pid>/status, read every 10 ms";
/** How the children of this file measure their own peak RSS. */
const SELF_METHOD = "VmHWM of /proc/self/status at the end";

/**
 * Runs `lrc train` in memory on `path` in its own process, as `deno task lrc` does; its wall
 * time and peak RSS, or null if it failed. Called in a `--child` of this file, which has every
 * permission: without GNU time, Deno reads `/proc/<pid>/status` only with all of them.
 */
async function runTrain(path: string, fileBytes: number, gnuTime: boolean): Promise<Run | null> {
  const lrc = [
    "run",
    ...LRC_PERMISSIONS,
    LRC_MAIN,
    "train",
    "--data",
    path,
    "--label",
    "label",
    "--max-iterations",
    "5",
    // In memory whatever the file's size (above the limit, lrc train streams instead).
    "--max-data-bytes",
    String(fileBytes + 1),
    "--quiet",
    "--json",
  ];
  const rssFile = gnuTime ? await Deno.makeTempFile({ prefix: "bench_csv_rss_" }) : "";
  try {
    const t0 = performance.now();
    const proc = new Deno.Command(gnuTime ? "/usr/bin/time" : Deno.execPath(), {
      args: gnuTime ? ["-f", "%M", "-o", rssFile, Deno.execPath(), ...lrc] : lrc,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let polledKiB = 0;
    let polling = true;
    const poll = (async () => {
      while (polling && !gnuTime) {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(
            await Deno.readTextFile(`/proc/${proc.pid}/status`),
          );
          if (m) polledKiB = Math.max(polledKiB, Number(m[1]));
        } catch (error) {
          // Gone between two reads; anything else (no permission) would leave the peak unknown.
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const out = await proc.output();
    const ms = performance.now() - t0;
    polling = false;
    await poll;
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
      console.error(`${WIDE_TRAIN} on ${path} failed: ${err}`);
      return null;
    }
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    // GNU time writes "Command exited with non-zero status N" before the figure on a failure.
    const kiB = gnuTime
      ? Number((await Deno.readTextFile(rssFile)).trim().split("\n").at(-1))
      : polledKiB;
    return {
      ms,
      rows: trainRows(report),
      peakRssBytes: kiB * 1024,
      rssMethod: gnuTime ? TIME_METHOD : POLL_METHOD,
    };
  } finally {
    if (gnuTime) await Deno.remove(rssFile);
  }
}

/** The rows `lrc train --json` trained and tested on; NaN if its report lacks them. */
function trainRows(report: { data?: { trainSamples?: unknown; testSamples?: unknown } }): number {
  const { trainSamples, testSamples } = report.data ?? {};
  return typeof trainSamples === "number" && typeof testSamples === "number"
    ? trainSamples + testSamples
    : NaN;
}

async function main(): Promise<void> {
  const args = Deno.args;
  if (args[0] === "--child") return await child(args[1], args[2]);
  const options = benchArgs(
    "bench:csv",
    "Loading throughput and peak memory of numeric CSV files, by reading mode; with --wide, " +
      "peak memory of readCsv and lrc train in memory on wide count files.",
    {
      sizes: {
        type: "string",
        value: "LIST",
        help: "file sizes in MB, comma-separated",
        default: "100,300",
      },
      wide: {
        type: "string",
        value: "LIST",
        help: "column counts of wide one-digit count files, comma-separated (e.g. 2000,20000): " +
          "readCsv into float64 and lrc train in memory on each, instead of the numeric files " +
          "unless --sizes is given too",
      },
      "wide-rows": {
        type: "string",
        value: "N",
        help: "rows of the --wide files",
        default: "6000",
      },
      rounds: { type: "string", value: "N", help: "interleaved rounds", default: "3" },
    },
    args,
  );
  const json = options.flag("json");
  const sizesGiven = args.some((a) => a === "--sizes" || a.startsWith("--sizes="));
  const wideGiven = options.string("wide") !== undefined;
  const sizes = wideGiven && !sizesGiven ? [] : options.numbers("sizes", 1, 100000);
  const wide = wideGiven ? [...new Set(options.numbers("wide", 1, 1_000_000))] : [];
  for (const cols of wide) {
    if (!Number.isInteger(cols)) {
      console.error(
        `bench:csv: --wide must be a list of integers in [1, 1000000], got '${cols}' ` +
          "(deno task bench:csv --help lists the options)",
      );
      Deno.exit(2);
    }
  }
  const wideRows = options.integer("wide-rows", 100, 10_000_000);
  const rounds = options.integer("rounds", 1, 1000);
  reportLoadAverage("bench:csv");
  const rows: Record<string, unknown>[] = [];
  for (const mb of sizes) {
    const path = await ensureFile(mb);
    const bytes = (await Deno.stat(path)).size;
    const runs = new Map<string, Run[]>(MODES.map((m) => [m, []]));
    for (let r = 0; r < rounds; r++) {
      for (let t = 0; t < MODES.length; t++) {
        const mode = MODES[(t + r) % MODES.length];
        // The streaming modes run with a 48 MiB JavaScript heap: they must fit whatever
        // the file's size. csv-parse holds the whole file and needs gigabytes.
        const run = await runChild(mode, path, mode === MODES[0] ? 8192 : 48);
        if (run === null) continue;
        runs.get(mode)!.push(run);
        if (!json) console.error(`${mb} MB round ${r + 1}/${rounds}: ${mode} done`);
      }
    }
    for (const mode of MODES) {
      const rs = runs.get(mode)!;
      if (rs.length === 0) continue;
      const ms = median(rs.map((x) => x.ms));
      rows.push({
        bench: "csv",
        section: "numeric",
        name: mode,
        fileBytes: bytes,
        rows: rs[0].rows,
        medianMs: ms,
        allMs: rs.map((x) => x.ms),
        megabytesPerSecond: bytes / 1e6 / (ms / 1000),
        peakRssBytes: Math.max(...rs.map((x) => x.peakRssBytes)),
      });
    }
  }
  for (const cols of wide) {
    const path = await ensureWideFile(wideRows, cols);
    const bytes = (await Deno.stat(path)).size;
    const runs = new Map<string, Run[]>(WIDE_MODES.map((m) => [m, []]));
    for (let r = 0; r < rounds; r++) {
      for (let t = 0; t < WIDE_MODES.length; t++) {
        const mode = WIDE_MODES[(t + r) % WIDE_MODES.length];
        // lrc train is run and measured from a child of its own too (see runTrain).
        const run = await runChild(mode, path, 8192);
        if (run === null) continue;
        runs.get(mode)!.push(run);
        if (!json) {
          console.error(`${wideRows} x ${cols} round ${r + 1}/${rounds}: ${mode} done`);
        }
      }
    }
    for (const mode of WIDE_MODES) {
      const rs = runs.get(mode)!;
      if (rs.length === 0) continue;
      const peak = Math.max(...rs.map((x) => x.peakRssBytes));
      const values = wideRows * cols;
      rows.push({
        bench: "csv",
        section: "wide",
        name: mode,
        fileBytes: bytes,
        // The rows the child read (lrc train: trained and tested on), checked below.
        rows: rs[0].rows,
        cols,
        values,
        medianMs: median(rs.map((x) => x.ms)),
        allMs: rs.map((x) => x.ms),
        peakRssBytes: peak,
        peakRssPerFileByte: peak / bytes,
        peakRssBytesPerValue: peak / values,
        rssMethod: [...new Set(rs.map((x) => x.rssMethod ?? SELF_METHOD))].join("; "),
      });
      // The rows the child read: a check that it read the whole file.
      for (const x of rs) {
        if (x.rows !== wideRows) {
          console.error(`${mode} on ${path}: ${x.rows} rows read, expected ${wideRows}`);
        }
      }
    }
  }
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  const load = Deno.loadavg()[0].toFixed(2);
  const numeric = rows.filter((r) => r.section === "numeric");
  if (numeric.length > 0) {
    console.log(
      `numeric CSV, ${FEATURES} features + label, medians of ${rounds} runs, each in its own process; load average ${load}`,
    );
    console.log(formatTable(
      ["mode", "file", "rows", "median", "throughput", "peak RSS"],
      numeric.map((r) => [
        String(r.name),
        `${((r.fileBytes as number) / 1e6).toFixed(0)} MB`,
        String(r.rows),
        `${((r.medianMs as number) / 1000).toFixed(2)} s`,
        `${(r.megabytesPerSecond as number).toFixed(1)} MB/s`,
        `${((r.peakRssBytes as number) / 2 ** 20).toFixed(0)} MiB`,
      ]),
    ));
  }
  const wideRowsOut = rows.filter((r) => r.section === "wide");
  if (wideRowsOut.length > 0) {
    if (numeric.length > 0) console.log();
    console.log(
      `wide count CSV, one-digit counts (mostly 0) + label of ${WIDE_CLASSES} classes, in ` +
        `memory as float64; medians of ${rounds} runs, each in its own process; lrc train's ` +
        `time is its whole process, its peak RSS by ${
          wideRowsOut.find((r) => r.name === WIDE_TRAIN)?.rssMethod ?? "-"
        }; load average ${load}`,
    );
    console.log(formatTable(
      ["mode", "file", "values", "median", "peak RSS", "RSS / file", "bytes / value"],
      wideRowsOut.map((r) => [
        String(r.name),
        `${r.rows} x ${r.cols}, ${((r.fileBytes as number) / 1e6).toFixed(1)} MB`,
        (r.values as number).toLocaleString("en-US"),
        `${((r.medianMs as number) / 1000).toFixed(2)} s`,
        `${((r.peakRssBytes as number) / 2 ** 20).toFixed(0)} MiB`,
        `${(r.peakRssPerFileByte as number).toFixed(2)}x`,
        (r.peakRssBytesPerValue as number).toFixed(1),
      ]),
    ));
  }
}

await main();
