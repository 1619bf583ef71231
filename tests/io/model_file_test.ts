import assert from "node:assert/strict";
import fc from "fast-check";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { fit } from "../../lib/model/fit.ts";
import { predict, predictProba } from "../../lib/model/predict.ts";
import { modelFromJson, modelToJson } from "../../lib/model/serialize.ts";
import { type LogisticModel, MODEL_VERSION } from "../../lib/model/types.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { smallestModelFile } from "../../lib/compress/search.ts";
import {
  decodeModel,
  encodeModel,
  inspectModelFile,
  loadModel,
  saveModel,
} from "../../lib/io/model_file.ts";
import { asFloatModel, elementGroup, tensorCodeRange, zeroCode } from "../../lib/io/quantized.ts";
import type { QuantizedBias, QuantizedModel, QuantizedTensor } from "../../lib/quant/types.ts";
import { FLOAT_BYTES, type FloatDtype } from "../../lib/io/bytes.ts";
import { maxTextBytes } from "../../lib/io/strings.ts";
import { randomFloatModel, randomQuantizedModel } from "../_helpers/random_models.ts";

const RUNS = { seed: 20250105, numRuns: 150 };

function bitsOf(a: Float64Array): string[] {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  return Array.from(a, (_, i) => `${u[2 * i + 1].toString(16)}:${u[2 * i].toString(16)}`);
}

async function trainedDigits(): Promise<{ model: LogisticModel; x: LogisticModel["weights"] }> {
  const d = await loadEmbedded("digits");
  const s = trainTestSplit(d.x, d.y, { seed: 1 });
  const { model } = fit(s.xTrain, s.yTrain, {
    classes: d.classes,
    featureNames: d.featureNames,
    optimizer: { kind: "lbfgs", maxIterations: 60 },
  });
  return { model, x: s.xTest as LogisticModel["weights"] };
}

Deno.test("a trained model reads back bit for bit and predicts identically", async () => {
  const { model, x } = await trainedDigits();
  const back = decodeModel(encodeModel(model)) as LogisticModel;
  assert.deepEqual(back, model);
  assert.deepEqual(bitsOf(back.weights.data), bitsOf(model.weights.data));
  assert.deepEqual(bitsOf(back.bias), bitsOf(model.bias));
  assert.deepEqual(predict(back, x), predict(model, x));
  assert.deepEqual(predictProba(back, x).data, predictProba(model, x).data);
});

Deno.test("random float models round-trip exactly, masks and negative zeros included", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), (seed, f32) => {
      const model = randomFloatModel(seed, { float32: f32 });
      const back = decodeModel(encodeModel(model)) as LogisticModel;
      assert.deepEqual(back, model);
      // deepEqual uses Object.is on elements, so -0 and +0 are told apart; check bits too.
      assert.deepEqual(bitsOf(back.weights.data), bitsOf(model.weights.data));
    }),
    RUNS,
  );
});

Deno.test("auto storage picks the smallest exact float width", () => {
  const m64 = randomFloatModel(5, { nFeatures: 40, mask: "none", zeros: 0 });
  const m32 = randomFloatModel(5, { nFeatures: 40, mask: "none", zeros: 0, float32: true });
  const data16 = m32.weights.data.map((v) => Math.f16round(v));
  const m16: LogisticModel = { ...m32, weights: { ...m32.weights, data: data16 } };
  const info = (m: LogisticModel) => inspectModelFile(encodeModel(m)).info;
  assert.equal(info(m64).storage, "float64");
  assert.equal(info(m32).storage, "float32");
  assert.equal(info(m16).storage, "float16");
  const n = m64.weights.data.length;
  assert.equal(info(m64).bytes.weights, 8 * n);
  assert.equal(info(m32).bytes.weights, 4 * n);
  assert.equal(info(m16).bytes.weights, 2 * n);
});

Deno.test("a requested float32 or float16 storage rounds the weights to nearest", () => {
  const model = randomFloatModel(11, { mask: "none", zeros: 0.2 });
  for (const [dtype, round] of [["float32", Math.fround], ["float16", Math.f16round]] as const) {
    const back = decodeModel(encodeModel(model, { weightDtype: dtype })) as LogisticModel;
    assert.deepEqual([...back.weights.data], [...model.weights.data].map(round));
    assert.deepEqual(back.bias, model.bias, "the bias is kept exactly");
  }
});

