/**
 * Import of linear models trained elsewhere from a JSON of coefficients, e.g. scikit-learn's
 * `LogisticRegression` dumped as
 * `{"coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(), "classes": clf.classes_.tolist()}`.
 *
 * Schema (fields other than `coef` and `intercept` are optional):
 *
 * | field | type | meaning |
 * | --- | --- | --- |
 * | `coef` | number[][], `(nOutputs, nFeatures)` | weights; one row for a binary model (score of the second class), one per class else |
 * | `intercept` | number[], `(nOutputs)` | bias |
 * | `classes` | (string or number)[] | class labels in order (numbers become strings: `1.0` -> `"1"`; integers beyond 2^53 - 1, which JSON numbers cannot hold exactly, are refused); default `"0"`, `"1"`, ... |
 * | `featureNames` | string[] | input names, distinct; default `x0`, `x1`, ... |
 * | `multiClass` | `"multinomial"` or `"ovr"` | how the model was trained; default multinomial (softmax) for more than two classes. One-vs-rest is read as softmax (same predicted classes, other probabilities) with a warning. One row with `"multinomial"` is scikit-learn's binary multinomial model, whose probability is `softmax([-z, z])`, i.e. `sigmoid(2 z)`: it is read as a sigmoid model of `2 z`. |
 * | `preprocessing` | `{ kind?: "standardize", mean: number[], scale: number[] }` | standardisation the coefficients expect, `(x - mean) / scale`; other kinds or fields are refused |
 * | `threshold` | number in (0, 1) | decision threshold of a binary model: `classes[1]` when its probability is above it (see `withThreshold`); refused for more than two classes |
 *
 * @module
 */

import {
  checkOptionKeys,
  describe,
  firstRepeat,
  nearestName,
  type OptionKeys,
  quotedList,
  quotedText,
} from "../core/validate.ts";
import { MODEL_VERSION } from "../model/types.ts";
import type { LogisticModel } from "../model/types.ts";
import { validateModel } from "../model/validate_model.ts";

/** The fields the schema knows. */
const FIELDS = [
  "coef",
  "intercept",
  "classes",
  "featureNames",
  "multiClass",
  "preprocessing",
  "threshold",
];

/**
 * Names under which scikit-learn gives a field, too far from the field's name for the
 * misspelling check: ignored, the names would be `x0`, `x1`, ... without a word.
 */
const FOREIGN_NAMES: Readonly<Record<string, string>> = {
  feature_names_in_: "featureNames",
  feature_names: "featureNames",
};

/** Options for {@linkcode modelFromCoefficients}. */
export interface CoefficientsOptions {
  /**
   * Name of the source, for messages.
   * @default {"coefficients"}
   */
  name?: string;
}

/**
 * Builds a model from a JSON of coefficients (see the module documentation for the schema).
 *
 * @param json The JSON text, or the parsed object.
 * @param options Name of the source for messages.
 * @returns The model and warnings.
 * @throws {SyntaxError} If the text is not JSON, a field has the wrong form, or an unknown field
 *   is within two edits of a known one of 8 letters or more, or one edit of a shorter one
 *   (`preprocesing`, `multi_class`, `coefs`: a misspelt
 *   `preprocessing` would otherwise drop the standardisation silently), or is scikit-learn's name
 *   for one (`feature_names_in_`, `feature_names`); other fields are ignored.
 * @throws {RangeError} If a value is not finite, a numeric class label is beyond 2^53 - 1 (JSON
 *   numbers that large lose digits: write such labels as strings), class labels or feature names
 *   repeat, or the shapes disagree.
 *
 * @example A binary model
 * ```ts
 * import { modelFromCoefficients } from "./coefficients.ts";
 * import assert from "node:assert/strict";
 *
 * const { model } = modelFromCoefficients('{"coef": [[1.5, -2]], "intercept": [0.5], "classes": [0, 1]}');
 * assert.equal(model.link, "sigmoid");
 * assert.deepEqual(model.classes, ["0", "1"]);
 * ```
 */
