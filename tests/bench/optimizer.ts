/**
 * `deno task bench:optimizer [--json]`: how the L-BFGS preconditioner's settings change the
 * path on Fashion-MNIST (60,000 x 784, lambda = 1/6000, pixels / 255): the objective after 10, 20,
 * 30, 40 and 60 iterations and the passes over the data it took, for the feature covariance
 * sampled on 4096, 8192 or all 60,000 rows, and for 5, 10 or 20 correction pairs. The same
 * objective, coordinates and preconditioner as `fit` (see `runLbfgs` in `lib/model/fit.ts`),
 * assembled here so that the settings can vary; no test data are read. Iteration counts do not
 * depend on the machine's load; the seconds do. It also times one pass (loss and gradient, and
 * loss only) over the 60,000 rows on one and two threads, and over 8192 rows (in cache), medians
 * of 9 after an untimed warm-up call.
 *
 * Sections (`--sections LIST`; default passes,path):
 * - passes: one pass over the data timed;
 * - path: the preconditioner's settings, as above;
 * - l1 (only when named): `fit` with an L1 and an elastic-net penalty (l1Ratio 0.5) at four
 *   strengths on breast cancer, digits and the first 5,000 Fashion-MNIST training images, with
 *   `precondition` on and off (iterations, time, objective, non-zero weights, convergence within
 *   the default 1,000 iterations): the measurement behind its default (off with an L1 part);
 * - wide (only when named; needs no Fashion-MNIST): generated float64 word counts (4,500 x 2,000,
 *   20 and 200 classes, seed 1), one loss and gradient pass on backends ts and wasm (medians of 3)
 *   and, at 20 classes, `fit` (L-BFGS, lambda 1 / nSamples) on each.
 *
 * @module
 */

import type { Dataset } from "../../lib/data/dataset.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { formatTable } from "../../lib/cli/format.ts";
import { bindLoss } from "../../lib/model/engine.ts";
import { fit } from "../../lib/model/fit.ts";
import { minimizeLbfgs } from "../../lib/model/lbfgs.ts";
import { kroneckerPreconditioner } from "../../lib/model/precondition.ts";
import type { Penalty } from "../../lib/model/types.ts";
import { benchArgs, requireFashionMnist } from "./_args.ts";
import { createPrng } from "../../lib/core/random.ts";
import { fitStandardizer } from "../../lib/data/preprocess.ts";
import { median, medianCallMs, reportLoadAverage } from "./_stats.ts";

const ALL_SECTIONS = ["passes", "path", "l1", "wide"];
const args = benchArgs(
  "bench:optimizer",
  "L-BFGS on Fashion-MNIST: one pass over the data timed, and the objective after 10 to 60 " +
    "iterations with the preconditioner's covariance sampled on 4096, 8192 or 60000 rows and " +
    "with 5, 10 or 20 correction pairs; with --sections l1, the preconditioner on and off for L1 " +
    "and elastic-net fits; with --sections wide, float64 and wasm passes and fits on generated " +
    "4,500 x 2,000 word counts.",
  {
    sections: {
      type: "string",
      value: "LIST",
      help: `sections to run, comma-separated, of ${ALL_SECTIONS.join(", ")}`,
      default: "passes,path",
    },
  },
);
const json = args.flag("json");
const SECTIONS = args.choices("sections", ALL_SECTIONS, "section");
const needsFashion = ["passes", "path", "l1"].some((s) => SECTIONS.has(s));
if (needsFashion) requireFashionMnist("bench:optimizer");
reportLoadAverage("bench:optimizer");
const CHECKPOINTS = [10, 20, 30, 40, 60];
const train = needsFashion
  ? await loadFashionMnist("train")
  : { x: { data: new Float32Array(784), rows: 1, cols: 784 }, y: new Int32Array(1) };
const n = train.x.rows, d = train.x.cols, k = 10, nw = k * d, l2 = 1 / 6000;
const loss = bindLoss(train.x, train.y, {
  preprocessing: { kind: "none" },
  link: "softmax",
  nOutputs: k,
});

