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

Deno.test("lrc compress writes an output that is a dangling link to a later output's file", async () => {
  // writeFileAtomic replaces a link that dangles when it is written: --out m.lrc -> r.html
  // (no r.html yet) becomes the model file, and --report then writes r.html, a distinct file;
  // the check followed the dangling link and refused them as one file (exit 2; the code before
  // the check wrote both).
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-outputs-" });
  try {
    await Deno.symlink("r.html", `${dir}/m.lrc`);
    const r = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/m.lrc`, "--report", `${dir}/r.html`],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.lstat(`${dir}/m.lrc`)).isFile);
    assert.equal((await loadModel(`${dir}/m.lrc`)).kind, "quantized-logistic-regression");
    assert.match(await Deno.readTextFile(`${dir}/r.html`), /^<!DOCTYPE html>/);

    // A chain dangling at its end: --out a -> b -> nowhere replaces a; --report b is b.
    await Deno.remove(`${dir}/m.lrc`);
    await Deno.remove(`${dir}/r.html`);
    await Deno.symlink("r.html", `${dir}/m.lrc`);
    await Deno.symlink("gone.html", `${dir}/r.html`);
    const chain = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/m.lrc`, "--report", `${dir}/r.html`],
    ]);
    assert.equal(chain.code, 0, chain.stderr);
    assert.equal((await loadModel(`${dir}/m.lrc`)).kind, "quantized-logistic-regression");
    assert.ok((await Deno.lstat(`${dir}/r.html`)).isFile);
    assert.match(await Deno.readTextFile(`${dir}/r.html`), /^<!DOCTYPE html>/);
    await assert.rejects(Deno.lstat(`${dir}/gone.html`), Deno.errors.NotFound);

    // The link on the later output: the earlier one has made its target by then, so refused.
    await Deno.remove(`${dir}/m.lrc`);
    await Deno.remove(`${dir}/r.html`);
    await Deno.symlink("m.lrc", `${dir}/r.html`);
    const later = await runCli([
      ...["compress", ...SMALL, "--out", `${dir}/m.lrc`, "--report", `${dir}/r.html`],
    ]);
    assert.equal(later.code, 2, later.stdout);
    await assert.rejects(Deno.lstat(`${dir}/m.lrc`), Deno.errors.NotFound);
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
    assert.equal(
      r.stderr,
      `lrc compress: Cannot write '${dir}/file/r.html': '${dir}/file' is a file, not a folder\n`,
    );
    // The folder made for --out is removed again.
    await assert.rejects(Deno.lstat(`${dir}/new`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc compress names a file where an output's folder belongs as lrc train --save does, before reading the data", async () => {
  // --out afile/x.lrc, afile a regular file, said "File exists (os error 17)" (and afile/sub/x.lrc
  // "Not a directory (os error 20)"), where lrc train and lrc quantize say "'afile' is a file, not
  // a folder".
  const dir = await Deno.makeTempDir({ prefix: "lrc-compress-outputs-" });
  try {
    const afile = `${dir}/afile`;
    await Deno.writeTextFile(afile, "x");
    // A data file that does not exist: the outputs are checked first.
    const data = ["--data", `${dir}/missing.csv`, "--quiet"];
    for (
      const [option, name] of [["--out", "x.lrc"], ["--onnx", "x.onnx"], ["--report", "x.html"]]
    ) {
      for (const path of [`${afile}/${name}`, `${afile}/sub/${name}`]) {
        const r = await runCli(["compress", ...data, option, path]);
        assert.equal(r.code, 2, `${option} ${path}: ${r.stderr}`);
        assert.equal(
          r.stderr,
          `lrc compress: Cannot write '${path}': '${afile}' is a file, not a folder\n`,
        );
      }
    }
    // As lrc train says it.
    const train = await runCli(["train", ...data, "--save", `${afile}/x.lrc`]);
    assert.equal(train.code, 2, train.stderr);
    assert.equal(
      train.stderr,
      `lrc train: Cannot write '${afile}/x.lrc': '${afile}' is a file, not a folder\n`,
    );
    assert.equal(await Deno.readTextFile(afile), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
