import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { applyPreprocessing, fitStandardizer } from "../../lib/data/preprocess.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { relaxedSimdSupported } from "../../lib/kernels/runtime.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

function problem(seed: number, n: number, d: number, k: number, f32 = true) {
  const prng = createPrng(seed);
  const values = Float64Array.from({ length: n * d }, () => randomNormal(prng) + 0.3);
  const x: Matrix = { data: f32 ? Float32Array.from(values) : values, rows: n, cols: d };
  const y = Int32Array.from({ length: n }, () => Math.floor(prng() * k));
  const nOut = k === 2 ? 1 : k;
  const w = Float64Array.from({ length: nOut * d }, () => 0.3 * randomNormal(prng));
  const b = Float64Array.from({ length: nOut }, () => randomNormal(prng));
  const rows = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
  return { x, y, w, b, nOut, rows };
}

/**
 * Error bounds of the float32 engine against the float64 reference, per sample and per
 * gradient element. Scores: w and x are rounded to float32 (u each) and each dot product of d
 * terms runs in 4 float32 lanes of d/4 terms, summed in float64, so
 * |dz| <= (d/4 + 4) u sum_j |w_j x_j|. The log loss moves by at most 2 max|dz| (its gradient in
 * z has l1 norm <= 2), a probability by at most max|dz| / 2. Gradient: residuals rounded to
 * float32 (u) and summed in float32 over a block of B rows (gamma_B), then in float64.
 */
function bounds(
  x: Matrix,
  idx: ArrayLike<number>,
  w: Float64Array,
  nOut: number,
  blockRows: number,
) {
  const d = x.cols;
  const dz = new Float64Array(idx.length);
  for (let p = 0; p < idx.length; p++) {
    const i = idx[p];
    let worst = 0;
    for (let c = 0; c < nOut; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.abs(w[c * d + j] * x.data[i * d + j]);
      worst = Math.max(worst, s);
    }
    dz[p] = (d / 4 + 4) * U * worst * 1.01;
  }
  let loss = 0;
  for (const v of dz) loss += 2 * v;
  const grad = new Float64Array(nOut * d);
  for (let p = 0; p < idx.length; p++) {
    const i = idx[p];
    for (let c = 0; c < nOut; c++) {
      for (let j = 0; j < d; j++) {
        // |r| <= 1; the residual error plus rounding and block summation of |r x|.
        grad[c * d + j] += Math.abs(x.data[i * d + j]) * (dz[p] / 2 + (blockRows + 2) * U);
      }
    }
  }
  return { dz, loss, grad };
}

/**
 * Samples whose class can change under score errors of dz: for sigmoid |z| <= dz, for softmax
 * a second score within 2 dz of the highest (float64 scores computed here).
 */
function ambiguous(
  x: Matrix,
  idx: ArrayLike<number>,
  w: Float64Array,
  b: Float64Array,
  dz: Float64Array,
): number {
  const d = x.cols, k = b.length;
  let count = 0;
  for (let p = 0; p < idx.length; p++) {
    const z = Array.from({ length: k }, (_, c) => {
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[c * d + j] * x.data[idx[p] * d + j];
      return s;
    });
    if (k === 1) {
      if (Math.abs(z[0]) <= dz[p]) count++;
    } else {
      const top = Math.max(...z);
      if (z.filter((v) => top - v <= 2 * dz[p]).length > 1) count++;
    }
  }
  return count;
}

function reference(
  x: Matrix,
  y: Int32Array,
  rows: Int32Array | null,
  start: number,
  end: number,
  w: Float64Array,
  b: Float64Array,
  link: "sigmoid" | "softmax",
) {
  const nOut = b.length;
  const gw = new Float64Array(w.length), gb = new Float64Array(nOut);
  const r = accumulateLoss(x, y, rows, start, end, w, b, link, gw, gb, new Float64Array(nOut));
  return { ...r, gw, gb };
}

const builds = relaxedSimdSupported() ? [true, false] : [false];

