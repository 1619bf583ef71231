/**
 * The synthetic bag-of-words data of `deno task bench:sparse`: seeded, so every run measures the
 * same matrices. Not real text: a stand-in with the shape of one (a few word counts a row, common
 * words frequent, each class with words of its own).
 *
 * @module
 */

import { createPrng } from "../../lib/core/random.ts";
import type { CsrMatrix } from "../../lib/core/sparse.ts";

/** Options of {@linkcode bagOfWords}. */
export interface BagOfWordsOptions {
  /**
   * Number of classes; row `i` is of class `i % classes`.
   * @default {5}
   */
  readonly classes?: number;
  /**
   * Seed of the generator.
   * @default {1}
   */
  readonly seed?: number;
}

/**
 * A synthetic bag of words: `rows` documents over `cols` words, each document holding exactly
 * `max(1, round(density * cols))` distinct words (so the matrix's density is that over `cols`).
 * Each word of a document of class `c` is, with probability 1/2, one of its class's words
 * (`c * floor(cols / classes) + floor(floor(cols / classes) * u^2)`, `u` uniform in [0, 1): the
 * first of the class's block most often), otherwise a common word `floor(cols * u^3)` (low
 * indices most often, as in Zipf's law); a word the document already holds is replaced by a
 * uniform draw among all words until one it lacks comes. Each word's count is geometric, `1 +
 * floor(log(u) / log(1/2))` (1 half the time, 2 a quarter, ...). The columns of a row are stored
 * in increasing order.
 *
 * @param rows Documents.
 * @param cols Words.
 * @param density Share of each row's words that are present, in (0, 1].
 * @param options Classes and seed.
 * @returns The CSR matrix (float64 counts), the class index of each row and the class names.
 */
export function bagOfWords(
  rows: number,
  cols: number,
  density: number,
  options: BagOfWordsOptions = {},
): { x: CsrMatrix<Float64Array>; y: Int32Array; classes: string[] } {
  const { classes = 5, seed = 1 } = options;
  const prng = createPrng(seed);
  const m = Math.max(1, Math.min(cols, Math.round(density * cols)));
  const block = Math.max(1, Math.floor(cols / classes));
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * m);
  const values = new Float64Array(rows * m);
  const y = new Int32Array(rows);
  const taken = new Uint8Array(cols);
  const row = new Int32Array(m);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    y[i] = c;
    for (let t = 0; t < m; t++) {
      const u = prng();
      let j = prng() < 0.5
        ? (c * block + Math.floor(block * u * u)) % cols
        : Math.floor(cols * u * u * u);
      while (taken[j] === 1) j = Math.floor(cols * prng());
      taken[j] = 1;
      row[t] = j;
    }
    row.sort();
    for (let t = 0; t < m; t++) {
      const p = i * m + t;
      indices[p] = row[t];
      values[p] = 1 + Math.floor(Math.log(1 - prng()) / Math.log(0.5));
      taken[row[t]] = 0;
    }
    indptr[i + 1] = (i + 1) * m;
  }
  return {
    x: { kind: "csr", indptr, indices, values, rows, cols },
    y,
    classes: Array.from({ length: classes }, (_, k) => String(k)),
  };
}

/**
 * The bytes a CSR matrix's arrays hold: `indptr` and `indices` (int32) and `values`.
 *
 * @param x The matrix.
 * @returns Bytes.
 */
export function csrBytes(x: CsrMatrix): number {
  return x.indptr.byteLength + x.indices.byteLength + x.values.byteLength;
}
