import assert from "node:assert/strict";
import {
  createCompressionSession,
  type SearchOptions,
  type SearchResult,
  type SweepResult,
} from "../../lib/compress/mod.ts";
import { SEARCH_DEFAULTS } from "../../lib/compress/space.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { decodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { predict } from "../../lib/model/predict.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");
const SPACE = { sparsities: [0, 0.5, 0.7, 0.8, 0.9], bits: [1, 2, 3, 4, 8] };

function session(seed = 0) {
  return createCompressionSession(digits.train, { ...FAST, seed, test: digits.test });
}

function check(s: ReturnType<typeof session>, r: SearchResult, maxDrop: number): void {
  // The chosen file, read back and evaluated here, is within budget on the validation data.
  const float = asFloatModel(decodeModel(r.file));
  const v = s.validation;
  const measured = accuracy(v.y, predict(float, v.x));
  assert.equal(measured, r.chosen.validation.accuracy);
  assert.ok(measured >= s.denseReport.validation.accuracy - maxDrop - 1e-12);
  assert.equal(r.target, s.denseReport.validation.accuracy - maxDrop);
  assert.equal(r.chosen.bytes, r.file.length);
  // No smaller candidate it evaluated is within budget; the flags say which are.
  for (const t of r.tried) {
    assert.equal(t.feasible, t.validation.accuracy >= r.target - 1e-12, t.name);
    if (t.feasible) assert.ok(t.bytes >= r.chosen.bytes, `${t.name}: ${t.bytes} bytes`);
  }
  assert.ok(r.tried.some((t) => t.name === r.chosen.name && t.bytes === r.chosen.bytes));
  assert.equal(r.stages.at(-1)!.bytes, r.chosen.bytes);
}

Deno.test("the budget search returns the smallest evaluated file within the budget", () => {
  const s = session();
  for (const maxDrop of [0.01, 0.03]) {
    const r = s.search({ ...SPACE, maxDrop });
    check(s, r, maxDrop);
    assert.ok(r.chosen.ratio > 3, `${r.chosen.name}: ${r.chosen.ratio}`);
    assert.ok(r.tried.length > 10);
    for (const k of r.skipped) assert.ok(k.reason.length > 10, k.name);
    // The chosen model against the dense one's float32 file, sample by sample on each split:
    // b samples only the dense model gets right, c only the chosen one, counted here.
    const dense = asFloatModel(s.compress({ prune: false, quantize: false }).model);
    const chosen = asFloatModel(decodeModel(r.file));
    const splits = [
      [r.validationDifference, s.validation],
      [r.testDifference!, digits.test],
    ] as const;
    for (const [d, { x, y }] of splits) {
      const pd = predict(dense, x), pc = predict(chosen, x);
      let b = 0, c = 0;
      for (let i = 0; i < y.length; i++) {
        if (pd[i] === y[i] && pc[i] !== y[i]) b++;
        if (pc[i] === y[i] && pd[i] !== y[i]) c++;
      }
      assert.deepEqual(
        [d.samples, d.onlyBaseline, d.onlyCandidate, d.difference],
        [y.length, b, c, (c - b) / y.length],
      );
    }
    assert.ok(
      r.testDifference!.onlyBaseline !== r.testDifference!.onlyCandidate,
      "the test split tells baseline from candidate",
    );
  }
});

/** The space of the sweep oracle: every structure and method the search may choose from. */
const SWEPT = {
  ...SPACE,
  structures: ["weights", "features"] as const,
  methods: SEARCH_DEFAULTS.methods, // the search's own default methods
};

let swept: { s: ReturnType<typeof session>; sweep: SweepResult } | null = null;

/**
 * The oracle: every candidate of {@linkcode SWEPT} made and measured, once for the tests that
 * compare against it (the search may skip any candidate, but must not miss a smaller feasible
 * file; sizes do not grow with the bit width: with "auto" storage a wider code may fold the
 * preprocessing, which a narrower one could not afford).
 */
function sweptOracle(): { s: ReturnType<typeof session>; sweep: SweepResult } {
  if (swept === null) {
    const s = session();
    swept = { s, sweep: s.sweep(SWEPT) };
  }
  return swept;
}

