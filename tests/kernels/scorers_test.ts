import assert from "node:assert/strict";
import { createPrng, type Prng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import type { FeatureSubsetForm, QuantizedInput } from "../../lib/kernels/forms.ts";
import {
  denseScores,
  featureSubsetScores,
  int8Scores,
  integerScores,
  integerScoresFromFloat,
  packed4FloatScores,
  packed4Scores,
  prepareDense,
  prepareFeatureSubset,
  prepareInt8,
  prepareInteger,
  preparePacked4,
  preparePacked4Float,
  prepareSparse,
  type ScorerOptions,
  sparseScores,
} from "../../lib/kernels/scorers.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

/** The naive oracle: expand any form to dense float64 weights, then x W^T + b. */
function naive(w: Float64Array, b: ArrayLike<number>, x: ArrayLike<number>, n: number, d: number) {
  const k = b.length;
  const out = new Float64Array(n * k), mag = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = b[c], m = Math.abs(b[c]);
      for (let j = 0; j < d; j++) {
        s += w[c * d + j] * x[i * d + j];
        m += Math.abs(w[c * d + j] * x[i * d + j]);
      }
      out[i * k + c] = s;
      mag[i * k + c] = m;
    }
  }
  return { out, mag };
}

/**
 * Float32 kernels round the weights and inputs (u each) and sum d products in 4 lanes of at
 * most d/4 + 1 terms before the final adds: |error| <= (d/4 + 6) u sum |w x| + |b|.
 */
function assertWithin(
  got: Float32Array,
  want: Float64Array,
  mag: Float64Array,
  factor: number,
  label: string,
) {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const allowed = factor * U * mag[i] + 1e-30;
    assert.ok(
      Math.abs(got[i] - want[i]) <= allowed,
      `${label} element ${i}: ${got[i]} vs ${want[i]} (allowed ${allowed})`,
    );
  }
}

function data(prng: Prng, n: number, d: number): Matrix<Float32Array> {
  return { data: Float32Array.from({ length: n * d }, () => randomNormal(prng)), rows: n, cols: d };
}

/** Random 8-bit input codes `(n, d)` over their whole range, at scale 1/255. */
function randomCodes(
  prng: Prng,
  n: number,
  d: number,
  signed: boolean,
  zeroPoint: number,
): { raw: number[]; x: QuantizedInput } {
  const raw = Array.from({ length: n * d }, () => Math.floor(prng() * 256) - (signed ? 128 : 0));
  const data = signed ? Int8Array.from(raw) : Uint8Array.from(raw);
  return { raw, x: { data, rows: n, cols: d, scale: 1 / 255, zeroPoint } };
}

for (const [n, d, k] of [[7, 37, 10], [10, 64, 3], [1, 5, 1], [33, 784, 10]]) {
  Deno.test(`dense wasm and ts agree with the naive product (${n} x ${d}, ${k} outputs)`, () => {
    const prng = createPrng(n * d + k);
    const x = data(prng, n, d);
    const w = Float32Array.from({ length: k * d }, () => randomNormal(prng));
    const b = Float32Array.from({ length: k }, () => randomNormal(prng));
    const ref = naive(Float64Array.from(w), b, x.data, n, d);
    for (const backend of ["wasm", "ts"] as const) {
      assertWithin(
        denseScores({ weights: w, bias: b }, x, { backend }),
        ref.out,
        ref.mag,
        d / 4 + 6,
        backend,
      );
    }
  });

  Deno.test(`sparse and feature-subset kernels visit only kept weights (${n} x ${d}, ${k} outputs)`, () => {
    const prng = createPrng(7 * n + d);
    const x = data(prng, n, d);
    const dense = new Float64Array(k * d);
    const indptr = new Int32Array(k + 1), indices: number[] = [], values: number[] = [];
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        if (prng() < 0.1) {
          const v = Math.fround(randomNormal(prng));
          dense[c * d + j] = v;
          indices.push(j);
          values.push(v);
        }
      }
      indptr[c + 1] = indices.length;
    }
    const b = Float32Array.from({ length: k }, () => randomNormal(prng));
    const csr = {
      indptr,
      indices: Int32Array.from(indices),
      values: Float32Array.from(values),
      bias: b,
      nFeatures: d,
    };
    const ref = naive(dense, b, x.data, n, d);
    for (const backend of ["wasm", "ts"] as const) {
      assertWithin(
        sparseScores(csr, x, { backend }),
        ref.out,
        ref.mag,
        d + 6, // one accumulator per row and group of outputs: at most d terms
        `csr ${backend}`,
      );
    }
    // Whole features removed: keep every third feature.
    const features = Int32Array.from({ length: Math.ceil(d / 3) }, (_, t) => 3 * t);
    const m = features.length;
    const sub = new Float32Array(k * m), full = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      for (let t = 0; t < m; t++) {
        sub[c * m + t] = randomNormal(prng);
        full[c * d + features[t]] = sub[c * m + t];
      }
    }
    const refSub = naive(full, b, x.data, n, d);
    const form = { features, weights: sub, bias: b, nFeatures: d };
    for (const backend of ["wasm", "ts"] as const) {
      assertWithin(
        featureSubsetScores(form, x, { backend }),
        refSub.out,
        refSub.mag,
        m / 4 + 6,
        `subset ${backend}`,
      );
    }
  });

  Deno.test(`int8 kernels give the exact integer sums (${n} x ${d}, ${k} outputs)`, () => {
    const prng = createPrng(11 * n + d);
    for (const signed of [false, true]) {
      for (const range of [63, 127]) {
        const codes = Int8Array.from({ length: k * d }, () => Math.round((2 * prng() - 1) * range));
        const scale = Float32Array.from({ length: k }, () => 0.01 + prng() * 0.01);
        const bias = Float32Array.from({ length: k }, () => randomNormal(prng));
        const { raw, x } = randomCodes(prng, n, d, signed, signed ? -3 : 7);
        const w = Float64Array.from(codes, (q, i) => q * scale[Math.floor(i / d)] / 255);
        const xs = Float64Array.from(raw, (v) => v - x.zeroPoint);
        const ref = naive(w, bias, xs, n, d);
        for (const backend of ["wasm", "ts"] as const) {
          // Integer sums are exact; the float tail (convert, scale, add bias) rounds 3 times.
          assertWithin(
            int8Scores({ codes, scale, bias }, x, { backend }),
            ref.out,
            ref.mag,
            4,
            `int8 ${backend} signed=${signed} range=${range}`,
          );
        }
      }
    }
  });

  Deno.test(`packed 4-bit kernel matches the codebook within its int8 table rounding (${n} x ${d}, ${k} outputs)`, () => {
    const prng = createPrng(13 * n + d);
    for (const perOutput of [false, true]) {
      const codebook = Float32Array.from(
        { length: perOutput ? 16 * k : 16 },
        () => randomNormal(prng) * 0.1,
      );
      const rb = Math.ceil(d / 2);
      const packed = new Uint8Array(k * rb);
      const w = new Float64Array(k * d), step = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        const o = perOutput && k > 1 ? 16 * c : 0;
        let max = 0;
        for (let q = 0; q < 16; q++) max = Math.max(max, Math.abs(codebook[o + q]));
        step[c] = max / 127;
        for (let j = 0; j < d; j++) {
          const code = Math.floor(prng() * 16);
          packed[c * rb + (j >> 1)] |= j & 1 ? code << 4 : code;
          w[c * d + j] = codebook[o + code] / 255;
        }
      }
      const bias = Float32Array.from({ length: k }, () => randomNormal(prng));
      // Unsigned codes without and with a zero point, and signed codes: the kernel subtracts
      // the zero point times each output's sum of table entries (both nibbles of every byte).
      for (
        const [signed, zeroPoint] of [[false, 0], [false, 7], [true, -3]] as const
      ) {
        const { raw, x } = randomCodes(prng, n, d, signed, zeroPoint);
        const label = `signed=${signed} zeroPoint=${zeroPoint}`;
        const xs = raw.map((v) => v - zeroPoint);
        const ref = naive(w, bias, xs, n, d);
        const form = { packed, codebook, bias, nFeatures: d };
        assertWithin(
          packed4Scores(form, x, { backend: "ts" }),
          ref.out,
          ref.mag,
          4,
          `packed ts ${label}`,
        );
        const got = packed4Scores(form, x);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < k; c++) {
            // Each table entry is within step/2 of the codebook:
            // |error| <= sum_j |x_j - zeroPoint| / 255 * step / 2.
            let mass = 0;
            for (let j = 0; j < d; j++) mass += Math.abs(xs[i * d + j]) / 255;
            const allowed = mass * step[c] / 2 + 4 * U * ref.mag[i * k + c];
            const diff = Math.abs(got[i * k + c] - ref.out[i * k + c]);
            assert.ok(
              diff <= allowed,
              `packed wasm ${label} ${i},${c}: off by ${diff} > ${allowed}`,
            );
          }
        }
      }
    }
  });
}

