import assert from "node:assert/strict";
import { modelFromCoefficients } from "../../lib/io/coefficients.ts";

Deno.test("numeric class labels that JSON numbers cannot hold exactly are refused", () => {
  // JSON.parse reads 9007199254740993 as 9007199254740992: the class was renamed silently.
  for (const label of ["9007199254740993", "-9007199254740993", "1e21", "12345678901234567890"]) {
    assert.throws(
      () => modelFromCoefficients(`{"coef": [[1, 2]], "intercept": [0], "classes": [${label}, 1]}`),
      { name: "RangeError", message: /classes\[0\] is .* as read: .*write the classes as strings/ },
      label,
    );
  }
  for (const label of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => modelFromCoefficients({ coef: [[1, 2]], intercept: [0], classes: [0, label] }),
      { name: "RangeError", message: /classes\[1\] is/ },
    );
  }
  // Labels JSON holds exactly read as their digits; as strings, any label does.
  const text = '{"coef": [[1, 2]], "intercept": [0], "classes": [9007199254740991, -3]}';
  assert.deepEqual(modelFromCoefficients(text).model.classes, ["9007199254740991", "-3"]);
  const named = '{"coef": [[1, 2]], "intercept": [0], "classes": ["9007199254740993", 2.5]}';
  assert.deepEqual(modelFromCoefficients(named).model.classes, ["9007199254740993", "2.5"]);
});
