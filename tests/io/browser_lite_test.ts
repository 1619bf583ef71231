// lib/browser_lite.ts (the entry of `deno task build:browser-lite`) predicts what the library
// predicts with `backend: "ts"`, whatever the inputs, and refuses `backend: "wasm"`.
import assert from "node:assert/strict";
import * as lite from "../../lib/browser_lite.ts";
import * as full from "../../lib/browser.ts";
import { takeRows, toFloat32 } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { magnitudeScores } from "../../lib/prune/scores.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";

Deno.test("the lite entry exports the names of the full browser entry", () => {
  assert.deepEqual(Object.keys(lite).sort(), Object.keys(full).sort());
});

Deno.test("the lite entry scores a small model as worked out by hand", () => {
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.from([0.5, -0.25, 2]), rows: 1, cols: 3 },
    bias: Float64Array.from([0.1]),
    classes: ["a", "b"],
    featureNames: ["x", "y", "z"],
    preprocessing: { kind: "none" },
  };
  const x = lite.matrix(Float64Array.from([1, 2, 3, -4, 5, -6]), 2, 3);
  // 0.5 - 0.5 + 6 + 0.1 and -2 - 1.25 - 12 + 0.1.
  assert.deepEqual([...lite.decisionFunction(model, x).data], [6.1, -15.15]);
  assert.deepEqual(lite.predictLabels(model, x), ["b", "a"]);
  const p = lite.predictProba(model, x).data;
  assert.ok(Math.abs(p[1] - 1 / (1 + Math.exp(-6.1))) < 1e-15);
  assert.ok(Math.abs(p[2] - 1 / (1 + Math.exp(-15.15))) < 1e-15);
});

Deno.test("the lite entry gives backend ts's results where auto runs the kernels", async () => {
  const digits = await loadEmbedded("digits");
  // float32 rows of enough work (500 x 64 x 10) that "auto" picks the kernels in the library.
  const x = toFloat32(takeRows(digits.x, Int32Array.from({ length: 500 }, (_, i) => i * 3)));
  const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } });
  const pruned = pruneModel(model, { fraction: 0.8, scores: magnitudeScores(model) });
  const raw = fit(digits.x, digits.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  }).model;
  const floats: [string, LogisticModel][] = [["dense", model], ["pruned", pruned]];
  let differs = false;
  for (const [name, m] of floats) {
    const ts = full.decisionFunction(m, x, { backend: "ts" }).data;
    differs ||= full.decisionFunction(m, x).data.some((v, i) => v !== ts[i]);
    for (const backend of [undefined, "auto", "ts"] as const) {
      const options = { backend, threads: 2 };
      assert.deepEqual(lite.decisionFunction(m, x, options).data, ts, name);
      assert.deepEqual(
        lite.predictProba(m, x, options).data,
        full.predictProba(m, x, { backend: "ts" }).data,
      );
      assert.deepEqual(lite.predict(m, x, options), full.predict(m, x, { backend: "ts" }));
    }
    const columns = Array.from({ length: 64 }, (_, j) => 63 - j);
    const flipped = lite.matrix(
      Float32Array.from(
        { length: x.rows * 64 },
        (_, i) => x.data[i - (i % 64) + 63 - (i % 64)],
      ),
      x.rows,
      64,
    );
    assert.deepEqual(lite.decisionFunction(m, flipped, { columns }).data, ts, `${name}, columns`);
  }
  const quantized = [
    [
      "k-means 4-bit (lookup kernel)",
      quantizeModel(model, { method: { kind: "kmeans", bits: 4 } }),
    ],
    [
      "uniform 8-bit (dense kernel)",
      quantizeModel(pruned, { method: { kind: "uniform", bits: 8 } }),
    ],
    [
      "calibrated 8-bit (integer kernel)",
      calibrateInput(quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }), digits.x),
    ],
  ] as const;
  for (const [name, q] of quantized) {
    const ts = full.quantizedDecisionFunction(q, x, { backend: "ts" }).data;
    differs ||= full.quantizedDecisionFunction(q, x).data.some((v, i) => v !== ts[i]);
    assert.deepEqual(lite.quantizedDecisionFunction(q, x).data, ts, name);
    assert.deepEqual(
      lite.quantizedPredictProba(q, x, { backend: "ts" }).data,
      full.quantizedPredictProba(q, x, { backend: "ts" }).data,
    );
    assert.deepEqual(lite.quantizedPredict(q, x), full.quantizedPredict(q, x, { backend: "ts" }));
  }
  // Otherwise the comparisons above could not tell the reference from the kernels.
  assert.ok(differs, "the kernels gave the reference's scores bit for bit on every model");
});

