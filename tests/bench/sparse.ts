/**
 * `deno task bench:sparse [--json]`: dense against sparse (CSR) features, side by side in one run.
 *
 * Data: synthetic bag-of-words matrices (`bagOfWords` in `_bow.ts`: seeded, generated, not real
 * text) of `--rows` documents over `--cols` words in `--classes` classes at each of `--densities`
 * (the share of a row's words that are present; rows and tables give the density the rounding
 * to whole words makes), and, as a real data point, the embedded digits
 * (1,797 x 64 pixels, 10 classes, about half of them 0). Each is held dense in float64 (what
 * `lrc` reads a CSV file into), as the float32 copy the WebAssembly kernels read, and in CSR
 * (`csrFromDense` of the dense matrix: the same values).
 *
 * Measured, for three implementations where each applies: `ts dense` (the float64 TypeScript
 * kernels on the dense matrix), `ts CSR` (the TypeScript sparse kernels on the CSR matrix: the
 * only ones that take it) and `wasm dense` (the WebAssembly kernels on the dense matrix in
 * float32), all on one thread:
 * - memory: the bytes of each matrix's arrays;
 * - pass: one loss and gradient pass over all rows (`bindLoss(...).accumulate`, with the
 *   standardisation `fit` uses by default), median of `--rounds` after three untimed calls of
 *   each (JIT tiers, first touch of memory);
 * - fit: `fit` with L-BFGS to convergence (its defaults: standardised, lambda 1 / nSamples, up to
 *   1,000 iterations), median of `--fit-rounds` (no untimed fit: one takes seconds), with the
 *   iterations and final objective (the three reach the same optimum within the optimiser's
 *   tolerance);
 * - predict: `decisionFunction` of all rows by the fitted `ts CSR` model, median of `--rounds`
 *   after three untimed calls of each.
 * The rounds are interleaved (each round times every implementation, in rotating order), and the
 * ratios are to `ts dense` in the same run. Timings depend on the machine's other load, which is
 * printed at the start and at the end.
 *
 * @module
 */

import type { Matrix } from "../../lib/core/matrix.ts";
import { csrFromDense, type CsrMatrix, csrToDense } from "../../lib/core/sparse.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fitStandardizer } from "../../lib/data/preprocess.ts";
import { formatTable } from "../../lib/cli/format.ts";
import { bindLoss } from "../../lib/model/engine.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction } from "../../lib/model/predict.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { benchArgs } from "./_args.ts";
import { bagOfWords, csrBytes } from "./_bow.ts";
import { median, reportLoadAverage } from "./_stats.ts";

const TASK = "bench:sparse";
const args = benchArgs(
  TASK,
  "Dense against sparse (CSR) features: memory, one loss and gradient pass, an L-BFGS fit to " +
    "convergence and batch prediction, on synthetic bag-of-words data at several densities and " +
    "on the embedded digits.",
  {
    rows: { type: "string", value: "N", help: "documents of the synthetic data", default: "4000" },
    cols: { type: "string", value: "N", help: "words of the synthetic data", default: "1000" },
    classes: {
      type: "string",
      value: "N",
      help: "classes of the synthetic data",
      default: "5",
    },
    densities: {
      type: "string",
      value: "LIST",
      help: "densities of the synthetic data, comma-separated fractions in (0, 1]",
      default: "0.001,0.01,0.1,0.5",
    },
    rounds: {
      type: "string",
      value: "N",
      help: "timed rounds of the pass and of prediction (medians)",
      default: "7",
    },
    "fit-rounds": {
      type: "string",
      value: "N",
      help: "timed rounds of the fit (medians)",
      default: "3",
    },
    sections: {
      type: "string",
      value: "LIST",
      help: "timed sections to run, comma-separated, of pass, fit, predict (memory is always " +
        "given; predict without fit uses the ts CSR fit, untimed)",
      default: "pass,fit,predict",
    },
    "no-digits": { type: "boolean", help: "leave out the embedded digits" },
  },
);
const JSON_OUT = args.flag("json");
const ROWS = args.integer("rows", 10, 1_000_000);
const COLS = args.integer("cols", 2, 1_000_000);
const CLASSES = args.integer("classes", 2, 1000);
const DENSITIES = args.numbers("densities", 1e-9, 1);
const ROUNDS = args.integer("rounds", 1, 1000);
const FIT_ROUNDS = args.integer("fit-rounds", 1, 1000);
const SECTIONS = args.choices("sections", ["pass", "fit", "predict"], "section");
if (ROWS * COLS > 2 ** 28) {
  console.error(`${TASK}: --rows x --cols must be at most 2^28 (the dense matrices are held)`);
  Deno.exit(2);
}
reportLoadAverage(TASK);

