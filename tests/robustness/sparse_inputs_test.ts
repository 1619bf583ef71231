// Every public entry point that takes feature data, given a sparse (CSR) matrix: either it
// supports it (the dense data's results, checked here or in tests/model/sparse_*_test.ts), or it
// refuses it by name, "Cannot <action>: sparse (CSR) input is not supported here; convert with
// csrToDense(<argument>)" - never a crash on its missing `data` or a silently wrong result.
import assert from "node:assert/strict";
import * as L from "../../lib/mod.ts";
import { csrFromDense, type CsrMatrix } from "../../lib/core/sparse.ts";
import { assertClose } from "../_helpers/assert_close.ts";

const iris = await L.loadEmbedded("iris");
const { x, y } = iris;
const csr: CsrMatrix = csrFromDense(x);
/** The CSR matrix where the types ask for a dense one (a JavaScript caller's mistake). */
const S = csr as unknown as L.Matrix;
const { model } = L.fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 10 } });
const q = L.quantizeModel(model);
const calibrated = L.calibrateInput(
  L.quantizeModel(model, { method: { kind: "uniform", bits: 8 } }),
  x,
);
const integer = L.prepareIntegerModel(calibrated);
const samples = { x: S, y };
const dense = { x, y };
const REFUSAL =
  /^Cannot [^:]+: sparse \(CSR\) input is not supported here; convert with csrToDense\([a-z.]+\)$/;

Deno.test("every dense-only entry point refuses CSR data by name", async () => {
  const csv = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(csv, "a,b,c,d,y\n1,2,3,4,0\n2,3,4,5,1\n1,1,1,1,2\n");
  const w12 = new Float64Array(12), b3 = [0, 0, 0];
  const calls: [string, () => unknown][] = [
    ["takeRows", () => L.takeRows(S, [0])],
    ["takeColumns", () => L.takeColumns(S, [0])],
    ["toFloat32", () => L.toFloat32(S)],
    ["toFloat64", () => L.toFloat64(S)],
    ["applyPreprocessing", () => L.applyPreprocessing(model.preprocessing, S)],
    ["trainTestSplit", () => L.trainTestSplit(S, y)],
    ["createLossEngine", () => L.createLossEngine(S, y, "softmax", 3)],
    ["checkValidation", () => L.checkValidation("check", { x: S, y }, 4, "x has", 3)],
    ["fitStream's validation", () => L.fitStream(csv, { validation: { x: S, y } })],
    ["denseScoresTs", () => L.denseScoresTs({ weights: w12, bias: b3 }, S, new Float64Array(450))],
    [
      "sparseScoresTs",
      () => L.sparseScoresTs(L.toSparseModel(model) as never, S, new Float64Array(450)),
    ],
    ["featureSubsetScoresTs", () =>
      L.featureSubsetScoresTs(
        { features: Int32Array.of(0), weights: new Float64Array(3), bias: b3, nFeatures: 4 },
        S,
        new Float64Array(450),
      )],
    ["packed4FloatScoresTs", () =>
      L.packed4FloatScoresTs(
        { packed: new Uint8Array(6), codebook: new Float32Array(16), bias: b3, nFeatures: 4 },
        S,
        new Float64Array(450),
      )],
    ["denseScores", () => L.denseScores({ weights: new Float32Array(12), bias: b3 }, S)],
    ["prepareDense().scores", () => {
      using s = L.prepareDense({ weights: new Float32Array(12), bias: b3 });
      return s.scores(S);
    }],
    ["integerScoresFromFloat", () =>
      L.integerScoresFromFloat(
        { weights: new Int8Array(12), bias: new Int32Array(3), rescale: new Float64Array(3) },
        S,
        {} as never,
      )],
    ["runOnnx", () => L.runOnnx(L.exportOnnx(model), S)],
    ["checkOnnxExport", () => L.checkOnnxExport(model, S)],
    ["articleOutputReport", () => L.articleOutputReport(new L.ArticleLogisticRegression(4, 3), S)],
    ["ArticleLogisticRegression.forward", () => new L.ArticleLogisticRegression(4, 3).forward(S)],
    ["crossValidateLambda", () => L.crossValidateLambda(S, y)],
    ["l1LambdaMax", () => L.l1LambdaMax(S, y)],
    ["l1Path", () => L.l1Path(S, y, { lambdas: [0.1] })],
    ["inputMeans", () => L.inputMeans(model, S, "compute means")],
    ["pruneModel's compensate", () => L.pruneModel(model, { fraction: 0.5, compensate: S })],
    [
      "softThresholdModel's compensate",
      () => L.softThresholdModel(model, { fraction: 0.5, compensate: S }),
    ],
    ["pruneFeatures' compensate", () => L.pruneFeatures(model, { fraction: 0.5, compensate: S })],
    ["fineTune", () => L.fineTune(model, samples)],
    ["gradualPrune", () => L.gradualPrune(S, y)],
    ["iterativePrune", () => L.iterativePrune(model, samples)],
    ["checkSamples", () => L.checkSamples(model, samples, "check")],
    ["lossDerivatives", () => L.lossDerivatives(model, samples)],
    ["obdScores", () => L.obdScores(model, samples)],
    ["taylorScores", () => L.taylorScores(model, samples)],
    [
      "pruneWithStrategy",
      () => L.pruneWithStrategy(model, "taylor", { fraction: 0.5, data: samples }),
    ],
    ["strategyScores", () => L.strategyScores(model, "obd", { data: samples })],
    ["pruneSweep's train", () => L.pruneSweep(model, { train: samples, test: dense })],
    ["pruneSweep's test", () => L.pruneSweep(model, { train: dense, test: samples })],
    ["sparseDecisionFunction", () => L.sparseDecisionFunction(L.toSparseModel(model), S)],
    ["sparsePredict", () => L.sparsePredict(L.toSparseModel(model), S)],
    ["sparsePredictProba", () => L.sparsePredictProba(L.toSparseModel(model), S)],
    ["calibrateInput", () => L.calibrateInput(q, S)],
    ["quantizeInputs", () => L.quantizeInputs(integer, S)],
    ["integerDecisionFunction", () => L.integerDecisionFunction(integer, S)],
    ["integerReferenceDecisionFunction", () => L.integerReferenceDecisionFunction(integer, S)],
    ["integerPredict", () => L.integerPredict(integer, S)],
    [
      "quantizedDecisionFunction of a calibrated model",
      () => L.quantizedDecisionFunction(calibrated, csr),
    ],
    ["an integer-only prepared predictor", () => {
      using p = L.prepareQuantizedPredictor(calibrated);
      return p.predict(csr);
    }],
    ["quantizationAwareTraining", () => L.quantizationAwareTraining(model, samples)],
    [
      "fineTuneCodebook",
      () =>
        L.fineTuneCodebook(
          L.quantizeModel(model, { method: { kind: "kmeans", bits: 2 } }),
          samples,
        ),
    ],
    ["quantizationSweep's test", () => L.quantizationSweep(model, { test: samples })],
    [
      "quantizationSweep's train",
      () => L.quantizationSweep(model, { test: dense, train: samples }),
    ],
    ["createCompressionSession", () => L.createCompressionSession(samples)],
    [
      "createCompressionSession's validation",
      () => L.createCompressionSession(dense, { validation: samples }),
    ],
    ["createCompressionSession's test", () => L.createCompressionSession(dense, { test: samples })],
    ["compressModel", () => L.compressModel(samples)],
    ["sweepCompression", () => L.sweepCompression(samples)],
    ["searchCompression", () => L.searchCompression(samples)],
    ["createRefitSession", () => L.createRefitSession(samples)],
    [
      "refitCompression",
      () =>
        L.refitCompression(samples, {
          prune: false,
          quantize: false,
          preprocessingStorage: "keep",
        }),
    ],
  ];
  try {
    for (const [name, call] of calls) {
      let error: unknown = null;
      try {
        await call();
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof TypeError, `${name}: ${error}`);
      assert.match(error.message, REFUSAL, name);
    }
  } finally {
    await Deno.remove(csv);
  }
});

