import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { applyPreprocessing, type Preprocessing } from "../../lib/data/preprocess.ts";
import assert from "node:assert/strict";
import {
  bindLoss,
  usesWasm,
  WASM_MIN_WORK,
  WASM_MIN_WORK_FLOAT64,
} from "../../lib/model/engine.ts";
import { fit } from "../../lib/model/fit.ts";
import { assertClose } from "../_helpers/assert_close.ts";

Deno.test("sampled moments are the two-pass mean, variance and covariance of the preprocessed sampled rows", () => {
  // The preconditioner's inputs had no test: a variance divided by scale instead of scale^2, a
  // covariance without its mean product, or a mean without the first-row shift added back all
  // passed (fit converges either way, only slower). Oracle: plain two-pass sums over the rows
  // sampled (every ceil(n / maxRows)-th), on the data preprocessed by applyPreprocessing.
  const n = 50, d = 3, prng = createPrng(9);
  const data = Float64Array.from({ length: n * d }, (_, i) => 10 * (i % d) + randomNormal(prng));
  const x = { data, rows: n, cols: d };
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const preprocessings: Preprocessing[] = [
    { kind: "none" },
    {
      kind: "standardize",
      mean: Float64Array.of(0.5, 9, 21),
      scale: Float64Array.of(2, 0.5, 4),
    },
  ];
  for (const preprocessing of preprocessings) {
    const xt = applyPreprocessing(preprocessing, x).data;
    for (const backend of ["ts", "wasm"] as const) {
      const loss = bindLoss(x, y, { preprocessing, link: "sigmoid", nOutputs: 1, backend });
      try {
        for (const maxRows of [n, 7]) {
          const step = Math.ceil(n / maxRows);
          const rows = [];
          for (let i = 0; i < n && rows.length < maxRows; i += step) rows.push(i);
          const mean = new Float64Array(d), cov = new Float64Array(d * d);
          for (const i of rows) for (let a = 0; a < d; a++) mean[a] += xt[i * d + a] / rows.length;
          for (const i of rows) {
            for (let a = 0; a < d; a++) {
              for (let b = 0; b < d; b++) {
                cov[a * d + b] += (xt[i * d + a] - mean[a]) * (xt[i * d + b] - mean[b]) /
                  rows.length;
              }
            }
          }
          const variance = Float64Array.from({ length: d }, (_, a) => cov[a * d + a]);
          const what = `${preprocessing.kind}, ${backend}, maxRows ${maxRows}`;
          // wasm keeps float32 copies of the features and float32 products: about 2^-24 of 400.
          const tol = { rtol: 1e-6, atol: 1e-4, message: what };
          const plain = loss.sampleMoments(maxRows, false);
          assertClose(plain.mean, mean, tol);
          assertClose(plain.variance, variance, tol);
          const full = loss.sampleMoments(maxRows, true);
          assertClose(full.mean, mean, tol);
          assertClose(full.variance, variance, tol);
          assertClose(full.covariance!, cov, tol);
        }
      } finally {
        loss.close();
      }
    }
  }
});

// usesWasm reads only the preprocessing's kind.
const NONE: Preprocessing = { kind: "none" };
const STANDARDIZED: Preprocessing = {
  kind: "standardize",
  mean: new Float64Array(0),
  scale: new Float64Array(0),
};

