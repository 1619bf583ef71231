import assert from "node:assert/strict";
import { applyPreprocessing, fitStandardizer } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import {
  lossDerivatives,
  magnitudeScores,
  obdScores,
  randomScores,
  taylorScores,
} from "../../lib/prune/scores.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { modelOf, objective, problem } from "./_problems.ts";

const LINKS = [["sigmoid", 2], ["softmax", 3]] as const;

/** A model at a random point (not a minimum), with standardisation to exercise preprocessing. */
function randomPoint(link: "sigmoid" | "softmax", k: number, seed: number) {
  const data = problem(seed, 60, 4, k);
  const rows = link === "sigmoid" ? 1 : k;
  const prng = createPrng(seed + 100);
  const w = Float64Array.from({ length: rows * 4 }, () => 0.7 * randomNormal(prng));
  const b = Float64Array.from({ length: rows }, () => 0.3 * randomNormal(prng));
  const prep = fitStandardizer(data.x);
  const model = modelOf(link, w, b, 4, prep);
  return { model, data, xt: applyPreprocessing(prep, data.x) };
}

for (const [link, k] of LINKS) {
  Deno.test(`${link}: the gradient matches central differences`, () => {
    const { model, data, xt } = randomPoint(link, k, 3);
    const l2 = 0.05;
    const der = lossDerivatives(model, data, { l2 });
    const w = model.weights.data, h = 1e-6;
    assertClose(der.loss, objective(link, w, model.bias, xt, data.y, l2), { rtol: 1e-12 });
    for (let i = 0; i < w.length; i++) {
      const up = w.slice(), down = w.slice();
      up[i] += h;
      down[i] -= h;
      const fd = (objective(link, up, model.bias, xt, data.y, l2) -
        objective(link, down, model.bias, xt, data.y, l2)) / (2 * h);
      assertClose(der.gradient.data[i], fd, { rtol: 1e-6, atol: 1e-9, message: `weight ${i}` });
    }
  });

  Deno.test(`${link}: the Hessian diagonal matches second central differences`, () => {
    const { model, data, xt } = randomPoint(link, k, 4);
    const l2 = 0.05;
    const der = lossDerivatives(model, data, { l2 });
    const w = model.weights.data, h = 1e-3;
    const f0 = objective(link, w, model.bias, xt, data.y, l2);
    for (let i = 0; i < w.length; i++) {
      const up = w.slice(), down = w.slice();
      up[i] += h;
      down[i] -= h;
      const fd = (objective(link, up, model.bias, xt, data.y, l2) - 2 * f0 +
        objective(link, down, model.bias, xt, data.y, l2)) / (h * h);
      assertClose(der.hessianDiagonal.data[i], fd, { rtol: 1e-5, message: `weight ${i}` });
    }
  });

  Deno.test(`${link}: Taylor saliency (batch) is |w * finite-difference gradient|`, () => {
    const { model, data, xt } = randomPoint(link, k, 5);
    const s = taylorScores(model, data, { aggregate: "batch" });
    const w = model.weights.data, h = 1e-6;
    for (let i = 0; i < w.length; i++) {
      const up = w.slice(), down = w.slice();
      up[i] += h;
      down[i] -= h;
      const fd = (objective(link, up, model.bias, xt, data.y) -
        objective(link, down, model.bias, xt, data.y)) / (2 * h);
      assertClose(s.data[i], Math.abs(w[i] * fd), { rtol: 1e-6, atol: 1e-10 });
    }
  });

  Deno.test(`${link}: Taylor saliency (sample) is the mean of per-sample |w * FD gradient|`, () => {
    const { model, data, xt } = randomPoint(link, k, 6);
    const s = taylorScores(model, data);
    const w = model.weights.data, h = 1e-6;
    for (let i = 0; i < w.length; i++) {
      let sum = 0;
      for (let r = 0; r < data.x.rows; r++) {
        const up = w.slice(), down = w.slice();
        up[i] += h;
        down[i] -= h;
        const fd = (objective(link, up, model.bias, xt, data.y, 0, [r]) -
          objective(link, down, model.bias, xt, data.y, 0, [r])) / (2 * h);
        sum += Math.abs(w[i] * fd);
      }
      assertClose(s.data[i], sum / data.x.rows, { rtol: 1e-6, atol: 1e-10 });
    }
  });

  Deno.test(
    `${link}: at a minimum, OBD saliency is the objective increase of zeroing a weight, ` +
      "within the third-order remainder bound",
    () => {
      const data = problem(11, 300, 5, k);
      const l2 = 0.02;
      const { model } = fit(data.x, data.y, {
        link,
        penalty: { kind: "l2", lambda: l2 },
        preprocessing: "none",
        optimizer: { kind: "lbfgs", tolerance: 1e-12, maxIterations: 2000 },
      });
      const w = model.weights.data, b = model.bias;
      const s = obdScores(model, data, { l2 });
      const g = lossDerivatives(model, data, { l2 }).gradient.data;
      const f0 = objective(link, w, b, data.x, data.y, l2);
      const d = data.x.cols;
      // |d³L/dw³| <= max |p (1 - p)(1 - 2p)| * mean |x_j|³ = mean |x_j|³ / (6 sqrt 3).
      const c3 = 1 / (6 * Math.sqrt(3));
      let checked = 0;
      for (let i = 0; i < w.length; i++) {
        const j = i % d;
        let m3 = 0;
        for (let r = 0; r < data.x.rows; r++) m3 += Math.abs(data.x.data[r * d + j]) ** 3;
        m3 /= data.x.rows;
        const zeroed = w.slice();
        zeroed[i] = 0;
        const actual = objective(link, zeroed, b, data.x, data.y, l2) - f0;
        const bound = (c3 * m3 * Math.abs(w[i]) ** 3) / 6 + Math.abs(g[i] * w[i]) + 1e-14;
        assert.ok(
          Math.abs(actual - s.data[i]) <= bound,
          `weight ${i} = ${w[i]}: actual ${actual}, OBD ${s.data[i]}, bound ${bound}`,
        );
        // The bound is far tighter than the saliency itself, so the check has teeth.
        if (Math.abs(w[i]) < 0.5) assert.ok(bound < 0.5 * s.data[i], `weight ${i}: weak bound`);
        checked++;
      }
      assert.equal(checked, w.length);
    },
  );

  Deno.test(
    `${link}: OBD's relative error shrinks like the step (third-order term) as a weight is ` +
      "moved towards zero",
    () => {
      const { model, data, xt } = randomPoint(link, k, 8);
      const w = model.weights.data;
      const der = lossDerivatives(model, data);
      const f0 = objective(link, w, model.bias, xt, data.y);
      for (let i = 0; i < w.length; i++) {
        // Move w_i by -t * w_i; second-order prediction: t g w... with the first-order term.
        const relErr = [0.4, 0.2, 0.1].map((t) => {
          const moved = w.slice();
          moved[i] = w[i] * (1 - t);
          const actual = objective(link, moved, model.bias, xt, data.y) - f0;
          const predicted = -der.gradient.data[i] * t * w[i] +
            0.5 * der.hessianDiagonal.data[i] * (t * w[i]) ** 2;
          return Math.abs(actual - predicted) / Math.abs(actual);
        });
        assert.ok(relErr[1] < relErr[0] / 1.8 && relErr[2] < relErr[1] / 1.8, `${relErr}`);
      }
      // And obdScores with firstOrder gives the t = 1 prediction.
      const s = obdScores(model, data, { firstOrder: true });
      for (let i = 0; i < w.length; i++) {
        const predicted = -der.gradient.data[i] * w[i] +
          0.5 * der.hessianDiagonal.data[i] * w[i] ** 2;
        assertClose(s.data[i], predicted, { rtol: 1e-12, atol: 1e-15 });
      }
    },
  );
}

