import assert from "node:assert/strict";
import {
  articleGridReport,
  articleOutputReport,
  articlePruningReport,
} from "../../lib/article/measure.ts";
import { ArticleLogisticRegression } from "../../lib/article/logistic_regression.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { l1RegularizationPruning } from "../../lib/article/pruning.ts";
import { uniformQuantization } from "../../lib/article/quantization.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";

const prng = createPrng(11);
const weights = Float64Array.from(
  { length: 5000 },
  (_, i) => (i % 50 === 0 ? 0 : 0.05 * randomNormal(prng)),
);

Deno.test("the article's pruning keeps the zeros it had and flips every weight below alpha", () => {
  const alpha = 0.01;
  const r = articlePruningReport(weights, l1RegularizationPruning(weights, alpha));
  // Closed form of w - alpha * sign(w): zeros stay zero, no weight equals ±alpha exactly, every
  // other weight moves, and those with 0 < |w| < alpha end on the other side of zero.
  const zeros = weights.filter((w) => w === 0).length;
  const small = weights.filter((w) => w !== 0 && Math.abs(w) < alpha).length;
  assert.equal(zeros, 100);
  assert.ok(small > 500, `${small} weights below alpha`);
  assert.deepEqual(
    [r.weights, r.zerosBefore, r.zerosAfter, r.signFlips, r.changed],
    [5000, zeros, zeros, small, 5000 - zeros],
  );
  assert.equal(r.sparsityAfter, zeros / 5000);
});

Deno.test("a weight of magnitude exactly alpha is the only one the article's step zeroes", () => {
  const r = articlePruningReport(
    [0.25, -0.25, 1],
    l1RegularizationPruning(Float64Array.of(0.25, -0.25, 1), 0.25),
  );
  assert.deepEqual([r.zerosBefore, r.zerosAfter, r.signFlips, r.changed], [0, 2, 0, 3]);
});

Deno.test("the '8-bit' grid report counts codes k = round(255 w) and the bits they need", () => {
  const q = uniformQuantization(weights.map((w) => 40 * w), 8);
  const r = articleGridReport(q);
  const codes = [...q].map((v) => Math.round(v * 255));
  const lo = Math.min(...codes), hi = Math.max(...codes);
  assert.equal(r.codeMin, lo);
  assert.equal(r.codeMax, hi);
  assert.equal(r.distinctValues, new Set(codes).size);
  assert.equal(r.zeros, codes.filter((k) => k === 0).length);
  assert.equal(r.levelsAllowed, 256);
  assert.equal(r.onGrid, true);
  // 2^(bits - 1) < hi - lo + 1 <= 2^bits
  assert.ok(2 ** (r.bitsNeeded - 1) < hi - lo + 1 && hi - lo + 1 <= 2 ** r.bitsNeeded);
  assert.ok(r.bitsNeeded > 8, `${r.bitsNeeded} bits`);
  assert.ok(r.distinctValues > 256, `${r.distinctValues} distinct values`);
});

Deno.test("values off the grid and other bit widths are reported as such", () => {
  const off = articleGridReport([0.3, 1 / 255]);
  assert.equal(off.onGrid, false);
  const three = articleGridReport(uniformQuantization(Float64Array.of(-1, 0, 0.5, 1), 3), {
    numBits: 3,
  });
  // codes round(7 w): -7, 0, 4 (3.5 rounds to even), 7
  assert.deepEqual(
    [three.codeMin, three.codeMax, three.distinctValues, three.levelsAllowed, three.bitsNeeded],
    [-7, 7, 4, 8, 4],
  );
  assert.deepEqual(articleGridReport([-0, 0]).distinctValues, 1);
  // Off the grid, values are counted as values, not as their codes: 0.001 and 0.0012 both have
  // code round(0.255) = 0 yet neither is zero, and they are two values (counting codes passed
  // before; found by the test-quality review's mutations).
  const small = articleGridReport([0.001, 0.0012, 0]);
  assert.deepEqual([small.zeros, small.distinctValues, small.codeMin, small.codeMax], [1, 3, 0, 0]);
  assert.equal(articleGridReport([]).values, 0);
});