Deno.test("auto trains on wasm from 2^22 multiply-adds per pass of float32 data, counting every output", () => {
  assert.equal(WASM_MIN_WORK, 2 ** 22);
  // Only the shape and the storage type matter: the data are not read.
  const matrix = (rows: number, cols: number, f32: boolean) => ({
    rows,
    cols,
    data: f32 ? new Float32Array(0) : new Float64Array(0),
  });
  // 2^20 x 2 features: 2^21 per output, so two outputs reach the threshold and one does not.
  assert.equal(usesWasm(matrix(2 ** 20, 2, true), "auto", 2, STANDARDIZED), true);
  assert.equal(
    usesWasm(matrix(2 ** 20, 2, true), undefined, 2, STANDARDIZED),
    true,
    "auto by default",
  );
  assert.equal(usesWasm(matrix(2 ** 20, 2, true), "auto", 1, STANDARDIZED), false);
  // One multiply-add short: 3 x 1,398,101 = 2^22 - 1.
  assert.equal(3 * 1_398_101, 2 ** 22 - 1);
  assert.equal(usesWasm(matrix(1_398_101, 3, true), "auto", 1, STANDARDIZED), false);
  assert.equal(usesWasm(matrix(1_398_101, 3, true), "auto", 2, STANDARDIZED), true);
  // float64 data stay on the TypeScript kernel up to 2^26: 2^20 x 2 features x 31 outputs
  // does not reach it, 32 outputs do; an explicit choice is kept.
  assert.equal(WASM_MIN_WORK_FLOAT64, 2 ** 26);
  assert.equal(usesWasm(matrix(2 ** 20, 2, false), "auto", 2, STANDARDIZED), false);
  assert.equal(usesWasm(matrix(2 ** 20, 2, false), "auto", 31, STANDARDIZED), false);
  assert.equal(usesWasm(matrix(2 ** 20, 2, false), "auto", 32, STANDARDIZED), true);
  assert.equal(
    usesWasm(matrix(2 ** 20, 2, false), undefined, 32, STANDARDIZED),
    true,
    "auto by default",
  );
  assert.equal(usesWasm(matrix(1, 1, false), "wasm", 1, STANDARDIZED), true);
  // Unstandardised float64 data keep float64 under auto, however large; "wasm" still takes them.
  assert.equal(usesWasm(matrix(2 ** 20, 2, false), "auto", 32, NONE), false);
  assert.equal(usesWasm(matrix(2 ** 30, 2, false), "auto", 10, NONE), false);
  assert.equal(usesWasm(matrix(1, 1, false), "wasm", 1, NONE), true);
  // Float32 data are float32 already: preprocessing does not matter to them.
  assert.equal(usesWasm(matrix(2 ** 20, 2, true), "auto", 2, NONE), true);
  assert.equal(usesWasm(matrix(2 ** 30, 2, false), "ts", 10, STANDARDIZED), false);
  assert.equal(usesWasm(matrix(2 ** 30, 2, true), "ts", 10, STANDARDIZED), false);
});

Deno.test("fit trains wide float64 data on wasm under auto, to the float64 reference's objective", () => {
  // Bag-of-words-like float64 data of 2048 x 1024 x 32 classes = 2^26 per pass: the float64
  // kernel took 0.36 s a pass at 4,500 x 2,000 x 20 where wasm took 0.025 s. Oracles: the model
  // of an explicit backend "wasm" (bit for bit: the same engine) and the objective of backend
  // "ts" (float32 copies move it in the low digits only).
  const n = 2048, d = 1024, k = 32, prng = createPrng(4);
  const y = Int32Array.from({ length: n }, (_, i) => i % k);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 40; t++) data[i * d + Math.floor(prng() * d)]++;
    // Each class uses a few words of its own more often.
    for (let t = 0; t < 8; t++) data[i * d + ((y[i] * 29 + Math.floor(prng() * 6)) % d)]++;
  }
  const x = { data, rows: n, cols: d };
  assert.equal(n * d * k, WASM_MIN_WORK_FLOAT64);
  const options = { optimizer: { kind: "lbfgs" as const, maxIterations: 3 } };
  const auto = fit(x, y, options);
  const wasm = fit(x, y, { ...options, backend: "wasm" });
  const ts = fit(x, y, { ...options, backend: "ts" });
  // Counted, not deepEqual'd: a diff of 32,768 floats took minutes to print.
  const differing = (a: Float64Array, b: Float64Array) => a.filter((v, i) => v !== b[i]).length;
  assert.equal(differing(auto.model.weights.data, wasm.model.weights.data), 0);
  assert.equal(differing(auto.model.bias, wasm.model.bias), 0);
  assert.equal(auto.history.length, 3);
  const objective = (r: typeof auto) => r.history.at(-1)!.objective;
  assertClose(objective(auto), objective(ts), { rtol: 1e-6 });
  assert.ok(objective(auto) < 0.5 * Math.log(k), "it learned: below half the uniform loss");
});

