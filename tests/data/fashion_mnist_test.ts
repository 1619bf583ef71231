import assert from "node:assert/strict";
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
