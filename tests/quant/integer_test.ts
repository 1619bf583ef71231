import assert from "node:assert/strict";
import { fromRows, type Matrix } from "../../lib/core/matrix.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";
import { hasNumpy, runPython } from "../_helpers/python.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { decisionFunction, predict } from "../../lib/model/predict.ts";
import {
  calibrateInput,
  dequantizeModel,
  integerDecisionFunction,
  type IntegerModel,
  integerPredict,
  integerScoresFromCodes,
  prepareIntegerModel,
  type QuantizationMethod,
  quantizedDecisionFunction,
  quantizeInputs,
  quantizeModel,
} from "../../lib/quant/mod.ts";
import type { LogisticModel } from "../../lib/model/types.ts";
import type { QuantizedModel, UniformQuantizedTensor } from "../../lib/quant/types.ts";

/** A pixel-like problem: inputs are multiples of 1/255 in [0, 1], half of them 0. */
function pixelProblem(seed: number, n = 600, d = 30, k = 4) {
  const prng = createPrng(seed);
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => prng()));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < d; j++) {
      const v = prng() < 0.5
        ? 0
        : Math.min(1, Math.max(0, centers[c][j] + 0.3 * randomNormal(prng)));
      x[i * d + j] = Math.round(v * 255) / 255;
    }
  }
  return { x: { data: x, rows: n, cols: d } as Matrix, y };
}

const METHODS: QuantizationMethod[] = [
  { kind: "uniform", bits: 8, granularity: "class" },
  { kind: "uniform", bits: 8, granularity: "tensor", calibration: { kind: "minmax" } },
  { kind: "uniform", scheme: "affine", bits: 8, granularity: "class" },
  { kind: "uniform", scheme: "affine", bits: 6, granularity: "feature" },
  { kind: "uniform", bits: 4, granularity: "feature" },
  { kind: "uniform", bits: 2, granularity: "class" },
  { kind: "uniform", bits: 1, granularity: "class" },
  { kind: "log2", bits: 4, granularity: "class" },
  { kind: "log2", bits: 3, granularity: "feature" },
];

/**
 * The largest gap allowed between integer and dequantized float scores: each input code is
 * within half a step of its exact value (no clipping with min/max input calibration on the same
 * data), and the int32 bias within half a unit of the float bias. Requantized weights (per-feature
 * grids, standardised models) are also each within half a unit of their exact value, which adds
 * half a unit per input step of `x - mean` (`|xq - zx| + 1/2 + |mean| / sx`), and the mean term of
 * the bias is rounded once (half a unit).
 */
function scoreBound(
  m: IntegerModel,
  c: number,
  codes: ArrayLike<number>,
  i: number,
  mean: ArrayLike<number> | null,
): number {
  const d = m.nFeatures;
  let s = 0;
  for (let j = 0; j < d; j++) s += Math.abs(m.weights[c * d + j]);
  if (mean === null) return m.rescale[c] * (s / 2 + 0.5) * (1 + 1e-9);
  const sx = m.input.scale;
  let x = 0;
  for (let j = 0; j < d; j++) {
    x += Math.abs(codes[i * d + j] - m.input.zeroPoint) + 0.5 + Math.abs(mean[j]) / sx;
  }
  return m.rescale[c] * ((s + d / 2) / 2 + x / 2 + 1) * (1 + 1e-9);
}

function checkAgainstFloat(
  model: LogisticModel,
  x: Matrix,
  method: QuantizationMethod,
  dtype?: "uint8" | "int8",
) {
  const q = calibrateInput(quantizeModel(model, { method }), x, { dtype });
  const im = prepareIntegerModel(q);
  const p = model.preprocessing;
  const requantized = p.kind === "standardize" ||
    ("granularity" in method && method.granularity === "feature");
  const mean = requantized ? (p.kind === "standardize" ? p.mean : new Float64Array(x.cols)) : null;
  const reference = decisionFunction(dequantizeModel(q), x);
  const integer = integerDecisionFunction(im, x);
  const codes = quantizeInputs(im, x);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < im.nOutputs; c++) {
      const diff = Math.abs(
        integer.data[i * im.nOutputs + c] - reference.data[i * im.nOutputs + c],
      );
      assert.ok(
        diff <= scoreBound(im, c, codes, i, mean),
        `${JSON.stringify(method)} sample ${i} class ${c}: ${diff}`,
      );
    }
  }
  return { q, im, reference, integer };
}

Deno.test("integer scores stay within the input-rounding bound of the dequantized model", async () => {
  const pixels = pixelProblem(1);
  const { model: pm } = fit(pixels.x, pixels.y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 60 },
  });
  const digits = await loadEmbedded("digits");
  const { model: dm } = fit(digits.x, digits.y, {
    classes: digits.classes,
    optimizer: { kind: "lbfgs", maxIterations: 60 },
  });
  for (const method of METHODS) {
    checkAgainstFloat(pm, pixels.x, method);
    checkAgainstFloat(dm, digits.x, method); // standardised: int8 inputs
    checkAgainstFloat(dm, digits.x, method, "uint8"); // affine inputs with a non-zero zero point
  }
});

Deno.test("on inputs already on the grid, integer predictions agree with the float reference", () => {
  const { x, y } = pixelProblem(2, 2000, 40, 5);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 80 },
  });
  const perFeature: QuantizationMethod[] = [
    { kind: "uniform", bits: 8, granularity: "feature" },
    { kind: "uniform", scheme: "affine", bits: 8, granularity: "feature" },
  ];
  for (const method of [...METHODS.slice(0, 3), ...perFeature]) {
    const q = calibrateInput(quantizeModel(model, { method }), x);
    assert.equal(q.input?.scale, Math.fround(1 / 255));
    const im = prepareIntegerModel(q);
    const a = integerPredict(im, x), b = predict(dequantizeModel(q), x);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    assert.ok(same / a.length >= 0.999, `${JSON.stringify(method)}: ${same / a.length}`);
    // the codes are the pixel bytes themselves
    const codes = quantizeInputs(im, x);
    for (let i = 0; i < codes.length; i++) assert.equal(codes[i], Math.round(x.data[i] * 255));
    // and scoring the codes directly gives the same scores as scoring the floats
    assert.deepEqual(integerScoresFromCodes(im, codes, x.rows), integerDecisionFunction(im, x));
  }
});