Deno.test("scoring the scorer's own input buffer skips the copy and gives the same scores", () => {
  const prng = createPrng(5);
  const w = Float32Array.from({ length: 30 }, () => randomNormal(prng));
  const s = prepareDense({ weights: w, bias: new Float32Array(3) });
  const x = data(prng, 4, 10);
  const copied = s.scores(x);
  const buf = s.inputBuffer(4);
  buf.set(x.data);
  const direct = s.scores({ data: buf, rows: 4, cols: 10 });
  assert.deepEqual(direct, copied);
  s.close();
  assert.throws(() => s.scores(x), /closed/);
});

Deno.test("inputs that are views into a larger buffer score their own rows, not the buffer's first", () => {
  // A batch taken out of a bigger array (or out of the scorer's own input buffer) starts at a
  // byte offset: the copy into kernel memory and the in-place check must both honour it.
  const prng = createPrng(17);
  const n = 5, d = 11, k = 3, skip = 2;
  // Integer scores, exact by hand: f64(int32(bias + sum_j x_j w_j)) * rescale.
  const weights = Int8Array.from({ length: k * d }, () => Math.floor(prng() * 255) - 127);
  const form = {
    weights,
    bias: Int32Array.from({ length: k }, () => Math.floor(prng() * 2000) - 1000),
    rescale: Float64Array.from({ length: k }, () => 0.25 + prng()),
  };
  for (const signed of [false, true]) {
    const raw = Array.from({ length: (n + skip) * d }, () => Math.floor(prng() * 256) - 128);
    const all = signed ? Int8Array.from(raw) : Uint8Array.from(raw);
    const view = all.subarray(skip * d);
    const want = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let sum = form.bias[c];
        for (let j = 0; j < d; j++) sum += view[i * d + j] * weights[c * d + j];
        want[i * k + c] = sum * form.rescale[c];
      }
    }
    for (const threads of [1, 2]) {
      const got = integerScores(form, { data: view, rows: n, cols: d }, { threads });
      assert.deepEqual(got, want, `signed ${signed}, ${threads} threads`);
    }
  }
  // Float inputs: a view, and rows 2.. of the scorer's own input buffer, score as a copy of
  // those rows does (the same kernel: bit for bit).
  const w = Float32Array.from({ length: k * d }, () => randomNormal(prng));
  const s = prepareDense({ weights: w, bias: new Float32Array(k) });
  try {
    const x = data(prng, n + skip, d);
    const rows = (m: Float32Array) => ({ data: m, rows: n, cols: d });
    const copied = s.scores(rows(x.data.slice(skip * d)));
    assert.deepEqual(s.scores(rows(x.data.subarray(skip * d))), copied, "a view of floats");
    const buf = s.inputBuffer(n + skip);
    buf.set(x.data);
    assert.deepEqual(s.scores(rows(buf.subarray(skip * d))), copied, "a view of the input buffer");
  } finally {
    s.close();
  }
});

Deno.test("int8 scorer reports which path it uses and refuses inputs of the wrong width", () => {
  const codes = Int8Array.from({ length: 20 }, (_, i) => i - 10);
  const s = prepareInt8({ codes, scale: [1, 1], bias: [0, 0] });
  assert.match(s.path, /^wasm/);
  assert.throws(
    () => s.scores({ data: new Uint8Array(9), rows: 1, cols: 9, scale: 1, zeroPoint: 0 }),
    /takes 10 features/,
  );
  // Full-range codes with the largest inputs: 2 * 255 * 127 overflows the 16-bit pair sums of a
  // saturating lowering, so the relaxed kernel runs only where the engine computes them exactly.
  const wide = prepareInt8({
    codes: Int8Array.from([127, 127, -127, -127]),
    scale: [1, 1],
    bias: [0, 0],
  });
  const z = wide.scores({
    data: Uint8Array.from([255, 255]),
    rows: 1,
    cols: 2,
    scale: 1,
    zeroPoint: 0,
  });
  assert.deepEqual([...z], [2 * 255 * 127, -2 * 255 * 127], `path ${wide.path}`);
  for (const sc of [s, wide]) sc.close();
});

