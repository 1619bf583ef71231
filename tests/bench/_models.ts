/**
 * The Fashion-MNIST models the benchmarks score, made with the library's own pruning and
 * quantization modules, trained once and cached under `tests/artifacts/bench/` (ignored by
 * git). No setting here was chosen by looking at the test set.
 *
 * - dense: the shared reference model of the benchmarks (`_reference.ts`: L-BFGS, lambda =
 *   1/6000, i.e. scikit-learn C = 0.1, pixels / 255, to tolerance 1e-5).
 * - pruned 90 %: `pruneModel(dense, { fraction: 0.9 })` (magnitude, global), then `fineTune`
 *   with 40 masked L-BFGS iterations.
 * - 90 % (and 75 %) of features removed: `pruneFeatures(dense, { fraction })` (column norms; a
 *   reduced model over the 78 (196) kept pixels), then 100 L-BFGS iterations on those pixels.
 * - int8: `quantizeModel` 8-bit symmetric per class (MSE calibration), `calibrateInput` on the
 *   training pixels (scale 1/255: the input codes are the pixel bytes).
 * - 4-bit k-means: `quantizeModel` with a 16-entry codebook per class (post-training).
 *
 * @module
 */

import type { Dataset } from "../../lib/data/dataset.ts";
import { fit } from "../../lib/model/fit.ts";
import { codeFingerprint, referenceModel } from "./_reference.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { fineTune } from "../../lib/prune/retrain.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { featureIndices, pruneFeatures, selectFeatures } from "../../lib/prune/structured.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";

const DIR = new URL("../artifacts/bench/", import.meta.url);

async function cached(name: string, make: () => LogisticModel): Promise<LogisticModel> {
  const url = new URL(`${name}.json`, DIR);
  try {
    return modelFromJson(await Deno.readTextFile(url));
  } catch {
    console.error(`training the ${name} model once (cached in tests/artifacts/bench/) ...`);
    const m = make();
    await Deno.mkdir(DIR, { recursive: true });
    await Deno.writeTextFile(url, modelToJson(m));
    return m;
  }
}

/**
 * The int8 benchmark model of a float model: 8-bit symmetric per class (MSE calibration), then
 * `calibrateInput` on the training inputs, for integer-only inference.
 *
 * @param model The float model.
 * @param train The data it was trained on.
 * @returns The quantized model, input-calibrated.
 */
export function int8Model(model: LogisticModel, train: Dataset): QuantizedModel {
  return calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 8, granularity: "class" } }),
    train.x,
  );
}

/** The benchmark models. */
export interface BenchModels {
  /** Dense float model. */
  dense: LogisticModel;
  /** 90 % of the weights pruned (mask), fine-tuned. */
  pruned: LogisticModel;
  /** 90 % of the features removed: a reduced model and the columns it reads. */
  features: { model: LogisticModel; columns: Int32Array };
  /** 75 % of the features removed. */
  features75: { model: LogisticModel; columns: Int32Array };
  /** 8-bit symmetric per class, calibrated for integer-only inference. */
  int8: QuantizedModel;
  /** 4-bit k-means codebook per class. */
  kmeans4: QuantizedModel;
}

/**
 * Makes (or loads) the benchmark models.
 *
 * @param train The Fashion-MNIST training set (pixels / 255).
 * @returns The models.
 */
export async function benchModels(train: Dataset): Promise<BenchModels> {
  const reference = await referenceModel(train);
  const penalty = { kind: "l2", lambda: reference.settings.lambda } as const;
  const dense = reference.model;
  // Derived models depend on the reference and on the code that derives them.
  const key = `${reference.path.replace(/^.*\//, "").replace(/\.(json|lrc)$/, "")}_${
    codeFingerprint(["core", "data", "kernels", "model", "prune", "quant"])
  }`;
  const pruned = await cached(
    `fashion_pruned90_from_${key}`,
    () =>
      fineTune(pruneModel(dense, { fraction: 0.9 }), train, {
        penalty,
        optimizer: { kind: "lbfgs", maxIterations: 40, tolerance: 1e-4 },
      }).model,
  );
  const structured = (fraction: number) =>
    cached(`fashion_features${fraction * 100}_from_${key}`, () => {
      const r = pruneFeatures(dense, { fraction });
      return fit(selectFeatures(train.x, r.features), train.y, {
        penalty,
        initial: r.model,
        optimizer: { kind: "lbfgs", maxIterations: 100, tolerance: 1e-4 },
      }).model;
    });
  const reduced = await structured(0.9), reduced75 = await structured(0.75);
  const int8 = int8Model(dense, train);
  const kmeans4 = quantizeModel(dense, {
    method: { kind: "kmeans", bits: 4, granularity: "class" },
  });
  return {
    dense,
    pruned,
    features: { model: reduced, columns: featureIndices(reduced, train.featureNames) },
    features75: { model: reduced75, columns: featureIndices(reduced75, train.featureNames) },
    int8,
    kmeans4,
  };
}
