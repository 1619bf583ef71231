import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

Deno.test("lrc help COMMAND shows that command's help, as COMMAND --help does", async () => {
  const help = await runCli(["help", "prune"]);
  assert.equal(help.code, 0, help.stderr);
  // It printed the list of commands, the 'prune' read and dropped.
  assert.equal(help.stdout, (await runCli(["prune", "--help"])).stdout);
  assert.match(help.stdout, /^Usage: deno task lrc prune /);
  assert.equal((await runCli(["--help", "prune"])).stdout, help.stdout);
  for (const argv of [["help", "prun"], ["help", "prune", "train"]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^lrc: .*commands: train, prune/);
  }
  const all = await runCli(["help"]);
  assert.equal(all.code, 0);
  assert.match(all.stdout, /^Usage: deno task lrc <command> \[options\]/);
});

Deno.test("lrc COMMAND -h shows the command's help, as lrc -h shows lrc's", async () => {
  // It was refused as "Unknown option '-h'" (exit 2) after a command.
  const short = await runCli(["export", "-h"]);
  assert.equal(short.code, 0, short.stderr);
  assert.equal(short.stdout, (await runCli(["export", "--help"])).stdout);
  assert.match(short.stdout, /^Usage: deno task lrc export /);
  assert.equal((await runCli(["-h"])).stdout, (await runCli(["--help"])).stdout);
});

Deno.test("lrc stops without a word when the reader of its output has gone (exit 141, as SIGPIPE)", async () => {
  const { main } = await import("../../lib/cli/main.ts");
  let stderr = "";
  const code = await main(["train", "--max-iterations", "5"], {
    out: () => {
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
    err: (t) => void (stderr += t),
    interactive: false,
  });
  // It reported "lrc train: Broken pipe (os error 32)" with exit 1, breaking the one-line
  // "lrc <command>: Cannot ..." form for a choice of the reader's.
  assert.equal(code, 141);
  assert.doesNotMatch(stderr, /Broken pipe/);
});