for (const relaxed of builds) {
  for (
    const [link, k, d] of [["softmax", 5, 37], ["softmax", 10, 64], ["sigmoid", 2, 21]] as const
  ) {
    Deno.test(
      `${link} engine (${relaxed ? "relaxed" : "plain"} SIMD, d = ${d}) agrees with the ` +
        "float64 reference within float32 rounding bounds, in one shard and in several",
      () => {
        const { x, y, w, b, nOut, rows } = problem(3, 301, d, k);
        // One shard, and shards of 64 rows on 2 threads: the shards' slots are added in the
        // caller, so every slot's loss, count and gradient (weights and bias) must reach the sum.
        const cases = [
          [null, 0, 301, {}],
          [rows, 17, 250, {}],
          [null, 0, 301, { shardRows: 64, threads: 2 }],
          [rows, 17, 250, { shardRows: 64, threads: 2 }],
        ] as const;
        for (const [idx, start, end, sharding] of cases) {
          const ref = reference(x, y, idx, start, end, w, b, link);
          const engine = createLossEngine(x, y, link, nOut, {
            relaxed,
            blockRows: 16,
            ...sharding,
          });
          const gw = new Float64Array(w.length).fill(0.5), gb = new Float64Array(nOut).fill(0.5);
          const got = engine.accumulate(idx, start, end, w, b, gw, gb);
          engine.close();
          const positions = Int32Array.from(
            { length: end - start },
            (_, p) => idx === null ? start + p : idx[start + p],
          );
          const bound = bounds(x, positions, w, nOut, 16);
          assert.ok(
            Math.abs(got.loss - ref.loss) <= bound.loss,
            `loss ${got.loss} vs ${ref.loss}, bound ${bound.loss}`,
          );
          for (let i = 0; i < w.length; i++) {
            const diff = Math.abs(gw[i] - 0.5 - ref.gw[i]);
            assert.ok(diff <= bound.grad[i], `gradW[${i}] off by ${diff} > ${bound.grad[i]}`);
          }
          for (let c = 0; c < nOut; c++) {
            const diff = Math.abs(gb[c] - 0.5 - ref.gb[c]);
            // Bias gradient: sum of residuals, each within max|dz| / 2 + u.
            let allowed = 0;
            for (const v of bound.dz) allowed += v / 2 + U;
            assert.ok(diff <= allowed, `gradB[${c}] off by ${diff} > ${allowed}`);
          }
          // Accuracy counts can only differ on samples whose top scores are within rounding.
          const near = ambiguous(x, positions, w, b, bound.dz);
          assert.ok(
            Math.abs(got.correct - ref.correct) <= near,
            `${got.correct} vs ${ref.correct} (${near} samples within rounding of a tie)`,
          );
        }
      },
    );
  }
}

Deno.test("engine without gradient buffers returns the same loss and leaves nothing behind", () => {
  const { x, y, w, b, nOut } = problem(5, 200, 16, 4);
  const engine = createLossEngine(x, y, "softmax", nOut);
  const gw = new Float64Array(w.length), gb = new Float64Array(nOut);
  const withGrad = engine.accumulate(null, 0, 200, w, b, gw, gb);
  const without = engine.accumulate(null, 0, 200, w, b, null, null);
  engine.close();
  assert.equal(without.loss, withGrad.loss);
  assert.equal(without.correct, withGrad.correct);
});

Deno.test("engine results are identical bit for bit with 1, 2 and 3 threads", () => {
  const { x, y, w, b, nOut, rows } = problem(11, 9000, 40, 6);
  const results = [1, 2, 3].map((threads) => {
    const engine = createLossEngine(x, y, "softmax", nOut, { threads, shardRows: 1000 });
    assert.equal(engine.threads, threads, "workers started");
    const out = [];
    for (const idx of [null, rows]) {
      const gw = new Float64Array(w.length), gb = new Float64Array(nOut);
      const r = engine.accumulate(idx, 0, 9000, w, b, gw, gb);
      out.push({ ...r, gw: [...gw], gb: [...gb] });
    }
    engine.close();
    return out;
  });
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});

