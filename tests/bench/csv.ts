/**
 * `deno task bench:csv`: memory and time of `readCsv` on large generated CSV files.
 *
 * Writes a CSV of 50 numeric columns (cells like `4.27`, about 5 bytes each) and a label to a
 * temporary folder, then reads it with `readCsv` in a fresh process per size and reports that
 * process's peak resident memory (`VmHWM` from /proc) and wall time. The file is streamed, so
 * memory should follow the float64 matrix (8 bytes per value) rather than the text.
 *
 * Options: `--mb 100,600` (file sizes in MB, default `100,600`), `--json` (one JSON object per
 * row), `--keep` (leave the files in the temporary folder).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatTable } from "../../lib/cli/format.ts";
import { readCsv } from "../../lib/data/csv.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    mb: { type: "string", default: "100,600" },
    json: { type: "boolean" },
    keep: { type: "boolean" },
    child: { type: "string" },
  },
});

if (flags.child !== undefined) {
  // The measured process: read, then report what it held at its peak.
  const started = performance.now();
  const d = await readCsv(flags.child, { maxBytes: 2 ** 31 });
  const seconds = (performance.now() - started) / 1000;
  const status = await Deno.readTextFile("/proc/self/status");
  const peakKb = Number(status.match(/VmHWM:\s+(\d+) kB/)![1]);
  console.log(
    JSON.stringify({ rows: d.x.rows, cols: d.x.cols, seconds, peakBytes: peakKb * 1024 }),
  );
  Deno.exit(0);
}

const COLS = 50;

async function generate(path: string, bytes: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let written = 0, r = 1;
  const header = Array.from({ length: COLS }, (_, j) => `f${j}`).join(",") + ",y\n";
  written += await file.write(enc.encode(header));
  while (written < bytes) {
    const lines: string[] = [];
    for (let k = 0; k < 2000; k++, r++) {
      const row: string[] = [];
      for (let j = 0; j < COLS; j++) row.push(String(((r * 31 + j * 17) % 1000) / 100));
      row.push(r % 3 === 0 ? "a" : "b");
      lines.push(row.join(","));
    }
    const chunk = enc.encode(lines.join("\n") + "\n");
    let off = 0;
    while (off < chunk.length) off += await file.write(chunk.subarray(off));
    written += chunk.length;
  }
  file.close();
}

const dir = await Deno.makeTempDir({ prefix: "lrc-bench-csv-" });
const rows: (string | number)[][] = [];
try {
  for (const mb of flags.mb!.split(",").map(Number)) {
    const path = `${dir}/data_${mb}mb.csv`;
    await generate(path, mb * 1e6);
    const fileBytes = (await Deno.stat(path)).size;
    const out = await new Deno.Command(Deno.execPath(), {
      // reading /proc/self/status needs --allow-all in Deno
      args: ["run", "--allow-all", new URL(import.meta.url).pathname, "--child", path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) {
      console.error(new TextDecoder().decode(out.stderr));
      throw new RangeError(`Cannot benchmark readCsv: the reader exited with ${out.code}`);
    }
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    const matrixBytes = r.rows * r.cols * 8;
    const row = {
      fileBytes,
      rows: r.rows,
      values: r.rows * r.cols,
      matrixBytes,
      peakBytes: r.peakBytes,
      peakPerFileByte: r.peakBytes / fileBytes,
      peakPerMatrixByte: r.peakBytes / matrixBytes,
      milliseconds: r.seconds * 1000,
    };
    if (flags.json) console.log(JSON.stringify(row));
    rows.push([
      (fileBytes / 1e6).toFixed(0),
      String(r.rows),
      (matrixBytes / 1e6).toFixed(0),
      (r.peakBytes / 1e6).toFixed(0),
      row.peakPerFileByte.toFixed(2),
      row.peakPerMatrixByte.toFixed(2),
      r.seconds.toFixed(1),
    ]);
    if (!flags.keep) await Deno.remove(path);
  }
} finally {
  if (!flags.keep) await Deno.remove(dir, { recursive: true });
}
if (!flags.json) {
  console.log(
    formatTable(
      ["file MB", "rows", "float64 matrix MB", "peak RSS MB", "RSS / file", "RSS / matrix", "s"],
      rows.map((r) => r.map(String)),
    ),
  );
}
