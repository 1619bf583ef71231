import assert from "node:assert/strict";
import {
  createCompressionSession,
  searchCompression,
  type SweepResult,
} from "../../lib/compress/mod.ts";
import { SEARCH_DEFAULTS } from "../../lib/compress/space.ts";
import { asFloatModel, type StoredModel } from "../../lib/io/quantized.ts";
import { predict } from "../../lib/model/predict.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");
const SPACE = {
  sparsities: [0, 0.5, 0.7, 0.8, 0.9],
  bits: [1, 2, 3, 4, 8],
  structures: ["weights", "features"] as const,
  methods: SEARCH_DEFAULTS.methods,
};
const session = createCompressionSession(digits.train, { ...FAST, seed: 0, test: digits.test });
const sweep: SweepResult = session.sweep(SPACE);
const v = session.validation;

/**
 * The oracle's lower bound, counted here sample by sample: (c - b) / n less k times
 * sqrt(b + c - (c - b)^2 / n) / n, where b samples only the dense model gets right and c only the
 * candidate does.
 */
function bound(model: StoredModel, dense: Int32Array, k: number): number {
  const p = predict(asFloatModel(model), v.x);
  let b = 0, c = 0;
  for (let i = 0; i < p.length; i++) {
    const d = dense[i] === v.y[i], m = p[i] === v.y[i];
    if (d && !m) b++;
    if (m && !d) c++;
  }
  const n = p.length;
  return (c - b) / n - k * Math.sqrt(b + c - (c - b) ** 2 / n) / n;
}

Deno.test("with a margin, the search chooses the smallest sweep file whose difference less k paired standard errors is within budget", () => {
  // The dense model as the search compares with it: its float32 file.
  const dense = predict(
    asFloatModel(session.compress({ prune: false, quantize: false }).model),
    v.x,
  );
  let changed = 0;
  for (const k of [0.5, 1, 2]) {
    const bounds = sweep.models.map((m) => bound(m, dense, k));
    for (const maxDrop of [0.01, 0.02, 0.05]) {
      const r = session.search({ ...SPACE, maxDrop, standardErrors: k });
      assert.equal(r.standardErrors, k);
      const smallest = Math.min(
        sweep.dense.bytes,
        ...sweep.rows.filter((_, i) => bounds[i] >= -maxDrop - 1e-12).map((row) => row.bytes),
      );
      assert.equal(r.chosen.bytes, smallest, `k ${k}, budget ${maxDrop}: ${r.chosen.name}`);
      // Every tried candidate's bound and flag agree with the oracle's count.
      const byName = new Map(sweep.rows.map((row, i) => [`${row.name} ${row.bytes}`, bounds[i]]));
      let compared = 0;
      for (const t of r.tried) {
        assert.notEqual(t.lowerBound, null, t.name);
        assert.equal(t.feasible, t.lowerBound! >= -maxDrop - 1e-12, t.name);
        const expected = byName.get(`${t.name} ${t.bytes}`);
        if (expected === undefined) continue; // the dense model
        assert.ok(Math.abs(t.lowerBound! - expected) < 1e-12, `${t.name}: ${t.lowerBound}`);
        compared++;
      }
      assert.ok(compared > 5, `${compared} compared`);
      if (r.chosen.bytes !== session.search({ ...SPACE, maxDrop }).chosen.bytes) changed++;
    }
  }
  // The margin changes the choice somewhere in this grid (else the check above proves little).
  assert.ok(changed > 0);
});

Deno.test("a zero margin is the plain budget, and a larger margin never chooses a smaller file", () => {
  for (const maxDrop of [0.01, 0.03]) {
    const plain = session.search({ ...SPACE, maxDrop });
    const zero = session.search({ ...SPACE, maxDrop, standardErrors: 0 });
    assert.equal(plain.standardErrors, 0);
    assert.deepEqual(zero.file, plain.file);
    assert.deepEqual(zero.tried, plain.tried);
    assert.ok(plain.tried.every((t) => t.lowerBound === null));
    let last = plain.file.length;
    for (const k of [0.5, 1, 2, 4]) {
      const r = session.search({ ...SPACE, maxDrop, standardErrors: k });
      assert.ok(r.file.length >= last, `k ${k}: ${r.file.length} < ${last}`);
      last = r.file.length;
      // The chosen model's own paired difference, reported with it, meets the bound.
      const d = r.validationDifference;
      assert.ok(d.difference - k * d.standardError >= -maxDrop - 1e-12, `k ${k}`);
    }
  }
});

Deno.test("a bad margin is refused with a message naming it, before any training", () => {
  for (const bad of [-1, Number.NaN, Infinity, "1", null]) {
    assert.throws(
      () => session.search({ maxDrop: 0.01, standardErrors: bad as number }),
      bad === null
        ? /standardErrors is null: give a value, or leave it out for its default$/
        : /standardErrors must be a finite number of paired standard errors, at least 0, got/,
      String(bad),
    );
    let trained = false;
    assert.throws(
      () =>
        searchCompression(digits.train, {
          ...FAST,
          standardErrors: bad as number,
          onProgress: () => (trained = true),
        }),
      /standardErrors (must be a finite number|is null)/,
    );
    assert.equal(trained, false);
  }
  // The size-budgeted search has no accuracy budget to put a margin on.
  assert.throws(
    () =>
      session.searchWithinBytes(
        {
          maxBytes: 1000,
          standardErrors: 1,
        } as Parameters<typeof session.searchWithinBytes>[0],
      ),
    /standardErrors/,
  );
});

