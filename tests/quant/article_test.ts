/**
 * The seed article's "8-bit uniform quantization", `np.round(w * (2**b - 1)) / (2**b - 1)`, through
 * its port in lib/article (the counter-example, not part of lib/quant): a fixed grid of step
 * 1/255 with no scale and no clipping, so the number of levels depends on the weights' range, not
 * on b.
 */
import assert from "node:assert/strict";
import { uniformQuantization as articleUniformQuantization } from "../../lib/article/quantization.ts";
import { quantizeTensor } from "../../lib/quant/quantize.ts";
import { dequantizeTensor } from "../../lib/quant/dequantize.ts";
import { randomWeights } from "./_weights.ts";

Deno.test("the article's 8-bit grid is not an 8-bit tensor, ours is for any weight scale", () => {
  const base = randomWeights(40, 4, 200);
  for (const factor of [2 ** -12, 1, 2 ** 6]) {
    const w = { ...base, data: base.data.map((v) => v * factor) };
    const article = articleUniformQuantization(w.data, 8);
    const codes = article.map((v) => Math.round(v * 255));
    const levels = Math.max(...codes) - Math.min(...codes) + 1;
    const q = quantizeTensor(w, {
      method: { kind: "uniform", bits: 8, calibration: { kind: "minmax" } },
    });
    // ours: at most 255 levels per class, whatever the scale of the weights
    assert.ok(q.kind === "uniform" && q.codes instanceof Int8Array);
    assert.ok(Math.max(...q.codes.map(Math.abs)) <= 127);
    if (factor === 2 ** 6) assert.ok(levels > 256, `article: ${levels} levels need > 8 bits`);
    if (factor === 2 ** -12) {
      assert.ok(article.every((v) => v === 0), "article: small weights all round to 0");
      assert.ok(dequantizeTensor(q).data.some((v) => v !== 0));
    }
  }
});

Deno.test("our codes do not change when the weights are scaled by a power of two", () => {
  const w = randomWeights(41, 4, 200);
  const method = { kind: "uniform", bits: 4, calibration: { kind: "mse" } } as const;
  const codes = quantizeTensor(w, { method }).codes;
  for (const k of [-12, -3, 5]) {
    const scaled = { ...w, data: w.data.map((v) => v * 2 ** k) };
    assert.deepEqual(quantizeTensor(scaled, { method }).codes, codes, `2^${k}`);
    const article = articleUniformQuantization(scaled.data, 4).map((v) => Math.round(v * 15));
    const original = articleUniformQuantization(w.data, 4).map((v) => Math.round(v * 15));
    assert.notDeepEqual(article, original);
  }
});
