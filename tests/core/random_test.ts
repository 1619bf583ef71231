import assert from "node:assert/strict";
import {
  checkSeed,
  createPrng,
  permutation,
  prngOption,
  randomInt,
  randomNormal,
  shuffleInPlace,
} from "../../lib/core/random.ts";
import { ArticleLogisticRegression } from "../../lib/article/logistic_regression.ts";
import { fit } from "../../lib/model/fit.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { randomScores } from "../../lib/prune/scores.ts";

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

Deno.test("normal draws follow the standard normal law, not only its first two moments", () => {
  // A uniform draw scaled to variance 1 passes the moment test above. The oracle here is the
  // normal CDF integrated from the density exp(-t^2 / 2) / sqrt(2 pi) by Simpson's rule (step
  // 1e-3, error far below 1e-9), compared with the empirical CDF on a grid of [-5, 5]: the
  // Kolmogorov distance must stay below 0.006, its 1e-6 tail for 200,000 draws (scipy's
  // kstwobign.isf(1e-6) / sqrt(n)).
  const prng = createPrng(5);
  const n = 200_000;
  const z = Float64Array.from({ length: n }, () => randomNormal(prng)).sort();
  const density = (t: number) => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
  const h = 1e-3;
  let next = 0, worst = 0, at = 0;
  for (let k = -100; k <= 100; k++) {
    const g = k / 20;
    const steps = Math.round(Math.abs(g) / h);
    let area = density(0) + density(Math.abs(g));
    for (let i = 1; i < steps; i++) area += (i % 2 ? 4 : 2) * density(i * h);
    const cdf = 0.5 + Math.sign(g) * area * h / 3; // steps is even: k / 20 / 1e-3 = 50 k
    while (next < n && z[next] <= g) next++;
    const gap = Math.abs(next / n - cdf);
    if (gap > worst) [worst, at] = [gap, g];
  }
  assert.ok(worst < 0.006, `empirical and normal CDFs differ by ${worst} at ${at}`);
});

