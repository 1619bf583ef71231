import assert from "node:assert/strict";
import {
  type CompressionSpace,
  type CompressProgress,
  createCompressionSession,
  searchCompression,
  sweepCompression,
} from "../../lib/compress/mod.ts";
import { MAX_BITS } from "../../lib/quant/types.ts";
import { dequantizeModel, quantizeModel } from "../../lib/quant/model.ts";
import type { QuantizationMethod } from "../../lib/quant/quantize.ts";
import { FAST, splitSet } from "./_data.ts";

// The space's checks and lists, as the sweep and the search read them (found by the mutation
// audit of space.ts and sweep.ts: each test fails with one of its rules dropped).

const cancer = await splitSet("breast-cancer");
const digits = await splitSet("digits");
const names = (r: { rows: readonly { name: string }[] }) => r.rows.map((row) => row.name);

Deno.test("repeated sparsities and bits are one level and one width, in the sweep and the search", () => {
  // The oracle is the same call with each value once: a space is a set of levels and widths. A
  // sparsity given twice is not two levels of one name (which the name check refuses).
  const s = createCompressionSession(cancer.train, { ...FAST });
  const space = { methods: [{ kind: "uniform" }] as const, training: ["ptq"] as const };
  const once = { ...space, sparsities: [0, 0.5], bits: [2, 4] };
  const twice = { ...space, sparsities: [0.5, 0, 0.5], bits: [4, 2, 4] };
  assert.deepEqual(names(s.sweep(twice)), names(s.sweep(once)));
  const a = s.search({ ...once, maxDrop: 0.02 });
  const b = s.search({ ...twice, maxDrop: 0.02 });
  assert.deepEqual(b.tried.map((t) => t.name), a.tried.map((t) => t.name));
  assert.deepEqual(b.skipped, a.skipped);
});

Deno.test("an empty list is refused by name before any training, in the sweep and the search", () => {
  const lists = [
    "strategies",
    "structures",
    "sparsities",
    "methods",
    "bits",
    "granularities",
    "training",
  ] as const;
  for (const name of lists) {
    for (
      const [run, action] of [[sweepCompression, "sweep"], [searchCompression, "search"]] as const
    ) {
      let events = 0;
      assert.throws(
        () => run(cancer.train, { ...FAST, [name]: [], onProgress: () => events++ }),
        (e: Error) =>
          e instanceof TypeError &&
          e.message ===
            `Cannot ${action} compression: ${name} must be a non-empty array, got Array(0)`,
        `${action} ${name}`,
      );
      assert.equal(events, 0, `${action} ${name}: trained first`);
    }
  }
});

Deno.test("unknown strategies, granularities, trainings and methods are refused by name", () => {
  // One-call sweeps and searches check the space before training; a search that met an unknown
  // method only when bounding its size skipped it as "cannot be quantized this way".
  const cases: [CompressionSpace, RegExp][] = [
    [{ strategies: ["biggest" as never] }, /unknown strategy 'biggest'/],
    [
      { granularities: ["row" as never] },
      /granularity must be tensor, class or feature, got 'row'/,
    ],
    [{ training: ["fp8" as never] }, /training must be ptq or qat, got 'fp8'/],
    [{ methods: [{ kind: "uniform", scheme: "skewed" as never }] }, /scheme/],
  ];
  for (const [space, message] of cases) {
    for (
      const [run, action] of [[sweepCompression, "sweep"], [searchCompression, "search"]] as const
    ) {
      let events = 0;
      assert.throws(
        () => run(cancer.train, { ...FAST, ...space, onProgress: () => events++ }),
        (e: Error) =>
          e instanceof RangeError && e.message.startsWith(`Cannot ${action} compression: `) &&
          message.test(e.message),
        `${action} ${JSON.stringify(space)}`,
      );
      assert.equal(events, 0, `${action} ${JSON.stringify(space)}: trained first`);
    }
  }
  // The session's search too (it has its dense model already).
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  assert.throws(
    () => s.search({ sparsities: [0], methods: [{ kind: "uniform", scheme: "skewed" as never }] }),
    (e: Error) => e instanceof RangeError && /^Cannot search compression: .*scheme/.test(e.message),
  );
});

