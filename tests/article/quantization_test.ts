import assert from "node:assert/strict";
import { uniformQuantization } from "../../lib/article/quantization.ts";
import { roundHalfEven } from "../../lib/quant/float16.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { articleReference } from "./_numpy.ts";

const { ref, origin } = await articleReference();

Deno.test(`the port of uniform_quantization matches NumPy, 8 and 3 bits (${origin})`, () => {
  const w = Float64Array.from(ref.weights);
  assertClose(uniformQuantization(w, 8), ref.quantized8, { rtol: 0, atol: 0 });
  assertClose(uniformQuantization(w, 3), ref.quantized3, { rtol: 0, atol: 0 });
});

Deno.test(`rounding is NumPy's half to even (${origin})`, () => {
  assert.deepEqual(ref.halves.map(roundHalfEven), ref.roundedHalves);
  // Against the definition: the nearest integer, the even one on a tie.
  const prng = createPrng(1);
  for (let i = 0; i < 1000; i++) {
    const v = (prng() - 0.5) * 20;
    const r = roundHalfEven(v);
    assert.ok(Math.abs(v - r) <= 0.5);
    if (Math.abs(v - r) === 0.5) assert.equal(r % 2, 0);
  }
});

Deno.test("it is round(w * (2^b - 1)) / (2^b - 1)", () => {
  for (const bits of [1, 2, 4, 8]) {
    const levels = 2 ** bits - 1;
    const w = Float64Array.from([0.1, -0.77, 1.3, 0.004]);
    const q = uniformQuantization(w, bits);
    for (let i = 0; i < w.length; i++) {
      const k = q[i] * levels;
      assertClose(k, Math.round(k), { atol: 1e-9, rtol: 0 }); // on the grid
      assert.ok(Math.abs(q[i] - w[i]) <= 0.5 / levels + 1e-15); // nearest point
    }
  }
});

Deno.test("defect: '8-bit' values are neither bounded nor limited to 256 levels", () => {
  const prng = createPrng(2);
  // Weights as the article's randn initialisation makes them.
  const w = Float64Array.from({ length: 5000 }, () => randomNormal(prng));
  const codes = [...uniformQuantization(w, 8)].map((q) => Math.round(q * 255));
  const distinct = new Set(codes).size;
  assert.ok(distinct > 256, `${distinct} levels`);
  assert.ok(Math.max(...codes.map(Math.abs)) > 255);
  // Even weights inside [-1, 1] use 511 levels, -255..255: 9 bits.
  const inside = Float64Array.from({ length: 511 }, (_, i) => (i - 255) / 255);
  assert.equal(new Set(uniformQuantization(inside, 8)).size, 511);
});

Deno.test("numBits must be an integer in 1..30: 0 bits gave NaN for every weight", () => {
  const w = Float64Array.of(1, 0.3, -0.2);
  for (const bits of [0, -1, 2.5, NaN, 31, 1024]) {
    assert.throws(() => uniformQuantization(w, bits), {
      name: "RangeError",
      message: `Cannot quantize with the article's grid: numBits must be an integer in [1, 30], ` +
        `got ${bits}`,
    });
  }
  // Both ends of the range still quantize to the grid k / (2^b - 1).
  assert.deepEqual([...uniformQuantization(w, 1)], [1, 0, -0]);
  const fine = uniformQuantization(w, 30);
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs(fine[i] - w[i]) <= 0.5 / (2 ** 30 - 1));
  }
});

Deno.test("weights that are not an array of numbers are refused, not read by their length", () => {
  // A string has a length and numeric characters: "12" was quantized to [1, 2].
  for (const weights of [null, undefined, "12", { length: 2 }, [1, "2"], BigInt64Array.of(1n)]) {
    assert.throws(() => uniformQuantization(weights as unknown as Float64Array, 8), {
      name: "TypeError",
      message:
        /^Cannot quantize with the article's grid: weights must be an array of numbers, got /,
    });
  }
  // A plain array and a Float32Array are read: round(w * 255) / 255.
  assert.deepEqual([...uniformQuantization([1, 0.5] as unknown as Float64Array, 8)], [
    1,
    128 / 255,
  ]);
  assert.deepEqual([...uniformQuantization(Float32Array.of(0.25) as never, 1)], [0]);
});

Deno.test("ties round half to even, as np.round does, both signs and both bit counts", () => {
  // NumPy, the article's function run literally (the products are exact, so these are ties):
  //   def uniform_quantization(weights, num_bits):
  //       quantization_range = 2 ** num_bits - 1
  //       return np.round(weights * quantization_range) / quantization_range
  //   w = np.array([1.5, -0.5, 0.5, -1.5, 2.5])
  //   uniform_quantization(w, 8) * 255  ->  [382.0, -128.0, 128.0, -382.0, 638.0]
  //   uniform_quantization(w, 1)        ->  [2.0, -0.0, 0.0, -2.0, 2.0]
  // Rounding half away from zero gives 383, -383 and 639; Math.round gives 383 and -127.
  const w = Float64Array.of(1.5, -0.5, 0.5, -1.5, 2.5);
  assert.deepEqual([...uniformQuantization(w, 8)], [382, -128, 128, -382, 638].map((k) => k / 255));
  assert.deepEqual([...uniformQuantization(w, 1)], [2, -0, 0, -2, 2]);
});
