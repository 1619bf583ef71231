import assert from "node:assert/strict";
import { parseCsv, readCsv } from "../../lib/data/csv.ts";
import { readCsvBatches, readCsvColumns, scanCsv } from "../../lib/data/csv_stream.ts";
import { createPrng, randomNormal } from "../../lib/core/random.ts";

async function withFile(text: string, body: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    await body(file);
  } finally {
    await Deno.remove(file);
  }
}

async function collect(file: string, batchSize: number, filter?: (r: number) => boolean) {
  const values: number[] = [], labels: string[] = [], firstLines: number[] = [];
  for await (const b of readCsvBatches(file, { batchSize, dtype: "float64", rowFilter: filter })) {
    values.push(...b.x.data);
    labels.push(...b.labels);
    firstLines.push(b.firstLine);
  }
  return { values, labels, firstLines };
}

/** parseCsv's message for `text` (the in-memory reader, the streaming reader's oracle), or "". */
function parseCsvMessage(text: string, options: Parameters<typeof parseCsv>[1]): string {
  try {
    parseCsv(text, options);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

Deno.test("streamed batches hold exactly the values parseCsv reads, whatever the chunking", async () => {
  const prng = createPrng(1);
  const lines = ["a,b,c,label"];
  // Some cells quoted (as CSV writers do), labels that hold the delimiter and quotes.
  const quote = (t: string) => `"${t.replaceAll('"', '""')}"`;
  const labels = ["x", "y, z", 'say "hi"'];
  for (let i = 0; i < 500; i++) {
    const v = [randomNormal(prng), randomNormal(prng) * 1e-9, Math.round(prng() * 1e6)];
    const cells = [String(v[0]), v[1].toExponential(12), String(v[2])].map((c) =>
      prng() < 0.2 ? quote(c) : c
    );
    const label = labels[i % 3];
    lines.push([...cells, label === "x" && prng() < 0.5 ? label : quote(label)].join(","));
  }
  const text = lines.join("\r\n") + "\r\n";
  await withFile(text, async (file) => {
    const ref = parseCsv(text);
    for (const batchSize of [1, 7, 500, 4096]) {
      const got = await collect(file, batchSize);
      assert.deepEqual(got.values, [...ref.x.data], `batch size ${batchSize}`);
      assert.deepEqual(got.labels, [...ref.y].map((c) => ref.classes[c]));
    }
    // Tiny read chunks split lines and numbers across reads.
    const values: number[] = [];
    for await (const b of readCsvBatches(file, { chunkBytes: 5, dtype: "float64" })) {
      values.push(...b.x.data);
    }
    assert.deepEqual(values, [...ref.x.data]);
  });
});

Deno.test("numbers parse exactly like Number() on awkward inputs", async () => {
  const cells = [
    "0.1",
    "-0.3",
    "1e-320",
    "1.7976931348623157e308",
    "123456789012345678901",
    "0.000001234",
    "+5",
    "  7 ",
    '"8.5"',
    "9.",
    ".25",
    "1E5",
    "2.5e-3",
    "-0",
    "12345678901234567",
    // Around the fast path's exponent range (10^22 is the largest exact power of ten): 1e23 and
    // 9e23 are one rounding from 1 x 10^23 computed in float64, so they must take the slow path.
    "1e22",
    "9e22",
    "1e-22",
    "1e23",
    "9e23",
    "7e-23",
    "123456789012345e-23",
    "123456789012345e22",
  ];
  const text = "v,y\n" + cells.map((c) => `${c},a`).join("\n") + "\nq,b\n";
  await withFile(text.replace("\nq,b\n", "\n1,b\n"), async (file) => {
    const got = await collect(file, 100);
    const want = cells.map((c) => Number(c.trim().replace(/"/g, "")));
    want.push(1);
    assert.deepEqual(got.values, want);
  });
});

Deno.test("streaming errors name file, line and column in the words parseCsv uses", async () => {
  const cases = [
    "a,b,y\n1,2,x\n3,zz,y\n",
    "a,b,y\n1,2,x\n3,4\n",
    "a,b,y\n1,2,x\n3,,y\n",
    "a,b,y\n1,2,x\n3,1e999,y\n",
  ];
  for (const text of cases) {
    await withFile(text, async (file) => {
      const expected = parseCsvMessage(text, { fileName: file });
      await assert.rejects(() => collect(file, 10), (e: Error) => {
        assert.ok(e instanceof SyntaxError);
        assert.equal(e.message, expected);
        return true;
      });
    });
  }
  await assert.rejects(() => collect("/no/such/file.csv", 10), TypeError);
});

Deno.test("rowFilter keeps the chosen rows and line numbers stay those of the file", async () => {
  await withFile("a,y\n\n1,x\n2,y\n3,x\n4,y\n", async (file) => {
    const got = await collect(file, 1, (r) => r % 2 === 1);
    assert.deepEqual(got.values, [2, 4]);
    assert.deepEqual(got.firstLines, [4, 6]);
  });
});

Deno.test("scanCsv finds rows, classes in encodeLabels order and the column moments", async () => {
  await withFile("f,g,kind\n1,5,10\n3,5,9.0\n5,5,10\n", async (file) => {
    const s = await scanCsv(file);
    assert.equal(s.rows, 3);
    assert.deepEqual(s.featureNames, ["f", "g"]);
    assert.deepEqual(s.classes, ["9", "10"]);
    assert.equal(s.classOf("9.0"), 0);
    assert.deepEqual([...s.mean], [3, 5]);
    assert.ok(Math.abs(s.scale[0] - Math.sqrt(8 / 3)) < 1e-12);
    assert.equal(s.scale[1], 1, "constant column");
    // The raw labels as written ("9.0" and "10"), beside the classes they name.
    assert.deepEqual(s.labels, ["10", "9.0"]);
    // The file's size: 9 + 7 + 8 + 7 characters, one byte each.
    assert.equal(s.bytes, 31);
    // A filter that keeps no row is named as a possible cause.
    await assert.rejects(
      () => scanCsv(file, { rowFilter: () => false }),
      /it has a header but no data rows, or none that the row filter keeps$/,
    );
  });
});

Deno.test("scanCsv's bytes are the file's bytes, a byte-order mark, multi-byte names and CRs included", async () => {
  // 3 (BOM) + 2 (é) + 2 (",y") + 2 (CR LF) + 2 x 5 ("1,0\r\n"): 19 bytes in 16 characters.
  await withFile("\uFEFF\u00e9,y\r\n1,0\r\n2,1\r\n", async (file) => {
    const s = await scanCsv(file);
    assert.deepEqual(s.featureNames, ["\u00e9"]);
    assert.equal(s.bytes, 19);
  });
});

Deno.test("scanCsv gives columns whose squares overflow float64 their true mean and scale", async () => {
  // Deviations of 1e200 square to 1e400 and values near 1.8e308 sum beyond it: the moments are
  // closed forms of the values divided by their power of ten.
  const a = [1, -1, 3], b = [1.7, -1.7, 1];
  const moments = (v: number[], unit: number) => {
    const m = (v[0] + v[1] + v[2]) / 3;
    const s = Math.sqrt(v.reduce((acc, t) => acc + (t - m) ** 2, 0) / 3);
    return [m * unit, s * unit];
  };
  const text = "a,b,y\n" + a.map((t, i) => `${t}e200,${b[i]}e308,${i % 2}`).join("\n") + "\n";
  await withFile(text, async (file) => {
    const s = await scanCsv(file);
    for (const [j, [m, sd]] of [moments(a, 1e200), moments(b, 1e308)].entries()) {
      assert.ok(Math.abs(s.mean[j] - m) <= 1e-12 * sd, `mean[${j}] ${s.mean[j]}, expected ${m}`);
      assert.ok(Math.abs(s.scale[j] / sd - 1) < 1e-12, `scale[${j}] ${s.scale[j]}, expected ${sd}`);
    }
  });
});

Deno.test("scanCsv gives columns whose squared deviations underflow float64 their true mean and scale", async () => {
  // Deviations of 1e-170 square to 1e-340, below float64's smallest number: the moments are the
  // closed forms of 1, 3, 1, 3 times 1e-170 (mean 2e-170, standard deviation 1e-170); near
  // 1e-160 the squares are subnormal and lose digits. A column constant at 1e-200 keeps scale 1,
  // and so does one whose standard deviation would be subnormal (its reciprocal overflows), as
  // in fitStandardizer.
  const text = "a,b,c,d,y\n" +
    [1, 3, 1, 3].map((t, i) => `${t}e-170,${t}e-160,1e-200,${t * 5}e-324,${i % 2}`).join("\n") +
    "\n";
  await withFile(text, async (file) => {
    const s = await scanCsv(file);
    for (const [j, unit] of [[0, 1e-170], [1, 1e-160]]) {
      assert.ok(Math.abs(s.mean[j] / (2 * unit) - 1) < 1e-12, `mean[${j}] ${s.mean[j]}`);
      assert.ok(Math.abs(s.scale[j] / unit - 1) < 1e-12, `scale[${j}] ${s.scale[j]}`);
    }
    assert.equal(s.mean[2], 1e-200);
    assert.equal(s.scale[2], 1, "constant column");
    assert.equal(s.scale[3], 1, "subnormal standard deviation");
  });
  // A tiny column constant up to rounding, c, c (1 + eps), c at c = 1e-200, is constant by
  // StandardScaler's rule (variance 2/9 (c eps)^2 <= (n mean eps)^2 = (3 c eps)^2): scale 1, as
  // fitStandardizer gives it, not its standard deviation of about 1e-216.
  const c = 1e-200;
  await withFile(`a,y\n${c},0\n${c * (1 + Number.EPSILON)},1\n${c},0\n`, async (file) => {
    const s = await scanCsv(file);
    assert.ok(c * (1 + Number.EPSILON) !== c);
    assert.equal(s.scale[0], 1);
    assert.ok(Math.abs(s.mean[0] / c - 1) < 1e-15, `mean ${s.mean[0]}`);
  });
});

Deno.test("scanCsv's second pass over wide and tiny columns reads the rows and columns the first did", async () => {
  // The rescaled second pass must read the file with the scan's own options: the rows the row
  // filter keeps (even rows here) and the columns asked for (c, then a; b is text). Closed forms:
  // kept values of a are 1, 3 (mean 2, sd 1) times 1e200; of c, 1, 5 (mean 3, sd 2) times
  // 1e-170. The odd rows hold values that would move both moments.
  const text = "a,b,c,y\n" +
    [["1e200", "1e-170"], ["9e200", "9e-170"], ["3e200", "5e-170"], ["-7e200", "-8e-170"]]
      .map(([a, c], i) => `${a},text${i},${c},${i % 2}`).join("\n") +
    "\n";
  await withFile(text, async (file) => {
    const s = await scanCsv(file, { features: [2, 0], rowFilter: (r) => r % 2 === 0 });
    assert.equal(s.rows, 2);
    assert.deepEqual(s.featureNames, ["c", "a"]);
    for (const [j, m, sd] of [[0, 3e-170, 2e-170], [1, 2e200, 1e200]]) {
      assert.ok(Math.abs(s.mean[j] / m - 1) < 1e-12, `mean[${j}] ${s.mean[j]}, expected ${m}`);
      assert.ok(Math.abs(s.scale[j] / sd - 1) < 1e-12, `scale[${j}] ${s.scale[j]}, expected ${sd}`);
    }
  });
});

Deno.test("readCsvBatches refuses a header that is not a boolean and a dtype it does not know", async () => {
  await withFile("a,y\n1,x\n", async (file) => {
    await assert.rejects(
      () => all(file, { header: 0 as unknown as boolean }),
      /^TypeError: Cannot read CSV '[^']+': header must be a boolean, got number 0$/,
    );
    await assert.rejects(
      () => all(file, { dtype: "float16" as "float32" }),
      /^RangeError: Cannot read CSV '[^']+': dtype must be float32 or float64, got string "float16"$/,
    );
    await assert.rejects(
      () => readCsvColumns(file, { header: "false" as unknown as boolean }),
      /^TypeError: Cannot read CSV '[^']+': header must be a boolean/,
    );
  });
});

Deno.test("a delimiter that is not one ASCII character is refused, not used in part", async () => {
  // The header is split on the whole delimiter, the rows on its first byte: with ",5" the row
  // "1,52,5x" read as the features 1 and 52 and the label "5x", without a word.
  await withFile("a,5b,5y\n1,52,5x\n", async (file) => {
    for (const delimiter of [",5", ";;", "\u00e9", '"', ""]) {
      await assert.rejects(
        () => all(file, { delimiter }),
        /^RangeError: Cannot read CSV '[^']+': delimiter must be one ASCII character other than a quote or a line break, got /,
        JSON.stringify(delimiter),
      );
      await assert.rejects(() => readCsvColumns(file, { delimiter }), RangeError);
    }
    await assert.rejects(
      () => all(file, { delimiter: 44 as unknown as string }),
      /^TypeError: Cannot read CSV '[^']+': delimiter must be a string, got number 44$/,
    );
  });
});