Deno.test("a standardised model keeps exact pixel codes and agrees on nearly constant pixels", () => {
  // Like Fashion-MNIST's border pixels: a column that is almost always 0 standardises to values
  // in the hundreds, which would set a single 8-bit input scale for all the others.
  const { x, y } = pixelProblem(7, 2000, 40, 5);
  for (let i = 0; i < x.rows; i++) x.data[i * x.cols] = i % 997 === 0 ? 1 / 255 : 0;
  const { model } = fit(x, y, { optimizer: { kind: "lbfgs", maxIterations: 80 } });
  assert.equal(model.preprocessing.kind, "standardize");
  for (const method of METHODS.slice(0, 4)) {
    const q = calibrateInput(quantizeModel(model, { method }), x);
    assert.equal(q.input?.scale, Math.fround(1 / 255));
    const im = prepareIntegerModel(q);
    const codes = quantizeInputs(im, x);
    for (let i = 0; i < codes.length; i++) assert.equal(codes[i], Math.round(x.data[i] * 255));
    const a = integerPredict(im, x), b = predict(dequantizeModel(q), x);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    assert.ok(same / a.length >= 0.999, `${JSON.stringify(method)}: ${same / a.length}`);
  }
});

Deno.test("requantized rows leave room for the bias and the mean: sparse rows, large biases", async () => {
  const digits = await loadEmbedded("digits");
  const { model } = fit(digits.x, digits.y, {
    classes: digits.classes,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  // One or two surviving weights per row, and biases far from zero: the products alone would
  // take a very fine unit, which the bias and the standardisation's mean term must not overflow.
  const k = model.weights.rows, d = model.weights.cols;
  const mask = new Uint8Array(k * d);
  for (let c = 0; c < k; c++) mask[c * d + ((c * 7) % d)] = mask[c * d + ((c * 7 + 20) % d)] = 1;
  const sparse: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v, i) => (mask[i] ? v : 0)) },
    bias: model.bias.map((b, c) => b + (c % 2 ? 30 : -30)),
    mask,
  };
  for (const method of METHODS.slice(0, 4)) {
    const q = calibrateInput(quantizeModel(sparse, { method }), digits.x);
    const im = prepareIntegerModel(q);
    const a = integerDecisionFunction(im, digits.x);
    const b = decisionFunction(dequantizeModel(q), digits.x);
    // Scores within the rounding of inputs, weights and the mean term, not garbage from a
    // wrapped accumulator.
    const codes = quantizeInputs(im, digits.x);
    const p = sparse.preprocessing;
    assert.ok(p.kind === "standardize");
    for (let i = 0; i < a.data.length; i++) {
      const c = i % k;
      assert.ok(
        Math.abs(a.data[i] - b.data[i]) <= scoreBound(im, c, codes, Math.floor(i / k), p.mean),
        `${JSON.stringify(method)} score ${i}: ${a.data[i]} against ${b.data[i]}`,
      );
    }
  }
});

Deno.test("a standardised model calibrated with the old meaning of the input scale is refused", async () => {
  const digits = await loadEmbedded("digits");
  const { model } = fit(digits.x, digits.y, {
    classes: digits.classes,
    optimizer: { kind: "lbfgs", maxIterations: 20 },
  });
  const q = calibrateInput(quantizeModel(model), digits.x);
  assert.match(q.input!.calibration, /\(raw inputs\)$/);
  const old = { ...q, input: { ...q.input!, calibration: "minmax" } };
  assert.throws(() => prepareIntegerModel(old), {
    name: "RangeError",
    message: /predates integer inference on raw inputs .* recalibrate with calibrateInput/,
  });
});

Deno.test("per-feature weights are requantized to one scale per row within half a unit", () => {
  const { x, y } = pixelProblem(6, 400, 30, 4);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  for (const dtype of ["uint8", "int8"] as const) {
    for (const scheme of ["symmetric", "affine"] as const) {
      const method: QuantizationMethod = {
        kind: "uniform",
        scheme,
        bits: 8,
        granularity: "feature",
      };
      const q = calibrateInput(quantizeModel(model, { method }), x, { dtype });
      const im = prepareIntegerModel(q);
      const exact = dequantizeModel(q).weights.data; // s[j] * (code - zeroPoint[j])
      const d = im.nFeatures;
      const maxAbsX = dtype === "uint8" ? 255 : 128;
      for (let c = 0; c < im.nOutputs; c++) {
        const g = im.rescale[c] / q.input!.scale; // the row's common weight scale
        let sum = 0, largest = 0;
        for (let j = 0; j < d; j++) {
          const w = im.weights[c * d + j];
          sum += Math.abs(w);
          largest = Math.max(largest, Math.abs(w));
          assert.ok(
            Math.abs(w * g - exact[c * d + j]) <= g / 2 * (1 + 1e-9),
            `${scheme} ${dtype} row ${c} feature ${j}: ${w * g} against ${exact[c * d + j]}`,
          );
        }
        // The finest unit that keeps every accumulator within int32 (2^30 for the weights, the
        // rest for the bias), or int16 weights using their whole range.
        assert.ok(maxAbsX * sum <= 2 ** 30, `row ${c} could overflow`);
        assert.ok(
          maxAbsX * sum > 0.99 * 2 ** 30 || largest === 32767,
          `row ${c} wastes resolution: ${maxAbsX * sum}, largest ${largest}`,
        );
      }
      // the inputs are the pixels' own codes, not rescaled per feature
      if (dtype === "uint8") {
        const codes = quantizeInputs(im, x);
        for (let i = 0; i < codes.length; i++) {
          assert.equal(codes[i], Math.round(x.data[i] * 255));
        }
      }
    }
  }
});

Deno.test("the integer kernel computes the exact integer dot products", () => {
  const { x, y } = pixelProblem(3, 200, 25, 6);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  });
  const q = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", scheme: "affine", bits: 8 } }),
    x,
  );
  const im = prepareIntegerModel(q);
  const codes = quantizeInputs(im, x);
  const scores = integerScoresFromCodes(im, codes, x.rows);
  const zx = q.input!.zeroPoint;
  const t = q.weights;
  assert.ok(t.kind === "uniform" && q.bias.kind === "int32");
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < im.nOutputs; c++) {
      // from the definitions: (codes - zx) . (weight codes - weight zero point) + int32 bias
      let acc: number = q.bias.values[c];
      for (let j = 0; j < x.cols; j++) {
        acc += (codes[i * x.cols + j] - zx) * (t.codes[c * x.cols + j] - t.zeroPoint[c]);
      }
      assert.equal(scores.data[i * im.nOutputs + c], acc * q.bias.scale[c]);
    }
  }
});

