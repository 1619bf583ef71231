/**
 * Options shared by every command that reads data, and the loading they drive.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { DEFAULT_MAX_CSV_BYTES, readCsv } from "../data/csv.ts";
import type { Dataset } from "../data/dataset.ts";
import {
  DEFAULT_DATASET,
  EMBEDDED_DATASETS,
  type EmbeddedName,
  loadEmbedded,
} from "../data/embedded.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { trainTestSplit } from "../data/preprocess.ts";
import type { LogisticModel } from "../model/types.ts";
import type { OptionSpec, ParsedArgs } from "./args.ts";

/** Data options, for spreading into a command's option table. */
export const DATA_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: "string",
    value: "FILE.csv",
    help: "CSV file to use instead of an embedded data set",
  },
  label: {
    type: "string",
    value: "COLUMN",
    help: "label column of --data, by header name or zero-based index (default: last column)",
  },
  "no-header": { type: "boolean", help: "--data has no header row" },
  delimiter: { type: "string", value: "CHAR", help: "field delimiter of --data", default: "," },
  dataset: {
    type: "string",
    value: "NAME",
    help: "embedded data set, or fashion-mnist (from Debian's dataset-fashion-mnist)",
    default: DEFAULT_DATASET,
    choices: [...Object.keys(EMBEDDED_DATASETS), "fashion-mnist"],
  },
  "test-fraction": {
    type: "string",
    value: "F",
    help: "fraction held out for testing (stratified; fashion-mnist uses its own test set)",
    default: "0.25",
  },
  seed: { type: "string", value: "N", help: "seed of the split and of training", default: "0" },
  "max-data-bytes": {
    type: "string",
    value: "N",
    help: "refuse a --data file larger than this (it is streamed; memory is up to 4x its size)",
    default: String(DEFAULT_MAX_CSV_BYTES),
  },
};

/** Training and test data, with what they are called. */
export interface LoadedData {
  /** Where the data came from, for the report. */
  readonly source: string;
  readonly train: Dataset;
  readonly test: { readonly x: Matrix; readonly y: Int32Array };
}

/**
 * Loads and splits the data the options select.
 *
 * @param args Parsed options including {@linkcode DATA_OPTIONS}.
 * @returns Training and test parts.
 */
export async function loadData(args: ParsedArgs): Promise<LoadedData> {
  const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
  const testFraction = args.number("test-fraction", 1e-9, 1 - 1e-9)!;
  const file = args.string("data");
  if (file === undefined && args.string("dataset") === "fashion-mnist") {
    const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
    return { source: "fashion-mnist (its own train and test files)", train, test };
  }
  let data: Dataset;
  let source: string;
  if (file !== undefined) {
    data = await readCsv(file, {
      label: args.string("label"),
      header: !args.flag("no-header"),
      delimiter: args.string("delimiter"),
      maxBytes: args.number("max-data-bytes", 1, Number.MAX_SAFE_INTEGER, true),
    });
    if (data.classes.length < 2) {
      const column = args.string("label") ?? "the last column";
      throw new RangeError(
        `Cannot use '${file}' as training data: its label column (${column}) holds a single class ` +
          `('${data.classes[0]}'); at least two are needed (pick the label with --label)`,
      );
    }
    source = file;
  } else {
    const name = args.string("dataset") as EmbeddedName;
    data = await loadEmbedded(name);
    source = `${name} (embedded)`;
  }
  const split = trainTestSplit(data.x, data.y, { testFraction, seed });
  return {
    source,
    train: {
      x: split.xTrain,
      y: split.yTrain,
      classes: data.classes,
      featureNames: data.featureNames,
    },
    test: { x: split.xTest, y: split.yTest },
  };
}

/**
 * Checks that a loaded model can be applied to the loaded data: same number of features and the
 * same class labels in the same order (labels are compared as indices).
 *
 * @param model The model.
 * @param data The data.
 * @param file The model's file, for messages.
 * @throws {TypeError} If the features or classes differ.
 */
export function checkModelFitsData(model: LogisticModel, data: LoadedData, file: string): void {
  const cols = data.train.x.cols;
  if (model.weights.cols !== cols) {
    throw new TypeError(
      `Cannot apply '${file}' to ${data.source}: the model takes ${model.weights.cols} features, ` +
        `the data have ${cols}`,
    );
  }
  checkModelClasses(model, data, file);
}

/**
 * Refuses a model whose class labels (in order) are not the data's: its outputs would be read as
 * the wrong classes.
 *
 * @param model The model.
 * @param data The loaded data.
 * @param file The model's file, for the message.
 * @throws {TypeError} If the classes differ.
 */
export function checkModelClasses(model: LogisticModel, data: LoadedData, file: string): void {
  const a = model.classes, b = data.train.classes;
  if (a.length !== b.length || a.some((c, i) => c !== b[i])) {
    const list = (l: readonly string[]) =>
      (l.length > 6 ? [...l.slice(0, 6), "..."] : l).join(", ");
    throw new TypeError(
      `Cannot apply '${file}' to ${data.source}: the model's classes (${list(a)}) differ from ` +
        `the data's (${list(b)})`,
    );
  }
}
