// The progress line of lib/cli/progress.ts, on a clock set by hand (performance.now replaced):
// what it writes, and when, is checked; nothing is timed.
import assert from "node:assert/strict";
import { createProgress } from "../../lib/cli/progress.ts";
import { runCli } from "../_helpers/assert_close.ts";

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

Deno.test("lrc train says it is reading a large --data file and preparing to train, and not for a small one", async () => {
  // A user's 240 MB file printed nothing for 16 s of reading and 22 s of set-up. This file
  // (3,000 rows x 2,000 features of 0 and 1, 12 MB) is above both thresholds: 8 MiB of text, and
  // 2,250 training rows x 2,000 = 4.5 million values (2^22 is 4.19 million).
  const dir = await Deno.makeTempDir();
  try {
    const write = async (path: string, rows: number, cols: number) => {
      const header = Array.from({ length: cols }, (_, j) => `f${j}`).join(",") + ",y\n";
      const lines = Array.from(
        { length: rows },
        (_, i) =>
          Array.from({ length: cols }, (_, j) => (i * 31 + j * 17) % 5 === 0 ? 1 : 0)
            .join(",") + `,${i % 2}\n`,
      );
      await Deno.writeTextFile(path, header + lines.join(""));
      return (await Deno.stat(path)).size;
    };
    const large = `${dir}/large.csv`;
    const size = await write(large, 3000, 2000);
    assert.ok(size >= 8 * 2 ** 20, `${size} bytes`);
    const args = ["train", "--data", large, "--max-iterations", "1"];
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split("\n");
    const total = (size / 1e6).toFixed(1);
    // Off a terminal the first update of a line is printed at once, the next ones every 2 s.
    assert.match(
      lines[0],
      new RegExp(`^reading '${large}': \\d+\\.\\d of ${total} MB \\(\\d+ %\\) {2}\\d+\\.\\d s$`),
    );
    const preparing = lines.indexOf(
      "training: preparing, then iteration 1 (2,250 rows x 2,000 features)",
    );
    assert.ok(preparing > 0, r.stderr);
    assert.ok(lines.slice(0, preparing).every((l) => l.startsWith("reading ")), r.stderr);
    // --quiet draws none of it.
    const q = await runCli([...args, "--quiet"]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stderr, "");
    // A small file (1,000 rows x 100 features, 0.2 MB): the training's line comes first.
    const small = `${dir}/small.csv`;
    await write(small, 1000, 100);
    const s = await runCli(["train", "--data", small, "--max-iterations", "1"]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /^training: iteration 1\/1 {2}loss /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
