import assert from "node:assert/strict";
import { modelFromCoefficients } from "../../lib/io/coefficients.ts";
import { throwsWith } from "../_helpers/errors.ts";

Deno.test("a coefficients JSON may carry a binary model's threshold; a softmax one is refused", () => {
  const { model } = modelFromCoefficients(
    '{"coef": [[1.5, -2]], "intercept": [0.5], "classes": [0, 1], "threshold": 0.25}',
  );
  assert.equal(model.threshold, 0.25);
  assert.equal(
    Object.hasOwn(modelFromCoefficients('{"coef": [[1]], "intercept": [0]}').model, "threshold"),
    false,
  );
  throwsWith(
    () =>
      modelFromCoefficients(
        '{"coef": [[1], [2], [3]], "intercept": [0, 0, 0], "threshold": 0.25}',
      ),
    RangeError,
    "a decision threshold needs a binary (sigmoid) model",
  );
  throwsWith(
    () => modelFromCoefficients('{"coef": [[1]], "intercept": [0], "threshold": "0.3"}'),
    SyntaxError,
    "threshold must be a number",
  );
  throwsWith(
    () => modelFromCoefficients('{"coef": [[1]], "intercept": [0], "threshold": 1}'),
    RangeError,
    "threshold must be a probability strictly between 0 and 1, got 1",
  );
});