Deno.test("a weight beyond the float16 range is refused, not stored as infinity", () => {
  const model = randomFloatModel(3, { mask: "none", zeros: 0 });
  model.weights.data[0] = 70000;
  assert.throws(
    () => encodeModel(model, { weightDtype: "float16" }),
    (e: Error) =>
      e instanceof RangeError && /weight 0 is 70000, beyond the float16 range/.test(e.message),
  );
});

Deno.test("a weightDtype that is not a string is a TypeError, an unknown name a RangeError", () => {
  const model = randomFloatModel(1);
  for (const dtype of [32, ["float32"], { dtype: "float32" }]) {
    assert.throws(
      () => encodeModel(model, { weightDtype: dtype as unknown as "float32" }),
      (e) => e instanceof TypeError && /weightDtype must be a string/.test(e.message),
      String(dtype),
    );
  }
  assert.throws(() => encodeModel(model, { weightDtype: "float8" as "float32" }), RangeError);
});

Deno.test("float64 storage holds every finite weight; float32 refuses one past its range", () => {
  const model = randomFloatModel(3, { mask: "none", zeros: 0 });
  // The largest float32 is (2 - 2^-23) * 2^127 (about 3.4e38); these are past it, not past float64.
  model.weights.data[0] = 1e39;
  model.weights.data[1] = -Number.MAX_VALUE;
  const back = decodeModel(encodeModel(model, { weightDtype: "float64" })) as LogisticModel;
  assert.deepEqual(bitsOf(back.weights.data), bitsOf(model.weights.data));
  assert.throws(
    () => encodeModel(model, { weightDtype: "float32" }),
    (e: Error) =>
      e instanceof RangeError && /weight 0 is 1e\+39, beyond the float32 range/.test(e.message),
  );
});

Deno.test("a masked model stores only its kept weights and gets its mask back", () => {
  const model = randomFloatModel(8, {
    nFeatures: 200,
    nClasses: 10,
    link: "softmax",
    mask: "random",
    zeros: 0,
  });
  const kept = model.mask!.reduce((a, b) => a + b, 0);
  const { info, model: back } = inspectModelFile(encodeModel(model));
  assert.equal(info.stored, kept);
  assert.equal(info.bytes.weights, 8 * kept);
  assert.deepEqual((back as LogisticModel).mask, model.mask);
});

/** Sizes of every index encoding, computed here from the definitions in the README. */
function encodingSizes(flags: Uint8Array, rows: number, cols: number): Record<string, number> {
  const varint = (v: number) => (v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4);
  const gaps = (positions: number[]) =>
    positions.map((p, i) => p - (i === 0 ? -1 : positions[i - 1]) - 1);
  const flat = (positions: number[], n: number) => {
    const g = gaps(positions);
    const maxGap = Math.max(0, ...g);
    const width = Math.max(1, maxGap.toString(2).length);
    return {
      bitmap: Math.ceil(n / 8),
      "delta-varint": varint(positions.length) + g.reduce((a, v) => a + varint(v), 0),
      "delta-fixed": varint(positions.length) + 1 + Math.ceil((positions.length * width) / 8),
    };
  };
  const positions = [...flags.keys()].filter((i) => flags[i]);
  const out: Record<string, number> = {};
  if (positions.length === flags.length) out.dense = 1;
  for (const [k, v] of Object.entries(flat(positions, flags.length))) out[k] = 1 + v;
  const columns: number[] = [];
  let structured = rows > 1;
  for (let j = 0; j < cols; j++) {
    for (let i = 1; i < rows; i++) if (flags[i * cols + j] !== flags[j]) structured = false;
    if (flags[j]) columns.push(j);
  }
  if (structured && positions.length !== flags.length) {
    out.features = 2 + Math.min(...Object.values(flat(columns, cols)));
  }
  return out;
}

Deno.test("the index encoding chosen is the smallest of those that apply", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
      const model = randomFloatModel(seed, { zeros: 0 });
      if (!model.mask) return;
      const { info } = inspectModelFile(encodeModel(model));
      const sizes = encodingSizes(model.mask, model.weights.rows, model.weights.cols);
      const best = Math.min(...Object.values(sizes));
      assert.equal(info.bytes.indices, best, JSON.stringify({ sizes, chosen: info.support }));
      assert.equal(sizes[info.support], best);
      // Ties go to the earlier encoding in the format's list (encodingSizes keeps that order).
      assert.equal(info.support, Object.keys(sizes).find((k) => sizes[k] === best));
    }),
    RUNS,
  );
});

