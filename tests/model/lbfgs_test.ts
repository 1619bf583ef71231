import assert from "node:assert/strict";
import { minimizeLbfgs } from "../../lib/model/lbfgs.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { pythonWithSklearn } from "../_helpers/python.ts";

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

// An ill-conditioned quadratic (40 dimensions, curvatures 1 to 1e4), minimised with 10
// correction pairs: L-BFGS should need about as many iterations and evaluations as SciPy's
// L-BFGS-B (run live), the reference implementation. A step without the secant scaling
// s'y / y'y, or a memory that keeps one pair too many, still converges but takes several times
// the evaluations or iterations (6,669 and 2,231 against about 1,000 here).
const N = 40;
const CURVATURE = Float64Array.from({ length: N }, (_, i) => 10 ** ((4 * i) / (N - 1)));
const python = await pythonWithSklearn();
Deno.test({
  name: "L-BFGS takes about SciPy's iterations and evaluations on an ill-conditioned quadratic" +
    (python ? "" : " (skipped: no Python with scikit-learn and SciPy)"),
  ignore: !python,
  async fn() {
    const script = [
      "import json, numpy as np",
      "from scipy.optimize import minimize",
      `n = ${N}; a = 10 ** (4 * np.arange(n) / (n - 1))`,
      "f = lambda x: (0.5 * np.sum(a * (x - 1) ** 2), a * (x - 1))",
      "r = minimize(f, np.zeros(n), jac=True, method='L-BFGS-B',",
      "             options=dict(maxcor=10, gtol=1e-8, ftol=0, maxiter=10000))",
      "print(json.dumps({'nit': int(r.nit), 'nfev': int(r.nfev)}))",
    ].join("\n");
    const out = await new Deno.Command(python!, { args: ["-c", script], stdout: "piped" }).output();
    assert.ok(out.success, "SciPy failed");
    const scipy = JSON.parse(new TextDecoder().decode(out.stdout));
    const r = minimizeLbfgs(
      (x, g) => {
        let v = 0;
        for (let i = 0; i < N; i++) {
          g[i] = CURVATURE[i] * (x[i] - 1);
          v += 0.5 * CURVATURE[i] * (x[i] - 1) ** 2;
        }
        return v;
      },
      new Float64Array(N),
      { gradientTolerance: 1e-8, maxIterations: 10000, memory: 10 },
    );
    assert.ok(r.converged, r.reason);
    assert.ok(r.iterations <= 1.25 * scipy.nit, `${r.iterations} iterations, SciPy ${scipy.nit}`);
    assert.ok(
      r.evaluations <= 1.25 * scipy.nfev,
      `${r.evaluations} evaluations, SciPy ${scipy.nfev}`,
    );
  },
});

Deno.test("OWL-QN's pseudo-gradient at zero is the gradient less the L1 weight", () => {
  // f = (x + 3)^2 at x = 0: f' = 6; with |x| weighted 1, the right derivative is 6 + 1 and the
  // left 6 - 1, so the pseudo-gradient (the steepest one-sided slope) is 5.
  const r = minimizeLbfgs(
    (x, g) => {
      g[0] = 2 * (x[0] + 3);
      return (x[0] + 3) ** 2;
    },
    Float64Array.of(0),
    { l1: Float64Array.of(1), maxIterations: 0 },
  );
  assert.equal(r.gradientNorm, 5);
});

const bowl = (x: Float64Array, g: Float64Array): number => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    g[i] = 2 * (x[i] - 1);
    f += (x[i] - 1) ** 2;
  }
  return f;
};

Deno.test("a start where the objective or its gradient is not finite is not reported as converged", () => {
  const starts: [string, (x: Float64Array, g: Float64Array) => number][] = [
    ["NaN value", (_x, g) => (g.fill(1), NaN)],
    ["infinite value", (_x, g) => (g.fill(1), Infinity)],
    ["infinite gradient", (_x, g) => (g.fill(Infinity), 0)],
    ["NaN gradient", (_x, g) => (g.fill(NaN), 0)],
  ];
  for (const [name, fn] of starts) {
    const r = minimizeLbfgs(fn, new Float64Array(2));
    assert.equal(r.converged, false, name);
    assert.equal(r.iterations, 0, name);
    assert.equal(r.reason, "objective or gradient not finite at the start", name);
  }
});

Deno.test("L-BFGS refuses options, starts and L1 strengths that would give nonsense", () => {
  const x0 = new Float64Array(3);
  const refuses = (options: object, pattern: RegExp, type = RangeError) =>
    assert.throws(
      () => minimizeLbfgs(bowl, x0, options),
      (e) => e instanceof type && pattern.test((e as Error).message),
    );
  refuses({ memory: -1 }, /^Cannot minimize: memory must be an integer/);
  refuses({ memory: 0 }, /memory must be an integer/);
  refuses({ memory: 1.5 }, /memory must be an integer/);
  refuses({ maxIterations: -1 }, /maxIterations must be an integer/);
  refuses({ gradientTolerance: NaN }, /gradientTolerance must be a number/);
  refuses({ functionTolerance: -1 }, /functionTolerance must be a number/);
  refuses({ l1: Float64Array.of(0.5) }, /l1 must be a Float64Array of 3 strengths/, TypeError);
  refuses({ l1: Float64Array.of(0.5, NaN, 0) }, /l1\[1\] must be a number/);
  refuses({ l1: Float64Array.of(0.5, -1, 0) }, /l1\[1\] must be a number/);
  assert.throws(() => minimizeLbfgs(bowl, [0, 0] as never), TypeError);
  assert.throws(() => minimizeLbfgs(bowl, Float64Array.of(0, NaN)), /x0 holds NaN at index 1/);
  // The smallest memory still reaches the minimum of the bowl, (1, 1, 1).
  assertClose(minimizeLbfgs(bowl, x0, { memory: 1 }).x, [1, 1, 1], { atol: 1e-9 });
});
