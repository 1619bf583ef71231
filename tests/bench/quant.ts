/**
 * `deno task bench:quant`: quantization of the dense Fashion-MNIST reference model.
 *
 * 1. Test accuracy and weight bytes for 8, 6, 4, 3, 2, 1 bits, for every method (uniform
 *    symmetric and affine, log2, k-means) and granularity, after post-training quantization
 *    (min/max, percentile and MSE calibration) and after quantization-aware training.
 * 2. Integer-only inference: agreement with the dequantized float model, and speed against this
 *    library's float path (medians of interleaved repeats, and their ratio).
 * 3. The article's "8-bit" quantizer `round(w * 255) / 255` (its port, lib/article), to show it
 *    is no 8-bit tensor.
 *
 * Options: `--json` (one JSON object per row), `--quick` (8, 4, 2 bits, fewer QAT runs),
 * `--no-qat`, `--epochs N` (QAT epochs, default 6), `--repeats N` (speed, default 9).
 *
 * @module
 */

import { uniformQuantization } from "../../lib/article/quantization.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { formatTable, percent } from "../../lib/cli/format.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { classesFromScores, decisionFunction, predict } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import {
  calibrateInput,
  type Calibration,
  dequantizeModel,
  integerPredict,
  integerScoresFromCodes,
  prepareIntegerModel,
  quantizationAwareTraining,
  type QuantizationMethod,
  quantizedSize,
  quantizeInputs,
  quantizeModel,
} from "../../lib/quant/mod.ts";
import { benchArgs, requireFashionMnist } from "./_args.ts";
import { REFERENCE_SETTINGS, referenceModel } from "./_reference.ts";
import { median, reportLoadAverage } from "./_stats.ts";

const args = benchArgs(
  "bench:quant",
  "Quantization of the Fashion-MNIST reference: accuracy and bytes by method, granularity and " +
    "bit width, PTQ and QAT, integer-only inference and its speed.",
  {
    quick: { type: "boolean", help: "8, 4 and 2 bits only" },
    "no-qat": { type: "boolean", help: "skip quantization-aware training" },
    epochs: { type: "string", value: "N", help: "QAT epochs", default: "6" },
    repeats: {
      type: "string",
      value: "N",
      help: "timing repeats of the integer-only speed comparison",
      default: "9",
    },
  },
);
const json = args.flag("json");
const quick = args.flag("quick");
const qat = !args.flag("no-qat");
const epochs = args.integer("epochs", 1, 1000);
const repeats = args.integer("repeats", 1, 1000);
requireFashionMnist("bench:quant");
reportLoadAverage("bench:quant");
const log = (line: string) => console.error(line);
const emit = (row: Record<string, unknown>) => {
  if (json) console.log(JSON.stringify(row));
};

const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
const ref = await referenceModel(train, { log });
log(
  `reference model ${ref.source} (${ref.path}, ${ref.seconds.toFixed(1)} s): ` +
    `L2 lambda ${REFERENCE_SETTINGS.lambda.toPrecision(4)}, pixels/255, no standardisation`,
);
const model = ref.model;
const accOf = (m: LogisticModel) => accuracy(test.y, predict(m, test.x));
const floatAccuracy = accOf(model);
const float32Bytes = 4 * model.weights.data.length;
emit({
  section: "reference",
  source: ref.source,
  testAccuracy: floatAccuracy,
  float32WeightBytes: float32Bytes,
});

// ---- 1. accuracy and bytes --------------------------------------------------------------

const BITS = quick ? [8, 4, 2] : [8, 6, 4, 3, 2, 1];
const GRANULARITIES = ["tensor", "class", "feature"] as const;
const CALIBRATIONS: Calibration[] = [
  { kind: "minmax" },
  { kind: "percentile", percentile: 99.99 },
  { kind: "mse" },
];

interface Config {
  method: QuantizationMethod;
  name: string;
  scheme: string;
  bits: number;
  granularity: string;
  calibration: string;
  qat: boolean;
}