Deno.test("log2 weights become signed powers of two in the integer model", () => {
  const { x, y } = pixelProblem(4);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 30 },
  });
  const im = prepareIntegerModel(
    calibrateInput(quantizeModel(model, { method: { kind: "log2", bits: 4 } }), x),
  );
  for (const w of im.weights) {
    assert.ok(w === 0 || Number.isInteger(Math.log2(Math.abs(w))), `${w}`);
    assert.ok(Math.abs(w) <= 2 ** 6);
  }
});

Deno.test("binary models and pruned weights work in integer inference", async () => {
  const data = await loadEmbedded("breast-cancer");
  const { model } = fit(data.x, data.y, {
    classes: data.classes,
    optimizer: { kind: "lbfgs", maxIterations: 50 },
  });
  const mask = new Uint8Array(model.weights.data.length).fill(1);
  for (let j = 0; j < mask.length; j += 3) mask[j] = 0;
  const pruned: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v, j) => (mask[j] ? v : 0)) },
    mask,
  };
  const { im } = checkAgainstFloat(pruned, data.x, { kind: "uniform", bits: 8 });
  assert.equal(im.nOutputs, 1);
  for (let j = 0; j < mask.length; j++) if (!mask[j]) assert.equal(im.weights[j], 0);
});

Deno.test("the int32 overflow refusal names the largest weight of the model, not of the rows before", () => {
  // Output 0 (784 weights near 0.9 of the largest) overflows; the largest weight is output 1's.
  const d = 784;
  const data = new Float64Array(3 * d);
  for (let j = 0; j < d; j++) data[j] = 0.9;
  data[d] = 1;
  const model: LogisticModel = {
    kind: "logistic-regression",
    version: 1,
    link: "softmax",
    weights: { data, rows: 3, cols: d },
    bias: new Float64Array(3),
    classes: ["a", "b", "c"],
    featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
    preprocessing: { kind: "none" },
  };
  const x = { data: Float32Array.from({ length: 2 * d }, (_, i) => i % 2), rows: 2, cols: d };
  const q = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", bits: 16, granularity: "tensor" } }),
    x,
  );
  const t = q.weights as UniformQuantizedTensor;
  // Oracle from the codes: |code - zeroPoint| largest over the model, and output 0's bound.
  let largest = 0, row0 = 0, abs0 = 0, sum0 = 0;
  for (let i = 0; i < t.codes.length; i++) {
    const w = t.codes[i] - t.zeroPoint[0];
    largest = Math.max(largest, Math.abs(w));
    if (i < d) {
      row0 = Math.max(row0, Math.abs(w));
      abs0 += Math.abs(w);
      sum0 += w;
    }
  }
  assert.ok(largest > row0);
  const bound = 255 * abs0 + Math.abs(q.bias.values[0] - q.input!.zeroPoint * sum0);
  assert.ok(bound > 2 ** 31 - 1);
  assert.throws(() => prepareIntegerModel(q), {
    name: "RangeError",
    message: `Cannot prepare integer inference: output 0 could accumulate up to ${bound}, ` +
      `beyond int32 (${d} features, weights up to ${largest}); use fewer weight bits`,
  });
});

Deno.test("integer inference refuses what it cannot do exactly", () => {
  const { x, y } = pixelProblem(5, 300, 800, 3);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 10 },
  });
  const wide = calibrateInput(
    quantizeModel(model, {
      method: { kind: "uniform", bits: 16, calibration: { kind: "minmax" } },
    }),
    x,
  );
  assert.throws(() => prepareIntegerModel(wide), /could accumulate up to .* beyond int32/);
  const km = quantizeModel(model, { method: { kind: "kmeans", bits: 3 } });
  assert.throws(() => calibrateInput(km, x), /needs uniform or log2 weights, these are codebook/);
  assert.throws(
    () => prepareIntegerModel(quantizeModel(model)),
    /no input calibration; call calibrateInput/,
  );
  const log8 = quantizeModel(model, { method: { kind: "log2", bits: 8 } });
  assert.throws(
    () => calibrateInput(log8, x),
    /log2 weights of at most 5 bits \(8 bits span 2\^-126/,
  );
  const ok = prepareIntegerModel(calibrateInput(quantizeModel(model), x));
  const bad = { data: x.data.slice(0, 800), rows: 1, cols: 800 };
  bad.data[7] = NaN;
  assert.throws(() => integerDecisionFunction(ok, bad), /x holds NaN at row 0, column 7/);
  assert.throws(
    () => integerDecisionFunction(ok, { ...x, cols: 10, rows: x.data.length / 10 }),
    TypeError,
  );
  // A quantized model (calibrated or not) is not an integer model, for codes as for floats.
  const calibrated = calibrateInput(quantizeModel(model), x);
  for (const m of [quantizeModel(model), calibrated]) {
    assert.throws(
      () => integerScoresFromCodes(m as unknown as IntegerModel, new Uint8Array(800), 1),
      (e: Error) =>
        e instanceof TypeError &&
        /^Cannot compute integer scores: the model is not an integer model; call prepareIntegerModel/
          .test(e.message),
    );
  }
});

Deno.test("int8 min/max input calibration maps the largest magnitude to 127, clipping nothing", () => {
  // Symmetric int8 codes span -127..127: the scale is max|x| / 127, so every calibration input
  // is within half a step of its code's value (a scale of max/128 would clip the largest).
  const x = fromRows([[-2.54, 0.3], [1, -0.7], [0.25, 2.2], [0.6, -1.1]]);
  const { model } = fit(x, Int32Array.from([0, 1, 1, 0]), { preprocessing: "none" });
  const q = calibrateInput(quantizeModel(model), x, { dtype: "int8" });
  assert.equal(q.input?.dtype, "int8");
  assert.equal(q.input?.zeroPoint, 0);
  assert.equal(q.input?.scale, Math.fround(2.54 / 127));
  const scale = q.input!.scale;
  const codes = quantizeInputs(prepareIntegerModel(q), x);
  for (let i = 0; i < x.data.length; i++) {
    assert.ok(Math.abs(codes[i]) <= 127);
    assert.ok(Math.abs(codes[i] * scale - x.data[i]) <= scale / 2 + 1e-12, `input ${i}`);
  }
});