/** The implementations compared. */
const IMPLEMENTATIONS = ["ts dense", "ts CSR", "wasm dense"] as const;
type Implementation = typeof IMPLEMENTATIONS[number];

/** One data set in its three forms. */
interface Forms {
  readonly data: string;
  readonly density: number;
  readonly dense: Matrix<Float64Array>;
  readonly dense32: Matrix<Float32Array>;
  readonly csr: CsrMatrix;
  readonly y: Int32Array;
  readonly classes: number;
}

/** A measured row, as --json prints it. */
type Row = Record<string, string | number | boolean | null>;

/**
 * Median times of several calls, interleaved: `warmUps` untimed calls of each, then `rounds`
 * rounds each timing every call once, starting at a rotating one.
 */
function interleaved<K extends string>(
  calls: Readonly<Record<K, () => void>>,
  rounds: number,
  warmUps: number,
): Record<K, number> {
  const keys = Object.keys(calls) as K[];
  for (let w = 0; w < warmUps; w++) for (const k of keys) calls[k]();
  const times = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < keys.length; s++) {
      const k = keys[(r + s) % keys.length];
      const t0 = performance.now();
      calls[k]();
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(times[k])])) as Record<K, number>;
}

function forms(
  data: string,
  density: number,
  dense: Matrix<Float64Array>,
  csr: CsrMatrix,
  y: Int32Array,
  classes: number,
): Forms {
  return {
    data,
    density,
    dense,
    dense32: { data: Float32Array.from(dense.data), rows: dense.rows, cols: dense.cols },
    csr,
    y,
    classes,
  };
}

/** Every section's rows of one data set. */
function measure(f: Forms): Row[] {
  const { dense, dense32, csr, y, classes } = f;
  const n = dense.rows, d = dense.cols;
  const base = {
    bench: "sparse",
    data: f.data,
    density: f.density,
    rows: n,
    cols: d,
    classes,
    stored: csr.indices.length,
  };
  const rows: Row[] = [];
  const dense64Bytes = dense.data.byteLength, sparseBytes = csrBytes(csr);
  rows.push({
    ...base,
    section: "memory",
    denseFloat64Bytes: dense64Bytes,
    denseFloat32Bytes: dense32.data.byteLength,
    csrBytes: sparseBytes,
    csrOverDenseFloat64: sparseBytes / dense64Bytes,
  });
  if (SECTIONS.has("pass")) rows.push(...passRows(f, base));
  let model: LogisticModel | null = null;
  if (SECTIONS.has("fit")) {
    const fitted = fitRows(f, base);
    rows.push(...fitted.rows);
    model = fitted.model;
  }
  if (SECTIONS.has("predict")) {
    rows.push(...predictRows(f, base, model ?? fit(csr, y, { backend: "ts" }).model));
  }
  return rows;
}

/** What every row of a data set says of it. */
type Base = Row;

