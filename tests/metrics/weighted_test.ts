/**
 * The weighted ROC AUC against a brute force over every (positive, negative) pair, at any scale
 * of the weights.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createPrng, randomInt } from "../../lib/core/random.ts";
import { weightedRocAuc } from "../../lib/metrics/weighted.ts";
import { assertClose } from "../_helpers/assert_close.ts";

/** The weighted Mann-Whitney statistic by its definition: every pair, ties one half. */
function bruteForceAuc(y: ArrayLike<number>, s: ArrayLike<number>, w: ArrayLike<number>) {
  let won = 0, wPos = 0, wNeg = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) wPos += w[i];
    else wNeg += w[i];
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] === 1) continue;
      won += w[i] * w[j] * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return won / (wPos * wNeg);
}

/** 40 rows, scores from 8 values (ties within and across the classes), weights in [0.5, 2.5). */
function data(seed: number) {
  const prng = createPrng(seed);
  const n = 40;
  const y = Int32Array.from({ length: n }, () => randomInt(prng, 2));
  const s = Float64Array.from({ length: n }, () => randomInt(prng, 8) / 4 - 1);
  const w = Float64Array.from({ length: n }, () => 0.5 + 2 * prng());
  return { y, s, w };
}

Deno.test("weightedRocAuc does not depend on the weights' scale, however small or large", () => {
  const { y, s, w } = data(5);
  const want = bruteForceAuc(y, s, w);
  assertClose(weightedRocAuc(y, s, w)!, want, { rtol: 1e-12 });
  // Each class's weights sum to about 1e-300 (or 1e300 over the rows), so the product of the
  // classes' totals underflows to 0 (overflows to Infinity) although every weight and every sum
  // is a finite float64 > 0; scikit-learn's roc_auc_score normalises each class by its total and
  // gives the AUC of the unscaled weights. A power of two scales exactly: the very same number.
  for (const scale of [1e-170, 1e-300 / 40, 1e155, 1e300 / 40, 2 ** -1000, 2 ** 1000]) {
    const scaled = w.map((v) => v * scale);
    const got = weightedRocAuc(y, s, scaled);
    const exact = Number.isInteger(Math.log2(scale));
    if (exact) assert.equal(got, weightedRocAuc(y, s, w), `scale ${scale}`);
    else assertClose(got!, want, { rtol: 1e-12, message: `scale ${scale}` });
  }
  // The positives' and negatives' totals far apart: 1e-200 against 1e200.
  const apart = w.map((v, i) => v * (y[i] === 1 ? 1e-200 : 1e200));
  assertClose(weightedRocAuc(y, s, apart)!, want, { rtol: 1e-12, message: "classes apart" });
});
