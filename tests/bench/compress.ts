/**
 * `deno task bench:compress`: the compression pipeline on Fashion-MNIST.
 *
 * - Data: the 60,000 training images split (stratified, seed 0) into 50,000 that train and
 *   10,000 of validation, which every decision uses; the 10,000 test images are only reported.
 * - Dense model: the shared reference (`_reference.ts`: L2 lambda = 1/6000, i.e. scikit-learn's
 *   C = 0.1, pixels / 255, no standardisation, L-BFGS to tolerance 1e-5) trained on the 50,000;
 *   the same settings on all 60,000 images are shown for comparison with the other benchmarks.
 * - The issue's reference points (numpy on scikit-learn's model) made with the pipeline.
 * - Pruning schedules: every level's fine-tuned float32 model pruned from the dense model and
 *   from the level below it (iterative); the sweep and searches use the one of higher mean
 *   validation accuracy.
 * - A sweep: magnitude pruning of weights and of whole features at 0-95 %, each level refitted
 *   once (100 masked L-BFGS iterations) and quantized uniform symmetric, uniform affine, log2 and
 *   k-means at 1-8 bits, post-training and quantization-aware; its Pareto front of validation
 *   accuracy against file bytes.
 * - Accuracy-budgeted searches within 1.0 and 0.2 points of the dense validation accuracy, on
 *   the same session (they reuse the sweep's models), their stages, and the goals judged on test.
 * - The accuracy-budgeted searches again with a margin of 1 and 2 paired standard errors, and a
 *   check on validation data only of whether each budget holds on images the choice did not see
 *   (halvings of the validation set: choose on one half, measure on the other).
 * - Size-budgeted searches: the most accurate model (on validation) whose file is at least 20 and
 *   10 times smaller than dense float32, on the same session.
 * - Every chosen recipe refit on all 60,000 images from the dense reference trained on them, and
 *   compared with it on test.
 * - Every chosen model exported to ONNX and run in onnxruntime-node on the test set.
 *
 * Options: `--json` (one JSON object per row instead of the tables), `--rows FILE` (the tables,
 * and the JSON rows written to FILE), `--quick` (a smaller space), `--entropy` (entropy-coded
 * files, format version 2: every size, comparison and search is by their bytes), `--schedule
 * one-shot|iterative` (prune that way instead of the one validation prefers).
 *
 * @module
 */

import { formatTable, percent } from "../../lib/cli/format.ts";
import {
  type CandidateReport,
  type CompressionSpace,
  type CompressProgress,
  type CompressResult,
  createCompressionSession,
  createRefitSession,
  type ModelReport,
  type SearchResult,
  type SizeSearchResult,
} from "../../lib/compress/mod.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { evaluate } from "../../lib/metrics/evaluate.ts";
import { pairedAccuracyDifference, type PairedDifference } from "../../lib/metrics/paired.ts";
import { createPrng, permutation } from "../../lib/core/random.ts";
import { median, reportLoadAverage, withinPoints } from "./_stats.ts";
import { predict, predictLabels, predictProba } from "../../lib/model/predict.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";
import { benchArgs, requireFashionMnist } from "./_args.ts";
import { REFERENCE_SETTINGS, referenceModel, validationSplit } from "./_reference.ts";

const args = benchArgs(
  "bench:compress",
  "The compression pipeline on Fashion-MNIST: reference points, a sweep and its Pareto front, " +
    "accuracy-budgeted searches, ONNX Runtime checks.",
  {
    quick: { type: "boolean", help: "a smaller space" },
    rows: { type: "string", value: "FILE", help: "also write the JSON rows to FILE" },
    entropy: { type: "boolean", help: "entropy-coded files (format version 2)" },
    schedule: {
      type: "string",
      value: "WAY",
      help: "how the sweep and searches prune: auto (the way of higher mean validation " +
        "accuracy), one-shot (every level from the dense model) or iterative",
      default: "auto",
    },
  },
);
const JSON_OUT = args.flag("json");
const ROWS_FILE = args.string("rows");
const rowLines: string[] = [];
const QUICK = args.flag("quick");
const ENTROPY = args.flag("entropy");
const SCHEDULE = [...args.choices("schedule", ["auto", "one-shot", "iterative"], "schedule")];
if (SCHEDULE.length !== 1) {
  console.error("bench:compress: --schedule takes one of auto, one-shot, iterative");
  Deno.exit(2);
}
// The rows are written at the end of a run of many minutes: a file that cannot be written is
// refused before any work (opened without truncating, so an earlier run's rows stay until then).
if (ROWS_FILE !== undefined) {
  try {
    Deno.openSync(ROWS_FILE, { write: true, create: true }).close();
  } catch (error) {
    console.error(
      `bench:compress: cannot write --rows '${ROWS_FILE}': ${(error as Error).message}`,
    );
    Deno.exit(2);
  }
}
const log = (text: string) => console.error(text);
const out = (text: string) => {
  if (!JSON_OUT) console.log(text);
};
const row = (o: Record<string, unknown>) => {
  if (JSON_OUT) console.log(JSON.stringify(o));
  if (ROWS_FILE !== undefined) rowLines.push(JSON.stringify(o));
};