Deno.test("a tie between index encodings goes to the earlier one in the format's list", () => {
  const model = (rows: number, cols: number, kept: number[]): LogisticModel => {
    const base = randomFloatModel(5, {
      nFeatures: cols,
      nClasses: rows === 1 ? 2 : rows,
      link: rows === 1 ? "sigmoid" : "softmax",
      mask: "none",
      zeros: 0,
      preprocessing: false,
    });
    const mask = new Uint8Array(rows * cols);
    for (const i of kept) mask[i] = 1;
    const data = base.weights.data.map((v, i) => (mask[i] ? v : 0));
    return { ...base, weights: { ...base.weights, data }, mask };
  };
  // 16 weights, position 3 kept: bitmap 1 + 2 bytes, delta-varint 1 + count + gap = 3 bytes.
  // 2 x 16 weights, column 0 kept (positions 0 and 16): delta-varint 1 + 1 + 2 = 4 bytes,
  // delta-fixed 1 + 1 + width + ceil(2 x 4 / 8) = 4, features 2 + bitmap of 16 columns = 4.
  for (
    const [rows, kept, tied, want] of [
      [1, [3], ["bitmap", "delta-varint"], "bitmap"],
      [2, [0, 16], ["delta-varint", "delta-fixed", "features"], "delta-varint"],
    ] as const
  ) {
    const m = model(rows, 16, [...kept]);
    const sizes = encodingSizes(m.mask!, rows, 16);
    const best = Math.min(...Object.values(sizes));
    assert.deepEqual(Object.keys(sizes).filter((k) => sizes[k] === best), tied);
    assert.equal(inspectModelFile(encodeModel(m)).info.support, want);
    assert.equal(inspectModelFile(encodeModel(m, { entropy: true })).info.support, want);
  }
});

Deno.test("a sparse model without mask is stored sparse only when that is smaller", () => {
  for (const zeros of [0, 0.2, 0.5, 0.9, 1]) {
    const model = randomFloatModel(21, {
      nFeatures: 300,
      nClasses: 4,
      link: "softmax",
      mask: "none",
      zeros,
    });
    const { info } = inspectModelFile(encodeModel(model));
    const n = model.weights.data.length;
    const nnz = model.weights.data.filter((v) => !Object.is(v, 0)).length;
    const width = FLOAT_BYTES[info.storage as FloatDtype];
    const dense = 1 + width * n;
    const flags = Uint8Array.from(model.weights.data, (v) => (Object.is(v, 0) ? 0 : 1));
    const sparse = Math.min(...Object.values(encodingSizes(flags, 4, 300))) + width * nnz;
    assert.equal(
      info.bytes.indices + info.bytes.weights,
      Math.min(dense, sparse),
      `zeros ${zeros}`,
    );
  }
});

Deno.test("random quantized models of every kind round-trip exactly", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
      const model = randomQuantizedModel(seed);
      const back = decodeModel(encodeModel(model));
      assert.deepEqual(back, model);
      assert.deepEqual(asFloatModel(back).weights, asFloatModel(model).weights);
    }),
    { ...RUNS, numRuns: 300 },
  );
});

Deno.test("codes take exactly their bit width in the file (3-bit codes take 3 bits)", () => {
  for (const bits of [1, 2, 3, 4, 5, 7, 8, 9, 12, 16]) {
    // Without input quantization (whose bytes count as scales) and so with a float bias.
    const { input: _input, bias: _bias, ...rest } = randomQuantizedModel(bits, {
      kind: "uniform-affine",
      bits,
      nFeatures: 784,
      nClasses: 10,
      link: "softmax",
      mask: "none",
      granularity: "class",
    });
    const model = { ...rest, bias: { kind: "float32" as const, values: new Float32Array(10) } };
    const { info } = inspectModelFile(encodeModel(model));
    assert.equal(info.bytes.codes, Math.ceil((info.stored * bits) / 8), `${bits} bits`);
    // scales: a tag and 10 float32 scales, then 10 zero points of `bits` bits each
    assert.equal(info.bytes.scales, 1 + 10 * 4 + Math.ceil((10 * bits) / 8), `${bits} bits`);
  }
});

