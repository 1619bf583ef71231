import assert from "node:assert/strict";
import { createPrng, permutation, randomNormal } from "../../lib/core/random.ts";

Deno.test("the same seed gives the same sequence, different seeds differ", () => {
  const a = createPrng(123), b = createPrng(123), c = createPrng(124);
  const sa = Array.from({ length: 100 }, () => a());
  const sb = Array.from({ length: 100 }, () => b());
  const sc = Array.from({ length: 100 }, () => c());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

Deno.test("uniform draws lie in [0, 1) with mean and variance of the uniform law", () => {
  const prng = createPrng(1);
  const n = 200_000;
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const u = prng();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sq += u * u;
  }
  const mean = sum / n, variance = sq / n - mean * mean;
  // Standard errors: 1/sqrt(12 n) ~ 6.5e-4 for the mean; allow 5 of them.
  assert.ok(Math.abs(mean - 0.5) < 3.3e-3, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 2e-3, `variance ${variance}`);
});

Deno.test("normal draws have mean 0 and variance 1", () => {
  const prng = createPrng(2);
  const n = 200_000;
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const z = randomNormal(prng);
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.012, `mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.02, `variance ${sq / n}`);
});

Deno.test("a permutation holds every index once", () => {
  const p = permutation(1000, createPrng(3));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("a non-finite seed is refused", () => {
  assert.throws(() => createPrng(NaN), TypeError);
});

Deno.test("distinct integer seeds give distinct streams, beyond 32 bits too", () => {
  const seeds = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 32 + 1, -(2 ** 32), 2 ** 40, 2 ** 53];
  const firsts = seeds.map((seed) => {
    const next = createPrng(seed);
    return [next(), next(), next()].join(",");
  });
  assert.equal(new Set(firsts).size, seeds.length, firsts.join("\n"));
});

Deno.test("seeds beyond 32 bits or with a fraction do not share another seed's stream", () => {
  // Pairs the 32-bit state used to fold together: 2^32 and -1704271137 (the high word was mixed
  // into the low one), 1.5 and -2147483647 (the fraction's bits XORed onto the integer's), 0.5
  // and -0.5 (the sign was lost).
  const pairs = [[2 ** 32, -1704271137], [1.5, -2147483647], [0.5, -0.5], [2.25, -2.25]];
  for (const [x, y] of pairs) {
    const p = createPrng(x), q = createPrng(y);
    const first = [p(), p(), p()], second = [q(), q(), q()];
    assert.notDeepEqual(first, second, `seeds ${x} and ${y}`);
  }
  // And -0 is 0.
  const zero = createPrng(0), negativeZero = createPrng(-0);
  assert.deepEqual([zero(), zero()], [negativeZero(), negativeZero()]);
});