/** The smallest file of the sweep (the dense model included) within a budget. */
function smallestFeasible(sweep: SweepResult, maxDrop: number): number {
  const target = sweep.dense.validation.accuracy - maxDrop;
  return Math.min(
    sweep.dense.bytes,
    ...sweep.rows.filter((r) => r.validation.accuracy >= target - 1e-12).map((r) => r.bytes),
  );
}

Deno.test("the search finds the smallest file within budget that a sweep of the same space has", () => {
  const { s, sweep } = sweptOracle();
  for (const maxDrop of [0, 0.005, 0.01, 0.02, 0.05]) {
    const r = s.search({ ...SWEPT, maxDrop });
    check(s, r, maxDrop);
    assert.equal(
      r.chosen.bytes,
      smallestFeasible(sweep, maxDrop),
      `budget ${maxDrop}: ${r.chosen.name}`,
    );
  }
});

/** The reason the search gives for a pruning level it skips before fine-tuning. */
const LEVEL_SKIP =
  /^its smallest file \((\d+) bytes, measured before fine-tuning\) is not smaller than the best so far \((\d+) bytes\)$/;

/** Whether a candidate's name is of a pruning level (its float32 model or a quantization). */
function ofLevel(name: string, level: string): boolean {
  return name.startsWith(`${level}, `) || name.startsWith(`${level} + `);
}

Deno.test("the search skips pruning levels that cannot beat the best file so far and misses nothing by it", () => {
  // Feature pruning first: its small files become the best so far before the weight-pruning
  // ladder starts, whose low sparsities cannot beat them even at their lowest width.
  const { s, sweep } = sweptOracle();
  const space = { ...SWEPT, structures: ["features", "weights"] as const };
  for (const maxDrop of [0.05, 0.1]) {
    const r = s.search({ ...space, maxDrop });
    check(s, r, maxDrop);
    assert.equal(
      r.chosen.bytes,
      smallestFeasible(sweep, maxDrop),
      `budget ${maxDrop}: ${r.chosen.name}`,
    );
    const levels = r.skipped.filter((k) => LEVEL_SKIP.test(k.reason));
    assert.ok(levels.length > 0, `budget ${maxDrop}: no level skipped`);
    for (const k of levels) {
      const [, smallest, best] = k.reason.match(LEVEL_SKIP)!.map(Number);
      assert.ok(smallest >= best, `${k.name}: ${k.reason}`);
      assert.ok(best >= r.chosen.bytes, `${k.name}: ${k.reason}`);
      // Skipped means neither fine-tuned nor evaluated.
      assert.ok(!r.bases.some((b) => b.name === k.name), k.name);
      assert.ok(!r.tried.some((t) => ofLevel(t.name, k.name)), k.name);
      // The sweep made every candidate of the level: none beats the best file of the moment.
      const rows = sweep.rows.filter((row) => ofLevel(row.name, k.name));
      assert.ok(rows.length > 0, k.name);
      for (const row of rows) assert.ok(row.bytes >= best, `${row.name}: ${row.bytes} bytes`);
    }
  }
});

Deno.test("a pruning level whose float32 file beats every quantized form is not skipped", async () => {
  // Per-feature scales cost more than a few float32 weights, and no 8-bit k-means fits 30
  // weights: in both spaces the smallest file of the 90 % level is its float32 model, which the
  // level skip once left out (it chose the 585-byte dense model over a 481-byte one in budget).
  const cancer = await loadEmbedded("breast-cancer");
  const s = createCompressionSession(cancer, { fineTune: { kind: "lbfgs", maxIterations: 20 } });
  for (
    const space of [
      { sparsities: [0, 0.9], granularities: ["feature"] as const, bits: [2, 4] },
      { sparsities: [0, 0.5, 0.9], methods: [{ kind: "kmeans" }] as const, bits: [8] },
    ]
  ) {
    const sweep = s.sweep({ ...space, training: ["ptq"] });
    const r = s.search({ ...space, training: ["ptq"], maxDrop: 0.05 });
    check(s, r, 0.05);
    const best = smallestFeasible(sweep, 0.05);
    assert.equal(r.chosen.bytes, best, r.chosen.name);
    assert.ok(best < sweep.dense.bytes, "the oracle's answer is a pruned float32 model");
  }
});