Deno.test("engine standardisation equals standardising first, for float32 and float64 data", () => {
  for (const f32 of [true, false]) {
    const { x, y, w, b, nOut } = problem(13, 150, 12, 3, f32);
    const prep = fitStandardizer(x);
    const a = createLossEngine(x, y, "softmax", nOut, {
      standardize: prep as { mean: Float64Array; scale: Float64Array },
    });
    const z = createLossEngine(applyPreprocessing(prep, x), y, "softmax", nOut);
    const ga = new Float64Array(w.length), gz = new Float64Array(w.length);
    const ra = a.accumulate(null, 0, 150, w, b, ga, null);
    const rz = z.accumulate(null, 0, 150, w, b, gz, null);
    a.close();
    z.close();
    assert.equal(ra.loss, rz.loss, `float32 data: ${f32}`);
    assert.deepEqual(ga, gz, `float32 data: ${f32}`);
  }
});

Deno.test("load replaces the first rows and labels, standardised like the engine's own", () => {
  // Oracle: an engine created on the new rows directly (createLossEngine's own copy).
  const n = 150, d = 12, k = 3;
  const first = problem(13, n, d, k), second = problem(29, n, d, k);
  const prep = fitStandardizer(first.x) as { mean: Float64Array; scale: Float64Array };
  const { w, b } = first;
  const result = (engine: ReturnType<typeof createLossEngine>, start: number, end: number) => {
    const gw = new Float64Array(w.length), gb = new Float64Array(k);
    return { ...engine.accumulate(null, start, end, w, b, gw, gb), gw, gb };
  };
  const loaded = createLossEngine(first.x, first.y, "softmax", k, { standardize: prep });
  const fresh = createLossEngine(second.x, second.y, "softmax", k, { standardize: prep });
  const old = createLossEngine(first.x, first.y, "softmax", k, { standardize: prep });
  // 100 of the 150 rows: those are the second set's, the last 50 still the first set's.
  const part = { data: second.x.data.subarray(0, 100 * d), rows: 100, cols: d };
  loaded.load(part, second.y.subarray(0, 100));
  assert.deepEqual(result(loaded, 0, 100), result(fresh, 0, 100), "rows loaded");
  assert.deepEqual(result(loaded, 100, n), result(old, 100, n), "rows kept");
  loaded.load(second.x, second.y);
  assert.deepEqual(result(loaded, 0, n), result(fresh, 0, n), "every row loaded");
  for (const e of [loaded, fresh, old]) e.close();
});

Deno.test("gram sums the outer products and columns of every step-th row, at most maxRows", () => {
  // Small integers: every float32 product and sum is exact, so the sums must equal those
  // computed here in float64 exactly. Step 3 picks 151 of 451 rows (3 blocks of 64); 13
  // features are padded to 16 in the engine.
  const n = 451, d = 13;
  const prng = createPrng(41);
  const data = Float32Array.from({ length: n * d }, () => Math.floor(prng() * 9) - 4);
  const x = { data, rows: n, cols: d };
  const engine = createLossEngine(x, new Int32Array(n), "sigmoid", 1, { threads: 1 });
  for (const [step, maxRows] of [[3, 1000], [3, 100], [1, 451], [7, 64]]) {
    const picked: number[] = [];
    for (let i = 0; i < n && picked.length < maxRows; i += step) picked.push(i);
    const gram = new Float64Array(d * d), sum = new Float64Array(d);
    for (const i of picked) {
      for (let a = 0; a < d; a++) {
        sum[a] += data[i * d + a];
        for (let c = 0; c < d; c++) gram[a * d + c] += data[i * d + a] * data[i * d + c];
      }
    }
    const got = engine.gram(step, maxRows);
    assert.equal(got.count, picked.length, `count, step ${step}, maxRows ${maxRows}`);
    assert.deepEqual(got.sum, sum, `sum, step ${step}, maxRows ${maxRows}`);
    assert.deepEqual(got.gram, gram, `gram, step ${step}, maxRows ${maxRows}`);
  }
  engine.close();
});

