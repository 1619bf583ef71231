import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

const FAST = ["--max-iterations", "100", "--fine-tune-steps", "30"];

/** The page title and first heading of a report. */
function titles(html: string): [string | undefined, string | undefined] {
  return [/<title>([^<]*)<\/title>/.exec(html)?.[1], /<h1>([^<]*)<\/h1>/.exec(html)?.[1]];
}

Deno.test("the report of lrc compress --max-bytes is titled for the size-budgeted search", async () => {
  // It was titled "lrcompress: compression pipeline", as a run without a search.
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      "compress",
      ...FAST,
      "--max-bytes",
      "400",
      "--sparsity",
      "0,0.5",
      "--bits",
      "2,4",
      "--report",
      `${dir}/r.html`,
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    const title = "lrcompress: most accurate model within the size budget";
    assert.deepEqual(titles(html), [title, title]);
    assert.ok(html.includes("<h2>Size-budgeted search</h2>"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the reports of lrc compress are titled for the mode that ran", async () => {
  // Only --max-bytes' title was checked: a --budget or --sweep report titled as the pipeline's
  // passed.
  const dir = await Deno.makeTempDir();
  try {
    const space = ["--sparsity", "0,0.5", "--bits", "2,4", "--method", "uniform"];
    for (
      const [mode, title] of [
        [["--budget", "1", ...space], "lrcompress: smallest model within the accuracy budget"],
        [["--sweep", ...space, "--training", "ptq"], "lrcompress: compression sweep"],
        [[], "lrcompress: compression pipeline"],
      ] as const
    ) {
      const r = await runCli([
        ...["compress", "--dataset", "breast-cancer", ...FAST, ...mode],
        ...["--report", `${dir}/r.html`, "--quiet"],
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(titles(await Deno.readTextFile(`${dir}/r.html`)), [title, title]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
