import assert from "node:assert/strict";
import { parseCsv, readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches, scanCsv } from "../../lib/data/csv_stream.ts";
import { createPrng, type Prng } from "../../lib/core/random.ts";
import type { Dataset } from "../../lib/data/dataset.ts";

const SEED = 20261130;
const FILES = 400;

/** What one reader made of a file: its data set, or the class and message of its refusal. */
type Outcome =
  | { ok: true; data: Dataset }
  | { ok: false; error: string };

interface Case {
  path: string;
  text: string;
  delimiter: string;
  header: boolean;
  label: string | number | undefined;
  dtype: "float32" | "float64";
  /** Whether a quoted cell spans lines (read by parseCsv and readCsv, refused when streamed). */
  spansLines: boolean;
}

function pick<T>(prng: Prng, items: readonly T[]): T {
  return items[Math.floor(prng() * items.length)];
}

/** A quoted cell as a CSV writer writes it. */
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** A feature cell: mostly numbers in many spellings, sometimes a problem. */
function featureCell(prng: Prng, delimiter: string): string {
  const r = prng();
  if (r < 0.55) {
    return pick(prng, [
      "0",
      "1",
      "-2.5",
      "+3",
      ".5",
      "5.",
      "1e3",
      "-1.25E-2",
      "123456789012345678",
      "0.1",
      "  7  ",
      quote("4.5"),
      ` ${quote("-6")} `,
      String(prng() * 2000 - 1000),
      String(Math.floor(prng() * 100)),
    ]);
  }
  if (r < 0.88) return pick(prng, ["1", "2", "0.5", "-3"]);
  return problemCell(prng, delimiter);
}

/** A cell that no feature column accepts, or that breaks the CSV grammar. */
function problemCell(prng: Prng, delimiter: string): string {
  return pick(prng, [
    "",
    " ",
    "NA",
    "NaN",
    "?",
    "inf",
    "-Infinity",
    "abc",
    "0x10",
    "1e400",
    "1e39",
    "1_0",
    quote(""),
    quote(`a${delimiter}b`),
    quote('say "hi"'),
    'x"y',
    '1"',
    `${quote("1")}x`,
    quote("line\nbreak"),
  ]);
}

/** A label cell: a few classes, sometimes quoted or holding the delimiter, sometimes a problem. */
function labelCell(prng: Prng, delimiter: string): string {
  const r = prng();
  if (r < 0.9) {
    return pick(prng, [
      "cat",
      "dog",
      "0",
      "1",
      " 2 ",
      quote("cat"),
      quote(`b${delimiter}c`),
      quote('d "e"'),
    ]);
  }
  return pick(prng, ["", " ", quote(""), 'x"y', `${quote("a")}b`, quote("f\ng"), "NA"]);
}

function makeCase(prng: Prng, dir: string, k: number): Case {
  const delimiter = pick(prng, [",", ",", ";", "\t", "|"]);
  const header = prng() < 0.8;
  const width = 2 + Math.floor(prng() * 3);
  const labelCol = prng() < 0.5 ? width - 1 : Math.floor(prng() * width);
  const names = Array.from({ length: width }, (_, j) => j === labelCol ? "y" : `f${j}`);
  const nameRoll = prng();
  if (header && nameRoll < 0.1) names[Math.floor(prng() * width)] = quote(`n${delimiter}m`);
  else if (header && nameRoll < 0.15) names[Math.floor(prng() * width)] = "";
  else if (header && nameRoll < 0.2) names[width - 1] = names[0]; // a repeated name
  const labelRoll = prng();
  const label = labelCol === width - 1 && labelRoll < 0.5
    ? undefined
    : labelRoll < 0.75 || !header
    ? labelCol
    : names[labelCol] === "y"
    ? "y"
    : String(labelCol);
  const eol = prng() < 0.3 ? "\r\n" : "\n";
  const lines: string[] = [];
  if (header) lines.push(names.join(delimiter));
  const rows = Math.floor(prng() * 5);
  for (let i = 0; i < rows; i++) {
    if (prng() < 0.1) lines.push(pick(prng, ["", "  ", "\t"]));
    const cells = Array.from(
      { length: width },
      (_, j) => j === labelCol ? labelCell(prng, delimiter) : featureCell(prng, delimiter),
    );
    const shape = prng();
    if (shape < 0.06) cells.pop();
    else if (shape < 0.12) cells.push(featureCell(prng, delimiter));
    // A row of one field; a quoted empty cell alone is such a row, not a blank line.
    else if (shape < 0.14) {
      cells.splice(0, cells.length, pick(prng, ["1", quote(""), ` ${quote("")} `]));
    }
    lines.push(cells.join(delimiter));
  }
  const bom = prng() < 0.15 ? "\uFEFF" : "";
  const end = prng() < 0.8 ? eol : "";
  const text = bom + lines.join(eol) + (lines.length > 0 ? end : "");
  return {
    path: `${dir}/f${k}.csv`,
    text,
    delimiter,
    header,
    label,
    dtype: prng() < 0.5 ? "float64" : "float32",
    spansLines: lines.some((l) => l.includes("\n")),
  };
}

