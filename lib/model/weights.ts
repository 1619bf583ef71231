/**
 * Row weights shared by `fit` and `fitStream`: class weights resolved per class, the check of
 * their sum, and the power-of-two scaling that keeps the largest in [1, 2); and the check of a
 * `sampleWeight` option that `fit` and `evaluate` share. Internal to lib/model (not re-exported
 * by its mod.ts).
 *
 * @module
 */

import { describe, quotedList, quotedText } from "../core/validate.ts";

/**
 * Reads a `sampleWeight` option, checked: an array (or typed array) of one finite number >= 0
 * per row. `fit` (through {@linkcode effectiveWeights}) and `evaluate` (through the metrics'
 * `checkSampleWeight`) read theirs with it; each checks the sum as it needs.
 *
 * @param action What the caller was doing, for messages.
 * @param sw The option's value.
 * @param n The number of rows.
 * @param namesRow Whether a bad weight's message adds "(row i)" after `sampleWeight[i]`.
 * @returns The weights as float64 (a copy).
 * @throws {TypeError} If it is not an array (or typed array) of `n` entries.
 * @throws {RangeError} If a weight is not a finite number >= 0 (naming its index).
 */
export function sampleWeightValues(
  action: string,
  sw: unknown,
  n: number,
  namesRow: boolean,
): Float64Array {
  // A string is array-like too; a DataView has no indices.
  const arrayLike = Array.isArray(sw) || (ArrayBuffer.isView(sw) && !(sw instanceof DataView));
  if (!arrayLike || (sw as ArrayLike<unknown>).length !== n) {
    throw new TypeError(
      `Cannot ${action}: sampleWeight must hold one weight per row of x (${n}), got ${
        describe(sw)
      }`,
    );
  }
  const values = sw as ArrayLike<unknown>;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(typeof v === "number" && v >= 0 && v < Infinity)) {
      throw new RangeError(
        `Cannot ${action}: sampleWeight[${i}]${namesRow ? ` (row ${i})` : ""} is ${
          typeof v === "number" ? v : describe(v)
        }; weights must be finite numbers >= 0`,
      );
    }
    w[i] = v;
  }
  return w;
}

/**
 * Refuses row weights that sum to 0 (no row would train) or beyond float64 (the mean would be
 * Infinity), naming where the weights came from.
 *
 * @param action What the caller was doing, for messages.
 * @param sum The sum of the rows' weights.
 * @param from `"sampleWeight"`, `"classWeight"` or `"both"` (their product).
 * @param rows What gives the row weights, in the messages (`fitStream`'s `weightColumn "w"`).
 * @throws {RangeError} If the sum is 0 or not finite.
 */
export function checkWeightSum(
  action: string,
  sum: number,
  from: "sampleWeight" | "classWeight" | "both",
  rows = "sampleWeight",
): void {
  if (sum === 0) {
    throw new RangeError(
      `Cannot ${action}: every training row weighs 0 (${
        from === "both" ? `${rows} times classWeight` : from === "sampleWeight" ? rows : from
      }); at least one row must weigh more than 0`,
    );
  }
  if (!Number.isFinite(sum)) {
    throw new RangeError(
      `Cannot ${action}: the row weights sum to ${sum}, beyond float64; scale them down ` +
        "(only their ratios matter)",
    );
  }
}

/**
 * The weight of each class that a `classWeight` option gives, checked: for `"balanced"`,
 * scikit-learn's `n / (nPresent * counts[c])` over the classes with rows (others weigh 1), with
 * `n` the sum of `counts`; for an object, its weights, classes it leaves out weighing 1. `fit`
 * (through {@linkcode effectiveWeights}) and `fitStream` resolve `classWeight` with it.
 *
 * @param cw The option's value.
 * @param classes The class labels.
 * @param counts Rows of each class (read only for `"balanced"`).
 * @param action What the caller was doing, for messages.
 * @returns One weight per class.
 * @throws {TypeError} If `cw` is neither `"balanced"` nor an object.
 * @throws {RangeError} If it names an unknown class, or a weight is not finite and >= 0.
 */
export function perClassWeights(
  cw: unknown,
  classes: readonly string[],
  counts: ArrayLike<number>,
  action: string,
): Float64Array {
  const perClass = new Float64Array(classes.length).fill(1);
  if (cw === "balanced") {
    // scikit-learn's n_samples / (n_classes * bincount(y)), over the classes present and
    // counted without sampleWeight.
    let n = 0, present = 0;
    for (let c = 0; c < classes.length; c++) {
      n += counts[c];
      if (counts[c] > 0) present++;
    }
    for (let c = 0; c < classes.length; c++) {
      if (counts[c] > 0) perClass[c] = n / (present * counts[c]);
    }
    return perClass;
  }
  if (typeof cw !== "object" || cw === null || Array.isArray(cw) || ArrayBuffer.isView(cw)) {
    throw new TypeError(
      `Cannot ${action}: classWeight must be "balanced" or an object from class labels to ` +
        `weights, got ${describe(cw)}`,
    );
  }
  for (const [label, v] of Object.entries(cw)) {
    const c = classes.indexOf(label);
    if (c < 0) {
      throw new RangeError(
        `Cannot ${action}: classWeight names class ${quotedText(label)}, which is not one ` +
          `of the classes ${quotedList(classes)}`,
      );
    }
    if (!(typeof v === "number" && v >= 0 && v < Infinity)) {
      throw new RangeError(
        `Cannot ${action}: classWeight of class ${quotedText(label)} is ${
          typeof v === "number" ? v : describe(v)
        }; weights must be finite numbers >= 0`,
      );
    }
    perClass[c] = v;
  }
  return perClass;
}

/**
 * The powers of two that bring the largest of finite weights >= 0, `max` (> 0), into [1, 2):
 * each weight is multiplied by `pre`, then by `scale` (two factors, as 2^-e alone would overflow
 * for e < -1023). `fit` scales its weights with them, and `fitStream` each row's weight.
 *
 * @param max The largest weight, > 0.
 * @returns The two factors; both 1 when `max` is already in [1, 2).
 */
export function unitScale(max: number): { pre: number; scale: number } {
  const pre = max < 2 ** -500 ? 2 ** 600 : 1; // exact
  max *= pre;
  let scale = 1;
  while (max * scale >= 2) scale *= 0.5;
  while (max * scale < 1) scale *= 2;
  return { pre, scale };
}
