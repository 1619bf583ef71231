/**
 * Fashion-MNIST from its IDX gzip files (Debian package `dataset-fashion-mnist`).
 *
 * @module
 */

import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { assertInRange, checkOptionKeys, counted, type OptionKeys } from "../core/validate.ts";
import type { Dataset } from "./dataset.ts";

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

/** The ten Fashion-MNIST classes, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Options for {@linkcode loadFashionMnist}. */
export interface FashionMnistOptions {
  /**
   * The folder holding the four `*-idx?-ubyte.gz` files.
   * @default {the environment variable LRC_FASHION_MNIST_DIR, else FASHION_MNIST_DEFAULT_DIR}
   */
  dir?: string;
  /**
   * Keep only the first `limit` samples (only their labels are checked to be `0..9`).
   * @default {all}
   */
  limit?: number;
  /**
   * `"unit"` divides pixels by 255 (values in [0, 1], as in the reference figures);
   * `"raw"` keeps them as 0..255.
   * @default {"unit"}
   */
  pixels?: "unit" | "raw";
}

/**
 * Loads the training (60,000) or test (10,000) split of Fashion-MNIST as 784 float32 features.
 *
 * @param split `"train"` or `"test"`.
 * @param options Folder, sample limit, pixel scaling.
 * @returns The data set; features are named `pixel_<row>_<col>`.
 * @throws {TypeError} If a file is missing (the message says how to get the data), is not a
 *   valid IDX file of the expected kind, or holds no images or images of no pixels; if the label
 *   file holds another number of labels than the image file holds images; or if a label of a
 *   sample kept is not a class index `0..9` (the labels after the first `limit` are not read).
 * @throws {RangeError} If the split, `limit` (an integer >= 1) or `pixels` is invalid.
 */
export async function loadFashionMnist(
  split: "train" | "test",
  options: FashionMnistOptions = {},
): Promise<Dataset> {
  if (split !== "train" && split !== "test") {
    throw new RangeError(`Cannot load Fashion-MNIST: split must be train or test, got '${split}'`);
  }
  checkOptionKeys(
    "load Fashion-MNIST",
    options,
    {
      dir: true,
      limit: true,
      pixels: true,
    } satisfies OptionKeys<FashionMnistOptions>,
  );
  if (options.limit !== undefined) {
    assertInRange("load Fashion-MNIST", "limit", options.limit, 1, Infinity, true);
  }
  const pixels = options.pixels ?? "unit";
  if (pixels !== "unit" && pixels !== "raw") {
    throw new RangeError(`Cannot load Fashion-MNIST: pixels must be unit or raw, got '${pixels}'`);
  }
  const dir = options.dir ?? envDir() ?? FASHION_MNIST_DEFAULT_DIR;
  const prefix = split === "train" ? "train" : "t10k";
  const imagesPath = `${dir}/${prefix}-images-idx3-ubyte.gz`;
  const labelsPath = `${dir}/${prefix}-labels-idx1-ubyte.gz`;
  const [images, labels] = await Promise.all([readGzip(imagesPath), readGzip(labelsPath)]);
  const img = parseIdx(images, imagesPath, 3);
  const lab = parseIdx(labels, labelsPath, 1);
  if (img.dims[0] !== lab.dims[0]) {
    throw new TypeError(
      `Cannot load Fashion-MNIST: ${imagesPath} has ${img.dims[0]} images but ${labelsPath} has ${
        lab.dims[0]
      } labels`,
    );
  }
  // As the CSV readers refuse a file without data: nothing to train on or measure.
  if (img.dims.some((v) => v === 0)) {
    throw new TypeError(
      `Cannot load Fashion-MNIST: ${imagesPath} holds ${img.dims[0]} images of ${img.dims[1]} x ` +
        `${img.dims[2]} pixels, no data`,
    );
  }
  const n = Math.min(img.dims[0], options.limit ?? Infinity);
  const d = img.dims[1] * img.dims[2];
  const scale = pixels === "unit" ? 1 / 255 : 1;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = img.values[i] * scale;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = lab.values[i];
    if (c >= FASHION_MNIST_CLASSES.length) {
      throw new TypeError(`Cannot load Fashion-MNIST: ${labelsPath} has label ${c} at index ${i}`);
    }
    y[i] = c;
  }
  const featureNames: string[] = [];
  for (let r = 0; r < img.dims[1]; r++) {
    for (let c = 0; c < img.dims[2]; c++) featureNames.push(`pixel_${r}_${c}`);
  }
  return { x: { data: x, rows: n, cols: d }, y, classes: FASHION_MNIST_CLASSES, featureNames };
}

/**
 * Whether the Fashion-MNIST files are present (for tests and notebooks that need them).
 *
 * @param dir The folder to look in.
 * @returns `true` if all four files exist.
 */
export function hasFashionMnist(dir = envDir() ?? FASHION_MNIST_DEFAULT_DIR): boolean {
  return ["train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"]
    .every((f) => {
      try {
        return Deno.statSync(`${dir}/${f}-ubyte.gz`).isFile;
      } catch {
        return false;
      }
    });
}

function envDir(): string | undefined {
  try {
    return Deno.env.get("LRC_FASHION_MNIST_DIR") || undefined;
  } catch {
    return undefined; // no --allow-env: use the default
  }
}

const gunzipAsync = promisify(gunzip);

/**
 * A gzip file's contents. zlib's gunzip reads every member of a file made of several
 * concatenated members (valid gzip, which `gzip -t` accepts; `DecompressionStream` stops after
 * the first).
 */
async function readGzip(path: string): Promise<Uint8Array> {
  let compressed: Uint8Array;
  try {
    compressed = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TypeError(
        `Cannot load Fashion-MNIST: ${path} not found. Install it with ` +
          "'sudo apt-get install dataset-fashion-mnist', or download the four *-ubyte.gz files " +
          "from https://github.com/zalando-research/fashion-mnist and set LRC_FASHION_MNIST_DIR " +
          "(or the dir option) to their folder",
      );
    }
    throw new TypeError(`Cannot load Fashion-MNIST: ${path}: ${(error as Error).message}`);
  }
  try {
    const out = await gunzipAsync(compressed);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const reason = (error as Error).message;
    throw new TypeError(
      `Cannot load Fashion-MNIST: ${path} is not a valid gzip file (zlib: ${reason}` +
        (/header check/.test(reason) ? "; bytes that are not gzip follow or start the data" : "") +
        ")",
    );
  }
}

/**
 * Parses an unsigned-byte IDX file (magic `0x0000 08 nd`, big-endian dimensions).
 *
 * @param bytes The decompressed file.
 * @param path Its path, for messages.
 * @param nd The expected number of dimensions.
 * @returns The dimensions and the values.
 * @throws {TypeError} If the header or the length is wrong.
 */
export function parseIdx(
  bytes: Uint8Array,
  path: string,
  nd: number,
): { dims: number[]; values: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    bytes.length < 4 + 4 * nd || view.getUint16(0) !== 0 || bytes[2] !== 0x08 || bytes[3] !== nd
  ) {
    throw new TypeError(
      `Cannot load Fashion-MNIST: ${path} is not an unsigned-byte IDX file with ${nd} dimension(s)`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i));
  const start = 4 + 4 * nd;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== start + count) {
    throw new TypeError(
      `Cannot load Fashion-MNIST: ${path} should hold ${
        counted(count, "value")
      } after its header, holds ${bytes.length - start}`,
    );
  }
  return { dims, values: bytes.subarray(start) };
}