Deno.test("features that are not an array and a rowFilter that is not a function are refused by name", async () => {
  // They ended in "features.forEach is not a function" and "keep is not a function".
  await withFile("a,b,y\n1,2,x\n", async (file) => {
    await assert.rejects(
      () => all(file, { features: 1 as unknown as number[] }),
      /^TypeError: Cannot read CSV '[^']+': features must be an array of column indices, got number 1$/,
    );
    await assert.rejects(
      () => all(file, { features: Int32Array.of(1, 0) as unknown as number[] }),
      /^TypeError: Cannot read CSV '[^']+': features must be an array of column indices, got Int32Array\(2\)$/,
    );
    // Column names, or indices written as text, are not indices: they were refused as 'feature
    // column a is outside 0..2', which no number the message names is.
    await assert.rejects(
      () => all(file, { features: ["a", "b"] as unknown as number[] }),
      /^TypeError: Cannot read CSV '[^']+': features must be an array of column indices, got string "a" at position 0$/,
    );
    await assert.rejects(
      () => all(file, { features: [0, "1"] as unknown as number[] }),
      /^TypeError: Cannot read CSV '[^']+': features must be an array of column indices, got string "1" at position 1$/,
    );
    await assert.rejects(
      () => all(file, { rowFilter: true as unknown as () => boolean }),
      /^TypeError: Cannot read CSV '[^']+': rowFilter must be a function, got boolean true$/,
    );
  });
});

/** Every batch of a file. */
async function all(file: string, options: Parameters<typeof readCsvBatches>[1]) {
  const batches = [];
  for await (const b of readCsvBatches(file, options)) batches.push(b);
  return batches;
}