requireFashionMnist("bench:compress");
reportLoadAverage("bench:compress");

const benchStarted = performance.now();
const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
const { fitData, validation } = validationSplit(train);
const dense = await referenceModel(fitData, { log });
const full = await referenceModel(train, { log });
const denseTest = evaluate(dense.model, test.x, test.y).accuracy;
const densePredicted = predict(dense.model, test.x);

/** Test accuracy difference of a model from the dense one and its paired standard error. */
const pairedDifference = (model: StoredModel) =>
  pairedAccuracyDifference(test.y, {
    baseline: densePredicted,
    candidate: predict(asFloatModel(model), test.x),
  });
const fullTest = evaluate(full.model, test.x, test.y).accuracy;

/** The session settings of every model made here, the refits' included. */
const SETTINGS = {
  test,
  penalty: { kind: "l2", lambda: REFERENCE_SETTINGS.lambda },
  fineTune: { kind: "lbfgs", maxIterations: 100 },
  seed: 0,
  entropy: ENTROPY,
} as const;
let lastLog = 0;
/** A progress line every 15 s at most. */
const progressLine = (prefix: string) => (p: CompressProgress) => {
  if (p.seconds - lastLog < 15) return;
  lastLog = p.seconds;
  log(`  [${prefix}${p.done}/${p.total}] ${p.message} (${p.seconds.toFixed(0)} s)`);
};
const session = createCompressionSession(fitData, {
  model: dense.model,
  validation,
  ...SETTINGS,
  onProgress: progressLine(""),
});
const denseReport = session.denseReport;
out(
  `Fashion-MNIST: ${fitData.x.rows} training / ${validation.x.rows} validation images (split of ` +
    `the training set, seed 0) / ${test.x.rows} test images`,
);
if (ENTROPY) out("files: entropy-coded (--entropy; format version 2)");
out(
  `dense reference: L2 lambda 1/6000 (scikit-learn C = 0.1), pixels / 255, L-BFGS to ` +
    `tolerance ${REFERENCE_SETTINGS.tolerance}, ${dense.source} (${dense.path})`,
);
out(
  `  on the 50,000: test ${percent(denseTest)}, validation ` +
    `${percent(denseReport.validation.accuracy)}, file ${denseReport.bytes} bytes ` +
    `(float32 baseline ${session.denseFloat32Bytes} bytes)`,
);
out(`  the same on all 60,000 images: test ${percent(fullTest)} (scikit-learn: 84.46 %)`);
row({
  section: "dense",
  trainImages: fitData.x.rows,
  testAccuracy: denseTest,
  validationAccuracy: denseReport.validation.accuracy,
  fileBytes: denseReport.bytes,
  float32Bytes: session.denseFloat32Bytes,
  fullTrainingSetTestAccuracy: fullTest,
  source: dense.source,
});

// ---- the issue's reference points -------------------------------------------------------

interface Point {
  readonly name: string;
  readonly reference: { ratio: number; accuracy: number };
  readonly result: CompressResult;
}
out("\nReference points (numpy on scikit-learn's 84.46 % model) made with the pipeline:");
const points: Point[] = [
  {
    name: "4-bit weights (uniform symmetric per tensor, min/max, PTQ)",
    reference: { ratio: 9.3, accuracy: 0.8395 },
    result: session.compress({
      prune: false,
      quantize: {
        method: {
          kind: "uniform",
          bits: 4,
          granularity: "tensor",
          calibration: { kind: "minmax" },
        },
        training: "ptq",
      },
    }),
  },
  {
    name: "k-means 16 levels (per tensor, PTQ)",
    reference: { ratio: 7.8, accuracy: 0.8428 },
    result: session.compress({
      prune: false,
      quantize: { method: { kind: "kmeans", bits: 4 }, training: "ptq" },
    }),
  },
  {
    name: "90 % magnitude + refit + 4-bit k-means",
    reference: { ratio: 32, accuracy: 0.8199 },
    result: session.compress({
      prune: { strategy: "magnitude", fraction: 0.9 },
      quantize: { method: { kind: "kmeans", bits: 4 }, training: "ptq" },
    }),
  },
];
out(formatTable(
  ["model", "reference", "ratio", "file bytes", "ratio", "test", "vs dense", "validation"],
  points.map((p) => {
    const last = p.result.stages.at(-1)!;
    return [
      p.name,
      percent(p.reference.accuracy),
      `${p.reference.ratio.toFixed(1)} x`,
      last.bytes.toLocaleString("en-US"),
      `${last.ratio.toFixed(1)} x`,
      percent(last.test!.accuracy),
      points_(last.test!.accuracy - denseTest),
      percent(last.validation.accuracy),
    ];
  }),
));
for (const p of points) {
  const last = p.result.stages.at(-1)!;
  row({
    section: "reference-point",
    ...plainReport(last),
    point: p.name,
    referenceAccuracy: p.reference.accuracy,
    referenceRatio: p.reference.ratio,
  });
}