/** One wide shape: pass times on both backends, and fits when asked. */
interface WideRow {
  classes: number;
  backend: "ts" | "wasm";
  passMs: number;
  fitSeconds: number | null;
  iterations: number | null;
  objective: number | null;
}

function wideRows(): WideRow[] {
  const rows: WideRow[] = [];
  const wn = 4500, wd = 2000;
  for (const wk of [20, 200]) {
    const prng = createPrng(1);
    const y = Int32Array.from({ length: wn }, (_, i) => i % wk);
    const data = new Float64Array(wn * wd);
    for (let i = 0; i < wn; i++) {
      // Zipf-like common words, and words of the row's class.
      for (let t = 0; t < 100; t++) data[i * wd + Math.floor(wd * prng() ** 3)]++;
      for (let t = 0; t < 10; t++) data[i * wd + ((y[i] * 37 + Math.floor(prng() * 20)) % wd)]++;
    }
    const x = { data, rows: wn, cols: wd };
    const prep = fitStandardizer(x);
    for (const backend of ["ts", "wasm"] as const) {
      const l = bindLoss(x, y, { preprocessing: prep, link: "softmax", nOutputs: wk, backend });
      const w = Float64Array.from({ length: wk * wd }, (_, i) => Math.sin(i) * 0.01);
      const gw = new Float64Array(wk * wd), b = new Float64Array(wk), gb = new Float64Array(wk);
      const passMs = medianCallMs(() => l.accumulate(null, 0, wn, w, b, gw, gb), 3);
      l.close();
      let fitted = null;
      if (wk === 20) {
        const t0 = performance.now();
        const r = fit(x, y, { penalty: { kind: "l2", lambda: 1 / wn }, backend });
        fitted = { s: (performance.now() - t0) / 1000, r };
      }
      rows.push({
        classes: wk,
        backend,
        passMs,
        fitSeconds: fitted?.s ?? null,
        iterations: fitted?.r.history.length ?? null,
        objective: fitted?.r.history.at(-1)?.objective ?? null,
      });
      console.error(`wide ${wk} classes ${backend}: pass ${passMs.toFixed(0)} ms`);
    }
  }
  return rows;
}

function run(rows: number, memory: number) {
  const t0 = performance.now();
  const moments = loss.sampleMoments(rows, true);
  const mean = moments.mean;
  const pre = kroneckerPreconditioner(moments.covariance!, {
    nOutputs: k,
    l2,
    mask: null,
    wasm: true,
  })!;
  const setupMs = performance.now() - t0;
  const bias = new Float64Array(k);
  const shift = (tw: Float64Array, tb: Float64Array, out: Float64Array) => {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += tw[c * d + j] * mean[j];
      out[c] = tb[c] - s;
    }
  };
  let passes = 0;
  const fn = (t: Float64Array, g: Float64Array) => {
    passes++;
    g.fill(0);
    const tw = t.subarray(0, nw), gw = g.subarray(0, nw), gb = g.subarray(nw);
    shift(tw, t.subarray(nw), bias);
    const r = loss.accumulate(null, 0, n, tw, bias, gw, gb);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) gw[c * d + j] -= gb[c] * mean[j];
    let reg = 0;
    for (let i = 0; i < nw; i++) {
      gw[i] = gw[i] / n + l2 * tw[i];
      reg += tw[i] * tw[i];
    }
    for (let c = 0; c < k; c++) gb[c] /= n;
    return r.loss / n + 0.5 * l2 * reg;
  };
  const at: { iteration: number; objective: number; passes: number; elapsedMs: number }[] = [];
  minimizeLbfgs(fn, new Float64Array(nw + k), {
    memory,
    maxIterations: Math.max(...CHECKPOINTS),
    gradientTolerance: 0,
    preconditioner: pre,
    onIteration: (s) => {
      if (CHECKPOINTS.includes(s.iteration)) {
        at.push({
          iteration: s.iteration,
          objective: s.value,
          passes,
          elapsedMs: performance.now() - t0,
        });
      }
    },
  });
  // `covarianceRows`: the rows sampled for the preconditioner (the data are always all 60,000).
  return { covarianceRows: rows, memory, setupMs, at };
}