Deno.test("readCsvBatches with label: null reads every column as a feature and names them", async () => {
  await withFile("a,b,c\n1,2,3\n4,5,6\n7,8,9\n", async (file) => {
    const batches = [];
    for await (const b of readCsvBatches(file, { label: null, batchSize: 2, dtype: "float64" })) {
      batches.push(b);
    }
    assert.deepEqual(batches.map((b) => [b.x.rows, b.x.cols]), [[2, 3], [1, 3]]);
    assert.deepEqual([...batches[0].x.data, ...batches[1].x.data], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(batches.flatMap((b) => b.labels), []);
    assert.deepEqual(batches[0].featureNames, ["a", "b", "c"]);
    // With a label column, the names leave it out, wherever it is.
    const labelled = await all(file, { label: "b", dtype: "float64" });
    assert.equal(labelled.length, 1);
    assert.deepEqual(labelled[0].featureNames, ["a", "c"]);
    assert.deepEqual([...labelled[0].x.data], [1, 3, 4, 6, 7, 9]);
    assert.deepEqual(labelled[0].labels, ["2", "5", "8"]);
  });
  // One column is enough without a label; a scan still needs one.
  await withFile("v\n1\n2\n", async (file) => {
    const values = [];
    for await (const b of readCsvBatches(file, { label: null })) values.push(...b.x.data);
    assert.deepEqual(values, [1, 2]);
    // @ts-expect-error: a JavaScript caller can still pass null
    await assert.rejects(() => scanCsv(file, { label: null }), /needs a label column/);
  });
});

Deno.test("readCsvColumns reads the first line only", async () => {
  await withFile("\n\ufeffx,y,label\n1,2,a\nnot,a,number\n", async (file) => {
    assert.deepEqual(await readCsvColumns(file), ["x", "y", "label"]);
    assert.deepEqual(await readCsvColumns(file, { header: false }), [
      "column_1",
      "column_2",
      "column_3",
    ]);
  });
  await withFile("a;b\n1;2\n", async (file) => {
    assert.deepEqual(await readCsvColumns(file, { delimiter: ";" }), ["a", "b"]);
  });
  await withFile("a,a\n", async (file) => {
    await assert.rejects(() => readCsvColumns(file), /columns 1 and 2 are both named "a"/);
  });
  await withFile("", async (file) => {
    await assert.rejects(() => readCsvColumns(file), /the file is empty/);
  });
});

Deno.test("readCsvBatches features: only the named columns are parsed, in the order asked", async () => {
  await withFile("id,a,b,y,c\nr1,1,2,cat,3\n\n  \nr2,4,5,dog,6\n", async (file) => {
    const [b, ...more] = await all(file, { label: "y", features: [4, 1], dtype: "float64" });
    assert.equal(more.length, 0);
    assert.deepEqual([...b.x.data], [3, 1, 6, 4]);
    assert.equal(b.x.cols, 2);
    assert.deepEqual(b.featureNames, ["c", "a"]);
    assert.deepEqual(b.labels, ["cat", "dog"]);
    assert.deepEqual([...b.lines], [2, 5]); // blank lines are skipped but counted
    const read = async (options: Parameters<typeof readCsvBatches>[1]) => {
      for await (const _ of readCsvBatches(file, options)) { /* drain */ }
    };
    await assert.rejects(
      () => read({ label: "y", features: [3] }),
      /column 4 \("y"\) is the label column/,
    );
    await assert.rejects(
      () => read({ label: "y", features: [1, 1] }),
      /column 2 \("a"\) is asked for twice/,
    );
    await assert.rejects(
      () => read({ label: "y", features: [5] }),
      /feature column 5 is outside 0\.\.4/,
    );
    // Without `features`, the text column is parsed and refused.
    await assert.rejects(() => read({ label: "y" }), /column 1 \("id"\) holds 'r1'/);
  });
});

Deno.test("readCsvBatches gives each row its file line, across batches and blank lines", async () => {
  const text = ["a,y", "1,p", "", "2,q", "3,p", "\t", "", "4,q", "5,p"].join("\n") + "\n";
  await withFile(text, async (file) => {
    const batches = await all(file, { batchSize: 2, chunkBytes: 4 });
    assert.deepEqual(batches.map((b) => [...b.lines]), [[2, 4], [5, 8], [9]]);
    assert.deepEqual(batches.map((b) => b.firstLine), [2, 5, 9]);
  });
});

Deno.test("readCsvBatches reads quoted cells: the delimiter and doubled quotes inside, in any column", async () => {
  const text = 'note,a,y\n"hello, world",1,"cat, ""black"""\n  "x" ,"2.5",dog\n';
  await withFile(text, async (file) => {
    const [b] = await all(file, { label: "y", features: [1], dtype: "float64" });
    assert.deepEqual([...b.x.data], [1, 2.5]);
    assert.deepEqual(b.labels, ['cat, "black"', "dog"]);
    // Reading the note as a number names it, as it is.
    await assert.rejects(
      () => all(file, { label: "y", dtype: "float64" }),
      /line 2, column 1 \("note"\) holds 'hello, world'/,
    );
  });
  const refused: [string, RegExp][] = [
    ['a,y\n"1,p\n', /line 2, column 1: a quoted cell is unterminated or holds a line break/],
    ['a,y\n"1\n2",p\n', /line 2, column 1: a quoted cell is unterminated or holds a line break/],
    ['a,y\n"1"x,p\n', /line 2, column 1: text follows a quoted cell/],
    ['a,y\n1",p\n', /line 2, column 1: a quote is in a cell that does not start with one/],
    ['a,y\n"1",p,"z,z"\n', /line 2 has 3 fields, the header has 2/],
  ];
  for (const [bad, message] of refused) {
    await withFile(bad, async (file) => {
      await assert.rejects(() => all(file, {}), message);
    });
  }
});

Deno.test("the streaming reader calls an Infinity cell not a finite number, not an overflow", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    for (const cell of ["Infinity", "-Infinity", " +Infinity "]) {
      await Deno.writeTextFile(file, `a,y\n1,0\n${cell},1\n`);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(file)) { /* reading is the test */ }
        },
        (e: Error) =>
          e instanceof SyntaxError &&
          e.message.endsWith(`holds '${cell.trim()}', which is not a finite decimal number`),
        cell,
      );
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the streaming reader refuses hexadecimal, octal and binary cells, as parseCsv does", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    for (const cell of ["0x10", "0b11", "0o7", "-0x1", "0X1F"]) {
      await Deno.writeTextFile(file, `a,y\n1,0\n${cell},1\n`);
      await assert.rejects(
        async () => {
          for await (const _ of readCsvBatches(file)) { /* reading is the test */ }
        },
        (e: Error) =>
          e instanceof SyntaxError &&
          e.message.includes(
            `line 3, column 1 ("a") holds '${cell}', which is not a finite decimal`,
          ),
        cell,
      );
      assert.throws(() => parseCsv(`a,y\n1,0\n${cell},1\n`), /not a finite decimal number/, cell);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("batchSize and chunkBytes that are not positive integers are refused", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,y\n1,0\n2,1\n");
    for (
      const [option, value] of [["batchSize", 0], ["batchSize", 2.5], ["batchSize", NaN], [
        "batchSize",
        -1,
      ], ["chunkBytes", 0]] as const
    ) {
      await assert.rejects(
        async () => {
          for await (
            const _ of readCsvBatches(file, { [option]: value })
          ) { /* reading is the test */ }
        },
        new RegExp(`^RangeError: Cannot read CSV '.*': ${option} must be an integer`),
        `${option} ${value}`,
      );
    }
    await assert.rejects(() => scanCsv(file, { batchSize: 0 }), /batchSize must be an integer/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a file whose lines end with a carriage return alone is refused, not read as no rows", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, "a,y\r1,0\r2,1\r");
    await assert.rejects(
      () => scanCsv(file),
      /holds a carriage return that does not end a line \(after line 1\); lines must end with/,
    );
    // CRLF, split anywhere by the chunking, still reads.
    await Deno.writeTextFile(file, "a,y\r\n1,0\r\n2,1\r\n");
    for (const chunkBytes of [1, 2, 3, 5, 64]) {
      const rows: number[] = [];
      for await (const b of readCsvBatches(file, { chunkBytes })) rows.push(...b.x.data);
      assert.deepEqual(rows, [1, 2], `chunkBytes ${chunkBytes}`);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a tab delimiter ends an empty cell instead of being trimmed as a blank", async () => {
  const options = { delimiter: "\t", fileName: "" };
  // Blanks around cells are trimmed; an empty cell between two tabs stays a cell.
  await withFile("a\tb\ty\n 1 \t 2\tx\n3\t4\t y \n", async (file) => {
    const read = await Array.fromAsync(readCsvBatches(file, { delimiter: "\t", dtype: "float64" }));
    assert.deepEqual([...read[0].x.data], [1, 2, 3, 4]);
    assert.deepEqual(read[0].labels, ["x", "y"]);
  });
  // Before the fix the reader stepped over the empty cell: it read b = 2 from the four-field
  // line, and called 'cat' a bad number in the three-field one. Both lines are refused now, with
  // parseCsv's message: a bad cell in a row of the wrong width is named as the wrong width (the
  // stream named the empty cell here until it counted the fields of a row with a bad cell).
  await withFile("a\tb\ty\n1\t\t2\tcat\n", async (file) => {
    assert.throws(() => parseCsv("a\tb\ty\n1\t\t2\tcat\n", options), /line 2 has 4 fields/);
    await assert.rejects(() => Array.fromAsync(readCsvBatches(file, { delimiter: "\t" })), {
      name: "SyntaxError",
      message: /line 2 has 4 fields, the header has 3: column 4 is extra$/,
    });
  });
  const text = "a\tb\ty\n1\t\tcat\n";
  await withFile(text, async (file) => {
    const expected = parseCsvMessage(text, { ...options, fileName: file });
    assert.match(expected, /line 2, column 2 \("b"\) is empty/);
    await assert.rejects(
      () => Array.fromAsync(readCsvBatches(file, { delimiter: "\t" })),
      (e: Error) => e instanceof SyntaxError && e.message === expected,
    );
  });
});

Deno.test("a line of tab (or space) delimiters only is a row of empty cells, not a blank line", async () => {
  // A spreadsheet's empty row exported as tab-separated text is "\t\t". parseCsv refuses it, as
  // the streaming reader refuses ",," with commas; the stream skipped it as blank, so `lrc train
  // --stream` trained on one row fewer and `lrc predict` wrote one prediction fewer, without a word.
  for (const delimiter of ["\t", " "]) {
    const text = ["a", "b", "y"].join(delimiter) + "\n" + ["1", "2", "x"].join(delimiter) + "\n" +
      delimiter.repeat(2) + "\n" + ["3", "4", "z"].join(delimiter) + "\n";
    await withFile(text, async (file) => {
      const expected = parseCsvMessage(text, { delimiter, fileName: file });
      assert.match(expected, /line 3, column 1 \("a"\) is empty/);
      await assert.rejects(
        () => Array.fromAsync(readCsvBatches(file, { delimiter })),
        (e: Error) => e instanceof SyntaxError && e.message === expected,
      );
    });
  }
  // Blanks that are not the delimiter still make a blank line, skipped by both readers.
  const text = "a\tb\ty\n1\t2\tx\n   \n3\t4\tz\n";
  await withFile(text, async (file) => {
    const read = await Array.fromAsync(readCsvBatches(file, { delimiter: "\t", dtype: "float64" }));
    assert.deepEqual(read.flatMap((b) => [...b.x.data]), [
      ...parseCsv(text, { delimiter: "\t" }).x.data,
    ]);
  });
});

Deno.test("a value beyond float32's range is refused when read as float32, kept as float64", async () => {
  const text = "a,y\n1,0\n-1e39,1\n";
  const reason = /line 3, column 1 \("a"\) holds '-1e39', beyond float32's largest magnitude/;
  assert.throws(() => parseCsv(text, { dtype: "float32" }), {
    name: "SyntaxError",
    message: reason,
  });
  assert.deepEqual([...parseCsv(text).x.data], [1, -1e39]);
  await withFile(text, async (file) => {
    await assert.rejects(() => Array.fromAsync(readCsvBatches(file)), {
      name: "SyntaxError",
      message: reason,
    });
    const read = await Array.fromAsync(readCsvBatches(file, { dtype: "float64" }));
    assert.deepEqual([...read[0].x.data], [1, -1e39]);
  });
});

Deno.test("a first line of numbers that repeat is refused with a pointer to reading it headerless", async () => {
  // Pixels: a headerless file's first row repeats values, which read as duplicate names.
  const text = "0,0,5,13,1\n0,1,4,2,0\n";
  const reason =
    /^Cannot read CSV '.*': line 1, columns 1 and 2 are both named "0"; line 1 holds numbers, so the file may have no header: read it without one \(header: false; lrc: --no-header\)$/;
  assert.throws(() => parseCsv(text), { name: "RangeError", message: reason });
  await withFile(text, async (file) => {
    await assert.rejects(() => readCsvColumns(file), { name: "RangeError", message: reason });
    await assert.rejects(() => Array.fromAsync(readCsvBatches(file)), { message: reason });
    const read = await Array.fromAsync(readCsvBatches(file, { header: false, dtype: "float64" }));
    assert.deepEqual([...read[0].x.data], [0, 0, 5, 13, 0, 1, 4, 2]);
  });
  // Named columns get no such hint.
  assert.throws(() => parseCsv("a,a,y\n1,2,0\n"), { message: /both named "a"$/ });
});

Deno.test("a repeated header name is quoted cut short by both readers, as fit quotes one", async () => {
  // The header message printed the repeated name whole: two columns named with 10,000
  // characters made a 10,066-character message. Oracle: JSON quotes of the first 60 characters
  // and the length, written out here.
  const long = "n".repeat(10000);
  const text = `${long},b,${long},y\n1,2,3,0\n`;
  const message = (file: string) =>
    `Cannot read CSV '${file}': line 1, columns 1 and 3 are both named "${
      "n".repeat(60)
    }"... (10000 characters)`;
  assert.throws(() => parseCsv(text), { name: "RangeError", message: message("<csv>") });
  await withFile(text, async (file) => {
    await assert.rejects(() => readCsvColumns(file), {
      name: "RangeError",
      message: message(file),
    });
    await assert.rejects(() => Array.fromAsync(readCsvBatches(file)), {
      name: "RangeError",
      message: message(file),
    });
  });
});

Deno.test("a long column name in a cell or label refusal is quoted cut short by both readers", async () => {
  // Cell and label messages and "no column named" printed the name whole: a 10,000-character
  // name made a 10,000-character message. Oracle: JSON quotes of the first 60 characters and the
  // length, written out here.
  const long = "n".repeat(10000);
  const quote = `"${"n".repeat(60)}"... (10000 characters)`;
  const cases: [string, Parameters<typeof readCsvBatches>[1], string][] = [
    [`${long},y\n1,0\nx,1\n`, {}, `line 3, column 1 (${quote}) holds 'x'`],
    [`${long},y\n1,0\n,1\n`, {}, `line 3, column 1 (${quote}) is empty`],
    [`a,${long}\n1,0\n2,\n`, {}, `line 3, label column 2 (${quote}) is empty`],
    [`a,y\n1,0\n`, { label: long }, `no column named ${quote} (columns: ["a","y"])`],
  ];
  for (const [text, options, reason] of cases) {
    const check = (e: Error) => e.message.includes(reason) && !e.message.includes("n".repeat(61));
    assert.throws(() => parseCsv(text, options as Parameters<typeof parseCsv>[1]), check);
    await withFile(text, async (file) => {
      await assert.rejects(() => Array.fromAsync(readCsvBatches(file, options)), check);
    });
  }
});

Deno.test("a file URL's path is named decoded in messages (a space, not %20)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lrc csv " });
  try {
    const file = `${dir}/bad data.csv`;
    await Deno.writeTextFile(file, "a,y\n1,0\nx,1\n");
    const url = new URL(`file://${file.split("/").map(encodeURIComponent).join("/")}`);
    assert.match(url.href, /%20/);
    for (
      const read of [
        () => readCsv(url),
        () => scanCsv(url),
        async () => {
          for await (const _ of readCsvBatches(url)) { /* reading is the point */ }
        },
      ]
    ) {
      await assert.rejects(read, (e: Error) => {
        assert.ok(e.message.includes(`'${file}'`), e.message);
        assert.ok(!e.message.includes("%20"), e.message);
        return true;
      });
    }
    await assert.rejects(() => readCsv(new URL(`${url.href}.missing`)), (e: Error) => {
      assert.ok(e.message.includes(`${file}.missing`), e.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a row with extra fields is counted as parseCsv counts it, wherever the extras are", async () => {
  // The stream counted the delimiters after the first extra field, not the fields: 'a,y' then
  // '1,p,x,z' read as "3 fields" (csv-parse counts 4), and a delimiter inside a quoted extra
  // field counted as one more field.
  const rows = ["1,p,x,z", '1,p,"x,q",z', '1,p,x,"q,r"', '1,p,x,""', "1,p,x,", "1,p,x"];
  for (const row of rows) {
    const text = `a,y\n0,q\n${row}\n`;
    await withFile(text, async (file) => {
      const expected = parseCsvMessage(text, { fileName: file });
      assert.match(expected, /line 3 has \d+ fields, the header has 2: column 3 is extra$/, row);
      await assert.rejects(() => all(file, {}), (e: Error) => {
        assert.ok(e instanceof SyntaxError, row);
        assert.equal(e.message, expected, row);
        return true;
      });
    });
  }
  // Three columns and three extra fields: 6 fields, column 4 the first extra.
  await withFile("a,b,y\n1,2,x,e1,e2,e3\n", async (file) => {
    await assert.rejects(
      () => all(file, {}),
      /line 2 has 6 fields, the header has 3: column 4 is extra$/,
    );
  });
});

Deno.test("scanCsv's moments are the same for any batch size (each column's shift is its first row)", async () => {
  // Closed forms: population mean and standard deviation of each column, summed directly here.
  const cols = [
    [1, 2, 4, 8, 16, 32, 64, 128, 256],
    [1000.5, 999.5, 1002, 998, 1000, 1001.25, 997, 1003, 1000],
  ];
  const n = cols[0].length;
  const text = "a,b,y\n" +
    Array.from({ length: n }, (_, i) => `${cols[0][i]},${cols[1][i]},${i % 2}\n`).join("");
  const moments = (v: number[]) => {
    const m = v.reduce((s, t) => s + t, 0) / v.length;
    return [m, Math.sqrt(v.reduce((s, t) => s + (t - m) ** 2, 0) / v.length)];
  };
  await withFile(text, async (file) => {
    for (const batchSize of [1, 2, 4, 4096]) {
      const s = await scanCsv(file, { batchSize });
      assert.equal(s.rows, n);
      for (const [j, [m, sd]] of cols.map(moments).entries()) {
        assert.ok(Math.abs(s.mean[j] - m) <= 1e-12 * Math.abs(m), `batch ${batchSize}: mean[${j}]`);
        assert.ok(Math.abs(s.scale[j] / sd - 1) <= 1e-12, `batch ${batchSize}: scale[${j}]`);
      }
    }
  });
});

Deno.test("scanCsv computes its moments from the values stored as dtype says", async () => {
  // 16777217 = 2^24 + 1 is 2^24 in float32: the column is constant there (scale 1, mean 2^24)
  // and alternates by 1 in float64 (mean 2^24 + 0.5, population standard deviation 0.5).
  const text = "a,y\n16777216,0\n16777217,1\n16777216,0\n16777217,1\n";
  await withFile(text, async (file) => {
    const f32 = await scanCsv(file, { dtype: "float32" });
    assert.deepEqual([f32.mean[0], f32.scale[0]], [2 ** 24, 1]);
    for (const options of [{}, { dtype: "float64" as const }]) {
      const f64 = await scanCsv(file, options);
      assert.deepEqual([f64.mean[0], f64.scale[0]], [2 ** 24 + 0.5, 0.5]);
    }
  });
});

Deno.test("a stray carriage return is placed by its line, counted across chunks", async () => {
  // The CR follows '3' on line 4 (lines 1-3 end with \n): 'after line 4' whatever the chunking,
  // the lines of earlier chunks plus the newlines before it in its own (counting only the
  // earlier chunks' lines would say 'after line 1' for any CR in a file's first chunk).
  await withFile("a,y\n1,0\n2,1\n3\r,0\n4,1\n", async (file) => {
    for (const chunkBytes of [1, 3, 6, 9, 1024]) {
      await assert.rejects(
        () => all(file, { chunkBytes }),
        (e: Error) =>
          e instanceof SyntaxError &&
          e.message.includes("holds a carriage return that does not end a line (after line 4);"),
        `chunkBytes ${chunkBytes}`,
      );
    }
  });
});

Deno.test("a feature index that is negative, fractional or NaN is refused as outside the columns", async () => {
  // Without the integer and sign checks slot[-1] and slot[0.5] are undefined, not -1, so each
  // would be refused as "column 0 ('undefined') is asked for twice", naming no column there is.
  await withFile("a,b,y\n1,2,x\n", async (file) => {
    for (const j of [-1, 0.5, NaN, 2.5]) {
      await assert.rejects(() => all(file, { features: [0, j] }), {
        name: "RangeError",
        message: `Cannot read CSV '${file}': feature column ${j} is outside 0..2`,
      });
    }
  });
});

Deno.test("the streaming reader's header, label and one-column rules are parseCsv's", async () => {
  // parseCsv is the oracle for each; the expected names and messages are also written out.
  // A blank header cell is named by its 1-based column: 'column_2'.
  const blank = "a, ,y\n1,2,x\n";
  await withFile(blank, async (file) => {
    const [b] = await all(file, { dtype: "float64" });
    assert.deepEqual(b.featureNames, ["a", "column_2"]);
    assert.deepEqual(b.featureNames, parseCsv(blank).featureNames);
    assert.deepEqual(await readCsvColumns(file), ["a", "column_2", "y"]);
  });
  // A label in digits names the column with that name first, an index only when none has it:
  // '2' is the middle column here (index 2 is 'b'), '0' is index 0.
  const digits = "a,2,b\n5,6,7\n";
  await withFile(digits, async (file) => {
    const [named] = await all(file, { label: "2", dtype: "float64" });
    assert.deepEqual([named.labels, named.featureNames, [...named.x.data]], [
      ["6"],
      ["a", "b"],
      [5, 7],
    ]);
    assert.deepEqual(parseCsv(digits, { label: "2" }).featureNames, ["a", "b"]);
    const [indexed] = await all(file, { label: "0", dtype: "float64" });
    assert.deepEqual([indexed.labels, indexed.featureNames], [["5"], ["2", "b"]]);
  });
  // An empty label cell, a fractional label index and a file of one column with a label.
  const refused: [string, Parameters<typeof readCsvBatches>[1], string, string][] = [
    ["a,b,y\n1,2,x\n3,4, \n", {}, "SyntaxError", 'line 3, label column 3 ("y") is empty'],
    ["a,b,y\n1,2,x\n", { label: 1.5 }, "RangeError", "label column index 1.5 is outside 0..2"],
    [
      "v\n1\n2\n",
      {},
      "SyntaxError",
      "it has 1 column; a feature and a label column are needed",
    ],
  ];
  for (const [text, options, name, reason] of refused) {
    await withFile(text, async (file) => {
      const message = `Cannot read CSV '${file}': ${reason}`;
      assert.equal(
        parseCsvMessage(text, { ...options, fileName: file } as Parameters<typeof parseCsv>[1]),
        message,
      );
      await assert.rejects(() => all(file, options), { name, message }, reason);
    });
  }
});

Deno.test("batches are handed out chunk by chunk, before the end of a file larger than a chunk", async () => {
  // 'never holding more than one batch and one chunk': with chunks of a few bytes the first
  // batches arrive while the file's last line, which is refused, is still unread. Ignoring
  // chunkBytes (its default, 1 MiB, holds this whole 0.8 MB file) read every line before
  // handing out the first batch, so the error came first. The file is far larger than one read
  // of the file (64 KiB here), so which chunk sizes are honoured shows.
  const n = 100_000;
  const text = "a,y\n" + Array.from({ length: n }, (_, i) => `${i},${i % 2}\n`).join("") + "z,0\n";
  assert.ok(text.length > 700_000 && text.length < 2 ** 20);
  await withFile(text, async (file) => {
    for (const chunkBytes of [1, 4096]) {
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const b of readCsvBatches(file, { chunkBytes, batchSize: 1000 })) {
          seen.push(...b.x.data);
        }
      }, /line 100002, column 1 \("a"\) holds 'z'/);
      assert.ok(seen.length > 0 && seen.length < n, `chunkBytes ${chunkBytes}: ${seen.length}`);
      assert.ok(seen.every((v, i) => v === i), "the file's first rows, in order");
    }
  });
});

