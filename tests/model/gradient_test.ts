import assert from "node:assert/strict";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { accumulateLoss } from "../../lib/model/loss.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictProba } from "../../lib/model/predict.ts";
import type { Link, LogisticModel } from "../../lib/model/types.ts";

function problem(seed: number, n: number, d: number, k: number) {
  const prng = createPrng(seed);
  const x: Matrix<Float64Array> = {
    data: Float64Array.from({ length: n * d }, () => randomNormal(prng)),
    rows: n,
    cols: d,
  };
  const y = Int32Array.from({ length: n }, () => Math.floor(prng() * k));
  return { x, y, prng };
}

/** Mean loss plus penalty, the objective whose gradient the trainers use. */
function objective(
  x: Matrix,
  y: Int32Array,
  link: Link,
  theta: Float64Array,
  nOut: number,
  l2: number,
  grad: Float64Array | null,
): number {
  const nw = nOut * x.cols;
  const w = theta.subarray(0, nw), b = theta.subarray(nw);
  if (grad) grad.fill(0);
  const r = accumulateLoss(
    x,
    y,
    null,
    0,
    x.rows,
    w,
    b,
    link,
    grad ? grad.subarray(0, nw) : null,
    grad ? grad.subarray(nw) : null,
    new Float64Array(nOut),
  );
  let reg = 0;
  for (let i = 0; i < nw; i++) reg += w[i] * w[i];
  if (grad) {
    for (let i = 0; i < grad.length; i++) grad[i] /= x.rows;
    for (let i = 0; i < nw; i++) grad[i] += l2 * w[i];
  }
  return r.loss / x.rows + 0.5 * l2 * reg;
}

for (const [link, k] of [["sigmoid", 2], ["softmax", 4]] as const) {
  for (const l2 of [0, 0.3]) {
    Deno.test(`${link} gradient matches central differences (l2 = ${l2})`, () => {
      const { x, y, prng } = problem(7, 40, 5, k);
      const nOut = link === "sigmoid" ? 1 : k;
      const theta = Float64Array.from({ length: nOut * 5 + nOut }, () => randomNormal(prng));
      const grad = new Float64Array(theta.length);
      objective(x, y, link, theta, nOut, l2, grad);
      const h = 1e-5;
      for (let i = 0; i < theta.length; i++) {
        const t = theta.slice();
        t[i] += h;
        const up = objective(x, y, link, t, nOut, l2, null);
        t[i] -= 2 * h;
        const down = objective(x, y, link, t, nOut, l2, null);
        const numeric = (up - down) / (2 * h);
        const rel = Math.abs(numeric - grad[i]) /
          Math.max(1e-8, Math.abs(numeric) + Math.abs(grad[i]));
        assert.ok(
          rel < 1e-6,
          `parameter ${i}: analytic ${grad[i]}, numeric ${numeric}, rel ${rel}`,
        );
      }
    });
  }
}

Deno.test("loss and gradient stay finite and exact at |z| = 1e4", () => {
  // Both samples are wrong by a margin of 1e4; closed forms of the summed loss:
  // sigmoid: softplus(1e4) + softplus(1e4) = 2e4 (the log1p term underflows to 0);
  // softmax (scores [1e4, -1e4, -1e4] for label 1, [-1e4, 1e4, 1e4] for label 0):
  // 2e4 + (2e4 + log 2).
  const cases = [["sigmoid", 2, [0, 1], 2e4], ["softmax", 3, [1, 0], 4e4 + Math.LN2]] as const;
  for (const [link, k, labels, expected] of cases) {
    const x: Matrix<Float64Array> = { data: Float64Array.from([1, -1]), rows: 2, cols: 1 };
    const y = Int32Array.from(labels);
    const nOut = link === "sigmoid" ? 1 : k;
    const w = new Float64Array(nOut).map((_, c) => (c === 0 ? 1e4 : -1e4));
    const b = new Float64Array(nOut);
    const gw = new Float64Array(nOut), gb = new Float64Array(nOut);
    const r = accumulateLoss(x, y, null, 0, 2, w, b, link, gw, gb, new Float64Array(nOut));
    assert.equal(r.loss, expected, `${link} loss`);
    assert.equal(r.correct, 0);
    for (const g of [...gw, ...gb]) assert.ok(Number.isFinite(g), `${link} gradient ${g}`);
  }
});

Deno.test("a tie of the highest scores counts as the lower class index, as predict documents", () => {
  // At zero weights every softmax score ties: predict gives class 0, so exactly the samples
  // labelled 0 are correct; with scores tied between classes 1 and 2 only, class 1 wins.
  const x: Matrix<Float64Array> = { data: Float64Array.from([1, 2, 3, 4, 5]), rows: 5, cols: 1 };
  const y = Int32Array.from([0, 1, 2, 0, 2]);
  const zero = accumulateLoss(
    x,
    y,
    null,
    0,
    5,
    new Float64Array(3),
    new Float64Array(3),
    "softmax",
    null,
    null,
    new Float64Array(3),
  );
  assert.equal(zero.correct, 2);
  assert.ok(Math.abs(zero.loss - 5 * Math.log(3)) < 1e-12, `loss ${zero.loss}`);
  const upper = accumulateLoss(
    x,
    y,
    null,
    0,
    5,
    new Float64Array(3),
    Float64Array.from([-1, 0, 0]),
    "softmax",
    null,
    null,
    new Float64Array(3),
  );
  assert.equal(upper.correct, 1);
});

