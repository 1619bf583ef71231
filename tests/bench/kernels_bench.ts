/**
 * `deno bench tests/bench/kernels_bench.ts`: the inference kernels on 2,000 x 784 inputs already
 * in kernel memory (synthetic weights, 10 outputs), one thread (group `infer`); one-shot
 * `decisionFunction` on the kernels and on the float64 reference around the size from which
 * `"auto"` takes the kernels (group `predict`, 64 features, 10 outputs, 8 to 256 rows); one-shot
 * calls on one row of 784 features, 10 outputs, float, 8-bit integer-only and 4-bit k-means
 * (group `one row`: the latency a page or service scoring one request pays per call); and the
 * training loss on 8,192 x 784 rows (group `train`).
 *
 * @module
 */

import {
  prepareDense,
  prepareFeatureSubset,
  prepareInt8,
  prepareInteger,
  preparePacked4,
  preparePacked4Float,
  prepareSparse,
} from "../../lib/kernels/scorers.ts";
import { decisionFunction, predictLabels } from "../../lib/model/predict.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { quantizedPredict } from "../../lib/quant/predictor.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { createLossEngine } from "../../lib/kernels/loss_engine.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";

const n = 2000, d = 784, k = 10;
const x = Float32Array.from({ length: n * d }, (_, i) => ((i * 2654435761) % 997) / 997);
const xq = Uint8Array.from(x, (v) => Math.round(v * 255));
const w = Float32Array.from({ length: k * d }, (_, i) => Math.sin(i));
const bias = new Float32Array(k);

const dense = prepareDense({ weights: w, bias });
const db = dense.inputBuffer(n);
db.set(x);
const indptr = new Int32Array(k + 1), idx: number[] = [], vals: number[] = [];
for (let c = 0; c < k; c++) {
  for (let j = 0; j < d; j++) {
    if ((j * 7 + c * 3) % 10 === 0) {
      idx.push(j);
      vals.push(w[c * d + j]);
    }
  }
  indptr[c + 1] = idx.length;
}
const sparse = prepareSparse({
  indptr,
  indices: Int32Array.from(idx),
  values: Float32Array.from(vals),
  bias,
  nFeatures: d,
});
const sb = sparse.inputBuffer(n);
sb.set(x);
const features = Int32Array.from({ length: 79 }, (_, t) => t * 10);
const subset = prepareFeatureSubset({
  features,
  weights: new Float32Array(k * 79).fill(0.1),
  bias,
  nFeatures: d,
});
const fb = subset.inputBuffer(n);
fb.set(x);
const codes = Int8Array.from(w, (v) => Math.round(v * 63));
const int8 = prepareInt8({ codes, scale: new Float32Array(k).fill(1 / 63), bias });
const int8Exact = prepareInt8({ codes, scale: new Float32Array(k).fill(1 / 63), bias }, {
  relaxed: false,
});
const ib = int8.inputBuffer(n);
ib.set(xq);
const eb = int8Exact.inputBuffer(n);
eb.set(xq);
const packed4 = preparePacked4({
  packed: Uint8Array.from({ length: k * d / 2 }, (_, i) => (i * 37) & 255),
  codebook: Float32Array.from({ length: 16 }, (_, i) => (i - 8) / 8),
  bias,
  nFeatures: d,
});
const pb = packed4.inputBuffer(n);
pb.set(xq);
const out = new Float32Array(n * k);
const q = (data: Uint8Array) => ({ data, rows: n, cols: d, scale: 1 / 255, zeroPoint: 0 });

