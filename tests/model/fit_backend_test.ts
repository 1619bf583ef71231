import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { type Matrix, toFloat32 } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { fit, type Optimizer } from "../../lib/model/fit.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";
import { predict } from "../../lib/model/predict.ts";
import type { Penalty } from "../../lib/model/types.ts";

function objective(x: Matrix, y: Int32Array, w: Float64Array, b: Float64Array, l2: number) {
  const r = accumulateLoss(
    x,
    y,
    null,
    0,
    x.rows,
    w,
    b,
    "softmax",
    null,
    null,
    new Float64Array(b.length),
  );
  let s = 0;
  for (const v of w) s += v * v;
  return r.loss / x.rows + 0.5 * l2 * s;
}

function synthetic(seed: number, n: number, d: number, k: number) {
  const prng = createPrng(seed);
  const centers = Array.from(
    { length: k },
    () => Array.from({ length: d }, () => randomNormal(prng)),
  );
  const y = Int32Array.from({ length: n }, () => Math.floor(prng() * k));
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = centers[y[i]][j] + 2 * randomNormal(prng) + 3;
  }
  return { x: { data, rows: n, cols: d } as Matrix, y };
}

Deno.test("wasm and ts backends reach the same L-BFGS optimum on digits", async () => {
  const digits = await loadEmbedded("digits");
  const x = toFloat32(digits.x);
  const l2 = 1e-3;
  const opts = {
    penalty: { kind: "l2", lambda: l2 } as const,
    optimizer: { kind: "lbfgs", tolerance: 1e-5, maxIterations: 500 } as const,
  };
  const ts = fit(x, digits.y, { ...opts, backend: "ts" });
  const wasm = fit(x, digits.y, { ...opts, backend: "wasm" });
  // Both objectives evaluated by the float64 reference on the standardised data.
  const xt = { data: Float64Array.from(x.data), rows: x.rows, cols: x.cols };
  const prep = ts.model.preprocessing;
  assert.equal(prep.kind, "standardize");
  if (prep.kind === "standardize") {
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < x.cols; j++) {
        xt.data[i * x.cols + j] = (xt.data[i * x.cols + j] - prep.mean[j]) / prep.scale[j];
      }
    }
  }
  const fTs = objective(xt, digits.y, ts.model.weights.data, ts.model.bias, l2);
  const fWasm = objective(xt, digits.y, wasm.model.weights.data, wasm.model.bias, l2);
  // Strongly convex: a gradient of size g leaves the objective within g^2 / (2 l2) of optimal.
  assert.ok(Math.abs(fTs - fWasm) < 1e-6, `objectives ${fTs} vs ${fWasm}`);
  const a = predict(ts.model, x), b = predict(wasm.model, x);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  assert.ok(same >= a.length - 2, `${a.length - same} predictions differ`);
});

Deno.test("preconditioned and plain L-BFGS reach the same optimum", () => {
  const { x, y } = synthetic(2, 400, 12, 3);
  const base = {
    penalty: { kind: "l2", lambda: 1e-2 } as const,
    preprocessing: "none" as const,
    backend: "ts" as const,
  };
  const pre = fit(x, y, { ...base, optimizer: { kind: "lbfgs", tolerance: 1e-9 } });
  const plain = fit(x, y, {
    ...base,
    optimizer: { kind: "lbfgs", tolerance: 1e-9, precondition: false },
  });
  // Both stop on the function tolerance; the plain run is the slower and less precise one.
  assert.ok(pre.history.length < plain.history.length, "preconditioning saves iterations");
  assert.ok(pre.history.at(-1)!.objective <= plain.history.at(-1)!.objective + 1e-12);
  for (let i = 0; i < pre.model.weights.data.length; i++) {
    assert.ok(Math.abs(pre.model.weights.data[i] - plain.model.weights.data[i]) < 1e-5);
  }
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(pre.model.bias[c] - plain.model.bias[c]) < 1e-5);
});