Deno.test("the grid report's codes are the article's own codes, ties to even as np.round", () => {
  // A value's code is the k that uniformQuantization (checked against NumPy, ties included) puts
  // it on: k = round(v * (2^b - 1)), half to even. Products 382.5, -127.5, 637.5 and 0.5 .. 2.5
  // are exact ties; Math.round or rounding half away from zero gave other codes and passed.
  const cases: [number, number[]][] = [
    [8, [1.5, -0.5, 2.5, 0.3, -0.77, 0.004]],
    [1, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]],
  ];
  for (const [numBits, values] of cases) {
    const range = 2 ** numBits - 1;
    for (const v of values) {
      const k = Math.round(uniformQuantization(Float64Array.of(v), numBits)[0] * range);
      const r = articleGridReport([v], { numBits });
      assert.deepEqual([r.codeMin, r.codeMax], [k, k], `${v} at ${numBits} bits`);
    }
  }
  assert.deepEqual(
    [1.5, -0.5, 2.5].map((v) => articleGridReport([v]).codeMax),
    [382, -128, 638],
  );
  // On the grid means exactly k / (2^b - 1): a value 2^-40 off it is not on it.
  assert.equal(articleGridReport([1 / 255 + 2 ** -40]).onGrid, false);
  assert.equal(
    articleGridReport(Array.from({ length: 601 }, (_, i) => (i - 300) / 255)).onGrid,
    true,
  );
});

Deno.test("bad inputs are refused with the argument named", () => {
  assert.throws(() => articlePruningReport([1, 2], [1]), {
    name: "TypeError",
    message: /before has 2 values, after has 1/,
  });
  // deno-lint-ignore no-explicit-any
  assert.throws(() => articlePruningReport("ab" as any, [1, 2]), TypeError);
  assert.throws(() => articleGridReport([NaN]), RangeError);
  assert.throws(() => articleGridReport([1], { numBits: 0 }), RangeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => articleGridReport({ length: 1 } as any), TypeError);
});

Deno.test("the output report sums each sample's sigmoid columns and compares the biases", () => {
  const model = new ArticleLogisticRegression(2, 2, { seed: 3 });
  const x = fromRows([[1, 0], [0, 1], [2, -1], [-3, 1]]);
  const z = model.forward(x);
  const sums = Array.from(
    { length: 4 },
    (_, i) => 1 / (1 + Math.exp(-z.data[2 * i])) + 1 / (1 + Math.exp(-z.data[2 * i + 1])),
  );
  const r = articleOutputReport(model, x);
  assert.equal(r.samples, 4);
  assert.equal(r.rowSumMin, Math.min(...sums));
  assert.equal(r.rowSumMax, Math.max(...sums));
  assert.equal(r.offByMoreThanTenth, sums.filter((s) => Math.abs(s - 1) > 0.1).length / 4);
  assert.equal(r.biasesEqual, true);
  // Training moves both biases by the same scalar step: they stay equal, and no longer 0.
  model.train(x, fromRows([[1, 0], [0, 1], [1, 0], [0, 1]]), 5, 0.1, 0.01, 8);
  assert.equal(articleOutputReport(model, x).biasesEqual, true);
  assert.notEqual(model.bias[0], 0);
  model.bias[1] += 1;
  assert.equal(articleOutputReport(model, x).biasesEqual, false);
  assert.throws(() => articleOutputReport(model, fromRows([[1, 2, 3]])), TypeError);
});

Deno.test("a finite value whose code overflows is refused, not reported as an infinite code", () => {
  // 1e308 * 255 is beyond Number.MAX_VALUE: the report said codeMin = codeMax = Infinity and
  // bitsNeeded = NaN.
  assert.throws(() => articleGridReport([0, 1e308]), {
    name: "RangeError",
    message: "Cannot measure the article's quantization grid: value 1 is 1e+308, " +
      "too large for a code round(v * 255)",
  });
  // A huge value whose code is finite is still measured: MAX_VALUE / 256 (exact) times 255 is
  // below MAX_VALUE.
  const r = articleGridReport([Number.MAX_VALUE / 256]);
  assert.ok(Number.isFinite(r.codeMax) && r.codeMax === r.codeMin);
  assert.ok(Number.isInteger(r.bitsNeeded));
});

