// The browser bundle imported in Deno, as an edge function on Deno would import it: `threads` asks
// for workers whose modules (lib/kernels/pool_worker.ts) the bundle does not hold. It waited 10 s a
// call for them, and Deno printed "Module not found" for each worker; now it runs on the calling
// thread, as in a page.
import assert from "node:assert/strict";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict } from "../../lib/model/predict.ts";

Deno.test("the browser bundle imported in Deno runs threads: 2 on the calling thread, silently", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = JSON.parse(
      await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
    );
    const [deno, ...args] = (config.tasks["build:browser"] as string).split(" ");
    assert.equal(deno, "deno");
    const build = await new Deno.Command(Deno.execPath(), {
      args: [...args, "-o", `${dir}/lrcompress.js`],
      cwd: new URL("../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));

    const digits = await loadEmbedded("digits");
    const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } });
    await Deno.writeFile(`${dir}/m.lrc`, encodeModel(model));
    // float32 rows above the kernels' threshold (2^13 multiply-adds): the call takes the pool.
    const x = { ...digits.x, data: Float32Array.from(digits.x.data) };
    await Deno.writeFile(`${dir}/x.bin`, new Uint8Array(x.data.buffer));
    await Deno.writeTextFile(
      `${dir}/run.mjs`,
      `import { decodeModel, predict, preparePredictor } from "./lrcompress.js";
const model = decodeModel(await Deno.readFile("./m.lrc"));
const data = new Float32Array((await Deno.readFile("./x.bin")).buffer);
const x = { data, rows: ${x.rows}, cols: ${x.cols} };
const labels = Array.from(predict(model, x, { threads: 2 }));
const p = preparePredictor(model, { threads: 2 });
const prepared = Array.from(p.predict(x));
const threads = p.threads;
p.close();
console.log(JSON.stringify({ labels, prepared, threads }));
`,
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "run.mjs"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    assert.equal(stderr, "");
    const out = JSON.parse(new TextDecoder().decode(run.stdout));
    // Without the fix the predictor asked for two threads whose workers never started (each call
    // waited out their 10 s start-up deadline, and Deno printed "Module not found" on stderr).
    assert.equal(out.threads, 1);
    // The labels of the library in Deno on the same float32 rows (the same kernel).
    const expected = Array.from(predict(model, x));
    assert.deepEqual(out.labels, expected);
    assert.deepEqual(out.prepared, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
