/**
 * Checks over lib/'s source text: the error style and the single writer, which reviewers would
 * otherwise have to remember.
 */
import assert from "node:assert/strict";

const LIB = new URL("../../lib/", import.meta.url);

async function sources(dir: URL, out: { path: string; text: string }[] = []) {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) await sources(url, out);
    else if (entry.name.endsWith(".ts")) {
      out.push({
        path: url.pathname.slice(LIB.pathname.length),
        text: await Deno.readTextFile(url),
      });
    }
  }
  return out;
}

const FILES = await sources(LIB);

/** Line number of a character offset. */
const lineOf = (text: string, at: number) => text.slice(0, at).split("\n").length;

Deno.test("the scan sees the library", () => {
  assert.ok(FILES.length > 50, `${FILES.length} files`);
  assert.ok(FILES.some((f) => f.path === "io/atomic.ts"));
});

Deno.test("lib/ never throws a plain Error", () => {
  const found: string[] = [];
  for (const { path, text } of FILES) {
    for (const m of text.matchAll(/\bnew Error\(|\bthrow\s+["'`]/g)) {
      found.push(`lib/${path}:${lineOf(text, m.index)}: ${m[0]}`);
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("every literal error message in lib/ starts with 'Cannot '", () => {
  const found: string[] = [];
  let literals = 0;
  for (const { path, text } of FILES) {
    const re = /\bnew (TypeError|RangeError|SyntaxError|UsageError)\(\s*(["'`])/g;
    for (const m of text.matchAll(re)) {
      literals++;
      const start = m.index + m[0].length;
      // `${prefix}: ...` messages: the prefix is "Cannot read model file '<name>'" (checked below).
      const prefixed = /^\$\{(this\.#)?prefix\}: /.test(text.slice(start, start + 20));
      if (!text.startsWith("Cannot ", start) && !prefixed) {
        found.push(`lib/${path}:${lineOf(text, m.index)}: ${text.slice(start, start + 40)}`);
      }
    }
  }
  assert.deepEqual(found, []);
  // The only prefixes: the model file reader's, passed down to its byte reader.
  const modelFile = FILES.find((f) => f.path === "io/model_file.ts")!.text;
  assert.match(modelFile, /const prefix = `Cannot read model file '\$\{name\}'`;/);
  assert.ok(literals > 100, `${literals} literal messages`); // the scan matched something
});

Deno.test("files are written only through writeFileAtomic", () => {
  const found: string[] = [];
  const re =
    /Deno\.(writeFile|writeTextFile|writeFileSync|writeTextFileSync|create|createSync|truncate)\b|Deno\.open(Sync)?\([^)]*\b(write|append|create)\b/g;
  for (const { path, text } of FILES) {
    if (path === "io/atomic.ts") continue;
    for (const m of text.matchAll(re)) {
      const line = lineOf(text, m.index);
      // Documentation examples (JSDoc lines) may write their own temporary files.
      if (/^\s*\*/.test(text.split("\n")[line - 1])) continue;
      found.push(`lib/${path}:${line}: ${m[0]}`);
    }
  }
  assert.deepEqual(found, []);
  const atomic = FILES.find((f) => f.path === "io/atomic.ts")!.text;
  assert.match(atomic, /Deno\.open\(tmp, \{ write: true, createNew: true \}\)/);
});
