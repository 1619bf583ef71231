import assert from "node:assert/strict";
import { ByteReader, ByteWriter, SIZE_CATEGORIES, type SizeCategory } from "../../lib/io/bytes.ts";
import { encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { planSupport, readSupport } from "../../lib/io/support.ts";
import { flagTable, ransEncode } from "../../lib/io/rans.ts";
import { createPrng } from "../../lib/core/random.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

function charges(): Record<SizeCategory, number> {
  return Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<SizeCategory, number>;
}

Deno.test("a tie between the features and rans encodings goes to features, the earlier", () => {
  // 2 x 38 weights, every column but column 8 kept: features over a bitmap of the columns takes
  // 1 + 1 + ceil(38 / 8) = 7 bytes, and so does the flat rans encoding (tag, count 74, state).
  const rows = 2, cols = 38;
  const flags = new Uint8Array(rows * cols).fill(1);
  flags[8] = flags[cols + 8] = 0;
  const plan = planSupport(flags, rows, cols, true);
  assert.equal(plan.size, 1 + 1 + Math.ceil(cols / 8));
  assert.equal(plan.encoding, "features");
  assert.equal(plan.entropyCoded, false);
  const w = new ByteWriter();
  plan.write(w);
  const bytes = w.finish();
  assert.equal(bytes.length, plan.size);
  const back = readSupport(new ByteReader(bytes, 0, bytes.length, "x", charges()), rows, cols);
  assert.deepEqual(back.flags, flags);

  // So a model file asked for entropy coding, with nothing it would shrink, stays version 1.
  const data = new Float64Array(rows * cols).fill(0.1); // float64: 16 bytes saved by sparsity
  data[8] = data[cols + 8] = 0;
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data, rows, cols },
    bias: new Float64Array(rows),
    classes: ["a", "b"],
    featureNames: Array.from({ length: cols }, (_, j) => `x${j}`),
    preprocessing: { kind: "none" },
  };
  const { info } = inspectModelFile(encodeModel(model, { entropy: true }));
  assert.equal(info.support, "features");
  assert.equal(info.formatVersion, 1);
});

/** LEB128 length of `v`, by its definition. */
const leb = (v: number): number => v < 128 ? 1 : 1 + leb(Math.floor(v / 128));

/** Sizes (without tag) of the flat layouts of `positions` over `0..n-1`, computed here. */
function flatSizes(positions: number[], n: number): [string, number][] {
  const gaps = positions.map((p, i) => p - (i === 0 ? -1 : positions[i - 1]) - 1);
  const width = Math.max(1, ...gaps.map((g) => g.toString(2).length));
  return [
    ["bitmap", Math.ceil(n / 8)],
    ["delta-varint", leb(positions.length) + gaps.reduce((s, g) => s + leb(g), 0)],
    ["delta-fixed", leb(positions.length) + 1 + Math.ceil((positions.length * width) / 8)],
  ];
}

Deno.test("the plain index set is the smallest layout, the earlier on a tie, and round-trips", () => {
  const prng = createPrng(11);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(prng() * 4), cols = 1 + Math.floor(prng() * 300);
    const p = prng() ** 3, structured = prng() < 0.4;
    const colKeep = Array.from({ length: cols }, () => prng() < p);
    const flags = Uint8Array.from(
      { length: rows * cols },
      (_, i) => (structured ? colKeep[i % cols] : prng() < p) ? 1 : 0,
    );
    const positions = [...flags.keys()].filter((i) => flags[i]);
    let expected: [string, number];
    if (positions.length === rows * cols) expected = ["dense", 1];
    else {
      const options = flatSizes(positions, rows * cols).map(([e, s]) =>
        [e, 1 + s] as [string, number]
      );
      const columns = [...Array(cols).keys()].filter((j) =>
        [...Array(rows).keys()].every((i) => flags[i * cols + j] === flags[j]) && flags[j]
      );
      const isStructured = rows > 1 &&
        positions.length === columns.length * rows;
      if (isStructured) {
        options.push(["features", 2 + Math.min(...flatSizes(columns, cols).map(([, s]) => s))]);
      }
      expected = options.reduce((a, b) => b[1] < a[1] ? b : a);
    }
    const plan = planSupport(flags, rows, cols);
    assert.deepEqual([plan.encoding, plan.size], expected, `trial ${trial}`);
    const w = new ByteWriter();
    plan.write(w);
    const bytes = w.finish();
    assert.equal(bytes.length, plan.size);
    const r = new ByteReader(bytes, 0, bytes.length, "x", charges());
    assert.deepEqual(readSupport(r, rows, cols).flags, flags);
    assert.equal(r.remaining, 0);
  }
});

