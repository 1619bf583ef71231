import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCsv } from "../../lib/data/csv.ts";
import { encodeLabels } from "../../lib/data/dataset.ts";

const SEED = 20261128;

Deno.test("any finite numeric table survives writing as CSV (quotes, CRLF, BOM) and parsing", () => {
  const table = fc.integer({ min: 1, max: 6 }).chain((cols) =>
    fc.array(
      fc.tuple(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: cols,
          maxLength: cols,
        }),
        fc.constantFrom("a", "b, c", 'd "e"', "f\ng"),
      ),
      { minLength: 1, maxLength: 20 },
    )
  );
  fc.assert(
    fc.property(table, fc.boolean(), fc.boolean(), fc.boolean(), (rows, crlf, bom, quoteAll) => {
      const eol = crlf ? "\r\n" : "\n";
      const q = (s: string) => (quoteAll || /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
      const cols = rows[0][0].length;
      const header = [...Array.from({ length: cols }, (_, j) => `f${j}`), "label"].map(q).join(",");
      const body = rows.map(([xs, label]) => [...xs.map((v) => q(String(v))), q(label)].join(","));
      const text = (bom ? "\uFEFF" : "") + [header, ...body].join(eol) + eol;
      const d = parseCsv(text);
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
