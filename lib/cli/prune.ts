/**
 * `lrc prune`: train (or load) a model, prune it by a strategy to a target, optionally fine-tune
 * the survivors, report accuracy, balanced accuracy, log loss, ROC AUC (binary) and sparsity,
 * optionally save the pruned model.
 *
 * @module
 */

import { evaluate, type Evaluation } from "../metrics/evaluate.ts";
import type { Optimizer } from "../model/fit.ts";
import { predict } from "../model/predict.ts";
import type { LogisticModel, Penalty } from "../model/types.ts";
import { type PruneTarget, targetCount } from "../prune/mask.ts";
import { sparsityReport } from "../prune/report.ts";
import { fineTune } from "../prune/retrain.ts";
import {
  amountCount,
  maskRemoves,
  MAX_PRUNING_ROUNDS,
  pruningRounds,
  type RoundsScope,
  roundsThatPrune,
} from "../prune/schedule.ts";
import { sparsePredict, toSparseModel } from "../prune/sparse.ts";
import {
  defaultScope,
  PRUNE_STRATEGIES,
  type PruneStrategy,
  pruneWithStrategy,
  strategyScores,
} from "../prune/strategy.ts";
import { featureScores, pruneFeatures, selectFeatures } from "../prune/structured.ts";
import { type Matrix, takeRows } from "../core/matrix.ts";
import { createPrng, shuffleInPlace } from "../core/random.ts";
import { counted, quotedText } from "../core/validate.ts";
import { type Command, type ParsedArgs, refuseUnused, UsageError } from "./args.ts";
import {
  DATA_OPTIONS,
  dataForModel,
  loadData,
  type LoadedData,
  WEIGHT_COLUMN_OPTION,
} from "./data_options.ts";
import {
  formatTable,
  percent,
  rocAucText,
  thresholdNote,
  TrainingWarnings,
  weightedTestTable,
} from "./format.ts";
import { lostClassesNote, lostClassesOfConfusion } from "./lost_classes.ts";
import {
  checkSaveTarget,
  ENTROPY_OPTION,
  entropyFlag,
  readFloatModelFile,
  writeModelFile,
} from "./model_files.ts";
import { createProgress } from "./progress.ts";
import {
  CLASS_WEIGHT_OPTION,
  classWeightOption,
  classWeightsFromArgs,
  classWeightsLine,
  refuseDenseTrainingOptions,
  rowWeightsJson,
  rowWeightsLine,
  sampleWeightOption,
  TRAIN_OPTIONS,
  trainingChoices,
  trainWithProgress,
  weightSum,
  zeroWeightClassLines,
} from "./train.ts";

const NAME = "prune";

