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
import { MODEL_VERSION } from "../../lib/model/types.ts";
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

/**
 * The documented JSON form, derived from the module's contract alone ("typed arrays become plain
 * arrays, everything else stays as is"; JSON has no -0): a generic walk over the model, sharing
 * no code with the writer.
 */
function plainForm(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => (Object.is(v, -0) ? 0 : v));
  }
  if (Array.isArray(value)) return value.map(plainForm);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainForm(v)]));
  }
  return value;
}

Deno.test("modelToJson writes every field of the model, typed arrays as plain arrays", () => {
  // A field dropped or renamed by the writer and defaulted or renamed back by the reader passes
  // every round trip; the text itself, read by JSON.parse, must hold the model as documented.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), (seed, standardize) => {
      const model = randomFloatModel(seed, { preprocessing: standardize });
      assert.deepEqual(JSON.parse(modelToJson(model)), plainForm(model));
    }),
    { seed: SEED + 4, numRuns: 200 },
  );
});

// A two-feature sigmoid model written by hand in the documented form.
const HAND_JSON = {
  kind: "logistic-regression",
  version: MODEL_VERSION,
  link: "sigmoid",
  weights: { rows: 1, cols: 2, data: [0.5, -2] },
  bias: [0.25],
  classes: ["no", "yes"],
  featureNames: ["a", "b"],
  preprocessing: { kind: "standardize", mean: [1, 2], scale: [4, 16] },
};

Deno.test("modelFromJson reads a model written by hand in the documented form", () => {
  const model = modelFromJson(JSON.stringify(HAND_JSON));
  assert.deepEqual(plainForm(model), HAND_JSON);
  // By hand: x = (5, 10) standardises to ((5 - 1) / 4, (10 - 2) / 16) = (1, 0.5), so the score is
  // 0.5 * 1 - 2 * 0.5 + 0.25 = -0.25 and P(yes) = 1 / (1 + e^0.25).
  const p = predictProba(model, { data: Float64Array.of(5, 10), rows: 1, cols: 2 });
  const yes = 1 / (1 + Math.exp(0.25));
  assert.ok(Math.abs(p.data[1] - yes) < 1e-15, `${p.data[1]} vs ${yes}`);
  assert.ok(Math.abs(p.data[0] - (1 - yes)) < 1e-15, `${p.data[0]} vs ${1 - yes}`);
  // The same model without preprocessing: the score is 0.5 * 5 - 2 * 10 + 0.25 = -17.25.
  const none = modelFromJson(JSON.stringify({ ...HAND_JSON, preprocessing: { kind: "none" } }));
  assert.deepEqual(none.preprocessing, { kind: "none" });
  const q = predictProba(none, { data: Float64Array.of(5, 10), rows: 1, cols: 2 });
  assert.ok(Math.abs(q.data[1] - 1 / (1 + Math.exp(17.25))) < 1e-20, `${q.data[1]}`);
});

Deno.test("modelFromJson refuses a model with any required field missing, and reads no mask", () => {
  // Every field but the mask is required: none has a default a reader may fill in (a version
  // filled in would read a file of an unknown layout as this one's).
  for (const key of Object.keys(HAND_JSON)) {
    const text = JSON.stringify({ ...HAND_JSON, [key]: undefined });
    assert.throws(() => modelFromJson(text), (e: Error) => {
      assert.ok(e instanceof SyntaxError, `${key}: ${e}`);
      assert.match(e.message, /^Cannot read model: /, key);
      return true;
    }, key);
  }
  assert.equal(modelFromJson(JSON.stringify(HAND_JSON)).mask, undefined);
  const masked = modelFromJson(
    JSON.stringify({ ...HAND_JSON, weights: { rows: 1, cols: 2, data: [0, -2] }, mask: [0, 1] }),
  );
  assert.deepEqual(masked.mask, Uint8Array.of(0, 1));
});

Deno.test("modelToJson refuses a model JSON cannot hold (NaN and infinities become null)", () => {
  const model = modelFromJson(JSON.stringify(HAND_JSON));
  assert.throws(
    () => modelToJson({ ...model, weights: { ...model.weights, data: Float64Array.of(0.5, NaN) } }),
    { name: "RangeError", message: "Cannot serialise model: weights holds NaN at row 0, column 1" },
  );
  assert.throws(() => modelToJson({ ...model, bias: Float64Array.of(-Infinity) }), {
    name: "RangeError",
    message: "Cannot serialise model: bias holds -Infinity at index 0",
  });
});

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