Deno.test("the search leaves out the pruned float32 models when includeFloat is false", () => {
  const s = session();
  const space = { sparsities: [0, 0.5, 0.9], bits: [2, 4], training: ["ptq"] as const };
  const without = s.search({ ...space, includeFloat: false, maxDrop: 0.05 });
  const floats = without.tried.filter((t) => t.quantization === null).map((t) => t.name);
  assert.deepEqual(floats, [without.tried[0].name], "only the dense reference");
  assert.equal(without.tried[0].name, s.denseReport.name);
  check(s, without, 0.05);
  const sweep = s.sweep({ ...space, includeFloat: false });
  assert.equal(without.chosen.bytes, smallestFeasible(sweep, 0.05));
  // With them (the default) the pruned levels' float32 models are tried.
  const withFloat = s.search({ ...space, maxDrop: 0.05 });
  assert.ok(withFloat.tried.filter((t) => t.quantization === null).length > 1);
});

Deno.test("a zero budget keeps the dense validation accuracy", () => {
  const s = session();
  const r = s.search({ ...SPACE, maxDrop: 0 });
  check(s, r, 0);
  assert.ok(r.chosen.validation.accuracy >= s.denseReport.validation.accuracy);
});

Deno.test("a larger budget never chooses a larger file", () => {
  const s = session();
  let last = Infinity;
  for (const maxDrop of [0, 0.01, 0.05, 0.2]) {
    const r = s.search({ ...SPACE, maxDrop });
    assert.ok(r.file.length <= last, `${maxDrop}: ${r.file.length} > ${last}`);
    last = r.file.length;
  }
});

Deno.test("the search is deterministic for a seed", () => {
  const run = () => session(5).search({ ...SPACE, maxDrop: 0.02 });
  const a = run(), b = run();
  assert.deepEqual(a.file, b.file);
  const key = (r: SearchResult) =>
    r.tried.map((t) => [t.name, t.bytes, t.validation.accuracy, t.test!.accuracy, t.feasible]);
  assert.deepEqual(key(a), key(b));
  assert.deepEqual(a.skipped, b.skipped);
});

Deno.test("bad search settings are refused with a message naming them", () => {
  const s = session();
  assert.throws(
    () => s.search({ maxDrop: -0.1 }),
    /maxDrop must be a fraction in \[0, 1\) \(0.01 is one percentage point\), got -0.1$/,
  );
  // null is no budget (it once took the default one point here, and was refused by
  // searchCompression): refused as every null option is.
  assert.throws(
    () => s.search({ maxDrop: null as unknown as number }),
    /TypeError: Cannot search compression: maxDrop is null: give a value, or leave it out for its default$/,
  );
  // A string is named as one, not printed as the number it spells.
  assert.throws(
    () => s.search({ maxDrop: "0.01" as unknown as number }),
    /maxDrop must be a fraction .*, got string "0.01"$/,
  );
  assert.throws(
    () => s.search({ standardErrors: "1" as unknown as number }),
    /standardErrors must be a finite number .*, got string "1"$/,
  );
  assert.throws(() => s.search({ sparsities: [] }), TypeError);
  assert.throws(() => s.search({ bits: [0] }), /bits must be an integer/);
  assert.throws(() => s.search({ strategies: ["best" as "magnitude"] }), /unknown strategy 'best'/);
});

/** The search's measuring events for a search over `space` on a fresh session. */
function measuringEvents(space: SearchOptions): { done: number; total: number; message: string }[] {
  const events: { done: number; total: number; message: string }[] = [];
  const s = createCompressionSession(digits.train, {
    ...FAST,
    onProgress: (p) => {
      if (p.phase === "measuring") {
        events.push({ done: p.done, total: p.total, message: p.message });
      }
    },
  });
  events.length = 0;
  s.search(space);
  return events;
}

/**
 * Each step adds what it stands for, so the count never stalls at the total (an overcount) and
 * reaches it before the finish (an undercount would leave the finish to jump).
 */