Deno.test("scores are identical bit for bit with 1 and 3 threads for every form", () => {
  const prng = createPrng(21);
  const n = 37, d = 50, k = 7;
  const x = data(prng, n, d);
  const xq: QuantizedInput = {
    data: Uint8Array.from({ length: n * d }, () => Math.floor(prng() * 256)),
    rows: n,
    cols: d,
    scale: 0.01,
    zeroPoint: 3,
  };
  const w = Float32Array.from({ length: k * d }, () => randomNormal(prng));
  const bias = Float32Array.from({ length: k }, () => randomNormal(prng));
  const indptr = Int32Array.from({ length: k + 1 }, (_, c) => c * 5);
  const indices = Int32Array.from({ length: 5 * k }, (_, p) => (p * 7) % d);
  const codes = Int8Array.from({ length: k * d }, () => Math.round(prng() * 120 - 60));
  const packed = Uint8Array.from({ length: k * 25 }, () => Math.floor(prng() * 256));
  const codebook = Float32Array.from({ length: 16 }, () => randomNormal(prng));
  const cases: [string, (threads: number) => Float32Array][] = [
    ["dense", (threads) => denseScores({ weights: w, bias }, x, { threads })],
    [
      "sparse",
      (threads) =>
        sparseScores({ indptr, indices, values: w.subarray(0, 5 * k), bias, nFeatures: d }, x, {
          threads,
        }),
    ],
    [
      "subset",
      (threads) =>
        featureSubsetScores(
          { features: indices.subarray(0, 9), weights: w.subarray(0, 9 * k), bias, nFeatures: d },
          x,
          { threads },
        ),
    ],
    ["int8", (threads) => int8Scores({ codes, scale: bias.map(Math.abs), bias }, xq, { threads })],
    [
      "packed4",
      (threads) => packed4Scores({ packed, codebook, bias, nFeatures: d }, xq, { threads }),
    ],
  ];
  for (const [name, run] of cases) assert.deepEqual(run(3), run(1), name);
  const pooled = prepareDense({ weights: w, bias }, { threads: 3 });
  assert.equal(pooled.threads, 3, "workers started");
  pooled.close();
});

Deno.test("scorers refuse input data of the wrong type instead of reading its bytes", () => {
  const codes = Int8Array.from([1, 2]);
  const int8 = { codes, scale: [1], bias: [0] };
  const packed = { packed: Uint8Array.from([0x21]), codebook: new Float32Array(16), bias: [0] };
  for (const backend of ["wasm", "ts"] as const) {
    // Float codes: the wasm kernel read their bytes as codes (score 0 for 1.5 * 1 + 2 * 2).
    const floats = { data: Float32Array.from([1.5, 2]), rows: 1, cols: 2, scale: 1, zeroPoint: 0 };
    assert.throws(
      () => int8Scores(int8, floats as unknown as QuantizedInput, { backend }),
      { name: "TypeError", message: /x\.data must be a Uint8Array or Int8Array of codes/ },
    );
    assert.throws(
      () =>
        integerScores(
          { weights: codes, bias: Int32Array.from([0]), rescale: Float64Array.from([1]) },
          { data: Int16Array.from([1, 2]) as unknown as Int8Array, rows: 1, cols: 2 },
          { backend },
        ),
      { name: "TypeError", message: /got Int16Array\(2\)/ },
    );
    // Codes or a plain array given to a float scorer ("x.data.subarray is not a function").
    for (const data of [[1, 2], Uint8Array.from([1, 2])]) {
      const x = { data, rows: 1, cols: 2 } as unknown as Matrix;
      assert.throws(
        () => denseScores({ weights: Float32Array.from([1, 2]), bias: [0] }, x, { backend }),
        { name: "TypeError", message: /x\.data must be a Float32Array or Float64Array/ },
      );
      assert.throws(
        () => packed4FloatScores({ ...packed, nFeatures: 2 }, x, { backend }),
        TypeError,
      );
    }
  }
  // The right types still score: 1 * 1 + 2 * 2.
  const q = { data: Uint8Array.from([1, 2]), rows: 1, cols: 2, scale: 1, zeroPoint: 0 };
  assert.deepEqual([...int8Scores(int8, q)], [5]);
  assert.deepEqual([...packed4Scores({ ...packed, nFeatures: 2 }, q)], [0]);
});

Deno.test("scorers refuse a row count that is not a non-negative integer, prepared and one-shot", () => {
  // 1.5 rows of 2 features hold 3 values, as rows * cols says: they were scored as one row; -1
  // rows of 0 features failed on "Invalid typed array length: -1".
  const dense = { weights: Float32Array.from([1, 2]), bias: [7] };
  const integer = {
    weights: Int8Array.from([1, 2]),
    bias: Int32Array.from([7]),
    rescale: Float64Array.from([1]),
  };
  for (const backend of ["wasm", "ts"] as const) {
    for (const [rows, cols] of [[1.5, 2], [-1, 0], [0.5, 0], [NaN, 0]]) {
      const refused = {
        name: "TypeError",
        message: `Cannot compute scores: x.rows must be a non-negative integer, got number ${rows}`,
      };
      const form = cols === 0 ? { weights: new Float32Array(0), bias: [7] } : dense;
      const x = { data: new Float32Array(cols === 0 ? 0 : 3), rows, cols };
      assert.throws(() => denseScores(form, x, { backend }), refused);
      const s = prepareDense(form, { backend });
      try {
        assert.throws(() => s.scores(x), refused);
      } finally {
        s.close();
      }
      if (cols === 2) {
        const codes = { data: Uint8Array.from([1, 2, 3]), rows, cols };
        assert.throws(() => integerScores(integer, codes, { backend }), refused);
      }
    }
    // Whole row counts still score: 7 + 1 * 1 + 2 * 2, and no rows at all.
    const x = { data: Float32Array.from([1, 2]), rows: 1, cols: 2 };
    assert.deepEqual([...denseScores(dense, x, { backend })], [12]);
    assert.deepEqual([...denseScores(dense, { data: new Float32Array(0), rows: 0, cols: 2 })], []);
  }
});

Deno.test("scorers refuse an output buffer that does not hold nSamples x nOutputs scores", () => {
  const form = { weights: Float32Array.from([1, 2, 3, 4]), bias: [0, 1] };
  const x = { data: Float32Array.from([1, 1, 2, 2, 3, 3]), rows: 3, cols: 2 };
  for (const backend of ["wasm", "ts"] as const) {
    // wasm: a bare "offset is out of bounds"; ts: the first scores written, the rest dropped.
    for (const out of [new Float32Array(1), new Float64Array(5), [0, 0, 0, 0, 0, 0]]) {
      assert.throws(
        () => denseScores(form, x, { backend, out: out as Float64Array }),
        {
          name: "TypeError",
          message: /out must be a Float32Array or Float64Array of at least 6 entries/,
        },
      );
    }
    const out = new Float64Array(6);
    assert.equal(denseScores(form, x, { backend, out }), out);
    assert.deepEqual([...out], [3, 8, 6, 15, 9, 22]); // x W^T + b by hand
  }
});