// ---- the sweep ----------------------------------------------------------------------------

const LEVELS: CompressionSpace = QUICK
  ? {
    structures: ["weights", "features"],
    sparsities: [0, 0.8, 0.9],
    methods: [{ kind: "uniform" }, { kind: "kmeans" }],
    bits: [2, 3, 4, 8],
  }
  : {
    structures: ["weights", "features"],
    sparsities: [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95],
    methods: [
      { kind: "uniform", scheme: "symmetric" },
      { kind: "uniform", scheme: "affine" },
      { kind: "log2" },
      { kind: "kmeans" },
    ],
    bits: [1, 2, 3, 4, 6, 8],
  };

// ---- pruning from the dense model or level by level, chosen on validation ----------------

// Every pruning level's fine-tuned float32 model both ways (the float16 candidates, post-training
// only, are what a sweep needs to run; they are not shown). The sweep and searches then prune the way
// whose mean validation accuracy over the levels is higher (ties: from the dense model).
log("pruning schedules ...");
const scheduleRows = (iterative: boolean) =>
  session.sweep({
    structures: LEVELS.structures,
    sparsities: LEVELS.sparsities,
    methods: [{ kind: "float16" }],
    training: ["ptq"],
    iterative,
  }).rows.filter((r) => r.prune !== null && r.quantization === null);
const [oneShot, iterative] = [scheduleRows(false), scheduleRows(true)];
const levelKey = (r: CandidateReport) => `${r.prune!.structure} ${r.prune!.fraction}`;
const iterativeByLevel = new Map(iterative.map((r) => [levelKey(r), r]));
const levelPairs = oneShot.map((r) => ({
  oneShot: r,
  iterative: iterativeByLevel.get(levelKey(r))!,
}));
const meanValidation = (pick: (p: (typeof levelPairs)[number]) => CandidateReport) =>
  levelPairs.reduce((sum, p) => sum + pick(p).validation.accuracy, 0) / levelPairs.length;
const validationGain = meanValidation((p) => p.iterative) - meanValidation((p) => p.oneShot);
const ITERATIVE = SCHEDULE[0] === "auto" ? validationGain > 0 : SCHEDULE[0] === "iterative";
out(
  "\nPruning each level from the dense model (one-shot) or from the fine-tuned level below it " +
    "(iterative), fine-tuned float32 models:",
);
out(formatTable(
  ["structure", "sparsity", "one-shot val.", "iterative val.", "one-shot test", "iterative test"],
  levelPairs.map((p) => [
    p.oneShot.prune!.structure,
    percent(p.oneShot.prune!.fraction!),
    percent(p.oneShot.validation.accuracy),
    percent(p.iterative.validation.accuracy),
    percent(p.oneShot.test!.accuracy),
    percent(p.iterative.test!.accuracy),
  ]),
));
out(
  `Mean validation accuracy over the levels: iterative ${points_(validationGain)} points against ` +
    `one-shot; the sweep and searches prune ${ITERATIVE ? "iteratively" : "one-shot"}` +
    (SCHEDULE[0] === "auto" ? "." : ` (--schedule ${SCHEDULE[0]}).`),
);
for (const p of levelPairs) {
  row({
    section: "schedule",
    structure: p.oneShot.prune!.structure,
    sparsity: p.oneShot.prune!.fraction,
    oneShotValidationAccuracy: p.oneShot.validation.accuracy,
    iterativeValidationAccuracy: p.iterative.validation.accuracy,
    oneShotTestAccuracy: p.oneShot.test!.accuracy,
    iterativeTestAccuracy: p.iterative.test!.accuracy,
  });
}
row({ section: "schedule-choice", validationGain, iterative: ITERATIVE, schedule: SCHEDULE[0] });