Deno.test("gram refuses a step or row limit that does not pick whole rows", () => {
  // Row (q + i) * step: a step of 0 summed row 0 maxRows times (count 5 of 3 rows), 1.5 read
  // half a row off, -1 returned a count of -3, a NaN or fractional maxRows a NaN or 2.5 count.
  const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
  const engine = createLossEngine(x, Int32Array.from([0, 1, 0]), "sigmoid", 1, { threads: 1 });
  try {
    for (const step of [0, 1.5, -1, NaN, Infinity]) {
      assert.throws(() => engine.gram(step, 5), {
        name: "RangeError",
        message: `Cannot compute gram: step must be an integer in [1, 2147483647], got ${step}`,
      });
    }
    for (const maxRows of [-1, 2.5, NaN]) {
      assert.throws(() => engine.gram(1, maxRows), {
        name: "RangeError",
        message:
          `Cannot compute gram: maxRows must be an integer in [0, 2147483647], got ${maxRows}`,
      });
    }
    // Not a number at all is a TypeError, as its JSDoc says: a string "2" would read as a step.
    assert.throws(() => engine.gram("2" as unknown as number, 5), {
      name: "TypeError",
      message: 'Cannot compute gram: step must be an integer in [1, 2147483647], got string "2"',
    });
    assert.throws(() => engine.gram(1, "5" as unknown as number), {
      name: "TypeError",
      message: 'Cannot compute gram: maxRows must be an integer in [0, 2147483647], got string "5"',
    });
    // Whole numbers still pick rows 0 and 2 (step 2), by hand: sums (6, 8), x x^T summed.
    const g = engine.gram(2, 5);
    assert.equal(g.count, 2);
    assert.deepEqual([...g.sum], [6, 8]);
    assert.deepEqual([...g.gram], [1 + 25, 2 + 30, 2 + 30, 4 + 36]);
    assert.equal(engine.gram(1, 0).count, 0);
  } finally {
    engine.close();
  }
});

Deno.test("a closed engine refuses to compute, load rows or sum a gram", () => {
  const { x, y, w, b, nOut } = problem(1, 10, 4, 3);
  const engine = createLossEngine(x, y, "softmax", nOut);
  engine.close();
  assert.throws(() => engine.accumulate(null, 0, 10, w, b, null, null), RangeError);
  // load wrote into the closed engine's memory without a word.
  assert.throws(() => engine.load(x, y), {
    name: "RangeError",
    message: "Cannot load rows: the engine is closed",
  });
  // gram still read the closed engine's rows and allocated in its memory.
  assert.throws(() => engine.gram(1, 10), {
    name: "RangeError",
    message: "Cannot compute gram: the engine is closed",
  });
});

Deno.test("an empty range adds nothing to the gradient, as the reference", () => {
  const { x, y, w, b, nOut, rows } = problem(3, 40, 5, 3);
  const engine = createLossEngine(x, y, "softmax", nOut);
  for (const idx of [null, rows]) {
    for (const at of [0, 17, 40]) {
      const gw = new Float64Array(w.length).fill(0.5), gb = new Float64Array(nOut).fill(-2);
      const r = engine.accumulate(idx, at, at, w, b, gw, gb);
      assert.deepEqual(r, { loss: 0, correct: 0 });
      assert.ok(gw.every((v) => v === 0.5), `weight gradient ${gw}`);
      assert.ok(gb.every((v) => v === -2), `bias gradient ${gb}`);
    }
  }
  engine.close();
  const empty = createLossEngine({ data: new Float32Array(0), rows: 0, cols: 2 }, [], "sigmoid", 1);
  const gw = new Float64Array(2), gb = new Float64Array(1);
  empty.accumulate(null, 0, 0, new Float64Array(2), new Float64Array(1), gw, gb);
  empty.close();
  assert.deepEqual([...gw, ...gb], [0, 0, 0]);
});