Deno.test("scorers write into the start of a longer output buffer, as a stream's last batch does", () => {
  // One buffer sized for the largest batch, reused for a shorter one: the scores fill its first
  // n x k entries and the rest keeps what it held.
  const form = { weights: Float32Array.from([1, 2, 3, 4]), bias: Float32Array.from([0, 1]) };
  const x = { data: Float32Array.from([1, 1, 2, 2, 3, 3]), rows: 3, cols: 2 };
  for (const backend of ["wasm", "ts"] as const) {
    const out = new Float32Array(10).fill(-7);
    assert.equal(denseScores(form, x, { backend, out }), out);
    assert.deepEqual([...out], [3, 8, 6, 15, 9, 22, -7, -7, -7, -7]); // x W^T + b by hand
    using s = prepareDense(form, { backend });
    const wide = new Float64Array(8).fill(-7);
    assert.equal(s.scores(x, { out: wide }), wide);
    assert.deepEqual([...wide], [3, 8, 6, 15, 9, 22, -7, -7]);
  }
});

Deno.test("the 8-bit packed 4-bit scorer refuses a codebook entry that is not finite", () => {
  const q = { data: Uint8Array.from([3]), rows: 1, cols: 1, scale: 1, zeroPoint: 0 };
  for (const bad of [Infinity, NaN]) {
    // Feature 0 uses entry 1 (weight 1); entry 0 is bad. The int8 table scaled by max |entry|
    // gave NaN for an infinity (and read NaN as 0) where the weight used gives 1 + 3 * 1.
    const codebook = Float32Array.from({ length: 16 }, (_, i) => i === 0 ? bad : 1);
    const form = { packed: Uint8Array.from([1]), codebook, bias: [1], nFeatures: 1 };
    for (const backend of ["wasm", "ts"] as const) {
      assert.throws(
        () => packed4Scores(form, q, { backend }),
        {
          name: "RangeError",
          message: `Cannot prepare packed 4-bit scorer: codebook holds ${bad} at index 0`,
        },
      );
    }
    // Finite: each weight moves by at most half a table step (max |entry| / 127 / 2).
    codebook[0] = 2;
    const [z] = packed4Scores(form, q);
    assert.ok(Math.abs(z - 4) <= 3 * (2 / 127 / 2), `${z}`);
  }
});

Deno.test("scorers refuse a backend, thread count or feature count they cannot use", () => {
  // threads was floored and clamped to at least 1 (NaN and 0 became 1, and 1e6 started workers
  // until memory ran out); an unknown backend was taken as wasm; a negative nFeatures ended in
  // "Invalid typed array length: -1".
  const dense = { weights: new Float32Array(6), bias: new Float32Array(3) };
  for (const threads of [NaN, 0, 1.5, 257]) {
    assert.throws(() => prepareDense(dense, { threads }), {
      name: "RangeError",
      message: new RegExp(`Cannot prepare dense scorer: threads must be .*got ${threads}`),
    });
  }
  assert.throws(() => prepareDense(dense, { backend: "gpu" as "ts" }), {
    name: "RangeError",
    message: /Cannot prepare dense scorer: backend must be auto, wasm or ts, got gpu/,
  });
  const sparse = {
    indptr: Int32Array.from([0, 0]),
    indices: new Int32Array(0),
    values: new Float32Array(0),
    bias: [0],
  };
  for (const nFeatures of [-1, 2.5]) {
    assert.throws(() => prepareSparse({ ...sparse, nFeatures }), {
      name: "RangeError",
      message: new RegExp(`Cannot prepare sparse scorer: nFeatures must be .*got ${nFeatures}`),
    });
  }
  using ok = prepareSparse({ ...sparse, nFeatures: 2 }, { threads: 2 });
  assert.deepEqual([...ok.scores({ data: new Float32Array([1, 2]), rows: 1, cols: 2 })], [0]);
});

Deno.test("scorers refuse options that are not an object, one-shot or prepared", () => {
  // null failed with the bare "Cannot read properties of null (reading 'backend')", and a number
  // was taken as no options.
  const x = { data: new Float32Array(6), rows: 2, cols: 3 };
  const dense = { weights: new Float32Array(6), bias: new Float32Array(2) };
  const integer = {
    weights: new Int8Array(6),
    bias: new Int32Array(2),
    rescale: new Float64Array(2),
  };
  const codes = { data: new Uint8Array(6), rows: 2, cols: 3 };
  for (const [got, text] of [[null, "null"], [5, "number 5"]] as const) {
    const options = got as unknown as ScorerOptions;
    for (
      const [action, run] of [
        ["prepare dense scorer", () => prepareDense(dense, options)],
        ["prepare dense scorer", () => denseScores(dense, x, options)],
        ["prepare integer scorer", () => integerScores(integer, codes, options)],
        [
          "prepare integer scorer",
          () => integerScoresFromFloat(integer, x, options as never),
        ],
      ] as const
    ) {
      assert.throws(run, {
        name: "TypeError",
        message: `Cannot ${action}: options must be an object, got ${text}`,
      });
    }
  }
  // An object, and no options, still score: a zero model gives the bias.
  assert.deepEqual([...denseScores(dense, x, {})], [0, 0, 0, 0]);
  assert.deepEqual([...denseScores(dense, x)], [0, 0, 0, 0]);
});

