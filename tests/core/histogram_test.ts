import assert from "node:assert/strict";
import fc from "fast-check";
import { histogram } from "../../lib/core/histogram.ts";

/** The oracle: for each value, scan the edges for the half-open bin holding it. */
function directCount(
  values: readonly number[],
  edges: Float64Array,
  mask?: readonly number[],
): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  values.forEach((v, i) => {
    if (mask && !mask[i]) return;
    for (let b = 0; b < bins; b++) {
      const last = b === bins - 1;
      if (v >= edges[b] && (v < edges[b + 1] || (last && v <= edges[b + 1]))) {
        counts[b]++;
        return;
      }
    }
  });
  return counts;
}

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

Deno.test("histogram counts match a direct scan of the edges for any values and bins", () => {
  fc.assert(
    fc.property(
      fc.array(finite, { maxLength: 200 }),
      fc.integer({ min: 1, max: 64 }),
      (v, bins) => {
        const h = histogram(v, { bins });
        assert.deepEqual([...h.counts], directCount(v, h.edges));
        assert.equal(h.total, v.length);
        for (let i = 0; i < bins; i++) assert.ok(h.edges[i] < h.edges[i + 1] || v.length === 0);
      },
    ),
    { seed: 1, numRuns: 300 },
  );
});

Deno.test("histogram with a range ignores values outside it and keeps the upper edge", () => {
  fc.assert(
    fc.property(
      fc.array(finite, { maxLength: 100 }),
      fc.integer({ min: 1, max: 20 }),
      (v, bins) => {
        const range: [number, number] = [-10, 10];
        const values = [...v, -10, 10, 10.000001, -10.000001];
        const h = histogram(values, { bins, range });
        assert.deepEqual([...h.counts], directCount(values, h.edges));
        assert.equal(h.total, values.filter((x) => x >= -10 && x <= 10).length);
        assert.equal(h.edges[0], -10);
        assert.equal(h.edges[bins], 10);
      },
    ),
    { seed: 2, numRuns: 200 },
  );
});

Deno.test("histogram with a mask counts only the kept values", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(finite, fc.integer({ min: 0, max: 1 })), { maxLength: 100 }),
      (pairs) => {
        const values = pairs.map((p) => p[0]), mask = pairs.map((p) => p[1]);
        const h = histogram(values, { bins: 7, mask });
        const kept = values.filter((_, i) => mask[i]);
        assert.deepEqual([...h.counts], directCount(values, h.edges, mask));
        assert.deepEqual(h, histogram(kept, { bins: 7 }));
      },
    ),
    { seed: 3, numRuns: 200 },
  );
});

Deno.test("histogram counts a value under any non-zero mask entry, not only under 1", () => {
  // The option's contract: "count only the values whose mask entry is non-zero". The oracle keeps
  // values by mask[i] !== 0 and counts them without a mask.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(finite, fc.constantFrom(0, 1, 2, 255, 0.5, -1)), { maxLength: 100 }),
      (pairs) => {
        const values = pairs.map((p) => p[0]), mask = pairs.map((p) => p[1]);
        const kept = values.filter((_, i) => mask[i] !== 0);
        for (const range of [undefined, [-1e5, 1e5] as [number, number]]) {
          const h = histogram(values, { bins: 5, mask, range });
          assert.deepEqual(h, histogram(kept, { bins: 5, range }));
          assert.equal(h.total, kept.filter((v) => !range || Math.abs(v) <= 1e5).length);
        }
      },
    ),
    { seed: 4, numRuns: 200 },
  );
  const h = histogram([0.25, 0.75, 0.5], {
    bins: 2,
    range: [0, 1],
    mask: Uint8Array.of(2, 255, 0),
  });
  assert.deepEqual([...h.counts], [1, 1]);
  assert.equal(h.total, 2);
});

Deno.test("histogram of equal values centres them in a unit-wide range, like numpy", () => {
  const h = histogram([2, 2, 2], { bins: 4 });
  assert.deepEqual([...h.edges], [1.5, 1.75, 2, 2.25, 2.5]);
  assert.deepEqual([...h.counts], [0, 0, 3, 0]);
  assert.deepEqual([...histogram([], { bins: 2 }).edges], [0, 0.5, 1]);
});