Deno.test("a column set entropy-coded under features round-trips and is marked entropy-coded", () => {
  const prng = createPrng(5);
  const rows = 3, cols = 2000;
  const keep = Array.from({ length: cols }, () => prng() < 0.3 ? 1 : 0);
  const flags = Uint8Array.from({ length: rows * cols }, (_, i) => keep[i % cols]);
  const plan = planSupport(flags, rows, cols, true);
  assert.equal(plan.encoding, "features");
  assert.equal(plan.entropyCoded, true);
  const w = new ByteWriter();
  plan.write(w);
  const bytes = w.finish();
  assert.deepEqual([...bytes.subarray(0, 2)], [4, 5]);
  const back = readSupport(new ByteReader(bytes, 0, bytes.length, "x", charges()), rows, cols);
  assert.deepEqual(back.flags, flags);
  assert.equal(back.entropyCoded, true);
});

Deno.test("malformed index sets are refused: padding, positions past the end, dense columns, counts", () => {
  const read = (bytes: number[] | Uint8Array, rows: number, cols: number) => {
    const b = Uint8Array.from(bytes);
    return readSupport(new ByteReader(b, 0, b.length, "x", charges()), rows, cols);
  };
  // Bitmap over 10 positions: bit 10 is padding.
  assert.deepEqual([...read([1, 0b101, 0b01], 1, 10).flags], [1, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
  assert.throws(() => read([1, 0b101, 0b101], 1, 10), /bits set past the last position/);
  // Delta-varint and delta-fixed: a gap landing on position n.
  assert.deepEqual([...read([2, 1, 9], 1, 10).flags], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.throws(() => read([2, 1, 10], 1, 10), /index 10 is past the last position 9/);
  assert.throws(() => read([2, 2, 8, 1], 1, 10), /index 10 is past the last position 9/);
  assert.throws(() => read([3, 1, 4, 10], 1, 10), /index 10 is past the last position 9/);
  // Delta-fixed gaps packed at a width outside 1..32 (3 gaps of 1 at 33 bits would be 13 bytes).
  for (const width of [0, 33, 255]) {
    assert.throws(
      () => read([3, 3, width, ...new Array(13).fill(0)], 1, 10),
      (e: Error) =>
        e instanceof SyntaxError && e.message === `x: header: gap width ${width} is not in 1..32`,
      `width ${width}`,
    );
  }
  // Features over dense columns or features is not a layout.
  assert.throws(() => read([4, 0], 2, 5), /column index encoding 0 is not allowed/);
  assert.throws(() => read([4, 4], 2, 5), /column index encoding 4 is not allowed/);
  // Rans flags that keep fewer or more positions than the count says.
  const n = 300, flags = Uint8Array.from({ length: n }, (_, i) => i % 7 === 0 ? 1 : 0);
  const kept = flags.reduce((a, b) => a + b, 0);
  for (const count of [kept - 1, kept + 1]) {
    const stream = ransEncode(flags, flagTable(count, n));
    const w = new ByteWriter();
    w.u8(5);
    w.varint(count);
    w.bytes(stream);
    assert.throws(() => read(w.finish(), 1, n), new RegExp(`keep ${kept} positions, not ${count}`));
  }
});