/** The `prune` command. */
export const pruneCommand: Command = {
  name: NAME,
  synonyms: {
    out: "prune writes its model with --save FILE",
    "fine-tune-steps":
      "prune takes --fine-tune-iterations (lbfgs) or --fine-tune-epochs (sgd, adam)",
    "no-compensate": "prune compensates only when --compensate is given",
  },
  summary: "Prune a trained (or loaded) model by a strategy, optionally fine-tune, report, save.",
  options: {
    ...DATA_OPTIONS,
    ...TRAIN_OPTIONS,
    ...CLASS_WEIGHT_OPTION,
    ...WEIGHT_COLUMN_OPTION,
    model: {
      type: "string",
      value: "FILE",
      help: "prune this saved model (.lrc, .json or .onnx) instead of training one (the data " +
        "must have its features)",
    },
    strategy: {
      type: "string",
      value: "NAME",
      help: "what ranks the weights (l1: soft threshold, also shrinks the survivors)",
      default: "magnitude",
      choices: [...PRUNE_STRATEGIES],
    },
    scope: {
      type: "string",
      value: "SCOPE",
      help: "rank all weights together, or each class row on its own " +
        "(auto: per-class for taylor and obd, global otherwise)",
      default: "auto",
      choices: ["auto", "global", "per-class"],
    },
    structure: {
      type: "string",
      value: "KIND",
      help: "remove single weights, or whole input features (columns across all classes)",
      default: "weights",
      choices: ["weights", "features"],
    },
    sparsity: {
      type: "string",
      value: "F",
      help: "fraction of weights (or features) to remove, in [0, 1]; with per-class scope (the " +
        "default of taylor and obd) the fraction of each class row, rounded per row",
    },
    count: {
      type: "string",
      value: "N",
      help: "number of weights (or features) to remove; with per-class scope (the default of " +
        "taylor and obd) the number in each class row",
    },
    threshold: {
      type: "string",
      value: "X",
      help: "remove every weight (or feature) whose score is at most X",
    },
    compensate: {
      type: "boolean",
      help: "fold the removed weights' mean contribution on the training data into the bias " +
        "(l1: the change of every weight, the survivors' shrinkage included)",
    },
    steps: {
      type: "string",
      value: "N",
      help: "taylor and obd: prune in N steps, scoring the model again before each (keeps a " +
        "global ranking from emptying whole class rows)",
      default: "1",
    },
    rounds: {
      type: "string",
      value: "N",
      help: "prune in N rounds, fine-tuning after each (needs --fine-tune), on the cubic " +
        "schedule: iterative pruning",
      default: "1",
    },
    "score-samples": {
      type: "string",
      value: "N",
      help: "training samples used by taylor/obd scoring, drawn at random with --seed " +
        "(default: all)",
    },
    "fine-tune": {
      type: "string",
      value: "OPTIMIZER",
      help: "retrain the surviving weights afterwards",
      default: "none",
      choices: ["none", "sgd", "adam", "lbfgs"],
    },
    "fine-tune-epochs": {
      type: "string",
      value: "N",
      help: "epochs of sgd/adam fine-tuning",
      default: "5",
    },
    "fine-tune-iterations": {
      type: "string",
      value: "N",
      help: "iterations of lbfgs fine-tuning",
      default: "100",
    },
    "fine-tune-learning-rate": {
      type: "string",
      value: "X",
      help: "step size of sgd/adam fine-tuning (default 0.03 for sgd, halved every epoch; 0.001 " +
        "for adam)",
    },
    save: {
      type: "string",
      value: "FILE",
      help: "write the pruned model: binary format for .lrc, JSON for .json",
    },
    ...ENTROPY_OPTION,
    json: { type: "boolean", help: "print the report as one JSON object" },
    quiet: { type: "boolean", help: "no progress line" },
    help: { type: "boolean", help: "show this help" },
  },
  async run(args, io) {
    const entropy = entropyFlag(args, "save");
    await checkSaveTarget(args.string("save"), {
      model: args.string("model"),
      data: args.string("data"),
    });
    const target = targetFromArgs(args);
    const strategy = args.string("strategy") as PruneStrategy;
    const features = args.string("structure") === "features";
    const scopeArg = args.string("scope")!;
    const scope = scopeArg === "auto" ? defaultScope(strategy) : scopeArg as "global" | "per-class";
    if (features && scopeArg === "per-class") {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --scope per-class applies to --structure weights`,
      );
    }
    if (features && strategy === "l1") {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --strategy l1 (soft threshold) applies to weights`,
      );
    }
    const steps = args.number("steps", 1, Infinity, true)!;
    if (steps > 1 && (features || (strategy !== "taylor" && strategy !== "obd"))) {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --steps applies to --strategy taylor or obd on ` +
          `--structure weights`,
      );
    }
    if (steps > 1 && target.threshold !== undefined) {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --steps needs --sparsity or --count`,
      );
    }
    const tuning = args.string("fine-tune")!;
    const rounds = args.number("rounds", 1, MAX_PRUNING_ROUNDS, true)!;
    if (rounds > 1 && strategy === "random") {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --rounds does not apply to --strategy random (it ` +
          "ranks the weights the same in every round, so rounds give the one-shot mask)",
      );
    }
    if (rounds > 1 && target.threshold !== undefined) {
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': --rounds needs --sparsity or --count`,
      );
    }
    // What each round removes on the schedule; which rounds prune is known with the model.
    const scheduled = target.threshold !== undefined
      ? []
      : target.fraction !== undefined
      ? pruningRounds(target.fraction, rounds, "fraction")
      : pruningRounds(target.count!, rounds, "count");
    // The rounds that remove something from a model of this shape and mask (a loaded model's
    // mask may remove more than the earlier rounds ask for: a mask never revives a weight),
    // checked before any training.
    const roundsFor = (rows: number, cols: number, mask: Uint8Array | null) => {
      const amounts = roundsThatPrune(scheduled, {
        kind: target.fraction !== undefined ? "fraction" : "count",
        structure: features ? "features" : "weights",
        scope,
        rows,
        cols,
        mask,
      });
      if (amounts.length > 1 && tuning === "none") {
        throw new UsageError(
          `Cannot parse arguments of '${NAME}': --rounds needs fine-tuning between the rounds: ` +
            "add --fine-tune lbfgs, sgd or adam",
        );
      }
      return amounts;
    };
    const tuningOptions = ["fine-tune-iterations", "fine-tune-epochs", "fine-tune-learning-rate"];
    if (tuning === "none") {
      refuseUnused(NAME, args, tuningOptions, "with --fine-tune none");
    } else if (tuning === "lbfgs") {
      refuseUnused(NAME, args, tuningOptions.slice(1), "to --fine-tune lbfgs (it has iterations)");
    } else {
      refuseUnused(
        NAME,
        args,
        tuningOptions.slice(0, 1),
        `to --fine-tune ${tuning} (it has epochs)`,
      );
    }
    // --batch-size also sets sgd/adam fine-tuning's batches; with lbfgs or no fine-tuning it
    // only trains the dense model, which --model loads instead.
    if (strategy !== "taylor" && strategy !== "obd") {
      refuseUnused(
        NAME,
        args,
        ["score-samples"],
        `to --strategy ${strategy} (it scores without data)`,
      );
    }
    if (args.string("model") !== undefined && tuning === "none" && strategy !== "obd") {
      refuseUnused(
        NAME,
        args,
        ["penalty", "lambda", "l1-ratio"],
        "with --model and --fine-tune none (the penalty trains the dense model, which --model " +
          "loads, or the fine-tuning; only obd's scores read it)",
      );
    }
    // An elastic net of ratio 1 is all L1.
    const allL1 = args.string("penalty") === "l1" ||
      (args.string("penalty") === "elasticnet" && args.number("l1-ratio", 0, 1) === 1);
    if (args.string("model") !== undefined && allL1) {
      refuseUnused(
        NAME,
        args,
        ["lambda"],
        `with --model and ${
          args.string("penalty") === "l1" ? "--penalty l1" : "--l1-ratio 1"
        } (an L1 penalty trains only the dense model, which --model loads: fine-tuning and ` +
          "obd's scores leave out the L1 part)",
      );
      // The penalty itself then means none: said, not done without a word.
      throw new UsageError(
        `Cannot parse arguments of '${NAME}': ${
          args.string("penalty") === "l1" ? "--penalty l1" : "--penalty elasticnet --l1-ratio 1"
        } does not apply with --model (an L1 penalty trains only the dense model, which --model ` +
          "loads: fine-tuning and obd's scores leave out the L1 part); give --penalty none",
      );
    }
    // The class weights weigh the dense training, the fine-tuning and taylor/obd's scores: a
    // loaded model without fine-tuning, scored without data, has nothing to weigh.
    if (
      args.string("model") !== undefined && tuning === "none" && strategy !== "taylor" &&
      strategy !== "obd"
    ) {
      refuseUnused(
        NAME,
        args,
        ["class-weight", "weight-column"],
        `with --model, --fine-tune none and --strategy ${strategy} (it weighs the dense ` +
          "training, which --model loads, the fine-tuning and taylor/obd's scores)",
      );
    }
    const miniBatchTuning = tuning === "sgd" || tuning === "adam";
    refuseDenseTrainingOptions(NAME, args, miniBatchTuning ? [] : ["batch-size"]);
    const showProgress = !args.flag("quiet") && !args.flag("json");
    const data = await loadData(args, io, showProgress ? io : undefined);
    const nTrain = data.train.x.rows;
    const classWeights = classWeightsFromArgs(args, data.train.classes, data.train.y, NAME);
    // The dense training's and the fine-tuning's warnings, reported as lrc train reports its.
    const warnings = new TrainingWarnings();
    // taylor and obd score the weighted loss; the other strategies read no data.
    const dataScored = strategy === "taylor" || strategy === "obd";
    let scoreWeights: ReturnType<typeof classWeightOption> & { sampleWeight?: Float64Array } =
      dataScored ? { ...classWeightOption(classWeights), ...sampleWeightOption(data) } : {};
    const { penalty } = trainingChoices(args, nTrain, {
      command: NAME,
      batchSizeElsewhere: miniBatchTuning,
    });
    let dense: LogisticModel;
    let amounts: number[];
    let origin: string;
    const file = args.string("model");
    // The data as the model takes them: a loaded reduced model gets its columns by name.
    let base: LoadedData = data;
    if (file !== undefined) {
      const loaded = await readFloatModelFile(file, "prune");
      dense = loaded.model;
      // The count against the loaded model's shape, before any round prunes or fine-tunes (a
      // round's share of it would otherwise fail first, named by that share).
      const { rows: k, cols: d } = dense.weights;
      checkCount(target, features || scope === "per-class" ? d : k * d, features, scope);
      amounts = roundsFor(k, d, dense.mask ?? null);
      if (target.threshold === undefined) {
        const fraction = target.fraction !== undefined;
        checkAboveMask(NAME, file, fraction ? target.fraction! : target.count!, {
          kind: fraction ? "fraction" : "count",
          structure: features ? "features" : "weights",
          scope,
          rows: k,
          cols: d,
          mask: dense.mask ?? null,
        });
      }
      for (const w of loaded.warnings) io.err(`warning: ${w}\n`);
      // No training here: a class the weights leave out of the fine-tuning and taylor/obd's
      // scores, said as fit says it (the fine-tuning's own says it in the same words, once).
      warnings.add(zeroWeightClassLines(data, classWeights));
      base = dataForModel(dense, data, file);
      origin = `loaded from ${file}`;
      if (base.matched === "reordered") {
        origin += " (the data's columns taken in its order, by name)";
      }
      if (base.matched === "position" && !data.positional) {
        origin +=
          " (the data's columns taken by position: their header names none of its features)";
      }
      if (base.matched === "subset") {
        origin += ` (takes ${dense.weights.cols} of the ${data.train.x.cols} features, by name)`;
      }
      if (base.dataClasses !== undefined) {
        origin += " (the data's classes taken in its order, by name)";
      }
    } else {
      // A count larger than the model can hold is refused before training: the model will have
      // one row of weights for two classes (the default link), one per class otherwise.
      const k = data.train.classes.length === 2 ? 1 : data.train.classes.length;
      const d = data.train.x.cols;
      checkCount(target, features || scope === "per-class" ? d : k * d, features, scope);
      amounts = roundsFor(k, d, null);
      const result = trainWithProgress(data, args, showProgress, io, {
        command: NAME,
        batchSizeElsewhere: miniBatchTuning,
        classWeights,
      });
      dense = result.model;
      warnings.add(result.warnings);
      origin = `trained (${args.string("optimizer")}, ${result.history.length} ${
        args.string("optimizer") === "lbfgs" ? "iterations" : "epochs"
      }, ${result.stopReason})`;
    }
    const l2 = penalty.kind === "l2"
      ? penalty.lambda
      : penalty.kind === "elasticnet"
      ? penalty.lambda * (1 - penalty.l1Ratio)
      : 0;
    const scoreLimit = args.number("score-samples", 1, Infinity, true);
    const seed = args.number("seed", -(2 ** 31), 2 ** 31, true)!;
    // A seeded random sample of the training rows, not the first ones: a file sorted by class
    // would otherwise score with one class only.
    let scoring: { x: Matrix; y: Int32Array } = base.train;
    if (scoreLimit !== undefined && scoreLimit < nTrain) {
      const order = Int32Array.from({ length: nTrain }, (_, i) => i);
      const rows = shuffleInPlace(order, createPrng(seed)).subarray(0, scoreLimit).sort();
      scoring = {
        x: takeRows(base.train.x, rows),
        y: Int32Array.from(rows, (i) => base.train.y[i]),
      };
      // The sampled rows keep their weights.
      if (scoreWeights.sampleWeight !== undefined) {
        const all = scoreWeights.sampleWeight;
        scoreWeights = { ...scoreWeights, sampleWeight: Float64Array.from(rows, (i) => all[i]) };
      }
    }
    const compensate = args.flag("compensate") ? base.train.x : undefined;
    const optimizer = tuning === "none" ? null : fineTuneOptimizer(args, tuning);
    // One pruning step of `model` to `amount` (the target's kind); whole features are masked in
    // the earlier rounds and removed from the model in the last.
    const pruneTo = (model: LogisticModel, amount: PruneTarget, last: boolean) => {
      if (features) {
        const scores = featureScores(
          strategyScores(model, strategy, { data: scoring, l2, seed, ...scoreWeights }),
          { reduce: strategy === "magnitude" ? "l2" : "sum" },
        );
        const r = pruneFeatures(model, {
          ...amount,
          scores,
          representation: last ? "reduced" : "masked",
          compensate,
        });
        return { model: r.model, kept: last ? r.features : null };
      }
      const model_ = pruneWithStrategy(model, strategy, {
        ...amount,
        scope,
        data: scoring,
        l2,
        seed,
        compensate,
        steps,
        ...scoreWeights,
      });
      return { model: model_, kept: null };
    };
    const amountOf = (a: number): PruneTarget =>
      target.fraction !== undefined ? { fraction: a } : { count: a };
    const unit = tuning === "lbfgs" ? "iteration" : "epoch";
    // Fine-tunes a model on the training rows (of the kept features), with progress; the totals
    // of every round's fine-tuning are reported.
    let tuneSeconds = 0, tuneSteps = 0;
    const tune = (model: LogisticModel, x: Matrix, round: number) => {
      const progress = createProgress(io, showProgress);
      const label = amounts.length > 1
        ? `round ${round}/${amounts.length} fine-tuning`
        : "fine-tuning";
      try {
        const r = fineTune(model, { x, y: base.train.y }, {
          optimizer: optimizer!,
          penalty: penaltyForTuning(penalty),
          seed,
          ...classWeightOption(classWeights),
          ...sampleWeightOption(data),
          onProgress: (p) =>
            progress.update(
              `${label}: ${unit} ${p.epoch}/${p.totalEpochs}  loss ${p.trainLoss.toFixed(4)}  ` +
                `${p.seconds.toFixed(1)} s`,
            ),
        });
        warnings.add(r.warnings, label);
        tuneSeconds += r.history.at(-1)?.seconds ?? 0;
        tuneSteps += r.history.length;
        return r.model;
      } finally {
        progress.done();
      }
    };
    // The earlier rounds: prune, then fine-tune what is left, each from the last.
    let pruneSeconds = 0;
    const timed = <T>(f: () => T): T => {
      const t0 = performance.now();
      const out = f();
      pruneSeconds += (performance.now() - t0) / 1000;
      return out;
    };
    let current = dense;
    for (const [r, a] of amounts.slice(0, -1).entries()) {
      current = tune(timed(() => pruneTo(current, amountOf(a), false)).model, base.train.x, r + 1);
    }
    const lastStep = timed(() =>
      pruneTo(current, amounts.length > 0 ? amountOf(amounts.at(-1)!) : target, true)
    );
    const pruned: LogisticModel = lastStep.model;
    const kept: Int32Array | null = lastStep.kept;
    const view = (x: Matrix) => (kept ? selectFeatures(x, kept) : x);
    const trainX = view(base.train.x), testX = view(base.test.x);
    const denseTest = evaluate(dense, base.test.x, base.test.y);
    const prunedTest = evaluate(pruned, testX, base.test.y);

    let tuned: { model: LogisticModel; test: Evaluation } | null = null;
    if (optimizer !== null) {
      const model = tune(pruned, trainX, Math.max(amounts.length, 1));
      tuned = { model, test: evaluate(model, testX, base.test.y) };
    }
    const final = tuned?.model ?? pruned;
    // With --weight-column, each model's test metrics weighted by the test rows' weights too
    // (null when every test row weighs 0).
    const testWeights = data.rowWeights?.test;
    const testWeightSum = testWeights === undefined ? 0 : weightSum(testWeights);
    const weighted = testWeights === undefined || !(testWeightSum > 0) ? null : (() => {
      const by = { sampleWeight: testWeights };
      return {
        dense: evaluate(dense, base.test.x, base.test.y, by),
        pruned: evaluate(pruned, testX, base.test.y, by),
        fineTuned: tuned ? evaluate(tuned.model, testX, base.test.y, by) : null,
      };
    })();
    // The classes the dense model finds on the test rows and the pruned (fine-tuned) one never
    // does: accuracy counts a class by its share of the rows, so on 3 % positives a 90 %
    // magnitude pruning that predicted no positive scored 96.88 % against the dense 98.80 %.
    const lostPruned = lostClassesOfConfusion(
      dense.classes,
      denseTest.confusion,
      prunedTest.confusion,
    );
    const lostTuned = tuned
      ? lostClassesOfConfusion(dense.classes, denseTest.confusion, tuned.test.confusion)
      : null;
    const report = sparsityReport(final);
    const sparse = toSparseModel(final);
    // The float64 references: skipping zero terms must change no prediction at all.
    const agree = sameArrays(
      sparsePredict(sparse, testX, { backend: "ts" }),
      predict(final, testX, { backend: "ts" }),
    );
    const save = args.string("save");
    let savedBytes: number | null = null;
    if (save !== undefined) {
      savedBytes = await writeModelFile(save, final, entropy);
    }
    const removedFeatures = kept
      ? dense.featureNames.filter((_, j) => !kept!.includes(j))
      : report.unusedFeatures.length > 0
      ? [...report.unusedFeatures].map((j) => final.featureNames[j])
      : [];
    const json = {
      command: NAME,
      data: {
        source: data.source,
        trainSamples: nTrain,
        testSamples: data.test.x.rows,
        features: data.train.x.cols,
        classes: dense.classes,
      },
      model: origin,
      // The decision threshold the pruned model keeps and labels at (null: none, 0.5).
      threshold: dense.threshold ?? null,
      classWeight: classWeights,
      sampleWeight: rowWeightsJson(data.rowWeights),
      // The dense training's warnings (fit's), then the fine-tuning's, prefixed "fine-tuning: "
      // (or "round R/N fine-tuning: "); one given before in the same words is not repeated.
      warnings: warnings.list,
      pruning: {
        strategy,
        structure: features ? "features" : "weights",
        scope: features ? "global" : scope,
        target,
        targetApplies: target.threshold !== undefined
          ? "each score"
          : features
          ? "all features"
          : scope === "per-class"
          ? "each class row"
          : "all weights",
        compensate: args.flag("compensate"),
        steps,
        // What each round removed (fractions or counts; the last is the target), each but the
        // last followed by fine-tuning: one entry when pruned once, none for a threshold.
        rounds: amounts,
        // The data Taylor and OBD score on: how many training samples, of how many classes.
        scoring: strategy === "taylor" || strategy === "obd"
          ? { samples: scoring.y.length, classes: new Set(scoring.y).size }
          : null,
        seconds: pruneSeconds,
      },
      accuracy: {
        dense: denseTest.accuracy,
        pruned: prunedTest.accuracy,
        fineTuned: tuned?.test.accuracy ?? null,
      },
      // The mean of the recalls of the classes that label test rows: what lrc compress --metric
      // balanced-accuracy holds its budget to (accuracy counts a class by its share of the rows).
      balancedAccuracy: {
        dense: denseTest.balancedAccuracy,
        pruned: prunedTest.balancedAccuracy,
        fineTuned: tuned?.test.balancedAccuracy ?? null,
      },
      logLoss: {
        dense: denseTest.logLoss,
        pruned: prunedTest.logLoss,
        fineTuned: tuned?.test.logLoss ?? null,
      },
      // ROC AUC of classes[1] (binary models; null otherwise), as lrc train reports it.
      rocAuc: {
        dense: denseTest.rocAuc,
        pruned: prunedTest.rocAuc,
        fineTuned: tuned?.test.rocAuc ?? null,
      },
      // The same metrics weighted by --weight-column's test rows' weights (null without it, or
      // when every test row weighs 0).
      testWeighted: weighted === null ? null : {
        column: data.rowWeights!.column,
        weightSum: testWeightSum,
        ...Object.fromEntries(
          (["accuracy", "balancedAccuracy", "logLoss", "rocAuc"] as const).map((key) => [key, {
            dense: weighted.dense[key],
            pruned: weighted.pruned[key],
            fineTuned: weighted.fineTuned?.[key] ?? null,
          }]),
        ),
      },
      // The classes with test recall above 0 for the dense model and 0 for the pruned (and the
      // fine-tuned) one; denseRecall is the dense model's, chosenRecall the pruned one's (0).
      lostClasses: { pruned: lostPruned, fineTuned: lostTuned },
      // Every round's fine-tuning: how many there were, their steps and seconds in all.
      fineTuning: tuned
        ? {
          optimizer: tuning,
          rounds: Math.max(amounts.length, 1),
          steps: tuneSteps,
          seconds: tuneSeconds,
        }
        : null,
      sparsity: {
        weights: report.weights,
        zeros: report.zeros,
        sparsity: report.sparsity,
        masked: report.masked,
        perClass: report.perClass,
        inputFeatures: final.weights.cols,
        keptFeatures: kept ? [...kept] : null,
        unusedFeatures: removedFeatures,
      },
      sparseKernel: { storedWeights: sparse.values.length, agreesWithDense: agree },
      savedTo: save ?? null,
      savedBytes,
    };
    if (args.flag("json")) {
      io.out(JSON.stringify(json) + "\n");
      return 0;
    }
    const shares = "accuracy counts a class by its share of the rows";
    // What may keep a lost class: fine-tuning (when there was none), pruning less, class weights
    // (when none were given).
    const keep = (fineTuning: boolean, lost: number) =>
      [
        ...(fineTuning ? ["fine-tuning (--fine-tune)"] : []),
        "pruning less",
        ...(classWeights ? [] : ["--class-weight balanced"]),
      ].join(", ").replace(/, ([^,]*)$/, " or $1") + ` may keep ${lost === 1 ? "it" : "them"}`;
    const targetText = target.fraction !== undefined
      ? `${percent(target.fraction)} of the ${features ? "features" : "weights"}`
      : target.count !== undefined
      ? `${counted(target.count, features ? "feature" : "weight")}${
        !features && scope === "per-class" ? " per class" : ""
      }`
      : `scores <= ${target.threshold}`;
    const tunedName = `fine-tuned (${tuning}, ${
      amounts.length > 1 ? `${amounts.length} rounds, ` : ""
    }${tuneSteps} ${tuning === "lbfgs" ? "it." : "ep."})`;
    const cells = (e: Evaluation) => [
      percent(e.accuracy),
      percent(e.balancedAccuracy),
      e.logLoss.toFixed(4),
      rocAucText(e.rocAuc),
    ];
    const rows = [["dense", ...cells(denseTest)], ["pruned", ...cells(prunedTest)]];
    if (tuned) rows.push([tunedName, ...cells(tuned.test)]);
    // The weighted table under the unweighted one, in a table of its own (the first's widths
    // stay as they were).
    const weightedLines = testWeights === undefined ? [] : weightedTestTable(
      data.rowWeights!.column,
      testWeightSum,
      ["accuracy", "balanced accuracy", "log loss", "ROC AUC"],
      weighted === null ? null : [
        ["dense", ...cells(weighted.dense)],
        ["pruned", ...cells(weighted.pruned)],
        ...(weighted.fineTuned ? [[tunedName, ...cells(weighted.fineTuned)]] : []),
      ],
    );
    const lines = [
      `data      ${data.source}: ${nTrain} train / ${data.test.x.rows} test, ` +
      `${counted(data.train.x.cols, "feature")}, ` +
      `${dense.classes.length} classes`,
      `model     ${origin}`,
      ...thresholdNote(dense.threshold, save, "pruning", "pruned"),
      ...(classWeights ? [classWeightsLine(classWeights)] : []),
      ...(data.rowWeights ? [rowWeightsLine(data.rowWeights, classWeights !== null)] : []),
      ...warnings.lines(),
      `pruning   ${strategy}, ${features ? "whole features" : scope}, removing ${targetText}` +
      (steps > 1 ? `, in ${steps} steps` : "") +
      (amounts.length > 1
        ? `, in ${amounts.length} rounds (${
          amounts.map((a) => target.fraction !== undefined ? percent(a) : String(a)).join(", ")
        }) fine-tuned after each`
        : "") +
      (args.flag("compensate") ? ", bias compensated" : "") +
      ` (${amounts.length > 1 ? "pruning " : ""}${pruneSeconds.toFixed(2)} s)`,
      "",
      formatTable(["test", "accuracy", "balanced accuracy", "log loss", "ROC AUC"], rows),
      ...weightedLines,
      ...lostClassesNote(
        lostPruned,
        `${shares}${
          !tuned
            ? `; ${keep(true, lostPruned.length)}`
            : lostTuned!.length === 0
            ? `; fine-tuning finds ${lostPruned.length === 1 ? "it" : "them"} again`
            : ""
        }`,
        { model: "pruned", reference: "dense", rows: "test" },
      ),
      ...lostClassesNote(lostTuned ?? [], `${shares}; ${keep(false, lostTuned?.length ?? 0)}`, {
        model: "fine-tuned",
        reference: "dense",
        rows: "test",
      }),
      "",
      `sparsity  ${percent(report.sparsity)}: ${report.zeros} of ${report.weights} weights zero` +
      ` (${report.masked} masked); the model takes ${final.weights.cols} input features`,
    ];
    if (removedFeatures.length > 0) {
      // Each name cut short when long (quoted as the refusals quote them): a 10,000-character
      // column name made a 10,000-character report line.
      const shown = removedFeatures.slice(0, 8).map((n) => quotedText(n)).join(", ");
      lines.push(
        `features  ${removedFeatures.length} ${kept ? "removed" : "unused"}: ${shown}${
          removedFeatures.length > 8 ? ", ..." : ""
        }`,
      );
    }
    lines.push(
      `sparse    ${sparse.values.length} stored weights; sparse predictions ${
        agree ? "agree" : "DISAGREE"
      } with dense`,
    );
    if (report.perClass.length > 1 && report.perClass.length <= 20) {
      lines.push(
        "",
        formatTable(
          ["class", "zeros", "sparsity"],
          report.perClass.map((c) => [c.label, `${c.zeros}/${c.weights}`, percent(c.sparsity)]),
        ),
      );
    }
    if (save !== undefined) {
      lines.push("", `saved to ${save} (${savedBytes!.toLocaleString("en-US")} bytes)`);
    }
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};

