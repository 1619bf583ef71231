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
