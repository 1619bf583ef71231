import assert from "node:assert/strict";
import { fromFloat16Bits, roundHalfEven, toFloat16Bits } from "../../lib/quant/float16.ts";
import { hasNumpy, runPython } from "../_helpers/python.ts";

const numpy = hasNumpy();
const FIXTURE = new URL("../fixtures/float16_numpy.json", import.meta.url);
const SCRIPT = new URL("../fixtures/make_float16_fixture.py", import.meta.url).pathname;

interface Vectors {
  numpy: string;
  inputs: number[];
  bits: number[];
}

/** numpy's conversions, live when numpy is present, else the fixture its script wrote. */
async function vectors(): Promise<Vectors> {
  if (numpy) return await runPython<Vectors>("", null, [SCRIPT, "--stdout"]);
  return JSON.parse(await Deno.readTextFile(FIXTURE));
}

Deno.test("float64 to float16 matches numpy bit for bit, ties to even included", async () => {
  const v = await vectors();
  assert.ok(v.inputs.length > 2000);
  for (let i = 0; i < v.inputs.length; i++) {
    const got = toFloat16Bits(v.inputs[i]);
    assert.equal(
      got,
      v.bits[i],
      `input ${v.inputs[i]}: got 0x${got.toString(16)}, numpy ${v.bits[i].toString(16)}`,
    );
  }
});

Deno.test({
  name: `the committed fixture is numpy's live output${numpy ? "" : " (skipped: no numpy)"}`,
  ignore: !numpy,
  async fn() {
    // Where numpy is absent the test above reads the fixture alone: nothing compared it with
    // numpy where numpy is present, so a stale or edited copy went unnoticed.
    const live = await vectors();
    const committed: Vectors = JSON.parse(await Deno.readTextFile(FIXTURE));
    assert.deepEqual(committed.inputs, live.inputs);
    assert.deepEqual(committed.bits, live.bits);
  },
});

Deno.test({
  name: `every float16 pattern decodes to numpy's value${numpy ? "" : " (skipped: no numpy)"}`,
  ignore: !numpy,
  async fn() {
    const values = await runPython<(number | string)[]>(
      "import numpy as np, json\n" +
        "v = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float64)\n" +
        "print(json.dumps([x if np.isfinite(x) else repr(x) for x in v.tolist()]))",
      null,
    );
    for (let h = 0; h < 65536; h++) {
      const got = fromFloat16Bits(h);
      const want = values[h];
      if (typeof want === "string") {
        if (want === "nan") assert.ok(Number.isNaN(got), `0x${h.toString(16)}`);
        else assert.equal(got, want === "inf" ? Infinity : -Infinity, `0x${h.toString(16)}`);
      } else {
        assert.ok(Object.is(got, want), `0x${h.toString(16)}: ${got} vs numpy ${want}`);
      }
    }
  },
});

Deno.test("encoding a decoded pattern gives the pattern back for every non-NaN half", () => {
  for (let h = 0; h < 65536; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
    assert.equal(toFloat16Bits(fromFloat16Bits(h)), h, `0x${h.toString(16)}`);
  }
});

const f16round = (Math as unknown as { f16round?: (x: number) => number }).f16round;

Deno.test({
  name: "float16 encoding agrees with the engine's Math.f16round" +
    (f16round ? "" : " (skipped: this engine has no Math.f16round)"),
  ignore: !f16round,
  fn() {
    let x = 1e-9;
    for (let i = 0; i < 20000; i++) {
      x *= 1.0009765;
      for (const v of [x, -x]) {
        if (Math.abs(v) >= 65520) continue;
        assert.ok(Object.is(fromFloat16Bits(toFloat16Bits(v)), f16round!(v)), `${v}`);
      }
    }
  },
});

Deno.test("round half to even rounds ties to the even neighbour and nothing else", () => {
  for (let k = -50; k <= 50; k++) {
    const tie = k + 0.5;
    const r = roundHalfEven(tie);
    assert.ok(r === k || r === k + 1);
    assert.equal(Math.abs(r % 2), 0, `${tie} -> ${r}`);
    assert.equal(roundHalfEven(k + 0.49) + 0, k); // + 0: -0 and 0 are the same integer
    assert.equal(roundHalfEven(k + 0.51) + 0, k + 1);
  }
});

Deno.test("a bit pattern outside 0..0xffff and a value that is not a number are refused", () => {
  // The bit operations wrapped them: 0x10000 decoded as 0, -1 as NaN, 1.5 as the pattern 1, and
  // encoding a string gave a number's pattern.
  for (const bits of [0x10000, -1, 1.5, NaN, Infinity]) {
    assert.throws(
      () => fromFloat16Bits(bits),
      new RangeError(
        `Cannot decode float16: the bit pattern must be an integer in 0..0xffff, got ${bits}`,
      ),
    );
  }
  assert.throws(
    () => fromFloat16Bits("15360" as unknown as number),
    /^TypeError: Cannot decode float16: the bit pattern must be a number, got string "15360"$/,
  );
  assert.throws(
    () => toFloat16Bits("1" as unknown as number),
    /^TypeError: Cannot encode float16: the value must be a number, got string "1"$/,
  );
  assert.equal(fromFloat16Bits(0xffff), NaN);
  assert.equal(fromFloat16Bits(0), 0);
});

Deno.test("NaN encodes as the quiet NaN numpy gives, whatever its origin", async () => {
  // The documented pattern, checked against numpy's np.float16(nan) when numpy is present.
  const want = numpy
    ? await runPython<number>(
      "import numpy as np\nprint(int(np.array([np.nan]).astype(np.float16).view(np.uint16)[0]))",
      null,
    )
    : 0x7e00;
  assert.equal(want, 0x7e00);
  for (const nan of [NaN, 0 / 0, Infinity - Infinity, Math.sqrt(-1), Number("x")]) {
    assert.equal(toFloat16Bits(nan), want);
  }
  assert.ok(Number.isNaN(fromFloat16Bits(want)));
});
