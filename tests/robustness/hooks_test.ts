// A hook (an option named on...) that is not a function used to be accepted and fail only when
// it was first called, deep in the work, with "options.onProgress is not a function", which names
// no call and comes after the work it interrupts. Every public function with a hook now refuses it
// up front, naming it. The oracle is the message, and for fitStream that the refusal comes before
// the file is read (a path that does not exist is not the error).
import assert from "node:assert/strict";
import {
  createCompressionSession,
  createRefitSession,
  fineTuneCodebook,
  fit,
  fitStream,
  gradualPrune,
  iterativePrune,
  l1Path,
  loadEmbedded,
  pruneSweep,
  quantizationAwareTraining,
  quantizationSweep,
  quantizeModel,
} from "../../lib/mod.ts";

const cancer = await loadEmbedded("breast-cancer");
const data = { x: cancer.x, y: cancer.y };
const { model } = fit(cancer.x, cancer.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
const codebook = quantizeModel(model, { method: { kind: "kmeans", bits: 2 } });
const sgd = { kind: "sgd", epochs: 1 } as const;
const o = <T>(v: Record<string, unknown>) => v as T;

const CALLS: [string, string, (hook: unknown) => unknown][] = [
  ["fit", "onProgress", (h) => fit(cancer.x, cancer.y, o({ optimizer: sgd, onProgress: h }))],
  ["fit", "onEpochEnd", (h) => fit(cancer.x, cancer.y, o({ optimizer: sgd, onEpochEnd: h }))],
  ["l1Path", "onPoint", (h) => l1Path(cancer.x, cancer.y, o({ lambdas: [0.1], onPoint: h }))],
  ["iterativePrune", "onRound", (h) => iterativePrune(model, data, o({ onRound: h }))],
  [
    "gradualPrune",
    "onProgress",
    (h) => gradualPrune(cancer.x, cancer.y, o({ optimizer: sgd, onProgress: h })),
  ],
  [
    "pruneSweep",
    "onProgress",
    (h) => pruneSweep(model, { train: data, test: data }, o({ onProgress: h })),
  ],
  [
    "quantizationSweep",
    "onProgress",
    (h) => quantizationSweep(model, { test: data }, o({ onProgress: h })),
  ],
  [
    "quantizationAwareTraining",
    "onProgress",
    (h) => quantizationAwareTraining(model, data, o({ onProgress: h })),
  ],
  ["fineTuneCodebook", "onProgress", (h) => fineTuneCodebook(codebook, data, o({ onProgress: h }))],
  [
    "createCompressionSession",
    "onProgress",
    (h) => createCompressionSession(cancer, o({ onProgress: h })),
  ],
  ["createRefitSession", "onProgress", (h) => createRefitSession(cancer, o({ onProgress: h }))],
];

Deno.test("every public hook that is not a function is refused up front, named", () => {
  for (const [what, hook, call] of CALLS) {
    for (const value of [3, "log", null, {}]) {
      assert.throws(() => call(value), (error: Error) => {
        assert.equal(error.name, "TypeError", `${what}: ${error.message}`);
        assert.match(error.message, /^Cannot /, what);
        assert.ok(
          error.message.includes(
            value === null ? `${hook} is null: give a value` : `${hook} must be a function, got `,
          ),
          `${what} ${hook}: ${error.message}`,
        );
        return true;
      }, `${what} ${hook} ${String(value)}`);
    }
  }
});

Deno.test("fitStream refuses its hooks before reading the file", async () => {
  // A path that does not exist: refused for the hook, not for the file.
  for (const hook of ["onProgress", "onScan"]) {
    await assert.rejects(
      () => fitStream("/nonexistent/lrcompress-hooks.csv", o({ [hook]: 1 })),
      new RegExp(
        `^TypeError: Cannot fit model from stream: ${hook} must be a function, got number 1`,
      ),
    );
  }
});

Deno.test("a function, or no hook, is taken as before", () => {
  let calls = 0;
  fit(cancer.x, cancer.y, { optimizer: sgd, onProgress: () => calls++ });
  assert.ok(calls > 0);
  fit(cancer.x, cancer.y, o({ optimizer: sgd, onProgress: undefined }));
});