Deno.test("codes of masked weights read back as the group's zero code", () => {
  const model = randomQuantizedModel(77, { kind: "uniform-affine", bits: 4, mask: "random" });
  const t = model.weights;
  const [lo, hi] = tensorCodeRange(t);
  const scrambled: QuantizedModel = {
    ...model,
    weights: { ...t, codes: t.codes.map((q, i) => (model.mask![i] ? q : hi - ((q - lo) % 2))) },
  } as QuantizedModel;
  const back = decodeModel(encodeModel(scrambled)) as QuantizedModel;
  for (let i = 0; i < t.codes.length; i++) {
    const expected = model.mask![i]
      ? t.codes[i]
      : zeroCode(t, elementGroup(t.granularity, i, t.cols));
    assert.equal(back.weights.codes[i], expected);
  }
  assert.deepEqual(asFloatModel(back).weights, asFloatModel(scrambled).weights);
});

Deno.test("invalid quantized models are refused before writing", () => {
  const model = randomQuantizedModel(5, {
    kind: "uniform-symmetric",
    bits: 3,
    mask: "none",
    granularity: "tensor",
  });
  const bad = (patch: object) =>
    ({ ...model, weights: { ...model.weights, ...patch } }) as QuantizedModel;
  assert.throws(() => encodeModel(bad({ bits: 17 })), RangeError);
  assert.throws(
    () => encodeModel(bad({ codes: new Uint8Array(model.weights.codes.length) })),
    TypeError,
  );
  const codes = Int8Array.from(model.weights.codes as Int8Array);
  codes[0] = 4; // outside -3..3
  assert.throws(
    () => encodeModel(bad({ codes })),
    /code 4 at index 0 is outside -3\.\.3/,
  );
  assert.throws(
    () => encodeModel(bad({ scale: Float32Array.of(-1) })),
    RangeError,
  );
});

