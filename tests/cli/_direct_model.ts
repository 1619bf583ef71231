/**
 * The command line's train/test split of digits, made here with the same library function, and a
 * model fitted directly on its training part: the oracle of the tests that compare `--json`
 * figures and saved models with the library's own.
 *
 * @module
 */

import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";

/**
 * The split `--test-fraction 0.3 --seed SEED` gives on digits, and a model fitted on its
 * training part (40 L-BFGS iterations).
 *
 * @param seed The seed given to the command line.
 * @returns The split and the model.
 */
export async function directModel(seed: number) {
  const digits = await loadEmbedded("digits");
  const split = trainTestSplit(digits.x, digits.y, { testFraction: 0.3, seed });
  const { model } = fit(split.xTrain, split.yTrain, {
    classes: digits.classes,
    featureNames: digits.featureNames,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  return { split, model };
}