/** One loss and gradient pass: the same standardisation (computed once, dense) for the three. */
function passRows(f: Forms, base: Base): Row[] {
  const { dense, csr, y, classes } = f;
  const n = dense.rows, d = dense.cols;
  const k = classes === 2 ? 1 : classes;
  const link = classes === 2 ? "sigmoid" : "softmax";
  const rows: Row[] = [];
  const preprocessing = fitStandardizer(dense);
  const losses = {
    "ts dense": bindLoss(dense, y, { preprocessing, link, nOutputs: k, backend: "ts" }),
    "ts CSR": bindLoss(csr, y, { preprocessing, link, nOutputs: k, backend: "ts" }),
    "wasm dense": bindLoss(dense, y, {
      preprocessing,
      link,
      nOutputs: k,
      backend: "wasm",
      threads: 1,
    }),
  };
  const w = Float64Array.from({ length: k * d }, (_, i) => Math.sin(i) * 0.01);
  const b = new Float64Array(k), gw = new Float64Array(k * d), gb = new Float64Array(k);
  const pass = (impl: Implementation) => () => {
    gw.fill(0);
    gb.fill(0);
    losses[impl].accumulate(null, 0, n, w, b, gw, gb);
  };
  const passMs = interleaved(
    {
      "ts dense": pass("ts dense"),
      "ts CSR": pass("ts CSR"),
      "wasm dense": pass("wasm dense"),
    },
    ROUNDS,
    3,
  );
  for (const l of Object.values(losses)) l.close();
  for (const impl of IMPLEMENTATIONS) {
    rows.push({
      ...base,
      section: "pass",
      implementation: impl,
      medianMs: passMs[impl],
      rounds: ROUNDS,
      ratioToTsDense: passMs[impl] / passMs["ts dense"],
    });
  }
  return rows;
}

/** Fits to convergence: fit's defaults, one thread; the ts CSR fit's model. */
function fitRows(f: Forms, base: Base): { rows: Row[]; model: LogisticModel } {
  const { dense, csr, y } = f;
  const rows: Row[] = [];
  const fitted = {} as Record<Implementation, ReturnType<typeof fit>>;
  const fitOnce = (impl: Implementation) => () => {
    fitted[impl] = impl === "ts CSR"
      ? fit(csr, y, { backend: "ts" })
      : fit(dense, y, { backend: impl === "ts dense" ? "ts" : "wasm", threads: 1 });
  };
  const fitMs = interleaved(
    {
      "ts dense": fitOnce("ts dense"),
      "ts CSR": fitOnce("ts CSR"),
      "wasm dense": fitOnce("wasm dense"),
    },
    FIT_ROUNDS,
    0,
  );
  for (const impl of IMPLEMENTATIONS) {
    const r = fitted[impl];
    rows.push({
      ...base,
      section: "fit",
      implementation: impl,
      medianMs: fitMs[impl],
      rounds: FIT_ROUNDS,
      ratioToTsDense: fitMs[impl] / fitMs["ts dense"],
      iterations: r.history.length,
      objective: r.history.at(-1)?.objective ?? null,
      converged: r.converged,
    });
  }
  return { rows, model: fitted["ts CSR"].model };
}

/** Batch prediction of all rows by one model (the ts CSR fit's). */
function predictRows(f: Forms, base: Base, model: LogisticModel): Row[] {
  const { dense, dense32, csr } = f;
  const n = dense.rows;
  const rows: Row[] = [];
  const predictMs = interleaved(
    {
      "ts dense": () => decisionFunction(model, dense, { backend: "ts" }),
      "ts CSR": () => decisionFunction(model, csr, { backend: "ts" }),
      "wasm dense": () => decisionFunction(model, dense32, { backend: "wasm", threads: 1 }),
    },
    ROUNDS,
    3,
  );
  for (const impl of IMPLEMENTATIONS) {
    rows.push({
      ...base,
      section: "predict",
      implementation: impl,
      medianMs: predictMs[impl],
      rounds: ROUNDS,
      ratioToTsDense: predictMs[impl] / predictMs["ts dense"],
      rowsPerSecond: n / (predictMs[impl] / 1000),
    });
  }
  return rows;
}