function passTimes() {
  const w = Float64Array.from({ length: nw }, (_, i) => Math.sin(i) * 0.01);
  const b = new Float64Array(k), gw = new Float64Array(nw), gb = new Float64Array(k);
  // The first call of a fresh engine is slower (JIT, first touch): it is not timed.
  const medianMs = (f: () => void) => medianCallMs(f, 9);
  const rows: { data: string; threads: number; gradientMs: number; lossMs: number }[] = [];
  const small = { data: (train.x.data as Float32Array).subarray(0, 8192 * d), rows: 8192, cols: d };
  for (
    const [name, x, y, threads] of [
      ["60000 rows", train.x, train.y, 1],
      ["60000 rows", train.x, train.y, 2],
      ["8192 rows x 7, per 60000 (in cache)", small, train.y.subarray(0, 8192), 1],
    ] as const
  ) {
    const l = bindLoss(x, y, {
      preprocessing: { kind: "none" },
      link: "softmax",
      nOutputs: k,
      backend: "wasm",
      threads,
    });
    const reps = Math.round(n / x.rows);
    const once = (grad: boolean) => () => {
      for (let r = 0; r < reps; r++) l.accumulate(null, 0, x.rows, w, b, grad ? gw : null, gb);
    };
    // The in-cache rows run 7 x 8,192 = 57,344 rows: their time is scaled to the 60,000 of a
    // pass, which the table's header promises.
    const perPass = n / (reps * x.rows);
    rows.push({
      data: name,
      threads,
      gradientMs: medianMs(once(true)) * perPass,
      lossMs: medianMs(once(false)) * perPass,
    });
    l.close();
  }
  return rows;
}

/** One fit with an L1 part, preconditioned or not. */
interface L1Row {
  dataset: string;
  penalty: "l1" | "elasticnet";
  lambda: number;
  precondition: boolean;
  iterations: number;
  elapsedMs: number;
  objective: number;
  nonZeros: number;
  converged: boolean;
}

function l1Rows(sets: readonly [string, Dataset][]): L1Row[] {
  const rows: L1Row[] = [];
  for (const [dataset, data] of sets) {
    for (const kind of ["l1", "elasticnet"] as const) {
      for (const lambda of [1e-4, 1e-3, 1e-2, 1e-1]) {
        for (const precondition of [true, false]) {
          const penalty: Penalty = kind === "l1"
            ? { kind, lambda }
            : { kind, lambda, l1Ratio: 0.5 };
          const t0 = performance.now();
          const r = fit(data.x, data.y, { penalty, optimizer: { kind: "lbfgs", precondition } });
          const elapsedMs = performance.now() - t0;
          let nonZeros = 0;
          for (const v of r.model.weights.data) if (v !== 0) nonZeros++;
          rows.push({
            dataset,
            penalty: kind,
            lambda,
            precondition,
            iterations: r.history.length,
            elapsedMs,
            objective: r.history[r.history.length - 1].objective,
            nonZeros,
            converged: r.converged,
          });
          console.error(
            `${dataset} ${kind} ${lambda} precondition ${precondition}: ` +
              `${r.history.length} iterations, ${(elapsedMs / 1000).toFixed(1)} s`,
          );
        }
      }
    }
  }
  return rows;
}

const passes = SECTIONS.has("passes") ? passTimes() : [];
const results = SECTIONS.has("path")
  ? [run(4096, 10), run(8192, 10), run(n, 10), run(8192, 5), run(8192, 20)]
  : [];
loss.close();
const l1 = SECTIONS.has("l1")
  ? l1Rows([
    ["breast-cancer", await loadEmbedded("breast-cancer")],
    ["digits", await loadEmbedded("digits")],
    ["fashion-mnist 5000", await loadFashionMnist("train", { limit: 5000 })],
  ])
  : [];