Deno.test("derivatives in one pass equal the sum of per-sample derivatives", () => {
  const { model, data } = randomPoint("softmax", 3, 9);
  const all = lossDerivatives(model, data);
  const gSum = new Float64Array(all.gradient.data.length);
  const hSum = new Float64Array(gSum.length);
  for (let r = 0; r < data.x.rows; r++) {
    const one = lossDerivatives(model, {
      x: { data: data.x.data.slice(r * 4, r * 4 + 4), rows: 1, cols: 4 },
      y: data.y.slice(r, r + 1),
    });
    for (let i = 0; i < gSum.length; i++) {
      gSum[i] += one.gradient.data[i] / data.x.rows;
      hSum[i] += one.hessianDiagonal.data[i] / data.x.rows;
    }
  }
  assertClose(all.gradient.data, gSum, { rtol: 1e-10, atol: 1e-14 });
  assertClose(all.hessianDiagonal.data, hSum, { rtol: 1e-10, atol: 1e-14 });
});

Deno.test("magnitude scores are |w| and random scores are seeded uniforms", () => {
  const model = modelOf("softmax", Float64Array.from([-3, 0, 2, -0.5]), new Float64Array(2), 2);
  assert.deepEqual([...magnitudeScores(model).data], [3, 0, 2, 0.5]);
  const a = randomScores(model, { seed: 5 }), b = randomScores(model, { seed: 5 });
  const c = randomScores(model, { seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.data, c.data);
  for (const v of a.data) assert.ok(v >= 0 && v < 1);
  const prng = createPrng(5);
  assert.deepEqual([...randomScores(model, { prng }).data], [...a.data]);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => randomScores(model, { prng: 5 as any }),
    /^TypeError: Cannot score weights: prng must be a function \(\) => number, got number 5$/,
  );
});

