/// <reference lib="dom" />
// `deno task build:browser` bundles lib/browser.ts into one ES module; loaded into Chromium with no
// network, it reads .lrc files of every kind and predicts what Deno predicts from them.
// `deno task build:browser-lite` bundles lib/browser_lite.ts, the same names without the kernels: no
// WebAssembly in its text, and in Chromium what Deno's `backend: "ts"` predicts.
import assert from "node:assert/strict";
import { browserUnavailable, launchChromium } from "../_helpers/browser.ts";
import { fromRows, takeRows, toFloat32 } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { decisionFunction, predict, predictLabels, predictProba } from "../../lib/model/predict.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { magnitudeScores } from "../../lib/prune/scores.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import {
  prepareQuantizedPredictor,
  quantizedDecisionFunction,
  quantizedPredict,
  quantizedPredictProba,
} from "../../lib/quant/predictor.ts";
import { preparePredictor } from "../../lib/model/predictor.ts";

const unavailable = browserUnavailable();

const built = new Map<string, Promise<string>>();
/** The build started last, settled or not: the next one waits for it. */
let lastBuild: Promise<void> = Promise.resolve();

/**
 * A bundle's code, built once for this file's tests by the task's own command: `build:browser`
 * (lib/browser.ts) or `build:browser-lite` (lib/browser_lite.ts).
 */
