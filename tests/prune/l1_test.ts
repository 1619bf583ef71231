import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { l1LambdaMax, l1Path } from "../../lib/prune/l1.ts";
import { objective, problem } from "./_problems.ts";

for (const name of ["breast-cancer", "digits"] as const) {
  const data = await loadEmbedded(name);
  Deno.test(`lambda max is where the L1 solution becomes empty (${name})`, () => {
    const top = l1LambdaMax(data.x, data.y);
    const opts = { optimizer: { kind: "lbfgs", maxIterations: 300 } } as const;
    const above = fit(data.x, data.y, { ...opts, penalty: { kind: "l1", lambda: top * 1.01 } });
    assert.ok(above.model.weights.data.every((w) => w === 0));
    const below = fit(data.x, data.y, { ...opts, penalty: { kind: "l1", lambda: top * 0.9 } });
    assert.ok(below.model.weights.data.some((w) => w !== 0));
  });
}

Deno.test("an L1 path from lambda max down gains weights, with exact zeros on the way", async () => {
  const data = await loadEmbedded("breast-cancer");
  const top = l1LambdaMax(data.x, data.y);
  const lambdas = [0.5, 0.1, 0.02, 0.004].map((f) => f * top);
  const path = l1Path(data.x, data.y, {
    lambdas,
    optimizer: { kind: "lbfgs", maxIterations: 200 },
  });
  assert.deepEqual(path.map((p) => p.lambda), lambdas);
  for (let i = 1; i < path.length; i++) assert.ok(path[i].sparsity <= path[i - 1].sparsity);
  assert.ok(path[0].sparsity > 0.7 && path[3].sparsity < 0.5);
  // Each point reports its model's share of exact zeros, counted here in a plain loop.
  for (const point of path) {
    let zeros = 0;
    for (const w of point.model.weights.data) if (w === 0) zeros++;
    assert.equal(point.sparsity, zeros / point.model.weights.data.length);
  }
  // A negative or infinite strength anywhere in the list is refused before the first fit (a bare
  // RangeError was also fit's own refusal of lambda -1, so the test passed without l1Path's
  // check; Infinity was refused by fit, in its words, after the first point was trained).
  for (const bad of [-1, Infinity]) {
    let points = 0;
    assert.throws(
      () => l1Path(data.x, data.y, { lambdas: [0.5 * top, bad], onPoint: () => void points++ }),
      new RegExp(
        "^RangeError: Cannot train an L1 path: lambdas\\[1\\] must be a number in " +
          `\\[0, 1\\.7976931348623157e\\+308\\], got ${bad}$`,
      ),
    );
    assert.equal(points, 0, `a point was trained before the refusal of ${bad}`);
  }
});

Deno.test("an L1 path keeps the classes, names, link and preprocessing it is given at every point", async () => {
  const data = await loadEmbedded("breast-cancer");
  const top = l1LambdaMax(data.x, data.y);
  const path = l1Path(data.x, data.y, {
    lambdas: [0.5 * top, 0.1 * top],
    optimizer: { kind: "lbfgs", maxIterations: 50 },
    classes: data.classes,
    featureNames: data.featureNames,
    link: "softmax",
    preprocessing: "standardize",
  });
  for (const point of path) {
    assert.deepEqual(point.model.classes, data.classes);
    assert.deepEqual(point.model.featureNames, data.featureNames);
    assert.equal(point.model.link, "softmax");
    assert.equal(point.model.preprocessing.kind, "standardize");
  }
});

Deno.test("lambda max and the L1 path refuse a nonsense link or lambdas", async () => {
  const data = await loadEmbedded("digits");
  // Any string but sigmoid was taken for softmax; sigmoid for ten classes was computed too.
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => l1LambdaMax(data.x, data.y, { link: "logit" as any }),
    /^RangeError: Cannot compute lambda max: link must be auto, sigmoid or softmax, got logit$/,
  );
  assert.throws(
    () => l1LambdaMax(data.x, data.y, { link: "sigmoid" }),
    /^RangeError: Cannot compute lambda max: the sigmoid link needs exactly 2 classes, got 10$/,
  );
  // "lambdas.forEach is not a function".
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => l1Path(data.x, data.y, { lambdas: 0.1 as any }),
    /^TypeError: Cannot train an L1 path: lambdas must be an array, got /,
  );
});

