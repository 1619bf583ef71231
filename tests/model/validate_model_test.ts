import assert from "node:assert/strict";
import { fromRows } from "../../lib/core/matrix.ts";
import { isStringArray } from "../../lib/core/validate.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { MODEL_VERSION } from "../../lib/model/types.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { checkClasses, checkFeatureNames, validateModel } from "../../lib/model/validate_model.ts";

/** `["a", <hole>, "c"]`-like lists: `length` entries, the one at `hole` never assigned. */
function sparse(values: readonly string[], hole: number): string[] {
  const out: string[] = new Array(values.length);
  values.forEach((v, i) => {
    if (i !== hole) out[i] = v;
  });
  assert.ok(!(hole in out)); // a hole, not an undefined entry
  return out;
}

Deno.test("isStringArray counts the holes of a sparse array as entries that are not strings", () => {
  assert.equal(isStringArray(["a", "b"]), true);
  assert.equal(isStringArray([]), true);
  assert.equal(isStringArray(sparse(["a", "b", "c"], 1)), false);
  assert.equal(isStringArray(["a", undefined]), false);
  assert.equal(isStringArray("ab"), false);
});

Deno.test("class labels and feature names with a hole are refused, not read as undefined", () => {
  // `every` skips holes: ['a', <hole>] passed as two strings, fit returned a model with an
  // undefined label, and encodeModel failed on it with "Cannot read properties of undefined
  // (reading 'isWellFormed')".
  assert.throws(
    () => checkClasses("check", sparse(["a", "b"], 1)),
    new TypeError("Cannot check: classes must be an array of at least two strings"),
  );
  assert.throws(
    () => checkFeatureNames("check", sparse(["f0", "f1", "f2"], 2), 3),
    new TypeError("Cannot check: featureNames must be 3 strings"),
  );
  const x = fromRows([[0, 1], [1, 0], [2, 1], [3, 0]]);
  const y = Int32Array.from([0, 0, 1, 1]);
  assert.throws(
    () => fit(x, y, { classes: sparse(["no", "yes"], 0) }),
    new TypeError("Cannot fit model: classes must be an array of at least two strings"),
  );
  assert.throws(
    () => fit(x, y, { featureNames: sparse(["f0", "f1"], 1) }),
    new TypeError("Cannot fit model: featureNames must be 2 strings"),
  );
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "sigmoid",
    weights: { data: new Float64Array([1, -1]), rows: 1, cols: 2 },
    bias: new Float64Array([0]),
    classes: sparse(["no", "yes"], 1),
    featureNames: ["f0", "f1"],
    preprocessing: { kind: "none" },
  };
  assert.throws(
    () => validateModel(model, "check model"),
    new TypeError("Cannot check model: classes must be an array of at least two strings"),
  );
  assert.throws(
    () => encodeModel(model),
    (e: Error) => e instanceof TypeError && /^Cannot .*classes must be an array/.test(e.message),
  );
  // The same lists without the hole are taken.
  assert.deepEqual(fit(x, y, { classes: ["no", "yes"] }).model.classes, ["no", "yes"]);
  validateModel({ ...model, classes: ["no", "yes"] }, "check model");
});
