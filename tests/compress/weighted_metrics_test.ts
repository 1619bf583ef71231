/**
 * Weighted metrics of the compression session. Test data with `sampleWeight`: every report adds
 * `testWeighted`, the test metrics weighted by them; oracle: integer weights give the metrics of
 * the test rows repeated (a session whose test data are those rows), and the unweighted `test`
 * metrics and every decision are those of the session without test weights.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/session.ts";
import type { CompressionMetrics, ModelReport } from "../../lib/compress/types.ts";
import { assertClose } from "../_helpers/assert_close.ts";
import { integerWeights, repeatRows } from "../_helpers/weights.ts";
import { problem } from "../prune/_problems.ts";

const { x, y } = problem(21, 150, 6, 3);
const held = problem(22, 60, 6, 3);
const test = problem(23, 80, 6, 3);
const binary = { train: problem(24, 150, 5, 2), test: problem(25, 90, 5, 2) };

const FAST = {
  denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 100 } },
  fineTune: { kind: "lbfgs", maxIterations: 30 },
} as const;

/** Equal metrics; the log loss to rounding (a weighted sum against a sum of repeated terms). */
function assertSameMetrics(got: CompressionMetrics, want: CompressionMetrics, message: string) {
  const { logLoss: a, samples: _a, ...rest } = got;
  const { logLoss: b, samples: _b, ...wanted } = want;
  assert.deepEqual(rest, wanted, message);
  assertClose(a, b, { rtol: 1e-12, message });
}

Deno.test("test sampleWeight: every report's testWeighted is the metrics of the test rows repeated", () => {
  for (
    const [name, train, tst] of [["3 classes", { x, y }, test], [
      "2 classes",
      binary.train,
      binary.test,
    ]] as const
  ) {
    const w = integerWeights(tst.x.rows, 5);
    const repeated = repeatRows(tst.x, tst.y, w);
    // A given validation set, and one split off.
    const common = name === "3 classes"
      ? { ...FAST, validation: held }
      : { ...FAST, validationFraction: 0.25 };
    const weighted = createCompressionSession(train, {
      ...common,
      test: { ...tst, sampleWeight: w },
    });
    const plain = createCompressionSession(train, { ...common, test: tst });
    const oracle = createCompressionSession(train, { ...common, test: repeated });
    const step = { prune: { strategy: "magnitude", fraction: 0.5 } } as const;
    const runs = [weighted.compress(step), plain.compress(step), oracle.compress(step)];
    const sweeps = [weighted, plain, oracle].map((s) =>
      s.sweep({ sparsities: [0, 0.5], bits: [4, 2], training: ["ptq"] })
    );
    const reports = (i: number): ModelReport[] => [...runs[i].stages, ...sweeps[i].rows];
    const [a, b, c] = [0, 1, 2].map(reports);
    assert.equal(a.length, 4 + sweeps[0].rows.length);
    for (let k = 0; k < a.length; k++) {
      // Test metrics decide nothing: the same models, the same unweighted metrics.
      const { testWeighted, ...rest } = a[k];
      assert.deepEqual(rest, { ...b[k], seconds: rest.seconds }, `${name} ${a[k].name}`);
      assert.ok(!("testWeighted" in b[k]));
      assert.equal(testWeighted!.samples, tst.x.rows);
      assertSameMetrics(testWeighted!, c[k].test!, `${name} ${a[k].name}`);
      assert.notEqual(testWeighted!.accuracy, a[k].test!.accuracy, `${name} ${a[k].name} weighted`);
      if (name === "2 classes") assert.ok(testWeighted!.rocAuc !== null);
    }
  }
});

Deno.test("test sampleWeight is checked and named as the test data's", () => {
  const bad: [unknown, string, string][] = [
    [
      [1, 2],
      "TypeError",
      /test\.sampleWeight must hold one weight per row of test\.x \(80\)/.source,
    ],
    [
      Float64Array.from({ length: 80 }, (_, i) => (i === 7 ? -1 : 1)),
      "RangeError",
      /test\.sampleWeight\[7\] is -1/.source,
    ],
    [new Float64Array(80), "RangeError", /every test row weighs 0 \(test\.sampleWeight\)/.source],
    [new Float64Array(80).fill(1e308), "RangeError", /the test\.sampleWeight sum overflows/.source],
  ];
  for (const [sampleWeight, errorName, message] of bad) {
    assert.throws(
      () =>
        createCompressionSession({ x, y }, {
          ...FAST,
          validation: held,
          test: { ...test, sampleWeight: sampleWeight as number[] },
        }),
      (error: Error) => {
        assert.equal(error.name, errorName);
        assert.match(error.message, new RegExp(`^Cannot compress model: .*${message}`));
        return true;
      },
    );
  }
});