const wide = SECTIONS.has("wide") ? wideRows() : [];
if (json) {
  for (const r of wide) console.log(JSON.stringify({ bench: "optimizer-wide", ...r }));
  for (const r of results) console.log(JSON.stringify({ bench: "optimizer", ...r }));
  for (const p of passes) console.log(JSON.stringify({ bench: "optimizer-pass", ...p }));
  for (const r of l1) console.log(JSON.stringify({ bench: "optimizer-l1", ...r }));
} else {
  if (wide.length > 0) {
    console.log(
      "generated float64 word counts, 4,500 x 2,000: one loss and gradient pass (median of 3) " +
        `and fit (lambda 1 / 4500); load average ${Deno.loadavg()[0].toFixed(2)}`,
    );
    console.log(formatTable(
      ["classes", "backend", "pass", "fit", "iterations", "objective"],
      wide.map((r) => [
        String(r.classes),
        r.backend,
        `${r.passMs.toFixed(0)} ms`,
        r.fitSeconds === null ? "" : `${r.fitSeconds.toFixed(2)} s`,
        r.iterations === null ? "" : String(r.iterations),
        r.objective === null ? "" : r.objective.toFixed(8),
      ]),
    ));
  }
  if (passes.length > 0) {
    console.log("one pass over 60,000 rows (medians of 9, ms):");
    console.log(formatTable(
      ["data", "threads", "loss and gradient", "loss only"],
      passes.map((p) => [
        p.data,
        String(p.threads),
        p.gradientMs.toFixed(1),
        p.lossMs.toFixed(1),
      ]),
    ));
  }
  if (results.length > 0) {
    console.log(
      `Fashion-MNIST, lambda = 1/6000: objective after each number of iterations (passes over ` +
        `the data in brackets); load average ${Deno.loadavg()[0].toFixed(2)}`,
    );
    console.log(formatTable(
      ["covariance rows", "pairs", "set-up", ...CHECKPOINTS.map((c) => `${c} it.`)],
      results.map((r) => [
        String(r.covarianceRows),
        String(r.memory),
        `${r.setupMs.toFixed(0)} ms`,
        ...r.at.map((a) => `${a.objective.toFixed(5)} (${a.passes})`),
      ]),
    ));
  }
  if (l1.length > 0) {
    const cell = (r: L1Row) =>
      `${r.iterations}${r.converged ? "" : "*"} / ${(r.elapsedMs / 1000).toFixed(2)} s / ` +
      r.objective.toFixed(6);
    const pairs: [L1Row, L1Row][] = [];
    for (let i = 0; i < l1.length; i += 2) pairs.push([l1[i], l1[i + 1]]);
    console.log(
      "\nL1 and elastic net (l1Ratio 0.5), standardised features, default stopping rule: " +
        "iterations / time / objective with the preconditioner on and off (* = stopped at the " +
        `1,000-iteration limit); load average ${Deno.loadavg()[0].toFixed(2)}`,
    );
    console.log(formatTable(
      ["data", "penalty", "lambda", "on", "off", "iterations on / off", "time on / off"],
      pairs.map(([on, off]) => [
        on.dataset,
        on.penalty,
        String(on.lambda),
        cell(on),
        cell(off),
        (on.iterations / off.iterations).toFixed(2),
        (on.elapsedMs / off.elapsedMs).toFixed(2),
      ]),
    ));
    const ratios = (f: (r: L1Row) => number) => median(pairs.map(([on, off]) => f(on) / f(off)));
    console.log(
      `medians over the ${pairs.length} fits: iterations on / off ${
        ratios((r) => r.iterations).toFixed(2)
      }, time on / off ${ratios((r) => r.elapsedMs).toFixed(2)}; lower objective with the ` +
        `preconditioner in ${
          pairs.filter(([on, off]) => on.objective < off.objective - 1e-7).length
        } fits, without it in ${
          pairs.filter(([on, off]) => off.objective < on.objective - 1e-7).length
        }`,
    );
  }
}