Deno.test("bitsNeeded is exact for wide code ranges: k + 1 bits for a span of 2^k, k for 2^k - 1", () => {
  // With numBits = 1 the grid step is 1, so integer values are their own codes.
  for (let k = 1; k <= 60; k++) {
    const up = articleGridReport([0, 2 ** k], { numBits: 1 });
    assert.equal(up.codeMax - up.codeMin, 2 ** k);
    assert.equal(up.bitsNeeded, k + 1, `0 .. 2^${k}`);
    assert.equal(articleGridReport([-(2 ** k), 0], { numBits: 1 }).bitsNeeded, k + 1);
    if (k <= 53) {
      assert.equal(articleGridReport([0, 2 ** k - 1], { numBits: 1 }).bitsNeeded, k, `2^${k} - 1`);
    }
  }
  // Codes on both sides of zero whose difference 2^54 - 1 is not a double: 54 bits, not 55.
  const both = articleGridReport([-(2 ** 53), 2 ** 53 - 1], { numBits: 1 });
  assert.equal(both.bitsNeeded, 54);
  assert.equal(articleGridReport([5, 5], { numBits: 1 }).bitsNeeded, 1);
});

Deno.test("the output report refuses NaN outputs instead of reporting sums of ±Infinity", () => {
  const action = "Cannot measure the article's outputs";
  const model = new ArticleLogisticRegression(2, 2, { seed: 3 });
  // Before: x = [[NaN, 1]] gave rowSumMin = Infinity, rowSumMax = -Infinity and 0 samples off 1.
  assert.throws(() => articleOutputReport(model, fromRows([[0, 1], [NaN, 1]])), {
    name: "RangeError",
    message: `${action}: x holds NaN at row 1, column 0`,
  });
  // Weights that overflowed: +Infinity and -Infinity meet in one score, which is NaN.
  const broken = new ArticleLogisticRegression(2, 2, { seed: 3 });
  broken.weights.data.set([Infinity, 0, -Infinity, 0]);
  assert.throws(() => articleOutputReport(broken, fromRows([[1, 2], [1, 1]])), {
    name: "RangeError",
    message: `${action}: the output of sample 0 is NaN (the weights or biases are not finite)`,
  });
  assert.throws(() => articleOutputReport(null as never, fromRows([[1, 1]])), {
    name: "TypeError",
    message: `${action}: model must be an ArticleLogisticRegression, got null`,
  });
  // 0 samples: no sums, documented as NaN.
  const none = articleOutputReport(model, { data: new Float64Array(0), rows: 0, cols: 2 });
  assert.deepEqual([none.samples, none.rowSumMin, none.rowSumMax], [0, NaN, NaN]);
});

Deno.test("bigint arrays and arrays with holes are refused, not counted as numbers", () => {
  const bigints = BigInt64Array.from([0n, 0n, 1n]) as unknown as number[];
  // Counted before, as 0n !== 0: no zeros before or after, nothing changed.
  assert.throws(() => articlePruningReport(bigints, bigints), {
    name: "TypeError",
    message: /before must be an array of numbers/,
  });
  const unsigned = BigUint64Array.from([0n, 0n, 1n]) as unknown as number[];
  assert.throws(() => articlePruningReport([0, 0, 1], unsigned), {
    name: "TypeError",
    message: /after must be an array of numbers/,
  });
  assert.throws(() => articleGridReport(bigints), {
    name: "TypeError",
    message: /values must be an array of numbers/,
  });
  // A hole reads as undefined: it was neither zero nor a sign flip, but "changed".
  const holey = [0, 1, 1];
  delete holey[0];
  assert.throws(() => articlePruningReport(holey, [0, 1, 1]), {
    name: "TypeError",
    message: /before must be an array of numbers/,
  });
  assert.throws(() => articleGridReport(holey), TypeError);
  // Plain arrays of numbers and number typed arrays are still measured.
  assert.equal(articlePruningReport([0, 0.5], Float32Array.from([0, 0.25])).changed, 1);
});

Deno.test("a NaN weight that stays NaN is not counted as changed; one that appears is", () => {
  // NaN !== NaN counted a diverged weight the step left alone as one it changed.
  const r = articlePruningReport([NaN, 1, 0, 2], [NaN, NaN, -0, 2]);
  // Changed: only 1 -> NaN (0 -> -0 is the same value, NaN -> NaN and 2 -> 2 unchanged).
  assert.equal(r.changed, 1);
  assert.equal(r.weights, 4);
  assert.equal(r.zerosAfter, 1);
});
