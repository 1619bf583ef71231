import assert from "node:assert/strict";
import {
  type CompressProgress,
  createCompressionSession,
  searchCompression,
  sweepCompression,
} from "../../lib/compress/mod.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { accuracy } from "../../lib/metrics/metrics.ts";
import { predict } from "../../lib/model/predict.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");

const SPACE = {
  sparsities: [0, 0.5, 0.8],
  methods: [{ kind: "uniform" }, { kind: "kmeans" }],
  bits: [2, 4],
  training: ["ptq", "qat"],
} as const;

Deno.test("the sweep's front holds exactly the models no other model beats on bytes and accuracy", () => {
  const sweep = sweepCompression(digits.train, {
    ...FAST,
    ...SPACE,
    structures: ["weights", "features"],
  });
  const rows = sweep.rows;
  const acc = (i: number) => rows[i].validation.accuracy;
  const dominates = (a: number, b: number) =>
    rows[a].bytes <= rows[b].bytes && acc(a) >= acc(b) &&
    (rows[a].bytes < rows[b].bytes || acc(a) > acc(b));
  const front = new Set(sweep.front);
  assert.ok(front.size > 1);
  for (let i = 0; i < rows.length; i++) {
    const beaten = rows.some((_, j) => dominates(j, i));
    assert.equal(front.has(i), !beaten, `${rows[i].name}: on front ${front.has(i)}`);
  }
  for (let k = 1; k < sweep.front.length; k++) {
    assert.ok(rows[sweep.front[k]].bytes >= rows[sweep.front[k - 1]].bytes);
  }
});

Deno.test("every sweep row is one combination, measured on the file of its model", () => {
  const session = createCompressionSession(digits.train, { ...FAST, test: digits.test });
  const sweep = session.sweep(SPACE);
  // 3 levels x (float32 + 2 methods x 2 widths x 2 trainings)
  assert.equal(sweep.rows.length + sweep.skipped.length, 3 * (1 + 2 * 2 * 2));
  assert.equal(sweep.bases.length, 2);
  const names = new Set(sweep.rows.map((r) => r.name));
  assert.equal(names.size, sweep.rows.length, "no combination twice");
  sweep.rows.forEach((r, i) => {
    const model = sweep.models[i];
    assert.equal(r.bytes, encodeModel(model).length, r.name);
    const float = asFloatModel(model);
    assert.equal(
      r.validation.accuracy,
      accuracy(session.validation.y, predict(float, session.validation.x)),
    );
    if (r.quantization) assert.equal(r.bits, r.quantization.bits);
    else assert.equal(r.bits, 32);
    const sparsity = r.prune?.sparsity ?? 0;
    assert.ok(r.nonZeros <= Math.round((1 - sparsity) * 640), r.name);
  });
});

Deno.test("a sweep prunes and fine-tunes each level once, and a second sweep reuses them", () => {
  const events: CompressProgress[] = [];
  const session = createCompressionSession(digits.train, {
    ...FAST,
    onProgress: (p) => events.push(p),
  });
  const fineTunes = () =>
    events.filter((e) => e.phase === "fine-tuning" && e.fit?.epoch === 1).length;
  events.length = 0;
  const first = session.sweep(SPACE);
  assert.equal(fineTunes(), 2);
  // progress counts up to the planned total
  const done = events.map((e) => e.done);
  for (let i = 1; i < done.length; i++) assert.ok(done[i] >= done[i - 1]);
  assert.equal(events.at(-1)!.done, events.at(-1)!.total);
  assert.equal(events.at(-1)!.total, 3 * (1 + 2 * 2 * 2));
  events.length = 0;
  const second = session.sweep({ ...SPACE, bits: [3] });
  assert.equal(fineTunes(), 0, "no level fine-tuned again");
  assert.equal(second.bases.length, first.bases.length);
});

const cancer = await splitSet("breast-cancer");