Deno.test("bit widths and sparsities are taken over their whole ranges, ends included", () => {
  // bits 1..MAX_BITS (16) and sparsities in [0, 1); log2 up to 8 bits, skipped above.
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const widest = s.sweep({
    sparsities: [0],
    methods: [{ kind: "uniform" }, { kind: "log2" }],
    bits: [8, 9, MAX_BITS],
    training: ["ptq"],
    includeFloat: false,
  });
  assert.deepEqual(widest.rows.map((r) => [r.quantization!.kind, r.quantization!.bits]), [
    ["uniform", 8],
    ["uniform", 9],
    ["uniform", MAX_BITS],
    ["log2", 8],
  ]);
  assert.deepEqual(widest.skipped.map((k) => k.name), ["log2 9-bit", `log2 ${MAX_BITS}-bit`]);
  for (
    const [space, message] of [
      [{ bits: [MAX_BITS + 1] }, /^Cannot sweep compression: bits must be an integer in/],
      [{ sparsities: [0, 1] }, /^Cannot sweep compression: sparsity must be a number in/],
    ] as const
  ) {
    assert.throws(
      () => s.sweep(space),
      (e: Error) => e instanceof RangeError && message.test(e.message),
    );
  }
});

Deno.test("k-means templates take the space's bit widths, not their own levels", () => {
  // Documented: a method's bits are replaced by the space's. A template's levels would otherwise
  // win over them (levels override bits), and every width would be the same codebook.
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const sweep = s.sweep({
    sparsities: [0],
    methods: [{ kind: "kmeans", levels: 3 }],
    bits: [2, 3],
    training: ["ptq"],
    includeFloat: false,
  });
  const levels = sweep.models.map((m) =>
    m.kind === "quantized-logistic-regression" && m.weights.kind === "codebook"
      ? m.weights.levels
      : null
  );
  assert.deepEqual(levels, [4, 8]);
});

