/**
 * `deno task bench:service [--requests N] [--rows LIST] [--forms LIST] [--json]`: a service that
 * scores request after request, each a one-shot call on a few rows, for every model form the
 * library scores on a kernel of its own: dense float, 90 % magnitude-pruned float (sparse
 * kernel), uniform int8 per class with input calibration (integer-only), uniform int8 per class
 * without calibration (float32 weights of the dequantized model), 4-bit k-means per class (16
 * levels, packed 4-bit lookup) and uniform 4-bit per class without calibration (packed 4-bit
 * lookup).
 *
 * Each form, request size (`--rows`, default 1 and 32) and way of calling runs in a fresh
 * process of its own, so that its resident memory is its own: `--requests` requests (default
 * 20,000), each a new float32 array of the next test images (cycling through them), scored by
 * the one-shot call a service would make (`predict(model, x)` for float models,
 * `quantizedPredict(q, x)` for quantized ones, with the default backend), or by a predictor
 * prepared once before the loop (`preparePredictor` / `prepareQuantizedPredictor`, then
 * `p.predict(x)`). Each request is timed alone; the table gives the median and the 99th
 * percentile in microseconds, their ratios one-shot / prepared, and the process's resident set
 * size (VmRSS) right before the first request (after a full garbage collection; the prepared
 * predictor is made after it), right after the last, and the highest of the samples taken every
 * 250 requests (outside the timed calls).
 *
 * Data: the 10,000 Fashion-MNIST test images (pixels / 255) and the benchmarks' models
 * (`_models.ts`; the uncalibrated forms are `quantizeModel` of the same dense reference); without
 * Fashion-MNIST the bench says so and runs on the embedded digits (1,797 images, 64 features,
 * models fitted on them in a few seconds). The models reach the processes as `.lrc` files.
 *
 * Labels are checked: the one-shot and the prepared loop must give every request the same
 * labels. A one-shot call below 2^13 multiply-adds runs the float64 TypeScript reference (the
 * `"auto"` backend; the table's "one-shot path" says which), while a prepared float or lookup
 * predictor runs float32 kernels: a label they disagree on is accepted only when the reference's
 * two scores are within 1e-4 of each other (a near tie float32 rounding may flip), and counted.
 * Integer-only scores are exact on either path, so there no disagreement is accepted. Any other
 * disagreement ends the run with exit code 1.
 *
 * @module
 */

import { count, formatTable, int } from "../../lib/cli/format.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { toFloat32 } from "../../lib/core/matrix.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { hasFashionMnist, loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { PREDICT_WASM_MIN_WORK } from "../../lib/model/kernel_scores.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { fineTune } from "../../lib/prune/retrain.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import { prepareQuantizedPredictor, quantizedPredict } from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { benchArgs } from "./_args.ts";
import { benchModels, int8Model } from "./_models.ts";
import { median, reportLoadAverage } from "./_stats.ts";

const TASK = "bench:service";

/** The model forms, in table order. */
const FORMS = {
  dense: "dense float",
  pruned: "90 % magnitude-pruned float",
  int8: "int8 per class, input-calibrated (integer-only)",
  "int8-uncalibrated": "int8 per class, no input calibration",
  kmeans: "4-bit k-means per class (16 levels)",
  "uniform4": "uniform 4-bit per class, no input calibration (packed)",
} as const;
type Form = keyof typeof FORMS;
const FORM_NAMES = Object.keys(FORMS) as Form[];
const MODES = ["one-shot", "prepared"] as const;
type Mode = typeof MODES[number];

/** What a measuring process is told (`--child JSON`, internal). */
interface ChildSpec {
  model: string;
  x: string;
  labels: string;
  rows: number;
  cols: number;
  /** Rows per request. */
  batch: number;
  requests: number;
  mode: Mode;
}

/** What a measuring process reports. */
interface ChildResult {
  medianUs: number;
  p99Us: number;
  meanUs: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPeakSampledBytes: number;
  prepareMs: number;
  kernel: string;
}

const SAMPLE_EVERY = 250;

function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) * 1024 : Deno.memoryUsage().rss;
}

