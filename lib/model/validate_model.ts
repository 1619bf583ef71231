/**
 * Structural check of a model: every field present, shapes consistent, values finite.
 *
 * @module
 */

import {
  assertFinite,
  counted,
  describe,
  firstRepeat,
  quoted,
  quotedText,
} from "../core/validate.ts";
import { validatePreprocessing } from "../data/preprocess.ts";
import { checkThreshold } from "./decision_threshold.ts";
import { type LogisticModel, MODEL_VERSION, outputCount } from "./types.ts";

/**
 * Checks a model's class labels: at least two distinct strings, none empty or blank, none the
 * same as another once trimmed (data files are read with their labels trimmed, and an empty
 * label refused, so such a class could never be matched to data).
 *
 * @param action What the caller was doing, for messages.
 * @param classes The labels.
 * @throws {TypeError} If they are not, naming what was found: a value that is not an array, an
 *   entry that is not a string, a single label, or the two positions of a repeated label.
 */
export function checkClasses(action: string, classes: unknown): void {
  checkStrings(action, "classes", "at least two strings", classes);
  if (classes.length < 2) {
    throw new TypeError(
      `Cannot ${action}: classes must be an array of at least two strings, got ${
        classes.length === 0 ? "none" : `only ${quotedText(classes[0])}`
      }`,
    );
  }
  const repeated = repeatedClass(classes);
  if (repeated !== null) throw new TypeError(`Cannot ${action}: ${repeated}`);
  const trimmed = new Map<string, number>();
  for (let i = 0; i < classes.length; i++) {
    const label = classes[i].trim();
    if (label === "") {
      throw new TypeError(
        `Cannot ${action}: class label ${i} is ${
          classes[i] === "" ? "empty" : `blank (${quotedText(classes[i])})`
        }; a data file's empty label is refused`,
      );
    }
    const seen = trimmed.get(label);
    if (seen !== undefined) {
      throw new TypeError(
        `Cannot ${action}: class labels ${seen} and ${i} (${quotedText(classes[seen])} and ` +
          `${quotedText(classes[i])}) are the same once trimmed, as data files are read`,
      );
    }
    trimmed.set(label, i);
  }
}

/**
 * Finds the first class label that repeats an earlier one.
 *
 * @param classes The labels.
 * @returns Its two positions and the label, as a refusal says it (`class labels 0 and 2 are both
 *   "a"`), or `null` if no label repeats.
 */
export function repeatedClass(classes: readonly string[]): string | null {
  const repeat = firstRepeat(classes);
  if (repeat === null) return null;
  const [seen, i] = repeat;
  return `class labels ${seen} and ${i} are both ${quotedText(classes[i])}`;
}

/**
 * Checks a model's feature names: one string per feature.
 *
 * @param action What the caller was doing, for messages.
 * @param names The names.
 * @param nFeatures The number of features (the weights' columns).
 * @throws {TypeError} If they are not, naming what was found: a value that is not an array, an
 *   entry that is not a string, or the number of names.
 */
export function checkFeatureNames(action: string, names: unknown, nFeatures: number): void {
  checkStrings(action, "featureNames", `${nFeatures} strings`, names);
  if (names.length !== nFeatures) {
    throw new TypeError(
      `Cannot ${action}: featureNames has ${counted(names.length, "name")} but the weights have ` +
        `${counted(nFeatures, "column")}`,
    );
  }
}

/**
 * Checks that a value is an array of strings, naming what it is instead, or its first entry that
 * is not a string (an index loop: a hole of a sparse array is no string either).
 */
function checkStrings(
  action: string,
  name: string,
  expected: string,
  v: unknown,
): asserts v is string[] {
  const fail = (found: string): never => {
    throw new TypeError(`Cannot ${action}: ${name} must be an array of ${expected}, ${found}`);
  };
  if (!Array.isArray(v)) fail(`got ${describe(v)}`);
  const a = v as unknown[];
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== "string") fail(`but ${name}[${i}] is ${describe(a[i])}`);
  }
}