Deno.test("l1 pruning is left out for features; a space of only that is refused", () => {
  // The l1 soft threshold prunes single weights: it is combined with the weights structure only.
  // Digits: with one output row (breast cancer) the features level makes the weights level's
  // model, listed once.
  const s = createCompressionSession(digits.train, { ...FAST });
  const sweep = s.sweep({
    sparsities: [0, 0.5],
    strategies: ["magnitude", "l1"],
    structures: ["weights", "features"],
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
  });
  const pruned = sweep.rows.filter((r) => r.prune !== null);
  const levels = [...new Set(pruned.map((r) => r.name.split(/, float32| \+ /)[0]))];
  assert.deepEqual(levels.sort(), [
    "l1 50 % of weights",
    "magnitude 50 % of features",
    "magnitude 50 % of weights",
  ]);
  assert.throws(
    () => s.sweep({ sparsities: [0.5], strategies: ["l1"], structures: ["features"], bits: [4] }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot sweep compression: no strategy applies to the structures asked for: l1 prunes " +
          "single weights, not whole features; add another strategy or the weights structure",
  );
});

Deno.test("iterative must be a boolean, and is refused where no sparsity prunes", () => {
  const s = createCompressionSession(cancer.train, { ...FAST });
  assert.throws(
    () => s.sweep({ sparsities: [0, 0.5], iterative: "yes" as never, bits: [4] }),
    (e: Error) =>
      e instanceof TypeError &&
      /^Cannot sweep compression: iterative must be a boolean, got string "yes"/.test(e.message),
  );
  assert.throws(
    () => s.search({ sparsities: [0], iterative: true, bits: [4] }),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot search compression: iterative does not apply: no sparsity prunes/.test(e.message),
  );
});

Deno.test("a one-call sweep that can measure no model is refused before training", () => {
  // Every quantization ruled out and the float32 models excluded: nothing to measure, known from
  // the space alone.
  let events = 0;
  const progress: CompressProgress[] = [];
  assert.throws(
    () =>
      sweepCompression(cancer.train, {
        ...FAST,
        includeFloat: false,
        sparsities: [0, 0.5],
        methods: [{ kind: "log2" }],
        bits: [9],
        onProgress: (p) => {
          events++;
          progress.push(p);
        },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot sweep compression: every combination was skipped: log2 9-bit/.test(e.message),
  );
  assert.equal(events, 0, progress.map((p) => p.phase).join(", "));
});

Deno.test("the sweep's dense report is the dense float32 model's, also without float32 rows", () => {
  // The oracle is the session's own dense report (the sweep's rows hold no float32 model here).
  const s = createCompressionSession(cancer.train, { ...FAST, fineTune: false });
  const sweep = s.sweep({
    sparsities: [0],
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
    includeFloat: false,
  });
  assert.ok(sweep.rows.every((r) => r.quantization !== null));
  assert.deepEqual(sweep.dense, s.denseReport);
  assert.equal(sweep.dense.bits, 32);
});

Deno.test("an iterative level's rounds are every pruning level below it and itself", () => {
  // Documented: each level is pruned from the fine-tuned model of the level below it, so the
  // 80 % level of [0, 0.3, 0.6, 0.8] is 30 %, 60 % then 80 % (three levels that prune, so a
  // chain of the level below's one-shot model would show too).
  const s = createCompressionSession(cancer.train, { ...FAST });
  const sweep = s.sweep({
    sparsities: [0, 0.3, 0.6, 0.8],
    iterative: true,
    methods: [{ kind: "uniform" }],
    bits: [4],
    training: ["ptq"],
  });
  const levels = [0.3, 0.6, 0.8];
  assert.deepEqual(
    sweep.bases.map((b) => b.prune.rounds),
    levels.map((_, i) => levels.slice(0, i + 1)),
  );
});

Deno.test("1-bit log2 is skipped only beside uniform symmetric: an affine 1-bit grid is another model", () => {
  // The oracle: the 1-bit grids quantized here. log2 and symmetric uniform both give +-s per
  // group (the same model, one row); affine gives two levels that are not +-s, so log2 1-bit is
  // a model of its own beside it and must be measured.
  const s = createCompressionSession(cancer.train, { ...FAST });
  const levelsOf = (method: QuantizationMethod) => {
    const w = dequantizeModel(quantizeModel(s.dense, { method })).weights.data;
    return [...new Set(w)].sort((a, b) => a - b);
  };
  const log2 = levelsOf({ kind: "log2", bits: 1, granularity: "tensor" });
  const affine = levelsOf({ kind: "uniform", scheme: "affine", bits: 1, granularity: "tensor" });
  assert.equal(log2.length, 2);
  assert.equal(log2[0], -log2[1]);
  assert.ok(affine.length === 2 && affine[0] !== -affine[1], `affine levels ${affine}`);
  const space = {
    sparsities: [0],
    bits: [1],
    granularities: ["tensor"] as const,
    training: ["ptq"] as const,
    includeFloat: false,
  };
  const log2Row = (r: { rows: readonly { name: string }[] }) =>
    names(r).filter((n) => n.startsWith("log2 1-bit"));
  const withAffine = s.sweep({
    ...space,
    methods: [{ kind: "uniform", scheme: "affine" }, { kind: "log2" }],
  });
  assert.equal(log2Row(withAffine).length, 1, names(withAffine).join("; "));
  assert.equal(withAffine.skipped.length, 0);
  const withSymmetric = s.sweep({
    ...space,
    methods: [{ kind: "uniform", scheme: "symmetric" }, { kind: "log2" }],
  });
  assert.deepEqual(log2Row(withSymmetric), []);
  assert.deepEqual(withSymmetric.skipped.map((k) => k.name), ["log2 1-bit"]);
});

Deno.test("a repeated method or granularity is one candidate in the search: tried, skipped and counted once", () => {
  // The oracle is the same search with each listed once, as for sparsities and bits: the repeat
  // must not list a skip twice, and the count must reach its total with the last model.
  const events: CompressProgress[] = [];
  const s = createCompressionSession(cancer.train, {
    ...FAST,
    onProgress: (p) => events.push(p),
  });
  const space = {
    sparsities: [0, 0.5, 0.9],
    bits: [2, 4, 8, 9],
    training: ["ptq"] as const,
    maxDrop: 0.02,
  };
  const once = s.search({
    ...space,
    methods: [{ kind: "uniform" }, { kind: "log2" }],
    granularities: ["class"],
  });
  assert.ok(once.skipped.length > 0, "the space skips something");
  events.length = 0;
  const twice = s.search({
    ...space,
    methods: [{ kind: "uniform" }, { kind: "log2" }, { kind: "uniform", scheme: "symmetric" }],
    granularities: ["class", "class"],
  });
  assert.deepEqual(twice.tried.map((t) => t.name), once.tried.map((t) => t.name));
  assert.deepEqual(twice.skipped, once.skipped);
  const measuring = events.filter((e) => e.phase === "measuring");
  for (const e of measuring) assert.ok(e.done <= e.total, `${e.done}/${e.total}`);
  const last = measuring.at(-1)!;
  assert.equal(last.done, last.total);
  // Before the finish, the count had reached its total already: nothing was left uncounted.
  assert.equal(measuring.at(-2)!.done, last.total);
});