Deno.test("one-shot scorers refuse a backend, thread count or feature count they cannot use", () => {
  // The one-shot functions skipped the checks of their prepareXxx: threads NaN, 0, 1.5 and -1
  // ran on one thread, 257 started 256 workers, backend "gpu" ran wasm, and a sparse form with
  // nFeatures -1 ended in "Invalid typed array length: -1".
  const x = { data: new Float32Array(6), rows: 2, cols: 3 };
  const dense = { weights: new Float32Array(6), bias: new Float32Array(2) };
  for (const threads of [NaN, 0, 1.5, -1, 257]) {
    assert.throws(() => denseScores(dense, x, { threads }), {
      name: "RangeError",
      message: new RegExp(`Cannot prepare dense scorer: threads must be .*got ${threads}`),
    });
  }
  assert.throws(() => denseScores(dense, x, { backend: "gpu" as "ts" }), {
    name: "RangeError",
    message: /Cannot prepare dense scorer: backend must be auto, wasm or ts, got gpu/,
  });
  const codes = { data: new Uint8Array(6), rows: 2, cols: 3 };
  const integer = {
    weights: new Int8Array(6),
    bias: new Int32Array(2),
    rescale: new Float64Array(2),
  };
  assert.throws(() => integerScores(integer, codes, { threads: 0 }), {
    name: "RangeError",
    message: /Cannot prepare integer scorer: threads must be/,
  });
  const input = {
    multiplier: new Float64Array(3),
    offset: new Float64Array(3),
    zeroPoint: 0,
    dtype: "uint8" as const,
  };
  assert.throws(() => integerScoresFromFloat(integer, x, { input, threads: 0 }), {
    name: "RangeError",
    message: /Cannot prepare integer scorer: threads must be/,
  });
  const sparse = {
    indptr: Int32Array.from([0, 0]),
    indices: new Int32Array(0),
    values: new Float32Array(0),
    bias: [0],
    nFeatures: -1,
  };
  assert.throws(() => sparseScores(sparse, { data: new Float32Array(0), rows: 0, cols: -1 }), {
    name: "RangeError",
    message: /Cannot prepare sparse scorer: nFeatures must be .*got -1/,
  });
  // Valid options still score: a zero model gives the bias.
  assert.deepEqual([...denseScores(dense, x, { threads: 2 })], [0, 0, 0, 0]);
});

Deno.test("sparse scorers add up repeated indices and skip stored zeros, on both backends", () => {
  // Output 0 stores feature 1 three times (2 + 3 - 1 = 4) and a zero at feature 0; output 1
  // stores feature 2 twice (0.5 + 0.25); output 5 of a second group of four repeats feature 0.
  const form = {
    indptr: Int32Array.from([0, 4, 6, 6, 6, 6, 8]),
    indices: Int32Array.from([1, 0, 1, 1, 2, 2, 0, 0]),
    values: Float32Array.from([2, 0, 3, -1, 0.5, 0.25, 1, 10]),
    bias: [1, 2, 3, 4, 5, 6],
    nFeatures: 3,
  };
  const x = { data: Float32Array.from([1, 2, 3, -1, 0.5, 4]), rows: 2, cols: 3 };
  // By hand: row 0 = (1, 2, 3), row 1 = (-1, 0.5, 4).
  const want = [
    [1 + 4 * 2, 2 + 0.75 * 3, 3, 4, 5, 6 + 11 * 1],
    [1 + 4 * 0.5, 2 + 0.75 * 4, 3, 4, 5, 6 + 11 * -1],
  ].flat();
  for (const backend of ["wasm", "ts"] as const) {
    assert.deepEqual([...sparseScores(form, x, { backend })], want, backend);
    using s = prepareSparse(form, { backend, threads: 2 });
    assert.deepEqual([...s.scores(x)], want, `${backend} prepared`);
  }
});

Deno.test("sparse and feature-subset scorers refuse indices and row starts outside their form", () => {
  const base = {
    indptr: Int32Array.from([0, 1, 2]),
    indices: Int32Array.from([0, 2]),
    values: Float32Array.from([1, 1]),
    bias: [0, 0],
    nFeatures: 3,
  };
  const cases: [Partial<typeof base>, RegExp][] = [
    // Feature 3 of 3 read the next row's first input (or past the data in the last row).
    [{ indices: Int32Array.from([0, 3]) }, /index 3 at position 1 is outside 0\.\.2/],
    [{ indices: Int32Array.from([-1, 2]) }, /index -1 at position 0 is outside 0\.\.2/],
    [{ indptr: Int32Array.from([0, 2, 1]) }, /indptr must run from 0 to 2/],
    [
      { indptr: Int32Array.from([0, 2, 1, 2]), bias: [0, 0, 0] },
      /indptr decreases at output 1/,
    ],
    [{ indptr: Int32Array.from([1, 1, 2]) }, /indptr must run from 0 to 2/],
  ];
  for (const [change, message] of cases) {
    for (const backend of ["wasm", "ts"] as const) {
      assert.throws(() => prepareSparse({ ...base, ...change }, { backend }), {
        name: "RangeError",
        message,
      });
    }
  }
  const subset = {
    features: Int32Array.from([0, 3]),
    weights: Float32Array.from([1, 1]),
    bias: [0],
    nFeatures: 3,
  };
  for (const backend of ["wasm", "ts"] as const) {
    assert.throws(() => prepareFeatureSubset(subset, { backend }), {
      name: "RangeError",
      message: "Cannot prepare feature-subset scorer: kept feature 3 is outside 0..2",
    });
  }
  // The valid form scores x0 and x2 by hand.
  using ok = prepareSparse(base);
  assert.deepEqual([...ok.scores({ data: Float32Array.from([1, 2, 3]), rows: 1, cols: 3 })], [
    1,
    3,
  ]);
});

Deno.test("feature-subset scorers refuse kept features that are not an Int32Array", () => {
  const x = { data: Float32Array.from([1, 2, 3]), rows: 1, cols: 3 };
  // 1.5 passed the range check and the kernel read a float at byte offset 6 (2.3e-41 instead of
  // x1 or an error); a form without features ended in "form.features is not iterable".
  const bad: unknown[] = [Float64Array.from([1.5]), [1], undefined];
  for (const features of bad) {
    const form = {
      features,
      weights: Float32Array.from(features === undefined ? [] : [1]),
      bias: [0],
      nFeatures: 3,
    } as unknown as FeatureSubsetForm;
    for (const backend of ["wasm", "ts"] as const) {
      assert.throws(() => prepareFeatureSubset(form, { backend }), {
        name: "TypeError",
        message: /^Cannot prepare feature-subset scorer: features must be an Int32Array, got /,
      });
      assert.throws(() => featureSubsetScores(form, x, { backend }), { name: "TypeError" });
    }
  }
  // Kept feature 1 alone scores x1 by hand.
  const ok = {
    features: Int32Array.from([1]),
    weights: Float32Array.from([1]),
    bias: [0],
    nFeatures: 3,
  };
  for (const backend of ["wasm", "ts"] as const) {
    assert.deepEqual([...featureSubsetScores(ok, x, { backend })], [2]);
  }
});

