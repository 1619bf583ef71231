import assert from "node:assert/strict";
import { runCli } from "../_helpers/assert_close.ts";
import { loadEmbedded } from "../../lib/data/embedded.ts";
import { fit } from "../../lib/model/fit.ts";
import { predictLabels } from "../../lib/model/predict.ts";
import { saveModel } from "../../lib/io/model_file.ts";
import type { Matrix } from "../../lib/core/matrix.ts";
import type { LogisticModel } from "../../lib/model/types.ts";

/** The repository's folder, where `deno task lrc` runs. */
const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const MAIN = `${ROOT}/lib/cli/main.ts`;

/** What the tests share: a folder, a breast-cancer model saved in it, and the data it was fit on. */
interface Setup {
  readonly dir: string;
  readonly modelPath: string;
  readonly model: LogisticModel;
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly names: readonly string[];
  readonly classes: readonly string[];
}

async function withModel(body: (s: Setup) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "lrc-predict-stdio-" }));
  try {
    const data = await loadEmbedded("breast-cancer");
    const { model } = fit(data.x, data.y, {
      classes: data.classes,
      featureNames: data.featureNames,
      optimizer: { kind: "lbfgs", maxIterations: 40 },
    });
    const modelPath = `${dir}/m.lrc`;
    await saveModel(modelPath, model);
    await body({
      dir,
      modelPath,
      model,
      x: data.x,
      y: data.y,
      names: data.featureNames,
      classes: data.classes,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The data as CSV text: a header (unless `header` is false), the features, then the label. */
function csvText(
  s: Setup,
  options: { header?: boolean; delimiter?: string; weights?: boolean } = {},
): string {
  const sep = options.delimiter ?? ",";
  const head = [...s.names, ...(options.weights ? ["w"] : []), "diagnosis"];
  const lines = options.header === false ? [] : [head.join(sep)];
  for (let i = 0; i < s.x.rows; i++) {
    const cells = Array.from({ length: s.x.cols }, (_, j) => String(s.x.data[i * s.x.cols + j]));
    if (options.weights) cells.push(String(1 + (i % 3)));
    cells.push(s.classes[s.y[i]]);
    lines.push(cells.join(sep));
  }
  return lines.join("\n") + "\n";
}

/**
 * Runs `lrc` as `deno task lrc` does (in the repository's folder, called from `calledFrom`),
 * with `input` piped to its standard input in pieces of `piece` bytes; stdout and stderr read to
 * their end.
 */
async function runPiped(
  argv: readonly string[],
  input: string,
  options: { calledFrom?: string; piece?: number } = {},
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const { INIT_CWD: _, ...env } = Deno.env.toObject();
  if (options.calledFrom !== undefined) env.INIT_CWD = options.calledFrom;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}/deno.json`, MAIN, ...argv],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const bytes = new TextEncoder().encode(input);
  const piece = options.piece ?? bytes.length;
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    try {
      for (let o = 0; o < bytes.length; o += piece) {
        await writer.write(bytes.subarray(o, o + piece));
      }
      await writer.close();
    } catch { /* the child stopped reading */ }
  })();
  const out = await child.output();
  await writing;
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

/** The summary's lines, without the time line (which differs from run to run). */
function summaryLines(text: string): string[] {
  return text.trimEnd().split("\n").filter((l) => !l.startsWith("time "));
}

Deno.test("lrc predict --data - --out - writes the bytes --data FILE --out FILE writes, and its summary on stderr", async () => {
  await withModel(async (s) => {
    // Label found as the one column that is no feature, by position (no header: the last
    // column), a weight column skipped, another delimiter: each as with a file.
    const cases: { name: string; text: string; options: string[] }[] = [
      { name: "by name", text: csvText(s), options: [] },
      { name: "no header", text: csvText(s, { header: false }), options: ["--no-header"] },
      {
        name: "delimiter",
        text: csvText(s, { delimiter: ";" }),
        options: ["--delimiter", ";"],
      },
      {
        name: "weight column",
        text: csvText(s, { weights: true }),
        options: ["--weight-column", "w"],
      },
      // A byte order mark and blank lines before the header, the input in pieces of 7 bytes.
      { name: "pieces", text: "\ufeff\n  \n" + csvText(s), options: [] },
    ];
    for (const c of cases) {
      const file = `${s.dir}/${c.name.replaceAll(" ", "_")}.csv`;
      await Deno.writeTextFile(file, c.text);
      const common = ["predict", "--model", s.modelPath, "--proba", "--batch-rows", "50"];
      const byFile = await runCli([...common, ...c.options, "--data", file, "--out", `${file}.p`]);
      assert.equal(byFile.code, 0, byFile.stderr);
      // Called from another folder: '-' is no relative path to name in a note.
      const piped = await runPiped(
        [...common, ...c.options, "--data", "-", "--out", "-", "--quiet"],
        c.text,
        { calledFrom: s.dir, piece: c.name === "pieces" ? 7 : undefined },
      );
      assert.equal(piped.code, 0, `${c.name}: ${piped.stderr}`);
      assert.deepEqual(piped.stdout, await Deno.readFile(`${file}.p`), c.name);
      // The summary, on stderr, is the file's but for the names of the input and output.
      const expected = summaryLines(byFile.stdout).map((l) =>
        l.replace(`data      ${file}:`, "data      standard input:")
          .replace(`wrote     ${file}.p `, "wrote     standard output ")
      );
      assert.deepEqual(summaryLines(piped.stderr), expected, c.name);
      assert.match(piped.stderr, /^time {6}.* s including writing standard output$/m);
    }
    // The accuracy, against the library's labels on the float32 values the command reads.
    const x32 = { ...s.x, data: Float32Array.from(s.x.data) };
    const labels = predictLabels(s.model, x32);
    const right = labels.filter((l, i) => l === s.classes[s.y[i]]).length;
    const piped = await runPiped(
      ["predict", "--model", s.modelPath, "--data", "-", "--out", "-", "--quiet"],
      csvText(s),
    );
    const accuracy = (100 * right / s.x.rows).toFixed(2);
    assert.match(piped.stderr, new RegExp(`^metrics   accuracy ${accuracy} %`, "m"));
    const lines = new TextDecoder().decode(piped.stdout).trimEnd().split("\n");
    assert.deepEqual(lines, ["predicted", ...labels]);
  });
});

Deno.test("lrc predict --out - stops quietly with 141, as for SIGPIPE, when its reader closes early (head -3)", async () => {
  await withModel(async (s) => {
    // 200 copies of the data: far more predictions than a pipe holds, so the run cannot finish
    // before the reader closes.
    const one = csvText(s, { header: false });
    const text = csvText(s).split("\n")[0] + "\n" + one.repeat(200);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "predict", "--model", s.modelPath, "--data", "-", "--out", "-"]
        .concat(["--batch-rows", "64", "--quiet"]),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writing = (async () => {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(text));
        await writer.close();
      } catch { /* the child stopped reading */ }
    })();
    const reader = child.stdout.getReader();
    let got = "";
    while (got.split("\n").length <= 3) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the output ended before three lines");
      got += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const errors = new Response(child.stderr).text();
    const status = await child.status;
    await writing;
    assert.equal(await errors, "");
    assert.equal(status.code, 141);
    assert.equal(got.split("\n")[0], "predicted");
  });
});

Deno.test("lrc predict --data - refuses an empty standard input and one without rows, writing nothing to stdout", async () => {
  await withModel(async (s) => {
    const argv = ["predict", "--model", s.modelPath, "--data", "-", "--out", "-", "--quiet"];
    const empty = await runPiped(argv, "");
    assert.equal(empty.code, 1);
    assert.equal(empty.stdout.length, 0);
    assert.equal(
      empty.stderr,
      "lrc predict: Cannot predict: 'standard input' is empty (no header, no rows): nothing " +
        "was piped in\n",
    );
    const headerOnly = await runPiped(argv, csvText(s).split("\n")[0] + "\n\n");
    assert.equal(headerOnly.code, 1);
    assert.equal(headerOnly.stdout.length, 0);
    assert.equal(
      headerOnly.stderr,
      "lrc predict: Cannot predict: 'standard input' has a header but no data rows\n",
    );
  });
});

Deno.test("lrc predict --data - names standard input and the line of a bad row; what it wrote before is the start of the good rows' predictions", async () => {
  await withModel(async (s) => {
    const lines = csvText(s).trimEnd().split("\n").slice(0, 8); // the header and 7 rows
    // Line 7 of the input (a blank line counted) holds a text feature cell.
    const cells = lines[5].split(",");
    cells[2] = "n/a";
    const text = [...lines.slice(0, 3), "", lines[3], lines[4], cells.join(","), lines[6]]
      .join("\n") + "\n";
    const argv = ["predict", "--model", s.modelPath, "--data", "-", "--out", "-", "--quiet"];
    const bad = await runPiped([...argv, "--batch-rows", "2"], text);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      new RegExp(
        `^lrc predict: Cannot read CSV 'standard input': line 7, column 3 \\("${s.names[2]}"\\) ` +
          "holds 'n/a'",
      ),
    );
    // Not atomic: what was written (the batches scored before the bad row, when they came in
    // another read) is the start of the good rows' predictions, and no more.
    const good = await runPiped(argv, [...lines.slice(0, 3), lines[3], lines[4]].join("\n"));
    assert.equal(good.code, 0, good.stderr);
    const written = new TextDecoder().decode(bad.stdout);
    assert.ok(new TextDecoder().decode(good.stdout).startsWith(written), written);
    // A label the model does not know, with its line.
    const last = text.trimEnd().split("\n");
    last[last.length - 1] = last[last.length - 1].replace(/,[^,]*$/, ",X");
    const unknown = last.join("\n").replace("n/a", "1") + "\n";
    const label = await runPiped(argv, unknown);
    assert.equal(label.code, 1);
    assert.match(
      label.stderr,
      /^lrc predict: Cannot predict: label "X" on line 8 of 'standard input' is not one of the model's classes/,
    );
  });
});

Deno.test("lrc predict --data - --out - writes each batch once its rows have come, while standard input is still open", async () => {
  await withModel(async (s) => {
    const lines = csvText(s).trimEnd().split("\n");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "predict", "--model", s.modelPath, "--data", "-", "--out", "-"]
        .concat(["--batch-rows", "2", "--quiet"]),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A run that waits for more input (it read 1 MiB before scoring) is ended, to fail, not hang.
    const stuck = setTimeout(() => child.kill(), 60_000);
    const writer = child.stdin.getWriter();
    // The header and two rows: one batch, whose predictions must come before any more input.
    await writer.write(new TextEncoder().encode(lines.slice(0, 3).join("\n") + "\n"));
    const reader = child.stdout.getReader();
    let got = "";
    while (got.split("\n").length <= 3) {
      const { value, done } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    clearTimeout(stuck);
    await writer.write(new TextEncoder().encode(lines[3] + "\n")).catch(() => {});
    await writer.close().catch(() => {});
    while (!(await reader.read()).done);
    const status = await child.status;
    await child.stderr.cancel();
    assert.equal(status.code, 0, "the first batch was not written before the input ended");
    const labels = predictLabels(s.model, {
      data: Float32Array.from(s.x.data.subarray(0, 2 * s.x.cols)),
      rows: 2,
      cols: s.x.cols,
    });
    assert.equal(got, ["predicted", ...labels].join("\n") + "\n");
  });
});

Deno.test("lrc predict --out - refuses --json, whose summary would share stdout with the predictions", async () => {
  const r = await runCli([
    "predict",
    "--model",
    "m.lrc",
    "--data",
    "d.csv",
    "--out",
    "-",
    "--json",
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^lrc predict: Cannot predict: --json prints the summary on standard output, which --out - fills with the predictions/,
  );
});

Deno.test("lrc predict --data - refuses old Mac line ends (a carriage return alone) at the first, not after holding standard input to its end", async () => {
  await withModel(async (s) => {
    // No newline anywhere: a read ahead for the first line's newline holds the whole input (a
    // pipe of 30 MB joined read by read took seconds) and says no only once it ends. Standard
    // input is left open here: the refusal must come from the bytes that hold the first lone
    // carriage return.
    const text = csvText(s).split("\n").slice(0, 3).join("\r") + "\r";
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "predict", "--model", s.modelPath, "--data", "-", "--out", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A run that waits for the input to end is ended, to fail, not hang.
    const stuck = setTimeout(() => child.kill(), 60_000);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    const out = await child.output();
    clearTimeout(stuck);
    await writer.close().catch(() => {});
    assert.equal(out.code, 1, "killed: the run waited for standard input to end");
    assert.equal(out.stdout.length, 0);
    assert.equal(
      new TextDecoder().decode(out.stderr),
      "lrc predict: Cannot read CSV 'standard input': it holds a carriage return that does not " +
        "end a line (after line 1); lines must end with \\n or \\r\\n (convert a file with old " +
        "Mac line ends)\n",
    );
  });
});

Deno.test("lrc predict --data - reads its first line whatever the reads: a newline or lone carriage return in a read shorter than those before, and \\r\\n split between two", async () => {
  await withModel(async (s) => {
    const [header, row] = csvText(s).split("\n");
    const label = predictLabels(s.model, {
      data: Float32Array.from(s.x.data.subarray(0, s.x.cols)),
      rows: 1,
      cols: s.x.cols,
    })[0];
    const encoder = new TextEncoder(), decoder = new TextDecoder();
    // Writes each piece after the one before has had time to be read on its own (the run then
    // sees them as separate reads), leaves standard input open, and reads stdout until it has
    // `lines` lines or ends (with 0, until the run ends); a run stuck waiting for more input is
    // ended, to fail, not hang.
    const run = async (pieces: readonly string[], lines: number) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "predict", "--model", s.modelPath, "--data", "-", "--out", "-"]
          .concat(["--batch-rows", "1", "--quiet"]),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stuck = setTimeout(() => child.kill(), 30_000);
      const writer = child.stdin.getWriter();
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1500));
        await writer.write(encoder.encode(piece)).catch(() => {});
      }
      const reader = child.stdout.getReader();
      let got = "";
      while (lines === 0 || got.split("\n").length <= lines) {
        const { value, done } = await reader.read();
        if (done) break;
        got += decoder.decode(value);
      }
      // Without lines to wait for, the run is to end of itself, standard input still open.
      if (lines === 0) await child.status;
      clearTimeout(stuck);
      await writer.close().catch(() => {});
      while (!(await reader.read()).done);
      const status = await child.status;
      const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
      return { code: status.code, got, stderr };
    };
    // A blank line read first (skipped, as the CSV reader skips it) is longer than the read that
    // holds the header's newline: that read ends the first line, though it does not match the
    // bytes held in size. The row is predicted before standard input ends.
    const blank = " ".repeat(4000) + "\n";
    const newline = await run([blank, `${header}\n${row}\n`], 2);
    assert.equal(newline.code, 0, newline.stderr);
    assert.equal(newline.got, `predicted\n${label}\n`);
    // The same with old Mac line ends: the lone carriage return is refused from that read, not
    // after more input (the blank line is line 1, the header's carriage return ends line 2).
    const cr = await run([blank, `${header}\r${row}\r`], 0);
    assert.equal(cr.code, 1, "killed: the run waited for more input");
    assert.equal(cr.got, "");
    assert.equal(
      cr.stderr,
      "lrc predict: Cannot read CSV 'standard input': it holds a carriage return that does not " +
        "end a line (after line 2); lines must end with \\n or \\r\\n (convert a file with old " +
        "Mac line ends)\n",
    );
    // \r\n split between two reads: the read that ends with the carriage return does not say
    // whether a newline follows; the next one does, and the header and row read as \r\n lines.
    const split = await run([`${header}\r`, `\n${row}\r\n`], 2);
    assert.equal(split.code, 0, split.stderr);
    assert.equal(split.got, `predicted\n${label}\n`);
  });
});

Deno.test("lrc predict --data - names standard input, not '-', in the column plan's refusal", async () => {
  await withModel(async (s) => {
    const [header, ...rows] = csvText(s).trimEnd().split("\n");
    // The first feature left out: the plan finds it missing in 'standard input'.
    const drop = (line: string) => line.split(",").slice(1).join(",");
    const missing = await runPiped(
      ["predict", "--model", s.modelPath, "--data", "-"],
      [header, ...rows].map(drop).join("\n") + "\n",
    );
    assert.equal(missing.code, 1, missing.stderr);
    assert.ok(
      missing.stderr.includes(
        `on 'standard input': its header names ${s.names.length - 1} of the model's features ` +
          `but not ["${s.names[0]}"]`,
      ),
      missing.stderr,
    );
    assert.doesNotMatch(missing.stderr, /'-'/);
  });
});
