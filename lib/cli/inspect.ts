/**
 * `lrc inspect FILE`: what a model file holds and where its bytes go.
 *
 * @module
 */

import { encodeModel, jsonStart, MODEL_FILE_MAGIC } from "../io/model_file.ts";
import { sizeReport } from "../io/size_report.ts";
import { SIZE_CATEGORIES } from "../io/bytes.ts";
import { type Command, UsageError } from "./args.ts";
import { count, formatTable, int } from "./format.ts";
import { modelFormatOf, readModelFile } from "./model_files.ts";

/** The `inspect` command. */
export const inspectCommand: Command = {
  name: "inspect",
  summary: "Show a model file's contents and size report (bytes by part, gzip, float32 baseline).",
  positionals: true,
  options: {
    json: { type: "boolean", help: "print the report as one JSON object" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const [path, ...rest] = args.positionals;
    if (path === undefined || rest.length > 0) {
      throw new UsageError("Cannot inspect: give exactly one model file (.lrc, .json or .onnx)");
    }
    let format = modelFormatOf(path);
    let bytes: Uint8Array | undefined;
    let note = "";
    // The size of the file as given; the report is of its .lrc encoding when it is not one.
    let sourceBytes = 0;
    if (format !== "onnx") {
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        throw new TypeError(`Cannot read model file '${path}': ${(error as Error).message}`);
      }
      // The content decides, as predict and export read it: a JSON model saved under a .lrc
      // name is read as JSON, and a .lrc file saved under a .json name is reported as itself
      // (not as a re-encoding, which may differ in size and format version).
      const binary = MODEL_FILE_MAGIC.every((b, i) => bytes![i] === b);
      if (binary) format = "lrc";
      else if (bytes[jsonStart(bytes)] === 0x7b || format === "json") {
        format = "json";
        bytes = undefined;
      }
    }
    if (bytes === undefined) {
      const { model, warnings } = await readModelFile(path);
      for (const w of warnings) io.err(`warning: ${w}\n`);
      bytes = encodeModel(model);
      sourceBytes = (await Deno.stat(path)).size;
      note = `${format.toUpperCase()} file of ${
        int(sourceBytes)
      } bytes; the report is for its .lrc encoding`;
    } else {
      sourceBytes = bytes.length;
    }
    const r = await sizeReport(bytes, { name: path });
    const m = r.model;
    const quantized = m.kind !== "logistic-regression";
    if (args.flag("json")) {
      io.out(
        JSON.stringify({
          command: "inspect",
          file: path,
          format,
          sourceBytes,
          fileBytes: r.fileBytes,
          gzipBytes: r.gzipBytes,
          denseFloat32Bytes: r.denseFloat32Bytes,
          compressionRatio: r.compressionRatio,
          parts: r.parts,
          storage: r.storage,
          indexEncoding: r.indexEncoding,
          // A float model has no codes (the report's "packed" is a placeholder), as the text
          // output's weights line says by leaving them out.
          codesEncoding: quantized ? r.codesEncoding : null,
          formatVersion: r.formatVersion,
          weights: r.weights,
          storedWeights: r.storedWeights,
          nonZeroWeights: r.nonZeroWeights,
          quantized,
          link: m.link,
          classes: m.classes,
          features: m.featureNames.length,
          preprocessing: m.preprocessing.kind,
          masked: m.mask !== undefined,
          // The decision threshold of a binary model (null: none, labels at 0.5).
          threshold: m.threshold ?? null,
        }) + "\n",
      );
      return 0;
    }
    const share = (n: number) => `${((100 * n) / r.fileBytes).toFixed(1)} %`;
    const lines = [
      `file       ${path}${note ? ` (${note})` : ""}`,
      `model      ${quantized ? "quantized" : "float"} ${m.link}, ` +
      `${m.classes.length} classes, ${count(m.featureNames.length, "feature")}, preprocessing ` +
      `${m.preprocessing.kind}${m.mask ? ", pruning mask" : ""}${
        m.threshold !== undefined ? `, decision threshold ${m.threshold}` : ""
      }`,
      `weights    ${r.storage}; ${int(r.storedWeights)} of ${int(r.weights)} stored ` +
      `(indices: ${r.indexEncoding}${quantized ? `, codes: ${r.codesEncoding}` : ""}), ${
        int(r.nonZeroWeights)
      } non-zero`,
      `format     version ${r.formatVersion}${r.formatVersion === 2 ? " (entropy-coded)" : ""}`,
      `size       ${int(r.fileBytes)} bytes, gzip ${int(r.gzipBytes)} bytes`,
      `baseline   dense float32 ${int(r.denseFloat32Bytes)} bytes (4 x (${
        count(r.weights, "weight")
      }` +
      ` + ${count(r.denseFloat32Bytes / 4 - r.weights, "bias", "biases")})): ${
        r.compressionRatio >= 1
          ? `${r.compressionRatio.toFixed(2)} x smaller`
          : `${(1 / r.compressionRatio).toFixed(2)} x larger`
      }`,
      "",
      formatTable(
        ["part", "bytes", "share"],
        [
          ...SIZE_CATEGORIES.map((c) => [c, int(r.parts[c]), share(r.parts[c])]),
          ["total", int(r.fileBytes), share(r.fileBytes)],
        ],
      ),
    ];
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};
