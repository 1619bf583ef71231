// The browser entries' prepared predictors (preparePredictor, prepareQuantizedPredictor): the
// one-shot calls' scores bit for bit, laid out once (later changes to the model do not reach
// them), refused once closed; the lite entry's on the reference, refusing backend wasm.
import assert from "node:assert/strict";
import * as lite from "../../lib/browser_lite.ts";
import * as full from "../../lib/browser.ts";
import { takeRows, toFloat32 } from "../../lib/core/matrix.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { pruneModel } from "../../lib/prune/prune_model.ts";
import { magnitudeScores } from "../../lib/prune/scores.ts";
import { calibrateInput } from "../../lib/quant/integer.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizedModel } from "../../lib/quant/types.ts";

const digits = await loadEmbedded("digits");
const x = takeRows(digits.x, Int32Array.from({ length: 300 }, (_, i) => i * 5));
const x32 = toFloat32(x);
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
const pruned = pruneModel(model, { fraction: 0.9, scores: magnitudeScores(model) });
const stored: [string, LogisticModel | QuantizedModel][] = [
  ["float, standardised", model],
  ["float, 90 % pruned", pruned],
  [
    "uniform int8, input calibrated (integer-only)",
    calibrateInput(quantizeModel(raw, { method: { kind: "uniform", bits: 8 } }), digits.x),
  ],
  ["k-means 4-bit", quantizeModel(model, { method: { kind: "kmeans", bits: 4 } })],
  ["uniform 4-bit", quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } })],
  // Unstandardised: the fold is the model's own arrays, so only the predictor's copy keeps later
  // changes to them out (the standardised models above fold into new arrays whatever it does).
  ["float, unstandardised", raw],
];
/** The models as a page gets them: decoded from their files. */
const files = stored.map(([name, m]) => [name, lite.decodeModel(encodeModel(m))] as const);

type Entry = typeof lite | typeof full;

/** The one-shot scores, probabilities and classes of an entry, and its prepared predictor's. */
function both(
  e: Entry,
  m: LogisticModel | QuantizedModel,
  x: lite.Matrix,
  backend: "auto" | "ts" | "wasm",
) {
  const options = { backend };
  if (m.kind === "quantized-logistic-regression") {
    using p = e.prepareQuantizedPredictor(m, options);
    return {
      kernel: p.kernel,
      oneShot: [
        e.quantizedDecisionFunction(m, x, options).data,
        e.quantizedPredictProba(m, x, options).data,
        e.quantizedPredict(m, x, options),
      ],
      prepared: [p.decisionFunction(x).data, p.predictProba(x).data, p.predict(x)],
    };
  }
  using p = e.preparePredictor(m, options);
  return {
    kernel: p.kernel,
    oneShot: [
      e.decisionFunction(m, x, options).data,
      e.predictProba(m, x, options).data,
      e.predict(m, x, options),
    ],
    prepared: [p.decisionFunction(x).data, p.predictProba(x).data, p.predict(x)],
  };
}

Deno.test("the lite entry's prepared predictors score a small model as worked out by hand", () => {
  const small: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "sigmoid",
    weights: { data: Float64Array.from([0.5, -0.25, 2]), rows: 1, cols: 3 },
    bias: Float64Array.from([0.1]),
    classes: ["a", "b"],
    featureNames: ["x", "y", "z"],
    preprocessing: { kind: "none" },
  };
  using p = lite.preparePredictor(small);
  assert.equal(p.kernel, "ts");
  assert.equal(p.threads, 1);
  // 0.5 - 0.5 + 6 + 0.1 and -2 - 1.25 - 12 + 0.1.
  assert.deepEqual([...p.decisionFunction(lite.fromRows([[1, 2, 3], [-4, 5, -6]])).data], [
    6.1,
    -15.15,
  ]);
  // Feature z read from column 0 of wider rows, x from 2, y from 1.
  using wide = lite.preparePredictor(small, { columns: [2, 1, 0], inputWidth: 4 });
  assert.deepEqual([...wide.decisionFunction(lite.fromRows([[3, 2, 1, 99]])).data], [6.1]);
});

Deno.test("prepared predictors score every model file as the one-shot calls, bit for bit", () => {
  for (const [name, m] of files) {
    // The lite entry: float64 and float32 rows, on the reference whatever the backend.
    for (const [rows, label] of [[x, "float64"], [x32, "float32"]] as const) {
      for (const backend of ["auto", "ts"] as const) {
        const what = `lite, ${name}, ${label}, ${backend}`;
        const r = both(lite, m, rows, backend);
        assert.equal(r.kernel, "ts", what);
        assert.deepEqual(r.prepared, r.oneShot, what);
        // The full library's reference, prepared and one-shot.
        assert.deepEqual(r.prepared, both(full, m, rows, "ts").prepared, what);
        assert.deepEqual(r.prepared, both(full, m, rows, "ts").oneShot, what);
      }
    }
    // The full entry: float64 rows on the reference, float32 rows on the kernels.
    const reference = both(full, m, x, "auto");
    assert.deepEqual(reference.prepared, reference.oneShot, `full, ${name}, float64`);
    const kernels = both(full, m, x32, "wasm");
    assert.notEqual(kernels.kernel, "ts", name);
    assert.deepEqual(kernels.prepared, kernels.oneShot, `full, ${name}, float32, wasm`);
  }
});