const configs: Config[] = [];
const calName = (c: Calibration) => (c.kind === "percentile" ? `p${c.percentile}` : c.kind);
for (const bits of BITS) {
  for (const granularity of GRANULARITIES) {
    for (const scheme of ["symmetric", "affine"] as const) {
      for (const calibration of CALIBRATIONS) {
        const method: QuantizationMethod = {
          kind: "uniform",
          scheme,
          bits,
          granularity,
          calibration,
        };
        const base = {
          method,
          name: "uniform",
          scheme,
          bits,
          granularity,
          calibration: calName(calibration),
        };
        configs.push({ ...base, qat: false });
        if (qat && calibration.kind === "mse") configs.push({ ...base, qat: true });
      }
    }
    const log2: QuantizationMethod = {
      kind: "log2",
      bits,
      granularity,
      calibration: { kind: "mse" },
    };
    const lbase = {
      method: log2,
      name: "log2",
      scheme: "-",
      bits,
      granularity,
      calibration: "mse",
    };
    configs.push({ ...lbase, qat: false });
    if (qat) configs.push({ ...lbase, qat: true });
    if (granularity !== "feature") {
      const km: QuantizationMethod = { kind: "kmeans", bits, granularity };
      const kbase = {
        method: km,
        name: "kmeans",
        scheme: "-",
        bits,
        granularity,
        calibration: "kmeans++",
      };
      configs.push({ ...kbase, qat: false });
      if (qat) configs.push({ ...kbase, qat: true });
    }
  }
  const lin: QuantizationMethod = { kind: "kmeans", bits, granularity: "tensor", init: "linear" };
  configs.push({
    method: lin,
    name: "kmeans",
    scheme: "-",
    bits,
    granularity: "tensor",
    calibration: "linear",
    qat: false,
  });
}
configs.push({
  method: { kind: "float16" },
  name: "float16",
  scheme: "-",
  bits: 16,
  granularity: "tensor",
  calibration: "-",
  qat: false,
});

const qatOptimizer = {
  kind: "adam",
  learningRate: 0.001,
  epochs,
  batchSize: 64,
  learningRateDecay: 0.5,
} as const;
const penalty = { kind: "l2", lambda: REFERENCE_SETTINGS.lambda } as const;

interface AccuracyRow {
  config: Config;
  accuracy: number;
  bytes: ReturnType<typeof quantizedSize>;
  seconds: number;
}
const rows: AccuracyRow[] = [];
const started = performance.now();
for (let i = 0; i < configs.length; i++) {
  const c = configs[i];
  const t0 = performance.now();
  const q = c.qat
    ? quantizationAwareTraining(model, train, {
      method: c.method,
      optimizer: qatOptimizer,
      penalty,
    })
      .model
    : quantizeModel(model, { method: c.method });
  const seconds = (performance.now() - t0) / 1000;
  const row = { config: c, accuracy: accOf(dequantizeModel(q)), bytes: quantizedSize(q), seconds };
  rows.push(row);
  emit({
    section: "accuracy",
    method: c.name,
    scheme: c.scheme,
    bits: c.bits,
    granularity: c.granularity,
    calibration: c.calibration,
    training: c.qat ? "qat" : "ptq",
    testAccuracy: row.accuracy,
    testDrop: floatAccuracy - row.accuracy,
    weightBytes: row.bytes.weightBytes,
    codeBytes: row.bytes.codeBytes,
    parameterBytes: row.bytes.parameterBytes,
    compression: row.bytes.compression,
    quantizeMs: seconds * 1000,
  });
  if (!json || c.qat) {
    log(
      `[${i + 1}/${configs.length}, ${((performance.now() - started) / 1000).toFixed(0)} s] ` +
        `${c.name} ${c.scheme} ${c.bits}-bit ${c.granularity} ${c.calibration} ${
          c.qat ? "QAT" : "PTQ"
        }: ${percent(row.accuracy)}`,
    );
  }
}

// ---- 2. integer-only inference ------------------------------------------------------------

interface IntegerRow {
  label: string;
  agreement: number;
  integerAccuracy: number;
  dequantizedAccuracy: number;
}
const integerRows: IntegerRow[] = [];
const integerMethods: [string, QuantizationMethod][] = [
  ["8-bit symmetric per class", { kind: "uniform", bits: 8, granularity: "class" }],
  ["8-bit symmetric per tensor", { kind: "uniform", bits: 8, granularity: "tensor" }],
  ["8-bit affine per feature", {
    kind: "uniform",
    scheme: "affine",
    bits: 8,
    granularity: "feature",
  }],
  ["4-bit symmetric per class", { kind: "uniform", bits: 4, granularity: "class" }],
  ["4-bit log2 per class", { kind: "log2", bits: 4, granularity: "class" }],
];
let speedModel: ReturnType<typeof prepareIntegerModel> | null = null;
for (const [label, method] of integerMethods) {
  const q = calibrateInput(quantizeModel(model, { method }), train.x);
  const im = prepareIntegerModel(q);
  speedModel ??= im;
  const intPred = integerPredict(im, test.x);
  const floatPred = predict(dequantizeModel(q), test.x);
  let same = 0;
  for (let i = 0; i < intPred.length; i++) if (intPred[i] === floatPred[i]) same++;
  const row = {
    label,
    agreement: same / intPred.length,
    integerAccuracy: accuracy(test.y, intPred),
    dequantizedAccuracy: accuracy(test.y, floatPred),
  };
  integerRows.push(row);
  emit({
    section: "integer",
    model: label,
    inputDtype: q.input!.dtype,
    inputScale: q.input!.scale,
    inputZeroPoint: q.input!.zeroPoint,
    agreement: row.agreement,
    integerTestAccuracy: row.integerAccuracy,
    dequantizedTestAccuracy: row.dequantizedAccuracy,
  });
}