Deno.test("createLossEngine refuses a thread count outside 1..256", () => {
  // Floored and clamped: NaN and 0 became 1, and 1e6 started workers until memory ran out (not tried here).
  const x = { data: new Float32Array(4), rows: 2, cols: 2 };
  for (const threads of [NaN, 0, 2.5, 257]) {
    assert.throws(() => createLossEngine(x, Int32Array.from([0, 1]), "sigmoid", 1, { threads }), {
      name: "RangeError",
      message: new RegExp(`Cannot create loss engine: threads must be .*got ${threads}`),
    });
  }
});

Deno.test("createLossEngine refuses shard and block sizes that are not positive integers", () => {
  // The shard and block loops step by them: blockRows 0 or -1 never ended (the first accumulate
  // hung), 1.5 or shardRows 1.5 skipped rows (a zero model scored 3.30 on 4 rows, not 4 log 3),
  // shardRows Infinity scored nothing (loss 0), and shardRows -1 failed with the bare "Invalid
  // typed array length". Only the engine is created here, so without the check nothing hangs.
  const x = { data: Float32Array.from({ length: 12 }, (_, i) => i % 5), rows: 4, cols: 3 };
  const y = Int32Array.from([0, 1, 2, 0]);
  for (const name of ["shardRows", "blockRows"] as const) {
    for (const value of [1.5, Infinity, 0, -1, NaN]) {
      assert.throws(() => createLossEngine(x, y, "softmax", 3, { threads: 1, [name]: value }), {
        name: "RangeError",
        message:
          `Cannot create loss engine: ${name} must be an integer in [1, 2147483647], got ${value}`,
      });
    }
    // The smallest sizes take every row: the zero model's loss is 4 log 3.
    const engine = createLossEngine(x, y, "softmax", 3, { threads: 1, [name]: 1 });
    const r = engine.accumulate(null, 0, 4, new Float64Array(9), new Float64Array(3), null, null);
    engine.close();
    assert.ok(Math.abs(r.loss - 4 * Math.log(3)) < 1e-9, `${name} 1: ${r.loss}`);
  }
});

Deno.test("createLossEngine refuses options that are not an object and standardisations it cannot apply", () => {
  // null failed with the bare "Cannot read properties of null (reading 'threads')"; a NaN mean or
  // a zero scale made the loss NaN, and a negative scale mirrored a feature (the rows are copied
  // as (x - mean) * (1 / scale)).
  const x = { data: Float32Array.from({ length: 12 }, (_, i) => i % 5), rows: 4, cols: 3 };
  const y = Int32Array.from([0, 1, 2, 0]);
  assert.throws(() => createLossEngine(x, y, "softmax", 3, null as never), {
    name: "TypeError",
    message: "Cannot create loss engine: options must be an object, got null",
  });
  const ones = Float64Array.of(1, 1, 1), zeros = new Float64Array(3);
  for (
    const [mean, scale] of [
      [zeros, Float64Array.of(1, 0, 1)],
      [zeros, Float64Array.of(1, -1, 1)],
      [zeros, Float64Array.of(1, Infinity, 1)],
      [Float64Array.of(0, NaN, 0), ones],
    ]
  ) {
    assert.throws(() => createLossEngine(x, y, "softmax", 3, { standardize: { mean, scale } }), {
      name: "RangeError",
      message: `Cannot create loss engine: standardize has mean ${mean[1]} and scale ${
        scale[1]
      } for feature 1; means must be finite and scales finite and > 0`,
    });
  }
  // A scale whose reciprocal overflows, refused as validatePreprocessing refuses it for training:
  // accepted, it made the loss NaN. The smallest scale above 2^-1024 is taken (on a feature
  // equal to its mean everywhere, which it leaves 0: any other value would overflow float32).
  const tiny = 2 ** -1024;
  assert.equal(1 / tiny, Infinity);
  assert.throws(
    () =>
      createLossEngine(x, y, "softmax", 3, {
        standardize: { mean: zeros, scale: Float64Array.of(1, tiny, 1) },
      }),
    {
      name: "RangeError",
      message: `Cannot create loss engine: standardize has scale ${tiny} for feature 1, whose ` +
        "reciprocal overflows; scales must be above 2^-1024 (about 5.6e-309)",
    },
  );
  const above = tiny + Number.MIN_VALUE;
  assert.ok(Number.isFinite(1 / above));
  const flat = {
    data: Float32Array.from(x.data, (v, i) => (i % 3 === 1 ? 2 : v)),
    rows: 4,
    cols: 3,
  };
  const small = createLossEngine(flat, y, "softmax", 3, {
    threads: 1,
    standardize: { mean: Float64Array.of(0, 2, 0), scale: Float64Array.of(1, above, 1) },
  });
  const w = new Float64Array(9);
  const rs = small.accumulate(null, 0, 4, w, new Float64Array(3), null, null);
  small.close();
  assert.ok(Math.abs(rs.loss - 4 * Math.log(3)) < 1e-9, `${rs.loss}`);
  // A valid standardisation: the zero model's loss is 4 log 3 whatever the features.
  const engine = createLossEngine(x, y, "softmax", 3, {
    threads: 1,
    standardize: { mean: Float64Array.of(1, 2, 3), scale: Float64Array.of(0.5, 2, 1e-3) },
  });
  const r = engine.accumulate(null, 0, 4, new Float64Array(9), new Float64Array(3), null, null);
  engine.close();
  assert.ok(Math.abs(r.loss - 4 * Math.log(3)) < 1e-9, `${r.loss}`);
});