function refusal(error: unknown): Outcome {
  return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
}

/** The file read by parseCsv (on its text), readCsv and the streaming reader. */
async function readAllWays(c: Case): Promise<[Outcome, Outcome, Outcome]> {
  const options = { delimiter: c.delimiter, header: c.header, label: c.label, dtype: c.dtype };
  let text: Outcome, file: Outcome, stream: Outcome;
  try {
    text = { ok: true, data: parseCsv(c.text, { ...options, fileName: c.path }) };
  } catch (error) {
    text = refusal(error);
  }
  try {
    file = { ok: true, data: await readCsv(c.path, options) };
  } catch (error) {
    file = refusal(error);
  }
  try {
    const scan = await scanCsv(c.path, options);
    const values: number[] = [], y: number[] = [];
    let featureNames: readonly string[] = [];
    for await (const batch of readCsvBatches(c.path, { ...options, batchSize: 2, chunkBytes: 7 })) {
      values.push(...batch.x.data);
      for (const l of batch.labels) y.push(scan.classOf(l));
      featureNames = batch.featureNames;
    }
    const cols = scan.featureNames.length;
    stream = {
      ok: true,
      data: {
        x: {
          data: c.dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values),
          rows: y.length,
          cols,
        },
        y: Int32Array.from(y),
        classes: scan.classes,
        featureNames: [...featureNames],
      },
    };
  } catch (error) {
    stream = refusal(error);
  }
  return [text, file, stream];
}

/** Values and labels as python's csv module and float() read the files (an independent oracle). */
async function pythonRead(cases: Case[]): Promise<{ values: number[][]; labels: string[] }[]> {
  const script = `
import csv, json, sys
out = []
for c in json.load(sys.stdin):
    with open(c["path"], newline="", encoding="utf-8-sig") as f:
        rows = [[cell.strip() for cell in r] for r in csv.reader(f, delimiter=c["delimiter"], skipinitialspace=True)]
    rows = [r for r in rows if len(r) > 1 or (len(r) == 1 and r[0] != "")]
    label = c["label"]
    if label is None:
        k = len(rows[0]) - 1
    elif isinstance(label, int):
        k = label
    else:
        k = rows[0].index(label) if c["header"] and label in rows[0] else int(label)
    if c["header"]:
        rows = rows[1:]
    out.append({
        "values": [[repr(float(v)) for j, v in enumerate(r) if j != k] for r in rows],
        "labels": [r[k] for r in rows],
    })
json.dump(out, sys.stdout)
`;
  const input = cases.map((c) => ({
    path: c.path,
    delimiter: c.delimiter,
    header: c.header,
    label: c.label ?? null,
  }));
  const run = new Deno.Command("/usr/bin/python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = run.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { stdout, stderr, success } = await run.output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)).map(
    (r: { values: string[][]; labels: string[] }) => ({
      values: r.values.map((row) => row.map(Number)),
      labels: r.labels,
    }),
  );
}