Deno.test("the preconditioner is on by default without an L1 part and off with one", () => {
  const { x, y } = synthetic(2, 400, 12, 3);
  const run = (penalty: Penalty, precondition?: boolean) =>
    fit(x, y, {
      penalty,
      preprocessing: "none",
      backend: "ts",
      optimizer: { kind: "lbfgs", ...(precondition === undefined ? {} : { precondition }) },
    }).history.map((h) => h.objective);
  for (
    const [penalty, on] of [
      [{ kind: "l2", lambda: 1e-2 }, true],
      [{ kind: "l1", lambda: 1e-2 }, false],
      [{ kind: "elasticnet", lambda: 1e-2, l1Ratio: 0.5 }, false],
    ] as const
  ) {
    // The default run is the explicit one, iteration by iteration, and not the other.
    assert.deepEqual(run(penalty), run(penalty, on), penalty.kind);
    assert.notDeepEqual(run(penalty), run(penalty, !on), penalty.kind);
  }
});

Deno.test("wasm training gives the same model with 1 and 2 threads", () => {
  const { x, y } = synthetic(4, 10000, 24, 4);
  const run = (threads: number) =>
    fit(x, y, {
      backend: "wasm",
      threads,
      preprocessing: "none",
      penalty: { kind: "l2", lambda: 1e-3 },
      optimizer: { kind: "lbfgs", maxIterations: 15 },
    }).model;
  const one = run(1), two = run(2);
  assert.deepEqual(two.weights.data, one.weights.data);
  assert.deepEqual(two.bias, one.bias);
});

Deno.test("wasm training gives the same model with 1, 2, 3 and the default threads, every optimizer", () => {
  // The README's reproducibility claim: any `threads`, every optimizer, standardised data. The
  // test above covers L-BFGS on whole passes; mini-batches go through the engine's row index
  // (sgd, adam), and batches of 9,000 rows are three shards of 4,096, so the workers share them.
  const { x, y } = synthetic(8, 10000, 24, 4);
  const probe = createLossEngine(x, y, "softmax", 4, { threads: 2 });
  const started = probe.threads;
  probe.close();
  assert.equal(started, 2, "workers start here, so the threads are really used");
  const optimizers: Optimizer[] = [
    { kind: "lbfgs", maxIterations: 12 },
    { kind: "sgd", epochs: 2, batchSize: 9000, learningRate: 0.05 },
    { kind: "adam", epochs: 2, batchSize: 9000, learningRate: 0.01 },
  ];
  for (const optimizer of optimizers) {
    const run = (threads: number | undefined) =>
      fit(x, y, {
        backend: "wasm",
        threads,
        optimizer,
        penalty: { kind: "elasticnet", lambda: 1e-3, l1Ratio: 0.5 },
      }).model;
    const one = run(1);
    for (const threads of [2, 3, undefined]) {
      const other = run(threads);
      assert.deepEqual(other.weights.data, one.weights.data, `${optimizer.kind}, ${threads}`);
      assert.deepEqual(other.bias, one.bias, `${optimizer.kind}, ${threads}`);
    }
  }
});

Deno.test("wasm mini-batch training keeps masked weights at zero and runs the hooks", () => {
  const { x, y } = synthetic(6, 600, 10, 3);
  const mask = new Uint8Array(30).map((_, i) => (i % 3 === 0 ? 0 : 1));
  let epochs = 0, transformed = 0;
  const { model } = fit(x, y, {
    backend: "wasm",
    optimizer: { kind: "sgd", epochs: 3, batchSize: 32 },
    mask,
    weightTransform: {
      forward(latent, out) {
        transformed++;
        for (let i = 0; i < latent.length; i++) out[i] = Math.round(latent[i] * 16) / 16;
      },
      backward() {},
    },
    onEpochEnd: (s) => {
      epochs++;
      if (s.epoch === 2) s.mask![1] = 0; // gradual pruning
    },
    validation: { x, y },
    earlyStopping: { patience: 5 },
  });
  assert.equal(epochs, 3);
  assert.ok(transformed >= 3 * Math.ceil(600 / 32));
  for (let i = 0; i < 30; i++) {
    if (i % 3 === 0 || i === 1) assert.equal(model.weights.data[i], 0, `weight ${i}`);
  }
  let right = 0;
  const p = predict(model, x);
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) right++;
  assert.ok(right / p.length > 0.8, `training accuracy ${right / p.length}`);
});