const SPACE: CompressionSpace = { ...LEVELS, iterative: ITERATIVE };
log("sweep ...");
let t0 = performance.now();
const sweep = session.sweep(SPACE);
const sweepSeconds = (performance.now() - t0) / 1000;
const onFront = new Set(sweep.front);
out(
  `\nSweep: ${sweep.rows.length} models from ${sweep.bases.length + 1} pruning levels ` +
    `(${sweep.skipped.length} skipped) in ${sweepSeconds.toFixed(0)} s. Pareto front of ` +
    `validation accuracy against file bytes:`,
);
out(candidateTable(sweep.front.map((i) => sweep.rows[i])));
sweep.rows.forEach((r, i) =>
  row({ section: "sweep", onFront: onFront.has(i), ...plainCandidate(r) })
);

// ---- accuracy-budgeted searches ------------------------------------------------------------

const searches: { points: number; result: SearchResult; seconds: number }[] = [];
for (const budget of [1.0, 0.2]) {
  log(`search within ${budget} points ...`);
  t0 = performance.now();
  const result = session.search({ ...SPACE, maxDrop: budget / 100 });
  searches.push({ points: budget, result, seconds: (performance.now() - t0) / 1000 });
}
for (const { points, result, seconds } of searches) {
  const feasible = result.tried.filter((t) => t.feasible).length;
  out(
    `\nSearch within ${points.toFixed(1)} points of the dense validation accuracy (target ` +
      `${percent(result.target)}): ${result.tried.length} models evaluated (${feasible} within ` +
      `budget), ${result.skipped.length} skipped, ${seconds.toFixed(0)} s (models shared with ` +
      `the sweep are not made again). Chosen: ${result.chosen.name}`,
  );
  out(formatTable(
    [
      "stage",
      "validation",
      "test",
      "test vs dense",
      "non-zeros",
      "bits",
      "file bytes",
      "ratio",
      "seconds",
    ],
    result.stages.map((s) => [
      s.stage,
      percent(s.validation.accuracy),
      percent(s.test!.accuracy),
      points_(s.test!.accuracy - denseTest),
      String(s.nonZeros),
      String(s.bits),
      s.bytes.toLocaleString("en-US"),
      `${s.ratio.toFixed(1)} x`,
      s.seconds.toFixed(1),
    ]),
  ));
  out(`  where the bytes go: ${partsText(result.stages.at(-1)!)}`);
  row({
    section: "chosen",
    maxDrop: points / 100,
    target: result.target,
    tried: result.tried.length,
    withinBudget: feasible,
    skipped: result.skipped.length,
    ...plainReport(result.stages.at(-1)!),
    searchMs: seconds * 1000,
    stages: result.stages.map((s) => ({ stage: s.stage, ...plainReport(s) })),
  });
}

// ---- a margin for the validation set's noise -------------------------------------------------

// The same searches with a margin: a candidate passes when its validation difference from the
// dense model less K paired standard errors is within the budget.
const MARGINS = [1, 2];
const margined: { points: number; k: number; result: SearchResult; seconds: number }[] = [];
for (const budget of [1.0, 0.2]) {
  for (const k of MARGINS) {
    log(`search within ${budget} points, margin ${k} standard errors ...`);
    t0 = performance.now();
    const result = session.search({ ...SPACE, maxDrop: budget / 100, standardErrors: k });
    margined.push({ points: budget, k, result, seconds: (performance.now() - t0) / 1000 });
  }
}
out(
  "\nThe searches with a margin for the validation set's noise (a candidate passes when its " +
    "validation difference from dense less K paired standard errors is within the budget):",
);
const marginRows = [
  ...searches.map((s) => ({ points: s.points, k: 0, result: s.result, seconds: s.seconds })),
  ...margined,
].sort((a, b) => b.points - a.points || a.k - b.k)
  .map((r) => ({ ...r, test: pairedDifference(r.result.model) }));
out(formatTable(
  ["budget", "margin", "file bytes", "ratio", "validation vs dense", "test vs dense", "model"],
  marginRows.map(({ points, k, result, test }) => {
    const c = result.chosen;
    return [
      `${points.toFixed(1)} point`,
      `${k} s.e.`,
      c.bytes.toLocaleString("en-US"),
      `${c.ratio.toFixed(1)} x`,
      pairedText(result.validationDifference),
      pairedText(test),
      c.name,
    ];
  }),
));
for (const { points, k, result, seconds, test } of marginRows) {
  row({
    section: "margin",
    maxDrop: points / 100,
    standardErrors: k,
    ...plainReport(result.chosen),
    validationDifference: result.validationDifference.difference,
    validationStandardError: result.validationDifference.standardError,
    testDifference: test.difference,
    testStandardError: test.standardError,
    searchMs: seconds * 1000,
  });
}

