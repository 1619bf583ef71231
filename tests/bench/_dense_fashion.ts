/**
 * The dense Fashion-MNIST reference model for the benchmarks, trained once and cached under
 * `tests/artifacts/` (ignored by git) keyed by its training settings.
 *
 * @module
 */

import { fit } from "../../lib/model/fit.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { writeFileAtomic } from "../../lib/io/atomic.ts";

/** How the dense reference is trained: like scikit-learn's lbfgs, C = 0.1, pixels / 255. */
export interface DenseSettings {
  /** L2 strength on the mean loss (scikit-learn C = 0.1 on 60,000 samples). */
  readonly lambda: number;
  /** L-BFGS iteration limit. */
  readonly maxIterations: number;
  /** L-BFGS gradient tolerance. */
  readonly tolerance: number;
}

/** The settings of the reference model quoted in the issues. */
export const DENSE_SETTINGS: DenseSettings = {
  lambda: 1 / 6000,
  maxIterations: 400,
  tolerance: 1e-6,
};

/**
 * Where the cached model for these settings lives.
 *
 * @param s The training settings.
 * @param nTrain The number of training samples.
 * @returns A path under tests/artifacts/ whose name encodes the settings.
 */
export function denseCachePath(s: DenseSettings, nTrain: number): string {
  const key = `fmnist-n${nTrain}-l2-${
    s.lambda.toExponential(6)
  }-it${s.maxIterations}-tol${s.tolerance}`
    .replace(/[^A-Za-z0-9.+-]/g, "_");
  return new URL(`../artifacts/dense-${key}.json`, import.meta.url).pathname;
}

/**
 * Loads the cached dense model or trains and caches it.
 *
 * @param train Training data (pixels / 255).
 * @param settings Training settings.
 * @param log Progress messages.
 * @returns The model, whether it was trained now, and the cache path.
 */
export async function loadOrTrainDense(
  train: Dataset,
  settings: DenseSettings = DENSE_SETTINGS,
  log: (text: string) => void = () => {},
): Promise<{ model: LogisticModel; trained: boolean; path: string; seconds: number }> {
  const path = denseCachePath(settings, train.x.rows);
  try {
    const model = modelFromJson(await Deno.readTextFile(path));
    return { model, trained: false, path, seconds: 0 };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const started = performance.now();
  const { model, stopReason } = fit(train.x, train.y, {
    classes: train.classes,
    featureNames: train.featureNames,
    link: "softmax",
    penalty: { kind: "l2", lambda: settings.lambda },
    optimizer: {
      kind: "lbfgs",
      maxIterations: settings.maxIterations,
      tolerance: settings.tolerance,
    },
    preprocessing: "none",
    onProgress: (p) => {
      if (p.epoch % 10 === 0) {
        log(
          `dense training: iteration ${p.epoch}, loss ${p.trainLoss.toFixed(5)}, ` +
            `${p.seconds.toFixed(0)} s`,
        );
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  log(`dense training: ${stopReason} in ${seconds.toFixed(0)} s`);
  await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(modelToJson(model)));
  return { model, trained: true, path, seconds };
}

if (import.meta.main) {
  const { loadFashionMnist } = await import("../../lib/data/fashion_mnist.ts");
  const train = await loadFashionMnist("train");
  const r = await loadOrTrainDense(train, DENSE_SETTINGS, (t) => console.error(t));
  console.log(`${r.trained ? "trained" : "loaded"} ${r.path}`);
}
