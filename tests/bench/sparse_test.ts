/**
 * bench:sparse: its generator makes what its documentation says, and a small run's JSON rows
 * hold what the help says they measure (sizes from their definitions, the three fits at one
 * optimum). No timing is checked.
 */
import assert from "node:assert/strict";
import { assertCsr } from "../../lib/core/sparse.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { bagOfWords, csrBytes } from "./_bow.ts";

Deno.test("bagOfWords: round(density * cols) distinct words a row, counts >= 1, seeded", () => {
  for (
    const [rows, cols, density, classes] of [[50, 40, 0.1, 4], [30, 10, 0.5, 3], [20, 7, 1, 2]]
  ) {
    const { x, y, classes: names } = bagOfWords(rows, cols, density, { classes, seed: 3 });
    assertCsr("check", "x", x); // columns in range and strictly increasing within each row
    const m = Math.max(1, Math.round(density * cols));
    assert.deepEqual([x.rows, x.cols], [rows, cols]);
    for (let i = 0; i < rows; i++) {
      assert.equal(x.indptr[i + 1] - x.indptr[i], m, `row ${i}`);
      assert.equal(y[i], i % classes);
    }
    assert.ok(x.values.every((v) => Number.isInteger(v) && v >= 1));
    assert.deepEqual(names, Array.from({ length: classes }, (_, k) => String(k)));
    // Seeded: the same seed the same matrix, another seed another.
    assert.deepEqual(bagOfWords(rows, cols, density, { classes, seed: 3 }), {
      x,
      y,
      classes: names,
    });
  }
  const a = bagOfWords(200, 100, 0.05, { seed: 1 }), b = bagOfWords(200, 100, 0.05, { seed: 2 });
  assert.notDeepEqual(a.x.indices, b.x.indices);
  // A class's words come more often in its own rows: the share of the words of rows of class c
  // that fall in c's block of 20 columns is well above the 1/5 a uniform draw gives.
  const { x, y } = bagOfWords(500, 100, 0.05, { seed: 1 });
  let own = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      if (Math.floor(x.indices[p] / 20) === y[i]) own++;
    }
  }
  assert.ok(own / x.indices.length > 0.4, `${own} of ${x.indices.length}`);
  // Counts are geometric: about half are 1.
  const ones = x.values.filter((v) => v === 1).length;
  assert.ok(Math.abs(ones / x.values.length - 0.5) < 0.1, `${ones} of ${x.values.length}`);
  assert.equal(csrBytes(x), 4 * 501 + 4 * x.indices.length + 8 * x.values.length);
});

/** Runs bench:sparse with `args` and `--json`: its rows, and the load average lines. */
async function benchRows(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./sparse.ts", import.meta.url).pathname, ...args, "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const load = stderr.split("\n").filter((l) => l.startsWith("bench:sparse: load average"));
  assert.equal(load.length, 2, stderr);
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("bench:sparse --json: rows of every section, sizes by definition, one optimum", async () => {
  const rows = await benchRows([
    "--rows",
    "120",
    "--cols",
    "50",
    "--classes",
    "3",
    "--densities",
    "0.015,0.5",
    "--rounds",
    "1",
    "--fit-rounds",
    "1",
  ]);
  const digits = await loadEmbedded("digits");
  const digitsStored = digits.x.data.filter((v) => v !== 0).length;
  const sets = [
    // --densities 0.015 of 50 words rounds to one word a row (density 0.02), 0.5 is 25 words.
    { data: "synthetic bag of words", density: 1 / 50, rows: 120, cols: 50, stored: 120 * 1 },
    { data: "synthetic bag of words", density: 25 / 50, rows: 120, cols: 50, stored: 120 * 25 },
    {
      data: "embedded digits",
      density: digitsStored / (1797 * 64),
      rows: 1797,
      cols: 64,
      stored: digitsStored,
    },
  ];
  const implementations = ["ts dense", "ts CSR", "wasm dense"];
  assert.equal(rows.length, sets.length * (1 + 3 * 3));
  for (const set of sets) {
    const of = rows.filter((r) => r.data === set.data && r.density === set.density);
    const text = JSON.stringify(of);
    const memory = of.filter((r) => r.section === "memory");
    assert.equal(memory.length, 1, text);
    const m = memory[0];
    assert.equal(m.bench, "sparse");
    assert.deepEqual([m.rows, m.cols, m.stored], [set.rows, set.cols, set.stored], text);
    assert.equal(m.denseFloat64Bytes, set.rows * set.cols * 8);
    assert.equal(m.denseFloat32Bytes, set.rows * set.cols * 4);
    // indptr and indices in int32, values in float64.
    assert.equal(m.csrBytes, 4 * (set.rows + 1) + 12 * set.stored);
    assert.equal(m.csrOverDenseFloat64, m.csrBytes / m.denseFloat64Bytes);
    for (const section of ["pass", "fit", "predict"]) {
      const timed = of.filter((r) => r.section === section);
      assert.deepEqual(timed.map((r) => r.implementation), implementations, `${section} ${text}`);
      const tsDense = timed[0].medianMs;
      for (const r of timed) {
        assert.equal(typeof r.medianMs, "number");
        assert.equal(r.ratioToTsDense, r.medianMs / tsDense);
      }
    }
    // The three fits reach one optimum (the help's claim): objectives within 1e-5 of each other.
    const fits = of.filter((r) => r.section === "fit");
    const objectives = fits.map((r) => r.objective);
    assert.ok(fits.every((r) => r.converged), text);
    assert.ok(
      Math.max(...objectives) - Math.min(...objectives) <= 1e-5 * Math.min(...objectives),
      text,
    );
    for (const r of of.filter((r) => r.section === "predict")) {
      assert.equal(r.rowsPerSecond, set.rows / (r.medianMs / 1000));
    }
  }
});

Deno.test("bench:sparse --sections runs the timed sections named, memory always", async () => {
  const rows = await benchRows([
    "--rows",
    "40",
    "--cols",
    "20",
    "--densities",
    "0.1",
    "--rounds",
    "1",
    "--sections",
    "predict",
    "--no-digits",
  ]);
  assert.deepEqual(
    rows.map((r) => [r.data, r.section, r.implementation ?? null]),
    [
      ["synthetic bag of words", "memory", null],
      ["synthetic bag of words", "predict", "ts dense"],
      ["synthetic bag of words", "predict", "ts CSR"],
      ["synthetic bag of words", "predict", "wasm dense"],
    ],
  );
});