Deno.test("percentile input calibration of mostly-zero inputs keeps the min/max range", () => {
  // 99.5 % of the inputs are 0, so the 99th percentile range is empty. Scale 1 (the old
  // fallback) rounded every input to code 0 and gave one class for every row.
  const n = 400, d = 200;
  const x = { data: new Float64Array(n * d), rows: n, cols: d };
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x.data[i * d + (i % d)] = y[i] ? 0.5 : 0.25;
  }
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 100 },
  });
  const q = quantizeModel(model, { method: { kind: "uniform", bits: 8 } });
  const minmax = calibrateInput(q, x);
  const c = calibrateInput(q, x, { calibration: { kind: "percentile", percentile: 99 } });
  assert.equal(c.input!.scale, minmax.input!.scale);
  assert.equal(c.input!.scale, Math.fround(0.5 / 255));
  assert.match(c.input!.calibration, /percentile 99 \(an empty range: min\/max used\)/);
  const integer = integerPredict(prepareIntegerModel(c), x);
  assert.deepEqual(integer, predict(dequantizeModel(c), x));
  assert.deepEqual(new Set(integer), new Set([0, 1]));
});

Deno.test("a 1-bit model with an emptied class row calibrates and predicts as its float model", async () => {
  // A global ranking can remove every weight of a class; its group then has no weights, and a
  // 1-bit scale of 2^-149 (kept for unmasked zeros, which 1 bit cannot represent) overflowed the
  // int32 bias.
  const digits = await loadEmbedded("digits");
  const { model } = fit(digits.x, digits.y, { optimizer: { kind: "lbfgs", maxIterations: 30 } });
  const d = model.weights.cols;
  const mask = new Uint8Array(model.weights.data.length).fill(1);
  mask.fill(0, 0, d);
  const pruned: LogisticModel = {
    ...model,
    weights: { ...model.weights, data: model.weights.data.map((v, j) => (mask[j] ? v : 0)) },
    mask,
  };
  for (const method of [{ kind: "uniform", bits: 1 }, { kind: "log2", bits: 1 }] as const) {
    const q = quantizeModel(pruned, { method: { ...method, granularity: "class" } });
    const s = (q.weights as { scale: Float32Array }).scale;
    assert.equal(s[0], 1, `${method.kind}: the empty row's scale`);
    assert.ok(s[1] > 1e-6, `${method.kind}: a kept row's scale ${s[1]}`);
    const c = calibrateInput(q, digits.x);
    const integer = integerPredict(prepareIntegerModel(c), digits.x);
    const float = predict(dequantizeModel(c), digits.x);
    const same = integer.filter((v, i) => v === float[i]).length / integer.length;
    assert.ok(same >= 0.99, `${method.kind}: ${same}`);
  }
});

Deno.test("a requantized model with 200,000 outputs calibrates and scores within the bound", () => {
  // The fallback unit of all-zero rows was Math.max(...units), whose spread arguments overflowed
  // the stack ("Maximum call stack size exceeded") from about 125,000 outputs.
  const k = 200_000;
  const codes = Int8Array.from({ length: k }, (_, c) => (c % 255) - 127);
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "softmax",
    classes: Array.from({ length: k }, (_, c) => `c${c}`),
    featureNames: ["f"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 8,
      granularity: "feature",
      rows: k,
      cols: 1,
      codes,
      scale: Float32Array.of(0.5),
      zeroPoint: Int32Array.of(0),
    },
    bias: { kind: "float32", values: new Float32Array(k) },
  };
  const x = fromRows([[0], [1]]);
  const im = prepareIntegerModel(calibrateInput(q, x));
  const scores = integerDecisionFunction(im, x, { backend: "ts" });
  for (let c = 0; c < k; c++) {
    // Row 1 is x = 1, code 255 (1 up to the float32 rounding of the input scale): the exact
    // score is 0.5 * code, and the requantized weight is within half a unit of it (the all-zero
    // row c = 127 takes the largest unit).
    assert.equal(scores.data[c], 0);
    const inputError = Math.abs(255 * im.input.scale - 1) * 0.5 * Math.abs(codes[c]);
    const bound = (im.rescale[c] * 255 / 2 + inputError) * (1 + 1e-9);
    assert.ok(Math.abs(scores.data[k + c] - 0.5 * codes[c]) <= bound, `output ${c}`);
  }
});

Deno.test("percentile input calibration of more than 2^20 values samples every column", () => {
  // With 2^19 + 1 rows of 2 features the sampling stride was 2, a multiple of the row length:
  // only column 0 (values up to 1) was sampled, and column 1 (up to 100) clipped at code 255.
  const n = 2 ** 19 + 1, d = 2;
  const x = { data: new Float64Array(n * d), rows: n, cols: d };
  for (let i = 0; i < n; i++) {
    x.data[i * d] = (i % 1000) / 1000;
    x.data[i * d + 1] = (i % 1000) / 10;
  }
  const small = fromRows([[0, 1], [1, 0], [0.5, 0.2], [0.9, 0.8]]);
  const { model } = fit(small, Int32Array.from([0, 1, 1, 0]), { preprocessing: "none" });
  const c = calibrateInput(quantizeModel(model), x, {
    calibration: { kind: "percentile", percentile: 99 },
  });
  // Oracle: the 99th percentile of all values, sorted here. Non-negative inputs take uint8 with
  // zero point 0, so the scale is that percentile over 255; a strided sample is within 1 %.
  const sorted = x.data.slice().sort();
  const p99 = sorted[Math.round(0.99 * (sorted.length - 1))];
  assert.equal(c.input!.dtype, "uint8");
  assert.equal(c.input!.zeroPoint, 0);
  const ratio = c.input!.scale / (p99 / 255);
  assert.ok(ratio > 0.99 && ratio < 1.01, `scale ${c.input!.scale}, p99 / 255 = ${p99 / 255}`);
});

