import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { minimizeLbfgs } from "../../lib/model/lbfgs.ts";
import { diagonalPreconditioner, kroneckerPreconditioner } from "../../lib/model/precondition.ts";
import { assertClose } from "../_helpers/assert_close.ts";

function randomCovariance(seed: number, d: number): Float64Array {
  const prng = createPrng(seed);
  const z = Float64Array.from({ length: 3 * d * d }, () => randomNormal(prng));
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let t = 0; t < 3 * d; t++) s += z[t * d + a] * z[t * d + b];
      cov[a * d + b] = s / (3 * d);
    }
  }
  return cov;
}

// a = p (1 - p) at uniform probabilities: (1/5)(4/5) for five classes, 1/4 for the sigmoid's
// single output (p = 1/2); the sigmoid's was untested, and 1/2 there passed.
const CURVATURES = [[5, 4 / 25], [1, 0.25]] as const;
for (const [wasm, [k, a]] of [false, true].flatMap((w) => CURVATURES.map((c) => [w, c] as const))) {
  Deno.test(`Kronecker preconditioner (${wasm ? "wasm" : "ts"}, ${k} output${k > 1 ? "s" : ""}) inverts (a Cov + l2 I) on each class row`, () => {
    const d = 9, l2 = 0.05;
    const cov = randomCovariance(1, d);
    const pre = kroneckerPreconditioner(cov, { nOutputs: k, l2, mask: null, wasm })!;
    const prng = createPrng(2);
    const v = Float64Array.from({ length: k * d + k }, () => randomNormal(prng));
    const out = new Float64Array(v.length);
    pre(v, out);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < d; i++) {
        let s = l2 * out[c * d + i];
        for (let j = 0; j < d; j++) s += a * cov[i * d + j] * out[c * d + j];
        assertClose(s, v[c * d + i], { rtol: 1e-10, atol: 1e-12 });
      }
      assertClose(out[k * d + c], v[k * d + c] / a, { rtol: 1e-14 });
    }
  });
}

Deno.test("preconditioners keep masked weights at zero", () => {
  const d = 5, k = 2;
  const mask = Uint8Array.from({ length: k * d }, (_, i) => (i % 2 ? 1 : 0));
  const v = new Float64Array(k * d + k).fill(1);
  for (
    const pre of [
      kroneckerPreconditioner(randomCovariance(3, d), { nOutputs: k, l2: 0.1, mask })!,
      // The wasm form (fit's on the wasm backend) had no masked case: without its mask step the
      // full P leaked into masked weights and every test passed.
      kroneckerPreconditioner(randomCovariance(3, d), { nOutputs: k, l2: 0.1, mask, wasm: true })!,
      diagonalPreconditioner(new Float64Array(d).fill(2), { nOutputs: k, l2: 0.1, mask }),
    ]
  ) {
    const out = new Float64Array(v.length);
    pre(v, out);
    for (let i = 0; i < k * d; i++) if (mask[i] === 0) assert.equal(out[i], 0);
  }
});

Deno.test("L-BFGS with the exact inverse Hessian as preconditioner solves a quadratic in one step", () => {
  // f(x) = 1/2 x^T H x - b^T x with H = diag(1, 100, 1e4).
  const h = [1, 100, 1e4], bv = [1, 2, 3];
  const f = (x: Float64Array, g: Float64Array) => {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      g[i] = h[i] * x[i] - bv[i];
      v += 0.5 * h[i] * x[i] * x[i] - bv[i] * x[i];
    }
    return v;
  };
  const r = minimizeLbfgs(f, new Float64Array(3), {
    preconditioner: (v, out) => {
      for (let i = 0; i < 3; i++) out[i] = v[i] / h[i];
    },
    gradientTolerance: 1e-10,
  });
  assert.ok(r.iterations <= 2, `${r.iterations} iterations`);
  for (let i = 0; i < 3; i++) assertClose(r.x[i], bv[i] / h[i], { rtol: 1e-9 });
});

