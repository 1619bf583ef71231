/**
 * `deno task notebooks` must fail when a cell fails. Some Deno releases reported failing cells
 * as successful; these tests run the real task (with the pinned Deno) on small notebooks.
 */
import assert from "node:assert/strict";
import { type Notebook, notebooksUnavailable, readNotebook } from "./_notebooks.ts";

const unavailable = await notebooksUnavailable();
const skip = unavailable ? ` (skipped: ${unavailable})` : "";
const RUN_TS = new URL("../../notebooks/runner/run.ts", import.meta.url).pathname;

function notebook(cells: string[]): Notebook {
  return {
    cells: cells.map((source) => ({
      cell_type: "code",
      source,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript" },
    },
    // @ts-ignore nbformat fields
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Runs `deno task notebooks --dir DIR` in a subprocess, as a user would. */
async function runTask(
  dir: string,
  ...extra: string[]
): Promise<{ code: number; output: string; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      RUN_TS,
      "--dir",
      dir,
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const [stdout, stderr] = [dec.decode(out.stdout), dec.decode(out.stderr)];
  return { code: out.code, output: stdout + stderr, stdout, stderr };
}

async function withNotebook(
  cells: string[],
  check: (dir: string, result: { code: number; output: string }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lrc-nbfail-" });
  try {
    await Deno.writeTextFile(`${dir}/check.ipynb`, JSON.stringify(notebook(cells)));
    await check(dir, await runTask(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const options = { sanitizeResources: false, sanitizeOps: false, ignore: unavailable !== null };

Deno.test({
  ...options,
  name: `a notebook whose cells all succeed makes the task succeed${skip}`,
  fn: () =>
    withNotebook([
      'console.log("first")',
      'await Deno.writeTextFile("reached.txt", "yes"); 42',
    ], async (dir, r) => {
      assert.equal(r.code, 0, r.output);
      assert.equal(await Deno.readTextFile(`${dir}/reached.txt`), "yes");
      assert.match(r.output, /check\.ipynb\s+ok\s+2\/2/);
    }),
});

Deno.test({
  ...options,
  name: `a deliberately failing cell makes the task fail and stops the notebook there${skip}`,
  fn: () =>
    withNotebook([
      'console.log("first")',
      'throw new RangeError("deliberate failure")',
      'await Deno.writeTextFile("reached.txt", "yes")',
    ], async (dir, r) => {
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /RangeError: deliberate failure/);
      assert.doesNotMatch(r.output, /retrying/, "a failing cell must not be retried");
      assert.match(r.output, /check\.ipynb\s+failed\s+2\/3/);
      await assert.rejects(Deno.stat(`${dir}/reached.txt`), Deno.errors.NotFound);
      // The executed notebook is kept, with the error in the failing cell.
      const executed = await readNotebook(`${dir}/out/check.ipynb`);
      const error = executed.cells[1].outputs?.find((o) => o.output_type === "error");
      assert.equal(error?.ename, "RangeError");
    }),
});

Deno.test({
  ...options,
  name: `a rejected promise at the top level of a cell makes the task fail${skip}`,
  fn: () =>
    withNotebook([
      'await Promise.reject(new TypeError("async failure"))',
    ], (_dir, r) => {
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /TypeError: async failure/);
      return Promise.resolve();
    }),
});

Deno.test({
  ...options,
  name: `an error output that the kernel reports as success still makes the task fail${skip}`,
  // What the faulty Deno releases did: the cell's reply says "ok" but an error was published.
  fn: () =>
    withNotebook([
      'await Deno.jupyter.broadcast("error", { ename: "SimulatedError", ' +
      'evalue: "published while the reply says ok", traceback: ["SimulatedError"] }); 1',
    ], (_dir, r) => {
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /reported success but cells hold errors: cell 0: SimulatedError/);
      return Promise.resolve();
    }),
});

Deno.test({
  ...options,
  name: `a kernel that dies fails the task, after one retry of the whole notebook${skip}`,
  fn: () =>
    withNotebook([
      "await Deno.writeTextFile('attempts.txt', 'x', { append: true })",
      "Deno.exit(3)",
    ], async (dir, r) => {
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /retrying the notebook once after a kernel failure/);
      assert.match(r.output, /DeadKernelError|Kernel died/);
      assert.equal(await Deno.readTextFile(`${dir}/attempts.txt`), "xx");
    }),
});

Deno.test({
  ...options,
  name: `a notebook that is not JSON fails, named, and the other notebooks still run${skip}`,
  fn: async () => {
    // The task parsed each notebook itself first: a broken one ended the whole run with a bare
    // 'Unexpected end of JSON input', naming no file, before the notebooks after it ran.
    const dir = await Deno.makeTempDir({ prefix: "lrc-nbfail-" });
    try {
      await Deno.writeTextFile(`${dir}/a_broken.ipynb`, '{"cells": [');
      await Deno.writeTextFile(
        `${dir}/b_good.ipynb`,
        JSON.stringify(notebook(['await Deno.writeTextFile("reached.txt", "yes")'])),
      );
      const r = await runTask(dir);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /Cannot read notebook '[^']*a_broken\.ipynb'/);
      assert.match(r.output, /a_broken\.ipynb\s+failed/);
      assert.match(r.output, /b_good\.ipynb\s+ok\s+1\/1/);
      assert.equal(await Deno.readTextFile(`${dir}/reached.txt`), "yes");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...options,
  name: `a cell that runs past --timeout fails the task, its error and source shown once${skip}`,
  fn: async () => {
    // The error of a failed notebook was printed twice: streamed to stdout with the progress
    // lines, then repeated on stderr after the notebook.
    const dir = await Deno.makeTempDir({ prefix: "lrc-nbfail-" });
    try {
      await Deno.writeTextFile(
        `${dir}/slow.ipynb`,
        JSON.stringify(notebook([
          'console.log("first")',
          "await new Promise((r) => setTimeout(r, 600_000)); 1",
          'await Deno.writeTextFile("reached.txt", "yes")',
        ])),
      );
      const started = performance.now();
      const r = await runTask(dir, "--timeout", "3", "--no-html");
      assert.ok(performance.now() - started < 120_000, "the 600 s cell was not stopped");
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /slow\.ipynb\s+failed\s+2\/3/);
      const count = (text: string, what: string) => text.split(what).length - 1;
      assert.equal(count(r.output, "A cell timed out"), 1, r.output);
      assert.equal(count(r.stderr, "A cell timed out"), 1, r.stderr);
      assert.equal(count(r.stderr, "setTimeout(r, 600_000)"), 1, r.stderr);
      assert.match(r.stderr, /after 3 seconds/);
      await assert.rejects(Deno.stat(`${dir}/reached.txt`), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
