// The dispatcher of lib/cli/main.ts: its list of commands and its one-line error reports.
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";

Deno.test("lrc --help lists every command, with its summary in one column two spaces past the longest name", async () => {
  // A list that left out a command, or whose column was one space short, passed every test
  // (mutation audit of main.ts's usage). The eight commands written out here;
  // the longest name, 'threshold', has 9 letters: summaries at column 2 + 9 + 2.
  const names = [
    "train",
    "prune",
    "quantize",
    "export",
    "inspect",
    "compress",
    "predict",
    "threshold",
  ];
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const top = lines.indexOf("Commands:");
  assert.ok(top > 0, r.stdout);
  const listed = lines.slice(top + 1, lines.indexOf("", top));
  const cells = listed.map((l) => /^ {2}([a-z]+)( +)\S/.exec(l));
  assert.deepEqual(cells.map((m) => m?.[1]), names, listed.join("\n"));
  for (const m of cells) assert.equal(2 + m![1].length + m![2].length, 13, m![0]);
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
        "train, prune, quantize, export, inspect, compress, predict, threshold\n",
    );
  }
});

const ROOT = await Deno.realPath(new URL("../../", import.meta.url));

/** Runs `lrc` in `cwd` with `INIT_CWD` (`deno task --config` runs it in ROOT, the folder of deno.json). */
async function runFrom(cwd: string, initCwd: string | undefined, argv: readonly string[]) {
  // The whole environment, without the INIT_CWD that `deno task test` gives this process.
  const { INIT_CWD: _, ...env } = Deno.env.toObject();
  if (initCwd !== undefined) env.INIT_CWD = initCwd;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}/deno.json`, `${ROOT}/lib/cli/main.ts`, ...argv],
    cwd,
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("lrc called by deno task from another folder says where relative paths went, and names that folder in an error", async () => {
  // `deno task --config /repo/deno.json lrc train --save m.lrc` typed in /work wrote /repo/m.lrc
  // and printed "saved to m.lrc"; `lrc inspect m.lrc` there failed with "No such file" about a
  // file the user could see. deno task sets INIT_CWD to the folder it was called from. The files
  // go to a folder of the repository's own, named relatively (.lrc-tmp-* is ignored by git).
  const inRepo = await Deno.makeTempDir({ dir: ROOT, prefix: ".lrc-tmp-cli-note-" });
  const sub = inRepo.slice(inRepo.lastIndexOf("/") + 1);
  const user = await Deno.realPath(await Deno.makeTempDir());
  try {
    const train = await runFrom(ROOT, user, [
      "train",
      "--dataset",
      "iris",
      "--save",
      `${sub}/m.lrc`,
      "--quiet",
    ]);
    assert.equal(train.code, 0, train.stderr);
    assert.ok((await Deno.stat(`${inRepo}/m.lrc`)).isFile);
    const where = `relative paths are taken from '${ROOT}', the folder of deno.json where ` +
      `deno task runs, not from '${user}' where it was called`;
    assert.ok(
      train.stderr.endsWith(`note      ${where}: '${sub}/m.lrc' is '${inRepo}/m.lrc'\n`),
      train.stderr,
    );
    // A file that is where the user is, but not where the path resolves.
    await Deno.mkdir(`${user}/${sub}`);
    await Deno.rename(`${inRepo}/m.lrc`, `${user}/${sub}/m.lrc`);
    const inspect = await runFrom(ROOT, user, ["inspect", `${sub}/m.lrc`]);
    assert.equal(inspect.code, 1);
    assert.equal(inspect.stdout, "");
    assert.match(inspect.stderr, /^lrc inspect: Cannot read model file '[^']*m\.lrc': /);
    assert.ok(inspect.stderr.endsWith(` (${where}: give absolute paths)\n`), inspect.stderr);
    assert.equal(inspect.stderr.split("\n").length, 2, inspect.stderr); // still one line
    // Absolute paths, a call from the folder itself, and no deno task: no note.
    const absolute = await runFrom(ROOT, user, ["inspect", `${user}/${sub}/m.lrc`]);
    assert.equal(absolute.code, 0, absolute.stderr);
    assert.equal(absolute.stderr, "");
    for (const initCwd of [user, undefined]) {
      const same = await runFrom(user, initCwd, ["inspect", `${sub}/m.lrc`]);
      assert.equal(same.code, 0, same.stderr);
      assert.equal(same.stderr, "");
    }
  } finally {
    await Deno.remove(inRepo, { recursive: true });
    await Deno.remove(user, { recursive: true });
  }
});

Deno.test("lrc run outside the repository's folder adds no note for an INIT_CWD it inherited", async () => {
  // `deno task test` from the root gives INIT_CWD to every process it starts: lrc spawned by a
  // test in a folder of its own said its relative paths were taken from "the folder of deno.json
  // where deno task runs", a temporary folder without one, and added that to its errors.
  const here = await Deno.realPath(await Deno.makeTempDir());
  try {
    const train = await runFrom(here, ROOT, [
      "train",
      "--dataset",
      "iris",
      "--save",
      "m.lrc",
      "--quiet",
    ]);
    assert.equal(train.code, 0, train.stderr);
    assert.ok((await Deno.stat(`${here}/m.lrc`)).isFile);
    assert.doesNotMatch(train.stderr, /note|relative paths/, train.stderr);
    const missing = await runFrom(here, ROOT, ["inspect", "nope.lrc"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^lrc inspect: Cannot read model file 'nope\.lrc': /);
    assert.doesNotMatch(missing.stderr, /relative paths|give absolute/, missing.stderr);
  } finally {
    await Deno.remove(here, { recursive: true });
  }
});