Deno.test("scorers reject data that does not fit the model", () => {
  const model = modelOf("sigmoid", Float64Array.from([1, 2]), new Float64Array(1), 2);
  const x = { data: new Float64Array(6), rows: 2, cols: 3 };
  // A truthy non-boolean ("no") added the first-order term.
  const ok = { x: { data: new Float64Array(4), rows: 2, cols: 2 }, y: Int32Array.from([0, 1]) };
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => obdScores(model, ok, { firstOrder: "no" as any }),
    /^TypeError: Cannot compute OBD scores: firstOrder must be a boolean, got string "no"$/,
  );
  assert.throws(() => obdScores(model, { x, y: Int32Array.from([0, 1]) }), TypeError);
  const x2 = { data: Float64Array.from([0, NaN]), rows: 1, cols: 2 };
  assert.throws(() => taylorScores(model, { x: x2, y: Int32Array.from([0]) }), RangeError);
  const x3 = { data: new Float64Array(2), rows: 1, cols: 2 };
  assert.throws(() => taylorScores(model, { x: x3, y: Int32Array.from([2]) }), RangeError);
  // The documented RangeError, for l2 itself (a bare throws() took any error, of any type).
  assert.throws(
    () => lossDerivatives(model, { x: x3, y: Int32Array.from([0]) }, { l2: -1 }),
    /^RangeError: Cannot compute loss derivatives: l2 must be a number in \[0, 1\.7976931348623157e\+308\], got -1$/,
  );
  // Finite, as fit's penalty.lambda: Infinity was taken, and the gradient's overflow was then
  // blamed on the inputs ("too large for the model's weights"), here of a single zero row.
  for (const f of [lossDerivatives, obdScores]) {
    assert.throws(
      () => f(model, { x: x3, y: Int32Array.from([0]) }, { l2: Infinity }),
      /^RangeError: Cannot compute loss derivatives: l2 must be a number in \[0, 1\.7976931348623157e\+308\], got Infinity$/,
    );
  }
});

Deno.test("taylorScores refuses an unknown aggregate instead of reading it as batch", () => {
  // Only 'sample' and 'batch' were ever given: without the check 'mean' ran as 'batch' (found by
  // the test-quality review's mutations).
  const { model, data } = randomPoint("softmax", 3, 4);
  assert.throws(() => taylorScores(model, data, { aggregate: "mean" as "batch" }), {
    name: "RangeError",
    message: "Cannot compute Taylor scores: unknown aggregate 'mean'; use sample or batch",
  });
});