Deno.test("a read boundary anywhere in a quoted cell, a CRLF or an unterminated last row changes nothing", async () => {
  // The file is read 64 KiB at a time (chunkBytes 1 keeps each read a chunk of its own): padding
  // the rows before the tail moves that boundary through every byte of the tail, whose rows hold
  // a quoted number, a quoted label with the delimiter and doubled quotes, -0, a blank line, CRLF
  // line ends and a last row without one. parseCsv, which reads the text whole, is the oracle.
  const read = 65536;
  const tail = '"2.5",4,"cat, ""b"""\r\n-0,1e-3,"q"\r\n\r\n7,8,z';
  for (let k = 0; k <= tail.length; k++) {
    const head = "a,b,y\r\n" + "1,2,f\r\n".repeat(Math.floor((read - k - 14) / 7));
    // One row of zeros before a 3 brings the text before the tail to exactly read - k bytes.
    const text = head + `1,${"0".repeat(read - k - head.length - 7)}3,f\r\n` + tail;
    assert.equal(text.length - tail.length, read - k);
    const ref = parseCsv(text);
    await withFile(text, async (file) => {
      for (const chunkBytes of [1, 2 ** 20]) {
        const values: number[] = [], labels: string[] = [];
        for await (const b of readCsvBatches(file, { chunkBytes, dtype: "float64" })) {
          values.push(...b.x.data);
          labels.push(...b.labels);
        }
        const at = `boundary ${k} bytes before the tail, chunkBytes ${chunkBytes}`;
        assert.deepEqual(values, [...ref.x.data], at);
        assert.deepEqual(labels, [...ref.y].map((c) => ref.classes[c]), at);
        assert.deepEqual(labels.slice(-3), ['cat, "b"', "q", "z"], at);
        assert.ok(Object.is(values.at(-4), -0), `${at}: -0 stays -0`);
      }
    });
  }
});

