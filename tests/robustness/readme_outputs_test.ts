/**
 * The test task runs README.md's TypeScript blocks (`deno test --doc README.md`) from the
 * repository root: every file they write there must be ignored, or a test run leaves it in the
 * working tree to be committed by accident.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

Deno.test("the files README.md's TypeScript blocks write are ignored by git", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const ignored = (await Deno.readTextFile(new URL(".gitignore", ROOT))).split("\n")
    .map((l) => l.trim());
  const written: string[] = [];
  for (
    const block of readme.matchAll(
      /^```(?:ts|typescript)(?![^\n]*\bignore\b)[^\n]*\n([\s\S]*?)^```/gm,
    )
  ) {
    for (
      const m of block[1].matchAll(
        /\b(?:saveModel|writeFiguresHtml|writeFileAtomic|Deno\.writeFile|Deno\.writeTextFile)\(\s*"([^"]+)"/g,
      )
    ) written.push(m[1]);
  }
  assert.ok(written.length > 0, "the scan finds the README's writes");
  const missing = written.filter((path) =>
    !ignored.includes(`/${path}`) && !ignored.some((g) => g.endsWith("/") && path.startsWith(g))
  );
  assert.deepEqual(missing, []);
});