Deno.test("int8 and packed 4-bit scorers refuse a zero point that is not an integer code and a scale that is not finite", () => {
  // Codes 1, 2, 3 with weights 1: scale * (6 - 3 * zeroPoint) by hand. The kernels took 0.5 and
  // NaN as the int32 0 (score 6), the TypeScript reference as they are (4.5, NaN).
  const data = Uint8Array.from([1, 2, 3]);
  const int8 = { codes: Int8Array.from([1, 1, 1]), scale: [1], bias: [0] };
  const codebook = Float32Array.from({ length: 16 }, (_, q) => q === 1 ? 1 : 0);
  const packed4 = { packed: Uint8Array.from([0x11, 0x01]), codebook, bias: [0], nFeatures: 3 };
  const cases: [Partial<QuantizedInput>, string, RegExp][] = [
    [{ zeroPoint: 0.5 }, "RangeError", /^Cannot compute scores: x\.zeroPoint must be an integer/],
    [{ zeroPoint: NaN }, "RangeError", /x\.zeroPoint must be an integer in \[0, 255\], got NaN/],
    [{ zeroPoint: 256 }, "RangeError", /x\.zeroPoint must be an integer in \[0, 255\]/],
    [
      { data: Int8Array.from([1, 2, 3]), zeroPoint: 128 },
      "RangeError",
      /x\.zeroPoint must be an integer in \[-128, 127\]/,
    ],
    [{ scale: NaN }, "RangeError", /^Cannot compute scores: x\.scale must be a finite number/],
    [{ scale: Infinity }, "RangeError", /x\.scale must be a finite number/],
    [{ scale: undefined }, "TypeError", /x\.scale must be a finite number/],
  ];
  for (const backend of ["wasm", "ts"] as const) {
    for (const [change, name, message] of cases) {
      const x = { data, rows: 1, cols: 3, scale: 1, zeroPoint: 0, ...change } as QuantizedInput;
      const label = `${backend} ${JSON.stringify(change)}`;
      assert.throws(() => int8Scores(int8, x, { backend }), { name, message }, `int8 ${label}`);
      assert.throws(() => packed4Scores(packed4, x, { backend }), { name, message }, label);
    }
    const x = { data, rows: 1, cols: 3, scale: 0.5, zeroPoint: 1 };
    assert.deepEqual([...int8Scores(int8, x, { backend })], [0.5 * (6 - 3)], backend);
    assert.deepEqual([...packed4Scores(packed4, x, { backend })], [0.5 * (6 - 3)], backend);
  }
});

Deno.test("input buffers refuse a row count that is not a non-negative integer, on both backends", () => {
  // -1 ended in "Invalid typed array length: -3"; 1.5 gave 4 floats for 3 features, NaN none.
  for (const backend of ["wasm", "ts"] as const) {
    using s = prepareDense({ weights: Float32Array.from([1, 2, 3]), bias: [0.5] }, { backend });
    for (const rows of [-1, 1.5, NaN, Infinity]) {
      assert.throws(() => s.inputBuffer(rows), {
        name: "RangeError",
        message: `Cannot make an input buffer: rows must be an integer in [0, ${
          2 ** 31 - 1
        }], got ${rows}`,
      }, `${backend} ${rows}`);
    }
    assert.throws(() => s.inputBuffer("2" as unknown as number), { name: "TypeError" }, backend);
    assert.equal(s.inputBuffer(0).length, 0, backend);
    const buf = s.inputBuffer(2);
    buf.set([1, 1, 1, 0, 0, 2]);
    assert.deepEqual([...s.scores({ data: buf, rows: 2, cols: 3 })], [6.5, 6.5], backend);
  }
});

Deno.test("a closed scorer refuses to score or hand out a buffer on both backends", () => {
  // The ts scorers' close() did nothing: they kept scoring, against the Scorer contract.
  const x = { data: Float32Array.from([1, 2, 3]), rows: 1, cols: 3 };
  // Each refusal names what was asked: an input buffer is not a score.
  const closed = { name: "RangeError", message: "Cannot compute scores: the scorer is closed" };
  const noBuffer = {
    name: "RangeError",
    message: "Cannot make an input buffer: the scorer is closed",
  };
  for (const backend of ["wasm", "ts"] as const) {
    const s = prepareDense({ weights: Float32Array.from([1, 1, 1]), bias: [0] }, { backend });
    assert.deepEqual([...s.scores(x)], [6], backend);
    s.close();
    assert.throws(() => s.scores(x), closed, backend);
    assert.throws(() => s.inputBuffer(1), noBuffer, backend);
    const input = {
      multiplier: Float64Array.from([1, 1, 1]),
      offset: new Float64Array(3),
      zeroPoint: 0,
      dtype: "uint8" as const,
    };
    const form = {
      weights: Int8Array.from([1, 1, 1]),
      bias: Int32Array.from([0]),
      rescale: Float64Array.from([1]),
    };
    const q = prepareInteger(form, { backend, input });
    assert.deepEqual([...q.scoresFromFloat(x)], [6], backend);
    q[Symbol.dispose]();
    assert.throws(() => q.scoresFromFloat(x), closed, backend);
    assert.throws(() => q.scores({ data: Uint8Array.from([1, 2, 3]), rows: 1, cols: 3 }), closed);
    assert.throws(() => q.inputBuffer(1), noBuffer, backend);
  }
});

Deno.test("relaxed: false keeps the int8 and integer scorers on the exact int16 kernel", () => {
  // Codes in [-64, 63] take the relaxed dot product by default where the engine has it; the
  // option must turn it off, and both paths give the integer sums exactly.
  const d = 20, k = 2;
  const codes = Int8Array.from({ length: k * d }, (_, i) => ((i * 37) % 128) - 64);
  const data = Uint8Array.from({ length: 3 * d }, (_, i) => (i * 91) % 256);
  const sums: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += data[i * d + j] * codes[c * d + j];
      sums.push(s);
    }
  }
  const q = { data, rows: 3, cols: d, scale: 1, zeroPoint: 0 };
  for (const relaxed of [false, true]) {
    using int8 = prepareInt8({ codes, scale: [1, 1], bias: [0, 0] }, { relaxed });
    using integer = prepareInteger(
      { weights: codes, bias: new Int32Array(k), rescale: new Float64Array(k).fill(1) },
      { relaxed },
    );
    if (!relaxed) {
      assert.equal(int8.path, "wasm");
      assert.equal(integer.path, "wasm");
    }
    assert.deepEqual([...int8.scores(q)], sums, `int8 relaxed=${relaxed} (${int8.path})`);
    assert.deepEqual([...integer.scores(q)], sums, `integer relaxed=${relaxed} (${integer.path})`);
  }
});

