/**
 * `lrc train --stream`: training and evaluation straight from a CSV file, in batches, for files
 * larger than memory (chosen automatically above 1 GiB).
 *
 * @module
 */

import { evaluateStream } from "../metrics/evaluate_stream.ts";
import { fitStream } from "../model/fit_stream.ts";
import type { Command, ParsedArgs } from "./args.ts";
import { UsageError } from "./args.ts";
import { createProgress } from "./progress.ts";
import { percent } from "./format.ts";
import type { Optimizer } from "../model/fit.ts";
import type { Penalty } from "../model/types.ts";
import type { Evaluation } from "../metrics/evaluate.ts";
import type { FitResult } from "../model/fit.ts";

/** Files above this size are streamed even without `--stream`. */
export const STREAM_AUTO_BYTES = 2 ** 30;

/**
 * Streams the training if `--stream` is set or `--data` is larger than
 * {@linkcode STREAM_AUTO_BYTES}; otherwise returns `null`.
 *
 * @param args Parsed options of `train`.
 * @param io Where to report progress.
 * @param showProgress Whether to draw the progress line.
 * @param choices Penalty, optimiser and preprocessing from the training options (`lambda`
 *   absent means the default `1 / nSamples`).
 * @returns The training outcome, or `null` to train in memory.
 * @throws {UsageError} If streaming is asked without `--data` or with L-BFGS.
 */
export async function trainStreamedIfAsked(
  args: ParsedArgs,
  io: Parameters<Command["run"]>[1],
  showProgress: boolean,
  choices: { penalty: Penalty; optimizer: Optimizer; preprocessing: "standardize" | "none" },
): Promise<
  {
    source: string;
    result: FitResult;
    train: Evaluation & { x: { rows: number; cols: number } };
    test: Evaluation & { x: { rows: number } };
  } | null
> {
  const file = args.string("data");
  let size = 0;
  if (file !== undefined) {
    try {
      size = (await Deno.stat(file)).size;
    } catch {
      return null; // the in-memory path reports the missing file
    }
  }
  const auto = size > STREAM_AUTO_BYTES;
  if (!args.flag("stream") && !auto) return null;
  if (file === undefined) {
    throw new UsageError("Cannot train from a stream: --stream needs --data FILE.csv");
  }
  const testFraction = args.number("test-fraction", 1e-9, 1 - 1e-9)!;
  const every = Math.max(2, Math.round(1 / testFraction));
  const isTest = (row: number) => row % every === every - 1;
  const csv = {
    label: args.string("label"),
    header: !args.flag("no-header"),
    delimiter: args.string("delimiter"),
  };
  if (choices.optimizer.kind === "lbfgs") {
    throw new UsageError(
      `Cannot train from a stream${
        auto ? ` (${file} is ${size} bytes, above the in-memory limit)` : ""
      }: use --optimizer sgd or adam`,
    );
  }
  const progress = createProgress(io, showProgress);
  let result: FitResult;
  try {
    result = await fitStream(file, {
      ...csv,
      optimizer: choices.optimizer,
      // The default lambda is 1 / nSamples, known after the first pass: fitStream makes it.
      penalty: args.string("lambda") === undefined && choices.penalty.kind !== "none"
        ? (n) => ({ ...choices.penalty, lambda: 1 / n } as Penalty)
        : choices.penalty,
      preprocessing: choices.preprocessing,
      seed: args.number("seed", -(2 ** 31), 2 ** 31, true),
      rowFilter: (r) => !isTest(r),
      onProgress: (p) =>
        progress.update(
          `training (stream): epoch ${p.epoch}/${p.totalEpochs}  loss ${p.trainLoss.toFixed(4)}  ` +
            `accuracy ${percent(p.trainAccuracy)}  ${p.seconds.toFixed(1)} s`,
        ),
    });
  } finally {
    progress.done();
  }
  const train = await evaluateStream(result.model, file, { ...csv, rowFilter: (r) => !isTest(r) });
  const test = await evaluateStream(result.model, file, { ...csv, rowFilter: isTest });
  return {
    source: `${file} (streamed; every ${every}th row held out)`,
    result,
    train: { ...train, x: { rows: train.samples, cols: result.model.weights.cols } },
    test: { ...test, x: { rows: test.samples } },
  };
}