Deno.bench("dense float32", { group: "infer", baseline: true }, () => {
  dense.scores({ data: db, rows: n, cols: d }, { out });
});
Deno.bench("sparse 90 % (CSR)", { group: "infer" }, () => {
  sparse.scores({ data: sb, rows: n, cols: d }, { out });
});
Deno.bench("feature subset (10 % of features)", { group: "infer" }, () => {
  subset.scores({ data: fb, rows: n, cols: d }, { out });
});
Deno.bench(`int8 (${int8.path})`, { group: "infer" }, () => {
  int8.scores(q(ib), { out });
});
Deno.bench("int8 (exact int16 widening)", { group: "infer" }, () => {
  int8Exact.scores(q(eb), { out });
});
Deno.bench("packed 4-bit + codebook", { group: "infer" }, () => {
  packed4.scores(q(pb), { out });
});
const integer = prepareInteger({
  weights: codes,
  bias: new Int32Array(k),
  rescale: new Float64Array(k).fill(1 / 63 / 255),
});
const gb8 = integer.inputBuffer(n);
gb8.set(xq);
const out64 = new Float64Array(n * k);
Deno.bench(`integer-only, float64 scores (${integer.path})`, { group: "infer" }, () => {
  integer.scores({ data: gb8, rows: n, cols: d }, { out: out64 });
});
const lookup = preparePacked4Float({
  packed: Uint8Array.from({ length: k * d / 2 }, (_, i) => (i * 37) & 255),
  codebook: Float32Array.from({ length: 16 }, (_, i) => (i - 8) / 8),
  bias,
  nFeatures: d,
});
const lb = lookup.inputBuffer(n);
lb.set(x);
Deno.bench("packed 4-bit + codebook, float inputs", { group: "infer" }, () => {
  lookup.scores({ data: lb, rows: n, cols: d }, { out });
});

const small: LogisticModel = {
  kind: "logistic-regression",
  version: 1,
  link: "softmax",
  weights: { data: Float64Array.from({ length: 640 }, (_, i) => Math.sin(i)), rows: 10, cols: 64 },
  bias: new Float64Array(10),
  classes: Array.from({ length: 10 }, (_, c) => String(c)),
  featureNames: Array.from({ length: 64 }, (_, j) => `x${j}`),
  preprocessing: { kind: "none" },
};
for (const rows of [8, 32, 64, 256]) {
  const xs = { data: x.subarray(0, rows * 64), rows, cols: 64 };
  for (const backend of ["ts", "wasm"] as const) {
    Deno.bench(`decisionFunction ${rows} x 64 x 10 (${rows * 640} multiply-adds), ${backend}`, {
      group: `predict ${rows}`,
      baseline: backend === "ts",
    }, () => {
      decisionFunction(small, xs, { backend });
    });
  }
}

const wide: LogisticModel = {
  ...small,
  weights: { data: Float64Array.from(w, (v) => v / 16), rows: k, cols: d },
  featureNames: Array.from({ length: d }, (_, j) => `x${j}`),
};
const oneRow = { data: x.subarray(0, d), rows: 1, cols: d };
const int8Model = calibrateInput(quantizeModel(wide), {
  data: x.subarray(0, 200 * d),
  rows: 200,
  cols: d,
});
const kmeansModel = quantizeModel(wide, { method: { kind: "kmeans", bits: 4 } });
Deno.bench("predictLabels, float64 weights", { group: "one row", baseline: true }, () => {
  predictLabels(wide, oneRow);
});
Deno.bench("quantizedPredict, 8-bit integer-only", { group: "one row" }, () => {
  quantizedPredict(int8Model, oneRow);
});
Deno.bench("quantizedPredict, 4-bit k-means", { group: "one row" }, () => {
  quantizedPredict(kmeansModel, oneRow);
});

const m = 8192;
const xt = { data: new Float32Array(m * d), rows: m, cols: d };
for (let i = 0; i < m * d; i++) xt.data[i] = x[i % (n * d)];
const y = Int32Array.from({ length: m }, (_, i) => i % k);
const wf = Float64Array.from({ length: k * d }, (_, i) => Math.sin(i) * 0.01);
const bf = new Float64Array(k), gw = new Float64Array(k * d), gb = new Float64Array(k);
const engine1 = createLossEngine(xt, y, "softmax", k, { threads: 1 });
const engine2 = createLossEngine(xt, y, "softmax", k, { threads: 2, shardRows: 2048 });
Deno.bench("loss + gradient, TypeScript reference", { group: "train" }, () => {
  accumulateLoss(xt, y, null, 0, m, wf, bf, "softmax", gw, gb, new Float64Array(k));
});
Deno.bench("loss + gradient, wasm, 1 thread", { group: "train", baseline: true }, () => {
  engine1.accumulate(null, 0, m, wf, bf, gw, gb);
});
Deno.bench("loss only (scores and link), wasm, 1 thread", { group: "train" }, () => {
  engine1.accumulate(null, 0, m, wf, bf, null, null);
});
Deno.bench("loss + gradient, wasm, 2 threads", { group: "train" }, () => {
  engine2.accumulate(null, 0, m, wf, bf, gw, gb);
});
globalThis.addEventListener("unload", () => {
  engine1.close();
  engine2.close();
});
