/**
 * The parameter updates of mini-batch SGD (heavy-ball momentum) and Adam, with the L1 proximal
 * step and masks; shared by `fit` and `fitStream`.
 *
 * @module
 */

/**
 * One SGD step with momentum on `p` (in place): `v = momentum v - lr g; p += v`, then
 * soft-thresholding by `lr * l1 / (1 - momentum)`; entries with `mask[i] === 0` are left alone.
 * The threshold matches the step the velocity settles to (`lr g / (1 - momentum)`), so the fixed
 * points are those of the L1-penalised objective (a threshold of `lr * l1` would solve it with
 * `l1 * (1 - momentum)`).
 *
 * @param p Parameters (changed).
 * @param g Gradient.
 * @param v Velocity (changed).
 * @param lr Step size.
 * @param momentum Momentum coefficient.
 * @param l1 L1 strength.
 * @param mask Mask or `null`.
 */
export function sgdUpdate(
  p: Float64Array,
  g: Float64Array,
  v: Float64Array,
  lr: number,
  momentum: number,
  l1: number,
  mask: Uint8Array | null,
): void {
  const t = lr * l1 / (1 - momentum);
  for (let i = 0; i < p.length; i++) {
    if (mask !== null && mask[i] === 0) continue;
    v[i] = momentum * v[i] - lr * g[i];
    let q = p[i] + v[i];
    if (t > 0) q = q > t ? q - t : q < -t ? q + t : 0; // proximal step: exact zeros
    p[i] = q;
  }
}

/**
 * One Adam step on `p` (in place), with a proximal L1 step at each coordinate's own rate.
 *
 * @param p Parameters (changed).
 * @param g Gradient.
 * @param m First moment (changed).
 * @param v Second moment (changed).
 * @param lr Step size.
 * @param beta1 First-moment decay.
 * @param beta2 Second-moment decay.
 * @param eps Added to the root of the second moment.
 * @param c1 Bias correction of the first moment.
 * @param c2 Bias correction of the second moment.
 * @param l1 L1 strength.
 * @param mask Mask or `null`.
 */
export function adamUpdate(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  c1: number,
  c2: number,
  l1: number,
  mask: Uint8Array | null,
): void {
  for (let i = 0; i < p.length; i++) {
    if (mask !== null && mask[i] === 0) continue;
    const gi = g[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    const rate = lr / (Math.sqrt(v[i] * c2) + eps);
    let q = p[i] - rate * m[i] * c1;
    if (l1 > 0) {
      const t = rate * l1; // proximal step with the coordinate's own step size
      q = q > t ? q - t : q < -t ? q + t : 0;
    }
    p[i] = q;
  }
}
