// The parameter updates of SGD and Adam, one step from a known state, against values worked by
// hand. Adam's L1 step thresholds each coordinate at its own rate lr / (sqrt(v_hat) + eps): a
// threshold of lr * l1 for every coordinate (a mutation found by the test audit) passed every test
// of fit and of the L1 path, whose optima do not tell the two apart.
import assert from "node:assert/strict";
import { adamUpdate, sgdUpdate } from "../../lib/model/updates.ts";

const close = (actual: ArrayLike<number>, expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < 1e-12,
      `${what}[${i}]: ${actual[i]}, expected ${expected[i]}`,
    );
  }
};

Deno.test("adamUpdate: the first step moves each weight by lr sign(g) and thresholds at lr * l1 / |g|", () => {
  // Step 1 from zero moments: m_hat = g and sqrt(v_hat) = |g|, so with eps = 0 each weight moves
  // by lr * sign(g) and its proximal threshold is lr * l1 / |g| (Kingma and Ba's bias correction).
  const beta1 = 0.9, beta2 = 0.999, lr = 0.1, l1 = 1;
  const p = Float64Array.from([1, 0.5, -0.3, 0.05, 7]);
  const g = Float64Array.from([2, 0.5, -1, 0.5, 3]);
  const m = new Float64Array(5), v = new Float64Array(5);
  const mask = Uint8Array.from([1, 1, 1, 1, 0]);
  adamUpdate(p, g, m, v, lr, beta1, beta2, 0, 1 / (1 - beta1), 1 / (1 - beta2), l1, mask);
  // 1 - 0.1 = 0.9, less 0.1 / 2; 0.5 - 0.1 = 0.4, less 0.1 / 0.5 = 0.2; -0.3 + 0.1 = -0.2, less
  // 0.1 in size; 0.05 - 0.1 = -0.05 is within 0.2 of zero; the masked weight stays.
  close(p, [0.85, 0.2, -0.1, 0, 7], "weights");
  close(m, [0.2, 0.05, -0.1, 0.05, 0], "first moments");
  close(v, [0.004, 0.00025, 0.001, 0.00025, 0], "second moments");
  // Without L1 the same step is lr * sign(g) alone.
  const q = Float64Array.from([1, 0.5, -0.3, 0.05]);
  adamUpdate(
    q,
    g.subarray(0, 4),
    new Float64Array(4),
    new Float64Array(4),
    lr,
    beta1,
    beta2,
    0,
    1 / (1 - beta1),
    1 / (1 - beta2),
    0,
    null,
  );
  close(q, [0.9, 0.4, -0.2, -0.05], "weights without L1");
});

Deno.test("adamUpdate: the second step uses the moments' bias corrections 1 / (1 - beta^2)", () => {
  const beta1 = 0.5, beta2 = 0.75, lr = 0.25, eps = 0.5, l1 = 0.5;
  const p = Float64Array.from([1]);
  const m = new Float64Array(1), v = new Float64Array(1);
  adamUpdate(p, Float64Array.from([2]), m, v, lr, beta1, beta2, eps, 2, 4, l1, null);
  // Step 1: m = 1, v = 1, m_hat = 2, sqrt(v_hat) = 2, rate = 0.25 / 2.5 = 0.1:
  // 1 - 0.2 = 0.8, less 0.1 * 0.5 = 0.75.
  close(p, [0.75], "after step 1");
  adamUpdate(
    p,
    Float64Array.from([-2]),
    m,
    v,
    lr,
    beta1,
    beta2,
    eps,
    1 / 0.75,
    1 / 0.4375,
    l1,
    null,
  );
  // Step 2: m = 0.5 - 1 = -0.5, m_hat = -0.5 / 0.75 = -2/3; v = 0.75 + 1 = 1.75,
  // v_hat = 1.75 / 0.4375 = 4, sqrt 2; rate = 0.1: 0.75 + 0.2/3, less 0.05.
  close(p, [0.75 + 0.2 / 3 - 0.05], "after step 2");
});

Deno.test("sgdUpdate: heavy-ball step, then the threshold lr * l1 / (1 - momentum)", () => {
  const p = Float64Array.from([1, 0.1, -2, 5]);
  const g = Float64Array.from([2, 0.5, -1, 9]);
  const v = Float64Array.from([0.5, 0, 0, 1]);
  sgdUpdate(p, g, v, 0.1, 0.5, 1, Uint8Array.from([1, 1, 1, 0]));
  // v = 0.5 v - 0.1 g: 0.05, -0.05, 0.1; p + v: 1.05, 0.05, -1.9; threshold 0.1 / 0.5 = 0.2.
  close(v, [0.05, -0.05, 0.1, 1], "velocities");
  close(p, [0.85, 0, -1.7, 5], "weights");
});

Deno.test("sgdUpdate and adamUpdate leave alone only the entries whose mask is 0, as documented", () => {
  // Both are public and document "entries with mask[i] === 0 are left alone": a kept entry may be
  // any non-zero byte (2, 255), as the histogram's mask reads it. Worked by hand with momentum 0
  // and eps 0: SGD moves 1 by -0.1 * 2; Adam's first step moves it by lr * sign(g) = 0.1.
  const mask = Uint8Array.from([2, 255, 0]);
  const p = Float64Array.from([1, 1, 1]), v = new Float64Array(3);
  sgdUpdate(p, Float64Array.from([2, 2, 2]), v, 0.1, 0, 0, mask);
  close(p, [0.8, 0.8, 1], "SGD weights");
  close(v, [-0.2, -0.2, 0], "SGD velocities");
  const q = Float64Array.from([1, 1, 1]), m = new Float64Array(3), s = new Float64Array(3);
  adamUpdate(q, Float64Array.from([2, 2, 2]), m, s, 0.1, 0.9, 0.999, 0, 10, 1000, 0, mask);
  close(q, [0.9, 0.9, 1], "Adam weights");
});
