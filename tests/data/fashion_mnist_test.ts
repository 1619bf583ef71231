import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEFAULT_DIR,
  hasFashionMnist,
  loadFashionMnist,
  parseIdx,
} from "../../lib/data/fashion_mnist.ts";
import { hasNumpy, runPython } from "../_helpers/python.ts";

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

/** An unsigned-byte IDX file written from its specification: 0, 0, 8, nd, big-endian sizes, bytes. */
function idx(dims: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((v, k) => view.setUint32(4 + 4 * k, v));
  out.set(values, 4 + 4 * dims.length);
  return out;
}

Deno.test("pixels are named by their row and column, row-major as the IDX format stores them", async () => {
  // Two images of 2 rows x 3 columns: image i, row r, column c holds 100 i + 10 r + c, so
  // pixel_<r>_<c> of sample i must hold that (a transposed naming or reading shows).
  const dims = [2, 2, 3];
  const values: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) values.push(100 * i + 10 * r + c);
  }
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/train-images-idx3-ubyte.gz`, gzipSync(idx(dims, values)));
    await Deno.writeFile(`${dir}/train-labels-idx1-ubyte.gz`, gzipSync(idx([2], [3, 7])));
    const d = await loadFashionMnist("train", { dir, pixels: "raw" });
    assert.deepEqual([d.x.rows, d.x.cols], [2, 6]);
    assert.deepEqual([...d.y], [3, 7]);
    for (let i = 0; i < 2; i++) {
      d.featureNames.forEach((name, k) => {
        const [, r, c] = /^pixel_(\d+)_(\d+)$/.exec(name)!.map(Number);
        assert.equal(d.x.data[i * 6 + k], 100 * i + 10 * r + c, `${name} of image ${i}`);
      });
    }
    assert.deepEqual(d.featureNames, [
      "pixel_0_0",
      "pixel_0_1",
      "pixel_0_2",
      "pixel_1_0",
      "pixel_1_1",
      "pixel_1_2",
    ]);
    // A label outside 0..9, and a label file of another length, are refused by name.
    await Deno.writeFile(`${dir}/train-labels-idx1-ubyte.gz`, gzipSync(idx([2], [3, 10])));
    await assert.rejects(
      () => loadFashionMnist("train", { dir }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message ===
          `Cannot load Fashion-MNIST: ${dir}/train-labels-idx1-ubyte.gz has label 10 at index 1`,
    );
    // As documented, only the labels of the samples kept are read: a limit before the bad label
    // loads (a loader that refused it, or kept it, would show here).
    const first = await loadFashionMnist("train", { dir, limit: 1, pixels: "raw" });
    assert.deepEqual([...first.y], [3]);
    assert.deepEqual([...first.x.data], [0, 1, 2, 10, 11, 12]);
    await Deno.writeFile(`${dir}/train-labels-idx1-ubyte.gz`, gzipSync(idx([3], [3, 7, 1])));
    await assert.rejects(
      () => loadFashionMnist("train", { dir }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message ===
          `Cannot load Fashion-MNIST: ${dir}/train-images-idx3-ubyte.gz has 2 images but ` +
            `${dir}/train-labels-idx1-ubyte.gz has 3 labels`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IDX parsing refuses a file of another dimension count or magic, even of the right length", () => {
  // Each header below is followed by exactly as many bytes as it announces, so only the magic
  // (0, 0, 8 for unsigned bytes) and the dimension count in byte 3 can refuse it.
  const refused =
    /^TypeError: Cannot load Fashion-MNIST: x is not an unsigned-byte IDX file with 1 dimension\(s\)$/;
  assert.deepEqual([...parseIdx(idx([2], [7, 9]), "x", 1).values], [7, 9]);
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2, 7, 9), "x", 1), refused);
  assert.throws(() => parseIdx(Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 2, 7, 9), "x", 1), refused);
  assert.throws(() => parseIdx(Uint8Array.of(0, 1, 8, 1, 0, 0, 0, 2, 7, 9), "x", 1), refused);
});

Deno.test({
  name:
    `the Fashion-MNIST test split's first images and labels are Python's gzip and struct reading${
      present && hasNumpy() ? "" : " (skipped: install dataset-fashion-mnist and python3-numpy)"
    }`,
  ignore: !present || !hasNumpy(),
  async fn() {
    // Python reads the files by the IDX specification: each image's 28 row sums and 28 column
    // sums (which a transposed image swaps), and the labels.
    const ref = await runPython<{ rows: number[][]; cols: number[][]; labels: number[] }>(
      `import gzip, json, struct, sys, numpy as np
