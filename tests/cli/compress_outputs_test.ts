import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadModel } from "../../lib/io/model_file.ts";

const SMALL = ["--dataset", "breast-cancer", "--sparsity", "0", "--method", "float16", "--quiet"];

Deno.test("lrc compress refuses outputs that a symbolic link makes one file, before any work", async () => {
  // --report through a link to the --out file wrote the HTML over the model just written, and
  // the run still said "wrote m.lrc (549 bytes)" (found by the compress/export CLI review).
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-outputs-" });
  try {
    await Deno.writeTextFile(`${dir}/m.lrc`, "old");
    await Deno.symlink("m.lrc", `${dir}/r.html`);
    const r = await runCli([
      "compress",
      ...SMALL,
      "--out",
      `${dir}/m.lrc`,
      "--report",
      `${dir}/r.html`,
    ]);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(
      r.stderr,
      `lrc compress: Cannot write: --report '${dir}/r.html' is the --out file '${dir}/m.lrc' ` +
        "under another name (a symbolic link), and would overwrite it; write them to different " +
        "files\n",
    );
    assert.equal(await Deno.readTextFile(`${dir}/m.lrc`), "old");
    assert.ok((await Deno.lstat(`${dir}/r.html`)).isSymlink);

    // A link to an output not written yet (dangling now), from another folder, and --onnx.
    await Deno.remove(`${dir}/m.lrc`);
    await Deno.mkdir(`${dir}/sub`);
    await Deno.symlink("../n.lrc", `${dir}/sub/m.onnx`);
    const dangling = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/./n.lrc`, "--onnx", `${dir}/sub/m.onnx`],
    ]);
    assert.equal(dangling.code, 2, dangling.stdout);
    assert.match(dangling.stderr, /--onnx '.*\/sub\/m\.onnx' is the --out file '.*\/\.\/n\.lrc'/);
    await assert.rejects(Deno.lstat(`${dir}/n.lrc`), Deno.errors.NotFound);

    // Distinct files, a link among them included, are written as before.
    await Deno.writeTextFile(`${dir}/elsewhere.html`, "old");
    await Deno.symlink("elsewhere.html", `${dir}/ok.html`);
    const ok = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/n.lrc`, "--report", `${dir}/ok.html`],
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await loadModel(`${dir}/n.lrc`)).kind, "quantized-logistic-regression");
    assert.match(await Deno.readTextFile(`${dir}/elsewhere.html`), /^<!DOCTYPE html>/);
    assert.ok((await Deno.lstat(`${dir}/ok.html`)).isSymlink);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress refuses with a usage error an output folder that cannot be made", async () => {
  // A file where a folder of --report belongs ended with exit code 1, where every other output
  // check (a missing folder for the other commands, an output that is a folder) is a usage error
  // with exit code 2 (found by the compress/export CLI review).
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-outputs-" });
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const r = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/new/m.lrc`, "--report", `${dir}/file/r.html`],
    ]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /^lrc compress: Cannot create the folder of '.*\/file\/r\.html': /);
    // The folder made for --out is removed again.
    await assert.rejects(Deno.lstat(`${dir}/new`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
