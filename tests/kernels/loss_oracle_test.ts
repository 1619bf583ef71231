import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { bindLoss } from "../../lib/model/engine.ts";

// Oracle: the documented objective (summed log loss, gradient of the sum) by a plain float64
// loop over the rows, written here without lib/model/loss.ts. The engine rounds features and
// weights to float32 and sums residuals in float32 per block: tolerances are float32 sized.

type Std = { mean: Float64Array; scale: Float64Array } | undefined;

function oracle(
  x: Matrix,
  y: Int32Array,
  idx: ArrayLike<number>,
  w: Float64Array,
  b: Float64Array,
  softmax: boolean,
  std: Std,
) {
  const d = x.cols, k = b.length;
  const gw = new Float64Array(k * d), gb = new Float64Array(k), mass = new Float64Array(k * d);
  let loss = 0, correct = 0, nearTie = 0;
  for (const i of Array.from(idx)) {
    const xi = Array.from(
      { length: d },
      (_, j) => std ? (x.data[i * d + j] - std.mean[j]) / std.scale[j] : x.data[i * d + j],
    );
    const z = Array.from({ length: k }, (_, c) => {
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[c * d + j] * xi[j];
      return s;
    });
    const r = new Float64Array(k);
    if (!softmax) {
      const p = 1 / (1 + Math.exp(-z[0]));
      loss -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
      r[0] = p - y[i];
      if ((z[0] > 0 ? 1 : 0) === y[i]) correct++;
      if (Math.abs(z[0]) < 1e-4) nearTie++;
    } else {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      loss += lse - z[y[i]];
      for (let c = 0; c < k; c++) r[c] = Math.exp(z[c] - lse) - (c === y[i] ? 1 : 0);
      if (z.indexOf(m) === y[i]) correct++;
      if (z.filter((v) => m - v < 1e-4).length > 1) nearTie++;
    }
    for (let c = 0; c < k; c++) {
      gb[c] += r[c];
      for (let j = 0; j < d; j++) {
        gw[c * d + j] += r[c] * xi[j];
        mass[c * d + j] += Math.abs(xi[j]);
      }
    }
  }
  return { loss, correct, nearTie, gw, gb, mass, count: idx.length };
}

function data(seed: number, n: number, d: number, k: number) {
  const prng = createPrng(seed);
  const x: Matrix = {
    data: Float32Array.from({ length: n * d }, () => 2 * randomNormal(prng) + 1),
    rows: n,
    cols: d,
  };
  const y = Int32Array.from({ length: n }, () => Math.floor(prng() * k));
  const nOut = k === 2 ? 1 : k;
  const w = Float64Array.from({ length: nOut * d }, () => 0.3 * randomNormal(prng));
  const b = Float64Array.from({ length: nOut }, () => 0.5 * randomNormal(prng));
  return { x, y, w, b, nOut };
}

type Result = { loss: number; correct: number };

function check(
  got: Result,
  gw: Float64Array,
  gb: Float64Array,
  offset: number,
  ref: ReturnType<typeof oracle>,
  what: string,
) {
  const U = 1e-5; // a few float32 roundings per term
  assert.ok(
    Math.abs(got.loss - ref.loss) <= U * (ref.count + ref.loss),
    `${what}: loss ${got.loss} vs ${ref.loss}`,
  );
  assert.ok(
    Math.abs(got.correct - ref.correct) <= ref.nearTie,
    `${what}: correct ${got.correct} vs ${ref.correct}`,
  );
  for (let i = 0; i < ref.gw.length; i++) {
    const diff = Math.abs(gw[i] - offset - ref.gw[i]);
    assert.ok(
      diff <= U * (ref.mass[i] + 1),
      `${what}: gradW[${i}] ${gw[i] - offset} vs ${ref.gw[i]}`,
    );
  }
  for (let c = 0; c < ref.gb.length; c++) {
    const diff = Math.abs(gb[c] - offset - ref.gb[c]);
    assert.ok(
      diff <= U * (ref.count + 1),
      `${what}: gradB[${c}] ${gb[c] - offset} vs ${ref.gb[c]}`,
    );
  }
}

// d = 5 is padded to 8 in the engine; d = 8 float32 rows are copied whole.
for (const [link, k, d] of [["sigmoid", 2, 5], ["softmax", 3, 8]] as const) {
  Deno.test(`${link} engine matches a float64 loop on 1, 2, 3, 7 and 1001 rows, row subsets, 1 and 2 threads`, () => {
    for (const n of [1, 2, 3, 4, 7, 1001]) {
      const { x, y, w, b, nOut } = data(n, n, d, k);
      const w2 = w.map((v) => -v), b2 = b.map((v) => v + 0.25);
      // A subset with repeats and a reversed order, starting past 0.
      const rows = Int32Array.from({ length: n }, (_, p) => (n - 1 - ((p * 3) % n) + n) % n);
      const s0 = Math.floor(n / 3);
      const subsets: [Int32Array | null, number, number][] = [
        [null, 0, n],
        [null, s0, n],
        [rows, 0, n],
        [rows, s0, n],
      ];
      for (const threads of [1, 2]) {
        // Shards of 2 rows (odd counts leave a short last shard) and blocks of 3 rows.
        const shardRows = n === 1001 ? 97 : 2;
        const engine = createLossEngine(x, y, link, nOut, { threads, shardRows, blockRows: 3 });
        try {
          assert.equal(engine.threads, n >= 2 * shardRows ? threads : 1, "threads used");
          for (const [idx, start, end] of subsets) {
            const positions = Array.from(
              { length: end - start },
              (_, p) => idx === null ? start + p : idx[start + p],
            );
            // Two calls in a row with other weights: the second must not read the first's slots.
            for (const [ww, bb] of [[w, b], [w2, b2]]) {
              const ref = oracle(x, y, positions, ww, bb, link === "softmax", undefined);
              const gw = new Float64Array(nOut * d).fill(0.5);
              const gb = new Float64Array(nOut).fill(0.5);
              const what = `n ${n}, ${threads} threads, ${idx ? "rows" : "null"} ${start}..${end}`;
              check(engine.accumulate(idx, start, end, ww, bb, gw, gb), gw, gb, 0.5, ref, what);
              // Without gradient buffers: the same loss and count.
              const plain = engine.accumulate(idx, start, end, ww, bb, null, null);
              check(plain, gw, gb, 0.5, ref, `${what}, no gradient`);
            }
          }
        } finally {
          engine.close();
        }
      }
    }
  });
}

