/// <reference lib="dom" />
/**
 * Executes every notebook under notebooks/ through Jupyter (twice), and checks that it ran,
 * that every figure cell produced a figure, that the same seeds gave the same numbers, and that
 * the HTML write-up draws its charts in Chromium with no network.
 *
 * A notebook whose metadata says `lrcompress.heavy: true` (one that takes about a minute or more)
 * runs twice too; `LRC_NOTEBOOKS_TWICE=light` runs those once, with every check but the repeat,
 * for a quicker local run.
 */
import assert from "node:assert/strict";
import {
  browserUnavailable,
  launchChromium,
  OFFLINE,
  PAGE_LOAD_TIMEOUT,
  restrictNetwork,
} from "../_helpers/browser.ts";
import {
  executeNotebook,
  type ExecuteResult,
  listNotebooks,
  missingRequirements,
} from "../../notebooks/runner/run.ts";
import { PLOTLY_MIME } from "../../lib/plot/display.ts";
import {
  type Cell,
  isFigureCell,
  joined,
  type Notebook,
  notebooksUnavailable,
  readNotebook,
} from "./_notebooks.ts";

const unavailable = await notebooksUnavailable();
const noBrowser = browserUnavailable();
const twiceForAll = Deno.env.get("LRC_NOTEBOOKS_TWICE") !== "light";

/** Whether a notebook is marked as heavy (run once by the tests). */
function isHeavy(nb: Notebook): boolean {
  const meta = nb.metadata.lrcompress as { heavy?: unknown } | undefined;
  return meta?.heavy === true;
}

/** What must be equal between two runs: every text and figure output, cell by cell. */
function numbers(nb: Notebook): string[] {
  return nb.cells.filter((c) => c.cell_type === "code").map((c) =>
    JSON.stringify((c.outputs ?? []).map((o) => ({
      type: o.output_type,
      text: o.text === undefined ? undefined : joined(o.text),
      plain: o.data?.["text/plain"] === undefined ? undefined : joined(o.data["text/plain"]),
      figure: o.data?.[PLOTLY_MIME],
    })))
  );
}

function figureOutputs(cell: Cell) {
  return (cell.outputs ?? []).filter((o) => o.data?.[PLOTLY_MIME] !== undefined);
}

for (const path of listNotebooks()) {
  const name = path.replace(/^.*\//, "");
  const source = await readNotebook(path);
  const needs = missingRequirements(source);
  const reason = unavailable ?? (needs.length ? `needs ${needs.join(", ")}` : null);
  const twice = twiceForAll || !isHeavy(source);
  Deno.test({
    name: `notebook ${name} runs top to bottom, draws its figures` +
      (twice ? " and repeats its numbers" : " (heavy: run once)") +
      (reason ? ` (skipped: ${reason})` : ""),
    ignore: reason !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      const dir = await Deno.makeTempDir({ prefix: "lrc-nb-" });
      try {
        const runs: ExecuteResult[] = [];
        await t.step("is committed without outputs", () => {
          for (const cell of source.cells) {
            assert.deepEqual(cell.outputs ?? [], [], `a cell of ${name} has outputs`);
          }
        });
        await t.step(
          `executes ${twice ? "twice" : "once"} through nbclient without a failing cell`,
          async () => {
            for (const run of twice ? [1, 2] : [1]) {
              const r = await executeNotebook(path, {
                outDir: `${dir}/run${run}`,
                html: run === 1,
              });
              assert.equal(r.status, "ok", `run ${run} failed:\n${r.error}`);
              assert.equal(r.executed, r.codeCells);
              runs.push(r);
            }
          },
        );
        const first = await readNotebook(runs[0].notebookPath);
        const second = twice ? await readNotebook(runs[1].notebookPath) : null;
        await t.step("every figure cell shows a figure as plotly JSON and HTML", () => {
          const figures = first.cells.filter(isFigureCell);
          assert.ok(figures.length > 0, "no cell is tagged 'figure'");
          first.cells.forEach((cell, i) => {
            const shown = figureOutputs(cell);
            if (!isFigureCell(cell)) {
              assert.equal(shown.length, 0, `cell ${i} shows a figure but is not tagged 'figure'`);
              return;
            }
            assert.equal(shown.length, 1, `figure cell ${i} shows ${shown.length} figures`);
            const data = shown[0].data!;
            const figure = data[PLOTLY_MIME] as { data: unknown[]; layout: unknown };
            assert.ok(Array.isArray(figure.data) && figure.data.length > 0, `cell ${i}: no traces`);
            const html = joined(data["text/html"]);
            // The HTML draws the same figure as the JSON.
            const spec = JSON.parse(/var spec = (.*);\n/.exec(html)![1]);
            assert.deepEqual(spec.data, figure.data, `cell ${i}: HTML and JSON differ`);
            assert.deepEqual(spec.layout, figure.layout);
            assert.ok(joined(data["text/plain"]).length > 0);
          });
          // plotly.js travels with the first figure of the kernel session only.
          const htmls = figures.map((c) => joined(figureOutputs(c)[0].data!["text/html"]));
          assert.ok(htmls[0].includes("inlined by lrcompress"), "first figure lacks plotly.js");
          for (const h of htmls.slice(1)) assert.ok(!h.includes("inlined by lrcompress"));
        });
        await t.step({
          name: "the same seeds give the same numbers in both runs" +
            (second
              ? ""
              : " (skipped: heavy notebook run once, as LRC_NOTEBOOKS_TWICE=light asks)"),
          ignore: second === null,
          fn: () => {
            const a = numbers(first), b = numbers(second!);
            assert.equal(a.length, b.length);
            a.forEach((cell, i) => assert.equal(b[i], cell, `code cell ${i} differs between runs`));
          },
        });
        await t.step("it prints numbers", () => {
          assert.ok(
            numbers(first).some((cell) => /\d/.test(cell)),
            "no numbers were printed at all",
          );
        });
        await t.step({
          name: "the HTML write-up draws every chart in Chromium with no network" +
            (noBrowser ? ` (skipped: ${noBrowser})` : ""),
          ignore: noBrowser !== null,
          fn: async () => {
            const browser = await launchChromium();
            try {
              const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
              const blocked = await restrictNetwork(page, OFFLINE);
              const errors: string[] = [];
              page.on("pageerror", (e) => errors.push(String(e)));
              await page.goto(`file://${runs[0].htmlPath}`, { timeout: PAGE_LOAD_TIMEOUT });
              const expected = first.cells.filter(isFigureCell).length;
              await page.waitForFunction(
                (n) =>
                  [...document.querySelectorAll(".lrc-plotly")]
                    .filter((d) => d.querySelector(".main-svg")).length >= n,
                expected,
                { timeout: 60_000 },
              );
              const drawn = await page.$$eval(
                ".lrc-plotly",
                (divs) => divs.filter((d) => d.querySelector(".main-svg")).length,
              );
              assert.equal(drawn, expected);
              assert.deepEqual(blocked, [], "the write-up tried to reach the network");
              assert.deepEqual(errors, []);
            } finally {
              await browser.close();
            }
          },
        });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("a notebook's requirements must be a list: a string is not read letter by letter", () => {
  const metadata = (requires: unknown) => ({ metadata: { lrcompress: { requires } } });
  assert.deepEqual(missingRequirements(metadata("fashion-mnist")), [
    'lrcompress.requires must be a list of names, got "fashion-mnist"',
  ]);
  assert.deepEqual(missingRequirements(metadata(["no-such-thing"])), [
    "unknown requirement 'no-such-thing'",
  ]);
  assert.deepEqual(missingRequirements({ metadata: {} }), []);
});