Deno.test("lambda max refuses a label that would make more than 2^24 classes, before any work", () => {
  // The classes are 0..max(y): a raw id of 2 ** 30 as a label asked for a Float64Array of that
  // many frequencies and a gradient of that many rows (fit refuses it the same way).
  const x = { data: Float64Array.from([0, 1, 2, 3]), rows: 4, cols: 1 };
  const y = Int32Array.from([0, 1, 0, 2 ** 30]);
  assert.throws(() => l1LambdaMax(x, y), {
    name: "RangeError",
    message:
      "Cannot compute lambda max: label 1073741824 would make 1073741825 classes, more than " +
      "16777216; labels are class indices in 0..nClasses-1 (encodeLabels makes them)",
  });
});

Deno.test("an L1 path's default strengths run geometrically from lambda max to lambda max / 1000", async () => {
  // Every test gave the strengths: ten points ending at lambda max / 1000^(9/10) passed
  // (found by the test-quality review's mutations). Closed form: top * 1000^(-i/9), i = 0..9.
  const data = await loadEmbedded("breast-cancer");
  const top = l1LambdaMax(data.x, data.y);
  const path = l1Path(data.x, data.y, { optimizer: { kind: "lbfgs", maxIterations: 2 } });
  assert.equal(path.length, 10);
  path.forEach((p, i) => {
    assert.ok(Math.abs(p.lambda / (top * 1000 ** (-i / 9)) - 1) < 1e-12, `point ${i}`);
  });
  assert.equal(path[0].lambda, top);
  assert.ok(Math.abs(path[9].lambda * 1000 / top - 1) < 1e-12);
});

Deno.test("each point of an L1 path is warm-started from the one before", async () => {
  // Starting every point from scratch passed every test (their fits ran to convergence; found by
  // the test-quality review's mutations). With three L-BFGS iterations the start shows: the
  // second point is fit's result from the first point's model, not from zero.
  const data = await loadEmbedded("breast-cancer");
  const top = l1LambdaMax(data.x, data.y);
  const optimizer = { kind: "lbfgs", maxIterations: 3 } as const;
  const path = l1Path(data.x, data.y, { lambdas: [0.2 * top, 0.02 * top], optimizer });
  const warm = fit(data.x, data.y, {
    optimizer,
    initial: path[0].model,
    penalty: { kind: "l1", lambda: 0.02 * top },
  });
  const cold = fit(data.x, data.y, { optimizer, penalty: { kind: "l1", lambda: 0.02 * top } });
  assert.deepEqual(path[1].model.weights.data, warm.model.weights.data);
  assert.notDeepEqual(path[1].model.weights.data, cold.model.weights.data); // the premise
  // The sparsity reported is the model's share of exact zeros.
  const zeros = path[1].model.weights.data.filter((w) => w === 0).length;
  assert.equal(path[1].sparsity, zeros / 30);
});

Deno.test("lambda max refuses data without rows instead of returning NaN", () => {
  const x = { data: new Float64Array(0), rows: 0, cols: 3 };
  for (const preprocessing of ["none", "standardize"] as const) {
    assert.throws(() => l1LambdaMax(x, new Int32Array(0), { preprocessing }), {
      name: "RangeError",
      message: "Cannot compute lambda max: x has no rows",
    });
  }
});

Deno.test("lambda max is the largest finite-difference gradient at W = 0 with the best bias", () => {
  // Raw features with a non-zero mean: with standardised ones the class frequencies cancel from
  // the gradient (sum x = 0), so a wrong frequency went unseen.
  for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as const) {
    const data = problem(11, 60, 3, k);
    const x = { ...data.x, data: data.x.data.map((v, i) => v + 1 + (i % 3)) };
    const freq = Array.from({ length: k }, (_, c) => data.y.filter((t) => t === c).length / 60);
    const rows = link === "sigmoid" ? 1 : k;
    const b = link === "sigmoid" ? [Math.log(freq[1] / freq[0])] : freq.map(Math.log);
    let expected = 0;
    for (let i = 0; i < rows * 3; i++) {
      const h = 1e-6;
      const plus = new Float64Array(rows * 3), minus = new Float64Array(rows * 3);
      plus[i] = h;
      minus[i] = -h;
      const g = (objective(link, plus, b, x, data.y) - objective(link, minus, b, x, data.y)) /
        (2 * h);
      expected = Math.max(expected, Math.abs(g));
    }
    const got = l1LambdaMax(x, data.y, { preprocessing: "none" });
    assert.ok(expected > 0.05, `${link}: the premise, a gradient to find`);
    assert.ok(Math.abs(got - expected) <= 1e-6 * expected, `${link}: ${got} vs ${expected}`);
  }
});