Deno.test("the input buffer of a code scorer holds codes it scores, on both backends", () => {
  // The ts backend's buffer was a Float32Array whatever the scorer took, so scoring codes
  // written into an int8, integer or packed 4-bit scorer's buffer was refused with "x.data must
  // be a Uint8Array or Int8Array of codes".
  const codes = Int8Array.from([1, -2, 3, 4]);
  const packed = Uint8Array.from([0x21, 0x03]); // codes 1, 2 for output 0; 3, 0 for output 1
  // Entry 15 is 127: the wasm kernel's int8 table step is 127 / 127 = 1, so entries are exact.
  const codebook = Float32Array.from({ length: 16 }, (_, q) => q === 15 ? 127 : q);
  for (const backend of ["wasm", "ts"] as const) {
    using int8 = prepareInt8({ codes, scale: [1, 1], bias: [0, 0] }, { backend });
    using integer = prepareInteger(
      { weights: codes, bias: new Int32Array(2), rescale: Float64Array.of(1, 1) },
      { backend },
    );
    using packed4 = preparePacked4({ packed, codebook, bias: [0, 0], nFeatures: 2 }, { backend });
    for (
      const [name, scorer, want] of [
        // x = (5, 6): 5 - 12 and 15 + 24 by hand; packed: 5 * 1 + 6 * 2 and 5 * 3 + 6 * 0.
        ["int8", int8, [-7, 39]],
        ["integer", integer, [-7, 39]],
        ["packed4", packed4, [17, 15]],
      ] as const
    ) {
      const buf = scorer.inputBuffer(1);
      assert.ok(buf instanceof Uint8Array, `${name} ${backend}: ${buf.constructor.name}`);
      buf.set([5, 6]);
      const x = { data: buf, rows: 1, cols: 2, scale: 1, zeroPoint: 0 };
      assert.deepEqual([...scorer.scores(x)], want, `${name} ${backend}`);
    }
  }
});

Deno.test("forms without nFeatures are refused when prepared, not when scored", () => {
  // The check skipped an undefined nFeatures: the scorer was built and refused later as "the
  // model takes undefined features", or at prepare as "packed must be 1 x NaN bytes".
  const sparse = {
    indptr: Int32Array.from([0, 1]),
    indices: Int32Array.from([0]),
    values: Float32Array.from([2]),
    bias: [0.5],
  };
  const subset: Omit<FeatureSubsetForm, "nFeatures"> = {
    features: Int32Array.from([0]),
    weights: Float32Array.from([2]),
    bias: [0.5],
  };
  const packed = {
    packed: Uint8Array.from([0x01]),
    codebook: Float32Array.from([0, 2]),
    bias: [0.5],
  };
  const x = { data: Float32Array.from([3, 7]), rows: 1, cols: 2 };
  const quantized = { codes: Uint8Array.from([3, 7]), rows: 1, cols: 2, scale: 1, zeroPoint: 0 };
  const refusals: [string, (options: ScorerOptions) => unknown][] = [
    ["sparse", (o) => prepareSparse(sparse as never, o)],
    ["sparse", (o) => sparseScores(sparse as never, x, o)],
    ["feature-subset", (o) => prepareFeatureSubset(subset as never, o)],
    ["feature-subset", (o) => featureSubsetScores(subset as never, x, o)],
    ["packed 4-bit", (o) => preparePacked4({ ...packed, scales: [1] } as never, o)],
    [
      "packed 4-bit",
      (o) => packed4Scores({ ...packed, scales: [1] } as never, quantized as never, o),
    ],
    ["packed 4-bit float", (o) => packed4FloatScores(packed as never, x, o)],
  ];
  for (const backend of ["ts", "wasm"] as const) {
    for (const [kind, call] of refusals) {
      assert.throws(() => call({ backend }), {
        name: "TypeError",
        message:
          `Cannot prepare ${kind} scorer: nFeatures must be an integer in [0, 2147483647], ` +
          "got undefined",
      }, `${kind} ${backend}`);
    }
    // With it, 2 * x0 + 0.5 = 6.5 (x0 = 3) on every form.
    assert.deepEqual([...sparseScores({ ...sparse, nFeatures: 2 }, x, { backend })], [6.5]);
    assert.deepEqual([...featureSubsetScores({ ...subset, nFeatures: 2 }, x, { backend })], [6.5]);
  }
});

Deno.test("scorers refuse a form that is not an object, prepared and one-shot, naming it", () => {
  // Dense, int8 and integer forms failed with the engine's "Cannot read properties of null
  // (reading 'bias')"; the others were reported as a form without nFeatures.
  const x = { data: Float32Array.from([3]), rows: 1, cols: 1 };
  const q = { data: Uint8Array.from([3]), rows: 1, cols: 1, scale: 1, zeroPoint: 0 };
  const calls: [string, (form: never, options: ScorerOptions) => unknown][] = [
    ["dense", (f, o) => prepareDense(f, o)],
    ["dense", (f, o) => denseScores(f, x, o)],
    ["sparse", (f, o) => prepareSparse(f, o)],
    ["sparse", (f, o) => sparseScores(f, x, o)],
    ["feature-subset", (f, o) => prepareFeatureSubset(f, o)],
    ["feature-subset", (f, o) => featureSubsetScores(f, x, o)],
    ["int8", (f, o) => prepareInt8(f, o)],
    ["int8", (f, o) => int8Scores(f, q, o)],
    ["integer", (f, o) => prepareInteger(f, o)],
    ["integer", (f, o) => integerScores(f, q, o)],
    ["integer", (f, o) => integerScoresFromFloat(f, x, { ...o, input: undefined as never })],
    ["packed 4-bit", (f, o) => preparePacked4(f, o)],
    ["packed 4-bit", (f, o) => packed4Scores(f, q, o)],
    ["packed 4-bit float", (f, o) => preparePacked4Float(f, o)],
    ["packed 4-bit float", (f, o) => packed4FloatScores(f, x, o)],
  ];
  for (const backend of ["ts", "wasm"] as const) {
    for (const [kind, call] of calls) {
      for (const form of [null, undefined, 3]) {
        assert.throws(() => call(form as never, { backend }), {
          name: "TypeError",
          message: new RegExp(
            `^Cannot prepare ${kind} scorer: the form must be an object, got .*${form}`,
          ),
        }, `${kind} ${backend} ${form}`);
      }
    }
  }
});

