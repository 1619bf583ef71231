import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import type { CodeInput, IntegerForm } from "../../lib/kernels/forms.ts";
import {
  type InputMapping,
  integerScores,
  integerScoresFromFloat,
  packed4FloatScores,
  prepareDense,
  prepareInteger,
  preparePacked4Float,
  prepareSparse,
} from "../../lib/kernels/scorers.ts";
import { integerScoresTs } from "../../lib/kernels/reference.ts";
import { quantizeInputsKernel } from "../../lib/quant/integer.ts";
import { assertWithinFloat32, magnitudes } from "../_helpers/float32_bound.ts";
import { exactInteger } from "../_helpers/exact_integer.ts";

// Shapes: remainders past 16 and 8 features, one output, and rows over several copy blocks
// (334 rows of 784 codes fill a 256 KiB block).
for (const [n, d, k] of [[9, 37, 10], [3, 5, 1], [1000, 784, 10], [17, 100, 3]]) {
  for (
    const [name, limit, Type] of [
      ["int8 in [-64, 63]", 63, Int8Array],
      ["full-range int8", 127, Int8Array],
      ["int16", 4000, Int16Array],
    ] as const
  ) {
    Deno.test(`integer scorer gives the exact integer scores (${name}, ${n} x ${d}, ${k} outputs)`, () => {
      const prng = createPrng(n * d + k + limit);
      const weights = new Type(k * d).map(() => Math.round((2 * prng() - 1) * limit));
      const form: IntegerForm = {
        weights,
        bias: Int32Array.from({ length: k }, () => Math.round((prng() - 0.5) * 1e6)),
        rescale: Float64Array.from({ length: k }, () => prng() * 1e-4),
      };
      for (const signed of [false, true]) {
        const raw = Array.from(
          { length: n * d },
          () => Math.floor(prng() * 256) - (signed ? 128 : 0),
        );
        // The largest inputs in the first rows: the worst case of a saturating lowering.
        for (let j = 0; j < Math.min(d, 16); j++) raw[j] = signed ? 127 : 255;
        const x: CodeInput = {
          data: signed ? Int8Array.from(raw) : Uint8Array.from(raw),
          rows: n,
          cols: d,
        };
        const want = exactInteger(form, x);
        const ts = new Float64Array(n * k);
        integerScoresTs(form, x, ts);
        assert.deepEqual(ts, want, "the TypeScript reference");
        for (const threads of [1, 3]) {
          const got = integerScores(form, x, { threads });
          assert.deepEqual(got, want, `wasm signed=${signed} threads=${threads}`);
        }
      }
      const s = prepareInteger(form);
      const buf = s.inputBuffer(n);
      const codes = Uint8Array.from({ length: n * d }, () => Math.floor(prng() * 256));
      buf.set(codes);
      assert.deepEqual(
        s.scores({ data: buf, rows: n, cols: d }),
        exactInteger(form, { data: codes, rows: n, cols: d }),
        "scored in kernel memory",
      );
      s.close();
    });
  }
}

Deno.test("integer scorer quantizes float inputs exactly as the TypeScript reference", () => {
  const prng = createPrng(3);
  const n = 700, d = 45, k = 4;
  const form: IntegerForm = {
    weights: Int8Array.from({ length: k * d }, () => Math.round((2 * prng() - 1) * 127)),
    bias: Int32Array.from({ length: k }, () => Math.round((prng() - 0.5) * 1e4)),
    rescale: Float64Array.from({ length: k }, () => 0.001 + prng()),
  };
  for (const dtype of ["uint8", "int8"] as const) {
    const input: InputMapping = {
      multiplier: Float64Array.from({ length: d }, () => 10 + 50 * prng()),
      offset: Float64Array.from({ length: d }, (_, j) => (j % 3) - 1 + prng()),
      zeroPoint: dtype === "uint8" ? 3 : -2,
      dtype,
    };
    for (const Type of [Float32Array, Float64Array]) {
      const data = new Type(n * d).map(() => randomNormal(prng) * 3);
      // Exact ties (t = m + 0.5 for integer m) in the first row: rounding half to even counts.
      for (let j = 0; j < d; j++) {
        data[j] = (Math.floor(prng() * 20) - 10 + 0.5 - input.offset[j]) / input.multiplier[j];
        data[j] = Type === Float32Array ? Math.fround(data[j]) : data[j];
      }
      const x: Matrix = { data, rows: n, cols: d };
      const [lo, hi] = dtype === "uint8" ? [0, 255] : [-128, 127];
      const codes = dtype === "uint8" ? new Uint8Array(n * d) : new Int8Array(n * d);
      quantizeInputsKernel(
        data,
        n,
        d,
        input.multiplier,
        input.offset,
        input.zeroPoint,
        lo,
        hi,
        codes,
      );
      const want = exactInteger(form, { data: codes, rows: n, cols: d });
      for (const threads of [1, 2]) {
        const got = integerScoresFromFloat(form, x, { input, threads });
        assert.deepEqual(got, want, `${dtype} ${Type.name} threads=${threads}`);
      }
      const ts = prepareInteger(form, { input, backend: "ts" }).scoresFromFloat(x);
      assert.deepEqual(ts, want, `${dtype} ${Type.name} ts`);
    }
  }
  const input: InputMapping = {
    multiplier: new Float64Array(d).fill(1),
    offset: new Float64Array(d),
    zeroPoint: 0,
    dtype: "uint8",
  };
  const bad = new Float32Array(n * d);
  bad[400 * d + 7] = NaN;
  assert.throws(
    () => integerScoresFromFloat(form, { data: bad, rows: n, cols: d }, { input }),
    /x holds NaN at row 400, column 7/,
  );
  // Past the first copy block (1456 rows of 45 floats a thread): the row counts from the start
  // of x, not of its block, on one thread and on two.
  const long = new Float32Array(4000 * d);
  long[3500 * d + 44] = Infinity;
  for (const threads of [1, 2]) {
    assert.throws(
      () => integerScoresFromFloat(form, { data: long, rows: 4000, cols: d }, { input, threads }),
      /x holds Infinity at row 3500, column 44/,
      `threads=${threads}`,
    );
  }
});