Deno.test("a byte-order mark before a quoted first cell is dropped, as parseCsv drops it", async () => {
  const cases: [string, boolean][] = [
    ['\ufeff"a",y\n1,p\n2,q', true],
    ['\ufeff"1",p\n2,q\n', false],
  ];
  for (const [text, header] of cases) {
    const ref = parseCsv(text, { header });
    await withFile(text, async (file) => {
      const [b] = await all(file, { header, dtype: "float64" });
      assert.deepEqual([...b.x.data], [...ref.x.data], JSON.stringify(text));
      assert.deepEqual([...b.x.data], [1, 2]);
      assert.deepEqual(b.featureNames, ref.featureNames);
      assert.deepEqual(b.labels, ["p", "q"]);
    });
  }
});

Deno.test("both readers trim blanks around quoted and unquoted cells alike, not inside quotes", async () => {
  // parseCsv refused ' "1" ,x' (csv-parse's "Invalid Opening Quote") that the stream reads as 1,
  // so `lrc train` and `lrc train --stream` disagreed on the same file. Each row is written with
  // commas and read with each delimiter; a label keeps no blanks in either reader (the
  // label is trimmed, inside quotes too), a number in quotes with blanks inside is still read.
  type Want = { x: number; label: string } | RegExp;
  const rows: [string, Want][] = [
    [' "1" ,x', { x: 1, label: "x" }],
    ['\t"1"\t,\t"x"\t', { x: 1, label: "x" }],
    ['  "2.5"  ,  "dog"  ', { x: 2.5, label: "dog" }],
    [" 3 , y ", { x: 3, label: "y" }],
    ["\t-4\t,\tz\t", { x: -4, label: "z" }],
    ['" 5 ",w', { x: 5, label: "w" }],
    ['6," a "', { x: 6, label: "a" }],
    ['7, " b c " ', { x: 7, label: "b c" }],
    ['8,"say ""hi"""  ', { x: 8, label: 'say "hi"' }],
    ['  "9,5"  ,x', /line 2, column 1 \("a"\) holds '9.5', which is not a finite decimal number/],
    [' "" ,x', /line 2, column 1 \("a"\) is empty/],
    ['" ",x', /line 2, column 1 \("a"\) is empty/],
    ['1, "" ', /line 2, label column 2 \("y"\) is empty/],
    ['1,"\t"', /line 2, label column 2 \("y"\) is empty/],
  ];
  const headers = ["a,y", ' "a" , "y" ', '\t" a "\t,y', "a , y "];
  for (const delimiter of [",", ";", "\t"]) {
    for (const header of headers) {
      for (const [row, want] of rows) {
        const line = `${header}\n${row}\n`;
        // With the tab as delimiter the blanks around cells are spaces only.
        if (delimiter === "\t" && line.includes("\t")) continue;
        const text = line.replaceAll(",", delimiter);
        const at = `${JSON.stringify(text)} read with ${JSON.stringify(delimiter)}`;
        await withFile(text, async (file) => {
          const expected = parseCsvMessage(text, { delimiter, fileName: file });
          for (const chunkBytes of [1, 3, 65536]) {
            const options = { delimiter, chunkBytes, dtype: "float64" as const };
            if (want instanceof RegExp) {
              assert.match(expected, want, at);
              await assert.rejects(
                () => all(file, options),
                (e: Error) => e instanceof SyntaxError && e.message === expected,
                at,
              );
              continue;
            }
            assert.equal(expected, "", at);
            const ref = parseCsv(text, { delimiter });
            const [b] = await all(file, options);
            assert.deepEqual([...ref.x.data], [want.x], at);
            assert.deepEqual([...ref.y].map((c) => ref.classes[c]), [want.label], at);
            assert.deepEqual(ref.featureNames, ["a"], at);
            assert.deepEqual([...b.x.data], [want.x], at);
            assert.deepEqual(b.labels, [want.label], at);
            assert.deepEqual(b.featureNames, ["a"], at);
          }
        });
      }
    }
  }
});