/** The `q`-quantile of sorted values (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function child(spec: ChildSpec): Promise<void> {
  const stored = decodeModel(await Deno.readFile(spec.model));
  const bytes = await Deno.readFile(spec.x);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, spec.rows * spec.cols);
  const quantized = stored.kind === "quantized-logistic-regression";
  const { batch, cols, requests } = spec;
  const labels = new Int32Array(requests * batch);
  const times = new Float64Array(requests);
  // deno-lint-ignore no-explicit-any
  (globalThis as any).gc?.();
  const rssBeforeBytes = rssBytes();
  let peak = rssBeforeBytes;
  const t0 = performance.now();
  const prepared = spec.mode === "one-shot"
    ? null
    : quantized
    ? prepareQuantizedPredictor(stored as QuantizedModel)
    : preparePredictor(stored as LogisticModel);
  const prepareMs = performance.now() - t0;
  const oneShot = quantized
    ? (x: Matrix) => quantizedPredict(stored as QuantizedModel, x)
    : (x: Matrix) => predict(stored as LogisticModel, x);
  const call = prepared === null ? oneShot : (x: Matrix) => prepared.predict(x);
  let at = 0;
  for (let r = 0; r < requests; r++) {
    // A request's rows arrive in memory of their own.
    const data = new Float32Array(batch * cols);
    for (let i = 0; i < batch; i++) {
      data.set(all.subarray(at * cols, (at + 1) * cols), i * cols);
      at = (at + 1) % spec.rows;
    }
    const x = { data, rows: batch, cols };
    const s = performance.now();
    const out = call(x);
    times[r] = performance.now() - s;
    labels.set(out, r * batch);
    if (r % SAMPLE_EVERY === SAMPLE_EVERY - 1) peak = Math.max(peak, rssBytes());
  }
  const rssAfterBytes = rssBytes();
  const kernel = prepared?.kernel ?? "";
  prepared?.close();
  await Deno.writeFile(spec.labels, new Uint8Array(labels.buffer));
  const sorted = times.slice().sort();
  const result: ChildResult = {
    medianUs: 1000 * median(Array.from(sorted)),
    p99Us: 1000 * quantile(sorted, 0.99),
    meanUs: 1000 * sorted.reduce((a, b) => a + b, 0) / requests,
    rssBeforeBytes,
    rssAfterBytes,
    rssPeakSampledBytes: Math.max(peak, rssAfterBytes),
    prepareMs,
    kernel,
  };
  console.log(JSON.stringify(result));
}

if (Deno.args[0] === "--child") {
  let spec: ChildSpec | null = null;
  try {
    spec = JSON.parse(Deno.args[1] ?? "");
  } catch {
    // Reported below.
  }
  if (spec === null || typeof spec !== "object" || !MODES.includes(spec.mode)) {
    console.error(
      `${TASK}: --child is internal: --child JSON, a loop's settings (got '${Deno.args[1]}')`,
    );
    Deno.exit(2);
  }
  await child(spec);
  Deno.exit(0);
}

const args = benchArgs(
  TASK,
  "A service loop of one-shot requests (predict / quantizedPredict on a few rows) against the " +
    "same loop through a prepared predictor, for each model form, each in a fresh process: " +
    "per-request median and p99 latency, resident memory before, after and during.",
  {
    requests: {
      type: "string",
      value: "N",
      help: "requests per loop",
      default: "20000",
    },
    rows: {
      type: "string",
      value: "LIST",
      help: "rows per request, comma-separated",
      default: "1,32",
    },
    forms: {
      type: "string",
      value: "LIST",
      help: `model forms, comma-separated (${FORM_NAMES.join(", ")})`,
      default: FORM_NAMES.join(","),
    },
  },
);
const json = args.flag("json");
const REQUESTS = args.integer("requests", 1, 10_000_000);
const BATCHES = [...new Set(args.numbers("rows", 1, 10_000))];
for (const b of BATCHES) {
  if (!Number.isInteger(b)) {
    console.error(
      `${TASK}: --rows must be a list of integers in [1, 10000], got '${b}' ` +
        `(deno task ${TASK} --help lists the options)`,
    );
    Deno.exit(2);
  }
}
const chosen = args.choices("forms", FORM_NAMES, "form");
const forms = FORM_NAMES.filter((f) => chosen.has(f));
reportLoadAverage(TASK);
const log = (line: string) => console.error(line);

// ---- data and models ---------------------------------------------------------------------------

interface Data {
  source: string;
  x: Matrix<Float32Array>;
  models: Record<Form, LogisticModel | QuantizedModel>;
}

/** The quantized forms every data set shares, from its dense model. */
function uncalibrated(dense: LogisticModel) {
  return {
    "int8-uncalibrated": quantizeModel(dense, {
      method: { kind: "uniform", bits: 8, granularity: "class" },
    }),
    uniform4: quantizeModel(dense, { method: { kind: "uniform", bits: 4, granularity: "class" } }),
  };
}