for (const [n, d, k] of [[9, 37, 10], [2, 16, 1], [500, 784, 10]]) {
  Deno.test(`packed 4-bit float scorer gives the codebook's scores within float32 rounding (${n} x ${d}, ${k} outputs)`, () => {
    const prng = createPrng(17 * n + d);
    for (const perOutput of [false, true]) {
      const codebook = Float32Array.from(
        { length: perOutput ? 16 * k : 16 },
        () => randomNormal(prng) * 0.1,
      );
      const rb = Math.ceil(d / 2);
      const packed = new Uint8Array(k * rb);
      const w = new Float64Array(k * d);
      for (let c = 0; c < k; c++) {
        const o = perOutput && k > 1 ? 16 * c : 0;
        for (let j = 0; j < d; j++) {
          const code = Math.floor(prng() * 16);
          packed[c * rb + (j >> 1)] |= j & 1 ? code << 4 : code;
          w[c * d + j] = codebook[o + code];
        }
      }
      const bias = Float64Array.from({ length: k }, () => randomNormal(prng));
      const x = {
        data: Float32Array.from({ length: n * d }, () => randomNormal(prng)),
        rows: n,
        cols: d,
      };
      const want = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < k; c++) {
          let s = bias[c];
          for (let j = 0; j < d; j++) s += w[c * d + j] * x.data[i * d + j];
          want[i * k + c] = s;
        }
      }
      const mag = magnitudes(w, bias, x);
      const form = { packed, codebook, bias, nFeatures: d };
      for (const backend of ["wasm", "ts"] as const) {
        assertWithinFloat32(
          packed4FloatScores(form, x, { backend }),
          want,
          mag,
          2 * Math.ceil(d / 16) + (d % 16),
          `${backend}`,
        );
      }
      // A per-feature input scale (standardisation) costs one more rounding per input.
      const scale = Float64Array.from({ length: d }, () => 0.5 + prng());
      const xs = { ...x, data: Float64Array.from(x.data, (v, i) => v * scale[i % d]) };
      const wantScaled = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < k; c++) {
          let s = bias[c];
          for (let j = 0; j < d; j++) s += w[c * d + j] * xs.data[i * d + j];
          wantScaled[i * k + c] = s;
        }
      }
      const scorer = preparePacked4Float({ ...form, inputScale: scale });
      assertWithinFloat32(
        scorer.scores(x),
        wantScaled,
        magnitudes(w, bias, xs),
        2 * Math.ceil(d / 16) + (d % 16),
        "scaled",
        9,
      );
      const buf = scorer.inputBuffer(n);
      buf.set(x.data);
      assert.deepEqual(
        scorer.scores({ data: buf, rows: n, cols: d }),
        scorer.scores(x),
        "in place",
      );
      scorer.close();
    }
  });
}

Deno.test("validation names the first NaN or infinity, for the dense and the sparse kernels", () => {
  const n = 900, d = 30, k = 3;
  const x = { data: new Float32Array(n * d).fill(0.5), rows: n, cols: d };
  x.data[700 * d + 11] = Infinity;
  x.data[800 * d + 2] = NaN;
  const dense = prepareDense({ weights: new Float32Array(k * d).fill(1), bias: [0, 0, 0] });
  assert.throws(
    () => dense.scores(x, { validate: true }),
    /x holds Infinity at row 700, column 11/,
  );
  assert.equal(dense.scores(x).length, n * k, "without validate the scores are computed");
  const sparse = prepareSparse({
    indptr: Int32Array.from([0, 1, 2, 3]),
    indices: Int32Array.from([0, 1, 2]),
    values: Float32Array.from([1, 2, 3]),
    bias: [0, 0, 0],
    nFeatures: d,
  });
  // Column 11 is never read by the sparse weights, yet the input is refused all the same.
  assert.throws(
    () => sparse.scores(x, { validate: true }),
    /x holds Infinity at row 700, column 11/,
  );
  for (const s of [dense, sparse]) s.close();
});