Deno.test("a line of white space other than blanks is skipped by both readers", async () => {
  // parseCsv skips a line that String.prototype.trim empties (a no-break space, a form feed); the
  // stream skipped only lines of spaces and tabs and refused the others ("line 3 has 1 fields").
  // Oracle: parseCsv's rows and messages; the stream's file lines count the skipped line.
  for (const c of ["\u00a0", "\f", "\v", "\u2003", "\u3000", "\ufeff", ` \u00a0\t`]) {
    const at = JSON.stringify(c);
    const text = `${c}\na,y\n1,p\n${c}\n2,q\n${c}${c}\n`;
    await withFile(text, async (file) => {
      const ref = parseCsv(text);
      assert.deepEqual([...ref.x.data], [1, 2], at);
      for (const chunkBytes of [1, 65536]) {
        const batches = await all(file, { chunkBytes, dtype: "float64" });
        assert.deepEqual(batches.flatMap((b) => [...b.x.data]), [1, 2], at);
        assert.deepEqual(batches.flatMap((b) => [...b.lines]), [3, 5], at);
      }
      assert.deepEqual(await readCsvColumns(file), ["a", "y"], at);
    });
    const empty = `${c}\n${c}\n`;
    await withFile(empty, async (file) => {
      const expected = parseCsvMessage(empty, { fileName: file });
      assert.match(expected, /the file is empty$/, at);
      await assert.rejects(
        () => all(file, {}),
        (e: Error) => e instanceof SyntaxError && e.message === expected,
        at,
      );
    });
  }
  // A tab delimiter after the white space still makes a row of empty cells, refused by both.
  const text = "a\ty\n1\tp\n\u00a0\t\n";
  await withFile(text, async (file) => {
    const expected = parseCsvMessage(text, { delimiter: "\t", fileName: file });
    assert.match(expected, /line 3, column 1 \("a"\) is empty/);
    await assert.rejects(
      () => all(file, { delimiter: "\t" }),
      (e: Error) => e instanceof SyntaxError && e.message === expected,
    );
  });
});

