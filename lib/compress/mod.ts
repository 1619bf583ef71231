/**
 * Compression pipeline: train (or take) a model, prune, fine-tune, quantize, and report every
 * stage with the real size of its `.lrc` file; sweeps with their Pareto front; the
 * accuracy-budgeted search for the smallest file.
 *
 * @module
 */
export * from "./types.ts";
export * from "./session.ts";
export * from "./refit.ts";
export {
  compactScale,
  foldMeanIntoBias,
  MEAN_SPREAD_RATIO,
  meanDwarfsSpread,
  prepareStorage,
  storeFloatModel,
} from "./storage.ts";
export { smallestModelFile } from "./search.ts";