export function modelFromCoefficients(
  json: string | Record<string, unknown>,
  options: CoefficientsOptions = {},
): { model: LogisticModel; warnings: string[] } {
  checkOptionKeys(
    "import coefficients",
    options,
    {
      name: true,
    } satisfies OptionKeys<CoefficientsOptions>,
  );
  const name = options.name ?? "coefficients";
  const fail = (reason: string): never => {
    throw new SyntaxError(`Cannot import '${name}': ${reason}`);
  };
  let o: Record<string, unknown>;
  if (typeof json === "string") {
    try {
      o = JSON.parse(json);
    } catch (error) {
      return fail(`not JSON (${(error as Error).message})`);
    }
  } else o = json;
  if (typeof o !== "object" || o === null || Array.isArray(o)) fail("expected a JSON object");
  // Other fields (a source, a note) are left alone, but one that looks like a misspelt field
  // is refused: a "preprocesing" ignored would drop the standardisation silently.
  for (const key of Object.keys(o)) {
    if (FIELDS.includes(key)) continue;
    // Two edits for the long names, one for the short ones ("cols" is not "coef").
    const near = Object.hasOwn(FOREIGN_NAMES, key) ? FOREIGN_NAMES[key] : nearestName(key, FIELDS);
    if (near) fail(`unknown field ${quotedText(key)}: is it ${quotedText(near)}?`);
  }
  const mismatch = (reason: string): never => {
    throw new RangeError(`Cannot import '${name}': ${reason}`);
  };
  const numbers = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((e) => typeof e === "number")) {
      return fail(`${what} must be an array of numbers`);
    }
    return v;
  };
  const coef = o.coef;
  if (!Array.isArray(coef) || coef.length === 0) fail("coef must be a non-empty array of rows");
  const rows = (coef as unknown[]).map((r, i) => numbers(r, `coef[${i}]`));
  const d = rows[0].length;
  if (d === 0 || rows.some((r) => r.length !== d)) {
    fail("coef rows must have the same, non-zero length");
  }
  const intercept = numbers(o.intercept, "intercept");
  if (intercept.length !== rows.length) {
    mismatch(`intercept has ${intercept.length} values for ${rows.length} coef rows`);
  }
  const nOut = rows.length;
  let classes: string[];
  if (o.classes === undefined) {
    classes = Array.from({ length: nOut === 1 ? 2 : nOut }, (_, c) => String(c));
  } else {
    if (
      !Array.isArray(o.classes) ||
      !o.classes.every((c) => typeof c === "string" || typeof c === "number")
    ) fail("classes must be an array of strings or numbers");
    // JSON.parse reads an integer beyond 2^53 - 1 into the nearest float64, so the label
    // 9007199254740993 would name its class 9007199254740992.
    const inexact = (o.classes as (string | number)[]).findIndex((c) =>
      typeof c === "number" && (!Number.isFinite(c) || !Number.isSafeInteger(Math.trunc(c)))
    );
    if (inexact >= 0) {
      mismatch(
        `classes[${inexact}] is ${
          (o.classes as number[])[inexact]
        } as read: a numeric label must ` +
          "be finite and within 2^53 - 1, beyond which JSON numbers lose digits; write the " +
          "classes as strings",
      );
    }
    classes = (o.classes as (string | number)[]).map(String);
  }
  const warnings: string[] = [];
  const mc = o.multiClass;
  if (mc !== undefined && mc !== "multinomial" && mc !== "ovr") {
    fail(`multiClass must be 'multinomial' or 'ovr', got ${JSON.stringify(mc)}`);
  }
  let link: "sigmoid" | "softmax";
  let factor = 1;
  if (nOut === 1) {
    if (classes.length !== 2) {
      mismatch(`one coef row is a binary model, but there are ${classes.length} classes`);
    }
    link = "sigmoid";
    // scikit-learn's binary multinomial model: softmax([-z, z]) = sigmoid(2 z).
    if (mc === "multinomial") factor = 2;
  } else {
    if (classes.length !== nOut) mismatch(`${nOut} coef rows for ${classes.length} classes`);
    link = "softmax";
    if (mc === "ovr") {
      warnings.push("one-vs-rest read as softmax: same predicted classes, other probabilities");
    }
  }
  let featureNames: string[];
  if (o.featureNames === undefined) featureNames = Array.from({ length: d }, (_, j) => `x${j}`);
  else {
    const names: unknown = o.featureNames;
    const must = "featureNames must be an array of strings";
    if (!Array.isArray(names)) fail(`${must}, got ${describe(names)}`);
    // findIndex, not every: a hole of a sparse array is no string either.
    const bad = (names as unknown[]).findIndex((s) => typeof s !== "string");
    if (bad >= 0) {
      fail(`${must}, but featureNames[${bad}] is ${describe((names as unknown[])[bad])}`);
    }
    featureNames = names as string[];
    // A new model, as fit makes: its names must tell its features apart (data columns are
    // matched to them by name, and the CSV readers refuse a header that repeats one).
    const repeat = firstRepeat(featureNames);
    if (repeat !== null) {
      const [seen, j] = repeat;
      mismatch(`features ${seen} and ${j} are both named ${quotedText(featureNames[j])}`);
    }
  }
  let preprocessing: LogisticModel["preprocessing"] = { kind: "none" };
  if (o.preprocessing !== undefined) {
    const p = o.preprocessing as Record<string, unknown>;
    if (typeof p !== "object" || p === null) fail("preprocessing must be an object");
    // Only standardisation exists; a `kind` naming anything else (say "none" next to leftover
    // arrays, or a min-max scaling) must not be read as it.
    if (p.kind !== undefined && p.kind !== "standardize") {
      fail(`preprocessing kind must be 'standardize' (or absent), got ${JSON.stringify(p.kind)}`);
    }
    const unknown = Object.keys(p).filter((k) => !["kind", "mean", "scale"].includes(k));
    if (unknown.length > 0) {
      fail(
        `preprocessing has ${
          unknown.length === 1
            ? `an unknown field ${quotedText(unknown[0])}`
            : `unknown fields ${quotedList(unknown)}`
        }`,
      );
    }
    preprocessing = {
      kind: "standardize",
      mean: Float64Array.from(numbers(p.mean, "preprocessing.mean")),
      scale: Float64Array.from(numbers(p.scale, "preprocessing.scale")),
    };
  }
  if (o.threshold !== undefined && typeof o.threshold !== "number") {
    fail(`threshold must be a number, got ${describe(o.threshold)}`);
  }
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link,
    weights: { data: Float64Array.from(rows.flat(), (v) => factor * v), rows: nOut, cols: d },
    bias: Float64Array.from(intercept, (v) => factor * v),
    classes,
    featureNames,
    preprocessing,
    ...(o.threshold !== undefined ? { threshold: o.threshold as number } : {}),
  };
  try {
    validateModel(model, `import '${name}'`);
  } catch (error) {
    // Every field has its form by now: what the model check finds is values or shapes that
    // disagree (feature names, preprocessing length, repeated classes).
    throw new RangeError((error as Error).message);
  }
  return { model, warnings };
}
