/**
 * Codebook tensors that lrcompress's k-means cannot make, for the ONNX tests: k-means needs at
 * least as many distinct weights per group as levels, so it cannot give a digits model (64
 * features, 10 weights per column) per-feature codebooks of 16 levels, nor 300-level codebooks
 * (uint16 codes, the `Gather` path above 256 levels), nor a codebook chosen to have no zero
 * level. These evenly spaced codebooks exercise those file and graph paths on real trained
 * weights. Every other quantized model in the tests comes from `lib/quant` (this file held
 * stand-ins for all kinds before that module existed).
 *
 * @module
 */

import type { LogisticModel } from "../../lib/model/types.ts";
import { elementGroup } from "../../lib/io/quantized.ts";
import { groupCount } from "../../lib/quant/grid.ts";
import type { Granularity, QuantizedModel, QuantizedTensor } from "../../lib/quant/types.ts";

function groupsOf(model: LogisticModel, granularity: Granularity) {
  const { rows, cols, data } = model.weights;
  const n = groupCount(granularity, rows, cols);
  const members: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < data.length; i++) members[elementGroup(granularity, i, cols)].push(i);
  return members;
}

function wrap(model: LogisticModel, weights: QuantizedTensor): QuantizedModel {
  return {
    kind: "quantized-logistic-regression",
    version: 1,
    link: model.link,
    classes: model.classes,
    featureNames: model.featureNames,
    preprocessing: model.preprocessing,
    weights,
    bias: { kind: "float64", values: model.bias.slice() },
    ...(model.mask ? { mask: model.mask } : {}),
  };
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
