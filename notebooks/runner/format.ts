/**
 * `deno task fmt:notebooks [--check]`: formats the notebooks' Markdown and code cells with
 * `deno fmt` and the project's configuration.
 *
 * The notebooks are excluded from the project's `deno fmt` because Deno 2.9.6's
 * `deno fmt --check` reports any notebook with a Markdown cell as unformatted (with an empty diff)
 * on a fresh cache. This formats a temporary copy of each notebook instead and compares bytes,
 * which is exact.
 *
 * @module
 */

import { writeFileAtomic } from "../../lib/io/atomic.ts";
import { pathText } from "../../lib/data/csv.ts";
import { listNotebooks } from "./run.ts";

const CONFIG = pathText(new URL("../../deno.json", import.meta.url));

/**
 * The formatted text of a notebook, as `deno fmt` with the project's configuration writes it.
 *
 * @param path The notebook.
 * @returns Its formatted text.
 * @throws {TypeError} If `deno fmt` fails (e.g. a code cell does not parse).
 */
export async function formattedNotebook(path: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const copy = `${dir}/${path.split("/").pop()}`;
    await Deno.copyFile(path, copy);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--config", CONFIG, copy],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new TypeError(
        `Cannot format notebook '${path}': ${new TextDecoder().decode(out.stderr).trim()}`,
      );
    }
    return await Deno.readTextFile(copy);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  // Anything else refused: a mistyped --check ('--chek') rewrote the notebooks it was to check.
  const unknown = Deno.args.find((a) => a !== "--check");
  if (unknown !== undefined) {
    console.error(
      `Cannot parse options: unknown option '${unknown}'; usage: deno task fmt:notebooks [--check]`,
    );
    Deno.exit(2);
  }
  const check = Deno.args.includes("--check");
  const unformatted: string[] = [];
  for (const path of listNotebooks()) {
    const text = await Deno.readTextFile(path);
    const formatted = await formattedNotebook(path);
    if (formatted === text) continue;
    unformatted.push(path);
    if (!check) await writeFileAtomic(path, new TextEncoder().encode(formatted));
  }
  if (check && unformatted.length > 0) {
    console.error(`not formatted (run 'deno task fmt:notebooks'): ${unformatted.join(", ")}`);
    Deno.exit(1);
  }
  console.log(`${check ? "checked" : "formatted"} the notebooks; ${unformatted.length} changed`);
}