const all: Row[] = [];
for (const density of DENSITIES) {
  const bow = bagOfWords(ROWS, COLS, density, { classes: CLASSES, seed: 1 });
  const dense = csrToDense(bow.x);
  // The density a row's round(density * cols) words give (the one asked for, unless rounded).
  const actual = bow.x.indices.length / (ROWS * COLS);
  const data = forms("synthetic bag of words", actual, dense, bow.x, bow.y, CLASSES);
  const rows = measure(data);
  all.push(...rows);
  if (!JSON_OUT) console.error(`${TASK}: density ${density} done`);
}
if (!args.flag("no-digits")) {
  const digits = await loadEmbedded("digits");
  const dense: Matrix<Float64Array> = {
    data: Float64Array.from(digits.x.data),
    rows: digits.x.rows,
    cols: digits.x.cols,
  };
  const csr = csrFromDense(dense);
  const density = csr.indices.length / (dense.rows * dense.cols);
  all.push(...measure(forms("embedded digits", density, dense, csr, digits.y, 10)));
}

if (JSON_OUT) {
  for (const r of all) console.log(JSON.stringify(r));
} else {
  const percentText = (v: number) => `${Number((100 * v).toPrecision(3))} %`;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MiB`;
  const ratio = (v: number) =>
    `${v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)} x`;
  const label = (r: Row) => `${r.data}, ${percentText(r.density as number)}`;
  const of = (section: string) => all.filter((r) => r.section === section);
  const by = (section: string) => {
    const groups = new Map<string, Record<string, Row>>();
    for (const r of of(section)) {
      const key = label(r);
      groups.set(key, { ...groups.get(key), [r.implementation as string]: r });
    }
    return [...groups.entries()];
  };
  console.log(
    `${TASK}: synthetic bag of words ${ROWS} x ${COLS}, ${CLASSES} classes (seeded, generated: ` +
      `not real text)${
        args.flag("no-digits") ? "" : ", and the embedded digits"
      }; medians of ${ROUNDS} rounds (fits: ` +
      `${FIT_ROUNDS}), one thread; load average ${Deno.loadavg()[0].toFixed(2)}\n`,
  );
  console.log("memory held by the matrices");
  console.log(formatTable(
    ["data, density", "stored", "dense float64", "dense float32", "CSR", "CSR / dense float64"],
    of("memory").map((r) => [
      label(r),
      (r.stored as number).toLocaleString("en-US"),
      mib(r.denseFloat64Bytes as number),
      mib(r.denseFloat32Bytes as number),
      mib(r.csrBytes as number),
      ratio(r.csrOverDenseFloat64 as number),
    ]),
  ));
  const timed = (section: string, title: string, unit: (r: Row) => string) => {
    if (!SECTIONS.has(section)) return;
    console.log(`\n${title}`);
    console.log(formatTable(
      ["data, density", ...IMPLEMENTATIONS, "ts dense / ts CSR", "wasm dense / ts CSR"],
      by(section).map(([key, r]) => [
        key,
        ...IMPLEMENTATIONS.map((impl) => unit(r[impl])),
        ratio((r["ts dense"].medianMs as number) / (r["ts CSR"].medianMs as number)),
        ratio((r["wasm dense"].medianMs as number) / (r["ts CSR"].medianMs as number)),
      ]),
    ));
  };
  timed("pass", "one loss and gradient pass (median ms)", (r) => (r.medianMs as number).toFixed(2));
  timed(
    "fit",
    "L-BFGS fit to convergence (median s, iterations)",
    (r) =>
      `${((r.medianMs as number) / 1000).toFixed(2)} s (${r.iterations}${r.converged ? "" : "*"})`,
  );
  timed(
    "predict",
    "decisionFunction of all rows (median ms)",
    (r) => (r.medianMs as number).toFixed(2),
  );
  const spread = by("fit").map(([key, r]) => {
    const o = IMPLEMENTATIONS.map((impl) => r[impl].objective as number);
    return `${key}: ${((Math.max(...o) - Math.min(...o)) / Math.min(...o)).toExponential(1)}`;
  });
  if (spread.length > 0) {
    console.log(
      `\nfinal objectives' relative spread across the three fits (the same optimum): ${
        spread.join("; ")
      }; * = not converged in 1,000 iterations`,
    );
  }
}