/**
 * Refuses a pruning target below what a loaded model's mask already removes, as a bad option
 * value for that model: a mask never revives a weight, so the model cannot become less sparse.
 *
 * @param command The command's name.
 * @param file The model file.
 * @param amount The target: a fraction or a count, as `where.kind` says.
 * @param where The model's shape and mask, and the target's unit.
 * @param given Whether the user gave the target (else the message calls it the default).
 * @throws {UsageError} If the mask removes more than the target (per class row with `per-class`,
 *   whole features with `features`).
 */
export function checkAboveMask(
  command: string,
  file: string,
  amount: number,
  where: RoundsScope,
  given = true,
): void {
  const removed = maskRemoves(where);
  const want = amountCount(amount, where);
  if (want >= removed) return;
  const option = (where.kind === "fraction" ? `--sparsity ${amount}` : `--count ${amount}`) +
    (given ? "" : " (the default)");
  const features = where.structure === "features";
  const perRow = !features && where.scope === "per-class";
  const size = features || perRow ? where.cols : where.rows * where.cols;
  const unit = features ? "features" : "weights";
  // The fewest digits of the mask's share that this check accepts: six can fall short by a
  // weight past a million (0.388124 of 2,000,000 is 776,248, not 776,249), and round a mask
  // that keeps a few weights of millions up to 1, which would remove them all.
  let least = removed / size;
  for (let p = 6; p < 17; p++) {
    const x = +(removed / size).toPrecision(p);
    if (amountCount(x, where) >= removed && (x < 1 || removed === size)) {
      least = x;
      break;
    }
  }
  const sparse = `${+(100 * removed / size).toFixed(2)} % sparse` +
    (features ? " in features" : perRow ? " in a class row" : "");
  throw new UsageError(
    `Cannot parse arguments of '${command}': ${option} removes ${want} ${unit}` +
      `${perRow ? " per class row" : ""}, but the model in '${file}' is already ${sparse} (its ` +
      `mask removes ${removed} of the ${size} ${unit}${perRow ? " of a class row" : ""}); a ` +
      `mask never revives a weight: give ${where.kind === "fraction" ? "--sparsity" : "--count"} ` +
      `of ${where.kind === "fraction" ? least : removed} or more`,
  );
}