Deno.test("the lite entry's integer-only predictor scores 8-bit codes as the library does", () => {
  const [, q] = files[2];
  assert.equal(q.kind, "quantized-logistic-regression");
  using p = lite.prepareQuantizedPredictor(q as QuantizedModel);
  using f = full.prepareQuantizedPredictor(q as QuantizedModel, { backend: "ts" });
  const codes = p.inputBuffer(3) as Uint8Array;
  assert.equal(codes.constructor, Uint8Array);
  assert.equal(codes.length, 3 * 64);
  codes.forEach((_, i) => codes[i] = (i * 37) % 256);
  assert.deepEqual(p.decisionFunctionFromCodes(codes, 3), f.decisionFunctionFromCodes(codes, 3));
  // Both entries share the integer predictor: the definition is the oracle, bias + sum_j
  // (xq[j] - input zero point) * (weight code - its zero point), summed exactly with BigInt, times
  // the bias scale (as in tests/quant/predictor_test.ts).
  const m = q as QuantizedModel;
  const t = m.weights, b = m.bias;
  assert.ok(t.kind === "uniform" && b.kind === "int32" && m.input !== undefined);
  const want = new Float64Array(3 * 10);
  for (let i = 0; i < 3; i++) {
    for (let c = 0; c < 10; c++) {
      let acc = BigInt(b.values[c]);
      for (let j = 0; j < 64; j++) {
        acc += BigInt(codes[i * 64 + j] - m.input.zeroPoint) *
          BigInt(t.codes[c * 64 + j] - t.zeroPoint[c]);
      }
      want[i * 10 + c] = Number(acc) * b.scale[c];
    }
  }
  assert.deepEqual(p.decisionFunctionFromCodes(codes, 3).data, want);
});

Deno.test("a float predictor's input buffer is scored as the same float32 rows", () => {
  for (const e of [lite, full]) {
    using p = e.preparePredictor(pruned);
    const buffer = p.inputBuffer(4);
    assert.ok(buffer instanceof Float32Array);
    assert.equal(buffer.length, 4 * 64);
    buffer.set(x32.data.subarray(0, 4 * 64));
    assert.deepEqual(
      p.decisionFunction({ data: buffer, rows: 4, cols: 64 }).data,
      p.decisionFunction(takeRows(x32, Int32Array.from([0, 1, 2, 3]))).data,
    );
  }
});

/** Every array and number a model holds, changed (classes emptied). */
function scramble(o: unknown, seen = new Set<unknown>()): void {
  if (o === null || typeof o !== "object" || seen.has(o)) return;
  seen.add(o);
  if (ArrayBuffer.isView(o)) {
    const a = o as unknown as Float64Array;
    for (let i = 0; i < a.length; i++) a[i] = a[i] * 3 + 1;
    return;
  }
  const r = o as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (typeof r[key] === "number" && key !== "version") r[key] = (r[key] as number) + 1;
    else if (Array.isArray(r[key]) && key === "classes") r[key] = [];
    else scramble(r[key], seen);
  }
}

Deno.test("changes to a model after prepare do not reach its prepared predictor", () => {
  const bytes = stored.map(([name, m]) => [name, encodeModel(m)] as const);
  const cases = [[lite, "auto", x], [full, "auto", x], [full, "ts", x32], [
    full,
    "auto",
    x32,
  ]] as const;
  for (const [e, backend, rows] of cases) {
    for (const [name, b] of bytes) {
      const m = lite.decodeModel(b);
      const p = m.kind === "quantized-logistic-regression"
        ? e.prepareQuantizedPredictor(m, { backend })
        : e.preparePredictor(m, { backend });
      const before = [p.decisionFunction(rows).data, p.predictProba(rows).data, p.predict(rows)];
      scramble(m);
      const after = [p.decisionFunction(rows).data, p.predictProba(rows).data, p.predict(rows)];
      assert.deepEqual(after, before, `${e === lite ? "lite" : "full"}, ${name}, ${backend}`);
      p.close();
    }
  }
});

Deno.test("a closed prepared predictor refuses every call", () => {
  for (const e of [lite, full] as Entry[]) {
    for (const [name, m] of files) {
      let p: { decisionFunction(x: lite.Matrix): unknown; inputBuffer(n: number): unknown };
      {
        using q = m.kind === "quantized-logistic-regression"
          ? e.prepareQuantizedPredictor(m)
          : e.preparePredictor(m);
        p = q;
        p.decisionFunction(x);
      }
      assert.throws(
        () => p.decisionFunction(x),
        new RangeError("Cannot compute scores: the predictor is closed"),
        name,
      );
      assert.throws(
        () => p.inputBuffer(1),
        new RangeError("Cannot make an input buffer: the predictor is closed"),
        name,
      );
    }
  }
});

