import assert from "node:assert/strict";
import { parseCsv, parseCsvStream, readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches, readCsvColumns } from "../../lib/data/csv_stream.ts";
import { encodeModel } from "../../lib/io/model_file.ts";
import { fit } from "../../lib/model/fit.ts";
import { osProblem } from "../_helpers/os.ts";

const opts = { fileName: "t.csv" };

Deno.test("reads a header, features and the last column as label by default", () => {
  const d = parseCsv("a,b,y\n1,2,yes\n3,4,no\n5,6,yes\n", opts);
  assert.deepEqual(d.featureNames, ["a", "b"]);
  assert.deepEqual(d.classes, ["no", "yes"]);
  assert.deepEqual([...d.y], [1, 0, 1]);
  assert.deepEqual([...d.x.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([d.x.rows, d.x.cols], [3, 2]);
});

Deno.test("selects the label column by name or by index, anywhere in the row", () => {
  const text = "y,a,b\n1,0.5,2\n0,1.5,3\n";
  const byName = parseCsv(text, { label: "y" });
  const byIndex = parseCsv(text, { label: 0 });
  const byDigits = parseCsv(text, { label: "0" });
  for (const d of [byName, byIndex, byDigits]) {
    assert.deepEqual(d.featureNames, ["a", "b"]);
    assert.deepEqual([...d.x.data], [0.5, 2, 1.5, 3]);
    assert.deepEqual([...d.y], [1, 0]);
  }
});

Deno.test("reads files without a header, naming columns by position", () => {
  const d = parseCsv("1,2,a\n3,4,b\n", { header: false });
  assert.deepEqual(d.featureNames, ["column_1", "column_2"]);
  assert.equal(d.x.rows, 2);
});

Deno.test("orders numeric labels numerically and merges equal numbers", () => {
  const d = parseCsv("x,y\n0,10\n1,9\n2,9.0\n3,2\n");
  assert.deepEqual(d.classes, ["2", "9", "10"]);
  assert.deepEqual([...d.y], [2, 1, 1, 0]);
});

Deno.test("handles a byte-order mark, CRLF, quoted commas and newlines", () => {
  const d = parseCsv('\uFEFF"a",b,label\r\n1,2,"x, y"\r\n3,4,"multi\nline"\r\n', opts);
  assert.deepEqual(d.featureNames, ["a", "b"]);
  assert.deepEqual(d.classes, ["multi\nline", "x, y"]);
  assert.deepEqual([...d.x.data], [1, 2, 3, 4]);
});

Deno.test("names missing header names by position", () => {
  const d = parseCsv(",b,y\n1,2,0\n3,4,1\n");
  assert.deepEqual(d.featureNames, ["column_1", "b"]);
});

Deno.test("skips blank lines and reports line numbers past them", () => {
  const err = assert.throws(() => parseCsv("a,y\n1,0\n\n\nx,1\n", opts), SyntaxError);
  void err;
  assert.throws(() => parseCsv("a,y\n1,0\n\n\nx,1\n", opts), /line 5, column 1 \("a"\)/);
});

const bad: [string, string, RegExp, typeof SyntaxError | typeof RangeError][] = [
  ["an empty file", "", /Cannot read CSV 't.csv': the file is empty/, SyntaxError],
  ["a blank file", " \n\n", /the file is empty/, SyntaxError],
  ["a header only", "a,b,y\n", /has a header but no data rows/, SyntaxError],
  ["a ragged row", "a,b,y\n1,2,0\n3,1\n", /line 3 has 2 fields, the header has 3/, SyntaxError],
  [
    "a non-numeric cell",
    "a,b,y\n1,2,0\n3,abc,1\n",
    /line 3, column 2 \("b"\) holds 'abc', which is not a finite decimal number/,
    SyntaxError,
  ],
  ["an empty cell", "a,b,y\n1,,0\n", /line 2, column 2 \("b"\) is empty/, SyntaxError],
  ["NaN", "a,y\nNaN,0\n", /line 2, column 1 \("a"\) holds 'NaN'/, SyntaxError],
  ["inf", "a,y\ninf,0\n", /holds 'inf', which is not a finite decimal number/, SyntaxError],
  // Number() reads 'Infinity', which no decimal numeral overflowed to: it said "overflows to".
  [
    "Infinity",
    "a,y\n-Infinity,0\n",
    /holds '-Infinity', which is not a finite decimal number$/,
    SyntaxError,
  ],
  ["+Infinity", "a,y\n+Infinity,0\n", /'\+Infinity', which is not a finite decimal/, SyntaxError],
  ["1e400", "a,y\n1e400,0\n", /holds '1e400', which overflows to Infinity/, SyntaxError],
  ["an empty label", "a,y\n1,\n", /line 2, label column 2 \("y"\) is empty/, SyntaxError],
  ["duplicate header names", "a,a,y\n1,2,0\n", /columns 1 and 2 are both named "a"/, RangeError],
  [
    "an unknown label column",
    "a,b\n1,0\n",
    /no column named "z" \(columns: \["a","b"\]\)/,
    RangeError,
  ],
  [
    "an unclosed quote",
    'a,y\n1,"0\n',
    /line 2, column 2: a quoted cell is never closed/,
    SyntaxError,
  ],
  ["a single column", "y\n1\n", /a feature and a label column are needed/, SyntaxError],
];
for (const [what, text, message, type] of bad) {
  Deno.test(`refuses ${what} with a message naming file, line and column`, () => {
    assert.throws(
      () => parseCsv(text, { ...opts, label: what.includes("unknown") ? "z" : undefined }),
      (e: unknown) => {
        assert.ok(e instanceof type, `${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, message);
        assert.match((e as Error).message, /^Cannot read CSV 't.csv': /);
        return true;
      },
    );
  });
}

Deno.test("an unclosed quote is reported on the line of its record, not where the text ends", async () => {
  // csv-parse names the last line ("near line 1002" for a quote opened on line 3 of 1002).
  const rows = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => `${from + i},${i % 2}\n`).join("");
  const cases: [string, string][] = [
    ["after one row", `a,y\n${rows(1, 0)}1,"0\n${rows(999, 2)}`],
    ["after blank lines", `a,y\n${rows(5, 0)}\n\n \n"9,1\n${rows(20, 10)}`],
    ["after a label on three lines", `a,y\n1,"x\n\ny"\n\n${rows(3, 2)}7,"1\n${rows(4, 8)}`],
    ["with CRLF line ends", `a,y\r\n1,"x\r\ny"\r\n2,0\r\n3,"1\r\n4,1\r\n`],
  ];
  for (const [what, text] of cases) {
    // Each text's unclosed quote is its last quote, at the start of its record's second cell
    // (the first in "after blank lines").
    const line = text.slice(0, text.lastIndexOf('"')).split(/\r\n|\n/).length;
    const column = what === "after blank lines" ? 1 : 2;
    const expected =
      `Cannot read CSV '<csv>': line ${line}, column ${column}: a quoted cell is never closed`;
    const check = (e: Error) => e instanceof SyntaxError && e.message === expected;
    assert.throws(() => parseCsv(text), check, what);
    await assert.rejects(() => parseCsvStream(new Blob([text]).stream()), check, what);
  }
});

Deno.test("reads 10^5 features in one row", () => {
  const n = 100_000;
  const header = Array.from({ length: n }, (_, j) => `f${j}`).join(",") + ",y\n";
  const row = (v: number) => Array.from({ length: n }, (_, j) => String((j % 7) * v)).join(",");
  const d = parseCsv(header + row(1) + ",a\n" + row(2) + ",b\n");
  assert.equal(d.x.cols, n);
  assert.equal(d.x.data[n + 6], 12);
});

Deno.test("readCsv names a missing file and refuses files over the size limit", async () => {
  await assert.rejects(
    () => readCsv("/nonexistent/x.csv"),
    /Cannot read CSV '\/nonexistent\/x.csv'/,
  );
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, "a,y\n1,0\n2,1\n");
    await assert.rejects(() => readCsv(path, { maxBytes: 5 }), RangeError);
    const d = await readCsv(path);
    assert.deepEqual([...d.x.data], [1, 2]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readCsv refuses a maxBytes that is not a number >= 0 instead of reading without a limit", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, "a,y\n1,0\n2,1\n");
    for (const maxBytes of [NaN, -5, "100" as unknown as number]) {
      // A string is the wrong type, a NaN or a negative number out of range.
      const kind = typeof maxBytes === "number" ? "RangeError" : "TypeError";
      await assert.rejects(
        () => readCsv(path, { maxBytes }),
        new RegExp(`^${kind}: Cannot read CSV '[^']+': maxBytes must be a number >= 0, got `),
        String(maxBytes),
      );
    }
    // No limit at all is Infinity.
    assert.equal((await readCsv(path, { maxBytes: Infinity })).x.rows, 2);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("refuses a header that is not a boolean and a dtype it does not know, instead of guessing", async () => {
  const text = "a,y\n1,x\n";
  // "no" would read as true (a header), "int8" as float64.
  assert.throws(
    () => parseCsv(text, { header: "no" as unknown as boolean }),
    /^TypeError: Cannot read CSV '<csv>': header must be a boolean, got string "no"$/,
  );
  assert.throws(
    () => parseCsv(text, { dtype: "int8" as "float32" }),
    /^RangeError: Cannot read CSV '<csv>': dtype must be float32 or float64, got string "int8"$/,
  );
  await assert.rejects(
    () => parseCsvStream(new Blob([text]).stream(), { dtype: "float16" as "float32" }),
    /^RangeError: Cannot read CSV '<csv>': dtype must be float32 or float64/,
  );
});

Deno.test("refuses a delimiter or label of the wrong type or an unusable delimiter, not as invalid CSV", async () => {
  // csv-parse's refusal of the delimiter option read as "SyntaxError: ... invalid CSV near line ?:
  // Invalid option delimiter ...", and a boolean label as "no column named 'true'".
  const text = "a,y\n1,x\n2,z\n";
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(file, text);
  const readers = [
    (o: object) => Promise.resolve().then(() => parseCsv(text, o)),
    (o: object) => parseCsvStream(new Blob([text]).stream(), o),
    (o: object) => readCsv(file, o),
  ];
  try {
    for (const read of readers) {
      for (
        const [options, type, message] of [
          [{ delimiter: 5 }, TypeError, /: delimiter must be a string, got number 5$/],
          [{ delimiter: "" }, RangeError, /: delimiter must be a non-empty string .*, got ""$/],
          [{ delimiter: '"' }, RangeError, /without a quote or a line break, got "\\""$/],
          [{ delimiter: "\n" }, RangeError, /without a quote or a line break, got "\\n"$/],
          [
            { label: true },
            TypeError,
            /: label must be a column name or .* index, got boolean true$/,
          ],
          [
            { label: null },
            TypeError,
            /: label is null: give a value, or leave it out for its default$/,
          ],
        ] as const
      ) {
        await assert.rejects(() => read(options), (e: Error) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          assert.match(e.message, /^Cannot read CSV '[^']+': /);
          assert.match(e.message, message);
          return true;
        });
      }
      assert.deepEqual([...(await read({ delimiter: ",", label: "y" })).x.data], [1, 2]);
    }
    // A delimiter of several characters, which csv-parse reads, is still read.
    assert.deepEqual([...parseCsv("a::y\n1::x\n2::z\n", { delimiter: "::" }).x.data], [1, 2]);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("parseCsvStream refuses what is not a stream with a TypeError, not as invalid CSV", async () => {
  // Text passed where bytes go read as "SyntaxError: ... invalid CSV near line ?: stream.pipeThrough
  // is not a function".
  await assert.rejects(
    () => parseCsvStream("a,y\n1,x\n" as unknown as ReadableStream<Uint8Array>),
    /^TypeError: Cannot read CSV '<csv>': stream must be a ReadableStream of bytes, got string "a,y\\n1,x\\n"$/,
  );
});

Deno.test("float32 storage on request", () => {
  const d = parseCsv("a,y\n0.1,0\n", { dtype: "float32" });
  assert.ok(d.x.data instanceof Float32Array);
  assert.equal(d.x.data[0], Math.fround(0.1));
});

Deno.test("lines of blanks only are skipped like empty lines", () => {
  const d = parseCsv("a,y\n1,0\n   \n\t\n2,1\n", opts);
  assert.deepEqual([...d.x.data], [1, 2]);
  assert.throws(() => parseCsv("a,y\n1,0\n , \n", opts), /line 3, column 1 \("a"\) is empty/);
});

Deno.test("a line holding only a quoted empty cell is a row of one field, not a blank line, in every reader", async () => {
  // RFC 4180 and python's csv module read `""` as one empty field (python: ['']), not as no row.
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const cases: [string, boolean, string][] = [
      [
        'a,y\n1,0\n""\n2,1\n',
        true,
        'line 3 has 1 field, the header has 2: column 2 ("y") is missing',
      ],
      [
        'a,y\n1,0\n "" \r\n',
        true,
        'line 3 has 1 field, the header has 2: column 2 ("y") is missing',
      ],
      ['""\na,y\n1,0\n', true, "it has 1 column; a feature and a label column are needed"],
      ['""\n1,0\n', false, "it has 1 column; a feature and a label column are needed"],
    ];
    for (const [text, header, reason] of cases) {
      await Deno.writeTextFile(path, text);
      const expected = (e: Error) =>
        e instanceof SyntaxError && e.message === `Cannot read CSV '${path}': ${reason}`;
      assert.throws(() => parseCsv(text, { header, fileName: path }), expected, text);
      await assert.rejects(() => readCsv(path, { header }), expected, text);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(path, { header })) { /* read on */ }
        },
        expected,
        text,
      );
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readCsv streams the file and gets what parseCsv gets from its text", async () => {
  const n = 100_000;
  const header = Array.from({ length: n }, (_, j) => `f${j}`).join(",") + ",label\n";
  const row = (v: number) => Array.from({ length: n }, (_, j) => String((j % 7) * v)).join(",");
  const text = "\uFEFF" + header + row(1) + ",é\r\n" + row(0.5) + ',"b\nc"\r\n';
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, text);
    for (const dtype of ["float64", "float32"] as const) {
      const streamed = await readCsv(path, { dtype });
      assert.deepEqual(streamed, parseCsv(text, { dtype, fileName: path }));
      assert.equal(streamed.x.cols, n);
      assert.deepEqual(streamed.classes, ["b\nc", "é"]);
    }
    await Deno.writeTextFile(path, header + row(1) + ",a\n" + row(2) + ",b,extra\n");
    await assert.rejects(
      () => readCsv(path),
      (e: Error) =>
        e instanceof SyntaxError &&
        e.message ===
          `Cannot read CSV '${path}': line 3 has ${n + 2} fields, the header has ${n + 1}: column ${
            n + 2
          } is extra`,
    );
  } finally {
    await Deno.remove(path);
  }
});

const noFifo = osProblem("posix", "FIFOs and mkfifo are POSIX-only");

Deno.test({
  name: "readCsv refuses a named pipe without waiting for a writer" +
    (noFifo ? ` (skipped: ${noFifo})` : ""),
  ignore: noFifo !== null,
  async fn() {
    // It opened the path first, and opening a FIFO blocks until something writes to it: with no
    // writer, `lrc train --data fifo` hung instead of saying "it is not a regular file".
    const dir = await Deno.makeTempDir();
    const fifo = `${dir}/pipe.csv`;
    try {
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(made.success, "mkfifo failed");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("still waiting after 3 s"), 3000);
      });
      const read = readCsv(fifo).then(() => "read", (e: Error) => `${e.name}: ${e.message}`);
      const outcome = await Promise.race([read, timeout]);
      clearTimeout(timer);
      if (outcome === "still waiting after 3 s") {
        // Let the blocked open finish so that the test can end.
        await Deno.writeTextFile(fifo, "a,y\n1,0\n");
        await read;
      }
      assert.equal(outcome, `TypeError: Cannot read CSV '${fifo}': it is not a regular file`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a table of several storage blocks is read value for value, whatever the row width", async () => {
  // The matrix grows in blocks of about 2^17 values holding whole rows; 100,000 rows of 3
  // features need three. Each value is a closed form of its row and column (exact in float64
  // and float32), so a row left out of a block, or an unfilled block tail copied, shows.
  const rows = 100_000, cols = 3;
  const value = (i: number, j: number) => i + j / 4;
  const lines = ["a,b,c,y"];
  for (let i = 0; i < rows; i++) {
    lines.push(`${value(i, 0)},${value(i, 1)},${value(i, 2)},${i % 2}`);
  }
  const text = lines.join("\n") + "\n";
  for (const dtype of ["float64", "float32"] as const) {
    for (
      const d of [
        parseCsv(text, { dtype }),
        await parseCsvStream(new Blob([text]).stream(), { dtype }),
      ]
    ) {
      assert.deepEqual([d.x.rows, d.x.cols], [rows, cols]);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          if (d.x.data[i * cols + j] !== value(i, j)) {
            assert.fail(
              `row ${i}, column ${j}: ${d.x.data[i * cols + j]}, expected ${value(i, j)}`,
            );
          }
        }
        if (d.y[i] !== i % 2) assert.fail(`row ${i}: label ${d.y[i]}`);
      }
    }
  }
});

Deno.test("a table ending at, before or after a storage block's end reads into a plain buffer of its exact size", async () => {
  // 1,000 features: a block holds 131 rows (131,000 of 2^17 = 131,072 values), so these counts
  // end one short of, at and one past a block's end. Each value is a closed form of its row and
  // column, exact in float32 and float64 (the reader gives each block's memory back after copying
  // it: a block given back before it is copied, or the wrong one, reads as zeros here).
  const cols = 1000;
  const value = (i: number, j: number) => i * 8 + (j % 8) / 8 - (j >> 3);
  const names = Array.from({ length: cols }, (_, j) => `f${j}`).join(",") + ",y\n";
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    for (const rows of [1, 130, 131, 132, 262, 263]) {
      let text = names;
      for (let i = 0; i < rows; i++) {
        text += Array.from({ length: cols }, (_, j) => value(i, j)).join(",") + `,${i % 3}\n`;
      }
      await Deno.writeTextFile(file, text);
      for (const dtype of ["float64", "float32"] as const) {
        const d = await readCsv(file, { dtype });
        const at = `${rows} rows, ${dtype}`;
        assert.deepEqual([d.x.rows, d.x.cols], [rows, cols], at);
        const bytes = dtype === "float32" ? 4 : 8;
        assert.equal(d.x.data.BYTES_PER_ELEMENT, bytes, at);
        // What a caller may do with the buffer: keep, clone, send to a worker or a WebAssembly copy.
        const buffer = d.x.data.buffer as ArrayBuffer;
        assert.equal(buffer.resizable, false, at);
        assert.equal(d.x.data.byteOffset, 0, at);
        assert.equal(buffer.byteLength, rows * cols * bytes, at);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            if (d.x.data[i * cols + j] !== value(i, j)) {
              assert.fail(`${at}: row ${i}, column ${j}: ${d.x.data[i * cols + j]}`);
            }
          }
          if (d.y[i] !== i % 3) assert.fail(`${at}: row ${i}: label ${d.y[i]}`);
        }
        assert.deepEqual(structuredClone(d.x.data), d.x.data, at);
      }
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a label column index one past the last column is refused, as a number or as digits", async () => {
  // Columns 0..2: index 3 is outside, index 2 (the last) is the default label.
  const text = "a,b,y\n1,2,x\n3,4,z\n";
  const expected = /^RangeError: Cannot read CSV '[^']+': label column index 3 is outside 0\.\.2$/;
  for (const label of [3, "3", -1]) {
    const message = label === -1 ? /label column index -1 is outside 0\.\.2$/ : expected;
    assert.throws(() => parseCsv(text, { label }), message, String(label));
    await assert.rejects(() => parseCsvStream(new Blob([text]).stream(), { label }), message);
  }
  assert.deepEqual([...parseCsv(text, { label: 2 }).x.data], [1, 2, 3, 4]);
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    await assert.rejects(async () => {
      for await (const _ of readCsvBatches(file, { label: 3 })) { /* reading is the test */ }
    }, expected);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a short row's message names the first missing column, and line 1 when there is no header", () => {
  // Written out by hand: the header a,b,y has 3 columns; a row of 2 fields lacks column 3 ("y"),
  // a row of 1 field lacks column 2 ("b"). Without a header the columns are column_1..column_3
  // and the width is line 1's. One field is said in the singular ("has 1 fields" was not).
  const cases: [string, boolean, string][] = [
    [
      "a,b,y\n1,2,0\n3,1\n",
      true,
      'line 3 has 2 fields, the header has 3: column 3 ("y") is missing',
    ],
    ["a,b,y\n1,2,0\n3\n", true, 'line 3 has 1 field, the header has 3: column 2 ("b") is missing'],
    [
      "1,2,0\n3,1\n",
      false,
      'line 2 has 2 fields, line 1 has 3: column 3 ("column_3") is missing',
    ],
    ["1,2,0\n3,1,0,7\n", false, "line 2 has 4 fields, line 1 has 3: column 4 is extra"],
  ];
  for (const [text, header, reason] of cases) {
    assert.throws(
      () => parseCsv(text, { header, fileName: "t.csv" }),
      (e: Error) => e instanceof SyntaxError && e.message === `Cannot read CSV 't.csv': ${reason}`,
      reason,
    );
  }
});

Deno.test("numbers with thousands separators other than commas get the separator's hint from every reader", async () => {
  const hint = (by: string) =>
    `; digits grouped by ${by} (thousands separators) are not read: write numbers without them, ` +
    "with a decimal point only (1234567.5)";
  const comma = "; a comma in a number (decimal or thousands separator) is not read: write " +
    "numbers with a decimal point only (1.5, 1234)";
  // Cells as German, French, Swiss spreadsheets and Python literals write 1234567.5 and 1234.
  const cases: [string, string][] = [
    ["1.234.567", hint("dots")],
    ["1.234,5", hint("dots")],
    ["-1.234.567,25", hint("dots")],
    ["1 234", hint("spaces")],
    ["1\u00a0234,5", hint("no-break spaces")],
    ["1\u202f234\u202f567", hint("narrow no-break spaces")],
    ["1\u2009234.5", hint("thin spaces")],
    ["1'234.5", hint("apostrophes")],
    ["1\u2019234", hint("apostrophes")],
    ["1_000", hint("underscores")],
    ["1,5", comma],
    // Not groups of three digits, or separators mixed: no hint.
    ["1.2.3", ""],
    ["1234.567.890", ""],
    ["1.23.456", ""],
    ["1 234'567", ""],
    // A decimal point after dot groups is one dot group too many, not a fraction.
    ["1.234.5", ""],
    ["1.234.567.25", ""],
  ];
  const dir = await Deno.makeTempDir({ prefix: "lrc-grouped-" });
  try {
    for (const [cell, expected] of cases) {
      // The bad cell is in the second data row, so that no moved label is suspected.
      const text = `a;b;y\n1;2;0\n${cell};2;1\n`;
      const path = `${dir}/t.csv`;
      await Deno.writeTextFile(path, text);
      const message = `Cannot read CSV '${path}': line 3, column 1 ("a") holds '${cell}', which ` +
        `is not a finite decimal number${expected}`;
      const refused = (e: Error) => e instanceof SyntaxError && e.message === message;
      const options = { delimiter: ";" };
      assert.throws(() => parseCsv(text, { ...options, fileName: path }), refused, cell);
      await assert.rejects(() => readCsv(path, options), refused, cell);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(path, options)) { /* read */ }
        },
        refused,
        cell,
      );
      // In the first data row, such a number is not taken for a label in another column.
      const first = `a;b;y\n${cell};2;1\n1;2;0\n`;
      if (expected !== "") {
        assert.throws(
          () => parseCsv(first, { ...options, fileName: "f.csv" }),
          (e: Error) => e.message.endsWith(expected) && !e.message.includes("label"),
          cell,
        );
      }
    }
    // Nor is it counted as text: a word before it is the only text of the row, the likely label.
    for (const cell of ["1.234,5", "1 234", "1'234"]) {
      assert.throws(
        () => parseCsv(`a;b;y\ndog;${cell};1\ncat;1;0\n`, { delimiter: ";", fileName: "f.csv" }),
        (e: Error) =>
          e.message.includes(`holds 'dog'`) &&
          e.message.includes('column "a" is the only column of text in this row'),
        cell,
      );
    }
    // One group of dots is a decimal number (1.234), read as such.
    assert.deepEqual([...parseCsv("a;y\n1.234;0\n2;1\n", { delimiter: ";" }).x.data], [1.234, 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lines that end with the delimiter are refused by every reader with the hint to remove it", async () => {
  const hint = (d: string) =>
    `: if the lines end with the delimiter ${d} (as some exporters write them), remove it from ` +
    "the end of each line";
  const cases: [string, string, string, boolean?][] = [
    // The header without the trailing delimiter: every row has an empty field too many.
    [
      "a,b,y\n1,2,0,\n3,4,1,\n",
      ",",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("','")}`,
    ],
    [
      "a,b,y\r\n1,2,0, \r\n",
      ",",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("','")}`,
    ],
    [
      'a,b,y\n1,2,0,""\n',
      ",",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("','")}`,
    ],
    [
      "a\tb\ty\n1\t2\t0\t\n",
      "\t",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("'\\t'")}`,
    ],
    [
      "a;b;y\n1;2;0;\n",
      ";",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("';'")}`,
    ],
    // The row's check that finds it first differs in the streaming reader: an empty label, a
    // feature beyond float32; the reason is the same.
    [
      "a,y\n1,,\n",
      ",",
      `line 2 has 3 fields, the header has 2: column 3 is extra and empty${hint("','")}`,
    ],
    [
      "a,b,y\n1e39,2,0,\n",
      ",",
      `line 2 has 4 fields, the header has 3: column 4 is extra and empty${hint("','")}`,
    ],
    // The header with it too: the last column has no name and is taken as an empty label.
    [
      "a,b,y,\n1,2,0,\n",
      ",",
      `line 2, label column 4 ("column_4") is empty; the header gives that column no name either${
        hint("','")
      }`,
    ],
    // No hint: the extra field holds a value, two fields are extra, the empty label is named.
    ["a,b,y\n1,2,0,5\n", ",", "line 2 has 4 fields, the header has 3: column 4 is extra"],
    ["a,b,y\n1,2,0,,\n", ",", "line 2 has 5 fields, the header has 3: column 4 is extra"],
    ["a,b,y\n1,2,\n", ",", 'line 2, label column 3 ("y") is empty'],
    // Without a header, the last column is unnamed whatever the lines end with.
    ["1,2,0\n1,2,\n", ",", 'line 2, label column 3 ("column_3") is empty', false],
  ];
  const dir = await Deno.makeTempDir({ prefix: "lrc-trailing-" });
  try {
    for (const [text, delimiter, reason, header = true] of cases) {
      const path = `${dir}/t.csv`;
      await Deno.writeTextFile(path, text);
      const message = `Cannot read CSV '${path}': ${reason}`;
      const refused = (e: Error) => e instanceof SyntaxError && e.message === message;
      assert.throws(() => parseCsv(text, { delimiter, header, fileName: path }), refused, text);
      await assert.rejects(() => readCsv(path, { delimiter, header }), refused, text);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(path, { delimiter, header })) { /* read */ }
        },
        refused,
        text,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a row refused under scikit-learn's first line of a data set says so, and no other row", async () => {
  // scikit-learn's sklearn/datasets/data/*.csv start with "rows,features,class names..." and
  // their rows hold the features and the class index: wine_data.csv was refused as "line 2 has 14
  // fields, the header has 5: column 6 is extra", leaving the user to guess why. Written out by
  // hand: the hint is added when the header starts with two non-negative integers and a name and
  // the row has the second integer plus one fields, by every reader.
  const hint = "; this looks like scikit-learn's data-set format, whose first line gives the " +
    "rows, features and class names: replace that line by the columns' names, or use the " +
    "embedded copies of breast-cancer, iris and wine (loadEmbedded; lrc: --dataset NAME)";
  const cases: [string, boolean, string][] = [
    // Like wine_data.csv: 5 features and 3 class names.
    [
      "4,5,c0,c1,c2\n1,2,3,4,5,0\n6,7,8,9,0,2\n",
      true,
      "line 2 has 6 fields, the header has 5: column 6 is extra" + hint,
    ],
    // Like breast_cancer.csv: more features than the header's fields.
    [
      "2,4,no,yes\n1,2,3,4,0\n5,6,7,8,1\n",
      true,
      "line 2 has 5 fields, the header has 4: column 5 is extra" + hint,
    ],
    // One feature, three class names: the row is short, not long.
    [
      "2,1,a,b,c\n1.5,0\n2.5,2\n",
      true,
      'line 2 has 2 fields, the header has 5: column 3 ("a") is missing' + hint,
    ],
    // Not the format: the row's width is not features + 1 ...
    [
      "4,3,c0,c1,c2\n1,2,3,0,7,8\n",
      true,
      "line 2 has 6 fields, the header has 5: column 6 is extra",
    ],
    // ... the first two fields are not both non-negative integers ...
    [
      "n,5,c0,c1,c2\n1,2,3,4,5,0\n",
      true,
      "line 2 has 6 fields, the header has 5: column 6 is extra",
    ],
    ["-4,4,c0,c1\n1,2,3,4,0\n", true, "line 2 has 5 fields, the header has 4: column 5 is extra"],
    [
      "4,5.0,c0,c1,c2\n1,2,3,4,5,0\n",
      true,
      "line 2 has 6 fields, the header has 5: column 6 is extra",
    ],
    // ... no class name follows them ...
    ["1,2\n1,2,0\n", true, "line 2 has 3 fields, the header has 2: column 3 is extra"],
    // ... or the first line is data, not a header (its columns are column_1 ..).
    ["4,5,6,7,8\n1,2,3,4,5,0\n", false, "line 2 has 6 fields, line 1 has 5: column 6 is extra"],
  ];
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    for (const [text, header, reason] of cases) {
      const ok = (e: Error) =>
        e instanceof SyntaxError && e.message === `Cannot read CSV '${file}': ${reason}`;
      assert.throws(() => parseCsv(text, { header, fileName: file }), ok, reason);
      await Deno.writeTextFile(file, text);
      await assert.rejects(() => readCsv(file, { header }), ok, reason);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(file, { header })) { /* reading is the test */ }
        },
        ok,
        reason,
      );
    }
    // A file in the format whose rows fit the header's width reads as an ordinary CSV (iris.csv
    // is such a file: 4 features and 3 class names make 5 fields on both lines; lrc warns of it
    // when its counts are the file's, tests/cli/train_test.ts).
    const d = parseCsv("2,4,a,b,c\n1,2,3,4,0\n5,6,7,8,1\n");
    assert.deepEqual(d.featureNames, ["2", "4", "a", "b"]);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("readCsv reads a file of exactly maxBytes bytes and refuses one byte more", async () => {
  const text = "a,y\n1,0\n2,1\n"; // ASCII: 12 bytes
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, text);
    assert.equal((await Deno.stat(path)).size, text.length);
    assert.deepEqual([...(await readCsv(path, { maxBytes: text.length })).x.data], [1, 2]);
    await assert.rejects(
      () => readCsv(path, { maxBytes: text.length - 1 }),
      new RegExp(
        `^RangeError: Cannot read CSV '[^']+': it is 12 bytes, more than the limit of 11 bytes`,
      ),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("text in a feature column names the column taken as the label when none was named", async () => {
  const text = "kind,a,b\ncat,1,2\ndog,3,4\n";
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    const cell = `line 2, column 1 ("kind") holds 'cat', which is not a finite decimal number`;
    const taken = `${cell}; no label column was named, so the last ("b") was taken as the label`;
    // The only column of text in the row, not the last: named as the likely label.
    const guessed =
      `${taken}; column "kind" is the only column of text in this row: if it is the ` +
      `label, name it (label: "kind"; lrc: --label kind)`;
    const readers: [string, (label?: string) => Promise<unknown>][] = [
      ["parseCsv", (label) => Promise.resolve().then(() => parseCsv(text, { label }))],
      ["readCsv", (label) => readCsv(file, { label })],
      ["readCsvBatches", async (label) => {
        for await (const _ of readCsvBatches(file, { label })) { /* read to the end */ }
      }],
    ];
    for (const [name, read] of readers) {
      await assert.rejects(read(), (e: Error) => e.message.endsWith(guessed), name);
      // A named label column, even the last, is no guess: the cell alone is the reason.
      await assert.rejects(
        read("b"),
        (e: Error) =>
          e.message.endsWith(`("kind") holds 'cat', which is not a finite decimal number`),
        name,
      );
      assert.ok(await read("kind").then(() => true), name);
    }
    // Another column of text in the row, the label column's included, leaves the likely label
    // unknown; a name that is no plain word is given to lrc by its index.
    for (const [name, read] of readers.slice(1)) {
      for (
        const [csv, end] of [
          ["kind,id,b\ncat,x1,2\n", taken],
          ["kind,a,b\ncat,1,dog\n", taken],
          ["kind,a,b\ncat,NA,2\n", guessed],
          [
            "a,my kind,b\n1,cat,2\n",
            `("my kind") holds 'cat', which is not a finite decimal number; no label column was named, so the last ("b") was taken as the label; column "my kind" is the only column of text in this row: if it is the label, name it (label: "my kind"; lrc: --label 1)`,
          ],
        ]
      ) {
        await Deno.writeTextFile(file, csv);
        await assert.rejects(read(), (e: Error) => e.message.endsWith(end), `${name}: ${csv}`);
        if (name === "readCsv") {
          assert.throws(() => parseCsv(csv, {}), (e: Error) => e.message.endsWith(end), csv);
        }
      }
    }
    // Text after a number in the same column is no label either: only the first data row tells.
    for (const [name, read] of readers.slice(1)) {
      await Deno.writeTextFile(file, "kind,a,b\n1,1,2\ncat,3,4\n");
      await assert.rejects(
        read(),
        (e: Error) =>
          e.message.endsWith(`("kind") holds 'cat', which is not a finite decimal number`),
        name,
      );
    }
    // A missing-value marker or a number in another notation is no sign of a moved label.
    for (const cell of ["NaN", "NA", "n/a", "?", "-", "-inf", "Infinity", "null", "0x10"]) {
      assert.throws(
        () => parseCsv(`kind,a,b\n${cell},1,2\n`, {}),
        (e: Error) =>
          e.message.includes(`holds '${cell}', which is not a finite decimal number`) &&
          !e.message.includes("no label column was named"),
        cell,
      );
    }
    // An empty cell is no sign of a moved label.
    await assert.rejects(
      () => Promise.resolve().then(() => parseCsv("kind,a,b\n,1,2\n", {})),
      (e: Error) =>
        e.message.endsWith(
          'line 2, column 1 ("kind") is empty; missing values are not read: drop the rows that ' +
            "hold them or fill them in",
        ),
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a gzip-compressed CSV is refused with a command that decompresses it, whatever its name", async () => {
  // gunzip ignores a name without .gz ("unknown suffix -- ignored", exit code 2): the advice
  // 'gunzip -k data.csv' did nothing. The oracle is the shell: the command in the message, run
  // in the file's folder, must give back the text.
  const dir = await Deno.makeTempDir();
  try {
    const text = "a,b,label\n1,2,y\n3,4,n\n";
    const packed = await new Response(
      new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    for (const name of ["data.csv", "data.csv.gz"]) {
      const file = `${dir}/${name}`;
      await Deno.writeFile(file, packed);
      const messages: string[] = [];
      for (
        const read of [
          () => readCsv(file),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* refused before any batch */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          messages.push(e.message);
          return e instanceof SyntaxError;
        });
      }
      assert.equal(messages[0], messages[1]);
      const command = /it is gzip-compressed; decompress it first \((.*)\)$/.exec(messages[0]);
      assert.ok(command, messages[0]);
      const run = await new Deno.Command("sh", { args: ["-c", command[1]], cwd: dir }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      const out = name.endsWith(".gz") ? `${dir}/data.csv` : `${dir}/decompressed.csv`;
      assert.equal(await Deno.readTextFile(out), text);
      for (const f of [file, out]) await Deno.remove(f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model file given as the data is refused as a model file, not blamed on its line ends", async () => {
  // `lrc predict --model m.lrc --data m.lrc` (or the two swapped) read the model's bytes as
  // text: both readers said "a carriage return that does not end a line", from the CR LF of the
  // magic number. The oracle is the format's magic (README's model file table): 89 4C 52 43 0D
  // 0A 1A 0A start every file.
  const dir = await Deno.makeTempDir();
  try {
    const { model } = fit(
      parseCsv("a,b,y\n0,1,n\n1,0,y\n2,1,y\n0,2,n\n").x,
      Int32Array.of(0, 1, 1, 0),
    );
    const bytes = encodeModel(model);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x4c, 0x52, 0x43, 0x0d, 0x0a, 0x1a, 0x0a]);
    const file = `${dir}/m.lrc`;
    await Deno.writeFile(file, bytes);
    for (
      const read of [
        () => readCsv(file),
        async () => {
          for await (const _ of readCsvBatches(file)) { /* refused before any batch */ }
        },
      ]
    ) {
      await assert.rejects(read, {
        name: "SyntaxError",
        message: `Cannot read CSV '${file}': it is an lrcompress model file, not CSV (give it as ` +
          "--model in lrc, or read it with loadModel)",
      });
    }
    // Text that starts like the magic but is not a model file is read as CSV.
    await Deno.writeTextFile(file, "LRC,b,y\n1,2,n\n3,4,y\n");
    assert.deepEqual((await readCsv(file)).featureNames, ["LRC", "b"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("labels in Latin-1 are refused, not merged into one class by their replaced accents", async () => {
  // Excel and older databases export Latin-1 / Windows-1252: 'café' and 'cafè' are the bytes
  // 63 61 66 E9 and 63 61 66 E8, which UTF-8 decoding both turned into 'caf\ufffd', one class
  // where the file has three (counted by hand: café, cafè, thé). The same labels in UTF-8 are
  // three classes.
  const dir = await Deno.makeTempDir();
  try {
    const labels = ["caf\u00e9", "caf\u00e8", "th\u00e9"];
    const text = "a,b,sorte\n" + [0, 1, 2, 3, 4, 5].map((i) => `${i},${i % 2},${labels[i % 3]}\n`)
      .join("");
    const latin1 = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    const file = `${dir}/latin1.csv`;
    await Deno.writeFile(file, latin1);
    const messages: string[] = [];
    for (
      const read of [
        () => readCsv(file),
        () => parseCsvStream(new Blob([latin1]).stream(), { fileName: file }),
        async () => {
          for await (const _ of readCsvBatches(file)) { /* refused in the first batch */ }
        },
      ]
    ) {
      await assert.rejects(read, (e: Error) => {
        messages.push(e.message);
        return e instanceof SyntaxError;
      });
    }
    assert.equal(
      messages[0],
      `Cannot read CSV '${file}': line 2, label column 3 ("sorte") holds "caf\ufffd", whose ` +
        "U+FFFD is what a UTF-8 reader puts for bytes that are not UTF-8 (labels that differ only " +
        "there would be one class): the file is probably Latin-1 or Windows-1252; convert it to " +
        "UTF-8 " +
        "(iconv -f windows-1252 -t utf-8)",
    );
    assert.deepEqual(messages.slice(1), [messages[0], messages[0]]);
    const utf8 = `${dir}/utf8.csv`;
    await Deno.writeTextFile(utf8, text);
    assert.deepEqual((await readCsv(utf8)).classes, [...labels].sort());
    const streamed = new Set<string>();
    for await (const batch of readCsvBatches(utf8)) batch.labels.forEach((l) => streamed.add(l));
    assert.deepEqual([...streamed].sort(), [...labels].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("header names in Latin-1 are refused as labels are, not read with U+FFFD for their accents", async () => {
  // 'café' and 'cafè' in Latin-1 are 63 61 66 E9 and 63 61 66 E8: read as UTF-8, both names were
  // 'caf\ufffd' (refused as a repeated name, which hid the cause), and 'thé' became 'th\ufffd',
  // a feature name no UTF-8 file of the same columns has. The header is on line 2 here, after a
  // blank line. The same file in UTF-8 reads with the three names as written.
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [header, bad] of [
        ["caf\u00e9,caf\u00e8,y", 1],
        ["prix,th\u00e9,y", 2],
      ] as const
    ) {
      const text = `\n${header}\n1,2,a\n3,4,b\n`;
      const latin1 = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
      const file = `${dir}/latin1.csv`;
      await Deno.writeFile(file, latin1);
      const messages: string[] = [];
      for (
        const read of [
          () => readCsv(file),
          () => parseCsvStream(new Blob([latin1]).stream(), { fileName: file }),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* refused at the header */ }
          },
          () => readCsvColumns(file),
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          messages.push(e.message);
          return e instanceof SyntaxError;
        });
      }
      const name = header.split(",")[bad - 1].replace(/[\u00e8\u00e9]/, "\ufffd");
      assert.equal(
        messages[0],
        `Cannot read CSV '${file}': line 2, column ${bad} is named "${name}", whose U+FFFD is ` +
          "what a UTF-8 reader puts for bytes that are not UTF-8 (names that differ only there " +
          "would be one name, and match no column named in UTF-8): the file is probably Latin-1 " +
          "or Windows-1252; convert it to UTF-8 (iconv -f windows-1252 -t utf-8)",
      );
      assert.deepEqual(messages.slice(1), [messages[0], messages[0], messages[0]]);
      const utf8 = `${dir}/utf8.csv`;
      await Deno.writeTextFile(utf8, text);
      const names = header.split(",");
      assert.deepEqual((await readCsv(utf8)).featureNames, names.slice(0, 2));
      assert.deepEqual(await readCsvColumns(utf8), names);
      for await (const batch of readCsvBatches(utf8)) {
        assert.deepEqual(batch.featureNames, names.slice(0, 2));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a UTF-8 file that holds U+FFFD itself is read as written by every byte reader, not called Latin-1", async () => {
  // U+FFFD written in UTF-8 is the bytes EF BF BD: decoded faithfully, it is a character like
  // another, and 'caf\ufffd' is a class of its own beside 'caf\u00e9' and 'caf\u00e8' (three
  // classes, counted by hand), 'pr\ufffdx' a feature name. It was refused as Latin-1, with a
  // remedy (iconv from windows-1252) that would have garbled it.
  const dir = await Deno.makeTempDir();
  try {
    const labels = ["caf\ufffd", "caf\u00e9", "caf\u00e8"];
    const text = "a,pr\ufffdx,sorte\n" +
      [0, 1, 2, 3, 4, 5].map((i) => `${i},${i % 2},${labels[i % 3]}\n`).join("");
    const bytes = new TextEncoder().encode(text);
    const file = `${dir}/utf8.csv`;
    await Deno.writeFile(file, bytes);
    const expected = [...labels].sort();
    // Chunks of one byte split every EF BF BD, and every record, across chunks.
    const oneByte = new Blob([...bytes].map((b) => new Uint8Array([b]))).stream();
    for (const d of [await readCsv(file), await parseCsvStream(oneByte)]) {
      assert.deepEqual(d.classes, expected);
      assert.deepEqual(d.featureNames, ["a", "pr\ufffdx"]);
      assert.deepEqual([...d.y], [0, 1, 2, 0, 1, 2].map((k) => expected.indexOf(labels[k])));
    }
    const streamed: string[] = [];
    for await (const batch of readCsvBatches(file)) {
      streamed.push(...batch.labels);
      assert.deepEqual(batch.featureNames, ["a", "pr\ufffdx"]);
    }
    assert.deepEqual(streamed, [0, 1, 2, 3, 4, 5].map((i) => labels[i % 3]));
    assert.deepEqual(await readCsvColumns(file), ["a", "pr\ufffdx", "sorte"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file with U+FFFD in UTF-8 and a Latin-1 label is refused at the Latin-1 line, by every byte reader", async () => {
  // Line 2 holds U+FFFD written in UTF-8 (EF BF BD, accepted), line 4 the Latin-1 byte E9: the
  // refusal names line 4, counted by hand, whose bytes are not UTF-8, not line 2. In a header,
  // the Latin-1 name (column 2) is named, not the name before it holding U+FFFD in UTF-8; in a
  // row whose label holds U+FFFD in UTF-8, the Latin-1 cell after it is refused as no number.
  const dir = await Deno.makeTempDir();
  try {
    const enc = (t: string) => [...new TextEncoder().encode(t)];
    const cafLatin1 = [0x63, 0x61, 0x66, 0xe9];
    const rows = Uint8Array.from([
      ...enc("a,b,sorte\n1,2,caf\ufffd\n3,4,th\u00e9\n5,6,"),
      ...cafLatin1,
      ...enc("\n7,8,caf\ufffd\n"),
    ]);
    const header = Uint8Array.from([
      ...enc("pr\ufffdx,"),
      ...cafLatin1,
      ...enc(",y\n1,2,a\n3,4,b\n"),
    ]);
    for (
      const [bytes, message, label] of [
        [
          rows,
          'line 4, label column 3 ("sorte") holds "caf\ufffd", whose U+FFFD is what a UTF-8 ' +
          "reader puts for bytes that are not UTF-8 (labels that differ only there would be one " +
          "class): the file is probably Latin-1 or Windows-1252; convert it to UTF-8 " +
          "(iconv -f windows-1252 -t utf-8)",
          undefined,
        ],
        [
          header,
          'line 1, column 2 is named "caf\ufffd", whose U+FFFD is what a UTF-8 reader puts for ' +
          "bytes that are not UTF-8 (names that differ only there would be one name, and match " +
          "no column named in UTF-8): the file is probably Latin-1 or Windows-1252; convert it " +
          "to UTF-8 (iconv -f windows-1252 -t utf-8)",
          undefined,
        ],
        [
          Uint8Array.from([...enc("sorte,a\ncaf\ufffd,1\nx,"), ...cafLatin1, ...enc("\n")]),
          "line 3, column 2 (\"a\") holds 'caf\ufffd', which is not a finite decimal number",
          "sorte",
        ],
      ] as const
    ) {
      const file = `${dir}/mixed.csv`;
      await Deno.writeFile(file, bytes);
      const reads = [
        () => readCsv(file, { label }),
        () =>
          parseCsvStream(new Blob([...bytes].map((b) => new Uint8Array([b]))).stream(), {
            fileName: file,
            label,
          }),
        async () => {
          for await (const _ of readCsvBatches(file, { label })) { /* refused */ }
        },
        ...(bytes === header ? [() => readCsvColumns(file)] : []),
      ];
      for (const read of reads) {
        await assert.rejects(read, {
          name: "SyntaxError",
          message: `Cannot read CSV '${file}': ${message}`,
        });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseCsv refuses U+FFFD in a label or name, saying text cannot tell the two causes apart", () => {
  // A string has no bytes: U+FFFD may be a decoder's mark for a Latin-1 byte or written so in
  // UTF-8. The message says what was found and both remedies, not that the file is Latin-1.
  const both = "if the text was read from a Latin-1 or Windows-1252 file, convert the file to " +
    "UTF-8 (iconv -f windows-1252 -t utf-8); if it holds U+FFFD itself, in UTF-8, read the " +
    "file's bytes (readCsv, parseCsvStream), which tell that apart and keep it";
  assert.throws(() => parseCsv("a,y\n1,caf\ufffd\n2,b\n", { fileName: "t.csv" }), {
    name: "SyntaxError",
    message: `Cannot read CSV 't.csv': line 2, label column 2 ("y") holds "caf\ufffd", whose ` +
      "U+FFFD is the mark a decoder leaves for bytes it could not decode (labels that differ " +
      `only there would be one class): ${both}`,
  });
  assert.throws(() => parseCsv("a,th\ufffd,y\n1,2,a\n3,4,b\n", { fileName: "t.csv" }), {
    name: "SyntaxError",
    message: `Cannot read CSV 't.csv': line 1, column 2 is named "th\ufffd", whose U+FFFD is ` +
      "the mark a decoder leaves for bytes it could not decode (names that differ only there " +
      `would be one name, and match no column named in UTF-8): ${both}`,
  });
});

Deno.test("a repeated header name is reported on the header's own line, after blank lines, by every reader", async () => {
  // The message said "line 1" wherever the header was; the U+FFFD message above names the real
  // line. Here the header is on line 3, after two blank lines (one of white space only); the
  // oracle is that line number, counted by hand from the text.
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [header, hint] of [
        ["a,b,a,y", ""],
        [
          "0,1,0,5",
          "; line 3 holds numbers, so the file may have no header: read it without " +
          "one (header: false; lrc: --no-header)",
        ],
      ] as const
    ) {
      const text = `\n  \n${header}\n1,2,3,0\n4,5,6,1\n`;
      const file = `${dir}/repeat.csv`;
      await Deno.writeTextFile(file, text);
      const expected = (name: string) =>
        `Cannot read CSV '${name}': line 3, columns 1 and 3 are both named ` +
        `"${header.split(",")[0]}"${hint}`;
      assert.throws(() => parseCsv(text), { name: "RangeError", message: expected("<csv>") });
      for (
        const read of [
          () => readCsv(file),
          () => parseCsvStream(new Blob([text]).stream(), { fileName: file }),
          () => Array.fromAsync(readCsvBatches(file)),
          () => readCsvColumns(file),
        ]
      ) {
        await assert.rejects(read, { name: "RangeError", message: expected(file) });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("booleans as pandas and spreadsheets write them get what to do, from every reader", async () => {
  // pandas writes a bool column as True/False, spreadsheets as TRUE/FALSE; python's float()
  // reads neither. The refusal said only "not a finite decimal number".
  const dir = await Deno.makeTempDir();
  try {
    const cases = [
      [
        "True",
        "; true and false are not read as numbers: write the column as 1 and 0 (pandas: df[col].astype(int))",
      ],
      [
        "FALSE",
        "; true and false are not read as numbers: write the column as 1 and 0 (pandas: df[col].astype(int))",
      ],
    ] as const;
    for (const [cell, hint] of cases) {
      const text = `a,b,y\n1,2,0\n3,${cell},1\n`;
      const file = `${dir}/t.csv`;
      await Deno.writeTextFile(file, text);
      const messages: string[] = [];
      for (
        const read of [
          () => new Promise((resolve) => resolve(parseCsv(text, { fileName: file }))),
          () => readCsv(file),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* refused in the first batch */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          messages.push(e.message);
          return e instanceof SyntaxError;
        });
      }
      const expected = `Cannot read CSV '${file}': line 3, column 2 ("b") holds '${cell}', ` +
        `which is not a finite decimal number${hint}`;
      assert.deepEqual(messages, [expected, expected, expected]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a boolean in the first data row gets one hint, the boolean's, from every reader", async () => {
  // In the first data row, with no label named, 'True' got two hints: the boolean's and "no
  // label column was named, so the last was taken" (for a label that is not last), which a
  // boolean feature is not. The label option is named, inside the one hint, only when the
  // boolean is the row's only text (the column could be a label of True and False).
  const dir = await Deno.makeTempDir();
  try {
    const booleanHint = "; true and false are not read as numbers: write the column as 1 and 0 " +
      "(pandas: df[col].astype(int))";
    const cases = [
      ["a,b,y\nTrue,1,x\n", `line 2, column 1 ("a") holds 'True'`, ""],
      [
        "a,b,y\nFALSE,1,2\n",
        `line 2, column 1 ("a") holds 'FALSE'`,
        ', or, if column "a" is the label (none was named, so the last, "y", was taken), name ' +
        'it (label: "a"; lrc: --label a)',
      ],
    ] as const;
    for (const [text, where, labelOption] of cases) {
      const file = `${dir}/t.csv`;
      await Deno.writeTextFile(file, text);
      const messages: string[] = [];
      for (
        const read of [
          () => new Promise((resolve) => resolve(parseCsv(text, { fileName: file }))),
          () => readCsv(file),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* refused in the first batch */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          messages.push(e.message);
          return e instanceof SyntaxError;
        });
      }
      const expected = `Cannot read CSV '${file}': ${where}, which is not a finite decimal ` +
        `number${booleanHint}${labelOption}`;
      assert.deepEqual(messages, [expected, expected, expected]);
      // One hint: one "; " after the reason outside parentheses, none of the guessed label's.
      const hints = messages[0].slice(messages[0].indexOf("decimal number")).replace(
        /\([^)]*\)/g,
        "",
      );
      assert.equal(hints.split("; ").length - 1, 1, hints);
      assert.doesNotMatch(messages[0], /no label column was named/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a label of digits names a column of that name before a column at that index", () => {
  // Documented: a string of digits is an index only when it is not a header name. Column '2'
  // is the first column here; index 2 would be the column named '1'.
  const d = parseCsv("2,0,1\n5,6,7\n8,9,10\n", { label: "2" });
  assert.deepEqual(d.featureNames, ["0", "1"]);
  assert.deepEqual(d.classes, ["5", "8"]);
  assert.deepEqual([...d.x.data], [6, 7, 9, 10]);
  // A digit string that names no column is still an index.
  assert.deepEqual(parseCsv("a,7,b\n5,6,7\n8,9,10\n", { label: "1" }).classes, ["6", "9"]);
});

Deno.test("spaces around a label do not make another class", () => {
  // csv-parse keeps the spaces of unquoted fields: ' cat', 'cat ' and 'cat' are one class.
  const d = parseCsv('a,y\n1, cat\n2,cat \n3,cat\n4," dog"\n', opts);
  assert.deepEqual(d.classes, ["cat", "dog"]);
  assert.deepEqual([...d.y], [0, 0, 0, 1]);
});

Deno.test("a long refused cell is cut before an emoji, not through it, by both readers", async () => {
  // Cut at 40 UTF-16 units, the emoji's first half was left alone in the message (a lone
  // surrogate, printed as U+FFFD).
  const cell = `${"a".repeat(39)}\u{1f600}zzz`;
  const text = `a,y\n${cell},x\n`;
  const expected = `line 2, column 1 ("a") holds '${"a".repeat(39)}...', which is not a finite`;
  assert.throws(() => parseCsv(text, opts), (e: Error) => e.message.includes(expected));
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    await assert.rejects(async () => {
      for await (const _ of readCsvBatches(file)) { /* refused */ }
    }, (e: Error) => e.message.includes(expected));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("an empty label before a bad feature cell is the row's first problem, as streamed", async () => {
  // Minimized from csv_readers_agree_test: the label column comes first and is empty.
  for (
    const [text, dtype] of [
      ["y,a\n,abc\n", "float64"],
      ["y,a\n,1e39\n", "float32"],
    ] as const
  ) {
    const message = `Cannot read CSV 't.csv': line 2, label column 1 ("y") is empty`;
    assert.throws(() => parseCsv(text, { ...opts, label: 0, dtype }), { message });
    const file = await Deno.makeTempFile({ suffix: ".csv" });
    try {
      await Deno.writeTextFile(file, text);
      await assert.rejects(async () => {
        for await (const _ of readCsvBatches(file, { label: 0, dtype })) { /* read on */ }
      }, { message: message.replace("t.csv", file) });
    } finally {
      await Deno.remove(file);
    }
  }
});

Deno.test("a quoted first line split by another delimiter gets a hint naming it, in every reader", async () => {
  // Spreadsheets and R quote the names: read with commas, the first quote stops the parser
  // before the line could be read as one column (which has its own hint).
  const cases: [string, string | undefined, RegExp][] = [
    [
      '"a";"b";"y"\r\n1;2;"x"\r\n3;4;"z"\r\n',
      undefined,
      /; .*give the delimiter ';' \(--delimiter ';'\)$/,
    ],
    ['\uFEFFa;"b c";y\n1;2;x\n', undefined, /; .*give the delimiter ';' \(--delimiter ';'\)$/],
    ['"a"\t"b"\t"y"\n1\t2\tx\n', undefined, /; .*give the delimiter '\\t' \(--delimiter tab\)$/],
    ['"a"|"b"|"y"\n1|2|x\n', ";", /; .*give the delimiter '\|' \(--delimiter '\|'\)$/],
    ['\n\n"a";"b";"y"\n1;2;x\n', undefined, /^.*line 3, .*--delimiter ';'\)$/],
    // A first line longer than 64K characters, the quoted name that makes it so read whole.
    [`"a";"${"b".repeat(70_000)}";"y"\n1;2;x\n`, undefined, /; .*--delimiter ';'\)$/],
  ];
  const dir = await Deno.makeTempDir();
  try {
    for (const [text, delimiter, hint] of cases) {
      const file = `${dir}/q.csv`;
      await Deno.writeTextFile(file, text);
      const options = delimiter === undefined ? {} : { delimiter };
      const messages: string[] = [];
      for (
        const read of [
          () => Promise.resolve().then(() => parseCsv(text, options)),
          () => readCsv(file, options),
          async () => {
            for await (const _ of readCsvBatches(file, options)) { /* reading is the test */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          messages.push(e.message);
          return e instanceof SyntaxError &&
            /^Cannot read CSV '.*': line \d+, column 1: /.test(e.message);
        });
      }
      const name = JSON.stringify(text.length > 100 ? `${text.slice(0, 60)}...` : text);
      for (const m of messages) assert.match(m, hint, name);
    }
    // A quote that is wrong whatever the delimiter gets no hint; nor does a later line.
    for (const text of ['a,b"c,y\n1,2,3\n', 'a b,c"d,y\n1,2,3\n', 'a;b,y\n1,2,"x";\n']) {
      const file = `${dir}/q.csv`;
      await Deno.writeTextFile(file, text);
      for (
        const read of [
          () => Promise.resolve().then(() => parseCsv(text)),
          () => readCsv(file),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* reading is the test */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          assert.doesNotMatch(e.message, /delimiter/, JSON.stringify(text));
          return e instanceof SyntaxError;
        });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an empty cell, as pandas writes a missing value, says what to do, in every reader", async () => {
  const missing = "; missing values are not read: drop the rows that hold them or fill them in";
  const dir = await Deno.makeTempDir();
  try {
    // Line 3, so the no-label note cannot apply; an empty cell and one of blanks alike.
    for (const cell of ["", "  "]) {
      const text = `a,b,y\n1,2,x\n3,${cell},z\n`;
      const file = `${dir}/e.csv`;
      await Deno.writeTextFile(file, text);
      const expected = `Cannot read CSV '${file}': line 3, column 2 ("b") is empty${missing}`;
      for (
        const read of [
          () => Promise.resolve().then(() => parseCsv(text, { fileName: file })),
          () => readCsv(file),
          async () => {
            for await (const _ of readCsvBatches(file)) { /* read */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          assert.equal(e.message, expected, JSON.stringify(cell));
          return e instanceof SyntaxError;
        });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing-value marker or a number with a comma says what to do, in every reader", async () => {
  const missing = "; missing values are not read: drop the rows that hold them or fill them in";
  const comma = "; a comma in a number (decimal or thousands separator) is not read: write " +
    "numbers with a decimal point only (1.5, 1234)";
  // [cell as written in a ';' file, the note]; line 3, so the no-label note cannot apply.
  const cases: [string, string][] = [
    ["NA", missing],
    [" n/a ", missing],
    ["NULL", missing],
    ["?", missing],
    ["NaN", missing],
    ["-", missing],
    ["1,5", comma],
    ["-0,25", comma],
    ["1,234.5", comma],
    ["1,234,567", comma],
    ["inf", ""],
    ["abc", ""],
    ["1.5.2", ""],
    ["1,", ""],
    ["0x10", ""],
  ];
  const dir = await Deno.makeTempDir();
  try {
    for (const [cell, note] of cases) {
      const text = `a;b;y\n1;2;x\n3;${cell};z\n`;
      const file = `${dir}/c.csv`;
      await Deno.writeTextFile(file, text);
      const shown = cell.trim();
      const expected = `line 3, column 2 ("b") holds '${shown}', which is not a finite decimal ` +
        `number${note}`;
      for (
        const read of [
          () => Promise.resolve().then(() => parseCsv(text, { delimiter: ";", fileName: file })),
          () => readCsv(file, { delimiter: ";" }),
          async () => {
            for await (const _ of readCsvBatches(file, { delimiter: ";" })) { /* read */ }
          },
        ]
      ) {
        await assert.rejects(read, (e: Error) => {
          assert.equal(e.message, `Cannot read CSV '${file}': ${expected}`);
          return e instanceof SyntaxError;
        });
      }
    }
    // In the first row with the label guessed, a comma number is no moved label.
    const text = `a,b,y\n"1,5",2,x\n`;
    await assert.rejects(
      () => Promise.resolve().then(() => parseCsv(text)),
      (e: Error) => e.message.endsWith(`holds '1,5', which is not a finite decimal number${comma}`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readCsv refuses an http URL and a NUL in the name with its own TypeError, not Deno's bare one", async () => {
  await assert.rejects(() => readCsv(new URL("http://example.com/a.csv")), {
    name: "TypeError",
    message: "Cannot read CSV 'http://example.com/a.csv': Must be a file URL",
  });
  await assert.rejects(() => readCsv("a\0b.csv"), {
    name: "TypeError",
    message: /^Cannot read CSV 'a\0b.csv': file name contained an unexpected NUL byte/,
  });
});

Deno.test("readCsv's onProgress counts the file's bytes as they are read, up to its size", async () => {
  // Several chunks of the file's stream (64 KiB each in Deno); the size is the file's own.
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i % 10},${(i * 7) % 13},${i % 2}`);
  const text = "a,b,y\n" + rows.join("\n") + "\n";
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(path, text);
    const size = new TextEncoder().encode(text).length;
    const seen: { bytesRead: number; totalBytes: number }[] = [];
    const d = await readCsv(path, { onProgress: (p) => void seen.push({ ...p }) });
    assert.deepEqual(d, await readCsv(path));
    assert.ok(seen.length > 1, `${seen.length} calls`);
    assert.ok(seen.every((p) => p.totalBytes === size), JSON.stringify(seen[0]));
    assert.ok(seen.every((p, k) => k === 0 || p.bytesRead > seen[k - 1].bytesRead));
    assert.equal(seen.at(-1)!.bytesRead, size);
    await assert.rejects(
      () => readCsv(path, { onProgress: 3 as unknown as () => void }),
      (e: Error) => e instanceof TypeError && /onProgress must be a function/.test(e.message),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("the empty-label hint of a trailing delimiter names the delimiter, and only for the last column", async () => {
  const cases: [string, { delimiter?: string; label?: string }, string][] = [
    // The header ends with ';' too: the hint names ';', not ','.
    [
      "a;b;y;\n1;2;0;\n",
      { delimiter: ";" },
      'line 2, label column 4 ("column_4") is empty; the header gives that column no name ' +
      "either: if the lines end with the delimiter ';' (as some exporters write them), remove " +
      "it from the end of each line",
    ],
    // A column the header leaves unnamed, but not the last: no trailing delimiter to blame.
    ["a,,y\n1,,0\n", { label: "column_2" }, 'line 2, label column 2 ("column_2") is empty'],
  ];
  const dir = await Deno.makeTempDir({ prefix: "lrc-trailing-label-" });
  try {
    for (const [text, options, reason] of cases) {
      const path = `${dir}/t.csv`;
      await Deno.writeTextFile(path, text);
      const refused = (e: Error) =>
        e instanceof SyntaxError && e.message === `Cannot read CSV '${path}': ${reason}`;
      assert.throws(() => parseCsv(text, { ...options, fileName: path }), refused, text);
      await assert.rejects(() => readCsv(path, options), refused, text);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(path, options)) { /* read */ }
        },
        refused,
        text,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