function bundleCode(task = "build:browser"): Promise<string> {
  let code = built.get(task);
  if (code === undefined) {
    // One build at a time: with a fresh DENO_DIR (as in CI) the first `deno bundle` installs
    // esbuild, and two at once raced in that install ("failed to copy esbuild binary").
    code = lastBuild.then(async () => {
      const dir = await Deno.makeTempDir();
      try {
        await buildBundle(task, `${dir}/lrcompress.js`);
        return await Deno.readTextFile(`${dir}/lrcompress.js`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
    lastBuild = code.then(() => {}, () => {});
    built.set(task, code);
  }
  return code;
}

/** Runs a task's own command (from deno.json) with an output file. */
async function buildBundle(task: string, out: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const [deno, ...args] = (config.tasks[task] as string).split(" ");
  assert.equal(deno, "deno");
  const root = new URL("../../", import.meta.url).pathname;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [...args, "-o", out],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
}

// The kernels travel as base64 modules: every one starts with "\0asm", "AGFzbQ" in base64.
const WASM_MARKERS = [/AGFzbQ/, /WebAssembly/];

Deno.test("the lite bundle holds no WebAssembly, which the full bundle holds", async () => {
  const [full, lite] = await Promise.all([
    bundleCode("build:browser"),
    bundleCode("build:browser-lite"),
  ]);
  for (const marker of WASM_MARKERS) {
    assert.match(full, marker);
    assert.doesNotMatch(lite, marker);
  }
  assert.ok(lite.length < full.length / 3, `${lite.length} bytes against ${full.length}`);
});

Deno.test({
  name: `the browser bundle reads every kind of model file and predicts as Deno does${
    unavailable ? ` (skipped: ${unavailable})` : ""
  }`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const browser = await launchChromium();
    try {
      const [code, lite] = await Promise.all([bundleCode(), bundleCode("build:browser-lite")]);
      const digits = await loadEmbedded("digits");
      const x = takeRows(digits.x, Int32Array.from({ length: 200 }, (_, i) => i * 8));
      const { model } = fit(digits.x, digits.y, {
        classes: digits.classes,
        featureNames: digits.featureNames,
        optimizer: { kind: "lbfgs", maxIterations: 60 },
      });
      const raw = fit(digits.x, digits.y, {
        classes: digits.classes,
        featureNames: digits.featureNames,
        preprocessing: "none",
        optimizer: { kind: "lbfgs", maxIterations: 60 },
      }).model;
      const pruned = pruneModel(model, { fraction: 0.8, scores: magnitudeScores(model) });
      const models: [string, StoredModel, boolean][] = [
        ["float, standardised", model, false],
        ["float, 80 % pruned", pruned, false],
        [
          "uniform 4-bit, pruned",
          quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } }),
          false,
        ],
        ["k-means 16 levels", quantizeModel(model, { method: { kind: "kmeans", bits: 4 } }), false],
        ["log2 3-bit", quantizeModel(model, { method: { kind: "log2", bits: 3 } }), false],
        ["float16", quantizeModel(model, { method: { kind: "float16" } }), false],
        [
          "uniform 8-bit, input calibrated (integer-only)",
          calibrateInput(quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }), digits.x),
          false,
        ],
        [
          "uniform 4-bit, pruned, entropy-coded",
          quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } }),
          true,
        ],
      ];
      const files = models.map(([, m, entropy]) => Array.from(encodeModel(m, { entropy })));
      const page = await browser.newPage();
      // A site serving the page and the bundle beside it; any other request is blocked and
      // recorded (a worker script the bundle does not hold, say).
      const blocked: string[] = [];
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.origin === "https://lrc.test" && url.pathname === "/") {
          return route.fulfill({
            contentType: "text/html",
            body: "<!doctype html><title>lrc</title>",
          });
        }
        if (url.origin === "https://lrc.test" && url.pathname === "/lrcompress.js") {
          return route.fulfill({ contentType: "text/javascript", body: code });
        }
        if (url.origin === "https://lrc.test" && url.pathname === "/lrcompress-lite.js") {
          return route.fulfill({ contentType: "text/javascript", body: lite });
        }
        blocked.push(url.href);
        return route.abort();
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto("https://lrc.test/");
      const read = (bundle: string) =>
        page.evaluate(async ([bundle, files, xs, rows, cols]) => {
          // deno-lint-ignore no-explicit-any
          const L: any = await import(bundle);
          const x = L.matrix(Float64Array.from(xs), rows, cols);
          return files.map((bytes) => {
            const model = L.decodeModel(Uint8Array.from(bytes));
            return {
              kind: model.kind as string,
              probabilities: Array.from(L.predictProba(L.asFloatModel(model), x).data as number[]),
              labels: model.kind === "quantized-logistic-regression"
                ? Array.from(L.quantizedPredict(model, x) as number[])
                : Array.from(L.predict(model, x) as number[]),
              stored: L.inspectModelFile(Uint8Array.from(bytes)).info.stored as number,
              exported: Object.keys(L).sort(),
              // A prepared predictor, asked for two threads (a page starts no worker).
              prepared: (() => {
                const p = model.kind === "quantized-logistic-regression"
                  ? L.prepareQuantizedPredictor(model, { threads: 2 })
                  : L.preparePredictor(model, { threads: 2 });
                const probabilities = Array.from(p.predictProba(x).data as number[]);
                const buffer = p.inputBuffer(1);
                const { threads, kernel } = p;
                p.close();
                let closed = "";
                try {
                  p.predict(x);
                } catch (error) {
                  closed = (error as Error).message;
                }
                return { probabilities, threads, kernel, buffer: buffer.constructor.name, closed };
              })(),
            };
          });
        }, [bundle, files, Array.from(x.data), x.rows, x.cols] as const);
      const results = await read("/lrcompress.js");
      // The lite bundle (no kernels) against Deno's float64 TypeScript path, `backend: "ts"`.
      const liteResults = await read("/lrcompress-lite.js");
      assert.deepEqual(errors, []);
      assert.deepEqual(blocked, []);
      const liteNames = Object.keys(await import("../../lib/browser_lite.ts")).sort();
      for (
        const [bundle, got, backend] of [
          ["full", results, "auto"],
          ["lite", liteResults, "ts"],
        ] as const
      ) {
        assert.equal(got.length, models.length);
        if (bundle === "lite") got.forEach((r) => assert.deepEqual(r.exported, liteNames));
        models.forEach(([model, m], i) => {
          const r = got[i], name = `${bundle}: ${model}`;
          assert.equal(r.kind, m.kind, name);
          const expected = predictProba(asFloatModel(m), x, { backend }).data;
          let worst = 0;
          for (let j = 0; j < expected.length; j++) {
            worst = Math.max(worst, Math.abs(expected[j] - r.probabilities[j]));
          }
          assert.ok(worst <= 1e-12, `${name}: probabilities differ by ${worst}`);
          const labels = m.kind === "quantized-logistic-regression"
            ? quantizedPredict(m, x, { backend })
            : predict(m, x, { backend });
          assert.deepEqual(r.labels, Array.from(labels), name);
          // The prepared predictor: Deno's probabilities, on one thread.
          const p = r.prepared;
          assert.equal(p.threads, 1, name);
          assert.equal(p.kernel === "ts", bundle === "lite", `${name}: kernel ${p.kernel}`);
          const q = m.kind === "quantized-logistic-regression"
            ? prepareQuantizedPredictor(m, { backend })
            : preparePredictor(m, { backend });
          const fromDeno = q.predictProba(x).data;
          q.close();
          // Within 1e-12, as the one-shot probabilities above (another V8's Math.exp).
          assert.equal(p.probabilities.length, fromDeno.length, name);
          p.probabilities.forEach((v, j) => assert.ok(Math.abs(v - fromDeno[j]) <= 1e-12, name));
          assert.equal(p.closed, "Cannot compute scores: the predictor is closed", name);
          const integerOnly = m.kind === "quantized-logistic-regression" && m.input !== undefined;
          assert.equal(p.buffer, integerOnly ? "Uint8Array" : "Float32Array", name);
        });
      }
      // Imported from a blob: URL (a page that builds its scripts), against which no relative
      // URL resolves: the kernels then run without workers (it threw "Invalid URL" before).
      const fromBlob = await page.evaluate(async ([code, files, xs, rows, cols]) => {
        const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
        // deno-lint-ignore no-explicit-any
        const L: any = await import(url);
        const x = L.matrix(Float64Array.from(xs), rows, cols);
        return files.map((bytes) => {
          const model = L.decodeModel(Uint8Array.from(bytes));
          return Array.from(
            (model.kind === "quantized-logistic-regression"
              ? L.quantizedPredict(model, x)
              : L.predict(model, x)) as number[],
          );
        });
      }, [code, files, Array.from(x.data), x.rows, x.cols] as const);
      assert.deepEqual(fromBlob, results.map((r) => r.labels));
      assert.deepEqual(errors, []);
      // In a module worker of a cross-origin-isolated page (where shared memory can be posted),
      // `threads: 2` on float32 inputs (the kernels) starts no worker: the bundle does not hold
      // the TypeScript worker module. It requested it and waited 10 s per call for workers that
      // never reported.
      const isolated = await browser.newPage();
      const refused: string[] = [], failures: string[] = [];
      const worker = `import * as L from "./lrcompress.js";
self.onmessage = ({ data: [files, xs, rows, cols] }) => {
  const x = L.matrix(Float32Array.from(xs), rows, cols);
  const labels = files.map((bytes) => {
    const model = L.decodeModel(Uint8Array.from(bytes));
    return Array.from(model.kind === "quantized-logistic-regression"
      ? L.quantizedPredict(model, x, { threads: 2 })
      : L.predict(model, x, { threads: 2 }));
  });
  self.postMessage({ labels, isolated: self.crossOriginIsolated });
};`;
      const headers = {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
      };
      await isolated.route("**/*", (route) => {
        const url = new URL(route.request().url());
        const body = url.origin !== "https://lrc.test"
          ? null
          : url.pathname === "/"
          ? "<!doctype html><title>lrc</title>"
          : url.pathname === "/lrcompress.js"
          ? code
          : url.pathname === "/worker.js"
          ? worker
          : null;
        if (body === null) {
          refused.push(url.href);
          return route.abort();
        }
        const contentType = url.pathname === "/" ? "text/html" : "text/javascript";
        return route.fulfill({ contentType, headers, body });
      });
      isolated.on("pageerror", (e) => failures.push(String(e)));
      await isolated.goto("https://lrc.test/");
      const inWorker = await isolated.evaluate(async (message) => {
        const w = new Worker("/worker.js", { type: "module" });
        const reply = new Promise<{ labels: number[][]; isolated: boolean }>(
          (resolve, reject) => {
            w.onmessage = (e) => resolve(e.data);
            w.onerror = (e) => reject(new Error(e.message));
          },
        );
        w.postMessage(message);
        return await reply;
      }, [files, Array.from(x.data), x.rows, x.cols] as const);
      assert.equal(inWorker.isolated, true);
      const x32 = toFloat32(x);
      assert.deepEqual(
        inWorker.labels,
        models.map(([, m]) =>
          Array.from(
            m.kind === "quantized-logistic-regression" ? quantizedPredict(m, x32) : predict(m, x32),
          )
        ),
      );
      assert.deepEqual(refused, []);
      assert.deepEqual(failures, []);
      // The pruned files store only the kept weights (the bundle reads the sparse forms).
      assert.ok(results[1].stored < 640 * 0.25, `${results[1].stored} stored`);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: `the browser bundle reads model bytes held in shared or resizable memory${
    unavailable ? ` (skipped: ${unavailable})` : ""
  }`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const browser = await launchChromium();
    try {
      const code = await bundleCode();
      // Twelve features, named f0..f11 (the file stores such names as a pattern, whose texts are
      // decoded in place); only the first three have weights.
      const d = 12;
      const firstThree = [[1, 0, -2], [0.5, 3, 0], [0, -1, 0.25]];
      const model: LogisticModel = {
        kind: "logistic-regression",
        version: 1,
        link: "softmax",
        weights: {
          data: Float64Array.from(
            { length: 3 * d },
            (_, i) => firstThree[Math.floor(i / d)][i % d] ?? 0,
          ),
          rows: 3,
          cols: d,
        },
        bias: Float64Array.from([0.5, -0.5, 0]),
        classes: ["chat", "chien", "élan"],
        featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
        preprocessing: { kind: "none" },
      };
      const bytes = Array.from(encodeModel(model));
      const page = await browser.newPage();
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === "/lrcompress.js") {
          return route.fulfill({ contentType: "text/javascript", body: code });
        }
        return route.fulfill({
          contentType: "text/html",
          body: "<!doctype html><title>lrc</title>",
        });
      });
      await page.goto("https://lrc.test/");
      // Browsers' TextDecoder refuses views of such buffers (Deno's does not): the file's labels
      // read as "not valid UTF-8" until the decoder copied them.
      const read = await page.evaluate(async (bytes) => {
        // deno-lint-ignore no-explicit-any
        const L: any = await import("/lrcompress.js");
        const resizable = new Uint8Array(
          new ArrayBuffer(bytes.length, { maxByteLength: 2 * bytes.length }),
        );
        // A wasm memory's buffer is shared even where SharedArrayBuffer is not exposed.
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
        const shared = new Uint8Array(memory.buffer, 8, bytes.length);
        const x = L.matrix(new Float64Array(24), 2, 12);
        x.data.set([1, 2, 3], 0);
        x.data.set([-1, 0, 4], 12);
        return [resizable, shared].map((view) => {
          view.set(bytes);
          try {
            const m = L.decodeModel(view);
            return { classes: m.classes, names: m.featureNames, labels: L.predictLabels(m, x) };
          } catch (error) {
            return { error: String(error) };
          }
        });
      }, bytes);
      // Scores of the two rows, W x + b: (-4.5, 6, -1.25) and (-8.5, -1, 1).
      const expected = {
        classes: model.classes,
        names: model.featureNames,
        labels: ["chien", "élan"],
      };
      assert.deepEqual(read, [expected, expected]);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: `every export of the browser bundle computes in Chromium what it computes in Deno${
    unavailable ? ` (skipped: ${unavailable})` : ""
  }`,
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // The first test reads files and predicts labels and probabilities; fromRows,
    // decisionFunction (both backends, `columns`), predictLabels on a quantized file,
    // quantizedDecisionFunction and quantizedPredictProba (integer-only and codebook models),
    // inspectModelFile's whole report and decodeModel's refusal ran in no browser.
    const exported = Object.keys(await import("../../lib/browser.ts")).sort();
    const digits = await loadEmbedded("digits");
    const rows = Array.from(
      { length: 40 },
      (_, i) => Array.from(digits.x.data.subarray(i * 64 * 9, i * 64 * 9 + 64)),
    );
    const { model } = fit(digits.x, digits.y, {
      classes: digits.classes,
      featureNames: digits.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    });
    const raw = fit(digits.x, digits.y, {
      classes: digits.classes,
      featureNames: digits.featureNames,
      preprocessing: "none",
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    }).model;
    const pruned = pruneModel(model, { fraction: 0.7, scores: magnitudeScores(model) });
    const integer = calibrateInput(
      quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }),
      digits.x,
    );
    const kmeans = quantizeModel(pruned, { method: { kind: "kmeans", bits: 3 } });
    const files = [
      Array.from(encodeModel(pruned)),
      Array.from(encodeModel(integer)),
      Array.from(encodeModel(kmeans, { entropy: true })),
    ];
    // The features in reverse order, read back with `columns`.
    const columns = Array.from({ length: 64 }, (_, j) => 63 - j);
    const reversed = rows.map((r) => [...r].reverse());
    const browser = await launchChromium();
    try {
      const code = await bundleCode();
      const page = await browser.newPage();
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === "/lrcompress.js") {
          return route.fulfill({ contentType: "text/javascript", body: code });
        }
        return route.fulfill({
          contentType: "text/html",
          body: "<!doctype html><title>lrc</title>",
        });
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto("https://lrc.test/");
      const got = await page.evaluate(async ([files, rows, reversed, columns]) => {
        // deno-lint-ignore no-explicit-any
        const L: any = await import("/lrcompress.js");
        const x = L.fromRows(rows);
        const flip = L.fromRows(reversed);
        const [float, integer, kmeans] = files.map((b) => L.decodeModel(Uint8Array.from(b)));
        const list = (m: { data: ArrayLike<number> }) => Array.from(m.data);
        let refusal = "";
        try {
          L.decodeModel(Uint8Array.from(files[0]).subarray(0, 20));
        } catch (error) {
          refusal = `${(error as Error).name}: ${(error as Error).message}`;
        }
        return {
          exported: Object.keys(L).sort(),
          shape: [x.rows, x.cols, x.data.constructor.name],
          scoresTs: list(L.decisionFunction(float, x, { backend: "ts" })),
          scoresWasm: list(L.decisionFunction(float, x, { backend: "wasm" })),
          scoresColumns: list(L.decisionFunction(float, flip, { columns, backend: "ts" })),
          // Sparse rows: made from the dense ones, and assembled from parts.
          scoresCsr: list(L.decisionFunction(float, L.csrFromDense(x))),
          csrParts: list(L.predictProba(
            float,
            L.csrMatrix({
              indptr: Int32Array.of(0, 2),
              indices: Int32Array.of(3, 40),
              values: Float64Array.of(16, 2.5),
              cols: 64,
            }),
          )),
          isCsr: [L.isCsr(x), L.isCsr(L.csrFromDense(x))],
          labels: L.predictLabels(float, x) as string[],
          dequantizedLabels: L.predictLabels(L.asFloatModel(kmeans), x) as string[],
          integerScores: list(L.quantizedDecisionFunction(integer, x)),
          integerProba: list(L.quantizedPredictProba(integer, x)),
          kmeansScores: list(L.quantizedDecisionFunction(kmeans, x)),
          kmeansProba: list(L.quantizedPredictProba(kmeans, x)),
          info: files.map((b) => JSON.stringify(L.inspectModelFile(Uint8Array.from(b)).info)),
          refusal,
        };
      }, [files, rows, reversed, columns] as const);
      assert.deepEqual(errors, []);
      assert.deepEqual(got.exported, exported);
      const x = fromRows(rows);
      assert.deepEqual(got.shape, [40, 64, "Float64Array"]);
      const close = (
        name: string,
        actual: number[],
        expected: ArrayLike<number>,
        relative = 1e-9,
      ) => {
        assert.equal(actual.length, expected.length, name);
        for (let i = 0; i < actual.length; i++) {
          const tolerance = relative * (1 + Math.abs(expected[i]));
          assert.ok(
            Math.abs(actual[i] - expected[i]) <= tolerance,
            `${name}[${i}]: ${actual[i]} vs ${expected[i]}`,
          );
        }
      };
      const scores = decisionFunction(pruned, x, { backend: "ts" });
      close("scores (ts)", got.scoresTs, scores.data);
      close("scores (wasm)", got.scoresWasm, decisionFunction(pruned, x, { backend: "wasm" }).data);
      // The kernel computes in float32 (decisionFunction's example): within its rounding.
      close("scores (wasm) against ts", got.scoresWasm, scores.data, 1e-4);
      close("scores (columns)", got.scoresColumns, scores.data);
      close("scores (CSR)", got.scoresCsr, scores.data);
      const one = new Float64Array(64);
      one[3] = 16;
      one[40] = 2.5;
      close("probabilities (CSR parts)", got.csrParts, predictProba(pruned, fromRows([one])).data);
      assert.deepEqual(got.isCsr, [false, true]);
      assert.deepEqual(got.labels, predictLabels(pruned, x));
      assert.deepEqual(got.dequantizedLabels, predictLabels(asFloatModel(kmeans), x));
      close("integer scores", got.integerScores, quantizedDecisionFunction(integer, x).data);
      close("integer probabilities", got.integerProba, quantizedPredictProba(integer, x).data);
      close("k-means scores", got.kmeansScores, quantizedDecisionFunction(kmeans, x).data);
      close("k-means probabilities", got.kmeansProba, quantizedPredictProba(kmeans, x).data);
      assert.deepEqual(
        got.info,
        files.map((b) => JSON.stringify(inspectModelFile(Uint8Array.from(b)).info)),
      );
      // The same refusal as in Deno: a "Cannot" message and its error class.
      let expected = "";
      try {
        decodeModel(Uint8Array.from(files[0]).subarray(0, 20));
      } catch (error) {
        expected = `${(error as Error).name}: ${(error as Error).message}`;
      }
      assert.match(expected, /^[A-Za-z]*Error: Cannot /);
      assert.equal(got.refusal, expected);
    } finally {
      await browser.close();
    }
  },
});
