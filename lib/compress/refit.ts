/**
 * Refitting a chosen model's recipe on all the data. A search chooses on validation data that it
 * holds out of training; once the choice is made, those data can train too, as scikit-learn's
 * `GridSearchCV(refit=True)` retrains the chosen settings on everything it was given. The recipe
 * of a sweep's or search's model ({@linkcode candidateRecipe}) is the pipeline's steps: the same
 * pruning (strategy, structure, scope, compensation and every round), the same quantization
 * (method with every setting, PTQ or QAT) and the same preprocessing storage. A refit session
 * ({@linkcode createRefitSession}) makes recipes again from a dense model trained on (or given
 * for) all the data, with the session settings of the search (penalty, fine-tuning, QAT, seed).
 *
 * No data are held out of a refit: the stage table's `validation` metrics are on the data it
 * trained on, and only `test` data (reported, never used) measure it on new samples.
 *
 * @module
 */

import { checkOptionKeys, describe, exactKeys } from "../core/validate.ts";
import type { LogisticModel } from "../model/types.ts";
import { resolveSteps, SESSION_OPTION_KEYS, shapeToCome } from "./context.ts";
import { type CompressionSession, createCompressionSession } from "./session.ts";
import type {
  CandidateReport,
  CompressionData,
  CompressionSessionOptions,
  CompressResult,
  PreprocessingStorage,
  PruneSpec,
  QuantizeSpec,
  StoredPreprocessing,
} from "./types.ts";

/** What makes a sweep's or search's model again: the pipeline's steps and its storage. */
export interface CandidateRecipe {
  /** The pruning step with its rounds listed (`false`: the unpruned model). */
  readonly prune: PruneSpec | false;
  /** The quantization step with every setting of its method (`false`: float32 weights). */
  readonly quantize: QuantizeSpec | false;
  /**
   * How the model stored its preprocessing (`"auto"` for a model without standardisation, which
   * has nothing to store: a refit that standardises then decides on its training data).
   */
  readonly preprocessingStorage: PreprocessingStorage;
}

/** Options of a refit: the session's, without validation data or a storage mode. */
export type RefitOptions = Omit<
  CompressionSessionOptions,
  "validation" | "validationFraction" | "preprocessingStorage"
>;

/** A session that makes recipes again on all of its data. */
export interface RefitSession {
  /** The dense float model every refit starts from (as trained on all the data, or given). */
  readonly dense: LogisticModel;
  /**
   * The warnings of the dense model's training on all the data (`fit`'s `warnings`); none when
   * `model` was given.
   */
  readonly denseWarnings: readonly string[];
  /**
   * Makes a recipe again: prune, fine-tune and quantize as it says, from the session's dense
   * model. Pruned models are cached, so recipes that share pruning rounds and stored form share
   * their work (a stored form is a session of its own, with its own cache).
   *
   * @param recipe A recipe, or the report of a sweep's or search's model.
   * @returns The compressed model, its file and the stage table (`validation` metrics on the
   *   training data).
   * @throws {TypeError} If the recipe is not one.
   * @throws {RangeError} As the pipeline's `compress` throws.
   */
  refit(recipe: CandidateRecipe | CandidateReport): CompressResult;
}

const ACTION = "refit compression";
const {
  validation: _validation,
  validationFraction: _fraction,
  preprocessingStorage: _storage,
  ...REFIT_KEYS
} = SESSION_OPTION_KEYS;
const REFIT_OPTION_KEYS = exactKeys<RefitOptions>()(REFIT_KEYS);
const STORAGE_OF: Readonly<Record<StoredPreprocessing, PreprocessingStorage>> = {
  none: "auto",
  kept: "keep",
  compact: "compact",
  folded: "fold",
};

/**
 * The recipe of a sweep's or search's model: its pruning (with every round), its quantization
 * (the resolved method) and how it stored its preprocessing.
 *
 * @param report The model's report (`rows[i]`, `chosen`, `tried[i]`).
 * @returns The recipe, plain data that converts to JSON.
 * @throws {TypeError} If the report does not describe how its model was made.
 *
 * @example The recipe of a search's choice
 * ```ts
 * import { candidateRecipe } from "./refit.ts";
 * import { createCompressionSession } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const session = createCompressionSession(await loadEmbedded("breast-cancer"), {
 *   fineTune: { kind: "lbfgs", maxIterations: 20 },
 * });
 * const r = session.search({ maxDrop: 0.02, sparsities: [0, 0.5], bits: [2, 4] });
 * const recipe = candidateRecipe(r.chosen);
 * // The same steps on the same session make the same file.
 * const again = session.compress({ prune: recipe.prune, quantize: recipe.quantize });
 * assert.deepEqual(again.file, r.file);
 * ```
 */
