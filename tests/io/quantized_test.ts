import assert from "node:assert/strict";
import { asFloatModel } from "../../lib/io/quantized.ts";
import type { StoredModel } from "../../lib/io/quantized.ts";

Deno.test("asFloatModel refuses a missing model with a message, not a bare property read", () => {
  for (const [model, got] of [[null, "null"], [undefined, "undefined"]] as const) {
    assert.throws(
      () => asFloatModel(model as unknown as StoredModel),
      (e: Error) =>
        e instanceof TypeError &&
        e.message === `Cannot dequantize model: the model must be an object, got ${got}`,
    );
  }
});
