/**
 * `deno task notebooks` as a user meets it: help, a bad option, Jupyter missing, the Deno kernel
 * not yet registered.
 */
import assert from "node:assert/strict";
import { INSTALL_HINT, listNotebooks } from "../../notebooks/runner/run.ts";
import { notebooksUnavailable, runnerCheckoutWithSpace } from "./_notebooks.ts";

const RUN_TS = new URL("../../notebooks/runner/run.ts", import.meta.url).pathname;

async function task(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-run", RUN_TS, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("the notebooks task explains its options and rejects unknown ones", async () => {
  const help = await task(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.output, /--only TEXT/);
  const bad = await task(["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.output, /unknown option '--frobnicate'/);
});

Deno.test("the notebooks task says how to install Jupyter when nbclient is missing", async () => {
  // A "Python" that cannot import anything stands in for a machine without Jupyter.
  const r = await task([], { LRC_PYTHON: "/bin/false" });
  assert.equal(r.code, 1);
  assert.ok(r.output.includes(INSTALL_HINT), r.output);
  assert.match(r.output, /apt-get install -y jupyter-nbconvert python3-nbclient jupyter-notebook/);
});

const unavailable = await notebooksUnavailable();

Deno.test({
  name: "the notebooks task registers the Deno kernel when it is missing" +
    (unavailable ? ` (skipped: ${unavailable})` : ""),
  ignore: unavailable !== null,
  fn: async () => {
    // A fresh home has no kernelspec; Deno's cache stays where it is (no downloads).
    const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
    const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
    const home = await Deno.makeTempDir({ prefix: "lrc-home-" });
    const dir = await Deno.makeTempDir({ prefix: "lrc-nbdir-" });
    try {
      await Deno.writeTextFile(
        `${dir}/one.ipynb`,
        JSON.stringify({
          cells: [{
            cell_type: "code",
            source: "1 + 1",
            metadata: {},
            outputs: [],
            execution_count: null,
          }],
          metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      );
      const r = await task(["--dir", dir, "--no-html"], { HOME: home, DENO_DIR: denoDir });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Registered the Deno kernel/);
      const spec = JSON.parse(
        await Deno.readTextFile(`${home}/.local/share/jupyter/kernels/deno/kernel.json`),
      );
      assert.equal(Deno.realPathSync(spec.argv[0]), Deno.realPathSync(Deno.execPath()));
      assert.match(r.output, /one\.ipynb\s+ok\s+1\/1/);
    } finally {
      await Deno.remove(home, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the notebooks task runs in a checkout whose path holds a space" +
    (unavailable ? ` (skipped: ${unavailable})` : ""),
  ignore: unavailable !== null,
  fn: async () => {
    // The runner took its folders (notebooks/, execute.py) from URL pathnames, where a space is
    // %20: it found no notebooks folder.
    const root = await runnerCheckoutWithSpace();
    try {
      await Deno.writeTextFile(
        `${root}/notebooks/one.ipynb`,
        JSON.stringify({
          cells: [{
            cell_type: "code",
            source: 'await Deno.writeTextFile("reached.txt", "yes")',
            metadata: {},
            outputs: [],
            execution_count: null,
          }],
          metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-run",
          `${root}/notebooks/runner/run.ts`,
          "--no-html",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      const output = dec.decode(out.stdout) + dec.decode(out.stderr);
      assert.equal(out.code, 0, output);
      assert.match(output, /one\.ipynb\s+ok\s+1\/1/);
      assert.equal(await Deno.readTextFile(`${root}/notebooks/reached.txt`), "yes");
    } finally {
      await Deno.remove(root.replace(/\/a checkout$/, ""), { recursive: true });
    }
  },
});

/** A notebook of one code cell. */
function notebookJson(source: string): string {
  return JSON.stringify({
    cells: [{ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null }],
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

Deno.test("the notebooks are listed by name, and --only keeps those matching any of its texts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-list-" });
  try {
    for (const name of ["b_prune.ipynb", "a_quick.ipynb", "c_quant.ipynb", "notes.txt"]) {
      await Deno.writeTextFile(`${dir}/${name}`, "{}");
    }
    // A folder whose name ends in .ipynb is not a notebook.
    await Deno.mkdir(`${dir}/d.ipynb`);
    const names = (only: string[]) => listNotebooks(only, dir).map((p) => p.slice(dir.length + 1));
    // By hand: every .ipynb file, sorted by name.
    assert.deepEqual(names([]), ["a_quick.ipynb", "b_prune.ipynb", "c_quant.ipynb"]);
    assert.deepEqual(names(["quant"]), ["c_quant.ipynb"]);
    // --only given twice: either text selects (a notebook rarely holds both).
    assert.deepEqual(names(["quick", "quant"]), ["a_quick.ipynb", "c_quant.ipynb"]);
    assert.deepEqual(names(["nothing"]), []);
    assert.deepEqual(listNotebooks(["quick"], dir), [`${dir}/a_quick.ipynb`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the notebooks task runs only the notebooks --only names" +
    (unavailable ? ` (skipped: ${unavailable})` : ""),
  ignore: unavailable !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lrc-only-" });
    try {
      // Each notebook leaves a file behind in the kernel's working directory (--dir).
      for (const name of ["one", "two"]) {
        await Deno.writeTextFile(
          `${dir}/${name}.ipynb`,
          notebookJson(`await Deno.writeTextFile("${name}.ran", "yes")`),
        );
      }
      const r = await task(["--dir", dir, "--only", "two", "--no-html"]);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /two\.ipynb\s+ok\s+1\/1/);
      assert.doesNotMatch(r.output, /one\.ipynb/);
      assert.equal(await Deno.readTextFile(`${dir}/two.ran`), "yes");
      await assert.rejects(Deno.stat(`${dir}/one.ran`), Deno.errors.NotFound);
      // Nothing matching is an error naming the folder, not an empty success.
      const none = await task(["--dir", dir, "--only", "three", "--no-html"]);
      assert.equal(none.code, 1, none.output);
      assert.ok(none.output.includes(`Cannot run notebooks: none under ${dir} match three`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
