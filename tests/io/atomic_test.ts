import assert from "node:assert/strict";
import { writeFileAtomic } from "../../lib/io/atomic.ts";

Deno.test("an interrupted save leaves the previous file intact and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.json`;
    await writeFileAtomic(path, new TextEncoder().encode("good"));
    await assert.rejects(
      () =>
        writeFileAtomic(path, new Uint8Array(1000).fill(65), {
          write: async (file, bytes) => {
            await file.write(bytes.subarray(0, 300)); // half-way, then the disk "fails"
            throw new Error("disk full");
          },
        }),
      (e: Error) =>
        e instanceof TypeError && /Cannot write '.*model.json': disk full/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(path), "good");
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["model.json"]);
    await writeFileAtomic(path, new TextEncoder().encode("better"));
    assert.equal(await Deno.readTextFile(path), "better");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
