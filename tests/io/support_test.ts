import assert from "node:assert/strict";
import { ByteReader, ByteWriter, SIZE_CATEGORIES, type SizeCategory } from "../../lib/io/bytes.ts";
import { encodeModel, inspectModelFile } from "../../lib/io/model_file.ts";
import { planSupport, readSupport } from "../../lib/io/support.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

function charges(): Record<SizeCategory, number> {
  return Object.fromEntries(SIZE_CATEGORIES.map((c) => [c, 0])) as Record<SizeCategory, number>;
}

Deno.test("a tie between the features and rans encodings goes to features, the earlier", () => {
  // 2 x 38 weights, every column but column 8 kept: features over a bitmap of the columns takes
  // 1 + 1 + ceil(38 / 8) = 7 bytes, and so does the flat rans encoding (tag, count 74, state).
  const rows = 2, cols = 38;
  const flags = new Uint8Array(rows * cols).fill(1);
  flags[8] = flags[cols + 8] = 0;
  const plan = planSupport(flags, rows, cols, true);
  assert.equal(plan.size, 1 + 1 + Math.ceil(cols / 8));
  assert.equal(plan.encoding, "features");
  assert.equal(plan.entropyCoded, false);
  const w = new ByteWriter();
  plan.write(w);
  const bytes = w.finish();
  assert.equal(bytes.length, plan.size);
  const back = readSupport(new ByteReader(bytes, 0, bytes.length, "x", charges()), rows, cols);
  assert.deepEqual(back.flags, flags);

  // So a model file asked for entropy coding, with nothing it would shrink, stays version 1.
  const data = new Float64Array(rows * cols).fill(0.1); // float64: 16 bytes saved by sparsity
  data[8] = data[cols + 8] = 0;
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data, rows, cols },
    bias: new Float64Array(rows),
    classes: ["a", "b"],
    featureNames: Array.from({ length: cols }, (_, j) => `x${j}`),
    preprocessing: { kind: "none" },
  };
  const { info } = inspectModelFile(encodeModel(model, { entropy: true }));
  assert.equal(info.support, "features");
  assert.equal(info.formatVersion, 1);
});
