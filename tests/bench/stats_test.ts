/**
 * The benchmarks' measurement helpers, against integer counts: accuracies are counts of images
 * over the test set's size, so a budget in points is a number of images.
 */
import assert from "node:assert/strict";
import {
  lowestKnown,
  median,
  medianCallMs,
  percentLabel,
  targetRatio,
  withinPoints,
} from "./_stats.ts";

Deno.test("a drop of exactly the budget in images is within it, one image more is not", () => {
  const n = 10_000;
  for (const points of [0.2, 1.0]) {
    const images = Math.round((points / 100) * n); // 20 or 100 of 10,000
    for (let dense = 8000; dense <= 9000; dense++) {
      const at = dense - images;
      assert.ok(withinPoints(dense / n - at / n, points), `${dense} - ${at} on ${n}, ${points}`);
      assert.ok(!withinPoints(dense / n - (at - 1) / n, points), `${dense} - ${at - 1} on ${n}`);
      assert.ok(withinPoints(dense / n - (at + 1) / n, points));
    }
  }
  // A gain is within any budget.
  assert.ok(withinPoints(-0.01, 0));
});

Deno.test("the lowest known value ignores missing ones and is missing when all are", () => {
  // bench:train's "lowest after" when every run reached the target at its last iteration.
  assert.equal(lowestKnown([null, null, null]), null);
  assert.equal(lowestKnown([]), null);
  assert.equal(lowestKnown([null, 0.8449, null, 0.8451]), 0.8449);
  assert.equal(lowestKnown([0.9, 0.85, 0.95]), 0.85);
  assert.equal(lowestKnown([1.5, null]), 1.5);
});

Deno.test("sparsity labels keep two decimals: distinct sparsities get distinct labels", () => {
  // The default sparsities and the 0.5-point steps a user may ask for, against their percentage
  // written by hand.
  const cases: [number, number][] = [
    [0.5, 50],
    [0.7, 70],
    [0.8, 80],
    [0.9, 90],
    [0.95, 95],
    [0.98, 98],
    [0.955, 95.5],
    [0.96, 96],
    [0.995, 99.5],
    [0.9975, 99.75],
    [1, 100],
    [0, 0],
  ];
  for (const [fraction, percent] of cases) assert.equal(percentLabel(fraction), percent);
});

Deno.test("the median of timings sorts them as numbers and averages the two middle ones", () => {
  // By hand: 2 9 | 10 100 sorted as numbers (as text, "10" "100" "2" "9" would give 51).
  assert.equal(median([10, 9, 100, 2]), 9.5);
  assert.equal(median([0.3, 0.1, 0.2]), 0.2);
  assert.equal(median([5, 1]), 3);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  // Even counts: the mean of the (n/2)th and (n/2 + 1)th smallest, here 1..n shuffled, whose
  // median is (n + 1) / 2; odd counts the middle one, the same formula.
  for (const n of [2, 3, 4, 5, 10, 11]) {
    const values = Array.from({ length: n }, (_, i) => ((i * 7) % n) + 1);
    assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1));
    assert.equal(median(values), (n + 1) / 2, `1..${n}`);
  }
  // The input is left as it was.
  const timings = [3, 1, 2];
  median(timings);
  assert.deepEqual(timings, [3, 1, 2]);
});

Deno.test("a median call time leaves the first, warm-up call out", () => {
  // bench:optimizer's one-pass times and bench:infer's limits took the median of every call,
  // the first one of a fresh engine included (about twice as slow: JIT, first touch of memory).
  // Here the first call takes 200 ms and the others nothing: with one or two timed calls, a
  // timed first call would make the median at least 100 ms.
  for (const runs of [1, 2, 9]) {
    let calls = 0;
    const ms = medianCallMs(() => {
      if (calls++ === 0) {
        const t0 = performance.now();
        while (performance.now() - t0 < 200) { /* the slow first call */ }
      }
    }, runs);
    assert.equal(calls, runs + 1, `${runs} timed calls after one untimed`);
    assert.ok(ms < 100, `${runs} runs: ${ms} ms`);
  }
});

Deno.test("a time to the target is compared with the reference's time to it, or not at all", () => {
  // bench:train divided every time to the target by scikit-learn's whole train time: had
  // scikit-learn reached the target at iteration 60 of 100 (7 s of 12 s), 2 s to the target would
  // read 0.167 instead of 2 / 7.
  assert.equal(targetRatio(2000, 7000), 2 / 7);
  assert.equal(targetRatio(2000, null), null);
  assert.equal(targetRatio(null, 7000), null);
  assert.equal(targetRatio(7000, 7000), 1);
});

Deno.test("reportLoadAverage prints the load at the start and at a normal exit, on stderr only", async () => {
  const code = `import { reportLoadAverage } from ${
    JSON.stringify(
      new URL("./_stats.ts", import.meta.url).href,
    )
  };\nreportLoadAverage("bench:x");\nconsole.log("row");`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--allow-sys=loadavg", "--allow-read", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout), "row\n");
  const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0], /^bench:x: load average \d+\.\d\d at the start$/);
  assert.match(lines[1], /^bench:x: load average \d+\.\d\d at the end$/);
});