// speed: float path of this library vs integer-only, interleaved, medians
const im = speedModel!;
const pixelCodes = quantizeInputs(im, test.x); // with scale 1/255 these are the raw pixel bytes
const time = (f: () => unknown) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const floatMs: number[] = [], intMs: number[] = [], codesMs: number[] = [];
let guard = 0;
for (let r = 0; r < repeats + 1; r++) {
  const a = time(() => (guard += classesFromScores(decisionFunction(model, test.x))[0]));
  const b = time(() => (guard += integerPredict(im, test.x)[0]));
  const c = time(
    () => (guard += classesFromScores(integerScoresFromCodes(im, pixelCodes, test.x.rows))[0]),
  );
  if (r === 0) continue; // warm-up
  floatMs.push(a);
  intMs.push(b);
  codesMs.push(c);
}
const speed = {
  floatMs: median(floatMs),
  integerMs: median(intMs),
  integerFromCodesMs: median(codesMs),
};
emit({
  section: "speed",
  samples: test.x.rows,
  repeats,
  floatMedianMs: speed.floatMs,
  integerMedianMs: speed.integerMs,
  integerFromCodesMedianMs: speed.integerFromCodesMs,
  speedup: speed.floatMs / speed.integerMs,
  speedupFromCodes: speed.floatMs / speed.integerFromCodesMs,
});
if (guard === -1) log(""); // keeps the timed results observable

// ---- 3. the article's quantizer -----------------------------------------------------------

interface ArticleRow {
  label: string;
  distinct: number;
  codeMin: number;
  codeMax: number;
  bitsNeeded: number;
  zeroed: number;
  accuracy: number;
  oursAccuracy: number;
}
const articleRows: ArticleRow[] = [];
const variants: [string, LogisticModel][] = [
  ["reference model (pixels / 255)", model],
  ["same model for raw pixels 0..255 (weights / 255)", {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v) => v / 255) },
  }],
  ["same model for pixels / 25500 (weights * 100)", {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v) => v * 100) },
  }],
];
const testScaled = (factor: number): Matrix => ({
  ...test.x,
  data: test.x.data.map((v) => v * factor),
});
const inputs = [test.x, testScaled(255), testScaled(0.01)];
variants.forEach(([label, m], k) => {
  const q = uniformQuantization(m.weights.data, 8); // the seed port (lib/article)
  const codes = q.map((v) => Math.round(v * 255));
  let lo = Infinity, hi = -Infinity, zeroed = 0;
  for (let i = 0; i < codes.length; i++) {
    lo = Math.min(lo, codes[i]);
    hi = Math.max(hi, codes[i]);
    if (codes[i] === 0 && m.weights.data[i] !== 0) zeroed++;
  }
  const distinct = new Set(q).size;
  const x = inputs[k];
  const accArticle = accuracy(test.y, predict({ ...m, weights: { ...m.weights, data: q } }, x));
  const oursAccuracy = accuracy(
    test.y,
    predict(dequantizeModel(quantizeModel(m, { method: { kind: "uniform", bits: 8 } })), x),
  );
  const row = {
    label,
    distinct,
    codeMin: lo,
    codeMax: hi,
    bitsNeeded: Math.ceil(Math.log2(hi - lo + 1)),
    zeroed,
    accuracy: accArticle,
    oursAccuracy,
  };
  articleRows.push(row);
  emit({ section: "article", ...row, weights: codes.length });
});

// ---- report ------------------------------------------------------------------------------