Deno.test("randomScores refuses a non-finite seed in its own words, and ignores it with a prng", () => {
  // The random generator refused it first, naming itself ("Cannot create random generator").
  const model = modelOf("softmax", Float64Array.from([-3, 0, 2, -0.5]), new Float64Array(2), 2);
  assert.throws(
    () => randomScores(model, { seed: NaN }),
    /^TypeError: Cannot score weights: seed must be a finite number, got number NaN$/,
  );
  assert.equal(randomScores(model, { seed: NaN, prng: createPrng(5) }).data.length, 4);
});

Deno.test("scorers refuse inputs whose scores overflow, as predict does, instead of NaN scores", () => {
  // w * x = 1e400 overflows to Infinity: softmax Taylor and OBD scores came back NaN, the sigmoid
  // Taylor score Infinity and both losses NaN, without a word.
  const x = { data: Float64Array.from([1e200, 1]), rows: 2, cols: 1 };
  const data = { x, y: Int32Array.from([0, 1]) };
  const softmax = modelOf("softmax", Float64Array.from([1e200, -1e200]), new Float64Array(2), 1);
  const sigmoid = modelOf("sigmoid", Float64Array.from([1e200]), new Float64Array(1), 1);
  for (const model of [softmax, sigmoid]) {
    for (const score of [lossDerivatives, taylorScores, obdScores]) {
      assert.throws(
        () => score(model, data),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.startsWith("Cannot compute loss derivatives: the ") &&
          e.message.endsWith(": the inputs are too large for the model's weights"),
        `${model.link}, ${score.name}`,
      );
    }
  }
  // A finite score whose curvature term overflows: w = 0, x = 1e200 gives H = x² / 4 = Infinity
  // (and an OBD score of Infinity * 0 = NaN).
  const zero = modelOf("sigmoid", Float64Array.from([0]), new Float64Array(1), 1);
  assert.throws(() => obdScores(zero, data), {
    name: "RangeError",
    message: "Cannot compute loss derivatives: the Hessian diagonal of weight 0 is Infinity: " +
      "the inputs are too large for the model's weights",
  });
});

Deno.test("softmax: scores 1000 apart give the closed-form loss and derivatives, not an overflow", () => {
  // z = (0, 1000, 0) for x = 1000, label 0: log-sum-exp is 1000 + log(1 + 2e^-1000) = 1000 in
  // doubles, p = (0, 1, 0), so loss = 1000 - 0, gradient (p - e_0) x = (-1000, 1000, 0) and
  // p (1 - p) x² = 0. Shifting by any score but the largest makes e^1000 overflow.
  const model = modelOf("softmax", Float64Array.from([0, 1, 0]), new Float64Array(3), 1);
  const data = {
    x: { data: Float64Array.from([1000]), rows: 1, cols: 1 },
    y: Int32Array.from([0]),
  };
  const der = lossDerivatives(model, data);
  assert.equal(der.loss, 1000);
  assert.deepEqual([...der.gradient.data], [-1000, 1000, 0]);
  assert.deepEqual([...der.hessianDiagonal.data], [0, 0, 0]);
  assert.deepEqual([...der.meanAbsSampleGradient.data], [1000, 1000, 0]);
});

Deno.test("scorers refuse data without rows in those words, not as an overflow of 0 / 0", () => {
  const model = modelOf("sigmoid", Float64Array.from([1, 2]), new Float64Array(1), 2);
  const empty = { x: { data: new Float64Array(0), rows: 0, cols: 2 }, y: new Int32Array(0) };
  // Each scorer refuses through lossDerivatives; without the check 1 / 0 rows made every mean
  // NaN, refused as inputs "too large for the model's weights".
  for (const score of [lossDerivatives, taylorScores, obdScores]) {
    assert.throws(() => score(model, empty), {
      name: "RangeError",
      message: "Cannot compute loss derivatives: data.x has no rows",
    }, score.name);
  }
});
