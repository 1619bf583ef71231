/**
 * The benchmark tasks' options: `--help` lists them and exits 0 before any work; an unknown
 * option or a bad value ends with one line naming it and exit code 2 (a bench can run for
 * minutes, so it must not start on a typo).
 */
import assert from "node:assert/strict";

const benches = ["compress", "cores", "csv", "infer", "optimizer", "prune", "quant", "train"];

async function run(bench: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`./${bench}.ts`, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("every bench prints its options with --help and refuses unknown ones", async () => {
  for (const bench of benches) {
    const help = await run(bench, ["--help"]);
    assert.equal(help.code, 0, `${bench}: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^deno task bench:${bench} \\[options\\]`));
    assert.match(help.stdout, /--json +one JSON object per measured row/);
    const bad = await run(bench, ["--bogus"]);
    assert.equal(bad.code, 2, bench);
    assert.match(bad.stderr, new RegExp(`^bench:${bench}: Unknown option '--bogus'`));
    assert.equal(bad.stdout, "");
  }
});

Deno.test("bench values are checked before any work", async () => {
  for (
    const [bench, args, message] of [
      ["train", ["--rounds", "x"], /--rounds must be an integer in \[1, 1000\], got 'x'/],
      ["infer", ["--rounds", "0"], /--rounds must be an integer in \[1, 1000\], got '0'/],
      ["csv", ["--sizes", "100,abc"], /--sizes must be a number in \[1, 100000\], got 'abc'/],
      ["prune", ["--sparsities", "0.5,1.5"], /--sparsities must be a number in \[0, 1\]/],
      ["prune", ["--sections", "tabel"], /unknown section 'tabel'/],
      ["optimizer", ["--sections", "l2"], /unknown section 'l2' \(of passes, path, l1\)/],
      ["quant", ["--epochs", "2.5"], /--epochs must be an integer/],
      // A repeated option: the earlier value was dropped without a word.
      [
        "prune",
        ["--sections", "table", "--sections", "kernel"],
        /--sections is given twice/,
      ],
      ["quant", ["--quick", "--quick"], /--quick is given twice/],
      // A rows file is written at the end of a long run: one that cannot be written was only
      // found then, and the rows lost.
      ["compress", ["--rows", "/nonexistent/dir/rows.jsonl"], /cannot write --rows/],
      // The internal child mode checks what it is told to run before any work.
      ["train", ["--child", "foo"], /--child is internal/],
      ["csv", ["--child", "foo", "/nonexistent"], /--child is internal/],
    ] as const
  ) {
    const r = await run(bench, [...args]);
    assert.equal(r.code, 2, `${bench} ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
