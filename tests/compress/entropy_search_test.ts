import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/mod.ts";
import { fileSizeBound } from "../../lib/compress/search.ts";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import type { QuantizedTensor } from "../../lib/quant/types.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");

Deno.test("with entropy coding the search still finds the sweep's smallest file within budget", () => {
  // The oracle is a sweep of the same space in an entropy-coding session. (Here a bound from
  // PTQ's coded size would happen to miss nothing either; the next test shows why the search
  // does not use one.)
  const s = createCompressionSession(digits.train, { ...FAST, entropy: true, test: digits.test });
  const space = {
    sparsities: [0, 0.5, 0.8, 0.9],
    bits: [2, 3, 4, 6],
    structures: ["weights", "features"] as const,
    methods: [{ kind: "uniform", scheme: "symmetric" }, { kind: "log2" }, {
      kind: "kmeans",
    }] as const,
  };
  const sweep = s.sweep(space);
  let coded = 0;
  sweep.rows.forEach((row, i) => {
    // Every reported size is the entropy-coded file's, and no larger than the plain file.
    const model = sweep.models[i];
    const file = encodeModel(model, { entropy: true });
    assert.equal(row.bytes, file.length, row.name);
    assert.ok(row.bytes <= encodeModel(model).length, row.name);
    const { info } = inspectModelFile(file);
    if (info.codes === "rans" || info.support === "rans") coded++;
  });
  assert.ok(coded > sweep.rows.length / 4, `${coded} of ${sweep.rows.length} entropy-coded`);
  for (const maxDrop of [0, 0.01, 0.03]) {
    const target = sweep.dense.validation.accuracy - maxDrop;
    const smallest = Math.min(
      sweep.dense.bytes,
      ...sweep.rows.filter((r) => r.validation.accuracy >= target - 1e-12).map((r) => r.bytes),
    );
    const r = s.search({ ...space, maxDrop });
    assert.equal(r.chosen.bytes, smallest, `budget ${maxDrop}: ${r.chosen.name}`);
    assert.equal(r.file.length, r.chosen.bytes);
    assert.deepEqual(encodeModel(decodeModel(r.file), { entropy: true }), r.file);
  }
});

Deno.test("the entropy search bound never exceeds the coded file of the model QAT makes", () => {
  // For every quantization-aware model of a sweep, the bound computed from its post-training
  // twin (same mask, method and storage) must be at most its real entropy-coded size: otherwise
  // the search could skip a file smaller than the one it keeps.
  const s = createCompressionSession(digits.train, {
    ...FAST,
    entropy: true,
    preprocessingStorage: "fold",
  });
  const sweep = s.sweep({
    sparsities: [0, 0.5, 0.9],
    bits: [1, 2, 3, 4, 6],
    methods: [{ kind: "uniform", scheme: "symmetric" }, { kind: "log2" }, { kind: "kmeans" }],
    training: ["ptq", "qat"],
  });
  const key = (r: (typeof sweep.rows)[number]) =>
    JSON.stringify([r.prune, { ...r.quantization, training: null, method: null }]);
  const ptq = new Map<string, number>();
  sweep.rows.forEach((r, i) => {
    if (r.quantization?.training === "ptq") ptq.set(key(r), i);
  });
  let checked = 0, tighter = 0;
  sweep.rows.forEach((r) => {
    if (r.quantization?.training !== "qat") return;
    const twin = ptq.get(key(r));
    assert.ok(twin !== undefined, r.name);
    const model = sweep.models[twin];
    assert.equal(model.kind, "quantized-logistic-regression");
    if (model.kind !== "quantized-logistic-regression") return;
    const bound = fileSizeBound(model, true);
    assert.ok(bound <= r.bytes, `${r.name}: bound ${bound} > ${r.bytes} bytes`);
    // The bound without entropy coding (the twin's plain file) is no bound here.
    if (sweep.rows[twin].bytes > r.bytes) tighter++;
    checked++;
  });
  assert.ok(checked >= 20, `${checked} QAT models`);
  // QAT does code smaller than its twin at times: the twin's coded size would not be a bound.
  assert.ok(tighter > 0, "no QAT model coded smaller than its post-training twin");
});

Deno.test("the entropy search bound is at most the coded file of the least varied codes on the mask", () => {
  // Codes all alike code to the fewest bytes; their weights section, shorter, may also take a
  // byte less to give its length.
  const s = createCompressionSession(digits.train, {
    ...FAST,
    entropy: true,
    preprocessingStorage: "fold",
  });
  const sweep = s.sweep({
    sparsities: [0.5, 0.8],
    bits: [4, 8],
    methods: [{ kind: "uniform", scheme: "symmetric" }, { kind: "uniform", scheme: "affine" }],
    training: ["ptq"],
    includeFloat: false,
  });
  let checked = 0;
  sweep.models.forEach((model, i) => {
    assert.equal(model.kind, "quantized-logistic-regression");
    if (model.kind !== "quantized-logistic-regression") return;
    const t = model.weights;
    const codes = t.codes.slice().fill(t.codes[0]);
    const weights = { ...t, codes } as QuantizedTensor;
    const alike = encodeModel({ ...model, weights }, { entropy: true });
    const bound = fileSizeBound(model, true);
    assert.ok(bound <= alike.length, `${sweep.rows[i].name}: bound ${bound} > ${alike.length}`);
    checked++;
  });
  assert.equal(checked, 8);
});