Deno.test("fit rejects an unknown backend and a bad thread count", () => {
  const { x, y } = synthetic(1, 20, 3, 2);
  assert.throws(() => fit(x, y, { backend: "gpu" as "ts" }), /backend must be auto, wasm or ts/);
  assert.throws(() => fit(x, y, { threads: 0 }), /threads must be an integer/);
});

Deno.test("fit refuses features that do not fit the precision training stores them in", () => {
  // The wasm engine trains on float32 copies: 1e39 (float32's largest value is about 3.4e38)
  // would be Infinity there and every loss NaN.
  const huge = { data: Float64Array.of(1e39, -1e39, 2e39, -2e39), rows: 4, cols: 1 };
  const small = { data: Float64Array.of(1, -1, 2, -2), rows: 4, cols: 1 };
  const y = Int32Array.of(1, 0, 1, 0);
  const raw =
    /^RangeError: Cannot fit model: x holds 1e\+39 at row 0, column 0, beyond the float32 range training stores it in \(the wasm backend trains on float32 copies; backend "ts" keeps float64 data\)$/;
  for (const optimizer of [{ kind: "lbfgs" }, { kind: "sgd" }, { kind: "adam" }] as const) {
    assert.throws(() => fit(huge, y, { backend: "wasm", preprocessing: "none", optimizer }), raw);
  }
  // Validation data too: their NaN losses made early stopping stop after `patience` epochs.
  assert.throws(
    () =>
      fit(small, y, {
        backend: "wasm",
        preprocessing: "none",
        optimizer: { kind: "sgd" },
        validation: {
          x: { data: Float64Array.of(1, -3e39), rows: 2, cols: 1 },
          y: y.subarray(0, 2),
        },
        earlyStopping: { patience: 2 },
      }),
    /^RangeError: Cannot fit model: validation\.x holds -3e\+39 at row 1, column 0, beyond the float32 range/,
  );
  // Float64 storage keeps them; standardisation fitted on x brings them within float32's range.
  const ts = fit(huge, y, { backend: "ts", preprocessing: "none" });
  assert.deepEqual([...predict(ts.model, huge)], [...y]);
  const standardized = fit(huge, y, { backend: "wasm" });
  assert.deepEqual([...predict(standardized.model, huge)], [...y]);
  // A given preprocessing whose scale is tiny for the data: 1e30 / 1e-10 = 1e40 on float32 data.
  const f32 = {
    data: Float32Array.of(2 ** 100, -(2 ** 100), 2 ** 101, -(2 ** 101)),
    rows: 4,
    cols: 1,
  };
  const tiny = {
    kind: "standardize",
    mean: Float64Array.of(0),
    scale: Float64Array.of(2 ** -30),
  } as const;
  assert.throws(
    () => fit(f32, y, { backend: "ts", preprocessing: tiny }),
    /^RangeError: Cannot fit model: x holds 1\.2676506002282294e\+30 at row 0, column 0, 1\.361129467683754e\+39 once preprocessed, beyond the float32 range training stores it in$/,
  );
  // The same preprocessing on float64 data trains in float64.
  const f64 = { data: Float64Array.from(f32.data), rows: 4, cols: 1 };
  assert.deepEqual([...predict(fit(f64, y, { backend: "ts", preprocessing: tiny }).model, f64)], [
    ...y,
  ]);
});
