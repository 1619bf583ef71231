import assert from "node:assert/strict";
import {
  type CompressProgress,
  createCompressionSession,
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