async function fashion(): Promise<Data> {
  const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
  const m = await benchModels(train);
  return {
    source: "Fashion-MNIST",
    x: toFloat32(test.x),
    models: {
      dense: m.dense,
      pruned: m.pruned,
      int8: m.int8,
      kmeans: m.kmeans4,
      ...uncalibrated(m.dense),
    },
  };
}

async function digits(): Promise<Data> {
  const d: Dataset = await loadEmbedded("digits");
  const penalty = { kind: "l2", lambda: 1e-3 } as const;
  const { model } = fit(d.x, d.y, {
    classes: d.classes,
    featureNames: d.featureNames,
    preprocessing: "none",
    penalty,
    optimizer: { kind: "lbfgs", maxIterations: 100 },
  });
  const pruned = fineTune(pruneModel(model, { fraction: 0.9 }), d, {
    penalty,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  }).model;
  return {
    source: "embedded digits",
    x: toFloat32(d.x),
    models: {
      dense: model,
      pruned,
      int8: int8Model(model, d),
      kmeans: quantizeModel(model, { method: { kind: "kmeans", bits: 4, granularity: "class" } }),
      ...uncalibrated(model),
    },
  };
}

if (!hasFashionMnist()) {
  log(
    `${TASK}: Fashion-MNIST not found (sudo apt-get install dataset-fashion-mnist, or set ` +
      "LRC_FASHION_MNIST_DIR): running on the embedded digits instead (64 features)",
  );
}
const data = hasFashionMnist() ? await fashion() : await digits();
const { x } = data;
const k = (m: LogisticModel | QuantizedModel) => m.weights.rows;

// ---- the loops ---------------------------------------------------------------------------------

