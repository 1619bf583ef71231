import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/mod.ts";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { runCli } from "../_helpers/assert_close.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");

Deno.test("a sweep crosses sparsities, methods, bits and granularities, one model each", () => {
  const s = createCompressionSession(digits.train, { ...FAST });
  const granularities = ["tensor", "class", "feature"] as const;
  const sweep = s.sweep({
    sparsities: [0, 0.5],
    methods: [{ kind: "uniform", scheme: "symmetric" }, { kind: "log2" }],
    bits: [2, 4],
    granularities,
    training: ["ptq"],
  });
  const quantized = sweep.rows.filter((r) => r.quantization !== null);
  // 2 sparsities x 2 methods x 2 widths x 3 granularities, every combination once.
  assert.equal(quantized.length, 2 * 2 * 2 * 3);
  const keys = new Set(quantized.map((r) => {
    const q = r.quantization!;
    return `${r.prune?.sparsity ?? 0}|${q.kind}|${q.bits}|${q.granularity}`;
  }));
  assert.equal(keys.size, quantized.length);
  // Each row's granularity is the stored tensor's: the file says so.
  sweep.rows.forEach((r, i) => {
    if (!r.quantization) return;
    const m = sweep.models[i];
    assert.equal(m.kind, "quantized-logistic-regression");
    if (m.kind === "quantized-logistic-regression") {
      assert.equal(m.weights.granularity, r.quantization.granularity, r.name);
    }
  });
});

Deno.test("lrc compress --sweep takes a list of granularities", async () => {
  const r = await runCli([
    ...["compress", "--sweep", "--sparsity", "0", "--method", "uniform", "--bits", "4"],
    ...["--granularity", "tensor,class,feature", "--training", "ptq", "--json", "--quiet"],
    ...["--max-iterations", "30"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const rows = report.sweep.rows.filter((x: { quantization: unknown }) => x.quantization);
  assert.deepEqual(
    rows.map((x: { quantization: { granularity: string } }) => x.quantization.granularity).sort(),
    ["class", "feature", "tensor"],
  );
});

Deno.test("each row's quantization summary is the stored tensor's kind, scheme, bits and granularity", () => {
  // The oracle is the model file read back: a summary that named the wrong scheme (null for
  // uniform) or a per-class float16 passed the tests that read only the granularity of some rows.
  const s = createCompressionSession(digits.train, { ...FAST });
  const sweep = s.sweep({
    sparsities: [0],
    methods: [
      { kind: "uniform", scheme: "symmetric" },
      { kind: "uniform", scheme: "affine" },
      { kind: "log2" },
      { kind: "float16" },
    ],
    bits: [4],
    training: ["ptq"],
  });
  const kinds = new Set<string>();
  sweep.rows.forEach((r, i) => {
    const q = r.quantization;
    if (q === null) return;
    const m = decodeModel(encodeModel(sweep.models[i]));
    assert.equal(m.kind, "quantized-logistic-regression", r.name);
    if (m.kind !== "quantized-logistic-regression") return;
    const w = m.weights;
    kinds.add(w.kind);
    assert.equal(q.kind, w.kind, r.name);
    assert.equal(q.scheme, w.kind === "uniform" ? w.scheme : null, r.name);
    assert.equal(q.bits, w.bits, r.name);
    assert.equal(q.granularity, w.granularity, r.name);
  });
  assert.deepEqual([...kinds].sort(), ["float16", "log2", "uniform"]);
});
