import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCsv, parseCsvStream } from "../../lib/data/csv.ts";
import { readCsvBatches } from "../../lib/data/csv_stream.ts";
import { encodeLabels } from "../../lib/data/dataset.ts";

const SEED = 20261128;

/** Rows of `cols` finite doubles and a label drawn from `labels`. */
function rowsOf(cols: number, labels: string[]) {
  return fc.array(
    fc.tuple(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
        minLength: cols,
        maxLength: cols,
      }),
      fc.constantFrom(...labels),
    ),
    { minLength: 1, maxLength: 20 },
  );
}

/** The rows as CSV (header `f0, f1, ..., label`), quoting cells that need it, or all of them. */
function csvText(
  rows: [number[], string][],
  form: { crlf: boolean; bom: boolean; quoteAll: boolean },
): string {
  const eol = form.crlf ? "\r\n" : "\n";
  const q = (s: string) => form.quoteAll || /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  const cols = rows[0][0].length;
  const header = [...Array.from({ length: cols }, (_, j) => `f${j}`), "label"].map(q).join(",");
  const body = rows.map(([xs, label]) => [...xs.map((v) => q(String(v))), q(label)].join(","));
  return (form.bom ? "\uFEFF" : "") + [header, ...body].join(eol) + eol;
}

Deno.test("any finite numeric table survives writing as CSV (quotes, CRLF, BOM) and parsing", () => {
  const table = fc.integer({ min: 1, max: 6 }).chain((cols) =>
    rowsOf(cols, ["a", "b, c", 'd "e"', "f\ng"])
  );
  fc.assert(
    fc.property(table, fc.boolean(), fc.boolean(), fc.boolean(), (rows, crlf, bom, quoteAll) => {
      const d = parseCsv(csvText(rows, { crlf, bom, quoteAll }));
      const cols = rows[0][0].length;
      assert.deepEqual([d.x.rows, d.x.cols], [rows.length, cols]);
      rows.forEach(([xs, label], i) => {
        // String(v) round-trips doubles exactly (-0 reads back as 0 through Number("0")).
        xs.forEach((v, j) =>
          assert.ok(Object.is(d.x.data[i * cols + j], v === 0 ? Number(String(v)) : v))
        );
        assert.equal(d.classes[d.y[i]], label);
      });
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("the streaming reader reads any such single-line table as parseCsv does, in any read chunks and column order", async () => {
  const table = fc.integer({ min: 1, max: 6 }).chain((cols) =>
    fc.tuple(
      rowsOf(cols, ["a", "b, c", 'd "e"', " f "]),
      fc.shuffledSubarray(Array.from({ length: cols }, (_, j) => j), { minLength: 1 }),
    )
  );
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 7 }),
        async ([rows, features], crlf, bom, quoteAll, chunkBytes, batchSize) => {
          const text = csvText(rows, { crlf, bom, quoteAll });
          await Deno.writeTextFile(file, text);
          const d = parseCsv(text);
          const values: number[] = [], labels: string[] = [];
          for await (
            const b of readCsvBatches(file, { features, chunkBytes, batchSize, dtype: "float64" })
          ) {
            values.push(...b.x.data);
            labels.push(...b.labels);
            assert.deepEqual(b.featureNames, features.map((j) => `f${j}`));
          }
          const cols = rows[0][0].length;
          const expected: number[] = [];
          for (let i = 0; i < rows.length; i++) {
            for (const j of features) expected.push(d.x.data[i * cols + j]);
          }
          assert.deepEqual(values, expected);
          // parseCsv trims labels too.
          assert.deepEqual(labels, Array.from(d.y, (c) => d.classes[c]));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("label encoding is a bijection onto sorted classes, independent of row order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 40 }),
      (labels) => {
        const { y, classes } = encodeLabels(labels);
        assert.equal(new Set(classes).size, classes.length);
        const reversed = encodeLabels([...labels].reverse());
        assert.deepEqual(reversed.classes, classes);
        labels.forEach((l, i) => {
          const numeric = labels.every((v) => v.trim() !== "" && Number.isFinite(Number(v)));
          assert.equal(classes[y[i]], numeric ? String(Number(l)) : l);
        });
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

/** The bytes of `text` cut at the given fractions into a stream of chunks. */
function chunked(text: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const at = [...new Set(cuts.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    if (c > prev) parts.push(bytes.slice(prev, c));
    prev = c;
  }
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
}

const cell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -5, max: 5 }).map(String),
);
const labelText = fc.constantFrom("a", "b, c", "é", "日本", "x\r\ny", 'q "r"');

Deno.test("a stream cut anywhere (inside UTF-8 characters, CRLF, quotes) parses as the whole text", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }).chain((cols) =>
        fc.array(fc.tuple(fc.array(cell, { minLength: cols, maxLength: cols }), labelText), {
          minLength: 1,
          maxLength: 12,
        })
      ),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      fc.array(fc.constantFrom("\n", "\r\n", "\r"), { minLength: 1, maxLength: 4 }),
      async (rows, cuts, eols) => {
        const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
        const cols = rows[0][0].length;
        const header = [...Array.from({ length: cols }, (_, j) => `f${j}`), "y"].join(",");
        const lines = [header, ...rows.map(([xs, l]) => [...xs, q(l)].join(","))];
        const text = "\uFEFF" + lines.map((l, i) => l + eols[i % eols.length]).join("");
        const streamed = await parseCsvStream(chunked(text, cuts));
        assert.deepEqual(streamed, parseCsv(text));
        rows.forEach(([xs, label], i) => {
          xs.forEach((v, j) => assert.equal(streamed.x.data[i * cols + j], Number(v)));
          assert.equal(streamed.classes[streamed.y[i]], label);
        });
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("a bad cell anywhere is reported at its line and column, whatever the line ends", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 3 }),
      fc.nat(),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
      fc.constantFrom("abc", "NaN", "", "0x1f", "1e999"),
      fc.array(fc.constantFrom("\n", "\r\n", "\r"), { minLength: 1, maxLength: 5 }),
      async (nRows, cols, where, cuts, bad, eols) => {
        const r = where % nRows, c = where % cols;
        const lines = [[...Array.from({ length: cols }, (_, j) => `f${j}`), "y"].join(",")];
        for (let i = 0; i < nRows; i++) {
          // a quoted label spanning two lines on every third row shifts the line numbers
          const label = i % 3 === 0 ? `"two${eols[i % eols.length]}lines"` : "one";
          const xs = Array.from({ length: cols }, (_, j) => (i === r && j === c ? bad : `${i}.5`));
          lines.push([...xs, label].join(","));
        }
        // line ends: LF, CRLF and CR in any mix
        const text = lines.map((l, i) => l + eols[(i + 1) % eols.length]).join("");
        // the bad row's first line: header (1) + rows before it, each 1 line or 2 when quoted
        let line = 2;
        for (let i = 0; i < r; i++) line += i % 3 === 0 ? 2 : 1;
        const expected = new RegExp(
          `^Cannot read CSV 'f.csv': line ${line}, column ${c + 1} \\("f${c}"\\) ` +
            (bad === "" ? "is empty; missing values are not read: " : `holds '${bad}'`),
        );
        await assert.rejects(
          () => parseCsvStream(chunked(text, cuts), { fileName: "f.csv" }),
          (e: Error) => e instanceof SyntaxError && expected.test(e.message),
        );
        assert.throws(
          () => parseCsv(text, { fileName: "f.csv" }),
          (e: Error) => e instanceof SyntaxError && expected.test(e.message),
        );
      },
    ),
    { seed: SEED, numRuns: 150 },
  );
});
