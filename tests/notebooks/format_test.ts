import assert from "node:assert/strict";
import { formattedNotebook } from "../../notebooks/runner/format.ts";
import { listNotebooks } from "../../notebooks/runner/run.ts";
import { runnerCheckoutWithSpace } from "./_notebooks.ts";

for (const path of listNotebooks()) {
  const name = path.split("/").pop()!;
  Deno.test(`${name} gives every cell an id of its own, as nbformat 4.5 requires`, async () => {
    // Seven cells of 07 had none: nbformat warned "Code cell is missing an id field" on every
    // run, and a later nbformat refuses such a file. Ids: 1 to 64 letters, digits, - and _.
    const nb = JSON.parse(await Deno.readTextFile(path));
    assert.ok(nb.nbformat > 4 || (nb.nbformat === 4 && nb.nbformat_minor >= 5), name);
    const ids = nb.cells.map((c: { id?: unknown }) => c.id);
    ids.forEach((id: unknown, i: number) =>
      assert.ok(typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id), `cell ${i}: ${id}`)
    );
    assert.equal(new Set(ids).size, ids.length, `${name}: repeated cell ids`);
  });
  Deno.test(`${name} is formatted as deno fmt writes it (deno task fmt:notebooks)`, async () => {
    const text = await Deno.readTextFile(path);
    assert.ok(
      (await formattedNotebook(path)) === text,
      `${name} is not formatted: run 'deno task fmt:notebooks'`,
    );
  });
}

Deno.test("formatting a notebook rewrites badly formatted code and Markdown cells", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const meta = JSON.parse(await Deno.readTextFile(listNotebooks()[0])).metadata;
    const nb = {
      cells: [
        { cell_type: "markdown", metadata: {}, source: ["# Title\n", "some   text"] },
        {
          cell_type: "code",
          execution_count: null,
          metadata: {},
          outputs: [],
          source: ["const  a=1;"],
        },
      ],
      metadata: meta,
      nbformat: 4,
      nbformat_minor: 5,
    };
    const path = `${dir}/x.ipynb`;
    await Deno.writeTextFile(path, JSON.stringify(nb, null, 1) + "\n");
    const cells = JSON.parse(await formattedNotebook(path)).cells;
    assert.deepEqual(cells[0].source, ["# Title\n", "\n", "some text"]);
    assert.deepEqual(cells[1].source, ["const a = 1;"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fmt:notebooks works in a checkout whose path holds a space", async () => {
  // The runner took its folders from URL pathnames, where a space is %20.
  const root = await runnerCheckoutWithSpace();
  try {
    await Deno.copyFile(listNotebooks()[0], `${root}/notebooks/one.ipynb`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        `${root}/notebooks/runner/format.ts`,
        "--check",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const output = dec.decode(out.stdout) + dec.decode(out.stderr);
    assert.equal(out.code, 0, output);
    assert.match(output, /checked the notebooks; 0 changed/);
  } finally {
    await Deno.remove(root.replace(/\/a checkout$/, ""), { recursive: true });
  }
});

Deno.test("fmt:notebooks --check fails on an unformatted notebook and leaves it as it was", async () => {
  // --check is what CI runs: it must exit 1 naming the notebook and change nothing; without
  // --check the notebook is rewritten.
  const root = await runnerCheckoutWithSpace();
  try {
    const meta = JSON.parse(await Deno.readTextFile(listNotebooks()[0])).metadata;
    const path = `${root}/notebooks/messy.ipynb`;
    const messy = JSON.stringify(
      {
        cells: [{
          cell_type: "code",
          execution_count: null,
          metadata: {},
          outputs: [],
          source: ["const  a=1;"],
        }],
        metadata: meta,
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    ) + "\n";
    await Deno.writeTextFile(path, messy);
    // A formatted one beside it is not named.
    await Deno.copyFile(listNotebooks()[0], `${root}/notebooks/tidy.ipynb`);
    const formatter = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-run",
          `${root}/notebooks/runner/format.ts`,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
    };
    const check = await formatter("--check");
    assert.equal(check.code, 1, check.output);
    assert.match(check.output, /not formatted \(run 'deno task fmt:notebooks'\): .*messy\.ipynb$/m);
    assert.doesNotMatch(check.output, /tidy\.ipynb/);
    assert.equal(await Deno.readTextFile(path), messy, "--check changed the notebook");
    const write = await formatter();
    assert.equal(write.code, 0, write.output);
    assert.match(write.output, /formatted the notebooks; 1 changed/);
    // By hand: deno fmt's spacing and semicolon.
    const cells = JSON.parse(await Deno.readTextFile(path)).cells;
    assert.deepEqual(cells[0].source, ["const a = 1;"]);
    const again = await formatter("--check");
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /checked the notebooks; 0 changed/);
    // A mistyped --check is refused before anything is written (it formatted in place).
    await Deno.writeTextFile(path, messy);
    for (const args of [["--chek"], ["--check", "x.ipynb"]]) {
      const typo = await formatter(...args);
      assert.equal(typo.code, 2, typo.output);
      assert.match(typo.output, /^Cannot parse options: unknown option '(--chek|x\.ipynb)'/m);
      assert.equal(await Deno.readTextFile(path), messy, `${args.join(" ")} changed the notebook`);
    }
  } finally {
    await Deno.remove(root.replace(/\/a checkout$/, ""), { recursive: true });
  }
});
