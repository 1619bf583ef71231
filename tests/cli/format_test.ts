// The report formats of lib/cli/format.ts, against tables and numbers written out by hand.
import assert from "node:assert/strict";
import { formatTable, percent, pointsText, ratioText } from "../../lib/cli/format.ts";

Deno.test("formatTable pads each column to its widest cell or header, numbers on the right", () => {
  // Mutations that passed every test (mutation audit): widths taken from the cells only (a
  // header wider than its cells overflowed its rule) and a count like '4.0x' taken for text.
  // Widths by hand: 13 ('pruned (90 %)'), 8 (the header 'accuracy'), 6 ('12,345'). Numbers,
  // percentages and factors are right-aligned, text left-aligned; no line ends in spaces.
  const table = formatTable(["model", "accuracy", "size"], [
    ["dense", "84.46 %", "4.0x"],
    ["pruned (90 %)", "-1.5", "12,345"],
    ["x", "n/a", "?"],
  ]);
  assert.equal(
    table,
    [
      "model          accuracy  size",
      "-------------  --------  ------",
      "dense           84.46 %    4.0x",
      "pruned (90 %)      -1.5  12,345",
      "x              n/a       ?",
    ].join("\n"),
  );
  // A number in exponent form is a number; a header is aligned by the same rule as a cell.
  assert.equal(
    formatTable(["1", "b"], [["1e-5", "t"]]),
    ["   1  b", "----  -", "1e-5  t"].join("\n"),
  );
});

Deno.test("percent, pointsText and ratioText write their documented examples", () => {
  // The JSDoc's examples: 0.8446 -> '84.46 %'; -0.74 ± 0.91 points (both in points, the
  // standard error too: it was printed as a fraction by a mutation that passed every test);
  // 4.00 x smaller, 2.50 x larger below a ratio of 1 only, so a file at the baseline is
  // '1.00 x smaller' (not '1.00 x larger').
  assert.equal(percent(0.8446), "84.46 %");
  assert.equal(percent(1), "100.00 %");
  assert.equal(pointsText({ difference: -0.0074, standardError: 0.0091 }), "-0.74 ± 0.91 points");
  assert.equal(pointsText({ difference: 0.025, standardError: 0.005 }), "+2.50 ± 0.50 points");
  assert.equal(ratioText(4), "4.00 x smaller");
  assert.equal(ratioText(0.4), "2.50 x larger");
  assert.equal(ratioText(1), "1.00 x smaller");
});
