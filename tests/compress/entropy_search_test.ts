import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/mod.ts";
import { decodeModel, encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");

Deno.test("with entropy coding the search still finds the sweep's smallest file within budget", () => {
  // The oracle is a sweep of the same space in an entropy-coding session. The search's bound
  // charges codes their least possible size (QAT may code smaller than PTQ); here a bound from
  // PTQ's coded size would happen to miss nothing either, so this checks the result, not that
  // the conservative bound is needed.
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