/** A three-class model of two features, its 4-bit quantization, and inputs for the refusals. */
const model: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "softmax",
  weights: { data: Float64Array.from([1, 0, 0, 1, -1, -1]), rows: 3, cols: 2 },
  bias: new Float64Array(3),
  classes: ["a", "b", "c"],
  featureNames: ["u", "v"],
  preprocessing: { kind: "none" },
};
const q = quantizeModel(model, { method: { kind: "uniform", bits: 4 } });
const x = lite.fromRows([[1, 2]]);
const wide = lite.fromRows([[1, 2, 3]]);

/** What a call throws, as "Name: message", or "no error". */
function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return "no error";
}

Deno.test("the lite entry refuses backend wasm, and refuses what the library refuses", () => {
  const wasm = { backend: "wasm" } as const;
  const refused = (what: string) => (e: unknown) =>
    e instanceof RangeError &&
    e.message.startsWith(`Cannot ${what}: backend wasm needs the wasm kernels`);
  for (const f of [lite.decisionFunction, lite.predictProba, lite.predict, lite.predictLabels]) {
    assert.throws(() => f(model, x, wasm), refused("compute scores"));
  }
  for (
    const f of [lite.quantizedDecisionFunction, lite.quantizedPredictProba, lite.quantizedPredict]
  ) {
    assert.throws(() => f(q, x, wasm), refused("compute quantized scores"));
  }
  // The same refusals, word for word, as the library's.
  const gpu = { backend: "gpu" } as unknown as { backend: "ts" };
  const cases: [() => unknown, () => unknown][] = [
    [() => lite.decisionFunction(model, wide), () => full.decisionFunction(model, wide)],
    [() => lite.decisionFunction(model, x, gpu), () => full.decisionFunction(model, x, gpu)],
    [
      () => lite.decisionFunction(model, x, { threads: 0 }),
      () => full.decisionFunction(model, x, { threads: 0 }),
    ],
    [
      () => lite.quantizedDecisionFunction(q, wide),
      () => full.quantizedDecisionFunction(q, wide),
    ],
    [
      () => lite.quantizedDecisionFunction(q, x, gpu),
      () => full.quantizedDecisionFunction(q, x, gpu),
    ],
  ];
  for (const [ours, theirs] of cases) {
    const expected = message(theirs);
    assert.match(expected, /^[A-Za-z]*Error: Cannot /);
    assert.equal(message(ours), expected);
  }
});

Deno.test("the lite entry refuses a bad call with backend wasm as the full entry does", () => {
  const malformed = { ...model, bias: new Float64Array(2) };
  const malformedQ = { ...q, bias: new Float64Array(2) } as unknown as typeof q;
  const nan = lite.fromRows([[1, NaN]]);
  const huge = lite.fromRows([[1e308, 1e308]]);
  const inf = lite.fromRows([[1, Infinity]]);
  // A calibrated 8-bit model: the full entry scores it on the integer kernel.
  const integerOnly = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 8 } }),
    lite.fromRows([[0, 1], [2, 3]]),
  );
  const wasm = { backend: "wasm" } as const;
  const typo = { backend: "wasm", thread: 2 } as unknown as typeof wasm;
  const calls: [string, (e: typeof lite | typeof full) => unknown][] = [
    ["malformed model", (e) => e.decisionFunction(malformed, x, wasm)],
    ["misspelled key", (e) => e.predictProba(model, x, typo)],
    ["threads 0", (e) => e.predict(model, x, { backend: "wasm", threads: 0 })],
    ["x too wide", (e) => e.predictLabels(model, wide, wasm)],
    ["bad columns", (e) => e.decisionFunction(model, wide, { backend: "wasm", columns: [0, 3] })],
    ["NaN in x", (e) => e.decisionFunction(model, nan, wasm)],
    ["overflowing score", (e) => e.decisionFunction(model, huge, wasm)],
    ["malformed quantized model", (e) => e.quantizedDecisionFunction(malformedQ, x, wasm)],
    ["quantized, misspelled key", (e) => e.quantizedPredictProba(q, x, typo)],
    ["quantized, x too wide", (e) => e.quantizedPredict(q, wide, wasm)],
    ["quantized, NaN in x", (e) => e.quantizedDecisionFunction(q, nan, wasm)],
    ["integer-only, NaN in x", (e) => e.quantizedDecisionFunction(integerOnly, nan, wasm)],
    ["integer-only, Infinity in x", (e) => e.quantizedPredict(integerOnly, inf, wasm)],
  ];
  for (const [name, call] of calls) {
    const expected = message(() => call(full));
    assert.match(expected, /^[A-Za-z]*Error: Cannot /, name);
    assert.doesNotMatch(expected, /backend wasm needs/, name);
    assert.equal(message(() => call(lite)), expected, name);
  }
});
