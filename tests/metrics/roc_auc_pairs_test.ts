/**
 * `rocAuc` against the definition counted pair by pair: the share of (positive, negative) pairs
 * whose positive scores higher, ties one half, on seeded data with many ties, signed zeros and
 * infinities (its sorted-by-class count replaced a rank sum over an index sort).
 *
 * @module
 */

import assert from "node:assert/strict";
import { rocAuc } from "../../lib/metrics/metrics.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

Deno.test("rocAuc equals the pairwise count on data with ties, signed zeros and infinities", () => {
  let seed = 7;
  const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const special = [0, -0, Infinity, -Infinity, 1e-300, -1e-300];
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + Math.floor(r() * 300);
    const share = [0.03, 0.3, 0.5, 0.9][trial % 4];
    const y = Int32Array.from({ length: n }, () => (r() < share ? 1 : 0));
    y[0] = 1;
    y[1] = 0;
    // Coarse scores (many ties), shifted up for positives, with some special values mixed in.
    const s = Array.from(y, (v) => {
      if (r() < 0.1) return special[Math.floor(r() * special.length)];
      return Math.round((r() + 0.4 * v) * 8) / 8 - 0.5;
    });
    assert.equal(rocAuc(y, s), pairwiseAuc(y, s), `trial ${trial}`);
    assert.equal(rocAuc(y, Float64Array.from(s)), pairwiseAuc(y, s), `trial ${trial} typed`);
  }
});

Deno.test("rocAuc: all scores tied is one half, a perfect ranking 1 and its reverse 0", () => {
  assert.equal(rocAuc([0, 1, 0, 1], [3, 3, 3, 3]), 0.5);
  assert.equal(rocAuc([0, 0, 1, 1, 1], [-Infinity, -1, 0, 2, Infinity]), 1);
  assert.equal(rocAuc([1, 1, 0, 0, 0], [-Infinity, -1, 0, 2, Infinity]), 0);
  // -0 and 0 are the same score: a tie.
  assert.equal(rocAuc([0, 1], [0, -0]), 0.5);
});
