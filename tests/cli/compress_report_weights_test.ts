/**
 * The report of `lrc compress --class-weight` says the models were trained with class weights, as
 * the text output's `weights` line and `--json`'s `classWeight` do, with the labels as text; with
 * `--weight-column`, it says the training rows were weighted by that column.
 */
import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { quotedText } from "../../lib/core/validate.ts";
import { readCsv } from "../../lib/data/csv.ts";
import { trainTestSplit } from "../../lib/data/preprocess.ts";
import { plotlyScript } from "../../lib/plot/html.ts";

const HOSTILE = "</script><script>window.pwned = 1</script>";

/** 200 rows of two features, one in ten of class `rare` (told apart by a), the rest "neg". */
function csv(rare: string): string {
  const lines = ["a,b,y"];
  for (let i = 0; i < 200; i++) {
    const positive = i % 10 === 0;
    const a = (positive ? 1.5 : 0) + ((i * 7919) % 13) / 10;
    lines.push(`${a},${((i * 104729) % 97) / 50},"${positive ? rare : "neg"}"`);
  }
  return lines.join("\n") + "\n";
}

/** HTML's character references as a browser decodes them (the ones escaping writes). */
function htmlText(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!,
  );
}

/** The report's paragraphs, as a browser shows them, and the tags of the page besides plotly.js. */
async function page(path: string): Promise<{ paragraphs: string[]; tags: string[] }> {
  const html = await Deno.readTextFile(path);
  const rest = html.replace(await plotlyScript(), "");
  return {
    paragraphs: [...rest.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => htmlText(m[1])),
    tags: [...new Set([...rest.matchAll(/<(\/?[a-z!][a-z0-9]*)/gi)].map((m) => m[1]))],
  };
}

const FAST = ["--max-iterations", "100", "--fine-tune-steps", "30", "--quiet"];