function assertCountReachesTotal(events: { done: number; total: number; message: string }[]) {
  const total = events[0].total;
  for (let i = 1; i < events.length - 1; i++) {
    assert.ok(events[i].done > events[i - 1].done, `${events[i].message}: no progress`);
  }
  assert.equal(events.at(-2)!.done, total, events.at(-2)!.message);
  assert.equal(events.at(-1)!.done, total);
}

Deno.test("the search counts every planned model once: its count reaches the total before it finishes", () => {
  // float16 (one width of the three), a width log2 cannot take, QAT after PTQ met the target,
  // and the dense level met again in the second ladder.
  assertCountReachesTotal(measuringEvents({
    sparsities: [0, 0.5],
    structures: ["weights", "features"],
    // (The second uniform resolves to the first: made once, planned and counted twice.)
    methods: [
      { kind: "uniform" },
      { kind: "uniform", calibration: { kind: "mse" } },
      { kind: "log2" },
      { kind: "float16" },
    ],
    bits: [4, 8, 9],
    training: ["ptq", "qat"],
    maxDrop: 0.1,
  }));
});

Deno.test("the search's progress never goes back or past its total, and ends at it", () => {
  const events: { done: number; total: number }[] = [];
  const s = createCompressionSession(digits.train, {
    ...FAST,
    onProgress: (p) => {
      if (p.phase === "measuring") events.push({ done: p.done, total: p.total });
    },
  });
  events.length = 0;
  // Feature levels first make small files, so later weight levels are skipped whole.
  const r = s.search({ ...SPACE, structures: ["features", "weights"], maxDrop: 0.1 });
  assert.ok(r.skipped.some((k) => LEVEL_SKIP.test(k.reason)), "a level was skipped");
  const total = events[0].total;
  assert.ok(events.every((e) => e.total === total));
  for (let i = 1; i < events.length; i++) assert.ok(events[i].done >= events[i - 1].done);
  assert.ok(events.every((e) => e.done <= total));
  assert.equal(events.at(-1)!.done, total);
});

Deno.test("the search's count reaches its total with the last model when no level is the dense model", () => {
  // The dense model is tried as the reference, but no sparsity is 0: it is one more model.
  assertCountReachesTotal(measuringEvents({
    sparsities: [0.5, 0.8],
    methods: [{ kind: "uniform" }],
    bits: [4, 8],
    training: ["ptq"],
    maxDrop: 0.05,
  }));
});

Deno.test("without a mask, the search does not take post-training quantization's file as quantization-aware training's least", () => {
  // A dense model stores no code of 0.0, and quantization-aware training can zero weights that
  // post-training quantization keeps: its file can be the smaller one.
  const s = createCompressionSession(digits.train, { ...FAST, preprocessingStorage: "compact" });
  const space = {
    sparsities: [0],
    methods: [{ kind: "uniform", scheme: "affine" }, { kind: "log2" }] as const,
    bits: [4, 5],
    granularities: ["class"] as const,
    includeFloat: false,
  };
  const sweep = s.sweep(space);
  const pairs = sweep.rows.filter((q) =>
    q.quantization?.training === "qat" &&
    sweep.rows.some((p) =>
      p.quantization?.training === "ptq" && p.quantization.method === q.quantization!.method &&
      p.bytes > q.bytes
    )
  );
  assert.ok(pairs.length > 0, "a QAT file smaller than its PTQ twin");
  for (const maxDrop of [0, 0.005, 0.01, 0.02]) {
    const r = s.search({ ...space, maxDrop });
    assert.equal(r.chosen.bytes, smallestFeasible(sweep, maxDrop), `budget ${maxDrop}`);
  }
  for (const maxBytes of [592, 600, 670]) {
    const r = s.searchWithinBytes({ ...space, maxBytes });
    const fits = [sweep.dense, ...sweep.rows].filter((row) => row.bytes <= maxBytes);
    const best = Math.max(...fits.map((row) => row.validation.accuracy));
    assert.equal(r.chosen.validation.accuracy, best, `${maxBytes} bytes`);
  }
});