Deno.test("the diagonal preconditioner divides by a var_j + l2 per weight and by a per bias, a = p (1 - p) at uniform p", () => {
  // Closed forms: a = 1/4 for the sigmoid's one output (p = 1/2), (1/4)(3/4) = 3/16 for four
  // classes. Only its mask was tested: a preconditioner without l2, or with the sigmoid's
  // curvature at 1/2, passed (it changes iteration counts, not the optimum).
  const variance = Float64Array.of(0.5, 2, 0, 3), l2 = 0.1, d = 4;
  for (const [k, a] of [[1, 0.25], [4, 3 / 16]]) {
    const pre = diagonalPreconditioner(variance, { nOutputs: k, l2, mask: null });
    const v = Float64Array.from({ length: k * d + k }, (_, i) => 1 + i);
    const out = new Float64Array(v.length);
    pre(v, out);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        assertClose(out[c * d + j], v[c * d + j] / (a * variance[j] + l2), { rtol: 1e-15 });
      }
      assertClose(out[k * d + c], v[k * d + c] / a, { rtol: 1e-15 });
    }
  }
});

Deno.test("the diagonal preconditioner stays finite and positive for a constant feature without L2", () => {
  // A constant (standardised to 0) feature has variance 0; with no L2, 1 / (a var + l2) is
  // 1 / 0. L-BFGS needs P symmetric positive definite (LbfgsOptions.preconditioner), so finite:
  // without its floor the entry was Infinity, and Infinity x 0 (that feature's gradient) NaN.
  const variance = Float64Array.of(0, 1.5, 0.25), d = 3;
  for (const k of [1, 3]) {
    const pre = diagonalPreconditioner(variance, { nOutputs: k, l2: 0, mask: null });
    const v = Float64Array.from({ length: k * d + k }, (_, i) => (i % 2 ? -1 : 1) * (1 + i));
    const out = new Float64Array(v.length);
    pre(v, out);
    for (let i = 0; i < v.length; i++) {
      assert.ok(Number.isFinite(out[i]) && out[i] * v[i] > 0, `k ${k}, entry ${i}: ${out[i]}`);
    }
    // The other weights keep 1 / (a var_j), a = 1/4 or (1/3)(2/3).
    const a = k === 1 ? 0.25 : 2 / 9;
    for (let c = 0; c < k; c++) {
      for (let j = 1; j < d; j++) {
        assertClose(out[c * d + j], v[c * d + j] / (a * variance[j]), { rtol: 1e-15 });
      }
    }
    // A zero gradient there stays a zero step, not NaN.
    const zero = new Float64Array(v.length);
    pre(zero, out);
    assert.ok(out.every((x) => x === 0));
  }
});

Deno.test("without L2, the preconditioners floor a constant feature as documented: 1e-6 times the largest diagonal entry, or a ridge of 1e-6 a trace(Cov) / d", () => {
  // Closed forms from the module's documentation. Only finiteness and sign were checked: a floor
  // of 1e-6 absolute (diagonal), and for the Kronecker form no floor at all (it then returned
  // null on a singular covariance) or one without a and / d, passed.
  const d = 4, k = 3, a = (1 / 3) * (2 / 3);
  const cov = randomCovariance(6, d);
  for (let j = 0; j < d; j++) cov[2 * d + j] = cov[j * d + 2] = 0; // feature 2 constant
  const variance = Float64Array.from({ length: d }, (_, j) => cov[j * d + j]);
  const v = Float64Array.from({ length: k * d + k }, (_, i) => (i % 2 ? -1 : 1) * (1 + i));
  const out = new Float64Array(v.length);
  diagonalPreconditioner(variance, { nOutputs: k, l2: 0, mask: null })(v, out);
  const hMax = Math.max(a, ...variance.map((s) => a * s));
  for (let c = 0; c < k; c++) assertClose(out[c * d + 2], v[c * d + 2] / (1e-6 * hMax));
  let trace = 0;
  for (let j = 0; j < d; j++) trace += cov[j * d + j];
  const ridge = 1e-6 * a * trace / d;
  for (const wasm of [false, true]) {
    const pre = kroneckerPreconditioner(cov, { nOutputs: k, l2: 0, mask: null, wasm });
    assert.ok(pre !== null, `wasm ${wasm}`);
    pre(v, out);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < d; i++) {
        let s = ridge * out[c * d + i];
        for (let j = 0; j < d; j++) s += a * cov[i * d + j] * out[c * d + j];
        assertClose(s, v[c * d + i], { rtol: 1e-8, atol: 1e-10, message: `wasm ${wasm}` });
      }
    }
  }
});