Deno.test("a permutation holds every index once", () => {
  const p = permutation(1000, createPrng(3));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("shuffles reach every permutation equally often", () => {
  // Drawing j from 0..i-1 instead of 0..i (Sattolo's algorithm) still gives a permutation, but
  // only the 6 cyclic ones of 4 items. 24,000 shuffles of 4 items: each of the 24 orders about
  // 1,000 times; Pearson's chi-square with 23 degrees of freedom must stay below 70.5, its 1e-6
  // tail (scipy's chi2.isf(1e-6, 23)).
  const prng = createPrng(6);
  const counts = new Map<string, number>();
  const draws = 24_000;
  for (let i = 0; i < draws; i++) {
    const key = (i % 2 ? permutation(4, prng) : shuffleInPlace(["0", "1", "2", "3"], prng))
      .join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 24, [...counts.keys()].join(" "));
  let chi2 = 0;
  for (const c of counts.values()) chi2 += (c - draws / 24) ** 2 / (draws / 24);
  assert.ok(chi2 < 70.5, `chi-square ${chi2}`);
});

Deno.test("a non-finite seed is refused", () => {
  assert.throws(() => createPrng(NaN), TypeError);
});

Deno.test("a seed that is not a number is refused naming its type, as the shared seed check does", () => {
  // A string printed bare ("got 1"), as if it were the number.
  assert.throws(() => createPrng("1" as unknown as number), {
    name: "TypeError",
    message: 'Cannot create random generator: seed must be a finite number, got string "1"',
  });
  assert.throws(() => checkSeed("draw", "1"), {
    name: "TypeError",
    message: 'Cannot draw: seed must be a finite number, got string "1"',
  });
  assert.throws(() => createPrng(Infinity), {
    name: "TypeError",
    message: "Cannot create random generator: seed must be a finite number, got number Infinity",
  });
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

Deno.test("a generator that returns only 0 is refused by the normal draw instead of looping", () => {
  // randomNormal redrew while u === 0: with a generator of zeros (a stub), it never returned.
  let calls = 0;
  const zeros = () => {
    calls++;
    return 0;
  };
  assert.throws(() => randomNormal(zeros), {
    name: "RangeError",
    message: "Cannot draw a normal deviate: the generator returned 0 64 times in a row",
  });
  assert.equal(calls, 64);
  // A few zeros are skipped: the draw uses the first non-zero u (u = 1/4, v = 0: cos 0 = 1).
  const values = [0, 0, 0.25, 0];
  assert.equal(randomNormal(() => values.shift()!), Math.sqrt(-2 * Math.log(0.25)));
  assert.throws(
    () => new ArticleLogisticRegression(2, 2, { prng: () => 0 }),
    /the generator returned 0 64 times in a row/,
  );
});

Deno.test("a prng option's values outside [0, 1) are refused where they are drawn", () => {
  // NaN, 1 or a negative value gave NaN weights (log of a negative) or scores beyond [0, 1)
  // without a word.
  const { model } = fit(fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]), Int32Array.from([0, 0, 1, 1]));
  for (
    const [value, shown] of [
      [NaN, "number NaN"],
      [1, "number 1"],
      [-0.5, "number -0.5"],
      ["0.5", 'string "0.5"'],
    ]
  ) {
    const prng = () => value as number;
    assert.throws(() => randomScores(model, { prng }), {
      name: "RangeError",
      message: `Cannot score weights: prng returned ${shown}, not a number in [0, 1)`,
    });
    assert.throws(() => new ArticleLogisticRegression(2, 2, { prng }), {
      name: "RangeError",
      message: `Cannot create the article's model: prng returned ${shown}, not a number in [0, 1)`,
    });
  }
  // Values in range pass through unchanged, 0 included; no prng is the seeded generator.
  const values = [0, 0.5, 0.999];
  const checked = prngOption("draw", () => values.shift()!, undefined);
  assert.deepEqual([checked(), checked(), checked()], [0, 0.5, 0.999]);
  const seeded = prngOption("draw", undefined, 7), reference = createPrng(7);
  assert.deepEqual([seeded(), seeded()], [reference(), reference()]);
  assert.throws(() => prngOption("draw", 5, undefined), {
    name: "TypeError",
    message: "Cannot draw: prng must be a function () => number, got number 5",
  });
});

Deno.test("seeds that differ only in their fraction give distinct streams, as documented", () => {
  // "32 bits of its fraction are used": 0, 0.5, 0.25 and 2^-32 are four seeds, not one.
  const seeds = [0, 0.5, 0.25, 0.75, 2 ** -32, 1, 1.5, 1 + 2 ** -32, 7, 7.125];
  const firsts = seeds.map((seed) => {
    const next = createPrng(seed);
    return [next(), next(), next()].join(",");
  });
  assert.equal(new Set(firsts).size, seeds.length, firsts.join("\n"));
});

Deno.test("randomInt draws each of 0..n-1 equally often and never n", () => {
  // 60,000 draws over 6 outcomes: each count is binomial(60000, 1/6), standard deviation about
  // 91; 5 deviations from 10,000 is a false alarm once in millions of seeds.
  const n = 6, draws = 60_000, prng = createPrng(11);
  const counts = new Array(n).fill(0);
  for (let i = 0; i < draws; i++) {
    const k = randomInt(prng, n);
    assert.ok(Number.isInteger(k) && k >= 0 && k < n, `draw ${k}`);
    counts[k]++;
  }
  const sd = Math.sqrt(draws * (1 / n) * (1 - 1 / n));
  for (const c of counts) assert.ok(Math.abs(c - draws / n) < 5 * sd, `counts ${counts}`);
  // The largest value below 1 still gives n - 1.
  assert.equal(randomInt(() => 1 - 2 ** -32, n), n - 1);
});