function sameData(a: Dataset, b: Dataset, what: string): void {
  assert.equal(a.x.data.constructor, b.x.data.constructor, what);
  assert.deepEqual(
    [a.x.rows, a.x.cols, a.featureNames, a.classes],
    [b.x.rows, b.x.cols, b.featureNames, b.classes],
    what,
  );
  assert.deepEqual([...a.y], [...b.y], what);
  // Bit for bit: Object.is tells -0 from 0.
  for (let i = 0; i < a.x.data.length; i++) {
    assert.ok(Object.is(a.x.data[i], b.x.data[i]), `${what}: value ${i}`);
  }
}

Deno.test("parseCsv, readCsv and the streaming reader accept the same files alike and refuse the rest with the same message", async () => {
  const prng = createPrng(SEED);
  const dir = await Deno.makeTempDir({ prefix: "csv_agree_" });
  try {
    const cases = Array.from({ length: FILES }, (_, k) => makeCase(prng, dir, k));
    for (const c of cases) await Deno.writeTextFile(c.path, c.text);
    const valid: { c: Case; data: Dataset }[] = [];
    const counts = { accepted: 0, refused: 0, spansLines: 0, quotedEmptyRows: 0, numericLabels: 0 };
    for (const c of cases) {
      if (c.text.split(/\r?\n/).some((l) => l.trim() === quote(""))) counts.quotedEmptyRows++;
      const [text, file, stream] = await readAllWays(c);
      const what = `${c.path}: ${JSON.stringify(c.text)} ${
        JSON.stringify({ header: c.header, label: c.label, dtype: c.dtype })
      }`;
      assert.deepEqual(
        text.ok ? "accepted" : text.error,
        file.ok ? "accepted" : file.error,
        `parseCsv and readCsv differ on ${what}`,
      );
      if (text.ok && file.ok) sameData(text.data, file.data, `parseCsv and readCsv on ${what}`);
      if (c.spansLines) {
        // A quoted cell that spans lines is not streamed: refused, at the latest at its line.
        counts.spansLines++;
        assert.ok(!stream.ok, `streamed ${what}`);
        if (!text.ok && !/never closed/.test(text.error)) {
          // parseCsv refuses the file for an earlier problem, or for this one.
          if (!/streaming does not support/.test(stream.error)) {
            assert.equal(stream.error, text.error, `streaming differs on ${what}`);
          }
        }
        continue;
      }
      assert.deepEqual(
        stream.ok ? "accepted" : stream.error,
        text.ok ? "accepted" : text.error,
        `the streaming reader differs on ${what}`,
      );
      if (text.ok && stream.ok) {
        sameData(stream.data, text.data, `streamed and parseCsv on ${what}`);
        valid.push({ c, data: text.data });
        counts.accepted++;
      } else counts.refused++;
    }
    // Enough of each kind that the comparison means something.
    assert.ok(
      counts.accepted >= 60 && counts.refused >= 60 && counts.quotedEmptyRows >= 5,
      JSON.stringify(counts),
    );
    // The accepted files' values, as python's csv module and float() read them.
    const oracle = await pythonRead(valid.map((v) => v.c));
    valid.forEach(({ c, data }, i) => {
      const { values, labels } = oracle[i];
      const what = `${c.path}: ${JSON.stringify(c.text)}`;
      assert.equal(values.length, data.x.rows, what);
      const expected = values.flat();
      const round = c.dtype === "float32" ? Math.fround : (v: number) => v;
      for (let t = 0; t < expected.length; t++) {
        assert.ok(Object.is(data.x.data[t], round(expected[t])), `${what}: value ${t}`);
      }
      // Each row's class is its label as python reads it, exactly: the generated numeric labels
      // ("0", "1", " 2 ") are already in the classes' form, so no match by value is needed (one
      // let a class "2.0" for the label "2", or "" for "0", pass).
      labels.forEach((l, r) => {
        const cls = data.classes[data.y[r]];
        assert.equal(cls, l, `${what}: row ${r}`);
        if (/^\d$/.test(l)) counts.numericLabels++;
      });
    });
    // Rows with numeric labels were checked (the case where a match by value could hide a bug).
    assert.ok(counts.numericLabels >= 50, JSON.stringify(counts));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