Deno.test("methods that resolve to the same method are made once, and progress counts them once", () => {
  const events: CompressProgress[] = [];
  const s = createCompressionSession(cancer.train, {
    ...FAST,
    fineTune: false,
    onProgress: (p) => events.push(p),
  });
  events.length = 0;
  const sweep = s.sweep({
    sparsities: [0],
    methods: [{ kind: "uniform" }, { kind: "uniform", scheme: "symmetric" }],
    bits: [4],
    training: ["ptq"],
  });
  assert.deepEqual(sweep.rows.map((r) => r.name), [
    "dense, float32",
    "uniform symmetric 4-bit per class (mse)",
  ]);
  assert.equal(events.at(-1)!.total, 2);
  assert.equal(events.at(-1)!.done, 2);
  // Calibration and rounding settings written in another key order, or with their defaults.
  for (
    const methods of [
      [
        { kind: "uniform", rounding: { kind: "stochastic" } },
        { kind: "uniform", rounding: { kind: "stochastic", seed: 0 } },
      ],
      [
        { kind: "uniform", calibration: { kind: "percentile", percentile: 99 } },
        { kind: "uniform", calibration: { percentile: 99, kind: "percentile" } },
      ],
    ] as const
  ) {
    const rows = s.sweep({ sparsities: [0], methods, bits: [4], training: ["ptq"] }).rows;
    assert.equal(rows.length, 2, rows.map((r) => r.name).join(", "));
  }
});

Deno.test("a combination ruled out is listed once, whatever the granularities and trainings", () => {
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const sweep = s.sweep({
    sparsities: [0],
    methods: [{ kind: "uniform" }, { kind: "log2" }],
    bits: [1],
    granularities: ["tensor", "class"],
    training: ["ptq", "qat"],
  });
  assert.deepEqual(sweep.skipped, [
    { name: "log2 1-bit", reason: "1-bit log2 is 1-bit uniform symmetric (sign times scale)" },
  ]);
});

Deno.test("sparsities whose percentages read the same are refused, in the sweep and the search", () => {
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  for (
    const [action, run] of [
      ["sweep", () => s.sweep({ sparsities: [0.5, 0.5000001], bits: [4], training: ["ptq"] })],
      ["search", () => s.search({ sparsities: [0, 0.0000001], bits: [4], training: ["ptq"] })],
    ] as const
  ) {
    assert.throws(
      run,
      (e: Error) =>
        e instanceof RangeError &&
        new RegExp(`^Cannot ${action} compression: sparsities .* both read `).test(e.message),
      action,
    );
  }
});

Deno.test("settings no model of the space uses are refused, in the sweep and the search", () => {
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const float16 = [{ kind: "float16" }] as const;
  const cases: [() => unknown, RegExp][] = [
    [() => s.sweep({ methods: float16, bits: [4] }), /bits do not apply: every method is float16/],
    [
      () => s.search({ methods: float16, granularities: ["class"] }),
      /granularities do not apply: every method is float16/,
    ],
    [
      () => s.sweep({ sparsities: [0], strategies: ["taylor"], bits: [4] }),
      /strategies do not apply: no sparsity prunes/,
    ],
    [
      () => s.search({ sparsities: [0], structures: ["features"], bits: [4] }),
      /structures do not apply: no sparsity prunes/,
    ],
  ];
  for (const [run, message] of cases) assert.throws(run, message);
  // With one method that takes bits, or one sparsity that prunes, they apply.
  const mixed = s.sweep({
    methods: [{ kind: "float16" }, { kind: "uniform" }],
    bits: [4],
    sparsities: [0],
    training: ["ptq"],
  });
  assert.equal(mixed.rows.length, 3);
});

Deno.test("includeFloat must be a boolean, checked before the dense model is trained", () => {
  let events = 0;
  assert.throws(
    () =>
      sweepCompression(cancer.train, {
        ...FAST,
        includeFloat: "no" as unknown as boolean,
        onProgress: () => events++,
      }),
    (e: Error) =>
      e instanceof TypeError &&
      /^Cannot sweep compression: includeFloat must be a boolean, got string "no"/.test(e.message),
  );
  assert.equal(events, 0);
});

Deno.test("a list with a missing item is refused by name, in the sweep and the search", () => {
  // Sparse lists: forEach skips their holes, for-of reads them as undefined.
  const cases = [
    ["methods", [, { kind: "uniform" }]],
    ["structures", [, "weights"]],
    ["granularities", [, "class"]],
    ["training", ["ptq", undefined]],
  ] as const;
  for (const [name, value] of cases) {
    for (
      const [run, action] of [[sweepCompression, "sweep"], [searchCompression, "search"]] as const
    ) {
      assert.throws(
        () => run(cancer.train, { ...FAST, [name]: value }),
        (e: Error) =>
          e instanceof TypeError &&
          e.message.startsWith(`Cannot ${action} compression: ${name}[`) &&
          / is missing/.test(e.message),
        `${action} ${name}`,
      );
    }
  }
});