Deno.test("both readers read white space other than blanks around a quoted cell alike", async () => {
  // parseCsv, with csv-parse's trim, drops any white space String.prototype.trim drops before a
  // quoted cell (a form feed, a no-break space, U+3000) and single-byte white space after one;
  // the stream skipped spaces and tabs only, so it refused '\u00a0"1",x' ("a quote is in a cell
  // that does not start with one") and '"1"\v,x' ("text follows a quoted cell") that parseCsv
  // reads as 1. After the quote a no-break space is refused by both.
  const white = [
    "\v",
    "\f",
    "\u00a0",
    "\u1680",
    "\u2000",
    "\u200a",
    "\u2028",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000",
    "\ufeff",
  ];
  for (const c of white) {
    const rows = [
      `${c}"1",${c}"x"`,
      `${c} ${c}"1"\t, ${c}"x"`,
      `"1"${c},"x"${c}`,
      `${c}1,x${c}`,
      `${c},x`,
      `1,${c}`,
    ];
    for (const row of rows) {
      const text = `a,y\n${row}\n`;
      const at = JSON.stringify(text);
      await withFile(text, async (file) => {
        const expected = parseCsvMessage(text, { fileName: file });
        const single = c.length === 1 && c.charCodeAt(0) < 0x80;
        if (row.startsWith(`"1"${c}`) && !single) {
          assert.match(expected, /line 2, column 1: text follows a quoted cell$/, at);
        } else if (row.includes('"') || row.startsWith(`${c}1`)) {
          assert.equal(expected, "", at);
        } else {
          // A feature cell gets the missing-value note; a label cell does not.
          assert.match(expected, /is empty(; missing values are not read: [^;]*)?$/, at);
        }
        for (const chunkBytes of [1, 65536]) {
          const options = { chunkBytes, dtype: "float64" as const };
          if (expected !== "") {
            await assert.rejects(
              () => all(file, options),
              (e: Error) => e instanceof SyntaxError && e.message === expected,
              at,
            );
            continue;
          }
          const ref = parseCsv(text);
          const [b] = await all(file, options);
          assert.deepEqual([...b.x.data], [1], at);
          assert.deepEqual([...ref.x.data], [1], at);
          assert.deepEqual(b.labels, ["x"], at);
          assert.deepEqual(ref.classes, ["x"], at);
        }
      });
    }
  }
});

Deno.test("both readers refuse a stray quote and text after a quoted cell in the same words", async () => {
  // parseCsv passed csv-parse's words on ("invalid CSV near line 2: Invalid Opening Quote: a
  // quote is found on field 0 at line 2, value is "1""), the stream its own, naming the column.
  const stray = "a quote is in a cell that does not start with one";
  const after = "text follows a quoted cell";
  const cases: [string, string][] = [
    ['a,y\n1",x\n', `line 2, column 1: ${stray}`],
    ['a,y\n1 "2",x\n', `line 2, column 1: ${stray}`],
    ['a,y\n1,x"\n', `line 2, column 2: ${stray}`],
    ['a,y\n"1"x,y\n', `line 2, column 1: ${after}`],
    ['a,y\n"1" x,y\n', `line 2, column 1: ${after}`],
    ['a,y\n1, "x" y\n', `line 2, column 2: ${after}`],
    ['a",y\n1,x\n', `line 1, column 1: ${stray}`],
    ['\n\na,"y"b\n1,x\n', `line 3, column 2: ${after}`],
    ['a,y\n1,x\n\n2 ",x\n', `line 4, column 1: ${stray}`],
    // A quote inside: the stream read the label 'x"y' that parseCsv refuses, and called '1"2' not
    // a number (or, in a row with a field too many, counted the row first).
    ['a,y\n1,x"y\n', `line 2, column 2: ${stray}`],
    ['a,y\n1,x"y,z\n', `line 2, column 2: ${stray}`],
    ['a,y\n1"2,x\n', `line 2, column 1: ${stray}`],
    ['a,y\n1"2,x,z\n', `line 2, column 1: ${stray}`],
  ];
  for (const [text, reason] of cases) {
    await withFile(text, async (file) => {
      const expected = `Cannot read CSV '${file}': ${reason}`;
      assert.equal(parseCsvMessage(text, { fileName: file }), expected, JSON.stringify(text));
      for (const chunkBytes of [1, 65536]) {
        await assert.rejects(
          () => all(file, { chunkBytes }),
          (e: Error) => e instanceof SyntaxError && e.message === expected,
          JSON.stringify(text),
        );
      }
    });
  }
});

Deno.test("a row with a field too many and an empty label is refused for its fields by both readers", async () => {
  // The stream refused '1,,x' under 'a,y' as 'label column 2 is empty', though the row has three
  // fields; parseCsv counts the fields first. A lone empty label is still refused as empty.
  const cases: [string, RegExp][] = [
    ["1,,x", /line 2 has 3 fields, the header has 2: column 3 is extra$/],
    ['1,,"x"', /line 2 has 3 fields, the header has 2: column 3 is extra$/],
    ["1,", /line 2, label column 2 \("y"\) is empty$/],
  ];
  for (const [row, reason] of cases) {
    const text = `a,y\n${row}\n`;
    await withFile(text, async (file) => {
      const expected = parseCsvMessage(text, { fileName: file });
      assert.match(expected, reason, row);
      await assert.rejects(
        () => all(file, {}),
        (e: Error) => e instanceof SyntaxError && e.message === expected,
        row,
      );
    });
  }
});