// Does the budget hold on images the choice did not see? Validation data only: each split halves
// the validation images (stratified, seeded); the rule chooses on one half from the sweep's
// models and the dense one, as the search would (its choice is the smallest feasible file of a
// sweep of its space, which the tests check), and the other half measures the choice. No test
// image is used, so this can choose a margin without touching the test set.
const SPLITS = QUICK ? 50 : 200;
const holdout = marginHoldout(SPLITS);
out(
  `\nDoes the budget hold on unseen images? ${SPLITS} stratified halvings of the ` +
    `${validation.x.rows.toLocaleString("en-US")} validation images: chosen on one half ` +
    `(${Math.floor(validation.x.rows / 2).toLocaleString("en-US")} images, so noisier than ` +
    `the searches above) from the sweep's models, measured on the other:`,
);
out(formatTable(
  [
    "budget",
    "margin",
    "held",
    "mean other-half vs dense",
    "median file bytes",
    "ratio at median file",
  ],
  holdout.map((h) => [
    `${(h.maxDrop * 100).toFixed(1)} point`,
    `${h.k} s.e.`,
    percent(h.held),
    points_(h.meanOther),
    h.medianBytes.toLocaleString("en-US"),
    `${h.ratioAtMedianBytes.toFixed(1)} x`,
  ]),
));
for (const h of holdout) row({ section: "margin-holdout", splits: SPLITS, ...h });

// ---- size-budgeted searches ----------------------------------------------------------------

const sized: { ratio: number; result: SizeSearchResult; seconds: number }[] = [];
for (const ratio of [20, 10]) {
  const maxBytes = Math.floor(session.denseFloat32Bytes / ratio);
  log(`most accurate within ${maxBytes} bytes ...`);
  t0 = performance.now();
  const result = session.searchWithinBytes({ ...SPACE, maxBytes });
  sized.push({ ratio, result, seconds: (performance.now() - t0) / 1000 });
}
out(
  "\nSize-budgeted searches: the highest validation accuracy among files at least R times " +
    "smaller than dense float32 (models shared with the sweep are not made again):",
);
out(formatTable(
  [
    "budget",
    "evaluated",
    "fit",
    "skipped",
    "validation",
    "test",
    "test vs dense",
    "file bytes",
    "ratio",
    "model",
  ],
  sized.map(({ ratio, result }) => {
    const c = result.chosen;
    const paired = pairedDifference(result.model);
    return [
      `${ratio} x (${result.maxBytes.toLocaleString("en-US")} bytes)`,
      String(result.tried.length),
      String(result.tried.filter((t) => t.feasible).length),
      String(result.skipped.length),
      percent(c.validation.accuracy),
      percent(c.test!.accuracy),
      `${points_(c.test!.accuracy - denseTest)} (± ${(paired.standardError * 100).toFixed(2)})`,
      c.bytes.toLocaleString("en-US"),
      `${c.ratio.toFixed(1)} x`,
      c.name,
    ];
  }),
));
for (const { ratio, result, seconds } of sized) {
  row({
    section: "sizeChosen",
    minRatio: ratio,
    maxBytes: result.maxBytes,
    tried: result.tried.length,
    fit: result.tried.filter((t) => t.feasible).length,
    skipped: result.skipped.length,
    ...plainReport(result.chosen),
    testDropStandardError: pairedDifference(result.model).standardError,
    searchMs: seconds * 1000,
  });
}

// ---- refit on all 60,000 images -------------------------------------------------------------

