// runOnnx's own messages for data the graph does not take: onnxruntime's plain Errors said
// neither what was run nor, for a wrong input name, the name that was given.
import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fromRows } from "../../lib/core/matrix.ts";
import { fit } from "../../lib/model/fit.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { decodeOnnx, encodeOnnx } from "../../lib/onnx/protobuf.ts";
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
          'Cannot run ONNX model: the graph has no input "X"; its inputs are ["input"] (give ' +
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

Deno.test({
  name: `runOnnx quotes the graph's inputs and the name it was given by quotedText, cut short${
    problem ? ` (skipped: ${problem})` : ""
  }`,
  ignore: problem !== null,
  async fn() {
    // The inputs were printed whole: 100 inputs of 10,000 characters made a message of a million.
    // Oracle: quotedText's and quotedList's forms (the first 60 characters of a name, then its
    // length; at most 8 names, then the count), written out.
    const x = fromRows([[0], [1], [2], [3]]);
    const m = decodeOnnx(exportOnnx(fit(x, Int32Array.from([0, 0, 1, 1])).model), "m.onnx");
    const names = Array.from({ length: 100 }, (_, j) => String(j % 10).repeat(10000) + j);
    // The first feeds the graph in place of "input"; the other 99 are unused (onnxruntime loads such a graph).
    const [info] = m.graph.input;
    m.graph.input = names.map((name) => ({ ...info, name }));
    for (const n of m.graph.node) n.input = n.input.map((s) => s === info.name ? names[0] : s);
    const shown = Array.from(
      { length: 8 },
      (_, j) => `"${String(j).repeat(60)}"... (10001 characters)`,
    );
    await assert.rejects(
      () => runOnnx(encodeOnnx(m), x, { inputName: "z".repeat(10000) }),
      (e: Error) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.equal(
          e.message,
          `Cannot run ONNX model: the graph has no input "${"z".repeat(60)}"... (10000 ` +
            `characters); its inputs are [${shown.join(",")}, ...] (100 names) (give inputName)`,
        );
        return true;
      },
    );
  },
});

Deno.test({
  name: `runOnnx cuts onnxruntime's own reason short when it quotes a long name${
    problem ? ` (skipped: ${problem})` : ""
  }`,
  ignore: problem !== null,
  async fn() {
    // onnxruntime quotes names whole in its messages: a 10,000-character input or node name made
    // a refusal of more than 10,000 characters. Oracle: the reason is cut at 500 characters and
    // says its full length; the names themselves are the ones put in the file.
    const x = fromRows([[0], [1], [2], [3]]);
    const m = decodeOnnx(exportOnnx(fit(x, Int32Array.from([0, 0, 1, 1])).model), "m.onnx");
    const long = "q".repeat(10000);
    const [info] = m.graph.input;
    m.graph.input = [{ ...info, name: long }];
    for (const n of m.graph.node) n.input = n.input.map((s) => s === info.name ? long : s);
    const wide = fromRows([[0, 1], [1, 2]]);
    await assert.rejects(
      () => runOnnx(encodeOnnx(m), wide, { inputName: long }),
      (e: Error) => {
        assert.ok(e instanceof RangeError, String(e));
        const match = /^Cannot run ONNX model: onnxruntime refused x \(2 x 2\): (.*)$/s.exec(
          e.message,
        );
        assert.ok(match, e.message);
        assert.match(match[1], /^[^\n]{500}\.\.\. \(\d{5} characters\)$/, e.message.slice(0, 700));
        assert.ok(match[1].includes("q".repeat(100)), "the reason is onnxruntime's, with the name");
        return true;
      },
    );
    // The same for a file onnxruntime cannot load: a node reading a long name nothing defines.
    const broken = decodeOnnx(exportOnnx(fit(x, Int32Array.from([0, 0, 1, 1])).model), "m.onnx");
    broken.graph.node[0].input = broken.graph.node[0].input.map((s, j) => j === 0 ? long : s);
    await assert.rejects(
      () => runOnnx(encodeOnnx(broken), x),
      (e: Error) => {
        assert.ok(e instanceof SyntaxError, String(e));
        const match = /^Cannot run ONNX model: onnxruntime cannot load it: (.*)$/s.exec(e.message);
        assert.ok(match, e.message.slice(0, 700));
        assert.match(match[1], /^[^\n]{500}\.\.\. \(\d{5} characters\)$/, e.message.slice(0, 700));
        assert.ok(match[1].includes("q".repeat(100)), "the reason is onnxruntime's, with the name");
        return true;
      },
    );
  },
});