function targetFromArgs(args: ParsedArgs): PruneTarget {
  const given = ["sparsity", "count", "threshold"].filter((k) => args.string(k) !== undefined);
  if (given.length !== 1) {
    throw new UsageError(
      `Cannot parse arguments of '${NAME}': give exactly one of --sparsity, --count, --threshold` +
        (given.length ? ` (got ${given.map((g) => `--${g}`).join(" and ")})` : ""),
    );
  }
  if (given[0] === "sparsity") return { fraction: args.number("sparsity", 0, 1) };
  if (given[0] === "count") return { count: args.number("count", 0, Infinity, true) };
  return { threshold: args.number("threshold", -Infinity, Infinity) };
}

function fineTuneOptimizer(args: ParsedArgs, kind: string): Optimizer {
  if (kind === "lbfgs") {
    return {
      kind: "lbfgs",
      maxIterations: args.number("fine-tune-iterations", 1, 1e7, true),
    };
  }
  const options = {
    epochs: args.number("fine-tune-epochs", 1, 1e6, true),
    batchSize: args.number("batch-size", 1, 1e9, true),
  };
  // As lrc compress and the benchmarks fine-tune: sgd's step halves every epoch.
  return kind === "sgd"
    ? {
      kind: "sgd",
      ...options,
      learningRate: args.number("fine-tune-learning-rate", 1e-12, 1e6) ?? 0.03,
      learningRateDecay: 0.5,
    }
    : {
      kind: "adam",
      ...options,
      learningRate: args.number("fine-tune-learning-rate", 1e-12, 1e6) ?? 0.001,
    };
}