Deno.test("createLossEngine refuses labels, links and shapes it cannot use, starting no worker", () => {
  // A label outside the classes (7 of 3, -2, a missing one read as 0) and a sigmoid engine with
  // 3 outputs gave a loss as if nothing were wrong; data in a plain array failed with
  // "data.subarray is not a function" after the workers had started, and left them running.
  const n = 64, d = 3;
  const x = { data: Float32Array.from({ length: n * d }, (_, i) => Math.sin(i)), rows: n, cols: d };
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const options = { threads: 2, shardRows: 8 };
  for (const [at, label] of [[5, 7], [6, -2], [7, 1.5]]) {
    const bad = Float64Array.from(y);
    bad[at] = label;
    assert.throws(() => createLossEngine(x, bad, "softmax", 3, options), {
      name: "RangeError",
      message: new RegExp(`Cannot create loss engine: label at row ${at} is ${label}, .* 0\\.\\.2`),
    });
  }
  assert.throws(() => createLossEngine(x, y.subarray(0, 10), "softmax", 3, options), {
    name: "TypeError",
    message: /Cannot create loss engine: data has 64 rows but labels have 10 entries/,
  });
  assert.throws(() => createLossEngine(x, y.map((c) => c % 2), "sigmoid", 3, options), {
    name: "RangeError",
    message: /Cannot create loss engine: the sigmoid link has 1 output, got nOutputs 3/,
  });
  assert.throws(() => createLossEngine(x, y, "sigmoid", 1, options), {
    name: "RangeError",
    message: /label at row 2 is 2, expected in 0\.\.1/,
  });
  assert.throws(() => createLossEngine(x, y, "tanh" as "softmax", 3, options), {
    name: "RangeError",
    message: /Cannot create loss engine: link must be sigmoid or softmax/,
  });
  const plain = { data: Array.from(x.data) as unknown as Float32Array, rows: n, cols: d };
  assert.throws(() => createLossEngine(plain, y, "softmax", 3, options), {
    name: "TypeError",
    message: /Cannot create loss engine: x\.data must be a Float32Array or Float64Array/,
  });
  const half = { mean: new Float64Array(2), scale: new Float64Array(2).fill(1) };
  assert.throws(() => createLossEngine(x, y, "softmax", 3, { ...options, standardize: half }), {
    name: "TypeError",
    message: /Cannot create loss engine: standardize must hold 3 means and scales/,
  });
  // load checks the labels of the rows it replaces the same way.
  const engine = createLossEngine(x, y, "softmax", 3, options);
  assert.equal(engine.threads, 2, "workers started");
  const bad = Int32Array.from(y);
  bad[3] = 3;
  assert.throws(() => engine.load(x, bad), {
    name: "RangeError",
    message: /Cannot load rows: label at row 3 is 3, expected in 0\.\.2/,
  });
  // Valid labels: the zero model's loss is n log 3 (every class has probability 1/3).
  const r = engine.accumulate(null, 0, n, new Float64Array(9), new Float64Array(3), null, null);
  engine.close();
  assert.ok(Math.abs(r.loss - n * Math.log(3)) < 1e-9, `${r.loss}`);
});