d = json.load(sys.stdin)
with gzip.open(d + "/t10k-images-idx3-ubyte.gz") as f:
    magic, n, h, w = struct.unpack(">IIII", f.read(16))
    img = np.frombuffer(f.read(), dtype=np.uint8).reshape(n, h, w)[:50].astype(int)
with gzip.open(d + "/t10k-labels-idx1-ubyte.gz") as f:
    struct.unpack(">II", f.read(8))
    lab = np.frombuffer(f.read(), dtype=np.uint8)[:50]
print(json.dumps({"rows": img.sum(axis=2).tolist(), "cols": img.sum(axis=1).tolist(), "labels": lab.tolist()}))`,
      Deno.env.get("LRC_FASHION_MNIST_DIR") || FASHION_MNIST_DEFAULT_DIR,
    );
    const d = await loadFashionMnist("test", { limit: 50, pixels: "raw" });
    assert.deepEqual([...d.y], ref.labels);
    for (let i = 0; i < 50; i++) {
      const rows = new Array(28).fill(0), cols = new Array(28).fill(0);
      d.featureNames.forEach((name, k) => {
        const [, r, c] = /^pixel_(\d+)_(\d+)$/.exec(name)!.map(Number);
        rows[r] += d.x.data[i * 784 + k];
        cols[c] += d.x.data[i * 784 + k];
      });
      assert.deepEqual([rows, cols], [ref.rows[i], ref.cols[i]], `image ${i}`);
    }
  },
});

Deno.test("IDX parsing refuses a header cut short, a type byte below 0x08, and bytes beyond the announced count", () => {
  // Mutation audit: a length check of only the 4 magic bytes, a type check of "> 0x08", and a
  // count check of "fewer bytes than announced" all passed every test.
  const notIdx = (nd: number) =>
    new RegExp(
      `^TypeError: Cannot load Fashion-MNIST: x is not an unsigned-byte IDX file with ${nd} `,
    );
  // Three dimensions announced, the header holds one size: refused by name, not a DataView
  // RangeError.
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), "x", 3), notIdx(3));
  for (const type of [0x00, 0x07]) {
    assert.throws(
      () => parseIdx(Uint8Array.of(0, 0, type, 1, 0, 0, 0, 2, 7, 9), "x", 1),
      notIdx(1),
    );
  }
  assert.throws(
    () => parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 1, 7, 9), "x", 1),
    /^TypeError: Cannot load Fashion-MNIST: x should hold 1 value after its header, holds 2$/,
  );
});

Deno.test("fewer labels than images, an images path that is a folder, and LRC_FASHION_MNIST_DIR", async () => {
  const dir = await Deno.makeTempDir();
  const images = `${dir}/t10k-images-idx3-ubyte.gz`, labels = `${dir}/t10k-labels-idx1-ubyte.gz`;
  const saved = Deno.env.get("LRC_FASHION_MNIST_DIR");
  try {
    await Deno.writeFile(images, gzipSync(idx([3, 1, 2], [1, 2, 3, 4, 5, 6])));
    await Deno.writeFile(labels, gzipSync(idx([2], [4, 5])));
    // Mutation audit: a count check that refused only more labels than images passed.
    await assert.rejects(() => loadFashionMnist("test", { dir }), {
      name: "TypeError",
      message: `Cannot load Fashion-MNIST: ${images} has 3 images but ${labels} has 2 labels`,
    });
    // The files of one split are not the data set (mutation audit: every -> some passed).
    assert.equal(hasFashionMnist(dir), false);
    for (const f of ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]) {
      await Deno.writeFile(`${dir}/${f}`, gzipSync(idx([1], [0])));
    }
    assert.equal(hasFashionMnist(dir), true);
    // The folder comes from LRC_FASHION_MNIST_DIR when no dir option is given (mutation audit:
    // ignoring the variable passed).
    await Deno.writeFile(labels, gzipSync(idx([3], [4, 5, 9])));
    Deno.env.set("LRC_FASHION_MNIST_DIR", dir);
    assert.equal(hasFashionMnist(), true);
    const d = await loadFashionMnist("test", { pixels: "raw" });
    assert.deepEqual([d.x.rows, d.x.cols], [3, 2]); // not the default folder's 10000 x 784
    assert.deepEqual([[...d.x.data], [...d.y]], [[1, 2, 3, 4, 5, 6], [4, 5, 9]]);
    // A folder where a file should be is named as what it is, not as missing data to install
    // (mutation audit: reporting every read error as "not found" passed).
    await Deno.remove(images);
    await Deno.mkdir(images);
    await assert.rejects(() => loadFashionMnist("test", { dir }), (e: Error) => {
      assert.ok(e instanceof TypeError, e.message);
      assert.ok(e.message.startsWith(`Cannot load Fashion-MNIST: ${images}: `), e.message);
      assert.doesNotMatch(e.message, /not found|apt-get/);
      return true;
    });
  } finally {
    if (saved === undefined) Deno.env.delete("LRC_FASHION_MNIST_DIR");
    else Deno.env.set("LRC_FASHION_MNIST_DIR", saved);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IDX files without data (0 images, or images of 0 pixels) are refused, as empty CSV files are", async () => {
  // They loaded as data sets of 0 rows or 0 columns, which only fit then refused.
  const dir = await Deno.makeTempDir();
  try {
    for (const [dims, labels] of [[[0, 28, 28], 0], [[2, 0, 28], 2], [[2, 28, 0], 2]] as const) {
      await Deno.writeFile(`${dir}/train-images-idx3-ubyte.gz`, gzipSync(idx([...dims], [])));
      await Deno.writeFile(
        `${dir}/train-labels-idx1-ubyte.gz`,
        gzipSync(idx([labels], new Array(labels).fill(1))),
      );
      await assert.rejects(
        () => loadFashionMnist("train", { dir }),
        (e: Error) =>
          e instanceof TypeError &&
          e.message ===
            `Cannot load Fashion-MNIST: ${dir}/train-images-idx3-ubyte.gz holds ${dims[0]} ` +
              `images of ${dims[1]} x ${dims[2]} pixels, no data`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const readme = "/usr/share/doc/dataset-fashion-mnist/README.md.gz";
const hasReadme = (() => {
  try {
    return Deno.statSync(readme).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: `the class names are in the label order of the data set's own README${
    hasReadme ? "" : ` (skipped: ${readme} is missing; install dataset-fashion-mnist)`
  }`,
  ignore: !hasReadme,
  fn() {
    // Mutation audit: swapping two class names ("Shirt" and "Sneaker") passed every test. The
    // oracle is Zalando's README as Debian ships it: a table of "| <label> | <description> |".
    const text = new TextDecoder().decode(gunzipSync(Deno.readFileSync(readme)));
    const table = [...text.matchAll(/^\| (\d+) \| ([^|]+?) \|$/gm)]
      .map(([, label, name]) => [Number(label), name] as const);
    assert.deepEqual(table.map(([label]) => label), [...FASHION_MNIST_CLASSES.keys()]);
    assert.deepEqual(table.map(([, name]) => name), FASHION_MNIST_CLASSES);
  },
});