Deno.test("an int32 bias that is not at the product scale is refused, not used as the rescale", () => {
  // The rescale of every output is the bias scale: one ten times the product scale (input scale
  // times weight scale) gave integer scores ten times those of the dequantized model.
  const { x, y } = pixelProblem(7, 200, 10, 3);
  const { model } = fit(x, y, { preprocessing: "none" });
  const q = calibrateInput(quantizeModel(model), x);
  const w = q.weights;
  if (q.bias.kind !== "int32" || w.kind !== "uniform") throw new Error("unexpected");
  // Oracle: the product scale in closed form, for this per-class 8-bit grid.
  q.bias.scale.forEach((s, c) => assert.equal(s, q.input!.scale * w.scale[c]));
  const edited = { ...q, bias: { ...q.bias, scale: q.bias.scale.map((s) => 10 * s) } };
  assert.throws(
    () => prepareIntegerModel(edited),
    (e: Error) =>
      e instanceof RangeError &&
      /^Cannot prepare integer inference: the int32 bias of output 0 has scale .*, not the product scale/
        .test(e.message),
  );
  assert.throws(() => quantizedDecisionFunction(edited, x), /not the product scale/);
  // A scale off by a float32 rounding (2^-20 relative) is not the product scale either: the
  // check compares to 1e-12 (a tolerance of 1e-3 passed every test).
  const rounded = { ...q, bias: { ...q.bias, scale: q.bias.scale.map((s) => s * (1 + 2 ** -20)) } };
  assert.throws(() => prepareIntegerModel(rounded), /not the product scale/);
  prepareIntegerModel(q);
});

Deno.test("requantized weights beyond int32 are refused, not wrapped past the accumulator check", () => {
  // One weight of 0.5 per feature on a unit of 0.5 / (2^32 + 3) (a bias scale much finer than
  // calibration picks) requantizes to 2^32 + 3, which an Int32Array stored as 3: the check
  // passed and the score of x = 1 was about 3.5e-10 instead of 0.5.
  const sx = 1 / 256, unit = 0.5 / (2 ** 32 + 3);
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "sigmoid",
    classes: ["a", "b"],
    featureNames: ["f"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 8,
      granularity: "feature",
      rows: 1,
      cols: 1,
      codes: Int8Array.of(1),
      scale: Float32Array.of(0.5),
      zeroPoint: Int32Array.of(0),
    },
    bias: { kind: "int32", values: Int32Array.of(0), scale: Float64Array.of(sx * unit) },
    input: { dtype: "uint8", scale: sx, zeroPoint: 0, calibration: "minmax (raw inputs)" },
  };
  // Oracle: the largest accumulator is 255 codes times the weight 2^32 + 3.
  assert.throws(
    () => prepareIntegerModel(q),
    (e: Error) =>
      e instanceof RangeError &&
      e.message.startsWith(
        `Cannot prepare integer inference: output 0 could accumulate up to ${255 * (2 ** 32 + 3)}`,
      ),
  );
});

Deno.test("an input scale outside float32's normal range is refused, calibrated or given", () => {
  // Inputs spanning 2.25e-38 give the min/max scale 2.25e-38 / 255 = 8.8e-41, a float32
  // subnormal with about 13 significant bits: integer scores were off by 0.3 % of their range
  // against the dequantized model. Refused now, as is a given scale whose reciprocal overflows.
  const rows: number[][] = [], labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push([(i % 10) * 2.5e-39]);
    labels.push(i % 10 > 4 ? 1 : 0);
  }
  const x = fromRows(rows);
  const base = fit(x, Int32Array.from(labels), {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 5 },
  }).model;
  const model: LogisticModel = {
    ...base,
    weights: { ...base.weights, data: Float64Array.from([1e38]) },
    bias: Float64Array.from([-1]),
  };
  const q = quantizeModel(model);
  assert.throws(() => calibrateInput(q, x), {
    name: "RangeError",
    message: /input scale is 8\.8\d*e-41, outside float32's normal range/,
  });
  // Inputs 1000 times wider calibrate (scale 8.8e-38, normal).
  const wide = fromRows(rows.map(([v]) => [v * 1000]));
  const calibrated = calibrateInput(q, wide);
  assert.ok(calibrated.input!.scale >= 2 ** -126);
  for (const scale of [5e-324, 2 ** -127, 1e39]) {
    const given = { ...calibrated, input: { ...calibrated.input!, scale } };
    assert.throws(() => prepareIntegerModel(given), {
      name: "RangeError",
      message: /outside float32's normal range/,
    });
  }
});

Deno.test("the int32 bias is the float bias in product-scale units rounded to nearest, ties to even", () => {
  // Only the scores were checked, within a bound with room for half a unit more: a bias
  // truncated toward zero passed. Oracle by hand: weight scale 0.5 and input scale 1 (inputs 0
  // and 255, uint8) make the product scale 0.5, so the float32 biases 1.35, -1.35, 1.25, 1.75 are
  // 2.7, -2.7, 2.5 and 3.5 units: 3, -3, 2 and 4.
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "softmax",
    classes: ["a", "b", "c", "d"],
    featureNames: ["f"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 8,
      granularity: "class",
      rows: 4,
      cols: 1,
      codes: Int8Array.of(1, -2, 3, 4),
      scale: Float32Array.of(0.5, 0.5, 0.5, 0.5),
      zeroPoint: new Int32Array(4),
    },
    bias: { kind: "float32", values: Float32Array.of(1.35, -1.35, 1.25, 1.75) },
  };
  const c = calibrateInput(q, fromRows([[0], [255]]));
  assert.deepEqual([c.input?.scale, c.input?.zeroPoint], [1, 0]);
  assert.ok(c.bias.kind === "int32");
  assert.deepEqual([...c.bias.values], [3, -3, 2, 4]);
  assert.deepEqual([...c.bias.scale], [0.5, 0.5, 0.5, 0.5]);
});

Deno.test("a standardised model's bias holds its mean term rounded to within half a unit", async () => {
  // The mean term sum_j wi[c][j] mean[j] / sx goes into the int32 bias rounded once; truncated
  // toward zero instead, every score test passed (their bound allows a unit). Oracle: the exact
  // term from the integer weights, the model's means and the input scale (module documentation:
  // bias = int32 bias - zx sum_j wi - mean term), which a rounding to nearest misses by <= 1/2.
  const digits = await loadEmbedded("digits");
  const { model } = fit(digits.x, digits.y, {
    classes: digits.classes,
    optimizer: { kind: "lbfgs", maxIterations: 40 },
  });
  const p = model.preprocessing;
  assert.ok(p.kind === "standardize");
  for (const method of METHODS.slice(0, 4)) {
    const q = calibrateInput(quantizeModel(model, { method }), digits.x);
    const im = prepareIntegerModel(q);
    assert.ok(q.bias.kind === "int32");
    const d = im.nFeatures, sx = im.input.scale, zx = im.input.zeroPoint;
    let largest = 0;
    for (let c = 0; c < im.nOutputs; c++) {
      let rowSum = 0, mean = 0;
      for (let j = 0; j < d; j++) {
        rowSum += im.weights[c * d + j];
        mean += im.weights[c * d + j] * p.mean[j];
      }
      const exact = q.bias.values[c] - zx * rowSum - mean / sx;
      assert.ok(
        Math.abs(im.bias[c] - exact) <= 0.5 + 1e-6,
        `${JSON.stringify(method)} output ${c}: ${im.bias[c]} against ${exact}`,
      );
      largest = Math.max(largest, Math.abs(mean / sx));
    }
    assert.ok(largest > 1, "the mean term is more than a rounding");
  }
});

