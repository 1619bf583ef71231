/**
 * Fuzzing of the JSON model readers and of loadModel (fast-check, fixed seeds and run counts):
 * damaged JSON is refused with a SyntaxError or RangeError "Cannot read ...", or it reads as a
 * model that is valid, predicts finite probabilities and writes back to the same model. (A JSON
 * file has no checksum: a change of one digit in a weight is a different, valid model.)
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeModel, loadModel } from "../../lib/io/model_file.ts";
import type { StoredModel } from "../../lib/io/quantized.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { validateModel } from "../../lib/model/validate_model.ts";
import { dequantizeModel } from "../../lib/quant/model.ts";
import { quantizedModelFromJson, quantizedModelToJson } from "../../lib/quant/serialize.ts";
import { validateQuantizedModel } from "../../lib/quant/validate.ts";
import { randomFloatModel, randomQuantizedModel } from "../_helpers/random_models.ts";

const SEED = 20261129;

const edit = fc.oneof(
  fc.record({
    kind: fc.constant("replace"),
    at: fc.nat(),
    text: fc.constantFrom(...'0123456789-.e",[]{}:n '),
  }),
  fc.record({
    kind: fc.constant("insert"),
    at: fc.nat(),
    text: fc.constantFrom("0", "-", "1e999", "null", ",", '"', "NaN", "9".repeat(12)),
  }),
  fc.record({ kind: fc.constant("delete"), at: fc.nat(), text: fc.constant("") }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat(), text: fc.constant("") }),
);
type Edit = { kind: string; at: number; text: string };

function apply(text: string, e: Edit): string {
  const at = e.at % Math.max(1, text.length);
  switch (e.kind) {
    case "replace":
      return text.slice(0, at) + e.text + text.slice(at + 1);
    case "insert":
      return text.slice(0, at) + e.text + text.slice(at);
    case "delete":
      return text.slice(0, at) + text.slice(at + 1 + (e.at % 5));
    default:
      return text.slice(0, at);
  }
}

/** What a reader did: the model it returned or the error it threw. */
type Outcome = { model: StoredModel } | { error: unknown };

function outcome(read: () => StoredModel): Outcome {
  try {
    return { model: read() };
  } catch (error) {
    return { error };
  }
}

/** Checks that a reader refused cleanly or returned a valid, finite, stable model. */
function check(result: Outcome, prefix: RegExp): "refused" | "accepted" {
  if ("error" in result) {
    const error = result.error;
    assert.ok(error instanceof SyntaxError || error instanceof RangeError, String(error));
    assert.match(error.message, prefix);
    return "refused";
  }
  const model = result.model;
  if (model.kind === "logistic-regression") {
    validateModel(model, "check");
    assert.deepEqual(modelFromJson(modelToJson(model)), model);
  } else {
    validateQuantizedModel(model, "check");
    assert.deepEqual(quantizedModelFromJson(quantizedModelToJson(model)), model);
  }
  const float = model.kind === "logistic-regression" ? model : dequantizeModel(model);
  const cols = float.weights.cols;
  const x = { data: Float64Array.from({ length: 3 * cols }, (_, i) => (i % 7) - 3), rows: 3, cols };
  let p;
  try {
    p = predictProba(float, x);
  } catch (error) {
    // weights of up to 1e308 read from JSON can overflow a score: refused, not NaN
    assert.ok(error instanceof RangeError, String(error));
    assert.match(error.message, /^Cannot compute scores: the score of row \d+ .* is -?Infinity/);
    return "accepted";
  }
  assert.ok(p.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
  return "accepted";
}

Deno.test("fuzz: damaged float-model JSON is refused or reads as a valid, finite model", () => {
  const counts = { refused: 0, accepted: 0 };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.array(edit, { minLength: 1, maxLength: 3 }),
      (seed, edits) => {
        let text = modelToJson(randomFloatModel(seed, { nFeatures: 1 + (seed % 6) }));
        for (const e of edits) text = apply(text, e);
        counts[check(outcome(() => modelFromJson(text)), /^Cannot read model: /)]++;
      },
    ),
    { seed: SEED, numRuns: 500 },
  );
  assert.ok(counts.refused > 300, JSON.stringify(counts));
});

Deno.test("fuzz: damaged quantized-model JSON is refused or reads as a valid, finite model", () => {
  const counts = { refused: 0, accepted: 0 };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.array(edit, { minLength: 1, maxLength: 3 }),
      (seed, edits) => {
        let text = quantizedModelToJson(randomQuantizedModel(seed, { nFeatures: 1 + (seed % 6) }));
        for (const e of edits) text = apply(text, e);
        counts[
          check(outcome(() => quantizedModelFromJson(text)), /^Cannot read quantized model: /)
        ]++;
      },
    ),
    { seed: SEED + 1, numRuns: 500 },
  );
  assert.ok(counts.refused > 300, JSON.stringify(counts));
});

Deno.test("fuzz: loadModel refuses damaged files of either format with the file's name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/m.model`;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.boolean(),
        edit,
        async (seed, quantized, e) => {
          const model = quantized ? randomQuantizedModel(seed) : randomFloatModel(seed);
          const text = quantized
            ? quantizedModelToJson(model as never)
            : modelToJson(model as never);
          await Deno.writeTextFile(path, apply(text, e));
          const result: Outcome = await loadModel(path).then(
            (model) => ({ model }),
            (error) => ({ error }),
          );
          check(result, /^Cannot read model file '.*m.model': /);
        },
      ),
      { seed: SEED + 2, numRuns: 150 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fuzz: random bytes are never read as a model file", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      assert.throws(
        () => decodeModel(bytes, { name: "r.lrc" }),
        (e: Error) =>
          (e instanceof SyntaxError || e instanceof RangeError) &&
          /^Cannot read model file 'r.lrc': /.test(e.message),
      );
    }),
    { seed: SEED + 3, numRuns: 1000 },
  );
});