/** Fine-tuning keeps the training penalty, except L1 (which would keep shrinking survivors). */
function penaltyForTuning(penalty: Penalty): Penalty {
  if (penalty.kind === "l1") return { kind: "none" };
  if (penalty.kind === "elasticnet") {
    return { kind: "l2", lambda: penalty.lambda * (1 - penalty.l1Ratio) };
  }
  return penalty;
}

function sameArrays(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Refuses a `--count` above what a model of `size` weights (or features) can remove, and a target
 * that removes every feature (the reduced model the last step makes needs one; that was found
 * only after training and every round).
 */
function checkCount(
  target: PruneTarget,
  size: number,
  features: boolean,
  scope: "global" | "per-class",
): void {
  const count = target.count;
  if (count !== undefined && count > size) {
    // Per class, the size is a row's: "the 64 weights of the model" misnamed a 640-weight model.
    throw new UsageError(
      `Cannot parse arguments of '${NAME}': --count ${count} exceeds the ${
        counted(size, features ? "feature" : "weight")
      } of ${!features && scope === "per-class" ? "each class row of " : ""}the model`,
    );
  }
  if (!features || target.threshold !== undefined) return;
  const removed = count ??
    targetCount({ kind: "fraction", value: target.fraction!, scope: "global" }, size);
  if (removed === size) {
    throw new UsageError(
      `Cannot parse arguments of '${NAME}': ${
        count !== undefined ? `--count ${count}` : `--sparsity ${target.fraction}`
      } removes ${
        size === 1 ? "the only feature" : `all ${size} features`
      } of the model; a model needs one`,
    );
  }
}
