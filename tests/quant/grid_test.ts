import assert from "node:assert/strict";
import { zeroCode } from "../../lib/quant/grid.ts";
import type { QuantizedTensor } from "../../lib/quant/types.ts";

Deno.test("zeroCode of a codebook is the entry nearest 0, the lower on a tie", () => {
  // Written by hand from the documented rule. A tie between -c and +c went to the higher entry
  // under a `<=` comparison without any test failing (mutation audit).
  const codebook = (values: number[][]): QuantizedTensor => ({
    kind: "codebook",
    bits: 2,
    levels: values[0].length,
    granularity: "class",
    rows: values.length,
    cols: 1,
    codes: new Uint8Array(values.length),
    codebook: Float32Array.from(values.flat()),
  });
  const t = codebook([
    [-0.5, 0.5, 1, 2], // tie: -0.5 (code 0)
    [-1, -0.25, 0.25, 1], // tie: -0.25 (code 1)
    [-2, -1, 0.125, 3], // nearest: 0.125 (code 2)
    [-3, -1, -0.5, 0.25], // nearest: 0.25, the last entry (code 3)
  ]);
  assert.deepEqual([0, 1, 2, 3].map((g) => zeroCode(t, g)), [0, 1, 2, 3]);
});
