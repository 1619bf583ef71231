/**
 * The shared input checks of lib/plot/style.ts, directly and through the builders that use them.
 */
import assert from "node:assert/strict";
import { numbersOf } from "../../lib/plot/style.ts";
import { maskFigure, weightImagesFigure } from "../../lib/plot/mod.ts";

Deno.test("numbersOf reads number arrays, number typed arrays and a matrix's data", () => {
  const f32 = Float32Array.of(0.5, -2);
  assert.equal(numbersOf("plot", "w", f32), f32);
  assert.deepEqual(numbersOf("plot", "w", [1, NaN]), [1, NaN]);
  assert.equal(numbersOf("plot", "w", { data: f32, rows: 1, cols: 2 }), f32);
});

Deno.test("numbersOf refuses bigint arrays and arrays with holes", () => {
  for (const v of [BigInt64Array.of(1n), BigUint64Array.of(0n), { data: BigInt64Array.of(1n) }]) {
    assert.throws(() => numbersOf("plot", "w", v), {
      name: "TypeError",
      message: /^Cannot plot: w must be an array of numbers or a matrix, got /,
    });
  }
  const holey = [1, 2, 3];
  delete holey[1];
  assert.throws(() => numbersOf("plot", "w", holey), {
    name: "TypeError",
    message: "Cannot plot: w[1] must be a number, got undefined",
  });
});

Deno.test("a bigint array is refused by the builders, not drawn as empty images", () => {
  // Before: eight bigint weights over two labels became two 2 x 2 images of nulls.
  const weights = BigInt64Array.of(1n, 2n, 3n, 4n, 1n, 2n, 3n, 4n) as unknown as number[];
  assert.throws(() => weightImagesFigure(weights, { labels: ["a", "b"] }), {
    name: "TypeError",
    message: /^Cannot plot weight images: weights must be an array of numbers/,
  });
  // Before: "mask entry 0 is 1, expected 0 or 1".
  assert.throws(() => maskFigure(BigUint64Array.of(1n, 0n, 0n, 1n) as unknown as number[]), {
    name: "TypeError",
    message: /^Cannot plot pruning mask: mask must be an array of numbers/,
  });
});