export function candidateRecipe(report: CandidateReport): CandidateRecipe {
  if (
    typeof report !== "object" || report === null || !("prune" in report) ||
    !("quantization" in report) || typeof report.preprocessing !== "string" ||
    !Object.hasOwn(STORAGE_OF, report.preprocessing)
  ) {
    throw new TypeError(
      `Cannot ${ACTION}: expected a sweep's or search's model report, got ${describe(report)}`,
    );
  }
  const p = report.prune;
  const q = report.quantization;
  // A report without what made its model (one written before prune.rounds or
  // quantization.settings were reported, or edited) would make another model, or fail later
  // with a reason about something else.
  const missing = (field: string, got: unknown): TypeError =>
    new TypeError(
      `Cannot ${ACTION}: the report does not say how its model was made: ${field} must be ` +
        `given, got ${describe(got)}`,
    );
  if (p !== null) {
    if (typeof p !== "object") throw missing("prune (an object or null)", p);
    if (!Array.isArray(p.rounds)) throw missing("prune.rounds (a list of amounts)", p.rounds);
    if (typeof p.compensate !== "boolean") throw missing("prune.compensate", p.compensate);
    // Left out, each would be the pipeline's default (magnitude, weights, its default scope).
    for (const field of ["strategy", "structure", "scope"] as const) {
      if (typeof p[field] !== "string") throw missing(`prune.${field}`, p[field]);
    }
  }
  if (q !== null) {
    if (typeof q !== "object") throw missing("quantization (an object or null)", q);
    if (typeof q.settings !== "object" || q.settings === null) {
      throw missing("quantization.settings (the method)", q.settings);
    }
    // Left out, it would be post-training quantization.
    if (typeof q.training !== "string") throw missing("quantization.training", q.training);
  }
  return {
    prune: p === null ? false : {
      strategy: p.strategy,
      structure: p.structure,
      scope: p.scope,
      compensate: p.compensate,
      ...(p.count !== null ? { count: p.count } : { fraction: p.fraction! }),
      rounds: [...p.rounds],
    },
    quantize: q === null ? false : { method: { ...q.settings }, training: q.training },
    preprocessingStorage: STORAGE_OF[report.preprocessing],
  };
}

/**
 * Creates a refit session on all the data: trains the dense model (or takes `model`) once and
 * makes recipes from it, with the given session settings (use the search's: penalty, fine-tuning,
 * QAT, seed, entropy coding).
 *
 * @param data All the training data (for a search's choice: its training and validation data).
 * @param options Session options, without validation data or a storage mode.
 * @returns The session.
 * @throws {TypeError} For an unknown option, or as `createCompressionSession` throws.
 * @throws {RangeError} As `createCompressionSession` throws.
 *
 * @example Choose on a split, then refit on everything
 * ```ts
 * import { createRefitSession } from "./refit.ts";
 * import { createCompressionSession } from "./session.ts";
 * import { loadEmbedded } from "../data/embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const data = await loadEmbedded("breast-cancer");
 * const settings = { fineTune: { kind: "lbfgs", maxIterations: 20 } } as const;
 * const search = createCompressionSession(data, settings).search({
 *   maxDrop: 0.02,
 *   sparsities: [0, 0.5],
 *   bits: [2, 4],
 * });
 * const final = createRefitSession(data, settings).refit(search.chosen);
 * assert.equal(final.stages.at(-1)!.bits, search.chosen.bits);
 * ```
 */
