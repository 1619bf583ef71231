/**
 * The dense Fashion-MNIST reference model of the benchmarks, trained once and cached under
 * `tests/artifacts/` (ignored by git) keyed by its settings.
 *
 * Settings follow the issues' reference: scikit-learn lbfgs, multinomial, C = 0.1, i.e.
 * lambda = 1 / (C * 60000) = 1/6000 L2, pixels / 255, no standardisation.
 *
 * @module
 */

import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { fit } from "../../lib/model/fit.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { writeFileAtomic } from "../../lib/io/atomic.ts";

/** Settings of the cached reference model (they form its cache key). */
export const REFERENCE_SETTINGS = {
  lambda: 1 / 6000,
  maxIterations: 300,
  tolerance: 1e-5,
  preprocessing: "none",
} as const;

/** The cache file of the reference model. */
export function referenceModelPath(): string {
  const s = REFERENCE_SETTINGS;
  const key = `l2-${
    s.lambda.toPrecision(6)
  }_lbfgs-${s.maxIterations}-${s.tolerance}_${s.preprocessing}`;
  return new URL(`../artifacts/fashion-mnist-dense_${key}.json`, import.meta.url).pathname;
}

/** The reference model, and whether it was trained now or loaded from the cache. */
export interface ReferenceModel {
  readonly model: LogisticModel;
  readonly source: "trained" | "loaded";
  readonly path: string;
  readonly seconds: number;
}

/**
 * Loads the cached reference model, or trains and caches it (several minutes).
 *
 * @param train The Fashion-MNIST training split (loaded if not given).
 * @param log Where progress goes.
 * @returns The model and where it came from.
 */
export async function referenceModel(
  train?: Dataset,
  log: (line: string) => void = (l) => console.error(l),
): Promise<ReferenceModel> {
  const path = referenceModelPath();
  const started = performance.now();
  try {
    const model = modelFromJson(await Deno.readTextFile(path));
    return { model, source: "loaded", path, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const data = train ?? await loadFashionMnist("train");
  log(`training the dense reference model (cache miss: ${path}); this takes minutes`);
  let last = 0;
  const { model, stopReason } = fit(data.x, data.y, {
    classes: data.classes,
    featureNames: data.featureNames,
    penalty: { kind: "l2", lambda: REFERENCE_SETTINGS.lambda },
    optimizer: {
      kind: "lbfgs",
      maxIterations: REFERENCE_SETTINGS.maxIterations,
      tolerance: REFERENCE_SETTINGS.tolerance,
    },
    preprocessing: REFERENCE_SETTINGS.preprocessing,
    onProgress: (p) => {
      if (p.seconds - last >= 10) {
        last = p.seconds;
        log(
          `  iteration ${p.epoch}: objective ${p.objective.toFixed(6)}, ${p.seconds.toFixed(0)} s`,
        );
      }
    },
  });
  log(`  done: ${stopReason}`);
  await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(modelToJson(model)));
  return { model, source: "trained", path, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const r = await referenceModel();
  console.log(`${r.source} ${r.path} in ${r.seconds.toFixed(1)} s`);
}
