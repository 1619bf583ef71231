/**
 * The four small real data sets shipped with lrcompress (copied from scikit-learn 1.2.1 as
 * packaged by Debian; see `notebooks/data/README.md`).
 *
 * @module
 */

import type { Dataset } from "./dataset.ts";
import { parseCsv } from "./csv.ts";

/** Names of the embedded data sets. */
export type EmbeddedName = "breast-cancer" | "digits" | "iris" | "wine";

/** Every embedded data set: its file, label column and shape. */
export const EMBEDDED_DATASETS: Readonly<
  Record<EmbeddedName, { file: string; label: string; description: string }>
> = {
  "breast-cancer": {
    file: "breast_cancer.csv",
    label: "diagnosis",
    description: "Wisconsin diagnostic breast cancer: 569 samples, 30 features, 2 classes",
  },
  "digits": {
    file: "digits.csv",
    label: "digit",
    description: "Handwritten digits, 8x8 pixels: 1797 samples, 64 features, 10 classes",
  },
  "iris": {
    file: "iris.csv",
    label: "species",
    description: "Fisher's iris flowers: 150 samples, 4 features, 3 classes",
  },
  "wine": {
    file: "wine.csv",
    label: "cultivar",
    description: "Italian wines of three cultivars, chemical analysis: 178 samples, 13 features, " +
      "3 classes",
  },
};

/** The embedded data set used when the user gives no data. */
export const DEFAULT_DATASET: EmbeddedName = "digits";

/**
 * The URL of an embedded data set's CSV file.
 *
 * @param name The data set.
 * @returns Its URL (a `file:` URL in a checkout).
 */
export function embeddedUrl(name: EmbeddedName): URL {
  return new URL(`../../notebooks/data/${EMBEDDED_DATASETS[name].file}`, import.meta.url);
}

/**
 * Loads an embedded data set.
 *
 * @param name `"breast-cancer"` (binary, 569 x 30), `"digits"` (10 classes, 1797 x 64), `"iris"`
 *   (3 classes, 150 x 4) or `"wine"` (3 classes, 178 x 13).
 * @returns The data set with its class labels and feature names.
 * @throws {RangeError} If the name is unknown.
 *
 * @example Load the digits
 * ```ts
 * import { loadEmbedded } from "./embedded.ts";
 * import assert from "node:assert/strict";
 *
 * const digits = await loadEmbedded("digits");
 * assert.deepEqual([digits.x.rows, digits.x.cols, digits.classes.length], [1797, 64, 10]);
 * ```
 */
export async function loadEmbedded(name: EmbeddedName): Promise<Dataset> {
  const entry = EMBEDDED_DATASETS[name];
  if (!entry || !Object.hasOwn(EMBEDDED_DATASETS, name)) {
    throw new RangeError(
      `Cannot load data set '${name}': known are ${Object.keys(EMBEDDED_DATASETS).join(", ")}`,
    );
  }
  const url = embeddedUrl(name);
  const text = url.protocol === "file:"
    ? await Deno.readTextFile(url)
    : await (await fetch(url)).text();
  return parseCsv(text, { label: entry.label, fileName: entry.file });
}
