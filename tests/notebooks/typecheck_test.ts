/**
 * The notebooks' code type-checks against the library, without Jupyter: the code cells of each
 * notebook, joined in order into one module (cells share one scope in the kernel), go through
 * `deno check`. This catches a notebook left behind by a change of the library's API.
 */
import assert from "node:assert/strict";
import { listNotebooks } from "../../notebooks/runner/run.ts";
import { joined, readNotebook } from "./_notebooks.ts";

const ROOT = new URL("../../", import.meta.url);

for (const path of listNotebooks()) {
  const name = path.replace(/^.*\//, "");
  Deno.test(`notebook ${name} type-checks against the library`, async () => {
    const nb = await readNotebook(path);
    const code = nb.cells.filter((c) => c.cell_type === "code")
      .map((c, i) => `// cell ${i}\n${joined(c.source)}`)
      .join("\n\n")
      // Cells import the library relative to notebooks/; the joined module lives elsewhere.
      .replaceAll(`"../lib/`, `"${new URL("lib/", ROOT).href}`);
    assert.ok(code.includes(new URL("lib/", ROOT).href), "the notebook does not import ../lib/");
    const dir = await Deno.makeTempDir({ prefix: "lrc-nbcheck-" });
    try {
      const file = `${dir}/${name.replace(/\.ipynb$/, "")}.ts`;
      await Deno.writeTextFile(file, `export {};\n${code}\n`);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const message = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `deno check failed for ${name}:\n${message}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
