import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { hasFashionMnist, loadFashionMnist, parseIdx } from "../../lib/data/fashion_mnist.ts";

const present = hasFashionMnist();

Deno.test({
  name: `loads both Fashion-MNIST splits with balanced classes${
    present ? "" : " (skipped: install dataset-fashion-mnist)"
  }`,
  ignore: !present,
  async fn() {
    const train = await loadFashionMnist("train");
    const test = await loadFashionMnist("test");
    assert.deepEqual([train.x.rows, train.x.cols, test.x.rows, test.x.cols], [
      60000,
      784,
      10000,
      784,
    ]);
    // Fashion-MNIST is balanced by construction: 6000 / 1000 images per class.
    for (const [d, per] of [[train, 6000], [test, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const c of d.y) counts[c]++;
      assert.deepEqual(counts, new Array(10).fill(per));
    }
    let min = Infinity, max = -Infinity;
    for (const v of test.x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.deepEqual([min, max], [0, 1]);
    const raw = await loadFashionMnist("test", { limit: 3, pixels: "raw" });
    assert.equal(raw.x.rows, 3);
    for (let i = 0; i < raw.x.data.length; i++) {
      assert.equal(raw.x.data[i], Math.round(test.x.data[i] * 255));
    }
  },
});

Deno.test("a missing Fashion-MNIST folder gives an error that says how to get the data", async () => {
  await assert.rejects(
    () => loadFashionMnist("test", { dir: "/nonexistent" }),
    (e: Error) => e instanceof TypeError && /apt-get install dataset-fashion-mnist/.test(e.message),
  );
});

Deno.test("IDX parsing checks the magic number and the length", () => {
  const good = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]);
  assert.deepEqual([...parseIdx(good, "x", 1).values], [7, 9]);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 9, 1, 0, 0, 0, 2, 7, 9]), "x", 1), TypeError);
  assert.throws(() => parseIdx(good.subarray(0, 9), "x", 1), /should hold 2 values/);
  assert.throws(() => parseIdx(good, "x", 3), TypeError);
});

Deno.test("a limit, pixels or split that is not one of the allowed values is refused before reading", async () => {
  const cases: [Parameters<typeof loadFashionMnist>, RegExp][] = [
    [["train", { limit: 2.5 }], /limit must be an integer >= 1, got 2.5/],
    [["train", { limit: NaN }], /limit must be an integer >= 1, got NaN/],
    [["test", { limit: -5 }], /limit must be an integer >= 1, got -5/],
    [["test", { pixels: "bytes" as "raw" }], /pixels must be unit or raw, got 'bytes'/],
    [["valid" as "test", {}], /split must be train or test, got 'valid'/],
  ];
  for (const [args, message] of cases) {
    // A folder that does not exist: the option is refused before the files are looked for.
    const [split, options] = args;
    await assert.rejects(
      () => loadFashionMnist(split, { ...options, dir: "/nonexistent" }),
      message,
    );
  }
});

Deno.test("a gzip file of several members is read whole; bytes after it are refused by name", async () => {
  // Valid gzip (gzip -t and zcat accept it): the images in two members. DecompressionStream
  // stopped after the first and the file was refused as "not a valid gzip file".
  const n = 3, side = 28;
  const images = new Uint8Array(16 + n * side * side);
  new DataView(images.buffer).setUint32(0, 0x803);
  for (const [k, v] of [n, side, side].entries()) {
    new DataView(images.buffer).setUint32(4 + 4 * k, v);
  }
  for (let i = 16; i < images.length; i++) images[i] = (i * 7) % 256;
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, n, 4, 0, 9]);
  const dir = await Deno.makeTempDir();
  try {
    const half = 16 + 1000;
    const members = [gzipSync(images.subarray(0, half)), gzipSync(images.subarray(half))];
    await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte.gz`, concat(members));
    await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte.gz`, gzipSync(labels));
    const d = await loadFashionMnist("test", { dir, pixels: "raw" });
    assert.deepEqual([d.x.rows, d.x.cols], [n, side * side]);
    assert.deepEqual([...d.x.data], [...images.subarray(16)]);
    assert.deepEqual([...d.y], [4, 0, 9]);
    // Bytes that are not a gzip member after the data.
    await Deno.writeFile(
      `${dir}/t10k-images-idx3-ubyte.gz`,
      concat([gzipSync(images), new Uint8Array([1, 2, 3, 4])]),
    );
    await assert.rejects(
      () => loadFashionMnist("test", { dir }),
      /t10k-images-idx3-ubyte\.gz is not a valid gzip file \(zlib: .*bytes that are not gzip/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
