import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { loadModel } from "../../lib/io/model_file.ts";
import { asFloatModel } from "../../lib/io/quantized.ts";
import { predictLabels } from "../../lib/model/predict.ts";
import { onnxRuntimeProblem, runOnnx } from "../_helpers/onnxruntime.ts";

const ortProblem = await onnxRuntimeProblem();

Deno.test("lrc train --save writes the binary format for .lrc and JSON for .json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const common = ["--quiet", "--dataset", "breast-cancer", "--max-iterations", "30"];
    const bin = await runCli(["train", ...common, "--save", `${dir}/m.lrc`]);
    assert.equal(bin.code, 0, bin.stderr);
    const bytes = await Deno.readFile(`${dir}/m.lrc`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x4c, 0x52, 0x43]);
    const json = await runCli(["train", ...common, "--save", `${dir}/m.json`]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((await Deno.readTextFile(`${dir}/m.json`))[0], "{");
    // Same seed, same training: both files hold the same model.
    assert.deepEqual(await loadModel(`${dir}/m.lrc`), await loadModel(`${dir}/m.json`));
    const bad = await runCli(["train", ...common, "--save", `${dir}/m.txt`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /extension must be \.lrc \(binary\) or \.json$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc inspect prints a size report whose parts add up to the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runCli(["train", "--quiet", "--max-iterations", "20", "--save", `${dir}/m.lrc`]);
    const size = (await Deno.stat(`${dir}/m.lrc`)).size;
    const { code, stdout } = await runCli(["inspect", `${dir}/m.lrc`, "--json"]);
    assert.equal(code, 0);
    const r = JSON.parse(stdout);
    assert.equal(r.fileBytes, size);
    assert.equal(Object.values(r.parts as Record<string, number>).reduce((a, b) => a + b, 0), size);
    assert.equal(r.denseFloat32Bytes, 4 * (64 * 10 + 10));
    const text = await runCli(["inspect", `${dir}/m.lrc`]);
    assert.match(text.stdout, new RegExp(`total +${size.toLocaleString("en-US")} +100\\.0 %`));
    await Deno.writeTextFile(`${dir}/bad.lrc`, "garbage");
    const bad = await runCli(["inspect", `${dir}/bad.lrc`]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^lrc inspect: Cannot read model file '.*bad.lrc': not an lrcompress model file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "lrc export writes ONNX from a saved model and from a fresh training" +
    (ortProblem ? ` (skipped: ${ortProblem})` : ""),
  ignore: ortProblem !== null,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await runCli(["train", "--quiet", "--max-iterations", "30", "--save", `${dir}/m.lrc`]);
      const a = await runCli(["export", "--model", `${dir}/m.lrc`, "--out", `${dir}/a.onnx`]);
      assert.equal(a.code, 0, a.stderr);
      const b = await runCli([
        "export",
        "--quiet",
        "--max-iterations",
        "30",
        "--out",
        `${dir}/b.onnx`,
      ]);
      assert.equal(b.code, 0, b.stderr);
      const digits = await loadEmbedded("digits");
      const model = asFloatModel(await loadModel(`${dir}/m.lrc`));
      const expected = predictLabels(model, digits.x);
      for (const file of ["a.onnx", "b.onnx"]) {
        const out = await runOnnx(await Deno.readFile(`${dir}/${file}`), digits.x);
        const labels = out.label.data as string[];
        const same = expected.filter((l, i) => l === labels[i]).length;
        assert.ok(same / expected.length >= 0.999, `${file}: ${same} of ${expected.length}`);
      }
      const missing = await runCli(["export", "--model", `${dir}/m.lrc`]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--out FILE.onnx is required/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
