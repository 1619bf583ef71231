import assert from "node:assert/strict";
import fc from "fast-check";
import { paretoFront } from "../../lib/metrics/pareto.ts";

type Point = { bytes: number; accuracy: number };

/** The oracle: a point is on the front when no other point dominates it (O(n^2) check). */
function bruteForce(points: readonly Point[]): number[] {
  const dominates = (a: Point, b: Point) =>
    a.bytes <= b.bytes && a.accuracy >= b.accuracy &&
    (a.bytes < b.bytes || a.accuracy > b.accuracy);
  return points.map((_, i) => i).filter((i) => !points.some((p) => dominates(p, points[i])));
}

// Few distinct values, so that ties in bytes, in accuracy and in both are common.
const point = fc.record({
  bytes: fc.integer({ min: 1, max: 12 }).map((b) => b * 100),
  accuracy: fc.integer({ min: 0, max: 10 }).map((a) => a / 10),
});

Deno.test("Pareto front holds exactly the points no other point dominates", () => {
  fc.assert(
    fc.property(fc.array(point, { maxLength: 60 }), (points) => {
      const front = paretoFront(points);
      assert.deepEqual([...front].sort((a, b) => a - b), bruteForce(points));
    }),
    { seed: 7, numRuns: 500 },
  );
});

Deno.test("Pareto front is ordered by bytes with accuracy rising along it", () => {
  fc.assert(
    fc.property(fc.array(point, { maxLength: 60 }), (points) => {
      const front = paretoFront(points).map((i) => points[i]);
      for (let k = 1; k < front.length; k++) {
        const a = front[k - 1], b = front[k];
        const equal = a.bytes === b.bytes && a.accuracy === b.accuracy;
        assert.ok(equal || (a.bytes < b.bytes && a.accuracy < b.accuracy), JSON.stringify(front));
      }
    }),
    { seed: 8, numRuns: 300 },
  );
});

Deno.test("Pareto front lists equal candidates in index order", () => {
  // Documented: by increasing bytes, ties in index order. The order test above lets equal
  // candidates come in any order, and the front tests compare sorted indices.
  fc.assert(
    fc.property(fc.array(point, { maxLength: 60 }), (points) => {
      const front = paretoFront(points);
      const byBytesThenIndex = [...front].sort((a, b) =>
        points[a].bytes - points[b].bytes || a - b
      );
      assert.deepEqual(front, byBytesThenIndex);
    }),
    { seed: 10, numRuns: 300 },
  );
  // By hand: three equal best candidates at indices 4, 1, 2 (in that order of listing they are
  // 1, 2, 4); index 0 is dominated by them, index 3 is smaller and worse.
  const equal = { bytes: 200, accuracy: 0.9 };
  assert.deepEqual(
    paretoFront([
      { bytes: 300, accuracy: 0.9 },
      equal,
      equal,
      { bytes: 100, accuracy: 0.5 },
      equal,
    ]),
    [3, 1, 2, 4],
  );
});

Deno.test("Pareto front works on continuous values and infinities", () => {
  const value = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ noNaN: true }));
  fc.assert(
    fc.property(fc.array(fc.record({ bytes: value, accuracy: value }), { maxLength: 80 }), (ps) => {
      assert.deepEqual([...paretoFront(ps)].sort((a, b) => a - b), bruteForce(ps));
    }),
    { seed: 9, numRuns: 300 },
  );
});

Deno.test("Pareto front rejects NaN and malformed candidates", () => {
  assert.throws(() => paretoFront([{ bytes: NaN, accuracy: 1 }]), RangeError);
  // A NaN accuracy too, at any index (NaN compares false with everything: it was neither
  // dominated nor dominating).
  assert.throws(
    () => paretoFront([{ bytes: 1, accuracy: 0.5 }, { bytes: 2, accuracy: NaN }]),
    {
      name: "RangeError",
      message: /^Cannot compute Pareto front: candidate 1 has bytes 2 and accuracy NaN$/,
    },
  );
  assert.throws(() => paretoFront([{ bytes: 1 } as Point]), TypeError);
  assert.throws(() => paretoFront({} as Point[]), TypeError);
  assert.deepEqual(paretoFront([]), []);
});

Deno.test("Pareto front refuses a candidate without numeric bytes, or null, by index", () => {
  // The library's own message naming the candidate: without the bytes check { accuracy } alone
  // was sorted by undefined - x = NaN, and without the null check the engine's "Cannot read
  // properties of null" came out.
  const bad = [{ accuracy: 0.5 }, { bytes: "10", accuracy: 0.5 }, null];
  for (const c of bad) {
    assert.throws(() => paretoFront([{ bytes: 1, accuracy: 0.5 }, c as never]), {
      name: "TypeError",
      message:
        /^Cannot compute Pareto front: candidate 1 must have numeric bytes and accuracy, got /,
    });
  }
});

Deno.test("Pareto front keeps the smallest candidate even at an accuracy of -Infinity", () => {
  // By the definition: nothing has fewer bytes, so nothing dominates the smallest candidate that
  // is best at its size, whatever its accuracy. A larger one with -Infinity is dominated by it.
  assert.deepEqual(paretoFront([{ bytes: 5, accuracy: -Infinity }]), [0]);
  assert.deepEqual(
    paretoFront([
      { bytes: 9, accuracy: -Infinity },
      { bytes: 5, accuracy: -Infinity },
      { bytes: 7, accuracy: 0.5 },
    ]),
    [1, 2],
  );
});

Deno.test("Pareto front keeps only the exact best at one size, not one a hair below it", () => {
  // 0.9 - 1e-12 < 0.9 at the same size: dominated (strictly worse, equal bytes).
  assert.deepEqual(
    paretoFront([
      { bytes: 100, accuracy: 0.9 - 1e-12 },
      { bytes: 100, accuracy: 0.9 },
      { bytes: 100, accuracy: 0.9 },
    ]),
    [1, 2],
  );
});

Deno.test("Pareto front refuses candidates that are not an array in its own words", () => {
  // An object or a string has no map of candidates: without the array check {} failed in the
  // engine's "candidates.map is not a function" and a string was refused by its first character,
  // as candidate 0.
  for (const bad of [{}, "ab", null]) {
    assert.throws(() => paretoFront(bad as never), {
      name: "TypeError",
      message:
        /^Cannot compute Pareto front: candidates must be an array of \{ bytes, accuracy \}, got /,
    });
  }
});