Deno.test("accumulate refuses positions and rows outside the data instead of hanging", () => {
  // Positions 0..65 of 64 rows scored memory past the data as a row; -8..8 and a row index of
  // 1e9 made a thread read outside the memory: when a worker took that shard, the trap stopped
  // it and the caller waited for it forever (in the caller, a bare "memory access out of bounds").
  const n = 64, d = 3;
  const x = { data: Float32Array.from({ length: n * d }, (_, i) => Math.sin(i)), rows: n, cols: d };
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const engine = createLossEngine(x, y, "softmax", 3, { threads: 2, shardRows: 8 });
  assert.equal(engine.threads, 2, "workers started");
  const w = new Float64Array(9), b = new Float64Array(3);
  for (const [start, end] of [[0, 65], [-8, 8], [5, 3], [0.5, 8], [0, NaN]]) {
    assert.throws(() => engine.accumulate(null, start, end, w, b, null, null), {
      name: "RangeError",
      message: new RegExp(`Cannot compute loss: positions ${start}\\.\\.${end} are not a range`),
    });
  }
  const rows = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
  for (const [at, row] of [[60, 1e9], [3, -1], [10, 64]]) {
    const bad = Float64Array.from(rows);
    bad[at] = row;
    assert.throws(() => engine.accumulate(bad, 0, n, w, b, null, null), {
      name: "RangeError",
      message: new RegExp(`Cannot compute loss: rows\\[${at}\\] is ${row}, not a row in 0\\.\\.63`),
    });
  }
  assert.throws(() => engine.accumulate(rows.subarray(0, 32), 0, n, w, b, null, null), {
    message: /rows\[32\] is undefined/,
  });
  // The engine still works: the zero model's loss is n log 3 in any order.
  const r = engine.accumulate(rows, 0, n, w, b, null, null);
  engine.close();
  assert.ok(Math.abs(r.loss - n * Math.log(3)) < 1e-9, `${r.loss}`);
});

Deno.test("accumulate refuses weight and gradient buffers shorter than the model", () => {
  // A bias of 1 entry for 3 outputs left the previous call's bias in the engine (a zero model
  // scored 12.79 instead of 4 log 3), and 2 weights for 3 x 2 gave a NaN loss.
  const x = { data: Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]), rows: 4, cols: 2 };
  const engine = createLossEngine(x, Int32Array.from([0, 1, 2, 0]), "softmax", 3, { threads: 1 });
  const w = new Float64Array(6), b = new Float64Array(3);
  engine.accumulate(null, 0, 4, w, Float64Array.from([5, 5, 5]), null, null);
  const cases: [string, Parameters<typeof engine.accumulate>, number][] = [
    ["b", [null, 0, 4, w, new Float64Array(1), null, null], 3],
    ["w", [null, 0, 4, new Float64Array(2), b, null, null], 6],
    ["gradW", [null, 0, 4, w, b, new Float64Array(5), null], 6],
    ["gradB", [null, 0, 4, w, b, new Float64Array(6), new Float64Array(2)], 3],
    ["b", [null, 0, 4, w, [0, 0, 0] as unknown as Float64Array, null, null], 3],
  ];
  for (const [name, args, size] of cases) {
    assert.throws(() => engine.accumulate(...args), {
      name: "TypeError",
      message: new RegExp(
        `Cannot compute loss: ${name} must be a Float64Array of at least ${size}`,
      ),
    });
  }
  const r = engine.accumulate(null, 0, 4, w, b, null, null);
  engine.close();
  assert.ok(Math.abs(r.loss - 4 * Math.log(3)) < 1e-12, `${r.loss}`);
});