const bits = (a: ArrayLike<number>) =>
  Array.from(new BigUint64Array(Float64Array.from(a).buffer), String);

Deno.test("entry points that hand CSR data on to fit or to the scores give the dense data's results", () => {
  // accumulateLoss: the sparse kernel, the dense one's sums bit for bit (features as they are).
  const w = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
  const b = Float64Array.of(0.1, -0.2, 0.3);
  const sums = (m: L.Matrix | CsrMatrix) => {
    const gw = new Float64Array(12), gb = new Float64Array(3);
    const r = L.accumulateLoss(m, y, null, 0, 150, w, b, "softmax", gw, gb, new Float64Array(3));
    return [r.loss, r.correct, ...gw, ...gb];
  };
  assert.deepEqual(bits(sums(csr)), bits(sums(x)));
  // Validation data handed on to fit: the epochs' validation losses and the same model.
  const sgd = { kind: "sgd", epochs: 3, batchSize: 16 } as const;
  type Run = { model: unknown; history: readonly L.EpochRecord[] };
  const runs: [string, (v: L.Matrix | CsrMatrix) => Run][] = [
    ["fineTune", (v) => L.fineTune(model, dense, { optimizer: sgd, validation: { x: v, y } })],
    ["gradualPrune", (v) =>
      L.gradualPrune(x, y, {
        optimizer: { ...sgd, epochs: 4 },
        schedule: { finalSparsity: 0.5 },
        validation: { x: v, y },
      })],
    [
      "quantizationAwareTraining",
      (v) => L.quantizationAwareTraining(model, dense, { optimizer: sgd, validation: { x: v, y } }),
    ],
  ];
  for (const [name, run] of runs) {
    const a = run(csr), d = run(x);
    const losses = (r: Run) => r.history.map((h) => h.validationLoss);
    assert.ok(losses(d).every((v) => Number.isFinite(v)), name);
    // The standardised model's validation scores fold its preprocessing on CSR rows: equal up
    // to rounding; training, on the same dense data, is the same bit for bit.
    assertClose(losses(a) as number[], losses(d) as number[], { rtol: 1e-13, message: name });
    assert.deepEqual(a.model, d.model, name);
  }
  // A prepared quantized predictor scores CSR inputs as quantizedDecisionFunction does.
  for (const method of [{ kind: "uniform", bits: 8 }, { kind: "kmeans", bits: 2 }] as const) {
    const qm = L.quantizeModel(model, { method });
    using p = L.prepareQuantizedPredictor(qm);
    const ref = L.quantizedDecisionFunction(qm, x, { backend: "ts" });
    assert.deepEqual(bits(p.decisionFunction(csr).data), bits(ref.data), method.kind);
    assert.deepEqual(p.predict(csr), L.quantizedPredict(qm, x, { backend: "ts" }));
  }
});