Deno.test({
  name: `percentile input calibration of signed inputs matches numpy.percentile${
    hasNumpy() ? "" : " (skipped: no numpy)"
  }`,
  ignore: !hasNumpy(),
  async fn() {
    // No test calibrated signed inputs by percentile: int8 taking the percentile of the signed
    // values instead of their magnitudes, or uint8 taking the minimum for its low end, passed.
    // Oracle: numpy's percentiles (linear interpolation) of all the values (fewer than 2^20, so
    // none is skipped): int8 scale P(|x|, p) / 127; uint8 range [min(0, P(x, 100 - p)),
    // max(0, P(x, p))] over 255, zero point round(-low / scale).
    const prng = createPrng(11);
    const n = 300, d = 3;
    const x = {
      data: Float64Array.from({ length: n * d }, () => {
        const z = randomNormal(prng);
        return z > 0 ? 0.7 * z : 2 * z; // the long tail on the negative side
      }),
      rows: n,
      cols: d,
    };
    const y = Int32Array.from({ length: n }, (_, i) => (x.data[i * d] > 0 ? 1 : 0));
    const { model } = fit(x, y, { preprocessing: "none", optimizer: { kind: "lbfgs" } });
    const p = 95;
    const oracle = await runPython<{ abs: number; lo: number; hi: number }>(
      "import json, sys, numpy as np\n" +
        "d = json.load(sys.stdin); x = np.array(d['x']); p = d['p']\n" +
        "print(json.dumps({'abs': float(np.percentile(np.abs(x), p)), " +
        "'lo': float(np.percentile(x, 100 - p)), 'hi': float(np.percentile(x, p))}))",
      { x: [...x.data], p },
    );
    const q = quantizeModel(model);
    const calibration = { kind: "percentile", percentile: p } as const;
    const int8 = calibrateInput(q, x, { calibration });
    assert.equal(int8.input?.dtype, "int8");
    assert.equal(int8.input?.scale, Math.fround(oracle.abs / 127));
    const uint8 = calibrateInput(q, x, { calibration, dtype: "uint8" });
    const lo = Math.min(0, oracle.lo), hi = Math.max(0, oracle.hi);
    const scale = Math.fround((hi - lo) / 255);
    assert.equal(uint8.input?.scale, scale);
    assert.equal(uint8.input?.zeroPoint, Math.round(-lo / scale));
  },
});

Deno.test("inputs beyond the calibrated range saturate at the ends of the code type", () => {
  // The documented codes are clamp(round(x / sx) + zx) to the code type: -128..127 for int8,
  // 0..255 for uint8. Calibration data never clip, so quantizeInputs clamping int8 at -127
  // (while the scoring kernel clamped at -128) passed. Oracle: the ends of the types.
  const x = fromRows([[-1, 0.5], [1, -0.25], [0.5, 1]]);
  const { model } = fit(x, Int32Array.from([0, 1, 1]), { preprocessing: "none" });
  const far = fromRows([[-1000, 1000], [3, -3], [0.5, 0.25]]);
  const int8 = prepareIntegerModel(calibrateInput(quantizeModel(model), x, { dtype: "int8" }));
  assert.equal(int8.input.scale, Math.fround(1 / 127));
  assert.deepEqual([...quantizeInputs(int8, far)].slice(0, 4), [-128, 127, 127, -128]);
  const uint8 = prepareIntegerModel(calibrateInput(quantizeModel(model), x, { dtype: "uint8" }));
  const codes = quantizeInputs(uint8, far);
  assert.deepEqual([...codes].slice(0, 4), [0, 255, 255, 0]);
  // and the float kernel clamps the same way as the codes
  for (const [m, c] of [[int8, quantizeInputs(int8, far)], [uint8, codes]] as const) {
    assert.deepEqual(
      integerScoresFromCodes(m, c, far.rows, { backend: "ts" }),
      integerDecisionFunction(m, far, { backend: "ts" }),
    );
  }
});

Deno.test("the input zero point is corrected exactly: uint8 codes of signed inputs", () => {
  // Mutation audit: dropping the `- zx * sum_j wi[c][j]` correction from the folded bias, or
  // adding it instead, passed every test: all uint8 tests had non-negative inputs (zero point 0),
  // and the uint8 saturation test compared two kernels that share the folded bias. Oracle: the
  // definition, (codes - zx) . (weight codes - weight zero point) + int32 bias, summed exactly
  // with BigInt from the stored codes (not from the integer model's folded bias).
  const prng = createPrng(41);
  const n = 40, d = 7, rows: number[][] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    rows.push(Array.from({ length: d }, (_, j) => (j + 1) * (prng() - 0.4) + y[i] * 0.3));
  }
  const x = fromRows(rows);
  const { model } = fit(x, y, { preprocessing: "none", optimizer: { kind: "lbfgs" } });
  const q = calibrateInput(
    quantizeModel(model, { method: { kind: "uniform", scheme: "affine", bits: 8 } }),
    x,
    { dtype: "uint8" },
  );
  const zx = q.input!.zeroPoint;
  assert.ok(zx > 0, `a non-zero input zero point, got ${zx}`);
  const t = q.weights;
  assert.ok(t.kind === "uniform" && t.granularity === "class" && q.bias.kind === "int32");
  const im = prepareIntegerModel(q);
  const codes = quantizeInputs(im, x);
  const k = im.nOutputs;
  const expected = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let acc = BigInt(q.bias.values[c]);
      for (let j = 0; j < d; j++) {
        acc += BigInt(codes[i * d + j] - zx) * BigInt(t.codes[c * d + j] - t.zeroPoint[c]);
      }
      expected[i * k + c] = Number(acc) * q.bias.scale[c];
    }
  }
  for (const backend of ["ts", "wasm"] as const) {
    assert.deepEqual(integerScoresFromCodes(im, codes, n, { backend }).data, expected, backend);
    assert.deepEqual(integerDecisionFunction(im, x, { backend }).data, expected, backend);
  }
});