/**
 * Checks that a value is a well-formed {@linkcode LogisticModel}: its kind and version, link,
 * classes, weight shape and finite values, feature names, preprocessing, mask and threshold.
 *
 * @param model The value.
 * @param action What the caller was doing, for messages ("Cannot <action>: ...").
 * @throws {TypeError} If a field is missing, of the wrong type or shape.
 * @throws {RangeError} If a value is out of range: a weight, bias or preprocessing value that is
 *   not finite, a preprocessing scale that is not > 0 or whose reciprocal overflows, a mask entry
 *   not 0 or 1, a masked weight that is not zero, or a threshold that is NaN or not strictly
 *   between 0 and 1 (a threshold on a softmax model, or not a number, is a TypeError).
 */
export function validateModel(model: LogisticModel, action: string): void {
  const fail = (reason: string): never => {
    throw new TypeError(`Cannot ${action}: ${reason}`);
  };
  if (typeof model !== "object" || model === null) fail("the model is not an object");
  if (model.kind !== "logistic-regression") {
    const kind = (model as { kind?: unknown }).kind;
    fail(
      `kind must be 'logistic-regression', got ${quoted(kind)}` +
        (kind === "quantized-logistic-regression"
          ? " (a quantized model: score it with quantizedPredict(q, x), or use its float model, " +
            "asFloatModel(q))"
          : ""),
    );
  }
  if (model.version !== MODEL_VERSION) {
    // Quoted when a string: a version "1" read from JSON was refused as 'must be 1, got 1'.
    fail(`version must be ${MODEL_VERSION}, got ${quoted(model.version)}`);
  }
  if (model.link !== "sigmoid" && model.link !== "softmax") {
    fail(`unknown link ${quoted(model.link)}`);
  }
  const classes = model.classes;
  checkClasses(action, classes);
  if (model.link === "sigmoid" && classes.length !== 2) {
    fail("a sigmoid model has exactly 2 classes");
  }
  const w = model.weights;
  if (typeof w !== "object" || w === null || !(w.data instanceof Float64Array)) {
    fail("weights must be a matrix of Float64Array storage");
  }
  // Each named with its type: a "rows": "10" read from JSON was refused as 'weights must be 10 x
  // nFeatures, got 10 x 64'.
  for (const key of ["rows", "cols"] as const) {
    if (!Number.isInteger(w[key]) || w[key] < 0) {
      fail(`weights.${key} must be a non-negative integer, got ${describe(w[key])}`);
    }
  }
  const nOut = outputCount(model.link, classes.length);
  if (
    !Number.isInteger(w.cols) || w.cols < 1 || w.rows !== nOut || w.data.length !== nOut * w.cols
  ) {
    fail(
      `weights must be ${nOut} x nFeatures, got ${w.rows} x ${w.cols} (${w.data.length} values)`,
    );
  }
  if (!(model.bias instanceof Float64Array) || model.bias.length !== nOut) {
    fail(`bias must be a Float64Array of ${nOut} values`);
  }
  checkFeatureNames(action, model.featureNames, w.cols);
  assertFinite(action, "weights", w.data, w.cols);
  assertFinite(action, "bias", model.bias);
  validatePreprocessing(model.preprocessing, w.cols, action);
  if (model.mask !== undefined) {
    const m = model.mask;
    if (!(m instanceof Uint8Array) || m.length !== w.data.length) {
      fail(
        `mask must be a Uint8Array of ${counted(w.data.length, "entry", { plural: "entries" })}`,
      );
    }
    for (let i = 0; i < m.length; i++) {
      if (m[i] > 1) throw new RangeError(`Cannot ${action}: mask[${i}] is ${m[i]}, not 0 or 1`);
      if (m[i] === 0 && w.data[i] !== 0) {
        throw new RangeError(`Cannot ${action}: weight ${i} is masked but not zero`);
      }
    }
  }
  checkThreshold(action, model.link, model.threshold);
}
