/// <reference lib="dom" />
/**
 * `deno task bench:browser [--rounds N] [--rows N] [--calls N] [--json]`: the lite browser bundle
 * (`build:browser-lite`, lib/browser_lite.ts: the float64 TypeScript reference only) against the
 * full one (`build:browser`, lib/browser.ts: with the WebAssembly kernels), side by side in one
 * page of headless Chromium.
 *
 * Both bundles are built by their tasks' own commands (one after the other) into a temporary
 * folder and served beside an empty page of a cross-origin-isolated site (so that
 * `performance.now()` is precise to microseconds); every other request is blocked, and the run
 * fails if there was one. The page imports both, decodes the same two `.lrc` files with each, and
 * times `predict` (dense float model) and `quantizedPredict` (8-bit integer-only model) on
 * float32 inputs, for three implementations: the full bundle with `backend: "auto"`, the full
 * bundle with `backend: "ts"` (a control: it runs the lite bundle's code) and the lite bundle;
 * on one row also each bundle's prepared predictors (`preparePredictor`,
 * `prepareQuantizedPredictor` with `"auto"`, laid out before timing), the one-shot calls' cost
 * of validating and laying out the model per call taken away.
 * Cases: one row (`--calls` calls per round, timed in blocks of 50; a round's figure is the
 * median per call over its blocks) and a batch of `--rows` rows of the Fashion-MNIST test set (one
 * untimed call, then one timed call per round). Each round runs every implementation once per
 * case, in rotating order; the table gives medians over rounds.
 *
 * Models: the benchmarks' dense reference (`_reference.ts`, pinned) and its 8-bit symmetric
 * per-class quantization with `calibrateInput` on the training pixels (`_models.ts`' `int8`).
 * Without Fashion-MNIST the bench says so and runs on the embedded digits instead (64 features;
 * the 1,797 images repeated up to `--rows`, a model fitted on them in a few seconds).
 *
 * Labels are checked: the full bundle's "auto" labels must equal Deno's `backend: "auto"` ones, the
 * lite bundle's and the full bundle's "ts" labels Deno's `backend: "ts"` ones, and on the
 * integer-only model all of them must agree; the dense model's "auto" against "ts" disagreements
 * (float32 rounding of near ties) are counted and printed.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { formatTable, int, percent } from "../../lib/cli/format.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import { takeRows, toFloat32 } from "../../lib/core/matrix.ts";
import type { Dataset } from "../../lib/data/dataset.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { hasFashionMnist, loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { quantizedPredict } from "../../lib/quant/predictor.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";
import { benchArgs } from "./_args.ts";
import { int8Model } from "./_models.ts";
import { referenceModel } from "./_reference.ts";
import { median, reportLoadAverage } from "./_stats.ts";

const TASK = "bench:browser";
const args = benchArgs(
  TASK,
  "The lite browser bundle (TypeScript reference only) against the full one (wasm kernels) in " +
    "headless Chromium: one-row latency and a batch of test images, dense float and 8-bit " +
    "integer-only models; the bundles' sizes.",
  {
    rounds: { type: "string", value: "N", help: "interleaved rounds", default: "7" },
    rows: {
      type: "string",
      value: "N",
      help: "rows of the batch case (Fashion-MNIST has 10,000 test images)",
      default: "10000",
    },
    calls: {
      type: "string",
      value: "N",
      help: "one-row calls per implementation and round (timed in blocks of 50; rounded up to one)",
      default: "2000",
    },
  },
);
const json = args.flag("json");
const ROUNDS = args.integer("rounds", 1, 1000);
const ROWS = args.integer("rows", 1, 10_000);
const BLOCK = 50;
// Timed in whole blocks: a count between two multiples of 50 runs (and reports) the next one.
const CALLS = Math.ceil(args.integer("calls", 50, 1_000_000) / BLOCK) * BLOCK;
// Loaded after the arguments are checked: playwright-core takes a while to load.
const { browserUnavailable, launchChromium } = await import("../_helpers/browser.ts");
const unavailable = browserUnavailable();
if (unavailable !== null) {
  console.error(`${TASK} needs Chromium: ${unavailable}`);
  Deno.exit(1);
}
reportLoadAverage(TASK);
const log = (line: string) => console.error(line);
const rows: Record<string, unknown>[] = [];
const emit = (row: Record<string, unknown>) => rows.push({ bench: TASK.slice(6), ...row });

// ---- bundles ---------------------------------------------------------------------------------

const ROOT = new URL("../../", import.meta.url).pathname;
const BUNDLES = [
  { name: "full", task: "build:browser", file: "lrcompress.js" },
  { name: "lite", task: "build:browser-lite", file: "lrcompress-lite.js" },
] as const;

/** Builds a bundle with its task's own command (from deno.json) into `out`. */
async function build(task: string, out: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const [deno, ...rest] = (config.tasks[task] as string).split(" ");
  if (deno !== "deno") throw new Error(`${TASK}: task ${task} does not run deno`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: [...rest, "-o", out],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (r.code !== 0) {
    throw new Error(`${TASK}: deno task ${task} failed: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/** Bytes of `gzip -c` (the command the README quotes). */
async function gzipBytes(path: string): Promise<number> {
  const r = await new Deno.Command("gzip", { args: ["-c", path], stdout: "piped" }).output();
  if (r.code !== 0) throw new Error(`${TASK}: gzip -c ${path} failed`);
  return r.stdout.length;
}

const dir = await Deno.makeTempDir({ prefix: "lrc_bench_browser_" });
const code: Record<string, string> = {};
const sizes: { bundle: string; bytes: number; gzipBytes: number }[] = [];
try {
  // One at a time: two `deno bundle` processes race on a fresh cache's esbuild install.
  for (const b of BUNDLES) {
    const t0 = performance.now();
    await build(b.task, `${dir}/${b.file}`);
    code[b.name] = await Deno.readTextFile(`${dir}/${b.file}`);
    const size = {
      bundle: b.name,
      bytes: (await Deno.stat(`${dir}/${b.file}`)).size,
      gzipBytes: await gzipBytes(`${dir}/${b.file}`),
    };
    sizes.push(size);
    emit({ section: "bundle", task: b.task, ...size });
    log(
      `built ${b.file} (deno task ${b.task}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

// ---- data and models ---------------------------------------------------------------------------

interface Data {
  source: string;
  /** The batch, float32. */
  x: Matrix<Float32Array>;
  y: Int32Array;
  dense: LogisticModel;
  int8: QuantizedModel;
  /** What the accuracy is measured on. */
  accuracyOn: string;
}

async function fashion(): Promise<Data> {
  const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
  const ref = await referenceModel(train, { log });
  const idx = Int32Array.from({ length: ROWS }, (_, i) => i);
  return {
    source: "Fashion-MNIST",
    x: toFloat32(takeRows(test.x, idx)),
    y: test.y.slice(0, ROWS),
    dense: ref.model,
    int8: int8Model(ref.model, train),
    accuracyOn: `the first ${int(ROWS)} test images`,
  };
}

async function digits(): Promise<Data> {
  const d: Dataset = await loadEmbedded("digits");
  const { model } = fit(d.x, d.y, {
    classes: d.classes,
    featureNames: d.featureNames,
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 100 },
  });
  // The images repeated up to the batch's row count.
  const idx = Int32Array.from({ length: ROWS }, (_, i) => i % d.x.rows);
  return {
    source: "embedded digits",
    x: toFloat32(takeRows(d.x, idx)),
    y: Int32Array.from(idx, (i) => d.y[i]),
    dense: model,
    int8: int8Model(model, d),
    accuracyOn: `${int(ROWS)} training images (the 1,797 repeated)`,
  };
}

const fashionMissing = !hasFashionMnist();
if (fashionMissing) {
  log(
    `${TASK}: Fashion-MNIST not found (sudo apt-get install dataset-fashion-mnist, or set ` +
      "LRC_FASHION_MNIST_DIR): running on the embedded digits instead (64 features)",
  );
}
const data = fashionMissing ? await digits() : await fashion();
const { x } = data;
const files = { dense: encodeModel(data.dense), int8: encodeModel(data.int8) };
// Deno's labels from the very bytes the page reads.
const denseModel = decodeModel(files.dense) as LogisticModel;
const int8 = decodeModel(files.int8) as QuantizedModel;
const deno = {
  dense: { auto: predict(denseModel, x), ts: predict(denseModel, x, { backend: "ts" }) },
  int8: { auto: quantizedPredict(int8, x), ts: quantizedPredict(int8, x, { backend: "ts" }) },
};

// ---- the page ----------------------------------------------------------------------------------

const IMPLS = ["full, auto", "full, ts", "lite", "full, prepared", "lite, prepared"] as const;
type Impl = typeof IMPLS[number];
/** Prepared predictors (laid out once, before timing): timed on one row only. */
const PREPARED: readonly Impl[] = ["full, prepared", "lite, prepared"];
/** The implementations timed on a case. */
const implsOf = (batch: boolean) => IMPLS.filter((i) => !batch || !PREPARED.includes(i));
const MODELS = ["dense", "int8"] as const;
type ModelName = typeof MODELS[number];
const MODEL_LABEL: Record<ModelName, string> = {
  dense: "dense float",
  int8: "8-bit integer-only",
};

const browser = await launchChromium();
const failures: string[] = [];
try {
  const page = await browser.newPage();
  const blocked: string[] = [];
  const headers = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
  };
  const served: Record<string, { type: string; body: string | Buffer }> = {
    "/": { type: "text/html", body: "<!doctype html><title>lrc bench</title>" },
    "/lrcompress.js": { type: "text/javascript", body: code.full },
    "/lrcompress-lite.js": { type: "text/javascript", body: code.lite },
    "/x.bin": {
      type: "application/octet-stream",
      body: Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength),
    },
    "/dense.lrc": { type: "application/octet-stream", body: Buffer.from(files.dense) },
    "/int8.lrc": { type: "application/octet-stream", body: Buffer.from(files.int8) },
  };
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const file = url.origin === "https://lrc.test" ? served[url.pathname] : undefined;
    if (file === undefined) {
      blocked.push(url.href);
      return route.abort();
    }
    return route.fulfill({ contentType: file.type, headers, body: file.body });
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("https://lrc.test/");
  const setup = await page.evaluate(async ([rows, cols]) => {
    const [full, lite] = await Promise.all([
      import("/lrcompress.js"),
      import("/lrcompress-lite.js"),
    ]);
    const bytes = async (path: string) => new Uint8Array(await (await fetch(path)).arrayBuffer());
    const data = new Float32Array((await bytes("/x.bin")).buffer);
    const files = { dense: await bytes("/dense.lrc"), int8: await bytes("/int8.lrc") };
    // deno-lint-ignore no-explicit-any
    const impl = (L: any, backend: string, prepared = false) => {
      const models = { dense: L.decodeModel(files.dense), int8: L.decodeModel(files.int8) };
      // Laid out once, as a page scoring row after row would (never closed: the page is).
      const predictors = prepared
        ? {
          dense: L.preparePredictor(models.dense, { backend }),
          int8: L.prepareQuantizedPredictor(models.int8, { backend }),
        }
        : null;
      const call = (model: "dense" | "int8", x: unknown): Int32Array =>
        predictors !== null
          ? predictors[model].predict(x)
          : model === "dense"
          ? L.predict(models.dense, x, { backend })
          : L.quantizedPredict(models.int8, x, { backend });
      return {
        call,
        batch: L.matrix(data, rows, cols),
        one: L.matrix(data.slice(0, cols), 1, cols),
      };
    };
    // deno-lint-ignore no-explicit-any
    (globalThis as any).lrcBench = {
      impls: {
        "full, auto": impl(full, "auto"),
        "full, ts": impl(full, "ts"),
        lite: impl(lite, "auto"),
        "full, prepared": impl(full, "auto", true),
        "lite, prepared": impl(lite, "auto", true),
      },
      sink: 0,
    };
    return { isolated: globalThis.crossOriginIsolated, userAgent: navigator.userAgent };
  }, [x.rows, x.cols] as const);
  emit({ section: "page", userAgent: setup.userAgent, crossOriginIsolated: setup.isolated });
  if (!setup.isolated) log(`${TASK}: the page is not cross-origin isolated: timers are coarse`);

  // Labels, before any timing: a bundle that predicts otherwise is not measured.
  const pageLabels = await page.evaluate(([impls, models]) => {
    // deno-lint-ignore no-explicit-any
    const b = (globalThis as any).lrcBench;
    return impls.map((impl) =>
      models.map((m) => ({
        batch: Array.from(b.impls[impl].call(m, b.impls[impl].batch) as Int32Array),
        one: Array.from(b.impls[impl].call(m, b.impls[impl].one) as Int32Array),
      }))
    );
  }, [IMPLS, MODELS] as const);
  const disagreements: Record<ModelName, number> = { dense: 0, int8: 0 };
  MODELS.forEach((m, j) => {
    IMPLS.forEach((impl, i) => {
      // The full bundle's prepared predictor scores float32 rows on the kernels, one row too.
      const kernels = impl === "full, auto" || impl === "full, prepared";
      const expected = kernels ? deno[m].auto : deno[m].ts;
      const got = pageLabels[i][j];
      let differ = 0;
      for (let r = 0; r < x.rows; r++) if (got.batch[r] !== expected[r]) differ++;
      if (differ > 0 || got.batch.length !== x.rows) {
        failures.push(
          `${impl}, ${MODEL_LABEL[m]}: ${differ} of ${x.rows} labels differ from Deno's ` +
            `backend ${kernels ? "auto" : "ts"}`,
        );
      }
      const one = impl === "full, prepared" ? deno[m].auto[0] : deno[m].ts[0];
      if (got.one.length !== 1 || got.one[0] !== one) {
        failures.push(`${impl}, ${MODEL_LABEL[m]}: the one-row label ${got.one} is not Deno's`);
      }
    });
    for (let r = 0; r < x.rows; r++) if (deno[m].auto[r] !== deno[m].ts[r]) disagreements[m]++;
  });
  if (disagreements.int8 > 0) {
    failures.push(`8-bit integer-only: ${disagreements.int8} labels differ between auto and ts`);
  }
  if (failures.length > 0) throw new Error(`${TASK}: labels disagree:\n${failures.join("\n")}`);
  for (const m of MODELS) {
    const acc = accuracy(data.y, deno[m].ts);
    emit({
      section: "model",
      model: m,
      data: data.source,
      rows: x.rows,
      features: x.cols,
      accuracy: acc,
      fileBytes: files[m].length,
      autoTsDisagreements: disagreements[m],
    });
    log(
      `${MODEL_LABEL[m]} model: ${files[m].length} bytes as .lrc, accuracy ${
        percent(acc)
      } on ${data.accuracyOn}; labels of the full bundle's kernels and of the reference ` +
        `differ on ${disagreements[m]} rows`,
    );
  }

  // ---- timing ----------------------------------------------------------------------------------

  /** One round's time of one implementation on one case, in ms per call. */
  const time = (impl: Impl, model: ModelName, batch: boolean): Promise<number> =>
    page.evaluate(([impl, model, batch, calls, block]) => {
      // deno-lint-ignore no-explicit-any
      const b = (globalThis as any).lrcBench;
      const it = b.impls[impl];
      if (batch) {
        b.sink += it.call(model, it.batch)[0]; // untimed: JIT and first touch
        const t0 = performance.now();
        b.sink += it.call(model, it.batch)[0];
        return performance.now() - t0;
      }
      for (let i = 0; i < block; i++) b.sink += it.call(model, it.one)[0];
      const perCall: number[] = [];
      for (let done = 0; done < calls; done += block) {
        const t0 = performance.now();
        for (let i = 0; i < block; i++) b.sink += it.call(model, it.one)[0];
        perCall.push((performance.now() - t0) / block);
      }
      perCall.sort((p, q) => p - q);
      const h = perCall.length >> 1;
      return perCall.length % 2 ? perCall[h] : (perCall[h - 1] + perCall[h]) / 2;
    }, [impl, model, batch, CALLS, BLOCK] as const);

  const cases = MODELS.flatMap((model) => [false, true].map((batch) => ({ model, batch })));
  const times = new Map<string, number[]>();
  const key = (impl: Impl, model: ModelName, batch: boolean) => `${impl}|${model}|${batch}`;
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const { model, batch } of cases) {
      const impls = implsOf(batch);
      for (let i = 0; i < impls.length; i++) {
        const impl = impls[(i + round) % impls.length];
        const ms = await time(impl, model, batch);
        const k = key(impl, model, batch);
        times.set(k, [...(times.get(k) ?? []), ms]);
      }
    }
    log(
      `round ${round + 1}/${ROUNDS} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  if (errors.length > 0) throw new Error(`${TASK}: the page failed: ${errors.join("; ")}`);
  if (blocked.length > 0) throw new Error(`${TASK}: the page requested ${blocked.join(", ")}`);

  const table: string[][] = [];
  for (const { model, batch } of cases) {
    const n = batch ? x.rows : 1;
    const base = median(times.get(key("full, auto", model, batch))!);
    for (const impl of implsOf(batch)) {
      const ms = median(times.get(key(impl, model, batch))!);
      emit({
        section: "timing",
        data: data.source,
        model,
        case: batch ? "batch" : "one row",
        rows: n,
        features: x.cols,
        impl,
        medianMs: ms,
        ratioToFullAuto: ms / base,
        rowsPerSecond: n / (ms / 1000),
        rounds: ROUNDS,
        callsPerRound: batch ? 1 : CALLS,
      });
      table.push([
        `${MODEL_LABEL[model]}, ${batch ? `${int(n)} rows` : "one row"}`,
        impl,
        batch ? ms.toFixed(2) : ms.toFixed(4),
        `${(ms / base).toFixed(2)}x`,
        int(Math.round(n / (ms / 1000))),
      ]);
    }
  }
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
  } else {
    console.log(
      [
        `Bundles (deno task build:browser / build:browser-lite; gzip -c):`,
        formatTable(
          ["bundle", "bytes", "gzipped"],
          sizes.map((s) => [s.bundle, int(s.bytes), int(s.gzipBytes)]),
        ),
        "",
        `${setup.userAgent}`,
        `${data.source}, ${x.cols} float32 features; predict (dense) and quantizedPredict ` +
        `(int8) in one page; medians of ${ROUNDS} rounds in rotating order; one row: ` +
        `${int(CALLS)} calls per round in blocks of ${BLOCK}`,
        formatTable(
          ["case", "implementation", "median ms", "vs full, auto", "rows/s"],
          table,
        ),
      ].join("\n"),
    );
  }
} finally {
  await browser.close();
}