// Once a search has chosen on validation, the validation images can train too (scikit-learn's
// GridSearchCV(refit=True); bench:prune's `select` section does the same). Each chosen recipe is
// made again, with the same settings, from the dense reference trained on all 60,000 images and
// on all of them, and compared on test with that dense model. Which row judges the 10 x /
// 0.2-point goal under this protocol was fixed before it was first run: the 0.2-point search
// without a margin (README, "Refit on all the data").
log("refitting the chosen recipes on all 60,000 images ...");
const refitSession = createRefitSession(train, {
  model: full.model,
  ...SETTINGS,
  onProgress: progressLine("refit "),
});
const fullPredicted = predict(full.model, test.x);
const chosenRecipes = [
  ...searches.map((s) => ({
    search: `within ${s.points.toFixed(1)} point`,
    chosen: s.result.chosen,
  })),
  ...margined.map((m) => ({
    search: `within ${m.points.toFixed(1)} point, margin ${m.k}`,
    chosen: m.result.chosen,
  })),
  ...sized.map((s) => ({ search: `${s.ratio} x smaller`, chosen: s.result.chosen })),
];
const refitByName = new Map<string, { result: CompressResult; seconds: number }>();
const refits = chosenRecipes.map(({ search, chosen }) => {
  let made = refitByName.get(chosen.name);
  if (made === undefined) {
    t0 = performance.now();
    made = { result: refitSession.refit(chosen), seconds: (performance.now() - t0) / 1000 };
    refitByName.set(chosen.name, made);
  }
  const last = made.result.stages.at(-1)!;
  const paired = pairedAccuracyDifference(test.y, {
    baseline: fullPredicted,
    candidate: predict(asFloatModel(made.result.model), test.x),
  });
  return { search, chosen, result: made.result, last, paired, seconds: made.seconds };
});
out(
  `\nRefit on all ${train.x.rows.toLocaleString("en-US")} images: each chosen recipe made ` +
    `again from the dense model trained on all of them (test ${percent(fullTest)}), compared ` +
    "with it on test (split: the chosen model trained on the 50,000, against the 50,000 dense):",
);
out(formatTable(
  [
    "search",
    "split bytes",
    "split test vs dense",
    "refit bytes",
    "ratio",
    "refit test",
    "refit test vs dense",
    "seconds",
    "model",
  ],
  refits.map((r) => [
    r.search,
    r.chosen.bytes.toLocaleString("en-US"),
    points_(r.chosen.test!.accuracy - denseTest),
    r.last.bytes.toLocaleString("en-US"),
    `${r.last.ratio.toFixed(1)} x`,
    percent(r.last.test!.accuracy),
    pairedText(r.paired),
    r.seconds.toFixed(0),
    r.chosen.name,
  ]),
));
for (const r of refits) {
  row({
    section: "refit",
    search: r.search,
    name: r.chosen.name,
    splitFileBytes: r.chosen.bytes,
    splitTestAccuracy: r.chosen.test!.accuracy,
    fileBytes: r.last.bytes,
    ratio: r.last.ratio,
    testAccuracy: r.last.test!.accuracy,
    denseTestAccuracy: fullTest,
    testDifference: r.paired.difference,
    testStandardError: r.paired.standardError,
    refitMs: r.seconds * 1000,
  });
}

// ---- ONNX Runtime agreement ----------------------------------------------------------------

const exported: { name: string; model: StoredModel }[] = [
  ...points.map((p) => ({ name: p.name, model: p.result.model })),
  ...searches.map((s) => ({ name: `chosen within ${s.points} points`, model: s.result.model })),
  ...sized.map((s) => ({ name: `most accurate ${s.ratio} x smaller`, model: s.result.model })),
  ...[...refitByName].map(([name, r]) => ({ name: `refit: ${name}`, model: r.result.model })),
];
const ortProblem = await onnxRuntimeProblem();
const agreements: { name: string; agreement: number; maxDiff: number; bytes: number }[] = [];
if (ortProblem) {
  out(`\nONNX Runtime: not run (${ortProblem})`);
} else {
  for (const e of exported) {
    const bytes = exportOnnx(e.model);
    const run = await runOnnx(bytes, test.x);
    const float = asFloatModel(e.model);
    const expected = predictLabels(float, test.x);
    const labels = run.label.data as string[];
    let same = 0;
    for (let i = 0; i < expected.length; i++) if (labels[i] === expected[i]) same++;
    const p = predictProba(float, test.x).data;
    const q = run.probabilities.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - q[i]));
    agreements.push({
      name: e.name,
      agreement: same / expected.length,
      maxDiff,
      bytes: bytes.length,
    });
    row({
      section: "onnx",
      name: e.name,
      agreement: same / expected.length,
      maxProbabilityDifference: maxDiff,
      onnxBytes: bytes.length,
    });
  }
  out("\nONNX Runtime (onnxruntime-node 1.30, QDQ export) on the 10,000 test images:");
  out(formatTable(
    ["model", "same label", "largest probability difference", "ONNX bytes"],
    agreements.map((a) => [
      a.name,
      percent(a.agreement),
      a.maxDiff.toExponential(2),
      a.bytes.toLocaleString("en-US"),
    ]),
  ));
}

