import assert from "node:assert/strict";
import { createCompressionSession } from "../../lib/compress/mod.ts";
import { FAST, splitSet } from "./_data.ts";

const digits = await splitSet("digits");

Deno.test("the search's budget defaults to one point", () => {
  const s = createCompressionSession(digits.train, { ...FAST });
  const r = s.search({ sparsities: [0], bits: [8], training: ["ptq"] });
  assert.equal(r.maxDrop, 0.01);
  assert.equal(r.target, s.denseReport.validation.accuracy - 0.01);
});

Deno.test("the search trains QAT only where post-training quantization missed the budget", () => {
  // With folded storage a pruned level's post-training file is exactly the size bound the search
  // compares by, so the rule reads: QAT is made for a method and width if and only if its
  // post-training model is outside the budget (and the bound could still beat the best file so
  // far). The dense level has no mask: its QAT may zero weights and store fewer codes, so it
  // follows a post-training model within budget too.
  const s = createCompressionSession(digits.train, { ...FAST, preprocessingStorage: "fold" });
  const r = s.search({
    sparsities: [0, 0.5],
    bits: [1, 2, 3, 4, 8],
    methods: [{ kind: "uniform", scheme: "symmetric" }],
    training: ["ptq", "qat"],
    maxDrop: 0.02,
  });
  const qat = (name: string) => `${name}, QAT`;
  const names = new Set(r.tried.map((t) => t.name));
  let skippedAfterPass = 0, madeAfterMiss = 0;
  const pruned = (name: string) => name.startsWith("magnitude ");
  for (const t of r.tried) {
    if (t.name.endsWith(", QAT") || !/-bit/.test(t.name) || !pruned(t.name)) continue;
    if (t.feasible) {
      assert.ok(!names.has(qat(t.name)), `${t.name} passed, yet QAT was trained`);
      skippedAfterPass++;
    } else if (names.has(qat(t.name))) {
      madeAfterMiss++;
    }
  }
  for (const t of r.tried.filter((t) => t.name.endsWith(", QAT") && pruned(t.name))) {
    const ptq = r.tried.find((p) => qat(p.name) === t.name);
    assert.ok(ptq !== undefined && !ptq.feasible, `${t.name} without a failed PTQ twin`);
  }
  assert.ok(skippedAfterPass > 0 && madeAfterMiss > 0, `${skippedAfterPass}, ${madeAfterMiss}`);
});
