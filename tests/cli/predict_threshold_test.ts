import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictProba } from "../../lib/model/predict.ts";
import { modelToJson } from "../../lib/model/serialize.ts";
import { exportOnnx } from "../../lib/onnx/export.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import { onnxRuntimeProblem } from "../_helpers/onnxruntime.ts";

Deno.test("lrc predict labels at a model's threshold, from .lrc, .json and .onnx, and counts accuracy there", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const prng = createPrng(5);
    const n = 300;
    const x = new Float64Array(n * 2), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      // float32 values: the command reads float32, the oracle the same numbers.
      x[2 * i] = Math.fround(randomNormal(prng) + 0.5 * y[i]);
      x[2 * i + 1] = Math.fround(randomNormal(prng) - 0.5 * y[i]);
    }
    const data = { data: x, rows: n, cols: 2 };
    const base = fit(data, y, {
      classes: ["ham", "spam"],
      featureNames: ["a", "b"],
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    }).model;
    const t = 0.8;
    const model = withThreshold(base, t);
    const p = predictProba(model, data);
    const lines = ["a,b,y"];
    for (let i = 0; i < n; i++) lines.push(`${x[2 * i]},${x[2 * i + 1]},${base.classes[y[i]]}`);
    const csv = `${dir}/d.csv`;
    await Deno.writeTextFile(csv, lines.join("\n") + "\n");
    const want: string[] = [];
    let correct = 0, moved = 0;
    for (let i = 0; i < n; i++) {
      const pi = p.data[2 * i + 1];
      assert.ok(Math.abs(pi - t) > 1e-6, "no row at the threshold");
      want.push(base.classes[pi > t ? 1 : 0]);
      if ((pi > t ? 1 : 0) === y[i]) correct++;
      if ((pi > t) !== (pi > 0.5)) moved++;
    }
    assert.ok(moved > 20, `only ${moved} labels move`);
    await saveModel(`${dir}/m.lrc`, model);
    await Deno.writeTextFile(`${dir}/m.json`, modelToJson(model));
    const paths = [`${dir}/m.lrc`, `${dir}/m.json`];
    if ((await onnxRuntimeProblem()) === null) {
      await Deno.writeFile(`${dir}/m.onnx`, exportOnnx(model));
      paths.push(`${dir}/m.onnx`);
    }
    for (const path of paths) {
      const out = `${dir}/out.csv`;
      const r = await runCli(["predict", "--model", path, "--data", csv, "--out", out, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const got = (await Deno.readTextFile(out)).trimEnd().split("\n").slice(1);
      assert.deepEqual(got, want, path);
      const report = JSON.parse(r.stdout);
      assert.equal(report.metrics.accuracy, correct / n, path);
    }
    // A quantized file labels at its threshold too (its own probabilities as the oracle).
    await saveModel(`${dir}/q.lrc`, quantizeModel(model, { method: { kind: "uniform", bits: 8 } }));
    const r = await runCli([
      "predict",
      "--model",
      `${dir}/q.lrc`,
      "--data",
      csv,
      "--out",
      `${dir}/q.csv`,
      "--proba",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = (await Deno.readTextFile(`${dir}/q.csv`)).trimEnd().split("\n");
    const head = rows[0].split(",");
    const spam = head.indexOf("p_spam");
    assert.ok(spam > 0, head.join(","));
    for (const row of rows.slice(1)) {
      const cells = row.split(",");
      const ps = Number(cells[spam]);
      if (Math.abs(ps - t) > 1e-6) assert.equal(cells[0], ps > t ? "spam" : "ham", row);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lrc predict names the threshold that labelled the rows (text and --json), and nothing for a model without one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const x = { data: Float64Array.from([-2, -1, 1, 2]), rows: 4, cols: 1 };
    const base = fit(x, new Int32Array([0, 0, 1, 1]), {
      classes: ["ham", "spam"],
      featureNames: ["a"],
      optimizer: { kind: "lbfgs", maxIterations: 20 },
    }).model;
    await Deno.writeTextFile(`${dir}/d.csv`, "a,y\n-2,ham\n-1,ham\n1,spam\n2,spam\n");
    await saveModel(`${dir}/plain.lrc`, base);
    await saveModel(`${dir}/t.lrc`, withThreshold(base, 0.625));
    await saveModel(
      `${dir}/q.lrc`,
      quantizeModel(withThreshold(base, 0.25), { method: { kind: "uniform", bits: 8 } }),
    );
    for (const [file, t] of [["plain.lrc", null], ["t.lrc", 0.625], ["q.lrc", 0.25]] as const) {
      const argv = ["predict", "--model", `${dir}/${file}`, "--data", `${dir}/d.csv`, "--quiet"];
      const json = await runCli([...argv, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(JSON.parse(json.stdout).threshold, t, file);
      const text = await runCli(argv);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.split("\n");
      assert.match(lines[0], /^model {5}/, file);
      if (t === null) {
        assert.match(lines[1], /^data {6}/, file);
        assert.doesNotMatch(text.stdout, /threshold/, file);
      } else {
        assert.equal(
          lines[1],
          `threshold ${t} (stored in the model): a row is labelled "spam" when its probability ` +
            `is above ${t}, not 0.5`,
          file,
        );
        assert.match(lines[2], /^data {6}/, file);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