/** The message scanCsv refuses `text` with, and the one parseCsv refuses it with (same name). */
async function bothMessages(
  text: string,
  options: { label?: number; dtype?: "float32" | "float64" } = {},
): Promise<[string, string]> {
  let streamed = "";
  await withFile(text, async (file) => {
    try {
      await scanCsv(file, options);
    } catch (e) {
      streamed = (e as Error).message.replace(file, "t.csv");
    }
  });
  return [streamed, parseCsvMessage(text, { ...options, fileName: "t.csv" })];
}

Deno.test("a quote error later in a row is named before the row's other problems, as parseCsv names it", async () => {
  const stray = "a quote is in a cell that does not start with one";
  // Minimized from csv_readers_agree_test: an extra field that holds a stray quote.
  for (
    const [text, expected] of [
      ['a,y\n1,dog,x"y\n', `line 2, column 3: ${stray}`],
      ['a,b,y\nabc,1"2,cat\n', `line 2, column 2: ${stray}`],
      ['a,b,y\n1,,"cat"x\n', "line 2, column 3: text follows a quoted cell"],
    ]
  ) {
    const message = `Cannot read CSV 't.csv': ${expected}`;
    assert.deepEqual(await bothMessages(text), [message, message], text);
  }
});

Deno.test("a ragged row is named before a value beyond float32's range in it, as parseCsv names it", async () => {
  // Minimized from csv_readers_agree_test: '1e39' overflows float32, and the row has 3 fields.
  const message =
    "Cannot read CSV 't.csv': line 2 has 3 fields, the header has 2: column 3 is extra";
  assert.deepEqual(await bothMessages("a,y\n1e39,0,1\n", { dtype: "float32" }), [
    message,
    message,
  ]);
});

Deno.test("weightColumn: each batch holds the column's values, which are no feature, by name or index, with rowFilter", async () => {
  const lines = ["a,w,b,label"];
  for (let i = 0; i < 23; i++) lines.push(`${i / 4},${(i * 7) % 5}.25,${-i},${i % 3 ? "x" : "y"}`);
  await withFile(lines.join("\n") + "\n", async (file) => {
    // The oracle: parseCsv reads the column as a feature (its second).
    const all = parseCsv(lines.join("\n"));
    const keep = (r: number) => r % 3 !== 1;
    const rows = [...Array(23).keys()].filter(keep);
    for (const weightColumn of ["w", 1, "1"] as const) {
      const x: number[] = [], w: number[] = [];
      let names: readonly string[] = [];
      const options = { weightColumn, batchSize: 5, dtype: "float64", rowFilter: keep } as const;
      for await (const b of readCsvBatches(file, options)) {
        x.push(...b.x.data);
        w.push(...b.weights!);
        assert.equal(b.weights!.length, b.x.rows);
        names = b.featureNames;
      }
      assert.deepEqual(names, ["a", "b"]);
      assert.deepEqual(w, rows.map((i) => all.x.data[i * 3 + 1]));
      assert.deepEqual(x, rows.flatMap((i) => [all.x.data[i * 3], all.x.data[i * 3 + 2]]));
      assert.deepEqual((await scanCsv(file, { weightColumn })).featureNames, ["a", "b"]);
    }
    // Without the option the batches have no weights.
    for await (const b of readCsvBatches(file)) assert.equal(b.weights, undefined);
    const refused = async (options: object, message: string) => {
      await assert.rejects(async () => {
        for await (const _ of readCsvBatches(file, options)) { /* read */ }
      }, (e: Error) => e instanceof RangeError && e.message === message);
    };
    await refused(
      { weightColumn: "label" },
      `Cannot read CSV '${file}': the weight column (3, "label") is the label column (the last, ` +
        "taken as the label)",
    );
    await refused(
      { weightColumn: 2, label: "b" },
      `Cannot read CSV '${file}': the weight column (2, "b") is the label column`,
    );
    await refused(
      { weightColumn: 4 },
      `Cannot read CSV '${file}': weight column index 4 is outside 0..3`,
    );
    await refused(
      { weightColumn: "v" },
      `Cannot read CSV '${file}': no column named "v" (columns: ["a","w","b","label"])`,
    );
    await refused(
      { weightColumn: "w", features: [0, 1] },
      `Cannot read CSV '${file}': column 2 ("w") is the weight column`,
    );
  });
  // A cell of the column that is no number is refused as a feature's is; no feature left.
  await withFile("a,w,y\n1,2,x\n2,heavy,y\n", async (file) => {
    await assert.rejects(async () => {
      for await (const _ of readCsvBatches(file, { weightColumn: "w" })) { /* read */ }
    }, {
      name: "SyntaxError",
      message: parseCsvMessage("a,w,y\n1,2,x\n2,heavy,y\n", { fileName: file }),
    });
  });
  await withFile("w,y\n1,x\n", async (file) => {
    await assert.rejects(async () => {
      for await (const _ of readCsvBatches(file, { weightColumn: 0 })) { /* read */ }
    }, {
      name: "SyntaxError",
      message: `Cannot read CSV '${file}': its 2 columns are the label and the weight column ` +
        `("w"); no feature is left`,
    });
  });
});

Deno.test("a carriage return that is the file's last byte is refused as not ending a line", async () => {
  // No newline follows it, so it ends no line: the same refusal as a CR inside the file, placed
  // after line 3 (two newlines before it), whatever the chunking. With a newline after it, it reads.
  await withFile("a,y\n1,0\n2,1\r", async (file) => {
    for (const chunkBytes of [1, 2, 5, 1024]) {
      await assert.rejects(
        () => all(file, { chunkBytes }),
        (e: Error) =>
          e instanceof SyntaxError &&
          e.message.includes("holds a carriage return that does not end a line (after line 3);"),
        `chunkBytes ${chunkBytes}`,
      );
    }
  });
  await withFile("a,y\n1,0\n2,1\r\n", async (file) => {
    for (const chunkBytes of [1, 2, 5, 1024]) {
      const rows: number[] = [];
      for await (const b of readCsvBatches(file, { chunkBytes })) rows.push(...b.x.data);
      assert.deepEqual(rows, [1, 2], `chunkBytes ${chunkBytes}`);
    }
  });
});

Deno.test("scanCsv keeps a constant huge column as it is and scales a column of deviations near 2^-1022", async () => {
  // Column a is 1e200 throughout: deviations 0, so it needs no second pass (which would rescale
  // 1e200 by 2^600 past float64's range): mean 1e200, scale 1. Column b is 1, 3, 1, 3 times
  // 1e-307: mean 2e-307, standard deviation 1e-307 (above the smallest normal 2.2e-308), whose
  // squares underflow; rescaled far enough they are normal again and the moments exact to rounding.
  const text = "a,b,y\n" + [1, 3, 1, 3].map((t, i) => `1e200,${t}e-307,${i % 2}`).join("\n") + "\n";
  await withFile(text, async (file) => {
    const s = await scanCsv(file);
    assert.equal(s.mean[0], 1e200);
    assert.equal(s.scale[0], 1);
    assert.ok(Math.abs(s.mean[1] / 2e-307 - 1) < 1e-12, `mean ${s.mean[1]}`);
    assert.ok(Math.abs(s.scale[1] / 1e-307 - 1) < 1e-12, `scale ${s.scale[1]}`);
  });
});
