/**
 * The classes a compressed model stops finding: lrc compress's chosen model against the dense one
 * on the validation rows, lrc prune's pruned (and fine-tuned) model against the dense one and
 * lrc quantize's quantized model against the float one on the test rows.
 *
 * @module
 */

import { counted, quotedList, quotedText } from "../core/validate.ts";
import { percent } from "./format.ts";

/**
 * A class the dense (or reference) model finds on the rows and the chosen (or compressed) model no
 * longer does: lrc compress counts the validation rows, lrc prune and lrc quantize the test rows.
 */
export interface LostClass {
  /** The class label. */
  readonly class: string;
  /** Rows of the class (with weights, of weight above 0). */
  readonly samples: number;
  /** The dense (reference) model's recall of the class on those rows, above 0. */
  readonly denseRecall: number;
  /** The chosen (compressed) model's recall of the class on those rows: 0. */
  readonly chosenRecall: number;
}

/**
 * The classes whose validation recall the chosen model brings to 0 from a dense recall above 0:
 * the dense model gets at least one of their validation rows right, the chosen model none (it
 * may never predict them). Accuracy counts a class by its share of the rows, so on 48/48/3 %
 * data a 5-point budget chose a model that never predicted the 3 % class, without a word.
 *
 * @param y The validation rows' class indices.
 * @param classes The class labels.
 * @param densePredicted The dense model's predicted class indices on those rows.
 * @param chosenPredicted The chosen model's predicted class indices on those rows.
 * @param weights The rows' weights (`lrc compress --weighted-metrics`): the recalls are then the
 *   shares of each class's weight, and a row of weight 0 is no row; `null` for none.
 * @returns The lost classes, in class order.
 */
export function lostClasses(
  y: ArrayLike<number>,
  classes: readonly string[],
  densePredicted: ArrayLike<number>,
  chosenPredicted: ArrayLike<number>,
  weights: ArrayLike<number> | null = null,
): LostClass[] {
  const k = classes.length;
  const rows = new Array<number>(k).fill(0), weight = new Array<number>(k).fill(0);
  const dense = new Array<number>(k).fill(0), chosen = new Array<number>(k).fill(0);
  for (let i = 0; i < y.length; i++) {
    const w = weights === null ? 1 : weights[i];
    if (w === 0) continue;
    rows[y[i]]++;
    weight[y[i]] += w;
    if (densePredicted[i] === y[i]) dense[y[i]] += w;
    if (chosenPredicted[i] === y[i]) chosen[y[i]] += w;
  }
  const lost: LostClass[] = [];
  for (let c = 0; c < k; c++) {
    if (dense[c] > 0 && chosen[c] === 0) {
      lost.push({
        class: classes[c],
        samples: rows[c],
        denseRecall: dense[c] / weight[c],
        chosenRecall: 0,
      });
    }
  }
  return lost;
}

/** What {@linkcode lostClassesNote} calls the two models and the rows. */
export interface LostClassesWords {
  /** The model that lost the classes (`chosen`, `pruned`, `quantized`, ...). */
  readonly model: string;
  /** The model it is compared with (`dense`, `float`). */
  readonly reference: string;
  /** The rows counted (`validation`, `test`). */
  readonly rows: string;
}

/**
 * The note on the classes a model lost (see {@linkcode lostClasses}): by default, the chosen
 * model of lrc compress against the dense one on the validation rows.
 *
 * @param lost The lost classes.
 * @param remedy How to keep them, said after the recalls.
 * @param words What the note calls the two models and the rows.
 * @returns The note's line, or none when no class is lost.
 */
export function lostClassesNote(
  lost: readonly LostClass[],
  remedy: string,
  words: LostClassesWords = { model: "chosen", reference: "dense", rows: "validation" },
): string[] {
  if (lost.length === 0) return [];
  const one = lost.length === 1;
  const { model, reference, rows } = words;
  return [
    `note      the ${model} model gets no ${rows} row of ${one ? "class" : "classes"} ` +
    `${quotedList(lost.map((l) => l.class))} right, which the ${reference} model does (${rows} ` +
    `recall ${reference} -> ${model}: ${
      lost.map((l) =>
        `${quotedText(l.class)} ${percent(l.denseRecall)} -> ${percent(l.chosenRecall)} of ` +
        counted(l.samples, "row")
      ).join(", ")
    }): ${remedy}`,
  ];
}

/**
 * {@linkcode lostClasses} from two confusion matrices of the same rows: the classes whose recall
 * is above 0 in `reference` and 0 in `confusion`.
 *
 * @param classes The class labels.
 * @param reference The reference (dense, float) model's `confusion[true][predicted]` counts.
 * @param confusion The compressed model's counts on the same rows.
 * @returns The lost classes, in class order.
 */
export function lostClassesOfConfusion(
  classes: readonly string[],
  reference: readonly (readonly number[])[],
  confusion: readonly (readonly number[])[],
): LostClass[] {
  const lost: LostClass[] = [];
  for (let c = 0; c < classes.length; c++) {
    const rows = reference[c].reduce((a, b) => a + b, 0);
    if (reference[c][c] > 0 && confusion[c][c] === 0) {
      lost.push({
        class: classes[c],
        samples: rows,
        denseRecall: reference[c][c] / rows,
        chosenRecall: 0,
      });
    }
  }
  return lost;
}