Deno.test("a sweep that can measure no model says why instead of returning nothing", () => {
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  assert.throws(
    () =>
      s.sweep({
        includeFloat: false,
        sparsities: [0],
        methods: [{ kind: "log2" }],
        bits: [9, 10],
        training: ["ptq"],
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot sweep compression: every combination was skipped: log2 9-bit \(log2 levels take at most 8 bits\); log2 10-bit/
        .test(e.message),
  );
  // Every candidate made and refused: a 4096-level codebook for 30 weights.
  assert.throws(
    () =>
      s.sweep({
        includeFloat: false,
        sparsities: [0],
        methods: [{ kind: "kmeans" }],
        bits: [12],
        training: ["ptq"],
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot sweep compression: every combination was skipped: k-means 4096 levels .*needs at least 4096 distinct weights/
        .test(e.message),
  );
});

Deno.test("the dense model's rows report the time that trained it", () => {
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const stages = s.compress({ prune: false, quantize: false }).stages;
  const sweep = s.sweep({ sparsities: [0], bits: [4], training: ["ptq"] });
  const row = sweep.rows.find((r) => r.name === "dense, float32")!;
  assert.ok(stages[0].seconds > 0);
  assert.equal(s.denseReport.seconds, stages[0].seconds);
  assert.equal(sweep.dense.seconds, stages[0].seconds);
  assert.equal(row.seconds, stages[0].seconds);
});

Deno.test("a pruned level's stages split the time its float32 row reports", () => {
  // The row of a fine-tuned level reports the time that made it: pruning plus fine-tuning. The
  // stages report each step's share ("seconds spent making this model from the previous step"),
  // so the pruned and fine-tuned stages add up to the row, and the quantized stage adds its own.
  // (No duration is asserted: only how the same measured times are shared out.)
  const s = createCompressionSession(cancer.train, { ...FAST });
  const sweep = s.sweep({ sparsities: [0.5], bits: [4], training: ["ptq"] });
  const float = sweep.rows.find((r) => r.quantization === null && r.prune !== null)!;
  const quantized = sweep.rows.find((r) => r.quantization !== null && r.prune !== null)!;
  const r = s.compress({
    prune: { fraction: 0.5 },
    quantize: { method: { kind: "uniform", bits: 4 }, training: "ptq" },
  });
  assert.deepEqual(r.stages.map((st) => st.stage), ["dense", "pruned", "fine-tuned", "quantized"]);
  const [dense, pruned, tuned, last] = r.stages;
  assert.equal(dense.seconds, s.denseReport.seconds);
  assert.equal(pruned.seconds + tuned.seconds, float.seconds);
  assert.equal(last.name, quantized.name);
  assert.equal(last.seconds, quantized.seconds);
});

Deno.test("sparsities and bits given in any order are the same space, ascending", () => {
  // The oracle is the same call with the list sorted by hand: a space is a set of levels. A
  // sweep that took them as given listed the rows in that order, an iterative level was a round
  // of whatever came before it in the list, and two levels that read the same were refused only
  // when they happened to be neighbours in the list. Bit widths taken as given reordered the
  // sweep's rows and the search's tries.
  const s = createCompressionSession(cancer.train, { ...FAST });
  const space = { bits: [4], training: ["ptq"] as const, methods: [{ kind: "uniform" as const }] };
  const names = (r: { rows: readonly { name: string }[] }) => r.rows.map((row) => row.name);
  const sorted = s.sweep({ ...space, sparsities: [0, 0.5, 0.8] });
  const shuffled = s.sweep({ ...space, sparsities: [0.8, 0, 0.5] });
  assert.deepEqual(names(shuffled), names(sorted));
  const sparsity = sorted.rows.map((r) => r.prune?.sparsity ?? 0);
  assert.deepEqual(sparsity, [...sparsity].sort((a, b) => a - b));
  // Bit widths likewise, in the sweep and in the search (which tries each method's widths from
  // the lowest).
  const wide = { ...space, sparsities: [0, 0.5] };
  assert.deepEqual(
    names(s.sweep({ ...wide, bits: [8, 2, 4] })),
    names(s.sweep({ ...wide, bits: [2, 4, 8] })),
  );
  const tried = (bits: number[]) =>
    s.search({ ...wide, bits, maxDrop: 0.02 }).tried.map((t) => t.name);
  assert.deepEqual(tried([8, 2, 4]), tried([2, 4, 8]));
  const iterative = { ...space, iterative: true };
  assert.deepEqual(
    names(s.sweep({ ...iterative, sparsities: [0.8, 0.5] })),
    names(s.sweep({ ...iterative, sparsities: [0.5, 0.8] })),
  );
  assert.throws(
    () => s.sweep({ ...space, sparsities: [0.5, 0.8, 0.5000001] }),
    (e: Error) =>
      e instanceof RangeError && /sparsities 0.5 and 0.5000001 both read /.test(e.message),
  );
});

/** The rows no other row beats on bytes and the given accuracy, by brute force (O(n^2)). */
function bruteFront(rows: readonly { bytes: number; accuracy: number }[]): number[] {
  const dominates = (a: number, b: number) =>
    rows[a].bytes <= rows[b].bytes && rows[a].accuracy >= rows[b].accuracy &&
    (rows[a].bytes < rows[b].bytes || rows[a].accuracy > rows[b].accuracy);
  return rows.map((_, i) => i).filter((i) => !rows.some((_, j) => dominates(j, i)));
}

Deno.test("the sweep's front is by validation accuracy, also when the session has test data", () => {
  // The sweep's documented front is of validation accuracy against file bytes; the front test
  // above swept without test data, where no other accuracy exists to be taken by mistake.
  const session = createCompressionSession(digits.train, { ...FAST, test: digits.test });
  const sweep = session.sweep({ ...SPACE, structures: ["weights", "features"] });
  const byValidation = bruteFront(
    sweep.rows.map((r) => ({ bytes: r.bytes, accuracy: r.validation.accuracy })),
  );
  const byTest = bruteFront(
    sweep.rows.map((r) => ({ bytes: r.bytes, accuracy: r.test!.accuracy })),
  );
  assert.notDeepEqual(byTest, byValidation, "the two fronts differ here");
  assert.deepEqual([...sweep.front].sort((a, b) => a - b), byValidation);
});

Deno.test("a sweep over weights and features measures the dense level once", () => {
  // Both structures' ladders start at sparsity 0, the same dense model: 3 levels (dense, 50 % of
  // weights, 50 % of features), each stored in float32 and quantized once. Digits: with one output
  // row (breast cancer) the features level is the weights level (tests/compress/twins_test.ts).
  const s = createCompressionSession(digits.train, { ...FAST, fineTune: false });
  const sweep = s.sweep({
    sparsities: [0, 0.5],
    structures: ["weights", "features"],
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
  });
  assert.deepEqual(sweep.rows.map((r) => r.name), [
    "dense, float32",
    "uniform symmetric 4-bit per class (mse)",
    "magnitude 50 % of weights, float32",
    "magnitude 50 % of weights + uniform symmetric 4-bit per class (mse)",
    "magnitude 50 % of features, float32",
    "magnitude 50 % of features + uniform symmetric 4-bit per class (mse)",
  ]);
  assert.deepEqual(sweep.skipped, []);
});

Deno.test("a sweep whose every quantization is ruled out still measures the float32 models", () => {
  // Documented: it refuses a plan without models only when the float32 models are excluded.
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const sweep = s.sweep({
    sparsities: [0, 0.5],
    methods: [{ kind: "log2" }],
    bits: [9],
    training: ["ptq"],
  });
  assert.deepEqual(sweep.rows.map((r) => r.name), [
    "dense, float32",
    "magnitude 50 % of weights, float32",
  ]);
  assert.deepEqual(sweep.skipped, [{
    name: "log2 9-bit",
    reason: "log2 levels take at most 8 bits",
  }]);
});

Deno.test("a sweep counts a model it cannot make as done: its progress reaches the total", () => {
  // A 4096-level codebook needs 4096 distinct weights, and breast cancer has 30 per level: both
  // levels' k-means models are refused and listed, beside the uniform ones made. Planned: 2
  // levels x (float32 + uniform + k-means) = 6, each counted once, made or not.
  const events: CompressProgress[] = [];
  const s = createCompressionSession(cancer.train, {
    ...FAST,
    onProgress: (p) => {
      if (p.phase === "measuring") events.push(p);
    },
  });
  events.length = 0;
  const sweep = s.sweep({
    sparsities: [0, 0.5],
    methods: [{ kind: "uniform" }, { kind: "kmeans" }],
    bits: [12],
    training: ["ptq"],
  });
  assert.equal(sweep.rows.length, 4);
  assert.deepEqual(sweep.skipped.map((k) => k.name.includes("k-means")), [true, true]);
  assert.equal(events[0].total, 6);
  const done = events.map((e) => e.done);
  for (let i = 1; i < done.length; i++) assert.ok(done[i] > done[i - 1], `${done}`);
  assert.equal(done.at(-1), 6);
  // Each skip's progress line names it as the skipped list does (it said "skipped magnitude 50 %
  // of weights + kmeans", which fits any width, granularity or training).
  assert.deepEqual(
    events.filter((e) => e.message.startsWith("skipped ")).map((e) => e.message),
    sweep.skipped.map((k) => `skipped ${k.name}`),
  );
});
