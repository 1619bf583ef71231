// The dispatcher of lib/cli/main.ts: its list of commands and its one-line error reports.
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

Deno.test("lrc --help lists every command, with its summary in one column two spaces past the longest name", async () => {
  // A list that left out a command, or whose column was one space short, passed every test
  // (mutation audit of main.ts's usage). The seven commands written out here;
  // the longest names, 'quantize' and 'compress', have 8 letters: summaries at column 2 + 8 + 2.
  const names = ["train", "prune", "quantize", "export", "inspect", "compress", "predict"];
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const top = lines.indexOf("Commands:");
  assert.ok(top > 0, r.stdout);
  const listed = lines.slice(top + 1, lines.indexOf("", top));
  const cells = listed.map((l) => /^ {2}([a-z]+)( +)\S/.exec(l));
  assert.deepEqual(cells.map((m) => m?.[1]), names, listed.join("\n"));
  for (const m of cells) assert.equal(2 + m![1].length + m![2].length, 12, m![0]);
  // With no command at all, the same list is the usage error's, on stderr.
  const bare = await runCli([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, "");
  assert.equal(bare.stderr, r.stdout);
});

Deno.test("lrc reports a message holding a carriage return on one line, the return shown as \\r", async () => {
  // Only line feeds were tried (train_test's multiline cell): without its escape a CR went to
  // the terminal as is, and the line's start was written over by what followed it.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/cr.csv`, 'a,b,y\n1,"x\ry",p\n2,3,q\n');
    const r = await runCli(["train", "--data", `${dir}/cr.csv`, "--quiet"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.ok(!r.stderr.includes("\r"), JSON.stringify(r.stderr));
    assert.match(r.stderr, /^lrc train: Cannot read CSV .*holds 'x\\ry', which is not a finite/);
    assert.equal(r.stderr.split("\n").length, 2, JSON.stringify(r.stderr)); // one line, one \n
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc refuses an unknown command on one stderr line that lists the commands, exit code 2", async () => {
  // No test reached this branch: its exit code 1 (a failure, not a usage error), the message on
  // stdout, or the list of commands left out, each passed every test (mutation audit of main.ts).
  for (const name of ["trian", "--quiet", "Train"]) {
    const r = await runCli([name, "--help"]);
    assert.equal(r.code, 2, name);
    assert.equal(r.stdout, "", name);
    assert.equal(
      r.stderr,
      `lrc: unknown command '${name}'; commands: ` +
        "train, prune, quantize, export, inspect, compress, predict\n",
    );
  }
});
