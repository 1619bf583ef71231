// The progress line of lib/cli/progress.ts, on a clock set by hand (performance.now replaced):
// what it writes, and when, is checked; nothing is timed.
import assert from "node:assert/strict";
import { createProgress } from "../../lib/cli/progress.ts";

/** Runs `body` with performance.now() reading `clock.t` (ms), restoring it after. */
function withClock(body: (clock: { t: number }) => void): void {
  const now = performance.now;
  const clock = { t: 1000 };
  performance.now = () => clock.t;
  try {
    body(clock);
  } finally {
    performance.now = now;
  }
}

function recorder(interactive: boolean) {
  const err: string[] = [];
  const io = {
    out: () => assert.fail("a progress line writes to stderr only"),
    err: (t: string) => void err.push(t),
    interactive,
  };
  return { io, err };
}

Deno.test("a progress line off a terminal prints whole lines, at most one per 2 seconds", () => {
  // Mutations that passed every test (mutation audit; no test reached this module): the two
  // intervals swapped (a log line every 100 ms), the time of the last line not kept (every
  // update printed), and lines written without their line feed.
  withClock((clock) => {
    const { io, err } = recorder(false);
    const p = createProgress(io, true);
    p.update("epoch 1");
    clock.t += 100;
    p.update("epoch 2"); // 0.1 s after the last line: dropped
    clock.t += 1850;
    p.update("epoch 3"); // 1.95 s: dropped
    clock.t += 100;
    p.update("epoch 4"); // 2.05 s: printed
    clock.t += 1000;
    p.update("epoch 5"); // 1 s after epoch 4: dropped
    clock.t += 1000;
    p.update("epoch 6"); // exactly 2 s after epoch 4: printed (`<=` passed every test)
    p.done();
    assert.deepEqual(err, ["epoch 1\n", "epoch 4\n", "epoch 6\n"]);
  });
});

Deno.test("a progress line on a terminal redraws in place every 0.1 s and clears itself when done", () => {
  withClock((clock) => {
    const { io, err } = recorder(true);
    const p = createProgress(io, true);
    p.update("epoch 10 of 20");
    clock.t += 50;
    p.update("epoch 11 of 20"); // 0.05 s: dropped
    clock.t += 60;
    // Shorter than the line it replaces: padded with spaces over the old one's 14 characters.
    p.update("done 99 %");
    p.done();
    assert.deepEqual(err, [
      "\repoch 10 of 20",
      "\rdone 99 %     ",
      "\r         \r", // the last line's 9 characters blanked, the cursor back at the start
    ]);
  });
  // Nothing drawn, nothing to clear.
  const { io, err } = recorder(true);
  createProgress(io, true).done();
  assert.deepEqual(err, []);
});

Deno.test("a disabled progress line (--quiet, --json) writes nothing", () => {
  withClock((clock) => {
    for (const interactive of [false, true]) {
      const { io, err } = recorder(interactive);
      const p = createProgress(io, false);
      p.update("epoch 1");
      clock.t += 10_000;
      p.update("epoch 2");
      p.done();
      assert.deepEqual(err, []);
    }
  });
});

/** `script` (util-linux) runs a command on a pseudo-terminal: how a test gets a real terminal. */
const SCRIPT = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile ? "/usr/bin/script" : null;
  } catch {
    return null;
  }
})();

Deno.test({
  name: `lrc redraws its progress line when stderr is a terminal, whatever stdout is${
    SCRIPT ? "" : " (skipped: /usr/bin/script not found; apt-get install -y util-linux)"
  }`,
  ignore: SCRIPT === null,
  async fn() {
    // main.ts asked whether stdout was a terminal instead of stderr (where the line goes): it
    // passed every test (mutation audit), which all gave main() an `interactive` of their own.
    const dir = await Deno.makeTempDir();
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const lrc = [Deno.execPath(), "run", "--allow-read", "--allow-write", "--allow-env"]
      .concat("--allow-run", new URL("../../lib/cli/main.ts", import.meta.url).pathname)
      .concat("train", "--max-iterations", "20").map(quote).join(" ");
    /** Runs `lrc` on a terminal with one of its streams sent to a file: [terminal, file]. */
    const run = async (redirect: string): Promise<[string, string]> => {
      const out = await new Deno.Command(SCRIPT!, {
        args: ["-qec", `${lrc} ${redirect}${quote(`${dir}/file`)}`, "/dev/null"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assert.equal(out.code, 0, text.decode(out.stderr));
      return [text.decode(out.stdout), await Deno.readTextFile(`${dir}/file`)];
    };
    try {
      // stdout to a file, stderr on the terminal: the line is redrawn in place, then cleared.
      const [terminal, stdout] = await run(">");
      assert.match(terminal, /^\rtraining: iteration 1\/20 /, JSON.stringify(terminal));
      assert.match(terminal, /\r +\r$/, JSON.stringify(terminal));
      assert.ok(!terminal.includes("\n"), JSON.stringify(terminal));
      assert.match(stdout, /^training {2}lbfgs/m);
      // stderr to a file, stdout on the terminal: whole lines in the file, no carriage return.
      const [, stderr] = await run("2>");
      assert.match(stderr, /^training: iteration 1\/20 .*\n$/);
      assert.ok(!stderr.includes("\r"), JSON.stringify(stderr));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
