/**
 * The small linear model the ONNX import tests build their graphs around: 4 features, 3 classes,
 * weights with fractional parts of both signs (so that truncation differs from rounding), and
 * rows of inputs on a quarter grid.
 *
 * @module
 */

import { fromRows, type Matrix } from "../../lib/core/matrix.ts";

/** Features. */
export const D = 4;
/** Classes. */
export const K = 3;
/** Weights, `(K, D)` row-major. */
export const W = Float32Array.from({ length: K * D }, (_, i) => ((i * 7) % 11) * 0.55 - 2.6);
/** Biases, one per class. */
export const B = Float32Array.from([0.25, -0.5, 0.125]);

/** `rows` inputs `(rows, D)` between -1.5 and 1.5. */
export function inputRows(rows: number): Matrix {
  return fromRows(
    Array.from(
      { length: rows },
      (_, r) => Array.from({ length: D }, (_, j) => ((r * 5 + j * 3) % 13) / 4 - 1.5),
    ),
  );
}
