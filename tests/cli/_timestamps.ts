/**
 * A file whose informative column is a timestamp near 1.7e9 (float32 values there are 128 apart,
 * its spread about 29) and a model `lrc train` saved from it: the case of the float32 rounding
 * warnings of `lrc predict` and `lrc export`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createPrng } from "../../lib/core/random.ts";
import { modelFromJson } from "../../lib/model/serialize.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import { runCli } from "../_helpers/assert_close.ts";

/**
 * Half the float32 step at `v`, found by stepping its float32 bits (not by the formula under
 * test).
 *
 * @param v The value.
 * @returns Half the gap to the next float32 above `|v|`.
 */
export function halfStepByBits(v: number): number {
  const f = new Float32Array([Math.abs(v)]);
  const below = f[0];
  new Uint32Array(f.buffer)[0] += 1;
  return (f[0] - below) / 2;
}

/**
 * Writes `ts.csv` (400 rows: t, noise, y) to `dir` and trains `ts.json` from it with `lrc train`.
 *
 * @param dir The folder.
 * @returns The model, and the warning's ratio: half a float32 step at the mean of t, in its
 *   standard deviations.
 */
export async function timestampModel(
  dir: string,
): Promise<{ model: LogisticModel; ratio: number }> {
  const prng = createPrng(3);
  const lines = ["t,noise,y"];
  for (let i = 0; i < 400; i++) {
    const u = prng() * 100;
    lines.push(`${1.7e9 + u},${prng()},${u > 50 ? "high" : "low"}`);
  }
  await Deno.writeTextFile(`${dir}/ts.csv`, lines.join("\n") + "\n");
  const train = await runCli(["train", "--data", `${dir}/ts.csv`, "--save", `${dir}/ts.json`]);
  assert.equal(train.code, 0, train.stderr);
  const model = modelFromJson(await Deno.readTextFile(`${dir}/ts.json`));
  const p = model.preprocessing as { mean: Float64Array; scale: Float64Array };
  return { model, ratio: halfStepByBits(p.mean[0]) / p.scale[0] };
}