const dir = await Deno.makeTempDir({ prefix: "lrc_bench_service_" });
const results = new Map<string, ChildResult>();
const labelsOf = new Map<string, Int32Array>();
const key = (form: Form, batch: number, mode: Mode) => `${form}|${batch}|${mode}`;
const rows: Record<string, unknown>[] = [];
let failed = false;
try {
  await Deno.writeFile(
    `${dir}/x.f32`,
    new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength),
  );
  const decoded = new Map<Form, LogisticModel | QuantizedModel>();
  for (const form of forms) {
    const bytes = encodeModel(data.models[form]);
    await Deno.writeFile(`${dir}/${form}.lrc`, bytes);
    // Labels are checked against the very model the processes read.
    decoded.set(form, decodeModel(bytes) as LogisticModel | QuantizedModel);
  }
  const started = performance.now();
  for (const form of forms) {
    for (const batch of BATCHES) {
      for (const mode of MODES) {
        const spec: ChildSpec = {
          model: `${dir}/${form}.lrc`,
          x: `${dir}/x.f32`,
          labels: `${dir}/${form}_${batch}_${mode}.labels`,
          rows: x.rows,
          cols: x.cols,
          batch,
          requests: REQUESTS,
          mode,
        };
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            // All: Deno reads /proc/self/status (VmRSS) only with every permission.
            "-A",
            "--v8-flags=--expose-gc",
            new URL(import.meta.url).pathname,
            "--child",
            JSON.stringify(spec),
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        if (!out.success) {
          throw new Error(
            `${TASK}: the ${mode} loop of ${form} (${batch} rows) failed: ${
              new TextDecoder().decode(out.stderr)
            }`,
          );
        }
        const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
        results.set(key(form, batch, mode), JSON.parse(lines.at(-1)!));
        const raw = await Deno.readFile(spec.labels);
        labelsOf.set(key(form, batch, mode), new Int32Array(raw.buffer, 0, raw.length / 4));
      }
      log(
        `${form}, ${count(batch, "row")} per request: done (${
          ((performance.now() - started) / 1000).toFixed(0)
        } s)`,
      );
    }
  }

  // ---- label checks and rows -------------------------------------------------------------------

  for (const form of forms) {
    const model = decoded.get(form)!;
    const quantized = model.kind === "quantized-logistic-regression";
    const integerOnly = quantized && (model as QuantizedModel).input !== undefined &&
      (model as QuantizedModel).bias.kind === "int32";
    const reference = quantized ? dequantizeModel(model as QuantizedModel) : model as LogisticModel;
    for (const batch of BATCHES) {
      const a = labelsOf.get(key(form, batch, "one-shot"))!;
      const b = labelsOf.get(key(form, batch, "prepared"))!;
      let nearTies = 0, wrong = 0;
      for (let i = 0; i < a.length; i++) {
        if (a[i] === b[i]) continue;
        // Request r's j-th row is image (r * batch + j) mod the image count, i.e. i mod it.
        const image = i % x.rows;
        const row = {
          data: x.data.slice(image * x.cols, (image + 1) * x.cols),
          rows: 1,
          cols: x.cols,
        };
        const s = decisionFunction(reference, row, { backend: "ts" }).data;
        const gap = s.length === 1 ? Math.abs(s[0]) : Math.abs(s[a[i]] - s[b[i]]);
        if (!integerOnly && gap <= 1e-4) nearTies++;
        else wrong++;
      }
      const one = results.get(key(form, batch, "one-shot"))!;
      const prep = results.get(key(form, batch, "prepared"))!;
      const oneShotKernels = batch * x.cols * k(model) >= PREDICT_WASM_MIN_WORK;
      if (wrong > 0) {
        failed = true;
        log(
          `${TASK}: ${FORMS[form]}, ${count(batch, "row")} per request: one-shot and prepared ` +
            `labels differ on ${count(wrong, "row")} that ${
              wrong === 1 ? "is" : "are"
            } not a near tie`,
        );
      }
      rows.push({
        bench: "service",
        data: data.source,
        form,
        name: FORMS[form],
        preparedKernel: prep.kernel,
        oneShotPath: oneShotKernels ? "kernels" : "TypeScript reference",
        rowsPerRequest: batch,
        features: x.cols,
        requests: REQUESTS,
        oneShotMedianUs: one.medianUs,
        oneShotP99Us: one.p99Us,
        oneShotMeanUs: one.meanUs,
        preparedMedianUs: prep.medianUs,
        preparedP99Us: prep.p99Us,
        preparedMeanUs: prep.meanUs,
        medianRatioOneShotToPrepared: one.medianUs / prep.medianUs,
        p99RatioOneShotToPrepared: one.p99Us / prep.p99Us,
        prepareMs: prep.prepareMs,
        oneShotRssBeforeBytes: one.rssBeforeBytes,
        oneShotRssAfterBytes: one.rssAfterBytes,
        oneShotRssPeakSampledBytes: one.rssPeakSampledBytes,
        preparedRssBeforeBytes: prep.rssBeforeBytes,
        preparedRssAfterBytes: prep.rssAfterBytes,
        preparedRssPeakSampledBytes: prep.rssPeakSampledBytes,
        labelsCompared: a.length,
        nearTieDisagreements: nearTies,
        otherDisagreements: wrong,
        loadAverage: Deno.loadavg()[0],
      });
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

const mib = (b: unknown) => ((b as number) / 2 ** 20).toFixed(0);
const us = (v: unknown) => (v as number).toFixed((v as number) < 100 ? 1 : 0);
if (json) {
  for (const r of rows) console.log(JSON.stringify(r));
} else {
  console.log(
    `${data.source}: ${int(x.rows)} ${
      data.source === "Fashion-MNIST" ? "test " : ""
    }images of ${x.cols} float32 features; ${
      int(REQUESTS)
    } requests per loop, each loop in a fresh process; latency per request in us (median, ` +
      `99th percentile); RSS in MiB before -> after (highest sample); load average ${
        Deno.loadavg()[0].toFixed(2)
      }`,
  );
  console.log(formatTable(
    [
      "model form",
      "rows",
      "kernel (prepared)",
      "one-shot path",
      "one-shot",
      "p99",
      "prepared",
      "p99",
      "one-shot / prepared",
      "p99 ratio",
      "RSS one-shot",
      "RSS prepared",
      "labels",
    ],
    rows.map((r) => [
      r.name as string,
      String(r.rowsPerRequest),
      r.preparedKernel as string,
      r.oneShotPath as string,
      us(r.oneShotMedianUs),
      us(r.oneShotP99Us),
      us(r.preparedMedianUs),
      us(r.preparedP99Us),
      `${(r.medianRatioOneShotToPrepared as number).toFixed(2)} x`,
      `${(r.p99RatioOneShotToPrepared as number).toFixed(2)} x`,
      `${mib(r.oneShotRssBeforeBytes)} -> ${mib(r.oneShotRssAfterBytes)} (${
        mib(r.oneShotRssPeakSampledBytes)
      })`,
      `${mib(r.preparedRssBeforeBytes)} -> ${mib(r.preparedRssAfterBytes)} (${
        mib(r.preparedRssPeakSampledBytes)
      })`,
      (r.otherDisagreements as number) > 0
        ? `${r.otherDisagreements} DIFFER`
        : (r.nearTieDisagreements as number) > 0
        ? `equal but ${r.nearTieDisagreements} near ties`
        : "equal",
    ]),
  ));
}
if (failed) Deno.exit(1);