export function createRefitSession(
  data: CompressionData,
  options: RefitOptions = {},
): RefitSession {
  checkOptionKeys(ACTION, options, REFIT_OPTION_KEYS);
  if (typeof data !== "object" || data === null || !data.x || !data.y) {
    throw new TypeError(`Cannot ${ACTION}: data must have x and y, got ${describe(data)}`);
  }
  // Under weightedMetrics, the training rows' weights weigh the validation metrics (on them).
  if (options.weightedMetrics === true && options.sampleWeight === undefined) {
    // (Said here: the session would ask for the weights of validation data, which are ours.)
    throw new RangeError(
      `Cannot ${ACTION}: weightedMetrics weighs the metrics by the rows' sampleWeight, which is ` +
        "not given (classWeight weighs the training only)",
    );
  }
  const validation = options.weightedMetrics === true
    ? { x: data.x, y: data.y, sampleWeight: options.sampleWeight }
    : { x: data.x, y: data.y };
  // One compression session per storage mode: the mode is a session setting.
  const sessions = new Map<PreprocessingStorage, CompressionSession>();
  const first = asRefit(() =>
    createCompressionSession(data, { ...options, validation, preprocessingStorage: "auto" })
  );
  sessions.set("auto", first);
  const { denseTraining: _training, ...given } = options;
  const sessionFor = (storage: PreprocessingStorage): CompressionSession => {
    let s = sessions.get(storage);
    if (s === undefined) {
      s = createCompressionSession(data, {
        ...given,
        model: first.dense,
        validation,
        preprocessingStorage: storage,
      });
      sessions.set(storage, s);
    }
    return s;
  };
  return {
    dense: first.dense,
    denseWarnings: first.denseWarnings,
    refit(given: CandidateRecipe | CandidateReport): CompressResult {
      const recipe = isRecipe(given) ? given : candidateRecipe(given);
      // Before a session of another stored form is made for it.
      const { rows, cols } = first.dense.weights;
      const shape = { rows, cols, mask: first.dense.mask ?? null };
      resolveSteps(ACTION, recipe.prune, recipe.quantize, shape, options.fineTune);
      const made = asRefit(() =>
        sessionFor(recipe.preprocessingStorage).compress({
          prune: recipe.prune,
          quantize: recipe.quantize,
        })
      );
      // The dense row's time is what trained the dense model, which the first session did.
      const [dense, ...rest] = made.stages;
      const seconds = first.denseReport.seconds;
      return { ...made, stages: [{ ...dense, seconds }, ...rest] };
    },
  };
}

/** Runs `f`, naming the refit in the messages of the compression session's errors. */
function asRefit<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    const prefix = "Cannot compress model: ";
    if (error instanceof Error && error.message.startsWith(prefix)) {
      error.message = `Cannot ${ACTION}: ${error.message.slice(prefix.length)}`;
    }
    throw error;
  }
}

/**
 * Makes one recipe again on all the data (see {@linkcode createRefitSession}; a session shares
 * the dense model and the pruned models between recipes).
 *
 * @param data All the training data.
 * @param recipe A recipe, or the report of a sweep's or search's model.
 * @param options Session options, without validation data or a storage mode.
 * @returns The compressed model, its file and the stage table (`validation` metrics on the
 *   training data).
 * @throws {TypeError} For an unknown option, or a recipe that is not one.
 * @throws {RangeError} As the pipeline's `compress` throws.
 */
export function refitCompression(
  data: CompressionData,
  recipe: CandidateRecipe | CandidateReport,
  options: RefitOptions = {},
): CompressResult {
  const checked = isRecipe(recipe) ? recipe : candidateRecipe(recipe);
  // Checked before the dense model is trained on all the data, as compressModel checks them:
  // the steps, and what the model's shape and the fine-tuning setting rule out.
  resolveSteps(
    ACTION,
    checked.prune,
    checked.quantize,
    shapeToCome(data, options.model),
    options.fineTune,
  );
  return createRefitSession(data, options).refit(checked);
}

const RECIPE_KEYS = exactKeys<CandidateRecipe>()({
  prune: true,
  quantize: true,
  preprocessingStorage: true,
});
const STORAGES: readonly string[] = ["auto", "fold", "compact", "keep"];

/**
 * Whether `r` is a recipe (rather than a report, which has `quantization`); a recipe is checked
 * whole: a step left out would otherwise be the pipeline's default step (`prune` missing prunes
 * half the weights), and a storage left out would be `"auto"`.
 */
function isRecipe(r: CandidateRecipe | CandidateReport): r is CandidateRecipe {
  if (typeof r !== "object" || r === null) {
    throw new TypeError(
      `Cannot ${ACTION}: expected a recipe or a model report, got ${describe(r)}`,
    );
  }
  if ("quantization" in r) return false;
  checkOptionKeys(ACTION, r, RECIPE_KEYS, "recipe");
  for (const key of Object.keys(RECIPE_KEYS) as (keyof CandidateRecipe)[]) {
    if ((r as CandidateRecipe)[key] === undefined) {
      throw new TypeError(
        `Cannot ${ACTION}: a recipe gives prune, quantize and preprocessingStorage (a step ` +
          `left out is false); ${key} is missing`,
      );
    }
  }
  const storage = (r as CandidateRecipe).preprocessingStorage;
  if (typeof storage !== "string" || !STORAGES.includes(storage)) {
    throw new RangeError(
      `Cannot ${ACTION}: recipe preprocessingStorage must be ${STORAGES.join(", ")}, got ${
        describe(storage)
      }`,
    );
  }
  return true;
}
