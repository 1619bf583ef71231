/**
 * Independent oracle of the integer kernels: exact integer arithmetic with BigInt, wrapped to
 * int32 as the form says, then the float64 rescale.
 *
 * @module
 */

import type { CodeInput, IntegerForm } from "../../lib/kernels/forms.ts";

/**
 * The scores an integer form gives codes `x`, computed exactly.
 *
 * @param form The integer weights, bias and rescale.
 * @param x The input codes.
 * @returns The scores, row by row.
 */
export function exactInteger(form: IntegerForm, x: CodeInput): Float64Array {
  const k = form.bias.length, d = x.cols;
  const out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = BigInt(form.bias[c]);
      for (let j = 0; j < d; j++) s += BigInt(x.data[i * d + j]) * BigInt(form.weights[c * d + j]);
      out[i * k + c] = Number(BigInt.asIntN(32, s)) * form.rescale[c];
    }
  }
  return out;
}