Deno.test('with a margin under "auto" storage, a stored form that meets the budget is the candidate, not the more accurate form that misses it', () => {
  // One candidate whose compact form is the more accurate (so "auto" records it) but has the
  // larger paired standard error: with k = 4 there are budgets the folded form meets and the
  // compact one misses.
  const space = {
    structures: ["weights"] as const,
    sparsities: [0.8],
    methods: [{ kind: "uniform", scheme: "symmetric" } as const],
    bits: [3],
    granularities: ["class"] as const,
    training: ["ptq"] as const,
    includeFloat: false,
  };
  const k = 4;
  const form = (preprocessingStorage: "fold" | "compact") => {
    const s = createCompressionSession(digits.train, { ...FAST, seed: 0, preprocessingStorage });
    const t = s.search({ ...space, maxDrop: 0.5, standardErrors: k }).tried[1];
    return { bytes: t.bytes, accuracy: t.validation.accuracy, bound: t.lowerBound! };
  };
  const fold = form("fold"), compact = form("compact");
  // The premise: "auto" records the compact form, whose bound is the lower.
  assert.ok(compact.accuracy > fold.accuracy && compact.bound < fold.bound, "no such candidate");
  assert.ok(fold.bytes < compact.bytes);
  const maxDrop = -(fold.bound + compact.bound) / 2;
  const auto = createCompressionSession(digits.train, { ...FAST, seed: 0 });
  const r = auto.search({ ...space, maxDrop, standardErrors: k });
  assert.equal(r.chosen.bytes, fold.bytes, r.chosen.name);
  assert.ok(
    r.validationDifference.difference - k * r.validationDifference.standardError >=
      -maxDrop - 1e-12,
  );
});

Deno.test("the one-call search takes the margin: its choice and bounds are those of a session's search with it", () => {
  // Oracle: the bound counted here sample by sample on the session the one call makes again (the
  // same data, settings and seed give the same dense model and validation split).
  const space = { sparsities: [0, 0.8], bits: [2, 4], structures: ["weights"] as const };
  const k = 2, maxDrop = 0.02;
  const r = searchCompression(digits.train, {
    ...FAST,
    seed: 0,
    test: digits.test,
    ...space,
    maxDrop,
    standardErrors: k,
  });
  assert.equal(r.standardErrors, k);
  const dense = predict(
    asFloatModel(session.compress({ prune: false, quantize: false }).model),
    v.x,
  );
  const same = session.search({ ...space, maxDrop, standardErrors: k });
  assert.deepEqual(r.file, same.file);
  let compared = 0;
  for (const t of r.tried) {
    assert.notEqual(t.lowerBound, null, t.name);
    const i = sweep.rows.findIndex((row) => row.name === t.name && row.bytes === t.bytes);
    if (i < 0) continue;
    assert.ok(Math.abs(t.lowerBound! - bound(sweep.models[i], dense, k)) < 1e-12, t.name);
    compared++;
  }
  assert.ok(compared > 0);
});

Deno.test("the one-call search refuses a bad budget before it trains", () => {
  for (const maxDrop of [-0.1, 1, Number.NaN]) {
    let trained = false;
    assert.throws(
      () =>
        searchCompression(digits.train, {
          ...FAST,
          maxDrop,
          onProgress: () => (trained = true),
        }),
      /^RangeError: Cannot search compression: maxDrop must be a fraction in \[0, 1\)/,
      String(maxDrop),
    );
    assert.equal(trained, false, String(maxDrop));
  }
});

Deno.test("with a margin and no drop allowed, a model that predicts as the dense one lies on the budget and is within it", async () => {
  // maxDrop 0: a candidate whose validation predictions are the dense model's has b = c = 0, so
  // its difference less k standard errors is exactly 0 = -maxDrop, the boundary, which the
  // budget includes (the dense model itself is such a model). The oracle counts b and c.
  const cancer = await splitSet("breast-cancer");
  const s = createCompressionSession(cancer.train, { ...FAST, seed: 0 });
  const space = {
    sparsities: [0],
    methods: [{ kind: "uniform" }] as const,
    bits: [2, 8],
    training: ["ptq"] as const,
  };
  const rows = s.sweep(space);
  const val = s.validation;
  const dense = predict(asFloatModel(s.compress({ prune: false, quantize: false }).model), val.x);
  const lower = (m: StoredModel) => {
    const p = predict(asFloatModel(m), val.x);
    let b = 0, c = 0;
    for (let i = 0; i < p.length; i++) {
      const d = dense[i] === val.y[i], q = p[i] === val.y[i];
      if (d && !q) b++;
      if (q && !d) c++;
    }
    const n = p.length;
    return (c - b) / n - Math.sqrt(b + c - (c - b) ** 2 / n) / n;
  };
  const bounds = new Map(
    rows.rows.map((row, i) => [`${row.name} ${row.bytes}`, lower(rows.models[i])]),
  );
  assert.ok([...bounds.values()].includes(0), "a quantized model predicts as the dense one");
  const r = s.search({ ...space, maxDrop: 0, standardErrors: 1 });
  let onBoundary = 0;
  for (const t of r.tried) {
    // The dense model (not a sweep row) predicts as itself: its bound is 0.
    const expected = bounds.get(`${t.name} ${t.bytes}`) ?? 0;
    assert.ok(Math.abs(t.lowerBound! - expected) < 1e-12, `${t.name}: ${t.lowerBound}`);
    assert.equal(t.feasible, expected >= 0, t.name);
    if (expected === 0) onBoundary++;
  }
  assert.ok(onBoundary >= 2, `${onBoundary} on the boundary`);
  const feasible = r.tried.filter((t) => t.feasible).map((t) => t.bytes);
  assert.equal(r.chosen.bytes, Math.min(...feasible));
});