Deno.test("validation names the first NaN or infinity on every path: copied blocks, in place, threads", () => {
  // 6000 rows of 30 floats: the copy blocks (2184 rows a thread) and the in-place blocks (1664
  // rows on one thread, 1666 on several) start past row 0, so a row number must count from the
  // start of x, not of its block. The first bad value is past the first block in both cases.
  const n = 6000, d = 30, k = 3;
  const data = Float32Array.from({ length: n * d }, (_, i) => (i % 7) - 3);
  data[4321 * d + 11] = -Infinity;
  data[5000 * d + 2] = NaN;
  const dense = { weights: new Float32Array(k * d).fill(1), bias: [0, 0, 0] };
  const sparse = {
    indptr: Int32Array.from([0, 1, 2, 3]),
    indices: Int32Array.from([0, 1, 2]),
    values: Float32Array.from([1, 2, 3]),
    bias: [0, 0, 0],
    nFeatures: d,
  };
  const message = /x holds -Infinity at row 4321, column 11/;
  for (const threads of [1, 2]) {
    for (
      const [name, scorer] of [
        ["dense", prepareDense(dense, { threads })],
        ["sparse", prepareSparse(sparse, { threads })],
        ["dense ts", prepareDense(dense, { backend: "ts" })],
      ] as const
    ) {
      const label = `${name}, ${threads} threads`;
      assert.throws(() => scorer.scores({ data, rows: n, cols: d }, { validate: true }), message);
      const buf = scorer.inputBuffer(n);
      buf.set(data);
      assert.throws(
        () => scorer.scores({ data: buf, rows: n, cols: d }, { validate: true }),
        message,
        `${label}, in place`,
      );
      // Without the bad values every path scores: the dense model sums each row, the sparse
      // one takes x0 + 2 x1 + 3 x2 (small integers: exact in float32).
      buf.set(data.subarray(0, 4000 * d), 2000 * d);
      buf.set(data.subarray(0, 2000 * d));
      const z = scorer.scores({ data: buf, rows: n, cols: d }, { validate: true });
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < d; j++) sum += buf[i * d + j];
        for (let c = 0; c < k; c++) {
          const want = name === "sparse" ? (c + 1) * buf[i * d + c] : sum;
          assert.equal(z[i * k + c], want, `${label}: row ${i}, output ${c}`);
        }
      }
      scorer.close();
    }
  }
});

Deno.test("integer scorers refuse an input mapping whose dtype or zero point is not a code type's", () => {
  // Inputs -3, 2, 3 with multiplier 1 into int8 codes and unit weights: the wasm kernel added the
  // zero point 0.5 as the int32 0 (score 2), the TypeScript path as 0.5 (score 3); dtype int16
  // was quantized as uint8 (score 5).
  const form: IntegerForm = {
    weights: Int8Array.from([1, 1, 1]),
    bias: Int32Array.from([0]),
    rescale: Float64Array.from([1]),
  };
  const x = { data: Float32Array.from([-3, 2, 3]), rows: 1, cols: 3 };
  const mapping = (change: Partial<InputMapping>): InputMapping => ({
    multiplier: Float64Array.from([1, 1, 1]),
    offset: new Float64Array(3),
    zeroPoint: 0,
    dtype: "int8",
    ...change,
  });
  const cases: [Partial<InputMapping>, RegExp][] = [
    [{ zeroPoint: 0.5 }, /input\.zeroPoint must be an integer in \[-128, 127\], got 0\.5$/],
    [{ zeroPoint: NaN }, /input\.zeroPoint must be an integer in \[-128, 127\], got NaN$/],
    [{ zeroPoint: 128 }, /input\.zeroPoint must be an integer in \[-128, 127\], got 128$/],
    [{ dtype: "uint8", zeroPoint: -1 }, /input\.zeroPoint must be an integer in \[0, 255\]/],
    [{ dtype: "int16" as "int8" }, /input\.dtype must be uint8 or int8, got /],
  ];
  for (const backend of ["wasm", "ts"] as const) {
    for (const [change, message] of cases) {
      const input = mapping(change);
      const label = `${backend} ${JSON.stringify(change)}`;
      assert.throws(() => integerScoresFromFloat(form, x, { backend, input }), {
        name: "RangeError",
        message: new RegExp(`^Cannot prepare integer scorer: ${message.source}`),
      }, label);
      assert.throws(() => prepareInteger(form, { backend, input }), { name: "RangeError" }, label);
    }
    // Codes -3 + 2, 2 + 2, 3 + 2 by hand.
    const input = mapping({ zeroPoint: 2 });
    assert.deepEqual([...integerScoresFromFloat(form, x, { backend, input })], [-1 + 4 + 5]);
  }
});
