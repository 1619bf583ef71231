// runOnnx's own messages for data the graph does not take: onnxruntime's plain Errors said
// neither what was run nor, for a wrong input name, the name that was given.
import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { onnxRuntimeProblem, runOnnx } from "../../lib/onnx/runtime.ts";

const problem = await onnxRuntimeProblem();

Deno.test({
  name: `runOnnx names the width and the input name it was given${
    problem ? ` (skipped: ${problem})` : ""
  }`,
  ignore: problem !== null,
  async fn() {
    const digits = await loadEmbedded("digits"), cancer = await loadEmbedded("breast-cancer");
    const bytes = exportOnnx(
      fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 20 } }).model,
    );
    await assert.rejects(
      () => runOnnx(bytes, cancer.x),
      (e: Error) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.match(
          e.message,
          /^Cannot run ONNX model: onnxruntime refused x \(569 x 30\): [^\n]*Expected: 64[^\n]*$/,
        );
        return true;
      },
    );
    await assert.rejects(
      () => runOnnx(bytes, digits.x, { inputName: "X" }),
      (e: Error) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.equal(
          e.message,
          "Cannot run ONNX model: the graph has no input 'X'; its inputs are 'input' (give " +
            "inputName)",
        );
        return true;
      },
    );
    // The right data still runs.
    const out = await runOnnx(bytes, digits.x);
    assert.equal((out.label.data as string[]).length, digits.x.rows);
  },
});
