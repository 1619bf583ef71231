/**
 * Quantized models as the model file stores them. The types are the quantization module's
 * (`lib/quant/types.ts`): a quantized model made there is stored as it is. This module adds what
 * the file format needs on top: how codes map to unsigned bit fields, which code stands for 0.0,
 * and the value of one code.
 *
 * | kind | codes | value of code `q` in group `g` |
 * | --- | --- | --- |
 * | `uniform` `symmetric`, b = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` |
 * | `uniform` `symmetric`, b >= 2 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array` / `Int16Array`) | `scale[g] * q` |
 * | `uniform` `affine`, b | `0 .. 2^b - 1` (`Uint8Array` / `Uint16Array`) | `scale[g] * (q - zeroPoint[g])` |
 * | `log2`, b = 1 | `{-1, +1}` (`Int8Array`) | `scale[g] * q` |
 * | `log2`, b in 2..8 | `-(2^(b-1) - 1) .. 2^(b-1) - 1` (`Int8Array`) | `0` for `q = 0`, else `sign(q) * scale[g] * 2^-(abs(q) - 1)` |
 * | `codebook` | `0 .. levels - 1` (`Uint8Array` / `Uint16Array`) | `codebook[g * levels + q]` |
 * | `float16` | bit patterns (`Uint16Array`) | the binary16 number |
 *
 * Groups: `"tensor"` one, `"class"` one per row (output), `"feature"` one per column.
 *
 * @module
 */

import type { LogisticModel } from "../model/types.ts";
import { dequantizeModel } from "../quant/model.ts";
import { fromFloat16Bits } from "../quant/float16.ts";
import { codeRange, groupCount } from "../quant/grid.ts";
export { zeroCode } from "../quant/grid.ts";
import type { Granularity, QuantizedModel, QuantizedTensor } from "../quant/types.ts";

/** What a model file holds: a float model or a quantized one. */
export type StoredModel = LogisticModel | QuantizedModel;

/**
 * The float model a stored model stands for: a float model as it is, a quantized one with its
 * weights dequantized (masked weights 0) and its bias as float64.
 *
 * @param model A float or quantized model.
 * @returns A float model with the same predictions.
 * @throws {TypeError} If `model` is not an object, or a quantized model is malformed.
 */
export function asFloatModel(model: StoredModel): LogisticModel {
  return model?.kind === "logistic-regression" ? model : dequantizeModel(model);
}

/** Number of parameter groups of a tensor. */
export function tensorGroups(t: QuantizedTensor): number {
  return groupCount(t.granularity, t.rows, t.cols);
}

/** Group of element `i` (row-major index) of a tensor with `cols` columns. */
export function elementGroup(granularity: Granularity, i: number, cols: number): number {
  return granularity === "tensor" ? 0 : granularity === "class" ? Math.floor(i / cols) : i % cols;
}

/** The range of codes of a tensor (see the module table), `[min, max]`. */
export function tensorCodeRange(t: QuantizedTensor): [number, number] {
  switch (t.kind) {
    case "uniform":
    case "log2": {
      const r = codeRange(t.kind, t.kind === "uniform" ? t.scheme : "symmetric", t.bits);
      return [r.min, r.max];
    }
    case "codebook":
      return [0, t.levels - 1];
    case "float16":
      return [0, 0xffff];
  }
}

/**
 * The unsigned bit field that stores a code: `code - min` of the range, except that 1-bit
 * `{-1, +1}` codes store `(code + 1) / 2`.
 */
export function codeToField(t: QuantizedTensor, code: number): number {
  if (t.bits === 1 && (t.kind === "log2" || (t.kind === "uniform" && t.scheme === "symmetric"))) {
    return (code + 1) / 2;
  }
  return code - tensorCodeRange(t)[0];
}

/** Inverse of {@linkcode codeToField}. */
export function fieldToCode(t: QuantizedTensor, field: number): number {
  if (t.bits === 1 && (t.kind === "log2" || (t.kind === "uniform" && t.scheme === "symmetric"))) {
    return 2 * field - 1;
  }
  return field + tensorCodeRange(t)[0];
}

/** Value of one code of group `g` (float64 arithmetic on the float32 parameters). */
export function codeValue(t: QuantizedTensor, code: number, g: number): number {
  switch (t.kind) {
    case "uniform":
      return t.scale[g] * (code - t.zeroPoint[g]);
    case "log2":
      if (t.bits === 1 || code === 0) return t.scale[g] * code;
      return Math.sign(code) * t.scale[g] * 2 ** -(Math.abs(code) - 1);
    case "codebook":
      return t.codebook[g * t.levels + code];
    case "float16":
      return fromFloat16Bits(code);
  }
}
