/**
 * The sentence under the report's trade-off figures says which accuracy the black staircase (the
 * Pareto front) is of. It said "the front is on the plotted accuracy"; the front that lrc
 * compress prints, and the search's choice, are on validation accuracy.
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { compressionReportSections } from "../../lib/cli/compress_report.ts";
import type { CompressionReportInput } from "../../lib/cli/compress_report.ts";
import type { CandidateReport, ModelReport, SweepResult } from "../../lib/compress/types.ts";

/** A measured model: the fields the report's sweep sections read. */
function row(name: string, bytes: number, validation: number, test: number | null) {
  return {
    name,
    bytes,
    validation: { accuracy: validation },
    test: test === null ? null : { accuracy: test },
    prune: null,
    quantization: null,
  } as unknown as CandidateReport;
}

/** The sweep section's sentence and the x values of its staircase. */
function sweepFront(withTest: boolean): { text: string; frontBytes: unknown } {
  const t = (v: number) => (withTest ? v : null);
  // By validation accuracy the 200-byte model is bigger and worse than the 100-byte one: off the
  // front. By test accuracy it is the more accurate: on it.
  const rows = [row("small", 100, 0.9, t(0.8)), row("large", 200, 0.85, t(0.95))];
  const dense = row("dense", 800, 0.95, t(0.96)) as unknown as ModelReport;
  const sweep = { dense, rows, front: [0] } as unknown as SweepResult;
  const input = {
    source: "test",
    mode: "sweep",
    dense,
    result: null,
    sweep,
    test: { x: { data: new Float64Array(0), rows: 0, cols: 0 }, y: new Int32Array(0) },
  } as unknown as CompressionReportInput;
  const section = compressionReportSections(input)[0];
  // deno-lint-ignore no-explicit-any
  const front = (section.figure.data as any[]).find((d) => d.name === "Pareto front");
  return { text: section.text!, frontBytes: front.x };
}

Deno.test("the sweep report names the accuracy its staircase is the Pareto front of", () => {
  const tested = sweepFront(true);
  assert.deepEqual(tested.frontBytes, [100, 200], "drawn on test accuracy");
  assert.match(
    tested.text,
    /The black staircase is the Pareto front of test accuracy, the accuracy plotted: the models more accurate than every smaller one; the front printed by lrc compress is of validation accuracy, and may hold other models\.$/,
  );
  assert.doesNotMatch(tested.text, /plotted accuracy/);

  const untested = sweepFront(false);
  assert.deepEqual(untested.frontBytes, [100], "drawn on validation accuracy");
  assert.match(
    untested.text,
    /The black staircase is the Pareto front of validation accuracy, the accuracy plotted: the models more accurate than every smaller one\.$/,
  );
});

Deno.test("the search report says its choice was made on validation accuracy, not the test accuracy of its staircase", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli([
      ...["compress", "--dataset", "breast-cancer", "--max-iterations", "100"],
      ...["--fine-tune-steps", "30", "--budget", "1", "--sparsity", "0,0.5", "--bits", "2,4"],
      ...["--method", "uniform", "--report", `${dir}/r.html`, "--quiet"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(
      html.includes(
        "The black staircase is the Pareto front of test accuracy, the accuracy plotted: the " +
          "models more accurate than every smaller one; the search chose on validation " +
          "accuracy, so its choice may lie off it.",
      ),
    );
    assert.ok(!html.includes("plotted accuracy."));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