/** What a call throws, as "Name: message", or "no error". */
function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return "no error";
}

Deno.test("the lite entry's prepared predictors refuse backend wasm, after the library's checks", () => {
  const [, q] = files[3];
  const wasm = { backend: "wasm" } as const;
  assert.throws(
    () => lite.preparePredictor(model, wasm),
    new RangeError(
      "Cannot prepare predictor: backend wasm needs the wasm kernels, which the lite bundle " +
        "leaves out (use auto or ts, or the full bundle of lib/browser.ts)",
    ),
  );
  assert.throws(
    () => lite.prepareQuantizedPredictor(q as QuantizedModel, wasm),
    new RangeError(
      "Cannot prepare quantized predictor: backend wasm needs the wasm kernels, which the lite " +
        "bundle leaves out (use auto or ts, or the full bundle of lib/browser.ts)",
    ),
  );
  const malformed = { ...model, bias: new Float64Array(2) };
  const malformedQ = { ...q, bias: new Float64Array(2) } as unknown as QuantizedModel;
  const typo = { backend: "wasm", thread: 2 } as unknown as typeof wasm;
  const calls: [string, (e: Entry) => unknown][] = [
    ["malformed model", (e) => e.preparePredictor(malformed, wasm)],
    ["misspelled key", (e) => e.preparePredictor(model, typo)],
    ["threads 0", (e) => e.preparePredictor(model, { backend: "wasm", threads: 0 })],
    ["bad columns", (e) => e.preparePredictor(model, { backend: "wasm", columns: [0, 3] })],
    ["inputWidth without columns", (e) => e.preparePredictor(model, { ...wasm, inputWidth: 9 })],
    ["malformed quantized model", (e) => e.prepareQuantizedPredictor(malformedQ, wasm)],
    ["quantized, misspelled key", (e) => e.prepareQuantizedPredictor(q as QuantizedModel, typo)],
  ];
  for (const [name, call] of calls) {
    const expected = message(() => call(full));
    assert.match(expected, /^[A-Za-z]*Error: Cannot /, name);
    assert.equal(message(() => call(lite)), expected, name);
  }
  // Bad inputs to a prepared predictor: the library's words.
  const nan = lite.fromRows([Array.from({ length: 64 }, (_, j) => (j === 5 ? NaN : 1))]);
  const narrow = lite.fromRows([[1, 2, 3]]);
  for (const [name, m] of files) {
    for (const bad of [nan, narrow]) {
      const call = (e: Entry) => {
        const p = m.kind === "quantized-logistic-regression"
          ? e.prepareQuantizedPredictor(m, { backend: "ts" })
          : e.preparePredictor(m, { backend: "ts" });
        return p.decisionFunction(bad);
      };
      const expected = message(() => call(full));
      assert.match(expected, /^[A-Za-z]*Error: Cannot /, name);
      assert.equal(message(() => call(lite)), expected, name);
    }
  }
});

Deno.test("a reference predictor's input buffer is one memory, as the kernels' is", () => {
  const cases = [[lite, "auto"], [full, "ts"], [full, "auto"]] as const;
  for (const [e, backend] of cases) {
    for (const [name, m] of files) {
      using p = m.kind === "quantized-logistic-regression"
        ? e.prepareQuantizedPredictor(m, { backend })
        : e.preparePredictor(m, { backend });
      const what = `${e === lite ? "lite" : "full"}, ${backend}, ${name}`;
      // Filled through one call, scored through the next: the contract's "the same memory".
      const integerOnly = p.inputBuffer(0) instanceof Uint8Array;
      const rows = integerOnly
        ? Uint8Array.from(x.data.subarray(0, 3 * 64))
        : x32.data.subarray(0, 3 * 64);
      p.inputBuffer(3).set(rows);
      const again = p.inputBuffer(3);
      assert.deepEqual(Array.from(again), Array.from(rows), what);
      // Fewer rows: a view of the same memory.
      assert.equal(p.inputBuffer(1).buffer, again.buffer, what);
      assert.deepEqual(Array.from(p.inputBuffer(1)), Array.from(rows.subarray(0, 64)), what);
      const scored = integerOnly
        ? (p as lite.QuantizedPredictor).decisionFunctionFromCodes(
          p.inputBuffer(3) as Uint8Array,
          3,
        )
        : p.decisionFunction({ data: p.inputBuffer(3) as Float32Array, rows: 3, cols: 64 });
      const expected = integerOnly
        ? (p as lite.QuantizedPredictor).decisionFunctionFromCodes(rows as Uint8Array, 3)
        : p.decisionFunction({ data: rows as Float32Array, rows: 3, cols: 64 });
      assert.deepEqual(scored.data, expected.data, what);
    }
  }
});