Deno.test("the compress report states the class weights of a --class-weight run, and nothing of weights without", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-report-weights-" });
  try {
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(data, csv("pos"));
    const run = async (name: string, extra: string[]) => {
      const r = await runCli([
        ...["compress", "--data", data, ...FAST, "--report", `${dir}/${name}.html`, ...extra],
      ]);
      assert.equal(r.code, 0, r.stderr);
      return (await page(`${dir}/${name}.html`)).paragraphs;
    };
    // Given weights: "neg" (not named) weighs 1.
    const weighted = await run("w", ["--class-weight", "pos=19"]);
    const stated = weighted.filter((p) => p.includes("class weights"));
    assert.equal(stated.length, 1, weighted.join("\n"));
    assert.match(
      stated[0],
      /Data: .*\. Trained with class weights given \(--class-weight\): "neg" 1, "pos" 19;/,
    );
    // The sweep's report, which has no stage section, says them too.
    const sweep = await run("s", [
      ...["--class-weight", "pos=19", "--sweep", "--sparsity", "0,0.5", "--method", "uniform"],
      ...["--bits", "8"],
    ]);
    assert.equal(sweep.filter((p) => p.includes(`"neg" 1, "pos" 19;`)).length, 1, sweep.join("\n"));
    // Without the option, no word of weights.
    for (const plain of [await run("p", []), await run("ps", ["--sweep", "--sparsity", "0,0.5"])]) {
      assert.ok(plain.length > 0);
      assert.ok(
        plain.every((p) => !/weight(s|ed)? (by|of) class|class weight/i.test(p)),
        plain.join("\n"),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress report's class-weight sentence keeps a label that looks like markup as text", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-report-weights-" });
  try {
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(data, csv(HOSTILE));
    const r = await runCli([
      ...["compress", "--data", data, ...FAST, "--class-weight", "balanced"],
      ...["--report", `${dir}/r.html`],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { paragraphs, tags } = await page(`${dir}/r.html`);
    // No label became a tag: the page's elements are the report's own.
    const own = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p"]
      .concat(["div", "script"]);
    assert.deepEqual(tags.filter((t) => !own.includes(t.replace("/", ""))), []);
    // "script" is one of the page's own tags: the label's must not appear as markup anywhere
    // (the sentence, or the figures' data inside the page's scripts).
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(!html.includes("<script>window.pwned"), "the label's script tag is in the page");
    // "balanced" on the command's training part (--test-fraction 0.25, seed 0): n / (2 n_c).
    const d = await readCsv(data);
    const train = trainTestSplit(d.x, d.y, { testFraction: 0.25, seed: 0 }).yTrain;
    const count = (c: number) => train.filter((y) => y === c).length;
    const weight = (label: string) => {
      const c = d.classes.indexOf(label);
      return Number((train.length / (2 * count(c))).toPrecision(4));
    };
    const expected = `Trained with class weights balanced (--class-weight): ` +
      [...d.classes].sort().map((l) => `${quotedText(l)} ${weight(l)}`).join(", ") + ";";
    assert.ok(d.classes.includes(HOSTILE));
    assert.ok(weight(HOSTILE) > 1);
    assert.ok(
      paragraphs.some((p) => p.includes(expected)),
      `${expected}\n${paragraphs.join("\n")}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the compress report states the row weights of a --weight-column run, with the class weights", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc-report-weights-" });
  try {
    // The class-weight data with a weight column w first (1, 2 or 3 by row), named as markup.
    const rows = csv("pos").trimEnd().split("\n");
    const column = "<w>";
    const weightOf = (i: number) => 1 + (i % 3);
    const text = [`"${column}",${rows[0]}`, ...rows.slice(1).map((r, i) => `${weightOf(i)},${r}`)]
      .join("\n") + "\n";
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(data, text);
    const run = async (name: string, extra: string[]) => {
      const r = await runCli([
        ...["compress", "--data", data, "--label", "y", ...FAST, "--json"],
        ...["--report", `${dir}/${name}.html`, ...extra],
      ]);
      assert.equal(r.code, 0, r.stderr);
      return {
        paragraphs: (await page(`${dir}/${name}.html`)).paragraphs,
        json: JSON.parse(r.stdout),
      };
    };
    // The training rows: the command's split (--test-fraction 0.25, seed 0) of the rows' indices.
    const d = await readCsv(data, { label: "y" });
    const index = Float64Array.from({ length: d.y.length }, (_, i) => i);
    const split = trainTestSplit({ data: index, rows: d.y.length, cols: 1 }, d.y, {
      testFraction: 0.25,
      seed: 0,
    });
    let sum = 0;
    for (const i of split.xTrain.data) sum += weightOf(i);
    const { paragraphs, json } = await run("w", ["--weight-column", column]);
    assert.equal(json.sampleWeight.sum, sum);
    // Of which the search trains on those its validation split (a fifth, seed 0) keeps.
    const fit = trainTestSplit(split.xTrain, split.yTrain, { testFraction: 0.2, seed: 0 }).xTrain;
    let fitSum = 0;
    for (const i of fit.data) fitSum += weightOf(i);
    const sentence = `Training rows weighted by column ${quotedText(column)} (--weight-column): ` +
      `sum ${sum} over the ${split.yTrain.length} training rows, of which the search trains on ` +
      `${fit.rows} (sum ${fitSum}), not on the ${split.yTrain.length - fit.rows} validation rows;`;
    assert.equal(paragraphs.filter((p) => p.includes(sentence)).length, 1, paragraphs.join("\n"));
    // With class weights too, both are said, and the rows' weights times the class weights.
    const both = (await run("b", ["--weight-column", column, "--class-weight", "pos=19"]))
      .paragraphs;
    const said = both.filter((p) => p.includes("(--weight-column)"));
    assert.equal(said.length, 1, both.join("\n"));
    assert.match(said[0], /"pos" 19;.* training rows \(times the class weights\), of which/);
    // Without the option, not a word of it.
    const plain = (await run("p", [])).paragraphs;
    assert.ok(plain.every((p) => !p.includes("--weight-column")), plain.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
