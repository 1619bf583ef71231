import assert from "node:assert/strict";
import { minimizeLbfgs } from "../../lib/model/lbfgs.ts";
import { assertClose } from "../_helpers/assert_close.ts";

Deno.test("L-BFGS finds the minimum of the Rosenbrock function", () => {
  const r = minimizeLbfgs(
    (x, g) => {
      const a = 1 - x[0], b = x[1] - x[0] * x[0];
      g[0] = -2 * a - 400 * x[0] * b;
      g[1] = 200 * b;
      return a * a + 100 * b * b;
    },
    Float64Array.from([-1.2, 1]),
    { gradientTolerance: 1e-10 },
  );
  assert.ok(r.converged, r.reason);
  assertClose(r.x, [1, 1], { atol: 1e-7 });
});

Deno.test("OWL-QN matches the closed-form soft-threshold solution of a separable lasso", () => {
  // f(x) = sum a_i/2 (x_i - c_i)^2 + l_i |x_i|  =>  x_i = sign(c_i) max(|c_i| - l_i/a_i, 0).
  const a = [1, 4, 0.5, 2, 3], c = [2, -0.1, -3, 0.4, 0];
  const l1 = Float64Array.from([0.5, 1, 1, 0.9, 0.2]);
  const r = minimizeLbfgs(
    (x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        g[i] = a[i] * (x[i] - c[i]);
        f += 0.5 * a[i] * (x[i] - c[i]) ** 2;
      }
      return f;
    },
    new Float64Array(5),
    { l1, gradientTolerance: 1e-12 },
  );
  const expected = c.map((ci, i) => Math.sign(ci) * Math.max(Math.abs(ci) - l1[i] / a[i], 0));
  // A line search on function values resolves x to about sqrt(machine epsilon) * scale.
  assertClose(r.x, expected, { atol: 1e-7 });
  // Zeros are exact, not merely small.
  assert.equal(r.x[1], 0);
  assert.equal(r.x[3], 0);
  assert.equal(r.x[4], 0);
});

Deno.test("the caller can stop L-BFGS, and iterations are reported in order", () => {
  const seen: number[] = [];
  const r = minimizeLbfgs(
    (x, g) => {
      g[0] = 4 * x[0] ** 3;
      return x[0] ** 4;
    },
    Float64Array.from([3]),
    {
      onIteration: (s) => {
        seen.push(s.iteration);
        return s.iteration < 3;
      },
    },
  );
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(r.converged, false);
  assert.match(r.reason, /stopped by the caller/);
});
