// Every kernel against a naive loop written here, over awkward shapes: row counts that are not a
// multiple of the kernels' row groups (2, 4, 8) or of a thread's share, feature counts around the
// SIMD widths (4, 8, 16) and output counts that take each output block (1, 2, 3, 4 and 5 outputs,
// and 9 = 5 + 4). The other shape tests take 1, 3 or 10 outputs and one row for one output: the
// dense kernel's blocks of 4 and 2 outputs and its four-row path for one output had no oracle
// (a wrong row in any of them passed every test), nor had the one-by-one tail of the input scan
// that `validate` runs for the kernels other than dense.
import assert from "node:assert/strict";
import { createPrng, type Prng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import type { CodeInput, IntegerForm, QuantizedInput } from "../../lib/kernels/forms.ts";
import {
  denseScores,
  featureSubsetScores,
  int8Scores,
  integerScores,
  integerScoresFromFloat,
  packed4FloatScores,
  packed4Scores,
  prepareFeatureSubset,
  preparePacked4Float,
  prepareSparse,
  type ScorerOptions,
  sparseScores,
} from "../../lib/kernels/scorers.ts";
import { assertWithinFloat32, magnitudes } from "../_helpers/float32_bound.ts";
import { exactInteger } from "../_helpers/exact_integer.ts";

const ROWS = [1, 2, 7, 9, 17, 33];
const FEATURES = [1, 7, 16, 17, 33];
const OUTPUTS = [1, 2, 3, 4, 5, 9];

/** x W^T + b in float64, W `(k, d)`. */
function naive(w: ArrayLike<number>, b: ArrayLike<number>, x: ArrayLike<number>, n: number) {
  const k = b.length, d = w.length / k;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = b[c];
      for (let j = 0; j < d; j++) s += w[c * d + j] * x[i * d + j];
      out[i * k + c] = s;
    }
  }
  return out;
}

function normals(prng: Prng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => randomNormal(prng));
}

/**
 * Random 4-bit codes packed two a byte (low nibble first), and the weights they stand for: the
 * codebook entry of each code, from output c's own 16 entries when `perOutput` (and k > 1).
 */
function randomPacked4(
  prng: Prng,
  k: number,
  d: number,
  codebook: ArrayLike<number>,
  perOutput: boolean,
): { packed: Uint8Array; wp: Float64Array } {
  const rb = Math.ceil(d / 2), packed = new Uint8Array(k * rb), wp = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const code = Math.floor(prng() * 16);
      packed[c * rb + (j >> 1)] |= j & 1 ? code << 4 : code;
      wp[c * d + j] = codebook[(perOutput && k > 1 ? 16 * c : 0) + code];
    }
  }
  return { packed, wp };
}

/** Float kernels (dense, sparse, feature subset, packed 4-bit float) for one shape. */
function checkFloatKernels(prng: Prng, n: number, d: number, k: number, options: ScorerOptions) {
  const label = `${n} x ${d}, ${k} outputs, ${JSON.stringify(options)}`;
  const x: Matrix<Float32Array> = { data: normals(prng, n * d), rows: n, cols: d };
  const b = normals(prng, k);
  // Dense.
  const w = normals(prng, k * d);
  assertWithinFloat32(
    denseScores({ weights: w, bias: b }, x, options),
    naive(w, b, x.data, n),
    magnitudes(w, b, x),
    d,
    `dense ${label}`,
  );
  // Sparse: about a third of the weights kept, at least one per output when d allows.
  const ws = new Float32Array(k * d);
  const indptr = new Int32Array(k + 1), indices: number[] = [], values: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      if (j === (c % d) || prng() < 0.3) {
        ws[c * d + j] = randomNormal(prng);
        indices.push(j);
        values.push(ws[c * d + j]);
      }
    }
    indptr[c + 1] = indices.length;
  }
  const csr = {
    indptr,
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
    bias: b,
    nFeatures: d,
  };
  assertWithinFloat32(
    sparseScores(csr, x, options),
    naive(ws, b, x.data, n),
    magnitudes(ws, b, x),
    d,
    `sparse ${label}`,
  );
  // Feature subset: features in a shuffled order (the gather must follow `features`).
  const kept = Array.from({ length: d }, (_, j) => j).filter((j) => j % 3 !== 1 || d === 1);
  for (let t = kept.length - 1; t > 0; t--) {
    const u = Math.floor(prng() * (t + 1));
    [kept[t], kept[u]] = [kept[u], kept[t]];
  }
  const m = kept.length, sub = normals(prng, k * m), full = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let t = 0; t < m; t++) full[c * d + kept[t]] = sub[c * m + t];
  assertWithinFloat32(
    featureSubsetScores(
      { features: Int32Array.from(kept), weights: sub, bias: b, nFeatures: d },
      x,
      options,
    ),
    naive(full, b, x.data, n),
    magnitudes(full, b, x),
    d,
    `subset ${label}`,
  );
  // Packed 4-bit codes into a float codebook, shared and per output.
  for (const perOutput of [false, true]) {
    const codebook = normals(prng, perOutput ? 16 * k : 16);
    const { packed, wp } = randomPacked4(prng, k, d, codebook, perOutput);
    assertWithinFloat32(
      packed4FloatScores({ packed, codebook, bias: b, nFeatures: d }, x, options),
      naive(wp, b, x.data, n),
      magnitudes(wp, b, x),
      d,
      `packed4 float perOutput=${perOutput} ${label}`,
    );
  }
}