Deno.test("saveModel writes a file that loadModel reads back; JSON models load too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { model } = await trainedDigits();
    const bin = `${dir}/m.lrc`;
    const size = await saveModel(bin, model);
    assert.equal((await Deno.stat(bin)).size, size);
    assert.deepEqual(await loadModel(bin), model);
    const json = `${dir}/m.json`;
    await Deno.writeTextFile(json, modelToJson(model));
    assert.deepEqual(await loadModel(json), model);
    const q = randomQuantizedModel(9);
    await saveModel(bin, q);
    assert.deepEqual(await loadModel(bin), q);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an interrupted save leaves the previous file intact and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/m.lrc`;
    const good = randomFloatModel(1);
    await saveModel(path, good);
    const before = await Deno.readFile(path);
    const other = randomFloatModel(2, { nFeatures: 500, nClasses: 10, link: "softmax" });
    await assert.rejects(
      saveModel(path, other, {
        write: async (file, bytes) => {
          await file.write(bytes.subarray(0, bytes.length >> 1));
          throw new Error("disk full (simulated)");
        },
      }),
      (e: Error) => e instanceof TypeError && /disk full/.test(e.message),
    );
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual(await loadModel(path), good);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, ["m.lrc"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a path that is not a string is refused as such, not read as another file", async () => {
  // Deno.readFile took 123 or ['m.lrc'] for the path '' ("No such file or directory"), and a
  // URL to an existing file was read, then refused for a 'name' the caller never gave.
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/m.lrc`;
    await Deno.writeFile(file, encodeModel(randomFloatModel(1)));
    for (const path of [123, [file], new URL(`file://${file}`), null, ""]) {
      await assert.rejects(
        () => loadModel(path as unknown as string),
        (e) => e instanceof TypeError && /path must be a non-empty string/.test(e.message),
        String(path),
      );
    }
    assert.equal((await loadModel(file)).kind, "logistic-regression");
    // saveModel names its own action, not its writer's ("Cannot write a file").
    for (const path of [123, [file], null, ""]) {
      await assert.rejects(
        () => saveModel(path as unknown as string, randomFloatModel(1)),
        (e) =>
          e instanceof TypeError &&
          /^Cannot save model: path must be a non-empty string, got /.test(e.message),
        String(path),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing file is reported with its name", async () => {
  await assert.rejects(
    loadModel("/nonexistent/dir/model.lrc"),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.startsWith("Cannot read model file '/nonexistent/dir/model.lrc'"),
  );
});

Deno.test("a .json file that is empty or not JSON is reported as such, not as a binary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [text, reason] of [["", "it is empty"], ["  LRCM", "it does not start with '{'"]]) {
      const path = `${dir}/m.json`;
      await Deno.writeTextFile(path, text);
      await assert.rejects(
        loadModel(path),
        (e: Error) =>
          e instanceof SyntaxError &&
          e.message === `Cannot read model file '${path}': ${reason}, so it is not a JSON model`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON model that starts with a UTF-8 byte order mark loads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = randomFloatModel(3, { mask: "none" });
    const path = `${dir}/m.json`;
    await Deno.writeTextFile(path, "\ufeff" + modelToJson(model));
    assert.deepEqual(await loadModel(path), modelFromJson(modelToJson(model)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maxWeights caps a JSON model as it caps a binary one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = randomFloatModel(4, { nFeatures: 5, link: "sigmoid", mask: "none" });
    for (const [path, write] of [["m.lrc", saveModel], ["m.json", jsonFile]] as const) {
      await write(`${dir}/${path}`, model);
      await assert.rejects(
        loadModel(`${dir}/${path}`, { maxWeights: 4 }),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.startsWith(`Cannot read model file '${dir}/${path}'`) &&
          /exceed the limit of 4 \(maxWeights\)/.test(e.message),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function jsonFile(path: string, model: LogisticModel): Promise<void> {
  await Deno.writeTextFile(path, modelToJson(model));
}

Deno.test("feature names like pixel_r_c and numeric classes cost a few bytes", async () => {
  const { model } = await trainedDigits();
  const { info } = inspectModelFile(encodeModel(model));
  assert.deepEqual(model.featureNames.slice(0, 2), ["pixel_0_0", "pixel_0_1"]);
  // mode, m, three literals ("pixel_", "_", ""), two (start, radix) pairs
  assert.equal(info.bytes.names, 1 + 1 + (1 + 6) + (1 + 1) + 1 + 2 * 2);
  // "0".."9": mode, m, two empty literals, one (start, radix)
  assert.equal(info.bytes.labels, 1 + 1 + 2 + 2);
});

Deno.test("names that UTF-8 cannot store (lone surrogates) are refused, others round-trip", () => {
  const base = randomFloatModel(3, { nFeatures: 4 });
  const named = (featureNames: string[], classes = base.classes) => ({
    ...base,
    classes,
    featureNames: featureNames.concat(base.featureNames.slice(featureNames.length)),
  });
  assert.throws(
    () => encodeModel(named(["a\uD800"])),
    /feature name 0 holds a lone UTF-16 surrogate/,
  );
  assert.throws(
    () => encodeModel(named([], ["\uDC00x", ...base.classes.slice(1)])),
    /class label 0 holds a lone UTF-16 surrogate/,
  );
  // A surrogate pair (an emoji) and other non-ASCII names are kept exactly.
  const fine = named(["\u{1F600} smile", "naïve é"]);
  assert.deepEqual(decodeModel(encodeModel(fine)).featureNames, fine.featureNames);
});

Deno.test("what the reader would refuse is refused when writing: recipe, surrogates, classes", () => {
  const q = randomQuantizedModel(5);
  const refuse = (model: unknown, pattern: RegExp) =>
    assert.throws(() => encodeModel(model as QuantizedModel), pattern);
  // The recipe's types are the reader's: seed a number, the rest strings, no other keys.
  refuse({ ...q, recipe: { method: "uniform", seed: "42" } }, /recipe.seed must be a finite/);
  refuse({ ...q, recipe: { seed: NaN } }, /recipe.seed must be a finite number, got number NaN/);
  refuse({ ...q, recipe: { training: 3 } }, /recipe.training must be a string/);
  // A key is quoted, a quote and a line break escaped (it was printed raw).
  assert.throws(() => encodeModel({ ...q, recipe: { ['it\'s "a"\nb']: "x" } } as QuantizedModel), {
    name: "TypeError",
    message: String.raw`Cannot encode model: unknown recipe key "it's \"a\"\nb" (known: ` +
      "method, calibration, rounding, training, seed)",
  });
  // The recipe is stored as JSON, whose escapes hold a lone surrogate: it reads back as given.
  const odd = { method: "a\uD800" };
  assert.deepEqual((decodeModel(encodeModel({ ...q, recipe: odd })) as QuantizedModel).recipe, odd);
  const input = { dtype: "uint8", scale: 0.5, zeroPoint: 3, calibration: "minmax \uD800" };
  refuse({ ...q, input }, /input calibration holds a lone UTF-16 surrogate/);
  const recipe = { method: "uniform-symmetric", training: "qat", seed: 7 };
  assert.deepEqual((decodeModel(encodeModel({ ...q, recipe })) as QuantizedModel).recipe, recipe);
  // The format holds at most 65536 classes.
  const k = 65537;
  const many = randomFloatModel(1, { nFeatures: 1 });
  refuse(
    {
      ...many,
      mask: undefined,
      link: "softmax",
      weights: { data: new Float64Array(k).fill(0.25), rows: k, cols: 1 },
      bias: new Float64Array(k),
      classes: Array.from({ length: k }, (_, i) => `c${i}`),
    },
    /65537 classes, more than the 65536 a model file holds/,
  );
});

Deno.test("names beyond the text a model file holds are refused when writing", () => {
  const base = randomFloatModel(4, { nFeatures: 2, link: "sigmoid", mask: "none" });
  const named = (featureNames: string[]) => ({ ...base, featureNames });
  // maxTextBytes(2) bytes of UTF-8 in two names are written and read back; one byte more is not.
  const half = maxTextBytes(2) / 2;
  const at = named(["a".repeat(half), "b".repeat(half)]);
  assert.deepEqual(decodeModel(encodeModel(at)).featureNames, at.featureNames);
  assert.throws(
    () => encodeModel(named(["a".repeat(half), "é".repeat(half / 2) + "c"])),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        `Cannot encode model: the 2 feature names take ${
          2 * half + 1
        } bytes of UTF-8, more than the ${maxTextBytes(2)} a model file holds`,
  );
});

Deno.test("a name for messages that is not a string is refused by decodeModel", () => {
  const bytes = encodeModel(randomFloatModel(6, { nFeatures: 2 }));
  for (const [name, got] of [[5, "number 5"], [{}, "Object"], [["m.lrc"], "Array"]] as const) {
    assert.throws(
      () => decodeModel(bytes, { name: name as unknown as string }),
      (e: Error) =>
        e instanceof TypeError &&
        e.message.startsWith(`Cannot read model file: name must be a string, got ${got}`),
    );
  }
  assert.ok(decodeModel(bytes, { name: "m.lrc" }));
});

Deno.test("without a mask, a sparse layout that only ties with dense is not taken", () => {
  // README: without a mask the writer stores only the non-zero codes "when index set plus values
  // is smaller than dense values, else everything". 8 symmetric 8-bit codes, sigmoid, by hand:
  // dense: SUPPORT (tag) 1 + length byte 1, WEIGHTS (kind, bits, granularity, 8 codes) 11 + 1 =
  // 14 bytes. Code 0 at position 0 only: SUPPORT bitmap (tag + 1 byte) 2 + 1, WEIGHTS 3 + 7 + 1 =
  // 14, a tie: dense. Codes 0 at positions 0 and 5: 3 + (3 + 6 + 1) = 13 < 14: the bitmap.
  const base = randomQuantizedModel(5, {
    kind: "uniform-symmetric",
    bits: 8,
    nFeatures: 8,
    link: "sigmoid",
    mask: "none",
    granularity: "tensor",
  });
  for (const [zeros, support, stored] of [[[0], "dense", 8], [[0, 5], "bitmap", 6]] as const) {
    const codes = Int8Array.from(
      { length: 8 },
      (_, i) => ((zeros as readonly number[]).includes(i) ? 0 : 10 + i),
    );
    const model = { ...base, weights: { ...base.weights, codes } } as QuantizedModel;
    const { info, model: back } = inspectModelFile(encodeModel(model));
    assert.equal(info.support, support, `zeros at ${zeros}`);
    assert.equal(info.stored, stored, `zeros at ${zeros}`);
    assert.equal(info.bytes.indices + info.bytes.codes, support === "dense" ? 1 + 8 : 2 + 6);
    assert.deepEqual([...(back as QuantizedModel).weights.codes], [...codes]);
  }
});

Deno.test("a model file holds 65536 classes, the README's largest nClasses", () => {
  const k = 65536;
  const model: LogisticModel = {
    ...randomFloatModel(1, { nFeatures: 1, mask: "none", preprocessing: false }),
    link: "softmax",
    weights: { data: Float64Array.from({ length: k }, (_, i) => i / 4), rows: k, cols: 1 },
    bias: new Float64Array(k).fill(-0.5),
    classes: Array.from({ length: k }, (_, i) => `c${i}`),
  };
  assert.deepEqual(decodeModel(encodeModel(model)), model);
});

Deno.test("maxWeights is the most weights a file may declare: equal is read, one less refused", () => {
  // 3 classes (softmax) x 5 features: 15 weights.
  const model = randomFloatModel(4, { nFeatures: 5, nClasses: 3, link: "softmax" });
  const bytes = encodeModel(model);
  assert.deepEqual(decodeModel(bytes, { maxWeights: 15 }), model);
  assert.throws(
    () => decodeModel(bytes, { maxWeights: 14, name: "m.lrc" }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message.startsWith("Cannot read model file 'm.lrc'") &&
      e.message.endsWith("3 x 5 = 15 weights exceed the limit of 14 (maxWeights)"),
  );
});

Deno.test("a model of nothing but zeros saves and loads in a few hundred bytes up to 2^20 weights", () => {
  // 10 classes of 30,000 pattern-named features (300,000 weights), every weight pruned or zero:
  // what `lrc prune --sparsity 1`, a large L1 penalty or the search's bound of a file with no
  // kept weight make. Files of this kind were written and read before the per-byte limit.
  const k = 10, d = 30_000;
  const zeros: LogisticModel = {
    kind: "logistic-regression",
    version: MODEL_VERSION,
    link: "softmax",
    weights: { data: new Float64Array(k * d), rows: k, cols: d },
    bias: new Float64Array(k).fill(0.25),
    classes: Array.from({ length: k }, (_, i) => String(i)),
    featureNames: Array.from({ length: d }, (_, j) => `x${j}`),
    preprocessing: { kind: "none" },
  };
  const pruned = { ...zeros, mask: new Uint8Array(k * d) };
  const quantized = quantizeModel(pruned, { method: { kind: "uniform", bits: 4 } });
  for (
    const [what, model, entropy] of [
      ["all-zero", zeros, false],
      ["fully pruned", pruned, false],
      ["fully pruned, 4-bit, entropy-coded", quantized, true],
    ] as const
  ) {
    const bytes = encodeModel(model, { entropy });
    // Fewer bytes than a byte per 1024 weights.
    assert.ok(bytes.length * 1024 < k * d, `${what}: ${bytes.length} bytes`);
    assert.deepEqual(decodeModel(bytes), model, what);
  }
  // `lrc compress --max-bytes` asks for that file's size before training.
  assert.equal(
    smallestModelFile(zeros.classes, zeros.featureNames),
    Math.min(encodeModel(pruned).length, encodeModel(pruned, { entropy: true }).length),
  );
});

Deno.test("small float arrays take the narrowest exact storage, a constant one a single value", () => {
  // Sizes by the README: a float array is a storage tag, then its values (one if constant) at
  // 2, 4 or 8 bytes; a bias adds its kind byte, standardization its kind byte.
  const f32 = (v: number[]) => Float64Array.from(v, Math.fround);
  const base = randomFloatModel(5, { nFeatures: 3, nClasses: 3, link: "softmax" });
  const float = (bias: number[], mean: Float64Array, scale: Float64Array) =>
    inspectModelFile(encodeModel({
      ...base,
      bias: Float64Array.from(bias),
      preprocessing: { kind: "standardize", mean, scale },
    })).info.bytes;
  const tenths = Float64Array.of(0.1, 0.2, 0.3);
  let bytes = float([0.5, -1.25, 3], Float64Array.of(1, 2, 3), tenths);
  assert.equal(bytes.bias, 1 + 1 + 3 * 2);
  assert.equal(bytes.preprocessing, 1 + (1 + 3 * 2) + (1 + 3 * 8));
  bytes = float([...f32([0.1, 0.2]), 3], tenths, f32([0.1, 0.2, 0.3]));
  assert.equal(bytes.bias, 1 + 1 + 3 * 4);
  assert.equal(bytes.preprocessing, 1 + (1 + 3 * 8) + (1 + 3 * 4));
  bytes = float([0.1, 0.1, 0.1], Float64Array.of(0, 0, 0), Float64Array.of(2, 2, 2));
  assert.equal(bytes.bias, 1 + 1 + 8);
  assert.equal(bytes.preprocessing, 1 + (1 + 2) + (1 + 2));

  // A quantized model: scales (and zero points), bias values and scale, the input's scale.
  const q = randomQuantizedModel(6, {
    kind: "uniform-affine",
    bits: 4,
    granularity: "class",
    nFeatures: 5,
    nClasses: 3,
    link: "softmax",
  });
  const t = q.weights as Extract<QuantizedTensor, { kind: "uniform" }>;
  const quantized = (scale: number[], bias: QuantizedBias, inputScale: number) =>
    inspectModelFile(encodeModel({
      ...q,
      weights: { ...t, scale: Float32Array.from(scale) },
      bias,
      input: { dtype: "uint8", scale: inputScale, zeroPoint: 0, calibration: "minmax" },
    })).info.bytes;
  // input: dtype, scale (tag and value), zigzag zero point, "minmax" with its length.
  const input = (scaleBytes: number) => 1 + 1 + scaleBytes + 1 + 1 + 6;
  const zeroPoints = Math.ceil((3 * 4) / 8);
  bytes = quantized(
    [0.25, 0.5, 0.125],
    { kind: "float32", values: Float32Array.of(0.5, 0.25, 2) },
    0.5,
  );
  assert.equal(bytes.scales, 1 + 3 * 2 + zeroPoints + input(2));
  assert.equal(bytes.bias, 1 + 1 + 3 * 2);
  bytes = quantized(
    [0.1, 0.1, 0.1],
    { kind: "float64", values: Float64Array.of(0.1, 0.2, 0.3) },
    Math.fround(0.1),
  );
  assert.equal(bytes.scales, 1 + 4 + zeroPoints + input(4));
  assert.equal(bytes.bias, 1 + 1 + 3 * 8);
  // An int32 bias: zigzag varints (1, -1, 64 -> 2, 1, 128), then its scale (constant 0.5).
  bytes = quantized([0.25, 0.5, 0.125], {
    kind: "int32",
    values: Int32Array.of(1, -1, 64),
    scale: Float64Array.of(0.5, 0.5, 0.5),
  }, 1 / 255);
  assert.equal(bytes.bias, 1 + (1 + 1 + 2) + (1 + 2));
  assert.equal(bytes.scales, 1 + 3 * 2 + zeroPoints + input(8));

  // A codebook's entries, float16 when they all are.
  const c = randomQuantizedModel(7, { kind: "codebook", bits: 2, nFeatures: 4, nClasses: 2 });
  const cb = c.weights as Extract<QuantizedTensor, { kind: "codebook" }>;
  const entries = cb.codebook.length;
  const codebook = (values: number[]) =>
    inspectModelFile(encodeModel({
      ...c,
      weights: { ...cb, codebook: Float32Array.from(values) },
      input: { dtype: "int8", scale: 0.5, zeroPoint: 0, calibration: "minmax" },
    })).info.bytes.scales;
  const ascending = Array.from({ length: entries }, (_, i) => (i % cb.levels) - 1.5);
  assert.equal(codebook(ascending), 1 + entries * 2 + input(2));
  assert.equal(codebook(ascending.map((v) => v + Math.fround(0.1))), 1 + entries * 4 + input(2));
});

Deno.test("the same recipe gives the same file whatever the order of its keys", () => {
  const q = randomQuantizedModel(8);
  const a = encodeModel({ ...q, recipe: { method: "kmeans", seed: 3, rounding: "nearest" } });
  const b = encodeModel({ ...q, recipe: { seed: 3, rounding: "nearest", method: "kmeans" } });
  assert.deepEqual(b, a);
});

Deno.test("an ArrayBuffer or a fetch Response given for the bytes is refused with how to read it", async () => {
  const bytes = encodeModel(randomFloatModel(3));
  // An ArrayBuffer of exactly the file, as `await response.arrayBuffer()` gives.
  const buffer = bytes.slice().buffer;
  const refusals: [unknown, RegExp][] = [
    [buffer, /got ArrayBuffer; new Uint8Array\(buffer\) wraps an ArrayBuffer$/],
    [
      new Response(buffer),
      /got Response; new Uint8Array\(await response\.arrayBuffer\(\)\) reads a fetch Response$/,
    ],
    [new DataView(buffer), /got DataView\(\d+\)$/],
  ];
  for (const [input, tail] of refusals) {
    assert.throws(
      () => decodeModel(input as Uint8Array, { name: "m.lrc" }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.startsWith("Cannot read model file 'm.lrc': expected a Uint8Array of bytes, ") &&
        tail.test(e.message),
    );
  }
  // The advice works: the wrapped buffer and the response's bytes decode to the model.
  const expected = modelToJson(decodeModel(bytes) as LogisticModel);
  for (
    const read of [new Uint8Array(buffer), new Uint8Array(await new Response(buffer).arrayBuffer())]
  ) {
    assert.equal(modelToJson(decodeModel(read) as LogisticModel), expected);
  }
});
