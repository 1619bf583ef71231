import assert from "node:assert/strict";
import {
  articleGridReport,
  bitWidthFigure,
  calibrateInput,
  checkOptionKeys,
  compressModel,
  confusionFigure,
  createCompressionSession,
  createFakeQuantizer,
  decisionFunction,
  decodeModel,
  display,
  editDistance,
  encodeModel,
  evaluateStream,
  exportOnnx,
  featureScores,
  figureDiv,
  figureMimeBundle,
  figuresToHtml,
  fineTune,
  fineTuneCodebook,
  fit,
  fitStream,
  gradualPrune,
  importOnnxModel,
  inspectModelFile,
  integerPredict,
  iterativePrune,
  kmeans1d,
  l1LambdaMax,
  l1Path,
  loadEmbedded,
  loadFashionMnist,
  loadModel,
  lossDerivatives,
  maskFigure,
  modelFromCoefficients,
  nearestName,
  obdScores,
  openAtomicWriter,
  paretoFigure,
  parseCsv,
  parseCsvStream,
  pivotRows,
  polynomialSparsity,
  predict,
  predictProba,
  prepareIntegerModel,
  preparePredictor,
  prepareQuantizedPredictor,
  pruneFeatures,
  pruneMask,
  pruneModel,
  pruneSweep,
  pruneWithStrategy,
  quantizationAwareTraining,
  quantizationLevels,
  quantizationSweep,
  quantizedPredict,
  quantizeModel,
  quantizeOnGrid,
  quantizeTensor,
  randomScores,
  readCsv,
  readCsvBatches,
  readCsvColumns,
  runOnnx,
  saveModel,
  scanCsv,
  searchCompression,
  show,
  sizeBreakdownFigure,
  softThresholdModel,
  sparseDecisionFunction,
  sparsityFigure,
  strategyScores,
  sweepCompression,
  table,
  taylorScores,
  thresholdFigure,
  toSparseModel,
  trainingComparisonFigure,
  trainingFigure,
  trainTestSplit,
  weightHistogramFigure,
  weightImagesFigure,
  writeFileAtomic,
} from "../../lib/mod.ts";

// A misspelt option used to be ignored and its default used without a word (`optimiser` trained
// with L-BFGS, `{ kind: "uniform", bit: 4 }` quantized to 8 bits). Every public function that
// takes options now refuses a key it does not read, names it, and points to the key it probably
// meant. The oracle here is the message: the unknown key and the suggestion, per function.

const cancer = await loadEmbedded("breast-cancer");
const digits = await loadEmbedded("digits");
const data = { x: cancer.x, y: cancer.y };
const { model } = fit(cancer.x, cancer.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } });
const q = quantizeModel(model, { method: { kind: "uniform", bits: 8 } });
const integer = prepareIntegerModel(calibrateInput(q, cancer.x));
const codebook = quantizeModel(model, { method: { kind: "kmeans", bits: 2 } });
const sgd = { kind: "sgd", epochs: 1 } as const;