if (!json) {
  const out: string[] = [];
  out.push(
    `Fashion-MNIST, dense reference model: test accuracy ${percent(floatAccuracy)}, ` +
      `${float32Bytes} bytes of float32 weights (${model.weights.rows} x ${model.weights.cols})`,
    "",
    "1. Test accuracy after quantization (in brackets: its difference from float in points, " +
      "negative when it is lower; bytes = bit-packed codes + " +
      "scales/zero points/codebooks; bias kept in float32)",
    "",
  );
  const find = (name: string, scheme: string, bits: number, g: string, cal: string, q: boolean) =>
    rows.find((r) =>
      r.config.name === name && r.config.scheme === scheme && r.config.bits === bits &&
      r.config.granularity === g && r.config.calibration === cal && r.config.qat === q
    );
  const cell = (r: AccuracyRow | undefined) =>
    r
      ? `${(r.accuracy * 100).toFixed(2)} (${((r.accuracy - floatAccuracy) * 100).toFixed(2)})`
      : "-";
  const lines: { label: string; name: string; scheme: string; cal: string; q: boolean }[] = [];
  for (const scheme of ["symmetric", "affine"]) {
    for (const cal of CALIBRATIONS.map(calName)) {
      lines.push({ label: `uniform ${scheme} ${cal} PTQ`, name: "uniform", scheme, cal, q: false });
    }
    if (qat) {
      lines.push({ label: `uniform ${scheme} QAT`, name: "uniform", scheme, cal: "mse", q: true });
    }
  }
  lines.push({ label: "log2 mse PTQ", name: "log2", scheme: "-", cal: "mse", q: false });
  if (qat) lines.push({ label: "log2 QAT", name: "log2", scheme: "-", cal: "mse", q: true });
  lines.push({ label: "k-means++ PTQ", name: "kmeans", scheme: "-", cal: "kmeans++", q: false });
  lines.push({ label: "k-means linear PTQ", name: "kmeans", scheme: "-", cal: "linear", q: false });
  if (qat) {
    lines.push({ label: "k-means trained", name: "kmeans", scheme: "-", cal: "kmeans++", q: true });
  }
  for (const g of GRANULARITIES) {
    out.push(`granularity: ${g}`);
    const table = lines.map((l) => [
      l.label,
      ...BITS.map((b) => cell(find(l.name, l.scheme, b, g, l.cal, l.q))),
    ]).filter((r) => r.slice(1).some((c) => c !== "-"));
    out.push(formatTable(["method", ...BITS.map((b) => `${b}-bit`)], table), "");
  }
  const f16 = rows.find((r) => r.config.name === "float16")!;
  out.push(`float16: ${cell(f16)}, ${f16.bytes.weightBytes} bytes`, "");
  out.push("weight bytes (compression vs float32)");
  const bytesRow = (name: string, scheme: string, g: string, cal: string) => [
    `${name} ${scheme === "-" ? "" : scheme + " "}${g}`,
    ...BITS.map((b) => {
      const r = find(name, scheme, b, g, cal, false);
      return r ? `${r.bytes.weightBytes} (${r.bytes.compression.toFixed(1)}x)` : "-";
    }),
  ];
  out.push(
    formatTable(["", ...BITS.map((b) => `${b}-bit`)], [
      bytesRow("uniform", "symmetric", "tensor", "mse"),
      bytesRow("uniform", "symmetric", "class", "mse"),
      bytesRow("uniform", "affine", "class", "mse"),
      bytesRow("uniform", "symmetric", "feature", "mse"),
      bytesRow("uniform", "affine", "feature", "mse"),
      bytesRow("kmeans", "-", "tensor", "kmeans++"),
      bytesRow("kmeans", "-", "class", "kmeans++"),
    ]),
    "",
  );
  out.push("2. Integer-only inference (uint8 inputs with calibrated scale, int32 accumulation)");
  out.push(
    formatTable(
      ["weights", "agreement with dequantized", "integer accuracy", "dequantized accuracy"],
      integerRows.map((r) => [
        r.label,
        percent(r.agreement),
        percent(r.integerAccuracy),
        percent(r.dequantizedAccuracy),
      ]),
    ),
    "",
    `speed on the ${test.x.rows} test images (medians of ${repeats} interleaved runs, ` +
      `${integerRows[0].label}):`,
    formatTable(["path", "median ms", "speed-up vs float"], [
      ["float (decisionFunction, float32 wasm kernel)", speed.floatMs.toFixed(1), "1.00x"],
      [
        "integer-only, from float inputs",
        speed.integerMs.toFixed(1),
        `${(speed.floatMs / speed.integerMs).toFixed(2)}x`,
      ],
      [
        "integer-only, from uint8 pixel codes",
        speed.integerFromCodesMs.toFixed(1),
        `${(speed.floatMs / speed.integerFromCodesMs).toFixed(2)}x`,
      ],
    ]),
    "",
    "3. The article's 'uniform quantization' round(w * 255) / 255 (a fixed grid of step 1/255, " +
      "no scale, no clipping)",
    formatTable(
      [
        "weights",
        "distinct values",
        "integer range",
        "bits needed",
        "weights zeroed",
        "accuracy",
        "ours 8-bit",
      ],
      articleRows.map((r) => [
        r.label,
        String(r.distinct),
        `${r.codeMin}..${r.codeMax}`,
        String(r.bitsNeeded),
        String(r.zeroed),
        percent(r.accuracy),
        percent(r.oursAccuracy),
      ]),
    ),
  );
  console.log(out.join("\n"));
}