/** A one-weight model on int8 inputs (scale 1): integer weight 127 and the given int32 bias. */
function oneWeightInt8(bias: number): QuantizedModel {
  return {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "sigmoid",
    classes: ["a", "b"],
    featureNames: ["f"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 8,
      granularity: "class",
      rows: 1,
      cols: 1,
      codes: Int8Array.of(127),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(0),
    },
    bias: { kind: "int32", values: Int32Array.of(bias), scale: Float64Array.of(1) },
    input: { dtype: "int8", scale: 1, zeroPoint: 0, calibration: "minmax" },
  };
}

Deno.test("the int32 bound counts the bias and the int8 code -128", () => {
  // Mutation audit: a bound without |bias|, or with 127 as the largest int8 magnitude, passed
  // every test. Oracle by hand: input code -128 times weight 127 is -16256; with the bias
  // -(2^31 - 1) + 16256 the accumulator reaches -(2^31 - 1), the bound is exactly 2^31 - 1 and
  // the score is exact. One unit more of bias would give -2^31 - 1, which wraps: refused.
  const edge = -(2 ** 31 - 1) + 16256;
  const im = prepareIntegerModel(oneWeightInt8(edge));
  const x = fromRows([[-128], [-1000], [127]]);
  assert.deepEqual([...quantizeInputs(im, x)], [-128, -128, 127]);
  const exact = [-(2 ** 31 - 1), -(2 ** 31 - 1), edge + 127 * 127];
  for (const backend of ["ts", "wasm"] as const) {
    assert.deepEqual([...integerDecisionFunction(im, x, { backend }).data], exact, backend);
  }
  assert.throws(
    () => prepareIntegerModel(oneWeightInt8(edge - 1)),
    (e: Error) =>
      e instanceof RangeError &&
      e.message.startsWith(
        `Cannot prepare integer inference: output 0 could accumulate up to ${
          2 ** 31
        }, beyond int32`,
      ),
  );
});

Deno.test("float inputs are quantized to nearest, ties to even, on every scoring path", () => {
  // Mutation audit: rounding ties away from zero in the TypeScript float kernel passed every
  // test (real inputs rarely land on a tie). Oracle by hand (numpy.round agrees): with input
  // scale 1, 0.5 1.5 2.5 -0.5 -1.5 -2.5 3.5 are the codes 0 2 2 0 -2 -2 4; weight 127 and bias 0
  // make the scores 127 times the codes.
  const im = prepareIntegerModel(oneWeightInt8(0));
  const ties = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5];
  const x = fromRows(ties.map((v) => [v]));
  const codes = [0, 2, 2, 0, -2, -2, 4];
  assert.deepEqual([...quantizeInputs(im, x)], codes);
  for (const backend of ["ts", "wasm"] as const) {
    assert.deepEqual(
      [...integerDecisionFunction(im, x, { backend }).data],
      codes.map((v) => 127 * v),
      backend,
    );
  }
});

Deno.test("masked weights are 0 in the integer model whatever their code", () => {
  // Mutation audit: integer weights that ignore the mask passed every test, since the tested
  // pruned models stored masked weights at the code of 0. The mask makes a weight exactly 0
  // whatever its code, and 1-bit QAT stores removed weights as code -1. Oracle by hand: 1-bit
  // codes 1, -1 (masked), 1 at scale 1 and int8 inputs at scale 1 give, for x = (2, 3, -5), the
  // accumulator 7 + 2 * 1 + (-5) * 1 = 4.
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "sigmoid",
    classes: ["a", "b"],
    featureNames: ["f", "g", "h"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 1,
      granularity: "class",
      rows: 1,
      cols: 3,
      codes: Int8Array.of(1, -1, 1),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(0),
    },
    bias: { kind: "int32", values: Int32Array.of(7), scale: Float64Array.of(1) },
    mask: Uint8Array.of(1, 0, 1),
    input: { dtype: "int8", scale: 1, zeroPoint: 0, calibration: "minmax" },
  };
  const im = prepareIntegerModel(q);
  assert.deepEqual([...im.weights], [1, 0, 1]);
  const x = fromRows([[2, 3, -5]]);
  for (const backend of ["ts", "wasm"] as const) {
    assert.deepEqual([...integerDecisionFunction(im, x, { backend }).data], [4], backend);
  }
  assert.deepEqual([...quantizedDecisionFunction(q, x).data], [4]);
});

/** One feature, `codes.length` outputs, weight scale 1 and the given float64 bias. */
function floatBiasModel(codes: number[], bias: number[]): QuantizedModel {
  const k = codes.length;
  return {
    kind: "quantized-logistic-regression",
    version: 1,
    link: k === 1 ? "sigmoid" : "softmax",
    classes: k === 1 ? ["a", "b"] : codes.map((_, c) => `c${c}`),
    featureNames: ["f"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "symmetric",
      bits: 8,
      granularity: "class",
      rows: k,
      cols: 1,
      codes: Int8Array.from(codes),
      scale: new Float32Array(k).fill(1),
      zeroPoint: new Int32Array(k),
    },
    bias: { kind: "float64", values: Float64Array.from(bias) },
  };
}

Deno.test("a bias of 2^31 - 1 product-scale units calibrates, one of 2^31 units is refused", () => {
  // Mutation audit: the bias check at 2^32 instead of 2^31 - 1 passed every test (the refused
  // biases were far beyond int32), and the Int32Array then stored 2^31 as -2^31. Oracle by hand:
  // int8 inputs spanning -127..127 get scale 1, the weight scale is 1, so the product scale is 1
  // and a float64 bias is its own number of units.
  const x = fromRows([[-127], [127]]);
  for (const v of [2 ** 31 - 1, -(2 ** 31 - 1)]) {
    const c = calibrateInput(floatBiasModel([1], [v]), x);
    assert.deepEqual([c.input?.scale, c.input?.dtype], [1, "int8"]);
    assert.ok(c.bias.kind === "int32");
    assert.deepEqual([...c.bias.values], [v]);
  }
  for (const v of [2 ** 31, -(2 ** 31), 2 ** 32 - 1]) {
    assert.throws(
      () => calibrateInput(floatBiasModel([1], [v]), x),
      (e: Error) =>
        e instanceof RangeError &&
        e.message.startsWith(
          `Cannot calibrate input quantization: bias ${v} of output 0 is ${v} units of the ` +
            "product scale 1, beyond int32",
        ),
    );
  }
});