/** Asserts that `call` throws a TypeError about `key`, suggesting `near` (or listing keys). */
function refuses(what: string, call: () => unknown, key: string, near: string | null) {
  assert.throws(call, (error: Error) => {
    assert.equal(error.name, "TypeError", `${what}: ${error.message}`);
    assert.match(error.message, /^Cannot /, what);
    assert.ok(error.message.includes(`unknown option '${key}'`), `${what}: ${error.message}`);
    if (near) {
      assert.ok(error.message.includes(`did you mean '${near}'?`), `${what}: ${error.message}`);
    } else assert.match(error.message, /\(known: /, what);
    return true;
  }, what);
}

async function refusesAsync(
  what: string,
  call: () => Promise<unknown>,
  key: string,
  near: string,
) {
  await assert.rejects(call, (error: Error) => {
    assert.equal(error.name, "TypeError", `${what}: ${error.message}`);
    assert.ok(error.message.includes(`unknown option '${key}'`), `${what}: ${error.message}`);
    assert.ok(error.message.includes(`did you mean '${near}'?`), `${what}: ${error.message}`);
    return true;
  }, what);
}

const o = <T>(v: Record<string, unknown>) => v as T;

Deno.test("checkOptionKeys and nearestName: suggestions, case, and undefined values", () => {
  const known = { optimizer: true, seed: true, featureNames: true } as const;
  checkOptionKeys("fit", { optimizer: 1, seed: 2 }, known);
  checkOptionKeys("fit", undefined, known);
  // An undefined value has no effect under any name, so it is let through.
  checkOptionKeys("fit", { optimiser: undefined }, known);
  assert.throws(() => checkOptionKeys("fit", { optimiser: 1 }, known), {
    name: "TypeError",
    message: "Cannot fit: unknown option 'optimiser' (did you mean 'optimizer'?)",
  });
  assert.throws(() => checkOptionKeys("fit", { foo: 1 }, known, "penalty"), {
    message: "Cannot fit: unknown option 'foo' in penalty (known: optimizer, seed, featureNames)",
  });
  assert.equal(nearestName("featurenames", ["featureNames"]), "featureNames"); // case
  assert.equal(nearestName("sed", ["seed"]), "seed"); // one edit, short name
  assert.equal(nearestName("sd", ["seed"]), undefined); // two edits, short name
  assert.equal(nearestName("optmiser", ["optimizer"]), "optimizer"); // two edits, long name
  assert.equal(nearestName("optimizing", ["optimizer"]), undefined); // three
  assert.equal(nearestName("lable", ["label"]), "label"); // a swap of two letters is one edit
  assert.equal(editDistance("lable", "label"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("ca", "abc"), 3); // optimal string alignment, not full Damerau
  // The closest wins, not the first within reach.
  assert.equal(nearestName("counts", ["count", "counts2"]), "count");
});

Deno.test("nearestName's reach is set by the known name's length, two edits from 8 letters", () => {
  // The documented rule: within two edits of a known name of 8 letters or more, one edit of a
  // shorter one; the length is the known name's, not the misspelling's. Distances by hand:
  // maxbits -> maxbytes: i -> y, insert e (2); verbose12 -> verbose: delete 1, delete 2 (2);
  // vrbse -> verbose: insert e, insert o (2); maxbyte -> maxbytes: insert s (1).
  assert.equal(editDistance("maxbits", "maxbytes"), 2);
  assert.equal(nearestName("maxbits", ["maxBytes"]), "maxBytes"); // 8 letters: two edits reach
  assert.equal(nearestName("maxbits", ["maxBytes", "seed"]), "maxBytes");
  assert.equal(nearestName("verbose12", ["verbose"]), undefined); // 7 letters: one edit only
  assert.equal(nearestName("vrbse", ["verbose"]), undefined);
  assert.equal(nearestName("maxbyte", ["maxBytes"]), "maxBytes");
  // Through the check: an 8-letter option misspelt by two edits gets its suggestion.
  assert.throws(() => checkOptionKeys("read", { maxbits: 1 }, { maxBytes: true, seed: true }), {
    name: "TypeError",
    message: "Cannot read: unknown option 'maxbits' (did you mean 'maxBytes'?)",
  });
  assert.throws(() => checkOptionKeys("read", { verbose12: 1 }, { verbose: true }), {
    message: "Cannot read: unknown option 'verbose12' (known: verbose)",
  });
});

Deno.test("an option named like a property every object inherits is unknown, not taken", () => {
  // `constructor`, `toString` and the like are in every object through its prototype; only the
  // known list's own keys are options (a `key in known` test took them without a word).
  const known = { optimizer: true, seed: true } as const;
  for (const key of ["constructor", "toString", "hasOwnProperty", "valueOf"]) {
    assert.throws(() => checkOptionKeys("fit", { [key]: 1 }, known), {
      name: "TypeError",
      message: `Cannot fit: unknown option '${key}' (known: optimizer, seed)`,
    }, key);
  }
  refuses("predict", () => predict(model, cancer.x, o({ toString: 1 })), "toString", null);
  refuses(
    "fit",
    () => fit(cancer.x, cancer.y, o({ optimizer: sgd, constructor: 1 })),
    "constructor",
    null,
  );
});

Deno.test("training: fit, its optimizer, penalty and early stopping, and fitStream", async () => {
  refuses("fit", () => fit(cancer.x, cancer.y, o({ optimiser: sgd })), "optimiser", "optimizer");
  refuses("fit (no near key)", () => fit(cancer.x, cancer.y, o({ foo: 1 })), "foo", null);
  refuses(
    "fit optimizer",
    () => fit(cancer.x, cancer.y, { optimizer: o({ kind: "sgd", epoch: 1 }) }),
    "epoch",
    "epochs",
  );
  refuses(
    "fit lbfgs optimizer",
    () => fit(cancer.x, cancer.y, { optimizer: o({ kind: "lbfgs", maxIteration: 3 }) }),
    "maxIteration",
    "maxIterations",
  );
  // A field of another optimizer kind is not read by this one.
  refuses(
    "fit sgd optimizer with an adam field",
    () => fit(cancer.x, cancer.y, { optimizer: o({ kind: "sgd", beta1: 0.5 }) }),
    "beta1",
    null,
  );
  refuses(
    "fit penalty",
    () => fit(cancer.x, cancer.y, { penalty: o({ kind: "l2", lamda: 1 }) }),
    "lamda",
    "lambda",
  );
  refuses(
    "fit earlyStopping",
    () =>
      fit(cancer.x, cancer.y, {
        optimizer: sgd,
        validation: data,
        earlyStopping: o({ patience: 2, mindelta: 0.1 }),
      }),
    "mindelta",
    "minDelta",
  );
  // The right spelling trains (the check refuses only what is unknown).
  assert.equal(
    fit(cancer.x, cancer.y, { optimizer: sgd, optimiser: undefined } as never).history.length,
    1,
  );
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,y\n1,0\n2,1\n3,0\n4,1\n");
    await refusesAsync(
      "fitStream",
      () => fitStream(file, o({ blockrows: 2 })),
      "blockrows",
      "blockRows",
    );
    await refusesAsync(
      "fitStream optimizer",
      () => fitStream(file, { optimizer: o({ kind: "adam", betta1: 0.5 }) }),
      "betta1",
      "beta1",
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a field of the optimizer, penalty or early stopping given at the top level is pointed to where it belongs", async () => {
  // fit(x, y, { epochs: 5 }) listed fit's sixteen keys without saying that epochs goes under
  // optimizer. Each expected message is written out here: the key, its nested option, a kind that
  // reads it (the one given if it does) and the value given.
  const fitRefuses = (options: Record<string, unknown>, clause: string) =>
    assert.throws(
      () => fit(cancer.x, cancer.y, o(options)),
      (e: Error) =>
        e instanceof TypeError && e.message === `Cannot fit model: unknown option ${clause}`,
      JSON.stringify(options),
    );
  fitRefuses(
    { epochs: 5 },
    `'epochs'; 'epochs' is an option of the optimizer: { optimizer: { kind: "sgd", epochs: 5 } }`,
  );
  fitRefuses(
    { optimizer: { kind: "adam" }, learningRate: 0.01 },
    `'learningRate'; 'learningRate' is an option of the optimizer: ` +
      `{ optimizer: { kind: "adam", learningRate: 0.01 } }`,
  );
  // L-BFGS has no learning rate: the first kind that has one is named.
  fitRefuses(
    { optimizer: { kind: "lbfgs" }, learningRate: 0.01 },
    `'learningRate'; 'learningRate' is an option of the optimizer: ` +
      `{ optimizer: { kind: "sgd", learningRate: 0.01 } }`,
  );
  fitRefuses(
    { maxIterations: 50 },
    `'maxIterations'; 'maxIterations' is an option of the optimizer: ` +
      `{ optimizer: { kind: "lbfgs", maxIterations: 50 } }`,
  );
  fitRefuses(
    { penalty: { kind: "l1" }, lambda: 0.1 },
    `'lambda'; 'lambda' is an option of the penalty: { penalty: { kind: "l1", lambda: 0.1 } }`,
  );
  fitRefuses(
    { patience: 3 },
    `'patience'; 'patience' is an option of early stopping: { earlyStopping: { patience: 3 } }`,
  );
  // A key of no nested option (kind is every one's) keeps the list of fit's own keys.
  const known =
    "link, penalty, optimizer, preprocessing, classes, featureNames, seed, sampleWeight, " +
    "classWeight, validation, earlyStopping, initial, mask, weightTransform, onEpochEnd, " +
    "onProgress, backend, threads";
  fitRefuses({ foo: 1 }, `'foo' (known: ${known})`);
  fitRefuses({ kind: "sgd" }, `'kind' (known: ${known})`);
  fitRefuses({ optimiser: sgd }, "'optimiser' (did you mean 'optimizer'?)");
  assert.throws(
    () => fineTune(model, data, o({ epochs: 2 })),
    (e: Error) =>
      e.message ===
        `Cannot fine-tune model: unknown option 'epochs'; 'epochs' is an option of the ` +
          `optimizer: { optimizer: { kind: "sgd", epochs: 2 } }`,
  );
  assert.throws(
    () =>
      pruneSweep(model, { train: data, test: data }, {
        sparsities: [0.5],
        fineTune: o({ optimizer: { kind: "adam" }, epochs: 2 }),
      }),
    (e: Error) =>
      e.message ===
        `Cannot run pruning sweep: unknown option 'epochs' in fineTune; 'epochs' is an option of ` +
          `the optimizer: { optimizer: { kind: "adam", epochs: 2 } }`,
  );
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,y\n1,0\n2,1\n3,0\n4,1\n");
    const stream = "Cannot fit model from stream: unknown option";
    await assert.rejects(
      () => fitStream(file, o({ optimizer: { kind: "adam" }, batchSize: 2 })),
      (e: Error) =>
        e.message ===
          `${stream} 'batchSize'; 'batchSize' is an option of the optimizer: ` +
            `{ optimizer: { kind: "adam", batchSize: 2 } }`,
    );
    // Streaming trains with sgd or adam only, and has no early stopping: nothing to point to.
    for (const key of ["maxIterations", "patience"]) {
      await assert.rejects(
        () => fitStream(file, o({ [key]: 3 })),
        (e: Error) => e.message.startsWith(`${stream} '${key}' (known: label, header, `),
        key,
      );
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("prediction: the float, quantized and integer predictors", () => {
  refuses("predict", () => predict(model, cancer.x, o({ thread: 1 })), "thread", "threads");
  refuses(
    "decisionFunction",
    () => decisionFunction(model, cancer.x, o({ backed: "ts" })),
    "backed",
    "backend",
  );
  refuses(
    "predictProba",
    () => predictProba(model, cancer.x, o({ column: [0] })),
    "column",
    "columns",
  );
  refuses(
    "preparePredictor",
    () => preparePredictor(model, o({ inputwidth: 30 })),
    "inputwidth",
    "inputWidth",
  );
  refuses(
    "quantizedPredict",
    () => quantizedPredict(q, cancer.x, o({ thread: 1 })),
    "thread",
    "threads",
  );
  refuses(
    "prepareQuantizedPredictor",
    () => prepareQuantizedPredictor(q, o({ backed: "ts" })),
    "backed",
    "backend",
  );
  refuses(
    "integerPredict",
    () => integerPredict(integer, cancer.x, o({ thread: 1 })),
    "thread",
    "threads",
  );
});

Deno.test("pruning: targets, strategies, scores, schedules and retraining", () => {
  const scores = { data: model.weights.data.map(Math.abs), rows: 1, cols: 30 };
  refuses("pruneModel", () => pruneModel(model, o({ fracton: 0.5 })), "fracton", "fraction");
  refuses(
    "pruneMask",
    () => pruneMask(scores, null, o({ count: 3, scoped: "global" })),
    "scoped",
    "scope",
  );
  refuses(
    "softThresholdModel",
    () => softThresholdModel(model, o({ treshold: 0.1 })),
    "treshold",
    "threshold",
  );
  refuses(
    "pruneWithStrategy",
    () => pruneWithStrategy(model, "taylor", o({ fraction: 0.5, data, step: 2 })),
    "step",
    "steps",
  );
  refuses(
    "pruneFeatures",
    () => pruneFeatures(model, o({ count: 3, representaton: "masked" })),
    "representaton",
    "representation",
  );
  refuses(
    "l1LambdaMax",
    () => l1LambdaMax(cancer.x, cancer.y, o({ lnk: "sigmoid" })),
    "lnk",
    "link",
  );
  refuses("l1Path", () => l1Path(cancer.x, cancer.y, o({ lambda: [0.1] })), "lambda", "lambdas");
  // The path sets the L1 penalty itself: a given one would be overwritten.
  refuses(
    "l1Path penalty",
    () => l1Path(cancer.x, cancer.y, o({ penalty: { kind: "none" } })),
    "penalty",
    null,
  );
  refuses(
    "sparseDecisionFunction",
    () => sparseDecisionFunction(toSparseModel(model), cancer.x, o({ backnd: "ts" })),
    "backnd",
    "backend",
  );
  refuses("strategyScores", () => strategyScores(model, "random", o({ sed: 1 })), "sed", "seed");
  refuses("featureScores", () => featureScores(scores, o({ reduc: "sum" })), "reduc", "reduce");
  refuses("randomScores", () => randomScores(model, o({ sed: 1 })), "sed", "seed");
  refuses("lossDerivatives", () => lossDerivatives(model, data, o({ L2: 1 })), "L2", "l2");
  refuses(
    "taylorScores",
    () => taylorScores(model, data, o({ aggregat: "batch" })),
    "aggregat",
    "aggregate",
  );
  refuses(
    "obdScores",
    () => obdScores(model, data, o({ firstorder: true })),
    "firstorder",
    "firstOrder",
  );
  refuses(
    "polynomialSparsity",
    () => polynomialSparsity(3, o({ endstep: 5 })),
    "endstep",
    "endStep",
  );
  const pruned = pruneModel(model, { fraction: 0.5 });
  refuses(
    "fineTune",
    () => fineTune(pruned, data, o({ optimiser: sgd })),
    "optimiser",
    "optimizer",
  );
  // fit reads these, but a fine-tuned model keeps its own: they would be ignored.
  refuses(
    "fineTune (a key the model fixes)",
    () => fineTune(pruned, data, o({ classes: ["a", "b"] })),
    "classes",
    null,
  );
  refuses(
    "fineTune inside iterativePrune",
    () => iterativePrune(model, data, { sparsities: [0.5], fineTune: o({ epoch: 1 }) }),
    "epoch",
    null,
  );
  refuses("iterativePrune", () => iterativePrune(model, data, o({ round: 2 })), "round", "rounds");
  refuses(
    "gradualPrune",
    () => gradualPrune(cancer.x, cancer.y, o({ optimizer: sgd, schedul: {} })),
    "schedul",
    "schedule",
  );
  refuses(
    "gradualPrune schedule",
    () => gradualPrune(cancer.x, cancer.y, { optimizer: sgd, schedule: o({ endstep: 1 }) }),
    "endstep",
    "endStep",
  );
  refuses(
    "pruneSweep",
    () => pruneSweep(model, { train: data, test: data }, o({ sparsites: [0.5] })),
    "sparsites",
    "sparsities",
  );
});

Deno.test("quantization: methods, calibrations, roundings, QAT, sweeps and integer inference", () => {
  refuses(
    "quantizeModel",
    () => quantizeModel(model, o({ methd: { kind: "uniform" } })),
    "methd",
    "method",
  );
  refuses(
    "quantizeModel method",
    () => quantizeModel(model, { method: o({ kind: "uniform", bit: 4 }) }),
    "bit",
    "bits",
  );
  refuses(
    "a k-means field on a uniform method",
    () => quantizeModel(model, { method: o({ kind: "uniform", levels: 4 }) }),
    "levels",
    null,
  );
  refuses(
    "calibration",
    () =>
      quantizeModel(model, {
        method: { kind: "uniform", calibration: o({ kind: "percentile", percentil: 99 }) },
      }),
    "percentil",
    "percentile",
  );
  refuses(
    "rounding",
    () =>
      quantizeModel(model, {
        method: { kind: "log2", rounding: o({ kind: "stochastic", sed: 1 }) },
      }),
    "sed",
    "seed",
  );
  refuses(
    "quantizeTensor",
    () => quantizeTensor(model.weights, o({ methd: {} })),
    "methd",
    "method",
  );
  refuses(
    "quantizeOnGrid",
    () => quantizeOnGrid(q.weights, model.weights, o({ roundng: {} })),
    "roundng",
    "rounding",
  );
  refuses(
    "quantizationAwareTraining",
    () => quantizationAwareTraining(model, data, o({ optimiser: sgd })),
    "optimiser",
    "optimizer",
  );
  refuses("fineTuneCodebook", () => fineTuneCodebook(codebook, data, o({ sed: 1 })), "sed", "seed");
  refuses(
    "quantizationSweep",
    () => quantizationSweep(model, { test: data }, o({ bit: [4] })),
    "bit",
    "bits",
  );
  refuses(
    "quantizationSweep entry",
    () =>
      quantizationSweep(model, { test: data }, {
        entries: [o({ name: "u", method: { kind: "uniform" }, trainng: "ptq" })],
      }),
    "trainng",
    "training",
  );
  refuses(
    "quantizationSweep qat",
    () => quantizationSweep(model, { test: data, train: data }, { qat: o({ recalibrat: true }) }),
    "recalibrat",
    "recalibrate",
  );
  refuses(
    "calibrateInput",
    () => calibrateInput(q, cancer.x, o({ dtyp: "int8" })),
    "dtyp",
    "dtype",
  );
  refuses(
    "calibrateInput calibration",
    () => calibrateInput(q, cancer.x, { calibration: o({ kind: "percentile", percentil: 99 }) }),
    "percentil",
    "percentile",
  );
  refuses(
    "createFakeQuantizer",
    () => createFakeQuantizer(model.weights, o({ methd: {} })),
    "methd",
    "method",
  );
  refuses(
    "kmeans1d",
    () => kmeans1d([1, 2, 3], 2, o({ maxIteration: 3 })),
    "maxIteration",
    "maxIterations",
  );
  refuses(
    "quantizationLevels",
    () => quantizationLevels(q.weights, o({ grup: 0 })),
    "grup",
    "group",
  );
});

Deno.test("compression pipeline: sessions, steps and spaces are checked before training", () => {
  let trained = 0;
  const onProgress = () => trained++;
  refuses(
    "compressModel",
    () => compressModel(digits, o({ prun: false, onProgress })),
    "prun",
    "prune",
  );
  refuses(
    "compressModel prune",
    () => compressModel(digits, { prune: o({ fracton: 0.5 }), onProgress }),
    "fracton",
    "fraction",
  );
  refuses(
    "compressModel quantize",
    () => compressModel(digits, { quantize: o({ trainig: "ptq" }), onProgress }),
    "trainig",
    "training",
  );
  refuses(
    "compressModel qat",
    () => compressModel(digits, { qat: o({ recalibrat: true }), onProgress }),
    "recalibrat",
    "recalibrate",
  );
  refuses(
    "compressModel denseTraining",
    () => compressModel(digits, { denseTraining: o({ optimiser: sgd }), onProgress }),
    "optimiser",
    "optimizer",
  );
  refuses(
    "compressModel fineTune optimizer",
    () => compressModel(digits, { fineTune: o({ kind: "lbfgs", maxiterations: 5 }), onProgress }),
    "maxiterations",
    "maxIterations",
  );
  refuses(
    "createCompressionSession",
    () => createCompressionSession(digits, o({ sed: 1, onProgress })),
    "sed",
    "seed",
  );
  refuses(
    "sweepCompression",
    () => sweepCompression(digits, o({ sparsites: [0], onProgress })),
    "sparsites",
    "sparsities",
  );
  refuses(
    "searchCompression",
    () => searchCompression(digits, o({ maxdrop: 0.01, onProgress })),
    "maxdrop",
    "maxDrop",
  );
  assert.equal(trained, 0, "every refusal came before the dense model was trained");
  const session = createCompressionSession(data, {
    model,
    validation: data,
    fineTune: { kind: "lbfgs", maxIterations: 5 },
  });
  refuses(
    "session.compress",
    () => session.compress(o({ quantise: false })),
    "quantise",
    "quantize",
  );
  refuses("session.sweep", () => session.sweep(o({ bit: [4] })), "bit", "bits");
  refuses("session.search", () => session.search(o({ maxdrop: 0.1 })), "maxdrop", "maxDrop");
});

Deno.test("files and formats: model files, CSV, ONNX, coefficients, Fashion-MNIST, splits", async () => {
  const bytes = encodeModel(model);
  refuses("encodeModel", () => encodeModel(model, o({ entropi: true })), "entropi", "entropy");
  refuses(
    "decodeModel",
    () => decodeModel(bytes, o({ maxweights: 10 })),
    "maxweights",
    "maxWeights",
  );
  refuses("inspectModelFile", () => inspectModelFile(bytes, o({ nam: "x" })), "nam", "name");
  refuses(
    "parseCsv",
    () => parseCsv("a,y\n1,0\n2,1\n", o({ delimeter: ";" })),
    "delimeter",
    "delimiter",
  );
  refuses(
    "trainTestSplit",
    () => trainTestSplit(cancer.x, cancer.y, o({ testfraction: 0.5 })),
    "testfraction",
    "testFraction",
  );
  refuses("exportOnnx", () => exportOnnx(model, o({ quantised: "qdq" })), "quantised", "quantized");
  const onnx = exportOnnx(model);
  refuses(
    "importOnnxModel",
    () => importOnnxModel(onnx, o({ featurenames: [] })),
    "featurenames",
    "featureNames",
  );
  refuses(
    "modelFromCoefficients",
    () => modelFromCoefficients('{"coef": [[1]], "intercept": [0]}', o({ nam: "x" })),
    "nam",
    "name",
  );
  await refusesAsync(
    "runOnnx",
    () => runOnnx(onnx, cancer.x, o({ inputname: "x" })),
    "inputname",
    "inputName",
  );
  await refusesAsync(
    "parseCsvStream",
    () =>
      parseCsvStream(
        ReadableStream.from([new TextEncoder().encode("a,y\n1,0\n")]),
        o({ lable: "y" }),
      ),
    "lable",
    "label",
  );
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/d.csv`;
    await Deno.writeTextFile(csv, "a,y\n1,0\n2,1\n");
    await refusesAsync("readCsv", () => readCsv(csv, o({ maxbytes: 100 })), "maxbytes", "maxBytes");
    await refusesAsync(
      "readCsvBatches",
      async () => {
        for await (const _ of readCsvBatches(csv, o({ batchsize: 1 }))) { /* not reached */ }
      },
      "batchsize",
      "batchSize",
    );
    await refusesAsync(
      "readCsvColumns",
      () => readCsvColumns(csv, o({ delimter: ";" })),
      "delimter",
      "delimiter",
    );
    await refusesAsync(
      "scanCsv",
      () => scanCsv(csv, o({ chunkbytes: 8 })),
      "chunkbytes",
      "chunkBytes",
    );
    await refusesAsync(
      "saveModel",
      () => saveModel(`${dir}/m.lrc`, model, o({ entropi: true })),
      "entropi",
      "entropy",
    );
    await assert.rejects(Deno.stat(`${dir}/m.lrc`), Deno.errors.NotFound, "nothing was written");
    await saveModel(`${dir}/m.lrc`, model);
    await refusesAsync(
      "loadModel",
      () => loadModel(`${dir}/m.lrc`, o({ maxweights: 10 })),
      "maxweights",
      "maxWeights",
    );
    // Refused before looking for the files, so it holds where the package is absent too.
    await refusesAsync(
      "loadFashionMnist",
      () => loadFashionMnist("test", o({ limt: 10 })),
      "limt",
      "limit",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("figures, tables, HTML pages, atomic writes, the article grid and stream evaluation", async () => {
  // The options are checked first, so the other arguments do not matter here.
  const x = null as never;
  refuses("sparsityFigure", () => sparsityFigure(x, o({ titel: "t" })), "titel", "title");
  refuses("bitWidthFigure", () => bitWidthFigure(x, o({ baseline_: 1 })), "baseline_", "baseline");
  refuses("paretoFigure", () => paretoFigure(x, o({ hight: 300 })), "hight", "height");
  refuses(
    "confusionFigure",
    () => confusionFigure(x, o({ normalise: true })),
    "normalise",
    "normalize",
  );
  refuses(
    "show",
    () => show(x, o({ height: 300, includePlotlyJS: "never" })),
    "includePlotlyJS",
    "includePlotlyJs",
  );
  refuses("table", () => table([], o({ digit: 2 })), "digit", "digits");
  refuses("figureDiv", () => figureDiv(x, o({ ID: "a" })), "ID", "id");
  refuses("weightImagesFigure", () => weightImagesFigure(x, o({ column: 2 })), "column", "columns");
  refuses("maskFigure", () => maskFigure(x, o({ colums: 2 })), "colums", "columns");
  refuses("sizeBreakdownFigure", () => sizeBreakdownFigure(x, o({ part: [] })), "part", "parts");
  refuses("trainingFigure", () => trainingFigure(x, o({ panel: "loss" })), "panel", "panels");
  refuses("thresholdFigure", () => thresholdFigure(x, o({ marker: [] })), "marker", "markers");
  refuses(
    "trainingComparisonFigure",
    () => trainingComparisonFigure(x, o({ xtitle: "t" })),
    "xtitle",
    "xTitle",
  );
  refuses(
    "weightHistogramFigure",
    () => weightHistogramFigure(x, x, o({ bin: 10 })),
    "bin",
    "bins",
  );
  refuses("articleGridReport", () => articleGridReport(x, o({ numbits: 8 })), "numbits", "numBits");
  refuses(
    "pivotRows",
    () => pivotRows([], o<never>({ rows: [], columns: "a", values: "b", lable: 1 })),
    "lable",
    "label",
  );
  await refusesAsync(
    "figureMimeBundle",
    () => figureMimeBundle(x, o({ hieght: 1 })),
    "hieght",
    "height",
  );
  await refusesAsync("display", () => display(x, o({ prnt: () => {} })), "prnt", "print");
  await refusesAsync("figuresToHtml", () => figuresToHtml([], o({ tilte: "t" })), "tilte", "title");
  await refusesAsync(
    "writeFileAtomic",
    () => writeFileAtomic("/nonexistent/x", new Uint8Array(), o({ writ: 1 })),
    "writ",
    "write",
  );
  await refusesAsync(
    "openAtomicWriter",
    () => openAtomicWriter("/nonexistent/x", o({ writ: 1 })),
    "writ",
    "write",
  );
  await refusesAsync(
    "evaluateStream",
    () => evaluateStream(model, "/nonexistent.csv", o({ lable: "y" })),
    "lable",
    "label",
  );
  // display passes only the figure's options on: its own print is not refused later.
  const printed: string[] = [];
  await display(table([{ a: 1 }]), { print: (t) => printed.push(t) });
  assert.equal(printed.length, 1);
});

Deno.test("the compiler refuses a key list with a key missing or one too many", async () => {
  // The claim behind the lists: OptionKeys<T> and exactKeys<T>() are checked by the compiler.
  const validate = new URL("../../lib/core/validate.ts", import.meta.url).href;
  const check = async (list: string) => {
    const file = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      await Deno.writeTextFile(
        file,
        `import { exactKeys, type OptionKeys } from "${validate}";\n` +
          "interface O { a?: number; b?: string }\n" +
          "const A: OptionKeys<{ a?: number }> = { a: true };\n" +
          `export const keys = ${list};\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", file],
        stdout: "null",
        stderr: "piped",
      }).output();
      return { ok: out.success, stderr: new TextDecoder().decode(out.stderr) };
    } finally {
      await Deno.remove(file);
    }
  };
  assert.ok((await check("exactKeys<O>()({ ...A, b: true })")).ok);
  assert.ok((await check("{ a: true, b: true } satisfies OptionKeys<O>")).ok);
  for (
    const list of [
      "exactKeys<O>()({ ...A, b: true, c: true })", // one too many, through a spread
      "exactKeys<O>()({ ...A })", // one missing
      "{ a: true } satisfies OptionKeys<O>", // one missing
      "{ a: true, b: true, c: true } satisfies OptionKeys<O>", // one too many
    ]
  ) {
    const r = await check(list);
    assert.ok(!r.ok, list);
    assert.match(r.stderr, /TS\d+/, list);
  }
});
