/**
 * Minimal quantizers for the model-file and ONNX tests, so that quantized tensors of every kind
 * can be made from real trained weights before the quantization module lands. Straightforward
 * min/max calibration and round-to-nearest; not the library's quantizers.
 *
 * @module
 */

import type { LogisticModel } from "../../lib/model/types.ts";
import { elementGroup } from "../../lib/io/quantized.ts";
import { groupCount } from "../../lib/quant/grid.ts";
import type {
  Granularity,
  InputQuantization,
  QuantizedBias,
  QuantizedModel,
  QuantizedTensor,
} from "../../lib/quant/types.ts";

function groupsOf(model: LogisticModel, granularity: Granularity) {
  const { rows, cols, data } = model.weights;
  const n = groupCount(granularity, rows, cols);
  const members: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < data.length; i++) members[elementGroup(granularity, i, cols)].push(i);
  return members;
}

function wrap(
  model: LogisticModel,
  weights: QuantizedTensor,
  bias?: QuantizedBias,
  input?: InputQuantization,
): QuantizedModel {
  return {
    kind: "quantized-logistic-regression",
    version: 1,
    link: model.link,
    classes: model.classes,
    featureNames: model.featureNames,
    preprocessing: model.preprocessing,
    weights,
    bias: bias ?? { kind: "float64", values: model.bias.slice() },
    ...(model.mask ? { mask: model.mask } : {}),
    ...(input ? { input } : {}),
  };
}

/** Uniform quantization (symmetric: scale = max|w| / qmax; affine: min/max with zero point). */
export function quantizeUniform(
  model: LogisticModel,
  bits: number,
  scheme: "symmetric" | "affine",
  granularity: Granularity,
  input?: InputQuantization,
): QuantizedModel {
  const { rows, cols, data } = model.weights;
  const groups = groupsOf(model, granularity);
  const scale = new Float32Array(groups.length);
  const zeroPoint = new Int32Array(groups.length);
  const small = bits <= 8;
  const codes = scheme === "symmetric"
    ? (small ? new Int8Array(data.length) : new Int16Array(data.length))
    : (small ? new Uint8Array(data.length) : new Uint16Array(data.length));
  groups.forEach((members, g) => {
    let lo = 0, hi = 0;
    for (const i of members) {
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    if (scheme === "symmetric") {
      const qmax = bits === 1 ? 1 : 2 ** (bits - 1) - 1;
      scale[g] = Math.max(Math.abs(lo), Math.abs(hi)) / qmax || 1;
      for (const i of members) {
        let q = Math.max(-qmax, Math.min(qmax, Math.round(data[i] / scale[g])));
        if (bits === 1) q = data[i] < 0 ? -1 : 1;
        codes[i] = q;
      }
    } else {
      const qmax = 2 ** bits - 1;
      scale[g] = (hi - lo) / qmax || 1;
      zeroPoint[g] = Math.max(0, Math.min(qmax, Math.round(-lo / scale[g])));
      for (const i of members) {
        codes[i] = Math.max(0, Math.min(qmax, Math.round(data[i] / scale[g]) + zeroPoint[g]));
      }
    }
  });
  let bias: QuantizedBias | undefined;
  if (input) {
    // int32 bias at the product scale input.scale * weight scale of each output
    const s = Float64Array.from(
      { length: rows },
      (_, c) =>
        Math.fround(input.scale) *
        (granularity === "class" ? scale[c] : granularity === "tensor" ? scale[0] : 1),
    );
    bias = {
      kind: "int32",
      values: Int32Array.from(model.bias, (b, c) => Math.round(b / s[c])),
      scale: s,
    };
  }
  const w: QuantizedTensor = {
    kind: "uniform",
    scheme,
    rows,
    cols,
    bits,
    granularity,
    codes,
    scale,
    zeroPoint,
  };
  return wrap(model, w, bias, input);
}

/** Power-of-two levels, scale = max|w| per group. */
export function quantizeLog2(
  model: LogisticModel,
  bits: number,
  granularity: Granularity,
): QuantizedModel {
  const { rows, cols, data } = model.weights;
  const groups = groupsOf(model, granularity);
  const scale = new Float32Array(groups.length);
  const codes = new Int8Array(data.length);
  const maxE = 2 ** (bits - 1) - 2;
  groups.forEach((members, g) => {
    scale[g] = Math.max(...members.map((i) => Math.abs(data[i]))) || 1;
    for (const i of members) {
      const a = Math.abs(data[i]) / scale[g];
      if (bits === 1) {
        codes[i] = data[i] < 0 ? -1 : 1;
        continue;
      }
      const e = a === 0 ? Infinity : Math.round(-Math.log2(a));
      codes[i] = e > maxE ? 0 : Math.sign(data[i]) * (Math.max(0, e) + 1);
    }
  });
  return wrap(model, { kind: "log2", rows, cols, bits, granularity, codes, scale });
}

/** A codebook of `levels` evenly spaced values per group (nearest level). */
export function quantizeCodebook(
  model: LogisticModel,
  levels: number,
  granularity: Granularity,
): QuantizedModel {
  const { rows, cols, data } = model.weights;
  const groups = groupsOf(model, granularity);
  const codebook = new Float32Array(groups.length * levels);
  const codes = levels <= 256 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  groups.forEach((members, g) => {
    const lo = Math.min(...members.map((i) => data[i]));
    const hi = Math.max(...members.map((i) => data[i]), lo + 1e-3);
    for (let q = 0; q < levels; q++) {
      codebook[g * levels + q] = Math.fround(lo + ((hi - lo) * q) / (levels - 1));
    }
    for (const i of members) {
      let best = 0;
      for (let q = 1; q < levels; q++) {
        if (
          Math.abs(codebook[g * levels + q] - data[i]) <
            Math.abs(codebook[g * levels + best] - data[i])
        ) best = q;
      }
      codes[i] = best;
    }
  });
  const bits = Math.max(1, Math.ceil(Math.log2(levels)));
  return wrap(model, { kind: "codebook", rows, cols, bits, granularity, levels, codes, codebook });
}

/** Half-precision weights. */
export function toFloat16(model: LogisticModel): QuantizedModel {
  const { rows, cols, data } = model.weights;
  const codes = new Uint16Array(new Float16Array(data).buffer);
  return wrap(model, { kind: "float16", rows, cols, bits: 16, granularity: "tensor", codes });
}