Deno.test("uint8 min/max input calibration rounds the zero point, clipping no input", () => {
  // Mutation audit: a zero point rounded down (floor(-min / scale)) passed every test; it clips
  // the smallest input by up to a step. Oracle: the documented codes clamp(round(x / sx) + zx)
  // of every calibration input are within half a step of it, `(code - zx) * sx`, with zx in
  // 0..255. The minima make -min / sx land at fractions .3, .5 and .7 of a step.
  const x = fromRows([[-0.373, -0.5, -0.127], [2.177, 2.05, 2.423], [0.4, 1, 0]]);
  const { model } = fit(x, Int32Array.from([0, 1, 1]), { preprocessing: "none" });
  const q = calibrateInput(quantizeModel(model), x, { dtype: "uint8" });
  const { scale, zeroPoint } = q.input!;
  assert.ok(Number.isInteger(zeroPoint) && zeroPoint > 0 && zeroPoint <= 255, `${zeroPoint}`);
  const codes = quantizeInputs(prepareIntegerModel(q), x);
  for (let i = 0; i < x.data.length; i++) {
    const err = Math.abs((codes[i] - zeroPoint) * scale - x.data[i]);
    assert.ok(err <= (scale / 2) * (1 + 1e-6), `input ${i} (${x.data[i]}): code ${codes[i]}`);
  }
});

Deno.test("integer predictions break exact ties as documented: lower class, class 0 at score 0", () => {
  // Mutation audit: ties going to the higher class, or score 0 giving class 1 for one output,
  // passed every test, though integer scores tie exactly whenever two accumulators agree.
  // Oracle by hand: int8 inputs at scale 1, weights 0, 1, 1 make classes 1 and 2 tie for any
  // x (class 0 wins at x < 0, all three at x = 0); one weight of 1 scores x itself.
  const range = fromRows([[-127], [127]]), x = fromRows([[5], [0], [-3]]);
  const softmax = prepareIntegerModel(calibrateInput(floatBiasModel([0, 1, 1], [0, 0, 0]), range));
  const sigmoid = prepareIntegerModel(calibrateInput(floatBiasModel([1], [0]), range));
  for (const backend of ["ts", "wasm"] as const) {
    const scores = integerDecisionFunction(softmax, x, { backend }).data;
    assert.deepEqual([...scores], [0, 5, 5, 0, 0, 0, 0, -3, -3], backend);
    assert.deepEqual([...integerPredict(softmax, x, { backend })], [1, 0, 0], backend);
    assert.deepEqual([...integerDecisionFunction(sigmoid, x, { backend }).data], [5, 0, -3]);
    assert.deepEqual([...integerPredict(sigmoid, x, { backend })], [1, 0, 0], backend);
  }
});

Deno.test("affine integer weights one past the int8 and int16 ranges keep their values", () => {
  // Mutation audit: Int8Array for integer weights up to 128 in magnitude (instead of 127), or
  // Int16Array up to 32768, passed every test, though they store +128 as -128 (+32768 as
  // -32768). Affine 8-bit codes 0 and 255 with zero
  // points 127 and 128 are the integer weights -127, 128 and -128, 127. Oracle by hand: int8
  // inputs at scale 1 and bias 0 make the scores -127 a + 128 b and -128 a + 127 b.
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: 1,
    link: "softmax",
    classes: ["a", "b"],
    featureNames: ["f", "g"],
    preprocessing: { kind: "none" },
    weights: {
      kind: "uniform",
      scheme: "affine",
      bits: 8,
      granularity: "class",
      rows: 2,
      cols: 2,
      codes: Uint8Array.of(0, 255, 0, 255),
      scale: Float32Array.of(1, 1),
      zeroPoint: Int32Array.of(127, 128),
    },
    bias: { kind: "int32", values: new Int32Array(2), scale: Float64Array.of(1, 1) },
    input: { dtype: "int8", scale: 1, zeroPoint: 0, calibration: "minmax" },
  };
  const im = prepareIntegerModel(q);
  assert.deepEqual([...im.weights], [-127, 128, -128, 127]);
  const rows = [[1, 1], [0, 1], [-2, 3], [127, -128]];
  const expected = rows.flatMap(([a, b]) => [-127 * a + 128 * b, -128 * a + 127 * b]);
  for (const backend of ["ts", "wasm"] as const) {
    assert.deepEqual([...integerDecisionFunction(im, fromRows(rows), { backend }).data], expected);
  }
  assert.deepEqual([...quantizedDecisionFunction(q, fromRows(rows)).data], expected);
  // 16-bit codes 0 and 65535 with zero point 32767: integer weights -32767 and 32768.
  const wide: QuantizedModel = {
    ...q,
    link: "sigmoid",
    weights: {
      ...q.weights as UniformQuantizedTensor,
      bits: 16,
      rows: 1,
      codes: Uint16Array.of(0, 65535),
      scale: Float32Array.of(1),
      zeroPoint: Int32Array.of(32767),
    },
    bias: { kind: "int32", values: new Int32Array(1), scale: Float64Array.of(1) },
  };
  const iw = prepareIntegerModel(wide);
  assert.deepEqual([...iw.weights], [-32767, 32768]);
  const scores = rows.map(([a, b]) => -32767 * a + 32768 * b);
  assert.deepEqual([...integerDecisionFunction(iw, fromRows(rows)).data], scores);
});

Deno.test("the WebAssembly path refuses a NaN at every column of float32 and float64 rows", () => {
  // Mutation audit: the quantize kernel counting NaN in only the first two of each four float64
  // values of its SIMD loop passed every test, scoring the garbage code instead of refusing.
  // 19 features: two 8-wide SIMD steps and a scalar tail of 3.
  const { x, y } = pixelProblem(3, 40, 19, 2);
  const { model } = fit(x, y, {
    preprocessing: "none",
    optimizer: { kind: "lbfgs", maxIterations: 5 },
  });
  const im = prepareIntegerModel(calibrateInput(quantizeModel(model), x));
  for (const Ctor of [Float64Array, Float32Array]) {
    for (let j = 0; j < 19; j++) {
      const bad = { data: Ctor.from(x.data.subarray(0, 3 * 19)), rows: 3, cols: 19 };
      bad.data[19 + j] = j % 2 ? NaN : -Infinity;
      assert.throws(
        () => integerDecisionFunction(im, bad, { backend: "wasm" }),
        new RegExp(
          `Cannot compute integer scores: x holds (NaN|-Infinity) at row 1, column ${j}$`,
        ),
        `${Ctor.name} column ${j}`,
      );
    }
  }
});
