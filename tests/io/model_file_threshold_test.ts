import assert from "node:assert/strict";
import { decodeModel, encodeModel } from "../../lib/io/model_file.ts";
import { sizeReport } from "../../lib/io/size_report.ts";
import { quantizeModel } from "../../lib/quant/model.ts";
import { withThreshold } from "../../lib/quant/with_threshold.ts";
import { throwsWith } from "../_helpers/errors.ts";
import { randomFloatModel } from "../_helpers/random_models.ts";
import { reseal } from "../_helpers/reseal.ts";

const binary = randomFloatModel(11, { link: "sigmoid", nFeatures: 5 });
const softmax = randomFloatModel(12, { link: "softmax", nFeatures: 5, nClasses: 3 });
const SECTION_THRESHOLD = 10;

/** The file's sections as [id, payload start, payload length], read by hand. */
function sections(bytes: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let p = 16;
  while (p < bytes.length - 4) {
    const id = bytes[p++];
    let len = 0, shift = 0, b;
    do {
      b = bytes[p++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    out.push([id, p, len]);
    p += len;
  }
  return out;
}

Deno.test("a threshold is stored as a required float64 section and read back exactly", () => {
  for (const t of [0.2, 0.9, 1e-300, 1 - 2 ** -53, 0.1 + 0.2]) {
    for (const model of [binary, quantizeModel(binary)]) {
      const m = withThreshold(model, t);
      const plain = encodeModel(model), bytes = encodeModel(m);
      // 1 id byte, 1 length byte, 8 payload bytes; the rest of the file unchanged.
      assert.equal(bytes.length, plain.length + 10);
      const s = sections(bytes).find(([id]) => id === SECTION_THRESHOLD)!;
      assert.equal(s[2], 8);
      assert.equal(new DataView(bytes.buffer, s[1], 8).getFloat64(0, true), t);
      assert.ok(SECTION_THRESHOLD < 0x80, "required: an older reader refuses the file");
      assert.deepEqual(decodeModel(bytes), m);
      assert.equal(decodeModel(bytes).threshold, t);
    }
  }
});

Deno.test("a model without a threshold writes no threshold section and reads back without one", () => {
  const bytes = encodeModel(binary);
  assert.equal(sections(bytes).some(([id]) => id === SECTION_THRESHOLD), false);
  assert.equal(Object.hasOwn(decodeModel(bytes), "threshold"), false);
  assert.deepEqual(encodeModel(withThreshold(withThreshold(binary, 0.3), null)), bytes);
});

Deno.test("the size report charges the threshold section's 10 bytes to the header", async () => {
  const plain = await sizeReport(encodeModel(binary));
  const report = await sizeReport(encodeModel(withThreshold(binary, 0.7)));
  assert.equal(report.parts.header, plain.parts.header + 10);
  for (const part of Object.keys(plain.parts) as (keyof typeof plain.parts)[]) {
    if (part !== "header") assert.equal(report.parts[part], plain.parts[part], part);
  }
  assert.equal(report.fileBytes, Object.values(report.parts).reduce((a, b) => a + b, 0));
});

/** `bytes` with the threshold payload replaced by `value`, resealed. */
function withPayload(bytes: Uint8Array, value: number): Uint8Array {
  const out = bytes.slice();
  const s = sections(out).find(([id]) => id === SECTION_THRESHOLD)!;
  new DataView(out.buffer, s[1], 8).setFloat64(0, value, true);
  return reseal(out);
}

Deno.test("the reader refuses a threshold out of (0, 1), NaN, or in a softmax model", () => {
  const bytes = encodeModel(withThreshold(binary, 0.4));
  for (const v of [0, 1, -0, 1.5, -0.2, Infinity, NaN]) {
    throwsWith(
      () => decodeModel(withPayload(bytes, v), { name: "m.lrc" }),
      RangeError,
      `the decision threshold is ${v}, not strictly between 0 and 1`,
    );
  }
  // A softmax model's file with a threshold section spliced in before the checksum.
  const plain = encodeModel(softmax);
  const spliced = new Uint8Array(plain.length + 10);
  spliced.set(plain.subarray(0, plain.length - 4));
  spliced.set([SECTION_THRESHOLD, 8], plain.length - 4);
  new DataView(spliced.buffer, plain.length - 2, 8).setFloat64(0, 0.5, true);
  throwsWith(
    () => decodeModel(reseal(spliced), { name: "m.lrc" }),
    SyntaxError,
    "a decision threshold belongs to a binary (sigmoid) model, this one is softmax",
  );
  // A payload of another length.
  const long = encodeModel(withThreshold(binary, 0.4));
  const s = sections(long).find(([id]) => id === SECTION_THRESHOLD)!;
  const cut = new Uint8Array(long.length - 1);
  cut.set(long.subarray(0, s[1] - 1));
  cut[s[1] - 1] = 7;
  cut.set(long.subarray(s[1], s[1] + 7), s[1]);
  cut.set(long.subarray(s[1] + 8), s[1] + 7);
  throwsWith(() => decodeModel(reseal(cut)), RangeError, "section THRESHOLD");
  // A payload of 9 bytes, the threshold and one more: the reader must not stop after 8.
  const longer = new Uint8Array(long.length + 1);
  longer.set(long.subarray(0, s[1] - 1));
  longer[s[1] - 1] = 9;
  longer.set(long.subarray(s[1], s[1] + 8), s[1]);
  longer[s[1] + 8] = 0;
  longer.set(long.subarray(s[1] + 8), s[1] + 9);
  assert.equal(sections(longer).find(([id]) => id === SECTION_THRESHOLD)![2], 9);
  throwsWith(
    () => decodeModel(reseal(longer)),
    SyntaxError,
    "section THRESHOLD: 1 unexpected byte at the end",
  );
});

Deno.test("a reader without the threshold section refuses the file instead of labelling at 0.5", () => {
  // The section id is required (< 0x80): this reader's own rule for an id it does not know.
  const bytes = encodeModel(withThreshold(binary, 0.4));
  const unknown = bytes.slice();
  const s = sections(unknown).find(([id]) => id === SECTION_THRESHOLD)!;
  unknown[s[1] - 2] = 11; // the id byte: a required section this reader does not know
  throwsWith(() => decodeModel(reseal(unknown)), SyntaxError, "unknown required section 11");
});
