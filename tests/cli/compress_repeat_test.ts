import assert from "node:assert/strict";

/**
 * Runs `lrc compress` in a process of its own (a module-level random id or a clock read would then
 * differ between runs, which two calls in one process would share).
 */
async function compressRun(dir: string, tag: string): Promise<{ json: unknown; html: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "--allow-read", "--allow-write", "--allow-env", "lib/cli/main.ts", "compress"],
      ...["--dataset", "breast-cancer", "--budget", "2", "--sparsity", "0,0.5", "--bits", "2,4"],
      ...["--out", `${dir}/${tag}.lrc`, "--onnx", `${dir}/${tag}.onnx`],
      ...["--report", `${dir}/${tag}.html`, "--json", "--quiet"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return {
    json: JSON.parse(new TextDecoder().decode(out.stdout)),
    html: await Deno.readTextFile(`${dir}/${tag}.html`),
  };
}

/** The JSON without what the README says may differ: timings and the names of the files. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !["seconds", "savedTo", "onnx", "report"].includes(k))
      .map(([k, v]) => [k, withoutTimings(v)]),
  );
}

/** The report with every table's `seconds` column blanked, each figure's spec parsed. */
function reportWithoutTimings(html: string): string {
  return html.replace(/var spec = (.*);\n/g, (_, json: string) => {
    const spec = JSON.parse(json);
    for (const trace of spec.data) {
      const header: unknown[] | undefined = trace.header?.values;
      const column = header?.indexOf("seconds") ?? -1;
      if (column >= 0) trace.cells.values[column] = [];
    }
    return `var spec = ${JSON.stringify(spec)};\n`;
  });
}

Deno.test("lrc compress run twice writes the same model and ONNX bytes, and a report and JSON that differ only in timings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-repeat-" });
  try {
    const a = await compressRun(dir, "a");
    const b = await compressRun(dir, "b");
    assert.deepEqual(await Deno.readFile(`${dir}/a.lrc`), await Deno.readFile(`${dir}/b.lrc`));
    assert.deepEqual(await Deno.readFile(`${dir}/a.onnx`), await Deno.readFile(`${dir}/b.onnx`));
    assert.deepEqual(withoutTimings(a.json), withoutTimings(b.json));
    // The report's stage table has its seconds column, and nothing else of the page may differ
    // (no timestamp, no random element ids).
    assert.match(a.html, /"seconds"/);
    assert.equal(reportWithoutTimings(a.html), reportWithoutTimings(b.html));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