Deno.test("histogram of equal values beyond 2^53 counts them in a range that has a width", () => {
  // Half a unit is below the precision of such values: the range collapsed to one point, every
  // bin index became NaN, and the value was counted in `total` but in no bin.
  for (const v of [1e17, -3e20, 2 ** 60]) {
    const h = histogram([v, v], { bins: 3 });
    assert.ok(h.edges[0] < v && v < h.edges[3], `${v}: edges ${[...h.edges]}`);
    assert.deepEqual([...h.counts], directCount([v, v], h.edges));
    assert.equal(h.counts.reduce((a, b) => a + b), 2);
  }
});

Deno.test("histogram refuses a range wider than the largest number", () => {
  // hi - lo overflowed to Infinity: the first edge became NaN and both values fell in bin 0.
  assert.throws(
    () => histogram([-1e308, 1e308], { bins: 2 }),
    (e) => e instanceof RangeError && /wider than the largest number/.test(e.message),
  );
  assert.throws(
    () => histogram([0], { range: [-1e308, 1e308] }),
    (e) => e instanceof RangeError && /wider than the largest number/.test(e.message),
  );
});

Deno.test("histogram rejects NaN, bad bins, bad ranges and a mask of the wrong length", () => {
  assert.throws(() => histogram([1, NaN]), RangeError);
  assert.throws(() => histogram([1], { bins: 0 }), /bins must be an integer/);
  assert.throws(() => histogram([1], { bins: 2.5 }), RangeError);
  // Bins are allocated: past 1e7 of them the request is refused before two typed arrays of that
  // length are (2^32 + 1 float64s end in the engine's own "Array buffer allocation failed").
  for (const bins of [1e7 + 1, 2 ** 32]) {
    assert.throws(() => histogram([1], { bins }), {
      name: "RangeError",
      message: `Cannot compute histogram: bins must be an integer in [1, 10000000], got ${bins}`,
    });
  }
  assert.throws(() => histogram([1], { range: [1, 1] }), /lo < hi/);
  assert.throws(() => histogram([1, 2], { mask: [1] }), TypeError);
  assert.throws(() => histogram("12" as unknown as number[]), TypeError);
});

