/**
 * The Fashion-MNIST models the benchmarks score, trained once and cached under
 * `tests/artifacts/bench/` (ignored by git), and the compressed forms built from them.
 *
 * - dense: the shared reference model of the benchmarks (`_reference.ts`: L-BFGS, lambda =
 *   1/6000, i.e. scikit-learn C = 0.1, pixels / 255, to tolerance 1e-5).
 * - sparse 90 %: the dense weights pruned by magnitude to 10 % (globally), then 40 masked
 *   L-BFGS iterations from there (cached under a name that includes the dense model's key).
 * - int8: per-row symmetric codes in [-63, 63] of the dense weights (that range keeps
 *   onnxruntime's uint8 x int8 path exact on CPUs without VNNI).
 * - packed 4-bit: per-row 16-level uniform codebook between the row's min and max weight.
 *
 * @module
 */

import { fit } from "../../lib/model/fit.ts";
import { referenceModel } from "./_reference.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import type { Int8Form, Packed4Form, SparseForm } from "../../lib/kernels/forms.ts";

const DIR = new URL("../artifacts/bench/", import.meta.url);

async function cached(name: string, make: () => LogisticModel): Promise<LogisticModel> {
  const url = new URL(`${name}.json`, DIR);
  try {
    return modelFromJson(await Deno.readTextFile(url));
  } catch {
    console.error(`training the ${name} model once (cached in tests/artifacts/bench/) ...`);
    const m = make();
    await Deno.mkdir(DIR, { recursive: true });
    await Deno.writeTextFile(url, modelToJson(m));
    return m;
  }
}

/** The dense and 90 %-sparse models. */
export async function benchModels(
  train: Dataset,
): Promise<{ dense: LogisticModel; sparse: LogisticModel }> {
  const base = {
    penalty: { kind: "l2", lambda: 1 / 6000 } as const,
    preprocessing: "none" as const,
    classes: train.classes,
  };
  const reference = await referenceModel(train);
  const dense = reference.model;
  const key = reference.path.replace(/^.*\//, "").replace(/\.json$/, "");
  const sparse = await cached(`fashion_sparse90_from_${key}`, () => {
    const w = dense.weights.data;
    const order = Array.from(w.keys()).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]));
    const mask = new Uint8Array(w.length);
    for (let t = 0; t < Math.round(w.length * 0.1); t++) mask[order[t]] = 1;
    return fit(train.x, train.y, {
      ...base,
      initial: dense,
      mask,
      optimizer: { kind: "lbfgs", maxIterations: 40, tolerance: 1e-4 },
    }).model;
  });
  return { dense, sparse };
}

/** CSR rows of a (masked) model: only non-zero weights. */
export function toCsr(m: LogisticModel): SparseForm {
  const { rows: k, cols: d, data } = m.weights;
  const indptr = new Int32Array(k + 1), indices: number[] = [], values: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      if (data[c * d + j] !== 0) {
        indices.push(j);
        values.push(data[c * d + j]);
      }
    }
    indptr[c + 1] = indices.length;
  }
  return {
    indptr,
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
    bias: Float32Array.from(m.bias),
    nFeatures: d,
  };
}

/** Per-row symmetric int8 codes in [-limit, limit]. */
export function toInt8(m: LogisticModel, limit = 63): Int8Form {
  const { rows: k, cols: d, data } = m.weights;
  const codes = new Int8Array(k * d), scale = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    let max = 0;
    for (let j = 0; j < d; j++) max = Math.max(max, Math.abs(data[c * d + j]));
    scale[c] = max > 0 ? max / limit : 1;
    for (let j = 0; j < d; j++) codes[c * d + j] = Math.round(data[c * d + j] / scale[c]);
  }
  return { codes, scale, bias: Float32Array.from(m.bias) };
}

/** Per-row 16-level uniform codebooks, codes packed two per byte. */
export function toPacked4(m: LogisticModel): Packed4Form {
  const { rows: k, cols: d, data } = m.weights;
  const rb = Math.ceil(d / 2);
  const packed = new Uint8Array(k * rb), codebook = new Float32Array(16 * k);
  for (let c = 0; c < k; c++) {
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < d; j++) {
      lo = Math.min(lo, data[c * d + j]);
      hi = Math.max(hi, data[c * d + j]);
    }
    const step = hi > lo ? (hi - lo) / 15 : 1;
    for (let q = 0; q < 16; q++) codebook[16 * c + q] = lo + q * step;
    for (let j = 0; j < d; j++) {
      const code = Math.min(15, Math.max(0, Math.round((data[c * d + j] - lo) / step)));
      packed[c * rb + (j >> 1)] |= j & 1 ? code << 4 : code;
    }
  }
  return { packed, codebook, bias: Float32Array.from(m.bias), nFeatures: d };
}