Deno.test("bindLoss with standardisation matches a float64 loop on the raw data, ts and wasm", () => {
  for (const [link, k] of [["sigmoid", 2], ["softmax", 4]] as const) {
    // d = 8 needs no padding (the engine copies float32 rows whole); float64 data take the
    // other copy.
    for (
      const [n, d, f64] of [[1, 8, false], [3, 6, false], [7, 8, true], [1001, 6, true], [
        1001,
        8,
        false,
      ]] as [
        number,
        number,
        boolean,
      ][]
    ) {
      const { x: x32, y, w, b, nOut } = data(100 + n, n, d, k);
      const x = f64 ? { ...x32, data: Float64Array.from(x32.data) } : x32;
      const preprocessing = {
        kind: "standardize" as const,
        mean: Float64Array.from({ length: d }, (_, j) => 0.5 + j),
        scale: Float64Array.from({ length: d }, (_, j) => 0.5 + 0.75 * j),
      };
      const rows = Int32Array.from({ length: n }, (_, p) => (p * 5 + 1) % n);
      for (const backend of ["ts", "wasm"] as const) {
        for (const threads of [1, 2]) {
          const loss = bindLoss(x, y, { preprocessing, link, nOutputs: nOut, backend, threads });
          try {
            for (const [idx, start] of [[null, 0], [rows, 1]] as const) {
              const positions = Array.from(
                { length: n - start },
                (_, p) => idx === null ? start + p : idx[start + p],
              );
              const ref = oracle(x, y, positions, w, b, link === "softmax", preprocessing);
              const gw = new Float64Array(nOut * d), gb = new Float64Array(nOut);
              const got = loss.accumulate(idx, start, n, w, b, gw, gb);
              check(got, gw, gb, 0, ref, `${link} ${backend} n ${n} ${threads} threads ${start}`);
            }
          } finally {
            loss.close();
          }
        }
      }
    }
  }
});

Deno.test("softmax with one output has zero loss and gradient, unlike a sigmoid", () => {
  // One class: every probability is 1. Read as sigmoid, the loss would be softplus(z) per row.
  for (const threads of [1, 2]) {
    const { x, w, b } = data(5, 7, 3, 2);
    const y = new Int32Array(7);
    const ref = oracle(x, y, [0, 1, 2, 3, 4, 5, 6], w, b, true, undefined);
    assert.equal(ref.loss, 0);
    const engine = createLossEngine(x, y, "softmax", 1, { threads, shardRows: 2 });
    try {
      const gw = new Float64Array(3), gb = new Float64Array(1);
      const got = engine.accumulate(null, 0, 7, w, b, gw, gb);
      check(got, gw, gb, 0, ref, `${threads} threads`);
    } finally {
      engine.close();
    }
  }
});

Deno.test("a zero sigmoid model counts exactly the label-0 rows correct, on both backends", () => {
  // Score 0 is a tie, which predicts the lower class (0), as predict documents.
  const { x, y } = data(11, 7, 3, 2);
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(zeros > 0 && zeros < 7);
  for (const backend of ["ts", "wasm"] as const) {
    const loss = bindLoss(x, y, {
      preprocessing: { kind: "none" },
      link: "sigmoid",
      nOutputs: 1,
      backend,
    });
    try {
      const got = loss.accumulate(null, 0, 7, new Float64Array(3), new Float64Array(1), null, null);
      assert.equal(got.correct, zeros, backend);
      assert.ok(Math.abs(got.loss - 7 * Math.log(2)) < 1e-12, backend);
    } finally {
      loss.close();
    }
  }
});

Deno.test("load replaces every label of the rows it loads, the last one included", () => {
  // New rows and labels that differ from the old at every row, checked by the float64 loop.
  for (const n of [1, 7]) {
    const k = 3, d = 4;
    const old = data(21, n, d, k), next = data(22, n, d, k);
    const y = next.y.map((v, i) => v === old.y[i] ? (v + 1) % k : v);
    const engine = createLossEngine(old.x, old.y, "softmax", k, { threads: 1 });
    try {
      engine.load(next.x, y);
      const gw = new Float64Array(k * d), gb = new Float64Array(k);
      const got = engine.accumulate(null, 0, n, old.w, old.b, gw, gb);
      const positions = Array.from({ length: n }, (_, i) => i);
      check(got, gw, gb, 0, oracle(next.x, y, positions, old.w, old.b, true, undefined), `n ${n}`);
    } finally {
      engine.close();
    }
  }
});