// ---- goals ---------------------------------------------------------------------------------

out("\nGoals (judged on the test set, for the models chosen on validation by the search):");
const goals = [
  { budget: 1.0, ratio: 20 },
  { budget: 0.2, ratio: 10 },
];
for (const g of goals) {
  const s = searches.find((x) => x.points === g.budget)!;
  const last = s.result.stages.at(-1)!;
  const drop = (denseTest - last.test!.accuracy) * 100;
  const met = last.ratio >= g.ratio && withinPoints(denseTest - last.test!.accuracy, g.budget);
  const paired = pairedDifference(s.result.model);
  const sign = drop >= 0 ? "-" : "+";
  out(
    `  at least ${g.ratio} x smaller within ${g.budget} point(s): ${met ? "MET" : "NOT MET"} ` +
      `(${last.ratio.toFixed(1)} x, test ${percent(last.test!.accuracy)}, ${sign}` +
      `${Math.abs(drop).toFixed(2)} points, paired standard error ` +
      `${(paired.standardError * 100).toFixed(2)} points; validation ` +
      `${points_(last.validation.accuracy - denseReport.validation.accuracy)} points)`,
  );
  // For information: the smallest sweep model meeting the goal on the TEST set (selected on
  // test, so optimistic; not a claim).
  const onTest = sweep.rows
    .filter((r) => r.ratio >= g.ratio && withinPoints(denseTest - r.test!.accuracy, g.budget))
    .sort((a, b) => a.bytes - b.bytes)[0];
  out(
    `    (for information, selected on the test set: ${
      onTest
        ? `${onTest.name}, ${onTest.ratio.toFixed(1)} x, test ${percent(onTest.test!.accuracy)}`
        : "no sweep model meets it"
    })`,
  );
  row({
    section: "goal",
    goal: `>= ${g.ratio} x within ${g.budget} point`,
    minRatio: g.ratio,
    maxDrop: g.budget / 100,
    met,
    ratio: last.ratio,
    testDrop: denseTest - last.test!.accuracy,
    testDropStandardError: paired.standardError,
    validationDrop: denseReport.validation.accuracy - last.validation.accuracy,
    name: last.name,
  });
}
// The refit protocol, for the goal fixed before it was first run (README): the 0.2-point search
// without a margin, made again on all 60,000 images, against the dense model trained on them.
{
  const r = refits.find((x) => x.search === "within 0.2 point")!;
  const met = r.last.ratio >= 10 && r.paired.difference >= -0.002 - 1e-9;
  out(
    `  refit on all 60,000 (the 0.2-point search's recipe, against the 60,000 dense): at least ` +
      `10 x smaller within 0.2 point: ${met ? "MET" : "NOT MET"} (${r.last.ratio.toFixed(1)} x, ` +
      `test ${percent(r.last.test!.accuracy)}, ${pairedText(r.paired)} points)`,
  );
  row({
    section: "goal",
    goal: ">= 10 x within 0.2 point, refit on all 60,000",
    minRatio: 10,
    maxDrop: 0.002,
    met,
    ratio: r.last.ratio,
    testDrop: -r.paired.difference,
    testDropStandardError: r.paired.standardError,
    name: r.chosen.name,
  });
}
if (!ortProblem) {
  const worst = Math.min(...agreements.map((a) => a.agreement));
  const met = worst >= 0.999;
  out(
    `  ONNX Runtime agrees on >= 99.9 % of test predictions for every exported model: ` +
      `${met ? "MET" : "NOT MET"} (lowest ${percent(worst)})`,
  );
  row({ section: "goal", goal: "onnx agreement >= 99.9 %", met, lowest: worst });
}
out(`\ntotal ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
if (ROWS_FILE !== undefined) await Deno.writeTextFile(ROWS_FILE, rowLines.join("\n") + "\n");

// ---- helpers -------------------------------------------------------------------------------

function points_(d: number): string {
  return `${d >= 0 ? "+" : ""}${(d * 100).toFixed(2)}`;
}

function pairedText(d: PairedDifference): string {
  return `${points_(d.difference)} (± ${(d.standardError * 100).toFixed(2)})`;
}

/**
 * The half-split check of the margins: for each split and each budget (1.0 and 0.2 points) and
 * margin (0, 1, 2 standard errors), the smallest file among the dense model and the sweep's
 * models whose difference from dense on half A, less k paired standard errors there, is within
 * the budget; and that model's difference on half B. (A sweep keeps one stored form of a
 * candidate, where a search under "auto" storage may take the other; these pixels have no
 * preprocessing to store, so there is one form.)
 */
function marginHoldout(splits: number) {
  const y = validation.y, n = y.length;
  const stored = [session.compress({ prune: false, quantize: false }).model, ...sweep.models];
  const bytes = [denseReport.bytes, ...sweep.rows.map((r) => r.bytes)];
  const dense = predict(asFloatModel(stored[0]), validation.x);
  // Per model, the samples where it and the dense model differ in being right: +1 where only it
  // is, -1 where only dense is.
  const changes = stored.map((m) => {
    const p = predict(asFloatModel(m), validation.x);
    const at: number[] = [], sign: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = dense[i] === y[i], c = p[i] === y[i];
      if (d !== c) {
        at.push(i);
        sign.push(c ? 1 : -1);
      }
    }
    return { at, sign };
  });
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const members = byClass.get(y[i]);
    if (members) members.push(i);
    else byClass.set(y[i], [i]);
  }
  const prng = createPrng(0);
  const rules = [1.0, 0.2].flatMap((points) =>
    [0, ...MARGINS].map((k) => ({
      maxDrop: points / 100,
      k,
      other: [] as number[],
      files: [] as number[],
    }))
  );
  const inA = new Uint8Array(n);
  for (let s = 0; s < splits; s++) {
    inA.fill(0);
    for (const members of byClass.values()) {
      const order = permutation(members.length, prng);
      for (let j = 0; j < Math.floor(members.length / 2); j++) inA[members[order[j]]] = 1;
    }
    let nA = 0;
    for (let i = 0; i < n; i++) nA += inA[i];
    const nB = n - nA;
    // pairedAccuracyDifference's difference and standard error on each half, from the samples
    // where the two models differ (counting them per half is what makes 200 splits cheap).
    const half = changes.map(({ at, sign }) => {
      let sumA = 0, countA = 0, sumB = 0;
      for (let j = 0; j < at.length; j++) {
        if (inA[at[j]]) {
          sumA += sign[j];
          countA++;
        } else sumB += sign[j];
      }
      return {
        differenceA: sumA / nA,
        errorA: Math.sqrt(Math.max(countA - (sumA * sumA) / nA, 0)) / nA,
        differenceB: sumB / nB,
      };
    });
    for (const rule of rules) {
      let chosen = 0;
      for (let i = 1; i < stored.length; i++) {
        const h = half[i];
        if (
          h.differenceA - rule.k * h.errorA >= -rule.maxDrop - 1e-12 && bytes[i] < bytes[chosen]
        ) {
          chosen = i;
        }
      }
      rule.other.push(half[chosen].differenceB);
      rule.files.push(bytes[chosen]);
    }
  }
  return rules.map((r) => ({
    maxDrop: r.maxDrop,
    k: r.k,
    held: r.other.filter((d) => d >= -r.maxDrop - 1e-12).length / splits,
    meanOther: r.other.reduce((a, b) => a + b, 0) / splits,
    medianBytes: median(r.files),
    ratioAtMedianBytes: session.denseFloat32Bytes / median(r.files),
  }));
}

function partsText(r: ModelReport): string {
  return Object.entries(r.parts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ");
}

/**
 * A report as a JSON row in plain units: accuracies and `testDrop` (dense test accuracy minus
 * this model's) as fractions, `fileBytes` and `parts` in bytes, `makeMs` the milliseconds spent
 * making this model from the previous step.
 */
function plainReport(r: ModelReport) {
  return {
    name: r.name,
    validationAccuracy: r.validation.accuracy,
    validationLogLoss: r.validation.logLoss,
    testAccuracy: r.test?.accuracy ?? null,
    testLogLoss: r.test?.logLoss ?? null,
    testDrop: r.test ? denseTest - r.test.accuracy : null,
    nonZeros: r.nonZeros,
    bits: r.bits,
    fileBytes: r.bytes,
    ratio: r.ratio,
    makeMs: r.seconds * 1000,
    parts: r.parts,
  };
}

function plainCandidate(r: CandidateReport) {
  return { ...plainReport(r), prune: r.prune, quantization: r.quantization };
}

function candidateTable(rows: readonly CandidateReport[]): string {
  return formatTable(
    ["validation", "test", "test vs dense", "file bytes", "ratio", "model"],
    rows.map((r) => [
      percent(r.validation.accuracy),
      percent(r.test!.accuracy),
      points_(r.test!.accuracy - denseTest),
      r.bytes.toLocaleString("en-US"),
      `${r.ratio.toFixed(1)} x`,
      r.name,
    ]),
  );
}