Deno.test("accumulateLoss adds into the gradient buffers, so split ranges sum to the full gradient", () => {
  // The documented contract is "added to": buffers that already hold 0.5 and receive the rows in
  // two calls (rows 0..16 and 17..39) must end at 0.5 plus the full gradient. Oracle: central
  // differences of the summed loss over all rows (a buffer overwritten per call keeps only the
  // second range's share).
  for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as const) {
    const { x, y, prng } = problem(11, 40, 4, k);
    const nOut = link === "sigmoid" ? 1 : k;
    const nw = nOut * x.cols;
    const theta = Float64Array.from({ length: nw + nOut }, () => randomNormal(prng));
    const grad = new Float64Array(theta.length).fill(0.5);
    const gw = grad.subarray(0, nw), gb = grad.subarray(nw);
    const scratch = new Float64Array(nOut);
    const w = theta.subarray(0, nw), b = theta.subarray(nw);
    const first = accumulateLoss(x, y, null, 0, 17, w, b, link, gw, gb, scratch);
    const second = accumulateLoss(x, y, null, 17, 40, w, b, link, gw, gb, scratch);
    const total = (t: Float64Array) => {
      const [tw, tb] = [t.subarray(0, nw), t.subarray(nw)];
      return accumulateLoss(x, y, null, 0, 40, tw, tb, link, null, null, scratch).loss;
    };
    assert.ok(Math.abs(first.loss + second.loss - total(theta)) < 1e-12, `${link} loss`);
    const h = 1e-5;
    for (let i = 0; i < theta.length; i++) {
      const t = theta.slice();
      t[i] += h;
      const up = total(t);
      t[i] -= 2 * h;
      const numeric = (up - total(t)) / (2 * h);
      const analytic = grad[i] - 0.5;
      assert.ok(
        Math.abs(numeric - analytic) <= 1e-6 * Math.max(1, Math.abs(numeric)),
        `${link} parameter ${i}: analytic ${analytic}, numeric ${numeric}`,
      );
    }
  }
});

for (const [link, k] of [["sigmoid", 2], ["softmax", 3]] as const) {
  for (
    const penalty of [
      { kind: "none" },
      { kind: "l2", lambda: 0.3 },
      { kind: "l1", lambda: 0.05 },
      { kind: "elasticnet", lambda: 0.2, l1Ratio: 0.4 },
    ] as const
  ) {
    Deno.test(`fit's own ${link} step follows the central differences of the documented objective (${penalty.kind})`, () => {
      // The test above checks accumulateLoss and writes the L2 term itself. Here the library's
      // whole training step is the subject: one full-batch SGD step without momentum from a
      // known start moves each parameter by -lr times the objective's (sub)gradient, the L1
      // part through the proximal step, exactly while no weight crosses 0. Oracle: central
      // differences of the objective README documents, mean log loss + lambda * ((1 - l1Ratio)
      // / 2 ||W||^2 + l1Ratio ||W||_1), with the log loss computed here from predictProba.
      const { x, y, prng } = problem(11, 30, 4, k);
      const nOut = link === "sigmoid" ? 1 : k;
      const classes = Array.from({ length: k }, (_, c) => `c${c}`);
      // Weights at least 0.5 from 0: a step of lr * (|gradient| + lambda) cannot cross it.
      const w0 = Float64Array.from(
        { length: nOut * 4 },
        () => (prng() < 0.5 ? -1 : 1) * (0.5 + prng()),
      );
      const b0 = Float64Array.from({ length: nOut }, () => randomNormal(prng));
      const start: LogisticModel = {
        kind: "logistic-regression",
        version: 1,
        link,
        classes,
        featureNames: ["a", "b", "c", "d"],
        preprocessing: { kind: "none" },
        weights: { data: w0, rows: nOut, cols: 4 },
        bias: b0,
      };
      const lr = 1e-4;
      const { model } = fit(x, y, {
        backend: "ts",
        penalty,
        initial: start,
        optimizer: { kind: "sgd", learningRate: lr, momentum: 0, batchSize: x.rows, epochs: 1 },
      });
      const lambda = penalty.kind === "none" ? 0 : penalty.lambda;
      const l1Ratio = penalty.kind === "l1"
        ? 1
        : penalty.kind === "elasticnet"
        ? penalty.l1Ratio
        : 0;
      const objectiveAt = (w: Float64Array, b: Float64Array) => {
        const p = predictProba({ ...start, weights: { ...start.weights, data: w }, bias: b }, x, {
          backend: "ts",
        });
        let loss = 0;
        for (let i = 0; i < x.rows; i++) loss -= Math.log(p.data[i * k + y[i]]);
        let sq = 0, abs = 0;
        for (const v of w) {
          sq += v * v;
          abs += Math.abs(v);
        }
        return loss / x.rows + lambda * ((1 - l1Ratio) / 2 * sq + l1Ratio * abs);
      };
      const h = 1e-6;
      const check = (name: string, before: Float64Array, after: Float64Array, isW: boolean) => {
        for (let i = 0; i < before.length; i++) {
          const up = before.slice(), down = before.slice();
          up[i] += h;
          down[i] -= h;
          const numeric = isW
            ? (objectiveAt(up, b0) - objectiveAt(down, b0)) / (2 * h)
            : (objectiveAt(w0, up) - objectiveAt(w0, down)) / (2 * h);
          const implied = (before[i] - after[i]) / lr;
          assert.ok(
            Math.abs(implied - numeric) < 1e-6 * (1 + Math.abs(numeric)),
            `${name}[${i}]: step implies ${implied}, central differences ${numeric}`,
          );
        }
      };
      check("w", w0, model.weights.data, true);
      check("b", b0, model.bias, false);
    });
  }
}