Deno.test("data shorter than two shards run on the calling thread alone, two shards on the threads asked for", () => {
  // Documented: calls shorter than two shards run on the calling thread, so the engine starts no
  // worker for them (threads 1). 15 rows of 8-row shards are short of two; 16 are two.
  for (const [n, threads] of [[15, 1], [16, 2]]) {
    const x = {
      data: Float32Array.from({ length: 2 * n }, (_, i) => Math.cos(i)),
      rows: n,
      cols: 2,
    };
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const engine = createLossEngine(x, y, "softmax", 3, { threads: 2, shardRows: 8 });
    assert.equal(engine.threads, threads, `${n} rows`);
    // Either way every row counts: the zero model's loss is n log 3.
    const r = engine.accumulate(null, 0, n, new Float64Array(6), new Float64Array(3), null, null);
    engine.close();
    assert.ok(Math.abs(r.loss - n * Math.log(3)) < 1e-9, `${n} rows: ${r.loss}`);
  }
});

Deno.test("weights down to float32's smallest normal 2^-126 reach the scores", () => {
  // The engine flushes float32 denormals (below 2^-126) to zero; 2^-126 itself is normal. With
  // x = 2^126 the score is w x = +-1 exactly in float32, so the loss of label 1 is
  // log(1 + e^-z) and the weight gradient (sigmoid(z) - 1) x, by hand.
  const x = { data: Float32Array.of(2 ** 126), rows: 1, cols: 1 };
  const engine = createLossEngine(x, Int32Array.of(1), "sigmoid", 1, { threads: 1 });
  for (const z of [1, -1]) {
    const gw = new Float64Array(1), gb = new Float64Array(1);
    const r = engine.accumulate(
      null,
      0,
      1,
      Float64Array.of(z * 2 ** -126),
      new Float64Array(1),
      gw,
      gb,
    );
    const loss = Math.log1p(Math.exp(-z)), residual = 1 / (1 + Math.exp(-z)) - 1;
    assert.ok(Math.abs(r.loss - loss) < 1e-12, `z ${z}: loss ${r.loss}, expected ${loss}`);
    assert.equal(r.correct, z > 0 ? 1 : 0);
    // The residual is rounded to float32 before it multiplies x.
    assert.ok(Math.abs(gw[0] / 2 ** 126 - residual) <= 2 ** -24, `z ${z}: gradient ${gw[0]}`);
    assert.ok(Math.abs(gb[0] - residual) <= 2 ** -24, `z ${z}: bias gradient ${gb[0]}`);
  }
  engine.close();
});

Deno.test("accumulate counts the one entry of a one-feature sigmoid model in the singular", () => {
  const x = { data: Float32Array.of(1, 0, 1, 0), rows: 4, cols: 1 };
  const engine = createLossEngine(x, Int32Array.of(0, 1, 1, 0), "sigmoid", 1, { threads: 1 });
  const one = () => new Float64Array(1), none = new Float64Array(0);
  try {
    const cases: [string, Parameters<typeof engine.accumulate>][] = [
      ["w", [null, 0, 4, none, one(), null, null]],
      ["b", [null, 0, 4, one(), none, null, null]],
      ["gradW", [null, 0, 4, one(), one(), none, null]],
      ["gradB", [null, 0, 4, one(), one(), one(), none]],
    ];
    for (const [name, args] of cases) {
      assert.throws(() => engine.accumulate(...args), {
        name: "TypeError",
        message: `Cannot compute loss: ${name} must be a Float64Array of at least 1 entry, ` +
          "got Float64Array(0)",
      });
    }
  } finally {
    engine.close();
  }
});
