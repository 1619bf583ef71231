import assert from "node:assert/strict";
import { type CsvSource, readCsvBatches, readCsvColumns } from "../../lib/data/csv_stream.ts";

/** `text` as a stream in reads of `piece` bytes, named `name`. */
function source(text: string, piece: number, name = "standard input"): CsvSource {
  const bytes = new TextEncoder().encode(text);
  let o = 0;
  return {
    name,
    readable: new ReadableStream({
      pull(c) {
        if (o >= bytes.length) c.close();
        else c.enqueue(bytes.slice(o, o += piece));
      },
    }),
  };
}

Deno.test("readCsvBatches reads a stream (CsvSource) as the file of the same bytes, whatever its reads", async () => {
  const text = "\ufeff\na,b,y\n1.5,2,cat\n\n3,-4e2,dog\r\n5,6,cat\n7,8,dog";
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await Deno.writeTextFile(file, text);
    const all = async (path: string | CsvSource, chunkBytes?: number) => {
      const out = [];
      for await (
        const b of readCsvBatches(path, { batchSize: 2, ...(chunkBytes ? { chunkBytes } : {}) })
      ) {
        out.push({ x: Array.from(b.x.data), labels: b.labels, lines: Array.from(b.lines) });
      }
      return out;
    };
    const expected = await all(file);
    // The values by hand: the file's rows and their lines (blank lines counted).
    assert.deepEqual(expected, [
      { x: [1.5, 2, 3, -400], labels: ["cat", "dog"], lines: [3, 5] },
      { x: [5, 6, 7, 8], labels: ["cat", "dog"], lines: [6, 7] },
    ]);
    for (const piece of [1, 3, 7, 1000]) {
      assert.deepEqual(await all(source(text, piece)), expected, `reads of ${piece}`);
      assert.deepEqual(await all(source(text, piece), 1), expected, `reads of ${piece}, chunk 1`);
      assert.deepEqual(await readCsvColumns(source(text, piece)), ["a", "b", "y"]);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("readCsvBatches names a stream by its name, with the line, in its errors", async () => {
  const read = async () => {
    for await (const _ of readCsvBatches(source("a,y\n1,x\n\n2,\n", 2))) { /* read */ }
  };
  await assert.rejects(read, {
    name: "SyntaxError",
    message: /^Cannot read CSV 'standard input': line 4, /,
  });
  await assert.rejects(() => readCsvColumns(source("", 1)), {
    name: "SyntaxError",
    message: "Cannot read CSV 'standard input': the file is empty",
  });
});

Deno.test("readCsvBatches copies a line longer than a stream's reads a bounded number of times (chunkBytes 1)", async () => {
  // A slow pipe hands a long line over in small reads. Joining the line read so far with each
  // new read copies it again every time: 1,024 reads of 256 bytes copy the line's first half
  // about 1,000 times (some 130 MB for a line of 256 KiB). The bytes that pass through
  // Uint8Array.prototype.set (how the reader joins its reads) count the copies.
  const long = "z".repeat(2 ** 18); // a column that is not read: any text
  const text = `a,b,note\n1,2,${long}\n3,4,short\n5,6,${long}\n`;
  const set = Uint8Array.prototype.set;
  let copied = 0;
  Uint8Array.prototype.set = function (
    this: Uint8Array,
    array: ArrayLike<number>,
    offset?: number,
  ) {
    copied += array.length;
    return set.call(this, array, offset);
  };
  const rows: number[][] = [];
  try {
    for await (
      const b of readCsvBatches(source(text, 256), { label: null, features: [0, 1], chunkBytes: 1 })
    ) {
      rows.push(
        ...Array.from({ length: b.x.rows }, (_, i) => [b.x.data[2 * i], b.x.data[2 * i + 1]]),
      );
    }
  } finally {
    Uint8Array.prototype.set = set;
  }
  assert.deepEqual(rows, [[1, 2], [3, 4], [5, 6]]);
  // Each byte copied a few times (the part carried at least doubles between joins), not once per read.
  assert.ok(copied <= 6 * text.length, `${copied} bytes copied for ${text.length} read`);
});

Deno.test("readCsvBatches hands out a row once the read that ends its long line arrives, before the stream gives more", async () => {
  // A pipe that writes a long line in small reads, its newline alone, then waits (as a program
  // writing rows as it makes them): the row is out before anything more is read. The stream
  // goes on only when the row has come, or (should the reader wait for more) after a second,
  // which is then recorded before the row.
  const events: string[] = [];
  let gotRow = () => {};
  const rowCame = new Promise<void>((resolve) => gotRow = resolve);
  const enc = new TextEncoder();
  const reads = [enc.encode("a,note\n1,")];
  for (let i = 0; i < 40; i++) reads.push(enc.encode("z".repeat(256)));
  reads.push(enc.encode("\n"));
  let next = 0;
  const readable = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (next < reads.length) {
        c.enqueue(reads[next++]);
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        rowCame,
        new Promise<void>((resolve) => timer = setTimeout(resolve, 1000)),
      ]);
      clearTimeout(timer);
      events.push("more read");
      c.enqueue(enc.encode("2,z\n"));
      c.close();
    },
  });
  const rows: number[] = [];
  const source: CsvSource = { name: "standard input", readable };
  for await (
    const b of readCsvBatches(source, { label: null, features: [0], batchSize: 1, chunkBytes: 1 })
  ) {
    rows.push(b.x.data[0]);
    events.push(`row ${b.x.data[0]}`);
    gotRow();
  }
  assert.deepEqual(rows, [1, 2]);
  assert.deepEqual(events, ["row 1", "more read", "row 2"]);
});

Deno.test("readCsvBatches refuses a gzip-compressed stream with a pipe that decompresses it, not a command on its name", async () => {
  // 'gzip -dc 'standard input' > decompressed.csv' names a file that is not there. The oracle
  // is the shell: the bytes piped through the command in the message give back the text.
  const text = "a,b,label\n1,2,y\n3,4,n\n";
  const packed = await new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
  ).bytes();
  const stream = (): CsvSource => ({
    name: "standard input",
    readable: new Blob([packed]).stream(),
  });
  const messages: string[] = [];
  for (
    const read of [
      () => readCsvColumns(stream()),
      async () => {
        for await (const _ of readCsvBatches(stream(), { chunkBytes: 1 })) { /* refused */ }
      },
    ]
  ) {
    await assert.rejects(read, (e: Error) => {
      messages.push(e.message);
      return e instanceof SyntaxError;
    });
  }
  assert.equal(messages[0], messages[1]);
  const command =
    /^Cannot read CSV 'standard input': it is gzip-compressed; decompress it first \(pipe it through (.*)\)$/
      .exec(messages[0]);
  assert.ok(command, messages[0]);
  const child = new Deno.Command("sh", {
    args: ["-c", command[1]],
    stdin: "piped",
    stdout: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(packed);
  await writer.close();
  const run = await child.output();
  assert.equal(run.code, 0);
  assert.equal(new TextDecoder().decode(run.stdout), text);
});
