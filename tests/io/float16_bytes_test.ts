// Model files store float16 through lrcompress's own conversion, not DataView's getFloat16 /
// setFloat16 (2024-2025 in browsers: older ones failed with "getFloat16 is not a function").
// The oracle is Deno's DataView, which has them.
import assert from "node:assert/strict";
import { ByteReader, ByteWriter } from "../../lib/io/bytes.ts";

type Float16View = DataView & {
  getFloat16(offset: number, littleEndian: boolean): number;
  setFloat16(offset: number, value: number, littleEndian: boolean): void;
};

Deno.test("float16 model bytes are DataView's, written and read, for every pattern", () => {
  const view = new DataView(new ArrayBuffer(2)) as Float16View;
  const values: number[] = [];
  for (let h = 0; h < 65536; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
    view.setUint16(0, h, true);
    values.push(view.getFloat16(0, true));
  }
  // Values between the patterns too: halfway cases and beyond float16's range.
  for (let i = 0; i < 5000; i++) {
    const v = (i % 2 ? -1 : 1) * 2 ** (-26 + (i % 43)) * (1 + ((i * 0.618) % 1));
    values.push(v, v * 70000);
  }
  values.push(65519.99, 65520, 2 ** -25, 3 * 2 ** -26, -0);
  const writer = new ByteWriter();
  writer.floats(values, "float16");
  const bytes = writer.finish();
  const want = new Uint8Array(values.length * 2);
  const wantView = new DataView(want.buffer) as Float16View;
  values.forEach((v, i) => wantView.setFloat16(2 * i, v, true));
  assert.deepEqual(bytes, want);
  const read = new Float64Array(values.length);
  const charges = {} as ConstructorParameters<typeof ByteReader>[4];
  new ByteReader(bytes, 0, bytes.length, "test", charges)
    .floatsInto(read, 0, values.length, "float16", "values");
  for (let i = 0; i < values.length; i++) {
    assert.ok(Object.is(read[i], wantView.getFloat16(2 * i, true)), `value ${values[i]}`);
  }
});

Deno.test("lib's model-file code calls no DataView float16 method", async () => {
  for (const file of ["bytes.ts", "quantized.ts", "model_file.ts"]) {
    const text = await Deno.readTextFile(new URL(`../../lib/io/${file}`, import.meta.url));
    assert.doesNotMatch(text, /[gs]etFloat16/, file);
  }
});
