/**
 * Data and fast settings shared by the compression tests.
 *
 * @module
 */

import type { CompressionSessionOptions } from "../../lib/compress/mod.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import type { Matrix } from "../../lib/core/matrix.ts";

/** An embedded set split into a training part (whose validation the pipeline splits off) and a
 * test part. */
export async function splitSet(
  name: "digits" | "breast-cancer",
  seed = 1,
): Promise<{ train: Dataset; test: { x: Matrix; y: Int32Array } }> {
  const d = await loadEmbedded(name);
  const s = trainTestSplit(d.x, d.y, { testFraction: 0.25, seed });
  return {
    train: { x: s.xTrain, y: s.yTrain, classes: d.classes, featureNames: d.featureNames },
    test: { x: s.xTest, y: s.yTest },
  };
}

/** Short training and fine-tuning, so each test takes well under a second. */
export const FAST: CompressionSessionOptions = {
  denseTraining: { optimizer: { kind: "lbfgs", maxIterations: 100 } },
  fineTune: { kind: "lbfgs", maxIterations: 30 },
};

/** Number of samples whose labels agree. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