/** Random 8-bit codes over the whole range of the type. */
function codes(prng: Prng, length: number, signed: boolean): Uint8Array | Int8Array {
  const raw = Array.from({ length }, () => Math.floor(prng() * 256) - (signed ? 128 : 0));
  return signed ? Int8Array.from(raw) : Uint8Array.from(raw);
}

/** Code kernels (int8 per-row scales, integer int8/int16, packed 4-bit) for one shape. */
function checkCodeKernels(prng: Prng, n: number, d: number, k: number, options: ScorerOptions) {
  const label = `${n} x ${d}, ${k} outputs, ${JSON.stringify(options)}`;
  const b = normals(prng, k);
  for (const signed of [false, true]) {
    const zeroPoint = signed ? -5 : 9;
    const data = codes(prng, n * d, signed);
    const xs = Float64Array.from(data, (v) => (v - zeroPoint) / 255);
    const xq: QuantizedInput = { data, rows: n, cols: d, scale: 1 / 255, zeroPoint };
    const xm = { data: xs, rows: n, cols: d };
    const tag = `signed=${signed} ${label}`;
    for (const range of [63, 127]) {
      // int8 weights with one scale per output row.
      const q = Int8Array.from({ length: k * d }, () => Math.round((2 * prng() - 1) * range));
      const scale = Float32Array.from({ length: k }, () => 0.5 + prng());
      const w = Float64Array.from(q, (v, i) => v * scale[Math.floor(i / d)]);
      // Integer sums are exact; the float tail rounds a few times.
      assertWithinFloat32(
        int8Scores({ codes: q, scale, bias: b }, xq, options),
        naive(w, b, xs, n),
        magnitudes(w, b, xm),
        0,
        `int8 range=${range} ${tag}`,
        4,
      );
    }
    for (const Type of [Int8Array, Int16Array]) {
      const limit = Type === Int8Array ? 127 : 30000;
      const form: IntegerForm = {
        weights: new Type(k * d).map(() => Math.round((2 * prng() - 1) * limit)),
        bias: Int32Array.from({ length: k }, () => Math.round((prng() - 0.5) * 1e5)),
        rescale: Float64Array.from({ length: k }, () => prng()),
      };
      const x: CodeInput = { data, rows: n, cols: d };
      assert.deepEqual(
        integerScores(form, x, options),
        exactInteger(form, x),
        `integer ${Type.name} ${tag}`,
      );
    }
    // Packed 4-bit codes with 8-bit inputs: entries that are whole multiples of the int8 table
    // step (max |entry| / 127), so the table is exact and so are the integer sums.
    for (const perOutput of [false, true]) {
      const step = 1 / 64;
      const codebook = Float32Array.from(
        { length: perOutput ? 16 * k : 16 },
        (_, i) => (i % 16 === 0 ? 127 : Math.round((2 * prng() - 1) * 127)) * step,
      );
      const { packed, wp } = randomPacked4(prng, k, d, codebook, perOutput);
      assertWithinFloat32(
        packed4Scores({ packed, codebook, bias: b, nFeatures: d }, xq, options),
        naive(wp, b, xs, n),
        magnitudes(wp, b, xm),
        0,
        `packed4 perOutput=${perOutput} ${tag}`,
        4,
      );
    }
  }
}

for (const backend of ["wasm", "ts"] as const) {
  Deno.test(`every kernel matches a naive loop on awkward shapes (${backend})`, () => {
    const prng = createPrng(backend === "wasm" ? 1 : 2);
    for (const n of ROWS) {
      for (const d of FEATURES) {
        for (const k of OUTPUTS) {
          checkFloatKernels(prng, n, d, k, { backend });
          checkCodeKernels(prng, n, d, k, { backend });
        }
      }
    }
  });
}