Deno.test("the int8 scorer refuses scales that are not one per output, naming the scale", () => {
  // Two outputs (bias of 2) and one scale: the refusal said the bias, which had the right
  // length, must have 2 entries.
  const x = { data: Uint8Array.from([1, 2, 3, 4]), rows: 2, cols: 2, scale: 1, zeroPoint: 0 };
  const codes = Int8Array.from([1, -1, 2, 3]);
  for (const backend of ["wasm", "ts"] as const) {
    for (const scale of [[1], [1, 1, 1], null]) {
      const form = { codes, scale: scale as number[], bias: [0, 0] };
      const refused = {
        name: "TypeError",
        message: /^Cannot prepare int8 scorer: scale must have 2/,
      };
      assert.throws(() => prepareInt8(form, { backend }), refused);
      assert.throws(() => int8Scores(form, x, { backend }), refused);
    }
    // One scale per output scores: output c is scale[c] * (x . codes[c]), by hand.
    const got = int8Scores({ codes, scale: [2, 0.5], bias: [0, 0] }, x, { backend });
    assert.deepEqual([...got], [2 * (1 - 2), 0.5 * (2 + 6), 2 * (3 - 4), 0.5 * (6 + 12)]);
  }
});

Deno.test("int8 and packed 4-bit scorers do not wrap their int32 sums on rows too wide for them", () => {
  // 255 * 127 * d reaches 2^31 from d = 66,313: the wasm kernels' int32 sums wrapped there
  // (-2.03e9 against 2.27e9). Scores by hand: every term is (255 - 0) * 127, or (0 - 255) * 127.
  for (const [d, path] of [[66_000, "wasm"], [70_000, "ts"]] as const) {
    const codes = new Int8Array(d).fill(127);
    const form = { codes, scale: [1], bias: [0] };
    const high = { data: new Uint8Array(d).fill(255), rows: 1, cols: d, scale: 1, zeroPoint: 0 };
    const low = { data: new Uint8Array(d), rows: 1, cols: d, scale: 1, zeroPoint: 255 };
    const s = prepareInt8(form, { relaxed: false });
    try {
      assert.equal(s.path, path);
      assert.equal(s.scores(high)[0], Math.fround(255 * 127 * d));
      assert.equal(s.scores(low)[0], Math.fround(-255 * 127 * d));
    } finally {
      s.close();
    }
    assert.equal(int8Scores(form, high)[0], Math.fround(255 * 127 * d));
    // Packed 4-bit: code 1 everywhere, whose codebook entry 1 becomes table entry 127.
    const codebook = new Float32Array(16);
    codebook[1] = 1;
    const packed = { packed: new Uint8Array(d / 2).fill(0x11), codebook, bias: [0], nFeatures: d };
    const p = preparePacked4(packed);
    try {
      assert.equal(p.path, path === "ts" ? "ts" : "wasm");
      assert.equal(p.scores(high)[0], Math.fround(255 * d));
      assert.equal(p.scores(low)[0], Math.fround(-255 * d));
    } finally {
      p.close();
    }
    assert.equal(packed4Scores(packed, high)[0], Math.fround(255 * d));
  }
});

Deno.test("scorer messages count one feature or entry in the singular, two in the plural", () => {
  const f32 = (...v: number[]) => Float32Array.from(v);
  const mapping = (d: number) => ({
    multiplier: new Float64Array(d),
    offset: new Float64Array(d),
    zeroPoint: 0,
    dtype: "uint8" as const,
  });
  const packed = (k: number, scale: number[]) => ({
    packed: new Uint8Array(k),
    codebook: new Float32Array(16),
    bias: new Array(k).fill(0),
    nFeatures: 1,
    inputScale: scale,
  });
  for (const backend of ["ts", "wasm"] as const) {
    const dense = (k: number) =>
      prepareDense({ weights: new Float32Array(k), bias: new Array(k).fill(0) }, { backend });
    const sparse = (k: number, indptr: Int32Array) =>
      prepareSparse({
        indptr,
        indices: new Int32Array(0),
        values: new Float32Array(0),
        bias: new Array(k).fill(0),
        nFeatures: 1,
      }, { backend });
    const cases: [() => unknown, string][] = [
      [
        () => dense(1).scores({ data: f32(1, 2), rows: 1, cols: 2 }),
        "Cannot compute scores: the model takes 1 feature, x is 1 x 2 with 2 values",
      ],
      [
        () =>
          prepareDense({ weights: f32(1, 2), bias: [0] }, { backend }).scores({
            data: f32(1),
            rows: 1,
            cols: 1,
          }),
        "Cannot compute scores: the model takes 2 features, x is 1 x 1 with 1 value",
      ],
      [
        () => dense(1).scores({ data: f32(1), rows: 1, cols: 1 }, { out: f32() }),
        "Cannot compute scores: out must be a Float32Array or Float64Array of at least 1 entry " +
        "(1 x 1), got Float32Array(0)",
      ],
      [
        () => prepareInt8({ codes: Int8Array.of(1), scale: [1, 2], bias: [0] }, { backend }),
        "Cannot prepare int8 scorer: scale must have 1 entry (one per output), got Array(2)",
      ],
      [
        () => prepareInt8({ codes: Int8Array.of(1, 2), scale: [1], bias: [0, 0] }, { backend }),
        "Cannot prepare int8 scorer: scale must have 2 entries (one per output), got Array(1)",
      ],
      [
        () => sparse(0, Int32Array.of(0, 0)),
        "Cannot prepare sparse scorer: indptr must be an Int32Array of 1 entry",
      ],
      [
        () => sparse(1, Int32Array.of(0)),
        "Cannot prepare sparse scorer: indptr must be an Int32Array of 2 entries",
      ],
      [
        () =>
          prepareInteger({
            weights: Int8Array.of(1),
            bias: Int32Array.of(0),
            rescale: new Float64Array(2),
          }, { backend }),
        "Cannot prepare integer scorer: rescale must be a Float64Array of 1 entry",
      ],
      [
        () =>
          prepareInteger({
            weights: Int8Array.of(1, 2),
            bias: Int32Array.of(0, 0),
            rescale: new Float64Array(1),
          }, { backend }),
        "Cannot prepare integer scorer: rescale must be a Float64Array of 2 entries",
      ],
      [
        () =>
          prepareInteger({
            weights: Int8Array.of(1),
            bias: Int32Array.of(0),
            rescale: new Float64Array(1),
          }, { backend, input: mapping(2) }),
        "Cannot prepare integer scorer: the input mapping must have 1 entry",
      ],
      [
        () =>
          prepareInteger({
            weights: Int8Array.of(1, 2),
            bias: Int32Array.of(0),
            rescale: new Float64Array(1),
          }, { backend, input: mapping(1) }),
        "Cannot prepare integer scorer: the input mapping must have 2 entries",
      ],
      [
        () => preparePacked4Float(packed(1, [1, 2]), { backend }),
        "Cannot prepare packed 4-bit float scorer: inputScale must have 1 entry",
      ],
    ];
    for (const [call, message] of cases) {
      assert.throws(call, { name: "TypeError", message }, `${backend}: ${message}`);
    }
  }
});