Deno.test("the variance of a constant feature is never negative, on either backend", () => {
  // From the Gram matrix, mean(x^2) - mean(x)^2 of a constant column rounds to a tiny number of
  // either sign (-2.2e-16 for seven rows of 0.7 in float64; float32 products miss by more): a
  // variance is clamped at 0. Oracle: the population variance of a constant is 0.
  for (const c of [0.1, 0.3, 0.7, 1.1, 3.3]) {
    for (const n of [3, 5, 7, 10, 50]) {
      const x = {
        data: Float64Array.from({ length: 2 * n }, (_, i) => i % 2 ? c : i),
        rows: n,
        cols: 2,
      };
      for (const backend of ["ts", "wasm"] as const) {
        const loss = bindLoss(x, new Int32Array(n), {
          preprocessing: { kind: "none" },
          link: "sigmoid",
          nOutputs: 1,
          backend,
        });
        try {
          for (const covariance of [false, true]) {
            const v = loss.sampleMoments(n, covariance).variance[1];
            // float32 copies of c and products: about 2^-23 of c^2 per row.
            assert.ok(v >= 0 && v <= 1e-6 * c * c * n, `${c} x ${n}, ${backend}: ${v}`);
          }
        } finally {
          loss.close();
        }
      }
    }
  }
});

Deno.test("a bound loss reports the threads its engine runs", () => {
  // The wasm engine splits a call over threads from two shards of 4096 rows; the TypeScript
  // kernel runs on one.
  for (
    const [rows, backend, threads] of [[8192, "wasm", 2], [100, "wasm", 1], [
      8192,
      "ts",
      1,
    ]] as const
  ) {
    const x = { data: new Float32Array(rows).fill(1), rows, cols: 1 };
    const loss = bindLoss(x, new Int32Array(rows), {
      preprocessing: { kind: "none" },
      link: "sigmoid",
      nOutputs: 1,
      backend,
      threads: 2,
    });
    try {
      assert.equal(loss.threads, threads, `${rows} rows, ${backend}`);
      assert.equal(loss.backend, backend);
    } finally {
      loss.close();
    }
  }
});

Deno.test("auto keeps wide float64 data trained unstandardised on the float64 reference, which fits features of 1e30", () => {
  // Counts times 1e30, 2048 x 1024 x 32 classes = 2^26 per pass, preprocessing "none": wasm's
  // float32 passes left the loss at log(32) after 3 iterations (and refuse values beyond 3.4e38);
  // backend "ts" fits the data. Oracle: the model of an explicit backend "ts", bit for bit.
  const n = 2048, d = 1024, k = 32, prng = createPrng(4);
  const y = Int32Array.from({ length: n }, (_, i) => i % k);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 40; t++) data[i * d + Math.floor(prng() * d)] += 1e30;
    for (let t = 0; t < 8; t++) data[i * d + ((y[i] * 29 + Math.floor(prng() * 6)) % d)] += 1e30;
  }
  const x = { data, rows: n, cols: d };
  const options = {
    preprocessing: "none" as const,
    optimizer: { kind: "lbfgs" as const, maxIterations: 3 },
  };
  const auto = fit(x, y, options);
  const ts = fit(x, y, { ...options, backend: "ts" });
  const differing = (a: Float64Array, b: Float64Array) => a.filter((v, i) => v !== b[i]).length;
  assert.equal(differing(auto.model.weights.data, ts.model.weights.data), 0);
  assert.equal(differing(auto.model.bias, ts.model.bias), 0);
  assert.ok(auto.history.at(-1)!.objective < 0.5 * Math.log(k), "it learned");
});