Deno.test("every kernel matches a naive loop when threads split rows unevenly", () => {
  // 17 and 33 rows over 2 and 3 threads: shares of 8 or 16 rows and a short last share.
  const prng = createPrng(3);
  for (const [threads, n, d, k] of [[3, 17, 17, 4], [2, 33, 7, 9]]) {
    checkFloatKernels(prng, n, d, k, { threads });
    checkCodeKernels(prng, n, d, k, { threads });
  }
});

Deno.test("integer scores wrap to int32 on both backends as the form says", () => {
  // 300 products of 255 * 32767 reach 2.5e9: past 2^31, the sum is taken modulo 2^32.
  const d = 300, k = 2;
  const form: IntegerForm = {
    weights: Int16Array.from({ length: k * d }, (_, i) => (i < d ? 32767 : -32768)),
    bias: Int32Array.from([5, -5]),
    rescale: Float64Array.from([1, 0.5]),
  };
  const x: CodeInput = { data: new Uint8Array(2 * d).fill(255), rows: 2, cols: d };
  const want = exactInteger(form, x);
  // By hand: 255 * 32767 * 300 + 5 - 2^32, and (-255 * 32768 * 300 - 5 + 2^32) / 2.
  assert.deepEqual([...want.subarray(0, 2)], [
    255 * 32767 * 300 + 5 - 2 ** 32,
    (-255 * 32768 * 300 - 5 + 2 ** 32) / 2,
  ]);
  for (const backend of ["wasm", "ts"] as const) {
    assert.deepEqual(integerScores(form, x, { backend }), want, backend);
  }
});

Deno.test("validation finds a NaN at any position, the tail of the inputs included", () => {
  // The kernels that do not validate by their scores scan the inputs 16 values at a time, then
  // one by one: a NaN in each position of 3 x 7 (21 values) and 2 x 17 (34) inputs.
  for (const [n, d] of [[3, 7], [2, 17]]) {
    const scorers = [
      prepareSparse({
        indptr: Int32Array.from([0, 1]),
        indices: Int32Array.from([0]),
        values: Float32Array.from([1]),
        bias: [0],
        nFeatures: d,
      }),
      prepareFeatureSubset({
        features: Int32Array.from([0]),
        weights: Float32Array.from([1]),
        bias: [0],
        nFeatures: d,
      }),
      preparePacked4Float({
        packed: new Uint8Array(Math.ceil(d / 2)),
        codebook: new Float32Array(16),
        bias: [0],
        nFeatures: d,
        inputScale: new Float32Array(d).fill(1),
      }),
    ];
    for (const s of scorers) {
      for (let p = 0; p < n * d; p++) {
        const data = new Float32Array(n * d).fill(1);
        data[p] = NaN;
        assert.throws(
          () => s.scores({ data, rows: n, cols: d }, { validate: true }),
          {
            name: "RangeError",
            message: `Cannot compute scores: x holds NaN at row ${Math.floor(p / d)}, column ${
              p % d
            }`,
          },
          `${n} x ${d} position ${p}`,
        );
      }
      s.close();
    }
  }
});

Deno.test("integer scorers quantize exact ties to the even code on both backends", () => {
  // Inputs m + 0.5 (exact in float32) with multiplier 1 and offset 0 round half to even: m for
  // even m, m + 1 for odd m; then the zero point, then the clamp. Identity weights make each
  // score its input's code. 11 features: 8 in the SIMD loop, 3 one by one.
  const d = 11;
  const weights = new Int8Array(d * d);
  for (let j = 0; j < d; j++) weights[j * d + j] = 1;
  const form: IntegerForm = {
    weights,
    bias: new Int32Array(d),
    rescale: new Float64Array(d).fill(1),
  };
  const input = {
    multiplier: new Float64Array(d).fill(1),
    offset: new Float64Array(d),
    zeroPoint: 3,
    dtype: "int8" as const,
  };
  const ms = Array.from({ length: 4 * d }, (_, i) => i - 22); // -22 .. 21
  const data = Float32Array.from(ms, (m) => m + 0.5);
  const want = Float64Array.from(ms, (m) => {
    const even = m % 2 === 0 ? m : m + 1;
    return Math.min(127, Math.max(-128, even + 3));
  });
  // Far outside the code range, clamped to its ends.
  data[0] = -1000.5;
  want[0] = -128;
  data[d - 1] = 1000.5;
  want[d - 1] = 127;
  const x = { data, rows: 4, cols: d };
  for (const backend of ["wasm", "ts"] as const) {
    assert.deepEqual(integerScoresFromFloat(form, x, { backend, input }), want, backend);
  }
});
