import assert from "node:assert/strict";
import { createPrng, randomInt } from "../../lib/core/random.ts";
import { ScoresByClass } from "../../lib/metrics/auc_stream.ts";
import { pairwiseAuc } from "../_helpers/auc.ts";

/** Adds `s` (one column) or `s` as the second column less a random first, in random batches. */
function fed(y: Int32Array, s: Float64Array, cols: 1 | 2, seed: number): ScoresByClass {
  const prng = createPrng(seed);
  const auc = new ScoresByClass();
  for (let at = 0; at < y.length;) {
    const n = Math.min(y.length - at, 1 + randomInt(prng, 7));
    const data = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) {
      // Whole numbers: z1 - z0 is exact, so the ties of s stay ties.
      if (cols === 1) data[i] = s[at + i];
      else {
        data[2 * i] = randomInt(prng, 5);
        data[2 * i + 1] = data[2 * i] + s[at + i];
      }
    }
    auc.add({ data, rows: n, cols }, y.subarray(at, at + n));
    at += n;
  }
  return auc;
}

Deno.test("ScoresByClass's AUC is the pairwise count, ties as halves, whichever class is rarer", () => {
  // Scores in 0..4 tie often; positives are the rarer class in some draws and the commoner in
  // others (each class's sorted path), and the oracle counts every (positive, negative) pair.
  const prng = createPrng(11);
  const seen = { fewerPositives: 0, fewerNegatives: 0 };
  for (let trial = 0; trial < 40; trial++) {
    const n = 2 + randomInt(prng, 30);
    const share = [0.2, 0.5, 0.8][trial % 3];
    const y = Int32Array.from({ length: n }, () => (prng() < share ? 1 : 0));
    const ones = y.reduce((a, b) => a + b, 0);
    if (ones === 0 || ones === n) continue;
    if (2 * ones < n) seen.fewerPositives++;
    if (2 * ones > n) seen.fewerNegatives++;
    const s = Float64Array.from({ length: n }, () => randomInt(prng, 5));
    const want = pairwiseAuc(y, s);
    for (const cols of [1, 2] as const) {
      assert.equal(fed(y, s, cols, trial).rocAuc(), want, `trial ${trial}, ${cols} column(s)`);
    }
  }
  assert.ok(seen.fewerPositives > 5 && seen.fewerNegatives > 5, JSON.stringify(seen));
});

Deno.test("ScoresByClass gives no AUC when one class labels no row, either class", () => {
  for (const label of [0, 1]) {
    const auc = new ScoresByClass();
    auc.add(
      { data: Float64Array.of(1, 2, 3), rows: 3, cols: 1 },
      Int32Array.of(label, label, label),
    );
    assert.equal(auc.rocAuc(), null, `only class ${label}`);
  }
  assert.equal(new ScoresByClass().rocAuc(), null);
});
