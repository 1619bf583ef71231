import assert from "node:assert/strict";
import { l1RegularizationPruning } from "../../lib/article/pruning.ts";
import { softThresholdModel } from "../../lib/prune/prune_model.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { articleReference, fixture } from "./_numpy.ts";

const { ref, origin } = await articleReference();

Deno.test({
  name: "the committed NumPy fixture is the live run's output" +
    (origin === "numpy, live" ? "" : " (skipped: python3 with NumPy not found)"),
  ignore: origin !== "numpy, live",
  async fn() {
    // Where NumPy is absent the article tests read the fixture alone: nothing compared it with
    // NumPy where NumPy is present, so a stale or edited copy went unnoticed.
    const { source: _committed, ...committed } = JSON.parse(await Deno.readTextFile(fixture));
    const { source: _live, ...live } = ref;
    assert.deepEqual(committed, live);
  },
});

Deno.test(`the port of l1_regularization_pruning matches NumPy (${origin})`, () => {
  const out = l1RegularizationPruning(Float64Array.from(ref.weights), 0.01);
  assertClose(out, ref.pruned, { rtol: 0, atol: 0 });
});

Deno.test("it is w - alpha * sign(w), element by element, and leaves its input alone", () => {
  const w = Float64Array.from([0.3, -0.3, 0.004, -0.004, 0, 0.01, -2]);
  const copy = w.slice();
  const out = l1RegularizationPruning(w, 0.01);
  assert.deepEqual(w, copy);
  for (let i = 0; i < w.length; i++) {
    const s = w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0;
    assert.equal(out[i], w[i] - 0.01 * s);
  }
});

Deno.test("zeros keep their sign, as with NumPy's sign (np.sign(-0.0) is 0.0)", () => {
  // NumPy: np.array([-0.0, 0.0]) - 0.01 * np.sign(np.array([-0.0, 0.0])) is [-0.0, 0.0].
  const out = l1RegularizationPruning(Float64Array.of(-0, 0, NaN), 0.01);
  assert.ok(Object.is(out[0], -0), `got ${Object.is(out[0], 0) ? "+0" : out[0]} for -0`);
  assert.ok(Object.is(out[1], 0));
  assert.ok(Number.isNaN(out[2]));
});

Deno.test("defect: it produces no exact zeros; small weights change sign instead", () => {
  const prng = createPrng(4);
  const w = Float64Array.from({ length: 10000 }, () => 0.02 * randomNormal(prng));
  const out = l1RegularizationPruning(w, 0.01);
  let small = 0, flipped = 0, zeros = 0;
  for (let i = 0; i < w.length; i++) {
    if (out[i] === 0) zeros++;
    if (Math.abs(w[i]) < 0.01) {
      small++;
      if (Math.sign(out[i]) === -Math.sign(w[i])) flipped++;
    }
  }
  assert.equal(zeros, 0);
  assert.ok(small > 3000, `${small} weights below alpha`); // about 38 % of N(0, 0.02²)
  assert.equal(flipped, small);
  // The proximal L1 step with the same alpha zeroes exactly those weights.
  const model = {
    kind: "logistic-regression" as const,
    version: 1 as const,
    link: "sigmoid" as const,
    weights: { data: w, rows: 1, cols: w.length },
    bias: new Float64Array(1),
    classes: ["a", "b"],
    featureNames: Array.from({ length: w.length }, (_, j) => `x${j}`),
    preprocessing: { kind: "none" as const },
  };
  const prox = softThresholdModel(model, { threshold: 0.01 });
  assert.equal(prox.weights.data.filter((v) => v === 0).length, small);
});

Deno.test("alpha must be a finite number: NaN made every weight NaN, Infinity the zeros", () => {
  const w = Float64Array.of(0.5, 0, -0.004);
  for (const alpha of [NaN, Infinity, -Infinity]) {
    assert.throws(() => l1RegularizationPruning(w, alpha), {
      name: "RangeError",
      message:
        /^Cannot prune as the article does: alpha must be a number .*, got -?(NaN|Infinity)$/,
    });
  }
  // Any finite alpha is still the article's w - alpha * sign(w), a negative one included.
  assert.deepEqual([...l1RegularizationPruning(w, -0.5)], [1, 0, -0.004 - 0.5]);
});

Deno.test("weights that are not an array of numbers are refused, not read by their length", () => {
  // A string has a length and numeric characters: "12" was pruned to [0.99, 1.99].
  for (const weights of [null, undefined, "12", { length: 2 }, [1, "2"], BigInt64Array.of(1n)]) {
    assert.throws(() => l1RegularizationPruning(weights as unknown as Float64Array, 0.01), {
      name: "TypeError",
      message: /^Cannot prune as the article does: weights must be an array of numbers, got /,
    });
  }
  // A plain array and a Float32Array are read as float64 values, as NumPy reads a float64 array:
  // w - 0.01 * sign(w) (NumPy keeps a float32 array in float32; 0.5 - 0.25 is exact in both).
  assert.deepEqual([...l1RegularizationPruning([0.5, -0.25] as unknown as Float64Array, 0.01)], [
    0.5 - 0.01,
    -0.25 + 0.01,
  ]);
  assert.deepEqual([...l1RegularizationPruning(Float32Array.of(0.5) as never, 0.25)], [0.25]);
});
