/**
 * `deno task bench:csv [--sizes 100,300] [--rounds N] [--json]`: loading throughput of numeric
 * CSV files of the given sizes (MB, generated once, seeded, under `tests/artifacts/csv/`,
 * ignored by git): 32 float features with 6 decimals and a label of 10 classes. Each
 * measurement runs in its own process, modes interleaved within a round, so that peak RSS
 * belongs to one mode:
 *
 * - `readCsv (csv-parse, one matrix)`: the whole file parsed (streamed through csv-parse) into
 *   one float32 matrix;
 * - `readCsvBatches (stream)`: the numeric streaming parser, batches of 4096 rows, nothing kept;
 * - `fitStream, 1 epoch sgd`: the first pass (scan) plus one training pass.
 *
 * The two streaming modes run with the JavaScript heap capped at 48 MiB, so a file of any size
 * must pass through them in bounded memory (peak RSS adds the runtime and the wasm memory).
 *
 * @module
 */

import { formatTable } from "../../lib/cli/format.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches } from "../../lib/data/csv_stream.ts";
import { fitStream } from "../../lib/model/fit_stream.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { benchArgs } from "./_args.ts";
import { median, peakRssBytes, reportLoadAverage } from "./_stats.ts";

const DIR = new URL("../artifacts/csv/", import.meta.url);
const FEATURES = 32;
const MODES = [
  "readCsv (csv-parse, one matrix)",
  "readCsvBatches (stream)",
  "fitStream, 1 epoch sgd",
];

async function ensureFile(mb: number): Promise<string> {
  const path = new URL(`numeric_${mb}mb.csv`, DIR).pathname;
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch { /* make it */ }
  await Deno.mkdir(DIR, { recursive: true });
  const file = await Deno.open(path + ".tmp", { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const prng = createPrng(mb);
  let written = 0;
  const header = [...Array.from({ length: FEATURES }, (_, j) => `f${j}`), "label"].join(",") + "\n";
  written += await file.write(enc.encode(header));
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
    written += await file.write(enc.encode(lines.join("\n") + "\n"));
  }
  file.close();
  await Deno.rename(path + ".tmp", path);
  return path;
}

async function child(mode: string, path: string): Promise<void> {
  if (!(MODES as readonly string[]).includes(mode) || path === undefined) {
    console.error(`bench:csv: --child is internal: --child ${MODES.join("|")} FILE`);
    Deno.exit(2);
  }
  const t0 = performance.now();
  let rows = 0;
  if (mode === MODES[0]) {
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

async function main(): Promise<void> {
  const args = Deno.args;
  if (args[0] === "--child") return await child(args[1], args[2]);
  const options = benchArgs(
    "bench:csv",
    "Loading throughput and peak memory of numeric CSV files, by reading mode.",
    {
      sizes: {
        type: "string",
        value: "LIST",
        help: "file sizes in MB, comma-separated",
        default: "100,300",
      },
      rounds: { type: "string", value: "N", help: "interleaved rounds", default: "3" },
    },
    args,
  );
  const json = options.flag("json");
  const sizes = options.numbers("sizes", 1, 100000);
  const rounds = options.integer("rounds", 1, 1000);
  reportLoadAverage("bench:csv");
  const rows: Record<string, unknown>[] = [];
  for (const mb of sizes) {
    const path = await ensureFile(mb);
    const bytes = (await Deno.stat(path)).size;
    const runs = new Map<string, { ms: number; rows: number; peakRssBytes: number }[]>(
      MODES.map((m) => [m, []]),
    );
    for (let r = 0; r < rounds; r++) {
      for (let t = 0; t < MODES.length; t++) {
        const mode = MODES[(t + r) % MODES.length];
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            // The streaming modes run with a 48 MiB JavaScript heap: they must fit whatever
            // the file's size. csv-parse holds the whole file and needs gigabytes.
            `--v8-flags=--max-old-space-size=${mode === MODES[0] ? 8192 : 48}`,
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
          console.error(`${mode} on ${mb} MB failed: ${err}`);
          continue;
        }
        runs.get(mode)!.push(JSON.parse(new TextDecoder().decode(out.stdout).trim()));
        if (!json) console.error(`${mb} MB round ${r + 1}/${rounds}: ${mode} done`);
      }
    }
    for (const mode of MODES) {
      const rs = runs.get(mode)!;
      if (rs.length === 0) continue;
      const ms = median(rs.map((x) => x.ms));
      rows.push({
        bench: "csv",
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
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  console.log(
    `numeric CSV, ${FEATURES} features + label, medians of ${rounds} runs, each in its own process; load average ${
      Deno.loadavg()[0].toFixed(2)
    }`,
  );
  console.log(formatTable(
    ["mode", "file", "rows", "median", "throughput", "peak RSS"],
    rows.map((r) => [
      String(r.name),
      `${((r.fileBytes as number) / 1e6).toFixed(0)} MB`,
      String(r.rows),
      `${((r.medianMs as number) / 1000).toFixed(2)} s`,
      `${(r.megabytesPerSecond as number).toFixed(1)} MB/s`,
      `${((r.peakRssBytes as number) / 2 ** 20).toFixed(0)} MiB`,
    ]),
  ));
}

await main();