const python = "/usr/bin/python3";
const hasNumpy = (() => {
  try {
    return new Deno.Command(python, { args: ["-c", "import numpy"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: `histogram agrees with numpy.histogram on edges and counts${
    hasNumpy ? "" : " (skipped: /usr/bin/python3 with numpy not found)"
  }`,
  ignore: !hasNumpy,
  fn: async () => {
    // Values that sit on or next to bin edges stress the rounding of the bin index.
    const values: number[] = [];
    for (let i = 0; i <= 300; i++) values.push(-1 + i / 150, 0.1 * i - 3, Math.sin(i) * 1e-3);
    values.push(0.3, 0.7, 1e-17, -1e-17);
    for (const bins of [1, 3, 10, 49, 256]) {
      for (const range of [undefined, [-0.7, 0.9] as [number, number]]) {
        const ours = histogram(values, { bins, range });
        const script = "import json,sys,numpy as np\n" +
          "a=json.loads(sys.stdin.read())\n" +
          "c,e=np.histogram(np.array(a['v']),bins=a['b'],range=a['r'])\n" +
          "print(json.dumps({'c':c.tolist(),'e':e.tolist()}))";
        const child = new Deno.Command(python, {
          args: ["-c", script],
          stdin: "piped",
          stdout: "piped",
        }).spawn();
        const writer = child.stdin.getWriter();
        await writer.write(
          new TextEncoder().encode(JSON.stringify({ v: values, b: bins, r: range ?? null })),
        );
        await writer.close();
        const out = await child.output();
        const ref = JSON.parse(new TextDecoder().decode(out.stdout));
        assert.deepEqual([...ours.counts], ref.c, `counts, ${bins} bins, range ${range}`);
        assert.deepEqual([...ours.edges], ref.e, `edges, ${bins} bins, range ${range}`);
      }
    }
  },
});

Deno.test("histogram's default is 50 bins, increasing even around one value beyond 2^53", () => {
  // The documented default: 50 bins, edges[i] = lo + i * (hi - lo) / bins, the last exactly hi
  // (here i times the step 0.02, numpy.histogram's edges too: 35 x 0.02 is 0.7000000000000001).
  const h = histogram([0, 1, 0.5]);
  assert.equal(h.counts.length, 50);
  assert.equal(h.edges.length, 51);
  for (let i = 0; i < 50; i++) assert.equal(h.edges[i], i * 0.02);
  assert.equal(h.edges[50], 1);
  assert.deepEqual([...h.counts], directCount([0, 1, 0.5], h.edges));
  // "bins + 1 increasing edges" with the default bins around one value whose float64 step is
  // 256 (2^60) or 2^14 (2^66): a range of a few steps either side (a width of 2^-52 of the value)
  // gives 50 edges that round onto a handful of values, not 51 increasing ones.
  for (const v of [2 ** 60, -(2 ** 66), 1e17]) {
    const e = histogram([v, v, v]);
    for (let i = 0; i < 50; i++) assert.ok(e.edges[i] < e.edges[i + 1], `${v}: edge ${i}`);
    assert.deepEqual([...e.counts], directCount([v, v, v], e.edges));
    assert.equal(e.total, 3);
  }
});

Deno.test("histogram refuses an infinite or NaN range and a mask longer than the values, by message", () => {
  // The documented refusals: "the range is not finite with lo < hi" has its own message (an
  // infinite range otherwise reached the overflow check's "wider than the largest number"), and
  // the mask must have exactly as many entries as there are values, longer ones included.
  for (const range of [[0, Infinity], [-Infinity, 0], [NaN, 1]] as [number, number][]) {
    assert.throws(() => histogram([0.5], { range }), {
      name: "RangeError",
      message: `Cannot compute histogram: range must be two finite numbers lo < hi, got [${
        range[0]
      }, ${range[1]}]`,
    });
  }
  assert.throws(() => histogram([1, 2], { mask: [1, 1, 1] }), {
    name: "TypeError",
    message: "Cannot compute histogram: mask has 3 entries but there are 2 values",
  });
});

Deno.test("histogram of equal values at the largest number counts them in a finite range", () => {
  // A finite value is accepted, so its default range must be finite too: v + half overflowed to
  // Infinity for v within half of Number.MAX_VALUE, and one value was refused as "wider than the
  // largest number". Oracle: the documented edges (bins + 1 increasing, finite, holding v) and the
  // direct scan of them.
  for (const v of [Number.MAX_VALUE, -Number.MAX_VALUE, 1.7976930e308]) {
    for (const bins of [3, 50]) {
      const h = histogram([v, v], { bins });
      assert.ok(h.edges.every(Number.isFinite), `${v}: edges ${[...h.edges]}`);
      for (let i = 0; i < bins; i++) assert.ok(h.edges[i] < h.edges[i + 1], `${v}: edge ${i}`);
      assert.ok(h.edges[0] <= v && v <= h.edges[bins]);
      assert.deepEqual([...h.counts], directCount([v, v], h.edges));
      assert.equal(h.total, 2);
      assert.equal(h.counts.reduce((a, b) => a + b), 2);
    }
  }
});

Deno.test("histogram refuses a NaN or infinite mask entry instead of reading NaN as zero", () => {
  // The documented rule counts values under a non-zero entry; NaN is not zero, yet `!mask[i]`
  // left its value out without a word.
  for (const [entry, shown] of [[NaN, "NaN"], [Infinity, "Infinity"]] as const) {
    assert.throws(() => histogram([1, 2, 3], { mask: [1, entry, 1] }), {
      name: "RangeError",
      message: `Cannot compute histogram: mask holds ${shown} at index 1`,
    });
  }
  // Finite entries: 0 leaves a value out, any other counts it (2 and 3 here, 1 left out).
  assert.equal(histogram([1, 2, 3], { mask: [0, -2, 0.5] }).total, 2);
});
